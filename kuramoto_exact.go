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
		i0, _ := besselI01Scaled(rho)
		return math.Log(rho) + N*(rho+math.Log(i0)-rho*rho/(2*a))
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
	num := kuramotoQuad(r2, left, right)
	den := kuramotoQuad(weight, left, right)
	return num / den, nil
}

// kuramotoR2Repulsive is KuramotoR2 at a = -b < 0: the weight
// rho exp(-n rho^2/(2b)) J0(rho)^n changes sign past J0's zeros, so it is
// integrated as it is, in panels of at most a half turn of J0, out to
// where the Gaussian is e^-40 of its peak.
func kuramotoR2Repulsive(n, b float64) float64 {
	end := math.Sqrt(80 * b / n)
	num := func(rho float64) float64 {
		j0, j1 := math.J0(rho), math.J1(rho)
		g := rho * math.Exp(-n*rho*rho/(2*b))
		// J0^n (1/n - (1 - 1/n) (J1/J0)^2), without dividing by a zero
		return g * math.Pow(j0, n-2) * (j0*j0/n - (1-1/n)*j1*j1)
	}
	den := func(rho float64) float64 {
		return rho * math.Exp(-n*rho*rho/(2*b)) * math.Pow(math.J0(rho), n)
	}
	return kuramotoQuad(num, 0, end) / kuramotoQuad(den, 0, end)
}

// kuramotoQuad integrates f over [a, b] by 20-point Gauss-Legendre rules
// on panels no wider than 1/2 (J0's half turn is about pi) and at least
// 64 of them (a peak narrower than the range).
func kuramotoQuad(f func(float64) float64, a, b float64) float64 {
	panels := max(64, int(math.Ceil((b-a)/0.5)))
	h := (b - a) / float64(panels)
	var s float64
	for p := range panels {
		x0 := a + float64(p)*h
		s += gquad.Fixed(f, x0, x0+h, 20, gquad.Legendre{}, 0)
	}
	return s
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
