package cpu

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/quenchlab/quench"
)

// sandpileEdges are each site's boundary bits for one lattice shape: bit
// 2a set when the site is at the low end of axis a, bit 2a+1 at the high
// end. Read-only once made; the backend keeps the last shape's. Only
// piles of fewer than sandpileHugeMin sites have them.
type sandpileEdges struct {
	shape string
	edge  []uint8
}

// sandpileLists are a call's round lists, pooled between grains (each
// concurrent call takes a set of its own). in[b] holds what band b's
// topplings of the last round made unstable: in[b][0] sites of band b-1,
// in[b][1] of band b, in[b][2] of band b+1; so band b's sites of this round
// are in[b-1][2], in[b][1] and in[b+1][0]. out[b] collects the same for the
// next round, and stats are the bands' counts for this round. Between
// rounds and calls every list is empty.
type sandpileLists struct {
	in, out [][3][]int64
	stats   []bandStats
}

// bandStats are one band's counts in one round, padded to a cache line so
// that bands working side by side do not share one.
type bandStats struct {
	area, lost int64
	_          [6]int64
}

var listPool = sync.Pool{New: func() any { return new(sandpileLists) }}

// sandpileParallelMin is the number of topplings from which a round's
// bands run on several goroutines; smaller rounds run on one (a variable
// so that tests can run every round of three bands or more in parallel).
var sandpileParallelMin = 1024

// sandpileCrewRounds counts the rounds run on a crew (tests check that
// they ran some).
var sandpileCrewRounds atomic.Int64

// sandpileBandsFor, when positive, fixes the number of bands (tests); 0
// picks it from GOMAXPROCS.
var sandpileBandsFor = 0

// sandpileMinLayers is the least number of layers in a band: 2 for the
// rounds to be right (see SandpileAdd), 8 to bound the memory of the
// lists (growList). sandpileMinBandSites is the least number of sites:
// a pile that fits the caches gains nothing from bands, as each costs a
// little in every round it is active. Tests lower both to get many bands
// on small lattices.
var sandpileMinLayers, sandpileMinBandSites = 8, int64(1 << 16)

// SandpileAdd implements quench.LatticeUpdater: the synchronous rule of
// quench.Sandpile, round by round, visiting only the unstable sites of a
// pile that was stable before the grain. Round k's lists hold each site
// with height >= z at its start exactly once: a site joins round k+1's
// when a grain lifts it from z-1 to z (after its own toppling, or while it
// was stable; heights only grow then, so that happens once), or when its
// own toppling leaves it at z or more because grains reached it earlier in
// the round (on these bipartite lattices the sites of a round never
// neighbour each other, so that does not happen from a stable pile).
// Updates are additive, so the order inside a round does not change the
// result.
//
// The lattice is cut along its first (slowest) axis into bands of at
// least two layers (sandpileMinLayers), and a band's topplings are done by
// one goroutine: they write the band's own activity and stamps, and
// heights in the band and in the adjacent layer of the two neighbouring
// bands. A round of many topplings (sandpileParallelMin) over three bands
// or more runs its even bands side by side on a crew of goroutines, then
// its odd ones: two bands at work are then at least one band apart, and as
// every band has two layers or more, no site is written by two goroutines
// at once. The result is the same for any number of bands or goroutines.
func (b *Backend) SandpileAdd(s *quench.Sandpile, lat quench.Lattice, site int64, avalanche int32) (quench.Avalanche, error) {
	var av quench.Avalanche
	if err := lat.Check(); err != nil {
		return av, fmt.Errorf("cpu: SandpileAdd: %v", err)
	}
	if s == nil {
		return av, fmt.Errorf("cpu: SandpileAdd needs a sandpile")
	}
	n := lat.Sites()
	hb, err := asBuffer(s.Heights, quench.Uint8)
	if err != nil {
		return av, err
	}
	ab, err := asBuffer(s.Activity, quench.Int64)
	if err != nil {
		return av, err
	}
	sb, err := asBuffer(s.Stamp, quench.Int32)
	if err != nil {
		return av, err
	}
	if hb.n != n || ab.n != n || sb.n != n {
		return av, fmt.Errorf("cpu: sandpile buffers must have %d elements", n)
	}
	if site < 0 || site >= n || avalanche <= 0 {
		return av, fmt.Errorf("cpu: grain at site %d of %d, avalanche %d", site, n, avalanche)
	}
	if lat.Dim() > 4 {
		// the boundary bits are a byte a site, two per axis
		return av, fmt.Errorf("cpu: sandpiles of %d dimensions are not supported (at most 4)", lat.Dim())
	}
	h := hb.u8
	z := uint8(2 * lat.Dim())
	h[site]++
	if h[site] < z {
		return av, nil
	}
	r := newSandRound(b, lat, hb.u8, ab.i64, sb.i32, avalanche)
	lists := listPool.Get().(*sandpileLists)
	lists.size(r.bands)
	defer listPool.Put(lists) // not if a panic leaves lists filled
	r.sandpileLists = lists
	b0 := r.band(site)
	lists.in[b0][1] = append(lists.in[b0][1][:0], site)
	lo, hi, total := b0, b0, int64(1)
	// helpers for the rounds of many topplings over three bands or more
	// (fewer make one task per half): started by the first such round, and
	// stopped by the next round that is not, so that they spin only while
	// rounds need them
	var c *crew
	defer func() {
		if c != nil {
			c.close()
		}
	}()
	for total > 0 {
		av.Duration++
		av.Size += total
		if total >= int64(sandpileParallelMin) && hi-lo >= 2 && r.workers > 1 {
			if c == nil {
				c = newCrew(r.workers - 1)
			}
			sandpileCrewRounds.Add(1)
			for parity := range 2 { // the even bands, then the odd ones
				first := lo + (lo+parity)%2 // <= hi, as hi > lo
				c.run((hi-first)/2+1, func(i int) { r.topple(first + 2*i) })
			}
		} else {
			if c != nil {
				c.close()
				c = nil
			}
			for k := lo; k <= hi; k++ {
				r.topple(k)
			}
		}
		// the next round's bands: those with sites in the lists just made
		nlo, nhi := r.bands, -1
		total = 0
		for k := max(lo-1, 0); k <= min(hi+1, r.bands-1); k++ {
			st := &lists.stats[k]
			if k >= lo && k <= hi {
				av.Area += st.area
				av.Lost += st.lost
			}
			m := int64(len(lists.out[k][1]))
			if k > 0 {
				m += int64(len(lists.out[k-1][2]))
			}
			if k < r.bands-1 {
				m += int64(len(lists.out[k+1][0]))
			}
			if m > 0 {
				nlo, nhi = min(nlo, k), max(nhi, k)
				total += m
			}
		}
		lists.in, lists.out = lists.out, lists.in
		lo, hi = nlo, nhi
	}
	return av, nil
}

// size makes the lists those of `bands` bands: new ones when the count
// changes (so that no list keeps the capacity it grew to for another
// band's sites, see growList), emptied ones otherwise.
func (l *sandpileLists) size(bands int) {
	if len(l.in) != bands {
		l.in, l.out, l.stats = make([][3][]int64, bands), make([][3][]int64, bands), make([]bandStats, bands)
		return
	}
	for k := range bands {
		for j := range 3 {
			l.in[k][j], l.out[k][j] = l.in[k][j][:0], l.out[k][j][:0]
		}
	}
}

// sandRound is the state one grain's rounds share.
type sandRound struct {
	*sandpileLists
	h         []uint8
	act       []int64
	stamp     []int32
	edge      []uint8 // boundary bits, nil from sandpileHugeMin sites on
	stride    []int64
	z         uint8
	avalanche int32
	bands     int
	workers   int   // goroutines for a round's bands (GOMAXPROCS at most)
	bandSites int64 // sites per band but the last, which runs to the end
	n         int64
}

func newSandRound(b *Backend, lat quench.Lattice, h []uint8, act []int64, stamp []int32, avalanche int32) *sandRound {
	d := lat.Dim()
	r := &sandRound{h: h, act: act, stamp: stamp, z: uint8(2 * d), avalanche: avalanche, n: lat.Sites()}
	r.stride = make([]int64, d)
	st := int64(1)
	for a := d - 1; a >= 0; a-- {
		r.stride[a] = st
		st *= int64(lat.Shape[a])
	}
	if r.n < sandpileHugeMin {
		r.edge = b.edges(lat, r.stride)
	}
	r.bands = sandpileBands(lat.Shape[0], r.n)
	r.workers = min(runtime.GOMAXPROCS(0), (r.bands+1)/2)
	r.bandSites = int64(lat.Shape[0]/r.bands) * r.stride[0]
	return r
}

// sandpileBands is the number of bands for a first axis of `layers`
// layers and n sites: one without parallelism (GOMAXPROCS 1), otherwise
// 16 per goroutine, so that the two halves of a round keep them all busy,
// as many as sandpileMinLayers and sandpileMinBandSites allow.
func sandpileBands(layers int, n int64) int {
	k := sandpileBandsFor
	if k <= 0 {
		if w := runtime.GOMAXPROCS(0); w > 1 {
			k = 16 * w
		} else {
			k = 1
		}
	}
	return int(max(min(int64(k), int64(layers/sandpileMinLayers), n/sandpileMinBandSites), 1))
}

// Piles of sandpileBigMin sites or more do not fit the caches, and a
// toppling's reads (its activity, stamp, boundary bits and height, and
// the heights next to it along the slower axes) wait on memory: topple
// asks for those of the sites of its list sandPrefetchAhead entries
// ahead, sandPrefetchBatch at a time (a call per batch), so that the
// misses of the next sites overlap. Measured on a 2-vCPU AMD EPYC VM, one
// core, topplings/ns without and with: 512^2 0.080 -> 0.074 (all but the
// lists fit its 32 MiB L3), 1024^2 0.058 - 0.063 -> 0.067 - 0.069; 32
// and 16 did as well as 64 and 16 and better than 16 and 8 or 128 and 32
// at 4096^2. sandpilePrefetch turns them off (tests; they are always off
// without the amd64 assembly).
//
// From sandpileHugeMin sites on topple takes the boundary bits from the
// site index (a division per axis but the first) instead of a table,
// whose lines would be one more miss per toppling, and a byte per site.
// Table and index, same machine: 1024^2 0.067 - 0.070 -> 0.058 - 0.062,
// 2048^2 0.054 - 0.055 -> 0.052 - 0.053, 4096^2 0.036 - 0.038 -> 0.039
// - 0.041, 16384^2 (its first 6 grains) 0.021 - 0.024 -> 0.029.
var (
	sandpileBigMin   int64 = 1 << 20
	sandpileHugeMin  int64 = 1 << 23
	sandpilePrefetch       = true
)

const sandPrefetchAhead, sandPrefetchBatch = 32, 16

// band returns the band of site x.
func (r *sandRound) band(x int64) int {
	return int(min(x/r.bandSites, int64(r.bands-1)))
}

// topple does the round's topplings of band k: its sites in the current
// lists, then empties those.
func (r *sandRound) topple(k int) {
	lo := int64(k) * r.bandSites
	hi := lo + r.bandSites // one past the band
	if k == r.bands-1 {
		hi = r.n
	}
	h, act, stamp, edge, z, avalanche := r.h, r.act, r.stamp, r.edge, r.z, r.avalanche
	s0, inner := r.stride[0], r.stride[1:]
	pf, s1, ep := havePrefetch && sandpilePrefetch && r.n >= sandpileBigMin, int64(0), &h[0]
	if len(inner) > 1 {
		s1 = inner[0]
	}
	if edge != nil {
		ep = &edge[0] // (without the table, h's line once more)
	}
	last0 := r.n - s0 // the high end of the first axis from here on
	room := int64(2*len(r.stride) + 1)
	// a round's sites have one parity (each got its grains from the round
	// before, and the first is the grain's site alone), so the band's own
	// list holds at most half its sites, rounded up, and a list of sites of
	// a neighbouring band (in the layer next to this one) half a layer
	most := (hi-lo+1)/2 + room
	edgeMost := (s0 + 1) / 2
	out := &r.out[k]
	// each toppling appends at most 2d+1 sites of the band: room for them
	// first, then branch-free appends (written always, kept when counted);
	// sites of the neighbouring bands (first axis only) are appended when
	// they become unstable
	next := out[1][:0]
	out[0], out[2] = out[0][:0], out[2][:0]
	var area, lost int64
	k0 := 0
	for j := range 3 {
		src := k - 1 + j
		if src < 0 || src >= r.bands {
			continue
		}
		list := &r.in[src][2-j]
		xs := *list
		if pf {
			sandPrefetch(xs[:min(len(xs), sandPrefetchAhead)], &h[0], &act[0], &stamp[0], ep, s0, s1)
		}
		for i0 := 0; i0 < len(xs); i0 += sandPrefetchBatch {
			i1 := min(i0+sandPrefetchBatch, len(xs))
			if pf && i0+sandPrefetchAhead < len(xs) {
				sandPrefetch(xs[i0+sandPrefetchAhead:min(i1+sandPrefetchAhead, len(xs))], &h[0], &act[0], &stamp[0], ep, s0, s1)
			}
			for _, x := range xs[i0:i1] {
				if int64(cap(next)-k0) < room {
					next = growList(next[:k0], room, most)
				}
				l := next[:cap(next)]
				act[x]++
				area += b2i(stamp[x] != avalanche)
				stamp[x] = avalanche
				hx := h[x] - z
				h[x] = hx
				l[k0] = x
				k0 += int(b2i(hx >= z))
				var e uint8
				if edge != nil {
					e = edge[x]
				} else {
					// a huge pile's boundary bits from x: along axis
					// a+1 (stride sa) x is in the first layer of its
					// block of stride[a] sites when c = x mod stride[a]
					// is below sa, in the last from stride[a] - sa on
					e = uint8(b2i(x < s0) | b2i(x >= last0)<<1)
					c, m := uint64(x), uint64(s0)
					for a, sa := range inner {
						c %= m
						e |= uint8(b2i(c < uint64(sa))<<(2*a+2) | b2i(c >= m-uint64(sa))<<(2*a+3))
						m = uint64(sa)
					}
				}
				if e&1 == 0 {
					y := x - s0
					hy := h[y] + 1
					h[y] = hy
					if y >= lo {
						l[k0] = y
						k0 += int(b2i(hy == z))
					} else if hy == z {
						out[0] = push(out[0], y, edgeMost)
					}
				} else {
					lost++
				}
				if e&2 == 0 {
					y := x + s0
					hy := h[y] + 1
					h[y] = hy
					if y < hi {
						l[k0] = y
						k0 += int(b2i(hy == z))
					} else if hy == z {
						out[2] = push(out[2], y, edgeMost)
					}
				} else {
					lost++
				}
				e >>= 2
				for a, sa := range inner {
					if e&(1<<(2*a)) == 0 {
						y := x - sa
						hy := h[y] + 1
						h[y] = hy
						l[k0] = y
						k0 += int(b2i(hy == z))
					} else {
						lost++
					}
					if e&(2<<(2*a)) == 0 {
						y := x + sa
						hy := h[y] + 1
						h[y] = hy
						l[k0] = y
						k0 += int(b2i(hy == z))
					} else {
						lost++
					}
				}
			}
		}
		*list = (*list)[:0]
	}
	out[1] = next[:k0]
	r.stats[k].area, r.stats[k].lost = area, lost
}

// growList returns l with room for at least `room` more entries, its
// capacity doubling up to limit (the sites the list can hold, plus the
// 2d+1 slots a toppling may write past its end; a list that would outgrow
// that still gets its room).
//
// Memory: the lists keep their capacity from grain to grain of a pile, so
// each is bounded by its limit. A set of lists (a round's, or the next)
// then holds at most half the sites in the bands' own lists and half a
// layer per boundary list, two per band: with bands at least 8 layers
// thick, n/2 + n/8 entries for n sites. Two sets take 10 bytes per site,
// and while lists grow their old copies at most 4 more (they hold at most
// half the sites): 14 bytes per site, which the memory estimate
// (sim.Config.Bytes) counts as 16 for the garbage collector's slack.
func growList(l []int64, room, limit int64) []int64 {
	c := max(min(2*int64(cap(l))+1024, limit), int64(len(l))+room)
	nl := make([]int64, len(l), c)
	copy(nl, l)
	return nl
}

// push appends x to l, growing it as growList does.
func push(l []int64, x, limit int64) []int64 {
	if len(l) == cap(l) {
		l = growList(l, 1, limit)
	}
	return append(l, x)
}

// b2i is 1 for true, 0 for false (a SETcc, not a branch).
func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// edges returns the boundary bits of lat, made on first use of a shape
// (the backend keeps the last one: piles of alternating shapes remake
// them).
func (b *Backend) edges(lat quench.Lattice, stride []int64) []uint8 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sand != nil && b.sand.shape == lat.String() {
		return b.sand.edge
	}
	e := &sandpileEdges{shape: lat.String(), edge: sandpileEdgeBits(lat, stride)}
	b.sand = e
	return e.edge
}

// sandpileEdgeBits returns the boundary bits of lat's sites: along axis a
// the sites form blocks of shape[a] layers of stride[a] sites, the first
// layer of each at the low end, the last at the high end. Only those
// layers are written, not every site's coordinates divided out (2.5 s on
// 2^28 sites, timed with the first grain).
func sandpileEdgeBits(lat quench.Lattice, stride []int64) []uint8 {
	n := lat.Sites()
	edge := make([]uint8, n)
	for a, s := range stride {
		block := s * int64(lat.Shape[a])
		lowBit, highBit := uint8(1<<(2*a)), uint8(2<<(2*a))
		for base := int64(0); base < n; base += block {
			for i := range edge[base : base+s] {
				edge[base+int64(i)] |= lowBit
			}
			for i := range edge[base+block-s : base+block] {
				edge[base+block-s+int64(i)] |= highBit
			}
		}
	}
	return edge
}

// HeightCounts implements quench.Reducer: the box's sites, in the order of
// their flat box index, counted in parallel in parts of heightBlock (a
// part walks its rows' segments along the last axis), the counts added
// (integers: in any order).
func (b *Backend) HeightCounts(heights quench.Buffer, lat quench.Lattice, box *quench.Box) ([8]int64, error) {
	if err := lat.Check(); err != nil {
		return [8]int64{}, fmt.Errorf("cpu: HeightCounts: %v", err)
	}
	hb, err := asBuffer(heights, quench.Uint8)
	if err != nil {
		return [8]int64{}, err
	}
	if hb.n != lat.Sites() {
		return [8]int64{}, fmt.Errorf("cpu: HeightCounts of %d heights on lattice %s of %d sites", hb.n, lat, lat.Sites())
	}
	g, err := box.Geometry(lat)
	if err != nil {
		return [8]int64{}, fmt.Errorf("cpu: HeightCounts: %v", err)
	}
	const heightBlock = 1 << 20
	h := hb.u8
	nparts := int((g.Sites + heightBlock - 1) / heightBlock)
	part := make([][8]int64, nparts)
	parallel(nparts, func(k int) {
		var c [8]int64
		// box sites t in [lo, hi): row r = t / e2 from x2 = t % e2 on
		for t, hi := int64(k)*heightBlock, min(g.Sites, int64(k+1)*heightBlock); t < hi; {
			r, x2 := t/g.Ext[2], t%g.Ext[2]
			seg := min(g.Ext[2]-x2, hi-t)
			start := g.Origin + r/g.Ext[1]*g.Stride[0] + r%g.Ext[1]*g.Stride[1] + x2
			for _, v := range h[start : start+seg] {
				c[min(v, 7)]++
			}
			t += seg
		}
		part[k] = c
	})
	var c [8]int64
	for _, p := range part {
		for v := range c {
			c[v] += p[v]
		}
	}
	return c, nil
}
