package quench

import (
	"math"
	"testing"
)

// stationaryPoints finds every real root of lambda phi^3 + m2 phi - h to
// rounding, also roots far smaller than its bisection grid, and
// Phi4StabilityBound follows from the largest curvature among them.
func TestStationaryPoints(t *testing.T) {
	for _, c := range []struct {
		m2, lambda, h float64
		want          []float64 // the roots, ascending
	}{
		{-1, 1, 0, []float64{-1, 0, 1}},
		{1, 1, 0, []float64{0}},
		{-1, 1e100, 0, []float64{-1e-50, 0, 1e-50}},
		{-4, 1, 0, []float64{-2, 0, 2}},
		{0, 2, 16, []float64{2}},
		{-1, 1e-10, 0, []float64{-1e5, 0, 1e5}},
		{2, 0, 1, []float64{0.5}},
		{0, 1, 0, []float64{0}},
		{0, 2, 16, []float64{2}},
		{0, 1, -0.125, []float64{-0.5}},
		{-1e10, 1e-300, 0, []float64{-1e155, 0, 1e155}},
		{-1, 5e-324, 0, []float64{-1 / math.Sqrt(5e-324), 0, 1 / math.Sqrt(5e-324)}},
		// brackets near float64's limit: the grid must not overflow
		{-1e300, 1e-316, 0, []float64{-math.Sqrt(1e300) / math.Sqrt(1e-316), 0, math.Sqrt(1e300) / math.Sqrt(1e-316)}},
		{-5e298, 1e-317, 0, []float64{-math.Sqrt(5e298) / math.Sqrt(1e-317), 0, math.Sqrt(5e298) / math.Sqrt(1e-317)}},
		{1e300, 1e-316, 0, []float64{0}},
		{1e294, 5e-324, 0, []float64{0}},
		{-1e290, 1e-320, 0.5, []float64{-math.Sqrt(1e290) / math.Sqrt(1e-320), math.Sqrt(1e290) / math.Sqrt(1e-320)}},
	} {
		got := stationaryPoints(c.m2, c.lambda, c.h)
		// the largest and smallest roots must be found; a cluster of roots
		// inside one grid cell may be seen as fewer
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, r := range got {
			lo, hi = math.Min(lo, r), math.Max(hi, r)
		}
		want := []float64{c.want[0], c.want[len(c.want)-1]}
		for i, g := range []float64{lo, hi} {
			if g != want[i] && !(math.Abs(g/want[i]-1) < 1e-12) { // relative: roots may be tiny
				t.Errorf("m2=%v lambda=%v h=%v: roots %v, want the extremes %v", c.m2, c.lambda, c.h, got, want)
				break
			}
		}
	}
	// scales beyond float64: no roots, a NaN bound (refused by validation)
	if r := stationaryPoints(-1e300, 1e-320, 0); r != nil {
		t.Errorf("m2 = -1e300, lambda = 1e-320: roots %v, want none (overflow)", r)
	}
	if b := (&Phi4Params{Scheme: SchemeEM, M2: -1e300, Lambda: 1e-320, Gamma: 1}).Phi4StabilityBound([]int{8, 8}); !math.IsNaN(b) {
		t.Errorf("bound beyond float64: %v, want NaN", b)
	}
	// m2 = 1e290, lambda = 1e-320: the one root is 0, curvature m2
	if b := (&Phi4Params{Scheme: SchemeEM, M2: 1e290, Lambda: 1e-320, Gamma: 1}).Phi4StabilityBound([]int{8, 8}); math.Abs(b/(2/(8+1e290))-1) > 1e-12 {
		t.Errorf("bound for m2 = 1e290, lambda = 1e-320: %v, want %v", b, 2/(8+1e290))
	}
	// lambda = 1e100, m2 = -1: curvature m2 + 3 lambda phi^2 = 2 at the
	// minima, so em's bound is 2/(8 + 2) in 2D
	p := Phi4Params{Scheme: SchemeEM, M2: -1, Lambda: 1e100, Gamma: 1}
	if b := p.Phi4StabilityBound([]int{8, 8}); math.Abs(b-0.2) > 1e-12 {
		t.Errorf("bound for lambda = 1e100: %v, want 0.2", b)
	}
}

// LaplacianMax is the largest eigenvalue of minus the periodic Laplacian,
// checked against every mode of small lattices; odd extents lower the
// stability bound's stiffest mode (a 1D ring of 3 with m2 = 1, lambda = 0
// is stable for em up to dt = 2/(3 + 1) = 0.5, not 2/(4 + 1)).
func TestLaplacianMax(t *testing.T) {
	for _, shape := range [][]int{{1}, {2}, {3}, {5}, {8}, {3, 3}, {3, 4}, {7, 2, 5}, {1, 9}} {
		best := 0.0
		var walk func(a int, l float64)
		walk = func(a int, l float64) {
			if a == len(shape) {
				best = math.Max(best, l)
				return
			}
			for n := 0; n < shape[a]; n++ {
				walk(a+1, l+2-2*math.Cos(2*math.Pi*float64(n)/float64(shape[a])))
			}
		}
		walk(0, 0)
		if got := LaplacianMax(shape); math.Abs(got-best) > 1e-12 {
			t.Errorf("%v: LaplacianMax %v, every mode's largest %v", shape, got, best)
		}
	}
	if got := LaplacianMax([]int{8, 6, 4}); got != 12 {
		t.Errorf("even extents: %v, want exactly 12", got)
	}
	p := Phi4Params{Scheme: SchemeEM, M2: 1, Gamma: 1}
	if b := p.Phi4StabilityBound([]int{3}); math.Abs(b-0.5) > 1e-12 {
		t.Errorf("em bound on a ring of 3, m2 = 1: %v, want 0.5", b)
	}
	if b := p.Phi4StabilityBound([]int{3, 3, 3}); math.Abs(b-0.2) > 1e-12 {
		t.Errorf("em bound on 3x3x3, m2 = 1: %v, want 0.2", b)
	}
}

// A huge lambda does not overflow the curvature (which made the bound 0,
// reported as "needs dt < 0"): lambda 1e308 at m2 = -1 has its minima at
// phi^2 = 1e-308, curvature 2 there, as at lambda 1e300.
func TestStabilityBoundNoOverflow(t *testing.T) {
	for _, c := range []struct {
		p    Phi4Params
		want float64
	}{
		{Phi4Params{Scheme: SchemeEM, M2: -1, Lambda: 1e308, Gamma: 1}, 2.0 / 14},
		{Phi4Params{Scheme: SchemeBAOAB, M2: -1, Lambda: 1e308, Gamma: 1, Mass: 1}, 2 / math.Sqrt(14)},
		{Phi4Params{Scheme: SchemeModelB, M2: -1, Lambda: 1e308, Gamma: 1}, 2.0 / 168},
	} {
		b := c.p.Phi4StabilityBound([]int{8, 8, 8})
		if !(b > 0) || math.Abs(b/c.want-1) > 1e-6 {
			t.Errorf("%+v: bound %v, want %v", c.p, b, c.want)
		}
	}
}

// Model B's bound: the conserved operator multiplies each mode's
// relaxation rate by its Laplacian eigenvalue q, so the stiffest mode
// (q = 8 on 8 x 8, lambda_k = m2 + q = 9) needs dt gamma q (q + m2) < 2:
// dt < 2/72 at m2 = 1, gamma = 1 (the value TestGaussianFreeField runs
// just under), and 2/(2 * 8 * 9) at gamma = 2.
func TestModelBStabilityBound(t *testing.T) {
	for _, c := range []struct {
		gamma float64
		want  float64
	}{{1, 2.0 / 72}, {2, 1.0 / 72}} {
		p := Phi4Params{Scheme: SchemeModelB, M2: 1, Lambda: 0, Gamma: c.gamma}
		if b := p.Phi4StabilityBound([]int{8, 8}); math.Abs(b-c.want) > 1e-15 {
			t.Errorf("model B bound on 8x8, m2 = 1, gamma = %v: %v, want %v", c.gamma, b, c.want)
		}
	}
}
