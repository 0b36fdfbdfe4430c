package pmath

import "math"

// float32 versions, for float32 kernels: four normals per Philox call and
// float32 arithmetic throughout (on a GPU, float32 operations issue at twice
// the float64 rate and the noise decides the speed of a Langevin step).
// Every operation is rounded to float32 explicitly, in the order that
// kernels/pmath.cuh repeats.

//go:generate go run gen32.go

// Log32 and SinCos2Pi24 are table-driven (tables32.go, written by gen32.go
// with the same bits as kernels/pmath_tables.cuh): a table entry and a
// short polynomial in a small remainder replace the division and the long
// polynomials of the float64 versions, about half the operations on a GPU.

const (
	ln2Hi32 float32 = 0.693145751953125 // 0x3f317200: 15 significant bits
	ln2Lo32 float32 = 1.4286068203094173e-06
	third32 float32 = 1.0 / 3
	sixth32 float32 = 1.0 / 6
	c24th32 float32 = 1.0 / 24
	// 2 pi / 2^24: the angle of one step of a 24-bit phase
	twoPi24 float32 = 2 * math.Pi / (1 << 24)
)

// Log32 returns the natural logarithm of a positive, finite, normal x.
// x = 2^e m with m in [1, 2); the top 7 bits of m pick an entry
// {C, 1/C, log C} with C the centre of m's interval (mantissas from
// 1.4140625 on are halved and e raised, so that the result has no
// cancellation near x = 1); m - C is exact, r = (m - C)/C is at most
// 2^-7, and log m = log C + log1p r with log1p r = r - r^2/2 + r^3/3 -
// r^4/4 (the first term left out, r^5/5, is below 2^-30 |r|).
func Log32(x float32) float32 {
	b := math.Float32bits(x)
	e := int32((b+0x4B0000)>>23) - 127 // +1 when the top 7 bits of m are >= 53
	t := &logTab32[b>>16&0x7F]
	m := math.Float32frombits(b&0x7FFFFF | 0x3F800000)
	r := float32(float32(m-t[0]) * t[1])
	z := float32(r * r)
	q := float32(float32(r*-0.25) + third32)
	q = float32(float32(q*r) - 0.5)
	p := float32(float32(z*q) + r)
	lm := float32(t[2] + p)
	fe := float32(e)
	return float32(float32(fe*ln2Hi32) + float32(float32(fe*ln2Lo32)+lm))
}

// SinCos2Pi24 returns sin and cos of 2 pi a/2^24 for a < 2^24. The top 8
// bits of a pick one of 256 arcs, whose centre's sin S and cos C come
// from a table; the rest is an angle d with |d| <= pi/256, and
// sin = S + (C sin d - S (1 - cos d)), cos = C - (S sin d + C (1 - cos d))
// with sin d = d - d^3/6 and 1 - cos d = d^2/2 - d^4/24 (the terms left out
// are below 3e-12).
func SinCos2Pi24(a uint32) (sin, cos float32) {
	t := &scTab32[a>>16&0xFF]
	d := float32(float32(float32(a&0xFFFF)-32768) * twoPi24)
	z := float32(d * d)
	sd := float32(d - float32(float32(d*z)*sixth32))
	ec := float32(z * float32(0.5-float32(z*c24th32)))
	s, c := t[0], t[1]
	sin = float32(s + float32(float32(c*sd)-float32(s*ec)))
	cos = float32(c - float32(float32(s*sd)+float32(c*ec)))
	return sin, cos
}

// boxMuller32 turns two words into two normals: u1 = (w0 + 1/2) 2^-32 in
// (0, 1] (w0 converted to float32 with rounding, so that small u1 keep
// their precision: the tail reaches 6.7 sigma), a 24-bit phase a = w1 >> 8,
// r = sqrt(-2 log u1), (r cos 2 pi a/2^24, r sin 2 pi a/2^24).
func boxMuller32(w0, w1 uint32) (g0, g1 float32) {
	u1 := float32(float32(float32(w0)+0.5) * 0x1p-32)
	r := float32(math.Sqrt(float64(float32(-2 * Log32(u1)))))
	s, c := SinCos2Pi24(w1 >> 8)
	return float32(r * c), float32(r * s)
}

// Gaussians32 turns four Philox words into four independent standard
// normal numbers: two Box-Muller pairs, from (w0, w1) and (w2, w3).
func Gaussians32(w [4]uint32) [4]float32 {
	g0, g1 := boxMuller32(w[0], w[1])
	g2, g3 := boxMuller32(w[2], w[3])
	return [4]float32{g0, g1, g2, g3}
}

// Tables32 returns copies of the float32 tables: {C, 1/C, log C, 0} per
// log entry and {sin, cos} per arc.
func Tables32() (log [][4]float32, sincos [][2]float32) {
	return append([][4]float32(nil), logTab32[:]...), append([][2]float32(nil), scTab32[:]...)
}

// Constants32 returns the float32 constants by their names in
// kernels/pmath.cuh.
func Constants32() map[string]float32 {
	return map[string]float32{"QUENCH_LN2HI32": ln2Hi32, "QUENCH_LN2LO32": ln2Lo32, "QUENCH_THIRD32": third32,
		"QUENCH_SIXTH32": sixth32, "QUENCH_C24TH32": c24th32, "QUENCH_2PI2432": twoPi24}
}
