package quench

import (
	"fmt"

	"github.com/quenchlab/quench/internal/pmath"
)

// PlaneSumsLen is the length of Reducer.IsingPlanes' output: the sum of
// lat's extents.
func PlaneSumsLen(lat Lattice) int {
	n := 0
	for _, l := range lat.Shape {
		n += l
	}
	return n
}

// CheckPlanes reports an error unless out can hold lat's plane sums
// (Reducer.IsingPlanes), for the backends.
func CheckPlanes(lat Lattice, out []int64) error {
	if n := PlaneSumsLen(lat); len(out) != n {
		return fmt.Errorf("plane sums of lattice %s take %d values, not %d", lat, n, len(out))
	}
	return nil
}

// ModeTable holds the phases Modes weighs the plane sums of a lattice
// with, computed once for a run's measurements.
type ModeTable struct {
	lat      Lattice
	cos, sin []float64 // for each axis in turn, L_a values
}

// NewModeTable returns lat's table: for each axis a and j < L_a,
// pmath.SinCos2Pi of the IEEE quotient j/L_a.
func NewModeTable(lat Lattice) *ModeTable {
	n := PlaneSumsLen(lat)
	t := &ModeTable{lat: lat, cos: make([]float64, 0, n), sin: make([]float64, 0, n)}
	for _, l := range lat.Shape {
		for j := range l {
			s, c := pmath.SinCos2Pi(float64(j) / float64(l))
			t.cos, t.sin = append(t.cos, c), append(t.sin, s)
		}
	}
	return t
}

// Modes writes to out (one value per axis) |M(k_a)|^2 with
// M(k) = sum_x s_x exp(i k.x) at the smallest nonzero wave vector along
// each axis a, k_a = 2 pi/L_a: from the plane sums P_a[j]
// (Reducer.IsingPlanes) less their mean, as the exact integers
// d_j = L_a P_a[j] - M (M = sum_j P_a[j]; the phases add to 0, so this
// leaves M(k) as it is, and planes all alike give exactly 0, not the
// rounding of sum_j cos(2 pi j/L_a) times M), re = sum_j d_j cos(2 pi j/L_a)
// and im = sum_j d_j sin(2 pi j/L_a), each product and sum one float64
// operation, j in order, and |M|^2 = (re*re + im*im) / L_a^2. The plane
// sums are exact, so runs on any backend get the same bits.
func (t *ModeTable) Modes(planes []int64, out []float64) error {
	if err := CheckPlanes(t.lat, planes); err != nil {
		return err
	}
	if len(out) != t.lat.Dim() {
		return fmt.Errorf("the smallest modes of lattice %s are %d values, not %d", t.lat, t.lat.Dim(), len(out))
	}
	off := 0
	for a, l := range t.lat.Shape {
		var m int64
		for _, p := range planes[off : off+l] {
			m += p
		}
		var re, im float64
		c, s := t.cos[off:off+l], t.sin[off:off+l]
		for j, p := range planes[off : off+l] {
			// exact: |L p| and |m| are at most the sites, below 2^50
			x := float64(int64(l)*p - m)
			// (the conversions keep each product apart from its sum: Go
			// may fuse x*c + re otherwise)
			re += float64(x * c[j])
			im += float64(x * s[j])
		}
		l2 := float64(l) * float64(l)
		out[a] = (float64(re*re) + float64(im*im)) / l2
		off += l
	}
	return nil
}
