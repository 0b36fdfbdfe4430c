package quench

import (
	"slices"
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
