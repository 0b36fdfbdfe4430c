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
	l, _ := log32Pair(x, x)
	return l
}

// log32Pair is Log32 of x and of y, the two written side by side so that
// a CPU overlaps their dependency chains (Gaussians32 takes two at once).
func log32Pair(x, y float32) (float32, float32) {
	bx, by := math.Float32bits(x), math.Float32bits(y)
	ex, ey := int32((bx+0x4B0000)>>23)-127, int32((by+0x4B0000)>>23)-127 // +1 when the top 7 bits of m are >= 53
	tx, ty := &logTab32[bx>>16&0x7F], &logTab32[by>>16&0x7F]
	mx, my := math.Float32frombits(bx&0x7FFFFF|0x3F800000), math.Float32frombits(by&0x7FFFFF|0x3F800000)
	rx, ry := float32(float32(mx-tx[0])*tx[1]), float32(float32(my-ty[0])*ty[1])
	zx, zy := float32(rx*rx), float32(ry*ry)
	qx, qy := float32(float32(rx*-0.25)+third32), float32(float32(ry*-0.25)+third32)
	qx, qy = float32(float32(qx*rx)-0.5), float32(float32(qy*ry)-0.5)
	px, py := float32(float32(zx*qx)+rx), float32(float32(zy*qy)+ry)
	lx, ly := float32(tx[2]+px), float32(ty[2]+py)
	fx, fy := float32(ex), float32(ey)
	return float32(float32(fx*ln2Hi32) + float32(float32(fx*ln2Lo32)+lx)),
		float32(float32(fy*ln2Hi32) + float32(float32(fy*ln2Lo32)+ly))
}

// SinCos2Pi24 returns sin and cos of 2 pi a/2^24 for a < 2^24. The top 8
// bits of a pick one of 256 arcs, whose centre's sin S and cos C come
// from a table; the rest is an angle d with |d| <= pi/256, and
// sin = S + (C sin d - S (1 - cos d)), cos = C - (S sin d + C (1 - cos d))
// with sin d = d - d^3/6 and 1 - cos d = d^2/2 - d^4/24 (the terms left out
// are below 3e-12).
func SinCos2Pi24(a uint32) (sin, cos float32) {
	sin, cos, _, _ = sinCos2Pi24Pair(a, a)
	return sin, cos
}

// sinCos2Pi24Pair is SinCos2Pi24 of a and of b, side by side (log32Pair).
func sinCos2Pi24Pair(a, b uint32) (sa, ca, sb, cb float32) {
	ta, tb := &scTab32[a>>16&0xFF], &scTab32[b>>16&0xFF]
	da, db := float32(float32(float32(a&0xFFFF)-32768)*twoPi24), float32(float32(float32(b&0xFFFF)-32768)*twoPi24)
	za, zb := float32(da*da), float32(db*db)
	sda, sdb := float32(da-float32(float32(da*za)*sixth32)), float32(db-float32(float32(db*zb)*sixth32))
	eca, ecb := float32(za*float32(0.5-float32(za*c24th32))), float32(zb*float32(0.5-float32(zb*c24th32)))
	s0, c0, s1, c1 := ta[0], ta[1], tb[0], tb[1]
	sa = float32(s0 + float32(float32(c0*sda)-float32(s0*eca)))
	sb = float32(s1 + float32(float32(c1*sdb)-float32(s1*ecb)))
	ca = float32(c0 - float32(float32(s0*sda)+float32(c0*eca)))
	cb = float32(c1 - float32(float32(s1*sdb)+float32(c1*ecb)))
	return sa, ca, sb, cb
}

// Gaussians32 turns four Philox words into four independent standard
// normal numbers: two Box-Muller pairs, from (w0, w1) and (w2, w3), each
// as follows (computed side by side). u1 = (w0 + 1/2) 2^-32 in (0, 1] (w0
// converted to float32 with rounding, so that small u1 keep their
// precision: the tail reaches 6.7 sigma), a 24-bit phase a = w1 >> 8, r =
// sqrt(-2 log u1), (r cos 2 pi a/2^24, r sin 2 pi a/2^24).
func Gaussians32(w [4]uint32) [4]float32 {
	u0, u1 := float32(float32(float32(w[0])+0.5)*0x1p-32), float32(float32(float32(w[2])+0.5)*0x1p-32)
	l0, l1 := log32Pair(u0, u1)
	r0, r1 := float32(math.Sqrt(float64(float32(-2*l0)))), float32(math.Sqrt(float64(float32(-2*l1))))
	s0, c0, s1, c1 := sinCos2Pi24Pair(w[1]>>8, w[3]>>8)
	return [4]float32{float32(r0 * c0), float32(r0 * s0), float32(r1 * c1), float32(r1 * s1)}
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
