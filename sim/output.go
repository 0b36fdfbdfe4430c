package sim

import (
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gorgonia.org/tensor"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/stats"
)

// Output file names inside a run directory.
const (
	SummaryFile = "summary.json"
	SeriesFile  = "series.csv"
	LatticeFile = "lattice.npy"
	ImageFile   = "lattice.png"
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
	// then no error bar; frozenConstant); one or more.
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
)

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
	Profiles         map[string]Profile `json:"profiles,omitempty"`
	ProfileSnapshots int                `json:"profile_snapshots,omitempty"`
	ProfileEvery     int64              `json:"profile_every,omitempty"`
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
	// Exact values of observables in the stationary state of this run's
	// lattice and parameters, where they are known (exactValues).
	Exact map[string]float64 `json:"exact,omitempty"`
	// Why a run of a model whose runs report exact values has none
	// (exactMissing): its parameters are beyond their method's reach.
	ExactMissing string `json:"exact_missing,omitempty"`
}

// exactValues are Summary.Exact: the sandpile's "avalanche_size", Dhar's
// (1/N) 1^T Delta^-1 1 (quench.SandpileMeanSize); the 2D Ising model's
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
// field (freeSpinsExact); nil for other runs.
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
			return map[string]float64{"avalanche_size": mean, "grains_lost": 1}
		}
	case IsIsing(c.Model) && c.J == 0:
		return c.freeSpinsExact()
	case c.Model == "ising2d" && c.NoField() && len(c.Shape) == 2:
		j := math.Abs(c.J)
		if c.J < 0 && (c.Shape[0]%2 != 0 || c.Shape[1]%2 != 0) {
			return nil
		}
		if u, ch, err := quench.IsingExact2D(c.Shape[0], c.Shape[1], c.Beta*j); err == nil {
			return map[string]float64{"energy": j * u, "specific_heat": ch}
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
			if _, ok := est["x_var"]; ok {
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
// is not constant.
const NotStationaryDiffusion = "diffusion has no noise: the field relaxes to the uniform one at its conserved mean, so u_var decays toward 0 (its slowest mode's share by (1 - 4 alpha sin^2(pi/L))^2 a step, L the longest extent) and its mean and error describe this run's window, not a stationary value; series.csv holds u_var at every measured step"

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
	tol := 0x1p-40
	if c.Precision == "float32" {
		tol = 0x1p-18
	}
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

// quenchedMean is Summary.QuenchedDisorder for model B from a hot start,
// whose mean field m it keeps.
func quenchedMean(m float64) string {
	return fmt.Sprintf("model B conserves the mean field m, which the hot start drew for this seed (m = %.3g): phi2, phi4 and the energies depend on it, and their error bars leave out its variation between seeds (phi2 includes m^2); average seeds (quench collect --average-seeds), or start cold (m = 0)", m)
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

// SandpileFill is the thermalization, in grains, a pile of n sites
// needs from start before its statistics are stationary: a hot pile
// (mean height (2d-1)/2) or an empty one fills up to its stationary mean
// (about 2.1 in 2D) in of order n grains and then relaxes, 2n (hot) or 3n
// (cold) grains or more; 0 from the stationary start. (A 64^2 pile from
// a cold start after 1000 grains read avalanche_area 65.7(7.3) against a
// stationary 107, marked reliable.)
func SandpileFill(start string, n int64) int64 {
	return map[string]int64{"hot": 2 * n, "cold": 3 * n}[start]
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
}

// UnreliableProfiles counts the profile entries whose error bars are not
// reliable.
func (s *Summary) UnreliableProfiles() int {
	n := 0
	for _, p := range s.Profiles {
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
	c := &st.Config
	if IsIsing(c.Model) {
		names := ObservableNames
		if st.Staggered() && c.J < 0 {
			// the antiferromagnet's order parameter is shown; summary.json
			// has it for every coupling
			names = append(append([]string(nil), names...), StaggeredNames...)
		}
		return c.Observables(st.Samples, st.Staggered()), names
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
	est, names := st.Estimates()
	s := &Summary{
		Model: c.Model, Backend: backend, Shape: c.OutputShape(), Sites: c.Units(),
		Params: c.Params(),
		Seed:   c.Seed, Start: c.Start, Sweeps: c.Sweeps, Therm: c.Therm, Every: c.Every,
		Measurements: len(st.Samples) + len(st.Rows), Observables: map[string]Value{},
		Throughput: Throughput{SiteUpdatesPerNs: st.SiteUpdatesPerNs(), Seconds: st.SweepSeconds, ProfileSeconds: st.ProfileSeconds},
		Quench:     BuildInfo(),
	}
	// a conserved field (mass transfer, model B): bins too short for the
	// slow modes (tau in steps of the marked estimates, for the advice)
	var slow []slowMark
	marked := []string{}
	var binSteps float64
	// the usual rule's marks (stats), before the others add theirs
	usual := map[string]bool{}
	for name, e := range est {
		usual[name] = !e.Reliable
	}
	bySlow := map[string]bool{}
	sm := c.conservedModes(est)
	if sm != nil {
		sm.gaussianPart(st.Rows, c.Columns())
	}
	var skModes map[string]int64
	if sm != nil && len(st.Rows) > 0 {
		n := len(st.Rows)
		bin := float64(n/stats.Bins(n)) * float64(c.Every)
		for _, name := range names {
			e := est[name]
			if tk := c.modeTime(name, sm.rate); tk > 0 {
				// model B's S_k: one mode, whose decay a Sokal window
				// in a run too short for it misses
				if skModes == nil {
					skModes = map[string]int64{}
				}
				skModes[name] = int64(math.Ceil(tk))
				if e.Err > 0 && finite(e.Err) && modeMissed(e.Tau*float64(c.Every), tk, bin) {
					e.Reliable = false
					est[name] = e
					slow = append(slow, slowMark{mode: tk})
					marked = append(marked, name)
					bySlow[name] = true
					binSteps = bin
				}
				continue
			}
			obs := sm.forObs(name)
			if obs == nil {
				continue
			}
			es := []stats.Estimate{e}
			if m := c.slowUnreliable(obs, es, bin, float64(c.Every)); len(m) > 0 {
				slow = append(slow, slowMark{modes: obs, tau: m[0]})
				marked = append(marked, name)
				bySlow[name] = true
				binSteps = bin
			}
			est[name] = es[0]
		}
	}
	if need, slowest := c.thermNeeded(sm); c.Therm < need {
		s.ThermShort = &ThermShort{SlowestSteps: slowest, NeededTherm: need}
	}
	if c.Model == "sandpile" {
		if need := SandpileFill(c.Start, c.Lattice().Sites()); c.Therm < need {
			s.ThermShort = &ThermShort{NeededTherm: need}
		}
	}
	s.ActivityWithTherm = st.OldActivity
	s.Exact = c.exactValues(est)
	if s.Exact == nil {
		s.ExactMissing = c.exactMissing(est)
	}
	// which unreliable observables are so for want of a stationary state
	notStationary := func(string) bool { return s.NotStationary != "" }
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
			s.NotStationary = NotStationaryDiffusion
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
		s.QuenchedDisorder = quenchedMean(est["phi"].Mean)
	}
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
	byFrozen := map[string]bool{}
	for name, e := range est {
		if e.Constant && e.Reliable && !slices.Contains(s.Conserved, name) && c.frozenConstant(name) {
			e.Reliable = false
			est[name] = e
			byFrozen[name] = true
		}
	}
	bySym := c.symmetryBroken(est)
	for name, e := range est {
		if bySym[name] {
			e.Reliable = false
		}
		v := Value{Mean: ptr(e.Mean), Error: ptr(e.Err), TauInt: ptr(e.Tau), TauIntError: ptr(e.TauErr), Reliable: e.Reliable, Constant: e.Constant}
		if e.InputTau > 0 {
			v.InputTauInt, v.InputTauIntError = ptr(e.InputTau), ptr(e.InputTauErr)
		}
		v.WindowNeeds, v.InputWindowNeeds = windowNeeds(e.WindowNeeds), windowNeeds(e.InputWindowNeeds)
		if !v.Reliable && v.Mean != nil {
			if usual[name] {
				v.UnreliableBy = append(v.UnreliableBy, ByTauInt)
			}
			if bySlow[name] {
				v.UnreliableBy = append(v.UnreliableBy, BySlowModes)
			}
			if notStationary(name) {
				v.UnreliableBy = append(v.UnreliableBy, ByNotStationary)
			}
			if bySym[name] {
				v.UnreliableBy = append(v.UnreliableBy, BySymmetry)
				if mean, ok := c.SymmetryMean(name); ok && c.Potential != quench.PotentialKuramoto {
					n := st.symmetryCrossings(name, mean)
					v.SymmetryCrossings = &n
				}
			}
			if byFrozen[name] {
				v.UnreliableBy = append(v.UnreliableBy, ByFrozen)
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
		z := quench.SandpileThreshold(len(c.Shape))
		s.Profiles = map[string]Profile{
			"height_distribution":        makeProfile(profileEstimates(st.Profiles, 1, z)),
			"height_distribution_center": makeProfile(profileEstimates(st.Profiles, 1+z, z)),
		}
	}
	if IsMass(c.Model) && len(st.Profiles) > 0 {
		every := float64(c.ProfileInterval())
		n := len(st.Profiles)
		bin := float64(n/stats.Bins(n)) * every
		prof := func(first, k int) Profile {
			e := profileEstimates(st.Profiles, first, k)
			if s.NotStationary != "" {
				for i := range e {
					e[i].Reliable = false
				}
			}
			if sm != nil {
				if m := c.slowUnreliable(sm, e, bin, every); len(m) > 0 {
					slow = append(slow, slowMark{modes: sm, tau: slices.Min(m)})
					if binSteps == 0 {
						binSteps = bin
					}
				}
			}
			return makeProfile(e)
		}
		s.Profiles = map[string]Profile{
			"mass_distribution":     prof(profLin, MassBins),
			"mass_distribution_log": prof(profLog, LogMassBins),
			"correlation":           prof(profCorr, c.ProfileWidth()-profCorr),
		}
	}
	if len(slow) > 0 {
		steps, slowest := c.adviceForAll(slow, sm)
		s.Diffusive = &Diffusive{SlowestSteps: slowest, BinSteps: int64(binSteps), NeededSteps: steps, Marked: marked, SkModeSteps: skModes}
	}
	return s, names
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

// OutputGate lets the caller of WriteOutputsGated stop it from putting any
// more files in place: once Close returns, the writer creates no temporary
// file and renames none over an output (it fails with ErrOutputsStopped),
// so that removing the outputs and the temporary files then leaves none
// behind, even while the writer goes on (an interrupted run returns at
// once, without waiting for the file being written).
type OutputGate struct {
	mu     sync.Mutex
	closed bool
}

// ErrOutputsStopped is returned by WriteOutputsGated once its gate is
// closed.
var ErrOutputsStopped = errors.New("writing the outputs was stopped")

// Close stops the writer: see OutputGate. It waits for a creation or a
// rename in progress.
func (g *OutputGate) Close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

// pass runs f unless g is closed (a nil gate is always open).
func (g *OutputGate) pass(f func() error) error {
	if g == nil {
		return f()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return ErrOutputsStopped
	}
	return f()
}

// WriteOutputs writes series.csv, lattice.npy, the model's other files,
// lattice.png and last summary.json into dir, each atomically.
func WriteOutputs(dir string, st *State, sum *Summary) error {
	return WriteOutputsGated(dir, st, sum, nil)
}

// WriteOutputsGated is WriteOutputs putting each file in place only while
// g is open (nil: always).
func WriteOutputsGated(dir string, st *State, sum *Summary, g *OutputGate) error {
	put := func(path string, fill func(w *hashWriter) error) error {
		return writeAtomicGated(path, g, fill)
	}
	if err := put(filepath.Join(dir, SeriesFile), func(w *hashWriter) error {
		if IsIsing(st.Config.Model) {
			header := []string{"sweep", "energy", "magnetization", "abs_magnetization", "m2", "m4"}
			stag := st.Staggered()
			if stag {
				header = append(header, "staggered_magnetization")
			}
			return csvRows(w, header, len(st.Samples), func(i int, b []byte) []byte {
				r := st.Config.Row(st.Samples[i])
				b = appendInt(b, r.Sweep)
				for _, x := range []float64{r.Energy, r.M, r.AbsM, r.M2, r.M4} {
					b = appendFloat(b, x)
				}
				if stag {
					b = appendFloat(b, r.MS)
				}
				return b
			})
		}
		return csvRows(w, append([]string{"step"}, st.Config.Columns()...), len(st.Rows), func(i int, b []byte) []byte {
			b = appendInt(b, int64(st.Rows[i][0]))
			for _, x := range st.Rows[i][1:] {
				b = appendFloat(b, x)
			}
			return b
		})
	}); err != nil {
		return err
	}
	if err := put(filepath.Join(dir, LatticeFile), func(w *hashWriter) error {
		switch {
		case IsIsing(st.Config.Model):
			return WriteNpy(w, st.Spins, st.Config.Shape)
		case st.Config.Model == "sandpile":
			return writeNpyOf(w, st.Heights, st.Config.Shape)
		case IsMass(st.Config.Model):
			return writeMassNpy(w, st.Masses, st.Config.Shape)
		}
		return writeFloatNpy(w, st)
	}); err != nil {
		return err
	}
	if st.Config.Model == "sandpile" {
		if err := writeSandpileExtras(dir, st, g); err != nil {
			return err
		}
	}
	if len(sum.Histograms)+len(sum.Profiles) > 0 {
		if err := writeHistograms(dir, sum, g); err != nil {
			return err
		}
	}
	if len(st.Profiles) > 0 {
		if err := writeProfiles(dir, st, g); err != nil {
			return err
		}
	}
	if err := put(filepath.Join(dir, ImageFile), func(w *hashWriter) error {
		switch st.Config.Model {
		case "kmp", "aggregation", "transfer":
			m := make([]float64, len(st.Masses))
			for i, v := range st.Masses {
				m[i] = math.Log1p(float64(v) / quench.MassUnit)
			}
			return encodePNG(w, FieldImage(m, st.Config.Shape, 2048))
		case "diffusion":
			return encodePNG(w, FieldImage(st.Field, st.Config.Shape, 2048))
		case "sandpile":
			h := make([]float64, len(st.Heights))
			for i, x := range st.Heights {
				h[i] = float64(x)
			}
			return encodePNG(w, FieldImage(h, st.Config.Shape, 2048))
		case "phi4":
			return encodePNG(w, FieldImage(st.Field, st.Config.Shape, 2048))
		case "particles":
			return png.Encode(w, Histogram(st.Field, st.Config.D, 512, 256))
		}
		return encodePNG(w, Image(st.Spins, st.Config.Shape, 2048))
	}); err != nil {
		return err
	}
	// last: a summary.json says the run's outputs are all in place (a
	// process killed while writing them leaves none, and the run
	// unfinished: quench resume writes them)
	return put(filepath.Join(dir, SummaryFile), func(w *hashWriter) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	})
}

// HistogramsFile holds summary.json's histograms and profiles as CSV rows
// (name, bin, lo, hi, value, error: BinRange's range), names in sorted
// order; histograms are counts with an empty error, profiles the snapshot
// averages with their errors.
const HistogramsFile = "histograms.csv"

// BinRange is bin i of histogram or profile name as the range [lo, hi) of
// the values it holds, in the quantity's own units: a height, a count
// (avalanches, activity: bin 0 the zeros, bin k [2^(k-1), 2^k)), a mass
// (mass_distribution_log: bin 0 the empty sites, [0, 2^-32), bin k
// [2^(k-33), 2^(k-32))), or for mass_distribution the mass over the
// snapshot's mean, [i/4, (i+1)/4), the last bin to inf. The correlation's
// "bin" is the lag r, its lo and hi both r. Empty for a name it does not
// know.
func BinRange(name string, i int, bins int) (lo, hi string) {
	f := func(x float64) string {
		if math.IsInf(x, 1) {
			return "inf" // as Python, numpy and pandas read it
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	switch name {
	case "height_final", "height_distribution", "height_distribution_center":
		return f(float64(i)), f(float64(i + 1))
	case "avalanche_size", "avalanche_area", "avalanche_duration", "site_activity":
		if i == 0 {
			return "0", "1"
		}
		return f(math.Ldexp(1, i-1)), f(math.Ldexp(1, i))
	case "mass_distribution":
		h := float64(i+1) / 4
		if i == bins-1 {
			h = math.Inf(1)
		}
		return f(float64(i) / 4), f(h)
	case "mass_distribution_log":
		if i == 0 {
			return "0", f(math.Ldexp(1, -32))
		}
		return f(math.Ldexp(1, i-33)), f(math.Ldexp(1, i-32))
	case "correlation":
		return f(float64(i)), f(float64(i))
	}
	return "", ""
}

// ExtraFiles are the outputs only some models write.
var ExtraFiles = []string{ActivityFile, ActivityImageFile, HistogramsFile, ProfilesFile}

// RunFiles are every file a run may write in its directory, checkpoint
// included.
func RunFiles() []string {
	return append([]string{CheckpointFile, SeriesLogFile, SummaryFile, SeriesFile, LatticeFile, ImageFile}, ExtraFiles...)
}

// RemoveOutputs removes the outputs of a run in dir (RunFiles but the
// state, StateFiles), so that no set of them passes for a run's they are
// not all of.
func RemoveOutputs(dir string) {
	for _, name := range RunFiles() {
		if !IsStateFile(name) {
			os.Remove(filepath.Join(dir, name))
		}
	}
}

// RemoveTemps removes the temporary files that an atomic write of one of
// RunFiles leaves in dir when the process is killed mid-write (regular
// files named .NAME.tmp...; dir is a plain path, not a pattern).
func RemoveTemps(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		for _, name := range RunFiles() {
			if strings.HasPrefix(e.Name(), "."+name+".tmp") {
				os.Remove(filepath.Join(dir, e.Name()))
				break
			}
		}
	}
}

// ProfilesFile holds every profile snapshot of a mass-transfer or sandpile
// run, one row each (Config.ProfileColumns: step, p0.., c0..; step, h0..).
const ProfilesFile = "profiles.csv"

func writeHistograms(dir string, sum *Summary, g *OutputGate) error {
	return writeAtomicGated(filepath.Join(dir, HistogramsFile), g, func(w *hashWriter) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"name", "bin", "lo", "hi", "value", "error"})
		for _, k := range slices.Sorted(maps.Keys(sum.Histograms)) {
			h := sum.Histograms[k]
			for i, v := range h {
				lo, hi := BinRange(k, i, len(h))
				cw.Write([]string{k, strconv.Itoa(i), lo, hi, strconv.FormatInt(v, 10), ""})
			}
		}
		f := func(x *float64) string {
			if x == nil {
				return ""
			}
			return strconv.FormatFloat(*x, 'g', -1, 64)
		}
		for _, k := range slices.Sorted(maps.Keys(sum.Profiles)) {
			p := sum.Profiles[k]
			for i := range p.Mean {
				lo, hi := BinRange(k, i, len(p.Mean))
				cw.Write([]string{k, strconv.Itoa(i), lo, hi, f(p.Mean[i]), f(p.Error[i])})
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

func writeProfiles(dir string, st *State, g *OutputGate) error {
	return writeAtomicGated(filepath.Join(dir, ProfilesFile), g, func(w *hashWriter) error {
		return csvRows(w, st.Config.ProfileColumns(), len(st.Profiles), func(i int, b []byte) []byte {
			r := st.Profiles[i]
			b = appendInt(b, int64(r[0]))
			for _, x := range r[1:] {
				b = appendFloat(b, x)
			}
			return b
		})
	})
}

// Sandpile extra outputs.
const (
	ActivityFile      = "activity.npy"
	ActivityImageFile = "activity.png"
)

// writeSandpileExtras writes the site activity (int64, the lattice's
// shape) and its map, on a log scale (log(1+a)), grey from least to most.
func writeSandpileExtras(dir string, st *State, g *OutputGate) error {
	if err := writeAtomicGated(filepath.Join(dir, ActivityFile), g, func(w *hashWriter) error {
		return writeNpyOf(w, st.Activity, st.Config.Shape)
	}); err != nil {
		return err
	}
	return writeAtomicGated(filepath.Join(dir, ActivityImageFile), g, func(w *hashWriter) error {
		v := make([]float64, len(st.Activity))
		for i, a := range st.Activity {
			v[i] = math.Log1p(float64(a))
		}
		return encodePNG(w, FieldImage(v, st.Config.Shape, 2048))
	})
}

// writeMassNpy writes fixed-point masses in units of mass (float64) with
// the lattice's shape: the bytes writeNpyOf writes for the converted
// values, converted a buffer at a time (a float64 copy of the masses, and
// below 2^24 sites tensor's boxing of every element, took a kmp run of
// 4096^2 to 488 MiB resident, past its estimate of 483).
func writeMassNpy(w io.Writer, masses []int64, shape []int) error {
	return writeNpyRaw(w, "<f8", shape, func(buf []byte, lo int) int {
		n := min(len(buf)/8, len(masses)-lo)
		for i, v := range masses[lo : lo+n] {
			binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(float64(v)/quench.MassUnit))
		}
		return n
	}, len(masses))
}

// writeFloatNpy writes a Langevin run's final state: the field with the
// lattice's shape, or the positions with shape (N, d), in the run's
// precision.
func writeFloatNpy(w io.Writer, st *State) error {
	shape := st.Config.Shape
	if st.Config.Model == "particles" {
		shape = []int{int(st.Config.N), st.Config.D}
	}
	if st.Config.Precision == "float32" {
		// converted a buffer at a time, the bytes writeNpyOf writes for
		// the float32 values: a float32 copy of the state is 4 bytes a
		// value the memory estimate does not count (a float32 particle run
		// of 10^8 coordinates, estimated at 1242 MiB, peaked at 1544)
		f := st.Field
		return writeNpyRaw(w, "<f4", shape, func(buf []byte, lo int) int {
			n := min(len(buf)/4, len(f)-lo)
			for i, x := range f[lo : lo+n] {
				binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(float32(x)))
			}
			return n
		}, len(f))
	}
	return writeNpyOf(w, st.Field, shape)
}

// npyElem are the element types of the .npy files quench writes.
type npyElem interface {
	int8 | uint8 | int64 | float32 | float64
}

// writeNpyOf writes v as a .npy file of the given shape through
// gorgonia.org/tensor, or above npyBulkSites the same bytes itself (the
// same header, then the little-endian data), which a test checks against
// tensor's output.
func writeNpyOf[T npyElem](w io.Writer, v []T, shape []int) error {
	if len(v) <= npyBulkSites {
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v)).WriteNpy(npyOut(w))
	}
	return writeNpyBulkOf(w, v, shape)
}

func writeNpyBulkOf[T npyElem](w io.Writer, v []T, shape []int) error {
	var descr string
	var put func(b []byte, x T)
	switch any(v).(type) {
	case []int8:
		descr, put = "<i1", func(b []byte, x T) { b[0] = byte(int8(x)) }
	case []uint8:
		descr, put = "<u1", func(b []byte, x T) { b[0] = byte(x) }
	case []int64:
		descr, put = "<i8", func(b []byte, x T) { binary.LittleEndian.PutUint64(b, uint64(int64(x))) }
	case []float32:
		descr, put = "<f4", func(b []byte, x T) { binary.LittleEndian.PutUint32(b, math.Float32bits(float32(x))) }
	case []float64:
		descr, put = "<f8", func(b []byte, x T) { binary.LittleEndian.PutUint64(b, math.Float64bits(float64(x))) }
	}
	size := elemSize(descr)
	return writeNpyRaw(w, descr, shape, func(buf []byte, lo int) int {
		n := min(len(buf)/size, len(v)-lo)
		for i := 0; i < n; i++ {
			put(buf[size*i:], v[lo+i])
		}
		return n
	}, len(v))
}

// Image enlargement (encodePNG): minImageSide is the least longer side a
// lattice image is drawn with, minStripSide the least shorter side a strip
// is enlarged towards, as far as maxEnlargedSide allows the longer one.
const (
	minImageSide    = 256
	minStripSide    = 64
	maxEnlargedSide = 4096
)

// encodePNG writes img, each pixel as k x k pixels when its larger side is
// below minImageSide (k = minImageSide / that side): an 8x8 lattice as
// 256x256 pixels, not 8x8; and a strip whose shorter side is under
// minStripSide pixels so much larger that it is not (as long as its longer
// side stays within maxEnlargedSide): a 2x300 lattice as 26x3900.
func encodePNG(w io.Writer, img *image.Gray) error {
	b := img.Bounds()
	long, short := max(b.Dx(), b.Dy(), 1), max(min(b.Dx(), b.Dy()), 1)
	k := minImageSide / long
	if short*max(k, 1) < minStripSide {
		k = max(k, min((minStripSide+short-1)/short, maxEnlargedSide/long))
	}
	if k <= 1 {
		return png.Encode(w, img)
	}
	big := image.NewGray(image.Rect(0, 0, k*b.Dx(), k*b.Dy()))
	for y := range big.Bounds().Dy() {
		for x := range big.Bounds().Dx() {
			big.SetGray(x, y, img.GrayAt(b.Min.X+x/k, b.Min.Y+y/k))
		}
	}
	return png.Encode(w, big)
}

// FieldImage draws a field (the first 2D slice in 3D) in grey from its
// minimum (black) to its maximum (white), in blocks of f x f sites when
// wider than maxSide. A 1D field is drawn as a graph instead (lineImage).
func FieldImage(field []float64, shape []int, maxSide int) *image.Gray {
	if len(shape) == 1 {
		return lineImage(field, maxSide, 256)
	}
	ly, lx := 1, shape[len(shape)-1]
	if len(shape) >= 2 {
		ly = shape[len(shape)-2]
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range field[:ly*lx] {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	f := max((max(ly, lx)+maxSide-1)/maxSide, 1)
	w, h := (lx+f-1)/f, (ly+f-1)/f
	img := image.NewGray(image.Rect(0, 0, w, h))
	for py := 0; py < h; py++ {
		for px := 0; px < w; px++ {
			// the block's mean as a sum of terms over n, and halves in
			// the scale, so that neither overflows for any finite field
			var s float64
			n := (min((py+1)*f, ly) - py*f) * (min((px+1)*f, lx) - px*f)
			inv := 1 / float64(n)
			for y := py * f; y < min((py+1)*f, ly); y++ {
				for x := px * f; x < min((px+1)*f, lx); x++ {
					s += field[y*lx+x] * inv
				}
			}
			g := 0.5 // no scale, or a block with NaN
			if v := (s/2 - lo/2) / (hi/2 - lo/2); hi > lo && !math.IsNaN(v) {
				// clamped: a block all at the maximum sums to a few ulp
				// above it (9 terms of 1/9: 1.0000000000000002)
				g = min(max(v, 0), 1)
			}
			img.SetGray(px, py, color.Gray{Y: uint8(255 * g)})
		}
	}
	return img
}

// lineImage draws a 1D field as a graph h pixels high: site x to the
// right (blocks of f sites a column when longer than maxSide), value up
// from the minimum (row h-1-lineMargin) to the maximum (row lineMargin,
// so that neither lies on the image's edge); each column is white from
// the least to the greatest value of its sites, so spikes within a block
// still show, and down or up to the previous column's last value, so the
// graph is one connected line. Fewer than minImageSide sites are drawn k
// columns each (k = minImageSide / n), so a short chain is not a few
// pixels wide.
func lineImage(field []float64, maxSide, h int) *image.Gray {
	n := len(field)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range field {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	f := max((n+maxSide-1)/maxSide, 1)
	w := (n + f - 1) / f
	k := 1 // pixel columns per column
	if f == 1 && n < minImageSide {
		k = minImageSide / max(n, 1)
	}
	img := image.NewGray(image.Rect(0, 0, w*k, h))
	m := min(lineMargin, (h-1)/4)
	row := func(x float64) int { // pixel row of value x, 0 at the top
		// halves, so that hi - lo cannot overflow; NaN and a constant
		// field go to the middle, infinities to the extremes' rows
		v := (x/2 - lo/2) / (hi/2 - lo/2)
		if !(hi > lo) || math.IsNaN(v) {
			return h / 2
		}
		v = math.Min(math.Max(v, 0), 1)
		return h - 1 - m - int(math.Round(v*float64(h-1-2*m)))
	}
	prev := -1 // row of the previous column's last site
	for px := 0; px < w; px++ {
		top, bottom := h, -1
		for x := px * f; x < min((px+1)*f, n); x++ {
			r := row(field[x])
			top, bottom = min(top, r), max(bottom, r)
		}
		last := row(field[min((px+1)*f, n)-1])
		for c := range k {
			t, b := top, bottom
			if c == 0 && prev >= 0 { // the step from the previous column
				t, b = min(t, prev), max(b, prev)
			}
			for py := t; py <= b; py++ {
				img.SetGray(k*px+c, py, color.Gray{Y: 255})
			}
		}
		prev = last
	}
	return img
}

// lineMargin is the rows a graph (lineImage) leaves above its maximum and
// below its minimum.
const lineMargin = 8

// Histogram draws the distribution of the first coordinate of every
// particle as white bars on black, w pixels wide: from its minimum to its
// maximum in 2 n^(1/3) bins for n particles (Rice's rule: about 20 for a
// thousand, which w bins would leave a comb of single counts), at least
// 16 and at most w.
func Histogram(x []float64, d, w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	lo, hi := math.Inf(1), math.Inf(-1)
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	n := 0
	for i := 0; i < len(x); i += d {
		if finite(x[i]) {
			lo, hi = math.Min(lo, x[i]), math.Max(hi, x[i])
			n++
		}
	}
	bins := min(w, max(16, int(2*math.Cbrt(float64(n)))))
	counts := make([]int, bins)
	top := 1
	for i := 0; i < len(x); i += d {
		if !finite(x[i]) {
			continue
		}
		b := 0
		if hi > lo {
			// in halves: hi - lo can overflow where both are finite
			f := (x[i]/2 - lo/2) / (hi/2 - lo/2)
			b = max(0, min(int(f*float64(bins)), bins-1))
		}
		counts[b]++
		top = max(top, counts[b])
	}
	for px := range w {
		c := counts[px*bins/w]
		for y := h - c*h/top; y < h; y++ {
			img.SetGray(px, y, color.Gray{Y: 255})
		}
	}
	return img
}

// npyBulkSites is the size above which WriteNpy writes the array body in
// bulk: gorgonia.org/tensor writes one element at a time through
// encoding/binary (about 100 ns each, two hours for 2^36 spins).
const npyBulkSites = 1 << 24

// WriteNpy writes spins as a .npy file (format 1.0, int8, C order) of the
// given shape (writeNpyOf).
func WriteNpy(w io.Writer, spins []int8, shape []int) error { return writeNpyOf(w, spins, shape) }

// writeNpyRaw writes the .npy header (npyPreamble of the dictionary tensor
// writes) for dtype descr, then the n elements fill encodes chunk by chunk
// (fill(buf, lo) encodes elements lo.. into buf and returns how many).
func writeNpyRaw(w io.Writer, descr string, shape []int, fill func(buf []byte, lo int) int, n int) error {
	dims := make([]string, len(shape))
	for i, s := range shape {
		dims[i] = strconv.Itoa(s)
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s)}", descr, tuple)
	pre, err := npyPreamble(header)
	if err != nil {
		return err
	}
	if _, err := w.Write(pre); err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	for lo := 0; lo < n; {
		k := fill(buf, lo)
		if _, err := w.Write(buf[:k*elemSize(descr)]); err != nil {
			return err
		}
		lo += k
	}
	return nil
}

func elemSize(descr string) int {
	switch descr {
	case "<f8", "<i8":
		return 8
	case "<f4":
		return 4
	}
	return 1
}

// Image draws a 2D lattice (or the first 2D slice of a 3D one) with up spins
// white and down spins black. Lattices wider than maxSide are shown in
// blocks of f x f spins, f the smallest integer that fits, as grey levels.
func Image(spins []int8, shape []int, maxSide int) *image.Gray {
	ly, lx := shape[len(shape)-2], shape[len(shape)-1]
	f := max((max(ly, lx)+maxSide-1)/maxSide, 1)
	w, h := (lx+f-1)/f, (ly+f-1)/f
	img := image.NewGray(image.Rect(0, 0, w, h))
	for py := 0; py < h; py++ {
		for px := 0; px < w; px++ {
			up, n := 0, 0
			for y := py * f; y < min((py+1)*f, ly); y++ {
				for x := px * f; x < min((px+1)*f, lx); x++ {
					if spins[y*lx+x] > 0 {
						up++
					}
					n++
				}
			}
			img.SetGray(px, py, color.Gray{Y: uint8(255 * up / n)})
		}
	}
	return img
}
