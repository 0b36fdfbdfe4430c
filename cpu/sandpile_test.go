package cpu

import (
	"math"
	"runtime"
	"slices"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
)

type pile struct {
	be  *Backend
	lat quench.Lattice
	s   *quench.Sandpile
}

func newPile(t *testing.T, shape ...int) *pile {
	t.Helper()
	be := New()
	lat, _ := quench.NewLattice(shape...)
	n := lat.Sites()
	s := &quench.Sandpile{}
	s.Heights, _ = be.Alloc(quench.Uint8, n)
	s.Activity, _ = be.Alloc(quench.Int64, n)
	s.Stamp, _ = be.Alloc(quench.Int32, n)
	return &pile{be, lat, s}
}

func (p *pile) heights() []uint8 {
	h := make([]uint8, p.lat.Sites())
	p.be.Download(h, p.s.Heights)
	return h
}

func (p *pile) activity() []int64 {
	a := make([]int64, p.lat.Sites())
	p.be.Download(a, p.s.Activity)
	return a
}

// Grains are conserved (added = stored + lost), every state after a grain
// is stable, and the avalanche statistics are consistent.
func TestSandpileConservation(t *testing.T) {
	p := newPile(t, 24, 17)
	n := p.lat.Sites()
	var lost int64
	for g := int64(0); g < 20*n; g++ {
		av, err := p.be.SandpileAdd(p.s, p.lat, quench.GrainSite(quench.Counter{Seed: 3}, uint64(g), n), int32(g+1))
		if err != nil {
			t.Fatal(err)
		}
		lost += av.Lost
		if av.Area > av.Size || av.Duration > av.Size || (av.Size > 0) != (av.Duration > 0) {
			t.Fatalf("inconsistent avalanche %+v", av)
		}
		if g%97 == 0 || g == 20*n-1 {
			var stored int64
			for _, h := range p.heights() {
				if h >= 4 {
					t.Fatalf("unstable site (height %d) after grain %d", h, g)
				}
				stored += int64(h)
			}
			if stored+lost != g+1 {
				t.Fatalf("after %d grains: stored %d + lost %d != added", g+1, stored, lost)
			}
		}
	}
	if lost == 0 {
		t.Errorf("no grain ever left the lattice")
	}
}

// Abelian property: the same grains in another order give the same final
// state and the same number of topplings at every site.
func TestSandpileAbelian(t *testing.T) {
	a, b := newPile(t, 12, 12, 3), newPile(t, 12, 12, 3)
	n := a.lat.Sites()
	sites := make([]int64, 3000)
	for i := range sites {
		sites[i] = quench.GrainSite(quench.Counter{Seed: 11}, uint64(i), n)
	}
	var sizeA, sizeB int64
	for i, s := range sites {
		av, _ := a.be.SandpileAdd(a.s, a.lat, s, int32(i+1))
		sizeA += av.Size
	}
	for i := range sites {
		av, _ := b.be.SandpileAdd(b.s, b.lat, sites[len(sites)-1-i], int32(i+1))
		sizeB += av.Size
	}
	if !slices.Equal(a.heights(), b.heights()) || !slices.Equal(a.activity(), b.activity()) || sizeA != sizeB {
		t.Errorf("reversed order changed the final state or the topplings (%d vs %d)", sizeA, sizeB)
	}
}

// Burning test: a stable configuration is recurrent iff adding, at every
// site, one grain per edge to the boundary makes every site topple exactly
// once. The 2x2 open lattice has 192 recurrent configurations (its number
// of spanning trees, docs/exact-values.md).
func TestSandpileRecurrent2x2(t *testing.T) {
	count := 0
	for cfg := 0; cfg < 256; cfg++ {
		p := newPile(t, 2, 2)
		h := []uint8{uint8(cfg & 3), uint8(cfg >> 2 & 3), uint8(cfg >> 4 & 3), uint8(cfg >> 6 & 3)}
		p.be.Upload(p.s.Heights, h)
		av := int32(1)
		for x := int64(0); x < 4; x++ {
			for k := 0; k < 2; k++ { // every site of the 2x2 lattice has 2 boundary edges
				if _, err := p.be.SandpileAdd(p.s, p.lat, x, av); err != nil {
					t.Fatal(err)
				}
				av++
			}
		}
		recurrent := true
		for _, a := range p.activity() {
			recurrent = recurrent && a == 1
		}
		if recurrent {
			count++
			if !slices.Equal(p.heights(), h) {
				t.Errorf("burning changed recurrent configuration %v into %v", h, p.heights())
			}
		}
	}
	if count != 192 {
		t.Errorf("unexpected number of recurrent configurations: got %d want 192", count)
	}
}

// Stationary height probabilities in the bulk of a 2D lattice against the
// infinite-lattice values (Priezzhev; docs/exact-values.md). Heights are counted in
// the central quarter (L/4 <= x, y < 3L/4) every 10 grains once the pile is
// stationary. The tolerance is 4 sigma (binned errors, bins >= 20 tau_int)
// plus a finite-size allowance of 0.0015 per probability. The allowance is
// the open boundary's effect on the central quarter, measured apart from
// this test (seeds 1001-1008, not this test's, 600,000 grains each; the
// mean deviation from the infinite lattice over the 8 runs, with the
// error of that mean):
//
//	L = 64:  P(0) +0.00014(6)  P(1) +0.00046(9)  P(2) +0.00053(9)  P(3) -0.00113(7)
//	L = 128: P(0) +0.00010(4)  P(1) -0.00002(10) P(2) +0.00027(9)  P(3) -0.00034(7)
//
// so it falls roughly like 1/L^2 and is at most 0.0011 at L = 64. Each
// P(k) is compared with the infinite lattice's value plus its own bias
// measured at L = 64 (sign included), within 4 sigma of the test's error
// and the bias's combined. The exact finite
// lattice distributions are tested without an allowance in
// TestSandpileSmallExact.
func TestSandpileHeightProbabilities(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	exact := quench.SandpileHeights2D
	const L = 64
	p := newPile(t, L, L)
	n := p.lat.Sites()
	therm, grains := int64(3*n), int64(300000)
	var series [4][]float64
	h := make([]uint8, n)
	for g := int64(0); g < therm+grains; g++ {
		if _, err := p.be.SandpileAdd(p.s, p.lat, quench.GrainSite(quench.Counter{Seed: 64}, uint64(g), n), int32(g+1)); err != nil {
			t.Fatal(err)
		}
		if g < therm || g%10 != 0 {
			continue
		}
		p.be.Download(h, p.s.Heights)
		var cnt [4]float64
		for y := L / 4; y < 3*L/4; y++ {
			for x := L / 4; x < 3*L/4; x++ {
				cnt[h[y*L+x]]++
			}
		}
		for k := range cnt {
			series[k] = append(series[k], cnt[k]/float64(L*L/4))
		}
	}
	// the finite-size bias at L = 64 measured above, and its error
	bias := [4][2]float64{{0.00014, 0.00006}, {0.00046, 0.00009}, {0.00053, 0.00009}, {-0.00113, 0.00007}}
	var mean float64
	for k := range exact {
		e := statsSeries(series[k])
		mean += float64(k) * e.Mean
		// the deviation less the measured bias, in the errors of both
		want := exact[k] + bias[k][0]
		sigma := math.Hypot(e.Err, bias[k][1])
		t.Logf("P(%d) = %.5f +- %.5f (tau_int %.3g), infinite lattice %.7f (%+.2f errors), with L = 64's bias %.7f +- %.5f: %+.2f errors", k, e.Mean, e.Err, e.Tau, exact[k], (e.Mean-exact[k])/e.Err, want, sigma, (e.Mean-want)/sigma)
		if !e.Reliable || math.Abs(e.Mean-want) > 4*sigma {
			t.Errorf("P(%d) = %v +- %v (reliable %v), want %v (the infinite lattice's %v and L = 64's bias %v) within 4 sigma, %.5f", k, e.Mean, e.Err, e.Reliable, want, exact[k], bias[k][0], 4*sigma)
		}
	}
	t.Logf("mean height in the bulk %.4f (17/8 = 2.125)", mean)
}

// TestGrowList: a round list's capacity doubles up to its limit and always
// leaves the room asked for, past the limit too.
func TestGrowList(t *testing.T) {
	for _, c := range []struct {
		len, cap, room, limit, want int64
	}{
		{0, 0, 5, 1 << 20, 1024},
		{1000, 1024, 5, 1 << 20, 3072},
		{1000, 1024, 5, 2053, 2053},
		{2050, 2053, 5, 2053, 2055}, // past the limit: still 5 free
	} {
		l := make([]int64, c.len, c.cap)
		for i := range l {
			l[i] = int64(i)
		}
		g := growList(l, c.room, c.limit)
		if int64(len(g)) != c.len || int64(cap(g)) != c.want {
			t.Errorf("growList(len %d cap %d, room %d, limit %d): len %d cap %d, want cap %d", c.len, c.cap, c.room, c.limit, len(g), cap(g), c.want)
		}
		for i := range g {
			if g[i] != int64(i) {
				t.Fatalf("growList lost entry %d", i)
			}
		}
	}
}

// TestSandpileBands: the rounds give the plain rule's (backendtest)
// heights, activity, stamps and avalanche statistics for any number of
// bands (thinner and thicker last bands too), in 1D, 2D, 3D and 4D. Every
// round over three bands or more runs on a crew of two or three goroutines
// (GOMAXPROCS 3; fewer active bands run on one). CI runs it under -race,
// which catches two bands writing the same site at once.
//
// Each runs as a small pile, as a big one (sandpileBigMin: prefetches),
// and as a huge one (sandpileHugeMin: the boundary bits from the site
// index) with and without the prefetches.
func TestSandpileBands(t *testing.T) {
	defer func(m, b, l int, s, big, huge int64, pf bool) {
		sandpileParallelMin, sandpileBandsFor, sandpileMinLayers, sandpileMinBandSites = m, b, l, s
		sandpileBigMin, sandpileHugeMin, sandpilePrefetch = big, huge, pf
	}(sandpileParallelMin, sandpileBandsFor, sandpileMinLayers, sandpileMinBandSites, sandpileBigMin, sandpileHugeMin, sandpilePrefetch)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	sandpileParallelMin, sandpileMinLayers, sandpileMinBandSites = 1, 2, 1
	for _, mode := range []struct {
		big, huge int64
		pf        bool
	}{{math.MaxInt64, math.MaxInt64, false}, {0, math.MaxInt64, true}, {0, 0, true}, {0, 0, false}} {
		sandpileBigMin, sandpileHugeMin, sandpilePrefetch = mode.big, mode.huge, mode.pf
		sandpileBandsMode(t)
	}
}

func sandpileBandsMode(t *testing.T) {
	for _, shape := range [][]int{{41}, {13, 8}, {12, 9}, {9, 4, 5}, {6, 5, 7}, {8, 3, 2, 3}} {
		lat, _ := quench.NewLattice(shape...)
		n := lat.Sites()
		z := quench.SandpileThreshold(lat.Dim())
		for _, bands := range []int{1, 2, 3, 4, 1000} {
			sandpileBandsFor = bands
			p := newPile(t, shape...)
			h := make([]uint8, n)
			// heights near the threshold: large avalanches from the start
			for x := range h {
				h[x] = uint8(z - 1 - int(quench.GrainSite(quench.Counter{Seed: 5}, uint64(x), int64(min(z, 3)))))
			}
			p.be.Upload(p.s.Heights, h)
			act, stamp := make([]int64, n), make([]int32, n)
			st := make([]int32, n)
			var size int64
			crew := sandpileCrewRounds.Load()
			for g := int64(0); g < 8*n; g++ {
				site := quench.GrainSite(quench.Counter{Seed: 9}, uint64(g), n)
				want := backendtest.RefSandpileAdd(h, act, stamp, lat, site, int32(g+1))
				got, err := p.be.SandpileAdd(p.s, p.lat, site, int32(g+1))
				if err != nil {
					t.Fatal(err)
				}
				size += got.Size
				p.be.Download(st, p.s.Stamp)
				if got != want || !slices.Equal(p.heights(), h) || !slices.Equal(p.activity(), act) || !slices.Equal(st, stamp) {
					t.Fatalf("%v, %d bands, big from %d sites, huge from %d, prefetch %v, grain %d at %d: avalanche %+v, want %+v (or the state differs)", shape, bands, sandpileBigMin, sandpileHugeMin, sandpilePrefetch, g, site, got, want)
				}
			}
			crew = sandpileCrewRounds.Load() - crew
			if size < 2*n || (bands >= 3) != (crew > 0) {
				t.Errorf("%v, %d bands: %d topplings, %d rounds on the crew", shape, bands, size, crew)
			}
			if bands == 4 {
				t.Logf("%v, %d bands: %d topplings, %d rounds on the crew", shape, bands, size, crew)
			}
		}
	}
}

// TestSandpileBandsDefaults: with the default band sizes (not the crew's
// threshold, which so small a pile seldom reaches) a 384x512 pile
// has three bands with GOMAXPROCS 2, and from its stationary state grains
// give the same avalanches and state on three bands and a crew of two as
// on one band (GOMAXPROCS 1).
func TestSandpileBandsDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("a few million topplings, twice")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func(m int) { sandpileParallelMin = m }(sandpileParallelMin)
	sandpileParallelMin = 64 // a pile this small seldom has rounds of 1024
	lat, _ := quench.NewLattice(384, 512)
	h0, err := quench.SandpileStationary(lat, quench.Counter{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	n := lat.Sites()
	var piles [2]*pile
	var avs [2][]quench.Avalanche
	crew := sandpileCrewRounds.Load()
	// grains until 2M topplings on three bands, then as many on one
	grains, size := 400, int64(0)
	for i, procs := range []int{2, 1} {
		runtime.GOMAXPROCS(procs)
		if got, want := sandpileBands(lat.Shape[0], n), []int{3, 1}[i]; got != want {
			t.Fatalf("GOMAXPROCS %d: %d bands, want %d", procs, got, want)
		}
		p := newPile(t, 384, 512)
		p.be.Upload(p.s.Heights, h0)
		for g := range grains {
			av, err := p.be.SandpileAdd(p.s, p.lat, quench.GrainSite(quench.Counter{Seed: 1}, uint64(g), n), int32(g+1))
			if err != nil {
				t.Fatal(err)
			}
			avs[i] = append(avs[i], av)
			if size += av.Size; i == 0 && size >= 2e6 {
				grains = g + 1
				break
			}
		}
		piles[i] = p
	}
	crew = sandpileCrewRounds.Load() - crew
	t.Logf("%d grains, %d topplings, %d rounds on the crew", grains, size/2, crew)
	if !slices.Equal(avs[0], avs[1]) || !slices.Equal(piles[0].heights(), piles[1].heights()) ||
		!slices.Equal(piles[0].activity(), piles[1].activity()) {
		t.Errorf("one band: %+v; three: %+v (or the state differs)", avs[0], avs[1])
	}
	if crew == 0 {
		t.Errorf("no round ran on the crew")
	}
}

// spanningTrees is det(Delta), the open lattice's Laplacian with the sink
// removed, by fraction-free (Bareiss) elimination in integers: the number
// of recurrent configurations.
func spanningTrees(shape []int) int64 {
	lat, _ := quench.NewLattice(shape...)
	n := int(lat.Sites())
	m := make([][]int64, n)
	for x := range m {
		m[x] = make([]int64, n)
		m[x][x] = int64(2 * len(shape))
	}
	stride := 1
	for a := len(shape) - 1; a >= 0; a-- {
		for x := 0; x < n; x++ {
			if x/stride%shape[a] < shape[a]-1 {
				m[x][x+stride], m[x+stride][x] = -1, -1
			}
		}
		stride *= shape[a]
	}
	prev := int64(1)
	for k := 0; k < n-1; k++ {
		if m[k][k] == 0 {
			panic("zero pivot") // Delta is positive definite
		}
		for i := k + 1; i < n; i++ {
			for j := k + 1; j < n; j++ {
				m[i][j] = (m[i][j]*m[k][k] - m[i][k]*m[k][j]) / prev
			}
		}
		prev = m[k][k]
	}
	return m[n-1][n-1]
}

// The stationary state of the driven pile is uniform on the recurrent
// configurations, so on small lattices every site's height distribution
// is known exactly by enumerating all (2d)^N stable configurations. The
// engine's pile, driven by Philox grains after a transient, must sample
// it: every site and height at 4 sigma (binned errors), in 1D, 2D (square
// and not) and 3D, with no allowance.
func TestSandpileSmallExact(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	for i, shape := range [][]int{{7}, {3, 3}, {2, 5}, {2, 2, 2}} {
		lat, _ := quench.NewLattice(shape...)
		n := int(lat.Sites())
		z := 2 * len(shape)
		// exact: count the recurrent configurations with each height at each site
		count, total := backendtest.RecurrentHeights(shape)
		h := make([]uint8, n)
		if want := spanningTrees(shape); total != want {
			t.Fatalf("%v: %d recurrent configurations, want det(Delta) = %d", shape, total, want)
		}
		// sampled
		p := newPile(t, shape...)
		const therm, grains = 2000, 100000
		series := make([][][]float64, n)
		for x := range series {
			series[x] = make([][]float64, z)
			for k := range series[x] {
				series[x][k] = make([]float64, 0, grains)
			}
		}
		for g := int64(0); g < therm+grains; g++ {
			site := quench.GrainSite(quench.Counter{Seed: uint64(500 + i)}, uint64(g), int64(n))
			if _, err := p.be.SandpileAdd(p.s, p.lat, site, int32(g+1)); err != nil {
				t.Fatal(err)
			}
			if g < therm {
				continue
			}
			p.be.Download(h, p.s.Heights)
			for x := range series {
				for k := range series[x] {
					v := 0.0
					if int(h[x]) == k {
						v = 1
					}
					series[x][k] = append(series[x][k], v)
				}
			}
		}
		worst := 0.0
		for x := range series {
			for k := range series[x] {
				want := count[x][k] / float64(total)
				e := statsSeries(series[x][k])
				dev := math.Abs(e.Mean - want)
				if want == 0 {
					if e.Mean != 0 {
						t.Errorf("%v site %d: height %d seen (fraction %v) but never recurrent", shape, x, k, e.Mean)
					}
					continue
				}
				worst = math.Max(worst, dev/e.Err)
				if !e.Reliable || dev > 4*e.Err {
					t.Errorf("%v site %d: P(%d) = %.5f +- %.2g (reliable %v), exact %.6f", shape, x, k, e.Mean, e.Err, e.Reliable, want)
				}
			}
		}
		t.Logf("%v: %d recurrent configurations; all %d probabilities within %.2f sigma", shape, total, n*z, worst)
	}
}

// TestHeightCounts: counts over several parallel blocks, the last one
// partial, against a direct count; 7 and above share the last count; a
// buffer of another type is refused.
func TestHeightCounts(t *testing.T) {
	be := New()
	n := 3<<20 + 5
	h := make([]uint8, n)
	for i := range h {
		h[i] = uint8(i*2654435761>>7) % 13
	}
	h[n-1] = 255
	var want [8]int64
	for _, v := range h {
		want[min(v, 7)]++
	}
	buf, _ := be.Alloc(quench.Uint8, int64(n))
	be.Upload(buf, h)
	lat, _ := quench.NewLattice(n)
	got, err := be.HeightCounts(buf, lat, nil)
	if err != nil || got != want {
		t.Errorf("HeightCounts = %v, %v; want %v", got, err, want)
	}
	f, _ := be.Alloc(quench.Float32, 4)
	if _, err := be.HeightCounts(f, lat, nil); err == nil {
		t.Errorf("HeightCounts of a float32 buffer: no error")
	}
}

// Calls the backend cannot serve are errors, not panics: a pile of more
// than 4 dimensions (its boundary bits are a byte a site; one of 5 had
// toppled past the lattice's end), a site outside the lattice, an
// avalanche number below 1, buffers of another size.
func TestSandpileAddRefuses(t *testing.T) {
	p := newPile(t, 2, 2, 2, 2, 3)
	h := make([]uint8, p.lat.Sites())
	for i := range h {
		h[i] = 9 // every site unstable: a grain would topple them all
	}
	p.be.Upload(p.s.Heights, h)
	if _, err := p.be.SandpileAdd(p.s, p.lat, 0, 1); err == nil || err.Error() != "cpu: sandpiles of 5 dimensions are not supported (at most 4)" {
		t.Errorf("5D pile: %v", err)
	}
	if got := p.heights(); !slices.Equal(got, h) {
		t.Errorf("5D pile: heights changed to %v", got)
	}
	q := newPile(t, 4, 4)
	for _, c := range []struct {
		site int64
		av   int32
	}{{-1, 1}, {16, 1}, {0, 0}} {
		if _, err := q.be.SandpileAdd(q.s, q.lat, c.site, c.av); err == nil {
			t.Errorf("site %d avalanche %d: no error", c.site, c.av)
		}
	}
	small, _ := quench.NewLattice(2, 2)
	if _, err := q.be.SandpileAdd(q.s, small, 0, 1); err == nil {
		t.Error("buffers of 16 sites on a 2x2 lattice: no error")
	}
	// four dimensions work
	r := newPile(t, 2, 3, 2, 3)
	if _, err := r.be.SandpileAdd(r.s, r.lat, 5, 1); err != nil {
		t.Errorf("4D pile: %v", err)
	}
}

// TestSandpileEdgeBits checks the boundary bits, built layer by layer,
// against each site's coordinates divided out.
func TestSandpileEdgeBits(t *testing.T) {
	for _, shape := range [][]int{{2}, {3}, {7}, {2, 2}, {2, 5}, {5, 2}, {3, 8}, {6, 5}, {2, 2, 2}, {2, 4, 3}, {3, 2, 5}, {4, 3, 2}, {5, 6, 7}, {3, 2, 4, 2}} {
		lat, err := quench.NewLattice(shape...)
		if err != nil {
			t.Fatal(err)
		}
		d := lat.Dim()
		stride := make([]int64, d)
		st := int64(1)
		for a := d - 1; a >= 0; a-- {
			stride[a] = st
			st *= int64(shape[a])
		}
		got := sandpileEdgeBits(lat, stride)
		for x := int64(0); x < lat.Sites(); x++ {
			var want uint8
			for a := range stride {
				c := x / stride[a] % int64(shape[a])
				if c == 0 {
					want |= 1 << (2 * a)
				}
				if c == int64(shape[a])-1 {
					want |= 2 << (2 * a)
				}
			}
			if got[x] != want {
				t.Fatalf("%v: site %d has edge bits %b, want %b", shape, x, got[x], want)
			}
		}
	}
}

// TestSandPrefetch calls the prefetches on the first and last sites of a
// small pile with strides past both ends of its arrays (addresses outside
// them, which a prefetch may not fault on), and on no site: nothing in
// the arrays changes.
func TestSandPrefetch(t *testing.T) {
	const n = 100
	h, act, stamp, edge := make([]uint8, n), make([]int64, n), make([]int32, n), make([]uint8, n)
	for x := range n {
		h[x], act[x], stamp[x], edge[x] = uint8(x), int64(x)<<40, int32(x)<<20, uint8(3*x)
	}
	h0, act0, stamp0, edge0 := slices.Clone(h), slices.Clone(act), slices.Clone(stamp), slices.Clone(edge)
	xs := []int64{0, n - 1, 1, n / 2, n - 2}
	for _, s := range [][2]int64{{1, 0}, {10, 1}, {n, 10}, {1 << 40, 1 << 20}, {1 << 62, 0}} {
		for k := range len(xs) + 1 {
			sandPrefetch(xs[:k], &h[0], &act[0], &stamp[0], &edge[0], s[0], s[1])
		}
		sandPrefetch(nil, &h[0], &act[0], &stamp[0], &edge[0], s[0], s[1])
	}
	if !slices.Equal(h, h0) || !slices.Equal(act, act0) || !slices.Equal(stamp, stamp0) || !slices.Equal(edge, edge0) {
		t.Errorf("the prefetches changed the arrays")
	}
	t.Logf("prefetches in assembly: %v", havePrefetch)
}

// TestSandpileEdgesPerShape: one backend driving piles of several shapes
// in turn (the same number of sites, transposed, and others), back and
// forth, gives the plain rule's avalanches and state for each: the
// boundary bits it keeps are those of the shape at hand, not the last
// one's.
func TestSandpileEdgesPerShape(t *testing.T) {
	be := New()
	type state struct {
		lat   quench.Lattice
		s     *quench.Sandpile
		h     []uint8
		act   []int64
		stamp []int32
	}
	var piles []*state
	for _, shape := range [][]int{{4, 6}, {6, 4}, {3, 8}, {24}, {2, 3, 4}, {4, 3, 2}} {
		lat, _ := quench.NewLattice(shape...)
		n := lat.Sites()
		p := &state{lat: lat, s: &quench.Sandpile{}, h: make([]uint8, n), act: make([]int64, n), stamp: make([]int32, n)}
		p.s.Heights, _ = be.Alloc(quench.Uint8, n)
		p.s.Activity, _ = be.Alloc(quench.Int64, n)
		p.s.Stamp, _ = be.Alloc(quench.Int32, n)
		piles = append(piles, p)
	}
	h, act, stamp := make([]uint8, 24), make([]int64, 24), make([]int32, 24)
	for g := int64(0); g < 400; g++ {
		for i, p := range piles {
			site := quench.GrainSite(quench.Counter{Seed: uint64(i)}, uint64(g), 24)
			want := backendtest.RefSandpileAdd(p.h, p.act, p.stamp, p.lat, site, int32(g+1))
			got, err := be.SandpileAdd(p.s, p.lat, site, int32(g+1))
			if err != nil {
				t.Fatal(err)
			}
			be.Download(h, p.s.Heights)
			be.Download(act, p.s.Activity)
			be.Download(stamp, p.s.Stamp)
			if got != want || !slices.Equal(h, p.h) || !slices.Equal(act, p.act) || !slices.Equal(stamp, p.stamp) {
				t.Fatalf("%v, grain %d at %d: avalanche %+v, want %+v (or the state differs)", p.lat.Shape, g, site, got, want)
			}
		}
	}
}
