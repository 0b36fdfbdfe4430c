package quench

import (
	"fmt"
	"math"
)

// GaussianFieldMaxTerms bounds the mode sum of GaussianField: the product
// over the axes of floor(L/2) + 1, the distinct values of the Laplacian's
// eigenvalues, about N/2^d (16384^2 has 8193^2, about 2^26, and takes 0.4
// s on one core; 1000^3 0.6 s; 1024^3 has 513^3 and 32768^2 is refused).
// A larger lattice gets an error, so that a huge run does not stall at its
// end.
const GaussianFieldMaxTerms = 1 << 28

// GaussianModes are the stationary fluctuations of the phi^4 field at
// lambda = 0 (the Gaussian free field) on a periodic lattice of V sites
// under a scheme's discrete dynamics (GaussianField). Mode k (k_a = 2 pi
// n_a / L_a) of phi_hat_k = V^-1/2 sum_x phi_x exp(-i k x) relaxes on its
// own, with lattice Laplacian eigenvalue q_k = sum_a 4 sin^2(pi n_a/L_a)
// and stiffness lambda_k = m2 + q_k, to <|phi_hat_k - mean|^2> = v_k.
type GaussianModes struct {
	// Var is the variance of a site's value about its mean,
	// <(phi_x - <phi_x>)^2> = V^-1 sum_k v_k (model B: over k != 0, the
	// fluctuations about the conserved mean field).
	Var float64
	// Gradient is the expected gradient energy per site,
	// <(1/2V) sum_x sum_a (phi_{x+e_a} - phi_x)^2> = (1/2V) sum_k q_k v_k.
	Gradient float64
	// Zero is v_0, the variance of the k = 0 mode sqrt(V) m (m the mean
	// field): V Var(m). 0 under model B, which conserves m.
	Zero float64
	// Axis[a] is v_k at the smallest wave vector along axis a, k_a =
	// 2 pi/L_a, the other components 0: the expected structure factor
	// |sum_x phi_x exp(-i k_a x_a)|^2 / V there, for L_a >= 2; for L_a = 1
	// that is the k = 0 mode, Zero (to which the mean adds V <phi_x>^2).
	Axis []float64
}

// GaussianField returns the exact stationary fluctuations (GaussianModes)
// of phi4 at lambda = 0 on the periodic lattice of the given extents under
// p's scheme, with its time step, as Phi4Coeffs defines the schemes (gamma
// the mobility of em, lm and modelb, the friction of baoab; noise of
// variance 2 gamma T dt per step and site, or per link for modelb). The
// dynamics are linear, so each Fourier mode k is an independent Gaussian
// with variance v_k, a discrete Ornstein-Uhlenbeck process per mode:
//
//	em:     phi_k' = (1 - a) phi_k + sqrt(2 gamma T dt) xi,  a = gamma dt lambda_k:
//	        v_k = T / (lambda_k (1 - a/2))
//	lm:     the noise xi_n + xi_{n+1} (amplitude sqrt(gamma T dt/2)), an
//	        ARMA(1,1) process with v_k = 2 (gamma T dt/2) / a = T/lambda_k
//	baoab:  v_k = T/lambda_k for the positions at any stable step (the
//	        stationary covariance of the scheme's linear map for a harmonic
//	        force; Leimkuhler and Matthews, Appl. Math. Res. Express 2013, 34)
//	modelb: phi_k' = (1 - a) phi_k + sqrt(2 gamma T dt q_k) xi,
//	        a = gamma dt q_k lambda_k, for k != 0 (the k = 0 mode, the mean
//	        field, is conserved): v_k = T / (lambda_k (1 - a/2))
//
// Every sampled mode must be stable (em, lm, modelb: a < 2; baoab:
// dt^2 lambda_k / mass < 4) and have lambda_k > 0 (m2 > 0; m2 >= 0 for
// modelb); lambda must be 0. The means are not here: under em, lm and baoab
// every site's mean is h/m2, the fixed point of each scheme's linear map
// for the k = 0 mode (em and lm: phi = phi + A (h - m2 phi); baoab: p = 0,
// F(h/m2) = 0), and modelb keeps the mean of its start. The sum runs over
// the distinct q_k (the n_a and L_a - n_a of each axis give the same
// sin^2), at most GaussianFieldMaxTerms of them, and otherwise returns an
// error, as for any parameters the scheme refuses.
func GaussianField(p *Phi4Params, shape []int) (GaussianModes, error) {
	lat := Lattice{Shape: shape}
	if err := lat.Check(); err != nil {
		return GaussianModes{}, err
	}
	if _, err := p.Coeffs(len(shape)); err != nil {
		return GaussianModes{}, err
	}
	modelB := p.Scheme == SchemeModelB
	switch {
	case p.Lambda != 0:
		return GaussianModes{}, fmt.Errorf("GaussianField: lambda %v: the field is Gaussian at lambda = 0 only", p.Lambda)
	case !(p.M2 > 0) && !(modelB && p.M2 == 0):
		return GaussianModes{}, fmt.Errorf("GaussianField: m2 %v: the k = 0 mode has no stationary state (m2 > 0, or m2 >= 0 under modelb)", p.M2)
	}
	terms := 1.0
	for _, l := range shape {
		terms *= float64(l/2 + 1)
	}
	if terms > GaussianFieldMaxTerms {
		return GaussianModes{}, fmt.Errorf("GaussianField: lattice %s has %.0f distinct modes, more than %d", lat, terms, GaussianFieldMaxTerms)
	}
	// the distinct values of 4 sin^2(pi n/L), n = 0..L/2, and how many n
	// in 0..L-1 give each (built once the count is known to be allowed:
	// a long chain's table is most of the work)
	type level struct{ q, w float64 }
	axes := make([][]level, len(shape))
	for a, l := range shape {
		axes[a] = make([]level, 0, l/2+1)
		for n := 0; n <= l/2; n++ {
			s := math.Sin(math.Pi * float64(n) / float64(l))
			w := 2.0
			if n == 0 || 2*n == l {
				w = 1
			}
			axes[a] = append(axes[a], level{4 * s * s, w})
		}
	}
	// v returns v_k for a mode of Laplacian eigenvalue q (k != 0 unless
	// zero), or an error when the scheme does not sample it stably
	v := func(q float64, zero bool) (float64, error) {
		lam := p.M2 + q
		var a float64
		switch p.Scheme {
		case SchemeEM, SchemeLM:
			a = p.Gamma * p.Dt * lam
		case SchemeModelB:
			if zero {
				return 0, nil
			}
			a = p.Gamma * p.Dt * q * lam
		case SchemeBAOAB:
			if r := p.Dt * p.Dt * lam / p.Mass; !(r < 4) {
				return 0, fmt.Errorf("GaussianField: scheme baoab is unstable at dt %v for the mode of stiffness %v (dt^2 lambda_k/mass = %v, not below 4)", p.Dt, lam, r)
			}
		}
		if !(lam > 0) || !(a < 2) {
			return 0, fmt.Errorf("GaussianField: scheme %s is unstable at dt %v for the mode of stiffness %v (factor %v, not in (0, 2))", p.Scheme, p.Dt, lam, a)
		}
		if p.Scheme == SchemeEM || p.Scheme == SchemeModelB {
			return p.T / (lam * (1 - a/2)), nil
		}
		return p.T / lam, nil
	}
	d := len(shape)
	last := axes[d-1]
	idx := make([]int, d-1) // odometer over the axes but the last
	var sum, grad float64
	for {
		qo, wo, origin := 0.0, 1.0, true
		for a, i := range idx {
			qo += axes[a][i].q
			wo *= axes[a][i].w
			origin = origin && i == 0
		}
		// the last axis's row, summed on its own so that the rounding
		// grows with the rows' and the row's lengths, not the lattice's
		var rs, rg float64
		for j, lv := range last {
			q := qo + lv.q
			vk, err := v(q, origin && j == 0)
			if err != nil {
				return GaussianModes{}, err
			}
			rs += lv.w * vk
			rg += lv.w * q * vk
		}
		sum += wo * rs
		grad += wo * rg
		a := d - 2
		for ; a >= 0; a-- {
			if idx[a]++; idx[a] < len(axes[a]) {
				break
			}
			idx[a] = 0
		}
		if a < 0 {
			break
		}
	}
	n := float64(lat.Sites())
	m := GaussianModes{Var: sum / n, Gradient: grad / (2 * n), Axis: make([]float64, d)}
	var err error
	if m.Zero, err = v(0, true); err != nil {
		return GaussianModes{}, err
	}
	for a, l := range shape {
		if l == 1 {
			m.Axis[a] = m.Zero
			continue
		}
		if m.Axis[a], err = v(axes[a][1].q, false); err != nil {
			return GaussianModes{}, err
		}
	}
	return m, nil
}

// HarmonicParticles returns the exact stationary variance of a particle
// coordinate, xVar, under p's scheme for the harmonic potential
// U = k x^2/2 (k > 0, T > 0), as ParticleCoeffs defines the schemes (gamma
// the friction: A = dt/gamma, noise variance 2 T dt/gamma per step), and
// under baoab the variance of the velocities (momentum/mass) at the end of
// a step, vVar (0 under em and lm, which have none). The mean is 0. Each
// coordinate is a discrete Ornstein-Uhlenbeck process:
//
//	em:    x' = (1 - a) x + sqrt(2 T dt/gamma) xi, a = k dt/gamma:
//	       xVar = (T/k) / (1 - a/2)
//	lm:    the noise xi_n + xi_{n+1}: xVar = T/k
//	baoab: xVar = T/k, vVar = (T/mass) (1 - dt^2 k/(4 mass)) (the
//	       stationary covariance of the scheme's linear map; Leimkuhler and
//	       Matthews, Appl. Math. Res. Express 2013, 34)
//
// An error for other potentials, k <= 0, T = 0 (no noise: the particles
// only come to rest) or an unstable step (em, lm: a >= 2; baoab:
// dt^2 k/mass >= 4).
func HarmonicParticles(p *ParticleParams) (xVar, vVar float64, err error) {
	if _, err := p.Coeffs(1); err != nil {
		return 0, 0, err
	}
	switch {
	case p.Potential != PotentialHarmonic:
		return 0, 0, fmt.Errorf("HarmonicParticles: potential %s is not harmonic", p.Potential)
	case !(p.K > 0) || !(p.T > 0):
		return 0, 0, fmt.Errorf("HarmonicParticles: k %v and T %v: both must be positive", p.K, p.T)
	}
	switch p.Scheme {
	case SchemeEM, SchemeLM:
		a := p.K * p.Dt / p.Gamma
		if !(a < 2) {
			return 0, 0, fmt.Errorf("HarmonicParticles: scheme %s is unstable at dt %v (k dt/gamma = %v, not below 2)", p.Scheme, p.Dt, a)
		}
		if p.Scheme == SchemeEM {
			return p.T / p.K / (1 - a/2), 0, nil
		}
		return p.T / p.K, 0, nil
	}
	r := p.Dt * p.Dt * p.K / p.Mass
	if !(r < 4) {
		return 0, 0, fmt.Errorf("HarmonicParticles: scheme baoab is unstable at dt %v (dt^2 k/mass = %v, not below 4)", p.Dt, r)
	}
	return p.T / p.K, p.T / p.Mass * (1 - r/4), nil
}
