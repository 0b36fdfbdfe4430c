// The summary of a run (summary.json): each observable's estimate, the
// exact values, the symmetry, stationarity and reliability notes,
// histograms, profiles and throughput.

package sim

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/stats"
)

// Value is one observable in summary.json. Fields that cannot be estimated
// (too few measurements) are null.
type Value struct {
	Mean   *float64 `json:"mean"`
	Error  *float64 `json:"error"`
	TauInt *float64 `json:"tau_int"`
	// TauIntError is tau_int's statistical error (stats.TauIntErr): null
	// with tau_int, and where no Sokal window was found.
	TauIntError *float64 `json:"tau_int_error"`
	// InputTauInt is, for a derived observable, the longest tau_int of its
	// inputs, whose bins its reliability depends on too (stats.Estimate's
	// InputTau), with its error; nil where none; not in the JSON (the
	// table's advice on how long to run reads it).
	InputTauInt, InputTauIntError *float64 `json:"-"`
	// WindowNeeds is, where no Sokal window closed because the
	// autocorrelations swing below 0 and reach past a quarter of the run,
	// how many measurements a window needs at least (stats.Estimate's
	// WindowNeeds; tau_int is then null); absent otherwise.
	// InputWindowNeeds is a derived observable's largest of its inputs',
	// not in the JSON (the table's advice reads it).
	WindowNeeds      *float64 `json:"window_needs,omitempty"`
	InputWindowNeeds *float64 `json:"-"`
	Reliable         bool     `json:"reliable"`
	// Constant: the same in every measurement averaged (stats.Estimate's
	// Constant), its error then 0. An error of 0 without it comes from
	// measurements that vary but whose error bins' means are all equal:
	// a telescoping series (a 1D pile's grains lost: each bin's mean is
	// set by the pile's grain count at the bin's ends, which a recurrent
	// chain holds at N - 1 almost always).
	Constant bool `json:"constant"`
	// Why the error bar is not reliable, for one with a value: "tau_int"
	// (the usual rule: under 100 measurements, no Sokal window, or bins
	// shorter than 20 tau_int), "slow_modes" (a conserved field's slow
	// modes, Summary.Diffusive), "not_stationary" (Summary.NotStationary),
	// "symmetry" (a mean that a symmetry makes 0, measured more than
	// symmetryErrors errors from it: symmetryBroken), "frozen" (the same
	// in every measurement, where the dynamics can change it: error 0 is
	// then no error bar; frozenConstant), "near_zero" (the correlation
	// length, whose root's argument lies fewer than NearZeroErrors errors
	// above 0: Summary.CorrelationRatio); one or more.
	UnreliableBy []string `json:"unreliable_by,omitempty"`
	// For a mean marked by the symmetry rule (but Kuramoto's, whose
	// phases wrap): how often its series changed sides of the value the
	// symmetry fixes (symmetryCrossings). 0: the run stayed on one side;
	// more: it crossed, too seldom for its error bars.
	SymmetryCrossings *int64 `json:"symmetry_crossings,omitempty"`
}

// Reasons an error bar is not reliable (Value.UnreliableBy).
const (
	ByTauInt        = "tau_int"
	BySlowModes     = "slow_modes"
	ByNotStationary = "not_stationary"
	BySymmetry      = "symmetry"
	ByFrozen        = "frozen"
	ByNearZero      = "near_zero"
	ByUnderdamped   = "underdamped"
)

// NearZeroErrors is how many errors above 0 the correlation length's
// root's argument r = S(0)/F - 1 must lie for the jackknife's error of
// the (signed) root to hold: the root's slope, 1/(2 sqrt|r|), is
// infinite at 0, and within 2 errors of it a 64^2 lattice at T = 10
// read xi -2.92(78) against 0.397 (r -0.082(44)), with error bars from
// 0.78 to 5.2 over seven seeds. At 3 errors the root's curvature moves
// its mean by about 1% of xi. Below 0 by more than its errors r says
// that they are too small: in the stationary state of these
// ferromagnetic fields S(0) >= S(k) (a Gaussian field at m2 = 4 read xi
// -5.04(73) against 0.5 over 3000 steps, its tau_int rule's mark
// alone).
const NearZeroErrors = 3

// NearZero reports whether a correlation length's root's argument of
// mean r and error e is not clearly positive, fewer than NearZeroErrors
// errors above 0 (the mark ByNearZero).
func NearZero(r, e float64) bool { return !(r >= NearZeroErrors*e) }

// RatioEstimate is a mean with its error.
type RatioEstimate struct {
	Mean  float64 `json:"mean"`
	Error float64 `json:"error"`
}

// Summary is summary.json.
type Summary struct {
	Model        string           `json:"model"`
	Backend      string           `json:"backend"`
	Shape        []int            `json:"shape"`
	Sites        int64            `json:"sites"`
	Params       map[string]any   `json:"params"`
	Seed         uint64           `json:"seed"`
	Start        string           `json:"start"`
	Sweeps       int64            `json:"sweeps"`
	Therm        int64            `json:"therm"`
	Every        int64            `json:"every"`
	Measurements int              `json:"measurements"`
	Observables  map[string]Value `json:"observables"`
	Throughput   Throughput       `json:"throughput"`
	// the binary that wrote the summary (a resumed run: the last one)
	Quench Build `json:"quench"`
	// Sandpile: histograms of the final heights (height_final: counts of
	// heights 0..2d-1), of the measured avalanches' size, area and duration
	// (log bins: [0] zero, [k] values in [2^(k-1), 2^k)), and of the sites'
	// activity (log bins).
	Histograms map[string][]int64 `json:"histograms,omitempty"`
	// Mass transfer: P(m) ("mass_distribution", MassBins fractions of
	// the sites, bins of width <m>/4; "mass_distribution_log", LogMassBins
	// fractions, bins of powers of two in mass units) and C(r)
	// ("correlation", r = 0 .. min(lx/2, 32768) along the last axis),
	// averaged over ProfileSnapshots snapshots taken every ProfileEvery
	// steps (profiles.csv holds each snapshot). Sandpile: P(h)
	// ("height_distribution", the fraction of sites at each height 0..2d-1;
	// "height_distribution_center", the same in the central box, the
	// middle half along each axis), likewise every ProfileEvery grains.
	Profiles map[string]Profile `json:"profiles,omitempty"`
	// HeightMean is a sandpile's mean height over its P(h) snapshots,
	// sum_h h P(h) in each: [0] over the lattice, [1] over its central
	// box, nearer the infinite lattice's 17/8 in 2D (a 64^2 pile's lattice
	// read 2.103, its box 2.123), with errors by the same rule as P(h)'s.
	HeightMean       *Profile `json:"height_mean,omitempty"`
	ProfileSnapshots int      `json:"profile_snapshots,omitempty"`
	ProfileEvery     int64    `json:"profile_every,omitempty"`
	// Dynamics that conserve the field (kmp, transfer, phi4 modelb), when
	// the slow modes' correlations, too long for the error bins, made
	// error bars not reliable (Config.slowTail): the slowest mode's
	// decorrelation time and the measured steps that would do, in steps.
	Diffusive *Diffusive `json:"diffusive_tail,omitempty"`
	// Dynamics that conserve the field (model B; transfer; kmp but from
	// its hot start, which is stationary), when the thermalization was
	// shorter than thermModes times the slowest mode's decorrelation time:
	// the start's slow modes had not relaxed when measuring began.
	ThermShort *ThermShort `json:"therm_short,omitempty"`
	// baoab: observables of underdamped modes whose error bins are short
	// for their envelope (underdampedModes)
	Underdamped *Underdamped `json:"underdamped,omitempty"`
	// Why no error bar of the run is reliable however long it runs
	// (aggregation: its masses keep merging; diffusion: its field relaxes
	// to a uniform one), or "".
	NotStationary string `json:"not_stationary,omitempty"`
	// Sandpile: the activity counts the thermalization grains too (a run
	// begun under checkpoint format 5 or older, past its thermalization).
	ActivityWithTherm bool `json:"activity_includes_thermalization,omitempty"`
	// What the error bars leave out (Kuramoto with a frequency spread: the
	// draw of the frequencies, fixed by the seed), or "".
	QuenchedDisorder string `json:"quenched_disorder,omitempty"`
	// Observables that the dynamics hold at their start values, so that
	// their series vary by rounding alone (model B: ModelBConserved, those
	// with a value; diffusion: u_mean): their errors and tau_int measure that rounding, and
	// running longer changes nothing, so they are reliable.
	Conserved []string `json:"conserved,omitempty"`
	// Observables of a deterministic run (Kuramoto at T = 0) whose series
	// have settled to the rounding of the phases, varying by it alone
	// (settledSeries: locked phases' r), and one phase's r, 1 by
	// definition: the end state, whose errors and tau_int measure that
	// rounding, so they are reliable.
	Settled []string `json:"settled,omitempty"`
	// Where the run has a correlation length with a value: the
	// jackknife's r = S(0)/F - 1 = (2 sin(pi/L) xi)^2 (signed), whose
	// root it is (NearZero marks it).
	CorrelationRatio *RatioEstimate `json:"correlation_ratio,omitempty"`
	// Exact values of observables in the stationary state of this run's
	// lattice and parameters, where they are known (exactValues).
	Exact map[string]float64 `json:"exact,omitempty"`
	// Why a run of a model whose runs report exact values has none
	// (exactMissing): its parameters are beyond their method's reach.
	ExactMissing string `json:"exact_missing,omitempty"`
}

// exactValues are Summary.Exact: the sandpile's "avalanche_size", Dhar's
// (1/N) 1^T Delta^-1 1 (quench.SandpileMeanSize), and on a chain its
// "mean_height" N/(N+1) (its N+1 recurrent states, equally likely in the
// stationary state: every height 1, or one of them 0); the 2D Ising model's
// "energy" and "specific_heat" at h = 0 from Kaufman's finite-lattice
// partition function (quench.IsingExact2D), for an antiferromagnet where
// both extents are even (the sublattices' flip maps it to the
// ferromagnet; an odd extent frustrates it); phi4 at lambda = 0, the
// Gaussian field, under its scheme at its step (gaussianExact: model B
// about its conserved mean, from a hot start the one est measured); phi4
// at lambda != 0 on a ring under em, lm and baoab, the Boltzmann means of
// the transfer integral at dt -> 0 (ringExact); harmonic particles
// (harmonicExact); double-well particles, their Boltzmann means at
// dt -> 0 (doubleWellExact); kmp (kmpExact); transfer's second moments
// (transferExact); the Ising models at J = 0, independent spins in the
// field (freeSpinsExact); with them, for a 2D ferromagnet at h = 0 on an
// L x L lattice up to quench.IsingFourierMaxL, "m2", "susceptibility",
// "S_k0", "S_k1" and "correlation_length" from the transfer matrix
// (isingFourierExact), and for an antiferromagnet there its staggered
// counterparts; nil for other runs.
// A value that is not finite is left out (summary.json could not hold it),
// as is one of an observable est does not hold.
func (c *Config) exactValues(est map[string]stats.Estimate) map[string]float64 {
	x := c.exactValuesAll(est)
	maps.DeleteFunc(x, func(name string, v float64) bool {
		// (an observable the run leaves out has none: v2 of a run begun
		// before v_mean was measured)
		_, measured := est[name]
		return !finite(v) || est != nil && !measured
	})
	if len(x) == 0 {
		return nil
	}
	return x
}

func (c *Config) exactValuesAll(est map[string]stats.Estimate) map[string]float64 {
	switch {
	case c.Model == "sandpile":
		if mean, _, err := quench.SandpileMeanSize(c.Lattice()); err == nil {
			// grains_lost: in the stationary state the pile's grain
			// count is stationary, so each grain added leaves, on
			// average (on any lattice; reported with Dhar's size, so
			// that a pile beyond his sum's reach keeps its reason,
			// exact_missing)
			x := map[string]float64{"avalanche_size": mean, "grains_lost": 1}
			if n := float64(c.Shape[0]); len(c.Shape) == 1 {
				// a chain's N + 1 recurrent states, equally likely: every
				// height 1, or one of them 0
				x["mean_height"] = n / (n + 1)
			} else if whole, _, ok := pileHeightsExact(c.Shape); ok {
				// a small pile's, its recurrent configurations
				// enumerated
				x["mean_height"] = meanOf(whole)
			}
			return x
		}
	case IsIsing(c.Model) && c.J == 0:
		return c.freeSpinsExact()
	case c.Model == "ising2d" && c.NoField() && len(c.Shape) == 2:
		j := math.Abs(c.J)
		if c.J < 0 && (c.Shape[0]%2 != 0 || c.Shape[1]%2 != 0) {
			return nil
		}
		if u, ch, err := quench.IsingExact2D(c.Shape[0], c.Shape[1], c.Beta*j); err == nil {
			x := map[string]float64{"energy": j * u, "specific_heat": ch}
			c.isingFourierExact(x)
			return x
		}
	case c.Model == "phi4" && c.Lambda == 0:
		return c.gaussianExact(est)
	case c.Model == "phi4":
		return c.ringExact()
	case c.Model == "particles" && c.Potential == quench.PotentialHarmonic:
		return c.harmonicExact()
	case c.Model == "particles" && c.Potential == quench.PotentialDoubleWell:
		return c.doubleWellExact()
	case c.Model == "particles" && c.Potential == quench.PotentialKuramoto:
		return c.kuramotoExact()
	case c.Model == "kmp":
		return c.kmpExact(est)
	case c.Model == "transfer":
		return c.transferExact(est)
	}
	return nil
}

// isingFourierExact adds to x, for a 2D ferromagnet at h = 0 on an
// L x L lattice (hasCorrelationLength) with L up to
// quench.IsingFourierMaxL, the exact m2 = <M^2>/N^2, susceptibility =
// beta <M^2>/N, S_k0 = S_k1 = <|M(k)|^2>/N and correlation length
// (quench.IsingFourierXi2D: the row-to-row transfer matrix at K = beta J,
// up to quench.IsingFourierMaxK); for an antiferromagnet there, the same
// values at |J| as its staggered_m2, staggered_susceptibility,
// staggered_S_k0, staggered_S_k1 and staggered_correlation_length.
func (c *Config) isingFourierExact(x map[string]float64) {
	if c.Model == "ising2d" && c.J < 0 && c.NoField() && len(c.Shape) == 2 && c.Shape[0] == c.Shape[1] && c.Shape[0]%2 == 0 && c.Shape[0] <= quench.IsingFourierMaxL {
		// an antiferromagnet at h = 0 on even extents is the ferromagnet
		// with |J|, its spins on one colour turned over: its staggered m
		// is that one's m (an audit's staggered_m2 0.42483096 was the
		// ferromagnet's m2 to the last digit, the runs being that map's
		// spin for spin; its staggered spins' modes, at k + (pi, pi), are
		// that one's at k)
		l := c.Shape[0]
		if chi0, f, xi, err := quench.IsingFourierXi2D(l, -c.Beta*c.J); err == nil {
			x["staggered_m2"], x["staggered_susceptibility"] = chi0/float64(l*l), c.Beta*chi0
			x["staggered_S_k0"], x["staggered_S_k1"], x["staggered_correlation_length"] = f, f, xi
		}
		return
	}
	if c.Model != "ising2d" || !c.hasCorrelationLength() || c.Shape[0] > quench.IsingFourierMaxL {
		return
	}
	l := c.Shape[0]
	chi0, f, xi, err := quench.IsingFourierXi2D(l, c.Beta*c.J)
	if err != nil {
		return // (K = beta J beyond quench.IsingFourierMaxK: T below J/10)
	}
	n := float64(l * l)
	x["m2"], x["susceptibility"], x["S_k0"], x["S_k1"], x["correlation_length"] = chi0/n, c.Beta*chi0, f, f, xi
}

// symmetryErrors is how many errors from the 0 a symmetry gives it an
// order parameter's mean may lie and its error bar still be reliable
// (symmetryBroken): honest errors, t-distributed over 50 bins, go past
// 4 in about 2 runs of 10000.
const symmetryErrors = 4

// symmetryMeans are the observables whose stationary mean a symmetry of
// the run's model fixes, with that mean: the Ising magnetization at h = 0
// (s -> -s), 0, and the staggered one at any h (a translation by one
// site, which the periodic lattice of even extents allows, flips its sign
// and keeps H), 0; phi4's phi at h = 0 (phi -> -phi), 0, but under model
// B, which conserves it; the double well's x_mean (x -> -x), 0; Kuramoto's
// x_mean, 1/2: turning every phase alike commutes with each scheme's step
// (the coupling depends on phase differences, the noise is isotropic), so
// the stationary law at any dt, with or without a spread of frequencies,
// is unchanged by it and each phase, in turns in [0, 1), is uniform (to
// the rounding of the phases); none at T = 0, where phi4 and the particles
// have no noise and no stationary law to be symmetric.
func (c *Config) symmetryMeans() map[string]float64 {
	switch {
	case c.Model == "ising2d" || c.Model == "ising3d":
		if c.NoField() {
			return map[string]float64{"magnetization": 0, "staggered_magnetization": 0}
		}
		return map[string]float64{"staggered_magnetization": 0}
	case c.T == 0:
		// phi4 and particles without noise: a deterministic descent
		// from the start, whose side the start picks once and for all
		return nil
	case c.Model == "phi4" && c.H == 0 && c.Scheme != quench.SchemeModelB:
		return map[string]float64{"phi": 0}
	case c.Model == "particles" && c.Potential == quench.PotentialDoubleWell && c.K != 0:
		// (at k = 0 no barrier: free particles, not_stationary)
		return map[string]float64{"x_mean": 0}
	case c.Model == "particles" && c.Potential == quench.PotentialKuramoto:
		return map[string]float64{"x_mean": 0.5}
	}
	return nil
}

// SymmetryMean is the stationary mean of observable name that a symmetry
// of the run's model fixes (symmetryMeans), at every time step of a
// Langevin scheme too, and whether there is one.
func (c *Config) SymmetryMean(name string) (float64, bool) {
	m, ok := c.symmetryMeans()[name]
	return m, ok
}

// symmetryBroken are the estimates of symmetryMeans whose mean lies more
// than symmetryErrors errors from the symmetry's: mostly, the run stayed
// on one side of the symmetry (an ordered Ising lattice or phi4 field that never
// reversed, particles that never crossed the double well's barrier,
// synchronized Kuramoto phases whose common phase did not turn), so its
// series is stationary within that side, its bins agree and its tau_int
// is short, but the error bar leaves out the other side, which another
// seed draws: an ordered 16^2 Ising lattice at T = 2, 40 seeds, 29
// magnetizations "reliable" at +-0.91 with errors of 5e-4. x_var is marked
// with its x_mean: the double well's subtracts the stuck x_mean^2 (N =
// 100, k = 12: x_var spread 28 times its errors over 20 seeds), and the
// spread of the wrapped Kuramoto phases depends on where their cluster
// sits against the wrap at 0 as much. Or its series changed sides, too
// seldom for its error bins (symmetryCrossings tells them apart): a
// single-well field or a low barrier, whose error bar is too small.
func (c *Config) symmetryBroken(est map[string]stats.Estimate) map[string]bool {
	out := map[string]bool{}
	for name, mean := range c.symmetryMeans() {
		e, ok := est[name]
		if !ok || !finite(e.Mean) || !finite(e.Err) || math.Abs(e.Mean-mean) <= symmetryErrors*e.Err {
			continue
		}
		out[name] = true
		if name == "x_mean" {
			// (not a constant x_var: one coordinate's spread is 0
			// wherever it sits)
			if v, ok := est["x_var"]; ok && !v.Constant {
				out["x_var"] = true
			}
		}
	}
	return out
}

// symmetryCrossings counts how often the series of name, a mean that a
// symmetry fixes at mean, changed sides of it (values equal to it are on
// neither side): 0 says the run stayed on one side.
func (st *State) symmetryCrossings(name string, mean float64) int64 {
	var x func(i int) float64
	n := len(st.Rows)
	if c := &st.Config; IsIsing(c.Model) {
		// the sums' signs are the per-site means' (the symmetric mean is 0)
		n = len(st.Samples)
		switch name {
		case "magnetization":
			x = func(i int) float64 { return float64(st.Samples[i].Mag) }
		case "staggered_magnetization":
			x = func(i int) float64 { return float64(st.Samples[i].Stag) }
		default:
			return 0
		}
	} else {
		j := slices.Index(c.Columns(), name)
		if j < 0 {
			return 0
		}
		x = func(i int) float64 { return st.Rows[i][1+j] }
	}
	var crossings int64
	side := 0
	for i := range n {
		s := 0
		switch v := x(i); {
		case v > mean:
			s = 1
		case v < mean:
			s = -1
		}
		if s != 0 && side != 0 && s != side {
			crossings++
		}
		if s != 0 {
			side = s
		}
	}
	return crossings
}

// roundedAway reports whether a constant series of the observable name
// with mean m is a diffusion field that stopped short of uniform: u_var
// above 0, the same in every measurement, as every step's change rounds
// away (an audit's float32 48x80 at alpha 0.2 held u_var 1.8e-10 over
// 2000 steps, a pattern some 450 ulps wide, while the exact relaxation
// goes on). A uniform field's u_var, 0, is exact.
func (c *Config) roundedAway(name string, m float64) bool {
	return c.Model == "diffusion" && name == "u_var" && m > 0
}

// frozenConstant reports whether a constant series of the observable name
// (stats.Estimate.Constant, error 0) says only that the run saw none of
// its fluctuations: the dynamics are random and could have changed it. A
// 4x4 Ising lattice at T = 0.5 measured energy -2 in all of 2000 sweeps
// (exact: -1.9999991) and specific heat 0 (2.9e-5); at T = 0.7 such a
// run is frozen 70% of the time while C is about 0.05. Not so for what
// cannot change: diffusion and particles at T = 0 have no noise, and
// they are the deterministic relaxation's exact values; the mass models'
// mass_mean is conserved exactly (but with --injection); one particle's
// coordinate variances are 0, and one phase's order parameter 1, by
// definition, and so is an energy term whose coupling is 0 (phi4's field
// term at h = 0, quartic at lambda = 0, mass term at m2 = 0; the Ising
// energy at J = h = 0, and its specific heat). (A conserved field's model
// B observables and diffusion's u_mean vary by rounding:
// Summary.Conserved, checked by the caller.)
func (c *Config) frozenConstant(name string) bool {
	switch {
	case c.Model == "diffusion", c.Model == "particles" && c.T == 0:
		return false
	case IsMass(c.Model) && name == "mass_mean":
		return c.UsedInjection() != 0
	case c.Model == "particles" && c.N*int64(c.D) == 1 && (name == "x_var" || name == "v_var"),
		c.Model == "particles" && c.N == 1 && (name == "order_parameter" || name == "order_parameter2"):
		return false
	case c.Model == "phi4" && (name == "energy_field" && c.H == 0 || name == "energy_quartic" && c.Lambda == 0 || name == "energy_mass" && c.M2 == 0),
		IsIsing(c.Model) && c.J == 0 && c.H == 0 && (name == "energy" || name == "specific_heat"):
		// a term whose coupling is 0: 0 in every state
		return false
	}
	return true
}

// ModelBConserved are the observables of phi4's model B that depend on the
// conserved mean field m alone: m itself, the Binder cumulant and the
// susceptibilities of a constant m, and the field energy -h m.
var ModelBConserved = []string{"phi", "binder", "susceptibility", "susceptibility_connected", "energy_field"}

// NotStationaryDiffusion is Summary.NotStationary for diffusion whose u_var
// is not constant: the slowest mode's factor a step (DiffusionSlowest).
func (c *Config) NotStationaryDiffusion() string {
	f, mode := c.DiffusionSlowest()
	return fmt.Sprintf("diffusion has no noise: the field relaxes to the uniform one at its conserved mean, so u_var decays toward 0 (its slowest mode's share by %.6g a step, %s) and its mean and error describe this run's window, not a stationary value; series.csv holds u_var at every measured step", f, mode)
}

// NotStationaryAggregation is Summary.NotStationary for aggregation.
const NotStationaryAggregation = "aggregation is not stationary: the masses keep merging into fewer, larger ones (without --injection until one site holds all of it, with it the mean grows by it every sweep), so the means are averages over this run's window and no error bar measures a stationary value; compare P(m) and C(r) at given times in profiles.csv"

// NotStationaryFreeParticles is Summary.NotStationary for harmonic or
// double-well particles at k = 0 and T > 0 (under baoab followed by
// NotStationaryFreeVelocities).
const NotStationaryFreeParticles = "at k = 0 the particles feel no force and diffuse freely: x_var and x2 grow without bound (overdamped by 2 T dt/gamma a step) and x_mean wanders as a random walk, so their means and errors describe this run's window, not a stationary value; series.csv holds them at every measured step (x2 as x_var + x_mean^2)"

// NotStationaryDescent is Summary.NotStationary for harmonic or double-well
// particles at T = 0 whose coordinates move.
const NotStationaryDescent = "at T = 0 there is no noise: the particles descend deterministically toward the potential's minima (the harmonic well's 0, the double well's +-1), so x_mean, x_var and x2 (and baoab's v_mean, v_var and v2) relax for the whole run and their means and errors describe this run's window, not a stationary value (a longer run only relaxes them further); series.csv holds them at every measured step (x2 as x_var + x_mean^2)"

// NotStationaryPhaseDescent is Summary.NotStationary for Kuramoto
// oscillators of one natural frequency at T = 0 whose observables move.
const NotStationaryPhaseDescent = "at T = 0 there is no noise and the oscillators share one natural frequency: the phases move deterministically, descending toward one common phase (k > 0, r -> 1) or toward states of r = 0 (k < 0), and turning together at omega, so what still moves relaxes or only turns for the whole run: its mean and error describe this run's window, not a stationary value (a longer run only takes it further); series.csv holds them at every measured step"

// NotStationaryPhaseTurn is Summary.NotStationary for Kuramoto
// oscillators with a spread of natural frequencies at T = 0 whose wrapped
// phases' observables move.
const NotStationaryPhaseTurn = "at T = 0 there is no noise: the phases' common phase (the mean of the unwrapped phases) turns deterministically at the oscillators' mean frequency and does not diffuse, and x_mean and x_var, of the phases wrapped to [0, 1), follow it, so their means and errors describe this run's window, not a stationary value; order_parameter, which the turn leaves alone, is the quantity to read; series.csv holds them at every measured step"

// SettledTolerance is the rounding of the run's precision that a settled
// series lies within, relative to its scale (settledSeries): 2^-18 in
// float32, 2^-40 in float64.
func (c *Config) SettledTolerance() float64 {
	if c.Precision == "float32" {
		return 0x1p-18
	}
	return 0x1p-40
}

// SettledAt reports whether observable name is settled (Summary.Settled)
// and its mean lies within the rounding of the run's precision
// (Config.SettledTolerance, of the larger of 1 and |x|) of x, an exact
// value: its error measures that rounding alone, so its distance from x
// in errors says nothing (one phase's r, 1 by definition, read 1 - 1e-16
// as 17 errors from 1).
func (s *Summary) SettledAt(name string, x float64) bool {
	v, ok := s.Observables[name]
	if !ok || v.Mean == nil || !slices.Contains(s.Settled, name) {
		return false
	}
	c := Config{}
	c.Precision, _ = s.Params["precision"].(string)
	return math.Abs(*v.Mean-x) <= c.SettledTolerance()*max(1, math.Abs(x))
}

// settledSeries are the observables of a Kuramoto run whose series lie
// within the rounding of the run's precision of their scale, the larger
// of 1 (phases in turns in [0, 1), r at most 1) and their largest
// magnitude (max - min at most 2^-18 of it in float32, 2^-40 in float64:
// a few ulps of the phases, summed over them), but are not constant: the
// end state of a deterministic run (T = 0), to rounding, r about 1e-15
// of repelling phases included. Real fluctuations of N phases are about
// 1/sqrt(N), above 1e-5 for any N a run can hold. The caller marks them
// settled only from the 100 measurements error bars need at least (under
// that they are neither settled nor moving).
func (c *Config) settledSeries(rows [][]float64) map[string]bool {
	tol := c.SettledTolerance()
	out := map[string]bool{}
	check := func(name string, x func(r []float64) float64) {
		if len(rows) < 2 {
			return
		}
		lo, hi, top := math.Inf(1), math.Inf(-1), 1.0
		for _, r := range rows {
			v := x(r)
			lo, hi, top = min(lo, v), max(hi, v), max(top, math.Abs(v))
		}
		if finite(hi-lo) && hi > lo && hi-lo <= tol*top {
			out[name] = true
		}
	}
	for j, name := range c.Columns() {
		check(name, func(r []float64) float64 { return r[j+1] })
		if name == "order_parameter" {
			check("order_parameter2", func(r []float64) float64 { return r[j+1] * r[j+1] })
		}
	}
	return out
}

// NotStationaryFreeVelocities ends NotStationaryFreeParticles under baoab.
const NotStationaryFreeVelocities = " (v_mean, v_var and v2, the velocities', are stationary)"

// quenchedMean is Summary.QuenchedDisorder for model B from a hot start
// (at --phi0 phi0), whose mean field m it keeps.
func quenchedMean(m, phi0 float64) string {
	return fmt.Sprintf("model B conserves the mean field m, which the hot start drew for this seed (m = %.3g): phi2, phi4 and the energies depend on it, and their error bars leave out its variation between seeds (phi2 includes m^2); average seeds (quench collect --average-seeds), or start cold (m = %g, --phi0)", m, phi0)
}

// QuenchedFrequencies is Summary.QuenchedDisorder for Kuramoto with a
// spread of natural frequencies.
const QuenchedFrequencies = "the error bars are for this seed's draw of the natural frequencies: r varies between draws by an amount of order 1/sqrt(N), which they leave out; average runs of several seeds (quench collect --average-seeds)"

// Diffusive is Summary's note on a conserved field's slow modes.
type Diffusive struct {
	SlowestSteps int64 `json:"slowest_mode_steps"`
	// the error bins' length in steps (of the observables when any was
	// marked, else of the profiles' snapshots)
	BinSteps int64 `json:"bin_steps"`
	// measured steps that would do; 0: more than a run may take
	NeededSteps int64 `json:"needed_steps"`
	// the observables marked for this reason, whether or not the usual
	// rule marked them too (profile entries are counted by
	// UnreliableProfiles); model B's S_k among them when its Sokal tau_int
	// is under half its mode's linearized decorrelation time and its bins
	// are shorter than 20 of those (SkModeSteps)
	Marked []string `json:"marked"`
	// model B: the linearized decorrelation time in steps of each S_k's
	// mode (the smallest wave number along its axis)
	SkModeSteps map[string]int64 `json:"sk_mode_steps,omitempty"`
}

// Underdamped is Summary's note on a baoab run's underdamped modes: the
// observables whose error bins (BinSteps) are shorter than 20 of their
// envelope's decorrelation time (EnvelopeSteps, 1/(gamma dt)), marked
// whether or not the
// usual rule marked them too, and the measured steps that make them all
// reliable (0: more than a run may take).
type Underdamped struct {
	// EnvelopeSteps is null where 1/(gamma dt) is beyond float64 (a
	// review's --gamma 1e-320 failed to write summary.json on its +Inf)
	EnvelopeSteps *float64 `json:"envelope_steps"`
	BinSteps      int64    `json:"bin_steps"`
	NeededSteps   int64    `json:"needed_steps"`
	Marked        []string `json:"marked"`
}

// ThermShort is Summary's note on a thermalization too short for a
// conserved field's slowest mode, or for a hot or empty sandpile to fill
// up to its stationary state (SandpileFill).
type ThermShort struct {
	// the slowest mode's decorrelation time (model B: linearized about the
	// measured <phi^2>, longer near a critical point or where phases
	// separate); absent for the sandpile
	SlowestSteps int64 `json:"slowest_mode_steps,omitempty"`
	// the thermalization that lets it relax: thermModes (5) times that,
	// which leaves under 1% (exp(-5)) of the start's deviation; for the
	// sandpile the grains that fill it (SandpileFill)
	NeededTherm int64 `json:"therm_needed"`
}

// SandpileFill is the thermalization, in grains, a pile of n sites in
// dim dimensions needs from start before its statistics are stationary:
// a hot pile (mean height (2d-1)/2) or an empty one fills up to its
// stationary mean (about 2.1 in 2D, 3.0 in 3D) in of order n grains and
// then relaxes, 2n (hot) or 3n (cold; 5n in 3D) grains or more; 0 from
// the stationary start. (A 64^2 pile from a cold start after 1000 grains
// read avalanche_area 65.7(7.3) against a stationary 107, marked
// reliable. An empty 3D pile after 3n grains was still short of its
// mean, 2.85 on 8^3, and still filling: a review's 16^3 piles then read
// grains_lost, whose error is of order 1/grains, 7 errors from 1 on
// average; after 4n, 0.08.)
func SandpileFill(start string, n int64, dim int) int64 {
	cold := int64(3)
	if dim >= 3 {
		cold = 5
	}
	return map[string]int64{"hot": 2 * n, "cold": cold * n}[start]
}

// Profile is a profile averaged over snapshots: per entry the mean, its
// error (binning), tau_int in snapshots and its error (null where
// undefined) and whether the series was long enough to trust them (as for
// Value).
type Profile struct {
	Mean        []*float64 `json:"mean"`
	Error       []*float64 `json:"error"`
	TauInt      []*float64 `json:"tau_int"`
	TauIntError []*float64 `json:"tau_int_error"`
	Reliable    []bool     `json:"reliable"`
	// WindowNeeds is each entry's Value.WindowNeeds (in snapshots), null
	// where it has none; absent where none has one.
	WindowNeeds []*float64 `json:"window_needs,omitempty"`
	// Exact is each entry's exact stationary value where known: a small
	// sandpile's P(h) and mean heights, by enumeration of its recurrent
	// configurations (pileHeightsExact); absent otherwise.
	Exact []float64 `json:"exact,omitempty"`
}

// JudgedProfiles are the profiles whose entries the profile tables show
// and their notes judge: Profiles, and a sandpile's HeightMean as
// "height_mean".
func (s *Summary) JudgedProfiles() map[string]Profile {
	if s.HeightMean == nil {
		return s.Profiles
	}
	all := maps.Clone(s.Profiles)
	if all == nil {
		all = map[string]Profile{}
	}
	all["height_mean"] = *s.HeightMean
	return all
}

// UnreliableProfiles counts the profile entries whose error bars are not
// reliable.
func (s *Summary) UnreliableProfiles() int {
	n := 0
	for _, p := range s.JudgedProfiles() {
		for _, ok := range p.Reliable {
			if !ok {
				n++
			}
		}
	}
	return n
}

// windowNeeds is a window's need of n samples (stats.Estimate's
// WindowNeeds), nil where there is none (0).
func windowNeeds(n float64) *float64 {
	if n > 0 {
		return ptr(n)
	}
	return nil
}

func makeProfile(est []stats.Estimate) Profile {
	var p Profile
	for _, e := range est {
		p.Mean = append(p.Mean, ptr(e.Mean))
		p.Error = append(p.Error, ptr(e.Err))
		p.TauInt = append(p.TauInt, ptr(e.Tau))
		p.TauIntError = append(p.TauIntError, ptr(e.TauErr))
		p.Reliable = append(p.Reliable, e.Reliable)
		p.WindowNeeds = append(p.WindowNeeds, windowNeeds(e.WindowNeeds))
	}
	if !slices.ContainsFunc(p.WindowNeeds, func(n *float64) bool { return n != nil }) {
		p.WindowNeeds = nil
	}
	return p
}

// pileHeights caches pileHeightsExact by shape (a 3x4 pile's enumeration
// takes about a second).
var pileHeights sync.Map // shape string -> [2][]float64

// pileHeightsExact is a sandpile's exact stationary P(h) over the lattice
// and its central box (quench.SandpileHeights) where its configurations
// can be enumerated, or a chain's; ok false otherwise.
func pileHeightsExact(shape []int) (whole, center []float64, ok bool) {
	key := fmt.Sprint(shape)
	if v, hit := pileHeights.Load(key); hit {
		p := v.([2][]float64)
		return p[0], p[1], p[0] != nil
	}
	lat, err := quench.NewLattice(shape...)
	if err == nil {
		whole, center, _, err = quench.SandpileHeights(lat)
	}
	pileHeights.Store(key, [2][]float64{whole, center})
	return whole, center, err == nil
}

// meanOf is sum_h h p[h].
func meanOf(p []float64) float64 {
	var m float64
	for h, v := range p {
		m += float64(h) * v
	}
	return m
}

// heightMean is Summary.HeightMean.
func (st *State) heightMean() *Profile {
	c := &st.Config
	if c.Model != "sandpile" || len(st.Profiles) == 0 {
		return nil
	}
	z := quench.SandpileThreshold(len(c.Shape))
	p := makeProfile(stats.SeriesEach(2, func(j int) []float64 {
		x := make([]float64, len(st.Profiles))
		for i, r := range st.Profiles {
			for h := range z {
				x[i] += float64(h) * r[1+j*z+h]
			}
		}
		return x
	}))
	return &p
}

// Throughput is the measured speed of the run.
type Throughput struct {
	SiteUpdatesPerNs float64 `json:"site_updates_per_ns"`
	Seconds          float64 `json:"seconds"` // steps and measurements
	// mass transfer: the profile snapshots, not in SiteUpdatesPerNs
	ProfileSeconds float64 `json:"profile_seconds,omitempty"`
}

func ptr(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	x += 0 // -0 is 0 (summary.json wrote "mean": -0)
	return &x
}

// Params are the physical parameters of the run for summary.json.
func (c *Config) Params() map[string]any {
	switch c.Model {
	case "sandpile":
		return map[string]any{"dim": len(c.Shape), "threshold": 2 * len(c.Shape), "grains": c.Sweeps, "therm_grains": c.Therm}
	case "kmp", "aggregation", "transfer":
		// the values the fixed point uses, and what was asked where they
		// differ
		p := map[string]any{"dim": len(c.Shape), "rule": c.Model}
		used := func(name string, asked, used float64) {
			p[name] = used
			if asked != used {
				p[name+"_asked"] = asked
			}
		}
		used("mass0", c.Mass0, c.UsedMass0())
		switch c.Model {
		case "aggregation":
			used("injection", c.Injection, c.UsedInjection())
		case "transfer":
			used("fraction", c.Fraction, c.UsedFraction())
		}
		return p
	case "diffusion":
		return map[string]any{"dim": len(c.Shape), "alpha": c.Alpha, "precision": c.Precision}
	case "phi4", "particles":
		// the settings the scheme and potential read (no mass outside
		// baoab, no frequencies outside kuramoto, whose mobility is 1)
		p := map[string]any{"T": c.T, "scheme": c.Scheme, "dt": c.Dt, "gamma": c.Gamma, "precision": c.Precision}
		if c.Scheme == quench.SchemeBAOAB {
			p["mass"] = c.Mass
		}
		if c.Model == "phi4" {
			p["beta"], p["dim"], p["m2"], p["lambda"], p["h"] = c.Beta, len(c.Shape), c.M2, c.Lambda, c.H
			if c.Phi0 != 0 {
				p["phi0"] = c.Phi0
			}
			return p
		}
		p["N"], p["d"], p["potential"], p["k"] = c.N, c.D, c.Potential, c.K
		if c.Potential == quench.PotentialKuramoto {
			p["omega"], p["omega_spread"] = c.Omega, c.OmegaSpread
			delete(p, "gamma")
		}
		return p
	}
	return map[string]any{"T": c.T, "beta": c.Beta, "J": c.J, "h": c.H, "algo": c.Algo}
}

// Estimates returns the observables of st and their names in table order.
func (st *State) Estimates() (map[string]stats.Estimate, []string) {
	est, names := st.estimates()
	delete(est, correlationRatio) // (MakeSummary's)
	return est, names
}

// estimates is Estimates with, where the run has a correlation length,
// its root's argument under the key correlationRatio.
func (st *State) estimates() (map[string]stats.Estimate, []string) {
	c := &st.Config
	if IsIsing(c.Model) {
		names := ObservableNames
		if !c.NoField() {
			names = slices.Insert(slices.Clone(names), slices.Index(names, "susceptibility_connected")+1, FieldResponse)
		}
		if st.Staggered() && c.J < 0 {
			// the antiferromagnet's order parameter is shown; summary.json
			// has it for every coupling
			names = append(append([]string(nil), names...), StaggeredNames...)
		}
		if st.Modes() {
			names = append(slices.Clip(names), c.ModeNames()...)
		}
		return c.Observables(st.Samples, st.Staggered(), st.Modes()), names
	}
	if c.Model == "sandpile" {
		return c.sandpileObservables(st.Rows)
	}
	if IsMass(c.Model) || c.Model == "diffusion" {
		return c.massObservables(st.Rows)
	}
	return c.langevinObservables(st.Rows)
}

// MakeSummary estimates the observables of st.
func MakeSummary(st *State, backend string) (*Summary, []string) {
	c := &st.Config
	est, names := st.estimates()
	s := &Summary{
		Model: c.Model, Backend: backend, Shape: c.OutputShape(), Sites: c.Units(),
		Params: c.Params(),
		Seed:   c.Seed, Start: c.Start, Sweeps: c.Sweeps, Therm: c.Therm, Every: c.Every,
		Measurements: len(st.Samples) + len(st.Rows), Observables: map[string]Value{},
		Throughput: Throughput{SiteUpdatesPerNs: st.SiteUpdatesPerNs(), Seconds: st.SweepSeconds, ProfileSeconds: st.ProfileSeconds},
		Quench:     BuildInfo(),
	}
	why := unreliableBy{usual: map[string]bool{}}
	// the usual rule's marks (stats), before the others add theirs
	for name, e := range est {
		why.usual[name] = !e.Reliable
	}
	// the correlation length's root not clearly above 0 (NearZero)
	if r, ok := est[correlationRatio]; ok {
		delete(est, correlationRatio)
		delete(why.usual, correlationRatio)
		if e, ok := est[c.XiName()]; ok && finite(e.Mean) && finite(r.Mean) && finite(r.Err) {
			s.CorrelationRatio = &RatioEstimate{Mean: r.Mean, Error: r.Err}
			if NearZero(r.Mean, r.Err) {
				e.Reliable, why.nearZero = false, c.XiName()
				est[c.XiName()] = e
			}
		}
	}
	// a conserved field (mass transfer, model B): bins too short for the
	// slow modes
	sm := c.conservedModes(est)
	if sm != nil {
		sm.gaussianPart(st.Rows, c.Columns())
	}
	slow := c.markSlowModes(st, est, names, sm)
	why.slow = slow.by
	why.under = c.markUnderdamped(st, est, names, s)
	if need, slowest := c.thermNeeded(sm); c.Therm < need {
		s.ThermShort = &ThermShort{SlowestSteps: slowest, NeededTherm: need}
	}
	if c.Model == "sandpile" {
		if need := SandpileFill(c.Start, c.Lattice().Sites(), len(c.Shape)); c.Therm < need {
			s.ThermShort = &ThermShort{NeededTherm: need}
		}
	}
	s.ActivityWithTherm = st.OldActivity
	s.Exact = c.exactValues(est)
	if s.Exact == nil {
		s.ExactMissing = c.exactMissing(est)
	}
	why.notStationary = c.markStationarity(st, est, s)
	c.markExactlyKept(st, est, s)
	why.frozen = map[string]bool{}
	for name, e := range est {
		if e.Constant && e.Reliable && !slices.Contains(s.Conserved, name) && (c.frozenConstant(name) || c.roundedAway(name, e.Mean)) {
			e.Reliable = false
			est[name] = e
			why.frozen[name] = true
		}
	}
	why.sym = c.symmetryBroken(est)
	for name, e := range est {
		if why.sym[name] {
			e.Reliable = false
		}
		v := Value{Mean: ptr(e.Mean), Error: ptr(e.Err), TauInt: ptr(e.Tau), TauIntError: ptr(e.TauErr), Reliable: e.Reliable, Constant: e.Constant}
		if e.InputTau > 0 {
			v.InputTauInt, v.InputTauIntError = ptr(e.InputTau), ptr(e.InputTauErr)
		}
		v.WindowNeeds, v.InputWindowNeeds = windowNeeds(e.WindowNeeds), windowNeeds(e.InputWindowNeeds)
		if !v.Reliable && v.Mean != nil {
			v.UnreliableBy = why.reasons(name)
			if why.sym[name] {
				if mean, ok := c.SymmetryMean(name); ok && c.Potential != quench.PotentialKuramoto {
					n := st.symmetryCrossings(name, mean)
					v.SymmetryCrossings = &n
				}
			}
		}
		s.Observables[name] = v
	}
	if c.Model == "sandpile" {
		s.Histograms = sandpileHistograms(st)
	}
	if len(st.Profiles) > 0 {
		s.ProfileSnapshots, s.ProfileEvery = len(st.Profiles), c.ProfileInterval()
	}
	if c.Model == "sandpile" && len(st.Profiles) > 0 {
		s.Profiles, s.HeightMean = c.pileProfiles(st)
	}
	if IsMass(c.Model) && len(st.Profiles) > 0 {
		s.Profiles = c.massProfiles(st, s.NotStationary != "", sm, &slow)
	}
	if len(slow.marks) > 0 {
		steps, slowest := c.adviceForAll(slow.marks, sm)
		s.Diffusive = &Diffusive{SlowestSteps: slowest, BinSteps: int64(slow.binSteps), NeededSteps: steps, Marked: slow.marked, SkModeSteps: slow.skModes}
	}
	return s, names
}

// unreliableBy holds, by observable, the rules that marked an estimate
// unreliable, for its unreliable_by list.
type unreliableBy struct {
	usual, slow, under, frozen, sym map[string]bool
	notStationary                   func(string) bool
	nearZero                        string // the correlation length NearZero marked, if any
}

// reasons is an unreliable estimate's unreliable_by list, in a fixed
// order.
func (u *unreliableBy) reasons(name string) []string {
	var by []string
	for _, r := range []struct {
		marked bool
		rule   string
	}{
		{u.usual[name], ByTauInt},
		{u.slow[name], BySlowModes},
		{u.under[name], ByUnderdamped},
		{u.notStationary(name), ByNotStationary},
		{u.sym[name], BySymmetry},
		{u.frozen[name], ByFrozen},
		{u.nearZero != "" && name == u.nearZero, ByNearZero},
	} {
		if r.marked {
			by = append(by, r.rule)
		}
	}
	return by
}

// slowTally is what a conserved field's slow modes marked: the marks
// for the advice, the observables marked (in order, and by name), the
// bins' length in steps, and model B's S_k modes' times in steps.
type slowTally struct {
	marks    []slowMark
	marked   []string
	by       map[string]bool
	binSteps float64
	skModes  map[string]int64
}

// markSlowModes marks the series' estimates of a conserved field (sm;
// nil for none) whose bins are too short for its slow modes.
func (c *Config) markSlowModes(st *State, est map[string]stats.Estimate, names []string, sm *slowModes) slowTally {
	t := slowTally{marked: []string{}, by: map[string]bool{}}
	if sm == nil || len(st.Rows) == 0 {
		return t
	}
	n := len(st.Rows)
	bin := float64(n/stats.Bins(n)) * float64(c.Every)
	for _, name := range names {
		e := est[name]
		if tk := c.modeTime(name, sm.rate); tk > 0 {
			// model B's S_k: one mode, whose decay a Sokal window
			// in a run too short for it misses
			if t.skModes == nil {
				t.skModes = map[string]int64{}
			}
			t.skModes[name] = int64(math.Ceil(tk))
			if e.Err > 0 && finite(e.Err) && modeMissed(e.Tau*float64(c.Every), tk, bin) {
				e.Reliable = false
				est[name] = e
				t.marks = append(t.marks, slowMark{mode: tk})
				t.marked = append(t.marked, name)
				t.by[name] = true
				t.binSteps = bin
			}
			continue
		}
		obs := sm.forObs(name)
		if obs == nil {
			continue
		}
		es := []stats.Estimate{e}
		if m := c.slowUnreliable(obs, es, bin, float64(c.Every)); len(m) > 0 {
			t.marks = append(t.marks, slowMark{modes: obs, tau: m[0]})
			t.marked = append(t.marked, name)
			t.by[name] = true
			t.binSteps = bin
		}
		est[name] = es[0]
	}
	return t
}

// massProfiles is a mass-transfer run's profiles (P(m), linear and log
// binned, and the two-point correlation) with error bars, unreliable
// where the run was not stationary or where bins are too short for the
// conserved field's slow modes sm (marked in slow).
func (c *Config) massProfiles(st *State, notStationary bool, sm *slowModes, slow *slowTally) map[string]Profile {
	every := float64(c.ProfileInterval())
	n := len(st.Profiles)
	bin := float64(n/stats.Bins(n)) * every
	prof := func(first, k int) Profile {
		e := profileEstimates(st.Profiles, first, k)
		if notStationary {
			for i := range e {
				e[i].Reliable = false
			}
		}
		if sm != nil {
			if m := c.slowUnreliable(sm, e, bin, every); len(m) > 0 {
				slow.marks = append(slow.marks, slowMark{modes: sm, tau: slices.Min(m)})
				if slow.binSteps == 0 {
					slow.binSteps = bin
				}
			}
		}
		return makeProfile(e)
	}
	return map[string]Profile{
		"mass_distribution":     prof(profLin, MassBins),
		"mass_distribution_log": prof(profLog, LogMassBins),
		"correlation":           prof(profCorr, c.ProfileWidth()-profCorr),
	}
}

// markStationarity marks the estimates that are unreliable for want of a
// stationary state (diffusion's decay, aggregation's merging, free or
// noiseless particles, noiseless Kuramoto phases), and those it keeps
// exactly, sets the summary's notes on them and returns the rule that
// says which names are unreliable for that reason (every name once
// NotStationary is set, unless the model marks only some).
func (c *Config) markStationarity(st *State, est map[string]stats.Estimate, s *Summary) (notStationary func(string) bool) {
	notStationary = func(string) bool { return s.NotStationary != "" }
	switch {
	case c.Model == "diffusion":
		// u_mean: kept by the stencil, so it varies by rounding alone;
		// u_var: a deterministic decay, unless constant (a uniform start)
		if e, ok := est["u_mean"]; ok && finite(e.Mean) && finite(e.Err) {
			e.Reliable = true
			est["u_mean"] = e
			s.Conserved = append(s.Conserved, "u_mean")
		}
		if e, ok := est["u_var"]; ok && e.Err != 0 {
			s.NotStationary = c.NotStationaryDiffusion()
			e.Reliable = false
			est["u_var"] = e
		}
	case c.Model == "aggregation":
		s.NotStationary = NotStationaryAggregation
		for name, e := range est {
			// only the conserved mean is exact (a mass_corr1 that has
			// stayed at -1 so far is not)
			e.Reliable = e.Reliable && name == "mass_mean" && c.UsedInjection() == 0
			est[name] = e
		}
	case c.Potential == quench.PotentialKuramoto && c.OmegaSpread > 0 && c.T > 0:
		s.QuenchedDisorder = QuenchedFrequencies
	case c.Model == "particles" && c.Potential != quench.PotentialKuramoto && c.K == 0 && c.T > 0:
		// harmonic or double well: no force at all
		s.NotStationary = NotStationaryFreeParticles
		if c.Scheme == quench.SchemeBAOAB {
			s.NotStationary += NotStationaryFreeVelocities
		}
		notStationary = func(name string) bool { return name == "x_mean" || name == "x_var" || name == "x2" }
		for _, name := range []string{"x_mean", "x_var", "x2"} {
			if e, ok := est[name]; ok {
				e.Reliable = false
				est[name] = e
			}
		}
	case c.Model == "particles" && c.Potential != quench.PotentialKuramoto && c.T == 0:
		// no noise: a deterministic descent, whose decay a Sokal window
		// reads as a long tau_int ("run longer", which only decays it
		// further); a series that does not move (a cold start) is the
		// descent's end, exact
		marked := map[string]bool{}
		for _, name := range []string{"x_mean", "x_var", "x2", "v_mean", "v_var", "v2"} {
			if e, ok := est[name]; ok && !e.Constant {
				e.Reliable = false
				est[name] = e
				marked[name] = true
			}
		}
		if len(marked) > 0 {
			s.NotStationary = NotStationaryDescent
			notStationary = func(name string) bool { return marked[name] }
		}
	case c.Model == "particles" && c.Potential == quench.PotentialKuramoto && c.T == 0:
		// no noise either. A series settled to the rounding of the phases
		// (locked phases' r, 1 - 2e-15 in float64) is the deterministic
		// end state, as a constant one is: a Sokal window read its last
		// bits as a tau_int that grew with every extension the advice
		// asked for (N = 1000, k = 4: 500000 steps, then 1.3e8). At one
		// natural frequency the phases descend toward it (or, k < 0,
		// toward r = 0); with a spread the common phase turns at the mean
		// frequency without diffusing, and the wrapped phases' x_mean
		// and x_var follow it, while r has time averages of its own (a
		// locked or partly locked state)
		settled := c.settledSeries(st.Rows)
		moving, why := []string{"x_mean", "x_var"}, NotStationaryPhaseTurn
		if c.OmegaSpread > 0 {
			s.QuenchedDisorder = QuenchedFrequencies
		} else {
			moving, why = append(moving, "order_parameter", "order_parameter2"), NotStationaryPhaseDescent
		}
		enough := len(st.Rows) >= 2*stats.DefaultBins
		marked := map[string]bool{}
		for name, e := range est {
			switch {
			case e.Constant:
			case settled[name] && enough:
				e.Reliable = true
				s.Settled = append(s.Settled, name)
			case settled[name]:
				// too few measurements to call it either: the usual
				// rule's mark says so
			case slices.Contains(moving, name):
				e.Reliable = false
				marked[name] = true
			}
			est[name] = e
		}
		slices.Sort(s.Settled)
		if len(marked) > 0 {
			s.NotStationary = why
			notStationary = func(name string) bool { return marked[name] }
		}
	case c.Model == "phi4" && c.Scheme == quench.SchemeModelB && c.Start == "hot":
		s.QuenchedDisorder = quenchedMean(est["phi"].Mean, c.Phi0)
	}
	return notStationary
}

// markExactlyKept marks reliable the estimates whose series vary by
// rounding alone: one Kuramoto phase's order parameter (1 by definition)
// and the observables that model B's conserved mean fixes.
func (c *Config) markExactlyKept(st *State, est map[string]stats.Estimate, s *Summary) {
	if c.Model == "particles" && c.Potential == quench.PotentialKuramoto && c.T > 0 && c.N == 1 {
		// one phase's r is 1 by definition: its series varies by the
		// rounding of cos^2 + sin^2 alone, which asked for 1.2 million
		// steps
		settled := c.settledSeries(st.Rows)
		for _, name := range []string{"order_parameter", "order_parameter2"} {
			if e, ok := est[name]; ok && !e.Constant && settled[name] && len(st.Rows) >= 2*stats.DefaultBins {
				e.Reliable = true
				est[name] = e
				s.Settled = append(s.Settled, name)
			}
		}
	}
	if c.Model == "phi4" && c.Scheme == quench.SchemeModelB {
		for _, name := range ModelBConserved {
			// with a value and an error bar (not 0/0, nor one measurement)
			if e, ok := est[name]; ok && finite(e.Mean) && finite(e.Err) {
				e.Reliable = true
				est[name] = e
				s.Conserved = append(s.Conserved, name)
			}
		}
	}
}

// markUnderdamped marks the estimates of modes that BAOAB leaves
// underdamped, whose error bins are shorter than 20 of their envelope's
// decay, sets the summary's note and returns the names it marked.
func (c *Config) markUnderdamped(st *State, est map[string]stats.Estimate, names []string, s *Summary) map[string]bool {
	byUnder := map[string]bool{}
	if env := c.underdampedModes(est["phi2"].Mean); len(env) > 0 && len(st.Rows) > 0 {
		n := len(st.Rows)
		bin := float64(n/stats.Bins(n)) * float64(c.Every)
		u, most := &Underdamped{BinSteps: int64(bin)}, 0.0
		for _, name := range names {
			e, ok := est[name]
			if t := env[name]; t > 0 && ok && e.Err > 0 && finite(e.Err) && bin < 20*t {
				e.Reliable = false
				est[name] = e
				byUnder[name] = true
				u.Marked = append(u.Marked, name)
				most = max(most, t)
			}
		}
		if len(u.Marked) > 0 {
			u.EnvelopeSteps = ptr(1 / (c.Gamma * c.Dt))
			u.NeededSteps = c.stepsFor(func(bin float64) bool { return bin >= 20*most })
			s.Underdamped = u
		}
	}
	return byUnder
}

// pileProfiles are a sandpile's height distributions over the whole
// lattice and its central box, and its mean height in both, with their
// exact values where a small pile's are known.
func (c *Config) pileProfiles(st *State) (map[string]Profile, *Profile) {
	z := quench.SandpileThreshold(len(c.Shape))
	profiles := map[string]Profile{
		"height_distribution":        makeProfile(profileEstimates(st.Profiles, 1, z)),
		"height_distribution_center": makeProfile(profileEstimates(st.Profiles, 1+z, z)),
	}
	mean := st.heightMean()
	if whole, center, ok := pileHeightsExact(c.Shape); ok {
		for name, p := range map[string][]float64{"height_distribution": whole, "height_distribution_center": center} {
			e := profiles[name]
			e.Exact = p
			profiles[name] = e
		}
		mean.Exact = []float64{meanOf(whole), meanOf(center)}
	}
	return profiles, mean
}

func sandpileHistograms(st *State) map[string][]int64 {
	z := quench.SandpileThreshold(st.Config.Lattice().Dim())
	heights := make([]int64, z)
	for _, h := range st.Heights {
		heights[h]++
	}
	col := func(j int) []float64 {
		x := make([]float64, len(st.Rows))
		for i, r := range st.Rows {
			x[i] = r[j]
		}
		return x
	}
	act := make([]float64, len(st.Activity))
	for i, a := range st.Activity {
		act[i] = float64(a)
	}
	return map[string][]int64{
		"height_final": heights, "avalanche_size": LogBins(col(2)), "avalanche_area": LogBins(col(3)),
		"avalanche_duration": LogBins(col(4)), "site_activity": LogBins(act),
	}
}
