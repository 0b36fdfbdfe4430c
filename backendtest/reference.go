package backendtest

import "github.com/quenchlab/quench"

// coords converts a row-major index into coordinates (last axis fastest).
func coords(lat quench.Lattice, n int64, c []int) {
	for a := lat.Dim() - 1; a >= 0; a-- {
		c[a] = int(n % int64(lat.Shape[a]))
		n /= int64(lat.Shape[a])
	}
}

func index(lat quench.Lattice, c []int) int64 {
	var n int64
	for a, x := range c {
		n = n*int64(lat.Shape[a]) + int64(x)
	}
	return n
}

// neighbour returns the index of the site one step (dir = +-1) along axis a.
func neighbour(lat quench.Lattice, c []int, a, dir int) int64 {
	old := c[a]
	c[a] = (old + dir + lat.Shape[a]) % lat.Shape[a]
	n := index(lat, c)
	c[a] = old
	return n
}

// RefIsingSweep is the sequential reference of one checkerboard sweep: for
// colour 0 then 1, every site of that colour in index order, the rule of
// quench.IsingTable through quench.IsingFlip.
func RefIsingSweep(s []int8, lat quench.Lattice, tab *quench.IsingTable, ctr quench.Counter) {
	c := make([]int, lat.Dim())
	for phase := uint32(0); phase < 2; phase++ {
		for n := int64(0); n < lat.Sites(); n++ {
			if lat.Colour(n) != phase {
				continue
			}
			coords(lat, n, c)
			sum := 0
			for a := range c {
				sum += int(s[neighbour(lat, c, a, 1)]) + int(s[neighbour(lat, c, a, -1)])
			}
			if quench.IsingFlip(tab, tab.Index(s[n], sum), n, phase, ctr) {
				s[n] = -s[n]
			}
		}
	}
}

// RefIsingSums returns the magnetization, the bond sum sum_n sum_a
// s_n s_{n+e_a} and the staggered sum sum_n (-1)^(c_1+...+c_d) s_n by
// direct enumeration.
func RefIsingSums(s []int8, lat quench.Lattice) quench.IsingSums {
	var out quench.IsingSums
	c := make([]int, lat.Dim())
	for n := int64(0); n < lat.Sites(); n++ {
		coords(lat, n, c)
		out.Mag += int64(s[n])
		sign := int64(1)
		for _, x := range c {
			if x%2 == 1 {
				sign = -sign
			}
		}
		out.Stag += sign * int64(s[n])
		for a := range c {
			out.Bond += int64(s[n]) * int64(s[neighbour(lat, c, a, 1)])
		}
	}
	return out
}

// RefIsingPlanes is the documented plane sums of Reducer.IsingPlanes,
// site by site; staggered: of (-1)^(x_1+...+x_d) s_x.
func RefIsingPlanes(s []int8, lat quench.Lattice, staggered bool) []int64 {
	out := make([]int64, quench.PlaneSumsLen(lat))
	c := make([]int, lat.Dim())
	for n := int64(0); n < lat.Sites(); n++ {
		coords(lat, n, c)
		v, par := int64(s[n]), 0
		for _, x := range c {
			par += x
		}
		if staggered && par%2 == 1 {
			v = -v
		}
		off := 0
		for a, x := range c {
			out[off+x] += v
			off += lat.Shape[a]
		}
	}
	return out
}

// RefSum is the documented fixed-block float64 sum of a []float32 or
// []float64: blocks of quench.SumBlock, their partials added by groups of
// quench.SumGroup, each from zero in order, then the groups in order.
func RefSum(data any) float64 {
	var x []float64
	switch v := data.(type) {
	case []float64:
		x = v
	case []float32:
		x = make([]float64, len(v))
		for i := range v {
			x[i] = float64(v[i])
		}
	}
	var tot, grp float64
	for lo := 0; lo < len(x); lo += quench.SumBlock {
		var s float64
		for _, v := range x[lo:min(lo+quench.SumBlock, len(x))] {
			s += v
		}
		grp += s
		if end := lo + quench.SumBlock; end >= len(x) || end%(quench.SumGroup*quench.SumBlock) == 0 {
			tot += grp
			grp = 0
		}
	}
	return tot
}
