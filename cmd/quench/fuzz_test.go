package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
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
	"github.com/quenchlab/quench/sim"
)

// oneLineRefusal fails t unless err is a UsageError that says something
// on its line: what Main prints as "quench: ..." (oneLine) with exit
// code 2.
func oneLineRefusal(t *testing.T, what string, err error) {
	t.Helper()
	if !quench.IsUsage(err) {
		t.Fatalf("%s: refused with %T, not a UsageError (exit 1, not 2): %v", what, err, err)
	}
	if oneLine(err.Error()) == "" {
		t.Fatalf("%s: refusal says nothing: %q", what, err.Error())
	}
}

// FuzzRunConfig reads quench run's --config files of any content up to
// the configuration a run would start from (the flags, the file, the
// checks of buildConfig and of --checkpoint-minutes; nothing is run): each
// is taken or refused in one line with exit code 2, never a panic. Fuzz
// it with go test -run '^$' -fuzz FuzzRunConfig ./cmd/quench.
func FuzzRunConfig(f *testing.F) {
	for _, file := range []string{
		"model = \"ising2d\"\nL = 16\nT = 2.5\nsweeps = 100\n",
		"model = \"phi4\"\ndim = 2\nL = 8\nscheme = \"baoab\"\ndt = 0.05\nm2 = -1\nlambda = 1\nT = 2\nsteps = 100\n",
		"model = \"particles\"\npotential = \"kuramoto\"\nN = 100\nk = 4\nscheme = \"lm\"\nsteps = 50\nomega-spread = 0.5\n",
		"model = \"sandpile\"\nL = 16\ngrains = 1000\ntherm-grains = 100\nstart = \"stationary\"\n",
		"model = \"kmp\"\nshape = \"32x16\"\nsteps = 100\nprofile-every = 10\ncheckpoint-minutes = 0.5\n",
		"model = \"diffusion\"\nL = 32\nalpha = 0.2\nprecision = \"float32\"\nstart = \"cold\"\n",
		"model = \"ising3d\"\nL = 8\nbeta = 0.22\nalgo = \"heatbath\"\nh = 0.1\nJ = -1\nseed = 18446744073709551615\n",
		"[table]\nx = 1\n", "L = [1, 2]\n", "T = nan\n", "sweeps = 1e3\n",
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
		fromFile, unused, err := applyConfigFile(fl, rf.config)
		if err != nil {
			oneLineRefusal(t, "config file", err)
			return
		}
		rf.fromFile, rf.unused = fromFile, unused
		if _, err := buildConfig(fl, &rf); err != nil {
			oneLineRefusal(t, "configuration", err)
			return
		}
		if _, err := checkpointAfter(rf.checkpointMinutes, rf.given("checkpoint-minutes")); err != nil {
			oneLineRefusal(t, "checkpoint-minutes", err)
		}
	})
}

// collectFuzzModes are the collect commands FuzzCollect tries on each
// summary (a fuzzed byte picks one): @ stands for the test's directory,
// $OBS for an observable of the model's and $PROF for a profile.
var collectFuzzModes = [][]string{
	{},
	{"--csv", "@/c.csv"},
	{"--average-seeds", "--csv", "@/c.csv"},
	{"--observables", "$OBS/L,$OBS"},
	{"--plot", "@/p.svg", "--log", "xy"},
	{"--profile", "$PROF", "--csv", "@/c.csv"},
	{"--profile", "$PROF", "--plot", "@/p.svg", "--log", "y"},
	{"--series", "$OBS", "--average-seeds", "--csv", "@/c.csv"},
	{"--crossings", "$OBS"},
}

// collectFuzzRun is a model's short run for FuzzCollect, twice: args with
// each of two values of a numeric setting (and seed), and one of its
// observables and profiles.
type collectFuzzRun struct {
	args       []string
	vary       string
	values     [2]string
	observable string
	profile    string
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
// any JSON (editJSON), or of any content, beside an unchanged run's of
// the same model (each model's, from short runs at two values of a
// setting), and one of collectFuzzModes' flags: it prints its table or
// refuses in one line with exit code 2, never a panic. Fuzz it with
// go test -run '^$' -fuzz FuzzCollect ./cmd/quench.
func FuzzCollect(f *testing.F) {
	base := f.TempDir()
	models := []collectFuzzRun{
		{[]string{"--L", "4", "--sweeps", "40", "--therm", "5"}, "--T", [2]string{"2.5", "2.7"}, "energy", "height_distribution"},
		{[]string{"--model", "phi4", "--dim", "1", "--L", "6", "--steps", "40", "--therm", "5", "--dt", "0.05"}, "--m2", [2]string{"1", "0.5"}, "phi2", ""},
		{[]string{"--model", "particles", "--N", "5", "--steps", "40", "--therm", "5", "--dt", "0.05"}, "--k", [2]string{"1", "2"}, "x_var", ""},
		{[]string{"--model", "sandpile", "--grains", "60", "--therm-grains", "20"}, "--L", [2]string{"5", "6"}, "mean_height", "avalanche_size"},
		{[]string{"--model", "kmp", "--L", "8", "--dim", "1", "--steps", "40", "--therm", "5"}, "--mass0", [2]string{"1", "2"}, "mass_var", "mass_distribution"},
		{[]string{"--model", "diffusion", "--L", "8", "--steps", "20", "--start", "hot"}, "--alpha", [2]string{"0.1", "0.2"}, "u_var", ""},
	}
	var sums [][]byte
	dirOf := func(i, v int) string { return filepath.Join(base, fmt.Sprintf("%d-%d", i, v)) }
	for i, m := range models {
		for v, value := range m.values {
			var stderr bytes.Buffer
			args := append([]string{"run", "--quiet", "--seed", strconv.Itoa(3 + v), "--out", dirOf(i, v), m.vary, value}, m.args...)
			if code := Main(args, &bytes.Buffer{}, &stderr); code != 0 {
				f.Fatalf("seed run %v: exit %d: %s", args, code, stderr.String())
			}
		}
		sum, err := os.ReadFile(filepath.Join(dirOf(i, 1), sim.SummaryFile))
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
		i := int(which) % len(models)
		m := models[i]
		summary := editJSON(sums[i], path, value)
		if summary == nil {
			return
		}
		dir := t.TempDir()
		fuzzed := filepath.Join(dir, "fuzzed")
		err := os.CopyFS(fuzzed, os.DirFS(dirOf(i, 1)))
		if err == nil {
			err = os.WriteFile(filepath.Join(fuzzed, sim.SummaryFile), summary, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		args := []string{"collect", dirOf(i, 0), fuzzed}
		for _, a := range collectFuzzModes[int(mode)%len(collectFuzzModes)] {
			a = strings.NewReplacer("@", dir, "$OBS", m.observable, "$PROF", cmp.Or(m.profile, m.observable)).Replace(a)
			args = append(args, a)
		}
		var o, e bytes.Buffer
		switch code := Main(args, &o, &e); {
		case code == 2:
			if msg := e.String(); !strings.HasPrefix(msg, "quench: ") || strings.Count(msg, "\n") != 1 {
				t.Fatalf("%v: exit 2 with %q, not one line", args[3:], msg)
			}
		case code != 0:
			t.Fatalf("%v: exit %d: %s", args[3:], code, e.String())
		}
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

// FuzzRunTiny runs quench run on lattices of 2 to 9 sites a side (or 1
// to 16 particles) for up to 64 steps, every model with its parameters
// set to any numbers (and the variant's scheme, precision, dimension or
// start): each run ends (within a minute) with exit code 0, refuses in one
// line with exit code 2 and no output directory, or fails in one line
// with exit code 1 (a field that diverges), never a panic; where it ends,
// its summary.json is JSON. A refusal or failure as it measures may come
// after the notes of the run it ends (as in TestLangevinRuns). The numbers reach the exact values, the notes and the tables of
// every model. Fuzz it with go test -run '^$' -fuzz FuzzRunTiny
// ./cmd/quench.
func FuzzRunTiny(f *testing.F) {
	for i, m := range runFuzzModels {
		for v := range m.choices {
			f.Add(uint8(i), uint8(v), uint16(40+v), 0.05, 1.0, 0.5, 1.5, 1.0, 2.0, 0.1, 0.3)
		}
	}
	f.Add(uint8(2), uint8(2), uint16(9), 1e-300, -1.0, 1e300, 5e-324, 1e-10, 1e10, 0.0, -0.0)
	f.Add(uint8(3), uint8(0), uint16(3), 0.7, 1e-20, 1e20, 2.0, 1e-300, 1.0, 0.0, 0.0)
	f.Fuzz(func(t *testing.T, model, variant uint8, n uint16, x0, x1, x2, x3, x4, x5, x6, x7 float64) {
		m := runFuzzModels[int(model)%len(runFuzzModels)]
		xs := []float64{x0, x1, x2, x3, x4, x5, x6, x7}
		dir := t.TempDir()
		args := []string{"run", "--quiet", "--checkpoint-minutes", "0", "--out", filepath.Join(dir, "run"), "--seed", strconv.Itoa(int(n))}
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
		args = append(args, "--sweeps", strconv.Itoa(1+int(n>>3)%64), "--therm", strconv.Itoa(int(n>>9)%8))
		var o, e bytes.Buffer
		done := make(chan int, 1)
		go func() { done <- Main(args, &o, &e) }()
		var code int
		select {
		case code = <-done:
		case <-time.After(time.Minute):
			t.Fatalf("%v: still running after a minute", args[1:])
		}
		msg := e.String()
		switch code {
		case 0:
			var sum map[string]any
			data, err := os.ReadFile(filepath.Join(dir, "run", sim.SummaryFile))
			if err != nil || json.Unmarshal(data, &sum) != nil {
				t.Fatalf("%v: exit 0 without a summary.json that is JSON: %v", args[1:], err)
			}
		case 1, 2:
			// one line, after the notes of a run that had started (a run
			// that fails as it measures)
			lines := strings.Split(strings.TrimSuffix(msg, "\n"), "\n")
			last := lines[len(lines)-1]
			for _, l := range lines[:len(lines)-1] {
				if !strings.HasPrefix(l, "quench: note: ") {
					t.Fatalf("%v: exit %d with %q, not one line after notes", args[1:], code, msg)
				}
			}
			if !strings.HasSuffix(msg, "\n") || !strings.HasPrefix(last, "quench: ") || strings.HasPrefix(last, "quench: note: ") {
				t.Fatalf("%v: exit %d with %q, not one line after notes", args[1:], code, msg)
			}
			if _, err := os.Stat(filepath.Join(dir, "run")); code == 2 && err == nil {
				t.Fatalf("%v: refused (%s) with its output directory left", args[1:], last)
			}
		default:
			t.Fatalf("%v: exit %d: %s", args[1:], code, msg)
		}
	})
}
