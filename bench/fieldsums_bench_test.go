package bench_test

import (
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/bench/benchtest"
	"github.com/quenchlab/quench/cpu"
)

// BenchmarkFieldSumsFloat32L1024: the sums one phi4 measurement takes.
func BenchmarkFieldSumsFloat32L1024(b *testing.B) {
	benchtest.FieldSums(b, cpu.New(), []int{1024, 1024}, quench.Float32)
}
