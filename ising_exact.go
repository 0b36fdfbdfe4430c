package quench

import (
	"fmt"
	"math"
)

// isingExactKMax is the K above which IsingExact2D returns u = -2 and
// c = 0: every excited state costs at least 8 (a flipped spin's four
// bonds), so u + 2 and c are of order e^(-8K), below float64's smallest
// number there.
const isingExactKMax = 100

// isingExactKMin is the K below which IsingExact2D returns the first
// order of the high-temperature expansion, u = -f K and c = f K^2 (f the
// bonds per spin between distinct pairs, counted with their
// multiplicity): relative error about K there (K^2 without an extent of
// 3), where the partition function's terms, of order 1, cancel to
// leave u of order K, to an absolute 1e-16.
const isingExactKMin = 1e-8

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
// taken analytically. Each factor is taken with its share (2 sinh 2K)^(m/2)
// of the prefactor: for l > 0, with s = sinh 2K and sigma = sin^2(pi l/2n),
// (2s)^(m/2) e^(m gamma_l/2) = (sqrt P + sqrt Q)^m, P = (s-1)^2 + 2 s sigma,
// Q = 1 + s^2 + 2 s sigma, and for l = 0 it is (2 sinh K e^K)^m below Tc,
// (2 cosh K e^-K)^m above, so that no large terms cancel at small or large
// K; the derivative of ln Z is taken relative to the largest Z_i's, so that
// the specific heat does not come from the difference of numbers of order
// N^2. The products are summed in logarithms, so any lattice a run can
// hold is fine: u and c/K^2 are good to about 1e-15 absolute, but near
// Tc on the largest lattices, where the Z_i's logarithms, of order N, set
// their weights (65536^2 at Kc: u to 1e-12, c to 5e-9 relative). A
// coupling J multiplies u (the energy per spin is J u(beta J)); c depends
// on K alone. Below K = 1e-8 it is the high-temperature order
// (isingExactKMin), beyond K = 100 u = -2 and c = 0 (e^-8K rounds to 0).
// An error for an extent below 2 or K not a positive finite number.
func IsingExact2D(rows, cols int, k float64) (u, c float64, err error) {
	if rows < 2 || cols < 2 {
		return 0, 0, fmt.Errorf("the exact 2D values need extents of at least 2, not %dx%d", rows, cols)
	}
	if !(k > 0) || math.IsInf(k, 0) {
		return 0, 0, fmt.Errorf("the exact 2D values need a positive finite K = beta J, not %v", k)
	}
	if k > isingExactKMax {
		return -2, 0, nil
	}
	if k < isingExactKMin {
		// to first order in K each bond adds -K per bond between its two
		// sites: 1 along an axis of extent 3 or more, 2 along one of
		// extent 2 (both neighbours are the same site)
		f := 0.0
		for _, l := range []int{rows, cols} {
			f += 1
			if l == 2 {
				f += 1
			}
		}
		return -f * k, f * k * k, nil
	}
	n, m := rows, float64(cols)
	s, ch := math.Sinh(2*k), math.Cosh(2*k)
	ds := 2 * ch // s'; s'' = 4 s

	// Z_i (with the prefactor) = sign e^l (p, p', p'') times the
	// derivatives g1 = (ln Q)', g2 = (ln Q)'' of the product Q of its
	// factors in logarithms; p is Z_4's factor 2 sinh(m gamma_0 / 2)
	// when near 0 (near Tc), kept apart so that Z_4 = 0 at Tc keeps its
	// slope
	type part struct{ sign, l, p, p1, p2, g1, g2 float64 }
	var l, g1, g2 nsum // the sums over the factors, compensated
	var parts [4]part
	for i := range parts {
		odd, sinh := i < 2, i%2 == 1
		pt := part{sign: 1, p: 1}
		l, g1, g2 = nsum{}, nsum{}, nsum{}
		for r := range n {
			idx := 2 * r
			if odd {
				idx++
			}
			// the factor's e^(m|gamma|/2) with its share of the prefactor,
			// m lam (lam' and lam'' its derivatives), and
			// x = m gamma/2: e = e^-|x|, ex1 = |x|' e, ex2 = |x|'' e^2
			var lam, lam1, lam2, x, e, ex1, ex2 float64
			if idx == 0 {
				x = m / 2 * (2*k + math.Log(math.Tanh(k)))
				if sinh && math.Abs(x) < 1 {
					x1 := m / 2 * (2 + 2/s)
					x2 := m / 2 * (-4 * ch / (s * s))
					sx, cx := 2*math.Sinh(x), 2*math.Cosh(x)
					pt.p, pt.p1, pt.p2 = sx, cx*x1, sx*x1*x1+cx*x2
					l.add(m / 2 * math.Log(2*s))
					g1.add(m * ch / s)
					g2.add(-2 * m / (s * s))
					continue
				}
				sg := 1.0
				if x >= 0 {
					lam, lam1, lam2 = math.Ln2+math.Log(math.Sinh(k))+k, 1/math.Tanh(k)+1, -1/(math.Sinh(k)*math.Sinh(k))
				} else {
					sg = -1
					lam, lam1, lam2 = math.Ln2+math.Log(math.Cosh(k))-k, math.Tanh(k)-1, 1/(math.Cosh(k)*math.Cosh(k))
				}
				e = math.Exp(-math.Abs(x))
				es := e / s
				ex1 = sg * m / 2 * (2*e + 2*es)
				ex2 = sg * m / 2 * (-4 * ch * es * es)
			} else {
				sig := math.Sin(math.Pi * float64(idx) / float64(2*n))
				sig *= sig
				pp, qq := (s-1)*(s-1)+2*s*sig, 1+s*s+2*s*sig
				kap := math.Cos(math.Pi * float64(idx) / float64(2*n))
				kap *= kap // 1 - sig: P' = 2 (s - kap) s'
				pp1, qq1 := 2*(s-kap)*ds, 2*(s+sig)*ds
				pp2, qq2 := 2*ds*ds+8*(s-kap)*s, 2*ds*ds+8*(s+sig)*s
				p, q := math.Sqrt(pp), math.Sqrt(qq)
				p1, q1 := pp1/(2*p), qq1/(2*q)
				// (sqrt P)'' = (P''/2 - (sqrt P)'^2) / sqrt P, no e^(8K) inside
				p2, q2 := (pp2/2-p1*p1)/p, (qq2/2-q1*q1)/q
				lam = math.Log(p + q)
				lam1 = (p1 + q1) / (p + q)
				lam2 = (p2+q2)/(p+q) - lam1*lam1
				g := math.Asinh(p * q / s) // sinh gamma = sqrt(PQ)/s
				x = m / 2 * g
				e = math.Exp(-x)
				es := e / s
				ex1 = m / 2 * (2 * ch * (s*s - 1) / (p * q)) * es // gamma' = 2 ch (s^2-1)/(s sqrt(PQ))
				ex2 = m / 2 * (2*lam2*e*e + 4*es*es)              // gamma'' = 2 lam'' + 4/s^2
			}
			e2 := e * e
			l.add(m * lam)
			g1.add(m * lam1)
			g2.add(m * lam2)
			if sinh {
				// 2 sinh|x| = e^|x| (1 - e^-2|x|)
				d := -math.Expm1(-2 * math.Abs(x))
				l.add(math.Log1p(-e2))
				g1.add(2 * ex1 * e / d)
				g2.add(2*ex2/d - 4*ex1*ex1/(d*d))
				if x < 0 {
					pt.sign = -pt.sign
				}
			} else {
				l.add(math.Log1p(e2))
				g1.add(-2 * ex1 * e / (1 + e2))
				g2.add(-2*ex2/(1+e2) + 4*ex1*ex1/((1+e2)*(1+e2)))
			}
		}
		pt.l, pt.g1, pt.g2 = l.val(), g1.val(), g2.val()
		parts[i] = pt
	}
	// the derivatives relative to the largest part's g1
	top, ref := math.Inf(-1), 0.0
	for _, pt := range parts {
		if pt.l > top {
			top, ref = pt.l, pt.g1
		}
	}
	var z, z1, z2 float64
	for _, pt := range parts {
		w := pt.sign * math.Exp(pt.l-top)
		g := pt.g1 - ref
		z += w * pt.p
		z1 += w * (pt.p1 + pt.p*g)
		z2 += w * (pt.p2 + 2*pt.p1*g + pt.p*(pt.g2+g*g))
	}
	nn := float64(rows) * float64(cols)
	lz1 := ref + z1/z
	lz2 := z2/z - (z1/z)*(z1/z)
	// c is a variance: a negative one is the rounding of one near 0
	return -lz1 / nn, max(k*k*lz2/nn, 0), nil
}

// nsum is Neumaier's compensated sum: a long lattice's n terms of
// similar size would otherwise round in the same direction n times.
type nsum struct{ s, c float64 }

func (a *nsum) add(x float64) {
	t := a.s + x
	if math.Abs(a.s) >= math.Abs(x) {
		a.c += (a.s - t) + x
	} else {
		a.c += (x - t) + a.s
	}
	a.s = t
}

func (a nsum) val() float64 { return a.s + a.c }
