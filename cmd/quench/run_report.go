// The results table of quench run (and resume): the observables, the
// notes on reliability with the advice on how long to run, the symmetry
// notes and the exact values.

package main

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/sim"
	"github.com/quenchlab/quench/stats"
)

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
			a.hi, a.by, a.lower = h, fmt.Sprintf(" by a %s pile's mean_height, which decorrelates over about %s grains (%s), plus 2 errors (this run's own tau_int, a short run's, falls short of it)", c.ShapeString(), digits3(tau), what), false
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

// fixedMeansAsk adds to the advice by names (howLong) a line for where a
// mean that a symmetry of the model fixes (symmetric: the Ising
// magnetization at h = 0, phi4's phi, the particles' x_mean) asks for
// the longest run: its value, and what the other observables ask for.
// Such a mean decorrelates as slowly as the lattice turns over, the
// even ones far faster: an Ising 32^2 at T = 2.27, 100000 sweeps, read
// the magnetization's tau_int as 1330 measurements (2.9 million sweeps
// asked for), binder's as 47, reliable. Empty where it asks for no more
// than the others.
func fixedMeansAsk(st *sim.State, sum *sim.Summary, names []string, out string) string {
	c := &st.Config
	// x_var moves with such an x_mean (the wrapped phases' spread with
	// where they sit, the double well's with the stuck mean's square),
	// and the symmetry's rule marks it with it
	with := func(n string) bool { return n == "x_var" && symmetric(c, "x_mean") }
	var fixed, rest []string
	for _, n := range names {
		if symmetric(c, n) || with(n) {
			fixed = append(fixed, n)
		} else {
			rest = append(rest, n)
		}
	}
	all := howLong(st, sum, names, out)
	if len(fixed) == 0 || all == "" {
		return ""
	}
	other := ""
	if len(rest) > 0 {
		other = howLong(st, sum, rest, out)
	}
	if other == all {
		return ""
	}
	var parts []string
	for _, n := range fixed {
		if with(n) {
			parts = append(parts, "x_var, which moves with x_mean")
			continue
		}
		m, _ := c.SymmetryMean(n)
		parts = append(parts, fmt.Sprintf("%s, whose mean a symmetry of the model fixes at %g", n, m))
	}
	by := strings.Join(parts, ", and ")
	if other != "" {
		return fmt.Sprintf("\n  (by %s; the others ask for %s)", by, strings.TrimPrefix(other, ":\n  "))
	}
	// marked for another reason (the symmetry's rule, not stationary,
	// no tau_int): not reliable as they are
	marked := slices.ContainsFunc(slices.Sorted(maps.Keys(sum.Observables)), func(n string) bool {
		v := sum.Observables[n]
		return !slices.Contains(fixed, n) && !v.Reliable && v.Mean != nil && !slices.Contains(sum.Conserved, n) && !slices.Contains(sum.Settled, n)
	})
	if marked {
		return fmt.Sprintf("\n  (by %s; the others' tau_int ask for no longer run)", by)
	}
	return fmt.Sprintf("\n  (only by %s: the other observables' error bars are reliable as they are)", by)
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
	all := sum.JudgedProfiles()
	for _, name := range slices.Sorted(maps.Keys(all)) { // (ties: the first, every time)
		p := all[name]
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
			case "height_mean":
				label = [2]string{"the lattice's mean height", "the center's mean height"}[i]
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
			if tau, what := sandpileHeightTau(c); tau > 0 {
				// the pile's heights, the center's too (where the
				// slowest mode is largest), decorrelate as its mean
				// height does: a short run's snapshots' own tau_int
				// falls short of it (an audit's 256^2 after 300 grains
				// asked for 53000, whose 20 seeds then spread 2 to 4
				// times their errors)
				if h := max(1.3*tau/float64(sum.ProfileEvery), 0.5); h > a.hi {
					a.hi, a.by, a.lower = h, fmt.Sprintf(" by a %s pile's heights, which decorrelate over about %s grains (%s), plus 2 errors (the snapshots' own tau_int, a short run's, falls short of it)", c.ShapeString(), digits3(tau), what), false
				}
			}
		}
	}
	return a.advice(c, sum.ProfileEvery, out) // (no tau_int: the rule's 100 snapshots)
}

// digits3 formats a count of about x in three digits, whole numbers from
// 100 to a billion (1030, not 1.03e+03).
func digits3(x float64) string {
	if x >= 99.5 && x < 1e9 {
		return fmt.Sprintf("%.0f", float64(round3(x)))
	}
	return fmt.Sprintf("%.3g", x)
}

// round3 rounds x >= 99.5 to three significant digits.
func round3(x float64) int64 {
	p := 1.0
	for x/p >= 999.5 {
		p *= 10
	}
	return int64(math.Round(x/p) * p)
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

// tableMarks is what the rows of printTable's table found, for the notes
// under it.
type tableMarks struct {
	undefined, conserved, settled bool
	infiniteXi                    bool     // correlation_length without a value: every S_k 0
	unreliable                    []string // for the usual reason
	broken                        []string // by the symmetry rule
	noTau                         []string // no tau_int to judge the bins by
	frozen                        []string // the same in every measurement, where the dynamics can change it
	nearZero                      bool     // correlation_length's root's argument near 0
	lowerTau                      bool     // an unreliable one's tau_int whose window did not close
	anti                          []string // a tau_int under 1/2
}

// lowerNote says what > means, once, below the note of the first row
// that shows it.
func (m *tableMarks) lowerNote(w io.Writer) {
	if m.lowerTau {
		fmt.Fprintln(w, lowerTauNote)
		m.lowerTau = false
	}
}

// printTable writes a finished run's results: its settings, a table of
// the observables named, the notes on what the rows show, the exact
// values, the profiles and the outputs written to out.
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
	m := printRows(w, c, sum, names)
	printTauNotes(w, st, sum, names, out, &m)
	printSlowModeNotes(w, st, sum, m.unreliable, out)
	printThermNote(w, st, sum)
	if sum.NotStationary != "" {
		fmt.Fprintf(w, "\n* %s\n", sum.NotStationary)
		m.lowerNote(w)
	}
	if m.lowerTau {
		fmt.Fprintln(w)
		m.lowerNote(w)
	}
	printModelNotes(w, c, sum, names, &m, unit)
	printExact(w, c, sum, names, unit)
	printProfiles(w, st, sum, out)
	files := []string{sim.SummaryFile, sim.SeriesFile, sim.LatticeFile, sim.ImageFile, sim.CheckpointFile, sim.SeriesLogFile}
	for _, extra := range sim.ExtraFiles {
		if _, err := os.Stat(filepath.Join(out, extra)); err == nil {
			files = append(files, extra)
		}
	}
	fmt.Fprintf(w, "\noutputs in %s: %s\n", out, strings.Join(files, " "))
}

// printRows writes the table's rows, an observable each, and returns
// what they found for the notes under it.
func printRows(w io.Writer, c *sim.Config, sum *sim.Summary, names []string) tableMarks {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "observable\tmean\terror\ttau_int")
	undefined, conserved, settled := false, false, false
	infiniteXi := false     // correlation_length without a value: every S_k 0
	var unreliable []string // for the usual reason
	var broken []string     // by the symmetry rule
	var noTau []string      // no tau_int to judge the bins by
	var frozen []string     // the same in every measurement, where the dynamics can change it
	nearZero := false       // correlation_length's root's argument near 0
	lowerTau := false       // an unreliable one's tau_int whose window did not close
	var anti []string       // a tau_int under 1/2: the one a bounded sum's error implies
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
			nearZero = nearZero || slices.Contains(v.UnreliableBy, sim.ByNearZero)
		}
		if name == c.XiName() && v.Mean == nil && zeroModes(c, sum) {
			infiniteXi = true
		} else {
			undefined = undefined || v.Mean == nil
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s\n", name, num(v.Mean, "%.8g"), num(v.Error, "%.2g"), tau, mark)
		if v.TauInt != nil && *v.TauInt < 0.5 {
			anti = append(anti, name)
		}
	}
	tw.Flush()
	return tableMarks{undefined: undefined, conserved: conserved, settled: settled, infiniteXi: infiniteXi,
		unreliable: unreliable, broken: broken, noTau: noTau, frozen: frozen, nearZero: nearZero, lowerTau: lowerTau, anti: anti}
}

// printTauNotes writes the notes on the rows' error bars and tau_int:
// anticorrelated series, too short a run (with the run that would do),
// no tau_int, a symmetry's broken mean, frozen values and a correlation
// length's root near 0.
func printTauNotes(w io.Writer, st *sim.State, sum *sim.Summary, names []string, out string, m *tableMarks) {
	c := &st.Config
	// (anti is cut below: a copy, so that m keeps the rows' list)
	anti, unreliable, noTau, broken, frozen, nearZero := slices.Clone(m.anti), m.unreliable, m.noTau, m.broken, m.frozen, m.nearZero
	// (no autocorrelation time is below 1/2: a new user's audit read the
	// sandpile's 0.0149 as a bug)
	bounded := slices.DeleteFunc(slices.Clone(anti), func(n string) bool {
		return c.Model != "sandpile" || n != "avalanche_size" && n != "grains_lost"
	})
	if len(bounded) > 0 {
		fmt.Fprintf(w, "- %s: a tau_int under 1/2 is the one the error implies (n error^2 / 2 variance): the error leaves out the fluctuations that the pile's own totals bound (Dhar's identity for the avalanche size, the grain count for the grains lost): their running sums stay within those totals, so they cancel as 1/n, not as independent measurements' 1/sqrt(n)\n", strings.Join(bounded, ", "))
	}
	if anti = slices.DeleteFunc(anti, func(n string) bool { return slices.Contains(bounded, n) }); len(anti) > 0 {
		fmt.Fprintf(w, "- %s: a tau_int under 1/2: successive measurements are anticorrelated\n", strings.Join(anti, ", "))
	}
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
			if len(unreliable) == len(names) {
				which = " every observable:" // (twelve names, in the default run)
			}
		}
		adv := howLong(st, sum, unreliable, out)
		advised := unreliable // those the advice is by
		if c := &st.Config; c.Model == "particles" && c.Potential == quench.PotentialKuramoto {
			// Kuramoto's wrapped phases stuck on one side of the symmetry
			// (x_mean, x_var with it) have the symmetry's note, which
			// says how long their turn takes: a synchronized x_mean's
			// tau_int, the common phase's turn, asked for 90 times the
			// run its order parameter needed. (The Ising and phi4 notes
			// give no number: their tau_int stays the advice's.)
			advised = slices.DeleteFunc(slices.Clone(unreliable), func(n string) bool { return slices.Contains(broken, n) })
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
		adv += fixedMeansAsk(st, sum, advised, out)
		fmt.Fprintf(w, "\n*%s %s: run longer for trustworthy errors%s\n", which, why, adv)
		m.lowerNote(w)
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
		if c := &st.Config; c.Model == "diffusion" {
			f, _ := c.DiffusionSlowest()
			fmt.Fprintf(w, "%s* %s: the same in every measurement averaged, yet above 0, so the field is not uniform: each step's change rounds away in %s, which stops the relaxation that exact arithmetic goes on with (its slowest mode's share by %.6g a step), so the value is the rounding's floor, not the relaxation's, and the error 0 no error bar%s\n", nl, strings.Join(frozen, ", "), c.Precision, f, map[bool]string{true: " (in float64 the field's spread can fall some 2^29 times lower)", false: ""}[c.Precision == "float32"])
		} else {
			fmt.Fprintf(w, "%s* %s: the same in every measurement averaged, though the dynamics can change them: the run saw none of their fluctuations, so the error 0 is no error bar (a state whose excitations are rarer than one a run, as at low T: a far longer run samples them)\n", nl, strings.Join(frozen, ", "))
		}
	}
	if r := sum.CorrelationRatio; nearZero && r != nil {
		nl := "\n"
		if len(unreliable) > 0 || len(noTau) > 0 || len(broken) > 0 || len(frozen) > 0 {
			nl = ""
		}
		l := float64(st.Config.Shape[0])
		if b := r.Mean + sim.NearZeroErrors*r.Error; b > 0 {
			fmt.Fprintf(w, "%s* %s: the root of S(0)/F - 1 = %.3g +- %.2g, fewer than 3 errors above 0, where the root's slope (infinite at 0) leaves its jackknife error meaningless: xi is below about %.3g (the root of that plus 3 errors), and a longer run narrows it\n",
				nl, st.Config.XiName(), r.Mean, r.Error, math.Sqrt(b)/(2*math.Sin(math.Pi/l)))
		} else {
			fmt.Fprintf(w, "%s* %s: the root of S(0)/F - 1 = %.3g +- %.2g, more than 3 errors below 0, which no stationary state gives (there S(0) >= S_k): its error bars are too small, or the run did not sample the stationary state\n",
				nl, st.Config.XiName(), r.Mean, r.Error)
		}
	}
}

// printSlowModeNotes writes the notes on a conserved field's diffusive
// slow modes and on underdamped modes under BAOAB, unreliable being the
// rows marked for a short run.
func printSlowModeNotes(w io.Writer, st *sim.State, sum *sim.Summary, unreliable []string, out string) {
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
	if u := sum.Underdamped; u != nil {
		c := &st.Config
		need := fmt.Sprintf("about %d measured steps or more make them reliable", u.NeededSteps)
		if u.NeededSteps > c.Sweeps && u.NeededSteps <= philox.MaxStep-1-c.Therm {
			need += ": " + resumeCmd(c, out, u.NeededSteps)
		}
		if u.NeededSteps == 0 {
			need = "no run within 2^48 steps makes them reliable: take a larger friction"
		}
		nl := "\n"
		if len(unreliable) > 0 || sum.Diffusive != nil {
			nl = "" // right below the other note
		}
		modes := "the modes they are built from (k = 0, the smallest k; where k = 0 is, every mode, which phi2, phi4 and the energies sum) are"
		if sum.Model == "particles" {
			modes = "the harmonic coordinates are"
		}
		env := "more steps than float64 holds"
		if u.EnvelopeSteps != nil {
			env = digits3(*u.EnvelopeSteps) + " steps"
		}
		fmt.Fprintf(w, "%s* %s: under baoab at gamma = %g %s underdamped: their correlations oscillate inside an envelope that decays over %s (1/(gamma dt)), about twice their tau_int, and error bins of %d steps should span 20 of those (their errors come out too small); %s\n",
			nl, strings.Join(u.Marked, ", "), c.Gamma, modes, env, u.BinSteps, need)
	}
}

// printThermNote warns of a thermalization too short for the start to
// relax: a sandpile's fill, a conserved field's slowest mode.
func printThermNote(w io.Writer, st *sim.State, sum *sim.Summary) {
	if t := sum.ThermShort; t != nil && sum.Model == "sandpile" {
		or := ", or the default --start stationary, which needs none"
		if sum.Sites > sim.MaxStationarySites {
			or = "" // beyond the stationary sampler, which started it hot
		}
		fmt.Fprintf(w, "\nwarning: --therm-grains %d is fewer than the %d a %s pile of %d sites needs to fill up and become stationary (2N grains hot, 3N empty, 5N empty in 3D): its statistics are biased (avalanche sizes, areas and durations, grains_lost and P(h) most); a new run with --therm-grains %d or more%s\n",
			sum.Therm, t.NeededTherm, st.Config.Start, sum.Sites, t.NeededTherm, or)
	} else if t != nil {
		what, most := "", "mass_var and the profiles"
		if sum.Model == "phi4" {
			what, most = " (model B: linearized about the measured <phi^2>, longer near a critical point or where phases separate)", "S_k at the smallest wave vectors most"
		}
		fmt.Fprintf(w, "\nwarning: --therm %d is shorter than 5 times the conserved field's slowest mode's decorrelation time, %d steps%s: the start's slow modes had not relaxed when measuring began, so the means are biased (%s); --therm %d or more lets them relax\n",
			sum.Therm, t.SlowestSteps, what, most, t.NeededTherm)
	}
}

// printModelNotes writes the notes on conserved and settled rows, the
// field's response, a correlation length below Tc, measurements' spacing
// and rows without a value.
func printModelNotes(w io.Writer, c *sim.Config, sum *sim.Summary, names []string, m *tableMarks, unit string) {
	undefined, conserved, settled, infiniteXi := m.undefined, m.conserved, m.settled, m.infiniteXi
	switch {
	case conserved && sum.Model == "diffusion":
		fmt.Fprintf(w, "\nc conserved: the stencil keeps the field's mean, so %s varies by rounding only (a random walk, slow in float64, larger in float32), which its error and tau_int measure, not a fluctuation a longer run would average\n", strings.Join(sum.Conserved, ", "))
	case conserved:
		fmt.Fprintf(w, "\nc conserved: model B keeps the mean field m at its start value, and %s depend on m alone: they vary by rounding only (a random walk, slow in float64, larger in float32), which their errors and tau_int measure, not a fluctuation a longer run would average\n", strings.Join(sum.Conserved, ", "))
	}
	if settled && c.T > 0 {
		fmt.Fprintf(w, "\ns settled: one phase's order parameter is 1 by definition: %s vary by the rounding of its cosine and sine only, which their errors and tau_int measure, not a fluctuation a longer run would average\n", strings.Join(sum.Settled, ", "))
	} else if settled {
		fmt.Fprintf(w, "\ns settled: without noise (T = 0) the phases had reached a fixed arrangement (which may turn as a whole) before the measured steps, where %s vary by the rounding of the phases only, which their errors and tau_int measure, not a fluctuation a longer run would average\n", strings.Join(sum.Settled, ", "))
	}
	if sum.QuenchedDisorder != "" {
		fmt.Fprintf(w, "\nnote: %s\n", sum.QuenchedDisorder)
	}
	if sim.IsIsing(c.Model) && !c.NoField() && slices.Contains(names, "susceptibility") {
		// (an audit read susceptibility 6.8 for a response dm/dh of 0.081)
		// (and a second read "the field's <m> dominates" where it did not:
		// an antiferromagnet's small uniform m)
		fmt.Fprintf(w, "\nnote: in the field h = %v, dm_dh is the response, N beta (<m^2> - <m>^2); susceptibility (N beta <m^2>) and binder are the zero-field finite-size definitions, which a large <m> dominates (binder then tends to 2/3), and susceptibility_connected (N beta (<m^2> - <|m|>^2)) equals dm_dh only where m keeps one sign\n", c.H)
	}
	if tc := isingTc(c); tc > 0 && c.T < tc && slices.Contains(names, c.XiName()) {
		// (an audit read 1024.8 on 16^2 at T = 1 without a word); only
		// where the lattice is ordered, its Binder cumulant near 2/3: in
		// its critical window below Tc, xi/L stays near its value at Tc
		// (an audit's 3D runs at T = 4.5115, 2e-5 below Tc, read xi/L
		// 0.637 - 0.640 on L = 8 - 32, which the note denied)
		m, binder := "m", "binder"
		if c.J < 0 {
			m, binder = "m_s", "staggered_binder"
		}
		if u := sum.Observables[binder]; u.Mean != nil && *u.Mean > orderedBinder {
			fmt.Fprintf(w, "\nnote: below Tc (T = %.6g < %.6g) and ordered on this lattice (%s %.4g, near the ordered phase's 2/3), the order's <%s>^2 fills S(0), so %s grows with the lattice, as L^(d/2+1): it is the finite-size-scaling quantity whose xi/L curves cross at Tc, not the ordered phase's correlation length, which stays finite\n", c.T, tc, binder, *u.Mean, m, c.XiName())
		}
	}
	if u := sum.Observables["staggered_binder"]; c.J < 0 && !c.NoField() && u.Mean != nil && *u.Mean > orderedBinder && slices.Contains(names, c.XiName()) {
		// in a field Tc(h) is not known: the Binder cumulant near its
		// ordered value says where the run is (a review read xi_s 26 on
		// 6^3 at h = 2, T = 3 without a word)
		fmt.Fprintf(w, "\nnote: staggered_binder %.4g is near 2/3, the ordered phase's: if the run is below the field's Tc(h), <m_s>^2 fills S(0) and %s grows with the lattice, as L^(d/2+1): read the xi/L curves of several L, which cross at Tc(h)\n", *u.Mean, c.XiName())
	}
	if c.Every > 1 {
		fmt.Fprintf(w, "\nnote: tau_int is in measurements, %d %s apart\n", c.Every, unit)
	}
	if undefined {
		fmt.Fprintln(w, "- no value: 0/0 (a Binder cumulant of an order parameter that is 0 throughout: a frozen state, or model B's m conserved at 0 from a cold start), or beyond float64's range")
		if v, ok := sum.Observables[c.XiName()]; ok && v.Mean == nil && !infiniteXi {
			// (a review read the Binder cumulant's words for xi_s, at a
			// field that holds every spin up)
			fmt.Fprintf(w, "- %s: no value: S(0)/F is 0/0, the order parameter and its S_k 0 in every measurement (a frozen state: an antiferromagnet's field holding every spin up)\n", c.XiName())
		}
	}
	if infiniteXi {
		// (an audit read the 0/0 note above for it)
		if c.ModePrefix() != "" {
			fmt.Fprintf(w, "- %s: no value: every measurement's staggered S_k was 0 (a lattice frozen in one Neel state), so xi = sqrt(N <m_s^2>/F - 1) / (2 sin(pi/L)), F the mean staggered S_k, is infinite\n", c.XiName())
		} else {
			fmt.Fprintln(w, "- correlation_length: no value: every measurement's S_k was 0 (a lattice frozen fully aligned), so xi = sqrt(N <m^2>/F - 1) / (2 sin(pi/L)), F the mean S_k, is infinite")
		}
	}
}

// printProfiles writes what the profile snapshots hold, a sandpile's
// height table, and the note on their unreliable error bars.
func printProfiles(w io.Writer, st *sim.State, sum *sim.Summary, out string) {
	c := &st.Config
	unit := c.StepUnit()
	n := sum.ProfileSnapshots
	if n <= 0 {
		return
	}
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
		lowerP = printPileHeights(w, c, sum, hd)
	}
	if unreliable := sum.UnreliableProfiles(); unreliable > 0 && sum.NotStationary == "" {
		// with sparse snapshots, denser ones help; once they are
		// correlated (tau_int over 1 snapshot in a marked entry),
		// only a longer run does (a 128^2 pile's P(h), tau_int 1.6 -
		// 2.9 snapshots apart, every 200 grains: every 20, tau_int
		// 9 - 22, the same errors)
		how := "run longer"
		tauH, tauWhat := sandpileHeightTau(c) // 0 but for 2D and 3D piles
		if sum.ProfileEvery > 1 && profileTauMarked(sum) <= 1 && float64(sum.ProfileEvery) >= tauH {
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
			const miss = "so the snapshots are nearly one configuration and their errors miss its own sampling error (about sqrt(p(1-p)/N)): run many more grains"
			if a := sum.Observables["avalanche_area"]; a.Mean != nil && *a.Mean*float64(sum.Measurements) < float64(sum.Sites) {
				how = fmt.Sprintf("the measured avalanches' areas add up to %.3g sites, fewer than the pile's %d, %s", *a.Mean*float64(sum.Measurements), sum.Sites, miss)
			} else if float64(c.Sweeps) < tauH {
				// (an audit's 256^2 after 3000 grains, 0.7 of it:
				// 20 seeds spread 4.5 to 7.5 times their errors)
				how = fmt.Sprintf("the %d measured grains are fewer than the about %s over which a %s pile's heights decorrelate (%s), %s", c.Sweeps, digits3(tauH), c.ShapeString(), tauWhat, miss)
			}
		}
		if adv := profileHowLong(st, sum, out); adv != "" {
			switch {
			case how == "run longer", strings.HasSuffix(how, ": run many more grains"):
				how += ":\n  " + adv
			case strings.HasPrefix(how, "run longer,"):
				// (the resume keeps the snapshots' spacing)
				how += "\n  run longer: " + adv
			}
		}
		are := "are"
		if unreliable == 1 {
			are = "is"
		}
		fmt.Fprintf(w, "* %d of their error bars %s not reliable (%s): %s\n", unreliable, are, why, how)
	}
	if lowerP {
		fmt.Fprintln(w, lowerTauNote)
	}
}

// printPileHeights writes a sandpile's table of P(h), hd the whole
// lattice's, beside its central box's and the exact values there are,
// and says whether an entry's tau_int is shown as a lower bound.
func printPileHeights(w io.Writer, c *sim.Config, sum *sim.Summary, hd sim.Profile) (lowerP bool) {
	// the whole lattice, and its central box (the middle half
	// along each axis), nearer the infinite lattice's values
	// (2D: the infinite lattice's values beside them)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	infinite := func(i int) string {
		if len(c.Shape) != 2 {
			return ""
		}
		if i < 0 {
			return "\t17/8"
		}
		return fmt.Sprintf("\t%.7f", quench.SandpileHeights2D[i])
	}
	hc := sum.Profiles["height_distribution_center"]
	// a small pile's own exact values (its recurrent
	// configurations enumerated) beside each region's, in place
	// of the infinite lattice's
	exact := func(p sim.Profile, h int) string { return "" }
	head := "height\tlattice\terror\ttau_int\tcenter\terror\ttau_int"
	switch {
	case hd.Exact != nil && hc.Exact != nil:
		exact = func(p sim.Profile, h int) string { return fmt.Sprintf("\t%.7g", p.Exact[h]) }
		infinite = func(int) string { return "" }
		head = "height\tlattice\terror\ttau_int\texact\tcenter\terror\ttau_int\texact"
	case len(c.Shape) == 2:
		head += "\tinfinite lattice"
	}
	fmt.Fprintln(tw, head)
	entry := func(p sim.Profile, h int) string {
		mark, tau := "", num(p.TauInt[h], "%.3g")
		if !p.Reliable[h] {
			mark = " *"
			if p.TauInt[h] != nil && (h >= len(p.TauIntError) || p.TauIntError[h] == nil) {
				tau, lowerP = ">"+tau, true // no window closed
			}
		}
		return fmt.Sprintf("%s\t%s\t%s%s%s", num(p.Mean[h], "%.6g"), num(p.Error[h], "%.2g"), tau, mark, exact(p, h))
	}
	for h := range hd.Mean {
		fmt.Fprintf(tw, "%d\t%s\t%s%s\n", h, entry(hd, h), entry(hc, h), infinite(h))
	}
	if m := sum.HeightMean; m != nil {
		fmt.Fprintf(tw, "mean\t%s\t%s%s\n", entry(*m, 0), entry(*m, 1), infinite(-1))
	}
	tw.Flush()
	return lowerP
}

// exactWhy says where Summary.Exact's values come from, by model (and
// for the Langevin models by scheme).
func exactWhy(c *sim.Config, sum *sim.Summary) string {
	if sim.IsIsing(c.Model) && c.J == 0 {
		return "independent spins at J = 0, each +1 with probability (1 + tanh(beta h))/2: their sum's cumulants are N times one spin's"
	}
	switch c.Model {
	case "sandpile":
		why := "Dhar: the mean over the sites of w = Delta^-1 1, a grain's expected topplings; grains_lost 1, as the stationary pile's grain count is stationary"
		if len(c.Shape) == 1 {
			why += "; mean_height N/(N+1), the chain's N+1 recurrent states equally likely"
		} else if _, ok := sum.Exact["mean_height"]; ok {
			why += "; mean_height and P(h) over its recurrent configurations, equally likely, enumerated by the burning test"
		}
		return why
	case "ising2d":
		if _, ok := sum.Exact["m2"]; ok { // (isingFourierExact's, with or without the modes)
			return "Kaufman's partition function of this finite lattice; m2, susceptibility, S_k and correlation_length from its row-to-row transfer matrix"
		}
		if _, ok := sum.Exact["staggered_m2"]; ok {
			if _, modes := sum.Exact["staggered_S_k0"]; modes {
				return "Kaufman's partition function of this finite lattice; staggered_m2, staggered_susceptibility, staggered_S_k and staggered_correlation_length from its row-to-row transfer matrix, the ferromagnet's m2, susceptibility, S_k and correlation_length at |J| (one colour's spins turned over)"
			}
			return "Kaufman's partition function of this finite lattice; staggered_m2 and staggered_susceptibility from its row-to-row transfer matrix, the ferromagnet's m2 and susceptibility at |J| (one colour's spins turned over)"
		}
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
		switch {
		case c.Start == "hot":
			m = "the start's m, as measured"
		case c.Phi0 != 0:
			m = "the cold start's phi0, as measured"
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

// orderedHot reports whether c is an Ising run at h = 0 (or a field
// rounded away) from a hot start below its model's Tc, where the start
// coarsens into domains. An antiferromagnet's cold start, all up, is its
// highest energy, but every site of the first colour lowers it by 4d|J|
// by flipping: Metropolis flips them all in the first half-sweep, heat
// bath all but about exp(-4d|J|/T) of them, and the lattice is Neel
// (2D, J = -1, h = 0, T = 1: energy -1.99718(2) against Kaufman's
// -1.99716, where a hot start read 6 errors off).
func orderedHot(c *sim.Config) bool {
	return sim.IsIsing(c.Model) && c.Start == "hot" && c.J != 0 && c.NoField() && c.T < sim.DefaultT(c.Model, c.J)
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
		// a cluster, partly synchronized, holds them together as well:
		// r well above that of phases spread at random (about 1/sqrt(N);
		// an audit's 10^4 phases at r = 0.30 were told they were not
		// synchronized, each turning in 400 steps, against a run of
		// 20000)
		if sync := min(0.5, 5/math.Sqrt(float64(c.N))); r == nil || *r < sync {
			own := ""
			switch {
			case c.OmegaSpread != 0:
				own = "turns at its own natural frequency and "
			case c.Omega != 0:
				own = "turns at omega and "
			}
			turn, what = 2*math.Pi*math.Pi/c.T, fmt.Sprintf("the phases, not synchronized (order_parameter under %.2g, near that of phases spread at random, about 1/sqrt(N)), each of which %sdiffuses a turn in about 2 pi^2/T", sync, own)
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
	switch {
	case c.Start == "cold" && strings.HasPrefix(c.Model, "ising"):
		// every seed starts from the same state (and often ends on the
		// same side)
		seeds = "a cold start, every spin +1, is the same with every seed"
	case c.Model == "phi4" && c.Phi0 != 0:
		// every seed starts about phi0, on its side (or far out, still
		// descending: a --therm too short shows the same)
		seeds = fmt.Sprintf("every seed starts on the side of --phi0 %g (or, started far out, is still descending: thermalize longer); --phi0 0 starts on neither", c.Phi0)
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
		line := fmt.Sprintf("  %s\t%.8g", name, x) + exactVerdict(c, sum, name, x, unit)
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
	if _, has := sum.Exact["m2"]; !has && c.Model == "ising2d" && c.NoField() && c.J > 0 && len(c.Shape) == 2 && c.Shape[0] == c.Shape[1] &&
		c.Shape[0] <= quench.IsingFourierMaxL && c.Beta*c.J > quench.IsingFourierMaxK && slices.Contains(names, "correlation_length") {
		// (an audit found them gone without a word at K = 11)
		fmt.Fprintf(w, "  (m2, susceptibility, S_k and correlation_length: none at K = J/T = %.3g, above the transfer matrix's %d, where its rounding shows; a single flipped spin's weight is then e^(-8K))\n", c.Beta*c.J, quench.IsingFourierMaxK)
	}
	if _, has := sum.Exact["staggered_m2"]; !has && c.Model == "ising2d" && c.NoField() && c.J < 0 && len(c.Shape) == 2 && c.Shape[0] == c.Shape[1] &&
		c.Shape[0]%2 == 0 && c.Shape[0] <= quench.IsingFourierMaxL && -c.Beta*c.J > quench.IsingFourierMaxK {
		fmt.Fprintf(w, "  (staggered_m2, staggered_susceptibility, staggered_S_k and staggered_correlation_length: none at K = |J|/T = %.3g, above the transfer matrix's %d, where its rounding shows)\n", -c.Beta*c.J, quench.IsingFourierMaxK)
	}
}

// exactVerdict is what a line of printExact says of observable name's
// measured value against its exact value x: how many errors from it, and
// what a distance of more than 4 means, or why there is no distance.
func exactVerdict(c *sim.Config, sum *sim.Summary, name string, x float64, unit string) string {
	v := sum.Observables[name]
	line := ""
	switch {
	case sum.SettledAt(name, x):
		// a settled series (one phase's r, 1 by definition) varies
		// by rounding alone, which its error measures
		line += fmt.Sprintf("\tmeasured %.8g, %.2g from it: within the rounding (%s) that its settled series varies by (s above), which its error measures; no distance in errors", *v.Mean+0, math.Abs(*v.Mean-x), settledRounding(c))
	case v.Mean != nil && v.Error != nil && *v.Error > 0:
		z := (*v.Mean - x) / *v.Error
		zs := fmt.Sprintf("%+.2g", z)
		for p := 3; math.Abs(z) > 4 && (zs == "+4" || zs == "-4") && p <= 17; p++ {
			zs = fmt.Sprintf("%+.*g", p, z) // not "4: more than 4" (4.001 too)
		}
		if math.Abs(z) > 4 && slices.Contains(v.UnreliableBy, sim.BySymmetry) && sideCrossings(sum, name) == 0 {
			// stuck on one side: neither the start nor the step, and
			// no test of the run (a distance of hundreds of errors
			// read as a failure to a new user's audit)
			return fmt.Sprintf("\tby the symmetry: no test of this run, which stayed on one side of it (measured %.8g, the * note above)", *v.Mean+0)
		}
		line += fmt.Sprintf("\tmeasured %s errors from it", zs)
		if math.Abs(z) <= 4 && !v.Reliable {
			line += ", in an error bar marked * (not reliable): not vouched for, so the distance is no calibrated test"
		}
		if math.Abs(z) > 4 {
			line += beyondFour(c, sum, v, name, unit)
		}
	case v.Mean == nil:
		// no value (the table's - note says why)
		line += "\tmeasured no value (-)"
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
		line += constantVerdict(c, sum, v, name, x, unit)
	}
	return line
}

// beyondFour is what a measured value v more than 4 errors from its exact
// value means for the run.
func beyondFour(c *sim.Config, sum *sim.Summary, v sim.Value, name, unit string) string {
	line := ""
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
	case slices.Contains(v.UnreliableBy, sim.ByNearZero):
		// the root's error near 0 means nothing
		line += ": more than 4, in an error that means nothing there (the * note above)"
	case dt0Exact(c) && !symmetric(c, name):
		// (a mean fixed by a symmetry is so at every dt.) A slow
		// start (kinks of a cold ring annihilating) shows as
		// often as the step's bias, and a shorter step would
		// only slow it further: a run at half the step tells
		// them apart. The bias first: the exact value is dt ->
		// 0's (an audit's baoab v2 of a double well, 15
		// errors off at dt 0.05, was the step's O(dt^2))
		line += fmt.Sprintf(": more than 4, so the step's bias shows (the exact value is at dt -> 0; at half the --dt a bias shrinks about %s), or the measured %s did not sample the stationary state (thermalize longer: a start not yet relaxed does not shrink so)", map[bool]string{true: "2x", false: "4x"}[c.Scheme == quench.SchemeEM], unit)
		if !v.Reliable {
			line += ", or its error, marked *, is too small (run longer)"
		}
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
			if c.J < 0 {
				line += " (all up, whose first half-sweep turns it Neel)"
			}
		}
	}
	return line
}

// constantVerdict is what a measured value v that was the same in every
// measurement averaged (error 0) means against its exact value x.
func constantVerdict(c *sim.Config, sum *sim.Summary, v sim.Value, name string, x float64, unit string) string {
	line := ""
	d := math.Abs(*v.Mean - x)
	switch {
	case blinking(c, sum) && name == "energy":
		line += ": a blinking state, every site in zero field, which Metropolis flips back and forth for ever (no thermalization helps): use --algo heatbath, or another seed"
	case blinking(c, sum):
		line += ": the blinking state of energy's line"
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
	return line
}

// settledRounding names the rounding a settled series lies within
// (sim.Config.SettledTolerance).
func settledRounding(c *sim.Config) string {
	prec := c.Precision
	if prec != "float32" {
		prec = "float64" // (SettledTolerance's other case)
	}
	return fmt.Sprintf("2^%d of 1 in %s", int(math.Log2(c.SettledTolerance())), prec)
}

// profileTauMarked is the longest tau_int, in snapshots, of the profile
// entries whose error bars are not reliable (0 if none has one; +Inf for
// one whose autocorrelations reach past a quarter of the run, WindowNeeds:
// closer snapshots do not help it).
func profileTauMarked(sum *sim.Summary) float64 {
	var most float64
	for _, p := range sum.JudgedProfiles() {
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

// blinking reports whether a run's 2D Ising energy, 0 in every
// measurement, is that of Metropolis trapped in a blinking state (every
// site in zero field, so energy 0, which its sweeps flip for ever;
// lattices of up to 12 sites are refused for them, larger ones keep a
// few, docs/models.md). Its
// neighbours' sums are all 0, and so is their total, 4 times the
// magnetization: |m| is 0 in every measurement too (31% of 4x4's states
// have energy 0, 7% energy and m 0, so a few measurements do not tell).
func blinking(c *sim.Config, sum *sim.Summary) bool {
	a, err := quench.ParseAlgo(c.Algo)
	m, ok := sum.Observables["abs_magnetization"]
	e, eok := sum.Observables["energy"]
	return c.Model == "ising2d" && eok && e.Mean != nil && *e.Mean == 0 && e.Error != nil && *e.Error == 0 && err == nil && a == quench.Metropolis &&
		ok && m.Mean != nil && *m.Mean == 0 && sum.Measurements >= 100
}

// exactDerived are the observables with exact values that are functions
// of the series' moments (fluctuations: the specific heat, the
// susceptibilities, the Binder cumulant, the Ising structure factors at
// k != 0 and the correlation length), which a stationary run may measure
// as constant, 0, where they come from rare states (a specific heat of
// 1e-9 at low T, S_k of 1e-11 at T = 0.3): printExact does not read a
// constant of theirs as a sign of an unsampled stationary state.
var exactDerived = []string{"specific_heat", "susceptibility", "susceptibility_connected", "binder", "S_k0", "S_k1", "S_k2", "correlation_length",
	"staggered_susceptibility", "staggered_S_k0", "staggered_S_k1", "staggered_correlation_length"}

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

// zeroModes reports whether a run's S_k means are all 0 (and it has
// some) while its m2 is not: every measurement's smallest modes 0, a
// lattice frozen fully aligned, whose correlation length is infinite.
func zeroModes(c *sim.Config, sum *sim.Summary) bool {
	p := c.ModePrefix()
	if m2 := sum.Observables[p+"m2"].Mean; m2 == nil || !(*m2 > 0) {
		return false // (0/0, not infinite)
	}
	n := 0
	for name, v := range sum.Observables {
		if strings.HasPrefix(name, p+"S_k") {
			if v.Mean == nil || *v.Mean != 0 {
				return false
			}
			n++
		}
	}
	return n > 0
}

// orderedBinder is the Binder cumulant above which an antiferromagnet in
// a field is told that it may be ordered, and a run below Tc that it is:
// past the critical values of
// the 2D and 3D Ising classes on the torus (0.611, 0.466), toward the
// ordered phase's 2/3.
const orderedBinder = 0.64

// isingTc is the critical temperature of a ferromagnet or an
// antiferromagnet (of |J|) in no field: 2D Onsager's, 3D the simple-cubic
// estimate (quench.Kc3D); 0 for other runs.
func isingTc(c *sim.Config) float64 {
	if !sim.IsIsing(c.Model) || !c.NoField() || c.J == 0 {
		return 0
	}
	j := math.Abs(c.J) // (an antiferromagnet's staggered order: the same Tc)
	if c.Model == "ising2d" {
		return quench.Tc2D * j
	}
	return j / quench.Kc3D
}
