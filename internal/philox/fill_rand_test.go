package philox

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// FillGroups against Philox4x32_10 for random keys, counters (all bits of
// words 1..3, not only the group field), lengths that are not multiples of
// 16 or 128, and starts near the 32- and 48-bit wraps; guard bytes around
// dst and the tail past 16*n must be left alone.
func TestFillGroupsRandom(t *testing.T) {
	paths := vectorPaths()
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := range 3000 {
		p := paths[(iter/4)%len(paths)] // every path takes each of the four cases below
		withPath(t, p)
		k := Key{rng.Uint32(), rng.Uint32()}
		c := Counter{rng.Uint32(), rng.Uint32(), rng.Uint32(), rng.Uint32()}
		switch iter % 4 {
		case 1:
			c[0] = -uint32(rng.IntN(300))
		case 2:
			c[0] = -uint32(rng.IntN(300))
			c[1] |= 0xFFFF
		}
		ln := rng.IntN(16 * 300)
		buf := make([]byte, ln+64)
		for i := range buf {
			buf[i] = 0xA5
		}
		dst := buf[32 : 32+ln]
		FillGroups(dst, c, k)
		n := ln / 16
		group := uint64(c[1]&0xFFFF)<<32 | uint64(c[0])
		for g := range n {
			gg := group + uint64(g)
			r := Philox4x32_10(Counter{uint32(gg), uint32(gg>>32)&0xFFFF | c[1]&^0xFFFF, c[2], c[3]}, k)
			for w := range 4 {
				if got := binary.LittleEndian.Uint32(dst[16*g+4*w:]); got != r[w] {
					t.Fatalf("iter %d %s c %#x n %d: group %d word %d = %#x, want %#x", iter, p.name, c, n, g, w, got, r[w])
				}
			}
		}
		if !bytes.Equal(buf[:32], bytes.Repeat([]byte{0xA5}, 32)) || !bytes.Equal(buf[32+16*n:], bytes.Repeat([]byte{0xA5}, len(buf)-32-16*n)) {
			t.Fatalf("iter %d: bytes outside dst[:16n] written", iter)
		}
	}
}
