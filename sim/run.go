package sim

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/quenchlab/quench"
)

// ErrInterrupted is returned by Execute when its context was cancelled; the
// state at the last completed sweep has been checkpointed.
var ErrInterrupted = errors.New("interrupted")

// ErrNotStarted is returned by Execute with Options.Fresh when its context
// was cancelled before the run's first step: nothing was written (the run
// is its configuration alone). errors.Is finds ErrInterrupted in it too.
var ErrNotStarted = fmt.Errorf("%w before the run's first step", ErrInterrupted)

// ErrCheckpointLost is what errors.Is finds in the error of an interrupted
// run whose checkpoint failed: the steps it ran since its last checkpoint
// are lost (the error is not ErrInterrupted: the run cannot be resumed
// from where it stopped).
var ErrCheckpointLost = errors.New("the interrupted run's checkpoint failed")

// checkpointLost is the error of an interrupted run whose checkpoint
// failed (ErrCheckpointLost).
type checkpointLost struct{ error }

func (e checkpointLost) Unwrap() error        { return e.error }
func (e checkpointLost) Is(target error) bool { return target == ErrCheckpointLost }

// State is a run in progress: its configuration, the sweeps done, the
// measurements made and (between kernel calls) a host copy of the lattice.
type State struct {
	Config       Config
	Step         int64 // sweeps done, thermalization included
	Samples      []Sample
	Spins        []int8  // host copy: the start, a checkpoint or the end
	SweepSeconds float64 // time spent sweeping and measuring, all sessions
	// time spent on profile snapshots (mass transfer), all sessions
	ProfileSeconds float64

	// Langevin models: host copies (float64 holds float32 values exactly)
	// and measurement rows, column 0 the step (see Columns).
	Field []float64 // phi, or particle positions (phases for kuramoto)
	Aux   []float64 // momenta (phi4 baoab) or velocities (particles baoab)
	Omega []float64 // natural frequencies (kuramoto)
	Rows  [][]float64

	// Sandpile: host copies and the number of grains on the lattice.
	Heights  []uint8
	Activity []int64
	Stamp    []int32
	Stored   int64
	Topples  int64 // topplings of all grains so far (throughput)
	// the topplings before the activity restarted from 0 after
	// thermalization (checkpoint version 6)
	ThermTopples int64
	// OldActivity: a sandpile read from a checkpoint of format 5 or older
	// past its thermalization, whose activity counts the thermalization
	// grains too (kept in later checkpoints)
	OldActivity bool

	// Mass transfer: fixed-point masses (quench.MassUnit per unit) and the
	// profile snapshots (column 0 the step; MassProfile rows, or sandpile
	// height fractions).
	Masses   []int64
	Profiles [][]float64

	// Format is the checkpoint format the state was read from (0: a new
	// run); not saved.
	Format uint32
	// NoStaggered: Ising samples read from a checkpoint of format 4 or
	// older carry no staggered sums, and the run leaves the staggered
	// observables out (saved in later checkpoints).
	NoStaggered bool
	// NoModes: Ising samples read from a checkpoint of format 7 or older
	// (an antiferromagnet's: 8 or older) carry no smallest modes, and the
	// run goes on without them (saved in later checkpoints).
	NoModes bool
	// OldConstants: a run (but a sandpile) read from a checkpoint of
	// format 9 or older, begun before the host computed its constants
	// and measurement rows alike on every machine: it goes on with the
	// new ones, whose last bits may differ from its first binary's
	// (saved in later checkpoints).
	OldConstants bool

	log seriesLog // what the series log of a directory holds of the series
}

// Staggered reports whether st has the staggered magnetization of every
// sample (Ising models).
func (st *State) Staggered() bool { return IsIsing(st.Config.Model) && !st.NoStaggered }

// Modes reports whether st's Ising samples carry the smallest modes
// (Sample.Modes) for the structure factors and the correlation length:
// where the run has a correlation length, unless it began under
// checkpoint format 7 or older (an antiferromagnet's, whose modes are
// the staggered spins': 8 or older; NoModes).
func (st *State) Modes() bool {
	return IsIsing(st.Config.Model) && st.Config.hasCorrelationLength() && !st.NoModes &&
		(st.Config.modePrefix() == "" || st.Staggered())
}

// NewState validates cfg and builds the start configuration.
func NewState(cfg Config) (*State, error) { return NewStateProgress(cfg, nil) }

// NewStateProgress is NewState calling progress, when not nil, now and
// then with the work done of the total while it draws a start that takes
// long: a stationary sandpile (quench.SandpileStationaryProgress).
func NewStateProgress(cfg Config, progress func(done, total int64)) (*State, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Model == "sandpile" {
		return newSandpileState(cfg, progress), nil
	}
	if IsMass(cfg.Model) || cfg.Model == "diffusion" {
		return newMassState(cfg), nil
	}
	if !IsIsing(cfg.Model) {
		return newLangevinState(cfg), nil
	}
	st := &State{Config: cfg, Spins: make([]int8, cfg.Lattice().Sites())}
	if err := quench.InitSpins(st.Spins, cfg.Start, cfg.Seed, 0); err != nil {
		return nil, err
	}
	return st, nil
}

// Done reports whether every sweep of the run has been made.
func (st *State) Done() bool { return st.Step >= st.Config.TotalSweeps() }

// measuredAt reports whether a measurement follows sweep number step (1-based).
func (c *Config) measuredAt(step int64) bool {
	return step > c.Therm && (step-c.Therm)%c.Every == 0 && (step-c.Therm)/c.Every <= c.Measurements()
}

// Options control Execute.
type Options struct {
	// Dir receives checkpoints; empty means no checkpoints.
	Dir string
	// Progress, if set, is called after every sweep (on a GPU, once the
	// sweep is queued: Execute waits for the device every few sweeps).
	Progress func(step, total int64)
	// AfterCheckpoint, if set, is called after each checkpoint written.
	AfterCheckpoint func()
	// CheckpointAfter, if positive, is the wall time after which a
	// checkpoint is due since the last one (or the start): written at the
	// next wait for the backend (within about 50 ms, or a step where steps
	// take longer), so that a fault, a kill or a lost node costs at most
	// that much of a run. Such a checkpoint that cannot be written (a
	// full disk, a quota) does not end the run: CheckpointFailed, if set,
	// is told, and the next is tried CheckpointAfter later.
	CheckpointAfter  time.Duration
	CheckpointFailed func(step int64, err error)
	// Fresh says that the run begins here, at step 0 (a new run, not a
	// resumed one): an interrupt before its first step writes nothing and
	// returns ErrNotStarted (a checkpoint of the start would replace
	// nothing but the configuration).
	Fresh bool
}

// maxPrealloc is the most measurements Execute makes room for at once.
const maxPrealloc = 1 << 26

// Execute advances st to the end of its run on be. Every
// Config.CheckpointEvery sweeps, every opts.CheckpointAfter of wall time,
// and when ctx is cancelled, the state is written to opts.Dir; a cancelled run returns ErrInterrupted with st at the
// last completed sweep, from which Resume continues bit for bit.
func Execute(ctx context.Context, be quench.Backend, st *State, opts Options) error {
	cfg := &st.Config
	r, err := newRunner(be, st)
	if err != nil {
		return err
	}
	defer r.free()
	// room for the run's whole series at once: appends that grow it leave
	// each old array as garbage beside a new one 1.25 times as large (up
	// to maxPrealloc measurements: a caller that skips the memory check
	// gets growth, not an allocation that cannot succeed)
	if m := int(min(cfg.Measurements(), maxPrealloc)); IsIsing(cfg.Model) {
		st.Samples = slices.Grow(st.Samples, max(0, m-len(st.Samples)))
	} else {
		st.Rows = slices.Grow(st.Rows, max(0, m-len(st.Rows)))
	}
	x := &execution{be: be, st: st, r: r, opts: opts, total: cfg.TotalSweeps(),
		unit:     strings.TrimSuffix(cfg.StepUnit(), "s"),
		lastSave: time.Now(), savedAt: -1, batch: 1}
	x.fc, _ = r.(finiteChecker) // nil: a model whose state cannot diverge
	var y yielder
	for st.Step < x.total {
		y.yield()
		if ctx.Err() != nil {
			if opts.Fresh && st.Step == 0 {
				return ErrNotStarted
			}
			return x.interrupted()
		}
		if err := x.next(); err != nil {
			return err
		}
	}
	if err := x.save(false); err != nil {
		return fmt.Errorf("checkpoint at %s %d: %w", x.unit, st.Step, err)
	}
	return nil
}

// execution is Execute's run of st on be. The steps are timed from one
// wait for the backend (be.Sync) to the next: t0 is when the steps since
// the last wait began, queued the steps queued since then, batch the
// most to queue (syncBatch; 1 at first, until a step's time is known).
type execution struct {
	be    quench.Backend
	st    *State
	r     runner
	fc    finiteChecker
	opts  Options
	total int64
	unit  string // a step's name, in messages

	lastSave time.Time // the last checkpoint written (or the start)
	savedAt  int64     // its step; -1 for none yet

	t0            time.Time
	queued, batch int
}

// save copies the state back to the host and writes a checkpoint; timed:
// a timed checkpoint, whose write failing is told and tried again later
// (a failed download or a diverged state is the run's end).
func (x *execution) save(timed bool) error {
	st, opts := x.st, x.opts
	if err := x.r.download(); err != nil {
		return err
	}
	if err := st.checkFinite(); err != nil {
		return err
	}
	if opts.Dir == "" {
		return nil
	}
	err := WriteCheckpoint(opts.Dir, st)
	x.lastSave = time.Now()
	if err != nil && timed {
		if opts.CheckpointFailed != nil {
			opts.CheckpointFailed(st.Step, err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	x.savedAt = st.Step
	if opts.AfterCheckpoint != nil {
		opts.AfterCheckpoint()
	}
	return nil
}

// steps names the queued steps in an error that a wait reports (a GPU
// reports a kernel's fault at the next wait).
func (x *execution) steps() string {
	if x.queued <= 1 {
		return fmt.Sprintf("%s %d", x.unit, x.st.Step)
	}
	return fmt.Sprintf("%ss %d to %d", x.unit, x.st.Step-int64(x.queued)+1, x.st.Step)
}

// interrupted ends an interrupted run: the queued steps waited for and
// timed, and a checkpoint of the last step.
func (x *execution) interrupted() error {
	st := x.st
	err := x.be.Sync() // the steps queued, timed
	if err != nil {
		err = fmt.Errorf("%s: %w", x.steps(), err)
	}
	if x.queued > 0 {
		st.SweepSeconds += time.Since(x.t0).Seconds()
	}
	if err == nil && st.Step != x.savedAt {
		// (a checkpoint of this step written just now, the signal coming
		// while it was: not again)
		err = x.save(false)
	}
	if err != nil {
		return checkpointLost{fmt.Errorf("interrupted after %s %d, and the checkpoint failed: %w", x.unit, st.Step, err)}
	}
	return ErrInterrupted
}

// next makes the run's next step, and what follows it: a wait for the
// backend, a measurement, a profile, a checkpoint.
func (x *execution) next() error {
	st, cfg := x.st, &x.st.Config
	if x.queued == 0 {
		x.t0 = time.Now()
	}
	if err := x.r.step(quench.Counter{Seed: cfg.Seed, Step: uint64(st.Step)}); err != nil {
		if x.queued > 0 {
			return fmt.Errorf("%s %d (or the %d queued before it): %w", x.unit, st.Step+1, x.queued, err)
		}
		return fmt.Errorf("%s %d: %w", x.unit, st.Step+1, err)
	}
	st.Step++
	x.queued++
	// A step that is not measured need not wait for the one before it: a
	// GPU's steps are queued ahead of the device (a wait a step leaves the
	// device idle from the end of one step to the launch of the next), at
	// most batch at a time, so that the progress bar and an interrupt stay
	// close to the device. Steps that are measured or checked (which
	// download anyway) and those before a profile, a checkpoint or the end
	// wait first, so that a fault of the steps is told as theirs and each
	// is timed apart.
	measured := cfg.measuredAt(st.Step)
	thermCheck := x.fc != nil && st.Step <= cfg.Therm && st.Step%thermCheckEvery == 0
	profiled := cfg.profiledAt(st.Step)
	checkpoint := cfg.CheckpointEvery > 0 && st.Step%cfg.CheckpointEvery == 0 && st.Step < x.total
	wait := x.queued >= x.batch || measured || thermCheck || profiled || checkpoint || st.Step == x.total
	timed := false
	if wait && !checkpoint && st.Step < x.total && x.opts.CheckpointAfter > 0 && time.Since(x.lastSave) >= x.opts.CheckpointAfter {
		// due by the clock: looked at only where the steps wait anyway
		// (at most syncEvery steps apart)
		checkpoint, timed = true, true
	}
	if wait {
		if err := x.waitAndMeasure(measured, thermCheck); err != nil {
			return err
		}
	}
	if profiled {
		// timed apart: mass models compute on the host from a copy of the
		// state
		t1 := time.Now()
		row, err := x.r.(profiler).profile()
		if err != nil {
			return fmt.Errorf("profile after %s %d: %w", x.unit, st.Step, err)
		}
		st.Profiles = append(st.Profiles, row)
		st.ProfileSeconds += time.Since(t1).Seconds()
	}
	if x.opts.Progress != nil {
		x.opts.Progress(st.Step, x.total)
	}
	if checkpoint {
		if err := x.save(timed); err != nil {
			return fmt.Errorf("checkpoint at %s %d: %w", x.unit, st.Step, err)
		}
	}
	return nil
}

// waitAndMeasure waits for the queued steps, makes the measurement
// (measured) and the thermalization's check for divergence (thermCheck)
// that follow the last of them, and times them all.
func (x *execution) waitAndMeasure(measured, thermCheck bool) error {
	st, cfg := x.st, &x.st.Config
	if err := x.be.Sync(); err != nil {
		return fmt.Errorf("%s: %w", x.steps(), err)
	}
	stepsTook := time.Since(x.t0).Seconds() // the queued steps' time, for the next batch
	if measured {
		err := x.r.measure()
		if err == nil && len(st.Rows) > 0 {
			err = cfg.checkRow(st.Rows[len(st.Rows)-1])
		}
		if err != nil {
			return fmt.Errorf("measurement after %s %d: %w", x.unit, st.Step, err)
		}
	}
	if thermCheck {
		// a diverged state stays NaN: found here, not after all of the
		// thermalization
		if err := x.fc.finite(); err != nil {
			return fmt.Errorf("thermalization %s %d: %w", x.unit, st.Step, err)
		}
	}
	st.SweepSeconds += time.Since(x.t0).Seconds() // the measurement's time too
	x.batch = syncBatch(stepsTook, x.queued)
	x.queued = 0
	return nil
}

// syncEvery is the most steps Execute queues on a backend that runs them
// asynchronously (a GPU) before it waits for them.
const syncEvery = 32

// syncSpan is about the longest Execute lets queued steps run unseen:
// steps that take longer than syncSpan/syncEvery are waited for in fewer
// at a time (syncBatch), so that the progress bar, which is told of the
// queued steps at once and of their time at the wait, and an interrupt
// stay within about syncSpan of the device. What a wait costs, the
// device idle for a launch, is then a small part of a step anyway.
var syncSpan = 50 * time.Millisecond // (tests set it)

// syncBatch is how many steps to queue next, after n steps took d
// seconds from wait to wait: as many as take about syncSpan, 1 to
// syncEvery.
func syncBatch(d float64, n int) int {
	if !(d > 0) || n < 1 {
		return syncEvery
	}
	return max(1, min(syncEvery, int(syncSpan.Seconds()*float64(n)/d)))
}

// yielder lets the goroutines that handle a signal run in a loop of
// steps (Execute, Verify): a CUDA backend's steps on a small lattice are
// back-to-back cgo calls, which keep the goroutine's P (the runtime
// hands a P on only from a call that lasts), so with GOMAXPROCS 1 the
// goroutine that cancels the run's context on SIGINT waited for the
// runtime's first garbage collection: a Kuramoto run (N = 20011, under
// the emulated driver) interrupted at 1 s stopped at 6.2 s. Every
// yieldEvery it calls runtime.Gosched, which runs them.
type yielder struct{ last time.Time }

// yieldEvery is the longest a loop of steps runs without yielding.
const yieldEvery = 5 * time.Millisecond

func (y *yielder) yield() {
	if now := time.Now(); now.Sub(y.last) >= yieldEvery {
		runtime.Gosched()
		y.last = now
	}
}

// thermCheckEvery is how often, in steps, Execute looks for a diverged
// state during the thermalization (finiteChecker): a reduction of the
// field, about a step's cost, so a thousandth of the time.
const thermCheckEvery = 1000

// finiteChecker is a runner whose state can diverge (phi4, particles):
// finite returns the error of a state holding NaN or an infinity.
type finiteChecker interface {
	finite() error
}

// profiler is a runner of a model that takes profile snapshots
// (HasProfiles): profile returns the snapshot row of the current state.
type profiler interface {
	profile() ([]float64, error)
}

// runner is one model's state on a backend.
type runner interface {
	step(ctr quench.Counter) error
	measure() error // appends one measurement to the State
	download() error
	free()
}

func newRunner(be quench.Backend, st *State) (runner, error) {
	switch st.Config.Model {
	case "phi4":
		return newPhi4Runner(be, st)
	case "particles":
		return newParticleRunner(be, st)
	case "sandpile":
		return newSandRunner(be, st)
	case "kmp", "aggregation", "transfer", "diffusion":
		return newMassRunner(be, st)
	}
	return newIsingRunner(be, st)
}

// isingRunner runs ising2d and ising3d.
type isingRunner struct {
	be  quench.Backend
	st  *State
	lat quench.Lattice
	tab *quench.IsingTable
	buf quench.Buffer
	// planes, modes: the plane sums' and smallest modes' scratch and
	// table, where the run measures them (State.Modes)
	planes []int64
	modes  []float64
	table  *quench.ModeTable
}

func newIsingRunner(be quench.Backend, st *State) (*isingRunner, error) {
	r := &isingRunner{be: be, st: st, lat: st.Config.Lattice()}
	var err error
	if r.tab, err = quench.NewIsingTable(r.lat.Dim(), st.Config.IsingParams()); err != nil {
		return nil, err
	}
	if r.buf, err = be.Alloc(quench.Int8, r.lat.Sites()); err != nil {
		return nil, err
	}
	if st.Modes() {
		r.planes, r.modes = make([]int64, quench.PlaneSumsLen(r.lat)), make([]float64, r.lat.Dim())
		r.table = quench.NewModeTable(r.lat)
	}
	if err := be.Upload(r.buf, st.Spins); err != nil {
		be.Free(r.buf)
		return nil, err
	}
	return r, nil
}

func (r *isingRunner) step(ctr quench.Counter) error {
	return r.be.IsingSweep(r.buf, r.lat, r.tab, ctr)
}

func (r *isingRunner) measure() error {
	sums, err := r.be.IsingSums(r.buf, r.lat)
	if err != nil {
		return err
	}
	s := Sample{Sweep: r.st.Step, Mag: sums.Mag, Bond: sums.Bond, Stag: sums.Stag}
	if r.planes != nil {
		if err := r.be.IsingPlanes(r.buf, r.lat, r.st.Config.J < 0, r.planes); err != nil {
			return err
		}
		if err := r.table.Modes(r.planes, r.modes); err != nil {
			return err
		}
		copy(s.Modes[:], r.modes)
	}
	r.st.Samples = append(r.st.Samples, s)
	return nil
}

func (r *isingRunner) download() error { return r.be.Download(r.st.Spins, r.buf) }

func (r *isingRunner) free() { r.be.Free(r.buf) }

// SiteUpdatesPerNs is the throughput over all sweeps made so far.
func (st *State) SiteUpdatesPerNs() float64 {
	if st.SweepSeconds <= 0 {
		return 0
	}
	if st.Config.Model == "sandpile" {
		return float64(st.Topples) / st.SweepSeconds / 1e9
	}
	return float64(st.Step) * float64(st.Config.Units()) / st.SweepSeconds / 1e9
}

// Units is what one step updates: sites, or particle coordinates.
func (c *Config) Units() int64 {
	if c.Model == "particles" {
		return c.Coordinates()
	}
	return c.Lattice().Sites()
}
