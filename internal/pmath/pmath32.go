package pmath

import "math"

// float32 versions, for float32 kernels: four normals per Philox call and
// float32 arithmetic throughout (on a GPU, float32 operations issue at twice
// the float64 rate and the noise decides the speed of a Langevin step).
// Every operation is rounded to float32 explicitly, in the order that
// kernels/pmath.cuh repeats.

const (
	ln2Hi32  float32 = 0.693145751953125 // 0x3f317200: 15 significant bits
	ln2Lo32  float32 = 1.4286068203094173e-06
	sqrt232  float32 = 1.4142135
	piOver32 float32 = 0.7853982 // pi/4
)

var (
	// 1/9, 1/7, 1/5, 1/3, 1: 2 atanh(s)/(2s) in z = s^2 (|s| <= 0.1716:
	// the first term left out, z^5/11, is below 2e-9)
	logC32 = [...]float32{1.0 / 9, 1.0 / 7, 1.0 / 5, 1.0 / 3, 1}
	// sin(x)/x and cos(x) in z = x^2 to x^9 and x^10 (x <= pi/4: the
	// terms left out are below 3e-9 and 1.2e-10)
	sinC32 = [...]float32{1.0 / 362880, -1.0 / 5040, 1.0 / 120, -1.0 / 6, 1}
	cosC32 = [...]float32{-1.0 / 3628800, 1.0 / 40320, -1.0 / 720, 1.0 / 24, -0.5, 1}
)

// Log32 returns the natural logarithm of a positive, finite, normal x, by
// the same method as Log.
func Log32(x float32) float32 {
	b := math.Float32bits(x)
	e := int32(b>>23&0xFF) - 127
	m := math.Float32frombits(b&^(0xFF<<23) | 127<<23) // in [1, 2)
	if m > sqrt232 {
		m = float32(m * 0.5)
		e++
	}
	s := float32(float32(m-1) / float32(m+1))
	z := float32(s * s)
	p := logC32[0]
	for _, c := range logC32[1:] {
		p = float32(float32(p*z) + c)
	}
	logm := float32(float32(2*s) * p)
	fe := float32(e)
	return float32(float32(fe*ln2Hi32) + float32(float32(fe*ln2Lo32)+logm))
}

func sincos32(x float32) (sin, cos float32) {
	z := float32(x * x)
	sp := sinC32[0]
	for _, c := range sinC32[1:] {
		sp = float32(float32(sp*z) + c)
	}
	sin = float32(x * sp)
	cp := cosC32[0]
	for _, c := range cosC32[1:] {
		cp = float32(float32(cp*z) + c)
	}
	return sin, cp
}

// SinCos2Pi32 returns sin(2 pi u) and cos(2 pi u) for u in [0, 1) with at
// most 21 fractional bits below the octant (8u is then split exactly).
func SinCos2Pi32(u float32) (sin, cos float32) {
	t := float32(u * 8)
	oct := int(t)
	f := float32(t - float32(oct))
	if oct&1 == 1 {
		f = float32(1 - f)
	}
	s, c := sincos32(float32(f * piOver32))
	return octant(oct, s, c)
}

// boxMuller32 turns two words into two normals: u1 = (w0 + 1/2) 2^-32 in
// (0, 1] (w0 converted to float32 with rounding, so that small u1 keep
// their precision: the tail reaches 6.7 sigma), u2 = (w1 >> 8) 2^-24 in
// [0, 1), r = sqrt(-2 log u1), (r cos 2 pi u2, r sin 2 pi u2).
func boxMuller32(w0, w1 uint32) (g0, g1 float32) {
	u1 := float32(float32(float32(w0)+0.5) * 0x1p-32)
	u2 := float32(float32(w1>>8) * 0x1p-24)
	r := float32(math.Sqrt(float64(float32(-2 * Log32(u1)))))
	s, c := SinCos2Pi32(u2)
	return float32(r * c), float32(r * s)
}

// Gaussians32 turns four Philox words into four independent standard
// normal numbers: two Box-Muller pairs, from (w0, w1) and (w2, w3).
func Gaussians32(w [4]uint32) [4]float32 {
	g0, g1 := boxMuller32(w[0], w[1])
	g2, g3 := boxMuller32(w[2], w[3])
	return [4]float32{g0, g1, g2, g3}
}

// Coefficients32 returns copies of the float32 polynomial tables.
func Coefficients32() (log, sin, cos []float32) {
	return append([]float32(nil), logC32[:]...), append([]float32(nil), sinC32[:]...), append([]float32(nil), cosC32[:]...)
}

// Constants32 returns the float32 constants by their names in
// kernels/pmath.cuh.
func Constants32() map[string]float32 {
	return map[string]float32{"QUENCH_LN2HI32": ln2Hi32, "QUENCH_LN2LO32": ln2Lo32, "QUENCH_SQRT232": sqrt232, "QUENCH_PI_432": piOver32}
}
