package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quenchlab/quench/internal/philox"
	"gonum.org/v1/gonum/stat"
)

// gaussAR1 returns an AR(1) series x_{t+1} = a x_t + sqrt(1-a^2) g_t of unit
// variance, with known tau_int = (1+a)/(2(1-a)); Gaussian g by Box-Muller
// from Philox (math.Log etc. are fine here: this is test input, not a kernel).
func gaussAR1(n int, a float64, seed uint64) []float64 {
	k := philox.KeyFromSeed(seed)
	x := make([]float64, n)
	v := 0.0
	for i := range x {
		r := philox.Philox4x32_10(philox.Counter{uint32(i), 0, 0, 0}, k)
		u1, u2 := philox.Uniform01Open(r[0]), philox.Uniform01Open(r[1])
		g := math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
		v = a*v + math.Sqrt(1-a*a)*g
		x[i] = v
	}
	return x
}

// ar1TauExpected is what TauInt estimates for an AR(1) series of
// coefficient a and length n summed to window w, and its error: the exact
// (1+a)/(2(1-a)) less the part of the sum the window leaves out,
// a^(w+1)/(1-a), and less the bias of measuring about the sample mean,
// about (2w+1) tau/n; Sokal's error tau sqrt(2(2w+1)/n).
func ar1TauExpected(a float64, w, n int) (want, sigma float64) {
	exact := (1 + a) / (2 * (1 - a))
	want = exact - math.Pow(a, float64(w+1))/(1-a) - float64(2*w+1)*exact/float64(n)
	return want, exact * math.Sqrt(2*float64(2*w+1)/float64(n))
}

func TestTauIntAR1(t *testing.T) {
	for _, a := range []float64{0, 0.5, 0.9} {
		x := gaussAR1(200000, a, 11)
		tau, w, ok := TauInt(x)
		want, sigma := ar1TauExpected(a, w, len(x))
		if !ok || math.Abs(tau-want) > 4*sigma {
			t.Errorf("unexpected tau_int for a=%v: got %v (window %d, ok %v) want %v +- %v", a, tau, w, ok, want, sigma)
		}
		t.Logf("a=%v: tau_int %.5f, expected %.5f +- %.2g (%.2f sigma)", a, tau, want, sigma, (tau-want)/sigma)
	}
}

// An anticorrelated series (a < 0, rho(t) = a^t) has 0 < tau_int < 1/2;
// the estimate must not go negative, nor stop where Sokal's rule alone
// stops on the exact rho (the first even W >= 6 tau(W): W = 4, tau 0.41
// at a = -0.95 against the exact 0.013; W = 2, 0.25 at a = -0.5):
// windowSearch.ends keeps the tail.
func TestTauIntAnticorrelated(t *testing.T) {
	for _, a := range []float64{-0.3, -0.5, -0.74, -0.95} {
		// (at a = -0.3 the first window's tail, a^3/(1-a), is 3.6 errors)
		x := gaussAR1(200000, a, 12)
		tau, sigma, w, ok := TauIntErr(x)
		want := (1 + a) / (2 * (1 - a))
		early := 0.5 // Sokal's stop on the exact rho
		for w, p := 1, a; ; w, p = w+1, p*a {
			early += p
			if w%2 == 0 && float64(w) >= SokalC*early {
				break
			}
		}
		if !ok || !(tau > 0) || math.Abs(tau-want) > 4*sigma || a <= -0.5 && math.Abs(early-want) <= 4*sigma {
			t.Errorf("a=%v: tau_int %v +- %v (window %d, ok %v), want %v, and Sokal's rule alone's %v outside 4 errors", a, tau, sigma, w, ok, want, early)
		}
		t.Logf("a=%v: tau_int %.4f +- %.2g, exact %.4f (%+.2f errors), Sokal's rule alone %.4f (%+.1f errors)", a, tau, sigma, want, (tau-want)/sigma, early, (early-want)/sigma)
		e := Series(x)
		if !(e.Tau > 0) || !e.Reliable {
			t.Errorf("a=%v: Series tau %v reliable %v", a, e.Tau, e.Reliable)
		}
	}
}

// gaussAR2 returns an AR(2) series x_t = 2 r cos(theta) x_{t-1} -
// r^2 x_{t-2} + g_t: for 0 < r < 1 and 0 < theta < pi its rho(t) is a
// damped oscillation, r^t times a cosine of period 2 pi / theta. The first
// 5000 steps (from 0) are dropped.
func gaussAR2(n int, r, theta float64, seed uint64) []float64 {
	const burn = 5000
	k := philox.KeyFromSeed(seed)
	p1, p2 := 2*r*math.Cos(theta), -r*r
	x := make([]float64, n)
	a, b := 0.0, 0.0 // x_{t-1}, x_{t-2}
	for i := range n + burn {
		q := philox.Philox4x32_10(philox.Counter{uint32(i), 1, 0, 0}, k)
		u1, u2 := philox.Uniform01Open(q[0]), philox.Uniform01Open(q[1])
		g := math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
		a, b = p1*a+p2*b+g, a
		if i >= burn {
			x[i-burn] = a
		}
	}
	return x
}

// ar2Tau is the exact tau_int of gaussAR2's series, S(0) / (2 C(0)) with
// the spectral density S(0) = 1/(1 - p1 - p2)^2 and the variance C(0) =
// (1 - p2) / ((1 + p2) ((1 - p2)^2 - p1^2)); and its rho(t), t < lags, by
// the recursion rho(t) = p1 rho(t-1) + p2 rho(t-2), rho(1) = p1/(1 - p2).
func ar2Tau(r, theta float64, lags int) (tau float64, rho []float64) {
	p1, p2 := 2*r*math.Cos(theta), -r*r
	c0 := (1 - p2) / ((1 + p2) * ((1-p2)*(1-p2) - p1*p1))
	rho = make([]float64, lags)
	rho[0], rho[1] = 1, p1/(1-p2)
	for t := 2; t < lags; t++ {
		rho[t] = p1*rho[t-1] + p2*rho[t-2]
	}
	return 1 / ((1 - p1 - p2) * (1 - p1 - p2)) / (2 * c0), rho
}

// A damped oscillation's tau(W) is many times its limit on the way down
// from rho(0) = 1, and Sokal's window, W >= 6 tau(W), ended there (period
// 60 and r = 0.99, like an underdamped particle's position: W = 34, tau
// 3.97 against the exact 1.81): a rho(t) significantly below 0 makes the
// window span SokalC times the reach of the |rho(t)| (windowSearch.ends).
func TestTauIntOscillating(t *testing.T) {
	for i, c := range []struct{ r, theta float64 }{
		{0.99, 2 * math.Pi / 60}, {0.95, math.Pi / 4}, {0.9, math.Pi / 2}, {0.8, 2 * math.Pi / 3}, {0.999, 2 * math.Pi / 200},
	} {
		x := gaussAR2(200000, c.r, c.theta, uint64(40+i))
		tau, sigma, w, ok := TauIntErr(x)
		want, rho := ar2Tau(c.r, c.theta, len(x)/4)
		early, ew := 0.5, 0 // Sokal's rule alone on the exact rho
		for ew < 2 || ew%2 != 0 || early <= 0 || float64(ew) < SokalC*early {
			ew++
			early += rho[ew]
		}
		if !ok || math.Abs(tau-want) > 4*sigma || math.Abs(early-want) <= 4*sigma {
			t.Errorf("r=%v theta=%.4g: tau_int %v +- %v (window %d, ok %v), want %v, and Sokal's rule alone's %v outside 4 errors", c.r, c.theta, tau, sigma, w, ok, want, early)
		}
		t.Logf("r=%v period %.3g: tau_int %.4f +- %.2g (window %d), exact %.4f (%+.2f errors), Sokal's rule alone %.4f at W = %d (%+.1f errors)", c.r, 2*math.Pi/c.theta, tau, sigma, w, want, (tau-want)/sigma, early, ew, (early-want)/sigma)
	}
}

// A damped oscillation slower than the series finds no window, and says
// how many samples one needs (more than it has); with that many and more,
// it finds one. A telescoping series (differences of white noise: tau_int
// 0), whose window fails on a partial sum at 0 or below, needs none: no
// longer run mends it. A derived value takes an input's need.
func TestWindowNeeds(t *testing.T) {
	theta := 2 * math.Pi / 60
	short := gaussAR2(3000, 0.998, theta, 50)
	e := Series(short)
	reach := 0.5 // of the lags tried, a quarter of the series
	for _, r := range autocorrelation(short, 750)[1:] {
		reach += math.Abs(r)
	}
	if e.Reliable || !math.IsNaN(e.Tau) || e.WindowNeeds != 4*SokalC*reach || !(e.WindowNeeds > 3000) {
		t.Fatalf("short oscillation: %+v, want tau NaN and needs 24 times the reach %v", e, reach)
	}
	long := gaussAR2(int(20*e.WindowNeeds), 0.998, theta, 51)
	exact, _ := ar2Tau(0.998, theta, 2)
	l := Series(long)
	if l.WindowNeeds != 0 || !(math.Abs(l.Tau-exact) <= 4*l.TauErr) {
		t.Errorf("oscillation of 20 times the need: %+v, exact tau_int %v", l, exact)
	}
	t.Logf("period 60, decay over 500 lags: 3000 samples need %.0f; %d samples: tau_int %.3g +- %.2g, exact %.3g", e.WindowNeeds, len(long), l.Tau, l.TauErr, exact)
	white := gaussAR1(3001, 0, 52)
	diff := make([]float64, 3000)
	for i := range diff {
		diff[i] = white[i+1] - white[i]
	}
	if tau, _, ok := TauInt(diff); ok && tau > 0.05 || Series(diff).WindowNeeds != 0 {
		t.Errorf("telescoping: tau %v ok %v, needs %v", tau, ok, Series(diff).WindowNeeds)
	}
	// a derived value: its own (its projection's) need, and its inputs'
	d := Derived([][]float64{short, gaussAR1(3000, 0, 53)}, func(m []float64) float64 { return m[1] + 1e-3*m[0] })
	if d.InputWindowNeeds != e.WindowNeeds || d.WindowNeeds != 0 || d.Reliable {
		t.Errorf("derived mostly of white noise: needs %v, its inputs' %v, want 0 and %v (reliable %v)", d.WindowNeeds, d.InputWindowNeeds, e.WindowNeeds, d.Reliable)
	}
	if d := Derived([][]float64{short}, func(m []float64) float64 { return 2 * m[0] }); d.WindowNeeds != e.WindowNeeds || d.InputWindowNeeds != e.WindowNeeds || !math.IsNaN(d.Tau) {
		t.Errorf("derived 2x: needs %v, inputs' %v, tau %v; want %v", d.WindowNeeds, d.InputWindowNeeds, d.Tau, e.WindowNeeds)
	}
}

func TestSeriesErrorMatchesTau(t *testing.T) {
	// Error of the mean of an AR(1) series: sqrt(2 tau / n) for unit variance.
	a := 0.8
	n := 500000
	e := Series(gaussAR1(n, a, 5))
	tau := (1 + a) / (2 * (1 - a))
	want := math.Sqrt(2 * tau / float64(n))
	// 50 bins: the error estimate itself has relative error ~ 1/sqrt(2*49) = 10%.
	if math.Abs(e.Err-want) > 4*0.1*want {
		t.Errorf("unexpected binning error: got %v want %v", e.Err, want)
	}
	if math.Abs(e.Mean) > 4*want {
		t.Errorf("mean %v is more than 4 sigma from 0", e.Mean)
	}
	if !e.Reliable {
		t.Errorf("estimate of a long series marked unreliable: %+v", e)
	}
}

func TestJackknifeLinearEqualsBinning(t *testing.T) {
	x := gaussAR1(10000, 0.3, 2)
	b := Bin(x, 50)
	m, e := MeanErr(b)
	jm, je := Jackknife([][]float64{b}, func(v []float64) float64 { return v[0] })
	if math.Abs(jm-m) > 1e-12 || math.Abs(je-e) > 1e-12 {
		t.Errorf("jackknife of the identity: got %v +- %v want %v +- %v", jm, je, m, e)
	}
}

func TestDerivedVariance(t *testing.T) {
	// f = <x^2> - <x>^2 of unit-variance white noise is 1.
	x := gaussAR1(100000, 0, 3)
	x2 := make([]float64, len(x))
	for i, v := range x {
		x2[i] = v * v
	}
	e := Derived([][]float64{x, x2}, func(m []float64) float64 { return m[1] - m[0]*m[0] })
	if math.Abs(e.Mean-1) > 4*e.Err || e.Err <= 0 || e.Err > 0.02 {
		t.Errorf("unexpected variance estimate: %+v", e)
	}
	// white noise: tau_int 1/2 within Sokal's error at the window of the
	// linearized series x^2 - 2<x> x (what Derived sums)
	mx := 0.0
	for _, v := range x {
		mx += v / float64(len(x))
	}
	g := make([]float64, len(x))
	for i := range x {
		g[i] = x2[i] - 2*mx*x[i]
	}
	_, w, _ := TauInt(g)
	if sigma := 0.5 * math.Sqrt(2*float64(2*w+1)/float64(len(x))); math.Abs(e.Tau-0.5) > 4*sigma {
		t.Errorf("unexpected tau of the derived series: %v want 0.5 +- %.2g (window %d)", e.Tau, sigma, w)
	}
}

func TestBinDropsOldest(t *testing.T) {
	b := Bin([]float64{100, 1, 2, 3, 4}, 2)
	if len(b) != 2 || b[0] != 1.5 || b[1] != 3.5 {
		t.Errorf("unexpected bins: %v", b)
	}
}

// directRho returns rho(0..lags-1) by direct summation, with the same
// normalization as Autocorrelation.
func directRho(x []float64, lags int) []float64 {
	rho := make([]float64, lags)
	d, c0 := deviations(x)
	if c0 <= 0 {
		rho[0] = 1
		return rho
	}
	for t := range rho {
		rho[t] = lagCov(d, t) / c0
	}
	return rho
}

func TestDirectRhoMatchesFFT(t *testing.T) {
	x := gaussAR1(5000, 0.7, 9)
	d, f := directRho(x, 40), Autocorrelation(x)
	for i := range d {
		if math.Abs(d[i]-f[i]) > 1e-9 {
			t.Fatalf("unexpected rho(%d): direct %v fft %v", i, d[i], f[i])
		}
	}
	// a slow series needs the FFT path and still finds its window
	x = gaussAR1(400000, 0.99, 4)
	tau, w, ok := TauInt(x)
	want, sigma := ar1TauExpected(0.99, w, len(x))
	t.Logf("a=0.99: tau_int %.4f (window %d), expected %.4f +- %.2g (%.2f sigma)", tau, w, want, sigma, (tau-want)/sigma)
	if !ok || w < directLags || math.Abs(tau-want) > 4*sigma {
		t.Errorf("unexpected tau_int for a=0.99: got %v (window %d, ok %v) want %v +- %v", tau, w, ok, want, sigma)
	}
}

// A constant series (a conserved quantity) is exact and uncorrelated: its
// mean's rounding must not look like a drift with a huge tau_int.
func TestSeriesConstant(t *testing.T) {
	x := make([]float64, 1000)
	for i := range x {
		x[i] = 0.1 // 1000 * 0.1 / 1000 is not 0.1 in floating point
	}
	if e := Series(x); e.Mean != 0.1 || e.Err != 0 || e.Tau != 0.5 || !e.Reliable || !e.Constant {
		t.Errorf("constant series: %+v", e)
	}
	if tau, _, ok := TauInt(x); tau != 0.5 || !ok {
		t.Errorf("constant series: tau_int %v ok %v", tau, ok)
	}
	// Derived of constants: exactly f of them, reliable as a constant
	// series is (100 samples or more), 0/0 not
	prod := func(m []float64) float64 { return m[0] * m[1] / 3 }
	if e := Derived([][]float64{x, x}, prod); e.Mean != prod([]float64{0.1, 0.1}) || e.Tau != 0.5 || e.Err != 0 || !e.Reliable {
		t.Errorf("derived from constants: %+v", e)
	}
	// one sample that differs: not constant, nor f of it
	y := slices.Clone(x)
	y[500] = 0.2
	if e := Series(y); e.Constant || e.Err == 0 {
		t.Errorf("a series with one sample apart: %+v", e)
	}
	if e := Derived([][]float64{x, y}, prod); e.Constant || e.Err == 0 {
		t.Errorf("derived from a constant and a series with one sample apart: %+v", e)
	}
	if e := Derived([][]float64{x[:99]}, func(m []float64) float64 { return m[0] }); e.Reliable {
		t.Errorf("derived from 99 constants: %+v reliable", e)
	}
	if e := Derived([][]float64{make([]float64, 200)}, func(m []float64) float64 { return m[0] / m[0] }); e.Reliable || !math.IsNaN(e.Mean) {
		t.Errorf("derived 0/0 from constants: %+v", e)
	}
	if e := Series(x[:99]); e.Reliable {
		t.Errorf("99 constants: %+v reliable", e)
	}
	// 50 samples make 50 bins of one (Bins): never reliable, however
	// short tau_int (a P(h) of 50 snapshots at tau_int 0.03 was)
	if reliableBins(50, Bins(50), 0.01) || reliableBins(99, Bins(99), 0.01) || !reliableBins(100, Bins(100), 0.01) {
		t.Errorf("reliableBins at 50, 99, 100 samples, tau_int 0.01: %v %v %v", reliableBins(50, Bins(50), 0.01), reliableBins(99, Bins(99), 0.01), reliableBins(100, Bins(100), 0.01))
	}
}

// A series constant where its bins lie, whose differing samples are among
// the len % DefaultBins oldest the bins leave out, is Constant as binned
// (the caller then marks a quantity the dynamics could change frozen),
// with that value and error 0, as Series and as Derived; a differing
// sample the bins hold is not.
func TestSeriesConstantAsBinned(t *testing.T) {
	x := make([]float64, 2001)
	for i := range x {
		x[i] = -2
	}
	x[0] = -1.9
	if e := Series(x); e.Mean != -2 || e.Err != 0 || !e.Constant || !e.Reliable {
		t.Errorf("constant but its first, dropped sample: %+v", e)
	}
	variance := func(m []float64) float64 { return m[1] - m[0]*m[0] }
	x2 := make([]float64, len(x))
	for i, v := range x {
		x2[i] = v * v
	}
	if e := Derived([][]float64{x, x2}, variance); e.Mean != 0 || e.Err != 0 || !e.Constant {
		t.Errorf("derived, constant but its first, dropped samples: %+v", e)
	}
	x[0], x[1] = -2, -1.9 // the first binned sample
	if e := Series(x); e.Constant || e.Err == 0 {
		t.Errorf("a binned sample apart: %+v", e)
	}
}

// Small fluctuations about a large mean: the bins' sums are taken about
// the first binned sample, so noise of 1e-6 on 1e8 (whose sums over 1e6
// samples had rounded the error bar to 0) gives the error the same noise
// gives about 0, within the rounding of the samples themselves (ulp(1e8)
// = 1.5e-8, 1.5% of the noise). Derived's jackknife evaluates f at
// leave-one-out means that differ by less than f's ulp there: it takes
// the linearized error instead (the identity's, the series'; a square's,
// 2e8 times it).
func TestSeriesLargeMean(t *testing.T) {
	n := 1000000
	z := gaussAR1(n, 0, 77)
	x := make([]float64, n)
	for i, v := range z {
		x[i] = 1e8 + 1e-6*v
	}
	near := Series(z)
	far := Series(x)
	if !(math.Abs(far.Err/(1e-6*near.Err)-1) < 0.02) || math.Abs(far.Mean-1e8) > 1e-8 {
		t.Errorf("1e8 + 1e-6 noise: %+v; the noise alone, times 1e-6: error %v", far, 1e-6*near.Err)
	}
	// (not about a sample near float64's limit, where the deviations
	// from it could overflow: +-1e308 alternating still has mean 0)
	huge := make([]float64, 1000)
	for i := range huge {
		huge[i] = 1e308 * float64(1-2*(i%2))
	}
	if e := Series(huge); e.Mean != 0 {
		t.Errorf("+-1e308: %+v", e)
	}
	id := func(m []float64) float64 { return m[0] }
	sq := func(m []float64) float64 { return m[0] * m[0] }
	for _, m := range []int{1000, n} {
		d, s := Derived([][]float64{x[:m]}, id), Series(x[:m])
		if !(math.Abs(d.Err/s.Err-1) < 0.05) {
			t.Errorf("n=%d: derived identity error %v, series %v", m, d.Err, s.Err)
		}
		if d := Derived([][]float64{x[:m]}, sq); !(math.Abs(d.Err/(2e8*s.Err)-1) < 0.05) {
			t.Errorf("n=%d: derived square error %v, want 2e8 times %v", m, d.Err, s.Err)
		}
	}
}

// The lazily computed direct lags give exactly the window, the search's
// state and the rho(t), t >= 1, of the full direct autocorrelation (its
// rho(0), lagCov(d, 0)/C(0), can be an ulp off 1 where multiply-adds fuse,
// GOAMD64=v3: make fma).
func TestSokalDirectExact(t *testing.T) {
	for i, a := range []float64{-0.8, 0, 0.5, 0.9, 0.99} {
		for _, n := range []int{40, 20000} {
			x := gaussAR1(n, a, uint64(20+i))
			lags := min(directLags, n/4)
			w1, s1, r1, ok1 := sokalDirect(x, lags)
			r2 := directRho(x, lags)
			w2, s2, ok2 := sokal(r2, n)
			if w1 != w2 || s1 != s2 || ok1 != ok2 || !slices.Equal(r1[1:], r2[1:len(r1)]) {
				t.Errorf("a=%v n=%d: lazy (%d, %+v, %v), full (%d, %+v, %v), rho equal %v", a, n, w1, s1, ok1, w2, s2, ok2, slices.Equal(r1[1:], r2[1:len(r1)]))
			}
		}
	}
}

// A window whose partial sum tau(W) is 0 or negative satisfies W >= c tau
// for any W; it must not be taken (a period-3 series 1, 1, -2 has
// tau(2) = -1/2). Short white-noise series must not come out reliable.
func TestTauIntNoNegativeWindow(t *testing.T) {
	x := make([]float64, 300)
	for i := range x {
		x[i] = []float64{1, 1, -2}[i%3]
	}
	if tau, w, ok := TauInt(x); ok && !(tau > 0) {
		t.Errorf("period-3 series: tau_int %v at window %d accepted", tau, w)
	}
	for n := 5; n < 2*DefaultBins; n += 7 {
		for seed := uint64(0); seed < 200; seed++ {
			x := gaussAR1(n, 0, 1000+seed)
			if tau, w, ok := TauInt(x); ok && !(tau > 0) || tau <= 0 {
				t.Fatalf("n=%d seed %d: tau_int %v at window %d (ok %v): want it positive or NaN", n, seed, tau, w, ok)
			}
			// fewer than 2 DefaultBins samples: bins of one sample each
			if e := Series(x); e.Reliable {
				t.Fatalf("n=%d seed %d: %+v reliable from bins of single samples", n, seed, e)
			}
		}
	}
}

// NaN or an infinity anywhere in a series (an overflowed measurement)
// gives an estimate that is not reliable, with no error bar.
func TestSeriesNonFinite(t *testing.T) {
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		x := gaussAR1(1000, 0.5, 3)
		x[500] = bad
		if e := Series(x); e.Reliable || !math.IsNaN(e.Err) || !math.IsNaN(e.Tau) {
			t.Errorf("series with %v: %+v", bad, e)
		}
		if _, _, ok := TauInt(x); ok {
			t.Errorf("series with %v: tau_int ok", bad)
		}
		if e := Derived([][]float64{x}, func(m []float64) float64 { return 2 * m[0] }); e.Reliable || !math.IsNaN(e.Mean) {
			t.Errorf("derived from a series with %v: %+v", bad, e)
		}
		c := make([]float64, 1000)
		for i := range c {
			c[i] = bad
		}
		if e := Series(c); e.Reliable || !math.IsNaN(e.Err) {
			t.Errorf("constant series of %v: %+v", bad, e)
		}
	}
	// a finite series whose derived value is not (0/0)
	zero := make([]float64, 1000)
	if e := Derived([][]float64{zero}, func(m []float64) float64 { return m[0] / m[0] }); e.Reliable {
		t.Errorf("derived 0/0: %+v reliable", e)
	}
}

// The gradient behind Derived's tau_int must see a series whose mean is
// far below f's other terms: f = <A> + 1e3 <B> with A ~ 1e12 (white, tiny
// noise) and B a correlated series of mean ~0, which carries the
// fluctuations of f. A step relative to B's mean (about 1e-11) is lost in
// the rounding of 1e12, and tau_int came out as A's, 1/2.
func TestDerivedGradientSmallMean(t *testing.T) {
	const n, a = 100000, 0.9
	A, B := gaussAR1(n, 0, 30), gaussAR1(n, a, 31)
	for i := range A {
		A[i] = 1e12 + 0.01*A[i]
		B[i] *= 1e-3
	}
	e := Derived([][]float64{A, B}, func(m []float64) float64 { return m[0] + 1e3*m[1] })
	// f's fluctuations are B's (A's white part adds 1e-4 of the variance):
	// tau_int is B's AR(1) value within Sokal's error, at B's window
	_, w, _ := TauInt(B)
	want, sigma := ar1TauExpected(a, w, n)
	if math.Abs(e.Tau-want) > 4*sigma {
		t.Errorf("tau_int of <A> + 1e3 <B>: %v, want %v +- %.2g (B's)", e.Tau, want, sigma)
	}
}

// A single sample has no spread: f of it exactly, but no error bar and no
// tau_int (NaN, shown as "-"), not an error of 0 that reads as exact.
func TestDerivedOneSample(t *testing.T) {
	if e := Derived([][]float64{{2}}, func(m []float64) float64 { return m[0] }); e.Mean != 2 || !math.IsNaN(e.Err) || !math.IsNaN(e.Tau) || e.Reliable {
		t.Errorf("derived of one sample: %+v", e)
	}
	if e := Series([]float64{2}); e.Mean != 2 || !math.IsNaN(e.Err) || !math.IsNaN(e.Tau) || e.Reliable {
		t.Errorf("series of one sample: %+v", e)
	}
}

// TauInt of a series too short for any window (the first, W = 2, needs
// 12 samples) is no estimate: NaN, not the 1/2 of no lags; a constant
// series is uncorrelated at any length.
func TestTauIntTooShort(t *testing.T) {
	for n := 2; n < 12; n++ {
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(i % 3)
		}
		if tau, _, ok := TauInt(x); !math.IsNaN(tau) || ok {
			t.Errorf("n=%d: tau %v ok %v, want NaN and false", n, tau, ok)
		}
		if e := Series(x); !math.IsNaN(e.Tau) || e.Reliable || math.IsNaN(e.Err) {
			t.Errorf("n=%d: series %+v, want an error bar without tau_int", n, e)
		}
	}
	if tau, _, ok := TauInt([]float64{3, 3, 3}); tau != 0.5 || !ok {
		t.Errorf("constant: tau %v ok %v", tau, ok)
	}
	// the estimates of short series say no tau_int, constant ones too,
	// and a derived value of 2 samples no error bar: the jackknife of a
	// variance over 2 single-sample bins had given rounding (1e-15)
	variance := func(m []float64) float64 { return m[1] - m[0]*m[0] }
	for n := 2; n < 12; n++ {
		c := make([]float64, n)
		for i := range c {
			c[i] = 3
		}
		if e := Series(c); e.Mean != 3 || e.Err != 0 || !math.IsNaN(e.Tau) || e.Reliable {
			t.Errorf("constant, n=%d: %+v, want 3, error 0, no tau_int, not reliable", n, e)
		}
		x, x2 := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i] = float64(i%2) + 0.25*float64(i%3)
			x2[i] = x[i] * x[i]
		}
		e := Derived([][]float64{x, x2}, variance)
		m := meansOf([][]float64{x, x2})
		want := m[1] - m[0]*m[0]
		if math.Abs(e.Mean-want) > 1e-12 || !math.IsNaN(e.Err) || !math.IsNaN(e.Tau) || e.Reliable {
			t.Errorf("variance of %d samples: %+v, want %v without error bar or tau_int", n, e, want)
		}
	}
	if e := Series([]float64{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}); e.Tau != 0.5 {
		t.Errorf("constant, n=12: tau_int %v, want 1/2", e.Tau)
	}
}

// A derived value is reliable only if every input it depends on is: a
// slow input barely weighted in the projection (f = <w> + 1e-9 <s>) is
// invisible in the projection's tau_int but not in the value's errors.
// An input f does not depend on does not count.
func TestDerivedNeedsReliableInputs(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const n = 20000
	w, s := make([]float64, n), make([]float64, n)
	a := math.Exp(-1.0 / 200) // s: an AR(1) series with tau_int about 200
	for i := range w {
		w[i] = r.NormFloat64()
		if i > 0 {
			s[i] = a*s[i-1] + math.Sqrt(1-a*a)*r.NormFloat64()
		}
	}
	if e := Derived([][]float64{w, s}, func(m []float64) float64 { return m[0] + 1e-9*m[1] }); e.Reliable || e.Tau > 1 {
		t.Errorf("f = <w> + 1e-9 <s>: %+v, want a short projection tau_int and not reliable (s's bins hold 2 of its tau_int)", e)
	}
	if e := Derived([][]float64{w, s}, func(m []float64) float64 { return m[0] }); !e.Reliable {
		t.Errorf("f = <w>: %+v, want reliable (f does not depend on s)", e)
	}
}

// Series is reliable only when each of its DefaultBins bins holds at least
// 20 tau_int (docs/exact-values.md): an AR(1) series with a = 0.9 (tau_int 9.5) in
// bins of about 13 tau_int (n = 50 x 128) must not be, bins of about 42
// tau_int (n = 50 x 400) must.
func TestSeriesBinsOf20Tau(t *testing.T) {
	const a = 0.9
	want := (1 + a) / (2 * (1 - a))
	for _, c := range []struct {
		perBin   int
		reliable bool
	}{{128, false}, {400, true}} {
		e := Series(gaussAR1(DefaultBins*c.perBin, a, 21))
		// tau_int itself is estimated well enough that the bins are on
		// the side of 20 tau_int the case says
		if e.Tau < 0.7*want || e.Tau > 1.3*want {
			t.Fatalf("bins of %d: tau_int %v, want about %v", c.perBin, e.Tau, want)
		}
		if e.Reliable != c.reliable {
			t.Errorf("bins of %d samples, tau_int %.3g (%.1f tau_int a bin): reliable %v, want %v",
				c.perBin, e.Tau, float64(c.perBin)/e.Tau, e.Reliable, c.reliable)
		}
	}
}

// A later Add of the same name wins.
func TestBatchLaterAddWins(t *testing.T) {
	var b Batch
	b.Add("x", func() Estimate { return Estimate{Mean: 1} })
	b.Add("y", func() Estimate { return Estimate{Mean: 2} })
	b.Add("x", func() Estimate { return Estimate{Mean: 3} })
	got := b.Run()
	if len(got) != 2 || got["x"].Mean != 3 || got["y"].Mean != 2 {
		t.Errorf("Run: %+v, want x 3 and y 2", got)
	}
}

// A Batch and SeriesEach run at most MaxParallel estimates at once (each
// may hold an FFT's memory), however many goroutines the host allows:
// each job waits for one more than MaxParallel to be running, which
// never comes, and times out.
func TestBatchAtMostMaxParallel(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(MaxParallel + 4))
	var running, most atomic.Int64
	job := func() {
		n := running.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		for end := time.Now().Add(30 * time.Millisecond); time.Now().Before(end) && running.Load() <= MaxParallel; {
			time.Sleep(time.Millisecond)
		}
		running.Add(-1)
	}
	var b Batch
	for range MaxParallel + 2 {
		b.Add("x", func() Estimate { job(); return Estimate{} })
	}
	b.Run()
	if m := most.Load(); m != MaxParallel {
		t.Errorf("Batch: %d estimates at once, want %d", m, MaxParallel)
	}
	most.Store(0)
	SeriesEach(MaxParallel+2, func(int) []float64 { job(); return []float64{1, 2} })
	if m := most.Load(); m != MaxParallel {
		t.Errorf("SeriesEach: %d series at once, want %d", m, MaxParallel)
	}
}

// lagCovs gives lagCov's bits (its products rounded, as the compiler
// leaves them at lags >= 1) for every lag, at every series length around
// the block's edges.
func TestLagCovsExact(t *testing.T) {
	x := gaussAR1(300, 0.6, 3)
	d, _ := deviations(x)
	lagCov := func(d []float64, t int) float64 {
		var s float64
		for i := 0; i+t < len(d); i++ {
			s += float64(d[i] * d[i+t])
		}
		return s / float64(len(d)-t)
	}
	for n := 0; n <= 40; n++ {
		for lag := 1; lag <= n+2; lag++ {
			for k := 1; k <= lagBlock; k++ {
				c := make([]float64, k)
				lagCovs(d[:n], lag, c)
				for j := range c {
					if want := lagCov(d[:n], lag+j); math.Float64bits(c[j]) != math.Float64bits(want) {
						t.Fatalf("n %d lag %d: %v, lagCov %v", n, lag+j, c[j], want)
					}
				}
			}
		}
	}
	c := make([]float64, lagBlock)
	lagCovs(d, 7, c)
	for j := range c {
		if want := lagCov(d, 7+j); math.Float64bits(c[j]) != math.Float64bits(want) {
			t.Fatalf("lag %d: %v, lagCov %v", 7+j, c[j], want)
		}
	}
}

// Batch.Series and Batch.Derived, sharing their inputs' tau_int, give
// what Series and Derived give alone; each shared input's TauInt is
// computed once.
func TestBatchSharedInputs(t *testing.T) {
	a, b := gaussAR1(30000, 0.9, 1), gaussAR1(30000, 0.995, 2) // b needs the FFT
	ratio := func(m []float64) float64 { return m[0] / (1 + m[1]*m[1]) }
	sq := func(m []float64) float64 { return m[0] * m[0] }
	var bt Batch
	bt.Series("a", a)
	bt.Series("b", b)
	bt.Derived("ratio", [][]float64{a, b}, ratio)
	bt.Derived("sq", [][]float64{b}, sq)
	bt.Derived("short", [][]float64{b[:20000]}, sq)
	got := bt.Run()
	want := map[string]Estimate{"a": Series(a), "b": Series(b), "ratio": Derived([][]float64{a, b}, ratio), "sq": Derived([][]float64{b}, sq), "short": Derived([][]float64{b[:20000]}, sq)}
	same := func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) }
	for name, w := range want {
		g := got[name]
		if !same(g.Mean, w.Mean) || !same(g.Err, w.Err) || !same(g.Tau, w.Tau) || !same(g.TauErr, w.TauErr) || !same(g.InputTau, w.InputTau) || !same(g.InputTauErr, w.InputTauErr) || !same(g.WindowNeeds, w.WindowNeeds) || !same(g.InputWindowNeeds, w.InputWindowNeeds) || g.Reliable != w.Reliable {
			t.Errorf("%s: batch %+v, alone %+v", name, g, w)
		}
	}
	tt := newTaus([][]float64{a, b, a, b[:20000]})
	if len(tt.m) != 3 {
		t.Errorf("%d inputs, want 3 (a, b and b's first part)", len(tt.m))
	}
}

// A batch's tau_int of an input is computed once: taus gives its first
// result again, and Series and Derived take it from there, even after the
// series has changed (inputs must not change while a batch runs; here
// that shows the value is not computed again). Run hands every job the
// taus of all the inputs of Series and Derived.
func TestTausOnce(t *testing.T) {
	slow, fast := gaussAR1(2000, 0.9999, 4), gaussAR1(2000, 0.3, 5)
	same := func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) }
	x := append([]float64(nil), slow...)
	tt := newTaus([][]float64{x})
	r := tt.tauInt(x)
	tau, w, ok := r.tau, r.window, r.ok
	if wt, ww, wok := TauInt(slow); !same(tau, wt) || w != ww || ok != wok {
		t.Fatalf("first tauInt %v %d %v, TauInt %v %d %v", tau, w, ok, wt, ww, wok)
	}
	twice := func(m []float64) float64 { return 2 * m[0] }
	if _, _, fok := TauInt(fast); ok || !fok || !Derived([][]float64{fast}, twice).Reliable {
		t.Fatal("the test needs a slow series whose tau_int is not reliable and a fast one whose is")
	}
	copy(x, fast)
	if r2 := tt.tauInt(x); !same(r2.tau, tau) || r2.window != w || r2.ok != ok {
		t.Errorf("tauInt computed again: %+v, first %v %d %v", r2, tau, w, ok)
	}
	if e := series(x, tt); !same(e.Tau, tau) {
		t.Errorf("series: tau %v, not the kept %v", e.Tau, tau)
	}
	if e := derived([][]float64{x}, twice, tt); e.Reliable {
		t.Errorf("derived: reliable, as if its input's tau_int (kept: not reliable) were computed again")
	}

	a, b, c := gaussAR1(500, 0.5, 6), gaussAR1(500, 0.5, 7), gaussAR1(500, 0.5, 8)
	var bt Batch
	bt.Series("a", a)
	bt.Derived("bc", [][]float64{b, c}, func(m []float64) float64 { return m[0] * m[1] })
	bt.add("probe", func(tt *taus) Estimate {
		for i, x := range [][]float64{a, b, c} {
			if tt == nil || tt.m[seriesKey{&x[0], len(x)}] == nil {
				t.Errorf("Run: input %d has no kept tau_int", i)
			}
		}
		return Estimate{}
	})
	bt.Run()
}

// tau_int's error against the spread of tau_int over seeds, and the mean
// tau_int against the exact value, for correlated, anticorrelated and
// oscillating series (where the window's reach, windowSearch.ends, keeps
// the tail that Sokal's tau alone stopped before: at a = -0.5 tau(2) =
// 1/4 against the exact 1/6), and a sum of two AR(1) series (where
// Bartlett's error at Sokal's window, without the spread the window's
// choice adds, measured 0.8 times the spread). Madras and Sokal's error,
// for all of them, gave 2.4 and 6 times the spread at a = -0.5 and -0.9.
func TestTauErrSpread(t *testing.T) {
	const m, n = 200, 10000
	se := 1 / math.Sqrt(2*(m-1)) // relative error of a standard deviation of m samples
	// the claimed range of the ratio of the error to the spread
	// (windowSearch.err)
	const least, most = 0.95, 1.4
	type tcase struct {
		name string
		gen  func(seed uint64) []float64
		want func(w int) float64 // what TauInt estimates at window w
	}
	var cases []tcase
	for _, a := range []float64{-0.9, -0.5, 0, 0.5, 0.9} {
		cases = append(cases, tcase{fmt.Sprintf("AR(1) a=%v", a),
			func(seed uint64) []float64 { return gaussAR1(n, a, seed) },
			func(w int) float64 { want, _ := ar1TauExpected(a, w, n); return want }})
	}
	{
		// rho(t) = (a^t + b^t) / 2
		a, b := 0.5, 0.95
		exact := ((1+a)/(1-a) + (1+b)/(1-b)) / 4
		cases = append(cases, tcase{fmt.Sprintf("AR(1) a=%v plus AR(1) a=%v", a, b),
			func(seed uint64) []float64 {
				x, y := gaussAR1(n, a, seed), gaussAR1(n, b, seed+100000)
				for i := range x {
					x[i] += y[i]
				}
				return x
			},
			func(w int) float64 {
				s, pa, pb := 0.5, 1.0, 1.0
				for range w {
					pa, pb = pa*a, pb*b
					s += (pa + pb) / 2
				}
				return s - float64(2*w+1)*exact/float64(n)
			}})
	}
	for _, c := range []struct{ r, period float64 }{{0.9, 4}, {0.97, 20}, {0.99, 60}} {
		exact, rho := ar2Tau(c.r, 2*math.Pi/c.period, n/4)
		cases = append(cases, tcase{fmt.Sprintf("AR(2) r=%v period %v", c.r, c.period),
			func(seed uint64) []float64 { return gaussAR2(n, c.r, 2*math.Pi/c.period, seed) },
			func(w int) float64 {
				// the exact sum to w less the sample mean's bias, as
				// ar1TauExpected
				s := 0.5
				for _, r := range rho[1 : w+1] {
					s += r
				}
				return s - float64(2*w+1)*exact/float64(n)
			}})
	}
	for _, c := range cases {
		var taus, errs, wants []float64
		for k := range m {
			x := c.gen(uint64(5000 + k))
			tau, err, w, ok := TauIntErr(x)
			if !ok {
				t.Fatalf("%s seed %d: no window", c.name, 5000+k)
			}
			if w%2 != 0 {
				t.Fatalf("%s seed %d: window %d, want an even one (Sokal's rule as windowSearch takes it)", c.name, 5000+k, w)
			}
			taus, errs, wants = append(taus, tau), append(errs, err), append(wants, c.want(w))
			if e := Series(x); e.Tau != tau || e.TauErr != errs[k] {
				t.Fatalf("%s: Series tau %v +- %v, TauInt %v +- %v", c.name, e.Tau, e.TauErr, tau, errs[k])
			}
		}
		mean, sd := stat.MeanStdDev(taus, nil)
		ratio := stat.Mean(errs, nil) / sd
		bias := (mean - stat.Mean(wants, nil)) / (sd / math.Sqrt(m))
		t.Logf("%s: tau_int %.4f (%+.2f errors of the mean from the expected %.4f), spread %.4g, tauErr %.4g (%.2f times)", c.name, mean, bias, stat.Mean(wants, nil), sd, stat.Mean(errs, nil), ratio)
		if math.Abs(bias) > 4 {
			t.Errorf("%s: mean tau_int %v is %.1f errors of the mean from the expected %v", c.name, mean, bias, stat.Mean(wants, nil))
		}
		if ratio < least*(1-4*se) || ratio > most*(1+4*se) {
			t.Errorf("%s: tauErr %.4g is %.2f times the spread %.4g, want %v to %v (+- 4 errors of the spread, %.2f)", c.name, stat.Mean(errs, nil), ratio, sd, least, most, se)
		}
	}
}

// tau_int's error by its formulas, against their own spelling out:
// Madras and Sokal's 2 (2W + 1) tau^2 / n where Sokal's rule closed the
// window (positively correlated AR(1) series), and Bartlett's
// var(tau) = 1/n sum_k B_k^2 summed term by term for rho(t) = a^t
// (windowSearch.err, bartlettErr). TestTauErrSpread holds them to the
// spread over seeds, whose own error (5%) leaves room a missing factor
// could hide in; these do not.
func TestTauErrFormulas(t *testing.T) {
	for i, a := range []float64{0.3, 0.5, 0.9} {
		for _, n := range []int{2000, 20000} {
			x := gaussAR1(n, a, uint64(300+i))
			tau, err, w, ok := TauIntErr(x)
			want := max(tau, 0.5) * math.Sqrt(2*float64(2*w+1)/float64(n))
			if !ok || w%2 != 0 || math.Abs(err-want) > 1e-14*want {
				t.Errorf("AR(1) a=%v n=%d: tau %v +- %v at window %d (ok %v), want the error %v", a, n, tau, err, w, ok, want)
			}
		}
	}
	for _, a := range []float64{-0.5, 0.3, 0.8} {
		for _, w := range []int{1, 4, 9} {
			const n = 1000
			r := func(j int) float64 { // rho(|j|), 0 beyond the window
				if j < 0 {
					j = -j
				}
				if j > w {
					return 0
				}
				return math.Pow(a, float64(j))
			}
			rho := make([]float64, w+1)
			for j := range rho {
				rho[j] = r(j)
			}
			var v float64
			for k := 1; k <= 2*w+3; k++ { // B_k = 0 past 2W: a few more
				var b float64
				for u := 1; u <= w; u++ {
					b += r(k+u) + r(k-u) - 2*r(u)*r(k)
				}
				v += b * b
			}
			want := math.Sqrt(v / n)
			if got := bartlettErr(rho, n); math.Abs(got-want) > 1e-12*want {
				t.Errorf("bartlettErr of rho(t) = %v^t, W = %d: %v, summed term by term %v", a, w, got, want)
			}
		}
	}
}

// A derived value reports the longest tau_int of the inputs it depends on
// (those whose bins the reliability rule judges too), with its error;
// an input it does not depend on does not count.
func TestDerivedInputTau(t *testing.T) {
	slow, fast, unused := gaussAR1(20000, 0.9, 31), gaussAR1(20000, 0, 32), gaussAR1(20000, 0.99, 33)
	e := Derived([][]float64{slow, fast, unused}, func(m []float64) float64 { return m[1] + 1e-3*m[0] })
	tau, err, _, _ := TauIntErr(slow)
	if e.InputTau != tau || e.InputTauErr != err || !(e.Tau < 1) {
		t.Errorf("input tau %v +- %v, want %v +- %v (the projection's %v, reliable %v)", e.InputTau, e.InputTauErr, tau, err, e.Tau, e.Reliable)
	}
	if s := Series(fast); s.InputTau != 0 || s.InputTauErr != 0 {
		t.Errorf("a series' input tau %v +- %v", s.InputTau, s.InputTauErr)
	}
}

// tau_int is the same at any scale of a series: at 2^±600 its deviations'
// products, and squared energies at |J| = 1e77 (an audit's specific heat
// lost its tau_int there), would leave float64's range unscaled.
func TestTauIntScaleInvariant(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	x := make([]float64, 4000)
	v := 0.0
	for i := range x {
		v = 0.7*v + r.NormFloat64()
		x[i] = v
	}
	// and a slow one, whose window lies past the direct lags (the FFT's)
	slow := make([]float64, 60000)
	v = 0
	for i := range slow {
		v = 0.99*v + r.NormFloat64()
		slow[i] = v
	}
	for _, x := range [][]float64{x[:200], x, slow} {
		n := len(x)
		tau, err, w, ok := TauIntErr(x[:n])
		if w <= directLags && n == len(slow) {
			t.Errorf("the slow series' window %d is not past the direct lags", w)
		}
		for _, f := range []float64{0x1p600, 0x1p-600, 0x1p900, 0x1p-1030} {
			y := make([]float64, n)
			for i := range y {
				y[i] = x[i] * f
			}
			t2, e2, w2, ok2 := TauIntErr(y)
			same := t2 == tau && e2 == err
			if f < 0x1p-1000 {
				// the series itself subnormal, its values rounded to
				// fewer bits: close, not the same bits
				same = math.Abs(t2-tau) < 1e-9*tau && math.Abs(e2-err) < 1e-9*err
			}
			if !same || w2 != w || ok2 != ok || !ok {
				t.Errorf("n %d scale %g: tau %v +- %v (window %d, %v), unscaled %v +- %v (%d, %v)", n, f, t2, e2, w2, ok2, tau, err, w, ok)
			}
		}
		// squares of energies of size 2e77: about 4e154, deviations whose
		// products overflow unscaled
		sq := make([]float64, n)
		for i := range sq {
			e := (-2 + 0.1*x[i]) * 1e77
			sq[i] = e * e
		}
		if tau, _, _, ok := TauIntErr(sq); !ok || !(tau > 0.5) {
			t.Errorf("n %d: squared energies of 2e77: tau %v, ok %v", n, tau, ok)
		}
	}
}

// A derived value of squares (the specific heat's <e^2> - <e>^2) keeps its
// tau_int and error at any scale of its inputs: at 2^256 (energies of
// about 1e77) the squares' standard deviation, the gradient's step,
// overflowed, and the tau_int was lost.
func TestDerivedScaleInvariant(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 11))
	n := 5000
	var want Estimate
	for i, s := range []float64{1, 0x1p256, 0x1p-256} {
		e, e2 := make([]float64, n), make([]float64, n)
		v := 0.0
		for j := range e {
			v = 0.6*v + r.NormFloat64()
			e[j] = (-2 + 0.1*v) * s
			e2[j] = e[j] * e[j]
		}
		r = rand.New(rand.NewPCG(10, 11)) // the same series at each scale
		got := Derived([][]float64{e, e2}, func(m []float64) float64 { return (m[1] - m[0]*m[0]) / (s * s) })
		if i == 0 {
			want = got
			if !want.Reliable || !(want.Tau > 0.5) {
				t.Fatalf("unscaled: %+v", want)
			}
			continue
		}
		if got.Mean != want.Mean || got.Err != want.Err || got.Tau != want.Tau || got.TauErr != want.TauErr || got.Reliable != want.Reliable {
			t.Errorf("scale %g: %+v, unscaled %+v", s, got, want)
		}
	}
}

// A series' mean and error scale with it by any power of two, and a
// derived variance's error too: an audit's AR(1) series times 1e160 read
// an infinite binning error, times 1e200 NaN and times 1e-200 0, each
// marked reliable, and a variance of values about 1e-300 an error of 0
// (the squares of the bin means' and the jackknife's deviations
// overflowed or underflowed). An error that is not finite is never
// reliable.
func TestSeriesScaleInvariant(t *testing.T) {
	x := gaussAR1(10000, 0.5, 12)
	want := Series(x)
	wantVar := Derived([][]float64{x, square(x)}, func(m []float64) float64 { return m[1] - m[0]*m[0] })
	if !want.Reliable || !wantVar.Reliable {
		t.Fatalf("unscaled: %+v %+v", want, wantVar)
	}
	for _, e := range []int{532, 600, 664, 900, -500, -664, -900} {
		y := make([]float64, len(x))
		for i := range y {
			y[i] = math.Ldexp(x[i], e)
		}
		got := Series(y)
		if got.Mean != math.Ldexp(want.Mean, e) || got.Err != math.Ldexp(want.Err, e) || got.Tau != want.Tau || got.Reliable != want.Reliable {
			t.Errorf("2^%d: %+v, want the unscaled %+v scaled", e, got, want)
		}
		if e > 0 || e < -510 {
			continue // (the squares leave float64's range)
		}
		gv := Derived([][]float64{y, square(y)}, func(m []float64) float64 { return m[1] - m[0]*m[0] })
		if rel := gv.Err/math.Ldexp(wantVar.Err, 2*e) - 1; math.Abs(rel) > 1e-12 || gv.Reliable != wantVar.Reliable {
			t.Errorf("2^%d: variance %+v, want the unscaled %+v times 2^%d", e, gv, wantVar, 2*e)
		}
	}
	inf := slices.Clone(x)
	inf[len(inf)/2] = math.Inf(1)
	if e := Series(inf); e.Reliable {
		t.Errorf("a series with an infinite sample: %+v, marked reliable", e)
	}
}

func square(x []float64) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = v * v
	}
	return y
}

// TestBoundedSum: the increments x_n = y_n - y_{n-1} of a stationary
// AR(1) y (unit variance, a = 0.8) sum to y_M - y_0, so their mean over M
// samples has the spread sqrt(2 (1 - a^M))/M, 1/M and not binning's
// 1/sqrt(M). Over 200 seeds the means' rms about their exact 0 must match
// BoundedSum's errors' rms to 4 of its sampling errors (1/sqrt(2 n)),
// where Series' binning errors overstate it by about sqrt(50) = 7.
func TestBoundedSum(t *testing.T) {
	const seeds, m, burn = 200, 5000, 200
	var dev2, err2, binErr2 float64
	var taus, tauErrs []float64
	for s := range uint64(seeds) {
		y := gaussAR1(m+1+burn, 0.8, 1000+s)[burn:]
		x := make([]float64, m)
		for i := range x {
			x[i] = y[i+1] - y[i]
		}
		e := BoundedSum(x, 0)
		if b := Series(x); e.Mean != b.Mean {
			t.Fatalf("seed %d: mean %v, Series' %v", s, e.Mean, b.Mean)
		} else {
			binErr2 += b.Err * b.Err
		}
		if want := (y[m] - y[0]) / m; math.Abs(e.Mean-want) > 1e-12 {
			t.Fatalf("seed %d: mean %v, the ends' difference over M %v", s, e.Mean, want)
		}
		if !e.Reliable || !(e.TauErr > 0 && e.TauErr < e.Tau) || !(e.Tau > 0 && e.Tau < 10.0/m) {
			t.Fatalf("seed %d: reliable %v, tau %v +- %v (want reliable, 0 < tau < 10/M, 0 < error < tau)", s, e.Reliable, e.Tau, e.TauErr)
		}
		dev2 += e.Mean * e.Mean
		err2 += e.Err * e.Err
		taus, tauErrs = append(taus, e.Tau), append(tauErrs, e.TauErr)
	}
	ratio := math.Sqrt(dev2 / err2)
	if sigma := 1 / math.Sqrt(2*seeds); math.Abs(ratio-1) > 4*sigma {
		t.Errorf("means' rms %.3f times BoundedSum's errors, want 1 +- %.3f", ratio, 4*sigma)
	}
	// TauErr against the spread of Tau over the seeds (measured 1.02;
	// 1.05 and 0.95 at a = 0.5 and 0.95)
	_, sd := stat.MeanStdDev(taus, nil)
	if r, sigma := stat.Mean(tauErrs, nil)/sd, 1/math.Sqrt(2*(seeds-1)); math.Abs(r-1) > 4*sigma {
		t.Errorf("TauErr %.3g is %.3f times the spread of Tau %.3g over seeds, want 1 +- %.3f", stat.Mean(tauErrs, nil), r, sd, 4*sigma)
	}
	if over := math.Sqrt(binErr2 / err2); over < 4 {
		t.Errorf("binning's errors %.2f times BoundedSum's, want about 7: the case this is for", over)
	}
	t.Logf("means' rms / errors %.3f; binning's errors %.2f times these", ratio, math.Sqrt(binErr2/err2))
	// sums that drift (a mean of 0.01 about 0: a process not yet
	// stationary) are not reliable, and their error is larger
	y := gaussAR1(m+1, 0.8, 7)
	x := make([]float64, m)
	for i := range x {
		x[i] = y[i+1] - y[i] + 0.01
	}
	if e := BoundedSum(x, 0); e.Reliable || !(e.Err > 5*math.Sqrt(2)/m) {
		t.Errorf("drifting sums: reliable %v, error %v (stationary: about %v)", e.Reliable, e.Err, math.Sqrt(2)/m)
	}
	// constant and non-finite series as Series, never reliable
	for _, x := range [][]float64{slices.Repeat([]float64{2}, 200), {1, math.NaN(), 3}} {
		e, b := BoundedSum(x, 0), Series(x)
		if e.Reliable || !(e.Mean == b.Mean || math.IsNaN(e.Mean) && math.IsNaN(b.Mean)) || !(e.Err == b.Err || math.IsNaN(e.Err) && math.IsNaN(b.Err)) {
			t.Errorf("%v: %+v, want Series' %+v, not reliable", x[:3], e, b)
		}
	}
}
