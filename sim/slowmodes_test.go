package sim

import (
	"math"
	"slices"
	"testing"

	"github.com/quenchlab/quench/stats"
)

// The tail of a kmp ring of 4 with bins far shorter than every mode is
// the whole slow-mode sum, each mode once: modes k = 1, 2, 3 with
// Laplacian eigenvalues 2, 4, 2, Deff = 1 (kmp), tau_k = 1/(2 Deff
// lambda_k) and weight 2/N = 1/2 (exponential masses):
// (1/2) (1/4 + 1/8 + 1/4) = 0.3125 exactly (the k = 2 mode is its own
// -k and counts once). On a ring of 6 (eigenvalues 1, 3, 4, 3, 1 for k =
// 1..5, weight 1/3): (1/3)(1/2 + 1/6 + 1/8 + 1/6 + 1/2) = 35/72.
func TestSlowTailEachModeOnce(t *testing.T) {
	for _, c := range []struct {
		l    int
		want float64
	}{{4, 0.3125}, {6, 35.0 / 72}} {
		cfg := &Config{Model: "kmp", Shape: []int{c.l}, Sweeps: 1000, Every: 1, Fraction: 0.5}
		sm := cfg.conservedModes(map[string]stats.Estimate{"mass_mean": {Mean: 1}, "mass_var": {Mean: 1}})
		total, _ := cfg.slowTail(sm, 1e-9)
		if math.Abs(total-c.want) > 1e-6 {
			t.Errorf("ring of %d: slow-mode tail %v, want %v", c.l, total, c.want)
		}
	}
}

// slowUnreliable marks an estimate when the tail its bins miss is more
// than tailShare (a quarter) of its tau_int: errors then more than about
// 11% low (1/sqrt(1 + 1/4) = 0.894). A tail of 0.26 tau is marked, one of
// 0.24 tau is not.
func TestSlowUnreliableThreshold(t *testing.T) {
	cfg := &Config{Model: "kmp", Shape: []int{64}, Sweeps: 4000, Every: 1, Fraction: 0.5}
	sm := cfg.conservedModes(map[string]stats.Estimate{"mass_mean": {Mean: 1}, "mass_var": {Mean: 1}})
	tail, _ := cfg.slowTail(sm, 80)
	if !(tail > 0) {
		t.Fatalf("no tail: %v", tail)
	}
	for _, c := range []struct {
		ratio  float64
		marked bool
	}{{0.26, true}, {0.24, false}} {
		est := []stats.Estimate{{Mean: 1, Err: 0.1, Tau: tail / c.ratio, Reliable: true}}
		cfg.slowUnreliable(sm, est, 80, 1)
		if est[0].Reliable == c.marked {
			t.Errorf("tail %.2f of tau_int: reliable %v, want %v", c.ratio, est[0].Reliable, !c.marked)
		}
	}
}

// mass_mean of kmp and transfer is the conserved total over the sites:
// no slow mode carries any of it. Above 2^21 units of mass per block of
// 4096 sites it comes from float64 sums and varies by rounding, with a
// short tau_int; it was then marked unreliable for the diffusive tail
// (64x64 at mass0 1000, 2000 steps: 1000 +- 4e-14 with a `*` and in
// diffusive_tail's marked list, the note saying its error came out too
// small).
func TestMassMeanNotMarkedForSlowModes(t *testing.T) {
	for _, model := range []string{"kmp", "transfer"} {
		sum := summaryOf(t, Config{Model: model, Shape: []int{64, 64}, Sweeps: 2000, Every: 1, Seed: 1, Start: "hot", Mass0: 1000, Fraction: 0.5, ProfileEvery: -1})
		mm := sum.Observables["mass_mean"]
		if mm.Error == nil || *mm.Error == 0 {
			t.Fatalf("%s: mass_mean error %v, want the rounding of float64 sums (this test needs it nonzero)", model, mm.Error)
		}
		if !mm.Reliable || sum.Diffusive != nil && slices.Contains(sum.Diffusive.Marked, "mass_mean") {
			t.Errorf("%s: mass_mean %v +- %v reliable %v, diffusive %+v; want it reliable and not marked", model, *mm.Mean, *mm.Error, mm.Reliable, sum.Diffusive)
		}
	}
}

// Of a mass model's columns only mass_mean, the conserved total, is left
// out of the slow-mode check: mass_var, mass_corr1 and mass_max keep the
// modes' shares.
func TestForObsMassColumns(t *testing.T) {
	c := &Config{Model: "kmp", Shape: []int{64}, Sweeps: 4000, Every: 1, Fraction: 0.5}
	sm := c.conservedModes(map[string]stats.Estimate{"mass_mean": {Mean: 1}, "mass_var": {Mean: 1}})
	if sm == nil {
		t.Fatal("kmp: no slow modes")
	}
	for _, name := range MassColumns {
		if left := sm.forObs(name) == nil; left != (name == "mass_mean") {
			t.Errorf("%s: left out of the slow-mode check %v, want %v", name, left, name == "mass_mean")
		}
	}
	// model B: its conserved m and what depends on m alone, but not the
	// fluctuating columns nor S(k) (left to the usual rules anyway)
	mb := &Config{Model: "phi4", Scheme: "modelb", Shape: []int{16, 16}, Sweeps: 4000, Every: 1, Dt: 0.01, Gamma: 1, M2: -1, Lambda: 1}
	sm = mb.conservedModes(map[string]stats.Estimate{"phi2": {Mean: 0.5}})
	if sm == nil {
		t.Fatal("model B: no slow modes")
	}
	for _, name := range append([]string{"phi2", "phi4", "energy", "energy_gradient", "energy_mass"}, ModelBConserved...) {
		if left, want := sm.forObs(name) == nil, slices.Contains(ModelBConserved, name); left != want {
			t.Errorf("model B %s: left out of the slow-mode check %v, want %v", name, left, want)
		}
	}
}
