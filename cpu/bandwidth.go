package cpu

import (
	"runtime"
	"sync"
	"time"

	"github.com/quenchlab/quench"
)

// PeakBandwidth is the host memory's bandwidth in bytes/s as this process
// measures it, the CPU backend's memory limit (`quench bench`'s "of peak"):
// the best of five copies of a buffer larger than the caches (copyBytes),
// split over GOMAXPROCS goroutines, counted as STREAM counts a copy, two
// bytes moved (one read, one written) per byte copied. Measured once per
// process, at the first call (a quarter to half a second); 0 where the
// buffers could not be had.
func (*Backend) PeakBandwidth() float64 {
	hostBW.once.Do(func() { hostBW.v = measureCopy(copyBytes(), runtime.GOMAXPROCS(0)) })
	return hostBW.v
}

var hostBW struct {
	once sync.Once
	v    float64
}

// copyBytes is the size of each of the copy's two buffers: 256 MiB, eight
// times a 32 MiB L3 cache, where the host has 4 GiB available; otherwise a
// sixteenth of what it has, at least 16 MiB.
func copyBytes() int {
	const want = 256 << 20
	avail, _, err := quench.HostMemory()
	switch {
	case err != nil:
		return 64 << 20
	case avail >= 16*want:
		return want
	}
	return max(16<<20, int(avail/16)&^4095)
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
