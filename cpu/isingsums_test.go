package cpu

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
)

// IsingSums (eight spins a word) equals the site-by-site reference on
// extents with and without a partial last word, in one to five
// dimensions, on lattices of one part and of several, and with a spin
// that is neither +1 nor -1 (summed site by site again) anywhere.
func TestIsingSumsWords(t *testing.T) {
	be := New()
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][]int{
		{2}, {8}, {16}, {18}, {1024}, {2, 2}, {4, 8}, {6, 10}, {4, 34}, {8, 16},
		{10, 24}, {6, 7, 9}, {4, 6, 8}, {8, 8, 16}, {2, 4, 2, 4}, {4, 4, 2, 24},
		{2, 2, 2, 2, 16}, {512, 256}, {256, 520}, {64, 64, 40},
		// rows of more words than a flush interval in three and four
		// dimensions (42 and 31 words): the checkerboard's per-byte bond
		// counts reach their most there
		{2, 4, 400}, {2, 2, 2, 400},
		// rows the vector code (isingWords) flushes in, more than once:
		// 127, 63 and 42 registers of 32 spins in one to three
		// dimensions, 31 in four; and rows of 4 to 7 words
		{8192}, {4, 4096}, {2, 4, 2720}, {2, 2, 2, 2048}, {4, 32}, {4, 40}, {4, 56}, {4, 60},
		// rows of whole registers in blocks (isingBlock): a fastest
		// other extent of 2 (blocks of a row), odd and
		// even; blocks of more registers than a flush interval, of one
		// register a row (its parity alternating every register), cut
		// by the parts; in two to four dimensions
		{3, 2, 64}, {5, 7, 32}, {3, 130, 32}, {64, 64, 64}, {6, 9, 96},
		{2, 3, 4, 64}, {2, 2, 70, 32}, {130, 32}, {3, 256}, {40, 8, 128}, {128, 8, 32},
		// rows of a flush interval's registers (127/(1+nup): flushed
		// every row) and of one more (row by row, isingWords)
		{3, 2016}, {3, 2048}, {2, 3, 1344}, {2, 3, 1376}, {2, 2, 3, 992}, {2, 2, 3, 1024},
		// other rows of even length up to maxFlatLx (isingSumsFlat): rows
		// of 2 sites, planes of a register and a tail, of odd extents,
		// 2D parts, the longest rows it takes and the next
		{32, 2}, {2, 16, 2}, {4, 18, 2}, {4, 6, 10}, {5, 7, 10}, {7, 40}, {6, 10, 12},
		{4, 100, 100}, {400, 200}, {2, 2, 254}, {4, 258}, {4, 510}, {4, 514},
	}
	defer func(saved bool) { useAVX2 = saved }(useAVX2)
	have := useAVX2 // (the loop sets useAVX2: asking it again skipped the vector pass)
	for _, vec := range []bool{false, true} {
		if vec && !have {
			continue
		}
		useAVX2 = vec
		testIsingSumsWords(t, be, rng, shapes)
	}
}

func testIsingSumsWords(t *testing.T, be *Backend, rng *rand.Rand, shapes [][]int) {
	t.Helper()
	for _, shape := range shapes {
		lat, err := quench.NewLattice(shape...)
		if err != nil {
			t.Fatal(err)
		}
		n := lat.Sites()
		buf, _ := be.Alloc(quench.Int8, n)
		s := make([]int8, n)
		for trial := range 7 {
			for i := range s {
				s[i] = int8(1 - 2*rng.IntN(2))
				if trial == 1 {
					s[i] = 1
				}
				if trial == 2 {
					s[i] = -1
				}
				if trial == 6 {
					// the checkerboard (an antiferromagnet's ground state on
					// even extents): every bond unequal, the most the
					// per-byte bond counts reach between flushes
					par, rem := 0, i
					for a := len(shape) - 1; a >= 0; a-- {
						par += rem % shape[a]
						rem /= shape[a]
					}
					s[i] = int8(1 - 2*(par&1))
				}
			}
			if trial >= 3 && trial <= 5 {
				// another value: at the start, in a word or in the tail
				at := []int64{0, rng.Int64N(n), n - 1}[trial-3]
				s[at] = []int8{0, 3, -128, 127, 2}[rng.IntN(5)]
			}
			be.Upload(buf, s)
			got, err := be.IsingSums(buf, lat)
			if err != nil {
				t.Fatal(err)
			}
			if want := backendtest.RefIsingSums(s, lat); got != want {
				t.Errorf("shape %v trial %d (AVX2 %v): got %+v want %+v", shape, trial, useAVX2, got, want)
			}
		}
		be.Free(buf)
	}
}

// isingSumsWords, part by part, reports no invalid spin where every spin
// is +1 or -1 (its own sums then being used, not summed again site by
// site) and gives isingSumsSites' sums; with a spin of another value in a
// part of a lattice of up to four axes (eight spins a word) it says so.
func TestIsingSumsWordsBad(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, shape := range [][]int{{16}, {18}, {8, 16}, {6, 10}, {4, 6, 24}, {4, 4, 2, 24}, {2, 2, 2, 2, 16}, {4, 128}, {2, 2, 72}, {2, 2, 2, 256}, {5, 7, 32}, {3, 4, 64}, {2, 3, 4, 64}, {32, 2}, {5, 7, 10}, {400, 200}, {4, 6, 100}} {
		lat, err := quench.NewLattice(shape...)
		if err != nil {
			t.Fatal(err)
		}
		g := newRowGeom(lat)
		s := make([]int8, lat.Sites())
		for i := range s {
			s[i] = int8(1 - 2*rng.IntN(2))
		}
		for p := 0; p < g.parts; p++ {
			got, bad := isingSumsWords(s, g, p)
			if want := isingSumsSites(s, g, p); bad || got != want {
				t.Errorf("%v part %d: %+v bad %v, want %+v, not bad", shape, p, got, bad, want)
			}
		}
		lx := int64(g.lx)
		for _, at := range []int64{0, lx - 1, int64(len(s)) - 1} {
			saved := s[at]
			s[at] = 3
			p := int(at / lx / g.perPart)
			if _, bad := isingSumsWords(s, g, p); !bad && len(shape) <= 4 {
				t.Errorf("%v: spin 3 at %d not reported by part %d", shape, at, p)
			}
			s[at] = saved
		}
	}
}

func BenchmarkIsingSums(b *testing.B) {
	benchMeasure(b, func(be *Backend, buf quench.Buffer, lat quench.Lattice) func() {
		return func() { be.IsingSums(buf, lat) }
	})
}

// BenchmarkIsingPlanes: the plane sums a ferromagnet's measurement takes
// besides the sums (the smallest modes).
func BenchmarkIsingPlanes(b *testing.B) {
	benchMeasure(b, func(be *Backend, buf quench.Buffer, lat quench.Lattice) func() {
		out := make([]int64, quench.PlaneSumsLen(lat))
		return func() { be.IsingPlanes(buf, lat, false, out) }
	})
}

// BenchmarkIsingPlanesStaggered: the staggered plane sums an
// antiferromagnet's measurement takes instead.
func BenchmarkIsingPlanesStaggered(b *testing.B) {
	benchMeasure(b, func(be *Backend, buf quench.Buffer, lat quench.Lattice) func() {
		out := make([]int64, quench.PlaneSumsLen(lat))
		return func() { be.IsingPlanes(buf, lat, true, out) }
	})
}

// benchMeasure times the call mk makes for each benchmark lattice, from a
// hot start, in sites/ns.
func benchMeasure(b *testing.B, mk func(be *Backend, buf quench.Buffer, lat quench.Lattice) func()) {
	for _, shape := range [][]int{{128, 128}, {256, 256}, {512, 512}, {1024, 1024}, {2048, 2048}, {100, 100}, {32, 32, 32}, {64, 64, 64}, {128, 128, 128}, {256, 256, 256}, {48, 48, 48}} {
		lat, _ := quench.NewLattice(shape...)
		be := New()
		buf, _ := be.Alloc(quench.Int8, lat.Sites())
		s := make([]int8, lat.Sites())
		quench.InitSpins(s, "hot", 1, 0)
		be.Upload(buf, s)
		f := mk(be, buf, lat)
		b.Run(lat.String(), func(b *testing.B) {
			for b.Loop() {
				f()
			}
			b.ReportMetric(float64(lat.Sites())*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "sites/ns")
		})
	}
}

// TestIsingPlanesPaths: the plane sums with and without the AVX2 kernel
// (where it runs) equal the reference on rows of whole registers and
// more, parts longer than planesWords' batches of 127 rows, and spins of
// other values (the site-by-site path); the staggered sums too.
func TestIsingPlanesPaths(t *testing.T) {
	have := useAVX2
	defer func() { useAVX2 = have }()
	// two workers: planesFlat's parts of {1200, 2, 28} then hold 300
	// planes each (more than its fold interval)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for i, shape := range [][]int{
		{600, 32}, {300, 40}, {130, 96}, {6, 10, 72}, {4, 200, 64},
		// 3D lattices of planesFlat: planes of a register and a tail,
		// more than 255 planes a part (folded on the way), parts in
		// parallel, more than 255 planes each, rows of whole registers
		{6, 10, 10}, {4, 18, 2}, {5, 7, 48}, {300, 4, 10}, {40, 40, 48}, {1200, 2, 28},
		{6, 7, 48}, {8, 8, 64}, {12, 4, 32}, {8, 16, 2},
		// 2D lattices of planes2D: a tail past whole registers, odd rows,
		// a register exactly, parts in parallel with more than 255
		// accumulator lengths each, the longest accumulator; fewer sites
		// than a register and longer rows go row by row
		{10, 10}, {7, 22}, {4, 8}, {40000, 2}, {6, 510}, {3, 50}, {2, 8}, {4, 514},
	} {
		lat, _ := quench.NewLattice(shape...)
		s := make([]int8, lat.Sites())
		quench.InitSpins(s, "hot", uint64(i), 0)
		if i == 2 || i == 11 || i == 13 || i == 19 { // a spin neither +1 nor -1
			s[len(s)/2] = 0
		}
		be := New()
		buf, _ := be.Alloc(quench.Int8, lat.Sites())
		be.Upload(buf, s)
		for _, stag := range []bool{false, true} {
			want := backendtest.RefIsingPlanes(s, lat, stag)
			for _, vec := range []bool{false, true} {
				useAVX2 = vec && have
				got := make([]int64, len(want))
				if err := be.IsingPlanes(buf, lat, stag, got); err != nil || !slices.Equal(got, want) {
					t.Errorf("%v (AVX2 %v, staggered %v): %v\n got %v\nwant %v", shape, useAVX2, stag, err, got, want)
				}
			}
		}
	}
}
