//go:build !purego

package cpu

import "unsafe"

// isingFlat2 and isingFlat3 are isingRows2 and isingRows3 for rows of any
// even length lx (AVX2; isingflat_amd64.s): n registers of 32 consecutive
// bytes of one plane from pr, whatever rows they fall in, every in-plane
// neighbour read from pg, a copy of the plane's bytes with a row of
// margin each side (flatRegion), the ends of the rows chosen by the
// tables tl (flatTables.tl) at r2, the register's offset in the plane
// mod 2 lx (advanced by inc = 32 mod 2 lx, less wrap = 2 lx), the sites
// of the colour by ct and extra, the random byte of the sites at 2i and
// 2i + 1 pu's byte i, and in 3D the other planes' bytes from pe and pf.
// ties holds 2 n entries. Only the n registers at pr, pe and pf, their
// bytes at pg less and more lx, 16 n random bytes, and the tables' bytes
// from r2 (r2 + 31 + lx of ct, r2 + 1056 of tl) are read.
//
//go:noescape
func isingFlat2(pr, pg, pu unsafe.Pointer, n, lx, r2, inc, wrap int, tabs *[2][32]uint8, ct, tl unsafe.Pointer, extra *[32]uint8, ties *uint32) int

//go:noescape
func isingFlat3(pr, pg, pe, pf, pu unsafe.Pointer, n, lx, r2, inc, wrap int, tabs *[2][32]uint8, ct, tl unsafe.Pointer, extra *[32]uint8, ties *uint32) int
