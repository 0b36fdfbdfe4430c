package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/bench"
)

func newBenchCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		backend  string
		device   int
		sweeps   int
		jsonPath string
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure sweep throughput (flips/ns, GB/s) on a size grid",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if sweeps < 1 {
				return quench.Usagef("--sweeps %d is not allowed: at least 1", sweeps)
			}
			be, err := openBackend(backend, device, stderr)
			if err != nil {
				return err
			}
			defer be.Close()
			grid := []struct {
				shape []int
				algo  quench.Algo
			}{
				{[]int{1024, 1024}, quench.Metropolis},
				{[]int{2048, 2048}, quench.Metropolis},
				{[]int{2048, 2048}, quench.HeatBath},
				{[]int{128, 128, 128}, quench.Metropolis},
			}
			var results []bench.Result
			tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "backend\tmodel\tshape\talgo\tflips/ns\tGB/s\t")
			for _, g := range grid {
				ib, err := bench.NewIsing(be, g.shape, g.algo, 1.5)
				if err != nil {
					return &failure{err}
				}
				r, err := ib.Measure(2, sweeps)
				ib.Close()
				if err != nil {
					return &failure{err}
				}
				results = append(results, r)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.3f\t%.2f\t\n", r.Backend, r.Model, r.Shape, r.Algo, r.FlipsPerNs, r.GBPerS)
				tw.Flush()
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
	cmd.Flags().StringVar(&backend, "backend", "cpu", "where to run: cpu, cuda, auto")
	cmd.Flags().IntVar(&device, "device", 0, "GPU device index for --backend cuda")
	cmd.Flags().IntVar(&sweeps, "sweeps", 20, "timed sweeps per size")
	cmd.Flags().StringVar(&jsonPath, "json", "", "also write the results as JSON to this file")
	return cmd
}
