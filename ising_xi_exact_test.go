package quench

import (
	"math"
	"math/bits"
	"testing"

	gmat "gonum.org/v1/gonum/mat"
)

// isingFourierEnum holds the sums over all 2^(L*L) configurations of a
// periodic L x L lattice, by bond sum E = sum_x (s_x s_{x+e1} + s_x s_{x+e2})
// (index E + 2V): the number of configurations and their sums of M^2, of
// |sum_x s_x exp(2 pi i x_a/L)|^2 along each axis a, and of M^2 less the
// first of these (for chi0 - f, without cancellation at small K).
type isingFourierEnum struct {
	L                       int
	count, m2, f1, f2, diff []float64
}

func enumerateIsingFourier(L int) isingFourierEnum {
	v := L * L
	e := isingFourierEnum{L: L}
	for _, p := range []*[]float64{&e.count, &e.m2, &e.f1, &e.f2, &e.diff} {
		*p = make([]float64, 4*v+1)
	}
	cs := make([]float64, L)
	sn := make([]float64, L)
	for x := range L {
		cs[x] = math.Cos(2 * math.Pi * float64(x) / float64(L))
		sn[x] = math.Sin(2 * math.Pi * float64(x) / float64(L))
		// exact 0 and +-1 at L = 2, 4, so that the sums are integers
		// and the ground states' are exactly 0 (f is 7e-35 at K = 10)
		for _, p := range []*float64{&cs[x], &sn[x]} {
			if r := math.Round(*p); math.Abs(*p-r) < 1e-12 {
				*p = r
			}
		}
	}
	spin := func(c, x, y int) int { // site (x, y) is bit x + L y; set is -1
		return 1 - 2*(c>>((x%L)+L*(y%L))&1)
	}
	for c := range 1 << v {
		var en, m int
		var c1, s1, c2, s2 float64
		for y := range L {
			for x := range L {
				s := spin(c, x, y)
				en += s * (spin(c, x+1, y) + spin(c, x, y+1))
				m += s
				c1 += float64(s) * cs[x]
				s1 += float64(s) * sn[x]
				c2 += float64(s) * cs[y]
				s2 += float64(s) * sn[y]
			}
		}
		k := en + 2*v
		e.count[k]++
		e.m2[k] += float64(m * m)
		e.f1[k] += c1*c1 + s1*s1
		e.f2[k] += c2*c2 + s2*s2
		e.diff[k] += float64(m*m) - (c1*c1 + s1*s1)
	}
	return e
}

// at returns chi0, f along both axes, and chi0 - f (from the first) at K.
func (e isingFourierEnum) at(K float64) (chi0, f1, f2, g float64) {
	v := e.L * e.L
	var z, m2, a, b, d float64
	for k := range e.count {
		if e.count[k] == 0 {
			continue
		}
		x := K * float64(k-4*v)
		w := math.Exp(x) // relative to the ground states'
		z += w * e.count[k]
		m2 += w * e.m2[k]
		a += w * e.f1[k]
		b += w * e.f2[k]
		// the diff's sum over all configurations is 0 (<M^2> and
		// <|F|^2> are both V at K = 0), so its weights may be w - 1,
		// which keep their precision at small K, where the sum is O(K)
		d += math.Expm1(x) * e.diff[k]
	}
	fv := float64(v) * z
	return m2 / fv, a / fv, b / fv, d / fv
}

func isingFourierRel(a, b float64) float64 { return math.Abs(a-b) / math.Max(math.Abs(a), math.Abs(b)) }

func TestIsingFourier2DEnumeration(t *testing.T) {
	for _, L := range []int{2, 4} {
		e := enumerateIsingFourier(L)
		for _, K := range []float64{1e-6, 1e-3, 0.1, 0.3, 0.4406868, 0.6, 1.5, 3, 5, 10} {
			c, f1, f2, g := e.at(K)
			if d := isingFourierRel(f1, f2); d > 1e-13 {
				t.Errorf("L %d K %v: enumeration's f along the two axes %.17g and %.17g differ by %.3g", L, K, f1, f2, d)
			}
			chi0, f, err := IsingFourier2D(L, K)
			if err != nil {
				t.Fatalf("L %d K %v: %v", L, K, err)
			}
			xi, err := IsingXi2D(L, K)
			if err != nil {
				t.Fatalf("L %d K %v: %v", L, K, err)
			}
			xe := math.Sqrt(g/f1) / (2 * math.Sin(math.Pi/float64(L)))
			if d := isingFourierRel(chi0, c); d > 1e-12 {
				t.Errorf("L %d K %v: chi0 %.17g, enumeration %.17g (rel %.3g)", L, K, chi0, c, d)
			}
			if d := isingFourierRel(f, f1); d > 1e-12 {
				t.Errorf("L %d K %v: f %.17g, enumeration %.17g (rel %.3g)", L, K, f, f1, d)
			}
			if d := isingFourierRel(xi, xe); d > 1e-12 {
				t.Errorf("L %d K %v: xi %.17g, enumeration %.17g (rel %.3g)", L, K, xi, xe, d)
			}
		}
	}
}

func TestIsingFourier2DLimits(t *testing.T) {
	// first order in K: C(0) = 1 and each of the four neighbours K (at
	// L = 2 the two along an axis are one site joined twice: 2K)
	const k = 1e-3
	for _, L := range []int{2, 3, 4, 8} {
		chi0, f, err := IsingFourier2D(L, k)
		if err != nil {
			t.Fatal(err)
		}
		wc, wf := 1+4*k, 1+2*k*(1+math.Cos(2*math.Pi/float64(L)))
		if math.Abs(chi0-wc) > 40*k*k || math.Abs(f-wf) > 40*k*k {
			t.Errorf("L %d K %v: chi0 %.15g f %.15g, to first order %.15g %.15g", L, k, chi0, f, wc, wf)
		}
	}
	// below isingFourierKMin, the first order itself; just above, the
	// transfer matrix agrees with it
	for _, k := range []float64{5e-324, 1e-30, 2e-20, 1e-12} {
		for _, L := range []int{2, 3, 8} {
			chi0, f, err := IsingFourier2D(L, k)
			if err != nil {
				t.Fatal(err)
			}
			xi, err := IsingXi2D(L, k)
			if err != nil {
				t.Fatal(err)
			}
			wf := 1 + 2*k*(1+math.Cos(2*math.Pi/float64(L)))
			if isingFourierRel(chi0, 1+4*k) > 1e-15 || isingFourierRel(f, wf) > 1e-15 || isingFourierRel(xi, math.Sqrt(k)) > 1e-11 {
				t.Errorf("L %d K %v: chi0 %.17g f %.17g xi %.17g, to first order %.17g %.17g %.17g", L, k, chi0, f, xi, 1+4*k, wf, math.Sqrt(k))
			}
		}
	}
	chi0, f, err := IsingFourier2D(4, 5)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(chi0-16) > 1e-12 || !(f > 0 && f < 1e-15) {
		t.Errorf("L 4 K 5: chi0 %.17g (want 16), f %.3g (want ~0+)", chi0, f)
	}
	if xi, err := IsingXi2D(4, 5); err != nil || !(xi > 1e7) || math.IsInf(xi, 0) {
		t.Errorf("L 4 K 5: xi %v, %v", xi, err)
	}
	// At K = 10 all that is left of f is a single flipped spin, |F|^2 = 4
	// with weight e^(-8K) at each site: f = 4 e^(-8K) (1 + O(e^(-4K)),
	// 4e-18), and chi0 = V (1 - O(e^(-8K))).
	const kb = IsingFourierMaxK
	for _, L := range []int{3, 4, 6, 8, 10} {
		chi0, f, err := IsingFourier2D(L, kb)
		if err != nil {
			t.Fatal(err)
		}
		if w := 4 * math.Exp(-8*kb); isingFourierRel(f, w) > 1e-11 || isingFourierRel(chi0, float64(L*L)) > 1e-14 {
			t.Errorf("L %d K %v: chi0 %.17g f %.17g, want %d and %.17g", L, kb, chi0, f, L*L, w)
		}
	}
}

// isingFourierPowers computes chi0 and f along both axes by explicit
// powers of the full 2^L x 2^L transfer matrix (gonum Dense products, no
// eigenvalues): f1 across the rows from <R(0) R(r)>, f2 along them from
// <C(0) C(r)> + <S(0) S(r)>, C and S a row's cos and sin Fourier sums.
func isingFourierPowers(L int, K float64) (chi0, f1, f2 float64) {
	n := 1 << L
	mask := n - 1
	fl := float64(L)
	h := make([]float64, n)
	obs := make([][]float64, 3) // R, C, S
	for o := range obs {
		obs[o] = make([]float64, n)
	}
	for b := range n {
		rot := (b<<1 | b>>(L-1)) & mask
		h[b] = float64(L - 2*bits.OnesCount(uint(b^rot)))
		for x := range L {
			s := float64(1 - 2*(b>>x&1))
			obs[0][b] += s
			obs[1][b] += s * math.Cos(2*math.Pi*float64(x)/fl)
			obs[2][b] += s * math.Sin(2*math.Pi*float64(x)/fl)
		}
	}
	t := gmat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			a := float64(L - 2*bits.OnesCount(uint(i^j)))
			t.Set(i, j, math.Exp(K*(a+(h[i]+h[j])/2-2*fl)))
		}
	}
	pw := make([]*gmat.Dense, L+1) // T^r
	pw[0] = gmat.NewDense(n, n, nil)
	for i := range n {
		pw[0].Set(i, i, 1)
	}
	for r := 1; r <= L; r++ {
		pw[r] = gmat.NewDense(n, n, nil)
		pw[r].Mul(pw[r-1], t)
	}
	var z float64
	for i := range n {
		z += pw[L].At(i, i)
	}
	corr := func(o []float64, r int) float64 { // Tr(O T^r O T^(L-r)) / Z
		var s float64
		for i := range n {
			for j := range n {
				s += o[i] * pw[r].At(i, j) * o[j] * pw[L-r].At(j, i)
			}
		}
		return s / z
	}
	for r := range L {
		c := corr(obs[0], r)
		chi0 += c
		f1 += math.Cos(2*math.Pi*float64(r)/fl) * c
		f2 += corr(obs[1], r) + corr(obs[2], r)
	}
	return chi0 / fl, f1 / fl, f2 / fl
}

func TestIsingFourier2DPowers(t *testing.T) {
	for _, L := range []int{6, 8} {
		for _, K := range []float64{0.3, 0.4406868, 0.6} {
			c, f1, f2 := isingFourierPowers(L, K)
			chi0, f, err := IsingFourier2D(L, K)
			if err != nil {
				t.Fatal(err)
			}
			if d := isingFourierRel(chi0, c); d > 1e-12 {
				t.Errorf("L %d K %v: chi0 %.17g, by matrix powers %.17g (rel %.3g)", L, K, chi0, c, d)
			}
			// f1, a sum of cos(2 pi r/L) C(r), cancels to about 1e-11
			// at K = 0.6 (C(r) near V); f2 does not
			if d := max(isingFourierRel(f, f1)/10, isingFourierRel(f, f2)); d > 1e-12 {
				t.Errorf("L %d K %v: f %.17g, by matrix powers %.17g across and %.17g along the rows (rel %.3g)", L, K, f, f1, f2, d)
			}
		}
	}
}

func TestIsingXi2DL8(t *testing.T) {
	const L = 8
	prev := 0.0
	for _, K := range []float64{0.1, 0.2, 0.3, 0.4, 0.4406868, 0.5, 0.7, 1} {
		chi0, f, err := IsingFourier2D(L, K)
		if err != nil {
			t.Fatal(err)
		}
		xi, err := IsingXi2D(L, K)
		if err != nil {
			t.Fatal(err)
		}
		if math.IsInf(chi0, 0) || math.IsNaN(chi0) || !(chi0 > f && f > 0) || !(chi0 <= L*L) {
			t.Errorf("L %d K %v: chi0 %v f %v", L, K, chi0, f)
		}
		if w := math.Sqrt(chi0/f-1) / (2 * math.Sin(math.Pi/L)); isingFourierRel(xi, w) > 1e-12 {
			t.Errorf("L %d K %v: xi %.17g, from chi0 and f %.17g", L, K, xi, w)
		}
		if !(xi > prev) || math.IsInf(xi, 0) {
			t.Errorf("L %d K %v: xi %v after %v", L, K, xi, prev)
		}
		prev = xi
	}
}

func TestIsingFourier2DRefuses(t *testing.T) {
	for _, c := range []struct {
		L int
		K float64
	}{
		{1, 0.4}, {0, 0.4}, {-2, 0.4}, {IsingFourierMaxL + 1, 0.4},
		{4, 0}, {4, -0.4}, {4, math.NaN()}, {4, math.Inf(1)}, {4, math.Inf(-1)},
		{4, math.Nextafter(IsingFourierMaxK, 11)}, {4, 1000},
	} {
		if _, _, err := IsingFourier2D(c.L, c.K); err == nil {
			t.Errorf("IsingFourier2D(%d, %v): no error", c.L, c.K)
		}
		if _, err := IsingXi2D(c.L, c.K); err == nil {
			t.Errorf("IsingXi2D(%d, %v): no error", c.L, c.K)
		}
	}
}
