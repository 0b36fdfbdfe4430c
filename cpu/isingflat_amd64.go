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
// r2 to r2 + 31 from ct (as passed) and r2 to r2 + 2080 from tl are read.
//
//go:noescape
func isingFlat2(pr, pg, pu unsafe.Pointer, n, lx, r2, inc, wrap int, tabs *[2][32]uint8, ct, tl unsafe.Pointer, extra *[32]uint8, ties *uint32) int

//go:noescape
func isingFlat3(pr, pg, pe, pf, pu unsafe.Pointer, n, lx, r2, inc, wrap int, tabs *[2][32]uint8, ct, tl unsafe.Pointer, extra *[32]uint8, ties *uint32) int

// isingFlatSums2 and isingFlatSums3 count the Ising measurement's sums
// over n registers of a plane's copy pg (laid out as isingFlat2 reads
// it), only at the bytes where extra is set (isingflat_amd64.s): out[0]
// twice the down spins, out[1] twice those where ct (from r2) is set,
// out[2] twice the unequal pairs of a site with its right neighbour (the
// row's first site for its last: tl), the one above (pg + lx) and in 3D
// the next plane's (pe). The result is nonzero where a byte is neither
// +1 nor -1. Only the registers' bytes at pg from lx - 1 before to lx
// after, pe's 32 n bytes and the tables' bytes from r2 are read.
//
//go:noescape
func isingFlatSums2(pg unsafe.Pointer, n, lx, r2, inc, wrap int, ct, tl unsafe.Pointer, extra *[32]uint8, out *[3]int64) int

//go:noescape
func isingFlatSums3(pg, pe unsafe.Pointer, n, lx, r2, inc, wrap int, ct, tl unsafe.Pointer, extra *[32]uint8, out *[3]int64) int

// isingFlatPlanes adds the down bits of n registers of a 3D plane at p
// to the bytes of acc at the same offsets, only where extra is set, and
// returns their number and inv, nonzero where such a byte is neither +1
// nor -1 (isingflat_amd64.s). Only the 32 n bytes at p and acc are read.
//
//go:noescape
func isingFlatPlanes(p, acc unsafe.Pointer, n int, extra *[32]uint8) (downs, inv int)

// isingDownMasks adds the down bits of n registers at p to the bytes of
// acc's register k mod accRegs (k the register's index from p) and
// stores each register's down bits as a word of masks (bit i for byte
// i), returning inv as isingFlatPlanes does (isingflat_amd64.s). Only the
// 32 n bytes at p, 32 accRegs at acc and n words at masks are touched.
//
//go:noescape
func isingDownMasks(p, acc unsafe.Pointer, n, accRegs int, masks *uint32) (inv int)
