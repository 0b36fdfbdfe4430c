package quench

import (
	"fmt"
	"math"

	gquad "gonum.org/v1/gonum/integrate/quad"
)

// KuramotoR2 is <r^2>, r = |sum_j exp(i theta_j)| / n, in the stationary
// state of n noisy Kuramoto oscillators of one natural frequency,
// dtheta_i = (k/n) sum_j sin(theta_j - theta_i) dt + sqrt(2T) dW_i, at
// a = k/T (a common frequency only turns every phase alike). That state
// is the Boltzmann distribution of the mean-field XY model,
// exp(a n r^2 / 2) over independent uniform phases, and a
// Hubbard-Stratonovich field x with |x| = rho makes the phases independent
// von Mises ones given x:
//
//	a > 0: weight w(rho) = rho exp(-n rho^2 / (2a)) I0(rho)^n, and
//	       <r^2> = <1/n + (1 - 1/n) (I1(rho)/I0(rho))^2>_w;
//	a < 0: weight rho exp(-n rho^2 / (2|a|)) J0(rho)^n (signed), and
//	       <r^2> = <1/n - (1 - 1/n) (J1(rho)/J0(rho))^2>_w,
//
// each a one-dimensional integral, taken by Gauss-Legendre quadrature
// (a > 0 on log weights about their single peak). n = 1 gives 1, a = 0
// gives 1/n; n = 2 is (1 + I1(a/2)/I0(a/2)) / 2 in closed form, and large
// n above a = 2 approaches r*^2, r* = I1(a r*)/I0(a r*)
// (TestKuramotoR2).
func KuramotoR2(n int64, a float64) (float64, error) {
	switch {
	case n < 1:
		return 0, fmt.Errorf("KuramotoR2: n = %d oscillators: at least 1", n)
	case math.IsNaN(a) || math.IsInf(a, 0):
		return 0, fmt.Errorf("KuramotoR2: k/T = %v: a finite number", a)
	case n == 1:
		return 1, nil
	case a == 0:
		return 1 / float64(n), nil
	case a < 0:
		return kuramotoR2Repulsive(float64(n), -a), nil
	}
	N := float64(n)
	// log w(rho) - its log at the peak rho0, the one root of
	// d/drho log w = 1/rho + n (A(rho) - rho/a), A = I1/I0 (one root:
	// A is concave, so A - rho/a falls past any crossing)
	logW := func(rho float64) float64 {
		return math.Log(rho) + N*(logI0(rho)-rho*rho/(2*a))
	}
	slope := func(rho float64) float64 {
		i0, i1 := besselI01Scaled(rho)
		return 1/rho + N*(i1/i0-rho/a)
	}
	lo, hi := 0.0, a+2 // slope > 0 near 0, < 0 at a + 2
	for range 200 {
		mid := (lo + hi) / 2
		if mid == lo || mid == hi {
			break
		}
		if slope(mid) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	peak := (lo + hi) / 2
	top := logW(peak)
	// the edges where the weight is e^-60 of its peak's (monotone on each
	// side of it)
	edge := func(from, to float64) float64 {
		for range 200 {
			mid := (from + to) / 2
			if mid == from || mid == to {
				break
			}
			if logW(mid) > top-60 {
				from = mid
			} else {
				to = mid
			}
		}
		return from
	}
	far := peak + 1
	for logW(far) > top-60 {
		far = peak + 2*(far-peak)
	}
	left, right := edge(peak, 0), edge(peak, far)
	weight := func(rho float64) float64 { return math.Exp(logW(rho) - top) }
	r2 := func(rho float64) float64 {
		i0, i1 := besselI01Scaled(rho)
		q := i1 / i0
		return weight(rho) * (1/N + (1-1/N)*q*q)
	}
	// 64 panels: the range is the peak's +-11 widths or so
	h := (right - left) / 64
	return kuramotoQuad(r2, left, right, h) / kuramotoQuad(weight, left, right, h), nil
}

// kuramotoR2Repulsive is KuramotoR2 at a = -b < 0: the weight
// rho exp(-n rho^2/(2b)) J0(rho)^n changes sign past J0's zeros, so it is
// integrated as it is. Near 0, J0^n is about exp(-n rho^2/4), so the
// weight's core has width s = (n (1/(2b) + 1/4))^-1/2, at most 2/sqrt(n)
// however strong the repulsion: panels of a quarter of it (and at most a
// half turn of J0), out to where the Gaussian is e^-40 of its peak, or,
// where J0's lobes past its first zero (|J0| < 0.403 there) weigh under
// 1e-16 of the core (0.403^n b/2), to where J0^n is: sqrt(160/n). (Panels
// of 1/2 alone missed a core of width 0.014 at n = 10^4: 21 times the
// value at b = 10^5, and a negative one at n = 10^5, b = 10^6.)
func kuramotoR2Repulsive(n, b float64) float64 {
	end := math.Sqrt(80 * b / n)
	if n*math.Log(0.403)+math.Log(max(b, 1)/2) < math.Log(1e-16) {
		end = min(end, math.Sqrt(160/n))
	}
	width := min(0.5, 0.25/math.Sqrt(n*(1/(2*b)+0.25)))
	// rho exp(-n rho^2/(2b)) J0^m, J0^m from log |J0| (logJ0Abs: J0 near
	// 1 rounds to 1 + about 1e-16, which J0^n would raise to n 1e-16)
	g := func(rho, m float64) float64 {
		if m == 0 {
			return rho * math.Exp(-n*rho*rho/(2*b))
		}
		v := rho * math.Exp(m*logJ0Abs(rho)-n*rho*rho/(2*b))
		if math.J0(rho) < 0 && math.Mod(m, 2) == 1 {
			v = -v
		}
		return v
	}
	num := func(rho float64) float64 {
		// J0^n (1/n - (1 - 1/n) (J1/J0)^2), without dividing by a zero
		j0, j1 := math.J0(rho), math.J1(rho)
		return g(rho, n-2) * (j0*j0/n - (1-1/n)*j1*j1)
	}
	den := func(rho float64) float64 { return g(rho, n) }
	return kuramotoQuad(num, 0, end, width) / kuramotoQuad(den, 0, end, width)
}

// kuramotoQuad integrates f over [a, b] by 20-point Gauss-Legendre rules
// on panels no wider than width.
func kuramotoQuad(f func(float64) float64, a, b, width float64) float64 {
	panels := max(1, int(math.Ceil((b-a)/width)))
	h := (b - a) / float64(panels)
	var s float64
	for p := range panels {
		x0 := a + float64(p)*h
		s += gquad.Fixed(f, x0, x0+h, 20, gquad.Legendre{}, 0)
	}
	return s
}

// logI0 is log I0(x), x >= 0, to the last bits also where I0 is near 1
// (below 1: log1p of the series less its first term).
func logI0(x float64) float64 {
	if x >= 1 {
		i0, _ := besselI01Scaled(x)
		return x + math.Log(i0)
	}
	q := x * x / 4
	t, s := 1.0, 0.0
	for k := 1.0; k < 40; k++ {
		t *= q / (k * k)
		s += t
		if t < s*1e-18 {
			break
		}
	}
	return math.Log1p(s)
}

// logJ0Abs is log |J0(x)|, x >= 0, to the last bits also where J0 is
// near 1 (below 1: log1p of the alternating series less its first term,
// whose terms fall at least 4-fold).
func logJ0Abs(x float64) float64 {
	if x >= 1 {
		return math.Log(math.Abs(math.J0(x)))
	}
	q := x * x / 4
	t, s := 1.0, 0.0
	for k := 1.0; k < 40; k++ {
		t *= -q / (k * k)
		s += t
		if math.Abs(t) < math.Abs(s)*1e-18 {
			break
		}
	}
	return math.Log1p(s)
}

// besselI01Scaled returns I0(x) e^-x and I1(x) e^-x for x >= 0: by their
// power series below 20 (positive terms, summed to the last bit) and by
// the asymptotic series above (its terms fall until about k = 2x, and the
// smallest is about e^-2x, below 1e-17 of the sum).
func besselI01Scaled(x float64) (i0, i1 float64) {
	if x < 20 {
		q := x * x / 4
		t0, t1 := 1.0, x/2 // (x/2)^(2k) / (k!)^2 and (x/2)^(2k+1) / (k! (k+1)!)
		s0, s1 := t0, t1
		for k := 1.0; k < 200; k++ {
			t0 *= q / (k * k)
			t1 *= q / (k * (k + 1))
			s0 += t0
			s1 += t1
			if t0 < s0*1e-18 && t1 < s1*1e-18 {
				break
			}
		}
		e := math.Exp(-x)
		return s0 * e, s1 * e
	}
	// I_nu(x) e^-x ~ (2 pi x)^-1/2 sum_k (-1)^k a_k(nu) / x^k,
	// a_k(nu) = (4nu^2 - 1)(4nu^2 - 9)...(4nu^2 - (2k-1)^2) / (k! 8^k)
	t0, t1 := 1.0, 1.0
	s0, s1 := t0, t1
	for k := 1.0; k < 4*x; k++ {
		m := (2*k - 1) * (2*k - 1)
		n0, n1 := t0*-(0-m)/(k*8*x), t1*-(4-m)/(k*8*x)
		if math.Abs(n0) > math.Abs(t0) || math.Abs(n1) > math.Abs(t1) {
			break // past the smallest term
		}
		t0, t1 = n0, n1
		s0 += t0
		s1 += t1
		if math.Abs(t0) < 1e-18 && math.Abs(t1) < 1e-18 {
			break
		}
	}
	c := 1 / math.Sqrt(2*math.Pi*x)
	return s0 * c, s1 * c
}
