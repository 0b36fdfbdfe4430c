package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/gpu"
	"github.com/quenchlab/quench/sim"
)

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
// A flag given twice with different values is refused, as two flags of
// one setting that disagree are, where pflag kept the last: on run,
// resume, verify and bench, and where the second spelling is --x=v. The
// same value again is let be (--quiet --quiet), and a config file's key
// under a flag still yields to it.
func TestFlagGivenTwice(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r")
	for _, args := range [][]string{
		{"run", "--L", "8", "--T", "2", "--T", "3", "--out", out},
		{"run", "--L", "8", "--T", "2", "--T=3", "--out", out},
		{"verify", "--L", "8", "--seed", "1", "--seed", "2"},
		{"bench", "--L", "8", "--L", "16"},
	} {
		code, stdout, stderr := runQ(t, args...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "is not allowed: it was given before, as ") || !strings.Contains(stderr, ": give each flag once") {
			t.Errorf("%v: exit %d %q %q", args, code, stdout, stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused run wrote %s", out)
	}
	// a second value that is no value of the flag is named as such
	if code, _, stderr := runQ(t, "run", "--quiet", "--quiet=maybe", "--out", out); code != 2 || !strings.Contains(stderr, "--quiet maybe is not allowed: true or false") {
		t.Errorf("--quiet=maybe after --quiet: exit %d %q", code, stderr)
	}
	code, stdout, stderr := runQ(t, "run", "--L", "8", "--T", "3", "--T", "3", "--sweeps", "100", "--quiet", "--quiet", "--out", out)
	if code != 0 || !strings.Contains(stdout, "T=3 ") {
		t.Fatalf("the same value twice: exit %d %s%s", code, stdout, stderr)
	}
	if code, _, stderr := runQ(t, "resume", out, "--sweeps", "300", "--sweeps", "200"); code != 2 || !strings.Contains(stderr, `--sweeps 200 is not allowed: it was given before, as "300": give each flag once`) {
		t.Errorf("resume --sweeps twice: exit %d %q", code, stderr)
	}
	cfg := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(cfg, []byte("T = 2\nL = 8\nsweeps = 100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := runQ(t, "run", "--config", cfg, "--T", "3", "--quiet", "--out", filepath.Join(dir, "c")); code != 0 || !strings.Contains(stdout, "T=3 ") {
		t.Errorf("config file under --T: exit %d %s%s", code, stdout, stderr)
	}
}

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
	if code, _, stderr := runQ(t, "resume", out, "--checkpoint-minutes", "-2"); code != 2 || stderr != "quench: --checkpoint-minutes -2 is not allowed: 0 (no timed checkpoints) or a number of minutes from 1/60 (a second) to 525600 (a year)\n" {
		t.Errorf("resume --checkpoint-minutes -2: exit %d %q", code, stderr)
	}
	if code, stdout, stderr := runQ(t, "resume", out, "--grains", "020", "--quiet"); code != 0 || !strings.Contains(stdout, "20 grains") {
		t.Errorf("resume --grains 020: exit %d %s%s", code, stdout, stderr)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	unknownKey := filepath.Join(dir, "unknown.toml")
	os.WriteFile(unknownKey, []byte("L = 8\ncolour = \"red\"\n"), 0o644)
	typoKey := filepath.Join(dir, "typo.toml")
	os.WriteFile(typoKey, []byte("model = \"phi4\"\nsheme = \"lm\"\n"), 0o644)
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
		{[]string{"--seed", "5 5"}, `--seed "5 5" is not allowed: a decimal integer`}, // (spaces around it are let be: TestFlagSpaces)
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
		{[]string{"--checkpoint-minutes", "-1"}, "--checkpoint-minutes -1 is not allowed: 0 (no timed checkpoints) or a number of minutes from 1/60 (a second) to 525600 (a year)"},
		{[]string{"--checkpoint-minutes", "1e-300"}, "--checkpoint-minutes 1e-300 is not allowed"},
		{[]string{"--checkpoint-minutes", "NaN"}, "--checkpoint-minutes NaN is not allowed"},
		{[]string{"--checkpoint-minutes", "1e6"}, "--checkpoint-minutes 1e+06 is not allowed"},
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
		{[]string{"--out", "   "}, `--out "   " is not allowed: a directory name of spaces alone`},
		{[]string{"--L", "--quiet"}, `--L needs a value (a whole number (digits only, e.g. 100000)): it took the next flag, --quiet, for one`},
		{[]string{"--config", filepath.Join(dir, "missing.toml")}, "missing.toml"},
		{[]string{"--config", unknownKey}, `unknown key "colour" (keys are the flag names of quench run's settings)` + "\n"},
		{[]string{"--config", typoKey}, `unknown key "sheme" (keys are the flag names of quench run's settings); did you mean "scheme"?`},
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
		args := withBase([]string{"run", "--out", out, "--quiet"}, c.args...)
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
		{[]string{"bench", "--model", "ising2d,"}, `--model "ising2d," is not allowed: an empty name between commas`},
		{[]string{"bench", "--sweeps", "9223372036854775807"}, "--sweeps 9223372036854775807 is not allowed: from 1 to 2^30 (a timing's most)"},
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
	// --L on the command line beats the file's shape (and --shape its L),
	// and a note says which of the file's keys it left out
	shaped := filepath.Join(dir, "shaped.toml")
	os.WriteFile(shaped, []byte("shape = \"4x4\"\nL = 6\nsweeps = 20\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
		note string
	}{
		{[]string{"--L", "8"}, "8x8", "quench: note: the config file's shape = 4x4 is not used: --L on the command line sets it\n"},
		{[]string{"--shape", "6x10"}, "6x10", "quench: note: the config file's L = 6 is not used: --shape on the command line sets it\n"},
		{nil, "4x4", ""},
	} {
		o := filepath.Join(t.TempDir(), "o")
		code, _, stderr := runQ(t, append([]string{"run", "--config", shaped, "--quiet", "--out", o}, c.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", c.args, code, stderr)
		}
		if st, _ := sim.ReadCheckpoint(o); st == nil || st.Config.Lattice().String() != c.want {
			t.Errorf("config shape 4x4, L 6 with %v: want %s", c.args, c.want)
		}
		if c.note != "" && !strings.Contains(stderr, c.note) || c.note == "" && strings.Contains(stderr, "the config file's") {
			t.Errorf("config shape 4x4, L 6 with %v: stderr %q, want the note %q", c.args, stderr, c.note)
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
		{"algo = \"bogus\"\n", `unknown --algo "bogus": allowed are metropolis, heatbath (or glauber, the same) (set in the config file `},
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
	if code, stdout, stderr := runQ(t, "compare", fresh, run); code != 2 || stdout != "" || stderr != "quench: "+fresh+" holds a run still going (another quench process is working there) that has written no checkpoint yet: compare it when it ends, or after its first checkpoint (--checkpoint-every, --checkpoint-minutes)\n" {
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
		if code != 0 || !strings.Contains(stderr, "quench: note: particles at rest at T = 0 (the cold start, no noise) draw nothing: --seed "+seed+" is not used\n") {
			t.Errorf("particles at rest, seed %s: exit %d, %q", seed, code, stderr)
		}
		outs = append(outs, out)
	}
	if code, stdout, stderr := runQ(t, "compare", outs[0], outs[1]); code != 0 || !strings.Contains(stdout, "identical") {
		t.Errorf("compare of two seeds at rest: exit %d %s %s", code, stdout, stderr)
	}
}

// --config reads a file of exactly 1 MiB, and refuses one of 1 MiB and a
// byte.
func TestReadConfigLimit(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{1 << 20, 1<<20 + 1} {
		p := filepath.Join(dir, "c.toml")
		data := append([]byte("L = 8\n"), bytes.Repeat([]byte("#"), size-6)...)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := readConfig(p)
		if size == 1<<20 && (err != nil || len(got) != size) {
			t.Errorf("%d bytes: %d read (%v)", size, len(got), err)
		}
		if size > 1<<20 && (!quench.IsUsage(err) || !strings.Contains(err.Error(), "is larger than 1.0 MiB")) {
			t.Errorf("%d bytes: %v", size, err)
		}
	}
}

// --phi0 is phi4's: refused for other models, out of range or NaN, and
// for a start whose field lies beyond what the time step holds (the
// stability bound counts the potential's minima, not the start); a
// start within it runs, and the table's heading names it.
func TestPhi0Flag(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", "ising2d", "--phi0", "1"}, "--phi0 does not apply to --model ising2d"},
		{[]string{"--model", "phi4", "--phi0", "NaN"}, "--phi0 NaN is not allowed: a number from -1000 to 1000"},
		{[]string{"--model", "phi4", "--phi0", "2e3"}, "--phi0 2000 is not allowed"},
		{[]string{"--model", "phi4", "--phi0", "10"}, "--dt 0.01 is unstable for the start at --phi0 10 (a hot start's field reaches 11, where the curvature m2 + 3 lambda phi^2 is 362): its stiffest mode needs dt < 0.0054054054054"},
		{[]string{"--model", "phi4", "--phi0", "10", "--start", "cold", "--scheme", "modelb"}, "--dt 0.01 is unstable for the start at --phi0 10 (a cold start's field reaches 10"},
	} {
		code, stdout, stderr := runQ(t, append([]string{"run", "--L", "8", "--steps", "10", "--out", filepath.Join(dir, "x")}, c.args...)...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, code, stderr, c.want)
		}
	}
	stdout, sum := runSummary(t, filepath.Join(dir, "ok"), "--model", "phi4", "--phi0", "1", "--start", "cold", "--L", "8", "--steps", "200", "--quiet")
	if !strings.Contains(stdout, " h=0 phi0=1 gamma=1 ") || sum.Params["phi0"] != 1.0 {
		t.Errorf("a start at phi0 1: params %v\n%s", sum.Params, stdout)
	}
	// between the wells the curvature is below the minima's (here
	// negative): no bound of its own (it read "dt < -0.0447")
	if code, _, stderr := runQ(t, "run", "--model", "phi4", "--dim", "3", "--L", "8", "--m2", "-16", "--phi0", "0.3", "--scheme", "modelb", "--start", "cold", "--dt", "0.003",
		"--steps", "20", "--therm", "0", "--quiet", "--out", filepath.Join(dir, "between")); code != 0 {
		t.Errorf("model B at phi0 0.3 between the wells of m2 = -16: exit %d %s", code, stderr)
	}
	// the symmetry's note: every seed starts on phi0's side
	c := &sim.Config{Model: "phi4", Scheme: quench.SchemeLM, Phi0: 1, T: 0.5, Shape: []int{16, 16}}
	if note := symmetryNote(c, nil, []string{"phi"}, nil); !strings.Contains(note, "every seed starts on the side of --phi0 1 (or, started far out, is still descending: thermalize longer); --phi0 0 starts on neither") {
		t.Errorf("symmetry note at phi0 1: %s", note)
	}
}

// --algo glauber is the heat bath under its other name: the run records
// heatbath, so quench compare finds it identical to a heatbath run.
func TestAlgoGlauber(t *testing.T) {
	dir := t.TempDir()
	g, h := filepath.Join(dir, "g"), filepath.Join(dir, "h")
	_, sum := runSummary(t, g, "--algo", "glauber", "--L", "8", "--sweeps", "10", "--quiet")
	runSummary(t, h, "--algo", "heatbath", "--L", "8", "--sweeps", "10", "--quiet")
	if sum.Params["algo"] != "heatbath" {
		t.Errorf("params %v", sum.Params)
	}
	if code, stdout, stderr := runQ(t, "compare", g, h); code != 0 || !strings.Contains(stdout, "identical") {
		t.Errorf("compare: exit %d %s %s", code, stdout, stderr)
	}
}

// A flag's help names a default only where it is not the zero value:
// --T's 0 means "the model's own default", which its usage spells out,
// and "(default 0)" after it contradicted that (a new user's audit).
// Every flag is wrapped to refuse a second value (onceValue); only
// switches may look like switches to pflag, which otherwise printed
// "(default 0)" after every number wrapped so.
func TestHelpNoZeroDefaults(t *testing.T) {
	for _, c := range []string{"run", "resume", "verify", "bench", "collect", "compare"} {
		code, stdout, stderr := runQ(t, c, "--help")
		if code != 0 {
			t.Fatalf("%s --help: exit %d %q", c, code, stderr)
		}
		for _, line := range strings.Split(stdout, "\n") {
			if strings.Contains(line, "(default 0)") || strings.Contains(line, "(default false)") {
				t.Errorf("%s --help: %q", c, line)
			}
		}
	}
	code, stdout, _ := runQ(t, "run", "--help")
	if code != 0 || !strings.Contains(stdout, "(default 256)") || !strings.Contains(stdout, `(default "metropolis")`) {
		t.Errorf("run --help lost its nonzero defaults: %q", stdout)
	}
}

// Spaces around a number, or around a shape's x, are let be, as bench's
// comma-separated lists always let them (a CLI audit found --L " 8"
// refused by run and taken by bench); a value of spaces alone is still
// no number.
func TestFlagSpaces(t *testing.T) {
	dir := t.TempDir()
	for i, args := range [][]string{{"--L", " 8"}, {"--shape", "8 x 8"}, {"--L", "8", "--T", " 2 "}, {"--L", "8 ", "--seed", " 3"}} {
		code, stdout, stderr := runQ(t, append([]string{"run", "--sweeps", "10", "--quiet", "--out", filepath.Join(dir, strconv.Itoa(i))}, args...)...)
		if code != 0 || !strings.HasPrefix(stdout, "quench ising2d 8x8 ") {
			t.Errorf("%q: exit %d %q %q", args, code, stdout, stderr)
		}
	}
	if code, _, stderr := runQ(t, "run", "--L", " ", "--out", filepath.Join(dir, "x")); code != 2 || !strings.Contains(stderr, `--L " " is not allowed: a whole number`) {
		t.Errorf(`--L " ": exit %d %q`, code, stderr)
	}
}
