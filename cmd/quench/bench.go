package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/spf13/cobra"

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

// benchCase is one point of the size grid: bytes it needs, how to open it.
type benchCase struct {
	bytes int64
	open  func(be quench.Backend, T float64) (measurer, error)
}

func isingCase(shape []int, algo quench.Algo) benchCase {
	n := int64(1)
	for _, s := range shape {
		n *= int64(s)
	}
	return benchCase{2 * n, func(be quench.Backend, T float64) (measurer, error) { return bench.NewIsing(be, shape, algo, T) }}
}

func phi4Case(shape []int, scheme string, dt quench.DType) benchCase {
	n := int64(1)
	for _, s := range shape {
		n *= int64(s)
	}
	bytes := 3 * n * dt.Size()
	if scheme == quench.SchemeModelB {
		bytes += int64(len(shape)) * n * dt.Size() // the GPU's noise currents
	}
	return benchCase{bytes, func(be quench.Backend, _ float64) (measurer, error) {
		return bench.NewPhi4(be, shape, scheme, dt)
	}}
}

func particleCase(n int64, potential, scheme string, dt quench.DType) benchCase {
	return benchCase{3 * n * dt.Size(), func(be quench.Backend, _ float64) (measurer, error) {
		return bench.NewParticles(be, n, 1, potential, scheme, dt)
	}}
}

func sandpileCase(shape []int) benchCase {
	n := int64(1)
	for _, s := range shape {
		n *= int64(s)
	}
	// heights, activity (int64), stamps (int32) and flags, as sim.Config.Bytes
	return benchCase{14 * n, func(be quench.Backend, _ float64) (measurer, error) {
		s, err := bench.NewSandpile(be, shape)
		if err != nil {
			return nil, err
		}
		s.Budget = sandpileBudget
		return grains{s}, nil
	}}
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

func stepperCase(bytes int64, open func(be quench.Backend) (*bench.Stepper, error)) benchCase {
	return benchCase{bytes, func(be quench.Backend, _ float64) (measurer, error) { return open(be) }}
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
			stepperCase(8<<30, func(be quench.Backend) (*bench.Stepper, error) {
				return bench.NewMassTransfer(be, []int{16384, 16384}, "kmp")
			}),
			stepperCase(4<<30, func(be quench.Backend) (*bench.Stepper, error) {
				return bench.NewDiffusion(be, []int{16384, 16384}, quench.Float32)
			}),
			stepperCase(8<<30, func(be quench.Backend) (*bench.Stepper, error) {
				return bench.NewDiffusion(be, []int{16384, 16384}, quench.Float64)
			}),
			// last. 4096^2, not 16384^2: the stationary start of
			// 16384^2 takes ~1 min on the CPU and single avalanches there
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
		stepperCase(8<<20, func(be quench.Backend) (*bench.Stepper, error) {
			return bench.NewMassTransfer(be, []int{256, 256}, "kmp")
		}),
		stepperCase(8<<20, func(be quench.Backend) (*bench.Stepper, error) {
			return bench.NewDiffusion(be, []int{512, 512}, quench.Float32)
		}),
	}
}

// benchGridOverride replaces the grid in tests.
var benchGridOverride []benchCase

// peakBandwidth is implemented by backends that know their memory bandwidth.
type peakBandwidth interface{ PeakBandwidth() float64 }

func newBenchCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		backend  string
		device   int
		sweeps   int
		jsonPath string
		T        float64
		minTime  float64
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure sweep throughput (flips/ns, GB/s, fraction of the memory limit) per backend",
		Long: `bench times Ising sweeps, phi4 and particle steps, sandpile grains and
mass-transfer and diffusion steps (after warm-up, between two
synchronizations) on a size grid for each backend: flips, site updates,
coordinate updates or topplings per ns, the effective bandwidth from the
bytes each update must move (3 per flip; 2 elements per em step, ...; none
for topplings), its fraction of the device's memory bandwidth (GPU), and
the GPU/CPU speedup per model and algorithm.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if sweeps < 1 {
				return quench.Usagef("--sweeps %d is not allowed: at least 1", sweeps)
			}
			if !(minTime >= 0 && minTime <= 600) {
				return quench.Usagef("--min-time %v is not allowed: 0 to 600 seconds", minTime)
			}
			if err := sim.PositiveInvertible("--T", "the temperature", T); err != nil {
				return err
			}
			if jsonPath != "" {
				// refused now, not after the whole grid has run
				if fi, err := os.Stat(jsonPath); err == nil && fi.IsDir() {
					return quench.Usagef("--json %s is a directory: give a file name", jsonPath)
				}
				probe, err := os.CreateTemp(filepath.Dir(jsonPath), ".quench-bench-*")
				if err != nil {
					return quench.Usagef("--json %s cannot be written: cannot create files in %s (%v)", jsonPath, filepath.Dir(jsonPath), errors.Unwrap(err))
				}
				probe.Close()
				os.Remove(probe.Name())
			}
			var bes []quench.Backend
			switch backend {
			case "cpu", "all", "cuda":
			default:
				return quench.Usagef("unknown --backend %q: allowed are all, cpu, cuda", backend)
			}
			if device < 0 {
				return quench.Usagef("--device %d is not allowed: GPU indices start at 0", device)
			}
			if backend == "cpu" && cmd.Flags().Changed("device") {
				return quench.Usagef("--device %d does not apply to --backend cpu", device)
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
					return quench.Usagef("--backend cuda: %v", err)
				default:
					fmt.Fprintf(stderr, "quench: note: no CUDA backend (%v); benchmarking the CPU only\n", shortReason(err))
				}
			}
			closed := make([]bool, len(bes))
			defer func() {
				for i, be := range bes {
					if !closed[i] {
						be.Close()
					}
				}
			}()
			// Ctrl-C ends the grid after the point being timed (a second
			// one at once), keeping the rows measured
			ctx, stop := catchSignals()
			defer stop()
			noted := make(chan struct{}) // the note below is written
			go func() {
				<-ctx.Done()
				stop()
				// the point being timed runs to its end: say so, as a
				// large one takes seconds
				fmt.Fprintln(stderr, "quench: interrupt: finishing the benchmark being timed (Ctrl-C again to stop at once)")
				close(noted)
			}()
			var results []bench.Result
			// writeJSON writes the rows measured so far to --json
			writeJSON := func() error {
				if jsonPath == "" {
					return nil
				}
				data, err := json.MarshalIndent(results, "", "  ")
				if err != nil {
					return fmt.Errorf("--json %s: %w", jsonPath, err)
				}
				return os.WriteFile(jsonPath, append(data, '\n'), 0o644)
			}
			total := 0
			for _, be := range bes {
				total += len(benchGrid(be.Name()))
			}
			best := map[string]map[string]float64{} // model/algo -> backend -> flips/ns
			const row = "%-8s %-9s %-15s %-26s %26s %8s %8s\n"
			fmt.Fprintf(stdout, row, "backend", "model", "shape", "algorithm", "per ns", "GB/s", "of peak")
			for i, be := range bes {
				for _, g := range benchGrid(be.Name()) {
					if ctx.Err() != nil {
						<-noted
						fmt.Fprintf(stderr, "quench: interrupted after %d of %d benchmarks\n", len(results), total)
						if err := writeJSON(); err != nil {
							return &failure{err}
						}
						return sim.ErrInterrupted
					}
					r, err := measure(ctx, be, g, T, sweeps, minTime)
					if err != nil {
						if jerr := writeJSON(); jerr != nil {
							fmt.Fprintf(stderr, "quench: %v\n", jerr)
						}
						return &failure{err}
					}
					frac := "-"
					if pb, ok := be.(peakBandwidth); ok && pb.PeakBandwidth() > 0 && r.GBPerS > 0 {
						r.PeakGBPerS = pb.PeakBandwidth() / 1e9
						r.FracOfLimit = r.GBPerS / r.PeakGBPerS
						frac = fmt.Sprintf("%.0f%%", 100*r.FracOfLimit)
					}
					r.Device, r.Quench = deviceOf(be), sim.BuildInfo().String()
					results = append(results, r)
					key := r.Model + " " + r.Algo
					if best[key] == nil {
						best[key] = map[string]float64{}
					}
					best[key][r.Backend] = max(best[key][r.Backend], r.Rate)
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
				<-noted
				fmt.Fprintf(stderr, "quench: interrupted after %d of %d benchmarks\n", len(results), total)
				if err := writeJSON(); err != nil {
					return &failure{err}
				}
				return sim.ErrInterrupted
			}
			for key, m := range best {
				if m["cpu"] > 0 && m["cuda"] > 0 {
					fmt.Fprintf(stdout, "speedup GPU/CPU, %s: %.0fx\n", key, m["cuda"]/m["cpu"])
				}
			}
			if err := writeJSON(); err != nil {
				return &failure{err}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&backend, "backend", "all", "all (every available backend), cpu, cuda")
	intVar(cmd.Flags(), &device, "device", 0, "GPU device index")
	intVar(cmd.Flags(), &sweeps, "sweeps", 20, "timed sweeps per size (at least; more until a point takes --min-time)")
	floatVar(cmd.Flags(), &minTime, "min-time", 0.5, "seconds a point is timed for at least: a shorter timing is repeated with more sweeps")
	floatVar(cmd.Flags(), &T, "T", 1.5, "temperature")
	cmd.Flags().StringVar(&jsonPath, "json", "", "also write the results as JSON to this file")
	return cmd
}

// testHookBenchPoint, set by tests only, is called after each grid point
// with the context a caught signal cancels.
var testHookBenchPoint func(ctx context.Context)

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
	if free, _, err := be.MemInfo(); err == nil && uint64(g.bytes) > free {
		return bench.Result{}, fmt.Errorf("a %s benchmark needs %s, %s free", be.Name(), quench.FormatBytes(uint64(g.bytes)), quench.FormatBytes(free))
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
	return fmt.Sprintf("cpu, %d threads", runtime.GOMAXPROCS(0))
}
