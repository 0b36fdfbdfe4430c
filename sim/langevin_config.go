package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/quenchlab/quench"
)

// Defaults of the Langevin models' parameters (the command's flag defaults).
const (
	DefaultDt    = 0.01
	DefaultGamma = 1.0
	DefaultMass  = 1.0
)

// ElemType is the element type of a Langevin model's buffers.
func (c *Config) ElemType() quench.DType {
	if IsMass(c.Model) {
		return quench.Int64
	}
	if c.Precision == "float32" {
		return quench.Float32
	}
	return quench.Float64
}

// Phi4Params converts the configuration for the kernels.
func (c *Config) Phi4Params() *quench.Phi4Params {
	return &quench.Phi4Params{Scheme: c.Scheme, Dt: c.Dt, M2: c.M2, Lambda: c.Lambda, H: c.H, T: c.T, Gamma: c.Gamma, Mass: c.Mass}
}

// ParticleParams converts the configuration for the kernels.
func (c *Config) ParticleParams() *quench.ParticleParams {
	return &quench.ParticleParams{Scheme: c.Scheme, Potential: c.Potential, Dt: c.Dt, T: c.T, Gamma: c.Gamma, Mass: c.Mass, K: c.K}
}

// Coordinates is the number of particle coordinates (N*d).
func (c *Config) Coordinates() int64 { return c.N * int64(c.D) }

func (c *Config) validateLangevin(what int) error {
	switch c.Precision {
	case "float32", "float64":
	default:
		return quench.Usagef("unknown --precision %q: allowed are float32, float64", c.Precision)
	}
	if !(c.Dt > 0) || math.IsInf(c.Dt, 0) {
		return quench.Usagef("--dt %v is not allowed: the time step must be a positive finite number", c.Dt)
	}
	if !(c.Gamma > 0) || math.IsInf(c.Gamma, 0) {
		return quench.Usagef("--gamma %v is not allowed: it must be a positive finite number", c.Gamma)
	}
	if !(c.Mass > 0) || math.IsInf(c.Mass, 0) {
		return quench.Usagef("--mass %v is not allowed: it must be a positive finite number", c.Mass)
	}
	switch {
	case c.T != 0 && c.Beta != 0 && (c.Beta == 1/c.T || c.T == 1/c.Beta) && c.T > 0:
	case c.T != 0 && c.Beta != 0:
		return quench.Usagef("both --T %v and --beta %v given: set one of them", c.T, c.Beta)
	case c.Beta != 0:
		if err := PositiveInvertible("--beta", "beta", c.Beta); err != nil {
			return err
		}
		c.T, c.BetaGiven = 1/c.Beta, true
	case c.Model == "phi4" && !(c.T > 0) || math.IsInf(c.T, 0) && c.Model == "phi4":
		return quench.Usagef("--T %v is not allowed: the temperature must be a positive finite number", c.T)
	case c.Model == "particles" && (!(c.T >= 0) || math.IsInf(c.T, 0)):
		return quench.Usagef("--T %v is not allowed: the temperature must be 0 (no noise) or a positive finite number", c.T)
	case c.T > 0 && math.IsInf(1/c.T, 0):
		return PositiveInvertible("--T", "the temperature", c.T)
	default:
		if c.T > 0 {
			c.Beta = 1 / c.T
		}
	}
	if what == forNew {
		if err := c.checkScales(); err != nil {
			return err
		}
	}
	if err := c.checkStart(); err != nil {
		return err
	}
	if err := c.validateRun(); err != nil {
		return err
	}
	if c.Model == "phi4" {
		return c.validatePhi4()
	}
	return c.validateParticles()
}

// maxPhi0 bounds --phi0: a start far beyond the potential's minima
// descends through curvatures that no time step the stability bound
// allows for the stationary field can follow (the bound counts the
// stationary points' curvature, not the start's).
const maxPhi0 = 1e3

func (c *Config) validatePhi4() error {
	if _, err := c.checkExtents(3); err != nil {
		return err
	}
	switch c.Scheme {
	case quench.SchemeEM, quench.SchemeLM, quench.SchemeBAOAB, quench.SchemeModelB:
	default:
		return quench.Usagef("unknown --scheme %q: allowed are em, lm, baoab, modelb", c.Scheme)
	}
	for _, v := range []struct {
		name string
		x    float64
	}{{"m2", c.M2}, {"h", c.H}} {
		if math.IsNaN(v.x) || math.IsInf(v.x, 0) {
			return quench.Usagef("--%s %v is not allowed: a finite number", v.name, v.x)
		}
	}
	if !(math.Abs(c.Phi0) <= maxPhi0) {
		return quench.Usagef("--phi0 %v is not allowed: a number from -%g to %g (the start's mean field)", c.Phi0, maxPhi0, maxPhi0)
	}
	if !(c.Lambda >= 0) || math.IsInf(c.Lambda, 0) {
		return quench.Usagef("--lambda %v is not allowed: a finite number >= 0", c.Lambda)
	}
	if c.Lambda == 0 && c.M2 < 0 {
		return quench.Usagef("--m2 %v with --lambda 0 is not allowed: the potential is unbounded below (use m2 > 0 or lambda > 0)", c.M2)
	}
	if c.Lambda == 0 && c.M2 == 0 && c.Scheme != quench.SchemeModelB {
		// (model B conserves the mean field and drops h: its modes k != 0
		// relax, to S_k = T/lambda_k)
		what := "flat, so the mean field diffuses without bound and has no stationary state"
		if c.H != 0 {
			what = "a linear tilt, unbounded below"
		}
		return quench.Usagef("--m2 0 with --lambda 0 is not allowed: the potential is %s (use m2 > 0 or lambda > 0)", what)
	}
	p := c.Phi4Params()
	bound := p.Phi4StabilityBound(c.Shape)
	if math.IsNaN(bound) {
		return quench.Usagef("--m2 %v, --lambda %v and --h %v are not allowed together: the potential's stationary points are beyond float64's range", c.M2, c.Lambda, c.H)
	}
	if !(bound > 0) {
		// no time step is stable (the bound would print as "dt < 0"):
		// name what overflows. The same potential at gamma = mass = 1
		// tells gamma's or mass's fault from the curvature's own (3
		// lambda phi^2 beyond float64, or model B's l k)
		q := *p
		q.Gamma, q.Mass = 1, 1
		switch {
		case !(q.Phi4StabilityBound(c.Shape) > 0):
			return quench.Usagef("--m2 %v, --lambda %v and --h %v are not allowed together: the stiffest mode's curvature overflows float64, so no time step is stable", c.M2, c.Lambda, c.H)
		case c.Scheme == quench.SchemeBAOAB:
			return quench.Usagef("--mass %v is too small for these parameters: mass over the stiffest mode's curvature underflows float64, so no time step is stable", c.Mass)
		}
		return quench.Usagef("--gamma %v is too large for these parameters: gamma times the stiffest mode's curvature overflows float64, so no time step is stable", c.Gamma)
	}
	// a step within rounding of the bound is refused too: at the bound
	// the stiffest mode neither grows nor decays (its factor is -1), and
	// the bound itself is a cosine's rounding from the exact one. The
	// limit is cut to 12 digits, so that the message names it exactly
	// (0.333333333332, not 0.33333333333299997).
	if limit := truncDigits(bound*(1-1e-12), 12); c.Dt >= limit {
		// the settings that make the stiffest mode stiff, named: the
		// --dt may be the default, refused for an --h or --m2 given
		by := "gamma"
		at := c.Gamma
		if c.Scheme == quench.SchemeBAOAB {
			by, at = "mass", c.Mass
		}
		return quench.Usagef("--dt %v is unstable for scheme %s at m2 %v, lambda %v, h %v, %s %v: the stiffest mode needs dt < %v", c.Dt, c.Scheme, c.M2, c.Lambda, c.H, by, at, limit)
	}
	if c.Phi0 != 0 || c.Start == "hot" {
		// the start's field, phi0 (plus up to 1 either way from a hot
		// start), may lie beyond the minima, where the curvature is
		// larger (between them it is smaller, or negative: no bound)
		x := c.Phi0
		if c.Start == "hot" {
			x += math.Copysign(1, c.Phi0)
		}
		curv := c.M2 + 3*(c.Lambda*x*x)
		if limit := truncDigits(p.StabilityAt(c.Shape, max(curv, 0))*(1-1e-12), 12); c.Dt >= limit {
			return quench.Usagef("--dt %v is unstable for the start at --phi0 %v (a %s start's field reaches %v, where the curvature m2 + 3 lambda phi^2 is %.4g): its stiffest mode needs dt < %v", c.Dt, c.Phi0, c.Start, x, curv, limit)
		}
	}
	_, err := p.Coeffs(len(c.Shape))
	if err != nil {
		return quench.Usagef("%v", err)
	}
	return nil
}

func (c *Config) validateParticles() error {
	if c.N < 1 || c.N > 1<<40 {
		return quench.Usagef("--N %d is not allowed: between 1 and 2^40 particles", c.N)
	}
	if c.Potential == quench.PotentialKuramoto && c.D != 1 {
		c.D = 1 // phases have one coordinate
	}
	if c.Potential == quench.PotentialKuramoto && c.Gamma != 1 {
		return quench.Usagef("--gamma %v does not apply to --potential kuramoto: its phases have unit mobility", c.Gamma)
	}
	if c.D < 1 || c.D > 16 {
		return quench.Usagef("--d %d is not allowed: particles live in 1 to 16 dimensions", c.D)
	}
	switch c.Scheme {
	case quench.SchemeEM, quench.SchemeLM, quench.SchemeBAOAB:
	default:
		return quench.Usagef("unknown --scheme %q: allowed for particles are em, lm, baoab", c.Scheme)
	}
	p := c.ParticleParams()
	if _, err := p.Coeffs(c.N); err != nil {
		return quench.Usagef("%v", err)
	}
	if c.K < 0 && c.Potential != quench.PotentialKuramoto {
		return quench.Usagef("--k %v is not allowed for potential %s: a negative k makes it unbounded below (use k >= 0)", c.K, c.Potential)
	}
	if math.IsNaN(c.Omega) || math.IsInf(c.Omega, 0) || !(c.OmegaSpread >= 0) || math.IsInf(c.OmegaSpread, 0) {
		return quench.Usagef("--omega %v and --omega-spread %v are not allowed: both finite, the spread >= 0", c.Omega, c.OmegaSpread)
	}
	// the frequencies omega + spread * xi, |xi| < 9 (Box-Muller from
	// 32-bit uniforms reaches 6.7; float64 ones 8.6), in the run's precision
	if top := math.Abs(c.Omega) + 9*c.OmegaSpread; top > math.MaxFloat64/2 || c.Precision == "float32" && top > math.MaxFloat32/2 {
		return quench.Usagef("--omega %v and --omega-spread %v are not allowed together: the frequencies would reach %.3g, beyond %s's range", c.Omega, c.OmegaSpread, top, c.Precision)
	}
	// a step turns a phase by dt omega_i (radians): past half a turn a
	// frequency aliases to a slower one, and a large turn leaves the phase,
	// in turns, few bits below the point (a uniform omega is a rotation:
	// subtract it). 7 spreads: the largest of 2^40 normals (--N's limit)
	// is about 7.0
	if fast := math.Abs(c.Omega) + 7*c.OmegaSpread; c.Potential == quench.PotentialKuramoto && c.Dt*fast >= math.Pi {
		return quench.Usagef("--dt %v is too large for frequencies up to |omega| + 7 spread = %.4g: a step must turn a phase by less than half a turn (dt |omega| < pi, so dt < %v; a uniform --omega is only a rotation, --omega 0 removes it)", c.Dt, fast, math.Pi/fast)
	}
	// a step's noise turns a phase by a Gaussian of standard deviation
	// sqrt(2 T dt) (em; lm sqrt(T dt)) radians, added to the phase in
	// turns in the run's precision before the whole turns are dropped: a
	// noise of 2^(p-12) turns (p the precision's significand bits) leaves
	// a phase fewer than 12 bits below the point, and from 2^p none, when
	// every phase rounds to 0 and r reads 1 (measured: float32 at dt 0.01
	// read r = 0.71 at T = 1e18, float64 0.84 at T = 1e36, both 1 beyond).
	// Any noise of a turn or more a step already makes the phases uniform,
	// so the bound costs nothing physical
	if c.Potential == quench.PotentialKuramoto && c.T > 0 {
		bits := 53
		if c.Precision == "float32" {
			bits = 24
		}
		turns := math.Ldexp(1, bits-12)
		std := math.Sqrt(2*c.T*c.Dt) / (2 * math.Pi) // em
		if c.Scheme == quench.SchemeLM {
			std = math.Sqrt(c.T*c.Dt) / (2 * math.Pi)
		}
		if 1+7*std >= turns {
			tmax := math.Pow((turns-1)*2*math.Pi/7, 2) / c.Dt // lm: T dt < (2 pi (turns-1)/7)^2
			if c.Scheme != quench.SchemeLM {
				tmax /= 2
			}
			size := "large" // T, or beta too small
			if c.BetaGiven {
				size = "small"
			}
			return quench.Usagef("%s is too %s for kuramoto at --dt %v in %s: a step's noise (7 standard deviations: %.3g turns) would leave the phases, kept in turns, fewer than 12 bits below the point, so T must be < %.3g (noise of a turn a step already makes the phases uniform)", c.tempFlag(), size, c.Dt, c.Precision, 7*std, truncDigits(tmax, 3))
		}
	}
	// stiffest curvature of the potential: K (harmonic), 8K at the minima
	// of the double well
	k := math.Abs(c.K)
	if c.Potential == quench.PotentialDoubleWell {
		k *= 8
	}
	if c.Potential == quench.PotentialKuramoto && k > 0 {
		// attractive: the phases relax towards the mean phase at rate
		// K r <= K; repulsive: the order parameter decays from 0 at rate
		// |K|/2. The explicit step of a relaxation at rate a needs
		// dt a < 2 (measured: at K = -30 the order parameter is that of
		// small dt, times the EM factor, up to dt = 0.13 and breaks down
		// at 0.14 = 4.2/|K|)
		rate, what := k, "the phases relax towards the mean phase at rate up to k"
		if c.K < 0 {
			rate, what = k/2, "the order parameter relaxes at rate |k|/2"
		}
		if c.Dt >= 2/rate {
			return quench.Usagef("--dt %v is unstable for kuramoto k=%v: %s = %v, so dt must be < %v", c.Dt, c.K, what, rate, 2/rate)
		}
	}
	if c.Potential != quench.PotentialKuramoto && k > 0 {
		bound := 2 * c.Gamma / k
		if c.Scheme == quench.SchemeBAOAB {
			bound = 2 * math.Sqrt(c.Mass/k)
		}
		switch {
		case math.IsInf(k, 1):
			// the double well's 8k (the bound would print as "dt < 0")
			return quench.Usagef("--k %v is too large for potential %s: its curvature at the minima, 8k, overflows float64, so no time step is stable (k must be at most %v)", c.K, c.Potential, math.MaxFloat64/8)
		case !(bound > 0) && c.Scheme == quench.SchemeBAOAB:
			return quench.Usagef("--mass %v is too small for %s k=%v: mass over the curvature underflows float64, so no time step is stable", c.Mass, c.Potential, c.K)
		case !(bound > 0):
			return quench.Usagef("--gamma %v is too small for %s k=%v: gamma over the curvature underflows float64, so no time step is stable", c.Gamma, c.Potential, c.K)
		case c.Dt >= bound:
			// cut, not rounded, so that the bound named is never above
			// the one applied (%.6g printed 2/3 as 0.666667, which
			// 0.6666667 satisfies)
			by := fmt.Sprintf("gamma %v", c.Gamma)
			if c.Scheme == quench.SchemeBAOAB {
				by = fmt.Sprintf("mass %v", c.Mass)
			}
			return quench.Usagef("--dt %v is unstable for scheme %s with %s k=%v, %s: dt must be < %v", c.Dt, c.Scheme, c.Potential, c.K, by, truncDigits(bound, 12))
		}
	}
	return nil
}

// truncDigits returns x > 0 cut (not rounded) to its first n significant
// decimal digits, so that it is at most x and prints as at most n digits.
func truncDigits(x float64, n int) float64 {
	s := strconv.FormatFloat(x, 'e', -1, 64) // d.ddd...e±XX, x's shortest form
	mant, exp, _ := strings.Cut(s, "e")
	if len(mant) > n+1 { // the digit, the point and n-1 more
		mant = mant[:n+1]
	}
	v, err := strconv.ParseFloat(mant+"e"+exp, 64)
	if err != nil || v > x { // (neither happens: a cut decimal is no larger)
		return x
	}
	return v
}

// WellEscapeTarget is the expected number of escapes (WellEscapes) a run
// may hold before quench run warns: about a 1% chance of diverging.
const WellEscapeTarget = 0.01

// WellEscapes estimates, for overdamped (em, lm) double-well particles at
// T > 0, how often over the whole run a step carries a coordinate past
// xEsc = sqrt(1 + gamma/(2 k dt)), beyond which the explicit step of the
// cubic force overshoots further each step and diverges: the up-front
// bound (dt < gamma/(4k)) holds only near the minima. A coordinate x of
// the Boltzmann density exp(-k (x^2 - 1)^2/T) steps to f(x) = x -
// (dt/gamma) 4k x (x^2 - 1) plus a kick of variance v T dt/gamma, past
// xEsc (or -xEsc) with probability Q((xEsc - f(x))/sqrt(v T dt/gamma)),
// averaged over x by quadrature; the run takes N d (therm + steps) such
// chances. em's kick has v = 2; lm's mean of two draws has v = 1, but its
// first draw also made the coordinate's last step, so less of it is
// fresh: v = 0.75, fitted to few runs (a harmonic argument gives about
// 1 - 2k dt/gamma, which would put the safe dt's count near 0.05 rather
// than 0.01). At k = T = 1 over 10^8 coordinate steps: em at dt =
// 0.07 to 0.1 diverged in every run, at 0.06 and 0.05 in none; lm at 0.1
// in one of two (and in an audit's three runs of 5*10^8), at 0.09 and
// 0.08 in none. safeDt is the largest dt (to 2 digits, cut down) whose
// expected count is below WellEscapeTarget; ok is false where the
// estimate does not apply.
func (c *Config) WellEscapes() (expected, xEsc, safeDt float64, ok bool) {
	if c.Model != "particles" || c.Potential != quench.PotentialDoubleWell || c.K <= 0 || c.T <= 0 ||
		c.Scheme != quench.SchemeEM && c.Scheme != quench.SchemeLM {
		return 0, 0, 0, false
	}
	chances := float64(c.N) * float64(c.D) * float64(c.TotalSweeps())
	v := 2.0
	if c.Scheme == quench.SchemeLM {
		v = 0.75
	}
	// the density's reach: where k (x^2 - 1)^2 is 60 T above its minimum
	reach := math.Sqrt(1 + math.Sqrt(60*c.T/c.K))
	const points = 4000
	hx := 2 * reach / points
	var z float64
	w := make([]float64, points+1)
	for i := range w {
		x := -reach + float64(i)*hx
		u := x*x - 1
		w[i] = math.Exp(-c.K * u * u / c.T)
		z += w[i]
	}
	esc := func(dt float64) (float64, float64) {
		xe := math.Sqrt(1 + c.Gamma/(2*c.K*dt))
		s := math.Sqrt(v * c.T * dt / c.Gamma)
		var p float64
		for i, wi := range w {
			x := -reach + float64(i)*hx
			f := x - dt/c.Gamma*4*c.K*x*(x*x-1)
			p += wi * 0.5 * (math.Erfc((xe-f)/s/math.Sqrt2) + math.Erfc((xe+f)/s/math.Sqrt2))
		}
		return chances * p / z, xe
	}
	expected, xEsc = esc(c.Dt)
	lo, hi := 0.0, c.Dt
	for range 40 {
		mid := (lo + hi) / 2
		if e, _ := esc(mid); e < WellEscapeTarget {
			lo = mid
		} else {
			hi = mid
		}
	}
	return expected, xEsc, truncDigits(lo, 2), true
}
