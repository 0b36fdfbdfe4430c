package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/sim"
)

// quench compare: the saved states of two runs of one configuration,
// made apart (a GPU run on a server, a CPU run on a laptop), compared bit
// for bit, as verify compares two it runs itself.

func newCompareCmd(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "compare DIR DIR",
		Short: "Compare two saved runs of one configuration bit for bit (e.g. a CPU and a GPU run)",
		Long: `compare reads the checkpoints of two runs of the same model, lattice,
parameters, seed, start and thermalization, made apart (on the CPU and on a
GPU, on different machines, of different lengths), and compares bit for bit
the measurements both took at the same steps, the profile snapshots both
took, and, when both stand at the same step, the whole states. It prints
"identical" with what was compared (and the SHA-256 of the state, as verify
prints it), or the first difference. The runs may differ in --sweeps,
--every, --checkpoint-every and --profile-every: a short CPU run checks
the first measurements of a long GPU one. Exit 0 when identical, 1 when
they differ, 2 on bad input (runs of different settings, nothing in
common, a directory without a checkpoint).`,
		Example: "  quench run --backend cuda --L 16384 --sweeps 100000 --out big\n  quench run --backend cpu --L 16384 --sweeps 100 --out small\n  quench compare big small",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 {
				return quench.Usagef("compare takes two run directories, got %d arguments: quench compare DIR DIR", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if filepath.Clean(args[0]) == filepath.Clean(args[1]) {
				return quench.Usagef("compare %s with itself: name two run directories", args[0])
			}
			if err := checkCompareMemory(args); err != nil {
				return err
			}
			var st [2]*sim.State
			for i, dir := range args {
				s, err := sim.ReadCheckpoint(dir)
				if err != nil {
					return err
				}
				st[i] = s
			}
			res, err := sim.Compare(st[0], st[1])
			if err != nil {
				return err
			}
			c := &st[0].Config
			unit := c.StepUnit()
			one := strings.TrimSuffix(unit, "s")
			fmt.Fprintln(stdout, c.String())
			for i, dir := range args {
				fmt.Fprintf(stdout, "  %s: %s %d of %d %s (%d thermalization)%s\n", dir, doneWord(st[i]), st[i].Step, st[i].Config.TotalSweeps(), unit, c.Therm, backendOf(dir))
			}
			if !res.Identical {
				var msg string
				switch {
				case res.Column != "":
					msg = fmt.Sprintf("differ: %s at %s %d, column %s, is %v in %s and %v in %s",
						res.What, one, res.Step, res.Column, res.A, args[0], res.B, args[1])
				default:
					site := "site"
					if res.What != "spin" {
						site = res.What + " element"
					}
					msg = fmt.Sprintf("differ: in the states at %s %d, %s %d is %v in %s and %v in %s",
						one, res.Step, site, res.Site, res.A, args[0], res.B, args[1])
				}
				fmt.Fprintln(stdout, msg)
				return &diverged{msg}
			}
			var what []string
			if res.Measurements > 0 {
				what = append(what, fmt.Sprintf("%d measurements (%s %d to %d)", res.Measurements, unit, res.First, res.Last))
			}
			if res.Snapshots > 0 {
				what = append(what, fmt.Sprintf("%d profile snapshots", res.Snapshots))
			}
			if res.StateCompared {
				s := fmt.Sprintf("the states at %s %d", one, res.StepA)
				if res.ActivitySkipped {
					s += " (but the activity, which one run counts from its start: checkpoint format 5 or older)"
				}
				what = append(what, s)
			}
			fmt.Fprintf(stdout, "identical: %s\n", strings.Join(what, ", "))
			if res.StateCompared {
				fmt.Fprintf(stdout, "identical sha256:%x\n", res.Hash)
			} else {
				long := st[0]
				if st[1].Step > long.Step {
					long = st[1]
				}
				how := "resume them to the same length to compare them"
				if long.Done() {
					how = fmt.Sprintf("resume the shorter run with --%s %d to compare them", unit, long.Config.Sweeps)
				}
				fmt.Fprintf(stdout, "the states, at %s %d and %d, were not compared: %s\n", unit, res.StepA, res.StepB, how)
			}
			return nil
		},
	}
	return cmd
}

// doneWord says whether a run has finished.
func doneWord(st *sim.State) string {
	if st.Done() {
		return "finished at"
	}
	return "stopped at"
}

// backendOf names the backend of the run in dir from its summary.json
// (", on cpu"), or "" when it has none (a run not yet finished).
func backendOf(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		return ""
	}
	var s struct {
		Backend string `json:"backend"`
	}
	if json.Unmarshal(data, &s) != nil || s.Backend == "" {
		return ""
	}
	return ", on " + s.Backend
}

// checkCompareMemory refuses to compare runs whose checkpoints and series
// logs cannot be read into memory together (checkReadMemory's estimate
// for each).
func checkCompareMemory(dirs []string) error {
	need := uint64(sim.RuntimeBytes)
	for _, dir := range dirs {
		need += 2 * runFilesBytes(dir)
	}
	if avail, _, err := hostMemory(); err == nil && need > avail {
		return quench.Usagef("the runs in %s and %s do not fit in memory together: reading their checkpoints and series logs needs at least %s (%d bytes) of host memory, %s (%d bytes) are available",
			dirs[0], dirs[1], quench.FormatBytes(need), need, quench.FormatBytes(avail), avail)
	}
	return nil
}

// runFilesBytes is the size of the checkpoint and series log in dir.
func runFilesBytes(dir string) uint64 {
	var n uint64
	for _, name := range []string{sim.CheckpointFile, sim.SeriesLogFile} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Mode().IsRegular() {
			n += uint64(fi.Size())
		}
	}
	return n
}
