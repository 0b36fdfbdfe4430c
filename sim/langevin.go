package sim

import (
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/internal/pmath"
	"github.com/quenchlab/quench/stats"
	"strconv"
)

// newLangevinState builds the start of a phi4 or particles run:
// hot = uniform in [-1, 1) (float32: rounded, so 1 can occur; kuramoto
// phases in [0, 1), a rounded 1 wrapped to 0), cold = zero, phi4 at
// --phi0 each shifted by it (rounded once, phi0 + (2u - 1)), each
// value Philox(seed; Init, phase 1 field / 2 positions, group n>>1), 53 bits
// from words 0,1 (even n) or 2,3 (odd n), rounded to the run's precision.
// Kuramoto frequencies are Omega + OmegaSpread*xi (Init, phase 3).
func newLangevinState(cfg Config) *State {
	st := &State{Config: cfg}
	n, phase := cfg.Lattice().Sites(), uint32(1)
	if cfg.Model == "particles" {
		n, phase = cfg.Coordinates(), 2
	}
	kur := cfg.Model == "particles" && cfg.Potential == quench.PotentialKuramoto
	round := func(x float64) float64 {
		if cfg.Precision == "float32" {
			return float64(float32(x))
		}
		return x
	}
	key := philox.KeyFromSeed(cfg.Seed)
	st.Field = make([]float64, n)
	if cfg.Start == "hot" {
		parallelRange(len(st.Field), func(lo, hi int) {
			var r [4]uint32
			for i := lo; i < hi; i++ {
				if i == lo || i&1 == 0 { // values 2g and 2g+1 share group g
					r = philox.Philox4x32_10(philox.MakeCounter(philox.PurposeInit, 0, 0, phase, uint64(i)>>1, 0), key)
				}
				u := philox.Float64(r[1], r[0])
				if i&1 == 1 {
					u = philox.Float64(r[3], r[2])
				}
				st.Field[i] = hotValue(u, kur, round)
				if cfg.Phi0 != 0 {
					st.Field[i] = round(cfg.Phi0 + (2*u - 1))
				}
			}
		})
	} else if cfg.Phi0 != 0 {
		for i := range st.Field {
			st.Field[i] = round(cfg.Phi0)
		}
	}
	if cfg.Scheme == quench.SchemeBAOAB {
		st.Aux = make([]float64, n)
	}
	if kur {
		st.Omega = make([]float64, cfg.N)
		for i := 0; i < len(st.Omega); i += 2 { // oscillators i, i+1 share a Philox call
			g0, g1 := pmath.Gaussians(philox.Philox4x32_10(philox.MakeCounter(philox.PurposeInit, 0, 0, 3, uint64(i)>>1, 0), key))
			st.Omega[i] = round(cfg.Omega + float64(cfg.OmegaSpread*g0)) // (converted: never fused, see scripts/check-fused.sh)
			if i+1 < len(st.Omega) {
				st.Omega[i+1] = round(cfg.Omega + float64(cfg.OmegaSpread*g1))
			}
		}
	}
	return st
}

// hotValue maps a uniform u in [0, 1) to a hot start's value in the run's
// precision (round): 2u - 1, or for kuramoto phases u itself, where a
// float32 rounding up to 1 turn becomes 0.
func hotValue(u float64, kur bool, round func(float64) float64) float64 {
	if !kur {
		return round(2*u - 1)
	}
	if x := round(u); x < 1 {
		return x
	}
	return 0
}

// floatMover is a backend that moves float64 host values into and out of
// float32 buffers itself (the CPU backend converts in place), without a
// float32 copy of the whole state on the host.
type floatMover interface {
	UploadFloat64(dst quench.Buffer, src []float64) error
	DownloadFloat64(dst []float64, src quench.Buffer) error
}

// uploadFloats copies float64 host values into a Float32 or Float64 buffer.
func uploadFloats(be quench.Backend, dst quench.Buffer, v []float64) error {
	if dst.DType() == quench.Float64 {
		return be.Upload(dst, v)
	}
	if fm, ok := be.(floatMover); ok {
		return fm.UploadFloat64(dst, v)
	}
	v32 := make([]float32, len(v))
	parallelRange(len(v), func(lo, hi int) {
		for i, x := range v[lo:hi] {
			v32[lo+i] = float32(x)
		}
	})
	return be.Upload(dst, v32)
}

// downloadFloats copies a Float32 or Float64 buffer into float64 host values.
func downloadFloats(be quench.Backend, dst []float64, src quench.Buffer) error {
	if src.DType() == quench.Float64 {
		return be.Download(dst, src)
	}
	if fm, ok := be.(floatMover); ok {
		return fm.DownloadFloat64(dst, src)
	}
	v32 := make([]float32, len(dst))
	if err := be.Download(v32, src); err != nil {
		return err
	}
	parallelRange(len(v32), func(lo, hi int) {
		for i, x := range v32[lo:hi] {
			dst[lo+i] = float64(x)
		}
	})
	return nil
}

// zeroed, passed to allocFloats, asks for a buffer that starts at 0 (a
// scratch or next-state buffer) without host data: backends allocate
// zeroed buffers, so a host slice of n zeros and its upload (and, in
// float32, its conversion) would be memory the run never needed.
var zeroed = make([]float64, 0, 1)

// isZeroed reports whether d is the zeroed sentinel itself (not just any
// empty slice, whose upload to n > 0 elements is an error to report).
func isZeroed(d []float64) bool {
	return len(d) == 0 && unsafe.SliceData(d) == unsafe.SliceData(zeroed)
}

// allocFloats allocates a buffer of the run's precision for each non-nil
// data and uploads it, or leaves it zero for zeroed; a nil data gets no
// buffer (a nil entry), so a run never holds more than the memory check
// counted.
func allocFloats(be quench.Backend, dt quench.DType, n int64, data ...[]float64) ([]quench.Buffer, error) {
	bufs := make([]quench.Buffer, len(data))
	for i, d := range data {
		if d == nil {
			continue
		}
		b, err := be.Alloc(dt, n)
		if err != nil {
			freeAll(be, bufs)
			return nil, err
		}
		bufs[i] = b
		if isZeroed(d) {
			continue
		}
		if err := uploadFloats(be, b, d); err != nil {
			freeAll(be, bufs)
			return nil, err
		}
	}
	return bufs, nil
}

func freeAll(be quench.Backend, bufs []quench.Buffer) {
	for _, b := range bufs {
		if b != nil {
			be.Free(b)
		}
	}
}

// phi4Runner runs a lattice field.
type phi4Runner struct {
	be   quench.Backend
	st   *State
	lat  quench.Lattice
	p    *quench.Phi4Params
	f    quench.Phi4Fields
	bufs []quench.Buffer
}

func newPhi4Runner(be quench.Backend, st *State) (*phi4Runner, error) {
	c := &st.Config
	r := &phi4Runner{be: be, st: st, lat: c.Lattice(), p: c.Phi4Params()}
	n := r.lat.Sites()
	var mom, mu []float64
	if c.Scheme == quench.SchemeBAOAB {
		mom = st.Aux
	}
	if c.Scheme == quench.SchemeModelB {
		mu = zeroed
	}
	bufs, err := allocFloats(be, c.ElemType(), n, st.Field, zeroed, mom, mu)
	if err != nil {
		return nil, err
	}
	r.bufs = bufs
	r.f = quench.Phi4Fields{Phi: bufs[0], Next: bufs[1], Mom: bufs[2], Mu: bufs[3]}
	return r, nil
}

func (r *phi4Runner) step(ctr quench.Counter) error { return r.be.Phi4Step(&r.f, r.lat, r.p, ctr) }

// errDiverged reports a state that is no longer finite: the parameters'
// fault, so a quench.UsageError (the caller names the step). The up-front
// bound on dt holds near the potential's minimum; fluctuations far from it
// can still blow up.
func (c *Config) errDiverged() error {
	return quench.Usagef("the state diverged (NaN or Inf): %s", c.divergeAdvice())
}

// divergeAdvice names the parameters that can make a run diverge.
func (c *Config) divergeAdvice() string {
	if c.Model == "diffusion" {
		return "reduce --alpha"
	}
	if c.Model == "sandpile" || IsMass(c.Model) {
		return "its integer state should not allow it: please report this run"
	}
	prec := "float64"
	if c.Precision == "float32" {
		prec = "float32"
	}
	temp, lower := "--T", "--T"
	if c.BetaGiven {
		temp, lower = "the temperature ("+c.tempFlag()+")", "raise --beta"
	}
	if c.Scheme == quench.SchemeBAOAB {
		// (an audit's particles at --mass 1e308: momenta of 1e154,
		// their squares' sums Inf, advised of --dt and --T alone)
		temp += " or --mass (the momenta's variance is mass T)"
		lower += " or --mass"
	}
	if e, x, safe, ok := c.WellEscapes(); ok && e >= WellEscapeTarget {
		return fmt.Sprintf("a step's noise carried a coordinate from its well past x = %.3g, from where the step of the cubic force overshoots further each step (expected about %.2g times over this run at --dt %v; the up-front bound holds only near the minima): --dt %v or below makes it unlikely (the run is deterministic: resuming a checkpoint of it diverges again)", x, e, c.Dt, safe)
	}
	return "--dt is too large for these parameters (the up-front bound only holds near the potential's minimum), or " + temp + " drives the fluctuations beyond " + prec + "'s range: reduce --dt or " + lower + " (the run is deterministic: resuming a checkpoint of it diverges again)"
}

// checkRow refuses a measurement row (step, then Columns) holding NaN or
// an infinity (a state of finite values whose sums overflow), or a value
// beyond maxMeasured, as are the particles' x2 (x_var + x_mean^2, the
// summary's), which a lone coordinate's x_mean of 1e140 would square, and
// v2 (v_var + v_mean^2).
func (c *Config) checkRow(row []float64) error {
	for j, v := range row[1:] {
		if !inMeasured(v) {
			return c.errMeasured(v, c.Columns()[j])
		}
	}
	if c.Model != "particles" || c.Potential == quench.PotentialKuramoto {
		return nil
	}
	if x2 := row[2] + float64(row[1]*row[1]); !inMeasured(x2) {
		return c.errMeasured(x2, "x2 (x_var + x_mean^2)")
	}
	if v2 := row[3] + float64(row[5]*row[5]); !inMeasured(v2) {
		return c.errMeasured(v2, "v2 (v_var + v_mean^2)")
	}
	return nil
}

// inMeasured reports whether v is finite and within maxMeasured.
func inMeasured(v float64) bool { return math.Abs(v) <= maxMeasured }

// errMeasured is checkRow's error for the value v of observable name.
func (c *Config) errMeasured(v float64, name string) error {
	if c.Model == "phi4" && (name == "m2" || name == "m4") {
		// not --m2: series.csv's powers of the mean field m
		name = fmt.Sprintf("%s (m^%c, m the mean field)", name, name[1])
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return quench.Usagef("%s is %v, beyond float64's range: %s", name, v, c.divergeAdvice())
	}
	// finite, but its error bar is not: the statistics square it
	// (particles at T = 1e300: x_var 9.1e299 with no error, and a
	// note on anticorrelation). A diverging state passes here on its
	// way to Inf; parameters can set such a scale too
	lower := "reduce --dt or --T"
	if c.BetaGiven {
		lower = "reduce --dt, or raise --beta"
	}
	if e, _, _, ok := c.WellEscapes(); ok && e >= WellEscapeTarget {
		// (a double well at dt 0.2 met this before NaN)
		lower = c.divergeAdvice()
	}
	return quench.Usagef("%s is %v, beyond the %g that its error bar can hold (the statistics square sums of it): either the state is diverging (%s), or the parameters set its scale that far (T/k, T/mass, h/m2: rescale them)", name, v, maxMeasured, lower)
}

// maxMeasured bounds a measurement's magnitude (checkRow): the statistics
// square sums of it, the largest the Fourier coefficients of tau_int's
// autocorrelation, up to n times the largest deviation for n measurements
// (particles at T = 4.5e295, x_mean up to 5.7e149 over 400000 steps, had
// no tau_int): at 1e140 they stay within float64 (1.8e308) to n = 10^14.
const maxMeasured = 1e140

// checkFinite refuses a state (on the host) holding NaN or an infinity,
// so that no checkpoint holds one.
func (st *State) checkFinite() error {
	for _, v := range [][]float64{st.Field, st.Aux} {
		for _, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return st.Config.errDiverged()
			}
		}
	}
	return nil
}

func (r *phi4Runner) finite() error {
	fs, err := r.be.FieldSums(r.f.Phi, &r.lat)
	if err == nil && fs.NonFinite > 0 {
		err = r.st.Config.errDiverged()
	}
	return err
}

func (r *phi4Runner) measure() error {
	fs, err := r.be.FieldSums(r.f.Phi, &r.lat)
	if err != nil {
		return err
	}
	if fs.NonFinite > 0 {
		return r.st.Config.errDiverged()
	}
	r.st.Rows = append(r.st.Rows, append([]float64{float64(r.st.Step)}, phi4Row(&r.st.Config, r.lat, fs)...))
	return nil
}

func (r *phi4Runner) download() error {
	if err := downloadFloats(r.be, r.st.Field, r.f.Phi); err != nil {
		return err
	}
	if r.f.Mom != nil {
		return downloadFloats(r.be, r.st.Aux, r.f.Mom)
	}
	return nil
}

func (r *phi4Runner) free() { freeAll(r.be, r.bufs) }

// hasCorrelationLength reports whether a phi4 or Ising run has the
// second-moment correlation length (correlationLength): on a hypercubic
// lattice (every extent L, 2 or more); for phi4 at h = 0 and not under
// model B, whose S(0) = V m^2 is conserved; for Ising a ferromagnet
// (J > 0) in no field (NoField: h = 0, or one too weak to change a flip
// probability, the run at h = 0 bit for bit; in a field <m> is not 0 and
// fills S(0)), or an antiferromagnet (J < 0) in any field: its order is
// staggered, and its structure factors and correlation length are the
// staggered spins' (modePrefix), whose mean is 0 on a finite lattice in a
// field too (a shift by one site turns m_s over and keeps the energy).
func (c *Config) hasCorrelationLength() bool {
	switch {
	case c.Shape[0] < 2:
		return false
	case c.Model == "phi4":
		if c.Scheme == quench.SchemeModelB || c.H != 0 {
			return false
		}
	case IsIsing(c.Model):
		if c.J == 0 || c.J > 0 && !c.NoField() {
			return false
		}
	default:
		return false
	}
	for _, l := range c.Shape {
		if l != c.Shape[0] {
			return false
		}
	}
	return true
}

// modePrefix is the prefix of the keys of the run's structure factors and
// correlation length: "staggered_" for an Ising antiferromagnet, whose
// modes are the staggered spins' (-1)^(x_1+...+x_d) s_x (Reducer.IsingPlanes,
// staggered), else "".
func (c *Config) modePrefix() string {
	if IsIsing(c.Model) && c.J < 0 {
		return "staggered_"
	}
	return ""
}

// ModePrefix is modePrefix, for the command.
func (c *Config) ModePrefix() string { return c.modePrefix() }

// XiName is the key of the run's second-moment correlation length:
// correlation_length, or an antiferromagnet's staggered_correlation_length
// (modePrefix).
func (c *Config) XiName() string { return c.modePrefix() + "correlation_length" }

// HasCorrelationLength reports whether the run reports the second-moment
// correlation length (hasCorrelationLength).
func (c *Config) HasCorrelationLength() bool { return c.hasCorrelationLength() }

// correlationLength is the second-moment correlation length
// xi = sqrt(S(0)/F - 1) / (2 sin(pi/L)) of S(0) = V <m^2> and the mean F
// of the structure factors sk at the smallest wave vectors k = 2 pi/L
// along the axes (Cooper, Freedman and Preston's finite-lattice form, as
// in the finite-size scaling of xi/L). Where S(0) < F, as noise makes it
// when xi/L is small against the run's statistics (S(0)/F - 1 =
// (2 sin(pi/L) xi)^2 is 0.039 at xi = 1, L = 32), the root is taken of
// |S(0)/F - 1| and the value negative: a function without gaps, so that
// the jackknife's bins and the mean always have one (sqrt alone left 3
// of 50 bins, or the mean, without a value, at m2 = 1 on 32^2). The
// Gaussian field's is 1/sqrt(m2) under lm and baoab on every L:
// S(k) = T/(m2 + 4 sin^2(k/2)).
func (c *Config) correlationLength(s0 float64, sk []float64) float64 {
	var f float64
	for _, s := range sk {
		f += s
	}
	f /= float64(len(sk))
	r := s0/f - 1
	return math.Copysign(math.Sqrt(math.Abs(r)), r) / (2 * math.Sin(math.Pi/float64(c.Shape[0])))
}

// Phi4Columns names the measurement columns of phi4 after the step (the
// summary's keys where they are means of a column): the order parameter
// phi = m = the mean field, and m^2 and m^4 (for binder and
// susceptibility), site means of phi^2 and phi^4, the energy per site and
// its four terms, and the structure factor
// S(k) = |sum_x phi_x exp(-i k x_a)|^2 / V at the smallest k = 2 pi / L_a
// along each axis a.
func Phi4Columns(dim int) []string {
	cols := []string{"phi", "m2", "m4", "phi2", "phi4", "energy", "energy_gradient", "energy_mass", "energy_quartic", "energy_field"}
	for a := 0; a < dim; a++ {
		cols = append(cols, skName(a))
	}
	return cols
}

// skName is the key of the structure factor along axis a (phi4's and the
// Ising model's).
func skName(a int) string { return "S_k" + strconv.Itoa(a) }

// deriveCorrelationLength adds the correlation length (XiName) to jobs,
// by the jackknife: correlationLength of N times the mean of m2 (each
// measurement's squared mean field, magnetization or staggered
// magnetization) and the means of sk (each axis' structure factor
// series).
func (c *Config) deriveCorrelationLength(jobs *stats.Batch, m2 []float64, sk [][]float64) {
	n := float64(c.Lattice().Sites())
	in := append([][]float64{m2}, sk...)
	jobs.Derived(c.XiName(), in, func(m []float64) float64 {
		return c.correlationLength(n*m[0], m[1:])
	})
	// and its root's argument, which MakeSummary reads and removes
	jobs.Derived(correlationRatio, in, func(m []float64) float64 {
		var f float64
		for _, s := range m[1:] {
			f += s
		}
		return n*m[0]/(f/float64(len(m)-1)) - 1
	})
}

// correlationRatio is the estimate of the correlation length's root's
// argument, S(0)/F - 1, among the observables' until MakeSummary takes it
// (Summary.CorrelationRatio).
const correlationRatio = "correlation_length_ratio"

// phi4Row derives the measurement columns (Phi4Columns) from the field's
// sums, taken on the backend.
func phi4Row(c *Config, lat quench.Lattice, fs quench.FieldSums) []float64 {
	v := float64(lat.Sites())
	m := fs.Sum / v
	mass, quartic := c.M2/2*fs.Sum2/v, c.Lambda/4*fs.Sum4/v
	field := 0.0 // -h <phi>, the last term of H (not -0 at h = 0)
	if c.H != 0 {
		field = -c.H * fs.Sum / v
	}
	var grad float64
	for _, g := range fs.Grad {
		grad += g
	}
	gradient := grad / 2 / v
	row := []float64{m, m * m, m * m * m * m, fs.Sum2 / v, fs.Sum4 / v, gradient + mass + quartic + field, gradient, mass, quartic, field}
	for a := range lat.Shape {
		row = append(row, (float64(fs.Cos[a]*fs.Cos[a])+float64(fs.Sin[a]*fs.Sin[a]))/v)
	}
	return row
}

// particleRunner runs a particle ensemble.
type particleRunner struct {
	be   quench.Backend
	st   *State
	p    *quench.ParticleParams
	ps   quench.Particles
	bufs []quench.Buffer
	// sums: the phase sums of the current phases, when a measurement took
	// them (kuramoto), for the next step of a quench.PhaseSumsStepper
	sums *[2]float64
}

func newParticleRunner(be quench.Backend, st *State) (*particleRunner, error) {
	c := &st.Config
	r := &particleRunner{be: be, st: st, p: c.ParticleParams(), ps: quench.Particles{N: c.N, Dim: c.D}}
	m := c.Coordinates()
	bufs, err := allocFloats(be, c.ElemType(), m, st.Field, st.Aux)
	if err != nil {
		return nil, err
	}
	r.bufs = bufs
	r.ps.Pos, r.ps.Vel = bufs[0], bufs[1] // Vel nil without velocities
	if st.Omega != nil {
		om, err := allocFloats(be, c.ElemType(), c.N, st.Omega)
		if err != nil {
			r.free()
			return nil, err
		}
		r.ps.Omega = om[0]
		r.bufs = append(r.bufs, om[0])
	}
	return r, nil
}

func (r *particleRunner) step(ctr quench.Counter) error {
	sums := r.sums
	r.sums = nil // the step changes the phases
	if ps, ok := r.be.(quench.PhaseSumsStepper); ok && sums != nil {
		return ps.ParticleStepWithSums(&r.ps, r.p, ctr, sums[0], sums[1])
	}
	return r.be.ParticleStep(&r.ps, r.p, ctr)
}

// ParticleColumns names the measurement columns of particles after the step:
// mean and variance of all coordinates, variance of all velocity
// components (momentum / mass; 0 without velocities), the Kuramoto order
// parameter r = |sum_j exp(2 pi i theta_j)|/N (0 for other potentials),
// and the mean of all velocity components (0 without velocities; NaN in
// the rows of a run begun under checkpoint format 6 or older, which did
// not record it: oldParticleRows). The summary adds x2 = x_var +
// x_mean^2, the coordinates' mean square (harmonic and double well), v2 =
// v_var + v_mean^2, the velocities' (baoab), and order_parameter2 = r^2
// (Kuramoto).
var ParticleColumns = []string{"x_mean", "x_var", "v_var", "order_parameter", "v_mean"}

func (r *particleRunner) finite() error {
	x, err := r.be.FieldSums(r.ps.Pos, nil)
	if err == nil && x.NonFinite > 0 {
		err = r.st.Config.errDiverged()
	}
	return err
}

func (r *particleRunner) measure() error {
	x, err := r.be.FieldSums(r.ps.Pos, nil)
	if err != nil {
		return err
	}
	var v quench.FieldSums
	if r.ps.Vel != nil {
		if v, err = r.be.FieldSums(r.ps.Vel, nil); err != nil {
			return err
		}
	}
	if x.NonFinite > 0 || v.NonFinite > 0 {
		return r.st.Config.errDiverged()
	}
	var order float64
	if r.p.Potential == quench.PotentialKuramoto {
		c, s, err := r.be.PhaseSums(r.ps.Pos)
		if err != nil {
			return err
		}
		r.sums = &[2]float64{c, s}
		// not math.Hypot: assembly on amd64, Go elsewhere, where 1 + q*q
		// fuses; |c|, |s| <= N, so the squares cannot overflow
		order = math.Sqrt(float64(c*c)+float64(s*s)) / float64(r.ps.N)
	}
	m := float64(r.ps.Pos.Len())
	mean := x.Sum / m
	xvar, _, err := variance(r.be, r.ps.Pos, m, x.Sum2, mean)
	if err != nil {
		return err
	}
	var vvar, vmean float64
	if r.ps.Vel != nil {
		// the second buffer holds BAOAB's momenta p = mass v
		pvar, _, err := variance(r.be, r.ps.Vel, m, v.Sum2, v.Sum/m)
		if err != nil {
			return err
		}
		vvar = pvar / (r.p.Mass * r.p.Mass)
		vmean = v.Sum / m / r.p.Mass
	}
	// |sum of phases| / N is at most 1 but for rounding
	r.st.Rows = append(r.st.Rows, []float64{float64(r.st.Step), mean, xvar, vvar, math.Min(order, 1), vmean})
	return nil
}

// variance is the variance over buf's n values of their mean square
// sum2/n (FieldSums' Sum2) about their mean: spread(sum2/n, mean), but
// where that one pass has cancelled 20 bits or more (the values' spread
// under 2^-10 of their size: a field relaxed nearly to uniform,
// synchronized phases, particles settled in one well), taken again by
// CenteredSums about the mean, which keeps the digits the one pass loses
// (its floor, about 1e-16 of the mean square, would otherwise be all a
// decaying variance reads). Both backends take the same branch: FieldSums
// gives them the same bits. centered: the second pass was taken.
func variance(be quench.Reducer, buf quench.Buffer, n, sum2, mean float64) (v float64, centered bool, err error) {
	ms := sum2 / n
	v = spread(ms, mean)
	if !(v < ms*0x1p-20) || n == 1 {
		// (one value: x*x - x*x, exactly the 0 it is)
		return v, false, nil
	}
	s, s2, err := be.CenteredSums(buf, mean)
	if err != nil {
		return 0, false, err
	}
	d := s / n
	return spread(s2/n, d), true, nil
}

// spread is the variance <x^2> - <x>^2 from the mean square and the mean,
// at least 0: in one pass, a variance near 0 (synchronized phases, a
// uniform field) could round to a negative one (NaN stays NaN).
func spread(meanSquare, mean float64) float64 {
	return math.Max(meanSquare-float64(mean*mean), 0)
}

func (r *particleRunner) download() error {
	if err := downloadFloats(r.be, r.st.Field, r.ps.Pos); err != nil {
		return err
	}
	if r.ps.Vel != nil {
		return downloadFloats(r.be, r.st.Aux, r.ps.Vel)
	}
	return nil
}

func (r *particleRunner) free() { freeAll(r.be, r.bufs) }

// Columns names the measurement columns of a Langevin model (after "step").
func (c *Config) Columns() []string {
	if c.Model == "sandpile" {
		return SandpileColumns
	}
	if IsMass(c.Model) {
		return MassColumns
	}
	if c.Model == "diffusion" {
		return DiffusionColumns
	}
	if c.Model == "phi4" {
		return Phi4Columns(len(c.Shape))
	}
	return ParticleColumns
}

// langevinObservables estimates the observables of a Langevin run: every
// column's mean (binning) and, for phi4, by the jackknife and defined as
// for the Ising models, the Binder cumulant of m, the susceptibility
// V <m^2>/T and the connected susceptibility V (<m^2> - <|m|>^2)/T.
func (c *Config) langevinObservables(rows [][]float64) (map[string]stats.Estimate, []string) {
	cols := c.Columns()
	series := make([][]float64, len(cols))
	for j := range cols {
		series[j] = make([]float64, len(rows))
		for i, r := range rows {
			series[j][i] = r[j+1]
		}
	}
	var jobs stats.Batch
	var names []string
	if c.Model == "phi4" {
		v := float64(c.Lattice().Sites())
		jobs.Series("phi", series[0])
		if c.Scheme == quench.SchemeModelB && c.Start == "cold" && c.Phi0 == 0 {
			// m is conserved at 0: the cumulant is 0/0, and what the
			// series hold is the rounding of the conservation
			jobs.Add("binder", func() stats.Estimate {
				return stats.Estimate{Mean: math.NaN(), Err: math.NaN(), Tau: math.NaN(), TauErr: math.NaN()}
			})
		} else {
			jobs.Derived("binder", [][]float64{series[1], series[2]}, func(m []float64) float64 { return 1 - m[1]/(3*m[0]*m[0]) })
		}
		jobs.Derived("susceptibility", [][]float64{series[1]}, func(m []float64) float64 { return v * m[0] / c.T })
		jobs.Add("susceptibility_connected", func() stats.Estimate {
			abs := make([]float64, len(series[0]))
			for i, m := range series[0] {
				abs[i] = math.Abs(m)
			}
			return stats.Derived([][]float64{abs, series[1]}, func(m []float64) float64 { return v * (m[1] - m[0]*m[0]) / c.T })
		})
		names = append(names, "phi")
		for j, name := range cols[3:] {
			jobs.Series(name, series[j+3])
			names = append(names, name)
		}
		names = append(names, "binder", "susceptibility", "susceptibility_connected")
		if c.hasCorrelationLength() {
			c.deriveCorrelationLength(&jobs, series[1], series[len(series)-len(c.Shape):])
			names = append(names, "correlation_length")
		}
		return jobs.Run(), names
	}
	vmean := slices.Index(cols, "v_mean")
	// a run begun under checkpoint format 6 or older has no v_mean in its
	// first rows (oldParticleRows): neither it nor v2
	noVMean := slices.ContainsFunc(series[vmean], math.IsNaN)
	for j, name := range cols {
		if name == "v_var" && c.Scheme != quench.SchemeBAOAB || (name == "order_parameter" && c.Potential != quench.PotentialKuramoto) ||
			name == "v_mean" {
			continue // (v_mean: with v_var, before it)
		}
		if name == "v_var" && !noVMean {
			if c.velocitySumsBounded() {
				jobs.BoundedSum("v_mean", series[vmean], 0)
			} else {
				jobs.Series("v_mean", series[vmean])
			}
			names = append(names, "v_mean")
		}
		jobs.Series(name, series[j])
		names = append(names, name)
		if name == "v_var" && !noVMean {
			// <v^2>, the velocities' second moment about 0: the kinetic
			// temperature T/mass, and a single velocity's variance
			// (its v_var, the spread over the components, is 0)
			v2 := make([]float64, len(series[j]))
			for i, v := range series[j] {
				m := series[vmean][i]
				v2[i] = v + m*m
			}
			jobs.Series("v2", v2)
			names = append(names, "v2")
		}
		if name == "x_var" && c.Potential != quench.PotentialKuramoto {
			// <x^2>, the coordinates' second moment about 0: a single
			// coordinate's variance (its x_var, the spread over the
			// coordinates, is 0), and the double well's mean that
			// neither well biases (x -> -x maps one onto the other)
			x2 := make([]float64, len(series[j]))
			for i, v := range series[j] {
				m := series[0][i]
				x2[i] = v + m*m
			}
			jobs.Series("x2", x2)
			names = append(names, "x2")
		}
		if name == "order_parameter" {
			// <r^2>, the mean-field XY model's exact value at one
			// natural frequency (kuramotoExact), from the same r
			r2 := make([]float64, len(series[j]))
			for i, r := range series[j] {
				r2[i] = r * r
			}
			jobs.Series("order_parameter2", r2)
			names = append(names, "order_parameter2")
		}
	}
	est := jobs.Run()
	if e, ok := est["v_mean"]; ok && c.velocitySumsBounded() {
		// its error is the partial sums' spread, the positions': as
		// reliable as their observables by the usual rule (x2's
		// underdamped mark, added later, does not reach it: under it,
		// gamma 0.05, 150000 steps, 40 seeds, v_mean spread 1.04 times
		// its errors)
		e.Reliable = e.Reliable && est["x_mean"].Reliable && est["x2"].Reliable
		est["v_mean"] = e
	}
	if c.Potential == quench.PotentialKuramoto {
		// the order parameter first: the wrapped phases' mean and spread
		// (x_mean, x_var), which a symmetry fixes or the wrap moves, are
		// seldom what a Kuramoto run is read for
		names = append(names[len(names)-2:], names[:len(names)-2]...)
	}
	return est, names
}

// velocitySumsBounded is whether the velocities' mean, v_mean, is a
// series whose partial sums stay bounded (stats.BoundedSum): baoab
// particles measured every step in a confining potential (harmonic or
// double well, k > 0). A baoab step moves x by dt/2 times the velocity
// after its first kick and again after the friction, so over steps 1..M
// the end-of-step velocities sum to exactly
//
//	(x_M - x_0)/dt + (v_M - v_0)/2 + dt/(4 mass) (F(x_M) - F(x_0)),
//
// ends that a confined coordinate keeps bounded (series.csv's x_mean and
// v_mean bear it out to 6e-15 over 150000 steps): their mean has an
// error of order 1/M, which binning overstated by about sqrt(50) = 7
// (v_mean's spread over 24 - 40 seeds 0.13 - 0.15 times its errors, at
// gamma 0.05 and 1, harmonic and double well; BoundedSum's 0.91 - 1.08).
// Measured every few steps the samples' sum telescopes in part and
// binning is kept: right at --every 10 (a sixth of the period at k = 1,
// dt 0.1: spread 0.95 - 1.02 times its errors), conservative at --every
// 2 (0.36, gamma 1). It holds for free particles (k = 0), whose
// displacement grows as sqrt(t), and for the Kuramoto phases, whose
// common phase diffuses.
func (c *Config) velocitySumsBounded() bool {
	return c.Model == "particles" && c.Scheme == quench.SchemeBAOAB && c.Every == 1 && c.K > 0 &&
		(c.Potential == quench.PotentialHarmonic || c.Potential == quench.PotentialDoubleWell)
}
