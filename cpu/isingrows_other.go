//go:build !amd64 || purego

package cpu

import "unsafe"

func isingVec2(pr, pa, pc, pu unsafe.Pointer, n int, tabs *[2][32]uint8, mask *[32]uint8, ties *[2 * maxVecs]uint32) int {
	panic(noVector)
}

func isingVec3(pr, pa, pc, pe, pf, pu unsafe.Pointer, n int, tabs *[2][32]uint8, mask *[32]uint8, ties *[2 * maxVecs]uint32) int {
	panic(noVector)
}

func isingRows2(pr, pu unsafe.Pointer, n, rows, x0 int, up, down unsafe.Pointer, tabs *[2][32]uint8, masks *[2][32]uint8, ties *uint32) int {
	panic(noVector)
}

func isingRows3(pr, pe, pf, pu unsafe.Pointer, n, rows, x0 int, up, down unsafe.Pointer, tabs *[2][32]uint8, masks *[2][32]uint8, ties *uint32) int {
	panic(noVector)
}

func isingFlat2(pr, pg, pu unsafe.Pointer, n, lx, r2, inc, wrap int, tabs *[2][32]uint8, ct, tl unsafe.Pointer, extra *[32]uint8, ties *uint32) int {
	panic(noVector)
}

func isingFlat3(pr, pg, pe, pf, pu unsafe.Pointer, n, lx, r2, inc, wrap int, tabs *[2][32]uint8, ct, tl unsafe.Pointer, extra *[32]uint8, ties *uint32) int {
	panic(noVector)
}

func isingFlatSums2(pg unsafe.Pointer, n, lx, r2, inc, wrap int, ct, tl unsafe.Pointer, extra *[32]uint8, out *[3]int64) int {
	panic(noVector)
}

func isingFlatSums3(pg, pe unsafe.Pointer, n, lx, r2, inc, wrap int, ct, tl unsafe.Pointer, extra *[32]uint8, out *[3]int64) int {
	panic(noVector)
}

func isingFlatPlanes(p, acc unsafe.Pointer, n int, extra *[32]uint8) (downs, inv int) {
	panic(noVector)
}

func isingDownMasks(p, acc unsafe.Pointer, n, accRegs int, masks *uint32) (inv int) {
	panic(noVector)
}
