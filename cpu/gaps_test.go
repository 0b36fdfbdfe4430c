package cpu

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
	"github.com/quenchlab/quench/internal/philox"
)

// Kuramoto's coupling is mean-field, K/N: two oscillators a quarter turn
// apart, at T = 0 and omega = 0, move by dt (K/N) sin(theta_j - theta_i)
// radians in one Euler step: +dt K/2 and -dt K/2.
func TestKuramotoCouplingOverN(t *testing.T) {
	be := New()
	const K, dt = 2.0, 0.01
	ps := &quench.Particles{N: 2, Dim: 1}
	ps.Pos, _ = be.Alloc(quench.Float64, 2)
	ps.Omega, _ = be.Alloc(quench.Float64, 2)
	upload(be, ps.Pos, []float64{0, 0.25})
	upload(be, ps.Omega, []float64{0, 0})
	p := &quench.ParticleParams{Scheme: quench.SchemeEM, Potential: quench.PotentialKuramoto, Dt: dt, T: 0, Gamma: 1, K: K}
	if err := be.ParticleStep(ps, p, quench.Counter{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	got := make([]float64, 2)
	be.Download(got, ps.Pos)
	turn := dt * K / 2 / (2 * math.Pi) // dt K/N radians, in turns
	if want := []float64{turn, 0.25 - turn}; math.Abs(got[0]-want[0]) > 1e-15 || math.Abs(got[1]-want[1]) > 1e-15 {
		t.Errorf("phases after one step %v, want %v", got, want)
	}
}

// Kuramoto's noise is in radians with gamma = 1 by convention
// (ParticleCoeffs): gamma changes nothing, bit for bit (gamma = 4 scales
// sqrt(2 T dt/gamma) by exactly 1/2 and sqrt(gamma) by exactly 2).
func TestKuramotoIgnoresGamma(t *testing.T) {
	be := New()
	const n = 3000
	for _, scheme := range []string{quench.SchemeEM, quench.SchemeLM} {
		var runs [2][]float64
		for i, gamma := range []float64{1, 4} {
			ps := &quench.Particles{N: n, Dim: 1}
			ps.Pos, _ = be.Alloc(quench.Float64, n)
			ps.Omega, _ = be.Alloc(quench.Float64, n)
			x, om := make([]float64, n), make([]float64, n)
			for j := range x {
				x[j], om[j] = float64(j)/n, 0.3
			}
			upload(be, ps.Pos, x)
			upload(be, ps.Omega, om)
			p := &quench.ParticleParams{Scheme: scheme, Potential: quench.PotentialKuramoto, Dt: 0.01, T: 0.5, Gamma: gamma, K: 1.5}
			for step := uint64(0); step < 3; step++ {
				if err := be.ParticleStep(ps, p, quench.Counter{Seed: 5, Step: step}); err != nil {
					t.Fatal(err)
				}
			}
			runs[i] = make([]float64, n)
			be.Download(runs[i], ps.Pos)
		}
		for j := range runs[0] {
			if math.Float64bits(runs[0][j]) != math.Float64bits(runs[1][j]) {
				t.Fatalf("%s: oscillator %d: %v at gamma 1, %v at gamma 4", scheme, j, runs[0][j], runs[1][j])
			}
		}
	}
}

// The Ising sweep's partition: an even number of parts (or one), each of
// whole slices along the slowest axis, covering every row; a part count
// that the largest divisor of the slice count would make odd ({192, 512}:
// 3 parts of 64 rows) is avoided, so that the even and odd parts run
// apart never touch the same rows.
func TestRowGeomEvenParts(t *testing.T) {
	for _, shape := range [][]int{{192, 512}, {96, 1024}, {6, 4096}, {6, 10, 2048}, {30, 2, 1024}, {512, 512}, {2, 64}, {64}} {
		lat, _ := quench.NewLattice(shape...)
		g := computeRowGeom(lat)
		sliceRows := g.rows
		if len(shape) > 1 {
			sliceRows = g.rows / int64(shape[0])
		}
		if g.parts != 1 && g.parts%2 != 0 {
			t.Errorf("%v: %d parts", shape, g.parts)
		}
		if g.perPart*int64(g.parts) != g.rows || g.perPart%sliceRows != 0 {
			t.Errorf("%v: %d parts of %d rows do not tile %d rows in slices of %d", shape, g.parts, g.perPart, g.rows, sliceRows)
		}
	}
}

// Kernels refuse buffers of another type (an error, not a panic or a
// reinterpretation), Alloc refuses a negative length, and the float64
// moves refuse a host slice longer than the buffer as well as a shorter.
func TestBufferChecks(t *testing.T) {
	be := New()
	lat, _ := quench.NewLattice(4, 4)
	f32, _ := be.Alloc(quench.Float32, 16)
	i8, _ := be.Alloc(quench.Int8, 16)
	tab, _ := quench.NewIsingTable(2, quench.IsingParams{J: 1, Beta: 0.4, Algo: quench.Metropolis})
	if err := be.IsingSweep(f32, lat, tab, quench.Counter{}); err == nil {
		t.Errorf("IsingSweep took a Float32 buffer")
	}
	if _, err := be.IsingSums(f32, lat); err == nil {
		t.Errorf("IsingSums took a Float32 buffer")
	}
	if _, err := be.HeightCounts(i8, lat, nil); err == nil {
		t.Errorf("HeightCounts took an Int8 buffer")
	}
	if err := be.MassTransfer(f32, lat, &quench.MassTransferParams{Rule: "kmp"}, quench.Counter{}); err == nil {
		t.Errorf("MassTransfer took a Float32 buffer")
	}
	if b, err := be.Alloc(quench.Int8, -1); err == nil {
		t.Errorf("Alloc of -1 elements gave %v", b)
	}
	for _, dt := range []quench.DType{quench.Float32, quench.Float64} {
		buf, _ := be.Alloc(dt, 4)
		if err := be.UploadFloat64(buf, make([]float64, 5)); err == nil {
			t.Errorf("%v: UploadFloat64 of 5 into 4 taken", dt)
		}
		if err := be.DownloadFloat64(make([]float64, 5), buf); err == nil {
			t.Errorf("%v: DownloadFloat64 of 4 into 5 taken", dt)
		}
	}
}

// The mass rules' words (word x&3 of Philox(seed; Lattice, replica, step,
// phase 1+class, group x>>2)) past 2^34 sites, where the group no longer
// fits in the counter's first word.
func TestWordBatchHighGroups(t *testing.T) {
	key := philox.KeyFromSeed(99)
	const rep, step, class = 2, 12345, 3
	ctr := philox.MakeCounter(philox.PurposeLattice, rep, step, 1+class, 0, 0)
	var w massWords
	for _, x0 := range []uint64{1<<34 - 9, 1<<34 - 4*massGroups + 3, 1<<40 + 3, 0xABCD_1234_5678 << 2} {
		for _, n := range []int{1, 3, 8, massGroups} {
			w.fill(x0>>2, n, ctr, key)
			for x := x0 &^ 3; x < x0&^3+4*uint64(n); x++ {
				want := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeLattice, rep, step, 1+class, x>>2, 0), key)[x&3]
				if got := w[x-x0&^3]; got != want {
					t.Fatalf("word %#x of %d groups: %#x, want %#x", x, n, got, want)
				}
			}
		}
	}
}

// A tie decided by the second draw with equality (u8 == Hi and w>>8 ==
// Lo: u == Thr, no flip): a table whose every entry is a chosen site's
// own u, from a cold start (at colour 0 every site has the same entry),
// the site inside a SWAR block of the row; with the vector code (its tie
// list) and without (tie(), which with AVX2 no test had reached at
// equality).
func TestIsingSweepExactTie(t *testing.T) {
	defer func(saved bool) { useAVX2 = saved }(useAVX2)
	have := useAVX2
	for _, vec := range []bool{false, true} {
		if vec && !have {
			continue
		}
		useAVX2 = vec
		isingSweepExactTie(t)
	}
}

func isingSweepExactTie(t *testing.T) {
	lat, _ := quench.NewLattice(8, 64)
	ctr := quench.Counter{Seed: 4242, Replica: 1, Step: 7}
	key := philox.KeyFromSeed(ctr.Seed)
	for _, n0 := range []int64{2*64 + 10, 3*64 + 1, 5*64 + 63} { // a SWAR block, a row's first and last site of colour 0
		if lat.Colour(n0) != 0 {
			t.Fatalf("site %d is not of colour 0", n0)
		}
		j := uint64(n0) >> 1
		r := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeIsing, ctr.Replica, ctr.Step, 0, j>>4, 0), key)
		u8 := r[(j&15)/4] >> (8 * (j & 3)) & 0xFF
		w := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeIsing, ctr.Replica, ctr.Step, 0, j, 1), key)[0]
		tab, _ := quench.NewIsingTable(2, quench.IsingParams{J: 1, Beta: 0.4, Algo: quench.Metropolis})
		for k := range tab.Thr {
			tab.Thr[k], tab.Hi[k], tab.Lo[k] = uint64(u8)<<24|uint64(w>>8), int32(u8), w>>8
		}
		be := New()
		want := make([]int8, lat.Sites())
		for i := range want {
			want[i] = 1
		}
		buf, _ := be.Alloc(quench.Int8, lat.Sites())
		be.Upload(buf, want)
		if err := be.IsingSweep(buf, lat, tab, ctr); err != nil {
			t.Fatal(err)
		}
		backendtest.RefIsingSweep(want, lat, tab, ctr)
		got := make([]int8, lat.Sites())
		be.Download(got, buf)
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("AVX2 %v, tie at site %d: site %d got %d, want %d", useAVX2, n0, i, got[i], want[i])
			}
		}
	}
}

// Aggregation conserves mass over the bonds and then injects Injection
// units at every site, the smallest allowed injection (one unit, 2^-32)
// included: the total grows by exactly sites x Injection per sweep.
func TestAggregationInjectsOneUnit(t *testing.T) {
	be := New()
	lat, _ := quench.NewLattice(6, 8)
	n := lat.Sites()
	m := make([]int64, n)
	var total int64
	for i := range m {
		m[i] = int64(i*i) << 20
		total += m[i]
	}
	buf, _ := be.Alloc(quench.Int64, n)
	be.Upload(buf, m)
	for _, inj := range []int64{1, 3, 0} {
		p := &quench.MassTransferParams{Rule: "aggregation", Injection: inj}
		for step := uint64(0); step < 4; step++ {
			if err := be.MassTransfer(buf, lat, p, quench.Counter{Seed: 8, Step: step}); err != nil {
				t.Fatal(err)
			}
			total += n * inj
		}
		be.Download(m, buf)
		var got int64
		for _, v := range m {
			got += v
		}
		if got != total {
			t.Errorf("injection %d: total mass %d units, want %d", inj, got, total)
		}
	}
}

// refuses runs f, which must return an error: not panic, not succeed.
func refuses(t *testing.T, what string, f func() error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s panicked: %v", what, r)
		}
	}()
	if err := f(); err == nil {
		t.Errorf("%s was accepted", what)
	}
}

// Lattices built as literals, not by quench.NewLattice (no axes, an
// extent of 0, negative extents whose product is a valid site count), are
// refused by every kernel with an error; they panicked (an index of -1, a
// division by zero, a negative slice bound). Extents of 1 are walked
// (IsingSums divided by zero on a first axis of one).
func TestMalformedLattices(t *testing.T) {
	be := New()
	for _, shape := range [][]int{{1, 4}, {1}, {4, 1}, {1, 2, 2}} {
		lat := quench.Lattice{Shape: shape}
		spins, _ := be.Alloc(quench.Int8, lat.Sites())
		s := make([]int8, lat.Sites())
		for i := range s {
			s[i] = 1
		}
		be.Upload(spins, s)
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("IsingSums on %v panicked: %v", shape, r)
				}
			}()
			// every site and its neighbours +1: d bonds a site
			if sums, err := be.IsingSums(spins, lat); err != nil || sums.Mag != lat.Sites() || sums.Bond != int64(lat.Dim())*lat.Sites() {
				t.Errorf("IsingSums on %v: %+v, %v", shape, sums, err)
			}
		}()
	}
	for _, shape := range [][]int{nil, {0}, {0, 4}, {2, 0}, {-2, -4}, {-1, -1, 4}} {
		lat := quench.Lattice{Shape: shape}
		n := max(lat.Sites(), 0)
		name := func(k string) string { return fmt.Sprintf("%s on %v", k, shape) }
		alloc := func(dt quench.DType) quench.Buffer {
			b, err := be.Alloc(dt, n)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		i8, u8, f64, i64 := alloc(quench.Int8), alloc(quench.Uint8), alloc(quench.Float64), alloc(quench.Int64)
		tab, _ := quench.NewIsingTable(max(lat.Dim(), 1), quench.IsingParams{J: 1, Beta: 0.4, Algo: quench.Metropolis})
		if lat.Dim() == 0 {
			tab.Dim = 0
		}
		refuses(t, name("IsingSweep"), func() error { return be.IsingSweep(i8, lat, tab, quench.Counter{}) })
		refuses(t, name("IsingSums"), func() error { _, err := be.IsingSums(i8, lat); return err })
		refuses(t, name("FieldSums"), func() error { _, err := be.FieldSums(f64, &lat); return err })
		refuses(t, name("HeightCounts"), func() error { _, err := be.HeightCounts(u8, lat, nil); return err })
		refuses(t, name("Diffuse"), func() error { return be.Diffuse(alloc(quench.Float64), f64, lat, 0.1) })
		refuses(t, name("MassTransfer"), func() error {
			return be.MassTransfer(i64, lat, &quench.MassTransferParams{Rule: "kmp"}, quench.Counter{})
		})
		for _, scheme := range []string{quench.SchemeEM, quench.SchemeModelB} {
			f := &quench.Phi4Fields{Phi: f64, Next: alloc(quench.Float64), Mu: alloc(quench.Float64)}
			p := &quench.Phi4Params{Scheme: scheme, Dt: 0.01, T: 1, Gamma: 1}
			refuses(t, name("Phi4Step "+scheme), func() error { return be.Phi4Step(f, lat, p, quench.Counter{}) })
		}
		pile := &quench.Sandpile{Heights: u8, Activity: i64, Stamp: alloc(quench.Int32)}
		refuses(t, name("SandpileAdd"), func() error {
			for range 8 { // past the threshold
				if _, err := be.SandpileAdd(pile, lat, 0, 1); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

// Nil parameters, fields and buffers (a nil interface or a nil *Buffer)
// are refused with an error; they panicked with a nil dereference.
func TestNilArguments(t *testing.T) {
	be := New()
	lat, _ := quench.NewLattice(4, 4)
	f64 := func() quench.Buffer { b, _ := be.Alloc(quench.Float64, 16); return b }
	var none *Buffer
	for _, scheme := range []string{quench.SchemeEM, quench.SchemeBAOAB, quench.SchemeModelB} {
		p := &quench.Phi4Params{Scheme: scheme, Dt: 0.01, T: 1, Gamma: 1, Mass: 1}
		refuses(t, "Phi4Step of nil fields", func() error { return be.Phi4Step(nil, lat, p, quench.Counter{}) })
		refuses(t, "Phi4Step of nil parameters", func() error {
			return be.Phi4Step(&quench.Phi4Fields{Phi: f64(), Next: f64(), Mom: f64(), Mu: f64()}, lat, nil, quench.Counter{})
		})
		refuses(t, "Phi4Step of a nil *Buffer", func() error {
			return be.Phi4Step(&quench.Phi4Fields{Phi: none, Next: f64(), Mom: f64(), Mu: f64()}, lat, p, quench.Counter{})
		})
	}
	pp := &quench.ParticleParams{Scheme: quench.SchemeEM, Potential: quench.PotentialHarmonic, Dt: 0.01, T: 1, Gamma: 1, K: 1}
	refuses(t, "ParticleStep of nil particles", func() error { return be.ParticleStep(nil, pp, quench.Counter{}) })
	refuses(t, "ParticleStep of nil parameters", func() error {
		return be.ParticleStep(&quench.Particles{N: 16, Dim: 1, Pos: f64()}, nil, quench.Counter{})
	})
	refuses(t, "ParticleStep of no positions", func() error { return be.ParticleStep(&quench.Particles{N: 1, Dim: 1}, pp, quench.Counter{}) })
	refuses(t, "ParticleStep of a nil *Buffer", func() error {
		return be.ParticleStep(&quench.Particles{N: 1, Dim: 1, Pos: none}, pp, quench.Counter{})
	})
	refuses(t, "ParticleStepWithSums of nil particles", func() error { return be.ParticleStepWithSums(nil, pp, quench.Counter{}, 0, 0) })
	mass, _ := be.Alloc(quench.Int64, 16)
	refuses(t, "MassTransfer of nil parameters", func() error { return be.MassTransfer(mass, lat, nil, quench.Counter{}) })
	refuses(t, "Diffuse from nil", func() error { return be.Diffuse(f64(), nil, lat, 0.1) })
	refuses(t, "Diffuse from a nil *Buffer", func() error { return be.Diffuse(f64(), none, lat, 0.1) })
	refuses(t, "SandpileAdd of a nil pile", func() error { _, err := be.SandpileAdd(nil, lat, 0, 1); return err })
}

// Alloc refuses sizes past the host's memory or whose bytes overflow with
// an error before allocating; make panicked past the address space (and
// stops the program past the memory it can map).
func TestAllocTooLarge(t *testing.T) {
	be := New()
	for _, c := range []struct {
		dt quench.DType
		n  int64
	}{
		{quench.Int8, quench.MaxSites},
		{quench.Int8, math.MaxInt64},
		{quench.Float64, 1 << 60},
		{quench.Int64, 1<<61 + 1},
		{quench.Float32, 1 << 62},
	} {
		refuses(t, fmt.Sprintf("Alloc of %d elements of %v", c.n, c.dt), func() error { _, err := be.Alloc(c.dt, c.n); return err })
	}
	// a byte more than the host's memory: refused before make (which
	// stops the program past the memory it can map)
	if _, total, err := quench.HostMemory(); err == nil && total >= 1<<30 && total < math.MaxInt64/2 {
		refuses(t, fmt.Sprintf("Alloc of %d bytes, the host's %d and one", total+1, total), func() error { _, err := be.Alloc(quench.Int8, int64(total)+1); return err })
		refuses(t, fmt.Sprintf("Alloc of %d bytes, the host's %d and one", total+8, total), func() error { _, err := be.Alloc(quench.Float64, int64(total/8)+1); return err })
	}
}

// The transfer rule refuses a NaN fraction with an error: D32 converted it
// to 2^63, and a sweep moved masses of the wrong sign (negative masses,
// the total conserved only modulo 2^64). Fractions outside [0, 1] clamp.
func TestTransferNaNFraction(t *testing.T) {
	be := New()
	lat, _ := quench.NewLattice(4, 4)
	init := make([]int64, lat.Sites())
	for i := range init {
		init[i] = int64(i+1) * quench.MassUnit
	}
	for _, fr := range []float64{math.NaN(), -1, 2, math.Inf(1)} {
		buf, _ := be.Alloc(quench.Int64, lat.Sites())
		be.Upload(buf, init)
		err := be.MassTransfer(buf, lat, &quench.MassTransferParams{Rule: "transfer", Fraction: fr}, quench.Counter{Seed: 3})
		if math.IsNaN(fr) != (err != nil) {
			t.Errorf("fraction %v: error %v", fr, err)
		}
		m := make([]int64, lat.Sites())
		be.Download(m, buf)
		var got, want int64
		for i, v := range m {
			if v < 0 {
				t.Errorf("fraction %v: mass %d at site %d", fr, v, i)
			}
			got, want = got+v, want+init[i]
		}
		if got != want {
			t.Errorf("fraction %v: total %d, want %d", fr, got, want)
		}
	}
	// the rules that take no fraction leave it unread: a NaN is no error
	for _, rule := range []string{"kmp", "aggregation"} {
		buf, _ := be.Alloc(quench.Int64, lat.Sites())
		be.Upload(buf, init)
		if err := be.MassTransfer(buf, lat, &quench.MassTransferParams{Rule: rule, Fraction: math.NaN()}, quench.Counter{Seed: 3}); err != nil {
			t.Errorf("%s with a NaN fraction: %v", rule, err)
		}
	}
}

// IsingSweep refuses a table whose thresholds do not fit its dimension
// (a literal IsingTable{Dim: 2}, a truncated one) with an error; packing
// it panicked with an index out of range.
func TestIsingSweepMalformedTable(t *testing.T) {
	be := New()
	lat, _ := quench.NewLattice(4, 4)
	spins, _ := be.Alloc(quench.Int8, 16)
	good, _ := quench.NewIsingTable(2, quench.IsingParams{J: 1, Beta: 0.4, Algo: quench.Metropolis})
	for _, tab := range []*quench.IsingTable{
		{Dim: 2},
		{Dim: 2, Thr: good.Thr, Hi: good.Hi[:5], Lo: good.Lo},
		{Dim: 2, Thr: good.Thr, Hi: good.Hi, Lo: good.Lo[:9]},
		// longer than the dimension's: not NewIsingTable's either
		{Dim: 2, Thr: good.Thr, Hi: append(slices.Clone(good.Hi), 0), Lo: good.Lo},
		{Dim: 2, Thr: good.Thr, Hi: good.Hi, Lo: append(slices.Clone(good.Lo), 0)},
	} {
		refuses(t, fmt.Sprintf("IsingSweep with %d, %d thresholds", len(tab.Hi), len(tab.Lo)), func() error {
			return be.IsingSweep(spins, lat, tab, quench.Counter{})
		})
	}
}

// ParticleStep refuses N particles of Dim coordinates whose count N*Dim
// overflows with an error: it wrapped to a small count (2^62+1 particles
// in 4 dimensions to 4 coordinates) and a buffer of that many was taken.
func TestParticleCountOverflow(t *testing.T) {
	be := New()
	pos, _ := be.Alloc(quench.Float64, 4)
	p := &quench.ParticleParams{Scheme: quench.SchemeEM, Potential: quench.PotentialHarmonic, Dt: 0.01, T: 1, Gamma: 1, K: 1}
	refuses(t, "2^62+1 particles in 4 dimensions", func() error {
		return be.ParticleStep(&quench.Particles{N: 1<<62 + 1, Dim: 4, Pos: pos}, p, quench.Counter{})
	})
}

// Counters past Philox's layout, non-finite phi4 couplings, an infinite
// BAOAB mass and one buffer given for two fields are refused with an
// error. Before, a replica of 2^16 was cut to 0 and repeated replica 0's
// numbers, NaN couplings made every site NaN, and Phi == Next (or
// dst == src) overwrote what the step still read.
func TestArgumentsRefused(t *testing.T) {
	be := New()
	lat, _ := quench.NewLattice(4, 4)
	f64 := func() quench.Buffer { b, _ := be.Alloc(quench.Float64, 16); return b }
	good := quench.Counter{Seed: 1, Replica: philox.MaxReplica, Step: philox.MaxStep - 1}
	for _, ctr := range []quench.Counter{{Replica: philox.MaxReplica + 1}, {Step: philox.MaxStep}, {Step: math.MaxUint64}} {
		spins, _ := be.Alloc(quench.Int8, 16)
		be.Upload(spins, slices.Repeat([]int8{1}, 16))
		tab, _ := quench.NewIsingTable(2, quench.IsingParams{J: 1, Beta: 0.4, Algo: quench.Metropolis})
		refuses(t, fmt.Sprintf("IsingSweep, counter %+v", ctr), func() error { return be.IsingSweep(spins, lat, tab, ctr) })
		if err := be.IsingSweep(spins, lat, tab, good); err != nil {
			t.Errorf("IsingSweep, counter %+v: %v", good, err)
		}
		p := &quench.Phi4Params{Scheme: quench.SchemeLM, Dt: 0.01, T: 1, Gamma: 1, M2: 1}
		refuses(t, fmt.Sprintf("Phi4Step, counter %+v", ctr), func() error {
			return be.Phi4Step(&quench.Phi4Fields{Phi: f64(), Next: f64()}, lat, p, ctr)
		})
		if err := be.Phi4Step(&quench.Phi4Fields{Phi: f64(), Next: f64()}, lat, p, good); err != nil {
			t.Errorf("Phi4Step lm, counter %+v: %v", good, err)
		}
		pp := &quench.ParticleParams{Scheme: quench.SchemeEM, Potential: quench.PotentialHarmonic, Dt: 0.01, T: 1, Gamma: 1, K: 1}
		refuses(t, fmt.Sprintf("ParticleStep, counter %+v", ctr), func() error {
			return be.ParticleStep(&quench.Particles{N: 16, Dim: 1, Pos: f64()}, pp, ctr)
		})
		mass, _ := be.Alloc(quench.Int64, 16)
		refuses(t, fmt.Sprintf("MassTransfer, counter %+v", ctr), func() error {
			return be.MassTransfer(mass, lat, &quench.MassTransferParams{Rule: "kmp"}, ctr)
		})
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		for i, p := range []quench.Phi4Params{{M2: bad}, {Lambda: bad}, {H: bad}} {
			p.Scheme, p.Dt, p.T, p.Gamma = quench.SchemeEM, 0.01, 1, 1
			refuses(t, fmt.Sprintf("Phi4Step, coupling %d = %v", i, bad), func() error {
				return be.Phi4Step(&quench.Phi4Fields{Phi: f64(), Next: f64()}, lat, &p, quench.Counter{})
			})
		}
	}
	inf := &quench.Phi4Params{Scheme: quench.SchemeBAOAB, Dt: 0.01, T: 1, Gamma: 1, M2: 1, Mass: math.Inf(1)}
	refuses(t, "Phi4Step baoab, mass +Inf", func() error {
		return be.Phi4Step(&quench.Phi4Fields{Phi: f64(), Next: f64(), Mom: f64()}, lat, inf, quench.Counter{})
	})
	refuses(t, "ParticleStep baoab, mass +Inf", func() error {
		pp := &quench.ParticleParams{Scheme: quench.SchemeBAOAB, Potential: quench.PotentialHarmonic, Dt: 0.01, T: 1, Gamma: 1, K: 1, Mass: math.Inf(1)}
		return be.ParticleStep(&quench.Particles{N: 16, Dim: 1, Pos: f64(), Vel: f64()}, pp, quench.Counter{})
	})
	a, b := f64(), f64()
	for _, c := range []struct {
		scheme string
		f      quench.Phi4Fields
	}{
		{quench.SchemeEM, quench.Phi4Fields{Phi: a, Next: a}},
		{quench.SchemeBAOAB, quench.Phi4Fields{Phi: a, Next: b, Mom: a}},
		{quench.SchemeModelB, quench.Phi4Fields{Phi: a, Next: b, Mu: b}},
	} {
		p := &quench.Phi4Params{Scheme: c.scheme, Dt: 0.01, T: 1, Gamma: 1, M2: 1, Mass: 1}
		refuses(t, c.scheme+" with one buffer as two fields", func() error { return be.Phi4Step(&c.f, lat, p, quench.Counter{}) })
	}
	// em ignores Mom: the same buffer there is not read
	if err := be.Phi4Step(&quench.Phi4Fields{Phi: a, Next: b, Mom: a}, lat, &quench.Phi4Params{Scheme: quench.SchemeEM, Dt: 0.01, T: 1, Gamma: 1, M2: 1}, quench.Counter{}); err != nil {
		t.Errorf("em with Mom = Phi (unused): %v", err)
	}
	refuses(t, "Diffuse in place", func() error { return be.Diffuse(a, a, lat, 0.1) })
	refuses(t, "ParticleStep baoab, Pos = Vel", func() error {
		pp := &quench.ParticleParams{Scheme: quench.SchemeBAOAB, Potential: quench.PotentialHarmonic, Dt: 0.01, T: 1, Gamma: 1, K: 1, Mass: 1}
		return be.ParticleStep(&quench.Particles{N: 16, Dim: 1, Pos: a, Vel: a}, pp, quench.Counter{})
	})
	refuses(t, "ParticleStep kuramoto, Pos = Omega", func() error {
		pp := &quench.ParticleParams{Scheme: quench.SchemeEM, Potential: quench.PotentialKuramoto, Dt: 0.01, T: 1, Gamma: 1, K: 1}
		return be.ParticleStep(&quench.Particles{N: 16, Dim: 1, Pos: a, Omega: a}, pp, quench.Counter{})
	})
}

// Diffuse refuses a non-finite alpha with an error, as Phi4Step refuses
// non-finite couplings: it made every site NaN.
func TestDiffuseNonFiniteAlpha(t *testing.T) {
	be := New()
	lat, _ := quench.NewLattice(4, 4)
	for _, alpha := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		src, _ := be.Alloc(quench.Float64, 16)
		dst, _ := be.Alloc(quench.Float64, 16)
		refuses(t, fmt.Sprintf("Diffuse, alpha %v", alpha), func() error { return be.Diffuse(dst, src, lat, alpha) })
	}
}

// Two nil buffers are no buffer given twice: Diffuse(nil, nil) is refused
// for its nil buffers, not as "one buffer" for dst and src.
func TestDistinctNil(t *testing.T) {
	if !quench.Distinct(nil, nil) {
		t.Errorf("Distinct(nil, nil) = false")
	}
	lat, _ := quench.NewLattice(4, 4)
	if err := New().Diffuse(nil, nil, lat, 0.1); err == nil || strings.Contains(err.Error(), "one buffer") {
		t.Errorf("Diffuse(nil, nil): %v", err)
	}
}

// A chain long enough for the parallel path (2 chunkSites or more) is
// still one part (computeRowGeom: a 1D lattice is one row), swept on one
// goroutine: its sweeps give the reference rule's spins.
func TestIsingSweepLongChain(t *testing.T) {
	be := New()
	lat, _ := quench.NewLattice(4*chunkSites + 6)
	n := lat.Sites()
	tab, err := quench.NewIsingTable(1, quench.IsingParams{J: 1, H: 0.1, Beta: 0.7, Algo: quench.Metropolis})
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int8, n)
	for x := range want {
		want[x] = int8(1 - 2*(x*7%3&1))
	}
	spins, _ := be.Alloc(quench.Int8, n)
	be.Upload(spins, want)
	got := make([]int8, n)
	for step := uint64(0); step < 3; step++ {
		ctr := quench.Counter{Seed: 5, Step: step}
		backendtest.RefIsingSweep(want, lat, tab, ctr)
		if err := be.IsingSweep(spins, lat, tab, ctr); err != nil {
			t.Fatal(err)
		}
		be.Download(got, spins)
		if !slices.Equal(got, want) {
			t.Fatalf("sweep %d of a chain of %d: spins differ from the reference", step, n)
		}
	}
}

// newRowGeom keeps a copy of the shape it was last asked for: a caller
// that changes its shape slice in place afterwards (a Lattice literal
// over a reused slice) gets the new shape's geometry, not the old one's.
func TestRowGeomShapeCopied(t *testing.T) {
	shape := []int{6, 10, 8}
	g := newRowGeom(quench.Lattice{Shape: shape})
	if want := computeRowGeom(quench.Lattice{Shape: shape}); !reflect.DeepEqual(*g, want) {
		t.Fatalf("%v: geometry %+v, want %+v", shape, *g, want)
	}
	shape[0], shape[1], shape[2] = 4, 4, 64
	g = newRowGeom(quench.Lattice{Shape: shape})
	if want := computeRowGeom(quench.Lattice{Shape: shape}); !reflect.DeepEqual(*g, want) {
		t.Errorf("%v after the slice changed: geometry %+v, want %+v", shape, *g, want)
	}
}
