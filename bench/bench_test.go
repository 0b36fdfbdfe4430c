package bench

import (
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/cpu"
)

func benchIsing(b *testing.B, shape []int, algo quench.Algo, T float64) {
	ib, err := NewIsing(cpu.New(), shape, algo, T)
	if err != nil {
		b.Fatal(err)
	}
	defer ib.Close()
	ib.Sweep() // warm-up
	sweeps := 0
	for b.Loop() {
		if err := ib.Sweep(); err != nil {
			b.Fatal(err)
		}
		sweeps++
	}
	ns := float64(b.Elapsed().Nanoseconds())
	flipsPerNs := float64(ib.Sites()) * float64(sweeps) / ns
	b.ReportMetric(flipsPerNs, "flips/ns")
	b.ReportMetric(flipsPerNs*IsingBytesPerFlip, "GB/s")
	b.ReportMetric(0, "ns/op")
}

func BenchmarkIsing2DMetropolisL1024(b *testing.B) {
	benchIsing(b, []int{1024, 1024}, quench.Metropolis, 1.5)
}

func BenchmarkIsing2DHeatBathL1024(b *testing.B) {
	benchIsing(b, []int{1024, 1024}, quench.HeatBath, 1.5)
}

func BenchmarkIsing2DMetropolisTcL1024(b *testing.B) {
	benchIsing(b, []int{1024, 1024}, quench.Metropolis, quench.Tc2D)
}

func BenchmarkIsing3DMetropolisL128(b *testing.B) {
	benchIsing(b, []int{128, 128, 128}, quench.Metropolis, 4.5)
}

func BenchmarkIsing3DHeatBathL128(b *testing.B) {
	benchIsing(b, []int{128, 128, 128}, quench.HeatBath, 4.5)
}
