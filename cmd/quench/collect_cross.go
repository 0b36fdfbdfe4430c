// collect --crossings: where the curves of one observable against the
// setting along x cross, line by line (a Binder cumulant's, or xi/L's,
// crossing near the critical point).

package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/quenchlab/quench"
)

// crossing is where two lines' curves cross: at x, with value y (the
// first line's curve there), each with its error (NaN where a point has
// none).
type crossing struct {
	a, b       string // the lines
	x, ex      float64
	y, ey      float64
	between    [2]float64 // the neighbouring x values it lies between
	unreliable bool       // a point's error bar is not reliable
	weak       bool       // the difference within weakSigns errors of 0 at an end
	none, thin bool       // no crossing; fewer than two shared x values
	fit        *crossFit  // from straight lines over more points (nil: none)
	fitAbove   bool       // fitted with the crossing above (windows overlap)
}

// crossFit is a crossing of straight lines fitted, by weighted least
// squares, to each line's points over the bracket and the x value on
// either side of it (those with error bars in both lines, 3 or more; the
// union of overlapping windows where sign changes crowd): on
// a dense scan the two points of the bracket alone differ by about
// their errors, and its interpolation's first-order error understates
// the uncertainty (an audit's 3D Binder crossings were all marked ~; its
// own fits over the scan gave errors 1.5-2 times smaller). Its errors come
// from the fits' covariances (the points independent, a seed each).
type crossFit struct {
	n            int // x values fitted
	x, ex, y, ey float64
	chi2         float64 // both lines' fits: 2n - 4 degrees of freedom
	p            float64 // the probability of a chi2 this large for straight lines
	unreliable   bool    // a fitted point's error bar is not reliable
	parallel     bool    // the slopes differ by under weakSigns errors
}

// bentP is the chi2 p-value under which a fitted crossing is marked !:
// the curves bend, within the fitted x values, beyond their errors.
const bentP = 0.01

// weakSigns is how many errors of the lines' difference, at either end of
// a crossing's bracket, leave its sign unsettled (the crossing then marked
// ~): there its first-order error understates the uncertainty, as the
// difference's error is of the order of the difference itself (an
// audit's 3D L = 24 / 32 crossing of the Binder cumulant read
// T 4.5035(26), 3 errors from Tc, where the difference at T = 4.51 was
// 1.7 errors from 0, a fluctuation 10 more seeds undid).
const weakSigns = 2

// isXi reports whether name is a correlation length: a ferromagnet's or
// phi4's correlation_length, or an antiferromagnet's
// staggered_correlation_length.
func isXi(name string) bool {
	return name == "correlation_length" || name == "staggered_correlation_length"
}

// xiWhere says which runs report a correlation length, after its name.
const xiWhere = ", which Ising ferromagnets in no field (correlation_length), Ising antiferromagnets (staggered_correlation_length) and phi4 fields at h = 0 (not modelb) report, on L^d lattices"

// crossingOf parses --crossings: an observable of the runs, or one
// followed by /L, divided by the lattice's first extent (xi/L).
func crossingOf(spec string, all []string) (name string, perL bool, err error) {
	name, perL = strings.CutSuffix(spec, "/L")
	if !slices.Contains(all, name) {
		why := ""
		if isXi(name) {
			why = "; the runs have no " + name + xiWhere
		}
		return "", false, quench.Usagef("--crossings %s is not allowed: an observable of the runs, or one followed by /L to divide it by the first extent (%s)%s", spec, strings.Join(all, ", "), why)
	}
	return name, perL, nil
}

// crossPoint is one run's point of a line: its value, error and
// reliability.
type crossPoint struct {
	y, e     float64
	reliable bool
}

// crossings finds, for each pair of neighbouring lines of layout l (its
// one line setting's values in order: lattice sizes by extent), the
// crossings of observable name's curves: between two neighbouring x
// values that both lines have, where their difference changes sign (an
// exact 0 counts where the signs on its two sides differ: a touch is
// none), by linear interpolation; errors to first order in the four
// points' errors, taken as independent (runs of seeds of their own).
// perL divides each value and error by the run's first extent. An error
// where a line has two runs at one x (seeds not averaged).
func crossings(runs []*collected, l plotLayout, name string, perL bool) ([]crossing, error) {
	var groups []string
	value := map[string]string{} // a line's value of its setting
	byGroup := map[string]map[float64]crossPoint{}
	dirAt := map[string]map[float64]string{}
	for _, r := range runs {
		// named by the one setting the lines differ in (the others, sweeps
		// or therm chosen by the size, follow it)
		g := l.groups[0] + "=" + r.settings[l.groups[0]]
		if _, ok := byGroup[g]; !ok {
			groups = append(groups, g)
			value[g] = r.settings[l.groups[0]]
			byGroup[g], dirAt[g] = map[float64]crossPoint{}, map[float64]string{}
		}
		x := l.xValue(r)
		if d, ok := dirAt[g][x]; ok {
			return nil, quench.Usagef("--crossings: %s and %s are both on the line %s at %s %g (seeds of one setting?): average them with --average-seeds, or collect one run a point", d, r.dir, g, l.x, x)
		}
		dirAt[g][x] = r.dir
		mean, e, rel, ok := plotted(r, name)
		if !ok {
			continue
		}
		if !(e > 0) {
			e = math.NaN() // no error bar: none for the crossing either
		}
		if perL {
			n := plotLayout{x: "L"}.xValue(r) // the first extent, as --x L reads it
			mean, e = mean/n, e/n
		}
		byGroup[g][x] = crossPoint{mean, e, rel}
	}
	slices.SortStableFunc(groups, func(a, b string) int { return compareSetting(value[a], value[b]) })
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
		d := make([]float64, len(xs))
		for k, x := range xs {
			d[k] = ga[x].y - gb[x].y
		}
		found := false
		// the fit windows: the bracket and an x value either side; a
		// sign change whose window overlaps the one before joins it, and
		// one fit over their union serves both (a noisy dense scan's
		// changes of sign, fitted apart, read as correlated crossings:
		// a review)
		first, lo, hi := -1, 0, 0
		fitWindow := func() {
			if first >= 0 {
				out[first].fit = fitCrossing(xs[lo:hi+1], ga, gb)
			}
		}
		for k := 0; k+1 < len(xs); k++ {
			if d[k] == 0 {
				continue
			}
			// the next nonzero difference: of the other sign, a crossing
			// in (x_k, x_k+1], at x_k+1 itself where d there is 0
			next := k + 1
			for next < len(xs) && d[next] == 0 {
				next++
			}
			if next == len(xs) || (d[k] < 0) == (d[next] < 0) {
				continue
			}
			found = true
			c := crossAt(base, xs[k], xs[k+1], ga[xs[k]], gb[xs[k]], ga[xs[k+1]], gb[xs[k+1]])
			if first >= 0 && max(k-1, 0) <= hi {
				c.fitAbove = true
				hi = min(next+1, len(xs)-1)
			} else {
				fitWindow()
				first, lo, hi = len(out), max(k-1, 0), min(next+1, len(xs)-1)
			}
			out = append(out, c)
		}
		fitWindow()
		if !found {
			base.none = true
			out = append(out, base)
		}
	}
	return out, nil
}

// crossAt is the crossing of the lines a and b between x1 and x2 by linear
// interpolation of their points there (a1, b1 at x1; a2, b2 at x2):
// t = d1/(d1 - d2) of the differences d = a - b, x = x1 + t (x2 - x1),
// y = (1 - t) a1 + t a2, with errors to first order (dt/dd1 = -d2/(d1 -
// d2)^2, dt/dd2 = d1/(d1 - d2)^2).
func crossAt(c crossing, x1, x2 float64, a1, b1, a2, b2 crossPoint) crossing {
	d1, d2 := a1.y-b1.y, a2.y-b2.y
	den := d1 - d2
	t := d1 / den
	dt1, dt2 := -d2/(den*den), d1/(den*den)
	s1 := a1.e*a1.e + b1.e*b1.e
	s2 := a2.e*a2.e + b2.e*b2.e
	c.between = [2]float64{x1, x2}
	c.x = x1 + t*(x2-x1)
	c.ex = math.Abs(x2-x1) * math.Sqrt(dt1*dt1*s1+dt2*dt2*s2)
	slope := a2.y - a1.y
	c.y = (1-t)*a1.y + t*a2.y
	ya1, yb1 := (1-t)+slope*dt1, -slope*dt1
	ya2, yb2 := t+slope*dt2, -slope*dt2
	c.ey = math.Sqrt(ya1*ya1*a1.e*a1.e + yb1*yb1*b1.e*b1.e + ya2*ya2*a2.e*a2.e + yb2*yb2*b2.e*b2.e)
	c.unreliable = !a1.reliable || !b1.reliable || !a2.reliable || !b2.reliable
	c.weak = math.Abs(d1) < weakSigns*math.Sqrt(s1) || math.Abs(d2) < weakSigns*math.Sqrt(s2)
	return c
}

// printCrossings prints crossings of spec's curves against l.x.
func printCrossings(w io.Writer, spec string, l plotLayout, cs []crossing) {
	fmt.Fprintf(w, "\ncrossings of %s against %s (linear between the neighbouring %s both lines have; errors to first order, the points taken as independent: give each run a seed of its own):\n", spec, l.x, l.x)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	marked, weak, fitted, bent, above, flat := false, false, false, false, false, false
	fmt.Fprintf(tw, "lines\t%s\t%s\tbetween\tfitted %s\tfitted %s\tchi2/dof\n", l.x, spec, l.x, spec)
	for _, c := range cs {
		lines := c.a + " / " + c.b
		switch {
		case c.thin:
			fmt.Fprintf(tw, "%s\t-\t-\tfewer than two %s values both have\n", lines, l.x)
		case c.none:
			fmt.Fprintf(tw, "%s\t-\t-\tno crossing within them\n", lines)
		default:
			ex, ey := &c.ex, &c.ey
			if math.IsNaN(c.ex) || math.IsNaN(c.ey) {
				ex, ey = nil, nil // a point without an error bar
			}
			mark := ""
			if c.unreliable {
				mark, marked = "*", true
			}
			if c.weak {
				mark, weak = mark+"~", true
			}
			fitted = true
			fit := "-\t-\t-"
			if c.fitAbove {
				fit, above = "as above\t\t", true
			} else if f := c.fit; f != nil {
				mark := ""
				if f.unreliable {
					mark, marked = "*", true
				}
				if f.p < bentP {
					mark, bent = mark+"!", true
				}
				if f.parallel {
					mark, flat = mark+"~", true
				}
				fit = fmt.Sprintf("%s%s\t%s%s\t%.3g/%d (%d %s values)", meanErr(&f.x, &f.ex), mark, meanErr(&f.y, &f.ey), mark, f.chi2, 2*f.n-4, f.n, l.x)
			}
			fmt.Fprintf(tw, "%s\t%s%s\t%s%s\t%.10g and %.10g\t%s\n", lines, meanErr(&c.x, ex), mark, meanErr(&c.y, ey), mark, c.between[0], c.between[1], fit)
		}
	}
	tw.Flush()
	if marked {
		fmt.Fprintln(w, "* from points whose error bars are not reliable (marked * above): nor is the crossing's")
	}
	if fitted {
		fmt.Fprintf(w, "fitted: where straight lines cross that are fitted (weighted least squares) to each line's points over the bracket and the %s value on either side, those with error bars in both lines (- where fewer than 3, the lines parallel, or crossing outside them); errors from the fits' covariances, not scaled by sqrt(chi2/dof); chi2 of both fits\n", l.x)
	}
	if above {
		fmt.Fprintln(w, "as above: a sign change whose fit window overlaps the one above's: the one fit over their union serves both")
	}
	if bent {
		fmt.Fprintf(w, "! chi2 has a p-value under %g: the curves bend over the fitted %s values beyond their errors; the straight lines misplace the crossing, and its errors leave that out (denser points near it)\n", bentP, l.x)
	}
	if weak {
		fmt.Fprintf(w, "~ the lines' difference lies within %d errors of 0 at an end of the bracket, so the sign change is not settled: the crossing may lie outside the bracket, and its first-order error understates its uncertainty (more statistics at those points, or points on either side of it, settle it)\n", weakSigns)
	}
	if flat {
		fmt.Fprintf(w, "~ on a fitted crossing: the fitted slopes differ by under %d errors, and the first-order error of where such lines cross means little\n", weakSigns)
	}
	if isXi(spec) && slices.ContainsFunc(cs, func(c crossing) bool { return c.none }) {
		fmt.Fprintf(w, "(xi itself grows with L at every T near Tc: it is xi/L whose curves cross there, --crossings %s/L)\n", spec)
	}
}

// fitCrossing fits a straight line to each of the lines a and b over xs
// (the points with error bars in both), and returns where they cross,
// nil with fewer than 3 such points, parallel lines or a crossing
// outside xs. Each line y = c0 + c1 (x - xc), xc the mean of the fitted
// x: its coefficients and their covariance by weighted least squares;
// then u = -(a0 - b0)/(a1 - b1), x = xc + u, y = a0 + a1 u, with errors
// to first order in the four coefficients.
func fitCrossing(xs []float64, a, b map[float64]crossPoint) *crossFit {
	var use []float64
	unreliable := false
	for _, x := range xs {
		pa, pb := a[x], b[x]
		if pa.e > 0 && pb.e > 0 && finite(pa.e) && finite(pb.e) {
			use = append(use, x)
			unreliable = unreliable || !pa.reliable || !pb.reliable
		}
	}
	if len(use) < 3 {
		return nil
	}
	var xc float64
	for _, x := range use {
		xc += x / float64(len(use))
	}
	a0, a1, ca, chiA := lineFit(use, xc, a)
	b0, b1, cb, chiB := lineFit(use, xc, b)
	d0, d1 := a0-b0, a1-b1
	if d1 == 0 {
		return nil
	}
	u := -d0 / d1
	x := xc + u
	if !(x >= use[0] && x <= use[len(use)-1]) {
		return nil
	}
	// du/d(a0, a1) and du/d(b0, b1) = -du/d(a0, a1)
	ua := [2]float64{-1 / d1, d0 / (d1 * d1)}
	ub := [2]float64{-ua[0], -ua[1]}
	// dy/d(a0, a1) and dy/d(b0, b1), y = a0 + a1 u
	ya := [2]float64{1 + a1*ua[0], u + a1*ua[1]}
	yb := [2]float64{a1 * ub[0], a1 * ub[1]}
	quad := func(g [2]float64, c [3]float64) float64 { return g[0]*g[0]*c[0] + 2*g[0]*g[1]*c[1] + g[1]*g[1]*c[2] }
	dof := 2*len(use) - 4
	f := &crossFit{n: len(use), x: x, y: a0 + a1*u, chi2: chiA + chiB, unreliable: unreliable}
	// a slope difference within errors of 0: x's first-order error, of a
	// ratio, then means little (a review: slopes -0.1 and -0.08 with
	// errors 0.1 read x 2 +- 1.94 unmarked)
	f.parallel = math.Abs(d1) < weakSigns*math.Sqrt(ca[2]+cb[2])
	f.ex = math.Sqrt(quad(ua, ca) + quad(ub, cb))
	f.ey = math.Sqrt(quad(ya, ca) + quad(yb, cb))
	f.p = distuv.ChiSquared{K: float64(dof)}.Survival(f.chi2)
	return f
}

// lineFit fits y = c0 + c1 (x - xc) to line's points at xs, weighted by
// their inverse variances: the coefficients, their covariance (var c0,
// cov, var c1) and the fit's chi2.
func lineFit(xs []float64, xc float64, line map[float64]crossPoint) (c0, c1 float64, cov [3]float64, chi2 float64) {
	var s, sx, sxx, sy, sxy float64
	for _, x := range xs {
		p := line[x]
		w, dx := 1/(p.e*p.e), x-xc
		s += w
		sx += w * dx
		sxx += w * dx * dx
		sy += w * p.y
		sxy += w * dx * p.y
	}
	det := s*sxx - sx*sx
	c0 = (sxx*sy - sx*sxy) / det
	c1 = (s*sxy - sx*sy) / det
	cov = [3]float64{sxx / det, -sx / det, s / det}
	for _, x := range xs {
		p := line[x]
		r := (p.y - c0 - c1*(x-xc)) / p.e
		chi2 += r * r
	}
	return c0, c1, cov, chi2
}
