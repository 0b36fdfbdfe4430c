package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/sim"
)

func newResumeCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		backend string
		device  int
		sweeps  int64
		quiet   bool
	)
	cmd := &cobra.Command{
		Use:   "resume DIR",
		Short: "Continue an interrupted or checkpointed run from DIR",
		Long: `resume continues the run whose checkpoint is in DIR and ends in exactly the
lattice and measurement series an uninterrupted run would have produced.
--sweeps extends a finished run; --backend may differ from the original one
(every backend gives the same bits).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			st, err := sim.ReadCheckpoint(dir)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("sweeps") {
				if sweeps < st.Config.Sweeps {
					return quench.Usagef("--sweeps %d is fewer than the run's %d: resume can only extend a run", sweeps, st.Config.Sweeps)
				}
				st.Config.Sweeps = sweeps
				if err := st.Config.Validate(); err != nil {
					return err
				}
			}
			be, err := openBackend(backend, device, stderr)
			if err != nil {
				return err
			}
			defer be.Close()
			if err := checkMemory(&st.Config, be); err != nil {
				return err
			}
			if err := checkDisk(dir, &st.Config); err != nil {
				return err
			}
			if st.Done() {
				fmt.Fprintf(stderr, "quench: the run in %s is already complete (%d %s); rewriting its outputs\n", dir, st.Step, st.Config.StepUnit())
			}
			return execute(st, be, dir, quiet, stdout, stderr)
		},
	}
	cmd.Flags().StringVar(&backend, "backend", "cpu", "where to run: cpu, cuda, auto")
	cmd.Flags().IntVar(&device, "device", 0, "GPU device index for --backend cuda")
	cmd.Flags().Int64Var(&sweeps, "sweeps", 0, "extend the run to this many measured sweeps")
	cmd.Flags().BoolVar(&quiet, "quiet", false, "no progress bar")
	return cmd
}
