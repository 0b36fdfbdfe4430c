package main

import (
	"bytes"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/sim"
)

// exactLine is printExact's output for one observable of the given
// summary values under c (an error of 0: a constant series).
func exactLine(c *sim.Config, name string, x, mean, err float64, reliable bool, measurements int, ts *sim.ThermShort) string {
	return exactLineOf(c, name, x, sim.Value{Mean: &mean, Error: &err, Reliable: reliable, Constant: err == 0}, measurements, ts)
}

// exactLineOf is printExact's output for one observable of value v.
func exactLineOf(c *sim.Config, name string, x float64, v sim.Value, measurements int, ts *sim.ThermShort) string {
	var b bytes.Buffer
	printExact(&b, c, &sim.Summary{Measurements: measurements, ThermShort: ts, Exact: map[string]float64{name: x},
		Observables: map[string]sim.Value{name: v}}, []string{name}, "steps")
	return b.String()
}

// An error of 0 from measurements that vary (a 1D pile's grains lost, 0,
// 1 and 2, in error bins whose means are all exactly 1: the pile's
// grain count at each bin's ends sets them) is not called constant, by
// the run's exact line, summary.json or collect's distance; a constant
// series still is.
func TestExactLineTelescoping(t *testing.T) {
	out, sum := runSummary(t, filepath.Join(t.TempDir(), "r"), "--model", "sandpile", "--dim", "1", "--L", "64", "--grains", "100000", "--quiet")
	v := sum.Observables["grains_lost"]
	if v.Error == nil || *v.Error != 0 || v.Constant || *v.Mean != 1 {
		t.Fatalf("grains_lost %+v: want mean 1, error 0, not constant (the case this tests)", v)
	}
	if !regexp.MustCompile(`grains_lost +1 +measured 1 with error 0, though the measurements vary: every error bin's mean came out the same`).MatchString(out) ||
		!strings.Contains(out, "it is the exact value") || strings.Contains(out, "in every measurement averaged") {
		t.Errorf("exact lines:\n%s", out)
	}
	if d := exactDistance(v, map[string]float64{"grains_lost": 1.5}, "grains_lost"); d != "err0" {
		t.Errorf("collect's distance %q, want err0", d)
	}
	one, zero := 1.0, 0.0
	pile := &sim.Config{Model: "sandpile"}
	if out := exactLineOf(pile, "grains_lost", 1, sim.Value{Mean: &one, Error: &zero, Constant: true}, 1000, nil); !strings.Contains(out, "measured 1 in every measurement averaged") {
		t.Errorf("a constant series:\n%s", out)
	}
	if d := exactDistance(sim.Value{Mean: &one, Error: &zero, Constant: true}, map[string]float64{"grains_lost": 1.5}, "grains_lost"); d != "const" {
		t.Errorf("collect's distance of a constant %q, want const", d)
	}
}

// More than 4 errors from the exact value: a reliable error blames the
// sampling alone; an unreliable one adds that the error may be too small,
// and blames it alone only in a model B or kmp run whose --therm covered
// its slow modes (its rule is exact there; kmp's hot start is
// stationary), not under another scheme or model.
func TestExactLinesFarReasons(t *testing.T) {
	modelB := &sim.Config{Model: "phi4", Scheme: quench.SchemeModelB, Start: "cold"}
	em := &sim.Config{Model: "phi4", Scheme: quench.SchemeEM}
	kmp := &sim.Config{Model: "kmp", Start: "hot"}
	pile := &sim.Config{Model: "sandpile"}
	const (
		sampled = "more than 4, so the measured steps did not sample the stationary state (thermalize longer)"
		small   = ", or its error, marked *, is too small (run longer)"
		covered = "its error, marked *, is too small (run longer; --therm covered the slow modes)"
		hotKMP  = "its error, marked *, is too small (run longer; the hot start is stationary)"
	)
	for _, c := range []struct {
		cfg      *sim.Config
		reliable bool
		want     string
		not      []string
	}{
		{modelB, false, covered, []string{sampled}},
		{modelB, true, sampled + "\n", []string{covered, small}},
		{em, true, sampled + "\n", []string{covered, small}},
		{em, false, sampled + small + "\n", []string{covered}},
		{kmp, false, hotKMP, []string{sampled, covered}},
		{kmp, true, sampled + "\n", []string{covered, hotKMP, small}},
		{&sim.Config{Model: "kmp", Start: "cold"}, false, covered, []string{sampled, hotKMP}},
		{pile, false, sampled + small + "\n", []string{covered}},
	} {
		out := exactLine(c.cfg, "phi2", 1, 1.5, 0.1, c.reliable, 1000, nil)
		bad := !strings.Contains(out, c.want)
		for _, n := range c.not {
			bad = bad || strings.Contains(out, n)
		}
		if bad {
			t.Errorf("%s %s, reliable %v:\n%s", c.cfg.Model, c.cfg.Scheme, c.reliable, out)
		}
	}
	// an Ising model from a hot start below Tc: domains and stripes
	// (64^2 at T = 0.5 read 4800 errors off); not from a cold start, above
	// Tc or in a field; the antiferromagnet's cold start, all up, turns
	// Neel in its first half-sweep
	const stripes = "; below Tc a hot start's domains and stripes can outlast any practical thermalization: --start cold starts ordered"
	for _, c := range []struct {
		cfg  sim.Config
		want bool
	}{
		{sim.Config{Model: "ising2d", Start: "hot", J: 1, T: 0.5}, true},
		{sim.Config{Model: "ising3d", Start: "hot", J: 2, T: 8}, true},
		{sim.Config{Model: "ising2d", Start: "cold", J: 1, T: 0.5}, false},
		{sim.Config{Model: "ising2d", Start: "hot", J: 1, T: 2.5}, false},
		{sim.Config{Model: "ising3d", Start: "hot", J: 1, T: 4.6}, false},
		{sim.Config{Model: "ising2d", Start: "hot", J: 1, T: 0.5, H: 0.1}, false},
		{sim.Config{Model: "ising2d", Start: "hot", J: -1, T: 0.5}, true},
		{sim.Config{Model: "ising2d", Start: "hot", J: -1, T: 2.5}, false},
	} {
		out := exactLine(&c.cfg, "energy", -2, -1.9, 0.001, true, 1000, nil)
		if strings.Contains(out, stripes) != c.want || !strings.Contains(out, sampled) || strings.Contains(out, "(all up, whose first half-sweep turns it Neel)") != (c.want && c.cfg.J < 0) {
			t.Errorf("%s %s J=%v T=%v h=%v: stripes hint %v, want %v:\n%s", c.cfg.Model, c.cfg.Start, c.cfg.J, c.cfg.T, c.cfg.H, strings.Contains(out, stripes), c.want, out)
		}
	}
	// a kmp cold start with a --therm too short (therm_short): the start
	// is to blame too
	out := exactLine(&sim.Config{Model: "kmp", Start: "cold"}, "mass_var", 1, 1.5, 0.1, false, 1000, &sim.ThermShort{SlowestSteps: 831, NeededTherm: 4151})
	if !strings.Contains(out, sampled+small) || strings.Contains(out, covered) {
		t.Errorf("kmp cold, therm short:\n%s", out)
	}
}

// A constant series (error 0): equal to the exact value it gets no remark;
// a primary observable's constant more than 1% of the larger of the two
// from it was not sampled from the stationary state, with "or too few
// were measured" under 100 measurements.
func TestExactLinesConstantThreshold(t *testing.T) {
	pile := &sim.Config{Model: "sandpile"}
	const far = "did not sample the stationary state"
	for _, c := range []struct {
		mean         float64
		measurements int
		far, few     bool
	}{
		{10.15, 1000, true, false},   // 1.5%
		{10.05, 1000, false, false},  // 0.5%
		{10.101, 1000, false, false}, // 1.01% of 10, under 1% of 10.101
		{9.899, 1000, true, false},   // 1.01% of 10, the larger
		{12, 99, true, true},
		{12, 100, true, false},
	} {
		out := exactLine(pile, "avalanche_size", 10, c.mean, 0, false, c.measurements, nil)
		if !strings.Contains(out, "in every measurement") || strings.Contains(out, far) != c.far || strings.Contains(out, "or too few were measured") != c.few {
			t.Errorf("constant %v, %d measurements: far %v, too few %v:\n%s", c.mean, c.measurements, c.far, c.few, out)
		}
	}
	lm := &sim.Config{Model: "phi4", Scheme: quench.SchemeLM}
	if out := exactLine(lm, "energy_quartic", 0, 0, 0, true, 1000, nil); strings.TrimSpace(out[strings.Index(out, "\n  ")+1:]) != "energy_quartic  0  measured 0 in every measurement averaged" {
		t.Errorf("a constant equal to its exact value:\n%q", out)
	}
}

// The blinking line needs Metropolis and 100 or more measurements at |m|
// 0 in every one: at 99 it is not said, nor under heat bath.
func TestBlinkingLineEdges(t *testing.T) {
	for _, c := range []struct {
		algo         string
		measurements int
		blinking     bool
	}{{"metropolis", 100, true}, {"metropolis", 99, false}, {"heatbath", 1000, false}} {
		cfg := &sim.Config{Model: "ising2d", J: 1, Shape: []int{4, 4}, Algo: c.algo}
		e, zero, x := 0.0, 0.0, -0.04
		var b bytes.Buffer
		printExact(&b, cfg, &sim.Summary{Measurements: c.measurements, Exact: map[string]float64{"energy": x},
			Observables: map[string]sim.Value{"energy": {Mean: &e, Error: &zero, Constant: true}, "abs_magnetization": {Mean: &zero, Error: &zero, Constant: true}}}, []string{"energy"}, "sweeps")
		if strings.Contains(b.String(), "a blinking state") != c.blinking {
			t.Errorf("%s, %d measurements: blinking %v, want %v:\n%s", c.algo, c.measurements, !c.blinking, c.blinking, b.String())
		}
	}
}

// Model B's exact line says about which mean the field fluctuates: 0 from
// the cold start, the start's measured m from the hot one.
func TestExactWhyModelBStart(t *testing.T) {
	for start, want := range map[string]string{"cold": "about the conserved mean field, 0 from the cold start", "hot": "about the conserved mean field, the start's m, as measured"} {
		if got := exactWhy(&sim.Config{Model: "phi4", Scheme: quench.SchemeModelB, Start: start}, nil); !strings.HasSuffix(got, want) {
			t.Errorf("%s start: %q", start, got)
		}
	}
}

// The table's notes on unreliable errors: kmp from its stationary hot
// start (a ring of 128, modes of up to 128^2/(8 pi^2) = 208 steps, 10000
// steps in bins of 200) has its masses' errors marked for the slow modes
// alone, so the usual rule's note is not printed and the slow-mode note
// gives that one reason; model B on 16x32 for 10 steps has only its S_k
// marked for their modes, each with its own time (L 16: 286 steps, L 32:
// 1253), the note right below the usual one; kmp from its cold start with
// --therm 100 is warned that its slow modes had not relaxed (5 times 52
// steps needed).
func TestSlowModeNotesOneReason(t *testing.T) {
	dir := t.TempDir()
	out, sum := runSummary(t, filepath.Join(dir, "kmp"), "--model", "kmp", "--dim", "1", "--L", "128", "--steps", "10000", "--quiet")
	if v := sum.Observables["mass_var"]; strings.Contains(out, "too few measurements") || len(v.UnreliableBy) != 1 || v.UnreliableBy[0] != sim.BySlowModes ||
		!strings.Contains(out, "\n\n* the mass is conserved, so it relaxes diffusively: its slow modes decorrelate over up to 208 steps; error bins of 200 steps miss too much of their share of tau_int for mass_var, mass_corr1, mass_max (the errors come out too small); about ") {
		t.Errorf("kmp hot, mass_var %+v:\n%s", v, out)
	}
	out, _ = runSummary(t, filepath.Join(dir, "b"), "--model", "phi4", "--scheme", "modelb", "--lambda", "0", "--m2", "1", "--shape", "16x32", "--start", "cold", "--steps", "10", "--quiet")
	if !strings.Contains(out, "run longer for trustworthy errors\n* model B conserves the field, so it relaxes diffusively: its slow modes decorrelate over up to 1253 steps; the modes of S_k0 (286 steps), S_k1 (1253 steps) take over twice their Sokal tau_int to decorrelate (linearized; the window, where it found one, missed their decay), and over 1/20 of the 1-step bins; about ") {
		t.Errorf("model B 16x32, 10 steps:\n%s", out)
	}
	out, _ = runSummary(t, filepath.Join(dir, "cold"), "--model", "kmp", "--dim", "1", "--L", "64", "--start", "cold", "--therm", "100", "--steps", "200", "--quiet")
	if !strings.Contains(out, "\nwarning: --therm 100 is shorter than 5 times the conserved field's slowest mode's decorrelation time, 52 steps: the start's slow modes had not relaxed when measuring began, so the means are biased (mass_var and the profiles); --therm 260 or more lets them relax\n") {
		t.Errorf("kmp cold, --therm 100:\n%s", out)
	}
}

// A message on the temperature names the flag given, with T where --beta
// set it (kuramoto at --beta 1e-40: T = 1e40), and so does a divergence's
// advice.
func TestTemperatureMessageName(t *testing.T) {
	code, _, stderr := runQ(t, "run", "--model", "particles", "--potential", "kuramoto", "--beta", "1e-40", "--N", "10", "--steps", "10", "--quiet", "--out", filepath.Join(t.TempDir(), "r"))
	if code != 2 || !strings.HasPrefix(stderr, "quench: --beta 1e-40 (T = 1e+40) is too small for kuramoto") {
		t.Errorf("exit %d: %q", code, stderr)
	}
	code, _, stderr = runQ(t, "run", "--model", "particles", "--N", "100", "--beta", "1e-300", "--steps", "100", "--quiet", "--out", filepath.Join(t.TempDir(), "d"))
	if code != 2 || !strings.Contains(stderr, "either the state is diverging (reduce --dt, or raise --beta)") {
		t.Errorf("a divergence at --beta 1e-300: exit %d: %q", code, stderr)
	}
}

// At J = 0 (independent spins in the field) a constant energy at the
// ground state, -|h|, is the exact value, not a frozen excitation (2D
// frozenExcited compares with -2|J|, which is no ground state there).
func TestExactLineFreeSpinsGround(t *testing.T) {
	c := &sim.Config{Model: "ising2d", J: 0, H: 1, T: 0.05, Start: "hot", Algo: "heatbath"}
	out := exactLine(c, "energy", -1, -1, 0, true, 2000, nil)
	if !strings.Contains(out, "measured -1 in every measurement averaged\n") {
		t.Errorf("J = 0 at its ground state:\n%s", out)
	}
}

// One Kuramoto phase's order_parameter2 is 1 by definition and varies by
// rounding alone (settled): its exact line and collect's distance say it
// lies within that rounding of 1, not 27 errors below it, as a float32
// run's 0.99999999 +- 5e-10 read; its constant x_var (a single
// coordinate's spread, 0 wherever it sits) is not marked with the x_mean
// its symmetry marks. Beyond the rounding the distance in errors stands.
func TestExactLineSettled(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	out, sum := runSummary(t, dir, "--model", "particles", "--potential", "kuramoto", "--N", "1", "--T", "1",
		"--steps", "1000", "--precision", "float32", "--quiet")
	r2 := sum.Observables["order_parameter2"]
	if !slices.Contains(sum.Settled, "order_parameter2") || r2.Mean == nil || *r2.Mean == 1 || r2.Error == nil || math.Abs(*r2.Mean-1) < 4**r2.Error {
		t.Fatalf("order_parameter2 %+v, settled %q: want settled, off 1 by more than 4 errors (the case this tests)", r2, sum.Settled)
	}
	if !strings.Contains(out, "order_parameter2  1    measured 0.99999999, 1.4e-08 from it: within the rounding (2^-18 of 1 in float32) that its settled series varies by (s above), which its error measures; no distance in errors") ||
		strings.Contains(out, "thermalize longer") {
		t.Errorf("exact lines:\n%s", out)
	}
	xm, xv := sum.Observables["x_mean"], sum.Observables["x_var"]
	if !slices.Contains(xm.UnreliableBy, sim.BySymmetry) {
		t.Fatalf("x_mean %+v: want it marked by its symmetry (the case this tests)", xm)
	}
	if !xv.Constant || !xv.Reliable || len(xv.UnreliableBy) > 0 || strings.Contains(out, "is marked with it") {
		t.Errorf("x_var %+v marked with x_mean:\n%s", xv, out)
	}
	code, cout, cerr := runQ(t, "collect", dir)
	if code != 0 || !regexp.MustCompile(`(?m)/r +round +\+\S+$`).MatchString(cout) {
		t.Errorf("collect: exit %d %s\n%s", code, cerr, cout)
	}
	// a settled value of a run without an exact value (repelling phases
	// at T = 0, r^2 about 1e-29) has no distance, not "round" (a missing
	// exact value read as 0): a run with none has no row of "-" but a
	// count
	zero := filepath.Join(filepath.Dir(dir), "zero")
	_, zsum := runSummary(t, zero, "--model", "particles", "--potential", "kuramoto", "--N", "10", "--T", "0", "--k", "-1",
		"--omega", "1", "--steps", "2000", "--therm", "20000", "--quiet")
	if !slices.Contains(zsum.Settled, "order_parameter2") || len(zsum.Exact) > 0 {
		t.Fatalf("T = 0 repelling: settled %q, exact %v: want order_parameter2 settled and no exact values (the case this tests)", zsum.Settled, zsum.Exact)
	}
	code, cout, cerr = runQ(t, "collect", dir, zero)
	if _, block, _ := strings.Cut(cout, "\nexact values"); code != 0 || strings.Contains(block, "/zero") || strings.Contains(block, "round") && !regexp.MustCompile(`(?m)/r +round`).MatchString(block) ||
		!strings.Contains(block, "(1 of the 2 runs have no exact value of these: not listed)") {
		t.Errorf("collect of a run without exact values: exit %d %s\n%s", code, cerr, cout)
	}
	// averaged over seeds, each settled: so is the average
	dirs := []string{dir}
	for _, seed := range []string{"2", "3"} {
		d := filepath.Join(filepath.Dir(dir), "s"+seed)
		runSummary(t, d, "--model", "particles", "--potential", "kuramoto", "--N", "1", "--T", "1",
			"--steps", "1000", "--precision", "float32", "--quiet", "--seed", seed)
		dirs = append(dirs, d)
	}
	code, cout, cerr = runQ(t, append([]string{"collect", "--average-seeds"}, dirs...)...)
	if code != 0 || !regexp.MustCompile(`(?m)/r \(\+2 seeds\) +round +\S+$`).MatchString(cout) {
		t.Errorf("collect --average-seeds: exit %d %s\n%s", code, cerr, cout)
	}

	// the same mean, settled but 2^-17 from the exact value: beyond the
	// rounding, a distance in errors
	c := &sim.Config{Model: "particles", Potential: quench.PotentialKuramoto, N: 1, D: 1, T: 1, Precision: "float32"}
	mean, e := 1-0x1p-17, 1e-9
	s := &sim.Summary{Measurements: 1000, Params: map[string]any{"precision": "float32"}, Settled: []string{"order_parameter2"},
		Exact: map[string]float64{"order_parameter2": 1}, Observables: map[string]sim.Value{"order_parameter2": {Mean: &mean, Error: &e, Reliable: true}}}
	var b bytes.Buffer
	printExact(&b, c, s, []string{"order_parameter2"}, "steps")
	if !strings.Contains(b.String(), "measured -7.6e+03 errors from it") {
		t.Errorf("beyond the rounding:\n%s", b.String())
	}
	if s.SettledAt("order_parameter2", 1) || !s.SettledAt("order_parameter2", 1-0x1p-17+0x1p-19) {
		t.Errorf("SettledAt: 2^-17 from 1 within float32's rounding, or 2^-19 not")
	}
	s.Params["precision"] = "float64"
	if s.SettledAt("order_parameter2", 1-0x1p-17+0x1p-39) || !s.SettledAt("order_parameter2", 1-0x1p-17+0x1p-41) {
		t.Errorf("SettledAt in float64: 2^-39 from the exact value within the rounding, or 2^-41 not")
	}
}
