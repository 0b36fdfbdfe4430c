package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/quenchlab/quench"
)

// rowData is fieldData's values as a []T: NaNs of random payloads and
// signs (chance specials, with the infinities), zeros of both signs,
// subnormals, huge values whose sums and products overflow, tiny ones.
func rowData[T flt](r *rand.Rand, n int, specials float64) []T {
	if is32[T]() {
		return any(fieldData(r, quench.Float32, n, specials)).([]T)
	}
	return any(fieldData(r, quench.Float64, n, specials)).([]T)
}

// sameBits: a and b are the same bits, NaN payloads included, in an
// optimised build. The vector kernels follow the operand order of the
// scalar code as the compiler emits it (x86 returns the first operand's
// NaN), and a build instrumented for the race detector or coverage (or
// -gcflags=-N -l, which a test cannot detect) emits other orders: there
// two NaNs of any payload count as the same.
func sameBits[T flt](a, b []T) int {
	payloads := !raceBuild && testing.CoverMode() == ""
	for i := range a {
		if !payloads && a[i] != a[i] && b[i] != b[i] {
			continue
		}
		if is32[T]() {
			if math.Float32bits(float32(a[i])) != math.Float32bits(float32(b[i])) {
				return i
			}
		} else if math.Float64bits(float64(a[i])) != math.Float64bits(float64(b[i])) {
			return i
		}
	}
	return -1
}

// bitsOf formats a value's bits (a NaN's payload).
func bitsOf[T flt](v T) string {
	if is32[T]() {
		return fmt.Sprintf("%v (%#08x)", v, math.Float32bits(float32(v)))
	}
	return fmt.Sprintf("%v (%#016x)", v, math.Float64bits(float64(v)))
}

// withAVX2 runs f with useAVX2 set to on, restoring it after.
func withAVX2(on bool, f func()) {
	saved := useAVX2
	useAVX2 = on
	defer func() { useAVX2 = saved }()
	f()
}

// TestNbRowVec: nbRow with the vector sums (nbVec) gives the scalar
// code's sums bit for bit, NaN payloads included, on random runs of
// random rows (1 to 6 axes: 5 and 6 keep the scalar code; rows of 1 to 40
// sites for the tails, some longer; runs from any column, so any
// alignment) of random values with NaNs, infinities, signed zeros,
// subnormals and huge values.
func TestNbRowVec(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 (or purego): the scalar code only")
	}
	t.Run("float32", func(t *testing.T) { nbRowVec[float32](t) })
	t.Run("float64", func(t *testing.T) { nbRowVec[float64](t) })
}

func nbRowVec[T flt](t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 3000; trial++ {
		d := 1 + r.IntN(4)
		if trial%50 == 0 {
			d = 5 + r.IntN(2)
		}
		shape := make([]int, d)
		for a := range shape {
			shape[a] = 1 + r.IntN(4)
		}
		shape[d-1] = 1 + r.IntN(40)
		if trial%5 == 0 {
			shape[d-1] = 41 + r.IntN(300)
		}
		lat := quench.Lattice{Shape: shape}
		g := newFieldGeom(lat)
		s := rowData[T](r, int(g.n), []float64{0, 0.05, 0.5}[trial%3])
		run := randRun(r, g)
		n := run.x1 - run.x0
		got, want := rowData[T](r, int(n), 0.1), make([]T, n)
		copy(want, got)
		withAVX2(true, func() { nbRow(got, s, &run) })
		withAVX2(false, func() { nbRow(want, s, &run) })
		if i := sameBits(got, want); i >= 0 {
			t.Fatalf("shape %v row at %d, columns %d..%d: column %d: vector %s, scalar %s", shape, run.base, run.x0, run.x1, run.x0+int64(i), bitsOf(got[i]), bitsOf(want[i]))
		}
	}
}

// randRun is a random run of a random row of g (from any column), set up
// as forRows does.
func randRun(r *rand.Rand, g *fieldGeom) rowRun {
	d := len(g.shape)
	lx := g.shape[d-1]
	cu := g.at(r.Int64N(g.n/lx) * lx)
	run := rowRun{lx: lx, base: cu.n, rm: make([]int64, d-1), rp: make([]int64, d-1)}
	run.x0 = r.Int64N(lx)
	run.x1 = run.x0 + 1 + r.Int64N(lx-run.x0)
	for a := 0; a < d-1; a++ {
		run.rm[a], run.rp[a] = -g.stride[a], g.stride[a]
		if cu.c[a] == 0 {
			run.rm[a] = (g.shape[a] - 1) * g.stride[a]
		}
		if cu.c[a] == g.shape[a]-1 {
			run.rp[a] = -(g.shape[a] - 1) * g.stride[a]
		}
	}
	return run
}

// TestModelBRowVec: Model B's second pass (modelBRow) with the vector
// kernel (divVec: the link currents gathered, or loaded in 1D) gives the
// scalar loop's next bit for bit, NaN payloads included, on 3000 random
// runs of random rows (1 to 9 axes: 9 keeps the scalar code; rows of 1
// to 40 sites for the tails, some longer; runs from any column, with or
// without the wrapped x = 0; rows whose last vector ends at the lattice's
// last site, where the kernel takes one vector less so as not to read
// past the currents), random coefficients, and values of phi, mu,
// its neighbour sums and the currents with NaNs of random payloads,
// infinities, signed zeros, subnormals and huge values.
func TestModelBRowVec(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 (or purego): the scalar code only")
	}
	t.Run("float32", func(t *testing.T) { modelBRowVec[float32](t) })
	t.Run("float64", func(t *testing.T) { modelBRowVec[float64](t) })
}

func modelBRowVec[T flt](t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for trial := range 3000 {
		d := 1 + r.IntN(4)
		if trial%20 == 0 {
			d = 5 + r.IntN(5)
		}
		shape := make([]int, d)
		for a := range shape {
			shape[a] = 1 + r.IntN(3)
		}
		shape[d-1] = 1 + r.IntN(40)
		if trial%5 == 0 {
			shape[d-1] = 41 + r.IntN(300)
		}
		if trial%10 == 1 { // one row whose vectors end at the last site
			for a := range d - 1 {
				shape[a] = 1
			}
			shape[d-1] = 1 + 8*(1+r.IntN(5))
		}
		g := newFieldGeom(quench.Lattice{Shape: shape})
		run := randRun(r, g)
		if trial%4 == 0 || trial%10 == 1 {
			run.x0 = 0
		}
		if trial%10 == 1 {
			run.x1 = run.lx
		}
		specials := []float64{0, 0.05, 0.5}[trial%3]
		k := randCoeffs[T](r, specials > 0)
		n := int(g.n)
		phi, mu := rowData[T](r, n, specials), rowData[T](r, n, specials)
		nb, cur := rowData[T](r, int(run.x1-run.x0), specials), rowData[T](r, n*d, specials)
		got, want := rowData[T](r, n, specials), make([]T, n)
		copy(want, got)
		withAVX2(true, func() { modelBRow(got, phi, mu, nb, cur, &run, d, &k) })
		withAVX2(false, func() { modelBRow(want, phi, mu, nb, cur, &run, d, &k) })
		if i := sameBits(got, want); i >= 0 {
			t.Fatalf("shape %v row at %d, columns %d..%d, specials %v: site %d: vector %s, scalar %s (coefficients %+v)",
				shape, run.base, run.x0, run.x1, specials, i, bitsOf(got[i]), bitsOf(want[i]), k)
		}
	}
}

// randCoeffs are random kc: mostly plain values of either sign, some
// zeros, huge, tiny, subnormal, infinite or NaN (of random payloads), so
// that the products and sums overflow and meet NaNs in every operand.
func randCoeffs[T flt](r *rand.Rand, specials bool) kc[T] {
	var k kc[T]
	v := rowData[T](r, 13, 0.6)
	p := []*T{&k.z, &k.m2, &k.l, &k.h, &k.a, &k.amp, &k.hdt, &k.hdtm, &k.c1, &k.c2, &k.lin, &k.cub, &k.ah}
	for i, c := range p {
		*c = T(r.NormFloat64())
		if specials && r.IntN(2) == 0 {
			*c = v[i]
		}
	}
	return k
}

// TestPhi4StepVec: phi4Step with the vector kernels (nbRow's sums, the
// em/lm update, BAOAB's two passes, Model B's mu) gives the scalar code's
// fields bit for bit, NaN payloads included, for every scheme and both
// precisions, on 1D rings of 1 to 40 sites (every tail), 2D to 4D shapes,
// lattices whose chunks end inside a row (runs from any column), random
// coefficients and fields with NaNs, infinities, signed zeros,
// subnormals and huge values.
func TestPhi4StepVec(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 (or purego): the scalar code only")
	}
	shapes := rowShapes()
	for _, scheme := range []string{quench.SchemeEM, quench.SchemeLM, quench.SchemeBAOAB, quench.SchemeModelB} {
		t.Run(scheme, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(len(scheme)), 9))
			for i, shape := range shapes {
				for j := range 6 {
					specials := []float64{0, 0.02, 0.3}[(i+j)%3]
					phi4StepVec[float32](t, r, scheme, shape, specials)
					phi4StepVec[float64](t, r, scheme, shape, specials)
				}
			}
		})
	}
}

func phi4StepVec[T flt](t *testing.T, r *rand.Rand, scheme string, shape []int, specials float64) {
	t.Helper()
	lat := quench.Lattice{Shape: shape}
	g := newFieldGeom(lat)
	k := randCoeffs[T](r, specials > 0)
	ctr := quench.Counter{Seed: r.Uint64(), Step: r.Uint64N(1 << 40), Replica: r.Uint32()}
	n := int(g.n)
	var f [2][3][]T // phi, next, mom or mu: vector, scalar
	for j := range 3 {
		f[0][j] = rowData[T](r, n, specials)
		f[1][j] = append([]T(nil), f[0][j]...)
	}
	cur := make([]T, n*len(shape))
	withAVX2(true, func() { phi4Step(g, scheme, k, ctr, cur, f[0][:]...) })
	withAVX2(false, func() { phi4Step(g, scheme, k, ctr, cur, f[1][:]...) })
	for j, name := range []string{"phi", "next", "mom/mu"} {
		if i := sameBits(f[0][j], f[1][j]); i >= 0 {
			t.Fatalf("%s %v %T specials %v: %s at site %d: vector %s, scalar %s (coefficients %+v)",
				scheme, shape, k.a, specials, name, i, bitsOf(f[0][j][i]), bitsOf(f[1][j][i]), k)
		}
	}
}

// TestDiffuseVec: diffuse with the vector update (diffVec, with and
// without non-temporal stores) gives the scalar code's field bit for bit,
// NaN payloads included, in both precisions, on 1D rings of 1 to 40 sites (every tail), 2D to 4D
// shapes, lattices whose chunks end inside a row, random alphas (some
// special: huge, tiny, zero, negative) and fields with NaNs, infinities,
// signed zeros, subnormals and huge values.
func TestDiffuseVec(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 (or purego): the scalar code only")
	}
	shapes := rowShapes()
	r := rand.New(rand.NewPCG(5, 11))
	saved := diffNTBytes
	defer func() { diffNTBytes = saved }()
	for i, shape := range shapes {
		for j := range 6 {
			// every other one with the non-temporal stores (on the rows
			// that start 32-byte aligned)
			diffNTBytes = []int64{saved, 0}[j%2]
			specials := []float64{0, 0.02, 0.3}[(i+j)%3]
			diffuseVec[float32](t, r, shape, specials)
			diffuseVec[float64](t, r, shape, specials)
		}
	}
}

func diffuseVec[T flt](t *testing.T, r *rand.Rand, shape []int, specials float64) {
	t.Helper()
	lat := quench.Lattice{Shape: shape}
	g := newFieldGeom(lat)
	u := rowData[T](r, int(g.n), specials)
	alpha := T(r.NormFloat64() * 0.1)
	if specials > 0 && r.IntN(2) == 0 {
		alpha = rowData[T](r, 1, 0)[0]
	}
	z := T(2 * len(shape))
	var out [2][]T // vector, scalar
	for j, on := range []bool{true, false} {
		out[j] = rowData[T](r, int(g.n), 0) // overwritten everywhere
		withAVX2(on, func() { diffuse(g, out[j], u, z, alpha) })
	}
	if i := sameBits(out[0], out[1]); i >= 0 {
		t.Fatalf("%v %T specials %v alpha %v: site %d: vector %s, scalar %s",
			shape, alpha, specials, alpha, i, bitsOf(out[0][i]), bitsOf(out[1][i]))
	}
}

// rowShapes are the row kernels' test shapes: 1D rings of 1 to 40 sites
// (every tail), 2D to 4D shapes, lattices whose chunks end inside a row.
func rowShapes() [][]int {
	var shapes [][]int
	for n := 1; n <= 40; n++ {
		shapes = append(shapes, []int{n})
	}
	return append(shapes, []int{67}, []int{3, 37}, []int{5, 6}, []int{9, 17}, []int{2, 3, 19}, []int{3, 5, 7},
		[]int{4, 4, 16}, []int{2, 2, 2, 9}, []int{7, 3000}, []int{2, 9000, 3}, []int{2, 3, 2749})
}
