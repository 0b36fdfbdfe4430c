package sim

import (
	"fmt"
	"math"
	"strings"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/stats"
)

// gaussianExact are the exact stationary means of phi4's observables at
// lambda = 0, the Gaussian field, under the run's scheme and step
// (quench.GaussianField), in the definitions of phi4Row and
// langevinObservables; nil where GaussianField refuses (m2 = 0 but under
// model B, a lattice beyond its bound).
//
// Every site is Gaussian with mean mu and variance s2 = GaussianModes.Var,
// so phi2 = mu^2 + s2, phi4 = mu^4 + 6 mu^2 s2 + 3 s2^2, energy_mass =
// m2/2 phi2, energy_gradient = GaussianModes.Gradient, energy_quartic = 0,
// energy_field = -h mu and energy their sum; S_k along axis a is
// GaussianModes.Axis[a], plus V mu^2 where L_a = 1 (the wave is then
// constant). Under em, lm and baoab mu = h/m2, and the mean field m is
// Gaussian with mean mu and variance sigma^2 = GaussianModes.Zero/V:
// <m^2> = mu^2 + sigma^2 gives the susceptibility V <m^2>/T, <m^4> =
// mu^4 + 6 mu^2 sigma^2 + 3 sigma^4 the Binder cumulant
// 1 - <m^4>/(3 <m^2>^2), and <|m|> = |mu| + delta,
// delta = sigma (sqrt(2/pi) exp(-a^2/2) - a erfc(a/sqrt 2)), a = |mu|/sigma,
// the connected susceptibility V (sigma^2 - 2 |mu| delta - delta^2)/T.
//
// Model B conserves m, so mu is the start's m: 0 from a cold start, and
// from a hot start, which draws it, the run's conserved m, the measured
// phi (est; rounding moves it by about 1e-16); the other modes fluctuate
// about it as GaussianField says. What depends on m alone (ModelBConserved)
// and S_k along an axis of extent 1 (V m^2) vary by rounding only, so they
// get no exact value: their error bars measure rounding.
func (c *Config) gaussianExact(est map[string]stats.Estimate) map[string]float64 {
	g, err := quench.GaussianField(c.Phi4Params(), c.Shape)
	if err != nil {
		return nil
	}
	v := float64(c.Lattice().Sites())
	modelB := c.Scheme == quench.SchemeModelB
	mu := c.H / c.M2
	if modelB {
		mu = 0
		if c.Start == "hot" || c.Phi0 != 0 {
			// (a cold start at --phi0: round(phi0) on every site,
			// whose mean the measured phi is to the last bits)
			m := est["phi"].Mean
			if math.IsNaN(m) || math.IsInf(m, 0) {
				return nil
			}
			mu = m
		}
	}
	field := 0.0 // as phi4Row: not -0 at h = 0
	if c.H != 0 {
		field = -c.H * mu
	}
	s2, mu2 := g.Var, mu*mu
	phi2 := mu2 + s2
	x := map[string]float64{
		"phi2":            phi2,
		"phi4":            mu2*mu2 + 6*mu2*s2 + 3*s2*s2,
		"energy_gradient": g.Gradient,
		"energy_mass":     c.M2 / 2 * phi2,
		"energy_quartic":  0,
		"energy":          g.Gradient + c.M2/2*phi2 + field,
	}
	for a, l := range c.Shape {
		name := skName(a)
		switch {
		case l > 1:
			x[name] = g.Axis[a]
		case !modelB:
			x[name] = g.Axis[a] + v*mu2
		}
	}
	if modelB {
		return x
	}
	sig2 := g.Zero / v
	m2 := mu2 + sig2
	x["phi"] = mu
	x["energy_field"] = field
	x["binder"] = 1 - (mu2*mu2+6*mu2*sig2+3*sig2*sig2)/(3*m2*m2)
	x["susceptibility"] = v * m2 / c.T
	sig := math.Sqrt(sig2)
	a := math.Abs(mu) / sig
	delta := sig * (math.Sqrt(2/math.Pi)*math.Exp(-a*a/2) - a*math.Erfc(a/math.Sqrt2))
	x["susceptibility_connected"] = v * (sig2 - 2*math.Abs(mu)*delta - delta*delta) / c.T
	if c.hasCorrelationLength() {
		// (mu = 0 at h = 0: S(0) = V sigma^2)
		x["correlation_length"] = c.correlationLength(v*sig2, g.Axis)
	}
	return x
}

// ringExact are the exact Boltzmann means of phi4's observables on a ring
// (one axis) at lambda != 0 (quench.Phi4Ring, the transfer integral), for
// the schemes that sample exp(-H/T) as dt -> 0: em, lm and baoab. Their
// step adds a bias of order dt (em) or dt^2 (lm, baoab) that these values
// leave out. Model B conserves the mean field, so it samples the
// canonical law at the start's m, another one: it gets none. Given are
// phi, phi2, phi4, the energy and its terms (energy_gradient from
// <phi_0 phi_1>), S_k0, the susceptibility L <m^2>/T (from the sums
// over r of <phi_0 phi_r>) and the Binder cumulant 1 - <m^4>/(3 <m^2>^2)
// of the mean field m, as phi4Row and langevinObservables define it (from
// <m^4>, the generating function's; left out where Phi4Ring leaves it
// NaN, beyond quench.Phi4RingMomentWork); the connected susceptibility,
// which needs <|m|>, is not. nil where Phi4Ring refuses (a grid beyond
// its bound).
func (c *Config) ringExact() map[string]float64 {
	if len(c.Shape) != 1 || c.Scheme == quench.SchemeModelB {
		return nil
	}
	r, err := quench.Phi4Ring(c.M2, c.Lambda, c.H, c.T, c.Shape[0])
	if err != nil {
		return nil
	}
	field := 0.0 // as phi4Row: not -0 at h = 0
	if c.H != 0 {
		field = -c.H * r.Phi
	} else {
		r.Phi = 0 // phi -> -phi: exactly, not the quadrature's 1e-17
	}
	mass, quartic := c.M2/2*r.Phi2, c.Lambda/4*r.Phi4
	x := map[string]float64{
		"phi":             r.Phi,
		"phi2":            r.Phi2,
		"phi4":            r.Phi4,
		"energy":          r.Gradient + mass + quartic + field,
		"energy_gradient": r.Gradient,
		"energy_mass":     mass,
		"energy_quartic":  quartic,
		"energy_field":    field,
		"S_k0":            r.Sk,
		"susceptibility":  float64(c.Shape[0]) * r.M2 / c.T,
	}
	if !math.IsNaN(r.M4) {
		x["binder"] = 1 - r.M4/(3*r.M2*r.M2)
	}
	if c.hasCorrelationLength() {
		x["correlation_length"] = c.correlationLength(float64(c.Shape[0])*r.M2, []float64{r.Sk})
	}
	return x
}

// harmonicExact are the exact stationary means of the harmonic particles'
// observables under the run's scheme and step (quench.HarmonicParticles):
// x_mean 0, and x_var (and under baoab v_var) the variance times
// (n - 1)/n for n = N d coordinates, as the observables subtract the
// ensemble's mean from n independent coordinates, and x2, the mean square
// about 0, the variance itself (under baoab v_mean 0 and v2 the
// velocities' variance); nil at T = 0 or k = 0,
// where the particles have no stationary spread.
func (c *Config) harmonicExact() map[string]float64 {
	xv, vv, err := quench.HarmonicParticles(c.ParticleParams())
	if err != nil || !inMeasured(xv) || !inMeasured(vv) {
		// (a variance beyond the bound the measurements are held to: a
		// run that reached it would be refused)
		return nil
	}
	n := float64(c.Coordinates())
	f := (n - 1) / n
	x := map[string]float64{"x_mean": 0, "x_var": f * xv, "x2": xv}
	if c.Scheme == quench.SchemeBAOAB {
		x["v_mean"], x["v_var"], x["v2"] = 0, f*vv, vv
	}
	return x
}

// doubleWellExact are the exact Boltzmann means of the double-well
// particles' observables at dt -> 0 (the schemes sample exp(-U/T),
// U = k (x^2 - 1)^2 per coordinate, with a bias of order dt under em and
// dt^2 under lm and baoab, which these values leave out): x_mean 0 by the
// symmetry x -> -x, x_var (n - 1)/n <x^2> for n = N d independent
// coordinates (as harmonicExact) and x2 <x^2>, by quadrature (quench.Phi4Ring on
// a ring of one site, which has no gradient term: m2 = -4k, lambda = 4k),
// and under baoab v_mean 0, v_var (n - 1)/n T/mass and v2 T/mass. nil at T = 0 or k = 0 (no
// stationary spread, or none at all) and where Phi4Ring refuses (wells
// too deep for its grid).
func (c *Config) doubleWellExact() map[string]float64 {
	if !(c.K > 0) || !(c.T > 0) {
		return nil
	}
	r, err := quench.Phi4Ring(-4*c.K, 4*c.K, 0, c.T, 1)
	if err != nil {
		return nil
	}
	n := float64(c.Coordinates())
	f := (n - 1) / n
	x := map[string]float64{"x_mean": 0, "x_var": f * r.Phi2, "x2": r.Phi2}
	if c.Scheme == quench.SchemeBAOAB {
		x["v_mean"], x["v_var"], x["v2"] = 0, f*c.T/c.Mass, c.T/c.Mass
	}
	return x
}

// kuramotoExact is the exact Boltzmann <r^2> (order_parameter2) of noisy
// Kuramoto oscillators of one natural frequency at dt -> 0: their
// stationary state is the mean-field XY model's exp((k N / 2T) r^2)
// (quench.KuramotoR2; the schemes' step adds a bias of order dt under em
// and dt^2 under lm, which it leaves out), and x_mean, 1/2 at any dt
// (symmetryMeans); with a spread of frequencies (no Boltzmann
// distribution: the phases are driven) x_mean alone; nil at T = 0 (no
// stationary spread).
func (c *Config) kuramotoExact() map[string]float64 {
	switch {
	case !(c.T > 0):
		return nil
	case c.OmegaSpread != 0:
		return map[string]float64{"x_mean": 0.5}
	}
	r2, err := quench.KuramotoR2(c.N, c.K/c.T)
	if err != nil {
		return nil
	}
	return map[string]float64{"order_parameter2": r2, "x_mean": 0.5}
}

// kmpExact are the exact stationary means of kmp's observables. Each
// bond's update redraws its two masses uniformly at their fixed sum, which
// keeps independent exponential masses conditioned on their total
// invariant, so the stationary masses are uniform on the simplex of the
// conserved total M = N mean (the fixed point's 2^-32 units aside): m_x/M
// is Beta(1, N-1), so mass_var = mean^2 (N-1)/(N+1), two distinct sites
// have covariance -mean^2/(N+1) (mass_corr1; along an axis of extent 1
// the neighbour is the site itself, mass_var), and the largest of the N
// spacings averages mean H_N (the harmonic number). mean is the measured
// mass_mean, from the exact integer total; nil without one, and where
// the fixed point's rounding is not negligible (kmpShift above
// kmpMaxShift).
func (c *Config) kmpExact(est map[string]stats.Estimate) map[string]float64 {
	mean := est["mass_mean"].Mean
	n := float64(c.Lattice().Sites())
	if !(c.kmpShift(mean) <= kmpMaxShift) || math.IsInf(mean, 0) || n < 2 {
		return nil
	}
	v := mean * mean * (n - 1) / (n + 1)
	corr := -mean * mean / (n + 1)
	if c.Shape[len(c.Shape)-1] == 1 {
		corr = v
	}
	return map[string]float64{"mass_var": v, "mass_corr1": corr, "mass_max": mean * harmonicNumber(c.Lattice().Sites())}
}

// kmpShift is the relative shift of kmp's mass_corr1 (and less of
// mass_var) that the fixed point's rounding makes at the mean mass mean:
// a bond's lower end gets floor(E u/2^32) of its E units, the upper end
// the rest, so the last class leaves its upper ends half a unit richer,
// which shifts mass_corr1 by about -1/4 unit^2 against its
// -mean^2/(N+1), (N+1)/(4 u^2) of it with u the mean in units (at 4 units
// a site, --mass0 1e-9 on a ring of 16, -42 errors in 2,000,000 steps).
// +Inf for a mean of 0.
func (c *Config) kmpShift(mean float64) float64 {
	u := mean * 0x1p32
	return (float64(c.Lattice().Sites()) + 1) / (4 * u * u)
}

// kmpMaxShift is the largest kmpShift with exact kmp values: 2^-23, as
// transfer's (transferMinDMean), below what a run resolves in any
// practical length. It was a mean of 2^-16 whatever the lattice, which
// withheld them from a ring of 64 at --mass0 1e-5 (a shift of 9e-9; an
// audit) and gave them to 16384^2 at 2^-16, shifted 1.6%.
const kmpMaxShift = 0x1p-23

// harmonicNumber is H_n = 1 + 1/2 + ... + 1/n: summed, the small terms
// first, up to 2^20; above, from its asymptotic series ln n + gamma +
// 1/(2n) - 1/(12 n^2) + 1/(120 n^4), whose next term, 1/(252 n^6), is
// below float64's rounding there.
func harmonicNumber(n int64) float64 {
	if n <= 1<<20 {
		var h float64
		for k := n; k >= 1; k-- {
			h += 1 / float64(k)
		}
		return h
	}
	x := float64(n)
	return math.Log(x) + 0.57721566490153286061 + 1/(2*x) - 1/(12*x*x) + 1/(120*x*x*x*x)
}

// transferExact are the exact stationary means of transfer's second
// moments. A bond (x, y) moves the fraction D of its source's mass, the
// source x or y with probability 1/2, so m' = A m with A one of two
// matrices, linear in the masses: with A = Abar +- Delta, Abar = I -
// (D/2) v v^T the mean update (v = e_y - e_x) and Delta = (D/2) v u^T
// (u = e_x + e_y), a bond maps G = <m m^T> to Abar G Abar^T + (D^2/4)
// (u^T G u) v v^T. Every such map keeps G = mean^2 1 1^T + a (I - 1 1^T/N)
// with a (1 - D + D/N) = D mean^2 (check: the v v^T terms, -D a + D^2 a/2
// from Abar and D^2 (mean^2 + a/2 - a/N) from the noise, cancel), so
// every sweep does whatever the order of its bonds; and the stationary law
// of the masses at a given total is unique (two copies driven by the same
// choices approach each other: their difference, of sum 0, never grows in
// L1 and shrinks whenever the choices mix it), so this is its G whatever
// the start: mass_var = a (N-1)/N = mean^2 D (N-1)/(N - D (N-1)) and
// every two distinct sites, the neighbours of mass_corr1 and each lag r
// of C(r) > 0, have covariance -a/N = -mean^2 D/(N - D (N-1)). As N grows
// mass_var tends to mean^2 D/(1-D). D is the fraction the fixed point
// moves (Config.UsedFraction); mean the measured mass_mean, from the
// exact integer total; nil without one, and where D mean is below
// transferMinDMean, where the fixed point's rounding is not negligible.
// mass_max, which the second moments do not fix, has none.
func (c *Config) transferExact(est map[string]stats.Estimate) map[string]float64 {
	mean := est["mass_mean"].Mean
	d := c.UsedFraction()
	n := float64(c.Lattice().Sites())
	if !(d*mean >= transferMinDMean) || math.IsInf(mean, 0) || n < 2 {
		return nil
	}
	cov := -d * mean * mean / (n - d*(n-1)) // -a/N
	return map[string]float64{"mass_var": -cov * (n - 1), "mass_corr1": cov}
}

// transferMinDMean is the smallest product of the fraction D and the mean
// mass with exact transfer values. d = floor(m D) leaves the source a
// remainder eps in [0, 1) units more than D of its mass: that adds
// -2 D <eps> mean + <eps^2> (units^2, eps taken as independent of the
// masses) to the D^2 mean^2 of every bond's noise, so a, and with it
// mass_var and mass_corr1, shrinks by 2 <eps>/(D mean) relative, below
// 2/(D mean) with mean in units (a ring of 16 at D = 0.5 and 64 units a
// site measured mass_var 1.5%, 24 errors, below the exact value, 0.4
// errors from the value with this shift; docs/exact-values.md). From
// D mean = 2^-8 (D = 0.004 at mass 1), 2^24 units, the shift is below
// 2^-23 (1.2e-7), which a run resolves at one error only after some
// 10^15 measured site-steps, 4 million steps of 16384^2 sites (mass_var's
// relative error is about 4/sqrt(site-steps): 3.6 on 4x4 at D = 0.1, 5.3
// on a ring of 16 at D = 0.5).
const transferMinDMean = 0x1p-8

// exactMissing says why a run whose model reports exact values where they
// are known (exactValues) has none: its parameters lie beyond the method's
// reach (a grid or sum too large, a mass so small that the fixed point's
// rounding shows) or outside the law it gives (model B's conserved mean,
// a frustrated antiferromagnet, no stationary spread). "" where none are
// known for the model or its parameters at all (the 2D Ising model at
// h != 0, interacting fields beyond 1D, aggregation, ...).
func (c *Config) exactMissing(est map[string]stats.Estimate) string {
	switch {
	case c.Model == "sandpile":
		if _, _, err := quench.SandpileMeanSize(c.Lattice()); err != nil {
			return "Dhar's mean avalanche size: " + err.Error()
		}
	case c.Model == "ising2d" && c.NoField() && len(c.Shape) == 2:
		if c.J < 0 && (c.Shape[0]%2 != 0 || c.Shape[1]%2 != 0) {
			return "an antiferromagnet on an odd extent is frustrated: it is not the ferromagnet with |J|, whose partition function Kaufman gives"
		}
		if _, _, err := quench.IsingExact2D(c.Shape[0], c.Shape[1], c.Beta*math.Abs(c.J)); err != nil {
			return "Kaufman's partition function: " + err.Error()
		}
	case c.Model == "phi4" && c.Lambda == 0:
		if _, err := quench.GaussianField(c.Phi4Params(), c.Shape); err != nil {
			return "the Gaussian field's law: " + err.Error()
		}
	case c.Model == "phi4" && len(c.Shape) == 1 && c.Scheme == quench.SchemeModelB:
		return "model B conserves the mean field, so it samples the canonical law at its start's m, not the ring's Boltzmann distribution (the transfer integral)"
	case c.Model == "phi4" && len(c.Shape) == 1:
		if _, err := quench.Phi4Ring(c.M2, c.Lambda, c.H, c.T, c.Shape[0]); err != nil {
			return "the transfer integral: " + strings.TrimPrefix(err.Error(), "Phi4Ring: ")
		}
	case c.Model == "particles" && (c.Potential == quench.PotentialHarmonic || c.Potential == quench.PotentialDoubleWell):
		if !(c.K > 0) || !(c.T > 0) {
			return "at T = 0 or k = 0 the particles have no stationary spread"
		}
		if xv, vv, err := quench.HarmonicParticles(c.ParticleParams()); c.Potential == quench.PotentialHarmonic && err == nil && (!inMeasured(xv) || !inMeasured(vv)) {
			return fmt.Sprintf("the stationary variance, %.3g, is beyond the %.0e the measurements are held to: a run reaching it is stopped", max(xv, vv), maxMeasured)
		}
		if c.Potential == quench.PotentialDoubleWell {
			if _, err := quench.Phi4Ring(-4*c.K, 4*c.K, 0, c.T, 1); err != nil {
				// above k/T = 1721 (the barrier is k: no particle crosses)
				return fmt.Sprintf("k/T = %.4g is above 1721: the quadrature's grid would need more than %d points", c.K/c.T, quench.Phi4RingMaxGrid)
			}
		}
	case c.Model == "particles" && c.Potential == quench.PotentialKuramoto:
		switch {
		case !(c.T > 0):
			return "at T = 0 the phases have no stationary spread"
		}
	case c.Model == "kmp":
		if mean := est["mass_mean"].Mean; !(c.kmpShift(mean) <= kmpMaxShift) {
			return fmt.Sprintf("at the mean mass %.3g the fixed point's rounding shifts mass_corr1 (and less mass_var) by about (N+1)/(4 u^2) relative, u the mean in 2^-32 units: %.2g here, more than the 2^-23 kmp's exact values are held to (at 4 units a site, 42 errors in 2e6 steps of a ring of 16)", mean, c.kmpShift(mean))
		}
	case c.Model == "transfer":
		if mean := est["mass_mean"].Mean; !(c.UsedFraction()*mean >= transferMinDMean) {
			// (the shift's bound, not a shift seen: a run resolves 1e-6
			// only after some 10^13 measured site-steps)
			dm := c.UsedFraction() * mean
			return fmt.Sprintf("the fraction times the mean mass, %.3g, is below 2^-8 (2^24 fixed-point units), below which the rounding of each transfer can shift mass_var and mass_corr1 by up to 2/(D mean), %.2g relative here, more than the 2^-23 this model's exact values are held to", dm, 2/(dm*0x1p32))
		}
	}
	return ""
}

// freeSpinsExact: the Ising models at J = 0 are N independent spins in
// the field h, each +1 with probability (1 + t)/2, t = tanh(beta h), on
// any lattice. With M = N m, the sum of the spins, whose cumulants are N
// times one spin's (t, 1 - t^2, -2t(1 - t^2), -2(1 - t^2)(1 - 3t^2)):
// magnetization t, energy per site -h t, specific heat
// N beta^2 var(e) = (beta h)^2 (1 - t^2), m2 = t^2 + (1 - t^2)/N, m4 from
// M's fourth moment, the susceptibility N beta m2 and the Binder cumulant
// from them (the Binder cumulant (2 K1^4 - 4 K3 K1 - K4)/(3 (K2 + K1^2)^2)
// in M's cumulants K). The stationary law of either algorithm at any h; at h = 0
// Metropolis is refused (it accepts every flip).
func (c *Config) freeSpinsExact() map[string]float64 {
	n := float64(c.Lattice().Sites())
	t := math.Tanh(c.Beta * c.H)
	// one spin's variance 1 - t^2 = 1/cosh^2(beta h), without the
	// cancellation where t nears 1
	e := math.Exp(-2 * math.Abs(c.Beta*c.H))
	v := 4 * e / ((1 + e) * (1 + e))
	k1, k2 := n*t, n*v
	k3, k4 := -2*n*t*v, -2*n*v*(1-3*t*t)
	m2 := k2 + k1*k1
	m4 := k4 + 4*k3*k1 + 3*k2*k2 + 6*k2*k1*k1 + k1*k1*k1*k1
	// 3 m2^2 - m4 in cumulants, without the cancellation of 1 - m4/(3 m2^2)
	// at t = 0, where it is 2/(3N)
	binder := (2*k1*k1*k1*k1 - 4*k3*k1 - k4) / (3 * m2 * m2)
	m2, m4 = m2/(n*n), m4/(n*n*n*n)
	energy := 0.0 // not -0 at h = 0
	if c.H != 0 {
		energy = -c.H * t
	}
	x := map[string]float64{
		"magnetization":  t,
		"energy":         energy,
		"specific_heat":  c.Beta * c.Beta * c.H * c.H * v,
		"m2":             m2,
		"m4":             m4,
		"susceptibility": n * c.Beta * m2,
		"binder":         binder,
	}
	if !c.NoField() {
		x["dm_dh"] = c.Beta * v // N beta Var(m), Var(m) = v/N
	}
	return x
}
