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

func benchStepper(b *testing.B, s *Stepper, err error) {
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.Step()
	steps := 0
	for b.Loop() {
		if err := s.Step(); err != nil {
			b.Fatal(err)
		}
		steps++
	}
	rate := float64(s.Units()) * float64(steps) / float64(b.Elapsed().Nanoseconds())
	b.ReportMetric(rate, "updates/ns")
	b.ReportMetric(rate*s.BytesPerUnit(), "GB/s")
	b.ReportMetric(0, "ns/op")
}

func BenchmarkPhi4EMFloat32L256(b *testing.B) {
	s, err := NewPhi4(cpu.New(), []int{256, 256}, quench.SchemeEM, quench.Float32)
	benchStepper(b, s, err)
}

func BenchmarkPhi4BAOABFloat64L256(b *testing.B) {
	s, err := NewPhi4(cpu.New(), []int{256, 256}, quench.SchemeBAOAB, quench.Float64)
	benchStepper(b, s, err)
}

// BenchmarkPhi4ModelBFloat32L64: the conserved scheme in 3D (three noise
// currents per site, each drawn once).
func BenchmarkPhi4ModelBFloat32L64(b *testing.B) {
	s, err := NewPhi4(cpu.New(), []int{64, 64, 64}, quench.SchemeModelB, quench.Float32)
	benchStepper(b, s, err)
}

func BenchmarkDiffusionFloat64L1024(b *testing.B) {
	s, err := NewDiffusion(cpu.New(), []int{1024, 1024}, quench.Float64)
	benchStepper(b, s, err)
}

func BenchmarkKMPL1024(b *testing.B) {
	s, err := NewMassTransfer(cpu.New(), []int{1024, 1024}, "kmp")
	benchStepper(b, s, err)
}

func BenchmarkParticlesHarmonicEM(b *testing.B) {
	s, err := NewParticles(cpu.New(), 1<<16, 1, quench.PotentialHarmonic, quench.SchemeEM, quench.Float64)
	benchStepper(b, s, err)
}

func BenchmarkSandpileL256(b *testing.B) {
	s, err := NewSandpile(cpu.New(), []int{256, 256})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.Logf("stationary start: mean height %.4f", s.MeanHeight)
	var top int64
	for b.Loop() {
		av, _ := s.Grain()
		top += av.Size
	}
	b.ReportMetric(float64(top)/float64(b.Elapsed().Nanoseconds()), "topplings/ns")
	b.ReportMetric(0, "ns/op")
}
