package cpu

import (
	"fmt"
	"sync"

	"github.com/quenchlab/quench"
)

// sandpileEdges are each site's boundary bits for one lattice shape: bit
// 2a set when the site is at the low end of axis a, bit 2a+1 at the high
// end. Read-only once made; the backend keeps the last shape's.
type sandpileEdges struct {
	shape string
	edge  []uint8
}

// sandpileLists are a call's two round lists, pooled between grains (each
// concurrent call takes a pair of its own).
type sandpileLists struct{ cur, next []int64 }

var listPool = sync.Pool{New: func() any { return new(sandpileLists) }}

// SandpileAdd implements quench.LatticeUpdater: the synchronous rule of
// quench.Sandpile, round by round, visiting only the unstable sites of a
// pile that was stable before the grain. Round k's list holds each site
// with height >= z at its start exactly once: a site joins round k+1's list
// when a grain lifts it from z-1 to z (after its own toppling, or while it
// was stable; heights only grow then, so that happens once), or when its
// own toppling leaves it at z or more because grains reached it earlier in
// the round (on these bipartite lattices the sites of a round never
// neighbour each other, so that check is a safeguard). Updates are
// additive, so the order inside a round does not change the result.
func (b *Backend) SandpileAdd(s *quench.Sandpile, lat quench.Lattice, site int64, avalanche int32) (quench.Avalanche, error) {
	var av quench.Avalanche
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
	h, act, stamp := hb.u8, ab.i64, sb.i32
	d := lat.Dim()
	z := uint8(2 * d)
	stride := make([]int64, d)
	st := int64(1)
	for a := d - 1; a >= 0; a-- {
		stride[a] = st
		st *= int64(lat.Shape[a])
	}
	edge := b.edges(lat, stride)
	lists := listPool.Get().(*sandpileLists)
	defer listPool.Put(lists)
	// the sites of a round have one parity (each got its grains from the
	// round before, and the first is the grain's site alone), so a list
	// holds at most half the sites, rounded up
	most := (n+1)/2 + int64(2*d+1)
	h[site]++
	cur, next := lists.cur[:0], lists.next[:0]
	if h[site] >= z {
		cur = append(cur, site)
	}
	for len(cur) > 0 {
		av.Duration++
		av.Size += int64(len(cur))
		// each toppling appends at most 2d+1 sites: room for them first,
		// then branch-free appends (written always, kept when counted)
		next = next[:0]
		k := 0
		for _, x := range cur {
			if cap(next)-k < 2*d+1 {
				next = growList(next[:k], int64(2*d+1), most)
			}
			l := next[:cap(next)]
			act[x]++
			av.Area += b2i(stamp[x] != avalanche)
			stamp[x] = avalanche
			hx := h[x] - z
			h[x] = hx
			l[k] = x
			k += int(b2i(hx >= z))
			e := edge[x]
			for a, sa := range stride {
				if e&(1<<(2*a)) == 0 {
					y := x - sa
					hy := h[y] + 1
					h[y] = hy
					l[k] = y
					k += int(b2i(hy == z))
				} else {
					av.Lost++
				}
				if e&(2<<(2*a)) == 0 {
					y := x + sa
					hy := h[y] + 1
					h[y] = hy
					l[k] = y
					k += int(b2i(hy == z))
				} else {
					av.Lost++
				}
			}
		}
		next = next[:k]
		cur, next = next, cur
	}
	lists.cur, lists.next = cur, next
	return av, nil
}

// growList returns l with room for at least `room` more entries, its
// capacity doubling up to limit (half the sites plus the 2d+1 slots a
// toppling may write past a list's end; a list that would outgrow that
// still gets its room). While one grows, three lists of at most limit
// entries are alive: 12 bytes per site, which the memory estimate
// (sim.Config.Bytes) counts as 16 for the garbage collector's slack.
func growList(l []int64, room, limit int64) []int64 {
	c := max(min(2*int64(cap(l))+1024, limit), int64(len(l))+room)
	nl := make([]int64, len(l), c)
	copy(nl, l)
	return nl
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
	n := lat.Sites()
	e := &sandpileEdges{shape: lat.String(), edge: make([]uint8, n)}
	for x := int64(0); x < n; x++ {
		for a := range stride {
			c := x / stride[a] % int64(lat.Shape[a])
			if c == 0 {
				e.edge[x] |= 1 << (2 * a)
			}
			if c == int64(lat.Shape[a])-1 {
				e.edge[x] |= 2 << (2 * a)
			}
		}
	}
	b.sand = e
	return e.edge
}
