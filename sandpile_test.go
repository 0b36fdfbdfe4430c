package quench

import (
	"math"
	"math/big"
	"slices"
	"testing"

	"github.com/quenchlab/quench/internal/philox"
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

// GrainSite is fixed: every run's grains land where those of earlier
// versions did (a checkpoint resumed by another binary goes on the same),
// the high word of (w1:w0) * sites, w the Philox words of (Lattice,
// replica, step g, phase 0), w1 the high half.
func TestGrainSiteFixed(t *testing.T) {
	for _, c := range []struct {
		seed    uint64
		replica uint32
		grain   uint64
		sites   int64
		want    int64
	}{
		{1, 0, 0, 1000, 634},
		{1, 0, 1, 1000, 526},
		{7, 0, 123456, 4096, 2798},
		{7, 2, 5, 1 << 40, 1039398852470},
	} {
		if got := GrainSite(Counter{Seed: c.seed, Replica: c.replica}, c.grain, c.sites); got != c.want {
			t.Errorf("GrainSite(seed %d, replica %d, grain %d, %d sites) = %d, want %d", c.seed, c.replica, c.grain, c.sites, got, c.want)
		}
	}
	// the multiply-shift in big integers
	for g := uint64(0); g < 200; g++ {
		n := int64(g*g*977 + 1)
		r := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeLattice, 3, g, 0, 0, 0), philox.KeyFromSeed(42))
		w := new(big.Int).SetUint64(uint64(r[1])<<32 | uint64(r[0]))
		want := w.Mul(w, big.NewInt(n)).Rsh(w, 64).Int64()
		if got := GrainSite(Counter{Seed: 42, Replica: 3}, g, n); got != want {
			t.Fatalf("grain %d of %d sites: %d, want %d", g, n, got, want)
		}
	}
}

// CentralBox is [L/4, L - L/4) along each axis of at least 4 sites, the
// whole axis below.
func TestCentralBox(t *testing.T) {
	b := CentralBox(Lattice{Shape: []int{3, 4, 5, 8, 2}})
	if want := []int{0, 1, 1, 2, 0}; !slices.Equal(b.Lo, want) {
		t.Errorf("Lo %v, want %v", b.Lo, want)
	}
	if want := []int{3, 3, 4, 6, 2}; !slices.Equal(b.Hi, want) {
		t.Errorf("Hi %v, want %v", b.Hi, want)
	}
}
