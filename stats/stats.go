// Package stats turns Monte Carlo time series into estimates with honest
// error bars: binning for means, the jackknife for derived quantities, and
// the integrated autocorrelation time with Sokal's automatic window.
package stats

import (
	"math"

	"gonum.org/v1/gonum/stat"

	"github.com/quenchlab/quench/internal/fftpool"
)

// DefaultBins is the number of bins used for errors: at least 32 (docs/exact-values.md),
// and few enough that each bin is long compared with tau_int in a run of
// ordinary length.
const DefaultBins = 50

// SokalC is the window constant: the window W is the smallest with
// W >= SokalC * tau_int(W) (Madras & Sokal 1988).
const SokalC = 6

// Bin returns the means of nb consecutive equal bins of x; the len(x) % nb
// oldest samples are dropped so every bin has the same length.
func Bin(x []float64, nb int) []float64 { return binAbout(x, nb, 0) }

// binAbout is Bin of x - c: the bins' deviations from c, which keep the
// fluctuations of a series about a large value that the sums of x itself
// round away (1e8 + 1e-6 noise: an error bar of 0).
func binAbout(x []float64, nb int, c float64) []float64 {
	if nb <= 0 || len(x) < nb {
		return nil
	}
	size := len(x) / nb
	skip := len(x) - size*nb
	out := make([]float64, nb)
	for b := range out {
		var sum float64
		for _, v := range x[skip+b*size : skip+(b+1)*size] {
			sum += v - c
		}
		out[b] = sum / float64(size)
	}
	return out
}

// aboutOf is the value to bin the samples kept about (binAbout): the
// first, or 0 for none or one so large that the deviations from it could
// overflow (samples of +-1e308), where there is no precision to keep.
func aboutOf(kept []float64) float64 {
	if len(kept) == 0 || !(math.Abs(kept[0]) < 1e300) {
		return 0
	}
	return kept[0]
}

// binned is the part of x that Bin's nb bins hold: all but its
// len(x) % nb oldest samples.
func binned(x []float64, nb int) []float64 {
	if nb <= 0 {
		return x
	}
	return x[len(x)%nb:]
}

// Bins is the number of bins used for a series of n samples: DefaultBins
// when n allows two samples a bin, otherwise n.
func Bins(n int) int {
	if n >= 2*DefaultBins {
		return DefaultBins
	}
	return n
}

// MeanErr returns the mean of bin means b and its standard error. Where
// the deviations' squares would leave float64's range (bins spread by
// more than 2^400 or less than 2^-400, farScale) the bins are scaled by a
// power of two first, which leaves the error's bits as they are, scaled:
// an audit's series of 1e160 read an infinite error, of 1e-200 an error
// of 0, both marked reliable.
func MeanErr(b []float64) (mean, err float64) {
	n := float64(len(b))
	if len(b) == 0 {
		return math.NaN(), math.NaN()
	}
	mean = stat.Mean(b, nil)
	if len(b) < 2 {
		return mean, math.NaN()
	}
	v := stat.Variance(b, nil)
	if v >= 0x1p-800 && v <= 0x1p800 {
		return mean, math.Sqrt(v / n)
	}
	var most float64
	for _, x := range b {
		most = max(most, math.Abs(x-mean))
	}
	if e, far := farScale(most); far {
		// the bins times 2^-e, exactly: the same error, scaled back
		sb := make([]float64, len(b))
		for i, x := range b {
			sb[i] = math.Ldexp(x, -e)
		}
		if vs := stat.Variance(sb, nil); !math.IsInf(vs, 0) && !math.IsNaN(vs) {
			return mean, math.Ldexp(math.Sqrt(vs/n), e)
		}
	}
	return mean, math.Sqrt(v / n)
}

// Jackknife estimates f of the means of several observables and its error.
// bins[k] holds the bin means of observable k, all with the same number of
// bins. The estimate is f at the full means; the error is the leave-one-bin-
// out jackknife error sqrt((n-1)/n * sum_i (f_i - mean f_i)^2).
func Jackknife(bins [][]float64, f func(means []float64) float64) (est, err float64) {
	return jackknifeAbout(bins, make([]float64, len(bins)), f)
}

// jackknifeAbout is Jackknife for the bins of observable k taken about
// c[k] (binAbout): the means and leave-one-out means are c[k] plus those
// of the deviations.
func jackknifeAbout(bins [][]float64, c []float64, f func(means []float64) float64) (est, err float64) {
	nb := len(bins[0])
	means := make([]float64, len(bins))
	sums := make([]float64, len(bins))
	for k, b := range bins {
		for _, v := range b {
			sums[k] += v
		}
		means[k] = c[k] + sums[k]/float64(nb)
	}
	est = f(means)
	if nb < 2 {
		return est, math.NaN()
	}
	fi := make([]float64, nb)
	loo := make([]float64, len(bins))
	for i := 0; i < nb; i++ {
		for k, b := range bins {
			loo[k] = c[k] + (sums[k]-b[i])/float64(nb-1)
		}
		fi[i] = f(loo)
	}
	fbar := stat.Mean(fi, nil)
	// (deviations scaled by a power of two where their squares would
	// leave float64's range, as MeanErr's)
	var most float64
	for _, v := range fi {
		most = max(most, math.Abs(v-fbar))
	}
	e, _ := farScale(most)
	var ss float64
	for _, v := range fi {
		d := math.Ldexp(v-fbar, -e)
		ss += d * d
	}
	return est, math.Ldexp(math.Sqrt(float64(nb-1)/float64(nb)*ss), e)
}

// Autocorrelation returns the normalized autocorrelation function
// rho(t) = C(t)/C(0), t = 0..len(x)-1, with C(t) = 1/(n-t) sum_i
// (x_i - mean)(x_{i+t} - mean), computed by FFT with zero padding.
// A constant series has rho = 0 beyond t = 0.
func Autocorrelation(x []float64) []float64 { return autocorrelation(x, len(x)) }

// autocorrelation is Autocorrelation for the lags t < lags only: the zero
// padding need only keep those lags from wrapping around, so the transform
// is shorter than for all of them.
func autocorrelation(x []float64, lags int) []float64 {
	n := len(x)
	rho := make([]float64, lags)
	if n == 0 || lags == 0 {
		return rho
	}
	m := 1
	for m < n+lags {
		m <<= 1
	}
	mean := stat.Mean(x, nil)
	seq := make([]float64, m)
	for i, v := range x {
		seq[i] = v - mean
	}
	scaleDeviations(seq[:n])
	fft := fftpool.Get(m)
	c := fft.Coefficients(nil, seq)
	for i, v := range c {
		c[i] = complex(real(v)*real(v)+imag(v)*imag(v), 0)
	}
	acf := fft.Sequence(seq, c)
	fftpool.Put(fft)
	c0 := acf[0] / float64(m) / float64(n)
	if c0 <= 0 {
		rho[0] = 1
		return rho
	}
	for t := 0; t < lags; t++ {
		rho[t] = acf[t] / float64(m) / float64(n-t) / c0
	}
	return rho
}

// TauInt returns the integrated autocorrelation time
// tau = 1/2 + sum_{t=1}^{W} rho(t) with Sokal's automatic window: the
// smallest even W with W >= SokalC*tau(W) and tau(W) > 0 (and a longer
// one where the rho(t) swing below 0: windowSearch.ends). ok is false when no
// such window exists within a quarter of the series (the run is too short
// to trust tau; tau is then the sum up to there, NaN where that is 0 or
// less or the rho(t) swing past the run: windowSearch.needs), and for a
// series holding NaN or an infinity (tau NaN).
func TauInt(x []float64) (tau float64, window int, ok bool) {
	tau, _, window, ok = TauIntErr(x)
	return tau, window, ok
}

// TauIntErr is TauInt with the statistical error of tau
// (windowSearch.err): NaN where tau is NaN or no window was found, 0 for
// a constant series.
func TauIntErr(x []float64) (tau, err float64, window int, ok bool) {
	r := tauEstimate(x)
	return r.tau, r.err, r.window, r.ok
}

// tauResult is what the window search found in one series: TauIntErr's
// values, and needs (windowSearch.needs) where no window was found.
type tauResult struct {
	tau, err float64
	window   int
	ok       bool
	needs    float64
}

// tauEstimate is TauIntErr with needs.
func tauEstimate(x []float64) tauResult {
	n := len(x)
	if !finite(x) {
		return tauResult{tau: math.NaN(), err: math.NaN()}
	}
	if n > 0 && constant(x) {
		// no fluctuation at all (a conserved quantity): uncorrelated, and
		// not the rounding of its mean, which would look like a drift
		return tauResult{tau: 0.5, ok: true}
	}
	if n < minTauSamples {
		// no window can be tried (the first, W = 2, needs lags up to a
		// quarter of the series): no estimate, not the 1/2 of no lags
		return tauResult{tau: math.NaN(), err: math.NaN()}
	}
	// Short windows (the common case) are found from lags computed
	// directly, each only when the window search reaches it; longer ones
	// from the FFT autocorrelation.
	if w, s, rho, ok := sokalDirect(x, min(directLags, n/4)); ok {
		return tauResult{tau: s.tau, err: s.err(rho[:w+1]), window: w, ok: true}
	}
	rho := autocorrelation(x, n/4)
	w, s, ok := sokal(rho, n)
	if !ok {
		tau, needs := s.tau, s.needs()
		if tau <= 0 || needs > 0 {
			// no window, and a partial sum below 0 is no estimate at all;
			// nor is one where the rho(t) swing and reach past the run (a
			// positive one of a positive series still bounds a tau_int
			// longer than the run allows)
			tau = math.NaN()
		}
		return tauResult{tau: tau, err: math.NaN(), window: w, needs: needs}
	}
	return tauResult{tau: s.tau, err: s.err(rho[:w+1]), window: w, ok: true}
}

// sokalDirect is sokal(directRho(x, lags)), computing rho(t) only up to
// the window it finds (lagBlock lags at a time, lagCovs).
func sokalDirect(x []float64, lags int) (window int, s windowSearch, rho []float64, ok bool) {
	d, c0 := deviations(x)
	s = newWindowSearch(len(x))
	rho = make([]float64, 1, lags)
	rho[0] = 1
	var cov [lagBlock]float64
	for w := 1; w < lags; w++ {
		r := 0.0 // for c0 = 0, rho = (1, 0, 0, ...), as directRho
		if c0 > 0 {
			k := (w - 1) % lagBlock
			if k == 0 {
				lagCovs(d, w, cov[:min(lagBlock, lags-w)])
			}
			r = cov[k] / c0
		}
		rho = append(rho, r)
		if s.ends(w, r) {
			return w, s, rho, true
		}
	}
	return lags - 1, s, rho, false
}

// lagBlock is how many lags lagCovs sums side by side.
const lagBlock = 4

// lagCovs writes lagCov(d, t+j) to c[j] (len(c) <= lagBlock, t >= 1):
// the same sums, each in its own order, but several in one pass (a single
// sum waits on each addition; independent ones overlap). Each product is
// rounded before it is added: where fused multiply-adds are allowed
// (GOAMD64=v3) the compiler leaves lagCov's products at lags t >= 1
// unfused (it takes one operand straight from memory), and must not fuse
// these either.
func lagCovs(d []float64, t int, c []float64) {
	if len(c) != lagBlock {
		for j := range c {
			var s float64
			for i := 0; i+t+j < len(d); i++ {
				s += float64(d[i] * d[i+t+j])
			}
			c[j] = s / float64(len(d)-t-j)
		}
		return
	}
	n := len(d)
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+t+3 < n; i++ {
		v := d[i]
		s0 += float64(v * d[i+t])
		s1 += float64(v * d[i+t+1])
		s2 += float64(v * d[i+t+2])
		s3 += float64(v * d[i+t+3])
	}
	// the longer sums' last terms, in order
	for ; i+t+2 < n; i++ {
		s0 += float64(d[i] * d[i+t])
		s1 += float64(d[i] * d[i+t+1])
		s2 += float64(d[i] * d[i+t+2])
	}
	for ; i+t+1 < n; i++ {
		s0 += float64(d[i] * d[i+t])
		s1 += float64(d[i] * d[i+t+1])
	}
	for ; i+t < n; i++ {
		s0 += float64(d[i] * d[i+t])
	}
	c[0] = s0 / float64(n-t)
	c[1] = s1 / float64(n-t-1)
	c[2] = s2 / float64(n-t-2)
	c[3] = s3 / float64(n-t-3)
}

// deviations returns x minus its mean (scaleDeviations) and C(0), their
// mean square.
func deviations(x []float64) (d []float64, c0 float64) {
	mean := stat.Mean(x, nil)
	d = make([]float64, len(x))
	for i, v := range x {
		d[i] = v - mean
	}
	scaleDeviations(d)
	return d, lagCov(d, 0)
}

// farScale reports whether deviations of largest size most lie beyond
// 2^+-400 (finite and not 0), where their products near float64's range
// ends, and the exponent e of most (most = f 2^e, f in [1/2, 1)) to
// scale them by 2^-e.
func farScale(most float64) (e int, far bool) {
	if most == 0 || math.IsInf(most, 0) || math.IsNaN(most) || (most <= 0x1p400 && most >= 0x1p-400) {
		return 0, false
	}
	_, e = math.Frexp(most)
	return e, true
}

// stdDev is stat.StdDev(x, nil), its deviations scaled (scaleDeviations)
// where their squares would leave float64's range (the squared energies
// of |J| = 1e77 gave an infinite step to derived's gradient).
func stdDev(x []float64) float64 {
	if len(x) < 2 {
		return stat.StdDev(x, nil)
	}
	mean := stat.Mean(x, nil)
	var most float64
	for _, v := range x {
		most = max(most, math.Abs(v-mean))
	}
	e, far := farScale(most)
	if !far {
		return stat.StdDev(x, nil)
	}
	var ss float64
	for _, v := range x {
		d := math.Ldexp(v-mean, -e)
		ss += d * d
	}
	return math.Ldexp(math.Sqrt(ss/float64(len(x)-1)), e)
}

// scaleDeviations multiplies d by a power of two, exactly (but for
// deviations some 2^1000 below the largest, which go subnormal, below the
// sums' rounding), where its largest size is beyond 2^±400, so that its products and their sums
// stay in float64's range: the autocorrelations, ratios of such sums,
// are the same at any scale (an audit's specific heat lost its tau_int
// from |J| = 1e77 on, whose squared energies' products overflowed). Left
// as it is otherwise, so that the usual series' sums keep their bits.
func scaleDeviations(d []float64) {
	var most float64
	for _, v := range d {
		most = max(most, math.Abs(v))
	}
	e, far := farScale(most)
	if !far {
		return
	}
	for i := range d {
		d[i] = math.Ldexp(d[i], -e) // (2^-e itself overflows below 2^-1024)
	}
}

// lagCov is C(t) = 1/(n-t) sum_i d_i d_{i+t}.
func lagCov(d []float64, t int) float64 {
	var s float64
	for i := 0; i+t < len(d); i++ {
		s += d[i] * d[i+t]
	}
	return s / float64(len(d)-t)
}

// minTauSamples is the shortest series TauInt estimates from: the first
// window, W = 2, needs rho(1) and rho(2), lags within a quarter of it.
const minTauSamples = 12

// directLags is how many lags TauInt computes directly before using the
// FFT. At 10^6 samples the FFT of a quarter of the lags took 0.47 s, and
// 128 lags directly 0.06 s (windows past 64 lags are common where the
// rho(t) swing below 0: a 2D pile's avalanches); 256 of them cost 0.13 s
// more where the window is longer still (0.68 s against 0.56 s).
const directLags = 256

// sokal applies the automatic window to rho(0..len-1): the smallest even W
// with W >= SokalC*tau(W), tau(W) = 1/2 + sum_{t=1}^{W} rho(t) > 0 (for
// rho(t) that swing below 0, SokalC times the reach of the |rho(t)| and
// more: windowSearch.ends), and the search's state there. Even
// windows end on whole pairs rho(2k-1) + rho(2k): for an anticorrelated
// series (rho alternating in sign) the partial sums then approach tau from
// above and stay positive, where an odd window could stop at once on a
// negative rho(1) and report a negative tau. A short series' noisy rho can
// still take a partial sum below 0, which any W would satisfy: such a
// window is passed over (tau_int of a stationary series is positive).
func sokal(rho []float64, n int) (window int, s windowSearch, ok bool) {
	s = newWindowSearch(n)
	for w := 1; w < len(rho); w++ {
		if s.ends(w, rho[w]) {
			return w, s, true
		}
	}
	return len(rho) - 1, s, false
}

// windowSearch walks the lags w = 1, 2, ... of one series of n samples,
// in order, and finds where the window ends (ends).
type windowSearch struct {
	n int
	// tau = tau(w) = 1/2 + sum_{t=1}^{w} rho(t) and reach = 1/2 +
	// sum_{t=1}^{w} |rho(t)|
	tau, reach float64
	rho1       float64 // rho(1)
	sq         float64 // sum_{t=1}^{w} rho(t)^2, for Bartlett's variance
	// swings: some rho(t) so far lies below 0 by SwingSigmas of Bartlett's
	// errors (a damped oscillation, or anticorrelation)
	swings bool
	// last is the last lag t so far whose |rho(t)| exceeds TailSigmas of
	// Bartlett's errors
	last int
	// byReach: the window was closed by the reach of the |rho(t)|, not
	// by tau(w) (Sokal's rule)
	byReach bool
}

func newWindowSearch(n int) windowSearch { return windowSearch{n: n, tau: 0.5, reach: 0.5} }

// SwingSigmas is how many of Bartlett's errors a rho(t) must lie below 0
// for the window search to take the series as oscillating, and
// TailSigmas how many a |rho(t)| must exceed to count as still reaching
// (windowSearch.ends).
const (
	SwingSigmas = 4
	TailSigmas  = 5
)

// ends adds rho(w) and reports whether the window ends at w: at an even w
// with tau(w) > 0 and w >= SokalC times tau(w), or, for a series whose
// rho(t) swing below 0, times reach. Then the rho(t) cancel in tau, and
// tau no longer measures how far they reach: a window of SokalC tau
// stopped early and left out a tail up to many times tau itself.
//
//   - Anticorrelated (rho(t) = a^t, a < 0): at a = -0.95, tau(4) = 0.41
//     against the exact 0.013; at a = -0.5, tau(2) = 0.25 against 1/6,
//     15 of its errors over at 20000 samples.
//   - A damped oscillation (an underdamped particle's position): on the
//     way down from rho(0) = 1, tau(w) is many times its limit, and a
//     window of SokalC tau(w) ended there (x_mean of an underdamped
//     harmonic ensemble, gamma dt = 0.02: W = 30, tau 4.3 against the
//     exact 2.0).
//
// reach is tau's window measure for the same |rho(t)| of a positive
// series, (1+|a|)/(2(1-|a|)) for an AR(1), so such a window leaves out
// what Sokal's leaves out of that series. But the |rho(t)| of noise add up
// too (about 0.8/sqrt(n) a lag), and in a short series no window of
// SokalC reach closed (white noise under 24 samples never, under 60
// often), where Sokal's tau closed one: reach is taken only where the
// swing stands out of that noise. That is a rho(t) below -SwingSigmas
// times Bartlett's error sqrt((1 + 2 sum_{s<t} rho(s)^2) / n); or, below
// tau = 1/2, rho(1) below -2/sqrt(n) or tau below 1/2 by twice white
// noise's spread of tau(w), sqrt(2 (2w + 1) / n) / 2 (Madras and Sokal's,
// windowSearch.err).
//
// And the reach falls short of how far an oscillation reaches, its rho(t)
// near 0 at some lags (at period 4 and r = 0.9, rho(t) = r^t cos(pi t/2),
// a window of SokalC reach left out a tail of -0.023, 6 of its errors at
// 200000 samples): the window must also span twice the last lag whose
// |rho(t)| stands TailSigmas of Bartlett's errors out of the noise.
func (s *windowSearch) ends(w int, rho float64) bool {
	n := float64(s.n)
	sigma := math.Sqrt((1 + 2*s.sq) / n) // Bartlett's, for white noise beyond t
	if rho < -SwingSigmas*sigma {
		s.swings = true
	}
	if math.Abs(rho) > TailSigmas*sigma {
		s.last = w
	}
	s.tau += rho
	s.reach += math.Abs(rho)
	s.sq += float64(rho * rho) // (rounded: sokal and sokalDirect must agree where multiply-adds fuse)
	if w == 1 {
		s.rho1 = rho
	}
	s.byReach = s.swings || s.tau < 0.5 && (s.rho1 < -2/math.Sqrt(n) || 0.5-s.tau > math.Sqrt(2*float64(2*w+1)/n))
	if s.swings && w < 2*s.last {
		return false
	}
	scale := s.tau
	if s.byReach {
		scale = s.reach
	}
	return w%2 == 0 && s.tau > 0 && float64(w) >= SokalC*scale
}

// Estimate is a mean with its error and integrated autocorrelation time.
type Estimate struct {
	Mean, Err, Tau float64
	// TauErr is the statistical error of Tau (TauIntErr), NaN where Tau is
	// NaN or no Sokal window was found; 0 for a constant series.
	TauErr float64
	// InputTau is, for a Derived value, the longest tau_int of the inputs
	// it depends on, whose bins the reliability rule judges too (an input's
	// slow mode can hide in the projection), with its error InputTauErr;
	// 0 for a Series and where there is none.
	InputTau, InputTauErr float64
	// WindowNeeds is, where no window was found because the
	// autocorrelations swing below 0 and reach past a quarter of the
	// series (windowSearch.needs; for Derived, its projection's), how many
	// samples a window needs at least; 0 otherwise. Tau is then NaN: the
	// partial sum bounds nothing. InputWindowNeeds is, for Derived, the
	// largest WindowNeeds of the inputs it depends on.
	WindowNeeds, InputWindowNeeds float64
	// Reliable is false when the series is too short for its
	// autocorrelation: no Sokal window, or bins shorter than 20 tau_int.
	Reliable bool
	// Constant: every sample was the same (for Derived, every input's),
	// so Err is 0. That is exact for a quantity the dynamics cannot
	// change; for one they can, it says only that the run saw none of its
	// fluctuations, and the caller, which knows which it is, decides.
	Constant bool
}

// finite reports whether every element of x is a finite number.
func finite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// constant reports whether every element of x is the same number.
func constant(x []float64) bool {
	for _, v := range x {
		if v != x[0] {
			return false
		}
	}
	return true
}

// Series estimates the mean of x: error by binning, tau_int by Sokal. A
// constant series has exactly its value as mean, error 0 and tau_int 1/2
// (Constant).
// A series with NaN or an infinity has that mean, a NaN error and tau_int
// and is not reliable.
func Series(x []float64) Estimate { return series(x, nil) }

// series is Series taking tau_int from t.
func series(x []float64, t *taus) Estimate {
	if !finite(x) {
		return Estimate{Mean: stat.Mean(x, nil), Err: math.NaN(), Tau: math.NaN(), TauErr: math.NaN()}
	}
	if len(x) == 1 {
		// one sample: no spread to take an error from (not an exact 0)
		return Estimate{Mean: x[0], Err: math.NaN(), Tau: math.NaN(), TauErr: math.NaN()}
	}
	nb := Bins(len(x))
	kept := binned(x, nb)
	if len(kept) > 0 && constant(kept) {
		// reliable as any series: 2 DefaultBins samples or more (a short
		// run can be constant by chance). Constant as binned: the oldest
		// samples the bins leave out may differ (a lattice that changed
		// in its first measurement only), but the error bins saw no
		// fluctuation, which Constant tells the caller
		return Estimate{Mean: kept[0], Err: 0, Tau: shortTau(len(x), 0.5), TauErr: shortTau(len(x), 0), Reliable: len(x) >= 2*DefaultBins, Constant: true}
	}
	// about the first binned sample: the deviations' sums keep what the
	// sums of a large mean would round away
	c := aboutOf(kept)
	mean, err := MeanErr(binAbout(x, nb, c))
	mean += c
	r := t.tauInt(x)
	return Estimate{Mean: mean, Err: err, Tau: r.tau, TauErr: r.err, WindowNeeds: r.needs, Reliable: r.ok && reliableBins(len(x), nb, r.tau) && finite([]float64{mean, err})}
}

// BoundedSum estimates the mean of a series whose partial sums about
// the value about stay bounded: the increments of a stationary process
// (about 0), such as the velocity of a confined coordinate sampled at
// every step of its baoab trajectory, whose sum over the steps is
// exactly the displacement over the time (plus end terms), or a
// stationary sandpile's grains lost a grain (about 1: each grain added
// leaves but for the change of the pile's mass). Over the samples Series
// keeps, M of them, the mean is Series', and its error is not binning's:
// the mean less about is the partial sums' end minus their start over M,
// whose spread over runs longer than the sums' correlations is
// sqrt(2 var S)/M, var S the variance of the partial sums S_n of x - about
// about their mean over the run. (Where the mean is not about, S drifts
// and var S grows with the run, an error too large, not too small.) Binning, which
// takes the bin means for independent, sees each bin's mean as its own
// ends' difference, and overstates that by about sqrt(bins) (7 for 50:
// 40 seeds of baoab particles measured their means' spread 0.13 - 0.15
// times it). Tau is the tau_int that error implies, M err^2/(2 var x),
// about 1/M where binning's would be 1/2 or more, and TauErr its
// statistical error: var S is the mean of y_n = (S_n - mean S)^2, whose
// error by y's Sokal tau_int is var S's (where y has no window, TauErr is
// Tau itself: not known to better than that). Reliable where y's error
// bins hold 20 of its tau_int, as a Series' are judged: the run long
// next to the process the sums follow (a pile still filling up, whose
// sums drift, is not). A constant series, or one with NaN or an
// infinity, is estimated as by Series, not reliable.
func BoundedSum(x []float64, about float64) Estimate {
	nb := Bins(len(x))
	kept := binned(x, nb)
	if !finite(x) || len(kept) < 2 || constant(kept) {
		e := series(x, nil)
		e.Reliable = false
		return e
	}
	c := aboutOf(kept)
	mean, _ := MeanErr(binAbout(x, nb, c))
	mean += c
	m := float64(len(kept))
	var sum, sumS float64
	sums := make([]float64, len(kept))
	for i, v := range kept {
		sum += v - about
		sums[i] = sum
		sumS += sum
	}
	meanS := sumS / m
	var varS, varX float64
	for i, v := range kept {
		d, dx := sums[i]-meanS, v-mean
		varS += d * d
		varX += dx * dx
	}
	varS /= m
	varX /= m - 1
	err := math.Sqrt(2*varS) / m
	tau := m * err * err / (2 * varX)
	y := make([]float64, len(kept))
	var varY float64
	for i, s := range sums {
		y[i] = (s - meanS) * (s - meanS)
		varY += (y[i] - varS) * (y[i] - varS)
	}
	varY /= m - 1
	r := tauEstimate(y)
	tauErr := tau
	if r.ok && varS > 0 {
		tauErr = tau * math.Sqrt(2*r.tau*varY/m) / varS
	}
	return Estimate{Mean: mean, Err: err, Tau: tau, TauErr: tauErr, Reliable: r.ok && varS > 0 && reliableBins(len(x), nb, r.tau)}
}

// needs is, for a search that found no window, how many samples a window
// needs at least where the rho(t) swing below 0 (the reach decides the
// window): 4 (a window fits in a quarter of the series) times SokalC
// reach, where that is more than the series has, the swing reaching past
// the lags tried (a damped oscillation slower than the run; the partial
// sum there is no bound on tau, and can be 0 or less). 0 otherwise: no
// swing, or a window that the series could hold but whose tau(W) stayed
// at 0 or below, as a telescoping series' does (its tau_int is 0), which
// no longer run mends. (Not by the last lag standing out of the noise,
// which the window must span too: in a series of a few rare events, such
// as a 1D pile's grains lost, two events 141 grains apart made a
// "significant" rho(141) out of the reach of Bartlett's Gaussian errors,
// and a window need that grows with the run.)
func (s *windowSearch) needs() float64 {
	if !s.swings && !s.byReach {
		return 0
	}
	need := 4 * SokalC * s.reach
	if need <= float64(s.n) {
		return 0
	}
	return need
}

// err is the statistical error of the tau the search ended with, rho =
// rho(0..W) its lags (W its window).
//
// Where Sokal's rule closed the window (a positive autocorrelation) it is
// Madras and Sokal's var(tau) = 2 (2W + 1) tau^2 / n (J. Stat. Phys. 50,
// 109 (1988); Wolff's Gamma method uses it), with tau no smaller than 1/2,
// white noise's. On AR(1) series and sums of two of them (TestTauErrSpread,
// a review's seed sets) it came out 0.97 to 1.36 times the spread of tau
// over seeds. Bartlett's variance below (bartlettErr), at the same
// window, is 20 to 27% smaller there, and 0.8 times the spread on sums
// of two AR(1) series (0.84 at a = 0.5 plus 0.95, where this is 1.13):
// the window, picked from the data, adds spread that
// a fixed window's variance leaves out.
//
// Where the rho(t) swing below 0 (the reach closed the window) they cancel
// in tau and not in its error, which tau^2 no longer measures, and it is
// bartlettErr: on AR(1) series at a = -0.5 and -0.9 and damped
// oscillations of periods 4 to 60 0.96 to 1.25 times the spread, where
// Madras and Sokal's gave 2.4 and 6 times at a = -0.5, -0.9, and 0.37
// times at period 200 (decay over 1000 lags, n = 200000, 120 seeds: tau
// 2.09 spread by 1.69; this gave 1.04 times). For tau of 1/2 or more it is
// the larger of the two: a mostly positive autocorrelation with a dip
// below 0 keeps Madras and Sokal's error, which Bartlett's falls short of
// at a window picked from the data (above); the oscillations above come
// out with Bartlett's.
func (s *windowSearch) err(rho []float64) float64 {
	w := len(rho) - 1
	ms := max(s.tau, 0.5) * math.Sqrt(2*float64(2*w+1)/float64(s.n))
	if !s.byReach {
		return ms
	}
	b := bartlettErr(rho, s.n)
	if s.tau < 0.5 {
		return b
	}
	return max(b, ms)
}

// bartlettErr is the statistical error of tau = 1/2 + sum_{t=1}^{W} rho(t)
// from n samples, rho = rho(0..W): Bartlett's variance of the estimated
// rho(t) (M. S. Bartlett, J. R. Stat. Soc. Suppl. 8, 27 (1946); Brockwell
// and Davis, Time Series, eq. 7.2.6) summed over the window,
//
//	var(tau) = 1/n sum_{k>=1} B_k^2,
//	B_k = sum_{t=1}^{W} [rho(k+t) + rho(k-t) - 2 rho(t) rho(k)],
//
// with rho(t) taken as 0 beyond the window (as tau itself takes it).
// White noise gives W/n; a positive autocorrelation short next to W gives
// B_k about 2 tau for k <= W, Madras and Sokal's variance.
func bartlettErr(rho []float64, n int) float64 {
	w := len(rho) - 1
	// q[j+w+1] = sum_{i=-w}^{j} rho(|i|), j = -w-1..w: sums of rho over
	// lag ranges, rho(|i|) = 0 for |i| > w
	q := make([]float64, 2*w+2)
	for j := -w; j <= w; j++ {
		q[j+w+1] = q[j+w] + rho[abs(j)]
	}
	sum := func(lo, hi int) float64 { // sum_{i=lo}^{hi} rho(|i|)
		lo, hi = max(lo, -w), min(hi, w)
		if lo > hi {
			return 0
		}
		return q[hi+w+1] - q[lo+w]
	}
	s := sum(1, w) // tau - 1/2
	var v float64
	for k := 1; k <= 2*w; k++ {
		b := sum(k+1, k+w) + sum(k-w, k-1)
		if k <= w {
			b -= 2 * rho[k] * s
		}
		v += b * b
	}
	return math.Sqrt(v / float64(n))
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// shortTau is tau, or NaN for a series of n < minTauSamples samples, too
// short to give any tau_int (a constant one's 1/2 too).
func shortTau(n int, tau float64) float64 {
	if n < minTauSamples {
		return math.NaN()
	}
	return tau
}

// meansOf returns the mean of each series.
func meansOf(xs [][]float64) []float64 {
	m := make([]float64, len(xs))
	for k, x := range xs {
		m[k] = stat.Mean(x, nil)
	}
	return m
}

// reliableBins reports whether n samples in nb bins make an error bar to
// trust for tau_int tau: DefaultBins bins (so at least 2 samples each:
// bins of single samples give the naive error, whatever tau), each at least
// 20 tau long.
func reliableBins(n, nb int, tau float64) bool {
	// (Bins gives 50 single-sample bins to a series of exactly 50: the
	// count alone let such a series of tau_int under 1/20 pass)
	return nb == DefaultBins && n >= 2*DefaultBins && float64(n/nb) >= 20*tau
}

// Derived estimates f of the means of the series xs (all the same length):
// value and error by the jackknife over bins, and tau_int of the linearized
// series sum_k df/dmean_k * x_k (the Gamma-method projection), whose
// autocorrelation is that of the derived quantity. It is reliable when
// the projection's bins and those of every input f depends on hold 20 of
// their tau_int.
//
// An input series with NaN or an infinity gives NaN, not reliable.
func Derived(xs [][]float64, f func(means []float64) float64) Estimate {
	return derived(xs, f, nil)
}

// derived is Derived taking its inputs' tau_int from t.
func derived(xs [][]float64, f func(means []float64) float64, t *taus) Estimate {
	n := len(xs[0])
	nb := Bins(n)
	bad := nb == 0
	for _, x := range xs {
		bad = bad || !finite(x)
	}
	if bad {
		return Estimate{Mean: math.NaN(), Err: math.NaN(), Tau: math.NaN(), TauErr: math.NaN()}
	}
	allConstant := true
	for _, x := range xs {
		allConstant = allConstant && constant(binned(x, nb))
	}
	if allConstant {
		// exactly f of the constants, as Series gives a constant's value
		// (the jackknife would add its rounding as an error bar); as
		// binned, as Series
		v := make([]float64, len(xs))
		for k, x := range xs {
			v[k] = binned(x, nb)[0]
		}
		est := f(v)
		if !finite([]float64{est}) || n == 1 {
			// undefined, or one sample: no error bar (as Series)
			return Estimate{Mean: est, Err: math.NaN(), Tau: math.NaN(), TauErr: math.NaN()}
		}
		return Estimate{Mean: est, Err: 0, Tau: shortTau(n, 0.5), TauErr: shortTau(n, 0), Reliable: n >= 2*DefaultBins, Constant: true}
	}
	if n < minTauSamples {
		// a jackknife over so few single-sample bins is no error bar: for
		// a variance of 2 samples every leave-one-out value is 0, and the
		// error came out as rounding (1e-15)
		est := f(meansOf(xs))
		return Estimate{Mean: est, Err: math.NaN(), Tau: math.NaN(), TauErr: math.NaN()}
	}
	bins := make([][]float64, len(xs))
	about := make([]float64, len(xs))
	for k, x := range xs {
		about[k] = aboutOf(binned(x, nb))
		bins[k] = binAbout(x, nb, about[k])
	}
	means := meansOf(xs)
	est, err := jackknifeAbout(bins, about, f)
	grad := make([]float64, len(xs))
	probe := append([]float64(nil), means...)
	for k, x := range xs {
		// the step is the mean's error scale sigma_k / sqrt(n), as in
		// Wolff's Gamma method, the linearization being needed only over
		// the error bar (a step relative to a mean far below f's other
		// terms was lost in their rounding), and at least 1e-6 of the mean
		// (n >= 2 here: a single sample is constant, handled above); no
		// floor of its own, which would set a scale: 1e-12 swamped inputs
		// of 2^-256 (the squared energies of |J| = 1e-77), whose mean's
		// probes then rounded to the step alone
		h := math.Max(stdDev(x)/math.Sqrt(float64(n)), 1e-6*math.Abs(means[k]))
		if !(h > 0) {
			h = 1e-12 // (a constant 0: any step)
		}
		// (the probes of a one-signed series, such as m^2, do not cross 0,
		// where f may be singular: there sigma/sqrt(n) <= |mean|, as
		// sum x^2 <= (sum x)^2)
		probe[k] = means[k] + h
		fp := f(probe)
		probe[k] = means[k] - h
		fm := f(probe)
		probe[k] = means[k]
		grad[k] = (fp - fm) / (2 * h)
	}
	proj := make([]float64, n)
	for k, x := range xs {
		for i, v := range x {
			proj[i] += grad[k] * v
		}
	}
	if sqrtNb := math.Sqrt(float64(nb)); err < 64*sqrtNb*math.Abs(est)*0x1p-52 {
		// the leave-one-out values spread over 64 of f's ulps or less
		// (1e8 + 1e-6 noise), so the jackknife measured f's rounding as
		// much as the bins' spread: the linearized error instead, the
		// projection's (about its first binned sample)
		if _, perr := MeanErr(binAbout(proj, nb, aboutOf(binned(proj, nb)))); finite([]float64{perr}) {
			err = perr
		}
	}
	r := tauEstimate(proj)
	tau, ok := r.tau, r.ok
	var inNeeds float64
	// and each input it depends on must be reliable itself: a slow mode of
	// an input can hide in the projection's autocorrelation and still
	// leave its error bars too small (the Ising specific heat at L = 96
	// near Tc: the projection's tau_int 8, the energy's 90; over 64 seeds
	// its values spread 1.85 times their errors, 39 of them "reliable")
	var inTau, inErr float64
	for k, x := range xs {
		if grad[k] == 0 || constant(x) {
			continue
		}
		rx := t.tauInt(x)
		ok = ok && rx.ok && reliableBins(n, nb, rx.tau)
		if rx.tau > inTau { // (NaN: not longer)
			inTau, inErr = rx.tau, rx.err
		}
		inNeeds = max(inNeeds, rx.needs)
	}
	return Estimate{Mean: est, Err: err, Tau: tau, TauErr: r.err, InputTau: inTau, InputTauErr: inErr, WindowNeeds: r.needs, InputWindowNeeds: inNeeds, Reliable: ok && reliableBins(n, nb, tau) && finite([]float64{est, err})}
}
