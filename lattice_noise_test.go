package quench

import "testing"

// CheckNoiseNumbers: at most MaxSites noise numbers a step (the 48-bit
// Philox group of two float64 normals), and CheckParticleStep refuses
// particles past it (an RNG audit asked for the guard).
func TestCheckNoiseNumbers(t *testing.T) {
	for _, c := range []struct {
		n, per int64
		ok     bool
	}{{MaxSites, 1, true}, {MaxSites + 1, 1, false}, {MaxSites / 3, 3, true}, {MaxSites/3 + 1, 3, false}, {-1, 1, false}, {1, 0, false}} {
		if err := CheckNoiseNumbers("x", c.n, c.per); (err == nil) != c.ok {
			t.Errorf("%d x %d: %v", c.n, c.per, err)
		}
	}
	p := &ParticleParams{Potential: PotentialHarmonic, Scheme: SchemeEM, K: 1, T: 1, Dt: 0.01, Gamma: 1, Mass: 1}
	if _, err := CheckParticleStep("cpu", &Particles{N: MaxSites/2 + 1, Dim: 2}, p, Counter{}); err == nil {
		t.Errorf("2^48 + 1 particles in 2D taken")
	}
	if _, err := CheckParticleStep("cpu", &Particles{N: 1000, Dim: 2}, p, Counter{}); err != nil {
		t.Errorf("1000 particles: %v", err)
	}
}
