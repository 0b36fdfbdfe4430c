// Package pmath holds the few transcendental functions whose results decide
// bits in quench kernels (the Gaussian noise of Langevin steps), written from
// IEEE +, -, *, / and sqrt only, in one fixed order of operations that
// kernels/pmath.cuh repeats exactly. Every product is converted explicitly
// (float64(a*b)) so that no compiler fuses it into a multiply-add; the CUDA
// side uses the _rn intrinsics for the same reason. Results agree with the
// math package to a few ulp (tested) and with the GPU bit for bit.
package pmath

import "math"

// Split of ln 2: ln2Hi has its low bits zero, so e*ln2Hi is exact for any
// binary exponent e.
const (
	ln2Hi  = 6.93147180369123816490e-01
	ln2Lo  = 1.90821492927058770002e-10
	sqrt2  = 1.41421356237309504880
	piOver = 0.78539816339744830962 // pi/4
)

// Log returns the natural logarithm of a positive, finite, normal x.
//
//	x = m * 2^e with m in [sqrt(2)/2, sqrt(2)); s = (m-1)/(m+1);
//	log m = 2 atanh s = 2s (1 + s^2/3 + s^4/5 + ... + s^22/23)
//	log x = e*ln2Hi + (e*ln2Lo + log m)
func Log(x float64) float64 {
	l, _ := logPair(x, x)
	return l
}

// logPair is Log of x and of y, the two written side by side so that a
// CPU overlaps their dependency chains (GaussiansPair).
func logPair(x, y float64) (float64, float64) {
	bx, by := math.Float64bits(x), math.Float64bits(y)
	ex, ey := int64(bx>>52&0x7FF)-1023, int64(by>>52&0x7FF)-1023
	mx, my := math.Float64frombits(bx&^(0x7FF<<52)|1023<<52), math.Float64frombits(by&^(0x7FF<<52)|1023<<52) // in [1, 2)
	if mx > sqrt2 {
		mx = float64(mx * 0.5)
		ex++
	}
	if my > sqrt2 {
		my = float64(my * 0.5)
		ey++
	}
	sx, sy := (mx-1)/(mx+1), (my-1)/(my+1)
	zx, zy := float64(sx*sx), float64(sy*sy)
	// Horner, highest term first: p = 1 + z/3 + z^2/5 + ... + z^11/23
	px, py := logC[0], logC[0]
	for _, c := range logC[1:] {
		px, py = float64(px*zx)+c, float64(py*zy)+c
	}
	lx, ly := float64(float64(2*sx)*px), float64(float64(2*sy)*py)
	fx, fy := float64(ex), float64(ey)
	return float64(fx*ln2Hi) + (float64(fx*ln2Lo) + lx), float64(fy*ln2Hi) + (float64(fy*ln2Lo) + ly)
}

// Polynomial coefficients, highest degree first; kernels/pmath.cuh holds the
// same values (TestCoefficientsMatchCUDA compares them).
var (
	// 1/23, 1/21, ..., 1/3, 1: 2 atanh(s)/(2s) in z = s^2
	logC = [...]float64{1.0 / 23, 1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15, 1.0 / 13, 1.0 / 11, 1.0 / 9, 1.0 / 7, 1.0 / 5, 1.0 / 3, 1}
	// (-1)^k/(2k+1)!, k = 8..0: sin(x)/x in z = x^2
	sinC = [...]float64{1.0 / 355687428096000, -1.0 / 1307674368000, 1.0 / 6227020800, -1.0 / 39916800,
		1.0 / 362880, -1.0 / 5040, 1.0 / 120, -1.0 / 6, 1}
	// (-1)^k/(2k)!, k = 9..0: cos(x) in z = x^2
	cosC = [...]float64{-1.0 / 6402373705728000, 1.0 / 20922789888000, -1.0 / 87178291200, 1.0 / 479001600,
		-1.0 / 3628800, 1.0 / 40320, -1.0 / 720, 1.0 / 24, -0.5, 1}
)

// sincos returns sin x and cos x for x in [0, pi/4] by Taylor polynomials
// to x^17 and x^18 (truncation below 1e-19).
func sincos(x float64) (sin, cos float64) {
	z := float64(x * x)
	// sin x = x (1 - z/3! + z^2/5! - ... - z^8/17!)
	sp := sinC[0]
	for _, c := range sinC[1:] {
		sp = float64(sp*z) + c
	}
	sin = float64(x * sp)
	// cos x = 1 - z/2! + z^2/4! - ... + z^9/18!
	cp := cosC[0]
	for _, c := range cosC[1:] {
		cp = float64(cp*z) + c
	}
	return sin, cp
}

// SinCos2Pi returns sin(2 pi u) and cos(2 pi u) for u in [0, 1): the octant
// is read off 8u exactly, and the angle inside it is at most pi/4.
func SinCos2Pi(u float64) (sin, cos float64) {
	t := float64(u * 8)
	oct := int(t)
	f := t - float64(oct)
	if oct&1 == 1 {
		f = 1 - f
	}
	s, c := sincos(float64(f * piOver))
	return octant(oct, s, c)
}

// octant maps sin and cos of the angle inside octant oct (mirrored in odd
// octants) to sin and cos of the full angle: s and c swap in octants 1, 2,
// 5, 6; sin is negative in 4..7, cos in 2..5 (kernels/pmath.cuh writes the
// same with selects).
func octant[T float32 | float64](oct int, s, c T) (T, T) {
	a, b := s, c
	if (oct+1)&2 != 0 {
		a, b = c, s
	}
	if oct&4 != 0 {
		a = -a
	}
	if (oct+2)&4 != 0 {
		b = -b
	}
	return a, b
}

// Gaussians turns four Philox words into two independent standard normal
// numbers by Box-Muller: u1 = 1 - (w1:w0 >> 11) 2^-53 in (0, 1],
// u2 = (w3:w2 >> 11) 2^-53 in [0, 1), r = sqrt(-2 log u1),
// (r cos 2 pi u2, r sin 2 pi u2).
func Gaussians(w [4]uint32) (g0, g1 float64) {
	g0, g1, _, _ = GaussiansPair(w, w)
	return g0, g1
}

// GaussiansPair is Gaussians of w and of v, side by side (logPair): a
// CPU computes the two about 1.4 times as fast as one after the other.
func GaussiansPair(w, v [4]uint32) (w0, w1, v0, v1 float64) {
	uw := 1 - float64(float64((uint64(w[1])<<32|uint64(w[0]))>>11)*0x1p-53)
	uv := 1 - float64(float64((uint64(v[1])<<32|uint64(v[0]))>>11)*0x1p-53)
	lw, lv := logPair(uw, uv)
	rw, rv := math.Sqrt(float64(-2*lw)), math.Sqrt(float64(-2*lv))
	sw, cw := SinCos2Pi(float64((uint64(w[3])<<32|uint64(w[2]))>>11) * 0x1p-53)
	sv, cv := SinCos2Pi(float64((uint64(v[3])<<32|uint64(v[2]))>>11) * 0x1p-53)
	return float64(rw * cw), float64(rw * sw), float64(rv * cv), float64(rv * sv)
}

// Coefficients returns copies of the polynomial tables (for the test that
// compares them with kernels/pmath.cuh).
func Coefficients() (log, sin, cos []float64) {
	return append([]float64(nil), logC[:]...), append([]float64(nil), sinC[:]...), append([]float64(nil), cosC[:]...)
}
