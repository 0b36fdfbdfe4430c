package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/sim"
)

func newResumeCmd(stdout, stderr io.Writer) *cobra.Command {
	var f resumeFlags
	cmd := &cobra.Command{
		Use:   "resume DIR",
		Short: "Continue an interrupted or checkpointed run from DIR",
		Long: `resume continues the run whose checkpoint is in DIR and ends in exactly the
lattice and measurement series an uninterrupted run would have produced.
--sweeps extends a finished run; --backend may differ from the original one
(every backend gives the same bits).`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return quench.Usagef("resume takes one run directory, got %s: quench resume DIR [--sweeps N]", count(int64(len(args)), "arguments"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd.Flags(), args[0], stdout, stderr)
		},
	}
	cmd.Flags().StringVar(&f.backend, "backend", "cpu", "where to run: cpu, cuda, auto")
	intVar(cmd.Flags(), &f.device, "device", 0, "GPU device index for --backend cuda")
	int64Var(cmd.Flags(), &f.sweeps, "sweeps", 0, "extend the run to this many measured sweeps")
	var steps, grains int64 // read back with GetInt64 (their Type is int64)
	int64Var(cmd.Flags(), &steps, "steps", 0, "the same as --sweeps, in steps (phi4, particles, mass models, diffusion)")
	int64Var(cmd.Flags(), &grains, "grains", 0, "the same as --sweeps, in grains (sandpile)")
	cmd.Flags().BoolVar(&f.quiet, "quiet", false, "no progress bar (nor the settings line a run without a terminal writes)")
	floatVar(cmd.Flags(), &f.minutes, "checkpoint-minutes", defaultCheckpointMinutes, checkpointMinutesUsage)
	return cmd
}

// resumeFlags are resume's flags.
type resumeFlags struct {
	backend string
	device  int
	sweeps  int64
	quiet   bool
	minutes float64
}

// run goes on with the run in dir.
func (f *resumeFlags) run(fl *pflag.FlagSet, dir string, stdout, stderr io.Writer) error {
	after, err := checkpointAfter(f.minutes, "")
	if err != nil {
		return err
	}
	// signals are caught from the start: an interrupt before the run goes
	// on changes nothing
	ctx, stop := catchSignals()
	defer stop()
	if _, err := os.Lstat(filepath.Join(dir, sim.CheckpointFile)); errors.Is(err, fs.ErrNotExist) && !inUse(dir) {
		// no run here: its refusal, before any lock file is made (an
		// audit's `resume /etc` was told of a lock file it could not make)
		if _, err := readResumed(dir); err != nil {
			return err
		}
	}
	unlock := func() {}
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		if unlock, err = lockRun(dir); err != nil {
			return err
		}
		defer unlock()
	}
	st, err := readResumed(dir)
	if err != nil {
		return err
	}
	extended, err := extendTo(fl, st, dir, f.sweeps)
	if err != nil {
		return err
	}
	// the backend's note waits until the checks below have passed: a
	// refusal is one line
	var notes bytes.Buffer
	be, err := openBackend(f.backend, f.device, nil, &notes)
	if err != nil {
		return err
	}
	defer be.Close()
	if err := checkResumed(dir, st, be); err != nil {
		return err
	}
	io.Copy(stderr, &notes)
	if st.OldActivity {
		fmt.Fprintf(stderr, "quench: note: the run in %s began under a quench whose activity counted the thermalization (checkpoint format 5 or older): its activity goes on counting the %d thermalization grains too\n", dir, st.Config.Therm)
	}
	if st.Config.Model == "sandpile" && st.Format < 4 {
		fmt.Fprintf(stderr, "quench: note: the checkpoint in %s is of format %d, from before P(h) snapshots: the run goes on without them (--profile-every -1)\n", dir, st.Format)
	}
	if testHookBeforeRun != nil {
		testHookBeforeRun(ctx)
	}
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "quench: interrupted before the run in %s went on; nothing was changed\n", dir)
		return sim.ErrInterrupted
	}
	goOn(st, dir, extended, stderr)
	err = execute(ctx, func() { unlock(); stop() }, st, be, dir, nil, f.quiet, stdout, stderr, nil, after)
	if extended && errors.Is(err, sim.ErrInterrupted) {
		// (an audit found the shorter run's outputs gone after an
		// interrupt that took no step, without a word of them)
		fmt.Fprintf(stderr, "quench: note: the shorter run's outputs were removed when the extension began (its measurements are in the checkpoint); the extended run writes its own when it finishes\n")
	}
	return err
}

// readResumed reads the checkpoint in dir, once its size has passed the
// memory check.
func readResumed(dir string) (*sim.State, error) {
	if err := checkReadMemory(dir); err != nil {
		return nil, err
	}
	st, err := sim.ReadCheckpoint(dir)
	if err != nil {
		if _, serr := os.Stat(filepath.Join(dir, replacedDir)); serr == nil && quench.IsUsage(err) {
			return nil, quench.Usagef("%v (%s holds the run that a `run --force` killed before its first checkpoint was replacing: move its files back to resume it)", err, filepath.Join(dir, replacedDir))
		}
		return nil, err
	}
	return st, nil
}

// checkResumed checks that the run st read from dir fits in be's memory
// and on dir's disk, and that resume may rewrite its outputs.
func checkResumed(dir string, st *sim.State, be quench.Backend) error {
	if err := checkMemoryHolding(&st.Config, be, heapHeld()); err != nil {
		return err
	}
	// the checkpoint and the log on disk are part of the estimate (the
	// checkpoint is written beside the old one: the estimate counts that
	// second copy on its own)
	var have uint64
	for _, name := range []string{sim.CheckpointFile, sim.SeriesLogFile} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Mode().IsRegular() {
			have += uint64(fi.Size())
		}
	}
	if err := checkDisk(dir, &st.Config, have); err != nil {
		return err
	}
	if err := checkRunFiles(dir, "resume", false); err != nil {
		return err // the outputs are rewritten at the end
	}
	return nil
}

// goOn readies dir for the run st to go on (what a killed run --force
// had put aside goes, as do the outputs of a run being extended) and
// tells what the run goes on as.
func goOn(st *sim.State, dir string, extended bool, stderr io.Writer) {
	// the checkpoint is the run now: what a killed run --force had
	// put aside is not
	os.RemoveAll(filepath.Join(dir, replacedDir))
	if fresh := st.Config; extended && sim.HasProfiles(st.Config.Model) && st.Config.ProfileEvery > 0 {
		// the snapshot spacing is the run's; an extension of a
		// short run takes more snapshots than a new run would
		// (an audit compared one with a new run of its length
		// and found the profiles apart, at twice the length
		// without a word)
		fresh.ProfileEvery = 0
		if n, f := st.Config.Profiles(), fresh.Profiles(); fresh.ProfileInterval() != st.Config.ProfileEvery {
			fmt.Fprintf(stderr, "quench: note: the extended run keeps its snapshot spacing (--profile-every %d): %d snapshots in all, where a new run of this length takes %d with the default spacing (--profile-every %d), so its profiles differ from that run's, its lattice and series.csv not\n", st.Config.ProfileEvery, n, f, fresh.ProfileInterval())
		}
	}
	if extended {
		// the outputs of the shorter run go, so that an interrupted
		// extension leaves none that pass for its own
		sim.RemoveOutputs(dir)
		fmt.Fprint(stderr, unmeasuredNote(&st.Config))
	}
	writeFormatNotes(stderr, st, dir)
	if st.Done() {
		why := ""
		if _, err := os.Stat(filepath.Join(dir, sim.SummaryFile)); err != nil && !extended {
			// no summary.json: outputs cut short by a kill, or an
			// extension killed before its first checkpoint (which
			// removed the shorter run's outputs)
			why = fmt.Sprintf(" (it had no %s: a process killed while writing them, or an extension stopped before its first checkpoint, which goes again with --%s)", sim.SummaryFile, st.Config.StepUnit())
		}
		fmt.Fprintf(stderr, "quench: the run in %s is already complete (%d measured %s after %d thermalization); rewriting its outputs%s\n",
			dir, st.Config.Sweeps, st.Config.StepUnit(), st.Config.Therm, why)
	}
}

// extendTo applies resume's --sweeps (or --steps, --grains: the same
// setting in the run's own unit) to the run st read from dir, sweeps
// being --sweeps' value, and says whether it extends the run.
func extendTo(fl *pflag.FlagSet, st *sim.State, dir string, sweeps int64) (extended bool, err error) {
	// --steps and --grains are --sweeps in the units of the
	// Langevin and lattice-update models and of the sandpile
	given := ""
	for _, name := range []string{"sweeps", "steps", "grains"} {
		if !fl.Changed(name) {
			continue
		}
		v, _ := fl.GetInt64(name)
		if unit := st.Config.StepUnit(); name != "sweeps" && name != unit {
			flags := "--sweeps"
			if unit != "sweeps" {
				flags = "--" + unit + " or --sweeps"
			}
			return false, quench.Usagef("--%s does not apply to the %s run in %s: it counts %s (%s)",
				name, st.Config.Model, dir, unit, flags)
		}
		if given != "" && v != sweeps {
			return false, quench.Usagef("--%s %d and --%s %d disagree: they are the same setting", given, sweeps, name, v)
		}
		given, sweeps = name, v
	}
	if given != "" {
		if sweeps < 1 {
			return false, quench.Usagef("--%s %d is not allowed: the measured %s to extend the run to (at least its %d)", given, sweeps, st.Config.StepUnit(), st.Config.Sweeps)
		}
		if sweeps < st.Config.Sweeps {
			// the run's length as set, whether or not it got there
			return false, quench.Usagef("--%s %d is fewer than the %d measured %s the run is set to: resume can only extend a run", given, sweeps, st.Config.Sweeps, st.Config.StepUnit())
		}
		extended = sweeps > st.Config.Sweeps
		st.Config.Sweeps = sweeps
		// (an old run in a field too weak for its --sweeps, saved
		// before that rule, goes on to its own length, and is told
		// how far an extension must go)
		validate := st.Config.ValidateResume
		if !extended {
			validate = st.Config.ValidateSaved
		}
		if err := validate(); err != nil {
			return false, err
		}
	}
	return extended, nil
}

// writeFormatNotes tells how a run begun under an older checkpoint format
// goes on: without the staggered magnetization, the structure factors or
// v_mean it did not measure, or with the constants of today.
func writeFormatNotes(stderr io.Writer, st *sim.State, dir string) {
	if st.NoStaggered && st.Format < 5 {
		fmt.Fprintf(stderr, "quench: note: the checkpoint in %s is of format %d, from before the staggered magnetization was measured: the run goes on without it\n", dir, st.Format)
	}
	if st.NoModes {
		what, format := "the Ising structure factors", 7
		if st.Config.ModePrefix() != "" {
			what, format = "an antiferromagnet's staggered structure factors", 8
		}
		fmt.Fprintf(stderr, "quench: note: the run in %s was begun under checkpoint format %d or older, before %s were measured: it goes on without them and without %s\n", dir, format, what, st.Config.XiName())
	}
	if st.OldConstants {
		// (a review: the old binary's run, resumed, matched
		// neither its binary's uninterrupted run nor this one's)
		fmt.Fprintf(stderr, "quench: note: the run in %s was begun under checkpoint format 9 or older, before quench computed its constants (the Ising thresholds, BAOAB's exp(-gamma dt)) and its measurement rows alike on every machine: it goes on with the new ones, whose last bits may differ from those of the binary that began it, so from here on it need not match that binary's runs bit for bit\n", dir)
	}
	if st.NoVMean() {
		fmt.Fprintf(stderr, "quench: note: the run in %s was begun under checkpoint format 6 or older, before the velocities' mean was measured: its first rows have no v_mean (NaN in series.csv), and its outputs leave out v_mean and v2\n", dir)
	}
}
