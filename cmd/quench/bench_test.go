package main

import (
	"context"
	"slices"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/bench"
	"github.com/quenchlab/quench/cpu"
)

// fakeMeasurer times n sweeps as n*perSweep seconds, doing at most limit
// of them (a budget, as the sandpile's); calls counts its timings.
type fakeMeasurer struct {
	perSweep float64
	limit    int
	calls    []int
}

func (f *fakeMeasurer) Measure(_, n int) (bench.Result, error) {
	f.calls = append(f.calls, n)
	done := min(n, f.limit)
	return bench.Result{Sweeps: done, Seconds: float64(done) * f.perSweep}, nil
}

func (f *fakeMeasurer) Close() error { return nil }

// bench's --min-time: a short timing is repeated with more sweeps, each
// time scaled to 1.2 min-time (at least 2x, at most 100x), until it takes
// min-time; not past a timing its own budget cut short (the sandpile, at
// --min-time 6 had re-timed 21 times, 5 s each), nor after an interrupt.
func TestBenchMinTime(t *testing.T) {
	run := func(ctx context.Context, f *fakeMeasurer, minTime float64) bench.Result {
		g := benchCase{open: func(quench.Backend, float64) (measurer, error) { return f, nil }}
		r, err := measure(ctx, cpu.New(), g, 1, 20, minTime)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	f := &fakeMeasurer{perSweep: 1e-3, limit: 1 << 40}
	if r := run(context.Background(), f, 0.5); !slices.Equal(f.calls, []int{20, 600}) || r.Sweeps != 600 || r.Seconds < 0.5 {
		t.Errorf("20 sweeps of 1 ms, min-time 0.5: timings of %v sweeps, result %+v; want 20 then 600", f.calls, r)
	}
	f = &fakeMeasurer{perSweep: 1e-7, limit: 1 << 40}
	if r := run(context.Background(), f, 0.5); !slices.Equal(f.calls, []int{20, 2000, 200000, 6000000}) || r.Seconds < 0.5 {
		t.Errorf("20 sweeps of 0.1 us: timings of %v sweeps, result %+v; want growth by 100 at most", f.calls, r)
	}
	f = &fakeMeasurer{perSweep: 1e-3, limit: 100}
	if r := run(context.Background(), f, 6); !slices.Equal(f.calls, []int{20, 2000}) || r.Sweeps != 100 {
		t.Errorf("a budget of 100 sweeps: timings of %v sweeps, result %+v; want one more timing, cut short", f.calls, r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f = &fakeMeasurer{perSweep: 1e-3, limit: 1 << 40}
	if run(ctx, f, 0.5); !slices.Equal(f.calls, []int{20}) {
		t.Errorf("interrupted: timings of %v sweeps, want only the first", f.calls)
	}
}
