//go:build !amd64 || purego

package cpu

import "unsafe"

func isingVec2(pr, pa, pc, pu unsafe.Pointer, n int, tabs *[2][32]uint8, mask *[32]uint8, ties *[2 * maxVecs]uint32) int {
	panic(noVector)
}

func isingVec3(pr, pa, pc, pe, pf, pu unsafe.Pointer, n int, tabs *[2][32]uint8, mask *[32]uint8, ties *[2 * maxVecs]uint32) int {
	panic(noVector)
}

func isingRow2(pr, pa, pc, pu unsafe.Pointer, n, x0 int, tabs *[2][32]uint8, mask *[32]uint8, ties *uint32) int {
	panic(noVector)
}

func isingRow3(pr, pa, pc, pe, pf, pu unsafe.Pointer, n, x0 int, tabs *[2][32]uint8, mask *[32]uint8, ties *uint32) int {
	panic(noVector)
}
