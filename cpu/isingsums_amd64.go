//go:build !purego

package cpu

import (
	"fmt"
	"unsafe"
)

// isingWords adds up words 0..n-1 (n a multiple of 4) of a row at p as
// isingSumsWords does, 32 spins at a time (AVX2; isingsums_amd64.s): twice
// the down spins at even and at odd x, twice the unequal bonds to the
// right and to the rows ups[:nup], and nonzero inv where a spin is
// neither +1 nor -1.
//
//go:noescape
func isingWords(p unsafe.Pointer, ups *[3]unsafe.Pointer, nup, n int) (downEven, downOdd, unequal int64, inv uint64)

// isingBlock is isingWords for rows consecutive rows of rowRegs registers
// (32 spins each, at most 127/(1+nup) registers) whose forward rows along the other axes all lie at the
// first row's offsets (ups[:nup]): the down spins of the rows 0, 2, ...
// (A) and 1, 3, ... (B) apart, for the staggered sum, and each row's last
// spin paired with the next byte, the next row's first (the caller
// corrects it), or past the last row the byte after the block, which must
// be readable (isingsums_amd64.s).
//
// Its per-byte counts flush every 127/(1+nup)/rowRegs rows: rowRegs
// outside 1 .. 127/(1+nup) would divide by 0 or never flush (the counts
// overflowing unseen), which the caller's condition rules out and this
// checks.
func isingBlock(p unsafe.Pointer, ups *[3]unsafe.Pointer, nup, rows, rowRegs int) (aEven, aOdd, bEven, bOdd, unequal int64, inv uint64) {
	if nup < 1 || nup > 3 || rowRegs < 1 || rowRegs > 127/(1+nup) {
		panic(fmt.Sprintf("cpu: isingBlock: %d registers a row and %d other axes", rowRegs, nup))
	}
	return isingBlockAsm(p, ups, nup, rows, rowRegs)
}

//go:noescape
func isingBlockAsm(p unsafe.Pointer, ups *[3]unsafe.Pointer, nup, rows, rowRegs int) (aEven, aOdd, bEven, bOdd, unequal int64, inv uint64)
