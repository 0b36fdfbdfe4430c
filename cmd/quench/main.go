// Command quench runs lattice statistical-physics simulations on the CPU or a
// GPU: `quench run` with no flags runs the 2D Ising model at its critical
// temperature on a 256x256 lattice.
package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/sim"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailure     = 1 // a runtime failure (I/O, a backend error)
	exitUsage       = 2 // bad input: flags, config file, checkpoint, no GPU
	exitInterrupted = 130
)

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// failure is a runtime error (exit 1), as opposed to bad input (exit 2).
type failure struct{ err error }

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// Main runs the command line args and returns the exit code; errors are
// printed as one line on stderr.
func Main(args []string, stdout, stderr io.Writer) int {
	// a run sets the heap's soft limit from its estimate (checkHostMemory):
	// the caller's (a test's next Main) is back afterwards
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	// what a command prints to stdout is its result: a write that fails
	// (a full disk) fails the command, whichever it is (run and collect
	// say so in their own words first)
	out := &errWriter{w: stdout}
	root := newRoot(out, stderr)
	if bad := helpForField(root, args); bad != "" {
		fmt.Fprintf(stderr, "quench: %s: -h asks for help; the field is --h, with two dashes: --h %s\n", oneLine("-h "+bad), oneLine(bad))
		return exitUsage
	}
	root.SetArgs(args)
	err := root.Execute()
	var f *failure
	var d *diverged
	switch {
	case err == nil && out.err == nil:
		return exitOK
	case errors.As(err, &d):
		// the command printed the difference on stdout, its result (as
		// cmp does): not again on stderr, which a terminal shows too,
		// unless stdout could not take it
		if out.err != nil {
			fmt.Fprintf(stderr, "quench: %s (the output could not be written: %s)\n", oneLine(err.Error()), oneLine(out.err.Error()))
		}
		return exitDiverged
	case errors.Is(err, sim.ErrInterrupted):
		return exitInterrupted
	case errors.As(err, &f):
		fmt.Fprintf(stderr, "quench: %s\n", oneLine(err.Error()))
		return exitFailure
	case out.err != nil && !quench.IsUsage(err):
		// (cobra's --version returns the failed write itself)
		fmt.Fprintf(stderr, "quench: the output could not be written: %s\n", oneLine(out.err.Error()))
		return exitFailure
	default: // our UsageErrors and cobra's own parse errors
		fmt.Fprintf(stderr, "quench: %s\n", commandError(root, oneLine(err.Error())))
		return exitUsage
	}
}

// helpForField returns the number after a -h (or in -h=X) among the flags
// of `quench run` or `quench verify`, the commands with a field --h: the
// field meant with one dash, which cobra reads as --help (printing the
// help and running nothing), or "". The value of a flag that takes one
// (`--out -h`) and anything after "--" are skipped; a number is what the
// float flags read, or one out of float64's range.
func helpForField(root *cobra.Command, args []string) string {
	cmd, _, err := root.Find(args)
	if err != nil || (cmd.Name() != "run" && cmd.Name() != "verify") || cmd.Flags().Lookup("h") == nil {
		return ""
	}
	numeric := func(w string) bool {
		var x float64
		err := number{&x}.Set(w)
		return err == nil || errors.Is(err, strconv.ErrRange) || errors.Is(err, errUnderflow)
	}
	takesValue := func(a string) bool { // a flag written without its =value
		var f *pflag.Flag
		switch {
		case strings.Contains(a, "="):
			return false
		case strings.HasPrefix(a, "--"):
			f = cmd.Flags().Lookup(a[2:])
		case len(a) == 2 && a[0] == '-' && a != "-h":
			f = cmd.Flags().ShorthandLookup(a[1:])
		}
		return f != nil && f.Value.Type() != "bool"
	}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--":
			return ""
		case a == "-h" && i+1 < len(args) && numeric(args[i+1]):
			return args[i+1]
		case strings.HasPrefix(a, "-h=") && numeric(a[3:]):
			return a[3:]
		case takesValue(a):
			i++ // its value, whatever it looks like
		}
	}
	return ""
}

// unknownCommand matches cobra's message for a word that is no command.
var unknownCommand = regexp.MustCompile(`^unknown command "(.*)" for "([^"]*)"(?: Did you mean this\? (.*))?$`)

// hasSettings reports whether c has flags of its own besides --help.
func hasSettings(c *cobra.Command) bool {
	some := false
	c.LocalFlags().VisitAll(func(f *pflag.Flag) { some = some || f.Name != "help" && !f.Hidden })
	return some
}

// commandError rewrites cobra's "unknown command" as what is allowed: the
// commands (and cobra's suggestion), or, after a command, that it takes
// flags and no words.
func commandError(root *cobra.Command, msg string) string {
	m := unknownCommand.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	if m[2] != root.Name() {
		if c, _, err := root.Find(strings.Fields(m[2])[1:]); err == nil && !hasSettings(c) {
			return fmt.Sprintf("%s takes no arguments, got %q", m[2], m[1]) // (version: nothing to set)
		}
		return fmt.Sprintf("%s takes no arguments, got %q: its settings are flags (--name value; see %s --help)", m[2], m[1], m[2])
	}
	msg = fmt.Sprintf("unknown command %q: the commands are %s", m[1], strings.Join(commandNames(root), ", "))
	if m[3] != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(strings.Fields(m[3]), " or "))
	}
	return msg
}

// commandNames are root's commands a user may give.
func commandNames(root *cobra.Command) []string {
	var names []string
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return names
}

// onceValue is a flag's value that refuses a second, different one: pflag
// keeps the last of `--T 2 --T 3` without a word (an audit found runs and
// resumes that silently took it), where two flags of one setting that
// disagree (--T and --beta) are refused. The same value again changes
// nothing and is let be.
type onceValue struct {
	pflag.Value
	first string
	set   bool
}

func (v *onceValue) Set(s string) error {
	if v.set && s != v.first {
		// a value that is no value of the flag is named as such
		// (--quiet=maybe after --quiet read as given twice): tried,
		// then the first put back (no flag here appends, as pflag's
		// slices would)
		if err := v.Value.Set(s); err != nil {
			return err
		}
		if err := v.Value.Set(v.first); err != nil {
			return err
		}
		return fmt.Errorf("it was given before, as %q: give each flag once", v.first)
	}
	if err := v.Value.Set(s); err != nil {
		return err
	}
	v.first, v.set = s, true
	return nil
}

// onceBool is onceValue for a switch: IsBoolFlag keeps it taking no
// value (--quiet). Only switches may have the method: pflag's help takes
// any value that has it for a switch, and printed "(default 0)" after
// --T, whose 0 means "the model's own default".
type onceBool struct{ onceValue }

func (v *onceBool) IsBoolFlag() bool { return true }

// once wraps a flag's value in onceValue, or onceBool for a switch.
func once(v pflag.Value) pflag.Value {
	if b, ok := v.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return &onceBool{onceValue{Value: v}}
	}
	return &onceValue{Value: v}
}

// badFlagValue matches pflag's message for a value its flag's type does
// not parse: `invalid argument "1e5" for "--sweeps" flag: strconv...`.
var badFlagValue = regexp.MustCompile(`^invalid argument "(.*)" for "(?:-[a-zA-Z], )?--([^"]+)" flag: (.*)$`)

// flagError rewrites pflag's parse failures as "--sweeps 1e5 is not
// allowed: a whole number (digits only, e.g. 100000)": for numbers and
// booleans what the type takes, for the seed its own message; other
// errors (unknown flags, ...) pass unchanged.
func flagError(c *cobra.Command, err error) string {
	if name, ok := strings.CutPrefix(err.Error(), "unknown flag: --"); ok && c.Name() == "resume" {
		// a setting of quench run that the checkpoint fixes ("unknown
		// flag: --L" said nothing of why)
		if run, _, ferr := c.Root().Find([]string{"run"}); ferr == nil && run != c && run.Flags().Lookup(name) != nil {
			var own []string
			c.Flags().VisitAll(func(f *pflag.Flag) {
				if !f.Hidden && f.Name != "help" {
					own = append(own, "--"+f.Name)
				}
			})
			return fmt.Sprintf("--%s is not allowed: the checkpoint fixes the run's settings (a run of other settings is a new quench run); resume takes %s", name, strings.Join(own, ", "))
		}
	}
	m := badFlagValue.FindStringSubmatch(err.Error())
	if m == nil || c.Flags().Lookup(m[2]) == nil {
		return err.Error()
	}
	want := m[3]
	if strings.Contains(want, "strconv.") {
		typ := c.Flags().Lookup(m[2]).Value.Type()
		switch {
		case strings.Contains(want, "value out of range"):
			// the side it passed (the flag's own range, a positive count
			// for most, is checked when it parses)
			want = fmt.Sprintf("out of range for its type (%s)", typ)
			neg := strings.HasPrefix(strings.TrimSpace(m[1]), "-")
			switch {
			case typ == "int" && neg:
				want = fmt.Sprintf("below the smallest whole number it holds, %d", math.MinInt)
			case typ == "int":
				want = fmt.Sprintf("above the largest whole number it holds, %d", math.MaxInt)
			case typ == "int64" && neg:
				want = fmt.Sprintf("below the smallest whole number it holds, %d", int64(math.MinInt64))
			case typ == "int64":
				want = fmt.Sprintf("above the largest whole number it holds, %d", int64(math.MaxInt64))
			case typ == "float64":
				want = fmt.Sprintf("beyond the largest number it holds, %g", math.MaxFloat64)
			}
		case typ == "int" || typ == "int64":
			want = "a whole number (digits only, e.g. 100000)"
		case typ == "float64":
			want = "a number (e.g. 2.269 or 1e-3)"
		case typ == "bool":
			want = "true or false"
		}
	}
	v := m[1] // as pflag quoted it (%q), without the quotes
	if next, ok := strings.CutPrefix(v, "--"); ok && c.Flags().Lookup(strings.SplitN(next, "=", 2)[0]) != nil {
		// "--L --quiet": the flag's value left out, the next flag taken
		// for it
		return fmt.Sprintf("--%s needs a value (%s): it took the next flag, %s, for one", m[2], want, v)
	}
	if v == "" || strings.ContainsAny(v, " \t\"\\") {
		v = `"` + v + `"` // spaces that would not show or split it, escapes
	}
	return fmt.Sprintf("--%s %s is not allowed: %s", m[2], v, want)
}

// oneLine is s as an error's one line, its words past longWord
// characters shortened (shortWord). Line breaks of any kind (with the
// blanks around them) become one space, and so does a tab; the spaces
// within a line stay, as a quoted directory in a printed command may
// hold two in a row.
func oneLine(s string) string {
	var lines []string
	breaks := func(r rune) bool {
		switch r {
		case '\n', '\r', '\v', '\f', '\u0085', '\u2028', '\u2029':
			return true
		}
		return false
	}
	for _, l := range strings.FieldsFunc(strings.ReplaceAll(s, "\t", " "), breaks) {
		if l = strings.TrimSpace(l); l != "" {
			words := strings.Split(l, " ")
			for i, w := range words {
				words[i] = shortWord(w)
			}
			lines = append(lines, strings.Join(words, " "))
		}
	}
	return strings.Join(lines, " ")
}

// longWord is the most characters of one word (a value echoed back, such
// as a --model of 100000 characters) an error line shows in full: more
// than a path can have quoted (4096 bytes on Linux, each of which
// shellWord may write as 4), so that a printed command's directory is
// never cut.
const longWord = 4*4096 + 16

// shortWord is w, or, past longWord characters, its first 100 and last 20
// with the count between them.
func shortWord(w string) string {
	r := []rune(w)
	if len(r) <= longWord {
		return w
	}
	return fmt.Sprintf("%s...(%d characters)...%s", string(r[:100]), len(r), string(r[len(r)-20:]))
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "quench",
		Short: "GPU-accelerated lattice statistical physics",
		Long: `quench runs lattice statistical-physics simulations on the CPU or, when
built with CUDA, a GPU; both give the same bits for the same seed. Models:
Ising 2D/3D (spin flips), phi4 fields and particle ensembles (Langevin
steps), the Abelian sandpile, mass transfer (kmp, aggregation, transfer)
and diffusion (lattice updates). Start with "quench run" (2D Ising, L=256,
T=Tc, on the CPU).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       sim.BuildInfo().String(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return quench.Usagef("%s (see %s --help)", flagError(c, err), c.CommandPath())
	})
	root.AddCommand(newRunCmd(stdout, stderr), newResumeCmd(stdout, stderr), newVerifyCmd(stdout, stderr), newBenchCmd(stdout, stderr), newCollectCmd(stdout, stderr), newCompareCmd(stdout, stderr),
		&cobra.Command{
			Use:   "version",
			Short: "Print the version, commit and Go version of this binary (also --version)",
			Args:  cobra.NoArgs,
			Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintln(stdout, sim.BuildInfo()) },
		})
	for _, c := range root.Commands() {
		c.Flags().VisitAll(func(f *pflag.Flag) { f.Value = once(f.Value) })
	}
	root.CompletionOptions.DisableDefaultCmd = true
	// cobra's help printed the usage for an unknown topic and exited 0
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(_ *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 || (len(args) > 0 && target == root) {
				return quench.Usagef("unknown help topic %q: the commands are %s", strings.Join(args, " "), strings.Join(commandNames(root), ", "))
			}
			return target.Help()
		},
	})
	return root
}
