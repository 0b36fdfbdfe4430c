package quench_test

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/quenchlab/quench"
)

// SandpileHeights' enumeration: the number of recurrent configurations is
// det Delta, the toppling matrix's determinant (the number of spanning
// trees of the lattice with its sink), and the 2x2 and 3x3 distributions
// are an audit's independent enumeration: 2x2 0.15625, 0.260417,
// 0.291667, 0.291667 (mean 1.71875), 3x3 0.128477, 0.244517, 0.306853,
// 0.320153 (mean 1.818683).
func TestSandpileHeightsEnumeration(t *testing.T) {
	for _, c := range []struct {
		shape     []int
		recurrent int64
		mean      float64
	}{
		{[]int{2, 2}, 192, 1.71875},
		{[]int{3, 3}, 100352, 1.818683},
		{[]int{2, 5}, 0, 0}, {[]int{1, 7}, 0, 0}, {[]int{2, 2, 2}, 0, 0}, {[]int{1, 2, 3}, 0, 0},
	} {
		lat, _ := quench.NewLattice(c.shape...)
		whole, center, rec, err := quench.SandpileHeights(lat)
		if err != nil {
			t.Fatal(err)
		}
		var mean, sum float64
		for h, p := range whole {
			mean += float64(h) * p
			sum += p
		}
		t.Logf("%v: %d recurrent, P(h) %v, center %v, mean %.7f", c.shape, rec, whole, center, mean)
		if c.recurrent != 0 && rec != c.recurrent || c.mean != 0 && math.Abs(mean-c.mean) > 1e-6 || math.Abs(sum-1) > 1e-14 {
			t.Errorf("%v: %d recurrent, mean %v, sum %v", c.shape, rec, mean, sum)
		}
		if det := toppleDet(lat); math.Abs(float64(rec)-det) > 1e-6*det {
			t.Errorf("%v: %d recurrent configurations, det Delta %v", c.shape, rec, det)
		}
		if c.recurrent == 192 && (math.Abs(whole[0]-0.15625) > 1e-15 || math.Abs(whole[1]-0.2604166666666667) > 1e-15) {
			t.Errorf("2x2: P(h) %v", whole)
		}
	}
}

// toppleDet is det Delta of lat: 2d on the diagonal, -1 between
// neighbours, open boundaries.
func toppleDet(lat quench.Lattice) float64 {
	n := int(lat.Sites())
	d := lat.Dim()
	m := mat.NewDense(n, n, nil)
	for x := range n {
		m.Set(x, x, float64(2*d))
		r, stride := x, 1
		for a := d - 1; a >= 0; a-- {
			c := r % lat.Shape[a]
			r /= lat.Shape[a]
			if c > 0 {
				m.Set(x, x-stride, -1)
			}
			if c < lat.Shape[a]-1 {
				m.Set(x, x+stride, -1)
			}
			stride *= lat.Shape[a]
		}
	}
	return mat.Det(m)
}

// SandpileHeights refuses what it cannot enumerate; a chain's closed
// form holds at any length.
func TestSandpileHeightsLimits(t *testing.T) {
	for _, shape := range [][]int{{3, 5}, {2, 2, 3}, {4, 4}, {1, 13}} {
		lat, _ := quench.NewLattice(shape...)
		if _, _, _, err := quench.SandpileHeights(lat); err == nil {
			t.Errorf("%v: enumerated", shape)
		}
	}
	lat, _ := quench.NewLattice(1000)
	whole, _, rec, err := quench.SandpileHeights(lat)
	if err != nil || rec != 1001 || whole[0] != 1.0/1001 {
		t.Errorf("chain of 1000: %v %d %v", whole, rec, err)
	}
}
