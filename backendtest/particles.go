package backendtest

import (
	"math"
	"slices"
	"testing"

	"github.com/quenchlab/quench"
)

// phases uploads x to a new buffer of type dt (float32: each rounded).
func phases(t *testing.T, b quench.Backend, dt quench.DType, x []float64) quench.Buffer {
	t.Helper()
	buf, err := b.Alloc(dt, int64(len(x)))
	if err != nil {
		t.Fatal(err)
	}
	var src any = x
	if dt == quench.Float32 {
		x32 := make([]float32, len(x))
		for i, v := range x {
			x32[i] = float32(v)
		}
		src = x32
	}
	if err := b.Upload(buf, src); err != nil {
		t.Fatal(err)
	}
	return buf
}

// floats downloads a Float32 or Float64 buffer as float64.
func floats(t *testing.T, b quench.Backend, buf quench.Buffer) []float64 {
	t.Helper()
	out := make([]float64, buf.Len())
	var err error
	if buf.DType() == quench.Float32 {
		x32 := make([]float32, buf.Len())
		err = b.Download(x32, buf)
		for i, v := range x32 {
			out[i] = float64(v)
		}
	} else {
		err = b.Download(out, buf)
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// testPhaseSumsStepper: ParticleStepWithSums given PhaseSums of the phases
// is ParticleStep bit for bit (kuramoto, both precisions and schemes; a run
// that measured the order parameter gives the next step its sums), other
// potentials ignore the sums, and the sums given are the ones used: sums
// of zero (no mean field) move near-synchronized phases otherwise than
// their own. Skipped for a backend that takes no sums.
func testPhaseSumsStepper(t *testing.T, b quench.Backend) {
	st, ok := b.(quench.PhaseSumsStepper)
	if !ok {
		t.Skipf("%s takes no phase sums", b.Name())
	}
	// 70 blocks of quench.SumBlock: past one group of quench.SumGroup
	const n = 70*quench.SumBlock + 3
	th, om := make([]float64, n), make([]float64, n)
	for i := range th {
		th[i] = math.Mod(float64(i)*0.6180339887498949, 1)
		om[i] = math.Sin(float64(i))
	}
	for _, dt := range []quench.DType{quench.Float64, quench.Float32} {
		for _, c := range []struct{ scheme, potential string }{
			{quench.SchemeEM, quench.PotentialKuramoto}, {quench.SchemeLM, quench.PotentialKuramoto}, {quench.SchemeEM, quench.PotentialHarmonic},
		} {
			p := &quench.ParticleParams{Scheme: c.scheme, Potential: c.potential, Dt: 0.05, T: 0.3, Gamma: 1, K: 1.5}
			var two [2]*quench.Particles
			for k := range two {
				two[k] = &quench.Particles{N: n, Dim: 1, Pos: phases(t, b, dt, th), Omega: phases(t, b, dt, om)}
			}
			for k := range 6 {
				ctr := quench.Counter{Seed: 5, Step: uint64(k)}
				if err := b.ParticleStep(two[0], p, ctr); err != nil {
					t.Fatal(err)
				}
				C, S, err := b.PhaseSums(two[1].Pos)
				if err != nil {
					t.Fatal(err)
				}
				if c.potential != quench.PotentialKuramoto {
					C, S = 1e300, -1e300 // ignored
				}
				if err := st.ParticleStepWithSums(two[1], p, ctr, C, S); err != nil {
					t.Fatal(err)
				}
			}
			x, y := floats(t, b, two[0].Pos), floats(t, b, two[1].Pos)
			for i := range x {
				if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
					t.Fatalf("%v %s %s: coordinate %d: %v with the sums given, %v without", dt, c.scheme, c.potential, i, y[i], x[i])
				}
			}
			for _, ps := range two {
				b.Free(ps.Pos)
				b.Free(ps.Omega)
			}
		}
	}
	p := &quench.ParticleParams{Scheme: quench.SchemeEM, Potential: quench.PotentialKuramoto, Dt: 0.05, T: 0.3, Gamma: 1, K: 1.5}
	for i := range th[:500] {
		th[i] = 0.3 + 0.1*math.Sin(float64(i)) // near-synchronized: large sums
	}
	var pos [2][]float64
	for k := range pos {
		ps := &quench.Particles{N: 500, Dim: 1, Pos: phases(t, b, quench.Float64, th[:500]), Omega: phases(t, b, quench.Float64, make([]float64, 500))}
		ctr := quench.Counter{Seed: 5}
		var err error
		if k == 0 {
			err = b.ParticleStep(ps, p, ctr)
		} else {
			err = st.ParticleStepWithSums(ps, p, ctr, 0, 0)
		}
		if err != nil {
			t.Fatal(err)
		}
		pos[k] = floats(t, b, ps.Pos)
		b.Free(ps.Pos)
		b.Free(ps.Omega)
	}
	if slices.Equal(pos[0], pos[1]) {
		t.Error("sums of zero given: the same phases as with the phases' own sums")
	}
}
