//go:build cuda

package gpu

import (
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/bench"
)

func benchGPU(b *testing.B, shape []int, algo quench.Algo) {
	be, err := New(0)
	if err != nil {
		b.Skipf("no GPU: %v", err)
	}
	defer be.Close()
	ib, err := bench.NewIsing(be, shape, algo, 1.5)
	if err != nil {
		b.Fatal(err)
	}
	defer ib.Close()
	for i := 0; i < 3; i++ { // warm-up
		if err := ib.Sweep(); err != nil {
			b.Fatal(err)
		}
	}
	if err := be.Sync(); err != nil {
		b.Fatal(err)
	}
	sweeps := 0
	for b.Loop() {
		if err := ib.Sweep(); err != nil {
			b.Fatal(err)
		}
		sweeps++
	}
	if err := be.Sync(); err != nil {
		b.Fatal(err)
	}
	f := float64(ib.Sites()) * float64(sweeps) / float64(b.Elapsed().Nanoseconds())
	b.ReportMetric(f, "flips/ns")
	b.ReportMetric(f*bench.IsingBytesPerFlip, "GB/s")
	if peak := be.(*Backend).PeakBandwidth(); peak > 0 {
		b.ReportMetric(f*bench.IsingBytesPerFlip*1e9/peak, "frac-of-peak")
	}
	b.ReportMetric(0, "ns/op")
}

func BenchmarkIsing2DMetropolisL32768(b *testing.B) {
	benchGPU(b, []int{32768, 32768}, quench.Metropolis)
}

func BenchmarkIsing2DHeatBathL32768(b *testing.B) { benchGPU(b, []int{32768, 32768}, quench.HeatBath) }

func BenchmarkIsing3DMetropolisL1024(b *testing.B) {
	benchGPU(b, []int{1024, 1024, 1024}, quench.Metropolis)
}
