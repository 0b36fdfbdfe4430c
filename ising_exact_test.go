package quench

import (
	"math"
	"testing"
)

// Kaufman's finite-lattice values against the published ones
// (docs/exact-values.md): L = 4 at T = 2 and Tc (which the tests'
// enumeration reproduces), and L = 16 at exactly Kc.
func TestIsingExact2DPublished(t *testing.T) {
	kc := math.Log(1+math.Sqrt2) / 2
	for _, c := range []struct {
		l       int
		k, u, c float64
		tol     float64
	}{
		{4, 0.5, -1.755380288777, 0.605532657, 1e-9},
		{4, kc, -1.565623787638, 0.783266826, 1e-9},
		{16, kc, -1.4530648528, 1.4987049594, 1e-10},
	} {
		u, ch, err := IsingExact2D(c.l, c.l, c.k)
		if err != nil || math.Abs(u-c.u) > c.tol || math.Abs(ch-c.c) > c.tol {
			t.Errorf("L=%d K=%v: u %.12f c %.12f (%v); want %.12f %.12f", c.l, c.k, u, ch, err, c.u, c.c)
		}
	}
}
