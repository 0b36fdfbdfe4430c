//go:build exhaustive

package pmath

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// The one-off checks behind the batch tests, kept runnable but out of the
// suite (go test -tags exhaustive -run Exhaustive ./internal/pmath; about
// 75 s on two cores): Gaussians32Batch's vector code against Gaussians32 for
// every uint32 in every word position, and GaussiansBatch's against
// Gaussians on 2^22 random groups, a quarter of them with short or long
// runs of zero or one bits in the high words and zero low words.
func TestExhaustiveBatches(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2: nothing to compare")
	}
	const chunk = 1 << 16
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	bad := 0
	for wk := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			words := make([][4]uint32, chunk)
			dst := make([]float32, 4*chunk)
			for base := uint64(wk) * chunk; base < 1<<32; base += uint64(workers) * chunk {
				for i := range words {
					x := uint32(base) + uint32(i)
					words[i] = [4]uint32{x, x, x, x ^ 1<<31}
				}
				Gaussians32Batch(dst, packWords(words))
				for i, w := range words {
					want := Gaussians32(w)
					for k := range 4 {
						if math.Float32bits(dst[4*i+k]) != math.Float32bits(want[k]) {
							mu.Lock()
							if bad++; bad <= 10 {
								t.Errorf("float32 %#x number %d: %v, want %v", w, k, dst[4*i+k], want[k])
							}
							mu.Unlock()
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	rng := rand.New(rand.NewPCG(99, 1))
	words := make([][4]uint32, 1<<16)
	dst := make([]float64, 2*len(words))
	for it := range 64 {
		for i := range words {
			w := [4]uint32{rng.Uint32(), rng.Uint32(), rng.Uint32(), rng.Uint32()}
			switch it % 4 {
			case 1: // u1 near 1, u2 near 0
				w[1] >>= uint(rng.IntN(32))
				w[3] >>= uint(rng.IntN(32))
			case 2: // u1 near 0, u2 near 1
				w[1] |= ^uint32(0) << uint(rng.IntN(32))
				w[3] |= ^uint32(0) << uint(rng.IntN(32))
			case 3:
				w[0], w[2] = 0, 0
			}
			words[i] = w
		}
		GaussiansBatch(dst, packWords(words))
		for i, w := range words {
			a, b := Gaussians(w)
			if math.Float64bits(dst[2*i]) != math.Float64bits(a) || math.Float64bits(dst[2*i+1]) != math.Float64bits(b) {
				t.Fatalf("float64 %#x: %v %v, want %v %v", w, dst[2*i], dst[2*i+1], a, b)
			}
		}
	}
}
