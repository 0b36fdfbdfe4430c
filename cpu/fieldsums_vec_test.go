package cpu

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"unsafe"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
)

// TestSumStateLayout: fieldsums_amd64.s reads sumState and rowSeg at
// fixed offsets.
func TestSumStateLayout(t *testing.T) {
	var st sumState
	var sg rowSeg
	offs := []struct {
		name      string
		got, want uintptr
	}{
		{"r1", unsafe.Offsetof(st.r1), 0}, {"r2", unsafe.Offsetof(st.r2), 32},
		{"r3", unsafe.Offsetof(st.r3), 64}, {"r4", unsafe.Offsetof(st.r4), 96},
		{"mx", unsafe.Offsetof(st.mx), 128}, {"scale", unsafe.Offsetof(st.scale), 160},
		{"wrap", unsafe.Offsetof(st.wrap), 192}, {"d", unsafe.Offsetof(st.d), 200},
		{"seg k", unsafe.Offsetof(sg.k), 0}, {"seg kb", unsafe.Offsetof(sg.kb), 32},
		{"seg off", unsafe.Offsetof(sg.off), 48}, {"seg n", unsafe.Offsetof(sg.n), 56},
		{"seg offA", unsafe.Offsetof(sg.offA), 64}, {"seg offB", unsafe.Offsetof(sg.offB), 72},
		{"seg tab", unsafe.Offsetof(sg.tab), 80}, {"seg last", unsafe.Offsetof(sg.last), 88},
		{"seg size", unsafe.Sizeof(sg), 96},
	}
	for _, o := range offs {
		if o.got != o.want {
			t.Errorf("%s at %d, fieldsums_amd64.s reads %d", o.name, o.got, o.want)
		}
	}
}

// fieldFloats are random float64s with the values FieldSums must treat
// bit for bit: NaNs of random payloads and signs, infinities, zeros of both
// signs, subnormals (of float32 and float64), huge and tiny values, and
// plain ones; runs of equal values test Max's ties. specials is the
// chance of a NaN or an infinity: none leaves finite values whose sums
// may still overflow (values near 2^1023).
func fieldFloats(r *rand.Rand, n int, specials float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		if r.Float64() < specials {
			if r.IntN(2) == 0 {
				x[i] = math.Float64frombits(0x7FF0000000000000 | r.Uint64()&0x800FFFFFFFFFFFFF | 1<<r.IntN(52))
			} else {
				x[i] = math.Inf(1 - 2*r.IntN(2))
			}
			continue
		}
		switch r.IntN(24) {
		case 0:
			x[i] = (r.Float64() - 0.5) * 0x1p1023 * 2
		case 1:
			x[i] = math.Copysign(0, float64(r.IntN(2))-0.5)
		case 2:
			x[i] = math.Float64frombits(r.Uint64() & 0x800FFFFFFFFFFFFF) // float64 subnormal
		case 3:
			x[i] = float64(math.Float32frombits(r.Uint32() & 0x807FFFFF)) // float32 subnormal
		case 4:
			x[i] = (r.Float64() - 0.5) * 0x1p127
		case 5:
			x[i] = (r.Float64() - 0.5) * 0x1p-140
		case 6, 7:
			if i > 0 {
				x[i] = x[i-1]
			}
		default:
			x[i] = r.NormFloat64()
		}
	}
	return x
}

// fieldData is fieldFloats as a []float32, []float64 or []int64 (the
// latter from the values' bits: every int64, masses or not).
func fieldData(r *rand.Rand, dt quench.DType, n int, specials float64) any {
	f := fieldFloats(r, n, specials)
	switch dt {
	case quench.Float32:
		x := make([]float32, n)
		for i, v := range f {
			x[i] = float32(v)
			if math.IsNaN(v) { // a float32 NaN of a random payload
				x[i] = math.Float32frombits(uint32(math.Float64bits(v)>>32) | 0x7F800001)
			}
		}
		return x
	case quench.Float64:
		return f
	}
	x := make([]int64, n)
	for i, v := range f {
		switch r.IntN(4) {
		case 0:
			x[i] = int64(math.Float64bits(v))
		case 1:
			x[i] = r.Int64N(1 << 40)
		default:
			x[i] = int64(v * 0x1p32)
		}
	}
	x[0] = math.MinInt64
	if n > 1 {
		x[n-1] = math.MaxInt64
	}
	return x
}

// samePartials compares two blocks' partials bit for bit, a NaN sum
// matching any NaN (FieldSums leaves its payload unspecified); Max and
// NonFinite exactly.
func samePartials(a, b []float64) bool {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) && (i == 3 || i == 4 || !math.IsNaN(a[i]) || !math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}

// TestFieldBlockVec: the vector field sums (fieldBlockVec, AVX2) give
// fieldBlock's partials bit for bit, block by block, for the three element
// types on random data with NaNs, infinities, zeros of both signs and
// subnormals, without geometry and on 1 to 3 axes: rows shorter and longer
// than 64, blocks that end inside a row and rows longer than a block, odd
// lengths, and extents of two.
func TestFieldBlockVec(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 (or purego): fieldBlock only")
	}
	shapes := [][]int{
		{2}, {3}, {63}, {64}, {65}, {4095}, {4097}, {3*quench.SumBlock + 17},
		{2, 2}, {3, 5}, {7, 63}, {5, 64}, {3, 65}, {9, 1000}, {2, 4097}, {3, 6000}, {70, 3},
		{2, 2, 2}, {2, 3, 5}, {3, 4, 130}, {5, 7, 64}, {4, 33, 50}, {2, 2, 5000}, {20, 7, 3},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, tabs := range []string{"tabulated", "rotated"} {
		if tabs == "rotated" {
			// rows rotated a piece at a time (rotRow), phases from SinCos2Pi
			defer func(r, a int64) { maxRowTab, maxAxTab = r, a }(maxRowTab, maxAxTab)
			maxRowTab, maxAxTab = 100, 4
		}
		for _, dt := range []quench.DType{quench.Float32, quench.Float64, quench.Int64} {
			for _, shape := range shapes {
				for _, specials := range []float64{0, 1e-4, 0.05} {
					checkFieldBlockVec(t, r, tabs, dt, shape, specials)
				}
			}
		}
	}
}

func checkFieldBlockVec(t *testing.T, r *rand.Rand, tabs string, dt quench.DType, shape []int, specials float64) {
	lat, err := quench.NewLattice(shape...)
	if err != nil {
		t.Fatal(err)
	}
	data := fieldData(r, dt, int(lat.Sites()), specials)
	for _, geo := range []bool{false, true} {
		var g *sumGeom
		d := 0
		if geo {
			g, d = newSumGeom(&lat), lat.Dim()
		}
		w := quench.FieldSumsWidth(d)
		nblk := int((lat.Sites() + quench.SumBlock - 1) / quench.SumBlock)
		for k := range nblk {
			want, got := make([]float64, w), make([]float64, w)
			switch x := data.(type) {
			case []float32:
				fieldBlock(x, 1, g, k, want)
				fieldBlockVec(x, vecF32, 1, g, k, got)
			case []float64:
				fieldBlock(x, 1, g, k, want)
				fieldBlockVec(x, vecF64, 1, g, k, got)
			case []int64:
				fieldBlock(x, 0x1p-32, g, k, want)
				fieldBlockVec(x, vecI64, 0x1p-32, g, k, got)
			}
			if !samePartials(want, got) {
				t.Errorf("%s %v %v specials %v geometry %v block %d:\n got %v\nwant %v", tabs, dt, shape, specials, geo, k, got, want)
			}
		}
	}
}

// TestFieldSumsPaths: the backend's FieldSums gives the same sums with the
// vector code and without it (fieldBlock), with and without geometry, on
// lattices taken in turn so that the kept geometry (Backend.sumGeomOf) is
// replaced and found again, built with the vector tables or (every other
// lattice, fieldBlock first) without them.
func TestFieldSumsPaths(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 (or purego): fieldBlock only")
	}
	defer func(saved bool) { useAVX2 = saved }(useAVX2)
	be := New()
	r := rand.New(rand.NewPCG(3, 4))
	shapes := [][]int{{5000}, {33, 200}, {5000}, {6, 7, 100}, {33, 200}}
	for _, dt := range []quench.DType{quench.Float32, quench.Float64, quench.Int64} {
		for k, shape := range shapes {
			lat, err := quench.NewLattice(shape...)
			if err != nil {
				t.Fatal(err)
			}
			buf, err := be.Alloc(dt, lat.Sites())
			if err != nil {
				t.Fatal(err)
			}
			if err := be.Upload(buf, fieldData(r, dt, int(lat.Sites()), 1e-4)); err != nil {
				t.Fatal(err)
			}
			for _, on := range []*quench.Lattice{&lat, nil} {
				var sums [2]quench.FieldSums // vector, fieldBlock
				for _, i := range [][]int{{0, 1}, {1, 0}}[k%2] {
					useAVX2 = i == 0
					if sums[i], err = be.FieldSums(buf, on); err != nil {
						t.Fatal(err)
					}
				}
				if !backendtest.SameFieldSums(sums[0], sums[1]) {
					t.Errorf("%v %v geometry %v: vector %+v, fieldBlock %+v", dt, shape, on != nil, sums[0], sums[1])
				}
			}
			be.Free(buf)
		}
	}
}

// TestSumGeomKept: the backend keeps FieldSums' geometry for the next call
// on the same shape (the same *sumGeom, its tables built once), and a
// lattice of another shape, even of the same dimension, last extent and
// number of sites, gets its own: its sums are a fresh backend's.
func TestSumGeomKept(t *testing.T) {
	be := New()
	r := rand.New(rand.NewPCG(5, 6))
	shapes := [][]int{{4, 6, 50}, {6, 4, 50}, {24, 50}, {4, 6, 50}, {6, 4, 50}}
	for _, shape := range shapes {
		lat, err := quench.NewLattice(shape...)
		if err != nil {
			t.Fatal(err)
		}
		if g := be.sumGeomOf(&lat); g != be.sumGeomOf(&lat) {
			t.Errorf("%v: geometry built again for the same shape", shape)
		}
		data := fieldData(r, quench.Float64, int(lat.Sites()), 0)
		var sums [2]quench.FieldSums
		for i, b := range []*Backend{be, New()} {
			buf, err := b.Alloc(quench.Float64, lat.Sites())
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Upload(buf, data); err != nil {
				t.Fatal(err)
			}
			if sums[i], err = b.FieldSums(buf, &lat); err != nil {
				t.Fatal(err)
			}
			b.Free(buf)
		}
		if !backendtest.SameFieldSums(sums[0], sums[1]) {
			t.Errorf("%v after other shapes: %+v, a fresh backend's %+v", shape, sums[0], sums[1])
		}
	}
}

// TestSumGeomTables: a geometry built for the vector code tabulates rows
// of up to maxRowTab sites and the other axes' extents up to maxAxTab
// (both inclusive); one built without it has no tables.
func TestSumGeomTables(t *testing.T) {
	defer func(saved bool, r, a int64) { useAVX2, maxRowTab, maxAxTab = saved, r, a }(useAVX2, maxRowTab, maxAxTab)
	maxRowTab, maxAxTab = 50, 6
	for _, c := range []struct {
		shape         []int
		row, axA, axB bool
	}{
		{[]int{4, 6, 50}, true, true, true},
		{[]int{7, 6, 51}, false, true, false},
		{[]int{6, 7, 50}, true, false, true},
		{[]int{8, 50}, true, false, false},
	} {
		lat, err := quench.NewLattice(c.shape...)
		if err != nil {
			t.Fatal(err)
		}
		for _, vec := range []bool{true, false} {
			useAVX2 = vec // tables only (built in Go): no vector code runs
			g := newSumGeom(&lat)
			got := [3]bool{g.row != nil, g.ax[0] != nil, g.ax[1] != nil}
			want := [3]bool{c.row && vec, c.axA && vec, c.axB && vec}
			if got != want {
				t.Errorf("%v vector %v: tables (row, axis a, axis b) %v, want %v", c.shape, vec, got, want)
			}
		}
	}
}

// fieldFlatVec4 gives each of its four blocks fieldBlock's partials
// without geometry, bit for bit (a NaN for a NaN), for float32 and float64,
// on data with infinities, NaNs and zeros of both signs in some blocks and
// none in others; and FieldSums without geometry, which takes whole
// blocks four at a time, gives the scalar code's sums on fields of 4 to 9
// blocks and partial ones.
func TestFieldFlatVec4(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 (or purego): fieldBlock only")
	}
	r := rand.New(rand.NewPCG(7, 8))
	same := func(x, y float64) bool {
		return math.Float64bits(x) == math.Float64bits(y) || (math.IsNaN(x) && math.IsNaN(y))
	}
	const w = 6
	n := 8 * quench.SumBlock
	for _, dt := range []quench.DType{quench.Float32, quench.Float64} {
		for _, specials := range []float64{0, 1e-4, 0.01} {
			data := fieldData(r, dt, n, specials)
			if specials == 0.01 && dt != quench.Int64 {
				// signed zeros, and one block of nothing but zeros
				f := reflect.ValueOf(data)
				for i := quench.SumBlock; i < 2*quench.SumBlock; i++ {
					f.Index(i).SetFloat(math.Copysign(0, float64(r.IntN(2)*2-1)))
				}
			}
			for k := 0; k+4 <= n/quench.SumBlock; k += 3 {
				got := make([]float64, 4*w)
				want := make([]float64, 4*w)
				for b := range 4 {
					switch x := data.(type) {
					case []float32:
						fieldBlock(x, 1, nil, k+b, want[b*w:(b+1)*w])
					case []float64:
						fieldBlock(x, 1, nil, k+b, want[b*w:(b+1)*w])
					}
				}
				switch x := data.(type) {
				case []float32:
					fieldFlatVec4(x, k, got, w)
				case []float64:
					fieldFlatVec4(x, k, got, w)
				}
				for i := range got {
					if !same(got[i], want[i]) {
						t.Errorf("%v specials %g blocks %d..: partial %d (block %d) %v, fieldBlock %v", dt, specials, k, i, k+i/w, got[i], want[i])
					}
				}
			}
		}
	}
	defer func(saved bool) { useAVX2 = saved }(useAVX2)
	be := New()
	for _, m := range []int{4 * quench.SumBlock, 5*quench.SumBlock - 3, 8*quench.SumBlock + 1, 9 * quench.SumBlock} {
		for _, dt := range []quench.DType{quench.Float32, quench.Float64, quench.Int64} {
			buf, err := be.Alloc(dt, int64(m))
			if err != nil {
				t.Fatal(err)
			}
			if err := be.Upload(buf, fieldData(r, dt, m, 1e-5)); err != nil {
				t.Fatal(err)
			}
			var sums [2]quench.FieldSums
			for i := range sums {
				useAVX2 = i == 0
				if sums[i], err = be.FieldSums(buf, nil); err != nil {
					t.Fatal(err)
				}
			}
			if !backendtest.SameFieldSums(sums[0], sums[1]) {
				t.Errorf("%v %d elements: four blocks at a time %+v, fieldBlock %+v", dt, m, sums[0], sums[1])
			}
			be.Free(buf)
		}
	}
}

// TestFieldQuadVec: fieldQuadVec gives each of its four blocks
// fieldBlock's partials bit for bit (a NaN for a NaN) for the three
// element types on 2 and 3 axes whose rows divide a block (4 to 4096
// sites), with extents of 2 and odd ones along the other axes,
// lattices whose blocks end inside a plane, neighbours that wrap inside
// a block, in the next one and four blocks away, and data with NaNs,
// infinities, zeros of both signs and huge values; and FieldSums, which
// takes the whole blocks four at a time and the rest one at a time,
// gives the scalar code's sums.
func TestFieldQuadVec(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 (or purego): fieldBlock only")
	}
	shapes := [][]int{
		{1024, 4}, {4096, 8}, {2048, 16}, {16, 4096}, {9, 4096}, {5, 4096}, {64, 1024}, {17, 1024},
		{512, 512}, {33, 512}, {256, 64}, {2, 4, 4096}, {2, 2, 4096}, {64, 64, 64},
		{4, 64, 64}, {5, 64, 64}, {5, 7, 512}, {8, 2, 1024}, {7, 3, 2048}, {16, 16, 16 * 16},
		{2, 1024, 8}, {3, 5, 4, 4}, {32, 32, 32}, {2, 2, 16384}, {4, 8, 2048},
		// rings: whole quads, a partial block after them, lengths not a
		// multiple of 64 or 4, the last quad ending the ring
		{16384}, {16385}, {16387}, {20000}, {5 * 4096}, {8 * 4096}, {8*4096 + 63}, {12*4096 + 4095}, {1 << 17},
	}
	r := rand.New(rand.NewPCG(9, 10))
	same := func(x, y float64) bool {
		return math.Float64bits(x) == math.Float64bits(y) || (math.IsNaN(x) && math.IsNaN(y))
	}
	tested, rings := 0, 0
	for _, shape := range shapes {
		lat, err := quench.NewLattice(shape...)
		if err != nil {
			t.Fatal(err)
		}
		g := newSumGeom(&lat)
		if !g.quadOK() && !g.quad1OK() {
			if len(shape) <= 3 && lat.Dim() >= 2 {
				t.Logf("%v: not served", shape)
			}
			continue
		}
		d := lat.Dim()
		w := quench.FieldSumsWidth(d)
		whole := int(lat.Sites() / quench.SumBlock)
		for _, dt := range []quench.DType{quench.Float32, quench.Float64, quench.Int64} {
			for _, specials := range []float64{0, 1e-4, 0.02} {
				data := fieldData(r, dt, int(lat.Sites()), specials)
				if specials == 0.02 && dt != quench.Int64 {
					// signed zeros: a whole block of them
					f := reflect.ValueOf(data)
					for i := range min(quench.SumBlock, f.Len()) {
						f.Index(i).SetFloat(math.Copysign(0, float64(r.IntN(2)*2-1)))
					}
				}
				for k := 0; k+4 <= whole; k += 3 {
					got, want := make([]float64, 4*w), make([]float64, 4*w)
					for b := range 4 {
						switch x := data.(type) {
						case []float32:
							fieldBlock(x, 1, g, k+b, want[b*w:(b+1)*w])
						case []float64:
							fieldBlock(x, 1, g, k+b, want[b*w:(b+1)*w])
						case []int64:
							fieldBlock(x, 0x1p-32, g, k+b, want[b*w:(b+1)*w])
						}
					}
					switch x := data.(type) {
					case []float32:
						fieldQuadVec(x, vecF32, 1, g, k, got, w)
					case []float64:
						fieldQuadVec(x, vecF64, 1, g, k, got, w)
					case []int64:
						fieldQuadVec(x, vecI64, 0x1p-32, g, k, got, w)
					}
					tested++
					if d == 1 {
						rings++
					}
					for i := range got {
						if !same(got[i], want[i]) {
							t.Errorf("%v %v specials %g blocks %d..: partial %d (block %d) %v, fieldBlock %v", dt, shape, specials, k, i%w, k+i/w, got[i], want[i])
						}
					}
				}
			}
		}
	}
	if tested < 100 || rings < 40 {
		t.Errorf("%d quads tested, %d of rings", tested, rings)
	}
	defer func(saved bool) { useAVX2 = saved }(useAVX2)
	be := New()
	for _, shape := range [][]int{{1024, 16}, {17, 1024}, {9, 4096}, {5, 64, 64}, {3, 7, 512}, {4, 4, 1024}, {2, 4}, {512, 512},
		{16384}, {16383}, {16385}, {9*4096 + 5}, {1 << 18}, {100000}} {
		lat, err := quench.NewLattice(shape...)
		if err != nil {
			t.Fatal(err)
		}
		for _, dt := range []quench.DType{quench.Float32, quench.Float64, quench.Int64} {
			buf, err := be.Alloc(dt, lat.Sites())
			if err != nil {
				t.Fatal(err)
			}
			if err := be.Upload(buf, fieldData(r, dt, int(lat.Sites()), 1e-5)); err != nil {
				t.Fatal(err)
			}
			var sums [2]quench.FieldSums
			for i := range sums {
				useAVX2 = i == 0
				if sums[i], err = be.FieldSums(buf, &lat); err != nil {
					t.Fatal(err)
				}
			}
			if !backendtest.SameFieldSums(sums[0], sums[1]) {
				t.Errorf("%v %v: four blocks at a time %+v, fieldBlock %+v", dt, shape, sums[0], sums[1])
			}
			be.Free(buf)
		}
	}
}
