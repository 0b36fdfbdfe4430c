package quench

import (
	"math"
	"testing"

	"github.com/quenchlab/quench/internal/philox"
)

// Every entry of an IsingTable is floor(p*2^32) for the flip probability p
// of its spin and neighbour sum, from the energy change dE = 2 s (J nb + h):
// Metropolis min(1, exp(-beta dE)), heat bath 1/(1 + exp(beta dE)); Hi and
// Lo split it at bit 24.
func TestIsingTableEntries(t *testing.T) {
	for _, c := range []struct {
		dim int
		p   IsingParams
	}{
		{2, IsingParams{J: 1, H: 0.3, Beta: 0.37, Algo: Metropolis}},
		{3, IsingParams{J: -0.7, H: -0.2, Beta: 0.61, Algo: HeatBath}},
		{2, IsingParams{J: 1, Beta: 0.01, Algo: HeatBath}},
	} {
		tab, err := NewIsingTable(c.dim, c.p)
		if err != nil {
			t.Fatal(err)
		}
		z := 2 * c.dim
		if len(tab.Thr) != 2*(z+1) {
			t.Fatalf("%d entries, want %d", len(tab.Thr), 2*(z+1))
		}
		fractional := 0
		for _, s := range []int8{-1, 1} {
			for nb := -z; nb <= z; nb += 2 {
				k := tab.Index(s, nb)
				if want := int((s+1)/2)*(z+1) + (nb+z)/2; k != want {
					t.Fatalf("Index(%d, %d) = %d, want %d", s, nb, k, want)
				}
				dE := 2 * float64(s) * (c.p.J*float64(nb) + c.p.H)
				var p float64
				if c.p.Algo == Metropolis {
					p = math.Min(1, math.Exp(-c.p.Beta*dE))
				} else {
					p = 1 / (1 + math.Exp(c.p.Beta*dE))
				}
				x := p * 0x1p32
				thr := float64(tab.Thr[k])
				if !(thr <= x && x < thr+1) {
					t.Errorf("%+v: entry s=%d nb=%d: Thr %v, want floor(%v)", c.p, s, nb, tab.Thr[k], x)
				}
				if x != math.Trunc(x) {
					fractional++
				}
				if tab.Hi[k] != int32(tab.Thr[k]>>24) || tab.Lo[k] != uint32(tab.Thr[k]&0xFFFFFF) {
					t.Errorf("%+v: entry s=%d nb=%d: Hi %d Lo %d do not split Thr %d", c.p, s, nb, tab.Hi[k], tab.Lo[k], tab.Thr[k])
				}
			}
		}
		if fractional == 0 {
			t.Errorf("%+v: no entry where floor matters", c.p)
		}
	}
	for _, beta := range []float64{0, -1, math.Inf(1), math.NaN()} {
		if _, err := NewIsingTable(2, IsingParams{J: 1, Beta: beta, Algo: Metropolis}); err == nil {
			t.Errorf("beta %v accepted", beta)
		}
	}
}

// AcceptsAll is true only when every entry is 2^32: at J = h = 0
// (Metropolis), not at a high but finite temperature, where exp(-beta dE)
// is close to 1 but below it, nor for the heat bath (p = 1/2 at dE = 0).
func TestIsingTableAcceptsAll(t *testing.T) {
	for _, c := range []struct {
		p    IsingParams
		want bool
	}{
		{IsingParams{J: 0, H: 0, Beta: 0.5, Algo: Metropolis}, true},
		{IsingParams{J: 1, Beta: 0.01, Algo: Metropolis}, false}, // T = 100: p >= exp(-0.08)
		{IsingParams{J: 1, Beta: 0.3, Algo: Metropolis}, false},
		{IsingParams{J: 0, H: 0, Beta: 0.5, Algo: HeatBath}, false},
	} {
		tab, err := NewIsingTable(2, c.p)
		if err != nil {
			t.Fatal(err)
		}
		if got := tab.AcceptsAll(); got != c.want {
			t.Errorf("%+v: AcceptsAll %v, want %v", c.p, got, c.want)
		}
	}
}

// IsingFlip is "flip if u < Thr[k]" for u = u8<<24 | w>>8 as the
// IsingTable comment defines u8 and w; a table whose threshold is u, u-1
// or u+1 at a chosen site decides the ties exactly (u8 == Hi, then the
// second draw compared with Lo).
func TestIsingFlipThreshold(t *testing.T) {
	ctr := Counter{Seed: 0xC0FFEE, Replica: 3, Step: 41}
	key := philox.KeyFromSeed(ctr.Seed)
	for _, n := range []int64{0, 1, 31, 32, 77, 1<<40 + 5} {
		for phase := uint32(0); phase < 2; phase++ {
			j := uint64(n) >> 1
			r := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeIsing, ctr.Replica, ctr.Step, phase, j>>4, 0), key)
			b := j & 15
			u8 := uint64(r[b/4]>>(8*(b%4))) & 0xFF
			w := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeIsing, ctr.Replica, ctr.Step, phase, j, 1), key)[0]
			u := u8<<24 | uint64(w>>8)
			for _, thr := range []uint64{u - 1, u, u + 1} {
				if thr > 1<<32 {
					continue
				}
				tab := &IsingTable{Dim: 1, Thr: []uint64{thr}, Hi: []int32{int32(thr >> 24)}, Lo: []uint32{uint32(thr & 0xFFFFFF)}}
				if got, want := IsingFlip(tab, 0, n, phase, ctr), u < thr; got != want {
					t.Errorf("site %d phase %d: u = %#x, Thr %#x: flip %v, want %v", n, phase, u, thr, got, want)
				}
			}
		}
	}
}

// A hot start is bit n&31 of word (n>>5)&3 of Philox(seed; Init, replica,
// step 0, phase 0, group n>>7, block 0): 1 is spin -1.
func TestInitSpinsHotLayout(t *testing.T) {
	const seed, replica = 0x1234_5678_9ABC, 7
	s := make([]int8, 1000)
	if err := InitSpins(s, "hot", seed, replica); err != nil {
		t.Fatal(err)
	}
	key := philox.KeyFromSeed(seed)
	for n := range s {
		r := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeInit, replica, 0, 0, uint64(n)>>7, 0), key)
		want := int8(1)
		if r[(n>>5)&3]>>(n&31)&1 == 1 {
			want = -1
		}
		if s[n] != want {
			t.Fatalf("site %d: spin %d, want %d", n, s[n], want)
		}
	}
}

// UnitSum adds the blocks' exact sums of an Int64 buffer; a block summing
// to zero (an empty stretch of an aggregation run) is exact too.
func TestUnitSumZeroBlock(t *testing.T) {
	const d = 1
	w := FieldSumsWidth(d)
	partial := make([]float64, 3*w)
	partial[0] = 5 * 0x1p-32 // 5 units
	partial[w] = 0           // an empty block
	partial[2*w] = 1 << 10   // 2^42 units
	units, ok := UnitSum(partial, d)
	if !ok || units != 5+1<<42 {
		t.Errorf("UnitSum = %d, %v; want %d, true", units, ok, int64(5+1<<42))
	}
	if _, ok := UnitSum([]float64{-0x1p-32, 0, 0, 0, 0, 0, 0, 0, 0}, d); ok {
		t.Errorf("a negative block sum was taken as exact")
	}
}

// NewIsingTable refuses a dimension no lattice has with an error: a
// negative one panicked (a table of negative length), a huge one ran the
// program out of memory.
func TestIsingTableDims(t *testing.T) {
	p := IsingParams{J: 1, Beta: 0.4, Algo: HeatBath}
	for _, dim := range []int{-3, -1, 0, 50, 1 << 40} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("dim %d: panicked: %v", dim, r)
				}
			}()
			if _, err := NewIsingTable(dim, p); err == nil {
				t.Errorf("dim %d accepted", dim)
			}
		}()
	}
	for _, dim := range []int{1, 4, 49} {
		if tab, err := NewIsingTable(dim, p); err != nil || len(tab.Thr) != 2*(2*dim+1) {
			t.Errorf("dim %d: %v", dim, err)
		}
	}
}

// NewIsingTable refuses a non-finite J or h with an error: the
// probabilities were NaN, and converting them to thresholds is up to the
// platform (on amd64 every flip was accepted).
func TestIsingTableNonFinite(t *testing.T) {
	for _, p := range []IsingParams{{J: math.NaN()}, {J: math.Inf(1)}, {H: math.NaN()}, {H: math.Inf(-1)}} {
		for _, algo := range []Algo{Metropolis, HeatBath} {
			p.Beta, p.Algo = 0.4, algo
			if tab, err := NewIsingTable(2, p); err == nil {
				t.Errorf("%+v: accepted, thresholds %v", p, tab.Thr)
			}
		}
	}
}

// A negative dimension has no block width: UnitSum reports no exact sum
// and CombineFieldSums adds nothing, where both sliced with a negative
// width and panicked.
func TestFieldSumsNegativeDim(t *testing.T) {
	partial := []float64{1, 2, 3, 4, 0, 6, 7, 8, 9}
	for _, d := range []int{-1, -2, -6} {
		if u, ok := UnitSum(partial, d); ok || u != 0 {
			t.Errorf("UnitSum(d=%d) = %d, %v; want 0, false", d, u, ok)
		}
		fs := CombineFieldSums(partial, d)
		if fs.Sum != 0 || fs.Sum2 != 0 || fs.Grad != nil || !math.IsInf(fs.Max, -1) {
			t.Errorf("CombineFieldSums(d=%d) = %+v; want nothing added", d, fs)
		}
	}
}

// Sum and FieldSums add block partials by groups of SumGroup, then the
// groups: 2^53 then 63 ones is 2^53 in group 0 (each one rounds away),
// 64 ones are 64 in group 1, and the total is 2^53 + 64 exactly, where
// adding the 128 blocks one after another gives 2^53.
func TestGroupedPartials(t *testing.T) {
	const d = 1
	w := FieldSumsWidth(d)
	p := make([]float64, 2*SumGroup)
	partial := make([]float64, 2*SumGroup*w)
	for k := range p {
		p[k] = 1
		if k == 0 {
			p[k] = 0x1p53
		}
		partial[k*w] = p[k]
		partial[k*w+3] = float64(k % 7) // Max: 6, first in block 6
		partial[k*w+4] = 2              // NonFinite counts
	}
	if s := AddPartials(p); s != 0x1p53+64 {
		t.Errorf("AddPartials = %v; want 2^53 + 64", s)
	}
	var seq float64
	for _, v := range p {
		seq += v
	}
	if seq != 0x1p53 {
		t.Fatalf("the blocks one after another add to %v, not 2^53: the case shows nothing", seq)
	}
	g := GroupFieldSums(partial, d)
	if len(g) != 2*w || g[0] != 0x1p53 || g[w] != 64 || g[3] != 6 || g[w+3] != 6 || g[4] != 2*SumGroup {
		t.Errorf("GroupFieldSums = %v", g)
	}
	fs := CombineFieldSums(partial, d)
	if fs.Sum != 0x1p53+64 || fs.Max != 6 || fs.NonFinite != 4*SumGroup {
		t.Errorf("CombineFieldSums = %+v; want Sum 2^53 + 64, Max 6, NonFinite %d", fs, 4*SumGroup)
	}
	// units: a unit in every block, then half a unit in one of group 1
	for k := range p {
		partial[k*w] = 0x1p-32
	}
	if u := GroupUnits(partial, d); len(u) != 2 || u[0] != SumGroup || u[1] != SumGroup {
		t.Errorf("GroupUnits = %v; want %d in each group", u, SumGroup)
	}
	if u, ok := UnitSum(partial, d); !ok || u != 2*SumGroup {
		t.Errorf("UnitSum = %d, %v; want %d, true", u, ok, 2*SumGroup)
	}
	partial[(SumGroup+3)*w] = 0.5 * 0x1p-32
	if u := GroupUnits(partial, d); len(u) != 2 || u[0] != SumGroup || u[1] != -1 {
		t.Errorf("GroupUnits = %v; want group 1 not exact", u)
	}
	if u, ok := UnitSum(partial, d); ok || u != 0 {
		t.Errorf("UnitSum = %d, %v; want 0, false", u, ok)
	}
	if u, ok := AddUnits([]int64{1 << 61, 1 << 61}); ok || u != 0 {
		t.Errorf("AddUnits to 2^62 = %d, %v; want 0, false", u, ok)
	}
	if u, ok := AddUnits([]int64{1, math.MaxInt64}); ok || u != 0 {
		t.Errorf("AddUnits past int64 = %d, %v; want 0, false (not wrapped)", u, ok)
	}
	if u, ok := AddUnits([]int64{1<<62 - 2, 1}); !ok || u != 1<<62-1 {
		t.Errorf("AddUnits to 2^62 - 1 = %d, %v; want %d, true", u, ok, int64(1<<62-1))
	}
}
