package pmath

import "math"

// SinCos2PiBatch writes SinCos2Pi(u[i]) to sin[i] and cos[i] (sin and
// cos must hold len(u) numbers). Where the CPU has AVX2 (useAVX2) it runs
// four at a time in vector registers (sinCos2Pi64x4): SinCos2Pi's float64
// operations in its order, lane by lane, and its float-to-int conversion
// of 8u (int(t), which on amd64 gives math.MinInt64 for a NaN or for |t|
// >= 2^63) done exactly in floats, so the same bits for every u.
func SinCos2PiBatch(sin, cos, u []float64) {
	holds(len(sin), len(cos), len(u))
	i := 0
	if useAVX2 && len(u) >= 4 {
		sinCos2Pi64x4(&sin[0], &cos[0], &u[0], len(u)/4)
		i = len(u) / 4 * 4
	}
	for ; i < len(u); i++ {
		sin[i], cos[i] = SinCos2Pi(u[i])
	}
}

// holds panics unless sin and cos have n elements each: their lengths, not
// their capacities (slicing sin[:n] checks the capacity), as the vector
// code writes n/4*4 of each before the scalar loop would index past the
// end.
func holds(sin, cos, n int) {
	if sin < n || cos < n {
		panic("pmath: SinCos2PiBatch: sin and cos must hold len(u) numbers")
	}
}

// SinCos2PiBatch32 is SinCos2PiBatch of float64(u[i]) (float32 phases
// take the float64 sin and cos).
func SinCos2PiBatch32(sin, cos []float64, u []float32) {
	holds(len(sin), len(cos), len(u))
	i := 0
	if useAVX2 && len(u) >= 4 {
		sinCos2Pi32x4(&sin[0], &cos[0], &u[0], len(u)/4)
		i = len(u) / 4 * 4
	}
	for ; i < len(u); i++ {
		sin[i], cos[i] = SinCos2Pi(float64(u[i]))
	}
}

// SetVector turns the vector code of this package on or off (on only
// where the CPU and the build have it) and returns a function that
// restores the setting: for tests that compare both paths from other
// packages. It is not safe while the package's functions run.
func SetVector(on bool) (restore func()) {
	saved := useAVX2
	useAVX2 = on && hasAVX2
	return func() { useAVX2 = saved }
}

// SinCos2PiSums returns, for each of the four blocks b = x[l*stride :
// l*stride+n] (l = 0..3), c[l] = sum of the cos and s[l] = sum of the
// sin of SinCos2Pi(b[i]), each added left to right on to zero (c[l] +=
// cos, as quench.Reducer.PhaseSums adds a block). Where the CPU has AVX2
// the four blocks are the lanes of vector registers (sinCos2PiSums64), so
// each sum sees the same additions in the same order: the same bits.
func SinCos2PiSums(x []float64, stride, n int) (c, s [4]float64) {
	if n <= 0 {
		return c, s
	}
	_, _ = x[3*stride:], x[3*stride+n-1] // a negative stride too (the vector code reads every block)
	i := 0
	if useAVX2 && n >= 4 {
		var acc [2][4]float64
		sinCos2PiSums64(&acc, &x[0], 8*stride, n/4)
		c, s, i = acc[0], acc[1], n/4*4
	}
	for l := range 4 {
		for _, u := range x[l*stride+i : l*stride+n] {
			sn, cs := SinCos2Pi(u)
			c[l] += cs
			s[l] += sn
		}
	}
	return c, s
}

// SinCos2PiSums32 is SinCos2PiSums of float32 phases: the sin and cos of
// float64(b[i]), each rounded to float32 before it is added (in float64).
func SinCos2PiSums32(x []float32, stride, n int) (c, s [4]float64) {
	if n <= 0 {
		return c, s
	}
	_, _ = x[3*stride:], x[3*stride+n-1] // a negative stride too (the vector code reads every block)
	i := 0
	if useAVX2 && n >= 4 {
		var acc [2][4]float64
		sinCos2PiSums32(&acc, &x[0], 4*stride, n/4)
		c, s, i = acc[0], acc[1], n/4*4
	}
	for l := range 4 {
		for _, u := range x[l*stride+i : l*stride+n] {
			sn, cs := SinCos2Pi(float64(u))
			c[l] += float64(float32(cs))
			s[l] += float64(float32(sn))
		}
	}
	return c, s
}

// sinCosConsts are the vector sin and cos's constants, each broadcast to
// four lanes (float64 bits where the vector code uses them as floats);
// the order is the offsets' in sincos_amd64.s: 12 constants, then sinC
// and cosC.
var sinCosConsts = func() (c [31][4]uint64) {
	f := math.Float64bits
	vals := []uint64{
		f(8), 1<<63 - 1, f(0x1p63), f(-0x1p63), 0, f(0.125), // 0-5
		f(0x1p52), f(1), f(piOver), 1, 2, 1 << 63, // 6-11
	}
	for _, t := range [][]float64{sinC[:], cosC[:]} { // 12-20, 21-30
		for _, v := range t {
			vals = append(vals, f(v))
		}
	}
	for k, v := range vals {
		for l := range 4 {
			c[k][l] = v
		}
	}
	return c
}()
