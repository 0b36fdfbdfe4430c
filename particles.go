package quench

import (
	"fmt"
	"math"
)

// Particle potentials.
const (
	PotentialHarmonic   = "harmonic"   // U = K x^2 / 2 per coordinate
	PotentialDoubleWell = "doublewell" // U = K (x^2 - 1)^2 per coordinate
	PotentialKuramoto   = "kuramoto"   // phases, mean-field coupling K
)

// ParticleCoeffs are the host-computed constants of a particle step, the
// same float64 values for every backend (float32 kernels round them once).
// Per coordinate x (force F(x): harmonic -(K*x); double well
// -((K4*x)*((x*x) - 1)) with K4 = 4K):
//
//	em:    x' = (x + A*F) + Amp*xi_k
//	lm:    x' = (x + A*F) + Amp*(xi_k + xi_{k+1})
//	baoab: p1 = p + HDt*F(q); q1 = q + HDtM*p1; p2 = C1*p1 + C2*xi_k;
//	       q2 = q1 + HDtM*p2; p3 = p2 + HDt*F(q2)
//
// xi is standard normal from Philox(seed; Particle, replica, step, phase 0,
// group): for float64, normal j&1 of pmath.Gaussians of group j>>1; for
// float32, normal j&3 of pmath.Gaussians32 of group j>>2.
//
// kuramoto (phases theta in turns, overdamped em or lm): with
// C = sum_j cos 2 pi theta_j and S = sum_j sin 2 pi theta_j (Reducer.PhaseSums,
// taken before the step), cs, sn = cos, sin 2 pi theta_i (pmath, rounded):
//
//	drift  = omega_i + KN*((S*cs) - (C*sn))            radians per time
//	theta' = (theta + DtTurn*drift) + AmpTurn*xi        (xi_k + xi_{k+1} for lm)
//	theta' = theta' - floor(theta')
type ParticleCoeffs struct {
	K, K4           float64
	A, Amp          float64
	HDt, HDtM       float64
	C1, C2          float64
	KN              float64 // K / N
	DtTurn, AmpTurn float64
}

// CheckParticleStep checks the arguments of a backend's ParticleStep as
// every backend needs them (the errors start with the backend's name) and
// returns the step's coefficients.
func CheckParticleStep(backend string, ps *Particles, p *ParticleParams, ctr Counter) (ParticleCoeffs, error) {
	if err := ctr.Check(); err != nil {
		return ParticleCoeffs{}, fmt.Errorf("%s: ParticleStep: %v", backend, err)
	}
	if ps == nil || p == nil {
		return ParticleCoeffs{}, fmt.Errorf("%s: ParticleStep needs particles and parameters", backend)
	}
	c, err := p.Coeffs(ps.N)
	if err != nil {
		return ParticleCoeffs{}, err
	}
	if ps.Dim < 1 || ps.N < 1 || ps.N > math.MaxInt64/int64(ps.Dim) {
		return ParticleCoeffs{}, fmt.Errorf("%s: %d particles in %d dimensions", backend, ps.N, ps.Dim)
	}
	if err := CheckNoiseNumbers(backend+": ParticleStep", ps.N, int64(ps.Dim)); err != nil {
		return ParticleCoeffs{}, err
	}
	if p.Potential == PotentialKuramoto && ps.Dim != 1 {
		return ParticleCoeffs{}, fmt.Errorf("%s: kuramoto phases have one coordinate, not %d", backend, ps.Dim)
	}
	return c, nil
}

// Coeffs validates p for n particles and computes the step constants.
// Gamma is the friction: overdamped A = Dt/Gamma, Amp = sqrt(2 T Dt/Gamma).
func (p *ParticleParams) Coeffs(n int64) (ParticleCoeffs, error) {
	if !(p.Dt > 0) || math.IsInf(p.Dt, 0) {
		return ParticleCoeffs{}, fmt.Errorf("--dt %v is not allowed: it must be a positive finite number", p.Dt)
	}
	if !(p.T >= 0) || math.IsInf(p.T, 0) {
		return ParticleCoeffs{}, fmt.Errorf("--T %v is not allowed: it must be a finite number >= 0", p.T)
	}
	if !(p.Gamma > 0) || math.IsInf(p.Gamma, 0) {
		return ParticleCoeffs{}, fmt.Errorf("--gamma %v is not allowed: it must be a positive finite number", p.Gamma)
	}
	if math.IsNaN(p.K) || math.IsInf(p.K, 0) {
		return ParticleCoeffs{}, fmt.Errorf("--k %v is not allowed: it must be finite", p.K)
	}
	c := ParticleCoeffs{K: p.K, K4: 4 * p.K}
	switch p.Potential {
	case PotentialHarmonic, PotentialDoubleWell:
	case PotentialKuramoto:
		if p.Scheme == SchemeBAOAB {
			return ParticleCoeffs{}, fmt.Errorf("--potential kuramoto is overdamped: use --scheme em or lm")
		}
		c.KN = p.K / float64(n)
		c.DtTurn = p.Dt / (2 * math.Pi)
	default:
		return ParticleCoeffs{}, fmt.Errorf("unknown --potential %q: allowed are harmonic, doublewell, kuramoto", p.Potential)
	}
	switch p.Scheme {
	case SchemeEM:
		c.A, c.Amp = p.Dt/p.Gamma, math.Sqrt(2*p.T*p.Dt/p.Gamma)
	case SchemeLM:
		c.A, c.Amp = p.Dt/p.Gamma, math.Sqrt(p.T*p.Dt/(2*p.Gamma))
	case SchemeBAOAB:
		var err error
		if c.HDt, c.HDtM, c.C1, c.C2, err = baoabCoeffs(p.Dt, p.Gamma, p.Mass, p.T); err != nil {
			return ParticleCoeffs{}, err
		}
	default:
		return ParticleCoeffs{}, fmt.Errorf("unknown --scheme %q: allowed are em, lm, baoab", p.Scheme)
	}
	if p.Potential == PotentialKuramoto {
		// the kuramoto noise is in radians (gamma = 1 by convention)
		c.AmpTurn = c.Amp * math.Sqrt(p.Gamma) / (2 * math.Pi)
	}
	return c, nil
}
