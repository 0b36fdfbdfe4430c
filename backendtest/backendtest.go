// Package backendtest is the conformance suite every quench backend must
// pass: buffers, the Ising kernels checked bit for bit against a plain
// sequential reference of the per-site rule, and deterministic reductions.
// A backend's own test calls Run(t, backend).
package backendtest

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/quenchlab/quench"
)

// Run runs the whole suite on b.
func Run(t *testing.T, b quench.Backend) {
	t.Run("Buffers", func(t *testing.T) { testBuffers(t, b) })
	t.Run("IsingSweep", func(t *testing.T) { testIsingSweep(t, b) })
	t.Run("IsingSums", func(t *testing.T) { testIsingSums(t, b) })
	t.Run("IsingPlanes", func(t *testing.T) { testIsingPlanes(t, b) })
	t.Run("Sum", func(t *testing.T) { testSum(t, b) })
	t.Run("FieldSums", func(t *testing.T) { testFieldSums(t, b) })
	t.Run("CenteredSums", func(t *testing.T) { testCenteredSums(t, b) })
	t.Run("Sandpile", func(t *testing.T) { Sandpile(t, b) })
	t.Run("HeightCounts", func(t *testing.T) { testHeightCounts(t, b) })
	t.Run("MassTransfer", func(t *testing.T) { testMassTransfer(t, b) })
	t.Run("Diffuse", func(t *testing.T) { testDiffuse(t, b) })
	t.Run("PhaseSumsStepper", func(t *testing.T) { testPhaseSumsStepper(t, b) })
}

func testBuffers(t *testing.T, b quench.Backend) {
	const n = 1000
	cases := []struct {
		dt       quench.DType
		src, dst any
	}{
		{quench.Int8, fill(make([]int8, n), func(i int) int8 { return int8(i%3 - 1) }), make([]int8, n)},
		{quench.Uint8, fill(make([]uint8, n), func(i int) uint8 { return uint8(i) }), make([]uint8, n)},
		{quench.Int32, fill(make([]int32, n), func(i int) int32 { return int32(i * 7919) }), make([]int32, n)},
		{quench.Float32, fill(make([]float32, n), func(i int) float32 { return float32(i) / 3 }), make([]float32, n)},
		{quench.Float64, fill(make([]float64, n), func(i int) float64 { return float64(i) / 7 }), make([]float64, n)},
		{quench.Int64, fill(make([]int64, n), func(i int) int64 { return int64(i) << 40 }), make([]int64, n)},
	}
	// twice: the second round's allocations may reuse the first's memory,
	// which held data, and must still start at zero
	for _, c := range append(cases, cases...) {
		buf, err := b.Alloc(c.dt, n)
		if err != nil {
			t.Fatalf("Alloc(%v): %v", c.dt, err)
		}
		if buf.DType() != c.dt || buf.Len() != n {
			t.Errorf("unexpected buffer: got %v/%d want %v/%d", buf.DType(), buf.Len(), c.dt, n)
		}
		dst := reflect.MakeSlice(reflect.TypeOf(c.dst), n, n).Interface()
		zero := fmt.Sprint(dst)
		if err := b.Download(dst, buf); err != nil {
			t.Fatalf("Download(%v): %v", c.dt, err)
		}
		if fmt.Sprint(dst) != zero {
			t.Errorf("a new %v buffer is not zero", c.dt)
		}
		if err := b.Upload(buf, c.src); err != nil {
			t.Fatalf("Upload(%v): %v", c.dt, err)
		}
		if err := b.Download(dst, buf); err != nil {
			t.Fatalf("Download(%v): %v", c.dt, err)
		}
		if fmt.Sprint(c.src) != fmt.Sprint(dst) {
			t.Errorf("round trip of %v changed the data", c.dt)
		}
		if err := b.Upload(buf, make([]int8, n+1)); err == nil {
			t.Errorf("Upload of a wrong slice into a %v buffer did not fail", c.dt)
		}
		if err := b.Free(buf); err != nil {
			t.Errorf("Free(%v): %v", c.dt, err)
		}
	}
	if free, total, err := b.MemInfo(); err == nil && (total == 0 || free > total) {
		t.Errorf("unexpected MemInfo: free %d total %d", free, total)
	}
	testFreedBuffers(t, b)
}

// testFreedBuffers: a freed buffer is refused with an error by the moves,
// the kernels and the reductions (a GPU kernel launched on it would fault
// on device address 0 and leave the backend unusable), a second Free does
// nothing, and the backend still works afterwards.
func testFreedBuffers(t *testing.T, b quench.Backend) {
	lat, _ := quench.NewLattice(4, 4)
	n := lat.Sites()
	tab, err := quench.NewIsingTable(2, quench.IsingParams{J: 1, Beta: 0.4, Algo: quench.Metropolis})
	if err != nil {
		t.Fatal(err)
	}
	spins, err := b.Alloc(quench.Int8, n)
	if err != nil {
		t.Fatal(err)
	}
	field, err := b.Alloc(quench.Float64, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, buf := range []quench.Buffer{spins, field} {
		if err := b.Free(buf); err != nil {
			t.Fatalf("Free: %v", err)
		}
		if err := b.Free(buf); err != nil {
			t.Errorf("second Free of a %v buffer: %v", buf.DType(), err)
		}
	}
	if err := b.Upload(spins, make([]int8, n)); err == nil {
		t.Errorf("Upload into a freed buffer did not fail")
	}
	if err := b.Download(make([]int8, n), spins); err == nil {
		t.Errorf("Download from a freed buffer did not fail")
	}
	if err := b.IsingSweep(spins, lat, tab, quench.Counter{Seed: 1}); err == nil {
		t.Errorf("IsingSweep on a freed buffer did not fail")
	}
	if _, err := b.IsingSums(spins, lat); err == nil {
		t.Errorf("IsingSums of a freed buffer did not fail")
	}
	if _, err := b.Sum(field); err == nil {
		t.Errorf("Sum of a freed buffer did not fail")
	}
	if _, err := b.FieldSums(field, &lat); err == nil {
		t.Errorf("FieldSums of a freed buffer did not fail")
	}
	// the backend is unharmed: a sweep of a live buffer and its sums
	live, err := b.Alloc(quench.Int8, n)
	if err != nil {
		t.Fatalf("Alloc after the refusals: %v", err)
	}
	defer b.Free(live)
	s := make([]int8, n)
	for i := range s {
		s[i] = 1
	}
	if err := b.Upload(live, s); err != nil {
		t.Fatalf("Upload after the refusals: %v", err)
	}
	if err := b.IsingSweep(live, lat, tab, quench.Counter{Seed: 1}); err != nil {
		t.Fatalf("IsingSweep after the refusals: %v", err)
	}
	got, err := b.IsingSums(live, lat)
	if err != nil {
		t.Fatalf("IsingSums after the refusals: %v", err)
	}
	RefIsingSweep(s, lat, tab, quench.Counter{Seed: 1})
	if want := RefIsingSums(s, lat); got != want {
		t.Errorf("sums after the refusals: got %+v want %+v", got, want)
	}
	if err := b.Sync(); err != nil {
		t.Errorf("Sync after the refusals: %v", err)
	}
}

func fill[T any](s []T, f func(i int) T) []T {
	for i := range s {
		s[i] = f(i)
	}
	return s
}

// sweepCase is one geometry and parameter set for the kernel checks.
type sweepCase struct {
	shape  []int
	p      quench.IsingParams
	sweeps int
}

func sweepCases() []sweepCase {
	return []sweepCase{
		{[]int{8, 8}, quench.IsingParams{J: 1, Beta: 0.44, Algo: quench.Metropolis}, 3},
		{[]int{6, 10}, quench.IsingParams{J: 1, H: 0.3, Beta: 0.3, Algo: quench.HeatBath}, 4},
		{[]int{4, 34}, quench.IsingParams{J: -1, H: 0.1, Beta: 0.5, Algo: quench.Metropolis}, 5},
		{[]int{64, 32}, quench.IsingParams{J: 0.7, H: -0.2, Beta: 0.6, Algo: quench.HeatBath}, 3},
		{[]int{2, 2}, quench.IsingParams{J: 1, Beta: 0.2, Algo: quench.Metropolis}, 7},
		{[]int{4, 6, 8}, quench.IsingParams{J: 1, Beta: 0.22, Algo: quench.Metropolis}, 3},
		{[]int{6, 4, 34}, quench.IsingParams{J: 1, H: 0.05, Beta: 0.25, Algo: quench.HeatBath}, 3},
		{[]int{12}, quench.IsingParams{J: 1, Beta: 0.5, Algo: quench.Metropolis}, 4},
		{[]int{4, 4, 2, 6}, quench.IsingParams{J: 1, Beta: 0.15, Algo: quench.HeatBath}, 3},
		{[]int{4, 4, 2, 6}, quench.IsingParams{J: 0.1, H: -0.5, Beta: 1, Algo: quench.Metropolis}, 3},
		{[]int{2, 4, 2, 4}, quench.IsingParams{J: 0.3, H: 0.7, Beta: 0.8, Algo: quench.HeatBath}, 4},
		// large enough that the CPU backend splits it across goroutines
		{[]int{256, 512}, quench.IsingParams{J: 1, H: 0.01, Beta: 0.42, Algo: quench.Metropolis}, 2},
		// at the edges of the GPU's choice of kernel (whole 32-site
		// segments in 2D and 3D, each site alone otherwise): rows of 48
		// (a multiple of 16 only), and a 4D lattice of 32-site rows
		{[]int{4, 48}, quench.IsingParams{J: 1, H: 0.1, Beta: 0.3, Algo: quench.HeatBath}, 3},
		{[]int{2, 2, 2, 32}, quench.IsingParams{J: 1, H: -0.1, Beta: 0.25, Algo: quench.Metropolis}, 3},
	}
}

func testIsingSweep(t *testing.T, b quench.Backend) {
	for i, c := range sweepCases() {
		lat, err := quench.NewLattice(c.shape...)
		if err != nil {
			t.Fatal(err)
		}
		tab, err := quench.NewIsingTable(lat.Dim(), c.p)
		if err != nil {
			t.Fatal(err)
		}
		n := lat.Sites()
		want := make([]int8, n)
		if err := quench.InitSpins(want, "hot", uint64(100+i), 0); err != nil {
			t.Fatal(err)
		}
		buf, err := b.Alloc(quench.Int8, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Upload(buf, want); err != nil {
			t.Fatal(err)
		}
		for step := 0; step < c.sweeps; step++ {
			ctr := quench.Counter{Seed: uint64(7 + i), Replica: uint32(i), Step: uint64(step)}
			if err := b.IsingSweep(buf, lat, tab, ctr); err != nil {
				t.Fatalf("IsingSweep for test %d: %v", i, err)
			}
			RefIsingSweep(want, lat, tab, ctr)
		}
		if err := b.Sync(); err != nil {
			t.Fatal(err)
		}
		got := make([]int8, n)
		if err := b.Download(got, buf); err != nil {
			t.Fatal(err)
		}
		for k := range got {
			if got[k] != want[k] {
				t.Errorf("unexpected spin for test %d (shape %v, %v): site %d got %d want %d", i, c.shape, c.p.Algo, k, got[k], want[k])
				break
			}
		}
		b.Free(buf)
	}
}

func testIsingSums(t *testing.T, b quench.Backend) {
	for i, c := range sweepCases() {
		lat, _ := quench.NewLattice(c.shape...)
		s := make([]int8, lat.Sites())
		quench.InitSpins(s, "hot", uint64(i), 3)
		buf, err := b.Alloc(quench.Int8, lat.Sites())
		if err != nil {
			t.Fatal(err)
		}
		Must(t, b.Upload(buf, s))
		got, err := b.IsingSums(buf, lat)
		if err != nil {
			t.Fatalf("IsingSums for test %d: %v", i, err)
		}
		if want := RefIsingSums(s, lat); got != want {
			t.Errorf("unexpected sums for test %d (shape %v): got %+v want %+v", i, c.shape, got, want)
		}
		// the Neel state (+1 where the coordinates add to an even number)
		// gives N, 0 and -d N, with no reference needed; an extent of 2
		// counts each of its bonds twice, as in the sweep
		neel := make([]int8, lat.Sites())
		cs := make([]int, lat.Dim())
		for n := range neel {
			coords(lat, int64(n), cs)
			neel[n] = 1
			for _, x := range cs {
				neel[n] *= int8(1 - 2*(x&1))
			}
		}
		Must(t, b.Upload(buf, neel))
		got, err = b.IsingSums(buf, lat)
		if err != nil {
			t.Fatalf("IsingSums for test %d: %v", i, err)
		}
		n := lat.Sites()
		if want := (quench.IsingSums{Mag: 0, Bond: -int64(lat.Dim()) * n, Stag: n}); got != want {
			t.Errorf("unexpected sums of the Neel state for test %d (shape %v): got %+v want %+v", i, c.shape, got, want)
		}
		b.Free(buf)
	}
}

// testIsingPlanes: IsingPlanes equals RefIsingPlanes, plain and
// staggered, on the sweep's lattices and three more (600 rows of 8, more
// than a byte counts; a last extent of 13, past whole words; odd extents
// 5x7x9, whose rows' coordinate sums are not their indices' parities),
// from hot starts and from starts with spins other than +1 and -1 (which
// the sums must add as they are); an output of the wrong length is
// refused.
func testIsingPlanes(t *testing.T, b quench.Backend) {
	shapes := [][]int{{600, 8}, {6, 10, 13}, {5, 7, 9}}
	for _, c := range sweepCases() {
		shapes = append(shapes, c.shape)
	}
	for i, shape := range shapes {
		lat, _ := quench.NewLattice(shape...)
		s := make([]int8, lat.Sites())
		buf, err := b.Alloc(quench.Int8, lat.Sites())
		if err != nil {
			t.Fatal(err)
		}
		for k, odd := range []bool{false, true} {
			quench.InitSpins(s, "hot", uint64(7*i+k), 1)
			if odd {
				for n := range s {
					if n%37 == 5 {
						s[n] = int8(n%5 - 2) // -2 to 2
					}
				}
			}
			Must(t, b.Upload(buf, s))
			for _, stag := range []bool{false, true} {
				got := make([]int64, quench.PlaneSumsLen(lat))
				if err := b.IsingPlanes(buf, lat, stag, got); err != nil {
					t.Fatalf("IsingPlanes on %v: %v", shape, err)
				}
				if want := RefIsingPlanes(s, lat, stag); !reflect.DeepEqual(got, want) {
					t.Errorf("unexpected plane sums on %v (other values %v, staggered %v): got %v want %v", shape, odd, stag, got, want)
				}
			}
		}
		if err := b.IsingPlanes(buf, lat, false, make([]int64, quench.PlaneSumsLen(lat)+1)); err == nil {
			t.Errorf("IsingPlanes on %v took an output one too long", shape)
		}
		b.Free(buf)
	}
}

// testSum: Sum equals RefSum bit for bit, on 1 to 128 blocks; on 128
// blocks with 2^53 (exact in float32 too) in block 0's first element and a
// 1 in every other block's, the groups of quench.SumGroup decide the
// total: 2^53 + 64 where the blocks one after another give 2^53.
func testSum(t *testing.T, b quench.Backend) {
	for _, n := range []int64{1, 4095, 4096, 4097, 3*quench.SumBlock + 17, 2 * quench.SumGroup * quench.SumBlock} {
		x64 := make([]float64, n)
		x32 := make([]float32, n)
		for i := range x64 {
			x64[i] = 1 / float64(i+1)
			if n == 2*quench.SumGroup*quench.SumBlock {
				x64[i] = 0
				if i%quench.SumBlock == 0 {
					x64[i] = 1
				}
			}
			x32[i] = float32(x64[i])
		}
		if n == 2*quench.SumGroup*quench.SumBlock {
			x64[0], x32[0] = 0x1p53, 0x1p53
		}
		for _, c := range []struct {
			dt   quench.DType
			data any
		}{{quench.Float64, x64}, {quench.Float32, x32}} {
			buf := Alloc(t, b, c.dt, n)
			Must(t, b.Upload(buf, c.data))
			got, err := b.Sum(buf)
			if err != nil {
				t.Fatal(err)
			}
			want := RefSum(c.data)
			if got != want { // exact: same partition, same order
				t.Errorf("unexpected %v sum of %d elements: got %v want %v", c.dt, n, got, want)
			}
			if n == 2*quench.SumGroup*quench.SumBlock && got != 0x1p53+64 {
				t.Errorf("%v: 2^53 and 127 ones in 128 blocks summed to %v, want 2^53 + 64 (by groups)", c.dt, got)
			}
			b.Free(buf)
		}
	}
}
