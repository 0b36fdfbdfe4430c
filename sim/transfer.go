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

func (c *Config) validateMass(what int) error {
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
	sites := float64(c.Lattice().Sites())
	totalAt := func(steps int64) float64 { return sites * (c.Mass0 + c.Injection*float64(steps)) * quench.MassUnit }
	total := totalAt(c.TotalSweeps())
	if total >= maxTotalMass {
		const bound = "it must stay below 2^30 units, as the fixed point holds 2^-32 per unit below 2^62 in all"
		if what == forResume && c.Injection > 0 {
			// only the steps can change: the most an extension may ask
			most := int64((maxTotalMass/(sites*quench.MassUnit) - c.Mass0) / c.Injection) // thermalization included
			for totalAt(most) >= maxTotalMass {
				most--
			}
			for totalAt(most+1) < maxTotalMass {
				most++
			}
			most -= c.Therm
			return quench.Usagef("extended to %d steps, the total mass could reach %.4g units (sites x (mass0 + injection x steps), thermalization steps included): %s; extend the run to at most %d steps", c.Sweeps, total/quench.MassUnit, bound, most)
		}
		if c.Injection > 0 && sites*c.Mass0*quench.MassUnit < maxTotalMass {
			return quench.Usagef("the total mass could reach %.4g units (sites x (mass0 + injection x steps), thermalization steps included): %s; use a smaller --mass0, fewer sites, or less --injection or fewer steps (--steps and --therm)", total/quench.MassUnit, bound)
		}
		if c.Injection > 0 {
			return quench.Usagef("the start's total mass alone is %.4g units (sites x mass0), and --injection adds to it: %s; use a smaller --mass0 or fewer sites", sites*c.Mass0, bound)
		}
		return quench.Usagef("the total mass, conserved, is %.4g units (sites x mass0): %s; use a smaller --mass0 or fewer sites", sites*c.Mass0, bound)
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
	// the bound itself is refused, as phi4 refuses a dt at its bound:
	// with even extents the checkerboard mode is multiplied by
	// 1 - 4 alpha d = -1 each step and never decays, so a spike's u_var
	// stayed constant, "exact", for ever; with an odd one every mode
	// decays in exact arithmetic, but the field then keeps a 2-cycle at
	// its rounding (8x7 at 0.25: u_var 8e-20 alternating, whose swing
	// asked for ever longer runs; at 0.24 it relaxes to exactly 0)
	bound := 1 / float64(2*len(c.Shape))
	if !(c.Alpha > 0) || c.Alpha >= bound {
		return quench.Usagef("--alpha %v is not allowed: the explicit scheme relaxes every mode for 0 < alpha < 1/(2d) = %g (at 1/(2d) the checkerboard mode's factor is -1 a step)", c.Alpha, bound)
	}
	// a float32 run steps with float32(alpha) (an audit's 0.249999996
	// became 0.25, whose checkerboard mode never decayed; 1e-50 became 0)
	if a := c.UsedAlpha(); !(a > 0) || a >= bound {
		return quench.Usagef("--alpha %v is not allowed with --precision float32: it rounds to %v there, and the explicit scheme relaxes every mode for 0 < alpha < 1/(2d) = %g", c.Alpha, a, bound)
	}
	return nil
}

// UsedAlpha is the alpha diffusion's kernels step with: float32(alpha) in
// a float32 run.
func (c *Config) UsedAlpha() float64 {
	if c.Precision == "float32" {
		return float64(float32(c.Alpha))
	}
	return c.Alpha
}

// DiffusionSlowest is the factor by which diffusion's slowest decaying
// mode's share of u_var shrinks a step, (1 - alpha lambda)^2 with lambda
// the smallest nonzero Laplacian eigenvalue, 4 sin^2(pi/L) along the
// longest extent L, or the largest, sum_a 4 sin^2(pi floor(L_a/2)/L_a)
// (the checkerboard mode: 4d on even extents), whichever is slower near
// alpha's bound; and what names that mode. 0 where every extent is 1.
func (c *Config) DiffusionSlowest() (factor float64, mode string) {
	alpha := c.UsedAlpha()
	var long, top float64
	for _, l := range c.Shape {
		long = max(long, float64(l))
		s := math.Sin(math.Pi * float64(l/2) / float64(l))
		top += 4 * s * s
	}
	if long < 2 {
		return 0, ""
	}
	s := math.Sin(math.Pi / long)
	low := 4 * s * s
	fl, ft := (1-alpha*low)*(1-alpha*low), (1-alpha*top)*(1-alpha*top)
	if ft > fl {
		return ft, fmt.Sprintf("the checkerboard mode's (1 - alpha lambda_max)^2, lambda_max = %.6g, which near alpha's bound 1/(2d) decays slower than the longest wave", top)
	}
	return fl, fmt.Sprintf("the longest wave's (1 - 4 alpha sin^2(pi/L))^2, L = %.0f", long)
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
// diffusion: hot = uniform [0, 1) (phase 6; float32: rounded, so 1 can
// occur); cold = 1 at the centre site
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
	v, centered, err := variance(r.be, r.buf, n, fs.Sum2, mean)
	if err != nil {
		return err
	}
	row := []float64{float64(r.st.Step), mean, v}
	if r.p != nil {
		corr := fs.Corr/n - float64(mean*mean)
		if centered {
			// the masses nearly uniform: on the torus <m_x m_{x+1}> =
			// <m^2> - Grad/(2n), Grad the forward differences' squares
			// along the last axis, which cancel nothing, so the
			// covariance keeps the digits the one pass loses too
			corr = v - fs.Grad[len(fs.Grad)-1]/(2*n)
		}
		row = append(row, corr, fs.Max)
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
