//go:build !purego

package cpu

// massLineAVX2 is massLine on AVX2 for the first n bonds (n a multiple of
// 4, above 0): four bonds a step, the fixed-point products from two
// 32x32-bit products (VPMULUDQ), the same bits as mulShift32.
//
//go:noescape
func massLineAVX2(rule int, mx, my *int64, u *uint32, n int, d32 uint64)

// massPairsAVX2 is massPairs on AVX2 for the first n bonds (2n masses, 2n
// words read; n a multiple of 4, above 0).
//
//go:noescape
func massPairsAVX2(rule int, s *int64, u *uint32, n int, d32 uint64)
