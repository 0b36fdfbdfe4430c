//go:build !purego

package pmath

import "golang.org/x/sys/cpu"

// useAVX2 selects the vector code in Gaussians32Batch and GaussiansBatch
// (tests turn it off to check the scalar code).
var useAVX2 = hasAVX2

// hasAVX2: the CPU has AVX2 and the build the vector code.
var hasAVX2 = cpu.X86.HasAVX2

// gaussians32x4 writes 16 numbers per block of four groups.
//
//go:noescape
func gaussians32x4(dst *float32, src *byte, blocks int)

// gaussians64x4 writes 8 numbers per block of four groups.
//
//go:noescape
func gaussians64x4(dst *float64, src *byte, blocks int)

// sinCos2Pi64x4 writes SinCos2Pi of 4 blocks float64s from u to sin and
// cos; sinCos2Pi32x4 of float64(u[i]) for float32 u.
//
//go:noescape
func sinCos2Pi64x4(sin, cos *float64, u *float64, blocks int)

//go:noescape
func sinCos2Pi32x4(sin, cos *float64, u *float32, blocks int)

// sinCos2PiSums64 and sinCos2PiSums32 add the cos (acc[0]) and sin
// (acc[1]) of 4 quads elements of four blocks from x, stride bytes
// apart, a block a lane, on to zero.
//
//go:noescape
func sinCos2PiSums64(acc *[2][4]float64, x *float64, stride, quads int)

//go:noescape
func sinCos2PiSums32(acc *[2][4]float64, x *float32, stride, quads int)
