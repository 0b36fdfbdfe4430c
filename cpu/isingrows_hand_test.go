package cpu

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
)

// TestIsingRowsHandTables: random whole-register shapes (2D and 3D,
// some big enough for the parallel path), hand-made tables with per-entry
// Hi in -3..259 (edges favoured) and random Lo, vector vs scalar vs
// reference, GOMAXPROCS 1 and 2.
func TestIsingRowsHandTables(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2")
	}
	defer func(saved int) { tieFlush = saved }(tieFlush)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	r := rand.New(rand.NewPCG(2024, 77))
	for it := 0; it < 150; it++ {
		d := 2 + r.IntN(2)
		shape := make([]int, d)
		for a := range shape {
			shape[a] = 2 * (1 + r.IntN(5))
		}
		if r.IntN(4) == 0 {
			shape[d-2] = 2 * (1 + r.IntN(200))
		}
		shape[d-1] = 32 * (1 + r.IntN(12))
		if it%5 == 0 { // parallel parts
			lx := 32 * (1 + r.IntN(4))
			if d == 2 {
				ny := 65536/lx + 2 + 2*r.IntN(300)
				shape = []int{ny + ny%2, lx}
			} else {
				ny := 2 * (1 + r.IntN(20))
				nz := 65536/(ny*lx) + 2 + 2*r.IntN(6)
				shape = []int{nz + nz%2, ny, lx}
			}
		}
		lat, err := quench.NewLattice(shape...)
		if err != nil {
			t.Fatal(err)
		}
		good, _ := quench.NewIsingTable(d, quench.IsingParams{J: 1, Beta: 0.4, Algo: quench.Metropolis})
		tab := &quench.IsingTable{Dim: d, Thr: slices.Clone(good.Thr), Hi: slices.Clone(good.Hi), Lo: slices.Clone(good.Lo)}
		for k := range tab.Hi {
			tab.Hi[k] = []int32{-3, -1, 0, 1, 2, 127, 254, 255, 256, 257, 259, int32(r.IntN(257))}[r.IntN(12)]
			tab.Lo[k] = r.Uint32() & 0xFFFFFF
		}
		s := make([]int8, lat.Sites())
		quench.InitSpins(s, []string{"hot", "cold"}[r.IntN(2)], uint64(it), 0)
		var ctrs []quench.Counter
		for step := range 2 {
			ctrs = append(ctrs, quench.Counter{Seed: uint64(it*7 + 1), Replica: uint32(it), Step: uint64(step + it)})
		}
		tieFlush = []int{tieCap, 1, 3, 17}[it%4]
		runtime.GOMAXPROCS(1 + it%2)
		vec := sweepWith(t, true, s, lat, tab, ctrs)
		sc := sweepWith(t, false, s, lat, tab, ctrs)
		if !slices.Equal(vec, sc) {
			t.Fatalf("it %d %v: vector and scalar differ at %d", it, shape, firstDiff(vec, sc))
		}
		if lat.Sites() <= 1<<15 {
			ref := slices.Clone(s)
			for _, c := range ctrs {
				backendtest.RefIsingSweep(ref, lat, tab, c)
			}
			if !slices.Equal(vec, ref) {
				t.Fatalf("it %d %v: vector and reference differ at %d", it, shape, firstDiff(vec, ref))
			}
		}
	}
}
