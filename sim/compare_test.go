package sim

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/quenchlab/quench"
)

// cloneState copies what Compare reads of a state, so that a test can
// alter one run's without the other's.
func cloneState(st *State) *State {
	c := *st
	c.Config.Shape = slices.Clone(st.Config.Shape)
	c.Samples = slices.Clone(st.Samples)
	c.Spins, c.Field, c.Aux, c.Omega = slices.Clone(st.Spins), slices.Clone(st.Field), slices.Clone(st.Aux), slices.Clone(st.Omega)
	c.Heights, c.Activity, c.Stamp, c.Masses = slices.Clone(st.Heights), slices.Clone(st.Activity), slices.Clone(st.Stamp), slices.Clone(st.Masses)
	c.Rows, c.Profiles = make([][]float64, len(st.Rows)), make([][]float64, len(st.Profiles))
	for i, r := range st.Rows {
		c.Rows[i] = slices.Clone(r)
	}
	for i, r := range st.Profiles {
		c.Profiles[i] = slices.Clone(r)
	}
	return &c
}

// Compare of two runs of one configuration: a run of 60 measured steps
// every step, and runs of it measured every 3 steps (the same length: the
// states are compared too; a third as long: only the measurements at the
// steps both took). Every model's states and measurements agree, and a
// change to one element of the state, of a measurement or of a profile
// snapshot is found where it was made.
func TestCompareRuns(t *testing.T) {
	for _, c := range []Config{
		{Model: "ising2d", Shape: []int{8, 8}, T: 2.3, J: 1, Algo: "metropolis"},
		{Model: "ising3d", Shape: []int{4, 4, 4}, T: 4.5, J: 1, Algo: "heatbath", H: 0.1},
		{Model: "phi4", Shape: []int{6, 4}, Scheme: quench.SchemeBAOAB, Precision: "float32", Dt: 0.05, M2: -1, Lambda: 1, T: 1, Gamma: 1, Mass: 1},
		{Model: "particles", N: 10, D: 1, Scheme: quench.SchemeEM, Potential: quench.PotentialKuramoto, Precision: "float64", Dt: 0.01, T: 0.5, Gamma: 1, Mass: 1, K: 1, OmegaSpread: 0.3},
		{Model: "kmp", Shape: []int{16}, Mass0: 1},
		{Model: "sandpile", Shape: []int{6, 6}},
	} {
		t.Run(c.Model, func(t *testing.T) {
			c.Therm, c.Seed, c.Start = 10, 7, "hot"
			if c.Model == "sandpile" {
				c.Start = "stationary"
			}
			run := func(sweeps, every int64) *State {
				cfg := c
				cfg.Sweeps, cfg.Every = sweeps, every
				st, _ := simulate(t, cfg)
				return st
			}
			full, third, short := run(60, 1), run(60, 3), run(20, 3)
			res, err := Compare(full, third)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Identical || !res.StateCompared || res.Measurements != 20 || res.First != 13 || res.Last != 70 || res.Hash != stateHash(full) {
				t.Errorf("the same length: %+v; want identical states and 20 measurements, steps 13 to 70", res)
			}
			if HasProfiles(c.Model) && res.Snapshots == 0 {
				t.Errorf("no profile snapshot compared: %d and %d taken", len(full.Profiles), len(third.Profiles))
			}
			res, err = Compare(short, full)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Identical || res.StateCompared || res.Measurements != 6 || res.First != 13 || res.Last != 28 || res.StepA != 30 || res.StepB != 70 {
				t.Errorf("a third as long: %+v; want identical measurements, 6 of them at steps 13 to 28, the states not compared", res)
			}

			// one element changed at a time
			type change struct {
				what, column string
				step         int64
				alter        func(st *State)
			}
			var changes []change
			switch {
			case IsIsing(c.Model):
				changes = append(changes, change{"spin", "", 70, func(st *State) { st.Spins[5] = -st.Spins[5] }},
					change{"measurement", "bond sum", 16, func(st *State) { st.Samples[1].Bond++ }})
			case c.Model == "sandpile":
				changes = append(changes, change{"height", "", 70, func(st *State) { st.Heights[5] ^= 1 }},
					change{"activity", "", 70, func(st *State) { st.Activity[5]++ }},
					change{"measurement", c.Columns()[1], 16, func(st *State) { st.Rows[1][2]++ }})
			case IsMass(c.Model):
				changes = append(changes, change{"mass (fixed point)", "", 70, func(st *State) { st.Masses[5]++ }},
					change{"measurement", c.Columns()[1], 16, func(st *State) { st.Rows[1][2] = math.Nextafter(st.Rows[1][2], 10) }})
			default:
				changes = append(changes, change{"field", "", 70, func(st *State) { st.Field[5] = -st.Field[5] }},
					change{"measurement", c.Columns()[1], 16, func(st *State) { st.Rows[1][2] = math.Nextafter(st.Rows[1][2], 10) }})
			}
			if c.Model == "phi4" {
				changes = append(changes, change{"momentum", "", 70, func(st *State) { st.Aux[3] = math.Copysign(0, -st.Aux[3]) }})
			}
			if c.Model == "particles" {
				changes = append(changes, change{"frequency", "", 70, func(st *State) { st.Omega[3] = math.Nextafter(st.Omega[3], 10) }})
			}
			if HasProfiles(c.Model) {
				// column 0 is the step
				changes = append(changes, change{"snapshot", c.ProfileColumns()[1], int64(third.Profiles[1][0]), func(st *State) { st.Profiles[1][1]++ }})
			}
			for _, ch := range changes {
				b := cloneState(third)
				ch.alter(b)
				res, err := Compare(full, b)
				if err != nil {
					t.Fatal(err)
				}
				if res.Identical || res.What != ch.what || res.Column != ch.column || res.Step != ch.step {
					t.Errorf("%s changed (column %q) at step %d: got identical %v, %q column %q at step %d", ch.what, ch.column, ch.step, res.Identical, res.What, res.Column, res.Step)
				}
			}
		})
	}
}

// Compare refuses runs of other settings, naming them, and runs with
// nothing in common; the settings of how long and how often a run measures
// may differ.
func TestCompareRefuses(t *testing.T) {
	base := Config{Model: "ising2d", Shape: []int{8, 8}, T: 2.3, J: 1, Algo: "metropolis", Sweeps: 20, Therm: 10, Every: 1, Seed: 3, Start: "hot"}
	a, _ := simulate(t, base)
	for _, c := range []struct {
		edit func(c *Config)
		want string
	}{
		{func(c *Config) { c.Seed = 4 }, "seed 3 and 4"},
		{func(c *Config) { c.Therm = 12 }, "therm 10 and 12"},
		{func(c *Config) { c.Start = "cold" }, "start hot and cold"},
		{func(c *Config) { c.Algo = "heatbath" }, "algo metropolis and heatbath"},
		{func(c *Config) { c.H = 0.5 }, "h 0 and 0.5"},
	} {
		cfg := base
		c.edit(&cfg)
		b, _ := simulate(t, cfg)
		_, err := Compare(a, b)
		if err == nil || !quench.IsUsage(err) || !strings.Contains(err.Error(), "the runs differ in "+c.want) {
			t.Errorf("want a usage error naming %q, got %v", c.want, err)
		}
	}
	// a parameter of 0, which the saved config leaves out: "0", not
	// "unset" (an audit's --lambda 0 against 1)
	p0 := Config{Model: "phi4", Shape: []int{8, 8}, M2: 1, Lambda: 1, Scheme: "lm", Dt: 0.01, Gamma: 1, T: 1, Precision: "float64", Sweeps: 10, Every: 1, Seed: 1, Start: "hot"}
	p1 := p0
	p1.Lambda = 0
	if d := ConfigDiff(&p0, &p1); d != "lambda 1 and 0" {
		t.Errorf("lambda 1 and 0: %q", d)
	}
	// seeds beyond 2^53 that differ in their last bits (a float64 would
	// round them to one)
	hi := base
	hi.Seed = 1<<60 + 1
	if d := ConfigDiff(&base, &hi); d != "seed 3 and 1152921504606846977" {
		t.Errorf("seeds: %q", d)
	}
	// diffusion from a cold start reads no seed: its runs compare whatever
	// their seeds; from a hot one (a random field) they differ in it
	d7 := Config{Model: "diffusion", Shape: []int{8, 8}, Alpha: 0.1, Precision: "float64", Sweeps: 10, Every: 1, Seed: 7, Start: "cold"}
	d8 := d7
	d8.Seed = 8
	if d := ConfigDiff(&d7, &d8); d != "" {
		t.Errorf("cold diffusion, seeds 7 and 8: %q", d)
	}
	da, _ := simulate(t, d7)
	db, _ := simulate(t, d8)
	if r, err := Compare(da, db); err != nil || !r.Identical {
		t.Errorf("cold diffusion, seeds 7 and 8: %+v, %v", r, err)
	}
	// a cold run and a hot one of one seed differ in the start, not in
	// the seed asked alike ("seed 7 and 7" named no difference)
	hot := d7
	hot.Start = "hot"
	if d := ConfigDiff(&d7, &hot); d != "start cold and hot" {
		t.Errorf("cold and hot diffusion, seed 7: %q", d)
	}
	d7.Start, d8.Start = "hot", "hot"
	if d := ConfigDiff(&d7, &d8); d != "seed 7 and 8" {
		t.Errorf("hot diffusion, seeds 7 and 8: %q", d)
	}
	// runs of two models: the model, not the settings one of them lacks
	pile := Config{Model: "sandpile", Shape: []int{8, 8}, Sweeps: 10, Every: 1, Seed: 3}
	if d := ConfigDiff(&base, &pile); d != "model ising2d and sandpile" {
		t.Errorf("ising2d against sandpile: %q", d)
	}
	lo := hi
	lo.Seed = 1 << 60
	if d := ConfigDiff(&lo, &hi); d != "seed 1152921504606846976 and 1152921504606846977" {
		t.Errorf("seeds 2^60 and 2^60+1: %q", d)
	}
	// the same run asked for in other words: T or beta, a mass model's
	// parameter or the fixed point's value of it
	for _, pair := range [][2]Config{
		{{Model: "ising2d", Shape: []int{8, 8}, T: 0.9, J: 1, Algo: "metropolis"}, {Model: "ising2d", Shape: []int{8, 8}, Beta: 1.1111111111111112, J: 1, Algo: "metropolis"}},
		{{Model: "phi4", Shape: []int{8}, Scheme: quench.SchemeEM, Precision: "float64", Dt: 0.01, M2: 1, Gamma: 1, Mass: 1, Beta: 0.9}, {Model: "phi4", Shape: []int{8}, Scheme: quench.SchemeEM, Precision: "float64", Dt: 0.01, M2: 1, Gamma: 1, Mass: 1, T: 1.1111111111111112}},
		{{Model: "aggregation", Shape: []int{8}, Mass0: 1, Injection: 0.01}, {Model: "aggregation", Shape: []int{8}, Mass0: 1, Injection: 0.0099999997764825821}},
	} {
		var st [2]*State
		for i, c := range pair {
			c.Sweeps, c.Therm, c.Every, c.Seed, c.Start = 10, 5, 1, 4, "hot"
			st[i], _ = simulate(t, c)
		}
		if res, err := Compare(st[0], st[1]); err != nil || !res.Identical || !res.StateCompared {
			t.Errorf("%s asked for in other words: %+v, %v; want identical", pair[0].Model, res, err)
		}
	}
	// the free settings
	cfg := base
	cfg.Sweeps, cfg.Every, cfg.CheckpointEvery = 40, 2, 5
	b, _ := simulate(t, cfg)
	if res, err := Compare(a, b); err != nil || !res.Identical || res.Measurements != 10 {
		t.Errorf("runs of other lengths and spacings: %+v, %v; want 10 measurements identical", res, err)
	}
	// measured at no common sweep, standing at different sweeps
	cfg.Sweeps, cfg.Every = 1, 1
	short, _ := simulate(t, cfg)
	short.Samples = nil
	if _, err := Compare(short, a); err == nil || !quench.IsUsage(err) || !strings.Contains(err.Error(), "share nothing") {
		t.Errorf("nothing in common: want a usage error, got %v", err)
	}
}

// A run read from a checkpoint of format 4 or older has no staggered sums
// (NoStaggered): its samples are compared without them; a sandpile whose
// activity one run counts from its start (format 5 or older) is compared
// but for its activity.
func TestCompareOldFormats(t *testing.T) {
	is, _ := simulate(t, Config{Model: "ising2d", Shape: []int{8, 8}, T: 2.3, J: 1, Algo: "metropolis", Sweeps: 20, Therm: 10, Every: 1, Seed: 3, Start: "hot"})
	old := cloneState(is)
	old.NoStaggered = true
	for i := range old.Samples {
		old.Samples[i].Stag = 0
	}
	if res, err := Compare(is, old); err != nil || !res.Identical || res.Measurements != 20 {
		t.Errorf("without staggered sums: %+v, %v; want identical", res, err)
	}
	old.Samples[3].Mag += 2
	if res, err := Compare(old, is); err != nil || res.Identical || res.Column != "magnetization sum" || res.Step != 14 {
		t.Errorf("a magnetization changed: %+v, %v; want it found at sweep 14", res, err)
	}
	sp, _ := simulate(t, Config{Model: "sandpile", Shape: []int{6, 6}, Sweeps: 20, Therm: 10, Every: 1, Seed: 3, Start: "stationary"})
	oldSp := cloneState(sp)
	oldSp.OldActivity = true
	oldSp.Activity[0] += 7
	if res, err := Compare(sp, oldSp); err != nil || !res.Identical || !res.ActivitySkipped || !res.StateCompared || res.Hash != [32]byte{} {
		t.Errorf("old activity: %+v, %v; want identical but for the activity, and no state hash (either run's would hash the activity)", res, err)
	}
	oldSp.Heights[2] ^= 1
	if res, err := Compare(sp, oldSp); err != nil || res.Identical || res.What != "height" {
		t.Errorf("a height changed: %+v, %v; want it found", res, err)
	}
}

// The report's values are exact: integers beyond 2^53, which float64
// would print alike, and floats in their shortest form.
func TestPartValuesExact(t *testing.T) {
	x, y := []int64{1<<60 + 1}, []int64{1<<60 + 2}
	if v := intPart("mass", x, y).vals(0); v != [2]string{"1152921504606846977", "1152921504606846978"} {
		t.Errorf("int64 values %q", v)
	}
	if v := floatPart("field", []float64{0.1}, []float64{math.Copysign(0, -1)}).vals(0); v != [2]string{"0.1", "-0"} {
		t.Errorf("float values %q", v)
	}
}

// A mass model's runs that differ in their profiles' C(r) alone (an arm64
// run against an amd64 one: gonum's FFT rounds differently where Go fuses
// its multiply-adds) are marked CorrOnly; a difference anywhere else, or
// in P(m) too, is not.
func TestCompareCorrOnly(t *testing.T) {
	c := Config{Model: "kmp", Shape: []int{16}, Mass0: 1, Therm: 10, Seed: 7, Start: "hot", Sweeps: 60, Every: 1}
	full, _ := simulate(t, c)
	cols := c.ProfileColumns()
	corr := slices.Index(cols, "c1")
	pm := slices.Index(cols, "p0")
	if corr < 0 || pm < 0 {
		t.Fatalf("columns %v", cols)
	}
	for _, ch := range []struct {
		name  string
		alter func(st *State)
		only  bool
	}{
		{"C(r)", func(st *State) { st.Profiles[1][corr] = math.Nextafter(st.Profiles[1][corr], 10) }, true},
		{"C(r) and P(m)", func(st *State) {
			st.Profiles[1][corr] = math.Nextafter(st.Profiles[1][corr], 10)
			st.Profiles[2][pm]++
		}, false},
		{"C(r) and a measurement", func(st *State) {
			st.Profiles[1][corr] = math.Nextafter(st.Profiles[1][corr], 10)
			st.Rows[40][2] = math.Nextafter(st.Rows[40][2], 10)
		}, false},
		{"C(r) and the state", func(st *State) {
			st.Profiles[1][corr] = math.Nextafter(st.Profiles[1][corr], 10)
			st.Masses[3]++
		}, false},
		{"P(m)", func(st *State) { st.Profiles[1][pm]++ }, false},
	} {
		b := cloneState(full)
		ch.alter(b)
		res, err := Compare(full, b)
		if err != nil {
			t.Fatal(err)
		}
		if res.Identical || res.CorrOnly != ch.only {
			t.Errorf("%s changed: identical %v, CorrOnly %v; want %v", ch.name, res.Identical, res.CorrOnly, ch.only)
		}
	}
	if !isCorrColumn("c0") || !isCorrColumn("c123") || isCorrColumn("center_h0") || isCorrColumn("c") || isCorrColumn("c-1") || isCorrColumn("c+1") {
		t.Errorf("isCorrColumn")
	}
}
