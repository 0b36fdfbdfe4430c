package cpu

import "testing"

// The host copy bandwidth (PeakBandwidth, quench bench's "of peak" for
// the CPU): the copy splits its buffer over the threads asked for, to the
// last byte (an odd size, more threads than pages), and its rate is that
// of a memory system (between 100 MB/s and 10 TB/s); the buffers are
// 16 MiB at least, whole pages.
func TestPeakBandwidth(t *testing.T) {
	for _, c := range []struct{ n, threads int }{{1 << 20, 1}, {1<<20 + 12345, 3}, {8192, 64}, {100, 2}} {
		if bw := measureCopy(c.n, c.threads); !(bw > 1e8 && bw < 1e13) && c.n >= 8192 {
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
	if n := copyBytes(); n < 16<<20 || n > 256<<20 || n%4096 != 0 {
		t.Errorf("copy buffers of %d bytes", n)
	}
	be := New()
	if a, b := be.PeakBandwidth(), be.PeakBandwidth(); !(a > 1e8) || a != b {
		t.Errorf("PeakBandwidth %.3g, then %.3g: want one measurement a process", a, b)
	}
}
