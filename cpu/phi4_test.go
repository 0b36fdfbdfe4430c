package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/stats"
)

// downloadFloat64 copies a float32 or float64 buffer into dst.
func downloadFloat64(t *testing.T, be *Backend, dst []float64, src quench.Buffer) {
	t.Helper()
	var err error
	if src.DType() == quench.Float32 {
		tmp := make([]float32, len(dst))
		err = be.Download(tmp, src)
		for i, v := range tmp {
			dst[i] = float64(v)
		}
	} else {
		err = be.Download(dst, src)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// gff runs a Gaussian free field (lambda = 0) and returns <phi^2> per site.
func gff(t *testing.T, scheme string, prec quench.DType, dt float64, steps, therm int, seed uint64) stats.Estimate {
	t.Helper()
	be := New()
	lat, _ := quench.NewLattice(8, 8)
	n := lat.Sites()
	f := &quench.Phi4Fields{}
	for _, p := range []*quench.Buffer{&f.Phi, &f.Next, &f.Mom, &f.Mu} {
		*p, _ = be.Alloc(prec, n)
	}
	p := &quench.Phi4Params{Scheme: scheme, Dt: dt, M2: 1, T: 1, Gamma: 1, Mass: 1}
	phi := make([]float64, n)
	var series []float64
	for k := 0; k < therm+steps; k++ {
		if err := be.Phi4Step(f, lat, p, quench.Counter{Seed: seed, Step: uint64(k)}); err != nil {
			t.Fatal(err)
		}
		if k < therm {
			continue
		}
		downloadFloat64(t, be, phi, f.Phi)
		var s float64
		for _, v := range phi {
			s += v * v
		}
		series = append(series, s/float64(n))
	}
	return stats.Series(series)
}

// gffExact is <phi^2> per site of the Gaussian free field on the periodic
// L x L lattice at T = 1, gamma = 1, by modes: lattice Laplacian
// eigenvalues q_k = sum_a 4 sin^2(pi n_a/L), lambda_k = m2 + q_k. The
// exact field has variance 1/lambda_k per mode; Euler-Maruyama at step h
// samples 1/(lambda_k (1 - h lambda_k/2)) (phi_k' = (1 - h lambda_k)
// phi_k + sqrt(2h) xi). Model B, phi' = phi + h lap(mu) + sqrt(2h) div
// eta from phi = 0, keeps the k = 0 mode at 0, and each other mode sees
// phi_k' = (1 - h q_k lambda_k) phi_k + sqrt(2h q_k) xi (the divergence of
// independent link noises has variance q_k per mode), so it samples
// 1/(lambda_k (1 - h q_k lambda_k/2)).
func gffExact(scheme string, L int, m2, h float64) float64 {
	var sum float64
	for i := 0; i < L; i++ {
		for j := 0; j < L; j++ {
			si, sj := math.Sin(math.Pi*float64(i)/float64(L)), math.Sin(math.Pi*float64(j)/float64(L))
			q := 4*si*si + 4*sj*sj
			lam := m2 + q
			switch scheme {
			case quench.SchemeEM:
				sum += 1 / (lam * (1 - h*lam/2))
			case quench.SchemeModelB:
				if i != 0 || j != 0 {
					sum += 1 / (lam * (1 - h*q*lam/2))
				}
			default:
				sum += 1 / lam
			}
		}
	}
	return sum / float64(L*L)
}

// The mode sums reproduce docs/exact-values.md's values.
func TestGFFExactValues(t *testing.T) {
	for _, c := range []struct {
		scheme string
		h      float64
		want   float64
	}{{quench.SchemeLM, 0.01, 0.254173997690}, {quench.SchemeEM, 0.01, 0.259302742402}} {
		if got := gffExact(c.scheme, 8, 1, c.h); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: mode sum %.13f, docs/exact-values.md %.12f", c.scheme, got, c.want)
		}
	}
}

// Gaussian free field, d = 2, L = 8, m^2 = 1 (docs/exact-values.md): exact
// <phi^2> = 0.254173997690; Euler-Maruyama at h = 0.01 samples
// 0.259302742402 instead; Leimkuhler-Matthews and BAOAB sample the exact
// value. The float32 case checks the float32 noise (pmath.Gaussians32).
// Model B at h = 0.02 (near its bound 2/72) samples 0.304652194321
// (gffExact; 0.238548997690 as h -> 0): its conserved noise and the
// Laplacian of mu, in both precisions.
func TestGaussianFreeField(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	cases := []struct {
		scheme string
		prec   quench.DType
		dt     float64
		steps  int
		want   float64
	}{
		{quench.SchemeEM, quench.Float64, 0.01, 150000, 0.259302742402},
		{quench.SchemeLM, quench.Float64, 0.01, 150000, 0.254173997690},
		{quench.SchemeBAOAB, quench.Float64, 0.05, 60000, 0.254173997690},
		{quench.SchemeEM, quench.Float32, 0.01, 150000, 0.259302742402},
		{quench.SchemeModelB, quench.Float64, 0.02, 150000, gffExact(quench.SchemeModelB, 8, 1, 0.02)},
		{quench.SchemeModelB, quench.Float32, 0.02, 150000, gffExact(quench.SchemeModelB, 8, 1, 0.02)},
	}
	for i, c := range cases {
		e := gff(t, c.scheme, c.prec, c.dt, c.steps, 2000, uint64(40+i))
		dev := math.Abs(e.Mean - c.want)
		t.Logf("%s %v dt=%v: <phi^2> = %.6f +- %.2g (tau_int %.3g), exact %.12f, %.2f sigma", c.scheme, c.prec, c.dt, e.Mean, e.Err, e.Tau, c.want, dev/e.Err)
		if !e.Reliable || dev > 4*e.Err {
			t.Errorf("unexpected <phi^2> for %s: got %v +- %v want %v", c.scheme, e.Mean, e.Err, c.want)
		}
	}
}

// The Gaussian field (lambda = 0) away from T = 1, gamma = 1, mass = 1 and
// h = 0: each scheme's site variance about the mean against the exact
// GaussianField (which takes T, gamma, mass and the step), and the mean
// against h/m2 (model B: its start, 0, conserved, and h does not act).
// Steps where gamma dt lambda_k is far from 0 (em: up to 0.74) make the
// variance depend on gamma, not only on T/lambda_k; a mass of 2.5 under
// baoab tells the half-step kick dt/2 from the drift dt/(2 mass).
func TestGaussianFieldParameters(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	be := New()
	shape := []int{8, 8}
	lat, _ := quench.NewLattice(shape...)
	n := lat.Sites()
	for i, c := range []struct {
		scheme string
		dt     float64
		steps  int
		prec   quench.DType
	}{
		{quench.SchemeEM, 0.05, 40000, quench.Float64},
		{quench.SchemeLM, 0.05, 40000, quench.Float64},
		{quench.SchemeBAOAB, 0.2, 40000, quench.Float64},
		{quench.SchemeModelB, 0.01, 60000, quench.Float64},
		{quench.SchemeEM, 0.05, 40000, quench.Float32},
	} {
		p := &quench.Phi4Params{Scheme: c.scheme, Dt: c.dt, M2: 1.3, H: 0.3, T: 0.7, Gamma: 1.6, Mass: 2.5}
		modes, err := quench.GaussianField(p, shape)
		if err != nil {
			t.Fatal(err)
		}
		mean := p.H / p.M2
		if c.scheme == quench.SchemeModelB {
			mean = 0
		}
		f := &quench.Phi4Fields{}
		for _, b := range []*quench.Buffer{&f.Phi, &f.Next, &f.Mom, &f.Mu} {
			*b, _ = be.Alloc(c.prec, n)
		}
		phi := make([]float64, n)
		var means, vars []float64
		const therm = 2000
		for k := range therm + c.steps {
			if err := be.Phi4Step(f, lat, p, quench.Counter{Seed: uint64(70 + i), Step: uint64(k)}); err != nil {
				t.Fatal(err)
			}
			if k < therm {
				continue
			}
			downloadFloat64(t, be, phi, f.Phi)
			var s, s2 float64
			for _, v := range phi {
				s += v
				s2 += (v - mean) * (v - mean)
			}
			means, vars = append(means, s/float64(n)), append(vars, s2/float64(n))
		}
		for _, o := range []struct {
			what   string
			series []float64
			want   float64
		}{{"mean", means, mean}, {"variance about the mean", vars, modes.Var}} {
			e := stats.Series(o.series)
			if c.scheme == quench.SchemeModelB && o.what == "mean" {
				// conserved to rounding from its start
				if math.Abs(e.Mean) > 1e-12 {
					t.Errorf("modelb: mean %v, want 0 (conserved)", e.Mean)
				}
				continue
			}
			t.Logf("%s %v dt=%v: %s %.6f +- %.2g (tau_int %.3g), exact %.6f, %.2f errors", c.scheme, c.prec, c.dt, o.what, e.Mean, e.Err, e.Tau, o.want, (e.Mean-o.want)/e.Err)
			if !e.Reliable || !(math.Abs(e.Mean-o.want) <= 4*e.Err) {
				t.Errorf("%s %v: %s %v +- %v (reliable %v), exact %v", c.scheme, c.prec, o.what, e.Mean, e.Err, e.Reliable, o.want)
			}
		}
	}
}

// Model B conserves the total field to rounding at every step, for both
// precisions, with the quartic term on.
func TestModelBConserves(t *testing.T) {
	be := New()
	for _, dt := range []quench.DType{quench.Float64, quench.Float32} {
		lat, _ := quench.NewLattice(16, 12)
		n := lat.Sites()
		f := &quench.Phi4Fields{}
		for _, p := range []*quench.Buffer{&f.Phi, &f.Next, &f.Mu} {
			*p, _ = be.Alloc(dt, n)
		}
		p := &quench.Phi4Params{Scheme: quench.SchemeModelB, Dt: 0.002, M2: -1, Lambda: 1, T: 0.5, Gamma: 1}
		total := func() float64 { s, _ := be.Sum(f.Phi); return s }
		eps := 0x1p-52
		if dt == quench.Float32 {
			eps = 0x1p-23
		}
		start := total()
		for k := 0; k < 200; k++ {
			if err := be.Phi4Step(f, lat, p, quench.Counter{Seed: 8, Step: uint64(k)}); err != nil {
				t.Fatal(err)
			}
			// each site's increment carries a few roundings of values of
			// order max|phi| + amp*noise, at most 10 here
			if d := math.Abs(total() - start); d > 10*eps*float64(n)*float64(k+1) {
				t.Fatalf("%v: total field drifted by %g after step %d", dt, d, k)
			}
		}
		// and the field did move
		phi := make([]float64, n)
		if dt == quench.Float64 {
			be.Download(phi, f.Phi)
			var s2 float64
			for _, v := range phi {
				s2 += v * v
			}
			if s2 == 0 {
				t.Errorf("model B left the field at zero")
			}
		}
	}
}

func TestPhi4Refuses(t *testing.T) {
	be := New()
	lat, _ := quench.NewLattice(4, 4)
	f := &quench.Phi4Fields{}
	f.Phi, _ = be.Alloc(quench.Float64, 16)
	f.Next, _ = be.Alloc(quench.Float64, 16)
	for _, p := range []*quench.Phi4Params{
		{Scheme: "rk4", Dt: 0.1, T: 1, Gamma: 1},
		{Scheme: quench.SchemeEM, Dt: 0, T: 1, Gamma: 1},
		{Scheme: quench.SchemeBAOAB, Dt: 0.1, T: 1, Gamma: 1, Mass: 1}, // no momenta
		{Scheme: quench.SchemeModelB, Dt: 0.1, T: 1, Gamma: 1},         // no mu
	} {
		if err := be.Phi4Step(f, lat, p, quench.Counter{}); err == nil {
			t.Errorf("Phi4Step accepted %+v", p)
		}
	}
}

func statsSeries(x []float64) stats.Estimate { return stats.Series(x) }

// TestDrift: the overdamped drift d (driftOf) is A*F (A times forceOf) up
// to a few roundings of its largest terms, in both precisions, over random
// fields, neighbour sums and parameters (signs of m2 and h both ways).
func TestDrift(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	u := func(a, b float64) float64 { return a + (b-a)*rng.Float64() }
	for i := 0; i < 20000; i++ {
		p := &quench.Phi4Params{Scheme: quench.SchemeEM, Dt: u(1e-4, 0.05), M2: u(-2, 2), Lambda: u(0, 3), H: u(-1, 1),
			T: 1, Gamma: u(0.1, 2)}
		if i%2 == 1 {
			p.Scheme = quench.SchemeLM
		}
		c, err := p.Coeffs(1 + i%3)
		if err != nil {
			t.Fatal(err)
		}
		phi, nb := u(-3, 3), u(-18, 18)
		// the sizes of the terms, A*nb, A*(Z+M2)*phi, A*L*phi^3, A*H
		scale := c.A * (math.Abs(nb) + math.Abs((c.Z+c.M2)*phi) + math.Abs(c.L*phi*phi*phi) + math.Abs(c.H))
		check := func(got, want, eps float64) {
			if math.Abs(got-want) > 8*eps*scale {
				t.Fatalf("%+v phi=%v nb=%v: drift %v, A*F %v (difference %g, terms of size %g)", p, phi, nb, got, want,
					got-want, scale)
			}
		}
		k64 := coeffsOf[float64](c)
		check(driftOf(nb, phi, &k64), k64.a*forceOf(nb, phi, &k64), 0x1p-52)
		k32 := coeffsOf[float32](c)
		f32, n32 := float32(phi), float32(nb)
		check(float64(driftOf(n32, f32, &k32)), float64(k32.a)*float64(forceOf(n32, f32, &k32)), 0x1p-23)
	}
}
