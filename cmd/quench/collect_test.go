package main

import (
	"encoding/csv"
	"fmt"
	"image/png"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/quenchlab/quench/sim"
)

// collect tabulates a temperature scan: a row per run sorted by T (the
// directories given out of order), the shared settings on one line, and
// a CSV whose numbers are the summaries' to the last bit.
func TestCollectScan(t *testing.T) {
	dir := t.TempDir()
	temps := []string{"3", "2.5", "10"}
	sums := map[string]sim.Summary{}
	var dirs []string
	for _, T := range temps {
		d := filepath.Join(dir, "T"+T)
		_, sums[d] = runSummary(t, d, "--L", "8", "--T", T, "--sweeps", "300", "--therm", "50", "--quiet")
		dirs = append(dirs, d)
	}
	csvPath := filepath.Join(dir, "scan.csv")
	code, stdout, stderr := runQ(t, append(append([]string{"collect"}, dirs...), dirs[0], "--csv", csvPath)...)
	if code != 0 || stderr != "" {
		t.Fatalf("collect: exit %d, %s", code, stderr)
	}
	lines := strings.Split(stdout, "\n")
	if !strings.HasSuffix(stdout, "\nnote: seed 1 is shared by 3 runs at different settings: they draw the same random numbers, so their results are correlated (as the energies of an Ising 16^2 at T = 2.25 and 2.26 on one seed were: 0.84), and a fit that takes the points as independent misjudges them: give each run a --seed of its own\n") {
		t.Errorf("no note on the shared seed at the end:\n%s", stdout)
	}
	// a copy of a run: the same run twice, said
	dup := filepath.Join(dir, "copy")
	os.CopyFS(dup, os.DirFS(dirs[0]))
	if code, stdout, _ := runQ(t, "collect", dirs[0], dup, dirs[1]); code != 0 || !strings.Contains(stdout, "\nnote: "+dirs[0]+" and "+dup+" are runs of the same settings and seed, the same run twice: their rows are not independent points\n") {
		t.Errorf("a run and its copy: exit %d\n%s", code, stdout)
	}
	if !strings.HasPrefix(lines[0], "quench ising2d, 3 runs; the same in every run: shape=8x8 J=1 algo=metropolis h=0 seed=1 start=hot sweeps=300 therm=50 every=1 backend=cpu") {
		t.Errorf("heading: %q", lines[0])
	}
	header := regexp.MustCompile(`\s+`).Split(strings.TrimSpace(lines[2]), -1)
	if strings.Join(header, " ") != "run T energy magnetization abs_magnetization m2 m4 specific_heat susceptibility susceptibility_connected binder S_k0 S_k1 correlation_length" { // beta follows T

		t.Errorf("columns: %q", header)
	}
	for i, T := range []string{"2.5", "3", "10"} { // by value, not as text
		row := regexp.MustCompile(`\s+`).Split(strings.TrimSpace(lines[3+i]), -1)
		d := filepath.Join(dir, "T"+T)
		s := sums[d]
		want := meanErr(s.Observables["energy"].Mean, s.Observables["energy"].Error)
		if !s.Observables["energy"].Reliable {
			want += "*"
		}
		if row[0] != d || row[1] != T || row[2] != want {
			t.Errorf("row %d: %q, want %s, T %s, energy %s", i, row, d, T, want)
		}
	}
	// the exact block: each run's distance from its exact values (8x8:
	// Kaufman's energy and specific heat, the transfer matrix's m2,
	// susceptibility, S_k and correlation length), as its own table
	// gives them
	_, block, ok := strings.Cut(stdout, "\nexact values (the runs' own; summary.json exact), the measured means' distances from them in errors:\n")
	blines := strings.Split(block, "\n")
	exactCols := []string{"energy", "m2", "specific_heat", "susceptibility", "S_k0", "S_k1", "correlation_length"}
	if !ok || strings.Join(strings.Fields(blines[0]), " ") != "run "+strings.Join(exactCols, " ") {
		t.Fatalf("exact block:\n%s", stdout)
	}
	for i, T := range []string{"2.5", "3", "10"} {
		d := filepath.Join(dir, "T"+T)
		s := sums[d]
		// marked * where the error is not reliable, as in the table
		star := func(v sim.Value) string { return map[bool]string{false: "*", true: ""}[v.Reliable] }
		want := d
		for _, name := range exactCols {
			v := s.Observables[name]
			want += fmt.Sprintf(" %+.2g%s", (*v.Mean-s.Exact[name]) / *v.Error, star(v))
		}
		if got := strings.Join(strings.Fields(blines[1+i]), " "); got != want {
			t.Errorf("exact row %d: %q, want %q", i, got, want)
		}
	}
	if regexp.MustCompile(`[0-9]\*`).MatchString(block) != strings.Contains(block, "\n* in an error bar marked * above (not reliable): the distance does not test the mean\n") {
		t.Errorf("exact block: a distance marked * without the note saying why, or the note without one:\n%s", block)
	}
	recs, err := readCSV(csvPath)
	if err != nil || len(recs) != 4 {
		t.Fatalf("csv: %d records, %v", len(recs), err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, name := range []string{"energy_exact", "staggered_magnetization", "binder_tau_int", "specific_heat_reliable"} {
		if _, ok := col[name]; !ok {
			t.Errorf("csv has no column %s: %q", name, recs[0])
		}
	}
	for _, r := range recs[1:] {
		s := sums[r[0]]
		for _, name := range []string{"energy", "binder", "staggered_magnetization"} {
			v := s.Observables[name]
			got, _ := strconv.ParseFloat(r[col[name]], 64)
			gotErr, _ := strconv.ParseFloat(r[col[name+"_error"]], 64)
			tauErr, _ := strconv.ParseFloat(r[col[name+"_tau_int_error"]], 64)
			if got != *v.Mean || gotErr != *v.Error || tauErr != *v.TauIntError || r[col[name+"_reliable"]] != strconv.FormatBool(v.Reliable) {
				t.Errorf("%s %s: csv %s +- %s (%s), summary %v +- %v (%v)", r[0], name, r[col[name]], r[col[name+"_error"]], r[col[name+"_reliable"]], *v.Mean, *v.Error, v.Reliable)
			}
		}
		if x, _ := strconv.ParseFloat(r[col["energy_exact"]], 64); x != s.Exact["energy"] || r[col["binder_exact"]] != "" {
			t.Errorf("%s: exact energy %s (summary %v), binder %q", r[0], r[col["energy_exact"]], s.Exact["energy"], r[col["binder_exact"]])
		}
	}
	// --observables picks and orders the columns, of the table and the CSV
	code, stdout, _ = runQ(t, "collect", dirs[0], dirs[1], "--observables", "binder, energy", "--csv", csvPath)
	if h := regexp.MustCompile(`\s+`).Split(strings.TrimSpace(strings.Split(stdout, "\n")[2]), -1); code != 0 || strings.Join(h, " ") != "run T binder energy" {
		t.Errorf("--observables binder,energy: exit %d, columns %q", code, h)
	}
	if b, _ := os.ReadFile(csvPath); !strings.HasPrefix(string(b), "run,T,beta,binder,binder_error,binder_tau_int,binder_tau_int_error,binder_reliable,binder_exact,energy,") {
		t.Errorf("--observables csv: %.100s", b)
	}
}

// Bad input: one line, exit 2, no CSV written.
func TestCollectRefuses(t *testing.T) {
	dir := t.TempDir()
	ising, sand := filepath.Join(dir, "ising"), filepath.Join(dir, "sand")
	runSummary(t, ising, "--L", "8", "--sweeps", "200", "--quiet")
	runSummary(t, sand, "--model", "sandpile", "--L", "8", "--grains", "100", "--quiet")
	unfinished := filepath.Join(dir, "unfinished")
	os.Mkdir(unfinished, 0o755)
	os.WriteFile(filepath.Join(unfinished, sim.CheckpointFile), []byte("x"), 0o644)
	bad := filepath.Join(dir, "bad")
	os.Mkdir(bad, 0o755)
	os.WriteFile(filepath.Join(bad, sim.SummaryFile), []byte(`{"model": 3}`), 0o644)
	os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "dangling"))
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	csvPath := filepath.Join(dir, "out.csv")
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "collect takes one or more run directories"},
		{[]string{filepath.Join(dir, "none")}, "none does not exist"},
		{[]string{filepath.Join(ising, sim.SummaryFile)}, "is not a directory"},
		{[]string{ising, unfinished}, "holds an unfinished run (no summary.json yet): quench resume " + unfinished + " finishes it"},
		{[]string{empty}, "has no summary.json: not the directory of a finished quench run"},
		{[]string{bad}, "summary.json is not a quench summary"},
		{[]string{ising, sand}, "collect takes runs of one model: " + ising + " is ising2d, " + sand + " is sandpile"},
		{[]string{ising, "--observables", "energy,heat"}, `--observables: no run has "heat" (they have: energy, magnetization,`},
		{[]string{ising, "--observables", " ,"}, `--observables " ," is not allowed: an empty name between commas`},
		{[]string{ising, "--observables", "energy,,binder"}, `--observables "energy,,binder" is not allowed: an empty name between commas`},
		{[]string{ising, "--observables", "energy,binder,energy"}, `--observables "energy,binder,energy" is not allowed: it names energy twice`},
		{[]string{ising, "--observables", ""}, `--observables "" is not allowed: give a value, or no --observables`},
		{[]string{ising, "--log", "", "--plot", filepath.Join(dir, "p.png")}, `--log "" is not allowed: give a value, or no --log`},
		{[]string{ising, "--x", "", "--plot", filepath.Join(dir, "p.png")}, `--x "" is not allowed: give a value, or no --x`},
		{[]string{ising, "--crossings", ""}, `--crossings "" is not allowed: give a value, or no --crossings`},
		{[]string{ising, "--csv", dir}, "--csv " + dir + " is a directory: give a file name"},
		{[]string{ising, "--csv", ""}, `--csv "" is not allowed: give a file name, or no --csv`},
		{[]string{ising, "--plot", ""}, `--plot "" is not allowed: give a file name, or no --plot`},
		{[]string{ising, "--csv", os.DevNull}, "--csv " + os.DevNull + " is not a regular file (a device or a pipe): give a file name, which is written whole"},
		{[]string{ising, "--csv", filepath.Join(dir, "dangling")}, "--csv " + filepath.Join(dir, "dangling") + " is a link to nothing"},
		{[]string{ising, "--csv", filepath.Join(dir, "no", "x.csv")}, "--csv " + filepath.Join(dir, "no", "x.csv") + ": there is no directory " + filepath.Join(dir, "no") + " to write it in"},
	} {
		code, stdout, stderr := runQ(t, withBase([]string{"collect", "--csv", csvPath}, c.args...)...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("collect %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, stdout, stderr, c.want)
		}
		if _, err := os.Stat(csvPath); err == nil {
			t.Errorf("collect %q: wrote %s", c.args, csvPath)
		}
	}
}

// --plot: a panel per observable (three to a row) against the first
// numeric parameter that differs, a group per shape; beta, which follows
// T, makes no groups of its own.
func TestCollectPlot(t *testing.T) {
	dir := t.TempDir()
	var dirs []string
	for _, L := range []string{"4", "6"} {
		for _, T := range []string{"2", "3"} {
			d := filepath.Join(dir, "L"+L+"T"+T)
			runSummary(t, d, "--L", L, "--T", T, "--sweeps", "200", "--therm", "20", "--quiet")
			dirs = append(dirs, d)
		}
	}
	runs, err := readRuns(dirs)
	if err != nil {
		t.Fatal(err)
	}
	varying := varyingSettings(runs)
	if l, err := plotAxes(runs, varying, ""); err != nil || l.x != "T" || !slices.Equal(l.groups, []string{"shape"}) {
		t.Errorf("axes of %v: %+v, %v; want T along x, a group per shape", varying, l, err)
	}
	// --x: beta along x (T follows it), or L with a line per T and beta
	if l, err := plotAxes(runs, varying, "beta"); err != nil || l.x != "beta" || !slices.Equal(l.groups, []string{"shape"}) {
		t.Errorf("--x beta: %+v, %v", l, err)
	}
	if l, err := plotAxes(runs, varying, "L"); err != nil || l.x != "L" || !slices.Equal(l.groups, []string{"T"}) {
		t.Errorf("--x L: %+v, %v", l, err)
	}
	pngPath := filepath.Join(dir, "scan.png")
	code, _, stderr := runQ(t, append([]string{"collect", "--plot", pngPath, "--observables", "energy,binder,m2,m4"}, dirs...)...)
	if code != 0 {
		t.Fatalf("collect --plot: exit %d %s", code, stderr)
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.DecodeConfig(f)
	if err != nil || img.Width != 2*img.Height { // 3 x 4in by 2 x 3in
		t.Errorf("%s: %dx%d, %v; want three panels by two", pngPath, img.Width, img.Height, err)
	}
	svg := filepath.Join(dir, "scan.svg")
	if code, _, stderr := runQ(t, append([]string{"collect", "--plot", svg}, dirs[:2]...)...); code != 0 {
		t.Errorf("collect --plot .svg: exit %d %s", code, stderr)
	} else if b, _ := os.ReadFile(svg); !strings.Contains(string(b), "<svg") || !strings.Contains(string(b), "binder") {
		t.Errorf("%s: %.200s", svg, b)
	}
	// only the shapes differ: along x the first extent
	if l, err := plotAxes([]*collected{runs[0], runs[2]}, []string{"shape"}, ""); err != nil || l.x != "L" || len(l.groups) != 0 {
		t.Errorf("shapes alone: %+v, %v", l, err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--plot", filepath.Join(dir, "x.jpg"), dirs[0], dirs[1]}, "--plot " + filepath.Join(dir, "x.jpg") + " is not allowed: a .png or .svg file"},
		{[]string{"--plot", filepath.Join(dir, "one.png"), dirs[0]}, "--plot needs runs that differ in a numeric setting, to put along x (these differ in nothing: they are runs of the same settings)"},
		{[]string{"--plot", filepath.Join(dir, "no", "x.png"), dirs[0]}, "there is no directory"},
		{[]string{"--plot", filepath.Join(dir, "one.png"), "--x", "h", dirs[0], dirs[3]}, "--x h is not allowed: a numeric setting that differs between the runs (L, T, beta)"},
		{[]string{"--x", "T", dirs[0], dirs[3]}, "--x T applies to --plot and --crossings only"},
		{[]string{"--log", "x", dirs[0], dirs[3]}, "--log x applies to --plot only"},
		{[]string{"--plot", filepath.Join(dir, "one.png"), "--log", "loglog", dirs[0], dirs[3]}, `--log "loglog" is not allowed: x, y or xy`},
	} {
		code, stdout, stderr := runQ(t, append([]string{"collect"}, c.args...)...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("collect %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, stdout, stderr, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "one.png")); err == nil {
		t.Error("a refused --plot wrote its file")
	}
	// --log xy draws: the energies, below 0, on a linear y
	logPath := filepath.Join(dir, "log.svg")
	if code, _, stderr := runQ(t, append([]string{"collect", "--plot", logPath, "--log", "xy", "--x", "L"}, dirs...)...); code != 0 {
		t.Errorf("collect --plot --log xy: exit %d %s", code, stderr)
	} else if b, _ := os.ReadFile(logPath); !strings.Contains(string(b), "energy (y linear: values &lt;= 0)") || !strings.Contains(string(b), "susceptibility<") {
		t.Errorf("%s: no linear-y energy panel, or no susceptibility panel", logPath)
	}
}

// --log: x refused where a run's value along x is 0 or below; a panel's y
// logarithmic where every value and error bar is above 0, else linear with
// a note in its title; a range of one value widened by a factor of 2.
func TestCollectPlotLog(t *testing.T) {
	mk := func(h string, mean, e float64) *collected {
		return &collected{dir: "runs/h" + h, settings: map[string]string{"h": h},
			sum: &sim.Summary{Observables: map[string]sim.Value{"m": {Mean: &mean, Error: &e}}}}
	}
	runs := []*collected{mk("0", 1, 0.1), mk("0.5", 2, 0.1), mk("1", 4, 0.1)}
	l, err := plotAxes(runs, varyingSettings(runs), "")
	if err != nil || l.x != "h" {
		t.Fatalf("%+v, %v", l, err)
	}
	if err := l.checkLogX(runs, logAxes{x: true}); err == nil || err.Error() != "--log x is not allowed with h along x: runs/h0 has h 0, and a logarithmic axis takes values above 0 only" {
		t.Errorf("h = 0 along a log x: %v", err)
	}
	if err := l.checkLogX(runs[1:], logAxes{x: true}); err != nil {
		t.Errorf("h > 0 along a log x: %v", err)
	}
	if err := l.checkLogX(runs, logAxes{y: true}); err != nil {
		t.Errorf("a log y checks no x: %v", err)
	}
	panel := func(rs ...*collected) *plot.Plot {
		p := plot.New()
		p.Title.Text = "m"
		p.X.Tick.Marker, p.Y.Tick.Marker = fullTicks{}, fullTicks{} // as plotCollected's
		if err := addGroup(p, rs, l, "m", lineColor(0, 1), "", false); err != nil {
			t.Fatal(err)
		}
		logScales(p, logAxes{x: true, y: true})
		return p
	}
	if p := panel(runs[1:]...); p.Title.Text != "m" {
		t.Errorf("positive values: title %q", p.Title.Text)
	} else if _, ylog := p.Y.Scale.(plot.LogScale); !ylog {
		t.Errorf("positive values: y scale %T", p.Y.Scale)
	} else if _, xlog := p.X.Scale.(plot.LogScale); !xlog {
		t.Errorf("positive x: x scale %T", p.X.Scale)
	}
	if p := panel(mk("0.5", 0.05, 0.1), mk("1", 4, 0.1)); p.Title.Text != "m (y linear: values <= 0)" {
		t.Errorf("an error bar below 0: y scale %T, title %q", p.Y.Scale, p.Title.Text)
	} else if _, lin := p.Y.Scale.(plot.LogScale); lin {
		t.Errorf("an error bar below 0 on a log scale")
	}
	if p := panel(mk("0.5", 3, 0), mk("1", 3, 0)); p.Y.Min != 1.5 || p.Y.Max != 6 {
		t.Errorf("one value: y range %v..%v, want 1.5..6", p.Y.Min, p.Y.Max)
	}
	// one value at the ends of float64's range, where widening it would
	// reach 0 or inf: linear, and drawn (gonum's log scale panicked)
	for _, v := range []float64{5e-324, 1e308} {
		p := panel(mk("0.5", v, 0), mk("1", v, 0))
		if _, ylog := p.Y.Scale.(plot.LogScale); ylog || !strings.Contains(p.Title.Text, "(y linear: one value at the end of float64's range)") {
			t.Errorf("one value %v: y scale %T, title %q", v, p.Y.Scale, p.Title.Text)
		}
		c := vgimg.New(4*vg.Inch, 3*vg.Inch)
		p.Draw(draw.New(c))
	}
	// the ticks: within the range, at least two labels, labels that
	// parse to their values
	for _, r := range [][2]float64{{8, 64}, {1e-3, 1e5}, {0.602, 0.613}, {1, 1.0001}, {1e-300, 1e300}, {3, 3000}, {0.5, 1.5}} {
		var labels int
		for _, tk := range (logTicks{}).Ticks(r[0], r[1]) {
			if tk.Value < r[0] || tk.Value > r[1] {
				t.Errorf("%v: a tick at %v", r, tk.Value)
			}
			if tk.Label != "" {
				labels++
				if v, err := strconv.ParseFloat(tk.Label, 64); err != nil || math.Abs(v-tk.Value) > 1e-9*math.Abs(tk.Value) {
					t.Errorf("%v: label %q at %v", r, tk.Label, tk.Value)
				}
			}
		}
		if labels < 2 || labels > 12 {
			t.Errorf("%v: %d labels", r, labels)
		}
	}
	// under a decade: labels an eighth of the axis apart or more (an
	// audit's L from 8 to 32 read only 10 and 20)
	var got []string
	for _, tk := range (logTicks{}).Ticks(8, 32) {
		if tk.Label != "" {
			got = append(got, tk.Label)
		}
	}
	if !slices.Equal(got, []string{"8", "10", "20", "30"}) {
		t.Errorf("8 to 32: labels %q, want 8, 10, 20, 30", got)
	}
}

// --average-seeds: runs that differ only in their seed become one row,
// the mean of their means with their spread over sqrt(n) as its error,
// reliable from 10 stationary runs on.
func TestCollectAverageSeeds(t *testing.T) {
	dir := t.TempDir()
	var dirs []string
	sums := map[string][]sim.Summary{}
	for _, T := range []string{"2.5", "3"} {
		for _, seed := range []string{"1", "2", "3"} {
			d := filepath.Join(dir, "T"+T+"s"+seed)
			_, s := runSummary(t, d, "--L", "8", "--T", T, "--seed", seed, "--sweeps", "200", "--therm", "20", "--quiet")
			dirs = append(dirs, d)
			sums[T] = append(sums[T], s)
		}
	}
	runs, err := readRuns(dirs)
	if err != nil {
		t.Fatal(err)
	}
	avg, _, err := averageSeeds(runs)
	if err != nil || len(avg) != 2 {
		t.Fatalf("averageSeeds: %d rows, %v", len(avg), err)
	}
	for i, T := range []string{"2.5", "3"} {
		a := avg[i]
		if a.dir != filepath.Join(dir, "T"+T+"s1")+" (+2 seeds)" || a.settings["seeds"] != "3" || a.settings["seed"] != "" || a.settings["T"] != T {
			t.Errorf("T %s: %q, settings %v", T, a.dir, a.settings)
		}
		for _, name := range []string{"energy", "binder", "specific_heat"} {
			var m, ss, x float64
			for _, s := range sums[T] {
				m += *s.Observables[name].Mean
				x += s.Exact[name]
			}
			m /= 3
			for _, s := range sums[T] {
				ss += (*s.Observables[name].Mean - m) * (*s.Observables[name].Mean - m)
			}
			v := a.sum.Observables[name]
			if *v.Mean != m || *v.Error != math.Sqrt(ss/2/3) || v.TauInt != nil || v.Reliable {
				t.Errorf("T %s %s: %v +- %v (tau %v, reliable %v), want %v +- %v, unreliable (3 seeds)", T, name, *v.Mean, *v.Error, v.TauInt, v.Reliable, m, math.Sqrt(ss/2/3))
			}
			if got, ok := a.sum.Exact[name]; name != "binder" && (!ok || got != x/3) || name == "binder" && ok {
				t.Errorf("T %s %s: exact %v (%v), want the runs' mean %v", T, name, got, ok, x/3)
			}
		}
	}
	csvPath := filepath.Join(dir, "avg.csv")
	code, stdout, _ := runQ(t, append([]string{"collect", "--average-seeds", "--csv", csvPath}, dirs...)...)
	if code != 0 || !strings.HasPrefix(stdout, "quench ising2d, 6 runs averaged over their seeds into 2 rows; the same in every run: ") || !strings.Contains(stdout, "seeds=3 ") || !strings.Contains(stdout, "an average of fewer than 10 seeds") {
		t.Errorf("collect --average-seeds: exit %d\n%s", code, stdout)
	}
	// the CSV names the seeds averaged, the same in every row
	if recs, err := readCSV(csvPath); err != nil || len(recs) != 3 || !slices.Equal(recs[0][:4], []string{"run", "T", "beta", "seeds"}) || recs[1][3] != "3" || recs[2][3] != "3" {
		t.Errorf("--average-seeds --csv: %v %q", err, recs)
	}
	// a setting with one seed: its own row, and a note after the table
	code, stdout, _ = runQ(t, "collect", "--average-seeds", dirs[0], dirs[1], dirs[3])
	if code != 0 || !strings.Contains(stdout, "note: --average-seeds: "+dirs[3]+" is the only run of its settings: its row (seeds 1) is its own mean and error") ||
		!regexp.MustCompile(`T3s1\s+3\s+1\s`).MatchString(stdout) || !strings.Contains(stdout, "; in a row of one seed, the run's own table") {
		t.Errorf("collect --average-seeds with a lone run: exit %d\n%s", code, stdout)
	}
	// refused: the same run twice
	twice := filepath.Join(dir, "twice")
	os.CopyFS(twice, os.DirFS(dirs[0]))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{dirs[0], twice}, "--average-seeds: " + dirs[0] + " and " + twice + " are runs of the same settings and seed 1, the same run twice"},
	} {
		code, stdout, stderr := runQ(t, append([]string{"collect", "--average-seeds"}, c.args...)...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("collect --average-seeds %q: exit %d, %q; want %q", c.args, code, stderr, c.want)
		}
	}
	// 10 seeds of diffusion: u_mean's average is reliable, u_var's not
	// (its runs are not stationary)
	var dif []string
	for seed := 1; seed <= 10; seed++ {
		d := filepath.Join(dir, "dif", strconv.Itoa(seed))
		runSummary(t, d, "--model", "diffusion", "--L", "8", "--steps", "30", "--therm", "0", "--seed", strconv.Itoa(seed), "--quiet")
		dif = append(dif, d)
	}
	runs, err = readRuns(dif)
	if err != nil {
		t.Fatal(err)
	}
	if avg, _, err = averageSeeds(runs); err != nil || len(avg) != 1 || !avg[0].sum.Observables["u_mean"].Reliable || avg[0].sum.Observables["u_var"].Reliable {
		t.Errorf("10 seeds of diffusion: %v, %+v", err, avg)
	}
}

// A --csv that is a link to a file is written through the link, which
// stays a link.
func TestCollectCSVThroughLink(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "r")
	runSummary(t, run, "--L", "4", "--sweeps", "50", "--therm", "5", "--quiet")
	target, link := filepath.Join(dir, "target.csv"), filepath.Join(dir, "link.csv")
	os.WriteFile(target, []byte("old"), 0o644)
	if err := os.Symlink(target, link); err != nil {
		t.Skip(err)
	}
	if code, _, stderr := runQ(t, "collect", run, "--csv", link); code != 0 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	fi, err := os.Lstat(link)
	b, _ := os.ReadFile(target)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 || !strings.HasPrefix(string(b), "run,energy,") {
		t.Errorf("link %v (%v), target %.40q", fi.Mode(), err, b)
	}
}

// Of T and beta, which determine each other, the table shows the one
// written shorter: a beta scan's beta.
func TestCollectTableSettings(t *testing.T) {
	dir := t.TempDir()
	var dirs []string
	for _, b := range []string{"0.3", "0.45"} {
		d := filepath.Join(dir, "b"+b)
		runSummary(t, d, "--L", "4", "--beta", b, "--sweeps", "50", "--therm", "5", "--quiet")
		dirs = append(dirs, d)
	}
	runs, err := readRuns(dirs)
	if err != nil {
		t.Fatal(err)
	}
	varying := varyingSettings(runs)
	if got := tableSettings(runs, varying); !slices.Equal(varying, []string{"T", "beta"}) || !slices.Equal(got, []string{"beta"}) {
		t.Errorf("beta scan: varying %v, table columns %v; want beta alone", varying, got)
	}
	// settings that vary together over a few runs but say different
	// things stay: a scan whose runs have seeds of their own shows T and
	// seed (it showed seed alone, the shorter); the sandpile's grains and
	// sweeps, one thing, show once, and once among the common settings
	var scan, piles, masses []string
	for i, m := range []string{"1", "0.01"} {
		// 0.01 is not a whole number of fixed-point units: mass0 is what
		// the run used, mass0_asked what it was asked (none for 1)
		d := filepath.Join(dir, "kmp"+m)
		runSummary(t, d, "--model", "kmp", "--L", "4", "--mass0", m, "--steps", "20", "--seed", strconv.Itoa(i+1), "--quiet")
		masses = append(masses, d)
	}
	for i, T := range []string{"2.2", "2.3"} {
		d := filepath.Join(dir, "T"+T)
		runSummary(t, d, "--L", "4", "--T", T, "--seed", strconv.Itoa(i+1), "--sweeps", "50", "--therm", "5", "--quiet")
		scan = append(scan, d)
		p := filepath.Join(dir, "pile"+T)
		runSummary(t, p, "--model", "sandpile", "--L", "4", "--grains", strconv.Itoa(50+i), "--seed", strconv.Itoa(i+1), "--quiet")
		piles = append(piles, p)
	}
	for _, c := range []struct {
		dirs          []string
		varying, cols []string
	}{
		{scan, []string{"T", "beta", "seed"}, []string{"T", "seed"}},
		{piles, []string{"grains", "seed", "sweeps"}, []string{"grains", "seed"}},
		{masses, []string{"mass0", "mass0_asked", "seed"}, []string{"mass0", "mass0_asked", "seed"}},
	} {
		runs, err := readRuns(c.dirs)
		if err != nil {
			t.Fatal(err)
		}
		varying := varyingSettings(runs)
		if got := tableSettings(runs, varying); !slices.Equal(varying, c.varying) || !slices.Equal(got, c.cols) {
			t.Errorf("%v: varying %v, table columns %v; want %v", c.dirs, varying, got, c.cols)
		}
	}
	code, stdout, stderr := runQ(t, append([]string{"collect"}, piles...)...)
	if head, _, _ := strings.Cut(stdout, "\n"); code != 0 || !strings.Contains(head, " therm_grains=0 ") || strings.Contains(head, " therm=") {
		t.Errorf("piles: exit %d %s, common settings %q: want therm_grains=0 and no therm=", code, stderr, head)
	}
	// a step model's count is named as its flag, --steps, not sweeps
	code, stdout, stderr = runQ(t, append([]string{"collect"}, masses...)...)
	if head, _, _ := strings.Cut(stdout, "\n"); code != 0 || !strings.Contains(head, " steps=20 ") || strings.Contains(head, "sweeps") {
		t.Errorf("kmp: exit %d %s, common settings %q: want steps=20 and no sweeps", code, stderr, head)
	}
}

func TestMeanErr(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, c := range []struct {
		mean, err *float64
		want      string
	}{
		{f(0.84386), f(0.0012), "0.8439(12)"},
		{f(-1.4531), f(0.00034), "-1.45310(34)"},
		{f(2340.35), f(91.4), "2340(91)"},
		{f(2340.35), f(913), "2340(910)"},
		{f(0.5), f(0.00996), "0.500(10)"},
		{f(1.0646626e-28), f(7.4e-30), "1.065(74)e-28"},
		{f(1e8), f(1000), "1.000000(10)e+08"},
		{f(3), f(12), "3(12)"},
		{f(math.Copysign(0, -1)), f(0), "0"},
		{f(0.5), f(0), "0.5"},
		{f(0.123456789), f(math.NaN()), "0.123457(-)"},
		{f(0.25), nil, "0.25(-)"},
		{f(0.4787707754515379), f(1.1e-17), "0.478770775451538(1.1e-17)"},
		{f(-2.5), f(3e-13), "-2.50000000000000(30)"},
		{nil, nil, "-"},
		{f(math.Inf(1)), f(math.NaN()), "+Inf"},
		{f(-0.0004), f(0.01), "0.000(10)"}, // not -0.000
		{f(-1e-12), f(1e-5), "0.0(10)e-05"},
		{f(-0.004), f(0.01), "-0.004(10)"},
	} {
		if got := meanErr(c.mean, c.err); got != c.want {
			t.Errorf("meanErr(%v, %v) = %q, want %q", c.mean, c.err, got, c.want)
		}
	}
}

// A --plot that is refused (runs that differ in no numeric setting, an
// --x no run varies) writes no --csv either: a refusal writes nothing
// (the CSV was written first, then the plot refused, exit 2).
func TestCollectPlotRefusedWritesNoCSV(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	runSummary(t, a, "--L", "4", "--T", "3", "--sweeps", "20", "--quiet")
	runSummary(t, b, "--L", "4", "--T", "4", "--sweeps", "20", "--quiet")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{a}, "--plot needs runs that differ in a numeric setting"},
		{[]string{a, b, "--x", "seed"}, "--x seed is not allowed"},
	} {
		csvPath := filepath.Join(dir, "o.csv")
		code, stdout, stderr := runQ(t, append([]string{"collect", "--csv", csvPath, "--plot", filepath.Join(dir, "o.png")}, c.args...)...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and one line naming %q", c.args, code, stdout, stderr, c.want)
		}
		for _, p := range []string{csvPath, filepath.Join(dir, "o.png")} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%q: refused, but %s was written", c.args, p)
			}
		}
	}
}

// --plot's lines: a setting of how a run was made (a seed of its own for
// each run, one run extended further than the others) joins the line of
// its model settings instead of making a line of one point; seeds run at
// every point still make a line each; runs that differ only in such a
// setting put the first that is a number along x.
func TestCollectPlotRunSettings(t *testing.T) {
	mk := func(set ...string) *collected {
		c := &collected{settings: map[string]string{"backend": "cpu", "every": "1", "therm": "100", "start": "hot"}}
		for i := 0; i < len(set); i += 2 {
			c.settings[set[i]] = set[i+1]
		}
		return c
	}
	var own, grid []*collected
	seed := 0
	for _, L := range []string{"8x8", "16x16"} {
		for _, T := range []string{"2.2", "2.3", "2.4"} {
			seed++
			sweeps := "4000"
			if L == "16x16" && T == "2.3" {
				sweeps = "8000" // resumed with --sweeps 8000
			}
			own = append(own, mk("shape", L, "T", T, "seed", strconv.Itoa(seed), "sweeps", sweeps))
			for _, s := range []string{"1", "2"} {
				grid = append(grid, mk("shape", L, "T", T, "seed", s, "sweeps", "4000"))
			}
		}
	}
	if l, err := plotAxes(own, varyingSettings(own), ""); err != nil || l.x != "T" || !slices.Equal(l.groups, []string{"shape"}) {
		t.Errorf("a seed per run, one run extended: %+v, %v; want T along x, a line per shape", l, err)
	}
	if l, err := plotAxes(grid, varyingSettings(grid), ""); err != nil || l.x != "T" || !slices.Equal(l.groups, []string{"shape", "seed"}) {
		t.Errorf("two seeds at every point: %+v, %v; want a line per shape and seed", l, err)
	}
	start := []*collected{mk("T", "2", "start", "hot"), mk("T", "3", "start", "hot"), mk("T", "2", "start", "cold")}
	if l, err := plotAxes(start, varyingSettings(start), ""); err != nil || !slices.Equal(l.groups, []string{"start"}) {
		t.Errorf("hot and cold starts: %+v, %v; want a line per start", l, err)
	}
	long := []*collected{mk("sweeps", "1000"), mk("sweeps", "2000")}
	if l, err := plotAxes(long, varyingSettings(long), ""); err != nil || l.x != "sweeps" {
		t.Errorf("runs that differ in their sweeps alone: %+v, %v; want sweeps along x", l, err)
	}
}

// Particles: N is the ensemble's size, as a lattice's extents are, and
// their shape (N x d) no setting of its own: a Kuramoto scan of k at two
// N plots r against k, a line per N labelled N=500 (it was against N, a
// line per k, labelled shape=500x1); N alone differing goes along x.
func TestCollectPlotParticles(t *testing.T) {
	mk := func(n, d, k string) *collected {
		sum := &sim.Summary{Model: "particles", Shape: []int{atoi(t, n), atoi(t, d)}, Seed: 1, Start: "hot",
			Params: map[string]any{"N": float64(atoi(t, n)), "d": float64(atoi(t, d)), "k": k, "potential": "kuramoto"}}
		return &collected{dir: n + "-" + k, sum: sum, settings: collectSettings(sum)}
	}
	var scan, sizes, dims []*collected
	for _, n := range []string{"500", "2000"} {
		for _, k := range []string{"1", "2", "3"} {
			scan = append(scan, mk(n, "1", k))
		}
		sizes = append(sizes, mk(n, "1", "2"))
		for _, d := range []string{"1", "2"} {
			dims = append(dims, mk(n, d, "2"))
		}
	}
	l, err := plotAxes(scan, varyingSettings(scan), "")
	if err != nil || l.x != "k" || !slices.Equal(l.groups, []string{"N"}) {
		t.Errorf("a scan of k at two N: %+v, %v; want k along x, a line per N", l, err)
	} else if g := l.groupOf(scan[0]); g != "N=500" {
		t.Errorf("the line's label %q, want N=500", g)
	}
	if l, err := plotAxes(sizes, varyingSettings(sizes), ""); err != nil || l.x != "N" || len(l.groups) != 0 {
		t.Errorf("N alone: %+v, %v; want N along x, one line", l, err)
	}
	if l, err := plotAxes(dims, varyingSettings(dims), ""); err != nil || l.x != "d" || !slices.Equal(l.groups, []string{"N"}) {
		t.Errorf("N and d: %+v, %v; want d along x (a model parameter), a line per N", l, err)
	}
	if l, err := plotAxes(scan, varyingSettings(scan), "N"); err != nil || l.x != "N" || !slices.Equal(l.groups, []string{"k"}) {
		t.Errorf("--x N: %+v, %v; want N along x, a line per k", l, err)
	}
	// L, the first extent of a lattice, is no particle's: N is
	if _, err := plotAxes(scan, varyingSettings(scan), "L"); err == nil || !strings.Contains(err.Error(), "(N, k)") {
		t.Errorf("--x L for particles: %v; want it refused, offering N and k", err)
	}
}

// Lines past plotutil's seven colours take hues of their own (the eighth
// line drew in the first's red); seven or fewer keep plotutil's.
func TestLineColors(t *testing.T) {
	for _, n := range []int{1, 7, 8, 12, 30} {
		seen := map[[4]uint32]int{}
		for i := range n {
			r, g, b, a := lineColor(i, n).RGBA()
			if j, ok := seen[[4]uint32{r, g, b, a}]; ok {
				t.Errorf("%d lines: line %d has line %d's colour", n, i, j)
			}
			seen[[4]uint32{r, g, b, a}] = i
			if n <= 7 && lineColor(i, n) != plotutil.Color(i) {
				t.Errorf("%d lines: line %d not plotutil's colour", n, i)
			}
		}
	}
}

// The CSV gives a differing shape's extents as numbers after it: L for
// hypercubes, else L1, L2, ... (empty where a run has fewer axes); none
// for particles, whose N is a column.
func TestCollectCSVExtents(t *testing.T) {
	mk := func(model string, shape ...int) *collected {
		sum := &sim.Summary{Model: model, Shape: shape, Seed: 1, Start: "hot", Params: map[string]any{"T": 2.0},
			Observables: map[string]sim.Value{}}
		if model == "particles" {
			sum.Params = map[string]any{"N": float64(shape[0]), "d": float64(shape[1]), "T": 1.0}
		}
		return &collected{dir: fmt.Sprint(shape), sum: sum, settings: collectSettings(sum)}
	}
	dir := t.TempDir()
	for i, c := range []struct {
		runs []*collected
		want string
	}{
		{[]*collected{mk("ising2d", 16, 16), mk("ising2d", 32, 32)}, "run,shape,L\n[16 16],16x16,16\n[32 32],32x32,32\n"},
		{[]*collected{mk("phi4", 16, 8), mk("phi4", 32)}, "run,shape,L1,L2\n[16 8],16x8,16,8\n[32],32,32,\n"},
		{[]*collected{mk("particles", 100, 1), mk("particles", 400, 1)}, "run,shape,N\n[100 1],100x1,100\n[400 1],400x1,400\n"},
		{[]*collected{mk("ising2d", 16, 16)}, "run\n[16 16]\n"},
	} {
		path := filepath.Join(dir, fmt.Sprintf("%d.csv", i))
		st, err := writeCollectCSV(path, c.runs, varyingSettings(c.runs), nil)
		if err == nil {
			err = st.commit()
		}
		b, _ := os.ReadFile(path)
		if err != nil || string(b) != c.want {
			t.Errorf("%v: %v\n%s, want\n%s", c.runs[0].sum.Model, err, b, c.want)
		}
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A setting that another setting of the lines determines, but not it
// that one, makes no lines of its own: baoab's mass, which only the baoab
// runs have, follows the scheme. The labels name it where a run has it,
// and leave out the settings a run does not have ("mass= scheme=em").
func TestCollectPlotImpliedSettings(t *testing.T) {
	mk := func(set ...string) *collected {
		c := &collected{settings: map[string]string{"backend": "cpu", "every": "1", "therm": "100", "start": "hot", "seed": "1"}}
		for i := 0; i < len(set); i += 2 {
			c.settings[set[i]] = set[i+1]
		}
		return c
	}
	var runs []*collected
	for _, dt := range []string{"0.01", "0.02"} {
		for _, scheme := range []string{"em", "lm", "baoab"} {
			r := mk("dt", dt, "scheme", scheme)
			if scheme == "baoab" {
				r.settings["mass"] = "1"
			}
			runs = append(runs, r)
		}
	}
	l, err := plotAxes(runs, varyingSettings(runs), "")
	if err != nil || l.x != "dt" || !slices.Equal(l.groups, []string{"scheme"}) || !slices.Equal(l.labels, []string{"mass", "scheme"}) {
		t.Fatalf("schemes along dt: %+v, %v; want a line per scheme, labelled with mass and scheme", l, err)
	}
	lines := map[string]int{}
	for _, r := range runs {
		lines[l.groupOf(r)]++
	}
	if want := map[string]int{"scheme=em": 2, "scheme=lm": 2, "mass=1 scheme=baoab": 2}; !maps.Equal(lines, want) {
		t.Errorf("lines %v, want %v", lines, want)
	}
	// two masses under baoab: mass then splits the baoab line (each mass
	// and scheme determine neither the other)
	two := append(slices.Clone(runs), mk("dt", "0.01", "scheme", "baoab", "mass", "2"), mk("dt", "0.02", "scheme", "baoab", "mass", "2"))
	if l, err := plotAxes(two, varyingSettings(two), ""); err != nil || !slices.Equal(l.groups, []string{"mass", "scheme"}) {
		t.Errorf("two baoab masses: %+v, %v; want lines by mass and scheme", l, err)
	}
}

// More lines than a corner holds (legendInPanel) get their legend in a
// panel of its own, after the observables': two observables of four
// lines draw two panels, of five lines three.
func TestCollectPlotLegendApart(t *testing.T) {
	width := func(lines int) int {
		var runs []*collected
		for k := range lines {
			for _, T := range []string{"2", "3"} {
				m := 1.0 + float64(k)
				e := 0.1
				runs = append(runs, &collected{dir: T, settings: map[string]string{"T": T, "k": strconv.Itoa(k)},
					sum: &sim.Summary{Observables: map[string]sim.Value{"a": {Mean: &m, Error: &e}, "b": {Mean: &m, Error: &e}}}})
			}
		}
		path := filepath.Join(t.TempDir(), "p.png")
		st, err := plotCollected(path, "T", logAxes{}, runs, varyingSettings(runs), []string{"a", "b"})
		return stagedPNGWidth(t, path, st, err)
	}
	four, five := width(legendInPanel), width(legendInPanel+1)
	if 2*five != 3*four {
		t.Errorf("widths %d (%d lines) and %d (%d): want three panels to two", four, legendInPanel, five, legendInPanel+1)
	}
}

// stagedPNGWidth commits a plot staged for path (st, or the error that
// staging it met) and returns the PNG's width in pixels.
func stagedPNGWidth(t *testing.T, path string, st *staged, err error) int {
	t.Helper()
	if err == nil {
		err = st.commit()
	}
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img.Bounds().Dx()
}

// A group of one run draws its exact value, a + in the group's colour: a
// dashed line through one point draws nothing, and left the legend's
// "exact" entry with nothing on the panel.
func TestCollectPlotSingleExact(t *testing.T) {
	mean, e, exact := 1.5, 0.05, 1.0
	run := &collected{settings: map[string]string{"T": "2"}, sum: &sim.Summary{
		Observables: map[string]sim.Value{"energy": {Mean: &mean, Error: &e}},
		Exact:       map[string]float64{"energy": exact},
	}}
	p := plot.New()
	if err := addGroup(p, []*collected{run}, plotLayout{x: "T"}, "energy", lineColor(0, 1), "shape=16x16", false); err != nil {
		t.Fatal(err)
	}
	if !(p.Y.Min <= exact && exact <= p.Y.Max) {
		t.Fatalf("the panel's range %v..%v leaves out the exact %v", p.Y.Min, p.Y.Max, exact)
	}
	c := vgimg.NewWith(vgimg.UseWH(4*vg.Inch, 3*vg.Inch), vgimg.UseDPI(72))
	dc := draw.New(c)
	p.Draw(dc)
	da := p.DataCanvas(dc)
	tx, ty := p.Transforms(&da)
	img := c.Image()
	h := img.Bounds().Dy()
	// the colour near (2, exact), and for contrast near (2, mean - 4 e):
	// one point's + in the group's colour, nothing drawn in between
	near := func(y float64) bool {
		cx, cy := int(tx(2).Points()), h-int(ty(y).Points())
		want := plotutil.Color(0)
		wr, wg, wb, _ := want.RGBA()
		for dy := -2; dy <= 2; dy++ {
			for dx := -2; dx <= 2; dx++ {
				r, g, b, _ := img.At(cx+dx, cy+dy).RGBA()
				d := func(a, b uint32) int { return max(int(a), int(b)) - min(int(a), int(b)) }
				if d(r, wr)+d(g, wg)+d(b, wb) < 3*0x2000 {
					return true
				}
			}
		}
		return false
	}
	if !near(exact) {
		t.Errorf("no mark of the group's colour at the exact value (2, %v)", exact)
	}
	if near(mean - 4*e) {
		t.Errorf("the group's colour between the mean and the exact value: the check cannot tell a mark")
	}
}

// --average-seeds: an average of runs whose --therm left the conserved
// field's slow modes unrelaxed (therm_short) is not reliable however many
// seeds it has: each seed's mean has that bias, which their spread does
// not see.
func TestCollectAverageThermShort(t *testing.T) {
	var g []*collected
	for seed := 1; seed <= 12; seed++ {
		m, e := 1+0.01*float64(seed), 0.01
		sum := &sim.Summary{Model: "phi4", Observables: map[string]sim.Value{"phi2": {Mean: &m, Error: &e, Reliable: true}}}
		g = append(g, &collected{dir: strconv.Itoa(seed), sum: sum, settings: map[string]string{"seed": strconv.Itoa(seed)}})
	}
	if !averageOf(g).sum.Observables["phi2"].Reliable {
		t.Fatal("12 stationary seeds: not reliable")
	}
	g[3].sum.ThermShort = &sim.ThermShort{SlowestSteps: 1000, NeededTherm: 5000}
	if averageOf(g).sum.Observables["phi2"].Reliable {
		t.Error("12 seeds, one with therm_short: reliable")
	}
}

// --average-seeds: seeds that all began cold (on one side of m -> -m) and
// some stayed there leave the magnetization's average unreliable, marked
// symmetry, whatever their number: their spread cannot see the other
// side. From hot starts, each seed draws its side, and the spread is the
// error. Through the command, the note under the table says why.
func TestCollectAverageColdSymmetry(t *testing.T) {
	mk := func(start string, marked bool) []*collected {
		var g []*collected
		for seed := 1; seed <= 12; seed++ {
			m, e := 0.95+0.001*float64(seed), 0.001
			v := sim.Value{Mean: &m, Error: &e, Reliable: !marked}
			if marked {
				v.UnreliableBy = []string{sim.BySymmetry}
			}
			sum := &sim.Summary{Model: "ising2d", Start: start, Observables: map[string]sim.Value{"magnetization": v, "energy": {Mean: &m, Error: &e, Reliable: true}}}
			g = append(g, &collected{dir: strconv.Itoa(seed), sum: sum, settings: map[string]string{"seed": strconv.Itoa(seed)}})
		}
		return g
	}
	if v := averageOf(mk("cold", true)).sum.Observables["magnetization"]; v.Reliable || !slices.Equal(v.UnreliableBy, []string{sim.BySymmetry}) {
		t.Errorf("12 cold seeds on one side: %+v, want unreliable by symmetry", v)
	}
	if v := averageOf(mk("cold", true)).sum.Observables["energy"]; !v.Reliable {
		t.Errorf("12 cold seeds: energy %+v, want reliable", v)
	}
	for _, c := range []struct {
		start  string
		marked bool
	}{{"hot", true}, {"cold", false}} {
		if v := averageOf(mk(c.start, c.marked)).sum.Observables["magnetization"]; !v.Reliable {
			t.Errorf("12 seeds, start %s, marked %v: %+v, want reliable", c.start, c.marked, v)
		}
	}
	dir := t.TempDir()
	var dirs []string
	for seed := 1; seed <= 10; seed++ {
		d := filepath.Join(dir, strconv.Itoa(seed))
		runSummary(t, d, "--L", "8", "--T", "1.2", "--start", "cold", "--sweeps", "200", "--seed", strconv.Itoa(seed), "--quiet")
		dirs = append(dirs, d)
	}
	code, stdout, stderr := runQ(t, append([]string{"collect", "--average-seeds", "--observables", "magnetization,energy"}, dirs...)...)
	if code != 0 || !regexp.MustCompile(`\(\+9 seeds\) +\S+\* +\S+\n`).MatchString(stdout) || !strings.Contains(stdout, "or of runs that all began on one side of a symmetry (a cold start) and stayed there") {
		t.Errorf("10 cold seeds: exit %d %s\n%s", code, stderr, stdout)
	}
}

// --plot: a line with no value in the first panel (frozen antiferromagnets'
// binder, 0/0) is still named in its legend, which the other panels' lines
// rely on.
func TestCollectPlotLegendNoValue(t *testing.T) {
	dir := t.TempDir()
	var dirs []string
	for _, j := range []string{"1", "-1"} {
		for _, temp := range []string{"0.3", "0.4"} {
			d := filepath.Join(dir, "J"+j+"-T"+temp)
			runSummary(t, d, "--J", j, "--L", "8", "--T", temp, "--start", "cold", "--sweeps", "100", "--quiet")
			dirs = append(dirs, d)
		}
	}
	svg := filepath.Join(dir, "p.svg")
	if code, _, stderr := runQ(t, append([]string{"collect", "--observables", "binder,energy", "--x", "T", "--plot", svg}, dirs...)...); code != 0 {
		t.Fatalf("collect --plot: exit %d %s", code, stderr)
	}
	b, _ := os.ReadFile(svg)
	if !strings.Contains(string(b), ">J=-1 (no value here)<") || !strings.Contains(string(b), ">J=1<") {
		t.Errorf("the first panel's legend does not name both lines")
	}
}

// Ising runs of one beta are one setting whatever their T reads: --T 0.9
// and --beta 1.1111111111111112 make the same run (T 0.8999999999999999),
// one row of --average-seeds, not two (an audit's).
func TestCollectSameBetaOneT(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	runSummary(t, a, "--L", "4", "--T", "0.9", "--sweeps", "50", "--seed", "1", "--quiet")
	runSummary(t, b, "--L", "4", "--beta", "1.1111111111111112", "--sweeps", "50", "--seed", "2", "--quiet")
	code, stdout, stderr := runQ(t, "collect", "--average-seeds", "--observables", "energy", a, b)
	if code != 0 || !strings.Contains(stdout, "2 runs averaged over their seeds into 1 row") || strings.Contains(stdout, "0.8999999999999999") {
		t.Errorf("exit %d %s\n%s", code, stderr, stdout)
	}
}

// --csv and --plot files are 0644 (umask permitting), as a run's outputs
// are, not os.CreateTemp's 0600.
func TestCollectOutputMode(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	runSummary(t, a, "--L", "4", "--T", "3", "--sweeps", "20", "--quiet")
	runSummary(t, b, "--L", "4", "--T", "4", "--sweeps", "20", "--quiet")
	csvPath, pngPath := filepath.Join(dir, "s.csv"), filepath.Join(dir, "s.png")
	if code, _, stderr := runQ(t, "collect", a, b, "--csv", csvPath, "--plot", pngPath, "--observables", "energy"); code != 0 {
		t.Fatalf("collect: exit %d %s", code, stderr)
	}
	for _, p := range []string{csvPath, pngPath} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm()&0o044 != 0o044 {
			t.Errorf("%s: %v, %v; want readable by all (0644)", p, fi.Mode(), err)
		}
	}
}

// The plot's ticks fall on round values (1, 2 or 5 times a power of ten)
// labelled as such, three or more a panel: gonum's own gave 2.22 and
// 2.31 for T from 2.2 to 2.4.
func TestPlotTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   []string
	}{
		{2.19, 2.41, []string{"2.2", "2.3", "2.4"}},
		{2.2, 2.4, []string{"2.2", "2.3", "2.4"}},
		{-1.6, -1.3, []string{"-1.6", "-1.5", "-1.4", "-1.3"}},
		{0, 1, []string{"0", "0.5", "1"}},
		{0, 0.9, []string{"0", "0.2", "0.4", "0.6", "0.8"}},
		{3, 97, []string{"20", "40", "60", "80"}},
		{0.00121, 0.00139, []string{"0.00125", "0.0013", "0.00135"}},
		{-3, 3, []string{"-2", "0", "2"}},
		// a span small against the values: as many digits as tell them apart
		{-1.99999, -1.999985, []string{"-1.99999", "-1.999988", "-1.999986"}},
		{1, 1.000001, []string{"1", "1.0000005", "1.000001"}},
	} {
		var labels []string
		for _, tk := range (fullTicks{}).Ticks(c.lo, c.hi) {
			if tk.Value < c.lo || tk.Value > c.hi {
				t.Errorf("%g to %g: tick %g outside", c.lo, c.hi, tk.Value)
			}
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if !slices.Equal(labels, c.want) {
			t.Errorf("%g to %g: labels %q, want %q", c.lo, c.hi, labels, c.want)
		}
	}
	// far from 0 against the span: gonum's ticks, not a loop of 1e17
	// steps; a span that overflows or is subnormal: gonum's, no NaN
	for _, r := range [][2]float64{{1e17, 1e17 + 32}, {-1e308, 1e308}, {0, 1e-320}} {
		tk := (fullTicks{}).Ticks(r[0], r[1])
		if len(tk) == 0 || len(tk) > 100 {
			t.Errorf("%g to %g: %d ticks", r[0], r[1], len(tk))
		}
		for _, x := range tk {
			if math.IsNaN(x.Value) || x.Label == "NaN" {
				t.Errorf("%g to %g: a NaN tick", r[0], r[1])
			}
		}
	}
}

// The legend goes to the corner the points crowd least: top right, unless
// points are there (a rising curve's end), then top left, ...
func TestPlotLegendCorner(t *testing.T) {
	run := func(x, y float64) *collected {
		return &collected{settings: map[string]string{"T": strconv.FormatFloat(x, 'g', -1, 64)},
			sum: &sim.Summary{Observables: map[string]sim.Value{"energy": {Mean: &y}}}}
	}
	for _, c := range []struct {
		pts       [][2]float64
		top, left bool
	}{
		{[][2]float64{{0, 0}, {0.5, 0.2}, {1, 0.4}}, true, false},             // low and flat: top right
		{[][2]float64{{0, 0}, {0.5, 0.5}, {1, 1}}, true, true},                // rising: top left
		{[][2]float64{{0, 1}, {0.5, 0.5}, {1, 0}}, true, false},               // falling: top right
		{[][2]float64{{0, 1}, {0.2, 0.95}, {0.8, 0.9}, {1, 1}}, false, false}, // high: bottom right
	} {
		p := plot.New()
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		var runs []*collected
		for _, q := range c.pts {
			runs = append(runs, run(q[0], q[1]))
		}
		placeLegend(p, runs, plotLayout{x: "T"}, "energy")
		if p.Legend.Top != c.top || p.Legend.Left != c.left {
			t.Errorf("%v: legend top %v left %v, want %v %v", c.pts, p.Legend.Top, p.Legend.Left, c.top, c.left)
		}
	}
	// a wide legend counts the points it would cover past 40% of the
	// width: a point at x = 0.5 near the top moves it from the top right
	// (an audit's four lines of shape=128x128 hid one)
	pts := []*collected{run(0, 1), run(0.5, 0.95), run(1, 0.5)}
	for _, wide := range []bool{false, true} {
		p := plot.New()
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		label := "L=8"
		if wide {
			label = "shape=128x128 steps=1200000"
		}
		p.Legend.Add(label, &plotter.Line{})
		if w, _ := legendShare(p); wide != (w > 0.5) {
			t.Errorf("legend %q: %.2f of the width", label, w)
		}
		placeLegend(p, pts, plotLayout{x: "T"}, "energy")
		if p.Legend.Top == wide {
			t.Errorf("legend %q: top %v, left %v", label, p.Legend.Top, p.Legend.Left)
		}
	}
}

// A constant series has no error bar to measure a distance in: its
// distance from the exact value is 0 at it, "const" elsewhere (it was
// "inf"), "-" without an exact value.
func TestExactDistanceConstant(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	exact := map[string]float64{"energy": -1.9999991}
	for _, c := range []struct {
		v    sim.Value
		want string
	}{
		{sim.Value{Mean: f(-2), Error: f(0), Constant: true}, "const"},
		{sim.Value{Mean: f(-2), Error: f(0)}, "err0"}, // varying measurements, equal bins
		{sim.Value{Mean: f(-1.9999991), Error: f(0)}, "0"},
		{sim.Value{Mean: f(-1.99), Error: f(0.005)}, "+2"},
	} {
		if got := exactDistance(c.v, exact, "energy"); got != c.want {
			t.Errorf("%v +- %v: %q, want %q", *c.v.Mean, *c.v.Error, got, c.want)
		}
	}
	if got := exactDistance(sim.Value{Mean: f(1), Error: f(0)}, exact, "specific_heat"); got != "-" {
		t.Errorf("no exact value: %q", got)
	}
}

// collect refuses outputs that would overwrite a run it reads or each
// other, writes no CSV where the plot then cannot be written, refuses
// summaries of no quench model, counts a run given through a link once,
// and refuses to average runs that draw nothing (their seeds make one
// run); averaged constants stay constants, and a summary written before
// observables carried "constant" reads its errors of 0 as constants.
func TestCollectOutputsAndInputs(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	runSummary(t, a, "--L", "4", "--T", "3", "--sweeps", "20", "--quiet")
	runSummary(t, b, "--L", "4", "--T", "4", "--sweeps", "20", "--quiet")
	summaryA, _ := os.ReadFile(filepath.Join(a, sim.SummaryFile))
	fake := filepath.Join(dir, "fake")
	os.Mkdir(fake, 0o755)
	os.WriteFile(filepath.Join(fake, sim.SummaryFile), []byte(`{"model":"foo","observables":{}}`), 0o644)
	bare := filepath.Join(dir, "bare")
	os.Mkdir(bare, 0o755)
	os.WriteFile(filepath.Join(bare, sim.SummaryFile), []byte(`{"model":"ising2d","observables":{}}`), 0o644)
	same := filepath.Join(dir, "same.png")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{a, b, "--csv", filepath.Join(a, sim.SummaryFile)}, "--csv " + filepath.Join(a, sim.SummaryFile) + " is summary.json of the run in " + a + ", which collect reads"},
		{[]string{a, b, "--plot", filepath.Join(b, sim.ImageFile)}, "--plot " + filepath.Join(b, sim.ImageFile) + " is lattice.png of the run in " + b},
		{[]string{a, b, "--csv", filepath.Join(dir, ".", "same.png"), "--plot", same}, "--csv " + filepath.Join(dir, "same.png") + " and --plot " + same + " name one file"},
		{[]string{fake}, `is not a quench summary (model "foo": quench's are ising2d, ising3d,`},
		{[]string{a, bare}, "is not a quench summary (no shape, sites or params)"},
	}
	if _, err := os.Stat("/proc/self"); err == nil {
		// a plot that cannot be written after the CSV was staged
		cases = append(cases, struct {
			args []string
			want string
		}{[]string{a, b, "--csv", filepath.Join(dir, "p.csv"), "--plot", "/proc/x.png"}, "--plot /proc/x.png: cannot write in /proc/"})
	}
	for _, c := range cases {
		code, stdout, stderr := runQ(t, append([]string{"collect"}, c.args...)...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("collect %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, stdout, stderr, c.want)
		}
		for _, p := range []string{filepath.Join(dir, "p.csv"), same} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("collect %q: refused, but wrote %s", c.args, p)
			}
		}
	}
	if got, _ := os.ReadFile(filepath.Join(a, sim.SummaryFile)); string(got) != string(summaryA) {
		t.Errorf("collect changed %s", filepath.Join(a, sim.SummaryFile))
	}
	// a run through a link is the run itself
	link := filepath.Join(dir, "link")
	os.Symlink(a, link)
	if runs, err := readRuns([]string{a, link, b}); err != nil || len(runs) != 2 {
		t.Errorf("a, a link to it, b: %d runs, %v", len(runs), err)
	}
	// runs that draw nothing: seeds 3 and 9 are one run
	d3, d9 := filepath.Join(dir, "d3"), filepath.Join(dir, "d9")
	runSummary(t, d3, "--model", "diffusion", "--L", "8", "--start", "cold", "--steps", "20", "--therm", "0", "--seed", "3", "--quiet")
	runSummary(t, d9, "--model", "diffusion", "--L", "8", "--start", "cold", "--steps", "20", "--therm", "0", "--seed", "9", "--quiet")
	code, stdout, stderr := runQ(t, "collect", "--average-seeds", d3, d9)
	if code != 2 || stdout != "" || !strings.Contains(stderr, "--average-seeds: "+d3+" and "+d9+" draw no random number (diffusion from a cold start), so their seeds make one run") {
		t.Errorf("averaging cold diffusion: exit %d, %q", code, stderr)
	}
	// constants: three cold 4x4 lattices at T = 0.5 keep E = -2 in every
	// sweep; their average is a constant, as is each run's value in a
	// summary without the key
	var cold []string
	for _, seed := range []string{"1", "2", "3"} {
		d := filepath.Join(dir, "cold"+seed)
		runSummary(t, d, "--L", "4", "--T", "0.5", "--start", "cold", "--sweeps", "200", "--seed", seed, "--quiet")
		cold = append(cold, d)
	}
	runs, err := readRuns(cold)
	if err != nil {
		t.Fatal(err)
	}
	avg, _, err := averageSeeds(runs)
	if err != nil || len(avg) != 1 {
		t.Fatalf("average: %v", err)
	}
	if e := avg[0].sum.Observables["energy"]; !e.Constant || *e.Error != 0 || *e.Mean != -2 {
		t.Errorf("the average of three constant energies: %+v", e)
	}
	if d := exactDistance(avg[0].sum.Observables["energy"], map[string]float64{"energy": -1.99}, "energy"); d != "const" {
		t.Errorf("its distance %q, want const", d)
	}
	data, _ := os.ReadFile(filepath.Join(cold[0], sim.SummaryFile))
	if !strings.Contains(string(data), `"constant": true`) {
		t.Fatalf("no constant key in %s", data)
	}
	old := filepath.Join(dir, "old")
	os.Mkdir(old, 0o755)
	os.WriteFile(filepath.Join(old, sim.SummaryFile), []byte(strings.NewReplacer(`"constant": true`, `"reliable_": 0`, `"constant": false`, `"reliable_": 0`).Replace(string(data))), 0o644)
	runs, err = readRuns([]string{old})
	if err != nil {
		t.Fatal(err)
	}
	if e := runs[0].sum.Observables["energy"]; !e.Constant {
		t.Errorf("a summary without constant keys: energy %+v, want it constant (error 0)", e)
	}
}

// --average-seeds with one seed extended further than the others: the lone
// run is named with the run it differs from and how (its length), not
// only as "the only run of its settings".
func TestAverageSeedsLoneExtended(t *testing.T) {
	mk := func(seed, sweeps string) *collected {
		return &collected{dir: "s" + seed, settings: map[string]string{"shape": "8x8", "T": "2.269", "seed": seed, "sweeps": sweeps, "therm": "1000", "every": "1", "backend": "cpu", "start": "hot"},
			sum: &sim.Summary{Model: "ising2d"}}
	}
	runs := []*collected{mk("1", "150000"), mk("2", "100000"), mk("3", "100000")}
	_, _, err := averageSeeds(runs)
	want := "--average-seeds: s1 is the only run of its settings: it differs from s2, a run of the same model settings, in sweeps 150000 against 100000; the seeds averaged must be runs of one length and spacing"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("a lone extended seed: %v", err)
	}
	// a lone run of other model settings (a scan's point with one seed):
	// kept as it is, "seeds" 1, named for the note
	runs[0].settings["T"] = "2.3"
	avg, lone, err := averageSeeds(runs)
	if err != nil || len(avg) != 2 || !slices.Equal(lone, []string{"s1"}) || avg[0].sum != runs[0].sum || avg[0].settings["seeds"] != "1" || avg[0].settings["seed"] != "" || runs[0].settings["seed"] != "1" {
		t.Errorf("a lone run at another T: %v, lone %v", err, lone)
	}
	if n := loneNote(lone); !strings.Contains(n, "s1 is the only run of its settings: its row (seeds 1) is its own mean and error") {
		t.Errorf("the lone run's note: %q", n)
	}
	// but not one whose quenched disorder its error bar leaves out
	runs[0].sum = &sim.Summary{Model: "particles", QuenchedDisorder: "the seed's draw of the frequencies"}
	if _, _, err := averageSeeds(runs); err == nil || !strings.Contains(err.Error(), "--average-seeds: s1 is the only run of its settings, and its quenched disorder") {
		t.Errorf("a lone run with quenched disorder: %v", err)
	}
}

// readCSV reads every record of the CSV file at path.
func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return csv.NewReader(f).ReadAll()
}

// Runs at different model settings that share a seed draw the same random
// numbers: a note says so (an Ising 16^2 at T = 2.25 and 2.26 on seed 1
// had energy series correlated 0.84); seeds of their own, the seeds of
// one setting, or runs that draw no random number make none.
func TestSharedSeedNote(t *testing.T) {
	run := func(model, start string, seed uint64, params map[string]any, shape ...int) *collected {
		sum := &sim.Summary{Model: model, Shape: shape, Seed: seed, Start: start, Params: params}
		return &collected{dir: "d", sum: sum, settings: collectSettings(sum)}
	}
	ising := func(T float64, seed uint64, l int) *collected {
		return run("ising2d", "hot", seed, map[string]any{"T": T, "J": 1.0}, l, l)
	}
	for _, c := range []struct {
		what string
		runs []*collected
		want string
	}{
		{"a scan on seed 1", []*collected{ising(2.2, 1, 8), ising(2.3, 1, 8), ising(2.4, 1, 8)}, "seed 1 is shared by 3 runs at"},
		{"two sizes on seed 1", []*collected{ising(2.2, 1, 8), ising(2.2, 1, 16)}, "seed 1 is shared by 2 runs at"},
		{"a seed each", []*collected{ising(2.2, 1, 8), ising(2.3, 2, 8), ising(2.4, 3, 8)}, ""},
		{"seeds of one setting", []*collected{ising(2.2, 1, 8), ising(2.2, 2, 8), ising(2.2, 3, 8)}, ""},
		{"hot and cold on one seed", []*collected{ising(2.2, 1, 8), run("ising2d", "cold", 1, map[string]any{"T": 2.2, "J": 1.0}, 8, 8)}, "seed 1 is shared by 2 runs at"},
		{"a run and its extension", []*collected{ising(2.2, 1, 8), func() *collected { r := ising(2.2, 1, 8); r.settings["sweeps"] = "2000"; return r }()}, "seed 1 is shared by 2 runs at"},
		{"a CPU and a GPU run", []*collected{ising(2.2, 1, 8), func() *collected { r := ising(2.2, 1, 8); r.settings["backend"] = "cuda"; return r }()}, ""},
		{"the same seeds averaged at two settings", []*collected{ising(2.2, 1, 8), ising(2.2, 2, 8), ising(2.3, 1, 8), ising(2.3, 2, 8)}, "seeds 1, 2 are each shared by runs at"},
		{"six seeds shared", []*collected{ising(2.2, 1, 8), ising(2.2, 2, 8), ising(2.2, 3, 8), ising(2.2, 4, 8), ising(2.2, 5, 8), ising(2.2, 6, 8),
			ising(2.3, 1, 8), ising(2.3, 2, 8), ising(2.3, 3, 8), ising(2.3, 4, 8), ising(2.3, 5, 8), ising(2.3, 6, 8)}, "seeds 1, 2, 3, 4, 5 (and 1 more) are each shared by runs at"},
		{"diffusion from a cold start draws nothing", []*collected{run("diffusion", "cold", 1, map[string]any{"D": 0.1}, 64), run("diffusion", "cold", 1, map[string]any{"D": 0.2}, 64)}, ""},
		{"diffusion from a hot start", []*collected{run("diffusion", "hot", 1, map[string]any{"D": 0.1}, 64), run("diffusion", "hot", 1, map[string]any{"D": 0.2}, 64)}, "seed 1 is shared by 2 runs at"},
	} {
		got := sharedSeedNote(c.runs)
		if c.want == "" && got != "" || c.want != "" && !strings.HasPrefix(got, "\nnote: "+c.want+" different settings: they draw the same random numbers") {
			t.Errorf("%s: %q, want %q", c.what, got, c.want)
		}
	}
}

// A panel's title wider than its panel breaks before its parenthesized
// notes, each line within the width (an audit's mass_distribution_log
// title ran off both edges); one that fits stays as it is.
func TestWrapTitle(t *testing.T) {
	p := plot.New()
	long := "mass_distribution_log (3 points at 0 or below left out) (4 lower error bars cut 3 decades down)"
	p.Title.Text = long
	width := 4*vg.Inch - 6*vg.Millimeter
	wrapTitle(p, width)
	lines := strings.Split(p.Title.Text, "\n")
	if len(lines) != 2 || strings.Join(lines, " ") != long {
		t.Fatalf("wrapped %q", p.Title.Text)
	}
	for _, l := range lines {
		if w := p.Title.TextStyle.Width(l); w > width {
			t.Errorf("line %q is %v wide, over %v", l, w, width)
		}
	}
	p.Title.Text = "energy (y linear: values <= 0)"
	wrapTitle(p, width)
	if p.Title.Text != "energy (y linear: values <= 0)" {
		t.Errorf("a title that fits became %q", p.Title.Text)
	}
}
