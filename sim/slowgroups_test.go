package sim

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/quenchlab/quench/stats"
)

// slowTail sums the slow modes by groups that share lambda_k (signs of
// the wave numbers, permutations of axes of equal extent); slowTailModes
// is the sum mode by mode that the rules compare. On many shapes (1D to
// 3D, odd extents, extents 1 and 2, equal and unequal extents) and
// parameters (kmp, transfer, model B with a Hartree curvature above,
// at and below 0, each observable's shares): the groups hold every mode
// once, their tail is within rounding of the walk's, the slowest mode is
// the same to the bit, and every decision, tailMissedAt and the advice's
// stepsFor, is the walk's, at thresholds exactly at the walk's tail and
// one ulp either side too.
func TestSlowTailGroupsSameDecisions(t *testing.T) {
	shapes := [][]int{
		{1}, {2}, {3}, {4}, {7}, {64}, {127}, {128}, {129}, {130}, {1000},
		{1, 1}, {1, 5}, {2, 2}, {2, 3}, {3, 3}, {5, 7}, {2, 64}, {33, 33}, {128, 128}, {129, 130}, {200, 129},
		{1, 1, 1}, {1, 1, 2}, {2, 2, 2}, {1, 2, 3}, {2, 3, 4}, {7, 5, 7}, {9, 9, 9}, {3, 130, 3}, {16, 16, 17}, {40, 40, 40},
	}
	type params struct {
		name string
		cfg  Config
		est  map[string]stats.Estimate
	}
	var ps []params
	for _, sh := range shapes {
		ps = append(ps,
			params{"kmp", Config{Model: "kmp", Shape: sh, Sweeps: 300, Every: 1}, map[string]stats.Estimate{"mass_mean": {Mean: 1}, "mass_var": {Mean: 1}}},
			params{"transfer 0.1", Config{Model: "transfer", Shape: sh, Fraction: 0.1, Sweeps: 1000, Every: 3}, map[string]stats.Estimate{"mass_mean": {Mean: 2}, "mass_var": {Mean: 7}}},
			params{"transfer 0.9", Config{Model: "transfer", Shape: sh, Fraction: 0.9, Sweeps: 77, Every: 1}, map[string]stats.Estimate{"mass_mean": {Mean: 1}, "mass_var": {Mean: 0.2}}},
		)
		for _, mb := range []struct{ m2, lambda, phi2, dt, gamma float64 }{
			{1, 0, 1, 0.01, 1}, {-1, 1, 0.9, 0.01, 1}, {-1, 1, 0.2, 0.02, 0.5}, {0, 0, 3, 0.01, 1}, {0.3, 2, 0.5, 0.005, 2},
		} {
			cfg := Config{Model: "phi4", Scheme: "modelb", Shape: sh, Sweeps: 500, Every: 2, Dt: mb.dt, Gamma: mb.gamma, M2: mb.m2, Lambda: mb.lambda}
			ps = append(ps, params{"modelb", cfg, map[string]stats.Estimate{"phi2": {Mean: mb.phi2}}})
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	bins := []float64{1e-9, 0.5, 1, 2, 3, 10, 80, 1000, 12345.5, 1e6, 3e8, 1e12, 1e15}
	for _, p := range ps {
		c := p.cfg
		sm := c.conservedModes(p.est)
		if sm == nil {
			t.Fatalf("%s %v: no slow modes", p.name, c.Shape)
		}
		variants := map[string]*slowModes{"phi2": sm}
		if c.Model == "phi4" {
			if sm.energy != nil {
				f := 0.6
				phi2 := sm.weight
				sm.quartic = func(l float64) float64 { return f * phi2(l) }
			}
			for _, n := range []string{"energy_gradient", "energy", "phi4"} {
				variants[n] = sm.forObs(n)
			}
		}
		// the groups hold every slow mode once
		lambda, mult, modes := c.tailGroups()
		want := 1.0
		for _, l := range c.Shape {
			want *= float64(min(l, 2*tailModes+1))
		}
		total := 0.0
		for _, m := range mult {
			total += m
		}
		if total != want || modes != want || len(lambda) != len(mult) {
			t.Errorf("%s %v: groups hold %v modes (%v said), want %v", p.name, c.Shape, total, modes, want)
		}
		for vn, v := range variants {
			_, slow0 := c.slowTailModes(v, 1)
			if s := c.slowestTau(v); math.Float64bits(s) != math.Float64bits(slow0) {
				t.Errorf("%s %v %s: slowest %v, walk %v", p.name, c.Shape, vn, s, slow0)
			}
			// the modes' whole part, which the limit takes a fraction
			// of: the mass models', and model B's with a Hartree
			// curvature m2 + 3 lambda phi2 > 0 (and modes: one site has
			// none)
			whole, _ := c.slowTailModes(v, 0)
			hartree := c.Model != "phi4" || c.Lattice().Sites() > 1 && c.M2+3*c.Lambda*p.est["phi2"].Mean > 0
			if g, _ := c.slowTail(v, 0); math.Abs(g-whole) > 1e-12*whole || (v.missed > 0) != hartree {
				t.Errorf("%s %v %s: modes' whole part %v, walk %v; missed %v", p.name, c.Shape, vn, g, whole, v.missed)
			}
			for _, b := range bins {
				exact, _ := c.slowTailModes(v, b)
				fast, _ := c.slowTail(v, b)
				if math.Abs(fast-exact) > 1e-12*exact {
					t.Errorf("%s %v %s bin %v: tail %v, walk %v", p.name, c.Shape, vn, b, fast, exact)
				}
				taus := []float64{exact / tailShare, math.Nextafter(exact/tailShare, 0), math.Nextafter(exact/tailShare, math.Inf(1)),
					exact / tailShare * (1 + 1e-7), exact / tailShare * (1 - 1e-7), 0, -1, math.NaN(), math.Inf(1)}
				for range 4 {
					taus = append(taus, exact/tailShare*math.Exp(rng.NormFloat64()))
				}
				for _, tau := range taus {
					if got, want := c.tailMissedAt(v, b, tau), tailMissed(exact, v.tailLimit(tau, whole)); got != want {
						t.Errorf("%s %v %s bin %v tau %v: missed %v, walk %v", p.name, c.Shape, vn, b, tau, got, want)
					}
				}
				// the mass models: at a limit of the modes' whole part
				// exactly at the walk's tail, and one ulp either side
				if v.missed > 0 && whole > 0 {
					m := exact / whole
					for _, f := range []float64{m, math.Nextafter(m, 0), math.Nextafter(m, 2), m * (1 + 1e-7), m * (1 - 1e-7)} {
						w := *v
						w.missed = f
						for _, tau := range []float64{0, exact / tailShare, math.Nextafter(exact/tailShare, 0)} {
							if got, want := c.tailMissedAt(&w, b, tau), tailMissed(exact, w.tailLimit(tau, whole)); got != want {
								t.Errorf("%s %v %s bin %v missed %v tau %v: missed %v, walk %v", p.name, c.Shape, vn, b, f, tau, got, want)
							}
						}
					}
				}
			}
			// the advice: the first of the doubled runs whose bins the
			// walk finds long enough
			for range 3 {
				tauSteps := 10 * math.Exp(3*rng.NormFloat64())
				got := c.stepsFor(func(b float64) bool { return !c.tailMissedAt(v, b, tauSteps) })
				want := c.stepsFor(func(b float64) bool {
					tail, _ := c.slowTailModes(v, b)
					return !tailMissed(tail, v.tailLimit(tauSteps, whole))
				})
				if got != want {
					t.Errorf("%s %v %s tau %v: advice %d steps, walk %d", p.name, c.Shape, vn, tauSteps, got, want)
				}
			}
		}
	}
}

// The summaries of conserving runs (model B 1D to 3D, kmp and transfer,
// short runs whose bins every slow-mode rule marks, and longer ones) are
// byte for byte those of the walk mode by mode (slowTailByModes), but for
// their timings.
func TestSlowTailGroupsSameSummaries(t *testing.T) {
	mb := func(sweeps int64, m2, lambda float64, shape ...int) Config {
		return Config{Model: "phi4", Scheme: "modelb", Precision: "float64", Shape: shape, Sweeps: sweeps, Therm: 10, Every: 1, Seed: 3, Start: "hot", T: 1, Dt: 0.01, Gamma: 1, Mass: 1, M2: m2, Lambda: lambda}
	}
	ms := func(model string, sweeps int64, shape ...int) Config {
		return Config{Model: model, Shape: shape, Mass0: 1, Fraction: 0.3, Sweeps: sweeps, Therm: 5, Every: 1, Seed: 2, Start: "cold"}
	}
	for _, cfg := range []Config{
		mb(400, -1, 1, 12, 12, 12), mb(300, 1, 0, 9, 10, 9), mb(2000, 1, 0, 8, 8), mb(500, -1, 1, 33, 17), mb(3000, 0.5, 0.5, 64),
		ms("kmp", 2000, 64), ms("transfer", 3000, 30), ms("kmp", 300, 32, 36), ms("transfer", 200, 24, 24), ms("kmp", 100, 6, 40),
	} {
		enc := func(byModes bool) string {
			slowTailByModes = byModes
			defer func() { slowTailByModes = false }()
			sum := summaryOf(t, cfg)
			sum.Throughput, sum.Quench = Throughput{}, Build{}
			b, err := json.Marshal(sum)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		fast, walk := enc(false), enc(true)
		if fast != walk {
			t.Errorf("%s %v: summaries differ:\n%s\n%s", cfg.Model, cfg.Shape, fast, walk)
		}
		if sum := summaryOf(t, cfg); sum.Diffusive == nil && !slices.Contains([]int64{2000, 3000}, cfg.Sweeps) {
			t.Errorf("%s %v: no diffusive_tail", cfg.Model, cfg.Shape)
		}
	}
}

// BenchmarkSlowModeRules times the slow-mode rules of MakeSummary at the
// end of a short conserving run (every observable marked, bins of 10
// steps, the advice doubling up to its limit): by groups, and walking
// every mode (walk, as before the groups).
func BenchmarkSlowModeRules(b *testing.B) {
	mb := func(shape ...int) Config {
		return Config{Model: "phi4", Scheme: "modelb", Shape: shape, Sweeps: 500, Every: 1, Dt: 0.01, Gamma: 1, M2: -1, Lambda: 1}
	}
	ms := func(model string, shape ...int) Config {
		return Config{Model: model, Shape: shape, Fraction: 0.5, Sweeps: 500, Every: 1}
	}
	for _, bc := range []struct {
		name string
		cfg  Config
	}{
		{"modelb-64^3", mb(64, 64, 64)}, {"modelb-128^3", mb(128, 128, 128)}, {"modelb-1024^2", mb(1024, 1024)},
		{"kmp-4096^2", ms("kmp", 4096, 4096)}, {"transfer-2^24", ms("transfer", 1<<24)},
	} {
		for _, walk := range []bool{false, true} {
			name := bc.name + "/groups"
			if walk {
				name = bc.name + "/walk"
			}
			b.Run(name, func(b *testing.B) {
				slowTailByModes = walk
				defer func() { slowTailByModes = false }()
				c := bc.cfg
				names := []string{"mass_var", "mass_corr1", "mass_max"}
				if c.Model == "phi4" {
					names = []string{"phi2", "phi4", "energy", "energy_gradient", "energy_mass", "energy_quartic"}
				}
				est := map[string]stats.Estimate{"phi2": {Mean: 0.9}, "mass_mean": {Mean: 1}, "mass_var": {Mean: 1}}
				for b.Loop() {
					sm := c.conservedModes(est)
					if sm.energy != nil {
						phi2 := sm.weight
						sm.quartic = func(l float64) float64 { return 0.5 * phi2(l) }
					}
					var marks []slowMark
					for i, n := range names {
						obs := sm.forObs(n)
						if obs == nil {
							continue
						}
						es := []stats.Estimate{{Mean: 1, Err: 0.01, Tau: 0.01 * float64(1+i)}}
						if m := c.slowUnreliable(obs, es, 10, 1); len(m) > 0 {
							marks = append(marks, slowMark{modes: obs, tau: m[0]})
						}
					}
					c.thermNeeded(sm)
					if steps, _ := c.adviceForAll(marks, sm); len(marks) == 0 || steps < 0 {
						b.Fatalf("%d marks, advice %d", len(marks), steps)
					}
				}
			})
		}
	}
}
