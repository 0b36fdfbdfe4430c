package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/internal/pmath"
)

// force is F at the cursor, site by site.
func force[T flt](s []T, g *fieldGeom, cu *cursor, k *kc[T]) T {
	return forceOf(nbSum(s, g, cu), s[cu.n], k)
}

// phi4StepSites is the site-by-site form of phi4Step's schemes (a cursor
// per site, nbSum, noiseAt.at; Model B draws each link's current where
// it is read): the reference the row-wise kernels, and Model B's currents
// drawn once into a buffer, must equal bit for bit.
func phi4StepSites[T flt](g *fieldGeom, scheme string, k kc[T], ctr quench.Counter, s ...[]T) {
	phi, next := s[0], s[1]
	key := philox.KeyFromSeed(ctr.Seed)
	cu := g.at(0)
	now := noiseAt{siteNoise: newSiteNoise[T](key, ctr, ctr.Step, 0)}
	nxt := noiseAt{siteNoise: newSiteNoise[T](key, ctr, ctr.Step+1, 0)}
	for ; cu.n < g.n; g.next(&cu) {
		n := cu.n
		switch scheme {
		case quench.SchemeEM, quench.SchemeLM:
			xi := T(now.at(uint64(n)))
			if scheme == quench.SchemeLM {
				xi = xi + T(nxt.at(uint64(n)))
			}
			next[n] = (phi[n] + driftOf(nbSum(phi, g, &cu), phi[n], &k)) + T(k.amp*xi)
		case quench.SchemeBAOAB:
			mom := s[2]
			p1 := mom[n] + T(k.hdt*force(phi, g, &cu, &k))
			q1 := phi[n] + T(k.hdtm*p1)
			p2 := T(k.c1*p1) + T(k.c2*T(now.at(uint64(n))))
			next[n] = q1 + T(k.hdtm*p2)
			mom[n] = p2
		case quench.SchemeModelB:
			s[2][n] = -force(phi, g, &cu, &k)
		}
	}
	if scheme == quench.SchemeBAOAB {
		mom := s[2]
		cu = g.at(0)
		for ; cu.n < g.n; g.next(&cu) {
			mom[cu.n] = mom[cu.n] + T(k.hdt*force(next, g, &cu, &k))
		}
	}
	if scheme == quench.SchemeModelB {
		// each link's current drawn where it is read (noiseAt.at)
		mu, d := s[2], len(g.shape)
		out, in := noiseAt{siteNoise: newSiteNoise[T](key, ctr, ctr.Step, 1)}, noiseAt{siteNoise: newSiteNoise[T](key, ctr, ctr.Step, 1)}
		cu = g.at(0)
		for ; cu.n < g.n; g.next(&cu) {
			lap := nbSum(mu, g, &cu) - T(k.z*mu[cu.n])
			var div T
			for a := d - 1; a >= 0; a-- {
				jOut := T(out.at(uint64(cu.n)*uint64(d) + uint64(a)))
				jIn := T(in.at(uint64(g.minus(&cu, a))*uint64(d) + uint64(a)))
				div = div + (jOut - jIn)
			}
			next[cu.n] = (phi[cu.n] + T(k.a*lap)) + T(k.amp*div)
		}
	}
}

// TestRowKernels: the row-wise CPU kernels (forRows, nbRow, fillNoise) and
// Model B's currents equal the site-by-site rules bit for bit (fields,
// momenta, mu), on lattices whose fixed chunks
// of 2^14 sites end inside a row ({7, 3000}, {2, 3, 3000}, {2, 9000, 3}),
// rows of 2 sites (no inner columns), odd extents, 1D and 3D, and rows
// longer than one batch of noise groups (64 groups: 128 float64 or 256
// float32 numbers) that start inside a group ({3, 301}, {2, 3, 517}: every
// batch after the first starts at its group's first number).
func TestRowKernels(t *testing.T) {
	shapes := [][]int{{10}, {37}, {2}, {5, 6}, {5, 2}, {8193, 2}, {7, 3000}, {3, 5, 7}, {2, 3, 3000}, {2, 9000, 3}, {3, 301}, {2, 3, 517}}
	p := &quench.Phi4Params{Dt: 0.01, M2: -0.4, Lambda: 0.9, H: 0.1, T: 1.3, Gamma: 0.7, Mass: 1.2}
	ctr := quench.Counter{Seed: 77, Step: 12345, Replica: 3}
	for _, shape := range shapes {
		lat, _ := quench.NewLattice(shape...)
		g := newFieldGeom(lat)
		for _, scheme := range []string{quench.SchemeEM, quench.SchemeLM, quench.SchemeBAOAB, quench.SchemeModelB} {
			p.Scheme = scheme
			c, err := p.Coeffs(lat.Dim())
			if err != nil {
				t.Fatal(err)
			}
			checkRows(t, shape, scheme, g, coeffsOf[float64](c), ctr)
			checkRows(t, shape, scheme, g, coeffsOf[float32](c), ctr)
		}
		// diffusion
		rng := rand.New(rand.NewPCG(uint64(len(shape)), 2))
		u := make([]float64, g.n)
		for i := range u {
			u[i] = rng.NormFloat64()
		}
		got, want := make([]float64, g.n), make([]float64, g.n)
		diffuse(g, got, u, float64(2*lat.Dim()), 0.1)
		z := float64(2 * lat.Dim())
		for cu := g.at(0); cu.n < g.n; g.next(&cu) {
			want[cu.n] = u[cu.n] + float64(0.1*(nbSum(u, g, &cu)-float64(z*u[cu.n])))
		}
		for i := range got {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("%v diffusion: site %d: rows %v, sites %v", shape, i, got[i], want[i])
			}
		}
	}
}

func checkRows[T flt](t *testing.T, shape []int, scheme string, g *fieldGeom, k kc[T], ctr quench.Counter) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(g.n), uint64(len(scheme))))
	mk := func() (a, b []T) {
		a, b = make([]T, g.n), make([]T, g.n)
		for i := range a {
			a[i] = T(rng.NormFloat64())
			b[i] = a[i]
		}
		return a, b
	}
	phi, phi2 := mk()
	next, next2 := make([]T, g.n), make([]T, g.n)
	aux, aux2 := mk()
	phi4Step(g, scheme, k, ctr, make([]T, g.n*int64(len(shape))), phi, next, aux)
	phi4StepSites(g, scheme, k, ctr, phi2, next2, aux2)
	out, want := next, next2
	same := func(a, b T) bool { return math.Float64bits(float64(a)) == math.Float64bits(float64(b)) }
	for i := range out {
		if !same(out[i], want[i]) || (scheme != quench.SchemeEM && scheme != quench.SchemeLM && !same(aux[i], aux2[i])) {
			t.Fatalf("%v %s %T: site %d differs: rows %v / %v, sites %v / %v", shape, scheme, k.a, i, out[i], aux[i], want[i], aux2[i])
		}
	}
}

// TestModelBBackend: Backend.Phi4Step's Model B (its currents in the
// backend's reused buffer, viewed as float32 or float64) equals the
// site-by-site rule, step after step, on lattices of different sizes and
// both precisions through one backend, so the buffer is reused, grown and
// reinterpreted.
func TestModelBBackend(t *testing.T) {
	be := New()
	defer be.Close()
	p := &quench.Phi4Params{Scheme: quench.SchemeModelB, Dt: 0.002, M2: -0.4, Lambda: 0.9, H: 0.1, T: 1.3, Gamma: 0.7}
	for _, shape := range [][]int{{6, 10}, {4, 6, 8}, {6, 10}, {30}} {
		lat, _ := quench.NewLattice(shape...)
		c, err := p.Coeffs(lat.Dim())
		if err != nil {
			t.Fatal(err)
		}
		g := newFieldGeom(lat)
		modelBBackend(t, be, lat, p, g, coeffsOf[float32](c), quench.Float32)
		modelBBackend(t, be, lat, p, g, coeffsOf[float64](c), quench.Float64)
	}
}

func modelBBackend[T flt](t *testing.T, be *Backend, lat quench.Lattice, p *quench.Phi4Params, g *fieldGeom, k kc[T], dt quench.DType) {
	t.Helper()
	n := lat.Sites()
	f := &quench.Phi4Fields{}
	for _, b := range []*quench.Buffer{&f.Phi, &f.Next, &f.Mu} {
		*b, _ = be.Alloc(dt, n)
	}
	rng := rand.New(rand.NewPCG(uint64(n), 5))
	phi := make([]T, n)
	for i := range phi {
		phi[i] = T(rng.NormFloat64())
	}
	be.Upload(f.Phi, phi)
	next, mu := make([]T, n), make([]T, n)
	for s := uint64(0); s < 3; s++ {
		ctr := quench.Counter{Seed: 8, Step: 40 + s, Replica: 1}
		if err := be.Phi4Step(f, lat, p, ctr); err != nil {
			t.Fatal(err)
		}
		phi4StepSites(g, quench.SchemeModelB, k, ctr, phi, next, mu)
		phi, next = next, phi
	}
	got := make([]T, n)
	be.Download(got, f.Phi)
	for i := range got {
		if math.Float64bits(float64(got[i])) != math.Float64bits(float64(phi[i])) {
			t.Fatalf("%v %v: site %d: backend %v, site-by-site %v", lat.Shape, dt, i, got[i], phi[i])
		}
	}
}

// normals32 and normals64 for a float type other than the batch's own
// convert the batch's numbers (the kernels' own types go straight into dst).
func TestNormalsConverts(t *testing.T) {
	type named float64
	src := make([]byte, 16*5)
	for i := range src {
		src[i] = byte(31*i + 7)
	}
	want32, want64 := make([]float32, 20), make([]float64, 10)
	pmath.Gaussians32Batch(want32, src)
	pmath.GaussiansBatch(want64, src)
	got32, got64 := make([]named, 20), make([]named, 10)
	normals32(got32, src)
	normals64(got64, src)
	for k := range want32 {
		if got32[k] != named(want32[k]) {
			t.Fatalf("float32 normal %d: %v, want %v", k, got32[k], want32[k])
		}
	}
	for k := range want64 {
		if got64[k] != named(want64[k]) {
			t.Fatalf("float64 normal %d: %v, want %v", k, got64[k], want64[k])
		}
	}
}
