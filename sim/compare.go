package sim

import (
	"encoding/json"
	"fmt"
	"sort"
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
	Hash            [32]byte // SHA-256 of the state (as verify's), when compared and identical
	// The first difference, when not identical: what differs ("spin",
	// "field", "measurement", ...), the element (Site) or for rows the row's
	// step (Step) and Column, and the two values.
	What   string
	Site   int64
	Step   int64
	Column string
	A, B   float64
}

// compareFree are the settings two runs of one configuration may differ
// in: how long they run, how often they measure and take snapshots and
// checkpoints. Everything else (model, lattice, parameters, seed, start,
// thermalization) must match for their states to be comparable.
var compareFree = []string{"sweeps", "every", "checkpoint_every", "profile_every"}

// configDiff lists the settings (their summary.json keys, sorted) in which
// configurations a and b differ, but those of compareFree.
func configDiff(a, b *Config) []string {
	var ma, mb map[string]any
	for _, p := range []struct {
		c *Config
		m *map[string]any
	}{{a, &ma}, {b, &mb}} {
		data, _ := json.Marshal(p.c)
		json.Unmarshal(data, p.m)
		for _, k := range compareFree {
			delete(*p.m, k)
		}
	}
	keys := map[string]bool{}
	for k := range ma {
		keys[k] = true
	}
	for k := range mb {
		keys[k] = true
	}
	var diff []string
	for k := range keys {
		va, _ := json.Marshal(ma[k])
		vb, _ := json.Marshal(mb[k])
		if string(va) != string(vb) {
			diff = append(diff, k)
		}
	}
	sort.Strings(diff)
	return diff
}

// ConfigDiff describes the settings in which two runs differ that keep
// Compare from comparing them ("seed 1 and 2, T 2.3 and 2.4"), or "".
func ConfigDiff(a, b *Config) string {
	var ma, mb map[string]any
	da, _ := json.Marshal(a)
	db, _ := json.Marshal(b)
	json.Unmarshal(da, &ma)
	json.Unmarshal(db, &mb)
	var parts []string
	for _, k := range configDiff(a, b) {
		show := func(m map[string]any) string {
			v, ok := m[k]
			if !ok {
				return "unset"
			}
			s, _ := json.Marshal(v)
			return strings.Trim(string(s), `"`)
		}
		parts = append(parts, fmt.Sprintf("%s %s and %s", k, show(ma), show(mb)))
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

// pickRows returns the rows at the indices.
func pickRows(rows [][]float64, idx []int) [][]float64 {
	out := make([][]float64, len(idx))
	for k, i := range idx {
		out[k] = rows[i]
	}
	return out
}

// Compare compares the saved states of two runs of one configuration but
// for their length and measurement, snapshot and checkpoint spacings
// (compareFree), bit for bit: the measurements both took at the same steps,
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
		// checkpoint of format 4 or older has no staggered sums
		noStag := a.NoStaggered || b.NoStaggered
		ia, ib := commonSteps(len(a.Samples), len(b.Samples),
			func(i int) float64 { return float64(a.Samples[i].Sweep) }, func(j int) float64 { return float64(b.Samples[j].Sweep) })
		cols := []string{"sweep", "mag", "bond", "stag"}
		if noStag {
			cols = cols[:3]
		}
		// the int64 values themselves (beyond 2^53 a float64 rounds them)
		field := func(s Sample, k int) int64 {
			if noStag && k == 3 {
				return 0
			}
			return [4]int64{s.Sweep, s.Mag, s.Bond, s.Stag}[k]
		}
		w := len(cols)
		parts = append(parts, part{name: "measurement", n: w * len(ia), cols: cols,
			same: func(i int) bool { return field(a.Samples[ia[i/w]], i%w) == field(b.Samples[ib[i/w]], i%w) },
			vals: func(i int) [2]float64 {
				return [2]float64{float64(field(a.Samples[ia[i/w]], i%w)), float64(field(b.Samples[ib[i/w]], i%w))}
			}})
		stepOf = append(stepOf, func(row int) int64 { return a.Samples[ia[row]].Sweep })
		res.Measurements = int64(len(ia))
		if len(ia) > 0 {
			res.First, res.Last = a.Samples[ia[0]].Sweep, a.Samples[ia[len(ia)-1]].Sweep
		}
	} else {
		ia, ib := stepRows(a.Rows, b.Rows)
		ra, rb := pickRows(a.Rows, ia), pickRows(b.Rows, ib)
		parts = append(parts, rowPart("measurement", ra, rb, append([]string{"step"}, c.Columns()...)))
		stepOf = append(stepOf, func(row int) int64 { return int64(ra[row][0]) })
		res.Measurements = int64(len(ia))
		if len(ra) > 0 {
			res.First, res.Last = int64(ra[0][0]), int64(ra[len(ra)-1][0])
		}
	}
	if HasProfiles(c.Model) {
		// aligned by step as the measurements: the snapshot spacing may
		// differ (an automatic one follows the run's length)
		ia, ib := stepRows(a.Profiles, b.Profiles)
		pa, pb := pickRows(a.Profiles, ia), pickRows(b.Profiles, ib)
		parts = append(parts, rowPart("snapshot", pa, pb, c.ProfileColumns()))
		stepOf = append(stepOf, func(row int) int64 { return int64(pa[row][0]) })
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
		return nil, quench.Usagef("the runs share nothing to compare: no measurement at the same %s, and they stand at %s %d and %d (compare runs with the same --therm, or resume the shorter one with --%s to the other's length)",
			strings.TrimSuffix(c.StepUnit(), "s"), strings.TrimSuffix(c.StepUnit(), "s"), a.Step, b.Step, c.StepUnit())
	}
	if k, i := firstDiff(parts); k >= 0 {
		p := parts[k]
		v := p.vals(i)
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
	if res.StateCompared {
		res.Hash = stateHash(a)
	}
	return res, nil
}
