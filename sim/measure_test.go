package sim

import (
	"math"
	"runtime"
	"testing"

	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/internal/pmath"
)

// hostRow measures a final state on the host with the plain formulas of
// each model's columns (phi4's sin and cos from the math package), for
// TestMeasuredOnBackend.
func hostRow(st *State) []float64 {
	c := &st.Config
	switch {
	case IsMass(c.Model) || c.Model == "diffusion":
		x := st.Field
		if IsMass(c.Model) {
			x = make([]float64, len(st.Masses))
			for i, m := range st.Masses {
				x[i] = float64(m) / (1 << 32)
			}
		}
		lx := c.Shape[len(c.Shape)-1]
		n := float64(len(x))
		var s, s2, c1, mx float64
		for i, v := range x {
			s += v
			s2 += v * v
			nb := i + 1
			if nb%lx == 0 {
				nb -= lx
			}
			c1 += v * x[nb]
			mx = math.Max(mx, v)
		}
		mean := s / n
		if c.Model == "diffusion" {
			return []float64{mean, s2/n - mean*mean}
		}
		return []float64{mean, s2/n - mean*mean, c1/n - mean*mean, mx}
	case c.Model == "particles":
		m := float64(len(st.Field))
		var s, s2, v1, v2 float64
		for _, v := range st.Field {
			s += v
			s2 += v * v
		}
		for _, v := range st.Aux {
			v1 += v
			v2 += v * v
		}
		mean := s / m
		var order float64
		if c.Potential == "kuramoto" {
			var cs, sn float64
			for _, th := range st.Field {
				// the documented terms: pmath.SinCos2Pi rounded to the
				// run's precision
				sa, ca := pmath.SinCos2Pi(th)
				if c.Precision == "float32" {
					sa, ca = float64(float32(sa)), float64(float32(ca))
				}
				cs += ca
				sn += sa
			}
			order = math.Hypot(cs, sn) / float64(c.N)
		}
		// Aux holds momenta: velocities are Aux / mass
		vvar := (v2/m - (v1/m)*(v1/m)) / (c.Mass * c.Mass)
		vmean := v1 / m / c.Mass
		if len(st.Aux) == 0 {
			vvar, vmean = 0, 0
		}
		return []float64{mean, s2/m - mean*mean, vvar, order, vmean}
	}
	// phi4
	lat := c.Lattice()
	d, v := lat.Dim(), float64(lat.Sites())
	stride := make([]int, d)
	s := 1
	for a := d - 1; a >= 0; a-- {
		stride[a] = s
		s *= lat.Shape[a]
	}
	var sum, s2, s4, grad float64
	re, im := make([]float64, d), make([]float64, d)
	for n, x := range st.Field {
		sum += x
		s2 += x * x
		s4 += x * x * x * x
		for a := 0; a < d; a++ {
			ca := n / stride[a] % lat.Shape[a]
			fwd := n + stride[a]
			if ca == lat.Shape[a]-1 {
				fwd -= lat.Shape[a] * stride[a]
			}
			grad += (st.Field[fwd] - x) * (st.Field[fwd] - x) / 2
			th := 2 * math.Pi * float64(ca) / float64(lat.Shape[a])
			re[a] += x * math.Cos(th)
			im[a] += x * math.Sin(th)
		}
	}
	m := sum / v
	// H/V = grad + m2/2 phi^2 + lambda/4 phi^4 - h phi, site means
	mass, quartic, field := c.M2/2*s2/v, c.Lambda/4*s4/v, -c.H*sum/v
	row := []float64{m, m * m, m * m * m * m, s2 / v, s4 / v, grad/v + mass + quartic + field, grad / v, mass, quartic, field}
	for a := 0; a < d; a++ {
		row = append(row, (re[a]*re[a]+im[a]*im[a])/v)
	}
	return row
}

// The last measurement of a run, taken on the backend (FieldSums,
// PhaseSums), is what plain host formulas give for the final state, to
// rounding, for every model that measures its state: phi4 (1D-3D), the
// particles, the mass models and diffusion.
func TestMeasuredOnBackend(t *testing.T) {
	cfgs := langevinConfigs()
	cfgs = append(cfgs,
		Config{Model: "kmp", Shape: []int{8, 6}, Mass0: 1.5, Sweeps: 12, Every: 3, Seed: 1, Start: "hot"},
		Config{Model: "aggregation", Shape: []int{30}, Mass0: 1, Injection: 0.1, Sweeps: 12, Every: 3, Seed: 2, Start: "hot"},
		Config{Model: "transfer", Shape: []int{4, 10}, Mass0: 2, Fraction: 0.3, Sweeps: 12, Every: 3, Seed: 3, Start: "hot"},
		Config{Model: "diffusion", Shape: []int{6, 5, 4}, Alpha: 0.1, Precision: "float32", Sweeps: 12, Every: 3, Seed: 4, Start: "hot"},
	)
	for _, cfg := range cfgs {
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		st, _ := simulate(t, cfg)
		got := st.Rows[len(st.Rows)-1][1:]
		want := hostRow(st)
		if len(got) != len(want) {
			t.Fatalf("%s %v: %d columns measured, %d by the host formulas", cfg.Model, cfg.Shape, len(got), len(want))
		}
		cols := cfg.Columns()
		for j := range want {
			// the host sums in another order: agreement to rounding,
			// relative to the column's scale
			scale := math.Max(1, math.Abs(want[j]))
			if math.Abs(got[j]-want[j]) > 1e-12*scale {
				t.Errorf("%s %v: %s = %v on the backend, %v on the host", cfg.Model, cfg.Shape, cols[j], got[j], want[j])
			}
		}
	}
}

// The hot start, drawn in parallel chunks, is the documented value for
// every element (newLangevinState), on more goroutines than cores and over
// several chunks with an odd length, for fields in both precisions and for
// float32 phases; a phase that float32 rounds up to 1 turn becomes 0.
func TestHotStartParallel(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, cfg := range []Config{
		{Model: "phi4", Shape: []int{3, 70001}, Precision: "float64", Start: "hot", Seed: 9},
		{Model: "phi4", Shape: []int{2, 70001}, Precision: "float32", Start: "hot", Seed: 11},
		{Model: "particles", N: 2*rangeChunk + 7, D: 1, Precision: "float32", Potential: "kuramoto", Start: "hot", Seed: 10},
	} {
		st := newLangevinState(cfg)
		key := philox.KeyFromSeed(cfg.Seed)
		phase := uint32(1)
		if cfg.Model == "particles" {
			phase = 2
		}
		for i, got := range st.Field {
			r := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeInit, 0, 0, phase, uint64(i/2), 0), key)
			u := philox.Float64(r[1], r[0])
			if i%2 == 1 {
				u = philox.Float64(r[3], r[2])
			}
			want := 2*u - 1
			if cfg.Precision == "float32" {
				want = float64(float32(want))
			}
			if cfg.Model == "particles" {
				want = float64(float32(u))
				if want >= 1 {
					want = 0
				}
			}
			if got != want {
				t.Fatalf("%s: element %d of %d is %v, want %v", cfg.Model, i, len(st.Field), got, want)
			}
		}
	}
	// the largest u below 1 rounds to 1 in float32: a phase of 0 turns
	f32 := func(x float64) float64 { return float64(float32(x)) }
	f64 := func(x float64) float64 { return x }
	u := 1 - 0x1p-53
	if got := hotValue(u, true, f32); got != 0 {
		t.Errorf("kuramoto float32 phase from u = 1 - 2^-53: %v, want 0", got)
	}
	if got := hotValue(u, true, f64); got != u {
		t.Errorf("kuramoto float64 phase from u = 1 - 2^-53: %v, want u", got)
	}
	if got := hotValue(0.75, false, f32); got != 0.5 {
		t.Errorf("field from u = 0.75: %v, want 0.5", got)
	}
}

// The Kuramoto natural frequencies are Omega + OmegaSpread*xi, oscillators
// 2g and 2g+1 taking the two Gaussians of Philox(Init, phase 3, group g),
// in the run's precision.
func TestKuramotoFrequencies(t *testing.T) {
	for _, prec := range []string{"float64", "float32"} {
		cfg := Config{Model: "particles", N: 5, D: 1, Potential: "kuramoto", Scheme: "em", Precision: prec, Omega: 0.5, OmegaSpread: 2,
			T: 1, K: 1, Dt: 0.01, Gamma: 1, Mass: 1, Sweeps: 1, Every: 1, Seed: 21, Start: "hot"}
		st, err := NewState(cfg)
		if err != nil {
			t.Fatal(err)
		}
		key := philox.KeyFromSeed(21)
		for i := range 5 {
			g0, g1 := pmath.Gaussians(philox.Philox4x32_10(philox.MakeCounter(philox.PurposeInit, 0, 0, 3, uint64(i/2), 0), key))
			want := 0.5 + 2*[]float64{g0, g1}[i%2]
			if prec == "float32" {
				want = float64(float32(want))
			}
			if st.Omega[i] != want {
				t.Errorf("%s: omega[%d] = %v, want %v", prec, i, st.Omega[i], want)
			}
		}
	}
}
