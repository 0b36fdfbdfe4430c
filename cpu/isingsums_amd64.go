//go:build !purego

package cpu

import "unsafe"

// isingWords adds up words 0..n-1 (n a multiple of 4) of a row at p as
// isingSumsWords does, 32 spins at a time (AVX2; isingsums_amd64.s): twice
// the down spins at even and at odd x, twice the unequal bonds to the
// right and to the rows ups[:nup], and nonzero inv where a spin is
// neither +1 nor -1.
//
//go:noescape
func isingWords(p unsafe.Pointer, ups *[3]unsafe.Pointer, nup, n int) (downEven, downOdd, unequal int64, inv uint64)
