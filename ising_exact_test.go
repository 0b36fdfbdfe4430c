package quench

import (
	"math"
	"testing"
)

// Kaufman's finite-lattice values against the published ones
// (docs/exact-values.md): L = 4 at T = 2 and Tc (which the tests'
// enumeration reproduces), and L = 16 at exactly Kc.
func TestIsingExact2DPublished(t *testing.T) {
	kc := math.Log(1+math.Sqrt2) / 2
	for _, c := range []struct {
		l       int
		k, u, c float64
		tol     float64
	}{
		{4, 0.5, -1.755380288777, 0.605532657, 1e-9},
		{4, kc, -1.565623787638, 0.783266826, 1e-9},
		{16, kc, -1.4530648528, 1.4987049594, 1e-10},
	} {
		u, ch, err := IsingExact2D(c.l, c.l, c.k)
		if err != nil || math.Abs(u-c.u) > c.tol || math.Abs(ch-c.c) > c.tol {
			t.Errorf("L=%d K=%v: u %.12f c %.12f (%v); want %.12f %.12f", c.l, c.k, u, ch, err, c.u, c.c)
		}
	}
}

// Extreme K and huge lattices: what a run may ask for. Beyond K = 177
// cosh^2 2K overflowed and u, c came out NaN (a run at T = 0.005 could not
// write summary.json); below K = 1e-154 likewise; the specific heat was
// the difference of numbers of order N^2 (65536^2 at K = 5: -2.4e-5, at
// K = 3: 0, at K = 1e-4: -4.8e-7) and u of ones of order N/K (K = 1e-20:
// u = -32768).
func TestIsingExact2DExtremes(t *testing.T) {
	for _, k := range []float64{60, 178, 200, 1e10, math.MaxFloat64} {
		u, c, err := IsingExact2D(8, 6, k)
		if err != nil || u != -2 || c != 0 {
			t.Errorf("K=%v: u %v c %v (%v); want -2, 0", k, u, c, err)
		}
	}
	// far from Kc, a huge lattice's values are its small twin's (the
	// finite-size part is e^-L/xi): c to 1e-12, and never negative
	for _, k := range []float64{1e-4, 0.1, 1, 2, 3, 5, 8} {
		u0, c0, _ := IsingExact2D(64, 64, k)
		u, c, err := IsingExact2D(65536, 65536, k)
		if err != nil || !(math.Abs(u-u0) <= 1e-14) || !(math.Abs(c-c0) <= 1e-12) || c < 0 {
			t.Errorf("65536^2 K=%v: u %.16g c %.10g (%v); 64^2: %.16g %.10g", k, u, c, err, u0, c0)
		}
	}
	// the high-temperature limit: u = -f K, c = f K^2, f the bonds per
	// spin counted with multiplicity (2 along an extent of 2)
	for _, c := range []struct {
		r, m int
		f    float64
	}{{2, 2, 4}, {2, 5, 3}, {5, 2, 3}, {3, 3, 2}, {65536, 65536, 2}} {
		for _, k := range []float64{1e-150, 1e-20, 1e-9, 1e-7} {
			u, ch, err := IsingExact2D(c.r, c.m, k)
			tol := 3 * k // the next order (a loop of 3 along an extent of 3)
			if err != nil || !(math.Abs(u/(-c.f*k)-1) <= tol+1e-7) || !(math.Abs(ch/(c.f*k*k)-1) <= tol+1e-7) {
				t.Errorf("%dx%d K=%v: u %v c %v (%v); want about %v, %v", c.r, c.m, k, u, ch, err, -c.f*k, c.f*k*k)
			}
		}
	}
	// references in 40 digits (mpmath: Kaufman's ln Z and its numerical
	// derivatives), at Kc and off it, on long strips and 65536^2
	kc := math.Log(1+math.Sqrt2) / 2
	for _, c := range []struct {
		r, m     int
		k, u, c  float64
		tolU, tc float64
	}{
		{65536, 2, kc, -math.Sqrt2, 0.50858407933515924815, 1e-15, 1e-14},
		{2, 65536, kc, -math.Sqrt2, 0.50858407933515924815, 1e-15, 1e-14},
		{2048, 2, 0.3, -0.97820061165755204632, 0.30902623991337577982, 1e-15, 1e-14},
		{2048, 2, 0.5, -1.5546696563703951969, 0.52894353846644854753, 1e-15, 1e-14},
		{65536, 65536, kc, -1.4142230600455305523, 5.6227553657915747542, 1e-11, 1e-7},
		{1024, 1024, 0.4406868, -1.4148215323857855815, 3.5658579185960828987, 1e-13, 1e-9},
	} {
		u, ch, err := IsingExact2D(c.r, c.m, c.k)
		if err != nil || !(math.Abs(u-c.u) <= c.tolU) || !(math.Abs(ch-c.c) <= c.tc) {
			t.Errorf("%dx%d K=%v: u %.17g c %.17g (%v); want %.17g %.17g", c.r, c.m, c.k, u, ch, err, c.u, c.c)
		}
	}
}

// c = -K^2 du/dK: the analytic second derivative against central
// differences of the first, across Tc (where Z_4's factor changes form).
func TestIsingExact2DDerivatives(t *testing.T) {
	for _, sh := range [][2]int{{4, 2}, {2, 5}, {3, 3}, {16, 16}, {64, 7}} {
		for k := 0.05; k < 2; k += 0.0013 {
			const h = 1e-5
			up, _, _ := IsingExact2D(sh[0], sh[1], k+h)
			um, _, _ := IsingExact2D(sh[0], sh[1], k-h)
			_, c, _ := IsingExact2D(sh[0], sh[1], k)
			if fd := -k * k * (up - um) / (2 * h); !(math.Abs(fd-c) <= 1e-7) {
				t.Errorf("%v K=%v: c %.12g, -K^2 du/dK %.12g", sh, k, c, fd)
			}
		}
	}
}

// Below about K = 1e-5 Kaufman's form is checked against the cumulant
// series of the lattice's own density of states, enumerated here (2x3,
// 3x3, 3x4): <E> = k1 - K k2 + K^2 k3/2 - K^3 k4/6 and Var E = k2 - K k3 +
// K^2 k4/2, whose next terms are far below rounding there. Lattices with an
// extent of 3 have loops of 3 bonds, so u departs from -f K at relative
// order K (3x3 at K = 5e-7: 5e-13 absolute), which the first-order form
// of isingExactKMin, used there, would miss.
func TestIsingExact2DSmallKSeries(t *testing.T) {
	for _, sh := range [][2]int{{2, 3}, {3, 3}, {3, 4}} {
		r, c := sh[0], sh[1]
		n := r * c
		var m [5]float64 // raw moments of E, integers summed exactly
		for st := 0; st < 1<<n; st++ {
			s := func(i, j int) int { return 1 - 2*(st>>((i%r)*c+j%c)&1) }
			e := 0
			for i := range r {
				for j := range c {
					e -= s(i, j) * (s(i+1, j) + s(i, j+1))
				}
			}
			for p, x := 0, 1.0; p < 5; p, x = p+1, x*float64(e) {
				m[p] += x
			}
		}
		for p := 1; p < 5; p++ {
			m[p] /= m[0]
		}
		k1, k2 := m[1], m[2]-m[1]*m[1]
		k3 := m[3] - 3*m[2]*m[1] + 2*math.Pow(m[1], 3)
		k4 := m[4] - 4*m[3]*m[1] - 3*m[2]*m[2] + 12*m[2]*m[1]*m[1] - 6*math.Pow(m[1], 4)
		for _, k := range []float64{2e-8, 1e-7, 5e-7, 1e-6, 3e-6, 1e-5} {
			wu := (k1 - k*k2 + k*k*k3/2 - k*k*k*k4/6) / float64(n)
			wc := k * k * (k2 - k*k3 + k*k*k4/2) / float64(n)
			u, ch, err := IsingExact2D(r, c, k)
			if err != nil || !(math.Abs(u-wu) <= 2e-15) || !(math.Abs(ch-wc) <= 1e-12*wc) {
				t.Errorf("%dx%d K=%v: u %.17g c %.17g (%v); series %.17g %.17g", r, c, k, u, ch, err, wu, wc)
			}
		}
	}
}

// Extents below 2 and K that is not a positive finite number are refused.
func TestIsingExact2DRefuses(t *testing.T) {
	for _, c := range []struct {
		r, m int
		k    float64
	}{{4, 1, 0.5}, {1, 4, 0.5}, {0, 4, 0.5}, {4, 4, 0}, {4, 4, -0.3}, {4, 4, math.NaN()}, {4, 4, math.Inf(1)}, {4, 4, math.Inf(-1)}} {
		if u, ch, err := IsingExact2D(c.r, c.m, c.k); err == nil {
			t.Errorf("%dx%d K=%v: u %v c %v, no error", c.r, c.m, c.k, u, ch)
		}
	}
}
