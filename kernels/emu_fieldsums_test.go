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
				ng := (nblk + quench.SumGroup - 1) / quench.SumGroup
				w, gw := nblk*quench.FieldSumsWidth(d), ng*quench.FieldSumsWidth(d)
				units := 0
				if c.dt == quench.Int64 {
					units = ng
				}
				if len(out) != 2*8*(w+gw+units) {
					t.Fatalf("%v: %d bytes of partials for 2 runs of %d blocks of width %d", lat, len(out), nblk, quench.FieldSumsWidth(d))
				}
				want, err := be.FieldSums(buf, l)
				if err != nil {
					t.Fatal(err)
				}
				for run, where := range []string{"aligned", "one element further"} {
					word := func(i int) uint64 { return binary.LittleEndian.Uint64(out[8*(run*(w+gw+units)+i):]) }
					partial := make([]float64, w)
					for i := range partial {
						partial[i] = math.Float64frombits(word(i))
					}
					got := quench.CombineFieldSums(partial, d)
					if c.dt == quench.Int64 { // as the CPU backend does
						got.Units, got.UnitsExact = quench.UnitSum(partial, d)
					}
					if !backendtest.SameFieldSums(got, want) {
						t.Errorf("%v %v (geometry %v, %s): emulated %+v, cpu %+v", c.dt, lat, l != nil, where, got, want)
					}
					// field_groups: quench.GroupFieldSums and GroupUnits bit
					// for bit
					wantG, wantU := quench.GroupFieldSums(partial, d), quench.GroupUnits(partial, d)
					for i := range gw {
						if g := math.Float64frombits(word(w + i)); math.Float64bits(g) != math.Float64bits(wantG[i]) && !(math.IsNaN(g) && math.IsNaN(wantG[i])) {
							t.Errorf("%v %v (geometry %v, %s): group partial %d: emulated %v, quench.GroupFieldSums %v", c.dt, lat, l != nil, where, i, g, wantG[i])
						}
					}
					for i := range units {
						if u := int64(word(w + gw + i)); u != wantU[i] {
							t.Errorf("%v %v (geometry %v, %s): group %d units: emulated %d, quench.GroupUnits %d", c.dt, lat, l != nil, where, i, u, wantU[i])
						}
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

// TestFieldGroupsEmulated runs field_groups, emulated, on partials of many
// groups (the last one short, or whole) and requires quench.GroupFieldSums
// and quench.GroupUnits bit for bit: sums that round differently by
// groups, equal maxima of both signs of zero, a NaN, infinities, and
// blocks whose units are not exact (a fraction, a negative total, 2^53).
func TestFieldGroupsEmulated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a C++ emulation")
	}
	bin := buildEmu(t)
	for _, c := range []struct{ d, nblk int }{{0, 1}, {0, 200}, {2, 129}, {3, 128}, {1, 64}} {
		w := quench.FieldSumsWidth(c.d)
		partial := make([]float64, c.nblk*w)
		for k := range c.nblk {
			for j := range w {
				partial[k*w+j] = math.Ldexp(float64((k*7919+j*104729)%9973), (k*31+j)%90-40)
			}
			partial[k*w] = float64((k*7919)%9973) * 0x1p-32   // exact units
			partial[k*w+3] = math.Copysign(0, float64(k%3)-1) // -0, -0, +0, ...
			partial[k*w+4] = float64(k % 5)                   // counts
		}
		if c.nblk == 200 {
			partial[70*w] = 0x1p53 * 0x1p-32      // 2^53 units: not exact
			partial[130*w+1] = math.NaN()         // a NaN sum
			partial[140*w+3] = math.Inf(1)        // an infinite Max
			partial[3*w+2] = math.Inf(-1)         // an infinite sum
			partial[5*w] = 0.25 * 0x1p-32         // a fraction of a unit
			partial[150*w] = -0x1p-32             // a negative block
			partial[199*w] = 0x1p53 * 0x1p-32 / 2 // 2^52 units: exact
		}
		for _, units := range []int64{0, 1} {
			var in []byte
			for _, v := range []int64{int64(w), units, int64(c.nblk)} {
				in = binary.LittleEndian.AppendUint64(in, uint64(v))
			}
			in, _ = binary.Append(in, binary.LittleEndian, partial)
			out := runEmu(t, bin, "fieldgroups", in)
			wantG, wantU := quench.GroupFieldSums(partial, c.d), quench.GroupUnits(partial, c.d)
			if units == 0 {
				wantU = nil
			}
			if len(out) != 8*(len(wantG)+len(wantU)) {
				t.Fatalf("d %d, %d blocks: %d bytes out, want %d groups of %d and %d units", c.d, c.nblk, len(out), len(wantG)/w, w, len(wantU))
			}
			for i, want := range wantG {
				if g := math.Float64frombits(binary.LittleEndian.Uint64(out[8*i:])); math.Float64bits(g) != math.Float64bits(want) && !(math.IsNaN(g) && math.IsNaN(want)) {
					t.Errorf("d %d, %d blocks: group %d partial %d: emulated %v, quench.GroupFieldSums %v", c.d, c.nblk, i/w, i%w, g, want)
				}
			}
			for i, want := range wantU {
				if u := int64(binary.LittleEndian.Uint64(out[8*(len(wantG)+i):])); u != want {
					t.Errorf("d %d, %d blocks: group %d units: emulated %d, quench.GroupUnits %d", c.d, c.nblk, i, u, want)
				}
			}
			if c.nblk == 200 && units == 1 && (wantU[0] != -1 || wantU[1] != -1 || wantU[2] != -1 || wantU[3] <= 1<<52) {
				t.Errorf("d %d, %d blocks: units %v: want groups 0 to 2 not exact, group 3 above 2^52", c.d, c.nblk, wantU)
			}
		}
	}
}

// TestPhaseGroupsEmulated runs field_groups, emulated, on PhaseSums' (C, S)
// partials (width 2, no units: plain sums) of 150 blocks and requires each
// column's groups as quench.AddPartials adds them: AddPartials of the
// groups' totals is then AddPartials of the blocks, bit for bit.
func TestPhaseGroupsEmulated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a C++ emulation")
	}
	bin := buildEmu(t)
	const nblk = 150
	partial := make([]float64, 2*nblk)
	cols := [2][]float64{}
	for k := range nblk {
		for c := range 2 {
			partial[2*k+c] = math.Sin(float64(k*2+c)) * math.Ldexp(1, (k*13+c)%40-10)
			if k == 0 {
				partial[2*k+c] = 0x1p40
			}
			cols[c] = append(cols[c], partial[2*k+c])
		}
	}
	var in []byte
	for _, v := range []int64{2, 0, nblk} {
		in = binary.LittleEndian.AppendUint64(in, uint64(v))
	}
	in, _ = binary.Append(in, binary.LittleEndian, partial)
	out := runEmu(t, bin, "fieldgroups", in)
	ng := (nblk + quench.SumGroup - 1) / quench.SumGroup
	if len(out) != 8*2*ng {
		t.Fatalf("%d bytes out, want %d groups of 2", len(out), ng)
	}
	for c := range 2 {
		var groups []float64
		for g := range ng {
			groups = append(groups, math.Float64frombits(binary.LittleEndian.Uint64(out[8*(2*g+c):])))
			var want float64
			for _, v := range cols[c][g*quench.SumGroup : min((g+1)*quench.SumGroup, nblk)] {
				want += v
			}
			if math.Float64bits(groups[g]) != math.Float64bits(want) {
				t.Errorf("column %d group %d: emulated %v, want %v", c, g, groups[g], want)
			}
		}
		if got, want := quench.AddPartials(groups), quench.AddPartials(cols[c]); math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("column %d: the groups add to %v, AddPartials of the blocks %v", c, got, want)
		}
	}
}
