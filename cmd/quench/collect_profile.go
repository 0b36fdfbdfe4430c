package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/sim"
)

// collect --profile: one profile (a snapshot average with error bars: the
// sandpile's P(h), the mass models' P(m) and C(r)) or histogram (counts:
// the avalanche sizes, areas and durations, the site activity, the final
// heights) of several runs side by side, a row per bin with its range
// (sim.BinRange) and a column per run: P(h) against the lattice size
// without a script.

// profileCell is one run's value of one bin: a profile's mean, error and
// reliability, or a histogram's count as a fraction of its total (no
// error); ok false where the run has no such bin.
type profileCell struct {
	mean, err *float64
	reliable  bool
	ok        bool
}

// profileOf returns run r's bins of profile or histogram name, and
// whether it has it.
func profileOf(r *collected, name string) ([]profileCell, bool) {
	if p, ok := r.sum.Profiles[name]; ok {
		cells := make([]profileCell, len(p.Mean))
		for i := range cells {
			cells[i] = profileCell{mean: p.Mean[i], ok: true}
			if i < len(p.Error) {
				cells[i].err = p.Error[i]
			}
			if i < len(p.Reliable) {
				cells[i].reliable = p.Reliable[i]
			}
		}
		return cells, true
	}
	h, ok := r.sum.Histograms[name]
	if !ok {
		return nil, false
	}
	var total int64
	for _, c := range h {
		total += c
	}
	cells := make([]profileCell, len(h))
	for i, c := range h {
		f := 0.0
		if total > 0 {
			f = float64(c) / float64(total)
		}
		cells[i] = profileCell{mean: &f, reliable: true, ok: true}
	}
	return cells, true
}

// profileNames lists the profiles and histograms the runs hold, sorted.
func profileNames(runs []*collected) []string {
	set := map[string]bool{}
	for _, r := range runs {
		for k := range r.sum.Profiles {
			set[k] = true
		}
		for k := range r.sum.Histograms {
			set[k] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// collectedProfile is profile or histogram name of every run: the cells
// by run, and the bins to show, those where some run's value is not 0.
type collectedProfile struct {
	name      string
	histogram bool
	cells     [][]profileCell
	bins      []int
	width     int // the most bins of a run
}

// gatherProfile reads profile or histogram name from every run, refusing
// a name no run holds (naming those they do) and one that some run lacks.
func gatherProfile(runs []*collected, name string) (*collectedProfile, error) {
	cp := &collectedProfile{name: name}
	for _, r := range runs {
		cells, ok := profileOf(r, name)
		if !ok {
			names := profileNames(runs)
			if !slices.Contains(names, name) {
				return nil, quench.Usagef("--profile %s is not allowed: the runs hold %s", name, cmp.Or(strings.Join(names, ", "), "no profiles or histograms (the sandpile and the mass models have them)"))
			}
			return nil, quench.Usagef("--profile %s: %s has no %s (its snapshots were turned off, --profile-every -1, or it was begun before they were taken)", name, r.dir, name)
		}
		_, isHist := r.sum.Histograms[name]
		cp.histogram = isHist
		cp.cells = append(cp.cells, cells)
		cp.width = max(cp.width, len(cells))
	}
	for b := range cp.width {
		if slices.ContainsFunc(cp.cells, func(c []profileCell) bool {
			return b < len(c) && c[b].mean != nil && *c[b].mean != 0
		}) {
			cp.bins = append(cp.bins, b)
		}
	}
	return cp, nil
}

// printProfile prints cp as a table: a row per bin shown, its range, then
// each run's value (mean(error), * where not reliable; a histogram's
// fraction of its counts), the runs numbered in a legend above, with
// their differing settings.
func printProfile(w io.Writer, runs []*collected, varying []string, cp *collectedProfile, averaged bool) {
	what := "profile (snapshot averages; * error bar not reliable)"
	if cp.histogram {
		what = "histogram (each run's counts as fractions of its total)"
	}
	fmt.Fprintf(w, "quench %s, %s: %s %s, bins [lo, hi) where some run's value is not 0 (%d of %d)\n\n",
		runs[0].sum.Model, runsCount(runs, averaged), cp.name, what, len(cp.bins), cp.width)
	printLegend(w, runs, varying)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"bin", "lo", "hi"}
	for i := range runs {
		head = append(head, strconv.Itoa(i+1))
	}
	fmt.Fprintf(tw, "%s\n", strings.Join(head, "\t"))
	for _, b := range cp.bins {
		lo, hi := sim.BinRange(cp.name, b, cp.width)
		row := []string{strconv.Itoa(b), cmp.Or(lo, "-"), cmp.Or(hi, "-")}
		for _, cells := range cp.cells {
			cell := "-"
			if cp.histogram && b >= len(cells) {
				cell = "0" // (a run whose counts end before this bin)
			}
			if b < len(cells) && cells[b].mean != nil {
				c := cells[b]
				if cp.histogram {
					cell = strconv.FormatFloat(*c.mean, 'g', 6, 64)
				} else {
					cell = meanErr(c.mean, c.err)
					if !c.reliable {
						cell += "*"
					}
				}
			}
			row = append(row, cell)
		}
		fmt.Fprintf(tw, "%s\n", strings.Join(row, "\t"))
	}
	tw.Flush()
}

// writeProfileCSV stages cp as CSV, a row per run and bin (every bin,
// zeros included): run, the differing settings, bin, lo, hi, value,
// error, reliable (a histogram's value is its fraction of the run's
// counts, with no error and no reliability).
func writeProfileCSV(path string, runs []*collected, varying []string, cp *collectedProfile) (*staged, error) {
	num := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p+0, 'g', -1, 64)
	}
	header, cells := csvSettings(runs, varying)
	rows := [][]string{append(header, "bin", "lo", "hi", "value", "error", "reliable")}
	for i, r := range runs {
		for b, c := range cp.cells[i] {
			row := cells(r)
			lo, hi := sim.BinRange(cp.name, b, len(cp.cells[i]))
			rel := strconv.FormatBool(c.reliable)
			if cp.histogram {
				rel = "" // counts: no error bar to judge
			}
			row = append(row, strconv.Itoa(b), lo, hi, num(c.mean), num(c.err), rel)
			rows = append(rows, row)
		}
	}
	return stageCSV(path, rows)
}

// plotProfile draws cp to path (.png or .svg), one panel, a line per run:
// each bin at its lower edge lo (P(m)'s at their centre, the log bins'
// at their geometric centre), its value over its width hi - lo (a
// density: a log bin's count spread over the values it holds; a height's
// or a lag's value itself), with error bars (profiles) and open circles
// where not reliable, over the bins the table shows (from the first to
// the last where some run's value is not 0). The open last bin of P(m)
// (to inf) is left out, as is the empty sites' bin of its log bins (the
// mass 0, no range to spread over), and on logarithmic axes (logs) the
// points at 0 or below; a lower error bar that reaches 0 on a
// logarithmic y, or comes within a thousandth of the value of it, is cut
// at that thousandth. The title says what was left out or cut. A run's label is its differing settings, or where
// they are too long for the panel its number in the table and its
// directory.
func plotProfile(path string, logs logAxes, runs []*collected, varying []string, cp *collectedProfile) (*staged, error) {
	p, err := profilePlot(logs, runs, varying, cp)
	if err != nil {
		return nil, &failure{fmt.Errorf("--plot %s: %w", path, err)}
	}
	return renderPanel(path, p, len(runs))
}

// renderPanel stages the one panel p of lines lines for path
// (renderPlots), with the legend in a panel of its own beside it where
// there are more lines than a corner holds (six piles' P(h), rising to
// the top right, under their legend).
func renderPanel(path string, p *plot.Plot, lines int) (*staged, error) {
	panels, w := []*plot.Plot{p}, 6*vg.Inch
	if lines > legendInPanel {
		lp := plot.New()
		lp.HideAxes()
		lp.Title.Text = "lines"
		lp.Legend = p.Legend
		lp.Legend.Top, lp.Legend.Left = true, true
		lp.Legend.XOffs, lp.Legend.YOffs = 0, 0
		p.Legend = plot.NewLegend()
		panels, w = append(panels, lp), 4.5*vg.Inch
	}
	return renderPlots(path, [][]*plot.Plot{panels}, w, 4.5*vg.Inch)
}

// profilePlot is plotProfile's panel.
func profilePlot(logs logAxes, runs []*collected, varying []string, cp *collectedProfile) (*plot.Plot, error) {
	p := plot.New()
	p.X.Tick.Marker, p.Y.Tick.Marker = fullTicks{}, fullTicks{}
	p.X.Label.Text, p.Y.Label.Text = "lo, the bin's lower edge", "value / (hi - lo)"
	switch {
	case strings.HasPrefix(cp.name, "height_"):
		p.X.Label.Text, p.Y.Label.Text = "height", "fraction of sites"
	case cp.name == "correlation":
		p.X.Label.Text, p.Y.Label.Text = "r", "C(r)"
	case cp.name == "mass_distribution":
		p.X.Label.Text = "m / <m>, the bin's centre"
	case cp.name == "mass_distribution_log":
		p.X.Label.Text = "m, the bin's geometric centre"
	}
	varying = tableSettings(runs, varying)
	var dropped, cut int
	var emptyBin bool
	for i, r := range runs {
		var pts plotter.XYs
		var gaps []int // where the points' line breaks
		var errs plotter.YErrors
		var reliable []bool
		for b, c := range cp.cells[i] {
			if c.mean == nil || !finite(*c.mean) || len(cp.bins) == 0 || b < cp.bins[0] || b > cp.bins[len(cp.bins)-1] {
				continue // (and the bins every run has at 0 at either end)
			}
			if cp.name == "mass_distribution_log" && b == 0 {
				// the empty sites: the mass 0 itself, whose "bin" [0,
				// 2^-32) is no width to spread it over
				emptyBin = true
				continue
			}
			los, his := sim.BinRange(cp.name, b, len(cp.cells[i]))
			lo, err1 := strconv.ParseFloat(los, 64)
			hi, err2 := strconv.ParseFloat(his, 64)
			if err1 != nil || err2 != nil || math.IsInf(hi, 0) {
				continue // (P(m)'s open last bin)
			}
			y, e := *c.mean, 0.0
			if c.err != nil && finite(*c.err) && finite(*c.mean+*c.err) && finite(*c.mean-*c.err) {
				e = *c.err
			}
			if w := hi - lo; w > 0 {
				y, e = y/w, e/w
			}
			// the masses' bins of a continuous density at their centre
			// (an exponential P(m) drawn at the lower edges sat about
			// half a bin left of e^-m: a bin [lo, lo + 1/4) averages
			// e^-m at lo + 0.12), the others' values at lo: a
			// height or a lag, and the avalanches' and activity's
			// counts of whole numbers from lo on
			x := lo
			switch cp.name {
			case "mass_distribution":
				x = (lo + hi) / 2
			case "mass_distribution_log":
				x = math.Sqrt(lo * hi)
			}
			if logs.x && !(x > 0) || logs.y && !(y > 0) {
				dropped++
				if len(pts) > 0 {
					gaps = append(gaps, len(pts)) // the line breaks here
				}
				continue
			}
			low := e
			if logs.y && !(y-e > y*1e-3) {
				// at 0 or within 1e-3 of it: cut at 1e-3 y, three
				// decades down (a log axis has no 0 to reach)
				low = y * (1 - 1e-3)
				cut++
			}
			pts = append(pts, plotter.XY{X: x, Y: y})
			errs = append(errs, struct{ Low, High float64 }{low, e})
			reliable = append(reliable, c.reliable)
		}
		if len(pts) == 0 {
			continue
		}
		gaps = append(gaps, len(pts))
		// a line through each stretch of points, broken where a point
		// was left out (a log axis's 0), not joined across it
		var line *plotter.Line
		var scatter *plotter.Scatter
		for _, st := range stretches(gaps) {
			l, s, err := addPoints(p, pts[st[0]:st[1]], errs[st[0]:st[1]], reliable[st[0]:st[1]], lineColor(i, len(runs)))
			if err != nil {
				return nil, err
			}
			if line == nil {
				line, scatter = l, s
			}
		}
		p.Legend.Add(runLabel(i, r, varying), line, scatter)
	}
	p.Title.Text = cp.name
	if emptyBin {
		p.Title.Text += " (the empty sites' bin 0 left out)"
	}
	if dropped > 0 {
		p.Title.Text += fmt.Sprintf(" (%s at 0 or below left out)", count(int64(dropped), "points"))
	}
	if cut > 0 {
		p.Title.Text += fmt.Sprintf(" (%s cut 3 decades down)", count(int64(cut), "lower error bars"))
	}
	logScales(p, logs)
	p.Legend.Top = true
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(4), -vg.Points(4)
	return p, nil
}

// runSettings are run r's values of the settings varying, as k=v.
func runSettings(r *collected, varying []string) []string {
	var set []string
	for _, k := range varying {
		if v, ok := r.settings[k]; ok {
			set = append(set, k+"="+v)
		}
	}
	return set
}

// printLegend prints the runs numbered, a line each: its number, its
// directory and its values of the settings that differ (tableSettings').
func printLegend(w io.Writer, runs []*collected, varying []string) {
	varying = tableSettings(runs, varying)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, r := range runs {
		fmt.Fprintf(tw, "%d\t%s\t%s\n", i+1, r.dir, strings.Join(runSettings(r, varying), " "))
	}
	tw.Flush()
	fmt.Fprintln(w)
}

// runLabel is the plots' legend entry of run i, r: its differing
// settings (varying, as tableSettings gives them), or where they are too
// long for the panel its number in the table and its directory.
func runLabel(i int, r *collected, varying []string) string {
	label := cmp.Or(strings.Join(runSettings(r, varying), " "), r.dir)
	if len(label) > 40 {
		label = fmt.Sprintf("%d %s", i+1, r.dir)
	}
	return label
}

// stretches are the index ranges [from, to) of points between the breaks
// ends (ascending, each the end of a stretch, the last the number of
// points), empty stretches left out.
func stretches(ends []int) [][2]int {
	var out [][2]int
	from := 0
	for _, to := range ends {
		if to > from {
			out = append(out, [2]int{from, to})
		}
		from = to
	}
	return out
}
