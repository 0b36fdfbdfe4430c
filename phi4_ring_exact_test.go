package quench

import (
	"fmt"
	"math"
	"testing"
)

// ringFields lists Phi4RingValues's observables by name.
func ringFields(v Phi4RingValues) map[string]float64 {
	return map[string]float64{"phi": v.Phi, "phi2": v.Phi2, "phi4": v.Phi4, "corr1": v.Corr1,
		"gradient": v.Gradient, "S_k": v.Sk, "m2": v.M2, "m3": v.M3, "m4": v.M4}
}

// ringClose reports where two sets of ring values differ by more than tol
// relative to the larger of |value| and the scale phi2 (phi, a mean
// that can be 0, and corr1 and S_k, which can be small, are measured
// against the field's own size); m3 and m4 against the larger of |value|
// and <m^2>^(3/2) and <m^2>^2, the mean field's own size (m4's tolerance
// is then 3 tol on the Binder cumulant, 0 at h = 0 on a long ring).
func ringClose(t *testing.T, what string, got, want Phi4RingValues, tol float64) {
	t.Helper()
	g, w := ringFields(got), ringFields(want)
	scale := math.Abs(want.Phi2)
	worst, at := 0.0, ""
	for name, x := range w {
		s := max(math.Abs(x), scale)
		switch name {
		case "phi":
			s = max(math.Abs(x), math.Sqrt(scale))
		case "m3":
			s = max(math.Abs(x), math.Pow(want.M2, 1.5))
		case "m4":
			s = max(math.Abs(x), want.M2*want.M2)
		}
		d := math.Abs(g[name]-x) / s
		if !(d <= worst) {
			worst, at = d, name
		}
		if !(d <= tol) {
			t.Errorf("%s: %s %.15g, want %.15g (relative %.2g, tolerance %.2g)", what, name, g[name], x, d, tol)
		}
	}
	t.Logf("%s: largest relative difference %.2g (%s)", what, worst, at)
}

// ringCases are parameters of the tests: the double well of the runs'
// defaults, with a field, deep (T = 0.1) and shallow (T = 20), and a
// single well.
var ringCases = []struct{ m2, lambda, h, T float64 }{
	{-1, 1, 0, 1}, {-1, 1, 0.3, 1}, {-1, 1, 0.1, 0.1}, {-1, 1, 0, 20}, {2, 0.5, -0.7, 1.5}, {-1, 0.05, 0.05, 1},
	{-1, 1, 0, 0.05},
}

// The grid Phi4Ring chooses against finer (1.5 n) and finer and wider
// (2.5 n points on 1.25 A) ones: the trapezoid rule converges
// exponentially, so the values agree to rounding (measured: at most
// 1.4e-12 relative, at L from 1 to 10^6, but for the deep double well
// below), while a grid of a quarter of the points is off by 2e-6 to 1e-3
// (logged), so the comparison could fail.
func TestPhi4RingRefinement(t *testing.T) {
	for _, c := range ringCases {
		n, a, err := phi4RingGrid(c.m2, c.lambda, c.h, c.T, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, L := range []int{1, 2, 3, 16, 1000, 1000000} {
			what := fmt.Sprintf("m2 %v lambda %v h %v T %v L %d (grid %d on +-%.3g)", c.m2, c.lambda, c.h, c.T, L, n, a)
			v := mustRingOn(t, c.m2, c.lambda, c.h, c.T, L, n, a)
			tol := 1e-10
			if c.T == 0.05 && L == 1000000 {
				// the deep double well at h = 0: its correlation length
				// xi = -1/ln(mu_1) is about 8e6 sites (S_k/var of an
				// endless ring 1.7e7, about 2 xi), so 1 - mu_1, from the
				// eigenvalues' rounding, keeps about 1e-16 xi relative,
				// and a ring as long carries it into S_k and <m^2>
				// (measured 3.8e-9)
				tol = 1e-8
			}
			ringClose(t, what+" vs 1.5 n", v, mustRingOn(t, c.m2, c.lambda, c.h, c.T, L, 3*n/2, a), tol)
			ringClose(t, what+" vs 2.5 n on 1.25 A", v, mustRingOn(t, c.m2, c.lambda, c.h, c.T, L, 5*n/2, 1.25*a), tol)
			if L == 16 {
				coarse := mustRingOn(t, c.m2, c.lambda, c.h, c.T, L, n/4, a)
				d := math.Abs(coarse.Phi2/v.Phi2 - 1)
				t.Logf("%s: a grid of n/4 points: phi2 %.2g relative off", what, d)
			}
		}
	}
}

// At lambda = 0 (m2 > 0) the transfer integral is Gaussian:
// GaussianField's mode sums under lm, whose stationary law T/lambda_k is
// the Boltzmann one at any stable step, give every value, with the mean
// h/m2.
func TestPhi4RingGaussian(t *testing.T) {
	for _, c := range []struct{ m2, h, T float64 }{{0.5, 0.3, 1.5}, {2, -0.2, 0.7}, {0.05, 0.01, 1}} {
		for _, L := range []int{1, 2, 3, 7, 16, 1000, 100000} {
			v, err := Phi4Ring(c.m2, 0, c.h, c.T, L)
			if err != nil {
				t.Fatal(err)
			}
			g, err := GaussianField(&Phi4Params{Scheme: SchemeLM, Dt: 1e-3, M2: c.m2, T: c.T, Gamma: 1, Mass: 1}, []int{L})
			if err != nil {
				t.Fatal(err)
			}
			mu := c.h / c.m2
			s2 := g.Var
			sig2 := g.Zero / float64(L) // the variance of m
			want := Phi4RingValues{Phi: mu, Phi2: mu*mu + s2, Phi4: mu*mu*mu*mu + 6*mu*mu*s2 + 3*s2*s2,
				Gradient: g.Gradient, Sk: g.Axis[0], M2: mu*mu + sig2,
				M3: mu*mu*mu + 3*mu*sig2, M4: mu*mu*mu*mu + 6*mu*mu*sig2 + 3*sig2*sig2}
			want.Corr1 = want.Phi2 - want.Gradient
			if L == 1 {
				want.Sk += mu * mu // the wave is constant: V mu^2
			}
			ringClose(t, fmt.Sprintf("Gaussian m2 %v h %v T %v L %d", c.m2, c.h, c.T, L), v, want, 1e-9)
		}
	}
}

// Rings of 1, 2 and 3 sites against their Boltzmann integrals summed
// directly over a product grid (1, 2 or 3 dimensions, finer and wider than
// Phi4Ring's, no transfer kernel, no eigenvectors): H of each
// configuration as the engine defines it (x+1 mod L: a ring of 2 counts
// its bond twice, a ring of 1 has none), and every observable from the
// configuration itself (S_k = |sum_x phi_x exp(-2 pi i x/L)|^2/L).
func TestPhi4RingBruteForce(t *testing.T) {
	for _, c := range ringCases[:5] {
		n, a, err := phi4RingGrid(c.m2, c.lambda, c.h, c.T, true)
		if err != nil {
			t.Fatal(err)
		}
		for L, pts := range []int{0, 4 * n, 3 * n, 3 * n / 2} {
			if L == 0 {
				continue
			}
			A := 1.1 * a
			d := 2 * A / float64(pts-1)
			grid := make([]float64, pts)
			pot := make([]float64, pts)
			for i := range grid {
				p := -A + d*float64(i)
				grid[i] = p
				pot[i] = c.m2/2*p*p + c.lambda/4*p*p*p*p - c.h*p
			}
			var z float64
			var s [9]float64 // phi, phi2, phi4, corr1, gradient, S_k, m2, m3, m4
			idx := make([]int, L)
			phi := make([]float64, L)
			for {
				var e float64
				for x, i := range idx {
					phi[x] = grid[i]
					e += pot[i]
				}
				var grad, mean, cs, sn float64
				for x := range phi {
					g := phi[(x+1)%L] - phi[x]
					grad += g * g / 2
					mean += phi[x]
					cs += phi[x] * math.Cos(2*math.Pi*float64(x)/float64(L))
					sn += phi[x] * math.Sin(2*math.Pi*float64(x)/float64(L))
				}
				w := math.Exp(-(e + grad) / c.T)
				z += w
				p0 := phi[0]
				mean /= float64(L)
				s[0] += w * p0
				s[1] += w * p0 * p0
				s[2] += w * p0 * p0 * p0 * p0
				s[3] += w * p0 * phi[1%L]
				s[4] += w * grad / float64(L)
				s[5] += w * (cs*cs + sn*sn) / float64(L)
				s[6] += w * mean * mean
				s[7] += w * mean * mean * mean
				s[8] += w * mean * mean * mean * mean
				x := L - 1
				for ; x >= 0; x-- {
					if idx[x]++; idx[x] < pts {
						break
					}
					idx[x] = 0
				}
				if x < 0 {
					break
				}
			}
			want := Phi4RingValues{Phi: s[0] / z, Phi2: s[1] / z, Phi4: s[2] / z, Corr1: s[3] / z, Gradient: s[4] / z, Sk: s[5] / z, M2: s[6] / z, M3: s[7] / z, M4: s[8] / z}
			got, err := Phi4Ring(c.m2, c.lambda, c.h, c.T, L)
			if err != nil {
				t.Fatal(err)
			}
			ringClose(t, fmt.Sprintf("m2 %v lambda %v h %v T %v L %d vs %d^%d points", c.m2, c.lambda, c.h, c.T, L, pts, L), got, want, 1e-9)
		}
	}
}

// Deep wells, whose barrier (or tilted far side) lies hundreds of T above
// the wells, where the kernel's rows underflowed to 0 before phi4RingOn
// left such points out, and the eigen-decomposition reported success with
// garbage (<phi> 57.7 for 0.67 on the ring of 2): rings of 1 and 2 against
// the Boltzmann sums over a finer grid directly, their exponents taken
// relative to the least, so nothing underflows that matters.
func TestPhi4RingDeepWells(t *testing.T) {
	for _, c := range []struct {
		m2, lambda, h, T float64
		L                int
	}{
		{-1, 1, 3e-5, 3e-4, 1},
		{-1, 1, 0, 3e-4, 1},
		{-1, 3e-4, 0.01, 1, 1},
		{-1, 3e-4, 1e-4, 1, 2},
	} {
		n, a, err := phi4RingGrid(c.m2, c.lambda, c.h, c.T, true)
		if err != nil {
			t.Fatal(err)
		}
		pts := 4 * n / c.L
		A := 1.1 * a
		d := 2 * A / float64(pts-1)
		grid := make([]float64, pts)
		pot := make([]float64, pts)
		for i := range grid {
			p := -A + d*float64(i)
			grid[i] = p
			pot[i] = c.m2/2*p*p + c.lambda/4*p*p*p*p - c.h*p
		}
		var ex []float64 // each configuration's H
		var cfg [][2]float64
		for i := range grid {
			if c.L == 1 {
				ex = append(ex, pot[i])
				cfg = append(cfg, [2]float64{grid[i], grid[i]})
				continue
			}
			for j := range grid {
				g := grid[j] - grid[i]
				ex = append(ex, pot[i]+pot[j]+g*g) // the bond counted twice
				cfg = append(cfg, [2]float64{grid[i], grid[j]})
			}
		}
		least := math.Inf(1)
		for _, e := range ex {
			least = min(least, e)
		}
		var z, s1, s2, s4, c1 float64
		for k, e := range ex {
			w := math.Exp(-(e - least) / c.T)
			p0, p1 := cfg[k][0], cfg[k][1]
			z += w
			s1 += w * p0
			s2 += w * p0 * p0
			s4 += w * p0 * p0 * p0 * p0
			c1 += w * p0 * p1
		}
		got, err := Phi4Ring(c.m2, c.lambda, c.h, c.T, c.L)
		if err != nil {
			t.Fatal(err)
		}
		what := fmt.Sprintf("m2 %v lambda %v h %v T %v L %d (grid %d)", c.m2, c.lambda, c.h, c.T, c.L, n)
		for _, q := range []struct {
			name      string
			got, want float64
		}{{"phi", got.Phi, s1 / z}, {"phi2", got.Phi2, s2 / z}, {"phi4", got.Phi4, s4 / z}, {"corr1", got.Corr1, c1 / z}} {
			// phi is 0 by symmetry at h = 0: absolute there, against phi2's scale
			scale := math.Max(math.Abs(q.want), 1e-3*math.Sqrt(s2/z))
			if !(math.Abs(q.got-q.want) <= 1e-9*scale) {
				t.Errorf("%s: %s %.12g, direct sum %.12g", what, q.name, q.got, q.want)
			}
		}
	}
}

// The closed forms of the sums over r against the two-point function
// <phi_0 phi_r> = Tr(Phi M^r Phi M^(L-r)) / Tr M^L from powers of the
// grid's matrix M itself, no eigenvectors, on rings of 4 to 12 sites.
func TestPhi4RingTwoPoint(t *testing.T) {
	for _, c := range ringCases[:5] {
		n, a, err := phi4RingGrid(c.m2, c.lambda, c.h, c.T, true)
		if err != nil {
			t.Fatal(err)
		}
		d := 2 * a / float64(n-1)
		p := make([]float64, n)
		m := newMat(n)
		for i := range p {
			p[i] = -a + d*float64(i)
		}
		v := func(x float64) float64 { return c.m2/2*x*x + c.lambda/4*x*x*x*x - c.h*x }
		for i := range m {
			for j := range m {
				g := p[j] - p[i]
				m[i][j] = d * math.Exp(-(g*g/2+v(p[i])/2+v(p[j])/2)/c.T)
			}
		}
		// pw[r] = M^r, scaled by its largest element so nothing overflows
		// (the scales cancel in each ratio of traces below)
		const maxL = 12
		pw := []mat{eye(n)}
		scale := []float64{0} // log of the factor taken out
		for r := 1; r <= maxL; r++ {
			next := pw[r-1].mul(m)
			big := 0.0
			for _, row := range next {
				for _, x := range row {
					big = max(big, math.Abs(x))
				}
			}
			for _, row := range next {
				for j := range row {
					row[j] /= big
				}
			}
			pw = append(pw, next)
			scale = append(scale, scale[r-1]+math.Log(big))
		}
		for L := 4; L <= maxL; L += 4 {
			// Tr(f(Phi) M^L) and Tr(Phi M^r Phi M^(L-r)), all times exp(-scale[L])
			z := 0.0
			for i := range n {
				z += pw[L][i][i]
			}
			var phi2, sk, m2 float64
			for i := range n {
				phi2 += p[i] * p[i] * pw[L][i][i]
			}
			corr := make([]float64, L)
			for r := range L {
				f := math.Exp(scale[r] + scale[L-r] - scale[L])
				var tr float64
				for i := range n {
					for j := range n {
						tr += p[i] * pw[r][i][j] * p[j] * pw[L-r][j][i]
					}
				}
				corr[r] = f * tr / z
				sk += corr[r] * math.Cos(2*math.Pi*float64(r)/float64(L))
				m2 += corr[r] / float64(L)
			}
			phi2 /= z
			got := mustRingOn(t, c.m2, c.lambda, c.h, c.T, L, n, a)
			want := got
			want.Phi2, want.Corr1, want.Gradient, want.Sk, want.M2 = phi2, corr[1], phi2-corr[1], sk, m2
			ringClose(t, fmt.Sprintf("m2 %v lambda %v h %v T %v L %d: matrix powers", c.m2, c.lambda, c.h, c.T, L), got, want, 1e-11)
		}
	}
}

// The generating function's <m> and <m^2> (which come with <m^3> and
// <m^4>) against Phi4Ring's Phi and M2 from the eigenstates' closed-form
// sums: to 1e-12 (measured: at most 1.4e-15), but for the deep double
// well's correlation length of 8e6 sites at L = 10^6 (as in
// TestPhi4RingRefinement: measured 9.6e-12).
func TestPhi4RingMoments(t *testing.T) {
	for _, c := range ringCases {
		for _, L := range []int{1, 2, 3, 16, 1000, 1000000} {
			v, err := Phi4Ring(c.m2, c.lambda, c.h, c.T, L)
			if err != nil {
				t.Fatal(err)
			}
			what := fmt.Sprintf("m2 %v lambda %v h %v T %v L %d", c.m2, c.lambda, c.h, c.T, L)
			tol := 1e-12
			if c.T == 0.05 && L == 1000000 {
				tol = 1e-10
			}
			dm2 := math.Abs(v.genM2/v.M2 - 1)
			dphi := math.Abs(v.genPhi-v.Phi) / math.Sqrt(v.Phi2)
			if !(dm2 <= tol) || !(dphi <= tol) {
				t.Errorf("%s: generating function's <m^2> %.15g, <m> %.15g; closed forms' %.15g, %.15g (relative %.2g, %.2g)", what, v.genM2, v.genPhi, v.M2, v.Phi, dm2, dphi)
			}
			t.Logf("%s: <m^2> relative %.2g, <m> %.2g; binder %.12g", what, dm2, dphi, 1-v.M4/(3*v.M2*v.M2))
		}
	}
}

// At lambda = 0 (m2 > 0) m is Gaussian: Phi4Ring's own <m> = mu and
// <m^2> = mu^2 + s^2 give <m^3> = mu^3 + 3 mu s^2 and <m^4> = mu^4 +
// 6 mu^2 s^2 + 3 s^4 (at h = 0 3 <m^2>^2: the Binder cumulant 0), to
// 1e-10 relative, on rings of 1 to 10^5.
func TestPhi4RingGaussianMoments(t *testing.T) {
	for _, c := range []struct{ m2, h, T float64 }{{0.5, 0, 1.5}, {2, 0, 0.7}, {0.5, 0.3, 1.5}, {2, -0.2, 0.7}, {0.2, 0.05, 1}} {
		for _, L := range []int{1, 2, 3, 7, 16, 1000, 100000} {
			v, err := Phi4Ring(c.m2, 0, c.h, c.T, L)
			if err != nil {
				t.Fatal(err)
			}
			mu := v.Phi
			if c.h == 0 {
				mu = 0
			}
			s2 := v.M2 - mu*mu
			m3 := mu*mu*mu + 3*mu*s2
			m4 := mu*mu*mu*mu + 6*mu*mu*s2 + 3*s2*s2
			d3 := math.Abs(v.M3-m3) / max(math.Abs(m3), math.Pow(v.M2, 1.5))
			d4 := math.Abs(v.M4/m4 - 1)
			what := fmt.Sprintf("Gaussian m2 %v h %v T %v L %d", c.m2, c.h, c.T, L)
			if !(d3 <= 1e-10) || !(d4 <= 1e-10) {
				t.Errorf("%s: <m^3> %.15g, <m^4> %.15g, want %.15g, %.15g (relative %.2g, %.2g)", what, v.M3, v.M4, m3, m4, d3, d4)
			}
			t.Logf("%s: <m^3> relative %.2g, <m^4> %.2g, binder %.2g (Gaussian's %.2g)", what, d3, d4, 1-v.M4/(3*v.M2*v.M2), 1-m4/(3*v.M2*v.M2))
		}
	}
}

// <m^3> and <m^4> are NaN where their work would exceed
// Phi4RingMomentWork (the Gaussian m2 = 0.01, T = 1 keeps 335 states: a
// ring of 10^6 takes 106 products), the other values unchanged, and given
// on a ring of 16 (16 products).
func TestPhi4RingMomentWork(t *testing.T) {
	long, err := Phi4Ring(0.01, 0, 0, 1, 1000000)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(long.M3) || !math.IsNaN(long.M4) || math.IsNaN(long.M2) {
		t.Errorf("m2 0.01 lambda 0 T 1 L 10^6: M2 %v, M3 %v, M4 %v: want M2 and NaN, NaN", long.M2, long.M3, long.M4)
	}
	short, err := Phi4Ring(0.01, 0, 0, 1, 16)
	if err != nil {
		t.Fatal(err)
	}
	if math.IsNaN(short.M4) {
		t.Errorf("m2 0.01 lambda 0 T 1 L 16: M4 NaN")
	}
	for L, want := range map[int]int{1: 0, 2: 4, 3: 4, 16: 16, 1000: 60, 1000000: 106} {
		if got := phi4RingProducts(L); got != want {
			t.Errorf("phi4RingProducts(%d) = %d, want %d", L, got, want)
		}
	}
}

// Phi4Ring refuses what it cannot compute: no quartic term with m2 <= 0,
// T <= 0, a ring of no sites, and a grid beyond Phi4RingMaxGrid (two
// wells far apart, each narrow).
func TestPhi4RingRefuses(t *testing.T) {
	for _, c := range []struct {
		m2, lambda, h, T float64
		L                int
	}{{-1, 0, 0, 1, 4}, {0, 0, 0.1, 1, 4}, {-1, 1, 0, 0, 4}, {-1, 1, 0, 1, 0}, {-1, 1e-6, 0, 1, 4}, {-1, 1, 0, 1e-7, 4}, {-1, 1, math.NaN(), 1, 4}} {
		if _, err := Phi4Ring(c.m2, c.lambda, c.h, c.T, c.L); err == nil {
			t.Errorf("Phi4Ring(%v, %v, %v, %v, %d): no error", c.m2, c.lambda, c.h, c.T, c.L)
		}
	}
}

// mustRingOn is phi4RingOn, failing the test on its error.
func mustRingOn(t *testing.T, m2, lambda, h, T float64, L, n int, a float64) Phi4RingValues {
	t.Helper()
	v, err := phi4RingOn(m2, lambda, h, T, L, n, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A ring of one site has no bonds, so its grid need not resolve their
// kernel: Phi4Ring's own (coarser) grid for it gives the values of a grid
// twice as fine to rounding, and the double well k (x^2 - 1)^2 (the
// particles' exact values) is refused above k/T = 1721.7 for any k (the
// bonds' curvature in the grid had refused it from k/T = 1375 at k = 1,
// and from about 100 at k = 0.01).
func TestPhi4RingOneSite(t *testing.T) {
	cases := append([]struct{ m2, lambda, h, T float64 }{{-4, 4, 0, 0.01}, {-0.04, 0.04, 0, 1e-4}, {-4e3, 4e3, 0, 10}}, ringCases...)
	for _, c := range cases {
		got, err := Phi4Ring(c.m2, c.lambda, c.h, c.T, 1)
		if err != nil {
			t.Fatal(err)
		}
		if n, _, err := phi4RingGrid(c.m2, c.lambda, c.h, c.T, true); err == nil && got.Grid > n {
			t.Errorf("%+v: a grid of %d points without bonds, %d with", c, got.Grid, n)
		}
		fine := mustRingOn(t, c.m2, c.lambda, c.h, c.T, 1, 2*got.Grid, got.A)
		sd := math.Sqrt(fine.Phi2)
		for i, v := range [][3]float64{{got.Phi, fine.Phi, sd}, {got.Phi2, fine.Phi2, fine.Phi2}, {got.Phi4, fine.Phi4, fine.Phi4}, {got.M2, fine.M2, fine.M2}} {
			if d := math.Abs(v[0] - v[1]); d > 1e-12*v[2] {
				t.Errorf("%+v: value %d %v on its own grid (%d points), %v on one twice as fine: %.2g of its scale", c, i, v[0], got.Grid, v[1], d/v[2])
			}
		}
	}
	for _, k := range []float64{1e-3, 1, 1e3} {
		if _, err := Phi4Ring(-4*k, 4*k, 0, k/1721, 1); err != nil {
			t.Errorf("k %v, k/T 1721: %v", k, err)
		}
		// and far above, where the grid's count passes 2^63 (it once
		// wrapped to a negative count, and a grid of 32 was accepted)
		for _, r := range []float64{1722, 1e20, 1e36, 1e40, 1e300} {
			if _, err := Phi4Ring(-4*k, 4*k, 0, k/r, 1); err == nil {
				t.Errorf("k %v, k/T %v: no error", k, r)
			}
		}
	}
}
