package quench

import (
	"math"
	"testing"
)

// KuramotoR2 against what is known in closed form or by other means:
// one oscillator, no coupling, two oscillators (1 + A(a/2))/2 with
// A = I1/I0 (either sign of a), three by a direct double integral over
// the phases, and many above a = 2 near the self-consistent r*^2; and
// the scaled Bessel functions against their series and math's J0-free
// checks.
func TestKuramotoR2(t *testing.T) {
	near := func(got, want, tol float64) bool { return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want)) }
	if r, err := KuramotoR2(1, 3); err != nil || r != 1 {
		t.Errorf("n = 1: %v %v", r, err)
	}
	if r, err := KuramotoR2(7, 0); err != nil || r != 1.0/7 {
		t.Errorf("a = 0: %v %v", r, err)
	}
	for _, bad := range []struct {
		n int64
		a float64
	}{{0, 1}, {-3, 1}, {2, math.NaN()}, {2, math.Inf(1)}} {
		if _, err := KuramotoR2(bad.n, bad.a); err == nil {
			t.Errorf("KuramotoR2(%d, %v): no error", bad.n, bad.a)
		}
	}
	// n = 2: r^2 = (1 + cos phi)/2 with weight exp(a (1 + cos phi)/2)
	ratio := func(x float64) float64 { // I1(x)/I0(x) by the integrals, x of either sign
		var s0, s1 float64
		const m = 4000
		for j := range m {
			p := (float64(j) + 0.5) * math.Pi / m
			e := math.Exp(x * (math.Cos(p) - 1))
			s0 += e
			s1 += e * math.Cos(p)
		}
		return s1 / s0
	}
	for _, a := range []float64{-40, -3, -0.5, 1e-9, 0.5, 3, 40, 900} {
		got, err := KuramotoR2(2, a)
		want := (1 + ratio(a/2)) / 2
		if err != nil || !near(got, want, 1e-12) {
			t.Errorf("n = 2, a = %v: %v, want %v (%v)", a, got, want, err)
		}
	}
	// n = 3: theta_1 = 0, the other two uniform (periodic trapezoid)
	for _, a := range []float64{-6, -1, 1.5, 5} {
		const m = 600
		var num, den float64
		for i := range m {
			for j := range m {
				p, q := 2*math.Pi*float64(i)/m, 2*math.Pi*float64(j)/m
				c, s := 1+math.Cos(p)+math.Cos(q), math.Sin(p)+math.Sin(q)
				r2 := (c*c + s*s) / 9
				w := math.Exp(a * 3 * r2 / 2)
				num += r2 * w
				den += w
			}
		}
		got, err := KuramotoR2(3, a)
		if err != nil || !near(got, num/den, 1e-11) {
			t.Errorf("n = 3, a = %v: %v, want %v (%v)", a, got, num/den, err)
		}
	}
	// many oscillators: r^2 -> r*^2 above a = 2 (corrections of order
	// 1/n), 1/(n (1 - a/2)) below it
	for _, a := range []float64{2.5, 4, 20} {
		r := 1.0
		for range 10000 {
			i0, i1 := besselI01Scaled(a * r)
			r = i1 / i0
		}
		for _, n := range []int64{1e4, 1e6, 1e8} {
			got, err := KuramotoR2(n, a)
			if err != nil || math.Abs(got-r*r) > 20/float64(n) {
				t.Errorf("n = %d, a = %v: %v, want %v within %v", n, a, got, r*r, 20/float64(n))
			}
		}
	}
	// below a = 2, and for repulsion however strong (the weight's core
	// then far narrower than its Gaussian), the Gaussian limit, relative
	// corrections of order 1/n
	for _, a := range []float64{-1e6, -3e4, -5, 0.5, 1.5} {
		for _, n := range []int64{1e4, 1e6, 1e9} {
			got, err := KuramotoR2(n, a)
			// (measured: -12/n at a = 1.5, -0.44/n at 0.5, 0.2/n and less
			// for a < 0)
			tol := 2 / (float64(n) * (1 - a/2) * (1 - a/2))
			if a < 0 {
				tol = 2 / float64(n)
			}
			t.Logf("n = %d, a = %v: relative %.3g (n times it %.3g)", n, a, got*float64(n)*(1-a/2)-1, (got*float64(n)*(1-a/2)-1)*float64(n))
			if want := 1 / (float64(n) * (1 - a/2)); err != nil || !(math.Abs(got/want-1) <= tol) {
				t.Errorf("n = %d, a = %v: %v, want %v (relative %.2g)", n, a, got, want, got/want-1)
			}
		}
	}
	// I0 e^-x and I1 e^-x: the series and the asymptotic branch meet at
	// 20, and the integrals agree on either side
	for _, x := range []float64{0, 1e-8, 0.3, 5, 19.999, 20, 20.001, 60, 1e4} {
		i0, i1 := besselI01Scaled(x)
		var s0, s1 float64
		const m = 20000
		for j := range m {
			p := (float64(j) + 0.5) * math.Pi / m
			e := math.Exp(x*(math.Cos(p)-1)) / m
			s0 += e
			s1 += e * math.Cos(p)
		}
		if !near(i0, s0, 1e-12) || !near(i1, s1, 1e-12) { // (the sum of 20000 terms rounds at 1e-13)
			t.Errorf("x = %v: I0 e^-x %v (integral %v), I1 e^-x %v (%v)", x, i0, s0, i1, s1)
		}
	}
}
