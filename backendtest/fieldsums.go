package backendtest

import (
	"math"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/pmath"
)

// RefFieldSums is the plain sequential reference of quench.FieldSums of a
// []float32, []float64 or []int64 (fixed-point masses), on lat (nil: no
// geometry): every site's coordinates and neighbours from its index, the
// block partials combined here (by groups of quench.SumGroup blocks, then
// the groups) rather than by quench.CombineFieldSums.
func RefFieldSums(data any, lat *quench.Lattice) quench.FieldSums {
	x := fieldValues(data)
	d := 0
	if lat != nil {
		d = lat.Dim()
	}
	tot := quench.FieldSums{Max: math.Inf(-1)}
	if d > 0 {
		tot.Grad, tot.Cos, tot.Sin = make([]float64, d), make([]float64, d), make([]float64, d)
	}
	c := make([]int, d)
	// add adds b's sums to dst's
	add := func(dst *quench.FieldSums, b quench.FieldSums) {
		dst.Sum += b.Sum
		dst.Sum2 += b.Sum2
		dst.Sum4 += b.Sum4
		if b.Max > dst.Max { // not max(): -0 and +0 keep their order
			dst.Max = b.Max
		}
		dst.NonFinite += b.NonFinite
		dst.Corr += b.Corr
		for a := 0; a < d; a++ {
			dst.Grad[a] += b.Grad[a]
			dst.Cos[a] += b.Cos[a]
			dst.Sin[a] += b.Sin[a]
		}
	}
	var grp quench.FieldSums
	for lo := 0; lo < len(x); lo += quench.SumBlock {
		if lo%(quench.SumGroup*quench.SumBlock) == 0 {
			grp = quench.FieldSums{Max: math.Inf(-1), Grad: make([]float64, d), Cos: make([]float64, d), Sin: make([]float64, d)}
		}
		b := quench.FieldSums{Max: math.Inf(-1), Grad: make([]float64, d), Cos: make([]float64, d), Sin: make([]float64, d)}
		for i := lo; i < min(lo+quench.SumBlock, len(x)); i++ {
			v := x[i]
			b.Sum += v
			b.Sum2 += float64(v * v)
			b.Sum4 += float64(float64(float64(v*v)*v) * v)
			if v > b.Max {
				b.Max = v
			}
			if v-v != 0 {
				b.NonFinite++
			}
			if d == 0 {
				continue
			}
			coords(*lat, int64(i), c)
			b.Corr += float64(v * x[neighbour(*lat, c, d-1, 1)])
			for a := 0; a < d; a++ {
				f := x[neighbour(*lat, c, a, 1)]
				b.Grad[a] += float64((f - v) * (f - v))
				L := float64(lat.Shape[a])
				s, co := pmath.SinCos2Pi(float64(c[a]) / L)
				if a == d-1 {
					j := c[a] % 64
					s0, c0 := pmath.SinCos2Pi(float64(c[a]-j) / L)
					s1, c1 := pmath.SinCos2Pi(float64(j) / L)
					co = float64(c0*c1) - float64(s0*s1)
					s = float64(s0*c1) + float64(c0*s1)
				}
				b.Cos[a] += float64(v * co)
				b.Sin[a] += float64(v * s)
			}
		}
		add(&grp, b)
		if end := lo + quench.SumBlock; end >= len(x) || end%(quench.SumGroup*quench.SumBlock) == 0 {
			add(&tot, grp)
		}
		if iv, ok := data.([]int64); ok {
			// exact integer totals: every block's below 2^53 units
			var blk int64
			for _, v := range iv[lo:min(lo+quench.SumBlock, len(iv))] {
				blk += v
			}
			if lo == 0 {
				tot.UnitsExact = true
			}
			tot.Units += blk
			tot.UnitsExact = tot.UnitsExact && blk < 1<<53
		}
	}
	if !tot.UnitsExact {
		tot.Units = 0
	}
	return tot
}

// fieldValues are the values of quench.FieldSums of a []float32, []float64
// or []int64 (fixed-point masses: times 2^-32).
func fieldValues(data any) []float64 {
	var x []float64
	switch v := data.(type) {
	case []float64:
		x = v
	case []float32:
		for _, e := range v {
			x = append(x, float64(e))
		}
	case []int64:
		for _, e := range v {
			x = append(x, float64(float64(e)*0x1p-32))
		}
	}
	return x
}

// SameFieldSums reports whether two FieldSums are equal bit for bit, a NaN
// matching any NaN.
func SameFieldSums(a, b quench.FieldSums) bool {
	same := func(x, y float64) bool {
		return math.Float64bits(x) == math.Float64bits(y) || (math.IsNaN(x) && math.IsNaN(y))
	}
	all := func(x, y []float64) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if !same(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return all([]float64{a.Sum, a.Sum2, a.Sum4, a.Max, a.Corr}, []float64{b.Sum, b.Sum2, b.Sum4, b.Max, b.Corr}) &&
		a.NonFinite == b.NonFinite && all(a.Grad, b.Grad) && all(a.Cos, b.Cos) && all(a.Sin, b.Sin) &&
		a.Units == b.Units && a.UnitsExact == b.UnitsExact
}

// fieldSumCases are the shapes testFieldSums runs: 1D to 3D, rows shorter
// and longer than a block, blocks that end inside a row, odd extents, and
// 74 blocks (a whole group of quench.SumGroup and a part of one).
var fieldSumCases = [][]int{{5000}, {2, 3}, {64, 64}, {37, 129}, {3, 5000}, {8, 12, 10}, {5, 7, 9}, {3, 40, 70}, {3, 100000}}

// checkFourier compares the Fourier sums with sin and cos from the math
// package: the rotation keeps them within 1e-11 of sum |x|.
func checkFourier(t *testing.T, got quench.FieldSums, data any, lat quench.Lattice) {
	t.Helper()
	x := fieldValues(data)
	d := lat.Dim()
	c := make([]int, d)
	cs, sn := make([]float64, d), make([]float64, d)
	var abs float64
	for i, v := range x {
		coords(lat, int64(i), c)
		for a := 0; a < d; a++ {
			th := 2 * math.Pi * float64(c[a]) / float64(lat.Shape[a])
			cs[a] += v * math.Cos(th)
			sn[a] += v * math.Sin(th)
		}
		abs += math.Abs(v)
	}
	for a := 0; a < d; a++ {
		if math.Abs(got.Cos[a]-cs[a]) > 1e-11*abs || math.Abs(got.Sin[a]-sn[a]) > 1e-11*abs {
			t.Errorf("%v axis %d: Fourier sums %v, %v; with math.Cos, math.Sin %v, %v (sum |x| %v)", lat, a, got.Cos[a], got.Sin[a], cs[a], sn[a], abs)
		}
	}
}

func testFieldSums(t *testing.T, b quench.Backend) {
	for _, shape := range fieldSumCases {
		lat, err := quench.NewLattice(shape...)
		if err != nil {
			t.Fatal(err)
		}
		n := int(lat.Sites())
		f64 := make([]float64, n)
		f32 := make([]float32, n)
		i64 := make([]int64, n)
		for i := range f64 {
			// smooth plus a pseudo-random part, of both signs
			f64[i] = math.Sin(float64(i)*0.37) + float64((i*7919)%613)/613 - 0.4
			f32[i] = float32(f64[i])
			i64[i] = int64(float64((i*104729)%9973) * 0x1p32 / 3.1)
		}
		for _, c := range []struct {
			dt   quench.DType
			data any
		}{{quench.Float64, f64}, {quench.Float32, f32}, {quench.Int64, i64}} {
			buf, err := b.Alloc(c.dt, int64(n))
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Upload(buf, c.data); err != nil {
				t.Fatal(err)
			}
			for _, l := range []*quench.Lattice{&lat, nil} {
				got, err := b.FieldSums(buf, l)
				if err != nil {
					t.Fatal(err)
				}
				if want := RefFieldSums(c.data, l); !SameFieldSums(got, want) {
					t.Errorf("%v on %v (lattice %v): got %+v, want %+v", c.dt, lat, l != nil, got, want)
				}
				if c.dt != quench.Int64 {
					if s, _ := b.Sum(buf); s != got.Sum {
						t.Errorf("%v on %v: FieldSums.Sum %v, Sum %v", c.dt, lat, got.Sum, s)
					}
				}
				if l != nil {
					checkFourier(t, got, c.data, lat)
				}
			}
			b.Free(buf)
		}
	}
	// masses: Units is the exact total where the float64 Sum rounds (3
	// blocks of values near 2^40: totals past 2^53 in all, below it in
	// each block), and not exact once one block passes 2^53 units
	big := make([]int64, 3*quench.SumBlock)
	var exact int64
	for i := range big {
		big[i] = 1<<40 + int64(i*7919%10007)
		exact += big[i]
	}
	bb := Alloc(t, b, quench.Int64, int64(len(big)))
	Must(t, b.Upload(bb, big))
	if got, err := b.FieldSums(bb, nil); err != nil || !got.UnitsExact || got.Units != exact ||
		!SameFieldSums(got, RefFieldSums(big, nil)) {
		t.Errorf("masses near 2^40 units: Units %d (exact %v), want %d; err %v", got.Units, got.UnitsExact, exact, err)
	}
	big[quench.SumBlock+5] = 1 << 53 // block 1 passes 2^53 units
	Must(t, b.Upload(bb, big))
	if got, err := b.FieldSums(bb, nil); err != nil || got.UnitsExact || got.Units != 0 || !SameFieldSums(got, RefFieldSums(big, nil)) {
		t.Errorf("a block past 2^53 units: Units %d exact %v, want not exact; err %v", got.Units, got.UnitsExact, err)
	}
	b.Free(bb)
	// NaN and infinities are counted, never a Max; a sum that meets a NaN is NaN
	lat, _ := quench.NewLattice(4, 3000)
	x := make([]float64, lat.Sites())
	for i := range x {
		x[i] = float64(i % 17)
	}
	x[5], x[4100], x[9000] = math.NaN(), math.Inf(1), math.Inf(-1)
	buf := Alloc(t, b, quench.Float64, lat.Sites())
	Must(t, b.Upload(buf, x))
	got, err := b.FieldSums(buf, &lat)
	if err != nil {
		t.Fatal(err)
	}
	if got.NonFinite != 3 || got.Max != math.Inf(1) || !math.IsNaN(got.Sum) || !SameFieldSums(got, RefFieldSums(x, &lat)) {
		t.Errorf("non-finite values: got %+v", got)
	}
	// the sums agree with Sum and with the documented meaning
	if s, _ := b.Sum(buf); !math.IsNaN(s) {
		t.Errorf("Sum of a buffer with a NaN is %v", s)
	}
	b.Free(buf)
	// a buffer of the wrong length for the lattice, or a lattice without
	// axes, is an error
	small := Alloc(t, b, quench.Float64, 10)
	if _, err := b.FieldSums(small, &lat); err == nil {
		t.Errorf("FieldSums of 10 elements on %v: no error", lat)
	}
	b.Free(small)
	one := Alloc(t, b, quench.Float64, 1)
	if _, err := b.FieldSums(one, &quench.Lattice{}); err == nil {
		t.Errorf("FieldSums on a lattice without axes: no error")
	}
	b.Free(one)
	// Max keeps the first of equal block maxima: -0 in block 0, +0 after
	zeros := make([]float64, 2*quench.SumBlock)
	for i := range quench.SumBlock {
		zeros[i] = math.Copysign(0, -1)
	}
	zb := Alloc(t, b, quench.Float64, int64(len(zeros)))
	Must(t, b.Upload(zb, zeros))
	if got, err := b.FieldSums(zb, nil); err != nil || !math.Signbit(got.Max) || !SameFieldSums(got, RefFieldSums(zeros, nil)) {
		t.Errorf("-0 then +0: Max %v (sign bit %v), err %v; want -0", got.Max, math.Signbit(got.Max), err)
	}
	b.Free(zb)
}

// RefCenteredSums is the plain sequential reference of
// quench.Reducer.CenteredSums of a []float32, []float64 or []int64: the
// sums of d = x - center and d*d over blocks of quench.SumBlock, the
// blocks added by groups of quench.SumGroup, then the groups.
func RefCenteredSums(data any, center float64) (sum, sum2 float64) {
	x := fieldValues(data)
	var gs, gs2 float64
	for lo := 0; lo < len(x); lo += quench.SumBlock {
		var s, s2 float64
		for _, v := range x[lo:min(lo+quench.SumBlock, len(x))] {
			d := v - center
			s += d
			s2 += float64(d * d)
		}
		gs, gs2 = gs+s, gs2+s2
		if end := lo + quench.SumBlock; end >= len(x) || end%(quench.SumGroup*quench.SumBlock) == 0 {
			sum, sum2 = sum+gs, sum2+gs2
			gs, gs2 = 0, 0
		}
	}
	return sum, sum2
}

// testCenteredSums: CenteredSums equals RefCenteredSums bit for bit on
// float32, float64 and int64 buffers of 1 to 130 blocks (more than two
// groups, the last one short) about several centers; about 0 it gives
// FieldSums' Sum and Sum2; and about the mean of a field 1 + 1e-9 noise it
// keeps the variance that FieldSums' one-pass Sum2/n - (Sum/n)^2 loses.
func testCenteredSums(t *testing.T, b quench.Backend) {
	for _, n := range []int{1, 4095, 4096, 4097, 3*quench.SumBlock + 17, 2*quench.SumGroup*quench.SumBlock + 5} {
		f64 := make([]float64, n)
		f32 := make([]float32, n)
		i64 := make([]int64, n)
		for i := range f64 {
			f64[i] = 0.75 + 1e-9*(math.Sin(float64(i)*0.37)+float64((i*7919)%613)/613-0.4)
			f32[i] = float32(f64[i])
			i64[i] = int64(0x1p32*0.75) + int64((i*104729)%9973)
		}
		for _, c := range []struct {
			dt   quench.DType
			data any
		}{{quench.Float64, f64}, {quench.Float32, f32}, {quench.Int64, i64}} {
			buf := Alloc(t, b, c.dt, int64(n))
			Must(t, b.Upload(buf, c.data))
			for _, center := range []float64{0, 0.75, -3.5, 0x1p-40} {
				s, s2, err := b.CenteredSums(buf, center)
				if err != nil {
					t.Fatal(err)
				}
				ws, ws2 := RefCenteredSums(c.data, center)
				if math.Float64bits(s) != math.Float64bits(ws) || math.Float64bits(s2) != math.Float64bits(ws2) {
					t.Errorf("%v, %d elements, about %v: sums %v, %v, want %v, %v", c.dt, n, center, s, s2, ws, ws2)
				}
				if center != 0 {
					continue
				}
				fs, err := b.FieldSums(buf, nil)
				if err != nil {
					t.Fatal(err)
				}
				if s != fs.Sum || s2 != fs.Sum2 {
					t.Errorf("%v, %d elements, about 0: sums %v, %v, FieldSums' %v, %v", c.dt, n, s, s2, fs.Sum, fs.Sum2)
				}
			}
			if c.dt == quench.Float64 && n > 4096 {
				// the variance, exactly enough: two passes in big floats
				// are not needed, the values' spread is 1e-9 about 0.75
				m := 0.0
				for _, v := range f64 {
					m += v - 0.75
				}
				m /= float64(n)
				exact := 0.0
				for _, v := range f64 {
					d := v - 0.75 - m
					exact += d * d
				}
				exact /= float64(n)
				fs, err := b.FieldSums(buf, nil)
				if err != nil {
					t.Fatal(err)
				}
				mean := fs.Sum / float64(n)
				s, s2, err := b.CenteredSums(buf, mean)
				if err != nil {
					t.Fatal(err)
				}
				dm := s / float64(n)
				if v := s2/float64(n) - dm*dm; math.Abs(v-exact) > 1e-9*exact {
					t.Errorf("%d elements: variance about the mean %v, want %v (relative 1e-9)", n, v, exact)
				}
				if one := fs.Sum2/float64(n) - mean*mean; !(math.Abs(one-exact) > 1e-3*exact) {
					t.Errorf("%d elements: the one-pass variance %v is within 1e-3 of %v: the case tests nothing", n, one, exact)
				}
			}
			Must(t, b.Free(buf))
		}
	}
}
