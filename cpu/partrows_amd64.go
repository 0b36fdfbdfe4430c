//go:build !purego

package cpu

import "unsafe"

// The particle kernels of partrows_amd64.s (AVX2; particleRow calls them
// where useAVX2): n elements, a multiple of 8 (float32) or 4 (float64), at
// least one vector; k points to a pc. partEM: the em/lm update of the
// coordinates x from their noise xi; partBAOAB: the BAOAB step of the
// coordinates x and velocities v; H the harmonic potential, DW the double
// well.

//go:noescape
func partEMH32(x, xi, k unsafe.Pointer, n int)

//go:noescape
func partEMDW32(x, xi, k unsafe.Pointer, n int)

//go:noescape
func partBAOABH32(x, v, xi, k unsafe.Pointer, n int)

//go:noescape
func partBAOABDW32(x, v, xi, k unsafe.Pointer, n int)

//go:noescape
func partEMH64(x, xi, k unsafe.Pointer, n int)

//go:noescape
func partEMDW64(x, xi, k unsafe.Pointer, n int)

//go:noescape
func partBAOABH64(x, v, xi, k unsafe.Pointer, n int)

//go:noescape
func partBAOABDW64(x, v, xi, k unsafe.Pointer, n int)

// kurRow32 and kurRow64 are kuramotoRow's update of n phases x (a
// multiple of 8 or 4, at least one vector) from omega, the noise xi, the
// float64 sines sn and cosines cs, the pc k and sc = {S, C} in the phases'
// type.

//go:noescape
func kurRow32(x, omega, xi, sn, cs, k, sc unsafe.Pointer, n int)

//go:noescape
func kurRow64(x, omega, xi, sn, cs, k, sc unsafe.Pointer, n int)
