package pmath

import (
	"math"
	"testing"
)

// GaussiansBatch on an odd number of groups whose src has no capacity past
// its last group (src[:16n:16n]): the last group, done alone, reads only
// its own 16 bytes (no panic) and gives Gaussians of it.
func TestGaussiansBatchOddExactSrc(t *testing.T) {
	var words [][4]uint32
	for g := range uint32(9) {
		words = append(words, [4]uint32{0x9E3779B9 * (g + 1), 0x85EBCA6B ^ g, 0xC2B2AE35 * (g + 3), g << 20})
	}
	all := packWords(words)
	bothPaths(func(avx bool) {
		for _, n := range []int{1, 3, 5, 9} {
			src := make([]byte, 16*n)
			copy(src, all)
			dst := make([]float64, 2*n)
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("avx2 %v, %d groups: panic %v", avx, n, p)
					}
				}()
				GaussiansBatch(dst, src[:16*n:16*n])
			}()
			for g := range n {
				w0, w1 := Gaussians(words[g])
				if math.Float64bits(dst[2*g]) != math.Float64bits(w0) || math.Float64bits(dst[2*g+1]) != math.Float64bits(w1) {
					t.Errorf("avx2 %v, %d groups: group %d gives %v %v, want %v %v", avx, n, g, dst[2*g], dst[2*g+1], w0, w1)
				}
			}
		}
	})
}
