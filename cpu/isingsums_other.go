//go:build !amd64 || purego

package cpu

import "unsafe"

func isingWords(p unsafe.Pointer, ups *[3]unsafe.Pointer, nup, n int) (downEven, downOdd, unequal int64, inv uint64) {
	panic(noVector)
}

func isingBlock(p unsafe.Pointer, ups *[3]unsafe.Pointer, nup, rows, rowRegs int) (aEven, aOdd, bEven, bOdd, unequal int64, inv uint64) {
	panic(noVector)
}
