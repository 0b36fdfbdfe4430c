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
