package cpu

import (
	"math"
	"sync"
	"unsafe"

	"github.com/quenchlab/quench"
)

// Four blocks side by side with geometry, a block a vector lane
// (fieldQuadVec): where a lattice's rows divide a block (2 or 3 axes, the
// last extent a power of two from 4 to 4096), the four blocks k .. k+3
// have the same row segments, so the sites at one offset in each have the
// same row coordinate and each lane can see fieldBlock's operations on its
// block's sums, in its order. The four blocks are first copied into
// float64 lanes (fieldLanes32 and its twins: site j of block k+b at
// lane b of row j), so that the sums' kernel (fieldQuad2, fieldQuad3)
// only loads; the forward neighbours along the other axes are found in
// those lanes where all four have them at the same offset inside their
// block, and are copied into lanes of their own otherwise.

// quadSeg is a row of the four blocks for fieldQuad2 and fieldQuad3 (at
// these offsets).
type quadSeg struct {
	kA     [2][4]float64 // cA, sA of each lane (axis a's phases)
	kB     [2][4]float64 // cB, sB (axis b)
	v      *[4]float64   // the row's sites, lane by lane
	fl     *[4]float64   // the forward neighbours along the row of its last site
	fa, fb *[4]float64   // the sites' forward neighbours along axes a and b
	tab    *[2]float64   // [cl, sl] of the row's sites from its first
	n      int64         // sites
}

// quadState holds the sums of fieldQuad2 and fieldQuad3, a block a lane:
// sum, s2, s4, max, corr, gradL, cosL, sinL, gradA, cosA, sinA, gradB,
// cosB, sinB.
type quadState struct {
	acc [14][4]float64
}

// quadScratch is the lanes of four blocks, their neighbours' where they
// need their own, and the rows (fieldQuadVec, one a goroutine at a time).
type quadScratch struct {
	s, fa, fb [quench.SumBlock][4]float64
	segs      [quench.SumBlock / 4]quadSeg
	grp       [quench.SumBlock / 64][2][4]float64 // one axis: [c0, s0] of each 64-group, a block a lane
}

var quadPool = sync.Pool{New: func() any { return new(quadScratch) }}

// quadOK says whether fieldQuadVec serves lattice g: 2 or 3 axes, rows that
// divide a block and are a multiple of 4 sites long, and the row table.
func (g *sumGeom) quadOK() bool {
	d := len(g.shape)
	lx := g.shape[d-1]
	return d >= 2 && lx%4 == 0 && quench.SumBlock%lx == 0 && g.row != nil
}

// quad1OK says whether fieldQuadVec serves lattice g on one axis (a ring
// of at least four blocks, with the 64-groups' table).
func (g *sumGeom) quad1OK() bool {
	return len(g.shape) == 1 && g.grp != nil
}

// lanes copies n (a multiple of 4) elements from each of p[0..3] into dst
// as float64 times scale, element j of p[b] to dst[j][b].
func (v vecKind) lanes(dst *[4]float64, p *[4]unsafe.Pointer, n int, scale float64) {
	switch v {
	case vecF32:
		fieldLanes32(dst, p, n)
	case vecF64:
		fieldLanes64(dst, p, n)
	default:
		fieldLanesI64(dst, p, n, scale)
	}
}

// fieldQuadVec is fieldBlockVec of the four whole blocks k .. k+3 at once
// on a lattice g of quadOK, each block's partials into out (w partials a
// block), the same bit for bit.
func fieldQuadVec[T float32 | float64 | int64](x []T, kind vecKind, scale float64, g *sumGeom, k int, out []float64, w int) {
	const blk = quench.SumBlock
	sc := quadPool.Get().(*quadScratch)
	defer quadPool.Put(sc)
	lo := int64(k) * blk
	var p [4]unsafe.Pointer
	for b := range 4 {
		p[b] = unsafe.Pointer(&x[lo+int64(b)*blk])
	}
	kind.lanes(&sc.s[0], &p, blk, scale)
	d := len(g.shape)
	lx := g.shape[d-1]
	if d == 1 {
		// a ring: block k+b's sites from (k+b) blk, a multiple of 64, so
		// the four lanes' sites have the same offset t in their 64-groups
		// and their (cl, sl) is fieldBlock's rotation of each lane's
		// group phase [c0, s0] by tab[t] (fieldQuad1)
		var fl [4]float64 // the forward neighbours of the blocks' last sites
		for b := range 4 {
			i := lo + int64(b+1)*blk
			if i == lx {
				i = 0
			}
			fl[b] = float64(float64(x[i]) * scale)
		}
		for m := range blk / 64 {
			for b := range 4 {
				gp := &g.grp[(lo+int64(b)*blk)/64+int64(m)]
				sc.grp[m][0][b], sc.grp[m][1][b] = gp[0], gp[1]
			}
		}
		var st quadState
		st.acc[3] = [4]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1)}
		fieldQuad1(&st, &sc.s[0], &fl, &sc.grp[0], &g.tabC, &g.tabS, blk/64)
		quadOut(x, scale, &st, lo, d, out, w)
		return
	}
	la := g.shape[d-2]
	rows := blk / lx
	// nb copies the neighbours at offsets off (elements) of the row at j0
	// of each block into dst, unless all four lanes find them in sc.s
	nb := func(off *[4]int64, j0 int64, dst *[blk][4]float64) *[4]float64 {
		if o := off[0]; off[1] == o && off[2] == o && off[3] == o && j0+o >= 0 && j0+o+lx <= blk {
			return &sc.s[j0+o]
		}
		var q [4]unsafe.Pointer
		for b := range 4 {
			q[b] = unsafe.Pointer(&x[lo+int64(b)*blk+j0+off[b]])
		}
		kind.lanes(&dst[j0], &q, int(lx), scale)
		return &dst[j0]
	}
	for r := range rows {
		j0 := r * lx
		sg := &sc.segs[r]
		var offA, offB [4]int64
		for b := range 4 {
			gr := (lo + int64(b)*blk + j0) / lx // the row's index in the lattice
			ca := gr % la
			offA[b] = fwdOffset(g, ca, d-2)
			sg.kA[0][b], sg.kA[1][b] = g.phase(0, ca)
			if d == 3 {
				cb := gr / la
				offB[b] = fwdOffset(g, cb, 0)
				sg.kB[0][b], sg.kB[1][b] = g.phase(1, cb)
			}
		}
		sg.v, sg.fl, sg.tab, sg.n = &sc.s[j0], &sc.s[j0], &g.row[0], lx
		sg.fa = nb(&offA, j0, &sc.fa)
		if d == 3 {
			sg.fb = nb(&offB, j0, &sc.fb)
		} else {
			sg.fb = nil
		}
	}
	var st quadState
	st.acc[3] = [4]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	if d == 2 {
		fieldQuad2(&st, &sc.segs[0], int(rows))
	} else {
		fieldQuad3(&st, &sc.segs[0], int(rows))
	}
	quadOut(x, scale, &st, lo, d, out, w)
}

// quadOut writes the four blocks' partials from st (blocks from site lo
// of x, d axes, w partials a block).
func quadOut[T float32 | float64 | int64](x []T, scale float64, st *quadState, lo int64, d int, out []float64, w int) {
	const blk = quench.SumBlock
	a := &st.acc
	for b := range 4 {
		o := out[b*w : (b+1)*w]
		sum := a[0][b]
		blkx := x[lo+int64(b)*blk : lo+int64(b+1)*blk]
		copy(o, []float64{sum, a[1][b], a[2][b], a[3][b], nonFinite(blkx, scale, sum), a[4][b]})
		axes := [][3]float64{
			{a[11][b], a[12][b], a[13][b]},
			{a[8][b], a[9][b], a[10][b]},
			{a[5][b], a[6][b], a[7][b]},
		}[3-d:]
		for i, s := range axes {
			copy(o[6+3*i:], s[:])
		}
	}
}
