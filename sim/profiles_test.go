package sim

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/cpu"
	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/stats"
)

// testMasses are fixed-point masses from Philox: mostly in [0, 3), some
// zero, a few large.
func testMasses(n int, seed uint64) []int64 {
	key := philox.KeyFromSeed(seed)
	m := make([]int64, n)
	for i := range m {
		r := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeInit, 0, 0, 9, uint64(i), 0), key)
		switch {
		case r[2]%11 == 0:
			m[i] = 0
		case r[2]%37 == 0:
			m[i] = int64(r[1]) << 6 // up to 2^6 units
		default:
			m[i] = int64(3 * philox.Float64(r[1], r[0]) * quench.MassUnit)
		}
	}
	return m
}

// directProfile is MassProfile by its definition: bins by 4 m/<m>, bins by
// the fixed point's bit length, and the periodic sum over every site and
// every r, O(N lx).
func directProfile(masses []int64, lx int) (hist []int64, corr []float64) {
	n := len(masses)
	var total int64
	for _, v := range masses {
		total += v
	}
	mean := float64(total) / quench.MassUnit / float64(n)
	d := make([]float64, n)
	hist = make([]int64, MassBins+LogMassBins)
	for i, v := range masses {
		x := float64(v) / quench.MassUnit
		d[i] = x - mean
		b := int(math.Min(math.Floor(4*x/mean), MassBins-1))
		hist[b]++
		k := 0 // log bin: 0 for none, k for fixed-point values in [2^(k-1), 2^k)
		for w := v; w > 0; w >>= 1 {
			k++
		}
		hist[MassBins+k]++
	}
	for r := 0; r <= lx/2; r++ {
		var s float64
		for i := range d {
			row := i - i%lx
			s += d[i] * d[row+(i%lx+r)%lx]
		}
		corr = append(corr, s/float64(n))
	}
	return hist, corr
}

// MassProfile equals the direct definition: the histogram exactly, C(r) to
// rounding, on rows whose length the FFT takes as it is (2^a 3^b 5^c) and
// on rows it zero pads (a factor 7, 11 or 13), in 1D and 2D.
func TestMassProfileDirect(t *testing.T) {
	for _, shape := range [][]int{{2, 2}, {6, 10}, {3, 16}, {4, 14}, {5, 22}, {26}, {90}, {70, 12}} {
		n := 1
		for _, s := range shape {
			n *= s
		}
		lx := shape[len(shape)-1]
		masses := testMasses(n, uint64(n))
		row := MassProfile(masses, lx, 17)
		if len(row) != profCorr+lx/2+1 || row[0] != 17 {
			t.Fatalf("%v: row of %d values starting %v", shape, len(row), row[0])
		}
		hist, corr := directProfile(masses, lx)
		for b, k := range hist {
			if got := row[1+b]; got != float64(k)/float64(n) {
				t.Errorf("%v: P(m) bin %d is %v, want %d/%d", shape, b, got, k, n)
			}
		}
		for r, c := range corr {
			if got := row[profCorr+r]; math.Abs(got-c) > 1e-12*corr[0] {
				t.Errorf("%v: C(%d) = %.17g, want %.17g", shape, r, got, c)
			}
		}
	}
	// long rows in segments, C(r) up to a lag cap: lowered here so small
	// rows take that path (27 sites a segment, the last one shorter)
	defer func(row, lag int) { profileLongRow, profileMaxLag = row, lag }(profileLongRow, profileMaxLag)
	profileLongRow, profileMaxLag = 16, 5
	for _, shape := range [][]int{{90}, {3, 90}, {4, 20}, {2, 54}, {40, 90}} { // 40x90: 3 segments a chunk
		n := shape[0]
		if len(shape) == 2 {
			n *= shape[1]
		}
		lx := shape[len(shape)-1]
		cfg := Config{Model: "kmp", Shape: shape}
		masses := testMasses(n, uint64(3*n))
		row := MassProfile(masses, lx, 0)
		if len(row) != cfg.ProfileWidth() || len(cfg.ProfileColumns()) != len(row) || len(row) != profCorr+min(lx/2, 5)+1 {
			t.Fatalf("%v, lags up to 5: row of %d values, ProfileWidth %d", shape, len(row), cfg.ProfileWidth())
		}
		hist, corr := directProfile(masses, lx)
		for b, k := range hist {
			if got := row[1+b]; got != float64(k)/float64(n) {
				t.Errorf("%v in segments: P(m) bin %d is %v, want %d/%d", shape, b, got, k, n)
			}
		}
		for r, c := range row[profCorr:] {
			if math.Abs(c-corr[r]) > 1e-12*corr[0] {
				t.Errorf("%v in segments: C(%d) = %.17g, want %.17g", shape, r, c, corr[r])
			}
		}
	}
	if fftLength(14) != 32 || fftLength(90) != 90 || fftLength(22) != 64 {
		t.Errorf("fftLength: 14 -> %d, 90 -> %d, 22 -> %d", fftLength(14), fftLength(90), fftLength(22))
	}
}

// A snapshot does not depend on the number of goroutines: 200 rows in 64
// chunks added in chunk order.
func TestMassProfileGOMAXPROCS(t *testing.T) {
	old := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(old)
	masses := testMasses(200*14, 5)
	var rows [][]float64
	for _, procs := range []int{1, 3, 8} {
		runtime.GOMAXPROCS(procs)
		rows = append(rows, MassProfile(masses, 14, 0))
	}
	for _, r := range rows[1:] {
		if !slices.Equal(r, rows[0]) {
			t.Fatalf("profiles differ between GOMAXPROCS 1 and more:\n%v\n%v", rows[0], r)
		}
	}
}

// Bins are closed on the left: a mass of exactly b/4 of the mean is in bin
// b; masses far above the mean land in the last bin. All masses zero: every
// site in bin 0 and no correlation, not a NaN.
func TestMassProfileBins(t *testing.T) {
	// 52 sites holding 208 quarters: the mean is 1
	quarters := append([]int64{0, 1, 2, 3, 5, 6, 7, 8, 160, 16}, make([]int64, 42)...)
	m := make([]int64, len(quarters))
	for i, q := range quarters {
		m[i] = q * quench.MassUnit / 4
	}
	row := MassProfile(m, 4, 0)
	want := make([]float64, MassBins)
	for _, b := range []int{0, 1, 2, 3, 5, 6, 7, 8, 39, 16} {
		want[b] += 1.0 / 52
	}
	want[0] += 42.0 / 52
	if !slices.EqualFunc(row[1:1+MassBins], want, func(a, b float64) bool { return math.Abs(a-b) < 1e-15 }) {
		t.Errorf("bins of quarter masses: got %v want %v", row[1:1+MassBins], want)
	}
	// log bins: q quarters are q 2^30 in fixed point, bit length 30 + that of q
	logWant := make([]float64, LogMassBins)
	for _, q := range quarters {
		k := 0
		if q > 0 {
			k = 30 + bits.Len64(uint64(q))
		}
		logWant[k] += 1.0 / 52
	}
	if !slices.EqualFunc(row[profLog:profCorr], logWant, func(a, b float64) bool { return math.Abs(a-b) < 1e-15 }) {
		t.Errorf("log bins of quarter masses: got %v want %v", row[profLog:profCorr], logWant)
	}
	row = MassProfile(make([]int64, 24), 6, 0)
	zero := make([]float64, profCorr+4)
	zero[profLin], zero[profLog] = 1, 1
	if !slices.Equal(row, zero) {
		t.Errorf("all-zero masses: %v", row)
	}
}

// KMP on a periodic lattice conserves the total mass, and its stationary
// state is uniform on the simplex of that total: a site's mass
// m = N <m> D with D ~ Beta(1, N-1). So for N sites exactly
// P(m/<m> >= x) = (1 - x/N)^(N-1), Var(m) = <m>^2 (N-1)/(N+1) and
// Cov(m_x, m_y) = -<m>^2/(N+1). The snapshot averages of P(m) (the bins
// holding at least a fraction minP one by one, the others pooled, in the
// linear and in the logarithmic bins) and of C(r) match these finite-N
// values at 4 sigma, with reliable error bars: on 64x64, and on a ring of 8
// sites, where they are far from the large-N ones (C(r > 0) = -1/9, not 0;
// P(m < <m>/4) = 0.1993, not 0.2212).
func TestKMPProfileExact(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical test")
	}
	for _, c := range []struct {
		cfg  Config
		minP float64
	}{
		{Config{Model: "kmp", Shape: []int{64, 64}, Mass0: 1, Sweeps: 12000, Therm: 500, Every: 10, ProfileEvery: 10, Seed: 21, Start: "cold"}, 6e-4},
		{Config{Model: "kmp", Shape: []int{8}, Mass0: 1, Sweeps: 40000, Therm: 100, Every: 4, ProfileEvery: 4, Seed: 8, Start: "cold"}, 0.01},
	} {
		st, _ := simulate(t, c.cfg)
		if want := c.cfg.Sweeps / c.cfg.ProfileEvery; int64(len(st.Profiles)) != want {
			t.Fatalf("%v: %d snapshots, want %d", c.cfg.Shape, len(st.Profiles), want)
		}
		lattice := c.cfg.Lattice().String() + ": "
		n := float64(c.cfg.Lattice().Sites())
		tail := func(x float64) float64 { return math.Pow(1-math.Min(x, n)/n, n-1) }
		family := func(name string, from, bins int, edge func(b int) float64) {
			est := profileEstimates(st.Profiles, from, bins)
			pooled, rest := make([]float64, len(st.Profiles)), 1.0
			for b := range bins {
				p := tail(edge(b)) - tail(edge(b+1))
				if b == bins-1 && from == profLin {
					p = tail(edge(b)) // the last linear bin holds everything above
				}
				if p >= c.minP {
					within4(t, lattice+name+" bin "+strconv.Itoa(b), est[b], p)
					rest -= p
					continue
				}
				for i, r := range st.Profiles {
					pooled[i] += r[from+b]
				}
			}
			within4(t, lattice+name+" in the other bins", stats.Series(pooled), rest)
		}
		family("P(m)", profLin, MassBins, func(b int) float64 { return float64(b) / 4 })
		family("P(m) log", profLog, LogMassBins, func(k int) float64 {
			if k == 0 {
				return 0 // bin 0: exactly empty sites, probability 0 here
			}
			return math.Ldexp(1, k-33) // <m> = 1
		})
		lag := c.cfg.profileLag()
		corr := profileEstimates(st.Profiles, profCorr, lag+1)
		within4(t, lattice+"C(0)", corr[0], (n-1)/(n+1))
		for r := 1; r <= lag; r++ {
			within4(t, lattice+"C("+strconv.Itoa(r)+")", corr[r], -1/(n+1))
		}
	}
}

// BenchmarkMassProfile times one snapshot of 2^24 sites (sites/ns): a
// 4096^2 lattice (rows transformed whole) and a 1D ring (segments, lags up
// to profileMaxLag).
func BenchmarkMassProfile(b *testing.B) {
	masses := testMasses(1<<24, 3)
	for _, c := range []struct {
		name string
		lx   int
	}{{"4096x4096", 4096}, {"1D", 1 << 24}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				MassProfile(masses, c.lx, 0)
			}
			b.ReportMetric(float64(len(masses))*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "sites/ns")
		})
	}
}

// A long 1D ring keeps C(r) to profileMaxLag: the snapshot rows and the
// memory estimate stay small (the full lx/2 lags would be 0.5 GB a
// snapshot here).
func TestProfileLagCap(t *testing.T) {
	n := 1 << 27
	cfg := Config{Model: "kmp", Shape: []int{n}, Sweeps: 10000, Every: 1}
	if w := cfg.ProfileWidth(); w != profCorr+profileMaxLag+1 {
		t.Errorf("ProfileWidth of a 2^27 ring: %d, want %d", w, profCorr+profileMaxLag+1)
	}
	host, _ := cfg.Bytes(false)
	if profiles := cfg.profileBytes(16); host < 16*uint64(n)+profiles || host > 16*uint64(n)+512<<20 {
		t.Errorf("host estimate %d bytes for a 2^27 ring: want the state (%d) and snapshots (%d) plus at most 512 MiB",
			host, 16*n, profiles)
	}
	// every step for 2^48 - 2 steps: saturated, not wrapped around
	cfg.Sweeps, cfg.ProfileEvery = 1<<48-2, 1
	if host, _ := cfg.Bytes(false); host < 1<<62 {
		t.Errorf("2^48 snapshots of %d values: host estimate %d bytes", cfg.ProfileWidth(), host)
	}
	if disk := cfg.DiskBytes(); disk < 1<<62 {
		t.Errorf("2^48 snapshots of %d values: disk estimate %d bytes", cfg.ProfileWidth(), disk)
	}
}

// The automatic interval aims for 1000 snapshots, rounded up so there are
// never more; above 2^18 sites proportionally fewer, at least 20.
func TestProfileIntervalAuto(t *testing.T) {
	for _, c := range []struct {
		shape     []int
		sweeps    int64
		every, at int64
	}{
		{[]int{64, 64}, 10000, 10, 1000},
		{[]int{64, 64}, 1999, 2, 999},
		{[]int{64, 64}, 50, 1, 50},
		{[]int{512, 512}, 10000, 10, 1000},
		{[]int{1024, 512}, 10000, 20, 500},
		{[]int{2048, 2048}, 10000, 162, 61}, // target 62
		{[]int{4096, 4096}, 10000, 500, 20},
		{[]int{1 << 30}, 10000, 500, 20},
		// rings: at most about 2^22 values, C(r) to L/2 (at most 32768)
		{[]int{4096}, 10000, 10, 1000},     // 2153 values a snapshot
		{[]int{65536}, 10000, 79, 126},     // 32873: 127 snapshots
		{[]int{1 << 20}, 100000, 788, 126}, // 250 by sites, 127 by values
	} {
		cfg := Config{Model: "kmp", Shape: c.shape, Sweeps: c.sweeps, Therm: 7}
		if got := cfg.ProfileInterval(); got != c.every || cfg.Profiles() != c.at {
			t.Errorf("%v, %d steps: every %d (%d snapshots), want every %d (%d)", c.shape, c.sweeps, got, cfg.Profiles(), c.every, c.at)
		}
	}
}

// A hot mass start has exactly the cold start's total (its density is
// mass0 to the fixed point), from exponential masses rescaled: uniform on
// the simplex, so the fraction of sites above the mean is
// (1 - 1/N)^(N-1) (binomial error, 4 sigma).
func TestHotMassDensity(t *testing.T) {
	for _, c := range []Config{
		{Model: "kmp", Shape: []int{64, 64}, Mass0: 1, Sweeps: 1, Every: 1, Start: "hot", Seed: 3},
		{Model: "transfer", Shape: []int{30}, Mass0: 2.5, Fraction: 0.5, Sweeps: 1, Every: 1, Start: "hot", Seed: 4},
		{Model: "aggregation", Shape: []int{2, 2}, Mass0: 0x1p-32, Injection: 0, Sweeps: 1, Every: 1, Start: "hot", Seed: 5},
	} {
		st, err := NewState(c)
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		above := 0
		for _, m := range st.Masses {
			if m < 0 || float64(m) > 40*c.Mass0*quench.MassUnit {
				t.Errorf("%s: mass %d outside [0, 40 mass0)", c.String(), m)
			}
			if float64(m) > c.Mass0*quench.MassUnit {
				above++
			}
			total += m
		}
		if want := int64(len(st.Masses)) * int64(c.Mass0*quench.MassUnit); total != want {
			t.Errorf("%s: hot total %d, want %d", c.String(), total, want)
		}
		if n := float64(len(st.Masses)); n > 1000 {
			p := math.Pow(1-1/n, n-1)
			got := float64(above) / n
			if sigma := math.Sqrt(p * (1 - p) / n); math.Abs(got-p) > 4*sigma {
				t.Errorf("%s: fraction above the mean %.4f, want %.4f +- %.4f", c.String(), got, p, sigma)
			}
		}
	}
	// the remainder goes one unit each to the first sites; all-zero masses
	// are spread evenly
	m := []int64{1, 1, 1}
	rescaleMasses(m, 3, 5)
	if !slices.Equal(m, []int64{2, 2, 1}) {
		t.Errorf("rescale 1,1,1 to 5: %v", m)
	}
	m = []int64{0, 0, 0}
	rescaleMasses(m, 0, 7)
	if !slices.Equal(m, []int64{3, 2, 2}) {
		t.Errorf("rescale 0,0,0 to 7: %v", m)
	}
}

// A sandpile takes about ProfileTarget P(h) snapshots while that counts at
// most 2^30 sites (up to 2^30/1000 sites), fewer above, at least 20.
func TestProfileIntervalSandpile(t *testing.T) {
	for _, c := range []struct {
		shape     []int
		grains    int64
		every, at int64
	}{
		{[]int{64, 64}, 20000, 20, 1000},
		{[]int{1024, 1024}, 100000, 100, 1000},  // 2^20 sites: 1000 x 2^20 <= 2^30
		{[]int{1024, 1056}, 100000, 101, 990},   // target 2^30/(1024*1056) = 992
		{[]int{4096, 4096}, 20000, 313, 63},     // target 64
		{[]int{16384, 16384}, 100000, 5000, 20}, // 4 by the budget: at least 20
		{[]int{64, 64, 64}, 10000, 10, 1000},    // 2^18 sites
		{[]int{1 << 22}, 100000, 391, 255},      // target 256
	} {
		cfg := Config{Model: "sandpile", Shape: c.shape, Sweeps: c.grains, Therm: 3}
		if got := cfg.ProfileInterval(); got != c.every || cfg.Profiles() != c.at {
			t.Errorf("%v, %d grains: every %d (%d snapshots), want every %d (%d)", c.shape, c.grains, got, cfg.Profiles(), c.every, c.at)
		}
	}
}

// --injection may be anything in [2^-32, 2^20] (or 0), both ends included.
func TestInjectionBounds(t *testing.T) {
	for _, c := range []struct {
		inj float64
		ok  bool
	}{{0, true}, {0x1p-32, true}, {1 << 20, true}, {0x1p-33, false}, {1<<20 + 1, false}, {-1, false}} {
		cfg := Config{Model: "aggregation", Shape: []int{4, 4}, Mass0: 1, Injection: c.inj, Sweeps: 10, Every: 1, Seed: 1, Start: "cold"}
		if err := cfg.Validate(); (err == nil) != c.ok {
			t.Errorf("--injection %v: %v, want accepted %v", c.inj, err, c.ok)
		}
	}
}

// The mass models report the parameters the fixed point uses, and what was
// asked where the two differ.
func TestMassParamsUsed(t *testing.T) {
	agg := Config{Model: "aggregation", Shape: []int{8, 8}, Mass0: 1, Injection: 0.01}
	p := agg.Params()
	inj := 0.01
	if want := float64(int64(inj*quench.MassUnit)) / quench.MassUnit; p["injection"] != want || p["injection_asked"] != 0.01 || want == 0.01 {
		t.Errorf("aggregation params %v: want injection %v, injection_asked 0.01", p, want)
	}
	if _, ok := p["mass0_asked"]; ok || p["mass0"] != 1.0 {
		t.Errorf("aggregation params %v: mass0 1 is exact", p)
	}
	if s := agg.String(); !strings.Contains(s, "injection=0.0099999997764825821 (asked 0.01)") {
		t.Errorf("aggregation header %q", s)
	}
	tr := Config{Model: "transfer", Shape: []int{8}, Mass0: 1, Fraction: 0.9999999999999}
	if p := tr.Params(); p["fraction"] != float64(1<<32-1)/(1<<32) || p["fraction_asked"] != 0.9999999999999 {
		t.Errorf("transfer params %v", p)
	}
	if p := (&Config{Model: "transfer", Shape: []int{8}, Mass0: 1, Fraction: 0.5}).Params(); p["fraction"] != 0.5 || p["fraction_asked"] != nil {
		t.Errorf("transfer params %v: 0.5 is exact", p)
	}
}

// Aggregation never becomes stationary: at injection 0 on a ring of 256
// the masses merge for the whole run, and mass_corr1 (about -1 from the
// first sweeps, with a tau_int of 0.5) had been called reliable; on 8x8
// (seed 1) it stays at exactly -1 for 3000 steps, error 0, which other
// seeds leave. Every error bar but the conserved mean's (exact) is now
// marked, the profiles' too, and the summary says why; other mass models
// are not.
func TestAggregationNotStationary(t *testing.T) {
	for _, c := range []struct {
		shape []int
		inj   float64
	}{{[]int{256}, 0}, {[]int{256}, 0.01}, {[]int{8, 8}, 0}} {
		sum := summaryOf(t, Config{Model: "aggregation", Shape: c.shape, Sweeps: 3000, Therm: 100, Every: 1, Seed: 1, Start: "hot", Mass0: 1, Injection: c.inj})
		if sum.NotStationary != NotStationaryAggregation {
			t.Errorf("%v, injection %v: not_stationary %q", c.shape, c.inj, sum.NotStationary)
		}
		for name, v := range sum.Observables {
			if v.Reliable != (c.inj == 0 && name == "mass_mean") {
				t.Errorf("%v, injection %v: %s reliable %v (%v +- %v)", c.shape, c.inj, name, v.Reliable, *v.Mean, *v.Error)
			}
		}
		if n := sum.UnreliableProfiles(); n == 0 {
			t.Errorf("%v, injection %v: every profile entry reliable", c.shape, c.inj)
		}
	}
	sum := summaryOf(t, Config{Model: "kmp", Shape: []int{16, 16}, Sweeps: 2000, Every: 1, Seed: 3, Start: "hot", Mass0: 1})
	if sum.NotStationary != "" || !sum.Observables["mass_mean"].Reliable {
		t.Errorf("kmp: not_stationary %q, mass_mean %+v", sum.NotStationary, sum.Observables["mass_mean"])
	}
}

// Diffusion has no noise: its u_var decays for the whole run (a ring of 256
// from a hot start, 20000 steps: from 0.055 to 3e-5), so its error bar
// is marked not stationary and the summary says why, while u_mean, which
// the stencil keeps, varies by rounding alone and is marked conserved.
func TestDiffusionNotStationary(t *testing.T) {
	for _, c := range []struct {
		shape     []int
		start     string
		precision string
	}{{[]int{256}, "hot", "float64"}, {[]int{16, 16}, "cold", "float32"}} {
		sum := summaryOf(t, Config{Model: "diffusion", Shape: c.shape, Sweeps: 2000, Every: 1, Seed: 1, Start: c.start, Alpha: 0.1, Precision: c.precision})
		cfg := Config{Model: "diffusion", Shape: c.shape, Alpha: 0.1, Precision: c.precision}
		if sum.NotStationary != cfg.NotStationaryDiffusion() || !slices.Equal(sum.Conserved, []string{"u_mean"}) {
			t.Errorf("%v %s: not_stationary %q, conserved %v", c.shape, c.start, sum.NotStationary, sum.Conserved)
		}
		u, m := sum.Observables["u_var"], sum.Observables["u_mean"]
		if u.Reliable || !slices.Contains(u.UnreliableBy, ByNotStationary) || !m.Reliable || len(m.UnreliableBy) != 0 {
			t.Errorf("%v %s: u_var %+v, u_mean %+v", c.shape, c.start, u, m)
		}
	}
}

// A float32 diffusion run steps with float32(alpha): an alpha that rounds
// to the stability bound 1/(2d) or to 0 is refused there (an audit's
// 0.249999996 became 0.25, whose checkerboard mode never decayed), and
// accepted in float64.
func TestDiffusionFloat32Alpha(t *testing.T) {
	for _, c := range []struct {
		shape     []int
		alpha     float64
		precision string
		ok        bool
	}{
		{[]int{16, 16}, 0.249999996, "float32", false},
		{[]int{16, 16}, 0.249999996, "float64", true},
		{[]int{16, 16}, 1e-50, "float32", false},
		{[]int{16, 16}, 1e-50, "float64", true},
		{[]int{16, 16}, 0.2499999, "float32", true},      // float32 0.24999990
		{[]int{8, 8, 8}, 0.1666666665, "float32", false}, // rounds above 1/6
		{[]int{8, 8, 8}, 0.1666666, "float32", true},
		{[]int{64}, 0.4999999999, "float32", false},
	} {
		cfg := Config{Model: "diffusion", Shape: c.shape, Sweeps: 10, Every: 1, Seed: 1, Start: "hot", Alpha: c.alpha, Precision: c.precision}
		err := cfg.Validate()
		if (err == nil) != c.ok || err != nil && !strings.Contains(err.Error(), "with --precision float32: it rounds to ") {
			t.Errorf("%v alpha %v %s: %v", c.shape, c.alpha, c.precision, err)
		}
	}
}

// DiffusionSlowest against every mode's factor, (1 - alpha lambda_k)^2
// with lambda_k = sum_a 4 sin^2(pi k_a/L_a), the largest over k != 0:
// the longest wave's at small alpha, the checkerboard's near the bound
// (an audit's 16^2 at 0.249 decayed by 0.984064 a step, where the note
// said 0.9256), odd extents and extents of 1 and 2 too.
func TestDiffusionSlowest(t *testing.T) {
	for _, c := range []struct {
		shape []int
		alpha float64
		board bool
	}{
		{[]int{16, 16}, 0.249, true}, {[]int{16, 16}, 0.1, false}, {[]int{4, 4}, 0.21, true}, {[]int{4, 4}, 0.19, false},
		{[]int{8}, 0.45, true}, {[]int{8}, 0.42, false}, {[]int{7}, 0.49, true}, {[]int{5, 9}, 0.24, false},
		{[]int{1, 32}, 0.2, false}, {[]int{2, 2, 2}, 0.1, false}, {[]int{3, 40, 6}, 0.16, false}, {[]int{6, 6}, 0.245, true}, {[]int{30, 31, 33}, 0.05, false},
	} {
		cfg := Config{Model: "diffusion", Shape: c.shape, Alpha: c.alpha, Precision: "float64"}
		var want float64
		k := make([]int, len(c.shape))
		for {
			var lambda float64
			for a, l := range c.shape {
				s := math.Sin(math.Pi * float64(k[a]) / float64(l))
				lambda += 4 * s * s
			}
			if lambda > 0 {
				want = max(want, (1-c.alpha*lambda)*(1-c.alpha*lambda))
			}
			a := 0
			for ; a < len(k); a++ {
				if k[a]++; k[a] < c.shape[a] {
					break
				}
				k[a] = 0
			}
			if a == len(k) {
				break
			}
		}
		got, mode := cfg.DiffusionSlowest()
		if math.Abs(got-want) > 1e-14 || strings.Contains(mode, "checkerboard") != c.board {
			t.Errorf("%v alpha %v: %v (%s), want %v", c.shape, c.alpha, got, mode, want)
		}
	}
}

// A diffusion field that stops short of uniform, every step's change
// rounded away (float32 48x80 at alpha 0.2 after 8000 steps: u_var
// 1.8e-10 in every measurement), is marked frozen, not reported as the
// relaxation's exact value; the same run in float64 still decays.
func TestDiffusionRoundedAway(t *testing.T) {
	for _, precision := range []string{"float32", "float64"} {
		sum := summaryOf(t, Config{Model: "diffusion", Shape: []int{48, 80}, Therm: 8000, Sweeps: 2000, Every: 1, Seed: 1, Start: "hot", Alpha: 0.2, Precision: precision})
		u := sum.Observables["u_var"]
		frozen := slices.Contains(u.UnreliableBy, ByFrozen)
		if want := precision == "float32"; frozen != want || u.Reliable || u.Constant != want || !(*u.Mean > 0) {
			t.Errorf("%s: u_var %+v, not_stationary %q", precision, u, sum.NotStationary)
		}
	}
}

// Harmonic or double-well particles at k = 0 and T > 0 feel no force: x_var
// and x2 grow for the whole run and x_mean wanders, so all three are marked not
// stationary and the summary says why; baoab's v_mean, v_var and v2 are
// stationary and not so marked. At k = 1, and for kuramoto at k = 0 (phases on a circle), no
// mark.
func TestFreeParticlesNotStationary(t *testing.T) {
	for _, c := range []struct {
		potential, scheme string
		k                 float64
		free              bool
	}{
		{quench.PotentialHarmonic, quench.SchemeEM, 0, true},
		{quench.PotentialDoubleWell, quench.SchemeBAOAB, 0, true},
		{quench.PotentialHarmonic, quench.SchemeBAOAB, 1, false},
		{quench.PotentialKuramoto, quench.SchemeEM, 0, false},
	} {
		sum := summaryOf(t, Config{Model: "particles", N: 64, D: 1, Scheme: c.scheme, Potential: c.potential, Precision: "float64",
			Dt: 0.01, T: 1, Gamma: 1, Mass: 1, K: c.k, Sweeps: 3000, Every: 1, Seed: 4, Start: "hot"})
		name := fmt.Sprintf("%s %s k=%g", c.potential, c.scheme, c.k)
		if !c.free {
			if sum.NotStationary != "" {
				t.Errorf("%s: not_stationary %q", name, sum.NotStationary)
			}
			for o, v := range sum.Observables {
				if slices.Contains(v.UnreliableBy, ByNotStationary) {
					t.Errorf("%s: %s marked not stationary", name, o)
				}
			}
			continue
		}
		want := NotStationaryFreeParticles
		if c.scheme == quench.SchemeBAOAB {
			want += NotStationaryFreeVelocities
		}
		if sum.NotStationary != want {
			t.Errorf("%s: not_stationary %q", name, sum.NotStationary)
		}
		for _, o := range []string{"x_mean", "x_var", "x2"} {
			// not stationary, and no symmetry's mark: at k = 0 the
			// double well has no barrier to stay behind
			if v := sum.Observables[o]; v.Reliable || !slices.Contains(v.UnreliableBy, ByNotStationary) || slices.Contains(v.UnreliableBy, BySymmetry) {
				t.Errorf("%s: %s %+v", name, o, v)
			}
		}
		for _, o := range []string{"v_mean", "v_var", "v2"} {
			if v, ok := sum.Observables[o]; c.scheme == quench.SchemeBAOAB && !ok || ok && slices.Contains(v.UnreliableBy, ByNotStationary) {
				t.Errorf("%s: %s missing or marked not stationary: %+v", name, o, v)
			}
		}
	}
}

// The Langevin params list what the run reads: a mass only under baoab,
// frequencies only for kuramoto (whose mobility is fixed at 1).
func TestLangevinParams(t *testing.T) {
	for _, c := range []struct {
		cfg       Config
		has, lack []string
	}{
		{Config{Model: "phi4", Scheme: "em", Shape: []int{8, 8}}, []string{"T", "beta", "dim", "dt", "m2", "lambda", "h", "gamma", "precision"}, []string{"mass", "omega", "N"}},
		{Config{Model: "phi4", Scheme: "baoab", Shape: []int{8}}, []string{"mass", "gamma"}, []string{"omega"}},
		{Config{Model: "particles", Potential: "harmonic", Scheme: "lm"}, []string{"N", "d", "k", "gamma", "potential"}, []string{"mass", "omega", "omega_spread", "m2", "beta"}},
		{Config{Model: "particles", Potential: "doublewell", Scheme: "baoab"}, []string{"mass", "gamma"}, []string{"omega"}},
		{Config{Model: "particles", Potential: "kuramoto", Scheme: "em"}, []string{"k", "omega", "omega_spread"}, []string{"gamma", "mass"}},
	} {
		p := c.cfg.Params()
		for _, k := range c.has {
			if _, ok := p[k]; !ok {
				t.Errorf("%s %s %s: params lack %q: %v", c.cfg.Model, c.cfg.Potential, c.cfg.Scheme, k, p)
			}
		}
		for _, k := range c.lack {
			if _, ok := p[k]; ok {
				t.Errorf("%s %s %s: params have %q: %v", c.cfg.Model, c.cfg.Potential, c.cfg.Scheme, k, p)
			}
		}
	}
}

// A series the same in every measurement has error 0: exact for what the
// dynamics cannot change, no error bar for what they can. A 4x4 Ising
// lattice at T = 0.5 from a cold start measures energy -2 throughout
// (exact -1.9999991) and specific heat 0 (2.9e-5): both marked frozen.
// Not so particles at T = 0 (no noise: all at 0 from a cold start), one
// particle's variances (0 by definition), kmp's conserved mass_mean or an
// energy term whose coupling is 0.
func TestFrozenConstants(t *testing.T) {
	sum := summaryOf(t, Config{Model: "ising2d", Shape: []int{4, 4}, T: 0.5, J: 1, Algo: "heatbath", Sweeps: 2000, Therm: 100, Every: 1, Seed: 1, Start: "cold"})
	for _, o := range []string{"energy", "specific_heat", "abs_magnetization", "binder"} {
		v := sum.Observables[o]
		if v.Reliable || v.Error == nil || *v.Error != 0 || !slices.Contains(v.UnreliableBy, ByFrozen) {
			t.Errorf("frozen ising %s: %+v (%v)", o, v, v.UnreliableBy)
		}
	}
	for _, c := range []struct {
		cfg   Config
		names []string
	}{
		{Config{Model: "particles", N: 64, D: 2, Scheme: quench.SchemeEM, Potential: quench.PotentialHarmonic, Precision: "float64",
			Dt: 0.01, T: 0, Gamma: 1, Mass: 1, K: 1, Sweeps: 200, Every: 1, Seed: 4, Start: "cold"}, []string{"x_mean", "x_var"}},
		{Config{Model: "particles", N: 1, D: 1, Scheme: quench.SchemeBAOAB, Potential: quench.PotentialHarmonic, Precision: "float64",
			Dt: 0.01, T: 1, Gamma: 1, Mass: 1, K: 1, Sweeps: 200, Every: 1, Seed: 4, Start: "hot"}, []string{"x_var", "v_var"}},
		{Config{Model: "kmp", Shape: []int{64}, Mass0: 1, Sweeps: 200, Every: 1, Seed: 4, Start: "hot"}, []string{"mass_mean"}},
		{Config{Model: "phi4", Scheme: quench.SchemeEM, Precision: "float64", Shape: []int{8, 8}, Dt: 0.01, T: 1, Gamma: 1, Mass: 1, M2: 0, Lambda: 0.5, H: 0,
			Sweeps: 200, Every: 1, Seed: 4, Start: "hot"}, []string{"energy_field", "energy_mass"}},
		{Config{Model: "phi4", Scheme: quench.SchemeEM, Precision: "float64", Shape: []int{8, 8}, Dt: 0.01, T: 1, Gamma: 1, Mass: 1, M2: 1, Lambda: 0, H: 0.1,
			Sweeps: 200, Every: 1, Seed: 4, Start: "hot"}, []string{"energy_quartic"}},
		{Config{Model: "ising2d", Shape: []int{8, 8}, T: 1, J: 0, H: 0, Algo: "heatbath", Sweeps: 200, Every: 1, Seed: 4, Start: "hot"}, []string{"energy", "specific_heat"}},
	} {
		sum := summaryOf(t, c.cfg)
		for _, o := range c.names {
			v := sum.Observables[o]
			if !v.Reliable || v.Error == nil || *v.Error != 0 || v.UnreliableBy != nil {
				t.Errorf("%s N=%d T=%g: constant %s %+v (%v)", c.cfg.Model, c.cfg.N, c.cfg.T, o, v, v.UnreliableBy)
			}
		}
	}
}

// Harmonic or double-well particles at T = 0 from a hot start descend
// deterministically: x_mean, x_var, x2 (and baoab's v_mean, v_var and v2) are marked not
// stationary, with the reason; from a cold start nothing moves, and the
// constants are exact, unmarked.
func TestDescentNotStationary(t *testing.T) {
	for _, c := range []struct {
		potential, scheme, start string
		moves                    []string
	}{
		{quench.PotentialHarmonic, quench.SchemeEM, "hot", []string{"x_mean", "x_var", "x2"}},
		{quench.PotentialDoubleWell, quench.SchemeBAOAB, "hot", []string{"x_mean", "x_var", "x2", "v_mean", "v_var", "v2"}},
		{quench.PotentialHarmonic, quench.SchemeBAOAB, "cold", nil},
	} {
		sum := summaryOf(t, Config{Model: "particles", N: 64, D: 1, Scheme: c.scheme, Potential: c.potential, Precision: "float64",
			Dt: 0.01, T: 0, Gamma: 1, Mass: 1, K: 1, Sweeps: 300, Therm: 10, Every: 1, Seed: 4, Start: c.start})
		name := fmt.Sprintf("%s %s %s", c.potential, c.scheme, c.start)
		if want := map[bool]string{true: NotStationaryDescent, false: ""}[c.moves != nil]; sum.NotStationary != want {
			t.Errorf("%s: not_stationary %q", name, sum.NotStationary)
		}
		for o, v := range sum.Observables {
			if marked := slices.Contains(c.moves, o); marked != slices.Contains(v.UnreliableBy, ByNotStationary) || marked && v.Reliable {
				t.Errorf("%s: %s %+v (%v)", name, o, v, v.UnreliableBy)
			}
		}
	}
}

// Kuramoto oscillators at T = 0 have no noise either. At one natural
// frequency they descend deterministically (k > 0 toward one common
// phase, k < 0 toward r = 0): their moving observables are marked not
// stationary, with the reason. Once locked, r stays at 1 to the rounding
// of the phases, whose last bits a Sokal window read as a tau_int that
// grew with every extension asked for: such a settled series is the end
// state, reliable and unmarked, as a constant one is. With a spread of
// frequencies the common phase turns at their mean frequency without
// diffusing: the wrapped phases' x_mean is marked not stationary
// (turning with it), the locked r is settled, and so is x_var while the
// cluster does not cross the wrap at 0.
func TestPhaseDescentNotStationary(t *testing.T) {
	for _, c := range []struct {
		k, spread       float64
		therm           int64
		why             string
		moves, reliable []string
	}{
		{4, 0, 0, NotStationaryPhaseDescent, []string{"x_mean", "x_var", "order_parameter", "order_parameter2"}, nil},
		{4, 0, 1000, "", nil, []string{"x_mean", "x_var", "order_parameter", "order_parameter2"}},
		{-2, 0, 1000, NotStationaryPhaseDescent, []string{"x_var", "order_parameter", "order_parameter2"}, []string{"x_mean"}},
		{4, 0.5, 1000, NotStationaryPhaseTurn, []string{"x_mean"}, []string{"x_var", "order_parameter", "order_parameter2"}},
		// repelling phases long after their descent: r about 1e-15,
		// settled on the phases' scale, not its own
		{-2, 0, 50000, "", nil, []string{"x_mean", "x_var", "order_parameter", "order_parameter2"}},
	} {
		sum := summaryOf(t, Config{Model: "particles", N: 200, D: 1, Scheme: quench.SchemeLM, Potential: quench.PotentialKuramoto, Precision: "float64",
			Dt: 0.01, T: 0, Gamma: 1, Mass: 1, K: c.k, OmegaSpread: c.spread, Sweeps: 2000, Therm: c.therm, Every: 1, Seed: 4, Start: "hot"})
		name := fmt.Sprintf("k %g, spread %g, therm %d", c.k, c.spread, c.therm)
		if sum.NotStationary != c.why || (sum.QuenchedDisorder != "") != (c.spread > 0) {
			t.Errorf("%s: not_stationary %q, quenched_disorder %q", name, sum.NotStationary, sum.QuenchedDisorder)
		}
		for o, v := range sum.Observables {
			marked := slices.Contains(c.moves, o)
			if marked != slices.Contains(v.UnreliableBy, ByNotStationary) || marked && v.Reliable || slices.Contains(c.reliable, o) != v.Reliable {
				t.Errorf("%s: %s %v +- %v tau_int %v (reliable %v, %v)", name, o, *v.Mean, *v.Error, *v.TauInt, v.Reliable, v.UnreliableBy)
			}
			// a reliable one that moved by rounding is settled, a constant
			// one (error 0, tau_int 1/2) is not
			if constant := *v.Error == 0 && *v.TauInt == 0.5; slices.Contains(sum.Settled, o) != (v.Reliable && !constant) {
				t.Errorf("%s: %s %v +- %v tau_int %v, settled %v", name, o, *v.Mean, *v.Error, *v.TauInt, sum.Settled)
			}
		}
	}
	// locked phases measured 60 times: too few to call settled, and not
	// moving either (the usual rule marks them)
	sum := summaryOf(t, Config{Model: "particles", N: 200, D: 1, Scheme: quench.SchemeLM, Potential: quench.PotentialKuramoto, Precision: "float64",
		Dt: 0.01, T: 0, Gamma: 1, Mass: 1, K: 4, Sweeps: 60, Therm: 1000, Every: 1, Seed: 4, Start: "hot"})
	if r := sum.Observables["order_parameter"]; sum.Settled != nil || sum.NotStationary != "" || r.Reliable || !slices.Contains(r.UnreliableBy, ByTauInt) {
		t.Errorf("60 measurements: settled %v, not_stationary %q, r %v +- %v %v", sum.Settled, sum.NotStationary, *r.Mean, *r.Error, r.UnreliableBy)
	}
}

// A variance far below its mean's square is kept to its digits (variance:
// CenteredSums about the mean where the one pass cancels 20 bits): a ring
// of 64 from a hot start decays, once its faster modes are gone, by the
// slowest mode's factor (1 - 4 alpha sin^2(pi/64))^2 a step, read here from
// 4000 to 16000 steps, where the one-pass sums had read about 1e-16 <u>^2
// for ever after 14000; the last row equals the final field's two-pass
// variance. Kuramoto phases locking at T = 0 keep their x_var too, down to
// their own rounding, which the one pass read as 0 or 1e-17.
func TestVarianceBelowTheMeanSquare(t *testing.T) {
	cfg := Config{Model: "diffusion", Shape: []int{64}, Sweeps: 16000, Every: 1000, Seed: 1, Start: "hot", Alpha: 0.1, Precision: "float64"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cfg.Therm = 0
	st, err := NewState(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := Execute(context.Background(), cpu.New(), st, Options{Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	s := math.Sin(math.Pi / 64)
	f := math.Pow(1-4*0.1*s*s, 2*1000) // the slowest mode's factor over 1000 steps
	rows := st.Rows
	for i := 4; i < len(rows); i++ {
		if r := rows[i][2] / rows[i-1][2] / f; math.Abs(r-1) > 1e-6 {
			t.Errorf("step %v: u_var %v, %v times the slowest mode's decay from step %v's %v", rows[i][0], rows[i][2], r, rows[i-1][0], rows[i-1][2])
		}
	}
	last := rows[len(rows)-1]
	var m, v float64
	for _, u := range st.Field {
		m += u
	}
	m /= float64(len(st.Field))
	for _, u := range st.Field {
		v += (u - m) * (u - m)
	}
	v /= float64(len(st.Field))
	if last[2] < 1e-18 || math.Abs(last[2]-v) > 1e-9*v {
		t.Errorf("last u_var %v, the final field's two-pass variance %v", last[2], v)
	}
	if one := spread(sumSquares(st.Field)/64, m); math.Abs(one-v) < 0.5*v {
		t.Errorf("the one-pass variance %v is within half of %v: the case tests nothing", one, v)
	}
	// phases locking: x_var falls as exp(-2 k t) to the phases' rounding
	pc := Config{Model: "particles", N: 64, D: 1, Scheme: quench.SchemeEM, Potential: quench.PotentialKuramoto, Precision: "float64",
		Dt: 0.01, T: 0, K: 2, Gamma: 1, Mass: 1, Sweeps: 1500, Every: 100, Seed: 2, Start: "hot"}
	if err := pc.Validate(); err != nil {
		t.Fatal(err)
	}
	if st, err = NewState(pc); err != nil {
		t.Fatal(err)
	}
	if err := Execute(context.Background(), cpu.New(), st, Options{Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	m, v = 0, 0
	for _, x := range st.Field {
		m += x
	}
	m /= 64
	for _, x := range st.Field {
		v += (x - m) * (x - m)
	}
	v /= 64
	last = st.Rows[len(st.Rows)-1]
	if !(v > 0 && v < 1e-20) || math.Abs(last[2]-v) > 1e-6*v {
		t.Errorf("locked phases: last x_var %v, the final phases' two-pass variance %v (want it in (0, 1e-20): locked)", last[2], v)
	}
	if one := spread(sumSquares(st.Field)/64, m); math.Abs(one-v) < 0.5*v {
		t.Errorf("phases: the one-pass variance %v is within half of %v: the case tests nothing", one, v)
	}
	// masses nearly uniform (transfer of a fraction 2^-30 from the cold
	// start): mass_var and mass_corr1 against the final masses' two-pass
	// values, where the one pass read mass_corr1 as 0
	mc := Config{Model: "transfer", Shape: []int{64}, Sweeps: 3000, Every: 1000, Seed: 3, Start: "cold", Mass0: 1, Fraction: 0x1p-30}
	if err := mc.Validate(); err != nil {
		t.Fatal(err)
	}
	mc.Therm = 0
	if st, err = NewState(mc); err != nil {
		t.Fatal(err)
	}
	if err := Execute(context.Background(), cpu.New(), st, Options{Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	ms := make([]float64, len(st.Masses))
	m = 0
	for i, u := range st.Masses {
		ms[i] = float64(u) / quench.MassUnit
		m += ms[i]
	}
	m /= 64
	v = 0
	var c float64
	for i := range ms {
		v += (ms[i] - m) * (ms[i] - m)
		c += (ms[i] - m) * (ms[(i+1)%64] - m)
	}
	v, c = v/64, c/64
	last = st.Rows[len(st.Rows)-1]
	if !(v > 0 && v < 1e-12*m*m) || math.Abs(last[2]-v) > 1e-6*v || math.Abs(last[3]-c) > 1e-6*v {
		t.Errorf("near-uniform masses: last mass_var %v, mass_corr1 %v; the final masses' two-pass %v, %v (want a variance in (0, 1e-12 <m>^2))", last[2], last[3], v, c)
	}
}

// sumSquares is the plain sum of squares of x.
func sumSquares(x []float64) float64 {
	var s float64
	for _, u := range x {
		s += u * u
	}
	return s
}
