package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/cpu"
	"github.com/quenchlab/quench/gpu"
	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/sim"
	"github.com/quenchlab/quench/stats"
)

// runFlags are the flags of quench run; a TOML config file may set the same
// keys, and flags given on the command line override it.
type runFlags struct {
	model, shape, algo, backend, out, start, config string
	L, device                                       int
	T, beta, J, h                                   float64
	sweeps, therm, every, checkpointEvery           int64
	seed                                            uint64
	force, quiet                                    bool

	// Langevin models
	scheme, precision, potential          string
	dim, d                                int
	dt, m2, lambda, gamma, mass, k, omega float64
	omegaSpread                           float64
	n, steps                              int64
	grains, thermGrains                   int64
	mass0, injection, fraction, alpha     float64
	profileEvery                          int64

	fromFile map[string]bool // flags set by the --config file, not the command line
}

// given names where flag name was set, for messages: " (set in the config
// file F)" when the --config file set it, else "".
func (f *runFlags) given(name string) string {
	if f.fromFile[name] {
		return fmt.Sprintf(" (set in the config file %s)", f.config)
	}
	return ""
}

func newRunCmd(stdout, stderr io.Writer) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a simulation (defaults: 2D Ising, L=256, T=Tc, CPU)",
		Example: `  quench run
  quench run --model ising3d --L 32 --T 4.0 --sweeps 20000
  quench run --shape 512x256 --beta 0.5 --algo heatbath --start cold --out runs/hb
  quench run --config run.toml --seed 7
  quench run --model phi4 --dim 3 --L 32 --scheme lm --m2 -1 --lambda 1 --T 2 --steps 20000
  quench run --model particles --potential kuramoto --N 100000 --k 4 --scheme lm --steps 5000
  quench run --model sandpile --L 256 --grains 200000
  quench run --model kmp --L 1024 --dim 1 --steps 10000 --backend auto
  quench run --model diffusion --L 256 --start cold --steps 2000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("config") && f.config == "" {
				// an unset variable in --config "$CFG" would run the defaults
				return quench.Usagef(`--config "" is not allowed: give a TOML file, or no --config`)
			}
			fromFile, err := applyConfigFile(cmd.Flags(), f.config)
			if err != nil {
				return err
			}
			f.fromFile = fromFile
			return runNew(cmd, &f, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.config, "config", "", "TOML file with the same keys as these flags (flags override it)")
	addModelFlags(fl, &f)
	int64Var(fl, &f.sweeps, "sweeps", 10000, "measured sweeps after thermalization")
	int64Var(fl, &f.therm, "therm", 1000, "thermalization sweeps (not measured; a stationary sandpile start and diffusion get 0 unless given)")
	int64Var(fl, &f.every, "every", 1, "measure every N sweeps")
	fl.StringVar(&f.backend, "backend", "cpu", "where to run: cpu, cuda, auto (cuda if available, else cpu)")
	intVar(fl, &f.device, "device", 0, "GPU device index for --backend cuda (among CUDA_VISIBLE_DEVICES)")
	fl.StringVar(&f.out, "out", "", "output directory (default runs/<model>-<shape>-<time>)")
	int64Var(fl, &f.profileEvery, "profile-every", 0, fmt.Sprintf("kmp, aggregation, transfer: steps between P(m) and C(r) snapshots; sandpile: grains between P(h) snapshots (0: about %d in the run, mass models fewer above 2^18 sites; -1: none)", sim.ProfileTarget))
	int64Var(fl, &f.checkpointEvery, "checkpoint-every", 0, "also checkpoint every N sweeps (0: only at the end and on interrupt)")
	fl.BoolVar(&f.force, "force", false, "overwrite an --out directory that holds an earlier run")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress bar")
	return cmd
}

// addModelFlags adds the flags that define a simulation's physics.
func addModelFlags(fl *pflag.FlagSet, f *runFlags) {
	fl.StringVar(&f.model, "model", "ising2d", "model: "+strings.Join(sim.Models, ", "))
	intVar(fl, &f.L, "L", 256, "linear size: every extent is L")
	fl.StringVar(&f.shape, "shape", "", "extents in numpy order, e.g. 512x256 (overrides --L)")
	floatVar(fl, &f.T, "T", 0, "temperature (default: Ising the critical temperature for --J, Tc |J|; phi4 and particles 1)")
	floatVar(fl, &f.beta, "beta", 0, "inverse temperature 1/T (instead of --T)")
	floatVar(fl, &f.J, "J", 1, "coupling J (negative: antiferromagnet)")
	floatVar(fl, &f.h, "h", 0, "field h: Ising the magnetic field, phi4 the term -h phi")
	fl.StringVar(&f.algo, "algo", "metropolis", "update: metropolis, heatbath")
	f.seed = 1
	fl.Var((*decimalSeed)(&f.seed), "seed", "random seed, a decimal integer from 0 to 2^64-1 (runs with the same seed are identical)")
	fl.StringVar(&f.start, "start", "hot", "initial state (default hot; sandpile stationary): hot (random), cold (Ising all +1, fields and particles 0, sandpile empty, masses all mass0, diffusion a unit spike at the centre site), stationary (sandpile, and its default: an exact sample of its stationary state)")
	fl.Lookup("start").DefValue = "" // help shows the default per model in the text, not "hot" for all
	// Langevin models
	intVar(fl, &f.dim, "dim", 2, "phi4, sandpile, mass models, diffusion: lattice dimension 1, 2 or 3 (mass models 1 or 2; --shape alone also sets it)")
	fl.StringVar(&f.scheme, "scheme", quench.SchemeEM, "phi4: em, lm, baoab, modelb; particles: em, lm, baoab")
	floatVar(fl, &f.dt, "dt", sim.DefaultDt, "phi4, particles: time step")
	floatVar(fl, &f.m2, "m2", -1, "phi4: mass term m^2")
	floatVar(fl, &f.lambda, "lambda", 1, "phi4: quartic coupling lambda")
	floatVar(fl, &f.gamma, "gamma", sim.DefaultGamma, "phi4: mobility (friction for baoab); particles: friction")
	floatVar(fl, &f.mass, "mass", sim.DefaultMass, "baoab: mass")
	fl.StringVar(&f.precision, "precision", "float64", "phi4, particles, diffusion: float32 or float64")
	int64Var(fl, &f.n, "N", 100000, "particles: number of particles")
	intVar(fl, &f.d, "d", 1, "particles: dimensions")
	fl.StringVar(&f.potential, "potential", quench.PotentialHarmonic, "particles: harmonic, doublewell, kuramoto")
	floatVar(fl, &f.k, "k", 1, "particles: spring constant, well depth or kuramoto coupling")
	floatVar(fl, &f.omega, "omega", 0, "kuramoto: mean natural frequency")
	floatVar(fl, &f.omegaSpread, "omega-spread", 0, "kuramoto: spread (standard deviation) of the natural frequencies")
	int64Var(fl, &f.steps, "steps", 0, "phi4, particles, mass models, diffusion: measured steps (same as --sweeps)")
	int64Var(fl, &f.grains, "grains", 0, "sandpile: measured grains (same as --sweeps)")
	int64Var(fl, &f.thermGrains, "therm-grains", 0, "sandpile: thermalization grains (same as --therm; when neither is given, 0 with --start stationary, else --therm's default)")
	floatVar(fl, &f.mass0, "mass0", 1, "kmp, aggregation, transfer: mean initial mass per site")
	floatVar(fl, &f.injection, "injection", 0.01, "aggregation: mass injected per site and sweep")
	floatVar(fl, &f.fraction, "fraction", 0.5, "transfer: fraction D of the mass moved across a bond")
	floatVar(fl, &f.alpha, "alpha", 0.1, "diffusion: D dt/dx^2 (below 1/(2 dim), where every mode relaxes)")
}

// aliasGroups are flags that name one setting (or two ways of giving it:
// T and beta): a file's key is skipped when any flag of its group was given
// on the command line, so the command line wins instead of clashing.
var aliasGroups = [][]string{{"T", "beta"}, {"sweeps", "steps", "grains"}, {"therm", "therm-grains"}}

// overrideGroups are flags that set the same thing one over the other
// (--shape overrides --L): given on the command line, either one skips
// the file's keys of both (a file's shape had beaten --L on the command
// line), while a file may hold both, as the command line may.
var overrideGroups = [][]string{{"L", "shape"}}

// bareWord matches the TOML parser's message for an unquoted word.
var bareWord = regexp.MustCompile(`\(last key "([^"]+)"\): expected value but found "([^"]*)" instead`)

// tomlHint adds to a TOML parse error what the likely slip is: a word
// without quotes ("algo = heatbath": algo = "heatbath"; a boolean key:
// true or false), an unquoted shape (8x8), a seed beyond int64.
func tomlHint(fl *pflag.FlagSet, msg, value string) string {
	if m := bareWord.FindStringSubmatch(msg); m != nil {
		if value != "" {
			m[2] = value // the parser's word stops at a digit: ising2d is "ising"
		}
		if f := fl.Lookup(m[1]); f != nil {
			switch f.Value.Type() {
			case "bool":
				return msg + fmt.Sprintf(" (%s takes true or false)", m[1])
			case "int", "int64", "float64":
				return msg + fmt.Sprintf(" (%s takes a number)", m[1])
			}
		}
		return msg + fmt.Sprintf(` (text values need quotes: %s = "%s")`, m[1], m[2])
	}
	if strings.Contains(msg, "expected a top-level item to end with a newline") {
		return msg + ` (text values need quotes, e.g. shape = "8x8")`
	}
	if strings.Contains(msg, "out of range for int64") {
		return msg + ` (a seed above 2^63-1 goes in quotes: seed = "18446744073709551615")`
	}
	return msg
}

// lineValue returns the text after "=" on the line of the TOML file at
// path where the parse error err is, without a trailing comment, or "".
func lineValue(path string, err error) string {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return ""
	}
	lines := configLines(path)
	if pe.Position.Line < 1 || pe.Position.Line > len(lines) {
		return ""
	}
	_, v, _ := keyValue(lines[pe.Position.Line-1])
	return v
}

// configLines returns the lines of the file at path, none if it cannot be
// read.
func configLines(path string) []string {
	data, err := readConfig(path)
	if err != nil {
		return nil
	}
	return strings.Split(string(data), "\n")
}

// keyValue splits a TOML line "key = value # comment" into the key
// (unquoted) and the value's text.
func keyValue(line string) (key, value string, ok bool) {
	key, value, ok = strings.Cut(line, "=")
	value, _, _ = strings.Cut(value, "#")
	return strings.Trim(strings.TrimSpace(key), `"'`), strings.TrimSpace(value), ok
}

// maxConfigBytes bounds what --config reads: a settings file takes a few
// hundred bytes, and reading a data file (or /dev/zero) whole would take
// memory without limit before anything could be said about it.
const maxConfigBytes = 1 << 20

// readConfig reads the config file at path, refusing one larger than
// maxConfigBytes without reading past that.
func readConfig(path string) ([]byte, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeNamedPipe != 0 {
		// a FIFO in the file system blocks the open until a writer comes
		// (a pipe given as /dev/stdin or <(...), a link, has one)
		return nil, quench.Usagef("config file %s is a named pipe (a FIFO), not a TOML file: give a file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, quench.Usagef("config file %s: %v", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, quench.Usagef("config file %s: %v", path, err)
	}
	if len(data) > maxConfigBytes {
		return nil, quench.Usagef("config file %s is larger than %s: not a TOML file of quench run's settings", path, quench.FormatBytes(maxConfigBytes))
	}
	// the TOML reader takes a UTF-16 byte-order mark alone for an empty
	// file, which would run the defaults
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return nil, quench.Usagef("config file %s starts with a UTF-16 byte-order mark: TOML files are UTF-8 (save it as UTF-8)", path)
	}
	return data, nil
}

// applyConfigFile sets every key of the TOML file whose flag (or an alias
// of it) was not given on the command line. Unknown keys are refused.
func applyConfigFile(fl *pflag.FlagSet, path string) (set map[string]bool, err error) {
	if path == "" {
		return nil, nil
	}
	set = map[string]bool{}
	data, err := readConfig(path)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if _, err := toml.Decode(string(data), &m); err != nil {
		return nil, quench.Usagef("config file %s: %s", path, tomlHint(fl, strings.TrimPrefix(oneLine(err.Error()), "toml: "), lineValue(path, err)))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	given := map[string]bool{} // flags given on the command line, with their aliases
	fl.Visit(func(f *pflag.Flag) {
		given[f.Name] = true
		for _, g := range append(slices.Clip(aliasGroups), overrideGroups...) {
			if slices.Contains(g, f.Name) {
				for _, a := range g {
					given[a] = true
				}
			}
		}
	})
	for _, k := range keys {
		flag := fl.Lookup(k)
		if flag == nil || k == "config" || k == "help" {
			// help is a command-line switch, not a setting (it was
			// accepted and ignored)
			return nil, quench.Usagef("config file %s: unknown key %q (keys are the flag names of quench run's settings)", path, k)
		}
		// every key is checked, also those the command line overrides
		if err := configValueFits(flag.Value.Type(), m[k]); err != nil {
			return nil, quench.Usagef("config file %s: %q %v", path, k, err)
		}
	}
	for _, g := range aliasGroups {
		var in []string
		for _, a := range g {
			if _, ok := m[a]; ok {
				in = append(in, fmt.Sprintf("%q", a))
			}
		}
		if len(in) > 1 {
			return nil, quench.Usagef("config file %s: %s are one setting: keep one of them", path, strings.Join(in, " and "))
		}
	}
	for _, k := range keys {
		if given[k] {
			continue // the command line wins
		}
		if f, ok := m[k].(float64); ok && f == 0 {
			// TOML reads 1e-400 as 0: refused as on the command line
			if raw := rawValue(path, k); nonzeroDigits(strings.ReplaceAll(raw, "_", "")) {
				return nil, quench.Usagef("--%s %s is not allowed: %v (set in the config file %s)", k, raw, errUnderflow, path)
			}
		}
		if err := fl.Set(k, fmt.Sprint(m[k])); err != nil {
			return nil, quench.Usagef("config file %s: bad value %v for %q: %v", path, m[k], k, err)
		}
		set[k] = true
	}
	return set, nil
}

// decimalSeed is a uint64 flag read in decimal only: pflag's own reads
// "010" as octal 8 and "0x10" as 16, a surprise for a seed.
type decimalSeed uint64

func (d *decimalSeed) String() string { return strconv.FormatUint(uint64(*d), 10) }
func (d *decimalSeed) Type() string   { return "uint64" }
func (d *decimalSeed) Set(s string) error {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("a decimal integer from 0 to 2^64-1")
	}
	*d = decimalSeed(v)
	return nil
}

// decimal is an integer flag read in decimal only, as --seed and --shape
// are: pflag's IntVar and Int64Var parse with base 0, reading "010" as
// octal 8, "0x10" as 16 and "1_6" as 16, so that a typo silently ran
// another lattice or length.
type decimal[T int | int64] struct{ p *T }

func (d decimal[T]) String() string { return strconv.FormatInt(int64(*d.p), 10) }
func (d decimal[T]) Type() string   { return fmt.Sprintf("%T", *d.p) }
func (d decimal[T]) Set(s string) error {
	bits := 64
	if _, ok := any(*d.p).(int); ok {
		bits = strconv.IntSize
	}
	if strings.HasPrefix(s, "+") {
		// ParseInt takes a sign; "digits only" and --seed do not
		return &strconv.NumError{Func: "ParseInt", Num: s, Err: strconv.ErrSyntax}
	}
	v, err := strconv.ParseInt(s, 10, bits)
	if err != nil {
		return err // a strconv error: flagError names what is allowed
	}
	*d.p = T(v)
	return nil
}

// intVar and int64Var define decimal integer flags (pflag's IntVar and
// Int64Var, in decimal only).
func intVar(fl *pflag.FlagSet, p *int, name string, def int, usage string) {
	*p = def
	fl.Var(decimal[int]{p}, name, usage)
}

func int64Var(fl *pflag.FlagSet, p *int64, name string, def int64, usage string) {
	*p = def
	fl.Var(decimal[int64]{p}, name, usage)
}

// number is a float64 flag read in decimal only, as the integer flags
// are: pflag's Float64Var takes the hex float "0x1p4" as 16 and "2_269" as 2269, and
// reads a nonzero number too small for float64 (--T 1e-400) as 0, whose
// message then named a 0 nobody typed.
type number struct{ p *float64 }

func (n number) String() string { return strconv.FormatFloat(*n.p, 'g', -1, 64) }
func (n number) Type() string   { return "float64" }
func (n number) Set(s string) error {
	digits := strings.ToLower(strings.TrimLeft(s, "+-"))
	if strings.Contains(s, "_") || strings.HasPrefix(digits, "0x") {
		return &strconv.NumError{Func: "ParseFloat", Num: s, Err: strconv.ErrSyntax} // flagError names what is allowed
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	if v == 0 && nonzeroDigits(s) {
		return errUnderflow
	}
	*n.p = v
	return nil
}

var errUnderflow = fmt.Errorf("too small: it rounds to 0 in float64, whose smallest positive number is %v", math.SmallestNonzeroFloat64)

// nonzeroDigits reports whether the decimal number s has a nonzero digit
// before its exponent.
func nonzeroDigits(s string) bool {
	mantissa, _, _ := strings.Cut(strings.ToLower(s), "e")
	return strings.ContainsAny(mantissa, "123456789")
}

// rawValue returns the text of top-level key k's value in the TOML file
// at path (up to a comment), or "".
func rawValue(path, k string) string {
	for _, line := range configLines(path) {
		if key, v, ok := keyValue(line); ok && key == k {
			return v
		}
	}
	return ""
}

// floatVar defines a float64 flag (pflag's Float64Var, refusing
// underflow to 0).
func floatVar(fl *pflag.FlagSet, p *float64, name string, def float64, usage string) {
	*p = def
	fl.Var(number{p}, name, usage)
}

// configValueFits checks a TOML value against the type of its flag: an
// integer for integer flags, a number for float flags, a string for
// string flags, true or false for switches.
func configValueFits(flagType string, v any) error {
	var is string
	switch x := v.(type) {
	case int64:
		switch flagType {
		case "string", "bool":
		case "uint64":
			if x < 0 {
				return fmt.Errorf("must be an integer from 0 to 2^64-1, not %d", x)
			}
			return nil
		case "int":
			if x != int64(int(x)) {
				return fmt.Errorf("must be an integer of at most %d, not %d", math.MaxInt, x)
			}
			return nil
		default:
			return nil
		}
		is = fmt.Sprintf("the integer %d", x)
	case float64:
		if flagType == "float64" {
			return nil
		}
		f := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(f, ".eIN") {
			f += ".0" // as written in the file: 8.0 is a float
		}
		is = "the float " + f
	case string:
		if flagType == "string" {
			return nil
		}
		if flagType == "uint64" {
			_, err := strconv.ParseUint(x, 10, 64)
			if err == nil {
				return nil // TOML integers stop at 2^63-1: larger seeds are quoted
			}
			if errors.Is(err, strconv.ErrRange) {
				return fmt.Errorf("must be an integer from 0 to 2^64-1, not %s", x)
			}
			// a quoted seed is read as a decimal integer, nothing else
			return fmt.Errorf("must be a decimal integer from 0 to 2^64-1 (in quotes above 2^63-1), not the string %q", x)
		}
		is = fmt.Sprintf("the string %q", x)
	case bool:
		if flagType == "bool" {
			return nil
		}
		is = fmt.Sprintf("%v", x)
	case []any:
		is = "an array"
	case map[string]any:
		is = "a table"
	case []map[string]any:
		is = "an array of tables"
	default:
		is = "a date or time"
	}
	want := "an integer"
	switch flagType {
	case "float64":
		want = "a number"
	case "string":
		want = "a string (in quotes)"
	case "bool":
		want = "true or false"
	}
	return fmt.Errorf("must be %s, not %s", want, is)
}

// modelFlags lists the model flags each model reads; a model flag given for
// another model is refused rather than silently ignored.
var modelFlags = map[string][]string{
	"ising2d":     {"L", "shape", "T", "beta", "J", "h", "algo"},
	"ising3d":     {"L", "shape", "T", "beta", "J", "h", "algo"},
	"phi4":        {"L", "shape", "dim", "T", "beta", "h", "scheme", "dt", "m2", "lambda", "gamma", "mass", "precision", "steps"},
	"particles":   {"T", "beta", "N", "d", "potential", "k", "omega", "omega-spread", "scheme", "dt", "gamma", "mass", "precision", "steps"},
	"sandpile":    {"L", "shape", "dim", "grains", "therm-grains", "profile-every"},
	"kmp":         {"L", "shape", "dim", "mass0", "steps", "profile-every"},
	"aggregation": {"L", "shape", "dim", "mass0", "injection", "steps", "profile-every"},
	"transfer":    {"L", "shape", "dim", "mass0", "fraction", "steps", "profile-every"},
	"diffusion":   {"L", "shape", "dim", "alpha", "precision", "steps"},
}

// checkModelFlags refuses model flags that do not apply to f.model.
func checkModelFlags(fl *pflag.FlagSet, f *runFlags, model string) error {
	allowed, ok := modelFlags[model]
	if !ok {
		return quench.Usagef("unknown --model %q: allowed are %s", model, strings.Join(sim.Models, ", "))
	}
	all := map[string]bool{}
	for _, names := range modelFlags {
		for _, n := range names {
			all[n] = true
		}
	}
	// the model's flags this command has (verify has no --profile-every)
	var own []string
	for _, n := range allowed {
		if fl.Lookup(n) != nil {
			own = append(own, n)
		}
	}
	var bad error
	fl.Visit(func(flag *pflag.Flag) {
		if bad == nil && all[flag.Name] && !slices.Contains(allowed, flag.Name) {
			bad = quench.Usagef("--%s%s does not apply to --model %s%s--%s)", flag.Name, f.given(flag.Name), model, modelFlagList, strings.Join(own, ", --"))
		}
	})
	return bad
}

// buildConfig turns flags into a validated run configuration. A refusal
// of a value the --config file set names the file: a message starting
// with its flag ("--T -1 is not allowed: ...", "unknown --algo ..."), or
// one about the lattice's extents when the file set L or shape.
func buildConfig(fl *pflag.FlagSet, f *runFlags) (sim.Config, error) {
	c, err := buildConfigFlags(fl, f)
	var u *quench.UsageError
	if err == nil || !errors.As(err, &u) || strings.Contains(u.Msg, "config file") {
		return c, err
	}
	var names []string
	if m := leadingFlag.FindStringSubmatch(u.Msg); m != nil {
		names = aliasesOf(m[1])
		// a setting given under another name: say that one (--therm -1
		// on a sandpile, which validation calls --therm-grains), for
		// every flag the message names ("--grains + --therm-grains = ..."),
		// but for a model's list of its own flags, which names each under
		// its usual name (it listed --grains as phi4's flag for --steps)
		head, list, _ := strings.Cut(u.Msg, modelFlagList)
		msg := flagName.ReplaceAllStringFunc(head, func(tok string) string {
			return "--" + typedAlias(fl, tok[2:])
		})
		if list != "" {
			msg += modelFlagList + list
		}
		if msg != u.Msg {
			u = &quench.UsageError{Msg: msg}
			err = u
		}
	} else if strings.HasPrefix(u.Msg, "extent ") || strings.HasPrefix(u.Msg, "lattice ") {
		names = []string{"L"} // the key that set the extents
		if f.shape != "" {
			names = []string{"shape"}
		}
	}
	for _, name := range names {
		if f.fromFile[name] {
			return c, quench.Usagef("%s%s", u.Msg, f.given(name))
		}
	}
	return c, err
}

// modelFlagList starts a message's list of a model's own flags
// (checkModelFlags).
const modelFlagList = " (its flags: "

// leadingFlag matches the flag a message starts with.
var leadingFlag = regexp.MustCompile(`^(?:unknown )?--([A-Za-z0-9-]+)[ =]`)

// flagName matches a flag's name anywhere in a message.
var flagName = regexp.MustCompile(`--[A-Za-z0-9][A-Za-z0-9-]*`)

// typedAlias is the name under which a count (sweeps, steps, grains;
// therm, therm-grains) was given, on the command line or in a config
// file, when not as name; else name.
func typedAlias(fl *pflag.FlagSet, name string) string {
	if fl.Changed(name) || name == "T" || name == "beta" {
		return name // T and beta are two settings of one temperature
	}
	for _, a := range aliasesOf(name) {
		if fl.Changed(a) {
			return a
		}
	}
	return name
}

// aliasesOf is name and the other keys of its alias group (aliasGroups).
func aliasesOf(name string) []string {
	for _, g := range aliasGroups {
		if slices.Contains(g, name) {
			return g
		}
	}
	return []string{name}
}

func buildConfigFlags(fl *pflag.FlagSet, f *runFlags) (sim.Config, error) {
	if err := checkModelFlags(fl, f, f.model); err != nil {
		return sim.Config{}, err
	}
	if fl.Changed("shape") && strings.TrimSpace(f.shape) == "" {
		// (not taken for no --shape: the extents would silently be --L's)
		return sim.Config{}, quench.Usagef(`--shape %q%s is not allowed: give the extents, like 512x256 (or 512 for every axis), or no --shape for --L`, f.shape, f.given("shape"))
	}
	c := sim.Config{
		Model: f.model, T: f.T, Beta: f.beta, J: f.J, H: f.h, Algo: f.algo,
		Sweeps: f.sweeps, Therm: f.therm, Every: f.every, Seed: f.seed,
		Start: f.start, CheckpointEvery: f.checkpointEvery,
	}
	if fl.Changed("steps") {
		if fl.Changed("sweeps") && f.steps != f.sweeps {
			return c, quench.Usagef("--steps %d and --sweeps %d disagree: they are the same setting", f.steps, f.sweeps)
		}
		c.Sweeps = f.steps
	}
	if fl.Changed("T") && fl.Changed("beta") {
		return c, quench.Usagef("both --T %v and --beta %v given: set one of them", f.T, f.beta)
	}
	if fl.Changed("grains") {
		if fl.Changed("sweeps") && f.grains != f.sweeps {
			return c, quench.Usagef("--grains %d and --sweeps %d disagree: they are the same setting", f.grains, f.sweeps)
		}
		c.Sweeps = f.grains
	}
	if fl.Changed("therm-grains") {
		if fl.Changed("therm") && f.thermGrains != f.therm {
			return c, quench.Usagef("--therm-grains %d and --therm %d disagree: they are the same setting", f.thermGrains, f.therm)
		}
		c.Therm = f.thermGrains
	}
	if f.model == "sandpile" && !fl.Changed("start") {
		// a hot pile needs of order N grains to fill up, and statistics
		// taken before that are biased: start from an exact sample, where
		// the sampler reaches (2^31 - 2 sites)
		if shape, err := latticeShape(fl, f); err != nil || (quench.Lattice{Shape: shape}).Sites() <= sim.MaxStationarySites {
			f.start, c.Start = "stationary", "stationary"
		}
	}
	if f.model == "sandpile" && f.start == "stationary" && !fl.Changed("therm") && !fl.Changed("therm-grains") {
		c.Therm = 0 // an exact stationary sample: thermalization would only cost time
	}
	if f.model == "diffusion" && !fl.Changed("therm") {
		// no stationary state but the uniform field to wait for: the
		// run's series is the relaxation itself, from the start (a cold
		// start's spike, which 1000 steps spread over about 20 sites)
		c.Therm = 0
	}
	if f.model == "phi4" || f.model == "particles" {
		return buildLangevinConfig(fl, f, c)
	}
	if f.model == "sandpile" || sim.IsMass(f.model) || f.model == "diffusion" {
		shape, err := latticeShape(fl, f)
		if err != nil {
			return c, err
		}
		c.Shape = shape
		c.Mass0, c.Injection, c.Fraction, c.Alpha, c.Precision = f.mass0, f.injection, f.fraction, f.alpha, f.precision
		if sim.HasProfiles(f.model) {
			c.ProfileEvery = f.profileEvery
		}
		if f.model != "aggregation" {
			c.Injection = 0
		}
		if f.model != "transfer" {
			c.Fraction = 0
		}
		if !sim.IsMass(f.model) {
			c.Mass0 = 0
		}
		if f.model != "diffusion" {
			c.Alpha, c.Precision = 0, ""
		}
		return c, c.Validate()
	}
	d := sim.Dim(f.model)
	if d == 0 {
		return c, quench.Usagef("unknown --model %q: allowed are %s", f.model, strings.Join(sim.Models, ", "))
	}
	if fl.Changed("T") && f.T == 0 {
		return c, quench.Usagef("--T 0 is not allowed: the temperature must be a positive finite number")
	}
	if fl.Changed("beta") && f.beta == 0 {
		return c, quench.Usagef("--beta 0 is not allowed: beta must be a positive finite number")
	}
	var tinyJ error // reported after validation, so other errors come first
	if !fl.Changed("T") && !fl.Changed("beta") {
		c.T = sim.DefaultT(f.model, f.J)
		if f.J != 0 && math.Abs(f.J) <= 1e100 && math.IsInf(1/c.T, 0) {
			tinyJ = quench.Usagef("--J %v%s is too small for the default temperature Tc |J| = %v (its inverse overflows): give --T or --beta", f.J, f.given("J"), c.T)
			c.T = sim.DefaultT(f.model, 1) // a stand-in while the rest is validated
		}
	}
	if f.shape != "" {
		shape, err := quench.ParseShape(f.shape, d)
		if err != nil {
			return c, quench.Usagef("--shape: %v", err)
		}
		c.Shape = shape
	} else {
		c.Shape = make([]int, d)
		for i := range c.Shape {
			c.Shape[i] = f.L
		}
	}
	if tinyJ != nil {
		// the rest validated with the stand-in's coupling too (a J
		// whose default temperature overflows makes every Metropolis
		// flip certain at the stand-in's)
		v := c
		v.J = 1
		if err := v.Validate(); err != nil {
			return c, err
		}
		return c, tinyJ
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

// buildLangevinConfig completes c for phi4 and particles.
func buildLangevinConfig(fl *pflag.FlagSet, f *runFlags, c sim.Config) (sim.Config, error) {
	c.Scheme, c.Dt, c.Gamma, c.Mass, c.Precision = f.scheme, f.dt, f.gamma, f.mass, f.precision
	if !fl.Changed("T") && !fl.Changed("beta") {
		c.T = 1
	}
	if fl.Changed("beta") && f.beta == 0 {
		return c, quench.Usagef("--beta 0 is not allowed: beta must be a positive finite number")
	}
	if f.model == "particles" {
		c.N, c.D, c.Potential, c.K, c.Omega, c.OmegaSpread = f.n, f.d, f.potential, f.k, f.omega, f.omegaSpread
		if err := checkKuramotoFlags(fl, f); err != nil {
			return c, err // before validation, which cannot name a config file
		}
		if err := checkLangevinFlags(fl, f); err != nil {
			return c, err
		}
		return c, c.Validate()
	}
	c.M2, c.Lambda = f.m2, f.lambda
	if fl.Changed("T") && f.T == 0 {
		return c, quench.Usagef("--T 0 is not allowed: the temperature must be a positive finite number")
	}
	shape, err := latticeShape(fl, f)
	if err != nil {
		return c, err
	}
	c.Shape = shape
	if err := checkLangevinFlags(fl, f); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// checkLangevinFlags refuses flags a known scheme or potential does not
// read, before validation would judge their values (--mass NaN under em
// does not apply; an unknown scheme or potential is left to validation,
// which names it first).
func checkLangevinFlags(fl *pflag.FlagSet, f *runFlags) error {
	// (modelb only for phi4: for particles it is an unknown scheme)
	known := f.scheme == quench.SchemeEM || f.scheme == quench.SchemeLM || f.scheme == quench.SchemeModelB && f.model == "phi4"
	if known && fl.Changed("mass") {
		return quench.Usagef("--mass%s does not apply to --scheme %s: only baoab has momenta", f.given("mass"), f.scheme)
	}
	if f.model == "particles" && (f.potential == quench.PotentialHarmonic || f.potential == quench.PotentialDoubleWell) {
		for _, name := range []string{"omega", "omega-spread"} {
			if fl.Changed(name) {
				return quench.Usagef("--%s%s does not apply to --potential %s: only kuramoto has natural frequencies", name, f.given(name), f.potential)
			}
		}
	}
	return nil
}

// checkKuramotoFlags refuses what the Kuramoto potential does not take:
// a mobility other than 1, more than one coordinate, the underdamped
// scheme (naming the config file that set them).
func checkKuramotoFlags(fl *pflag.FlagSet, f *runFlags) error {
	if f.potential != quench.PotentialKuramoto {
		return nil
	}
	if fl.Changed("gamma") && f.gamma != 1 {
		return quench.Usagef("--gamma %v%s does not apply to --potential kuramoto: its phases have unit mobility (dtheta/dt = omega + K r sin(psi - theta) + sqrt(2T) noise)", f.gamma, f.given("gamma"))
	}
	if fl.Changed("d") && f.d != 1 {
		return quench.Usagef("--d %d%s does not apply to --potential kuramoto: its phases have one coordinate", f.d, f.given("d"))
	}
	if f.scheme == quench.SchemeBAOAB {
		return quench.Usagef("--scheme baoab%s does not apply to --potential kuramoto: it is overdamped, use --scheme em or lm", f.given("scheme"))
	}
	return nil
}

// latticeShape reads --shape, or --dim and --L, for phi4 and the sandpile.
func latticeShape(fl *pflag.FlagSet, f *runFlags) ([]int, error) {
	if f.dim < 1 || f.dim > 3 {
		dims := "1, 2 or 3"
		if sim.IsMass(f.model) {
			dims = "1 or 2" // (a --dim 3 is refused with the lattice)
		}
		return nil, quench.Usagef("--dim %d is not allowed: %s lattices have %s dimensions", f.dim, f.model, dims)
	}
	if f.shape == "" {
		shape := make([]int, f.dim)
		for i := range shape {
			shape[i] = f.L
		}
		return shape, nil
	}
	dim := f.dim
	if !fl.Changed("dim") {
		// --shape alone sets the dimension: 64 is a ring, 64x32 a plane
		dim = strings.Count(strings.ToLower(f.shape), "x") + 1
	}
	shape, err := quench.ParseShape(f.shape, dim)
	if err != nil {
		return nil, quench.Usagef("--shape: %v", err)
	}
	return shape, nil
}

// openBackend returns the backend a run asked for. cuda without a GPU (or
// without CUDA in this build) is a usage error; auto falls back to the CPU
// with a one-line note. given names where a flag was set (runFlags.given),
// or is nil.
func openBackend(name string, device int, given func(string) string, stderr io.Writer) (quench.Backend, error) {
	if given == nil {
		given = func(string) string { return "" }
	}
	if device < 0 {
		return nil, quench.Usagef("--device %d%s is not allowed: GPU indices start at 0", device, given("device"))
	}
	switch name {
	case "cpu":
		if device != 0 {
			return nil, quench.Usagef("--device %d%s does not apply to --backend cpu (it picks a GPU for cuda or auto)", device, given("device"))
		}
		return cpu.New(), nil
	case "cuda":
		be, err := gpu.New(device)
		if err != nil {
			return nil, quench.Usagef("--backend cuda%s: %v", given("backend"), err)
		}
		return be, nil
	case "auto":
		be, err := gpu.New(device)
		if err != nil {
			fmt.Fprintf(stderr, "quench: note: no CUDA backend (%v); running on the CPU\n", shortReason(err))
			return cpu.New(), nil
		}
		return be, nil
	}
	return nil, quench.Usagef("unknown --backend %q: allowed are cpu, cuda, auto%s", name, given("backend"))
}

func shortReason(err error) string {
	if errors.Is(err, gpu.ErrNoCUDA) {
		return "built without CUDA support"
	}
	return err.Error()
}

// checkMemory refuses a run that cannot fit, before anything is allocated.
func checkMemory(c *sim.Config, be quench.Backend) error {
	host, _ := c.Bytes(be.Name() == "cpu")
	if err := checkHostMemory(c, host); err != nil {
		return err
	}
	return checkDeviceMemory(c, be)
}

// runWhat names a run's size in memory refusals.
func runWhat(c *sim.Config) string {
	if c.Model == "particles" {
		return fmt.Sprintf("N=%d particles in d=%d", c.N, c.D)
	}
	return "lattice " + c.Lattice().String()
}

// checkHostMemory refuses a run needing more than the host's available
// memory. A run that fits gets its estimate's heap share as the Go
// runtime's soft memory limit (sim.HeapLimit): the estimate counts what the run holds, but with the
// default GOGC the heap grows to twice what was live at the last
// collection before collecting the garbage of conversions and outputs
// (a float32 baoab phi4 run of 4096^2 holding 448 MB peaked at 894 MB of
// heap, 911 MiB resident, against an estimate of 640 MiB); with the
// limit the collector runs before the heap passes it.
func checkHostMemory(c *sim.Config, host uint64) error {
	if avail, _, err := hostMemory(); err == nil && host > avail {
		return quench.Usagef("the run (%s, %d measurements) does not fit in memory: it needs %s (%d bytes) of host memory, %s (%d bytes) are available",
			runWhat(c), c.Measurements(), quench.FormatBytes(host), host, quench.FormatBytes(avail), avail)
	}
	limitHeap(host)
	return nil
}

// limitHeap gives the Go runtime the heap's share of a host estimate
// (sim.HeapLimit) as its soft memory limit; the user's own GOMEMLIMIT
// stays.
func limitHeap(host uint64) {
	if host <= math.MaxInt64 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(sim.HeapLimit(host)))
	}
}

// hostMemory is quench.HostMemory (tests replace it).
var hostMemory = quench.HostMemory

// checkReadMemory refuses to resume the run in dir when even reading it
// cannot fit (readBytes). The run's own estimate, more, is checked once
// the checkpoint is read (checkMemory); without this a run that no longer
// fits (moved to a smaller machine, or with less memory free) was read
// first, and where even that did not fit was killed for memory rather
// than refused.
func checkReadMemory(dir string) error {
	files, need := readBytes(dir)
	need += sim.RuntimeBytes
	if avail, _, err := hostMemory(); err == nil && need > avail {
		return quench.Usagef("the run in %s does not fit in memory: reading its checkpoint and series log (%s and %s) needs at least %s (%d bytes) of host memory, %s (%d bytes) are available",
			dir, quench.FormatBytes(files[0]), quench.FormatBytes(files[1]), quench.FormatBytes(need), need, quench.FormatBytes(avail), avail)
	}
	return nil
}

// readBytes returns the sizes of the checkpoint and the series log in dir
// and the memory reading them takes (sim.ReadCheckpoint): the
// checkpoint's bytes while it decodes the state from them (as large
// again), and the series log's bytes while it parses its rows, which take
// more than the log: a row of w values is a slice of its own (8w bytes and
// a 24-byte header, and the 24 of its place in the growing list of rows,
// which holds up to twice that while it grows): measured 2.1 times the log
// for diffusion's rows of 3 values, 1.8 for kmp's, 1.06 for Ising's
// samples. Five times the log counts the log, the rows, the list's growth
// and what compare adds (two 8-byte indices a row).
func readBytes(dir string) (files [2]uint64, need uint64) {
	for i, name := range []string{sim.CheckpointFile, sim.SeriesLogFile} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Mode().IsRegular() {
			files[i] = uint64(fi.Size())
		}
	}
	return files, 2*files[0] + 5*files[1]
}

// checkDeviceMemory refuses a run on a GPU backend needing more than its
// free memory.
func checkDeviceMemory(c *sim.Config, be quench.Backend) error {
	if be.Name() == "cpu" {
		return nil
	}
	_, device := c.Bytes(false)
	if free, _, err := be.MemInfo(); err == nil && device > free {
		return quench.Usagef("the run (%s) does not fit on the device: it needs %s (%d bytes), %s (%d bytes) are free",
			runWhat(c), quench.FormatBytes(device), device, quench.FormatBytes(free), free)
	}
	return nil
}

// freeDisk is diskFree (tests replace it).
var freeDisk = diskFree

// checkDisk refuses a run whose outputs cannot fit on the disk
// (sim.Config.DiskBytes), of which have bytes are there already (a resumed
// run's checkpoint and measurement log, which the estimate counts).
func checkDisk(out string, c *sim.Config, have uint64) error {
	dir := out
	for {
		if _, err := os.Stat(dir); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
	// a file made and removed: the permissions, a read-only mount, a
	// pseudo file system such as /proc
	probe, err := os.CreateTemp(dir, ".quench-probe-*")
	if err != nil {
		return quench.Usagef("cannot create files in %s, where the outputs of %s go (%v): choose another directory", dir, out, errors.Unwrap(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	need := c.DiskBytes() - min(have, c.DiskBytes())
	if free, ok := freeDisk(dir); ok && need > free {
		return quench.Usagef("the outputs of this run need %s (%d bytes) of disk in %s, %s (%d bytes) are free",
			quench.FormatBytes(need), need, dir, quench.FormatBytes(free), free)
	}
	return nil
}

// checkNames refuses an output directory in which the run could not
// create its files: a path so long that the name of the longest temporary
// file it writes there (".checkpoint.qck.tmp" and up to 10 digits, ...)
// passes the system's limit on paths would otherwise fail the run at its
// first checkpoint, after its work.
func checkNames(out string) error {
	longest := ""
	for _, name := range sim.RunFiles() {
		if len(name) > len(longest) {
			longest = name
		}
	}
	p := filepath.Join(out, "."+longest+".tmp4294967295") // os.CreateTemp's longest
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if os.IsExist(err) {
			return nil
		}
		return quench.Usagef("cannot create the run's files in --out %s (%v): choose a shorter path or another directory", out, errors.Unwrap(err))
	}
	f.Close()
	os.Remove(p)
	return nil
}

// checkRunFiles refuses (for the command part named by who) anything but
// a regular file under the name of one of a run's files in dir: the run
// would fail on it only when it writes its outputs, after its work. With
// states false the checkpoint and the series log are left alone (a resumed
// run reads them through links, and replaces links by its own files).
func checkRunFiles(dir, who string, states bool) error {
	for _, name := range sim.RunFiles() {
		if !states && sim.IsStateFile(name) {
			continue
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Lstat(p); err == nil && !fi.Mode().IsRegular() {
			what := "not a regular file"
			switch {
			case fi.IsDir():
				what = "a directory"
			case fi.Mode()&os.ModeSymlink != 0:
				what = "a symbolic link"
			}
			return quench.Usagef("%s: %s is %s, not an output of a run: remove or rename it first", who, p, what)
		}
	}
	return nil
}

// heldRun names the file that shows dir holds a run, or is "": its
// checkpoint, else any of a run's outputs (summary.json, series.csv,
// lattice.npy, ...: a plain run silently replaced a series.csv whose
// summary had been deleted). A measurement log alone is not a run: a
// --force run killed before its first checkpoint leaves one.
func heldRun(dir string) string {
	for _, name := range append([]string{sim.CheckpointFile}, sim.RunFiles()...) {
		if sim.IsStateFile(name) && name != sim.CheckpointFile {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return name
		}
	}
	return ""
}

// claimDir creates and returns base, or base-2, base-3, ... when base
// exists: runs started in the same second without --out, even at the same
// moment, each get their own directory (os.Mkdir claims it atomically).
func claimDir(base string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return "", quench.Usagef("cannot create the output directory %s: %v", base, err)
	}
	dir := base
	for i := 2; ; i++ {
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !os.IsExist(err) {
			return "", quench.Usagef("cannot create the output directory %s: %v", dir, err)
		}
		dir = fmt.Sprintf("%s-%d", base, i)
	}
}

// prepareOut checks the output directory without creating it; with no
// --out it returns "" (runNew claims runs/<model>-<shape>-<time> when the
// run starts). locked: this process holds out's lock (the check again,
// under it), so that no other process can be working there.
func prepareOut(out string, force, locked bool) error {
	if out == "" {
		return nil
	}
	if fi, err := os.Stat(out); err == nil {
		if !fi.IsDir() {
			return quench.Usagef("--out %s exists and is not a directory", out)
		}
		name := heldRun(out)
		if _, err := os.Stat(filepath.Join(out, replacedDir)); err == nil && name == "" && !force {
			return quench.Usagef("--out %s holds, in %s, the run that a `run --force` killed before its first checkpoint was replacing: move its files back, or pass --force to overwrite it", out, replacedDir)
		}
		if name != "" && !force {
			if !locked && inUse(out) {
				return quench.Usagef("--out %s is in use by another quench process (a run or resume working there): wait for it to end, or choose another --out", out)
			}
			if !sim.IsStateFile(name) {
				return quench.Usagef("--out %s already holds a run's outputs (%s, no checkpoint to resume): pass --force to overwrite, or choose another --out", out, name)
			}
			if _, err := os.Stat(filepath.Join(out, sim.SummaryFile)); err == nil {
				// finished: resume would only write its outputs again
				return quench.Usagef("--out %s already holds a finished run (%s, %s): extend it with `quench resume %s` and a longer --sweeps, --steps or --grains (whichever its model counts), pass --force to overwrite, or choose another --out", out, name, sim.SummaryFile, shellWord(out))
			}
			return quench.Usagef("--out %s already holds a run (%s): continue it with `quench resume %s`, or pass --force to overwrite", out, name, shellWord(out))
		}
	}
	return nil
}

func runNew(cmd *cobra.Command, f *runFlags, stdout, stderr io.Writer) error {
	c, err := buildConfig(cmd.Flags(), f)
	if err != nil {
		return err
	}
	if f.device < 0 {
		return quench.Usagef("--device %d%s is not allowed: GPU indices start at 0", f.device, f.given("device"))
	}
	if f.device != 0 && f.backend == "cpu" {
		return quench.Usagef("--device %d%s does not apply to --backend cpu (it picks a GPU for cuda or auto)", f.device, f.given("device"))
	}
	if cmd.Flags().Changed("out") && f.out == "" {
		return quench.Usagef(`--out ""%s is not allowed: give a directory, or no --out for runs/<model>-<shape>-<time>`, f.given("out"))
	}
	// the notes wait until the run has passed every check, claimed its
	// directory included: a refusal is one line
	var notes bytes.Buffer
	be, err := openBackend(f.backend, f.device, f.given, &notes)
	if err != nil {
		return err
	}
	defer be.Close()
	if err := checkMemory(&c, be); err != nil {
		return err
	}
	out := f.out
	// (checkRunFiles first: see under the lock below)
	if err := checkRunFiles(out, map[bool]string{false: "--out", true: "--force"}[f.force], true); out != "" && err != nil {
		return err
	}
	if err := prepareOut(out, f.force, false); err != nil {
		return err
	}
	if err := checkLinks(out); err != nil {
		return err
	}
	if err := checkDisk(cmp.Or(out, "runs"), &c, 0); err != nil {
		return err
	}
	if fl := cmd.Flags(); fl.Changed("L") && fl.Changed("shape") {
		// documented (--shape overrides --L), but easy to miss
		fmt.Fprintf(&notes, "quench: note: --shape %s%s sets the extents; --L %d%s is not used\n", f.shape, f.given("shape"), f.L, f.given("L"))
	}
	if c.Model == "sandpile" && c.Start == "hot" && !cmd.Flags().Changed("start") {
		fmt.Fprintf(&notes, "quench: note: %d sites are beyond the stationary sampler (%d): starting hot, so statistics of the first ~%d grains are biased (thermalize with --therm-grains)\n",
			c.Lattice().Sites(), sim.MaxStationarySites, sim.SandpileFill("hot", c.Lattice().Sites()))
	} else if n := c.Lattice().Sites(); c.Model == "sandpile" && c.Start != "stationary" {
		// a hot pile (mean height (2d-1)/2) or an empty one fills up to
		// its stationary mean (about 2.1 in 2D) in of order N grains, and
		// then relaxes: 2N (3N) grains or more
		if need := sim.SandpileFill(c.Start, n); c.Therm < need {
			fmt.Fprintf(&notes, "quench: note: a %s pile of %d sites needs some %d thermalization grains to become stationary; with %d its statistics are biased (--therm-grains, or the default --start stationary, which needs none)\n",
				c.Start, n, need, c.Therm)
		}
	}
	if c.Model == "phi4" && c.Scheme == quench.SchemeModelB && c.H != 0 {
		// accepted (energy_field reports it), but easy to misread
		fmt.Fprintf(&notes, "quench: note: under model B the field h = %v couples to the conserved mean field alone: it adds -h m, a constant, to the energy and drops out of the dynamics but for rounding (the Laplacian of a uniform force is 0)\n", c.H)
	}
	if q, ok := c.MetropolisMaxReject(); ok && q < metropolisSlowReject {
		// accepted (refused below 2^-20), but its tau_int asks for long
		// runs: 16^2 at T = 1e4, energy tau_int 522, heat bath's 0.5
		fmt.Fprintf(&notes, "quench: note: --algo metropolis at T=%v rejects a flip with probability at most %.2g, so its sweeps mostly flip the lattice back and forth and it decorrelates over some 1/%.2g = %.0f sweeps, where --algo heatbath takes about one\n", c.T, q, q, 1/q)
	}
	if c.FieldRoundedAway() {
		fmt.Fprintf(&notes, "quench: note: the field h = %v changes no flip probability (each rounds to its value at h = 0): the run is the run at h = 0, whose exact values and symmetry (m -> -m) its results are judged by\n", c.H)
	}
	if c.SeedUnused() && cmd.Flags().Changed("seed") {
		what := "diffusion from a cold start (a spike at the centre)"
		if c.Model == "particles" {
			what = "particles at rest at T = 0 (the cold start, no noise)"
		}
		fmt.Fprintf(&notes, "quench: note: %s draws nothing: --seed %d%s is not used\n", what, c.Seed, f.given("seed"))
	}
	if c.Model == "particles" && c.Start == "cold" && c.T == 0 {
		// every coordinate 0: the double well's maximum, and for
		// repulsive phases of one frequency their synchronized state,
		// fixed points with no force, unstable, which without noise the
		// particles never leave
		switch {
		case c.Potential == quench.PotentialDoubleWell && c.K > 0:
			fmt.Fprintf(&notes, "quench: note: the cold start puts every coordinate at 0, the double well's maximum, where the force is 0: at T = 0 no noise moves them, so they stay there and never descend to the wells at +-1 (--start hot or T > 0 does)\n")
		case c.Potential == quench.PotentialKuramoto && c.K < 0 && c.OmegaSpread == 0:
			fmt.Fprintf(&notes, "quench: note: the cold start puts every phase at 0, synchronized (r = 1), where the repulsive coupling k = %v exerts no force: at T = 0 no noise moves them, so r stays 1 and never descends toward 0 (--start hot or T > 0 does)\n", c.K)
		}
	}
	if need, slowest := c.ThermBefore(); c.Therm < need {
		// a conserved field's long waves relax slowly: say so before a
		// long run, not only in its results (therm_short)
		fmt.Fprintf(&notes, "quench: note: the conserved field's slowest mode relaxes over %d steps, so with --therm %d the start's slow modes will not have relaxed when measuring begins and the means are biased: --therm %d or more lets them relax\n",
			slowest, c.Therm, need)
	}
	var startBar *progressbar.ProgressBar
	if c.Start == "stationary" && len(c.Shape) > 1 && !f.quiet && isTerminal(stderr) {
		// seconds to a minute for large piles, before the run's bar
		startBar = newStartBar(c, stderr)
	}
	// signals are caught from here: while the start state is drawn, the
	// directory is claimed and locked and a --force run puts the old run
	// aside, and then by the run itself
	ctx, stop := catchSignals()
	defer stop()
	st, err := newState(ctx, c, stderr, startBar)
	if err != nil {
		return err
	}
	// made: the directories this run made, out first (none: out was there)
	var made []string
	if out == "" {
		made = missingDirs("runs")
		if out, err = claimDir(filepath.Join("runs", fmt.Sprintf("%s-%s-%s", c.Model, c.ShapeString(), time.Now().Format("20060102-150405")))); err != nil {
			return err
		}
		made = append([]string{out}, made...)
	} else {
		made = missingDirs(out)
		if err := os.MkdirAll(out, 0o755); err != nil {
			// the parents made before the part that failed (a name
			// too long, a permission) go again
			removeDirs(made)
			if errors.Is(err, syscall.ENAMETOOLONG) {
				return quench.Usagef("cannot create --out %s (%v): choose a shorter path or another directory", out, errors.Unwrap(err))
			}
			return quench.Usagef("cannot create --out %s: %v", out, err)
		}
	}
	unlock, err := lockRun(out)
	if err == nil {
		// a directory or link under a run file's name first: it is no
		// held run (heldRun: the series log), or --force would refuse it
		// after prepareOut had asked for --force; the run failed on it
		// only at its first checkpoint or its outputs, after its work
		err = checkRunFiles(out, map[bool]string{false: "--out", true: "--force"}[f.force], true)
		if err == nil {
			// again under the lock: a run may have ended in out since
			err = prepareOut(out, f.force, true)
		}
		if err == nil {
			err = checkNames(out)
		}
		if err != nil {
			unlock()
		}
	}
	if err != nil {
		removeDirs(made)
		return err
	}
	defer unlock()
	io.Copy(stderr, &notes)
	backup := ""
	if leftover := filepath.Join(out, replacedDir); f.force {
		if _, err := os.Stat(leftover); err == nil {
			// stale only beside a run with its own checkpoint: a --force
			// run killed while moving the old run's files leaves some of
			// its outputs here and its checkpoint in the backup
			if _, err := os.Stat(filepath.Join(out, sim.CheckpointFile)); err != nil {
				// the only copy of the run a killed --force run was
				// replacing: this run's backup now (put back if it is
				// interrupted before it starts or fails, gone at its
				// first checkpoint)
				backup = leftover
			} else {
				os.RemoveAll(leftover) // stale: the run beside it replaced it
			}
		}
	}
	if heldRun(out) != "" {
		// --force: every file of the old run goes (into backup) before
		// this one starts, so none is left to pass for this run's if it is
		// interrupted or does not write that file; anything but a regular
		// file under one of their names is refused before any is moved
		if err := checkRunFiles(out, "--force", true); err != nil {
			return err
		}
		if backup, err = moveRun(out, filepath.Join(out, replacedDir)); err != nil {
			moveRun(filepath.Join(out, replacedDir), out) // what was moved goes back
			os.Remove(filepath.Join(out, replacedDir))
			return err
		}
	}
	if testHookBeforeRun != nil {
		testHookBeforeRun(ctx)
	}
	if ctx.Err() != nil {
		// before the run began: the directory as it was
		if backup != "" {
			moveRun(backup, out)
			os.Remove(backup)
		}
		unlock()
		removeDirs(made)
		fmt.Fprintln(stderr, "quench: interrupted before the run started; nothing was written")
		return sim.ErrInterrupted
	}
	// the old run goes once the new one has a checkpoint
	afterCheckpoint := func() {
		if backup != "" {
			os.RemoveAll(backup)
			backup = ""
		}
	}
	// the directory is let go before the table is printed too
	err = execute(ctx, func() { unlock(); stop() }, st, be, out, f.quiet, stdout, stderr, afterCheckpoint)
	if backup != "" {
		_, statErr := os.Stat(filepath.Join(out, sim.CheckpointFile))
		if err == nil || errors.Is(err, sim.ErrInterrupted) || statErr == nil {
			os.RemoveAll(backup) // this run has replaced it
		} else if _, rerr := moveRun(backup, out); rerr == nil {
			// this run failed with nothing to resume: the run it was to
			// replace is back
			os.Remove(backup)
			note := fmt.Sprintf(" (--force: the run that was in %s is restored)", out)
			if f := (*failure)(nil); errors.As(err, &f) {
				err = &failure{fmt.Errorf("%w%s", f.err, note)}
			} else {
				err = quench.Usagef("%v%s", err, note)
			}
		}
	}
	unlock()
	if err != nil && !errors.Is(err, sim.ErrInterrupted) {
		// a run that failed before writing anything leaves no directory
		// (os.Remove leaves a non-empty one, with a checkpoint, alone),
		// nor the parents it made (runs/, or those of --out)
		removeDirs(made)
		if _, serr := os.Stat(out); len(made) > 0 && errors.Is(serr, fs.ErrNotExist) && errors.Is(err, sim.ErrCheckpointLost) {
			// (an interrupt whose checkpoint failed: say that the
			// steps run are gone with it)
			err = fmt.Errorf("%w; nothing of the run was kept, its %s lost: its directory %s, which it made, was removed", err, count(st.Step, st.Config.StepUnit()), out)
		}
	}
	return err
}

// missingDirs lists dir and its ancestors that do not exist yet, dir
// first: what os.MkdirAll(dir) makes.
func missingDirs(dir string) []string {
	var made []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		// a path past the system's limit does not exist either: it is
		// made up to the part that fails
		// (Lstat: a link, even to nothing, is not made here, so it is
		// never removed)
		if _, err := os.Lstat(d); err == nil || !os.IsNotExist(err) && !errors.Is(err, syscall.ENAMETOOLONG) {
			return made
		}
		made = append(made, d)
		if filepath.Dir(d) == d {
			return made
		}
	}
}

// checkLinks refuses an output directory (out, or runs/ when out is "")
// whose path goes through a link to nothing: the directories could not be
// made through it, and a message from mkdir ("file exists") would not say
// why.
func checkLinks(out string) error {
	flag, dir := "--out", out
	if out == "" {
		flag, dir = "the output directory", "runs"
	}
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Lstat(d)
		if err == nil {
			if fi.Mode()&fs.ModeSymlink != 0 {
				if _, err := os.Stat(d); err != nil {
					target, _ := os.Readlink(d)
					what, fix := fmt.Sprintf("a link to nothing (%s)", target), ", or create the link's target"
					if !os.IsNotExist(err) {
						what, fix = fmt.Sprintf("a link that cannot be followed (%s: %v)", target, errors.Unwrap(err)), ""
					}
					if d == filepath.Clean(dir) {
						return quench.Usagef("%s %s is %s: give a directory%s", flag, dir, what, fix)
					}
					return quench.Usagef("%s %s: %s is %s: give another directory%s", flag, dir, d, what, fix)
				}
			}
			return nil // the deepest part that exists: what is above it was resolved
		}
		if filepath.Dir(d) == d {
			return nil
		}
	}
}

// removeDirs removes the directories in order while they are empty.
func removeDirs(dirs []string) {
	for _, d := range dirs {
		if err := os.Remove(d); err != nil && !os.IsNotExist(err) && !errors.Is(err, syscall.ENAMETOOLONG) {
			return // not empty: what is above it stays too
		}
	}
}

// replacedDir holds, inside a run directory, the files of the run that
// `run --force` is replacing until the new run has a checkpoint (a
// leftover of a killed process is removed by the next --force or resume).
const replacedDir = ".quench-replaced"

// moveRun moves the run files (sim.RunFiles) of dir into to, created if
// needed, and returns to. A file missing in dir is skipped.
func moveRun(dir, to string) (string, error) {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return "", fmt.Errorf("--force: %w", err)
	}
	for _, name := range sim.RunFiles() {
		if err := os.Rename(filepath.Join(dir, name), filepath.Join(to, name)); err != nil && !os.IsNotExist(err) {
			return "", fmt.Errorf("--force: %w", err)
		}
	}
	return to, nil
}

// testHookBeforeRun, set by tests only, is called after the directory is
// ready and before the run starts, with the context a caught signal
// cancels.
var testHookBeforeRun func(ctx context.Context)

// testHookStart, set by tests only, is called before the start state is
// drawn, while signals are being caught.
var testHookStart func()

// newState draws the start state (a large stationary sandpile takes
// seconds, a lattice of 2^36 spins more). A signal meanwhile ends the run at
// once, before anything is written: one line, exit 130.
func newState(ctx context.Context, c sim.Config, stderr io.Writer, bar *progressbar.ProgressBar) (*sim.State, error) {
	type drawn struct {
		st  *sim.State
		err error
	}
	var progress func(done, total int64)
	if bar != nil {
		progress = func(done, _ int64) { bar.Set64(done) }
	}
	done := make(chan drawn, 1)
	go func() {
		if testHookStart != nil {
			testHookStart()
		}
		st, err := sim.NewStateProgress(c, progress)
		done <- drawn{st, err}
	}()
	var d drawn
	select {
	case d = <-done:
	case <-ctx.Done():
	}
	if bar != nil {
		// the drawing goroutine may still call progress: the bar stops
		// drawing first
		bar.Exit()
		bar.Clear()
	}
	if ctx.Err() != nil { // also a signal as the state came
		fmt.Fprintln(stderr, "quench: interrupted while drawing the start state; nothing was written")
		return nil, sim.ErrInterrupted
	}
	return d.st, d.err
}

// writingNoteBytes: runs whose checkpoint and outputs may take this much
// (sim.Config.DiskBytes) say so when their bar ends (a variable for tests).
var writingNoteBytes uint64 = 256 << 20

// testHookProgress, set by tests only, is called after every sweep while
// signals are being caught, with the context a caught signal cancels.
var testHookProgress func(ctx context.Context, step int64)

// testHookOutputs, set by tests only, is called before the outputs are
// computed.
var testHookOutputs func()

// testHookOutputsDone, set by tests only, is called when the goroutine
// writing the outputs ends.
var testHookOutputsDone func()

// testHookTerminal, set by tests, says whether a writer is a terminal.
var testHookTerminal func(w io.Writer) bool

// execute runs st to the end with a progress bar and signal handling, then
// writes the outputs and prints the results table.
// ctx is cancelled by a caught signal, until stopSignals (ctx's stop, and
// the directory's unlock) restores the signals' default action, before the
// table is printed: the run and its outputs are complete then, and a table
// blocked on a full stdout pipe must not make Ctrl-C do nothing. afterCheckpoint, if not nil,
// is called after each checkpoint.
func execute(ctx context.Context, stopSignals func(), st *sim.State, be quench.Backend, out string, quiet bool, stdout, stderr io.Writer, afterCheckpoint func()) error {
	sim.RemoveTemps(out) // of a process killed while writing
	wrote := false       // a checkpoint of this run as it is configured now
	opts := sim.Options{Dir: out, AfterCheckpoint: func() {
		wrote = true
		if afterCheckpoint != nil {
			afterCheckpoint()
		}
	}}
	bar, from, started, shown := newBar(st, quiet, stderr), st.Step, time.Now(), false
	if bar != nil || testHookProgress != nil {
		opts.Progress = func(step, total int64) {
			// the first picture after a second or a hundredth of the
			// steps: one drawn after the first step took its rate, and
			// the time left, from that step alone (87 hours shown for a
			// run of 2.5 s, whose first sweep paid for the start). A run
			// of 100 steps or fewer shows its first: such steps are long
			// (a big lattice's), and the start a small part of one
			if bar != nil && (shown || step == total || 100*(step-from) >= total-from || time.Since(started) >= time.Second) {
				shown = true
				bar.Set64(step - from)
				if step == total {
					// the last checkpoint and the outputs follow: on a
					// large lattice seconds of them, with the bar gone
					bar.Finish()
					if b := st.Config.DiskBytes(); b >= writingNoteBytes {
						fmt.Fprintf(stderr, "quench: writing the checkpoint and the outputs (up to %s)...\n", quench.FormatBytes(b))
					}
				}
			}
			if testHookProgress != nil {
				testHookProgress(ctx, step)
			}
		}
	}
	err := sim.Execute(ctx, be, st, opts)
	nl := "" // a message goes below the bar's line
	if bar != nil {
		if err == nil {
			bar.Finish() // clears it
		} else {
			bar.Exit() // leaves it where it stopped
			if bar.String() != "" {
				nl = "\n"
			}
		}
	}
	if errors.Is(err, sim.ErrInterrupted) {
		fmt.Fprintf(stderr, "%squench: interrupted after %s %d of %d; checkpoint written, continue with: quench resume %s\n",
			nl, strings.TrimSuffix(st.Config.StepUnit(), "s"), st.Step, st.Config.TotalSweeps(), shellWord(out))
		return err
	}
	if err != nil && nl != "" {
		fmt.Fprint(stderr, nl)
	}
	if err != nil {
		if quench.IsUsage(err) {
			return err // the parameters' fault (a diverged state): exit 2
		}
		if _, serr := os.Stat(filepath.Join(out, sim.CheckpointFile)); serr == nil { // this run's (another's was put aside)
			// (a disk that filled up, a device fault): the last checkpoint
			// stays whole, its log's records past it are cut off. One from
			// before this process (a resume's) may be of a shorter run:
			// the length goes in the advice
			how := "quench resume " + shellWord(out)
			if !wrote {
				how += fmt.Sprintf(" --%s %d", st.Config.StepUnit(), st.Config.Sweeps)
			}
			err = fmt.Errorf("%w (the last checkpoint in %s is whole: %s goes on from it)", err, out, how)
		}
		return &failure{err}
	}
	// the analysis and the outputs can take a while after the last step;
	// a signal then ends the process at once: the finished run is in the
	// checkpoint, and every output file is written whole or not at all
	var (
		sum   *sim.Summary
		names []string
		done  = make(chan error, 1)
		// closed on a signal: the writer, which goes on until the process
		// ends, puts no file in place after the removal below
		gate = &sim.OutputGate{}
	)
	go func() {
		if testHookOutputs != nil {
			testHookOutputs()
		}
		s, n := sim.MakeSummary(st, be.Name())
		err := sim.WriteOutputsGated(out, st, s, gate)
		sum, names = s, n
		done <- err
		if testHookOutputsDone != nil {
			testHookOutputsDone()
		}
	}()
	select {
	case err := <-done:
		if err != nil {
			// no set of outputs half this run's and half an earlier one's
			sim.RemoveOutputs(out)
			return &failure{fmt.Errorf("writing the outputs: %w (the finished run is in its checkpoint: quench resume %s writes them)", err, shellWord(out))}
		}
	case <-ctx.Done():
		gate.Close()
		sim.RemoveTemps(out) // the file being written when the signal came
		// and those written before it: no set of outputs that looks whole
		sim.RemoveOutputs(out)
		fmt.Fprintf(stderr, "quench: interrupted while writing the outputs of the finished run; its checkpoint is complete: quench resume %s writes them\n", shellWord(out))
		return sim.ErrInterrupted
	}
	stopSignals()
	tw := &errWriter{w: stdout}
	printTable(tw, st, sum, names, out)
	if tw.err != nil {
		// (stdout on a full disk: a broken pipe ends the process by
		// SIGPIPE, and Go opens /dev/null for a closed stdout; the run
		// and its outputs are whole)
		return &failure{fmt.Errorf("the results table could not be printed: %w (the run is complete: its results are in %s)", tw.err, filepath.Join(out, sim.SummaryFile))}
	}
	return nil
}

// errWriter keeps the first error of its writes and skips those after it.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// isTerminal reports whether w is a terminal (a test may say which
// writers are).
func isTerminal(w io.Writer) bool {
	if testHookTerminal != nil {
		return testHookTerminal(w)
	}
	fd, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(fd.Fd()) || isatty.IsCygwinTerminal(fd.Fd()))
}

// newBar returns a progress bar on a terminal, nil otherwise. It counts
// the steps this process runs, from the state's step (a resumed run's bar
// starts empty, "from step N"): the bar takes its rate from the count and
// the time since it started, so a resumed run's earlier steps, set as
// progress, showed millions of steps a second and too little time left.
// It starts without a first picture, whose rate would be 0 a hour.
func newBar(st *sim.State, quiet bool, stderr io.Writer) *progressbar.ProgressBar {
	left := st.Config.TotalSweeps() - st.Step
	if quiet || left <= 0 || !isTerminal(stderr) {
		return nil
	}
	desc := fmt.Sprintf("%s %s", st.Config.Model, st.Config.Lattice())
	if st.Config.Model == "particles" {
		// no lattice: the ensemble's size
		desc = fmt.Sprintf("particles N=%d d=%d", st.Config.N, st.Config.D)
	}
	if st.Step > 0 {
		desc += fmt.Sprintf(" from %s %d", strings.TrimSuffix(st.Config.StepUnit(), "s"), st.Step)
	}
	unit := st.Config.StepUnit()
	fit := fitBar(barLine{desc: desc, short: st.Config.Model, unit: unit, total: left, count: true, its: true, predict: true}, termColumns(stderr))
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(fit.desc),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionSetPredictTime(fit.predict),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionClearOnFinish(),
	}
	if fit.its {
		opts = append(opts, progressbar.OptionShowIts())
	}
	if fit.count {
		opts = append(opts, progressbar.OptionShowCount())
	}
	bar := progressbar.NewOptions64(left, opts...)
	bar.StartWithoutRender()
	return bar
}

// barLine is what a progress bar's line shows besides the bar.
type barLine struct {
	desc, short string // the description, and a shorter one
	unit        string // what it counts
	total       int64
	count       bool // done/total
	its         bool // the rate
	predict     bool // elapsed and left
}

// barMin is the least bar, in columns, that fitBar keeps room for.
const barMin = 10

// width is the line's columns at most: the description, the percentage,
// the bar (barMin), then, as the progress bar writes them, the count and
// the rate in parentheses and the times in brackets, at their widest.
func (l barLine) width() int {
	w := len(l.desc) + len(" 100% |") + barMin + len("|")
	var paren []string
	if l.count {
		n := len(strconv.FormatInt(l.total, 10))
		paren = append(paren, strings.Repeat("9", n)+"/"+strings.Repeat("9", n))
	}
	if l.its {
		paren = append(paren, "99999 "+l.unit+"/s")
	}
	if len(paren) > 0 {
		w += len(" ()") + len(strings.Join(paren, ", "))
	}
	if l.predict {
		w += len(" [99h59m59s:99h59m59s]")
	}
	return w
}

// fitBar drops from l what the line cannot hold in a terminal of cols
// columns (0: unknown, nothing dropped), in this order: the rate, the
// count, the times, the description's details, the description. The
// progress bar shrinks the bar itself to fit, but not the rest: a line
// wider than the terminal wraps, and every redraw left a line behind.
func fitBar(l barLine, cols int) barLine {
	if cols <= 0 {
		return l
	}
	fits := func() bool { return l.width() < cols } // the last column free: no wrap at the end
	for _, drop := range []func(){
		func() { l.its = false },
		func() { l.count = false },
		func() { l.predict = false },
		func() { l.desc = l.short },
		func() { l.desc = "" },
	} {
		if fits() {
			break
		}
		drop()
	}
	return l
}

// termColumns is the width of the terminal w writes to, 0 when unknown.
func termColumns(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	cols, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return cols
}

// newStartBar is the bar of a stationary sandpile's start
// (quench.SandpileStationaryProgress: three passes over the sites).
func newStartBar(c sim.Config, stderr io.Writer) *progressbar.ProgressBar {
	fit := fitBar(barLine{desc: fmt.Sprintf("stationary start %s", c.Lattice()), short: "stationary start", predict: true}, termColumns(stderr))
	bar := progressbar.NewOptions64(3*c.Lattice().Sites(),
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(fit.desc),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSetPredictTime(fit.predict),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	bar.StartWithoutRender()
	return bar
}

// howLong says how long a run the usual reliability rule asks for, by the
// longest tau_int it judged the marked observables' bins by (their own,
// and a derived one's inputs'), with two of its errors as a margin (the
// advice taken at its value fell short in 19 of 27 runs of an 8^2 lattice,
// each re-estimating tau_int a little longer): DefaultBins bins of 20 of
// it (and 2 DefaultBins measurements at least), with the command that
// extends this run to it; or, where it is longer, the run a window needs
// whose autocorrelations swing below 0 and reach past a quarter of this
// one (sim.Value's WindowNeeds, InputWindowNeeds). Empty where slow modes
// have their own advice, or nothing asks for more than the run has.
func howLong(st *sim.State, sum *sim.Summary, names []string, out string) string {
	c := &st.Config
	a := askOf(sum, names)
	if tau, what := sandpileHeightTau(c); tau > 0 && slices.Contains(names, "mean_height") {
		// a short run's own tau_int of the pile's height falls short of
		// it (64^2 after 20000 grains: 64.5 +- 18, where 260 is measured
		// over 10^6): the law measured on longer runs is a floor, plus
		// two errors of a tau_int estimated over a run that long (15%
		// each; over 340000 grains of 64^2, 2 seeds of 3 came out
		// reliable, their estimates 203 to 346)
		if h := max(1.3*tau/float64(c.Every), 0.5); h > a.hi {
			a.hi, a.by, a.lower = h, fmt.Sprintf(" by a %s pile's mean_height, which decorrelates over about %.3g grains (%s), plus 2 errors (this run's own tau_int, a short run's, falls short of it)", c.ShapeString(), tau, what), false
		}
	}
	if d := sum.Diffusive; d != nil {
		// the slow modes' note gives its run: this one only where the
		// tau_ints ask for more (model B's S_k on 16^2: 600000 steps where
		// the slow modes' note said 80000)
		if need, ok := runNeed(c, a.hi, c.Every); !ok || d.NeededSteps == 0 || need <= d.NeededSteps {
			return ""
		}
	}
	if adv := a.advice(c, c.Every, out); adv != "" {
		return ":\n  " + adv
	}
	return ""
}

// sandpileHeightTau is, for a 2D or 3D sandpile, the tau_int of its
// mean_height in grains, about c L^2 with L^2 = d / sum_a 1/L_a^2 (the
// slowest diffusive mode's scale; L^2 on a cube), c as measured over 10^6
// grains or more on this VM: 2D 0.069 (32^2, tau_int 70.6), 0.063 (64^2,
// 256 - 267), 0.063 (128^2, 1040), 0.061 (256^2, about 4000); 3D 0.64
// (12^3, 91.8), 0.73 (16^3, 187), 0.75 (24^3, 431). 0 for a chain, whose
// pile holds N - 1 grains nearly always (tau_int 0.5), and other models;
// what says where the law comes from.
func sandpileHeightTau(c *sim.Config) (tau float64, what string) {
	d := len(c.Shape)
	if c.Model != "sandpile" || d < 2 {
		return 0, ""
	}
	var inv float64
	for _, l := range c.Shape {
		inv += 1 / (float64(l) * float64(l))
	}
	l2 := float64(d) / inv
	if d == 2 {
		return 0.063 * l2, "0.063 L^2 in 2D, measured from 32^2 to 256^2"
	}
	return 0.75 * l2, "0.75 L^2 in 3D, measured from 12^3 to 24^3"
}

// askOf is the longest run the tau_ints of names ask for (howLong).
func askOf(sum *sim.Summary, names []string) longestAsk {
	var a longestAsk
	for _, n := range names {
		v := sum.Observables[n]
		a.take(v.TauInt, v.TauIntError, n+"'s", "measurements")
		a.take(v.InputTauInt, v.InputTauIntError, "an input of "+n+"'s", "measurements")
		a.takeWindow(v.WindowNeeds, n+"'s", "measurements")
		a.takeWindow(v.InputWindowNeeds, "an input of "+n+"'s", "measurements")
	}
	return a
}

// longestAsk keeps, of the tau_ints offered, the one whose value plus two
// errors asks for the longest run (the sum so far, where no window closed
// and there is no error), or of the windows' needs offered (takeWindow)
// the one that asks for more, and what to say of it.
type longestAsk struct {
	hi    float64
	by    string // " by X's tau_int, ..."
	lower bool   // hi is a sum so far: the run asked for is "at least"
}

func (a *longestAsk) take(tau, err *float64, whose, unit string) {
	if tau == nil {
		return
	}
	h, by := *tau, fmt.Sprintf(" by %s tau_int, over %.3g %s (no window closed)", whose, *tau, unit)
	if err != nil {
		h += 2 * *err
		by = fmt.Sprintf(" by %s tau_int, %.3g +- %s %s, plus 2 errors", whose, *tau, errDigits(*err), unit)
	}
	if h > a.hi {
		a.hi, a.by, a.lower = h, by, err == nil
	}
}

// takeWindow takes a window's need of need samples (stats.Estimate's
// WindowNeeds: autocorrelations that swing below 0 and reach past a
// quarter of the run) as a tau_int asking for that run at least.
func (a *longestAsk) takeWindow(need *float64, whose, unit string) {
	if need == nil {
		return
	}
	if h := *need / (20 * stats.DefaultBins); h > a.hi { // runNeed's run is 20 DefaultBins hi samples
		a.hi, a.by, a.lower = h, fmt.Sprintf(" by %s autocorrelations, which swing below 0 and reach past a quarter of the run (a window needs %.0f %s)", whose, math.Ceil(*need), unit), true
	}
}

// advice is the line that says how long a run the rule asks for by the
// longest tau_int taken, in samples every per steps, and the command that
// extends the run in out to it; empty where the run has that already.
func (a *longestAsk) advice(c *sim.Config, per int64, out string) string {
	need, ok := runNeed(c, a.hi, per)
	if !ok {
		return ""
	}
	about := "about"
	if a.lower {
		about = "at least"
	}
	return fmt.Sprintf("%s %d %s%s: %s (a longer run may find a longer tau_int)", about, need, c.StepUnit(), a.by, resumeCmd(c, out, need))
}

// runNeed is the run, in steps (sweeps, grains), the reliability rule asks
// for by a tau_int of hi samples taken every per steps: DefaultBins bins
// of 20 hi, 2 DefaultBins samples at least, rounded up to two digits; ok
// is false where the run already has that many, or no run can go that far
// (the counter's last step).
func runNeed(c *sim.Config, hi float64, per int64) (int64, bool) {
	need := max(int64(2*stats.DefaultBins), stats.DefaultBins*int64(math.Ceil(20*hi)))
	need = roundUp2(need * per)
	return need, need > c.Sweeps && need <= philox.MaxStep-1-c.Therm
}

// resumeCmd is the command that extends the run in out to need steps.
func resumeCmd(c *sim.Config, out string, need int64) string {
	flag := "--steps"
	switch {
	case sim.IsIsing(c.Model):
		flag = "--sweeps"
	case c.Model == "sandpile":
		flag = "--grains"
	}
	return fmt.Sprintf("quench resume %s %s %d", shellWord(out), flag, need)
}

// profileHowLong is howLong for the profile tables' marked entries
// (tau_int in snapshots, taken every ProfileEvery steps), by the entry
// whose tau_int plus two errors is longest (100 snapshots at least), or
// whose window needs more (sim.Profile's WindowNeeds): the advice, without
// the note's "run longer", or empty where slow modes give theirs, or none
// asks for more than the run has.
func profileHowLong(st *sim.State, sum *sim.Summary, out string) string {
	c := &st.Config
	if sum.Diffusive != nil || sum.ProfileEvery < 1 {
		return ""
	}
	var a longestAsk
	for _, name := range slices.Sorted(maps.Keys(sum.Profiles)) { // (ties: the first, every time)
		p := sum.Profiles[name]
		for i, ok := range p.Reliable {
			if ok {
				continue
			}
			label := fmt.Sprintf("%s[%d]", name, i)
			switch name {
			case "height_distribution":
				label = fmt.Sprintf("P(h = %d) of the lattice", i)
			case "height_distribution_center":
				label = fmt.Sprintf("P(h = %d) of the center", i)
			}
			var tau, err *float64
			if i < len(p.TauInt) {
				tau = p.TauInt[i]
			}
			if i < len(p.TauIntError) {
				err = p.TauIntError[i]
			}
			a.take(tau, err, label+"'s", "snapshots")
			if i < len(p.WindowNeeds) {
				a.takeWindow(p.WindowNeeds[i], label+"'s", "snapshots")
			}
		}
	}
	return a.advice(c, sum.ProfileEvery, out) // (no tau_int: the rule's 100 snapshots)
}

// errDigits formats an error of tau_int in two digits, whole numbers
// from 100 to a million (112, not 1.1e+02).
func errDigits(e float64) string {
	if e >= 99.5 && e < 1e6 {
		return fmt.Sprintf("%.0f", e)
	}
	return fmt.Sprintf("%.2g", e)
}

// lowerTauNote says what a tau_int shown as >x is.
const lowerTauNote = "  >: no Sokal window closed within a quarter of the run: that tau_int is the sum of the autocorrelations so far, not an estimate (a lower bound where they are all positive)"

// roundUp2 rounds n > 0 up to two significant digits.
func roundUp2(n int64) int64 {
	p := int64(1)
	for n/p >= 100 {
		p *= 10
	}
	return (n + p - 1) / p * p
}

// shellWord quotes s for a POSIX shell where it needs it; a name with a
// control character (a line break, a tab) as bash, zsh and ksh read
// $'...', so that the command stays on one line.
func shellWord(s string) string {
	if strings.HasPrefix(s, "-") {
		s = "./" + s // not a flag
	}
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-+:=@,") == "" {
		return s
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		var b strings.Builder
		b.WriteString("$'")
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case c == '\\' || c == '\'':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c < 0x20 || c == 0x7f:
				fmt.Fprintf(&b, "\\x%02x", c)
			default:
				b.WriteByte(c)
			}
		}
		return b.String() + "'"
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// count is "n things", with the plural's final s dropped for 1.
func count(n int64, plural string) string {
	if n == 1 {
		plural = strings.TrimSuffix(plural, "s")
	}
	return fmt.Sprintf("%d %s", n, plural)
}

func printTable(w io.Writer, st *sim.State, sum *sim.Summary, names []string, out string) {
	c := &st.Config
	unit, rate := c.StepUnit(), "site updates/ns"
	switch c.Model {
	case "ising2d", "ising3d":
		rate = "flips/ns (attempted)"
	case "sandpile":
		rate = "topplings/ns"
	case "particles":
		rate = "coordinate updates/ns"
	}
	fmt.Fprintf(w, "quench %s on %s\n", c.String(), sum.Backend)
	fmt.Fprintf(w, "%s after %s, %s (every %d), %.3g %s\n\n",
		count(c.Sweeps, unit), count(c.Therm, "thermalization "+unit), count(int64(sum.Measurements), "measurements"), c.Every, sum.Throughput.SiteUpdatesPerNs, rate)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "observable\tmean\terror\ttau_int")
	undefined, conserved, settled := false, false, false
	var unreliable []string // for the usual reason
	var broken []string     // by the symmetry rule
	var noTau []string      // no tau_int to judge the bins by
	var frozen []string     // the same in every measurement, where the dynamics can change it
	lowerTau := false       // an unreliable one's tau_int whose window did not close
	lowerNote := func() {   // what > means, once, below the note of the first such row
		if lowerTau {
			fmt.Fprintln(w, lowerTauNote)
			lowerTau = false
		}
	}
	for _, name := range names {
		v := sum.Observables[name]
		mark, tau := "", num(v.TauInt, "%.3g")
		if slices.Contains(sum.Conserved, name) {
			mark, conserved = " c", true
		} else if slices.Contains(sum.Settled, name) {
			mark, settled = " s", true
		} else if !v.Reliable && v.Mean != nil { // no value: "-", its own note
			mark = " *"
			switch {
			case slices.Contains(v.UnreliableBy, sim.ByNotStationary) || !slices.Contains(v.UnreliableBy, sim.ByTauInt):
			case v.TauInt == nil && v.WindowNeeds == nil && v.InputWindowNeeds == nil && sum.Measurements >= 2*stats.DefaultBins:
				// Sokal's sums found no window: running longer is not
				// what it needs (with WindowNeeds, an oscillation that
				// reaches past the run, it is)
				noTau = append(noTau, name)
			default:
				unreliable = append(unreliable, name)
			}
			if v.TauInt != nil && v.TauIntError == nil {
				// no window closed: the sum so far
				tau, lowerTau = ">"+tau, true
			}
			if slices.Contains(v.UnreliableBy, sim.BySymmetry) {
				broken = append(broken, name)
			} else if slices.Contains(v.UnreliableBy, sim.ByFrozen) {
				frozen = append(frozen, name) // (the symmetry's note says more)
			}
		}
		undefined = undefined || v.Mean == nil
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s\n", name, num(v.Mean, "%.8g"), num(v.Error, "%.2g"), tau, mark)
	}
	tw.Flush()
	if len(unreliable) > 0 {
		why := "too few measurements for this tau_int (each error bin should span >= 20 tau_int)"
		if !slices.ContainsFunc(unreliable, func(n string) bool { return sum.Observables[n].WindowNeeds == nil }) {
			// none has a tau_int: their autocorrelations reach past the run
			why = "too few measurements for a tau_int (its window, a quarter of the run at most, should span 6 times the reach of the autocorrelations)"
		}
		if least := 2 * stats.DefaultBins; sum.Measurements < least {
			why = fmt.Sprintf("too few measurements for error bars (%d: at least %d, in %d bins spanning >= 20 tau_int each)", sum.Measurements, least, stats.DefaultBins)
		}
		which := ""
		if sum.Diffusive != nil || len(broken) > 0 || len(noTau) > 0 {
			// two notes: say which each is for
			which = " " + strings.Join(unreliable, ", ") + ":"
		}
		adv := howLong(st, sum, unreliable, out)
		if c := &st.Config; c.Model == "particles" && c.Potential == quench.PotentialKuramoto {
			// Kuramoto's wrapped phases stuck on one side of the symmetry
			// (x_mean, x_var with it) have the symmetry's note, which
			// says how long their turn takes: a synchronized x_mean's
			// tau_int, the common phase's turn, asked for 90 times the
			// run its order parameter needed. (The Ising and phi4 notes
			// give no number: their tau_int stays the advice's.)
			advised := slices.DeleteFunc(slices.Clone(unreliable), func(n string) bool { return slices.Contains(broken, n) })
			if own := howLong(st, sum, advised, out); own != adv {
				var more []string // those that asked for more than the rest
				for _, n := range unreliable {
					if !slices.Contains(advised, n) && howLong(st, sum, append(slices.Clone(advised), n), out) != own {
						more = append(more, n)
					}
				}
				names := strings.Join(more, ", ")
				if own == "" {
					adv = fmt.Sprintf(" (%s: the note on the symmetry below says how long)", names)
				} else {
					adv = own + fmt.Sprintf("\n  (not by %s, which asked for more: the note on the symmetry below says how long)", names)
				}
			}
		}
		fmt.Fprintf(w, "\n*%s %s: run longer for trustworthy errors%s\n", which, why, adv)
		lowerNote()
	}
	if len(noTau) > 0 {
		nl := "\n"
		if len(unreliable) > 0 {
			nl = ""
		}
		fmt.Fprintf(w, "%s* %s: no tau_int (Sokal's window found no positive sum of its autocorrelations: an anticorrelated series, such as a count whose running total telescopes), so nothing vouches for its error bar\n", nl, strings.Join(noTau, ", "))
	}
	if len(broken) > 0 {
		nl := "\n"
		if len(unreliable) > 0 || len(noTau) > 0 {
			nl = ""
		}
		crossed := map[string]int64{}
		for _, name := range broken {
			if n := sum.Observables[name].SymmetryCrossings; n != nil {
				crossed[name] = *n
			}
		}
		fmt.Fprintf(w, "%s* %s\n", nl, symmetryNote(&st.Config, sum.Observables["order_parameter"].Mean, broken, crossed))
	}
	if len(frozen) > 0 {
		nl := "\n"
		if len(unreliable) > 0 || len(noTau) > 0 || len(broken) > 0 {
			nl = ""
		}
		fmt.Fprintf(w, "%s* %s: the same in every measurement averaged, though the dynamics can change them: the run saw none of their fluctuations, so the error 0 is no error bar (a state whose excitations are rarer than one a run, as at low T: a far longer run samples them)\n", nl, strings.Join(frozen, ", "))
	}
	if d := sum.Diffusive; d != nil {
		what := "the mass is conserved"
		if sum.Model == "phi4" {
			what = "model B conserves the field"
		}
		need := fmt.Sprintf("about %d measured steps or more make them reliable", d.NeededSteps)
		c := &st.Config
		if more, ok := runNeed(c, askOf(sum, unreliable).hi, c.Every); ok && d.NeededSteps > 0 && more > d.NeededSteps {
			// the tau_int note above gives that run and its command
			need += fmt.Sprintf(" (the tau_int note above asks for more, %d)", more)
		} else if d.NeededSteps > c.Sweeps && d.NeededSteps <= philox.MaxStep-1-c.Therm {
			need += ": " + resumeCmd(c, out, d.NeededSteps)
		}
		if d.NeededSteps == 0 {
			need = "no run within 2^48 steps makes them reliable: take a smaller lattice (the slowest mode grows like L^2)"
		}
		nl := "\n"
		if len(unreliable) > 0 {
			nl = "" // right below the other note
		}
		var tail, modes []string // the two slow-mode rules' observables
		var sk []string          // S_k of the same mode time, in runs
		for i, name := range d.Marked {
			t, ok := d.SkModeSteps[name]
			if !ok {
				tail = append(tail, name)
				continue
			}
			sk = append(sk, name)
			if i+1 == len(d.Marked) || d.SkModeSteps[d.Marked[i+1]] != t {
				modes = append(modes, fmt.Sprintf("%s (%d steps)", strings.Join(sk, ", "), t))
				sk = nil
			}
		}
		var why []string
		if len(tail) > 0 {
			why = append(why, fmt.Sprintf("error bins of %d steps miss too much of their share of tau_int for %s (the errors come out too small)", d.BinSteps, strings.Join(tail, ", ")))
		}
		if len(modes) > 0 {
			why = append(why, fmt.Sprintf("the modes of %s take over twice their Sokal tau_int to decorrelate (linearized; the window, where it found one, missed their decay), and over 1/20 of the %d-step bins", strings.Join(modes, ", "), d.BinSteps))
		}
		if len(why) == 0 { // profile entries alone
			why = append(why, fmt.Sprintf("error bins of %d steps miss too much of their share of tau_int (the errors come out too small)", d.BinSteps))
		}
		fmt.Fprintf(w, "%s* %s, so it relaxes diffusively: its slow modes decorrelate over up to %d steps; %s; %s\n",
			nl, what, d.SlowestSteps, strings.Join(why, "; "), need)
	}
	if t := sum.ThermShort; t != nil && sum.Model == "sandpile" {
		or := ", or the default --start stationary, which needs none"
		if sum.Sites > sim.MaxStationarySites {
			or = "" // beyond the stationary sampler, which started it hot
		}
		fmt.Fprintf(w, "\nwarning: --therm-grains %d is fewer than the %d a %s pile of %d sites needs to fill up and become stationary (2N grains hot, 3N empty): its statistics are biased (avalanche sizes, areas and durations, grains_lost and P(h) most); a new run with --therm-grains %d or more%s\n",
			sum.Therm, t.NeededTherm, st.Config.Start, sum.Sites, t.NeededTherm, or)
	} else if t != nil {
		what, most := "", "mass_var and the profiles"
		if sum.Model == "phi4" {
			what, most = " (model B: linearized about the measured <phi^2>, longer near a critical point or where phases separate)", "S_k at the smallest wave vectors most"
		}
		fmt.Fprintf(w, "\nwarning: --therm %d is shorter than 5 times the conserved field's slowest mode's decorrelation time, %d steps%s: the start's slow modes had not relaxed when measuring began, so the means are biased (%s); --therm %d or more lets them relax\n",
			sum.Therm, t.SlowestSteps, what, most, t.NeededTherm)
	}
	if sum.NotStationary != "" {
		fmt.Fprintf(w, "\n* %s\n", sum.NotStationary)
		lowerNote()
	}
	if lowerTau {
		fmt.Fprintln(w)
		lowerNote()
	}
	switch {
	case conserved && sum.Model == "diffusion":
		fmt.Fprintf(w, "\nc conserved: the stencil keeps the field's mean, so %s varies by rounding only (a random walk, slow in float64, larger in float32), which its error and tau_int measure, not a fluctuation a longer run would average\n", strings.Join(sum.Conserved, ", "))
	case conserved:
		fmt.Fprintf(w, "\nc conserved: model B keeps the mean field m at its start value, and %s depend on m alone: they vary by rounding only (a random walk, slow in float64, larger in float32), which their errors and tau_int measure, not a fluctuation a longer run would average\n", strings.Join(sum.Conserved, ", "))
	}
	if settled && st.Config.T > 0 {
		fmt.Fprintf(w, "\ns settled: one phase's order parameter is 1 by definition: %s vary by the rounding of its cosine and sine only, which their errors and tau_int measure, not a fluctuation a longer run would average\n", strings.Join(sum.Settled, ", "))
	} else if settled {
		fmt.Fprintf(w, "\ns settled: without noise (T = 0) the phases had reached a fixed arrangement (which may turn as a whole) before the measured steps, where %s vary by the rounding of the phases only, which their errors and tau_int measure, not a fluctuation a longer run would average\n", strings.Join(sum.Settled, ", "))
	}
	if sum.QuenchedDisorder != "" {
		fmt.Fprintf(w, "\nnote: %s\n", sum.QuenchedDisorder)
	}
	if undefined {
		fmt.Fprintln(w, "- no value: 0/0 (a Binder cumulant of an order parameter that is 0 throughout: a frozen state, or model B's m conserved at 0 from a cold start), or beyond float64's range")
	}
	printExact(w, c, sum, names, unit)
	if n := sum.ProfileSnapshots; n > 0 {
		snapshots := "snapshots"
		if n == 1 {
			snapshots = "snapshot"
		}
		every := fmt.Sprintf("every %d %s", sum.ProfileEvery, unit)
		if sum.ProfileEvery == 1 {
			every = "after every " + strings.TrimSuffix(unit, "s")
		}
		what := "P(m) and C(r)"
		hd, pile := sum.Profiles["height_distribution"]
		if pile {
			what = "P(h)"
		}
		fmt.Fprintf(w, "\n%s: %d %s (%s, %.3g s, not in the throughput), averaged in %s and %s; each in %s\n",
			what, n, snapshots, every, sum.Throughput.ProfileSeconds, sim.SummaryFile, sim.HistogramsFile, sim.ProfilesFile)
		lowerP := false // a marked entry's tau_int shown as a lower bound
		if pile {
			// the whole lattice, and its central box (the middle half
			// along each axis), nearer the infinite lattice's values
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "height\tlattice\terror\ttau_int\tcenter\terror\ttau_int")
			hc := sum.Profiles["height_distribution_center"]
			entry := func(p sim.Profile, h int) string {
				mark, tau := "", num(p.TauInt[h], "%.3g")
				if !p.Reliable[h] {
					mark = " *"
					if p.TauInt[h] != nil && (h >= len(p.TauIntError) || p.TauIntError[h] == nil) {
						tau, lowerP = ">"+tau, true // no window closed
					}
				}
				return fmt.Sprintf("%s\t%s\t%s%s", num(p.Mean[h], "%.6g"), num(p.Error[h], "%.2g"), tau, mark)
			}
			for h := range hd.Mean {
				fmt.Fprintf(tw, "%d\t%s\t%s\n", h, entry(hd, h), entry(hc, h))
			}
			tw.Flush()
		}
		if unreliable := sum.UnreliableProfiles(); unreliable > 0 && sum.NotStationary == "" {
			// with sparse snapshots, denser ones help; once they are
			// correlated (tau_int over 1 snapshot in a marked entry),
			// only a longer run does (a 128^2 pile's P(h), tau_int 1.6 -
			// 2.9 snapshots apart, every 200 grains: every 20, tau_int
			// 9 - 22, the same errors)
			how := "run longer"
			if sum.ProfileEvery > 1 && profileTauMarked(sum) <= 1 {
				how = "run longer, or take snapshots closer together (a smaller --profile-every) while they are uncorrelated"
			}
			why := "each error bin should span >= 20 tau_int"
			if least := 2 * stats.DefaultBins; n < least {
				why = fmt.Sprintf("too few snapshots for error bars (%d: at least %d, in %d bins spanning >= 20 tau_int each)", n, least, stats.DefaultBins)
			}
			if sum.Diffusive != nil {
				// closer snapshots do not help against the slow modes
				why, how = "each error bin should span >= 20 tau_int, and see the slow modes above", "run longer, as long as the slow modes' note above says"
			}
			if pile {
				// avalanches that toppled fewer sites than the pile has
				// left the snapshots nearly one configuration: their
				// errors see what changed, not that configuration's own
				// sampling error (about sqrt(p(1-p)/N)), and closer
				// snapshots do not help
				if a := sum.Observables["avalanche_area"]; a.Mean != nil && *a.Mean*float64(sum.Measurements) < float64(sum.Sites) {
					how = fmt.Sprintf("the measured avalanches' areas add up to %.3g sites, fewer than the pile's %d, so the snapshots are nearly one configuration and their errors miss its own sampling error (about sqrt(p(1-p)/N)): run many more grains", *a.Mean*float64(sum.Measurements), sum.Sites)
				}
			}
			if adv := profileHowLong(st, sum, out); adv != "" {
				switch {
				case how == "run longer":
					how += ":\n  " + adv
				case strings.HasPrefix(how, "run longer,"):
					// (the resume keeps the snapshots' spacing)
					how += "\n  run longer: " + adv
				}
			}
			fmt.Fprintf(w, "* %d of their error bars are not reliable (%s): %s\n", unreliable, why, how)
		}
		if lowerP {
			fmt.Fprintln(w, lowerTauNote)
		}
	}
	files := []string{sim.SummaryFile, sim.SeriesFile, sim.LatticeFile, sim.ImageFile, sim.CheckpointFile, sim.SeriesLogFile}
	for _, extra := range sim.ExtraFiles {
		if _, err := os.Stat(filepath.Join(out, extra)); err == nil {
			files = append(files, extra)
		}
	}
	fmt.Fprintf(w, "\noutputs in %s: %s\n", out, strings.Join(files, " "))
}

// exactWhy says where Summary.Exact's values come from, by model (and
// for the Langevin models by scheme).
func exactWhy(c *sim.Config, sum *sim.Summary) string {
	if sim.IsIsing(c.Model) && c.J == 0 {
		return "independent spins at J = 0, each +1 with probability (1 + tanh(beta h))/2: their sum's cumulants are N times one spin's"
	}
	switch c.Model {
	case "sandpile":
		return "Dhar: the mean over the sites of w = Delta^-1 1, a grain's expected topplings; grains_lost 1, as the stationary pile's grain count is stationary"
	case "ising2d":
		return "Kaufman's partition function of this finite lattice"
	case "phi4":
		if c.Lambda != 0 {
			return "the Boltzmann distribution exp(-H/T) of this ring at dt -> 0, by the transfer integral; this scheme's step adds a bias of order " + stepBias(c) + ", which the distances include"
		}
		law := "the Gaussian field's stationary law under this scheme at this dt: "
		switch c.Scheme {
		case quench.SchemeEM:
			return law + "each Fourier mode's variance T/(lambda_k (1 - gamma dt lambda_k/2)), lambda_k = m2 + q_k, the mean h/m2"
		case quench.SchemeLM:
			return law + "each Fourier mode's variance T/lambda_k, lambda_k = m2 + q_k, exact at any stable dt, the mean h/m2"
		case quench.SchemeBAOAB:
			return law + "each Fourier mode's variance T/lambda_k, lambda_k = m2 + q_k, exact for the positions at any stable dt, the mean h/m2"
		}
		m := "0 from the cold start"
		if c.Start == "hot" {
			m = "the start's m, as measured"
		}
		return law + "each Fourier mode's variance T/(lambda_k (1 - gamma dt q_k lambda_k/2)), lambda_k = m2 + q_k, k != 0, about the conserved mean field, " + m
	case "kmp":
		return "kmp's stationary masses, uniform on the simplex of the conserved total: var mean^2 (N-1)/(N+1), covariance -mean^2/(N+1), largest mass mean H_N"
	case "transfer":
		return "transfer's stationary second moments, which every bond keeps (its update is linear in the masses): var mean^2 D (N-1)/(N - D (N-1)), covariance -mean^2 D/(N - D (N-1))"
	case "particles":
		if c.Potential == quench.PotentialKuramoto && c.OmegaSpread != 0 {
			return kuramotoMeanWhy + "; a spread of natural frequencies drives the phases, so no Boltzmann distribution gives r (the mean-field XY model's does, at one frequency)"
		}
		if c.Potential == quench.PotentialKuramoto {
			return "the mean-field XY model's Boltzmann distribution exp((k N / 2T) r^2) at dt -> 0 (one natural frequency): <r^2> by a Hubbard-Stratonovich integral; this scheme's step adds a bias of order " + stepBias(c) + ", which the distances include; " + kuramotoMeanWhy
		}
		if c.Potential == quench.PotentialDoubleWell {
			v := ""
			if c.Scheme == quench.SchemeBAOAB {
				v = " and the velocities' T/mass"
				if hasV2(sum) {
					v += " (v2; v_mean 0)"
				}
			}
			return "independent coordinates' Boltzmann distribution exp(-k (x^2 - 1)^2/T) at dt -> 0: <x^2> (x2) by quadrature" + v + "; this scheme's step adds a bias of order " + stepBias(c) + ", which the distances include; the spreads over the N d coordinates (x_var" + vvar(c) + ") are (N d - 1)/(N d) of the variances"
		}
		law := "independent harmonic coordinates' stationary law under this scheme at this dt: "
		spread := "; x2 is the variance, and the spreads over the N d coordinates (x_var" + vvar(c) + ") are (N d - 1)/(N d) of the variances"
		if c.Scheme == quench.SchemeBAOAB && hasV2(sum) {
			spread = "; x2 and v2 are the variances (v_mean 0), and the spreads over the N d coordinates (x_var, v_var) are (N d - 1)/(N d) of them"
		}
		switch c.Scheme {
		case quench.SchemeEM:
			return law + "variance (T/k)/(1 - k dt/(2 gamma))" + spread
		case quench.SchemeLM:
			return law + "variance T/k, exact at any stable dt" + spread
		}
		return law + "variance T/k, exact at any stable dt, and the velocities' (T/mass)(1 - dt^2 k/(4 mass)) at the end of a step" + spread
	}
	return ""
}

// hasV2 reports whether a particle run's summary has v2 (nil: a run of
// this quench, which measures it under baoab): not one begun under
// checkpoint format 6 or older, before v_mean was measured.
func hasV2(sum *sim.Summary) bool {
	if sum == nil {
		return true
	}
	_, ok := sum.Observables["v2"]
	return ok
}

// vvar is ", v_var" where the run has velocities (baoab), for the exact
// lines' heading.
func vvar(c *sim.Config) string {
	if c.Scheme == quench.SchemeBAOAB {
		return ", v_var"
	}
	return ""
}

// metropolisSlowReject is the largest rejection probability of a
// Metropolis Ising run below which its start says that heat bath
// decorrelates far faster (T above about 800 |J| in 2D at h = 0).
const metropolisSlowReject = 0.01

// orderedHot reports whether c is a ferromagnetic Ising run at h = 0 (or a
// field rounded away) from a hot start below its model's Tc, where the start coarsens into domains.
func orderedHot(c *sim.Config) bool {
	return sim.IsIsing(c.Model) && c.Start == "hot" && c.J > 0 && c.NoField() && c.T < sim.DefaultT(c.Model, c.J)
}

// kuramotoMeanWhy is why a Kuramoto run's x_mean is exactly 1/2 (the
// exact lines' heading).
const kuramotoMeanWhy = "x_mean, the mean of the phases in turns in [0, 1), 1/2 at any dt, as turning every phase alike is a symmetry"

// symmetryNote is the table's note on the observables marked by the
// symmetry rule (sim.BySymmetry): the means a symmetry fixes
// (sim.Config.SymmetryMean) and what is marked with them (an x_var with
// its x_mean), why their error bars leave out the other side, and what
// to do; r is the measured Kuramoto order parameter (nil without one),
// crossed how often each mean's series changed sides of the symmetric
// value (sim.Value.SymmetryCrossings; none for Kuramoto): where every
// one did, it did not stay on one side, and its error bar is too small.
func symmetryNote(c *sim.Config, r *float64, broken []string, crossed map[string]int64) string {
	sym, with := []string{}, []string{}
	for _, name := range broken {
		if symmetric(c, name) {
			sym = append(sym, name)
		} else {
			with = append(with, name)
		}
	}
	if len(sym) == 0 {
		sym, with = broken, nil
	}
	if c.Model == "particles" && c.Potential == quench.PotentialKuramoto {
		// the mean of the unwrapped phases moves at the oscillators' mean
		// frequency plus a random walk of variance 2 (T/N) t (at long
		// times under lm), as the coupling's sines cancel in pairs: a
		// turn's diffusion takes (2 pi)^2 / (2 T/N) time units. That
		// moves synchronized phases (r about 1/2 or more); phases
		// spread over the turn move apart, each a turn in 2 pi^2/T
		also := ""
		if len(with) > 0 {
			also = fmt.Sprintf(" (%s, the spread of the wrapped phases, which depends on where they sit against the wrap at 0 as much, is marked with it)", strings.Join(with, ", "))
		}
		drift := ""
		if c.Omega != 0 || c.OmegaSpread != 0 {
			drift = "turns at the oscillators' mean frequency and "
		}
		turn, what := 2*math.Pi*math.Pi*float64(c.N)/c.T, fmt.Sprintf("their common phase (the mean of the unwrapped phases), which %sdiffuses a turn in about 2 pi^2 N/T", drift)
		if r == nil || *r < 0.5 {
			own := ""
			switch {
			case c.OmegaSpread != 0:
				own = "turns at its own natural frequency and "
			case c.Omega != 0:
				own = "turns at omega and "
			}
			turn, what = 2*math.Pi*math.Pi/c.T, fmt.Sprintf("the phases, not synchronized (order_parameter under 1/2), each of which %sdiffuses a turn in about 2 pi^2/T", own)
		}
		return fmt.Sprintf("%s: turning every phase alike is a symmetry of the dynamics, which makes the mean of the phases (in turns, kept in [0, 1)) 1/2, and this run's lies more than 4 errors from it%s: %s = %.3g time units (%d steps), did not turn far enough, which their error bars cannot see; run far longer, or read order_parameter, which the symmetry leaves alone",
			strings.Join(sym, ", "), also, what, turn, roundUp2(int64(math.Min(math.Ceil(turn/c.Dt), 1e18))))
	}
	also := ""
	if len(with) > 0 {
		// the double well's x_var, whose square it subtracts
		also = fmt.Sprintf(" (%s, which subtracts its square, is marked with it)", strings.Join(with, ", "))
	}
	even := "the even observables"
	if c.Model == "particles" {
		// the double well: the wells are mirror images, so each holds
		// the same <x^2>
		even = "x2, the mean square, which either well alone gives"
	}
	least := int64(-1) // the fewest crossings of the symmetric means, -1: one stayed
	for _, name := range sym {
		n, ok := crossed[name]
		if !ok || n == 0 {
			least = -1
			break
		}
		if least < 0 || n < least {
			least = n
		}
	}
	if least > 0 {
		// a double well with a low barrier, a single-well phi4 field: the
		// series changed sides, but its sides' stays are long next to
		// the run's error bins
		times := "times"
		if least == 1 {
			times = "time"
		}
		return fmt.Sprintf("%s: a symmetry makes the mean 0, and this run's lies more than 4 errors from it%s, though its series changed sides %d %s: too seldom for the run's error bins, so its error bar is too small (and its tau_int too short an estimate), or, in about 2 runs of 10^4 with honest errors, by chance: run longer, or read %s", strings.Join(sym, ", "), also, least, times, even)
	}
	seeds := "other seeds draw the other side"
	if c.Start == "cold" && strings.HasPrefix(c.Model, "ising") {
		// every seed starts from the same state (and often ends on the
		// same side)
		seeds = "a cold start, every spin +1, is the same with every seed"
	}
	return fmt.Sprintf("%s: a symmetry makes the mean 0, and this run's lies more than 4 errors from it%s: it stayed on one side (never reversed its order, or crossed the barrier), which its error bars cannot see; %s: run far longer, or read %s", strings.Join(sym, ", "), also, seeds, even)
}

// sideCrossings is how often the series of name, marked by the symmetry
// rule, changed sides of its symmetric mean: its own count, or for an
// x_var marked with its x_mean, x_mean's; 0 where none was counted.
func sideCrossings(sum *sim.Summary, name string) int64 {
	v := sum.Observables[name]
	if v.SymmetryCrossings == nil && name == "x_var" {
		v = sum.Observables["x_mean"]
	}
	if v.SymmetryCrossings == nil {
		return 0
	}
	return *v.SymmetryCrossings
}

// symmetric reports whether a symmetry of the run's model fixes the
// stationary mean of observable name, at every dt of a Langevin scheme.
func symmetric(c *sim.Config, name string) bool {
	_, ok := c.SymmetryMean(name)
	return ok
}

// printExact compares the observables with their exact values, where
// known (Summary.Exact), in units of their errors: more than 4 says the
// measured steps did not sample the stationary state, unless the error is
// marked not reliable (the avalanche errors are conservative, so for them
// that is not chance), or, for a phi4 ring at lambda != 0 and
// double-well particles, whose exact values are at dt -> 0, that the
// step's bias shows (dt0Exact; not for a mean a symmetry fixes, which it
// fixes at every dt), or, for a mean marked by the symmetry rule, that
// the run stayed on one side.
func printExact(w io.Writer, c *sim.Config, sum *sim.Summary, names []string, unit string) {
	if len(sum.Exact) == 0 {
		if sum.ExactMissing != "" {
			fmt.Fprintf(w, "\nno exact values for this run: %s\n", sum.ExactMissing)
		}
		return
	}
	fmt.Fprintf(w, "\nexact in the stationary state (%s):\n", exactWhy(c, sum))
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	for _, name := range names {
		x, ok := sum.Exact[name]
		if !ok {
			continue
		}
		v := sum.Observables[name]
		line := fmt.Sprintf("  %s\t%.8g", name, x)
		switch {
		case v.Mean != nil && v.Error != nil && *v.Error > 0:
			z := (*v.Mean - x) / *v.Error
			zs := fmt.Sprintf("%+.2g", z)
			for p := 3; math.Abs(z) > 4 && (zs == "+4" || zs == "-4") && p <= 17; p++ {
				zs = fmt.Sprintf("%+.*g", p, z) // not "4: more than 4" (4.001 too)
			}
			line += fmt.Sprintf("\tmeasured %s errors from it", zs)
			if math.Abs(z) > 4 {
				switch {
				case !v.Reliable && thermCovered(c, sum):
					// the slow modes had relaxed (the rule is exact for
					// the Gaussian field and kmp): the error, not the start
					why := "--therm covered the slow modes"
					if c.Model == "kmp" && c.Start == "hot" {
						why = "the hot start is stationary"
					}
					line += ": more than 4, and its error, marked *, is too small (run longer; " + why + ")"
				case slices.Contains(v.UnreliableBy, sim.BySymmetry) && sideCrossings(sum, name) > 0:
					// it changed sides: its error bar, as the note says
					whose := "its series"
					if v.SymmetryCrossings == nil {
						whose = "x_mean's series" // (sideCrossings)
					}
					line += ": more than 4, as " + whose + " changed sides too seldom for its error bar, which is too small (the * note above)"
				case slices.Contains(v.UnreliableBy, sim.BySymmetry):
					// stuck on one side: neither the start nor the step
					line += ": more than 4, as the run did not sample the symmetry's other side (the * note above)"
				case dt0Exact(c) && !symmetric(c, name):
					// (a mean fixed by a symmetry is so at every dt.) A slow
					// start (kinks of a cold ring annihilating) shows as
					// often as the step's bias, and a shorter step would
					// only slow it further: a run at half the step tells
					// them apart
					line += fmt.Sprintf(": more than 4, so the measured %s did not sample the stationary state (thermalize longer)", unit)
					if !v.Reliable {
						line += ", or its error, marked *, is too small (run longer)"
					}
					line += fmt.Sprintf(", or the step's bias shows: at half the --dt a bias shrinks about %s, a start not yet relaxed does not", map[bool]string{true: "2x", false: "4x"}[c.Scheme == quench.SchemeEM])
				default:
					line += fmt.Sprintf(": more than 4, so the measured %s did not sample the stationary state (thermalize longer)", unit)
					if !v.Reliable {
						line += ", or its error, marked *, is too small (run longer)"
					}
					if orderedHot(c) {
						// a quench into the ordered phase coarsens, and
						// domains or stripes spanning the torus go only
						// by a wall's crossing it: 64^2 at T = 0.5 read
						// energy 4800 errors above Kaufman's after 1000
						// sweeps of thermalization
						line += "; below Tc a hot start's domains and stripes can outlast any practical thermalization: --start cold starts ordered"
					}
				}
			}
		case v.Mean != nil && v.Error == nil:
			// too few measurements for an error bar (the table's note
			// says so): the value, with nothing to count the distance in
			line += fmt.Sprintf("\tmeasured %.8g, with no error bar to count the distance in", *v.Mean+0)
		case v.Mean != nil && v.Error != nil && *v.Error == 0 && !v.Constant:
			// measurements that vary, in error bins whose means are all
			// equal (a telescoping series): no error bar to count in,
			// and not a constant
			line += fmt.Sprintf("\tmeasured %.8g with error 0, though the measurements vary: every error bin's mean came out the same (a telescoping series, as a 1D pile's grains lost, which the pile's grain count at each bin's ends sets), so there is no distance in errors", *v.Mean+0)
			if *v.Mean == x {
				line += "; it is the exact value"
			}
		case v.Mean != nil && v.Error != nil && *v.Error == 0:
			// a constant series: no error bar to count in, but a primary
			// observable's constant far from its stationary mean (a pile
			// that never toppled, a lattice frozen in stripes) did not
			// come from the stationary state
			line += fmt.Sprintf("\tmeasured %.8g in every measurement averaged", *v.Mean+0) // -0 is 0
			d := math.Abs(*v.Mean - x)
			switch {
			case blinking(c, sum, name, *v.Mean):
				line += ": a blinking state, every site in zero field, which Metropolis flips back and forth for ever (no thermalization helps): use --algo heatbath, or another seed"
			case !slices.Contains(exactDerived, name) && (d > 0.01*max(math.Abs(x), math.Abs(*v.Mean)) || frozenExcited(c, name, *v.Mean)):
				line += fmt.Sprintf(": a constant this far from the stationary mean says the measured %s did not sample the stationary state (thermalize longer)", unit)
				if sum.Measurements < 100 {
					line += ", or too few were measured"
				}
				if frozenExcited(c, name, *v.Mean) && c.Start == "hot" {
					// stripes across the torus, which a quench from a hot
					// start often freezes in, go only by a wall's
					// crossing the lattice, over a barrier that grows
					// with L: no --therm melts them at low T
					line += "; a hot start can freeze in stripes, which at this T no practical thermalization melts: start ordered with --start cold"
				}
			}
		}
		if strings.Count(line, "\t") == 1 {
			// no distance: the value's cell still ends in a tab, so the
			// lines after it stay in the same columns
			line += "\t"
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	for l := range strings.Lines(buf.String()) {
		fmt.Fprintln(w, strings.TrimRight(l, " \n")) // the padding of a line without a distance
	}
}

// profileTauMarked is the longest tau_int, in snapshots, of the profile
// entries whose error bars are not reliable (0 if none has one; +Inf for
// one whose autocorrelations reach past a quarter of the run, WindowNeeds:
// closer snapshots do not help it).
func profileTauMarked(sum *sim.Summary) float64 {
	var most float64
	for _, p := range sum.Profiles {
		for i, ok := range p.Reliable {
			switch {
			case ok:
			case i < len(p.WindowNeeds) && p.WindowNeeds[i] != nil:
				most = math.Inf(1)
			case i < len(p.TauInt) && p.TauInt[i] != nil:
				most = max(most, *p.TauInt[i])
			}
		}
	}
	return most
}

// dt0Exact reports whether a run's exact values are at dt -> 0 and leave
// out its step's bias (stepBias): phi4 at lambda != 0 (a ring's Boltzmann
// means, sim's ringExact), double-well particles (doubleWellExact) and
// Kuramoto oscillators (kuramotoExact).
func dt0Exact(c *sim.Config) bool {
	return c.Model == "phi4" && c.Lambda != 0 || c.Model == "particles" && (c.Potential == quench.PotentialDoubleWell || c.Potential == quench.PotentialKuramoto)
}

// stepBias is the order of the bias a Langevin scheme's step adds to the
// stationary means: dt for em, dt^2 for lm and baoab.
func stepBias(c *sim.Config) string {
	if c.Scheme == quench.SchemeEM {
		return "dt"
	}
	return "dt^2"
}

// frozenExcited reports whether a constant 2D Ising energy per site e
// of a run with Kaufman's exact energy (h = 0, or rounded away; J != 0:
// at J = 0 the ground state is -|h|, whose exact line needs no help) is
// not the ground state's -2|J|: a stationary run measures a constant energy only where
// excitations are rarer than one in the run, at the ground state, while
// a lattice frozen in stripes sits 4|J|/L above it, less than 1% of 2|J|
// from L = 200 on (the default 256^2: -1.984), and one trapped in
// Metropolis's blinking states (every site in zero field) at 0.
func frozenExcited(c *sim.Config, name string, e float64) bool {
	ground := -2 * math.Abs(c.J)
	return c.Model == "ising2d" && c.J != 0 && name == "energy" && math.Abs(e-ground) > 1e-9*math.Abs(ground)
}

// blinking reports whether a constant 2D Ising energy e is that of
// Metropolis trapped in a blinking state (every site in zero field, so
// energy 0, which its sweeps flip for ever; lattices of up to 12 sites
// are refused for them, larger ones keep a few, docs/models.md). Its
// neighbours' sums are all 0, and so is their total, 4 times the
// magnetization: |m| is 0 in every measurement too (31% of 4x4's states
// have energy 0, 7% energy and m 0, so a few measurements do not tell).
func blinking(c *sim.Config, sum *sim.Summary, name string, e float64) bool {
	a, err := quench.ParseAlgo(c.Algo)
	m, ok := sum.Observables["abs_magnetization"]
	return c.Model == "ising2d" && name == "energy" && e == 0 && err == nil && a == quench.Metropolis &&
		ok && m.Mean != nil && *m.Mean == 0 && sum.Measurements >= 100
}

// exactDerived are the observables with exact values that are functions
// of the series' moments (fluctuations: the specific heat, the
// susceptibilities, the Binder cumulant), which a stationary run may
// measure as constant, 0, where they come from rare states (a specific
// heat of 1e-9 at low T): printExact does not read a constant of theirs
// as a sign of an unsampled stationary state.
var exactDerived = []string{"specific_heat", "susceptibility", "susceptibility_connected", "binder"}

// thermCovered reports whether a run whose exact values are known had a
// --therm long enough for its slow modes, so that a distance of more than
// 4 unreliable errors is those errors' fault, not the start's: no
// Summary.ThermShort under model B (whose linearized time is exact for
// the Gaussian field, the only model B runs with exact values) or kmp
// (whose hot start is its stationary state, and whose modes relax at
// exactly their rate from a cold one).
func thermCovered(c *sim.Config, sum *sim.Summary) bool {
	return (c.Model == "phi4" && c.Scheme == quench.SchemeModelB || c.Model == "kmp") && sum.ThermShort == nil
}

func num(p *float64, format string) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf(format, *p+0) // -0 is 0
}
