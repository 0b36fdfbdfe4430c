package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/bench"
	"github.com/quenchlab/quench/cpu"
)

// fakeMeasurer times n sweeps as n*perSweep seconds, doing at most limit
// of them (a budget, as the sandpile's); calls counts its timings.
type fakeMeasurer struct {
	perSweep float64
	limit    int
	calls    []int
}

func (f *fakeMeasurer) Measure(_, n int) (bench.Result, error) {
	f.calls = append(f.calls, n)
	done := min(n, f.limit)
	return bench.Result{Sweeps: done, Seconds: float64(done) * f.perSweep}, nil
}

func (f *fakeMeasurer) Close() error { return nil }

// bench's --min-time: a short timing is repeated with more sweeps, each
// time scaled to 1.2 min-time (at least 2x, at most 100x), until it takes
// min-time; not past a timing its own budget cut short (the sandpile, at
// --min-time 6 had re-timed 21 times, 5 s each), nor after an interrupt.
func TestBenchMinTime(t *testing.T) {
	run := func(ctx context.Context, f *fakeMeasurer, minTime float64) bench.Result {
		g := benchCase{open: func(quench.Backend, float64) (measurer, error) { return f, nil }}
		r, err := measure(ctx, cpu.New(), g, 1, 20, minTime)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	f := &fakeMeasurer{perSweep: 1e-3, limit: 1 << 40}
	if r := run(context.Background(), f, 0.5); !slices.Equal(f.calls, []int{20, 600}) || r.Sweeps != 600 || r.Seconds < 0.5 {
		t.Errorf("20 sweeps of 1 ms, min-time 0.5: timings of %v sweeps, result %+v; want 20 then 600", f.calls, r)
	}
	f = &fakeMeasurer{perSweep: 1e-7, limit: 1 << 40}
	if r := run(context.Background(), f, 0.5); !slices.Equal(f.calls, []int{20, 2000, 200000, 6000000}) || r.Seconds < 0.5 {
		t.Errorf("20 sweeps of 0.1 us: timings of %v sweeps, result %+v; want growth by 100 at most", f.calls, r)
	}
	f = &fakeMeasurer{perSweep: 1e-3, limit: 100}
	if r := run(context.Background(), f, 6); !slices.Equal(f.calls, []int{20, 2000}) || r.Sweeps != 100 {
		t.Errorf("a budget of 100 sweeps: timings of %v sweeps, result %+v; want one more timing, cut short", f.calls, r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f = &fakeMeasurer{perSweep: 1e-3, limit: 1 << 40}
	if run(ctx, f, 0.5); !slices.Equal(f.calls, []int{20}) {
		t.Errorf("interrupted: timings of %v sweeps, want only the first", f.calls)
	}
}

// points lists a grid as "model variant shape-or-N".
func points(grid []benchCase) []string {
	var out []string
	for _, g := range grid {
		size := fmt.Sprint(g.n)
		if g.shape != nil {
			size = (quench.Lattice{Shape: g.shape}).String()
		}
		out = append(out, g.model+" "+g.variant+" "+size)
	}
	return out
}

// bench's --model, --L, --shape and --N: a model asked for is timed in
// every variant at the grid's sizes for it, then at the size asked; a
// size keeps the points of its kind (and --shape those of its dimension).
func TestBenchSelect(t *testing.T) {
	grid := []benchCase{
		isingCase([]int{64, 64}, quench.Metropolis),
		isingCase([]int{128, 128}, quench.Metropolis),
		isingCase([]int{16, 16, 16}, quench.Metropolis),
		phi4Case([]int{32, 32}, quench.SchemeEM, quench.Float32),
		particleCase(1000, quench.PotentialHarmonic, quench.SchemeEM, quench.Float64),
		sandpileCase([]int{32, 32}),
		massCase([]int{32, 32}, "kmp"),
		diffusionCase([]int{64, 64}, quench.Float32),
	}
	for _, c := range []struct {
		sel  benchSelection
		want []string
	}{
		{benchSelection{}, points(grid)},
		{benchSelection{models: []string{"ising2d"}}, []string{"ising2d metropolis 64x64", "ising2d heatbath 64x64", "ising2d metropolis 128x128", "ising2d heatbath 128x128"}},
		// one L: the two 2D sizes become one point
		{benchSelection{models: []string{"ising2d"}, L: 8}, []string{"ising2d metropolis 8x8", "ising2d heatbath 8x8"}},
		{benchSelection{models: []string{"phi4"}, shape: []int{4, 4, 4}}, []string{
			"phi4 em/float32 4x4x4", "phi4 em/float64 4x4x4", "phi4 lm/float32 4x4x4", "phi4 lm/float64 4x4x4",
			"phi4 baoab/float32 4x4x4", "phi4 baoab/float64 4x4x4", "phi4 modelb/float32 4x4x4", "phi4 modelb/float64 4x4x4"}},
		{benchSelection{models: []string{"transfer", "aggregation"}}, []string{"transfer  32x32", "aggregation  32x32"}},
		{benchSelection{models: []string{"particles"}}, []string{
			"particles harmonic/em/float32 1000", "particles harmonic/em/float64 1000", "particles harmonic/lm/float32 1000", "particles harmonic/lm/float64 1000",
			"particles harmonic/baoab/float32 1000", "particles harmonic/baoab/float64 1000",
			"particles doublewell/em/float32 1000", "particles doublewell/em/float64 1000", "particles doublewell/lm/float32 1000", "particles doublewell/lm/float64 1000",
			"particles doublewell/baoab/float32 1000", "particles doublewell/baoab/float64 1000",
			"particles kuramoto/em/float32 1000", "particles kuramoto/em/float64 1000", "particles kuramoto/lm/float32 1000", "particles kuramoto/lm/float64 1000"}},
		// --shape keeps the lattices of its dimension; --N only particles
		{benchSelection{shape: []int{8, 8, 8}}, []string{"ising3d metropolis 8x8x8", "phi4 em/float32 8x8x8", "sandpile  8x8x8", "diffusion float32 8x8x8"}},
		{benchSelection{shape: []int{6}}, []string{"phi4 em/float32 6", "sandpile  6", "kmp  6", "diffusion float32 6"}},
		{benchSelection{n: 7}, []string{"particles harmonic/em/float64 7"}},
		{benchSelection{L: 4, n: 7}, []string{"ising2d metropolis 4x4", "ising3d metropolis 4x4x4", "phi4 em/float32 4x4", "particles harmonic/em/float64 7", "sandpile  4x4", "kmp  4x4", "diffusion float32 4x4"}},
	} {
		got, skipped, err := selectGrid(grid, c.sel)
		if err != nil || !slices.Equal(points(got), c.want) || skipped != nil {
			t.Errorf("%+v: %q (%v, left out %q), want %q", c.sel, points(got), err, skipped, c.want)
		}
	}
	// without --model, points a size does not suit are left out, named
	got, skipped, err := selectGrid(grid, benchSelection{L: 9})
	if want := []string{"phi4 em/float32 9x9", "sandpile  9x9", "diffusion float32 9x9"}; err != nil || !slices.Equal(points(got), want) {
		t.Errorf("--L 9: %q (%v), want %q", points(got), err, want)
	}
	if want := []string{
		"ising2d extent 9 (axis 0) of lattice 9x9 is odd: the checkerboard update needs even extents",
		"ising3d extent 9 (axis 0) of lattice 9x9x9 is odd: the checkerboard update needs even extents",
		"kmp 9x9 needs even extents (bonds are updated in even and odd classes)"}; !slices.Equal(skipped, want) {
		t.Errorf("--L 9: left out %q, want %q", skipped, want)
	}
	// nothing left: the reasons named
	if _, _, err := selectGrid(grid[:3], benchSelection{L: 9}); !quench.IsUsage(err) || !strings.Contains(err.Error(), "--L 9 leaves nothing to time in the grid (ising2d extent 9 (axis 0) of lattice 9x9 is odd") {
		t.Errorf("--L 9 on Ising points alone: %v", err)
	}
	if got, skipped, err := selectGrid(grid, benchSelection{shape: []int{5}}); err != nil || len(got) != 3 || len(skipped) != 1 || !strings.HasPrefix(skipped[0], "kmp 5 needs even extents") {
		t.Errorf("--shape 5: %q, left out %q (%v)", points(got), skipped, err)
	}
	// sizes that leave nothing, or that a point cannot take
	for _, c := range []struct {
		sel  benchSelection
		want string
	}{
		{benchSelection{models: []string{"ising3d"}, shape: []int{8, 8}}, "--shape 8x8 leaves nothing to time in --model ising3d (ising3d is 3D)"},
		{benchSelection{models: []string{"kmp"}, shape: []int{8, 8, 8}}, "--shape 8x8x8 leaves nothing to time in --model kmp (kmp runs in 1D or 2D)"},
		{benchSelection{models: []string{"particles"}, L: 16}, "--L 16 leaves nothing to time in --model particles (--N sizes particles)"},
		{benchSelection{models: []string{"sandpile", "phi4"}, n: 16}, "--N 16 leaves nothing to time in --model sandpile,phi4 (--L or --shape sizes lattices)"},
		{benchSelection{models: []string{"ising2d"}, L: 9}, "--L 9: ising2d extent 9 (axis 0) of lattice 9x9 is odd"},
		{benchSelection{models: []string{"transfer"}, shape: []int{6, 3}}, "--shape 6x3: transfer 6x3 needs even extents (bonds are updated in even and odd classes)"},
		{benchSelection{models: []string{"kmp"}, shape: []int{5}}, "--shape 5: kmp 5 needs even extents"},
		{benchSelection{models: []string{"ising3d"}, L: 1 << 17}, "--L 131072: ising3d lattice 131072x131072x131072 has too many sites"},
		// a named model the size leaves out, beside one it sizes
		{benchSelection{models: []string{"kmp", "diffusion"}, shape: []int{16, 16, 16}}, "--shape 16x16x16 leaves nothing to time for kmp in --model kmp,diffusion (kmp runs in 1D or 2D)"},
		{benchSelection{models: []string{"ising3d", "ising2d"}, shape: []int{16, 16}}, "--shape 16x16 leaves nothing to time for ising3d in --model ising3d,ising2d (ising3d is 3D)"},
		{benchSelection{models: []string{"particles", "kmp"}, L: 16}, "--L 16 leaves nothing to time for particles in --model particles,kmp (--N sizes particles)"},
		{benchSelection{models: []string{"phi4", "particles"}, n: 16}, "--N 16 leaves nothing to time for phi4 in --model phi4,particles (--L or --shape sizes lattices)"},
		// ... named after one it sizes: the reason is the left-out model's
		{benchSelection{models: []string{"diffusion", "kmp"}, shape: []int{16, 16, 16}}, "--shape 16x16x16 leaves nothing to time for kmp in --model diffusion,kmp (kmp runs in 1D or 2D)"},
		{benchSelection{models: []string{"kmp", "particles"}, L: 16}, "--L 16 leaves nothing to time for particles in --model kmp,particles (--N sizes particles)"},
		{benchSelection{models: []string{"sandpile"}, L: 1 << 16}, "--L 65536: sandpile 65536x65536: the benchmark starts from a stationary sample, at most 2147483646 sites"},
	} {
		_, _, err := selectGrid(grid, c.sel)
		if !quench.IsUsage(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want a usage error with %q", c.sel, err, c.want)
		}
	}
}
