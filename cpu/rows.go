package cpu

import (
	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/internal/pmath"
)

// rowRun is a run of sites of one row (the last axis) of a field: columns
// [x0, x1) of the row whose first site is base. rm[a] and rp[a] are the
// offsets from a site to its -1 and +1 neighbours along axis a < d-1
// (wrapped); along the last axis the neighbours are the row's columns x-1
// and x+1 (wrapped at lx).
type rowRun struct {
	base, x0, x1, lx int64
	rm, rp           []int64
}

// nb is the neighbour sum of column x in the documented order (nbSum):
// axes from last to first, -1 then +1, from the first neighbour.
func nbRow[T flt](s []T, r *rowRun, x int64) T {
	l, rt := x-1, x+1
	if x == 0 {
		l = r.lx - 1
	}
	if rt == r.lx {
		rt = 0
	}
	n := r.base + x
	v := s[r.base+l] + s[r.base+rt]
	for a := len(r.rm) - 1; a >= 0; a-- {
		v = v + s[n+r.rm[a]]
		v = v + s[n+r.rp[a]]
	}
	return v
}

// forRows runs f over the sites [0, n) in the fixed chunks of forSites,
// each chunk split at row ends: the row-wise twin of forSites, giving the
// same sites the same neighbours without a cursor per site.
func forRows(g *fieldGeom, f func(r *rowRun)) {
	d := len(g.shape)
	lx := g.shape[d-1]
	parts := int((g.n + fieldChunk - 1) / fieldChunk)
	run := func(p int) {
		lo := int64(p) * fieldChunk
		end := min(lo+fieldChunk, g.n)
		r := rowRun{lx: lx, rm: make([]int64, d-1), rp: make([]int64, d-1)}
		for n := lo; n < end; {
			cu := g.at(n)
			r.x0 = cu.c[d-1]
			r.base = n - r.x0
			r.x1 = min(lx, r.x0+(end-n))
			for a := 0; a < d-1; a++ {
				r.rm[a], r.rp[a] = -g.stride[a], g.stride[a]
				if cu.c[a] == 0 {
					r.rm[a] = (g.shape[a] - 1) * g.stride[a]
				}
				if cu.c[a] == g.shape[a]-1 {
					r.rp[a] = -(g.shape[a] - 1) * g.stride[a]
				}
			}
			f(&r)
			n += r.x1 - r.x0
		}
	}
	if parts == 1 {
		run(0)
		return
	}
	parallel(parts, run)
}

// fill writes noise numbers n0 .. n0+len(dst)-1 of p into dst, one Philox
// call per group (the numbers of siteNoise.at).
func fillNoise[T flt](p *siteNoise, dst []T, n0 uint64) {
	shift := uint64(1)
	if p.f32 {
		shift = 2
	}
	w := uint64(1) << shift
	for i := 0; i < len(dst); {
		n := n0 + uint64(i)
		grp := n >> shift
		c := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeLangevin, p.ctr.Replica, p.step, p.phase, grp, 0), p.key)
		j := n & (w - 1)
		if p.f32 {
			g := pmath.Gaussians32(c)
			for ; j < w && i < len(dst); j++ {
				dst[i] = T(g[j])
				i++
			}
		} else {
			g0, g1 := pmath.Gaussians(c)
			g := [2]float64{g0, g1}
			for ; j < w && i < len(dst); j++ {
				dst[i] = T(g[j])
				i++
			}
		}
	}
}
