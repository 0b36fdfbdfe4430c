package main

import (
	"bytes"
	"encoding/csv"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/schollz/progressbar/v3"

	"github.com/quenchlab/quench/sim"
)

// seriesColumn reads column name of dir's series.csv, by step.
func seriesColumn(t *testing.T, dir, name string) map[int64]float64 {
	t.Helper()
	recs, err := readCSV(filepath.Join(dir, sim.SeriesFile))
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(recs[0], name)
	out := map[int64]float64{}
	for _, r := range recs[1:] {
		s, err1 := strconv.ParseInt(r[0], 10, 64)
		v, err2 := strconv.ParseFloat(r[col], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", dir, err1, err2)
		}
		out[s] = v
	}
	return out
}

// collect --series: a series.csv column of several runs against the
// step; with --average-seeds each setting's mean over its seeds at every
// step, the error their spread over sqrt(n), reliable from 10 seeds; the
// table shows at most 40 measurements, the CSV every one, to the last
// bit; runs measuring at different steps leave cells empty; the
// refusals.
func TestCollectSeries(t *testing.T) {
	dir := t.TempDir()
	var ten, two []string
	for seed := 1; seed <= 12; seed++ {
		L, set := "4", &ten
		if seed > 10 {
			L, set = "6", &two
		}
		d := filepath.Join(dir, "L"+L+"-s"+strconv.Itoa(seed))
		runSummary(t, d, "--L", L, "--T", "1.5", "--start", "hot", "--sweeps", "60", "--therm", "0", "--seed", strconv.Itoa(seed), "--quiet")
		*set = append(*set, d)
	}
	all := append(slices.Clone(ten), two...)
	csvPath := filepath.Join(dir, "s.csv")
	code, stdout, stderr := runQ(t, append([]string{"collect", "--series", "energy", "--average-seeds", "--csv", csvPath, "--plot", filepath.Join(dir, "s.png"), "--log", "xy"}, all...)...)
	if code != 0 {
		t.Fatalf("collect --series: exit %d %s", code, stderr)
	}
	if !strings.HasPrefix(stdout, "quench ising2d, 12 runs averaged over their seeds into 2 rows: energy against sweep, the mean over each row's seeds") || !strings.Contains(stdout, "40 of 60 sweeps shown") {
		t.Errorf("heading of\n%s", stdout)
	}
	if fi, err := os.Stat(filepath.Join(dir, "s.png")); err != nil || fi.Size() == 0 {
		t.Errorf("--plot: %v", err)
	}
	// energies, all below 0, under --log xy: a linear y that says so, not
	// an empty panel with every point left out (an audit's)
	svg := filepath.Join(dir, "s.svg")
	if code, _, stderr := runQ(t, append([]string{"collect", "--series", "energy", "--average-seeds", "--plot", svg, "--log", "xy"}, all...)...); code != 0 {
		t.Fatalf("collect --series --plot s.svg: exit %d %s", code, stderr)
	}
	if b, _ := os.ReadFile(svg); !strings.Contains(string(b), "(y linear: values &lt;= 0)") || strings.Contains(string(b), "left out") {
		t.Errorf("--series energy --log xy: the title does not say y is linear, or points were left out")
	}
	// the seeds' mean and spread, step by step, from their own series
	want := func(dirs []string, step int64) (m, e float64) {
		var xs []float64
		for _, d := range dirs {
			xs = append(xs, seriesColumn(t, d, "energy")[step])
		}
		for _, x := range xs {
			m += x
		}
		m /= float64(len(xs))
		var ss float64
		for _, x := range xs {
			ss += (x - m) * (x - m)
		}
		return m, math.Sqrt(ss / float64(len(xs)-1) / float64(len(xs)))
	}
	for _, step := range []int64{1, 2, 60} {
		m4, e4 := want(ten, step)
		m6, e6 := want(two, step)
		row := `(?m)^` + strconv.FormatInt(step, 10) + `\s+` + regexp.QuoteMeta(meanErr(&m4, &e4)) + `\s+` + regexp.QuoteMeta(meanErr(&m6, &e6)+"*") + `$`
		if !regexp.MustCompile(row).MatchString(stdout) {
			t.Errorf("sweep %d: no row %s (10 seeds reliable, 2 not) in\n%s", step, row, stdout)
		}
	}
	recs, err := readCSV(csvPath)
	if err != nil || len(recs) != 1+2*60 || strings.Join(recs[0], ",") != "run,shape,L,seeds,sweep,value,error,reliable" {
		t.Fatalf("s.csv: %v, %d records, header %v", err, len(recs), recs[:1])
	}
	for _, r := range recs[1:] {
		step, _ := strconv.ParseInt(r[4], 10, 64)
		dirs, seeds, rel := ten, "10", "true"
		if r[2] == "6" {
			dirs, seeds, rel = two, "2", "false"
		}
		m, e := want(dirs, step)
		if r[3] != seeds || r[5] != strconv.FormatFloat(m, 'g', -1, 64) || r[6] != strconv.FormatFloat(e, 'g', -1, 64) || r[7] != rel {
			t.Errorf("s.csv row %v: want %v +- %v, seeds %s, reliable %s", r, m, e, seeds, rel)
		}
	}

	// each run's own measurements; one measuring every 2 sweeps leaves
	// the odd ones empty
	every2 := filepath.Join(dir, "every2")
	runSummary(t, every2, "--L", "4", "--T", "1.5", "--start", "hot", "--sweeps", "60", "--therm", "0", "--every", "2", "--seed", "99", "--quiet")
	code, stdout, stderr = runQ(t, "collect", "--series", "abs_magnetization", ten[0], every2, "--csv", csvPath)
	if code != 0 || !strings.Contains(stdout, ", each run's measurement; 40 of 60 sweeps shown") {
		t.Fatalf("collect --series of two runs: exit %d %s\n%s", code, stderr, stdout)
	}
	a, b := seriesColumn(t, ten[0], "abs_magnetization"), seriesColumn(t, every2, "abs_magnetization")
	for _, step := range []int64{1, 2, 60} {
		cb := "-"
		if step%2 == 0 {
			cb = regexp.QuoteMeta(strconv.FormatFloat(b[step], 'g', 8, 64))
		}
		row := `(?m)^` + strconv.FormatInt(step, 10) + `\s+` + regexp.QuoteMeta(strconv.FormatFloat(a[step], 'g', 8, 64)) + `\s+` + cb + `$`
		if !regexp.MustCompile(row).MatchString(stdout) {
			t.Errorf("sweep %d: no row %s in\n%s", step, row, stdout)
		}
	}
	if recs, err := readCSV(csvPath); err != nil || len(recs) != 1+60+30 || strings.Join(recs[0], ",") != "run,seed,every,sweep,value,error,reliable" || recs[1][5] != "" || recs[1][6] != "" {
		t.Errorf("s.csv of two runs: %v, %d records, %v", err, len(recs), recs[1:2])
	}

	// a seed without a measurement (its series.csv cut short): the
	// average has none there, not a mean of fewer seeds
	cut := filepath.Join(two[1], sim.SeriesFile)
	data, err := os.ReadFile(cut)
	if err != nil {
		t.Fatal(err)
	}
	data = data[:len(data)-1]
	os.WriteFile(cut, data[:strings.LastIndexByte(string(data), '\n')+1], 0o644)
	code, stdout, stderr = runQ(t, "collect", "--series", "energy", "--average-seeds", two[0], two[1], "--csv", csvPath)
	if code != 0 || !regexp.MustCompile(`(?m)^60\s+-$`).MatchString(stdout) {
		t.Errorf("a seed's series cut short: exit %d %s\n%s", code, stderr, stdout)
	}
	if recs, err = readCSV(csvPath); err != nil || len(recs) != 1+59 || recs[59][2] != "59" {
		t.Errorf("a seed's series cut short: %v, %d records, the last %v", err, len(recs), recs[len(recs)-1])
	}

	// refused, nothing written
	noSeries := filepath.Join(dir, "noseries")
	os.CopyFS(noSeries, os.DirFS(ten[1]))
	os.Remove(filepath.Join(noSeries, sim.SeriesFile))
	garbled := filepath.Join(dir, "garbled")
	os.CopyFS(garbled, os.DirFS(ten[2]))
	data, err = os.ReadFile(filepath.Join(garbled, sim.SeriesFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	lines[3] = "1" + lines[3][strings.IndexByte(lines[3], ','):] // sweep 3 as 1 again
	os.WriteFile(filepath.Join(garbled, sim.SeriesFile), []byte(strings.Join(lines, "\n")), 0o644)
	out := filepath.Join(dir, "refused.csv")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--series", "binder", ten[0]}, "--series binder is not allowed: " + filepath.Join(ten[0], sim.SeriesFile) + " has the columns energy, magnetization, abs_magnetization, m2, m4, staggered_magnetization, S_k0, S_k1"},
		{[]string{"--series", "", ten[0]}, `--series "" is not allowed: name a column of series.csv`},
		{[]string{"--series", "energy", "--profile", "height_distribution", ten[0]}, "--series and --profile are not allowed together"},
		{[]string{"--series", "energy", "--observables", "energy", ten[0]}, "--series and --observables are not allowed together"},
		{[]string{"--series", "energy", "--crossings", "binder", ten[0]}, "--series and --crossings are not allowed together"},
		{[]string{"--series", "energy", ten[0], noSeries}, "--series energy: " + noSeries + " has no series.csv"},
		{[]string{"--series", "energy", garbled}, "--series energy: " + filepath.Join(garbled, sim.SeriesFile) + " line 4 is not a measurement after the one before (sweep \"1\", energy "},
	} {
		code, stdout, stderr := runQ(t, append([]string{"collect", "--csv", out}, c.args...)...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("collect %q: exit %d, %q; want %q", c.args, code, stderr, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("collect %q wrote %s", c.args, out)
		}
	}
}

// spread picks every index up to k of them, else k distinct ascending
// ones from the first to the last: evenly spaced, or evenly in log(i+1),
// the first measurements each taken.
func TestSpread(t *testing.T) {
	if got := spread(5, 40, true); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
		t.Errorf("spread(5, 40) = %v", got)
	}
	if got := spread(11, 3, false); !slices.Equal(got, []int{0, 5, 10}) {
		t.Errorf("spread(11, 3, linear) = %v", got)
	}
	for _, n := range []int{41, 60, 300, 100000} {
		for _, logs := range []bool{false, true} {
			got := spread(n, 40, logs)
			if len(got) != 40 || got[0] != 0 || got[39] != n-1 || !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != 40 {
				t.Errorf("spread(%d, 40, %v) = %v", n, logs, got)
			}
		}
	}
	// log spacing: the first six measurements each, the ratio of later
	// neighbours about 100000^(1/39) = 1.34
	got := spread(100000, 40, true)
	if r := float64(got[38]+1) / float64(got[37]+1); !slices.Equal(got[:6], []int{0, 1, 2, 3, 4, 5}) || math.Abs(r-1.343) > 0.01 {
		t.Errorf("spread(100000, 40, log) = %v", got)
	}
}

// The seeds' mean of a series against an exact relaxation: free spins
// (J = 0) under Metropolis in a field h from a hot start. Each sweep
// visits every spin once; an up spin turns down with probability
// a = exp(-2h/T), a down one always turns up, so the mean magnetization
// m(t) = m* (1 - (-a)^t) with m* = tanh(h/T): an oscillating approach,
// 1 - a after the first sweep. 10 seeds of 16^2 spins, each of the first
// 8 sweeps within 4 of the seeds' errors, which are reliable.
func TestCollectSeriesRelaxationExact(t *testing.T) {
	dir := t.TempDir()
	var dirs []string
	for seed := 1; seed <= 10; seed++ {
		d := filepath.Join(dir, strconv.Itoa(seed))
		runSummary(t, d, "--L", "16", "--J", "0", "--h", "0.5", "--T", "1", "--algo", "metropolis", "--start", "hot", "--sweeps", "8", "--therm", "0", "--seed", strconv.Itoa(seed+40), "--quiet")
		dirs = append(dirs, d)
	}
	csvPath := filepath.Join(dir, "m.csv")
	if code, _, stderr := runQ(t, append([]string{"collect", "--series", "magnetization", "--average-seeds", "--csv", csvPath}, dirs...)...); code != 0 {
		t.Fatalf("collect: exit %d %s", code, stderr)
	}
	recs, err := readCSV(csvPath)
	if err != nil || len(recs) != 1+8 {
		t.Fatalf("m.csv: %v, %d records", err, len(recs))
	}
	a, mStar := math.Exp(-1), math.Tanh(0.5)
	for _, r := range recs[1:] {
		step, _ := strconv.Atoi(r[2])
		m, _ := strconv.ParseFloat(r[3], 64)
		e, _ := strconv.ParseFloat(r[4], 64)
		exact := mStar * (1 - math.Pow(-a, float64(step)))
		if d := (m - exact) / e; !(math.Abs(d) < 4) || r[5] != "true" {
			t.Errorf("sweep %d: m = %v +- %v (reliable %s), exact %v: %.2f errors", step, m, e, r[5], exact, d)
		} else {
			t.Logf("sweep %d: m = %.5f +- %.5f, exact %.5f: %+.2f errors", step, m, e, exact, d)
		}
	}
}

// collect --series shows a bar on a terminal while it reads large series
// (here: from 1 byte), cleared when done, the table on stdout as without
// it; none elsewhere. Its --csv, written as the rows are made, is the
// runs' measurements to the last bit.
func TestCollectSeriesBar(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	runSummary(t, a, "--L", "4", "--T", "2", "--sweeps", "300", "--quiet")
	runSummary(t, b, "--L", "4", "--T", "3", "--sweeps", "300", "--quiet")
	code, plain, stderr := runQ(t, "collect", a, b, "--series", "energy")
	if code != 0 || stderr != "" {
		t.Fatalf("collect --series: exit %d %q", code, stderr)
	}
	defer func(n int64) { seriesBarBytes, testHookTerminal = n, nil }(seriesBarBytes)
	seriesBarBytes = 1
	testHookTerminal = func(io.Writer) bool { return true }
	csvPath := filepath.Join(dir, "s.csv")
	code, stdout, stderr := runQ(t, "collect", a, b, "--series", "energy", "--csv", csvPath)
	if code != 0 || stdout != plain || !strings.Contains(stderr, "reading series.csv of 2 runs") {
		t.Errorf("on a terminal: exit %d, the same table %v, stderr %q", code, stdout == plain, stderr)
	}
	recs, err := readCSV(csvPath)
	if err != nil || len(recs) != 1+2*300 {
		t.Fatalf("csv: %d records, %v", len(recs), err)
	}
	for _, r := range recs[1:] {
		step, _ := strconv.ParseInt(r[len(r)-4], 10, 64)
		got, err := strconv.ParseFloat(r[len(r)-3], 64)
		if want := seriesColumn(t, r[0], "energy")[step]; err != nil || got != want || r[len(r)-2] != "" || r[len(r)-1] != "" { // (-0 is written 0)
			t.Errorf("csv row %q: want energy %v at sweep %d", r, want, step)
			break
		}
	}
}

// The series bar's errors do not fail the read it counts: a series.csv
// larger than the bar's total (rewritten since it was measured) is read
// whole.
func TestSeriesBarPastTotal(t *testing.T) {
	dir := t.TempDir()
	runSummary(t, dir, "--L", "4", "--sweeps", "300", "--quiet")
	bar := progressbar.NewOptions64(10, progressbar.OptionSetWriter(io.Discard))
	steps, vals, _, err := readSeries(dir, "energy", barCounter{bar})
	if err != nil || len(steps) != 300 || len(vals) != 300 {
		t.Errorf("read past the bar's total: %d measurements, %v", len(steps), err)
	}
}

// The streamed --series CSV is, byte for byte, what encoding/csv writes
// of the same rows (a run's cells quoted as it quotes them: names with a
// comma, a quote, a leading space, a newline), for runs and for averaged
// seeds.
func TestSeriesCSVAsEncodingCSV(t *testing.T) {
	dir := t.TempDir()
	var dirs []string
	for i, name := range []string{"a,b", `q"uote`, " lead", "new\nline"} {
		for _, seed := range []string{"1", "2"} {
			d := filepath.Join(dir, name+seed)
			runSummary(t, d, "--L", "4", "--T", strconv.Itoa(2+i), "--sweeps", "50", "--seed", seed, "--quiet")
			dirs = append(dirs, d)
		}
	}
	runs, err := readRuns(dirs)
	if err != nil {
		t.Fatal(err)
	}
	avg, _, err := averageSeeds(runs)
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range [][]*collected{runs, avg} {
		varying := varyingSettings(rs)
		if len(rs) == len(avg) {
			varying = append(varying, "seeds")
		}
		cs, err := gatherSeries(rs, "energy", nil)
		if err != nil {
			t.Fatal(err)
		}
		s, err := writeSeriesCSV(filepath.Join(dir, "s.csv"), rs, varying, cs)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(s.tmp)
		s.abort()
		// the rows as encoding/csv writes them
		header, cells := csvSettings(rs, varying)
		var want bytes.Buffer
		w := csv.NewWriter(&want)
		w.Write(append(header, cs.step, "value", "error", "reliable"))
		for i, r := range rs {
			for j, p := range cs.points[i] {
				if !p.has {
					continue
				}
				row := append(cells(r), strconv.FormatInt(cs.steps[j], 10), strconv.FormatFloat(p.mean+0, 'g', -1, 64), "", "")
				if cs.seeds[i] > 1 {
					row[len(row)-2], row[len(row)-1] = strconv.FormatFloat(p.err, 'g', -1, 64), strconv.FormatBool(cs.seriesReliable(i))
				}
				w.Write(row)
			}
		}
		w.Flush()
		if !bytes.Equal(got, want.Bytes()) || !strings.Contains(string(got), `"`) || len(got) < 400 {
			t.Errorf("%d rows: the streamed CSV (%d bytes) is not encoding/csv's (%d bytes)", len(rs), len(got), want.Len())
		}
	}
}
