package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/cpu"
	"github.com/quenchlab/quench/kernels"
	"github.com/quenchlab/quench/stats"
)

func langevinConfigs() []Config {
	base := Config{T: 0.8, Sweeps: 30, Therm: 4, Every: 3, Seed: 5, Start: "hot", Dt: 0.01, Gamma: 1, Mass: 1}
	phi := func(scheme, prec string, shape ...int) Config {
		c := base
		c.Model, c.Scheme, c.Precision, c.Shape, c.M2, c.Lambda, c.H = "phi4", scheme, prec, shape, -1, 1, 0.05
		return c
	}
	part := func(pot, scheme, prec string) Config {
		c := base
		c.Model, c.Potential, c.Scheme, c.Precision, c.N, c.D, c.K = "particles", pot, scheme, prec, 500, 2, 1
		c.Omega, c.OmegaSpread = 0.3, 0.2
		return c
	}
	return []Config{
		phi("em", "float64", 16, 12), phi("lm", "float32", 40), phi("baoab", "float64", 6, 4, 8), phi("modelb", "float32", 10, 10),
		part("harmonic", "baoab", "float64"), part("doublewell", "lm", "float32"), part("kuramoto", "em", "float32"),
	}
}

func sameLangevin(t *testing.T, what string, a, b *State) {
	t.Helper()
	if a.Step != b.Step || !slices.Equal(a.Field, b.Field) || !slices.Equal(a.Aux, b.Aux) || !slices.Equal(a.Omega, b.Omega) {
		t.Errorf("%s: states differ", what)
	}
	if len(a.Rows) != len(b.Rows) {
		t.Fatalf("%s: %d vs %d measurements", what, len(a.Rows), len(b.Rows))
	}
	for i := range a.Rows {
		if !slices.Equal(a.Rows[i], b.Rows[i]) {
			t.Errorf("%s: measurement %d differs", what, i)
			return
		}
	}
}

// Langevin runs resume bit for bit, like Ising runs, for every scheme,
// potential and precision.
func TestLangevinResume(t *testing.T) {
	for _, cfg := range langevinConfigs() {
		full, _ := simulate(t, cfg)
		if len(full.Rows) != 10 {
			t.Fatalf("%s: %d measurements, want 10", cfg.String(), len(full.Rows))
		}
		dir := t.TempDir()
		back := interruptAt(t, cfg, dir, 13)
		if err := Execute(context.Background(), cpu.New(), back, Options{Dir: dir}); err != nil {
			t.Fatal(err)
		}
		sameLangevin(t, cfg.String(), full, back)
		// outputs can be written and the summary has the model's keys
		sum, names := MakeSummary(back, "cpu")
		if err := WriteOutputs(t.TempDir(), back, sum); err != nil {
			t.Fatal(err)
		}
		want := []string{"phi", "phi2", "phi4", "binder", "energy"}
		if cfg.Model == "particles" {
			want = []string{"x_mean", "x_var"}
			if cfg.Potential != "kuramoto" {
				want = append(want, "x2")
			}
			if cfg.Scheme == "baoab" {
				want = append(want, "v_mean", "v_var", "v2")
			}
			if cfg.Potential == "kuramoto" {
				want = append(want, "order_parameter", "order_parameter2")
			}
		}
		for _, k := range want {
			if _, ok := sum.Observables[k]; !ok || !slices.Contains(names, k) {
				t.Errorf("%s: summary lacks %q", cfg.String(), k)
			}
		}
	}
}

func TestLangevinValidation(t *testing.T) {
	good := langevinConfigs()
	cases := []struct {
		edit func(c *Config)
		want string
	}{
		{func(c *Config) { c.Dt = 0.3 }, "unstable for scheme em at m2 -1, lambda 1, h 0.05, gamma 1: the stiffest mode needs dt < 0.197"},
		// a large field moves the minimum where the curvature m2 + 3 lambda phi^2 is large
		{func(c *Config) { c.M2, c.Lambda, c.H, c.Dt = 1, 1, 100, 0.2 }, "unstable for scheme em"},
		{func(c *Config) { c.M2, c.Lambda = -1e300, 1e-320 }, "are not allowed together: the potential's stationary points are beyond float64's range"},
		{func(c *Config) { c.M2, c.Lambda, c.Dt = 1e290, 1e-320, 1e-289 }, "the stiffest mode needs dt < 1.99999999999e-290"},
		// overflowing gamma k: named, not "needs dt < 0"
		{func(c *Config) { c.Gamma = 1e308 }, "--gamma 1e+308 is too large for these parameters"},
		// ... but not blamed on gamma when the curvature itself overflows
		// (minima at phi^2 = 1e308: curvature 2e308) or baoab's mass
		// over it underflows (its bound does not read gamma)
		{func(c *Config) { c.M2, c.Lambda = -1e308, 1 }, "--m2 -1e+308, --lambda 1 and --h 0.05 are not allowed together: the stiffest mode's curvature overflows float64"},
		{func(c *Config) { c.Scheme, c.M2, c.Lambda = "modelb", 1e308, 0 }, "--m2 1e+308, --lambda 0 and --h 0.05 are not allowed together: the stiffest mode's curvature overflows float64"},
		{func(c *Config) { c.Scheme, c.Mass, c.M2 = "baoab", 5e-324, 1e10 }, "--mass 5e-324 is too small for these parameters"},
		{func(c *Config) { c.Scheme = "rk4" }, `unknown --scheme "rk4"`},
		{func(c *Config) { c.Precision = "float16" }, `unknown --precision "float16"`},
		{func(c *Config) { c.Lambda = -1 }, "--lambda -1 is not allowed: a finite number >= 0"},
		{func(c *Config) { c.Lambda, c.M2 = 0, -1 }, "unbounded below"},
		{func(c *Config) { c.Lambda, c.M2, c.H = 0, 0, 0 }, "--m2 0 with --lambda 0 is not allowed: the potential is flat"},
		{func(c *Config) { c.Lambda, c.M2, c.H = 0, 0, 0.5 }, "the potential is a linear tilt, unbounded below"},
		// a step just below the bound: the message names the limit applied
		{func(c *Config) { c.Shape, c.Lambda, c.M2, c.H, c.Dt = []int{3}, 0, 1, 0, 0.4999999999999 }, "needs dt < 0.499999999999"},
		// the named limit is cut to 12 digits, never rounded up to the
		// bound (model B on 8 x 8 at m2 = -1: 2/(8 (8 + 2)) = 0.025)
		{func(c *Config) { c.Shape, c.Scheme, c.H, c.Dt = []int{8, 8}, "modelb", 0, 0.0249999999999 }, "--dt 0.0249999999999 is unstable for scheme modelb at m2 -1, lambda 1, h 0, gamma 1: the stiffest mode needs dt < 0.0249999999999"},
		// exactly at the bound of a ring of 3 (m2 = 1: 2/(3 + 1)), whose
		// cosine rounds the computed bound just above 0.5
		{func(c *Config) { c.Shape, c.Lambda, c.M2, c.H, c.Dt = []int{3}, 0, 1, 0, 0.5 }, "--dt 0.5 is unstable for scheme em"},
		{func(c *Config) { c.M2 = math.NaN() }, "--m2 NaN is not allowed: a finite number"},
		{func(c *Config) { c.H = math.Inf(-1) }, "--h -Inf is not allowed: a finite number"},
		{func(c *Config) { c.T = -1 }, "--T -1 is not allowed: the temperature must be a positive finite number"},
		{func(c *Config) { c.T = 0 }, "--T 0 is not allowed"},
		{func(c *Config) { c.Shape = []int{4, 4, 4, 4} }, "runs on 1 to 3 dimensions"},
		{func(c *Config) { c.Shape = []int{1, 8} }, "--L 1 is too small"},
		{func(c *Config) { c.Gamma = 0 }, "--gamma 0 is not allowed"},
	}
	for _, c := range cases {
		cfg := good[0]
		cfg.Shape = slices.Clone(cfg.Shape)
		c.edit(&cfg)
		err := cfg.Validate()
		if err == nil || !quench.IsUsage(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want a usage error containing %q, got %v", c.want, err)
		}
	}
	pcases := []struct {
		edit func(c *Config)
		want string
	}{
		{func(c *Config) { c.Dt = 3 }, "unstable for scheme baoab"},
		{func(c *Config) { c.N = 0 }, "--N 0 is not allowed"},
		{func(c *Config) { c.Potential = "coulomb" }, `unknown --potential "coulomb"`},
		{func(c *Config) { c.Scheme = "modelb" }, `unknown --scheme "modelb": allowed for particles are em, lm, baoab`},
		{func(c *Config) { c.T = -1 }, "--T -1 is not allowed"},
		{func(c *Config) { c.K = -1 }, "--k -1 is not allowed for potential harmonic"},
		// the double well's stiffest curvature is 8K at its minima:
		// dt < 2 gamma / 8K = 0.25 for em
		{func(c *Config) { c.Potential, c.Scheme, c.Dt = "doublewell", "em", 0.3 }, "--dt 0.3 is unstable for scheme em with doublewell k=1, gamma 1: dt must be < 0.25"},
		// BAOAB's bound 2 sqrt(mass/K) follows the mass: 1 at mass 1/4
		{func(c *Config) { c.Mass, c.Dt = 0.25, 1.5 }, "--dt 1.5 is unstable for scheme baoab with harmonic k=1, mass 0.25: dt must be < 1"},
		// the bound named is cut, never rounded above the one applied
		// (2/3 once printed as 0.666667, which 0.6666667 is below)
		{func(c *Config) { c.Scheme, c.K, c.Dt = "em", 3, 0.6666667 }, "dt must be < 0.666666666666"},
		{func(c *Config) { c.K, c.Dt = 3, 1.1547006 }, "dt must be < 1.15470053837"},
		// a curvature or bound beyond float64 is named, not "dt < 0"
		{func(c *Config) { c.Potential, c.Scheme, c.K, c.Dt = "doublewell", "em", 5e307, 1e-320 }, "--k 5e+307 is too large for potential doublewell: its curvature at the minima, 8k, overflows float64"},
		{func(c *Config) { c.Scheme, c.K, c.Gamma, c.Dt = "em", 1e300, 1e-300, 1e-320 }, "--gamma 1e-300 is too small for harmonic k=1e+300"},
		{func(c *Config) { c.K, c.Mass, c.Dt = 1e300, 1e-300, 1e-320 }, "--mass 1e-300 is too small for harmonic k=1e+300"},
	}
	// and the steps just inside those bounds are accepted
	for _, edit := range []func(c *Config){
		func(c *Config) { c.Potential, c.Scheme, c.Dt = "doublewell", "em", 0.24 },
		func(c *Config) { c.Mass, c.Dt = 4, 3.9 },
	} {
		cfg := good[4]
		edit(&cfg)
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s %s mass %v dt %v: %v", cfg.Potential, cfg.Scheme, cfg.Mass, cfg.Dt, err)
		}
	}
	for _, c := range pcases {
		cfg := good[4]
		c.edit(&cfg)
		err := cfg.Validate()
		if err == nil || !quench.IsUsage(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want a usage error containing %q, got %v", c.want, err)
		}
	}
	// --beta survives validation twice (T = 1/beta is filled in the first time)
	for _, beta := range []float64{0.221654626, 0.3, 1 / 3.0, 0.44068679350977147} {
		c := good[0]
		c.T, c.Beta = 0, beta
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("beta %v refused on the second validation: %v", beta, err)
		}
		ising := Config{Model: "ising3d", Shape: []int{4, 4, 4}, Beta: beta, J: 1, Algo: "metropolis", Sweeps: 10, Every: 1, Start: "hot"}
		if err := ising.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := ising.Validate(); err != nil {
			t.Errorf("Ising beta %v refused on the second validation: %v", beta, err)
		}
	}
	// zero temperature is allowed for particles (deterministic dynamics)
	cfg := good[6]
	cfg.T = 0
	if err := cfg.Validate(); err != nil {
		t.Errorf("particles at T=0: %v", err)
	}
}

// phi4Row, from the CPU backend's FieldSums, on fields whose observables
// are known by hand.
func TestPhi4Row(t *testing.T) {
	c := Config{Model: "phi4", Shape: []int{4, 6}, M2: -1.5, Lambda: 2, H: 0.25}
	lat := c.Lattice()
	// a constant field: no gradient, S(k) = 0 at k != 0
	phi := make([]float64, 24)
	for i := range phi {
		phi[i] = 0.5
	}
	rowOf := func(phi []float64) []float64 {
		be := cpu.New()
		buf, _ := be.Alloc(quench.Float64, lat.Sites())
		defer be.Free(buf)
		be.Upload(buf, phi)
		fs, err := be.FieldSums(buf, &lat)
		if err != nil {
			t.Fatal(err)
		}
		return phi4Row(&c, lat, fs)
	}
	row := rowOf(phi)
	// the field term is -h <phi>, and the terms add up to the energy
	want := []float64{0.5, 0.25, 0.0625, 0.25, 0.0625, 0 + -1.5/2*0.25 + 2.0/4*0.0625 - 0.25*0.5, 0, -1.5 / 2 * 0.25, 2.0 / 4 * 0.0625, -0.25 * 0.5, 0, 0}
	for i := range want {
		if math.Abs(row[i]-want[i]) > 1e-12 {
			t.Errorf("constant field: column %s = %v, want %v", Phi4Columns(2)[i], row[i], want[i])
		}
	}
	if row[5] != row[6]+row[7]+row[8]+row[9] {
		t.Errorf("energy %v is not the sum of its terms %v", row[5], row[6:10])
	}
	// h = 0: the field term is +0, not -0 (printed as such) below a negative mean
	c.H = 0
	for i := range phi {
		phi[i] = -0.5
	}
	if row := rowOf(phi); math.Signbit(row[9]) {
		t.Errorf("h = 0, <phi> < 0: energy_field = %v, want +0", row[9])
	}
	c.H = 0.25
	// a wave along the last axis, phi = cos(2 pi x / 6): mean 0, <phi^2> = 1/2,
	// gradient energy per site 1/2 * (2 - 2 cos(2 pi/6)) * 1/2 = 1/4 * (2 - 1),
	// S(k0 along axis 1) = |sum phi e^{-ikx}|^2 / V = (V/2)^2 / V = 6
	for y := 0; y < 4; y++ {
		for x := 0; x < 6; x++ {
			phi[y*6+x] = math.Cos(2 * math.Pi * float64(x) / 6)
		}
	}
	row = rowOf(phi)
	checks := map[int]float64{0: 0, 3: 0.5, 6: 0.25 * (2 - 2*math.Cos(2*math.Pi/6)), 10: 0, 11: 6}
	for i, w := range checks {
		if math.Abs(row[i]-w) > 1e-12 {
			t.Errorf("wave: column %s = %v, want %v", Phi4Columns(2)[i], row[i], w)
		}
	}
}

// --start stationary begins from quench.SandpileStationary with the run's
// seed, with the stored grains counted.
func TestSandpileStationaryStart(t *testing.T) {
	cfg := Config{Model: "sandpile", Shape: []int{20, 30}, Sweeps: 10, Every: 1, Seed: 8, Start: "stationary"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	st, err := NewState(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := quench.SandpileStationary(cfg.Lattice(), quench.Counter{Seed: 8})
	var stored int64
	for _, v := range want {
		stored += int64(v)
	}
	if !slices.Equal(st.Heights, want) || st.Stored != stored {
		t.Errorf("stationary start: heights differ from the sampler or stored %d != %d", st.Stored, stored)
	}
}

// Sandpile runs resume bit for bit and keep their grain bookkeeping.
func TestSandpileResume(t *testing.T) {
	// stops after thermalization, in it, and next to grain 100, where the
	// activity restarts
	for _, c := range []struct {
		start string
		stop  int64
	}{{"cold", 170}, {"hot", 170}, {"stationary", 170}, {"hot", 50}, {"hot", 99}, {"hot", 100}, {"cold", 101}} {
		start, stop := c.start, c.stop
		cfg := Config{Model: "sandpile", Shape: []int{12, 9}, Sweeps: 300, Therm: 100, Every: 2, ProfileEvery: 15, Seed: 4, Start: start}
		full, _ := simulate(t, cfg)
		dir := t.TempDir()
		st, _ := NewState(cfg)
		ctx, cancel := context.WithCancel(context.Background())
		err := Execute(ctx, cpu.New(), st, Options{Dir: dir, Progress: func(step, _ int64) {
			if step == stop {
				cancel()
			}
		}})
		cancel()
		if !errors.Is(err, ErrInterrupted) {
			t.Fatal(err)
		}
		back, err := ReadCheckpoint(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := Execute(context.Background(), cpu.New(), back, Options{}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(full.Heights, back.Heights) || !slices.Equal(full.Activity, back.Activity) || !slices.Equal(full.Stamp, back.Stamp) ||
			full.Stored != back.Stored || full.Topples != back.Topples || len(full.Rows) != len(back.Rows) ||
			len(full.Profiles) != 20 || len(back.Profiles) != 20 {
			t.Fatalf("%s: resumed sandpile differs (or %d, %d height snapshots, want 20)", start, len(full.Profiles), len(back.Profiles))
		}
		for i := range full.Profiles {
			if !slices.Equal(full.Profiles[i], back.Profiles[i]) {
				t.Fatalf("%s: height snapshot %d differs", start, i)
			}
		}
		for i := range full.Rows {
			if !slices.Equal(full.Rows[i], back.Rows[i]) {
				t.Fatalf("%s: measurement %d differs", start, i)
			}
		}
		var stored int64
		for _, h := range back.Heights {
			stored += int64(h)
		}
		if stored != back.Stored {
			t.Errorf("stored grains %d, heights sum to %d", back.Stored, stored)
		}
		sum, _ := MakeSummary(back, "cpu")
		for _, k := range []string{"mean_height", "avalanche_size", "avalanche_area", "avalanche_duration"} {
			if _, ok := sum.Observables[k]; !ok {
				t.Errorf("summary lacks %q", k)
			}
		}
		if err := WriteOutputs(t.TempDir(), back, sum); err != nil {
			t.Fatal(err)
		}
	}
}

// Mass-transfer and diffusion runs resume bit for bit.
func TestLatticeUpdateResume(t *testing.T) {
	cfgs := []Config{
		{Model: "kmp", Shape: []int{8, 6}, Mass0: 1.5, Sweeps: 40, Therm: 5, Every: 2, Seed: 1, Start: "hot"},
		{Model: "aggregation", Shape: []int{30}, Mass0: 1, Injection: 0.1, Sweeps: 40, Therm: 5, Every: 3, Seed: 2, Start: "cold"},
		{Model: "transfer", Shape: []int{4, 10}, Mass0: 2, Fraction: 0.3, Sweeps: 40, Every: 1, Seed: 3, Start: "hot"},
		{Model: "diffusion", Shape: []int{6, 5, 4}, Alpha: 0.1, Precision: "float32", Sweeps: 40, Every: 4, Seed: 4, Start: "hot"},
	}
	for _, cfg := range cfgs {
		full, _ := simulate(t, cfg)
		dir := t.TempDir()
		back := interruptAt(t, cfg, dir, 21)
		if err := Execute(context.Background(), cpu.New(), back, Options{}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(full.Masses, back.Masses) || !slices.Equal(full.Field, back.Field) {
			t.Errorf("%s: resumed state differs", cfg.Model)
		}
		sameLangevin(t, cfg.Model, full, back)
		if !slices.EqualFunc(full.Profiles, back.Profiles, slices.Equal) {
			t.Errorf("%s: resumed profile snapshots differ", cfg.Model)
		}
		sum, _ := MakeSummary(back, "cpu")
		want := "u_mean"
		if IsMass(cfg.Model) {
			want = "mass_mean"
			// 40 steps: the automatic interval is 1, a snapshot a step
			if _, ok := sum.Observables["mass_var"]; !ok || len(back.Profiles) != 40 || sum.ProfileSnapshots != 40 ||
				len(sum.Profiles["mass_distribution"].Mean) != MassBins || len(sum.Profiles["mass_distribution_log"].TauInt) != LogMassBins || len(sum.Profiles["mass_distribution_log"].TauIntError) != LogMassBins || len(sum.Profiles["correlation"].Error) != cfg.Shape[len(cfg.Shape)-1]/2+1 {
				t.Errorf("%s: summary lacks the mass distribution or correlation", cfg.Model)
			}
		} else if len(back.Profiles)+len(sum.Profiles) != 0 {
			t.Errorf("%s: profiles taken for a model without them", cfg.Model)
		}
		if _, ok := sum.Observables[want]; !ok {
			t.Errorf("%s: summary lacks %q", cfg.Model, want)
		}
		if err := WriteOutputs(t.TempDir(), back, sum); err != nil {
			t.Fatal(err)
		}
	}
	// the conserving rules keep the total exactly, measured every sweep,
	// also where the float64 sum of the masses rounds (a total of 2^56
	// units here, each block of 4096 sites near 2^50): mass_mean is mass0
	// at every step
	st, _ := simulate(t, cfgs[0])
	big, _ := simulate(t, Config{Model: "kmp", Shape: []int{512, 512}, Mass0: 64, Sweeps: 20, Every: 1, Seed: 6, Start: "hot"})
	for _, s := range []*State{st, big} {
		for _, r := range s.Rows {
			if r[1] != s.Config.Mass0 {
				t.Fatalf("kmp %v: mass_mean %v at step %v, want exactly %v", s.Config.Shape, r[1], r[0], s.Config.Mass0)
			}
		}
	}
}

// The device estimate of a Langevin run counts its buffers, Model B's
// noise currents (one per link) and the measurements' partial sums (one
// block of 4096 sites here: 6 + 3 dim float64, and its group's: 7 + 3 dim
// with the units) on either backend; on the CPU (state in host memory)
// the host estimate holds them too.
func TestLangevinBytes(t *testing.T) {
	for _, c := range []struct {
		scheme, prec string
		shape        []int
		gpu, cpu     uint64
	}{
		{"em", "float32", []int{64, 64}, 2*4096*4 + 25*8, 2*4096*4 + 25*8},
		{"baoab", "float64", []int{64, 64}, 3*4096*8 + 25*8, 3*4096*8 + 25*8},
		// phi, next and mu, and 3 links per site
		{"modelb", "float32", []int{16, 16, 16}, 3*4096*4 + 3*4096*4 + 31*8, 3*4096*4 + 3*4096*4 + 31*8},
	} {
		cfg := Config{Model: "phi4", Scheme: c.scheme, Precision: c.prec, Shape: c.shape, Sweeps: 10, Every: 1}
		if _, dev := cfg.Bytes(false); dev != c.gpu {
			t.Errorf("%s %s %v on a GPU: %d device bytes, want %d", c.scheme, c.prec, c.shape, dev, c.gpu)
		}
		host, dev := cfg.Bytes(true)
		if dev != c.cpu || host < dev {
			t.Errorf("%s %s %v on the CPU: %d state bytes (want %d), host estimate %d", c.scheme, c.prec, c.shape, dev, c.cpu, host)
		}
	}
}

// The device estimate of the lattice-update models: diffusion's two
// fields (u and u'), one int64 mass a site for the mass models, one block
// of partial sums (6 + 3 dim float64) and its group's (7 + 3 dim); a
// sandpile's 15 bytes a site and 16 a tile of the GPU's (sandTiles, which
// must count kernels.SandBlock's tiles). A
// stationary sandpile start takes 6 host bytes a site more while
// quench.SandpileStationary draws it (its site words and depths).
func TestLatticeUpdateBytes(t *testing.T) {
	for _, c := range []struct {
		model, prec string
		gpu         uint64
	}{
		{"diffusion", "float32", 2*4096*4 + 25*8},
		{"diffusion", "float64", 2*4096*8 + 25*8},
		{"kmp", "", 4096*8 + 25*8},
		{"sandpile", "", 15*4096 + 16*4}, // and 4 tiles of 32 x 32
	} {
		cfg := Config{Model: c.model, Precision: c.prec, Shape: []int{64, 64}, Sweeps: 10, Every: 1, Mass0: 1, Alpha: 0.1}
		if _, dev := cfg.Bytes(false); dev != c.gpu {
			t.Errorf("%s %s 64x64: %d device bytes, want %d", c.model, c.prec, dev, c.gpu)
		}
	}
	for _, shape := range [][]int{{1}, {1024}, {1025}, {5000}, {32, 32}, {33, 64}, {100, 7}, {8, 8, 16}, {9, 8, 16}, {17, 30, 33}} {
		lat := quench.Lattice{Shape: shape}
		b := kernels.NewSandBlock(lat, 0)
		if got, want := sandTiles(shape), uint64(b.Tiles()); got != want {
			t.Errorf("sandTiles(%v) = %d, the GPU's tiles %d", shape, got, want)
		}
	}
	cold := Config{Model: "sandpile", Shape: []int{64, 64}, Sweeps: 10, Every: 1, Start: "cold"}
	stationary := cold
	stationary.Start = "stationary"
	for _, onHost := range []bool{false, true} {
		hc, _ := cold.Bytes(onHost)
		hs, _ := stationary.Bytes(onHost)
		if hs-hc != 6*4096 {
			t.Errorf("sandpile 64x64 (state on host %v): a stationary start adds %d host bytes, want 6 a site (%d)", onHost, int64(hs-hc), 6*4096)
		}
	}
	// the CPU backend's state on the host: its device bytes, the round
	// lists (16 a site), 1 MiB, and the boundary bits (a byte a site)
	// only below cpu.sandpileHugeMin = 2^23 sites
	for _, shape := range [][]int{{64, 64}, {2048, 2048}, {4096, 4096}} {
		c := cold
		c.Shape = shape
		n := uint64(shape[0] * shape[1])
		h0, dev := c.Bytes(false)
		h1, _ := c.Bytes(true)
		if want := dev + min(n, 8<<20) + 16*n + 1<<20; h1-h0 != want {
			t.Errorf("sandpile %v: the state on the host adds %d host bytes, want %d", shape, h1-h0, want)
		}
	}
}

// spread, the one-pass variance of the particle and mass rows, is never
// negative: synchronized phases or a uniform field have variance 0, whose
// one-pass form can round below it (a Kuramoto run at T = 0 printed
// x_var -5e-15).
func TestSpreadNotNegative(t *testing.T) {
	ms, m := 0.01, 0.1 // variables: Go's constant arithmetic is exact
	if raw := ms - m*m; raw >= 0 {
		t.Fatalf("the case does not round below 0 (%v)", raw)
	}
	if v := spread(ms, m); v != 0 || math.Signbit(v) {
		t.Errorf("spread(0.01, 0.1) = %v, want +0", v)
	}
	if v := spread(2.5, 1.5); v != 0.25 {
		t.Errorf("spread(2.5, 1.5) = %v, want 0.25", v)
	}
	if v := spread(math.NaN(), 1); !math.IsNaN(v) {
		t.Errorf("spread of NaN = %v, want NaN (a diverged state stays visible)", v)
	}
}

// The slow modes of conserved fields. On a ring of 1024 sites (kmp, Deff
// 1 site^2 a step) the slowest density mode decorrelates in
// L^2/(8 pi^2) = 13281 steps, and with kmp's share of 2/N a mode the slow
// modes add about L/12 = 85 steps to mass_var's tau_int, of which bins of
// 800 steps miss about 70 (its Sokal tau_int is about 4: errors 2 to 3
// times too small over seeds). A ring of 64 at 4000 steps (bins of 80)
// misses about 1.8 steps of a tau_int of 3: a reviewer measured errors
// 1.24 to 1.31 times too small there, marked; at 40000 steps (bins of
// 800) about 0.2 (errors 1.06-1.13, not marked). Rules that do not
// conserve their field have no such modes.
func TestDiffusiveTail(t *testing.T) {
	kmp := func(shape ...int) (*Config, *slowModes) {
		c := &Config{Model: "kmp", Shape: shape, Sweeps: 40000, Every: 1, Fraction: 0.5}
		// exponential masses: mass_var = mass_mean^2
		return c, c.conservedModes(map[string]stats.Estimate{"mass_mean": {Mean: 1}, "mass_var": {Mean: 1}})
	}
	c, sm := kmp(1024)
	tail, slowest := c.slowTail(sm, 800)
	total, _ := c.slowTail(sm, 1e-9)
	if math.Abs(slowest-1024*1024/(8*math.Pi*math.Pi)) > 1 || tail < 60 || tail > 80 || total < 80 || total > 1024.0/12 {
		t.Errorf("ring of 1024: tail %v of %v, slowest %v; want about 70 of about L/12 = 85, and 13281", tail, total, slowest)
	}
	for _, k := range []struct {
		l       int
		bin, lo float64
		hi      float64
	}{{64, 80, 1.2, 2.4}, {64, 800, 0, 0.3}} {
		c, sm := kmp(k.l)
		if tail, _ := c.slowTail(sm, k.bin); tail < k.lo || tail > k.hi {
			t.Errorf("ring of %d, bins of %v: tail %v, want %v to %v", k.l, k.bin, tail, k.lo, k.hi)
		}
	}
	if c, sm := kmp(256, 256); sm == nil {
		t.Fatal("kmp: no slow modes")
	} else if tail, _ := c.slowTail(sm, 800); tail > 0.3 {
		t.Errorf("256x256: tail %v, want under 0.3", tail)
	}
	for _, c := range []Config{{Model: "aggregation"}, {Model: "diffusion"}, {Model: "phi4", Scheme: "em"}, {Model: "sandpile"}} {
		if c.conservedRate(1) != nil {
			t.Errorf("%s %s: a conserved rate, want none", c.Model, c.Scheme)
		}
	}
	// transfer with D = 0.5 moves a quarter of a bond's difference: Deff 1/3
	if d := (&Config{Model: "transfer", Fraction: 0.5}).diffusionPerStep(); math.Abs(d-1.0/3) > 1e-3 {
		t.Errorf("transfer D=0.5: Deff %v, want 1/3", d)
	}
	// model B: dt gamma lambda (lambda + m2 + 3 lambda4 phi2), the
	// curvature at least 0; weights S_k^2 / sum S^2 that add up to 1
	mb := &Config{Model: "phi4", Scheme: "modelb", Shape: []int{16, 8}, Dt: 0.01, Gamma: 2, M2: -1, Lambda: 1}
	if got := mb.conservedRate(0.5)(0.1); math.Abs(got-0.02*0.1*(0.1+0.5)) > 1e-15 {
		t.Errorf("model B rate at lambda 0.1, phi2 0.5: %v", got)
	}
	if got := mb.conservedRate(0.2)(0.1); math.Abs(got-0.02*0.1*0.1) > 1e-15 {
		t.Errorf("model B rate with a negative Hartree curvature: %v, want the curvature taken as 0", got)
	}
	sm = mb.conservedModes(map[string]stats.Estimate{"phi2": {Mean: 0.5}})
	if sum := mb.modeSum(sm.weight); math.Abs(sum-1) > 1e-12 {
		t.Errorf("model B weights add up to %v, want 1", sum)
	}
	// per observable (Hartree curvature 0.5 > 0): energy_gradient's
	// shares (phi2's at lambda != 0) and the energy's 1/(N-1) times the step's
	// 1/(1 - a_k)^2 (normalized) add up to 1 too;
	// S_k is left to the usual rules; phi4 keeps phi2's shares
	for _, name := range []string{"energy_gradient", "energy", "phi4"} {
		if sum := mb.modeSum(sm.forObs(name).weight); math.Abs(sum-1) > 1e-12 {
			t.Errorf("model B %s weights add up to %v, want 1", name, sum)
		}
	}
	// a_k = dt gamma lambda_k (lambda_k + c)/2: the energy's shares are in
	// the ratio of 1/(1 - a_k)^2, and 1/(N-1) as dt -> 0
	ak := func(l float64) float64 { return 0.01 * 2 * l * (l + 0.5) / 2 }
	e := sm.forObs("energy").weight
	if got, want := e(7.5)/e(0.3), (1-ak(0.3))*(1-ak(0.3))/((1-ak(7.5))*(1-ak(7.5))); math.Abs(got/want-1) > 1e-12 {
		t.Errorf("model B energy shares at lambda 7.5 and 0.3 in the ratio %v, want %v", got, want)
	}
	tiny := *mb
	tiny.Dt = 1e-12
	if w := tiny.conservedModes(map[string]stats.Estimate{"phi2": {Mean: 0.5}}).forObs("energy").weight(0.3); math.Abs(w*127-1) > 1e-9 {
		t.Errorf("model B energy share at dt 1e-12: %v, want 1/(N-1) = 1/127", w)
	}
	// energy_gradient: lambda_k^2 S_k^2 of the Gaussian field, far
	// smaller than phi2's on a slow mode; an interacting field's (this
	// one, lambda = 1) keeps phi2's
	if g, p := sm.forObs("energy_gradient").weight(0.1), sm.forObs("phi2").weight(0.1); g != p {
		t.Errorf("model B at lambda 1, slow mode's share: energy_gradient %v, phi2 %v; want phi2's", g, p)
	}
	gauss := *mb
	gauss.M2, gauss.Lambda = 0.5, 0
	gsm := gauss.conservedModes(map[string]stats.Estimate{"phi2": {Mean: 0.5}})
	if g, p := gsm.forObs("energy_gradient").weight(0.1), gsm.forObs("phi2").weight(0.1); g >= p/10 || math.Abs(gauss.modeSum(gsm.forObs("energy_gradient").weight)-1) > 1e-12 {
		t.Errorf("Gaussian model B slow mode's share: energy_gradient %v, phi2 %v; want the gradient's far smaller, its shares adding up to 1", g, p)
	}
	if sm.forObs("S_k0") != nil || sm.forObs("phi4") != sm {
		t.Error("model B: S_k checked for slow modes, or phi4 given shares other than phi2's without a series")
	}
	// with a series, phi4's and energy_quartic's are phi2's times the
	// squared correlation of the phi4 and phi2 columns: here 0.8^2
	cols := Phi4Columns(2)
	var rows [][]float64
	for i, v := range []float64{1, -1, 1, -1} {
		r := make([]float64, 1+len(cols))
		r[1+slices.Index(cols, "phi2")] = v
		r[1+slices.Index(cols, "phi4")] = 0.8*v + 0.6*float64(1-2*(i/2)) // 1 1 -1 -1: uncorrelated with v
		rows = append(rows, r)
	}
	sm.gaussianPart(rows, cols)
	for _, name := range []string{"phi4", "energy_quartic"} {
		if got, want := sm.forObs(name).weight(0.1), 0.64*sm.weight(0.1); math.Abs(got-want) > 1e-15*want {
			t.Errorf("model B %s share %v, want 0.64 of phi2's %v", name, got, sm.weight(0.1))
		}
	}
	// the advice for several marked estimates: what each needs, the most
	// of them, and none (0) when one needs more than 2^48 steps. kmp's
	// rule lets the bins miss a tenth of the modes' whole part of tau_int
	// whatever the Sokal tau_int (the same advice for all three, 8192000
	// steps by doubling from 4000: 4.4M would do); with a quarter of the
	// Sokal tau_int alone (model B's rule) each needs its own
	long := &Config{Model: "kmp", Shape: []int{1024}, Sweeps: 4000, Every: 1, Fraction: 0.5}
	lsm := long.conservedModes(map[string]stats.Estimate{"mass_mean": {Mean: 1}, "mass_var": {Mean: 1}})
	for _, tau := range []float64{4, 1, 1e-9} {
		if n, _ := long.slowAdvice(lsm, tau); n != 8192000 {
			t.Errorf("kmp ring of 1024 from 4000 steps, tau_int %v: advice %d, want 8192000", tau, n)
		}
	}
	lsm.missed = 0
	a, _ := long.slowAdvice(lsm, 4)
	b, _ := long.slowAdvice(lsm, 1)
	none, _ := long.slowAdvice(lsm, 1e-9)
	if !(a > 0 && b > a && none == 0) {
		t.Fatalf("advice on a ring of 1024: %d for tau_int 4, %d for 1, %d for 1e-9; want 0 < first < second, none for the last", a, b, none)
	}
	for _, c := range []struct {
		taus []float64
		want int64
	}{{[]float64{4}, a}, {[]float64{4, 1}, b}, {[]float64{1, 4}, b}, {[]float64{4, 1e-9, 1}, 0}, {[]float64{1e-9, 4}, 0}} {
		var marks []slowMark
		for _, tau := range c.taus {
			marks = append(marks, slowMark{modes: lsm, tau: tau})
		}
		if got, _ := long.adviceForAll(marks, lsm); got != c.want {
			t.Errorf("advice for tau_int %v: %d steps, want %d", c.taus, got, c.want)
		}
	}
	// no Hartree picture (m2 + 3 lambda phi2 <= 0): phi2's shares for all
	if neg := mb.conservedModes(map[string]stats.Estimate{"phi2": {Mean: 0.2}}); neg.forObs("energy") != neg || neg.forObs("energy_gradient") != neg {
		t.Error("model B with a negative Hartree curvature: shares other than phi2's")
	}
	// above 2^22 sites modeSum samples the axes: against the sum over
	// every mode of the same lattice (3.4e-4 apart)
	big := &Config{Model: "phi4", Shape: []int{4096, 2048}}
	f := func(l float64) float64 { return 1 / ((l + 0.5) * (l + 0.5)) }
	var exact float64
	for i := range 4096 {
		li := 2 - 2*math.Cos(2*math.Pi*float64(i)/4096)
		for j := range 2048 {
			if i != 0 || j != 0 {
				exact += f(li + 2 - 2*math.Cos(2*math.Pi*float64(j)/2048))
			}
		}
	}
	if got := big.modeSum(f); math.Abs(got/exact-1) > 1e-3 {
		t.Errorf("sampled mode sum %v against the exact %v (%.2g apart)", got, exact, got/exact-1)
	}
	// a run's summary: marked and advised on rings of 1024 and (at 4000
	// steps) 64, not on 64 at 40000
	for _, c := range []struct {
		l      int
		steps  int64
		marked bool
	}{{1024, 4000, true}, {64, 40000, false}, {64, 4000, true}} {
		sum := summaryOf(t, Config{Model: "kmp", Shape: []int{c.l}, Sweeps: c.steps, Every: 1, Seed: 1, Start: "hot", Mass0: 1, ProfileEvery: -1})
		if got := sum.Diffusive != nil; got != c.marked || sum.Observables["mass_var"].Reliable == c.marked {
			t.Errorf("ring of %d, %d steps: diffusive note %+v, mass_var reliable %v; want marked %v", c.l, c.steps, sum.Diffusive, sum.Observables["mass_var"].Reliable, c.marked)
		}
		if c.marked && (sum.Diffusive.NeededSteps <= c.steps || sum.Diffusive.BinSteps != 80) {
			t.Errorf("ring of %d: %+v, want bins of 80 and more than %d steps needed", c.l, sum.Diffusive, c.steps)
		}
		if c.l == 1024 && sum.Diffusive.SlowestSteps != 13281 {
			t.Errorf("ring of 1024: %+v, want the slowest mode at 13281 steps", sum.Diffusive)
		}
	}
	// model B on 64^2 at dt 0.01: its slowest modes take about 13600
	// steps; over 12 seeds of 20000 steps the means of phi2 and the
	// energies spread twice as far as their error bars said
	sum := summaryOf(t, Config{Model: "phi4", Scheme: "modelb", Precision: "float64", Shape: []int{64, 64}, Sweeps: 4000, Therm: 1000, Every: 1, Seed: 1, Start: "hot", T: 1, Dt: 0.01, Gamma: 1, Mass: 1, M2: -1, Lambda: 1})
	if d := sum.Diffusive; d == nil || d.SlowestSteps < 10000 || !slices.Contains(d.Marked, "energy") {
		t.Errorf("model B 64^2, 4000 steps: %+v, want the energy marked and a slowest mode over 10000 steps", d)
	}
	// regressions of a rule that compared the missed tail with the bins'
	// own tau_int: a kmp ring of 256 at 200000 steps (errors 23% low over
	// 80 seeds) and an interacting model B's energy_gradient (1.5 times
	// low over 40 seeds) went unmarked; both are marked. The ring's bins
	// of 4000 steps miss 13.7% of the modes' whole part of tau_int, more
	// than kmp's tenth (modesMissed), and over seeds 1 to 160 its means
	// spread 1.14 times their errors (+-0.06)
	sum = summaryOf(t, Config{Model: "kmp", Shape: []int{256}, Sweeps: 200000, Every: 1, Seed: 5, Start: "hot", Mass0: 1, ProfileEvery: -1})
	if d := sum.Diffusive; d == nil || !slices.Contains(d.Marked, "mass_var") || !slices.Contains(d.Marked, "mass_corr1") {
		t.Errorf("kmp ring of 256, 200000 steps: %+v; want mass_var and mass_corr1 marked", d)
	}
	sum = summaryOf(t, Config{Model: "phi4", Scheme: "modelb", Precision: "float64", Shape: []int{16, 16}, Sweeps: 60000, Therm: 5000, Every: 1, Seed: 3, Start: "cold", T: 1, Dt: 0.01, Gamma: 1, Mass: 1, M2: -1, Lambda: 1})
	if d := sum.Diffusive; d == nil || !slices.Contains(d.Marked, "energy_gradient") {
		t.Errorf("interacting model B 16^2, 60000 steps: %+v; want energy_gradient marked", d)
	}
	// the Gaussian field of 16^2, m2 = 1, dt 0.02, 60000 steps: a
	// reviewer measured over 12 seeds energy_gradient's means spread as
	// its error bars said (0.00031 against 0.00034); its slow modes' share
	// (lambda_k^2 S_k^2) is tiny, and phi2's (S_k^2) had marked it. Since
	// the shares take the step's factor and the bins' own tau_int counts
	// (seenTau), nothing is marked here: over 20 cold seeds the means of
	// phi2, phi4, the energy and its terms spread 0.84 to 1.03 times their
	// errors and lay 0.83 to 1.03 errors (rms) from the exact values
	for _, start := range []string{"hot", "cold"} {
		sum = summaryOf(t, Config{Model: "phi4", Scheme: "modelb", Precision: "float64", Shape: []int{16, 16}, Sweeps: 60000, Therm: 1000, Every: 1, Seed: 1, Start: start, T: 1, Dt: 0.02, Gamma: 1, Mass: 1, M2: 1, Lambda: 0})
		if d := sum.Diffusive; d != nil || !sum.Observables["energy_gradient"].Reliable || !sum.Observables["phi2"].Reliable {
			t.Errorf("model B 16^2, Gaussian, %s start: %+v, energy_gradient reliable %v, phi2 %v; want nothing marked", start, d, sum.Observables["energy_gradient"].Reliable, sum.Observables["phi2"].Reliable)
		}
	}
}

// summaryOf runs cfg on the CPU and returns its summary.
func summaryOf(t *testing.T, cfg Config) *Summary {
	t.Helper()
	_, sum, _ := executed(t, cfg, false)
	return sum
}

// executed validates cfg, runs it on the CPU in a temporary directory and
// makes its summary, with outputs also writing them there.
func executed(t *testing.T, cfg Config, outputs bool) (*State, *Summary, string) {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	st, err := NewState(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Execute(context.Background(), cpu.New(), st, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	sum, _ := MakeSummary(st, "cpu")
	if outputs {
		if err := WriteOutputs(dir, st, sum); err != nil {
			t.Fatal(err)
		}
	}
	return st, sum, dir
}

// Model B at m2 = lambda = 0 is allowed (its conserved mean drops out and
// every other mode relaxes, to S_k = T/lambda_k); model A there is not.
func TestModelBFreeField(t *testing.T) {
	c := langevinConfigs()[3] // modelb
	c.M2, c.Lambda, c.H = 0, 0, 0.3
	if err := c.Validate(); err != nil {
		t.Errorf("model B, m2 = lambda = 0: %v", err)
	}
	c.Scheme = "em"
	if err := c.Validate(); err == nil {
		t.Error("model A, m2 = lambda = 0: no error")
	}
}

// Quenched disorder the error bars leave out. Kuramoto with a spread of
// natural frequencies: the error bars are for
// the seed's draw of them (a reviewer measured r's means over 10 seeds of
// N = 5000 spread 9 times the quoted errors), and the summary says so;
// without a spread there is no such disorder.
func TestQuenchedDisorder(t *testing.T) {
	for _, spread := range []float64{0, 1} {
		sum := summaryOf(t, Config{Model: "particles", Potential: "kuramoto", Scheme: "lm", Precision: "float64", N: 200, D: 1, K: 4, T: 0.5, OmegaSpread: spread, Dt: 0.01, Gamma: 1, Mass: 1, Sweeps: 200, Every: 1, Seed: 1, Start: "hot"})
		if want := map[bool]string{false: "", true: QuenchedFrequencies}[spread > 0]; sum.QuenchedDisorder != want {
			t.Errorf("spread %v: quenched_disorder %q, want %q", spread, sum.QuenchedDisorder, want)
		}
	}
	// model B keeps the mean its start drew: a reviewer measured phi2's
	// means over 16 hot seeds spreading 1.95 times their errors (1.01 with
	// m^2 taken out); a cold start's m is 0 for every seed
	for _, start := range []string{"hot", "cold"} {
		sum := summaryOf(t, Config{Model: "phi4", Scheme: "modelb", Precision: "float64", Shape: []int{8, 8}, Sweeps: 100, Every: 1, Seed: 1, Start: start, T: 1, Dt: 0.01, Gamma: 1, Mass: 1, M2: 1, Lambda: 0})
		m := *sum.Observables["phi"].Mean
		if got := sum.QuenchedDisorder != ""; got != (start == "hot") || start == "hot" && sum.QuenchedDisorder != quenchedMean(m, 0) {
			t.Errorf("model B, %s start (m = %v): quenched_disorder %q", start, m, sum.QuenchedDisorder)
		}
		// the Binder cumulant of a conserved m: 2/3 up to rounding for
		// the hot start's m != 0, undefined (0/0) for the cold start's
		// m = 0, whose series hold only the conservation's rounding
		// (a walkthrough had read 0.26 to 0.61 there)
		b := sum.Observables["binder"]
		if start == "hot" && (b.Mean == nil || math.Abs(*b.Mean-2.0/3) > 1e-9) || start == "cold" && (b.Mean != nil || b.Error != nil || b.Reliable) {
			t.Errorf("model B, %s start (m = %v): binder %v", start, m, b)
		}
	}
}

// Model B's mean field m is conserved, and with it phi, the Binder
// cumulant and the susceptibilities (of m alone): their series vary by
// rounding only (a random walk, whose tau_int runs to thousands of
// steps), so the summary names them conserved and reliable, and the
// slow-mode check leaves them out; before, every model B run marked them
// unreliable and advised running longer. A cold start's binder (0/0) has
// no value and stays out; other schemes have none.
func TestModelBConserved(t *testing.T) {
	for _, prec := range []string{"float32", "float64"} {
		for _, start := range []string{"hot", "cold"} {
			sum := summaryOf(t, Config{Model: "phi4", Scheme: "modelb", Precision: prec, Shape: []int{32, 32}, Sweeps: 6000, Therm: 500, Every: 1, Seed: 3, Start: start, T: 1, Dt: 0.01, Gamma: 1, Mass: 1, M2: -1, Lambda: 1})
			want := ModelBConserved
			if start == "cold" {
				want = []string{"phi", "susceptibility", "susceptibility_connected", "energy_field"}
			}
			if !slices.Equal(sum.Conserved, want) {
				t.Errorf("%s %s: conserved %v, want %v", prec, start, sum.Conserved, want)
			}
			for _, name := range want {
				if v := sum.Observables[name]; !v.Reliable || v.Error == nil || math.IsNaN(*v.Error) {
					t.Errorf("%s %s: %s %+v, want reliable with an error bar", prec, start, name, v)
				}
			}
			if d := sum.Diffusive; d != nil && slices.ContainsFunc(d.Marked, func(n string) bool { return slices.Contains(ModelBConserved, n) }) {
				t.Errorf("%s %s: slow modes marked %v", prec, start, d.Marked)
			}
			// the fluctuating observables keep their marks: phi2's
			// tau_int here is hundreds of steps, its 120-step bins short
			if v := sum.Observables["phi2"]; v.Reliable {
				t.Errorf("%s %s: phi2 %+v reliable", prec, start, v)
			}
			// m is constant to rounding
			if m, e := *sum.Observables["phi"].Mean, *sum.Observables["phi"].Error; e > 1e-6 || start == "cold" && math.Abs(m) > 1e-6 {
				t.Errorf("%s %s: phi %v +- %v", prec, start, m, e)
			}
		}
	}
	for _, scheme := range []string{"em", "baoab"} {
		sum := summaryOf(t, Config{Model: "phi4", Scheme: scheme, Precision: "float64", Shape: []int{8, 8}, Sweeps: 300, Every: 1, Seed: 3, Start: "hot", T: 1, Dt: 0.01, Gamma: 1, Mass: 1, M2: 1, Lambda: 0})
		if sum.Conserved != nil {
			t.Errorf("%s: conserved %v, want none", scheme, sum.Conserved)
		}
	}
}

// Model B's energy_field, -h m, depends on the conserved m alone: with a
// field it is as constant as phi (its tau_int is phi's, the rounding's
// random walk), so it is conserved and reliable too, not marked for
// running longer; at h = 0 it is exactly 0.
func TestModelBConservedField(t *testing.T) {
	for _, h := range []float64{0.5, 0} {
		sum := summaryOf(t, Config{Model: "phi4", Scheme: "modelb", Precision: "float64", Shape: []int{16, 16}, Sweeps: 3000, Therm: 100, Every: 1, Seed: 3, Start: "hot", T: 1, Dt: 0.01, Gamma: 1, Mass: 1, M2: -1, Lambda: 1, H: h})
		v := sum.Observables["energy_field"]
		if !slices.Contains(sum.Conserved, "energy_field") || !v.Reliable {
			t.Errorf("h %v: energy_field %+v, conserved %v: want conserved and reliable", h, v, sum.Conserved)
		}
		if m := *sum.Observables["phi"].Mean; math.Abs(*v.Mean+h*m) > 1e-12 {
			t.Errorf("h %v: energy_field %v, want -h phi = %v", h, *v.Mean, -h*m)
		}
	}
}

// The site activity counts the grains after thermalization: with every
// grain measured, its sum is the measured avalanches' total size, from a
// hot start (whose thermalization it had counted too) as from a
// stationary one.
func TestSandpileActivityMeasured(t *testing.T) {
	for _, start := range []string{"hot", "stationary"} {
		cfg := Config{Model: "sandpile", Shape: []int{16, 16}, Sweeps: 1500, Therm: 700, Every: 1, ProfileEvery: -1, Seed: 6, Start: start}
		st, _ := simulate(t, cfg)
		var act, size int64
		for _, a := range st.Activity {
			act += a
		}
		for _, r := range st.Rows {
			size += int64(r[2])
		}
		if act != size || size == 0 || st.Topples <= size {
			t.Errorf("%s start: activity %d, measured topplings %d, all %d; want the first two equal and fewer than all", start, act, size, st.Topples)
		}
	}
}

// A particle run's summary has v_mean, v_var and v2 (the mean of v_var +
// v_mean^2) only with velocities (baoab), and v_mean and v2 only where
// every row has v_mean (not a run begun under checkpoint format 6),
// order_parameter (r) and order_parameter2 (the mean of r^2) only for
// kuramoto, and x2 (the mean of x_var + x_mean^2) only for the others.
func TestParticleObservableNames(t *testing.T) {
	rows := make([][]float64, 8)
	for i := range rows {
		rows[i] = []float64{float64(i + 1), 0.1 * float64(i), 1 + 0.01*float64(i), 2, 0.5, 0.3 - 0.1*float64(i)}
	}
	old := make([][]float64, len(rows))
	for i, r := range rows {
		old[i] = slices.Clone(r)
		if i < 3 {
			old[i][5] = math.NaN()
		}
	}
	for _, c := range []struct {
		scheme, potential string
		want              []string
	}{
		{quench.SchemeEM, quench.PotentialHarmonic, []string{"x_mean", "x_var", "x2"}},
		{quench.SchemeLM, quench.PotentialDoubleWell, []string{"x_mean", "x_var", "x2"}},
		{quench.SchemeBAOAB, quench.PotentialHarmonic, []string{"x_mean", "x_var", "x2", "v_mean", "v_var", "v2"}},
		{quench.SchemeEM, quench.PotentialKuramoto, []string{"order_parameter", "order_parameter2", "x_mean", "x_var"}},
		{"old " + quench.SchemeBAOAB, quench.PotentialDoubleWell, []string{"x_mean", "x_var", "x2", "v_var"}},
	} {
		rows := rows
		if scheme, ok := strings.CutPrefix(c.scheme, "old "); ok {
			c.scheme, rows = scheme, old
		}
		cfg := Config{Model: "particles", N: 4, D: 1, Scheme: c.scheme, Potential: c.potential, Every: 1}
		est, names := cfg.langevinObservables(rows)
		if !slices.Equal(names, c.want) || len(est) != len(c.want) {
			t.Errorf("%s %s: names %v, %d estimates; want %v", c.scheme, c.potential, names, len(est), c.want)
		}
		if e, ok := est["order_parameter2"]; ok && e.Mean != 0.25 { // r = 0.5 throughout
			t.Errorf("%s %s: order_parameter2 %v, want 0.25", c.scheme, c.potential, e.Mean)
		}
		// x2 is the mean of x_var + x_mean^2 over the rows
		var x2 float64
		for _, r := range rows {
			x2 += r[2] + r[1]*r[1]
		}
		if e, ok := est["x2"]; ok && math.Abs(e.Mean-x2/float64(len(rows))) > 1e-15 {
			t.Errorf("%s %s: x2 %v, want %v", c.scheme, c.potential, e.Mean, x2/float64(len(rows)))
		}
		// v2 the mean of v_var + v_mean^2, v_mean the last column's
		var v2, vm float64
		for _, r := range rows {
			v2 += r[3] + r[5]*r[5]
			vm += r[5]
		}
		if e, ok := est["v2"]; ok && math.Abs(e.Mean-v2/float64(len(rows))) > 1e-15 {
			t.Errorf("%s %s: v2 %v, want %v", c.scheme, c.potential, e.Mean, v2/float64(len(rows)))
		}
		if e, ok := est["v_mean"]; ok && math.Abs(e.Mean-vm/float64(len(rows))) > 1e-15 {
			t.Errorf("%s %s: v_mean %v, want %v", c.scheme, c.potential, e.Mean, vm/float64(len(rows)))
		}
	}
}

// Diffusive.BinSteps is the observables' error bins when any observable
// was marked (measurements every 3 steps: 1333 in bins of 26, 78 steps),
// not the profile snapshots' (every step: bins of 80).
func TestDiffusiveBinStepsOfObservables(t *testing.T) {
	sum := summaryOf(t, Config{Model: "kmp", Shape: []int{1024}, Sweeps: 4000, Every: 3, Seed: 1, Start: "hot", Mass0: 1, ProfileEvery: 1})
	d := sum.Diffusive
	if d == nil || len(d.Marked) == 0 || sum.UnreliableProfiles() == 0 {
		t.Fatalf("ring of 1024, 4000 steps: diffusive %+v, %d unreliable profile entries; want observables and profiles marked", d, sum.UnreliableProfiles())
	}
	if d.BinSteps != 78 {
		t.Errorf("bin_steps %d, want 78 (the observables' bins)", d.BinSteps)
	}
}

// HeapLimit is the estimate less RuntimeBytes, never below 0.
func TestHeapLimit(t *testing.T) {
	for _, c := range []struct{ host, want uint64 }{
		{0, 0}, {RuntimeBytes - 1, 0}, {RuntimeBytes, 0}, {RuntimeBytes + 5, 5}, {1 << 40, 1<<40 - RuntimeBytes},
	} {
		if got := HeapLimit(c.host); got != c.want {
			t.Errorf("HeapLimit(%d) = %d, want %d", c.host, got, c.want)
		}
	}
}

func TestTruncDigits(t *testing.T) {
	for _, c := range []struct {
		x    float64
		n    int
		want float64
	}{
		{0.024999999999975, 12, 0.0249999999999},
		{0.33333333333299997, 12, 0.333333333332},
		{1.999999999998e-290, 12, 1.99999999999e-290}, {1.999999999998e-290, 13, 1.999999999998e-290},
		{0.2, 12, 0.2},
		{123456.789, 4, 123400},
		{9.87654321e-300, 3, 9.87e-300},
	} {
		if got := truncDigits(c.x, c.n); got != c.want {
			t.Errorf("truncDigits(%v, %d) = %v, want %v", c.x, c.n, got, c.want)
		}
	}
}

// sumsCounter is the cpu backend counting its particle steps with the
// phase sums given (quench.PhaseSumsStepper) and without.
type sumsCounter struct {
	*cpu.Backend
	with, without int
}

func (b *sumsCounter) ParticleStep(ps *quench.Particles, p *quench.ParticleParams, ctr quench.Counter) error {
	b.without++
	return b.Backend.ParticleStep(ps, p, ctr)
}

func (b *sumsCounter) ParticleStepWithSums(ps *quench.Particles, p *quench.ParticleParams, ctr quench.Counter, c, s float64) error {
	b.with++
	return b.Backend.ParticleStepWithSums(ps, p, ctr, c, s)
}

// noSums is a backend without quench.PhaseSumsStepper.
type noSums struct{ quench.Backend }

// A kuramoto run hands a measurement's phase sums to the step right after
// it and to no other (every step changes the phases): measured every
// third step, it gives the bits of a run on a backend that takes no sums,
// and exactly the steps that follow a measurement are given them.
func TestKuramotoSumsReused(t *testing.T) {
	for _, prec := range []string{"float32", "float64"} {
		cfg := Config{Model: "particles", Potential: "kuramoto", Scheme: "em", Precision: prec, N: 300, D: 1, K: 2, T: 0.3,
			Omega: 0.3, OmegaSpread: 0.5, Dt: 0.01, Gamma: 1, Mass: 1, Sweeps: 20, Therm: 2, Every: 3, Seed: 7, Start: "hot"}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		run := func(be quench.Backend) *State {
			st, err := NewState(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := Execute(context.Background(), be, st, Options{}); err != nil {
				t.Fatal(err)
			}
			return st
		}
		cnt := &sumsCounter{Backend: cpu.New()}
		with, without := run(cnt), run(noSums{cpu.New()})
		sameLangevin(t, prec+": with the phase sums given and without", with, without)
		followed := 0 // measurements that a step follows
		for _, r := range with.Rows {
			if int64(r[0]) < with.Step {
				followed++
			}
		}
		if followed == 0 || cnt.with != followed || cnt.with+cnt.without != int(with.Step) {
			t.Errorf("%s: %d steps given the sums and %d not, want %d of %d (%d measurements)", prec, cnt.with, cnt.without, followed, with.Step, len(with.Rows))
		}
	}
}

// A model B run of one measurement has no error bars: nothing is named
// conserved (nor reliable) for want of one; the summary's JSON names the
// conserved observables of a longer run and has no conserved key for
// other schemes.
func TestModelBConservedNeedsErrors(t *testing.T) {
	base := Config{Model: "phi4", Scheme: "modelb", Precision: "float64", Shape: []int{8, 8}, Sweeps: 1, Every: 1, Seed: 3, Start: "hot", T: 1, Dt: 0.01, Gamma: 1, Mass: 1, M2: -1, Lambda: 1, H: 0.5}
	sum := summaryOf(t, base)
	if sum.Conserved != nil || sum.Observables["phi"].Reliable {
		t.Errorf("one measurement: conserved %v, phi %+v", sum.Conserved, sum.Observables["phi"])
	}
	base.Sweeps = 300
	sum = summaryOf(t, base)
	if j, _ := json.Marshal(sum); !strings.Contains(string(j), `"conserved":["phi","binder","susceptibility","susceptibility_connected","energy_field"]`) {
		t.Errorf("model B summary: %s", j)
	}
	base.Scheme = "em"
	sum = summaryOf(t, base)
	if j, _ := json.Marshal(sum); strings.Contains(string(j), `"conserved"`) {
		t.Errorf("em summary: %s", j)
	}
}

// Kuramoto noise too large for the precision is refused: the phases, in
// turns, lose their fraction and round to whole turns, so r read 1 at
// absurd temperatures (a walkthrough: float32 at dt 0.01 gave r = 0.71 at
// T = 1e18 and 1 at 1e30, float64 1 at 1e60, with error bars of 0). Just
// inside the bound the phases stay uniform: r is of order 1/sqrt(N).
func TestKuramotoNoiseBound(t *testing.T) {
	kur := langevinConfigs()[6]
	for _, prec := range []string{"float32", "float64"} {
		for _, scheme := range []string{"em", "lm"} {
			cfg := kur
			cfg.Precision, cfg.Scheme, cfg.Omega, cfg.OmegaSpread = prec, scheme, 0, 0
			bits := map[string]int{"float32": 24, "float64": 53}[prec]
			// 1 + 7 standard deviations (turns) of the step's noise below 2^(bits-12)
			std2 := 2 * cfg.Dt // em: (2 pi std)^2 = 2 T dt
			if scheme == "lm" {
				std2 = cfg.Dt // lm: T dt
			}
			tmax := math.Pow((math.Ldexp(1, bits-12)-1)*2*math.Pi/7, 2) / std2
			for _, T := range []float64{1.01 * tmax, 1e30, 1e60, 1e300} {
				cfg.T, cfg.Beta = T, 0 // (Validate fills in beta)
				err := cfg.Validate()
				if err == nil || !quench.IsUsage(err) || !strings.Contains(err.Error(), "is too large for kuramoto") {
					t.Errorf("%s %s T=%g: want a usage error, got %v", prec, scheme, T, err)
				}
			}
			cfg.T, cfg.Beta = 0.99*tmax, 0
			st, err := NewState(cfg)
			if err != nil {
				t.Fatalf("%s %s T=%g (inside the bound): %v", prec, scheme, cfg.T, err)
			}
			if err := Execute(context.Background(), cpu.New(), st, Options{}); err != nil {
				t.Fatal(err)
			}
			col := slices.Index(cfg.Columns(), "order_parameter") + 1
			r := 0.0
			for _, row := range st.Rows {
				r += row[col] / float64(len(st.Rows))
			}
			t.Logf("%s %s T=%.3g (inside the bound): r = %.4f over %d measurements", prec, scheme, cfg.T, r, len(st.Rows))
			// uniform phases: <r> = sqrt(pi/(4N)) = 0.04 at N = 500
			if r > 0.1 {
				t.Errorf("%s %s T=%g (inside the bound): r = %v, want about 0.04 (uniform phases)", prec, scheme, cfg.T, r)
			}
		}
	}
}

// The noise bound is on the step's noise, T dt: at dt 1e7 in float32 a T of
// 0.9 (em: 7 standard deviations of 4730 turns) is refused too. The bound
// the message gives ("T must be < B", B cut to 3 digits) is where the
// refusals start, for em and lm (whose noise is half em's variance): B
// runs, B plus one in its third digit does not.
func TestKuramotoNoiseBoundMessage(t *testing.T) {
	kur := langevinConfigs()[6]
	kur.Omega, kur.OmegaSpread = 0, 0
	big := kur
	big.Precision, big.Scheme, big.Dt, big.K, big.T, big.Beta = "float32", "em", 1e7, 0, 0.9, 0
	if err := big.Validate(); err == nil || !strings.Contains(err.Error(), "is too large for kuramoto") {
		t.Errorf("float32 em dt 1e7 T 0.9: %v", err)
	}
	bound := regexp.MustCompile(`T must be < ([0-9.e+-]+) `)
	for _, prec := range []string{"float32", "float64"} {
		for _, scheme := range []string{"em", "lm"} {
			cfg := kur
			cfg.Precision, cfg.Scheme, cfg.T, cfg.Beta = prec, scheme, 1e300, 0
			m := bound.FindStringSubmatch(fmt.Sprint(cfg.Validate()))
			if m == nil {
				t.Fatalf("%s %s: no bound in %v", prec, scheme, cfg.Validate())
			}
			b, _ := strconv.ParseFloat(m[1], 64)
			step := math.Pow(10, math.Floor(math.Log10(b))-2)
			for _, c := range []struct {
				temp    float64
				refused bool
			}{{b, false}, {b + step, true}} {
				cfg.T, cfg.Beta = c.temp, 0
				err := cfg.Validate()
				if refused := err != nil && strings.Contains(err.Error(), "is too large for kuramoto"); refused != c.refused {
					t.Errorf("%s %s: message's bound %v; T=%v: %v, want refused %v", prec, scheme, b, c.temp, err, c.refused)
				}
			}
		}
	}
}

// On a ring of at least four blocks the CPU backend keeps a FieldSums
// table of 16 bytes per 64 sites (cpu sumGeom.grp) for the whole run: the
// state on the host adds it to the host estimate of the lattice models
// that measure with geometry (phi4's field, the mass models), not to
// diffusion's or the particles', nor on shorter rings or other lattices.
func TestRingTableBytes(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want uint64
	}{
		{Config{Model: "phi4", Scheme: "em", Precision: "float32", Shape: []int{1 << 26}}, 16 << 20},
		{Config{Model: "phi4", Scheme: "modelb", Precision: "float64", Shape: []int{1<<20 + 1}}, 16 * (1<<14 + 1)},
		{Config{Model: "kmp", Shape: []int{1 << 24}, Mass0: 1}, 4 << 20},
		{Config{Model: "transfer", Shape: []int{4 * 4096}, Mass0: 1, Fraction: 0.5}, 16 * 256},
		{Config{Model: "kmp", Shape: []int{4*4096 - 1}, Mass0: 1}, 0},
		{Config{Model: "kmp", Shape: []int{4096, 4096}, Mass0: 1}, 0},
		{Config{Model: "diffusion", Precision: "float32", Shape: []int{1 << 24}, Alpha: 0.1}, 0},
	} {
		cfg := c.cfg
		cfg.Sweeps, cfg.Every = 10, 1
		h0, dev := cfg.Bytes(false)
		h1, _ := cfg.Bytes(true)
		if cfg.Model == "phi4" && cfg.Precision == "float32" {
			// a float32 field's conversion buffer, and the last one's
			// garbage: only a GPU's run takes them on the host
			h1 += 8 * uint64(cfg.Lattice().Sites())
		}
		if got := h1 - h0 - dev; got != c.want {
			t.Errorf("%s %v: the state on the host adds %d host bytes beyond its own, want %d (the ring's table)", cfg.Model, cfg.Shape, got, c.want)
		}
	}
}

// A phi4 series' m2 beyond float64 is named as m^2 of the mean field (not
// --m2), as m4 is.
func TestCheckRowNamesM2(t *testing.T) {
	c := langevinConfigs()[0]
	if c.Model != "phi4" {
		t.Fatalf("config 0 is %s", c.Model)
	}
	cols := c.Columns()
	k := slices.Index(cols, "m2")
	if k < 0 {
		t.Fatalf("no m2 column in %q", cols)
	}
	row := make([]float64, 1+len(cols))
	row[1+k] = math.Inf(1)
	err := c.checkRow(row)
	if err == nil || !strings.Contains(err.Error(), "m2 (m^2, m the mean field) is +Inf, beyond float64's range") {
		t.Errorf("m2 = +Inf: %v", err)
	}
}

// The second-moment correlation length: on L^d lattices at h = 0 but
// not under model B; sqrt(S(0)/F - 1) / (2 sin(pi/L)) with F the axes'
// mean S_k, 1/sqrt(m2) for the free field's S(k) = T/(m2 + 4 sin^2(k/2)),
// and where noise puts S(0) below F the root of |S(0)/F - 1|, negative:
// no gap for the jackknife's bins (sqrt alone left some without a value).
func TestCorrelationLength(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want bool
	}{
		{Config{Model: "phi4", Shape: []int{16, 16}, Scheme: quench.SchemeLM}, true},
		{Config{Model: "phi4", Shape: []int{8, 8, 8}, Scheme: quench.SchemeEM}, true},
		{Config{Model: "phi4", Shape: []int{2}, Scheme: quench.SchemeBAOAB}, true},
		{Config{Model: "phi4", Shape: []int{16, 8}, Scheme: quench.SchemeLM}, false},
		{Config{Model: "phi4", Shape: []int{1}, Scheme: quench.SchemeLM}, false},
		{Config{Model: "phi4", Shape: []int{16, 16}, Scheme: quench.SchemeLM, H: 0.1}, false},
		{Config{Model: "phi4", Shape: []int{16, 16}, Scheme: quench.SchemeModelB}, false},
		{Config{Model: "particles", Shape: []int{16, 16}, Scheme: quench.SchemeLM}, false},
	} {
		if got := c.cfg.hasCorrelationLength(); got != c.want {
			t.Errorf("%s %v %s h=%v: %v, want %v", c.cfg.Model, c.cfg.Shape, c.cfg.Scheme, c.cfg.H, got, c.want)
		}
	}
	c := Config{Model: "phi4", Shape: []int{32, 32}}
	for _, m2 := range []float64{4, 1, 0.25, 0.01} {
		s := 4 * math.Pow(math.Sin(math.Pi/32), 2)
		s0, sk := 1/m2, 1/(m2+s)
		if got := c.correlationLength(s0, []float64{sk, sk}); math.Abs(got-1/math.Sqrt(m2)) > 1e-12/math.Sqrt(m2) {
			t.Errorf("free field m2 = %v: %v, want %v", m2, got, 1/math.Sqrt(m2))
		}
		// S(0) as far below F as it was above: the same value, negative
		if got := c.correlationLength(2*sk-s0, []float64{sk, sk}); math.Abs(got+1/math.Sqrt(m2)) > 1e-12/math.Sqrt(m2) {
			t.Errorf("m2 = %v, S(0) below F: %v, want %v", m2, got, -1/math.Sqrt(m2))
		}
	}
	// F the axes' mean
	if got, want := c.correlationLength(3, []float64{1, 2}), 1/(2*math.Sin(math.Pi/32)); math.Abs(got-want) > 1e-12*want {
		t.Errorf("S(0) = 2F: %v, want %v", got, want)
	}
}

// --phi0 shifts phi4's start: hot phi0 + (2u - 1) rounded once to the
// run's precision (the same u as at phi0 = 0), cold phi0 on every site;
// model B keeps the mean field there (an off-critical quench), which the
// Gaussian field's exact values take as the conserved m; the summary
// names it, and runs at two phi0 differ.
func TestPhi0Start(t *testing.T) {
	for _, prec := range []string{"float64", "float32"} {
		base := Config{Model: "phi4", Shape: []int{6, 5}, Scheme: quench.SchemeLM, Precision: prec, Dt: 0.01, Gamma: 1, M2: -1, Lambda: 1, T: 1, Seed: 9, Start: "hot"}
		shifted := base
		shifted.Phi0 = 0.7
		a, b := newLangevinState(base), newLangevinState(shifted)
		for i, x := range a.Field {
			u := (x + 1) / 2 // the draw, exact in float64 (2u - 1 rounded in float32 is close)
			want := 0.7 + (2*u - 1)
			if prec == "float32" {
				want = float64(float32(want))
				if math.Abs(b.Field[i]-want) > 1e-6 {
					t.Fatalf("%s site %d: %v, want about %v", prec, i, b.Field[i], want)
				}
				continue
			}
			if b.Field[i] != want {
				t.Fatalf("%s site %d: %v, want %v", prec, i, b.Field[i], want)
			}
		}
		cold := shifted
		cold.Start = "cold"
		for i, x := range newLangevinState(cold).Field {
			if want := map[string]float64{"float64": 0.7, "float32": float64(float32(0.7))}[prec]; x != want {
				t.Fatalf("%s cold site %d: %v, want %v", prec, i, x, want)
			}
		}
	}
	c := Config{Model: "phi4", Shape: []int{8, 8}, Scheme: quench.SchemeModelB, Precision: "float64", Dt: 0.01, Gamma: 1, Mass: 1, M2: 1, Lambda: 0, T: 1,
		Seed: 3, Start: "cold", Phi0: -0.4, Sweeps: 400, Therm: 50, Every: 1}
	st, obs := simulate(t, c)
	if m := obs["phi"].Mean; math.Abs(m+0.4) > 1e-14 {
		t.Errorf("model B from phi0 -0.4: phi %v", m)
	}
	if b := obs["binder"]; math.Abs(b.Mean-2.0/3) > 1e-12 {
		t.Errorf("model B from phi0 -0.4: binder %v, want 2/3 (m conserved, not 0)", b.Mean)
	}
	x := c.exactValues(obs)
	if g, err := quench.GaussianField(c.Phi4Params(), c.Shape); err != nil || math.Abs(x["phi2"]-(0.16+g.Var)) > 1e-12 {
		t.Errorf("exact phi2 %v, want 0.16 + %v (%v)", x["phi2"], g.Var, err)
	}
	if p := st.Config.Params(); p["phi0"] != -0.4 {
		t.Errorf("params %v: no phi0 -0.4", p)
	}
	if s := c.String(); !strings.Contains(s, " phi0=-0.4 ") {
		t.Errorf("String %q: no phi0", s)
	}
	other := c
	other.Phi0 = 0.4
	if d := ConfigDiff(&c, &other); !strings.Contains(d, "phi0") {
		t.Errorf("ConfigDiff of phi0 -0.4 and 0.4: %q", d)
	}
	// phi4's alone (a checkpoint or the API could carry it elsewhere)
	part := Config{Model: "particles", N: 10, D: 1, Scheme: quench.SchemeEM, Potential: quench.PotentialHarmonic, Precision: "float64", Dt: 0.01, Gamma: 1, Mass: 1, K: 1, T: 1,
		Seed: 1, Start: "hot", Phi0: 0.5, Sweeps: 100, Every: 1}
	if err := part.Validate(); err == nil || !strings.Contains(err.Error(), "--phi0 0.5 does not apply to --model particles") {
		t.Errorf("particles at phi0 0.5: %v", err)
	}
	// and a model B hot start's quenched disorder names a cold start's m
	// as phi0
	if q := quenchedMean(0.27, 0.3); !strings.HasSuffix(q, "or start cold (m = 0.3, --phi0)") {
		t.Errorf("quenched disorder at phi0 0.3: %q", q)
	}
}

// WellEscapes: overdamped double-well particles at k = T = 1 expect
// escapes past x* = sqrt(1 + gamma/(2k dt)) as runs found them (em
// diverged in 10^8 coordinate steps from dt = 0.07 on, not at 0.06 and
// 0.05; lm at 0.1, not at 0.09), safeDt brings the count under 0.01, and
// the estimate is none for baoab, harmonic particles and T = 0.
func TestWellEscapes(t *testing.T) {
	c := Config{Model: "particles", Potential: quench.PotentialDoubleWell, K: 1, T: 1, Gamma: 1, N: 20000, D: 1, Sweeps: 4000, Therm: 1000}
	for _, w := range []struct {
		scheme string
		dt     float64
		lo, hi float64 // the expected count's range
	}{
		{quench.SchemeEM, 0.07, 1, 1e3},
		{quench.SchemeEM, 0.06, 0.01, 1},
		{quench.SchemeEM, 0.05, 0, 0.01},
		{quench.SchemeLM, 0.1, 0.5, 20},
		{quench.SchemeLM, 0.09, 0.001, 0.5},
		{quench.SchemeLM, 0.05, 0, 1e-6},
	} {
		c.Scheme, c.Dt = w.scheme, w.dt
		e, x, safe, ok := c.WellEscapes()
		if !ok || e < w.lo || e > w.hi || math.Abs(x-math.Sqrt(1+1/(2*w.dt))) > 1e-12 {
			t.Errorf("%s dt %v: expected %v escapes past %v (ok %v), want %v to %v", w.scheme, w.dt, e, x, ok, w.lo, w.hi)
		}
		c.Dt = safe
		if e2, _, _, _ := c.WellEscapes(); !(e2 < WellEscapeTarget) || safe <= 0 || safe > w.dt && e >= WellEscapeTarget {
			t.Errorf("%s: safe dt %v expects %v escapes", w.scheme, safe, e2)
		}
	}
	// gamma is a friction: gamma 2 at dt 0.2 is gamma 1 at dt 0.1, and
	// its safe dt twice as long; N and d count alike
	c.Scheme, c.Dt = quench.SchemeEM, 0.06
	e1, x1, s1, _ := c.WellEscapes()
	c2 := c
	c2.Gamma, c2.Dt, c2.N, c2.D = 2, 0.12, c.N/2, 2
	if e2, x2, s2, _ := c2.WellEscapes(); math.Abs(e2/e1-1) > 1e-9 || math.Abs(x2-x1) > 1e-12 || math.Abs(s2-2*s1) > 0.011 {
		t.Errorf("gamma 2, dt 0.12, N/2, d 2: %v %v %v against %v %v %v", e2, x2, s2, e1, x1, s1)
	}
	for _, d := range []Config{
		{Model: "particles", Potential: quench.PotentialDoubleWell, K: 1, T: 1, Gamma: 1, Mass: 1, N: 10, D: 1, Sweeps: 10, Scheme: quench.SchemeBAOAB, Dt: 0.1},
		{Model: "particles", Potential: quench.PotentialHarmonic, K: 1, T: 1, Gamma: 1, N: 10, D: 1, Sweeps: 10, Scheme: quench.SchemeEM, Dt: 0.1},
		{Model: "particles", Potential: quench.PotentialDoubleWell, K: 1, T: 0, Gamma: 1, N: 10, D: 1, Sweeps: 10, Scheme: quench.SchemeEM, Dt: 0.1},
	} {
		if _, _, _, ok := d.WellEscapes(); ok {
			t.Errorf("%+v: an estimate", d)
		}
	}
}

// FieldRelaxSteps: the k = 0 mode's steps, -1/ln rho of its mean's factor
// a step: overdamped gamma is a mobility (gamma 2 halves them), baoab's
// underdamped 2/(gamma dt), overdamped baoab its own map's (gamma 4, dt
// 0.1: 37 steps), a dt so small that rho rounds to 1 still counted, one
// whose step rounds to nothing +Inf.
func TestFieldRelaxSteps(t *testing.T) {
	c := Config{Model: "phi4", M2: 0.01, Lambda: 0, Gamma: 1, Mass: 1, Dt: 0.01, Scheme: quench.SchemeLM}
	s1, n1, ok1 := c.FieldRelaxSteps()
	c.Gamma = 2
	s2, _, ok2 := c.FieldRelaxSteps()
	if !ok1 || !ok2 || s1 != 10000 || n1 != 49998 || s2 != 5000 {
		t.Errorf("lm: %v (%v), gamma 2: %v", s1, n1, s2)
	}
	c = Config{Model: "phi4", M2: 1, Lambda: 0, Gamma: 0.05, Mass: 1, Dt: 0.1, Scheme: quench.SchemeBAOAB}
	if s, _, ok := c.FieldRelaxSteps(); !ok || s != 400 {
		t.Errorf("baoab gamma 0.05: %v", s)
	}
	c.Gamma = 4
	if s, _, ok := c.FieldRelaxSteps(); !ok || s != 37 {
		t.Errorf("baoab gamma 4: %v", s)
	}
	c = Config{Model: "phi4", M2: 1, Lambda: 0, Gamma: 1, Dt: 1e-300, Scheme: quench.SchemeEM}
	if s, _, ok := c.FieldRelaxSteps(); !ok || math.Abs(s/1e300-1) > 1e-12 {
		t.Errorf("dt 1e-300: %v", s)
	}
	// k dt/gamma rounding to 0: the step does not move the mode, +Inf (an
	// audit's --k 4.9e-324 had no note); gamma m2 dt likewise; and a
	// factor 1 - 4.9e-324, whose -1/ln overflows
	for _, d := range []Config{
		{Model: "particles", Potential: quench.PotentialHarmonic, K: 4.9e-324, Gamma: 1, Dt: 0.01, Scheme: quench.SchemeEM},
		{Model: "particles", Potential: quench.PotentialHarmonic, K: 4.9e-324, Gamma: 1, Mass: 1, Dt: 0.01, Scheme: quench.SchemeBAOAB},
		{Model: "phi4", M2: 1e-300, Lambda: 0, Gamma: 1, Dt: 1e-30, Scheme: quench.SchemeLM},
		{Model: "phi4", M2: 1, Lambda: 0, Gamma: 1, Dt: 4.9e-324, Scheme: quench.SchemeLM},
	} {
		if s, n, ok := d.FieldRelaxSteps(); !ok || !math.IsInf(s, 1) || !math.IsInf(n, 1) {
			t.Errorf("%+v: %v, %v, %v; want +Inf", d, s, n, ok)
		}
	}
	// harmonic particles: gamma a friction (gamma 2 doubles them)
	p := Config{Model: "particles", Potential: quench.PotentialHarmonic, K: 1e-4, Gamma: 1, Mass: 1, Dt: 0.01, Scheme: quench.SchemeEM}
	s1, n1, ok1 = p.FieldRelaxSteps()
	p.Gamma = 2
	s2, _, ok2 = p.FieldRelaxSteps()
	if !ok1 || !ok2 || s1 != 1e6 || n1 != 4999998 || s2 != 2e6 {
		t.Errorf("particles em: %v (%v), gamma 2: %v", s1, n1, s2)
	}
	p.Scheme, p.Gamma = quench.SchemeBAOAB, 0.01
	if s, _, ok := p.FieldRelaxSteps(); !ok || s != 20000 {
		t.Errorf("particles baoab gamma 0.01: %v", s)
	}
	// overdamped baoab at a tiny k: about gamma/(k dt) steps, as em's
	// (its map's slow eigenvalue 1 - e from the eigenvalues' product: 1
	// - (tr + sqrt d)/2 had cancelled, 9e14 steps for 1e22)
	p.Gamma = 1
	for _, k := range []float64{1e-8, 1e-12, 1e-20} {
		p.K = k
		if s, _, ok := p.FieldRelaxSteps(); !ok || math.Abs(s*k*p.Dt-1) > 1e-4 {
			t.Errorf("particles baoab k %v: %v steps, want about %v", k, s, 1/(k*p.Dt))
		}
	}
	for _, d := range []Config{
		{Model: "particles", Potential: quench.PotentialHarmonic, K: 0, Gamma: 1, Dt: 0.01, Scheme: quench.SchemeEM},
		{Model: "particles", Potential: quench.PotentialDoubleWell, K: 1, Gamma: 1, Dt: 0.01, Scheme: quench.SchemeEM},
		{Model: "phi4", M2: 1, Lambda: 1, Gamma: 1, Dt: 0.01, Scheme: quench.SchemeEM},
		{Model: "phi4", M2: -1, Lambda: 0, Gamma: 1, Dt: 0.01, Scheme: quench.SchemeEM},
		{Model: "phi4", M2: 1, Lambda: 0, Gamma: 1, Dt: 0.01, Scheme: quench.SchemeModelB},
	} {
		if _, _, ok := d.FieldRelaxSteps(); ok {
			t.Errorf("%+v: a value", d)
		}
	}
}

// quench verify's host memory: both runs' estimates in one process, which
// holds the runtime and the outputs' allowance once (each estimate counts
// them), for every model.
func TestVerifyHostBytes(t *testing.T) {
	for _, c := range []Config{
		{Model: "ising2d", Shape: []int{64, 64}, T: 2, J: 1, Algo: "metropolis", Start: "hot"},
		{Model: "phi4", Shape: []int{64, 64}, Scheme: "baoab", Precision: "float32", Dt: 0.01, Gamma: 1, Mass: 1, M2: -1, Lambda: 1, T: 1, Start: "hot"},
		{Model: "sandpile", Shape: []int{64, 64}, Start: "stationary"},
		{Model: "kmp", Shape: []int{64, 64}, Mass0: 1, Start: "hot"},
	} {
		c.Sweeps, c.Every = 100, 1
		cpuRun, _ := c.Bytes(true)
		gpuRun, _ := c.Bytes(false)
		if got, want := c.VerifyHostBytes(), cpuRun+gpuRun-RuntimeBytes-OutputsBytes; got != want {
			t.Errorf("%s: verify needs %d host bytes, want %d (the CPU run's %d and the GPU run's %d, less one runtime and outputs allowance)", c.Model, got, want, cpuRun, gpuRun)
		}
		if c.VerifyHostBytes() <= cpuRun {
			t.Errorf("%s: verify's %d host bytes no more than the CPU run's %d", c.Model, c.VerifyHostBytes(), cpuRun)
		}
	}
}
