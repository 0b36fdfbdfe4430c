package cpu

import (
	"math"
	"unsafe"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/pmath"
)

// sumState holds the sums of the vector field sums (fieldRows32 and the
// other kernels of fieldsums_amd64.s, which read it at these offsets)
// between the calls of one block, packed four to a vector register.
type sumState struct {
	r1    [4]float64 // s2, corr, cosL, sinL (no geometry: sum, s2, s4)
	r2    [4]float64 // s4, sum, cosA, sinA
	r3    [4]float64 // -, gradL, gradA, gradB
	r4    [4]float64 // cosB, sinB
	mx    [4]float64 // the max (every lane)
	scale [4]float64 // int64 elements: 2^-32 (the others are not scaled)
	wrap  int64      // bytes from a row's last site to its forward neighbour
	d     int64
}

// rowSeg is a row segment for the vector field sums (at these offsets).
type rowSeg struct {
	k          [4]float64  // 0, 1, cA, sA (the phases along axis a)
	kb         [2]float64  // cB, sB (axis b)
	off, n     int64       // the first site, in bytes from the kernel's x; sites
	offA, offB int64       // bytes from a site to its forward neighbours along axes a and b
	tab        *[2]float64 // [cl, sl] of each site
	last       int64       // 1: the segment's last site ends its row
}

// vecKind selects the kernels for an element type: fieldRows32 and
// fieldFlat32 or their twins (called directly, not through func values, so
// that the state they are passed stays on the stack).
type vecKind int

const (
	vecF32 vecKind = iota
	vecF64
	vecI64
)

func (v vecKind) rows(st *sumState, x unsafe.Pointer, segs *rowSeg, nseg int) {
	switch v {
	case vecF32:
		fieldRows32(st, x, segs, nseg)
	case vecF64:
		fieldRows64(st, x, segs, nseg)
	default:
		fieldRowsI64(st, x, segs, nseg)
	}
}

func (v vecKind) flat(st *sumState, x unsafe.Pointer, n int) {
	switch v {
	case vecF32:
		fieldFlat32(st, x, n)
	case vecF64:
		fieldFlat64(st, x, n)
	default:
		fieldFlatI64(st, x, n)
	}
}

const (
	segBatch = 64  // row segments a kernel call
	rotPiece = 512 // sites of a long row rotated at a time (rotRow)
)

// The longest row and axis vecTables tabulates (variables for tests).
var maxRowTab, maxAxTab int64 = 1 << 14, 1 << 16

// vecTables adds fieldBlockVec's tables to g: the [cl, sl] of each
// last-axis coordinate for rows of up to maxRowTab sites (fieldBlock's
// rotation, its operations), and the [cos, sin] along the other axes for
// extents up to maxAxTab.
func (g *sumGeom) vecTables() {
	d := len(g.shape)
	if lx := g.shape[d-1]; lx <= maxRowTab {
		g.row = make([][2]float64, lx)
		var s0, c0 float64
		for xl := range lx {
			t := xl & 63
			if t == 0 {
				s0, c0 = pmath.SinCos2Pi(float64(xl-t) / float64(lx))
			}
			cl := float64(c0*g.tabC[t]) - float64(s0*g.tabS[t])
			sl := float64(s0*g.tabC[t]) + float64(c0*g.tabS[t])
			g.row[xl] = [2]float64{cl, sl}
		}
	}
	if lx := g.shape[d-1]; d == 1 && lx >= 4*quench.SumBlock {
		// a ring served four blocks at a time (fieldQuadVec): fieldBlock's
		// [c0, s0] of each 64-group
		g.grp = make([][2]float64, (lx+63)/64)
		for q := range g.grp {
			s0, c0 := pmath.SinCos2Pi(float64(64*q) / float64(lx))
			g.grp[q] = [2]float64{c0, s0}
		}
	}
	for i := range min(d-1, 2) {
		if L := g.shape[d-2-i]; L <= maxAxTab {
			g.ax[i] = make([][2]float64, L)
			for c := range L {
				s, co := pmath.SinCos2Pi(float64(c) / float64(L))
				g.ax[i][c] = [2]float64{co, s}
			}
		}
	}
}

// phase is (cos, sin) of 2 pi c/L along axis d-2-i (i = 0: a, 1: b).
func (g *sumGeom) phase(i int, c int64) (co, s float64) {
	if t := g.ax[i]; t != nil {
		return t[c][0], t[c][1]
	}
	s, co = pmath.SinCos2Pi(float64(c) / float64(g.shape[len(g.shape)-2-i]))
	return co, s
}

// fieldBlockVec is fieldBlock on the vector kernels of kind, x's element
// type (useAVX2): the same partials, bit for bit. g's tables (vecTables)
// are used where it has them. The kernels do not count non-finite values:
// a block has none when its Sum is finite (once a term is infinite or NaN,
// the sum stays so), and only otherwise are they counted here.
func fieldBlockVec[T float32 | float64 | int64](x []T, kind vecKind, scale float64, g *sumGeom, k int, out []float64) {
	lo := int64(k) * quench.SumBlock
	hi := min(lo+quench.SumBlock, int64(len(x)))
	var st sumState
	for l := range 4 {
		st.mx[l], st.scale[l] = math.Inf(-1), scale
	}
	base := unsafe.Pointer(&x[lo])
	if g == nil {
		kind.flat(&st, base, int(hi-lo))
		sum := st.r1[0]
		copy(out, []float64{sum, st.r1[1], st.r1[2], st.mx[0], nonFinite(x[lo:hi], scale, sum), 0})
		return
	}
	size := int64(unsafe.Sizeof(x[0]))
	d := len(g.shape)
	lx := g.shape[d-1]
	st.d, st.wrap = int64(d), (1-lx)*size
	var segs [segBatch]rowSeg
	ns := 0
	var c [3]int64 // the coordinates of site i
	rem := lo
	for a := d - 1; a >= 0; a-- {
		c[a] = rem % g.shape[a]
		rem /= g.shape[a]
	}
	for i := lo; i < hi; {
		// the segment of i's row from i to the row's or the block's end
		x0 := c[d-1]
		n := min(hi-i, lx-x0)
		sg := &segs[ns] // every field set here
		sg.k, sg.kb = [4]float64{0, 1, 0, 0}, [2]float64{}
		sg.off, sg.n, sg.offA, sg.offB, sg.last = (i-lo)*size, n, 0, 0, 0
		if d >= 2 {
			sg.offA = fwdOffset(g, c[d-2], d-2) * size
			sg.k[2], sg.k[3] = g.phase(0, c[d-2])
		}
		if d == 3 {
			sg.offB = fwdOffset(g, c[0], 0) * size
			sg.kb[0], sg.kb[1] = g.phase(1, c[0])
		}
		if x0+n == lx {
			sg.last = 1
		}
		if g.row != nil {
			sg.tab = &g.row[x0]
			if ns++; ns == segBatch {
				kind.rows(&st, base, &segs[0], ns)
				ns = 0
			}
		} else {
			// a long row (all are): its [cl, sl] rotated a piece at a time
			longRow(kind, &st, base, g, *sg, x0, size)
		}
		i += n
		// the next row's coordinates
		c[d-1] = 0
		for a := d - 2; a >= 0; a-- {
			if c[a]++; c[a] < g.shape[a] {
				break
			}
			c[a] = 0
		}
	}
	if ns > 0 {
		kind.rows(&st, base, &segs[0], ns)
	}
	sum := st.r2[1]
	copy(out, []float64{sum, st.r1[0], st.r2[0], st.mx[0], nonFinite(x[lo:hi], scale, sum), st.r1[1]})
	axes := [][3]float64{{st.r3[3], st.r4[0], st.r4[1]}, {st.r3[2], st.r2[2], st.r2[3]}, {st.r3[1], st.r1[2], st.r1[3]}}[3-d:]
	for a, s := range axes {
		copy(out[6+3*a:], s[:])
	}
}

// fieldFlatVec4 is fieldBlockVec without geometry of the four whole
// blocks k .. k+3 of a float32 or float64 x at once (fieldFlat32T,
// fieldFlat64T), each block's partials into out (w partials a block), the
// same bit for bit.
func fieldFlatVec4[T float32 | float64](x []T, k int, out []float64, w int) {
	acc := [4][4]float64{3: {math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1)}}
	lo := int64(k) * quench.SumBlock
	x = x[lo : lo+4*quench.SumBlock]
	if _, ok := any(x).([]float32); ok {
		fieldFlat32T(&acc, unsafe.Pointer(&x[0]), quench.SumBlock)
	} else {
		fieldFlat64T(&acc, unsafe.Pointer(&x[0]), quench.SumBlock)
	}
	for b := range 4 {
		sum := acc[0][b]
		blk := x[b*quench.SumBlock : (b+1)*quench.SumBlock]
		copy(out[b*w:], []float64{sum, acc[1][b], acc[2][b], acc[3][b], nonFinite(blk, 1, sum), 0})
	}
}

// longRow adds segment sg (from row coordinate x0; elements of size
// bytes) of a row too long for g.row, its [cl, sl] rotated a piece at a
// time (rotRow).
func longRow(kind vecKind, st *sumState, base unsafe.Pointer, g *sumGeom, sg rowSeg, x0, size int64) {
	var cs [rotPiece + 8][2]float64
	var sc [rotPiece/64 + 2][2]float64 // the pieces' groups' [c0, s0]
	lx := g.shape[len(g.shape)-1]
	for j := int64(0); j < sg.n; j += rotPiece {
		// from the piece's first site rounded down to a multiple of 4 to
		// its end rounded up (in the same 64-groups)
		m, xs := min(rotPiece, sg.n-j), x0+j
		lead := xs & 3
		t0 := (xs - lead) & 63
		for q, xg := 0, xs-lead-t0; xg < xs+m; q, xg = q+1, xg+64 {
			s0, c0 := pmath.SinCos2Pi(float64(xg) / float64(lx))
			sc[q] = [2]float64{c0, s0}
		}
		rotRow(&cs[0], &g.tabC, &g.tabS, &sc[0], int(t0), int((lead+m+3)&^3))
		p := sg
		p.off, p.n, p.tab = sg.off+j*size, m, &cs[lead]
		if j+m < sg.n {
			p.last = 0
		}
		kind.rows(st, base, &p, 1)
	}
}

// nonFinite counts the values v of x with v-v != 0 (fieldBlock's rule)
// where the block's sum is not finite; a finite sum means there are none.
func nonFinite[T float32 | float64 | int64](x []T, scale, sum float64) float64 {
	if sum-sum == 0 {
		return 0
	}
	n := 0
	for _, e := range x {
		if v := float64(float64(e) * scale); v-v != 0 {
			n++
		}
	}
	return float64(n)
}
