package pmath

import (
	"encoding/binary"
	"math"
)

// Gaussians32Batch writes Gaussians32 of each 16-byte group of src (four
// little-endian Philox words) to dst, four numbers a group: dst must hold
// len(src)/4 numbers. Where the CPU has AVX2 (useAVX2) it runs four groups
// at a time in vector registers (gaussians32x4): the same float32
// operations in the same order, lane by lane, so the same bits.
func Gaussians32Batch(dst []float32, src []byte) {
	n, i := vectorGroups(dst, src, 4, gaussians32x4)
	for ; i < n; i++ {
		g := Gaussians32(groupWords(src, i))
		copy(dst[4*i:4*i+4], g[:])
	}
}

// vectorGroups checks that dst holds per numbers for each of the n groups
// of src, runs vec on their whole blocks of four where the CPU has AVX2,
// and returns n and the groups done.
func vectorGroups[T float32 | float64](dst []T, src []byte, per int, vec func(dst *T, src *byte, blocks int)) (n, done int) {
	n = len(src) / 16
	if n == 0 {
		return 0, 0
	}
	// an index checks len(dst) >= per n (dst[per*n-1:] let one short
	// through, which the vector code and copy, within cap, then wrote past)
	_ = dst[per*n-1]
	if useAVX2 && n >= 4 {
		vec(&dst[0], &src[0], n/4)
		done = n / 4 * 4
	}
	return n, done
}

// groupWords reads group g of src: four little-endian words.
func groupWords(src []byte, g int) [4]uint32 {
	b := src[16*g : 16*g+16]
	return [4]uint32{binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:]),
		binary.LittleEndian.Uint32(b[8:]), binary.LittleEndian.Uint32(b[12:])}
}

// gaussConsts are gaussians32x4's constants, each broadcast to eight lanes
// (as float32 bits where the vector code uses them as floats); the order
// is the offsets' in batch32_amd64.s.
var gaussConsts = func() (c [18][8]uint32) {
	f := math.Float32bits
	vals := [18]uint32{
		1, f(0.5), f(0x1p-32), 0x4B0000, 127, 0x7F, 0x7FFFFF, 0x3F800000,
		f(-0.25), f(third32), f(ln2Lo32), f(ln2Hi32), f(-2), 0xFFFF, f(32768),
		f(twoPi24), f(sixth32), f(c24th32),
	}
	for k, v := range vals {
		for l := range 8 {
			c[k][l] = v
		}
	}
	return c
}()
