package pmath

import "math"

// log2E is 1/ln 2 rounded; it only picks k in Exp, where any rounding of
// it moves the reduced argument r by far less than its bound allows.
const log2E = 1.44269504088896340736

// expC holds 1/n!, n = 13 down to 2: (e^r - 1 - r)/r^2 in r. Degree 13
// leaves a truncation below 5e-18 relative for |r| <= ln(2)/2.
var expC = [...]float64{1.0 / 6227020800, 1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880,
	1.0 / 40320, 1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2}

// Exp returns e^x, within 2 ulp of the math package (tested), from IEEE
// +, -, *, / in one fixed order: the host computes with it the constants
// that decide a run's bits (the Ising thresholds, BAOAB's exp(-gamma dt)),
// which math.Exp would give differently on different machines (assembly
// on amd64, with fused multiply-adds where the CPU has them, and on
// arm64), so that a run and its twin on another machine (quench compare)
// read the same thresholds and coefficients.
//
//	x = k ln 2 + r, |r| <= ln(2)/2 (ln 2 split in two so k*ln2Hi is exact);
//	e^r = 1 + (r + r^2 (1/2! + r/3! + ... + r^11/13!));  e^x = e^r 2^k
func Exp(x float64) float64 {
	switch {
	case x != x:
		return x
	case x > 7.09782712893383973096e+02: // ln of the largest float64
		return math.Inf(1)
	case x < -7.45133219101941108420e+02: // e^x below half the smallest subnormal
		return 0
	}
	k := math.Floor(float64(x*log2E) + 0.5)
	r := (x - float64(k*ln2Hi)) - float64(k*ln2Lo)
	q := expC[0]
	for _, c := range expC[1:] {
		q = float64(q*r) + c
	}
	y := 1 + (r + float64(float64(r*r)*q))
	// 2^k by Ldexp, exact unless the result is subnormal, where its one
	// rounding is IEEE's (Ldexp is written in Go but for s390x)
	return math.Ldexp(y, int(k))
}
