package kernels

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/cpu"
	"github.com/quenchlab/quench/internal/philox"
)

// TestMassKernelsEmulated runs every mass-transfer rule through the
// emulated CUDA kernels and the CPU backend: identical masses.
func TestMassKernelsEmulated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a C++ emulation")
	}
	bin := buildEmu(t)
	for _, rule := range []string{"kmp", "aggregation", "transfer"} {
		// rows a multiple of 4 long take mass_class_rows too ({40}, {6, 12},
		// {2, 4}: a bond from the last site to the first in the same
		// group, {8, 16}); {6, 10} only mass_class
		for _, shape := range [][]int{{40}, {6, 10}, {6, 12}, {2, 4}, {8, 16}} {
			lat, _ := quench.NewLattice(shape...)
			n := lat.Sites()
			m := make([]int64, n)
			k := philox.KeyFromSeed(uint64(n))
			for i := range m {
				m[i] = int64(philox.Philox4x32_10(philox.Counter{uint32(i)}, k)[0]) << 8
			}
			p := &quench.MassTransferParams{Rule: rule, Injection: 1 << 30, Fraction: 0.37}
			code, _ := cpu.RuleCode(rule)
			ctr := quench.Counter{Seed: 4, Replica: 1, Step: 9}
			const sweeps = 5
			var in bytes.Buffer
			classes := MassClasses(lat)
			binary.Write(&in, binary.LittleEndian, []int64{sweeps, p.Injection, int64(len(classes)), int64(ctr.Step)})
			for c := range classes {
				binary.Write(&in, binary.LittleEndian, NewMassBlock(lat, int64(code), p.D32(), ctr, c))
			}
			binary.Write(&in, binary.LittleEndian, m)
			out := runEmu(t, bin, "mass", in.Bytes())
			if _, ok := MassRowGrid(lat, 256, 0); ok {
				if rows := runEmu(t, bin, "massrows", in.Bytes()); !bytes.Equal(rows, out) {
					t.Errorf("%s %v: mass_class_rows differs from mass_class", rule, shape)
				}
			}

			be := cpu.New()
			buf, _ := be.Alloc(quench.Int64, n)
			be.Upload(buf, m)
			for s := uint64(0); s < sweeps; s++ {
				c := ctr
				c.Step += s
				if err := be.MassTransfer(buf, lat, p, c); err != nil {
					t.Fatal(err)
				}
			}
			be.Download(m, buf)
			var want bytes.Buffer
			binary.Write(&want, binary.LittleEndian, m)
			if !bytes.Equal(out, want.Bytes()) {
				t.Errorf("%s %v: emulated GPU masses differ from the CPU backend", rule, shape)
			}
		}
	}
}

// TestDiffusionKernelsEmulated: identical fields in both precisions.
func TestDiffusionKernelsEmulated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a C++ emulation")
	}
	bin := buildEmu(t)
	for _, shape := range [][]int{{50}, {6, 9}, {4, 5, 6}, {6, 8}} {
		for _, dt := range []quench.DType{quench.Float64, quench.Float32} {
			lat, _ := quench.NewLattice(shape...)
			n := lat.Sites()
			u := make([]float64, n)
			k := philox.KeyFromSeed(7)
			for i := range u {
				r := philox.Philox4x32_10(philox.Counter{uint32(i)}, k)
				u[i] = philox.Float64(r[0], r[1])
			}
			be := cpu.New()
			a, _ := be.Alloc(dt, n)
			b, _ := be.Alloc(dt, n)
			var in bytes.Buffer
			binary.Write(&in, binary.LittleEndian, []int64{dt.Size(), 4})
			binary.Write(&in, binary.LittleEndian, NewPhi4Block(lat, quench.Phi4Coeffs{Z: float64(2 * lat.Dim()), A: 0.11}, quench.Counter{}))
			if dt == quench.Float64 {
				be.Upload(a, u)
				binary.Write(&in, binary.LittleEndian, u)
			} else {
				v := make([]float32, n)
				for i := range u {
					v[i] = float32(u[i])
				}
				be.Upload(a, v)
				binary.Write(&in, binary.LittleEndian, v)
			}
			for s := 0; s < 4; s++ {
				be.Diffuse(b, a, lat, 0.11)
				a, b = b, a
			}
			out := runEmu(t, bin, "diffuse", in.Bytes())
			if int64(shape[len(shape)-1])%SitesPerThread(dt) == 0 {
				if fast := runEmu(t, bin, "diffusefast", in.Bytes()); !bytes.Equal(fast, out) {
					t.Errorf("%v %v: the row-launched diffusion kernel differs", shape, dt)
				}
			}
			var want bytes.Buffer
			if dt == quench.Float64 {
				be.Download(u, a)
				binary.Write(&want, binary.LittleEndian, u)
			} else {
				v := make([]float32, n)
				be.Download(v, a)
				binary.Write(&want, binary.LittleEndian, v)
			}
			if !bytes.Equal(out, want.Bytes()) {
				t.Errorf("%v %v: emulated GPU diffusion differs from the CPU backend", shape, dt)
			}
		}
	}
}
