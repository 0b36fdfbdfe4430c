package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/quenchlab/quench"
)

// CompareResult is the outcome of comparing the saved states of two runs
// of one configuration (Compare): typically one run on the CPU and one on
// a GPU, made apart, perhaps on different machines and of different
// lengths.
type CompareResult struct {
	// Measurements is how many measurements both runs took (at the same
	// steps) and were compared; First and Last their first and last steps.
	Measurements int64
	First, Last  int64
	// Snapshots is how many profile snapshots (mass models' P(m) and C(r),
	// the sandpile's P(h)) both took at the same steps and were compared.
	Snapshots int64
	// StepA and StepB are where the runs stand; the states are compared
	// when these are equal (StateCompared).
	StepA, StepB  int64
	StateCompared bool
	// ActivitySkipped: a sandpile whose activity one run counts from its
	// start and the other from after thermalization (checkpoint format 5
	// or older): its activity is not compared.
	ActivitySkipped bool
	Identical       bool
	Hash            [32]byte // SHA-256 of the state (as verify's), when compared whole and identical
	// The first difference, when not identical: what differs ("spin",
	// "field", "measurement", ...), the element (Site) or for rows the row's
	// step (Step) and Column, and the two values.
	What   string
	Site   int64
	Step   int64
	Column string
	A, B   string // exactly (integers in full)
	// CorrOnly: the runs differ in the mass models' C(r) columns of their
	// profile snapshots alone (c0, c1, ...), which go through gonum's FFT,
	// whose last bits Go may round differently on machines where it
	// fuses multiply-adds (arm64 against amd64): everything else compared
	// is identical, the states too where compared.
	CorrOnly bool
}

// effective is c as its kernels read it, for comparing two runs'
// settings: the Ising models take beta (T is 1/beta), phi4 and the
// particles T (beta is 1/T), and the mass models their parameters rounded
// to the fixed point (--injection 0.01 runs as 0.0099999997764825821), so
// that runs asked for in either form compare; a run that draws nothing
// (Config.SeedUnused) reads no seed.
func effective(c *Config) Config {
	e := *c
	switch {
	case IsIsing(c.Model):
		e.T = 0
	case c.Model == "phi4" || c.Model == "particles":
		e.Beta = 0
	case IsMass(c.Model):
		e.Mass0, e.Injection, e.Fraction = c.UsedMass0(), c.UsedInjection(), c.UsedFraction()
	}
	if c.SeedUnused() {
		// diffusion's spike at the centre and its stencil, particles at
		// rest without noise: they draw nothing, and runs of any seeds
		// are one run
		e.Seed = 0
	}
	// how long the runs are and how often they measure, take snapshots
	// and checkpoint may differ
	e.Sweeps, e.Every, e.CheckpointEvery, e.ProfileEvery = 0, 0, 0, 0
	return e
}

// settingsOf is c's settings as summary.json keys and their JSON text
// (numbers exactly as written: a seed beyond 2^53 keeps its last digits).
func settingsOf(c Config) map[string]string {
	data, _ := json.Marshal(c)
	var raw map[string]json.RawMessage
	json.Unmarshal(data, &raw)
	m := make(map[string]string, len(raw))
	for k, v := range raw {
		m[k] = string(v)
	}
	return m
}

// ConfigDiff describes the settings in which two runs differ that keep
// Compare from comparing them ("seed 1 and 2, h 0 and 0.5"), or "": the
// settings as the kernels read them (effective), but how long the runs
// are and how often they measure, take snapshots and checkpoint.
func ConfigDiff(a, b *Config) string {
	ea, eb := effective(a), effective(b)
	ma, mb := settingsOf(ea), settingsOf(eb)
	keys := map[string]bool{}
	for k := range ma {
		keys[k] = true
	}
	for k := range mb {
		keys[k] = true
	}
	var diff []string
	for k := range keys {
		if ma[k] != mb[k] {
			diff = append(diff, k)
		}
	}
	sort.Strings(diff)
	if slices.Contains(diff, "model") {
		// runs of two models differ in settings one of them lacks: the
		// model is what to say
		diff = []string{"model"}
	}
	// what each run was asked for, where that is what differs
	asked := [2]map[string]string{settingsOf(*a), settingsOf(*b)}
	show := func(i int, k string) string {
		v, ok := asked[i][k]
		if !ok {
			// a number left out of the JSON (omitempty) is 0: an
			// explicit --lambda 0 had read "unset" (an audit's finding)
			if _, err := strconv.ParseFloat(asked[1-i][k], 64); err == nil {
				return "0"
			}
			return "unset"
		}
		return strings.Trim(v, `"`)
	}
	var parts []string
	for _, k := range diff {
		if show(0, k) == show(1, k) {
			// asked alike, different in effect (a seed that one run, a
			// cold diffusion spike, does not use): the settings that make
			// it so are listed; "seed 1 and 1" named no difference
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s and %s", k, show(0, k), show(1, k)))
	}
	if len(parts) == 0 {
		for _, k := range diff {
			parts = append(parts, fmt.Sprintf("%s %s, which one of them does not use", k, show(0, k)))
		}
	}
	return strings.Join(parts, ", ")
}

// commonSteps returns, of two runs' series of na and nb entries (each in
// order of its step: stepA(i), stepB(j)), the indices of those at the
// steps both have.
func commonSteps(na, nb int, stepA, stepB func(int) float64) (ia, ib []int) {
	for i, j := 0, 0; i < na && j < nb; {
		switch sa, sb := stepA(i), stepB(j); {
		case sa < sb:
			i++
		case sa > sb:
			j++
		default:
			ia, ib = append(ia, i), append(ib, j)
			i++
			j++
		}
	}
	return ia, ib
}

// stepRows is commonSteps of rows whose column 0 is the step.
func stepRows(a, b [][]float64) (ia, ib []int) {
	return commonSteps(len(a), len(b), func(i int) float64 { return a[i][0] }, func(j int) float64 { return b[j][0] })
}

// rowsAt compares rows ia of a with rows ib of b (the rows at the steps
// both have), in place.
func rowsAt(name string, a, b [][]float64, ia, ib []int, cols []string) part {
	w := len(cols)
	return part{name: name, n: len(ia) * w, cols: cols,
		same: func(i int) bool {
			x, y := a[ia[i/w]][i%w], b[ib[i/w]][i%w]
			// a particle row of a run begun under checkpoint format 6 or
			// older has no v_mean (NaN: oldParticleRows), the one value
			// a row may lack
			return math.Float64bits(x) == math.Float64bits(y) || cols[i%w] == "v_mean" && (math.IsNaN(x) || math.IsNaN(y))
		},
		vals: func(i int) [2]string { return [2]string{fstr(a[ia[i/w]][i%w]), fstr(b[ib[i/w]][i%w])} }}
}

// Compare compares the saved states of two runs of one configuration but
// for their length and measurement, snapshot and checkpoint spacings,
// bit for bit: the measurements both took at the same steps,
// the profile snapshots both took at the same steps, and, when
// both stand at the same step, the whole states. Runs that differ in
// anything else are refused (a quench.UsageError naming the settings), as
// are runs that share no measurement and stand at different steps.
func Compare(a, b *State) (*CompareResult, error) {
	if d := ConfigDiff(&a.Config, &b.Config); d != "" {
		return nil, quench.Usagef("the runs differ in %s: compare runs of one model, lattice, parameters, seed, start and thermalization (they may differ in --sweeps, --every, --checkpoint-every and --profile-every)", d)
	}
	c := &a.Config
	res := &CompareResult{StepA: a.Step, StepB: b.Step, StateCompared: a.Step == b.Step}
	var parts []part
	var stepOf []func(row int) int64 // per part of rows, its rows' steps (nil for state parts)
	if IsIsing(c.Model) {
		// the samples at the sweeps both measured; a run read from a
		// checkpoint of format 4 or older has no staggered sums, of 7 or
		// older no smallest modes
		ia, ib := commonSteps(len(a.Samples), len(b.Samples),
			func(i int) float64 { return float64(a.Samples[i].Sweep) }, func(j int) float64 { return float64(b.Samples[j].Sweep) })
		parts = append(parts, samplePart(a, b, ia, ib))
		stepOf = append(stepOf, func(row int) int64 { return a.Samples[ia[row]].Sweep })
		res.Measurements = int64(len(ia))
		if len(ia) > 0 {
			res.First, res.Last = a.Samples[ia[0]].Sweep, a.Samples[ia[len(ia)-1]].Sweep
		}
	} else {
		ia, ib := stepRows(a.Rows, b.Rows)
		parts = append(parts, rowsAt("measurement", a.Rows, b.Rows, ia, ib, append([]string{"step"}, c.Columns()...)))
		stepOf = append(stepOf, func(row int) int64 { return int64(a.Rows[ia[row]][0]) })
		res.Measurements = int64(len(ia))
		if len(ia) > 0 {
			res.First, res.Last = int64(a.Rows[ia[0]][0]), int64(a.Rows[ia[len(ia)-1]][0])
		}
	}
	if HasProfiles(c.Model) {
		// aligned by step as the measurements: the snapshot spacing may
		// differ (an automatic one follows the run's length)
		ia, ib := stepRows(a.Profiles, b.Profiles)
		parts = append(parts, rowsAt("snapshot", a.Profiles, b.Profiles, ia, ib, c.ProfileColumns()))
		stepOf = append(stepOf, func(row int) int64 { return int64(a.Profiles[ia[row]][0]) })
		res.Snapshots = int64(len(ia))
	}
	if res.StateCompared {
		var st []part
		switch {
		case IsIsing(c.Model):
			st = []part{intPart("spin", a.Spins, b.Spins)}
		case IsMass(c.Model):
			st = []part{intPart("mass (fixed point)", a.Masses, b.Masses)}
		case c.Model == "sandpile":
			st = []part{intPart("height", a.Heights, b.Heights), intPart("stamp", a.Stamp, b.Stamp)}
			if res.ActivitySkipped = a.OldActivity != b.OldActivity; !res.ActivitySkipped {
				st = append(st, intPart("activity", a.Activity, b.Activity))
			}
		default:
			st = []part{floatPart("field", a.Field, b.Field), floatPart("momentum", a.Aux, b.Aux), floatPart("frequency", a.Omega, b.Omega)}
		}
		for _, p := range st {
			parts = append(parts, p)
			stepOf = append(stepOf, nil)
		}
	}
	if res.Measurements == 0 && res.Snapshots == 0 && !res.StateCompared {
		return nil, quench.Usagef("the runs share nothing to compare: no measurement at the same %s, and they stand at %s %d and %d (resume them to the same length to compare their states)",
			strings.TrimSuffix(c.StepUnit(), "s"), strings.TrimSuffix(c.StepUnit(), "s"), a.Step, b.Step)
	}
	if k, i := firstDiff(parts); k >= 0 {
		p := parts[k]
		v := p.vals(i)
		if IsMass(c.Model) && p.name == "snapshot" {
			res.CorrOnly = corrOnly(p) && firstDiffBut(parts, k) < 0
		}
		res.What, res.Site, res.A, res.B = p.name, int64(i), v[0], v[1]
		if p.cols != nil {
			row := i / len(p.cols)
			res.Site, res.Column, res.Step = int64(row), p.cols[i%len(p.cols)], stepOf[k](row)
		} else {
			res.Step = a.Step
		}
		return res, nil
	}
	res.Identical = true
	if res.StateCompared && !res.ActivitySkipped {
		// (with the activity left out, either run's state hash would
		// describe what was not compared)
		res.Hash = stateHash(a)
	}
	return res, nil
}

// corrOnly is whether every difference in the snapshot part p is in a C(r)
// column (c0, c1, ...).
func corrOnly(p part) bool {
	w := len(p.cols)
	for i := 0; i < p.n; i++ {
		if !p.same(i) && !isCorrColumn(p.cols[i%w]) {
			return false
		}
	}
	return true
}

// isCorrColumn is whether a mass model's snapshot column is one of C(r)'s.
func isCorrColumn(col string) bool {
	r, ok := strings.CutPrefix(col, "c")
	return ok && r != "" && strings.Trim(r, "0123456789") == ""
}

// firstDiffBut is firstDiff's part of the first difference outside part
// skip, -1 for none.
func firstDiffBut(parts []part, skip int) int {
	rest := slices.Delete(slices.Clone(parts), skip, skip+1)
	k, _ := firstDiff(rest)
	return k
}
