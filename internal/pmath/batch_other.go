//go:build !amd64 || purego

package pmath

var useAVX2 = false

func gaussians32x4(dst *float32, src *byte, blocks int) { panic("pmath: no vector code") }

func gaussians64x4(dst *float64, src *byte, blocks int) { panic("pmath: no vector code") }
