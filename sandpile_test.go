package quench

import (
	"math"
	"testing"
)

// GrainSite drops grains uniformly: over 20000 grains on n sites every
// site's count is within 4 sigma of 20000/n (binomial), on lattices of
// 1 to 9 sites and on 64.
func TestGrainSiteUniform(t *testing.T) {
	const grains = 20000
	for _, n := range []int64{1, 2, 3, 5, 9, 64} {
		count := make([]int, n)
		ctr := Counter{Seed: 31, Replica: 0}
		for g := uint64(0); g < grains; g++ {
			x := GrainSite(ctr, g, n)
			if x < 0 || x >= n {
				t.Fatalf("%d sites: grain %d at %d", n, g, x)
			}
			count[x]++
		}
		p := 1 / float64(n)
		sigma := math.Sqrt(grains * p * (1 - p))
		for x, c := range count {
			if math.Abs(float64(c)-grains*p) > 4*sigma+1e-9 {
				t.Errorf("%d sites: site %d got %d grains, want %.0f +- %.0f", n, x, c, grains*p, sigma)
			}
		}
	}
}
