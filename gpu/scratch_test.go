//go:build cuda

package gpu

import (
	"fmt"
	"testing"
	"unsafe"

	"gorgonia.org/cu"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
	"github.com/quenchlab/quench/cpu"
)

// TestSteadySlotsInterleaved alternates 2D mass-transfer steps (four bond
// classes, each its block in a slot of the steady buffer) with kuramoto
// steps (whose phase sums phase_total writes on the device into a slot of
// the same buffer) on one backend: a block writeBlock takes to be on the
// device must still be there, so no block may share a slot with the
// device's phase sums. Masses and phases must equal the CPU's.
func TestSteadySlotsInterleaved(t *testing.T) {
	g := open(t)
	lat, _ := quench.NewLattice(8, 12)
	mp := &quench.MassTransferParams{Rule: "kmp"}
	const n = 1000
	kp := &quench.ParticleParams{Scheme: quench.SchemeEM, Potential: quench.PotentialKuramoto, Dt: 0.01, T: 0.5, Gamma: 1, Mass: 1, K: 2}
	var masses [2][]int64
	var phases [2][]float64
	for i, be := range []quench.Backend{cpu.New(), g} {
		m := make([]int64, lat.Sites())
		for j := range m {
			m[j] = quench.MassUnit + int64(j)
		}
		buf := backendtest.Alloc(t, be, quench.Int64, lat.Sites())
		backendtest.Must(t, be.Upload(buf, m))
		ps := &quench.Particles{N: n, Dim: 1}
		ps.Pos = backendtest.Alloc(t, be, quench.Float64, n)
		ps.Omega = backendtest.Alloc(t, be, quench.Float64, n)
		th := make([]float64, n)
		for j := range th {
			th[j] = float64(j%97) / 97
		}
		backendtest.Must(t, be.Upload(ps.Pos, th))
		for s := range 6 {
			ctr := quench.Counter{Seed: 3, Step: uint64(s)}
			backendtest.Must(t, be.MassTransfer(buf, lat, mp, ctr))
			backendtest.Must(t, be.ParticleStep(ps, kp, ctr))
		}
		backendtest.Must(t, be.Download(m, buf))
		backendtest.Must(t, be.Download(th, ps.Pos))
		masses[i], phases[i] = m, th
		for _, b := range []quench.Buffer{buf, ps.Pos, ps.Omega} {
			be.Free(b)
		}
	}
	for j := range masses[0] {
		if masses[0][j] != masses[1][j] {
			t.Fatalf("masses differ at site %d: CPU %d, GPU %d", j, masses[0][j], masses[1][j])
		}
	}
	for j := range phases[0] {
		if phases[0][j] != phases[1][j] {
			t.Fatalf("phases differ at %d: CPU %v, GPU %v", j, phases[0][j], phases[1][j])
		}
	}
}

// TestFreshScratchPairSums takes PhaseSums and CenteredSums as the first
// reduction of a fresh backend, whose partial-sum scratch (which only
// grows) no larger reduction has sized before: it must hold the blocks'
// pairs and the groups' after them (the emulated driver refuses a copy
// from outside every allocation). The sums must equal the CPU's.
func TestFreshScratchPairSums(t *testing.T) {
	const n = 5*quench.SumBlock + 11
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(i%89) / 89
	}
	for _, which := range []string{"PhaseSums", "CenteredSums"} {
		var sums [2][2]float64
		for k, be := range []quench.Backend{cpu.New(), open(t)} { // a fresh GPU backend each time
			buf := backendtest.Alloc(t, be, quench.Float64, n)
			backendtest.Must(t, be.Upload(buf, x))
			var err error
			if which == "PhaseSums" {
				sums[k][0], sums[k][1], err = be.PhaseSums(buf)
			} else {
				sums[k][0], sums[k][1], err = be.CenteredSums(buf, 0.5)
			}
			if err != nil {
				t.Fatalf("%s on %s: %v", which, be.Name(), err)
			}
			be.Free(buf)
		}
		if sums[0] != sums[1] {
			t.Errorf("%s as a fresh backend's first reduction: CPU %v, GPU %v", which, sums[0], sums[1])
		}
	}
}

// TestSandScratchFreshMarks checks that fresh sandpile scratch has its tile
// marks and topped passes cleared. cuMemAlloc returns memory as it was
// (on a GPU often an earlier run's marks, and a mark equal to a coming
// round keeps its tile off the lists); the emulated driver fills new
// memory with 0xCD bytes, which no round reaches, so no avalanche test
// there sees a missing clear, and this one looks at the marks.
func TestSandScratchFreshMarks(t *testing.T) {
	g := open(t)
	const n, tiles = 4096, 4
	backendtest.Must(t, g.do(func() error {
		if err := g.sand.prepare(n, tiles); err != nil {
			return err
		}
		m := make([]int32, 2*tiles)
		if err := cu.MemcpyDtoH(unsafe.Pointer(&m[0]), g.sand.mark, int64(4*len(m))); err != nil {
			return err
		}
		for i, v := range m {
			if v != 0 {
				return fmt.Errorf("word %d of fresh sandpile tile marks is %#x, want 0 (round %d)", i, uint32(v), g.sand.round)
			}
		}
		return nil
	}))
}
