package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/cpu"
	"github.com/quenchlab/quench/gpu"
	"github.com/quenchlab/quench/sim"
)

// exitDiverged is verify's exit code when the backends disagree.
const exitDiverged = 1

// verifyBackends opens the two backends verify compares; tests replace it.
var verifyBackends = func(device int) (quench.Backend, quench.Backend, error) {
	g, err := gpu.New(device)
	if err != nil {
		return nil, nil, quench.Usagef("verify needs a GPU: %v", err)
	}
	return cpu.New(), g, nil
}

// diverged is the error verify returns when the states differ (exit 1).
type diverged struct{ msg string }

func (d *diverged) Error() string { return d.msg }

func newVerifyCmd(stdout, stderr io.Writer) *cobra.Command {
	var f runFlags
	var device int
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Run one simulation on the CPU and the GPU and compare the states bit for bit",
		Long: `verify runs the same seeded simulation on the CPU and on the GPU, compares the
full states and every measurement every --every sweeps and after the last,
and prints "identical" with a SHA-256 of the final state, or the first sweep
and element (or measurement) where they differ. Exit 0 when identical, 1 on divergence,
2 on bad input or when no GPU can be opened (a CUDA build on a machine whose
driver finds no GPU at all exits 1 at start, with gorgonia.org/cu's message).`,
		Example: "  quench verify --model ising2d --L 1024 --sweeps 100 --seed 7 --every 10",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			compare := f.every
			f.every = 1 // measure after every sweep; compare every --every
			c, err := buildConfig(cmd.Flags(), &f)
			if err != nil {
				return err
			}
			if compare < 1 {
				return quench.Usagef("--every %d is not allowed: compare every N >= 1 %s", compare, c.StepUnit())
			}
			if device < 0 {
				return quench.Usagef("--device %d is not allowed: GPU indices start at 0", device)
			}
			// both runs' host copies and the CPU's state, before a GPU is
			// looked for
			if err := checkHostMemory(&c, c.VerifyHostBytes(), 0); err != nil {
				return err
			}
			a, b, err := verifyBackends(device)
			if err != nil {
				return err
			}
			defer a.Close()
			defer b.Close()
			if err := checkDeviceMemory(&c, b); err != nil {
				return err
			}
			ctx, stop := catchSignals()
			defer stop()
			res, err := sim.Verify(ctx, a, b, c, compare)
			if err != nil {
				if quench.IsUsage(err) {
					return err
				}
				return &failure{err}
			}
			fmt.Fprintf(stdout, "%s: %s vs %s, %d %s, compared every %d\n", c.String(), a.Name(), b.Name(), res.Sweeps, c.StepUnit(), compare)
			if res.Identical {
				fmt.Fprintf(stdout, "identical sha256:%x\n", res.Hash)
				return nil
			}
			msg := fmt.Sprintf("diverged after %s %d", strings.TrimSuffix(c.StepUnit(), "s"), res.Sweep)
			if res.Column != "" {
				msg += fmt.Sprintf(": %s %d (from 0), column %s, is %v on %s and %v on %s", res.What, res.Site, res.Column, res.A, a.Name(), res.B, b.Name())
			} else {
				site := "site"
				if res.What != "spin" {
					site = res.What + " element"
				}
				msg += fmt.Sprintf(": %s %d is %v on %s and %v on %s", site, res.Site, res.A, a.Name(), res.B, b.Name())
			}
			fmt.Fprintln(stdout, msg)
			return &diverged{msg}
		},
	}
	fl := cmd.Flags()
	addModelFlags(fl, &f)
	fl.Lookup("L").DefValue, f.L = "1024", 1024
	int64Var(fl, &f.sweeps, "sweeps", 100, "sweeps to run")
	int64Var(fl, &f.therm, "therm", 0, "thermalization sweeps before them (compared too)")
	int64Var(fl, &f.every, "every", 10, "compare the full states every N sweeps")
	intVar(fl, &device, "device", 0, "GPU device index (among CUDA_VISIBLE_DEVICES)")
	return cmd
}
