package sim

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
	"github.com/quenchlab/quench/cpu"
	"github.com/quenchlab/quench/stats"
)

// simulate runs cfg to the end on the CPU backend without writing files,
// and estimates its observables.
func simulate(t *testing.T, cfg Config) (*State, map[string]stats.Estimate) {
	t.Helper()
	st, err := NewState(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := Execute(context.Background(), cpu.New(), st, Options{}); err != nil {
		t.Fatal(err)
	}
	obs, _ := st.Estimates()
	return st, obs
}

// within4 checks an estimate against an exact value at 4 sigma, and that its
// error bar is trustworthy (bins of at least 20 tau_int).
func within4(t *testing.T, what string, e stats.Estimate, want float64) {
	t.Helper()
	dev := math.Abs(e.Mean - want)
	t.Logf("%s: %.8f +- %.2g (tau_int %.3g) exact %.10f, %.2f sigma", what, e.Mean, e.Err, e.Tau, want, dev/e.Err)
	if !e.Reliable {
		t.Errorf("%s: error bar not reliable (tau_int %.3g too long for the run)", what, e.Tau)
	}
	if !(dev <= 4*e.Err) {
		t.Errorf("unexpected %s: got %.8f +- %.2g want %.10f (%.1f sigma)", what, e.Mean, e.Err, want, dev/e.Err)
	}
}

func TestIsingL4Exact(t *testing.T) {
	for _, T := range []float64{2.0, quench.Tc2D} {
		ex := enumerate(4, 1/T)
		for _, algo := range []string{"metropolis", "heatbath"} {
			cfg := Config{Model: "ising2d", Shape: []int{4, 4}, T: T, J: 1, Algo: algo,
				Sweeps: 200000, Therm: 1000, Every: 1, Seed: uint64(17 + 2*len(algo) + int(10*T)), Start: "hot"}
			_, obs := simulate(t, cfg)
			name := algo + " T=" + formatT(T)
			within4(t, name+" energy", obs["energy"], ex.u)
			within4(t, name+" specific heat", obs["specific_heat"], ex.c)
			within4(t, name+" <|m|>", obs["abs_magnetization"], ex.absM)
			within4(t, name+" <m^2>", obs["m2"], ex.m2)
			// N beta (<m^2> - <|m|>^2): at Tc 16/Tc (0.7613589086 - 0.8438604448^2)
			within4(t, name+" susceptibility_connected", obs["susceptibility_connected"], 16/T*(ex.m2-ex.absM*ex.absM))
			within4(t, name+" S_k0", obs["S_k0"], ex.sk[0])
			within4(t, name+" S_k1", obs["S_k1"], ex.sk[1])
			within4(t, name+" correlation_length", obs["correlation_length"], ex.xi(4))
		}
	}
}

// The field and the antiferromagnet, exactly on 4 x 4: the sign of h in
// the flip rule and in the energy, and J < 0 (at h = 0 the antiferromagnet
// has the ferromagnet's energy on this bipartite lattice, but not its
// uniform magnetization).
func TestIsingL4FieldAntiferro(t *testing.T) {
	cases := []struct{ T, J, h float64 }{{2.5, 1, 0.3}, {2.0, -1, 0}, {1.5, -1, 0.5}}
	for i, c := range cases {
		ex := enumerateJH(4, 1/c.T, c.J, c.h)
		for _, algo := range []string{"metropolis", "heatbath"} {
			cfg := Config{Model: "ising2d", Shape: []int{4, 4}, T: c.T, J: c.J, H: c.h, Algo: algo,
				Sweeps: 200000, Therm: 1000, Every: 1, Seed: uint64(41 + 7*i + len(algo)), Start: "hot"}
			_, obs := simulate(t, cfg)
			name := fmt.Sprintf("%s T=%g J=%g h=%g", algo, c.T, c.J, c.h)
			within4(t, name+" energy", obs["energy"], ex.u)
			within4(t, name+" specific heat", obs["specific_heat"], ex.c)
			if c.h != 0 { // at h = 0, <m> = 0 by symmetry, with no error-bar scale
				within4(t, name+" <m>", obs["magnetization"], ex.m)
			}
			within4(t, name+" <|m|>", obs["abs_magnetization"], ex.absM)
			within4(t, name+" <m^2>", obs["m2"], ex.m2)
			// the order parameter: at h = 0 the antiferromagnet's m_s is
			// the ferromagnet's m (flip one sublattice); with a field it
			// is not ( <m_s> = 0 by sublattice exchange in every case)
			within4(t, name+" <|m_s|>", obs["abs_staggered_magnetization"], ex.absMS)
			within4(t, name+" <m_s^2>", obs["staggered_m2"], ex.ms2)
			within4(t, name+" <m_s^4>", obs["staggered_m4"], ex.ms4)
			chi := stats.Estimate{Mean: obs["staggered_susceptibility"].Mean / (16 / c.T), Err: obs["staggered_susceptibility"].Err / (16 / c.T),
				Tau: obs["staggered_susceptibility"].Tau, Reliable: obs["staggered_susceptibility"].Reliable}
			within4(t, name+" staggered susceptibility / (N beta)", chi, ex.ms2)
		}
	}
}

// The staggered sums' exact averages are the ferromagnet's magnetization
// ones at h = 0, and differ from them in a field.
func TestEnumerationStaggered(t *testing.T) {
	for _, beta := range []float64{0.3, 0.5} {
		f, a := enumerateJH(4, beta, 1, 0), enumerateJH(4, beta, -1, 0)
		for _, c := range [][2]float64{{a.absMS, f.absM}, {a.ms2, f.m2}, {a.ms4, f.m4}, {a.u, f.u}} {
			if math.Abs(c[0]-c[1]) > 1e-12 {
				t.Errorf("beta %g: antiferromagnet staggered %v, ferromagnet %v", beta, c[0], c[1])
			}
		}
	}
	a, f := enumerateJH(4, 1/1.5, -1, 0.5), enumerateJH(4, 1/1.5, 1, 0.5)
	if math.Abs(a.ms2-f.m2) < 1e-3 {
		t.Errorf("in a field the antiferromagnet's <m_s^2> %v should differ from the ferromagnet's <m^2> %v", a.ms2, f.m2)
	}
}

// The simple cubic model exactly, on 4 x 2 x 2 (2^16 states; the extents
// of 2 give double bonds, in the enumeration as in the engine): both
// algorithms, above and below the bulk Tc, with a field in one case.
func TestIsing3DExact(t *testing.T) {
	shape := []int{4, 2, 2}
	for i, c := range []struct{ T, h float64 }{{6, 0}, {3, 0}, {4, 0.4}} {
		ex := enumerateShape(shape, 1/c.T, 1, c.h)
		for _, algo := range []string{"metropolis", "heatbath"} {
			cfg := Config{Model: "ising3d", Shape: shape, T: c.T, J: 1, H: c.h, Algo: algo,
				Sweeps: 100000, Therm: 1000, Every: 1, Seed: uint64(70 + 3*i + len(algo)), Start: "hot"}
			_, obs := simulate(t, cfg)
			name := fmt.Sprintf("3D %s T=%g h=%g", algo, c.T, c.h)
			within4(t, name+" energy", obs["energy"], ex.u)
			within4(t, name+" specific heat", obs["specific_heat"], ex.c)
			within4(t, name+" <|m|>", obs["abs_magnetization"], ex.absM)
			within4(t, name+" <m^2>", obs["m2"], ex.m2)
			if c.h != 0 {
				within4(t, name+" <m>", obs["magnetization"], ex.m)
			}
		}
	}
}

// The structure factors and the correlation length against exact values:
// on 8 x 8 the transfer matrix's, as the summary's exact values report
// them (with m2 and the susceptibility), at T = 2.5 and Tc; on 2 x 2 x 2
// by enumeration (an extent of 2: k = pi, and the double bonds).
func TestIsingFourierExact(t *testing.T) {
	for i, T := range []float64{2.5, quench.Tc2D} {
		cfg := Config{Model: "ising2d", Shape: []int{8, 8}, T: T, J: 1, Algo: "heatbath",
			Sweeps: 100000, Therm: 1000, Every: 1, Seed: uint64(80 + i), Start: "hot"}
		st, obs := simulate(t, cfg)
		sum, _ := MakeSummary(st, "cpu")
		if r := sum.CorrelationRatio; r == nil || slices.Contains(sum.Observables["correlation_length"].UnreliableBy, ByNearZero) {
			t.Errorf("8x8 T=%g: xi marked near_zero, or no S(0)/F - 1: %+v", T, r)
		}
		for _, name := range []string{"m2", "susceptibility", "S_k0", "S_k1", "correlation_length"} {
			want, ok := sum.Exact[name]
			if !ok {
				t.Fatalf("8x8 T=%g: no exact %s in %v", T, name, sum.Exact)
			}
			within4(t, fmt.Sprintf("8x8 T=%.4g %s", T, name), obs[name], want)
		}
	}
	shape := []int{2, 2, 2}
	ex := enumerateShape(shape, 1/4.5, 1, 0)
	cfg := Config{Model: "ising3d", Shape: shape, T: 4.5, J: 1, Algo: "metropolis",
		Sweeps: 100000, Therm: 1000, Every: 1, Seed: 83, Start: "hot"}
	_, obs := simulate(t, cfg)
	for a := range 3 {
		within4(t, fmt.Sprintf("2x2x2 S_k%d", a), obs[fmt.Sprintf("S_k%d", a)], ex.sk[a])
	}
	within4(t, "2x2x2 correlation_length", obs["correlation_length"], ex.xi(2))
}

// At T = 10 on 32^2 (xi about 0.4) S(0)/F - 1 lies within 3 errors of
// 0 after 2000 sweeps, where the root's jackknife error means nothing:
// the correlation length is marked near_zero, with r and its error in
// the summary.
func TestCorrelationLengthNearZero(t *testing.T) {
	st, _ := simulate(t, Config{Model: "ising2d", Shape: []int{32, 32}, T: 10, J: 1, Algo: "heatbath", Sweeps: 2000, Every: 1, Seed: 2, Start: "hot"})
	sum, _ := MakeSummary(st, "cpu")
	v, r := sum.Observables["correlation_length"], sum.CorrelationRatio
	if r == nil || v.Reliable || !slices.Equal(v.UnreliableBy, []string{ByNearZero}) || !(math.Abs(r.Mean) < NearZeroErrors*r.Error) {
		t.Fatalf("xi %+v, S(0)/F - 1 %+v: want it marked near_zero, and only so", v, r)
	}
	// the ratio's mean is xi's square in units of (2 sin(pi/L))^2, signed
	want := math.Copysign(math.Sqrt(math.Abs(r.Mean)), r.Mean) / (2 * math.Sin(math.Pi/32))
	if math.Abs(*v.Mean-want) > 1e-12*math.Abs(want) {
		t.Errorf("xi %v, from the ratio %v", *v.Mean, want)
	}
}

// A chain's stationary piles are its N + 1 recurrent states, equally
// likely (every height 1, or one of them 0): mean height N/(N+1), which
// the summary's exact values report.
func TestSandpileChainMeanHeight(t *testing.T) {
	st, obs := simulate(t, Config{Model: "sandpile", Shape: []int{16}, Sweeps: 100000, Therm: 1000, Every: 1, ProfileEvery: ProfileNone, Seed: 5, Start: "hot"})
	sum, _ := MakeSummary(st, "cpu")
	if x, ok := sum.Exact["mean_height"]; !ok || x != 16.0/17 {
		t.Fatalf("exact mean height %v, %v: want 16/17", x, ok)
	}
	within4(t, "chain of 16 mean height", obs["mean_height"], 16.0/17)
}

func formatT(T float64) string {
	if T == quench.Tc2D {
		return "Tc"
	}
	return "2.0"
}

// L = 16 at exactly Kc (docs/exact-values.md): u = -1.4530648528, c = 1.4987049594.
func TestIsingL16AtKc(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	cfg := Config{Model: "ising2d", Shape: []int{16, 16}, Beta: quench.Kc2D, J: 1, Algo: "heatbath",
		Sweeps: 300000, Therm: 2000, Every: 1, Seed: 16, Start: "hot"}
	_, obs := simulate(t, cfg)
	within4(t, "L=16 energy", obs["energy"], -1.4530648528)
	within4(t, "L=16 specific heat", obs["specific_heat"], 1.4987049594)
}

// L = 128 at T = 2.0 against the infinite lattice: Onsager's energy and
// Yang's spontaneous magnetization (finite-size corrections are
// exponentially small in L/xi with xi of order one lattice spacing here).
func TestIsingL128Onsager(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	cfg := Config{Model: "ising2d", Shape: []int{128, 128}, T: 2.0, J: 1, Algo: "metropolis",
		Sweeps: 12000, Therm: 1000, Every: 1, Seed: 128, Start: "cold"}
	_, obs := simulate(t, cfg)
	within4(t, "L=128 energy", obs["energy"], -1.745564575313)
	within4(t, "L=128 <|m|>", obs["abs_magnetization"], 0.911319377877)
}

// 3D: ordered below Tc (U4 near 2/3, large |m|), disordered above (U4 near
// 0, small |m|), and the critical U4 in between.
func TestIsing3DPhases(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	run := func(K float64, seed uint64) map[string]stats.Estimate {
		cfg := Config{Model: "ising3d", Shape: []int{12, 12, 12}, Beta: K, J: 1, Algo: "metropolis",
			Sweeps: 20000, Therm: 2000, Every: 1, Seed: seed, Start: "hot"}
		_, obs := simulate(t, cfg)
		t.Logf("K=%v: |m| = %.5f +- %.2g, U4 = %.5f +- %.2g, e = %.5f +- %.2g", K,
			obs["abs_magnetization"].Mean, obs["abs_magnetization"].Err, obs["binder"].Mean, obs["binder"].Err,
			obs["energy"].Mean, obs["energy"].Err)
		return obs
	}
	ord, crit, dis := run(0.25, 1), run(quench.Kc3D, 2), run(0.18, 3)
	u := func(o map[string]stats.Estimate) stats.Estimate { return o["binder"] }
	if e := u(ord); e.Mean-4*e.Err < 0.6 || e.Mean > 2.0/3+4*e.Err {
		t.Errorf("ordered phase (K=0.25): U4 = %v +- %v, want close to 2/3", e.Mean, e.Err)
	}
	if e := ord["abs_magnetization"]; e.Mean-4*e.Err < 0.5 {
		t.Errorf("ordered phase (K=0.25): <|m|> = %v +- %v, want > 0.5", e.Mean, e.Err)
	}
	if e := u(dis); e.Mean+4*e.Err > 0.15 {
		t.Errorf("disordered phase (K=0.18): U4 = %v +- %v, want close to 0", e.Mean, e.Err)
	}
	if e := dis["abs_magnetization"]; e.Mean+4*e.Err > 0.15 {
		t.Errorf("disordered phase (K=0.18): <|m|> = %v +- %v, want small", e.Mean, e.Err)
	}
	// At Kc the Binder cumulant of periodic simple-cubic lattices tends to
	// the universal U4* = 0.4655 (Hasenbusch's estimate, 0.46546(5)); the
	// corrections to scaling fall like L^-0.83 with a small amplitude, a
	// few 0.001 at L = 12, so 0.005 covers them.
	if e := u(crit); !e.Reliable || math.Abs(e.Mean-0.4655) > 4*e.Err+0.005 {
		t.Errorf("at Kc: U4 = %v +- %v (reliable %v), want 0.4655 within 4 sigma + 0.005", e.Mean, e.Err, e.Reliable)
	}
	for _, o := range []map[string]stats.Estimate{ord, dis} {
		for _, k := range []string{"binder", "abs_magnetization"} {
			if !o[k].Reliable {
				t.Errorf("%s: error bar not reliable (tau_int %.3g)", k, o[k].Tau)
			}
		}
	}
	if !(ord["energy"].Mean < crit["energy"].Mean && crit["energy"].Mean < dis["energy"].Mean) {
		t.Errorf("energy not increasing with temperature: %v %v %v", ord["energy"].Mean, crit["energy"].Mean, dis["energy"].Mean)
	}
}

// The interacting phi^4 field (m2 < 0, lambda > 0, h != 0) against the
// equipartition identity of its Boltzmann distribution: integrating
// d/dphi_x (phi_x exp(-H/T)) over the field gives <phi_x dH/dphi_x> = T at
// every site, and summed over sites
//
//	2 e_gradient + 2 e_mass + 4 e_quartic + e_field = T
//
// per site, in the energy terms the run reports (so their formulas are
// checked too). Leimkuhler-Matthews and BAOAB sample configurations with
// an O(dt^2) bias. Measured on this 16 x 16 lattice (40000 steps each):
// LM 1.0335(12) at dt = 0.16 and 1.0007(16) at 0.08; BAOAB 1.0061(12) at
// dt = 0.4 and 1.0006(11) at 0.2 (Euler-Maruyama, O(dt): 1.061(3) at
// 0.02). Scaled by dt^2, the bias at the steps below is under 0.0006,
// less than a third of their error bars.
func TestPhi4Virial(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	for i, c := range []struct {
		scheme, prec string
		dt           float64
	}{
		{quench.SchemeLM, "float64", 0.02},
		{quench.SchemeLM, "float32", 0.02},
		{quench.SchemeBAOAB, "float64", 0.1},
	} {
		cfg := Config{Model: "phi4", Shape: []int{16, 16}, Scheme: c.scheme, Precision: c.prec, Dt: c.dt,
			M2: -1, Lambda: 1, H: 0.3, T: 1, Gamma: 1, Mass: 1,
			Sweeps: 40000, Therm: 1000, Every: 1, Seed: uint64(300 + i), Start: "cold"}
		st, _ := simulate(t, cfg)
		col := map[string]int{}
		for j, name := range Phi4Columns(2) {
			col[name] = j + 1 // after the step
		}
		v := make([]float64, len(st.Rows))
		for j, r := range st.Rows {
			v[j] = 2*r[col["energy_gradient"]] + 2*r[col["energy_mass"]] + 4*r[col["energy_quartic"]] + r[col["energy_field"]]
		}
		within4(t, fmt.Sprintf("%s %s dt=%v: <phi dH/dphi>", c.scheme, c.prec, c.dt), stats.Series(v), cfg.T)
	}
}

// The interacting phi^4 ring (m2 = -1, lambda = 1, T = 1) through the
// driver against the exact Boltzmann means of its transfer integral
// (quench.Phi4Ring, as the summary's exact values, ringExact): every
// observable they give (phi, phi2, phi4, the energy and its four terms,
// S_k0, the susceptibility, the Binder cumulant, at h = 0 the correlation
// length) within 4 reliable errors,
// on rings of 16 and 8 at h = 0 and 0.3, under Leimkuhler-Matthews and
// BAOAB.
//
// Both sample configurations with an O(dt^2) bias. Measured on the ring
// of 16 at h = 0.3 (seed 7, 1 to 3 million steps): LM at dt = 0.2 energy
// +0.0204(4), energy_gradient +0.0056(2), S_k0 -0.020(3), susceptibility
// -0.23(2); at dt = 0.1 -0.00002(46), -0.0007(2), -0.007(3), +0.010(18);
// BAOAB at dt = 0.4 phi2 -0.0037(5), energy_gradient -0.0023(3), S_k0
// -0.027(3); at dt = 0.2 -0.0007(5), -0.0009(2), -0.009(3). Scaled by dt^2
// from the smaller step (LM 0.1 -> 0.03: a factor 0.09; BAOAB 0.2 ->
// 0.1: 0.25), the bias at the steps below is at most about 0.27 of the
// error bars (BAOAB energy_gradient 2.3e-4 against the ring of 16's
// 8.3e-4; S_k0 2.3e-3 against the ring of 8's 9.2e-3; LM's under 0.05),
// under a third. The Binder cumulant, measured likewise (seed 7, 1 or 2
// million steps): on the ring of 16 at h = 0.3 LM at dt = 0.2
// -0.0041(8), at 0.1 +0.0023(10); BAOAB at 0.4 +0.0042(8), at 0.2
// +0.0019(9); on the ring of 8 at h = 0 LM at 0.2 -0.0086(19), at 0.1
// -0.0015(17); on the ring of 16 at h = 0 BAOAB at 0.4 -0.0021(25), at 0.2
// -0.0019(23). Scaled by dt^2 from the larger step (LM 0.2 -> 0.03: a
// factor 0.0225; BAOAB 0.4 -> 0.1: 0.0625) that is at most 2.6e-4, about
// 0.05 of the binder error bars here (0.005 to 0.0085). Measured: all 44
// within 2.2 errors (binder within 1.4; correlation_length, at h = 0, a
// ratio of S_k0 and the susceptibility, whose biases are bounded above,
// 0.02 and 0.39).
func TestPhi4RingExact(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	for i, c := range []struct {
		scheme string
		dt     float64
		l      int
		h      float64
	}{
		{quench.SchemeLM, 0.03, 16, 0.3},
		{quench.SchemeLM, 0.03, 8, 0},
		{quench.SchemeBAOAB, 0.1, 16, 0},
		{quench.SchemeBAOAB, 0.1, 8, 0.3},
	} {
		cfg := Config{Model: "phi4", Shape: []int{c.l}, Scheme: c.scheme, Precision: "float64", Dt: c.dt,
			M2: -1, Lambda: 1, H: c.h, T: 1, Gamma: 1, Mass: 1,
			Sweeps: 200000, Therm: 2000, Every: 1, Seed: uint64(40 + i), Start: "hot"}
		_, obs := simulate(t, cfg)
		x := cfg.exactValues(obs)
		want := 11 // and at h = 0 the correlation length
		if c.h == 0 {
			want++
		}
		if len(x) != want {
			t.Fatalf("%s L=%d h=%v: %d exact values, want %d: %v", c.scheme, c.l, c.h, len(x), want, x)
		}
		for _, name := range []string{"phi", "phi2", "phi4", "energy", "energy_gradient", "energy_mass", "energy_quartic", "energy_field", "S_k0", "susceptibility", "binder", "correlation_length"} {
			if name == "energy_field" && c.h == 0 || name == "correlation_length" && c.h != 0 {
				continue // 0 in every measurement; defined at h = 0
			}
			within4(t, fmt.Sprintf("%s dt=%v L=%d h=%v %s", c.scheme, c.dt, c.l, c.h, name), obs[name], x[name])
		}
	}
}

// Double-well particles (U = k (x^2 - 1)^2, k = 1, T = 1) through the
// driver against their Boltzmann means at dt -> 0 (doubleWellExact: x_mean
// 0, x2 <x^2> by quadrature, x_var and baoab's v_var T/mass each times
// (n-1)/n): all
// within 4 reliable errors under lm and baoab at dt = 0.01 (100
// particles; baoab's x_mean, which crosses the barrier, has tau_int about
// 250 - 360 steps, so it runs 500,000 steps for bins of 20 of them).
//
// Both schemes' step bias is O(dt^2). Measured with 100,000 particles,
// 4000 steps at T = 1 (seed 1): lm x_var -0.00541(14) at dt = 0.1,
// -0.00094(7) at 0.05; baoab x_var -0.00088(7) and -0.00019(9), v_var
// -0.0148(2) and -0.0038(3). Scaled by dt^2 to dt = 0.01 (a factor 0.04
// from 0.05) the largest, baoab's v_var, is -0.00015, under a tenth of its
// error bar here (about 0.0026), the others under a tenth of theirs. em's
// O(dt) bias is larger: x_var -0.0054(1) at dt = 0.01 and T = 0.5.
func TestParticlesDoubleWellExact(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	for i, c := range []struct {
		scheme string
		steps  int64
	}{{quench.SchemeLM, 300000}, {quench.SchemeBAOAB, 500000}} {
		cfg := Config{Model: "particles", N: 100, D: 1, Potential: quench.PotentialDoubleWell, K: 1, Scheme: c.scheme,
			Precision: "float64", Dt: 0.01, T: 1, Gamma: 1, Mass: 1, Sweeps: c.steps, Therm: 1000, Every: 1, Seed: uint64(70 + i), Start: "hot"}
		_, obs := simulate(t, cfg)
		x := cfg.exactValues(obs)
		want := []string{"x_mean", "x_var", "x2"}
		if c.scheme == quench.SchemeBAOAB {
			want = append(want, "v_mean", "v_var", "v2")
		}
		if len(x) != len(want) {
			t.Fatalf("%s: exact values %v, want %v", c.scheme, x, want)
		}
		for _, name := range want {
			within4(t, c.scheme+" double well "+name, obs[name], x[name])
		}
	}
}

// A single particle (N = 1, d = 1), whose spread x_var is 0 in every
// measurement: its x2, the time average of x^2, through the driver
// against the scheme's stationary variance (harmonic: (T/k)/(1 - k dt/(2
// gamma)) under em, T/k under lm and baoab) and the double well's
// Boltzmann <x^2> (lm, whose O(dt^2) bias at dt = 0.01 is under a tenth of
// the error: TestParticlesDoubleWellExact), within 4 reliable errors; under
// baoab also its velocity's v2 (v_var is 0) against the scheme's
// (T/mass)(1 - dt^2 k/(4 mass)), and v_mean against 0.
func TestParticlesSingleX2(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	for i, c := range []struct {
		potential, scheme string
		dt                float64
		steps             int64
	}{
		{quench.PotentialHarmonic, quench.SchemeEM, 0.1, 200000},
		{quench.PotentialHarmonic, quench.SchemeLM, 0.1, 200000},
		{quench.PotentialHarmonic, quench.SchemeBAOAB, 0.2, 200000},
		{quench.PotentialDoubleWell, quench.SchemeLM, 0.01, 400000},
	} {
		cfg := Config{Model: "particles", N: 1, D: 1, Potential: c.potential, K: 1, Scheme: c.scheme, Precision: "float64",
			Dt: c.dt, T: 1, Gamma: 1, Mass: 1, Sweeps: c.steps, Therm: 1000, Every: 1, Seed: uint64(110 + i), Start: "hot"}
		st, obs := simulate(t, cfg)
		x := cfg.exactValues(obs)
		for _, r := range st.Rows {
			if r[2] != 0 {
				t.Fatalf("%s %s: x_var %v, want 0 for one coordinate", c.potential, c.scheme, r[2])
			}
		}
		want := cfg.T / cfg.K
		if c.scheme == quench.SchemeEM {
			want /= 1 - cfg.K*cfg.Dt/(2*cfg.Gamma)
		}
		if c.potential == quench.PotentialDoubleWell {
			r, err := quench.Phi4Ring(-4*cfg.K, 4*cfg.K, 0, cfg.T, 1)
			if err != nil {
				t.Fatal(err)
			}
			want = r.Phi2
		}
		if math.Abs(x["x2"]-want) > 1e-12*want {
			t.Errorf("%s %s: exact x2 %v, want %v", c.potential, c.scheme, x["x2"], want)
		}
		within4(t, fmt.Sprintf("N=1 %s %s x2", c.potential, c.scheme), obs["x2"], want)
		if c.scheme == quench.SchemeBAOAB {
			// the velocity's: v_var 0 (one component), v2 the
			// scheme's (T/mass)(1 - dt^2 k/(4 mass)), v_mean 0
			vv := cfg.T / cfg.Mass * (1 - cfg.Dt*cfg.Dt*cfg.K/(4*cfg.Mass))
			if math.Abs(x["v2"]-vv) > 1e-12*vv || x["v_mean"] != 0 {
				t.Errorf("%s %s: exact v2 %v, v_mean %v; want %v, 0", c.potential, c.scheme, x["v2"], x["v_mean"], vv)
			}
			if v := obs["v_var"]; v.Mean != 0 || v.Err != 0 {
				t.Errorf("%s %s: v_var %+v, want 0 for one component", c.potential, c.scheme, v)
			}
			within4(t, fmt.Sprintf("N=1 %s %s v2", c.potential, c.scheme), obs["v2"], vv)
			within4(t, fmt.Sprintf("N=1 %s %s v_mean", c.potential, c.scheme), obs["v_mean"], 0)
		}
	}
}

// Noisy Kuramoto oscillators of one natural frequency sample the
// mean-field XY model's Boltzmann distribution exp((k N / 2T) r^2): <r^2>
// (order_parameter2) against quench.KuramotoR2, attractive (k/T = 4, r
// about 0.87), repulsive (k/T = -2, <r^2> below 1/N) and turning at a
// common frequency (omega = 3, which only rotates the frame: r's series
// is the same as without it but for rounding), under lm; and x_mean, the
// mean of the phases in turns, against the 1/2 of the symmetry of turning
// every phase alike (at N = 4 and k/T = 4 the cluster's common phase
// diffuses a turn in 2 pi^2 N/T = 158 time units, 3200 steps).
// Its O(dt^2) bias, measured with 400000 steps at dt = 0.2: +0.00033(80)
// at k/T = 4, N = 4 and +0.00037(14) at k/T = -2, N = 10; at dt = 0.05,
// 16 times less, it is under a tenth of the errors here (0.0025, 0.0004
// and 0.005). em's O(dt) bias shows: N = 100, k/T = 4, dt = 0.01 read
// -0.0052(8), and -0.0025(8) at dt = 0.005.
func TestParticlesKuramotoExact(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	for i, c := range []struct {
		n           int64
		k, T, omega float64
		steps       int64
	}{{4, 2, 0.5, 0, 200000}, {10, -2, 1, 0, 200000}, {6, 1, 0.4, 3, 200000}} {
		cfg := Config{Model: "particles", N: c.n, D: 1, Potential: quench.PotentialKuramoto, K: c.k, T: c.T, Omega: c.omega, Scheme: quench.SchemeLM,
			Precision: "float64", Dt: 0.05, Gamma: 1, Mass: 1, Sweeps: c.steps, Therm: 2000, Every: 1, Seed: uint64(90 + i), Start: "hot"}
		_, obs := simulate(t, cfg)
		x := cfg.exactValues(obs)
		want, err := quench.KuramotoR2(c.n, c.k/c.T)
		if err != nil || len(x) != 2 || x["order_parameter2"] != want || x["x_mean"] != 0.5 {
			t.Fatalf("%+v: exact values %v, want order_parameter2 %v (%v) and x_mean 0.5", c, x, want, err)
		}
		within4(t, fmt.Sprintf("kuramoto N=%d k/T=%g omega=%g r^2", c.n, c.k/c.T, c.omega), obs["order_parameter2"], want)
		within4(t, fmt.Sprintf("kuramoto N=%d k/T=%g omega=%g x_mean", c.n, c.k/c.T, c.omega), obs["x_mean"], 0.5)
	}
	// with a spread of frequencies (driven, no Boltzmann law) x_mean
	// alone, 1/2 by the symmetry, and through the driver within 4 errors
	// of it; none at T = 0, and the run says why
	cfg := Config{Model: "particles", N: 5, D: 1, Potential: quench.PotentialKuramoto, K: 1, T: 1, Scheme: quench.SchemeLM, Dt: 0.01, Gamma: 1, Mass: 1}
	spread := cfg
	spread.OmegaSpread = 0.5
	if x := spread.exactValues(nil); len(x) != 1 || x["x_mean"] != 0.5 {
		t.Errorf("spread 0.5: exact %v, want x_mean 0.5 alone", x)
	}
	spread.Precision, spread.Sweeps, spread.Therm, spread.Every, spread.Seed, spread.Start, spread.Dt = "float64", 100000, 2000, 1, 93, "hot", 0.05
	_, obs := simulate(t, spread)
	within4(t, "kuramoto N=5 k/T=1 spread 0.5 x_mean", obs["x_mean"], 0.5)
	cfg.T = 0
	if x, why := cfg.exactValues(nil), cfg.exactMissing(nil); x != nil || why == "" {
		t.Errorf("%+v: exact %v, missing %q", cfg, x, why)
	}
}

// BAOAB particles with mass != 1 through the driver: x_var is kT/k exactly,
// and v_var, the velocity variance at the end of a step, is
// (T/m)(1 - dt^2 k/(4m)) exactly (the stationary covariance of BAOAB's
// linear map for the harmonic force; the buffer holds momenta m v).
func TestParticlesBAOABMass(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	cfg := Config{Model: "particles", N: 4000, D: 1, Potential: "harmonic", K: 1.5, Scheme: quench.SchemeBAOAB,
		Precision: "float64", Dt: 0.3, T: 0.8, Gamma: 1.2, Mass: 2, Sweeps: 8000, Therm: 200, Every: 1, Seed: 12, Start: "cold"}
	_, obs := simulate(t, cfg)
	// x_var and v_var subtract the ensemble mean: over N independent
	// particles their expectation is (N-1)/N times the variance
	f := float64(cfg.N-1) / float64(cfg.N)
	within4(t, "BAOAB m=2 x_var", obs["x_var"], f*cfg.T/cfg.K)
	within4(t, "BAOAB m=2 x2", obs["x2"], cfg.T/cfg.K)
	within4(t, "BAOAB m=2 v_var", obs["v_var"], f*cfg.T/cfg.Mass*(1-cfg.Dt*cfg.Dt*cfg.K/(4*cfg.Mass)))
	within4(t, "BAOAB m=2 v2", obs["v2"], cfg.T/cfg.Mass*(1-cfg.Dt*cfg.Dt*cfg.K/(4*cfg.Mass)))
	within4(t, "BAOAB m=2 v_mean", obs["v_mean"], 0)
}

// tau_int of x_mean for harmonic BAOAB particles, against the exact value
// of the scheme's linear map z -> M z + noise on z = (q, p): rho(t) =
// (M^t S)_qq / S_qq with S the stationary covariance, diag(T/k, m T (1 -
// dt^2 k / (4m))), so tau = 1/2 + (M (1 - M)^-1 S)_qq / S_qq. Lightly
// damped, rho(t) is a damped oscillation and Sokal's window alone stopped
// at tau 4.3 against 2.0 (stats.windowSearch.ends); strongly damped it is
// positive.
func TestParticlesUnderdampedTau(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	for i, c := range []struct{ gamma, mass float64 }{{0.2, 1}, {0.05, 2}, {8, 1}} {
		cfg := Config{Model: "particles", N: 10, D: 1, Potential: "harmonic", K: 1, Scheme: quench.SchemeBAOAB,
			Precision: "float64", Dt: 0.1, T: 1, Gamma: c.gamma, Mass: c.mass, Sweeps: 200000, Therm: 2000, Every: 1, Seed: uint64(70 + i), Start: "hot"}
		_, obs := simulate(t, cfg)
		// M = B A O A B: kicks of dt/2 by -k q, drifts of dt/2 by p/m, and
		// friction p -> exp(-gamma dt) p
		type m2 [2][2]float64
		mul := func(a, b m2) (c m2) {
			for i := range 2 {
				for j := range 2 {
					c[i][j] = a[i][0]*b[0][j] + a[i][1]*b[1][j]
				}
			}
			return c
		}
		h := cfg.Dt / 2
		B, A, O := m2{{1, 0}, {-h * cfg.K, 1}}, m2{{1, h / cfg.Mass}, {0, 1}}, m2{{1, 0}, {0, math.Exp(-cfg.Gamma * cfg.Dt)}}
		M := mul(B, mul(A, mul(O, mul(A, B))))
		det := (1-M[0][0])*(1-M[1][1]) - M[0][1]*M[1][0]
		inv := m2{{(1 - M[1][1]) / det, M[0][1] / det}, {M[1][0] / det, (1 - M[0][0]) / det}}
		sqq := cfg.T / cfg.K
		S := m2{{sqq, 0}, {0, cfg.Mass * cfg.T * (1 - cfg.Dt*cfg.Dt*cfg.K/(4*cfg.Mass))}}
		want := 0.5 + mul(M, mul(inv, S))[0][0]/sqq
		e := obs["x_mean"]
		t.Logf("gamma=%v mass=%v: x_mean tau_int %.4f +- %.3f, exact %.4f (%+.2f errors)", c.gamma, c.mass, e.Tau, e.TauErr, want, (e.Tau-want)/e.TauErr)
		if !(math.Abs(e.Tau-want) <= 4*e.TauErr) || !e.Reliable {
			t.Errorf("gamma=%v mass=%v: x_mean tau_int %v +- %v (reliable %v), exact %v", c.gamma, c.mass, e.Tau, e.TauErr, e.Reliable, want)
		}
	}
}

// The free field's k = 0 mode through the driver: m, the mean field, has
// <m^2> = T/(V m2) exactly (Leimkuhler-Matthews samples harmonic modes
// exactly), so susceptibility = V <m^2>/T = 1/m2 for every T, and the
// connected one V (<m^2> - <|m|>^2)/T = (1 - 2/pi)/m2; and phi2 is
// the mode sum of docs/exact-values.md's Gaussian free field times T.
func TestPhi4FreeFieldSusceptibility(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	cfg := Config{Model: "phi4", Shape: []int{8, 8}, Scheme: quench.SchemeLM, Precision: "float64", Dt: 0.02,
		M2: 2, Lambda: 0, H: 0, T: 1.5, Gamma: 1, Mass: 1, Sweeps: 100000, Therm: 1000, Every: 1, Seed: 21, Start: "cold"}
	_, obs := simulate(t, cfg)
	within4(t, "free field susceptibility V<m^2>/T", obs["susceptibility"], 1/cfg.M2)
	// m is Gaussian: <|m|> = sqrt(2/pi) sqrt(<m^2>)
	within4(t, "free field susceptibility_connected", obs["susceptibility_connected"], (1-2/math.Pi)/cfg.M2)
	var modes float64
	for i := 0; i < 8; i++ {
		for j := 0; j < 8; j++ {
			si, sj := math.Sin(math.Pi*float64(i)/8), math.Sin(math.Pi*float64(j)/8)
			modes += 1 / (cfg.M2 + 4*si*si + 4*sj*sj)
		}
	}
	within4(t, "free field phi2", obs["phi2"], cfg.T*modes/64)
}

// The driver's height distribution snapshots (profiles: the backend's
// HeightCounts every ProfileInterval grains) averaged as in the summary,
// against the exact lattice averages of the stationary P(h) (uniform on
// the recurrent configurations, enumerated) at 4 sigma with reliable error
// bars, on a chain of 7, on 3x3 and on 2x5 from the exact stationary
// start, over the whole lattice and its central box; every snapshot's
// whole-lattice fractions add to 1 and give the mean height measured
// after the same grain.
func TestSandpileHeightDistributionExact(t *testing.T) {
	if testing.Short() {
		t.Skip("statistical test")
	}
	for i, shape := range [][]int{{7}, {3, 3}, {2, 5}} {
		count, total := backendtest.RecurrentHeights(shape)
		z := 2 * len(shape)
		cfg := Config{Model: "sandpile", Shape: shape, Sweeps: 100000, Every: 1, ProfileEvery: 10, Seed: uint64(70 + i), Start: "stationary"}
		st, _ := simulate(t, cfg)
		if len(st.Profiles) != 10000 {
			t.Fatalf("%v: %d snapshots, want 10000", shape, len(st.Profiles))
		}
		for _, p := range st.Profiles {
			row := st.Rows[int(p[0])-1] // every grain measured
			sum, mean := 0.0, 0.0
			for h := range z {
				sum += p[1+h]
				mean += float64(h) * p[1+h]
			}
			if row[0] != p[0] || math.Abs(sum-1) > 1e-12 || math.Abs(mean-row[1]) > 1e-12 {
				t.Fatalf("%v grain %v: height fractions add to %v and give mean height %v, the measurement's is %v", shape, p[0], sum, mean, row[1])
			}
		}
		// the whole lattice, then the central box (chain: sites 1..5;
		// 3x3: all, its axes being under 4 long; 2x5: columns 1..3)
		lat, _ := quench.NewLattice(shape...)
		box := quench.CentralBox(lat)
		co := make([]int, len(shape))
		est := profileEstimates(st.Profiles, 1, 2*z)
		// the summary's two profiles are these estimates
		sum, _ := MakeSummary(st, "cpu")
		for part, key := range []string{"height_distribution", "height_distribution_center"} {
			p, ok := sum.Profiles[key]
			for h := range z {
				if !ok || len(p.Mean) != z || *p.Mean[h] != est[part*z+h].Mean || *p.Error[h] != est[part*z+h].Err {
					t.Fatalf("%v: summary profile %s does not hold the snapshots' %s", shape, key, []string{"lattice", "central box"}[part])
				}
			}
		}
		for part, b := range []*quench.Box{nil, box} {
			for h := range z {
				want, sites := 0.0, 0
				for x := range count {
					coordsOf(shape, x, co)
					if b == nil || inBox(co, b) {
						want += count[x][h]
						sites++
					}
				}
				want /= float64(total) * float64(sites)
				within4(t, fmt.Sprintf("%v box %v P(%d)", shape, b, h), est[part*z+h], want)
			}
		}
	}
}

// coordsOf writes the coordinates of site x of a lattice of shape into c.
func coordsOf(shape []int, x int, c []int) {
	for a := len(shape) - 1; a >= 0; a-- {
		c[a] = x % shape[a]
		x /= shape[a]
	}
}

// inBox reports whether coordinates c lie in box b.
func inBox(c []int, b *quench.Box) bool {
	for a, x := range c {
		if x < b.Lo[a] || x >= b.Hi[a] {
			return false
		}
	}
	return true
}

// J = 0: independent spins in the field, whose exact values
// (freeSpinsExact; in a field dm_dh too) the runs reproduce with either
// algorithm, in 2D and 3D, every reported exact value within 4 errors.
func TestFreeSpinsRuns(t *testing.T) {
	for i, c := range []struct {
		model, algo string
		shape       []int
		h           float64
	}{
		{"ising2d", "heatbath", []int{8, 8}, 0},
		{"ising2d", "metropolis", []int{8, 8}, -0.4},
		{"ising3d", "heatbath", []int{4, 4, 4}, 0.7},
		{"ising3d", "metropolis", []int{4, 4, 4}, 1.5},
	} {
		cfg := Config{Model: c.model, Shape: c.shape, T: 1.3, J: 0, H: c.h, Algo: c.algo,
			Sweeps: 20000, Therm: 100, Every: 1, Seed: uint64(300 + i), Start: "hot"}
		st, obs := simulate(t, cfg)
		x := st.Config.exactValues(obs) // with its beta
		if _, response := x[FieldResponse]; len(x) != 7+map[bool]int{true: 1, false: 0}[c.h != 0] || response != (c.h != 0) {
			t.Fatalf("%s %s: exact values %v", c.model, c.algo, x)
		}
		for name, want := range x {
			if c.h == 0 && (name == "energy" || name == "specific_heat") {
				continue // 0 in every state
			}
			within4(t, fmt.Sprintf("%s %s h=%v %s", c.model, c.algo, c.h, name), obs[name], want)
		}
	}
}

// A 2D antiferromagnet at h = 0 on L x L (even L up to 10) reports the
// exact staggered_m2, staggered_susceptibility, staggered_S_k0,
// staggered_S_k1 and staggered_correlation_length, the ferromagnet's m2,
// susceptibility, S_k and correlation_length at |J|: on 4 x 4 the
// enumeration's <m_s^2>, on 6 x 6 and 10 x 10 the ferromagnet's own exact
// values; none in a field, on an odd or non-square lattice, or beyond 10.
func TestAntiferroStaggeredExact(t *testing.T) {
	ex := enumerateJH(4, 1/2.0, -1, 0)
	af := Config{Model: "ising2d", Shape: []int{4, 4}, T: 2.0, Beta: 0.5, J: -1}
	x := af.exactValues(nil)
	if math.Abs(x["staggered_m2"]-ex.ms2) > 1e-12 || math.Abs(x["staggered_susceptibility"]-16*0.5*ex.ms2) > 1e-11 {
		t.Errorf("4x4: %v, enumeration <m_s^2> %v", x, ex.ms2)
	}
	for _, l := range []int{6, 10} {
		af := Config{Model: "ising2d", Shape: []int{l, l}, T: 2.5, Beta: 0.4, J: -2}
		fm := af
		fm.J = 2
		a, f := af.exactValues(nil), fm.exactValues(nil)
		if a["staggered_m2"] != f["m2"] || a["staggered_susceptibility"] != f["susceptibility"] || f["m2"] == 0 ||
			a["staggered_S_k0"] != f["S_k0"] || a["staggered_S_k1"] != f["S_k1"] || a["staggered_correlation_length"] != f["correlation_length"] || !(f["correlation_length"] > 0) {
			t.Errorf("%d^2: antiferromagnet %v, ferromagnet %v", l, a, f)
		}
	}
	for _, c := range []Config{
		{Model: "ising2d", Shape: []int{4, 4}, Beta: 0.5, J: -1, H: 0.3},
		{Model: "ising2d", Shape: []int{4, 6}, Beta: 0.5, J: -1},
		{Model: "ising2d", Shape: []int{12, 12}, Beta: 0.5, J: -1},
	} {
		if _, has := c.exactValues(nil)["staggered_m2"]; has {
			t.Errorf("%v h=%v: a staggered exact value", c.Shape, c.H)
		}
	}
}

// An antiferromagnet at h = 0 is the ferromagnet at |J| with one colour's
// spins turned over, and from such a start its Metropolis run is that
// map's spin for spin (the same flip probabilities, the same random
// numbers): its staggered spins' smallest modes are the ferromagnet's
// modes bit for bit, and its staggered_S_k and
// staggered_correlation_length that one's S_k and correlation_length, in
// 2D and 3D. In a field (h = 0.7) it has them too, and a ferromagnet
// there has none.
func TestAntiferroStaggeredModes(t *testing.T) {
	run := func(c Config, start []int8) *State {
		t.Helper()
		st, err := NewState(c)
		if err != nil {
			t.Fatal(err)
		}
		if start != nil {
			copy(st.Spins, start)
		}
		if err := Execute(context.Background(), cpu.New(), st, Options{}); err != nil {
			t.Fatal(err)
		}
		return st
	}
	for _, c := range []Config{
		{Model: "ising2d", Shape: []int{8, 8}, T: 2.5, Beta: 0.4, J: -1, Algo: "metropolis", Start: "hot", Seed: 3, Sweeps: 400, Therm: 5, Every: 1},
		{Model: "ising3d", Shape: []int{6, 6, 6}, T: 4.5, Beta: 1 / 4.5, J: -1, Algo: "metropolis", Start: "hot", Seed: 4, Sweeps: 300, Therm: 5, Every: 2},
	} {
		fc := c
		fc.J = 1
		fs, err := NewState(fc)
		if err != nil {
			t.Fatal(err)
		}
		// the ferromagnet's start with the odd sites turned over
		start := slices.Clone(fs.Spins)
		lat := c.Lattice()
		for n := range start {
			par, rest := 0, n
			for a := lat.Dim() - 1; a >= 0; a-- {
				par += rest % lat.Shape[a]
				rest /= lat.Shape[a]
			}
			if par%2 == 1 {
				start[n] = -start[n]
			}
		}
		af, fm := run(c, start), run(fc, nil)
		if !af.Modes() || !fm.Modes() || len(af.Samples) != len(fm.Samples) {
			t.Fatalf("%s: modes %v %v, samples %d %d", c.Model, af.Modes(), fm.Modes(), len(af.Samples), len(fm.Samples))
		}
		for i := range af.Samples {
			if af.Samples[i].Modes != fm.Samples[i].Modes || af.Samples[i].Stag != fm.Samples[i].Mag {
				t.Fatalf("%s sample %d: antiferromagnet %+v, ferromagnet %+v", c.Model, i, af.Samples[i], fm.Samples[i])
			}
		}
		a, f := c.Observables(af.Samples, true, true), fc.Observables(fm.Samples, true, true)
		for _, name := range fc.ModeNames() {
			if a["staggered_"+name] != f[name] || !(f[name].Mean > 0) {
				t.Errorf("%s: staggered_%s %+v, ferromagnet's %s %+v", c.Model, name, a["staggered_"+name], name, f[name])
			}
		}
		if _, has := a["correlation_length"]; has {
			t.Errorf("%s: the antiferromagnet has the uniform correlation_length", c.Model)
		}
	}
	field := Config{Model: "ising2d", Shape: []int{8, 8}, T: 2, Beta: 0.5, J: -1, H: 0.7, Algo: "heatbath", Start: "hot", Seed: 5, Sweeps: 200, Therm: 20, Every: 1}
	if af := run(field, nil); !af.Modes() || af.Samples[0].Modes[0] == 0 {
		t.Errorf("antiferromagnet in a field: no staggered modes")
	}
	field.J = 1
	if fm := run(field, nil); fm.Modes() {
		t.Errorf("ferromagnet in a field: modes")
	}
}

// rowsColumn is column j of rows.
func rowsColumn(rows [][]float64, j int) []float64 {
	x := make([]float64, len(rows))
	for i, r := range rows {
		x[i] = r[j]
	}
	return x
}

// seedSpread runs c under seeds seed0, seed0 + 1, ...: each's check
// returns the estimate of name (after checking what it must) and its
// exact value, and over the seeds the estimates' rms about the exact
// value must be their errors' rms within 4 of its sampling errors,
// 1/sqrt(2 seeds).
func seedSpread(t *testing.T, c Config, name string, seeds int, seed0 uint64, exact float64, check func(st *State, e stats.Estimate)) {
	t.Helper()
	var dev2, err2 float64
	for s := range uint64(seeds) {
		c.Seed = seed0 + s
		st, obs := simulate(t, c)
		e := obs[name]
		check(st, e)
		dev2 += (e.Mean - exact) * (e.Mean - exact)
		err2 += e.Err * e.Err
	}
	ratio := math.Sqrt(dev2 / err2)
	if sigma := 1 / math.Sqrt(float64(2*seeds)); math.Abs(ratio-1) > 4*sigma {
		t.Errorf("%s %v: %s's rms about %v over %d seeds %.3f times its errors, want 1 +- %.3f", c.Model, c.Shape, name, exact, seeds, ratio, 4*sigma)
	}
	t.Logf("%s %v: %s's rms about %v over %d seeds: %.3f times its errors", c.Model, c.Shape, name, exact, seeds, ratio)
}

// binnedStays runs c measured every 2 steps, where name (column j of the
// rows) keeps binning's error.
func binnedStays(t *testing.T, c Config, name string, j int) {
	t.Helper()
	c.Every, c.Seed = 2, 9
	st, obs := simulate(t, c)
	if b := stats.Series(rowsColumn(st.Rows, j)); obs[name].Err != b.Err {
		t.Errorf("every 2: %s's error %v, want binning's %v", name, obs[name].Err, b.Err)
	}
}
