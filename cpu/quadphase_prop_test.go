package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
	"github.com/quenchlab/quench/internal/pmath"
)

// phaseSumsOld is PhaseSums as it was before pmath.SinCos2PiSums (one
// SinCos2Pi a term, pc[k] += c; the partials added by
// quench.AddPartials): the reference for NaN payloads too.
func phaseSumsOld(cb *Buffer) (float64, float64) {
	var trig func(i int64) (float64, float64)
	switch cb.dt {
	case quench.Float64:
		trig = func(i int64) (float64, float64) {
			s, c := pmath.SinCos2Pi(cb.f64[i])
			return c, s
		}
	case quench.Float32:
		trig = func(i int64) (float64, float64) {
			s, c := pmath.SinCos2Pi(float64(cb.f32[i]))
			return float64(float32(c)), float64(float32(s))
		}
	}
	nblk := int((cb.n + quench.SumBlock - 1) / quench.SumBlock)
	pc, ps := make([]float64, nblk), make([]float64, nblk)
	parallel(nblk, func(k int) {
		lo := int64(k) * quench.SumBlock
		for i := lo; i < min(lo+quench.SumBlock, cb.n); i++ {
			c, s := trig(i)
			pc[k] += c
			ps[k] += s
		}
	})
	return quench.AddPartials(pc), quench.AddPartials(ps)
}

// TestPhaseSumsNaNPayloads: PhaseSums, with pmath's vector code and
// without, gives the scalar code's bits when phases are NaNs of random
// payloads and signs (which NaN a sum keeps follows acc += term).
func TestPhaseSumsNaNPayloads(t *testing.T) {
	be := New()
	r := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{1, 5, 4096, 4*4096 + 300, 9*4096 + 3} {
		for _, nanRate := range []int{0, 2000, 50} {
			th := make([]float64, n)
			for i := range th {
				th[i] = r.Float64()
				if nanRate > 0 && r.IntN(nanRate) == 0 {
					th[i] = math.Float64frombits(0x7FF8000000000000 | r.Uint64()&(1<<51-1) | r.Uint64()&(1<<63))
				}
			}
			for _, dt := range []quench.DType{quench.Float64, quench.Float32} {
				b, _ := be.Alloc(dt, int64(n))
				upload(be, b, th)
				cb := b.(*Buffer)
				wc, ws := phaseSumsOld(cb)
				for _, vec := range []bool{false, true} {
					restore := pmath.SetVector(vec)
					c, s, err := be.PhaseSums(b)
					restore()
					if err != nil {
						t.Fatal(err)
					}
					if math.Float64bits(c) != math.Float64bits(wc) || math.Float64bits(s) != math.Float64bits(ws) {
						t.Errorf("n %d nan 1/%d %v vec %v: %x %x, old %x %x", n, nanRate, dt, vec, math.Float64bits(c), math.Float64bits(s), math.Float64bits(wc), math.Float64bits(ws))
					}
				}
				be.Free(b)
			}
		}
	}
}

// TestFieldQuadRandomShapes: fieldQuadVec against fieldBlock on random 2
// and 3 axis lattices of quadOK (rows of 4 to 4096 sites, other extents
// from 2), random quads.
func TestFieldQuadRandomShapes(t *testing.T) {
	if !useAVX2 {
		t.Skip()
	}
	r := rand.New(rand.NewPCG(11, 12))
	same := func(x, y float64) bool {
		return math.Float64bits(x) == math.Float64bits(y) || (math.IsNaN(x) && math.IsNaN(y))
	}
	tested := 0
	for it := 0; it < 60; it++ {
		lx := 4 << r.IntN(11)
		var shape []int
		if r.IntN(2) == 0 {
			la := 2 + r.IntN(max(1, 5*4096*4/lx))
			if r.IntN(4) == 0 {
				la = 2 + r.IntN(3)
			}
			shape = []int{la, lx}
		} else {
			la := 2 + r.IntN(9)
			if r.IntN(2) == 0 {
				la = 2 + r.IntN(max(1, 4096/lx*3))
			}
			lb := 1 + (5*4096*4)/(la*lx)
			lb = 2 + r.IntN(lb+2)
			shape = []int{lb, la, lx}
		}
		lat, err := quench.NewLattice(shape...)
		if err != nil {
			t.Fatal(err)
		}
		if lat.Sites() < 4*quench.SumBlock || lat.Sites() > 1<<21 {
			continue
		}
		g := newSumGeom(&lat)
		if !g.quadOK() {
			t.Fatalf("%v not quadOK", shape)
		}
		d := lat.Dim()
		w := quench.FieldSumsWidth(d)
		whole := int(lat.Sites() / quench.SumBlock)
		dt := []quench.DType{quench.Float32, quench.Float64, quench.Int64}[r.IntN(3)]
		data := fieldData(r, dt, int(lat.Sites()), []float64{0, 1e-4}[r.IntN(2)])
		for k := 0; k+4 <= whole; k += 1 + r.IntN(4) {
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
			for i := range got {
				if !same(got[i], want[i]) {
					t.Fatalf("%v %v blocks %d..: partial %d (block %d) %v, fieldBlock %v", dt, shape, k, i%w, k+i/w, got[i], want[i])
				}
			}
		}
	}
	if tested < 50 {
		t.Errorf("%d quads tested", tested)
	}
}

// TestFieldSumsRandomShapes: FieldSums with AVX2 (quads where served)
// and without on random 2 and 3 axis lattices of at least four blocks.
func TestFieldSumsRandomShapes(t *testing.T) {
	if !useAVX2 {
		t.Skip()
	}
	defer func(saved bool) { useAVX2 = saved }(useAVX2)
	r := rand.New(rand.NewPCG(21, 22))
	be := New()
	for it := 0; it < 40; it++ {
		d := 2 + r.IntN(2)
		shape := make([]int, d)
		for a := range shape {
			shape[a] = 2 + r.IntN(40)
		}
		shape[d-1] = []int{4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 12, 3, 6, 8192}[r.IntN(15)]
		lat, err := quench.NewLattice(shape...)
		if err != nil {
			t.Fatal(err)
		}
		for lat.Sites() < 4*quench.SumBlock {
			shape[0] *= 2
			lat, _ = quench.NewLattice(shape...)
		}
		if lat.Sites() > 1<<21 {
			continue
		}
		dt := []quench.DType{quench.Float32, quench.Float64, quench.Int64}[r.IntN(3)]
		buf, _ := be.Alloc(dt, lat.Sites())
		if err := be.Upload(buf, fieldData(r, dt, int(lat.Sites()), []float64{0, 1e-5}[r.IntN(2)])); err != nil {
			t.Fatal(err)
		}
		var sums [2]quench.FieldSums
		for i := range sums {
			useAVX2 = i == 0
			be2 := New() // fresh geometry for each path
			if sums[i], err = be2.FieldSums(buf, &lat); err != nil {
				t.Fatal(err)
			}
		}
		if !backendtest.SameFieldSums(sums[0], sums[1]) {
			t.Errorf("%v %v: vector %+v, scalar %+v", dt, shape, sums[0], sums[1])
		}
		be.Free(buf)
	}
}

// TestFieldQuadRings: on rings of random lengths (multiples of a block
// and not, up to 2^20 sites), fieldQuadVec gives each of its four blocks
// fieldBlock's partials bit for bit for the three element types, with
// and without NaNs, infinities and signed zeros; and FieldSums with AVX2
// (the whole quads four blocks at a time, the rest a block at a time)
// gives the scalar code's sums.
func TestFieldQuadRings(t *testing.T) {
	if !useAVX2 {
		t.Skip()
	}
	defer func(saved bool) { useAVX2 = saved }(useAVX2)
	r := rand.New(rand.NewPCG(31, 32))
	same := func(x, y float64) bool {
		return math.Float64bits(x) == math.Float64bits(y) || (math.IsNaN(x) && math.IsNaN(y))
	}
	tested := 0
	for it := 0; it < 40; it++ {
		n := 4*quench.SumBlock + r.IntN(1<<20-4*quench.SumBlock+1)
		switch r.IntN(4) {
		case 0:
			n = quench.SumBlock * (4 + r.IntN(60)) // whole blocks
		case 1:
			n = quench.SumBlock*(4+r.IntN(60)) + 1 + r.IntN(63)
		}
		lat, err := quench.NewLattice(n)
		if err != nil {
			t.Fatal(err)
		}
		useAVX2 = true
		g := newSumGeom(&lat)
		if !g.quad1OK() {
			t.Fatalf("ring of %d not quad1OK", n)
		}
		w := quench.FieldSumsWidth(1)
		whole := n / quench.SumBlock
		dt := []quench.DType{quench.Float32, quench.Float64, quench.Int64}[r.IntN(3)]
		data := fieldData(r, dt, n, []float64{0, 1e-4, 0.02}[r.IntN(3)])
		for k := 0; k+4 <= whole; k += 1 + r.IntN(8) {
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
			for i := range got {
				if !same(got[i], want[i]) {
					t.Fatalf("%v ring %d blocks %d..: partial %d (block %d) %v, fieldBlock %v", dt, n, k, i%w, k+i/w, got[i], want[i])
				}
			}
		}
		if it%4 == 0 {
			be := New()
			buf, _ := be.Alloc(dt, lat.Sites())
			if err := be.Upload(buf, data); err != nil {
				t.Fatal(err)
			}
			var sums [2]quench.FieldSums
			for i := range sums {
				useAVX2 = i == 0
				be2 := New() // fresh geometry for each path
				if sums[i], err = be2.FieldSums(buf, &lat); err != nil {
					t.Fatal(err)
				}
			}
			if !backendtest.SameFieldSums(sums[0], sums[1]) {
				t.Errorf("%v ring %d: vector %+v, scalar %+v", dt, n, sums[0], sums[1])
			}
			be.Free(buf)
		}
	}
	if tested < 100 {
		t.Errorf("%d quads tested", tested)
	}
}
