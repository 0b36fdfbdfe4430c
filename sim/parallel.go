package sim

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// rangeChunk is the length of the chunks parallelRange hands out.
const rangeChunk = 1 << 16

// parallelRange calls f(lo, hi) for consecutive chunks of [0, n) of
// rangeChunk elements (an even number) on up to GOMAXPROCS goroutines: for
// host loops over a whole state (initial values, precision conversions)
// whose elements are independent, so the result does not depend on the
// goroutines.
func parallelRange(n int, f func(lo, hi int)) {
	parts := (n + rangeChunk - 1) / rangeChunk
	workers := min(runtime.GOMAXPROCS(0), parts)
	if workers <= 1 {
		f(0, n)
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				p := int(next.Add(1) - 1)
				if p >= parts {
					return
				}
				f(p*rangeChunk, min((p+1)*rangeChunk, n))
			}
		}()
	}
	wg.Wait()
}
