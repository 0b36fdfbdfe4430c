package pmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSinCos2PiRandom: the batch functions against SinCos2Pi on 2^20
// random phases of every kind (random bits, huge, multiples of 1/8, NaNs
// of random payloads) at lengths with tails of 0 to 3, nothing written
// past the end; the sums at random strides (overlapping blocks too) and
// lengths, bit for bit.
func TestSinCos2PiRandom(t *testing.T) {
	if !hasAVX2 {
		t.Skip()
	}
	r := rand.New(rand.NewPCG(77, 1))
	n := 1 << 20
	u := make([]float64, n)
	u32 := make([]float32, n)
	for i := range u {
		switch r.IntN(5) {
		case 0:
			u[i] = math.Float64frombits(r.Uint64())
		case 1:
			u[i] = (r.Float64() - 0.5) * math.Ldexp(1, r.IntN(130)-64)
		case 2:
			u[i] = float64(r.Int64N(1<<40)-1<<39) / 8
		case 3:
			u[i] = math.Float64frombits(0x7FF0000000000000 | r.Uint64()&(1<<52-1) | r.Uint64()&(1<<63))
		default:
			u[i] = r.Float64()
		}
		u32[i] = math.Float32frombits(r.Uint32())
		if r.IntN(2) == 0 {
			u32[i] = float32(u[i])
		}
	}
	s, c := make([]float64, n), make([]float64, n)
	for _, m := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 13, n - 1, n} {
		for i := range s {
			s[i], c[i] = 42, 42
		}
		SinCos2PiBatch(s[:m], c[:m], u[:m])
		for i := range m {
			ws, wc := SinCos2Pi(u[i])
			if !sameBits(s[i], ws) || !sameBits(c[i], wc) {
				t.Fatalf("64 m=%d i=%d u=%x: %x %x want %x %x", m, i, math.Float64bits(u[i]), math.Float64bits(s[i]), math.Float64bits(c[i]), math.Float64bits(ws), math.Float64bits(wc))
			}
		}
		if m < n && (s[m] != 42 || c[m] != 42) {
			t.Fatalf("wrote past %d", m)
		}
		SinCos2PiBatch32(s[:m], c[:m], u32[:m])
		for i := range m {
			ws, wc := SinCos2Pi(float64(u32[i]))
			if !sameBits(s[i], ws) || !sameBits(c[i], wc) {
				t.Fatalf("32 m=%d i=%d", m, i)
			}
		}
		if m < n && (s[m] != 42 || c[m] != 42) {
			t.Fatalf("wrote past %d", m)
		}
	}
	// sums with random strides and lengths, no NaNs in the data
	for it := range 300 {
		nn := r.IntN(70)
		stride := nn + r.IntN(9)
		if it%3 == 0 {
			stride = r.IntN(nn + 1)
		}
		x := make([]float64, 3*stride+nn)
		x32 := make([]float32, len(x))
		for i := range x {
			x[i] = (r.Float64() - 0.5) * math.Ldexp(1, r.IntN(80)-20)
			if r.IntN(50) == 0 {
				x[i] = math.Inf(1 - 2*r.IntN(2))
			}
			x32[i] = float32(x[i])
		}
		if nn == 0 {
			continue
		}
		gc, gs := SinCos2PiSums(x, stride, nn)
		gc32, gs32 := SinCos2PiSums32(x32, stride, nn)
		for l := range 4 {
			var wc, ws, wc32, ws32 float64
			for i := range nn {
				sn, cs := SinCos2Pi(x[l*stride+i])
				wc += cs
				ws += sn
				sn, cs = SinCos2Pi(float64(x32[l*stride+i]))
				wc32 += float64(float32(cs))
				ws32 += float64(float32(sn))
			}
			if !sameBits(gc[l], wc) || !sameBits(gs[l], ws) || !sameBits(gc32[l], wc32) || !sameBits(gs32[l], ws32) {
				t.Fatalf("sums n %d stride %d lane %d", nn, stride, l)
			}
		}
	}
}
