package pmath

import (
	"math"
	"testing"

	"github.com/quenchlab/quench/internal/philox"
)

// ulps is the distance between a and b in units in the last place of b.
func ulps(a, b float64) float64 {
	if a == b {
		return 0
	}
	return math.Abs(a-b) / math.Abs(math.Nextafter(b, math.Inf(1))-b)
}

const maxULP = 4 // "a few ulp" against the math package

func TestLogAccuracy(t *testing.T) {
	k := philox.KeyFromSeed(1)
	worst := 0.0
	check := func(x float64) {
		got, want := Log(x), math.Log(x)
		if want == 0 {
			if got != 0 {
				t.Errorf("Log(%v) = %v, want 0", x, got)
			}
			return
		}
		// near x = 1 the result is small: measure against the ulp of x-1 scale too
		u := ulps(got, want)
		if math.Abs(got-want) <= 1e-16*math.Abs(want)+1e-300 {
			u = math.Min(u, 1)
		}
		worst = math.Max(worst, u)
		if u > maxULP {
			t.Fatalf("Log(%v) = %v, math.Log = %v (%.1f ulp)", x, got, want, u)
		}
	}
	for i := uint32(0); i < 200000; i++ {
		r := philox.Philox4x32_10(philox.Counter{i}, k)
		check(1 - float64((uint64(r[1])<<32|uint64(r[0]))>>11)*0x1p-53) // the Box-Muller range
		// any positive normal number
		if b := (uint64(r[3])<<32 | uint64(r[2])) &^ (1 << 63); b>>52 != 0 && b>>52 != 0x7FF {
			check(math.Float64frombits(b))
		}
	}
	for _, x := range []float64{1, 0x1p-53, 0.5, math.Sqrt2, math.Sqrt2 * (1 + 0x1p-52), 2, math.E, 1e300, math.SmallestNonzeroFloat64 * 0x1p52} {
		check(x)
	}
	t.Logf("worst Log error: %.2f ulp", worst)
}

func TestSinCos2PiAccuracy(t *testing.T) {
	k := philox.KeyFromSeed(2)
	worst := 0.0
	for i := uint32(0); i < 200000; i++ {
		r := philox.Philox4x32_10(philox.Counter{i}, k)
		u := float64((uint64(r[1])<<32|uint64(r[0]))>>11) * 0x1p-53
		if i < 16 {
			u = float64(i) / 16 // octant boundaries
		}
		s, c := SinCos2Pi(u)
		ws, wc := math.Sincos(2 * math.Pi * u)
		// absolute error in units of 2^-53 (the values are bounded by 1),
		// less the reference's own error from rounding 2*pi*u
		slack := 2 * math.Pi * u
		es := math.Abs(s-ws)/0x1p-53 - slack
		ec := math.Abs(c-wc)/0x1p-53 - slack
		worst = math.Max(worst, math.Max(es, ec))
		if es > maxULP || ec > maxULP {
			t.Fatalf("SinCos2Pi(%v) = %v, %v; math: %v, %v", u, s, c, ws, wc)
		}
	}
	t.Logf("worst SinCos2Pi error: %.2f ulp of 1", worst)
}

func TestGaussianMoments(t *testing.T) {
	k := philox.KeyFromSeed(3)
	const n = 400000
	var s1, s2, s4 float64
	for i := uint32(0); i < n/2; i++ {
		g0, g1 := Gaussians(philox.Philox4x32_10(philox.Counter{i, 7}, k))
		for _, g := range []float64{g0, g1} {
			s1 += g
			s2 += g * g
			s4 += g * g * g * g
		}
	}
	m1, m2, m4 := s1/n, s2/n, s4/n
	// standard errors of the sample moments of N(0,1): 1, sqrt(2), sqrt(96)
	if math.Abs(m1) > 4/math.Sqrt(n) || math.Abs(m2-1) > 4*math.Sqrt(2.0/n) || math.Abs(m4-3) > 4*math.Sqrt(96.0/n) {
		t.Errorf("unexpected Gaussian moments: <g> %v <g^2> %v <g^4> %v", m1, m2, m4)
	}
}

// sincos on [0, pi/4], where the argument is exact for both, to a few ulp.
func TestSinCosKernel(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 100000; i++ {
		x := float64(i) / 100000 * piOver
		s, c := sincos(x)
		ws, wc := math.Sincos(x)
		u := math.Max(ulps(s, ws), ulps(c, wc))
		if x == 0 {
			u = math.Max(math.Abs(s), math.Abs(c-1))
		}
		worst = math.Max(worst, u)
		if u > maxULP {
			t.Fatalf("sincos(%v) = %v, %v; math: %v, %v", x, s, c, ws, wc)
		}
	}
	t.Logf("worst sincos error on [0, pi/4]: %.2f ulp", worst)
}

// GaussiansPair computes each lane as Gaussians does (Gaussians is its
// first lane; Log the first lane of logPair): the second lane, on random
// words, equals Gaussians of them.
func TestGaussiansPairLanes(t *testing.T) {
	k := philox.KeyFromSeed(19)
	for i := uint32(0); i < 300000; i++ {
		w, v := philox.Philox4x32_10(philox.Counter{i}, k), philox.Philox4x32_10(philox.Counter{i, 1}, k)
		g0, g1 := Gaussians(v)
		if _, _, v0, v1 := GaussiansPair(w, v); math.Float64bits(v0) != math.Float64bits(g0) || math.Float64bits(v1) != math.Float64bits(g1) {
			t.Fatalf("GaussiansPair(%x, %x) second lane %v %v, Gaussians %v %v", w, v, v0, v1, g0, g1)
		}
	}
}

// Recorded outputs of Gaussians32 and Gaussians (the bits the GPU kernels
// reproduce), so that a change to both lanes of the side-by-side code, or
// to the single-lane code before it, shows: Philox words of three
// counters (key 2026) and two edge words (u1 = 1, which gives signed
// zeros in float32, and the smallest u1).
func TestGaussiansRecorded(t *testing.T) {
	for _, c := range []struct {
		w   [4]uint32
		f32 [4]uint32
		f64 [2]uint64
	}{
		{[4]uint32{0x6e5b28e3, 0x85b7be5b, 0xb3ceb6b8, 0x4be9bf2c}, [4]uint32{0xbfa46b50, 0xbe39cf95, 0xbe781b5c, 0x3f4e0e6b},
			[2]uint64{0xbfd66cc34962f324, 0x3ff29fc8da96b18d}},
		{[4]uint32{0xca3cdd96, 0x365e395c, 0xd38b5c70, 0x52d45837}, [4]uint32{0x3e24acb0, 0x3f2ae3b0, 0xbe8cffbe, 0x3f0d87c7},
			[2]uint64{0xbfd3b7c2da35aa76, 0x3fe3cac893f0ab07}},
		{[4]uint32{0xf57bab8b, 0xd7110f68, 0x416f0fbd, 0xd9f2b523}, [4]uint32{0x3e1f179f, 0xbe7a53d4, 0x3f7b7506, 0xbfa9fa47},
			[2]uint64{0x3ff2380daa068747, 0xbff8a186dae7cfd4}},
		{[4]uint32{0xffffffff, 0, 0xffffff80, 0x12345678}, [4]uint32{0x80000000, 0x80000000, 0x80000000, 0x80000000},
			[2]uint64{0x3ef467f8837fb218, 0x3ee38dd098fc47ac}},
		{[4]uint32{0, 0x80000000, 1, 0xffffffff}, [4]uint32{0xc0d87047, 0, 0x40d32d4c, 0xb625ce91},
			[2]uint64{0x3ff2d6abe44afc43, 0xbe1d976f421bde0a}},
	} {
		g := Gaussians32(c.w)
		for i := range g {
			if math.Float32bits(g[i]) != c.f32[i] {
				t.Errorf("Gaussians32(%#x)[%d] = %#x, recorded %#x", c.w, i, math.Float32bits(g[i]), c.f32[i])
			}
		}
		if g0, g1 := Gaussians(c.w); math.Float64bits(g0) != c.f64[0] || math.Float64bits(g1) != c.f64[1] {
			t.Errorf("Gaussians(%#x) = %#x %#x, recorded %#x", c.w, math.Float64bits(g0), math.Float64bits(g1), c.f64)
		}
	}
}
