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

// FieldSums is the body of the measurement go benchmarks of every backend:
// quench.Reducer.FieldSums of a field of the given shape and precision (the
// sums a phi4 measurement takes), reported as sites/ns and as the GB/s of
// reading each element once.
func FieldSums(b *testing.B, be quench.Backend, shape []int, dt quench.DType) {
	FieldSumsOf(b, be, shape, dt, true)
}

// FieldSumsOf is FieldSums with the lattice passed (geometry) or nil (the
// sums a particle or mass measurement takes without one).
func FieldSumsOf(b *testing.B, be quench.Backend, shape []int, dt quench.DType, geometry bool) {
	lat, err := quench.NewLattice(shape...)
	if err != nil {
		b.Fatal(err)
	}
	buf, err := be.Alloc(dt, lat.Sites())
	if err != nil {
		b.Fatal(err)
	}
	defer be.Free(buf)
	on := &lat
	if !geometry {
		on = nil
	}
	if _, err := be.FieldSums(buf, on); err != nil { // warm-up
		b.Fatal(err)
	}
	calls := 0
	for b.Loop() {
		if _, err := be.FieldSums(buf, on); err != nil {
			b.Fatal(err)
		}
		calls++
	}
	rate := float64(lat.Sites()) * float64(calls) / float64(b.Elapsed().Nanoseconds())
	b.ReportMetric(rate, "sites/ns")
	b.ReportMetric(rate*float64(dt.Size()), "GB/s")
	b.ReportMetric(0, "ns/op")
}
