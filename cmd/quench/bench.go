package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/bench"
	"github.com/quenchlab/quench/cpu"
	"github.com/quenchlab/quench/gpu"
	"github.com/quenchlab/quench/sim"
)

// measurer is one benchmark lattice or ensemble on a backend.
type measurer interface {
	Measure(warm, n int) (bench.Result, error)
	Close() error
}

// benchCase is one point of the size grid: the model it times (named as
// quench run --model names it), its lattice (nil for particles) or number
// of particles, the bytes it needs, how to open it, and how to make the
// same benchmark at another size or in another variant (bench's --model,
// --L, --shape and --N).
type benchCase struct {
	model   string
	variant string // algorithm, scheme, potential, precision
	shape   []int
	n       int64
	// bytes: what the benchmark holds on its backend (a GPU's device
	// memory); host: what it holds beside that in host memory, the start
	// it uploads (on the CPU backend both are host memory: needs)
	bytes, host int64
	open        func(be quench.Backend, T float64) (measurer, error)
	// the same benchmark at shape (lattices) or n (particles)
	resize func(shape []int, n int64) benchCase
	// every variant of its model at this size (algorithms, schemes,
	// potentials, precisions), for a --model that asks for it
	variants func() []benchCase
}

func sites(shape []int) int64 {
	n := int64(1)
	for _, s := range shape {
		n *= int64(s)
	}
	return n
}

func isingCase(shape []int, algo quench.Algo) benchCase {
	return benchCase{
		model: fmt.Sprintf("ising%dd", len(shape)), variant: algo.String(), shape: shape, bytes: sites(shape), host: sites(shape),
		open:   func(be quench.Backend, T float64) (measurer, error) { return bench.NewIsing(be, shape, algo, T) },
		resize: func(s []int, _ int64) benchCase { return isingCase(s, algo) },
		variants: func() []benchCase {
			return []benchCase{isingCase(shape, quench.Metropolis), isingCase(shape, quench.HeatBath)}
		},
	}
}

func phi4Case(shape []int, scheme string, dt quench.DType) benchCase {
	n := sites(shape)
	bytes := 3 * n * dt.Size()
	if scheme == quench.SchemeModelB {
		bytes += int64(len(shape)) * n * dt.Size() // the GPU's noise currents
	}
	return benchCase{
		model: "phi4", variant: scheme + "/" + dt.String(), shape: shape, bytes: bytes,
		open: func(be quench.Backend, _ float64) (measurer, error) {
			return bench.NewPhi4(be, shape, scheme, dt)
		},
		resize: func(s []int, _ int64) benchCase { return phi4Case(s, scheme, dt) },
		variants: func() (v []benchCase) {
			for _, sc := range []string{quench.SchemeEM, quench.SchemeLM, quench.SchemeBAOAB, quench.SchemeModelB} {
				for _, t := range []quench.DType{quench.Float32, quench.Float64} {
					v = append(v, phi4Case(shape, sc, t))
				}
			}
			return v
		},
	}
}

func particleCase(n int64, potential, scheme string, dt quench.DType) benchCase {
	return benchCase{
		model: "particles", variant: potential + "/" + scheme + "/" + dt.String(), n: n, bytes: 3 * n * dt.Size(),
		open: func(be quench.Backend, _ float64) (measurer, error) {
			return bench.NewParticles(be, n, 1, potential, scheme, dt)
		},
		resize: func(_ []int, m int64) benchCase { return particleCase(m, potential, scheme, dt) },
		variants: func() (v []benchCase) {
			for _, pot := range []string{quench.PotentialHarmonic, quench.PotentialDoubleWell, quench.PotentialKuramoto} {
				for _, sc := range []string{quench.SchemeEM, quench.SchemeLM, quench.SchemeBAOAB} {
					if pot == quench.PotentialKuramoto && sc == quench.SchemeBAOAB {
						continue // overdamped phases
					}
					for _, t := range []quench.DType{quench.Float32, quench.Float64} {
						v = append(v, particleCase(n, pot, sc, t))
					}
				}
			}
			return v
		},
	}
}

func sandpileCase(shape []int) benchCase {
	// the pile as a backend holds it, sim.Config.Bytes' device part:
	// heights, activity (int64), stamps (int32), two bytes of flags and
	// the tiles' marks and lists (14 bytes a site counted before, 272 MiB
	// short of a GPU's at 16384^2: an audit; the CPU backend's peak at
	// 8192^2 was 915 MiB, against 896 MiB then, 961 MiB now)
	pile := sim.Config{Model: "sandpile", Shape: shape, Sweeps: 1, Every: 1, ProfileEvery: sim.ProfileNone}
	_, device := pile.Bytes(false)
	return benchCase{
		// host: the stationary sample's heights and the sampler's 6 bytes
		// a site (sim.Config.Bytes' count for --start stationary), which
		// on a GPU the device's bytes did not count
		model: "sandpile", shape: shape, bytes: int64(device), host: 7 * sites(shape),
		open: func(be quench.Backend, _ float64) (measurer, error) {
			s, err := bench.NewSandpile(be, shape)
			if err != nil {
				return nil, err
			}
			s.Budget = sandpileBudget
			return grains{s}, nil
		},
		resize: func(s []int, _ int64) benchCase { return sandpileCase(s) },
	}
}

// sandpileBudget bounds the timed grains of a sandpile case: avalanche
// sizes in the stationary state are heavy-tailed, so the case times grains
// (up to 1000 per sweep asked for) until this much time has passed.
const sandpileBudget = 5 * time.Second

// grains counts a sweep as 1000 grains; no warm-up grains: the start is
// already stationary.
type grains struct{ *bench.Sandpile }

func (g grains) Measure(_, n int) (bench.Result, error) {
	return g.Sandpile.Measure(0, n*1000)
}

// massCase times a mass-transfer rule (kmp, aggregation, transfer):
// int64 masses, and as many on the host for the start.
func massCase(shape []int, rule string) benchCase {
	return benchCase{
		model: rule, shape: shape, bytes: 8 * sites(shape), host: 8 * sites(shape),
		open: func(be quench.Backend, _ float64) (measurer, error) {
			return bench.NewMassTransfer(be, shape, rule)
		},
		resize: func(s []int, _ int64) benchCase { return massCase(s, rule) },
	}
}

// diffusionCase times the heat-equation stencil: two fields.
func diffusionCase(shape []int, dt quench.DType) benchCase {
	return benchCase{
		model: "diffusion", variant: dt.String(), shape: shape, bytes: 2 * sites(shape) * dt.Size(),
		open: func(be quench.Backend, _ float64) (measurer, error) {
			return bench.NewDiffusion(be, shape, dt)
		},
		resize: func(s []int, _ int64) benchCase { return diffusionCase(s, dt) },
		variants: func() []benchCase {
			return []benchCase{diffusionCase(shape, quench.Float32), diffusionCase(shape, quench.Float64)}
		},
	}
}

// benchGrid is sized to the backend: a CPU grid that finishes in seconds
// here, and a GPU grid several times larger than the L2 cache (60 MB on an
// H200) with the issues' reference sizes (2D Ising L=32768, 3D L=1024,
// phi4 float32 L=16384, 10^8 particles).
func benchGrid(backend string) []benchCase {
	if benchGridOverride != nil {
		return benchGridOverride
	}
	if backend == "cuda" {
		return []benchCase{
			isingCase([]int{16384, 16384}, quench.Metropolis),
			isingCase([]int{32768, 32768}, quench.Metropolis),
			isingCase([]int{32768, 32768}, quench.HeatBath),
			isingCase([]int{512, 512, 512}, quench.Metropolis),
			isingCase([]int{1024, 1024, 1024}, quench.Metropolis),
			phi4Case([]int{16384, 16384}, quench.SchemeEM, quench.Float32),
			phi4Case([]int{16384, 16384}, quench.SchemeEM, quench.Float64),
			phi4Case([]int{16384, 16384}, quench.SchemeBAOAB, quench.Float32),
			phi4Case([]int{512, 512, 512}, quench.SchemeModelB, quench.Float32),
			particleCase(100_000_000, quench.PotentialHarmonic, quench.SchemeEM, quench.Float32),
			particleCase(100_000_000, quench.PotentialDoubleWell, quench.SchemeBAOAB, quench.Float64),
			particleCase(100_000_000, quench.PotentialKuramoto, quench.SchemeEM, quench.Float32),
			massCase([]int{16384, 16384}, "kmp"),
			diffusionCase([]int{16384, 16384}, quench.Float32),
			diffusionCase([]int{16384, 16384}, quench.Float64),
			// last. 4096^2, not 16384^2: the stationary start of
			// 16384^2 takes about 19 s on the CPU (docs/reference.md) and single avalanches there
			// last ~10^5 rounds (gpu's BenchmarkSandpileL16384 times it)
			sandpileCase([]int{4096, 4096}),
		}
	}
	return []benchCase{
		isingCase([]int{1024, 1024}, quench.Metropolis),
		isingCase([]int{2048, 2048}, quench.Metropolis),
		isingCase([]int{2048, 2048}, quench.HeatBath),
		isingCase([]int{128, 128, 128}, quench.Metropolis),
		phi4Case([]int{256, 256}, quench.SchemeEM, quench.Float32),
		phi4Case([]int{256, 256}, quench.SchemeBAOAB, quench.Float64),
		particleCase(1<<18, quench.PotentialHarmonic, quench.SchemeEM, quench.Float64),
		sandpileCase([]int{256, 256}),
		massCase([]int{256, 256}, "kmp"),
		diffusionCase([]int{512, 512}, quench.Float32),
	}
}

// benchModels are the models bench --model can pick.
var benchModels = []string{"ising2d", "ising3d", "phi4", "particles", "sandpile", "kmp", "aggregation", "transfer", "diffusion"}

// benchSelection is what bench's --model, --L, --shape and --N ask for.
type benchSelection struct {
	models []string // none: the whole grid
	L      int      // every lattice at L along each axis
	Ls     []int    // --L's sizes, each in turn as L (selectEach)
	shape  []int    // only lattices of its dimension, at it
	n      int64    // particles at n (with a size flag: only particles
	// unless a lattice size is given too)
}

// dims are the lattice dimensions a model runs in.
func benchDims(model string) (lo, hi int) {
	switch model {
	case "ising2d":
		return 2, 2
	case "ising3d":
		return 3, 3
	case "kmp", "aggregation", "transfer":
		return 1, 2
	case "particles":
		return 0, 0
	}
	return 1, 3
}

// selectGrid applies sel to the backend's grid: the models asked for, in
// every variant at the sizes the grid times them (aggregation and
// transfer at kmp's), then at the size asked; a model or size that leaves
// nothing to time is an error naming it. A point the size does not suit
// (odd extents, too many sites) is an error when --model named it, and
// otherwise left out, named in skipped.
func selectGrid(grid []benchCase, sel benchSelection) (cases []benchCase, skipped []string, err error) {
	out := grid
	if len(sel.models) > 0 {
		out = nil
		for _, m := range sel.models {
			src := m
			if m == "aggregation" || m == "transfer" {
				src = "kmp"
			}
			seen := map[string]bool{}
			for _, g := range grid {
				if g.model != src {
					continue
				}
				if src != m {
					g = massCase(g.shape, m)
				}
				key := fmt.Sprint(g.shape, g.n)
				if seen[key] {
					continue // one point per size: variants below
				}
				seen[key] = true
				if g.variants != nil {
					out = append(out, g.variants()...)
				} else {
					out = append(out, g)
				}
			}
		}
	}
	if sel.L == 0 && sel.shape == nil && sel.n == 0 {
		return out, nil, nil
	}
	var sized []benchCase
	seen := map[string]bool{}
	for _, g := range out {
		switch {
		case g.shape == nil && sel.n > 0:
			g = g.resize(nil, sel.n)
		case g.shape != nil && sel.L > 0:
			s := make([]int, len(g.shape))
			for i := range s {
				s[i] = sel.L
			}
			g = g.resize(s, 0)
		case g.shape != nil && sel.shape != nil:
			if lo, hi := benchDims(g.model); len(sel.shape) < lo || len(sel.shape) > hi {
				continue
			}
			g = g.resize(sel.shape, 0)
		default:
			continue // not the kind of point the size flags ask for
		}
		if why := unsuited(g); why != "" {
			if len(sel.models) > 0 {
				return nil, nil, quench.Usagef("%s: %s %s", sizeFlag(sel), g.model, why)
			}
			if k := g.model + " " + why; !seen[k] {
				seen[k] = true
				skipped = append(skipped, k)
			}
			continue
		}
		// the same point once (the grid's two 2D Ising sizes at one L)
		if k := fmt.Sprint(g.model, g.variant, g.shape, g.n); !seen[k] {
			seen[k] = true
			sized = append(sized, g)
		}
	}
	if len(sized) == 0 {
		what := "the grid"
		if len(sel.models) > 0 {
			what = "--model " + strings.Join(sel.models, ",")
		}
		why := "ising2d is 2D, ising3d 3D, kmp, aggregation and transfer 1D or 2D; --N sizes particles"
		if len(skipped) > 0 {
			why = strings.Join(skipped, "; ")
		} else if len(sel.models) > 0 {
			var ws []string
			for _, m := range sel.models {
				if w := sizeMisses(m, sel); !slices.Contains(ws, w) {
					ws = append(ws, w)
				}
			}
			why = strings.Join(ws, "; ")
		}
		return nil, nil, quench.Usagef("%s leaves nothing to time in %s (%s)", sizeFlag(sel), what, why)
	}
	// a model --model names that the size leaves out is refused too, not
	// dropped while the others are timed
	for _, m := range sel.models {
		if !slices.ContainsFunc(sized, func(g benchCase) bool { return g.model == m }) {
			return nil, nil, quench.Usagef("%s leaves nothing to time for %s in --model %s (%s)",
				sizeFlag(sel), m, strings.Join(sel.models, ","), sizeMisses(m, sel))
		}
	}
	return sized, skipped, nil
}

// selectEach is selectGrid for each of --L's sizes in turn (once for a
// selection without them), the points in that order; a size's note on
// points it leaves out is kept once.
func selectEach(grid []benchCase, sel benchSelection) (cases []benchCase, skipped []string, err error) {
	if len(sel.Ls) < 2 {
		return selectGrid(grid, sel)
	}
	for _, L := range sel.Ls {
		sel.L = L
		c, s, err := selectGrid(grid, sel)
		if err != nil {
			return nil, nil, err
		}
		cases = append(cases, c...)
		for _, k := range s {
			if !slices.Contains(skipped, k) {
				skipped = append(skipped, k)
			}
		}
	}
	return cases, skipped, nil
}

// sizeMisses says why the size flags of sel leave out every point of
// model (the other checks having passed: a kind or dimension they do not
// size).
func sizeMisses(model string, sel benchSelection) string {
	lo, hi := benchDims(model)
	switch {
	case model == "particles":
		return "--N sizes particles"
	case sel.L == 0 && sel.shape == nil:
		return "--L or --shape sizes lattices"
	case lo == hi:
		return fmt.Sprintf("%s is %dD", model, lo)
	}
	// kmp, aggregation and transfer (the models of 1D to 3D take every
	// --shape benchSelect lets through)
	return fmt.Sprintf("%s runs in %dD or %dD", model, lo, hi)
}

// unsuited says why a lattice point cannot run at its shape, or "".
func unsuited(g benchCase) string {
	if g.shape == nil {
		return ""
	}
	lat, err := quench.NewLattice(g.shape...)
	if err != nil {
		return err.Error()
	}
	switch g.model {
	case "ising2d", "ising3d":
		if err := lat.CheckCheckerboard(); err != nil {
			return err.Error()
		}
	case "kmp", "aggregation", "transfer":
		for _, e := range g.shape {
			if e%2 != 0 {
				return fmt.Sprintf("%s needs even extents (bonds are updated in even and odd classes)", lat)
			}
		}
	}
	if g.model == "sandpile" && lat.Sites() > sim.MaxStationarySites {
		return fmt.Sprintf("%s: the benchmark starts from a stationary sample, at most %d sites, not %d", lat, sim.MaxStationarySites, lat.Sites())
	}
	return ""
}

// benchSelect reads bench's --model, --L, --shape and --N.
func benchSelect(fl *pflag.FlagSet, models string, Ls string, shape string, n int64) (benchSelection, error) {
	var sel benchSelection
	if fl.Changed("model") {
		for _, m := range strings.Split(models, ",") {
			m = strings.TrimSpace(m)
			if m == "" && strings.Contains(models, ",") {
				// ("ising2d," read as an unknown model "")
				return sel, quench.Usagef("--model %q is not allowed: an empty name between commas", models)
			}
			if !slices.Contains(benchModels, m) {
				return sel, quench.Usagef("unknown --model %q: bench times %s (comma-separated)", m, strings.Join(benchModels, ", "))
			}
			if !slices.Contains(sel.models, m) {
				sel.models = append(sel.models, m)
			}
		}
	}
	if fl.Changed("T") && len(sel.models) > 0 && !slices.Contains(sel.models, "ising2d") && !slices.Contains(sel.models, "ising3d") {
		// as quench run refuses a flag its model does not read
		return sel, quench.Usagef("--T does not apply to --model %s: only the Ising timings (ising2d, ising3d) use a temperature", strings.Join(sel.models, ","))
	}
	if fl.Changed("N") && len(sel.models) > 0 && !slices.Contains(sel.models, "particles") {
		// as --T above: a size no model named reads is refused, not ignored
		return sel, quench.Usagef("--N does not apply to --model %s: it sizes the particle timings (--model particles)", strings.Join(sel.models, ","))
	}
	if fl.Changed("shape") && strings.TrimSpace(shape) == "" {
		return sel, quench.Usagef(`--shape %q is not allowed: give the extents, like 8192x8192, or no --shape`, shape)
	}
	if fl.Changed("L") && fl.Changed("shape") {
		return sel, quench.Usagef("--L %s and --shape %s are not allowed together: --L sizes every lattice, --shape those of its dimension", Ls, shape)
	}
	if fl.Changed("L") {
		// a size, or several comma-separated, each timed in turn (an
		// audit's scan of sizes took a call, and 4 s of set-up, each)
		for _, f := range strings.Split(Ls, ",") {
			L, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return sel, quench.Usagef("--L %q is not allowed: a whole number from 2 to 2^24, or several comma-separated (12,16,24)", Ls)
			}
			if L < 2 || L > 1<<24 {
				return sel, quench.Usagef("--L %d is not allowed: from 2 to 2^24", L)
			}
			if !slices.Contains(sel.Ls, L) {
				sel.Ls = append(sel.Ls, L)
			}
		}
		sel.L = sel.Ls[0]
	}
	if fl.Changed("shape") {
		fields := strings.Count(shape, "x") + 1
		s, err := quench.ParseShape(shape, fields)
		if err != nil {
			return sel, quench.Usagef("--shape: %v", err)
		}
		if len(s) > 3 {
			return sel, quench.Usagef("--shape %s is not allowed: lattices have 1, 2 or 3 dimensions", shape)
		}
		if _, err := quench.NewLattice(s...); err != nil {
			return sel, quench.Usagef("--shape %s: %v", shape, err)
		}
		sel.shape = s
	}
	if fl.Changed("N") {
		if n < 1 || n > 1<<40 {
			return sel, quench.Usagef("--N %d is not allowed: between 1 and 2^40 particles", n)
		}
		sel.n = n
	}
	return sel, nil
}

// needs is what point g holds of be's memory (a GPU's device memory, with
// deviceSlack for the allocator's rounding; the CPU backend's is the
// host's, which holds the start too) and, on a GPU, of the host's.
func (g benchCase) needs(be quench.Backend) (onBackend, onHost uint64) {
	if be.Name() == "cpu" {
		return uint64(g.bytes + g.host), 0
	}
	return uint64(g.bytes) + deviceSlack, uint64(g.host)
}

// short says what point g needs of the memory that be or the host lacks
// ("" when it fits, or where the free memory cannot be read: the
// allocations then report it): "X (N bytes), and B has Y (M bytes) free".
func (g benchCase) short(be quench.Backend) string {
	need, host := g.needs(be)
	if free, _, err := be.MemInfo(); err == nil && need > free {
		return fmt.Sprintf("%s (%d bytes), and %s has %s (%d bytes) free", quench.FormatBytes(need), need, be.Name(), quench.FormatBytes(free), free)
	}
	if avail, _, err := hostMemory(); err == nil && host > avail {
		return fmt.Sprintf("%s (%d bytes) of host memory for its start, and the host has %s (%d bytes) available", quench.FormatBytes(host), host, quench.FormatBytes(avail), avail)
	}
	return ""
}

// fitGrid refuses, before anything is timed, a point that does not fit in
// the backend's free memory: an error when --model named it (strict),
// otherwise left out and named in skipped, unless nothing is left.
func fitGrid(be quench.Backend, grid []benchCase, strict bool) (fit []benchCase, skipped []string, err error) {
	for _, g := range grid {
		short := g.short(be)
		if short == "" {
			fit = append(fit, g)
			continue
		}
		size := fmt.Sprintf("N=%d", g.n)
		if g.shape != nil {
			size = (quench.Lattice{Shape: g.shape}).String()
		}
		msg := fmt.Sprintf("a %s benchmark of %s %s needs %s", be.Name(), g.model, size, short)
		if strict {
			return nil, nil, quench.Usagef("%s: give a smaller --L, --shape or --N", msg)
		}
		skipped = append(skipped, msg)
	}
	if len(fit) == 0 {
		return nil, nil, quench.Usagef("%s: give a smaller --L, --shape or --N", skipped[0])
	}
	return fit, skipped, nil
}

// sizeFlag names the size flags of sel as given.
func sizeFlag(sel benchSelection) string {
	var f []string
	if sel.L > 0 {
		f = append(f, fmt.Sprintf("--L %d", sel.L))
	}
	if sel.shape != nil {
		f = append(f, "--shape "+(quench.Lattice{Shape: sel.shape}).String())
	}
	if sel.n > 0 {
		f = append(f, fmt.Sprintf("--N %d", sel.n))
	}
	return strings.Join(f, " ")
}

// benchGridOverride replaces the grid in tests.
var benchGridOverride []benchCase

// peakBandwidth is implemented by backends that know their memory
// bandwidth: measured on this machine by a copy (the first time it is
// asked), the CPU's of host memory, a GPU's device to device.
type peakBandwidth interface{ PeakBandwidth() float64 }

// devicePeak is a GPU backend's: whether its PeakBandwidth is the
// measured copy's (and why not), and its clock and bus width's.
type devicePeak interface {
	PeakMeasured() (bool, string)
	NominalBandwidth() float64
}

// peakSource says where be's PeakBandwidth comes from (bench.Result's
// PeakSource).
func peakSource(be quench.Backend) string {
	if be.Name() == "cpu" {
		return "host copy bandwidth measured by this bench (2 bytes a byte copied, GOMAXPROCS threads)"
	}
	if dp, ok := be.(devicePeak); ok {
		if measured, _ := dp.PeakMeasured(); !measured {
			return "device memory clock and bus width (a copy could not be measured)"
		}
	}
	return "device-to-device copy bandwidth measured by this bench (2 bytes a byte copied)"
}

func newBenchCmd(stdout, stderr io.Writer) *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure sweep throughput (flips/ns, GB/s, fraction of the memory limit) per backend",
		Long: `bench times Ising sweeps, phi4 and particle steps, sandpile grains and
mass-transfer and diffusion steps (after warm-up, between two
synchronizations) on a size grid for each backend: flips, site updates,
coordinate updates or topplings per ns, the effective bandwidth from the
bytes each update must move (3 per flip; 2 elements per em step, ...; none
for topplings), its fraction of the memory limit ("of peak": the copy bandwidth measured
once on this machine, two bytes a byte copied, on a GPU device to device,
on the CPU of host memory, given under the table), and the GPU/CPU
speedup per model and algorithm.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd.Flags(), stdout, stderr)
		},
	}
	cmd.Flags().StringVar(&f.backend, "backend", "all", "all (every available backend), cpu, cuda")
	intVar(cmd.Flags(), &f.device, "device", 0, "GPU device index")
	intVar(cmd.Flags(), &f.sweeps, "sweeps", 20, "timed sweeps per size (at least; more until a point takes --min-time)")
	floatVar(cmd.Flags(), &f.minTime, "min-time", 0.5, "seconds a point is timed for at least: a shorter timing is repeated with more sweeps")
	floatVar(cmd.Flags(), &f.T, "T", 1.5, "Ising temperature, in 2D and 3D (with --model, only an Ising model takes it)")
	cmd.Flags().StringVar(&f.jsonPath, "json", "", "also write the results as JSON to this file")
	cmd.Flags().StringVar(&f.models, "model", "", "time only these models, comma-separated ("+strings.Join(benchModels, ", ")+"), each in every algorithm, scheme, potential and precision")
	cmd.Flags().StringVar(&f.L, "L", "", "time every lattice at L along each axis (several sizes comma-separated, each in turn: 12,16,24)")
	cmd.Flags().StringVar(&f.shape, "shape", "", "time the lattices of this shape's dimension at it, e.g. 8192x8192")
	int64Var(cmd.Flags(), &f.nPart, "N", 0, "time particle ensembles of N particles")
	return cmd
}

// benchFlags are quench bench's flags.
type benchFlags struct {
	backend, jsonPath, models, L, shape string
	device, sweeps                      int
	T, minTime                          float64
	nPart                               int64
}

// check refuses bad values, before any backend is opened: it returns the
// models and sizes asked for, and turns --json into the file it writes
// (refused now, not after the whole grid has run).
func (f *benchFlags) check(fl *pflag.FlagSet) (benchSelection, error) {
	if f.sweeps < 1 || f.sweeps > maxBenchSweeps {
		// (an audit's 2^63-1 ran for ever, past the first Ctrl-C,
		// which lets the point being timed finish)
		return benchSelection{}, quench.Usagef("--sweeps %d is not allowed: from 1 to 2^30 (a timing's most)", f.sweeps)
	}
	if !(f.minTime >= 0 && f.minTime <= 600) {
		return benchSelection{}, quench.Usagef("--min-time %v is not allowed: 0 to 600 seconds", f.minTime)
	}
	if err := sim.PositiveInvertible("--T", "the temperature", f.T); err != nil {
		return benchSelection{}, err
	}
	sel, err := benchSelect(fl, f.models, f.L, f.shape, f.nPart)
	if err != nil {
		return sel, err
	}
	if fl.Changed("json") {
		// (empty, a directory, a device, a link to nothing, no directory
		// to write it in; a link to a file is written through)
		if f.jsonPath, err = outFile("--json", f.jsonPath); err != nil {
			return sel, err
		}
		probe, err := os.CreateTemp(filepath.Dir(f.jsonPath), ".quench-bench-*")
		if err != nil {
			return sel, quench.Usagef("--json %s cannot be written: cannot create files in %s (%v)", f.jsonPath, filepath.Dir(f.jsonPath), errors.Unwrap(err))
		}
		probe.Close()
		os.Remove(probe.Name())
	}
	return sel, nil
}

// benchGrids returns each backend's points, checked before any is timed:
// sizes the flags leave nothing of, lattices the checkerboard cannot
// take, points that do not fit in memory; without --model, points a size
// does not suit are left out, and left names them.
func benchGrids(bes []quench.Backend, sel benchSelection) (grids [][]benchCase, total int, left []string, err error) {
	grids = make([][]benchCase, len(bes))
	for i, be := range bes {
		var skipSize, skipMem []string
		if grids[i], skipSize, err = selectEach(benchGrid(be.Name()), sel); err != nil {
			return nil, 0, nil, err
		}
		if grids[i], skipMem, err = fitGrid(be, grids[i], len(sel.models) > 0); err != nil {
			return nil, 0, nil, err
		}
		left = append(append(left, skipSize...), skipMem...)
		total += len(grids[i])
	}
	return grids, total, left, nil
}

// noteInterrupt writes, on the first signal of ctx (catchSignals'), that
// the point being timed runs to its end, closes noted, and lets ctx's
// signals go (stop). A second signal stops bench at once: second writes
// the rows measured, unless the command is writing them itself (second
// reports false; writeJSON's own handler then ends it), and the process
// exits with code 130. Close returned when the command returns.
func noteInterrupt(ctx context.Context, stop func(), stderr io.Writer, second func() bool) (noted, returned chan struct{}) {
	noted, returned = make(chan struct{}), make(chan struct{})
	hook := testHookBenchNoted // (read here: a test sets it while an earlier test's goroutine waits)
	go func() {
		select {
		case <-ctx.Done():
			// a goroutine that had not yet waited when the
			// command returned sees both: returned is closed
			// before stop cancels ctx, so it tells the two apart
			select {
			case <-returned:
				return
			default:
			}
		case <-returned:
			return // stop cancelled ctx on the way out: no signal
		}
		// caught before ctx's handler lets go: a second signal ends bench
		// here, with the rows measured written, not by its default action
		// (an audit lost --json so)
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, caughtSignals()...)
		defer signal.Stop(sigs)
		stop()
		// the point being timed runs to its end: say so, as a
		// large one takes seconds
		fmt.Fprintln(stderr, "quench: interrupt: finishing the benchmark being timed (Ctrl-C again to stop at once)")
		close(noted)
		if hook != nil {
			hook()
		}
		select {
		case <-sigs:
			if second() {
				exitOnInterrupt(exitInterrupted)
			}
		case <-returned:
		}
	}()
	return noted, returned
}

// benchTally is what bench has measured: the rows, the fastest rate of
// each model and algorithm on each backend, and the peaks the rows'
// fractions are of (the host's copy bandwidth, GB/s, once measured, and
// on how many threads; each GPU's line under the table).
type benchTally struct {
	// mu guards results and writing, which a second interrupt's handler
	// reads (noteInterrupt)
	mu         sync.Mutex
	writing    bool          // the rows are being written to --json
	written    chan struct{} // closed once a second interrupt's handler has written them
	results    []bench.Result
	best       map[string]map[string]float64 // model/algo -> backend -> flips/ns
	cpuPeak    float64
	cpuThreads int
	gpuPeaks   []string
	gpuNoted   map[int]bool // (by index in bes)
}

// add records r, measured on be (bes[i]), with its fraction of be's peak,
// and returns that fraction as the table prints it ("-": none).
func (t *benchTally) add(i int, be quench.Backend, r bench.Result) (bench.Result, string) {
	frac := "-"
	if pb, ok := be.(peakBandwidth); ok && r.GBPerS > 0 && pb.PeakBandwidth() > 0 {
		r.PeakGBPerS = pb.PeakBandwidth() / 1e9
		r.FracOfLimit = r.GBPerS / r.PeakGBPerS
		r.PeakSource = peakSource(be)
		frac = fmt.Sprintf("%.0f%%", 100*r.FracOfLimit)
		if be.Name() == "cpu" {
			t.cpuPeak = r.PeakGBPerS
			_, t.cpuThreads = cpu.HostBandwidth()
		} else if dp, ok := be.(devicePeak); ok && !t.gpuNoted[i] {
			t.gpuNoted[i] = true
			line := fmt.Sprintf("%s of peak: of the device's copy bandwidth, %.0f GB/s as measured here (device to device, 2 bytes a byte copied); its memory clock and bus width give %.0f GB/s", be.Name(), r.PeakGBPerS, dp.NominalBandwidth()/1e9)
			if measured, why := dp.PeakMeasured(); !measured {
				line = fmt.Sprintf("%s of peak: of the device's memory clock and bus width, %.0f GB/s (a copy could not be measured: %s)", be.Name(), r.PeakGBPerS, why)
			}
			t.gpuPeaks = append(t.gpuPeaks, line)
		}
	}
	r.Device, r.Quench = deviceOf(be), sim.BuildInfo().String()
	t.mu.Lock()
	t.results = append(t.results, r)
	t.mu.Unlock()
	key := r.Model + " " + r.Algo
	if t.best[key] == nil {
		t.best[key] = map[string]float64{}
	}
	t.best[key][r.Backend] = max(t.best[key][r.Backend], r.Rate)
	return r, frac
}

// rows returns the rows measured so far, and marks them as being written
// (false: another goroutine is writing them).
func (t *benchTally) rows() ([]bench.Result, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.writing {
		return nil, false
	}
	t.writing = true
	return slices.Clone(t.results), true
}

// writeJSON writes the rows measured so far to --json (if given).
func (f *benchFlags) writeJSON(stderr io.Writer, results []bench.Result) error {
	if f.jsonPath == "" {
		return nil
	}
	data, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return fmt.Errorf("--json %s: %w", f.jsonPath, err)
	}
	// whole or not at all: a full disk leaves no truncated file,
	// and an interrupt while it is written (a second Ctrl-C,
	// which no longer finishes the point) no temporary file
	defer removeOnInterrupt(stderr, "bench")()
	return writeWhole(f.jsonPath, "--json", func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	})
}

// run times every point of the grid on each backend asked for, a row
// each, then prints the notes under the table and writes --json.
func (f *benchFlags) run(fl *pflag.FlagSet, stdout, stderr io.Writer) error {
	sel, err := f.check(fl)
	if err != nil {
		return err
	}
	bes, noCUDA, err := benchBackends(f.backend, f.device)
	if err != nil {
		return err
	}
	closed := make([]bool, len(bes))
	defer func() {
		for i, be := range bes {
			if !closed[i] {
				be.Close()
			}
		}
	}()
	// (before the signal handler below, whose stop would otherwise print
	// its interrupt note after a usage error's line)
	grids, total, left, err := benchGrids(bes, sel)
	if err != nil {
		return err
	}
	fmt.Fprint(stderr, noCUDA)
	if len(left) > 0 {
		fmt.Fprintf(stderr, "quench: note: left out (name models with --model to time only those): %s\n", strings.Join(left, "; "))
	}
	// Ctrl-C ends the grid after the point being timed (a second
	// one at once), keeping the rows measured
	ctx, stop := catchSignals()
	defer stop()
	t := &benchTally{best: map[string]map[string]float64{}, gpuNoted: map[int]bool{}, written: make(chan struct{})}
	noted, returned := noteInterrupt(ctx, stop, stderr, func() bool {
		rows, ok := t.rows()
		if ok {
			fmt.Fprintf(stderr, "quench: interrupted again: stopped at once after %d of %d benchmarks\n", len(rows), total)
			if err := f.writeJSON(stderr, rows); err != nil {
				fmt.Fprintf(stderr, "quench: %v\n", err)
			}
			close(t.written)
		}
		return ok
	})
	defer close(returned) // (before stop: deferred calls run last first)
	// write writes the rows measured to --json, unless a second
	// interrupt's handler is writing them (then it waits for that, and
	// the handler ends the process)
	write := func() error {
		rows, ok := t.rows()
		if !ok {
			<-t.written
			return sim.ErrInterrupted
		}
		return f.writeJSON(stderr, rows)
	}
	interrupted := func() error {
		<-noted
		fmt.Fprintf(stderr, "quench: interrupted after %d of %d benchmarks\n", len(t.results), total)
		if err := write(); err != nil {
			return &failure{err}
		}
		return sim.ErrInterrupted
	}
	const row = "%-8s %-11s %-15s %-26s %26s %8s %8s\n"
	fmt.Fprintf(stdout, row, "backend", "model", "shape", "algorithm", "per ns", "GB/s", "of peak")
	for i, be := range bes {
		for _, g := range grids[i] {
			if ctx.Err() != nil {
				return interrupted()
			}
			r, err := measure(ctx, be, g, f.T, f.sweeps, f.minTime)
			if err != nil {
				if jerr := write(); jerr != nil {
					fmt.Fprintf(stderr, "quench: %v\n", jerr)
				}
				return &failure{err}
			}
			r, frac := t.add(i, be, r)
			gbs := "-" // topplings move no fixed bytes
			if r.GBPerS > 0 {
				gbs = fmt.Sprintf("%.1f", r.GBPerS)
			}
			fmt.Fprintf(stdout, row, r.Backend, r.Model, r.Shape, r.Algo,
				fmt.Sprintf("%.4g %s", r.Rate, r.Unit), gbs, frac)
			if testHookBenchPoint != nil {
				testHookBenchPoint(ctx)
			}
		}
		be.Close()
		closed[i] = true
	}
	if ctx.Err() != nil { // during the last point
		return interrupted()
	}
	printBenchNotes(stdout, t.results, t.cpuPeak, t.cpuThreads, t.gpuPeaks, t.best)
	if err := write(); err != nil {
		return &failure{err}
	}
	return nil
}

// benchBackends opens the backends --backend names (all: the CPU and a
// GPU where there is one) and, where all found no GPU, the note that
// says so (written once the sizes are checked: a refusal is one line).
func benchBackends(backend string, device int) (bes []quench.Backend, noCUDA string, err error) {
	switch backend {
	case "cpu", "all", "cuda":
	default:
		return nil, "", quench.Usagef("unknown --backend %q: allowed are all, cpu, cuda", backend)
	}
	if device < 0 {
		return nil, "", quench.Usagef("--device %d is not allowed: GPU indices start at 0", device)
	}
	if backend == "cpu" && device != 0 { // as run: 0, the default, is no GPU's choice
		return nil, "", quench.Usagef("--device %d does not apply to --backend cpu (it picks a GPU for cuda or all)", device)
	}
	if backend != "cuda" {
		bes = append(bes, cpu.New())
	}
	if backend != "cpu" {
		g, err := gpu.New(device)
		switch {
		case err == nil:
			bes = append(bes, g)
		case backend == "cuda":
			return nil, "", quench.Usagef("--backend cuda: %v", err)
		default:
			noCUDA = fmt.Sprintf("quench: note: no CUDA backend (%v); benchmarking the CPU only\n", shortReason(err))
		}
	}
	return bes, noCUDA, nil
}

// printBenchNotes writes the lines under bench's table: what each
// sandpile point timed, the CPU's and each GPU's peak bandwidth (cpuPeak
// GB/s on cpuThreads threads), and the GPU/CPU speedup of each model and
// algorithm from the best rates.
func printBenchNotes(stdout io.Writer, results []bench.Result, cpuPeak float64, cpuThreads int, gpuPeaks []string, best map[string]map[string]float64) {
	for _, r := range results {
		if r.Model == "sandpile" {
			// its rate is of grains whose avalanches vary by orders
			// of magnitude: what was timed
			// and its longest grain: an avalanche is not cut, so one
			// can take the timing far past sandpileBudget (an 8192^2
			// CPU point took 37.6 s, 36.6 of them its last grain's)
			longest := ""
			if r.LongestGrain > 0 {
				longest = fmt.Sprintf(", the longest grain %.3g s (%.3g topplings)", r.LongestGrain, float64(r.LongestGrainTopplings))
				if r.Seconds > 2*sandpileBudget.Seconds() {
					longest += fmt.Sprintf(": the timing ends after the grain that passes %.3g s, never within one", sandpileBudget.Seconds())
				}
			}
			fmt.Fprintf(stdout, "%s sandpile %s: %s (%.3g topplings) in %.3g s%s, from an exact stationary sample drawn before the timing\n",
				r.Backend, r.Shape, count(int64(r.Sweeps), "grains"), r.Rate*r.Seconds*1e9, r.Seconds, longest)
		}
	}
	if cpuPeak > 0 {
		fmt.Fprintf(stdout, "cpu of peak: of the host's copy bandwidth, %.1f GB/s as measured here (%s), which a lattice that fits in the caches can pass\n",
			cpuPeak, count(int64(cpuThreads), "threads"))
	} else if why := cpu.BandwidthUnmeasured(); why != "" && slices.ContainsFunc(results, func(r bench.Result) bool { return r.Backend == "cpu" }) {
		fmt.Fprintf(stdout, "cpu of peak: the host's copy bandwidth %s\n", why)
	}
	for _, l := range gpuPeaks {
		fmt.Fprintln(stdout, l)
	}
	// in a fixed order, with three digits (a slow device's is below
	// 1), whole above 100 (not 1.23e+03)
	for _, key := range slices.Sorted(maps.Keys(best)) {
		if m := best[key]; m["cpu"] > 0 && m["cuda"] > 0 {
			x := m["cuda"] / m["cpu"]
			f := "%.3gx"
			if x >= 100 {
				f = "%.0fx"
			}
			fmt.Fprintf(stdout, "speedup GPU/CPU, %s: "+f+"\n", key, x)
		}
	}
}

// testHookBenchPoint, set by tests only, is called after each grid point
// with the context a caught signal cancels.
var testHookBenchPoint func(ctx context.Context)

// testHookBenchNoted, set by tests only, is called once a first signal
// has been noted and a second would stop bench at once.
var testHookBenchNoted func()

// maxBenchSweeps bounds the sweeps of one timing.
const maxBenchSweeps = 1 << 30

// measure runs one grid point, refusing sizes that do not fit: sweeps
// sweeps timed, and timed again with more while that took less than
// minTime seconds (a timing of milliseconds varies by 2x from one call to
// the next on a shared machine), the sweeps scaled to what should take
// 1.2 minTime, at most 100 times as many each time; not once an interrupt
// came (ctx), nor when a timing did less than asked because its own
// budget ran out (the sandpile's sandpileBudget), where more would only
// time the same again.
func measure(ctx context.Context, be quench.Backend, g benchCase, T float64, sweeps int, minTime float64) (bench.Result, error) {
	if short := g.short(be); short != "" {
		return bench.Result{}, fmt.Errorf("a %s benchmark needs %s", be.Name(), short)
	}
	m, err := g.open(be, T)
	if err != nil {
		return bench.Result{}, err
	}
	defer m.Close()
	r, err := m.Measure(2, sweeps)
	for n := sweeps; err == nil && r.Seconds < minTime && n < maxBenchSweeps && ctx.Err() == nil; {
		grow := 100.0
		if r.Seconds > 0 {
			grow = min(max(1.2*minTime/r.Seconds, 2), 100)
		}
		// units done per sweep asked (the sandpile's grains: up to 1000)
		per := float64(r.Sweeps) / float64(n)
		n = int(min(float64(n)*grow, maxBenchSweeps))
		if r, err = m.Measure(0, n); err == nil && float64(r.Sweeps)/float64(n) < 0.9*per {
			break // its own budget stopped it
		}
	}
	return r, err
}

// deviceOf names where backend be runs: the GPU's name, or the CPU backend
// and its threads.
func deviceOf(be quench.Backend) string {
	if d, ok := be.(interface{ DeviceName() string }); ok {
		return d.DeviceName()
	}
	return "cpu, " + count(int64(runtime.GOMAXPROCS(0)), "threads")
}
