package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/pmath"
)

// phaseSumsRef is PhaseSums as the scalar code defines it: blocks of
// quench.SumBlock, each term pmath.SinCos2Pi rounded to the phases' type,
// added left to right, the partials by groups of quench.SumGroup, each
// from zero in order, then the groups in order.
func phaseSumsRef(th []float64, f32 bool) (C, S float64) {
	var gc, gs float64
	for lo := 0; lo < len(th); lo += quench.SumBlock {
		if lo%(quench.SumGroup*quench.SumBlock) == 0 {
			gc, gs = 0, 0
		}
		var c, s float64
		for _, u := range th[lo:min(lo+quench.SumBlock, len(th))] {
			sn, cs := pmath.SinCos2Pi(u)
			if f32 {
				sn, cs = float64(float32(sn)), float64(float32(cs))
			}
			c += cs
			s += sn
		}
		gc += c
		gs += s
		if end := lo + quench.SumBlock; end >= len(th) || end%(quench.SumGroup*quench.SumBlock) == 0 {
			C += gc
			S += gs
		}
	}
	return C, S
}

// kuramotoPhases are n phases in [0, 1), with edge values among them
// when edges: 0, -0, the ends of the octants, negative and huge phases
// (a phase can be given any value).
func kuramotoPhases(r *rand.Rand, n int, edges bool) []float64 {
	th := make([]float64, n)
	for i := range th {
		th[i] = r.Float64()
		if edges && r.IntN(16) == 0 {
			switch r.IntN(6) {
			case 0:
				th[i] = float64(r.IntN(9)) / 8
			case 1:
				th[i] = math.Nextafter(float64(r.IntN(9))/8, -1)
			case 2:
				th[i] = math.Copysign(0, -1)
			case 3:
				th[i] = -r.Float64() * 100
			case 4:
				th[i] = math.Ldexp(r.Float64(), r.IntN(120))
			case 5:
				th[i] = math.Ldexp(r.Float64(), -r.IntN(1000))
			}
		}
	}
	return th
}

// PhaseSums with pmath's vector code and without against phaseSumsRef,
// bit for bit, for both precisions, at sizes of whole groups of four
// blocks, with blocks left over and a partial last block, and past one
// group of quench.SumGroup blocks.
func TestPhaseSumsVector(t *testing.T) {
	be := New()
	r := rand.New(rand.NewPCG(4, 2))
	for _, n := range []int{1, 3, 4, 5, 4095, 4096, 3*4096 + 17, 4 * 4096, 4*4096 + 1, 9*4096 + 3, 12 * 4096, 70*4096 + 5} {
		for _, edges := range []bool{false, true} {
			th := kuramotoPhases(r, n, edges)
			for _, dt := range []quench.DType{quench.Float64, quench.Float32} {
				b, _ := be.Alloc(dt, int64(n))
				upload(be, b, th)
				ref := th
				if dt == quench.Float32 {
					ref = make([]float64, n)
					be.DownloadFloat64(ref, b)
				}
				wc, ws := phaseSumsRef(ref, dt == quench.Float32)
				for _, vec := range []bool{false, true} {
					restore := pmath.SetVector(vec)
					c, s, err := be.PhaseSums(b)
					restore()
					if err != nil {
						t.Fatal(err)
					}
					if math.Float64bits(c) != math.Float64bits(wc) || math.Float64bits(s) != math.Float64bits(ws) {
						t.Fatalf("n %d %v edges %v vector %v: %v %v, want %v %v", n, dt, edges, vec, c, s, wc, ws)
					}
				}
				be.Free(b)
			}
		}
	}
}

// The kuramoto step with pmath's vector sin and cos and without, bit for
// bit: both precisions and schemes, sizes with partial vector blocks,
// phases with edge values, several steps (PhaseSums on the same path).
func TestKuramotoStepVector(t *testing.T) {
	be := New()
	r := rand.New(rand.NewPCG(8, 1))
	for _, n := range []int{1, 7, 1031, 3*4096 + 5, 20011} {
		th, om := kuramotoPhases(r, n, true), make([]float64, n)
		for i := range om {
			om[i] = r.NormFloat64()
		}
		for _, dt := range []quench.DType{quench.Float64, quench.Float32} {
			for _, scheme := range []string{quench.SchemeEM, quench.SchemeLM} {
				p := &quench.ParticleParams{Scheme: scheme, Potential: quench.PotentialKuramoto, Dt: 0.05, T: 0.3, Gamma: 1, K: 1.5}
				var out [2][]float64
				for k, vec := range []bool{false, true} {
					ps := &quench.Particles{N: int64(n), Dim: 1}
					ps.Pos, _ = be.Alloc(dt, int64(n))
					ps.Omega, _ = be.Alloc(dt, int64(n))
					upload(be, ps.Pos, th)
					upload(be, ps.Omega, om)
					restore := pmath.SetVector(vec)
					for step := range 5 {
						if err := be.ParticleStep(ps, p, quench.Counter{Seed: 3, Step: uint64(step)}); err != nil {
							restore()
							t.Fatal(err)
						}
					}
					restore()
					out[k] = make([]float64, n)
					be.DownloadFloat64(out[k], ps.Pos)
					be.Free(ps.Pos)
					be.Free(ps.Omega)
				}
				for i := range out[0] {
					if math.Float64bits(out[0][i]) != math.Float64bits(out[1][i]) {
						t.Fatalf("n %d %v %s: phase %d: %v with the vector code, %v without", n, dt, scheme, i, out[1][i], out[0][i])
					}
				}
			}
		}
	}
}

// PhaseSums adds its block partials by groups of quench.SumGroup: with the
// first group's phases 0 (C = 2^18 after it), the next group's 64 random
// partials added together first round differently from adding them one
// after another to 2^18, and PhaseSums gives the grouped sum in both
// precisions.
func TestPhaseSumsGroups(t *testing.T) {
	be := New()
	r := rand.New(rand.NewPCG(5, 9))
	n := 2*quench.SumGroup*quench.SumBlock + 5
	th := kuramotoPhases(r, n, false)
	for i := range quench.SumGroup * quench.SumBlock {
		th[i] = 0
	}
	for _, dt := range []quench.DType{quench.Float64, quench.Float32} {
		b, _ := be.Alloc(dt, int64(n))
		upload(be, b, th)
		ref := make([]float64, n)
		be.DownloadFloat64(ref, b)
		wc, ws := phaseSumsRef(ref, dt == quench.Float32)
		var seq float64
		for lo := 0; lo < n; lo += quench.SumBlock {
			blk, _ := phaseSumsRef(ref[lo:min(lo+quench.SumBlock, n)], dt == quench.Float32)
			seq += blk
		}
		if seq == wc {
			t.Fatalf("%v: the blocks one after another add to the grouped C %v: the case shows nothing", dt, wc)
		}
		c, s, err := be.PhaseSums(b)
		if err != nil {
			t.Fatal(err)
		}
		if math.Float64bits(c) != math.Float64bits(wc) || math.Float64bits(s) != math.Float64bits(ws) {
			t.Errorf("%v: PhaseSums %v %v, want %v %v (one block after another: C %v)", dt, c, s, wc, ws, seq)
		}
		be.Free(b)
	}
}
