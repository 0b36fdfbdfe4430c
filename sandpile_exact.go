package quench

import (
	"fmt"
	"math"
	"math/bits"

	"gonum.org/v1/gonum/dsp/fourier"
)

// SandpileHeights2D are the stationary probabilities of heights 0..3 of
// the 2D BTW pile on the infinite lattice (Priezzhev 1994; closed forms by
// Jeng, Piroux and Ruelle 2006), whose mean is 17/8: a finite pile's
// central box approaches them (docs/exact-values.md).
var SandpileHeights2D = [4]float64{0.0736362, 0.1738999, 0.3062915, 0.4461724}

// SandpileMeanSizeMaxTerms bounds the eigenmode sum of SandpileMeanSize:
// the product over the axes of (L+1)/2, about N/2^d (2^31 terms take a few
// seconds; a 2048^3 pile has 2^30).
const SandpileMeanSizeMaxTerms = 1 << 31

// SandpileMeanSize returns Dhar's exact results for the stationary BTW
// pile on lat (threshold 2d, open boundaries, every site with 2d
// neighbours): with the toppling matrix Delta = 2d I - A and w = Delta^-1 1,
// a grain added at site a topples w(a) times on average, so the mean
// avalanche size of grains at uniform sites is mean = (1/N) 1^T Delta^-1 1,
// and varSite is the variance of w(a) over the sites. Each grain's size is
// w(a) plus the change of Phi = sum_x w(x) h(x) that its relaxation makes
// (minus its fall), so the mean size of n grains is the mean of their
// w(a_i), whose error is sqrt(varSite/n), plus (Phi_0 - Phi_n)/n, bounded.
//
// Both come from the eigenmodes of Delta, products along the axes of the
// chain's sqrt(2/(L+1)) sin(pi j (x+1)/(L+1)) with eigenvalue the sum of
// 2 - 2 cos(pi j/(L+1)): 1 has the component sqrt(2/(L+1)) cot(pi j /
// (2(L+1))) on mode j for odd j, none for even j, so
// 1^T Delta^-1 1 = sum_J prod c_j^2 / lambda_J and
// sum_x w(x)^2 = sum_J prod c_j^2 / lambda_J^2 over the odd modes J. A
// chain uses the closed form w(x) = (x+1)(L-x)/2. An error when lat has
// no sites or more odd modes than SandpileMeanSizeMaxTerms.
func SandpileMeanSize(lat Lattice) (mean, varSite float64, err error) {
	if err := lat.Check(); err != nil {
		return 0, 0, err
	}
	n := float64(lat.Sites())
	if len(lat.Shape) == 1 {
		// w(x) = k (M - k) / 2 for k = x+1 = 1..L, M = L+1:
		// sum w = M (M^2 - 1) / 12, sum w^2 = M (M^2 - 1)(M^2 + 1) / 120
		m := float64(lat.Shape[0]) + 1
		mean = m * (m*m - 1) / 12 / n
		return mean, m*(m*m-1)*(m*m+1)/120/n - mean*mean, nil
	}
	s1, s2, err := sandpileModeSums(lat)
	if err != nil {
		return 0, 0, err
	}
	mean = s1 / n
	return mean, s2/n - mean*mean, nil
}

// sandpileModeSums returns 1^T Delta^-1 1 and sum_x w(x)^2 from the odd
// eigenmodes of Delta (SandpileMeanSize).
func sandpileModeSums(lat Lattice) (s1, s2 float64, err error) {
	terms := 1.0
	for _, l := range lat.Shape {
		terms *= float64((l + 1) / 2)
	}
	if terms > SandpileMeanSizeMaxTerms {
		return 0, 0, fmt.Errorf("lattice %v has %.3g odd eigenmodes: the exact sums take at most %d", lat, terms, int64(SandpileMeanSizeMaxTerms))
	}
	type mode struct{ c2, lambda float64 }
	axes := make([][]mode, len(lat.Shape))
	for a, l := range lat.Shape {
		axes[a] = make([]mode, 0, (l+1)/2) // a long strip's axis: no regrowing
		for j := 1; j <= l; j += 2 {
			th := math.Pi * float64(j) / float64(2*(l+1))
			cot := math.Cos(th) / math.Sin(th)
			axes[a] = append(axes[a], mode{2 / float64(l+1) * cot * cot, 2 - 2*math.Cos(2*th)})
		}
	}
	// the last axis's sums in the innermost loop, added to the totals
	// once per row (two levels of partial sums keep the rounding small)
	last := axes[len(axes)-1]
	var walk func(a int, c2, lambda float64)
	walk = func(a int, c2, lambda float64) {
		if a == len(axes)-1 {
			var r1, r2 float64
			for _, m := range last {
				t := m.c2 / (lambda + m.lambda)
				r1 += t
				r2 += t / (lambda + m.lambda)
			}
			s1 += c2 * r1
			s2 += c2 * r2
			return
		}
		for _, m := range axes[a] {
			walk(a+1, c2*m.c2, lambda+m.lambda)
		}
	}
	walk(0, 1, 0)
	return s1, s2, nil
}

// SandpileHeightsMaxConfigs bounds SandpileHeights' enumeration: the
// (2d)^N stable configurations of a pile of N sites (2D up to 12 sites,
// 4^12 = 16.8M, 0.9 to 1.5 s on one core; 3D the 2x2x2 cube, 6^8).
const SandpileHeightsMaxConfigs = 1 << 24

// SandpileHeights returns the stationary height distribution of the BTW
// pile on lat (threshold 2d, open boundaries) exactly: in the stationary
// state its recurrent configurations are equally likely, and whole[h] is
// the fraction of sites at height h over them, center[h] the same over
// the sites of CentralBox(lat), with recurrent their number (the number
// of the lattice's spanning trees: 192 on 2x2). A chain's N+1 recurrent
// configurations (every height 1, or one of them 0) give every site
// P(0) = 1/(N+1); other piles are enumerated, each of the (2d)^N stable
// configurations judged by Dhar's burning test (a site burns once its
// height is at least its number of unburnt neighbours; recurrent where
// every site burns). An error for more than SandpileHeightsMaxConfigs
// configurations, or more than 3 axes.
func SandpileHeights(lat Lattice) (whole, center []float64, recurrent int64, err error) {
	if err := lat.Check(); err != nil {
		return nil, nil, 0, err
	}
	d, n := lat.Dim(), lat.Sites()
	z := SandpileThreshold(d)
	if d == 1 {
		p0 := 1 / float64(n+1)
		return []float64{p0, 1 - p0}, []float64{p0, 1 - p0}, n + 1, nil
	}
	if d > 3 || float64(n)*math.Log2(float64(z)) > math.Log2(SandpileHeightsMaxConfigs) {
		return nil, nil, 0, fmt.Errorf("%d sites: their %d^%d stable configurations are more than the %d the enumeration takes", n, z, n, SandpileHeightsMaxConfigs)
	}
	// neighbours as bit masks (n <= 22 sites), the box's sites
	nb := make([]uint32, n)
	var inBox uint32
	box := CentralBox(lat)
	for x := range n {
		r := x
		inside := true
		stride := int64(1)
		for a := d - 1; a >= 0; a-- {
			l := int64(lat.Shape[a])
			c := r % l
			r /= l
			inside = inside && int(c) >= box.Lo[a] && int(c) < box.Hi[a]
			if c > 0 {
				nb[x] |= 1 << (x - stride)
			}
			if c < l-1 {
				nb[x] |= 1 << (x + stride)
			}
			stride *= l
		}
		if inside {
			inBox |= 1 << x
		}
	}
	counts := make([][]int64, n) // counts[x][h] over the recurrent configurations
	for x := range counts {
		counts[x] = make([]int64, z)
	}
	h := make([]int, n)
	all := uint32(1)<<n - 1
	for {
		// the burning test
		unburnt := all
		for changed := true; changed && unburnt != 0; {
			changed = false
			for m := unburnt; m != 0; m &= m - 1 {
				x := bits.TrailingZeros32(m)
				if h[x] >= bits.OnesCount32(nb[x]&unburnt) {
					unburnt &^= 1 << x
					changed = true
				}
			}
		}
		if unburnt == 0 {
			recurrent++
			for x, v := range h {
				counts[x][v]++
			}
		}
		// the next configuration
		x := 0
		for ; x < int(n); x++ {
			if h[x]++; h[x] < z {
				break
			}
			h[x] = 0
		}
		if x == int(n) {
			break
		}
	}
	whole, center = make([]float64, z), make([]float64, z)
	boxSites := bits.OnesCount32(inBox)
	for x, c := range counts {
		for v, k := range c {
			f := float64(k) / float64(recurrent)
			whole[v] += f / float64(n)
			if inBox&(1<<x) != 0 {
				center[v] += f / float64(boxSites)
			}
		}
	}
	return whole, center, recurrent, nil
}

// SandpileWMaxSites bounds SandpileW: 2^22 sites (32 MiB of float64).
const SandpileWMaxSites = 1 << 22

// SandpileWMaxCost bounds SandpileW's transforms: 2 N sum_a p_a, p_a the
// largest prime factor of L_a + 1 (the sine transform of a line of L
// costs about L p, its FFT's work for a prime factor p). Measured here:
// 2048^2 (2049 = 3 x 683) costs 1.1e10 and took 12 s, 1536^2 (1537 = 29
// x 53) 5e8 and 1.7 s, 1024^2 (1025 = 5^2 x 41) 1.7e8 and 0.56 s, 256^2
// (257 prime) 6.7e7 and 0.16 s: at most 3e8, about a second.
const SandpileWMaxCost = 3e8

// largestPrime is the largest prime factor of n >= 2.
func largestPrime(n int) int {
	p := 1
	for f := 2; f*f <= n; f++ {
		for n%f == 0 {
			p, n = f, n/f
		}
	}
	return max(p, n)
}

// SandpileW returns w = Delta^-1 1 at every site of lat (in the
// lattice's order, the last axis fastest): a grain added at x topples
// w(x) times on average in the stationary pile (SandpileMeanSize). Delta
// is diagonal in the products of the chains' sine modes, so w is the sine
// transform (DST-I) of 1 along each axis, divided by each mode's
// eigenvalue, the sum over the axes of 2 - 2 cos(pi j/(L+1)), and
// transformed back, each transform pair scaled by 1/(2 (L+1)). The result
// is checked against Delta w = 1 (to 1e-9 of its largest value). An error
// for a lattice of more than SandpileWMaxSites sites, or whose transforms
// cost more than SandpileWMaxCost.
func SandpileW(lat Lattice) ([]float64, error) {
	if err := lat.Check(); err != nil {
		return nil, err
	}
	n := lat.Sites()
	if n > SandpileWMaxSites {
		return nil, fmt.Errorf("%d sites: SandpileW takes at most %d", n, SandpileWMaxSites)
	}
	cost := 0.0
	for _, l := range lat.Shape {
		cost += 2 * float64(n) * float64(largestPrime(l+1))
	}
	if cost > SandpileWMaxCost {
		return nil, fmt.Errorf("%v: SandpileW's transforms would cost %.3g, more than %.3g", lat.Shape, cost, SandpileWMaxCost)
	}
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	shape := lat.Shape
	strides := make([]int64, len(shape))
	s := int64(1)
	for a := len(shape) - 1; a >= 0; a-- {
		strides[a] = s
		s *= int64(shape[a])
	}
	transform := func() {
		for a, l := range shape {
			t := fourier.NewDST(l)
			line := make([]float64, l)
			stride := strides[a]
			for start := range n {
				if (start/stride)%int64(l) != 0 {
					continue // not the first site of a line along a
				}
				for k := range line {
					line[k] = w[start+int64(k)*stride]
				}
				t.Transform(line, line)
				for k, v := range line {
					w[start+int64(k)*stride] = v / math.Sqrt(float64(2*(l+1)))
				}
			}
		}
	}
	transform()
	for i := range w {
		lambda, rest := 0.0, int64(i)
		for a := len(shape) - 1; a >= 0; a-- {
			j := rest % int64(shape[a])
			rest /= int64(shape[a])
			lambda += 2 - 2*math.Cos(math.Pi*float64(j+1)/float64(shape[a]+1))
		}
		w[i] /= lambda
	}
	transform()
	// Delta w = 1: 2d w(x) less its neighbours' (0 beyond the boundary)
	most, worst := 0.0, 0.0
	for _, v := range w {
		most = max(most, math.Abs(v))
	}
	for i := range n {
		r := 2 * float64(len(shape)) * w[i]
		for a, l := range shape {
			x := (i / strides[a]) % int64(l)
			if x > 0 {
				r -= w[i-strides[a]]
			}
			if x < int64(l)-1 {
				r -= w[i+strides[a]]
			}
		}
		worst = max(worst, math.Abs(r-1))
	}
	if !(worst <= 1e-9*max(most, 1)) {
		return nil, fmt.Errorf("Delta w = 1 off by %g on %v (w up to %g)", worst, shape, most)
	}
	return w, nil
}
