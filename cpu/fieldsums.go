package cpu

import (
	"fmt"
	"math"
	"slices"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/pmath"
)

// FieldSums implements quench.Reducer: the blocks of quench.FieldSums in
// parallel (one goroutine per block at a time), their partials combined by
// quench.CombineFieldSums (by groups of quench.SumGroup blocks).
func (b *Backend) FieldSums(buf quench.Buffer, lat *quench.Lattice) (quench.FieldSums, error) {
	cb, err := asBuffer(buf, 0)
	if err != nil {
		return quench.FieldSums{}, err
	}
	var g *sumGeom // nil: no geometry
	d := 0
	if lat != nil {
		if err := lat.Check(); err != nil {
			return quench.FieldSums{}, fmt.Errorf("cpu: FieldSums: %v", err)
		}
		if lat.Dim() < 1 || lat.Dim() > 3 {
			return quench.FieldSums{}, fmt.Errorf("cpu: FieldSums on %d dimensions: 1 to 3 are supported", lat.Dim())
		}
		if lat.Sites() != cb.n {
			return quench.FieldSums{}, fmt.Errorf("cpu: FieldSums of %d elements on lattice %s of %d sites", cb.n, lat, lat.Sites())
		}
		g, d = b.sumGeomOf(lat), lat.Dim()
	}
	w := quench.FieldSumsWidth(d)
	nblk := int((cb.n + quench.SumBlock - 1) / quench.SumBlock)
	partial := make([]float64, nblk*w)
	var block func(k int)
	switch {
	case cb.dt == quench.Float32 && useAVX2:
		block = func(k int) { fieldBlockVec(cb.f32, vecF32, 1, g, k, partial[k*w:(k+1)*w]) }
	case cb.dt == quench.Float64 && useAVX2:
		block = func(k int) { fieldBlockVec(cb.f64, vecF64, 1, g, k, partial[k*w:(k+1)*w]) }
	case cb.dt == quench.Int64 && useAVX2:
		block = func(k int) { fieldBlockVec(cb.i64, vecI64, 0x1p-32, g, k, partial[k*w:(k+1)*w]) }
	case cb.dt == quench.Float32:
		block = func(k int) { fieldBlock(cb.f32, 1, g, k, partial[k*w:(k+1)*w]) }
	case cb.dt == quench.Float64:
		block = func(k int) { fieldBlock(cb.f64, 1, g, k, partial[k*w:(k+1)*w]) }
	case cb.dt == quench.Int64:
		block = func(k int) { fieldBlock(cb.i64, 0x1p-32, g, k, partial[k*w:(k+1)*w]) }
	default:
		return quench.FieldSums{}, fmt.Errorf("cpu: FieldSums needs a Float32, Float64 or Int64 buffer, got %v", cb.dt)
	}
	// the whole blocks four at a time where a vector kernel takes them
	// (a block a lane), the rest one at a time: float fields without
	// geometry (fieldFlatVec4), rows that divide a block or a ring
	// (fieldQuadVec)
	var quad func(k int, p []float64) // blocks k .. k+3 into p
	switch {
	case !useAVX2 || nblk < 4:
	case g == nil && cb.dt == quench.Float32:
		quad = func(k int, p []float64) { fieldFlatVec4(cb.f32, k, p, w) }
	case g == nil && cb.dt == quench.Float64:
		quad = func(k int, p []float64) { fieldFlatVec4(cb.f64, k, p, w) }
	case g == nil || !(g.quadOK() || g.quad1OK()):
	case cb.dt == quench.Float32:
		quad = func(k int, p []float64) { fieldQuadVec(cb.f32, vecF32, 1, g, k, p, w) }
	case cb.dt == quench.Float64:
		quad = func(k int, p []float64) { fieldQuadVec(cb.f64, vecF64, 1, g, k, p, w) }
	default:
		quad = func(k int, p []float64) { fieldQuadVec(cb.i64, vecI64, 0x1p-32, g, k, p, w) }
	}
	if quad != nil {
		quads := int(cb.n/quench.SumBlock) / 4
		one := block
		block = func(t int) {
			if t >= quads {
				one(4*quads + t - quads)
				return
			}
			quad(4*t, partial[4*t*w:4*(t+1)*w])
		}
		nblk -= 3 * quads
	}
	parallel(nblk, block)
	fs := quench.CombineFieldSums(partial, d)
	if cb.dt == quench.Int64 {
		fs.Units, fs.UnitsExact = quench.UnitSum(partial, d)
	}
	return fs, nil
}

// CenteredSums implements quench.Reducer: the blocks in parallel, each
// left to right, their partials added by quench.AddPartials.
func (b *Backend) CenteredSums(buf quench.Buffer, center float64) (float64, float64, error) {
	cb, err := asBuffer(buf, 0)
	if err != nil {
		return 0, 0, err
	}
	nblk := int((cb.n + quench.SumBlock - 1) / quench.SumBlock)
	ps, ps2 := make([]float64, nblk), make([]float64, nblk)
	var block func(k int)
	switch cb.dt {
	case quench.Float32:
		block = func(k int) { ps[k], ps2[k] = centeredBlock(cb.f32, 1, center, k) }
	case quench.Float64:
		block = func(k int) { ps[k], ps2[k] = centeredBlock(cb.f64, 1, center, k) }
	case quench.Int64:
		block = func(k int) { ps[k], ps2[k] = centeredBlock(cb.i64, 0x1p-32, center, k) }
	default:
		return 0, 0, fmt.Errorf("cpu: CenteredSums needs a Float32, Float64 or Int64 buffer, got %v", cb.dt)
	}
	parallel(nblk, block)
	return quench.AddPartials(ps), quench.AddPartials(ps2), nil
}

// centeredBlock is block k's sums of d = float64(x)*scale - center and
// d*d, left to right (the product converted explicitly: nothing fused).
func centeredBlock[T float32 | float64 | int64](x []T, scale, center float64, k int) (sum, sum2 float64) {
	lo := int64(k) * quench.SumBlock
	for _, v := range x[lo:min(lo+quench.SumBlock, int64(len(x)))] {
		d := float64(float64(v)*scale) - center
		sum += d
		sum2 += float64(d * d)
	}
	return sum, sum2
}

// sumGeom is a lattice of 1 to 3 axes for fieldBlock, with the table of
// (sin, cos) of 2 pi j/L for the last axis's j = 0..63.
type sumGeom struct {
	lat           []int // the lattice's shape
	shape, stride []int64
	tabS, tabC    [64]float64
	// fieldBlockVec's (vecTables)
	row [][2]float64    // [cl, sl] of each last-axis coordinate (or nil)
	ax  [2][][2]float64 // [cos, sin] along axes d-2 and d-3 (or nil)
	grp [][2]float64    // one axis of at least four blocks: [c0, s0] of each 64-group (fieldQuadVec)
}

// sumGeomOf is newSumGeom(lat), kept for the next call on the same shape
// (a run measures one lattice at every step; its tables are built once).
func (b *Backend) sumGeomOf(lat *quench.Lattice) *sumGeom {
	if g := b.geom.Load(); g != nil && slices.Equal(g.lat, lat.Shape) {
		return g
	}
	g := newSumGeom(lat)
	b.geom.Store(g)
	return g
}

func newSumGeom(lat *quench.Lattice) *sumGeom {
	d := lat.Dim()
	g := &sumGeom{lat: slices.Clone(lat.Shape), shape: make([]int64, d), stride: make([]int64, d)}
	s := int64(1)
	for a := d - 1; a >= 0; a-- {
		g.shape[a], g.stride[a] = int64(lat.Shape[a]), s
		s = g.stride[a] * g.shape[a]
	}
	lx := float64(g.shape[d-1])
	for j := range g.tabS {
		g.tabS[j], g.tabC[j] = pmath.SinCos2Pi(float64(j) / lx)
	}
	if useAVX2 {
		g.vecTables()
	}
	return g
}

// fieldBlock writes the partials of block k of x (quench.FieldSums; values
// float64(x)*scale, scale 1 or 2^-32) on lattice g (nil: no geometry) into
// out. It walks the block in row segments, so the other axes' neighbour
// offsets and (sin, cos) are found once per segment; the axes keep their
// sums in separate variables (l: the last axis, a: the one before, b: the
// first of three). Products are converted explicitly so that no multiply-add
// is fused.
func fieldBlock[T float32 | float64 | int64](x []T, scale float64, g *sumGeom, k int, out []float64) {
	lo := int64(k) * quench.SumBlock
	hi := min(lo+quench.SumBlock, int64(len(x)))
	var sum, s2, s4, corr float64
	var gradL, cosL, sinL, gradA, cosA, sinA, gradB, cosB, sinB float64
	var nonFinite int64
	mx := math.Inf(-1)
	val := func(i int64) float64 { return float64(float64(x[i]) * scale) }
	// plain adds the sums that need no geometry
	plain := func(v float64) {
		sq := float64(v * v)
		sum += v
		s2 += sq
		s4 += float64(float64(sq*v) * v)
		if v > mx {
			mx = v
		}
		if v-v != 0 {
			nonFinite++
		}
	}
	if g == nil {
		for i := lo; i < hi; i++ {
			plain(val(i))
		}
		copy(out, []float64{sum, s2, s4, mx, float64(nonFinite), 0})
		return
	}
	d := len(g.shape)
	lx := g.shape[d-1]
	for i := lo; i < hi; {
		// the segment of i's row from i to the row's or the block's end
		var c [3]int64
		rem := i
		for a := d - 1; a >= 0; a-- {
			c[a] = rem % g.shape[a]
			rem /= g.shape[a]
		}
		x0 := c[d-1]
		n := min(hi-i, lx-x0)
		// forward offsets and (sin, cos) of the other axes (a = d-2, b = d-3)
		var offA, offB int64
		var sA, cA, sB, cB float64
		if d >= 2 {
			offA = fwdOffset(g, c[d-2], d-2)
			sA, cA = pmath.SinCos2Pi(float64(c[d-2]) / float64(g.shape[d-2]))
		}
		if d == 3 {
			offB = fwdOffset(g, c[0], 0)
			sB, cB = pmath.SinCos2Pi(float64(c[0]) / float64(g.shape[0]))
		}
		var s0, c0 float64 // (sin, cos) at the last 64-aligned coordinate
		for j := int64(0); j < n; j++ {
			p, xl := i+j, x0+j
			v := val(p)
			plain(v)
			fl := p + 1
			if xl == lx-1 {
				fl -= lx
			}
			f := val(fl)
			gl := f - v
			gradL += float64(gl * gl)
			corr += float64(v * f)
			t := xl & 63
			if t == 0 || j == 0 {
				s0, c0 = pmath.SinCos2Pi(float64(xl-t) / float64(lx))
			}
			cl := float64(c0*g.tabC[t]) - float64(s0*g.tabS[t])
			sl := float64(s0*g.tabC[t]) + float64(c0*g.tabS[t])
			cosL += float64(v * cl)
			sinL += float64(v * sl)
			if d >= 2 {
				ga := val(p+offA) - v
				gradA += float64(ga * ga)
				cosA += float64(v * cA)
				sinA += float64(v * sA)
			}
			if d == 3 {
				gb := val(p+offB) - v
				gradB += float64(gb * gb)
				cosB += float64(v * cB)
				sinB += float64(v * sB)
			}
		}
		i += n
	}
	copy(out, []float64{sum, s2, s4, mx, float64(nonFinite), corr})
	axes := [][3]float64{{gradB, cosB, sinB}, {gradA, cosA, sinA}, {gradL, cosL, sinL}}[3-d:]
	for a, s := range axes {
		copy(out[6+3*a:], s[:])
	}
}

// fwdOffset is the offset from a site with coordinate c along axis a to its
// forward neighbour along a (periodic).
func fwdOffset(g *sumGeom, c int64, a int) int64 {
	if c == g.shape[a]-1 {
		return -(g.shape[a] - 1) * g.stride[a]
	}
	return g.stride[a]
}
