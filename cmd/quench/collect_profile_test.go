package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/quenchlab/quench/sim"
)

// collect --profile: a profile of several runs side by side, a row per bin
// where some run's value is not 0, with the bin's range and each run's
// mean(error) as its summary holds it; a histogram as fractions of each
// run's counts; --csv every bin of every run; the refusals.
func TestCollectProfile(t *testing.T) {
	dir := t.TempDir()
	var dirs []string
	sums := map[string]sim.Summary{}
	for _, L := range []string{"8", "16"} {
		d := filepath.Join(dir, "L"+L)
		_, sum := runSummary(t, d, "--model", "sandpile", "--L", L, "--grains", "3000", "--profile-every", "10", "--quiet")
		dirs = append(dirs, d)
		sums[d] = sum
	}
	code, stdout, stderr := runQ(t, "collect", dirs[1], dirs[0], "--profile", "height_distribution", "--csv", filepath.Join(dir, "p.csv"))
	if code != 0 {
		t.Fatalf("collect --profile: exit %d %s", code, stderr)
	}
	// the legend numbers the runs in the table's order (by shape)
	if !regexp.MustCompile(`(?m)^1\s+` + regexp.QuoteMeta(dirs[0]) + `\s+shape=8x8\n2\s+` + regexp.QuoteMeta(dirs[1]) + `\s+shape=16x16$`).MatchString(stdout) {
		t.Fatalf("no legend of the runs in\n%s", stdout)
	}
	for h := range 4 {
		row := []string{strconv.Itoa(h), strconv.Itoa(h), strconv.Itoa(h + 1)}
		for _, d := range dirs {
			p := sums[d].Profiles["height_distribution"]
			cell := meanErr(p.Mean[h], p.Error[h])
			if !p.Reliable[h] {
				cell += "*"
			}
			row = append(row, regexp.QuoteMeta(cell))
		}
		if !regexp.MustCompile(`(?m)^` + strings.Join(row, `\s+`) + `$`).MatchString(stdout) {
			t.Errorf("no row %q in\n%s", row, stdout)
		}
	}
	recs, err := readCSV(filepath.Join(dir, "p.csv"))
	if err != nil || len(recs) != 1+8 || strings.Join(recs[0], ",") != "run,shape,L,bin,lo,hi,value,error,reliable" {
		t.Fatalf("p.csv: %v, %d records, header %v", err, len(recs), recs[:1])
	}
	p := sums[dirs[0]].Profiles["height_distribution"]
	if r := recs[3]; r[0] != dirs[0] || r[2] != strings.Split(r[1], "x")[0] || r[3] != "2" || r[4] != "2" || r[5] != "3" || r[6] != strconv.FormatFloat(*p.Mean[2], 'g', -1, 64) || r[7] != strconv.FormatFloat(*p.Error[2], 'g', -1, 64) {
		t.Errorf("p.csv row %v", r)
	}

	// a histogram: each run's fraction of its own counts, bins with a
	// count only
	code, stdout, stderr = runQ(t, "collect", dirs[0], dirs[1], "--profile", "avalanche_size")
	if code != 0 {
		t.Fatalf("collect --profile avalanche_size: exit %d %s", code, stderr)
	}
	h := sums[dirs[1]].Histograms["avalanche_size"]
	var total int64
	for _, c := range h {
		total += c
	}
	shown := 0
	for b, c := range h {
		lo, hi := sim.BinRange("avalanche_size", b, len(h))
		re := regexp.MustCompile(`(?m)^` + strconv.Itoa(b) + `\s+` + lo + `\s+` + hi + `\s+\S+\s+` + regexp.QuoteMeta(strconv.FormatFloat(float64(c)/float64(total), 'g', 6, 64)) + `$`)
		if c > 0 {
			shown++
			if !re.MatchString(stdout) {
				t.Errorf("avalanche_size bin %d: no row of fraction %d/%d in\n%s", b, c, total, stdout)
			}
		}
	}
	if shown < 4 {
		t.Fatalf("only %d avalanche size bins counted: the check is too weak", shown)
	}

	// --plot: the profile against its bins; on log axes the bins at 0
	// (avalanche size 0, lo 0) are left out, and the title says so
	svg := filepath.Join(dir, "sizes.svg")
	if code, _, stderr := runQ(t, "collect", dirs[0], dirs[1], "--profile", "avalanche_size", "--plot", svg, "--log", "xy"); code != 0 {
		t.Errorf("collect --profile --plot --log xy: exit %d %s", code, stderr)
	} else if b, _ := os.ReadFile(svg); !regexp.MustCompile(`avalanche_size \([1-9]\d* points? at 0 or below left out\)`).Match(b) || !strings.Contains(string(b), "shape=16x16") {
		t.Errorf("%s: no title of the points left out, or no legend", svg)
	}
	png := filepath.Join(dir, "h.png")
	if code, _, stderr := runQ(t, "collect", dirs[0], dirs[1], "--profile", "height_distribution", "--plot", png); code != 0 {
		t.Errorf("collect --profile --plot: exit %d %s", code, stderr)
	} else if fi, err := os.Stat(png); err != nil || fi.Size() < 1000 {
		t.Errorf("%s: %v", png, err)
	}
	none := filepath.Join(dir, "none")
	runSummary(t, none, "--model", "sandpile", "--L", "8", "--grains", "300", "--profile-every", "-1", "--quiet")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{dirs[0], none, "--profile", "height_distribution"}, "--profile height_distribution: " + none + " has no height_distribution"},
		{[]string{dirs[0], "--profile", "mass_distribution"}, "--profile mass_distribution is not allowed: the runs hold avalanche_area, avalanche_duration, avalanche_size, height_distribution, height_distribution_center, height_final, site_activity"},
		{[]string{dirs[0], dirs[1], "--profile", "avalanche_size", "--plot", filepath.Join(dir, "x.png"), "--x", "L"}, "--profile and --x are not allowed together"},
		{[]string{dirs[0], "--profile", "avalanche_size", "--observables", "mean_height"}, "--profile and --observables are not allowed together"},
		{[]string{dirs[0], "--profile", ""}, `--profile "" is not allowed`},
	} {
		code, stdout, stderr := runQ(t, append([]string{"collect"}, c.args...)...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("collect %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, stdout, stderr, c.want)
		}
	}
}

// plotProfile on a logarithmic y: a lower error bar reaching 0 is cut
// there (gonum's log scale takes no value at 0 or below), a bin at 0 is
// left out, P(m)'s open last bin is never drawn, and the title counts
// what was left out or cut.
func TestPlotProfileLogCuts(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	means := make([]*float64, sim.MassBins)
	errs := make([]*float64, sim.MassBins)
	for b := range means {
		means[b], errs[b] = f(0.5/float64(b+1)), f(0.001)
	}
	means[3], errs[3] = f(0.01), f(0.05) // its lower bar reaches below 0
	means[5] = f(0)                      // left out on a log y
	run := &collected{dir: "r", settings: map[string]string{"shape": "8"}, sum: &sim.Summary{Model: "kmp",
		Profiles: map[string]sim.Profile{"mass_distribution": {Mean: means, Error: errs, Reliable: make([]bool, sim.MassBins)}}}}
	cp, err := gatherProfile([]*collected{run}, "mass_distribution")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "p.svg")
	out, err := plotProfile(path, logAxes{y: true}, []*collected{run}, nil, cp)
	if err != nil {
		t.Fatal(err)
	}
	if err := out.commit(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	// (on two lines: wider than the panel, it breaks before a note)
	if !strings.Contains(string(b), ">mass_distribution (1 point at 0 or below left out)<") || !strings.Contains(string(b), ">(1 lower error bar cut 3 decades down)<") {
		t.Errorf("%s: no title of one point left out and one bar cut", path)
	}
}

// The log-binned P(m) drawn: its bin 0, the empty sites (the mass 0, no
// width to spread it over), is left out and said, and the x axis spans
// the bins the table shows (from the first to the last nonzero one), not
// all 63 up to 2^29.
func TestProfilePlotLogMassBins(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	means := make([]*float64, sim.LogMassBins)
	errs := make([]*float64, sim.LogMassBins)
	for b := range means {
		means[b], errs[b] = f(0), f(0)
	}
	means[0], means[30], means[33] = f(0.9), f(0.04), f(0.06) // empty, [2^-3, 2^-2), [1, 2)
	run := &collected{dir: "r", settings: map[string]string{"shape": "16"}, sum: &sim.Summary{Model: "aggregation",
		Profiles: map[string]sim.Profile{"mass_distribution_log": {Mean: means, Error: errs, Reliable: make([]bool, sim.LogMassBins)}}}}
	cp, err := gatherProfile([]*collected{run}, "mass_distribution_log")
	if err != nil {
		t.Fatal(err)
	}
	p, err := profilePlot(logAxes{}, []*collected{run}, nil, cp)
	if err != nil {
		t.Fatal(err)
	}
	if p.Title.Text != "mass_distribution_log (the empty sites' bin 0 left out)" {
		t.Errorf("title %q", p.Title.Text)
	}
	// bins 1 to 33 drawn, each at its geometric centre: from 2^-31.5 to
	// 2^0.5; the densities 0.04/2^-3 and 0.06/1 at most
	if p.X.Min != math.Sqrt(0x1p-32*0x1p-31) || p.X.Max != math.Sqrt2 || p.Y.Max != 0.32 {
		t.Errorf("x %v..%v, y up to %v; want 2^-31.5..2^0.5 and 0.32", p.X.Min, p.X.Max, p.Y.Max)
	}
}

// A profile's line breaks where a point was left out (a log axis's 0):
// the stretches between the breaks, none empty.
func TestProfileStretches(t *testing.T) {
	for _, c := range []struct {
		ends []int
		want [][2]int
	}{
		{[]int{5}, [][2]int{{0, 5}}},
		{[]int{2, 2, 5}, [][2]int{{0, 2}, {2, 5}}},
		{[]int{3, 4, 4}, [][2]int{{0, 3}, {3, 4}}},
		{nil, nil},
	} {
		if got := stretches(c.ends); !slices.Equal(got, c.want) {
			t.Errorf("stretches(%v) = %v, want %v", c.ends, got, c.want)
		}
	}
}

// --profile with --average-seeds: each bin the mean of the seeds' means,
// its error their spread over sqrt(n) (not reliable under 10 seeds); a
// histogram the seeds' counts summed.
func TestCollectProfileAverageSeeds(t *testing.T) {
	dir := t.TempDir()
	var dirs []string
	var sums []sim.Summary
	for _, seed := range []string{"1", "2", "3"} {
		d := filepath.Join(dir, "s"+seed)
		_, sum := runSummary(t, d, "--model", "sandpile", "--L", "8", "--grains", "2000", "--profile-every", "10", "--seed", seed, "--quiet")
		dirs = append(dirs, d)
		sums = append(sums, sum)
	}
	code, stdout, stderr := runQ(t, append([]string{"collect", "--average-seeds", "--profile", "height_distribution", "--csv", filepath.Join(dir, "a.csv")}, dirs...)...)
	if code != 0 {
		t.Fatalf("collect --average-seeds --profile: exit %d %s", code, stderr)
	}
	// the header counts the seeds averaged (an audit's 30 read "1 run")
	if !strings.HasPrefix(stdout, "quench sandpile, 3 runs averaged over their seeds into 1 row: height_distribution profile") {
		t.Errorf("collect --average-seeds --profile: header of\n%s", stdout)
	}
	recs, err := readCSV(filepath.Join(dir, "a.csv"))
	if err != nil || len(recs) != 1+4 {
		t.Fatalf("a.csv: %v, %d records\n%s", err, len(recs), stdout)
	}
	for h := range 4 {
		var m float64
		for _, s := range sums {
			m += *s.Profiles["height_distribution"].Mean[h]
		}
		m /= 3
		var ss float64
		for _, s := range sums {
			d := *s.Profiles["height_distribution"].Mean[h] - m
			ss += d * d
		}
		e := math.Sqrt(ss / 2 / 3)
		r := recs[1+h]
		got, _ := strconv.ParseFloat(r[len(r)-3], 64)
		gotErr, _ := strconv.ParseFloat(r[len(r)-2], 64)
		if math.Abs(got-m) > 1e-15 || math.Abs(gotErr-e) > 1e-15*(1+e) || r[len(r)-1] != "false" {
			t.Errorf("height %d: %v, want mean %v, error %v, not reliable (3 seeds)", h, r, m, e)
		}
	}
	code, stdout, stderr = runQ(t, append([]string{"collect", "--average-seeds", "--profile", "avalanche_size"}, dirs...)...)
	if code != 0 {
		t.Fatalf("collect --average-seeds --profile avalanche_size: exit %d %s", code, stderr)
	}
	var c0, total int64
	for _, s := range sums {
		for b, c := range s.Histograms["avalanche_size"] {
			total += c
			if b == 0 {
				c0 += c
			}
		}
	}
	if !regexp.MustCompile(`(?m)^0\s+0\s+1\s+` + regexp.QuoteMeta(strconv.FormatFloat(float64(c0)/float64(total), 'g', 6, 64)) + `$`).MatchString(stdout) {
		t.Errorf("avalanche_size bin 0: no fraction %d/%d of the summed counts in\n%s", c0, total, stdout)
	}
}

// A profile of more runs than a corner's legend holds (legendInPanel)
// gets its legend in a panel of its own beside the profile's: six piles'
// P(h), rising to the top right, lay under theirs.
func TestProfilePlotLegendApart(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	width := func(n int) int {
		var runs []*collected
		for i := range n {
			p := sim.Profile{Reliable: make([]bool, 4)}
			for h := range 4 {
				p.Mean, p.Error = append(p.Mean, f(0.1*float64(h+1))), append(p.Error, f(0.01))
			}
			runs = append(runs, &collected{dir: strconv.Itoa(i), settings: map[string]string{"shape": fmt.Sprintf("%dx%d", 8+i, 8+i)},
				sum: &sim.Summary{Model: "sandpile", Shape: []int{8 + i, 8 + i}, Profiles: map[string]sim.Profile{"height_distribution": p}}})
		}
		cp, err := gatherProfile(runs, "height_distribution")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "p.png")
		out, err := plotProfile(path, logAxes{}, runs, varyingSettings(runs), cp)
		return stagedPNGWidth(t, path, out, err)
	}
	// 6 inches alone, two panels of 4.5 beside each other
	if four, five := width(legendInPanel), width(legendInPanel+1); 4*five != 6*four {
		t.Errorf("widths %d (%d runs) and %d (%d): want 6 inches and 9", four, legendInPanel, five, legendInPanel+1)
	}
}
