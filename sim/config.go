// Package sim is the simulation driver: it validates a run's configuration,
// thermalizes and measures through the quench.Backend interface (so one
// driver serves every backend), checkpoints, resumes, and writes the outputs.
package sim

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unsafe"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/stats"
)

// Models the driver runs.
var Models = []string{"ising2d", "ising3d", "phi4", "particles", "sandpile", "kmp", "aggregation", "transfer", "diffusion"}

// SeedUnused reports whether a run of model from start at temperature T
// (particles; omegaSpread: Kuramoto's frequency spread) draws no random
// number at all, so that runs of any seeds are one run: diffusion from
// its cold start (a spike, then the stencil), and particles at T = 0
// from theirs (every coordinate and velocity 0, no noise, no
// frequencies drawn).
func SeedUnused(model, start string, T, omegaSpread float64) bool {
	return start == "cold" && (model == "diffusion" || model == "particles" && T == 0 && omegaSpread == 0)
}

// SeedUnused is SeedUnused of c's settings.
func (c *Config) SeedUnused() bool { return SeedUnused(c.Model, c.Start, c.T, c.OmegaSpread) }

// tempFlag names the temperature as it was given, for messages: "--T 2"
// or, where --beta was given (Validate fills T from it), "--beta 0.5
// (T = 2)".
func (c *Config) tempFlag() string {
	if c.BetaGiven {
		return fmt.Sprintf("--beta %v (T = %v)", c.Beta, c.T)
	}
	return fmt.Sprintf("--T %v", c.T)
}

// tempSetting is the temperature as given, as "T=2" or "beta=0.5".
func (c *Config) tempSetting() string {
	if c.BetaGiven {
		return fmt.Sprintf("beta=%v", c.Beta)
	}
	return fmt.Sprintf("T=%v", c.T)
}

// IsIsing reports whether model is an Ising model.
func IsIsing(model string) bool { return model == "ising2d" || model == "ising3d" }

// Config is everything that determines a run. Together with the step count
// and the state it is a complete checkpoint.
type Config struct {
	Model string  `json:"model"`
	Shape []int   `json:"shape"`
	T     float64 `json:"T"`
	Beta  float64 `json:"beta"`
	// BetaGiven: the temperature was given as --beta (Validate filled T
	// from it), for messages that name the flag given; not saved (a
	// resumed run's messages name --T).
	BetaGiven       bool    `json:"-"`
	J               float64 `json:"J"`
	H               float64 `json:"h"`
	Algo            string  `json:"algo"`
	Sweeps          int64   `json:"sweeps"`
	Therm           int64   `json:"therm"`
	Every           int64   `json:"every"`
	Seed            uint64  `json:"seed"`
	Start           string  `json:"start"`
	CheckpointEvery int64   `json:"checkpoint_every"`

	// Langevin models (phi4, particles); a step counts like a sweep.
	Precision   string  `json:"precision,omitempty"` // float32, float64
	Scheme      string  `json:"scheme,omitempty"`
	Dt          float64 `json:"dt,omitempty"`
	M2          float64 `json:"m2,omitempty"`
	Lambda      float64 `json:"lambda,omitempty"`
	Phi0        float64 `json:"phi0,omitempty"` // phi4: the start's mean field, added to every site
	Gamma       float64 `json:"gamma,omitempty"`
	Mass        float64 `json:"mass,omitempty"`
	N           int64   `json:"N,omitempty"` // particles
	D           int     `json:"d,omitempty"` // particle dimension
	Potential   string  `json:"potential,omitempty"`
	K           float64 `json:"k,omitempty"`
	Omega       float64 `json:"omega,omitempty"`        // kuramoto mean frequency
	OmegaSpread float64 `json:"omega_spread,omitempty"` // kuramoto frequency spread (Gaussian)

	// Lattice updates: mass transfer and diffusion.
	Mass0     float64 `json:"mass0,omitempty"`     // mean initial mass per site
	Injection float64 `json:"injection,omitempty"` // aggregation: mass injected per site and sweep
	Fraction  float64 `json:"fraction,omitempty"`  // transfer: fraction D moved
	Alpha     float64 `json:"alpha,omitempty"`     // diffusion: D dt / dx^2
	// mass transfer: steps between P(m) and C(r) snapshots (0: automatic,
	// see ProfileInterval)
	ProfileEvery int64 `json:"profile_every,omitempty"`
}

// Dim is the lattice dimension of an Ising model, or 0 for another model.
func Dim(model string) int {
	switch model {
	case "ising2d":
		return 2
	case "ising3d":
		return 3
	}
	return 0
}

// DefaultT is the default temperature of an Ising model: its zero-field
// critical point for coupling J, Tc(J = 1) |J| (the antiferromagnet's on
// these bipartite lattices too); Tc(J = 1) when J = 0.
func DefaultT(model string, J float64) float64 {
	tc := quench.Tc2D
	if model == "ising3d" {
		tc = 1 / quench.Kc3D
	}
	if J != 0 {
		tc *= math.Abs(J)
	}
	return tc
}

// langevinBytes estimates phi4 and particle runs.
//
// phi4: per site the device buffers (field, next, and momenta or mu) in
// the run's precision, Model B's noise currents (dim per site, on either
// backend), the measurements' partial sums, and the host's float64 copies
// of the state, 8 bytes a site each: the field, baoab's momenta, and on a
// GPU a float32 field's conversion buffer (measurements are taken on the
// backend: Reducer.FieldSums).
//
// particles: per coordinate the device buffers (positions, and velocities
// for baoab; kuramoto's frequencies per oscillator), the host's float64
// copies of the same, and for float32 on a GPU two conversion buffers
// (a float32 run converts each buffer as it moves it; the CPU backend
// does so in place). A 2x10^7 harmonic em float64
// run holds 305 MiB (322 MiB resident).
func (c *Config) langevinBytes(stateOnHost bool) (host, device uint64) {
	n := uint64(c.Units())
	elem := uint64(c.ElemType().Size())
	series := c.seriesBytes()
	if c.Model == "particles" {
		bufs := uint64(1)
		if c.Scheme == quench.SchemeBAOAB {
			bufs++
		}
		device = n*elem*bufs + partialBytes(int64(n), 0)
		host = n * 8 * bufs
		if c.Potential == quench.PotentialKuramoto {
			osc := uint64(max(c.N, 0))
			device += osc * elem
			host += osc * 8
		}
		if elem == 4 && !stateOnHost {
			// a conversion buffer, and the last one's garbage: a new one
			// is taken at once, before the collector frees the old (the
			// CPU backend converts in place: a float32 lm run of 2x10^7
			// particles in 3D with them, 916 MiB live, peaked at
			// 1164 MiB resident)
			host += 8 * n
		}
		host += series + OutputsBytes
		if stateOnHost {
			host += device
		}
		return host, device
	}
	bufs := uint64(2) // field and next
	if c.Scheme == quench.SchemeBAOAB || c.Scheme == quench.SchemeModelB {
		bufs++
	}
	device = n*elem*bufs + partialBytes(int64(n), len(c.Shape))
	if c.Scheme == quench.SchemeModelB {
		// the noise currents, one per link (gpu and cpu curScratch)
		device += n * uint64(len(c.Shape)) * elem
	}
	// the host's float64 copies: the field, and baoab's momenta (model B's
	// chemical potential lives on the backend only); on a GPU, a float32
	// field's conversion buffer and the last one's garbage, as the
	// particles' (an audit measured em and lm at 0.49 to 0.58 of the 24
	// bytes a site counted before, on the CPU backend)
	hostBufs := uint64(1)
	if c.Scheme == quench.SchemeBAOAB {
		hostBufs++
	}
	if elem == 4 && !stateOnHost {
		hostBufs++
	}
	host = n*8*hostBufs + series + OutputsBytes
	if stateOnHost {
		host += device + ringTableBytes(c.Shape)
	}
	return host, device
}

// ringTableBytes is the CPU backend's table for FieldSums on a ring of at
// least four blocks (cpu sumGeom.grp, fieldQuadVec: [c0, s0] of each
// 64-site group, 16 bytes, a quarter of a byte a site: 256 MiB for 2^30
// sites), kept for the whole run; 0 on other lattices.
func ringTableBytes(shape []int) uint64 {
	if len(shape) != 1 || shape[0] < 4*quench.SumBlock {
		return 0
	}
	return 16 * uint64((shape[0]+63)/64)
}

// Lattice returns the run's lattice.
func (c *Config) Lattice() quench.Lattice { return quench.Lattice{Shape: c.Shape} }

// OutputShape is the shape of lattice.npy: the lattice's, or (N, d) for
// particles.
func (c *Config) OutputShape() []int {
	if c.Model == "particles" {
		return []int{int(c.N), c.D}
	}
	return c.Shape
}

// ShapeString is OutputShape as extents joined by x, as in 512x256.
func (c *Config) ShapeString() string {
	return quench.Lattice{Shape: c.OutputShape()}.String()
}

// TotalSweeps is thermalization plus measured sweeps.
func (c *Config) TotalSweeps() int64 { return c.Therm + c.Sweeps }

// totalUnsigned is TotalSweeps without wrapping, for messages about counts
// too large (both counts already checked to be >= 0).
func (c *Config) totalUnsigned() uint64 { return uint64(c.Therm) + uint64(c.Sweeps) }

// Measurements is the number of measurements a complete run makes.
func (c *Config) Measurements() int64 { return c.Sweeps / c.Every }

// IsingParams converts the configuration for the kernels.
func (c *Config) IsingParams() quench.IsingParams {
	a, _ := quench.ParseAlgo(c.Algo)
	return quench.IsingParams{J: c.J, H: c.H, Beta: c.Beta, Algo: a}
}

// FieldRoundedAway reports whether an Ising run's field h != 0 is too weak
// to change any flip probability (h = 1e-17 at T = 1.8): its thresholds
// equal those at h = 0 entry for entry, so the run steps as the run at
// h = 0 does, bit for bit, and samples its law, whose exact values and
// symmetry (m -> -m) apply; its energy keeps the -h m, which is below
// their rounding.
func (c *Config) FieldRoundedAway() bool {
	if !IsIsing(c.Model) || c.H == 0 {
		return false
	}
	p := c.IsingParams()
	t, err := quench.NewIsingTable(Dim(c.Model), p)
	p.H = 0
	t0, err0 := quench.NewIsingTable(Dim(c.Model), p)
	return err == nil && err0 == nil && slices.Equal(t.Thr, t0.Thr)
}

// MetropolisMaxReject is the largest probability with which a Metropolis
// Ising run rejects a flip (quench.IsingTable.MaxReject), and whether the
// run is one.
func (c *Config) MetropolisMaxReject() (float64, bool) {
	if !IsIsing(c.Model) || c.Algo != "metropolis" {
		return 0, false
	}
	t, err := quench.NewIsingTable(Dim(c.Model), c.IsingParams())
	if err != nil {
		return 0, false
	}
	return t.MaxReject(), true
}

// NoField: an Ising run at h = 0, or whose field is rounded away
// (FieldRoundedAway).
func (c *Config) NoField() bool { return c.H == 0 || c.FieldRoundedAway() }

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// MaxStationarySites is the largest sandpile --start stationary samples
// (the sampler's int32 site indices); larger piles start hot by default.
// A variable so that tests can lower it.
var MaxStationarySites int64 = 1<<31 - 2

// maxCoupling bounds |J| and |h| of the Ising models, so that energy sums
// (up to 2^48 sites times 3|J| + |h|) and squared energies per site stay
// finite.
const maxCoupling = 1e100

// minCoupling, minTemperature and maxTemperatureRatio bound the scales
// of a new run, so that the energies' squares and the specific heat's and
// susceptibility's divisions by T stay within float64's range (at J =
// 1e-300 the squares underflowed to an error bar of 0 and a specific heat
// of 0/0; at T = 1e-300 a susceptibility of 4e299 had no error bar): the
// larger of a nonzero |J| and |h| from minCoupling, T from
// minTemperature, and an Ising T at most maxTemperatureRatio times that
// larger coupling (the specific heat is of order (J/T)^2; at J = h = 0,
// maxTemperatureRatio itself). Only J/T and h/T (phi4: the field's own
// scales) matter, so the bounds cost nothing: a run at such scales is the
// run of its rescaled parameters. Saved runs are not held to them
// (ValidateSaved): a checkpoint written before them resumes.
const (
	minCoupling         = 1e-100
	minTemperature      = 1e-100
	maxTemperatureRatio = 1e100
)

// checkScales refuses a new run's couplings and temperature outside
// those bounds (Ising: J, h and T; phi4 and particles: a positive T).
func (c *Config) checkScales() error {
	scale := max(math.Abs(c.J), math.Abs(c.H))
	if IsIsing(c.Model) && scale != 0 && scale < minCoupling {
		return quench.Usagef("--J %v and --h %v are too small: the larger must be at least %g in size (or both 0), so that the energies' squares (the specific heat, the error bars) stay within float64's range; only J/T and h/T matter: rescale J, h and T together", c.J, c.H, minCoupling)
	}
	if !(c.T > 0) {
		return nil
	}
	switch {
	case c.T < minTemperature && IsIsing(c.Model):
		return quench.Usagef("%s is outside the temperatures quench takes, at least %g: the specific heat divides by T^2 and the susceptibility by T; only J/T and h/T matter: rescale J, h and T together", c.tempFlag(), minTemperature)
	case c.T < minTemperature && c.Model == "particles":
		return quench.Usagef("%s is outside the temperatures quench takes, 0 or at least %g: its variances, of order T/k, would square below float64's range; at such a T the noise is nothing: use --T 0", c.tempFlag(), minTemperature)
	case c.T < minTemperature:
		return quench.Usagef("%s is outside the temperatures quench takes, at least %g: the susceptibility divides by T, and the error bars square the fluctuations of order T", c.tempFlag(), minTemperature)
	case IsIsing(c.Model) && scale == 0 && c.T > maxTemperatureRatio:
		return quench.Usagef("%s is outside the temperatures quench takes at J = h = 0, at most %g: the susceptibility, of order 1/T, would square below float64's range (every spin is a coin's at any T here)", c.tempFlag(), maxTemperatureRatio)
	case IsIsing(c.Model) && scale > 0 && c.T/scale > maxTemperatureRatio:
		return quench.Usagef("%s is too high for these couplings: T/max(|J|, |h|) = %.3g is above %g, where every flip is a coin's and the specific heat, of order (J/T)^2, leaves float64's range; only J/T and h/T matter: rescale J, h and T together", c.tempFlag(), c.T/scale, maxTemperatureRatio)
	}
	return nil
}

// minInvertible is the least positive float64 whose inverse is finite.
var minInvertible = math.Nextafter(1/math.MaxFloat64, 1)

// PositiveInvertible refuses v unless it is positive and finite with a
// finite inverse (T and beta are each other's inverse).
func PositiveInvertible(flag, what string, v float64) error {
	if !(v > 0) || !finite(v) {
		return quench.Usagef("%s %v is not allowed: %s must be a positive finite number", flag, v, what)
	}
	if !finite(1 / v) {
		return quench.Usagef("%s %v is too small: its inverse overflows (%s must be at least %.2g)", flag, v, what, minInvertible)
	}
	return nil
}

// Validate checks every field and fills Beta from T (or T from Beta); the
// caller sets one of them, or both when they agree (Beta == 1/T). Errors are quench.UsageErrors naming the
// bad value and what is allowed.
func (c *Config) Validate() error { return c.validate(forNew) }

// ValidateSaved is Validate for the configuration of a saved run (a
// checkpoint): all but the rules on how well its --sweeps sample
// (weakField), which a resume's longer --sweeps may meet and which it
// checks then (ValidateResume).
func (c *Config) ValidateSaved() error { return c.validate(forSaved) }

// ValidateResume is Validate for a saved run whose --sweeps a resume
// extends: the rules on how well they sample name only what a resume can
// change, its --sweeps.
func (c *Config) ValidateResume() error { return c.validate(forResume) }

// What a configuration is validated for (validate).
const (
	forNew = iota
	forSaved
	forResume
)

func (c *Config) validate(what int) error {
	if c.ProfileEvery != 0 && !HasProfiles(c.Model) {
		return quench.Usagef("--profile-every %d does not apply to --model %s: only kmp, aggregation, transfer and sandpile take profiles", c.ProfileEvery, c.Model)
	}
	if c.Phi0 != 0 && c.Model != "phi4" {
		return quench.Usagef("--phi0 %v does not apply to --model %s: only phi4 takes it", c.Phi0, c.Model)
	}
	switch c.Model {
	case "phi4", "particles":
		return c.validateLangevin(what)
	case "sandpile":
		return c.validateSandpile()
	case "kmp", "aggregation", "transfer":
		return c.validateMass(what)
	case "diffusion":
		return c.validateDiffusion()
	}
	d := Dim(c.Model)
	if d == 0 {
		return quench.Usagef("unknown --model %q: allowed are %s", c.Model, strings.Join(Models, ", "))
	}
	if len(c.Shape) != d {
		return quench.Usagef("--shape %v has %d extents: model %s needs %d", c.Shape, len(c.Shape), c.Model, d)
	}
	for _, s := range c.Shape {
		if s < 2 {
			return quench.Usagef("--L %d is too small: every extent must be at least 2", s)
		}
	}
	lat, err := quench.NewLattice(c.Shape...)
	if err != nil {
		return quench.Usagef("%v", err)
	}
	if err := lat.CheckCheckerboard(); err != nil {
		return quench.Usagef("%v", err)
	}
	// J and h first: the default T follows J
	// energies per site and their squares (the specific heat) must stay
	// finite: |e| <= d|J| + |h| once the sums are divided by N, but the
	// sums themselves reach N times that
	if !(math.Abs(c.J) <= maxCoupling) {
		return quench.Usagef("--J %v is not allowed: the coupling must be finite, at most %g in size", c.J, maxCoupling)
	}
	if !(math.Abs(c.H) <= maxCoupling) {
		return quench.Usagef("--h %v is not allowed: the field must be finite, at most %g in size", c.H, maxCoupling)
	}
	if err := c.resolveTemperature(); err != nil {
		return err
	}
	if what == forNew {
		if err := c.checkScales(); err != nil {
			return err
		}
	}
	c.J, c.H = c.J+0, c.H+0 // -0 is 0 (a header of J=-0 h=-0)
	if err := c.checkAlgo(what); err != nil {
		return err
	}
	if c.Sweeps < 1 {
		return quench.Usagef("--sweeps %d is not allowed: at least 1 measured sweep is needed", c.Sweeps)
	}
	if c.Therm < 0 {
		return quench.Usagef("--therm %d is not allowed: thermalization sweeps must be >= 0", c.Therm)
	}
	if c.Every < 1 {
		return quench.Usagef("--every %d is not allowed: measure every N >= 1 sweeps", c.Every)
	}
	if c.Every > c.Sweeps {
		return quench.Usagef("--every %d is larger than --sweeps %d: no measurement would be made", c.Every, c.Sweeps)
	}
	if c.TotalSweeps() > philox.MaxStep || c.TotalSweeps() < 0 {
		return quench.Usagef("--therm + --sweeps = %d is too many: at most 2^48-1 sweeps", c.totalUnsigned())
	}
	if c.CheckpointEvery < 0 {
		return quench.Usagef("--checkpoint-every %d is not allowed: use 0 (only at the end) or a positive number of %s", c.CheckpointEvery, c.StepUnit())
	}
	if err := c.checkStart(); err != nil {
		return err
	}
	if what != forSaved {
		return c.weakField(what == forResume)
	}
	return nil
}

// resolveTemperature sets both T and Beta from the one given, refusing
// neither, both (unless they agree, as in a validated config) or a value
// that is not positive and invertible.
func (c *Config) resolveTemperature() error {
	switch {
	case c.T != 0 && c.Beta != 0 && (c.Beta == 1/c.T || c.T == 1/c.Beta) && c.T > 0 && finite(c.T):
		// already resolved (a validated config, a checkpoint)
	case c.T != 0 && c.Beta != 0:
		return quench.Usagef("both --T %v and --beta %v given: set one of them", c.T, c.Beta)
	case c.T != 0:
		if err := PositiveInvertible("--T", "the temperature", c.T); err != nil {
			return err
		}
		c.Beta = 1 / c.T
	case c.Beta != 0:
		if err := PositiveInvertible("--beta", "beta", c.Beta); err != nil {
			return err
		}
		c.T, c.BetaGiven = 1/c.Beta, true
	default:
		return quench.Usagef("--T 0 is not allowed: the temperature must be a positive finite number")
	}
	return nil
}

// checkAlgo refuses an unknown --algo, and Metropolis where its
// checkerboard sweeps sample nothing or not the Boltzmann weights: a
// table that accepts (nearly) every flip, a cold start's cycle, the
// zero-field states of a small 2D lattice.
func (c *Config) checkAlgo(what int) error {
	if a, err := quench.ParseAlgo(c.Algo); err != nil {
		return err
	} else if dim := 2; a == quench.Metropolis {
		if c.Model == "ising3d" {
			dim = 3
		}
		tab, err := quench.NewIsingTable(dim, c.IsingParams())
		if err == nil && tab.AcceptsAll() {
			return quench.Usagef("--algo metropolis at J=%v, h=%v, %s accepts every flip (beta times each energy change is 0 or rounds to it), so its checkerboard sweeps only flip the lattice back and forth and sample nothing: use --algo heatbath", c.J, c.H, c.tempSetting())
		}
		if err == nil && tab.MaxReject() < metropolisMinReject {
			// nearly as bad: a lattice of 256 sites at T = 1e17 froze
			// at a constant energy, one rejection in 2^24 sweeps
			return quench.Usagef("--algo metropolis at J=%v, h=%v, %s rejects a flip with probability at most %.2g, so its checkerboard sweeps flip the lattice back and forth and would need millions of sweeps to sample anything: use --algo heatbath", c.J, c.H, c.tempSetting(), tab.MaxReject())
		}
		if err == nil && what != forSaved && c.Start == "cold" {
			if cyc := coldCycle(tab, c.Lattice().Sites()); cyc.states != "" && cyc.leave*float64(c.TotalSweeps()) < 1 {
				// (a cycle left less than once in the run is as good as
				// never: 16^2 at the exact h = 4, T = 1, left about 0.11
				// times, read m = 0.3333 as at T = 0.5)
				how := "use --start hot or --algo heatbath"
				if what == forResume {
					how = "start a new run with --start hot or --algo heatbath"
				}
				stays := " for ever"
				if cyc.leave > 0 {
					stays = fmt.Sprintf(", leaving them about %.2g times in this run's %d sweeps", cyc.leave*float64(c.TotalSweeps()), c.TotalSweeps())
				}
				return quench.Usagef("--algo metropolis from --start cold at J=%v, h=%v, %s stays in the cold start's cycle: every site of a colour sees the same field, which flips it with certainty or never (its energy change is 0, or far above T), so the sweeps cycle through %s%s, never sampling the rest, and its averages are not the Boltzmann ones (as an antiferromagnet's at |h| = %g|J|); %s", c.J, c.H, c.tempSetting(), cyc.states, stays, float64(2*len(c.Shape)), how)
			}
		}
		if n := c.Lattice().Sites(); err == nil && dim == 2 && n <= blinkingMaxSites {
			// At h = 0 states with every site in zero field flip back and
			// forth for ever, and no other state reaches them: on 2x2 both
			// sites of a colour see the same field and the sweeps keep
			// three closed classes (from all up: energy -1.9286(27) at
			// T = 1.7, exact -1.8968); on 2x4 they are 4 of the 256
			// states, drawn by 1 in 64 hot starts. (A weak field: weakField.)
			if z := zeroFieldStates(c.Shape); z > 0 {
				q := zeroFieldStay(tab)
				frac := float64(z) / float64(int64(1)<<n)
				if q == 0 {
					return quench.Usagef("--algo metropolis on the %s lattice at h=%v is not ergodic: %d of its %d states have every site in zero field, and the checkerboard sweeps flip them back and forth for ever while the other states never reach them, so its averages are not the Boltzmann ones (they miss up to %.2g of the weight): use --algo heatbath (or a field, or a lattice of more than %d sites)", c.Lattice(), c.H, z, int64(1)<<n, frac, blinkingMaxSites)
				}
			}
		}
	}
	return nil
}

// weakField refuses Metropolis on the small 2D lattices whose zero-field
// states it never leaves at h = 0 (Validate), in a field too weak for the
// run's --sweeps. The field joins h = 0's closed classes only where a spin
// in zero field, which flips to the field's side with certainty, stays on
// it, with probability q = 1 - exp(-2 beta |h|) a site and sweep (q of
// the kernel's thresholds): at h = 1e-6 on 2x2 at T = 1.7 the classes
// never met in 10^5 sweeps, whose averages read energy -1.93024(12), every
// one marked reliable (exact -1.8968). The run must expect
// blinkingMinCrossings of them. Not at J = 0, where every spin is alone
// in the field. For a resume the way out it names is --sweeps alone.
func (c *Config) weakField(resume bool) error {
	if c.Model != "ising2d" || c.Algo != "metropolis" || c.J == 0 || c.H == 0 {
		return nil
	}
	n := c.Lattice().Sites()
	if n > blinkingMaxSites {
		return nil
	}
	z := zeroFieldStates(c.Shape)
	tab, err := quench.NewIsingTable(2, c.IsingParams())
	if z == 0 || err != nil {
		return nil
	}
	q := zeroFieldStay(tab)
	need := blinkingMinCrossings / q
	if q == 0 || float64(c.Sweeps) >= need {
		return nil // (q == 0: refused as at h = 0)
	}
	var alt []string
	if !resume {
		alt = append(alt, "--algo heatbath")
	}
	if c.Sweeps > blinkingMinCrossings && !resume {
		// the least |h| whose q reaches the crossings in --sweeps, rounded
		// up; only where it is a weak field, below |J|
		if hmin := roundUp2(-math.Log1p(-blinkingMinCrossings/float64(c.Sweeps)) / (2 * c.Beta)); hmin < math.Abs(c.J) {
			alt = append(alt, fmt.Sprintf("a field |h| of at least %.2g", hmin))
		}
	}
	if need <= float64(philox.MaxStep-c.Therm) {
		alt = append(alt, fmt.Sprintf("--sweeps %d or more", int64(math.Ceil(need))))
	}
	if len(alt) == 0 {
		// a resume that no --sweeps within the counter makes enough
		alt = append(alt, "a new run with --algo heatbath or a stronger field")
	}
	return quench.Usagef("--algo metropolis on the %s lattice at h=%v mixes too slowly for --sweeps %d: at h = 0 it is not ergodic (%d of its %d states have every site in zero field and are flipped back and forth for ever, never reached from the others), and this field joins them only when a spin in zero field, flipped to the field's side, stays there, with probability %.2g a site and sweep, so the run would miss them unseen by its error bars (it needs some %d such stays): use %s",
		c.Lattice(), c.H, c.Sweeps, z, int64(1)<<n, q, int(blinkingMinCrossings), strings.Join(alt, ", or "))
}

// checkStart checks --start: hot and cold for every model, stationary for
// the sandpile (up to 2^31-2 sites, quench.SandpileStationary's limit).
func (c *Config) checkStart() error {
	switch {
	case c.Start == "stationary" && c.Model != "sandpile":
		return quench.Usagef("--start stationary is for --model sandpile; allowed for %s are hot, cold", c.Model)
	case c.Start == "stationary" && c.Lattice().Sites() > MaxStationarySites:
		return quench.Usagef("--start stationary needs at most %d sites, not %d", MaxStationarySites, c.Lattice().Sites())
	case c.Start != "hot" && c.Start != "cold" && c.Start != "stationary":
		return quench.Usagef("unknown --start %q: allowed are hot, cold, stationary (sandpile)", c.Start)
	}
	return nil
}

// StepUnit names what a run's steps are, in the plural: sweeps (Ising),
// grains (sandpile) or steps (the others).
func (c *Config) StepUnit() string {
	switch {
	case IsIsing(c.Model):
		return "sweeps"
	case c.Model == "sandpile":
		return "grains"
	}
	return "steps"
}

// validateRun checks the fields every model shares: sweeps (steps),
// thermalization, measurement interval, checkpoints, seed range.
func (c *Config) validateRun() error {
	sweeps, therm, unit := "--sweeps", "--therm", c.StepUnit()
	switch {
	case c.Model == "sandpile":
		sweeps, therm = "--grains", "--therm-grains"
	case !IsIsing(c.Model):
		sweeps = "--steps"
	}
	if c.Sweeps < 1 {
		return quench.Usagef("%s %d is not allowed: at least 1 measured %s is needed", sweeps, c.Sweeps, strings.TrimSuffix(unit, "s"))
	}
	if c.Therm < 0 {
		return quench.Usagef("%s %d is not allowed: thermalization %s must be >= 0", therm, c.Therm, unit)
	}
	if c.Every < 1 {
		return quench.Usagef("--every %d is not allowed: measure every N >= 1 %s", c.Every, unit)
	}
	if c.Every > c.Sweeps {
		return quench.Usagef("--every %d is larger than %s %d: no measurement would be made", c.Every, sweeps, c.Sweeps)
	}
	if c.TotalSweeps() > philox.MaxStep-1 || c.TotalSweeps() < 0 {
		return quench.Usagef("%s + %s = %d is too many: at most 2^48-2 %s", therm, sweeps, c.totalUnsigned(), unit)
	}
	if c.CheckpointEvery < 0 {
		return quench.Usagef("--checkpoint-every %d is not allowed: use 0 (only at the end) or a positive number of %s", c.CheckpointEvery, c.StepUnit())
	}
	return nil
}

// partialBytes is the device scratch of the partial sums of
// Reducer.FieldSums (and PhaseSums) over n elements of a lattice of dim
// axes (0: none): a block's, then a group's and its units.
func partialBytes(n int64, dim int) uint64 {
	nblk := (n + quench.SumBlock - 1) / quench.SumBlock
	ng, w := (nblk+quench.SumGroup-1)/quench.SumGroup, int64(quench.FieldSumsWidth(dim))
	return 8 * uint64(nblk*w+ng*(w+1))
}

// seriesBytes is the host memory of a run's measurements: Ising samples
// (56 bytes), their per-site rows (64) and at the end the columns the
// estimates take, three float64 copies of each of 8 at most at once, and
// of the d structure factors where the run measures them; or
// rows of w = columns + 1 float64 values, each its own allocation (8w
// rounded up to a size class, at most 16 more) with a slice header (24),
// and three float64 copies of each column at the end. Measured peaks per
// measurement, with the run's memory limit: Ising 180 bytes (this counts
// 288), phi4 (w = 13) 390 (456), particles (w = 5) 150 (200), kmp (w = 5)
// 110 (200); the factor of 2 this replaced had allowed 64, 208, 96 and 96.
//
// And the estimates' work: stats.MaxParallel columns at once, each an FFT
// of its series (a padded complex128 copy and gonum's work space: counted
// as 160 bytes a measurement each). With every column at once, a phi4 run
// on 16 cores had peaked at 1174-1322 MiB against 530 estimated; with 4
// at once it peaked at 1040 MiB (phi4 4x4, 10^6 steps, GOMAXPROCS 16),
// with MaxParallel's 2 see docs/reference.md, "Memory check".
func (c *Config) seriesBytes() uint64 {
	m := uint64(max(c.Measurements(), 0))
	fft := uint64(stats.MaxParallel) * 160
	if IsIsing(c.Model) {
		cols := uint64(8)
		if c.hasCorrelationLength() {
			cols += uint64(len(c.Shape))
		}
		return m * (uint64(unsafe.Sizeof(Sample{})) + uint64(unsafe.Sizeof(Row{})) + 3*8*cols + fft)
	}
	w := uint64(len(c.Columns()) + 1)
	return m * (24 + 16 + 8*w + 3*8*w + fft)
}

// RuntimeBytes is what Bytes adds to every run's host memory for the Go
// runtime and the program itself, beyond the heap (a run of 8x8 sites is
// 15 MiB resident): the heap is held to the rest (HeapLimit).
const RuntimeBytes = 32 << 20

// HeapLimit is the Go heap's share of a host estimate from Bytes, the soft
// limit a run's heap is given (runtime/debug.SetMemoryLimit).
func HeapLimit(host uint64) uint64 { return host - min(host, RuntimeBytes) }

// Bytes estimates the host memory a run needs on a backend: the backend's
// own copy of the state (when it lives in host memory), the driver's host
// copy, the measurement series, a fixed allowance for outputs and
// RuntimeBytes; and the device memory: the state and the measurements'
// partial sums.
func (c *Config) Bytes(stateOnHost bool) (host, device uint64) {
	host, device = c.bytes(stateOnHost)
	return host + RuntimeBytes, device
}

func (c *Config) bytes(stateOnHost bool) (host, device uint64) {
	if IsMass(c.Model) || c.Model == "diffusion" {
		n := uint64(c.Lattice().Sites())
		elem := uint64(8)
		if c.Model == "diffusion" {
			elem = 2 * uint64(c.ElemType().Size())
		}
		device = n*elem + partialBytes(int64(n), len(c.Shape))
		// host: the float64 or int64 state, a float64 conversion buffer
		// for the outputs, the measurement series and (mass transfer) the
		// profile snapshots, their column-wise copy for the estimates, and
		// one snapshot's work space
		host = 2*8*n + c.seriesBytes() + OutputsBytes
		if IsMass(c.Model) {
			host += c.profileBytes(8*2) + profileWorkBytes(int64(n), c.Shape[len(c.Shape)-1])
		}
		if stateOnHost {
			host += device
			if IsMass(c.Model) {
				host += ringTableBytes(c.Shape)
			}
		}
		return host, device
	}
	if c.Model == "sandpile" {
		n := uint64(c.Lattice().Sites())
		// heights, activity (int64), stamp, two bytes of flags, and each
		// tile's mark and two list entries (gpu sandScratch)
		device = 15*n + 16*sandTiles(c.Shape)
		// host: the driver's copies (13 bytes a site) and the outputs'
		// float64 copy of the activity (sandpileHistograms; without it a
		// 4096^2 run, 801 MiB estimated, peaked at 869 MiB resident)
		host = 21*n + c.seriesBytes() + c.profileBytes(8*2) + OutputsBytes
		if c.Start == "stationary" {
			// quench.SandpileStationary's site words (parent, tree and
			// boundary bits: 2 bytes a site up to 4 dimensions) and depths
			// (4 bytes) while it draws the start
			host += 6 * n
		}
		if stateOnHost {
			// the CPU backend's boundary bits (a byte per site, only
			// below 2^23 sites: cpu.sandpileHugeMin) and its round lists
			// (cpu.growList: 16 bytes per site at worst)
			host += device + min(n, 8<<20) + 16*n + 1<<20
		}
		return host, device
	}
	if !IsIsing(c.Model) {
		return c.langevinBytes(stateOnHost)
	}
	n := uint64(c.Lattice().Sites())
	series := c.seriesBytes()
	host = n + series + OutputsBytes
	device = n
	if stateOnHost {
		host += n
	}
	return host, device
}

// VerifyHostBytes estimates the host memory of quench verify: the CPU run
// (its backend's state and the driver's copy) and the GPU run's host copy,
// in one process: the runtime's RuntimeBytes and the outputs' OutputsBytes
// once (each run's estimate counts them).
func (c *Config) VerifyHostBytes() uint64 {
	cpuRun, _ := c.Bytes(true)
	gpuRun, _ := c.Bytes(false)
	return cpuRun + gpuRun - RuntimeBytes - OutputsBytes
}

// OutputsBytes is what every run's host estimate allows for writing its
// outputs (conversion buffers, images, encoders).
const OutputsBytes = 64 << 20

// DiskBytes estimates what the outputs of a run take on disk at most: the
// checkpoint's state and the series log, and then the larger of a second
// copy of the checkpoint, which a checkpoint is written to beside the one it
// replaces (--checkpoint-every, and the end of a resumed run), and the
// outputs written after the last checkpoint: the state in lattice.npy, the
// series in series.csv and the images (imageBytes).
func (c *Config) DiskBytes() uint64 {
	n := uint64(c.Units())
	rows := uint64(c.Measurements())
	img := c.imageBytes()
	var ckpt, log, outputs uint64
	switch {
	case IsIsing(c.Model):
		// the series log's records and series.csv's 7 columns of text,
		// 10 with the smallest modes (their records the wider)
		ckpt, log, outputs = n, rows*(1+sampleBytes), n+rows*7*25+img
		if c.hasCorrelationLength() {
			log, outputs = rows*(1+modesBytes), n+rows*10*25+img
		}
	case c.Model == "sandpile":
		// and the height distribution snapshots, as the mass models':
		// the checkpoint's heights, activity and stamps (13n),
		// lattice.npy (n), activity.npy (8n) and activity.png
		ckpt, log = 13*n, rows*8*6+c.profileBytes(8)
		outputs = n + 8*n + rows*100 + c.profileBytes(25) + 2*img
	case IsMass(c.Model):
		// profile snapshots: float64 in the log, text in profiles.csv;
		// their averages in summary.json and histograms.csv
		ckpt, log = 8*n, rows*8*5+c.profileBytes(8)
		outputs = 8*n + rows*100 + c.profileBytes(25) + img + c.profileSummaryBytes()
	case c.Model == "diffusion":
		ckpt, log, outputs = 8*n, rows*8*5, 8*n+rows*100+img
	default:
		ckpt = n * 8 // field, in the checkpoint
		if c.Scheme == quench.SchemeBAOAB {
			ckpt *= 2
		}
		if c.Potential == quench.PotentialKuramoto {
			// the oscillators' natural frequencies (float64)
			ckpt += 8 * uint64(max(c.N, 0))
		}
		cols := uint64(len(c.Columns()) + 1)
		log, outputs = rows*cols*8, n*uint64(c.ElemType().Size())+rows*cols*25+img
	}
	return ckpt + log + max(ckpt, outputs) + 1<<20
}

// profileSummaryBytes bounds the averaged profile snapshots' text in
// summary.json (an indented mean, error and tau_int and a reliable flag,
// up to 120 bytes a column) and histograms.csv (a row of up to 80 bytes
// a column), and profiles.csv's header: a 1D ring's C(r) has up to 32769
// columns, 6 MiB, and a run with profiles takes them.
func (c *Config) profileSummaryBytes() uint64 {
	if c.Profiles() == 0 {
		return 0
	}
	return 256 * uint64(c.ProfileWidth())
}

// imageBytes bounds the size of a run's PNG image (lattice.png, and the
// sandpile's activity.png): at most a byte a pixel, as for noise, which
// deflate does not shrink, and its row filter bytes. A lattice's first 2D
// slice is drawn in blocks of at most 2048 pixels a side; enlarged small
// lattices and strips, 1D graphs and the particle histogram take at most
// 2^19 pixels.
func (c *Config) imageBytes() uint64 {
	px := uint64(1 << 19)
	if sh := c.Shape; c.Model != "particles" && len(sh) >= 2 {
		ly, lx := uint64(sh[len(sh)-2]), uint64(sh[len(sh)-1])
		f := max((max(ly, lx)+2047)/2048, 1)
		px = max(px, ((ly+f-1)/f)*((lx+f-1)/f))
	}
	return px + px/64 + 1<<12
}

// massString is " mass=M" for schemes with momenta (baoab), else "".
func (c *Config) massString() string {
	if c.Scheme != quench.SchemeBAOAB {
		return ""
	}
	return fmt.Sprintf(" mass=%g", c.Mass)
}

// String is a one-line description of the run.
func (c *Config) String() string {
	switch c.Model {
	case "sandpile":
		return fmt.Sprintf("sandpile %s seed=%d", c.Lattice(), c.Seed)
	case "kmp":
		return fmt.Sprintf("kmp %s %s seed=%d", c.Lattice(), usedString("mass0", c.Mass0, c.UsedMass0()), c.Seed)
	case "aggregation":
		return fmt.Sprintf("aggregation %s %s %s seed=%d", c.Lattice(), usedString("mass0", c.Mass0, c.UsedMass0()),
			usedString("injection", c.Injection, c.UsedInjection()), c.Seed)
	case "transfer":
		return fmt.Sprintf("transfer %s %s %s seed=%d", c.Lattice(), usedString("mass0", c.Mass0, c.UsedMass0()),
			usedString("fraction", c.Fraction, c.UsedFraction()), c.Seed)
	case "diffusion":
		return fmt.Sprintf("diffusion %s alpha=%g %s seed=%d", c.Lattice(), c.Alpha, c.Precision, c.Seed)
	case "phi4":
		phi0 := ""
		if c.Phi0 != 0 {
			phi0 = fmt.Sprintf(" phi0=%g", c.Phi0)
		}
		return fmt.Sprintf("phi4 %s %s dt=%g T=%.10g m2=%g lambda=%g h=%g%s gamma=%g%s %s seed=%d",
			c.Lattice(), c.Scheme, c.Dt, c.T, c.M2, c.Lambda, c.H, phi0, c.Gamma, c.massString(), c.Precision, c.Seed)
	case "particles":
		extra := fmt.Sprintf(" gamma=%g", c.Gamma) + c.massString()
		if c.Potential == quench.PotentialKuramoto {
			// unit mobility: no gamma
			extra = fmt.Sprintf(" omega=%g omega_spread=%g", c.Omega, c.OmegaSpread)
		}
		return fmt.Sprintf("particles N=%d d=%d %s %s dt=%g T=%.10g k=%g%s %s seed=%d",
			c.N, c.D, c.Potential, c.Scheme, c.Dt, c.T, c.K, extra, c.Precision, c.Seed)
	}
	return fmt.Sprintf("%s %s T=%.10g (beta=%.10g) J=%g h=%g %s seed=%d", c.Model, c.Lattice(), c.T, c.Beta, c.J, c.H, c.Algo, c.Seed)
}

// metropolisMinReject is the least rejection probability of its most
// costly flip below which Metropolis is refused (about T > 8e6 |J| in 2D
// at h = 0): its deterministic flipping then lasts of order a million
// sweeps between rejections, which are all that mixes the lattice.
const metropolisMinReject = 0x1p-20

// blinkingMaxSites is the largest 2D lattice on which Metropolis at h = 0
// is refused for its blinking states (zeroFieldStates): up to 12 sites
// (2x2, 2x4, 2x6) they are 1/4, 1/64 and 1/1024 of the states; 4x4 keeps
// 36 of 65536 (5.5e-4 of the weight at infinite T, 6.5e-6 at Tc), 2x8 4,
// and from 20 sites on they are below 4e-6.
const blinkingMaxSites = 12

// blinkingMinCrossings is how many times a Metropolis run on such a lattice
// in a weak field must expect a spin in zero field to stay against the
// field (1/q sweeps each, zeroFieldStay) for its averages to have joined
// the classes of h = 0: a thousand, as its error bars need bins of 20
// tau_int, 50 of them. On 2x2 at T = 1.7 and 10^5 sweeps, h = 1e-3 (118
// expected) read energy -1.9154(63) against -1.8968; h = 1e-2 (1170) agreed.
const blinkingMinCrossings = 1000

// roundUp2 rounds x > 0 up to two significant digits.
func roundUp2(x float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(x))-1)
	return math.Ceil(x/p) * p
}

// zeroFieldStay is the probability that Metropolis keeps a spin in zero
// field (neighbours summing to 0) along the field h, from tab's thresholds
// (the larger of the two spins' rejections: the spin against the field
// flips with certainty); 0 at h = 0, and where exp(-2 beta |h|) rounds
// to 1.
func zeroFieldStay(tab *quench.IsingTable) float64 {
	least := min(tab.Thr[tab.Index(1, 0)], tab.Thr[tab.Index(-1, 0)])
	return float64(1<<32-least) / (1 << 32)
}

// zeroFieldStates counts the spin states of a small periodic lattice
// (bonds to the next site along each axis; an extent of 2 gives a double
// bond) in which every site's neighbours sum to 0: Metropolis at h = 0
// flips every such site with certainty, and flipping one colour keeps the
// other's fields 0, so it never leaves them.
func zeroFieldStates(shape []int) int {
	lat := quench.Lattice{Shape: shape}
	n := int(lat.Sites())
	nb := make([][]int, n)
	for i := range n {
		stride, rest := 1, i
		for a := len(shape) - 1; a >= 0; a-- {
			l, x := shape[a], rest%shape[a]
			rest /= l
			up, dn := i+stride, i-stride
			if x == l-1 {
				up -= l * stride
			}
			if x == 0 {
				dn += l * stride
			}
			nb[i] = append(nb[i], up, dn)
			stride *= l
		}
	}
	count := 0
	for st := 0; st < 1<<n; st++ {
		zero := true
		for i := 0; i < n && zero; i++ {
			f := 0
			for _, j := range nb[i] {
				f += 1 - 2*(st>>j&1)
			}
			zero = f == 0
		}
		if zero {
			count++
		}
	}
	return count
}

// sandTiles is the number of tiles the GPU sandpile splits a lattice of
// this shape into (kernels.SandBlock.Tiles: 1024 sites in 1D, 32 x 32 in
// 2D, 8 x 8 x 16 in 3D, those at an edge cut short).
func sandTiles(shape []int) uint64 {
	bits := [4][3]uint{1: {10}, 2: {5, 5}, 3: {3, 3, 4}}[len(shape)]
	t := uint64(1)
	for a, e := range shape {
		t *= (uint64(e) + 1<<bits[a] - 1) >> bits[a]
	}
	return t
}

// CanonicalAlgo is an Ising --algo as runs record it: glauber, another
// name of the heat bath (quench.ParseAlgo takes both), as heatbath, so
// that two such runs' settings compare alike (an audit's glauber and
// heatbath runs, the same bits, were refused by quench compare as
// differing in algo).
func CanonicalAlgo(a string) string {
	if a == "glauber" {
		return "heatbath"
	}
	return a
}

// coldCycle says which uniform states the Metropolis sweeps of tab cycle
// through from the cold start on a lattice of n sites ("" where they leave
// them at once), and how often a sweep leaves the cycle (0: never). From
// all up, every site of a colour sees the same neighbour sum (its
// neighbours are the other colour's, all alike: the lattice's extents are
// even), so where each half-sweep's flip is certain (threshold 2^32) or
// impossible (0) the lattice stays uniform on each colour and its course
// is deterministic: a loop that flips something (an antiferromagnet at
// h = 2d|J|, each site in zero field: all up, Neel, all up, ... with
// period 3; at -2d|J| all down and the two Neel states) never samples
// anything else, however long the run (an audit: m = 1/3 on every
// lattice at T = 0.5, heat bath 0.547). A loop that flips nothing is a
// frozen state (the ordered ground state at low T), which the run's notes
// say. A flip nearly certain or nearly impossible (within coldCycleNear
// of it) keeps the loop but for a site that does otherwise, at the rate
// of leave; any other leaves the cycle.
func coldCycle(tab *quench.IsingTable, n int64) (c coldLoop) {
	z := 2 * tab.Dim
	s := [2]int8{1, 1} // the colours' spins
	type at struct {
		s     [2]int8
		phase int
	}
	seen := map[at]int{} // half-sweep at which each was first seen
	var flipped []bool   // whether half-sweep k flipped its colour
	var odd []float64    // the chance that a site of it did otherwise
	for k := 0; ; k++ {
		ph := k % 2
		if first, ok := seen[at{s, ph}]; ok {
			if !slices.Contains(flipped[first:], true) {
				return coldLoop{}
			}
			loop := map[[2]int8]bool{}
			t := s
			var per float64 // sites doing otherwise over the loop
			for j := first; j < k; j++ {
				loop[t] = true
				per += float64(n/2) * odd[j]
				if flipped[j] {
					t[j%2] = -t[j%2]
				}
			}
			return coldLoop{states: uniformStates(loop), leave: per / (float64(k-first) / 2)}
		}
		seen[at{s, ph}] = k
		p := float64(tab.Thr[tab.Index(s[ph], z*int(s[1-ph]))]) / (1 << 32)
		switch {
		case p >= 1-coldCycleNear:
			flipped, odd = append(flipped, true), append(odd, max(1-p, 0))
			s[ph] = -s[ph]
		case p <= coldCycleNear:
			flipped, odd = append(flipped, false), append(odd, p)
		default:
			return coldLoop{}
		}
	}
}

// coldLoop is coldCycle's finding: the states of the cycle, named, and
// how often a sweep leaves it.
type coldLoop struct {
	states string
	leave  float64
}

// uniformStates names a set of states uniform on each colour: all up,
// all down, Neel states.
func uniformStates(set map[[2]int8]bool) string {
	var names []string
	if set[[2]int8{1, 1}] {
		names = append(names, "all up")
	}
	if set[[2]int8{-1, -1}] {
		names = append(names, "all down")
	}
	switch neel := b2i(set[[2]int8{1, -1}]) + b2i(set[[2]int8{-1, 1}]); neel {
	case 1:
		names = append(names, "a Neel state")
	case 2:
		names = append(names, "both Neel states")
	}
	return strings.Join(names, " and ")
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// coldCycleNear is how near to certain or impossible a flip keeps the
// cold start's cycle (coldCycle): a site in it does otherwise once in a
// thousand half-sweeps or less.
const coldCycleNear = 1e-3

// ColdCycleLeaves is, for a Metropolis run from the cold start whose
// sweeps keep to the start's cycle but for a site that now and then does
// otherwise (coldCycle: a field within rounding's reach of an
// antiferromagnet's 2d|J|, or the exact one at a T where its Neel state's
// other colour flips now and then), how often its sweeps, thermalization
// included, are expected to leave it, and the cycle's states; ok false
// for other runs (one left less than once is refused by Validate).
func (c *Config) ColdCycleLeaves() (leaves float64, states string, ok bool) {
	if !IsIsing(c.Model) || c.Start != "cold" || c.Algo != "metropolis" {
		return 0, "", false
	}
	tab, err := quench.NewIsingTable(len(c.Shape), c.IsingParams())
	if err != nil {
		return 0, "", false
	}
	cyc := coldCycle(tab, c.Lattice().Sites())
	if cyc.states == "" || cyc.leave == 0 {
		return 0, "", false
	}
	return cyc.leave * float64(c.TotalSweeps()), cyc.states, true
}
