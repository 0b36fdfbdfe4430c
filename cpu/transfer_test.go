package cpu

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
	"github.com/quenchlab/quench/stats"
)

func massLattice(t *testing.T, be *Backend, shape []int, m0 int64) (quench.Lattice, quench.Buffer) {
	t.Helper()
	lat, _ := quench.NewLattice(shape...)
	buf, _ := be.Alloc(quench.Int64, lat.Sites())
	m := make([]int64, lat.Sites())
	for i := range m {
		m[i] = m0
	}
	be.Upload(buf, m)
	return lat, buf
}

func total(be *Backend, buf quench.Buffer) (int64, []int64) {
	m := make([]int64, buf.Len())
	be.Download(m, buf)
	var s int64
	for _, v := range m {
		s += v
	}
	return s, m
}

// Mass is conserved exactly by kmp and transfer, and grows by exactly
// Injection per site and sweep under aggregation.
func TestMassConservation(t *testing.T) {
	be := New()
	for _, c := range []struct {
		rule  string
		shape []int
		inj   int64
	}{{"kmp", []int{64}, 0}, {"kmp", []int{8, 12}, 0}, {"transfer", []int{16, 6}, 0}, {"aggregation", []int{10, 10}, 12345}, {"aggregation", []int{30}, 0}} {
		lat, buf := massLattice(t, be, c.shape, 3*quench.MassUnit+7)
		start, _ := total(be, buf)
		p := &quench.MassTransferParams{Rule: c.rule, Injection: c.inj, Fraction: 0.3}
		for s := 0; s < 200; s++ {
			if err := be.MassTransfer(buf, lat, p, quench.Counter{Seed: 2, Step: uint64(s)}); err != nil {
				t.Fatal(err)
			}
		}
		got, m := total(be, buf)
		if want := start + 200*c.inj*lat.Sites(); got != want {
			t.Errorf("%s %v: total mass %d, want %d", c.rule, c.shape, got, want)
		}
		for _, v := range m {
			if v < 0 {
				t.Fatalf("%s: negative mass %d", c.rule, v)
			}
		}
	}
}

// KMP at uniform temperature: the stationary state is uniform on the
// simplex of the conserved total N T, so a site's mass is N T times a
// Beta(1, N-1) variable: <m^2> = 2T^2 N/(N+1) and
// <m^3> = 6T^3 N^2/((N+1)(N+2)), the exponential's 2T^2 and 6T^3 as
// N -> infinity.
func TestKMPExponential(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	be := New()
	const T = 1.5
	lat, buf := massLattice(t, be, []int{64, 64}, int64(T*quench.MassUnit))
	p := &quench.MassTransferParams{Rule: "kmp"}
	var m2, m3 []float64
	m := make([]int64, lat.Sites())
	for s := 0; s < 3000; s++ {
		be.MassTransfer(buf, lat, p, quench.Counter{Seed: 9, Step: uint64(s)})
		if s < 200 {
			continue
		}
		be.Download(m, buf)
		var a2, a3 float64
		for _, v := range m {
			x := float64(v) / quench.MassUnit
			a2 += x * x
			a3 += x * x * x
		}
		m2 = append(m2, a2/float64(len(m)))
		m3 = append(m3, a3/float64(len(m)))
	}
	e2, e3 := stats.Series(m2), stats.Series(m3)
	n := float64(lat.Sites())
	w2, w3 := 2*T*T*n/(n+1), 6*T*T*T*n*n/((n+1)*(n+2))
	t.Logf("<m^2> = %.4f +- %.4f (exact %.6f, %.2f sigma), <m^3> = %.4f +- %.4f (exact %.6f, %.2f sigma)",
		e2.Mean, e2.Err, w2, (e2.Mean-w2)/e2.Err, e3.Mean, e3.Err, w3, (e3.Mean-w3)/e3.Err)
	if !e2.Reliable || !e3.Reliable || math.Abs(e2.Mean-w2) > 4*e2.Err || math.Abs(e3.Mean-w3) > 4*e3.Err {
		t.Errorf("KMP moments not exponential: <m^2> %v +- %v, <m^3> %v +- %v", e2.Mean, e2.Err, e3.Mean, e3.Err)
	}
}

// Diffusion: a Fourier mode decays by exactly (1 - alpha*lambda_k) per step
// (lambda_k = 4 sin^2(pi k/L)), and the total is conserved to rounding.
func TestDiffusionMode(t *testing.T) {
	be := New()
	for _, shape := range [][]int{{64}, {8, 32}, {4, 4, 16}} {
		lat, _ := quench.NewLattice(shape...)
		n := lat.Sites()
		L := shape[len(shape)-1]
		u := make([]float64, n)
		for i := range u {
			u[i] = 1 + math.Cos(2*math.Pi*float64(i%L)/float64(L))
		}
		a, _ := be.Alloc(quench.Float64, n)
		b, _ := be.Alloc(quench.Float64, n)
		be.Upload(a, u)
		const alpha, steps = 0.1, 50
		for s := 0; s < steps; s++ {
			be.Diffuse(b, a, lat, alpha)
			a, b = b, a
		}
		be.Download(u, a)
		lambda := 4 * math.Pow(math.Sin(math.Pi/float64(L)), 2)
		decay := math.Pow(1-alpha*lambda, steps)
		var sum float64
		for i, v := range u {
			want := 1 + decay*math.Cos(2*math.Pi*float64(i%L)/float64(L))
			if math.Abs(v-want) > 1e-12 {
				t.Fatalf("%v: site %d is %v, want %v", shape, i, v, want)
			}
			sum += v
		}
		if math.Abs(sum-float64(n)) > 1e-9 {
			t.Errorf("%v: total %v, want %v", shape, sum, n)
		}
	}
}

// The class kernels (massClass: words massGroups groups at a time, one
// loop per rule, rows by pairs and their periodic bond apart) against the
// plain reference of the documented rules on random shapes: 1D and 2D,
// extents of 2 and rows that are not multiples of 4 (lines that start in
// the middle of a group), lines and rows longer than one fill of words,
// classes split into several blocks, on one goroutine and on several.
func TestMassTransferRandomShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	be := New()
	even := func(lo, hi int) int { return 2 * (lo/2 + r.IntN((hi-lo)/2+1)) }
	shapes := [][]int{{2}, {2, 2}, {4 * massGroups}, {4*massGroups + 2}, {2, 4*massGroups + 6}, {4*massGroups + 6, 2}, {6, 4*massGroups - 2}, {36000}, {10, 3002}}
	for range 30 {
		if r.IntN(3) == 0 {
			shapes = append(shapes, []int{even(2, 9000)})
		} else {
			shapes = append(shapes, []int{even(2, 40), even(2, 2200)})
		}
	}
	procs, avx := runtime.GOMAXPROCS(0), useAVX2
	defer func() { runtime.GOMAXPROCS(procs); useAVX2 = avx }()
	for i, shape := range shapes {
		runtime.GOMAXPROCS(1 + i%5)
		useAVX2 = avx && i%2 == 0 // the scalar loops too
		lat, _ := quench.NewLattice(shape...)
		for _, rule := range []string{"kmp", "aggregation", "transfer"} {
			p := &quench.MassTransferParams{Rule: rule, Injection: r.Int64N(1 << 20), Fraction: r.Float64()}
			want := make([]int64, lat.Sites())
			for x := range want {
				want[x] = r.Int64N(8 * quench.MassUnit)
			}
			buf, _ := be.Alloc(quench.Int64, lat.Sites())
			be.Upload(buf, want)
			for s := range 3 {
				ctr := quench.Counter{Seed: r.Uint64(), Replica: r.Uint32N(1 << 16), Step: r.Uint64N(1<<48) + uint64(s)}
				if err := be.MassTransfer(buf, lat, p, ctr); err != nil {
					t.Fatal(err)
				}
				backendtest.RefMassTransfer(want, lat, p, ctr)
			}
			got := make([]int64, lat.Sites())
			be.Download(got, buf)
			for x := range got {
				if got[x] != want[x] {
					t.Fatalf("%s %v: site %d has %d, want %d", rule, shape, x, got[x], want[x])
				}
			}
			be.Free(buf)
		}
	}
}

// The AVX2 rule loops against the scalar ones on any int64 masses (the
// products wrap alike), any words, fractions 0 to 2^32-1, every length up
// to 40 (the vector loops take multiples of 4, the scalar ones the rest).
func TestMassLoopsVector(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 (or purego)")
	}
	defer func() { useAVX2 = true }()
	r := rand.New(rand.NewPCG(3, 5))
	val := func() int64 {
		switch r.IntN(4) {
		case 0:
			return int64(r.Uint64())
		case 1:
			return r.Int64N(1 << 40)
		case 2:
			return -r.Int64N(1 << 40)
		}
		return []int64{0, 1, -1, math.MaxInt64, math.MinInt64, 1 << 32, 1<<32 - 1}[r.IntN(7)]
	}
	for iter := range 4000 {
		rule, n := iter%3, r.IntN(41)
		d32 := []uint64{0, 1, 1<<32 - 1, 1 << 31, r.Uint64N(1 << 32)}[r.IntN(5)]
		u := make([]uint32, 2*n)
		for i := range u {
			u[i] = []uint32{0, 1, math.MaxUint32, r.Uint32()}[r.IntN(4)]
		}
		m := make([]int64, 4*n)
		for i := range m {
			m[i] = val()
		}
		var out [2][]int64
		for k, avx := range []bool{false, true} {
			useAVX2 = avx
			a := append([]int64(nil), m...)
			massLine(rule, a[:n], a[n:2*n], u[:n], d32)
			massPairs(rule, a[2*n:], u, d32)
			out[k] = a
		}
		for i := range m {
			if out[0][i] != out[1][i] {
				t.Fatalf("rule %d, %d bonds, d32 %#x: mass %d is %d on AVX2, %d scalar", rule, n, d32, i, out[1][i], out[0][i])
			}
		}
	}
}
