package cpu

import (
	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/internal/pmath"
)

// The site-by-site forms of the field kernels' building blocks, the
// reference the row-wise kernels must equal (rows_test.go): a cursor
// walking the lattice, neighbour indices and sums, and the noise number by
// number.

func (g *fieldGeom) next(cu *cursor) {
	cu.n++
	for a := len(g.shape) - 1; a >= 0; a-- {
		cu.c[a]++
		if cu.c[a] < g.shape[a] {
			return
		}
		cu.c[a] = 0
	}
}

// minus and plus are the indices of the neighbours along axis a.
func (g *fieldGeom) minus(cu *cursor, a int) int64 {
	if cu.c[a] == 0 {
		return cu.n + (g.shape[a]-1)*g.stride[a]
	}
	return cu.n - g.stride[a]
}

func (g *fieldGeom) plus(cu *cursor, a int) int64 {
	if cu.c[a] == g.shape[a]-1 {
		return cu.n - (g.shape[a]-1)*g.stride[a]
	}
	return cu.n + g.stride[a]
}

// nbSum adds the 2d neighbours in the documented order: axes from last to
// first, the -1 neighbour then the +1 neighbour, starting from the first
// (quench.Phi4Coeffs).
func nbSum[T flt](s []T, g *fieldGeom, cu *cursor) T {
	last := len(g.shape) - 1
	nb := s[g.minus(cu, last)] + s[g.plus(cu, last)]
	for a := last - 1; a >= 0; a-- {
		nb = nb + s[g.minus(cu, a)]
		nb = nb + s[g.plus(cu, a)]
	}
	return nb
}

// noiseAt gives a siteNoise's numbers one at a time.
type noiseAt struct {
	siteNoise
	group uint64
	g     [4]float64
	valid bool
}

// draw computes the numbers of group g into p.g, unless they are there.
func (p *noiseAt) draw(g uint64) {
	if p.valid && p.group == g {
		return
	}
	w := philox.Philox4x32_10(philox.MakeCounter(p.purpose, p.ctr.Replica, p.step, p.phase, g, 0), p.key)
	if p.f32 {
		for i, v := range pmath.Gaussians32(w) {
			p.g[i] = float64(v)
		}
	} else {
		p.g[0], p.g[1] = pmath.Gaussians(w)
	}
	p.group, p.valid = g, true
}

// at is noise number n (as float64, exact for float32), each Philox call
// computed once for consecutive numbers.
func (p *noiseAt) at(n uint64) float64 {
	s := p.shift()
	p.draw(n >> s)
	return p.g[n&(1<<s-1)]
}
