//go:build !purego

package pmath

import "golang.org/x/sys/cpu"

// useAVX2 selects the vector code in Gaussians32Batch and GaussiansBatch
// (tests turn it off to check the scalar code).
var useAVX2 = cpu.X86.HasAVX2

// gaussians32x4 writes 16 numbers per block of four groups.
//
//go:noescape
func gaussians32x4(dst *float32, src *byte, blocks int)

// gaussians64x4 writes 8 numbers per block of four groups.
//
//go:noescape
func gaussians64x4(dst *float64, src *byte, blocks int)
