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

// SmallestModes returns, for each axis a of lat, |M(k_a)|^2 with
// M(k) = sum_x s_x exp(i k.x) at the smallest nonzero wave vector along a,
// k_a = 2 pi/L_a: from the plane sums P_a[j] (Reducer.IsingPlanes),
// re = sum_j P_a[j] cos(2 pi j/L_a), im = sum_j P_a[j] sin(2 pi j/L_a),
// the angle by pmath.SinCos2Pi of the IEEE quotient j/L_a, each product
// and sum one float64 operation, j in order, and |M|^2 = re*re + im*im.
// The plane sums are exact, so runs on any backend get the same bits.
func SmallestModes(planes []int64, lat Lattice) ([]float64, error) {
	if err := CheckPlanes(lat, planes); err != nil {
		return nil, err
	}
	out := make([]float64, lat.Dim())
	off := 0
	for a, l := range lat.Shape {
		var re, im float64
		for j, p := range planes[off : off+l] {
			s, c := pmath.SinCos2Pi(float64(j) / float64(l))
			x := float64(p)
			// (the conversions keep each product apart from its sum: Go
			// may fuse x*c + re otherwise)
			re += float64(x * c)
			im += float64(x * s)
		}
		out[a] = float64(re*re) + float64(im*im)
		off += l
	}
	return out, nil
}
