package pmath

import (
	"math"
	"math/big"
	"testing"

	"github.com/quenchlab/quench/internal/philox"
)

// expRef is e^x to 200 bits, rounded to float64 once: the exponential's
// Taylor series at x/2^s, squared s times.
func expRef(x float64) float64 {
	const prec = 200
	s := 0
	for math.Abs(x)/math.Ldexp(1, s) > 0.25 {
		s++
	}
	r := new(big.Float).SetPrec(prec).SetMantExp(big.NewFloat(x).SetPrec(prec), -s)
	sum := new(big.Float).SetPrec(prec).SetInt64(1)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	for n := int64(1); n < 80; n++ {
		term.Mul(term, r)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(n))
		sum.Add(sum, term)
	}
	for range s {
		sum.Mul(sum, sum)
	}
	f, _ := sum.Float64()
	return f
}

// Exp against the math package (every sample) and against e^x to 200
// bits (a sample), over the whole range and the arguments the host's
// constants take (-beta dE, -gamma dt): within 2 ulp of math.Exp and of
// the exact value; exact at 0, the edges of float64's range as e^x has them.
func TestExpAccuracy(t *testing.T) {
	k := philox.KeyFromSeed(3)
	worstMath, worstRef := 0.0, 0.0
	check := func(x float64, ref bool) {
		got, want := Exp(x), math.Exp(x)
		if want < 0x1p-1022 { // subnormal: measure in the smallest subnormal's units
			if d := math.Abs(got-want) / math.SmallestNonzeroFloat64; d > 2 {
				t.Fatalf("Exp(%v) = %v, math.Exp %v: %v subnormal units apart", x, got, want, d)
			}
			return
		}
		if math.IsInf(want, 1) {
			// math.Exp's assembly on amd64 overflows from x = 1023.5 ln 2 = 709.44 on
			want, ref = expRef(x), false
		}
		u := ulps(got, want)
		worstMath = math.Max(worstMath, u)
		if u > 2 {
			t.Fatalf("Exp(%v) = %v, math.Exp %v (%.2f ulp)", x, got, want, u)
		}
		if ref {
			u := ulps(got, expRef(x))
			worstRef = math.Max(worstRef, u)
			if u > 2 {
				t.Fatalf("Exp(%v) = %v, e^x to 200 bits %v (%.2f ulp)", x, got, expRef(x), u)
			}
		}
	}
	for i := uint32(0); i < 300000; i++ {
		r := philox.Philox4x32_10(philox.Counter{i}, k)
		u := float64(uint64(r[1])<<32|uint64(r[0])) * 0x1p-64
		check(-745+u*(709.78+745), i%64 == 0) // the whole range
		check(-2+4*u, i%64 == 1)              // near 0: Metropolis at small beta dE, gamma dt
		check(math.Ldexp(u, -30)-0x1p-31, false)
	}
	for _, x := range []float64{-1, 1, 0.5, -0.5, math.Ln2 / 2, -math.Ln2 / 2, math.Ln2, 700, -700, -708, -740, 709.78} {
		check(x, true)
	}
	t.Logf("worst: %.3f ulp from math.Exp, %.3f ulp from e^x", worstMath, worstRef)
	for _, c := range []struct{ x, want float64 }{
		{0, 1}, {math.Copysign(0, -1), 1}, {math.Inf(1), math.Inf(1)}, {math.Inf(-1), 0}, {710, math.Inf(1)}, {-746, 0},
		{7.09782712893383973096e+02, expRef(7.09782712893383973096e+02)}, {math.Nextafter(7.09782712893383973096e+02, 800), math.Inf(1)},
		{-7.45133219101941108420e+02, math.SmallestNonzeroFloat64}, {math.Nextafter(-7.45133219101941108420e+02, -800), 0},
	} {
		if got := Exp(c.x); got != c.want {
			t.Errorf("Exp(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if got := Exp(math.NaN()); got == got {
		t.Errorf("Exp(NaN) = %v", got)
	}
}
