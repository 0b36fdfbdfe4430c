// collect --crossings: where the curves of one observable against the
// setting along x cross, line by line (a Binder cumulant's, or xi/L's,
// crossing near the critical point).

package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/quenchlab/quench"
)

// crossing is where two lines' curves cross: at x, with value y (the
// first line's curve there), each with its error.
type crossing struct {
	a, b       string // the lines
	x, ex      float64
	y, ey      float64
	between    [2]float64 // the neighbouring x values it lies between
	none, thin bool       // no crossing; fewer than two shared x values
}

// crossingOf parses --crossings: an observable of the runs, or one
// followed by /L, divided by the lattice's first extent (xi/L).
func crossingOf(spec string, all []string) (name string, perL bool, err error) {
	name, perL = strings.CutSuffix(spec, "/L")
	if !slices.Contains(all, name) {
		return "", false, quench.Usagef("--crossings %s is not allowed: an observable of the runs, or one followed by /L to divide it by the first extent (%s)", spec, strings.Join(all, ", "))
	}
	return name, perL, nil
}

// crossings finds, for each pair of neighbouring lines of layout l (the
// groups in the order plotCollected draws them), the crossings of
// observable name's curves: between two neighbouring x values that both
// lines have, where their difference changes sign, by linear
// interpolation; errors to first order in the four points' errors,
// taken as independent (runs of seeds of their own). perL divides each
// value and error by the run's first extent.
func crossings(runs []*collected, l plotLayout, name string, perL bool) []crossing {
	var groups []string
	byGroup := map[string]map[float64][2]float64{}
	for _, r := range runs {
		g := l.groupOf(r)
		if _, ok := byGroup[g]; !ok {
			groups = append(groups, g)
			byGroup[g] = map[float64][2]float64{}
		}
		mean, e, _, ok := plotted(r, name)
		if !ok {
			continue
		}
		if perL {
			n, _ := strconv.Atoi(strings.Split(r.settings["shape"], "x")[0])
			mean, e = mean/float64(n), e/float64(n)
		}
		byGroup[g][l.xValue(r)] = [2]float64{mean, e}
	}
	var out []crossing
	for i := 0; i+1 < len(groups); i++ {
		ga, gb := byGroup[groups[i]], byGroup[groups[i+1]]
		var xs []float64
		for x := range ga {
			if _, ok := gb[x]; ok {
				xs = append(xs, x)
			}
		}
		slices.Sort(xs)
		base := crossing{a: groups[i], b: groups[i+1]}
		if len(xs) < 2 {
			base.thin = true
			out = append(out, base)
			continue
		}
		found := false
		for k := 0; k+1 < len(xs); k++ {
			x1, x2 := xs[k], xs[k+1]
			a1, b1, a2, b2 := ga[x1], gb[x1], ga[x2], gb[x2]
			d1, d2 := a1[0]-b1[0], a2[0]-b2[0]
			if !(d1 < 0 && d2 >= 0 || d1 > 0 && d2 <= 0 || k == 0 && d1 == 0 && d2 != 0) {
				continue
			}
			found = true
			den := d1 - d2
			t := d1 / den
			dt1, dt2 := -d2/(den*den), d1/(den*den) // dt/dd1, dt/dd2
			s1 := a1[1]*a1[1] + b1[1]*b1[1]
			s2 := a2[1]*a2[1] + b2[1]*b2[1]
			c := base
			c.between = [2]float64{x1, x2}
			c.x = x1 + t*(x2-x1)
			c.ex = math.Abs(x2-x1) * math.Sqrt(dt1*dt1*s1+dt2*dt2*s2)
			slope := a2[0] - a1[0]
			c.y = (1-t)*a1[0] + t*a2[0]
			ya1, yb1 := (1-t)+slope*dt1, -slope*dt1
			ya2, yb2 := t+slope*dt2, -slope*dt2
			c.ey = math.Sqrt(ya1*ya1*a1[1]*a1[1] + yb1*yb1*b1[1]*b1[1] + ya2*ya2*a2[1]*a2[1] + yb2*yb2*b2[1]*b2[1])
			out = append(out, c)
		}
		if !found {
			base.none = true
			out = append(out, base)
		}
	}
	return out
}

// printCrossings prints crossings of spec's curves against l.x.
func printCrossings(w io.Writer, spec string, l plotLayout, cs []crossing) {
	fmt.Fprintf(w, "\ncrossings of %s against %s (linear between the neighbouring %s both lines have; errors to first order, the points taken as independent: give each run a seed of its own):\n", spec, l.x, l.x)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "lines\t%s\t%s\tbetween\n", l.x, spec)
	for _, c := range cs {
		lines := c.a + " / " + c.b
		switch {
		case c.thin:
			fmt.Fprintf(tw, "%s\t-\t-\tfewer than two %s values both have\n", lines, l.x)
		case c.none:
			fmt.Fprintf(tw, "%s\t-\t-\tno crossing within them\n", lines)
		default:
			fmt.Fprintf(tw, "%s\t%s\t%s\t%g and %g\n", lines, meanErr(&c.x, &c.ex), meanErr(&c.y, &c.ey), c.between[0], c.between[1])
		}
	}
	tw.Flush()
}
