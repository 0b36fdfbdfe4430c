package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/stats"
)

// Every measurement row of a sandpile run holds, under each column's name,
// that grain's avalanche as the plain reference computes it (grain g at
// quench.GrainSite, avalanche number g+1), and the mean height after it.
func TestSandpileRowsByName(t *testing.T) {
	cfg := Config{Model: "sandpile", Shape: []int{6, 5}, Sweeps: 3000, Every: 1, Seed: 9, Start: "hot"}
	st0, err := NewState(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lat := cfg.Lattice()
	h := slices.Clone(st0.Heights)
	act, stamp := slices.Clone(st0.Activity), slices.Clone(st0.Stamp)
	st, _ := simulate(t, cfg)
	col := map[string]int{}
	for j, name := range SandpileColumns {
		col[name] = j + 1 // after the grain number
	}
	if len(st.Rows) != 3000 {
		t.Fatalf("%d rows, want 3000", len(st.Rows))
	}
	var big int
	for g, row := range st.Rows {
		ctr := quench.Counter{Seed: cfg.Seed, Step: uint64(g)}
		av := backendtest.RefSandpileAdd(h, act, stamp, lat, quench.GrainSite(ctr, ctr.Step, lat.Sites()), int32(g+1))
		var sum int64
		for _, v := range h {
			sum += int64(v)
		}
		want := map[string]float64{"avalanche_size": float64(av.Size), "avalanche_area": float64(av.Area),
			"avalanche_duration": float64(av.Duration), "grains_lost": float64(av.Lost),
			"mean_height": float64(sum) / float64(lat.Sites())}
		for name, w := range want {
			if row[col[name]] != w {
				t.Fatalf("grain %d: %s %v, reference %v (avalanche %+v)", g+1, name, row[col[name]], w, av)
			}
		}
		if av.Area != av.Duration {
			big++
		}
	}
	if big < 100 { // the check must see avalanches whose area and duration differ
		t.Errorf("only %d avalanches with area != duration", big)
	}
}

// LogBins puts 0 (and values below 1) in counts[0] and v >= 1 in bin
// floor(log2 v) + 1: 1 is in bin [1, 2), not with the zeros.
func TestLogBins(t *testing.T) {
	got := LogBins([]float64{0, 1, 1, 2, 3, 4, 7, 8, 0, 1023, 1024})
	if want := []int64{2, 2, 2, 2, 1, 0, 0, 0, 0, 0, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("LogBins = %v, want %v", got, want)
	}
	if got := LogBins(nil); !slices.Equal(got, []int64{0}) {
		t.Errorf("LogBins(nil) = %v, want [0]", got)
	}
}

// A hot sandpile start is the documented draw: height (w * 2d) >> 32 of
// word n&3 of Philox(seed; Init, phase 4, group n>>2), so a start, and the
// run from it, stays the same from version to version.
func TestSandpileHotStartLayout(t *testing.T) {
	for _, shape := range [][]int{{7, 5}, {3, 4, 5}} {
		cfg := Config{Model: "sandpile", Shape: shape, Sweeps: 1, Every: 1, Seed: 0x1234567890, Start: "hot"}
		st := newSandpileState(cfg, nil)
		key := philox.KeyFromSeed(cfg.Seed)
		z := uint64(2 * len(shape))
		var stored int64
		for n, h := range st.Heights {
			w := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeInit, 0, 0, 4, uint64(n)/4, 0), key)[n%4]
			if want := uint8(uint64(w) * z >> 32); h != want {
				t.Fatalf("%v: height %d at site %d, want %d", shape, h, n, want)
			}
			stored += int64(h)
		}
		if st.Stored != stored {
			t.Errorf("%v: stored %d, heights add to %d", shape, st.Stored, stored)
		}
	}
}

// --start stationary takes up to 2^31-2 sites (the sampler's int32
// indices), checked without drawing anything.
func TestStationaryStartLimit(t *testing.T) {
	for _, c := range []struct {
		sites int
		ok    bool
	}{{1<<31 - 2, true}, {1<<31 - 1, false}} {
		cfg := Config{Model: "sandpile", Shape: []int{c.sites}, Sweeps: 1, Every: 1, Seed: 1, Start: "stationary", ProfileEvery: ProfileNone}
		err := cfg.Validate()
		if c.ok && err != nil {
			t.Errorf("%d sites: %v", c.sites, err)
		}
		if want := "--start stationary needs at most 2147483646 sites, not 2147483647"; !c.ok && (err == nil || err.Error() != want) {
			t.Errorf("%d sites: %v, want %q", c.sites, err, want)
		}
	}
}

// A pile whose activity counts its thermalization (begun under format 5)
// says so in summary.json; others leave the key out.
func TestSummaryActivityWithTherm(t *testing.T) {
	st, _ := simulate(t, Config{Model: "sandpile", Shape: []int{6, 6}, Sweeps: 20, Therm: 10, Every: 1, Seed: 1, Start: "cold", ProfileEvery: ProfileNone})
	for _, old := range []bool{false, true} {
		st.OldActivity = old
		sum, _ := MakeSummary(st, "cpu")
		data, err := json.Marshal(sum)
		if err != nil {
			t.Fatal(err)
		}
		if sum.ActivityWithTherm != old || strings.Contains(string(data), `"activity_includes_thermalization":true`) != old {
			t.Errorf("old activity %v: activity_includes_thermalization %v in %s", old, sum.ActivityWithTherm, data)
		}
	}
}

// Small piles report their exact stationary P(h) and mean height (their
// recurrent configurations enumerated), and runs reproduce them: every
// reliable entry within 4 errors (fixed seeds; 100000 grains, P(h) every
// 20 grains).
func TestSmallPileHeightsExact(t *testing.T) {
	for _, shape := range [][]int{{3, 3}, {2, 4}, {2, 5}, {2, 2, 2}, {9}} {
		sum := summaryOf(t, Config{Model: "sandpile", Shape: shape, Sweeps: 100000, Every: 1, Seed: 7, Start: "stationary", ProfileEvery: 20})
		whole, center, ok := pileHeightsExact(shape)
		x, has := sum.Exact["mean_height"]
		if !ok || !has || math.Abs(x-meanOf(whole)) > 1e-15 {
			t.Fatalf("%v: exact mean_height %v (%v), P(h) %v", shape, x, has, whole)
		}
		checks := 0
		near := func(what string, mean, err *float64, reliable bool, want float64) {
			if mean == nil || err == nil || !reliable {
				return
			}
			checks++
			if d := (*mean - want) / *err; math.Abs(d) > 4 {
				t.Errorf("%v %s: %v +- %v, exact %v (%.1f errors)", shape, what, *mean, *err, want, d)
			}
		}
		v := sum.Observables["mean_height"]
		near("mean_height", v.Mean, v.Error, v.Reliable, x)
		for name, p := range map[string][]float64{"height_distribution": whole, "height_distribution_center": center} {
			pr := sum.Profiles[name]
			if !slices.Equal(pr.Exact, p) {
				t.Errorf("%v %s: exact %v, want %v", shape, name, pr.Exact, p)
			}
			for h := range p {
				near(fmt.Sprintf("%s[%d]", name, h), pr.Mean[h], pr.Error[h], pr.Reliable[h], p[h])
			}
		}
		if m := sum.HeightMean; m == nil || len(m.Exact) != 2 || m.Exact[0] != x {
			t.Errorf("%v: height_mean %+v", shape, m)
		}
		if checks < 2*len(whole) {
			t.Errorf("%v: only %d reliable entries to check", shape, checks)
		}
	}
	// beyond the enumeration: no exact P(h), Dhar's size still
	sum := summaryOf(t, Config{Model: "sandpile", Shape: []int{4, 4}, Sweeps: 1000, Every: 1, Seed: 7, Start: "stationary"})
	if _, has := sum.Exact["mean_height"]; has || sum.Profiles["height_distribution"].Exact != nil || sum.Exact["avalanche_size"] == 0 {
		t.Errorf("4x4: exact %v", sum.Exact)
	}
}

// TestGrainsLostBoundedSum: measured every grain, a pile's grains lost
// over grains 2..M are the M - 1 added less the pile's gain, sites times
// mean_height's change (checked on the rows, exactly), so grains_lost's
// error is stats.BoundedSum's about 1: over 20 stationary 16^2 piles the
// means' rms about 1 must be their errors' rms within 4 of its sampling
// errors (1/sqrt(40)), where binning's errors gave 0.13 - 0.25 (and 88
// seeds of 32^2, 200000 grains, 1.06 with these). Measured every 2
// grains, it keeps binning.
func TestGrainsLostBoundedSum(t *testing.T) {
	const seeds = 20
	c := Config{Model: "sandpile", Shape: []int{16, 16}, Sweeps: 40000, Every: 1, Start: "stationary"}
	seedSpread(t, c, "grains_lost", seeds, 500, 1, func(st *State, g stats.Estimate) {
		rows := st.Rows
		var lost float64
		for _, r := range rows[1:] {
			lost += r[5]
		}
		if gain := 256 * (rows[len(rows)-1][1] - rows[0][1]); lost != float64(len(rows)-1)-gain {
			t.Fatalf("%v grains lost, %d added less the pile's gain %v", lost, len(rows)-1, gain)
		}
		if b := stats.BoundedSum(rowsColumn(rows, 5), 1); g.Err != b.Err || g.Mean != b.Mean {
			t.Fatalf("grains_lost %+v, want BoundedSum's %+v", g, b)
		}
	})
	binnedStays(t, c, "grains_lost", 5)
	// a chain keeps binning (its sums take the values 0 and +-1)
	chain := Config{Model: "sandpile", Shape: []int{64}, Sweeps: 5000, Every: 1, Seed: 19, Start: "stationary"}
	st, obs := simulate(t, chain)
	if b := stats.Series(rowsColumn(st.Rows, 5)); obs["grains_lost"].Err != b.Err {
		t.Errorf("chain of 64: grains_lost's error %v, want binning's %v", obs["grains_lost"].Err, b.Err)
	}
	// piles filled up before: 2N hot, 3N empty, 5N empty in 3D (whose
	// stationary mean, about 3.0, 3N leave short)
	for _, f := range []struct {
		start string
		dim   int
		want  int64
	}{{"hot", 2, 200}, {"cold", 2, 300}, {"cold", 1, 300}, {"hot", 3, 200}, {"cold", 3, 500}, {"stationary", 3, 0}} {
		if got := SandpileFill(f.start, 100, f.dim); got != f.want {
			t.Errorf("SandpileFill(%s, 100, %d) = %d, want %d", f.start, f.dim, got, f.want)
		}
	}
}
