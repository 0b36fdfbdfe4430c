// Package par runs the parts of a fixed partition on up to GOMAXPROCS
// goroutines: the CPU backend's kernels and the driver's host loops over a
// whole state.
package par

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Do runs f(i) for i in [0, n) on up to GOMAXPROCS goroutines, each taking
// the next part until none is left. The partition into n parts is fixed by
// the caller; only the assignment of parts to goroutines varies, and callers
// make results independent of it.
func Do(n int, f func(i int)) { DoAtMost(runtime.GOMAXPROCS(0), n, f) }

// DoAtMost is Do on at most w goroutines (for work whose parts each take
// memory of their own).
func DoAtMost(w, n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n, w)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}

// Chunks calls f(lo, hi) for the consecutive chunks [lo, hi) of [0, n) of
// chunk elements (the last may be shorter) through Do.
func Chunks(n, chunk int, f func(lo, hi int)) {
	Do((n+chunk-1)/chunk, func(p int) { f(p*chunk, min((p+1)*chunk, n)) })
}
