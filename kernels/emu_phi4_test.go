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

// TestPhi4KernelsEmulated runs every phi4 scheme in both precisions through
// the emulated CUDA kernels and the CPU backend, and requires identical
// fields (and momenta) bit for bit.
func TestPhi4KernelsEmulated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a C++ emulation")
	}
	bin := buildEmu(t)
	schemes := []string{quench.SchemeEM, quench.SchemeLM, quench.SchemeBAOAB, quench.SchemeModelB}
	// 5, 6 and 10 rows, and rows of 1 to 3 groups: emulated blocks of 4
	// and 16 threads hold several rows (launch_rows), looping kernels get at
	// most 2 blocks along y, so their threads walk strips of up to 3 rows
	// (qstrip: the last one shorter, some past the last row, the last rows
	// of {6, 8}, {7, 12} and {3, 10, 4} wrapping to row 0 inside a strip), in
	// 2D and in 3D; rows of 3 float32 groups ({7, 12}, {3, 6, 12}) have a
	// thread with neighbours on both sides in its row
	// (the 8-site float32 EM kernels: {16}, {6, 8}, {5, 8}, {10, 8} with
	// a strip wrapping to row 0, {7, 24} with an inner thread and a wrap)
	shapes := [][]int{{10}, {12}, {16}, {6, 8}, {5, 8}, {10, 8}, {7, 12}, {7, 24}, {4, 6, 4}, {3, 5, 4}, {3, 10, 4}, {3, 6, 12}}
	for si, scheme := range schemes {
		for _, shape := range shapes {
			for _, dt := range []quench.DType{quench.Float64, quench.Float32} {
				checkPhi4(t, bin, "phi4", scheme, si, shape, dt)
				// the row-launched kernels, where the backend uses them
				// (last extent a multiple of W)
				if int64(shape[len(shape)-1])%SitesPerThread(dt) == 0 {
					checkPhi4(t, bin, "phi4fast", scheme, si, shape, dt)
				}
				if lat, _ := quench.NewLattice(shape...); scheme == quench.SchemeEM && WideRows(lat, dt) {
					checkPhi4(t, bin, "phi4wide", scheme, si, shape, dt)
				}
			}
		}
	}
}

func checkPhi4(t *testing.T, bin, mode, scheme string, schemeID int, shape []int, dt quench.DType) {
	t.Helper()
	lat, _ := quench.NewLattice(shape...)
	n := lat.Sites()
	p := &quench.Phi4Params{Scheme: scheme, Dt: 0.01, M2: -0.7, Lambda: 1.3, H: 0.2, T: 0.9, Gamma: 1.1, Mass: 0.8}
	c, err := p.Coeffs(lat.Dim())
	if err != nil {
		t.Fatal(err)
	}
	const steps = 3
	ctr := quench.Counter{Seed: 99, Replica: 2, Step: 17}
	// a random start, and random momenta
	start := make([]float64, 2*n)
	k := philox.KeyFromSeed(uint64(n))
	for i := range start {
		r := philox.Philox4x32_10(philox.Counter{uint32(i)}, k)
		start[i] = 2*philox.Float64(r[0], r[1]) - 1
	}
	be := cpu.New()
	f := &quench.Phi4Fields{}
	for _, b := range []*quench.Buffer{&f.Phi, &f.Next, &f.Mom, &f.Mu} {
		*b, _ = be.Alloc(dt, n)
	}
	var in bytes.Buffer
	elem := dt.Size()
	loop := int64(0)
	if RowLoops(dt) {
		loop = 1
	}
	for _, v := range []int64{elem, int64(schemeID), steps, loop, int64(ctr.Step)} {
		binary.Write(&in, binary.LittleEndian, v)
	}
	binary.Write(&in, binary.LittleEndian, NewPhi4Block(lat, c, ctr))
	up := func(dst quench.Buffer, vals []float64) {
		if dt == quench.Float64 {
			be.Upload(dst, vals)
			binary.Write(&in, binary.LittleEndian, vals)
			return
		}
		v32 := make([]float32, len(vals))
		for i, v := range vals {
			v32[i] = float32(v)
		}
		be.Upload(dst, v32)
		binary.Write(&in, binary.LittleEndian, v32)
	}
	up(f.Phi, start[:n])
	if scheme == quench.SchemeBAOAB {
		up(f.Mom, start[n:])
	}
	for s := uint64(0); s < steps; s++ {
		c := ctr
		c.Step += s
		if err := be.Phi4Step(f, lat, p, c); err != nil {
			t.Fatal(err)
		}
	}
	out := runEmu(t, bin, mode, in.Bytes())
	down := func(src quench.Buffer) []float64 {
		if dt == quench.Float64 {
			v := make([]float64, n)
			be.Download(v, src)
			return v
		}
		v32 := make([]float32, n)
		be.Download(v32, src)
		v := make([]float64, n)
		for i := range v32 {
			v[i] = float64(v32[i])
		}
		return v
	}
	got := func(i int64) float64 {
		if dt == quench.Float64 {
			return math.Float64frombits(binary.LittleEndian.Uint64(out[8*i:]))
		}
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(out[4*i:])))
	}
	want := down(f.Phi)
	if scheme == quench.SchemeBAOAB {
		want = append(want, down(f.Mom)...)
	}
	for i, w := range want {
		if g := got(int64(i)); g != w {
			t.Errorf("%s %s %v %v: element %d differs: emulated GPU %v, CPU %v", mode, scheme, shape, dt, i, g, w)
			return
		}
	}
}
