package main

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/sim"
)

// quench collect: the results of several finished runs, a parameter scan,
// in one table: a column for each setting that differs between them and
// one for each observable.

// collected is one run's summary and its settings, formatted.
type collected struct {
	dir      string
	sum      *sim.Summary
	series   []string          // series.csv's columns (nil without one)
	settings map[string]string // collectSettings' keys
	members  []*collected      // --average-seeds: the runs a row averages (nil for a run)
}

// settingTail are the settings of how a run was made, after the shape and
// the model's parameters in the table's columns.
var settingTail = []string{"seed", "seeds", "start", "sweeps", "steps", "therm", "every", "backend"}

// averageMinSeeds is the least number of seeds whose average --average-seeds
// calls reliable: the spread of fewer estimates its error to worse than
// about 25% (1/sqrt(2(n-1)) at n = 10).
const averageMinSeeds = 10

func newCollectCmd(stdout, stderr io.Writer) *cobra.Command {
	var f collectFlags
	cmd := &cobra.Command{
		Use:   "collect DIR...",
		Short: "Tabulate the results of several finished runs side by side (a parameter scan)",
		Long: `collect reads summary.json of each run directory (runs of one model) and
prints one row per run: the settings that differ between the runs, then
each observable as mean(error) in the error's last two digits, marked *
where its error bar is not reliable (see the run's own table for why).
--csv also writes the table as CSV, with each observable's mean, error,
tau_int, reliability and exact value (where the run reports one).
Rows are sorted by the differing settings, numbers by value. --plot draws
the observables against the setting scanned; --profile NAME tabulates one
profile or histogram (a sandpile's P(h) or P(s), a mass model's P(m) or
C(r)) of the runs side by side instead, a bin a row, and --series NAME
one column of series.csv against the step (with --average-seeds, its
mean over the seeds at every step: a relaxation). --crossings NAME
prints where NAME's curves for neighbouring lattice sizes cross (a
Binder cumulant's near Tc; NAME/L divides by L, for xi/L). Runs at different
settings that share a seed draw the same random numbers, so their points
are correlated (a note says so): give each run of a scan a seed of its own.`,
		Example: `  s=0; for T in 2.2 2.25 2.3 2.35; do s=$((s+1)); quench run --L 32 --T $T --seed $s --out scan/T$T --quiet; done
  quench collect scan/* --csv scan.csv
  quench collect scan/* --observables energy,binder
  quench collect scan/* --plot scan.png --observables binder,susceptibility
  quench collect L16/* L32/* --crossings binder   # scans of two sizes
  for L in 32 64 128; do quench run --model sandpile --L $L --grains 100000 --seed $L --out sp/L$L --quiet; done
  quench collect sp/* --profile avalanche_size --plot sizes.png --log xy
  for s in $(seq 20); do quench run --L 64 --T 1.5 --start hot --therm 0 --sweeps 1000 --seed $s --out relax/s$s --quiet; done
  quench collect relax/* --series energy --average-seeds --plot relax.png --log x`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return quench.Usagef("collect takes one or more run directories: quench collect DIR... [--csv FILE] [--plot FILE]")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			defer removeOnInterrupt(stderr, "collect")()
			return f.run(cmd.Flags(), args, stdout, stderr)
		},
	}
	cmd.Flags().StringVar(&f.csvPath, "csv", "", "also write the table as CSV to this file (per observable: mean, error, tau_int, reliable, exact)")
	cmd.Flags().StringVar(&f.plotPath, "plot", "", "also draw each observable against the first numeric setting that differs (a line per value of the others) to this .png or .svg file; with --profile, the profile against its bins")
	cmd.Flags().StringVar(&f.xAxis, "x", "", "--plot and --crossings: the setting along x (default: the first numeric model parameter that differs; L: the first extent)")
	cmd.Flags().StringVar(&f.logAxes, "log", "", "--plot: logarithmic axes, x, y or xy (a panel whose values or error bars reach 0 or below keeps a linear y, and says so; with --profile, such points are left out, and the title counts them)")
	cmd.Flags().BoolVar(&f.average, "average-seeds", false, fmt.Sprintf("average the runs that differ only in their seed into one row: each observable's mean over them, its error their spread over sqrt(runs), which counts what varies between seeds (quenched disorder); reliable from %d seeds on (of stationary runs thermalized for their slow modes)", averageMinSeeds))
	cmd.Flags().StringVar(&f.only, "observables", "", "only these observables, comma-separated (default: those of the runs' tables); NAME/L divides one by the first extent (correlation_length/L)")
	cmd.Flags().StringVar(&f.cross, "crossings", "", "also print where this observable's curves against the setting along x (--plot's, or --x) cross, for each pair of neighbouring lines (lattice sizes): by linear interpolation, and by straight lines fitted over the bracket and its neighbours, with errors; NAME/L divides it by the first extent (correlation_length/L)")
	cmd.Flags().StringVar(&f.series, "series", "", "instead of the observables, this column of series.csv (energy, abs_magnetization, phi2, ...) of every run against the step, and with --average-seeds its mean over each setting's seeds at every step, with their spread over sqrt(seeds) as its error (a relaxation or coarsening from a hot start, averaged over independent histories); --csv writes every measurement, --plot draws the lines")
	cmd.Flags().StringVar(&f.profile, "profile", "", "instead of the observables, this profile or histogram of every run side by side, a bin a row with its range [lo, hi) (height_distribution, height_distribution_center, mass_distribution, mass_distribution_log, correlation; avalanche_size, avalanche_area, avalanche_duration, site_activity, height_final as fractions of their counts); --csv writes every bin")
	return cmd
}

// collectFlags are quench collect's flags.
type collectFlags struct {
	csvPath, plotPath, only, xAxis, logAxes, profile, cross, series string
	average                                                         bool
}

// check refuses the flags that do not go together or are given "", and
// turns --csv and --plot into the files they write; it returns --log's
// axes.
func (f *collectFlags) check(fl *pflag.FlagSet) (logs logAxes, err error) {
	// a flag given "" (a script's empty variable) is refused, not
	// read as absent (--csv "" and --plot "" below say so too)
	for _, name := range []string{"log", "x", "observables", "crossings"} {
		if fl.Changed(name) && fl.Lookup(name).Value.String() == "" {
			return logs, quench.Usagef(`--%s "" is not allowed: give a value, or no --%s`, name, name)
		}
	}
	if fl.Changed("csv") {
		if f.csvPath, err = outFile("--csv", f.csvPath); err != nil {
			return logs, err
		}
	}
	if f.xAxis != "" && f.plotPath == "" && f.cross == "" {
		return logs, quench.Usagef("--x %s applies to --plot and --crossings only", f.xAxis)
	}
	if logs, err = parseLogAxes(f.logAxes); err != nil {
		return logs, err
	}
	if fl.Changed("profile") {
		// a profile's bins side by side: none of the observables'
		// options apply
		for _, name := range []string{"observables", "x", "crossings"} {
			if fl.Changed(name) {
				return logs, quench.Usagef("--profile and --%s are not allowed together: --profile tabulates one profile or histogram a bin a row (with --csv, every bin of every run; --plot draws it against the bins)", name)
			}
		}
		if f.profile == "" {
			return logs, quench.Usagef("--profile \"\" is not allowed: name a profile or histogram (height_distribution, mass_distribution, avalanche_size, ...)")
		}
	}
	if fl.Changed("series") {
		// one series.csv column against the step: none of the
		// observables' options apply
		for _, name := range []string{"profile", "observables", "x", "crossings"} {
			if fl.Changed(name) {
				return logs, quench.Usagef("--series and --%s are not allowed together: --series tabulates one column of series.csv against the step (with --csv, every measurement of every run; --plot draws it against the step)", name)
			}
		}
		if f.series == "" {
			return logs, quench.Usagef("--series \"\" is not allowed: name a column of series.csv (energy, abs_magnetization, phi2, ...)")
		}
	}
	if f.logAxes != "" && f.plotPath == "" {
		return logs, quench.Usagef("--log %s applies to --plot only", f.logAxes)
	}
	if fl.Changed("plot") {
		if ext := strings.ToLower(filepath.Ext(f.plotPath)); f.plotPath != "" && !slices.Contains(plotFormats, ext) {
			return logs, quench.Usagef("--plot %s is not allowed: a %s file", f.plotPath, strings.Join(plotFormats, " or "))
		}
		if f.plotPath, err = outFile("--plot", f.plotPath); err != nil {
			return logs, err
		}
	}
	return logs, nil
}

// run collects the runs in dirs: their series, a profile, or (the
// default) their observables.
func (f *collectFlags) run(fl *pflag.FlagSet, dirs []string, stdout, stderr io.Writer) error {
	logs, err := f.check(fl)
	if err != nil {
		return err
	}
	runs, err := readRuns(dirs)
	if err != nil {
		return err
	}
	if err := checkCollectOutputs(runs, [][2]string{{"--csv", f.csvPath}, {"--plot", f.plotPath}}); err != nil {
		return err
	}
	shared := sharedSeedNote(runs)
	if f.average {
		var lone []string
		if runs, lone, err = averageSeeds(runs); err != nil {
			return err
		}
		shared += loneNote(lone)
	}
	varying := varyingSettings(runs)
	sortRuns(runs, varying)
	// the CSVs name how many seeds a row averages even where
	// every row has as many (the table's heading says it)
	csvVarying := varying
	if f.average && !slices.Contains(varying, "seeds") {
		csvVarying = append(slices.Clone(varying), "seeds")
	}
	if f.series != "" {
		progress, done := seriesProgress(runs, stderr)
		cs, err := gatherSeries(runs, f.series, progress)
		done()
		if err != nil {
			return err
		}
		return emitCollected(stdout, f.csvPath, f.plotPath,
			func(path string) (*staged, error) { return writeSeriesCSV(path, runs, csvVarying, cs) },
			func(path string) (*staged, error) { return plotSeries(path, logs, runs, varying, cs) },
			func(w io.Writer) { printSeries(w, runs, varying, cs, f.average); fmt.Fprint(w, shared) })
	}
	if f.profile != "" {
		cp, err := gatherProfile(runs, f.profile)
		if err != nil {
			return err
		}
		return emitCollected(stdout, f.csvPath, f.plotPath,
			func(path string) (*staged, error) { return writeProfileCSV(path, runs, csvVarying, cp) },
			func(path string) (*staged, error) { return plotProfile(path, logs, runs, varying, cp) },
			func(w io.Writer) { printProfile(w, runs, varying, cp, f.average); fmt.Fprint(w, shared) })
	}
	return f.observables(fl, stdout, runs, varying, csvVarying, logs, shared)
}

// observables prints (and writes to --csv, draws to --plot) the
// observables of runs, and with --crossings where their lines cross.
func (f *collectFlags) observables(fl *pflag.FlagSet, stdout io.Writer, runs []*collected, varying, csvVarying []string, logs logAxes, shared string) error {
	all := observableOrder(runs)
	shown := all
	var err error
	if fl.Changed("observables") {
		if all, err = addPerL(runs, f.only, all); err != nil {
			return err
		}
		if shown, err = pickObservables(f.only, all); err != nil {
			return err
		}
	} else if runs[0].sum.Model == "ising2d" || runs[0].sum.Model == "ising3d" {
		// the staggered ones only where a run's table shows them:
		// an antiferromagnet's
		if !slices.ContainsFunc(runs, func(r *collected) bool { j, _ := r.sum.Params["J"].(float64); return j < 0 }) {
			shown = slices.DeleteFunc(slices.Clone(all), func(name string) bool { return slices.Contains(sim.StaggeredNames, name) })
		}
	}
	if f.plotPath != "" {
		// the plot's refusals (no numeric setting differs, a bad
		// --x) come before the CSV is written: a refusal writes
		// nothing
		l, err := plotAxes(runs, varying, f.xAxis)
		if err != nil {
			return err
		}
		if err := l.checkLogX(runs, logs); err != nil {
			return err
		}
	}
	var crossed func(w io.Writer)
	if fl.Changed("crossings") {
		if crossed, err = f.crossings(runs, varying, all); err != nil {
			return err
		}
	}
	cols := all
	if fl.Changed("observables") {
		cols = shown
	}
	return emitCollected(stdout, f.csvPath, f.plotPath,
		func(path string) (*staged, error) { return writeCollectCSV(path, runs, csvVarying, cols) },
		func(path string) (*staged, error) { return plotCollected(path, f.xAxis, logs, runs, varying, shown) },
		func(w io.Writer) {
			printCollected(w, runs, varying, shown, f.average)
			if crossed != nil {
				crossed(w)
			}
			fmt.Fprint(w, shared)
		})
}

// crossings finds where --crossings' observable (among all) crosses
// between the lines of runs, and returns what prints them.
func (f *collectFlags) crossings(runs []*collected, varying, all []string) (func(w io.Writer), error) {
	cross := f.cross
	name, perL, err := crossingOf(cross, all)
	if err != nil {
		return nil, err
	}
	l, err := plotAxes(runs, varying, f.xAxis)
	if err != nil {
		return nil, quench.Usagef("--crossings: %v", strings.TrimPrefix(err.Error(), "--plot "))
	}
	if len(l.groups) == 0 {
		if l.x == "L" || l.x == "shape" || strings.HasPrefix(l.x, "shape") {
			// (runs of several sizes at one temperature: the
			// lines are the sizes, against T)
			return nil, quench.Usagef("--crossings %s needs two lines or more: these runs differ in the lattice size alone, the x of their plot; the lines are lattice sizes against another setting, such as T: give each size runs at two values or more of it", cross)
		}
		return nil, quench.Usagef("--crossings %s needs two lines or more: runs that differ, besides %s, in a setting such as the lattice size", cross, l.x)
	}
	if len(l.groups) > 1 {
		return nil, quench.Usagef("--crossings %s needs lines that differ in one setting (these differ in %s): collect the runs of one value of the others at a time", cross, strings.Join(l.groups, " and "))
	}
	if perL && runs[0].sum.Model == "particles" {
		return nil, quench.Usagef("--crossings %s is not allowed for particles: /L divides by a lattice's first extent", cross)
	}
	cs, err := crossings(runs, l, name, perL)
	if err != nil {
		return nil, err
	}
	return func(w io.Writer) { printCrossings(w, cross, l, cs) }, nil
}

// emitCollected writes collect's outputs: the CSV (where csvPath is
// given) and the plot (plotPath) by writeCSV and drawPlot, both staged
// before either is renamed into place (a plot that cannot be written
// leaves no CSV behind), then the table by print.
func emitCollected(stdout io.Writer, csvPath, plotPath string, writeCSV, drawPlot func(path string) (*staged, error), print func(w io.Writer)) error {
	var csvOut, plotOut *staged
	var err error
	if csvPath != "" {
		if csvOut, err = writeCSV(csvPath); err != nil {
			return err
		}
	}
	if plotPath != "" {
		if plotOut, err = drawPlot(plotPath); err != nil {
			csvOut.abort()
			return err
		}
	}
	if err := commitBoth(csvOut, plotOut); err != nil {
		return err
	}
	tw := &errWriter{w: stdout}
	print(tw)
	if tw.err != nil {
		return &failure{fmt.Errorf("the table could not be printed: %w", tw.err)}
	}
	return nil
}

// readRuns reads the summaries of dirs (each once, in the order given):
// finished runs of one model.
func readRuns(dirs []string) ([]*collected, error) {
	var runs []*collected
	seen := map[string]bool{}
	for _, dir := range dirs {
		if dir == "" {
			// (before the key, which would take it for the current directory)
			return nil, quench.Usagef(`collect: "" is not a directory name: give run directories (each with a summary.json)`)
		}
		// a directory given twice, or once through a link, is one run
		key := filepath.Clean(dir)
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			if abs, err := filepath.Abs(real); err == nil {
				key = abs
			}
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		fi, err := os.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, quench.Usagef("collect: %s does not exist", dir)
		case err != nil:
			return nil, quench.Usagef("collect: %s: %v", dir, pathReason(err))
		case !fi.IsDir():
			return nil, quench.Usagef("collect: %s is not a directory: give run directories (each with a summary.json)", dir)
		}
		path := filepath.Join(dir, sim.SummaryFile)
		if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
			// a FIFO would block the read
			return nil, quench.Usagef("collect: %s is not a regular file (a directory, a pipe or a device): not a quench summary", path)
		}
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			if inUse(dir) {
				return nil, quench.Usagef("collect: %s holds a run still going (another quench process is working there, no %s yet): collect it when it ends", dir, sim.SummaryFile)
			}
			if _, cerr := os.Stat(filepath.Join(dir, sim.CheckpointFile)); cerr == nil {
				return nil, quench.Usagef("collect: %s holds an unfinished run (no %s yet): quench resume %s finishes it", dir, sim.SummaryFile, shellWord(dir))
			}
			return nil, quench.Usagef("collect: %s has no %s: not the directory of a finished quench run", dir, sim.SummaryFile)
		}
		if err != nil {
			return nil, quench.Usagef("collect: %s: %v", path, pathReason(err))
		}
		var sum sim.Summary
		if err := json.Unmarshal(data, &sum); err != nil || sum.Model == "" || sum.Observables == nil {
			why := "no model or observables"
			if err != nil {
				why = err.Error()
			}
			return nil, quench.Usagef("collect: %s is not a quench summary (%s)", path, why)
		}
		if !slices.Contains(sim.Models, sum.Model) {
			return nil, quench.Usagef("collect: %s is not a quench summary (model %q: quench's are %s)", path, sum.Model, strings.Join(sim.Models, ", "))
		}
		if len(sum.Shape) == 0 || sum.Sites < 1 || sum.Params == nil {
			return nil, quench.Usagef("collect: %s is not a quench summary (no shape, sites or params)", path)
		}
		legacyConstants(data, &sum)
		if len(runs) > 0 && sum.Model != runs[0].sum.Model {
			return nil, quench.Usagef("collect takes runs of one model: %s is %s, %s is %s", runs[0].dir, runs[0].sum.Model, dir, sum.Model)
		}
		runs = append(runs, &collected{dir: dir, sum: &sum, series: seriesColumns(filepath.Join(dir, sim.SeriesFile)), settings: collectSettings(&sum)})
	}
	sameBetaSameT(runs)
	return runs, nil
}

// sameBetaSameT gives Ising runs of one beta one T: the first's. An
// Ising run is its beta (the flip probabilities'), and --T 0.9 and
// --beta 1.1111111111111112 make the same run, which compare finds
// identical, though their T read 0.9 and 0.8999999999999999 (an audit
// found them two rows of --average-seeds). A Langevin run's noise takes
// T itself: those differ.
func sameBetaSameT(runs []*collected) {
	first := map[string]string{}
	for _, r := range runs {
		beta, ok := r.settings["beta"]
		if !sim.IsIsing(r.sum.Model) || !ok {
			continue
		}
		if t, seen := first[beta]; seen {
			r.settings["T"] = t
		} else {
			first[beta] = r.settings["T"]
		}
	}
}

// sharedSeedNote is a note, after the table, where runs at different
// settings share a seed: they draw the same random numbers (Philox keyed
// by the seed, counted by site and step), so their results are
// correlated: an Ising 16^2 at T = 2.25 and 2.26, 20000 sweeps, seed 1
// both, had energy series correlated 0.84 (seeds 1 and 2: -0.02); hot
// and cold starts on one seed soon the same series, and a run and its
// extension share their first steps. The backend is no setting here: a
// CPU and a GPU run of one seed are one run, bit for bit. Empty where
// none do (runs that draw no random number count for none).
func sharedSeedNote(runs []*collected) string {
	settingsOf := map[string]map[string]bool{} // seed -> model settings
	runsOf := map[string]int{}
	var seeds []string
	dirOf := map[string]string{} // settings and seed -> a run's directory
	var twice [][2]string        // runs of one setting and seed
	for _, r := range runs {
		if seedUnused(r.sum) {
			continue
		}
		var parts []string
		for _, k := range settingKeys(r.settings) {
			if v, ok := r.settings[k]; ok && k != "seed" && k != "backend" {
				parts = append(parts, k+"="+v)
			}
		}
		seed := r.settings["seed"]
		if settingsOf[seed] == nil {
			settingsOf[seed] = map[string]bool{}
			seeds = append(seeds, seed)
		}
		key := strings.Join(parts, " ")
		settingsOf[seed][key] = true
		runsOf[seed]++
		// (a CPU and a GPU run of one setting and seed, bit for bit
		// alike, are collected to be compared: not said)
		id := key + " seed=" + seed + " backend=" + r.settings["backend"]
		if d, ok := dirOf[id]; ok && seed != "" {
			twice = append(twice, [2]string{d, r.dir})
		}
		dirOf[id] = r.dir
	}
	same := ""
	if len(twice) > 0 {
		// (an audit's collection listed one run twice without a word;
		// --average-seeds refuses it)
		same = fmt.Sprintf("\nnote: %s and %s are runs of the same settings and seed, the same run twice: their rows are not independent points", twice[0][0], twice[0][1])
		if len(twice) > 1 {
			same += fmt.Sprintf(" (and %d more such pairs)", len(twice)-1)
		}
		same += "\n"
	}
	var shared []string
	for _, seed := range seeds {
		if len(settingsOf[seed]) > 1 {
			shared = append(shared, seed)
		}
	}
	if len(shared) == 0 {
		return same
	}
	which := fmt.Sprintf("seed %s is shared by %d runs", shared[0], runsOf[shared[0]])
	if len(shared) > 1 {
		which = "seeds " + strings.Join(shared[:min(len(shared), 5)], ", ")
		if len(shared) > 5 {
			which += fmt.Sprintf(" (and %d more)", len(shared)-5)
		}
		which += " are each shared by runs"
	}
	return same + fmt.Sprintf("\nnote: %s at different settings: they draw the same random numbers, so their results are correlated (as the energies of an Ising 16^2 at T = 2.25 and 2.26 on one seed were: 0.84), and a fit that takes the points as independent misjudges them: give each run a --seed of its own\n", which)
}

// seedUnused is sim.SeedUnused of a run's summary.
func seedUnused(s *sim.Summary) bool {
	t, _ := s.Params["T"].(float64)
	spread, _ := s.Params["omega_spread"].(float64)
	return sim.SeedUnused(s.Model, s.Start, t, spread)
}

// legacyConstants marks as Constant, in a summary written before
// observables carried "constant" (data its JSON, sum read from it), the
// values of error 0, which such a run's exact lines called constant.
func legacyConstants(data []byte, sum *sim.Summary) {
	var raw struct {
		Observables map[string]map[string]json.RawMessage `json:"observables"`
	}
	if json.Unmarshal(data, &raw) != nil {
		return
	}
	for name, v := range sum.Observables {
		if _, has := raw.Observables[name]["constant"]; !has && v.Error != nil && *v.Error == 0 {
			v.Constant = true
			sum.Observables[name] = v
		}
	}
}

// runLike finds among runs one whose model settings are r's (shape,
// parameters, start) but that differs from it in how it was run (sweeps,
// therm, every, backend; the seed aside), and names those differences as
// "sweeps 150000 against 100000"; nil where there is none.
func runLike(r *collected, runs []*collected) (*collected, string) {
	how := []string{"sweeps", "steps", "grains", "therm", "therm_grains", "every", "backend"}
	for _, o := range runs {
		if o == r {
			continue
		}
		same, diff := true, []string(nil)
		both := maps.Clone(r.settings)
		maps.Copy(both, o.settings)
		for _, k := range settingKeys(both) {
			a, aok := r.settings[k]
			b, bok := o.settings[k]
			switch {
			case k == "seed" || k == "seeds" || a == b && aok == bok:
			case slices.Contains(how, k):
				diff = append(diff, fmt.Sprintf("%s %s against %s", k, cmp.Or(a, "-"), cmp.Or(b, "-")))
			default:
				same = false
			}
		}
		if same && len(diff) > 0 {
			return o, strings.Join(diff, ", ")
		}
	}
	return nil, ""
}

// averageSeeds replaces each set of runs that differ only in their seed
// by one: per observable the mean of their means, with the standard
// deviation of those over sqrt(n) as its error (so what varies between
// seeds, quenched disorder or model B's conserved mean, is in it), no
// tau_int, reliable from averageMinSeeds runs on unless one is marked not
// stationary or has therm_short (its own error bar may be unreliable: the
// spread of independent runs' means does not need it); the exact value,
// where every run has one, their mean (the exact expectation of the
// average). Its directory is the first run's with "(+k)" for the others;
// "seeds" replaces "seed" in its settings. The seeds of a set must be
// distinct. A run that is the only one of its settings stays as it is
// (its own values and errors, "seeds" 1; lone lists them; not one with
// quenched disorder, whose error bar leaves it out), as the points
// of a scan that took more seeds only near Tc do, but not one that
// differs from others of its model settings in its length or spacing
// alone (a seed extended further than the others, most often), which is
// refused.
func averageSeeds(runs []*collected) (out []*collected, lone []string, err error) {
	var keys []string
	groups := map[string][]*collected{}
	for _, r := range runs {
		var parts []string
		for _, k := range settingKeys(r.settings) {
			if v, ok := r.settings[k]; ok && k != "seed" {
				parts = append(parts, k+"="+v)
			}
		}
		key := strings.Join(parts, " ")
		if _, ok := groups[key]; !ok {
			keys = append(keys, key)
		}
		groups[key] = append(groups[key], r)
	}
	for _, key := range keys {
		g := groups[key]
		if len(g) < 2 {
			if o, diff := runLike(g[0], runs); o != nil {
				// (a seed extended further than the others, most often)
				return nil, nil, quench.Usagef("--average-seeds: %s is the only run of its settings: it differs from %s, a run of the same model settings, in %s; the seeds averaged must be runs of one length and spacing (quench resume DIR --sweeps N extends each alike)", g[0].dir, o.dir, diff)
			}
			if g[0].sum.QuenchedDisorder != "" {
				// its error bar leaves out what varies between seeds,
				// which only their spread measures (a review's finding)
				return nil, nil, quench.Usagef("--average-seeds: %s is the only run of its settings, and its quenched disorder (summary.json quenched_disorder) varies between seeds, which its own error bar leaves out: give it two seeds or more", g[0].dir)
			}
			r := *g[0]
			r.settings = maps.Clone(r.settings)
			delete(r.settings, "seed")
			r.settings["seeds"] = "1"
			out, lone = append(out, &r), append(lone, r.dir)
			continue
		}
		if r := g[0]; seedUnused(r.sum) {
			return nil, nil, quench.Usagef("--average-seeds: %s and %s draw no random number (%s from a cold start%s), so their seeds make one run: there is nothing to average", r.dir, g[1].dir, r.sum.Model, map[bool]string{true: " at T = 0", false: ""}[r.sum.Model == "particles"])
		}
		seen := map[string]string{}
		for _, r := range g {
			if d, ok := seen[r.settings["seed"]]; ok {
				return nil, nil, quench.Usagef("--average-seeds: %s and %s are runs of the same settings and seed %s, the same run twice", d, r.dir, r.settings["seed"])
			}
			seen[r.settings["seed"]] = r.dir
		}
		out = append(out, averageOf(g))
	}
	return out, lone, nil
}

// loneNote is the note, after the table, on the runs averageSeeds kept as
// they were.
func loneNote(lone []string) string {
	switch len(lone) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("\nnote: --average-seeds: %s is the only run of its settings: its row (seeds 1) is its own mean and error, from its bins, not a mean over seeds\n", lone[0])
	}
	return fmt.Sprintf("\nnote: --average-seeds: %s and %d more are the only runs of their settings: their rows (seeds 1) are their own means and errors, from their bins, not means over seeds\n", lone[0], len(lone)-1)
}

// averageOf is averageSeeds' run for one set of runs.
func averageOf(g []*collected) *collected {
	first := g[0]
	sum := *first.sum
	sum.Observables = map[string]sim.Value{}
	// settled (varying by rounding alone) in every run: so is the average
	sum.Settled = slices.DeleteFunc(slices.Clone(sum.Settled), func(name string) bool {
		return slices.ContainsFunc(g, func(r *collected) bool { return !slices.Contains(r.sum.Settled, name) })
	})
	sum.Exact = nil
	sum.HeightMean = nil // (not averaged: no table of collect's shows it)
	names := map[string]bool{}
	for _, r := range g {
		for k := range r.sum.Observables {
			names[k] = true
		}
	}
	n := float64(len(g))
	cold := !slices.ContainsFunc(g, func(r *collected) bool { return r.sum.Start != "cold" })
	for name := range names {
		var means []float64
		reliable := len(g) >= averageMinSeeds
		// a side of a symmetry that every seed began on (a cold start:
		// every spin up) and some stayed on: the seeds' spread leaves
		// out the other side as each run's bins do (an audit's 10 cold
		// seeds of 16^2 at T = 1.8: magnetization 0.95693(26), reliable)
		oneSide := cold && slices.ContainsFunc(g, func(r *collected) bool {
			return slices.Contains(r.sum.Observables[name].UnreliableBy, sim.BySymmetry)
		})
		constant := true // every run's series constant (and then, at one mean, the average)
		exact, exactAll := 0.0, true
		for _, r := range g {
			v, ok := r.sum.Observables[name]
			if ok && v.Mean != nil && finite(*v.Mean) {
				means = append(means, *v.Mean)
			}
			constant = constant && v.Constant
			// the spread of independent runs' means is an honest error
			// whatever each run's own bins saw (tau_int, slow modes, a
			// side of a symmetry each seed drew for itself), but not for
			// a run that is not stationary
			// (nor for one thermalized short: thermShort)
			reliable = reliable && ok && !slices.Contains(v.UnreliableBy, sim.ByNotStationary) && !thermShort(r)
			x, has := r.sum.Exact[name]
			exact += x
			exactAll = exactAll && has
		}
		if len(means) < len(g) {
			// a run without a value: the average has none either
			sum.Observables[name] = sim.Value{}
			continue
		}
		m, e := seedMean(means)
		v := sim.Value{Mean: &m, Error: &e, Reliable: reliable && !oneSide, Constant: constant && e == 0}
		if oneSide {
			v.UnreliableBy = []string{sim.BySymmetry}
		}
		sum.Observables[name] = v
		if exactAll {
			if sum.Exact == nil {
				sum.Exact = map[string]float64{}
			}
			sum.Exact[name] = exact / n
		}
	}
	averageCorrelation(g, &sum)
	sum.Profiles, sum.Histograms = averageProfiles(g), sumHistograms(g)
	settings := maps.Clone(first.settings)
	delete(settings, "seed")
	settings["seeds"] = strconv.Itoa(len(g))
	return &collected{dir: fmt.Sprintf("%s (+%d seeds)", first.dir, len(g)-1), sum: &sum, series: first.series, settings: settings, members: g}
}

// averageCorrelation sets the average's correlation length from the
// seeds' mean S(0)/F - 1 (their summaries' correlation_ratio; its error
// their spread over sqrt(n)), whose root it is: the mean of the seeds'
// roots of a noisy ratio is biased (a ratio of 0.05 +- 0.05 has a mean
// root 0.18, not 0.22), and where the mean ratio lies fewer than
// sim.NearZeroErrors errors above 0 the root's error means nothing: the
// value is then marked near_zero. Where a seed has no ratio (a summary
// written before correlation_ratio, or xi without a value) the average
// of the seeds' xi stays, without a ratio.
func averageCorrelation(g []*collected, sum *sim.Summary) {
	sum.CorrelationRatio = nil
	key := "correlation_length"
	if _, ok := sum.Observables[key]; !ok {
		key = "staggered_correlation_length" // (an antiferromagnet's)
	}
	v, ok := sum.Observables[key]
	if !ok || v.Mean == nil || len(sum.Shape) == 0 {
		return
	}
	var rs []float64
	for _, r := range g {
		if r.sum.CorrelationRatio == nil {
			return
		}
		rs = append(rs, r.sum.CorrelationRatio.Mean)
	}
	m, e := seedMean(rs)
	sum.CorrelationRatio = &sim.RatioEstimate{Mean: m, Error: e}
	k := 2 * math.Sin(math.Pi/float64(sum.Shape[0]))
	xi := math.Copysign(math.Sqrt(math.Abs(m)), m) / k
	xe := e / (2 * math.Sqrt(math.Abs(m))) / k // (to first order)
	v.Mean, v.Error = &xi, &xe
	if sim.NearZero(m, e) {
		v.Reliable, v.UnreliableBy = false, []string{sim.ByNearZero}
	}
	sum.Observables[key] = v
}

// seedMean is the mean of the seeds' values xs and its error, their
// standard deviation over sqrt(n).
func seedMean(xs []float64) (m, e float64) {
	n := float64(len(xs))
	for _, x := range xs {
		m += x
	}
	m /= n
	var ss float64
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return m, math.Sqrt(ss / (n - 1) / n)
}

// thermShort reports whether run r's --therm left its conserved field's
// slow modes unrelaxed (therm_short): every seed's mean then has that
// bias, which their spread does not see. A sandpile's summary written
// before it had therm_short is judged by its start and thermalization.
func thermShort(r *collected) bool {
	return r.sum.ThermShort != nil || r.sum.Model == "sandpile" && r.sum.Therm < sim.SandpileFill(r.sum.Start, r.sum.Sites, len(r.sum.Shape))
}

// averageProfiles averages the profiles that every run of g has, at one
// length, bin by bin as averageOf does the observables: the mean of the
// runs' means, the error their spread over sqrt(n), reliable from
// averageMinSeeds runs on where no run is marked not stationary or
// thermalized short; a bin that some run has no mean for has none.
func averageProfiles(g []*collected) map[string]sim.Profile {
	reliable := len(g) >= averageMinSeeds && !slices.ContainsFunc(g, func(r *collected) bool {
		return thermShort(r) || r.sum.NotStationary != ""
	})
	out := map[string]sim.Profile{}
	for name, p0 := range g[0].sum.Profiles {
		if slices.ContainsFunc(g, func(r *collected) bool { p, ok := r.sum.Profiles[name]; return !ok || len(p.Mean) != len(p0.Mean) }) {
			continue
		}
		var avg sim.Profile
		for b := range p0.Mean {
			xs := make([]float64, 0, len(g))
			ok := true
			for _, r := range g {
				v := r.sum.Profiles[name].Mean[b]
				ok = ok && v != nil && finite(*v)
				if ok {
					xs = append(xs, *v)
				}
			}
			if !ok {
				avg.Mean, avg.Error, avg.Reliable = append(avg.Mean, nil), append(avg.Error, nil), append(avg.Reliable, false)
				avg.TauInt, avg.TauIntError = append(avg.TauInt, nil), append(avg.TauIntError, nil)
				continue
			}
			m, e := seedMean(xs)
			avg.Mean, avg.Error, avg.Reliable = append(avg.Mean, &m), append(avg.Error, &e), append(avg.Reliable, reliable)
			avg.TauInt, avg.TauIntError = append(avg.TauInt, nil), append(avg.TauIntError, nil)
		}
		out[name] = avg
	}
	return out
}

// sumHistograms adds up the runs' counts of each histogram every run of g
// has (bin by bin, to the longest).
func sumHistograms(g []*collected) map[string][]int64 {
	out := map[string][]int64{}
	for name := range g[0].sum.Histograms {
		if slices.ContainsFunc(g, func(r *collected) bool { _, ok := r.sum.Histograms[name]; return !ok }) {
			continue
		}
		var h []int64
		for _, r := range g {
			for b, c := range r.sum.Histograms[name] {
				if b >= len(h) {
					h = append(h, 0)
				}
				h[b] += c
			}
		}
		out[name] = h
	}
	return out
}

// seriesColumns returns the header of a series.csv (nil if unreadable).
func seriesColumns(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimSpace(line), ",")
}

// collectSettings formats a run's settings: its shape, each parameter,
// and settingTail.
func collectSettings(s *sim.Summary) map[string]string {
	set := map[string]string{}
	dims := make([]string, len(s.Shape))
	for i, n := range s.Shape {
		dims[i] = strconv.Itoa(n)
	}
	set["shape"] = strings.Join(dims, "x")
	for k, v := range s.Params {
		switch v := v.(type) {
		case float64:
			set[k] = strconv.FormatFloat(v, 'g', -1, 64)
		default:
			set[k] = fmt.Sprint(v)
		}
	}
	set["seed"] = strconv.FormatUint(s.Seed, 10)
	set["start"] = s.Start
	// named as the run's flag is: --steps for the Langevin, mass and
	// diffusion models (the sandpile's grains are a parameter, and
	// printCollected shows its sweeps once, as grains)
	steps := "sweeps"
	if !sim.IsIsing(s.Model) && s.Model != "sandpile" {
		steps = "steps"
	}
	set[steps] = strconv.FormatInt(s.Sweeps, 10)
	set["therm"] = strconv.FormatInt(s.Therm, 10)
	set["every"] = strconv.FormatInt(s.Every, 10)
	set["backend"] = s.Backend
	return set
}

// varyingSettings lists the settings whose values differ between the
// runs (one missing from a run counts as a value), in column order.
func varyingSettings(runs []*collected) []string {
	keys := map[string]bool{}
	for _, r := range runs {
		for k := range r.settings {
			keys[k] = true
		}
	}
	var out []string
	for _, k := range settingKeys(keys) {
		v, ok := runs[0].settings[k]
		for _, r := range runs[1:] {
			if w, has := r.settings[k]; has != ok || w != v {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// settingKeys lists the keys of a set of settings in column order: the
// shape, the parameters by name, then settingTail.
func settingKeys[V any](set map[string]V) []string {
	var params []string
	for k := range set {
		if k != "shape" && !slices.Contains(settingTail, k) {
			params = append(params, k)
		}
	}
	sort.Strings(params)
	return append(append([]string{"shape"}, params...), settingTail...)
}

// sortRuns orders the runs by their varying settings, numbers by value,
// then by directory.
func sortRuns(runs []*collected, varying []string) {
	slices.SortStableFunc(runs, func(a, b *collected) int {
		for _, k := range varying {
			if c := compareSetting(a.settings[k], b.settings[k]); c != 0 {
				return c
			}
		}
		return strings.Compare(a.dir, b.dir)
	})
}

func compareSetting(a, b string) int {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil && x != y {
		if x < y {
			return -1
		}
		return 1
	}
	if strings.Contains(a, "x") && strings.Contains(b, "x") {
		// shapes: by their extents
		as, bs := strings.Split(a, "x"), strings.Split(b, "x")
		for i := 0; i < len(as) && i < len(bs); i++ {
			if c := compareSetting(as[i], bs[i]); c != 0 {
				return c
			}
		}
	}
	return strings.Compare(a, b)
}

// observableOrder lists the observables of the runs in table order: the
// Ising model's names, else the series' columns, then any others by name.
func observableOrder(runs []*collected) []string {
	have := map[string]bool{}
	for _, r := range runs {
		for k := range r.sum.Observables {
			have[k] = true
		}
	}
	var order []string
	add := func(names []string) {
		for _, n := range names {
			if have[n] && !slices.Contains(order, n) {
				order = append(order, n)
			}
		}
	}
	if m := runs[0].sum.Model; m == "ising2d" || m == "ising3d" {
		// dm_dh where the run's table has it, after the connected one
		add(slices.Insert(slices.Clone(sim.ObservableNames), slices.Index(sim.ObservableNames, "susceptibility_connected")+1, sim.FieldResponse))
		add(sim.StaggeredNames)
	}
	// Kuramoto's order parameter first, as its run's table has it
	add([]string{"order_parameter", "order_parameter2"})
	for _, r := range runs {
		add(r.series)
	}
	var rest []string
	for n := range have {
		if !slices.Contains(order, n) {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(order, rest...)
}

// pickObservables reads --observables against the runs' observables.
// addPerL adds to each run the observables of list named NAME/L: NAME
// of the runs divided by the run's first extent (correlation_length/L,
// a scan's xi/L), its mean, error and exact value, with its tau_int and
// marks; all with them.
func addPerL(runs []*collected, list string, all []string) ([]string, error) {
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		base, ok := strings.CutSuffix(n, "/L")
		if ok && isXi(base) && !slices.Contains(all, base) {
			return nil, quench.Usagef("--observables %s is not allowed: the runs have no %s%s", n, base, xiWhere)
		}
		if !ok || slices.Contains(all, n) || !slices.Contains(all, base) {
			continue // (pickObservables refuses what no run has)
		}
		if runs[0].sum.Model == "particles" {
			return nil, quench.Usagef("--observables %s is not allowed for particles: /L divides by a lattice's first extent", n)
		}
		for _, r := range runs {
			v, ok := r.sum.Observables[base]
			if !ok || len(r.sum.Shape) == 0 {
				continue
			}
			l := float64(r.sum.Shape[0])
			div := func(p *float64) *float64 {
				if p == nil {
					return nil
				}
				x := *p / l
				return &x
			}
			v.Mean, v.Error = div(v.Mean), div(v.Error)
			r.sum.Observables[n] = v
			if x, ok := r.sum.Exact[base]; ok {
				r.sum.Exact[n] = x / l
			}
		}
		all = append(all, n)
	}
	return all, nil
}

func pickObservables(list string, all []string) ([]string, error) {
	var out []string
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			// (a typo's ",," dropped without a word, as an audit found)
			return nil, quench.Usagef("--observables %q is not allowed: an empty name between commas", list)
		}
		if !slices.Contains(all, n) {
			return nil, quench.Usagef("--observables: no run has %q (they have: %s)", n, strings.Join(all, ", "))
		}
		if slices.Contains(out, n) {
			return nil, quench.Usagef("--observables %q is not allowed: it names %s twice", list, n)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, quench.Usagef("--observables %q names none: give observables, comma-separated (the runs have: %s)", list, strings.Join(all, ", "))
	}
	return out, nil
}

// printCollected prints the table: a line of the settings the runs share,
// then a row per run.
func printCollected(w io.Writer, runs []*collected, varying, names []string, averaged bool) {
	first := runs[0]
	var same []string
	for _, k := range settingKeys(first.settings) {
		if _, ok := first.settings[k]; ok && !slices.Contains(varying, k) {
			// the sandpile's grains=N, not also sweeps=N
			if (k == "sweeps" || k == "therm") && slices.ContainsFunc(same, func(e string) bool {
				g, v, _ := strings.Cut(e, "=")
				return sameSetting(g, k) && v == first.settings[k]
			}) {
				continue
			}
			same = append(same, k+"="+first.settings[k])
		}
	}
	fmt.Fprintf(w, "quench %s, %s; the same in every run: %s\n\n", first.sum.Model, runsCount(runs, averaged), strings.Join(same, " "))
	varying = tableSettings(runs, varying)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\n", strings.Join(append(append([]string{"run"}, varying...), names...), "\t"))
	unreliable := false
	for _, r := range runs {
		row := []string{r.dir}
		for _, k := range varying {
			row = append(row, cmp.Or(r.settings[k], "-"))
		}
		for _, n := range names {
			v, ok := r.sum.Observables[n]
			cell := "-"
			if ok {
				cell = meanErr(v.Mean, v.Error)
				if !v.Reliable && v.Mean != nil {
					cell += "*"
					unreliable = true
				}
			}
			row = append(row, cell)
		}
		fmt.Fprintf(tw, "%s\n", strings.Join(row, "\t"))
	}
	tw.Flush()
	switch {
	case unreliable && averaged:
		lone := ""
		if slices.ContainsFunc(runs, func(r *collected) bool { return r.settings["seeds"] == "1" }) {
			lone = "; in a row of one seed, the run's own table (or its summary.json, unreliable_by) says why"
		}
		side := ""
		for _, r := range runs {
			for _, v := range r.sum.Observables {
				if r.members != nil && slices.Contains(v.UnreliableBy, sim.BySymmetry) { // (averageOf's oneSide)
					side = ", or of runs that all began on one side of a symmetry (a cold start) and stayed there, which their spread cannot see (symmetry: a hot start lets each seed draw its side)"
				}
			}
		}
		fmt.Fprintf(w, "\n* error bar not reliable: an average of fewer than %d seeds, or of runs that are not stationary or whose thermalization was short (therm_short; their tables say why)%s%s\n", averageMinSeeds, side, lone)
	case unreliable:
		fmt.Fprintln(w, "\n* error bar not reliable: the run's own table (or its summary.json, unreliable_by) says why")
	}
	printCollectedExact(w, runs, names)
}

// sameSetting reports whether settings a and b say one thing in other
// words (aliases, not settings that merely vary together over a few
// runs, as a scan's T and its runs' own seeds do): T and beta, the
// sandpile's grains and therm_grains and the sweeps and therm they are.
// (A mass model's mass0_asked is not mass0's alias: a run that got what
// it asked for has none, and would show "-".)
func sameSetting(a, b string) bool {
	pair := func(x, y string) bool { return a == x && b == y || a == y && b == x }
	return pair("T", "beta") || pair("sweeps", "grains") || pair("therm", "therm_grains")
}

// tableSettings drops from the table's columns a differing setting that
// says what another says (sameSetting) and follows it one to one over
// the runs (T and beta): of the two, the one written shorter stays (the
// values typed: --T 2.2, not beta 0.45454545454545453). The CSV keeps
// both.
func tableSettings(runs []*collected, varying []string) []string {
	width := func(k string) int {
		n := 0
		for _, r := range runs {
			n += len(r.settings[k])
		}
		return n
	}
	var out []string
	for _, k := range varying {
		i := slices.IndexFunc(out, func(g string) bool { return sameSetting(g, k) && followsX(runs, g, k) })
		switch {
		case i < 0:
			out = append(out, k)
		case width(k) < width(out[i]):
			out[i] = k
		}
	}
	return out
}

// printCollectedExact prints, for the shown observables that some run
// knows exactly, each run's distance from its exact value in errors (as
// the run's own exact lines do): more than 4 says it did not sample the
// stationary state, or an error marked * is too small.
func printCollectedExact(w io.Writer, runs []*collected, names []string) {
	var known []string
	for _, n := range names {
		if slices.ContainsFunc(runs, func(r *collected) bool { _, ok := r.sum.Exact[n]; return ok }) {
			known = append(known, n)
		}
	}
	if len(known) == 0 {
		return
	}
	fmt.Fprintln(w, "\nexact values (the runs' own; summary.json exact), the measured means' distances from them in errors:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\n", strings.Join(append([]string{"run"}, known...), "\t"))
	marked := false
	without := 0 // runs with no exact value of these: no row
	for _, r := range runs {
		if !slices.ContainsFunc(known, func(n string) bool { _, ok := r.sum.Exact[n]; return ok }) {
			without++
			continue
		}
		row := []string{r.dir}
		for _, n := range known {
			v := r.sum.Observables[n]
			d := exactDistance(v, r.sum.Exact, n)
			if x, ok := r.sum.Exact[n]; ok && r.sum.SettledAt(n, x) {
				// within the rounding its error measures: no distance
				// in an error, reliable or not
				d = "round"
			}
			if d != "-" && d != "round" && !v.Reliable {
				// as in the table above: the distance is in an error
				// that is not reliable
				d += "*"
				marked = true
			}
			row = append(row, d)
		}
		fmt.Fprintf(tw, "%s\n", strings.Join(row, "\t"))
	}
	tw.Flush()
	if without > 0 {
		fmt.Fprintf(w, "(%d of the %d runs have no exact value of these: not listed)\n", without, len(runs))
	}
	if marked {
		fmt.Fprintln(w, "\n* in an error bar marked * above (not reliable): the distance does not test the mean")
	}
}

// exactDistance is (mean - exact)/error to two digits; "-" without an
// exact value or a mean; for an error of 0 "0" when the mean is the exact
// value, else "const" for a constant series (whose run's exact line says
// "measured X in every measurement averaged"; it had printed inf) and
// "err0" for one whose measurements vary (a telescoping series). (The
// caller writes "round" for a settled value within the rounding of its
// exact value: sim.Summary.SettledAt.)
func exactDistance(v sim.Value, exact map[string]float64, name string) string {
	x, ok := exact[name]
	switch {
	case !ok || v.Mean == nil:
		return "-"
	case v.Error == nil || math.IsNaN(*v.Error):
		return "-"
	case *v.Error == 0 && *v.Mean == x:
		return "0"
	case *v.Error == 0 && v.Constant:
		return "const"
	case *v.Error == 0:
		return "err0"
	}
	return fmt.Sprintf("%+.2g", (*v.Mean-x) / *v.Error)
}

// meanErr writes a mean with its error in the error's last two digits,
// 0.8439(12) for 0.84386 +- 0.0012, 2340(91) for 2340.3 +- 91, 2340(910)
// for 2340.3 +- 913 (the mean to the error's second digit); with a
// power of ten where the mean is far from 1, 1.064(74)e-28; the mean
// alone to 8 digits where the error is 0 (a constant series), to 6 where
// it has none, marked (-); the error itself after a mean to 15 digits
// where it is below the mean's 13th digit (a conserved mean's rounding).
func meanErr(mean, err *float64) string {
	if mean == nil || math.IsNaN(*mean) || math.IsInf(*mean, 0) {
		if mean != nil {
			return strconv.FormatFloat(*mean, 'g', -1, 64)
		}
		return "-"
	}
	m := *mean + 0 // -0 is 0
	switch {
	case err == nil || math.IsNaN(*err) || math.IsInf(*err, 0):
		return fmt.Sprintf("%.6g(-)", m) // no error bar, not an exact value
	case *err == 0:
		return fmt.Sprintf("%.8g", m)
	case *err < math.Abs(m)*1e-13:
		// an error below float64's last digits (a conserved mean's
		// rounding): the mean to 15 digits, the error as it is
		return fmt.Sprintf("%.15g(%.2g)", m, *err)
	}
	e := *err
	exp := 0
	if a := math.Max(math.Abs(m), e); a >= 1e7 || a < 1e-4 {
		exp = int(math.Floor(math.Log10(a)))
		scale := math.Pow(10, float64(exp))
		m, e = m/scale, e/scale
	}
	d := int(math.Floor(math.Log10(e))) - 1 // the error's second digit
	if math.Round(e/math.Pow(10, float64(d))) >= 100 {
		d++ // 0.00996 is 0.010, two digits at the next place
	}
	var s string
	if d < 0 {
		ms := fmt.Sprintf("%.*f", -d, m)
		if strings.Trim(ms, "-0.") == "" {
			ms = strings.TrimPrefix(ms, "-") // a mean that rounds to 0 is 0, not -0
		}
		s = fmt.Sprintf("%s(%.0f)", ms, math.Round(e/math.Pow(10, float64(d))))
	} else {
		p := math.Pow(10, float64(d))
		s = fmt.Sprintf("%.0f(%.0f)", math.Round(m/p)*p+0, math.Round(e/p)*p)
	}
	if exp != 0 {
		s += fmt.Sprintf("e%+03d", exp)
	}
	return s
}

// writeCollectCSV stages the table for path (stageWhole: whole or not at
// all, renamed over path by its commit): run,
// the varying settings, then per observable its mean, error, tau_int and
// its error, reliable and exact value (empty where there is none).
func writeCollectCSV(path string, runs []*collected, varying, names []string) (*staged, error) {
	header, cells := csvSettings(runs, varying)
	for _, n := range names {
		header = append(header, n, n+"_error", n+"_tau_int", n+"_tau_int_error", n+"_reliable", n+"_exact")
	}
	num := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p+0, 'g', -1, 64)
	}
	rows := [][]string{header}
	for _, r := range runs {
		row := cells(r)
		for _, n := range names {
			v, ok := r.sum.Observables[n]
			exact := ""
			if x, has := r.sum.Exact[n]; has {
				exact = strconv.FormatFloat(x, 'g', -1, 64)
			}
			if !ok {
				row = append(row, "", "", "", "", "", exact)
				continue
			}
			row = append(row, num(v.Mean), num(v.Error), num(v.TauInt), num(v.TauIntError), strconv.FormatBool(v.Reliable), exact)
		}
		rows = append(rows, row)
	}
	return stageCSV(path, rows)
}

// stageCSV stages rows as CSV for path (stageWhole: whole or not at
// all), the --csv of collect's tables.
func stageCSV(path string, rows [][]string) (*staged, error) {
	return stageWhole(path, "--csv", func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.WriteAll(rows)
		return cw.Error()
	})
}

// csvSettings is the CSVs' header up to the observables or bins, run and
// the differing settings (extentColumns after the shape), and a run's
// cells under it.
func csvSettings(runs []*collected, varying []string) (header []string, cells func(r *collected) []string) {
	header = []string{"run"}
	extents := extentColumns(runs, varying)
	for _, k := range varying {
		header = append(header, k)
		if k == "shape" {
			header = append(header, extents...)
		}
	}
	return header, func(r *collected) []string {
		row := []string{r.dir}
		for _, k := range varying {
			row = append(row, r.settings[k])
			if k != "shape" {
				continue
			}
			for i := range extents {
				e := ""
				if len(extents) == 1 || i < len(r.sum.Shape) {
					e = strconv.Itoa(r.sum.Shape[min(i, len(r.sum.Shape)-1)])
				}
				row = append(row, e)
			}
		}
		return row
	}
}

// extentColumns are the CSV's numeric columns after a shape that
// differs between the runs, so that a fit need not parse "32x32": L where
// every run's lattice is a hypercube, else L1, L2, ... an axis each (empty
// where a run has fewer axes); none for particles, whose N and d are
// columns of their own.
func extentColumns(runs []*collected, varying []string) []string {
	if !slices.Contains(varying, "shape") || runs[0].sum.Model == "particles" {
		return nil
	}
	dims, cube := 0, true
	for _, r := range runs {
		dims = max(dims, len(r.sum.Shape))
		for _, n := range r.sum.Shape {
			cube = cube && n == r.sum.Shape[0]
		}
	}
	if cube {
		return []string{"L"}
	}
	cols := make([]string, dims)
	for i := range cols {
		cols[i] = "L" + strconv.Itoa(i+1)
	}
	return cols
}

// writeWhole writes path (the value of flag) by fill into a temporary
// file beside it, renamed over it when complete: whole or not at all.
func writeWhole(path, flag string, fill func(w io.Writer) error) error {
	s, err := stageWhole(path, flag, fill)
	if err != nil {
		return err
	}
	staging.Lock()
	defer staging.Unlock()
	return s.commit()
}

// staged is an output written whole into a temporary file beside its
// path, not yet renamed over it (stageWhole), so that several outputs
// are written all or none: commit each once every one is staged.
type staged struct{ tmp, path, flag string }

// staging holds the temporary files of the outputs being written and not
// yet renamed or removed, which an interrupt removes (removeOnInterrupt);
// its lock is held across a command's renames, so that an interrupt comes
// before them all or after.
var staging struct {
	sync.Mutex
	files map[string]bool
	// bar is the progress bar on the terminal, if any (seriesProgress),
	// which an interrupt clears before its line
	bar *progressbar.ProgressBar
}

// testHookStaged, set by tests only, is called once a file is staged.
var testHookStaged func()

// stageWhole writes path's content by fill into a temporary file beside
// it (writeWhole's first half).
func stageWhole(path, flag string, fill func(w io.Writer) error) (*staged, error) {
	dir, base := filepath.Split(path)
	// made and tracked under the lock: an interrupt between the two would
	// find the file untracked and leave it (a review)
	removeStaleTemps(cmp.Or(dir, "."), base)
	staging.Lock()
	tmp, err := os.CreateTemp(cmp.Or(dir, "."), tempPrefix(base)+"*")
	if err == nil {
		if staging.files == nil {
			staging.files = map[string]bool{}
		}
		staging.files[tmp.Name()] = true
	}
	staging.Unlock()
	if err != nil {
		return nil, quench.Usagef("%s %s: cannot write in %s: %v", flag, path, cmp.Or(dir, "."), pathReason(err))
	}
	// (CreateTemp makes it 0600: the outputs of a run are 0644)
	if err := cmp.Or(fill(tmp), tmp.Chmod(0o644), tmp.Close()); err != nil {
		(&staged{tmp: tmp.Name()}).abort()
		return nil, &failure{fmt.Errorf("writing %s %s: %w", flag, path, sim.AtTarget(err, tmp.Name(), path))}
	}
	if testHookStaged != nil {
		testHookStaged()
	}
	return &staged{tmp: tmp.Name(), path: path, flag: flag}, nil
}

// tempPrefix is the start of the name of a temporary file that stageWhole
// writes base through: hidden, and with this process's id and its host's
// tag, so that one left by a process that was killed can be told from one
// being written (removeStaleTemps).
func tempPrefix(base string) string {
	return fmt.Sprintf(".%s.tmp%d-%s-", base, os.Getpid(), hostTag())
}

// hostTag is a short hash of the host's name: a process id means this
// host's process only (a directory shared over NFS, or by containers with
// pid namespaces of their own, holds other hosts' temporary files, whose
// ids this host cannot look up: a review).
func hostTag() string {
	name, _ := os.Hostname()
	h := fnv.New32a()
	h.Write([]byte(name))
	return fmt.Sprintf("%08x", h.Sum32())
}

// removeStaleTemps removes the temporary files of base in dir that
// processes of this host, now gone, left (kill -9 while writing: an
// audit found a 148 MB one of a --csv left for ever), keeping those of
// processes that may still be writing them and other hosts'.
func removeStaleTemps(dir, base string) {
	entries, _ := os.ReadDir(dir)
	tag := hostTag()
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), "."+base+".tmp")
		parts := strings.SplitN(rest, "-", 3)
		if !ok || len(parts) != 3 || parts[1] != tag || !e.Type().IsRegular() {
			continue
		}
		if pid, err := strconv.Atoi(parts[0]); err == nil && pid > 0 && processGone(pid) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// commit renames the staged file over its path; call with staging locked.
func (s *staged) commit() error {
	defer delete(staging.files, s.tmp)
	if err := os.Rename(s.tmp, s.path); err != nil {
		os.Remove(s.tmp)
		return quench.Usagef("%s %s: %v", s.flag, s.path, pathReason(err))
	}
	return nil
}

// commitBoth renames the staged CSV and plot (either nil) into place, the
// CSV first; a CSV that cannot be renamed takes the plot with it.
func commitBoth(csvOut, plotOut *staged) error {
	staging.Lock()
	defer staging.Unlock()
	for _, s := range []*staged{csvOut, plotOut} {
		if s == nil {
			continue
		}
		if err := s.commit(); err != nil {
			if plotOut != nil {
				os.Remove(plotOut.tmp)
				delete(staging.files, plotOut.tmp)
			}
			return err
		}
	}
	return nil
}

// abort removes the staged file (nil: nothing staged).
func (s *staged) abort() {
	if s != nil {
		staging.Lock()
		defer staging.Unlock()
		os.Remove(s.tmp)
		delete(staging.files, s.tmp)
	}
}

// exitOnInterrupt ends the process after an interrupt (tests replace it).
var exitOnInterrupt = os.Exit

// removeOnInterrupt makes Ctrl-C, SIGTERM or SIGHUP (as the run command
// catches them) remove the staged outputs, say so in one line and exit
// 130, where the signal would have ended the process and left their
// temporary files beside the outputs (an audit's interrupted collect
// --csv --plot left them 7 times in 9); an interrupt during the renames
// waits for them. stop ends it.
func removeOnInterrupt(stderr io.Writer, what string) (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, caughtSignals()...)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		staging.Lock()
		defer staging.Unlock()
		if staging.bar != nil {
			// its line, not the bar's (an audit saw them on one line)
			staging.bar.Exit()
			staging.bar.Clear()
		}
		msg := "quench: " + what + " interrupted"
		if len(staging.files) > 0 {
			msg += "; the outputs it had not finished were removed, none is half-written"
		}
		for f := range staging.files {
			os.Remove(f)
			delete(staging.files, f)
		}
		fmt.Fprintln(stderr, msg)
		exitOnInterrupt(exitInterrupted)
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

// checkCollectOutputs refuses outputs (flag -> path, "" for none) that
// would overwrite a file of a run collect reads (its summary.json, one of
// sim.RunFiles in its directory), or that name one file twice.
func checkCollectOutputs(runs []*collected, outs [][2]string) error {
	same := func(a, b string) bool {
		fa, ea := os.Stat(a)
		fb, eb := os.Stat(b)
		if ea == nil && eb == nil {
			return os.SameFile(fa, fb)
		}
		// a file not made yet: its directory and name
		da, ea := os.Stat(filepath.Dir(a))
		db, eb := os.Stat(filepath.Dir(b))
		return ea == nil && eb == nil && os.SameFile(da, db) && filepath.Base(a) == filepath.Base(b)
	}
	for i, o := range outs {
		if o[1] == "" {
			continue
		}
		for _, p := range outs[:i] {
			if p[1] != "" && same(o[1], p[1]) {
				return quench.Usagef("%s %s and %s %s name one file: give each its own", p[0], p[1], o[0], o[1])
			}
		}
		for _, r := range runs {
			for _, name := range sim.RunFiles() {
				if same(o[1], filepath.Join(r.dir, name)) {
					return quench.Usagef("%s %s is %s of the run in %s, which collect reads: give a file outside its run files", o[0], o[1], name, r.dir)
				}
			}
		}
	}
	return nil
}

// outFile returns the file to write for an output (the value of flag):
// path, or the file a link at path names (written whole there, so the
// link stays a link). It refuses, before anything is read, a directory,
// anything but a regular file (a device, a pipe: writeWhole would put a
// file in its place), a link to nothing, and a file in a directory that
// does not exist, and an empty name (a flag given as "").
func outFile(flag, path string) (string, error) {
	if path == "" {
		return "", quench.Usagef(`%s "" is not allowed: give a file name, or no %s`, flag, flag)
	}
	file := path
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if file, err = filepath.EvalSymlinks(path); err != nil {
			return "", quench.Usagef("%s %s is a link to nothing: give a file name", flag, path)
		}
	}
	if fi, err := os.Stat(file); err == nil {
		switch {
		case fi.IsDir():
			return "", quench.Usagef("%s %s is a directory: give a file name", flag, path)
		case !fi.Mode().IsRegular():
			return "", quench.Usagef("%s %s is not a regular file (a device or a pipe): give a file name, which is written whole", flag, path)
		}
	}
	dir := filepath.Dir(file)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", quench.Usagef("%s %s: there is no directory %s to write it in", flag, path, dir)
	}
	return file, nil
}

// pathReason is a file operation's error without the path it names (the
// message names the path itself).
func pathReason(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

// runsCount is the tables' count of the runs: "3 runs", or with
// --average-seeds "30 runs averaged over their seeds into 3 rows" (each
// row's seeds setting).
func runsCount(runs []*collected, averaged bool) string {
	if !averaged {
		return count(int64(len(runs)), "runs")
	}
	total := 0
	for _, r := range runs {
		n, _ := strconv.Atoi(r.settings["seeds"])
		total += n
	}
	return fmt.Sprintf("%d runs averaged over their seeds into %s", total, count(int64(len(runs)), "rows"))
}
