package kernels

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/cpu"
	"github.com/quenchlab/quench/internal/philox"
)

// TestSandpileKernelsEmulated adds the same grains through the emulated
// CUDA rounds, both the two kernels a round (sandpile_flags and
// sandpile_apply) and the cooperative sandpile_relax, and the CPU backend,
// and requires identical heights, activity, stamps and avalanche
// statistics.
func TestSandpileKernelsEmulated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a C++ emulation")
	}
	bin := buildEmu(t)
	// single-tile shapes from random heights, 2n grains each; shapes of
	// several tiles (1024 sites: 1D runs of 1024, 2D 32x32, 3D 8x8x16, with
	// partial tiles at the upper edges) from a stationary sample, whose
	// avalanches cross tile boundaries
	cases := []struct {
		shape      []int
		stationary bool
		grains     int64
		at         []int64 // grain sites, when not drawn
	}{{[]int{9, 13}, false, 0, nil}, {[]int{4, 5, 6}, false, 0, nil}, {[]int{20}, false, 0, nil}, {[]int{2, 2}, false, 0, nil},
		{[]int{70, 40}, true, 80, nil}, {[]int{10, 9, 20}, true, 60, nil}, {[]int{1100}, true, 3, []int64{1023, 1024, 40}}}
	for i, c := range cases {
		shape := c.shape
		lat, _ := quench.NewLattice(shape...)
		n := lat.Sites()
		z := quench.SandpileThreshold(lat.Dim())
		h0 := make([]uint8, n)
		k := philox.KeyFromSeed(uint64(i))
		for x := range h0 {
			h0[x] = uint8(philox.Philox4x32_10(philox.Counter{uint32(x)}, k)[0] % uint32(z))
		}
		grains := 2 * n
		if c.stationary {
			h0, _ = quench.SandpileStationary(lat, quench.Counter{Seed: uint64(i)})
			grains = c.grains
		}
		sites := make([]int64, grains)
		for g := range sites {
			sites[g] = quench.GrainSite(quench.Counter{Seed: uint64(i)}, uint64(g), n)
		}
		if c.at != nil {
			sites = c.at
		}
		var in bytes.Buffer
		hdr := []int64{int64(lat.Dim()), 0, 0, 0, grains}
		copy(hdr[1:], []int64{int64(shape[0]), 0, 0})
		for a, s := range shape {
			hdr[1+a] = int64(s)
		}
		binary.Write(&in, binary.LittleEndian, hdr)
		binary.Write(&in, binary.LittleEndian, sites)
		in.Write(h0)
		outs := map[string][]byte{}
		for _, mode := range []string{"sandpile", "sandpile-relax"} {
			outs[mode] = runEmu(t, bin, mode, in.Bytes())
		}

		be := cpu.New()
		s := &quench.Sandpile{}
		s.Heights, _ = be.Alloc(quench.Uint8, n)
		s.Activity, _ = be.Alloc(quench.Int64, n)
		s.Stamp, _ = be.Alloc(quench.Int32, n)
		be.Upload(s.Heights, h0)
		var avs []int64
		blk := NewSandBlock(lat, 1)
		crossed := 0 // avalanches whose topplings lie in more than one tile
		st := make([]int32, n)
		for g, site := range sites {
			av, err := be.SandpileAdd(s, lat, site, int32(g+1))
			if err != nil {
				t.Fatal(err)
			}
			avs = append(avs, av.Size, av.Area, av.Duration, av.Lost)
			if c.stationary && av.Size > 0 {
				be.Download(st, s.Stamp)
				tiles := map[int64]bool{}
				for x, v := range st {
					if v == int32(g+1) {
						tiles[blk.Tile(int64(x))] = true
					}
				}
				if len(tiles) > 1 {
					crossed++
				}
			}
		}
		if c.stationary && crossed == 0 {
			t.Errorf("shape %v: no avalanche crossed a tile boundary", shape)
		}
		t.Logf("shape %v: %d grains, %d avalanches over several tiles", shape, grains, crossed)
		h := make([]uint8, n)
		act, stamp := make([]int64, n), make([]int32, n)
		be.Download(h, s.Heights)
		be.Download(act, s.Activity)
		be.Download(stamp, s.Stamp)
		var want bytes.Buffer
		want.Write(h)
		binary.Write(&want, binary.LittleEndian, act)
		binary.Write(&want, binary.LittleEndian, stamp)
		binary.Write(&want, binary.LittleEndian, avs)
		for mode, out := range outs {
			if !bytes.Equal(out, want.Bytes()) {
				t.Errorf("shape %v: emulated GPU sandpile (%s) differs from the CPU backend", shape, mode)
			}
		}
	}
}

// TestHeightCountsEmulated runs height_counts, emulated on 3 blocks of 64
// threads and on 1 of 256 (grid-stride loops of several turns), on
// heights 0..10 and 255 (7 and above share the last count) of lattices of
// 1 to 3 axes, the whole lattice, the central box and odd boxes, and
// requires the CPU backend's HeightCounts.
func TestHeightCountsEmulated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a C++ emulation")
	}
	bin := buildEmu(t)
	be := cpu.New()
	for _, c := range []struct {
		shape []int
		box   *quench.Box
	}{
		{[]int{1}, nil}, {[]int{191}, nil}, {[]int{5000}, &quench.Box{Lo: []int{17}, Hi: []int{4093}}},
		{[]int{23, 37}, nil}, {[]int{23, 37}, &quench.Box{Lo: []int{2, 5}, Hi: []int{21, 6}}},
		{[]int{9, 10, 11}, &quench.Box{Lo: []int{1, 2, 3}, Hi: []int{8, 9, 10}}}, {[]int{9, 10, 11}, &quench.Box{Lo: []int{4, 0, 0}, Hi: []int{4, 10, 11}}},
	} {
		lat, _ := quench.NewLattice(c.shape...)
		boxes := []*quench.Box{c.box, quench.CentralBox(lat)}
		n := lat.Sites()
		h := make([]uint8, n)
		for i := range h {
			h[i] = uint8((i * 7919 >> 3) % 11)
			if i%97 == 5 {
				h[i] = 255
			}
		}
		buf, _ := be.Alloc(quench.Uint8, n)
		be.Upload(buf, h)
		for _, box := range boxes {
			want, err := be.HeightCounts(buf, lat, box)
			if err != nil {
				t.Fatal(err)
			}
			g, _ := box.Geometry(lat)
			var total int64
			for _, c := range want {
				total += c
			}
			if total != g.Sites {
				t.Fatalf("%v box %v: CPU counts %v add to %d, the box has %d sites", lat, box, want, total, g.Sites)
			}
			var in []byte
			for _, v := range []int64{g.Sites, g.Ext[1], max(g.Ext[2], 1), g.Stride[0], g.Stride[1], g.Origin} {
				in = binary.LittleEndian.AppendUint64(in, uint64(v))
			}
			out := runEmu(t, bin, "heightcounts", append(in, h...))
			for k := 0; k < 2; k++ {
				var got [8]int64
				for v := range got {
					got[v] = int64(binary.LittleEndian.Uint64(out[64*k+8*v:]))
				}
				if got != want {
					t.Errorf("%v box %v, launch %d: emulated %v, CPU %v", lat, box, k, got, want)
				}
			}
		}
	}
}
