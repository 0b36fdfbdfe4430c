package quench

import (
	"fmt"
	"math"
	"math/bits"

	gmat "gonum.org/v1/gonum/mat"
)

// IsingFourierMaxL is the largest L that IsingFourier2D and IsingXi2D
// take. The transfer matrix has 2^L rows; its four symmetry blocks
// (IsingFourier2D's method) have about 2^L/4 each, and their
// eigen-decompositions, O(8^L/16), are nearly all of the cost: measured on
// one core, 4-9 ms at L = 8, 25 ms at L = 9, 0.2-0.5 s at L = 10 (the
// more on a busy machine), and 2-4 s at L = 11, which is left out (30 s
// at L = 12).
const IsingFourierMaxL = 10

// IsingFourierMaxK is the largest K that IsingFourier2D and IsingXi2D
// take. There f is 4 e^(-8K) = 7e-35 (a single flipped spin, all that is
// left of it at such K), and the decomposition's rounding of eigenvalues
// that are really far smaller begins to show in it: f was measured to
// 3e-12 relative at K = 10 on L = 3, but it is wrong altogether at K = 15
// on L = 3, at K = 20 on L = 4 (by a factor 3e5). K = 10 is far beyond
// any simulation (xi of order 1e17 or more).
const IsingFourierMaxK = 10

// IsingFourier2D returns, for the zero-field Ising model with J = 1 on a
// periodic L x L square lattice at K = beta J, the exact chi0 = <M^2>/V and
// f = <|sum_x s_x exp(2 pi i x_a / L)|^2>/V (the same for both axes a by symmetry),
// M = sum_x s_x, V = L^2. An error for L < 2, L > IsingFourierMaxL, or K not positive finite
// (or above IsingFourierMaxK).
//
// The energy is -sum_x (s_x s_{x+e1} + s_x s_{x+e2}), 2V bonds (at L = 2
// each pair of neighbours is joined twice, as a site's two neighbours
// along an axis are one site). The method is the row-to-row transfer
// matrix on the 2^L states s of a row, in its symmetric form
//
//	T(s, s') = exp(K sum_i s_i s'_i + K/2 sum_i (s_i s_{i+1} + s'_i s'_{i+1})),
//
// so that Z = Tr T^L and, for a diagonal row observable O,
// <O(0) O(r)> = Tr(O T^r O T^(L-r))/Z (r rows apart). chi0 is
// (1/L) sum_{r<L} <R(0) R(r)>, R(s) = sum_i s_i the row's magnetization.
// f is taken along the rows: with F(s) = sum_i s_i exp(2 pi i i/L) = C + iS,
// f = (1/L) sum_{r<L} (<C(0) C(r)> + <S(0) S(r)>), a sum of positive
// terms. (Across the rows it is (1/L) sum_r cos(2 pi r/L) <R(0) R(r)>,
// equal by the square's symmetry, which the tests check, but at large K
// that sum is of terms near V that cancel to f, of order e^(-8K), and
// keeps few of its digits; F vanishes on the uniform rows, so nothing
// cancels.) chi0 - f is summed on its own, from R with the weights
// 1 - cos(2 pi r/L) = 2 sin^2(pi r/L), for IsingXi2D.
//
// T commutes with the global spin flip and with the reflection of a row
// (i -> -i), so it is block-diagonal in the four sectors of characters
// (flip, reflection) = (+-1, +-1), on the orbits {s, -s, Ps, -Ps} (the
// palindromes Ps = s have no reflection-odd state). A block's entry
// between orbits o, o' is the character sum of T(s_o, g s_o') over the
// group, which is 4 exp(K (h + h')/2 - 2KL) times a product of cosh and
// sinh of (a1 +- a2)/2 (a1, a2 = K sum s_i s'_i with s' and with Ps'),
// over sqrt(2) for each palindrome: formed so, no entry cancels (the
// blocks but (+,+) are of order K or K^2 at small K, and keep their
// relative precision) and none overflows, all entries being taken relative to the largest
// of T, exp(2KL). R and C are flip-odd and reflection-even, S flip-odd
// and reflection-odd, so each joins a flip-even sector x to one flip-odd
// sector y, by M = U_y^T O U_x, and with a, b the two sectors' eigenvalues
// (relative to the largest of all)
//
//	Tr(O T^r O T^(L-r)) = sum_ij M_ji^2 (a_i^r b_j^(L-r) + b_j^r a_i^(L-r)),
//
// summed over r term by term. Each block is diagonalized by gonum's
// EigenSym (all are positive definite), checked (the eigenvalues' sum
// against the trace), and its top eigenvector refined by power
// iteration (isingFourierEigen), which f needs at large K.
//
// Below K = 1e-20 it returns the high-temperature expansion's first order
// (isingFourierKMin).
//
// Accuracy, measured against enumeration of all 2^(L^2) configurations
// (L = 2, 4; and 3 to K = 4), against the same traces from explicit
// powers of the two flip blocks in 256-bit arithmetic (L = 4, 6, 8; K =
// 1e-6 to 10), against an earlier form of this code with those two blocks
// in float64 (L up to 10), and against f = 4 e^(-8K) (L = 3 to 10 at K =
// 10, where its next order is below 1e-16): chi0 and f to a few 1e-15
// relative up to L = 8 (the two forms differ by up to 3.5e-14 at L = 10),
// at every K from 1e-6 to 10, but f to 3e-12 at K = 10 on L = 3.
func IsingFourier2D(L int, K float64) (chi0, f float64, err error) {
	chi0, f, _, err = isingFourier(L, K)
	return chi0, f, err
}

// IsingXi2D is the second-moment correlation length sqrt(chi0/f - 1) / (2 sin(pi/L)) of IsingFourier2D.
// chi0/f - 1 is taken as (chi0 - f)/f, chi0 - f summed on its own
// (IsingFourier2D), so that xi keeps its precision at small K, where chi0
// and f are both near 1: as accurate as chi0 and f. Errors as
// IsingFourier2D's.
func IsingXi2D(L int, K float64) (float64, error) {
	_, _, xi, err := IsingFourierXi2D(L, K)
	return xi, err
}

// IsingFourierXi2D returns IsingFourier2D's chi0 and f and IsingXi2D's
// xi from one evaluation of the transfer matrix (an error where either
// gives one).
func IsingFourierXi2D(L int, K float64) (chi0, f, xi float64, err error) {
	chi0, f, g, err := isingFourier(L, K)
	if err != nil {
		return 0, 0, 0, err
	}
	if K < isingFourierKMin {
		return chi0, f, math.Sqrt(K), nil // g is subnormal at the least K
	}
	xi = math.Sqrt(g/f) / (2 * math.Sin(math.Pi/float64(L)))
	if !(f > 0) || math.IsInf(xi, 0) || math.IsNaN(xi) {
		return 0, 0, 0, fmt.Errorf("IsingXi2D: no finite xi from chi0 - f = %v, f = %v (L = %d, K = %v)", g, f, L, K)
	}
	return chi0, f, xi, nil
}

// isingFourierKMin is the K below which IsingFourier2D returns the first
// order of the high-temperature expansion, chi0 = 1 + 4K,
// f = 1 + 2K (1 + cos(2 pi/L)) and chi0 - f = 4K sin^2(pi/L) (each of the
// four neighbours' correlation is K; at L = 2 the two along an axis are
// one site, joined twice, 2K), and IsingXi2D sqrt(K): relative errors of
// order K, far below rounding. (Below about 1e-150 the blocks' entries of
// order K^2 would underflow, and the decomposition fails on them.)
const isingFourierKMin = 1e-20

// isingFourierRefine is the number of power-iteration steps taken on
// each block's top eigenvector (isingFourierEigen).
const isingFourierRefine = 4

// isingFourier returns IsingFourier2D's chi0 and f, and g = chi0 - f.
func isingFourier(L int, K float64) (chi0, f, g float64, err error) {
	if L < 2 || L > IsingFourierMaxL {
		return 0, 0, 0, fmt.Errorf("IsingFourier2D: L = %d, outside 2..%d", L, IsingFourierMaxL)
	}
	if !(K > 0) || math.IsInf(K, 0) {
		return 0, 0, 0, fmt.Errorf("IsingFourier2D: K = %v, not a positive finite number", K)
	}
	if K > IsingFourierMaxK {
		return 0, 0, 0, fmt.Errorf("IsingFourier2D: K = %v, above %v", K, IsingFourierMaxK)
	}
	if K < isingFourierKMin {
		s := math.Sin(math.Pi / float64(L))
		g = 4 * K * s * s
		return 1 + 4*K, 1 + 4*K - g, g, nil
	}
	nr := 1 << L
	mask := nr - 1
	fl := float64(L)
	refl := func(b int) int { // s_i -> s_{-i mod L}
		r := b & 1
		for i := 1; i < L; i++ {
			r |= (b >> i & 1) << (L - i)
		}
		return r
	}
	// the orbits {s, -s, Ps, -Ps} of the rows, each by its least member
	// (bit i set is s_i = -1); Ps = s on the palindromes (never -s or -Ps)
	var reps []int
	var pal []bool
	seen := make([]bool, nr)
	for b := range nr {
		if seen[b] {
			continue
		}
		p := refl(b)
		seen[b], seen[b^mask], seen[p], seen[p^mask] = true, true, true, true
		reps = append(reps, b)
		pal = append(pal, p == b)
	}
	no := len(reps)
	cs, sn := make([]float64, L), make([]float64, L)
	for i := range L {
		cs[i], sn[i] = math.Cos(2*math.Pi*float64(i)/fl), math.Sin(2*math.Pi*float64(i)/fl)
	}
	h := make([]float64, no) // sum_i s_i s_{i+1}
	refr := make([]int, no)  // P s
	var obs [3][]float64     // R, C, S of each orbit's representative
	for o := range obs {
		obs[o] = make([]float64, no)
	}
	for o, b := range reps {
		rot := (b<<1 | b>>(L-1)) & mask
		h[o] = float64(L - 2*bits.OnesCount(uint(b^rot)))
		refr[o] = refl(b)
		// C and S from the flipped spins alone, as sum_i cos(2 pi i/L)
		// and sum_i sin(2 pi i/L) are 0: exactly 0 on a uniform row
		var c, sv float64
		for i := range L {
			if b>>i&1 == 1 {
				c -= 2 * cs[i]
				sv -= 2 * sn[i]
			}
		}
		obs[0][o] = float64(L - 2*bits.OnesCount(uint(b)))
		obs[1][o], obs[2][o] = c, sv
	}
	// The four sectors (flip, reflection) = (+,+), (+,-), (-,+), (-,-):
	// their members (the palindromes have no P-odd state) and blocks.
	var sec [4]isingFourierSector
	for q := range sec {
		sec[q].pos = make([]int, no)
		for o := range no {
			sec[q].pos[o] = -1
			if q&1 == 1 && pal[o] {
				continue
			}
			sec[q].pos[o] = len(sec[q].orb)
			sec[q].orb = append(sec[q].orb, o)
		}
	}
	for q := range sec {
		orb := sec[q].orb
		n := len(orb)
		if n == 0 { // the (.,-) sectors at L = 2, where P s = s
			continue
		}
		t := gmat.NewSymDense(n, nil)
		for i, o := range orb {
			for j := i; j < n; j++ {
				o2 := orb[j]
				a1 := K * float64(L-2*bits.OnesCount(uint(reps[o]^reps[o2])))
				a2 := K * float64(L-2*bits.OnesCount(uint(reps[o]^refr[o2])))
				p, m := (a1+a2)/2, (a1-a2)/2
				x := math.Exp(K*(h[o]+h[o2])/2 - 2*K*fl + math.Abs(p) + math.Abs(m))
				// sum_g chi(g) T(s, g s') = 4 e^b times cosh p cosh m
				// (+,+), sinh p sinh m (+,-), sinh p cosh m (-,+) and
				// cosh p sinh m (-,-)
				fp, fm := isingFourierHyp(p, q>>1 == q&1), isingFourierHyp(m, q&1 == 0)
				v := x * fp * fm
				if pal[o] {
					v /= math.Sqrt2
				}
				if pal[o2] {
					v /= math.Sqrt2
				}
				t.SetSym(i, j, v)
			}
		}
		sec[q].u, sec[q].lam, err = isingFourierEigen(t, q, L, K)
		if err != nil {
			return 0, 0, 0, err
		}
	}
	top := 0.0
	for q := range sec {
		if n := len(sec[q].lam); n > 0 {
			top = max(top, sec[q].lam[n-1]) // ascending
		}
	}
	var z nsum
	for q := range sec {
		lam := sec[q].lam
		sec[q].pw = make([][]float64, len(lam))
		for i := range lam {
			lam[i] = max(lam[i]/top, 0)
			pw := make([]float64, L+1) // lam^k, k = 0..L
			pw[0] = 1
			for k := 1; k <= L; k++ {
				pw[k] = pw[k-1] * lam[i]
			}
			sec[q].pw[i] = pw
			z.add(pw[L])
		}
	}
	wg := make([]float64, L) // 1 - cos(2 pi r/L) = 2 sin^2(pi r/L)
	for r := range wg {
		s := math.Sin(math.Pi * float64(r) / fl)
		wg[r] = 2 * s * s
	}
	// R and C are flip-odd and reflection-even, S flip-odd and
	// reflection-odd: each joins a flip-even sector to one flip-odd sector.
	var sc, sf, sg nsum
	for _, pr := range [4]struct{ x, y, o int }{{0, 2, 1}, {1, 3, 1}, {0, 3, 2}, {1, 2, 2}} {
		sx, sy := &sec[pr.x], &sec[pr.y]
		if len(sx.orb) == 0 || len(sy.orb) == 0 {
			continue
		}
		var mr, mf gmat.Dense
		if pr.o == 1 {
			isingFourierBetween(&mr, obs[0], sx, sy)
		}
		isingFourierBetween(&mf, obs[pr.o], sx, sy)
		for i := range sx.orb {
			pa := sx.pw[i]
			var rc, rf, rg float64 // this eigenvector's share
			for j := range sy.orb {
				pb := sy.pw[j]
				if pa[1] == 0 && pb[1] == 0 {
					continue
				}
				var p0, pg float64
				for r := range L {
					t := pa[r]*pb[L-r] + pb[r]*pa[L-r]
					p0 += t
					pg += wg[r] * t
				}
				w := mf.At(j, i)
				rf += w * w * p0
				if pr.o == 1 {
					w = mr.At(j, i)
					rc += w * w * p0
					rg += w * w * pg
				}
			}
			sc.add(rc)
			sf.add(rf)
			sg.add(rg)
		}
	}
	zl := z.val() * fl
	return sc.val() / zl, sf.val() / zl, sg.val() / zl, nil
}

// isingFourierSector is one symmetry sector of the transfer matrix: the
// orbits it holds (orb; pos[o] is orbit o's place there, or -1), its
// eigenvectors u and eigenvalues lam (relative to the largest of all
// sectors' once isingFourier has them), and the powers pw[i][k] = lam_i^k.
type isingFourierSector struct {
	orb, pos []int
	u        *gmat.Dense
	lam      []float64
	pw       [][]float64
}

// isingFourierHyp returns 2 cosh(x) (even) or 2 sinh(x) divided by
// e^|x|, without cancellation: 1 + e^(-2|x|), sign(x) (1 - e^(-2|x|)).
func isingFourierHyp(x float64, even bool) float64 {
	if even {
		return 1 + math.Exp(-2*math.Abs(x))
	}
	return math.Copysign(-math.Expm1(-2*math.Abs(x)), x)
}

// isingFourierBetween sets m to U_y^T O U_x, the diagonal observable O
// (flip-odd; 0 on the orbits that sector y lacks) between the eigenvectors
// of sectors x and y.
func isingFourierBetween(m *gmat.Dense, o []float64, x, y *isingFourierSector) {
	ou := gmat.NewDense(len(y.orb), len(x.orb), nil)
	for q, orb := range y.orb {
		p := x.pos[orb]
		if p < 0 {
			continue
		}
		for c := range x.orb {
			ou.Set(q, c, o[orb]*x.u.At(p, c))
		}
	}
	m.Mul(y.u.T(), ou)
}

// isingFourierEigen diagonalizes the block t of sector q and checks the
// result (the decomposition can report success on a matrix it did not
// decompose): the eigenvalues must add up to the trace and none may be
// negative beyond rounding, as the block is positive definite.
func isingFourierEigen(t *gmat.SymDense, q, L int, K float64) (*gmat.Dense, []float64, error) {
	var eig gmat.EigenSym
	if !eig.Factorize(t, true) {
		return nil, nil, fmt.Errorf("IsingFourier2D: the eigen-decomposition of sector %d's block did not converge (L = %d, K = %v)", q, L, K)
	}
	lam := eig.Values(nil)
	n := len(lam)
	var tr, sum float64
	for i := range n {
		tr += t.At(i, i)
		sum += lam[i]
	}
	if top := lam[n-1]; !(math.Abs(sum-tr) <= 1e-9*tr) || !(lam[0] >= -1e-9*top) || !(top > 0) {
		return nil, nil, fmt.Errorf("IsingFourier2D: the eigen-decomposition of sector %d's block failed its check (eigenvalues sum to %.6g, trace %.6g, least %.3g; L = %d, K = %v)", q, sum, tr, lam[0], L, K)
	}
	var u gmat.Dense
	eig.VectorsTo(&u)
	// The top eigenvector's small components (of order e^(-4K) on the
	// rows one flip from uniform, deep in the ordered phase, where they
	// carry all of f) come out of the decomposition only to an absolute
	// eps; a few steps of power iteration give them to a relative eps
	// (T v sums terms of one sign where the small components are made),
	// and converge at once where the gap is large, as there; elsewhere
	// they leave the vector as accurate as it was.
	v := gmat.NewVecDense(n, nil)
	w := gmat.NewVecDense(n, nil)
	v.CopyVec(u.ColView(n - 1))
	for range isingFourierRefine {
		w.MulVec(t, v)
		nw := gmat.Norm(w, 2)
		if !(nw > 0) || math.IsInf(nw, 0) {
			return nil, nil, fmt.Errorf("IsingFourier2D: the power iteration on sector %d's top eigenvector failed (L = %d, K = %v)", q, L, K)
		}
		v.ScaleVec(1/nw, w)
	}
	u.SetCol(n-1, v.RawVector().Data)
	return &u, lam, nil
}
