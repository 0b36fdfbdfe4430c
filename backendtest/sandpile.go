package backendtest

import (
	"errors"
	"testing"

	"github.com/quenchlab/quench"
)

// RefSandpileAdd is the plain reference of quench.Sandpile's rule: add a
// grain, then full-lattice synchronous rounds until stable.
func RefSandpileAdd(h []uint8, act []int64, stamp []int32, lat quench.Lattice, site int64, avalanche int32) quench.Avalanche {
	var av quench.Avalanche
	z := uint8(quench.SandpileThreshold(lat.Dim()))
	h[site]++
	c := make([]int, lat.Dim())
	for {
		var top []int64
		for x := range h {
			if h[x] >= z {
				top = append(top, int64(x))
			}
		}
		if len(top) == 0 {
			return av
		}
		av.Duration++
		add := make([]uint8, len(h))
		for _, x := range top {
			av.Size++
			act[x]++
			if stamp[x] != avalanche {
				stamp[x] = avalanche
				av.Area++
			}
			coords(lat, x, c)
			for a := range c {
				for _, dir := range []int{-1, 1} {
					if y := c[a] + dir; y < 0 || y >= lat.Shape[a] {
						av.Lost++
						continue
					}
					add[neighbour(lat, c, a, dir)]++
				}
			}
		}
		for _, x := range top {
			h[x] -= z
		}
		for x := range h {
			h[x] += add[x]
		}
	}
}

// Sandpile is the suite's sandpile part (Run runs it): grains on small
// piles of every dimension and on the maximal stable 96^2 pile, against
// the reference.
func Sandpile(t *testing.T, b quench.Backend) {
	for i, shape := range [][]int{{2, 2}, {7, 5}, {16, 16}, {4, 5, 6}, {30}} {
		lat, _ := quench.NewLattice(shape...)
		checkSandpile(t, b, lat, make([]uint8, lat.Sites()), quench.Counter{Seed: uint64(30 + i)}, int(4*lat.Sites()*int64(lat.Dim())))
	}
	// the maximal stable 96^2 pile (every height z-1): avalanches over the
	// whole lattice whose rounds topple up to ~2100 sites (the CPU
	// backend's round lists grow twice)
	lat, _ := quench.NewLattice(96, 96)
	h := make([]uint8, lat.Sites())
	for x := range h {
		h[x] = uint8(quench.SandpileThreshold(2) - 1)
	}
	checkSandpile(t, b, lat, h, quench.Counter{Seed: 1}, 5)
}

// checkSandpile adds grains to a pile of heights h on b and to the
// reference, and requires the same avalanches and the same final state.
func checkSandpile(t *testing.T, b quench.Backend, lat quench.Lattice, h []uint8, ctr quench.Counter, grains int) {
	t.Helper()
	n := lat.Sites()
	s := &quench.Sandpile{}
	var err error
	if s.Heights, err = b.Alloc(quench.Uint8, n); err != nil {
		t.Fatal(err)
	}
	s.Activity = Alloc(t, b, quench.Int64, n)
	s.Stamp = Alloc(t, b, quench.Int32, n)
	defer func() {
		for _, buf := range []quench.Buffer{s.Heights, s.Activity, s.Stamp} {
			b.Free(buf)
		}
	}()
	if err := b.Upload(s.Heights, h); err != nil {
		t.Fatal(err)
	}
	act, stamp := make([]int64, n), make([]int32, n)
	var biggest int64
	for g := 0; g < grains; g++ {
		site := quench.GrainSite(ctr, uint64(g), n)
		got, err := b.SandpileAdd(s, lat, site, int32(g+1))
		if errors.Is(err, quench.ErrNotImplemented) {
			t.Fatalf("%s: %v: every backend must implement the sandpile", b.Name(), err)
		}
		if err != nil {
			t.Fatal(err)
		}
		want := RefSandpileAdd(h, act, stamp, lat, site, int32(g+1))
		if got != want {
			t.Fatalf("%v: unexpected avalanche for grain %d: got %+v want %+v", lat, g, got, want)
		}
		biggest = max(biggest, got.Size)
	}
	gh, ga, gs := make([]uint8, n), make([]int64, n), make([]int32, n)
	Must(t, b.Download(gh, s.Heights))
	Must(t, b.Download(ga, s.Activity))
	Must(t, b.Download(gs, s.Stamp))
	for x := range gh {
		if gh[x] != h[x] || ga[x] != act[x] || gs[x] != stamp[x] {
			t.Fatalf("%v: unexpected sandpile state at site %d", lat, x)
		}
	}
	for _, box := range []*quench.Box{nil, quench.CentralBox(lat)} {
		counts, err := b.HeightCounts(s.Heights, lat, box)
		if err != nil {
			t.Fatal(err)
		}
		if want := RefHeightCounts(h, lat, box); counts != want {
			t.Fatalf("%v: height counts in %v: %v, want %v", lat, box, counts, want)
		}
	}
	t.Logf("%v: %d grains identical to the reference, largest avalanche %d topplings", lat, grains, biggest)
}

// RefHeightCounts counts the heights of the sites of lat in box (nil: all)
// by value, 7 and above together (quench.Reducer.HeightCounts), each
// site's coordinates taken one by one.
func RefHeightCounts(h []uint8, lat quench.Lattice, box *quench.Box) [8]int64 {
	var c [8]int64
	co := make([]int, lat.Dim())
	for n, v := range h {
		coords(lat, int64(n), co)
		in := true
		for a, x := range co {
			if box != nil && (x < box.Lo[a] || x >= box.Hi[a]) {
				in = false
			}
		}
		if in {
			c[min(v, 7)]++
		}
	}
	return c
}

// testHeightCounts: lattices of 1 to 3 axes whose boxes (the whole
// lattice, the central one, odd boxes, empty ones) span one and several
// of the CPU's parts (a GPU's grid-stride loop repeats only past 2^28
// sites: the emulation and the GPU's cross-check past 2^31 sites take
// that), values over the whole byte range; boxes that do not fit are
// refused.
func testHeightCounts(t *testing.T, b quench.Backend) {
	for _, c := range []struct {
		shape []int
		boxes []*quench.Box
	}{
		{[]int{1}, nil},
		{[]int{255}, []*quench.Box{{Lo: []int{3}, Hi: []int{200}}, {Lo: []int{7}, Hi: []int{7}}}},
		{[]int{1<<20 + 3}, []*quench.Box{{Lo: []int{5}, Hi: []int{1 << 20}}}},
		{[]int{3, 1<<19 + 9}, []*quench.Box{{Lo: []int{1, 2}, Hi: []int{3, 1<<19 + 1}}}},
		{[]int{2048, 2600}, []*quench.Box{{Lo: []int{3, 0}, Hi: []int{2047, 2600}}, {Lo: []int{0, 5}, Hi: []int{0, 9}}}},
		{[]int{37, 41, 43}, []*quench.Box{{Lo: []int{1, 2, 3}, Hi: []int{36, 3, 40}}}},
	} {
		lat, _ := quench.NewLattice(c.shape...)
		n := lat.Sites()
		h := make([]uint8, n)
		for i := range h {
			h[i] = uint8(uint64(i) * 0x9E3779B97F4A7C15 >> 56)
			if i%3 == 0 {
				h[i] &= 3
			}
		}
		buf, err := b.Alloc(quench.Uint8, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Upload(buf, h); err != nil {
			t.Fatal(err)
		}
		for _, box := range append(c.boxes, nil, quench.CentralBox(lat)) {
			got, err := b.HeightCounts(buf, lat, box)
			if err != nil {
				t.Fatal(err)
			}
			if want := RefHeightCounts(h, lat, box); got != want {
				t.Errorf("%v, box %v: counts %v, want %v", lat, box, got, want)
			}
		}
		d := lat.Dim()
		for _, bad := range []*quench.Box{{Lo: make([]int, d), Hi: append([]int{c.shape[0] + 1}, c.shape[1:]...)},
			{Lo: make([]int, d+1), Hi: make([]int, d+1)}} {
			if _, err := b.HeightCounts(buf, lat, bad); err == nil {
				t.Errorf("%v: box %v accepted", lat, bad)
			}
		}
		b.Free(buf)
	}
	// a buffer of another lattice's size
	lat, _ := quench.NewLattice(4, 4)
	buf := Alloc(t, b, quench.Uint8, 15)
	if _, err := b.HeightCounts(buf, lat, nil); err == nil {
		t.Errorf("15 heights on a 4x4 lattice accepted")
	}
	b.Free(buf)
}

// Recurrent reports whether the stable configuration h of the open lattice
// shape is recurrent, by Dhar's burning algorithm written out here
// independently of the backend: the sink is burnt, and a site burns once
// its height is at least the number of its unburnt lattice neighbours;
// the configuration is recurrent iff every site burns.
func Recurrent(shape []int, h []uint8) bool {
	n := len(h)
	stride := make([]int, len(shape))
	s := 1
	for a := len(shape) - 1; a >= 0; a-- {
		stride[a] = s
		s *= shape[a]
	}
	burnt := make([]bool, n)
	for left, changed := n, true; changed; {
		changed = false
		for x := 0; x < n; x++ {
			if burnt[x] {
				continue
			}
			unburnt := 0
			for a := range shape {
				c := x / stride[a] % shape[a]
				if c > 0 && !burnt[x-stride[a]] {
					unburnt++
				}
				if c < shape[a]-1 && !burnt[x+stride[a]] {
					unburnt++
				}
			}
			if int(h[x]) >= unburnt {
				burnt[x], changed = true, true
				if left--; left == 0 {
					return true
				}
			}
		}
	}
	return false
}

// RecurrentHeights enumerates the (2d)^N stable configurations of the
// open lattice shape (small: N sites) and returns, for each site and
// height, how many recurrent ones (Recurrent) have that height there, and
// how many are recurrent in all. The stationary state of the driven pile
// is uniform on them, so count[x][h]/total is the exact P(h) at site x.
func RecurrentHeights(shape []int) (count [][]float64, total int64) {
	n, z := 1, 2*len(shape)
	for _, l := range shape {
		n *= l
	}
	count = make([][]float64, n)
	for x := range count {
		count[x] = make([]float64, z)
	}
	h := make([]uint8, n)
	for cfg := 0; ; cfg++ {
		c := cfg
		for x := range h {
			h[x] = uint8(c % z)
			c /= z
		}
		if c > 0 {
			return count, total
		}
		if Recurrent(shape, h) {
			total++
			for x, v := range h {
				count[x][v]++
			}
		}
	}
}
