package sim

import (
	"fmt"
	"math"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/stats"
)

// Sandpile runs: a step adds one grain (Sweeps = grains, Therm = thermal-
// ization grains, Every = measure every N grains) and relaxes it.

// SandpileColumns names the measurement columns after the grain number
// (the summary's keys): the mean height after the grain relaxed (exact:
// stored grains / sites) and the grain's avalanche size, area, duration and
// lost grains.
var SandpileColumns = []string{"mean_height", "avalanche_size", "avalanche_area", "avalanche_duration", "grains_lost"}

func (c *Config) validateSandpile() error {
	if err := c.validateLattice(3, false); err != nil {
		return err
	}
	if c.totalUnsigned() > math.MaxInt32 {
		return quench.Usagef("--grains + --therm-grains = %d is too many: at most 2^31-1 grains (avalanche stamps are int32)", c.totalUnsigned())
	}
	return c.validateProfiles()
}

// newSandpileState: cold = empty, hot = heights uniform in 0..2d-1 (to
// 2^-32) from word n&3 of Philox(seed; Init, phase 4, group n>>2), scaled
// as (w * 2d) >> 32; stationary = an exact sample of the stationary state
// (quench.SandpileStationary with the run's seed), so no transient is
// needed.
func newSandpileState(cfg Config, progress func(done, total int64)) *State {
	lat := cfg.Lattice()
	n := lat.Sites()
	st := &State{Config: cfg, Activity: make([]int64, n), Stamp: make([]int32, n)}
	if cfg.Start == "stationary" {
		h, err := quench.SandpileStationaryProgress(lat, quench.Counter{Seed: cfg.Seed}, progress)
		if err == nil { // the size was checked by Validate
			st.Heights = h
			for _, v := range h {
				st.Stored += int64(v)
			}
		}
	}
	if st.Heights == nil {
		st.Heights = make([]uint8, n)
	}
	if cfg.Start == "hot" {
		key := philox.KeyFromSeed(cfg.Seed)
		z := uint32(quench.SandpileThreshold(lat.Dim()))
		for i := range st.Heights {
			w := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeInit, 0, 0, 4, uint64(i)>>2, 0), key)[i&3]
			st.Heights[i] = uint8(uint64(w) * uint64(z) >> 32)
			st.Stored += int64(st.Heights[i])
		}
	}
	return st
}

// the runners that take profile snapshots
var (
	_ profiler = (*sandRunner)(nil)
	_ profiler = (*massRunner)(nil)
)

// sandRunner runs a sandpile.
type sandRunner struct {
	be   quench.Backend
	st   *State
	lat  quench.Lattice
	s    quench.Sandpile
	last quench.Avalanche
}

func newSandRunner(be quench.Backend, st *State) (*sandRunner, error) {
	r := &sandRunner{be: be, st: st, lat: st.Config.Lattice()}
	n := r.lat.Sites()
	var err error
	if r.s.Heights, err = be.Alloc(quench.Uint8, n); err != nil {
		return nil, err
	}
	if r.s.Activity, err = be.Alloc(quench.Int64, n); err != nil {
		r.free()
		return nil, err
	}
	if r.s.Stamp, err = be.Alloc(quench.Int32, n); err != nil {
		r.free()
		return nil, err
	}
	for _, up := range []struct {
		b quench.Buffer
		v any
	}{{r.s.Heights, st.Heights}, {r.s.Activity, st.Activity}, {r.s.Stamp, st.Stamp}} {
		if err := be.Upload(up.b, up.v); err != nil {
			r.free()
			return nil, err
		}
	}
	return r, nil
}

func (r *sandRunner) step(ctr quench.Counter) error {
	if therm := r.st.Config.Therm; therm > 0 && ctr.Step == uint64(therm) {
		// the activity counts the measured part of the run: a hot or
		// empty pile's thermalization is not stationary (after the
		// 3N grains of docs/models.md (Sandpile) an empty 64^2 pile's activity had been 14%
		// off). A fresh buffer is zeroed on every backend.
		r.be.Free(r.s.Activity)
		r.s.Activity = nil
		a, err := r.be.Alloc(quench.Int64, r.lat.Sites())
		if err != nil {
			return err
		}
		r.s.Activity = a
		r.st.ThermTopples = r.st.Topples
	}
	site := quench.GrainSite(ctr, ctr.Step, r.lat.Sites())
	av, err := r.be.SandpileAdd(&r.s, r.lat, site, int32(ctr.Step+1))
	if err != nil {
		return err
	}
	r.last = av
	r.st.Stored += 1 - av.Lost
	r.st.Topples += av.Size
	return nil
}

func (r *sandRunner) measure() error {
	a := r.last
	r.st.Rows = append(r.st.Rows, []float64{float64(r.st.Step), float64(r.st.Stored) / float64(r.lat.Sites()),
		float64(a.Size), float64(a.Area), float64(a.Duration), float64(a.Lost)})
	return nil
}

// profile is the snapshot of the height distribution: the step, then the
// fraction of sites at each height 0..2d-1 on the whole lattice and in
// its central box (quench.CentralBox), counted on the backend
// (quench.Reducer.HeightCounts: nothing is copied but the counts). A
// stable pile has no height of 2d or more; one is an error.
func (r *sandRunner) profile() ([]float64, error) {
	z := quench.SandpileThreshold(r.lat.Dim())
	row := []float64{float64(r.st.Step)}
	for _, box := range []*quench.Box{nil, quench.CentralBox(r.lat)} {
		counts, err := r.be.HeightCounts(r.s.Heights, r.lat, box)
		if err != nil {
			return nil, err
		}
		g, _ := box.Geometry(r.lat)
		var all int64
		for h, c := range counts {
			if h >= z && c != 0 {
				return nil, fmt.Errorf("%d sites at height %d or more after the grain relaxed (threshold %d)", c, h, z)
			}
			all += c
		}
		if all != g.Sites {
			return nil, fmt.Errorf("height counts add to %d in a box of %d sites", all, g.Sites)
		}
		for h := range z {
			row = append(row, float64(counts[h])/float64(g.Sites))
		}
	}
	return row, nil
}

func (r *sandRunner) download() error {
	if err := r.be.Download(r.st.Heights, r.s.Heights); err != nil {
		return err
	}
	if err := r.be.Download(r.st.Activity, r.s.Activity); err != nil {
		return err
	}
	return r.be.Download(r.st.Stamp, r.s.Stamp)
}

func (r *sandRunner) free() {
	for _, b := range []quench.Buffer{r.s.Heights, r.s.Activity, r.s.Stamp} {
		if b != nil {
			r.be.Free(b)
		}
	}
}

// sandpileObservables: mean height (binning), mean avalanche size, area and
// duration over the measured grains (binning, tau_int).
func (c *Config) sandpileObservables(rows [][]float64) (map[string]stats.Estimate, []string) {
	col := func(j int) []float64 {
		x := make([]float64, len(rows))
		for i, r := range rows {
			x[i] = r[j]
		}
		return x
	}
	var jobs stats.Batch
	for j, name := range SandpileColumns {
		if name == "grains_lost" && c.Every == 1 {
			jobs.BoundedSum(name, col(j+1), 1)
			continue
		}
		jobs.Add(name, func() stats.Estimate { return stats.Series(col(j + 1)) })
	}
	est := jobs.Run()
	if e := est["grains_lost"]; c.Every == 1 {
		// measured every grain, the grains lost over the run are the
		// grains added less the pile's gain, sites times the change of
		// mean_height: their mean less 1 is that change over the run,
		// bounded, whose partial sums BoundedSum takes (binning's error
		// was 4 - 8 times their spread), as reliable as mean_height's
		e.Reliable = e.Reliable && est["mean_height"].Reliable
		est["grains_lost"] = e
	}
	return est, SandpileColumns
}

// LogBins counts values v >= 1 in bins [2^k, 2^(k+1)) and zeros apart:
// counts[0] is the zeros, counts[k+1] bin k.
func LogBins(values []float64) []int64 {
	counts := []int64{0}
	for _, v := range values {
		k := 0
		if v >= 1 {
			k = int(math.Floor(math.Log2(v))) + 1
		}
		for len(counts) <= k {
			counts = append(counts, 0)
		}
		counts[k]++
	}
	return counts
}
