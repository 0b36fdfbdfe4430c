package sim

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"
	"time"
)

func TestScratchRingSim(t *testing.T) {
	scheme := os.Getenv("SCH")
	dt, _ := strconv.ParseFloat(os.Getenv("DT"), 64)
	L, _ := strconv.Atoi(os.Getenv("LL"))
	h, _ := strconv.ParseFloat(os.Getenv("HH"), 64)
	steps, _ := strconv.Atoi(os.Getenv("STEPS"))
	cfg := Config{Model: "phi4", Shape: []int{L}, Scheme: scheme, Precision: "float64", Dt: dt,
		M2: -1, Lambda: 1, H: h, T: 1, Gamma: 1, Mass: 1, Sweeps: int64(steps), Therm: 2000, Every: 1, Seed: 7, Start: "cold"}
	t0 := time.Now()
	_, obs := simulate(t, cfg)
	x := cfg.exactValues(obs)
	t.Logf("%s dt %v L %d h %v: %v", scheme, dt, L, h, time.Since(t0))
	for _, k := range []string{"phi", "phi2", "phi4", "energy", "energy_gradient", "energy_mass", "energy_quartic", "energy_field", "S_k0", "susceptibility"} {
		e := obs[k]
		fmt.Printf("  %-16s %.6f +- %.2g (tau %.3g rel %v) exact %.8f  %+.2f sigma  diff %+.2e\n", k, e.Mean, e.Err, e.Tau, e.Reliable, x[k], (e.Mean-x[k])/e.Err, e.Mean-x[k])
	}
	_ = math.Abs
}
