package pmath

import "math"

// GaussiansBatch writes Gaussians of each 16-byte group of src (four
// little-endian Philox words) to dst, two numbers a group: dst must hold
// len(src)/8 numbers. Where the CPU has AVX2 (useAVX2) it runs four groups
// at a time in vector registers (gaussians64x4): the same float64
// operations in the same order, lane by lane, so the same bits.
func GaussiansBatch(dst []float64, src []byte) {
	n, i := vectorGroups(dst, src, 2, gaussians64x4)
	for ; i < n; i += 2 {
		a0, a1, b0, b1 := GaussiansPair(groupWords(src, i), groupWords(src, min(i+1, n-1)))
		dst[2*i], dst[2*i+1] = a0, a1
		if i+1 < n {
			dst[2*i+2], dst[2*i+3] = b0, b1
		}
	}
}

// gauss64Consts are gaussians64x4's constants, each broadcast to four
// lanes (float64 bits where the vector code uses them as floats); the
// order is the offsets' in batch64_amd64.s: 21 constants, then logC, sinC
// and cosC.
var gauss64Consts = func() (c [52][4]uint64) {
	f := math.Float64bits
	vals := []uint64{
		0x4330000000000000, f(0x1p52), 0xFFFFFFFF, f(0x1p32), f(0x1p-53), f(1), // 0-5
		0x7FF << 52, 1023 << 52, f(sqrt2), f(0.5), f(1023), f(2), // 6-11
		f(ln2Hi), f(ln2Lo), f(-2), f(8), f(piOver), 1, 2, 4, 1 << 63, // 12-20
	}
	for _, t := range [][]float64{logC[:], sinC[:], cosC[:]} { // 21-32, 33-41, 42-51
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
