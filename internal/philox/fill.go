package philox

import "encoding/binary"

// Code in this file is the same ten rounds as Philox4x32_10, unrolled and
// run on two counters at once so their multiplications overlap.

// FillGroups writes the outputs of len(dst)/16 consecutive groups starting
// at counter c (group g is c with its 48-bit group field advanced by g) into
// dst, word 0 first, each word little-endian. len(dst) must be a multiple of
// 16. It equals calling Philox4x32_10 group by group. Where the CPU has
// AVX2 (useAVX2) it runs eight groups at a time in vector registers
// (fillGroups8; with AVX-512VL, useAVX512, fillGroups8v), the same
// integer operations lane by lane.
func FillGroups(dst []byte, c Counter, k Key) {
	group := uint64(c[1]&0xFFFF)<<32 | uint64(c[0])
	n := len(dst) / 16
	i := 0
	if useAVX2 && n >= 8 {
		var t consts8
		t.set(c, k)
		for i+8 <= n {
			g := group + uint64(i)
			// whole blocks of 8 before the group's low word wraps (the
			// vector code keeps word 1 fixed); the fewer than 8 groups
			// just before a wrap in scalar code, and vector code again
			// after it
			left := 1<<32 - uint64(uint32(g))
			if left < 8 {
				fillGroups2(dst[16*i:16*(i+int(left))], Counter{uint32(g), uint32(g>>32)&0xFFFF | c[1]&^0xFFFF, c[2], c[3]}, k)
				i += int(left)
				continue
			}
			blocks := min(uint64(n-i)/8, left/8)
			t.setWord1(uint32(g>>32)&0xFFFF | c[1]&^0xFFFF)
			if useAVX512 {
				fillGroups8v(&dst[16*i], int(blocks), uint32(g), &t)
			} else {
				fillGroups8(&dst[16*i], int(blocks), uint32(g), &t)
			}
			i += 8 * int(blocks)
		}
	}
	if i < n {
		g := group + uint64(i)
		fillGroups2(dst[16*i:16*n], Counter{uint32(g), uint32(g>>32)&0xFFFF | c[1]&^0xFFFF, c[2], c[3]}, k)
	}
}

// consts8 is what fillGroups8 reads besides vecConsts: the round keys
// and counter words 1 to 3, each broadcast to the eight lanes there.
type consts8 struct {
	keys       [10][2]uint32 // k0 + r W0, k1 + r W1 for round r
	w1, w2, w3 uint32
}

func (t *consts8) set(c Counter, k Key) {
	k0, k1 := k[0], k[1]
	for r := range t.keys {
		t.keys[r] = [2]uint32{k0, k1}
		k0 += W0
		k1 += W1
	}
	t.w1, t.w2, t.w3 = c[1], c[2], c[3]
}

func (t *consts8) setWord1(w uint32) { t.w1 = w }

// vecConsts are fillGroups8's vector constants: the multipliers, the
// lanes' group offsets 0..7 and the 8 a block adds.
var vecConsts = [4][8]uint32{
	{M0, M0, M0, M0, M0, M0, M0, M0},
	{M1, M1, M1, M1, M1, M1, M1, M1},
	{0, 1, 2, 3, 4, 5, 6, 7},
	{8, 8, 8, 8, 8, 8, 8, 8},
}

// fillGroups2 is FillGroups two groups at a time in scalar code.
func fillGroups2(dst []byte, c Counter, k Key) {
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

// Word0s writes to dst[i] word 0 of Philox4x32_10(c, k) with c's word 0
// replaced by w0[i] (len(dst) == len(w0)): the first word of many
// counters that differ in their group's low 32 bits only. Where the CPU
// has AVX2 it runs eight counters at a time (word0s8; with AVX-512VL
// word0s8v), the same integer operations lane by lane.
func Word0s(dst, w0 []uint32, c Counter, k Key) {
	n := len(w0)
	dst = dst[:n]
	i := 0
	if useAVX2 && n >= 8 {
		var t consts8
		t.set(c, k)
		i = n &^ 7
		if useAVX512 {
			word0s8v(&dst[0], &w0[0], i/8, &t)
		} else {
			word0s8(&dst[0], &w0[0], i/8, &t)
		}
	}
	for ; i < n; i++ {
		dst[i] = Philox4x32_10(Counter{w0[i], c[1], c[2], c[3]}, k)[0]
	}
}
