// quench run: the command, and a new run from its checks to its outputs
// (runNew, newState, execute). Its flags are in run_flags.go, its checks
// in run_checks.go, its progress bars in run_bar.go and its results table
// in run_report.go.

package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/sim"
)

func newRunCmd(stdout, stderr io.Writer) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a simulation (defaults: 2D Ising, L=256, T=Tc, CPU)",
		Example: `  quench run
  quench run --model ising3d --L 32 --T 4.0 --sweeps 20000
  quench run --shape 512x256 --beta 0.5 --algo heatbath --start cold --out runs/hb
  quench run --config run.toml --seed 7
  quench run --model phi4 --dim 3 --L 32 --scheme lm --m2 -1 --lambda 1 --T 2 --steps 20000
  quench run --model particles --potential kuramoto --N 100000 --k 4 --scheme lm --steps 5000
  quench run --model sandpile --L 256 --grains 200000
  quench run --model kmp --L 1024 --dim 1 --steps 10000 --backend auto
  quench run --model diffusion --L 256 --start cold --steps 2000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runNew(cmd, &f, stdout, stderr)
		},
	}
	addRunFlags(cmd.Flags(), &f)
	return cmd
}

// addRunFlags defines quench run's flags on fl, into f.
func addRunFlags(fl *pflag.FlagSet, f *runFlags) {
	fl.StringVar(&f.config, "config", "", "TOML file with the same keys as these flags (flags override it)")
	addModelFlags(fl, f)
	int64Var(fl, &f.sweeps, "sweeps", 10000, "measured sweeps after thermalization")
	int64Var(fl, &f.therm, "therm", 1000, "thermalization sweeps (not measured; a stationary sandpile start and diffusion get 0 unless given)")
	int64Var(fl, &f.every, "every", 1, "measure every N sweeps")
	fl.StringVar(&f.backend, "backend", "cpu", "where to run: cpu, cuda, auto (cuda if available, else cpu)")
	intVar(fl, &f.device, "device", 0, "GPU device index for --backend cuda (among CUDA_VISIBLE_DEVICES)")
	fl.StringVar(&f.out, "out", "", "output directory (default runs/<model>-<shape>-<time>)")
	int64Var(fl, &f.profileEvery, "profile-every", 0, fmt.Sprintf("kmp, aggregation, transfer: steps between P(m) and C(r) snapshots; sandpile: grains between P(h) snapshots (0: about %d in the run, mass models fewer above 2^18 sites; -1: none)", sim.ProfileTarget))
	int64Var(fl, &f.checkpointEvery, "checkpoint-every", 0, "also checkpoint every N sweeps (0: none by count; always at the end and on interrupt)")
	floatVar(fl, &f.checkpointMinutes, "checkpoint-minutes", defaultCheckpointMinutes, checkpointMinutesUsage)
	fl.BoolVar(&f.force, "force", false, "overwrite an --out directory that holds an earlier run")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress bar (nor the settings line a run without a terminal writes)")
}

// settings reads the --config file into fl's unset flags and checks the
// settings: the run's configuration and how often it checkpoints by
// time. No backend is opened, and nothing is written.
func (f *runFlags) settings(fl *pflag.FlagSet) (c sim.Config, after time.Duration, err error) {
	if fl.Changed("config") && f.config == "" {
		// an unset variable in --config "$CFG" would run the defaults
		return c, 0, quench.Usagef(`--config "" is not allowed: give a TOML file, or no --config`)
	}
	if f.fromFile, f.unused, err = applyConfigFile(fl, f.config); err != nil {
		return c, 0, err
	}
	if c, err = buildConfig(fl, f); err != nil {
		return c, 0, err
	}
	if f.device < 0 {
		return c, 0, quench.Usagef("--device %d%s is not allowed: GPU indices start at 0", f.device, f.given("device"))
	}
	if after, err = checkpointAfter(f.checkpointMinutes, f.given("checkpoint-minutes")); err != nil {
		return c, 0, err
	}
	if f.device != 0 && f.backend == "cpu" {
		return c, 0, quench.Usagef("--device %d%s does not apply to --backend cpu (it picks a GPU for cuda or auto)", f.device, f.given("device"))
	}
	if fl.Changed("out") && f.out == "" {
		return c, 0, quench.Usagef(`--out ""%s is not allowed: give a directory, or no --out for runs/<model>-<shape>-<time>`, f.given("out"))
	}
	if f.out != "" && strings.TrimSpace(f.out) == "" {
		// (a directory named by spaces alone: "outputs in    :")
		return c, 0, quench.Usagef(`--out %q%s is not allowed: a directory name of spaces alone; give a directory, or no --out for runs/<model>-<shape>-<time>`, f.out, f.given("out"))
	}
	return c, after, nil
}

func runNew(cmd *cobra.Command, f *runFlags, stdout, stderr io.Writer) error {
	c, after, err := f.settings(cmd.Flags())
	if err != nil {
		return err
	}
	// the notes wait until the run has passed every check, claimed its
	// directory included: a refusal is one line
	var notes bytes.Buffer
	be, err := openBackend(f.backend, f.device, f.given, &notes)
	if err != nil {
		return err
	}
	defer be.Close()
	if err := checkMemory(&c, be); err != nil {
		return err
	}
	out := f.out
	// (checkRunFiles first: see under the lock below)
	if err := checkRunFiles(out, map[bool]string{false: "--out", true: "--force"}[f.force], true); out != "" && err != nil {
		return err
	}
	if err := prepareOut(out, f.force, false); err != nil {
		return err
	}
	if err := checkLinks(out); err != nil {
		return err
	}
	if err := checkDisk(cmp.Or(out, "runs"), &c, 0); err != nil {
		return err
	}
	writeRunNotes(&notes, cmd.Flags(), f, &c)
	var startBar *progressbar.ProgressBar
	if c.Start == "stationary" && len(c.Shape) > 1 && !f.quiet && isTerminal(stderr) {
		// seconds to a minute for large piles, before the run's bar
		startBar = newStartBar(c, stderr)
	}
	// signals are caught from here: while the start state is drawn, the
	// directory is claimed and locked and a --force run puts the old run
	// aside, and then by the run itself
	ctx, stop := catchSignals()
	defer stop()
	st, err := newState(ctx, c, stderr, startBar)
	if err != nil {
		return err
	}
	out, made, unlock, err := claimOut(out, &c, f.force)
	if err != nil {
		return err
	}
	defer unlock()
	io.Copy(stderr, &notes)
	backup, err := setAsideOld(out, f.force)
	if err != nil {
		return err
	}
	if testHookBeforeRun != nil {
		testHookBeforeRun(ctx)
	}
	// an interrupt before the run's first step leaves the directory as it
	// was (an audit found a run that --force was replacing gone, for a
	// checkpoint of the start, after a signal in the first step's launch)
	// (undo: also a second interrupt's before the first checkpoint)
	undo := func() (restored bool) {
		if backup != "" {
			moveRun(backup, out)
			os.Remove(backup)
			restored = true
		}
		unlock()
		removeDirs(made)
		return restored
	}
	notStarted := func() error {
		undo()
		fmt.Fprintln(stderr, "quench: interrupted before the run started; nothing was written")
		return sim.ErrInterrupted
	}
	if ctx.Err() != nil {
		return notStarted()
	}
	// the old run goes once the new one has a checkpoint
	afterCheckpoint := func() {
		if backup != "" {
			os.RemoveAll(backup)
			backup = ""
		}
	}
	// the directory is let go before the table is printed too
	err = execute(ctx, func() { unlock(); stop() }, st, be, out, undo, f.quiet, stdout, stderr, afterCheckpoint, after)
	if errors.Is(err, sim.ErrNotStarted) {
		return notStarted()
	}
	if backup != "" {
		err = settleBackup(backup, out, err)
	}
	unlock()
	if err != nil && !errors.Is(err, sim.ErrInterrupted) {
		// a run that failed before writing anything leaves no directory
		// (os.Remove leaves a non-empty one, with a checkpoint, alone),
		// nor the parents it made (runs/, or those of --out)
		removeDirs(made)
		lost := errors.Is(err, sim.ErrCheckpointLost) || st.Step > 0 && !quench.IsUsage(err)
		if _, serr := os.Stat(out); len(made) > 0 && errors.Is(serr, fs.ErrNotExist) && lost {
			// (an interrupt whose checkpoint failed, or a checkpoint that
			// failed at the end or on the way: say that the steps run are
			// gone with it, and the directory; an audit read only of a
			// file in the directory, which was gone)
			err = fmt.Errorf("%w; nothing of the run was kept, its %s lost: its directory %s, which it made, was removed", err, count(st.Step, st.Config.StepUnit()), out)
		}
	}
	return err
}

// claimOut makes and locks the run's directory: out, or under runs/ a
// new one named for the run when out is "". It checks again under the
// lock what runNew checked before (a run may have ended there since),
// and returns the directories it made, out first (none when out was
// there), and the lock's release. On an error it leaves nothing it made.
func claimOut(out string, c *sim.Config, force bool) (string, []string, func(), error) {
	var made []string
	var err error
	if out == "" {
		made = missingDirs("runs")
		if out, err = claimDir(filepath.Join("runs", fmt.Sprintf("%s-%s-%s", c.Model, c.ShapeString(), time.Now().Format("20060102-150405")))); err != nil {
			return "", nil, nil, err
		}
		made = append([]string{out}, made...)
	} else {
		made = missingDirs(out)
		if err := os.MkdirAll(out, 0o755); err != nil {
			// the parents made before the part that failed (a name
			// too long, a permission) go again
			removeDirs(made)
			if errors.Is(err, syscall.ENAMETOOLONG) {
				return "", nil, nil, quench.Usagef("cannot create --out %s (%v): choose a shorter path or another directory", out, errors.Unwrap(err))
			}
			return "", nil, nil, quench.Usagef("cannot create --out %s: %v", out, err)
		}
	}
	unlock, err := lockRun(out)
	if err == nil {
		// a directory or link under a run file's name first: it is no
		// held run (heldRun: the series log), or --force would refuse it
		// after prepareOut had asked for --force; the run failed on it
		// only at its first checkpoint or its outputs, after its work
		err = checkRunFiles(out, map[bool]string{false: "--out", true: "--force"}[force], true)
		if err == nil {
			// again under the lock: a run may have ended in out since
			err = prepareOut(out, force, true)
		}
		if err == nil {
			err = checkNames(out)
		}
		if err != nil {
			unlock()
		}
	}
	if err != nil {
		removeDirs(made)
		return "", nil, nil, err
	}
	return out, made, unlock, nil
}

// setAsideOld moves the run a --force run replaces in out into out's
// replacedDir, and returns that backup ("" for none): also the backup a
// killed --force run left there, when it is the only copy of the run it
// was replacing.
func setAsideOld(out string, force bool) (string, error) {
	backup := ""
	if leftover := filepath.Join(out, replacedDir); force {
		if _, err := os.Stat(leftover); err == nil {
			// stale only beside a run with its own checkpoint: a --force
			// run killed while moving the old run's files leaves some of
			// its outputs here and its checkpoint in the backup
			if _, err := os.Stat(filepath.Join(out, sim.CheckpointFile)); err != nil {
				// the only copy of the run a killed --force run was
				// replacing: this run's backup now (put back if it is
				// interrupted before it starts or fails, gone at its
				// first checkpoint)
				backup = leftover
			} else {
				os.RemoveAll(leftover) // stale: the run beside it replaced it
			}
		}
	}
	if heldRun(out) != "" {
		// --force: every file of the old run goes (into backup) before
		// this one starts, so none is left to pass for this run's if it is
		// interrupted or does not write that file; anything but a regular
		// file under one of their names is refused before any is moved
		if err := checkRunFiles(out, "--force", true); err != nil {
			return "", err
		}
		var err error
		if backup, err = moveRun(out, filepath.Join(out, replacedDir)); err != nil {
			moveRun(filepath.Join(out, replacedDir), out) // what was moved goes back
			os.Remove(filepath.Join(out, replacedDir))
			return "", err
		}
	}
	return backup, nil
}

// settleBackup disposes of the backup of the run a --force run replaced,
// after the run ended with err: removed once the run has a checkpoint (or
// ended or was interrupted), else put back in out, and err says so.
func settleBackup(backup, out string, err error) error {
	_, statErr := os.Stat(filepath.Join(out, sim.CheckpointFile))
	if err == nil || errors.Is(err, sim.ErrInterrupted) || statErr == nil {
		os.RemoveAll(backup) // this run has replaced it
	} else if _, rerr := moveRun(backup, out); rerr == nil {
		// this run failed with nothing to resume: the run it was to
		// replace is back
		os.Remove(backup)
		note := fmt.Sprintf(" (--force: the run that was in %s is restored)", out)
		if f := (*failure)(nil); errors.As(err, &f) {
			err = &failure{fmt.Errorf("%w%s", f.err, note)}
		} else {
			err = quench.Usagef("%v%s", err, note)
		}
	}
	return err
}

// writeRunNotes writes the notes a new run's settings call for (flags
// given but not used, a start that is not stationary, a Metropolis
// cycle, a noise that can carry a particle out of its well, a field
// that rounds away, relaxation times beyond the thermalization or a
// run, ...) to notes, a line each, which the run prints once it has
// passed its checks.
func writeRunNotes(notes *bytes.Buffer, fl *pflag.FlagSet, f *runFlags, c *sim.Config) {
	for _, u := range f.unused {
		fmt.Fprintf(notes, "quench: note: %s\n", u)
	}
	if fl.Changed("L") && fl.Changed("shape") {
		// documented (--shape overrides --L), but easy to miss
		fmt.Fprintf(notes, "quench: note: --shape %s%s sets the extents; --L %d%s is not used\n", f.shape, f.given("shape"), f.L, f.given("L"))
	}
	sandpileStartNote(notes, fl, c)
	if c.Model == "phi4" && c.Scheme == quench.SchemeModelB && c.H != 0 {
		// accepted (energy_field reports it), but easy to misread
		fmt.Fprintf(notes, "quench: note: under model B the field h = %v couples to the conserved mean field alone: it adds -h m, a constant, to the energy and drops out of the dynamics but for rounding (the Laplacian of a uniform force is 0)\n", c.H)
	}
	isingAlgoNotes(notes, c)
	notes.WriteString(unmeasuredNote(c))
	if e, x, safe, ok := c.WellEscapes(); ok && e >= sim.WellEscapeTarget {
		// (an audit's 10^5 particles at dt = 0.1 diverged on every seed)
		chance := fmt.Sprintf("about %.2g", 1-math.Exp(-e))
		if e > 5 {
			chance = "nearly 1"
		}
		fmt.Fprintf(notes, "quench: note: at --dt %v a step's noise carries a coordinate from its well past x = %.3g, from where the step of the cubic force diverges, an expected %.2g times over the run's %.3g coordinate steps (the bound dt < gamma/(4k) holds only near the minima): the chance that the run stops with a diverged state is %s; --dt %v or below makes it under 1%%\n", c.Dt, x, e, float64(c.N)*float64(c.D)*float64(c.TotalSweeps()), chance, safe)
	}
	isingFieldNotes(notes, c)
	if c.SeedUnused() && fl.Changed("seed") {
		what := "diffusion from a cold start (a spike at the centre) draws"
		if c.Model == "particles" {
			what = "particles at rest at T = 0 (the cold start, no noise) draw"
		}
		fmt.Fprintf(notes, "quench: note: %s nothing: --seed %d%s is not used\n", what, c.Seed, f.given("seed"))
	}
	if c.Model == "particles" && c.Start == "cold" && c.T == 0 {
		// every coordinate 0: the double well's maximum, and for
		// repulsive phases of one frequency their synchronized state,
		// fixed points with no force, unstable, which without noise the
		// particles never leave
		switch {
		case c.Potential == quench.PotentialDoubleWell && c.K > 0:
			fmt.Fprintf(notes, "quench: note: the cold start puts every coordinate at 0, the double well's maximum, where the force is 0: at T = 0 no noise moves them, so they stay there and never descend to the wells at +-1 (--start hot or T > 0 does)\n")
		case c.Potential == quench.PotentialKuramoto && c.K < 0 && c.OmegaSpread == 0:
			fmt.Fprintf(notes, "quench: note: the cold start puts every phase at 0, synchronized (r = 1), where the repulsive coupling k = %v exerts no force: at T = 0 no noise moves them, so r stays 1 and never descends toward 0 (--start hot or T > 0 does)\n", c.K)
		}
	}
	relaxNotes(notes, c)
}

// sandpileStartNote: a start that is not stationary, and too few
// thermalization grains for it.
func sandpileStartNote(notes *bytes.Buffer, fl *pflag.FlagSet, c *sim.Config) {
	if c.Model == "sandpile" && c.Start == "hot" && !fl.Changed("start") {
		fmt.Fprintf(notes, "quench: note: %d sites are beyond the stationary sampler (%d): starting hot, so statistics of the first ~%d grains are biased (thermalize with --therm-grains)\n",
			c.Lattice().Sites(), sim.MaxStationarySites, sim.SandpileFill("hot", c.Lattice().Sites(), len(c.Shape)))
	} else if n := c.Lattice().Sites(); c.Model == "sandpile" && c.Start != "stationary" {
		// a hot pile (mean height (2d-1)/2) or an empty one fills up to
		// its stationary mean (about 2.1 in 2D) in of order N grains, and
		// then relaxes: 2N (3N, 5N in 3D) grains or more
		if need := sim.SandpileFill(c.Start, n, len(c.Shape)); c.Therm < need {
			fmt.Fprintf(notes, "quench: note: a %s pile of %d sites needs some %d thermalization grains to become stationary; with %d its statistics are biased (--therm-grains, or the default --start stationary, which needs none)\n",
				c.Start, n, need, c.Therm)
		}
	}
}

// isingAlgoNotes: Metropolis dynamics that keep to a cycle, or that
// decorrelate slowly.
func isingAlgoNotes(notes *bytes.Buffer, c *sim.Config) {
	if leaves, states, ok := c.ColdCycleLeaves(); ok && leaves < coldCycleMinLeaves {
		if q, hot := c.MetropolisMaxReject(); !hot || q >= metropolisSlowReject {
			// (a field within rounding's reach of 2d|J|, or the exact one
			// at a T where the cycle is left now and then; at a T so high
			// that every flip is nearly certain the note below says it,
			// and a hot start would not help: a review's 16^2 at T = 20000)
			fmt.Fprintf(notes, "quench: note: --algo metropolis from --start cold at J=%v, h=%v keeps to the cold start's cycle through %s, every site of a colour flipped with near certainty or nearly never, but for sites that now and then do otherwise: about %.2g over this run, which averages the cycle, not the Boltzmann weights, until it has left it many times; use --start hot or --algo heatbath\n", c.J, c.H, states, leaves)
		}
	}
	if q, ok := c.MetropolisMaxReject(); ok && q < metropolisSlowReject {
		// accepted (refused below 2^-20), but its tau_int asks for long
		// runs: 16^2 at T = 1e4, energy tau_int 522, heat bath's 0.5
		fmt.Fprintf(notes, "quench: note: --algo metropolis at T=%v rejects a flip with probability at most q = %.2g, so its sweeps mostly flip the lattice back and forth and it decorrelates over some 1/q = %.0f sweeps, where --algo heatbath takes about one\n", c.T, q, 1/q)
	}
}

// isingFieldNotes: a field rounded away, and why no correlation length is
// reported.
func isingFieldNotes(notes *bytes.Buffer, c *sim.Config) {
	if c.FieldRoundedAway() {
		fmt.Fprintf(notes, "quench: note: the field h = %v changes no flip probability (each rounds to its value at h = 0): the run is the run at h = 0, whose exact values and symmetry (m -> -m) its results are judged by\n", c.H)
	}
	if sim.IsIsing(c.Model) && c.J != 0 && !c.HasCorrelationLength() {
		// a scan's users look for xi: say why it is not there
		why := fmt.Sprintf("the lattice %s is not L^d, and the finite-lattice form of xi takes one L", c.Lattice())
		switch {
		case c.J < 0:
			why += " (its staggered_binder and staggered_susceptibility locate its Tc)"
		case !c.NoField():
			why = fmt.Sprintf("in the field h = %v, m -> -m is no symmetry (<m> need not be 0), and the second-moment form of xi from S(0) and S_k is that of the zero-field model", c.H)
		}
		fmt.Fprintf(notes, "quench: note: the run reports no structure factors %sS_k or %s: %s\n", c.ModePrefix(), c.XiName(), why)
	}
}

// relaxNotes: phi4 and particle runs whose start or field will not have
// relaxed, by the thermalization asked for or within any run.
func relaxNotes(notes *bytes.Buffer, c *sim.Config) {
	// what the noise does where the force does nothing within a run:
	// too little to see, or a walk of its own (a review's --T 1e20 at
	// --dt 1e-16 moved the field by 2000, which "stays near its start"
	// had denied)
	run := c.Therm + c.Sweeps
	walk := c.NoiseWalk(float64(run))
	noiseOnly := func(still, moves string) string {
		if walk < 1e-6 {
			it := "it"
			if c.Model == "particles" {
				it = "them"
			}
			return fmt.Sprintf("%s (the noise moves %s by about %.2g in the run's %d steps)", still, it, walk, run)
		}
		return fmt.Sprintf("%s, about %.2g in the run's %d steps", moves, walk, run)
	}
	if slowest, need, ok := c.FieldRelaxSteps(); ok && float64(c.Therm) < need {
		mode, means := "the field's slowest mode (k = 0)", "the means stay"
		stays := noiseOnly("the field stays near its start", "the noise alone moves the field's mean, a random walk")
		if c.Model == "particles" {
			mode = "each harmonic coordinate"
			stays = noiseOnly("the particles stay near their start", "the noise alone moves them, as free particles")
		}
		// (an audit's m2 = 0.01 read phi 7.6 errors off after the
		// default --therm 1000, against a mode time of 10000 steps; its
		// --dt 1e-300 froze the field, its lines advising thermalization)
		switch {
		case slowest > philox.MaxStep:
			about := fmt.Sprintf("about %.3g steps", slowest)
			if math.IsInf(slowest, 1) {
				about = "more steps than float64 holds"
			}
			fmt.Fprintf(notes, "quench: note: at --dt %v %s relaxes over %s, more than a run can take (2^48): %s (a larger --dt, up to the stability bound, relaxes it sooner)\n", c.Dt, mode, about, stays)
		case need > philox.MaxStep:
			fmt.Fprintf(notes, "quench: note: at --dt %v %s relaxes over %.3g steps, and the %d thermalization steps that would let a start relax (5 times that) do not fit in a run (2^48): %s biased by the start (a larger --dt, up to the stability bound, relaxes it sooner)\n", c.Dt, mode, slowest, int64(math.Min(need, 1e18)), means)
		default:
			fmt.Fprintf(notes, "quench: note: %s relaxes over %.0f steps, so with --therm %d the start will not have relaxed when measuring begins and the means are biased: --therm %.0f or more lets it relax\n", mode, slowest, c.Therm, need)
		}
	}
	if slowest, _, ok := c.FieldRelaxSteps(); !(ok && slowest > philox.MaxStep) {
		if fastest, ok := c.StiffestRelaxSteps(); ok && fastest > philox.MaxStep {
			// (FieldRelaxSteps' note above says it for a Gaussian field)
			about := fmt.Sprintf("about %.3g steps", fastest)
			if math.IsInf(fastest, 1) {
				about = "more steps than float64 holds"
			}
			fmt.Fprintf(notes, "quench: note: at --dt %v even the field's stiffest mode relaxes over %s, more than a run can take (2^48): the force does not act within a run; %s (a larger --dt, up to the stability bound, lets the force act)\n", c.Dt, about,
				noiseOnly("the field stays at its start, and every measurement with it", "the noise alone moves the field, a random walk"))
		}
	}
	if need, slowest := c.ThermBefore(); c.Therm < need {
		// a conserved field's long waves relax slowly: say so before a
		// long run, not only in its results (therm_short)
		fmt.Fprintf(notes, "quench: note: the conserved field's slowest mode relaxes over %d steps, so with --therm %d the start's slow modes will not have relaxed when measuring begins and the means are biased: --therm %d or more lets them relax\n",
			slowest, c.Therm, need)
	}
}

// defaultCheckpointMinutes is --checkpoint-minutes' default: a run's
// state lives on its backend (a GPU's on the device), and a fault, a
// kill or a lost node keeps only what the last checkpoint holds.
const defaultCheckpointMinutes = 30

const checkpointMinutesUsage = "also checkpoint once this many minutes have run since the last checkpoint (0: no timed checkpoints)"

// maxCheckpointMinutes is the most --checkpoint-minutes takes: a year.
const maxCheckpointMinutes = 525600

// checkpointAfter is --checkpoint-minutes as a duration (given: where
// the value came from, for the refusal): 0, or from a second (1/60) to a
// year (a value that rounds to no time would turn them off unsaid).
func checkpointAfter(minutes float64, given string) (time.Duration, error) {
	if !(minutes == 0 || minutes >= 1.0/60 && minutes <= maxCheckpointMinutes) {
		return 0, quench.Usagef("--checkpoint-minutes %v%s is not allowed: 0 (no timed checkpoints) or a number of minutes from 1/60 (a second) to %d (a year)", minutes, given, maxCheckpointMinutes)
	}
	return time.Duration(minutes * float64(time.Minute)), nil
}

// testHookBeforeRun, set by tests only, is called after the directory is
// ready and before the run starts, with the context a caught signal
// cancels.
var testHookBeforeRun func(ctx context.Context)

// testHookStart, set by tests only, is called before the start state is
// drawn, while signals are being caught.
var testHookStart func()

// newState draws the start state (a large stationary sandpile takes
// seconds, a lattice of 2^36 spins more). A signal meanwhile ends the run at
// once, before anything is written: one line, exit 130.
func newState(ctx context.Context, c sim.Config, stderr io.Writer, bar *progressbar.ProgressBar) (*sim.State, error) {
	type drawn struct {
		st  *sim.State
		err error
	}
	var progress func(done, total int64)
	if bar != nil {
		progress = func(done, _ int64) { bar.Set64(done) }
	}
	done := make(chan drawn, 1)
	// (a test's hook read here, before the goroutine, which a test leaves
	// blocked in it when it ends: no race with the test resetting it)
	hook := testHookStart
	go func() {
		if hook != nil {
			hook()
		}
		st, err := sim.NewStateProgress(c, progress)
		done <- drawn{st, err}
	}()
	var d drawn
	select {
	case d = <-done:
	case <-ctx.Done():
	}
	if bar != nil {
		// the drawing goroutine may still call progress: the bar stops
		// drawing first
		bar.Exit()
		bar.Clear()
	}
	if ctx.Err() != nil { // also a signal as the state came
		fmt.Fprintln(stderr, "quench: interrupted while drawing the start state; nothing was written")
		return nil, sim.ErrInterrupted
	}
	return d.st, d.err
}

// writingNoteBytes: runs whose checkpoint and outputs may take this much
// (sim.Config.DiskBytes) say so when their bar ends (a variable for tests):
// a 4096^2 Ising run's, 34 MB, took 2 to 3 s after its bar on the 2-vCPU
// VM (an audit found that silence).
var writingNoteBytes uint64 = 32 << 20

// testHookProgress, set by tests only, is called after every sweep while
// signals are being caught, with the context a caught signal cancels.
var testHookProgress func(ctx context.Context, step int64)

// testHookExecute, set by tests only, is called as the steps of a run
// (new or resumed) begin, with the context a caught signal cancels.
var testHookExecute func(ctx context.Context)

// testHookOutputs, set by tests only, is called before the outputs are
// computed.
var testHookOutputs func()

// testHookOutputsDone, set by tests only, is called when the goroutine
// writing the outputs ends.
var testHookOutputsDone func()

// runLogAfter is how long a run without a bar (stderr not a terminal)
// goes before it logs its settings (tests shorten it).
var runLogAfter = time.Second

// testHookTerminal, set by tests, says whether a writer is a terminal.
var testHookTerminal func(w io.Writer) bool

// execute runs st to the end with a progress bar and signal handling, then
// writes the outputs and prints the results table.
// ctx is cancelled by a caught signal, until stopSignals (ctx's stop, and
// the directory's unlock) restores the signals' default action, before the
// table is printed: the run and its outputs are complete then, and a table
// blocked on a full stdout pipe must not make Ctrl-C do nothing.
// undo, not nil for a new run, which an interrupt before its first step
// leaves unwritten (sim.ErrNotStarted, for the caller to tell), undoes
// what the run did to its directory before its first checkpoint (for a
// second interrupt, slowInterrupt), and says whether it put back a run
// that --force was replacing. afterCheckpoint, if not nil, is called
// after each checkpoint.
func execute(ctx context.Context, stopSignals func(), st *sim.State, be quench.Backend, out string, undo func() bool, quiet bool, stdout, stderr io.Writer, afterCheckpoint func(), checkpointAfter time.Duration) error {
	fresh := undo != nil
	sim.RemoveTemps(out) // of a process killed while writing
	wrote := false       // a checkpoint of this run as it is configured now
	bar, eta := newBar(st, quiet, stderr)
	// the step of the last checkpoint (a resumed run's start is one; -1:
	// none yet), for an interrupt's note from another goroutine; held
	// while a checkpoint's aftermath (the --force backup's removal) runs
	ck := &lastCheckpoint{step: -1, undo: undo}
	if !fresh {
		ck.step = st.Step
	}
	opts := sim.Options{Dir: out, Fresh: fresh, CheckpointAfter: checkpointAfter, AfterCheckpoint: func() {
		ck.Lock()
		defer ck.Unlock()
		ck.step = st.Step
		wrote = true
		if c := &st.Config; eta != nil && !(c.CheckpointEvery > 0 && st.Step%c.CheckpointEvery == 0) {
			// a timed checkpoint, minutes from the next: its time is
			// no part of what the steps cost lately (the time left)
			eta.eta.restart()
		}
		if afterCheckpoint != nil {
			afterCheckpoint()
		}
	}, CheckpointFailed: func(step int64, err error) {
		nl := ""
		if bar != nil {
			nl = "\n" // below the bar's line
		}
		fmt.Fprintf(stderr, "%squench: note: the timed checkpoint after %s %d failed (%v): the run goes on, and tries again in %s\n",
			nl, strings.TrimSuffix(st.Config.StepUnit(), "s"), step, err, checkpointAfter)
	}}
	opts.Progress = runProgress(ctx, st, be.Name(), bar, eta, quiet, out, stderr)
	if testHookExecute != nil {
		testHookExecute(ctx)
	}
	stepping, noted := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(noted)
		slowInterrupt(ctx, stepping, &st.Config, ck, bar != nil, out, stderr)
	}()
	err := sim.Execute(ctx, be, st, opts)
	close(stepping)
	<-noted  // (its note written before what follows)
	nl := "" // a message goes below the bar's line
	if bar != nil {
		if err == nil {
			bar.Finish() // clears it
		} else {
			bar.Exit() // leaves it where it stopped
			if bar.String() != "" {
				nl = "\n"
			}
		}
	}
	if errors.Is(err, sim.ErrNotStarted) {
		fmt.Fprint(stderr, nl)
		return err
	}
	if errors.Is(err, sim.ErrInterrupted) {
		fmt.Fprintf(stderr, "%squench: interrupted after %s %d of %d; checkpoint written, continue with: quench resume %s\n",
			nl, strings.TrimSuffix(st.Config.StepUnit(), "s"), st.Step, st.Config.TotalSweeps(), shellWord(out))
		return err
	}
	if err != nil && nl != "" {
		fmt.Fprint(stderr, nl)
	}
	if err != nil {
		return runFailed(err, st, out, wrote)
	}
	sum, names, err := writeFinished(ctx, st, be.Name(), out, stderr)
	if err != nil {
		return err
	}
	stopSignals()
	tw := &errWriter{w: stdout}
	printTable(tw, st, sum, names, out)
	if tw.err != nil {
		// (stdout on a full disk: a broken pipe ends the process by
		// SIGPIPE, and Go opens /dev/null for a closed stdout; the run
		// and its outputs are whole)
		return &failure{fmt.Errorf("the results table could not be printed: %w (the run is complete: its results are in %s)", tw.err, filepath.Join(out, sim.SummaryFile))}
	}
	return nil
}

// lastCheckpoint is the step of a run's last checkpoint (-1: none yet) and
// the undo of a new run (execute's), under its lock.
type lastCheckpoint struct {
	sync.Mutex
	step int64
	undo func() bool
}

// interruptNoteAfter is how long an interrupt waits for the step under way
// before slowInterrupt says so (a variable for tests).
var interruptNoteAfter = time.Second

// slowInterrupt waits, once ctx is cancelled (a caught signal), for the
// steps to end (stepping closed) for interruptNoteAfter, then says what
// the run waits for, and makes a second signal stop the process at once:
// a step is not cut, and a large lattice's takes long (an 8192^2
// sandpile's 65th grain, 9.2e8 topplings, took 43 s after a Ctrl-C that
// nothing answered, and a second did nothing either). The last checkpoint
// stays whole (ck); a checkpoint being written is a temporary file beside
// it, which the next run or resume removes. Before a new run's first
// checkpoint, ck's undo leaves its directory as it was (a run that --force
// was replacing put back).
func slowInterrupt(ctx context.Context, stepping <-chan struct{}, c *sim.Config, ck *lastCheckpoint, bar bool, out string, stderr io.Writer) {
	select {
	case <-stepping:
		return
	case <-ctx.Done():
	}
	select {
	case <-stepping:
		return
	case <-time.After(interruptNoteAfter):
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, caughtSignals()...)
	defer signal.Stop(sigs)
	unit := strings.TrimSuffix(c.StepUnit(), "s")
	why := "a " + unit + " is not cut"
	if c.Model == "sandpile" {
		why = "its avalanche is not cut"
	}
	since := "the start: no checkpoint of the run has been written yet"
	ck.Lock()
	if ck.step >= 0 {
		since = fmt.Sprintf("the last checkpoint, after %s %d", unit, ck.step)
	}
	ck.Unlock()
	nl := ""
	if bar {
		nl = "\n" // below the bar's line
	}
	fmt.Fprintf(stderr, "%squench: interrupt noted: the %s under way has not ended after %s (%s); the checkpoint is written once it has. A second Ctrl-C stops at once, losing what ran since %s\n",
		nl, unit, interruptNoteAfter, why, since)
	select {
	case <-stepping:
		return
	case <-sigs:
	}
	// (held to the exit: no checkpoint's aftermath in between)
	ck.Lock()
	defer ck.Unlock()
	if ck.step >= 0 {
		fmt.Fprintf(stderr, "quench: stopped at once by a second interrupt: the run goes on from its checkpoint after %s %d with: quench resume %s\n", unit, ck.step, shellWord(out))
	} else {
		back := "" // (a new run's: a resumed run starts from a checkpoint)
		if ck.undo != nil && ck.undo() {
			back = ", and the run it was replacing is back"
		}
		fmt.Fprintf(stderr, "quench: stopped at once by a second interrupt, before the run's first checkpoint: nothing of it was kept%s\n", back)
	}
	exitOnInterrupt(exitInterrupted)
}

// runProgress is a run's Execute progress: the bar (with the time left,
// eta), or for a log the line of the run's settings once it has run a
// second; nil when there is neither (nor a test's hook).
func runProgress(ctx context.Context, st *sim.State, backend string, bar *progressbar.ProgressBar, eta *barETA, quiet bool, out string, stderr io.Writer) func(step, total int64) {
	// a log (a batch job, nohup, a redirect) has no bar and no table
	// until the end: a run that lasts a second gets a line of its
	// settings then, which an interrupted run's log otherwise lacked (an
	// audit)
	logLine := ""
	if left := st.Config.TotalSweeps() - st.Step; bar == nil && !quiet && left > 0 && !isTerminal(stderr) {
		from := ""
		if th := st.Config.Therm - st.Step; th > 0 {
			from = fmt.Sprintf(" (%d of thermalization)", th)
		}
		if st.Step > 0 {
			from += fmt.Sprintf(" from %s %d", strings.TrimSuffix(st.Config.StepUnit(), "s"), st.Step)
		}
		logLine = fmt.Sprintf("quench: running %s on %s: %d %s%s, into %s\n", st.Config.String(), backend, left, st.Config.StepUnit(), from, shellWord(out))
	}
	from, started, shown, drawn := st.Step, time.Now(), false, time.Time{}
	if bar == nil && testHookProgress == nil && logLine == "" {
		return nil
	}
	return func(step, total int64) {
		if logLine != "" && time.Since(started) >= runLogAfter {
			fmt.Fprint(stderr, logLine)
			logLine = ""
		}
		if eta != nil {
			eta.eta.update()
		}
		// the first picture after a second or a hundredth of the
		// steps: one drawn after the first step took its rate, and
		// the time left, from that step alone (87 hours shown for a
		// run of 2.5 s, whose first sweep paid for the start). A run
		// of 100 steps or fewer shows its first: such steps are long
		// (a big lattice's), and the start a small part of one
		if bar != nil && (shown || step == total || 100*(step-from) >= total-from || time.Since(started) >= time.Second) &&
			(step == total || time.Since(drawn) >= barDraw) {
			shown, drawn = true, time.Now()
			bar.Set64(step - from)
			eta.redescribe(bar)
			if step == total {
				// the last checkpoint and the outputs follow: on a
				// large lattice seconds of them, with the bar gone
				bar.Finish()
				if b := st.Config.DiskBytes(); b >= writingNoteBytes {
					fmt.Fprintf(stderr, "quench: writing the checkpoint and the outputs (up to %s)...\n", quench.FormatBytes(b))
				}
			}
		}
		if testHookProgress != nil {
			testHookProgress(ctx, step)
		}
	}
}

// runFailed is the error of a run that failed (not interrupted) with err:
// a usage error as it is (exit 2), else a failure, with how to go on
// from the last checkpoint in out when there is one (wrote: one this
// process wrote, of the run as it is configured now).
func runFailed(err error, st *sim.State, out string, wrote bool) error {
	if quench.IsUsage(err) {
		return err // the parameters' fault (a diverged state): exit 2
	}
	if _, serr := os.Stat(filepath.Join(out, sim.CheckpointFile)); serr == nil { // this run's (another's was put aside)
		// (a disk that filled up, a device fault): the last checkpoint
		// stays whole, its log's records past it are cut off. One from
		// before this process (a resume's) may be of a shorter run:
		// the length goes in the advice
		how := "quench resume " + shellWord(out)
		if !wrote {
			how += fmt.Sprintf(" --%s %d", st.Config.StepUnit(), st.Config.Sweeps)
		}
		err = fmt.Errorf("%w (the last checkpoint in %s is whole: %s goes on from it)", err, out, how)
	}
	return &failure{err}
}

// writeFinished analyses a finished run and writes its outputs into out,
// every file whole or not at all: a signal (ctx) ends it at once, with no
// output left (the finished run is in its checkpoint), as does a failed
// write.
func writeFinished(ctx context.Context, st *sim.State, backend, out string, stderr io.Writer) (*sim.Summary, []string, error) {
	// the analysis and the outputs can take a while after the last step;
	// a signal then ends the process at once: the finished run is in the
	// checkpoint, and every output file is written whole or not at all
	var (
		sum   *sim.Summary
		names []string
		done  = make(chan error, 1)
		// closed on a signal: the writer, which goes on until the process
		// ends, puts no file in place after the removal below
		gate = &sim.OutputGate{}
	)
	hook, hookDone := testHookOutputs, testHookOutputsDone // (as newState's)
	go func() {
		if hook != nil {
			hook()
		}
		s, n := sim.MakeSummary(st, backend)
		err := sim.WriteOutputsGated(out, st, s, gate)
		sum, names = s, n
		done <- err
		if hookDone != nil {
			hookDone()
		}
	}()
	select {
	case err := <-done:
		if err != nil {
			// no set of outputs half this run's and half an earlier one's
			sim.RemoveOutputs(out)
			return nil, nil, &failure{fmt.Errorf("writing the outputs: %w (the finished run is in its checkpoint: quench resume %s writes them)", err, shellWord(out))}
		}
	case <-ctx.Done():
		gate.Close()
		sim.RemoveTemps(out) // the file being written when the signal came
		// and those written before it: no set of outputs that looks whole
		sim.RemoveOutputs(out)
		fmt.Fprintf(stderr, "quench: interrupted while writing the outputs of the finished run; its checkpoint is complete: quench resume %s writes them\n", shellWord(out))
		return nil, nil, sim.ErrInterrupted
	}
	return sum, names, nil
}

// errWriter keeps the first error of its writes and skips those after it.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// unmeasuredNote is the note on the sweeps after the last measurement,
// where --every does not divide --sweeps (an audit's 1000 sweeps every 300
// measured 3 times, and its extension of a run every 10 by 5 sweeps
// measured nothing more, silently); "" where it does.
func unmeasuredNote(c *sim.Config) string {
	r := c.Sweeps % c.Every
	if r == 0 {
		return ""
	}
	last := fmt.Sprintf("the last %d are", r)
	if r == 1 {
		last = "the last " + strings.TrimSuffix(c.StepUnit(), "s") + " is"
	}
	return fmt.Sprintf("quench: note: --every %d does not divide the %d %s after thermalization: %s not measured (%d measurements)\n", c.Every, c.Sweeps, c.StepUnit(), last, c.Measurements())
}

// coldCycleMinLeaves is how often a Metropolis run from the cold start
// must be expected to leave the start's cycle (sim.ColdCycleLeaves) not to
// be told so at its start.
const coldCycleMinLeaves = 1000
