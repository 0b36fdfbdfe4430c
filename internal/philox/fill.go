package philox

import "encoding/binary"

// Code in this file is the same ten rounds as Philox4x32_10, unrolled and
// run on two counters at once so their multiplications overlap.

// FillGroups writes the outputs of len(dst)/16 consecutive groups starting
// at counter c (group g is c with its 48-bit group field advanced by g) into
// dst, word 0 first, each word little-endian. len(dst) must be a multiple of
// 16. It equals calling Philox4x32_10 group by group.
func FillGroups(dst []byte, c Counter, k Key) {
	group := uint64(c[1]&0xFFFF)<<32 | uint64(c[0])
	hi := c[1] &^ 0xFFFF
	n := len(dst) / 16
	i := 0
	for ; i+2 <= n; i += 2 {
		g0, g1 := group+uint64(i), group+uint64(i+1)
		a0x, a1x, a2x, a3x := uint32(g0), uint32(g0>>32)&0xFFFF|hi, c[2], c[3]
		a0y, a1y, a2y, a3y := uint32(g1), uint32(g1>>32)&0xFFFF|hi, c[2], c[3]
		k0, k1 := k[0], k[1]
		var p0x, p1x, p0y, p1y uint64
		p0x = uint64(a0x) * M0
		p1x = uint64(a2x) * M1
		a0x, a1x, a2x, a3x = uint32(p1x>>32)^a1x^k0, uint32(p1x), uint32(p0x>>32)^a3x^k1, uint32(p0x)
		p0y = uint64(a0y) * M0
		p1y = uint64(a2y) * M1
		a0y, a1y, a2y, a3y = uint32(p1y>>32)^a1y^k0, uint32(p1y), uint32(p0y>>32)^a3y^k1, uint32(p0y)
		k0 += W0
		k1 += W1
		p0x = uint64(a0x) * M0
		p1x = uint64(a2x) * M1
		a0x, a1x, a2x, a3x = uint32(p1x>>32)^a1x^k0, uint32(p1x), uint32(p0x>>32)^a3x^k1, uint32(p0x)
		p0y = uint64(a0y) * M0
		p1y = uint64(a2y) * M1
		a0y, a1y, a2y, a3y = uint32(p1y>>32)^a1y^k0, uint32(p1y), uint32(p0y>>32)^a3y^k1, uint32(p0y)
		k0 += W0
		k1 += W1
		p0x = uint64(a0x) * M0
		p1x = uint64(a2x) * M1
		a0x, a1x, a2x, a3x = uint32(p1x>>32)^a1x^k0, uint32(p1x), uint32(p0x>>32)^a3x^k1, uint32(p0x)
		p0y = uint64(a0y) * M0
		p1y = uint64(a2y) * M1
		a0y, a1y, a2y, a3y = uint32(p1y>>32)^a1y^k0, uint32(p1y), uint32(p0y>>32)^a3y^k1, uint32(p0y)
		k0 += W0
		k1 += W1
		p0x = uint64(a0x) * M0
		p1x = uint64(a2x) * M1
		a0x, a1x, a2x, a3x = uint32(p1x>>32)^a1x^k0, uint32(p1x), uint32(p0x>>32)^a3x^k1, uint32(p0x)
		p0y = uint64(a0y) * M0
		p1y = uint64(a2y) * M1
		a0y, a1y, a2y, a3y = uint32(p1y>>32)^a1y^k0, uint32(p1y), uint32(p0y>>32)^a3y^k1, uint32(p0y)
		k0 += W0
		k1 += W1
		p0x = uint64(a0x) * M0
		p1x = uint64(a2x) * M1
		a0x, a1x, a2x, a3x = uint32(p1x>>32)^a1x^k0, uint32(p1x), uint32(p0x>>32)^a3x^k1, uint32(p0x)
		p0y = uint64(a0y) * M0
		p1y = uint64(a2y) * M1
		a0y, a1y, a2y, a3y = uint32(p1y>>32)^a1y^k0, uint32(p1y), uint32(p0y>>32)^a3y^k1, uint32(p0y)
		k0 += W0
		k1 += W1
		p0x = uint64(a0x) * M0
		p1x = uint64(a2x) * M1
		a0x, a1x, a2x, a3x = uint32(p1x>>32)^a1x^k0, uint32(p1x), uint32(p0x>>32)^a3x^k1, uint32(p0x)
		p0y = uint64(a0y) * M0
		p1y = uint64(a2y) * M1
		a0y, a1y, a2y, a3y = uint32(p1y>>32)^a1y^k0, uint32(p1y), uint32(p0y>>32)^a3y^k1, uint32(p0y)
		k0 += W0
		k1 += W1
		p0x = uint64(a0x) * M0
		p1x = uint64(a2x) * M1
		a0x, a1x, a2x, a3x = uint32(p1x>>32)^a1x^k0, uint32(p1x), uint32(p0x>>32)^a3x^k1, uint32(p0x)
		p0y = uint64(a0y) * M0
		p1y = uint64(a2y) * M1
		a0y, a1y, a2y, a3y = uint32(p1y>>32)^a1y^k0, uint32(p1y), uint32(p0y>>32)^a3y^k1, uint32(p0y)
		k0 += W0
		k1 += W1
		p0x = uint64(a0x) * M0
		p1x = uint64(a2x) * M1
		a0x, a1x, a2x, a3x = uint32(p1x>>32)^a1x^k0, uint32(p1x), uint32(p0x>>32)^a3x^k1, uint32(p0x)
		p0y = uint64(a0y) * M0
		p1y = uint64(a2y) * M1
		a0y, a1y, a2y, a3y = uint32(p1y>>32)^a1y^k0, uint32(p1y), uint32(p0y>>32)^a3y^k1, uint32(p0y)
		k0 += W0
		k1 += W1
		p0x = uint64(a0x) * M0
		p1x = uint64(a2x) * M1
		a0x, a1x, a2x, a3x = uint32(p1x>>32)^a1x^k0, uint32(p1x), uint32(p0x>>32)^a3x^k1, uint32(p0x)
		p0y = uint64(a0y) * M0
		p1y = uint64(a2y) * M1
		a0y, a1y, a2y, a3y = uint32(p1y>>32)^a1y^k0, uint32(p1y), uint32(p0y>>32)^a3y^k1, uint32(p0y)
		k0 += W0
		k1 += W1
		p0x = uint64(a0x) * M0
		p1x = uint64(a2x) * M1
		a0x, a1x, a2x, a3x = uint32(p1x>>32)^a1x^k0, uint32(p1x), uint32(p0x>>32)^a3x^k1, uint32(p0x)
		p0y = uint64(a0y) * M0
		p1y = uint64(a2y) * M1
		a0y, a1y, a2y, a3y = uint32(p1y>>32)^a1y^k0, uint32(p1y), uint32(p0y>>32)^a3y^k1, uint32(p0y)
		d := dst[16*i : 16*i+32]
		binary.LittleEndian.PutUint32(d[0:], a0x)
		binary.LittleEndian.PutUint32(d[4:], a1x)
		binary.LittleEndian.PutUint32(d[8:], a2x)
		binary.LittleEndian.PutUint32(d[12:], a3x)
		binary.LittleEndian.PutUint32(d[16:], a0y)
		binary.LittleEndian.PutUint32(d[20:], a1y)
		binary.LittleEndian.PutUint32(d[24:], a2y)
		binary.LittleEndian.PutUint32(d[28:], a3y)
	}
	if i < n {
		g := group + uint64(i)
		r := Philox4x32_10(Counter{uint32(g), uint32(g>>32)&0xFFFF | hi, c[2], c[3]}, k)
		d := dst[16*i : 16*i+16]
		binary.LittleEndian.PutUint32(d[0:], r[0])
		binary.LittleEndian.PutUint32(d[4:], r[1])
		binary.LittleEndian.PutUint32(d[8:], r[2])
		binary.LittleEndian.PutUint32(d[12:], r[3])
	}
}
