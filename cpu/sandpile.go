package cpu

import (
	"fmt"

	"github.com/quenchlab/quench"
)

// sandpileScratch holds each site's boundary bits (bit 2a set when the
// site is at the low end of axis a, bit 2a+1 at the high end) and the round
// lists, kept between grains.
type sandpileScratch struct {
	shape     string
	edge      []uint8
	cur, next []int64
}

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
	sc := b.takeScratch(lat, stride)
	defer b.putScratch(sc)
	edge := sc.edge
	h[site]++
	cur, next := sc.cur[:0], sc.next[:0]
	if h[site] >= z {
		cur = appendSite(cur, site, n)
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
				next = growList(next[:k], n+int64(2*d+1))
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
	sc.cur, sc.next = cur, next
	return av, nil
}

// appendSite appends x to a round list.
func appendSite(l []int64, x, n int64) []int64 {
	if len(l) == cap(l) {
		l = growList(l, n)
	}
	return append(l, x)
}

// growList returns l with a larger capacity, doubling up to max: a round
// list never holds more than the n sites (plus the 2d+1 slots written past
// its end), so the two lists take about 16 bytes per site at most (the
// memory estimate of sim.Config.Bytes).
func growList(l []int64, max int64) []int64 {
	c := min(2*int64(cap(l))+1024, max)
	if c <= int64(cap(l)) {
		c = int64(cap(l)) + 1
	}
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

// takeScratch returns the scratch for lat (made on first use or when the
// shape changes), held by the caller until putScratch: concurrent calls on
// other piles get scratch of their own.
func (b *Backend) takeScratch(lat quench.Lattice, stride []int64) *sandpileScratch {
	b.mu.Lock()
	sc := b.sand
	b.sand = nil
	b.mu.Unlock()
	if sc != nil && sc.shape == lat.String() {
		return sc
	}
	n := lat.Sites()
	sc = &sandpileScratch{shape: lat.String(), edge: make([]uint8, n)}
	for x := int64(0); x < n; x++ {
		for a := range stride {
			c := x / stride[a] % int64(lat.Shape[a])
			if c == 0 {
				sc.edge[x] |= 1 << (2 * a)
			}
			if c == int64(lat.Shape[a])-1 {
				sc.edge[x] |= 2 << (2 * a)
			}
		}
	}
	return sc
}

// putScratch keeps sc for the next grain.
func (b *Backend) putScratch(sc *sandpileScratch) {
	b.mu.Lock()
	b.sand = sc
	b.mu.Unlock()
}
