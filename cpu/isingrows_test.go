package cpu

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
	"github.com/quenchlab/quench/internal/philox"
)

// sweepWith runs sweeps of the CPU backend on a copy of s with the vector
// sweep on or off.
func sweepWith(t *testing.T, vec bool, s []int8, lat quench.Lattice, tab *quench.IsingTable, ctrs []quench.Counter) []int8 {
	t.Helper()
	defer func(saved bool) { useAVX2 = saved }(useAVX2)
	useAVX2 = vec
	b := New()
	buf, err := b.Alloc(quench.Int8, lat.Sites())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Free(buf)
	if err := b.Upload(buf, s); err != nil {
		t.Fatal(err)
	}
	for _, c := range ctrs {
		if err := b.IsingSweep(buf, lat, tab, c); err != nil {
			t.Fatal(err)
		}
	}
	got := make([]int8, lat.Sites())
	if err := b.Download(got, buf); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestIsingVecSweep checks the vector sweep (isingVec2, isingVec3 and
// vecTies, or isingRows2, isingRows3 and rowsTies for rows of whole
// registers, or isingFlat2, isingFlat3 and flatTies for the other rows
// of up to maxFlatLx sites) against the scalar one (swarBlocks, inner2, inner3) and the
// plain reference, bit for bit, on 2D and 3D shapes from the smallest to
// rows of several calls' worth of registers, both algorithms, fields and
// couplings of either sign, and temperatures from ones where every
// threshold is 0 or 2^32 (all undecided sites go to vecTies) to hot ones.
func TestIsingVecSweep(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2")
	}
	shapes := [][]int{
		{2, 2}, {4, 34}, {2, 36}, {6, 38}, {4, 64}, {10, 66}, {2, 96}, {8, 130},
		{4, 4100}, {64, 1030}, {2, 2, 36}, {4, 6, 40}, {4, 4, 64}, {6, 4, 98},
		{8, 8, 128}, {2, 4, 194}, {34, 34, 34}, {16, 16, 1026}, {2, 2, 4160},
		// rows of whole registers (wholeRows): one register, a few, more
		// than maxVecs
		{4, 32}, {2, 2, 32}, {6, 4, 32}, {10, 8, 64}, {4, 6, 96}, {2, 4096}, {2, 2, 4096},
		{70, 256}, {4, 40, 256}, {2, 2, 8192}, // and runs of rows split over calls
		// rows of other lengths (flatRows): rows of 2 sites (a 2D part of
		// exactly a register), planes of a register and a tail, regions
		// of several calls, 2D parts, the longest rows it takes and the
		// next ones, which it leaves
		{32, 2}, {2, 16, 2}, {4, 18, 2}, {4, 6, 10}, {6, 10, 12}, {4, 100, 100},
		{400, 200}, {2, 2, 254}, {4, 258}, {2, 2, 510}, {4, 510}, {4, 514}, {2, 2, 514},
		// parts in parallel with a tail, 3D and 2D
		{16, 50, 98}, {400, 202},
	}
	params := []quench.IsingParams{
		{J: 1, Beta: 0.44, Algo: quench.Metropolis},
		{J: 1, H: 0.1, Beta: 0.44, Algo: quench.HeatBath},
		{J: -1, H: 0.3, Beta: 0.25, Algo: quench.Metropolis},
		{J: 0.7, H: -0.2, Beta: 0.6, Algo: quench.HeatBath},
		{J: 1, Beta: 0.05, Algo: quench.HeatBath},
		{J: 1, H: -0.1, Beta: 0.01, Algo: quench.Metropolis},
		{J: 1, Beta: 40, Algo: quench.Metropolis}, // thresholds 0 and 2^32
		{J: -1, H: 0.5, Beta: 30, Algo: quench.HeatBath},
		{J: 1, Beta: 2.3, Algo: quench.HeatBath}, // high bytes 0 and 255
	}
	defer func(saved int) { tieFlush = saved }(tieFlush)
	for i, shape := range shapes {
		tieFlush = []int{tieCap, 1, 5}[i%3] // the list full, mid-part
		lat, err := quench.NewLattice(shape...)
		if err != nil {
			t.Fatal(err)
		}
		for k, p := range params {
			if lat.Sites() > 1<<16 && k%3 != 0 {
				continue // keep the big ones short
			}
			t.Run(fmt.Sprintf("%v/%d", shape, k), func(t *testing.T) {
				tab, err := quench.NewIsingTable(lat.Dim(), p)
				if err != nil {
					t.Fatal(err)
				}
				s := make([]int8, lat.Sites())
				if err := quench.InitSpins(s, "hot", uint64(31+i), uint32(k)); err != nil {
					t.Fatal(err)
				}
				var ctrs []quench.Counter
				for step := range 3 {
					ctrs = append(ctrs, quench.Counter{Seed: uint64(1000*i + k), Replica: uint32(k), Step: uint64(step)})
				}
				vec := sweepWith(t, true, s, lat, tab, ctrs)
				scalar := sweepWith(t, false, s, lat, tab, ctrs)
				if !slices.Equal(vec, scalar) {
					t.Fatalf("vector and scalar sweeps differ at site %d", firstDiff(vec, scalar))
				}
				if lat.Sites() <= 1<<16 {
					ref := slices.Clone(s)
					for _, c := range ctrs {
						backendtest.RefIsingSweep(ref, lat, tab, c)
					}
					if !slices.Equal(vec, ref) {
						t.Fatalf("vector sweep and reference differ at site %d", firstDiff(vec, ref))
					}
				}
			})
		}
	}
}

// TestIsingVecRandomShapes draws random 2D and 3D shapes (even extents,
// rows of 2 to 300 sites, a third of them whole registers) and tables and
// compares the vector and scalar sweeps.
func TestIsingVecRandomShapes(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2")
	}
	r := rand.New(rand.NewPCG(5, 11))
	for it := 0; it < 60; it++ {
		d := 2 + r.IntN(2)
		shape := make([]int, d)
		for a := range shape {
			shape[a] = 2 * (1 + r.IntN(6))
		}
		shape[d-1] = 2 * (1 + r.IntN(150))
		if it%3 == 0 {
			shape[d-1] = 32 * (1 + r.IntN(9)) // wholeRows
		}
		lat, err := quench.NewLattice(shape...)
		if err != nil {
			t.Fatal(err)
		}
		p := quench.IsingParams{J: 2*r.Float64() - 1, H: r.Float64() - 0.5, Beta: 0.05 + 3*r.Float64(), Algo: quench.Algo(1 + r.IntN(2))}
		if it%5 == 0 {
			p.Beta *= 20
		}
		tab, err := quench.NewIsingTable(d, p)
		if err != nil {
			t.Fatal(err)
		}
		s := make([]int8, lat.Sites())
		if err := quench.InitSpins(s, "hot", uint64(it), 0); err != nil {
			t.Fatal(err)
		}
		ctrs := []quench.Counter{{Seed: uint64(it), Step: 5}, {Seed: uint64(it), Step: 6}}
		vec := sweepWith(t, true, s, lat, tab, ctrs)
		scalar := sweepWith(t, false, s, lat, tab, ctrs)
		if !slices.Equal(vec, scalar) {
			t.Fatalf("%v %+v: vector and scalar sweeps differ at site %d", shape, p, firstDiff(vec, scalar))
		}
	}
}

// TestTieListFlush checks the batched second draws against tie, with
// phase-site indices on both sides of 2^32.
func TestTieListFlush(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	key := philox.KeyFromSeed(0x1234_5678_9ABC)
	for _, n := range []int{1, 7, 8, 9, 40, tieCap} {
		for _, base := range []uint64{0, 1<<32 - 20, 5 << 32} {
			var tl tieList
			spins := make([]int8, n)
			want := make([]int8, n)
			ctr := quench.Counter{Seed: 3, Replica: uint32(n), Step: base + 11}
			for i := range spins {
				spins[i] = int8(1 - 2*r.IntN(2))
				lo := r.Uint32() & 0xFFFFFF
				j := base + uint64(r.IntN(40))
				tl.add(unsafe.Pointer(&spins[i]), lo, j, key, ctr, 1)
				want[i] = spins[i] ^ (tie(lo, j, key, ctr, 1) & -2)
			}
			tl.flush(key, ctr, 1)
			if !slices.Equal(spins, want) {
				t.Fatalf("n %d base %#x: flushed ties differ from tie at %d", n, base, firstDiff(spins, want))
			}
			if tl.n != 0 || tl.site[0] != nil {
				t.Fatalf("flush left the list")
			}
		}
	}
}

func firstDiff(a, b []int8) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
