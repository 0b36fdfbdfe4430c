package main

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
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

// collect --series: one column of series.csv (a measurement every --every
// steps) of several runs side by side against the step, and with
// --average-seeds its mean over each setting's seeds at every step with
// their spread over sqrt(n) as its error: the relaxation of <|m|>(t)
// from a hot start, or a phi^4 field's coarsening, averaged over
// independent histories, which no run's own (stationary) error bar
// describes.

// seriesTableRows is the most measurements the table shows; --csv and
// --plot take every one (the plot at most seriesPlotPoints of a line).
const (
	seriesTableRows  = 40
	seriesPlotPoints = 4096
)

// seriesPoint is one row's value at one step: a run's measurement (no
// error), or the mean over a row's seeds with its error; has false where
// the row has none there (a run measuring at other steps, or a value
// that is not finite in some seed).
type seriesPoint struct {
	mean, err float64
	has       bool
}

// collectedSeries is column name of every row's series: the steps any row
// measured at, ascending, and each row's points at them.
type collectedSeries struct {
	name, step string // the column, and the series' step column (sweep or step)
	unit       string // what the table and plot call a step: step's name, a sandpile's grain
	steps      []int64
	points     [][]seriesPoint // by row, then by steps' index
	seeds      []int           // the seeds each row averages (1: a run's own series)
}

// readSeries reads the step column and column name of dir's series.csv:
// the steps and the values (NaN where a cell is not a number), and the
// step column's name (sweep or step).
func readSeries(dir, name string, progress io.Writer) (steps []int64, vals []float64, step string, err error) {
	path := filepath.Join(dir, sim.SeriesFile)
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, "", quench.Usagef("--series %s: %s has no %s (its measurements were removed)", name, dir, sim.SeriesFile)
		}
		return nil, nil, "", quench.Usagef("--series %s: %s: %v", name, path, pathReason(err))
	}
	defer f.Close()
	var in io.Reader = f
	if progress != nil {
		in = io.TeeReader(f, progress) // (the bytes read, counted)
	}
	r := csv.NewReader(in)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, nil, "", quench.Usagef("--series %s: %s has no header line: not a quench series", name, path)
	}
	col := slices.Index(head, name)
	if col < 1 {
		return nil, nil, "", quench.Usagef("--series %s is not allowed: %s has the columns %s", name, path, strings.Join(head[1:], ", "))
	}
	step = head[0] // (before the reads that reuse head)
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return steps, vals, step, nil
		}
		if err != nil {
			return nil, nil, "", quench.Usagef("--series %s: %s: %v", name, path, err)
		}
		s, err1 := strconv.ParseInt(rec[0], 10, 64)
		v, err2 := strconv.ParseFloat(rec[col], 64)
		if err1 != nil || err2 != nil && !errors.Is(err2, strconv.ErrRange) || len(steps) > 0 && s <= steps[len(steps)-1] {
			return nil, nil, "", quench.Usagef("--series %s: %s line %d is not a measurement after the one before (%s %q, %s %q)", name, path, line, step, rec[0], name, rec[col])
		}
		steps, vals = append(steps, s), append(vals, v)
	}
}

// gatherSeries reads column name of every row's runs (an averaged row's
// seeds, members) and averages the seeds at each step they all measured
// at: seedMean, the error their spread over sqrt(n).
func gatherSeries(runs []*collected, name string, progress io.Writer) (*collectedSeries, error) {
	cs := &collectedSeries{name: name}
	var union []int64
	type row struct {
		steps []int64
		pts   []seriesPoint
	}
	rows := make([]row, len(runs))
	for i, r := range runs {
		members := r.members
		if len(members) == 0 {
			members = []*collected{r} // (a run, not an average)
		}
		// the steps a row has are those every seed measured at: the
		// first seed's, each seed's values aligned to them (NaN where
		// it has none)
		var steps []int64
		vals := make([][]float64, len(members))
		for k, m := range members {
			s, v, step, err := readSeries(m.dir, name, progress)
			if err != nil {
				return nil, err
			}
			cs.step = cmp.Or(cs.step, step)
			if k == 0 {
				steps, vals[0] = s, v
				continue
			}
			vals[k] = make([]float64, len(steps))
			for j, st := range steps {
				vals[k][j] = math.NaN()
				if at, ok := slices.BinarySearch(s, st); ok {
					vals[k][j] = v[at]
				}
			}
		}
		pts := make([]seriesPoint, len(steps))
		xs := make([]float64, len(members))
		for j := range steps {
			for k := range members {
				xs[k] = vals[k][j]
			}
			if slices.ContainsFunc(xs, func(x float64) bool { return !finite(x) }) {
				continue // (a seed without this measurement, or not a number)
			}
			if len(members) == 1 {
				pts[j] = seriesPoint{mean: xs[0], has: true}
				continue
			}
			m, e := seedMean(xs)
			pts[j] = seriesPoint{mean: m, err: e, has: true}
		}
		rows[i] = row{steps, pts}
		union = append(union, steps...)
		cs.seeds = append(cs.seeds, len(members))
	}
	slices.Sort(union)
	cs.steps = slices.Compact(union)
	for _, rw := range rows {
		pts := make([]seriesPoint, len(cs.steps))
		for j, step := range rw.steps {
			k, _ := slices.BinarySearch(cs.steps, step)
			pts[k] = rw.pts[j]
		}
		cs.points = append(cs.points, pts)
	}
	cs.unit = cs.step
	if runs[0].sum.Model == "sandpile" {
		cs.unit = "grain" // (a measurement after each grain relaxed)
	}
	return cs, nil
}

// spread picks k of the indices 0..n-1 (all of them where n <= k), the
// first and the last among them: evenly spaced, or with logs spaced
// evenly in the logarithm of index + 1 (a relaxation's early
// measurements, where it changes fastest, each shown), each past the one
// before and leaving room for those after.
func spread(n, k int, logs bool) []int {
	if n <= k {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := make([]int, 0, k)
	for j := range k {
		f := float64(j) / float64(k-1)
		i := int(math.Round(f * float64(n-1)))
		if logs {
			i = int(math.Round(math.Pow(float64(n), f))) - 1
		}
		if len(out) > 0 {
			i = max(i, out[len(out)-1]+1)
		}
		out = append(out, min(i, n-k+j))
	}
	return out
}

// seriesReliable reports whether row i's errors are reliable: the spread
// of averageMinSeeds seeds or more (a run's own measurements have no
// error to judge).
func (cs *collectedSeries) seriesReliable(i int) bool {
	return cs.seeds[i] >= averageMinSeeds
}

// printSeries prints cs as a table: the rows numbered in a legend with
// their differing settings, then at most seriesTableRows measurements,
// spaced evenly in the logarithm of their number, a column per row: a
// run's value, or its seeds' mean(error), * from fewer than
// averageMinSeeds seeds.
func printSeries(w io.Writer, runs []*collected, varying []string, cs *collectedSeries, averaged bool) {
	what := "each run's measurement"
	if averaged {
		what = fmt.Sprintf("the mean over each row's seeds (error: their spread over sqrt(seeds); * from fewer than %d seeds)", averageMinSeeds)
	}
	shown := spread(len(cs.steps), seriesTableRows, true)
	fmt.Fprintf(w, "quench %s, %s: %s against %s, %s; ", runs[0].sum.Model, runsCount(runs, averaged), cs.name, cs.unit, what)
	if len(shown) < len(cs.steps) {
		fmt.Fprintf(w, "%d of %d %ss shown, spaced evenly in log(measurement) (--csv writes every one)\n\n", len(shown), len(cs.steps), cs.unit)
	} else {
		fmt.Fprintf(w, "%s\n\n", count(int64(len(cs.steps)), cs.unit+"s"))
	}
	printLegend(w, runs, varying)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{cs.unit}
	for i := range runs {
		head = append(head, strconv.Itoa(i+1))
	}
	fmt.Fprintf(tw, "%s\n", strings.Join(head, "\t"))
	for _, j := range shown {
		row := []string{strconv.FormatInt(cs.steps[j], 10)}
		for i, pts := range cs.points {
			p := pts[j]
			cell := "-"
			switch {
			case p.has && cs.seeds[i] > 1:
				cell = meanErr(&p.mean, &p.err)
				if !cs.seriesReliable(i) {
					cell += "*"
				}
			case p.has:
				cell = strconv.FormatFloat(p.mean+0, 'g', 8, 64)
			}
			row = append(row, cell)
		}
		fmt.Fprintf(tw, "%s\n", strings.Join(row, "\t"))
	}
	tw.Flush()
}

// writeSeriesCSV stages cs as CSV, a line per row and measurement: run,
// the differing settings, the step, value, error and reliable (both
// empty for a run's own measurement).
func writeSeriesCSV(path string, runs []*collected, varying []string, cs *collectedSeries) (*staged, error) {
	header, cells := csvSettings(runs, varying)
	// written as the rows are made (millions of them, which a table of
	// them all first took seconds and gigabytes to hold): a run's cells
	// encoded once, then each measurement's numbers, which need no quoting
	return stageWhole(path, "--csv", func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		cw := csv.NewWriter(bw)
		cw.Write(append(header, cs.step, "value", "error", "reliable"))
		cw.Flush()
		var line []byte
		for i, r := range runs {
			var pre bytes.Buffer
			pw := csv.NewWriter(&pre)
			pw.Write(cells(r))
			pw.Flush()
			prefix := append(bytes.TrimSuffix(pre.Bytes(), []byte("\n")), ',')
			reliable := strconv.FormatBool(cs.seriesReliable(i))
			for j, p := range cs.points[i] {
				if !p.has {
					continue
				}
				line = strconv.AppendInt(append(line[:0], prefix...), cs.steps[j], 10)
				line = strconv.AppendFloat(append(line, ','), p.mean+0, 'g', -1, 64)
				line = append(line, ',')
				if cs.seeds[i] > 1 {
					line = strconv.AppendFloat(line, p.err, 'g', -1, 64)
					line = append(append(line, ','), reliable...)
				} else {
					line = append(line, ',')
				}
				bw.Write(append(line, '\n'))
			}
		}
		return cmp.Or(cw.Error(), bw.Flush())
	})
}

// plotSeries draws cs to path (.png or .svg), one panel, a line per row
// against the step (at most seriesPlotPoints of its measurements, spaced
// evenly, or with --log x evenly in log(measurement)), an averaged row's
// error as a band around it, a run's exact stationary value (where it
// has one) as a dashed line; on logarithmic axes the points at 0 or
// below left out and a band's lower edge that reaches 0 cut three
// decades below the value, as --profile's error bars are.
func plotSeries(path string, logs logAxes, runs []*collected, varying []string, cs *collectedSeries) (*staged, error) {
	p := plot.New()
	p.X.Tick.Marker, p.Y.Tick.Marker = fullTicks{}, fullTicks{}
	p.X.Label.Text, p.Y.Label.Text = cs.unit, cs.name
	varying = tableSettings(runs, varying)
	picked := spread(len(cs.steps), seriesPlotPoints, logs.x)
	var dropped int
	starred, exact := false, false
	linearY := false
	if logs.y && !slices.ContainsFunc(cs.points, func(pts []seriesPoint) bool {
		return slices.ContainsFunc(pts, func(pt seriesPoint) bool { return pt.has && pt.mean > 0 })
	}) {
		// no value above 0 (an energy): a linear y, as an observable's
		// panel keeps, not an empty one (an audit's --log xy of energies)
		logs.y, linearY = false, true
	}
	for i, r := range runs {
		c := lineColor(i, len(runs))
		var pts plotter.XYs
		var lo, hi []float64
		var gaps []int
		for _, j := range picked {
			pt := cs.points[i][j]
			if !pt.has {
				continue
			}
			if logs.y && !(pt.mean > 0) {
				dropped++
				if len(pts) > 0 {
					gaps = append(gaps, len(pts))
				}
				continue
			}
			low := pt.mean - pt.err
			if logs.y && !(low > pt.mean*1e-3) {
				low = pt.mean * 1e-3
			}
			pts = append(pts, plotter.XY{X: float64(cs.steps[j]), Y: pt.mean})
			lo, hi = append(lo, low), append(hi, pt.mean+pt.err)
		}
		if len(pts) == 0 {
			continue
		}
		gaps = append(gaps, len(pts))
		var first *plotter.Line
		for _, st := range stretches(gaps) {
			if cs.seeds[i] > 1 {
				if err := addBand(p, pts[st[0]:st[1]], lo[st[0]:st[1]], hi[st[0]:st[1]], c); err != nil {
					return nil, &failure{fmt.Errorf("--plot %s: %w", path, err)}
				}
			}
			l, err := plotter.NewLine(pts[st[0]:st[1]])
			if err != nil {
				return nil, &failure{fmt.Errorf("--plot %s: %w", path, err)}
			}
			l.Color = c
			p.Add(l)
			if first == nil {
				first = l
			}
		}
		label := runLabel(i, r, varying)
		if cs.seeds[i] > 1 && !cs.seriesReliable(i) {
			label += " *"
			starred = true
		}
		p.Legend.Add(label, first)
		if x, ok := r.sum.Exact[cs.name]; ok && finite(x) && (!logs.y || x > 0) {
			ex, err := plotter.NewLine(plotter.XYs{{X: pts[0].X, Y: x}, {X: pts[len(pts)-1].X, Y: x}})
			if err != nil {
				return nil, &failure{fmt.Errorf("--plot %s: %w", path, err)}
			}
			ex.Color, ex.Dashes = c, exactDashes
			p.Add(ex)
			exact = true
		}
	}
	p.Title.Text = cs.name
	if slices.ContainsFunc(cs.seeds, func(n int) bool { return n > 1 }) {
		p.Title.Text += " (bands: +-1 error over the seeds)"
	}
	if exact {
		p.Title.Text += " (dashed: the exact stationary value)"
	}
	if starred {
		p.Title.Text += fmt.Sprintf(" (* fewer than %d seeds)", averageMinSeeds)
	}
	if len(picked) < len(cs.steps) {
		p.Title.Text += fmt.Sprintf(" (%d of %d %ss)", len(picked), len(cs.steps), cs.unit)
	}
	if dropped > 0 {
		p.Title.Text += fmt.Sprintf(" (%s at 0 or below left out)", count(int64(dropped), "points"))
	}
	logScales(p, logs)
	if linearY {
		p.Title.Text += " (y linear: values <= 0)"
	}
	p.Legend.Top = true
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(4), -vg.Points(4)
	return renderPanel(path, p, len(runs))
}

// addBand adds to p the band between lo and hi along pts' x, filled in a
// pale tint of c.
func addBand(p *plot.Plot, pts plotter.XYs, lo, hi []float64, c color.Color) error {
	ring := make(plotter.XYs, 0, 2*len(pts))
	for k, pt := range pts {
		ring = append(ring, plotter.XY{X: pt.X, Y: hi[k]})
	}
	for k := len(pts) - 1; k >= 0; k-- {
		ring = append(ring, plotter.XY{X: pts[k].X, Y: lo[k]})
	}
	band, err := plotter.NewPolygon(ring)
	if err != nil {
		return err
	}
	r, g, b, _ := c.RGBA()
	band.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x40}
	band.LineStyle.Width = 0
	p.Add(band)
	return nil
}
