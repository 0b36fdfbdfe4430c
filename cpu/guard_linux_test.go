//go:build linux && amd64 && !purego

package cpu

import (
	"math"
	"math/rand/v2"
	"syscall"
	"testing"
	"unsafe"

	"github.com/quenchlab/quench"
)

// The vector kernels read and write only inside their slices: each test
// here runs them on slices that abut a PROT_NONE page at their end or
// start, where one element too many faults (a Go heap slice would not:
// dropping divVec's guard on the d - 1 elements the 2D and 3D loads read
// past the last lane passed every other test and faulted here).

// guarded returns n elements of T whose end (atEnd) or start abuts a
// PROT_NONE page; there is a PROT_NONE page on both sides.
func guarded[T any](t testing.TB, n int, atEnd bool) []T {
	var z T
	sz := int(unsafe.Sizeof(z))
	const pg = 4096
	bytes := n * sz
	pages := (bytes+pg-1)/pg + 2
	if bytes == 0 {
		pages = 3
	}
	mem, err := syscall.Mmap(-1, 0, pages*pg, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mprotect(mem[:pg], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mprotect(mem[(pages-1)*pg:], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	maps = append(maps, mem)
	start := pg
	if atEnd {
		start = (pages-1)*pg - bytes
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&mem[start])), n)
}

var maps [][]byte

func skipNoAVX2(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2: the scalar code only")
	}
	t.Cleanup(freeMaps)
}

func freeMaps() {
	for _, m := range maps {
		syscall.Munmap(m)
	}
	maps = maps[:0]
}

// guardShape is a random shape of d axes for the guard tests: extents of
// 1 to short, the last (the rows) 1 to long, drawn in that order.
func guardShape(r *rand.Rand, d, short, long int) []int {
	shape := make([]int, d)
	for a := range shape {
		shape[a] = 1 + r.IntN(short)
	}
	shape[d-1] = 1 + r.IntN(long)
	return shape
}

func guardCopy[T any](t testing.TB, src []T, atEnd bool) []T {
	g := guarded[T](t, len(src), atEnd)
	copy(g, src)
	return g
}

func TestGuardModelB(t *testing.T) {
	skipNoAVX2(t)
	t.Run("f32", func(t *testing.T) { guardModelB[float32](t) })
	t.Run("f64", func(t *testing.T) { guardModelB[float64](t) })
}

func guardModelB[T flt](t *testing.T) {
	r := rand.New(rand.NewPCG(77, 78))
	for trial := range 600 {
		freeMaps()
		d := 1 + trial%9
		shape := guardShape(r, d, 3, 70)
		if trial%3 == 0 {
			shape[d-1] = 1 + 4*r.IntN(20)
		}
		if trial%6 == 0 {
			shape[d-1] = 1 + 8*r.IntN(10)
		}
		g := newFieldGeom(quench.Lattice{Shape: shape})
		n := int(g.n)
		atEnd := trial%2 == 0
		k := randCoeffs[T](r, false)
		phi := guardCopy(t, rowData[T](r, n, 0), atEnd)
		mu := guardCopy(t, rowData[T](r, n, 0), atEnd)
		cur := guardCopy(t, rowData[T](r, n*d, 0), atEnd)
		got := guarded[T](t, n, atEnd)
		want := make([]T, n)
		// every row through forRows (sequential per chunk), and some random runs
		withAVX2(true, func() {
			forRows(g, func(rr *rowRun) {
				nb := make([]T, rr.x1-rr.x0)
				nbRow(nb, mu, rr)
				modelBRow(got, phi, mu, nb, cur, rr, d, &k)
			})
		})
		withAVX2(false, func() {
			forRows(g, func(rr *rowRun) {
				nb := make([]T, rr.x1-rr.x0)
				nbRow(nb, mu, rr)
				modelBRow(want, phi, mu, nb, cur, rr, d, &k)
			})
		})
		if i := sameBits(got, want); i >= 0 {
			t.Fatalf("shape %v: site %d: %v vs %v", shape, i, got[i], want[i])
		}
		for range 5 {
			run := randRun(r, g)
			nb := guardCopy(t, rowData[T](r, int(run.x1-run.x0), 0), atEnd)
			got2 := guardCopy(t, got, atEnd)
			want2 := append([]T(nil), got...)
			if len(maps) > 2000 {
				t.Fatal("too many maps")
			}
			withAVX2(true, func() { modelBRow(got2, phi, mu, nb, cur, &run, d, &k) })
			withAVX2(false, func() { modelBRow(want2, phi, mu, nb, cur, &run, d, &k) })
			if i := sameBits(got2, want2); i >= 0 {
				t.Fatalf("run shape %v: site %d", shape, i)
			}
		}
	}
}

func TestGuardNbRow(t *testing.T) {
	skipNoAVX2(t)
	t.Run("f32", func(t *testing.T) { guardNb[float32](t) })
	t.Run("f64", func(t *testing.T) { guardNb[float64](t) })
}

func guardNb[T flt](t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	for trial := range 1500 {
		freeMaps()
		d := 1 + trial%6
		shape := guardShape(r, d, 3, 70)
		g := newFieldGeom(quench.Lattice{Shape: shape})
		atEnd := trial%2 == 0
		s := guardCopy(t, rowData[T](r, int(g.n), 0), atEnd)
		run := randRun(r, g)
		n := run.x1 - run.x0
		got, want := guarded[T](t, int(n), atEnd), make([]T, n)
		withAVX2(true, func() { nbRow(got, s, &run) })
		withAVX2(false, func() { nbRow(want, s, &run) })
		if i := sameBits(got, want); i >= 0 {
			t.Fatalf("shape %v col %d", shape, i)
		}
	}
}

func TestGuardDiffuse(t *testing.T) {
	skipNoAVX2(t)
	t.Run("f32", func(t *testing.T) { guardDiffuse[float32](t) })
	t.Run("f64", func(t *testing.T) { guardDiffuse[float64](t) })
}

// guardDiffuse: diffuse's vector update on a field and output that abut
// a PROT_NONE page, 1D to 3D, rows of 1 to 70 sites.
func guardDiffuse[T flt](t *testing.T) {
	r := rand.New(rand.NewPCG(6, 9))
	for trial := range 600 {
		freeMaps()
		d := 1 + trial%3
		shape := guardShape(r, d, 3, 70)
		g := newFieldGeom(quench.Lattice{Shape: shape})
		atEnd := trial%2 == 0
		u := guardCopy(t, rowData[T](r, int(g.n), 0), atEnd)
		got, want := guarded[T](t, int(g.n), atEnd), make([]T, g.n)
		z, alpha := T(2*d), T(r.Float64()*0.2)
		saved := diffNTBytes
		if trial%4 < 2 {
			diffNTBytes = 0 // the non-temporal stores
		}
		withAVX2(true, func() { diffuse(g, got, u, z, alpha) })
		diffNTBytes = saved
		withAVX2(false, func() { diffuse(g, want, u, z, alpha) })
		if i := sameBits(got, want); i >= 0 {
			t.Fatalf("shape %v site %d", shape, i)
		}
	}
}

func TestGuardParticles(t *testing.T) {
	skipNoAVX2(t)
	t.Run("f32", func(t *testing.T) { guardPart[float32](t) })
	t.Run("f64", func(t *testing.T) { guardPart[float64](t) })
}

func guardPart[T flt](t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 800 {
		freeMaps()
		baoab, dw := trial&1 != 0, trial&2 != 0
		n := trial / 4 % 50
		atEnd := trial%8 < 4
		k := randPC[T](r, false)
		x, v, xi := rowData[T](r, n, 0), rowData[T](r, n, 0), rowData[T](r, n, 0)
		gx, gv, gxi := guardCopy(t, x, atEnd), guardCopy(t, v, atEnd), guardCopy(t, xi, atEnd)
		withAVX2(true, func() { particleRow(gx, gv, gxi, &k, baoab, dw) })
		withAVX2(false, func() { particleRow(x, v, xi, &k, baoab, dw) })
		if i := sameBits(gx, x); i >= 0 {
			t.Fatalf("x %d", i)
		}
		if i := sameBits(gv, v); i >= 0 {
			t.Fatalf("v %d", i)
		}
	}
}

func TestGuardMass(t *testing.T) {
	skipNoAVX2(t)
	r := rand.New(rand.NewPCG(3, 4))
	for iter := range 3000 {
		freeMaps()
		rule, n := iter%3, r.IntN(41)
		atEnd := iter%2 == 0
		d32 := r.Uint64N(1 << 32)
		u := make([]uint32, 2*n)
		for i := range u {
			u[i] = r.Uint32()
		}
		m := make([]int64, 4*n)
		for i := range m {
			m[i] = int64(r.Uint64())
		}
		var out [2][]int64
		for kk, avx := range []bool{false, true} {
			withAVX2(avx, func() {
				a := guardCopy(t, m[:n], atEnd)
				b := guardCopy(t, m[n:2*n], atEnd)
				c := guardCopy(t, m[2*n:], atEnd)
				uu := guardCopy(t, u, atEnd)
				ul := guardCopy(t, u[:n], atEnd)
				massLine(rule, a, b, ul, d32)
				massPairs(rule, c, uu, d32)
				out[kk] = append(append(append([]int64(nil), a...), b...), c...)
			})
		}
		for i := range m {
			if out[0][i] != out[1][i] {
				t.Fatalf("rule %d n %d mass %d", rule, n, i)
			}
		}
	}
}

// Model B's divergence adds its currents' differences on to +0, as the
// scalar loop does: a sum of -0 differences is +0 there, and a vector
// kernel without that add gave -0 (phi = -0, the differences -0).
func TestModelBSignedZero(t *testing.T) {
	skipNoAVX2(t)
	negz := float32(math32negz())
	for _, d := range []int{1, 2, 3, 4} {
		shape := make([]int, d)
		for a := range shape {
			shape[a] = 1
		}
		shape[d-1] = 20
		g := newFieldGeom(quench.Lattice{Shape: shape})
		n := int(g.n)
		phi, mu, nb := make([]float32, n), make([]float32, n), make([]float32, n)
		cur := make([]float32, n*d)
		for i := range phi {
			phi[i], nb[i] = negz, -1
		}
		for i := range cur {
			if (i/d)%2 == 0 {
				cur[i] = negz
			}
		}
		k := kc[float32]{a: 0, amp: 1}
		run := rowRun{lx: int64(n), x0: 0, x1: int64(n), rm: make([]int64, d-1), rp: make([]int64, d-1)}
		got, want := make([]float32, n), make([]float32, n)
		withAVX2(true, func() { modelBRow(got, phi, mu, nb, cur, &run, d, &k) })
		withAVX2(false, func() { modelBRow(want, phi, mu, nb, cur, &run, d, &k) })
		if i := sameBits(got, want); i >= 0 {
			t.Fatalf("d %d site %d: vector %s scalar %s", d, i, bitsOf(got[i]), bitsOf(want[i]))
		}
	}
}

func math32negz() float32 { return math.Float32frombits(1 << 31) }

func TestGuardKuramoto(t *testing.T) {
	skipNoAVX2(t)
	t.Run("f32", func(t *testing.T) { guardKuramoto[float32](t) })
	t.Run("f64", func(t *testing.T) { guardKuramoto[float64](t) })
}

func guardKuramoto[T flt](t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for trial := range 400 {
		freeMaps()
		n := trial % 50
		atEnd := trial%2 == 0
		k := randPC[T](r, false)
		sc := [2]T{T(r.Float64()), T(r.Float64())}
		x, om, xi := rowData[T](r, n, 0), rowData[T](r, n, 0), rowData[T](r, n, 0)
		sn, cs := make([]float64, n), make([]float64, n)
		for i := range sn {
			sn[i], cs[i] = 2*r.Float64()-1, 2*r.Float64()-1
		}
		gx := guardCopy(t, x, atEnd)
		withAVX2(true, func() {
			kuramotoRow(gx, guardCopy(t, om, atEnd), guardCopy(t, xi, atEnd), guardCopy(t, sn, atEnd), guardCopy(t, cs, atEnd), &k, &sc)
		})
		withAVX2(false, func() { kuramotoRow(x, om, xi, sn, cs, &k, &sc) })
		if i := sameBits(gx, x); i >= 0 {
			t.Fatalf("n %d: phase %d", n, i)
		}
	}
}
