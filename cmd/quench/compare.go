package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
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
				return quench.Usagef("compare takes two run directories, got %s: quench compare DIR DIR", count(int64(len(args)), "arguments"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := readCompared(args)
			if err != nil {
				return err
			}
			res, err := sim.Compare(st[0], st[1])
			if err != nil {
				return err
			}
			c := &st[0].Config
			unit := c.StepUnit()
			if other := st[1].Config.String(); other != c.String() {
				// settings that differ where the run does not use them
				// (a cold diffusion's seed): each its own
				fmt.Fprintf(stdout, "%s: %s\n%s: %s\n", args[0], c.String(), args[1], other)
			} else {
				fmt.Fprintln(stdout, c.String())
			}
			for i, dir := range args {
				fmt.Fprintf(stdout, "  %s: %s %d of %d %s (%d thermalization)\n", dir, doneWord(st[i]), st[i].Step, st[i].Config.TotalSweeps(), unit, c.Therm)
			}
			if !res.Identical {
				return printDiffer(stdout, args, st, res)
			}
			printIdentical(stdout, args, st, res)
			return nil
		},
	}
	return cmd
}

// readCompared reads the checkpoints of the two runs compare compares.
func readCompared(args []string) ([2]*sim.State, error) {
	var st [2]*sim.State
	fa, errA := os.Stat(args[0])
	fb, errB := os.Stat(args[1])
	if errA == nil && errB == nil && os.SameFile(fa, fb) {
		return st, quench.Usagef("%s and %s are the same directory: name two runs", args[0], args[1])
	}
	if err := checkCompareMemory(args); err != nil {
		return st, err
	}
	for i, dir := range args {
		if _, err := os.Stat(filepath.Join(dir, sim.CheckpointFile)); errors.Is(err, fs.ErrNotExist) && inUse(dir) {
			// (a run is compared from its checkpoints: one
			// still going is, from its first on)
			return st, quench.Usagef("%s holds a run still going (another quench process is working there) that has written no checkpoint yet: compare it when it ends, or after its first checkpoint (--checkpoint-every, --checkpoint-minutes)", dir)
		}
		s, err := sim.ReadCheckpoint(dir)
		if err != nil {
			return st, err
		}
		st[i] = s
	}
	return st, nil
}

// printDiffer prints where the runs st differ (res), and returns the
// error that exits 1.
func printDiffer(stdout io.Writer, args []string, st [2]*sim.State, res *sim.CompareResult) error {
	c := &st[0].Config
	one := strings.TrimSuffix(c.StepUnit(), "s")
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
		at := ""
		if lat := c.Lattice(); c.Model != "particles" && res.Site < lat.Sites() && lat.Dim() > 1 {
			// (an audit read "site 37" of a 16x16 lattice)
			at = " " + siteIndex(lat, res.Site)
		}
		msg = fmt.Sprintf("differ: in the states at %s %d, %s %d%s is %v in %s and %v in %s",
			one, res.Step, site, res.Site, at, res.A, args[0], res.B, args[1])
	}
	fmt.Fprintln(stdout, msg)
	if res.CorrOnly {
		// (an arm64 run against an amd64 one: the states
		// identical, the FFT's rounding not)
		state := ""
		if res.StateCompared {
			state = fmt.Sprintf(" and the states at %s %d", one, res.StepA)
		}
		fmt.Fprintf(stdout, "  only the profiles' C(r) differ: the measurements, the snapshots' P(m)%s are identical; C(r) goes through gonum's FFT, whose last bits differ between machines where Go fuses multiply-adds and where it does not (arm64 and amd64)\n", state)
	}
	for i, dir := range args {
		if st[i].OldConstants {
			// (its constants and rows are those of its binary,
			// which differed between machines and from today's)
			fmt.Fprintf(stdout, "  %s was begun under checkpoint format 9 or older, before quench computed its constants (the Ising thresholds, BAOAB's exp(-gamma dt)) and its measurement rows alike on every machine: their last bits then differed between machines (arm64 and amd64) and differ from today's\n", dir)
		}
	}
	return &diverged{msg}
}

// printIdentical prints what compare found identical in the runs st
// (res).
func printIdentical(stdout io.Writer, args []string, st [2]*sim.State, res *sim.CompareResult) {
	c := &st[0].Config
	unit := c.StepUnit()
	one := strings.TrimSuffix(unit, "s")
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
	if res.StateCompared && !res.ActivitySkipped {
		fmt.Fprintf(stdout, "identical sha256:%x\n", res.Hash)
	} else if !res.StateCompared {
		fmt.Fprintf(stdout, "the states, at %s %d and %d, were not compared: %s\n", unit, res.StepA, res.StepB, sameLength(args, st))
	}
}

// doneWord says whether a run has finished, or where its last checkpoint
// stands (an interrupted run, or one still going).
func doneWord(st *sim.State) string {
	if st.Done() {
		return "finished at"
	}
	return "checkpointed at"
}

// sameLength says how to bring two runs to the same step, to compare
// their states: each resumed to the longer one's length (--sweeps where a
// run is set up shorter than that; none where it is only unfinished).
func sameLength(dirs []string, st [2]*sim.State) string {
	n := max(st[0].Config.Sweeps, st[1].Config.Sweeps)
	unit := st[0].Config.StepUnit()
	var cmds []string
	for i, s := range st {
		switch {
		case s.Config.Sweeps < n:
			cmds = append(cmds, fmt.Sprintf("quench resume %s --%s %d", shellWord(dirs[i]), unit, n))
		case !s.Done():
			cmds = append(cmds, "quench resume "+shellWord(dirs[i]))
		}
	}
	return "to compare them, " + strings.Join(cmds, " and ")
}

// checkCompareMemory refuses to compare runs whose checkpoints and series
// logs cannot be read into memory together (readBytes for each), and
// gives the Go runtime that estimate as its soft memory limit, as a run
// does (checkHostMemory).
func checkCompareMemory(dirs []string) error {
	need := uint64(sim.RuntimeBytes)
	for _, dir := range dirs {
		_, n := readBytes(dir)
		need += n
	}
	if avail, _, err := hostMemory(); err == nil && need > avail {
		return quench.Usagef("the runs in %s and %s do not fit in memory together: reading their checkpoints and series logs needs at least %s (%d bytes) of host memory, %s (%d bytes) are available",
			dirs[0], dirs[1], quench.FormatBytes(need), need, quench.FormatBytes(avail), avail)
	}
	limitHeap(need)
	return nil
}

// siteIndex is site n of lat as lattice.npy indexes it, [i_0, ..., i_d-1]
// (numpy order, the last axis fastest).
func siteIndex(lat quench.Lattice, n int64) string {
	idx := make([]string, lat.Dim())
	for a := lat.Dim() - 1; a >= 0; a-- {
		l := int64(lat.Shape[a])
		idx[a] = strconv.FormatInt(n%l, 10)
		n /= l
	}
	return "[" + strings.Join(idx, ", ") + "]"
}
