package quench

import (
	"fmt"
	"math"
	"testing"
)

// mat is a dense square matrix for the tests' real-space covariances.
type mat [][]float64

func newMat(n int) mat {
	m := make(mat, n)
	for i := range m {
		m[i] = make([]float64, n)
	}
	return m
}

func eye(n int) mat {
	m := newMat(n)
	for i := range m {
		m[i][i] = 1
	}
	return m
}

func (a mat) mul(b mat) mat {
	c := newMat(len(a))
	for i := range a {
		for k, x := range a[i] {
			if x == 0 {
				continue
			}
			for j, y := range b[k] {
				c[i][j] += x * y
			}
		}
	}
	return c
}

func (a mat) t() mat {
	c := newMat(len(a))
	for i := range a {
		for j := range a {
			c[j][i] = a[i][j]
		}
	}
	return c
}

// comb returns x a + y b.
func comb(x float64, a mat, y float64, b mat) mat {
	c := newMat(len(a))
	for i := range a {
		for j := range a {
			c[i][j] = x*a[i][j] + y*b[i][j]
		}
	}
	return c
}

// stationaryCov returns sum_{j>=0} M^j Q M^j^T, the stationary covariance
// of z' = M z + noise of covariance Q, by doubling until the terms added
// are below rounding.
func stationaryCov(m, q mat) mat {
	s, p := q, m
	maxAbs := func(a mat) float64 {
		var x float64
		for _, r := range a {
			for _, v := range r {
				x = math.Max(x, math.Abs(v))
			}
		}
		return x
	}
	for i := 0; i < 100; i++ {
		inc := p.mul(s).mul(p.t())
		s = comb(1, s, 1, inc)
		if maxAbs(inc) <= 1e-18*maxAbs(s) {
			return s
		}
		p = p.mul(p)
	}
	panic("stationaryCov: no convergence")
}

// quad is u^T C u.
func quad(c mat, u []float64) float64 {
	var s float64
	for i := range u {
		for j := range u {
			s += u[i] * c[i][j] * u[j]
		}
	}
	return s
}

// realSpace builds, site by site, the lattice Laplacian as the force
// computes it (each axis's neighbours at -1 and +1 minus 2 phi, the same
// site twice for an extent of 2, itself for 1), the gradient energy's
// quadratic form G (sum over sites and axes of (e_{x+e_a} - e_x)(...)^T),
// the divergence of link currents (site x gets eta_{x,a} - eta_{x-e_a,a}),
// and the cosine and sine of 2 pi x_a/L_a per site and axis.
func realSpace(shape []int) (lap, grad, div mat, cos, sin [][]float64) {
	n := 1
	for _, l := range shape {
		n *= l
	}
	d := len(shape)
	coord := func(x int) []int {
		c := make([]int, d)
		for a := d - 1; a >= 0; a-- {
			c[a] = x % shape[a]
			x /= shape[a]
		}
		return c
	}
	site := func(c []int) int {
		x := 0
		for a := range c {
			x = x*shape[a] + (c[a]%shape[a]+shape[a])%shape[a]
		}
		return x
	}
	lap, grad = newMat(n), newMat(n)
	div = make(mat, n)
	cos, sin = make([][]float64, d), make([][]float64, d)
	for a := range cos {
		cos[a], sin[a] = make([]float64, n), make([]float64, n)
	}
	for x := 0; x < n; x++ {
		div[x] = make([]float64, n*d)
		c := coord(x)
		for a := 0; a < d; a++ {
			cos[a][x] = math.Cos(2 * math.Pi * float64(c[a]) / float64(shape[a]))
			sin[a][x] = math.Sin(2 * math.Pi * float64(c[a]) / float64(shape[a]))
			up := append([]int(nil), c...)
			up[a]++
			dn := append([]int(nil), c...)
			dn[a]--
			u, w := site(up), site(dn)
			lap[x][u]++
			lap[x][w]++
			lap[x][x] -= 2
			grad[u][u]++
			grad[x][x]++
			grad[u][x]--
			grad[x][u]--
			div[x][x*d+a]++
			div[x][w*d+a]--
		}
	}
	return lap, grad, div, cos, sin
}

// fieldMoments are GaussianField's quantities from a real-space
// stationary covariance C of the field.
func fieldMoments(c, grad mat, cos, sin [][]float64) GaussianModes {
	n := len(c)
	var tr, g float64
	ones := make([]float64, n)
	for i := range c {
		tr += c[i][i]
		ones[i] = 1
		for j := range c {
			g += grad[i][j] * c[j][i]
		}
	}
	m := GaussianModes{Var: tr / float64(n), Gradient: g / (2 * float64(n)), Zero: quad(c, ones) / float64(n)}
	for a := range cos {
		m.Axis = append(m.Axis, (quad(c, cos[a])+quad(c, sin[a]))/float64(n))
	}
	return m
}

// gaussianRealSpace is GaussianField computed independently: the
// stationary covariance of each scheme's real-space linear map, built from
// the update rules of Phi4Coeffs's documentation (mobility gamma: A = gamma
// dt, noise sqrt(2 gamma T dt), lm's sqrt(gamma T dt/2) on xi_n +
// xi_{n+1}; baoab's c1 = exp(-gamma dt), c2 = sqrt((1 - c1^2) mass T);
// modelb's mu = -F and currents on links), from a zero mean.
func gaussianRealSpace(p *Phi4Params, shape []int) GaussianModes {
	lap, grad, div, cos, sin := realSpace(shape)
	n := len(lap)
	// the force's matrix: F = lap phi - m2 phi (+ h, which moves the mean only)
	f := comb(1, lap, -p.M2, eye(n))
	a := p.Gamma * p.Dt
	switch p.Scheme {
	case SchemeEM:
		return fieldMoments(stationaryCov(comb(1, eye(n), a, f), comb(2*p.Gamma*p.T*p.Dt, eye(n), 0, eye(n))), grad, cos, sin)
	case SchemeModelB:
		// phi' = phi + A lap(-F phi) + amp div eta; M keeps the mean
		// (J/n, J all ones), which the noise D D^T does not feed, so the
		// sum runs with M - J/n
		m := comb(1, eye(n), -a, lap.mul(f))
		q := newMat(n)
		for i := range m {
			for j := range m {
				m[i][j] -= 1 / float64(n)
				for k := range div[i] {
					q[i][j] += 2 * p.Gamma * p.T * p.Dt * div[i][k] * div[j][k]
				}
			}
		}
		return fieldMoments(stationaryCov(m, q), grad, cos, sin)
	case SchemeLM:
		// z = (phi_n, xi_n): phi_{n+1} = M phi_n + c xi_n + c xi_{n+1}
		c := math.Sqrt(p.Gamma * p.T * p.Dt / 2)
		m, q := newMat(2*n), newMat(2*n)
		mm := comb(1, eye(n), a, f)
		for i := 0; i < n; i++ {
			copy(m[i], mm[i])
			m[i][n+i] = c
			q[i][i], q[i][n+i], q[n+i][i], q[n+i][n+i] = c*c, c, c, 1
		}
		s := stationaryCov(m, q)
		cc := newMat(n)
		for i := range cc {
			copy(cc[i], s[i][:n])
		}
		return fieldMoments(cc, grad, cos, sin)
	}
	// baoab on z = (q, p): B A O A B, the noise at O
	c1 := math.Exp(-p.Gamma * p.Dt)
	c2 := math.Sqrt((1 - c1*c1) * p.Mass * p.T)
	b, aa, o := eye(2*n), eye(2*n), eye(2*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			b[n+i][j] = p.Dt / 2 * f[i][j]
		}
		aa[i][n+i] = p.Dt / (2 * p.Mass)
		o[n+i][n+i] = c1
	}
	post := b.mul(aa)
	m := post.mul(o).mul(aa).mul(b)
	// the noise enters as post times c2 on the momenta
	g := newMat(2 * n)
	for i := 0; i < 2*n; i++ {
		for j := 0; j < n; j++ {
			g[i][n+j] = post[i][n+j] * c2
		}
	}
	s := stationaryCov(m, g.mul(g.t()))
	cc := newMat(n)
	for i := range cc {
		copy(cc[i], s[i][:n])
	}
	return fieldMoments(cc, grad, cos, sin)
}

func closeRel(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(math.Abs(b), 1e-300) }

// GaussianField's mode sums against the stationary covariance of each
// scheme's real-space linear map (no Fourier modes: the Laplacian, the
// gradient energy, the divergence and the structure factor's waves built
// site by site), on 1D, 2D and 3D lattices, square or not, with odd
// extents and extents of 1 and 2, at temperatures, mobilities, masses and
// steps other than 1 (steps near the stiffest mode's bound included).
func TestGaussianFieldRealSpace(t *testing.T) {
	for _, shape := range [][]int{{7}, {6}, {1}, {3, 4}, {4, 2}, {1, 5}, {2, 3, 2}, {3, 1, 3}} {
		for _, p := range []Phi4Params{
			{Scheme: SchemeEM, Dt: 0.03, M2: 0.7, T: 1.3, Gamma: 2},
			{Scheme: SchemeEM, Dt: 0.15, M2: 1.5, T: 0.6, Gamma: 0.9, H: 0.2},
			{Scheme: SchemeLM, Dt: 0.1, M2: 0.4, T: 2, Gamma: 1.5},
			{Scheme: SchemeBAOAB, Dt: 0.3, M2: 1.2, T: 0.8, Gamma: 0.7, Mass: 2.5},
			{Scheme: SchemeBAOAB, Dt: 0.5, M2: 0.5, T: 1, Gamma: 4, Mass: 1},
			{Scheme: SchemeModelB, Dt: 0.01, M2: 1, T: 1.1, Gamma: 1.3},
			{Scheme: SchemeModelB, Dt: 0.015, M2: 0, T: 0.5, Gamma: 1},
		} {
			if p.Scheme != SchemeModelB || len(shape) > 1 || shape[0] > 1 {
				got, err := GaussianField(&p, shape)
				if err != nil {
					t.Fatalf("%v %+v: %v", shape, p, err)
				}
				want := gaussianRealSpace(&p, shape)
				ok := closeRel(got.Var, want.Var, 1e-10) && closeRel(got.Gradient, want.Gradient, 1e-10) &&
					math.Abs(got.Zero-want.Zero) <= 1e-10*math.Max(want.Zero, got.Var)
				for a := range shape {
					ok = ok && math.Abs(got.Axis[a]-want.Axis[a]) <= 1e-10*math.Max(want.Axis[a], got.Var)
				}
				if !ok {
					t.Errorf("%v %+v:\nmode sum   %+v\nreal space %+v", shape, p, got, want)
				}
			}
		}
	}
}

// The mode sums reproduce docs/exact-values.md's values (d = 2, L = 8,
// m2 = 1, T = gamma = 1) and cpu's gffExact, which the kernels are tested
// against: Leimkuhler-Matthews and BAOAB the exact 0.254173997690,
// Euler-Maruyama at h = 0.01 0.259302742402.
func TestGaussianFieldDocs(t *testing.T) {
	for _, c := range []struct {
		scheme string
		dt     float64
		want   float64
	}{
		{SchemeLM, 0.01, 0.254173997690}, {SchemeBAOAB, 0.05, 0.254173997690}, {SchemeEM, 0.01, 0.259302742402},
	} {
		m, err := GaussianField(&Phi4Params{Scheme: c.scheme, Dt: c.dt, M2: 1, T: 1, Gamma: 1, Mass: 1}, []int{8, 8})
		if err != nil || math.Abs(m.Var-c.want) > 1e-12 {
			t.Errorf("%s: <phi^2> %.13f (%v), docs %.12f", c.scheme, m.Var, err, c.want)
		}
	}
}

// Refusals: an interacting field, no stationary k = 0 mode, unstable
// steps (at the stiffest mode, 4d + m2), too many modes, and what
// Phi4Coeffs refuses.
func TestGaussianFieldRefuses(t *testing.T) {
	ok := Phi4Params{Scheme: SchemeEM, Dt: 0.01, M2: 1, T: 1, Gamma: 1, Mass: 1}
	for i, c := range []struct {
		mod   func(p *Phi4Params)
		shape []int
	}{
		{func(p *Phi4Params) { p.Lambda = 0.1 }, []int{4}},
		{func(p *Phi4Params) { p.M2 = 0 }, []int{4}},
		{func(p *Phi4Params) { p.M2 = -1 }, []int{4}},
		{func(p *Phi4Params) { p.Dt = 2 / 9.0 * 1.0000001 }, []int{4, 4}},
		{func(p *Phi4Params) { p.Scheme, p.Dt = SchemeLM, 2/9.0*1.0000001 }, []int{4, 4}},
		{func(p *Phi4Params) { p.Scheme, p.Dt = SchemeBAOAB, 2/3.0*1.0000001 }, []int{4, 4}},
		{func(p *Phi4Params) { p.Scheme, p.Dt = SchemeModelB, 2/(8*9.0)*1.0000001 }, []int{4, 4}},
		{func(p *Phi4Params) { p.Scheme, p.M2 = SchemeModelB, -0.5 }, []int{4, 4}},
		{func(p *Phi4Params) {}, []int{32768, 32768}},
		{func(p *Phi4Params) {}, []int{4, 0}},
		{func(p *Phi4Params) { p.T = 0 }, []int{4}},
		{func(p *Phi4Params) { p.Scheme = "rk4" }, []int{4}},
	} {
		p := ok
		c.mod(&p)
		if _, err := GaussianField(&p, c.shape); err == nil {
			t.Errorf("case %d %+v %v: no error", i, p, c.shape)
		}
	}
	// just inside the bounds: fine
	for _, s := range []string{SchemeEM, SchemeLM, SchemeBAOAB, SchemeModelB} {
		p := ok
		p.Scheme = s
		p.Dt = map[string]float64{SchemeEM: 2 / 9.0, SchemeLM: 2 / 9.0, SchemeBAOAB: 2 / 3.0, SchemeModelB: 2 / 72.0}[s] * 0.9999
		if _, err := GaussianField(&p, []int{4, 4}); err != nil {
			t.Errorf("%s dt %v: %v", s, p.Dt, err)
		}
	}
}

// HarmonicParticles against the stationary covariance of each scheme's
// linear map for one coordinate, from ParticleCoeffs's documented rules
// (friction gamma: A = dt/gamma, noise sqrt(2 T dt/gamma), lm's
// sqrt(T dt/(2 gamma)) on xi_n + xi_{n+1}, baoab as for fields).
func TestHarmonicParticles(t *testing.T) {
	for _, p := range []ParticleParams{
		{Scheme: SchemeEM, Potential: PotentialHarmonic, Dt: 0.05, T: 0.7, Gamma: 2, K: 3},
		{Scheme: SchemeEM, Potential: PotentialHarmonic, Dt: 0.5, T: 1.2, Gamma: 0.5, K: 1.9},
		{Scheme: SchemeLM, Potential: PotentialHarmonic, Dt: 0.3, T: 0.4, Gamma: 1.5, K: 2},
		{Scheme: SchemeBAOAB, Potential: PotentialHarmonic, Dt: 0.3, T: 0.8, Gamma: 1.2, K: 1.5, Mass: 2},
		{Scheme: SchemeBAOAB, Potential: PotentialHarmonic, Dt: 1.1, T: 2, Gamma: 0.2, K: 3, Mass: 1},
	} {
		x, v, err := HarmonicParticles(&p)
		if err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		var wx, wv float64
		a := p.Dt / p.Gamma
		switch p.Scheme {
		case SchemeEM:
			wx = stationaryCov(mat{{1 - a*p.K}}, mat{{2 * p.T * p.Dt / p.Gamma}})[0][0]
		case SchemeLM:
			c := math.Sqrt(p.T * p.Dt / (2 * p.Gamma))
			wx = stationaryCov(mat{{1 - a*p.K, c}, {0, 0}}, mat{{c * c, c}, {c, 1}})[0][0]
		case SchemeBAOAB:
			c1 := math.Exp(-p.Gamma * p.Dt)
			c2 := math.Sqrt((1 - c1*c1) * p.Mass * p.T)
			b, aa, o := mat{{1, 0}, {-p.Dt / 2 * p.K, 1}}, mat{{1, p.Dt / (2 * p.Mass)}, {0, 1}}, mat{{1, 0}, {0, c1}}
			post := b.mul(aa)
			g := mat{{0, post[0][1] * c2}, {0, post[1][1] * c2}}
			s := stationaryCov(post.mul(o).mul(aa).mul(b), g.mul(g.t()))
			wx, wv = s[0][0], s[1][1]/(p.Mass*p.Mass)
		}
		if !closeRel(x, wx, 1e-12) || !closeRel(v, wv, 1e-12) && !(v == 0 && wv == 0) {
			t.Errorf("%+v: x_var %.15g v_var %.15g, linear map %.15g %.15g", p, x, v, wx, wv)
		}
	}
	for i, p := range []ParticleParams{
		{Scheme: SchemeEM, Potential: PotentialDoubleWell, Dt: 0.01, T: 1, Gamma: 1, K: 1},
		{Scheme: SchemeEM, Potential: PotentialKuramoto, Dt: 0.01, T: 1, Gamma: 1, K: 1},
		{Scheme: SchemeEM, Potential: PotentialHarmonic, Dt: 0.01, T: 0, Gamma: 1, K: 1},
		{Scheme: SchemeEM, Potential: PotentialHarmonic, Dt: 0.01, T: 1, Gamma: 1, K: 0},
		{Scheme: SchemeLM, Potential: PotentialHarmonic, Dt: 2, T: 1, Gamma: 1, K: 1},
		{Scheme: SchemeBAOAB, Potential: PotentialHarmonic, Dt: 2, T: 1, Gamma: 1, K: 1, Mass: 1},
		{Scheme: SchemeModelB, Potential: PotentialHarmonic, Dt: 0.01, T: 1, Gamma: 1, K: 1},
	} {
		if _, _, err := HarmonicParticles(&p); err == nil {
			t.Errorf("case %d %+v: no error", i, p)
		}
	}
}

func ExampleGaussianField() {
	m, _ := GaussianField(&Phi4Params{Scheme: SchemeLM, Dt: 0.01, M2: 1, T: 1, Gamma: 1}, []int{8, 8})
	fmt.Printf("%.12f\n", m.Var)
	// Output: 0.254173997690
}

// A lattice beyond the bound is refused before its mode tables are built
// (a chain of 2^40 sites built 2^39 levels first, by append, and ran out
// of memory at the end of the run), and an allowed one builds each axis's
// table once.
func TestGaussianFieldTables(t *testing.T) {
	p := Phi4Params{Scheme: SchemeLM, Dt: 0.01, M2: 1, T: 1, Gamma: 1}
	if _, err := GaussianField(&p, []int{1 << 40}); err == nil {
		t.Error("a chain of 2^40 sites: no error")
	}
	if n := testing.AllocsPerRun(3, func() { GaussianField(&p, []int{1 << 16}) }); n > 6 {
		t.Errorf("a chain of 2^16 sites: %v allocations; want one per axis and a few", n)
	}
}

// Just under the bound: 1024^3 has 513^3 distinct modes, 2^27 and a bit,
// and is summed (0.6 s), as GaussianFieldMaxTerms's note says; its <phi^2>
// is then the average of T/lambda_k, between T/(m2 + 12) and T/m2.
func TestGaussianFieldLargestAllowed(t *testing.T) {
	if testing.Short() {
		t.Skip("sums 1.35e8 modes")
	}
	p := Phi4Params{Scheme: SchemeLM, Dt: 0.01, M2: 1, T: 1, Gamma: 1}
	m, err := GaussianField(&p, []int{1024, 1024, 1024})
	if err != nil || !(m.Var > 1.0/13 && m.Var < 1) {
		t.Errorf("1024^3: <phi^2> %v, %v; want a value", m.Var, err)
	}
}
