package cpu

import (
	"runtime"
	"testing"
)

// TestCrew: every task of every phase runs exactly once and each phase is
// complete when run returns, with more goroutines than processors too.
// The tasks write plain memory that the caller reads after run: under
// -race (CI) that checks the crew's ordering too.
func TestCrew(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, helpers := range []int{1, 3} {
		c := newCrew(helpers)
		var runs [64]int32
		for phase := range 2000 {
			n := phase%len(runs) + 1
			c.run(n, func(i int) { runs[i]++ })
			for i := range runs {
				want := int32(0)
				if i < n {
					want = 1
				}
				if got := runs[i]; got != want {
					t.Fatalf("%d helpers, phase %d of %d tasks: task %d ran %d times", helpers, phase, n, i, got)
				}
				runs[i] = 0
			}
		}
		c.close()
	}
}
