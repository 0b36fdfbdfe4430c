//go:build !amd64 || purego

package cpu

import "unsafe"

func planeRows(p unsafe.Pointer, stride, rows, regs int, lanes unsafe.Pointer, downs *int64, pars *uint8, masks *[64]byte) (inv uint64) {
	panic(noVector)
}
