package kernels

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
	"github.com/quenchlab/quench/cpu"
)

// TestFieldSumsEmulated runs field_sums, emulated, on float32, float64 and
// int64 buffers of lattices of 1 to 3 axes (and without geometry), and
// requires the CPU backend's FieldSums bit for bit.
func TestFieldSumsEmulated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a C++ emulation")
	}
	bin := buildEmu(t)
	be := cpu.New()
	// rows shorter and longer than a block, blocks ending inside rows, odd
	// extents, a wrap in every axis inside one block; with a NaN and
	// infinities in the last case
	// field_sums loads 16 bytes at once where rows are whole vectors (4
	// floats, 2 doubles or int64s) and the elements 16-byte aligned: the
	// emulation runs each case aligned and one element further (one load a
	// element); rows of one vector, rows across blocks not at a multiple of
	// 4096, blocks that are rows
	for ci, shape := range [][]int{{9000}, {2, 3}, {37, 129}, {3, 5000}, {5, 7, 9}, {3, 40, 70}, {6, 3, 1000}, {2, 4100}, {3, 6, 4}, {3, 2, 4096}, {8190}} {
		lat, _ := quench.NewLattice(shape...)
		n := int(lat.Sites())
		f64 := make([]float64, n)
		f32 := make([]float32, n)
		i64 := make([]int64, n)
		for i := range f64 {
			f64[i] = math.Cos(float64(i)*0.11) + float64((i*7919)%613)/613 - 0.3
			f32[i] = float32(f64[i])
			// of both signs, some beyond 2^53 (rounded when converted)
			i64[i] = (int64((i*104729)%9973) - 4000) << 29
			if i%7 == 3 {
				i64[i] = (int64(i) << 44) + int64(i)*0x12345 + 1
			}
		}
		if ci == 6 {
			// the largest value in block 2, whose last element is a NaN
			// (which must not become the block's Max)
			f64[17], f64[4200], f64[9999], f64[12000], f64[3*4096-1] = math.NaN(), math.Inf(-1), math.Inf(-1), 100, math.NaN()
			for _, i := range []int{17, 4200, 12000, 3*4096 - 1} {
				f32[i] = float32(f64[i])
			}
		}
		for _, c := range []struct {
			code int64
			dt   quench.DType
			data any
		}{{4, quench.Float32, f32}, {8, quench.Float64, f64}, {9, quench.Int64, i64}} {
			buf, _ := be.Alloc(c.dt, int64(n))
			be.Upload(buf, c.data)
			for _, l := range []*quench.Lattice{&lat, nil} {
				hdr := []int64{c.code, 0, 0, 0, 0, int64(n)}
				if l != nil {
					hdr[1] = int64(lat.Dim())
					for a, s := range shape {
						hdr[2+a] = int64(s)
					}
				}
				var in []byte
				for _, v := range hdr {
					in = binary.LittleEndian.AppendUint64(in, uint64(v))
				}
				in, _ = binary.Append(in, binary.LittleEndian, c.data)
				out := runEmu(t, bin, "fieldsums", in)
				d := int(hdr[1])
				nblk := (n + quench.SumBlock - 1) / quench.SumBlock
				w := nblk * quench.FieldSumsWidth(d)
				if len(out) != 2*8*w {
					t.Fatalf("%v: %d bytes of partials for 2 runs of %d blocks of width %d", lat, len(out), nblk, quench.FieldSumsWidth(d))
				}
				want, err := be.FieldSums(buf, l)
				if err != nil {
					t.Fatal(err)
				}
				for run, where := range []string{"aligned", "one element further"} {
					partial := make([]float64, w)
					for i := range partial {
						partial[i] = math.Float64frombits(binary.LittleEndian.Uint64(out[8*(run*w+i):]))
					}
					got := quench.CombineFieldSums(partial, d)
					if c.dt == quench.Int64 { // as the GPU launcher does
						got.Units, got.UnitsExact = quench.UnitSum(partial, d)
					}
					if !backendtest.SameFieldSums(got, want) {
						t.Errorf("%v %v (geometry %v, %s): emulated %+v, cpu %+v", c.dt, lat, l != nil, where, got, want)
					}
					if want := map[quench.DType]int64{quench.Float64: 4, quench.Float32: 3}[c.dt]; ci == 6 && c.dt != quench.Int64 && (got.NonFinite != want || got.Max != 100) {
						t.Errorf("%v %v (%s): %d non-finite values counted, Max %v: want %d and 100", c.dt, lat, where, got.NonFinite, got.Max, want)
					}
				}
			}
			be.Free(buf)
		}
	}
}
