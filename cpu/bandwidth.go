package cpu

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/quenchlab/quench"
)

// PeakBandwidth is the host memory's bandwidth in bytes/s as this process
// measures it on GOMAXPROCS threads, the CPU backend's memory limit
// (`quench bench`'s "of peak"): the best of five copies of a buffer well
// larger than the caches (copyBytes), split over the threads, counted as
// STREAM counts a copy, two bytes moved (one read, one written) per byte
// copied. Measured once per process and thread count, at the first call
// (a quarter to half a second); 0 where memory is too short for buffers
// that the caches cannot hold.
func (*Backend) PeakBandwidth() float64 {
	bw, _ := HostBandwidth()
	return bw
}

// HostBandwidth is PeakBandwidth and the threads it was measured on
// (GOMAXPROCS at the call).
func HostBandwidth() (float64, int) {
	threads := runtime.GOMAXPROCS(0)
	hostBW.mu.Lock()
	defer hostBW.mu.Unlock()
	if bw, ok := hostBW.by[threads]; ok {
		return bw, threads
	}
	if hostBW.by == nil {
		hostBW.by = map[int]float64{}
	}
	bw := 0.0
	if n := copyBytes(); n > 0 {
		bw = measureCopy(n, threads)
	} else {
		if hostBW.why == nil {
			hostBW.why = map[int]string{}
		}
		hostBW.why[threads] = unmeasured()
	}
	hostBW.by[threads] = bw
	return bw, threads
}

// hostMemory is quench.HostMemory (a test's stand-in for a short one).
var hostMemory = quench.HostMemory

var hostBW struct {
	mu  sync.Mutex
	by  map[int]float64 // by thread count
	why map[int]string  // where by is 0 for want of memory: unmeasured's
}

// copyBytes is the size of each of the copy's two buffers: 256 MiB, or 4
// times the L3 caches' sum where that is more (a 256 MiB buffer fits in a
// large EPYC's caches), within an eighth of the memory available (the two
// a quarter: a VM's 300 MiB L3 asks for 1.2 GiB each); 0 where that is
// under 4 times the L3 (or 64 MiB, the L3 unknown): the caches would
// serve the copy.
func copyBytes() int {
	n, least, _ := copySizes()
	if n < least {
		return 0
	}
	return n
}

// copySizes are copyBytes' size before its check, the least it takes, and
// the memory available (0 where unknown).
func copySizes() (n, least int, avail uint64) {
	want := max(256<<20, 4*l3Bytes())
	least = max(64<<20, 4*l3Bytes())
	avail, _, err := hostMemory()
	if err != nil {
		return least, least, 0
	}
	return min(want, int(min(avail/8, 1<<40))) &^ 4095, least, avail
}

// BandwidthUnmeasured says why HostBandwidth, as measured (at its first
// call) on GOMAXPROCS threads, is 0: the memory available was too short
// for buffers the caches cannot hold; "" where it is not 0, or not
// measured yet.
func BandwidthUnmeasured() string {
	hostBW.mu.Lock()
	defer hostBW.mu.Unlock()
	return hostBW.why[runtime.GOMAXPROCS(0)]
}

// unmeasured says why copyBytes is 0.
func unmeasured() string {
	_, least, avail := copySizes()
	need := fmt.Sprintf("4 times the L3 caches (%.0f MB)", float64(least)/1e6)
	if l3Bytes() == 0 {
		need = fmt.Sprintf("the %.0f MB a copy takes (the L3's size unknown)", float64(least)/1e6)
	}
	return fmt.Sprintf("not measured: an eighth of the memory available (%.3g GB of %.3g GB) is under %s, so the caches would serve the copy", float64(avail)/8e9, float64(avail)/1e9, need)
}

// l3Bytes is the sum of the host's distinct L3 caches (Linux's sysfs: the
// size of each cache id once), 0 where it cannot be read.
func l3Bytes() int {
	dirs, _ := filepath.Glob("/sys/devices/system/cpu/cpu[0-9]*/cache/index3")
	seen, sum := map[string]bool{}, 0
	for _, d := range dirs {
		id, err1 := os.ReadFile(filepath.Join(d, "id"))
		size, err2 := os.ReadFile(filepath.Join(d, "size"))
		if err1 != nil || err2 != nil || seen[string(id)] {
			continue
		}
		seen[string(id)] = true
		s := strings.TrimSpace(string(size))
		mult := 1
		switch {
		case strings.HasSuffix(s, "K"):
			s, mult = strings.TrimSuffix(s, "K"), 1<<10
		case strings.HasSuffix(s, "M"):
			s, mult = strings.TrimSuffix(s, "M"), 1<<20
		}
		if v, err := strconv.Atoi(s); err == nil && v > 0 {
			sum += v * mult
		}
	}
	return sum
}

// measureCopy times the copy of n bytes split over threads goroutines,
// best of five after a first touch, in bytes moved per second.
func measureCopy(n, threads int) float64 {
	src, dst := make([]byte, n), make([]byte, n)
	for i := 0; i < n; i += 4096 {
		src[i] = byte(i >> 12) // every page touched: no copy from the zero page
	}
	copy(dst, src)
	best := time.Duration(1<<63 - 1)
	for range 5 {
		t0 := time.Now()
		copySplit(dst, src, threads)
		best = min(best, time.Since(t0))
	}
	if best <= 0 {
		return 0
	}
	return 2 * float64(n) / best.Seconds()
}

// copySplit copies src to dst (of one length) in threads goroutines, each
// a run of whole pages but the last, which takes the rest.
func copySplit(dst, src []byte, threads int) {
	n := len(src)
	threads = max(1, min(threads, n/4096))
	chunk := n / threads &^ 4095
	var wg sync.WaitGroup
	for t := range threads {
		lo, hi := t*chunk, (t+1)*chunk
		if t == threads-1 {
			hi = n
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			copy(dst[lo:hi], src[lo:hi])
		}()
	}
	wg.Wait()
}
