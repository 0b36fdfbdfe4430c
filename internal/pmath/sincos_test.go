package pmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// sinCosInputs are the phases the vector sin and cos must treat as
// SinCos2Pi does, bit for bit: the octant boundaries k/8 (k = -40..40)
// and the ulps around them, +-0, subnormals, tiny and huge values, the
// ends of [0, 1), the boundaries of the float-to-int conversion of 8u
// (|8u| at 2^31, 2^52, 2^53, 2^63, where int(t) stops being exact),
// values whose 8u overflows, infinities, NaNs of several payloads and
// both signs, random bit patterns and random phases in [0, 1).
func sinCosInputs() []float64 {
	rng := rand.New(rand.NewPCG(3, 5))
	var u []float64
	around := func(x float64, k int) {
		y, z := x, x
		for range k {
			u = append(u, y, z)
			y, z = math.Nextafter(y, math.Inf(1)), math.Nextafter(z, math.Inf(-1))
		}
	}
	for k := -40; k <= 40; k++ {
		around(float64(k)/8, 24)
	}
	for _, e := range []int{28, 49, 50, 55, 56, 60, 61, 1020, 1023} { // 8u at 2^31, 2^52, 2^53, 2^58, 2^63, 2^64, overflow
		around(math.Ldexp(1, e), 8)
		around(-math.Ldexp(1, e), 8)
		around(math.Ldexp(1.5, e), 4)
		around(-math.Ldexp(1.5, e), 4)
	}
	around(math.MaxFloat64, 4)
	around(-math.MaxFloat64, 4)
	around(math.SmallestNonzeroFloat64, 8)
	around(math.Ldexp(1, -1022), 4)
	around(-math.Ldexp(1, -1022), 4)
	around(0x1p-30, 4)
	around(-0x1p-30, 4)
	u = append(u, 0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), -math.NaN(),
		math.Float64frombits(0x7FF0000000000001), math.Float64frombits(0xFFF8000000000123),
		math.Float64frombits(0x7FF4000000000000), 1, -1, 0.5, -0.5, 7.0/8, 1-0x1p-53, 1e300, -1e300, 1e-300, -1e-300)
	for range 1 << 14 {
		u = append(u, math.Float64frombits(rng.Uint64()))
		u = append(u, rng.Float64(), -rng.Float64(), float64(rng.Float32()))
		u = append(u, (rng.Float64()-0.5)*math.Ldexp(1, rng.IntN(140)-70))
		u = append(u, float64(rng.IntN(1<<20)-1<<19)/8+(rng.Float64()-0.5)*0x1p-40)
	}
	return u
}

func sameBits(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

// sameSum is sameBits but for two NaNs: where a sum meets a second NaN,
// which payload it keeps is the operand order the compiler chose for
// acc += term (unspecified, as in FieldSums), not the vector code's.
func sameSum(a, b float64) bool { return sameBits(a, b) || a != a && b != b }

// SinCos2PiBatch and SinCos2PiBatch32 against SinCos2Pi, bit for bit
// (NaN payloads too), with the vector code and without, at lengths and
// offsets that leave scalar tails.
func TestSinCos2PiBatch(t *testing.T) {
	u := sinCosInputs()
	u32 := make([]float32, len(u))
	for i, v := range u {
		u32[i] = float32(v)
	}
	bothPaths(func(avx bool) {
		for _, off := range []int{0, 1, 3} {
			for _, n := range []int{len(u) - off, len(u) - off - 1, len(u) - off - 2, 7, 4, 3, 1, 0} {
				sn, cs := make([]float64, n+1), make([]float64, n+1)
				sn[n], cs[n] = 42, 42 // guards past the end
				SinCos2PiBatch(sn[:n], cs[:n], u[off:off+n])
				for i := range n {
					ws, wc := SinCos2Pi(u[off+i])
					if !sameBits(sn[i], ws) || !sameBits(cs[i], wc) {
						t.Fatalf("avx2 %v: u = %v (%#x) gives %v %v (%#x %#x), want %v %v (%#x %#x)", avx, u[off+i], math.Float64bits(u[off+i]),
							sn[i], cs[i], math.Float64bits(sn[i]), math.Float64bits(cs[i]), ws, wc, math.Float64bits(ws), math.Float64bits(wc))
					}
				}
				SinCos2PiBatch32(sn[:n], cs[:n], u32[off:off+n])
				for i := range n {
					ws, wc := SinCos2Pi(float64(u32[off+i]))
					if !sameBits(sn[i], ws) || !sameBits(cs[i], wc) {
						t.Fatalf("avx2 %v: float32 u = %v gives %v %v, want %v %v", avx, u32[off+i], sn[i], cs[i], ws, wc)
					}
				}
				if sn[n] != 42 || cs[n] != 42 {
					t.Fatalf("avx2 %v: wrote past the end", avx)
				}
			}
		}
	})
}

// SinCos2PiSums and SinCos2PiSums32 against the blocks summed one by one
// with SinCos2Pi, left to right, bit for bit: the edge inputs (whose sums
// meet NaNs and infinities) and plain phases, at block lengths that
// leave scalar tails, strides longer than the blocks and offsets.
func TestSinCos2PiSums(t *testing.T) {
	edge := sinCosInputs()
	rng := rand.New(rand.NewPCG(9, 1))
	plain := make([]float64, 4*4096+64)
	for i := range plain {
		plain[i] = rng.Float64()
	}
	plain[5000] = 1 - 0x1p-53 // a term that rounds to 1 in float32
	for _, u := range [][]float64{edge, plain} {
		u32 := make([]float32, len(u))
		for i, v := range u {
			u32[i] = float32(v)
		}
		bothPaths(func(avx bool) {
			for _, g := range []struct{ off, stride, n int }{{0, 4096, 4096}, {1, 4096, 4096}, {3, 4100, 4095}, {0, 9, 9}, {2, 10, 7}, {0, 5, 3}, {0, 1, 1}, {0, 0, 0}} {
				if 3*g.stride+g.n+g.off > len(u) {
					continue
				}
				c, s := SinCos2PiSums(u[g.off:], g.stride, g.n)
				c32, s32 := SinCos2PiSums32(u32[g.off:], g.stride, g.n)
				for l := range 4 {
					var wc, ws, wc32, ws32 float64
					for i := range g.n {
						sn, cs := SinCos2Pi(u[g.off+l*g.stride+i])
						wc += cs
						ws += sn
						sn, cs = SinCos2Pi(float64(u32[g.off+l*g.stride+i]))
						wc32 += float64(float32(cs))
						ws32 += float64(float32(sn))
					}
					if !sameSum(c[l], wc) || !sameSum(s[l], ws) {
						t.Fatalf("avx2 %v, %+v, block %d: sums %v %v, want %v %v", avx, g, l, c[l], s[l], wc, ws)
					}
					if !sameSum(c32[l], wc32) || !sameSum(s32[l], ws32) {
						t.Fatalf("avx2 %v, %+v, block %d: float32 sums %v %v, want %v %v", avx, g, l, c32[l], s32[l], wc32, ws32)
					}
				}
			}
		})
	}
}

// SinCos2PiSums and SinCos2PiSums32 with the vector code give the scalar
// code's sums bit for bit where the phases are NaNs of random payloads and
// signs: which NaN a sum keeps where a term and the sum so far are both
// NaN is the scalar c[l] += cs's (the vector code's operand order,
// sincos_amd64.s), which TestSinCos2PiSums's sameSum leaves unchecked.
func TestSinCos2PiSumsNaNPayloads(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2: the scalar code only")
	}
	rng := rand.New(rand.NewPCG(9, 2))
	for _, rate := range []int{3, 50, 1000} {
		u := make([]float64, 4*4100)
		for i := range u {
			u[i] = rng.Float64()
			if rng.IntN(rate) == 0 {
				u[i] = math.Float64frombits(0x7FF8000000000000 | rng.Uint64()&(1<<51-1) | rng.Uint64()&(1<<63))
			}
		}
		u32 := make([]float32, len(u))
		for i, v := range u {
			u32[i] = float32(v)
		}
		for _, g := range []struct{ off, stride, n int }{{0, 4096, 4096}, {1, 4100, 4095}, {2, 10, 7}} {
			var c, s, c32, s32 [2][4]float64
			for k, vec := range []bool{false, true} {
				restore := SetVector(vec)
				c[k], s[k] = SinCos2PiSums(u[g.off:], g.stride, g.n)
				c32[k], s32[k] = SinCos2PiSums32(u32[g.off:], g.stride, g.n)
				restore()
			}
			for l := range 4 {
				if !sameBits(c[1][l], c[0][l]) || !sameBits(s[1][l], s[0][l]) || !sameBits(c32[1][l], c32[0][l]) || !sameBits(s32[1][l], s32[0][l]) {
					t.Fatalf("NaNs 1/%d, %+v, block %d: vector %x %x %x %x, scalar %x %x %x %x", rate, g, l,
						math.Float64bits(c[1][l]), math.Float64bits(s[1][l]), math.Float64bits(c32[1][l]), math.Float64bits(s32[1][l]),
						math.Float64bits(c[0][l]), math.Float64bits(s[0][l]), math.Float64bits(c32[0][l]), math.Float64bits(s32[0][l]))
				}
			}
		}
	}
}

func BenchmarkSinCos2PiBatch(b *testing.B) {
	u := make([]float64, 1024)
	for i := range u {
		u[i] = float64(i) / 1024
	}
	sn, cs := make([]float64, len(u)), make([]float64, len(u))
	bothPaths(func(avx bool) {
		b.Run(map[bool]string{false: "scalar", true: "avx2"}[avx], func(b *testing.B) {
			for b.Loop() {
				SinCos2PiBatch(sn, cs, u)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(u)), "ns/phase")
		})
	})
}

func BenchmarkSinCos2PiSums(b *testing.B) {
	u := make([]float64, 4*4096)
	for i := range u {
		u[i] = float64(i*7%4096) / 4096
	}
	bothPaths(func(avx bool) {
		b.Run(map[bool]string{false: "scalar", true: "avx2"}[avx], func(b *testing.B) {
			for b.Loop() {
				SinCos2PiSums(u, 4096, 4096)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(u)), "ns/phase")
		})
	})
}

// SinCos2PiBatch and SinCos2PiSums check their slices' lengths as the
// scalar code indexes them, on both paths: sin and cos shorter than u
// (with room in their capacity) panic and leave the elements past their
// length alone, and so do blocks at a negative stride, which the vector
// code would read before x.
func TestSinCos2PiBounds(t *testing.T) {
	panics := func(f func()) (p bool) {
		defer func() { p = recover() != nil }()
		f()
		return false
	}
	u := []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}
	u32 := []float32{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}
	bothPaths(func(avx bool) {
		for _, short := range []int{0, 1} { // sin short, cos short
			sn, cs := make([]float64, 8), make([]float64, 8)
			ls, lc := 8, 8
			if short == 0 {
				ls = 4
			} else {
				lc = 4
			}
			if !panics(func() { SinCos2PiBatch(sn[:ls], cs[:lc], u) }) {
				t.Errorf("avx2 %v: SinCos2PiBatch into %d sines and %d cosines of 8 phases did not panic", avx, ls, lc)
			}
			if !panics(func() { SinCos2PiBatch32(sn[:ls], cs[:lc], u32) }) {
				t.Errorf("avx2 %v: SinCos2PiBatch32 into %d sines and %d cosines of 8 phases did not panic", avx, ls, lc)
			}
			for i := 4; i < 8; i++ {
				if short == 0 && sn[i] != 0 || short == 1 && cs[i] != 0 {
					t.Errorf("avx2 %v: element %d past the end of a slice of 4 written", avx, i)
				}
			}
		}
		x := make([]float64, 32)
		x32 := make([]float32, 32)
		if !panics(func() { SinCos2PiSums(x[16:], -4, 16) }) {
			t.Errorf("avx2 %v: SinCos2PiSums at stride -4 did not panic", avx)
		}
		if !panics(func() { SinCos2PiSums32(x32[16:], -4, 16) }) {
			t.Errorf("avx2 %v: SinCos2PiSums32 at stride -4 did not panic", avx)
		}
	})
}
