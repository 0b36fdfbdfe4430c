// Package benchtest holds the bodies of go benchmarks that several
// packages' tests share; only tests import it (it imports testing, which
// the quench command must not link).
package benchtest

import (
	"testing"
	"time"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/bench"
)

// Sandpile is the body of the sandpile go benchmarks of every backend: a
// stationary L^2 pile on be, grains for budget, reported as topplings/ns
// and the number of grains timed.
func Sandpile(b *testing.B, be quench.Backend, L int, budget time.Duration) {
	r, err := bench.MeasureSandpile(be, []int{L, L}, budget)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
	}
	b.ReportMetric(r.Rate, "topplings/ns")
	b.ReportMetric(float64(r.Sweeps), "grains")
	b.ReportMetric(0, "ns/op")
}
