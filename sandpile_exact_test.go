package quench

import (
	"math"
	"strings"
	"testing"
)

// The eigenmode sums give on a chain what the closed form w(x) = (x+1)(L-x)/2
// does (SandpileMeanSize takes the closed form there), and the exact
// rationals of docs/exact-values.md elsewhere.
func TestSandpileMeanSizeModes(t *testing.T) {
	for l := 1; l <= 64; l++ {
		lat := Lattice{Shape: []int{l}}
		s1, s2, err := sandpileModeSums(lat)
		if err != nil {
			t.Fatal(err)
		}
		var w1, w2 float64
		for x := range l {
			w := float64((x+1)*(l-x)) / 2
			w1 += w
			w2 += w * w
		}
		if math.Abs(s1-w1) > 1e-12*w1 || math.Abs(s2-w2) > 1e-12*w2 {
			t.Errorf("chain of %d: mode sums %v, %v; closed form %v, %v", l, s1, s2, w1, w2)
		}
		mean, v, err := SandpileMeanSize(lat)
		if err != nil || mean != w1/float64(l) || math.Abs(v-(w2/float64(l)-mean*mean)) > 1e-12*w2/float64(l) {
			t.Errorf("chain of %d: %v, %v, %v", l, mean, v, err)
		}
	}
	for _, c := range []struct {
		shape []int
		mean  float64
	}{
		{[]int{16}, 51.0 / 2},
		{[]int{8, 8}, 49915.0 / 14416},
		{[]int{4, 4, 4}, 179.0 / 228},
		{[]int{1, 1}, 0.25},     // one site: 4 grains leave per toppling
		{[]int{2, 2}, 0.5},      // w = 1/2 everywhere: Delta 1 = 2
		{[]int{1, 3}, 8.0 / 21}, // diagonal 4 on a chain of 3: w = (5, 6, 5)/14
	} {
		mean, _, err := SandpileMeanSize(Lattice{Shape: c.shape})
		if err != nil || math.Abs(mean-c.mean) > 1e-13*c.mean {
			t.Errorf("%v: <s> = %.15g, %v; want %.15g", c.shape, mean, err, c.mean)
		}
	}
	for _, bad := range []Lattice{{}, {Shape: []int{0, 4}}, {Shape: []int{1 << 16, 1 << 16, 1 << 16}}} {
		if _, _, err := SandpileMeanSize(bad); err == nil {
			t.Errorf("%v: no error", bad.Shape)
		}
	}
}

// The mode tables are allocated once per axis: on a long strip (2 x 2^28)
// regrowing them by append copied gigabytes and took 28 s at the end of
// the run, 5 s without.
func TestSandpileMeanSizeAllocs(t *testing.T) {
	lat := Lattice{Shape: []int{4, 1 << 16}}
	if n := testing.AllocsPerRun(3, func() { SandpileMeanSize(lat) }); n > 6 {
		t.Errorf("%v: %v allocations; want one per axis and a few", lat.Shape, n)
	}
}

// The bound on the odd eigenmodes counts (L+1)/2 of them along an axis:
// 2047x2047x4097 has 1024*1024*2049, just over 2^31, and is refused
// before any sum is taken (as L/2 the count would be 1023*1023*2048, under
// it).
func TestSandpileMeanSizeTermsBound(t *testing.T) {
	lat := Lattice{Shape: []int{2047, 2047, 4097}}
	if _, _, err := SandpileMeanSize(lat); err == nil || !strings.Contains(err.Error(), "odd eigenmodes") {
		t.Errorf("%v: %v, want refused for its 1024*1024*2049 > 2^31 odd modes", lat.Shape, err)
	}
}

// TestSandpileW: w = Delta^-1 1 by sine transforms is the chain's closed
// form (x+1)(L-x)/2, and its mean and variance over the sites are
// SandpileMeanSize's eigenmode sums (8^2, 5x7, 4x4x6, 64^2) to 1e-12.
func TestSandpileW(t *testing.T) {
	w, err := SandpileW(Lattice{Shape: []int{9}})
	if err != nil {
		t.Fatal(err)
	}
	for x, v := range w {
		if want := float64((x+1)*(9-x)) / 2; math.Abs(v-want) > 1e-12 {
			t.Errorf("chain of 9: w(%d) = %v, want %v", x, v, want)
		}
	}
	for _, shape := range [][]int{{8, 8}, {5, 7}, {4, 4, 6}, {64, 64}} {
		lat := Lattice{Shape: shape}
		w, err := SandpileW(lat)
		if err != nil {
			t.Fatal(err)
		}
		mean, varSite, _ := SandpileMeanSize(lat)
		var s, s2 float64
		for _, v := range w {
			s += v
			s2 += v * v
		}
		n := float64(len(w))
		if m, v := s/n, s2/n-(s/n)*(s/n); math.Abs(m-mean) > 1e-12*mean || math.Abs(v-varSite) > 1e-9*varSite {
			t.Errorf("%v: mean %v var %v, want %v %v", shape, m, v, mean, varSite)
		}
	}
	if _, err := SandpileW(Lattice{Shape: []int{4096, 2048}}); err == nil {
		t.Error("2^23 sites: no error")
	}
	if _, err := SandpileW(Lattice{Shape: []int{2048, 2048}}); err == nil {
		t.Error("2048^2, 2049 = 3 x 683: no error")
	}
	for n, want := range map[int]int{2: 2, 2049: 683, 1025: 41, 257: 257, 1024: 2, 12: 3} {
		if got := largestPrime(n); got != want {
			t.Errorf("largestPrime(%d) = %d, want %d", n, got, want)
		}
	}
}
