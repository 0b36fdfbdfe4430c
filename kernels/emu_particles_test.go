package kernels

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/cpu"
	"github.com/quenchlab/quench/internal/philox"
)

// TestParticleKernelsEmulated runs every scheme and potential in both
// precisions through the emulated CUDA kernels and the CPU backend and
// requires identical positions and velocities.
func TestParticleKernelsEmulated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a C++ emulation")
	}
	bin := buildEmu(t)
	for _, pot := range []string{quench.PotentialHarmonic, quench.PotentialDoubleWell, quench.PotentialKuramoto} {
		for _, scheme := range []string{quench.SchemeEM, quench.SchemeLM, quench.SchemeBAOAB} {
			if pot == quench.PotentialKuramoto && scheme == quench.SchemeBAOAB {
				continue
			}
			for _, dt := range []quench.DType{quench.Float64, quench.Float32} {
				checkParticles(t, bin, pot, scheme, dt)
			}
		}
	}
}

// TestPhaseTotalEmulated: phase_total adds the groups' pairs from zero in
// order, as the host adds them for PhaseSums (gpu pairSums; AddPartials'
// outer sum), bit for bit: groups whose order shows in the rounding
// (1e16 + 1 rounds to 1e16), and none.
func TestPhaseTotalEmulated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a C++ emulation")
	}
	bin := buildEmu(t)
	for _, groups := range [][]float64{
		{1e16, 3, 1, 1e-3, -1e16, -7, 1, 0.25, 0x1p-60, 5},
		{0.1, 0.7, 0.2, -0.3, 0.3, 1e-17},
		{},
	} {
		in := binary.LittleEndian.AppendUint64(nil, uint64(len(groups)/2))
		in, _ = binary.Append(in, binary.LittleEndian, groups)
		out := runEmu(t, bin, "phasetotal", in)
		for c := range 2 {
			var want float64
			for g := c; g < len(groups); g += 2 {
				want += groups[g]
			}
			if got := math.Float64frombits(binary.LittleEndian.Uint64(out[8*c:])); math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("groups %v, column %d: phase_total %v, the host's sum %v", groups, c, got, want)
			}
		}
	}
}

func checkParticles(t *testing.T, bin, pot, scheme string, dt quench.DType) {
	t.Helper()
	ps := &quench.Particles{N: 333, Dim: 3}
	if pot == quench.PotentialKuramoto {
		ps.N, ps.Dim = 5001, 1 // more than one block of 4096 phases, the last Philox group partial
	}
	m := ps.N * int64(ps.Dim)
	p := &quench.ParticleParams{Scheme: scheme, Potential: pot, Dt: 0.03, T: 0.6, Gamma: 0.9, Mass: 1.3, K: 1.7}
	c, err := p.Coeffs(ps.N)
	if err != nil {
		t.Fatal(err)
	}
	const steps = 3
	ctr := quench.Counter{Seed: 7, Replica: 1, Step: 40}
	vals := make([]float64, 3*m)
	k := philox.KeyFromSeed(uint64(m))
	for i := range vals {
		r := philox.Philox4x32_10(philox.Counter{uint32(i)}, k)
		vals[i] = 2*philox.Float64(r[0], r[1]) - 1
		if pot == quench.PotentialKuramoto && i < int(m) {
			vals[i] = philox.Float64(r[0], r[1]) // phases in [0, 1)
		}
	}
	be := cpu.New()
	ps.Pos, _ = be.Alloc(dt, m)
	ps.Vel, _ = be.Alloc(dt, m)
	ps.Omega, _ = be.Alloc(dt, m)
	var in bytes.Buffer
	hasOmega := int64(0)
	if pot == quench.PotentialKuramoto {
		hasOmega = 1
	}
	for _, v := range []int64{dt.Size(), steps, hasOmega, int64(ctr.Step)} {
		binary.Write(&in, binary.LittleEndian, v)
	}
	binary.Write(&in, binary.LittleEndian, NewParticleBlock(ps, p, c, ctr))
	bufs := []quench.Buffer{ps.Pos, ps.Vel}
	if hasOmega == 1 {
		bufs = append(bufs, ps.Omega)
	}
	for i, b := range bufs {
		part := vals[int64(i)*m : int64(i+1)*m]
		if dt == quench.Float64 {
			be.Upload(b, part)
			binary.Write(&in, binary.LittleEndian, part)
			continue
		}
		v32 := make([]float32, m)
		for j := range part {
			v32[j] = float32(part[j])
		}
		be.Upload(b, v32)
		binary.Write(&in, binary.LittleEndian, v32)
	}
	for s := range uint64(steps) {
		c := ctr
		c.Step += s
		if err := be.ParticleStep(ps, p, c); err != nil {
			t.Fatal(err)
		}
	}
	out := runEmu(t, bin, "particles", in.Bytes())
	for i, b := range []quench.Buffer{ps.Pos, ps.Vel} {
		want := make([]float64, m)
		if dt == quench.Float64 {
			be.Download(want, b)
		} else {
			v32 := make([]float32, m)
			be.Download(v32, b)
			for j := range v32 {
				want[j] = float64(v32[j])
			}
		}
		for j, w := range want {
			o := (int64(i)*m + int64(j)) * dt.Size()
			var g float64
			if dt == quench.Float64 {
				g = math.Float64frombits(binary.LittleEndian.Uint64(out[o:]))
			} else {
				g = float64(math.Float32frombits(binary.LittleEndian.Uint32(out[o:])))
			}
			if g != w {
				t.Errorf("%s %s %v: buffer %d element %d differs: emulated GPU %v, CPU %v", pot, scheme, dt, i, j, g, w)
				return
			}
		}
	}
	// the order parameter's phase sums (phase_partials: each term rounded
	// to the precision, in blocks of 4096) of the final phases
	if pot == quench.PotentialKuramoto {
		C, S, err := be.PhaseSums(ps.Pos)
		if err != nil {
			t.Fatal(err)
		}
		o := 2 * m * dt.Size()
		if int64(len(out)) != o+32 {
			t.Fatalf("%s %s %v: %d bytes from the emulator, want %d", pot, scheme, dt, len(out), o+32)
		}
		// at a 16-byte aligned address (16-byte loads), then one element
		// further (one load a phase)
		for _, where := range []int64{0, 16} {
			gc, gs := math.Float64frombits(binary.LittleEndian.Uint64(out[o+where:])), math.Float64frombits(binary.LittleEndian.Uint64(out[o+where+8:]))
			if gc != C || gs != S {
				t.Errorf("%s %s %v (copy %d): phase sums differ: emulated GPU (%v, %v), CPU (%v, %v)", pot, scheme, dt, where/16, gc, gs, C, S)
			}
		}
	}
}
