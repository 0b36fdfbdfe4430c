// The flags of quench run, its TOML config files, and the sim.Config they
// build.

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/spf13/pflag"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/sim"
)

// runFlags are the flags of quench run; a TOML config file may set the same
// keys, and flags given on the command line override it.
type runFlags struct {
	model, shape, algo, backend, out, start, config string
	L, device                                       int
	T, beta, J, h, checkpointMinutes                float64
	sweeps, therm, every, checkpointEvery           int64
	seed                                            uint64
	force, quiet                                    bool

	// Langevin models
	scheme, precision, potential          string
	dim, d                                int
	dt, m2, lambda, gamma, mass, k, omega float64
	omegaSpread, phi0                     float64
	n, steps                              int64
	grains, thermGrains                   int64
	mass0, injection, fraction, alpha     float64
	profileEvery                          int64

	fromFile map[string]bool // flags set by the --config file, not the command line
	// unused: notes of the file's keys that the command line overrode
	// through another flag of their group (a file's shape under --L)
	unused []string
}

// given names where flag name was set, for messages: " (set in the config
// file F)" when the --config file set it, else "".
func (f *runFlags) given(name string) string {
	if f.fromFile[name] {
		return fmt.Sprintf(" (set in the config file %s)", f.config)
	}
	return ""
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
	fl.StringVar(&f.algo, "algo", "metropolis", "update: metropolis, heatbath (glauber: the same, recorded as heatbath)")
	f.seed = 1
	fl.Var((*decimalSeed)(&f.seed), "seed", "random seed, a decimal integer from 0 to 2^64-1 (runs with the same seed are identical)")
	fl.StringVar(&f.start, "start", "hot", "initial state (default hot; sandpile stationary): hot (random), cold (Ising all +1, fields 0 (phi4: --phi0) and particles 0, sandpile empty, masses all mass0, diffusion a unit spike at the centre site), stationary (sandpile, and its default: an exact sample of its stationary state)")
	fl.Lookup("start").DefValue = "" // help shows the default per model in the text, not "hot" for all
	// Langevin models
	intVar(fl, &f.dim, "dim", 2, "phi4, sandpile, mass models, diffusion: lattice dimension 1, 2 or 3 (mass models 1 or 2; --shape alone also sets it)")
	fl.StringVar(&f.scheme, "scheme", quench.SchemeEM, "phi4: em, lm, baoab, modelb; particles: em, lm, baoab")
	floatVar(fl, &f.dt, "dt", sim.DefaultDt, "phi4, particles: time step")
	floatVar(fl, &f.m2, "m2", -1, "phi4: mass term m^2")
	floatVar(fl, &f.lambda, "lambda", 1, "phi4: quartic coupling lambda")
	floatVar(fl, &f.phi0, "phi0", 0, "phi4: the start's mean field, added to every site (hot: phi0 + uniform in [-1, 1); cold: phi0), model B's conserved mean (an off-critical quench), or a start in one well of m2 < 0 (sqrt(-m2/lambda))")
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
// unused says which keys the command line overrode through another flag
// of their group (a file's shape under --L on the command line).
func applyConfigFile(fl *pflag.FlagSet, path string) (set map[string]bool, unused []string, err error) {
	if path == "" {
		return nil, nil, nil
	}
	set = map[string]bool{}
	data, err := readConfig(path)
	if err != nil {
		return nil, nil, err
	}
	var m map[string]any
	if _, err := toml.Decode(string(data), &m); err != nil {
		return nil, nil, quench.Usagef("config file %s: %s", path, tomlHint(fl, strings.TrimPrefix(oneLine(err.Error()), "toml: "), lineValue(path, err)))
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
			hint := ""
			if near := nearestFlag(fl, k); near != "" {
				// (an audit's "sheme" was refused without one)
				hint = fmt.Sprintf("; did you mean %q?", near)
			}
			return nil, nil, quench.Usagef("config file %s: unknown key %q (keys are the flag names of quench run's settings)%s", path, k, hint)
		}
		// every key is checked, also those the command line overrides
		if err := configValueFits(flag.Value.Type(), m[k]); err != nil {
			return nil, nil, quench.Usagef("config file %s: %q %v", path, k, err)
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
			return nil, nil, quench.Usagef("config file %s: %s are one setting: keep one of them", path, strings.Join(in, " and "))
		}
	}
	for _, k := range keys {
		if given[k] {
			// the command line wins; through another flag of the key's
			// group (a file's shape under --L), say so
			if !fl.Changed(k) {
				var by []string
				fl.Visit(func(c *pflag.Flag) {
					if given[c.Name] && c.Name != k && slices.ContainsFunc(append(slices.Clip(aliasGroups), overrideGroups...), func(g []string) bool {
						return slices.Contains(g, k) && slices.Contains(g, c.Name)
					}) {
						by = append(by, "--"+c.Name)
					}
				})
				unused = append(unused, fmt.Sprintf("the config file's %s = %v is not used: %s on the command line sets it", k, m[k], strings.Join(by, " and ")))
			}
			continue
		}
		if f, ok := m[k].(float64); ok && f == 0 {
			// TOML reads 1e-400 as 0: refused as on the command line
			if raw := rawValue(path, k); nonzeroDigits(strings.ReplaceAll(raw, "_", "")) {
				return nil, nil, quench.Usagef("--%s %s is not allowed: %v (set in the config file %s)", k, raw, errUnderflow, path)
			}
		}
		if err := fl.Set(k, fmt.Sprint(m[k])); err != nil {
			return nil, nil, quench.Usagef("config file %s: bad value %v for %q: %v", path, m[k], k, err)
		}
		set[k] = true
	}
	return set, unused, nil
}

// decimalSeed is a uint64 flag read in decimal only: pflag's own reads
// "010" as octal 8 and "0x10" as 16, a surprise for a seed.
type decimalSeed uint64

func (d *decimalSeed) String() string { return strconv.FormatUint(uint64(*d), 10) }
func (d *decimalSeed) Type() string   { return "uint64" }
func (d *decimalSeed) Set(s string) error {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64) // (as decimal's)
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
	// spaces around the number are let be, as in bench's lists and
	// --shape (an audit found " 8" refused here and taken there)
	s = strings.TrimSpace(s)
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
	s = strings.TrimSpace(s) // (as decimal's)
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
	"phi4":        {"L", "shape", "dim", "T", "beta", "h", "scheme", "dt", "m2", "lambda", "phi0", "gamma", "mass", "precision", "steps"},
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
		Model: f.model, T: f.T, Beta: f.beta, J: f.J, H: f.h, Algo: sim.CanonicalAlgo(f.algo),
		Sweeps: f.sweeps, Therm: f.therm, Every: f.every, Seed: f.seed,
		Start: f.start, CheckpointEvery: f.checkpointEvery,
	}
	if err := sameSettings(fl, f, &c); err != nil {
		return c, err
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
		return latticeUpdateConfig(fl, f, c)
	}
	return isingConfig(fl, f, c)
}

// sameSettings takes each setting's other names (--steps and --grains for
// --sweeps, --therm-grains for --therm) into c, refusing two that
// disagree, and refuses --T with --beta.
func sameSettings(fl *pflag.FlagSet, f *runFlags, c *sim.Config) error {
	if fl.Changed("steps") {
		if fl.Changed("sweeps") && f.steps != f.sweeps {
			return quench.Usagef("--steps %d and --sweeps %d disagree: they are the same setting", f.steps, f.sweeps)
		}
		c.Sweeps = f.steps
	}
	if fl.Changed("T") && fl.Changed("beta") {
		return quench.Usagef("both --T %v and --beta %v given: set one of them", f.T, f.beta)
	}
	if fl.Changed("grains") {
		if fl.Changed("sweeps") && f.grains != f.sweeps {
			return quench.Usagef("--grains %d and --sweeps %d disagree: they are the same setting", f.grains, f.sweeps)
		}
		c.Sweeps = f.grains
	}
	if fl.Changed("therm-grains") {
		if fl.Changed("therm") && f.thermGrains != f.therm {
			return quench.Usagef("--therm-grains %d and --therm %d disagree: they are the same setting", f.thermGrains, f.therm)
		}
		c.Therm = f.thermGrains
	}
	return nil
}

// latticeUpdateConfig completes c for the sandpile, the mass models and
// diffusion.
func latticeUpdateConfig(fl *pflag.FlagSet, f *runFlags, c sim.Config) (sim.Config, error) {
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

// isingConfig completes c for the Ising models.
func isingConfig(fl *pflag.FlagSet, f *runFlags, c sim.Config) (sim.Config, error) {
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
	c.M2, c.Lambda, c.Phi0 = f.m2, f.lambda, f.phi0
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

// nearestFlag is the flag name of fl nearest to k, within 2 edits
// (insertions, deletions, substitutions) and nearer than any other, or "".
func nearestFlag(fl *pflag.FlagSet, k string) string {
	best, bestD, tie := "", 3, false
	fl.VisitAll(func(f *pflag.Flag) {
		if f.Name == "config" || f.Name == "help" {
			return
		}
		switch d := editDistance(strings.ToLower(k), strings.ToLower(f.Name)); {
		case d < bestD:
			best, bestD, tie = f.Name, d, false
		case d == bestD:
			tie = true
		}
	})
	if tie {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, by bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
