//go:build cuda

package gpu

import (
	"context"
	"crypto/sha256"
	"math"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"
	"unsafe"

	"gorgonia.org/cu"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
	"github.com/quenchlab/quench/cpu"
	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/kernels"
	"github.com/quenchlab/quench/sim"
)

// open returns the GPU backend, or skips the test when there is none; with
// QUENCH_REQUIRE_GPU=1 a missing GPU fails the test instead.
func open(t testing.TB) *Backend {
	t.Helper()
	be, err := New(0)
	if err != nil {
		if os.Getenv("QUENCH_REQUIRE_GPU") == "1" {
			t.Fatalf("QUENCH_REQUIRE_GPU=1 but no GPU backend: %v", err)
		}
		t.Skipf("no GPU: %v", err)
	}
	t.Cleanup(func() { be.Close() })
	return be.(*Backend)
}

func TestConformance(t *testing.T) {
	be := open(t)
	t.Logf("device: %s", be.DeviceName())
	backendtest.Run(t, be)
}

func TestPhiloxKnownAnswers(t *testing.T) {
	be := open(t)
	ctr := [][4]uint32{{0, 0, 0, 0}, {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}}
	key := [][2]uint32{{0, 0}, {0xffffffff, 0xffffffff}, {0xa4093822, 0x299f31d0}}
	want := [][4]uint32{
		{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
		{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
		{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
	}
	// and a batch of counters with the quench layout against the Go generator
	for i := 0; i < 1000; i++ {
		c := philox.MakeCounter(philox.PurposeIsing, uint32(i%7), uint64(i)*0x1_0000_0001, uint32(i%2), uint64(i)<<20, uint32(i%3))
		k := philox.KeyFromSeed(uint64(i) * 0x9E3779B97F4A7C15)
		ctr, key = append(ctr, c), append(key, k)
		want = append(want, philox.Philox4x32_10(c, k))
	}
	got, err := be.PhiloxKAT(ctr, key)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("unexpected device Philox output %d: got %08x want %08x", i, got[i], want[i])
		}
	}
}

// TestPhiloxKATArgs: PhiloxKAT refuses keys that do not pair with the
// counters (the upload read past the key slice) and gives nothing for no
// counters (it indexed an empty slice on the CUDA thread: a panic that
// ended the program). Its refusal of more counters than its grid covers
// (the rest came back as uninitialised device memory) would take 6 GiB of
// host slices to test.
func TestPhiloxKATArgs(t *testing.T) {
	be := open(t)
	if out, err := be.PhiloxKAT(nil, nil); err != nil || len(out) != 0 {
		t.Errorf("no counters: %v, %v", out, err)
	}
	if _, err := be.PhiloxKAT(make([][4]uint32, 3), make([][2]uint32, 1)); err == nil {
		t.Errorf("3 counters with 1 key taken")
	}
	// still usable
	c, k := [4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0}
	if got, err := be.PhiloxKAT([][4]uint32{c}, [][2]uint32{k}); err != nil || got[0] != [4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1} {
		t.Errorf("Random123 known answer after the refusals: %08x, %v", got, err)
	}
}

// TestSqrt32: quench_sqrt32, the float32 Box-Muller radius's square root
// without a branch (pmath.cuh), equals __fsqrt_rn bit for bit on every
// float32 it is for: +0, -0 and every x with 2^-100 <= x < +Inf (about
// 1.9e9 values).
func TestSqrt32(t *testing.T) {
	be := open(t)
	var bad uint64
	err := be.do(func() error {
		d, err := cu.MemAlloc(8)
		if err != nil {
			return wrap("alloc", err)
		}
		defer cu.MemFree(d)
		if err := wrap("clear", cu.MemsetD8(d, 0, 8)); err != nil {
			return err
		}
		for _, r := range [][2]uint64{{0, 1}, {0x80000000, 0x80000001}, {0x0d800000, 0x7f800000}} {
			if err := be.launch(kernels.Sqrt32Check, int64(min(r[1]-r[0], 1<<24)), r[0], r[1], uint64(d)); err != nil {
				return err
			}
		}
		return wrap("download", cu.MemcpyDtoH(unsafe.Pointer(&bad), d, 8))
	})
	if err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("quench_sqrt32 differs from __fsqrt_rn on %d float32 values", bad)
	}
}

// crossCase is one simulation run on both backends.
type crossCase struct {
	shape  []int
	algo   string
	h, J   float64
	beta   float64
	sweeps int64
}

// TestCrossCheck runs the same seeded simulation on the CPU and the GPU and
// requires identical lattices and identical measurement series.
func TestCrossCheck(t *testing.T) {
	be := open(t)
	cases := []crossCase{
		{[]int{512, 512}, "metropolis", 0, 1, 0.44, 101},
		{[]int{512, 512}, "heatbath", 0.1, 1, 0.44, 100},
		{[]int{64, 64, 64}, "metropolis", 0.05, 1, 0.22, 51},
		{[]int{64, 64, 64}, "heatbath", 0, 1, 0.23, 50},
		{[]int{256, 1024}, "metropolis", -0.2, -1, 0.6, 33}, // non-square, antiferromagnet
		{[]int{34, 50}, "heatbath", 0.3, 1, 0.5, 21},        // lx % 32 != 0: the per-site kernel
		{[]int{16, 24, 96}, "metropolis", 0, 1, 0.25, 20},   // 3D non-cubic
	}
	for _, c := range cases {
		model := "ising2d"
		if len(c.shape) == 3 {
			model = "ising3d"
		}
		cfg := sim.Config{Model: model, Shape: c.shape, Beta: c.beta, J: c.J, H: c.h, Algo: c.algo,
			Sweeps: c.sweeps, Therm: 3, Every: 1, Seed: 2026, Start: "hot"}
		var states []*sim.State
		for _, b := range []quench.Backend{cpu.New(), be} {
			st, err := sim.NewState(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := sim.Execute(context.Background(), b, st, sim.Options{}); err != nil {
				t.Fatalf("%s on %s: %v", model, b.Name(), err)
			}
			states = append(states, st)
		}
		c0, g0 := states[0], states[1]
		if i := firstDiff(c0.Spins, g0.Spins); i >= 0 {
			t.Errorf("%v %s: lattices differ at site %d (cpu %d, gpu %d)", c.shape, c.algo, i, c0.Spins[i], g0.Spins[i])
		}
		if !slices.Equal(c0.Samples, g0.Samples) {
			t.Errorf("%v %s: measurement series differ", c.shape, c.algo)
		}
		t.Logf("%v %s %d sweeps: identical, sha256 %x", c.shape, c.algo, c.sweeps+3, sha256.Sum256(int8Bytes(g0.Spins)))
	}
}

func firstDiff(a, b []int8) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

func int8Bytes(s []int8) []byte {
	b := make([]byte, len(s))
	for i, v := range s {
		b[i] = byte(v)
	}
	return b
}

// TestLargeLattice sweeps a lattice of more than 2^32 spins, which needs
// 64-bit indexing in every kernel, on the GPU and on the CPU from the same
// cold start and seed, and requires identical spins and sums.
func TestLargeLattice(t *testing.T) {
	be := open(t)
	const L = 65568 // 4.3e9 spins > 2^32
	free, _, err := be.MemInfo()
	if err != nil || free < 8<<30 {
		t.Skipf("needs 8 GiB of device memory (free %d)", free)
	}
	// the start, the CPU's lattice and the two downloads: 4 x 4.3e9 bytes
	if avail, _, err := quench.HostMemory(); err != nil || avail < 20<<30 {
		t.Skipf("needs 20 GiB of host memory (available %d)", avail)
	}
	lat, _ := quench.NewLattice(L, L)
	n := lat.Sites()
	s := make([]int8, n)
	for i := range s {
		s[i] = 1
	}
	tab, _ := quench.NewIsingTable(2, quench.IsingParams{J: 1, Beta: 1 / 1.5, Algo: quench.Metropolis})
	var sums [2]quench.IsingSums
	var spins [2][]int8
	for i, b := range []quench.Backend{be, cpu.New()} {
		buf, err := b.Alloc(quench.Int8, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Upload(buf, s); err != nil {
			t.Fatal(err)
		}
		if err := b.IsingSweep(buf, lat, tab, quench.Counter{Seed: 1}); err != nil {
			t.Fatal(err)
		}
		if sums[i], err = b.IsingSums(buf, lat); err != nil {
			t.Fatal(err)
		}
		spins[i] = make([]int8, n)
		if err := b.Download(spins[i], buf); err != nil {
			t.Fatal(err)
		}
		b.Free(buf)
	}
	if i := firstDiff(spins[1], spins[0]); i >= 0 {
		t.Fatalf("2^32+ spins: site %d is %d on the GPU and %d on the CPU", i, spins[0][i], spins[1][i])
	}
	var direct int64
	for _, v := range spins[0] {
		direct += int64(v)
	}
	if sums[0] != sums[1] || sums[0].Mag != direct || direct <= 0 || direct >= n {
		t.Errorf("sums after one sweep from cold: GPU %+v, CPU %+v, direct magnetization %d of %d", sums[0], sums[1], direct, n)
	}
}

// TestAbove2to31CrossCheck runs phi4 (float32 Euler-Maruyama: the 8-site
// row kernel), kmp (the row mass kernel) and a sandpile avalanche in rows
// past site 2^31 of a 2D lattice of 2^31 + 2^22 sites on the CPU and the
// GPU, and requires identical states, and identical measurement sums
// (FieldSums) of the phi4 field and the kmp masses: every index past
// 2^31 must be 64-bit. It needs about 30 GiB of device memory (the
// sandpile's heights, activity, stamps and scratch), about 50 GiB of host
// memory at its peak (kmp: the start, the CPU's masses and a download,
// 16 GiB each; it asks for 72 GiB available) and a minute or two, so it
// runs only with QUENCH_GPU_LARGE=1 (gpu-check.sh sets it where its
// budget allows).
func TestAbove2to31CrossCheck(t *testing.T) {
	if os.Getenv("QUENCH_GPU_LARGE") != "1" {
		t.Skip("set QUENCH_GPU_LARGE=1 to run (30 GiB of device memory, 72 GiB of host memory)")
	}
	g := open(t)
	c := cpu.New()
	const ly, lx = 32832, 65536 // 2^31 + 2^22 sites; rows a multiple of 8
	lat, _ := quench.NewLattice(ly, lx)
	n := lat.Sites()
	if free, _, err := g.MemInfo(); err != nil || free < 30<<30 {
		t.Skipf("needs 30 GiB of free device memory (free %d)", free)
	}
	if avail, _, err := quench.HostMemory(); err != nil || avail < 72<<30 {
		t.Skipf("needs 72 GiB of host memory (available %d)", avail)
	}
	// between parts: collect, but keep the pages (handing them back to
	// the OS only to fault them in again cost most of the test's time)
	release := runtime.GC
	t0 := time.Now()
	lap := func(what string) { t.Logf("%s: %.1f s", what, time.Since(t0).Seconds()); t0 = time.Now() }
	both := []quench.Backend{c, g}
	alloc := func(be quench.Backend, dt quench.DType) quench.Buffer {
		buf, err := be.Alloc(dt, n)
		if err != nil {
			t.Fatalf("%s: %v", be.Name(), err)
		}
		return buf
	}

	// phi4: two steps from phi = 0
	var fields [2][]float32
	var fsums [2]quench.FieldSums // the measurement sums of the field past 2^31 sites
	p := &quench.Phi4Params{Scheme: quench.SchemeEM, Dt: 0.01, M2: -1, Lambda: 1, H: 0.1, T: 1, Gamma: 1}
	for i, be := range both {
		f := &quench.Phi4Fields{Phi: alloc(be, quench.Float32), Next: alloc(be, quench.Float32)}
		for k := 0; k < 2; k++ {
			if err := be.Phi4Step(f, lat, p, quench.Counter{Seed: 31, Step: uint64(k)}); err != nil {
				t.Fatalf("phi4 on %s: %v", be.Name(), err)
			}
		}
		var err error
		if fsums[i], err = be.FieldSums(f.Phi, &lat); err != nil {
			t.Fatalf("field sums on %s: %v", be.Name(), err)
		}
		fields[i] = make([]float32, n)
		if err := be.Download(fields[i], f.Phi); err != nil {
			t.Fatal(err)
		}
		be.Free(f.Phi)
		be.Free(f.Next)
		release()
	}
	for x := int64(0); x < n; x++ {
		if fields[0][x] != fields[1][x] {
			t.Fatalf("phi4 float32 em: site %d is %v on the CPU and %v on the GPU", x, fields[0][x], fields[1][x])
		}
	}
	fields = [2][]float32{}
	release()
	if !backendtest.SameFieldSums(fsums[0], fsums[1]) || !(fsums[0].Sum2 > 0) {
		t.Errorf("phi4 field sums: CPU %+v, GPU %+v", fsums[0], fsums[1])
	}
	lap("phi4 float32 em and its field sums, CPU and GPU")

	// kmp: one step from masses that differ site by site
	var masses [2][]int64
	var msums [2]quench.FieldSums
	m0 := make([]int64, n)
	for x := range m0 {
		m0[x] = quench.MassUnit + int64(x&0xffff)
	}
	for i, be := range both {
		buf := alloc(be, quench.Int64)
		if err := be.Upload(buf, m0); err != nil {
			t.Fatal(err)
		}
		if err := be.MassTransfer(buf, lat, &quench.MassTransferParams{Rule: "kmp"}, quench.Counter{Seed: 31}); err != nil {
			t.Fatalf("kmp on %s: %v", be.Name(), err)
		}
		if i == len(both)-1 {
			m0 = nil // uploaded for the last time
			release()
		}
		var err error
		if msums[i], err = be.FieldSums(buf, &lat); err != nil {
			t.Fatalf("mass field sums on %s: %v", be.Name(), err)
		}
		masses[i] = make([]int64, n)
		if err := be.Download(masses[i], buf); err != nil {
			t.Fatal(err)
		}
		be.Free(buf)
		release()
	}
	for x := int64(0); x < n; x++ {
		if masses[0][x] != masses[1][x] {
			t.Fatalf("kmp: site %d is %d on the CPU and %d on the GPU", x, masses[0][x], masses[1][x])
		}
	}
	masses = [2][]int64{}
	release()
	// kmp conserves the mass: the start's, n units and n/2^16 times
	// 0 + 1 + ... + 0xffff (2^-32 each); its 9.2e18 units pass UnitSum's
	// 2^62, so the sum is float64's (blocks of SumBlock exact, their
	// partials added with a rounding each)
	wantSum := float64(n) + float64(n>>16)*(0xffff*0x10000/2)/quench.MassUnit
	if !backendtest.SameFieldSums(msums[0], msums[1]) || math.Abs(msums[0].Sum-wantSum) > 1e-9*wantSum {
		t.Errorf("kmp field sums: CPU %+v, GPU %+v, want a sum of %v", msums[0], msums[1], wantSum)
	}
	lap("kmp and its field sums, CPU and GPU")

	// sandpile: a 40 x 40 patch of height 3 in rows ly-60 .. ly-21, all of
	// whose sites are past 2^31 (row 32768 starts there), and a grain at
	// its centre: every site of the patch topples
	if int64(ly-60)*lx < 1<<31 {
		t.Fatalf("the sandpile patch starts before site 2^31")
	}
	h0 := make([]uint8, n)
	for y := int64(ly - 60); y < ly-20; y++ {
		for x := int64(lx - 60); x < lx-20; x++ {
			h0[y*lx+x] = 3
		}
	}
	site := int64(ly-40)*lx + lx - 40
	var avs [2]quench.Avalanche
	var heights [2][]uint8
	var acts [2][]int64
	var counts, whole [2][8]int64
	box := &quench.Box{Lo: []int{ly - 70, 100}, Hi: []int{ly, lx - 1}} // rows past 2^31 only: the patch and more
	for i, be := range both {
		s := &quench.Sandpile{Heights: alloc(be, quench.Uint8), Activity: alloc(be, quench.Int64), Stamp: alloc(be, quench.Int32)}
		if err := be.Upload(s.Heights, h0); err != nil {
			t.Fatal(err)
		}
		var err error
		if avs[i], err = be.SandpileAdd(s, lat, site, 1); err != nil {
			t.Fatalf("sandpile on %s: %v", be.Name(), err)
		}
		if counts[i], err = be.HeightCounts(s.Heights, lat, box); err != nil { // a box past 2^31 sites
			t.Fatalf("height counts on %s: %v", be.Name(), err)
		}
		if whole[i], err = be.HeightCounts(s.Heights, lat, nil); err != nil { // the grid-stride loop repeating past 2^31
			t.Fatalf("height counts on %s: %v", be.Name(), err)
		}
		heights[i], acts[i] = make([]uint8, n), make([]int64, n)
		if err := be.Download(heights[i], s.Heights); err != nil {
			t.Fatal(err)
		}
		if err := be.Download(acts[i], s.Activity); err != nil {
			t.Fatal(err)
		}
		be.Free(s.Heights)
		be.Free(s.Activity)
		be.Free(s.Stamp)
		release()
	}
	if avs[0] != avs[1] || avs[0].Size < 1600 {
		t.Errorf("sandpile avalanche: CPU %+v, GPU %+v (want equal, at least the patch)", avs[0], avs[1])
	}
	var want [8]int64 // the box's rows, counted directly
	for y := box.Lo[0]; y < box.Hi[0]; y++ {
		for _, v := range heights[0][int64(y)*lx+int64(box.Lo[1]) : int64(y)*lx+int64(box.Hi[1])] {
			want[min(v, 7)]++
		}
	}
	var all [8]int64
	for _, v := range heights[0] {
		all[min(v, 7)]++
	}
	if whole[0] != all || whole[1] != all {
		t.Errorf("height counts of the whole lattice: CPU %v, GPU %v, want %v", whole[0], whole[1], all)
	}
	if counts[0] != want || counts[1] != want || want[3] == 0 {
		t.Errorf("height counts: CPU %v, GPU %v, want %v", counts[0], counts[1], want)
	}
	for x := int64(0); x < n; x++ {
		if heights[0][x] != heights[1][x] || acts[0][x] != acts[1][x] {
			t.Fatalf("sandpile: site %d has height %d, activity %d on the CPU and %d, %d on the GPU",
				x, heights[0][x], acts[0][x], heights[1][x], acts[1][x])
		}
	}
	lap("sandpile avalanche, CPU and GPU")
	t.Logf("%d sites: phi4 f32 em, kmp and a sandpile avalanche of %+v identical on CPU and GPU", n, avs[0])
}

// TestHugeLattice sweeps a 2D lattice of 2^36 spins (L = 262144, 64 GiB)
// from a cold start and checks the last row, whose indices need 37 bits,
// against the per-site rule evaluated on the host.
func TestHugeLattice(t *testing.T) {
	be := open(t)
	const L = 262144
	lat, _ := quench.NewLattice(L, L)
	free, _, err := be.MemInfo()
	if err != nil || free < uint64(lat.Sites())+(4<<30) {
		t.Skipf("needs 68 GiB of free device memory (free %d)", free)
	}
	buf, err := be.Alloc(quench.Int8, lat.Sites())
	if err != nil {
		t.Fatal(err)
	}
	defer be.Free(buf)
	gb := buf.(*Buffer)
	if err := be.do(func() error { return cu.MemsetD8(gb.ptr, 1, lat.Sites()) }); err != nil {
		t.Fatal(err)
	}
	tab, _ := quench.NewIsingTable(2, quench.IsingParams{J: 1, Beta: 1 / 1.5, Algo: quench.Metropolis})
	ctr := quench.Counter{Seed: 36}
	if err := be.IsingSweep(buf, lat, tab, ctr); err != nil {
		t.Fatal(err)
	}
	sums, err := be.IsingSums(buf, lat)
	if err != nil {
		t.Fatal(err)
	}
	m := float64(sums.Mag) / float64(lat.Sites())
	if m < 0.95 || m >= 1 {
		t.Errorf("magnetization %v after one sweep from cold at T=1.5", m)
	}
	// host reference for the last row y = L-1: phase 0 from the cold state
	// in rows L-2, L-1 and 0 (its neighbours), then phase 1 in row L-1
	row := func(y int64) []int8 {
		r := make([]int8, L)
		for x := int64(0); x < L; x++ {
			r[x] = 1
			n := y*L + x
			if lat.Colour(n) == 0 && quench.IsingFlip(tab, tab.Index(1, 4), n, 0, ctr) {
				r[x] = -1
			}
		}
		return r
	}
	down, last, up := row(L-2), row(L-1), row(0)
	want := slices.Clone(last)
	for x := int64(0); x < L; x++ {
		n := (L-1)*L + x
		if lat.Colour(n) != 1 {
			continue
		}
		sum := int(last[(x+L-1)%L]) + int(last[(x+1)%L]) + int(up[x]) + int(down[x])
		if quench.IsingFlip(tab, tab.Index(last[x], sum), n, 1, ctr) {
			want[x] = -want[x]
		}
	}
	got := make([]int8, L)
	off := cu.DevicePtr(uintptr(gb.ptr) + uintptr((L-1)*L))
	if err := be.do(func() error { return cu.MemcpyDtoH(unsafe.Pointer(&got[0]), off, L) }); err != nil {
		t.Fatal(err)
	}
	if i := firstDiff(want, got); i >= 0 {
		t.Errorf("last row differs from the host rule at x=%d: got %d want %d", i, got[i], want[i])
	}
	t.Logf("2^36 spins: one sweep, m = %.6f, last row equals the host rule", m)
}

// TestPhi4CrossCheck runs every phi^4 scheme in both precisions on the CPU
// and the GPU from the same seed and requires identical fields. The GPU's
// row-kernel block target is lowered so that the float32 noise kernels'
// blocks loop over several rows on the 128x96 and 300x8 lattices too.
func TestPhi4CrossCheck(t *testing.T) {
	g := open(t)
	c := cpu.New()
	g.rowBlocks = 2
	for _, scheme := range []string{quench.SchemeEM, quench.SchemeLM, quench.SchemeBAOAB, quench.SchemeModelB} {
		// rows a multiple of 4 take the row kernels: float32 EM the 8-site
		// ones in 1D and 2D where the rows are a multiple of 8 ({64},
		// {128, 96}, {300, 8}), the 4-site ones otherwise ({36}, {20, 36},
		// and in 3D {16, 24, 32}); rows of 7 the one-site-per-thread kernels
		for _, shape := range [][]int{{64}, {36}, {128, 96}, {16, 24, 32}, {300, 8}, {20, 36}, {9, 7}} {
			for _, dt := range []quench.DType{quench.Float64, quench.Float32} {
				lat, _ := quench.NewLattice(shape...)
				p := &quench.Phi4Params{Scheme: scheme, Dt: 0.005, M2: -0.5, Lambda: 1, H: 0.1, T: 1, Gamma: 1, Mass: 1}
				var fields [2]*quench.Phi4Fields
				for i, be := range []quench.Backend{c, g} {
					f := &quench.Phi4Fields{}
					for _, b := range []*quench.Buffer{&f.Phi, &f.Next, &f.Mom, &f.Mu} {
						var err error
						if *b, err = be.Alloc(dt, lat.Sites()); err != nil {
							t.Fatal(err)
						}
					}
					for s := 0; s < 21; s++ {
						if err := be.Phi4Step(f, lat, p, quench.Counter{Seed: 5, Step: uint64(s)}); err != nil {
							t.Fatalf("%s on %s: %v", scheme, be.Name(), err)
						}
					}
					fields[i] = f
				}
				for _, pair := range [][2]quench.Buffer{{fields[0].Phi, fields[1].Phi}, {fields[0].Mom, fields[1].Mom}} {
					if dt == quench.Float64 {
						a, b := make([]float64, lat.Sites()), make([]float64, lat.Sites())
						backendtest.Must(t, c.Download(a, pair[0]))
						backendtest.Must(t, g.Download(b, pair[1]))
						if !sameBits(a, b) {
							t.Errorf("%s %v %v: CPU and GPU fields differ", scheme, shape, dt)
						}
					} else {
						a, b := make([]float32, lat.Sites()), make([]float32, lat.Sites())
						backendtest.Must(t, c.Download(a, pair[0]))
						backendtest.Must(t, g.Download(b, pair[1]))
						if !sameBits(a, b) {
							t.Errorf("%s %v %v: CPU and GPU fields differ", scheme, shape, dt)
						}
					}
				}
			}
		}
	}
}

// TestParticleCrossCheck runs every particle scheme and potential in both
// precisions on the CPU and the GPU and requires identical states.
func TestParticleCrossCheck(t *testing.T) {
	g := open(t)
	c := cpu.New()
	for _, pot := range []string{quench.PotentialHarmonic, quench.PotentialDoubleWell, quench.PotentialKuramoto} {
		for _, scheme := range []string{quench.SchemeEM, quench.SchemeLM, quench.SchemeBAOAB} {
			if pot == quench.PotentialKuramoto && scheme == quench.SchemeBAOAB {
				continue
			}
			for _, dt := range []quench.DType{quench.Float64, quench.Float32} {
				n, dim := int64(100001), 3 // the last Philox group partial (float32 and float64)
				if pot == quench.PotentialKuramoto {
					dim = 1
				}
				p := &quench.ParticleParams{Scheme: scheme, Potential: pot, Dt: 0.01, T: 0.5, Gamma: 1, Mass: 1, K: 1}
				var states [2][]float64
				for i, be := range []quench.Backend{c, g} {
					ps := &quench.Particles{N: n, Dim: dim}
					ps.Pos = backendtest.Alloc(t, be, dt, n*int64(dim))
					ps.Vel = backendtest.Alloc(t, be, dt, n*int64(dim))
					ps.Omega = backendtest.Alloc(t, be, dt, n)
					for s := 0; s < 11; s++ {
						if err := be.ParticleStep(ps, p, quench.Counter{Seed: 9, Step: uint64(s)}); err != nil {
							t.Fatalf("%s %s on %s: %v", pot, scheme, be.Name(), err)
						}
					}
					states[i] = downloadFloats(t, be, ps.Pos)
					states[i] = append(states[i], downloadFloats(t, be, ps.Vel)...)
				}
				if !sameBits(states[0], states[1]) {
					t.Errorf("%s %s %v: CPU and GPU particles differ", pot, scheme, dt)
				}
			}
		}
	}
	// kuramoto phases in 3 groups of 64 blocks and a part: the sums a step
	// takes on the device (phase_total adds the groups) against the CPU's
	n := int64(3*quench.SumGroup*quench.SumBlock + 7)
	p := &quench.ParticleParams{Scheme: quench.SchemeEM, Potential: quench.PotentialKuramoto, Dt: 0.01, T: 0.5, Gamma: 1, Mass: 1, K: 3}
	// random phases in [0, 1) and frequencies in [-1, 1)
	start := make([]float64, 2*n)
	key := philox.KeyFromSeed(77)
	for i := range n {
		r := philox.Philox4x32_10(philox.Counter{uint32(i)}, key)
		start[i], start[n+i] = philox.Float64(r[0], r[1]), 2*philox.Float64(r[2], r[3])-1
	}
	var states [2][]float64
	for i, be := range []quench.Backend{c, g} {
		ps := &quench.Particles{N: n, Dim: 1}
		ps.Pos = backendtest.Alloc(t, be, quench.Float64, n)
		ps.Omega = backendtest.Alloc(t, be, quench.Float64, n)
		backendtest.Must(t, be.Upload(ps.Pos, start[:n]))
		backendtest.Must(t, be.Upload(ps.Omega, start[n:]))
		for s := 0; s < 3; s++ {
			if err := be.ParticleStep(ps, p, quench.Counter{Seed: 10, Step: uint64(s)}); err != nil {
				t.Fatalf("kuramoto on %s: %v", be.Name(), err)
			}
		}
		states[i] = downloadFloats(t, be, ps.Pos)
	}
	if !sameBits(states[0], states[1]) {
		t.Errorf("kuramoto of %d phases: CPU and GPU phases differ", n)
	}
}

func downloadFloats(t *testing.T, be quench.Backend, b quench.Buffer) []float64 {
	out := make([]float64, b.Len())
	if b.DType() == quench.Float64 {
		if err := be.Download(out, b); err != nil {
			t.Fatal(err)
		}
		return out
	}
	v := make([]float32, b.Len())
	if err := be.Download(v, b); err != nil {
		t.Fatal(err)
	}
	for i := range v {
		out[i] = float64(v[i])
	}
	return out
}

// TestLatticeUpdatesCrossCheck: mass transfer (every rule) and diffusion
// (both precisions) on the CPU and the GPU give identical states; the
// sandpile is covered by the conformance suite.
func TestLatticeUpdatesCrossCheck(t *testing.T) {
	g := open(t)
	c := cpu.New()
	for _, rule := range []string{"kmp", "aggregation", "transfer"} {
		// rows a multiple of 4 (mass_class_rows; {6, 12}: a partly used last
		// block of rows across, {2, 4}: the wrap inside a thread's group)
		// and not ({90, 6}: mass_class)
		for _, shape := range [][]int{{4096}, {256, 384}, {6, 12}, {2, 4}, {90, 6}} {
			lat, _ := quench.NewLattice(shape...)
			p := &quench.MassTransferParams{Rule: rule, Injection: 1 << 28, Fraction: 0.2}
			var ms [2][]int64
			for i, be := range []quench.Backend{c, g} {
				buf := backendtest.Alloc(t, be, quench.Int64, lat.Sites())
				m := make([]int64, lat.Sites())
				for j := range m {
					m[j] = quench.MassUnit + int64(j)
				}
				backendtest.Must(t, be.Upload(buf, m))
				for s := 0; s < 17; s++ {
					if err := be.MassTransfer(buf, lat, p, quench.Counter{Seed: 3, Step: uint64(s)}); err != nil {
						t.Fatal(err)
					}
				}
				backendtest.Must(t, be.Download(m, buf))
				ms[i] = m
			}
			if !slices.Equal(ms[0], ms[1]) {
				t.Errorf("%s %v: CPU and GPU masses differ", rule, shape)
			}
		}
	}
	for _, dt := range []quench.DType{quench.Float64, quench.Float32} {
		lat, _ := quench.NewLattice(64, 48, 32)
		var us [2][]float64
		for i, be := range []quench.Backend{c, g} {
			a := backendtest.Alloc(t, be, dt, lat.Sites())
			b := backendtest.Alloc(t, be, dt, lat.Sites())
			u := make([]float64, lat.Sites())
			for j := range u {
				u[j] = float64(j%97) / 97
			}
			if dt == quench.Float64 {
				backendtest.Must(t, be.Upload(a, u))
			} else {
				v := make([]float32, len(u))
				for j := range u {
					v[j] = float32(u[j])
				}
				backendtest.Must(t, be.Upload(a, v))
			}
			for s := 0; s < 9; s++ {
				backendtest.Must(t, be.Diffuse(b, a, lat, 0.15))
				a, b = b, a
			}
			us[i] = downloadFloats(t, be, a)
		}
		if !sameBits(us[0], us[1]) {
			t.Errorf("diffusion %v: CPU and GPU fields differ", dt)
		}
	}
}

// TestBlockWrites: a run's steps write their parameter block once, not
// once a step (a write waits for the kernels before it, so the steps
// would not be queued ahead of the device), and a block that changed
// (other coefficients, another lattice, the diffusion kernels' use of the
// phi4 block) is written again; TestPhi4CrossCheck and the other cross
// checks show the kernels read the steps right.
func TestBlockWrites(t *testing.T) {
	g := open(t)
	lat, _ := quench.NewLattice(64, 32)
	steps := func(what string, want int64, step func(s int) error) {
		t.Helper()
		before := g.blockWrites
		for s := range 10 {
			if err := step(s); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		if got := g.blockWrites - before; got != want {
			t.Errorf("%s: 10 steps wrote %d parameter blocks, want %d", what, got, want)
		}
	}
	f := &quench.Phi4Fields{}
	for _, b := range []*quench.Buffer{&f.Phi, &f.Next, &f.Mom, &f.Mu} {
		*b = backendtest.Alloc(t, g, quench.Float32, lat.Sites())
	}
	for _, scheme := range []string{quench.SchemeEM, quench.SchemeLM, quench.SchemeBAOAB, quench.SchemeModelB} {
		p := &quench.Phi4Params{Scheme: scheme, Dt: 0.005, M2: -0.5, Lambda: 1, T: 1, Gamma: 1, Mass: 1}
		steps("phi4 "+scheme, 1, func(s int) error {
			return g.Phi4Step(f, lat, p, quench.Counter{Seed: 5, Step: uint64(s)})
		})
	}
	steps("diffusion", 1, func(int) error { return g.Diffuse(f.Next, f.Phi, lat, 0.1) })
	p := &quench.Phi4Params{Scheme: quench.SchemeEM, Dt: 0.005, M2: -0.5, Lambda: 1, T: 1, Gamma: 1, Mass: 1}
	steps("phi4 em after diffusion", 1, func(s int) error {
		return g.Phi4Step(f, lat, p, quench.Counter{Seed: 5, Step: uint64(s)})
	})
	ps := &quench.Particles{N: 1000, Dim: 2}
	ps.Pos = backendtest.Alloc(t, g, quench.Float64, 2000)
	ps.Vel = backendtest.Alloc(t, g, quench.Float64, 2000)
	pp := &quench.ParticleParams{Scheme: quench.SchemeBAOAB, Potential: quench.PotentialDoubleWell, Dt: 0.01, T: 0.5, Gamma: 1, Mass: 1, K: 1}
	steps("particles", 1, func(s int) error { return g.ParticleStep(ps, pp, quench.Counter{Seed: 9, Step: uint64(s)}) })
	// kuramoto: the phase sums stay on the device
	ks := &quench.Particles{N: 2000, Dim: 1}
	ks.Pos, ks.Omega = ps.Pos, ps.Vel
	kp := &quench.ParticleParams{Scheme: quench.SchemeEM, Potential: quench.PotentialKuramoto, Dt: 0.01, T: 0.5, Gamma: 1, Mass: 1, K: 1}
	steps("kuramoto", 1, func(s int) error { return g.ParticleStep(ks, kp, quench.Counter{Seed: 9, Step: uint64(s)}) })
	m := backendtest.Alloc(t, g, quench.Int64, lat.Sites())
	mp := &quench.MassTransferParams{Rule: "kmp"}
	steps("kmp 2D (4 bond classes)", 4, func(s int) error { return g.MassTransfer(m, lat, mp, quench.Counter{Seed: 3, Step: uint64(s)}) })
	lat1, _ := quench.NewLattice(2048)
	steps("kmp 1D (2 bond classes, in slots 2D's wrote)", 2, func(s int) error {
		return g.MassTransfer(m, lat1, mp, quench.Counter{Seed: 3, Step: uint64(s)})
	})
	// Ising: the threshold table, and the shape where the rows are not a
	// multiple of 32 long (ising_phase_site)
	tab, err := quench.NewIsingTable(2, quench.IsingParams{J: 1, H: 0.1, Beta: 0.4, Algo: quench.Metropolis})
	if err != nil {
		t.Fatal(err)
	}
	spins := backendtest.Alloc(t, g, quench.Int8, lat.Sites())
	steps("ising 64x32", 1, func(s int) error { return g.IsingSweep(spins, lat, tab, quench.Counter{Seed: 1, Step: uint64(s)}) })
	lat30, _ := quench.NewLattice(32, 64, 30)
	spins30 := backendtest.Alloc(t, g, quench.Int8, lat30.Sites())
	tab3, err := quench.NewIsingTable(3, quench.IsingParams{J: 1, Beta: 0.2, Algo: quench.HeatBath})
	if err != nil {
		t.Fatal(err)
	}
	steps("ising 32x64x30 (table and shape)", 2, func(s int) error {
		return g.IsingSweep(spins30, lat30, tab3, quench.Counter{Seed: 1, Step: uint64(s)})
	})
}

// sameBits reports whether two float slices hold the same bits element by
// element (slices.Equal calls +0 and -0 equal, and NaN unequal to itself).
func sameBits[T float32 | float64](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	switch x := any(a).(type) {
	case []float32:
		y := any(b).([]float32)
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
				return false
			}
		}
	case []float64:
		y := any(b).([]float64)
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
				return false
			}
		}
	}
	return true
}
