//go:build !purego

package cpu

import "unsafe"

// planeRows adds the first regs registers of 32 spins of rows (at most
// 127) rows, stride bytes apart from p, to planesWords' counts: bit 1 of
// each byte (twice a down spin) to the byte counters at lanes (32 a
// register), twice each row's down spins to downs; inv is nonzero where a
// spin is neither +1 nor -1 (AVX2; isingplanes_amd64.s). Row r's bits
// are first exclusive-ored with the 32 bytes masks[32 pars[r]:] (0x02
// where a staggered sign turns the spin over: stagMasks).
//
//go:noescape
func planeRows(p unsafe.Pointer, stride, rows, regs int, lanes unsafe.Pointer, downs *int64, pars *uint8, masks *[64]byte) (inv uint64)
