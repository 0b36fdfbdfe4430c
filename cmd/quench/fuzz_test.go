package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/gpu"
	"github.com/quenchlab/quench/sim"
)

// checkEnding fails t unless a command's exit code, stdout and stderr
// are an ending quench allows a command on any input: 0 (with output on
// stdout where wantOut), or a refusal in one line (exit 2) with nothing on
// stdout, or a failure in one line (exit 1, where failures allows it);
// the line may follow the notes (quench: note: ...) of a run that had
// started where notes allows them (a run refused or failed as it
// measures, as in TestLangevinRuns).
func checkEnding(t *testing.T, what string, code int, stdout, stderr string, wantOut, failures, notes bool) {
	t.Helper()
	if code == 0 {
		if wantOut && stdout == "" {
			t.Fatalf("%s: exit 0 with nothing on stdout", what)
		}
		return
	}
	if code != 2 && !(code == 1 && failures) {
		t.Fatalf("%s: exit %d: %s", what, code, stderr)
	}
	if code == 2 && stdout != "" {
		t.Fatalf("%s: refused (%q) after writing %q to stdout", what, stderr, stdout)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	for _, l := range lines[:len(lines)-1] {
		if !notes || !strings.HasPrefix(l, "quench: note: ") {
			t.Fatalf("%s: exit %d with %q, not one line", what, code, stderr)
		}
	}
	if !strings.HasSuffix(stderr, "\n") || !strings.HasPrefix(last, "quench: ") || strings.HasPrefix(last, "quench: note: ") {
		t.Fatalf("%s: exit %d with %q, not one line", what, code, stderr)
	}
}

// FuzzRunConfig reads quench run's --config files of any content up to
// the settings a run would start from (runFlags.settings: the flags, the
// file, every check before a backend is opened; nothing is run): each is
// taken, or refused with a UsageError that Main prints as one line
// (oneLine) with exit code 2; never a panic. Fuzz it with go test -run
// '^$' -fuzz FuzzRunConfig ./cmd/quench.
func FuzzRunConfig(f *testing.F) {
	for _, file := range []string{
		"model = \"ising2d\"\nL = 16\nT = 2.5\nsweeps = 100\n",
		"model = \"phi4\"\ndim = 2\nL = 8\nscheme = \"baoab\"\ndt = 0.05\nm2 = -1\nlambda = 1\nT = 2\nsteps = 100\n",
		"model = \"particles\"\npotential = \"kuramoto\"\nN = 100\nk = 4\nscheme = \"lm\"\nsteps = 50\nomega-spread = 0.5\n",
		"model = \"sandpile\"\nL = 16\ngrains = 1000\ntherm-grains = 100\nstart = \"stationary\"\n",
		"model = \"kmp\"\nshape = \"32x16\"\nsteps = 100\nprofile-every = 10\ncheckpoint-minutes = 0.5\n",
		"model = \"diffusion\"\nL = 32\nalpha = 0.2\nprecision = \"float32\"\nstart = \"cold\"\n",
		"model = \"ising3d\"\nL = 8\nbeta = 0.22\nalgo = \"heatbath\"\nh = 0.1\nJ = -1\nseed = \"18446744073709551615\"\n",
		"backend = \"cuda\"\ndevice = 1\nout = \"runs/x\"\nforce = true\nquiet = true\ncheckpoint-every = 10\n",
		"[table]\nx = 1\n", "L = [1, 2]\n", "T = nan\n", "sweeps = 1e3\n", "out = \"  \"\n", "device = -1\n",
	} {
		f.Add([]byte(file))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, file []byte) {
		path := filepath.Join(dir, "run.toml")
		if err := os.WriteFile(path, file, 0o644); err != nil {
			t.Fatal(err)
		}
		var rf runFlags
		fl := pflag.NewFlagSet("run", pflag.ContinueOnError)
		addRunFlags(fl, &rf)
		if err := fl.Parse([]string{"--config", path}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := rf.settings(fl); err != nil {
			if !quench.IsUsage(err) {
				t.Fatalf("refused with %T, not a UsageError (exit 1, not 2): %v", err, err)
			}
			if oneLine(err.Error()) == "" {
				t.Fatalf("refusal says nothing: %q", err.Error())
			}
		}
	})
}

// collectFuzzModes are the collect commands FuzzCollect tries on each
// summary (a fuzzed byte picks one): @ stands for the test's directory,
// $OBS for an observable of the model's (a series.csv column), $CROSS for
// one to cross and $PROF for a profile.
var collectFuzzModes = [][]string{
	{},
	{"--csv", "@/c.csv"},
	{"--average-seeds", "--csv", "@/c.csv"},
	{"--observables", "$OBS/L,$OBS"},
	{"--plot", "@/p.svg", "--log", "xy"},
	{"--profile", "$PROF", "--csv", "@/c.csv"},
	{"--profile", "$PROF", "--plot", "@/p.svg", "--log", "y"},
	{"--series", "$OBS", "--average-seeds", "--csv", "@/c.csv"},
	{"--crossings", "$CROSS"},
}

// collectFuzzSet is a model's short runs for FuzzCollect (each its
// flags, after common's), and the observables and profile its flags name.
type collectFuzzSet struct {
	common                     []string
	runs                       [][]string
	observable, cross, profile string
}

// editJSON returns doc (JSON) with the value at path (keys and list
// indices joined by dots) set to value (JSON), or value itself where path
// is "" (a file of any content); nil where value is not JSON or path
// names nothing in doc.
func editJSON(doc []byte, path, value string) []byte {
	if path == "" {
		return []byte(value)
	}
	var root, v any
	if json.Unmarshal(doc, &root) != nil || json.Unmarshal([]byte(value), &v) != nil {
		return nil
	}
	keys := strings.Split(path, ".")
	at := root
	for n, k := range keys {
		last := n == len(keys)-1
		switch c := at.(type) {
		case map[string]any:
			if last {
				c[k] = v
			} else {
				at = c[k]
			}
		case []any:
			j, err := strconv.Atoi(k)
			if err != nil || j < 0 || j >= len(c) {
				return nil
			}
			if last {
				c[j] = v
			} else {
				at = c[j]
			}
		default:
			return nil
		}
	}
	out, err := json.Marshal(root)
	if err != nil {
		return nil
	}
	return out
}

// jsonLeaves lists the paths of doc's values that are no object (editJSON's
// paths), each with another value of its kind: a number negated and
// scaled, a string emptied, a bool flipped, a list with its first element
// twice, null as 0.
func jsonLeaves(doc any, path string) (leaves [][2]string) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch v := doc.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			leaves = append(leaves, jsonLeaves(v[k], join(k))...)
		}
		return leaves
	case []any:
		other := "[]"
		if len(v) > 0 {
			b, _ := json.Marshal(append([]any{v[0]}, v...))
			other = string(b)
		}
		return [][2]string{{path, other}}
	case float64:
		return [][2]string{{path, strconv.FormatFloat(-3*v, 'g', -1, 64)}}
	case string:
		return [][2]string{{path, `""`}}
	case bool:
		return [][2]string{{path, strconv.FormatBool(!v)}}
	}
	return [][2]string{{path, "0"}}
}

// FuzzCollect gives quench collect a summary.json with one value set to
// any JSON (editJSON), or of any content, beside unchanged runs of the
// same model (collectFuzzSet: each model's short runs at two values of a
// setting; Ising's at two sizes too, below and above Tc, so that its
// lines cross), and one of collectFuzzModes' flags: it prints its table,
// or refuses in one line with exit code 2 and nothing on stdout; never a
// panic. Fuzz it with go test -run '^$' -fuzz FuzzCollect ./cmd/quench.
func FuzzCollect(f *testing.F) {
	base := f.TempDir()
	sets := []collectFuzzSet{
		// two sizes at two temperatures, below and above Tc: lines that
		// cross
		{[]string{"--sweeps", "200", "--therm", "5"}, [][]string{{"--L", "4", "--T", "2"}, {"--L", "4", "--T", "3.5"}, {"--L", "8", "--T", "2"}, {"--L", "8", "--T", "3.5"}}, "energy", "binder", ""},
		{[]string{"--model", "phi4", "--dim", "1", "--L", "6", "--steps", "40", "--therm", "5", "--dt", "0.05"}, [][]string{{"--m2", "1"}, {"--m2", "0.5"}}, "phi2", "binder", ""},
		{[]string{"--model", "particles", "--N", "5", "--steps", "40", "--therm", "5", "--dt", "0.05"}, [][]string{{"--k", "1"}, {"--k", "2"}}, "x_var", "x_var", ""},
		{[]string{"--model", "sandpile", "--grains", "60", "--therm-grains", "20"}, [][]string{{"--L", "5"}, {"--L", "6"}}, "mean_height", "mean_height", "avalanche_size"},
		{[]string{"--model", "kmp", "--L", "8", "--dim", "1", "--steps", "40", "--therm", "5"}, [][]string{{"--mass0", "1"}, {"--mass0", "2"}}, "mass_var", "mass_var", "mass_distribution"},
		{[]string{"--model", "diffusion", "--L", "8", "--steps", "20", "--start", "hot"}, [][]string{{"--alpha", "0.1"}, {"--alpha", "0.2"}}, "u_var", "u_var", ""},
	}
	var sums [][]byte
	dirs := make([][]string, len(sets))
	for i, set := range sets {
		for r, run := range set.runs {
			dir := filepath.Join(base, fmt.Sprintf("%d-%d", i, r))
			dirs[i] = append(dirs[i], dir)
			var stderr bytes.Buffer
			args := append(append([]string{"run", "--quiet", "--seed", strconv.Itoa(3 + r), "--out", dir}, run...), set.common...)
			if code := Main(args, &bytes.Buffer{}, &stderr); code != 0 {
				f.Fatalf("seed run %v: exit %d: %s", args, code, stderr.String())
			}
		}
		sum, err := os.ReadFile(filepath.Join(dirs[i][len(dirs[i])-1], sim.SummaryFile))
		if err != nil {
			f.Fatal(err)
		}
		sums = append(sums, sum)
		// the whole file as it is, under each mode, and each leaf value
		// given another (a number negated, a list emptied, ...) under one
		for mode := range collectFuzzModes {
			f.Add(uint8(i), uint8(mode), "", string(sum))
		}
		var doc any
		if err := json.Unmarshal(sum, &doc); err != nil {
			f.Fatal(err)
		}
		for k, leaf := range jsonLeaves(doc, "") {
			f.Add(uint8(i), uint8(k), leaf[0], leaf[1])
		}
	}
	f.Fuzz(func(t *testing.T, which, mode uint8, path, value string) {
		i := int(which) % len(sets)
		set, last := sets[i], len(dirs[i])-1
		summary := editJSON(sums[i], path, value)
		if summary == nil {
			return
		}
		// the last run's directory, its summary.json edited, beside the
		// others
		dir := t.TempDir()
		fuzzed := filepath.Join(dir, "fuzzed")
		err := os.CopyFS(fuzzed, os.DirFS(dirs[i][last]))
		if err == nil {
			err = os.WriteFile(filepath.Join(fuzzed, sim.SummaryFile), summary, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		args := append(append([]string{"collect"}, dirs[i][:last]...), fuzzed)
		for _, a := range collectFuzzModes[int(mode)%len(collectFuzzModes)] {
			a = strings.NewReplacer("@", dir, "$OBS", set.observable, "$CROSS", set.cross, "$PROF", cmp.Or(set.profile, set.observable)).Replace(a)
			args = append(args, a)
		}
		var o, e bytes.Buffer
		code := Main(args, &o, &e)
		checkEnding(t, strings.Join(args[len(dirs[i])+1:], " "), code, o.String(), e.String(), true, false, false)
	})
}

// runFuzzModels are the runs FuzzRunTiny varies: a model and its flags,
// each taking one of the fuzzed numbers in turn (#: the next number),
// and the choices its variant byte picks among.
var runFuzzModels = []struct {
	args    []string
	choices [][]string
}{
	{[]string{"--model", "ising2d", "--T", "#", "--J", "#", "--h", "#"}, [][]string{{"--algo", "metropolis"}, {"--algo", "heatbath"}, {"--start", "cold"}}},
	{[]string{"--model", "ising3d", "--beta", "#", "--J", "#", "--h", "#"}, [][]string{{"--algo", "metropolis"}, {"--algo", "heatbath"}, {"--start", "cold"}}},
	{[]string{"--model", "phi4", "--dt", "#", "--m2", "#", "--lambda", "#", "--T", "#", "--gamma", "#", "--h", "#", "--phi0", "#"},
		[][]string{{"--scheme", "em"}, {"--scheme", "lm"}, {"--scheme", "baoab", "--mass", "#"}, {"--scheme", "modelb"}, {"--precision", "float32"}, {"--dim", "1"}, {"--dim", "3"}, {"--start", "cold"}}},
	{[]string{"--model", "particles", "--dt", "#", "--k", "#", "--T", "#", "--gamma", "#"},
		[][]string{{"--scheme", "em"}, {"--scheme", "lm"}, {"--scheme", "baoab", "--mass", "#"}, {"--potential", "doublewell"}, {"--potential", "doublewell", "--scheme", "baoab", "--mass", "#"}, {"--precision", "float32"}, {"--d", "2"}, {"--start", "cold"}}},
	{[]string{"--model", "particles", "--potential", "kuramoto", "--dt", "#", "--k", "#", "--T", "#", "--omega", "#", "--omega-spread", "#"},
		[][]string{{"--scheme", "em"}, {"--scheme", "lm"}, {"--precision", "float32"}, {"--start", "cold"}}},
	{[]string{"--model", "sandpile"}, [][]string{{"--dim", "1"}, {"--dim", "3"}, {"--start", "cold"}, {"--start", "hot"}}},
	{[]string{"--model", "kmp", "--mass0", "#"}, [][]string{{"--dim", "1"}, {"--start", "cold"}}},
	{[]string{"--model", "aggregation", "--mass0", "#", "--injection", "#"}, [][]string{{"--dim", "1"}, {"--start", "cold"}}},
	{[]string{"--model", "transfer", "--mass0", "#", "--fraction", "#"}, [][]string{{"--dim", "1"}, {"--start", "cold"}}},
	{[]string{"--model", "diffusion", "--alpha", "#"}, [][]string{{"--precision", "float32"}, {"--dim", "1"}, {"--start", "hot"}}},
}

// tinySeed is a seed of the tiny runs' fuzz tests: a model of
// runFuzzModels, its variant, the number n and the parameters.
type tinySeed struct {
	model, variant uint8
	n              uint16
	xs             [8]float64
}

// tinySeeds are a seed for each model and variant of runFuzzModels, each
// of which runs (phi4's modelb at dt 0.01, under its stability bound).
func tinySeeds() (seeds []tinySeed) {
	for i, m := range runFuzzModels {
		for v, choice := range m.choices {
			xs := [8]float64{0.05, 0.5, 0.5, 1.5, 1.0, 2.0, 0.1, 0.3}
			if slices.Contains(choice, "modelb") {
				xs[0] = 0.01
			}
			seeds = append(seeds, tinySeed{uint8(i), uint8(v), uint16(1000*v + 37), xs})
		}
	}
	return seeds
}

// runFuzzArgs are quench run's flags for a fuzzed tiny run (FuzzRunTiny's,
// FuzzResumeTiny's): runFuzzModels[model]'s flags and the choice variant
// picks, the numbers xs in place of its #s in turn, and from n the seed,
// the size (2 to 9 sites a side, even where the model needs it, or 1 to
// 16 particles), the thermalization (0 to 7) and the measurements' spacing
// (every 1 to 3 steps); the steps are the caller's.
func runFuzzArgs(model, variant uint8, n uint16, xs ...float64) []string {
	m := runFuzzModels[int(model)%len(runFuzzModels)]
	args := []string{"--seed", strconv.Itoa(int(n))}
	for _, a := range append(slices.Clip(m.args), m.choices[int(variant)%len(m.choices)]...) {
		if a == "#" {
			a, xs = strconv.FormatFloat(xs[0], 'g', -1, 64), xs[1:]
		}
		args = append(args, a)
	}
	switch L, model := 2+int(n)%8, m.args[1]; {
	case model == "particles":
		args = append(args, "--N", strconv.Itoa(1+int(n)%16))
	case slices.Contains([]string{"ising2d", "ising3d", "kmp", "aggregation", "transfer"}, model):
		args = append(args, "--L", strconv.Itoa(L&^1)) // (even extents)
	default:
		args = append(args, "--L", strconv.Itoa(L))
	}
	return append(args, "--therm", strconv.Itoa(int(n>>9)%8), "--every", strconv.Itoa(1+int(n>>12)%3))
}

// mainWithin runs Main(args) and returns its exit code, stdout and
// stderr, failing t if it has not returned within a minute.
func mainWithin(t *testing.T, args []string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- Main(args, &o, &e) }()
	select {
	case code = <-done:
		return code, o.String(), e.String()
	case <-time.After(time.Minute):
		t.Fatalf("%v: still running after a minute", args[1:])
		return 0, "", ""
	}
}

// FuzzRunTiny runs quench run on lattices of 2 to 9 sites a side (or 1
// to 16 particles) for up to 64 steps, every model with its parameters
// set to any numbers (and the variant's scheme, precision, dimension or
// start): each run ends (within a minute) with exit code 0, refuses in one
// line with exit code 2 and no output directory, or fails in one line
// with exit code 1 (a field that diverges), never a panic; where it ends,
// its summary.json is JSON. A refusal or failure as it measures may come
// after the notes of the run it ends (as in TestLangevinRuns). The
// numbers reach the exact values, the notes and the tables of every
// model. Fuzz it with go test -run '^$' -fuzz FuzzRunTiny ./cmd/quench.
func FuzzRunTiny(f *testing.F) {
	for _, s := range tinySeeds() {
		x := s.xs
		f.Add(s.model, s.variant, s.n, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7])
	}
	f.Add(uint8(2), uint8(2), uint16(9), 1e-300, -1.0, 1e300, 5e-324, 1e-10, 1e10, 0.0, -0.0)
	f.Add(uint8(3), uint8(0), uint16(3), 0.7, 1e-20, 1e20, 2.0, 1e-300, 1.0, 0.0, 0.0)
	f.Fuzz(func(t *testing.T, model, variant uint8, n uint16, x0, x1, x2, x3, x4, x5, x6, x7 float64) {
		dir := t.TempDir()
		args := append([]string{"run", "--quiet", "--checkpoint-minutes", "0", "--out", filepath.Join(dir, "run")}, runFuzzArgs(model, variant, n, x0, x1, x2, x3, x4, x5, x6, x7)...)
		args = append(args, "--sweeps", strconv.Itoa(1+int(n>>3)%64))
		code, stdout, stderr := mainWithin(t, args)
		checkEnding(t, strings.Join(args[1:], " "), code, stdout, stderr, true, true, true)
		switch _, err := os.Stat(filepath.Join(dir, "run")); {
		case code == 0:
			var sum map[string]any
			data, err := os.ReadFile(filepath.Join(dir, "run", sim.SummaryFile))
			if err != nil || json.Unmarshal(data, &sum) != nil {
				t.Fatalf("%v: exit 0 without a summary.json that is JSON: %v", args[1:], err)
			}
		case code == 2 && !errors.Is(err, fs.ErrNotExist):
			t.Fatalf("%v: refused (%s) with its output directory left", args[1:], stderr)
		}
	})
}

// FuzzResumeTiny runs FuzzRunTiny's runs for some steps, extends each by
// quench resume --sweeps, and runs the same configuration for the longer
// length at once: where the short run ends, the two long ones end alike
// (the same exit code) and, where they end at 0, with the same
// lattice.npy and series.csv, and quench compare finds them identical.
// Fuzz it with go test -run '^$' -fuzz FuzzResumeTiny ./cmd/quench.
func FuzzResumeTiny(f *testing.F) {
	for _, s := range tinySeeds() {
		x := s.xs
		f.Add(s.model, s.variant, s.n, uint8(3*s.variant+1), x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7])
	}
	f.Fuzz(func(t *testing.T, model, variant uint8, n uint16, more uint8, x0, x1, x2, x3, x4, x5, x6, x7 float64) {
		dir := t.TempDir()
		short, long := 1+int(n>>3)%64, 0
		long = short + 1 + int(more)%64
		args := runFuzzArgs(model, variant, n, x0, x1, x2, x3, x4, x5, x6, x7)
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		run := []string{"run", "--quiet", "--checkpoint-minutes", "0"}
		if code, _, _ := mainWithin(t, append(append(run, "--out", a, "--sweeps", strconv.Itoa(short)), args...)); code != 0 {
			return
		}
		code, _, msg := mainWithin(t, []string{"resume", a, "--quiet", "--checkpoint-minutes", "0", "--sweeps", strconv.Itoa(long)})
		codeB, _, msgB := mainWithin(t, append(append(run, "--out", b, "--sweeps", strconv.Itoa(long)), args...))
		if code != codeB {
			t.Fatalf("%v for %d then %d steps: resumed exit %d (%q), at once exit %d (%q)", args, short, long, code, msg, codeB, msgB)
		}
		if code != 0 {
			return
		}
		for _, name := range []string{sim.LatticeFile, sim.SeriesFile} {
			x, err1 := os.ReadFile(filepath.Join(a, name))
			y, err2 := os.ReadFile(filepath.Join(b, name))
			if err := errors.Join(err1, err2); err != nil || !bytes.Equal(x, y) {
				t.Fatalf("%v for %d then %d steps: %s differs from the run's at once (%v)", args, short, long, name, err)
			}
		}
		if code, out, msg := mainWithin(t, []string{"compare", a, b}); code != 0 {
			t.Fatalf("%v for %d then %d steps: quench compare exit %d: %s%s", args, short, long, code, out, msg)
		}
	})
}

// FuzzVerifyTiny runs quench verify, the CPU backend against the GPU
// backend, on FuzzRunTiny's runs: each ends identical (exit 0), or is
// refused in one line (exit 2), never a difference between the backends
// (exit 1): the CUDA kernels and the host's constants for them give the
// CPU's bits at any parameters, not only at the tests' own. It needs a GPU
// backend: a cuda build on a GPU, or on the emulated driver (seeds:
// scripts/emu-gpu.sh; fuzzing: LD_LIBRARY_PATH=$PWD/build/emu-gpu
// QUENCH_REQUIRE_GPU=1 go test -tags cuda -run '^$' -fuzz FuzzVerifyTiny
// ./cmd/quench after emu-gpu.sh has built the driver). Elsewhere it is
// skipped.
func FuzzVerifyTiny(f *testing.F) {
	g, err := gpu.New(0)
	if err != nil {
		if os.Getenv("QUENCH_REQUIRE_GPU") == "1" {
			f.Fatalf("QUENCH_REQUIRE_GPU=1 but no GPU backend: %v", err)
		}
		f.Skipf("no GPU backend: %v", err)
	}
	g.Close()
	for _, s := range tinySeeds() {
		x := s.xs
		f.Add(s.model, s.variant, s.n, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7])
	}
	f.Fuzz(func(t *testing.T, model, variant uint8, n uint16, x0, x1, x2, x3, x4, x5, x6, x7 float64) {
		args := append([]string{"verify"}, runFuzzArgs(model, variant, n, x0, x1, x2, x3, x4, x5, x6, x7)...)
		args = append(args, "--sweeps", strconv.Itoa(1+int(n>>3)%64))
		code, stdout, stderr := mainWithin(t, args)
		if code == 0 && !strings.Contains(stdout, "identical") || code == 1 {
			t.Fatalf("%v: exit %d: %s%s", args[1:], code, stdout, stderr)
		}
		checkEnding(t, strings.Join(args[1:], " "), code, stdout, stderr, true, false, true)
	})
}
