package quench_test

import (
	"hash/fnv"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
	"github.com/quenchlab/quench/cpu"
)

// burn adds the burning test's grains: one per boundary edge at every
// site, each an avalanche of its own (add(site, avalanche number)).
func burn(lat quench.Lattice, add func(x int64, av int32)) {
	av := int32(1)
	for x := int64(0); x < lat.Sites(); x++ {
		r := x
		for a := lat.Dim() - 1; a >= 0; a-- {
			c := r % int64(lat.Shape[a])
			r /= int64(lat.Shape[a])
			for _, edge := range []bool{c == 0, c == int64(lat.Shape[a])-1} {
				if edge {
					add(x, av)
					av++
				}
			}
		}
	}
}

// recurrent reports whether h is recurrent by the burning test: adding one
// grain per boundary edge at every site makes every site topple exactly
// once, and gives h back.
func recurrent(t *testing.T, h []uint8, shape ...int) bool {
	t.Helper()
	be := cpu.New()
	lat, _ := quench.NewLattice(shape...)
	n := lat.Sites()
	s := &quench.Sandpile{}
	s.Heights, _ = be.Alloc(quench.Uint8, n)
	s.Activity, _ = be.Alloc(quench.Int64, n)
	s.Stamp, _ = be.Alloc(quench.Int32, n)
	if err := be.Upload(s.Heights, h); err != nil {
		t.Fatal(err)
	}
	burn(lat, func(x int64, av int32) {
		if _, err := be.SandpileAdd(s, lat, x, av); err != nil {
			t.Fatal(err)
		}
	})
	act := make([]int64, n)
	got := make([]uint8, n)
	be.Download(act, s.Activity)
	be.Download(got, s.Heights)
	for x := range act {
		if act[x] != 1 || got[x] != h[x] {
			return false
		}
	}
	return true
}

// chi2Bound is the chi-square quantile of k degrees of freedom that a
// fit exceeds as rarely as a normal value lies 4 sigma from its mean
// (6.3e-5): mean + 4 sd (k + 4 sqrt(2k)) would be stricter than that for
// few degrees of freedom (5: a tail of 0.34%), whose chi-square is skewed.
func chi2Bound(k float64) float64 {
	return distuv.ChiSquared{K: k}.Quantile(1 - math.Erfc(4/math.Sqrt2))
}

// On the 2x2 lattice the sampler must give only recurrent configurations
// and each of the 192 (one per spanning tree) with probability 1/192: a
// chi-square test with 191 degrees of freedom over 96,000 draws, against
// its quantile at a normal 4 sigma's two-sided tail (chi2Bound: 275.2).
func TestSandpileStationary2x2Uniform(t *testing.T) {
	lat, _ := quench.NewLattice(2, 2)
	counts := map[[4]uint8]int{}
	const draws = 96000
	for i := 0; i < draws; i++ {
		h, err := quench.SandpileStationary(lat, quench.Counter{Seed: uint64(i)})
		if err != nil {
			t.Fatal(err)
		}
		counts[[4]uint8(h)]++
	}
	if len(counts) != 192 {
		t.Fatalf("%d distinct configurations, want the 192 recurrent ones", len(counts))
	}
	chi2 := 0.0
	for h, c := range counts {
		if !recurrent(t, h[:], 2, 2) {
			t.Errorf("configuration %v is not recurrent", h)
		}
		e := float64(draws) / 192
		chi2 += (float64(c) - e) * (float64(c) - e) / e
	}
	t.Logf("chi2 = %.1f for 191 degrees of freedom", chi2)
	if b := chi2Bound(191); chi2 > b {
		t.Errorf("chi2 = %.1f, above the 4-sigma bound %.1f", chi2, b)
	}
}

// Samples on other shapes and dimensions are recurrent.
func TestSandpileStationaryRecurrent(t *testing.T) {
	for i, shape := range [][]int{{7}, {5, 9}, {16, 16}, {3, 4, 5}, {2, 3, 2, 3}} {
		lat, _ := quench.NewLattice(shape...)
		h, err := quench.SandpileStationary(lat, quench.Counter{Seed: uint64(100 + i)})
		if err != nil {
			t.Fatal(err)
		}
		for x, v := range h {
			if int(v) >= quench.SandpileThreshold(lat.Dim()) {
				t.Fatalf("%v: unstable height %d at %d", shape, v, x)
			}
		}
		if !recurrent(t, h, shape...) {
			t.Errorf("%v: sample is not recurrent", shape)
		}
	}
}

// The height probabilities in the bulk of large samples against the
// infinite-lattice values (docs/exact-values.md). Samples are independent, so the
// error is the standard error over samples. The central quarter of a
// 256^2 lattice is close to the infinite lattice: the boundary correction,
// measured for the driven test in cpu/ (TestSandpileHeightProbabilities),
// is at most 0.00113(7) at L = 64 and 0.00034(7) at L = 128, falling
// about 3.3 times per doubling of L, so near 0.0001 here. Each P(k)'s
// deviation may lie between 0 and the bias measured at L = 128 (sign
// included: a bound here, as it falls with L), and 4 sigma (the test's
// error and that bias's combined) beyond.
func TestSandpileStationaryHeights(t *testing.T) {
	exact := quench.SandpileHeights2D
	const L, samples = 256, 40
	lat, _ := quench.NewLattice(L, L)
	var sum, sum2 [4]float64
	for s := 0; s < samples; s++ {
		h, err := quench.SandpileStationary(lat, quench.Counter{Seed: 77, Replica: uint32(s)})
		if err != nil {
			t.Fatal(err)
		}
		var cnt [4]float64
		for y := L / 4; y < 3*L/4; y++ {
			for x := L / 4; x < 3*L/4; x++ {
				cnt[h[y*L+x]]++
			}
		}
		for k := range cnt {
			p := cnt[k] / (L * L / 4)
			sum[k] += p
			sum2[k] += p * p
		}
	}
	// the boundary bias at L = 128 (cpu's TestSandpileHeightProbabilities)
	bias := [4][2]float64{{0.00010, 0.00004}, {-0.00002, 0.00010}, {0.00027, 0.00009}, {-0.00034, 0.00007}}
	for k := range exact {
		mean := sum[k] / samples
		err := math.Sqrt((sum2[k]/samples - mean*mean) / (samples - 1))
		// the bias here lies between 0 and L = 128's (of the same
		// sign, smaller): the deviation may be anywhere in between, and
		// 4 sigma of the errors of both beyond
		lo, hi := min(0, bias[k][0]), max(0, bias[k][0])
		sigma := math.Hypot(err, bias[k][1])
		dev := mean - exact[k]
		t.Logf("P(%d) = %.5f +- %.5f, infinite lattice %.7f: %+.5f (%+.2f errors), allowed [%+.5f, %+.5f] +- 4 x %.5f", k, mean, err, exact[k], dev, dev/err, lo, hi, sigma)
		if dev < lo-4*sigma || dev > hi+4*sigma {
			t.Errorf("P(%d) = %.5f +- %.5f, want %.7f + a bias in [%+.5f, %+.5f] within 4 sigma, %.5f", k, mean, err, exact[k], lo, hi, 4*sigma)
		}
	}
}

// A chain is sampled directly: its 6 recurrent configurations at n = 5
// (all 1, or one 0) each with probability 1/6 (chi2, 5 degrees of freedom,
// chi2Bound 26.8), and a chain of 10^6 sites at once.
func TestSandpileStationaryChain(t *testing.T) {
	lat, _ := quench.NewLattice(5)
	counts := map[[5]uint8]int{}
	const draws = 6000
	for i := 0; i < draws; i++ {
		h, err := quench.SandpileStationary(lat, quench.Counter{Seed: uint64(i)})
		if err != nil {
			t.Fatal(err)
		}
		counts[[5]uint8(h)]++
	}
	if len(counts) != 6 {
		t.Fatalf("%d distinct configurations, want 6", len(counts))
	}
	chi2 := 0.0
	for h, c := range counts {
		if !recurrent(t, h[:], 5) {
			t.Errorf("configuration %v is not recurrent", h)
		}
		e := float64(draws) / 6
		chi2 += (float64(c) - e) * (float64(c) - e) / e
	}
	t.Logf("chi2 = %.1f for 5 degrees of freedom", chi2)
	if b := chi2Bound(5); chi2 > b {
		t.Errorf("chi2 = %.1f, above the 4-sigma bound %.1f", chi2, b)
	}
	big, _ := quench.NewLattice(1000000)
	h, err := quench.SandpileStationary(big, quench.Counter{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	zeros := 0
	for _, v := range h {
		if v == 0 {
			zeros++
		} else if v != 1 {
			t.Fatalf("height %d on a chain", v)
		}
	}
	if zeros > 1 {
		t.Errorf("%d zeros on a chain, at most 1 is recurrent", zeros)
	}
}

// TestSandpileStationaryPinned pins the samples (FNV-1a of the heights) of
// a few shapes, seed 7, replica 2, as the code of 2026-11-28 drew them: a
// stationary start, and so every run and benchmark from one, stays the
// same from version to version.
func TestSandpileStationaryPinned(t *testing.T) {
	for _, c := range []struct {
		shape []int
		hash  uint64
	}{
		{[]int{64, 64}, 0xae563927857d5268},
		{[]int{30, 50}, 0xfb7f6c8857e1a25d},
		{[]int{8, 8, 8}, 0xf8ac97e9cb3805c5},
		{[]int{5, 6, 7}, 0x81cba353c6a0cd4},
		{[]int{1000}, 0x3a060814b077d152},
		// 5 and 8 dimensions (32-bit site words since)
		{[]int{3, 2, 2, 2, 3}, 0x51a45fe44344d9e},
		{[]int{2, 2, 2, 2, 2, 2, 2, 2}, 0xfec5f7200052e361},
	} {
		lat, _ := quench.NewLattice(c.shape...)
		h, err := quench.SandpileStationary(lat, quench.Counter{Seed: 7, Replica: 2})
		if err != nil {
			t.Fatal(err)
		}
		f := fnv.New64a()
		f.Write(h)
		if f.Sum64() != c.hash {
			t.Errorf("%v: sample hash %#x, pinned %#x", c.shape, f.Sum64(), c.hash)
		}
	}
}

// Progress: from the goroutine that draws, increasing, ending at the
// total, three passes over the sites; none for a 1D pile, sampled
// directly.
func TestSandpileStationaryProgress(t *testing.T) {
	for _, shape := range [][]int{{1024, 1024}, {24, 24, 24}, {4, 4, 4, 4, 4}, {5, 7}} {
		lat, _ := quench.NewLattice(shape...)
		var got []int64
		h, err := quench.SandpileStationaryProgress(lat, quench.Counter{Seed: 3}, func(done, total int64) {
			if total != 3*lat.Sites() {
				t.Fatalf("%v: total %d, want %d", shape, total, 3*lat.Sites())
			}
			got = append(got, done)
		})
		want, _ := quench.SandpileStationary(lat, quench.Counter{Seed: 3})
		if err != nil || !slices.Equal(h, want) {
			t.Fatalf("%v: sample with progress differs (%v)", shape, err)
		}
		if len(got) == 0 || got[len(got)-1] != 3*lat.Sites() || !slices.IsSorted(got) || lat.Sites() >= 1<<20 && len(got) < 8 {
			t.Errorf("%v: progress %v", shape, got)
		}
	}
	lat, _ := quench.NewLattice(100)
	if _, err := quench.SandpileStationaryProgress(lat, quench.Counter{Seed: 3}, func(done, total int64) { t.Errorf("1D: progress %d of %d", done, total) }); err != nil {
		t.Fatal(err)
	}
}

// A lattice built as a literal with no axes or an extent below 1 is
// refused with an error (no axes: 2d = 0 directions, and the walk shifted
// by a negative direction and panicked; negative extents indexed before
// the sites).
func TestSandpileStationaryMalformed(t *testing.T) {
	for _, shape := range [][]int{nil, {0}, {-2, -4}, {-1, -1, 4}, {1 << 25, 1<<25 + 1}} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%v: panicked: %v", shape, r)
				}
			}()
			if h, err := quench.SandpileStationary(quench.Lattice{Shape: shape}, quench.Counter{}); err == nil {
				t.Errorf("%v: accepted, %d heights", shape, len(h))
			}
		}()
	}
	for _, shape := range [][]int{{1}, {1, 4}, {2}, {2, 2}, {3, 5}} {
		if err := (quench.Lattice{Shape: shape}).Check(); err != nil {
			t.Errorf("%v: %v", shape, err)
		}
	}
}

// recurrentRef is recurrent with the reference rule (backendtest), which
// takes any dimension (the CPU backend's piles stop at 4).
func recurrentRef(h []uint8, shape ...int) bool {
	lat, _ := quench.NewLattice(shape...)
	n := lat.Sites()
	got, act, stamp := slices.Clone(h), make([]int64, n), make([]int32, n)
	burn(lat, func(x int64, av int32) { backendtest.RefSandpileAdd(got, act, stamp, lat, x, av) })
	for x := range act {
		if act[x] != 1 || got[x] != h[x] {
			return false
		}
	}
	return true
}

// Samples in 5 to 8 dimensions (the site words' widths change between 4
// and 6: 2d boundary bits, 4 of the parent's direction and the tree's
// bit) are recurrent by the burning test with the reference rule, and
// pinned (seed 7, replica 2) like TestSandpileStationaryPinned's.
func TestSandpileStationaryHighDimensions(t *testing.T) {
	for _, c := range []struct {
		shape []int
		hash  uint64
	}{
		{[]int{2, 2, 3, 2, 2}, 0x431f2cfd8ce4a6a4},
		{[]int{2, 2, 2, 2, 2, 2}, 0x9155a3fafc544804},
		{[]int{2, 3, 2, 2, 2, 2}, 0x61dd202e9bccf07a},
		{[]int{2, 2, 2, 2, 2, 2, 2}, 0x80ca52f33387ba04},
		{[]int{2, 2, 2, 2, 2, 2, 2, 2}, 0xfec5f7200052e361},
	} {
		lat, _ := quench.NewLattice(c.shape...)
		h, err := quench.SandpileStationary(lat, quench.Counter{Seed: 7, Replica: 2})
		if err != nil {
			t.Fatal(err)
		}
		if !recurrentRef(h, c.shape...) {
			t.Errorf("%v: sample is not recurrent", c.shape)
		}
		f := fnv.New64a()
		f.Write(h)
		if f.Sum64() != c.hash {
			t.Errorf("%v: sample hash %#x, pinned %#x", c.shape, f.Sum64(), c.hash)
		}
	}
}

// TestSandpileStationaryProgressSteps: on a pile of 2^20 sites the work
// done is reported all along each of the three passes, never more than
// 2^19 sites (twice the reporting interval) apart, the tree's pass in
// sites joined (at most n), the depths' and heights' passes exactly at
// each 2^18 sites they have done (n + k 2^18, 2n + k 2^18).
func TestSandpileStationaryProgressSteps(t *testing.T) {
	lat, _ := quench.NewLattice(1024, 1024)
	n := lat.Sites()
	const every = 1 << 18
	var got []int64
	if _, err := quench.SandpileStationaryProgress(lat, quench.Counter{Seed: 11}, func(done, total int64) { got = append(got, done) }); err != nil {
		t.Fatal(err)
	}
	prev := int64(0)
	var tree, later []int64
	for _, v := range got {
		if v-prev > 2*every || v < prev {
			t.Errorf("progress %d after %d: %v", v, prev, got)
		}
		prev = v
		if v <= n {
			tree = append(tree, v)
		} else {
			later = append(later, v)
		}
	}
	if len(tree) < 3 || tree[len(tree)-1] < n-2*every {
		t.Errorf("tree pass: progress %v of %d sites", tree, n)
	}
	var want []int64
	for k := int64(1); k <= 2*n/every; k++ {
		want = append(want, n+k*every)
	}
	want = append(want, 3*n) // the final call
	if !slices.Equal(later, want) {
		t.Errorf("depths' and heights' passes: progress %v, want %v", later, want)
	}
}
