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

// isingRows2 and isingRows3 are isingVec2 and isingVec3 for rows whole
// rows of n registers (32 n sites, lx = 32 n) with their periodic ends,
// consecutive from pr (AVX2; isingrows_amd64.s): the first row's sites
// are at x0, x0 + 2, ..., the next row's at the other parity and so on
// (masks: rowMasks), pu their 16 n random bytes a row; a row's neighbour
// rows are the ones after and before it, up for the last and down for
// the first, and in 3D the rows from pe and pf. ties holds 2 rows n
// entries, by register index from pr's first. Only the rows, the
// neighbour rows' 32 n bytes, and pu's 16 n rows are read.
//
//go:noescape
func isingRows2(pr, pu unsafe.Pointer, n, rows, x0 int, up, down unsafe.Pointer, tabs *[2][32]uint8, masks *[2][32]uint8, ties *uint32) int

//go:noescape
func isingRows3(pr, pe, pf, pu unsafe.Pointer, n, rows, x0 int, up, down unsafe.Pointer, tabs *[2][32]uint8, masks *[2][32]uint8, ties *uint32) int
