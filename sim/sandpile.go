package sim

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/stats"
	"gonum.org/v1/gonum/stat"
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
// duration over the measured grains (binning, tau_int; measured every
// grain, the size by Dhar's identity, dharSize, and grains_lost by its
// bounded running total).
func (c *Config) sandpileObservables(rows [][]float64) (map[string]stats.Estimate, []string) {
	col := func(j int) []float64 {
		x := make([]float64, len(rows))
		for i, r := range rows {
			x[i] = r[j]
		}
		return x
	}
	// grains_lost by its bounded total but on a chain, whose grain count
	// is N - 1 or N: its sums take the values 0 and +-1, whose spread is
	// no Gaussian error (a review's 100 chains of 64 read 5 of them 5 - 6
	// errors from 1; binning's bins are then mostly exact)
	lost := c.boundedTotals() && len(c.Shape) > 1
	var w []float64 // avalanche_size by Dhar's identity where not nil
	if c.boundedTotals() {
		w = c.sandpileW()
	}
	var jobs stats.Batch
	for j, name := range SandpileColumns {
		switch {
		case name == "grains_lost" && lost:
			jobs.BoundedSum(name, col(j+1), 1)
		case name == "avalanche_size" && w != nil:
			jobs.Add(name, func() stats.Estimate { return c.dharSize(rows, w) })
		default:
			jobs.Add(name, func() stats.Estimate { return stats.Series(col(j + 1)) })
		}
	}
	est := jobs.Run()
	if e := est["grains_lost"]; lost {
		// measured every grain, the grains lost over the run are the
		// grains added less the pile's gain, sites times the change of
		// mean_height: their mean less 1 is that change over the run,
		// bounded, whose partial sums BoundedSum takes (binning's error
		// was 4 - 8 times their spread), as reliable as mean_height's
		e.Reliable = e.Reliable && est["mean_height"].Reliable
		est["grains_lost"] = e
	}
	if e := est["avalanche_size"]; w != nil {
		e.Reliable = e.Reliable && est["mean_height"].Reliable
		est["avalanche_size"] = e
	}
	return est, SandpileColumns
}

// boundedTotals is whether the pile's running totals (its grain count,
// Phi) bound the sums of grains_lost and avalanche_size: measured every
// grain, from a pile thermalized past SandpileFill. While a pile fills
// up they drift, and binning's errors, whose bins see the drift, stay (a
// cold 32^2 pile's first 3000 grains read avalanche_size 11 of them from
// <s>, where the drifting sums' spread would have read 2.5).
func (c *Config) boundedTotals() bool {
	return c.Every == 1 && c.Therm >= SandpileFill(c.Start, c.Lattice().Sites(), len(c.Shape))
}

// sandpileWs holds the last lattice's w = Delta^-1 1 (quench.SandpileW: up to
// about a second, and a run's summary is made at each checkpoint).
var sandpileWs struct {
	sync.Mutex
	shape []int
	w     []float64
}

// sandpileW is quench.SandpileW of the run's lattice, nil beyond its
// reach (quench.SandpileWMaxSites).
func (c *Config) sandpileW() []float64 {
	sandpileWs.Lock()
	defer sandpileWs.Unlock()
	if !slices.Equal(sandpileWs.shape, c.Shape) {
		w, err := quench.SandpileW(c.Lattice())
		if err != nil {
			w = nil
		}
		sandpileWs.shape, sandpileWs.w = slices.Clone(c.Shape), w
	}
	return sandpileWs.w
}

// dharSize estimates the mean avalanche size of grains measured every
// grain by Dhar's identity: grain i at site a_i topples w(a_i) + Phi_{i-1}
// - Phi_i times, Phi = sum_x w(x) h(x), so the mean over M grains is the
// mean of the w(a_i), independent (the sites are drawn uniformly,
// whatever the pile), plus (Phi_0 - Phi_M)/M, bounded. Its error squared
// is the first's, the w(a_i)'s variance over M, plus the second's, by
// stats.BoundedSum of size_i - w(a_i) (whose running total is Phi_0 -
// Phi_i). Binning, which takes its bins for independent, saw each bin's
// bounded part as its own and overstated the error (the means' spread over
// seeds 0.84 of it on 16^2, 0.41 on 64^2, 0.30 on 256^2); tau_int is the
// one the error implies, its error from both parts'. Reliable where the
// partial sums' own fluctuations fit the bins (and, as the caller adds,
// mean_height's). The mean is binning's, over the same kept grains.
func (c *Config) dharSize(rows [][]float64, w []float64) stats.Estimate {
	n := c.Lattice().Sites()
	size, z, wa := make([]float64, len(rows)), make([]float64, len(rows)), make([]float64, len(rows))
	for i, r := range rows {
		// row i follows the grain the step r[0] - 1 added
		a := quench.GrainSite(quench.Counter{Seed: c.Seed}, uint64(r[0])-1, n)
		size[i], wa[i] = r[2], w[a]
		z[i] = r[2] - w[a]
	}
	e := stats.Series(size)
	if e.Constant || !finite(e.Err) || len(rows) < 2 {
		return e
	}
	b := stats.BoundedSum(z, 0)
	skip := len(rows) % stats.Bins(len(rows))
	m := float64(len(rows) - skip)
	varW := stat.Variance(wa[skip:], nil)
	iid, bounded := varW/m, b.Err*b.Err
	err := math.Sqrt(iid + bounded)
	tau := m * err * err / (2 * stat.Variance(size[skip:], nil))
	// the sample variance's relative error, sqrt((kurtosis - 1)/m) for
	// independent draws (w's distribution is far from Gaussian)
	rel := 0.0
	if varW > 0 {
		kurt := stat.ExKurtosis(wa[skip:], nil) + 3
		rel = iid * math.Sqrt(max(kurt-1, 0)/m)
	}
	if b.Tau > 0 {
		rel += bounded * b.TauErr / b.Tau
	}
	rel /= iid + bounded
	return stats.Estimate{Mean: e.Mean, Err: err, Tau: tau, TauErr: tau * rel, Reliable: b.Reliable}
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
