package main

import (
	"cmp"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/quenchlab/quench"
)

// plotFormats are the --plot file types, by extension.
var plotFormats = []string{".png", ".svg"}

// logAxes are the axes --log makes logarithmic.
type logAxes struct{ x, y bool }

// parseLogAxes reads --log: "" (none), x, y or xy.
func parseLogAxes(s string) (logAxes, error) {
	switch s {
	case "":
		return logAxes{}, nil
	case "x":
		return logAxes{x: true}, nil
	case "y":
		return logAxes{y: true}, nil
	case "xy":
		return logAxes{x: true, y: true}, nil
	}
	return logAxes{}, quench.Usagef("--log %q is not allowed: x, y or xy (the axes to draw logarithmic)", s)
}

// checkLogX refuses a logarithmic x axis where a run's value along x is
// not above 0 (the first such run named).
func (l plotLayout) checkLogX(runs []*collected, logs logAxes) error {
	if !logs.x {
		return nil
	}
	for _, r := range runs {
		if v := l.xValue(r); !(v > 0) || math.IsInf(v, 0) {
			return quench.Usagef("--log x is not allowed with %s along x: %s has %s %v, and a logarithmic axis takes values above 0 only", l.x, r.dir, l.x, v)
		}
	}
	return nil
}

// plotLayout is collect --plot's choice of axes: the setting along x
// (xKey, or "L", the first extent, when only the shapes differ), and the
// settings whose values make the groups (a line each); settings that are
// a function of x and it of them (beta of T) are neither, nor those that
// one group setting determines so. A setting that a group setting
// determines, but not it that one (baoab's mass, which only the baoab runs
// have, of the scheme), splits no group either, but is named with the
// group settings in the labels (labels: both, in the order found), unless
// it says how a run was made (settingTail: sweeps chosen by the size).
type plotLayout struct {
	x      string
	groups []string
	labels []string
}

// plotAxes picks the x axis from the differing settings: x when given
// (--x: a differing setting that is a number in every run, or L), else
// the first model parameter that is a number in every run, else the
// lattice's first extent when the shapes differ (particles: N, which
// their shape, N x d, makes no line of its own), else the first numeric
// setting of how the runs were made (the seed, sweeps, therm, every). A
// setting of how a run was made (seed, sweeps, therm, every, backend)
// makes groups only where each of its values has runs at two or more
// values along x: a scan that gives each run a seed of its own, or
// extends some runs, is one line per value of the model's settings; the
// number of seeds an average took (seeds) never does.
func plotAxes(runs []*collected, varying []string, x string) (plotLayout, error) {
	numeric := func(k string) bool {
		for _, r := range runs {
			if _, err := strconv.ParseFloat(r.settings[k], 64); err != nil {
				return false
			}
		}
		return true
	}
	// particles: N is the ensemble's size, as the shape's extents are a
	// lattice's (their shape, N x d, names no more than N and d do): it
	// goes along x after the parameters, as L does, and names the lines
	// (a Kuramoto scan of k at two N: r against k, a line per N)
	particles := runs[0].sum != nil && runs[0].sum.Model == "particles"
	size := func(k string) bool { return k == "shape" || particles && k == "N" }
	var l plotLayout
	if x != "" {
		var ok []string // what --x may name
		for _, k := range varying {
			if k == "shape" {
				if !particles { // (theirs is N x d: N and d are settings)
					ok = append(ok, "L")
				}
			} else if numeric(k) {
				ok = append(ok, k)
			}
		}
		if !slices.Contains(ok, x) {
			return l, quench.Usagef("--x %s is not allowed: a numeric setting that differs between the runs (%s)", x, cmp.Or(strings.Join(ok, ", "), "none does"))
		}
		l.x = x
	}
	for _, k := range varying {
		if l.x != "" {
			break
		}
		if !size(k) && !slices.Contains(settingTail, k) && numeric(k) {
			l.x = k
			break
		}
	}
	switch {
	case l.x != "":
	case particles && slices.Contains(varying, "N"):
		l.x = "N"
	case slices.Contains(varying, "shape"):
		l.x = "L"
	}
	for _, k := range varying {
		// else how the runs were made: the seed, sweeps, therm, every
		if l.x != "" {
			break
		}
		if slices.Contains(settingTail, k) && numeric(k) {
			l.x = k
		}
	}
	if l.x == "" {
		what := "nothing: they are runs of the same settings"
		if len(varying) > 0 {
			what = strings.Join(varying, ", ")
		}
		return l, quench.Usagef("--plot needs runs that differ in a numeric setting, to put along x (these differ in %s)", what)
	}
	for _, k := range varying {
		if k == l.x || l.x == "L" && k == "shape" || particles && k == "shape" || l.x != "L" && followsX(runs, l.x, k) ||
			slices.ContainsFunc(l.groups, func(g string) bool { return followsX(runs, g, k) }) {
			continue
		}
		if slices.Contains(settingTail, k) && k != "start" && !l.spansX(runs, k) || k == "seeds" {
			// how a run was made (a seed of its own, a run extended
			// further than the others) is no curve of its own; nor is
			// the number of seeds an average took, ever (a scan with
			// more seeds near Tc, which an audit found split into two
			// lines at the crossing, and its crossing refused)
			continue
		}
		l.groups = append(l.groups, k)
	}
	candidates := l.groups
	l.groups = nil
	for _, k := range candidates {
		if !slices.ContainsFunc(candidates, func(g string) bool { return g != k && determines(runs, g, k) && !determines(runs, k, g) }) {
			l.groups = append(l.groups, k)
			l.labels = append(l.labels, k)
		} else if !slices.Contains(settingTail, k) {
			// named, not grouped by; but not how a run was made (the
			// sweeps, therm and every a scan chose by the size: an
			// audit's legend of shape=32x32 steps=1200000 therm=20000
			// covered half its panel)
			l.labels = append(l.labels, k)
		}
	}
	return l, nil
}

// determines reports whether setting g determines setting k over the
// runs: runs of one value of g have one value of k (a setting a run does
// not have counts as a value).
func determines(runs []*collected, g, k string) bool {
	kOf := map[string]string{}
	for _, r := range runs {
		gv, kv := r.settings[g], r.settings[k]
		if v, ok := kOf[gv]; ok && v != kv {
			return false
		}
		kOf[gv] = kv
	}
	return true
}

// spansX reports whether each value of setting k is that of runs at two
// or more values along x: a line per value of k then has points to join.
func (l plotLayout) spansX(runs []*collected, k string) bool {
	xs := map[string]map[float64]bool{}
	for _, r := range runs {
		v := r.settings[k]
		if xs[v] == nil {
			xs[v] = map[float64]bool{}
		}
		xs[v][l.xValue(r)] = true
	}
	for _, set := range xs {
		if len(set) < 2 {
			return false
		}
	}
	return true
}

// followsX reports whether setting k and setting x (along x, or a group's)
// determine each other over the runs (beta and T): k then needs no
// group of its own.
func followsX(runs []*collected, x, k string) bool {
	kOf, xOf := map[string]string{}, map[string]string{}
	for _, r := range runs {
		xv, kv := r.settings[x], r.settings[k]
		if v, ok := kOf[xv]; ok && v != kv {
			return false
		}
		if v, ok := xOf[kv]; ok && v != xv {
			return false
		}
		kOf[xv], xOf[kv] = kv, xv
	}
	return true
}

// xValue is run r's value along x.
func (l plotLayout) xValue(r *collected) float64 {
	s := r.settings[l.x]
	if l.x == "L" {
		s, _, _ = strings.Cut(r.settings["shape"], "x")
	}
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

// groupOf names run r's group: its values of the settings of the labels,
// leaving out those the run does not have (the mass of a scheme without
// one). The group settings determine the others: runs of one group have
// one name.
func (l plotLayout) groupOf(r *collected) string {
	var parts []string
	for _, k := range l.labels {
		if v, ok := r.settings[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, " ")
}

// plotCollected draws a panel per observable (three to a row): each
// group's means against x with their error bars, joined by a line, open
// circles where the error bar is not reliable, and the exact values
// where the runs report them as a dashed line with a + at each. Staged for path
// (stageWhole: whole or not at all, renamed over it by its commit).
func plotCollected(path, x string, logs logAxes, runs []*collected, varying, names []string) (*staged, error) {
	l, err := plotAxes(runs, varying, x)
	if err != nil {
		return nil, err
	}
	if err := l.checkLogX(runs, logs); err != nil {
		return nil, err
	}
	var groups []string
	byGroup := map[string][]*collected{}
	for _, r := range runs {
		g := l.groupOf(r)
		if _, ok := byGroup[g]; !ok {
			groups = append(groups, g)
		}
		byGroup[g] = append(byGroup[g], r)
	}
	for _, g := range groups {
		slices.SortStableFunc(byGroup[g], func(a, b *collected) int {
			return cmp.Compare(l.xValue(a), l.xValue(b))
		})
	}
	// more lines than a panel's corner holds: their legend in a panel of
	// its own, after the observables' (eight lines' legend covered half
	// of the first panel's points)
	apart := len(groups) > legendInPanel
	tiles := len(names)
	if apart {
		tiles++
	}
	cols := min(3, tiles)
	rows := (tiles + cols - 1) / cols
	plots := make([][]*plot.Plot, rows)
	for i := range plots {
		plots[i] = make([]*plot.Plot, cols)
	}
	grey := color.Gray{Y: 96}
	anyExact := false
	for i, name := range names {
		p := plot.New()
		p.Title.Text = name
		p.X.Label.Text = l.x
		p.X.Tick.Marker, p.Y.Tick.Marker = fullTicks{}, fullTicks{}
		// the legend: the groups' in the first panel; for one group, in
		// the panels with exact values (measured, exact)
		legend := i == 0 && len(groups) > 1 && !apart
		if len(groups) == 1 {
			legend = slices.ContainsFunc(runs, func(r *collected) bool { _, ok := r.sum.Exact[name]; return ok })
		}
		for gi, g := range groups {
			if err := addGroup(p, byGroup[g], l, name, lineColor(gi, len(groups)), g, legend); err != nil {
				return nil, &failure{fmt.Errorf("--plot %s: %s: %w", path, name, err)}
			}
		}
		hasExact := slices.ContainsFunc(runs, func(r *collected) bool { _, ok := r.sum.Exact[name]; return ok })
		anyExact = anyExact || hasExact
		if hasExact && len(groups) > 1 && i > 0 && !apart {
			// the groups' legend is the first panel's: here only what
			// the dashed lines are
			p.Legend.Add("exact (dashed, +)", &plotter.Line{LineStyle: draw.LineStyle{Color: grey, Width: vg.Points(1), Dashes: exactDashes}},
				&plotter.Scatter{GlyphStyle: exactGlyph(grey)})
		}
		logScales(p, logs)
		placeLegend(p, runs, l, name)
		plots[i/cols][i%cols] = p
	}
	if apart {
		p := plot.New()
		p.HideAxes()
		p.Title.Text = "lines"
		for gi, g := range groups {
			c := lineColor(gi, len(groups))
			p.Legend.Add(g, &plotter.Line{LineStyle: draw.LineStyle{Color: c, Width: vg.Points(1)}},
				&plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: c, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}})
		}
		if anyExact {
			p.Legend.Add("exact (dashed, +)", &plotter.Line{LineStyle: draw.LineStyle{Color: grey, Width: vg.Points(1), Dashes: exactDashes}},
				&plotter.Scatter{GlyphStyle: exactGlyph(grey)})
		}
		p.Legend.Top, p.Legend.Left = true, true
		plots[len(names)/cols][len(names)%cols] = p
	}
	return renderPlots(path, plots, 4*vg.Inch, 3*vg.Inch)
}

// legendInPanel is the most lines whose legend goes in the first panel's
// corner; more get a panel of their own.
const legendInPanel = 4

// renderPlots draws the panels of plots (rows of them, nil where none),
// each tileW by tileH, to a canvas for path's type, staged for path
// (stageWhole: whole or not at all, renamed over it by its commit).
func renderPlots(path string, plots [][]*plot.Plot, tileW, tileH vg.Length) (*staged, error) {
	rows, cols := len(plots), len(plots[0])
	w, h := tileW*vg.Length(cols), tileH*vg.Length(rows)
	var canvas interface {
		vg.CanvasSizer
		io.WriterTo
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".svg":
		canvas = vgsvg.New(w, h)
	default:
		canvas = vgimg.PngCanvas{Canvas: vgimg.New(w, h)}
	}
	for _, row := range plots {
		for _, p := range row {
			if p != nil {
				wrapTitle(p, tileW-6*vg.Millimeter)
			}
		}
	}
	dc := draw.New(canvas)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter, PadY: vg.Millimeter,
		PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 2 * vg.Millimeter}
	for j, row := range plot.Align(plots, tiles, dc) {
		for i, c := range row {
			if plots[j][i] != nil {
				plots[j][i].Draw(c)
			}
		}
	}
	return stageWhole(path, "--plot", func(f io.Writer) error {
		_, err := canvas.WriteTo(f)
		return err
	})
}

// wrapTitle breaks p's title into lines no wider than width where it can,
// before a parenthesized note (" ("), so that a long one, a profile's
// with its notes on points left out and error bars cut, is not cut off at
// both edges of its panel (an audit's mass_distribution_log).
func wrapTitle(p *plot.Plot, width vg.Length) {
	st := p.Title.TextStyle
	if st.Font.Size == 0 || st.Width(p.Title.Text) <= width {
		return
	}
	parts := strings.Split(p.Title.Text, " (")
	var lines []string
	cur := parts[0]
	for _, part := range parts[1:] {
		if next := cur + " (" + part; st.Width(next) <= width {
			cur = next
		} else {
			lines = append(lines, cur)
			cur = "(" + part
		}
	}
	p.Title.Text = strings.Join(append(lines, cur), "\n")
}

// plotted is run r's point of observable name: its mean, its error (0
// where it has none) and whether it is reliable; ok false where it has no
// finite mean.
func plotted(r *collected, name string) (mean, e float64, reliable, ok bool) {
	v, has := r.sum.Observables[name]
	if !has || v.Mean == nil || !finite(*v.Mean) {
		return 0, 0, false, false
	}
	if v.Error != nil && finite(*v.Error) {
		e = *v.Error
	}
	return *v.Mean, e, v.Reliable, true
}

// lineColor is the colour of line i of n: plotutil's seven, or for more
// lines (which those repeat: a scan's eighth k drew in its first's red)
// n hues from red to magenta, darkened to show on white, in the lines'
// order (by their settings' values).
func lineColor(i, n int) color.Color {
	if n <= len(plotutil.DefaultColors) {
		return plotutil.Color(i)
	}
	return palette.Rainbow(n, palette.Red, palette.Magenta, 1, 0.8, 1).Colors()[i]
}

// addGroup adds one group's points of observable name to p: means with
// error bars and a line, and the exact values, in the group's colour.
func addGroup(p *plot.Plot, runs []*collected, l plotLayout, name string, color color.Color, label string, legend bool) error {
	var pts, exact plotter.XYs
	var errs plotter.YErrors
	var reliable []bool
	for _, r := range runs {
		x := l.xValue(r)
		if mean, e, rel, ok := plotted(r, name); ok {
			pts = append(pts, plotter.XY{X: x, Y: mean})
			errs = append(errs, struct{ Low, High float64 }{e, e})
			reliable = append(reliable, rel)
		}
		if v, ok := r.sum.Exact[name]; ok && finite(v) {
			exact = append(exact, plotter.XY{X: x, Y: v})
		}
	}
	if len(pts) > 0 {
		line, scatter, err := addPoints(p, pts, errs, reliable, color)
		if err != nil {
			return err
		}
		if legend {
			p.Legend.Add(cmp.Or(label, "measured"), line, scatter)
		}
	} else if legend && label != "" {
		// a group without a value here (a frozen run's binder, 0/0)
		// still names its colour, which the other panels draw (an
		// audit found a line in them that no legend named)
		p.Legend.Add(label+" (no value here)", &plotter.Line{LineStyle: draw.LineStyle{Color: color, Width: vg.Points(1)}},
			&plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: color, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}})
	}
	if len(exact) > 0 {
		// a dashed line through the exact values, and a + at each: a
		// group of one run has a line of one point, which draws nothing
		ex, marks, err := plotter.NewLinePoints(exact)
		if err != nil {
			return err
		}
		ex.Color = color
		ex.Dashes = exactDashes
		marks.GlyphStyle = exactGlyph(color)
		p.Add(ex, marks)
		if legend {
			p.Legend.Add(strings.TrimSpace(label+" exact"), ex, marks)
		}
	}
	return nil
}

// addPoints adds to p a line through pts in color, a filled circle at
// each, open where not reliable, and their error bars; it returns the line
// and the circles, for a legend.
func addPoints(p *plot.Plot, pts plotter.XYs, errs plotter.YErrors, reliable []bool, color color.Color) (*plotter.Line, *plotter.Scatter, error) {
	line, scatter, err := plotter.NewLinePoints(pts)
	if err != nil {
		return nil, nil, err
	}
	line.Color = color
	scatter.GlyphStyle = draw.GlyphStyle{Color: color, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}} // the legend's
	scatter.GlyphStyleFunc = func(i int) draw.GlyphStyle {
		s := draw.GlyphStyle{Color: color, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
		if !reliable[i] {
			s.Shape = draw.RingGlyph{}
		}
		return s
	}
	bars, err := plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{pts, errs})
	if err != nil {
		return nil, nil, err
	}
	bars.Color = color
	p.Add(line, scatter, bars)
	return line, scatter, nil
}

// exactDashes and exactGlyph draw the exact values: a dashed line, a +
// at each value.
var exactDashes = []vg.Length{vg.Points(4), vg.Points(2)}

func exactGlyph(c color.Color) draw.GlyphStyle {
	return draw.GlyphStyle{Color: c, Radius: vg.Points(4), Shape: draw.PlusGlyph{}}
}

// logScales makes p's axes logarithmic as logs asks, once its points are
// added (their ranges, error bars and exact values included, are p's):
// an axis whose range reaches 0 or below stays linear (the title says so
// for y; x, whose values checkLogX has checked, only on a panel without
// points), and a range of one value spans a factor of 2 each way (gonum
// would widen it by 1, to 0 or below).
func logScales(p *plot.Plot, logs logAxes) {
	for _, a := range []struct {
		on   bool
		axis *plot.Axis
		name string
	}{{logs.x, &p.X, "x"}, {logs.y, &p.Y, "y"}} {
		if !a.on || !finite(a.axis.Min) || !finite(a.axis.Max) {
			continue // (no points: +-Inf, which gonum makes -1 to 1)
		}
		if !(a.axis.Min > 0) {
			p.Title.Text += fmt.Sprintf(" (%s linear: values <= 0)", a.name)
			continue
		}
		if v := a.axis.Min; v == a.axis.Max {
			lo, hi := v/2, v*2
			if !(lo > 0) || math.IsInf(hi, 0) {
				// (5e-324 halves to 0, 1e308 doubles to inf; gonum
				// would widen it by 1, which neither end moves)
				a.axis.Min, a.axis.Max = min(0, v), max(4*v, v/2)
				if math.IsInf(hi, 0) {
					a.axis.Min, a.axis.Max = v/2, v
				}
				p.Title.Text += fmt.Sprintf(" (%s linear: one value at the end of float64's range)", a.name)
				continue
			}
			a.axis.Min, a.axis.Max = lo, hi
		}
		a.axis.Scale, a.axis.Tick.Marker = plot.LogScale{}, logTicks{}
	}
}

// logTicks are the ticks of a logarithmic axis: one at each of 1 to 9
// times a power of ten within it (over more than 6 decades one at each
// power), labelled, where the axis spans under a decade, at any of them
// an eighth of the axis past the last label, under two decades at 1, 2
// and 5 times a power of ten, else at the powers of ten (every k-th
// one, for at most about 8 labels); under half a decade, where the scale
// is nearly linear, the linear axes' round steps (fullTicks).
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) || !finite(hi) {
		return endTicks(lo, hi)
	}
	span := math.Log10(hi) - math.Log10(lo) // (hi / lo overflows from 1e-300 to 1e300)
	labelled := func(m int, e int) bool { return m == 1 && e%int(math.Ceil(span/8)) == 0 }
	switch {
	case span < 0.5:
		return fullTicks{}.Ticks(lo, hi)
	case span < 1:
		// under a decade any tick may be labelled, each an eighth of
		// the axis or more past the last (on an audit's L from 8 to 32,
		// 1, 2 and 5 times ten labelled only 10 and 20; now 8, 10, 20,
		// 30)
		last := math.Inf(-1)
		labelled = func(m, e int) bool {
			v := math.Log10(float64(m)) + float64(e)
			if v-last < span/8 {
				return false
			}
			last = v
			return true
		}
	case span < 2:
		labelled = func(m, _ int) bool { return m == 1 || m == 2 || m == 5 }
	}
	var t []plot.Tick
	labels := 0
	mmax := 9
	if span > 6 {
		mmax = 1 // a tick a decade: nine a decade over many made a comb
	}
	for e := int(math.Floor(math.Log10(lo))); e <= int(math.Ceil(math.Log10(hi))); e++ {
		for m := 1; m <= mmax; m++ {
			v, err := strconv.ParseFloat(fmt.Sprintf("%de%d", m, e), 64) // m 10^e, as printed
			if err != nil || v < lo || v > hi {
				continue
			}
			tick := plot.Tick{Value: v}
			if labelled(m, e) {
				tick.Label = strconv.FormatFloat(v, 'g', -1, 64)
				labels++
			}
			t = append(t, tick)
		}
	}
	if labels < 2 {
		// too narrow for two labels at these steps: the linear axes'
		// round ones
		return fullTicks{}.Ticks(lo, hi)
	}
	return t
}

// legendShare is the share of a panel's data area, across and up, that
// p's legend takes, about: its size on a tile of plotCollected's (4 by 3
// inches), over the data area that the axes, their labels and the title
// leave of it (about 3.3 by 2.2 inches). 0, 0 without entries.
func legendShare(p *plot.Plot) (w, h float64) {
	c := draw.New(vgimg.New(4*vg.Inch, 3*vg.Inch))
	r := p.Legend.Rectangle(c)
	size := r.Size()
	if size.X <= 0 || size.Y <= 0 {
		return 0, 0
	}
	// (drawn, the legend came out about a fifth wider than gonum's
	// Rectangle says: 1.69 inches against 1.38 for four lines of
	// shape=128x128, so 1.25 times it)
	return 1.25 * float64(size.X/(3.3*vg.Inch)), 1.25 * float64(size.Y/(2.2*vg.Inch))
}

// placeLegend puts p's legend in the corner of the panel that the
// points of observable name (means with their error bars, exact values)
// crowd least: the points within 40% of the width and 30% of the height
// of each corner counted, top right first on a tie.
func placeLegend(p *plot.Plot, runs []*collected, l plotLayout, name string) {
	if !(p.X.Max > p.X.Min) || !(p.Y.Max > p.Y.Min) {
		return
	}
	// the corners' share of the panel the legend takes: at least 40% of
	// its width and 30% of its height, more for a larger legend (an
	// audit's four lines of shape=128x128 took half the width, and hid
	// a point the 40% did not count)
	fw, fh := 0.4, 0.3
	if w, h := legendShare(p); w > 0 && h > 0 {
		fw, fh = max(fw, w), max(fh, h)
	}
	var n [2][2]int // [top][left]
	add := func(x, y float64) {
		fx, fy := p.X.Norm(x), p.Y.Norm(y) // (on the axes' scales)
		for top := range 2 {
			for left := range 2 {
				inX := left == 1 && fx <= fw || left == 0 && fx >= 1-fw
				inY := top == 1 && fy >= 1-fh || top == 0 && fy <= fh
				if inX && inY {
					n[top][left]++
				}
			}
		}
	}
	for _, r := range runs {
		x := l.xValue(r)
		if mean, e, _, ok := plotted(r, name); ok {
			add(x, mean-e)
			add(x, mean)
			add(x, mean+e)
		}
		if v, ok := r.sum.Exact[name]; ok && finite(v) {
			add(x, v)
		}
	}
	best := [2]int{1, 0} // top right
	for _, c := range [][2]int{{1, 1}, {0, 0}, {0, 1}} {
		if n[c[0]][c[1]] < n[best[0]][best[1]] {
			best = c
		}
	}
	p.Legend.Top, p.Legend.Left = best[0] == 1, best[1] == 1
	// off the axes' lines and the panel's edge: gonum draws the legend
	// from the corner of the data area, its thumbnails on the y axis
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(4), vg.Points(4)
	if p.Legend.Left {
		p.Legend.XOffs = vg.Points(8)
	}
	if p.Legend.Top {
		p.Legend.YOffs = -vg.Points(4)
	}
}

// fullTicks are ticks at round steps (1, 2 or 5 times a power of ten,
// at least three of them over the axis), labelled with the digits that
// tell them apart: gonum's default ticks for 2.2 to 2.4 were 2.22 and
// 2.31, and its labels had too few digits where a tick fell between them
// (2.15 read 2.1).
type fullTicks struct{}

func (fullTicks) Ticks(lo, hi float64) []plot.Tick {
	if span := hi - lo; !(span > 1e-290) || !finite(span) || !finite(lo) || !finite(hi) {
		// no span, one that overflows, or one so small that its steps
		// would be subnormal: the ends (gonum's own ticks never return
		// for -1e308 to 1e308)
		return endTicks(lo, hi)
	}
	step := math.Pow(10, math.Floor(math.Log10(hi-lo)))
	for _, m := range []float64{5, 2, 1, 0.5, 0.2, 0.1} {
		// the largest round step that gives at least three major ticks
		// (a hair of slack: 2.4/0.1 is 23.999999999999996)
		if s := step * m; math.Floor(hi/s+1e-9)-math.Ceil(lo/s-1e-9) >= 2 {
			step = s
			break
		}
	}
	minor := step / 5
	// the digits that tell the ticks apart: those of the largest value
	// down to the step's (and one more for steps of 2.5 times a power)
	prec := min(17, max(1, int(math.Ceil(math.Log10(math.Max(math.Abs(lo), math.Abs(hi))/step)))+2))
	if math.Max(math.Abs(lo), math.Abs(hi))/minor > 1e12 {
		// an axis far from 0 against its span: counting minor steps from
		// 0 would lose its digits
		return endTicks(lo, hi)
	}
	var t []plot.Tick
	for k := math.Ceil(lo/minor - 1e-9); k <= math.Floor(hi/minor+1e-9); k++ {
		v := k * minor
		tick := plot.Tick{Value: v}
		if math.Mod(math.Round(k), 5) == 0 {
			// k * step / 5 with k a multiple of 5: label the round value
			// (2.3, not 2.3000000000000003)
			tick.Label = strconv.FormatFloat(math.Round(k/5)*step+0, 'g', prec, 64)
			tick.Value = math.Round(k/5) * step
		}
		tick.Value = min(max(tick.Value, lo), hi) // the slack's rounding
		t = append(t, tick)
	}
	return t
}

// endTicks are fullTicks' fallback: the axis's ends, labelled to the
// last digit (one tick where they are one value).
func endTicks(lo, hi float64) []plot.Tick {
	var t []plot.Tick
	for _, v := range []float64{lo, hi} {
		if finite(v) && (len(t) == 0 || v != t[0].Value) {
			t = append(t, plot.Tick{Value: v, Label: strconv.FormatFloat(v+0, 'g', -1, 64)})
		}
	}
	return t
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
