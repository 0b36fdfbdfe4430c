package quench

import (
	"slices"
	"strings"
	"testing"
)

// CentralBox is [L/4, L - L/4) along each axis of 4 or more sites, the
// whole axis otherwise; Geometry pads to 3 axes and finds the box's first
// site and size.
func TestCentralBoxGeometry(t *testing.T) {
	lat, _ := NewLattice(3, 8, 5)
	b := CentralBox(lat)
	if !slices.Equal(b.Lo, []int{0, 2, 1}) || !slices.Equal(b.Hi, []int{3, 6, 4}) {
		t.Fatalf("central box of %v: %v..%v", lat, b.Lo, b.Hi)
	}
	g, err := b.Geometry(lat)
	want := BoxGeom{Ext: [3]int64{3, 4, 3}, Stride: [3]int64{40, 5, 1}, Origin: 2*5 + 1, Sites: 36}
	if err != nil || g != want {
		t.Errorf("geometry %+v, %v; want %+v", g, err, want)
	}
	ring, _ := NewLattice(10)
	if g, err := (*Box)(nil).Geometry(ring); err != nil || g != (BoxGeom{Ext: [3]int64{1, 1, 10}, Stride: [3]int64{0, 0, 1}, Sites: 10}) {
		t.Errorf("whole ring: %+v, %v", g, err)
	}
	for _, bad := range []*Box{{Lo: []int{0}, Hi: []int{11}}, {Lo: []int{5}, Hi: []int{4}}, {Lo: []int{-1}, Hi: []int{3}}, {Lo: []int{0, 0}, Hi: []int{1, 1}}} {
		if _, err := bad.Geometry(ring); err == nil {
			t.Errorf("box %v..%v of a ring of 10 accepted", bad.Lo, bad.Hi)
		}
	}
	four, _ := NewLattice(2, 2, 2, 2)
	if _, err := (*Box)(nil).Geometry(four); err == nil {
		t.Errorf("a 4-axis lattice accepted")
	}
}

// NewLattice accepts up to MaxSites = 2^49 sites exactly and refuses one
// extent more: 2^24 x 2^25 is the limit itself, 2^24 x (2^25+1) is over it;
// 3 x floor(2^49/3) is under it (the check must not refuse a product that
// fits because a quotient rounds down).
func TestNewLatticeSiteLimit(t *testing.T) {
	for _, c := range []struct {
		shape []int
		ok    bool
	}{
		{[]int{1 << 24, 1 << 25}, true},
		{[]int{1 << 24, 1<<25 + 1}, false},
		{[]int{3, int(MaxSites / 3)}, true},
		{[]int{3, int(MaxSites/3) + 1}, false},
		{[]int{2, 2, 1 << 47}, true},
		{[]int{2, 2, 1<<47 + 1}, false},
		// products that wrap in int64: 2^64 is 0, 2^63 negative
		{[]int{1 << 32, 1 << 32}, false},
		{[]int{1 << 31, 1 << 32}, false},
	} {
		lat, err := NewLattice(c.shape...)
		if (err == nil) != c.ok {
			t.Errorf("NewLattice(%v): error %v, want accepted %v", c.shape, err, c.ok)
		}
		if err == nil && lat.Sites() > MaxSites {
			t.Errorf("NewLattice(%v) accepted %d sites, above MaxSites", c.shape, lat.Sites())
		}
		// Lattice.Check (lattices built as literals) draws the same line
		if err := (Lattice{Shape: c.shape}).Check(); (err == nil) != c.ok {
			t.Errorf("Lattice{%v}.Check(): error %v, want accepted %v", c.shape, err, c.ok)
		}
	}
}

// ParseShape refuses a single extent below 2 itself (a hypercube of side 1
// or 0), with the message of the shape, as it does for "1x8".
func TestParseShapeSmallSide(t *testing.T) {
	for _, s := range []string{"1", "0", "-3", "1x8"} {
		if shape, err := ParseShape(s, 2); err == nil || !strings.Contains(err.Error(), "too small: every extent must be at least 2") {
			t.Errorf("ParseShape(%q, 2) = %v, %v: want refused as too small", s, shape, err)
		}
	}
	// a dimension below 1 with several extents, or a negative one:
	// refused (strings.Repeat panicked with a negative count, make with a
	// negative length)
	for _, dim := range []int{0, -1} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("ParseShape(\"2x3\", %d) panicked: %v", dim, r)
				}
			}()
			if shape, err := ParseShape("2x3", dim); err == nil {
				t.Errorf("ParseShape(\"2x3\", %d) = %v", dim, shape)
			}
			if shape, err := ParseShape("512", dim-1); err == nil {
				t.Errorf("ParseShape(\"512\", %d) = %v", dim-1, shape)
			}
		}()
	}
	// dimension 0 with one extent: refused too (it gave a shape of no
	// axes, no error)
	if shape, err := ParseShape("512", 0); err == nil {
		t.Errorf("ParseShape(\"512\", 0) = %v", shape)
	}
	if shape, err := ParseShape("2", 3); err != nil || !slices.Equal(shape, []int{2, 2, 2}) {
		t.Errorf("ParseShape(\"2\", 3) = %v, %v", shape, err)
	}
}
