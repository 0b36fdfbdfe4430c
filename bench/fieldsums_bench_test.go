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

// BenchmarkFieldSumsShapes: the sums of a measurement of 1 to 3 axes (about
// 2^20 sites, and a 3D lattice of short rows), the two field precisions
// and fixed-point masses, and without geometry (particles).
func BenchmarkFieldSumsShapes(b *testing.B) {
	cases := []struct {
		name  string
		shape []int
		dt    quench.DType
		geo   bool
	}{
		{"f32/1d", []int{1 << 20}, quench.Float32, true},
		{"f32/2d", []int{1024, 1024}, quench.Float32, true},
		{"f32/3d", []int{64, 64, 64}, quench.Float32, true},
		{"f32/3dL16", []int{16, 16, 16}, quench.Float32, true},
		{"f64/1d", []int{1 << 20}, quench.Float64, true},
		{"f64/2d", []int{1024, 1024}, quench.Float64, true},
		{"f64/3d", []int{64, 64, 64}, quench.Float64, true},
		{"i64/2d", []int{1024, 1024}, quench.Int64, true},
		{"i64/1d", []int{1 << 20}, quench.Int64, true},
		{"f32/none", []int{1 << 20}, quench.Float32, false},
		{"f64/none", []int{1 << 20}, quench.Float64, false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) { benchtest.FieldSumsOf(b, cpu.New(), c.shape, c.dt, c.geo) })
	}
}
