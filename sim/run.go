package sim

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/quenchlab/quench"
)

// ErrInterrupted is returned by Execute when its context was cancelled; the
// state at the last completed sweep has been checkpointed.
var ErrInterrupted = errors.New("interrupted")

// State is a run in progress: its configuration, the sweeps done, the
// measurements made and (between kernel calls) a host copy of the lattice.
type State struct {
	Config       Config
	Step         int64 // sweeps done, thermalization included
	Samples      []Sample
	Spins        []int8  // host copy: the start, a checkpoint or the end
	SweepSeconds float64 // time spent sweeping and measuring, all sessions
}

// NewState validates cfg and builds the start configuration.
func NewState(cfg Config) (*State, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
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
	// Progress, if set, is called after every sweep.
	Progress func(step, total int64)
}

// Execute advances st to the end of its run on be. Every
// Config.CheckpointEvery sweeps, and when ctx is cancelled, the state is
// written to opts.Dir; a cancelled run returns ErrInterrupted with st at the
// last completed sweep, from which Resume continues bit for bit.
func Execute(ctx context.Context, be quench.Backend, st *State, opts Options) error {
	cfg := &st.Config
	lat := cfg.Lattice()
	tab, err := quench.NewIsingTable(lat.Dim(), cfg.IsingParams())
	if err != nil {
		return err
	}
	buf, err := be.Alloc(quench.Int8, lat.Sites())
	if err != nil {
		return err
	}
	defer be.Free(buf)
	if err := be.Upload(buf, st.Spins); err != nil {
		return err
	}
	// save copies the lattice back to the host and writes a checkpoint.
	save := func() error {
		if err := be.Download(st.Spins, buf); err != nil {
			return err
		}
		if opts.Dir == "" {
			return nil
		}
		return WriteCheckpoint(opts.Dir, st)
	}
	total := cfg.TotalSweeps()
	for st.Step < total {
		if ctx.Err() != nil {
			if err := save(); err != nil {
				return fmt.Errorf("interrupted, and the checkpoint failed: %w", err)
			}
			return ErrInterrupted
		}
		t0 := time.Now()
		ctr := quench.Counter{Seed: cfg.Seed, Step: uint64(st.Step)}
		if err := be.IsingSweep(buf, lat, tab, ctr); err != nil {
			return fmt.Errorf("sweep %d: %w", st.Step, err)
		}
		st.Step++
		if cfg.measuredAt(st.Step) {
			sums, err := be.IsingSums(buf, lat)
			if err != nil {
				return fmt.Errorf("measurement after sweep %d: %w", st.Step, err)
			}
			st.Samples = append(st.Samples, Sample{Sweep: st.Step, Mag: sums.Mag, Bond: sums.Bond})
		}
		if err := be.Sync(); err != nil {
			return err
		}
		st.SweepSeconds += time.Since(t0).Seconds()
		if opts.Progress != nil {
			opts.Progress(st.Step, total)
		}
		if cfg.CheckpointEvery > 0 && st.Step%cfg.CheckpointEvery == 0 && st.Step < total {
			if err := save(); err != nil {
				return fmt.Errorf("checkpoint at sweep %d: %w", st.Step, err)
			}
		}
	}
	return save()
}

// SiteUpdatesPerNs is the throughput over all sweeps made so far.
func (st *State) SiteUpdatesPerNs() float64 {
	if st.SweepSeconds <= 0 {
		return 0
	}
	return float64(st.Step) * float64(st.Config.Lattice().Sites()) / st.SweepSeconds / 1e9
}
