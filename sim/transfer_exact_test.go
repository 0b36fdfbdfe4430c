package sim

import (
	"math"
	"strconv"
	"testing"

	"github.com/quenchlab/quench/stats"
)

// transferClasses are one sweep's bonds (x, y) in the order of the CPU
// kernel (cpu.massClass): for the axes from last to first, the bonds whose
// lower end x has an even coordinate, then an odd one, y = x + e_a
// periodic (on an extent of 2 the odd class is the even one reversed).
// Sites are numbered in numpy order, the last axis fastest.
func transferClasses(shape []int) [][][2]int {
	n := 1
	for _, l := range shape {
		n *= l
	}
	var classes [][][2]int
	stride := 1
	for a := len(shape) - 1; a >= 0; a-- {
		ext := shape[a]
		for par := range 2 {
			var class [][2]int
			for x := range n {
				c := x / stride % ext
				if c%2 != par {
					continue
				}
				y := x + stride
				if c == ext-1 {
					y = x - (ext-1)*stride
				}
				class = append(class, [2]int{x, y})
			}
			classes = append(classes, class)
		}
		stride *= ext
	}
	return classes
}

// transferCovBond applies one bond's map of the second moments G = <m
// m^T> (n x n, row-major) in place: G -> Abar G Abar^T + (D^2/4) (u^T G
// u) v v^T (sim.transferExact), where Abar moves D/2 of each end's mass
// to the other.
func transferCovBond(g []float64, n, x, y int, d float64) {
	s := g[x*n+x] + g[y*n+y] + g[x*n+y] + g[y*n+x] // u^T G u
	p, q := 1-d/2, d/2
	for j := range n {
		gx, gy := g[x*n+j], g[y*n+j]
		g[x*n+j], g[y*n+j] = p*gx+q*gy, q*gx+p*gy
	}
	for i := range n {
		gx, gy := g[i*n+x], g[i*n+y]
		g[i*n+x], g[i*n+y] = p*gx+q*gy, q*gx+p*gy
	}
	k := d * d / 4 * s
	g[x*n+x] += k
	g[y*n+y] += k
	g[x*n+y] -= k
	g[y*n+x] -= k
}

// transferCovSweep applies one sweep's map of the second moments: its
// classes in order, each the composition of its disjoint bonds' maps.
func transferCovSweep(g []float64, n int, classes [][][2]int, d float64) {
	for _, class := range classes {
		for _, b := range class {
			transferCovBond(g, n, b[0], b[1], d)
		}
	}
}

// transferStart is an uneven mass vector of n sites with mean `mean`.
func transferStart(n int, mean float64) []float64 {
	m := make([]float64, n)
	var tot float64
	for i := range m {
		m[i] = 1 + float64(i%3) + 0.37*float64(i%5) + 0.01*float64(i)
		tot += m[i]
	}
	for i := range m {
		m[i] *= mean * float64(n) / tot
	}
	return m
}

// maxAbsDiff is the largest |a_i - b_i|.
func maxAbsDiff(a, b []float64) float64 {
	var d float64
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// The second-moment map of a transfer sweep against exact enumeration:
// from an uneven start, every one of the 2^bonds equally likely choices
// of the sources of one sweep (and on a ring of 4 and on 2x2 of two
// sweeps) applied in float64, their m m^T averaged, within 1e-12 of the
// map's G (relative to its largest entry), at D = 0.1, 0.5 and 0.9.
func TestTransferCovMapEnumeration(t *testing.T) {
	for _, c := range []struct {
		shape  []int
		sweeps int
	}{{[]int{4}, 1}, {[]int{4}, 2}, {[]int{2, 2}, 1}, {[]int{2, 2}, 2}, {[]int{4, 2}, 1}, {[]int{2, 4}, 1}} {
		classes := transferClasses(c.shape)
		var bonds [][2]int
		for range c.sweeps {
			for _, class := range classes {
				bonds = append(bonds, class...)
			}
		}
		m0 := transferStart(len(classes[0])*2, 1.3)
		n := len(m0)
		for _, d := range []float64{0.1, 0.5, 0.9} {
			avg := make([]float64, n*n)
			m := make([]float64, n)
			combos := 1 << len(bonds)
			for bits := range combos {
				copy(m, m0)
				for k, b := range bonds {
					src, dst := b[0], b[1]
					if bits>>k&1 == 1 {
						src, dst = dst, src
					}
					mv := d * m[src]
					m[src] -= mv
					m[dst] += mv
				}
				for i := range n {
					for j := range n {
						avg[i*n+j] += m[i] * m[j]
					}
				}
			}
			g := make([]float64, n*n)
			var top float64
			for i := range n {
				for j := range n {
					avg[i*n+j] /= float64(combos)
					g[i*n+j] = m0[i] * m0[j]
				}
			}
			for range c.sweeps {
				transferCovSweep(g, n, classes, d)
			}
			for _, v := range g {
				top = max(top, math.Abs(v))
			}
			if diff := maxAbsDiff(g, avg); !(diff <= 1e-12*top) {
				t.Errorf("%v, %d sweeps, D = %v: the map differs from the %d enumerated choices by %.3g (largest entry %.3g)", c.shape, c.sweeps, d, combos, diff, top)
			}
		}
	}
}

// transferExactG is transferExact's G = <m m^T> on n sites: mean^2 plus
// mass_var on the diagonal, plus mass_corr1 off it.
func transferExactG(x map[string]float64, n int, mean float64) []float64 {
	g := make([]float64, n*n)
	for i := range n {
		for j := range n {
			g[i*n+j] = mean*mean + x["mass_corr1"]
		}
		g[i*n+i] = mean*mean + x["mass_var"]
	}
	return g
}

// transferExact's G is the stationary point of the sweep's second-moment
// map, by two methods: a sweep maps it to itself (residual under 1e-14
// mean^2), and the map iterated from an uneven start's m m^T (another
// mean, no covariance) until a sweep changes G by under 1e-16 mean^2
// reaches it within 1e-12 mean^2: the stationary G depends on the total
// alone. 1D and 2D, extents of 2 among them, D = 0.1, 0.5, 0.9.
func TestTransferExactFixedPoint(t *testing.T) {
	const mean = 1.3
	for _, shape := range [][]int{{4}, {8}, {16}, {32}, {2, 2}, {4, 2}, {2, 4}, {4, 4}, {6, 4}, {2, 6}} {
		classes := transferClasses(shape)
		for _, fr := range []float64{0.1, 0.5, 0.9} {
			c := &Config{Model: "transfer", Shape: shape, Fraction: fr}
			d := c.UsedFraction()
			x := c.transferExact(map[string]stats.Estimate{"mass_mean": {Mean: mean}})
			n := int(c.Lattice().Sites())
			want := transferExactG(x, n, mean)
			g := append([]float64(nil), want...)
			transferCovSweep(g, n, classes, d)
			if res := maxAbsDiff(g, want); !(res <= 1e-14*mean*mean) {
				t.Errorf("%v D = %v: a sweep moves the exact G by %.3g", shape, fr, res)
			}
			m0 := transferStart(n, mean)
			for i := range n {
				for j := range n {
					g[i*n+j] = m0[i] * m0[j]
				}
			}
			prev := make([]float64, n*n)
			sweeps := 0
			for ; sweeps < 200000; sweeps++ {
				copy(prev, g)
				transferCovSweep(g, n, classes, d)
				if maxAbsDiff(g, prev) < 1e-16*mean*mean {
					break
				}
			}
			if diff := maxAbsDiff(g, want); !(diff <= 1e-12*mean*mean) {
				t.Errorf("%v D = %v: after %d sweeps from an uneven start G is %.3g from the exact one", shape, fr, sweeps, diff)
			}
		}
	}
}

// transferExact's values: mean^2 D (N-1)/(N - D (N-1)) and
// -mean^2 D/(N - D (N-1)) at the fraction the fixed point uses; none
// where D mean is below transferMinDMean (2^-8) or without a mean.
func TestTransferExactValues(t *testing.T) {
	c := &Config{Model: "transfer", Shape: []int{256}, Fraction: 0.1}
	x := c.transferExact(map[string]stats.Estimate{"mass_mean": {Mean: 1}})
	d := c.UsedFraction()
	if v := d * 255 / (256 - d*255); math.Abs(x["mass_var"]-v) > 1e-15*v || math.Abs(x["mass_var"]-0.11062907) > 1e-8 {
		t.Errorf("ring of 256, D = 0.1: mass_var %v, want %v (0.1106...)", x["mass_var"], v)
	}
	if cv := -d / (256 - d*255); math.Abs(x["mass_corr1"]-cv) > 1e-15*-cv {
		t.Errorf("ring of 256, D = 0.1: mass_corr1 %v, want %v", x["mass_corr1"], cv)
	}
	if _, ok := x["mass_max"]; ok {
		t.Errorf("mass_max %v: the second moments do not fix it", x["mass_max"])
	}
	for _, c2 := range []struct {
		fraction, mean float64
		want           bool
	}{{0.5, 0x1p-7, true}, {0.5, 0x1p-8, false}, {0.25, 0x1p-6, true}, {0.01, 1, true}, {0x1p-32, 1 << 20, false}, {0.9, 1e-9, false}, {0.5, math.NaN(), false}, {0.5, math.Inf(1), false}} {
		c := &Config{Model: "transfer", Shape: []int{16}, Fraction: c2.fraction}
		x := c.transferExact(map[string]stats.Estimate{"mass_mean": {Mean: c2.mean}})
		if (x != nil) != c2.want {
			t.Errorf("D = %g, mean %g: exact values %v, want some: %v", c2.fraction, c2.mean, x, c2.want)
		}
	}
}

// Transfer runs through the engine against transferExact: mass_var,
// mass_corr1 and C(r), r = 0 .. L/2 along the last axis (C(0) is
// mass_var, every other lag mass_corr1), within 4 of their errors, which
// are reliable; the hot start (exponential masses, not stationary) is
// thermalized for the slowest mode (ThermBefore). The summary's exact
// values are transferExact's.
func TestTransferExactRuns(t *testing.T) {
	for _, cfg := range []Config{
		{Model: "transfer", Shape: []int{16}, Fraction: 0.1, Mass0: 1, Sweeps: 100000, Every: 1, ProfileEvery: 10, Seed: 5, Start: "hot"},
		{Model: "transfer", Shape: []int{8}, Fraction: 0.9, Mass0: 2.5, Sweeps: 100000, Every: 1, ProfileEvery: 10, Seed: 6, Start: "hot"},
		{Model: "transfer", Shape: []int{6, 4}, Fraction: 0.5, Mass0: 1, Sweeps: 50000, Every: 1, ProfileEvery: 10, Seed: 7, Start: "cold"},
	} {
		cfg.Therm, _ = cfg.ThermBefore()
		sum := summaryOf(t, cfg)
		name := cfg.Lattice().String() + " D=" + strconv.FormatFloat(cfg.Fraction, 'g', -1, 64) + ": "
		x := cfg.transferExact(map[string]stats.Estimate{"mass_mean": {Mean: *sum.Observables["mass_mean"].Mean}})
		if x == nil || len(sum.Exact) != len(x) || sum.Exact["mass_var"] != x["mass_var"] || sum.Exact["mass_corr1"] != x["mass_corr1"] {
			t.Errorf("%sexact %v, want %v", name, sum.Exact, x)
			continue
		}
		check := func(what string, mean, err float64, reliable bool, want float64) {
			z := (mean - want) / err
			t.Logf("%s%s %.6g +- %.2g, exact %.6g: %+.2f errors", name, what, mean, err, want, z)
			if !reliable || !(math.Abs(z) <= 4) {
				t.Errorf("%s%s %.6g +- %.2g (reliable %v), exact %.6g: %.2f errors", name, what, mean, err, reliable, want, z)
			}
		}
		for _, o := range []string{"mass_var", "mass_corr1"} {
			v := sum.Observables[o]
			check(o, *v.Mean, *v.Error, v.Reliable, x[o])
		}
		corr := sum.Profiles["correlation"]
		if want := cfg.Shape[len(cfg.Shape)-1]/2 + 1; len(corr.Mean) != want {
			t.Fatalf("%s%d lags of C(r), want %d", name, len(corr.Mean), want)
		}
		for r := range corr.Mean {
			want := x["mass_corr1"]
			if r == 0 {
				want = x["mass_var"]
			}
			check("C("+strconv.Itoa(r)+")", *corr.Mean[r], *corr.Error[r], corr.Reliable[r], want)
		}
	}
}
