package main

import (
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/cpu"
	"github.com/quenchlab/quench/gpu"
	"github.com/quenchlab/quench/sim"
	"github.com/quenchlab/quench/stats"
)

func runQ(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Main(args, &o, &e)
	return code, o.String(), e.String()
}

// A value echoed back in an error is shortened past 16400 characters, more
// than a path can have quoted: a --model of 100000 printed a line of 100 KB.
// Shorter ones stay whole, and so do the spaces within a line (a quoted
// directory with two in a row, in a printed command).
func TestLongValueShortened(t *testing.T) {
	long := strings.Repeat("a", 100000)
	code, _, stderr := runQ(t, "run", "--model", long)
	if code != 2 || len(stderr) > 400 || strings.Count(stderr, "\n") != 1 ||
		!strings.Contains(stderr, `quench: unknown --model "`+strings.Repeat("a", 99)+`...(100003 characters)...`+strings.Repeat("a", 18)+`": allowed are ising2d`) {
		t.Errorf("exit %d, %d bytes: %.300q", code, len(stderr), stderr)
	}
	mid := strings.Repeat("b", 4000)
	if code, _, stderr := runQ(t, "run", "--model", mid); code != 2 || !strings.Contains(stderr, `"`+mid+`"`) {
		t.Errorf("4000 characters: exit %d %.300q", code, stderr)
	}
	spaced := filepath.Join(t.TempDir(), "a  b")
	if code, _, stderr := runQ(t, "run", "--L", "4", "--sweeps", "2", "--out", spaced, "--quiet"); code != 0 {
		t.Fatalf("run into %q: exit %d %q", spaced, code, stderr)
	}
	if code, _, stderr := runQ(t, "run", "--L", "4", "--sweeps", "2", "--out", spaced, "--quiet"); code != 2 || !strings.Contains(stderr, "quench resume '"+spaced+"'`") {
		t.Errorf("a directory with two spaces: exit %d %q", code, stderr)
	}
	if got, want := oneLine("a  b\n   c\r\n\n d \v e\u2028f\tg"), "a  b c d e f g"; got != want {
		t.Errorf("oneLine: %q, want %q", got, want)
	}
}

// TestDecimalCounts: integer flags read a leading zero as decimal, as
// --seed and --shape do (pflag's IntVar read --L 010 as octal 8).
func TestDecimalCounts(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r")
	code, stdout, stderr := runQ(t, "run", "--model", "sandpile", "--L", "010", "--grains", "012", "--out", out, "--quiet")
	if code != 0 || !strings.Contains(stdout, "quench sandpile 10x10") || !strings.Contains(stdout, "12 grains") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	// resume's --grains and --steps too
	if code, _, stderr := runQ(t, "resume", out, "--grains", "0x20"); code != 2 || !strings.Contains(stderr, "--grains 0x20 is not allowed: a whole number") {
		t.Errorf("resume --grains 0x20: exit %d %q", code, stderr)
	}
	if code, stdout, stderr := runQ(t, "resume", out, "--grains", "020", "--quiet"); code != 0 || !strings.Contains(stdout, "20 grains") {
		t.Errorf("resume --grains 020: exit %d %s%s", code, stdout, stderr)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	unknownKey := filepath.Join(dir, "unknown.toml")
	os.WriteFile(unknownKey, []byte("L = 8\ncolour = \"red\"\n"), 0o644)
	badToml := filepath.Join(dir, "bad.toml")
	os.WriteFile(badToml, []byte("L = = 8\n"), 0o644)
	utf16 := filepath.Join(dir, "utf16.toml") // the mark alone read as an empty file
	os.WriteFile(utf16, []byte{0xFF, 0xFE}, 0o644)
	helpKey := filepath.Join(dir, "help.toml")
	os.WriteFile(helpKey, []byte("help = true\n"), 0o644)
	unquoted := filepath.Join(dir, "unquoted.toml")
	os.WriteFile(unquoted, []byte("model = sandpile\n"), 0o644)
	coldT := filepath.Join(dir, "cold.toml")
	os.WriteFile(coldT, []byte("T = -1.0\nsweeps = 5\n"), 0o644)
	badDevice := filepath.Join(dir, "device.toml")
	os.WriteFile(badDevice, []byte("backend = \"auto\"\ndevice = -1\n"), 0o644)
	tinyT := filepath.Join(dir, "tiny.toml")
	os.WriteFile(tinyT, []byte("T = 1e-400 # rounds to 0\n"), 0o644)
	tpu := filepath.Join(dir, "tpu.toml")
	os.WriteFile(tpu, []byte("backend = \"tpu\"\n"), 0o644)
	noGrains := filepath.Join(dir, "nograins.toml")
	os.WriteFile(noGrains, []byte("model = \"sandpile\"\ngrains = 0\n"), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--L", "1"}, "--L 1 is too small"},
		{[]string{"--J", "inf"}, "--J +Inf is not allowed"},
		{[]string{"--J", "nan"}, "--J NaN is not allowed"},
		{[]string{"--J", "1e-310"}, "--J 1e-310 is too small for the default temperature"},
		{[]string{"--J", "1e-310", "--L", "3"}, "extent 3 (axis 0) of lattice 3x3 is odd"},
		{[]string{"--h", "1e308"}, "--h 1e+308 is not allowed: the field must be finite, at most 1e+100 in size"},
		{[]string{"--J", "-1e101"}, "--J -1e+101 is not allowed"},
		{[]string{"--shape", "0x4"}, `bad shape "0x4": extent 0 is too small: every extent must be at least 2`},
		{[]string{"--model", "kmp", "--shape", "-4"}, `bad shape "-4": extent -4 is too small`},
		{[]string{"--L", "7"}, "extent 7 (axis 0) of lattice 7x7 is odd"},
		{[]string{"--shape", "64x63"}, "extent 63 (axis 1) of lattice 64x63 is odd"},
		{[]string{"--shape", "4xx4"}, `bad shape "4xx4": an extent is missing (extents are integers joined by x, like 512x256)`},
		{[]string{"--seed", " 5"}, `--seed " 5" is not allowed: a decimal integer`},
		{[]string{"--out", "/proc/quench-test"}, "cannot create files in /proc, where the outputs of /proc/quench-test go ("},
		{[]string{"--shape", "99999999999999999999x2"}, `bad shape "99999999999999999999x2": extent 99999999999999999999 is too large: a lattice has at most 2^49 sites`},
		{[]string{"--shape", "-99999999999999999999x2"}, `extent -99999999999999999999 is too small: every extent must be at least 2`},
		{[]string{"--shape", "64x64x64"}, "needs 2 extents"},
		{[]string{"--T", "0"}, "--T 0 is not allowed"},
		// every Metropolis flip accepted: the lattice only alternates
		{[]string{"--J", "0"}, "--algo metropolis at J=0, h=0, T=2.269185314213022 accepts every flip"},
		{[]string{"--model", "ising3d", "--T", "1e90"}, "accepts every flip"},
		// scales whose squares or divisions by T leave float64's range
		{[]string{"--model", "ising3d", "--T", "1e300"}, "--T 1e+300 is too high for these couplings: T/max(|J|, |h|) = 1e+300 is above 1e+100"},
		{[]string{"--J", "0", "--T", "1e200", "--algo", "heatbath"}, "--T 1e+200 is outside the temperatures quench takes at J = h = 0, at most 1e+100"},
		{[]string{"--beta", "1e300"}, "--beta 1e+300 (T = 1e-300) is outside the temperatures quench takes, at least 1e-100"},
		{[]string{"--J", "1e-300"}, "--J 1e-300 and --h 0 are too small: the larger must be at least 1e-100 in size (or both 0)"},
		{[]string{"--J", "0", "--h", "-1e-160"}, "--J 0 and --h -1e-160 are too small"},
		{[]string{"--model", "phi4", "--T", "1e-300"}, "--T 1e-300 is outside the temperatures quench takes, at least 1e-100"},
		{[]string{"--model", "particles", "--T", "1e-300"}, "use --T 0"},
		// the settings behind a dt refusal are named (the --dt is the default)
		{[]string{"--model", "phi4", "--h", "1e10"}, "--dt 0.01 is unstable for scheme em at m2 -1, lambda 1, h 1e+10, gamma 1: the stiffest mode needs dt <"},
		// 2x2 Metropolis at h = 0: three closed classes of states
		{[]string{"--shape", "2x2", "--T", "1.7"}, "--algo metropolis on the 2x2 lattice at h=0 is not ergodic: 4 of its 16 states have every site in zero field"},
		{[]string{"--shape", "2x6"}, "--algo metropolis on the 2x6 lattice at h=0 is not ergodic: 4 of its 4096 states have every site in zero field"},
		{[]string{"--shape", "2x2", "--J", "-1", "--T", "100"}, "--algo metropolis on the 2x2 lattice at h=0 is not ergodic"},
		// a field too weak to change a flip's probability: the same classes
		{[]string{"--shape", "2x2", "--h", "1e-17", "--T", "1.7"}, "--algo metropolis on the 2x2 lattice at h=1e-17 is not ergodic"},
		{[]string{"--shape", "2x2", "--h", "1e-6", "--T", "1.7", "--sweeps", "100000"}, "--algo metropolis on the 2x2 lattice at h=1e-06 mixes too slowly for --sweeps 100000"},
		{[]string{"--T", "-1.5"}, "--T -1.5 is not allowed"},
		{[]string{"--beta", "-1"}, "--beta -1 is not allowed"},
		{[]string{"--T", "2", "--beta", "0.5"}, "both --T 2 and --beta 0.5 given"},
		{[]string{"--model", "potts"}, `unknown --model "potts": allowed are ising2d, ising3d`},
		{[]string{"--algo", "wolff"}, `unknown --algo "wolff": allowed are metropolis, heatbath`},
		{[]string{"--backend", "tpu"}, `unknown --backend "tpu": allowed are cpu, cuda, auto`},
		{[]string{"--sweeps", "0"}, "--sweeps 0 is not allowed"},
		{[]string{"--sweeps", "10", "--every", "20"}, "--every 20 is larger than --sweeps 10"},
		{[]string{"--every", "0"}, "--every 0 is not allowed"},
		{[]string{"--therm", "-1"}, "--therm -1 is not allowed"},
		{[]string{"--checkpoint-every", "-5"}, "--checkpoint-every -5 is not allowed"},
		{[]string{"--model", "sandpile", "--checkpoint-every", "-1"}, "--checkpoint-every -1 is not allowed: use 0 (only at the end) or a positive number of grains"},
		{[]string{"--out", ""}, `--out "" is not allowed: give a directory, or no --out for runs/<model>-<shape>-<time>`},
		{[]string{"--L", "16", "--shape", ""}, `--shape "" is not allowed: give the extents, like 512x256 (or 512 for every axis), or no --shape for --L`},
		{[]string{"--model", "phi4", "--shape", " "}, `--shape " " is not allowed`},
		{[]string{"--start", "warm"}, `unknown --start "warm": allowed are hot, cold, stationary (sandpile)`},
		{[]string{"--model", "phi4", "--start", "stationary"}, `--start stationary is for --model sandpile; allowed for phi4 are hot, cold`},
		{[]string{"--start", "stationary"}, "--start stationary is for --model sandpile; allowed for ising2d are hot, cold"},
		{[]string{"--L", "1000000"}, "does not fit in memory: it needs"},
		{[]string{"--model", "ising3d", "--L", "20000"}, "does not fit in memory"},
		{[]string{"--L", "100000000"}, "too many sites"},
		{[]string{"--L", "abc"}, `--L abc is not allowed: a whole number (digits only`},
		{[]string{"--sweeps", "1e5"}, `--sweeps 1e5 is not allowed: a whole number (digits only, e.g. 100000)`},
		// ParseInt takes a sign; digits only (as --seed) does not
		{[]string{"--L", "+16"}, `--L +16 is not allowed: a whole number (digits only, e.g. 100000)`},
		{[]string{"--backend", "cpu", "--device", "-1"}, "--device -1 is not allowed: GPU indices start at 0"},
		{[]string{"--T", "warm"}, `--T warm is not allowed: a number (e.g. 2.269 or 1e-3)`},
		{[]string{"--T", "1e-400"}, `--T 1e-400 is not allowed: too small: it rounds to 0 in float64, whose smallest positive number is 5e-324`},
		{[]string{"--model", "diffusion", "--alpha", "-0.00e-999"}, `--alpha -0 is not allowed: the explicit scheme`}, // a zero as typed is not "too small"
		{[]string{"--T", "0x10"}, `--T 0x10 is not allowed: a number (e.g. 2.269 or 1e-3)`},
		// strconv.ParseFloat itself reads a hex float with a p exponent (16)
		{[]string{"--T", "0x1p4"}, `--T 0x1p4 is not allowed: a number (e.g. 2.269 or 1e-3)`},
		{[]string{"--T", "-0X1P4"}, `--T -0X1P4 is not allowed: a number (e.g. 2.269 or 1e-3)`},
		{[]string{"--J", "2_269"}, `--J 2_269 is not allowed: a number (e.g. 2.269 or 1e-3)`},
		{[]string{"--quiet=maybe"}, `--quiet maybe is not allowed: true or false`},
		{[]string{"--L", "99999999999999999999"}, fmt.Sprintf(`--L 99999999999999999999 is not allowed: above the largest whole number it holds, %d`, math.MaxInt)},
		{[]string{"--sweeps", "99999999999999999999"}, `--sweeps 99999999999999999999 is not allowed: above the largest whole number it holds, 9223372036854775807`},
		{[]string{"--sweeps", "-99999999999999999999"}, `--sweeps -99999999999999999999 is not allowed: below the smallest whole number it holds, -9223372036854775808`},
		{[]string{"--T", "1e999"}, `--T 1e999 is not allowed: beyond the largest number it holds, 1.7976931348623157e+308`},
		{[]string{"--model", "particles", "--potential", "kuramoto", "--omega-spread", "-1"}, `--omega 0 and --omega-spread -1 are not allowed: both finite, the spread >= 0`},
		// an int flag takes the platform's int: past 2^31 on 64 bits
		{[]string{"--L", strconv.FormatInt(min(math.MaxInt, 1<<32), 10)}, map[bool]string{true: "lattice 4294967296x4294967296 has too many sites", false: "above the largest whole number it holds, 2147483647"}[strconv.IntSize == 64]},
		{[]string{"--frobnicate"}, "unknown flag: --frobnicate"},
		{[]string{"--config", filepath.Join(dir, "missing.toml")}, "missing.toml"},
		{[]string{"--config", unknownKey}, `unknown key "colour"`},
		{[]string{"--config", helpKey}, `unknown key "help"`},
		{[]string{"--config", badToml}, "bad.toml"},
		{[]string{"--config", utf16}, "utf16.toml starts with a UTF-16 byte-order mark: TOML files are UTF-8"},
		{[]string{"--config", unquoted}, `unquoted.toml: line 1 (last key "model"): expected value but found "sandpile" instead (text values need quotes: model = "sandpile")`},
		// a value from the file is named with it; given on the command line it is not
		{[]string{"--config", coldT}, "--T -1 is not allowed: the temperature must be a positive finite number (set in the config file " + coldT + ")"},
		{[]string{"--config", coldT, "--T", "-2"}, "--T -2 is not allowed: the temperature must be a positive finite number\n"},
		{[]string{"--config", noGrains}, "--grains 0 is not allowed: at least 1 measured grain is needed (set in the config file " + noGrains + ")"},
		{[]string{"--config", badDevice}, "--device -1 (set in the config file " + badDevice + ") is not allowed: GPU indices start at 0"},
		{[]string{"--config", tinyT}, "--T 1e-400 is not allowed: too small: it rounds to 0 in float64, whose smallest positive number is 5e-324 (set in the config file " + tinyT + ")"},
		{[]string{"--config", tpu}, `unknown --backend "tpu": allowed are cpu, cuda, auto (set in the config file ` + tpu + ")"},
	}
	if !gpu.Available {
		cuda := filepath.Join(dir, "cuda.toml")
		os.WriteFile(cuda, []byte("backend = \"cuda\"\n"), 0o644)
		cases = append(cases, []struct {
			args []string
			want string
		}{
			{[]string{"--backend", "cuda"}, "--backend cuda: this quench was built without CUDA support"},
			{[]string{"--config", cuda}, "--backend cuda (set in the config file " + cuda + "): this quench was built without CUDA support"},
		}...)
	}
	for i, c := range cases {
		out := filepath.Join(dir, "out", string(rune('a'+i)))
		args := append([]string{"run", "--out", out, "--quiet"}, c.args...)
		code, stdout, stderr := runQ(t, args...)
		if code != 2 {
			t.Errorf("unexpected exit code for %v: got %d want 2 (stderr %q)", c.args, code, stderr)
		}
		if !strings.Contains(stderr, c.want) {
			t.Errorf("unexpected message for %v: got %q want it to contain %q", c.args, stderr, c.want)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "quench: ") {
			t.Errorf("message for %v is not one line: %q", c.args, stderr)
		}
		if stdout != "" {
			t.Errorf("unexpected stdout for %v: %q", c.args, stdout)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("bad input %v created the output directory", c.args)
		}
	}
	// memory refusals name the bytes needed and available
	_, _, stderr := runQ(t, "run", "--out", filepath.Join(dir, "m"), "--L", "1000000")
	if !regexp.MustCompile(`needs .* \(\d+ bytes\) of host memory, .* \(\d+ bytes\) are available`).MatchString(stderr) {
		t.Errorf("memory refusal does not name the bytes: %q", stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"resume", filepath.Join(dir, "nothing")}, "no run directory \"" + filepath.Join(dir, "nothing") + "\": it does not exist (give the output directory of a run)"},
		{[]string{"resume", dir}, "no checkpoint in " + dir + ": expected the file"},
		{[]string{"resume", badToml}, badToml + " is not a directory: give the output directory of a run"},
		{[]string{"resume"}, "resume takes one run directory, got 0 arguments: quench resume DIR [--sweeps N]"},
		{[]string{"resume", "a", "b"}, "resume takes one run directory, got 2 arguments"},
		{[]string{"bogus"}, `unknown command "bogus": the commands are bench, collect, compare, resume, run, verify, version`},
		{[]string{"rn"}, `unknown command "rn": the commands are bench, collect, compare, resume, run, verify, version (did you mean run?)`},
		{[]string{"run", "extra"}, `quench run takes no arguments, got "extra": its settings are flags (--name value; see quench run --help)`},
		{[]string{"version", "extra"}, `quench version takes no arguments, got "extra"` + "\n"}, // (no settings to point to)
		{[]string{"bench", "--sweeps", "0"}, "--sweeps 0 is not allowed"},
		// one dash: cobra's help, which would print it and run nothing
		{[]string{"run", "--L", "8", "-h", "0.5"}, "quench: -h 0.5: -h asks for help; the field is --h, with two dashes: --h 0.5\n"},
		{[]string{"verify", "-h=-2"}, "quench: -h -2: -h asks for help; the field is --h, with two dashes: --h -2\n"},
	} {
		code, _, stderr := runQ(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("unexpected result for %v: exit %d, %q (want 2 and %q)", c.args, code, stderr, c.want)
		}
	}
}

func TestDefaults(t *testing.T) {
	cmd := newRunCmd(nil, nil)
	cmd.Flags().Parse(nil)
	var f runFlags
	f.model, f.L, f.J, f.algo, f.sweeps, f.therm, f.every, f.seed, f.start = "ising2d", 256, 1, "metropolis", 10000, 1000, 1, 1, "hot"
	c, err := buildConfig(pflag.NewFlagSet("x", pflag.ContinueOnError), &f)
	if err != nil {
		t.Fatal(err)
	}
	if c.Model != "ising2d" || c.Lattice().String() != "256x256" || c.T != quench.Tc2D || c.Beta != quench.Kc2D {
		t.Errorf("unexpected default config: %+v", c)
	}
	for _, name := range []string{"model", "L", "T", "beta", "J", "h", "algo", "sweeps", "therm", "every", "seed",
		"backend", "out", "checkpoint-every", "start", "shape", "config"} {
		if cmd.Flags().Lookup(name) == nil {
			t.Errorf("quench run has no --%s flag", name)
		}
	}
	if d := cmd.Flags().Lookup("L").DefValue; d != "256" {
		t.Errorf("default --L is %s, want 256", d)
	}
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

func TestConfigFileAndOverride(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "run.toml")
	os.WriteFile(cfg, []byte("model = \"ising3d\"\nL = 6\nsweeps = 40\ntherm = 4\nalgo = \"heatbath\"\nbeta = 0.3\nseed = 12\n"), 0o644)
	out := filepath.Join(dir, "out")
	code, _, stderr := runQ(t, "run", "--config", cfg, "--sweeps", "50", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	st, err := sim.ReadCheckpoint(out)
	if err != nil {
		t.Fatal(err)
	}
	c := st.Config
	if c.Model != "ising3d" || c.Lattice().String() != "6x6x6" || c.Sweeps != 50 || c.Therm != 4 || c.Algo != "heatbath" || c.Beta != 0.3 || c.Seed != 12 {
		t.Errorf("config file not applied (or flag not overriding): %+v", c)
	}
	// --T on the command line replaces the file's beta instead of clashing
	out2 := filepath.Join(dir, "out2")
	if code, _, stderr := runQ(t, "run", "--config", cfg, "--T", "4", "--out", out2); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if st, _ := sim.ReadCheckpoint(out2); st == nil || st.Config.T != 4 {
		t.Errorf("--T did not override the config file's beta")
	}
	// --L on the command line beats the file's shape (and --shape its L)
	shaped := filepath.Join(dir, "shaped.toml")
	os.WriteFile(shaped, []byte("shape = \"4x4\"\nL = 6\nsweeps = 20\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{{[]string{"--L", "8"}, "8x8"}, {[]string{"--shape", "6x10"}, "6x10"}, {nil, "4x4"}} {
		o := filepath.Join(t.TempDir(), "o")
		if code, _, stderr := runQ(t, append([]string{"run", "--config", shaped, "--quiet", "--out", o}, c.args...)...); code != 0 {
			t.Fatalf("%v: exit %d %s", c.args, code, stderr)
		}
		if st, _ := sim.ReadCheckpoint(o); st == nil || st.Config.Lattice().String() != c.want {
			t.Errorf("config shape 4x4, L 6 with %v: want %s", c.args, c.want)
		}
	}
	// kuramoto's refusals of a file's keys name the file
	kur := filepath.Join(dir, "kur.toml")
	for _, c := range []struct{ key, want string }{
		{"gamma = 2.0", "--gamma 2 (set in the config file " + kur + ") does not apply to --potential kuramoto"},
		{"d = 3", "--d 3 (set in the config file " + kur + ") does not apply to --potential kuramoto"},
		{`scheme = "baoab"`, "--scheme baoab (set in the config file " + kur + ") does not apply to --potential kuramoto"},
	} {
		os.WriteFile(kur, []byte("model = \"particles\"\npotential = \"kuramoto\"\nN = 10\nsteps = 2\n"+c.key+"\n"), 0o644)
		code, _, stderr := runQ(t, "run", "--config", kur, "--out", filepath.Join(dir, "kur"))
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d %q, want 2 and %q", c.key, code, stderr, c.want)
		}
	}
	// a file's key that the command line makes inapplicable is refused,
	// naming the file
	bao := filepath.Join(dir, "baoab.toml")
	os.WriteFile(bao, []byte("model = \"particles\"\nscheme = \"baoab\"\nmass = 2.0\nN = 10\nsteps = 5\ndevice = 1\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--scheme", "em", "--backend", "auto"}, "--mass (set in the config file " + bao + ") does not apply to --scheme em"},
		{[]string{"--backend", "cpu"}, "--device 1 (set in the config file " + bao + ") does not apply to --backend cpu"},
	} {
		code, _, stderr := runQ(t, append([]string{"run", "--config", bao, "--out", filepath.Join(dir, "bao")}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d %q, want 2 and %q", c.args, code, stderr, c.want)
		}
	}
	// values of the wrong TOML type, checked even where the command line
	// overrides them, and two keys of one setting
	bad := filepath.Join(dir, "bad.toml")
	for _, c := range []struct{ file, want string }{
		{`sweeps = "100"`, `"sweeps" must be an integer, not the string "100"`},
		{`T = "2.5"`, `"T" must be a number, not the string "2.5"`},
		{`L = 8.0`, `"L" must be an integer, not the float 8.0`},
		{`seed = 1e3`, `"seed" must be an integer, not the float 1000.0`},
		{`shape = [8, 8]`, `"shape" must be a string (in quotes), not an array`},
		{`T = {a = 1}`, `"T" must be a number, not a table`},
		{`T = 2024-01-01`, `"T" must be a number, not a date or time`},
		{`quiet = 1`, `"quiet" must be true or false, not the integer 1`},
		{`seed = -1`, `"seed" must be an integer from 0 to 2^64-1, not -1`},
		{`seed = "12x"`, `"seed" must be a decimal integer from 0 to 2^64-1 (in quotes above 2^63-1), not the string "12x"`},
		{`seed = "0x10"`, `"seed" must be a decimal integer from 0 to 2^64-1 (in quotes above 2^63-1), not the string "0x10"`},
		{`seed = "18446744073709551616"`, `"seed" must be an integer from 0 to 2^64-1, not 18446744073709551616`},
		{"[[T]]\na = 1", `"T" must be a number, not an array of tables`},
		{"T = 2\nbeta = 0.5", `"T" and "beta" are one setting: keep one of them`},
		{"therm = 5\ntherm-grains = 6", `"therm" and "therm-grains" are one setting`},
	} {
		os.WriteFile(bad, []byte(c.file+"\n"), 0o644)
		code, _, stderr := runQ(t, "run", "--config", bad, "--T", "2", "--sweeps", "10", "--L", "8", "--out", filepath.Join(dir, "badrun"))
		want := "config file " + bad + ": " + c.want
		if code != 2 || !strings.Contains(stderr, want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%q: exit %d %q, want 2 and %q", c.file, code, stderr, want)
		}
	}
	// a quoted seed is decimal (not octal, as pflag would read "010")
	os.WriteFile(bad, []byte("seed = \"010\"\n"), 0o644)
	oct := filepath.Join(dir, "oct")
	if code, _, stderr := runQ(t, "run", "--config", bad, "--sweeps", "10", "--L", "8", "--quiet", "--out", oct); code != 0 {
		t.Errorf("seed = \"010\": exit %d %q", code, stderr)
	}
	if st, err := sim.ReadCheckpoint(oct); err != nil || st.Config.Seed != 10 {
		t.Errorf("seed = \"010\": %v, seed %v, want 10", err, st.Config.Seed)
	}
	// an integer for a float key is a number; a seed past 2^63 is quoted
	os.WriteFile(bad, []byte("T = 3\nseed = \"18446744073709551615\"\n"), 0o644)
	intT := filepath.Join(dir, "intT")
	if code, _, stderr := runQ(t, "run", "--config", bad, "--sweeps", "10", "--L", "8", "--quiet", "--out", intT); code != 0 {
		t.Errorf("T = 3, seed 2^64-1: exit %d %q", code, stderr)
	}
	if st, err := sim.ReadCheckpoint(intT); err != nil || st.Config.Seed != math.MaxUint64 || st.Config.T != 3 {
		t.Errorf("T = 3, seed 2^64-1 from the file: %v %+v", err, st)
	}
}

func TestAutoBackendFallsBack(t *testing.T) {
	if gpu.Available {
		t.Skip("a cuda build uses the GPU for auto")
	}
	code, _, stderr := runQ(t, "run", "--backend", "auto", "--L", "8", "--sweeps", "10", "--out", filepath.Join(t.TempDir(), "o"))
	if code != 0 || !strings.Contains(stderr, "note: no CUDA backend") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("auto backend: exit %d, stderr %q", code, stderr)
	}
}

// A directory with a run's outputs but no checkpoint or summary (deleted)
// is refused without --force (a plain run replaced its series.csv), and
// --force takes it; files that are not a run's stay either way.
func TestStrayOutputsHeld(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ud")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, sim.SeriesFile), []byte("mydata\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("precious\n"), 0o644)
	args := []string{"run", "--model", "sandpile", "--L", "8", "--grains", "10", "--quiet", "--out", dir}
	code, _, stderr := runQ(t, args...)
	if data, _ := os.ReadFile(filepath.Join(dir, sim.SeriesFile)); code != 2 || !strings.Contains(stderr, "already holds a run's outputs (series.csv, no checkpoint to resume)") || string(data) != "mydata\n" {
		t.Errorf("stray series.csv: exit %d, %q, series.csv %q", code, stderr, data)
	}
	if code, _, stderr := runQ(t, append(args, "--force")...); code != 0 {
		t.Fatalf("--force: exit %d %s", code, stderr)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(data) != "precious\n" {
		t.Errorf("notes.txt: %q", data)
	}
	// a measurement log alone (a --force run killed before its first
	// checkpoint) is not a run
	bare := filepath.Join(t.TempDir(), "bare")
	os.MkdirAll(bare, 0o755)
	os.WriteFile(filepath.Join(bare, sim.SeriesLogFile), nil, 0o644)
	if name := heldRun(bare); name != "" {
		t.Errorf("a lone %s counts as a run: %q", sim.SeriesLogFile, name)
	}
}

// TestProgressBarResumed: a resumed run's bar counts the steps it runs
// ("from step N", out of those left), so its rate and time left are its
// own (with the earlier steps set as progress the bar showed millions of
// steps a second).
func TestProgressBarResumed(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r")
	args := []string{"--model", "kmp", "--L", "16", "--therm", "0", "--seed", "4", "--quiet"}
	if code, _, stderr := runQ(t, append([]string{"run", "--out", out, "--steps", "300"}, args...)...); code != 0 {
		t.Fatalf("run: exit %d %s", code, stderr)
	}
	testHookTerminal = func(w io.Writer) bool { return true }
	defer func() { testHookTerminal = nil }()
	var o, e bytes.Buffer
	if code := Main([]string{"resume", out, "--steps", "1000"}, &o, &e); code != 0 {
		t.Fatalf("resume: exit %d %s", code, e.String())
	}
	bar := e.String()
	if !strings.Contains(bar, "kmp 16x16 from step 300") || !strings.Contains(bar, "/700, ") || strings.Contains(bar, "/1000") {
		t.Errorf("the bar of a run resumed at step 300 of 1000 should count 700 steps from step 300:\n%q", bar)
	}
	for _, m := range regexp.MustCompile(`\((\d+)/700, `).FindAllStringSubmatch(bar, -1) {
		if n, _ := strconv.Atoi(m[1]); n > 700 {
			t.Errorf("bar count %d past the 700 steps left", n)
		}
	}
}

// TestStartBar: a stationary sandpile's start, which takes seconds to a
// minute on large piles, has a bar of its own on a terminal, none with
// --quiet.
func TestStartBar(t *testing.T) {
	testHookTerminal = func(w io.Writer) bool { return true }
	defer func() { testHookTerminal = nil }()
	dir := t.TempDir()
	for _, quiet := range []bool{false, true} {
		args := []string{"run", "--out", filepath.Join(dir, fmt.Sprint(quiet)), "--model", "sandpile", "--L", "512", "--grains", "10", "--therm-grains", "0"}
		if quiet {
			args = append(args, "--quiet")
		}
		var o, e bytes.Buffer
		if code := Main(args, &o, &e); code != 0 {
			t.Fatalf("exit %d %s", code, e.String())
		}
		if got := regexp.MustCompile(`stationary start 512x512 +\d+% \|`).MatchString(e.String()); got == quiet {
			t.Errorf("quiet %v: start bar shown %v:\n%q", quiet, got, e.String())
		}
	}
}

// TestWritingNote: a large run's bar ends with its steps, and a line says
// that the last checkpoint and the outputs are being written (seconds of
// silence at 8192^2 before); none with --quiet or for a small run.
func TestWritingNote(t *testing.T) {
	testHookTerminal = func(w io.Writer) bool { return true }
	defer func() { testHookTerminal = nil }()
	dir := t.TempDir()
	for i, c := range []struct {
		limit uint64
		quiet bool
		want  bool
	}{{1, false, true}, {1, true, false}, {1 << 40, false, false}} {
		writingNoteBytes = c.limit
		args := []string{"run", "--out", filepath.Join(dir, fmt.Sprint(i)), "--L", "16", "--sweeps", "50"}
		if c.quiet {
			args = append(args, "--quiet")
		}
		var o, e bytes.Buffer
		code := Main(args, &o, &e)
		writingNoteBytes = 256 << 20
		if code != 0 {
			t.Fatalf("exit %d %s", code, e.String())
		}
		if got := strings.Contains(e.String(), "quench: writing the checkpoint and the outputs (up to "); got != c.want {
			t.Errorf("limit %d quiet %v: note %v, want %v:\n%q", c.limit, c.quiet, got, c.want, e.String())
		}
	}
}

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

// --shape overrides --L; given both, the run says so.
func TestShapeOverridesLNote(t *testing.T) {
	dir := t.TempDir()
	_, stderr, sum := runSummaryErr(t, filepath.Join(dir, "a"), "--quiet", "--L", "16", "--shape", "8x8", "--sweeps", "100")
	if !strings.Contains(stderr, "quench: note: --shape 8x8 sets the extents; --L 16 is not used") || sum.Sites != 64 {
		t.Errorf("--L 16 --shape 8x8: %d sites, stderr %q", sum.Sites, stderr)
	}
	_, stderr, _ = runSummaryErr(t, filepath.Join(dir, "b"), "--quiet", "--shape", "8x8", "--sweeps", "100")
	if strings.Contains(stderr, "is not used") {
		t.Errorf("--shape alone: %q", stderr)
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

// A pile whose measured avalanches toppled fewer sites than it has: its
// P(h) snapshots are nearly one configuration, and the note says to run
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
	// up to twice the default's snapshots: no note (1500 against 750)
	if code, _, stderr := runQ(t, "resume", k, "--steps", "1500", "--quiet"); code != 0 || stderr != "" {
		t.Errorf("extend kmp to 1500 steps: exit %d %q, want no note", code, stderr)
	}
	// far: a note on the snapshots it keeps taking
	if code, _, stderr := runQ(t, "resume", k, "--steps", "3000", "--quiet"); code != 0 ||
		stderr != "quench: note: the extended run keeps its snapshot spacing (--profile-every 1): 3000 snapshots in all, where a new run of this length takes 1000 with the default spacing\n" {
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

// A sandpile benchmark says what it timed: grains, topplings, seconds,
// from a stationary sample drawn before the timing (a walkthrough saw one
// bare rate).
func TestBenchSandpileSays(t *testing.T) {
	old := benchGridOverride
	benchGridOverride = []benchCase{sandpileCase([]int{32, 32})}
	defer func() { benchGridOverride = old }()
	code, stdout, stderr := runQ(t, "bench", "--backend", "cpu", "--sweeps", "3", "--min-time", "0.05")
	if code != 0 || !regexp.MustCompile(`\ncpu sandpile 32x32: \d+ grains \([0-9.e+]+ topplings\) in [0-9.e+-]+ s, from an exact stationary sample drawn before the timing\n`).MatchString(stdout) {
		t.Errorf("bench: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestBenchCPU(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bench.json")
	old := benchGridOverride
	benchGridOverride = []benchCase{isingCase([]int{64, 64}, quench.Metropolis), isingCase([]int{16, 16, 16}, quench.HeatBath),
		phi4Case([]int{32, 32}, quench.SchemeLM, quench.Float32), particleCase(1000, quench.PotentialKuramoto, quench.SchemeEM, quench.Float64)}
	defer func() { benchGridOverride = old }()
	code, stdout, stderr := runQ(t, "bench", "--backend", "cpu", "--sweeps", "3", "--min-time", "0.05", "--json", path)
	if code != 0 || !strings.Contains(stdout, "flips") || !strings.Contains(stdout, "ising3d") || !strings.Contains(stdout, "site updates") || !strings.Contains(stdout, "kuramoto") {
		t.Fatalf("bench: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	var rs []map[string]any
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &rs); err != nil || len(rs) != 4 || !(rs[0]["per_ns"].(float64) > 0) || rs[0]["unit"] != "flips" ||
		!strings.HasPrefix(rs[0]["device"].(string), "cpu, ") || !strings.HasPrefix(rs[0]["quench"].(string), "quench ") {
		t.Errorf("unexpected bench JSON: %s (%v)", data, err)
	}
	for _, r := range rs { // each point timed for --min-time at least, from --sweeps on
		if sec, n := r["seconds"].(float64), r["sweeps"].(float64); sec < 0.05 || n < 3 {
			t.Errorf("bench point %v %v: %v sweeps in %v s, want at least 3 and 0.05 s", r["model"], r["shape"], n, sec)
		}
		// the fraction of the host's copy bandwidth, measured once
		peak, frac, gbs := r["peak_GB_per_s"].(float64), r["fraction_of_memory_limit"].(float64), r["effective_GB_per_s"].(float64)
		if !(peak > 0) || math.Abs(frac-gbs/peak) > 1e-12*frac || peak != rs[0]["peak_GB_per_s"] || r["peak_source"] != "host copy bandwidth measured by this bench (2 bytes a byte copied, all threads)" {
			t.Errorf("bench point %v %v: peak %v GB/s, fraction %v of %v GB/s, source %v", r["model"], r["shape"], peak, frac, gbs, r["peak_source"])
		}
	}
	if want := fmt.Sprintf("\ncpu of peak: of the host's copy bandwidth, %.1f GB/s as measured here (%s), which a lattice that fits in the caches can pass\n", rs[0]["peak_GB_per_s"], count(int64(runtime.GOMAXPROCS(0)), "threads")); !strings.Contains(stdout, want) {
		t.Errorf("no %q in\n%s", want, stdout)
	}
	// it is written whole (a temporary file renamed over it, none left)
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*")); len(left) != 0 {
		t.Errorf("bench --json left %v beside %s", left, path)
	}
	// an unwritable --json is refused before anything runs
	dir := t.TempDir()
	bad := filepath.Join(dir, "missing", "b.json")
	if err := os.Symlink("nowhere", filepath.Join(dir, "dangling")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, want string }{
		{bad, "--json " + bad + ": there is no directory " + filepath.Dir(bad) + " to write it in"},
		{dir, "--json " + dir + " is a directory: give a file name"},
		{filepath.Join(dir, "dangling"), "--json " + filepath.Join(dir, "dangling") + " is a link to nothing: give a file name"},
		{"", `--json "" is not allowed: give a file name, or no --json`},
	} {
		if code, stdout, stderr := runQ(t, "bench", "--backend", "cpu", "--json", c.path); code != 2 || stdout != "" || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("bench --json %q: exit %d, stdout %q, stderr %q (want 2, %q)", c.path, code, stdout, stderr, c.want)
		}
	}
	if _, err := os.Readlink(filepath.Join(dir, "dangling")); err != nil {
		t.Errorf("the link to nothing given as --json: %v", err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--device", "-1"}, "--device -1 is not allowed"},
		{[]string{"bench", "--L", "8", "--shape", ""}, `--shape "" is not allowed: give the extents, like 8192x8192, or no --shape`},
		{[]string{"bench", "--min-time", "-1"}, "--min-time -1 is not allowed: 0 to 600 seconds"},
		{[]string{"bench", "--T", "inf"}, "--T +Inf is not allowed: the temperature must be a positive finite number"},
		{[]string{"bench", "--T", "1e-310"}, "--T 1e-310 is too small: its inverse overflows"},
		{[]string{"bench", "--backend", "cpu", "--device", "1"}, "--device 1 does not apply to --backend cpu"},
		{[]string{"bench", "--model", "ising2d,foo"}, `unknown --model "foo": bench times ising2d, ising3d, phi4, particles`},
		{[]string{"bench", "--L", "4", "--shape", "4x4"}, "--L 4 and --shape 4x4 are not allowed together"},
		{[]string{"bench", "--L", "1"}, "--L 1 is not allowed: from 2 to 2^24"},
		{[]string{"bench", "--N", "0"}, "--N 0 is not allowed: between 1 and 2^40 particles"},
		{[]string{"bench", "--shape", "4x4x4x4"}, "--shape 4x4x4x4 is not allowed: lattices have 1, 2 or 3 dimensions"},
		{[]string{"bench", "--shape", "4x"}, "--shape: bad shape"},
		{[]string{"bench", "--backend", "cpu", "--model", "ising3d", "--shape", "8x8"}, "--shape 8x8 leaves nothing to time in --model ising3d"},
		// refused before anything is timed, naming the bytes
		{[]string{"bench", "--backend", "cpu", "--model", "phi4", "--L", "2000000"}, "a cpu benchmark of phi4 2000000x2000000 needs 43.7 TiB (48000000000000 bytes), and cpu has"},
		// without --model too, when no point fits
		{[]string{"bench", "--backend", "cpu", "--L", "2000000"}, "a cpu benchmark of ising2d 2000000x2000000 needs 7.3 TiB (8000000000000 bytes), and cpu has"},
		// with the default --backend all, a CPU-only build's note waits for the sizes' check: a
		// refusal is one line (a walkthrough saw the note before it), and particles are named as
		// in the table
		{[]string{"bench", "--model", "ising2d", "--L", "7"}, "--L 7: ising2d extent 7 (axis 0) of lattice 7x7 is odd"},
		{[]string{"bench", "--model", "particles", "--N", "1099511627776"}, "benchmark of particles N=1099511627776 needs 12.0 TiB (13194139533312 bytes), and cpu has"},
	} {
		// one line: no interrupt note from the signal handler's stop
		if code, stdout, stderr := runQ(t, c.args...); code != 2 || stdout != "" || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q (want 2 and %q)", c.args, code, stdout, stderr, c.want)
		}
	}
	if gpu.Available {
		return
	}
	if code, _, stderr := runQ(t, "bench", "--backend", "cuda"); code != 2 || !strings.Contains(stderr, "built without CUDA") {
		t.Errorf("bench --backend cuda without CUDA: exit %d %q", code, stderr)
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
		{[]string{"--model", "phi4", "--grains", "100"}, "--grains does not apply to --model phi4 (its flags: --L, --shape, --dim, --T, --beta, --h, --scheme, --dt, --m2, --lambda, --gamma, --mass, --precision, --steps)"},
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
		{[]string{"--model", "phi4", "--L", "16", "--m2", "-0.1", "--dt", "0.24", "--therm", "300000", "--steps", "2000"}, "thermalization step 1000: the state diverged (NaN or Inf): --dt is too large"},
		{[]string{"--model", "phi4", "--L", "16", "--m2", "-0.1", "--dt", "0.24", "--therm", "300000", "--steps", "2000", "--precision", "float32"}, "thermalization step 1000: the state diverged (NaN or Inf): --dt is too large for these parameters (the up-front bound only holds near the potential's minimum), or --T drives the fluctuations beyond float32's range"},
		{[]string{"--model", "particles", "--potential", "doublewell", "--N", "1000", "--T", "5", "--dt", "0.24", "--therm", "5000", "--steps", "10"}, "thermalization step 1000: the state diverged (NaN or Inf)"},
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
		{[]string{"--model", "kmp", "--alpha", "0.1"}, "--alpha does not apply to --model kmp"},
		{[]string{"--model", "kmp", "--mass0", "1e-12"}, "--mass0 1e-12 is not allowed: the mass density must be in [2^-32, 2^20]"},
		{[]string{"--model", "diffusion", "--profile-every", "10"}, "--profile-every does not apply to --model diffusion"},
		{[]string{"--model", "kmp", "--profile-every", "-2"}, "--profile-every -2 is not allowed: use 1 to --steps 10000, 0 (about 1000 snapshots) or -1 (none)"},
		{[]string{"--model", "aggregation", "--steps", "50", "--profile-every", "51"}, "--profile-every 51 is not allowed"},
		{[]string{"--model", "kmp", "--L", "100000", "--sweeps", "100000000"}, "total mass could reach"},
		// exactly 2^30 units: refused, and the message says below
		{[]string{"--model", "kmp", "--L", "32", "--mass0", "1048576"}, "the total mass could reach 1.074e+09 units (sites x (mass0 + injection x steps), thermalization steps included): it must stay below 2^30 units"},
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

// A stationary sandpile start needs no thermalization: without --therm or
// --therm-grains (flag or config file key) it gets none; given either, even
// at --therm's default value, it gets what was asked; other starts keep
// --therm's default. Diffusion, which has no stationary state to wait
// for, gets none unless given.
func TestThermDefaults(t *testing.T) {
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	therm3 := file("therm3.toml", "model = \"sandpile\"\nL = 8\ntherm = 3\n")
	grains4 := file("grains4.toml", "model = \"sandpile\"\nL = 8\ntherm-grains = 4\n")
	stationary := file("stationary.toml", "model = \"sandpile\"\nL = 8\nstart = \"stationary\"\ngrains = 5\n")
	for i, c := range []struct {
		args []string
		want int64
	}{
		{[]string{"--model", "sandpile", "--L", "8", "--start", "stationary", "--grains", "5"}, 0},
		{[]string{"--model", "sandpile", "--L", "8", "--start", "stationary", "--grains", "5", "--therm-grains", "7"}, 7},
		{[]string{"--model", "sandpile", "--L", "8", "--start", "stationary", "--grains", "5", "--therm", "2"}, 2},
		// given explicitly, the usual default is kept
		{[]string{"--model", "sandpile", "--L", "8", "--start", "stationary", "--grains", "5", "--therm", "1000"}, 1000},
		{[]string{"--config", therm3, "--start", "stationary", "--grains", "5"}, 3},
		{[]string{"--config", grains4, "--start", "stationary", "--grains", "5"}, 4},
		{[]string{"--config", stationary}, 0},
		// an alias on the command line overrides the file's key
		{[]string{"--config", therm3, "--start", "stationary", "--grains", "5", "--therm-grains", "2"}, 2},
		// the sandpile's default start is stationary: no thermalization
		{[]string{"--model", "sandpile", "--L", "8", "--grains", "5"}, 0},
		// a hot start keeps --therm's default
		{[]string{"--model", "sandpile", "--L", "8", "--grains", "5", "--start", "hot"}, 1000},
		// beyond the sampler's limit (lowered to 50 sites below), the
		// default start is hot, with a note
		{[]string{"--model", "sandpile", "--L", "8", "--grains", "5", "--note-hot"}, 1000},
		// diffusion: no thermalization unless given (its series is the
		// relaxation from the start)
		{[]string{"--model", "diffusion", "--L", "8", "--steps", "5"}, 0},
		{[]string{"--model", "diffusion", "--L", "8", "--steps", "5", "--start", "cold", "--therm", "6"}, 6},
		{[]string{"--config", file("diffusion.toml", "model = \"diffusion\"\nL = 8\ntherm = 4\n"), "--steps", "5"}, 4},
	} {
		if c.args[len(c.args)-1] == "--note-hot" {
			old := sim.MaxStationarySites
			sim.MaxStationarySites = 50
			out := filepath.Join(dir, "hot-note")
			code, _, stderr := runQ(t, append(append([]string{"run"}, c.args[:len(c.args)-1]...), "--out", out)...)
			sim.MaxStationarySites = old
			st, err := sim.ReadCheckpoint(out)
			if code != 0 || err != nil || st.Config.Start != "hot" || st.Config.Therm != c.want || !strings.Contains(stderr, "beyond the stationary sampler (50): starting hot") {
				t.Errorf("64 sites over a limit of 50: exit %d, %v, stderr %q", code, err, stderr)
			}
			continue
		}
		out := filepath.Join(dir, fmt.Sprint(i))
		code, _, stderr := runQ(t, append(append([]string{"run"}, c.args...), "--out", out)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, stderr)
		}
		st, err := sim.ReadCheckpoint(out)
		if err != nil {
			t.Fatal(err)
		}
		if st.Config.Therm != c.want {
			t.Errorf("%v: %d thermalization grains, want %d", c.args, st.Config.Therm, c.want)
		}
	}
}

// --shape alone sets the dimension of the models that take --dim: one
// extent is a ring; with --dim, a single integer is L along every axis.
func TestShapeSetsDimension(t *testing.T) {
	dir := t.TempDir()
	for i, c := range []struct {
		args  []string
		shape string
	}{
		{[]string{"--model", "phi4", "--shape", "64"}, "[64]"},
		{[]string{"--model", "kmp", "--shape", "16x8"}, "[16,8]"},
		{[]string{"--model", "sandpile", "--shape", "16X8"}, "[16,8]"},
		{[]string{"--model", "diffusion", "--shape", "6", "--dim", "3"}, "[6,6,6]"},
		{[]string{"--model", "ising2d", "--shape", "12"}, "[12,12]"},
	} {
		out := filepath.Join(dir, strconv.Itoa(i))
		code, _, stderr := runQ(t, append([]string{"run", "--out", out, "--sweeps", "2", "--therm", "0", "--quiet"}, c.args...)...)
		data, _ := os.ReadFile(filepath.Join(out, "summary.json"))
		var sum struct{ Shape []int }
		json.Unmarshal(data, &sum)
		if got, _ := json.Marshal(sum.Shape); code != 0 || string(got) != c.shape {
			t.Errorf("%v: exit %d %s, shape %s, want %s", c.args, code, stderr, got, c.shape)
		}
	}
}

// Runs without --out started in the same second get their own directories,
// claimed atomically; a name that cannot be a directory is refused, not
// looped over.
func TestClaimDir(t *testing.T) {
	base := filepath.Join(t.TempDir(), "runs", "ising2d-8x8-20261129-054829")
	if got, err := claimDir(base); got != base || err != nil {
		t.Errorf("no directory yet: %s %v, want %s", got, err, base)
	}
	os.MkdirAll(base+"-2", 0o755)
	if got, err := claimDir(base); got != base+"-3" || err != nil {
		t.Errorf("two taken: %s %v, want %s-3", got, err, base)
	}
	if fi, err := os.Stat(base + "-3"); err != nil || !fi.IsDir() {
		t.Errorf("claimed directory not created: %v", err)
	}
	file := filepath.Join(t.TempDir(), "runs")
	os.WriteFile(file, []byte("x"), 0o644)
	if _, err := claimDir(filepath.Join(file, "x")); err == nil || !quench.IsUsage(err) {
		t.Errorf("runs is a file: want a usage error, got %v", err)
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

// The default temperature is the critical one for the coupling given.
func TestDefaultTFollowsJ(t *testing.T) {
	for _, c := range []struct {
		args []string
		want float64
	}{
		{[]string{"--J", "2"}, 2 * quench.Tc2D},
		{[]string{"--J", "-0.5"}, 0.5 * quench.Tc2D},
		{[]string{"--model", "ising3d", "--J", "3"}, 3 / quench.Kc3D},
		{nil, quench.Tc2D},
	} {
		out := filepath.Join(t.TempDir(), "r")
		args := append([]string{"run", "--L", "4", "--sweeps", "2", "--therm", "0", "--quiet", "--out", out}, c.args...)
		if code, _, stderr := runQ(t, args...); code != 0 {
			t.Fatalf("%v: exit %d %s", c.args, code, stderr)
		}
		st, err := sim.ReadCheckpoint(out)
		if err != nil || math.Abs(st.Config.T-c.want) > 1e-12*c.want {
			t.Errorf("%v: default T %v, want %v (%v)", c.args, st.Config.T, c.want, err)
		}
	}
}

// quench version and --version print one line naming the binary's version
// and Go; version takes no arguments.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, stdout, stderr := runQ(t, args...)
		if code != 0 || !strings.HasPrefix(stdout, "quench ") || !strings.Contains(stdout, " go1.") || strings.Count(stdout, "\n") != 1 || stderr != "" {
			t.Errorf("%v: exit %d, %q %q", args, code, stdout, stderr)
		}
	}
	if code, _, stderr := runQ(t, "version", "x"); code != 2 || !strings.Contains(stderr, "x") {
		t.Errorf("version x: exit %d, %q", code, stderr)
	}
}

// Values from a config file that are refused name the file, whatever the
// message's form; TOML slips get a hint fitted to the key.
func TestConfigFileMessages(t *testing.T) {
	dir := t.TempDir()
	for i, c := range []struct{ file, want string }{
		{"L = 7\n", "extent 7 (axis 0) of lattice 7x7 is odd: the checkerboard update needs even extents (set in the config file "},
		{"shape = \"6x7\"\n", "extent 7 (axis 1) of lattice 6x7 is odd: the checkerboard update needs even extents (set in the config file "},
		{"L = 100000000\n", "has too many sites: at most 2^49 are allowed (set in the config file "},
		{"algo = \"bogus\"\n", `unknown --algo "bogus": allowed are metropolis, heatbath (set in the config file `},
		{"backend = \"gpu\"\n", `unknown --backend "gpu": allowed are cpu, cuda, auto (set in the config file `},
		{"therm = -4\n", "--therm -4 is not allowed: thermalization sweeps must be >= 0 (set in the config file "},
		{"algo = heatbath\n", `expected value but found "heatbath" instead (text values need quotes: algo = "heatbath")`},
		{"quiet = yes\n", `expected value but found "yes" instead (quiet takes true or false)`},
		{"L = eight\n", `expected value but found "eight" instead (L takes a number)`},
		{"shape = 8x8\n", `(text values need quotes, e.g. shape = "8x8")`},
		{"seed = 18446744073709551615\n", `(a seed above 2^63-1 goes in quotes: seed = "18446744073709551615")`},
		// the parser's word stops at the digit; the hint quotes the whole value
		{"L = 8\nmodel = ising2d  # 2D\n", `(text values need quotes: model = "ising2d")`},
	} {
		path := filepath.Join(dir, fmt.Sprintf("c%d.toml", i))
		os.WriteFile(path, []byte(c.file), 0o644)
		out := filepath.Join(dir, fmt.Sprintf("out%d", i))
		code, _, stderr := runQ(t, "run", "--config", path, "--quiet", "--out", out)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, %q (want 2 and %q)", c.file, code, stderr, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%q: the output directory was created", c.file)
		}
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
		Profiles map[string]struct{ Mean []float64 } `json:"profiles"`
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
	// rows: height, then mean, error, tau_int (and "*") of each region
	rows := map[string][]string{}
	for line := range strings.Lines(stdout[strings.Index(stdout, "height  lattice"):]) {
		f := slices.DeleteFunc(strings.Fields(line), func(s string) bool { return s == "*" })
		if len(f) == 7 {
			rows[f[0]] = f
		}
	}
	for h := range 4 {
		row := rows[fmt.Sprint(h)]
		if row == nil || row[1] != fmt.Sprintf("%.6g", whole[h]) || row[4] != fmt.Sprintf("%.6g", center[h]) {
			t.Errorf("table row for height %d: %q, want %.6g and %.6g", h, row, whole[h], center[h])
		}
	}
}

// A --force run that fails with nothing to resume puts back the run it was
// to replace; one that fails after writing a checkpoint keeps its own. A
// failed run without --out removes runs/ only if it made it.
func TestForceRestoresOnFailure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--model", "sandpile", "--L", "8", "--grains", "100", "--quiet", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	before, _ := os.ReadFile(filepath.Join(dir, sim.SummaryFile))
	diverge := []string{"run", "--model", "phi4", "--L", "32", "--dt", "0.19", "--therm", "0", "--quiet", "--force", "--out", dir}
	code, _, stderr := runQ(t, diverge...)
	if code != 2 || !strings.Contains(stderr, "either the state is diverging (reduce --dt or --T)") || !strings.Contains(stderr, "(--force: the run that was in "+dir+" is restored)") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("failed --force run: exit %d, %q", code, stderr)
	}
	after, _ := os.ReadFile(filepath.Join(dir, sim.SummaryFile))
	if len(before) == 0 || !bytes.Equal(before, after) {
		t.Errorf("the sandpile's summary.json was not restored")
	}
	if st, err := sim.ReadCheckpoint(dir); err != nil || st.Config.Model != "sandpile" {
		t.Errorf("restored checkpoint: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, replacedDir)); err == nil {
		t.Errorf("%s left behind", replacedDir)
	}
	// diverging after its first checkpoint (step 4): that run stays
	code, _, stderr = runQ(t, append(diverge, "--every", "500", "--checkpoint-every", "4")...)
	if code != 2 || strings.Contains(stderr, "restored") {
		t.Errorf("failed --force run with a checkpoint: exit %d, %q", code, stderr)
	}
	if st, err := sim.ReadCheckpoint(dir); err != nil || st.Config.Model != "phi4" || st.Step == 0 {
		t.Errorf("the failed run's checkpoint: %v", err)
	}
	for _, name := range []string{sim.SummaryFile, replacedDir} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s left beside the new run's checkpoint", name)
		}
	}
	// a killed --force run's backup: a plain run refuses the directory,
	// resume says where the old run is
	os.MkdirAll(filepath.Join(dir, replacedDir), 0o755)
	os.Remove(filepath.Join(dir, sim.CheckpointFile))
	code, _, stderr = runQ(t, "run", "--L", "8", "--out", dir)
	if code != 2 || !strings.Contains(stderr, "holds, in .quench-replaced, the run that a `run --force` killed") {
		t.Errorf("run into a directory with a backup: exit %d, %q", code, stderr)
	}
	code, _, stderr = runQ(t, "resume", dir)
	if code != 2 || !strings.Contains(stderr, "no checkpoint in") || !strings.Contains(stderr, ".quench-replaced holds the run") {
		t.Errorf("resume of a directory with a backup: exit %d, %q", code, stderr)
	}
	// runs/: kept when it was there, removed when the run made it
	t.Chdir(t.TempDir())
	os.Mkdir("runs", 0o755)
	for _, had := range []bool{true, false} {
		code, _, _ := runQ(t, diverge[:len(diverge)-3]...)
		if _, err := os.Stat("runs"); code != 2 || (err == nil) != had {
			t.Errorf("runs/ there before: %v; exit %d, there after: %v", had, code, err == nil)
		}
		os.Remove("runs")
	}
	// nor the parents of --out it made
	os.Mkdir("n1", 0o755)
	if code, _, _ := runQ(t, append(diverge[:len(diverge)-3], "--out", "n1/n2/n3")...); code != 2 {
		t.Errorf("diverging run into n1/n2/n3: exit %d", code)
	}
	if _, err := os.Stat("n1/n2"); err == nil {
		t.Errorf("a failed run left n1/n2")
	}
	if _, err := os.Stat("n1"); err != nil {
		t.Errorf("a failed run removed n1, which was there before: %v", err)
	}
	// a failure that is not the parameters' (exit 1: the checkpoint
	// cannot be written, a directory where its log goes) still says the
	// old run is back (its summary here; its log was taken away first, so
	// that the restore has nothing to put where that directory is)
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "10", "--quiet", "--out", "n1"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	os.Remove(filepath.Join("n1", sim.SeriesLogFile))
	old, _ := os.ReadFile(filepath.Join("n1", sim.SummaryFile))
	testHookBeforeRun = func(context.Context) { os.Mkdir(filepath.Join("n1", sim.SeriesLogFile), 0o755) }
	code, _, stderr = runQ(t, "run", "--L", "16", "--sweeps", "10", "--quiet", "--force", "--out", "n1")
	testHookBeforeRun = nil
	if now, _ := os.ReadFile(filepath.Join("n1", sim.SummaryFile)); code != 1 || !strings.Contains(stderr, "(--force: the run that was in n1 is restored)") || !bytes.Equal(now, old) {
		t.Errorf("--force run failing on its checkpoint: exit %d, %q", code, stderr)
	}
}

// A run directory another quench process works in is refused by run
// --force and resume, with nothing in it touched; a finished run leaves no
// lock file.
func TestRunDirLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "10", "--quiet", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, lockFile)); err == nil {
		t.Errorf("a finished run left %s", lockFile)
	}
	unlock, err := lockRun(dir) // as another process would hold it
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"resume", dir, "--sweeps", "20"}, {"run", "--L", "8", "--force", "--out", dir}} {
		code, _, stderr := runQ(t, args...)
		if code != 2 || !strings.Contains(stderr, dir+" is in use by another quench process") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
	}
	unlock()
	// a run that ends in the directory between the check of --out and the
	// lock is still refused (without --force)
	fresh := filepath.Join(t.TempDir(), "fresh")
	testHookLocked = func() { os.WriteFile(filepath.Join(fresh, sim.SummaryFile), []byte("{}"), 0o644) }
	code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "10", "--quiet", "--out", fresh)
	testHookLocked = nil
	if data, _ := os.ReadFile(filepath.Join(fresh, sim.SummaryFile)); code != 2 || !strings.Contains(stderr, "already holds a run's outputs") || string(data) != "{}" {
		t.Errorf("a run finished meanwhile: exit %d, %q, its summary %q", code, stderr, data)
	}
	if st, err := sim.ReadCheckpoint(dir); err != nil || st.Config.Sweeps != 10 {
		t.Errorf("the locked run was changed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, sim.SummaryFile)); err != nil {
		t.Errorf("the locked run lost its summary: %v", err)
	}
	if code, _, stderr := runQ(t, "resume", dir, "--sweeps", "20", "--quiet"); code != 0 {
		t.Errorf("resume after the lock is released: exit %d, %s", code, stderr)
	}
}

// Outputs that fail to be written leave none of the run's outputs beside
// the checkpoint (not a mix of this run's and an earlier one's), exit 1,
// and say how to get them.
func TestOutputFailureLeavesNoMix(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "10", "--quiet", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// a directory where lattice.png goes, made after resume's checks
	// (which refuse one up front): its write fails after the summary,
	// series and lattice are written
	png := filepath.Join(dir, sim.ImageFile)
	testHookOutputs = func() {
		os.Remove(png)
		os.MkdirAll(filepath.Join(png, "x"), 0o755)
	}
	defer func() { testHookOutputs = nil }()
	code, _, stderr := runQ(t, "resume", dir, "--sweeps", "20", "--quiet")
	if code != 1 || !strings.Contains(stderr, "writing the outputs: ") || !strings.Contains(stderr, "quench resume "+dir+" writes them") {
		t.Errorf("failed outputs: exit %d, %q", code, stderr)
	}
	for _, name := range []string{sim.SummaryFile, sim.SeriesFile, sim.LatticeFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s left beside the checkpoint", name)
		}
	}
	if st, err := sim.ReadCheckpoint(dir); err != nil || !st.Done() || st.Config.Sweeps != 20 {
		t.Errorf("checkpoint after the failed outputs: %v", err)
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
	// too, so the first note names its observables)
	if !strings.Contains(short, "\n* energy, magnetization, abs_magnetization, m2, m4, specific_heat, susceptibility, susceptibility_connected, binder: too few measurements for error bars (40: at least 100, in 50 bins spanning >= 20 tau_int each)") ||
		!strings.Contains(short, "\n* magnetization: a symmetry makes the mean 0") || !strings.Contains(short, ", though its series changed sides 1 time: too seldom for the run's error bins") {
		t.Errorf("40 measurements:\n%s", short)
	}
	_, neel, _ := runQ(t, "run", "--L", "8", "--J", "-1", "--T", "0.3", "--start", "cold", "--sweeps", "200", "--quiet", "--out", filepath.Join(dir, "b"))
	stars := regexp.MustCompile(`(?m)^\S+ .* \*$`).FindAllString(neel, -1)
	if !regexp.MustCompile(`\nbinder +- +- +-\n`).MatchString(neel) || !strings.Contains(neel, "- no value: 0/0") ||
		len(stars) != 15 || !strings.Contains(neel, "\n* staggered_magnetization: a symmetry makes the mean 0") ||
		!strings.Contains(neel, "; a cold start, every spin +1, is the same with every seed: run far longer") ||
		!strings.Contains(neel, "\n* energy, magnetization, abs_magnetization, m2, m4, specific_heat, susceptibility, susceptibility_connected, abs_staggered_magnetization, staggered_m2, staggered_m4, staggered_susceptibility, staggered_susceptibility_connected, staggered_binder: the same in every measurement averaged, though the dynamics can change them: the run saw none of their fluctuations, so the error 0 is no error bar") ||
		!regexp.MustCompile(`\nstaggered_binder +0.66666667 +0 +0.5 \*\n`).MatchString(neel) {
		t.Errorf("frozen Neel state:\n%s", neel)
	}
	// aggregation: its own reason, not "run longer"
	_, agg, _ := runQ(t, "run", "--model", "aggregation", "--L", "64", "--sweeps", "300", "--quiet", "--out", filepath.Join(dir, "c"))
	if !strings.Contains(agg, "\n* "+sim.NotStationaryAggregation+"\n") || strings.Contains(agg, "run longer") || !regexp.MustCompile(`\nmass_var .* \*\n`).MatchString(agg) {
		t.Errorf("aggregation:\n%s", agg)
	}
	// diffusion: u_var decays (not stationary), u_mean conserved
	_, dif, _ := runQ(t, "run", "--model", "diffusion", "--dim", "1", "--L", "256", "--steps", "2000", "--therm", "0", "--quiet", "--out", filepath.Join(dir, "dif"))
	if !strings.Contains(dif, "\n* "+sim.NotStationaryDiffusion+"\n") || strings.Contains(dif, "run longer") || !regexp.MustCompile(`\nu_var .* \*\n`).MatchString(dif) ||
		!regexp.MustCompile(`\nu_mean .* c\n`).MatchString(dif) || !strings.Contains(dif, "\nc conserved: the stencil keeps the field's mean, so u_mean varies by rounding only") {
		t.Errorf("diffusion:\n%s", dif)
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

// number refuses a zero written with digits other than 0 before its
// exponent only: 0E5 (capital E) is 0, as typed.
func TestNumberZeroExponent(t *testing.T) {
	for _, s := range []string{"0E5", "-0E-7", "0.00E+3", "0e5"} {
		x := 1.0
		if err := (number{&x}).Set(s); err != nil || x != 0 {
			t.Errorf("Set(%q): %v, value %v; want 0", s, err, x)
		}
	}
	x := 1.0
	if err := (number{&x}).Set("1E-400"); err != errUnderflow {
		t.Errorf("Set(1E-400): %v, want errUnderflow", err)
	}
}

// A key of the --config file is skipped when any flag of its alias group
// was given on the command line: the file's grains give way to --sweeps
// (they are one setting), and a file may not hold two keys of a group.
func TestConfigFileGrainsAlias(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pile.toml")
	os.WriteFile(cfg, []byte("model = \"sandpile\"\nL = 6\ngrains = 5\n"), 0o644)
	out := filepath.Join(dir, "out")
	if code, _, stderr := runQ(t, "run", "--config", cfg, "--sweeps", "7", "--quiet", "--out", out); code != 0 {
		t.Fatalf("file grains = 5, --sweeps 7: exit %d %q", code, stderr)
	}
	if st, err := sim.ReadCheckpoint(out); err != nil || st.Config.Sweeps != 7 {
		t.Errorf("file grains = 5, --sweeps 7: %v, want 7 grains (%+v)", err, st)
	}
	os.WriteFile(cfg, []byte("model = \"sandpile\"\nL = 6\nsweeps = 5\ngrains = 5\n"), 0o644)
	code, _, stderr := runQ(t, "run", "--config", cfg, "--quiet", "--out", filepath.Join(dir, "both"))
	if want := `"sweeps" and "grains" are one setting: keep one of them`; code != 2 || !strings.Contains(stderr, want) {
		t.Errorf("file with grains and sweeps: exit %d %q, want 2 and %q", code, stderr, want)
	}
}

// A quoted key ("T" = 1e-400) is found for the underflow message too.
func TestConfigFileQuotedKeyUnderflow(t *testing.T) {
	dir := t.TempDir()
	for i, line := range []string{`"T" = 1e-400`, `'T' = 1e-400 # rounds to 0`} {
		cfg := filepath.Join(dir, fmt.Sprintf("q%d.toml", i))
		os.WriteFile(cfg, []byte(line+"\n"), 0o644)
		code, _, stderr := runQ(t, "run", "--config", cfg, "--quiet", "--out", filepath.Join(dir, "out"))
		want := "--T 1e-400 is not allowed: too small: it rounds to 0 in float64, whose smallest positive number is 5e-324 (set in the config file " + cfg + ")"
		if code != 2 || !strings.Contains(stderr, want) {
			t.Errorf("%s: exit %d %q, want 2 and %q", line, code, stderr, want)
		}
	}
}

// A stale .quench-replaced beside a run with its own checkpoint is removed
// by run --force: when the new run then fails before its first checkpoint,
// only the old run's files come back, none of the stale backup's.
func TestForceDropsStaleBackup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "10", "--quiet", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	stale := filepath.Join(dir, replacedDir)
	os.MkdirAll(stale, 0o755)
	os.WriteFile(filepath.Join(stale, sim.ActivityFile), []byte("stale"), 0o644)
	code, _, stderr := runQ(t, "run", "--model", "phi4", "--L", "32", "--dt", "0.19", "--therm", "0", "--quiet", "--force", "--out", dir)
	if code != 2 || !strings.Contains(stderr, "is restored") {
		t.Fatalf("diverging --force run: exit %d %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, sim.ActivityFile)); err == nil {
		t.Errorf("the stale backup's %s was restored into the run directory", sim.ActivityFile)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("%s left behind", replacedDir)
	}
	if st, err := sim.ReadCheckpoint(dir); err != nil || st.Config.Model != "ising2d" {
		t.Errorf("restored run: %v", err)
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

// The mass models update bonds in even and odd classes: bench refuses
// their odd extents up front when --model names them (exit 2, one line),
// not after the header and the points before them were timed (exit 1);
// without --model, the default grid's kmp point is left out of --shape 5
// with a note, and the others are timed.
func TestBenchOddMassExtents(t *testing.T) {
	old := benchGridOverride
	benchGridOverride = nil
	defer func() { benchGridOverride = old }()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--backend", "cpu", "--model", "kmp", "--L", "3"}, "--L 3: kmp 3x3 needs even extents (bonds are updated in even and odd classes)"},
		{[]string{"bench", "--backend", "cpu", "--model", "aggregation", "--shape", "6x3"}, "--shape 6x3: aggregation 6x3 needs even extents"},
	} {
		if code, stdout, stderr := runQ(t, c.args...); code != 2 || stdout != "" || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q (want 2 and %q)", c.args, code, stdout, stderr, c.want)
		}
	}
	code, stdout, stderr := runQ(t, "bench", "--backend", "cpu", "--shape", "5", "--sweeps", "1", "--min-time", "0")
	if code != 0 || strings.Contains(stdout, "kmp") || !strings.Contains(stdout, "diffusion") ||
		stderr != "quench: note: left out (name models with --model to time only those): kmp 5 needs even extents (bonds are updated in even and odd classes)\n" {
		t.Errorf("bench --shape 5: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// A config file larger than maxConfigBytes is refused in one line without
// being read whole (--config /dev/zero took memory until the process was
// killed).
func TestConfigFileTooLarge(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.toml")
	os.WriteFile(big, append([]byte("L = 8\n"), bytes.Repeat([]byte("# padding\n"), maxConfigBytes/10+1)...), 0o644)
	files := []string{big}
	if _, err := os.Stat("/dev/zero"); err == nil {
		files = append(files, "/dev/zero")
	}
	for _, f := range files {
		out := filepath.Join(dir, "out")
		code, _, stderr := runQ(t, "run", "--config", f, "--quiet", "--out", out)
		if want := "is larger than 1.0 MiB"; code != 2 || !strings.Contains(stderr, want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, %q (want 2 and %q)", f, code, stderr, want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: the output directory was created", f)
		}
	}
}

// An --out path too long for the system is refused in one line, before the
// run, leaving none of the directories it began to make: one whose
// directories can be made, but not the run's temporary files in them, too
// (it failed at its first checkpoint, after the run's work, leaving its
// series log); one longer than the limit left the parents made before the
// part that failed.
func TestOutPathTooLong(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the path limit checked is Linux's PATH_MAX, 4096 bytes")
	}
	t.Chdir(t.TempDir())
	parts := make([]string, 20)
	for i := range parts {
		parts[i] = strings.Repeat("d", 200)
	}
	deep := strings.Join(parts, "/") // 4019 bytes: its directories can be made
	for _, out := range []string{
		deep + "/" + strings.Repeat("g", 50),                                   // 4070: .checkpoint.qck.tmpNNNNNNNNNN is past 4096
		deep + "/" + strings.Repeat("g", 200) + "/" + strings.Repeat("h", 200), // past 4096 itself
		deep + "/" + strings.Repeat("g", 66),                                   // 4085: the lock file's name is past 4096
	} {
		code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "20", "--therm", "0", "--quiet", "--out", out)
		if code != 2 || !strings.Contains(stderr, "file name too long): choose a shorter path or another directory") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("--out of %d bytes: exit %d, %q (want 2, file name too long)", len(out), code, stderr)
		}
		if _, err := os.Stat(parts[0]); err == nil {
			t.Errorf("--out of %d bytes: the directories it made are left", len(out))
			os.RemoveAll(parts[0])
		}
	}
}

// An --out (or runs/) that is, or passes through, a link to nothing or a
// link loop is refused in one line, before the run, and the link is left
// as it was (it was taken for a missing directory the run made, and
// removed when making the directories through it failed); a working link
// is followed.
func TestOutThroughLinks(t *testing.T) {
	t.Chdir(t.TempDir())
	links := map[string]string{"dangling": "nowhere", "deep": "nowhere/deeper", "loop": "loop", "good": "real"}
	for name, target := range links {
		if err := os.Symlink(target, name); err != nil {
			t.Skip("no symbolic links here:", err)
		}
	}
	for _, c := range []struct{ out, want string }{
		{"dangling", "--out dangling is a link to nothing (nowhere): give a directory, or create the link's target"},
		{"dangling/x", "--out dangling/x: dangling is a link to nothing (nowhere): give another directory, or create the link's target"},
		{"deep/x/y", "--out deep/x/y: deep is a link to nothing (nowhere/deeper)"},
		{"loop/x", "--out loop/x: loop is a link that cannot be followed (loop: too many levels of symbolic links)"},
	} {
		code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "20", "--therm", "0", "--quiet", "--out", c.out)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("--out %s: exit %d, %q (want 2, %q)", c.out, code, stderr, c.want)
		}
	}
	if err := os.Mkdir("real", 0o755); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "20", "--therm", "0", "--quiet", "--out", "good/x"); code != 0 {
		t.Errorf("--out through a link to a directory: exit %d, %q", code, stderr)
	} else if _, err := os.Stat(filepath.Join("real", "x", sim.SummaryFile)); err != nil {
		t.Errorf("--out through a link to a directory: %v", err)
	}
	if err := os.Symlink("nowhere", "runs"); err != nil {
		t.Fatal(err)
	}
	want := "the output directory runs is a link to nothing (nowhere): give a directory, or create the link's target"
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "20", "--therm", "0", "--quiet"); code != 2 || !strings.Contains(stderr, want) {
		t.Errorf("runs a link to nothing: exit %d, %q (want 2, %q)", code, stderr, want)
	}
	links["runs"] = "nowhere"
	for name, target := range links {
		if got, err := os.Readlink(name); err != nil || got != target {
			t.Errorf("the link %s -> %s is now %q, %v", name, target, got, err)
		}
	}
}

// lockCheckWriter records, at its first write, whether dir still holds
// the run's lock file.
type lockCheckWriter struct {
	dir    string
	wrote  bool
	locked bool
	bytes.Buffer
}

func (w *lockCheckWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.wrote = true
		_, err := os.Stat(filepath.Join(w.dir, lockFile))
		w.locked = err == nil
	}
	return w.Buffer.Write(p)
}

// The results table is printed after the run let its directory go and
// stopped catching signals (the same closure does both): a table blocked
// on a full stdout pipe had left Ctrl-C and SIGTERM doing nothing, and a
// process killed there had left its lock file behind.
func TestTableAfterRelease(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r")
	for _, args := range [][]string{
		{"run", "--L", "8", "--sweeps", "20", "--therm", "0", "--quiet", "--out", out},
		{"resume", out, "--sweeps", "40", "--quiet"},
	} {
		w := &lockCheckWriter{dir: out}
		var e bytes.Buffer
		if code := Main(args, w, &e); code != 0 || !w.wrote || w.locked {
			t.Errorf("%v: exit %d, wrote %v, lock file there at the first write %v; %s", args, code, w.wrote, w.locked, e.String())
		}
	}
}

// resume refuses, before the run goes on, a directory (or link) under the
// name of an output it will write: it had run the extension, then failed
// to rename its lattice.png over the directory, with advice that failed
// the same way.
func TestResumeRefusesNonFileOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "20", "--therm", "0", "--quiet", "--out", out); code != 0 {
		t.Fatal(stderr)
	}
	png := filepath.Join(out, "lattice.png")
	os.Remove(png)
	if err := os.MkdirAll(filepath.Join(png, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(out, "checkpoint.qck"))
	code, stdout, stderr := runQ(t, "resume", out, "--sweeps", "40", "--quiet")
	if code != 2 || stdout != "" || stderr != "quench: resume: "+png+" is a directory, not an output of a run: remove or rename it first\n" {
		t.Errorf("resume over a directory lattice.png: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(out, "checkpoint.qck")); !bytes.Equal(before, after) {
		t.Error("the refused resume changed the checkpoint")
	}
	// the checkpoint and log read through links are resumed, as before
	// the check (it had refused them as links)
	os.RemoveAll(png)
	for _, name := range []string{sim.CheckpointFile, sim.SeriesLogFile} {
		p := filepath.Join(out, name)
		if err := os.Rename(p, p+".real"); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(name+".real", p); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, stderr := runQ(t, "resume", out, "--sweeps", "40", "--quiet"); code != 0 {
		t.Errorf("resume through linked state files: exit %d, %q", code, stderr)
	}
}

// The disk check: a new run needs all of sim.Config.DiskBytes free; a
// resumed one all but its checkpoint and log already on disk (it had
// counted them again: a finished run on a nearly full disk was refused
// an extension that fits).
func TestDiskCheck(t *testing.T) {
	defer func() { freeDisk = diskFree }()
	var free uint64
	freeDisk = func(string) (uint64, bool) { return free, true }
	out := filepath.Join(t.TempDir(), "r")
	args := []string{"run", "--L", "64", "--sweeps", "200", "--therm", "0", "--quiet", "--out", out}
	cfg := sim.Config{Model: "ising2d", Shape: []int{64, 64}, Sweeps: 200, Every: 1, T: 2.269185314213022, J: 1, Algo: "metropolis", Start: "hot", Seed: 1}
	need := cfg.DiskBytes()
	free = need - 1
	if code, _, stderr := runQ(t, args...); code != 2 || !strings.Contains(stderr, fmt.Sprintf("the outputs of this run need %s (%d bytes) of disk", quench.FormatBytes(need), need)) {
		t.Fatalf("a run one byte short: exit %d, %q", code, stderr)
	}
	free = need
	if code, _, stderr := runQ(t, args...); code != 0 {
		t.Fatalf("a run with its bytes free: exit %d, %q", code, stderr)
	}
	var have uint64
	for _, name := range []string{sim.CheckpointFile, sim.SeriesLogFile} {
		fi, err := os.Stat(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		have += uint64(fi.Size())
	}
	cfg.Sweeps = 400
	extend := cfg.DiskBytes() - have
	free = extend - 1
	if code, _, stderr := runQ(t, "resume", out, "--sweeps", "400", "--quiet"); code != 2 || !strings.Contains(stderr, fmt.Sprintf("(%d bytes) of disk", extend)) {
		t.Errorf("an extension one byte short of what it adds: exit %d, %q", code, stderr)
	}
	free = extend
	if code, _, stderr := runQ(t, "resume", out, "--sweeps", "400", "--quiet"); code != 0 {
		t.Errorf("an extension with what it adds free: exit %d, %q", code, stderr)
	}
}

// A resume that cannot even read its checkpoint and series log into
// memory (twice their size) is refused in one line before reading them:
// here a corrupted checkpoint, which reading would refuse for its
// checksum, is refused for memory. With room to read them, the run's own
// estimate is checked after reading, as before.
func TestResumeMemoryCheckBeforeReading(t *testing.T) {
	defer func() { hostMemory = quench.HostMemory }()
	out := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--L", "64", "--sweeps", "200", "--therm", "0", "--quiet", "--out", out); code != 0 {
		t.Fatalf("run: exit %d, %q", code, stderr)
	}
	var files uint64
	for _, name := range []string{sim.CheckpointFile, sim.SeriesLogFile} {
		fi, err := os.Stat(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		files += uint64(fi.Size())
	}
	ckpt := filepath.Join(out, sim.CheckpointFile)
	good, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	bad := slices.Clone(good)
	bad[len(bad)/2] ^= 1
	if err := os.WriteFile(ckpt, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	need := 2*uint64(len(good)) + 5*(files-uint64(len(good))) + sim.RuntimeBytes
	avail := need - 1
	hostMemory = func() (uint64, uint64, error) { return avail, 1 << 40, nil }
	code, _, stderr := runQ(t, "resume", out, "--sweeps", "400", "--quiet")
	if want := fmt.Sprintf("does not fit in memory: reading its checkpoint and series log (%s and %s) needs at least %s (%d bytes) of host memory", quench.FormatBytes(uint64(len(good))), quench.FormatBytes(files-uint64(len(good))), quench.FormatBytes(need), need); code != 2 || !strings.Contains(stderr, want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("a resume one byte short of reading its files: exit %d, %q, want one line with %q", code, stderr, want)
	}
	if err := os.WriteFile(ckpt, good, 0o644); err != nil {
		t.Fatal(err)
	}
	avail = need // enough to read, not for the run's estimate
	if code, _, stderr := runQ(t, "resume", out, "--sweeps", "400", "--quiet"); code != 2 || !strings.Contains(stderr, "the run (lattice 64x64, 400 measurements) does not fit in memory: it needs") {
		t.Errorf("a resume that can read its files but not run: exit %d, %q", code, stderr)
	}
	hostMemory = quench.HostMemory
	if code, _, stderr := runQ(t, "resume", out, "--sweeps", "400", "--quiet"); code != 0 {
		t.Errorf("resume with the host's memory: exit %d, %q", code, stderr)
	}
}

// failWriter fails every write, as a full disk behind stdout does.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// A results table that cannot be written (stdout on a full disk) is said
// in one line with exit 1, pointing to the complete run's summary: it had
// been lost without a word and exit 0.
func TestTableWriteFails(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r")
	var e bytes.Buffer
	code := Main([]string{"run", "--L", "8", "--sweeps", "20", "--therm", "0", "--quiet", "--out", out}, failWriter{}, &e)
	want := "quench: the results table could not be printed: no space left on device (the run is complete: its results are in " + filepath.Join(out, sim.SummaryFile) + ")\n"
	if code != 1 || e.String() != want {
		t.Errorf("exit %d, stderr %q, want 1 and %q", code, e.String(), want)
	}
	if _, err := os.Stat(filepath.Join(out, sim.SummaryFile)); err != nil {
		t.Errorf("the run's summary: %v", err)
	}
	// the other commands' results too: compare's verdict, bench's table,
	// the version (they had exited 0 with nothing said)
	other := filepath.Join(t.TempDir(), "r2")
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "10", "--therm", "0", "--quiet", "--out", other); code != 0 {
		t.Fatal(stderr)
	}
	for _, args := range [][]string{{"compare", out, other}, {"version"}, {"--version"}, {"bench", "--backend", "cpu", "--model", "kmp", "--L", "8", "--sweeps", "1", "--min-time", "0"}} {
		var e bytes.Buffer
		code := Main(args, failWriter{}, &e)
		want := "quench: the output could not be written: no space left on device\n"
		if code != 1 || e.String() != want {
			t.Errorf("%v: exit %d, stderr %q, want 1 and %q", args, code, e.String(), want)
		}
	}
}

// A plain run refuses, before its work, a directory under the series
// log's name (which heldRun does not count as a held run): it had run to
// its first checkpoint and failed renaming series.qck over it (exit 1).
func TestRunRefusesNonFileSeriesLog(t *testing.T) {
	for _, name := range []string{sim.SeriesLogFile, sim.ImageFile} {
		testRunRefusesNonFile(t, name)
	}
}

// testRunRefusesNonFile: a directory under a run file's name is named as
// such with and without --force (under an output's name it had been
// taken for an earlier run: "pass --force", which then refused it).
func testRunRefusesNonFile(t *testing.T, name string) {
	out := filepath.Join(t.TempDir(), "r")
	p := filepath.Join(out, name)
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, force := range []bool{false, true} {
		args := []string{"run", "--L", "8", "--sweeps", "20", "--therm", "0", "--quiet", "--out", out}
		who := "--out"
		if force {
			args, who = append(args, "--force"), "--force"
		}
		code, stdout, stderr := runQ(t, args...)
		if want := "quench: " + who + ": " + p + " is a directory, not an output of a run: remove or rename it first\n"; code != 2 || stdout != "" || stderr != want {
			t.Errorf("force %v: exit %d, stdout %q, stderr %q, want 2 and %q", force, code, stdout, stderr, want)
		}
	}
}

// A refused count names the flag (or config file key) it was given as,
// not the alias validation knows it by: --therm -1 on a sandpile said
// "--therm-grains -1".
func TestRefusalNamesTypedAlias(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "therm.toml")
	os.WriteFile(file, []byte("model = \"sandpile\"\nL = 8\ntherm = -2\n"), 0o644)
	out := filepath.Join(dir, "out")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", "sandpile", "--L", "8", "--therm", "-1"}, "quench: --therm -1 is not allowed: thermalization grains must be >= 0\n"},
		{[]string{"--model", "sandpile", "--L", "8", "--therm-grains", "-1"}, "quench: --therm-grains -1 is not allowed: thermalization grains must be >= 0\n"},
		{[]string{"--model", "sandpile", "--L", "8", "--sweeps", "0"}, "quench: --sweeps 0 is not allowed: at least 1 measured grain is needed\n"},
		{[]string{"--model", "sandpile", "--L", "8", "--grains", "0"}, "quench: --grains 0 is not allowed: at least 1 measured grain is needed\n"},
		{[]string{"--model", "phi4", "--L", "8", "--sweeps", "-1"}, "quench: --sweeps -1 is not allowed: at least 1 measured step is needed\n"},
		{[]string{"--model", "phi4", "--L", "8", "--steps", "-1"}, "quench: --steps -1 is not allowed: at least 1 measured step is needed\n"},
		{[]string{"--config", file}, "quench: --therm -2 is not allowed: thermalization grains must be >= 0 (set in the config file " + file + ")\n"},
		// every flag of the message, not the first alone
		{[]string{"--model", "sandpile", "--L", "8", "--sweeps", "2000000000", "--therm", "2000000000"}, "quench: --sweeps + --therm = 4000000000 is too many: at most 2^31-1 grains (avalanche stamps are int32)\n"},
		{[]string{"--model", "sandpile", "--L", "8", "--grains", "2000000000", "--therm-grains", "2000000000"}, "quench: --grains + --therm-grains = 4000000000 is too many: at most 2^31-1 grains (avalanche stamps are int32)\n"},
	} {
		code, _, stderr := runQ(t, append([]string{"run", "--out", out}, c.args...)...)
		if code != 2 || stderr != c.want {
			t.Errorf("%v: exit %d %q, want 2 %q", c.args, code, stderr, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%v: %s was written", c.args, out)
		}
	}
}

// A sandpile run reports Dhar's exact mean avalanche size for its lattice
// (summary.json "exact", and a line under the table), and grains_lost's 1,
// and how many errors the measured means are from them: a stationary
// start is within 4, a cold pile measured while it fills up is not, and
// the line says so; its too short thermalization is therm_short in the
// JSON, and a warning under the table.
func TestSandpileExactSize(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		far  bool
	}{
		{[]string{"--L", "16", "--grains", "4000"}, false},
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
		if !strings.Contains(stdout, line) || strings.Contains(stdout, far) != c.far || (math.Abs(z) > 4) != c.far || (math.Abs(zg) > 4) != c.far || !c.far && !v.Reliable {
			t.Errorf("%v: z = %.2f and %.2f, far %v, reliable %v; table:\n%s", c.args, z, zg, c.far, v.Reliable, stdout)
		}
		warn := "\nwarning: --therm-grains 0 is fewer than the 3072 a cold pile of 1024 sites needs to fill up and become stationary (2N grains hot, 3N empty): its statistics are biased"
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
	if out := b.String(); !strings.Contains(out, "+10 errors from it: more than 4, as the run did not sample the symmetry's other side (the * note above)") || strings.Contains(out, "the step's bias") {
		t.Errorf("x_var marked symmetry:\n%s", out)
	}
}

// Synchronized Kuramoto phases (N = 100, k/T = 4) whose common phase did
// not turn in the run: x_mean lies far from the 1/2 of the symmetry of
// turning every phase alike, and the note says so, with the time a turn
// of the common phase's diffusion takes (2 pi^2 N/T = 1974 time units,
// 197393 steps at dt = 0.01, rounded up to 200000), and marks x_var with
// it; the exact line blames the side, not the start; the run-longer
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
		fmt.Sprintf("  x_mean            0.5         measured %+.2g errors from it: more than 4, as the run did not sample the symmetry's other side (the * note above)\n", (*x.Mean-0.5) / *x.Error),
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
	if note := symmetryNote(c, &r, []string{"x_mean", "x_var"}, nil); !strings.Contains(note, ": the phases, not synchronized (order_parameter under 1/2), each of which diffuses a turn in about 2 pi^2/T = 1.97e+06 time units (200000000 steps), did not turn far enough") {
		t.Errorf("k = 0: %q", note)
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
	if len(sum.Exact) != 11 || !(sum.Exact["binder"] > 0) {
		t.Errorf("ring: %d exact values, want 11 with binder: %v", len(sum.Exact), sum.Exact)
	}
	for _, want := range []string{"exp(-H/T) of this ring at dt -> 0", "a bias of order dt,", "energy ", "the step's bias shows: at half the --dt a bias shrinks about 2x"} {
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
	if len(sum.Exact) != 2 || sum.Exact["x_mean"] != 0.5 || !strings.Contains(stdout, fmt.Sprintf("  x_mean            0.5         measured %+.2g errors from it\n", zx)) || math.Abs(zx) > 4 {
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

// quench help TOPIC prints a command's help; an unknown topic is one line
// and exit 2, like an unknown command (cobra printed the usage and exited
// 0).
func TestHelpTopics(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"help", "foo"}, 2, "quench: unknown help topic \"foo\": the commands are bench, collect, compare, resume, run, verify, version\n"},
		{[]string{"help", "run", "extra"}, 2, "quench: unknown help topic \"run extra\": the commands are bench, collect, compare, resume, run, verify, version\n"},
		{[]string{"help", "run"}, 0, "quench run [flags]"},
		{[]string{"help"}, 0, "Available Commands:"},
	} {
		code, stdout, stderr := runQ(t, c.args...)
		got := stdout
		if c.code != 0 {
			got = stderr
		}
		if code != c.code || !strings.Contains(got, c.want) || (c.code != 0 && got != c.want) {
			t.Errorf("%v: exit %d, stdout %q stderr %q; want %d and %q", c.args, code, stdout, stderr, c.code, c.want)
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

// Flags shared by several models say which ones read them: --h is the
// Ising model's magnetic field and phi4's field term, and bench's --T is
// the Ising temperature only (a walkthrough read "temperature" as every
// model's and "magnetic field h" as the Ising model's alone).
func TestHelpSharedFlagModels(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--help"}, "field h: Ising the magnetic field, phi4 the term -h phi"},
		{[]string{"verify", "--help"}, "field h: Ising the magnetic field, phi4 the term -h phi"},
		{[]string{"bench", "--help"}, "Ising temperature, in 2D and 3D (with --model, only an Ising model takes it)"},
	} {
		code, stdout, stderr := runQ(t, c.args...)
		if code != 0 || !strings.Contains(stdout, c.want) {
			t.Errorf("%v: exit %d, stdout %q stderr %q; want %q", c.args, code, stdout, stderr, c.want)
		}
	}
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
	if code != 0 || !strings.Contains(stderr, "quench: note: --algo metropolis at T=10000 rejects a flip with probability at most 0.0008, so its sweeps mostly flip the lattice back and forth and it decorrelates over some 1/0.0008 = 1250 sweeps, where --algo heatbath takes about one\n") {
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
		{[]string{"--L", "4", "--grains", "10"}, "(too few snapshots for error bars (10: at least 100, in 50 bins spanning >= 20 tau_int each)): run longer:\n  about 100 grains: quench resume"},
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

// -h alone, or before a word that is no number, or after "--", or as a
// flag's value, or on a command without the field --h, is still cobra's
// help or that flag's value (helpForField finds nothing); on run and
// verify it finds the number, out of float64's range too.
func TestHelpForFieldSpares(t *testing.T) {
	root := newRoot(io.Discard, io.Discard)
	for _, args := range [][]string{{"run", "-h"}, {"run", "-h", "--L", "8"}, {"run", "--", "-h", "1"}, {"-h"}, {"run", "--h", "0.5"},
		{"run", "--out", "-h", "1"}, {"resume", "dir", "-h", "0.6"}, {"collect", "-h", "2"}, {"compare", "-h", "1", "2"}, {"bench", "-h", "1"},
		{"version", "-h", "1"}, {"run", "-h", "1_0"}, {"run", "-h", "0x10"}} {
		if got := helpForField(root, args); got != "" {
			t.Errorf("%q: %q", args, got)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--quiet", "-h", "1e400"}, "1e400"}, {[]string{"verify", "--L", "8", "-h=-0.5"}, "-0.5"}, {[]string{"run", "--out=x", "-h", "3"}, "3"},
	} {
		if got := helpForField(root, c.args); got != c.want {
			t.Errorf("%q: %q, want %q", c.args, got, c.want)
		}
	}
	code, stdout, _ := runQ(t, "run", "-h")
	if code != 0 || !strings.Contains(stdout, "Usage:") {
		t.Errorf("run -h: exit %d, %q", code, stdout)
	}
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

// A directory another quench process works in is named as in use, not
// as a run to resume or collect; --config "" is refused, not the
// defaults run; a particle run at rest at T = 0 says its seed is unused,
// and runs of two seeds of it compare identical.
func TestInUseConfigEmptySeedUnused(t *testing.T) {
	// (the scale bounds: a tiny h beside J = 1, and J at its cap with the
	// default T = Tc |J|, run; a saved run outside them resumes)
	for _, args := range [][]string{{"--h", "1e-200"}, {"--J", "1e100"}, {"--model", "ising3d", "--J", "-3e99"}} {
		if code, _, stderr := runQ(t, append([]string{"run", "--L", "4", "--sweeps", "20", "--therm", "5", "--quiet", "--out", filepath.Join(t.TempDir(), "s")}, args...)...); code != 0 {
			t.Errorf("%q: exit %d, %q", args, code, stderr)
		}
	}
	saved := filepath.Join(t.TempDir(), "saved")
	if code, _, stderr := runQ(t, "run", "--L", "4", "--sweeps", "20", "--therm", "5", "--quiet", "--out", saved); code != 0 {
		t.Fatalf("exit %d, %q", code, stderr)
	}
	st, err := sim.ReadCheckpoint(saved)
	if err != nil {
		t.Fatal(err)
	}
	st.Config.J, st.Config.T, st.Config.Beta = 1e-300, 2e-300, 5e299 // as a run before the bounds could be
	if err := sim.WriteCheckpoint(saved, st); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runQ(t, "resume", saved, "--sweeps", "30", "--quiet"); code != 0 {
		t.Errorf("resume of a saved run at J = 1e-300: exit %d, %q", code, stderr)
	}
	dir := t.TempDir()
	run := filepath.Join(dir, "r")
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "50", "--quiet", "--out", run); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if inUse(run) {
		t.Fatalf("a finished run's directory is in use")
	}
	os.Remove(filepath.Join(run, sim.SummaryFile)) // as an extension does
	unlock, err := lockRun(run)
	if err != nil {
		t.Fatal(err)
	}
	if !inUse(run) {
		t.Errorf("a locked directory is not in use")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"collect", run}, "collect: " + run + " holds a run still going (another quench process is working there"},
		{[]string{"run", "--L", "8", "--out", run, "--quiet"}, "--out " + run + " is in use by another quench process"},
		{[]string{"run", "--config", "", "--quiet"}, `--config "" is not allowed: give a TOML file, or no --config`},
	} {
		code, stdout, stderr := runQ(t, c.args...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, stdout, stderr, c.want)
		}
	}
	unlock()
	// a run still going without a checkpoint yet (a new run before its
	// end): compare says so, not "no checkpoint"
	fresh := filepath.Join(dir, "fresh")
	if err := os.Mkdir(fresh, 0o755); err != nil {
		t.Fatal(err)
	}
	unlockFresh, err := lockRun(fresh)
	if err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := runQ(t, "compare", fresh, run); code != 2 || stdout != "" || stderr != "quench: "+fresh+" holds a run still going (another quench process is working there) that has written no checkpoint yet: compare it when it ends, or after its first --checkpoint-every checkpoint\n" {
		t.Errorf("compare of a run still going: exit %d, %q, %q", code, stdout, stderr)
	}
	unlockFresh()
	if code, _, stderr := runQ(t, "compare", fresh, run); code != 2 || !strings.Contains(stderr, "no checkpoint in "+fresh) {
		t.Errorf("compare of a directory without a run: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runQ(t, "collect", run); code != 2 || !strings.Contains(stderr, "holds an unfinished run (no summary.json yet): quench resume") {
		t.Errorf("collect of an unfinished run: exit %d, %q", code, stderr)
	}
	var outs []string
	for _, seed := range []string{"1", "2"} {
		out := filepath.Join(dir, "p"+seed)
		code, _, stderr := runQ(t, "run", "--model", "particles", "--N", "10", "--scheme", "baoab", "--T", "0", "--start", "cold", "--steps", "20", "--seed", seed, "--out", out, "--quiet")
		if code != 0 || !strings.Contains(stderr, "quench: note: particles at rest at T = 0 (the cold start, no noise) draws nothing: --seed "+seed+" is not used\n") {
			t.Errorf("particles at rest, seed %s: exit %d, %q", seed, code, stderr)
		}
		outs = append(outs, out)
	}
	if code, stdout, stderr := runQ(t, "compare", outs[0], outs[1]); code != 0 || !strings.Contains(stdout, "identical") {
		t.Errorf("compare of two seeds at rest: exit %d %s %s", code, stdout, stderr)
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
