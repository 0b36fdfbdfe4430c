//go:build !purego

package cpu

import "unsafe"

// isingVec2 and isingVec3 are swarBlocks for 2D and 3D rows, 16 sites (4
// blocks) a vector register, n registers (AVX2; isingrows_amd64.s): they
// flip the sites whose decision the primary byte settles (tabs: packTable's
// vecTab) and leave the others, which they list in ties (register index,
// then the mask of its even bytes, a byte a site) for vecTies, returning
// the number of entries. The last register's right neighbours must lie in
// the row (its byte 32).
//
//go:noescape
func isingVec2(pr, pa, pc, pu unsafe.Pointer, n int, tabs *[2][32]uint8, mask *[32]uint8, ties *[2 * maxVecs]uint32) int

//go:noescape
func isingVec3(pr, pa, pc, pe, pf, pu unsafe.Pointer, n int, tabs *[2][32]uint8, mask *[32]uint8, ties *[2 * maxVecs]uint32) int

// isingRow2 and isingRow3 are isingVec2 and isingVec3 for a whole row of n
// registers (32 n sites, lx = 32 n) with its periodic ends (AVX2;
// isingrows_amd64.s): pr is the row's first byte, the sites are at x0, x0
// + 2, ... (mask: rowMasks[x0]), pu the row's 16 n random bytes, and
// ties holds 2n entries. Only the row, the neighbour rows' 32 n bytes
// and pu's 16 n are read.
//
//go:noescape
func isingRow2(pr, pa, pc, pu unsafe.Pointer, n, x0 int, tabs *[2][32]uint8, mask *[32]uint8, ties *uint32) int

//go:noescape
func isingRow3(pr, pa, pc, pe, pf, pu unsafe.Pointer, n, x0 int, tabs *[2][32]uint8, mask *[32]uint8, ties *uint32) int
