package sim

import (
	"math"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/stats"
)

// Dynamics that conserve their field relax it diffusively: the rules that
// conserve mass (kmp, transfer) and phi4's model B. A mode of the field
// with lattice Laplacian eigenvalue lambda_k decays at a rate that
// vanishes with lambda_k (conservedRate), so the squares behind mass_var,
// mass_corr1, P(m) and C(r), or phi2, the energies and S(k), decorrelate
// in tau_k = 1/(2 rate_k) steps, up to about L^2/(8 pi^2 Deff) for the
// slowest mass mode. Each mode carries about 1/N of such an observable's
// fluctuations (a Gaussian field's share; KMP's exponential masses give
// it less). On a ring that tail adds about L/(24 Deff) steps to tau_int,
// which bins shorter than the slowest modes cannot see and a Sokal window,
// looking for a decay in noise of 1/sqrt(n), does not find: a 1D kmp run
// of 1024 sites and 40000 steps had tau_int 3.9, error bars 2 to 3 times
// too small and a mass_var 7 sigma from its exact value, all "reliable".
// In 2D the slow modes' share is of order log(L)/N and matters far less.

// tailModes is how many wave numbers per axis and sign slowTail sums: the
// slow modes; faster ones are seen by any bin that holds 20 tau_int.
const tailModes = 64

// tailShare is the largest part, relative to what the bins see, that the
// unseen tail may add to tau_int for an error bar to count as reliable
// (its error then at most ~12% low).
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

// slowTail returns the part of tau_int (in steps) that error bins of
// binSteps steps miss to the slow modes of a conserving run (rate from
// conservedRate): the sum over them of tau_k/N times the fraction of an
// exponential correlation of time tau_k that a bin of that length leaves
// out, (1 - exp(-B/tau_k)) tau_k/B; the whole sum of tau_k/N (what the
// modes add to tau_int); and the slowest mode's tau_k.
func (c *Config) slowTail(rate func(float64) float64, binSteps float64) (tail, total, slowest float64) {
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
		r := rate(lambda)
		if !(r > 0) {
			return // the conserved total
		}
		tau := 1 / (2 * r)
		slowest = max(slowest, tau)
		total += tau / n
		x := binSteps / tau
		tail += tau / n * -math.Expm1(-x) / x
	}
	walk(0, 0)
	return tail, total, slowest
}

// tailMissed reports whether bins that miss tail steps of tau_int (of
// total the slow modes add) leave an error bar more than about 12% low
// for an observable whose Sokal tau_int is tau steps: the Sokal window
// sees the fast part, tau; the bins see it and total - tail of the slow
// part; the error then lacks a factor sqrt((tau + total) /
// (tau + total - tail)), and tailShare of what the bins see is allowed.
func tailMissed(tail, total, tau float64) bool {
	return tail > tailShare*(tau+total-tail)
}

// slowUnreliable marks the estimates whose error bins (of binSteps steps;
// tau_int in units of unit steps) miss so much of the slow modes' share of
// tau_int that their errors are more than about 12% low (tailMissed), and
// returns the tau_int (in steps) of those it marked.
func (c *Config) slowUnreliable(rate func(float64) float64, est []stats.Estimate, binSteps, unit float64) []float64 {
	tail, total, _ := c.slowTail(rate, binSteps)
	var marked []float64
	for i, e := range est {
		if !e.Reliable || e.Err == 0 { // a constant series is exact
			continue
		}
		if tailMissed(tail, total, e.Tau*unit) {
			est[i].Reliable = false
			marked = append(marked, e.Tau*unit)
		}
	}
	return marked
}

// slowAdvice is how many measured steps (with the same measurement
// spacing) give bins long enough that an observable of Sokal tau_int tau
// (in steps) is no longer tailMissed, doubling the run's length until it
// does; 0 when no run within the 2^48-2 steps a run may take does. And the
// slowest mode's decorrelation time in steps.
func (c *Config) slowAdvice(rate func(float64) float64, tau float64) (steps, slowest int64) {
	_, _, s := c.slowTail(rate, 1)
	for n := max(c.Sweeps, 1); n <= 1<<48-2; n *= 2 {
		if tail, total, _ := c.slowTail(rate, float64(n)/stats.DefaultBins); !tailMissed(tail, total, tau) {
			return n, int64(math.Ceil(s))
		}
	}
	return 0, int64(math.Ceil(s))
}
