package quench

import (
	"fmt"
	"math"

	"github.com/quenchlab/quench/internal/pmath"
)

// Langevin schemes.
const (
	SchemeEM     = "em"     // overdamped Euler-Maruyama
	SchemeLM     = "lm"     // overdamped Leimkuhler-Matthews (mean of consecutive noises)
	SchemeBAOAB  = "baoab"  // underdamped, BAOAB splitting
	SchemeModelB = "modelb" // conserved (Cahn-Hilliard) dynamics, Euler-Maruyama
)

// Phi4Fields are the buffers of a lattice field, all Float32 or all Float64
// with one element per site. Each step reads Phi and leaves the new field in
// Phi (it swaps Phi and Next).
type Phi4Fields struct {
	Phi  Buffer
	Next Buffer // scratch, same size
	Mom  Buffer // momenta, scheme baoab only
	Mu   Buffer // chemical potential scratch, scheme modelb only
}

// Phi4Coeffs are the host-computed constants of a phi^4 step, the same
// float64 values for every backend (float32 kernels round them once).
//
// Force F(x) = -dH/dphi_x, neighbours added in a fixed order (for axes from
// last to first: the site at -1, then at +1; the sum nb starts from the
// first neighbour, not from 0, which differs only for a -0 there):
//
//	F = nb - Z*phi;  F = F - M2*phi;  F = F - ((L*phi)*phi)*phi;  F = F + H
//
// The overdamped schemes compute the drift d = A*F in fewer operations,
// from the host-computed Lin = -A*(Z+M2), Cub = -A*L and AH = A*H (the
// same value up to rounding):
//
//	t = Cub*(phi*phi);  t = t + Lin;  d = A*nb;  d = d + t*phi;  d = d + AH
//
// em:     phi' = (phi + d) + Amp*xi_k
// lm:     phi' = (phi + d) + Amp*(xi_k + xi_{k+1})
// baoab:  p1 = p + HDt*F(q); q1 = q + HDtM*p1; p2 = C1*p1 + C2*xi_k;
//
//	q2 = q1 + HDtM*p2;  (all sites, then)  p3 = p2 + HDt*F(q2)
//
// modelb: mu = -F(phi) (all sites, then)
//
//	phi' = (phi + A*lap(mu)) + Amp*sum_a (eta_{x,a} - eta_{x-e_a,a})
//
// with lap(mu) = nb(mu) - Z*mu and xi, eta standard normal (Philox, purpose
// Langevin: site noise phase 0, link noise phase 1; noise number n is, for
// float64, normal n&1 of pmath.Gaussians of group n>>1 and, for float32,
// normal n&3 of pmath.Gaussians32 of group n>>2).
type Phi4Coeffs struct {
	Z, M2, L, H  float64
	A, Amp       float64
	HDt, HDtM    float64
	C1, C2       float64
	Lin, Cub, AH float64 // em and lm only
}

// Coeffs validates p and computes the step constants for a lattice of
// dimension dim. Mobility Gamma multiplies the force in the overdamped
// schemes (A = Dt*Gamma, Amp = sqrt(2 Gamma T Dt)); in BAOAB it is the
// friction (C1 = exp(-Gamma Dt)).
func (p *Phi4Params) Coeffs(dim int) (Phi4Coeffs, error) {
	for name, v := range map[string]float64{"dt": p.Dt, "T": p.T, "gamma": p.Gamma} {
		if !(v > 0) || math.IsInf(v, 0) {
			return Phi4Coeffs{}, fmt.Errorf("--%s %v is not allowed: it must be a positive finite number", name, v)
		}
	}
	for _, v := range []struct {
		name string
		v    float64
	}{{"m2", p.M2}, {"lambda", p.Lambda}, {"h", p.H}} {
		if math.IsNaN(v.v) || math.IsInf(v.v, 0) {
			return Phi4Coeffs{}, fmt.Errorf("--%s %v is not allowed: a finite number", v.name, v.v)
		}
	}
	c := Phi4Coeffs{Z: float64(2 * dim), M2: p.M2, L: p.Lambda, H: p.H}
	switch p.Scheme {
	case SchemeEM, SchemeModelB:
		c.A, c.Amp = p.Dt*p.Gamma, math.Sqrt(2*p.Gamma*p.T*p.Dt)
	case SchemeLM:
		c.A, c.Amp = p.Dt*p.Gamma, math.Sqrt(p.Gamma*p.T*p.Dt/2)
	case SchemeBAOAB:
		var err error
		if c.HDt, c.HDtM, c.C1, c.C2, err = baoabCoeffs(p.Dt, p.Gamma, p.Mass, p.T); err != nil {
			return Phi4Coeffs{}, err
		}
	default:
		return Phi4Coeffs{}, fmt.Errorf("unknown --scheme %q: allowed are em, lm, baoab, modelb", p.Scheme)
	}
	if p.Scheme == SchemeEM || p.Scheme == SchemeLM {
		c.Lin, c.Cub, c.AH = -c.A*(c.Z+c.M2), -c.A*c.L, c.A*c.H
	}
	return c, nil
}

// baoabCoeffs are the BAOAB constants shared by fields and particles:
// half step, half step over the mass, the O-step's exp(-gamma dt) and its
// noise amplitude sqrt((1 - c1^2) mass T).
func baoabCoeffs(dt, gamma, mass, T float64) (hdt, hdtm, c1, c2 float64, err error) {
	if !(mass > 0) || math.IsInf(mass, 0) {
		return 0, 0, 0, 0, fmt.Errorf("--mass %v is not allowed: it must be a positive finite number", mass)
	}
	// pmath.Exp and the product converted: the same bits on every machine
	c1 = pmath.Exp(-gamma * dt)
	return dt / 2, dt / (2 * mass), c1, math.Sqrt((1 - float64(c1*c1)) * mass * T), nil
}

// Phi4StabilityBound is the largest stable time step of the dynamics
// linearized about the on-site potential's minima on a periodic lattice of
// the given extents: the stiffest mode has k = l + c, l the lattice
// Laplacian's largest eigenvalue (LaplacianMax: 4 per axis of even
// extent, less for odd ones) and c the largest curvature
// m2 + 3 lambda phi^2 at a stationary point phi (m2 phi + lambda phi^3 =
// h), and dt*gamma*k < 2 for em and lm, dt*gamma*l*k < 2 for modelb (the
// conserved operator), and dt*sqrt(k/mass) < 2 for baoab. NaN when the
// stationary points are beyond float64's range.
func (p *Phi4Params) Phi4StabilityBound(shape []int) float64 {
	curv := math.Max(p.M2, 0)
	roots := stationaryPoints(p.M2, p.Lambda, p.H)
	if p.Lambda != 0 && len(roots) == 0 {
		return math.NaN() // a cubic has a real root: its scale overflows
	}
	for _, phi := range roots {
		// lambda phi^2 first: at lambda near float64's maximum, 3 lambda
		// would overflow where the curvature itself is of order |m2|
		curv = math.Max(curv, p.M2+3*(p.Lambda*phi*phi))
	}
	return p.StabilityAt(shape, curv)
}

// StabilityAt is Phi4StabilityBound's largest stable time step for an
// on-site curvature curv (m2 + 3 lambda phi^2 at the field phi): a start
// beyond the potential's minima (--phi0) is stiffer than its stationary
// field.
func (p *Phi4Params) StabilityAt(shape []int, curv float64) float64 {
	l := LaplacianMax(shape)
	k := l + curv
	switch p.Scheme {
	case SchemeModelB:
		return 2 / (p.Gamma * l * k)
	case SchemeBAOAB:
		return 2 * math.Sqrt(p.Mass/k)
	}
	return 2 / (p.Gamma * k)
}

// LaplacianMax is the largest eigenvalue of minus the lattice Laplacian on
// a periodic lattice of the given extents: the sum over axes of
// 2 - 2 cos(2 pi floor(L/2) / L), exactly 4 for an even extent L (the
// alternating mode), 2 - 2 cos(pi - pi/L) for an odd one, 0 for L = 1.
func LaplacianMax(shape []int) float64 {
	var l float64
	for _, n := range shape {
		if n%2 == 0 {
			l += 4
		} else {
			l += 2 - 2*math.Cos(2*math.Pi*float64(n/2)/float64(n))
		}
	}
	return l
}

// stationaryPoints returns the real roots of lambda phi^3 + m2 phi - h = 0
// (for lambda = 0 the root of m2 phi = h, if any), found by bisection on a
// grid of cells over a bracket that holds them all; nil when that bracket
// is beyond float64's range.
func stationaryPoints(m2, lambda, h float64) []float64 {
	if lambda == 0 {
		if m2 != 0 {
			return []float64{h / m2}
		}
		return nil
	}
	f := func(x float64) float64 { return (lambda*x*x+m2)*x - h }
	// Every root is within r (with a margin that rounding cannot absorb).
	// m2 > 0: one root, |phi| <= |h|/m2 and <= cbrt(|h|/lambda); m2 = 0:
	// phi = cbrt(h/lambda); m2 < 0:
	// |phi| <= sqrt(|m2|/lambda) + cbrt(|h|/lambda). Ratios are taken of
	// roots, so that they do not overflow for a tiny lambda.
	cr := math.Cbrt(math.Abs(h)) / math.Cbrt(lambda)
	r := 1.25 * (1 + cr) // m2 = 0
	switch {
	case m2 > 0:
		r = 1.25 * (1 + math.Min(math.Abs(h)/m2, cr))
	case m2 < 0:
		r = 1.25 * (1 + math.Sqrt(-m2)/math.Sqrt(lambda) + cr)
	}
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return nil // scales beyond float64: Phi4StabilityBound reports NaN
	}
	var roots []float64
	const steps = 4096
	// grid point i in [0, steps], as r times a fraction in [-1, 1] so
	// that it cannot overflow
	at := func(i int) float64 { return r * (float64(2*i-steps) / steps) }
	for i := 0; i < steps; i++ {
		a, b := at(i), at(i+1)
		fa, fb := f(a), f(b)
		if fa == 0 {
			// a root on the grid; others may lie inside the cell beyond it
			roots = append(roots, a)
			a = math.Nextafter(a, b)
			if fa = f(a); fa == 0 || !(a < b) {
				continue
			}
		}
		if fb == 0 {
			// b is a root the next cell records; look for others before it
			if b = math.Nextafter(b, a); !(a < b) {
				continue
			}
			fb = f(b)
		}
		if fb == 0 || (fa > 0) == (fb > 0) { // signs, not the product, which can underflow
			continue
		}
		// to the last bit (at most about 2100 halvings in float64), so a
		// root far smaller than the cell, next to a grid point, is found
		// and not a point of the cell near it
		for a < b {
			m := a + (b-a)/2
			if !(m > a && m < b) { // adjacent floats (or NaN): done
				break
			}
			if fm := f(m); fm == 0 {
				a, b = m, m
			} else if (fm > 0) == (fa > 0) {
				a, fa = m, fm
			} else {
				b = m
			}
		}
		roots = append(roots, a+(b-a)/2)
	}
	if f(r) == 0 { // the last grid point, recorded by no cell
		roots = append(roots, r)
	}
	return roots
}
