package pmath

import "testing"

// A dst one number short of len(src)/4 (float32) or len(src)/8 (float64)
// panics before anything is written past its length, with either path;
// an src of no whole group writes nothing and does not panic.
func TestBatchShortDst(t *testing.T) {
	src := make([]byte, 64)
	for i := range src {
		src[i] = byte(i*37 + 1)
	}
	panics := func(f func()) (p bool) {
		defer func() { p = recover() != nil }()
		f()
		return false
	}
	bothPaths(func(avx bool) {
		d32 := make([]float32, 16)
		if !panics(func() { Gaussians32Batch(d32[:15], src) }) || d32[15] != 0 {
			t.Errorf("avx2 %v: Gaussians32Batch with 15 of 16 numbers: no panic, or dst[15] written (%v)", avx, d32[15])
		}
		d64 := make([]float64, 8)
		if !panics(func() { GaussiansBatch(d64[:7], src) }) || d64[7] != 0 {
			t.Errorf("avx2 %v: GaussiansBatch with 7 of 8 numbers: no panic, or dst[7] written (%v)", avx, d64[7])
		}
		for _, s := range [][]byte{nil, src[:15]} {
			if panics(func() { Gaussians32Batch(nil, s) }) || panics(func() { GaussiansBatch(nil, s) }) {
				t.Errorf("avx2 %v: %d bytes, no group: panics", avx, len(s))
			}
		}
	})
}
