package cpu

import (
	"fmt"

	"github.com/quenchlab/quench"
)

// sandpileScratch marks queued sites (a generation counter avoids clearing)
// and holds each site's boundary bits: bit 2a set when the site is at the
// low end of axis a, bit 2a+1 at the high end.
type sandpileScratch struct {
	shape string
	mark  []uint32
	edge  []uint8
	gen   uint32
}

// SandpileAdd implements quench.LatticeUpdater. It visits only sites that
// can be unstable (those that received grains in the last round), which is
// the synchronous rule of quench.Sandpile applied exactly: a round's
// unstable set is read before any height of that round changes, and the
// updates are additive.
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
	sc := b.scratch(lat, stride)
	h[site]++
	cand := []int64{site}
	var unstable, next []int64
	for len(cand) > 0 {
		sc.gen++
		if sc.gen == 0 { // wrapped: clear
			clear(sc.mark)
			sc.gen = 1
		}
		unstable = unstable[:0]
		for _, x := range cand {
			if sc.mark[x] != sc.gen && h[x] >= z {
				sc.mark[x] = sc.gen
				unstable = append(unstable, x)
			}
		}
		if len(unstable) == 0 {
			break
		}
		av.Duration++
		for _, x := range unstable {
			av.Size++
			act[x]++
			if stamp[x] != avalanche {
				stamp[x] = avalanche
				av.Area++
			}
			h[x] -= z
		}
		next = next[:0]
		for _, x := range unstable {
			e := sc.edge[x]
			for a := 0; a < d; a++ {
				if e&(1<<(2*a)) == 0 {
					h[x-stride[a]]++
					next = append(next, x-stride[a])
				} else {
					av.Lost++
				}
				if e&(2<<(2*a)) == 0 {
					h[x+stride[a]]++
					next = append(next, x+stride[a])
				} else {
					av.Lost++
				}
			}
		}
		cand, next = next, cand
	}
	return av, nil
}

func (b *Backend) scratch(lat quench.Lattice, stride []int64) *sandpileScratch {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sand == nil || b.sand.shape != lat.String() {
		n := lat.Sites()
		sc := &sandpileScratch{shape: lat.String(), mark: make([]uint32, n), edge: make([]uint8, n)}
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
		b.sand = sc
	}
	return b.sand
}
