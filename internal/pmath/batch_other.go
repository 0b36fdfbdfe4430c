//go:build !amd64 || purego

package pmath

var useAVX2 = false

const hasAVX2 = false

func gaussians32x4(dst *float32, src *byte, blocks int) { panic("pmath: no vector code") }

func gaussians64x4(dst *float64, src *byte, blocks int) { panic("pmath: no vector code") }

func sinCos2Pi64x4(sin, cos *float64, u *float64, blocks int) { panic("pmath: no vector code") }

func sinCos2Pi32x4(sin, cos *float64, u *float32, blocks int) { panic("pmath: no vector code") }

func sinCos2PiSums64(acc *[2][4]float64, x *float64, stride, quads int) {
	panic("pmath: no vector code")
}

func sinCos2PiSums32(acc *[2][4]float64, x *float32, stride, quads int) {
	panic("pmath: no vector code")
}
