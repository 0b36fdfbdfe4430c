package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/stats"
)

// exact holds exact canonical averages of the L x L periodic Ising model
// by enumeration of all 2^(L*L) states.
type exact struct {
	u, c, m, absM, m2, m4 float64
	absMS, ms2, ms4       float64 // the staggered magnetization's
	// sk: along each axis, <|M(k)|^2>/N at k = 2 pi/L_a (S_k<a>)
	sk []float64
}

// enumerate is the J = 1, h = 0 model.
func enumerate(L int, beta float64) exact { return enumerateJH(L, beta, 1, 0) }

// enumerateJH is the L x L model H = -J sum_<ij> s_i s_j - h sum_i s_i.
func enumerateJH(L int, beta, J, h float64) exact {
	return enumerateShape([]int{L, L}, beta, J, h)
}

// enumerateShape is the model on a periodic lattice of any shape (numpy
// order), bonds to the next site along every axis (an extent of 2 makes
// both neighbours along that axis the same site, as in the engine).
func enumerateShape(shape []int, beta, J, h float64) exact {
	n := 1
	for _, l := range shape {
		n *= l
	}
	var z, se, se2, sm, sam, sm2, sm4, sams, sms2, sms4 float64
	sk := make([]float64, len(shape))
	// Accumulate by (bond sum, magnetization, staggered sum) to keep the
	// weights exact: the states' count, and the sums of their |M(k)|^2
	// along each axis
	type group struct {
		g  float64
		mk []float64
	}
	counts := map[[3]int]*group{}
	s := make([]int, n)
	coord := make([]int, len(shape))
	re, im := make([]float64, len(shape)), make([]float64, len(shape))
	for state := 0; state < 1<<n; state++ {
		for i := range s {
			s[i] = 1 - 2*(state>>i&1)
		}
		bond, mag, stag := 0, 0, 0
		clear(re)
		clear(im)
		for i, v := range s {
			mag += v
			rest, sign := i, 1
			for a := len(shape) - 1; a >= 0; a-- {
				coord[a] = rest % shape[a]
				rest /= shape[a]
				sign *= 1 - 2*(coord[a]%2)
				arg := 2 * math.Pi * float64(coord[a]) / float64(shape[a])
				re[a] += float64(v) * math.Cos(arg)
				im[a] += float64(v) * math.Sin(arg)
			}
			stag += sign * v
			stride := 1
			for a := len(shape) - 1; a >= 0; a-- {
				next := i + stride
				if coord[a] == shape[a]-1 {
					next -= shape[a] * stride
				}
				bond += v * s[next]
				stride *= shape[a]
			}
		}
		key := [3]int{bond, mag, stag}
		if counts[key] == nil {
			counts[key] = &group{mk: make([]float64, len(shape))}
		}
		counts[key].g++
		for a := range shape {
			counts[key].mk[a] += re[a]*re[a] + im[a]*im[a]
		}
	}
	for k, grp := range counts {
		g := grp.g
		e := -(J*float64(k[0]) + h*float64(k[1])) / float64(n)
		m := float64(k[1]) / float64(n)
		w := g * math.Exp(-beta*e*float64(n))
		for a, v := range grp.mk {
			sk[a] += w / g * v / float64(n)
		}
		z += w
		se += w * e
		se2 += w * e * e
		sm += w * m
		sam += w * math.Abs(m)
		sm2 += w * m * m
		sm4 += w * m * m * m * m
		ms := float64(k[2]) / float64(n)
		sams += w * math.Abs(ms)
		sms2 += w * ms * ms
		sms4 += w * ms * ms * ms * ms
	}
	u := se / z
	return exact{u: u, c: float64(n) * beta * beta * (se2/z - u*u), m: sm / z, absM: sam / z, m2: sm2 / z, m4: sm4 / z,
		absMS: sams / z, ms2: sms2 / z, ms4: sms4 / z, sk: scaled(sk, 1/z)}
}

// scaled returns x times f.
func scaled(x []float64, f float64) []float64 {
	for i := range x {
		x[i] *= f
	}
	return x
}

// xi is the second-moment correlation length of ex on an L^d lattice
// of N sites (Config.correlationLength).
func (ex exact) xi(L int) float64 {
	var f float64
	for _, v := range ex.sk {
		f += v
	}
	f /= float64(len(ex.sk))
	n := math.Pow(float64(L), float64(len(ex.sk)))
	return math.Sqrt(n*ex.m2/f-1) / (2 * math.Sin(math.Pi/float64(L)))
}

// The enumerator itself against the published L = 4 values (docs/exact-values.md).
func TestEnumerationL4(t *testing.T) {
	const tol = 1e-9 // the table's printed digits
	e2 := enumerate(4, 0.5)
	ec := enumerate(4, math.Log(1+math.Sqrt2)/2)
	checks := []struct {
		name      string
		got, want float64
	}{
		{"u(T=2)", e2.u, -1.755380288777},
		{"c(T=2)", e2.c, 0.605532657},
		{"u(Tc)", ec.u, -1.565623787638},
		{"c(Tc)", ec.c, 0.783266826},
		{"<|m|>(Tc)", ec.absM, 0.8438604448},
		{"<m^2>(Tc)", ec.m2, 0.7613589086},
		{"<m^4>(Tc)", ec.m4, 0.6656912133},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > tol {
			t.Errorf("unexpected exact %s: got %.12f want %.12f", c.name, c.got, c.want)
		}
	}
}

// quench.IsingExact2D, which the runs report as the exact energy and
// specific heat, against the enumeration on square and rectangular
// lattices, odd extents and extents of 2 (a double bond) included, in both
// orientations, from high temperature through Kc to low; and on a large
// lattice against Onsager's infinite-lattice energy, which it approaches
// exponentially fast away from Tc.
func TestIsingExact2DEnumeration(t *testing.T) {
	kc := math.Log(1+math.Sqrt2) / 2
	for _, shape := range [][]int{{2, 2}, {2, 3}, {3, 2}, {3, 3}, {2, 7}, {7, 2}, {3, 4}, {4, 3}, {4, 4}, {3, 5}, {5, 3}, {5, 2}, {2, 8}} {
		for _, k := range []float64{0.05, 0.3, 0.43, kc, 0.45, 0.7, 1.5} {
			e := enumerateShape(shape, k, 1, 0)
			u, c, err := quench.IsingExact2D(shape[0], shape[1], k)
			if err != nil || math.Abs(u-e.u) > 1e-11 || math.Abs(c-e.c) > 1e-10 {
				t.Errorf("%v K=%v: Kaufman u %.14f c %.14f (%v); enumeration %.14f %.14f", shape, k, u, c, err, e.u, e.c)
			}
		}
	}
	for _, c := range []struct{ k, u float64 }{{0.5, -1.745564575313}, {1.0 / 3, -0.817309592502}} {
		if u, _, err := quench.IsingExact2D(1024, 512, c.k); err != nil || math.Abs(u-c.u) > 1e-12 {
			t.Errorf("1024x512 K=%v: u %.14f (%v), infinite lattice %.12f", c.k, u, err, c.u)
		}
	}
	for _, bad := range [][3]float64{{1, 4, 0.4}, {4, 0, 0.4}, {4, 4, 0}, {4, 4, -1}, {4, 4, math.NaN()}, {4, 4, math.Inf(1)}} {
		if _, _, err := quench.IsingExact2D(int(bad[0]), int(bad[1]), bad[2]); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

// gaussMean is E f(X) for X ~ N(mu, s2), by Simpson's rule over 14
// standard deviations either side, in two parts at 0 when 0 is inside
// (where |x| has its kink).
func gaussMean(mu, s2 float64, f func(float64) float64) float64 {
	s := math.Sqrt(s2)
	lo, hi := mu-14*s, mu+14*s
	if lo < 0 && hi > 0 {
		return gaussPart(mu, s2, f, lo, 0) + gaussPart(mu, s2, f, 0, hi)
	}
	return gaussPart(mu, s2, f, lo, hi)
}

// gaussPart is the part of E f(X) from lo to hi, by Simpson's rule.
func gaussPart(mu, s2 float64, f func(float64) float64, lo, hi float64) float64 {
	const n = 20000
	h := (hi - lo) / n
	var sum float64
	for i := 0; i <= n; i++ {
		x := lo + float64(i)*h
		w := 2.0
		switch {
		case i == 0 || i == n:
			w = 1
		case i%2 == 1:
			w = 4
		}
		sum += w * f(x) * math.Exp(-(x-mu)*(x-mu)/(2*s2))
	}
	return sum * h / 3 / math.Sqrt(2*math.Pi*s2)
}

// gaussianExact's moments against quadrature over the Gaussian laws of a
// site (mean h/m2, variance GaussianModes.Var) and of the mean field m
// (variance GaussianModes.Zero/V): phi2, phi4, the Binder cumulant and
// both susceptibilities, <|m|> included, at h = 0, at a small field and
// at one that puts <m> 13 standard deviations from 0 (where
// <m^2> - <|m|>^2 is sigma^2 to rounding).
func TestGaussianExactMoments(t *testing.T) {
	for _, h := range []float64{0, 0.05, 3} {
		c := Config{Model: "phi4", Shape: []int{6, 5}, Scheme: quench.SchemeEM, Dt: 0.12, M2: 1, H: h, T: 1.5, Gamma: 1, Mass: 1}
		x := c.gaussianExact(nil)
		g, err := quench.GaussianField(c.Phi4Params(), c.Shape)
		if err != nil || x == nil {
			t.Fatal(err)
		}
		v, mu := 30.0, h
		sig2 := g.Zero / v
		pw := func(k float64) func(float64) float64 { return func(y float64) float64 { return math.Pow(y, k) } }
		m2, m4 := gaussMean(mu, sig2, pw(2)), gaussMean(mu, sig2, pw(4))
		abs := gaussMean(mu, sig2, math.Abs)
		for name, want := range map[string]float64{
			"phi":                      mu,
			"phi2":                     gaussMean(mu, g.Var, pw(2)),
			"phi4":                     gaussMean(mu, g.Var, pw(4)),
			"binder":                   1 - m4/(3*m2*m2),
			"susceptibility":           v * m2 / c.T,
			"susceptibility_connected": v * (m2 - abs*abs) / c.T,
		} {
			if got := x[name]; math.Abs(got-want) > 1e-10*math.Max(math.Abs(want), 1e-3) {
				t.Errorf("h %v: %s %.12g, quadrature %.12g", h, name, got, want)
			}
		}
	}
}

// Model B from a hot start: the exact values are about the conserved
// mean field the start drew, the mean of the start's field (which the
// run's phi, est, measures to rounding), and leave out what depends on m
// alone; from a cold start about m = 0.
func TestGaussianExactModelB(t *testing.T) {
	for _, start := range []string{"hot", "cold"} {
		cfg := Config{Model: "phi4", Scheme: "modelb", Precision: "float64", Shape: []int{5, 4}, Sweeps: 200, Every: 1, Seed: 9, Start: start, T: 0.8, Dt: 0.015, Gamma: 1.3, Mass: 1, M2: 0.5, H: 0.3}
		sum := summaryOf(t, cfg)
		var m float64
		for _, f := range newLangevinState(cfg).Field {
			m += f
		}
		m /= 20
		g, _ := quench.GaussianField(cfg.Phi4Params(), cfg.Shape)
		if x := sum.Exact["phi2"]; math.Abs(x-(m*m+g.Var)) > 1e-14 || (start == "hot") != (m != 0) {
			t.Errorf("%s: exact phi2 %v, the start's m %v: m^2 + Var = %v", start, x, m, m*m+g.Var)
		}
		if e := sum.Exact["energy"]; math.Abs(e-(g.Gradient+cfg.M2/2*(m*m+g.Var)-cfg.H*m)) > 1e-14 {
			t.Errorf("%s: exact energy %v", start, e)
		}
		for _, name := range ModelBConserved {
			if _, ok := sum.Exact[name]; ok {
				t.Errorf("%s: exact %s, which depends on the conserved m alone", start, name)
			}
		}
	}
}

// Harmonic particles' exact values are the variances times (n-1)/n for
// the n = N d coordinates whose mean the spreads subtract, and x2 the
// coordinates' variance itself; none at T = 0
// or at k = 0, and kuramoto's only order_parameter2 (the double well's:
// TestDoubleWellExact).
func TestHarmonicExact(t *testing.T) {
	c := Config{Model: "particles", Potential: "harmonic", Scheme: quench.SchemeBAOAB, N: 10, D: 3, K: 2, T: 0.5, Dt: 0.4, Gamma: 1, Mass: 2}
	x := c.harmonicExact()
	f := 29.0 / 30
	if len(x) != 6 || x["x_mean"] != 0 || math.Abs(x["x_var"]-f*0.25) > 1e-15 || math.Abs(x["x2"]-0.25) > 1e-15 || math.Abs(x["v_var"]-f*0.25*(1-0.16*2/8)) > 1e-15 ||
		x["v_mean"] != 0 || math.Abs(x["v2"]-0.25*(1-0.16*2/8)) > 1e-15 {
		t.Errorf("baoab: %v", x)
	}
	c.Scheme = quench.SchemeEM
	if x := c.harmonicExact(); len(x) != 3 || math.Abs(x["x_var"]-f*0.25/(1-0.4)) > 1e-15 || math.Abs(x["x2"]-0.25/(1-0.4)) > 1e-15 {
		t.Errorf("em: %v", x)
	}
	for _, mod := range []func(*Config){
		func(c *Config) { c.T = 0 },
		func(c *Config) { c.K = 0 },
	} {
		d := c
		mod(&d)
		if x := d.exactValues(nil); x != nil {
			t.Errorf("%+v: exact %v", d, x)
		}
	}
	c.Potential, c.D = "kuramoto", 1
	if r2, _ := quench.KuramotoR2(10, 4); len(c.exactValues(nil)) != 2 || c.exactValues(nil)["order_parameter2"] != r2 || c.exactValues(nil)["x_mean"] != 0.5 {
		t.Errorf("kuramoto: exact %v, want order_parameter2 %v and x_mean 0.5", c.exactValues(nil), r2)
	}
}

// Double-well particles' exact values at dt -> 0: x_mean 0, x2 <x^2> of
// exp(-k (x^2 - 1)^2/T) and x_var (n-1)/n of it, here against Simpson's rule on 200,001
// points over [-4, 4] (the weight at +-4 is at most e^-33 of the wells'),
// and baoab's v_var (n-1)/n T/mass; none at T = 0 or k = 0.
func TestDoubleWellExact(t *testing.T) {
	for _, c := range []Config{
		{Model: "particles", Potential: "doublewell", Scheme: quench.SchemeBAOAB, N: 10, D: 3, K: 2, T: 0.5, Dt: 0.1, Gamma: 1, Mass: 2},
		{Model: "particles", Potential: "doublewell", Scheme: quench.SchemeLM, N: 7, D: 1, K: 0.3, T: 2, Dt: 0.1, Gamma: 1, Mass: 1},
		{Model: "particles", Potential: "doublewell", Scheme: quench.SchemeEM, N: 1000, D: 2, K: 5, T: 0.2, Dt: 0.01, Gamma: 1, Mass: 1},
	} {
		const m = 200000
		var z, x2 float64
		for i := 0; i <= m; i++ {
			x := -4 + 8*float64(i)/m
			w := 2.0 // Simpson: 1, 4, 2, 4, ..., 4, 1
			if i == 0 || i == m {
				w = 1
			} else if i%2 == 1 {
				w = 4
			}
			u := (x*x - 1) * (x*x - 1)
			e := w * math.Exp(-c.K*u/c.T)
			z += e
			x2 += e * x * x
		}
		n := float64(c.N * int64(c.D))
		f := (n - 1) / n
		x := c.exactValues(nil)
		want := 3
		if c.Scheme == quench.SchemeBAOAB {
			want = 6
			if math.Abs(x["v_var"]-f*c.T/c.Mass) > 1e-15 || math.Abs(x["v2"]-c.T/c.Mass) > 1e-15 || x["v_mean"] != 0 {
				t.Errorf("%+v: v_mean %v, v_var %v, v2 %v; want 0, %v, %v", c, x["v_mean"], x["v_var"], x["v2"], f*c.T/c.Mass, c.T/c.Mass)
			}
		}
		if len(x) != want || x["x_mean"] != 0 || math.Abs(x["x_var"]/(f*x2/z)-1) > 1e-10 || math.Abs(x["x2"]/(x2/z)-1) > 1e-10 {
			t.Errorf("%+v: exact %v, want x_var %.15g, x2 %.15g", c, x, f*x2/z, x2/z)
		}
		for _, mod := range []func(*Config){func(c *Config) { c.T = 0 }, func(c *Config) { c.K = 0 }} {
			d := c
			mod(&d)
			if x := d.exactValues(nil); x != nil {
				t.Errorf("%+v: exact %v", d, x)
			}
		}
	}
}

// A cold 2D Ising run (T = 0.005, K = 200; an antiferromagnet at 0.004)
// and a hot one (T = 1e200) report their lattice's exact energy and
// specific heat and can write summary.json: IsingExact2D's NaN at these
// K made the JSON encoder refuse the summary, and the run ended without
// its outputs.
func TestIsingExactExtremeTemperatures(t *testing.T) {
	for _, c := range []struct{ j, temp, u, ch float64 }{{1, 0.005, -2, 0}, {-1, 0.004, -2, 0}, {1, 1e100, -2e-100, 2e-200}} {
		cfg := Config{Model: "ising2d", Shape: []int{8, 6}, J: c.j, T: c.temp, Algo: "heatbath", Sweeps: 20, Therm: 0, Every: 1, Seed: 3, Start: "cold"}
		sum := summaryOf(t, cfg)
		if _, err := json.Marshal(sum); err != nil {
			t.Errorf("J=%v T=%v: summary.json: %v", c.j, c.temp, err)
		}
		if e, ok := sum.Exact["energy"]; !ok || math.Abs(e-c.u) > 1e-12*math.Abs(c.u) || sum.Exact["specific_heat"] != c.ch {
			t.Errorf("J=%v T=%v: exact %v; want energy %v, specific_heat %v", c.j, c.temp, sum.Exact, c.u, c.ch)
		}
	}
}

// kmpExact's law, uniform masses on the simplex of the total, against
// direct samples of it (independent exponentials scaled to the total):
// the snapshot averages of mass_var, mass_corr1 (along the last axis) and
// mass_max over 200000 samples, within 4 of their standard errors.
func TestKMPExactLaw(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, shape := range [][]int{{16}, {4, 3}, {2, 2}, {5, 1}} {
		c := &Config{Model: "kmp", Shape: shape}
		n := c.Lattice().Sites()
		const mean, samples = 1.5, 200000
		x := c.kmpExact(map[string]stats.Estimate{"mass_mean": {Mean: mean}})
		last := shape[len(shape)-1]
		m := make([]float64, n)
		var sum, sum2 [3]float64
		for range samples {
			var tot float64
			for i := range m {
				m[i] = rng.ExpFloat64()
				tot += m[i]
			}
			var v, corr, top float64
			for i := range m {
				m[i] *= mean * float64(n) / tot
				v += (m[i] - mean) * (m[i] - mean)
				top = max(top, m[i])
			}
			for i := range m {
				next := i + 1 // along the last axis, periodic
				if (i+1)%last == 0 {
					next -= last
				}
				corr += m[i] * m[next]
			}
			obs := [3]float64{v / float64(n), corr/float64(n) - mean*mean, top}
			for k, o := range obs {
				sum[k] += o
				sum2[k] += o * o
			}
		}
		for k, name := range []string{"mass_var", "mass_corr1", "mass_max"} {
			avg := sum[k] / samples
			se := math.Sqrt((sum2[k]/samples - avg*avg) / samples)
			if math.Abs(avg-x[name]) > 4*se {
				t.Errorf("%v %s: exact %.6g, samples %.6g +- %.2g", shape, name, x[name], avg, se)
			}
		}
	}
}

// harmonicNumber's series above 2^20 against the sum, across the switch.
func TestHarmonicNumber(t *testing.T) {
	var h float64
	for k := int64(1<<20 + 3); k >= 1; k-- {
		h += 1 / float64(k)
	}
	if got := harmonicNumber(1<<20 + 3); math.Abs(got-h) > 4e-15*h {
		t.Errorf("H(2^20+3) = %.17g from the series, %.17g summed", got, h)
	}
	if got := harmonicNumber(4); math.Abs(got-25.0/12) > 1e-15 {
		t.Errorf("H(4) = %v", got)
	}
}

// kmpExact gives no values where the fixed point's rounding is not
// negligible (its relative shift of mass_corr1, (N+1)/(4 u^2), above
// 2^-23), and exact_missing says why: at 4 units a site (--mass0 1e-9) a
// ring of 16 measured mass_corr1 42 errors from -mean^2/(N+1) in
// 2,000,000 steps.
func TestKMPExactFixedPointBound(t *testing.T) {
	for _, c2 := range []struct {
		shape []int
		mean  float64
		want  bool
	}{
		{[]int{16}, 4 * 0x1p-32, false}, {[]int{16}, 1e-9, false}, {[]int{16}, 0x1p-17, true}, {[]int{16}, 0x1p-16, true}, {[]int{16}, 1, true},
		// (N+1)/(4 u^2) at 2^-23: u = 5970.9 units on 16 sites
		{[]int{16}, 5970 * 0x1p-32, false}, {[]int{16}, 5971 * 0x1p-32, true},
		// an audit's ring of 64 at --mass0 1e-5 (shift 9e-9)
		{[]int{64}, 1e-5, true},
		// 16384^2 at 2^-16 (shift 1.6%), and at 1
		{[]int{16384, 16384}, 0x1p-16, false}, {[]int{16384, 16384}, 1, true},
		{[]int{16}, 0, false},
	} {
		c := &Config{Model: "kmp", Shape: c2.shape}
		x := c.kmpExact(map[string]stats.Estimate{"mass_mean": {Mean: c2.mean}})
		if (x != nil) != c2.want {
			t.Errorf("%v mean %g: exact values %v, want some: %v", c2.shape, c2.mean, x, c2.want)
		}
		if miss := c.exactMissing(map[string]stats.Estimate{"mass_mean": {Mean: c2.mean}}); (miss == "") != c2.want {
			t.Errorf("%v mean %g: exact_missing %q", c2.shape, c2.mean, miss)
		}
	}
}

// Metropolis on the 2D lattices of up to 12 sites (2x2, 2x4, 4x2, 2x6,
// 6x2) is refused where a spin in zero field flips with certainty (h = 0,
// or a field whose weight rounds to 1), and nowhere else: heat bath, a
// field, the 2x2x2 cube (no zero-field state), 4x4 and 2x8 (blinking
// states of 5.5e-4 and 6e-5 of the weight at most) run.
func TestMetropolisBlinkingRefusal(t *testing.T) {
	for _, c := range []struct {
		model, algo string
		shape       []int
		h           float64
		refused     bool
	}{
		{"ising2d", "metropolis", []int{2, 2}, 0, true},
		{"ising2d", "metropolis", []int{2, 2}, 1e-17, true},
		{"ising2d", "metropolis", []int{2, 2}, 0.1, false},
		{"ising2d", "heatbath", []int{2, 2}, 0, false},
		{"ising2d", "metropolis", []int{2, 4}, 0, true},
		{"ising2d", "metropolis", []int{4, 2}, 1e-17, true},
		{"ising2d", "metropolis", []int{2, 6}, 0, true},
		{"ising2d", "metropolis", []int{6, 2}, 0, true},
		{"ising2d", "metropolis", []int{2, 4}, 0.1, false},
		{"ising2d", "metropolis", []int{2, 2}, -0.1, false}, // a field of either sign
		{"ising2d", "metropolis", []int{2, 4}, -1e-17, true},
		{"ising2d", "heatbath", []int{2, 6}, 0, false},
		{"ising2d", "metropolis", []int{4, 4}, 0, false},
		{"ising2d", "metropolis", []int{2, 8}, 0, false},
		{"ising3d", "metropolis", []int{2, 2, 2}, 0, false},
	} {
		cfg := Config{Model: c.model, Shape: c.shape, Algo: c.algo, J: 1, H: c.h, T: 1.7, Sweeps: 100000, Every: 1, Seed: 1, Start: "hot"}
		err := cfg.Validate()
		if (err != nil && strings.Contains(err.Error(), "is not ergodic: ")) != c.refused || !c.refused && err != nil {
			t.Errorf("%s %s %v h=%v: %v, want refused %v", c.model, c.algo, c.shape, c.h, err, c.refused)
		}
	}
}

// A weak field joins Metropolis's closed classes of h = 0 on the small 2D
// lattices only through a spin in zero field that stays against it
// (probability q = 1 - exp(-2 beta |h|) a sweep): a run with fewer than
// blinkingMinCrossings expected is refused, naming the least field (and
// the sweeps) that would do, which then pass; heat bath, and lattices
// without blinking states, are not held to it.
func TestMetropolisWeakFieldRefusal(t *testing.T) {
	const T = 1.7
	for _, c := range []struct {
		shape   []int
		algo    string
		h       float64
		sweeps  int64
		refused bool
	}{
		{[]int{2, 2}, "metropolis", 1e-6, 100000, true},  // q 1.2e-6: never crossed (energy -1.93024(12), exact -1.8968)
		{[]int{2, 2}, "metropolis", 1e-3, 100000, true},  // 118 crossings: -1.9154(63)
		{[]int{2, 2}, "metropolis", 1e-2, 100000, false}, // 1170: agreed
		{[]int{2, 2}, "metropolis", 1e-2, 50000, true},
		{[]int{4, 2}, "metropolis", -1e-3, 100000, true}, // either sign
		{[]int{2, 6}, "metropolis", 0.05, 1000, true},    // 56 crossings
		{[]int{2, 2}, "metropolis", 1e-2, 500, true},     // no field would do in 500 sweeps
		{[]int{2, 2}, "metropolis", 1e-2, 1001, true},    // the field that would do, 4.4, is no weak one
		{[]int{2, 2}, "metropolis", -1e-2, -5, false},    // (refused for its --sweeps)
		{[]int{2, 2}, "metropolis", 1e-6, 0, false},
		{[]int{2, 2}, "heatbath", 1e-6, 100, false},
		{[]int{4, 4}, "metropolis", 1e-6, 100, false}, // larger: blinking states too few to matter
		{[]int{2, 8}, "metropolis", 1e-6, 100, false},
	} {
		cfg := Config{Model: "ising2d", Shape: c.shape, Algo: c.algo, J: 1, H: c.h, T: T, Sweeps: c.sweeps, Every: 1, Seed: 1, Start: "hot"}
		err := cfg.Validate()
		if c.sweeps < 1 {
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("--sweeps %d is not allowed", c.sweeps)) {
				t.Errorf("%v h=%v %d sweeps: %v, want the --sweeps refusal", c.shape, c.h, c.sweeps, err)
			}
			continue
		}
		// a saved run (a checkpoint, which a resume may extend) is not held to it
		saved := Config{Model: "ising2d", Shape: c.shape, Algo: c.algo, J: 1, H: c.h, T: T, Sweeps: c.sweeps, Every: 1, Seed: 1, Start: "hot"}
		if err := saved.ValidateSaved(); err != nil {
			t.Errorf("%v h=%v %d sweeps, saved: %v", c.shape, c.h, c.sweeps, err)
		}
		if refused := err != nil && strings.Contains(err.Error(), "mixes too slowly"); refused != c.refused || !c.refused && err != nil {
			t.Errorf("%v %s h=%v %d sweeps: %v, want refused %v", c.shape, c.algo, c.h, c.sweeps, err, c.refused)
			continue
		}
		if !c.refused {
			continue
		}
		msg := err.Error()
		// q of the kernel's thresholds (2^-32 steps), near 1 - exp(-2 beta |h|)
		tab, _ := quench.NewIsingTable(2, cfg.IsingParams())
		q := zeroFieldStay(tab)
		if exp := -math.Expm1(-2 * math.Abs(c.h) / T); math.Abs(q-exp) > 0x1p-31 {
			t.Errorf("%v h=%v: q %g, want 1 - exp(-2 beta |h|) = %g", c.shape, c.h, q, exp)
		}
		// the sweeps it names pass
		var need float64
		if i := strings.Index(msg, ", or --sweeps "); i < 0 {
			t.Fatalf("%v h=%v: no --sweeps in %q", c.shape, c.h, msg)
		} else if _, e := fmt.Sscanf(msg[i+len(", or --sweeps "):], "%g", &need); e != nil {
			t.Fatalf("%v h=%v: no --sweeps in %q", c.shape, c.h, msg)
		}
		if need != math.Ceil(blinkingMinCrossings/q) {
			t.Errorf("%v h=%v: names --sweeps %g, want about %g", c.shape, c.h, need, blinkingMinCrossings/q)
		}
		more := cfg
		more.Sweeps = int64(need)
		if err := more.Validate(); err != nil {
			t.Errorf("%v h=%v with the --sweeps %d it names: %v", c.shape, c.h, more.Sweeps, err)
		}
		// and so does the field it names, where one would do and is weak
		// (below |J|)
		i := strings.Index(msg, "a field |h| of at least ")
		want := c.sweeps > blinkingMinCrossings && -math.Log1p(-blinkingMinCrossings/float64(c.sweeps))*T/2 < 0.99
		if (i >= 0) != want {
			t.Errorf("%v h=%v %d sweeps: names a field %v, want %v: %s", c.shape, c.h, c.sweeps, i >= 0, want, msg)
		}
		if i >= 0 {
			var hmin float64
			fmt.Sscanf(msg[i+len("a field |h| of at least "):], "%g", &hmin)
			stronger := cfg
			stronger.H = math.Copysign(hmin, c.h)
			if err := stronger.Validate(); err != nil {
				t.Errorf("%v h=%v with the field %g it names: %v", c.shape, c.h, hmin, err)
			}
			weaker := cfg
			weaker.H = math.Copysign(hmin*0.95, c.h)
			if err := weaker.Validate(); err == nil {
				t.Errorf("%v h=%v: a field of 0.95 times the %g it names passes", c.shape, c.h, hmin)
			}
		}
	}
}

// At J = 0 every spin is alone in the field: no closed classes to join,
// and a weak field is no reason to refuse (the 2x2 lattice at h = 0.02).
func TestWeakFieldSparesJ0(t *testing.T) {
	cfg := Config{Model: "ising2d", Shape: []int{2, 2}, Algo: "metropolis", J: 0, H: 0.02, T: 1.7, Sweeps: 100000, Every: 1, Seed: 1, Start: "hot"}
	if err := cfg.Validate(); err != nil {
		t.Error(err)
	}
}

// zeroFieldStates: on 2x2 each site's slots hold the other row's and
// the other column's spin twice, so every field is 0 where s(1,0) =
// -s(0,1) and s(1,1) = -s(0,0): 4 states; on the 2x2x2 cube a field is
// twice a sum of three spins, never 0; the others as a separate
// enumeration found them (2x4, 2x6: alternating rows or columns).
func TestZeroFieldStates(t *testing.T) {
	for _, c := range []struct {
		shape []int
		want  int
	}{{[]int{2, 2}, 4}, {[]int{2, 4}, 4}, {[]int{4, 2}, 4}, {[]int{2, 6}, 4}, {[]int{4, 4}, 36}, {[]int{2, 2, 2}, 0}, {[]int{2, 2, 4}, 16}} {
		if got := zeroFieldStates(c.shape); got != c.want {
			t.Errorf("%v: %d zero-field states, want %d", c.shape, got, c.want)
		}
	}
}

// Metropolis is refused where its most costly flip is rejected with a
// probability below 2^-20 (T above about 8e6 |J| in 2D, 1.3e7 in 3D, 2e6
// |h| at J = 0): a 16^2 lattice at T = 1e17 froze at a constant energy.
// Heat bath runs there, and Metropolis just below.
func TestMetropolisNearCertainRefusal(t *testing.T) {
	for _, c := range []struct {
		model, algo string
		j, h, temp  float64
		refused     bool
	}{
		{"ising2d", "metropolis", 1, 0, 1e17, true},
		{"ising2d", "metropolis", 1, 0, 1e7, true},
		{"ising2d", "metropolis", -1, 0, 1e7, true},
		{"ising2d", "metropolis", 1, 0, 5e6, false},
		{"ising2d", "heatbath", 1, 0, 1e17, false},
		{"ising3d", "metropolis", 1, 0, 1e7, false}, // 12 J: 1.2e-6
		{"ising3d", "metropolis", 1, 0, 2e7, true},
		{"ising2d", "metropolis", 0, 1, 1e7, true}, // 2 h: 2e-7
		{"ising2d", "metropolis", 0, 1, 1e6, false},
	} {
		shape := []int{16, 16}
		if c.model == "ising3d" {
			shape = []int{8, 8, 8}
		}
		cfg := Config{Model: c.model, Shape: shape, Algo: c.algo, J: c.j, H: c.h, T: c.temp, Sweeps: 10, Every: 1, Seed: 1, Start: "hot"}
		err := cfg.Validate()
		if (err != nil && strings.Contains(err.Error(), "rejects a flip with probability at most")) != c.refused || !c.refused && err != nil {
			t.Errorf("%s %s J=%v h=%v T=%v: %v, want refused %v", c.model, c.algo, c.j, c.h, c.temp, err, c.refused)
		}
	}
}

// The refusal is for a rejection probability below 2^-20: at exactly 2^-20
// (the 8 |J| flip's weight exp(-8/T) a threshold of 2^32 - 2^12) Metropolis
// runs, one unit of 2^-32 less and it is refused.
func TestMetropolisNearCertainBoundary(t *testing.T) {
	for _, c := range []struct {
		units   float64 // the threshold's distance below 2^32, in 2^-32
		refused bool
	}{{4096, false}, {4095, true}} {
		// a weight half a unit above the threshold's floor
		w := 1 - (c.units-0.5)*0x1p-32
		temp := 8 / -math.Log(w)
		cfg := Config{Model: "ising2d", Shape: []int{16, 16}, Algo: "metropolis", J: 1, T: temp, Sweeps: 10, Every: 1, Seed: 1, Start: "hot"}
		err := cfg.Validate()
		tab, terr := quench.NewIsingTable(2, cfg.IsingParams())
		if terr != nil || tab.MaxReject() != c.units*0x1p-32 {
			t.Fatalf("T=%v: max reject %v (%v), want %v", temp, tab.MaxReject(), terr, c.units*0x1p-32)
		}
		if refused := err != nil && strings.Contains(err.Error(), "rejects a flip with probability at most"); refused != c.refused || !c.refused && err != nil {
			t.Errorf("T=%v (max reject %v): %v, want refused %v", temp, tab.MaxReject(), err, c.refused)
		}
	}
}

// Model B from a hot start with a measured phi that is not a number (a
// field that blew up) has no exact values: none about an unknown mean.
func TestGaussianExactModelBNaN(t *testing.T) {
	c := Config{Model: "phi4", Scheme: quench.SchemeModelB, Shape: []int{8, 8}, Start: "hot", T: 1, Dt: 0.01, Gamma: 1, Mass: 1, M2: 1}
	for _, m := range []float64{math.NaN(), math.Inf(1)} {
		if x := c.gaussianExact(map[string]stats.Estimate{"phi": {Mean: m}}); x != nil {
			t.Errorf("phi %v: exact %v", m, x)
		}
	}
	if x := c.gaussianExact(map[string]stats.Estimate{"phi": {Mean: 0.1}}); x == nil {
		t.Error("phi 0.1: no exact values")
	}
}

// exactValues leaves out what is not finite (summary.json cannot hold
// it): the Gaussian field at T = 1e200 has phi2 about 1e200, phi4 = 3
// <phi^2>^2 beyond float64's range.
func TestExactValuesFinite(t *testing.T) {
	c := Config{Model: "phi4", Scheme: quench.SchemeLM, Shape: []int{4, 4}, T: 1e200, Dt: 0.01, Gamma: 1, Mass: 1, M2: 1}
	x := c.exactValues(nil)
	if _, ok := x["phi4"]; ok || !(x["phi2"] > 1e199) {
		t.Errorf("T = 1e200: exact %v, want phi2 and no phi4", x)
	}
	if _, err := json.Marshal(x); err != nil {
		t.Error(err)
	}
}

// An observable with no value (model B's Binder cumulant from a cold
// start: m is 0 throughout, 0/0) gets no unreliable_by, which says why an
// error bar of a value is not reliable.
func TestUnreliableByNeedsValue(t *testing.T) {
	sum := summaryOf(t, Config{Model: "phi4", Scheme: "modelb", Precision: "float64", Shape: []int{8, 8}, Sweeps: 300, Every: 1, Seed: 3, Start: "cold", T: 1, Dt: 0.01, Gamma: 1, Mass: 1, M2: 1, Lambda: 0})
	none := 0
	for name, v := range sum.Observables {
		if v.Mean == nil {
			none++
			if v.UnreliableBy != nil {
				t.Errorf("%s: no value, unreliable_by %v", name, v.UnreliableBy)
			}
		}
	}
	if none == 0 {
		t.Errorf("no observable without a value: %+v", sum.Observables)
	}
}

// A run of a model that reports exact values says why it has none where
// its parameters are beyond the method (exactMissing), and says nothing
// where none are known for the model at all.
func TestExactMissing(t *testing.T) {
	mean := func(m float64) map[string]stats.Estimate { return map[string]stats.Estimate{"mass_mean": {Mean: m}} }
	for _, c := range []struct {
		cfg  Config
		est  map[string]stats.Estimate
		want string // "" : no reason
	}{
		{Config{Model: "transfer", Shape: []int{64}, Fraction: 0.1}, mean(0.01), "below 2^-8"},
		{Config{Model: "transfer", Shape: []int{64}, Fraction: 0.1}, mean(1), ""},
		{Config{Model: "kmp", Shape: []int{16}}, mean(1e-8), "more than the 2^-23 kmp's exact values are held to"},
		{Config{Model: "kmp", Shape: []int{16}}, mean(1e-5), ""},
		{Config{Model: "phi4", Shape: []int{16}, Scheme: quench.SchemeLM, M2: 0, Lambda: 1e-6, T: 1, Dt: 0.01, Gamma: 1, Mass: 1}, nil, "grid of 460 points"},
		{Config{Model: "phi4", Shape: []int{16}, Scheme: quench.SchemeModelB, M2: -1, Lambda: 1, T: 1, Dt: 0.01, Gamma: 1, Mass: 1}, nil, "canonical law"},
		{Config{Model: "phi4", Shape: []int{16, 16}, Scheme: quench.SchemeLM, M2: -1, Lambda: 1, T: 1, Dt: 0.01, Gamma: 1, Mass: 1}, nil, ""},
		{Config{Model: "particles", N: 10, D: 1, Potential: "doublewell", Scheme: quench.SchemeLM, K: 1800, T: 1, Dt: 1e-4, Gamma: 1, Mass: 1}, nil, "k/T = 1800"},
		{Config{Model: "particles", N: 10, D: 1, Potential: "harmonic", Scheme: quench.SchemeLM, K: 1, T: 0, Dt: 0.1, Gamma: 1, Mass: 1}, nil, "no stationary spread"},
		{Config{Model: "particles", N: 10, D: 1, Potential: "kuramoto", Scheme: quench.SchemeLM, K: 1, T: 1, Dt: 0.1, Gamma: 1, Mass: 1}, nil, ""},
		// a spread: x_mean's 1/2 alone, so no reason is needed
		{Config{Model: "particles", N: 10, D: 1, Potential: "kuramoto", Scheme: quench.SchemeLM, K: 1, T: 1, OmegaSpread: 0.3, Dt: 0.1, Gamma: 1, Mass: 1}, nil, ""},
		{Config{Model: "particles", N: 10, D: 1, Potential: "kuramoto", Scheme: quench.SchemeLM, K: 1, T: 0, Dt: 0.1, Gamma: 1, Mass: 1}, nil, "no stationary spread"},
		{Config{Model: "ising2d", Shape: []int{8, 8}, J: 1, H: 0.1, Beta: 0.4}, nil, ""},
	} {
		x, why := c.cfg.exactValues(c.est), c.cfg.exactMissing(c.est)
		if x != nil && why != "" || c.want == "" && why != "" || c.want != "" && !strings.Contains(why, c.want) {
			t.Errorf("%s %v: exact %v, missing %q, want a reason containing %q", c.cfg.Model, c.cfg.Shape, x, why, c.want)
		}
	}
}

// freeSpinsExact (the Ising models at J = 0) against the enumeration of
// every state, in 2D and 3D, at h = 0, of either sign and strong (where
// t = tanh(beta h) nears 1); and a lattice too large to enumerate at h = 0
// against the closed forms m2 = 1/N, binder = 2/(3N).
func TestFreeSpinsExact(t *testing.T) {
	for _, c := range []struct {
		model string
		shape []int
		h     float64
	}{
		{"ising2d", []int{2, 4}, 0},
		{"ising2d", []int{4, 4}, 0.3},
		{"ising2d", []int{2, 6}, -0.7},
		{"ising3d", []int{2, 2, 2}, 0.5},
		{"ising3d", []int{2, 2, 4}, -2},
		{"ising2d", []int{2, 4}, 9},
	} {
		const beta = 0.8
		cfg := Config{Model: c.model, Shape: c.shape, J: 0, H: c.h, Beta: beta, Algo: "heatbath"}
		x := cfg.exactValues(nil)
		ex := enumerateShape(c.shape, beta, 0, c.h)
		n := float64(cfg.Lattice().Sites())
		for _, v := range []struct {
			name string
			want float64
		}{
			{"magnetization", ex.m}, {"energy", ex.u}, {"specific_heat", ex.c}, {"m2", ex.m2}, {"m4", ex.m4},
			{"susceptibility", n * beta * ex.m2}, {"binder", 1 - ex.m4/(3*ex.m2*ex.m2)},
		} {
			got, ok := x[v.name]
			if !ok || math.Abs(got-v.want) > 1e-12*max(1, math.Abs(v.want)) {
				t.Errorf("%s %v h=%v: %s %v (given %v), enumeration %v", c.model, c.shape, c.h, v.name, got, ok, v.want)
			}
		}
		if c.h == 0 && math.Signbit(x["energy"]) {
			t.Errorf("%s %v h=0: energy -0", c.model, c.shape)
		}
	}
	big := Config{Model: "ising2d", Shape: []int{1024, 1024}, Beta: 1, Algo: "heatbath"}
	x := big.exactValues(nil)
	n := float64(1 << 20)
	if x["m2"] != 1/n || math.Abs(x["binder"]-2/(3*n)) > 1e-15*2/(3*n) {
		t.Errorf("1024^2 at h = 0: m2 %v, binder %v, want %v, %v", x["m2"], x["binder"], 1/n, 2/(3*n))
	}
}

// A field too weak to change any flip probability (h = 1e-17 at T = 1.8)
// is rounded away (FieldRoundedAway): the run steps as at h = 0, so h = 0's
// exact values and the symmetry of m apply; a field that changes a
// threshold, or any field on another model, is not.
func TestFieldRoundedAway(t *testing.T) {
	for _, c := range []struct {
		model, algo string
		h, T        float64
		want        bool
	}{
		{"ising2d", "metropolis", 1e-17, 1.8, true},
		{"ising2d", "heatbath", -1e-17, 1.8, true},
		{"ising3d", "metropolis", 1e-300, 4.5, true},
		{"ising2d", "metropolis", 1e-6, 1.8, false},
		{"ising2d", "heatbath", 1e-9, 1.8, false},
		{"ising2d", "metropolis", 0, 1.8, false}, // no field at all
		{"phi4", "", 1e-17, 1, false},
	} {
		shape := []int{16, 16}
		if c.model == "ising3d" {
			shape = []int{8, 8, 8}
		}
		cfg := Config{Model: c.model, Shape: shape, J: 1, H: c.h, T: c.T, Beta: 1 / c.T, Algo: c.algo}
		if got := cfg.FieldRoundedAway(); got != c.want {
			t.Errorf("%s %s h=%v T=%v: rounded away %v, want %v", c.model, c.algo, c.h, c.T, got, c.want)
		}
		if !IsIsing(c.model) {
			continue
		}
		_, sym := cfg.SymmetryMean("magnetization")
		if sym != (c.want || c.h == 0) {
			t.Errorf("%s h=%v: m's symmetry %v, want %v", c.model, c.h, sym, c.want || c.h == 0)
		}
		if c.model == "ising2d" {
			x := cfg.exactValues(nil)
			zero := cfg
			zero.H = 0
			if c.want && x["energy"] != zero.exactValues(nil)["energy"] || !c.want && c.h != 0 && x != nil {
				t.Errorf("%s h=%v: exact %v, at h = 0 %v", c.model, c.h, x, zero.exactValues(nil))
			}
		}
	}
}

// Harmonic particles whose stationary variance lies beyond the bound the
// measurements are held to get no exact values (their distances read
// -Inf errors), and say why.
func TestHarmonicExactBeyondMeasured(t *testing.T) {
	c := Config{Model: "particles", Potential: quench.PotentialHarmonic, Scheme: quench.SchemeEM, N: 100, D: 1, K: 2.2250738585072014e-308, T: 1, Gamma: 1, Mass: 1, Dt: 0.01, Precision: "float64"}
	if x := c.harmonicExact(); x != nil {
		t.Errorf("exact values %v at T/k = 4.5e307", x)
	}
	if why := c.exactMissing(nil); !strings.Contains(why, "the stationary variance, 4.49e+307, is beyond the 1e+140 the measurements are held to") {
		t.Errorf("exact missing: %q", why)
	}
	c.K = 1e-100 // T/k 1e100: within the bound
	if x := c.harmonicExact(); x == nil || x["x2"] != 1e100 {
		t.Errorf("exact values %v at T/k = 1e100", x)
	}
}

// Metropolis from the cold start keeps to a cycle of uniform states where
// every half-sweep's flip is certain or impossible: an antiferromagnet at
// h = +-2d|J| (each site in zero field) cycles all up, Neel, all up, ...
// for ever (an audit: m = 1/3 at T = 0.5 on any lattice, heat bath
// 0.547), and is refused; fields near it (within rounding's reach) are
// left now and then (ColdCycleLeaves); frozen ground states (a
// ferromagnet, or an antiferromagnet at h = 0, at low T), other fields,
// the hot start and heat bath are not such cycles.
func TestColdCycle(t *testing.T) {
	for _, c := range []struct {
		model, algo, start string
		j, h, T            float64
		refused, near      bool
		states             string
	}{
		{"ising2d", "metropolis", "cold", -1, 4, 0.5, true, false, "all up and both Neel states for ever"},
		{"ising2d", "metropolis", "cold", -1, -4, 0.5, true, false, "all down and both Neel states for ever"},
		{"ising2d", "metropolis", "cold", -2, 8, 0.5, true, false, "all up and both Neel states for ever"},
		{"ising3d", "metropolis", "cold", -1, 6, 0.5, true, false, "all up and both Neel states for ever"},
		// left less than once in the run: as good as never (a review's
		// exact h = 4 at T = 1 read m = 0.3333)
		{"ising2d", "metropolis", "cold", -1, 4, 1, true, false, "all up and both Neel states, leaving them about 0.0"},
		{"ising2d", "metropolis", "cold", -1, 4.0000001, 0.3, true, false, "all up and both Neel states, leaving them about 0.2"},
		// the Neel state's other colour flips now and then at T = 3 on
		// 32^2: left a few times in the run's 2000 sweeps, a note
		{"ising2d", "metropolis", "cold", -2, 8, 3, false, true, "all up and both Neel states"},
		{"ising2d", "metropolis", "cold", -1, 4.1, 0.3, false, false, ""},
		{"ising2d", "metropolis", "cold", -1, 2, 0.5, false, false, ""},
		{"ising2d", "metropolis", "cold", -1, 0, 0.5, false, false, ""}, // a frozen Neel state
		{"ising2d", "metropolis", "cold", 1, 0, 0.5, false, false, ""},  // frozen all up
		{"ising2d", "metropolis", "cold", 1, -4, 0.5, false, false, ""}, // to all down, frozen
		{"ising2d", "metropolis", "hot", -1, 4, 0.5, false, false, ""},
		{"ising2d", "heatbath", "cold", -1, 4, 0.5, false, false, ""},
	} {
		cfg := Config{Model: c.model, Shape: []int{32, 32}, Algo: c.algo, J: c.j, H: c.h, T: c.T, Sweeps: 1000, Every: 1, Seed: 1, Start: c.start}
		if c.model == "ising3d" {
			cfg.Shape = []int{8, 8, 8}
		}
		err := cfg.Validate()
		if refused := err != nil && strings.Contains(err.Error(), "stays in the cold start's cycle: ") && strings.Contains(err.Error(), "cycle through "+c.states); refused != c.refused || !c.refused && err != nil {
			t.Errorf("%s %s %s J=%v h=%v T=%v: %v, want refused %v", c.model, c.algo, c.start, c.j, c.h, c.T, err, c.refused)
			continue
		}
		if c.refused {
			continue
		}
		leaves, states, near := cfg.ColdCycleLeaves()
		if near != c.near || near && (states != c.states || !(leaves >= 1 && leaves < 1000)) {
			t.Errorf("%s J=%v h=%v T=%v: leaves %v of a cycle through %s (%v)", c.model, c.j, c.h, c.T, leaves, states, near)
		}
	}
}
