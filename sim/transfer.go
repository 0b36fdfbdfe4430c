package sim

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/internal/pmath"
	"github.com/quenchlab/quench/stats"
)

// Mass-transfer models (kmp, aggregation, transfer) and diffusion. A step is
// one sweep over all bond classes (mass) or one Euler step (diffusion).

// HasProfiles reports whether model takes profile snapshots: the mass
// models (P(m), C(r)) and the sandpile (the height distribution).
func HasProfiles(model string) bool { return IsMass(model) || model == "sandpile" }

// IsMass reports whether model is a mass-transfer model.
func IsMass(model string) bool {
	return model == "kmp" || model == "aggregation" || model == "transfer"
}

// MassColumns: mean mass, its variance over sites, the two-point
// correlation <m_x m_{x+1}> - <m>^2 along the last axis, the largest mass.
var MassColumns = []string{"mass_mean", "mass_var", "mass_corr1", "mass_max"}

// DiffusionColumns: mean and variance of the field over sites.
var DiffusionColumns = []string{"u_mean", "u_var"}

// checkExtents checks a lattice of 1 to maxDim dimensions, every extent at
// least 2, and its size.
func (c *Config) checkExtents(maxDim int) (quench.Lattice, error) {
	if len(c.Shape) < 1 || len(c.Shape) > maxDim {
		return quench.Lattice{}, quench.Usagef("%d dimensions (--dim or --shape) are not allowed: model %s runs on 1 to %d dimensions", len(c.Shape), c.Model, maxDim)
	}
	for _, s := range c.Shape {
		if s < 2 {
			return quench.Lattice{}, quench.Usagef("--L %d is too small: every extent must be at least 2", s)
		}
	}
	lat, err := quench.NewLattice(c.Shape...)
	if err != nil {
		return lat, quench.Usagef("%v", err)
	}
	return lat, nil
}

// validateLattice checks the lattice (even extents if asked), the start and
// the run lengths.
func (c *Config) validateLattice(maxDim int, even bool) error {
	lat, err := c.checkExtents(maxDim)
	if err != nil {
		return err
	}
	if even {
		if err := lat.CheckCheckerboard(); err != nil {
			return quench.Usagef("--L/--shape %s: model %s needs even extents (bonds are updated in even and odd classes)", c.Lattice(), c.Model)
		}
	}
	if err := c.checkStart(); err != nil {
		return err
	}
	return c.validateRun()
}

func (c *Config) validateMass() error {
	if err := c.validateLattice(2, true); err != nil {
		return err
	}
	if !(c.Mass0 >= 0x1p-32) || c.Mass0 > 1<<20 {
		return quench.Usagef("--mass0 %v is not allowed: the mass density must be in [2^-32, 2^20] (masses are fixed point, 2^-32 per unit)", c.Mass0)
	}
	if c.Model == "transfer" && !(c.Fraction >= 0x1p-32 && c.Fraction < 1) {
		return quench.Usagef("--fraction %v is not allowed: the transferred fraction D must be in [2^-32, 1) (it is used in 32-bit fixed point)", c.Fraction)
	}
	if c.Model == "aggregation" && !(c.Injection == 0 || c.Injection >= 0x1p-32 && c.Injection <= 1<<20) {
		return quench.Usagef("--injection %v is not allowed: it must be 0 or in [2^-32, 2^20] (masses are fixed point, 2^-32 per unit)", c.Injection)
	}
	// int64 fixed point: the total mass must stay below 2^62 (kmp adds two
	// masses of a bond before splitting)
	// (hot and cold starts hold the same total: rescaleMasses)
	total := float64(c.Lattice().Sites()) * (c.Mass0 + c.Injection*float64(c.TotalSweeps())) * quench.MassUnit
	if total >= maxTotalMass {
		return quench.Usagef("the total mass could reach %.4g units (sites x (mass0 + injection x steps)): it must stay below 2^30 units, as the fixed point holds 2^-32 per unit below 2^62 in all; use a smaller --mass0, fewer sites, or less injection or fewer steps", total/quench.MassUnit)
	}
	return c.validateProfiles()
}

// maxTotalMass is the fixed-point bound on the total mass.
const maxTotalMass = 1 << 62

func (c *Config) validateDiffusion() error {
	if err := c.validateLattice(3, false); err != nil {
		return err
	}
	switch c.Precision {
	case "float32", "float64":
	default:
		return quench.Usagef("unknown --precision %q: allowed are float32, float64", c.Precision)
	}
	if bound := 1 / float64(2*len(c.Shape)); !(c.Alpha > 0) || c.Alpha > bound {
		return quench.Usagef("--alpha %v is not allowed: the explicit scheme is stable for 0 < alpha <= 1/(2d) = %g", c.Alpha, bound)
	}
	return nil
}

// MassParams converts the configuration for the kernels.
// The mass models' parameters as the fixed point holds them: the mass
// density and injection in units of 2^-32 (truncated), the fraction D as
// D32/2^32 (quench.MassTransferParams.D32).
func (c *Config) UsedMass0() float64 {
	return float64(int64(c.Mass0*quench.MassUnit)) / quench.MassUnit
}

func (c *Config) UsedInjection() float64 {
	return float64(c.MassParams().Injection) / quench.MassUnit
}

func (c *Config) UsedFraction() float64 { return float64(c.MassParams().D32()) / quench.MassUnit }

// usedString is "name=used", or "name=used (asked ...)" where the fixed
// point changed the value asked for.
func usedString(name string, asked, used float64) string {
	if asked == used {
		return fmt.Sprintf("%s=%g", name, used)
	}
	return fmt.Sprintf("%s=%.17g (asked %g)", name, used, asked)
}

func (c *Config) MassParams() *quench.MassTransferParams {
	return &quench.MassTransferParams{Rule: c.Model, Injection: int64(c.Injection * quench.MassUnit), Fraction: c.Fraction}
}

// newMassState: cold = every site Mass0; hot = independent exponentials
// -log(1-u), u uniform from Philox(seed; Init, phase 5, group n>>1), 53
// bits (words 0,1 or 2,3), log by pmath (the same bits on every
// platform), rescaled to the cold start's total (rescaleMasses).
// diffusion: hot = uniform [0, 1) (phase 6); cold = 1 at the centre site
// (L_a/2 along every axis).
func newMassState(cfg Config) *State {
	st := &State{Config: cfg}
	n := cfg.Lattice().Sites()
	key := philox.KeyFromSeed(cfg.Seed)
	uni := func(phase uint32, i int64) float64 {
		r := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeInit, 0, 0, phase, uint64(i)>>1, 0), key)
		if i&1 == 1 {
			return philox.Float64(r[3], r[2])
		}
		return philox.Float64(r[1], r[0])
	}
	if cfg.Model == "diffusion" {
		st.Field = make([]float64, n)
		for i := range st.Field {
			if cfg.Start == "hot" {
				st.Field[i] = uni(6, int64(i))
				if cfg.Precision == "float32" {
					st.Field[i] = float64(float32(st.Field[i]))
				}
			}
		}
		if cfg.Start == "cold" {
			// the centre site: L_a/2 along every axis
			centre, stride := 0, 1
			for a := len(cfg.Shape) - 1; a >= 0; a-- {
				centre += cfg.Shape[a] / 2 * stride
				stride *= cfg.Shape[a]
			}
			st.Field[centre] = 1
		}
		return st
	}
	st.Masses = make([]int64, n)
	cold := int64(cfg.Mass0 * quench.MassUnit)
	if cfg.Start != "hot" {
		for i := range st.Masses {
			st.Masses[i] = cold
		}
		return st
	}
	// independent exponential weights, -log(1 - u) in units of 2^-20
	// (at most 37 * 2^20 a site, so their total fits 64 bits), rescaled
	// exactly to the cold total: normalized exponentials are uniform on
	// the simplex, KMP's stationary state at the fixed total
	var total uint64
	for i := range st.Masses {
		st.Masses[i] = int64(-pmath.Log(1-uni(5, int64(i))) * (1 << 20))
		total += uint64(st.Masses[i])
	}
	rescaleMasses(st.Masses, total, uint64(cold)*uint64(n))
	return st
}

// rescaleMasses scales masses (adding up to total) to add up to exactly
// want: each becomes floor(m want / total) (exact in 128 bits), and the
// remainder, fewer units than sites, goes one unit each to the first sites.
// So a hot start has exactly the density of the cold one, mass0 (to the
// fixed point), which sets KMP's temperature.
func rescaleMasses(masses []int64, total, want uint64) {
	if total == 0 {
		// every random mass rounded to 0 (a tiny lattice): spread want evenly
		for i := range masses {
			masses[i] = int64(want / uint64(len(masses)))
		}
		total = want / uint64(len(masses)) * uint64(len(masses))
	} else {
		var sum uint64
		for i, m := range masses {
			hi, lo := bits.Mul64(uint64(m), want)
			q, _ := bits.Div64(hi, lo, total) // m <= total: q <= want < 2^62
			masses[i] = int64(q)
			sum += q
		}
		total = sum
	}
	for i := uint64(0); i < want-total; i++ {
		masses[i]++
	}
}

// massRunner runs kmp, aggregation, transfer and diffusion.
type massRunner struct {
	be   quench.Backend
	st   *State
	lat  quench.Lattice
	p    *quench.MassTransferParams
	buf  quench.Buffer // masses, or the field
	next quench.Buffer // diffusion
}

func newMassRunner(be quench.Backend, st *State) (*massRunner, error) {
	c := &st.Config
	r := &massRunner{be: be, st: st, lat: c.Lattice()}
	n := r.lat.Sites()
	if c.Model == "diffusion" {
		bufs, err := allocFloats(be, c.ElemType(), n, st.Field, zeroed)
		if err != nil {
			return nil, err
		}
		r.buf, r.next = bufs[0], bufs[1]
		return r, nil
	}
	r.p = c.MassParams()
	var err error
	if r.buf, err = be.Alloc(quench.Int64, n); err != nil {
		return nil, err
	}
	if err := be.Upload(r.buf, st.Masses); err != nil {
		be.Free(r.buf)
		return nil, err
	}
	return r, nil
}

func (r *massRunner) step(ctr quench.Counter) error {
	if r.p == nil {
		if err := r.be.Diffuse(r.next, r.buf, r.lat, r.st.Config.Alpha); err != nil {
			return err
		}
		r.buf, r.next = r.next, r.buf
		return nil
	}
	return r.be.MassTransfer(r.buf, r.lat, r.p, ctr)
}

func (r *massRunner) measure() error {
	n := float64(r.lat.Sites())
	var geom *quench.Lattice // diffusion needs no geometry, mass its Corr and Max
	if r.p != nil {
		geom = &r.lat
	}
	fs, err := r.be.FieldSums(r.buf, geom)
	if err != nil {
		return err
	}
	if fs.NonFinite > 0 {
		return r.st.Config.errDiverged() // diffusion (masses are integers)
	}
	mean := fs.Sum / n
	if fs.UnitsExact {
		// masses: from the exact integer total, so a conserved total gives
		// the same mean at every step even where the float64 Sum rounds
		mean = float64(fs.Units) / quench.MassUnit / n
	}
	row := []float64{float64(r.st.Step), mean, spread(fs.Sum2/n, mean)}
	if r.p != nil {
		row = append(row, fs.Corr/n-mean*mean, fs.Max)
	}
	r.st.Rows = append(r.st.Rows, row)
	return nil
}

// profile downloads the masses and computes the snapshot on the host.
func (r *massRunner) profile() ([]float64, error) {
	if err := r.download(); err != nil {
		return nil, err
	}
	return MassProfile(r.st.Masses, r.lat.Shape[r.lat.Dim()-1], r.st.Step), nil
}

func (r *massRunner) download() error {
	if r.p == nil {
		return downloadFloats(r.be, r.st.Field, r.buf)
	}
	return r.be.Download(r.st.Masses, r.buf)
}

func (r *massRunner) free() {
	for _, b := range []quench.Buffer{r.buf, r.next} {
		if b != nil {
			r.be.Free(b)
		}
	}
}

func (c *Config) massObservables(rows [][]float64) (map[string]stats.Estimate, []string) {
	cols := c.Columns()
	var jobs stats.Batch
	for j, name := range cols {
		jobs.Add(name, func() stats.Estimate {
			x := make([]float64, len(rows))
			for i, r := range rows {
				x[i] = r[j+1]
			}
			return stats.Series(x)
		})
	}
	return jobs.Run(), cols
}

// Mass transfer rules that conserve mass (kmp, transfer) relax it
// diffusively: a density mode of wave vector k decays like
// exp(-Deff lambda_k t), lambda_k the lattice Laplacian's eigenvalue, so
// the squares behind mass_var, mass_corr1, P(m) and C(r) decorrelate in
// tau_k = 1/(2 Deff lambda_k) steps, up to L^2/(8 pi^2 Deff) for the
// slowest. Each mode carries about 1/N of such an observable's
// fluctuations (an upper bound: a Gaussian field's share; KMP's
// exponential masses give it less). On a ring that tail adds about
// L/(24 Deff) steps to tau_int, which bins shorter than the slowest
// modes cannot see and a Sokal window, looking for a decay in noise of
// 1/sqrt(n), does not find: a 1D kmp run of 1024 sites and 40000 steps
// had tau_int 3.9, error bars 2 to 3 times too small and a mass_var 7
// sigma from its exact value, all "reliable". In 2D the slow modes'
// share is of order log(L)/N and matters far less.

// tailModes is how many wave numbers per axis and sign diffusiveTail sums:
// the slow modes; faster ones are seen by any bin that holds 20 tau_int.
const tailModes = 64

// tailShare is the largest part of tau_int that the unseen tail may add
// for an error bar to count as reliable (its error then at most ~12% low).
const tailShare = 0.25

// diffusionPerStep is Deff, the diffusion constant of the mean mass in
// sites^2 per step along each axis: a step updates the even bonds, then
// the odd ones, each bond moving a fraction a of the mass difference on
// average (kmp 1/2, transfer D/2), and a unit of mass then walks with
// variance a/(1-a) per half step.
func (c *Config) diffusionPerStep() float64 {
	a := 0.5
	if c.Model == "transfer" {
		a = c.UsedFraction() / 2
	}
	return a / (1 - a)
}

// diffusiveTail returns, for a run of a rule that conserves mass, the part
// of tau_int (in steps) that error bins of binSteps steps miss: the sum
// over the slow modes of tau_k/N times the fraction of an exponential
// correlation of time tau_k a bin of that length leaves out,
// (1 - exp(-B/tau_k)) tau_k/B; and the slowest mode's tau_k. 0, 0 for
// other models.
func (c *Config) diffusiveTail(binSteps float64) (tail, slowest float64) {
	if c.Model != "kmp" && c.Model != "transfer" {
		return 0, 0
	}
	deff := c.diffusionPerStep()
	if !(deff > 0) {
		return 0, 0
	}
	n := float64(c.Lattice().Sites())
	// per axis the eigenvalues 2 - 2 cos(2 pi m / L) of the slow wave
	// numbers m = 0, +-1, .., +-tailModes (each once: at most L of them)
	var axes [][]float64
	for _, l := range c.Shape {
		lam := []float64{0}
		for m := 1; m <= tailModes && 2*m <= l; m++ {
			v := 2 - 2*math.Cos(2*math.Pi*float64(m)/float64(l))
			lam = append(lam, v)
			if 2*m < l {
				lam = append(lam, v) // -m, distinct from m
			}
		}
		axes = append(axes, lam)
	}
	var walk func(a int, lambda float64)
	walk = func(a int, lambda float64) {
		if a < len(axes) {
			for _, v := range axes[a] {
				walk(a+1, lambda+v)
			}
			return
		}
		if lambda == 0 {
			return // the conserved total
		}
		tau := 1 / (2 * deff * lambda)
		slowest = max(slowest, tau)
		x := binSteps / tau
		tail += tau / n * -math.Expm1(-x) / x
	}
	walk(0, 0)
	return tail, slowest
}

// diffusiveUnreliable marks the estimates of a mass-conserving run whose
// error bins (of binSteps steps; tau_int in units of unit steps) miss more
// than tailShare of tau_int to the slow modes, and reports whether it
// marked any.
func (c *Config) diffusiveUnreliable(est []stats.Estimate, binSteps, unit float64) bool {
	tail, _ := c.diffusiveTail(binSteps)
	marked := false
	for i, e := range est {
		if !e.Reliable || e.Err == 0 { // a constant series is exact
			continue
		}
		if tail > tailShare*e.Tau*unit {
			est[i].Reliable = false
			marked = true
		}
	}
	return marked
}

// DiffusiveAdvice is, for a mass-conserving run, how many measured steps
// (with the same measurement spacing) give bins long enough for the slow
// modes' tail to stay within tailShare of tau_int tau (in steps), and
// the slowest mode's decorrelation time in steps.
func (c *Config) DiffusiveAdvice(tau float64) (steps, slowest int64) {
	_, s := c.diffusiveTail(1)
	for n := max(c.Sweeps, 1); n < 1<<50; n *= 2 {
		if tail, _ := c.diffusiveTail(float64(n) / stats.DefaultBins); tail <= tailShare*tau {
			return n, int64(math.Ceil(s))
		}
	}
	return 1 << 50, int64(math.Ceil(s))
}
