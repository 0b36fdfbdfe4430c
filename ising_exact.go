package quench

import (
	"fmt"
	"math"
)

// IsingExact2D returns the exact energy per spin u and specific heat per
// spin c (k_B = 1) of the zero-field Ising model with coupling J = 1 on a
// periodic rows x cols square lattice at K = beta J > 0, from Kaufman's
// finite-lattice partition function (Phys. Rev. 76, 1232 (1949), in the
// form of Ferdinand and Fisher, Phys. Rev. 185, 832 (1969)): with n = rows
// and m = cols,
//
//	Z = 1/2 (2 sinh 2K)^(nm/2) (Z1 + Z2 + Z3 + Z4),
//	Z1, Z2 = prod_{r<n} 2 cosh, 2 sinh (m gamma_{2r+1} / 2),
//	Z3, Z4 = prod_{r<n} 2 cosh, 2 sinh (m gamma_{2r} / 2),
//	cosh gamma_l = cosh 2K coth 2K - cos(pi l / n) (gamma_l > 0 for l > 0),
//	gamma_0 = 2K + ln tanh K (negative above Tc, 0 at Tc),
//
// and u = -(1/N) d ln Z / dK, c = (K^2/N) d^2 ln Z / dK^2, the derivatives
// taken analytically (gamma_l' = (cosh 2K coth 2K)' / sinh gamma_l). The
// products are summed in logarithms, so any lattice a run can hold is
// fine. A coupling J multiplies u (the energy per spin is J u(beta J));
// c depends on K alone. An error for an extent below 2 or K not a positive
// finite number.
func IsingExact2D(rows, cols int, k float64) (u, c float64, err error) {
	if rows < 2 || cols < 2 {
		return 0, 0, fmt.Errorf("the exact 2D values need extents of at least 2, not %dx%d", rows, cols)
	}
	if !(k > 0) || math.IsInf(k, 0) {
		return 0, 0, fmt.Errorf("the exact 2D values need a positive finite K = beta J, not %v", k)
	}
	n, m := rows, float64(cols)
	s2, c2 := math.Sinh(2*k), math.Cosh(2*k)
	// a = cosh 2K coth 2K and its derivatives in K
	a := c2 * c2 / s2
	a1 := 2 * c2 * (1 - 1/(s2*s2))
	a2 := 4*s2 - 4/s2 + 8*c2*c2/(s2*s2*s2)

	// Z_i = sign e^l (v0, v1, v2) for Z_i, Z_i', Z_i'': the product of
	// the factors in logarithms, times Z_4's factor 2 sinh(m gamma_0 / 2)
	// when near 0 (near Tc), kept apart as p so that Z_4 = 0 at Tc keeps
	// its slope (the other gamma_l are positive)
	type part struct{ sign, l, v0, v1, v2 float64 }
	var parts [4]part
	for i := range parts {
		odd, sinh := i < 2, i%2 == 1
		var l, g1, g2 float64 // ln|Q|, (ln Q)', (ln Q)''
		p, p1, p2 := 1.0, 0.0, 0.0
		sign := 1.0
		for r := range n {
			idx := 2 * r
			if odd {
				idx++
			}
			var x, x1, x2 float64 // m gamma / 2 and its derivatives
			if idx == 0 {
				x = m / 2 * (2*k + math.Log(math.Tanh(k)))
				x1 = m / 2 * (2 + 2/s2)
				x2 = m / 2 * (-4 * c2 / (s2 * s2))
			} else {
				ch := a - math.Cos(math.Pi*float64(idx)/float64(n))
				g := math.Acosh(ch)
				sh := math.Sinh(g)
				gp := a1 / sh
				gpp := (a2 - ch*gp*gp) / sh
				x, x1, x2 = m/2*g, m/2*gp, m/2*gpp
			}
			if sinh && idx == 0 && math.Abs(x) < 1 {
				sx, cx := 2*math.Sinh(x), 2*math.Cosh(x)
				p, p1, p2 = sx, cx*x1, sx*x1*x1+cx*x2
				continue
			}
			ax := math.Abs(x)
			e := math.Exp(-2 * ax)
			var t float64 // (ln f)'(x): coth or tanh
			if sinh {
				l += ax + math.Log1p(-e)
				t = 1 / math.Tanh(x)
				if x < 0 {
					sign = -sign
				}
			} else {
				l += ax + math.Log1p(e)
				t = math.Tanh(x)
			}
			g1 += t * x1
			g2 += (1-t*t)*x1*x1 + t*x2
		}
		parts[i] = part{sign, l, p, p1 + p*g1, p2 + 2*p1*g1 + p*(g2+g1*g1)}
	}
	top := math.Inf(-1)
	for _, pt := range parts {
		top = max(top, pt.l)
	}
	var z, z1, z2 float64
	for _, pt := range parts {
		w := pt.sign * math.Exp(pt.l-top)
		z += w * pt.v0
		z1 += w * pt.v1
		z2 += w * pt.v2
	}
	nn := float64(rows) * float64(cols)
	// ln Z = nm/2 ln(2 sinh 2K) + ln(z1 + .. + z4) + const
	lz1 := nn/2*2*c2/s2 + z1/z
	lz2 := nn/2*(-4/(s2*s2)) + z2/z - (z1/z)*(z1/z)
	return -lz1 / nn, k * k * lz2 / nn, nil
}
