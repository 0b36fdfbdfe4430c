//go:build !purego

package cpu

import (
	"unsafe"

	xcpu "golang.org/x/sys/cpu"
)

// useAVX2 selects the vector field sums (fieldBlockVec) in FieldSums
// (tests turn it off to check them against fieldBlock).
var useAVX2 = xcpu.X86.HasAVX2

// fieldRows32, fieldRows64 and fieldRowsI64 add the sites of nseg row
// segments of a []float32, []float64 or []int64 on to st (each segment's
// sites from x plus its off bytes).
//
//go:noescape
func fieldRows32(st *sumState, x unsafe.Pointer, segs *rowSeg, nseg int)

//go:noescape
func fieldRows64(st *sumState, x unsafe.Pointer, segs *rowSeg, nseg int)

//go:noescape
func fieldRowsI64(st *sumState, x unsafe.Pointer, segs *rowSeg, nseg int)

// fieldFlat32, fieldFlat64 and fieldFlatI64 add n elements from x on to
// st's sums without geometry.
//
//go:noescape
func fieldFlat32(st *sumState, x unsafe.Pointer, n int)

//go:noescape
func fieldFlat64(st *sumState, x unsafe.Pointer, n int)

//go:noescape
func fieldFlatI64(st *sumState, x unsafe.Pointer, n int)

// rotRow writes the [cl, sl] of n sites of a row from coordinate x0 to
// dst (t0 = x0 mod 64; t0 and n multiples of 4; sc: [c0, s0] of each
// 64-group from x0's).
//
//go:noescape
func rotRow(dst *[2]float64, tabC, tabS *[64]float64, sc *[2]float64, t0, n int)

// fieldFlat32T and fieldFlat64T add four blocks of n elements (n a
// multiple of 4) from x on without geometry, a block a lane of acc: [0]
// the sums, [1] of the squares, [2] of the fourth powers, [3] the max,
// each block's elements in their order as fieldFlat32 and fieldFlat64 add
// them (the same sums, bit for bit).
//
//go:noescape
func fieldFlat32T(acc *[4][4]float64, x unsafe.Pointer, n int)

//go:noescape
func fieldFlat64T(acc *[4][4]float64, x unsafe.Pointer, n int)

// fieldLanes32, fieldLanes64 and fieldLanesI64 copy n elements (n a
// multiple of 4) from each of p[0..3] into dst as float64 (int64 ones
// times scale), element j of p[b] to dst[j][b] (fieldQuadVec's lanes).
//
//go:noescape
func fieldLanes32(dst *[4]float64, p *[4]unsafe.Pointer, n int)

//go:noescape
func fieldLanes64(dst *[4]float64, p *[4]unsafe.Pointer, n int)

//go:noescape
func fieldLanesI64(dst *[4]float64, p *[4]unsafe.Pointer, n int, scale float64)

// fieldQuad2 and fieldQuad3 add nseg rows of four blocks (quadSeg) on to
// st on 2 and 3 axes, a block a lane, each lane with fieldBlock's
// operations in its order.
//
//go:noescape
func fieldQuad2(st *quadState, segs *quadSeg, nseg int)

//go:noescape
func fieldQuad3(st *quadState, segs *quadSeg, nseg int)

// fieldQuad1 adds the sites of four blocks of a ring (ngrp 64-groups of
// lanes from v, the last site's forward neighbours at fl) on to st, a
// block a lane, each lane with fieldBlock's operations in its order; grp
// holds each group's [c0, s0] lanes, and each site's (cl, sl) is
// (c0 tabC[t] - s0 tabS[t], s0 tabC[t] + c0 tabS[t]) at its offset t in
// its group.
//
//go:noescape
func fieldQuad1(st *quadState, v *[4]float64, fl *[4]float64, grp *[2][4]float64, tabC, tabS *[64]float64, ngrp int)
