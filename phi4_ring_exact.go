package quench

import (
	"fmt"
	"math"
	"math/bits"

	gmat "gonum.org/v1/gonum/mat"
)

// Phi4RingMaxGrid bounds the transfer integral's grid (Phi4Ring): its
// eigen-decomposition costs O(n^3), measured 0.1 s at 400 points (and 7 s
// at 1024; the runs' defaults m2 = -1, lambda = 1, T = 1 need 70, 1 ms).
// Parameters that need more (lambda small against m2^2/T with m2 < 0,
// below 2.9e-4 at m2 = -1, T = 1: two wells far apart, each narrow; or
// T below 2.9e-4 at m2 = -1, lambda = 1; the double well k (x^2 - 1)^2,
// a ring of one site, above k/T = 1721.7 whatever k) get an error.
const Phi4RingMaxGrid = 400

// phi4RingCut is how far above the potential's minimum, in units of T, the
// grid's edge A lies: V(+-A) - min V >= 40 T, so a site's weight beyond
// it is below e^-40 = 4e-18 of the well's.
const phi4RingCut = 40

// phi4RingDrop is the height above the potential's least value on the
// grid, in units of T, past which a grid point is left out (phi4RingOn):
// twice the edges' phi4RingCut, so no point of an ordinary grid is.
const phi4RingDrop = 2 * phi4RingCut

// phi4RingSpacing is the grid spacing in units of the narrowest width
// sigma = sqrt(T/(2 + max d2V/dp2)) of the integrand over [-A, A] (the two
// bonds' curvature 2, on rings of more than one site, plus the potential's
// largest curvature there). The
// trapezoid rule's error on a Gaussian of width sigma at spacing d is
// about 2 exp(-2 pi^2 sigma^2/d^2): at d = 0.7 sigma, 1e-17.
const phi4RingSpacing = 0.7

// Phi4RingValues are the exact means, in the Boltzmann distribution
// exp(-H/T), of the phi^4 field on a periodic ring of L sites (Phi4Ring),
// in the definitions of the runs' observables.
type Phi4RingValues struct {
	// Phi is <phi_x>, the mean of the mean field m.
	Phi float64
	// Phi2 and Phi4 are <phi_x^2> and <phi_x^4>.
	Phi2, Phi4 float64
	// Corr1 is <phi_0 phi_1> (phi_1 is phi_0 itself on a ring of 1).
	Corr1 float64
	// Gradient is the gradient energy per site,
	// <(1/2L) sum_x (phi_{x+1} - phi_x)^2> = Phi2 - Corr1.
	Gradient float64
	// Sk is the structure factor |sum_x phi_x exp(-i k x)|^2 / L at
	// k = 2 pi/L: sum_r <phi_0 phi_r> cos(k r) (Phi2 on a ring of 1).
	Sk float64
	// M2 is <m^2>, m = L^-1 sum_x phi_x: L^-1 sum_r <phi_0 phi_r>.
	M2 float64
	// M3 and M4 are <m^3> and <m^4>, from the generating function of
	// M = L m (phi4RingMoments); M4 gives the Binder cumulant
	// 1 - <m^4>/(3 <m^2>^2). NaN where their cost would exceed
	// Phi4RingMomentWork.
	M3, M4 float64
	// Grid and A are the quadrature's: Grid points spaced evenly on
	// [-A, A], less those whose weight phi4RingDrop leaves out.
	Grid int
	A    float64
	// genPhi and genM2 are <m> and <m^2> from the generating function
	// (as M3 and M4), which the tests hold against Phi and M2.
	genPhi, genM2 float64
}

// Phi4Ring returns the exact Boltzmann means (Phi4RingValues) of the phi^4
// field with mass term m2, quartic coupling lambda > 0 (or 0 with m2 > 0,
// the Gaussian field, for tests) and field h at
// temperature T > 0 on a periodic ring of L >= 1 sites, by the transfer
// integral: with V(p) = m2/2 p^2 + lambda/4 p^4 - h p and the symmetric
// kernel
//
//	K(a, b) = exp(-[(b - a)^2/2 + V(a)/2 + V(b)/2]/T),
//
// Z = Tr K^L and <phi_0 phi_r> = Tr(Phi K^r Phi K^(L-r))/Z (Phi the
// multiplication by p), as the engine's ring has H = sum_x [(phi_{x+1} -
// phi_x)^2/2 + V(phi_x)] with x+1 taken mod L: a ring of 2 counts its bond
// twice, a ring of 1 has no gradient term (its neighbours are the site
// itself), and Tr K^L gives exactly these.
//
// K is discretized on an even grid over [-A, A] (the trapezoid rule, whose
// error falls exponentially with the grid's density for a smooth integrand
// that decays like exp(-lambda p^4/(4T))): A so that V(+-A) lies
// phi4RingCut T above V's minimum, the spacing phi4RingSpacing times the
// integrand's narrowest width, at least 32 points. The grid's matrix
// M_ij = d K(p_i, p_j) (spacing d) is positive definite (a Gaussian kernel
// between diagonal positive factors), so its eigenvalues mu_i, divided by
// the largest, lie in (0, 1] (rounding's negative ones are set to 0), and
// with u_i its eigenvectors
//
//	Z = sum_i mu_i^L,  <f(phi_x)> = sum_i mu_i^L <u_i|f|u_i> / Z,
//	sum_r c(r) <phi_0 phi_r> = sum_ij W_ij <u_i|Phi|u_j>^2 / Z,
//	W_ij = sum_{r=0}^{L-1} c(r) mu_i^(L-r) mu_j^r
//
// summed in closed form (geometric series, symmetrized over i and j), so
// any L costs the same O(n^3) in the grid's n points. <m^3> and <m^4>,
// sums over three and four sites, come from the generating function
// Tr (E(s) M)^L of M = L m (E(s) the multiplication by e^(s p)),
// expanded to s^4 and raised to the L-th power by repeated squaring
// (phi4RingMoments), O(r^3 log L) in the r eigenstates whose eigenvalues
// are not negligible; NaN where that would exceed Phi4RingMomentWork.
// An error where the
// grid would need more than Phi4RingMaxGrid points, or for parameters out
// of range.
func Phi4Ring(m2, lambda, h, T float64, L int) (Phi4RingValues, error) {
	if L < 1 {
		return Phi4RingValues{}, fmt.Errorf("Phi4Ring: a ring of %d sites", L)
	}
	n, a, err := phi4RingGrid(m2, lambda, h, T, L > 1)
	if err != nil {
		return Phi4RingValues{}, err
	}
	return phi4RingOn(m2, lambda, h, T, L, n, a)
}

// phi4RingGrid chooses Phi4Ring's grid: n points on [-a, a], fine enough
// for the bonds' Gaussian kernel too where the ring has bonds (more than
// one site; a ring of one has none, and its integrand is the site's
// weight alone).
func phi4RingGrid(m2, lambda, h, T float64, bonds bool) (n int, a float64, err error) {
	for _, v := range []float64{m2, lambda, h, T} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, 0, fmt.Errorf("Phi4Ring: m2 %v, lambda %v, h %v, T %v: all must be finite", m2, lambda, h, T)
		}
	}
	if !(T > 0) || !(lambda > 0 || lambda == 0 && m2 > 0) {
		return 0, 0, fmt.Errorf("Phi4Ring: lambda %v, m2 %v and T %v: T > 0, and lambda > 0, or lambda = 0 with m2 > 0 (the Gaussian field)", lambda, m2, T)
	}
	V := func(p float64) float64 { return p * (m2/2*p + lambda/4*p*p*p - h) }
	dV := func(p float64) float64 { return m2*p + lambda*p*p*p - h }
	// V' = lambda p^3 + m2 p - h has its real roots within the Cauchy
	// bound r; they are simple where V' changes sign, found by bisection
	// between the sign changes of a scan (a double root is an inflection,
	// neither V's minimum nor its outermost stationary point).
	r := 1 + max(math.Abs(m2), math.Abs(h))/lambda
	if lambda == 0 {
		r = 2 * (1 + math.Abs(h/m2)) // the one root h/m2
	}
	bisect := func(lo, hi float64, f func(float64) float64) float64 {
		flo := f(lo)
		for range 200 {
			mid := lo + (hi-lo)/2
			if mid == lo || mid == hi {
				break
			}
			if fm := f(mid); (fm < 0) == (flo < 0) {
				lo, flo = mid, fm
			} else {
				hi = mid
			}
		}
		return lo + (hi-lo)/2
	}
	const scan = 4096
	var roots []float64
	prev := dV(-r)
	for i := 1; i <= scan; i++ {
		p := -r + 2*r*float64(i)/scan
		if d := dV(p); (d < 0) != (prev < 0) {
			roots = append(roots, bisect(p-2*r/scan, p, dV))
			prev = d
		}
	}
	if len(roots) == 0 { // V' > 0 or < 0 at both ends cannot be: lambda > 0
		return 0, 0, fmt.Errorf("Phi4Ring: no minimum of V found for m2 %v, lambda %v, h %v", m2, lambda, h)
	}
	vmin := math.Inf(1)
	for _, p := range roots {
		vmin = min(vmin, V(p))
	}
	// beyond the outermost stationary points V grows monotonically:
	// the edges where it reaches vmin + cut T
	level := vmin + phi4RingCut*T
	edge := func(from, dir float64) float64 {
		if V(from) >= level {
			return from
		}
		step := max(1, math.Abs(from))
		to := from + dir*step
		for V(to) < level {
			step *= 2
			to = from + dir*step
		}
		return bisect(from, to, func(p float64) float64 { return V(p) - level })
	}
	a = max(edge(roots[len(roots)-1], 1), -edge(roots[0], -1))
	curv := max(0, m2+3*lambda*a*a) // d2V/dp2 = m2 + 3 lambda p^2 is largest at the edge
	if bonds {
		curv += 2 // the two bonds' curvature
	}
	sigma := math.Sqrt(T / curv)
	// counted in float64: beyond 2^63 points (a double well at k/T of
	// 1.8e36 or more) the conversion to int would wrap to a negative
	// count, which the floor of 32 turned into a grid accepted
	nf := math.Ceil(2*a/(phi4RingSpacing*sigma)) + 1
	if !(nf <= Phi4RingMaxGrid) || math.IsInf(a, 0) || math.IsNaN(a) {
		return 0, 0, fmt.Errorf("Phi4Ring: m2 %v, lambda %v, h %v, T %v need a grid of %.4g points on [-%.3g, %.3g], more than %d", m2, lambda, h, T, nf, a, a, Phi4RingMaxGrid)
	}
	n = max(int(nf), 32)
	return n, a, nil
}

// phi4RingOn evaluates Phi4Ring on the grid of n points over [-a, a].
func phi4RingOn(m2, lambda, h, T float64, L, n int, a float64) (Phi4RingValues, error) {
	d := 2 * a / float64(n-1)
	p := make([]float64, n)
	half := make([]float64, n) // V(p)/2, less its least value on the grid
	for i := range p {
		p[i] = -a + d*float64(i)
		x := p[i]
		half[i] = x * (m2/2*x + lambda/4*x*x*x - h) / 2
	}
	low := math.Inf(1)
	for _, v := range half {
		low = min(low, v)
	}
	// Points whose weight exp(-(V - min V)/T) lies below e^-phi4RingDrop
	// of the wells' are left out, as those beyond the edges are (at 40 T):
	// a barrier between deep wells, or the far side of a tilted potential,
	// would otherwise give rows that underflow to 0, on which the
	// eigen-decomposition reports success and returns garbage (a ring of 2
	// at m2 = -1, lambda = 3e-4, h = 1e-4, T = 1 gave <phi> 57.7 for 0.67).
	// A ring's configurations never need such a site (neighbours in
	// different wells are a kink, a term of the kernel between two kept
	// points), so each one left out changes Z by less than e^-80 per site.
	kept := 0
	for i := range p {
		if 2*(half[i]-low) <= phi4RingDrop*T {
			p[kept], half[kept] = p[i], half[i]
			kept++
		}
	}
	n, p, half = kept, p[:kept], half[:kept]
	k := gmat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			g := p[j] - p[i]
			k.SetSym(i, j, d*math.Exp(-(g*g/2+half[i]+half[j]-2*low)/T))
		}
	}
	var eig gmat.EigenSym
	if !eig.Factorize(k, true) {
		return Phi4RingValues{}, fmt.Errorf("Phi4Ring: the eigen-decomposition of the %d-point grid's kernel did not converge (m2 %v, lambda %v, h %v, T %v)", n, m2, lambda, h, T)
	}
	lam := eig.Values(nil)
	// the kernel is positive definite: its eigenvalues add up to its trace
	// and none is negative beyond rounding (a check on the decomposition,
	// which can report success on a matrix it did not decompose)
	var tr, sum float64
	for i := range n {
		tr += k.At(i, i)
		sum += lam[i]
	}
	if top := lam[n-1]; !(math.Abs(sum-tr) <= 1e-9*tr) || !(lam[0] >= -1e-9*top) {
		return Phi4RingValues{}, fmt.Errorf("Phi4Ring: the eigen-decomposition of the %d-point grid's kernel failed its check (eigenvalues sum to %.6g, trace %.6g, least %.3g) (m2 %v, lambda %v, h %v, T %v)", n, sum, tr, lam[0], m2, lambda, h, T)
	}
	var u gmat.Dense
	eig.VectorsTo(&u)
	top := lam[n-1] // ascending
	mu := make([]float64, n)
	pw := make([]float64, n) // mu^L
	for i, l := range lam {
		mu[i] = max(l/top, 0)
		pw[i] = math.Pow(mu[i], float64(L))
	}
	// <u_i|Phi|u_j>
	pu := gmat.NewDense(n, n, nil)
	for r := range n {
		for c := range n {
			pu.Set(r, c, p[r]*u.At(r, c))
		}
	}
	var phi gmat.Dense
	phi.Mul(u.T(), pu)
	var z, s1, s2, s4 float64
	for i := range n {
		if pw[i] == 0 {
			continue
		}
		var f2, f4 float64
		for r := range n {
			w := u.At(r, i) * u.At(r, i)
			x2 := p[r] * p[r]
			f2 += w * x2
			f4 += w * x2 * x2
		}
		z += pw[i]
		s1 += pw[i] * phi.At(i, i)
		s2 += pw[i] * f2
		s4 += pw[i] * f4
	}
	v := Phi4RingValues{Phi: s1 / z, Phi2: s2 / z, Phi4: s4 / z, Grid: n, A: a}
	// <phi_0 phi_1> = sum_ij mu_i^(L-1) mu_j Phi_ij^2 / Z, and the sums
	// over r with weights 1 (<m^2>) and cos(2 pi r/L) (S_k)
	fl := float64(L)
	sk2 := math.Sin(math.Pi / fl)
	oneMinusCos := 2 * sk2 * sk2 // 1 - cos(2 pi/L), without cancellation
	var c1, all, wave float64
	for i := range n {
		for j := range n {
			q := phi.At(i, j)
			q *= q
			if L == 1 {
				c1 += mu[j] * q
			} else {
				c1 += math.Pow(mu[i], fl-1) * mu[j] * q
			}
			hi, lo := max(mu[i], mu[j]), min(mu[i], mu[j])
			if hi == 0 {
				continue
			}
			phl := max(pw[i], pw[j])
			if phl == 0 {
				continue
			}
			x := lo / hi
			// 1 - x^L and 1 - x, accurate near x = 1
			omxl, omx := 1.0, 1.0
			if x > 0 {
				t := math.Log(x)
				omxl, omx = -math.Expm1(fl*t), -math.Expm1(t)
			}
			g := fl // sum_{r<L} x^r
			if omx > 0 {
				g = omxl / omx
			}
			// symmetrized over (i, j): W = hi^L [G(x) - (1 - x^L)/2]
			all += phl * (g - omxl/2) * q
			if L > 1 {
				// sum_{r<L} x^r cos(k r) = Re (1 - x^L)/(1 - x e^{ik}), e^{ikL} = 1
				den := omx*omx + 2*x*oneMinusCos
				re := omxl * (omx + x*oneMinusCos) / den
				wave += phl * (re - omxl/2) * q
			}
		}
	}
	v.Corr1 = c1 / z
	v.Gradient = v.Phi2 - v.Corr1
	v.M2 = all / z / fl
	v.Sk = wave / z
	if L == 1 {
		v.Gradient, v.Sk = 0, v.Phi2
	}
	v.M3, v.M4 = math.NaN(), math.NaN()
	if mom, ok := phi4RingMoments(p, &u, mu, L); ok {
		lp := fl * fl * fl
		v.M3, v.M4 = mom[3]/lp, mom[4]/(lp*fl)
		v.genPhi, v.genM2 = mom[1]/fl, mom[2]/(fl*fl)
	}
	return v, nil
}

// phi4RingMomentCut is the smallest eigenvalue, relative to the largest,
// that phi4RingMoments keeps: in Tr (Lambda Q(s))^L every state of the
// chain carries at least one factor of its eigenvalue, so the states
// below, whose eigenvalues the eigen-decomposition gives only to its
// rounding (about 1e-16 of the largest) anyway, change the moments by
// about as little.
const phi4RingMomentCut = 1e-18

// Phi4RingMomentWork bounds the work of <m^3> and <m^4> (Phi4Ring's M3
// and M4): the number of matrix products (phi4RingProducts, about 4 log2 L)
// times r^3, r the eigenstates kept (phi4RingMomentCut); beyond, they are
// NaN. At this bound they take about 0.5 s (measured: 14 ms a product at
// r = 372 on two cores). Every L below 2^31 stays within it at r <= 189
// (any int at r <= 149), L = 10^6 at r <= 266, rings of up to 16 sites
// at r <= 500 (more than the grid's n, Phi4RingMaxGrid, so at any
// grid). The runs' defaults, m2 = -1, lambda = 1, T = 1, keep 41 states; of a scan over decades of lambda
// (1e-3 to 10) and T (0.01 to 100) at m2 from -1 to 1, only flat wells
// at low T (lambda T <= 1e-4, m2 near 0) kept over 189 (at most 253).
const Phi4RingMomentWork = 2e9

// phi4RingMoments returns <M^k>, k = 0 to 4, M = sum_x phi_x, on a ring of
// L sites: p the grid, u the eigenvectors (columns) of its matrix and mu
// their eigenvalues divided by the largest. The generating function
//
//	Z(s) = Tr (E(s) K)^L = Tr C(s)^L,  C(s) = Lambda^1/2 U^T E(s) U Lambda^1/2,
//
// with E(s) the multiplication by e^(s p), has <M^k> = Z^(k)(0)/Z(0). C
// is a power series in s with symmetric n x n coefficients
// C_k = Lambda^1/2 U^T diag(p^k) U Lambda^1/2 / k!, of which the first
// five give the fourth derivative: C(s)^L truncated after s^4 is a
// product in that ring, taken by repeated squaring (log2 L squarings and
// at most as many products). Every power of C is a power series of
// commuting symmetric matrices whose constant term Lambda^N is diagonal,
// so a squaring takes 4 n x n products (A1 A1, A1 A2, A1 A3, A2 A2; A2 A1
// is (A1 A2)^T) and a product of two powers 6; the last one only its
// trace. The states with mu below phi4RingMomentCut are left out.
func phi4RingMoments(p []float64, u *gmat.Dense, mu []float64, L int) (mom [5]float64, ok bool) {
	n := len(p)
	var keep []int
	for i := range n {
		if mu[i] >= phi4RingMomentCut {
			keep = append(keep, i)
		}
	}
	r := len(keep)
	if fr := float64(r); float64(phi4RingProducts(L))*fr*fr*fr > Phi4RingMomentWork {
		return mom, false
	}
	// U's kept columns, and diag(p^k) U
	ur := gmat.NewDense(n, r, nil)
	for c, i := range keep {
		for row := range n {
			ur.Set(row, c, u.At(row, i))
		}
	}
	c := ringSeries{d: make([]float64, r)}
	sq := make([]float64, r)
	for c2, i := range keep {
		c.d[c2] = mu[i]
		sq[c2] = math.Sqrt(mu[i])
	}
	pk := gmat.NewDense(n, r, nil)
	pk.Copy(ur)
	fact := 1.0
	for k := 1; k <= 4; k++ {
		fact *= float64(k)
		for row := range n {
			for col := range r {
				pk.Set(row, col, pk.At(row, col)*p[row])
			}
		}
		m := gmat.NewDense(r, r, nil)
		m.Mul(ur.T(), pk)
		for i := range r {
			for j := range r {
				m.Set(i, j, sq[i]*m.At(i, j)*sq[j]/fact)
			}
		}
		symmetrize(m)
		c.m[k-1] = m
	}
	// C^L: acc holds the product of the powers C^(2^b) of L's bits so far
	var acc *ringSeries
	pow := c
	var tr [5]float64
	for b := L; ; b >>= 1 {
		if b&1 == 1 {
			switch {
			case acc == nil && b == 1:
				tr = pow.trace()
			case acc == nil:
				cp := pow.clone()
				acc = &cp
			case b == 1:
				tr = acc.mulTrace(&pow)
			default:
				next := acc.mul(&pow)
				acc = &next
			}
		}
		if b <= 1 {
			break
		}
		pow = pow.square()
	}
	fact = 1
	for k := range 5 {
		if k > 0 {
			fact *= float64(k)
		}
		mom[k] = fact * tr[k] / tr[0]
	}
	return mom, true
}

// phi4RingProducts is the number of r x r matrix products that
// phi4RingMoments takes on a ring of L sites: 4 for each of the
// floor(log2 L) squarings, 6 for each set bit of L after the first
// two (the last product is a trace).
func phi4RingProducts(L int) int {
	sq := bits.Len(uint(L)) - 1
	return 4*sq + 6*max(bits.OnesCount(uint(L))-2, 0)
}

// ringSeries is a power series in s truncated after s^4 whose
// coefficients are symmetric r x r matrices: d the diagonal constant
// term, m[k-1] the coefficient of s^k.
type ringSeries struct {
	d []float64
	m [4]*gmat.Dense
}

func (a *ringSeries) clone() ringSeries {
	b := ringSeries{d: append([]float64(nil), a.d...)}
	for k, m := range a.m {
		b.m[k] = gmat.DenseCopyOf(m)
	}
	return b
}

// trace is Tr of each coefficient.
func (a *ringSeries) trace() [5]float64 {
	var t [5]float64
	for i, x := range a.d {
		t[0] += x
		for k := range 4 {
			t[k+1] += a.m[k].At(i, i)
		}
	}
	return t
}

// square is a(s)^2: coefficient k is sum_{i+j=k} A_i A_j, with
// A_0 A_k + A_k A_0 = (d_i + d_j) (A_k)_ij and A_j A_i = (A_i A_j)^T.
func (a *ringSeries) square() ringSeries {
	r := len(a.d)
	var p11, p12, p13, p22 gmat.Dense
	p11.Mul(a.m[0], a.m[0])
	p12.Mul(a.m[0], a.m[1])
	p13.Mul(a.m[0], a.m[2])
	p22.Mul(a.m[1], a.m[1])
	out := ringSeries{d: make([]float64, r)}
	for i, x := range a.d {
		out.d[i] = x * x
	}
	for k := range 4 {
		out.m[k] = gmat.NewDense(r, r, nil)
	}
	for i := range r {
		for j := i; j < r; j++ {
			s := a.d[i] + a.d[j]
			c1 := s * a.m[0].At(i, j)
			c2 := s*a.m[1].At(i, j) + p11.At(i, j)
			c3 := s*a.m[2].At(i, j) + p12.At(i, j) + p12.At(j, i)
			c4 := s*a.m[3].At(i, j) + p13.At(i, j) + p13.At(j, i) + p22.At(i, j)
			for k, x := range [4]float64{c1, c2, c3, c4} {
				out.m[k].Set(i, j, x)
				out.m[k].Set(j, i, x)
			}
		}
	}
	return out
}

// mul is a(s) b(s) for commuting a and b (powers of one series), whose
// product is symmetric again.
func (a *ringSeries) mul(b *ringSeries) ringSeries {
	r := len(a.d)
	var p11, p12, p21, p13, p31, p22 gmat.Dense
	p11.Mul(a.m[0], b.m[0])
	p12.Mul(a.m[0], b.m[1])
	p21.Mul(a.m[1], b.m[0])
	p13.Mul(a.m[0], b.m[2])
	p31.Mul(a.m[2], b.m[0])
	p22.Mul(a.m[1], b.m[1])
	out := ringSeries{d: make([]float64, r)}
	for i := range r {
		out.d[i] = a.d[i] * b.d[i]
	}
	for k := range 4 {
		out.m[k] = gmat.NewDense(r, r, nil)
	}
	for i := range r {
		for j := range r {
			// A_0 B_k + A_k B_0 = a.d_i (B_k)_ij + (A_k)_ij b.d_j
			ai, bj := a.d[i], b.d[j]
			out.m[0].Set(i, j, ai*b.m[0].At(i, j)+a.m[0].At(i, j)*bj)
			out.m[1].Set(i, j, ai*b.m[1].At(i, j)+a.m[1].At(i, j)*bj+p11.At(i, j))
			out.m[2].Set(i, j, ai*b.m[2].At(i, j)+a.m[2].At(i, j)*bj+p12.At(i, j)+p21.At(i, j))
			out.m[3].Set(i, j, ai*b.m[3].At(i, j)+a.m[3].At(i, j)*bj+p13.At(i, j)+p31.At(i, j)+p22.At(i, j))
		}
	}
	for k := range 4 {
		symmetrize(out.m[k])
	}
	return out
}

// mulTrace is Tr of each coefficient of a(s) b(s), without the product:
// Tr(A_i B_j) = sum_kl (A_i)_kl (B_j)_kl for symmetric B_j.
func (a *ringSeries) mulTrace(b *ringSeries) [5]float64 {
	dot := func(x, y *gmat.Dense) float64 {
		var s float64
		r, _ := x.Dims()
		for i := range r {
			for j := range r {
				s += x.At(i, j) * y.At(i, j)
			}
		}
		return s
	}
	var t [5]float64
	for i := range a.d {
		t[0] += a.d[i] * b.d[i]
		for k := range 4 {
			t[k+1] += a.d[i]*b.m[k].At(i, i) + a.m[k].At(i, i)*b.d[i]
		}
	}
	t[2] += dot(a.m[0], b.m[0])
	t[3] += dot(a.m[0], b.m[1]) + dot(a.m[1], b.m[0])
	t[4] += dot(a.m[0], b.m[2]) + dot(a.m[2], b.m[0]) + dot(a.m[1], b.m[1])
	return t
}

// symmetrize sets m to (m + m^T)/2.
func symmetrize(m *gmat.Dense) {
	r, _ := m.Dims()
	for i := range r {
		for j := i + 1; j < r; j++ {
			x := (m.At(i, j) + m.At(j, i)) / 2
			m.Set(i, j, x)
			m.Set(j, i, x)
		}
	}
}
