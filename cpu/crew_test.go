package cpu

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// TestCrew: every task of every phase runs exactly once and each phase is
// complete when run returns, with more goroutines than processors too.
func TestCrew(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, helpers := range []int{1, 3} {
		c := newCrew(helpers)
		var runs [64]atomic.Int32
		for phase := range 2000 {
			n := phase%len(runs) + 1
			c.run(n, func(i int) { runs[i].Add(1) })
			for i := range runs {
				want := int32(0)
				if i < n {
					want = 1
				}
				if got := runs[i].Swap(0); got != want {
					t.Fatalf("%d helpers, phase %d of %d tasks: task %d ran %d times", helpers, phase, n, i, got)
				}
			}
		}
		c.close()
	}
}
