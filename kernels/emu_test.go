package kernels

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
	"github.com/quenchlab/quench/internal/philox"
)

// buildEmu compiles emu/emu.cpp, which runs the CUDA kernels on the CPU;
// the test is skipped where no C++20 compiler is installed, and fails
// there with QUENCH_REQUIRE_EMU=1 (.ci/run sets it where it finds g++).
func buildEmu(t *testing.T) string {
	t.Helper()
	cxx, err := exec.LookPath("g++")
	if err != nil {
		if os.Getenv("QUENCH_REQUIRE_EMU") == "1" {
			t.Fatal("g++ not found, and QUENCH_REQUIRE_EMU=1: the CUDA kernels cannot be emulated on this machine")
		}
		t.Skip("g++ not found: the CUDA kernels are not emulated on this machine")
	}
	emuOnce.Do(func() {
		// read every source g++ compiles, so that go test's cache (which
		// sees the files a test opens, not those g++ opens) reruns the
		// emulation tests when a kernel changes
		srcs, _ := filepath.Glob("*.cu")
		hdrs, _ := filepath.Glob("*.cuh")
		for _, f := range append(append(srcs, hdrs...), "emu/emu.cpp", "emu/runtime.h") {
			if _, err := os.ReadFile(f); err != nil {
				emuErr = err
				return
			}
		}
		dir, err := os.MkdirTemp("", "quench-emu")
		if err != nil {
			emuErr = err
			return
		}
		emuDir = dir
		emuBin = filepath.Join(dir, "emu")
		// -ffp-contract=off: no fused multiply-add, as -fmad=false on the
		// GPU; -ftrivial-auto-var-init=pattern: a kernel's local variables
		// start as junk, as a GPU's registers do, not as what the stack held
		// -fno-strict-aliasing: the kernels read arrays of float,
		// double and int64_t through float4, double2 and longlong2, as
		// CUDA lets them
		args := []string{"-std=c++20", "-O1", "-pthread", "-ffp-contract=off", "-fno-strict-aliasing", "-ftrivial-auto-var-init=pattern", "-Wno-unknown-pragmas"}
		// the emulator reads QUENCH_EMU_BLOCKS (forward: blocks in index
		// order) and QUENCH_EMU_WORKERS (blocks at once); read here too,
		// so that go test's cache keys on them
		_, _ = os.Getenv("QUENCH_EMU_BLOCKS"), os.Getenv("QUENCH_EMU_WORKERS")
		if san := os.Getenv("QUENCH_EMU_SANITIZE"); san != "" {
			// e.g. thread: a data race between a block's threads (a
			// missing __syncthreads) stops the emulator with a report
			args = append(args, "-g", "-fsanitize="+san)
		}
		out, err := exec.Command(cxx, append(args, "-o", emuBin, "emu/emu.cpp")...).CombinedOutput()
		if err != nil {
			emuErr = fmt.Errorf("building the kernel emulator: %v\n%s", err, out)
		}
	})
	if emuErr != nil {
		t.Fatal(emuErr)
	}
	return emuBin
}

// The emulator is built once per test binary and removed by TestMain.
var (
	emuOnce        sync.Once
	emuDir, emuBin string
	emuErr         error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if emuDir != "" {
		os.RemoveAll(emuDir)
	}
	os.Exit(code)
}

func runEmu(t *testing.T, bin, mode string, in []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	ip, op := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	os.WriteFile(ip, in, 0o644)
	// a broken kernel can loop forever (an avalanche that never ends): the
	// emulator gets two minutes, far more than any case here needs
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, bin, mode, ip, op).CombinedOutput(); err != nil {
		if ctx.Err() != nil {
			t.Fatalf("emu %s: still running after 2 minutes (a kernel that never finishes?)", mode)
		}
		t.Fatalf("emu %s: %v\n%s", mode, err, out)
	}
	data, err := os.ReadFile(op)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestKernelsEmulated runs the sweep, sum and plane-sum kernels, emulated,
// and requires the lattice, the sums and the plane sums the Go reference
// gives.
func TestKernelsEmulated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a C++ emulation")
	}
	bin := buildEmu(t)
	cases := []struct {
		shape []int
		p     quench.IsingParams
		steps int
		seg   bool
	}{
		{[]int{8, 64}, quench.IsingParams{J: 1, H: 0.1, Beta: 0.44, Algo: quench.Metropolis}, 3, true},
		{[]int{6, 96}, quench.IsingParams{J: -1, Beta: 0.6, Algo: quench.HeatBath}, 2, true},
		{[]int{4, 6, 32}, quench.IsingParams{J: 1, Beta: 0.22, Algo: quench.Metropolis}, 3, true},
		{[]int{2, 4, 64}, quench.IsingParams{J: 1, H: -0.2, Beta: 0.3, Algo: quench.HeatBath}, 2, true},
		{[]int{34, 50}, quench.IsingParams{J: 1, H: 0.3, Beta: 0.5, Algo: quench.HeatBath}, 3, false},
		{[]int{8, 64}, quench.IsingParams{J: 1, Beta: 0.44, Algo: quench.Metropolis}, 2, false},
		{[]int{6, 4, 10}, quench.IsingParams{J: 1, Beta: 0.25, Algo: quench.Metropolis}, 2, false},
		{[]int{12}, quench.IsingParams{J: 1, Beta: 0.5, Algo: quench.Metropolis}, 3, false},
		{[]int{4, 4, 2, 6}, quench.IsingParams{J: 1, Beta: 0.15, Algo: quench.HeatBath}, 2, false},
		{[]int{4, 4, 2, 6}, quench.IsingParams{J: 0.1, H: -0.5, Beta: 1, Algo: quench.Metropolis}, 3, false},
		// rows of 3 chunks of the sums kernel (256, 256, 8 sites), an
		// antiferromagnet, so the staggered sum is far from 0
		{[]int{2, 4, 520}, quench.IsingParams{J: -1, Beta: 0.6, Algo: quench.HeatBath}, 3, false},
		// 520 rows: three slabs of the plane sums' columns
		{[]int{520, 6}, quench.IsingParams{J: 1, Beta: 0.4, Algo: quench.Metropolis}, 1, false},
	}
	for i, c := range cases {
		lat, _ := quench.NewLattice(c.shape...)
		tab, err := quench.NewIsingTable(lat.Dim(), c.p)
		if err != nil {
			t.Fatal(err)
		}
		n := lat.Sites()
		want := make([]int8, n)
		quench.InitSpins(want, "hot", uint64(i), 0)
		seed, replica, step0 := uint64(1000+i), uint32(i), uint64(5)
		if i%2 == 1 {
			// every bit quench_counter packs: a replica past 255 and a
			// step past 2^40 (a mask of 0xFF for 0xFFFF passed before)
			replica, step0 = uint32(i)|0xA500, 0xBEEF_0000_0005
		}
		in := make([]byte, 80)
		hdr := []int64{int64(lat.Dim()), 0, 0, 0, 0, int64(seed), int64(step0), int64(c.steps), int64(replica), 0}
		for a, s := range c.shape {
			hdr[1+a] = int64(s)
		}
		if c.seg {
			hdr[9] = 1
		}
		for k, v := range hdr {
			binary.LittleEndian.PutUint64(in[8*k:], uint64(v))
		}
		for _, v := range want {
			in = append(in, byte(v))
		}
		for _, v := range IsingTable(tab) {
			in = binary.LittleEndian.AppendUint32(in, uint32(v))
		}
		out := runEmu(t, bin, "sweep", in)
		for st := step0; st < step0+uint64(c.steps); st++ {
			backendtest.RefIsingSweep(want, lat, tab, quench.Counter{Seed: seed, Replica: replica, Step: st})
		}
		for k := range want {
			if int8(out[k]) != want[k] {
				t.Errorf("unexpected spin for test %d (shape %v, seg %v): site %d got %d want %d", i, c.shape, c.seg, k, int8(out[k]), want[k])
				break
			}
		}
		sums := quench.IsingSums{Mag: int64(binary.LittleEndian.Uint64(out[n:])), Bond: int64(binary.LittleEndian.Uint64(out[n+8:])),
			Stag: int64(binary.LittleEndian.Uint64(out[n+16:]))}
		if ref := backendtest.RefIsingSums(want, lat); sums != ref {
			t.Errorf("unexpected sums for test %d: got %+v want %+v", i, sums, ref)
		}
		ref := append(backendtest.RefIsingPlanes(want, lat, false), backendtest.RefIsingPlanes(want, lat, true)...)
		if len(out) != int(n)+24+8*len(ref) {
			t.Fatalf("emu sweep wrote %d bytes, want %d", len(out), int(n)+24+8*len(ref))
		}
		for k, v := range ref {
			if got := int64(binary.LittleEndian.Uint64(out[int(n)+24+8*k:])); got != v {
				t.Errorf("unexpected plane sum %d (of the plain, then the staggered) for test %d (shape %v): got %d want %d", k, i, c.shape, got, v)
				break
			}
		}
	}
}

// TestSharedJunkEmulated checks the emulator's shared memory: a block
// finds it holding junk (0xFF or 0x7F bytes, by the block's parity), as a
// GPU block may, not the zeros of fresh storage or the marks an earlier
// block on the same worker wrote (64 blocks: workers run several, for any
// QUENCH_EMU_WORKERS up to 32), so that a kernel reading shared memory its
// block did not write fails its emulation test; and the fill comes once a
// block, not at each thread's arrival, which would wipe what the threads
// before it wrote.
func TestSharedJunkEmulated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a C++ emulation")
	}
	out := runEmu(t, buildEmu(t), "sharedjunk", []byte{0})
	if len(out) != 1024*8 {
		t.Fatalf("emu sharedjunk wrote %d bytes, want %d", len(out), 1024*8)
	}
	count := map[uint64]int{}
	for i := range 512 { // 2 launches of 64 blocks of 4 threads
		v := binary.LittleEndian.Uint64(out[16*i:])
		b := i % 256 / 4
		if v != 0xFFFFFFFFFFFFFFFF && v != 0x7F7F7F7F7F7F7F7F {
			t.Errorf("launch %d, block %d, thread %d found %#x in its shared slot: want junk, 0xFF or 0x7F bytes", i/256, b, i%4, v)
		}
		count[v]++
		// after the barrier, its neighbour's mark: the fill came once a
		// block, before any of its threads wrote
		if w := binary.LittleEndian.Uint64(out[16*i+8:]); w != 0x5555+uint64(b) {
			t.Errorf("launch %d, block %d, thread %d read %#x from its neighbour's slot after the barrier, want %#x", i/256, b, i%4, w, 0x5555+b)
		}
	}
	if count[0xFFFFFFFFFFFFFFFF] == 0 || count[0x7F7F7F7F7F7F7F7F] == 0 {
		t.Errorf("one junk byte only: %v; the blocks should alternate 0xFF and 0x7F", count)
	}
}

// TestGridBarrierEmulated checks sandpile.cu's grid barrier in a
// cooperative launch of 6 blocks: after each of 40 barriers every thread
// sees what every thread of the grid added before it; and with one block
// gone, the others trap after the barrier's time limit (2 s here)
// instead of waiting for good.
func TestGridBarrierEmulated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a C++ emulation")
	}
	bin := buildEmu(t)
	out := runEmu(t, bin, "gridbarrier", binary.LittleEndian.AppendUint64(nil, math.MaxUint64))
	if len(out) != 40*8 {
		t.Fatalf("emu gridbarrier wrote %d bytes, want %d", len(out), 40*8)
	}
	for r := range 40 {
		if v := binary.LittleEndian.Uint64(out[8*r:]); v != 0 {
			t.Errorf("barrier %d: %d threads read a count short of the grid's after it", r, v)
		}
	}
	dir := t.TempDir()
	ip := filepath.Join(dir, "in")
	os.WriteFile(ip, binary.LittleEndian.AppendUint64(nil, 2), 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t0 := time.Now()
	msg, err := exec.CommandContext(ctx, bin, "gridbarrier", ip, filepath.Join(dir, "out")).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatal("a grid barrier a block never reaches: still waiting after a minute, want a trap after 2 s")
	case !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGABRT:
		t.Fatalf("a grid barrier a block never reaches: %v, want the trap's abort\n%s", err, msg)
	}
	t.Logf("a grid barrier a block never reaches: trapped after %v", time.Since(t0).Round(time.Millisecond))
}

func TestPhiloxEmulated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a C++ emulation")
	}
	bin := buildEmu(t)
	const n = 200
	in := binary.LittleEndian.AppendUint64(nil, n)
	var keys []philox.Key
	var ctrs []philox.Counter
	for i := 0; i < n; i++ {
		c := philox.MakeCounter(uint32(i%5), uint32(i), uint64(i)*0x1_2345_6789, uint32(i%16), uint64(i)<<40|uint64(i), uint32(i%256))
		ctrs = append(ctrs, c)
		keys = append(keys, philox.KeyFromSeed(uint64(i)*0x9E3779B97F4A7C15))
	}
	ctrs[0], keys[0] = philox.Counter{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, philox.Key{0xa4093822, 0x299f31d0}
	for _, c := range ctrs {
		for _, w := range c {
			in = binary.LittleEndian.AppendUint32(in, w)
		}
	}
	for _, k := range keys {
		in = binary.LittleEndian.AppendUint32(in, k[0])
		in = binary.LittleEndian.AppendUint32(in, k[1])
	}
	out := runEmu(t, bin, "kat", in)
	for i := 0; i < n; i++ {
		want := philox.Philox4x32_10(ctrs[i], keys[i])
		for w := 0; w < 4; w++ {
			if got := binary.LittleEndian.Uint32(out[16*i+4*w:]); got != want[w] {
				t.Fatalf("unexpected emulated Philox output %d word %d: got %08x want %08x", i, w, got, want[w])
			}
		}
	}
	if binary.LittleEndian.Uint32(out[0:]) != 0xd16cfe09 {
		t.Errorf("Random123 known answer not reproduced by philox.cuh")
	}
}

// TestDriverStandInBuilds compiles emu/libcuda.cpp, the stand-in CUDA
// driver of scripts/emu-gpu.sh, with the table of every kernel the gpu
// backend loads (All) and its constant symbol: each must exist in the
// CUDA sources, and every parameter of every kernel must be 8 bytes, as
// gorgonia.org/cu copies 8 bytes per parameter (a static_assert). The
// driver itself runs in scripts/emu-gpu.sh, which needs the CUDA headers
// for the cuda build.
func TestDriverStandInBuilds(t *testing.T) {
	buildEmu(t) // skips, or fails, as the emulation tests do without g++
	cxx, err := exec.LookPath("g++")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var inc []byte
	for _, k := range All {
		inc = fmt.Appendf(inc, "ENTRY(%s)\n", k)
	}
	inc = fmt.Appendf(inc, "SYMBOL(%s)\n", Phi4Symbol)
	if err := os.WriteFile(filepath.Join(dir, "names.inc"), inc, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := os.ReadFile("emu/libcuda.cpp"); err != nil { // for go test's cache
		t.Fatal(err)
	}
	out, err := exec.Command(cxx, "-std=c++20", "-O0", "-pthread", "-ffp-contract=off", "-fno-strict-aliasing", "-Wno-unknown-pragmas",
		"-fPIC", "-c", "-I", dir, "-o", filepath.Join(dir, "libcuda.o"), "emu/libcuda.cpp").CombinedOutput()
	if err != nil {
		t.Fatalf("building emu/libcuda.cpp: %v\n%s", err, out)
	}
}
