package cpu

import (
	"runtime"
	"strings"
	"testing"
)

// The host copy bandwidth (PeakBandwidth, quench bench's "of peak" for
// the CPU): the copy splits its buffer over the threads asked for, to the
// last byte (an odd size, more threads than pages), and its rate is that
// of a memory system (between 100 MB/s and 10 TB/s); the buffers are
// 16 MiB at least, whole pages.
func TestPeakBandwidth(t *testing.T) {
	for _, c := range []struct{ n, threads int }{{1 << 20, 1}, {1<<20 + 12345, 3}, {8192, 64}, {100, 2}} {
		if bw := measureCopy(c.n, c.threads); !(bw > 1e7 && bw < 1e13) && c.n >= 1<<20 {
			t.Errorf("%d bytes on %d threads: %.3g bytes/s", c.n, c.threads, bw)
		}
		src, dst := make([]byte, c.n), make([]byte, c.n)
		for i := range src {
			src[i] = byte(i*7 + 1)
		}
		copySplit(dst, src, c.threads)
		if string(dst) != string(src) {
			t.Errorf("%d bytes on %d threads: not copied whole", c.n, c.threads)
		}
	}
	if n, l3 := copyBytes(), l3Bytes(); n != 0 && (n < max(64<<20, 4*l3) || n%4096 != 0) {
		t.Errorf("copy buffers of %d bytes (L3 %d)", n, l3)
	}
	be := New()
	a, b := be.PeakBandwidth(), be.PeakBandwidth()
	if bw, threads := HostBandwidth(); bw != a || threads != runtime.GOMAXPROCS(0) || a != b || copyBytes() != 0 && !(a > 1e8) {
		t.Errorf("PeakBandwidth %.3g, then %.3g, HostBandwidth %.3g on %d threads: want one measurement a process and thread count", a, b, bw, threads)
	}
}

// Where an eighth of the memory available is under 4 times the L3 (or 64
// MiB), the bandwidth is not measured (0), and BandwidthUnmeasured says
// why, with the figures; a measured one has no reason.
func TestBandwidthUnmeasured(t *testing.T) {
	saved := hostMemory
	hostBW.mu.Lock()
	by, why := hostBW.by, hostBW.why
	hostBW.by, hostBW.why = nil, nil
	hostBW.mu.Unlock()
	defer func() {
		hostMemory = saved
		hostBW.mu.Lock()
		hostBW.by, hostBW.why = by, why
		hostBW.mu.Unlock()
	}()
	hostMemory = func() (uint64, uint64, error) { return 400 << 20, 1 << 30, nil }
	if BandwidthUnmeasured() != "" {
		t.Errorf("a reason before any measurement: %q", BandwidthUnmeasured())
	}
	bw, _ := HostBandwidth()
	got := BandwidthUnmeasured()
	if bw != 0 || !strings.HasPrefix(got, "not measured: an eighth of the memory available (0.0524 GB of 0.419 GB) is under ") || !strings.HasSuffix(got, ", so the caches would serve the copy") {
		t.Errorf("400 MiB available: %v B/s, %q", bw, got)
	}
}
