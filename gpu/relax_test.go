//go:build cuda

package gpu

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
	"github.com/quenchlab/quench/cpu"
	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/kernels"
)

// TestSandpileResident runs the GPU backend's resident sandpile kernel
// (one cooperative launch an avalanche; here at most 3 passes a launch, so
// that most avalanches span launches) through the conformance suite's
// sandpile checks, then adds the same grains to stationary piles of
// several tiles (1D, 2D and 3D, partial tiles at the upper edges) on the
// CPU backend, with the resident kernel (on a GPU in blocks of 1024 and
// of 256) and with both GPU kernels taking turns, and requires identical
// heights, activity, stamps and avalanches.
func TestSandpileResident(t *testing.T) {
	g := open(t)
	if err := g.SetSandpileKernel(SandpileResident); err != nil {
		t.Fatal(err)
	}
	g.relaxPasses = 3
	// the piles below in the default blocks and in blocks of 256 (4 sites
	// of a tile a thread), which BenchmarkSandpileKernels times too
	blocks := []int64{kernels.RelaxBlock, 256}
	if strings.Contains(g.DeviceName(), "emulated") {
		// a block's threads are fibers switched at every barrier: 64 of
		// them take 16 sites of a tile each; and each block is a
		// worker thread waiting at the grid barrier: 3 blocks
		g.relaxBlock, g.relaxGridMax = 64, 3
		blocks = []int64{64}
	}
	t.Cleanup(func() {
		g.relaxPasses, g.relaxBlock, g.relaxGridMax = relaxPasses, kernels.RelaxBlock, 0
		g.SetSandpileKernel(SandpileRounds)
	})
	backendtest.Sandpile(t, g)

	cb := cpu.New()
	t0 := time.Now()
	// (the 1D pile starts from random heights, 0 at one site in 4, else 1:
	// a grain on its stationary state, all ones, topples ~L^2/8 times)
	for i, c := range []struct {
		shape  []int
		grains int
	}{{[]int{150, 100}, 60}, {[]int{1100}, 120}, {[]int{20, 18, 40}, 120}} {
		shape, grains := c.shape, c.grains
		lat, _ := quench.NewLattice(shape...)
		n := lat.Sites()
		h0 := make([]uint8, n)
		if lat.Dim() == 1 {
			for x := range h0 {
				h0[x] = uint8(philox.Philox4x32_10(philox.Counter{uint32(x)}, philox.KeyFromSeed(5))[0]%4+3) / 4
			}
		} else {
			var err error
			if h0, err = quench.SandpileStationary(lat, quench.Counter{Seed: uint64(7 + i)}); err != nil {
				t.Fatal(err)
			}
		}
		type result struct {
			h     []uint8
			act   []int64
			stamp []int32
			avs   []quench.Avalanche
		}
		run := func(be quench.Backend, kernel func(grain int) string) result {
			s := &quench.Sandpile{}
			s.Heights = backendtest.Alloc(t, be, quench.Uint8, n)
			s.Activity = backendtest.Alloc(t, be, quench.Int64, n)
			s.Stamp = backendtest.Alloc(t, be, quench.Int32, n)
			defer func() {
				be.Free(s.Heights)
				be.Free(s.Activity)
				be.Free(s.Stamp)
			}()
			backendtest.Must(t, be.Upload(s.Heights, h0))
			backendtest.Must(t, be.Upload(s.Activity, make([]int64, n)))
			backendtest.Must(t, be.Upload(s.Stamp, make([]int32, n)))
			var r result
			for k := range grains {
				if kernel != nil {
					if err := g.SetSandpileKernel(kernel(k)); err != nil {
						t.Fatal(err)
					}
				}
				site := quench.GrainSite(quench.Counter{Seed: uint64(i)}, uint64(k), n)
				av, err := be.SandpileAdd(s, lat, site, int32(k+1))
				if err != nil {
					t.Fatalf("%v on %s: %v", shape, be.Name(), err)
				}
				r.avs = append(r.avs, av)
			}
			r.h, r.act, r.stamp = make([]uint8, n), make([]int64, n), make([]int32, n)
			backendtest.Must(t, be.Download(r.h, s.Heights))
			backendtest.Must(t, be.Download(r.act, s.Activity))
			backendtest.Must(t, be.Download(r.stamp, s.Stamp))
			return r
		}
		want := run(cb, nil)
		var size int64
		for _, av := range want.avs {
			size += av.Size
		}
		if size < 10*int64(grains) {
			t.Fatalf("%v: %d topplings in %d grains: too few to test anything", shape, size, grains)
		}
		for _, blk := range blocks {
			g.relaxBlock = blk
			for _, k := range []struct {
				name   string
				kernel func(int) string
			}{
				{"resident", func(int) string { return SandpileResident }},
				{"alternating", func(k int) string { return []string{SandpileResident, SandpileRounds}[k/7%2] }},
			} {
				got := run(g, k.kernel)
				if !slices.Equal(got.avs, want.avs) || !slices.Equal(got.h, want.h) || !slices.Equal(got.act, want.act) || !slices.Equal(got.stamp, want.stamp) {
					t.Errorf("%v, %s kernels in blocks of %d: the GPU pile differs from the CPU's", shape, k.name, blk)
				}
			}
		}
		t.Logf("%v: %d grains, %d topplings, identical on the CPU and the GPU (%v)", shape, grains, size, time.Since(t0))
		t0 = time.Now()
	}
}
