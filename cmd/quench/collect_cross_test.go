package main

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/quenchlab/quench/sim"
)

// --crossings: where two lines' curves cross, by linear interpolation
// between the x values both have, with first-order errors: a line
// 1 - x against a flat 0.5 (errors 0.1) cross at x = 0.5(1), y = 0.5(71);
// /L divides by the first extent; no crossing, too few shared x values,
// and the refusals are said.
func TestCollectCrossings(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	mk := func(l int, x string, y float64) *collected {
		sum := &sim.Summary{Model: "ising2d", Shape: []int{l, l}, Observables: map[string]sim.Value{"binder": {Mean: f(y), Error: f(0.1), Reliable: true}}}
		return &collected{dir: strconv.Itoa(l) + "-" + x, sum: sum, settings: map[string]string{"shape": strconv.Itoa(l) + "x" + strconv.Itoa(l), "T": x}}
	}
	cross := func(runs []*collected, perL bool) []crossing {
		t.Helper()
		l, err := plotAxes(runs, varyingSettings(runs), "")
		if err != nil {
			t.Fatal(err)
		}
		cs, err := crossings(runs, l, "binder", perL)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	var runs []*collected
	for i, x := range []string{"0", "1", "2"} {
		runs = append(runs, mk(8, x, 1-float64(i)), mk(16, x, 0.5))
	}
	l, err := plotAxes(runs, varyingSettings(runs), "")
	if err != nil || l.x != "T" {
		t.Fatalf("layout %+v, %v", l, err)
	}
	cs := cross(runs, false)
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	if len(cs) != 1 || !near(cs[0].x, 0.5) || !near(cs[0].ex, 0.1) || !near(cs[0].y, 0.5) || !near(cs[0].ey, math.Sqrt(0.005)) || cs[0].between != [2]float64{0, 1} {
		t.Errorf("crossings %+v; want x 0.5(1), y 0.5 +- 0.0707 between 0 and 1", cs)
	}
	if cs[0].weak {
		t.Errorf("a sign change of 3.5 errors at each end marked ~")
	}
	// a difference of 0.2 +- 0.14 at one end: the sign there unsettled
	weakRuns := []*collected{mk(8, "0", 0.7), mk(16, "0", 0.5), mk(8, "1", 0), mk(16, "1", 0.5)}
	cw := cross(weakRuns, false)
	var bw strings.Builder
	printCrossings(&bw, "binder", l, cw)
	if len(cw) != 1 || !cw[0].weak || !strings.Contains(bw.String(), "0.29(16)~  0.500(77)~") || !strings.Contains(bw.String(), "\n~ the lines' difference lies within 2 errors of 0 at an end of the bracket") {
		t.Errorf("a sign change of 1.4 errors at an end: %+v\n%s", cw, bw.String())
	}
	// divided by L: 1 - x over 8 against 0.5 over 16 cross at x = 0.75
	if cs := cross(runs, true); len(cs) != 1 || !near(cs[0].x, 0.75) || !near(cs[0].y, 0.25/8) {
		t.Errorf("crossings of binder/L %+v; want x 0.75, y 1/32", cs)
	}
	// a flat 2 never meets the falling line: no crossing; a third line
	// at other x values: too few shared
	runs2 := append(runs[:0:0], runs[0], runs[2], runs[4], mk(16, "0", 2), mk(16, "1", 2), mk(16, "2", 2), mk(32, "5", 1), mk(32, "6", 1))
	l2, _ := plotAxes(runs2, varyingSettings(runs2), "")
	cs2 := cross(runs2, false)
	if len(cs2) != 2 || !cs2[0].none || !cs2[1].thin {
		t.Errorf("crossings %+v; want none, then too few shared", cs2)
	}
	var b strings.Builder
	printCrossings(&b, "binder", l2, cs2)
	for _, want := range []string{"shape=8x8 / shape=16x16", "no crossing within them", "fewer than two T values both have"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", want, b.String())
		}
	}
	// a touch (+, 0, +) is no crossing; (+, 0, -) crosses at the 0, once
	touch := []*collected{mk(8, "0", 2), mk(8, "1", 1), mk(8, "2", 2), mk(16, "0", 1), mk(16, "1", 1), mk(16, "2", 1)}
	if cs := cross(touch, false); len(cs) != 1 || !cs[0].none {
		t.Errorf("a touch: %+v, want no crossing", cs)
	}
	through := []*collected{mk(8, "0", 2), mk(8, "1", 1), mk(8, "2", 0), mk(16, "0", 1), mk(16, "1", 1), mk(16, "2", 1)}
	if cs := cross(through, false); len(cs) != 1 || cs[0].none || !near(cs[0].x, 1) || cs[0].between != [2]float64{0, 1} {
		t.Errorf("through 0: %+v, want one crossing at 1", cs)
	}
	// the lines in their setting's order (sizes by extent), whatever the
	// runs' order; a point without an error bar, or not reliable, says so
	order := []*collected{mk(32, "0", 0.5), mk(32, "1", 0.5), mk(8, "0", 1), mk(8, "1", 0), mk(16, "0", 0.9), mk(16, "1", 0.1)}
	order[0].sum.Observables["binder"] = sim.Value{Mean: f(0.5)}
	order[4].sum.Observables["binder"] = sim.Value{Mean: f(0.9), Error: f(0.1)}
	cs3 := cross(order, false)
	if len(cs3) != 2 || cs3[0].a != "shape=8x8" || cs3[0].b != "shape=16x16" || cs3[1].b != "shape=32x32" {
		t.Fatalf("lines out of order: %+v", cs3)
	}
	var b3 strings.Builder
	l3, _ := plotAxes(order, varyingSettings(order), "")
	printCrossings(&b3, "binder", l3, cs3)
	if !regexp.MustCompile(`shape=16x16 / shape=32x32 +0\.5\(-\)\* +0\.5\(-\)\* +0 and 1`).MatchString(b3.String()) || !strings.Contains(b3.String(), "* from points whose error bars are not reliable") {
		t.Errorf("no crossing without error bars, marked *, in\n%s", b3.String())
	}
	// sweeps chosen by the size (16 and 32 alike, so the sweeps name no
	// line of their own): the lines are still named by the size alone
	bySize := append(slices.Clone(runs), mk(32, "0", 0.4), mk(32, "1", 0.6), mk(32, "2", 0.7))
	for _, r := range bySize {
		r.settings["sweeps"] = map[bool]string{true: "1000", false: "2000"}[r.settings["shape"] == "8x8"]
	}
	if cs := cross(bySize, false); len(cs) != 2 || cs[0].a != "shape=8x8" || cs[0].b != "shape=16x16" || cs[1].b != "shape=32x32" {
		t.Errorf("lines whose sweeps follow the size: %+v, want them named by the size", cs)
	}
	for _, r := range runs {
		delete(r.settings, "sweeps")
	}
	// correlation_length without /L: where its curves do not cross, a
	// hint; without it among the observables, why
	var b5 strings.Builder
	printCrossings(&b5, "correlation_length", l2, cs2)
	if !strings.Contains(b5.String(), "it is xi/L whose curves cross there, --crossings correlation_length/L") {
		t.Errorf("no hint of /L in\n%s", b5.String())
	}
	if _, _, err := crossingOf("correlation_length/L", []string{"binder"}); err == nil || !strings.Contains(err.Error(), "the runs have no correlation_length, which Ising ferromagnets in no field") {
		t.Errorf("correlation_length of runs without it: %v", err)
	}
	// two runs of a line at one x: seeds not averaged
	twice := append(slices.Clone(runs), mk(8, "0", 0.9))
	twice[len(twice)-1].dir = "8-0b"
	l4, _ := plotAxes(twice, varyingSettings(twice), "")
	if _, err := crossings(twice, l4, "binder", false); err == nil || !strings.Contains(err.Error(), "8-0 and 8-0b are both on the line shape=8x8 at T 0") {
		t.Errorf("two runs at one point: %v", err)
	}

	// through the command: refusals, and a real scan's line
	dir := t.TempDir()
	var dirs []string
	for i, T := range []string{"2", "3"} {
		for _, L := range []string{"4", "6"} {
			d := filepath.Join(dir, "L"+L+"T"+T)
			runSummary(t, d, "--L", L, "--T", T, "--seed", strconv.Itoa(1+10*i+len(dirs)), "--sweeps", "2000", "--quiet")
			dirs = append(dirs, d)
		}
	}
	j2 := filepath.Join(dir, "J2")
	runSummary(t, j2, "--L", "4", "--T", "2", "--J", "2", "--seed", "99", "--sweeps", "2000", "--quiet")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--crossings", "nonsense"}, "--crossings nonsense is not allowed: an observable of the runs"},
		{[]string{"--crossings", "binder", "--profile", "height_final"}, "--profile and --crossings are not allowed together"},
		{[]string{"--crossings", "binder", dirs[0], dirs[2]}, "--crossings binder needs two lines or more: runs that differ, besides T, in a setting such as the lattice size"},
		{[]string{"--crossings", "binder", dirs[0], dirs[1]}, "--crossings binder needs two lines or more: these runs differ in the lattice size alone"},
		{[]string{"--crossings", "binder", "--x", "T", dirs[0], dirs[1], dirs[2], dirs[3], j2}, "--crossings binder needs lines that differ in one setting (these differ in shape and J)"},
	} {
		args := c.args
		if !strings.HasPrefix(args[len(args)-1], dir) {
			args = append(args, dirs...)
		}
		code, _, stderr := runQ(t, append([]string{"collect"}, args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d %q; want %q", c.args, code, stderr, c.want)
		}
	}
	code, stdout, stderr := runQ(t, append([]string{"collect", "--crossings", "binder"}, dirs...)...)
	if code != 0 || !strings.Contains(stdout, "crossings of binder against T (linear between") || !strings.Contains(stdout, "shape=4x4 / shape=6x6") {
		t.Errorf("collect --crossings binder: exit %d %s\n%s", code, stderr, stdout)
	}
	// --observables NAME/L: a column of NAME over the first extent, its
	// exact value too
	csvPath := filepath.Join(dir, "xiL.csv")
	code, stdout, stderr = runQ(t, append([]string{"collect", "--observables", "correlation_length/L", "--csv", csvPath}, dirs...)...)
	recs, err := readCSV(csvPath)
	if code != 0 || err != nil || len(recs) != 5 {
		t.Fatalf("collect --observables correlation_length/L: exit %d %s %v\n%s", code, stderr, err, stdout)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, rec := range recs[1:] {
		var s sim.Summary
		b, err := os.ReadFile(filepath.Join(rec[0], sim.SummaryFile))
		if err == nil {
			err = json.Unmarshal(b, &s)
		}
		if err != nil {
			t.Fatal(err)
		}
		l := float64(s.Shape[0])
		xi, ex := s.Observables["correlation_length"], s.Exact["correlation_length"]
		if rec[col["correlation_length/L"]] != strconv.FormatFloat(*xi.Mean/l, 'g', -1, 64) ||
			rec[col["correlation_length/L_error"]] != strconv.FormatFloat(*xi.Error/l, 'g', -1, 64) ||
			rec[col["correlation_length/L_exact"]] != strconv.FormatFloat(ex/l, 'g', -1, 64) {
			t.Errorf("%s: xi/L %q, want %v(%v), exact %v", rec[0], rec[col["correlation_length/L"]], *xi.Mean/l, *xi.Error/l, ex/l)
		}
	}
}

// A scan averaged over its seeds with more seeds at some points (near
// Tc) is one line a lattice size: the number of seeds averaged is no
// setting of its own, and the crossing is found (an audit's was refused:
// "these differ in shape and seeds").
func TestCrossingsMoreSeedsSomewhere(t *testing.T) {
	dir := t.TempDir()
	var dirs []string
	seed := 0
	for _, l := range []string{"4", "6"} {
		for _, temp := range []string{"1.5", "2", "2.5", "3"} {
			for s := 0; s < 3; s++ {
				if s == 2 && (temp == "1.5" || temp == "2") {
					continue // a third seed only at the higher two
				}
				seed++
				d := filepath.Join(dir, "L"+l+"-T"+temp+"-s"+strconv.Itoa(s))
				runSummary(t, d, "--L", l, "--T", temp, "--seed", strconv.Itoa(seed), "--sweeps", "300", "--therm", "50", "--quiet")
				dirs = append(dirs, d)
			}
		}
	}
	code, stdout, stderr := runQ(t, append([]string{"collect", "--average-seeds", "--crossings", "binder", "--plot", filepath.Join(dir, "p.svg")}, dirs...)...)
	if code != 0 || !strings.Contains(stdout, "\ncrossings of binder against T") || !regexp.MustCompile(`\nshape=4x4 / shape=6x6 +`).MatchString(stdout) {
		t.Fatalf("exit %d %s\n%s", code, stderr, stdout)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "p.svg")); strings.Contains(string(b), "seeds=") {
		t.Errorf("the plot's lines are named by their seeds")
	}
}

// --average-seeds takes the correlation length from the seeds' mean
// S(0)/F - 1, whose root it is, and marks it near_zero where that mean
// lies fewer than 3 errors above 0; a seed without the ratio keeps the
// seeds' mean of xi.
func TestAverageCorrelation(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	mk := func(rs ...float64) []*collected {
		var g []*collected
		for _, r := range rs {
			k := 2 * math.Sin(math.Pi/16)
			xi := math.Copysign(math.Sqrt(math.Abs(r)), r) / k
			g = append(g, &collected{sum: &sim.Summary{Model: "ising2d", Shape: []int{16, 16},
				Observables:      map[string]sim.Value{"correlation_length": {Mean: f(xi), Error: f(0.1), Reliable: true}},
				CorrelationRatio: &sim.RatioEstimate{Mean: r, Error: 0.01}}})
		}
		return g
	}
	avg := func(g []*collected) sim.Summary {
		sum := *g[0].sum
		sum.Observables = map[string]sim.Value{"correlation_length": {Mean: f(-1), Error: f(-1), Reliable: true}} // averageOf's
		averageCorrelation(g, &sum)
		return sum
	}
	k := 2 * math.Sin(math.Pi/16)
	// clearly positive: xi from the mean ratio 0.5, error to first order
	s := avg(mk(0.4, 0.5, 0.6))
	v := s.Observables["correlation_length"]
	e := math.Sqrt(0.02 / 2 / 3) // the spread over sqrt(n)
	if r := s.CorrelationRatio; r == nil || math.Abs(r.Mean-0.5) > 1e-15 || math.Abs(r.Error-e) > 1e-15 ||
		math.Abs(*v.Mean-math.Sqrt(0.5)/k) > 1e-12 || math.Abs(*v.Error-e/(2*math.Sqrt(0.5))/k) > 1e-12 || !v.Reliable || v.UnreliableBy != nil {
		t.Errorf("ratios 0.4, 0.5, 0.6: xi %v +- %v (%v), ratio %+v", *v.Mean, *v.Error, v.UnreliableBy, s.CorrelationRatio)
	}
	// within 3 errors of 0: marked
	s = avg(mk(-0.1, 0.05, 0.1))
	if v := s.Observables["correlation_length"]; v.Reliable || !slices.Equal(v.UnreliableBy, []string{sim.ByNearZero}) || *v.Mean <= 0 {
		t.Errorf("ratios -0.1, 0.05, 0.1: %+v, want near_zero", v)
	}
	// a seed without its ratio: the mean of the seeds' xi stays
	g := mk(0.4, 0.5)
	g[1].sum.CorrelationRatio = nil
	if s = avg(g); s.CorrelationRatio != nil || *s.Observables["correlation_length"].Mean != -1 {
		t.Errorf("a seed without its ratio: %+v", s)
	}
}

// The fitted crossing: straight lines through each line's points over the
// bracket and a neighbour on either side. Exact lines 1 - x and 0.5 over
// x = 0..3 (errors 0.1) cross at 0.5, x's variance 2 (1/400 + 1/500) from
// both intercepts and slopes, y's that of the flat line there; curved
// lines are marked !; a crossing outside the fitted points, or fewer than
// three points with error bars, has none.
func TestCrossingFit(t *testing.T) {
	line := func(ys ...float64) map[float64]crossPoint {
		m := map[float64]crossPoint{}
		for i, y := range ys {
			m[float64(i)] = crossPoint{y, 0.1, true}
		}
		return m
	}
	xs := []float64{0, 1, 2, 3}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	f := fitCrossing(xs, line(1, 0, -1, -2), line(0.5, 0.5, 0.5, 0.5))
	if f == nil || f.n != 4 || !near(f.x, 0.5) || !near(f.y, 0.5) || !near(f.ex, math.Sqrt(0.009)) || !near(f.ey, math.Sqrt(0.0045)) || !near(f.chi2, 0) || !near(f.p, 1) {
		t.Errorf("exact lines: %+v; want x 0.5(0.0949), y 0.5(0.0671), chi2 0", f)
	}
	// 3 - x against -1 cross at 4, past the points; -0.1 and -0.08
	// slopes, within errors of each other, at 2, marked
	if f := fitCrossing(xs, line(3, 2, 1, 0), line(-1, -1, -1, -1)); f != nil {
		t.Errorf("a fit crossing outside the points: %+v", f)
	}
	if f := fitCrossing(xs, line(0.3, 0.2, 0.1, 0), line(0.26, 0.18, 0.1, 0.02)); f == nil || !near(f.x, 2) || !f.parallel {
		t.Errorf("slopes 0.02 apart, errors 0.06: %+v, want x 2 marked parallel", f)
	} else if f := fitCrossing(xs, line(1, 0, -1, -2), line(0.5, 0.5, 0.5, 0.5)); f.parallel {
		t.Errorf("slopes 1 apart marked parallel")
	}
	bent := fitCrossing(xs, line(2, 0, -1, -1.5), line(0.2, 0.2, 0.2, 0.2))
	if bent == nil || bent.p >= bentP {
		t.Fatalf("curved lines: %+v, want p under %g", bent, bentP)
	}
	if f := fitCrossing(xs[:2], line(1, 0), line(0.5, 0.5)); f != nil {
		t.Errorf("two points: %+v", f)
	}
	noErr := line(1, 0, -1, -2)
	noErr[3] = crossPoint{-2, math.NaN(), true}
	if f := fitCrossing(xs, noErr, line(0.5, 0.5, 0.5, 0.5)); f == nil || f.n != 3 {
		t.Errorf("a point without an error bar: %+v, want a fit of the other 3", f)
	}
	// the table: the fitted columns, ! and its line
	runs := []*collected{}
	sf := func(x float64) *float64 { return &x }
	for i, ys := range [][2]float64{{2, 0.2}, {0, 0.2}, {-1, 0.2}, {-1.5, 0.2}} {
		for j, l := range []int{8, 16} {
			sum := &sim.Summary{Model: "ising2d", Shape: []int{l, l}, Observables: map[string]sim.Value{"binder": {Mean: sf(ys[j]), Error: sf(0.1), Reliable: true}}}
			runs = append(runs, &collected{dir: strconv.Itoa(l) + "-" + strconv.Itoa(i), sum: sum, settings: map[string]string{"shape": strconv.Itoa(l) + "x" + strconv.Itoa(l), "T": strconv.Itoa(i)}})
		}
	}
	l, err := plotAxes(runs, varyingSettings(runs), "")
	if err != nil {
		t.Fatal(err)
	}
	cs, err := crossings(runs, l, "binder", false)
	if err != nil || len(cs) != 1 || cs[0].fit == nil || cs[0].fit.n != 3 {
		t.Fatalf("crossings %+v, %v: want one, fitted over T = 0, 1, 2", cs, err)
	}
	var b strings.Builder
	printCrossings(&b, "binder", l, cs)
	for _, want := range []string{"fitted T", "! chi2 has a p-value under 0.01", "/2 (3 T values)", "\nfitted: where straight lines cross"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", want, b.String())
		}
	}
	// an interior bracket: fitted with the x value on either side
	table := func(a, b []float64) []crossing {
		var runs []*collected
		for i := range a {
			for j, y := range []float64{a[i], b[i]} {
				l := 8 << j
				sum := &sim.Summary{Model: "ising2d", Shape: []int{l, l}, Observables: map[string]sim.Value{"binder": {Mean: sf(y), Error: sf(0.1), Reliable: true}}}
				runs = append(runs, &collected{dir: strconv.Itoa(l) + "-" + strconv.Itoa(i), sum: sum, settings: map[string]string{"shape": strconv.Itoa(l) + "x" + strconv.Itoa(l), "T": strconv.Itoa(i)}})
			}
		}
		l, err := plotAxes(runs, varyingSettings(runs), "")
		if err != nil {
			t.Fatal(err)
		}
		cs, err := crossings(runs, l, "binder", false)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	cs = table([]float64{2.5, 1.5, 0.5, -0.5, -1.5}, []float64{0, 0, 0, 0, 0})
	if len(cs) != 1 || cs[0].fit == nil || cs[0].fit.n != 4 || !near(cs[0].fit.x, 2.5) {
		t.Errorf("a crossing between T = 2 and 3: %+v, want one fitted over T = 1 to 4 at 2.5", cs)
	}
	// sign changes at 0-1, 1-2 and 2-3, whose windows overlap: one fit
	// over T = 0 to 4, which the later rows share
	cs = table([]float64{1, -1, 1, -1, -2, -3}, []float64{0, 0, 0, 0, 0, 0})
	if len(cs) != 3 || cs[0].fit == nil || cs[0].fit.n != 5 || cs[0].fitAbove || !cs[1].fitAbove || cs[1].fit != nil || !cs[2].fitAbove || cs[2].fit != nil {
		t.Fatalf("three overlapping sign changes: %+v, want one fit over 5 T values and two rows as above", cs)
	}
	var bo strings.Builder
	printCrossings(&bo, "binder", plotLayout{x: "T"}, cs)
	if !strings.Contains(bo.String(), "as above") || !strings.Contains(bo.String(), "\nas above: a sign change whose fit window overlaps") {
		t.Errorf("rows of one fit:\n%s", bo.String())
	}
}

// The fitted crossing's errors are honest: over 4000 noisy copies of two
// straight lines crossing at x = 4.505 with slopes -6 and -9 (errors 0.005
// and 0.008 at 5 x values, as a Binder scan near Tc), its x and y spread
// as their mean quoted errors (within 10%: the spread's own error is
// about 1.1%, and x is a ratio, first order only), and chi2's p-value
// falls under 0.01 in 1% of them (40, within 4 sigma of the binomial's).
func TestCrossingFitErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	xs := []float64{4.49, 4.5, 4.505, 4.51, 4.52}
	const n = 4000
	var sx, sxx, sy, syy, ex, ey float64
	low, m := 0, 0
	for range n {
		a, b := map[float64]crossPoint{}, map[float64]crossPoint{}
		for _, x := range xs {
			a[x] = crossPoint{0.47 - 6*(x-4.505) + 0.005*rng.NormFloat64(), 0.005, true}
			b[x] = crossPoint{0.47 - 9*(x-4.505) + 0.008*rng.NormFloat64(), 0.008, true}
		}
		f := fitCrossing(xs, a, b)
		if f == nil {
			t.Fatalf("no crossing for lines 4.8 errors apart at the ends: %v %v", a, b)
		}
		m++
		sx, sxx, sy, syy = sx+f.x, sxx+f.x*f.x, sy+f.y, syy+f.y*f.y
		ex, ey = ex+f.ex, ey+f.ey
		if f.p < 0.01 {
			low++
		}
	}
	fm := float64(m)
	spreadX := math.Sqrt(sxx/fm - (sx/fm)*(sx/fm))
	spreadY := math.Sqrt(syy/fm - (sy/fm)*(sy/fm))
	rx, ry := spreadX/(ex/fm), spreadY/(ey/fm)
	t.Logf("x: mean %.6f, spread %.3g, quoted %.3g (ratio %.3f); y: mean %.5f, spread %.3g, quoted %.3g (ratio %.3f); p < 0.01: %d of %d",
		sx/fm, spreadX, ex/fm, rx, sy/fm, spreadY, ey/fm, ry, low, m)
	if math.Abs(sx/fm-4.505) > 4*spreadX/math.Sqrt(fm) || math.Abs(sy/fm-0.47) > 4*spreadY/math.Sqrt(fm) {
		t.Errorf("biased: x %.6f, y %.5f, want 4.505 and 0.47", sx/fm, sy/fm)
	}
	if rx < 0.9 || rx > 1.1 || ry < 0.9 || ry > 1.1 {
		t.Errorf("spread over quoted error: x %.3f, y %.3f, want 0.9 to 1.1", rx, ry)
	}
	if low < 15 || low > 65 {
		t.Errorf("p < 0.01 in %d of %d, want 15 to 65", low, m)
	}
}
