package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/quenchlab/quench/cpu"
	"github.com/quenchlab/quench/sim"
)

// withBase is base's flags that args does not give itself (each flag of
// base "--name value", or "--name" alone where no value follows), then
// args: a case's own --out over a test's default (a flag given twice is
// refused).
func withBase(base []string, args ...string) []string {
	gives := func(name string) bool {
		return slices.ContainsFunc(args, func(a string) bool { return a == name || strings.HasPrefix(a, name+"=") })
	}
	var out []string
	for i := 0; i < len(base); i++ {
		flag := []string{base[i]}
		if strings.HasPrefix(base[i], "--") && i+1 < len(base) && !strings.HasPrefix(base[i+1], "--") {
			flag = append(flag, base[i+1])
			i++
		}
		if !strings.HasPrefix(flag[0], "--") || !gives(flag[0]) {
			out = append(out, flag...)
		}
	}
	return append(out, args...)
}

func runQ(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Main(args, &o, &e)
	return code, o.String(), e.String()
}

// readNpy parses a .npy file (format 1.0) into its header and data.
func readNpy(t *testing.T, path string) (header string, data []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" || b[6] != 1 {
		t.Fatalf("%s is not a version 1 .npy file", path)
	}
	hlen := int(binary.LittleEndian.Uint16(b[8:10]))
	if (10+hlen)%64 != 0 || b[10+hlen-1] != '\n' {
		t.Errorf(".npy header is not 64-byte aligned and ended by a newline (format 1.0)")
	}
	return string(b[10 : 10+hlen]), b[10+hlen:]
}

func TestRunOutputs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := runQ(t, "run", "--out", out, "--shape", "8x16", "--sweeps", "300", "--therm", "20",
		"--every", "2", "--T", "2.5", "--h", "0.1", "--algo", "heatbath", "--seed", "5")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, name := range []string{"energy", "binder", "specific_heat", "susceptibility", "flips/ns"} {
		if !strings.Contains(stdout, name) {
			t.Errorf("results table lacks %q:\n%s", name, stdout)
		}
	}
	var sum map[string]any
	data, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"model", "backend", "shape", "params", "seed", "sweeps", "therm", "every", "observables", "throughput"} {
		if _, ok := sum[k]; !ok {
			t.Errorf("summary.json lacks %q", k)
		}
	}
	if q, ok := sum["quench"].(map[string]any); !ok || q["version"] == "" || !strings.HasPrefix(q["go"].(string), "go1.") {
		t.Errorf("summary.json's quench: %v (want the version and Go of the binary)", sum["quench"])
	}
	params := sum["params"].(map[string]any)
	if params["T"] != 2.5 || params["beta"] != 0.4 || params["h"] != 0.1 || params["J"] != 1.0 || params["algo"] != "heatbath" {
		t.Errorf("unexpected params: %v", params)
	}
	obs := sum["observables"].(map[string]any)
	for _, name := range []string{"energy", "magnetization", "abs_magnetization", "m2", "m4", "specific_heat", "susceptibility", "binder"} {
		o, ok := obs[name].(map[string]any)
		if !ok {
			t.Errorf("summary.json lacks observable %q", name)
			continue
		}
		for _, k := range []string{"mean", "error", "tau_int", "tau_int_error"} {
			if _, ok := o[k].(float64); !ok {
				t.Errorf("observable %s has no number %q: %v", name, k, o)
			}
		}
		if e, ok := o["tau_int_error"].(float64); ok && !(e > 0 && e < o["tau_int"].(float64)) {
			t.Errorf("observable %s: tau_int %v +- %v", name, o["tau_int"], e)
		}
	}
	if tp := sum["throughput"].(map[string]any)["site_updates_per_ns"].(float64); !(tp > 0) {
		t.Errorf("throughput %v", tp)
	}
	header, body := readNpy(t, filepath.Join(out, "lattice.npy"))
	if !strings.Contains(header, "'descr': '<i1'") || !strings.Contains(header, "'shape': (8, 16)") || !strings.Contains(header, "'fortran_order': False") {
		t.Errorf("unexpected .npy header %q", header)
	}
	st, err := sim.ReadCheckpoint(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(body) != 128 {
		t.Fatalf(".npy holds %d bytes, want 128", len(body))
	}
	for i, b := range body {
		if int8(b) != st.Spins[i] {
			t.Fatalf(".npy differs from the final state at %d", i)
		}
	}
	f, err := os.Open(filepath.Join(out, "lattice.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	// the 8x16 lattice at 16 x 16 pixels a spin
	if err != nil || img.Bounds().Dx() != 256 || img.Bounds().Dy() != 128 {
		t.Errorf("unexpected lattice.png: %v %v", img.Bounds(), err)
	}
	series, _ := os.ReadFile(filepath.Join(out, "series.csv"))
	lines := strings.Split(strings.TrimSpace(string(series)), "\n")
	if len(lines) != 151 || lines[0] != "sweep,energy,magnetization,abs_magnetization,m2,m4,staggered_magnetization" || !strings.HasPrefix(lines[1], "22,") {
		t.Errorf("unexpected series.csv: %d lines, first %q %q", len(lines), lines[0], lines[1])
	}
	lastS := st.Samples[len(st.Samples)-1]
	if f := strings.Split(lines[len(lines)-1], ","); f[len(f)-1] != strconv.FormatFloat(float64(lastS.Stag)/128, 'g', -1, 64) {
		t.Errorf("series.csv's last staggered magnetization %s, its sample's staggered sum %d over 128 sites", f[len(f)-1], lastS.Stag)
	}
	// the staggered magnetization is in summary.json for every coupling,
	// and in the results table for the antiferromagnet
	for _, name := range sim.StaggeredNames {
		if _, ok := obs[name].(map[string]any); !ok {
			t.Errorf("summary.json lacks observable %q", name)
		}
	}
	if strings.Contains(stdout, "staggered") {
		t.Errorf("the ferromagnet's results table shows the staggered magnetization:\n%s", stdout)
	}
	code, afm, stderr := runQ(t, "run", "--out", filepath.Join(t.TempDir(), "afm"), "--L", "8", "--J", "-1", "--sweeps", "40", "--T", "1.5")
	for _, name := range sim.StaggeredNames {
		if code != 0 || !strings.Contains(afm, name+" ") {
			t.Errorf("the antiferromagnet's results table lacks %s (exit %d, %s):\n%s", name, code, stderr, afm)
		}
	}
	// the same directory again is refused, and accepted with --force
	// (a finished run: resume extends it)
	if code, _, stderr := runQ(t, "run", "--out", out, "--L", "8", "--sweeps", "10"); code != 2 || !strings.Contains(stderr, "already holds a finished run (checkpoint.qck, summary.json): extend it with `quench resume "+shellWord(out)+"` and a longer --sweeps") {
		t.Errorf("rerun into %s: exit %d %q", out, code, stderr)
	}
	// a directory whose name a shell would split: the command quoted
	spaced := filepath.Join(t.TempDir(), "my run")
	if code, _, stderr := runQ(t, "run", "--out", spaced, "--L", "8", "--sweeps", "10"); code != 0 {
		t.Fatalf("run into %q: exit %d %q", spaced, code, stderr)
	}
	if code, _, stderr := runQ(t, "run", "--out", spaced, "--L", "8", "--sweeps", "10"); code != 2 || !strings.Contains(stderr, "extend it with `quench resume '"+spaced+"'` and a longer --sweeps") {
		t.Errorf("rerun into %q: exit %d %q", spaced, code, stderr)
	}
	if code, _, stderr := runQ(t, "run", "--out", out, "--L", "8", "--sweeps", "10", "--force"); code != 0 {
		t.Errorf("rerun with --force: exit %d %q", code, stderr)
	}
	// outputs without a checkpoint: nothing to resume, so resume is not offered
	os.Remove(filepath.Join(out, "checkpoint.qck"))
	if code, _, stderr := runQ(t, "run", "--out", out, "--L", "8", "--sweeps", "10"); code != 2 || !strings.Contains(stderr, "no checkpoint to resume") || strings.Contains(stderr, "quench resume") {
		t.Errorf("rerun into outputs without a checkpoint: exit %d %q", code, stderr)
	}
}

func TestResumeExtends(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	common := []string{"--L", "16", "--therm", "10", "--every", "5", "--seed", "3", "--quiet"}
	runQ(t, append([]string{"run", "--out", a, "--sweeps", "100"}, common...)...)
	if code, _, stderr := runQ(t, "resume", a, "--sweeps", "200", "--quiet"); code != 0 {
		t.Fatalf("extend: exit %d %s", code, stderr)
	}
	runQ(t, append([]string{"run", "--out", b, "--sweeps", "200"}, common...)...)
	for _, name := range []string{"lattice.npy", "series.csv"} {
		x, _ := os.ReadFile(filepath.Join(a, name))
		y, _ := os.ReadFile(filepath.Join(b, name))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s of the extended run differs from a run of 200 sweeps", name)
		}
	}
	if code, _, stderr := runQ(t, "resume", a, "--sweeps", "50"); code != 2 || !strings.Contains(stderr, "can only extend") {
		t.Errorf("shrinking resume: exit %d %q", code, stderr)
	}
	// a setting of quench run that the checkpoint fixes: said so, with
	// what resume takes; a flag of neither is unknown
	if code, _, stderr := runQ(t, "resume", a, "--T", "3"); code != 2 || !strings.HasPrefix(stderr, "quench: --T is not allowed: the checkpoint fixes the run's settings (a run of other settings is a new quench run); resume takes --backend, ") {
		t.Errorf("resume --T 3: exit %d %q", code, stderr)
	}
	if code, _, stderr := runQ(t, "resume", a, "--bogus", "3"); code != 2 || !strings.Contains(stderr, "unknown flag: --bogus") {
		t.Errorf("resume --bogus 3: exit %d %q", code, stderr)
	}
	// --sweeps equal to the run's is no extension and no shrinking: the
	// complete run's outputs are written again, the same
	if code, _, stderr := runQ(t, "resume", a, "--sweeps", "200", "--quiet"); code != 0 ||
		stderr != "quench: the run in "+a+" is already complete (200 measured sweeps after 10 thermalization); rewriting its outputs\n" {
		t.Errorf("resume --sweeps 200 of a run of 200: exit %d %q", code, stderr)
	}
	for _, name := range []string{"lattice.npy", "series.csv"} {
		x, _ := os.ReadFile(filepath.Join(a, name))
		y, _ := os.ReadFile(filepath.Join(b, name))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s rewritten by resume --sweeps 200 differs from a run of 200 sweeps", name)
		}
	}
	// a complete run without summary.json (outputs cut short by a kill,
	// or an extension killed before its first checkpoint): resume says
	// why it may be so
	os.Remove(filepath.Join(a, sim.SummaryFile))
	if code, _, stderr := runQ(t, "resume", a, "--quiet"); code != 0 ||
		stderr != "quench: the run in "+a+" is already complete (200 measured sweeps after 10 thermalization); rewriting its outputs (it had no summary.json: a process killed while writing them, or an extension stopped before its first checkpoint, which goes again with --sweeps)\n" {
		t.Errorf("resume of a complete run without summary.json: exit %d %q", code, stderr)
	}
	// a kmp run extended with --steps (its unit) keeps its profile spacing
	k, k2 := filepath.Join(dir, "k"), filepath.Join(dir, "k2")
	kmp := []string{"--model", "kmp", "--L", "8", "--therm", "3", "--seed", "2", "--quiet"}
	runQ(t, append([]string{"run", "--out", k, "--steps", "30"}, kmp...)...)
	if code, _, stderr := runQ(t, "resume", k, "--steps", "60", "--quiet"); code != 0 || stderr != "" {
		t.Fatalf("extend kmp with --steps: exit %d %q", code, stderr)
	}
	runQ(t, append([]string{"run", "--out", k2, "--steps", "60", "--profile-every", "1"}, kmp...)...)
	for _, name := range []string{"series.csv", "profiles.csv", "lattice.npy"} {
		x, _ := os.ReadFile(filepath.Join(k, name))
		y, _ := os.ReadFile(filepath.Join(k2, name))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s of the extended kmp run differs from a run of 60 steps", name)
		}
	}
	// a spacing a new run of the length would not take: a note on the
	// snapshots it keeps taking (an audit compared such a run with a new
	// one and found the profiles apart without a word, at 2 times)
	if code, _, stderr := runQ(t, "resume", k, "--steps", "1500", "--quiet"); code != 0 ||
		stderr != "quench: note: the extended run keeps its snapshot spacing (--profile-every 1): 1500 snapshots in all, where a new run of this length takes 750 with the default spacing (--profile-every 2), so its profiles differ from that run's, its lattice and series.csv not\n" {
		t.Errorf("extend kmp to 1500 steps: exit %d %q", code, stderr)
	}
	if code, _, stderr := runQ(t, "resume", k, "--steps", "3000", "--quiet"); code != 0 ||
		stderr != "quench: note: the extended run keeps its snapshot spacing (--profile-every 1): 3000 snapshots in all, where a new run of this length takes 1000 with the default spacing (--profile-every 3), so its profiles differ from that run's, its lattice and series.csv not\n" {
		t.Errorf("extend kmp to 3000 steps: exit %d %q", code, stderr)
	}
	// --steps equal to the run's extends nothing: no note on its spacing
	if code, _, stderr := runQ(t, "resume", k, "--steps", "3000", "--quiet"); code != 0 ||
		stderr != "quench: the run in "+k+" is already complete (3000 measured steps after 3 thermalization); rewriting its outputs\n" {
		t.Errorf("resume --steps 3000 of a kmp run of 3000: exit %d %q", code, stderr)
	}
	if code, _, stderr := runQ(t, "resume", k, "--steps", "70", "--sweeps", "80"); code != 2 || !strings.Contains(stderr, "--sweeps 80 and --steps 70 disagree") {
		t.Errorf("resume --steps 70 --sweeps 80: exit %d %q", code, stderr)
	}
	// another model's unit is refused, as by run
	for _, c := range []struct{ dir, flag, want string }{
		{a, "--grains", "--grains does not apply to the ising2d run in " + a + ": it counts sweeps (--sweeps)"},
		{a, "--steps", "--steps does not apply to the ising2d run"},
		{k, "--grains", "--grains does not apply to the kmp run in " + k + ": it counts steps (--steps or --sweeps)"},
	} {
		if code, _, stderr := runQ(t, "resume", c.dir, c.flag, "900"); code != 2 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("resume %s: exit %d %q (want 2 and %q)", c.flag, code, stderr, c.want)
		}
	}
}

func TestLangevinRuns(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		keys []string
		npy  string
	}{
		{[]string{"--model", "phi4", "--dim", "3", "--L", "6", "--scheme", "modelb", "--dt", "0.002", "--precision", "float32"},
			[]string{"phi", "phi2", "phi4", "binder", "energy"}, "'descr': '<f4', 'fortran_order': False, 'shape': (6, 6, 6)"},
		{[]string{"--model", "phi4", "--shape", "12x8", "--scheme", "lm", "--m2", "0.5", "--lambda", "0"},
			[]string{"phi", "energy", "S_k0", "S_k1"}, "'descr': '<f8', 'fortran_order': False, 'shape': (12, 8)"},
		{[]string{"--model", "particles", "--N", "50", "--d", "3", "--scheme", "baoab", "--dt", "0.1"},
			[]string{"x_mean", "x_var", "v_var"}, "'shape': (50, 3)"},
		{[]string{"--model", "particles", "--N", "64", "--potential", "kuramoto", "--k", "2", "--T", "0"},
			[]string{"order_parameter"}, "'shape': (64, 1)"},
	}
	for i, c := range cases {
		out := filepath.Join(dir, string(rune('a'+i)))
		code, stdout, stderr := runQ(t, append([]string{"run", "--out", out, "--steps", "40", "--therm", "5", "--quiet"}, c.args...)...)
		if code != 0 {
			t.Errorf("%v: exit %d %s", c.args, code, stderr)
			continue
		}
		var sum struct {
			Observables map[string]any `json:"observables"`
			Params      map[string]any `json:"params"`
		}
		data, _ := os.ReadFile(filepath.Join(out, "summary.json"))
		json.Unmarshal(data, &sum)
		for _, k := range c.keys {
			if _, ok := sum.Observables[k]; !ok || !strings.Contains(stdout, k) {
				t.Errorf("%v: observable %q missing", c.args, k)
			}
		}
		seriesNamesKeys(t, out)
		if header, _ := readNpy(t, filepath.Join(out, "lattice.npy")); !strings.Contains(header, c.npy) {
			t.Errorf("%v: unexpected .npy header %q", c.args, header)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", "phi4", "--seed", "0x10"}, `--seed 0x10 is not allowed: a decimal integer from 0 to 2^64-1`},
		// counts are decimal too (pflag's own int flags read 0x10 as 16, 1_6 as 16, 010 as 8)
		{[]string{"--model", "sandpile", "--L", "0x10"}, `--L 0x10 is not allowed: a whole number (digits only, e.g. 100000)`},
		{[]string{"--model", "kmp", "--steps", "1_000"}, `--steps 1_000 is not allowed: a whole number`},
		{[]string{"--model", "kmp", "--every", "0b10"}, `--every 0b10 is not allowed: a whole number`},
		{[]string{"--model", "phi4", "--dt", "0.5"}, "--dt 0.5 is unstable for scheme em"},
		{[]string{"--model", "phi4", "--dim", "4"}, "--dim 4 is not allowed"},
		{[]string{"--model", "phi4", "--scheme", "rk4"}, `unknown --scheme "rk4"`},
		{[]string{"--model", "phi4", "--precision", "half"}, `unknown --precision "half"`},
		{[]string{"--model", "phi4", "--T", "0"}, "--T 0 is not allowed"},
		{[]string{"--model", "particles", "--potential", "lj"}, `unknown --potential "lj"`},
		{[]string{"--model", "particles", "--N", "0"}, "--N 0 is not allowed"},
		{[]string{"--model", "particles", "--k", "10", "--dt", "0.5"}, "is unstable for scheme em with harmonic"},
		{[]string{"--model", "particles", "--N", "1000000000000"}, "the run (N=1000000000000 particles in d=1, 10000 measurements) does not fit in memory"},
		{[]string{"--model", "particles", "--potential", "kuramoto", "--gamma", "2"}, "--gamma 2 does not apply to --potential kuramoto"},
		{[]string{"--model", "particles", "--potential", "kuramoto", "--d", "3"}, "--d 3 does not apply to --potential kuramoto: its phases have one coordinate"},
		{[]string{"--model", "phi4", "--T", "1e-320"}, "--T 1e-320 is too small: its inverse overflows (the temperature must be at least 5.6e-309)"},
		{[]string{"--model", "particles", "--beta", "1e-320"}, "--beta 1e-320 is too small: its inverse overflows"},
		{[]string{"--model", "ising2d", "--T", "1e-320"}, "--T 1e-320 is too small"},
		{[]string{"--model", "ising2d", "--T", "-1"}, "--T -1 is not allowed: the temperature must be a positive finite number"},
		{[]string{"--model", "particles", "--N", "10000000000000"}, "between 1 and 2^40 particles"},
		{[]string{"--model", "phi4", "--steps", "10", "--sweeps", "20"}, "--steps 10 and --sweeps 20 disagree"},
		{[]string{"--model", "phi4", "--J", "2"}, "--J does not apply to --model phi4"},
		{[]string{"--model", "particles", "--h", "Inf"}, "--h does not apply to --model particles"},
		{[]string{"--model", "ising2d", "--dt", "0.1"}, "--dt does not apply to --model ising2d"},
		// the model's list names its own flags, not the refused alias
		{[]string{"--model", "phi4", "--grains", "100"}, "--grains does not apply to --model phi4 (its flags: --L, --shape, --dim, --T, --beta, --h, --scheme, --dt, --m2, --lambda, --phi0, --gamma, --mass, --precision, --steps)"},
		{[]string{"--model", "sandpile", "--steps", "1000"}, "--steps does not apply to --model sandpile (its flags: --L, --shape, --dim, --grains, --therm-grains, --profile-every)"},
		{[]string{"--model", "particles", "--k", "-1"}, "--k -1 is not allowed for potential harmonic"},
		{[]string{"--model", "phi4", "--m2", "1", "--lambda", "1", "--h", "100", "--dt", "0.2"}, "is unstable for scheme em"},
		{[]string{"--model", "sandpile", "--dim", "4"}, "--dim 4 is not allowed"},
		{[]string{"--model", "phi4", "--mass", "2"}, "--mass does not apply to --scheme em: only baoab has momenta"},
		{[]string{"--model", "particles", "--scheme", "lm", "--mass", "2"}, "--mass does not apply to --scheme lm"},
		{[]string{"--model", "particles", "--omega", "1"}, "--omega does not apply to --potential harmonic"},
		// named as not applying, not judged by value
		{[]string{"--model", "particles", "--omega", "NaN"}, "--omega does not apply to --potential harmonic"},
		{[]string{"--model", "particles", "--potential", "doublewell", "--omega-spread", "-1"}, "--omega-spread does not apply to --potential doublewell"},
		{[]string{"--model", "phi4", "--mass", "NaN"}, "--mass does not apply to --scheme em: only baoab has momenta"},
		{[]string{"--model", "phi4", "--scheme", "rk4", "--mass", "2"}, `unknown --scheme "rk4"`},
		{[]string{"--model", "particles", "--scheme", "modelb", "--mass", "2"}, `unknown --scheme "modelb": allowed for particles are em, lm, baoab`},
		{[]string{"--model", "particles", "--potential", "lj", "--omega", "1"}, `unknown --potential "lj"`},
		{[]string{"--model", "particles", "--potential", "doublewell", "--omega-spread", "1"}, "--omega-spread does not apply to --potential doublewell"},
		{[]string{"--model", "phi4", "--device", "3"}, "--device 3 does not apply to --backend cpu"},
		{[]string{"--model", "phi4", "--backend", "cuda", "--device", "-1"}, "--device -1 is not allowed: GPU indices start at 0"},
		{[]string{"--model", "sandpile", "--grains", "0"}, "--grains 0 is not allowed"},
		// within the up-front bound (0.2), but thermal fluctuations reach the
		// stiffer quartic region: the parameters' fault, exit 2, no directory
		{[]string{"--model", "phi4", "--L", "32", "--dt", "0.19", "--therm", "0"}, "measurement after step 16: m4 (m^4, m the mean field) is 3.7551748959547394e+176, beyond the 1e+140 that its error bar can hold"},
		// ... and no checkpoint holds the diverged state
		{[]string{"--model", "phi4", "--L", "32", "--dt", "0.19", "--therm", "0", "--every", "500", "--checkpoint-every", "100"}, "checkpoint at step 100: the state diverged (NaN or Inf): --dt is too large"},
		// ... and a thermalization finds it at its next thousandth step, not
		// at its end
		// (from a cold start: a hot one's field, up to 1, is refused up
		// front at this step, as the curvature there needs dt < 0.18)
		{[]string{"--model", "phi4", "--L", "16", "--m2", "-0.1", "--dt", "0.24", "--therm", "300000", "--steps", "2000", "--start", "cold"}, "thermalization step 1000: the state diverged (NaN or Inf): --dt is too large"},
		{[]string{"--model", "phi4", "--L", "16", "--m2", "-0.1", "--dt", "0.24", "--therm", "300000", "--steps", "2000", "--precision", "float32", "--start", "cold"}, "thermalization step 1000: the state diverged (NaN or Inf): --dt is too large for these parameters (the up-front bound only holds near the potential's minimum), or --T drives the fluctuations beyond float32's range"},
		{[]string{"--model", "phi4", "--L", "16", "--m2", "-0.1", "--dt", "0.24", "--steps", "2000"}, "--dt 0.24 is unstable for the start at --phi0 0 (a hot start's field reaches 1, where the curvature m2 + 3 lambda phi^2 is 2.9): its stiffest mode needs dt < 0.183486238531"},
		// (after the start's note that it will: WellEscapes)
		{[]string{"--model", "particles", "--potential", "doublewell", "--N", "1000", "--T", "5", "--dt", "0.24", "--therm", "5000", "--steps", "10"}, "thermalization step 1000: the state diverged (NaN or Inf): a step's noise carried a coordinate from its well past x = 1.76"},
		// baoab's momenta, of variance mass T: the advice names --mass
		{[]string{"--model", "particles", "--scheme", "baoab", "--N", "100", "--steps", "20", "--therm", "0", "--mass", "1e308"}, "measurement after step 1: v_var is NaN, beyond float64's range: --dt is too large for these parameters (the up-front bound only holds near the potential's minimum), or --T or --mass (the momenta's variance is mass T) drives the fluctuations beyond float64's range: reduce --dt or --T or --mass"},
		// a finite measurement whose error bar would not be (its square
		// overflows in the statistics)
		{[]string{"--model", "particles", "--N", "100", "--T", "1e300", "--steps", "100"}, "measurement after step 1001: x_mean is 2.733624547802227e+148, beyond the 1e+140 that its error bar can hold (the statistics square sums of it): either the state is diverging (reduce --dt or --T), or the parameters set its scale that far (T/k, T/mass, h/m2: rescale them)\n"},
		// a finite state whose squares overflow
		{[]string{"--model", "particles", "--N", "1000", "--T", "1e306", "--therm", "0", "--steps", "10"}, "measurement after step 1: x_mean is 3.4221133186347964e+150, beyond the 1e+140 that its error bar can hold"},
		// one coordinate, whose x_mean is within the bound but its
		// square, the summary's x2, is not
		{[]string{"--model", "particles", "--N", "1", "--d", "1", "--T", "1e200", "--scheme", "lm", "--dt", "0.1", "--steps", "20000"}, "measurement after step 1001: x2 (x_var + x_mean^2) is 5.759835036539807e+199, beyond the 1e+140 that its error bar can hold"},
		{[]string{"--model", "particles", "--potential", "kuramoto", "--k", "10", "--dt", "0.2"}, "--dt 0.2 is unstable for kuramoto k=10: the phases relax towards the mean phase at rate up to k = 10, so dt must be < 0.2"},
		{[]string{"--model", "particles", "--potential", "kuramoto", "--k", "-400", "--dt", "0.01"}, "--dt 0.01 is unstable for kuramoto k=-400: the order parameter relaxes at rate |k|/2 = 200, so dt must be < 0.01"},
		{[]string{"--model", "particles", "--potential", "kuramoto", "--omega", "1e12", "--precision", "float32"}, "--dt 0.01 is too large for frequencies up to |omega| + 7 spread = 1e+12: a step must turn a phase by less than half a turn (dt |omega| < pi, so dt < 3.141592653589793e-12;"},
		{[]string{"--model", "particles", "--potential", "kuramoto", "--omega", "300", "--omega-spread", "20"}, "frequencies up to |omega| + 7 spread = 440"},
		{[]string{"--model", "particles", "--potential", "kuramoto", "--k", "-30", "--dt", "0.14"}, "dt must be < 0.133333"},
		{[]string{"--model", "particles", "--potential", "kuramoto", "--omega-spread", "1e308"}, "the frequencies would reach +Inf, beyond float64's range"},
		{[]string{"--model", "particles", "--potential", "kuramoto", "--omega-spread", "1e38", "--precision", "float32"}, "the frequencies would reach 9e+38, beyond float32's range"},
	} {
		code, _, stderr := runQ(t, append([]string{"run", "--out", filepath.Join(dir, "bad")}, c.args...)...)
		if note, rest, ok := strings.Cut(stderr, "\n"); ok && strings.HasPrefix(note, "quench: note: at --dt ") && strings.Contains(note, "from its well past") ||
			ok && strings.HasPrefix(note, "quench: note: each harmonic coordinate relaxes over") ||
			ok && strings.HasPrefix(note, "quench: note: at --dt ") && strings.Contains(note, " each harmonic coordinate relaxes over") {
			// (a note before a run that fails as it measures)
			stderr = rest
		}
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, %q (want 2 and %q)", c.args, code, stderr, c.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "bad")); err == nil {
			t.Fatalf("%v: bad input created the output directory", c.args)
		}
	}
}

func TestLatticeUpdateRuns(t *testing.T) {
	dir := t.TempDir()
	for i, c := range []struct {
		args []string
		keys []string
	}{
		{[]string{"--model", "sandpile", "--dim", "2", "--L", "16", "--grains", "300", "--therm-grains", "100"}, []string{"mean_height", "avalanche_size", "avalanche_area", "avalanche_duration"}},
		{[]string{"--model", "kmp", "--L", "16", "--dim", "1"}, []string{"mass_mean", "mass_var"}},
		{[]string{"--model", "aggregation", "--shape", "8x6", "--injection", "0.05"}, []string{"mass_mean", "mass_var"}},
		{[]string{"--model", "transfer", "--L", "8", "--fraction", "0.2", "--profile-every", "3"}, []string{"mass_mean", "mass_var", "P(m) and C(r): 10 snapshots (every 3 steps, ", "of their error bars are not reliable", "profiles.csv"}},
		{[]string{"--model", "diffusion", "--dim", "3", "--L", "6", "--precision", "float32"}, []string{"u_mean", "u_var"}},
	} {
		out := filepath.Join(dir, string(rune('a'+i)))
		code, stdout, stderr := runQ(t, append([]string{"run", "--out", out, "--steps", "30", "--quiet"}, c.args...)...)
		if c.args[1] == "sandpile" {
			code, stdout, stderr = runQ(t, append([]string{"run", "--out", out, "--quiet"}, c.args...)...)
		}
		if code != 0 {
			t.Errorf("%v: exit %d %s", c.args, code, stderr)
			continue
		}
		for _, k := range c.keys {
			if !strings.Contains(stdout, k) {
				t.Errorf("%v: %q missing from the table", c.args, k)
			}
		}
		if _, err := os.Stat(filepath.Join(out, "lattice.npy")); err != nil {
			t.Errorf("%v: no lattice.npy", c.args)
		}
		seriesNamesKeys(t, out)
		if c.args[1] == "transfer" {
			// 30 steps after 1000, a snapshot every 3: a header and 10 rows of step,
			// 40 linear and 63 log bins and C(0..4)
			data, err := os.ReadFile(filepath.Join(out, "profiles.csv"))
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")
			if err != nil || len(lines) != 11 || !strings.HasPrefix(lines[0], "step,p0,") || !strings.HasSuffix(lines[0], ",c4") ||
				!strings.HasPrefix(lines[10], "1030,") || len(strings.Split(lines[10], ",")) != 109 {
				t.Errorf("%v: profiles.csv: %v\n%.300s", c.args, err, data)
			}
			// overwritten with --force by a run without profiles: the old
			// profiles and histograms go, and are not listed
			code, stdout, stderr := runQ(t, "run", "--out", out, "--steps", "5", "--quiet", "--force", "--model", "diffusion", "--L", "8")
			for _, name := range []string{"profiles.csv", "histograms.csv"} {
				if _, err := os.Stat(filepath.Join(out, name)); code != 0 || err == nil || strings.Contains(stdout, name) {
					t.Errorf("--force over a transfer run: exit %d %s, %s left (%v) or listed in %q", code, stderr, name, err, stdout)
				}
			}
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", "kmp", "--L", "7"}, "--L/--shape 7x7: model kmp needs even extents"},
		{[]string{"--model", "kmp", "--dim", "3"}, "runs on 1 to 2 dimensions"},
		// not the 1 to 3 of the other lattices (a walkthrough saw "kmp lattices have 1, 2 or 3 dimensions")
		{[]string{"--model", "kmp", "--dim", "0"}, "--dim 0 is not allowed: kmp lattices have 1 or 2 dimensions"},
		{[]string{"--model", "transfer", "--dim", "4"}, "--dim 4 is not allowed: transfer lattices have 1 or 2 dimensions"},
		{[]string{"--model", "diffusion", "--dim", "4"}, "--dim 4 is not allowed: diffusion lattices have 1, 2 or 3 dimensions"},
		{[]string{"--model", "transfer", "--fraction", "1.5"}, "--fraction 1.5 is not allowed"},
		{[]string{"--model", "aggregation", "--injection", "-1"}, "--injection -1 is not allowed"},
		{[]string{"--model", "diffusion", "--alpha", "0.3"}, "relaxes every mode for 0 < alpha < 1/(2d) = 0.25"},
		{[]string{"--model", "diffusion", "--alpha", "0.25"}, "--alpha 0.25 is not allowed: the explicit scheme relaxes every mode for 0 < alpha < 1/(2d) = 0.25 (at 1/(2d) the checkerboard mode's factor is -1 a step)"},
		{[]string{"--model", "diffusion", "--shape", "8x7", "--alpha", "0.25"}, "--alpha 0.25 is not allowed"},
		{[]string{"--model", "diffusion", "--dim", "1", "--alpha", "0.5"}, "0 < alpha < 1/(2d) = 0.5"},
		{[]string{"--model", "diffusion", "--alpha", "0.249999996", "--precision", "float32"}, "--alpha 0.249999996 is not allowed with --precision float32: it rounds to 0.25 there, and the explicit scheme relaxes every mode for 0 < alpha < 1/(2d) = 0.25"},
		{[]string{"--model", "kmp", "--alpha", "0.1"}, "--alpha does not apply to --model kmp"},
		{[]string{"--model", "kmp", "--mass0", "1e-12"}, "--mass0 1e-12 is not allowed: the mass density must be in [2^-32, 2^20]"},
		{[]string{"--model", "diffusion", "--profile-every", "10"}, "--profile-every does not apply to --model diffusion"},
		{[]string{"--model", "kmp", "--profile-every", "-2"}, "--profile-every -2 is not allowed: use 1 to --steps 10000, 0 (about 1000 snapshots) or -1 (none)"},
		{[]string{"--model", "aggregation", "--steps", "50", "--profile-every", "51"}, "--profile-every 51 is not allowed"},
		{[]string{"--model", "kmp", "--L", "100000", "--sweeps", "100000000"}, "the total mass, conserved, is 1e+10 units (sites x mass0): it must stay below 2^30 units, as the fixed point holds 2^-32 per unit below 2^62 in all; use a smaller --mass0 or fewer sites"},
		// exactly 2^30 units: refused, and the message says below
		{[]string{"--model", "kmp", "--L", "32", "--mass0", "1048576"}, "the total mass, conserved, is 1.074e+09 units (sites x mass0): it must stay below 2^30 units"},
		{[]string{"--model", "aggregation", "--L", "64", "--mass0", "300000", "--injection", "1"}, "the start's total mass alone is 1.229e+09 units (sites x mass0), and --injection adds to it: it must stay below 2^30 units, as the fixed point holds 2^-32 per unit below 2^62 in all; use a smaller --mass0 or fewer sites"},
		{[]string{"--model", "aggregation", "--L", "64", "--injection", "1000", "--steps", "300"}, "the total mass could reach 5.325e+09 units (sites x (mass0 + injection x steps), thermalization steps included): it must stay below 2^30 units, as the fixed point holds 2^-32 per unit below 2^62 in all; use a smaller --mass0, fewer sites, or less --injection or fewer steps (--steps and --therm)"},
	} {
		code, _, stderr := runQ(t, append([]string{"run", "--out", filepath.Join(dir, "bad")}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, %q (want 2 and %q)", c.args, code, stderr, c.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "bad")); err == nil {
			t.Fatalf("%v: bad input created the output directory", c.args)
		}
	}
}

// seriesNamesKeys requires series.csv in run directory out to have a column
// for each summary observable that is a column's mean (binder and the
// susceptibilities are derived).
func seriesNamesKeys(t *testing.T, out string) {
	t.Helper()
	var sum struct {
		Observables map[string]any `json:"observables"`
	}
	data, _ := os.ReadFile(filepath.Join(out, "summary.json"))
	json.Unmarshal(data, &sum)
	series, _ := os.ReadFile(filepath.Join(out, "series.csv"))
	header := strings.Split(strings.SplitN(string(series), "\n", 2)[0], ",")
	for k := range sum.Observables {
		if k != "binder" && k != "susceptibility" && k != "susceptibility_connected" && k != "order_parameter2" && k != "x2" && k != "v2" && !slices.Contains(header, k) {
			t.Errorf("%s: summary key %q is not a series.csv column %v", out, k, header)
		}
	}
}

// sandpileV3Checkpoint is testdata/sandpile-v3's checkpoint, embedded:
// gpu-check.sh runs the test binary (cmd.test) in build/gpu, where no
// testdata directory is.
//
//go:embed testdata/sandpile-v3/checkpoint.qck
var sandpileV3Checkpoint []byte

// Resuming a sandpile checkpoint of format 3 (testdata/sandpile-v3: 6x6,
// 30 of 30 grains, written by sim's version-3 layout) notes that it goes
// on without P(h) snapshots.
func TestResumeFormat3SandpileNote(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, sim.CheckpointFile), sandpileV3Checkpoint, 0o644)
	code, stdout, stderr := runQ(t, "resume", dir, "--grains", "40", "--quiet")
	want := "quench: note: the checkpoint in " + dir + " is of format 3, from before P(h) snapshots: the run goes on without them (--profile-every -1)\n"
	if code != 0 || !strings.Contains(stderr, want) || !strings.Contains(stdout, "40 grains") {
		t.Errorf("resume of a format 3 sandpile: exit %d %q %q, want the note %q", code, stdout, stderr, want)
	}
	if st, err := sim.ReadCheckpoint(dir); err != nil || st.Step != 40 || st.Format < 4 || len(st.Profiles) != 0 {
		t.Errorf("the resumed run's checkpoint: %v %+v", err, st)
	}
}

// runSummary runs quench run with args, writing to out, and returns its
// table and summary.json; a failed run or an unreadable summary fails t.
func runSummary(t *testing.T, out string, args ...string) (string, sim.Summary) {
	t.Helper()
	stdout, _, sum := runSummaryErr(t, out, args...)
	return stdout, sum
}

// runSummaryErr is runSummary with the run's stderr.
func runSummaryErr(t *testing.T, out string, args ...string) (string, string, sim.Summary) {
	t.Helper()
	code, stdout, stderr := runQ(t, append([]string{"run", "--out", out}, args...)...)
	if code != 0 {
		t.Fatalf("%v: exit %d %s", args, code, stderr)
	}
	var sum sim.Summary
	b, err := os.ReadFile(filepath.Join(out, sim.SummaryFile))
	if err == nil {
		err = json.Unmarshal(b, &sum)
	}
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return stdout, stderr, sum
}

// A run saved before the weak-field rule (2x2 in a field of 0.01 at
// T = 1.7, 1000 sweeps, which a new run is refused: it needs 85501) still
// reads and resumes to its own length; an extension short of what the
// rule asks for is refused, naming only what a resume can change, its
// --sweeps; one that reaches it goes on.
func TestResumeWeakFieldSaved(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "old")
	cfg := sim.Config{Model: "ising2d", Shape: []int{2, 2}, Algo: "metropolis", J: 1, H: 0.01, T: 1.7, Sweeps: 90000, Therm: 10, Every: 1, Seed: 3, Start: "hot"}
	st, err := sim.NewState(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st.Config.Sweeps = 1000 // as the rule would refuse now
	if err := st.Config.Validate(); err == nil || !strings.Contains(err.Error(), "mixes too slowly") {
		t.Fatalf("1000 sweeps: %v", err)
	}
	st.Config.Sweeps, st.Config.Therm = 1000, 10
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := sim.Execute(context.Background(), cpu.New(), st, sim.Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.ReadCheckpoint(dir); err != nil {
		t.Fatalf("the saved run does not read: %v", err)
	}
	code, _, stderr := runQ(t, "resume", dir, "--sweeps", "2000", "--quiet")
	if code != 2 || !strings.Contains(stderr, "mixes too slowly for --sweeps 2000") || !strings.Contains(stderr, "use --sweeps 85501 or more\n") || strings.Contains(stderr, "--algo heatbath") || strings.Contains(stderr, "a field |h|") {
		t.Errorf("resume --sweeps 2000: exit %d, %q", code, stderr)
	}
	for _, args := range [][]string{{"resume", dir, "--sweeps", "1000", "--quiet"}, {"resume", dir, "--sweeps", "85501", "--quiet"}} {
		if code, _, stderr := runQ(t, args...); code != 0 {
			t.Errorf("%q: exit %d, %q", args, code, stderr)
		}
	}
}

// scriptWriter answers each write with the next of its results (n < 0:
// all of p), then with all of p and no error.
type scriptWriter struct {
	results []struct {
		n   int
		err error
	}
	got [][]byte
}

func (s *scriptWriter) Write(p []byte) (int, error) {
	s.got = append(s.got, append([]byte(nil), p...))
	if len(s.results) == 0 {
		return len(p), nil
	}
	r := s.results[0]
	s.results = s.results[1:]
	if r.n < 0 {
		r.n = len(p)
	}
	return r.n, r.err
}

// errWriter keeps the first error, also one a writer reports with all of
// p written, and writes nothing after it: a write that would succeed after
// a failed one does not clear the error.
func TestErrWriterKeepsFirstError(t *testing.T) {
	first := errors.New("first")
	for _, n := range []int{0, -1} {
		w := &scriptWriter{results: []struct {
			n   int
			err error
		}{{n, first}}}
		e := &errWriter{w: w}
		e.Write([]byte("row 1\n"))
		if m, err := e.Write([]byte("row 2\n")); m != 0 || err != first {
			t.Errorf("n %d: the write after the error gave %d, %v", n, m, err)
		}
		if e.err != first || len(w.got) != 1 {
			t.Errorf("n %d: error %v after %d writes, want %v after 1", n, e.err, len(w.got), first)
		}
	}
}
