package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/bench"
	"github.com/quenchlab/quench/cpu"
	"github.com/quenchlab/quench/gpu"
	"github.com/quenchlab/quench/sim"
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

// A sandpile benchmark says what it timed: grains, topplings, seconds,
// from a stationary sample drawn before the timing (a walkthrough saw one
// bare rate).
func TestBenchSandpileSays(t *testing.T) {
	old := benchGridOverride
	benchGridOverride = []benchCase{sandpileCase([]int{32, 32})}
	defer func() { benchGridOverride = old }()
	code, stdout, stderr := runQ(t, "bench", "--backend", "cpu", "--sweeps", "3", "--min-time", "0.05")
	if code != 0 || !regexp.MustCompile(`\ncpu sandpile 32x32: \d+ grains \([0-9.e+]+ topplings\) in [0-9.e+-]+ s, the longest grain [0-9.e+-]+ s \([0-9.e+]+ topplings\), from an exact stationary sample drawn before the timing\n`).MatchString(stdout) {
		t.Errorf("bench: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// A sandpile timing far past its budget says why: the longest grain's
// avalanche, which is never cut (an 8192^2 CPU point took 37.6 s against
// the 5 s budget, 36.6 s of it its last grain's).
func TestBenchSandpileLongGrain(t *testing.T) {
	r := bench.Result{Backend: "cpu", Model: "sandpile", Shape: "8192x8192", Sweeps: 65, Seconds: 32.5, Rate: 9.34e8 / 32.5 / 1e9,
		LongestGrain: 27.1, LongestGrainTopplings: 8.1e8}
	var b strings.Builder
	printBenchNotes(&b, []bench.Result{r}, 0, 1, nil, nil)
	want := "cpu sandpile 8192x8192: 65 grains (9.34e+08 topplings) in 32.5 s, the longest grain 27.1 s (8.1e+08 topplings): the timing ends after the grain that passes 5 s, never within one, from an exact stationary sample drawn before the timing\n"
	if got, _, _ := strings.Cut(b.String(), "cpu of peak"); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestBenchCPU(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bench.json")
	old := benchGridOverride
	benchGridOverride = []benchCase{isingCase([]int{64, 64}, quench.Metropolis), isingCase([]int{16, 16, 16}, quench.HeatBath),
		phi4Case([]int{32, 32}, quench.SchemeLM, quench.Float32), particleCase(1000, quench.PotentialKuramoto, quench.SchemeEM, quench.Float64)}
	defer func() { benchGridOverride = old }()
	code, stdout, stderr := runQ(t, "bench", "--backend", "cpu", "--sweeps", "3", "--min-time", "0.05", "--json", path)
	if code != 0 || !strings.Contains(stdout, "flips") || !strings.Contains(stdout, "ising3d") || !strings.Contains(stdout, "site updates") || !strings.Contains(stdout, "kuramoto") {
		t.Fatalf("bench: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	var rs []map[string]any
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &rs); err != nil || len(rs) != 4 || !(rs[0]["per_ns"].(float64) > 0) || rs[0]["unit"] != "flips" ||
		!strings.HasPrefix(rs[0]["device"].(string), "cpu, ") || !strings.HasPrefix(rs[0]["quench"].(string), "quench ") {
		t.Errorf("unexpected bench JSON: %s (%v)", data, err)
	}
	// the host's copy bandwidth, measured once (none where an eighth of
	// the memory available is under 4 times the L3: a VM with 300 MiB of
	// L3 and 19 GB available)
	why := cpu.BandwidthUnmeasured()
	for _, r := range rs { // each point timed for --min-time at least, from --sweeps on
		if sec, n := r["seconds"].(float64), r["sweeps"].(float64); sec < 0.05 || n < 3 {
			t.Errorf("bench point %v %v: %v sweeps in %v s, want at least 3 and 0.05 s", r["model"], r["shape"], n, sec)
		}
		if why != "" {
			if _, ok := r["peak_GB_per_s"]; ok {
				t.Errorf("bench point %v %v: a peak of %v GB/s, where it was %s", r["model"], r["shape"], r["peak_GB_per_s"], why)
			}
			continue
		}
		// the fraction of the host's copy bandwidth
		peak, frac, gbs := r["peak_GB_per_s"].(float64), r["fraction_of_memory_limit"].(float64), r["effective_GB_per_s"].(float64)
		if !(peak > 0) || math.Abs(frac-gbs/peak) > 1e-12*frac || peak != rs[0]["peak_GB_per_s"] || r["peak_source"] != "host copy bandwidth measured by this bench (2 bytes a byte copied, GOMAXPROCS threads)" {
			t.Errorf("bench point %v %v: peak %v GB/s, fraction %v of %v GB/s, source %v", r["model"], r["shape"], peak, frac, gbs, r["peak_source"])
		}
	}
	want := "\ncpu of peak: the host's copy bandwidth " + why + "\n"
	if why == "" {
		want = fmt.Sprintf("\ncpu of peak: of the host's copy bandwidth, %.1f GB/s as measured here (%s), which a lattice that fits in the caches can pass\n", rs[0]["peak_GB_per_s"], count(int64(runtime.GOMAXPROCS(0)), "threads"))
	}
	if !strings.Contains(stdout, want) {
		t.Errorf("no %q in\n%s", want, stdout)
	}
	// it is written whole (a temporary file renamed over it, none left)
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*")); len(left) != 0 {
		t.Errorf("bench --json left %v beside %s", left, path)
	}
	// an unwritable --json is refused before anything runs
	dir := t.TempDir()
	bad := filepath.Join(dir, "missing", "b.json")
	if err := os.Symlink("nowhere", filepath.Join(dir, "dangling")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, want string }{
		{bad, "--json " + bad + ": there is no directory " + filepath.Dir(bad) + " to write it in"},
		{dir, "--json " + dir + " is a directory: give a file name"},
		{filepath.Join(dir, "dangling"), "--json " + filepath.Join(dir, "dangling") + " is a link to nothing: give a file name"},
		{"", `--json "" is not allowed: give a file name, or no --json`},
	} {
		if code, stdout, stderr := runQ(t, "bench", "--backend", "cpu", "--json", c.path); code != 2 || stdout != "" || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("bench --json %q: exit %d, stdout %q, stderr %q (want 2, %q)", c.path, code, stdout, stderr, c.want)
		}
	}
	if _, err := os.Readlink(filepath.Join(dir, "dangling")); err != nil {
		t.Errorf("the link to nothing given as --json: %v", err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--device", "-1"}, "--device -1 is not allowed"},
		{[]string{"bench", "--L", "8", "--shape", ""}, `--shape "" is not allowed: give the extents, like 8192x8192, or no --shape`},
		{[]string{"bench", "--min-time", "-1"}, "--min-time -1 is not allowed: 0 to 600 seconds"},
		{[]string{"bench", "--T", "inf"}, "--T +Inf is not allowed: the temperature must be a positive finite number"},
		{[]string{"bench", "--T", "1e-310"}, "--T 1e-310 is too small: its inverse overflows"},
		{[]string{"bench", "--backend", "cpu", "--device", "1"}, "--device 1 does not apply to --backend cpu"},
		{[]string{"bench", "--model", "ising2d,foo"}, `unknown --model "foo": bench times ising2d, ising3d, phi4, particles`},
		{[]string{"bench", "--L", "4", "--shape", "4x4"}, "--L 4 and --shape 4x4 are not allowed together"},
		{[]string{"bench", "--L", "1"}, "--L 1 is not allowed: from 2 to 2^24"},
		{[]string{"bench", "--N", "0"}, "--N 0 is not allowed: between 1 and 2^40 particles"},
		{[]string{"bench", "--shape", "4x4x4x4"}, "--shape 4x4x4x4 is not allowed: lattices have 1, 2 or 3 dimensions"},
		{[]string{"bench", "--shape", "4x"}, "--shape: bad shape"},
		{[]string{"bench", "--backend", "cpu", "--model", "ising3d", "--shape", "8x8"}, "--shape 8x8 leaves nothing to time in --model ising3d"},
		// refused before anything is timed, naming the bytes
		{[]string{"bench", "--backend", "cpu", "--model", "phi4", "--L", "2000000"}, "a cpu benchmark of phi4 2000000x2000000 needs 43.7 TiB (48000000000000 bytes), and cpu has"},
		// without --model too, when no point fits
		{[]string{"bench", "--backend", "cpu", "--L", "2000000"}, "a cpu benchmark of ising2d 2000000x2000000 needs 7.3 TiB (8000000000000 bytes), and cpu has"},
		// with the default --backend all, a CPU-only build's note waits for the sizes' check: a
		// refusal is one line (a walkthrough saw the note before it), and particles are named as
		// in the table
		{[]string{"bench", "--model", "ising2d", "--L", "7"}, "--L 7: ising2d extent 7 (axis 0) of lattice 7x7 is odd"},
		{[]string{"bench", "--model", "particles", "--N", "1099511627776"}, "benchmark of particles N=1099511627776 needs 12.0 TiB (13194139533312 bytes), and cpu has"},
	} {
		// one line: no interrupt note from the signal handler's stop
		if code, stdout, stderr := runQ(t, c.args...); code != 2 || stdout != "" || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q (want 2 and %q)", c.args, code, stdout, stderr, c.want)
		}
	}
	if gpu.Available {
		return
	}
	if code, _, stderr := runQ(t, "bench", "--backend", "cuda"); code != 2 || !strings.Contains(stderr, "built without CUDA") {
		t.Errorf("bench --backend cuda without CUDA: exit %d %q", code, stderr)
	}
}

// The mass models update bonds in even and odd classes: bench refuses
// their odd extents up front when --model names them (exit 2, one line),
// not after the header and the points before them were timed (exit 1);
// without --model, the default grid's kmp point is left out of --shape 5
// with a note, and the others are timed.
func TestBenchOddMassExtents(t *testing.T) {
	old := benchGridOverride
	benchGridOverride = nil
	defer func() { benchGridOverride = old }()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--backend", "cpu", "--model", "kmp", "--L", "3"}, "--L 3: kmp 3x3 needs even extents (bonds are updated in even and odd classes)"},
		{[]string{"bench", "--backend", "cpu", "--model", "aggregation", "--shape", "6x3"}, "--shape 6x3: aggregation 6x3 needs even extents"},
	} {
		if code, stdout, stderr := runQ(t, c.args...); code != 2 || stdout != "" || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q (want 2 and %q)", c.args, code, stdout, stderr, c.want)
		}
	}
	code, stdout, stderr := runQ(t, "bench", "--backend", "cpu", "--shape", "5", "--sweeps", "1", "--min-time", "0")
	if code != 0 || strings.Contains(stdout, "kmp") || !strings.Contains(stdout, "diffusion") ||
		stderr != "quench: note: left out (name models with --model to time only those): kmp 5 needs even extents (bonds are updated in even and odd classes)\n" {
		t.Errorf("bench --shape 5: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// memBackend is a backend of which bench's memory check reads only the
// name and the free memory.
type memBackend struct {
	quench.Backend
	free uint64
}

func (m memBackend) Name() string { return "fake" }

func (m memBackend) MemInfo() (free, total uint64, err error) { return m.free, 2 * m.free, nil }

// fitGrid: a point needing exactly the free memory fits (on a device, with
// deviceSlack for the allocator's rounding); one byte more is an error
// naming it when --model named it (strict), and otherwise left out with a
// note, unless nothing is left.
func TestFitGridStrictAndLenient(t *testing.T) {
	defer func() { hostMemory = quench.HostMemory }()
	hostMemory = func() (uint64, uint64, error) { return 1 << 40, 1 << 41, nil }
	small := isingCase([]int{64, 64}, quench.Metropolis)   // a byte a site on the device, and on the host: 4096 each
	large := isingCase([]int{128, 128}, quench.Metropolis) // 16384 each
	if small.bytes != 4096 || large.bytes != 16384 || small.host != 4096 || large.host != 16384 {
		t.Fatalf("Ising points of %d+%d and %d+%d bytes, want 4096 and 16384 each", small.bytes, small.host, large.bytes, large.host)
	}
	grid := []benchCase{small, large}
	for _, strict := range []bool{false, true} {
		fit, skipped, err := fitGrid(memBackend{free: 16384 + deviceSlack}, grid, strict)
		if err != nil || len(fit) != 2 || skipped != nil {
			t.Errorf("strict %v, all bytes free: %q, left out %q (%v)", strict, points(fit), skipped, err)
		}
	}
	fit, skipped, err := fitGrid(memBackend{free: 16383 + deviceSlack}, grid, false)
	if err != nil || !slices.Equal(points(fit), []string{"ising2d metropolis 64x64"}) || len(skipped) != 1 ||
		!strings.HasPrefix(skipped[0], "a fake benchmark of ising2d 128x128 needs") {
		t.Errorf("lenient, one byte short for 128x128: %q, left out %q (%v)", points(fit), skipped, err)
	}
	_, _, err = fitGrid(memBackend{free: 16383 + deviceSlack}, grid, true)
	if !quench.IsUsage(err) || !strings.Contains(err.Error(), "a fake benchmark of ising2d 128x128 needs") || !strings.Contains(err.Error(), "give a smaller --L, --shape or --N") {
		t.Errorf("strict, one byte short for 128x128: %v", err)
	}
	_, _, err = fitGrid(memBackend{free: 4095 + deviceSlack}, grid, false)
	if !quench.IsUsage(err) || !strings.Contains(err.Error(), "a fake benchmark of ising2d 64x64 needs") {
		t.Errorf("lenient, nothing fits: %v", err)
	}
	// on the CPU backend the device's bytes and the host's are one memory
	if need, host := large.needs(cpu.New()); need != 32768 || host != 0 {
		t.Errorf("cpu: needs %d and %d on the host, want 32768 and 0", need, host)
	}
}

// On a GPU a point also needs host memory for the start it draws and
// uploads: a stationary sandpile's sample, 7 bytes a site (heights and the
// sampler's words), which the device's bytes do not count.
func TestFitGridHostMemory(t *testing.T) {
	defer func() { hostMemory = quench.HostMemory }()
	pile := sandpileCase([]int{64, 64})
	if pile.host != 7*4096 {
		t.Fatalf("sandpile 64x64: %d host bytes, want %d", pile.host, 7*4096)
	}
	dev := memBackend{free: 1 << 40}
	hostMemory = func() (uint64, uint64, error) { return 7 * 4096, 1 << 41, nil }
	if fit, skipped, err := fitGrid(dev, []benchCase{pile}, true); err != nil || len(fit) != 1 || skipped != nil {
		t.Errorf("the host's bytes just enough: %q, left out %q (%v)", points(fit), skipped, err)
	}
	hostMemory = func() (uint64, uint64, error) { return 7*4096 - 1, 1 << 41, nil }
	_, _, err := fitGrid(dev, []benchCase{pile}, true)
	want := "a fake benchmark of sandpile 64x64 needs 28.0 KiB (28672 bytes) of host memory for its start, and the host has 28.0 KiB (28671 bytes) available: give a smaller --L, --shape or --N"
	if !quench.IsUsage(err) || err.Error() != want {
		t.Errorf("one host byte short:\n%v\nwant\n%s", err, want)
	}
}

// A sandpile point of exactly sim.MaxStationarySites sites can start from
// a stationary sample ("at most"); one of two sites more cannot.
func TestUnsuitedStationaryLimit(t *testing.T) {
	if sim.MaxStationarySites != 1<<31-2 {
		t.Fatalf("MaxStationarySites %d", sim.MaxStationarySites)
	}
	if why := unsuited(sandpileCase([]int{2, 1<<30 - 1})); why != "" {
		t.Errorf("2 x (2^30 - 1) = 2^31 - 2 sites: %q", why)
	}
	if why := unsuited(sandpileCase([]int{2, 1 << 30})); !strings.Contains(why, "at most 2147483646 sites, not 2147483648") {
		t.Errorf("2 x 2^30 sites: %q", why)
	}
}

// bench --model: a model named twice is timed once; --N takes up to 2^40
// particles.
func TestBenchSelectFlags(t *testing.T) {
	sel := func(set map[string]string) (benchSelection, error) {
		fl := pflag.NewFlagSet("bench", pflag.ContinueOnError)
		var models, shape, L string
		var n int64
		fl.StringVar(&models, "model", "", "")
		fl.StringVar(&L, "L", "", "")
		fl.StringVar(&shape, "shape", "", "")
		fl.Int64Var(&n, "N", 0, "")
		fl.Float64("T", 1.5, "")
		for k, v := range set {
			if err := fl.Set(k, v); err != nil {
				t.Fatal(err)
			}
		}
		return benchSelect(fl, models, L, shape, n)
	}
	if s, err := sel(map[string]string{"model": "ising2d, ising2d,phi4"}); err != nil || !slices.Equal(s.models, []string{"ising2d", "phi4"}) {
		t.Errorf("--model ising2d,ising2d,phi4: %q (%v)", s.models, err)
	}
	// several sizes, each in turn, once each; a size that is no number
	if s, err := sel(map[string]string{"L": "12, 16,12,24"}); err != nil || !slices.Equal(s.Ls, []int{12, 16, 24}) || s.L != 12 {
		t.Errorf("--L 12,16,12,24: %v %d (%v)", s.Ls, s.L, err)
	}
	if _, err := sel(map[string]string{"L": "12,x"}); !quench.IsUsage(err) || !strings.Contains(err.Error(), `--L "12,x" is not allowed: a whole number from 2 to 2^24, or several comma-separated`) {
		t.Errorf("--L 12,x: %v", err)
	}
	if _, err := sel(map[string]string{"L": "16,1"}); !quench.IsUsage(err) || !strings.Contains(err.Error(), "--L 1 is not allowed: from 2 to 2^24") {
		t.Errorf("--L 16,1: %v", err)
	}
	if s, err := sel(map[string]string{"N": "1099511627776"}); err != nil || s.n != 1<<40 {
		t.Errorf("--N 2^40: %d (%v)", s.n, err)
	}
	if _, err := sel(map[string]string{"N": "1099511627777"}); !quench.IsUsage(err) || !strings.Contains(err.Error(), "--N 1099511627777 is not allowed") {
		t.Errorf("--N 2^40 + 1: %v", err)
	}
	// --T is the Ising timings' temperature: refused for models that do
	// not read it, as quench run refuses such a flag
	if _, err := sel(map[string]string{"model": "diffusion,phi4", "T": "3"}); !quench.IsUsage(err) || err.Error() != "--T does not apply to --model diffusion,phi4: only the Ising timings (ising2d, ising3d) use a temperature" {
		t.Errorf("--model diffusion,phi4 --T 3: %v", err)
	}
	// --N sizes the particle timings: refused when --model names none
	if _, err := sel(map[string]string{"model": "phi4", "N": "10", "L": "8"}); !quench.IsUsage(err) || err.Error() != "--N does not apply to --model phi4: it sizes the particle timings (--model particles)" {
		t.Errorf("--model phi4 --N 10 --L 8: %v", err)
	}
	if s, err := sel(map[string]string{"model": "phi4,particles", "N": "10", "L": "8"}); err != nil || s.n != 10 || s.L != 8 {
		t.Errorf("--model phi4,particles --N 10 --L 8: %+v (%v)", s, err)
	}
	for _, m := range []string{"ising3d", "phi4,ising2d", ""} {
		set := map[string]string{"T": "3"}
		if m != "" {
			set["model"] = m
		}
		if _, err := sel(set); err != nil {
			t.Errorf("--model %q --T 3: %v", m, err)
		}
	}
}

// --model diffusion times both precisions; models without variants (the
// sandpile, kmp) their one point.
func TestBenchSelectVariants(t *testing.T) {
	grid := []benchCase{sandpileCase([]int{32, 32}), massCase([]int{32, 32}, "kmp"), diffusionCase([]int{64, 64}, quench.Float32)}
	for _, c := range []struct {
		model string
		want  []string
	}{
		{"diffusion", []string{"diffusion float32 64x64", "diffusion float64 64x64"}},
		{"sandpile", []string{"sandpile  32x32"}},
		{"kmp", []string{"kmp  32x32"}},
	} {
		got, skipped, err := selectGrid(grid, benchSelection{models: []string{c.model}})
		if err != nil || skipped != nil || !slices.Equal(points(got), c.want) {
			t.Errorf("--model %s: %q, left out %q (%v), want %q", c.model, points(got), skipped, err, c.want)
		}
	}
}
