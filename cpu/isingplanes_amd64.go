//go:build !purego

package cpu

import "unsafe"

// planeRows adds the first regs registers of 32 spins of rows (at most
// 127) rows, stride bytes apart from p, to planesWords' counts: bit 1 of
// each byte (twice a down spin) to the byte counters at lanes (32 a
// register), twice each row's down spins to downs; inv is nonzero where a
// spin is neither +1 nor -1 (AVX2; isingplanes_amd64.s).
//
//go:noescape
func planeRows(p unsafe.Pointer, stride, rows, regs int, lanes unsafe.Pointer, downs *int64) (inv uint64)
