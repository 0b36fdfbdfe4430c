package cpu

import (
	"math"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/stats"
)

// ensembleVariance runs n independent particles from x = 0 at precision dt
// and returns the time series of the ensemble mean of x^2 after therm
// steps.
func ensembleVariance(t *testing.T, p *quench.ParticleParams, dt quench.DType, n int64, steps, therm int, seed uint64) stats.Estimate {
	t.Helper()
	x2, _ := ensembleMoments(t, p, dt, n, steps, therm, seed)
	return x2
}

// ensembleMoments is ensembleVariance that also returns the ensemble mean
// of v^2.
func ensembleMoments(t *testing.T, p *quench.ParticleParams, dt quench.DType, n int64, steps, therm int, seed uint64) (x2, v2 stats.Estimate) {
	t.Helper()
	be := New()
	ps := &quench.Particles{N: n, Dim: 1}
	ps.Pos, _ = be.Alloc(dt, n)
	ps.Vel, _ = be.Alloc(dt, n)
	x, v := make([]float64, n), make([]float64, n)
	var series, vseries []float64
	for k := 0; k < therm+steps; k++ {
		if err := be.ParticleStep(ps, p, quench.Counter{Seed: seed, Step: uint64(k)}); err != nil {
			t.Fatal(err)
		}
		if k < therm {
			continue
		}
		downloadFloat64(t, be, x, ps.Pos)
		var s float64
		for _, v := range x {
			s += v * v
		}
		series = append(series, s/float64(n))
		downloadFloat64(t, be, v, ps.Vel)
		s = 0
		for _, u := range v {
			s += u * u
		}
		vseries = append(vseries, s/float64(n))
	}
	return stats.Series(series), stats.Series(vseries)
}

// Harmonic oscillator, U = k x^2/2 (docs/exact-values.md): Euler-Maruyama samples
// Var = (kT/k)/(1 - k h/(2 gamma)); Leimkuhler-Matthews and BAOAB sample
// kT/k exactly. BAOAB's momenta at the end of a step (after the last
// kick) have the exact variance m T (1 - h^2 k/(4m)), for any friction
// (the stationary covariance of its linear map; m = 1 here). Both precisions: float32
// runs draw their noise with pmath.Gaussians32.
func TestHarmonicVariance(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	const k, T, gamma = 1.5, 0.8, 1.2
	cases := []struct {
		scheme string
		dt     float64
		want   float64
	}{
		{quench.SchemeEM, 0.2, (T / k) / (1 - k*0.2/(2*gamma))},
		{quench.SchemeLM, 0.2, T / k},
		{quench.SchemeBAOAB, 0.4, T / k},
	}
	for i, c := range append(cases, cases...) {
		dt := quench.Float64
		if i >= len(cases) {
			dt = quench.Float32
		}
		p := &quench.ParticleParams{Scheme: c.scheme, Potential: quench.PotentialHarmonic, Dt: c.dt, T: T, Gamma: gamma, Mass: 1, K: k}
		e, ev := ensembleMoments(t, p, dt, 2000, 3000, 200, uint64(60+i))
		dev := math.Abs(e.Mean - c.want)
		t.Logf("%s %v dt=%v: <x^2> = %.5f +- %.2g (tau_int %.3g), exact %.6f, %.2f sigma", c.scheme, dt, c.dt, e.Mean, e.Err, e.Tau, c.want, dev/e.Err)
		if !e.Reliable || dev > 4*e.Err {
			t.Errorf("unexpected <x^2> for %s %v: got %v +- %v want %v", c.scheme, dt, e.Mean, e.Err, c.want)
		}
		if c.scheme != quench.SchemeBAOAB {
			continue
		}
		wantV := T * (1 - c.dt*c.dt*k/4)
		dev = math.Abs(ev.Mean - wantV)
		t.Logf("%s %v dt=%v: <v^2> = %.5f +- %.2g (tau_int %.3g), exact %.6f, %.2f sigma", c.scheme, dt, c.dt, ev.Mean, ev.Err, ev.Tau, wantV, dev/ev.Err)
		if !ev.Reliable || dev > 4*ev.Err {
			t.Errorf("unexpected <v^2> for %s %v: got %v +- %v want %v", c.scheme, dt, ev.Mean, ev.Err, wantV)
		}
	}
}

// TestHarmonicParameters runs every scheme with no coefficient at 1 (k,
// T, gamma and the mass all differ; BAOAB in both precisions, EM and LM
// in float64), on 2001 particles (on AVX2 the last one takes the scalar
// loop, which is the only loop under -tags purego), and checks <x^2> and BAOAB's momenta's <p^2>
// against quench.HarmonicParticles (mass^2 times its <v^2>): a mass,
// friction or temperature misplaced in a scheme's coefficients (each of
// which the unit-mass test above would let pass) moves one of them by
// tens of errors.
func TestHarmonicParameters(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	for i, c := range []struct {
		scheme string
		dt     float64
		prec   quench.DType
	}{
		{quench.SchemeEM, 0.3, quench.Float64},
		{quench.SchemeLM, 0.3, quench.Float64},
		{quench.SchemeBAOAB, 0.5, quench.Float64},
		{quench.SchemeBAOAB, 0.5, quench.Float32},
	} {
		p := &quench.ParticleParams{Scheme: c.scheme, Potential: quench.PotentialHarmonic, Dt: c.dt, T: 0.7, Gamma: 1.6, Mass: 2.5, K: 1.3}
		wantX, wantV, err := quench.HarmonicParticles(p)
		if err != nil {
			t.Fatal(err)
		}
		x2, p2 := ensembleMoments(t, p, c.prec, 2001, 8000, 300, uint64(80+i))
		type check struct {
			what string
			e    stats.Estimate
			want float64
		}
		checks := []check{{"<x^2>", x2, wantX}}
		if c.scheme == quench.SchemeBAOAB {
			checks = append(checks, check{"<p^2>", p2, p.Mass * p.Mass * wantV}) // the backend holds momenta
		}
		for _, o := range checks {
			dev := math.Abs(o.e.Mean - o.want)
			t.Logf("%s %v dt=%v: %s = %.5f +- %.2g (tau_int %.3g), exact %.6f, %.2f sigma", c.scheme, c.prec, c.dt, o.what, o.e.Mean, o.e.Err, o.e.Tau, o.want, dev/o.e.Err)
			if !o.e.Reliable || dev > 4*o.e.Err {
				t.Errorf("unexpected %s for %s %v: got %v +- %v want %v", o.what, c.scheme, c.prec, o.e.Mean, o.e.Err, o.want)
			}
		}
	}
}

// Double well U = k (x^2-1)^2 at small dt with Leimkuhler-Matthews: <x^2>
// against the Boltzmann integral by quadrature (the O(dt^2) bias is far
// below the error bar).
func TestDoubleWell(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	const k, T = 1.0, 0.7
	var z, zx2 float64
	for x := -4.0; x <= 4; x += 1e-4 {
		w := math.Exp(-k * (x*x - 1) * (x*x - 1) / T)
		z += w
		zx2 += w * x * x
	}
	want := zx2 / z
	p := &quench.ParticleParams{Scheme: quench.SchemeLM, Potential: quench.PotentialDoubleWell, Dt: 0.02, T: T, Gamma: 1, K: k}
	e := ensembleVariance(t, p, quench.Float64, 1000, 12000, 500, 71)
	dev := math.Abs(e.Mean - want)
	t.Logf("double well: <x^2> = %.5f +- %.2g (tau_int %.3g), quadrature %.6f, %.2f sigma", e.Mean, e.Err, e.Tau, want, dev/e.Err)
	if !e.Reliable || dev > 4*e.Err {
		t.Errorf("unexpected double-well <x^2>: got %v +- %v want %v", e.Mean, e.Err, want)
	}
}

// Kuramoto with identical frequencies and no noise synchronizes: r -> 1.
func TestKuramotoSynchronizes(t *testing.T) {
	be := New()
	const n = 2000
	for _, dt := range []quench.DType{quench.Float64, quench.Float32} {
		ps := &quench.Particles{N: n, Dim: 1}
		ps.Pos, _ = be.Alloc(dt, n)
		ps.Omega, _ = be.Alloc(dt, n)
		th := make([]float64, n)
		om := make([]float64, n)
		for i := range th {
			th[i] = math.Mod(float64(i)*0.6180339887498949, 1) // spread over the circle
			om[i] = 1
		}
		upload(be, ps.Pos, th)
		upload(be, ps.Omega, om)
		r := func() float64 {
			c, s, _ := be.PhaseSums(ps.Pos)
			return math.Hypot(c, s) / n
		}
		r0 := r()
		p := &quench.ParticleParams{Scheme: quench.SchemeEM, Potential: quench.PotentialKuramoto, Dt: 0.05, T: 0, Gamma: 1, K: 2}
		for k := 0; k < 1000; k++ {
			if err := be.ParticleStep(ps, p, quench.Counter{Seed: 1, Step: uint64(k)}); err != nil {
				t.Fatal(err)
			}
		}
		if r1 := r(); r0 > 0.05 || r1 < 0.999 {
			t.Errorf("%v: order parameter %v -> %v, want from ~0 to > 0.999", dt, r0, r1)
		}
	}
}

// Kuramoto noise and drift, exactly: without coupling every phase is
// theta_0 + omega t plus a Gaussian of variance s2 (radians^2), so the
// mean of exp(i theta) over N independent oscillators started at 0 has
// expectation rho exp(i omega t) with rho = exp(-s2/2), and its components
// along and across that direction have the variances (1-rho^2)^2/(2N) and
// (1-rho^4)/(2N). Euler-Maruyama adds 2 T dt per step: s2 = 2 T dt n;
// Leimkuhler-Matthews adds sqrt(T dt/2) (xi_k + xi_{k+1}) at step k, so
// s2 = (T dt/2)(4n - 2). Both for any dt.
func TestKuramotoNoiseExact(t *testing.T) {
	be := New()
	const n, omega, T, h = 100000, 1.3, 0.5, 0.05
	for i, c := range []struct {
		scheme string
		dt     quench.DType
	}{{quench.SchemeEM, quench.Float64}, {quench.SchemeLM, quench.Float64}, {quench.SchemeEM, quench.Float32}, {quench.SchemeLM, quench.Float32}} {
		ps := &quench.Particles{N: n, Dim: 1}
		ps.Pos, _ = be.Alloc(c.dt, n)
		ps.Omega, _ = be.Alloc(c.dt, n)
		om := make([]float64, n)
		for j := range om {
			om[j] = omega
		}
		upload(be, ps.Omega, om)
		p := &quench.ParticleParams{Scheme: c.scheme, Potential: quench.PotentialKuramoto, Dt: h, T: T, Gamma: 1, K: 0}
		for k := 1; k <= 40; k++ {
			if err := be.ParticleStep(ps, p, quench.Counter{Seed: uint64(90 + i), Step: uint64(k - 1)}); err != nil {
				t.Fatal(err)
			}
			if k%10 != 0 {
				continue
			}
			s2 := 2 * T * h * float64(k)
			if c.scheme == quench.SchemeLM {
				s2 = T * h / 2 * float64(4*k-2)
			}
			rho := math.Exp(-s2 / 2)
			C, S, err := be.PhaseSums(ps.Pos)
			if err != nil {
				t.Fatal(err)
			}
			phi := omega * h * float64(k)
			along := (C*math.Cos(phi) + S*math.Sin(phi)) / n
			across := (S*math.Cos(phi) - C*math.Sin(phi)) / n
			sa := (1 - rho*rho) / math.Sqrt(2*n)
			sc := math.Sqrt((1 - rho*rho*rho*rho) / (2 * n))
			t.Logf("%s %v step %d: along %.5f (exact %.5f, %.2f sigma), across %.5f (%.2f sigma)",
				c.scheme, c.dt, k, along, rho, (along-rho)/sa, across, across/sc)
			if math.Abs(along-rho) > 4*sa || math.Abs(across) > 4*sc {
				t.Errorf("%s %v step %d: <exp(i theta)> = (%.5f, %.5f) in the rotating frame, want (%.5f +- %.2g, 0 +- %.2g)",
					c.scheme, c.dt, k, along, across, rho, sa, sc)
			}
		}
	}
}

func upload(be *Backend, b quench.Buffer, v []float64) {
	if b.DType() == quench.Float64 {
		be.Upload(b, v)
		return
	}
	v32 := make([]float32, len(v))
	for i := range v {
		v32[i] = float32(v[i])
	}
	be.Upload(b, v32)
}
