package pmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// GaussiansBatch against Gaussians group by group, with the vector code
// (where the CPU has it) and without: random words, and words at the
// edges of each step (u1 at 1 and 2^-53, at every power of two and around
// the mantissa's sqrt 2; u2 at and around every octant boundary and the
// ends of [0, 1)), lengths that leave a scalar tail.
func TestGaussiansBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	var words [][4]uint32
	for range 1 << 16 {
		words = append(words, [4]uint32{rng.Uint32(), rng.Uint32(), rng.Uint32(), rng.Uint32()})
	}
	// x = w1:w0 >> 11, u1 = 1 - x 2^-53; y = w3:w2 >> 11, u2 = y 2^-53
	var xs, ys []uint64
	for e := range 54 {
		for _, d := range []int64{-2, -1, 0, 1, 2} {
			xs = append(xs, uint64(int64(1)<<e+d)&(1<<53-1), (1<<53-uint64(int64(1)<<e+d))&(1<<53-1))
		}
	}
	// u1 = m/2 with the mantissa m at and around sqrt 2 exactly (the one
	// exponent where u1 = 1 - x 2^-53 can hold all of m's bits), where
	// logPair halves m above sqrt 2 and not at it
	m := 1<<52 | uint64(math.Float64bits(math.Sqrt2))&(1<<52-1)
	for d := range uint64(64) {
		xs = append(xs, 1<<53-(m+d-32))
	}
	for o := range uint64(9) { // octant boundaries
		for d := range uint64(64) {
			ys = append(ys, (o<<50+d-32)&(1<<53-1), (o<<50+d*(1<<20))&(1<<53-1))
		}
	}
	for i := range max(len(xs), len(ys)) {
		x, y := xs[i%len(xs)]<<11|uint64(i)&0x7FF, ys[i%len(ys)]<<11|uint64(i*3)&0x7FF
		words = append(words, [4]uint32{uint32(x), uint32(x >> 32), uint32(y), uint32(y >> 32)})
	}
	src := packWords(words)
	bothPaths(func(avx bool) {
		for _, n := range []int{len(words), len(words) - 1, len(words) - 2, 5, 4, 3, 1} {
			dst := make([]float64, 2*n+1)
			dst[2*n] = 42 // a guard past the end
			GaussiansBatch(dst[:2*n], src[:16*n])
			for g := range n {
				w0, w1 := Gaussians(words[g])
				if math.Float64bits(dst[2*g]) != math.Float64bits(w0) || math.Float64bits(dst[2*g+1]) != math.Float64bits(w1) {
					t.Fatalf("avx2 %v, n %d: group %d (%#x) gives %v %v, want %v %v", avx, n, g, words[g], dst[2*g], dst[2*g+1], w0, w1)
				}
			}
			if dst[2*n] != 42 {
				t.Fatalf("avx2 %v, n %d: wrote past the end", avx, n)
			}
		}
	})
}

func BenchmarkGaussiansBatch(b *testing.B) {
	dst := make([]float64, 2*256)
	benchBatch(b, func(src []byte) { GaussiansBatch(dst, src) })
}
