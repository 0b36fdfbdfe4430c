package philox

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// Known answers from Random123's kat_vectors for philox4x32_10.
func TestKnownAnswers(t *testing.T) {
	tests := []struct {
		c    Counter
		k    Key
		want [4]uint32
	}{
		{Counter{0, 0, 0, 0}, Key{0, 0}, [4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{Counter{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, Key{0xffffffff, 0xffffffff},
			[4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{Counter{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, Key{0xa4093822, 0x299f31d0},
			[4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	}
	for i, tc := range tests {
		if got := Philox4x32_10(tc.c, tc.k); got != tc.want {
			t.Errorf("unexpected output for test %d: got %08x want %08x", i, got, tc.want)
		}
	}
}

func TestCounterLayout(t *testing.T) {
	c := MakeCounter(PurposeIsing, 0xBEEF, 0x0000_1234_89AB_CDEF, 5, 0x0000_ABCD_0123_4567, 0x7F)
	want := Counter{0x01234567, 0xABCD | 0x7F<<16 | 5<<24 | PurposeIsing<<28, 0x89ABCDEF, 0x1234 | 0xBEEF<<16}
	if c != want {
		t.Fatalf("unexpected counter: got %08x want %08x", c, want)
	}
	if k := KeyFromSeed(0x0123456789ABCDEF); k != (Key{0x89ABCDEF, 0x01234567}) {
		t.Fatalf("unexpected key: %08x", k)
	}
}

func TestConversions(t *testing.T) {
	if got := Uniform01Open(0); got != 0x1p-33 {
		t.Errorf("Uniform01Open(0) = %v", got)
	}
	if got := Uniform01Open(0xffffffff); got > 1 || got <= 0.9999999 {
		t.Errorf("Uniform01Open(max) = %v", got)
	}
	if got := Float32(0xffffffff); got >= 1 {
		t.Errorf("Float32(max) = %v, want < 1", got)
	}
	if got := Float64(0xffffffff, 0xffffffff); got >= 1 {
		t.Errorf("Float64(max) = %v, want < 1", got)
	}
}

func BenchmarkPhilox(b *testing.B) {
	k := KeyFromSeed(42)
	var s uint32
	i := uint32(0)
	for b.Loop() {
		r := Philox4x32_10(Counter{i, 0, 0, 0}, k)
		s += r[0]
		i++
	}
	_ = s
}

func TestFillGroupsMatchesPhilox(t *testing.T) {
	k := KeyFromSeed(0xDEADBEEF12345)
	for _, n := range []int{1, 2, 3, 7, 8} {
		// start just below a 32-bit carry of the group field
		c := MakeCounter(PurposeIsing, 3, 99, 1, 1<<32-3, 0)
		dst := make([]byte, 16*n)
		FillGroups(dst, c, k)
		for g := 0; g < n; g++ {
			r := Philox4x32_10(MakeCounter(PurposeIsing, 3, 99, 1, 1<<32-3+uint64(g), 0), k)
			for w := 0; w < 4; w++ {
				for b := 0; b < 4; b++ {
					if got, want := dst[16*g+4*w+b], byte(r[w]>>(8*b)); got != want {
						t.Fatalf("unexpected byte for n=%d group %d word %d byte %d: got %#x want %#x", n, g, w, b, got, want)
					}
				}
			}
		}
	}
}

func BenchmarkFillGroups(b *testing.B) {
	for _, p := range vectorPaths() {
		b.Run(p.name, func(b *testing.B) {
			withPath(b, p)
			dst := make([]byte, 1024)
			k := KeyFromSeed(1)
			for b.Loop() {
				FillGroups(dst, Counter{}, k)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/64, "ns/call")
		})
	}
}

// FillGroups against Philox4x32_10 group by group, with the vector code
// (where the CPU has it) and without: lengths around the blocks of 8,
// starts that carry the group's low word into word 1 inside a call, and
// the 48-bit group field's wrap.
func TestFillGroupsPaths(t *testing.T) {
	k := KeyFromSeed(0x0123456789ABCDEF)
	starts := []uint64{0, 5, 1<<32 - 3, 1<<32 - 8, 1<<32 - 17, 1<<32 - 64, 1<<48 - 9, 0xABCDEF12345}
	for _, p := range vectorPaths() {
		withPath(t, p)
		for _, start := range starts {
			for _, n := range []int{1, 7, 8, 9, 16, 23, 64, 65, 200} {
				c := MakeCounter(PurposeLattice, 0xBEEF, 0x123456789AB, 5, start, 0x3C)
				dst := make([]byte, 16*n)
				FillGroups(dst, c, k)
				for g := range n {
					r := Philox4x32_10(MakeCounter(PurposeLattice, 0xBEEF, 0x123456789AB, 5, start+uint64(g), 0x3C), k)
					for w := range 4 {
						if got := binary.LittleEndian.Uint32(dst[16*g+4*w:]); got != r[w] {
							t.Fatalf("%s, start %#x, n %d: group %d word %d is %#x, want %#x", p.name, start, n, g, w, got, r[w])
						}
					}
				}
			}
		}
	}
}

// Every field at its largest value fills its bits and no more: a mask
// narrower than the field (block 8 bits, phase 4, purpose 4, replica 16,
// the high 16 bits of group and step) would lose the top bit.
func TestCounterLayoutFullFields(t *testing.T) {
	c := MakeCounter(MaxPurpose, MaxReplica, MaxStep, MaxPhase, MaxGroup, MaxBlock)
	if c != (Counter{0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}) {
		t.Errorf("all fields at their maximum: %08x", c)
	}
	for _, f := range []struct {
		c    Counter
		want Counter
	}{
		{MakeCounter(0, 0, 0, 0, 0, 0x80), Counter{0, 0x80 << 16, 0, 0}},
		{MakeCounter(0, 0, 0, 0x8, 0, 0), Counter{0, 0x8 << 24, 0, 0}},
		{MakeCounter(0x8, 0, 0, 0, 0, 0), Counter{0, 0x8 << 28, 0, 0}},
		{MakeCounter(0, 0x8000, 0, 0, 0, 0), Counter{0, 0, 0, 0x8000 << 16}},
		{MakeCounter(0, 0, 1<<47, 0, 1<<47, 0), Counter{0, 0x8000, 0, 0x8000}},
	} {
		if f.c != f.want {
			t.Errorf("counter %08x, want %08x", f.c, f.want)
		}
	}
}

// FillGroups keeps every field of the counter but the group (block, phase,
// purpose in the high bits of word 1) and carries the group through all
// 48 of its bits.
func TestFillGroupsHighFields(t *testing.T) {
	k := KeyFromSeed(0xFEEDFACECAFEBEEF)
	const g0 = 0xABCD_FFFF_FFFE
	c := MakeCounter(PurposeParticle, 0xFFFF, 1<<47+3, MaxPhase, g0, 0xA5)
	const n = 5
	dst := make([]byte, 16*n)
	FillGroups(dst, c, k)
	for g := 0; g < n; g++ {
		r := Philox4x32_10(MakeCounter(PurposeParticle, 0xFFFF, 1<<47+3, MaxPhase, g0+uint64(g), 0xA5), k)
		for w := 0; w < 4; w++ {
			if got := uint32(dst[16*g+4*w]) | uint32(dst[16*g+4*w+1])<<8 | uint32(dst[16*g+4*w+2])<<16 | uint32(dst[16*g+4*w+3])<<24; got != r[w] {
				t.Fatalf("group %d word %d: %#x, want %#x", g, w, got, r[w])
			}
		}
	}
}

// TestWord0s checks Word0s, vector and scalar, against Philox4x32_10 on
// random counters of every length up to 40 and the edge words.
func TestWord0s(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, p := range vectorPaths() {
		withPath(t, p)
		for n := 0; n <= 40; n++ {
			k := Key{r.Uint32(), r.Uint32()}
			c := Counter{0, r.Uint32(), r.Uint32(), r.Uint32()}
			w0 := make([]uint32, n)
			for i := range w0 {
				w0[i] = r.Uint32()
				switch i % 5 {
				case 1:
					w0[i] = 0
				case 3:
					w0[i] = ^uint32(0)
				}
			}
			got := make([]uint32, n)
			Word0s(got, w0, c, k)
			for i := range w0 {
				if want := Philox4x32_10(Counter{w0[i], c[1], c[2], c[3]}, k)[0]; got[i] != want {
					t.Fatalf("%s n %d: word %d is %#x, want %#x", p.name, n, i, got[i], want)
				}
			}
		}
	}
}

// vectorPath is one of FillGroups' and Word0s' code paths: scalar, AVX2,
// AVX-512VL.
type vectorPath struct {
	name         string
	avx2, avx512 bool
}

// vectorPaths are the paths this CPU runs (scalar always).
func vectorPaths() []vectorPath {
	p := []vectorPath{{"scalar", false, false}}
	if useAVX2 {
		p = append(p, vectorPath{"avx2", true, false})
	}
	if useAVX2 && useAVX512 {
		p = append(p, vectorPath{"avx512", true, true})
	}
	return p
}

// withPath sets p's switches, restoring them when the test ends.
func withPath(t testing.TB, p vectorPath) {
	a, b := useAVX2, useAVX512
	t.Cleanup(func() { useAVX2, useAVX512 = a, b })
	useAVX2, useAVX512 = p.avx2, p.avx512
}
