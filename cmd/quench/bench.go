package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/bench"
	"github.com/quenchlab/quench/cpu"
	"github.com/quenchlab/quench/gpu"
)

// benchCase is one point of the size grid.
type benchCase struct {
	shape []int
	algo  quench.Algo
}

// benchGrid is sized to the backend: a CPU grid that finishes in seconds
// here, and a GPU grid several times larger than the L2 cache (60 MB on an
// H200) with the reference sizes.
func benchGrid(backend string) []benchCase {
	if benchGridOverride != nil {
		return benchGridOverride
	}
	if backend == "cuda" {
		return []benchCase{
			{[]int{16384, 16384}, quench.Metropolis},
			{[]int{32768, 32768}, quench.Metropolis},
			{[]int{32768, 32768}, quench.HeatBath},
			{[]int{512, 512, 512}, quench.Metropolis},
			{[]int{1024, 1024, 1024}, quench.Metropolis},
		}
	}
	return []benchCase{
		{[]int{1024, 1024}, quench.Metropolis},
		{[]int{2048, 2048}, quench.Metropolis},
		{[]int{2048, 2048}, quench.HeatBath},
		{[]int{128, 128, 128}, quench.Metropolis},
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
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure sweep throughput (flips/ns, GB/s, fraction of the memory limit) per backend",
		Long: `bench times Ising checkerboard sweeps (after warm-up, between two
synchronizations) on a size grid for each backend: flips/ns, the effective
bandwidth at 3 bytes per flip, its fraction of the device's memory bandwidth
(GPU), and the GPU/CPU speedup per model and algorithm.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if sweeps < 1 {
				return quench.Usagef("--sweeps %d is not allowed: at least 1", sweeps)
			}
			if !(T > 0) {
				return quench.Usagef("--T %v is not allowed: the temperature must be positive", T)
			}
			var bes []quench.Backend
			switch backend {
			case "cpu", "all", "cuda":
			default:
				return quench.Usagef("unknown --backend %q: allowed are all, cpu, cuda", backend)
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
			var results []bench.Result
			best := map[string]map[string]float64{} // model/algo -> backend -> flips/ns
			const row = "%-8s %-8s %-15s %-11s %10s %8s %8s\n"
			fmt.Fprintf(stdout, row, "backend", "model", "shape", "algo", "flips/ns", "GB/s", "of peak")
			for _, be := range bes {
				for _, g := range benchGrid(be.Name()) {
					r, err := measure(be, g, T, sweeps)
					if err != nil {
						return &failure{err}
					}
					frac := "-"
					if pb, ok := be.(peakBandwidth); ok && pb.PeakBandwidth() > 0 {
						r.PeakGBPerS = pb.PeakBandwidth() / 1e9
						r.FracOfLimit = r.GBPerS / r.PeakGBPerS
						frac = fmt.Sprintf("%.0f%%", 100*r.FracOfLimit)
					}
					results = append(results, r)
					key := r.Model + " " + r.Algo
					if best[key] == nil {
						best[key] = map[string]float64{}
					}
					best[key][r.Backend] = max(best[key][r.Backend], r.FlipsPerNs)
					fmt.Fprintf(stdout, row, r.Backend, r.Model, r.Shape, r.Algo,
						fmt.Sprintf("%.3f", r.FlipsPerNs), fmt.Sprintf("%.1f", r.GBPerS), frac)
				}
				be.Close()
			}
			for key, m := range best {
				if m["cpu"] > 0 && m["cuda"] > 0 {
					fmt.Fprintf(stdout, "speedup GPU/CPU, %s: %.0fx\n", key, m["cuda"]/m["cpu"])
				}
			}
			if jsonPath != "" {
				data, _ := json.MarshalIndent(results, "", "  ")
				if err := os.WriteFile(jsonPath, append(data, '\n'), 0o644); err != nil {
					return &failure{err}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&backend, "backend", "all", "all (every available backend), cpu, cuda")
	cmd.Flags().IntVar(&device, "device", 0, "GPU device index")
	cmd.Flags().IntVar(&sweeps, "sweeps", 20, "timed sweeps per size")
	cmd.Flags().Float64Var(&T, "T", 1.5, "temperature")
	cmd.Flags().StringVar(&jsonPath, "json", "", "also write the results as JSON to this file")
	return cmd
}

// measure runs one grid point, refusing sizes that do not fit.
func measure(be quench.Backend, g benchCase, T float64, sweeps int) (bench.Result, error) {
	lat, err := quench.NewLattice(g.shape...)
	if err != nil {
		return bench.Result{}, err
	}
	need := uint64(lat.Sites())
	if free, _, err := be.MemInfo(); err == nil && 2*need > free {
		return bench.Result{}, fmt.Errorf("%s %s needs %s, %s free", be.Name(), lat, quench.FormatBytes(2*need), quench.FormatBytes(free))
	}
	ib, err := bench.NewIsing(be, g.shape, g.algo, T)
	if err != nil {
		return bench.Result{}, err
	}
	defer ib.Close()
	return ib.Measure(2, sweeps)
}
