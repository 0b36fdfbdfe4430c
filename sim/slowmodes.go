package sim

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/stats"
)

// Dynamics that conserve their field relax it diffusively: the rules that
// conserve mass (kmp, transfer) and phi4's model B. A mode of the field
// with lattice Laplacian eigenvalue lambda_k decays at a rate that
// vanishes with lambda_k (conservedRate), so the squares behind mass_var,
// mass_corr1, P(m) and C(r), or phi2, the energies and S(k), decorrelate
// in tau_k = 1/(2 rate_k) steps, up to about L^2/(8 pi^2 Deff) for the
// slowest mass mode. Each mode carries a share of such an observable's
// fluctuations of order 1/N (conservedModes: 2/N for kmp's mass_var, and
// several times 1/N for model B's slowest modes). On a kmp ring that tail
// adds about L/(12 Deff) steps to tau_int, which bins shorter than the
// slowest modes cannot see and a Sokal window, looking for a decay in
// noise of 1/sqrt(n), does not find: a 1D kmp run of 1024 sites and 40000
// steps had tau_int 3.9, error bars 2 to 3 times too small and a mass_var
// 7 sigma from its exact value, all "reliable". In 2D the slow modes'
// share is of order log(L)/N and matters far less. Bins that miss a
// fraction f of an observable's whole tau_int give errors of about
// sqrt(1 - f) of the true ones: the rules (tailLimit) compare the missed
// tail with the Sokal tau_int, which the bins see at least, and with the
// modes' whole part, which the Sokal window misses.

// tailModes is how many wave numbers per axis and sign slowTail sums: the
// slow modes; faster ones are seen by any bin that holds 20 tau_int.
const tailModes = 64

// tailShare is the largest part of the Sokal tau_int (which the bins see
// at least) that the unseen tail may add for an error bar to count as
// reliable (its error then at most ~11% low: 1/sqrt(1.25) of the true one).
const tailShare = 0.25

// modesMissed is, for every conserving run (kmp, transfer, model B), the largest
// fraction of the slow modes' whole part of tau_int (the sum over them of
// weight_k tau_k: slowTail at bins of length 0, about L/(12 Deff) steps
// of mass_var's on a ring) that the bins may miss for an error bar to
// count as reliable, whatever its Sokal tau_int (tailLimit). On a ring
// that part is most of tau_int (mass_var's measured from exact
// autocovariances: 21.8 steps at L = 256 against the modes' 21.2, while
// Sokal's window sees 3.6 at every L), so a quarter of the Sokal tau_int
// had asked a ring of 256 for 1.6M steps and one of 512 for 12.8M. Bins
// that miss a fraction f of the whole leave errors of about sqrt(1 - f)
// of the true ones, 0.95 at this limit, which a ring reaches at about
// 4.2 L^2/Deff steps. Over fixed seeds the errors just beyond it came out
// somewhat smaller than that: mass_var's, mass_corr1's and mass_max's
// means spread 1.09 to 1.12 (+-0.03) times their errors on rings of 256
// at 300000 steps (480 seeds), 1.08 to 1.09 on 128 at 75000 (600), 1.03
// to 1.06 (+-0.05) on 512 at 1.2M (200), 1.03 to 1.05 for transfer at
// D = 0.5 on 128 at 225000 (320); 1.01 to 1.07 on 256 at 400000. Still
// marked: 256 at 262144 steps (10.5% missed) 1.11 to 1.16 (+-0.06, 160
// seeds), at 200000 (13.7%) 1.12 to 1.14, 128 at 25000 1.19 to 1.22.
//
// Model B takes the same limit, with each observable's shares
// (conservedModes), where it has a Hartree curvature c > 0. Over fixed
// seeds (1001 on) of the configurations whose marks it changed among 1D
// to 3D runs at lambda 0 and 1, m2 -1 and 1, dt 0.01 and 0.02, 20000 to
// 200000 steps, the observables it made reliable (bins missing 2.8 to
// 9.7% of the modes' part) spread 0.72 to 1.09 (+-0.06 to 0.12) times
// their errors: 16^2 at m2 = -1, lambda = 1, 200000 steps, the energy
// (9.3%) 1.09 (120 seeds); 32^2 at m2 = 1, lambda = 1, 200000 steps,
// phi2, phi4 and energy_gradient (9.3%) 0.99 to 1.06 (120); 16^2 there
// at 60000, energy_gradient and phi4 (9.4%) 0.92 and 1.08 (160); 8^3
// at 20000, energy_gradient (5.5%) 0.99 (160). Just beyond it they
// spread more and stay marked: the Gaussian 16^2 at m2 = 1, dt 0.01,
// 60000 steps, the energy (10.7%) 1.18 (+-0.13, 40 seeds); and an
// interacting 16^2's energy_gradient at m2 = -1, dt 0.01, 60000 steps,
// whose errors were 1.5 to 3 times too small, misses 39%.
const modesMissed = 0.10

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

// conservedRate returns, for a run whose dynamics conserve its field, the
// decay rate per step of a mode's amplitude with Laplacian eigenvalue
// lambda; nil for other runs. Mass transfer: Deff lambda. Model B,
// linearized about a field with <phi^2> = phi2: dt gamma lambda
// (lambda + c), c = m2 + 3 lambda_4 phi2 the Hartree curvature, taken as
// at least 0 (a smaller c only makes the slow modes slower).
func (c *Config) conservedRate(phi2 float64) func(lambda float64) float64 {
	switch {
	case c.Model == "kmp" || c.Model == "transfer":
		deff := c.diffusionPerStep()
		return func(l float64) float64 { return deff * l }
	case c.Model == "phi4" && c.Scheme == quench.SchemeModelB:
		curv := c.M2 + 3*c.Lambda*phi2
		if !(curv > 0) {
			curv = 0
		}
		a := c.Dt * c.Gamma
		return func(l float64) float64 { return a * l * (l + curv) }
	}
	return nil
}

// slowModes is what slowTail needs of a conserving run: each mode's decay
// rate per step and its share of an observable's fluctuations, both as
// functions of the mode's Laplacian eigenvalue.
type slowModes struct {
	rate, weight func(lambda float64) float64
	// model B: the shares of energy_gradient, energy, and phi4 and
	// energy_quartic (forObs), when they differ from phi2's
	gradient, energy, quartic func(lambda float64) float64
	// slowTail's groups of modes for these rate and weight (fastFor)
	fast *tailFast
	// modesMissed: the fraction of the modes' whole part of tau_int
	// that bins may miss in any case (tailLimit)
	missed float64
}

// conservedModes returns the slow modes of a run whose dynamics conserve
// its field, nil for other runs; est are its estimates (the measured
// moments set the weights). Its weights are mass_var's or phi2's; forObs
// gives another observable's.
//
// The share of mode k: for mass_var, (1 + 1/kappa)/N for masses that are
// independent Gamma(kappa) variables at fixed total (kmp: exponential,
// kappa = 1, 2/N; 1/kappa = mass_var/mass_mean^2 in general, more for
// clumpy transfer). For model B, S_k^2 / sum_q S_q^2 with the Hartree
// structure factor under the scheme at its step, S_k = T/((lambda_k + c)
// (1 - a_k)), a_k = dt gamma lambda_k (lambda_k + c)/2 (the Gaussian
// field's law, exact at c = m2): the slow modes carry several times 1/N
// of phi2's fluctuations where S_k peaks, and less where the step
// raises the fast modes' S_k (at L = 16, dt 0.01, m2 = 1, the fastest
// by 1/0.64).
func (c *Config) conservedModes(est map[string]stats.Estimate) *slowModes {
	rate := c.conservedRate(est["phi2"].Mean)
	if rate == nil {
		return nil
	}
	n := float64(c.Lattice().Sites())
	if c.Model != "phi4" {
		share := 2.0
		if mean, v := est["mass_mean"].Mean, est["mass_var"].Mean; mean > 0 && v >= 0 && !math.IsInf(v/(mean*mean), 0) {
			share = 1 + v/(mean*mean)
		}
		return &slowModes{rate: rate, weight: func(float64) float64 { return share / n }, missed: modesMissed}
	}
	uniform := func(float64) float64 { return 1 / (n - 1) }
	curv := c.M2 + 3*c.Lambda*est["phi2"].Mean
	// 1/(1 - a_k)^2: the step's factor, where stable (else 1: the run
	// diverged, and the shares matter little)
	step2 := func(l float64) float64 {
		g := 1 - c.Dt*c.Gamma*l*(l+max(curv, 0))/2
		if !(g > 0) {
			return 1
		}
		return 1 / (g * g)
	}
	s2 := func(l float64) float64 { return step2(l) / ((l + max(curv, 0)) * (l + max(curv, 0))) }
	sum := c.modeSum(s2)
	if !(sum > 0) || math.IsInf(sum, 0) {
		return &slowModes{rate: rate, weight: uniform}
	}
	sm := &slowModes{rate: rate, weight: func(l float64) float64 { return s2(l) / sum }}
	if !(curv > 0) {
		// no Hartree picture: phi2's shares for every observable, and
		// the quarter of the Sokal tau_int alone (8^3 at m2 = -1,
		// lambda = 1, c about -0.13, 70000 steps, bins missing 9.1% of
		// the modes' part: the energy's and energy_gradient's means
		// spread 1.15 and 1.18 times their errors, 80 seeds)
		return sm
	}
	sm.missed = modesMissed
	// a sum over the modes of w_k |phi_k|^2 has shares w_k^2 S_k^2 (each
	// mode Gaussian, independent of the others): the gradient energy's
	// of the Gaussian field. An interacting field's gradient energy
	// follows phi2's slow part too (block means of the two correlated at
	// -0.64 on 16^2 at m2 = -1, lambda = 1), and with these shares its
	// errors were 1.5 to 3 times too small unmarked (40 seeds): it keeps
	// phi2's
	g2 := func(l float64) float64 { return l * l * s2(l) }
	if gsum := c.modeSum(g2); c.Lambda == 0 && gsum > 0 && !math.IsInf(gsum, 0) {
		sm.gradient = func(l float64) float64 { return g2(l) / gsum }
	}
	sm.energy = uniform
	if esum := c.modeSum(step2); esum > 0 && !math.IsInf(esum, 0) {
		sm.energy = func(l float64) float64 { return step2(l) / esum }
	}
	return sm
}

// forObs returns the slow modes with observable name's shares, nil for
// one that need not be checked (mass_mean, a conserved total, and model
// B's ModelBConserved). Model B:
// phi2, phi4, energy_mass and energy_quartic have phi2's, linear in
// |phi_k|^2 with the same weight for every mode (phi4 through its
// Gaussian part, 6 <phi^2> phi^2);
// energy_gradient weighs mode k by lambda_k (the Gaussian field's; an
// interacting one's keeps phi2's); the energy by lambda_k + c,
// which cancels S_k but for the step's factor: shares of 1/(N-1) each at
// dt -> 0, less for the slow modes at a finite step. S_k, one mode whose
// exponential decay the Sokal window sees in a run long enough for it,
// has its own rule (modeMissed, MakeSummary), not these shares.
// Without a Hartree picture (c <= 0) every observable keeps phi2's.
func (sm *slowModes) forObs(name string) *slowModes {
	switch {
	case strings.HasPrefix(name, "S_k"):
		return nil
	case name == "mass_mean":
		// the total mass is conserved exactly: the k = 0 mode has no
		// slow decay, and what varies (float64 sums above 2^21 units a
		// block) is rounding
		return nil
	case slices.Contains(ModelBConserved, name):
		// model B's m, and what depends on it alone: conserved too
		// (Summary.Conserved)
		return nil
	case name == "energy_gradient" && sm.gradient != nil:
		return &slowModes{rate: sm.rate, weight: sm.gradient, missed: sm.missed}
	case name == "energy" && sm.energy != nil:
		return &slowModes{rate: sm.rate, weight: sm.energy, missed: sm.missed}
	case (name == "phi4" || name == "energy_quartic") && sm.quartic != nil:
		return &slowModes{rate: sm.rate, weight: sm.quartic, missed: sm.missed}
	}
	return sm
}

// gaussianPart gives phi4 and energy_quartic (lambda/4 phi4) of a model B
// run with a Hartree picture (forObs) phi2's shares times rho^2, the
// fraction of phi4's variance that its regression on phi2 explains in the
// measured series (rows, with the step first, then the columns cols). Of
// a Gaussian field that is exactly the part 6 <phi^2> phi^2, linear in the
// |phi_k|^2 as phi2 is; the rest, :phi^4:, has no slow-mode share (a
// quarter of one site's variance: 24 of 96 sigma^8). With phi2's full
// shares a Gaussian 16^2 run had marked phi4 (tau_int 9.9) and not phi2
// (15.5), whose errors a reviewer measured honest over 16 seeds.
func (sm *slowModes) gaussianPart(rows [][]float64, cols []string) {
	i2, i4 := slices.Index(cols, "phi2"), slices.Index(cols, "phi4")
	if sm.energy == nil || i2 < 0 || i4 < 0 || len(rows) < 2 {
		return
	}
	x2, x4 := make([]float64, len(rows)), make([]float64, len(rows))
	for i, r := range rows {
		x2[i], x4[i] = r[1+i2], r[1+i4]
	}
	rho := stat.Correlation(x2, x4, nil)
	if f := rho * rho; f >= 0 && f <= 1 { // not NaN (a constant column)
		phi2 := sm.weight
		sm.quartic = func(l float64) float64 { return f * phi2(l) }
	}
}

// modeSum is the sum of f(lambda_k) over the lattice's modes but k = 0:
// exactly up to 2^22 sites; above, from up to 256 evenly spaced wave
// numbers per axis, scaled to the number of modes (f is smooth away from
// k = 0, whose neighbours the exact slow modes of slowTail dominate).
func (c *Config) modeSum(f func(float64) float64) float64 {
	exact := c.Lattice().Sites() <= 1<<22
	var axes [][]float64
	scale := 1.0
	for _, l := range c.Shape {
		step := 1
		if !exact && l > 256 {
			step = (l + 255) / 256
		}
		var lam []float64
		for m := 0; m < l; m += step {
			lam = append(lam, 2-2*math.Cos(2*math.Pi*float64(m)/float64(l)))
		}
		scale *= float64(l) / float64(len(lam))
		axes = append(axes, lam)
	}
	var sum float64
	var walk func(a int, lambda float64, zero bool)
	walk = func(a int, lambda float64, zero bool) {
		if a == len(axes) {
			if !zero {
				sum += f(lambda)
			}
			return
		}
		for i, v := range axes[a] {
			walk(a+1, lambda+v, zero && i == 0)
		}
	}
	walk(0, 0, true)
	return sum * scale
}

// slowTail returns the part of tau_int (in steps) that error bins of
// binSteps steps miss to the slow modes of a conserving run: the sum over
// them of weight_k tau_k times the fraction of an exponential correlation
// of time tau_k that a bin of that length leaves out,
// (1 - exp(-B/tau_k)) tau_k/B; and the slowest mode's tau_k. At
// binSteps 0 that fraction is 1: the modes' whole part of tau_int.
//
// The slow modes are those of wave numbers m = 0, +-1, .., +-tailModes
// per axis (at most L of them). Modes whose wave numbers are the same up
// to signs and to a permutation of axes of equal extent share lambda_k,
// so the sum runs over these groups, each term times its number of
// modes: (tailModes+1)^d/d! groups for (2 tailModes+1)^d modes, 45 times
// fewer in 3D (tailGroups), with per group tau_k and weight_k tau_k
// computed once for all bin lengths and the tails remembered by bin
// length (sm.fast). The sum is that of slowTailModes up to rounding
// (tailTol); tailMissedAt decides from it which is the larger.
func (c *Config) slowTail(sm *slowModes, binSteps float64) (tail, slowest float64) {
	f := sm.fastFor(c)
	if t, ok := f.memo[binSteps]; ok {
		return t, f.slowest
	}
	for i, tau := range f.tau {
		tail += f.mult[i] * (f.wtau[i] * missedPart(binSteps/tau))
	}
	f.memo[binSteps] = tail
	return tail, f.slowest
}

// missedPart is the fraction of an exponential correlation of time tau_k
// that bins of x tau_k leave out, (1 - exp(-x))/x: 1 at x = 0.
func missedPart(x float64) float64 {
	if x == 0 {
		return 1
	}
	return -math.Expm1(-x) / x
}

// tailFast is what slowTail keeps of a slowModes: per group of modes with
// a decay (rate > 0), its number of modes, tau_k and weight_k tau_k; the
// slowest tau_k; the number of slow modes; the tails by bin length.
type tailFast struct {
	shape           []int
	mult, tau, wtau []float64
	slowest, modes  float64
	memo            map[float64]float64
}

// slowTailByModes has tailMissedAt and slowestTau walk the modes one by
// one every time, as before the groups (tests: the same summaries).
var slowTailByModes = false

// slowestTau is the slowest slow mode's tau_k in steps: that of the
// smallest nonzero lambda_k, one wave number of 1 (lambda_k exactly the
// axis' eigenvalue in the groups as in the walk).
func (c *Config) slowestTau(sm *slowModes) float64 {
	if slowTailByModes {
		_, s := c.slowTailModes(sm, 1)
		return s
	}
	return sm.fastFor(c).slowest
}

// fastFor returns sm's tailFast for c's lattice, made at the first call.
func (sm *slowModes) fastFor(c *Config) *tailFast {
	if f := sm.fast; f != nil && slices.Equal(f.shape, c.Shape) {
		return f
	}
	lambda, mult, modes := c.tailGroups()
	f := &tailFast{shape: slices.Clone(c.Shape), modes: modes, memo: map[float64]float64{}}
	for i, l := range lambda {
		r := sm.rate(l)
		if !(r > 0) {
			continue // the conserved total
		}
		tau := 1 / (2 * r)
		f.slowest = max(f.slowest, tau)
		f.mult = append(f.mult, mult[i])
		f.tau = append(f.tau, tau)
		f.wtau = append(f.wtau, sm.weight(l)*tau)
	}
	sm.fast = f
	return f
}

// tailGroups returns the groups of slowTail's modes that share lambda_k:
// per axis the distinct eigenvalues 2 - 2 cos(2 pi m / L), m = 0 .. min(
// tailModes, L/2), m and -m (when distinct) in one; across the axes of
// equal extent, the multisets of their m (the modes that permute them).
// For each its lambda_k (summed in its own order: within rounding of the
// walk's, and exactly the walk's for a mode with one nonzero wave number),
// its number of modes, and the number of modes in all.
func (c *Config) tailGroups() (lambda, mult []float64, modes float64) {
	type class struct {
		v, n []float64 // the axis' eigenvalues and their modes (1 or 2)
		axes int
	}
	var classes []class
	seen := map[int]int{}
	modes = 1
	for _, l := range c.Shape {
		var v, n []float64
		count := 0.0
		for m := 0; m <= tailModes && (m == 0 || 2*m <= l); m++ {
			k := 1.0
			if m > 0 && 2*m < l {
				k = 2 // -m, distinct from m
			}
			v = append(v, 2-2*math.Cos(2*math.Pi*float64(m)/float64(l)))
			n = append(n, k)
			count += k
		}
		modes *= count
		if i, ok := seen[l]; ok {
			classes[i].axes++
			continue
		}
		seen[l] = len(classes)
		classes = append(classes, class{v: v, n: n, axes: 1})
	}
	// per class, non-decreasing wave numbers over its axes, the ways to
	// order them (axes!/prod(count!)) built up as (placed+1)/run per axis
	// placed, run: how many times it repeats the last one
	var walk func(ci, left, from, run, perms int, lam, mul float64)
	walk = func(ci, left, from, run, perms int, lam, mul float64) {
		if left == 0 {
			mul *= float64(perms)
			if ci+1 == len(classes) {
				lambda = append(lambda, lam)
				mult = append(mult, mul)
				return
			}
			walk(ci+1, classes[ci+1].axes, 0, 0, 1, lam, mul)
			return
		}
		cl := classes[ci]
		placed := cl.axes - left
		for i := from; i < len(cl.v); i++ {
			r := 1
			if i == from && placed > 0 {
				r = run + 1
			}
			walk(ci, left-1, i, r, perms*(placed+1)/r, lam+cl.v[i], mul*cl.n[i])
		}
	}
	walk(0, classes[0].axes, 0, 0, 1, 0, 1)
	return lambda, mult, modes
}

// tailTol bounds the relative difference of slowTail and slowTailModes
// (rounding: each sum of up to (2 tailModes+1)^3 terms is within 2.1e6
// 2^-53 = 2.4e-10 of the exact one, each term within some 30 2^-53):
// tailMissedAt sums mode by mode when slowTail is nearer the threshold.
const tailTol = 1e-6

// tailMissedAt is tailMissed of slowTailModes(sm, binSteps) and
// sm.tailLimit(tau, slowTailModes(sm, 0)): from slowTail's groups where
// the tail is farther than tailTol from the limit, else from the modes
// in the walk's order, the same decision either way.
func (c *Config) tailMissedAt(sm *slowModes, binSteps, tau float64) bool {
	if math.IsNaN(tailShare * tau) {
		return false
	}
	if slowTailByModes {
		exact, _ := c.slowTailModes(sm, binSteps)
		return tailMissed(exact, sm.tailLimit(tau, c.modesTotal(sm, true)))
	}
	tail, _ := c.slowTail(sm, binSteps)
	total := c.modesTotal(sm, false)
	thr := sm.tailLimit(tau, total)
	// both the tail and the modes' total (of which the limit may be a
	// fraction) are within rounding of the walk's
	rel := max(tailTol, 64*sm.fast.modes*0x1p-53)
	tol := rel*tail + 0x1p-1000
	if sm.missed > 0 {
		tol += rel * sm.missed * total
	}
	if finite(tail) && !math.IsInf(thr, 0) && !math.IsNaN(thr) {
		if tail-tol > thr {
			return true
		}
		if tail+tol < thr {
			return false
		}
	}
	exact, _ := c.slowTailModes(sm, binSteps)
	return tailMissed(exact, sm.tailLimit(tau, c.modesTotal(sm, true)))
}

// modesTotal is the slow modes' whole part of tau_int in steps, the sum
// of weight_k tau_k (slowTail at bins of length 0), for a run whose rule
// compares with it (sm.missed > 0, every conserving run's), else 0: by the
// groups, or by the walk (walk).
func (c *Config) modesTotal(sm *slowModes, walk bool) float64 {
	if !(sm.missed > 0) {
		return 0
	}
	if walk {
		t, _ := c.slowTailModes(sm, 0)
		return t
	}
	t, _ := c.slowTail(sm, 0)
	return t
}

// slowTailModes is slowTail summed mode by mode, in the order of the wave
// numbers: the sum whose comparisons the rules and their advice make
// (tailMissedAt); slowTail, by groups, decides all but those within
// rounding of the threshold. It walks up to (2 tailModes + 1)^d modes,
// 2.1e6 in 3D, each time.
func (c *Config) slowTailModes(sm *slowModes, binSteps float64) (tail, slowest float64) {
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
		r := sm.rate(lambda)
		if !(r > 0) {
			return // the conserved total
		}
		tau := 1 / (2 * r)
		slowest = max(slowest, tau)
		tail += sm.weight(lambda) * tau * missedPart(binSteps/tau)
	}
	walk(0, 0)
	return tail, slowest
}

// tailMissed reports whether bins that miss tail steps of tau_int leave
// an error bar too low: more than limit (tailLimit).
func tailMissed(tail, limit float64) bool { return tail > limit }

// tailLimit is the most of the slow modes' tail (steps) that the bins of
// an observable of Sokal tau_int tau (steps) may miss for its error to be
// reliable: tailShare of tau (what the bins see is at least that, so the
// error is then at most about 11% low), or, if more,
// the fraction sm.missed (modesMissed) of the modes' whole part total
// (modesTotal), which the bins see but for the tail: Sokal's window, in
// noise of 1/sqrt(n), misses most of that part on a ring, where it is
// L/12 steps against Sokal's 3.6. NaN for a NaN tau.
func (sm *slowModes) tailLimit(tau, total float64) float64 {
	thr := tailShare * tau
	if sm.missed > 0 && !math.IsNaN(thr) {
		thr = max(thr, sm.missed*total)
	}
	return thr
}

// slowUnreliable marks the estimates whose error bins (of binSteps steps;
// tau_int in units of unit steps) miss so much of the slow modes' share of
// tau_int that their errors are more than about 11% low (tailMissed: more
// than tailLimit, a quarter of the Sokal tau_int or a tenth of the
// modes' whole part), and
// returns the tau_int (in steps) of those it marked: those the usual rule
// (stats: bins of 20 tau_int) had marked already too, so that the note
// on the slow modes names them and its advice counts them (a run whose
// bins were short for everything had no diffusive_tail before).
func (c *Config) slowUnreliable(sm *slowModes, est []stats.Estimate, binSteps, unit float64) []float64 {
	var marked []float64
	for i, e := range est {
		if e.Err == 0 || !finite(e.Err) { // a constant series is exact
			continue
		}
		// against Sokal's tau_int, a lower bound of what the bins see
		// (and the modes' whole part): the bins'
		// own (n err^2/(2 var)), larger where they see part of the slow
		// tail, left kmp rings of 256 at 200000 steps unmarked with
		// errors 23% low (80 seeds), where the modelled tail falls short
		// of the true one
		if c.tailMissedAt(sm, binSteps, e.Tau*unit) {
			est[i].Reliable = false
			marked = append(marked, e.Tau*unit)
		}
	}
	return marked
}

// slowAdvice is how many measured steps (with the same measurement
// spacing, and the error bins Series makes of them) give bins long enough
// that an observable of Sokal tau_int tau (in steps) is no longer
// tailMissed, doubling the run's length from twice this one's; 0 when no
// run within the 2^48-2 steps a run may take does. And the slowest mode's
// decorrelation time in steps.
func (c *Config) slowAdvice(sm *slowModes, tau float64) (steps, slowest int64) {
	s := c.slowestTau(sm)
	return c.stepsFor(func(bin float64) bool {
		return !c.tailMissedAt(sm, bin, tau)
	}), int64(math.Ceil(s))
}

// stepsFor is the first of twice, four times, ... this run's measured
// steps whose error bins (the same measurement spacing, the bins Series
// makes) are long enough for ok; 0 when none within the 2^48-2 steps a
// run may take is.
func (c *Config) stepsFor(ok func(binSteps float64) bool) int64 {
	every := max(c.Every, 1)
	for n := 2 * max(c.Sweeps, 1); n <= 1<<48-2; n *= 2 {
		m := int(min(n/every, 1<<62))
		if ok(float64(m/stats.Bins(m)) * float64(every)) {
			return n
		}
	}
	return 0
}

// slowMark is an estimate marked for the slow modes: by slowUnreliable
// (the slow modes with its shares, and its Sokal tau_int in steps, what
// slowAdvice needs), or model B's S_k by modeMissed (mode: its mode's
// linearized decorrelation time in steps, modes nil).
type slowMark struct {
	modes *slowModes
	tau   float64
	mode  float64
}

// adviceForAll is slowAdvice (for an S_k: bins of 20 mode times) for
// every marked estimate at once: the measured steps that make them all
// reliable (the most any needs; 0 when one needs more than a run may
// take), and the slowest mode's time (of all, the run's slow modes).
func (c *Config) adviceForAll(marks []slowMark, all *slowModes) (steps, slowest int64) {
	if all != nil {
		s := c.slowestTau(all)
		slowest = int64(math.Ceil(s))
	}
	for i, m := range marks {
		var n, s int64
		if m.modes == nil {
			n = c.stepsFor(func(bin float64) bool { return !modeMissed(math.NaN(), m.mode, bin) })
		} else {
			n, s = c.slowAdvice(m.modes, m.tau)
		}
		if i == 0 || steps > 0 && (n == 0 || n > steps) {
			steps = n
		}
		slowest = max(slowest, s)
	}
	return steps, slowest
}

// Model B's S_k, |phi_k|^2 / V at the smallest wave number along an axis,
// is one mode: its correlation decays like exp(-t/tau_k), tau_k =
// 1/(2 rate) steps (conservedRate, linearized about the measured
// <phi^2>), 1253 steps for the Gaussian field of 32^2 at m2 = 1 and dt
// 0.01, growing like L^4 at c = 0. A run not many tau_k long does not
// show it: over 12 seeds of 20000 steps (after 100 or 10000) Sokal's
// tau_int was 350 to 580 steps (medians), the error bars 2.5 to 3.4 times
// smaller than the means' spread, and the note on them (bins of 20
// tau_int) asked for runs 2 to 3.6 times too short; 3D 16^3 runs of 2000
// steps (tau_k 285) had tau_int 60 to 140 and errors 3 to 4.7 times too
// small, the three axes' S_k visibly apart. The Hartree curvature
// c = m2 + 3 lambda <phi^2> is at least the true one (the two-loop terms
// lower it), so tau_k is at most the mode's true time: long runs
// measured tau_int 0.75 to 1.13 tau_k for the Gaussian field (where
// tau_k is exact: Sokal's scatter), 0.8 to 1.1 at m2 = 1, lambda = 1,
// 1.3 to 2.1 at m2 = -1, lambda = 1, T = 1 (16^2, and 8^3 with c
// taken as 0), 14 to 27 where phases separate (T = 0.5). Sokal's
// estimate, some 15% uncertain in a run of 1000 tau_int, stays above
// half of tau_k once the run can see the mode (none of 160 S_k of such
// long runs fell below); far below it, the window has missed the decay.

// modeFarBelow is how far below the mode's linearized time tau_k a Sokal
// tau_int must be for modeMissed to distrust it.
const modeFarBelow = 0.5

// modeMissed reports whether an S_k of Sokal tau_int tau (steps; NaN
// when Sokal found no window) is not reliable for its mode of linearized
// time modeTau (steps) with bins of binSteps: tau far below modeTau
// (under half, or unknown) and bins shorter than 20 modeTau, the usual
// rule's length for an estimate of that tau_int.
func modeMissed(tau, modeTau, binSteps float64) bool {
	return !(tau >= modeFarBelow*modeTau) && binSteps < 20*modeTau
}

// modeTime is the linearized decorrelation time in steps of model B's S_k
// observable name ("S_k" and the axis), at the smallest wave number
// 2 pi / L_a along its axis, rate the run's conservedRate; 0 for any other
// observable.
func (c *Config) modeTime(name string, rate func(float64) float64) float64 {
	if rate == nil || c.Model != "phi4" || c.Scheme != quench.SchemeModelB || !strings.HasPrefix(name, "S_k") {
		return 0
	}
	if len(name) != len("S_k")+1 {
		return 0
	}
	a := int(name[len("S_k")]) - '0'
	if a < 0 || a >= len(c.Shape) {
		return 0
	}
	lambda := 2 - 2*math.Cos(2*math.Pi/float64(c.Shape[a]))
	r := rate(lambda)
	if !(r > 0) {
		return 0
	}
	return 1 / (2 * r)
}

// thermModes is how many of the slowest mode's decorrelation times the
// thermalization of a conserving run should span: that mode's S_k then
// keeps exp(-5), under 1%, of the start's deviation from its stationary
// value.
const thermModes = 5

// thermNeeded is the thermalization a conserving run needs for its
// slowest mode to relax from the start (thermModes of its decorrelation
// times), and that time, both in steps; 0, 0 for a run whose start is
// stationary already (kmp's hot start, uniform on the simplex, exactly
// its stationary state) or that conserves nothing. A cold start (model B
// phi = 0, uniform masses) has none of the slow modes' fluctuations; model
// B's hot start, white noise of variance 1/3, and transfer's exponential
// masses have others than the stationary ones (transfer at D = 0.1:
// mass_var 0.125 after 100 steps, 0.111 stationary, 1D 256 sites: exactly
// 0.11063, transferExact).
func (c *Config) thermNeeded(sm *slowModes) (needed, slowest int64) {
	if sm == nil || c.Model == "kmp" && c.Start == "hot" {
		return 0, 0
	}
	s := c.slowestTau(sm)
	return int64(math.Ceil(thermModes * s)), int64(math.Ceil(s))
}

// ThermBefore is thermNeeded where it is known before the run: kmp (but
// from its hot start) and transfer, and model B at lambda = 0, whose
// rates do not depend on the measured <phi^2>; 0, 0 elsewhere (model B
// at lambda != 0 learns it at the end: Summary.ThermShort).
func (c *Config) ThermBefore() (needed, slowest int64) {
	if c.Model == "phi4" && c.Lambda != 0 {
		return 0, 0
	}
	rate := c.conservedRate(0)
	if rate == nil {
		return 0, 0
	}
	return c.thermNeeded(&slowModes{rate: rate, weight: func(float64) float64 { return 0 }})
}

// FieldRelaxSteps is, for a Gaussian phi4 field (lambda = 0, m2 > 0) under
// em, lm or baoab, the steps over which its slowest mode, k = 0, relaxes:
// -1/ln rho, rho the factor a step multiplies its mean by: |1 - gamma m2
// dt| overdamped (gamma the mobility), and under baoab (gamma the
// friction) the largest eigenvalue's modulus of the step's map of (q, p),
// kick-drift-friction-drift-kick for the force -m2 q (its determinant is
// exp(-gamma dt); at small gamma dt the damped oscillator's slower rate,
// gamma/2 underdamped or (gamma - sqrt(gamma^2 - 4 m2/mass))/2; at large
// gamma dt far faster than that: gamma 100, dt 0.1 relaxes in 200 steps,
// not 1000). needed is thermModes times it, the --therm that lets a
// start relax; ok is false elsewhere (model B has ThermBefore; at lambda
// != 0 the rate depends on the field). Both are +Inf where the step does
// not move the mode at all.
//
// Harmonic particles (k > 0) are such modes, each coordinate one of
// stiffness k, with gamma a friction: rho |1 - k dt/gamma| overdamped
// (k 1e-4, gamma 1, dt 0.01: 1e6 steps, which the default --therm 1000
// left as it started) and baoab's map as phi4's.
func (c *Config) FieldRelaxSteps() (slowest, needed float64, ok bool) {
	var kappa, x float64
	switch {
	case c.Model == "phi4" && c.Lambda == 0 && c.M2 > 0 && c.Scheme != quench.SchemeModelB:
		kappa, x = c.M2, c.Gamma*c.M2*c.Dt
	case c.Model == "particles" && c.Potential == quench.PotentialHarmonic && c.K > 0:
		kappa, x = c.K, c.K*c.Dt/c.Gamma
	default:
		return 0, 0, false
	}
	// ln rho, from log1p where rho is near 1 (a tiny dt: 1e-300 left
	// rho = 1 and no note)
	lnRho := math.Log1p(-x)
	if x >= 1 {
		lnRho = math.Log(x - 1)
	}
	if c.Scheme == quench.SchemeBAOAB {
		// the map's eigenvalues 1 - e1 and 1 - e2, from tr - 2 and
		// (1 - l1)(1 - l2) = 1 - tr + det = e1 e2, both formed without
		// cancelling: tr = (1 + c1)(1 - 2 a h kappa) (baoabMap), so
		// tr - 2 = (c1 - 1) - q with q = 2 a h kappa (1 + c1). The slow
		// one's e1 from the product, where 1 - (tr + sqrt d)/2 cancelled
		// (a review's --k 1e-20 read 9e14 steps, not 1e22)
		h, a := c.Dt/2, c.Dt/(2*c.Mass)
		c1m1 := math.Expm1(-c.Gamma * c.Dt)
		q := 2 * a * h * kappa * (2 + c1m1)
		trm2 := c1m1 - q
		tr := 2 + trm2
		if d := tr*tr - 4*(1+c1m1); d < 0 {
			lnRho = -c.Gamma * c.Dt / 2 // |eigenvalue| = sqrt(det)
		} else {
			e2 := (math.Sqrt(d) - trm2) / 2
			e1 := q / e2
			lnAbs := func(e float64) float64 { // ln |1 - e|
				if e < 1 {
					return math.Log1p(-e)
				}
				return math.Log(e - 1)
			}
			lnRho = max(lnAbs(e1), lnAbs(e2))
		}
	}
	if lnRho == 0 {
		// the step does not move the mode at all: x rounds to 0 (an
		// audit's --k 4.9e-324 ran as free particles without a note)
		return math.Inf(1), math.Inf(1), true
	}
	if !(lnRho < 0) {
		return 0, 0, false // unstable (refused up front)
	}
	s := -1 / lnRho // +Inf where ln rho underflows
	return math.Ceil(s), math.Ceil(thermModes * s), true
}

// StiffestRelaxSteps is about how many steps a phi4 field's fastest mode
// takes to relax (or, under baoab, to turn) at --dt: half its stability
// bound over dt (the bound is 2/(gamma k) for the stiffest mode's k
// overdamped, about 2/omega under baoab). Past 2^48 no mode of the field
// moves within a run, whatever lambda: an audit's --dt 1e-50 in float32
// and 1e-320 in float64 left every measurement constant, with no word of
// the step. ok is false for other models and where the bound is not
// finite.
func (c *Config) StiffestRelaxSteps() (steps float64, ok bool) {
	if c.Model != "phi4" {
		return 0, false
	}
	b := c.Phi4Params().Phi4StabilityBound(c.Shape)
	if !(b > 0) || math.IsInf(b, 1) {
		return 0, false
	}
	return b / (2 * c.Dt), true
}

// NoiseWalk is about how far the noise alone moves a field's value (a
// particle's coordinate) over n steps where the force does nothing (the
// notes of FieldRelaxSteps and StiffestRelaxSteps, whose stiff modes
// outlast a run: at --T 1e20 the noise still moved the field by 2000,
// where a note had said it stayed at its start): overdamped a random walk
// of sqrt(2 gamma T dt) a step for phi4's mobility gamma (model B's
// currents' divergence about 2 sqrt(d) times that), sqrt(2 T dt/gamma)
// for the particles' friction; under baoab thermal momenta carry it
// dt sqrt(T/mass) a step, ballistically.
func (c *Config) NoiseWalk(n float64) float64 {
	switch {
	case c.Scheme == quench.SchemeBAOAB:
		return n * c.Dt * math.Sqrt(c.T/c.Mass)
	case c.Model == "particles":
		return math.Sqrt(2*c.T*c.Dt/c.Gamma) * math.Sqrt(n)
	case c.Scheme == quench.SchemeModelB:
		return 2 * math.Sqrt(float64(len(c.Shape))) * math.Sqrt(2*c.Gamma*c.T*c.Dt) * math.Sqrt(n)
	}
	return math.Sqrt(2*c.Gamma*c.T*c.Dt) * math.Sqrt(n)
}

// baoabMap is the trace and determinant of the map one baoab step makes
// of a mode's (q, p) under the force -kappa q, kick-drift-friction-drift-
// kick (its determinant exp(-gamma dt)): complex eigenvalues, an
// underdamped mode, where tr^2 < 4 det.
func (c *Config) baoabMap(kappa float64) (tr, det float64) {
	h, a, c1 := c.Dt/2, c.Dt/(2*c.Mass), math.Exp(-c.Gamma*c.Dt)
	mul := func(x, y [2][2]float64) (z [2][2]float64) {
		for i := range 2 {
			for j := range 2 {
				z[i][j] = x[i][0]*y[0][j] + x[i][1]*y[1][j]
			}
		}
		return z
	}
	kick := [2][2]float64{{1, 0}, {-h * kappa, 1}}
	drift := [2][2]float64{{1, a}, {0, 1}}
	fric := [2][2]float64{{1, 0}, {0, c1}}
	m := mul(kick, mul(drift, mul(fric, mul(drift, kick))))
	return m[0][0] + m[1][1], m[0][0]*m[1][1] - m[0][1]*m[1][0]
}

// Under baoab a mode whose step map has complex eigenvalues (an
// underdamped mode: friction small next to its frequency) oscillates
// inside an envelope that decays as exp(-gamma t/2) whatever its
// stiffness, so its square's correlations (S_k, m^2) oscillate between
// about 0 and an envelope exp(-gamma t), 1/(gamma dt) steps: their
// tau_int is about half of that (cos^2 averages 1/2), and error bins of
// 20 tau_int leave out about twice the share of the correlations that the
// usual rule allows (the bins' bias is the correlations' mean lag over the
// bin length). An audit's 40 seeds of an 8^2 free field at gamma 0.05,
// dt 0.1 (100000 steps, bins of 2000, envelope 200): S_k spread 1.15 -
// 1.27 times their errors, rms distances 1.3 - 1.44 errors among the runs
// marked reliable, the one whose tau_int came out 50 (of about 100) 5 of
// its errors off.

// underdampedModes returns, for a baoab phi4 run at T > 0, the envelope's
// decorrelation time in steps of each observable built from a mode that
// is underdamped: S_k along each axis (the smallest wave number, stiffness
// c + 2 - 2 cos(2 pi/L_a)) and the mean field's (k = 0, stiffness c):
// binder, the susceptibilities, correlation_length and phi itself (the
// amplitude, and energy_field, -h phi), all 1/(gamma dt); and where k = 0
// is underdamped, every mode is, and phi2, phi4 and the energies, sums
// over them, too: 80 seeds of that 8^2 field with bins of 10 envelopes
// read phi2, phi4 and the energies 1.19 - 1.22 errors rms from their
// exact values, 54 - 80 of them marked reliable by the usual rule; with
// bins of 20, 120 seeds 1.05 - 1.11 (S_k 1.06 - 1.13, binder 1.09, phi
// 1.01: its amplitude's envelope, 2/(gamma dt), which an earlier rule
// took for phi, asks for twice the run and is not needed; 10 envelopes
// read it 1.12, and harmonic particles' x_mean, the same mode, 0.93 -
// 0.97). c is the Hartree curvature
// m2 + 3 lambda <phi^2>, taken as 0 below 0 (a broken phase). nil for
// other runs.
//
// Harmonic particles under baoab at T > 0 are such modes too, each
// coordinate one with stiffness k: x_var, x2, v_var and v2 oscillate
// inside the same envelope, and 40 seeds of 64 of them at gamma 0.05,
// dt 0.1 (k = 1, envelope 200 steps, tau_int about 116) measured what the
// phi4 audit did: with bins of 2000 steps, the 32 runs marked reliable
// 1.14 errors rms from the exact x2 and v2, with bins of 3000 1.07; their
// x_mean, whose correlations cancel over each period, 0.93 - 0.97, as
// the usual rule has it (it is not marked). The double well's
// oscillations, whose period depends on their amplitude, dephase: its
// x2 spread 0.91 times its errors at gamma 0.05, dt 0.05 (24 seeds).
func (c *Config) underdampedModes(phi2 float64) map[string]float64 {
	if c.Scheme != quench.SchemeBAOAB || !(c.T > 0) {
		return nil
	}
	under := func(kappa float64) bool {
		tr, det := c.baoabMap(kappa)
		return tr*tr < 4*det
	}
	env := 1 / (c.Gamma * c.Dt)
	if c.Model == "particles" {
		if c.Potential != quench.PotentialHarmonic || !(c.K > 0) || !under(c.K) {
			return nil
		}
		return map[string]float64{"x_var": env, "x2": env, "v_var": env, "v2": env}
	}
	if c.Model != "phi4" {
		return nil
	}
	curv := c.M2 + 3*c.Lambda*phi2
	if !(curv > 0) {
		curv = 0
	}
	out := map[string]float64{}
	if under(curv) {
		// k = 0 is the least underdamped mode (the softest): where it
		// is, every mode is, and the sums over them (phi2, phi4, the
		// energies) have the same envelope
		for _, name := range []string{"binder", "susceptibility", "susceptibility_connected", "correlation_length",
			"phi2", "phi4", "energy", "energy_gradient", "energy_mass", "energy_quartic"} {
			out[name] = env
		}
		out["phi"] = env
		out["energy_field"] = env // -h phi
	}
	for a, l := range c.Shape {
		if under(curv + 2 - 2*math.Cos(2*math.Pi/float64(l))) {
			out[fmt.Sprintf("S_k%d", a)] = env
			out["correlation_length"] = env
		}
	}
	return out
}
