package pmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Gaussians32Batch against Gaussians32 group by group, with the vector
// code (where the CPU has it) and without: random words, and words at the
// edges of each step (u's conversion from uint32 at 2^24, 2^25, 2^31 and
// 2^32 - 1, where the vector code changes method; the log table's entries
// and its halving at 1.4140625; every arc of the sine table and both ends
// of an arc), lengths that leave a scalar tail.
func TestGaussians32Batch(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	var words [][4]uint32
	for range 1 << 16 {
		words = append(words, [4]uint32{rng.Uint32(), rng.Uint32(), rng.Uint32(), rng.Uint32()})
	}
	var edges []uint32
	for _, b := range []uint32{0, 1 << 24, 1 << 25, 1 << 31, 1<<32 - 1} {
		for d := uint32(0); d < 300; d++ {
			edges = append(edges, b+d, b-d)
		}
	}
	for e := range 33 { // each power of two, and its neighbours
		for _, d := range []uint32{0, 1, 2, 3, 127, 128, 129, 255, 256, 257} {
			edges = append(edges, uint32(1)<<e+d, uint32(1)<<e-d)
		}
	}
	for k := range uint32(1 << 9) { // log table entries and arcs, at both ends
		edges = append(edges, k<<23, k<<23|0x7FFFFF, k<<22, k<<24|0xFFFF00, k<<24|0x800000, k<<24)
	}
	for i, e := range edges {
		words = append(words, [4]uint32{e, edges[(i*7+3)%len(edges)], rng.Uint32(), e})
	}
	src := packWords(words)
	bothPaths(func(avx bool) {
		for _, n := range []int{len(words), len(words) - 1, 5, 4, 3, 1} {
			dst := make([]float32, 4*n+1)
			dst[4*n] = 42 // a guard past the end
			Gaussians32Batch(dst[:4*n], src[:16*n])
			for g := range n {
				want := Gaussians32(words[g])
				for k := range 4 {
					if math.Float32bits(dst[4*g+k]) != math.Float32bits(want[k]) {
						t.Fatalf("avx2 %v, n %d: group %d (%#x) number %d is %v, want %v", avx, n, g, words[g], k, dst[4*g+k], want[k])
					}
				}
			}
			if dst[4*n] != 42 {
				t.Fatalf("avx2 %v, n %d: wrote past the end", avx, n)
			}
		}
	})
}

func BenchmarkGaussians32Batch(b *testing.B) {
	dst := make([]float32, 4*256)
	benchBatch(b, func(src []byte) { Gaussians32Batch(dst, src) })
}
