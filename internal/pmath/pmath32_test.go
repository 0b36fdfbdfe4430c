package pmath

import (
	"fmt"
	"math"
	"testing"

	"github.com/quenchlab/quench/internal/philox"
)

// The float32 functions against float64 math (whose own error is far below
// a float32 ulp) keep to what docs/testing.md states, with a little room:
// measured 1.348 ulp for Log32 and 1.013 ulp of 1 for SinCos2Pi24, both
// over deterministic inputs (every phase, every float32 in [1/2, 2)), so a
// loss of accuracy well inside maxULP's "a few ulp" fails too.
const maxULP32Log, maxULP32SinCos = 1.4, 1.02

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
		if u > maxULP32Log {
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
	// every float32 in [1/2, 2): the binades next to 1, where the result
	// is small and a cancellation would show
	for b := math.Float32bits(0.5); b < math.Float32bits(2); b++ {
		check(math.Float32frombits(b))
	}
	for _, x := range []float32{1, 0x1p-33, 0.5, math.Sqrt2, math.Nextafter32(math.Sqrt2, 2), 2, math.E, 1e38, 1 - 0x1p-24} {
		check(x)
	}
	t.Logf("worst Log32 error: %.3f ulp", worst)
}

func TestSinCos2Pi24Accuracy(t *testing.T) {
	worst := 0.0
	check := func(a uint32) {
		s, c := SinCos2Pi24(a)
		ws, wc := math.Sincos(2 * math.Pi * float64(a) / (1 << 24))
		// absolute error in units of 2^-24 (the values are bounded by 1)
		es := math.Abs(float64(s)-ws) / 0x1p-24
		ec := math.Abs(float64(c)-wc) / 0x1p-24
		worst = math.Max(worst, math.Max(es, ec))
		if es > maxULP32SinCos || ec > maxULP32SinCos {
			t.Fatalf("SinCos2Pi24(%#x) = %v, %v; math: %v, %v", a, s, c, ws, wc)
		}
	}
	for a := uint32(0); a < 1<<24; a++ { // every phase
		check(a)
	}
	t.Logf("worst SinCos2Pi24 error over every phase: %.3f ulp of 1", worst)
}

// The tables are the float64 values rounded to float32: log entries C
// exact (the centre of the entry's mantissa interval, 1 and 2 at the
// ends), 1/C and log C (log C/2 from entry 53 on) rounded to nearest;
// sin and cos of the arc centres rounded to nearest. Each rounded value
// is within half an ulp (and a float64 rounding) of the exact one.
func TestTables32(t *testing.T) {
	near := func(what string, got float32, want float64) {
		t.Helper()
		if want == 0 {
			if got != 0 {
				t.Errorf("%s = %v, want 0", what, got)
			}
			return
		}
		if u := ulps32(got, want); u > 0.5+1e-6 {
			t.Errorf("%s = %v, exact %v (%.3f ulp)", what, got, want, u)
		}
	}
	logs, scs := Tables32()
	for i, e := range logs {
		c := 1 + float64(2*i+1)/256
		switch i {
		case 0:
			c = 1
		case 127:
			c = 2
		}
		if float64(e[0]) != c || e[3] != 0 {
			t.Errorf("log entry %d: C = %v, want %v", i, e[0], c)
		}
		l := math.Log(c)
		if i >= 53 {
			l = math.Log(c / 2)
		}
		near(fmt.Sprintf("1/C[%d]", i), e[1], 1/c)
		near(fmt.Sprintf("log C[%d]", i), e[2], l)
	}
	for k, e := range scs {
		s, c := math.Sincos(2 * math.Pi * (float64(k) + 0.5) / 256)
		near(fmt.Sprintf("sin[%d]", k), e[0], s)
		near(fmt.Sprintf("cos[%d]", k), e[1], c)
	}
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

// The side-by-side pairs compute each lane as the single functions do
// (Log32 and SinCos2Pi24 are their first lanes): the second lane, on
// random inputs, equals the first on the same input.
func TestPairsLanes(t *testing.T) {
	k := philox.KeyFromSeed(17)
	for i := uint32(0); i < 300000; i++ {
		r := philox.Philox4x32_10(philox.Counter{i, 5}, k)
		x := float32(float32(float32(r[0])+0.5) * 0x1p-32)
		y := math.Float32frombits(r[1]&0x7FFFFF | (r[1]>>23%254+1)<<23) // any positive normal
		if _, l := log32Pair(y, x); math.Float32bits(l) != math.Float32bits(Log32(x)) {
			t.Fatalf("log32Pair(%v, %v) second lane %v, Log32 %v", y, x, l, Log32(x))
		}
		a, b := r[2]>>8, r[3]>>8
		s, c := SinCos2Pi24(b)
		if _, _, s1, c1 := sinCos2Pi24Pair(a, b); math.Float32bits(s1) != math.Float32bits(s) || math.Float32bits(c1) != math.Float32bits(c) {
			t.Fatalf("sinCos2Pi24Pair(%#x, %#x) second lane %v %v, SinCos2Pi24 %v %v", a, b, s1, c1, s, c)
		}
	}
}
