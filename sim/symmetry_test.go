package sim

import (
	"github.com/quenchlab/quench"
	"math"
	"slices"
	"testing"
)

// An ordered Ising lattice that never reverses its magnetization in a run
// measures m at +-|m| with the small error of its fluctuations within that
// side, though a symmetry makes <m> = 0 (other seeds draw the other side):
// such a mean is not reliable ("symmetry"), its even observables are. Over
// 8 seeds of 16^2 at T = 2 (no reversal in 20000 sweeps; 29 of 40 seeds of
// 100000 sweeps were "reliable" at +-0.91, 5e-4 errors, before the rule),
// each magnetization still marked reliable must lie within 4 errors of 0
// (rms z below 2, where honest errors give about 1), and every
// abs_magnetization is reliable.
func TestSymmetryBrokenIsing(t *testing.T) {
	var z2 float64
	var n int
	for seed := uint64(1); seed <= 8; seed++ {
		sum := summaryOf(t, Config{Model: "ising2d", Shape: []int{16, 16}, T: 2, J: 1, Algo: "metropolis",
			Sweeps: 20000, Therm: 1000, Every: 1, Seed: seed, Start: "hot"})
		m, am := sum.Observables["magnetization"], sum.Observables["abs_magnetization"]
		if !am.Reliable {
			t.Errorf("seed %d: abs_magnetization %v +- %v not reliable", seed, *am.Mean, *am.Error)
		}
		if m.Reliable {
			z := *m.Mean / *m.Error
			z2 += z * z
			n++
		} else if math.Abs(*m.Mean) > 4**m.Error && !slices.Contains(m.UnreliableBy, "symmetry") {
			t.Errorf("seed %d: magnetization %v +- %v marked %v, not %q", seed, *m.Mean, *m.Error, m.UnreliableBy, "symmetry")
		}
	}
	if n > 0 && math.Sqrt(z2/float64(n)) > 2 {
		t.Errorf("the %d reliable magnetizations lie %.3g errors (rms) from the exact 0", n, math.Sqrt(z2/float64(n)))
	}
}

// The rule leaves a disordered lattice's magnetization, and a staggered
// one that a field leaves symmetric, reliable: 8 seeds of 16^2 at T = 3,
// h = 0, and of an antiferromagnet at T = 2, h = 0.5 (ordered: its
// staggered magnetization stays on one side and is marked, its uniform
// one, which the field makes nonzero, is not).
func TestSymmetryRuleSpares(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		sum := summaryOf(t, Config{Model: "ising2d", Shape: []int{16, 16}, T: 3, J: 1, Algo: "metropolis",
			Sweeps: 20000, Therm: 1000, Every: 1, Seed: seed, Start: "hot"})
		for _, name := range []string{"magnetization", "staggered_magnetization"} {
			if v := sum.Observables[name]; !v.Reliable {
				t.Errorf("T = 3, seed %d: %s %v +- %v marked %v", seed, name, *v.Mean, *v.Error, v.UnreliableBy)
			}
		}
		sum = summaryOf(t, Config{Model: "ising2d", Shape: []int{16, 16}, T: 2, J: -1, H: 0.5, Algo: "heatbath",
			Sweeps: 20000, Therm: 1000, Every: 1, Seed: seed, Start: "hot"})
		if v := sum.Observables["magnetization"]; !v.Reliable {
			t.Errorf("antiferromagnet, seed %d: magnetization %v +- %v marked %v", seed, *v.Mean, *v.Error, v.UnreliableBy)
		}
		if v := sum.Observables["staggered_magnetization"]; v.Reliable && math.Abs(*v.Mean) > 4**v.Error {
			t.Errorf("antiferromagnet, seed %d: staggered_magnetization %v +- %v reliable", seed, *v.Mean, *v.Error)
		}
	}
}

// Particles in a deep double well (k = 12, T = 1: a crossing every 10^4
// time units) keep their split between the wells: x_mean sits about
// 1/sqrt(N) from its exact 0 with a small error, and x_var, which
// subtracts x_mean^2, is off by as much (over 20 seeds of N = 100 its
// values spread 28 times their errors). Both are marked "symmetry"; x2,
// which either well gives alike, is not, and is within 4 errors of exact.
func TestSymmetryBrokenDoubleWell(t *testing.T) {
	marked := 0
	for seed := uint64(1); seed <= 4; seed++ {
		sum := summaryOf(t, Config{Model: "particles", N: 100, D: 1, Potential: "doublewell", K: 12, T: 1, Gamma: 1, Mass: 1,
			Scheme: "lm", Dt: 0.01, Precision: "float64", Sweeps: 20000, Therm: 1000, Every: 2, Seed: seed, Start: "hot"})
		x, v := sum.Observables["x_mean"], sum.Observables["x_var"]
		if x.Reliable && math.Abs(*x.Mean) > 4**x.Error {
			t.Errorf("seed %d: x_mean %v +- %v reliable", seed, *x.Mean, *x.Error)
		}
		if slices.Contains(x.UnreliableBy, "symmetry") {
			marked++
			if v.Reliable || !slices.Contains(v.UnreliableBy, "symmetry") {
				t.Errorf("seed %d: x_mean marked, x_var %v +- %v marked %v", seed, *v.Mean, *v.Error, v.UnreliableBy)
			}
		}
		// x2, the mean square, is the same in either well: not marked,
		// and within 4 errors of the Boltzmann <x^2> (measured: -1.40,
		// -0.89, +0.59, +0.61 errors of about 2e-4; lm's dt^2 bias does
		// not show)
		x2 := sum.Observables["x2"]
		if !x2.Reliable || math.Abs(*x2.Mean-sum.Exact["x2"]) > 4**x2.Error {
			t.Errorf("seed %d: x2 %v +- %v (marked %v), exact %v", seed, *x2.Mean, *x2.Error, x2.UnreliableBy, sum.Exact["x2"])
		}
	}
	if marked == 0 {
		t.Errorf("no seed's x_mean marked for the symmetry")
	}
}

// Without noise (T = 0) phi4 and the particles descend deterministically
// from their start, which picks a side once and for all: no stationary
// law, nothing for the symmetry rule to mark (it had told a T = 0 double
// well to run far longer for the other side).
func TestSymmetryRuleSkipsT0(t *testing.T) {
	sum := summaryOf(t, Config{Model: "particles", N: 1000, D: 1, Potential: "doublewell", K: 1, T: 0, Gamma: 1, Mass: 1,
		Scheme: "lm", Dt: 0.01, Precision: "float64", Sweeps: 2000, Therm: 100, Every: 1, Seed: 1, Start: "hot"})
	for _, name := range []string{"x_mean", "x_var"} {
		if v := sum.Observables[name]; slices.Contains(v.UnreliableBy, BySymmetry) {
			t.Errorf("T = 0: %s %v marked %v", name, *v.Mean, v.UnreliableBy)
		}
	}
	c := Config{Model: "phi4", T: 0, Scheme: quench.SchemeEM}
	if z := c.symmetryMeans(); z != nil {
		t.Errorf("phi4 at T = 0: %v", z)
	}
}

// Turning every Kuramoto phase alike is a symmetry, so the stationary mean
// of the phases, in turns in [0, 1), is 1/2. Synchronized phases (N = 100,
// k/T = 4: r about 0.8) move together, their common phase diffusing a
// turn in 2 pi^2 N/T, about 2000 time units: in 200 of them x_mean sits
// where the cluster happens to be, with the small error of its
// fluctuations there, and x_var, the spread of the wrapped phases, with
// it. Over 4 seeds, each x_mean still marked reliable lies within 4 errors
// of 1/2, at least one is marked "symmetry", x_var with it, and the order
// parameter, which the symmetry leaves alone, never is. Incoherent phases
// (N = 200, k/T = 1, over 8 seeds of 200 time units) pass the rule.
func TestSymmetryBrokenKuramoto(t *testing.T) {
	kur := func(n int64, k float64, steps int64, seed uint64) *Summary {
		return summaryOf(t, Config{Model: "particles", N: n, D: 1, Potential: "kuramoto", K: k, T: 1, Gamma: 1, Mass: 1,
			Scheme: "lm", Dt: 0.01, Precision: "float64", Sweeps: steps, Therm: 1000, Every: 1, Seed: seed, Start: "hot"})
	}
	marked := 0
	for seed := uint64(1); seed <= 4; seed++ {
		sum := kur(100, 4, 20000, seed)
		x, v := sum.Observables["x_mean"], sum.Observables["x_var"]
		if x.Reliable && math.Abs(*x.Mean-0.5) > 4**x.Error {
			t.Errorf("synchronized, seed %d: x_mean %v +- %v reliable", seed, *x.Mean, *x.Error)
		}
		if slices.Contains(x.UnreliableBy, BySymmetry) {
			marked++
			if !slices.Contains(v.UnreliableBy, BySymmetry) {
				t.Errorf("synchronized, seed %d: x_mean %v +- %v marked, x_var %v +- %v marked %v", seed, *x.Mean, *x.Error, *v.Mean, *v.Error, v.UnreliableBy)
			}
		}
		for _, name := range []string{"order_parameter", "order_parameter2"} {
			if r := sum.Observables[name]; slices.Contains(r.UnreliableBy, BySymmetry) {
				t.Errorf("synchronized, seed %d: %s %v marked %v", seed, name, *r.Mean, r.UnreliableBy)
			}
		}
		if sum.Exact["x_mean"] != 0.5 {
			t.Errorf("synchronized, seed %d: exact %v, want x_mean 0.5", seed, sum.Exact)
		}
	}
	if marked == 0 {
		t.Errorf("no synchronized seed's x_mean marked for the symmetry")
	}
	t.Logf("synchronized: %d of 4 seeds' x_mean marked", marked)
	for seed := uint64(1); seed <= 8; seed++ {
		sum := kur(200, 1, 20000, seed)
		for _, name := range []string{"x_mean", "x_var"} {
			if v := sum.Observables[name]; slices.Contains(v.UnreliableBy, BySymmetry) {
				t.Errorf("incoherent, seed %d: %s %v +- %v marked %v", seed, name, *v.Mean, *v.Error, v.UnreliableBy)
			}
		}
	}
}

// symmetry_crossings tells a run that stayed on one side (an ordered 16^2
// Ising lattice at T = 2: 0) from one whose series changed sides, too
// seldom for its error bins (double-well particles over a low barrier,
// k/T = 2.9, N = 500, 4000 lm steps: x_mean 9 errors from 0 after 92
// crossings), and symmetryCrossings counts sides, skipping values on the
// symmetric one.
func TestSymmetryCrossings(t *testing.T) {
	sum := summaryOf(t, Config{Model: "ising2d", Shape: []int{16, 16}, T: 2, J: 1, Algo: "metropolis",
		Sweeps: 20000, Therm: 1000, Every: 1, Seed: 1, Start: "hot"})
	if m := sum.Observables["magnetization"]; !slices.Contains(m.UnreliableBy, BySymmetry) || m.SymmetryCrossings == nil || *m.SymmetryCrossings != 0 {
		t.Errorf("ordered Ising: magnetization marked %v, crossings %v, want symmetry and 0", m.UnreliableBy, m.SymmetryCrossings)
	}
	if m := sum.Observables["abs_magnetization"]; m.SymmetryCrossings != nil {
		t.Errorf("ordered Ising: abs_magnetization crossings %v", *m.SymmetryCrossings)
	}
	sum = summaryOf(t, Config{Model: "particles", N: 500, D: 1, Potential: quench.PotentialDoubleWell, K: 2, T: 0.7,
		Scheme: quench.SchemeLM, Precision: "float64", Dt: 0.01, Gamma: 1, Mass: 1, Sweeps: 4000, Therm: 1000, Every: 1, Seed: 1, Start: "hot"})
	if m := sum.Observables["x_mean"]; !slices.Contains(m.UnreliableBy, BySymmetry) || m.SymmetryCrossings == nil || *m.SymmetryCrossings < 10 {
		t.Errorf("low double well: x_mean %v +- %v marked %v, crossings %v, want symmetry and many", *m.Mean, *m.Error, m.UnreliableBy, m.SymmetryCrossings)
	}
	if v := sum.Observables["x_var"]; v.SymmetryCrossings != nil {
		t.Errorf("x_var, marked with x_mean, has crossings %v", *v.SymmetryCrossings)
	}
	st := &State{Config: Config{Model: "phi4", Shape: []int{4}}}
	j := slices.Index(st.Config.Columns(), "phi")
	for _, s := range [][]float64{{1, 0, 2, -1, 0, -2, 3}, {0, 0, 1, 2}, {-1, 0, 0, -2}} {
		st.Rows = nil
		for i, v := range s {
			r := make([]float64, 1+len(st.Config.Columns()))
			r[0], r[1+j] = float64(i), v
			st.Rows = append(st.Rows, r)
		}
		want := map[int]int64{7: 2, 4: 0}[len(s)]
		if got := st.symmetryCrossings("phi", 0); got != want {
			t.Errorf("%v: %d crossings, want %d", s, got, want)
		}
	}
}
