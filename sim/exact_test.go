package sim

import (
	"math"
	"testing"

	"github.com/quenchlab/quench"
)

// exact holds exact canonical averages of the L x L periodic Ising model
// by enumeration of all 2^(L*L) states.
type exact struct {
	u, c, m, absM, m2, m4 float64
	absMS, ms2, ms4       float64 // the staggered magnetization's
}

// enumerate is the J = 1, h = 0 model.
func enumerate(L int, beta float64) exact { return enumerateJH(L, beta, 1, 0) }

// enumerateJH is the L x L model H = -J sum_<ij> s_i s_j - h sum_i s_i.
func enumerateJH(L int, beta, J, h float64) exact {
	return enumerateShape([]int{L, L}, beta, J, h)
}

// enumerateShape is the model on a periodic lattice of any shape (numpy
// order), bonds to the next site along every axis (an extent of 2 makes
// both neighbours along that axis the same site, as in the engine).
func enumerateShape(shape []int, beta, J, h float64) exact {
	n := 1
	for _, l := range shape {
		n *= l
	}
	var z, se, se2, sm, sam, sm2, sm4, sams, sms2, sms4 float64
	// Accumulate by (bond sum, magnetization, staggered sum) to keep the
	// weights exact.
	counts := map[[3]int]float64{}
	s := make([]int, n)
	coord := make([]int, len(shape))
	for state := 0; state < 1<<n; state++ {
		for i := range s {
			s[i] = 1 - 2*(state>>i&1)
		}
		bond, mag, stag := 0, 0, 0
		for i, v := range s {
			mag += v
			rest, sign := i, 1
			for a := len(shape) - 1; a >= 0; a-- {
				coord[a] = rest % shape[a]
				rest /= shape[a]
				sign *= 1 - 2*(coord[a]%2)
			}
			stag += sign * v
			stride := 1
			for a := len(shape) - 1; a >= 0; a-- {
				next := i + stride
				if coord[a] == shape[a]-1 {
					next -= shape[a] * stride
				}
				bond += v * s[next]
				stride *= shape[a]
			}
		}
		counts[[3]int{bond, mag, stag}]++
	}
	for k, g := range counts {
		e := -(J*float64(k[0]) + h*float64(k[1])) / float64(n)
		m := float64(k[1]) / float64(n)
		w := g * math.Exp(-beta*e*float64(n))
		z += w
		se += w * e
		se2 += w * e * e
		sm += w * m
		sam += w * math.Abs(m)
		sm2 += w * m * m
		sm4 += w * m * m * m * m
		ms := float64(k[2]) / float64(n)
		sams += w * math.Abs(ms)
		sms2 += w * ms * ms
		sms4 += w * ms * ms * ms * ms
	}
	u := se / z
	return exact{u: u, c: float64(n) * beta * beta * (se2/z - u*u), m: sm / z, absM: sam / z, m2: sm2 / z, m4: sm4 / z,
		absMS: sams / z, ms2: sms2 / z, ms4: sms4 / z}
}

// The enumerator itself against the published L = 4 values (docs/exact-values.md).
func TestEnumerationL4(t *testing.T) {
	const tol = 1e-9 // the table's printed digits
	e2 := enumerate(4, 0.5)
	ec := enumerate(4, math.Log(1+math.Sqrt2)/2)
	checks := []struct {
		name      string
		got, want float64
	}{
		{"u(T=2)", e2.u, -1.755380288777},
		{"c(T=2)", e2.c, 0.605532657},
		{"u(Tc)", ec.u, -1.565623787638},
		{"c(Tc)", ec.c, 0.783266826},
		{"<|m|>(Tc)", ec.absM, 0.8438604448},
		{"<m^2>(Tc)", ec.m2, 0.7613589086},
		{"<m^4>(Tc)", ec.m4, 0.6656912133},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > tol {
			t.Errorf("unexpected exact %s: got %.12f want %.12f", c.name, c.got, c.want)
		}
	}
}

// quench.IsingExact2D, which the runs report as the exact energy and
// specific heat, against the enumeration on square and rectangular
// lattices, odd extents and extents of 2 (a double bond) included, in both
// orientations, from high temperature through Kc to low; and on a large
// lattice against Onsager's infinite-lattice energy, which it approaches
// exponentially fast away from Tc.
func TestIsingExact2DEnumeration(t *testing.T) {
	kc := math.Log(1+math.Sqrt2) / 2
	for _, shape := range [][]int{{2, 2}, {2, 3}, {3, 2}, {3, 3}, {2, 7}, {7, 2}, {3, 4}, {4, 3}, {4, 4}, {3, 5}, {5, 3}, {5, 2}, {2, 8}} {
		for _, k := range []float64{0.05, 0.3, 0.43, kc, 0.45, 0.7, 1.5} {
			e := enumerateShape(shape, k, 1, 0)
			u, c, err := quench.IsingExact2D(shape[0], shape[1], k)
			if err != nil || math.Abs(u-e.u) > 1e-11 || math.Abs(c-e.c) > 1e-10 {
				t.Errorf("%v K=%v: Kaufman u %.14f c %.14f (%v); enumeration %.14f %.14f", shape, k, u, c, err, e.u, e.c)
			}
		}
	}
	for _, c := range []struct{ k, u float64 }{{0.5, -1.745564575313}, {1.0 / 3, -0.817309592502}} {
		if u, _, err := quench.IsingExact2D(1024, 512, c.k); err != nil || math.Abs(u-c.u) > 1e-12 {
			t.Errorf("1024x512 K=%v: u %.14f (%v), infinite lattice %.12f", c.k, u, err, c.u)
		}
	}
	for _, bad := range [][3]float64{{1, 4, 0.4}, {4, 0, 0.4}, {4, 4, 0}, {4, 4, -1}, {4, 4, math.NaN()}, {4, 4, math.Inf(1)}} {
		if _, _, err := quench.IsingExact2D(int(bad[0]), int(bad[1]), bad[2]); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
