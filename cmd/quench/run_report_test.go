package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/sim"
	"github.com/quenchlab/quench/stats"
)

// The double well's x_var is marked with its stuck x_mean, whose square it
// subtracts; the note says so rather than calling x_var 0 by symmetry,
// and names x2, which neither well biases.
func TestSymmetryNoteDoubleWell(t *testing.T) {
	_, out, _ := runQ(t, "run", "--model", "particles", "--potential", "doublewell", "--k", "12", "--N", "100", "--scheme", "lm",
		"--dt", "0.01", "--steps", "20000", "--every", "2", "--seed", "2", "--quiet", "--out", filepath.Join(t.TempDir(), "a"))
	if !strings.Contains(out, "* x_mean: a symmetry makes the mean 0, and this run's lies more than 4 errors from it (x_var, which subtracts its square, is marked with it)") ||
		!strings.Contains(out, "read x2, the mean square, which either well alone gives") {
		t.Errorf("double well stuck in its wells:\n%s", out)
	}
}

// Where the double well's x_mean changed sides (6 times, seed 1), its
// exact line and x_var's, marked with it, both say the series crossed too
// seldom for the error bar (x_var by x_mean's crossings), not that the run
// stayed on one side; x2 is not marked and lies within 4 errors.
func TestSymmetryCrossedExactLines(t *testing.T) {
	out, sum := runSummary(t, filepath.Join(t.TempDir(), "a"), "--quiet", "--model", "particles", "--potential", "doublewell", "--k", "12",
		"--N", "100", "--scheme", "lm", "--dt", "0.002", "--steps", "100000", "--seed", "1")
	x := sum.Observables["x_mean"]
	if x.SymmetryCrossings == nil || *x.SymmetryCrossings == 0 || !slices.Contains(sum.Observables["x_var"].UnreliableBy, sim.BySymmetry) {
		t.Fatalf("want x_mean crossed and x_var marked: %+v, %v", x, sum.Observables["x_var"].UnreliableBy)
	}
	for _, want := range []string{
		`\n  x_mean +0 +measured \+[0-9.]+ errors from it: more than 4, as its series changed sides too seldom`,
		`\n  x_var +[0-9.]+ +measured [-+][0-9.e+]+ errors from it: more than 4, as x_mean's series changed sides too seldom`,
		`\n  x2 +[0-9.]+ +measured [-+][0-3]\.[0-9]+ errors from it\n`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}

// A series whose tau_int Sokal's window cannot estimate (an
// anticorrelated one: a 1D pile's grains lost, 0, 1 or 2 a grain, whose
// running total telescopes) gets its own note, not "too few measurements
// ... run longer" (a walkthrough's 1000 grains on a chain of 1000).
func TestNoTauIntNote(t *testing.T) {
	_, out, _ := runQ(t, "run", "--model", "sandpile", "--dim", "1", "--L", "300", "--grains", "1000", "--seed", "2", "--quiet", "--out", filepath.Join(t.TempDir(), "a"))
	if !strings.Contains(out, "* grains_lost: no tau_int (Sokal's window found no positive sum") || strings.Contains(out, "too few measurements") {
		t.Errorf("a chain of 300:\n%s", out)
	}
}

// Snapshots closer together help error bars only while they are
// uncorrelated: a 32^2 pile's P(h) every 500 grains (tau_int below 1
// snapshot, 40 of them) gets that advice, every 2 grains (tau_int 13 -
// 34 snapshots) only "run longer" (a walkthrough: a 128^2 pile every 20
// grains instead of 200 kept the same errors).
func TestProfileCloserSnapshotsNote(t *testing.T) {
	dir := t.TempDir()
	const closer = "take snapshots closer together"
	_, sparse, _ := runQ(t, "run", "--model", "sandpile", "--L", "32", "--grains", "20000", "--profile-every", "500", "--quiet", "--out", filepath.Join(dir, "a"))
	if !strings.Contains(sparse, "of their error bars are not reliable") || !strings.Contains(sparse, closer) {
		t.Errorf("every 500 grains:\n%s", sparse)
	}
	_, dense, _ := runQ(t, "run", "--model", "sandpile", "--L", "32", "--grains", "20000", "--profile-every", "2", "--quiet", "--out", filepath.Join(dir, "b"))
	if !strings.Contains(dense, "of their error bars are not reliable") || strings.Contains(dense, closer) {
		t.Errorf("every 2 grains:\n%s", dense)
	}
}

// A pile whose measured avalanches toppled fewer sites than it has, or
// that took fewer grains than its heights decorrelate in: its P(h)
// snapshots are nearly one configuration, and the note says to run
// many more grains, not to take snapshots closer together (a walkthrough
// read errors 100 times too small at 8192^2 after 200 grains).
func TestPileOneConfigurationNote(t *testing.T) {
	dir := t.TempDir()
	_, few, _ := runQ(t, "run", "--model", "sandpile", "--L", "256", "--grains", "40", "--profile-every", "1", "--quiet", "--out", filepath.Join(dir, "a"))
	if !strings.Contains(few, "so the snapshots are nearly one configuration and their errors miss its own sampling error") || strings.Contains(few, "closer together") {
		t.Errorf("40 grains on 256^2:\n%s", few)
	}
	_, many, _ := runQ(t, "run", "--model", "sandpile", "--L", "8", "--grains", "3000", "--profile-every", "1", "--quiet", "--out", filepath.Join(dir, "b"))
	if strings.Contains(many, "nearly one configuration") {
		t.Errorf("3000 grains on 8^2:\n%s", many)
	}
	// avalanches whose areas add up to 5 times the sites, over fewer
	// grains than the pile's heights decorrelate in (0.063 L^2, 258 on
	// 64^2): still nearly one configuration (an audit's 256^2 after 3000
	// grains: 20 seeds spread 4.5 to 7.5 times their errors)
	_, short, _ := runQ(t, "run", "--model", "sandpile", "--L", "64", "--grains", "150", "--quiet", "--out", filepath.Join(dir, "c"))
	if !strings.Contains(short, ": the 150 measured grains are fewer than the about 258 over which a 64x64 pile's heights decorrelate (0.063 L^2 in 2D, measured from 32^2 to 256^2), so the snapshots are nearly one configuration") {
		t.Errorf("150 grains on 64^2:\n%s", short)
	}
	// past it, the advice asks for the run that law needs, not the
	// snapshots' own short tau_int's (the audit's 256^2 after 300
	// grains was asked for 53000, and then for 4.1 million)
	_, longer, _ := runQ(t, "run", "--model", "sandpile", "--L", "64", "--grains", "1000", "--quiet", "--out", filepath.Join(dir, "d"))
	if strings.Contains(longer, "nearly one configuration") || !strings.Contains(longer, "error bars are not reliable (each error bin should span >= 20 tau_int): run longer:\n  about 340000 grains by a 64x64 pile's heights, which decorrelate over about 258 grains (0.063 L^2 in 2D, measured from 32^2 to 256^2), plus 2 errors (the snapshots' own tau_int, a short run's, falls short of it): quench resume ") {
		t.Errorf("1000 grains on 64^2:\n%s", longer)
	}
}

// A hot or empty pile thermalized for fewer than 2N (3N) grains gets a
// note that its statistics are biased; enough grains, or the stationary
// start, get none.
func TestSandpileThermNote(t *testing.T) {
	dir := t.TempDir()
	for i, c := range []struct {
		args []string
		note bool
	}{
		{[]string{"--start", "hot"}, true},                            // 1000 < 2 x 1024
		{[]string{"--start", "hot", "--therm-grains", "2048"}, false}, // 2N
		{[]string{"--start", "cold", "--therm-grains", "2048"}, true}, // < 3N
		{[]string{"--start", "cold", "--therm-grains", "3072"}, false},
		{nil, false}, // stationary
	} {
		args := append([]string{"run", "--model", "sandpile", "--L", "32", "--grains", "5", "--quiet", "--out", filepath.Join(dir, fmt.Sprint(i))}, c.args...)
		code, _, stderr := runQ(t, args...)
		if got := strings.Contains(stderr, " pile of 1024 sites needs some ") && strings.Contains(stderr, " thermalization grains to become stationary; with "); code != 0 || got != c.note {
			t.Errorf("%v: exit %d, stderr %q (want a note: %v)", c.args, code, stderr, c.note)
		}
	}
}

// The results table of a sandpile run shows P(h) of the whole lattice and
// of the central box, as summary.json's two profiles hold them.
func TestSandpileHeightTable(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pile")
	code, stdout, stderr := runQ(t, "run", "--model", "sandpile", "--L", "16", "--grains", "400", "--quiet", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var sum struct {
		Profiles   map[string]struct{ Mean []float64 } `json:"profiles"`
		HeightMean struct{ Mean []float64 }            `json:"height_mean"`
	}
	data, _ := os.ReadFile(filepath.Join(out, "summary.json"))
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	whole, center := sum.Profiles["height_distribution"].Mean, sum.Profiles["height_distribution_center"].Mean
	if len(whole) != 4 || len(center) != 4 || slices.Equal(whole, center) {
		t.Fatalf("profiles %v and %v: want 4 heights each, not equal", whole, center)
	}
	if !strings.Contains(stdout, "height  lattice") || !strings.Contains(stdout, "center") {
		t.Errorf("no P(h) table:\n%s", stdout)
	}
	// rows: height, then mean, error, tau_int (and "*") of each region,
	// and the infinite lattice's value; then the mean height, sum_h h
	// P(h), of each region, against 17/8
	rows := map[string][]string{}
	for line := range strings.Lines(stdout[strings.Index(stdout, "height  lattice"):]) {
		f := slices.DeleteFunc(strings.Fields(line), func(s string) bool { return s == "*" })
		if len(f) == 8 {
			rows[f[0]] = f
		}
	}
	for h := range 4 {
		row := rows[fmt.Sprint(h)]
		if row == nil || row[1] != fmt.Sprintf("%.6g", whole[h]) || row[4] != fmt.Sprintf("%.6g", center[h]) || row[7] != fmt.Sprintf("%.7f", quench.SandpileHeights2D[h]) {
			t.Errorf("table row for height %d: %q, want %.6g, %.6g and %.7f", h, row, whole[h], center[h], quench.SandpileHeights2D[h])
		}
	}
	var means [2]float64
	for h := range 4 {
		means[0] += float64(h) * whole[h]
		means[1] += float64(h) * center[h]
	}
	hm := sum.HeightMean.Mean
	if len(hm) != 2 || math.Abs(hm[0]-means[0]) > 1e-12 || math.Abs(hm[1]-means[1]) > 1e-12 {
		t.Errorf("height_mean %v, want %v (sum_h h P(h) of the mean profiles)", hm, means)
	}
	if row := rows["mean"]; row == nil || len(hm) != 2 || row[1] != fmt.Sprintf("%.6g", hm[0]) || row[4] != fmt.Sprintf("%.6g", hm[1]) || row[7] != "17/8" {
		t.Errorf("the mean row %q, want %v and 17/8", row, hm)
	}
	// 3D: no infinite lattice's column
	out3 := filepath.Join(t.TempDir(), "pile3")
	if code, stdout, stderr = runQ(t, "run", "--model", "sandpile", "--dim", "3", "--L", "6", "--grains", "400", "--quiet", "--out", out3); code != 0 || !strings.Contains(stdout, "height  lattice    error") ||
		strings.Contains(stdout, "infinite") || !regexp.MustCompile(`(?m)^mean +[0-9.]+ `).MatchString(stdout) {
		t.Errorf("3D: exit %d %s\n%s", code, stderr, stdout)
	}
}

// The table's notes say why: fewer than 100 measurements, and values that
// are not defined (the Binder cumulant of an m that is 0 throughout: a
// frozen Neel state), which get no star; the frozen state's staggered
// magnetization, -1 throughout where a symmetry makes its mean 0, gets
// the symmetry's star and note, and every other observable, the same in
// every measurement though the dynamics could change it, the frozen
// note's.
func TestTableNotes(t *testing.T) {
	dir := t.TempDir()
	_, short, _ := runQ(t, "run", "--L", "8", "--sweeps", "40", "--quiet", "--out", filepath.Join(dir, "a"))
	// (seed 1's m changes sides once, far from 0: the symmetry's note
	// too, so the first note says which it is for: every observable)
	if !strings.Contains(short, "\n* every observable: too few measurements for error bars (40: at least 100, in 50 bins spanning >= 20 tau_int each)") ||
		!strings.Contains(short, "\n* magnetization: a symmetry makes the mean 0") || !strings.Contains(short, ", though its series changed sides 1 time: too seldom for the run's error bins") {
		t.Errorf("40 measurements:\n%s", short)
	}
	_, neel, _ := runQ(t, "run", "--L", "8", "--J", "-1", "--T", "0.3", "--start", "cold", "--sweeps", "200", "--quiet", "--out", filepath.Join(dir, "b"))
	stars := regexp.MustCompile(`(?m)^\S+ .* \*$`).FindAllString(neel, -1)
	if !regexp.MustCompile(`\nbinder +- +- +-\n`).MatchString(neel) || !strings.Contains(neel, "- no value: 0/0") ||
		len(stars) != 17 || !strings.Contains(neel, "\n* staggered_magnetization: a symmetry makes the mean 0") ||
		!strings.Contains(neel, "; a cold start, every spin +1, is the same with every seed: run far longer") ||
		!strings.Contains(neel, "\n* energy, magnetization, abs_magnetization, m2, m4, specific_heat, susceptibility, susceptibility_connected, abs_staggered_magnetization, staggered_m2, staggered_m4, staggered_susceptibility, staggered_susceptibility_connected, staggered_binder, staggered_S_k0, staggered_S_k1: the same in every measurement averaged, though the dynamics can change them: the run saw none of their fluctuations, so the error 0 is no error bar") ||
		!regexp.MustCompile(`\nstaggered_binder +0.66666667 +0 +0.5 \*\n`).MatchString(neel) ||
		!strings.Contains(neel, "\n- staggered_correlation_length: no value: every measurement's staggered S_k was 0 (a lattice frozen in one Neel state)") {
		t.Errorf("frozen Neel state:\n%s", neel)
	}
	// aggregation: its own reason, not "run longer"
	_, agg, _ := runQ(t, "run", "--model", "aggregation", "--L", "64", "--sweeps", "300", "--quiet", "--out", filepath.Join(dir, "c"))
	if !strings.Contains(agg, "\n* "+sim.NotStationaryAggregation+"\n") || strings.Contains(agg, "run longer") || !regexp.MustCompile(`\nmass_var .* \*\n`).MatchString(agg) {
		t.Errorf("aggregation:\n%s", agg)
	}
	// diffusion: u_var decays (not stationary), u_mean conserved
	_, dif, _ := runQ(t, "run", "--model", "diffusion", "--dim", "1", "--L", "256", "--steps", "2000", "--therm", "0", "--quiet", "--out", filepath.Join(dir, "dif"))
	difc := sim.Config{Model: "diffusion", Shape: []int{256}, Alpha: 0.1, Precision: "float64"}
	if !strings.Contains(dif, "\n* "+difc.NotStationaryDiffusion()+"\n") || strings.Contains(dif, "run longer") || !regexp.MustCompile(`\nu_var .* \*\n`).MatchString(dif) ||
		!regexp.MustCompile(`\nu_mean .* c\n`).MatchString(dif) || !strings.Contains(dif, "\nc conserved: the stencil keeps the field's mean, so u_mean varies by rounding only") {
		t.Errorf("diffusion:\n%s", dif)
	}
	// a float32 field whose every step rounds away short of uniform:
	// u_var frozen, its note says why, and no not-stationary note
	_, fro, _ := runQ(t, "run", "--model", "diffusion", "--shape", "48x80", "--alpha", "0.2", "--precision", "float32", "--therm", "8000", "--steps", "2000", "--quiet", "--out", filepath.Join(dir, "fro"))
	if !strings.Contains(fro, "\n* u_var: the same in every measurement averaged, yet above 0, so the field is not uniform: each step's change rounds away in float32, which stops the relaxation that exact arithmetic goes on with (its slowest mode's share by 0.997535 a step)") ||
		strings.Contains(fro, "diffusion has no noise") || !regexp.MustCompile(`\nu_var +[0-9.e-]+ +0 +0.5 \*\n`).MatchString(fro) {
		t.Errorf("diffusion frozen by rounding:\n%s", fro)
	}
	_, kur, _ := runQ(t, "run", "--model", "particles", "--potential", "kuramoto", "--omega-spread", "1", "--N", "100", "--steps", "200", "--quiet", "--out", filepath.Join(dir, "d"))
	if !strings.Contains(kur, "\nnote: "+sim.QuenchedFrequencies+"\n") {
		t.Errorf("kuramoto with a frequency spread:\n%s", kur)
	}
	// model B: m and what depends on it alone are marked c, conserved,
	// with their note, the fluctuating phi2 * as before
	_, mb, _ := runQ(t, "run", "--model", "phi4", "--L", "16", "--scheme", "modelb", "--steps", "3000", "--quiet", "--out", filepath.Join(dir, "e"))
	for _, name := range sim.ModelBConserved {
		if !regexp.MustCompile(`\n` + name + ` .* c\n`).MatchString(mb) {
			t.Errorf("model B: %s not marked c:\n%s", name, mb)
		}
	}
	if !strings.Contains(mb, "\nc conserved: model B keeps the mean field m at its start value, and phi, binder, susceptibility, susceptibility_connected, energy_field depend on m alone") ||
		!regexp.MustCompile(`\nphi2 .* \*\n`).MatchString(mb) {
		t.Errorf("model B:\n%s", mb)
	}
}

// Model B where the tau_ints ask for more than the slow modes' note (a
// 16^2 Gaussian field, modes of 252 steps, S_k0 and S_k1 marked by the
// usual rule alone): the tau_int note gives its run and command, and the
// slow modes' note points to it. Before, the tau_int note gave no number
// and the slow modes' 80000 steps, followed, left S_k marked (then asking
// for 410000).
func TestModelBTauAsksMore(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "a")
	_, table, _ := runQ(t, "run", "--model", "phi4", "--L", "16", "--scheme", "modelb", "--lambda", "0", "--m2", "0.5", "--dt", "0.02",
		"--steps", "20000", "--therm", "5000", "--start", "cold", "--seed", "1", "--quiet", "--out", out)
	m := regexp.MustCompile(`run longer for trustworthy errors:\n  about (\d+) steps by S_k\d's tau_int, [^\n]*: quench resume \S+ --steps (\d+) `).FindStringSubmatch(table)
	s := regexp.MustCompile(`about (\d+) measured steps or more make them reliable \(the tau_int note above asks for more, (\d+)\)\n`).FindStringSubmatch(table)
	if m == nil || s == nil || m[1] != m[2] || m[1] != s[2] {
		t.Fatalf("no tau_int run, or no pointer to it, in\n%s", table)
	}
	tauRun, _ := strconv.ParseInt(m[1], 10, 64)
	slowRun, _ := strconv.ParseInt(s[1], 10, 64)
	if tauRun <= slowRun {
		t.Errorf("the tau_int run %d is not longer than the slow modes' %d", tauRun, slowRun)
	}
}

// Model B shorter than its slowest mode (the Gaussian field of 32^2, modes
// of 1253 steps, 2000 steps after 100): the table names which
// observables each note marked (all by the usual rule, the S_k too for
// their mode, whose Sokal tau_int of 108 and 293 steps had been the only
// hint), and warns that --therm is too short, with what would do; with
// --therm 6265 it does not. Before, the slow-mode note was missing (the
// usual rule had marked everything) and nothing was said of --therm.
func TestModelBSlowModeNotes(t *testing.T) {
	dir := t.TempDir()
	args := []string{"run", "--model", "phi4", "--scheme", "modelb", "--L", "32", "--m2", "1", "--lambda", "0", "--start", "cold", "--steps", "2000", "--quiet"}
	_, out, _ := runQ(t, append(args, "--therm", "100", "--out", filepath.Join(dir, "a"))...)
	for _, want := range []string{
		"\n* phi2, phi4, energy, energy_gradient, energy_mass, S_k0, S_k1: too few measurements for this tau_int",
		"\n* model B conserves the field, so it relaxes diffusively: its slow modes decorrelate over up to 1253 steps; error bins of 40 steps miss too much of their share of tau_int for phi2, phi4, energy, energy_gradient, energy_mass (the errors come out too small); the modes of S_k0, S_k1 (1253 steps) take over twice their Sokal tau_int to decorrelate",
		"about 2048000 measured steps or more make them reliable: quench resume " + shellWord(filepath.Join(dir, "a")) + " --steps 2048000\n",
		"\nwarning: --therm 100 is shorter than 5 times the conserved field's slowest mode's decorrelation time, 1253 steps (model B: linearized about the measured <phi^2>",
		"--therm 6265 or more lets them relax\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("model B, --therm 100: no %q in\n%s", want, out)
		}
	}
	j, err := os.ReadFile(filepath.Join(dir, "a", sim.SummaryFile))
	if err != nil || !strings.Contains(string(j), `"therm_short": {`) || !strings.Contains(string(j), `"unreliable_by": [`) {
		t.Errorf("summary.json: %v\n%s", err, j)
	}
	_, out, _ = runQ(t, append(args, "--therm", "6265", "--out", filepath.Join(dir, "b"))...)
	if strings.Contains(out, "warning:") {
		t.Errorf("model B, --therm 6265:\n%s", out)
	}
	// kmp's hot start is stationary: no warning even without --therm
	_, out, _ = runQ(t, "run", "--model", "kmp", "--dim", "1", "--L", "64", "--steps", "200", "--therm", "0", "--quiet", "--out", filepath.Join(dir, "c"))
	if strings.Contains(out, "warning:") {
		t.Errorf("kmp, hot start:\n%s", out)
	}
}

// count drops the plural's s for 1 only: "0 thermalization sweeps".
func TestCount(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{{0, "0 sweeps"}, {1, "1 sweep"}, {2, "2 sweeps"}, {-1, "-1 sweeps"}} {
		if got := count(c.n, "sweeps"); got != c.want {
			t.Errorf("count(%d, sweeps) = %q, want %q", c.n, got, c.want)
		}
	}
}

// A sandpile run reports Dhar's exact mean avalanche size for its lattice
// (summary.json "exact", and a line under the table), and grains_lost's 1,
// and how many errors the measured means are from them: a stationary
// start is within 4, a cold pile measured while it fills up is not, and
// the line says so (while the pile fills its running totals drift, and
// the errors are binning's); its too short thermalization is
// therm_short in the JSON, and a warning under the table.
func TestSandpileExactSize(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		far  bool
	}{
		{[]string{"--L", "16", "--grains", "40000"}, false},
		{[]string{"--L", "32", "--grains", "3000", "--therm", "0", "--start", "cold"}, true},
	} {
		stdout, sum := runSummary(t, filepath.Join(dir, strings.Join(c.args, "")), append([]string{"--model", "sandpile", "--quiet"}, c.args...)...)
		x, ok := sum.Exact["avalanche_size"]
		want, _, err := quench.SandpileMeanSize(quench.Lattice{Shape: sum.Shape})
		if !ok || err != nil || x != want || len(sum.Exact) != 2 || sum.Exact["grains_lost"] != 1 {
			t.Fatalf("%v: exact %v (%v), want avalanche_size %v and grains_lost 1", c.args, sum.Exact, err, want)
		}
		v, g := sum.Observables["avalanche_size"], sum.Observables["grains_lost"]
		z, zg := (*v.Mean-x) / *v.Error, (*g.Mean-1) / *g.Error
		line := fmt.Sprintf("exact in the stationary state (Dhar: the mean over the sites of w = Delta^-1 1, a grain's expected topplings; grains_lost 1, as the stationary pile's grain count is stationary):\n  avalanche_size  %.8g  measured ", x)
		far := "more than 4, so the measured grains did not sample the stationary state (thermalize longer)"
		if !strings.Contains(stdout, line) || strings.Contains(stdout, far) != c.far || (math.Abs(z) > 4) != c.far || (math.Abs(zg) > 4) != c.far || !c.far && (!v.Reliable || !g.Reliable) {
			t.Errorf("%v: z = %.2f and %.2f, far %v, reliable %v; table:\n%s", c.args, z, zg, c.far, v.Reliable, stdout)
		}
		warn := "\nwarning: --therm-grains 0 is fewer than the 3072 a cold pile of 1024 sites needs to fill up and become stationary (2N grains hot, 3N empty, 5N empty in 3D): its statistics are biased"
		if (sum.ThermShort != nil) != c.far || c.far && (sum.ThermShort.NeededTherm != 3072 || !strings.Contains(stdout, warn)) {
			t.Errorf("%v: therm_short %+v; table:\n%s", c.args, sum.ThermShort, stdout)
		}
	}
}

// The exact lines read a constant series (error 0) of a primary
// observable far from its exact mean as an unsampled stationary state (a
// cold pile that never toppled; an Ising lattice frozen in stripes below
// Tc), and a derived one's constant (a specific heat of 1e-9 at low T,
// measured 0) not; a distance just over 4 errors does not print as "4";
// and a model B run whose --therm covered its slow modes blames its
// unreliable errors, not its thermalization.
func TestExactLinesConstantAndCovered(t *testing.T) {
	dir := t.TempDir()
	far := "a constant this far from the stationary mean says the measured %s did not sample the stationary state (thermalize longer)"
	stdout, sum := runSummary(t, filepath.Join(dir, "pile"), "--model", "sandpile", "--L", "32", "--grains", "100", "--therm", "0", "--start", "cold", "--quiet")
	if v := sum.Observables["avalanche_size"]; *v.Mean != 0 || *v.Error != 0 {
		t.Fatalf("a cold 32^2 pile toppled in 100 grains: %v +- %v", *v.Mean, *v.Error)
	}
	if !strings.Contains(stdout, "measured 0 in every measurement averaged: "+fmt.Sprintf(far, "grains")) {
		t.Errorf("a pile that never toppled is not flagged:\n%s", stdout)
	}
	stdout, _ = runSummary(t, filepath.Join(dir, "stripes"), "--L", "16", "--T", "0.2", "--sweeps", "2000", "--therm", "200", "--seed", "2", "--quiet")
	// (from a hot start, the default: the line says to start ordered)
	if !strings.Contains(stdout, "measured -1.75 in every measurement averaged: "+fmt.Sprintf(far, "sweeps")+"; a hot start can freeze in stripes, which at this T no practical thermalization melts: start ordered with --start cold") ||
		!strings.Contains(stdout, "specific_heat") || strings.Contains(stdout, "measured 0 in every measurement averaged: ") {
		t.Errorf("a lattice frozen in stripes (energy -1.75) is not flagged, or its specific heat is:\n%s", stdout)
	}
	// too few measurements for the specific heat's error bar: its line
	// says so, and has no distance
	stdout, sum = runSummary(t, filepath.Join(dir, "ten"), "--L", "8", "--sweeps", "10", "--therm", "0", "--quiet")
	if v := sum.Observables["specific_heat"]; v.Error != nil || v.Mean == nil ||
		!regexp.MustCompile(`\n  specific_heat +[0-9.]+ +measured [0-9.]+, with no error bar to count the distance in\n`).MatchString(stdout) {
		t.Errorf("a specific heat without an error bar (%+v): its exact line:\n%s", v, stdout)
	}
	stdout, _ = runSummary(t, filepath.Join(dir, "cold"), "--L", "8", "--T", "0.3", "--sweeps", "2000", "--start", "cold", "--quiet")
	if !strings.Contains(stdout, "measured 0 in every measurement averaged\n") || strings.Contains(stdout, "did not sample") {
		t.Errorf("a frozen ground state at T = 0.3 is flagged:\n%s", stdout)
	}

	// just over 4 errors: not "-4"
	c := &sim.Config{Model: "ising2d"}
	mean, e := -1.0-4.01, 1.0
	var b bytes.Buffer
	printExact(&b, c, &sim.Summary{Exact: map[string]float64{"energy": -1}, Observables: map[string]sim.Value{"energy": {Mean: &mean, Error: &e, Reliable: true}}}, []string{"energy"}, "sweeps")
	if !strings.Contains(b.String(), "measured -4.01 errors from it: more than 4") {
		t.Errorf("4.01 errors:\n%s", b.String())
	}

	args := []string{"--model", "phi4", "--lambda", "0", "--m2", "1", "--L", "16", "--scheme", "modelb", "--start", "cold", "--steps", "1000", "--quiet"}
	for _, therm := range []string{"1426", "0"} {
		stdout, sum := runSummary(t, filepath.Join(dir, "b"+therm), append(args, "--therm", therm)...)
		covered := "its error, marked *, is too small (run longer; --therm covered the slow modes)"
		if (sum.ThermShort == nil) != (therm == "1426") || therm == "1426" && (!strings.Contains(stdout, covered) || strings.Contains(stdout, "thermalize longer")) ||
			therm == "0" && strings.Contains(stdout, covered) {
			t.Errorf("--therm %s (therm_short %v):\n%s", therm, sum.ThermShort, stdout)
		}
	}
}

// A 2D Ising run at h = 0 reports Kaufman's exact energy and specific heat
// of its finite lattice (J u(beta |J|) and c(beta |J|); an antiferromagnet
// with even extents is the ferromagnet with the sublattices flipped), and
// a run in a field, where none is known, reports none.
func TestIsingExactValues(t *testing.T) {
	dir := t.TempDir()
	for i, c := range []struct {
		args []string
		j, k float64 // 0: no exact values
	}{
		{[]string{"--L", "8"}, 1, math.Log(1+math.Sqrt2) / 2},
		{[]string{"--shape", "8x6", "--J", "-2", "--T", "6", "--algo", "heatbath"}, -2, 2.0 / 6},
		{[]string{"--L", "8", "--h", "0.1"}, 0, 0},
	} {
		stdout, sum := runSummary(t, filepath.Join(dir, fmt.Sprint(i)), append([]string{"--sweeps", "4000", "--quiet"}, c.args...)...)
		if c.j == 0 {
			if sum.Exact != nil || strings.Contains(stdout, "exact") {
				t.Errorf("%v: exact values %v in a field:\n%s", c.args, sum.Exact, stdout)
			}
			continue
		}
		u, ch, err := quench.IsingExact2D(sum.Shape[0], sum.Shape[1], c.k)
		if err != nil || sum.Exact["energy"] != math.Abs(c.j)*u || sum.Exact["specific_heat"] != ch {
			t.Fatalf("%v: exact %v, want energy %v specific_heat %v (%v)", c.args, sum.Exact, math.Abs(c.j)*u, ch, err)
		}
		for _, name := range []string{"energy", "specific_heat"} {
			v := sum.Observables[name]
			z := (*v.Mean - sum.Exact[name]) / *v.Error
			if !v.Reliable || math.Abs(z) > 4 || !strings.Contains(stdout, fmt.Sprintf("  %s", name)) || !strings.Contains(stdout, fmt.Sprintf("measured %+.2g errors from it", z)) {
				t.Errorf("%v: %s %v +- %v (reliable %v) is %.2f errors from %v; table:\n%s", c.args, name, *v.Mean, *v.Error, v.Reliable, z, sum.Exact[name], stdout)
			}
		}
	}
}

// The step-bias advice is not given for a mean that a symmetry makes 0 at
// every dt (the double well's x_mean), nor for one marked symmetry, and a
// constant's line keeps the columns of the lines after it.
func TestExactLinesSymmetryZero(t *testing.T) {
	c := &sim.Config{Model: "particles", Potential: quench.PotentialDoubleWell, Scheme: quench.SchemeLM, K: 1, T: 1}
	f := func(x float64) *float64 { return &x }
	sum := &sim.Summary{
		Exact: map[string]float64{"x_mean": 0, "x_var": 0.8, "v_var": 1},
		Observables: map[string]sim.Value{
			"x_mean": {Mean: f(0.05), Error: f(0.01), Reliable: true},
			"v_var":  {Mean: f(1), Error: f(0), Constant: true},
			"x_var":  {Mean: f(0.9), Error: f(0.01), Reliable: true},
		},
	}
	var b strings.Builder
	printExact(&b, c, sum, []string{"x_mean", "v_var", "x_var"}, "steps")
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines:\n%s", len(lines), b.String())
	}
	if !strings.Contains(lines[2], "+5 errors") || strings.Contains(lines[2], "the step's bias") {
		t.Errorf("x_mean, 0 by symmetry at any dt: %q", lines[2])
	}
	if lines[3] != "  v_var   1    measured 1 in every measurement averaged" {
		t.Errorf("a constant line: %q", lines[3])
	}
	if !strings.Contains(lines[4], "+10 errors") || !strings.Contains(lines[4], "at half the --dt a bias shrinks about 4x") {
		t.Errorf("x_var: %q", lines[4])
	}
	if i, j := strings.Index(lines[2], "measured"), strings.Index(lines[4], "measured"); i != j {
		t.Errorf("columns: %q and %q", lines[2], lines[4])
	}
	// an x_var marked with its stuck x_mean: the run's side, not the step
	sum.Observables["x_var"] = sim.Value{Mean: f(0.9), Error: f(0.01), UnreliableBy: []string{sim.BySymmetry}}
	b.Reset()
	printExact(&b, c, sum, []string{"x_var"}, "steps")
	if out := b.String(); !strings.Contains(out, "  x_var  0.8  by the symmetry: no test of this run, which stayed on one side of it (measured 0.9, the * note above)\n") || strings.Contains(out, "the step's bias") || strings.Contains(out, "errors") {
		t.Errorf("x_var marked symmetry:\n%s", out)
	}
}

// Synchronized Kuramoto phases (N = 100, k/T = 4) whose common phase did
// not turn in the run: x_mean lies far from the 1/2 of the symmetry of
// turning every phase alike, and the note says so, with the time a turn
// of the common phase's diffusion takes (2 pi^2 N/T = 1974 time units,
// 197393 steps at dt = 0.01, rounded up to 200000), and marks x_var with
// it; the exact line says it tests nothing, giving no distance; the run-longer
// advice is by the order parameter's tau_int (51000 steps), not by the
// stuck x_mean's and x_var's (sums of 1630 and 1980 measurements so far,
// which asked for 2 million), and says so.
func TestSymmetryNoteKuramoto(t *testing.T) {
	stdout, sum := runSummary(t, filepath.Join(t.TempDir(), "k"), "--quiet", "--model", "particles", "--potential", "kuramoto",
		"--N", "100", "--k", "4", "--scheme", "lm", "--steps", "20000", "--seed", "1")
	x := sum.Observables["x_mean"]
	if !slices.Contains(x.UnreliableBy, sim.BySymmetry) || !slices.Contains(sum.Observables["x_var"].UnreliableBy, sim.BySymmetry) {
		t.Fatalf("x_mean %v +- %v marked %v, x_var marked %v", *x.Mean, *x.Error, x.UnreliableBy, sum.Observables["x_var"].UnreliableBy)
	}
	for _, want := range []string{
		"\n* x_mean: turning every phase alike is a symmetry of the dynamics, which makes the mean of the phases (in turns, kept in [0, 1)) 1/2, and this run's lies more than 4 errors from it (x_var, ",
		" is marked with it): their common phase (the mean of the unwrapped phases), which diffuses a turn in about 2 pi^2 N/T = 1.97e+03 time units (200000 steps), did not turn far enough",
		"; run far longer, or read order_parameter, which the symmetry leaves alone\n",
		"run longer for trustworthy errors:\n  about 51000 steps by order_parameter2's tau_int, 35.6 +- 7.4 measurements, plus 2 errors: quench resume ",
		"\n  (not by x_mean, x_var, which asked for more: the note on the symmetry below says how long)\n",
		fmt.Sprintf("  x_mean            0.5         by the symmetry: no test of this run, which stayed on one side of it (measured %.8g, the * note above)\n", *x.Mean),
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("no %q in\n%s", want, stdout)
		}
	}
	// with a common frequency the common phase also turns
	c := &sim.Config{Model: "particles", Potential: quench.PotentialKuramoto, N: 10, T: 2, Dt: 0.05, Omega: 1}
	r := 0.9
	if note := symmetryNote(c, &r, []string{"x_mean"}, nil); !strings.Contains(note, "which turns at the oscillators' mean frequency and diffuses a turn in about 2 pi^2 N/T = 98.7 time units (2000 steps)") || strings.Contains(note, "x_var") {
		t.Errorf("omega 1: %q", note)
	}
	// phases not synchronized move apart, each a turn in 2 pi^2/T (k = 0,
	// T = 1e-5: 1.97e6 time units; 2 pi^2 N/T, N times that, had been said)
	c = &sim.Config{Model: "particles", Potential: quench.PotentialKuramoto, N: 1000, T: 1e-5, Dt: 0.01}
	r = 0.03
	if note := symmetryNote(c, &r, []string{"x_mean", "x_var"}, nil); !strings.Contains(note, ": the phases, not synchronized (order_parameter under 0.16, near that of phases spread at random, about 1/sqrt(N)), each of which diffuses a turn in about 2 pi^2/T = 1.97e+06 time units (200000000 steps), did not turn far enough") {
		t.Errorf("k = 0: %q", note)
	}
	// a partly synchronized cluster (an audit's 10^4 phases at r = 0.30,
	// k = 2.1, T = 1): its common phase, 2 pi^2 N/T
	pc := &sim.Config{Model: "particles", Potential: quench.PotentialKuramoto, N: 10000, T: 1, Dt: 0.05, K: 2.1}
	rc := 0.30
	if note := symmetryNote(pc, &rc, []string{"x_mean"}, nil); !strings.Contains(note, "their common phase (the mean of the unwrapped phases), which diffuses a turn in about 2 pi^2 N/T = 1.97e+05 time units") {
		t.Errorf("a partial cluster: %q", note)
	}
	c.OmegaSpread = 0.5 // each at its own frequency, not the mean one
	if note := symmetryNote(c, &r, []string{"x_mean"}, nil); !strings.Contains(note, "each of which turns at its own natural frequency and diffuses a turn in about 2 pi^2/T") {
		t.Errorf("k = 0, a spread: %q", note)
	}
	c.OmegaSpread, c.Omega = 0, 2
	if note := symmetryNote(c, &r, []string{"x_mean"}, nil); !strings.Contains(note, "each of which turns at omega and diffuses a turn in about 2 pi^2/T") {
		t.Errorf("k = 0, omega 2: %q", note)
	}
}

// Locked Kuramoto phases at T = 0 (N = 1000, k = 4): r stays at 1 to the
// rounding of the phases, which a Sokal window read as a tau_int that
// grew with every extension the advice asked for (500000 steps, then
// 1.3e8). Now the settled series are marked s, with their note, and no
// run-longer advice is given; with a spread of frequencies, the wrapped
// phases' x_mean, turning with the common phase, is marked not
// stationary with its reason.
func TestSettledNote(t *testing.T) {
	dir := t.TempDir()
	stdout, sum := runSummary(t, filepath.Join(dir, "lock"), "--quiet", "--model", "particles", "--potential", "kuramoto",
		"--N", "1000", "--k", "4", "--T", "0", "--steps", "2000")
	if !slices.Contains(sum.Settled, "order_parameter") || strings.Contains(stdout, "quench resume") || strings.Contains(stdout, "* ") ||
		!regexp.MustCompile(`\norder_parameter +1 +\S+ +\S+ s\n`).MatchString(stdout) ||
		!strings.Contains(stdout, "\ns settled: without noise (T = 0) the phases had reached a fixed arrangement (which may turn as a whole) before the measured steps, where "+strings.Join(sum.Settled, ", ")+" vary by the rounding of the phases only") {
		t.Errorf("settled %v:\n%s", sum.Settled, stdout)
	}
	stdout, sum = runSummary(t, filepath.Join(dir, "spread"), "--quiet", "--model", "particles", "--potential", "kuramoto",
		"--N", "200", "--k", "4", "--T", "0", "--omega-spread", "0.5", "--steps", "2000")
	if sum.NotStationary != sim.NotStationaryPhaseTurn || !slices.Contains(sum.Observables["x_mean"].UnreliableBy, sim.ByNotStationary) ||
		!slices.Contains(sum.Settled, "order_parameter") || strings.Contains(stdout, "quench resume") ||
		!strings.Contains(stdout, "\n* at T = 0 there is no noise: the phases' common phase (the mean of the unwrapped phases) turns deterministically") {
		t.Errorf("spread: not_stationary %q, settled %v:\n%s", sum.NotStationary, sum.Settled, stdout)
	}
	// one phase at T > 0: r is 1 by definition, to the rounding of its
	// cosine and sine, which had asked for 1.2 million steps
	stdout, sum = runSummary(t, filepath.Join(dir, "one"), "--quiet", "--model", "particles", "--potential", "kuramoto", "--N", "1", "--steps", "20000")
	if r := sum.Observables["order_parameter"]; !r.Reliable || !slices.Contains(sum.Settled, "order_parameter") || strings.Contains(stdout, "by order_parameter") ||
		!strings.Contains(stdout, "\ns settled: one phase's order parameter is 1 by definition: ") {
		t.Errorf("one phase: r %v +- %v reliable %v, settled %v:\n%s", *r.Mean, *r.Error, r.Reliable, sum.Settled, stdout)
	}
}

// Runs whose exact values are Boltzmann means at dt -> 0 (a 1D phi4 ring
// at lambda != 0, double-well particles) say so in the table's heading,
// with the order of the scheme's step bias, and a distance past 4 names
// that bias first: Euler-Maruyama at dt = 0.08 on a ring of 16 puts the
// energy about 30 errors off.
func TestDoubleWellExactLines(t *testing.T) {
	dir := t.TempDir()
	stdout, sum := runSummary(t, filepath.Join(dir, "ring"), "--quiet", "--model", "phi4", "--dim", "1", "--L", "16",
		"--scheme", "em", "--dt", "0.08", "--steps", "20000")
	if len(sum.Exact) != 12 || !(sum.Exact["binder"] > 0) || !(sum.Exact["correlation_length"] > 0) {
		t.Errorf("ring: %d exact values, want 12 with binder and correlation_length: %v", len(sum.Exact), sum.Exact)
	}
	for _, want := range []string{"exp(-H/T) of this ring at dt -> 0", "a bias of order dt,", "energy ", "so the step's bias shows (the exact value is at dt -> 0; at half the --dt a bias shrinks about 2x)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("ring em: no %q in\n%s", want, stdout)
		}
	}
	stdout, sum = runSummary(t, filepath.Join(dir, "well"), "--quiet", "--model", "particles", "--potential", "doublewell",
		"--N", "100", "--scheme", "baoab", "--dt", "0.05", "--steps", "2000")
	if len(sum.Exact) != 6 || sum.Exact["x_mean"] != 0 || !(sum.Exact["v_var"] > 0) || !(sum.Exact["x_var"] > 0) || math.Abs(sum.Exact["x2"]*0.99-sum.Exact["x_var"]) > 1e-15 ||
		sum.Exact["v_mean"] != 0 || math.Abs(sum.Exact["v2"]*0.99-sum.Exact["v_var"]) > 1e-15 {
		t.Errorf("double well baoab: exact values %v, want x_mean 0, x_var, x2 (100/99 of x_var), v_mean 0, v_var and v2 (100/99 of v_var)", sum.Exact)
	}
	for _, want := range []string{"exp(-k (x^2 - 1)^2/T) at dt -> 0", "velocities' T/mass", "a bias of order dt^2,"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("double well: no %q in\n%s", want, stdout)
		}
	}
	// beyond the method's reach: none, and the table says why
	stdout, sum = runSummary(t, filepath.Join(dir, "tiny"), "--quiet", "--model", "transfer", "--dim", "1", "--L", "16",
		"--mass0", "0.01", "--fraction", "0.1", "--steps", "200")
	if sum.Exact != nil || !strings.Contains(sum.ExactMissing, "below 2^-8") || !strings.Contains(stdout, "no exact values for this run: the fraction times the mean mass") {
		t.Errorf("transfer at D mean 0.001: exact %v, exact_missing %q:\n%s", sum.Exact, sum.ExactMissing, stdout)
	}
}

// Runs of the Gaussian phi^4 field (lambda = 0) under every scheme, and of
// harmonic particles, report their exact stationary values: summary.json's
// exact is quench.GaussianField's or quench.HarmonicParticles's law in the
// observables' definitions (derived here again: m Gaussian with mean h/m2
// and variance Zero/V; model B about its conserved m, without what depends
// on m alone), and every fluctuating observable's mean is within 4 of its
// reliable errors of it. 2D non-square, 1D and 3D lattices, T, gamma and
// mass other than 1, a field; Euler-Maruyama's step bias is 30 errors
// here, so the run tells its law from the continuum's. Interacting fields
// beyond 1D, kuramoto and particles at T = 0 report none (the 1D ring's
// and the double well's Boltzmann values at dt -> 0: sim's
// TestPhi4RingExact, TestParticlesDoubleWellExact and
// TestDoubleWellExactLines).
func TestLangevinExactValues(t *testing.T) {
	dir := t.TempDir()
	phi4 := []string{"--model", "phi4", "--lambda", "0", "--steps", "20000"}
	part := []string{"--model", "particles", "--N", "200", "--d", "2", "--k", "2", "--T", "0.7", "--gamma", "1.5", "--steps", "3000"}
	for i, c := range []struct {
		args []string
		none bool
	}{
		{append(phi4, "--shape", "6x5", "--m2", "1", "--h", "0.3", "--T", "1.5", "--scheme", "em", "--dt", "0.12"), false},
		{append(phi4, "--shape", "12", "--m2", "0.5", "--T", "0.7", "--gamma", "1.5", "--scheme", "lm", "--dt", "0.25", "--precision", "float32"), false},
		{append(phi4, "--shape", "4x3x2", "--m2", "1.2", "--h", "-0.2", "--gamma", "2", "--mass", "1.5", "--scheme", "baoab", "--dt", "0.3"), false},
		{append(phi4, "--shape", "4x4", "--m2", "1", "--h", "0.3", "--scheme", "modelb", "--dt", "0.02", "--start", "cold"), false},
		{append(phi4, "--shape", "5x4", "--m2", "0.5", "--h", "0.3", "--T", "0.8", "--gamma", "1.3", "--scheme", "modelb", "--dt", "0.015", "--start", "hot"), false},
		{append(part, "--scheme", "em", "--dt", "0.3"), false},
		{append(part, "--scheme", "lm", "--dt", "0.3"), false},
		{append(part, "--scheme", "baoab", "--dt", "0.5", "--mass", "0.8"), false},
		{[]string{"--model", "phi4", "--L", "8", "--m2", "-1", "--lambda", "0.5", "--scheme", "lm", "--steps", "500"}, true},
		{[]string{"--model", "particles", "--N", "100", "--potential", "kuramoto", "--omega-spread", "0.5", "--T", "0", "--steps", "500"}, true},
		{[]string{"--model", "particles", "--N", "100", "--T", "0", "--steps", "500"}, true},
	} {
		stdout, sum := runSummary(t, filepath.Join(dir, fmt.Sprint(i)), append([]string{"--quiet"}, c.args...)...)
		if c.none {
			if sum.Exact != nil || strings.Contains(stdout, "exact in the") {
				t.Errorf("%v: exact values %v:\n%s", c.args, sum.Exact, stdout)
			}
			// T = 0 has a reason (no stationary spread); the others have
			// none known at all
			if want := slices.Contains(c.args, "0"); (sum.ExactMissing != "") != want || strings.Contains(stdout, "no exact values") != want {
				t.Errorf("%v: exact_missing %q:\n%s", c.args, sum.ExactMissing, stdout)
			}
			continue
		}
		p := func(k string) float64 { x, _ := sum.Params[k].(float64); return x }
		scheme, _ := sum.Params["scheme"].(string)
		want := map[string]float64{}
		if sum.Model == "particles" {
			xv, vv, err := quench.HarmonicParticles(&quench.ParticleParams{Scheme: scheme, Potential: "harmonic", Dt: p("dt"), T: p("T"), Gamma: p("gamma"), Mass: p("mass"), K: p("k")})
			if err != nil {
				t.Fatal(err)
			}
			f := 1 - 1/(p("N")*p("d"))
			want["x_mean"], want["x_var"], want["x2"] = 0, f*xv, xv
			if scheme == quench.SchemeBAOAB {
				want["v_mean"], want["v_var"], want["v2"] = 0, f*vv, vv
			}
		} else {
			g, err := quench.GaussianField(&quench.Phi4Params{Scheme: scheme, Dt: p("dt"), M2: p("m2"), H: p("h"), T: p("T"), Gamma: p("gamma"), Mass: p("mass")}, sum.Shape)
			if err != nil {
				t.Fatal(err)
			}
			v := float64(sum.Sites)
			mu := p("h") / p("m2")
			if scheme == quench.SchemeModelB {
				mu = 0
				if sum.Start == "hot" {
					mu = *sum.Observables["phi"].Mean
				}
			}
			want["phi2"] = mu*mu + g.Var
			want["phi4"] = math.Pow(mu, 4) + 6*mu*mu*g.Var + 3*g.Var*g.Var
			want["energy_gradient"], want["energy_quartic"] = g.Gradient, 0
			want["energy_mass"] = p("m2") / 2 * want["phi2"]
			want["energy"] = g.Gradient + want["energy_mass"] - p("h")*mu
			for a, l := range sum.Shape {
				if l > 1 {
					want[fmt.Sprintf("S_k%d", a)] = g.Axis[a]
				} else if scheme != quench.SchemeModelB {
					want[fmt.Sprintf("S_k%d", a)] = g.Axis[a] + v*mu*mu
				}
			}
			if scheme != quench.SchemeModelB {
				s2 := g.Zero / v
				s := math.Sqrt(s2)
				abs := s*math.Sqrt(2/math.Pi)*math.Exp(-mu*mu/(2*s2)) + mu*math.Erf(mu/(s*math.Sqrt2))
				want["phi"], want["energy_field"] = mu, -p("h")*mu
				want["susceptibility"] = v * (mu*mu + s2) / p("T")
				want["susceptibility_connected"] = v * (mu*mu + s2 - abs*abs) / p("T")
				want["binder"] = 1 - (math.Pow(mu, 4)+6*mu*mu*s2+3*s2*s2)/(3*math.Pow(mu*mu+s2, 2))
				if cube := !slices.ContainsFunc(sum.Shape, func(l int) bool { return l != sum.Shape[0] }); cube && p("h") == 0 && sum.Shape[0] > 1 {
					// the second-moment correlation length: 1/sqrt(m2)
					// where each mode's variance is T/(m2 + 4 sin^2(k/2))
					// (lm, baoab), else of S(0) = V s2 and the axes' S_k
					if scheme == quench.SchemeLM || scheme == quench.SchemeBAOAB {
						want["correlation_length"] = 1 / math.Sqrt(p("m2"))
					} else {
						f := 0.0
						for _, a := range g.Axis {
							f += a / float64(len(g.Axis))
						}
						want["correlation_length"] = math.Sqrt(v*s2/f-1) / (2 * math.Sin(math.Pi/float64(sum.Shape[0])))
					}
				}
			}
			if scheme == quench.SchemeEM {
				// the continuum's phi2 (lm's law)
				lm, _ := quench.GaussianField(&quench.Phi4Params{Scheme: quench.SchemeLM, Dt: p("dt"), M2: p("m2"), T: p("T"), Gamma: p("gamma")}, sum.Shape)
				if v := sum.Observables["phi2"]; math.Abs(*v.Mean-mu*mu-lm.Var) < 30**v.Error {
					t.Errorf("%v: phi2 %v +- %v is within 30 errors of the continuum's %v", c.args, *v.Mean, *v.Error, mu*mu+lm.Var)
				}
			}
		}
		if len(sum.Exact) != len(want) {
			t.Errorf("%v: exact %v, want %v", c.args, sum.Exact, want)
		}
		far, farZ := "", 0.0
		for name, w := range want {
			x, ok := sum.Exact[name]
			if !ok || math.Abs(x-w) > 1e-12*math.Max(math.Abs(w), 1) {
				t.Errorf("%v: exact %s %v (%v), want %v", c.args, name, x, ok, w)
			}
			v := sum.Observables[name]
			if *v.Error == 0 { // energy_quartic, and energy_field at h = 0: constant
				if *v.Mean != x {
					t.Errorf("%v: constant %s %v, exact %v", c.args, name, *v.Mean, x)
				}
				continue
			}
			z := (*v.Mean - x) / *v.Error
			if !v.Reliable || math.Abs(z) > 4 || !strings.Contains(stdout, fmt.Sprintf("measured %+.2g errors from it", z)) {
				t.Errorf("%v: %s %v +- %v (reliable %v) is %.2f errors from %v; table:\n%s", c.args, name, *v.Mean, *v.Error, v.Reliable, z, x, stdout)
			}
			if math.Abs(z) > math.Abs(farZ) {
				far, farZ = name, z
			}
		}
		t.Logf("%s %s: %d exact values, the farthest %s at %+.2f errors", sum.Model, scheme, len(want), far, farZ)
	}
	// kuramoto at one frequency: the mean-field XY model's <r^2>, and
	// x_mean 1/2 by the symmetry of turning every phase alike
	stdout, sum := runSummary(t, filepath.Join(dir, "kuramoto"), "--quiet", "--model", "particles", "--N", "5", "--potential", "kuramoto", "--k", "2", "--T", "0.5", "--scheme", "lm", "--dt", "0.05", "--steps", "40000")
	want, _ := quench.KuramotoR2(5, 4)
	v := sum.Observables["order_parameter2"]
	z := (*v.Mean - want) / *v.Error
	xm := sum.Observables["x_mean"]
	zx := (*xm.Mean - 0.5) / *xm.Error
	if len(sum.Exact) != 2 || sum.Exact["x_mean"] != 0.5 || !strings.Contains(stdout, fmt.Sprintf("  x_mean            0.5         measured %+.2g errors from it", zx)) || math.Abs(zx) > 4 {
		t.Errorf("kuramoto: exact %v, want x_mean 0.5; measured %v +- %v; table:\n%s", sum.Exact, *xm.Mean, *xm.Error, stdout)
	}
	if sum.Exact["order_parameter2"] != want || !strings.Contains(stdout, "the mean-field XY model's Boltzmann distribution") ||
		!strings.Contains(stdout, fmt.Sprintf("measured %+.2g errors from it", z)) || math.Abs(z) > 4 || !v.Reliable {
		t.Errorf("kuramoto: exact %v, want order_parameter2 %v; measured %v +- %v (reliable %v); table:\n%s", sum.Exact, want, *v.Mean, *v.Error, v.Reliable, stdout)
	}
	t.Logf("kuramoto lm: order_parameter2 at %+.2f errors", z)
}

// Kuramoto with a spread of frequencies has no Boltzmann value for r, but
// x_mean is 1/2 for any frequencies: the table says both.
func TestKuramotoSpreadExact(t *testing.T) {
	stdout, sum := runSummary(t, filepath.Join(t.TempDir(), "k"), "--quiet", "--model", "particles", "--N", "100", "--potential", "kuramoto", "--omega-spread", "0.5", "--steps", "3000")
	if len(sum.Exact) != 1 || sum.Exact["x_mean"] != 0.5 || sum.ExactMissing != "" ||
		!strings.Contains(stdout, "\nexact in the stationary state (x_mean, the mean of the phases in turns in [0, 1), 1/2 at any dt, as turning every phase alike is a symmetry; a spread of natural frequencies drives the phases, so no Boltzmann distribution gives r (the mean-field XY model's does, at one frequency)):\n  x_mean  0.5  measured ") {
		t.Errorf("exact %v, missing %q:\n%s", sum.Exact, sum.ExactMissing, stdout)
	}
}

// A kmp run reports its stationary law's mass_var, mass_corr1 and
// mass_max (uniform masses on the simplex of the conserved total), a
// transfer run its second moments' mass_var and mass_corr1 (thermalized
// for its slowest mode, as its hot start is not stationary), and the runs
// are within 4 errors of them; aggregation, whose masses keep merging,
// reports none.
func TestKMPExactValues(t *testing.T) {
	dir := t.TempDir()
	kmp := func(n, mean, _ float64) map[string]float64 {
		var h float64
		for k := 1; k <= int(n); k++ {
			h += 1 / float64(k)
		}
		return map[string]float64{"mass_var": mean * mean * (n - 1) / (n + 1), "mass_corr1": -mean * mean / (n + 1), "mass_max": mean * h}
	}
	transfer := func(n, mean, d float64) map[string]float64 {
		return map[string]float64{"mass_var": mean * mean * d * (n - 1) / (n - d*(n-1)), "mass_corr1": -mean * mean * d / (n - d*(n-1))}
	}
	for i, c := range []struct {
		args []string
		want func(n, mean, d float64) map[string]float64
	}{
		{[]string{"--model", "kmp", "--dim", "1", "--L", "16", "--steps", "20000"}, kmp},
		{[]string{"--model", "kmp", "--shape", "6x4", "--mass0", "2.5", "--steps", "20000", "--seed", "3"}, kmp},
		{[]string{"--model", "transfer", "--dim", "1", "--L", "16", "--fraction", "0.1", "--therm", "2000", "--steps", "50000"}, transfer},
		{[]string{"--model", "transfer", "--shape", "6x4", "--fraction", "0.9", "--mass0", "2.5", "--steps", "20000", "--seed", "3"}, transfer},
		{[]string{"--model", "aggregation", "--dim", "1", "--L", "16", "--steps", "200"}, nil},
	} {
		stdout, sum := runSummary(t, filepath.Join(dir, fmt.Sprint(i)), append([]string{"--quiet"}, c.args...)...)
		if c.want == nil {
			if sum.Exact != nil || strings.Contains(stdout, "exact") {
				t.Errorf("%v: exact values %v:\n%s", c.args, sum.Exact, stdout)
			}
			continue
		}
		d, _ := sum.Params["fraction"].(float64) // the fraction the fixed point used
		want := c.want(float64(sum.Sites), *sum.Observables["mass_mean"].Mean, d)
		if len(sum.Exact) != len(want) || !strings.Contains(stdout, "exact in the stationary state") {
			t.Errorf("%v: exact values %v, want %v:\n%s", c.args, sum.Exact, want, stdout)
		}
		for name, x := range want {
			v := sum.Observables[name]
			z := (*v.Mean - x) / *v.Error
			if math.Abs(sum.Exact[name]-x) > 1e-12*math.Abs(x) || math.Abs(z) > 4 || !v.Reliable {
				t.Errorf("%v: %s exact %v (want %v), measured %v +- %v (%.2f errors, reliable %v)", c.args, name, sum.Exact[name], x, *v.Mean, *v.Error, z, v.Reliable)
			}
		}
	}
}

// A constant 2D Ising energy other than the ground state's is flagged
// whatever its distance from the exact mean: stripes on the default 256^2
// lattice sit 4/256 above -2, under 1% of it (seed 6 at T = 0.3 after
// 150000 sweeps froze at -1.9824829), and Metropolis's blinking states at
// 0; the ground state itself is not. A distance within 0.005 of 4 errors
// does not print as "4" either.
func TestExactLinesFrozenEnergy(t *testing.T) {
	for _, c := range []struct {
		j, e, x float64
		flag    bool
	}{
		{1, -1.9824829, -1.9999999999, true},
		{1, -1.984375, -2, true},
		{-0.5, -0.9921875, -1, true}, // an antiferromagnet: ground -2|J|
		{1, -2, -1.9999999999, false},
		{-0.5, -1, -0.99999999, false},
	} {
		cfg := &sim.Config{Model: "ising2d", J: c.j, Shape: []int{256, 256}}
		zero := 0.0
		var b bytes.Buffer
		printExact(&b, cfg, &sim.Summary{Measurements: 1000, Exact: map[string]float64{"energy": c.x}, Observables: map[string]sim.Value{"energy": {Mean: &c.e, Error: &zero, Constant: true}}}, []string{"energy"}, "sweeps")
		if strings.Contains(b.String(), "did not sample the stationary state") != c.flag {
			t.Errorf("J = %v, constant energy %v, exact %v: flagged %v, want %v:\n%s", c.j, c.e, c.x, !c.flag, c.flag, b.String())
		}
	}
	for _, z := range []float64{4.001, -4.004, 4.0000001} {
		mean, e := -1+z, 1.0
		var b bytes.Buffer
		printExact(&b, &sim.Config{Model: "ising2d"}, &sim.Summary{Exact: map[string]float64{"energy": -1}, Observables: map[string]sim.Value{"energy": {Mean: &mean, Error: &e, Reliable: true}}}, []string{"energy"}, "sweeps")
		if strings.Contains(b.String(), "measured +4 errors") || strings.Contains(b.String(), "measured -4 errors") || !strings.Contains(b.String(), "more than 4") {
			t.Errorf("%v errors:\n%s", z, b.String())
		}
	}
}

// A 4x4 hot start that draws a blinking state (every site in zero field,
// 36 of the 65536 states) stays in it under Metropolis, energy 0 in every
// measurement, and the exact line says so instead of advising a longer
// thermalization; heat bath from the same seed leaves it.
func TestBlinkingStateLine(t *testing.T) {
	s := make([]int8, 16)
	var seed uint64
	for seed = 1; seed < 1<<20; seed++ {
		if err := quench.InitSpins(s, "hot", seed, 0); err != nil {
			t.Fatal(err)
		}
		zero := true
		for i := 0; i < 16 && zero; i++ {
			r, c := i/4, i%4
			zero = s[(r+1)%4*4+c]+s[(r+3)%4*4+c]+s[r*4+(c+1)%4]+s[r*4+(c+3)%4] == 0
		}
		if zero {
			break
		}
	}
	dir := t.TempDir()
	for _, algo := range []string{"metropolis", "heatbath"} {
		stdout, sum := runSummary(t, filepath.Join(dir, algo), "--L", "4", "--therm", "0", "--sweeps", "200", "--seed", fmt.Sprint(seed), "--algo", algo, "--quiet")
		e := sum.Observables["energy"]
		trapped := *e.Mean == 0 && *e.Error == 0
		says := strings.Contains(stdout, "a blinking state, every site in zero field, which Metropolis flips back and forth for ever")
		zero := strings.Contains(stdout, "measured 0 in every measurement averaged") // not -0
		if trapped != (algo == "metropolis") || says != trapped || zero != trapped || strings.Contains(stdout, "thermalize longer") {
			t.Errorf("seed %d %s: energy %v +- %v; table:\n%s", seed, algo, *e.Mean, *e.Error, stdout)
		}
	}
}

// Where a conserved field's slowest mode is known before the run (kmp but
// from its hot start, transfer, model B at lambda = 0), a --therm too
// short for it gets a note on stderr at the start, with the numbers the
// results' therm_short gives; model B at lambda != 0, whose mode depends
// on the measured <phi^2>, learns it at the end only.
func TestThermNoteBefore(t *testing.T) {
	dir := t.TempDir()
	for i, c := range []struct {
		args   []string
		before bool
	}{
		{[]string{"--model", "kmp", "--dim", "1", "--L", "256", "--start", "cold"}, true},
		{[]string{"--model", "kmp", "--dim", "1", "--L", "256"}, false},
		{[]string{"--model", "transfer", "--dim", "1", "--L", "256", "--fraction", "0.1"}, true},
		{[]string{"--model", "phi4", "--scheme", "modelb", "--lambda", "0", "--m2", "1", "--L", "16"}, true},
		{[]string{"--model", "phi4", "--scheme", "modelb", "--L", "32", "--therm", "100"}, false},
		{[]string{"--model", "phi4", "--scheme", "lm", "--L", "16", "--therm", "0"}, false},
	} {
		_, stderr, sum := runSummaryErr(t, filepath.Join(dir, fmt.Sprint(i)), append([]string{"--steps", "50", "--quiet"}, c.args...)...)
		note := ""
		if ts := sum.ThermShort; ts != nil && c.before {
			note = fmt.Sprintf("quench: note: the conserved field's slowest mode relaxes over %d steps, so with --therm %d the start's slow modes will not have relaxed when measuring begins and the means are biased: --therm %d or more lets them relax\n", ts.SlowestSteps, sum.Therm, ts.NeededTherm)
		}
		if c.before && note == "" || stderr != note {
			t.Errorf("%v: stderr %q, therm_short %+v; want %q", c.args, stderr, sum.ThermShort, note)
		}
	}
}

// A constant energy of 0 is a blinking state only where the magnetization
// is 0 in every measurement too (every site in zero field: its 2d
// neighbours sum to 0, so the spins do) and enough were measured: a 4x4
// at T = 50 measured 2 sweeps at energy 0 and |m| 0.25 (seed 4), many
// states have energy 0 (31% of 4x4's), and the line called it a blinking
// state.
func TestBlinkingNeedsZeroMagnetization(t *testing.T) {
	cfg := &sim.Config{Model: "ising2d", J: 1, Shape: []int{4, 4}, Algo: "metropolis"}
	for _, c := range []struct {
		absM     float64
		measured int
		blinking bool
	}{
		{0, 1000, true},
		{0.25, 1000, false},
		{0, 2, false},
	} {
		e, zero, x := 0.0, 0.0, -0.04
		var b bytes.Buffer
		printExact(&b, cfg, &sim.Summary{Measurements: c.measured, Exact: map[string]float64{"energy": x},
			Observables: map[string]sim.Value{"energy": {Mean: &e, Error: &zero, Constant: true}, "abs_magnetization": {Mean: &c.absM, Error: &zero, Constant: true}}}, []string{"energy"}, "sweeps")
		says := strings.Contains(b.String(), "a blinking state")
		if says != c.blinking || !says && !strings.Contains(b.String(), "did not sample the stationary state") {
			t.Errorf("|m| %v, %d measurements: blinking %v, want %v:\n%s", c.absM, c.measured, says, c.blinking, b.String())
		}
	}
	stdout, sum := runSummary(t, filepath.Join(t.TempDir(), "r"), "--L", "4", "--T", "50", "--therm", "0", "--sweeps", "2", "--seed", "4", "--quiet")
	if e, m := sum.Observables["energy"], sum.Observables["abs_magnetization"]; *e.Mean != 0 || *m.Mean == 0 || strings.Contains(stdout, "a blinking state") {
		t.Errorf("seed 4: energy %v, |m| %v:\n%s", *e.Mean, *m.Mean, stdout)
	}
}

// The table prints a mean of -0 (an energy per site of -(0 bonds)/N) as
// 0, as the exact lines do: the same run's exact line read "measured 0"
// under a table row "energy -0".
func TestTableMinusZero(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r")
	stdout, _ := runSummary(t, out, "--L", "4", "--T", "50", "--therm", "0", "--sweeps", "2", "--seed", "4", "--quiet")
	if b, _ := os.ReadFile(filepath.Join(out, sim.SummaryFile)); bytes.Contains(b, []byte(": -0,")) || bytes.Contains(b, []byte(": -0\n")) {
		t.Errorf("summary.json holds a -0:\n%s", b)
	}
	for _, line := range strings.Split(stdout, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "energy" {
			if f[1] != "0" {
				t.Errorf("energy row %q, want mean 0:\n%s", line, stdout)
			}
			return // the table's row, before the exact line's
		}
	}
	t.Errorf("no energy row:\n%s", stdout)
}

// A refusal is one line: the notes of run (--backend auto without a GPU,
// --shape over --L, a sandpile or conserved field's thermalization) and
// of resume (--backend auto) wait until the run has passed its checks,
// where they came before a later refusal's line (an --out that is a
// file, a path too long, a directory under an output's name).
func TestNotesWaitForRefusals(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	long := filepath.Join(dir, strings.Repeat("n", 300))
	for _, args := range [][]string{
		{"run", "--backend", "auto", "--L", "4", "--sweeps", "2", "--out", file},
		{"run", "--L", "6", "--shape", "4x4", "--sweeps", "2", "--out", long},
		{"run", "--model", "sandpile", "--L", "4", "--start", "cold", "--therm-grains", "0", "--grains", "2", "--out", long},
		{"run", "--model", "transfer", "--L", "64", "--dim", "1", "--therm", "0", "--steps", "2", "--out", long},
	} {
		code, stdout, stderr := runQ(t, append(args, "--quiet")...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || strings.Contains(stderr, "note:") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q: want exit 2 and one line", args, code, stdout, stderr)
		}
		if _, err := os.Stat(long); err == nil {
			t.Errorf("%q: refused, but left %s", args, long)
		}
	}
	// the notes themselves still come when the run goes on
	code, _, stderr := runQ(t, "run", "--backend", "auto", "--L", "6", "--shape", "4x4", "--sweeps", "2", "--out", filepath.Join(dir, "ok"), "--quiet")
	if code != 0 || strings.Count(stderr, "quench: note:") < 1 || !strings.Contains(stderr, "--L 6 is not used") {
		t.Errorf("run with notes: exit %d, stderr %q", code, stderr)
	}
	// flags a run accepts but whose model does not use: model B's h
	// (the conserved mean's alone) and cold diffusion's seed
	code, _, stderr = runQ(t, "run", "--model", "phi4", "--scheme", "modelb", "--h", "0.3", "--L", "8", "--steps", "2", "--therm", "0", "--out", filepath.Join(dir, "mb"), "--quiet")
	if code != 0 || !strings.Contains(stderr, "quench: note: under model B the field h = 0.3 couples to the conserved mean field alone: it adds -h m, a constant, to the energy and drops out of the dynamics but for rounding") {
		t.Errorf("model B with h: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runQ(t, "run", "--model", "diffusion", "--start", "cold", "--seed", "7", "--L", "8", "--steps", "2", "--out", filepath.Join(dir, "df"), "--quiet")
	if code != 0 || !strings.Contains(stderr, "quench: note: diffusion from a cold start (a spike at the centre) draws nothing: --seed 7 is not used\n") {
		t.Errorf("cold diffusion with a seed: exit %d, stderr %q", code, stderr)
	}
	// particles held at T = 0 by a cold start on an unstable fixed point
	// (the double well's maximum; repulsive phases synchronized)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--potential", "doublewell"}, "quench: note: the cold start puts every coordinate at 0, the double well's maximum, where the force is 0: at T = 0 no noise moves them"},
		{[]string{"--potential", "kuramoto", "--k", "-2"}, "quench: note: the cold start puts every phase at 0, synchronized (r = 1), where the repulsive coupling k = -2 exerts no force"},
	} {
		code, _, stderr = runQ(t, append(append([]string{"run", "--model", "particles", "--N", "10", "--T", "0", "--start", "cold", "--steps", "2", "--therm", "0"}, c.args...), "--out", filepath.Join(dir, "cold"+c.args[1]), "--quiet")...)
		if code != 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%q at T = 0 from cold: exit %d, stderr %q", c.args, code, stderr)
		}
	}
	// Metropolis at high T, which flips nearly every spin: heat bath says
	// more a sweep
	code, _, stderr = runQ(t, "run", "--L", "8", "--T", "1e4", "--sweeps", "2", "--out", filepath.Join(dir, "ht"), "--quiet")
	if code != 0 || !strings.Contains(stderr, "quench: note: --algo metropolis at T=10000 rejects a flip with probability at most q = 0.0008, so its sweeps mostly flip the lattice back and forth and it decorrelates over some 1/q = 1250 sweeps, where --algo heatbath takes about one\n") {
		t.Errorf("metropolis at T = 1e4: exit %d, stderr %q", code, stderr)
	}
	// an Ising field rounded away in every flip probability: judged as h = 0
	// (the symmetry mark on m, Kaufman's exact lines)
	code, stdout, stderr := runQ(t, "run", "--L", "8", "--T", "1.8", "--h", "1e-17", "--sweeps", "2000", "--out", filepath.Join(dir, "h17"))
	if code != 0 || !strings.Contains(stderr, "quench: note: the field h = 1e-17 changes no flip probability (each rounds to its value at h = 0): the run is the run at h = 0") ||
		!strings.Contains(stdout, "Kaufman's partition function") {
		t.Errorf("ising with h = 1e-17: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// and none where the flag does something, or is not given
	for i, args := range [][]string{
		{"--L", "8", "--T", "1.8", "--h", "1e-6", "--sweeps", "2"},
		{"--L", "8", "--T", "100", "--sweeps", "2"},
		{"--L", "8", "--T", "1e4", "--algo", "heatbath", "--sweeps", "2"},
		{"--model", "phi4", "--scheme", "modelb", "--L", "8", "--steps", "2", "--therm", "0"},
		{"--model", "phi4", "--scheme", "em", "--h", "0.3", "--L", "8", "--steps", "2", "--therm", "0"},
		{"--model", "diffusion", "--start", "cold", "--L", "8", "--steps", "2"},
		{"--model", "diffusion", "--start", "hot", "--seed", "7", "--L", "8", "--steps", "2"},
		{"--model", "particles", "--potential", "doublewell", "--T", "0", "--N", "10", "--steps", "2"},
		{"--model", "particles", "--potential", "doublewell", "--T", "0.1", "--start", "cold", "--N", "10", "--steps", "2"},
		{"--model", "particles", "--potential", "harmonic", "--T", "0", "--start", "cold", "--N", "10", "--steps", "2"},
		{"--model", "particles", "--potential", "kuramoto", "--k", "2", "--T", "0", "--start", "cold", "--N", "10", "--steps", "2"},
		{"--model", "particles", "--potential", "kuramoto", "--k", "-2", "--omega-spread", "1", "--T", "0", "--start", "cold", "--N", "10", "--steps", "2"},
	} {
		code, _, stderr = runQ(t, append(append([]string{"run"}, args...), "--out", filepath.Join(dir, fmt.Sprint("none", i)), "--quiet")...)
		if i == 0 {
			// (the field's: no correlation length)
			stderr = strings.Replace(stderr, "quench: note: the run reports no structure factors S_k or correlation_length: in the field h = 1e-06, m -> -m is no symmetry", "", 1)
		}
		if code != 0 || strings.Contains(stderr, "note:") {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
	// resume --backend auto onto a directory under an output's name
	out := filepath.Join(dir, "r")
	if code, _, stderr := runQ(t, "run", "--L", "4", "--sweeps", "2", "--out", out, "--quiet"); code != 0 {
		t.Fatalf("run: %d %s", code, stderr)
	}
	os.Remove(filepath.Join(out, "summary.json"))
	os.Mkdir(filepath.Join(out, "summary.json"), 0o755)
	code, stdout, stderr = runQ(t, "resume", out, "--backend", "auto", "--quiet")
	if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || strings.Contains(stderr, "note:") {
		t.Errorf("resume --backend auto: exit %d, stdout %q, stderr %q: want exit 2 and one line", code, stdout, stderr)
	}
}

// A damped oscillation slower than the run (underdamped particles, gamma
// dt = 0.002: the mean position's rho(t) decays over 1000 steps, period 60)
// finds no window, and its partial sum is no bound on tau_int (here below
// 0: "-"). The note asks for the run a window needs, with the command,
// and does not say that no run length mends it (that is for a series
// whose autocorrelations sum to 0, such as a 1D pile's grains lost).
func TestRunLongerOscillation(t *testing.T) {
	out := filepath.Join(t.TempDir(), "osc")
	stdout, sum := runSummary(t, out, "--model", "particles", "--N", "10", "--d", "1", "--potential", "harmonic", "--scheme", "baoab",
		"--dt", "0.1", "--gamma", "0.02", "--steps", "3000", "--seed", "1", "--quiet")
	v := sum.Observables["x_mean"]
	m := regexp.MustCompile(`\n  at least (\d+) steps by (?:x_mean|v_mean)'s autocorrelations, which swing below 0 and reach past a quarter of the run \(a window needs (\d+) measurements\): quench resume (\S+) --steps (\d+) \(`).FindStringSubmatch(stdout)
	if v.TauInt != nil || v.Reliable || m == nil || !regexp.MustCompile(`(?m)^x_mean\s+\S+\s+\S+\s+- \*$`).MatchString(stdout) || strings.Contains(stdout, "no tau_int (Sokal's") {
		t.Fatalf("x_mean %+v, in\n%s", v, stdout)
	}
	need, _ := strconv.Atoi(m[2])
	steps, _ := strconv.Atoi(m[1])
	// runNeed's rule: 50 bins of 20 hi, hi = need / 1000, rounded up to
	// two digits; more than a window needs, and than the run has
	if m[1] != m[4] || m[3] != out || need <= 3000 || int64(steps) != roundUp2(int64(stats.DefaultBins)*int64(math.Ceil(20*float64(need)/(20*stats.DefaultBins)))) {
		t.Errorf("advice %q (a window needs %d)", m[0], need)
	}
	// a profile entry's need, in snapshots, times the spacing: P(h = 1)
	// needs 4480 (its tau_int unknown), 50 bins of 90 snapshots, 45000
	// grains; P(h = 2) asks for less by its tau_int, 2 +- 0.5 (3000
	// snapshots)
	f := func(x float64) *float64 { return &x }
	st := &sim.State{Config: sim.Config{Model: "sandpile", Sweeps: 20000, Every: 1}}
	psum := &sim.Summary{ProfileEvery: 10, Profiles: map[string]sim.Profile{"height_distribution": {
		TauInt: []*float64{f(0.5), nil, f(2)}, TauIntError: []*float64{f(0.01), nil, f(0.5)}, Reliable: []bool{true, false, false},
		WindowNeeds: []*float64{nil, f(4479.2), nil},
	}}}
	// a derived value's input's need, the run's measurements every 3 steps
	osum := &sim.Summary{Observables: map[string]sim.Value{"binder": {TauInt: f(0.6), TauIntError: f(0.1), InputWindowNeeds: f(5001)}}}
	ost := &sim.State{Config: sim.Config{Model: "phi4", Sweeps: 3000, Every: 3}}
	if got, want := howLong(ost, osum, []string{"binder"}, "o"), ":\n  at least 16000 steps by an input of binder's autocorrelations, which swing below 0 and reach past a quarter of the run (a window needs 5001 measurements): quench resume o --steps 16000 (a longer run may find a longer tau_int)"; got != want {
		t.Errorf("howLong by an input's window:\n%q, want\n%q", got, want)
	}
	want := "about 45000 grains by P(h = 1) of the lattice's autocorrelations, which swing below 0 and reach past a quarter of the run (a window needs 4480 snapshots): quench resume p --grains 45000 (a longer run may find a longer tau_int)"
	if got := profileHowLong(st, psum, "p"); got != strings.Replace(want, "about", "at least", 1) {
		t.Errorf("profileHowLong with a window's need:\n%q, want\n%q", got, strings.Replace(want, "about", "at least", 1))
	}
}

// The note on error bars too short for their tau_int says how long a run
// would do (DefaultBins bins of 20 tau_int, by the longest tau_int it
// marked, times --every, rounded up to two digits) and gives the command
// that extends the run to it, which works as given.
func TestRunLongerAdvice(t *testing.T) {
	dir := t.TempDir()
	rows := map[string]int{} // table rows with a tau_int that is a lower bound (">") and not ("")
	advice := regexp.MustCompile(`run longer for trustworthy errors:\n  (about|at least) (\d+) (\w+) by (an input of )?(\w+)'s tau_int, (?:([0-9.e+-]+) \+- ([0-9.e+-]+) measurements, plus 2 errors|over ([0-9.e+-]+) measurements \(no window closed\)): quench resume (.+) (--\w+) (\d+) \(a longer run may find a longer tau_int\)\n`)
	for _, c := range []struct {
		args       []string
		unit, flag string
	}{
		{[]string{"--L", "4", "--T", "3", "--sweeps", "300", "--every", "2"}, "sweeps", "--sweeps"},
		{[]string{"--model", "phi4", "--L", "4", "--steps", "400", "--therm", "100"}, "steps", "--steps"},
		{[]string{"--model", "sandpile", "--L", "8", "--grains", "300"}, "grains", "--grains"},
	} {
		out := filepath.Join(dir, c.unit+" run") // a space: quoted in the command
		stdout, sum := runSummary(t, out, append(c.args, "--quiet")...)
		m := advice.FindStringSubmatch(stdout)
		if m == nil {
			t.Errorf("%v: no advice in\n%s", c.args, stdout)
			continue
		}
		// a tau_int whose window did not close (no error) shows as a
		// lower bound, ">59.9", and the note says what > means
		lower := false
		for name, v := range sum.Observables {
			if v.TauInt == nil || !slices.Contains(v.UnreliableBy, sim.ByTauInt) {
				continue
			}
			row := regexp.MustCompile(`(?m)^` + name + `\s+\S+\s+\S+\s+(>?)` + regexp.QuoteMeta(fmt.Sprintf("%.3g", *v.TauInt)) + ` \*$`).FindStringSubmatch(stdout)
			if row == nil {
				continue // not in the table (the staggered ones)
			}
			rows[row[1]]++
			if (row[1] == ">") != (v.TauIntError == nil) {
				t.Errorf("%v: %s's row %q, tau_int error %v", c.args, name, row[0], v.TauIntError)
			}
			lower = lower || row[1] == ">"
		}
		// and the P(h) table's marked entries, shown the same way (the
		// note once below each table that has one)
		lowerP := 0
		for _, p := range sum.Profiles {
			for i, ok := range p.Reliable {
				if !ok && p.TauInt[i] != nil && p.TauIntError[i] == nil {
					lowerP++
				}
			}
		}
		notes := strings.Count(stdout, "\n  >: no Sokal window closed")
		want := 0
		if lower {
			want++
		}
		shownP := 0 // the > marks in the P(h) table
		if _, tab, ok := strings.Cut(stdout, "\nheight "); ok {
			tab, _, _ = strings.Cut(tab, "\n*")
			shownP = strings.Count(tab, ">")
		}
		if lowerP > 0 {
			want++
		}
		if notes != want || shownP != lowerP || (m[1] == "at least") != (m[8] != "") {
			t.Errorf("%v: a lower bound in the table %v, %d in P(h)'s (%d shown), %d notes, in\n%s", c.args, lower, lowerP, shownP, notes, stdout)
		}
		// the run the rule asks for: 50 bins of 20 tau_int + 2 errors
		// (the sum so far where no window closed), times --every, two
		// digits up; by the largest over the marked observables (and the
		// inputs of derived ones, not in the JSON)
		needFor := func(tau, err float64, per int64) int64 {
			n := max(100, 50*int64(math.Ceil(20*(tau+2*err)))) * per
			p := int64(1)
			for n/p >= 100 {
				p *= 10
			}
			return (n + p - 1) / p * p
		}
		most, by := int64(0), ""
		for name, v := range sum.Observables {
			if slices.Contains(v.UnreliableBy, sim.ByTauInt) && v.TauInt != nil {
				n := needFor(*v.TauInt, *cmp.Or(v.TauIntError, new(float64)), sum.Every)
				if n > most {
					most, by = n, name
				}
			}
		}
		need, _ := strconv.ParseInt(m[2], 10, 64)
		v := sum.Observables[m[5]]
		own := m[4] == "" && v.TauInt != nil && fmt.Sprintf("%.3g", *v.TauInt) == m[6]+m[8] && (v.TauIntError == nil) == (m[7] == "")
		if own && v.TauIntError != nil {
			own = fmt.Sprintf("%.2g", *v.TauIntError) == m[7]
		}
		if need < most || (m[4] == "" && (!own || need != most || m[5] != by)) || (m[4] != "" && !slices.Contains([]string{"specific_heat", "susceptibility", "susceptibility_connected", "binder"}, m[5])) ||
			m[3] != c.unit || m[9] != "'"+out+"'" || m[10] != c.flag || m[11] != m[2] {
			t.Errorf("%v: advice %q, want %d %s or more by %s's tau_int or a derived one's input, quench resume '%s' %s", c.args, m[0], most, c.unit, by, out, c.flag)
			continue
		}
		if c.unit == "grains" {
			// the P(h) table's note: the same rule over its marked
			// entries, in snapshots every profile_every grains
			pm := regexp.MustCompile(`run longer:\n  (?:about|at least) (\d+) grains by P\(h = \d\) of the (?:lattice|center)'s tau_int, [^:]*: quench resume (.+) --grains (\d+) \(a longer run may find a longer tau_int\)\n`).FindStringSubmatch(stdout)
			most := int64(0)
			for _, p := range sum.Profiles {
				for i, ok := range p.Reliable {
					if !ok && p.TauInt[i] != nil {
						most = max(most, needFor(*p.TauInt[i], *cmp.Or(p.TauIntError[i], new(float64)), sum.ProfileEvery))
					}
				}
			}
			if pm == nil || pm[1] != strconv.FormatInt(most, 10) || pm[3] != pm[1] || pm[2] != "'"+out+"'" {
				t.Errorf("%v: P(h) advice %q, want about %d grains", c.args, pm, most)
			}
		}
		code, _, stderr := runQ(t, "resume", out, c.flag, m[11], "--quiet")
		var ext sim.Summary
		b, err := os.ReadFile(filepath.Join(out, sim.SummaryFile))
		if err == nil {
			err = json.Unmarshal(b, &ext)
		}
		if code != 0 || err != nil || ext.Sweeps != need {
			t.Errorf("%v: the advice's resume: exit %d %s %v, %d %s", c.args, code, stderr, err, ext.Sweeps, c.unit)
		}
	}
	// the P(h) note under 100 snapshots, and with snapshots far apart,
	// where closer ones would do too: the number is for running longer
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--L", "8", "--dim", "1", "--grains", "10"}, "(too few snapshots for error bars (10: at least 100, in 50 bins spanning >= 20 tau_int each)): run longer:\n  about 100 grains: quench resume"},
		// a 2D pile's by the law its heights decorrelate by, 0.063 L^2
		// grains plus 2 errors: 50 bins of 20 x 1.3 x 1.008
		{[]string{"--L", "4", "--grains", "10"}, "(too few snapshots for error bars (10: at least 100, in 50 bins spanning >= 20 tau_int each)): run longer:\n  about 1400 grains by a 4x4 pile's heights, which decorrelate over about 1.01 grains"},
		{[]string{"--L", "32", "--grains", "30000", "--profile-every", "100"}, "while they are uncorrelated\n  run longer: about "},
	} {
		stdout, _ := runSummary(t, filepath.Join(dir, "pile"+c.args[1]), append([]string{"--model", "sandpile", "--quiet"}, c.args...)...)
		if !strings.Contains(stdout, c.want) {
			t.Errorf("%v: no %q in\n%s", c.args, c.want, stdout)
		}
	}
	t.Logf("tau_int rows checked: %d lower bounds, %d estimates", rows[">"], rows[""])
	if rows[">"] == 0 || rows[""] == 0 {
		t.Errorf("tau_int rows checked: %v, want some of each", rows)
	}
	// a derived value marked by an input's tau_int (not in the JSON):
	// 50 bins of 20 (3 + 2 x 0.5) = 4000 measurements, every 2
	f := func(x float64) *float64 { return &x }
	st := &sim.State{Config: sim.Config{Model: "ising2d", Sweeps: 950, Therm: 100, Every: 2}}
	sum := &sim.Summary{Observables: map[string]sim.Value{
		"energy":        {TauInt: f(0.8), TauIntError: f(0.1)},
		"specific_heat": {TauInt: f(0.7), TauIntError: f(0.1), InputTauInt: f(3), InputTauIntError: f(0.5)},
	}}
	if got, want := howLong(st, sum, []string{"energy", "specific_heat"}, "-r"), ":\n  about 8000 sweeps by an input of specific_heat's tau_int, 3 +- 0.5 measurements, plus 2 errors: quench resume ./-r --sweeps 8000 (a longer run may find a longer tau_int)"; got != want {
		t.Errorf("howLong by an input:\n%q, want\n%q", got, want)
	}
	sum.Diffusive = &sim.Diffusive{} // slow modes: their own advice
	if got := howLong(st, sum, []string{"energy", "specific_heat"}, "r"); got != "" {
		t.Errorf("howLong with slow modes: %q", got)
	}
	// a mean that a symmetry fixes asking for the longest run: the line
	// says so, and what the others ask for (an Ising 32^2 at T = 2.27 read
	// the magnetization's tau_int as 1330, binder's as 47)
	st = &sim.State{Config: sim.Config{Model: "ising2d", Sweeps: 950, Therm: 100, Every: 2, J: 1}}
	sum = &sim.Summary{Observables: map[string]sim.Value{
		"magnetization": {TauInt: f(30), TauIntError: f(5)},
		"energy":        {TauInt: f(3), TauIntError: f(0.5)},
		"binder":        {TauInt: f(0.1), TauIntError: f(0.01)},
	}}
	for _, c := range []struct {
		names []string
		want  string
	}{
		{[]string{"magnetization"}, "\n  (only by magnetization, whose mean a symmetry of the model fixes at 0: the other observables' error bars are reliable as they are)"},
		{[]string{"energy", "magnetization"}, "\n  (by magnetization, whose mean a symmetry of the model fixes at 0; the others ask for about 8000 sweeps by energy's tau_int, 3 +- 0.5 measurements, plus 2 errors: quench resume r --sweeps 8000 (a longer run may find a longer tau_int))"},
		{[]string{"binder", "magnetization"}, "\n  (by magnetization, whose mean a symmetry of the model fixes at 0; the others' tau_int ask for no longer run)"},
		{[]string{"energy"}, ""},
	} {
		for n, v := range sum.Observables { // marked as the names say
			v.Reliable = !slices.Contains(c.names, n)
			v.Mean = f(1)
			sum.Observables[n] = v
		}
		if got := fixedMeansAsk(st, sum, c.names, "r"); got != c.want {
			t.Errorf("fixedMeansAsk %v:\n%q, want\n%q", c.names, got, c.want)
		}
	}
	// another observable marked for another reason (the symmetry's rule,
	// not stationary): not reliable as it is
	sum.Observables["binder"] = sim.Value{Mean: f(1), TauInt: f(0.1), TauIntError: f(0.01), Reliable: false}
	sum.Observables["magnetization"] = sim.Value{Mean: f(1), TauInt: f(30), TauIntError: f(5)}
	sum.Observables["energy"] = sim.Value{Mean: f(1), TauInt: f(3), TauIntError: f(0.5), Reliable: true}
	if got, want := fixedMeansAsk(st, sum, []string{"magnetization"}, "r"), "\n  (by magnetization, whose mean a symmetry of the model fixes at 0; the others' tau_int ask for no longer run)"; got != want {
		t.Errorf("fixedMeansAsk, binder marked otherwise:\n%q, want\n%q", got, want)
	}
	// x_var moves with a fixed x_mean (Kuramoto's wrapped phases, the
	// double well): the others are those besides both
	kst := &sim.State{Config: sim.Config{Model: "particles", Potential: quench.PotentialKuramoto, T: 1, Sweeps: 950, Therm: 100, Every: 2}}
	ksum := &sim.Summary{Observables: map[string]sim.Value{
		"x_mean":           {Mean: f(0.5), TauInt: f(40), TauIntError: f(5)},
		"x_var":            {Mean: f(0.1), TauInt: f(30), TauIntError: f(5)},
		"order_parameter":  {Mean: f(0.5), TauInt: f(3), TauIntError: f(0.5)},
		"order_parameter2": {Mean: f(0.3), TauInt: f(0.1), TauIntError: f(0.01), Reliable: true},
	}}
	if got, want := fixedMeansAsk(kst, ksum, []string{"x_mean", "x_var", "order_parameter"}, "r"), "\n  (by x_mean, whose mean a symmetry of the model fixes at 0.5, and x_var, which moves with x_mean; the others ask for about 8000 steps by order_parameter's tau_int, 3 +- 0.5 measurements, plus 2 errors: quench resume r --steps 8000 (a longer run may find a longer tau_int))"; got != want {
		t.Errorf("fixedMeansAsk, Kuramoto:\n%q, want\n%q", got, want)
	}
	// in a field the magnetization is no such mean
	st.Config.H = 0.1
	if got := fixedMeansAsk(st, sum, []string{"energy", "magnetization"}, "r"); got != "" {
		t.Errorf("fixedMeansAsk at h = 0.1: %q", got)
	}
	// the magnetization asking for no more than energy
	st.Config.H = 0
	sum.Observables["magnetization"] = sim.Value{TauInt: f(2), TauIntError: f(0.1)}
	if got := fixedMeansAsk(st, sum, []string{"energy", "magnetization"}, "r"); got != "" {
		t.Errorf("fixedMeansAsk, the magnetization asking for less: %q", got)
	}
	for _, c := range [][2]string{{"runs/ising2d-8x8", "runs/ising2d-8x8"}, {"a b", "'a b'"}, {"it's", `'it'\''s'`}, {"", "''"}, {"-x", "./-x"}, {"-a b", "'./-a b'"}} {
		if got := shellWord(c[0]); got != c[1] {
			t.Errorf("shellWord(%q) = %s, want %s", c[0], got, c[1])
		}
	}
	for _, c := range [][2]string{{"0.25", "0.25"}, {"11.2", "11"}, {"99.4", "99"}, {"112.3", "112"}, {"2.5e+06", "2.5e+06"}} {
		if x, _ := strconv.ParseFloat(c[0], 64); errDigits(x) != c[1] {
			t.Errorf("errDigits(%s) = %s, want %s", c[0], errDigits(x), c[1])
		}
	}
	for _, c := range [][2]int64{{1, 1}, {99, 99}, {100, 100}, {101, 110}, {1740000, 1800000}, {1700000, 1700000}} {
		if got := roundUp2(c[0]); got != c[1] {
			t.Errorf("roundUp2(%d) = %d, want %d", c[0], got, c[1])
		}
	}
}

// A 2D pile's mean_height advice is floored by its measured law, tau_int
// about 0.063 L^2 grains: 64^2 after 20000 grains measures 64.5 and asked
// for 110000 grains, then 400000; the law, plus two errors, asks for
// 340000 at once (where 2 seeds of 3 are reliable, as at the law's
// 260000: the tau_int estimated over such a run spreads from 200 to 350).
// A chain has no such floor.
func TestSandpileHeightAdvice(t *testing.T) {
	out, sum := runSummary(t, filepath.Join(t.TempDir(), "p"), "--model", "sandpile", "--L", "64", "--grains", "20000", "--quiet")
	if v := sum.Observables["mean_height"]; v.Reliable || *v.TauInt > 100 {
		t.Fatalf("mean_height %+v: want an unreliable short run's tau_int (the case this tests)", v)
	}
	if !strings.Contains(out, "about 340000 grains by a 64x64 pile's mean_height, which decorrelates over about 258 grains (0.063 L^2 in 2D, measured from 32^2 to 256^2), plus 2 errors") {
		t.Errorf("advice:\n%s", out)
	}
	for _, c := range []struct {
		shape []int
		want  float64
	}{{[]int{64, 64}, 0.063 * 4096}, {[]int{16, 16, 16}, 0.75 * 256}, {[]int{32, 128}, 0.063 * 2 / (1.0/1024 + 1.0/16384)}, {[]int{1000}, 0}} {
		if tau, _ := sandpileHeightTau(&sim.Config{Model: "sandpile", Shape: c.shape}); math.Abs(tau-c.want) > 1e-9*c.want {
			t.Errorf("%v: tau %v, want %v", c.shape, tau, c.want)
		}
	}
}

// A correlation length whose root's argument lies fewer than 3 errors
// above 0 (32^2 at T = 10) is marked, and its note bounds xi by that
// argument plus 3 errors; more than 3 errors below 0 (a Gaussian field
// of xi 0.5 after 3000 steps), the note says its errors are too small.
func TestNearZeroNote(t *testing.T) {
	stdout, sum := runSummary(t, filepath.Join(t.TempDir(), "hot"), "--L", "32", "--T", "10", "--sweeps", "2000", "--seed", "2", "--algo", "heatbath", "--quiet")
	r := sum.CorrelationRatio
	if r == nil {
		t.Fatalf("no correlation_ratio:\n%s", stdout)
	}
	bound := math.Sqrt(r.Mean+3*r.Error) / (2 * math.Sin(math.Pi/32))
	want := fmt.Sprintf("\n* correlation_length: the root of S(0)/F - 1 = %.3g +- %.2g, fewer than 3 errors above 0, where the root's slope (infinite at 0) leaves its jackknife error meaningless: xi is below about %.3g (the root of that plus 3 errors), and a longer run narrows it\n", r.Mean, r.Error, bound)
	if !strings.Contains(stdout, want) || !regexp.MustCompile(`(?m)^correlation_length +\S+ +\S+ +\S+ \*$`).MatchString(stdout) {
		t.Errorf("want the row marked and the note %q in\n%s", want, stdout)
	}
	stdout, sum = runSummary(t, filepath.Join(t.TempDir(), "below"), "--model", "phi4", "--L", "64", "--m2", "4", "--lambda", "0", "--T", "1", "--steps", "3000", "--seed", "8", "--quiet")
	if r = sum.CorrelationRatio; r == nil || !(r.Mean+3*r.Error < 0) || !slices.Contains(sum.Observables["correlation_length"].UnreliableBy, sim.ByNearZero) ||
		!strings.Contains(stdout, fmt.Sprintf("\n* correlation_length: the root of S(0)/F - 1 = %.3g +- %.2g, more than 3 errors below 0, which no stationary state gives (there S(0) >= S_k): its error bars are too small, or the run did not sample the stationary state\n", r.Mean, r.Error)) ||
		!strings.Contains(stdout, "errors from it: more than 4, in an error that means nothing there (the * note above)") {
		t.Errorf("xi more than 3 errors below 0: ratio %+v, table\n%s", r, stdout)
	}
}

// An Ising run without the correlation length says why at its start: a
// lattice not L^d, a ferromagnet in a field; a ferromagnet on L^d in no
// field, or in one that rounds away, says nothing of it, nor does an
// antiferromagnet on L^d (its staggered spins' correlation length, in a
// field too).
func TestNoCorrelationLengthNote(t *testing.T) {
	dir := t.TempDir()
	for i, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--L", "8", "--J", "-1"}, ""},
		{[]string{"--L", "8", "--J", "-1", "--h", "0.5"}, ""},
		{[]string{"--shape", "8x16", "--J", "-1"}, "quench: note: the run reports no structure factors staggered_S_k or staggered_correlation_length: the lattice 8x16 is not L^d, and the finite-lattice form of xi takes one L (its staggered_binder and staggered_susceptibility locate its Tc)\n"},
		{[]string{"--shape", "8x16"}, "the lattice 8x16 is not L^d"},
		{[]string{"--L", "8"}, ""},
		{[]string{"--L", "8", "--h", "1e-17"}, ""},
		{[]string{"--shape", "8x16", "--h", "0.1"}, "in the field h = 0.1, m -> -m is no symmetry"},
		{[]string{"--L", "8", "--h", "0.1"}, "in the field h = 0.1, m -> -m is no symmetry"},
	} {
		args := append([]string{"run", "--sweeps", "200", "--quiet", "--out", filepath.Join(dir, strconv.Itoa(i))}, c.args...)
		code, _, stderr := runQ(t, args...)
		says := regexp.MustCompile(`quench: note: the run reports no structure factors (staggered_)?S_k or (staggered_)?correlation_length: `).MatchString(stderr)
		if code != 0 || says != (c.want != "") || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want the note %v (%q)", c.args, code, stderr, c.want != "", c.want)
		}
	}
}

// The table's notes on reading it: in a field, which susceptibility is the
// response; with --every above 1, tau_int's unit; an exact value's
// distance in an error bar marked * says it tests nothing.
func TestReadingNotes(t *testing.T) {
	dir := t.TempDir()
	fieldNote := "note: in the field h = 0.3, dm_dh is the response, N beta (<m^2> - <m>^2); susceptibility (N beta <m^2>) and binder are the zero-field finite-size definitions"
	everyNote := "note: tau_int is in measurements, 3 sweeps apart"
	for i, c := range []struct {
		args         []string
		field, every bool
	}{
		{[]string{"--h", "0.3", "--every", "3", "--sweeps", "600"}, true, true},
		{[]string{"--J", "-1", "--h", "0.3", "--sweeps", "200"}, true, false},
		{[]string{"--sweeps", "200", "--every", "3"}, false, true},
		{[]string{"--sweeps", "200"}, false, false},
		{[]string{"--h", "1e-17", "--T", "1.8", "--sweeps", "200"}, false, false}, // rounded away
	} {
		code, stdout, stderr := runQ(t, append([]string{"run", "--L", "8", "--quiet", "--out", filepath.Join(dir, strconv.Itoa(i))}, c.args...)...)
		if code != 0 || strings.Contains(stdout, fieldNote[:40]) != c.field || strings.Contains(stdout, "note: tau_int is in measurements") != c.every ||
			c.field && !strings.Contains(stdout, fieldNote) || c.every && !strings.Contains(stdout, everyNote) ||
			regexp.MustCompile(`\ndm_dh +[0-9.]+ +[0-9.e+-]+ +[0-9.]+`).MatchString(stdout) != c.field {
			t.Errorf("%v: exit %d, want the field's note %v, tau_int's %v:\n%s%s", c.args, code, c.field, c.every, stdout, stderr)
		}
	}
	// 200 sweeps of 8^2 at Tc: Kaufman's exact values, error bars marked *
	stdout, sum := runSummary(t, filepath.Join(dir, "short"), "--L", "8", "--sweeps", "200", "--quiet")
	marked := 0
	for name, x := range sum.Exact {
		v := sum.Observables[name]
		if v.Mean == nil || v.Error == nil || *v.Error == 0 {
			continue
		}
		z := (*v.Mean - x) / *v.Error
		if math.Abs(z) > 4 {
			continue
		}
		says := regexp.MustCompile(`\n  ` + name + ` +\S+ +measured \S+ errors from it, in an error bar marked \* \(not reliable\): not vouched for, so the distance is no calibrated test\n`).MatchString(stdout)
		if says == v.Reliable {
			t.Errorf("%s (reliable %v): the exact line's mark %v:\n%s", name, v.Reliable, says, stdout)
		}
		if !v.Reliable {
			marked++
		}
	}
	if marked == 0 {
		t.Errorf("no exact value with a marked error bar within 4 errors to test:\n%s", stdout)
	}
}

// --every that does not divide --sweeps says which sweeps go unmeasured,
// at a run's start and at an extension's.
func TestUnmeasuredNote(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "1000", "--every", "300", "--quiet", "--out", filepath.Join(dir, "a"))
	if code != 0 || !strings.Contains(stderr, "quench: note: --every 300 does not divide the 1000 sweeps after thermalization: the last 100 are not measured (3 measurements)\n") {
		t.Errorf("run: exit %d, %q", code, stderr)
	}
	code, _, stderr = runQ(t, "run", "--L", "8", "--sweeps", "1000", "--every", "10", "--quiet", "--out", filepath.Join(dir, "b"))
	if code != 0 || strings.Contains(stderr, "does not divide") {
		t.Errorf("run every 10: exit %d, %q", code, stderr)
	}
	code, _, stderr = runQ(t, "resume", filepath.Join(dir, "b"), "--sweeps", "1005", "--quiet")
	if code != 0 || !strings.Contains(stderr, "quench: note: --every 10 does not divide the 1005 sweeps after thermalization: the last 5 are not measured (100 measurements)\n") {
		t.Errorf("resume --sweeps 1005: exit %d, %q", code, stderr)
	}
	// one step left over, in the model's unit
	code, _, stderr = runQ(t, "run", "--model", "sandpile", "--L", "8", "--grains", "100", "--every", "3", "--quiet", "--out", filepath.Join(dir, "c"))
	if code != 0 || !strings.Contains(stderr, "quench: note: --every 3 does not divide the 100 grains after thermalization: the last grain is not measured (33 measurements)\n") {
		t.Errorf("sandpile: exit %d, %q", code, stderr)
	}
}

// An aggregation run extended past the fixed point's mass is refused
// with the most steps it may be extended to (not with a smaller --mass0
// or fewer sites, which resume cannot change); that many pass.
func TestMassResumeBound(t *testing.T) {
	out := filepath.Join(t.TempDir(), "agg")
	if code, _, stderr := runQ(t, "run", "--model", "aggregation", "--L", "64", "--injection", "100", "--steps", "300", "--quiet", "--out", out); code != 0 {
		t.Fatalf("run: exit %d %s", code, stderr)
	}
	// 4096 (1 + 100 (1000 + steps)) < 2^30: steps <= 1621
	code, _, stderr := runQ(t, "resume", out, "--steps", "1622", "--quiet")
	if code != 2 || stderr != "quench: extended to 1622 steps, the total mass could reach 1.074e+09 units (sites x (mass0 + injection x steps), thermalization steps included): it must stay below 2^30 units, as the fixed point holds 2^-32 per unit below 2^62 in all; extend the run to at most 1621 steps\n" {
		t.Errorf("resume --steps 1622: exit %d %q", code, stderr)
	}
	if code, _, stderr := runQ(t, "resume", out, "--steps", "1621", "--quiet"); code != 0 {
		t.Errorf("resume --steps 1621: exit %d %s", code, stderr)
	}
}

// Overdamped double-well particles whose noise will carry a coordinate
// past the cubic force's escape point: a note at the start with the dt
// that makes it unlikely, and the divergence's message names it.
func TestWellEscapeNotes(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runQ(t, "run", "--model", "particles", "--potential", "doublewell", "--scheme", "em", "--dt", "0.1", "--N", "2000", "--steps", "2000", "--quiet", "--out", filepath.Join(dir, "em"))
	if code != 2 || !strings.Contains(stderr, "quench: note: at --dt 0.1 a step's noise carries a coordinate from its well past x = 2.45, from where the step of the cubic force diverges, an expected ") ||
		!strings.Contains(stderr, "the chance that the run stops with a diverged state is nearly 1; --dt 0.0") ||
		!strings.Contains(stderr, "the state diverged (NaN or Inf): a step's noise carried a coordinate from its well past x = 2.45") {
		t.Errorf("em at dt 0.1: exit %d, %q", code, stderr)
	}
	code, _, stderr = runQ(t, "run", "--model", "particles", "--potential", "doublewell", "--scheme", "lm", "--dt", "0.05", "--N", "100", "--steps", "200", "--quiet", "--out", filepath.Join(dir, "lm"))
	if code != 0 || strings.Contains(stderr, "its well past") {
		t.Errorf("lm at dt 0.05: exit %d, %q", code, stderr)
	}
}

// A Gaussian phi4 field (em, lm, baoab) whose k = 0 mode relaxes over
// more steps than --therm allows 5 of, or harmonic particles whose
// coordinates do: a note at the start; and any phi4 field whose stiffest
// mode outlasts a run.
func TestFieldRelaxNote(t *testing.T) {
	dir := t.TempDir()
	phi4 := func(args ...string) []string {
		return withBase([]string{"--model", "phi4", "--L", "4", "--lambda", "0"}, args...)
	}
	particles := func(args ...string) []string { return append([]string{"--model", "particles", "--N", "4"}, args...) }
	for i, c := range []struct {
		args []string
		want string
	}{
		{phi4("--m2", "0.01", "--scheme", "lm"), "quench: note: the field's slowest mode (k = 0) relaxes over 10000 steps, so with --therm 1000 the start will not have relaxed when measuring begins and the means are biased: --therm 49998 or more lets it relax\n"},
		{phi4("--m2", "1", "--scheme", "baoab", "--dt", "0.1", "--gamma", "0.05"), "relaxes over 400 steps, so with --therm 1000"},
		{phi4("--m2", "1", "--scheme", "baoab", "--dt", "0.1", "--gamma", "4", "--therm", "100"), "relaxes over 37 steps, so with --therm 100"}, // overdamped: 38 by the rate (4 - sqrt(12))/2, 37 by the step's own map
		{phi4("--m2", "1", "--scheme", "em"), ""},
		{phi4("--m2", "0.01", "--scheme", "lm", "--therm", "50000"), ""},
		{phi4("--m2", "0.01", "--scheme", "lm", "--lambda", "1"), ""},
		{phi4("--m2", "1", "--dt", "1e-300"), "quench: note: at --dt 1e-300 the field's slowest mode (k = 0) relaxes over about 1e+300 steps, more than a run can take (2^48): the field stays near its start"},
		// harmonic particles, each coordinate such a mode
		{particles("--k", "1e-4"), "quench: note: each harmonic coordinate relaxes over 1000000 steps, so with --therm 1000 the start will not have relaxed when measuring begins and the means are biased: --therm 4999998 or more lets it relax\n"},
		{particles("--k", "1", "--dt", "1e-300"), "quench: note: at --dt 1e-300 each harmonic coordinate relaxes over about 1e+300 steps, more than a run can take (2^48): the particles stay near their start"},
		{particles("--k", "1"), ""},
		{particles("--k", "1e-4", "--potential", "doublewell"), ""},
		// a step that rounds to nothing (an audit's --k 4.9e-324 ran as
		// free particles without a word)
		{particles("--k", "4.9e-324"), "quench: note: at --dt 0.01 each harmonic coordinate relaxes over more steps than float64 holds, more than a run can take (2^48): the noise alone moves them, as free particles, about 4.5 in the run's 1010 steps"},
		// at lambda != 0 the stiffest mode: past 2^48 steps no mode moves
		// (an audit's float32 --dt 1e-50 and float64 1e-320)
		{phi4("--lambda", "1", "--precision", "float32", "--dt", "1e-50"), "quench: note: at --dt 1e-50 even the field's stiffest mode relaxes over about 1e+49 steps, more than a run can take (2^48): the force does not act within a run; the field stays at its start, and every measurement with it (the noise moves it by about 4.5e-24 in the run's 1010 steps)"},
		// ... but where the noise is large it moves the field all the
		// same (a review's --T 1e20 at --dt 1e-16: by 2000)
		{phi4("--lambda", "1", "--dt", "1e-16", "--T", "1e20"), "the force does not act within a run; the noise alone moves the field, a random walk, about 4.5e+03 in the run's 1010 steps"},
		{phi4("--lambda", "1", "--dt", "1e-320"), "quench: note: at --dt 1e-320 even the field's stiffest mode relaxes over more steps than float64 holds"},
		{phi4("--lambda", "1", "--scheme", "modelb", "--dt", "1e-60"), "even the field's stiffest mode relaxes over about"},
		{phi4("--lambda", "1", "--dt", "1e-12"), ""},
	} {
		args := append([]string{"run", "--steps", "10", "--quiet", "--out", filepath.Join(dir, strconv.Itoa(i))}, c.args...)
		code, _, stderr := runQ(t, args...)
		if code != 0 || strings.Contains(stderr, " relaxes over ") != (c.want != "") || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, code, stderr, c.want)
		}
	}
}

// A lattice frozen fully aligned has every S_k 0 and an infinite
// correlation length: its blank row's note says so, not the 0/0 of a
// Binder cumulant (an audit's 4^2 at T = 0.5).
func TestInfiniteXiNote(t *testing.T) {
	_, out, _ := runQ(t, "run", "--L", "4", "--T", "0.5", "--sweeps", "2000", "--quiet", "--out", filepath.Join(t.TempDir(), "a"))
	if !regexp.MustCompile(`\ncorrelation_length +- +- +-\n`).MatchString(out) || strings.Contains(out, "- no value: 0/0") ||
		!strings.Contains(out, "\n- correlation_length: no value: every measurement's S_k was 0 (a lattice frozen fully aligned)") {
		t.Errorf("4^2 at T = 0.5:\n%s", out)
	}
}

// Metropolis from the cold start at an antiferromagnet's h = 2d|J| is
// refused in one line (its sweeps cycle for ever, or leave the cycle less
// than once in the run); where they leave it now and then, a note says
// how often; a ferromagnet at so high a T that every flip is nearly
// certain gets the high-T note alone (a review's 16^2 at T = 20000).
func TestColdCycleRuns(t *testing.T) {
	dir := t.TempDir()
	for i, h := range []string{"4", "4.0000001"} {
		T := map[string]string{"4": "0.5", "4.0000001": "0.3"}[h]
		code, stdout, stderr := runQ(t, "run", "--L", "16", "--T", T, "--J", "-1", "--h", h, "--start", "cold", "--quiet", "--out", filepath.Join(dir, strconv.Itoa(i)))
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "stays in the cold start's cycle: ") || !strings.HasSuffix(stderr, "use --start hot or --algo heatbath\n") {
			t.Errorf("h = %s: exit %d %q %q", h, code, stdout, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, strconv.Itoa(i))); err == nil {
			t.Errorf("h = %s: a directory was written", h)
		}
	}
	code, _, stderr := runQ(t, "run", "--L", "32", "--T", "3", "--J", "-2", "--h", "8", "--start", "cold", "--sweeps", "1000", "--quiet", "--out", filepath.Join(dir, "b"))
	if code != 0 || !strings.Contains(stderr, "quench: note: --algo metropolis from --start cold at J=-2, h=8 keeps to the cold start's cycle through all up and both Neel states, every site of a colour flipped with near certainty or nearly never, but for sites that now and then do otherwise: about ") {
		t.Errorf("T = 3: exit %d %q", code, stderr)
	}
	code, _, stderr = runQ(t, "run", "--L", "16", "--T", "20000", "--start", "cold", "--sweeps", "100", "--quiet", "--out", filepath.Join(dir, "c"))
	if code != 0 || strings.Contains(stderr, "cold start's cycle") || !strings.Contains(stderr, "quench: note: --algo metropolis at T=20000 rejects a flip") {
		t.Errorf("T = 20000: exit %d %q", code, stderr)
	}
}

// A ferromagnet in no field below Tc, ordered on its lattice (binder above
// 0.64), is told that its correlation_length is the finite-size quantity,
// growing with L, and an antiferromagnet of its
// staggered_correlation_length; above Tc, in a field (where Tc is not
// known) or below Tc within the lattice's critical window (binder 0.60 at
// 3D L = 8, T = 4.3; 0.45 at 3D L = 16, T = 4.5115; 0.63 at 2D L = 32,
// T = 2.269), nothing.
func TestBelowTcXiNote(t *testing.T) {
	dir := t.TempDir()
	for i, c := range []struct {
		args []string
		note bool
	}{
		{[]string{"--L", "16", "--T", "1"}, true},
		{[]string{"--model", "ising3d", "--L", "8", "--T", "4"}, true},
		{[]string{"--L", "16", "--T", "2.3"}, false},
		{[]string{"--model", "ising3d", "--L", "8", "--T", "4.6"}, false},
		{[]string{"--L", "16", "--T", "1", "--J", "-1"}, true},
		{[]string{"--L", "16", "--T", "2.4", "--J", "-1"}, false},
		{[]string{"--L", "16", "--T", "1", "--J", "-1", "--h", "0.5"}, false},
		{[]string{"--model", "ising3d", "--L", "8", "--T", "4.3"}, false},
		{[]string{"--model", "ising3d", "--L", "16", "--T", "4.5115"}, false},
		{[]string{"--L", "32", "--T", "2.269"}, false},
	} {
		_, out, _ := runQ(t, append([]string{"run", "--sweeps", "300", "--quiet", "--out", filepath.Join(dir, strconv.Itoa(i))}, c.args...)...)
		if got := strings.Contains(out, "\nnote: below Tc (T = "); got != c.note {
			t.Errorf("%v: note %v, want %v:\n%s", c.args, got, c.note, out)
		}
	}
}

// An antiferromagnet in a field, whose Tc(h) is not known: where its
// staggered_binder is near 2/3 a note says it may be ordered and how to
// read xi_s; at a high T, none. A field that holds every spin up leaves
// xi_s 0/0, and a line under the table says so in its own words.
func TestFieldOrderedXiNote(t *testing.T) {
	dir := t.TempDir()
	for i, c := range []struct {
		args []string
		note bool
	}{
		{[]string{"--model", "ising3d", "--L", "6", "--h", "2", "--T", "3"}, true},
		{[]string{"--L", "8", "--h", "0.5", "--T", "1"}, true},
		{[]string{"--L", "8", "--h", "0.5", "--T", "6"}, false},
		{[]string{"--L", "8", "--T", "1"}, false}, // (at h = 0 the below-Tc note)
	} {
		_, out, _ := runQ(t, append([]string{"run", "--J", "-1", "--sweeps", "2000", "--quiet", "--out", filepath.Join(dir, strconv.Itoa(i))}, c.args...)...)
		if got := strings.Contains(out, "is near 2/3, the ordered phase's: if the run is below the field's Tc(h), <m_s>^2 fills S(0) and staggered_correlation_length grows with the lattice"); got != c.note {
			t.Errorf("%v: note %v, want %v:\n%s", c.args, got, c.note, out)
		}
	}
	_, out, _ := runQ(t, "run", "--J", "-1", "--h", "6", "--T", "0.3", "--start", "cold", "--L", "8", "--sweeps", "200", "--quiet", "--out", filepath.Join(dir, "up"))
	if !regexp.MustCompile(`\nstaggered_correlation_length +- +- +-\n`).MatchString(out) ||
		!strings.Contains(out, "\n- staggered_correlation_length: no value: S(0)/F is 0/0, the order parameter and its S_k 0 in every measurement") {
		t.Errorf("every spin up:\n%s", out)
	}
}

// baoab at a small friction: the underdamped modes' observables carry the
// note on their envelope, 1/(gamma dt) steps, with the resume that makes
// their bins span 20 of it: 20000 steps of bins of 400 ask for 320000
// (bins of 6400).
func TestUnderdampedNote(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	stdout, sum := runSummary(t, out, "--model", "phi4", "--L", "4", "--scheme", "baoab", "--gamma", "0.05", "--dt", "0.1", "--steps", "20000", "--therm", "1000", "--seed", "3", "--quiet")
	want := "* phi, phi2, phi4, energy, energy_gradient, energy_mass, energy_quartic, S_k0, S_k1, binder, susceptibility, susceptibility_connected, correlation_length: under baoab at gamma = 0.05 the modes they are built from (k = 0, the smallest k; where k = 0 is, every mode, which phi2, phi4 and the energies sum) are underdamped: their correlations oscillate inside an envelope that decays over 200 steps (1/(gamma dt)), about twice their tau_int, and error bins of 400 steps should span 20 of those (their errors come out too small); about 320000 measured steps or more make them reliable: quench resume " + out + " --steps 320000\n"
	if !strings.Contains(stdout, want) || sum.Underdamped == nil || sum.Underdamped.NeededSteps != 320000 {
		t.Errorf("no note %q in\n%s", want, stdout)
	}
	if !regexp.MustCompile(`(?m)^S_k0\s+\S+\s+\S+\s+\S+ \*$`).MatchString(stdout) {
		t.Errorf("S_k0 not marked in\n%s", stdout)
	}
}

// A tau_int under 1/2 is said to be the one the error implies: the
// sandpile's avalanche_size and grains_lost, whose errors leave out what
// the pile's totals bound (a new user's audit read 0.0149 as a bug).
func TestTauUnderHalfNote(t *testing.T) {
	stdout, sum := runSummary(t, filepath.Join(t.TempDir(), "s"), "--quiet", "--model", "sandpile", "--L", "16", "--grains", "20000")
	for _, n := range []string{"avalanche_size", "grains_lost"} {
		if v := sum.Observables[n]; v.TauInt == nil || !(*v.TauInt < 0.5) {
			t.Fatalf("%s: tau_int %v, want under 1/2", n, v.TauInt)
		}
	}
	if !strings.Contains(stdout, "\n- avalanche_size, grains_lost: a tau_int under 1/2 is the one the error implies (n error^2 / 2 variance): the error leaves out the fluctuations that the pile's own totals bound") {
		t.Errorf("no note:\n%s", stdout)
	}
}

// A baoab run at a friction so small that 1/(gamma dt) is beyond float64
// writes its outputs (summary.json's envelope_steps null; a review's
// --gamma 1e-320 failed on json's +Inf), and its note says so.
func TestUnderdampedInfiniteEnvelope(t *testing.T) {
	out := filepath.Join(t.TempDir(), "u")
	code, stdout, stderr := runQ(t, "run", "--model", "phi4", "--scheme", "baoab", "--lambda", "0", "--m2", "1", "--gamma", "1e-320", "--L", "8", "--steps", "200", "--quiet", "--out", out)
	if code != 0 || !strings.Contains(stdout, "envelope that decays over more steps than float64 holds (1/(gamma dt))") {
		t.Fatalf("exit %d %s\n%s", code, stderr, stdout)
	}
	data, err := os.ReadFile(filepath.Join(out, sim.SummaryFile))
	if err != nil || !strings.Contains(string(data), `"envelope_steps": null`) {
		t.Errorf("summary.json: %v\n%s", err, data)
	}
}
