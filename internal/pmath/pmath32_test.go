package pmath

import (
	"math"
	"testing"

	"github.com/quenchlab/quench/internal/philox"
)

// ulps32 is the distance between a and the exact value b in float32 units
// in the last place of b.
func ulps32(a float32, b float64) float64 {
	ulp := float64(math.Nextafter32(float32(b), float32(math.Inf(1)))) - float64(float32(b))
	return math.Abs(float64(a)-b) / math.Abs(ulp)
}

func TestLog32Accuracy(t *testing.T) {
	k := philox.KeyFromSeed(11)
	worst := 0.0
	check := func(x float32) {
		got, want := Log32(x), math.Log(float64(x))
		if want == 0 {
			if got != 0 {
				t.Errorf("Log32(%v) = %v, want 0", x, got)
			}
			return
		}
		u := ulps32(got, want)
		worst = math.Max(worst, u)
		if u > maxULP {
			t.Fatalf("Log32(%v) = %v, math.Log = %v (%.1f ulp)", x, got, want, u)
		}
	}
	for i := uint32(0); i < 200000; i++ {
		r := philox.Philox4x32_10(philox.Counter{i}, k)
		check(float32(float32(float32(r[0])+0.5) * 0x1p-32)) // the Box-Muller range
		if b := r[1] &^ (1 << 31); b>>23 != 0 && b>>23 != 0xFF {
			check(math.Float32frombits(b)) // any positive normal number
		}
	}
	for _, x := range []float32{1, 0x1p-33, 0.5, math.Sqrt2, math.Nextafter32(math.Sqrt2, 2), 2, math.E, 1e38, 1 - 0x1p-24} {
		check(x)
	}
	t.Logf("worst Log32 error: %.2f ulp", worst)
}

func TestSinCos2Pi32Accuracy(t *testing.T) {
	k := philox.KeyFromSeed(12)
	worst := 0.0
	for i := uint32(0); i < 200000; i++ {
		r := philox.Philox4x32_10(philox.Counter{i}, k)
		u := float32(r[0]>>8) * 0x1p-24
		if i < 16 {
			u = float32(i) / 16 // octant boundaries
		}
		s, c := SinCos2Pi32(u)
		ws, wc := math.Sincos(2 * math.Pi * float64(u))
		// absolute error in units of 2^-24 (the values are bounded by 1)
		es := math.Abs(float64(s)-ws) / 0x1p-24
		ec := math.Abs(float64(c)-wc) / 0x1p-24
		worst = math.Max(worst, math.Max(es, ec))
		if es > maxULP || ec > maxULP {
			t.Fatalf("SinCos2Pi32(%v) = %v, %v; math: %v, %v", u, s, c, ws, wc)
		}
	}
	t.Logf("worst SinCos2Pi32 error: %.2f ulp of 1", worst)
}

// The four normals of a call: moments of N(0,1) to 4 sigma, each of the
// four positions separately and the correlation of the two members of a
// pair.
func TestGaussians32Moments(t *testing.T) {
	k := philox.KeyFromSeed(13)
	const calls = 250000
	var s1, s2, s4 [4]float64
	var c01 float64
	for i := uint32(0); i < calls; i++ {
		g := Gaussians32(philox.Philox4x32_10(philox.Counter{i, 9}, k))
		for j, v := range g {
			x := float64(v)
			s1[j] += x
			s2[j] += x * x
			s4[j] += x * x * x * x
		}
		c01 += float64(g[0]) * float64(g[1])
	}
	const n = calls
	for j := range s1 {
		m1, m2, m4 := s1[j]/n, s2[j]/n, s4[j]/n
		if math.Abs(m1) > 4/math.Sqrt(n) || math.Abs(m2-1) > 4*math.Sqrt(2.0/n) || math.Abs(m4-3) > 4*math.Sqrt(96.0/n) {
			t.Errorf("position %d: unexpected moments <g> %v <g^2> %v <g^4> %v", j, m1, m2, m4)
		}
	}
	if c := c01 / n; math.Abs(c) > 4/math.Sqrt(n) {
		t.Errorf("<g0 g1> = %v, want 0 within %v", c, 4/math.Sqrt(n))
	}
}
