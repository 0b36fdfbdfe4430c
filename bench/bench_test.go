package bench

import (
	"math"
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
	reportBandwidth(b, flipsPerNs*IsingBytesPerFlip)
}

// reportBandwidth reports the effective GB/s and its percentage of the
// host's copy bandwidth (cpu.Backend.PeakBandwidth, measured once a
// process, as quench bench's "of peak"), and no ns/op.
func reportBandwidth(b *testing.B, gbs float64) {
	b.ReportMetric(gbs, "GB/s")
	if peak := cpu.New().PeakBandwidth(); peak > 0 {
		b.ReportMetric(100*gbs*1e9/peak, "%peak")
	}
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
	reportBandwidth(b, rate*s.BytesPerUnit())
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

// The throughput arithmetic: Rate is units (flips, site or coordinate
// updates) per ns over the timed steps, and GB/s is Rate times the bytes a
// unit must move: 3 per Ising flip (IsingBytesPerFlip), em/lm 2 elements
// per site, baoab 7, modelb 5, particles em/lm 2 and baoab 4 elements per
// coordinate, mass transfer 32 bytes per axis (a pass a bond class), diffusion 2 elements.
func TestMeasureArithmetic(t *testing.T) {
	be := cpu.New()
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Abs(b) }
	ib, err := NewIsing(be, []int{8, 6}, quench.Metropolis, 2)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ib.Measure(1, 5)
	ib.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !(r.Seconds > 0) || !near(r.Rate*r.Seconds*1e9, 48*5) || !near(r.GBPerS, 3*r.Rate) || r.Sweeps != 5 || r.Unit != "flips" || r.Model != "ising2d" {
		t.Errorf("ising 8x6, 5 sweeps: %+v, want %v flips/ns and 3 bytes a flip", r, 48*5/r.Seconds/1e9)
	}
	for _, c := range []struct {
		name  string
		s     func() (*Stepper, error)
		units int64
		bytes float64
	}{
		{"phi4 em f32", func() (*Stepper, error) { return NewPhi4(be, []int{8, 8}, quench.SchemeEM, quench.Float32) }, 64, 8},
		{"phi4 lm f64", func() (*Stepper, error) { return NewPhi4(be, []int{8, 8}, quench.SchemeLM, quench.Float64) }, 64, 16},
		{"phi4 baoab f64", func() (*Stepper, error) { return NewPhi4(be, []int{8, 8}, quench.SchemeBAOAB, quench.Float64) }, 64, 56},
		{"phi4 modelb f32", func() (*Stepper, error) { return NewPhi4(be, []int{4, 4, 4}, quench.SchemeModelB, quench.Float32) }, 64, 20},
		{"particles em f64", func() (*Stepper, error) {
			return NewParticles(be, 10, 3, quench.PotentialHarmonic, quench.SchemeEM, quench.Float64)
		}, 30, 16},
		{"particles baoab f32", func() (*Stepper, error) {
			return NewParticles(be, 10, 3, quench.PotentialHarmonic, quench.SchemeBAOAB, quench.Float32)
		}, 30, 16},
		{"kmp 2d", func() (*Stepper, error) { return NewMassTransfer(be, []int{8, 8}, "kmp") }, 64, 64},
		{"diffusion f32", func() (*Stepper, error) { return NewDiffusion(be, []int{8, 8}, quench.Float32) }, 64, 8},
	} {
		s, err := c.s()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		r, err := s.Measure(1, 4)
		s.Close()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if s.Units() != c.units || s.BytesPerUnit() != c.bytes || !(r.Seconds > 0) ||
			!near(r.Rate*r.Seconds*1e9, float64(4*c.units)) || !near(r.GBPerS, c.bytes*r.Rate) {
			t.Errorf("%s: %d units of %v bytes, result %+v; want %d units of %v bytes over 4 steps", c.name, s.Units(), s.BytesPerUnit(), r, c.units, c.bytes)
		}
	}
}

// A sandpile timing names its longest grain: one of the grains it timed,
// its avalanche's topplings among theirs and its seconds within theirs.
func TestSandpileLongestGrain(t *testing.T) {
	s, err := NewSandpile(cpu.New(), []int{32, 32})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := s.Measure(0, 300)
	if err != nil {
		t.Fatal(err)
	}
	// the same grains again, on a pile from the same start
	again, err := NewSandpile(cpu.New(), []int{32, 32})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	var total int64
	sizes := map[int64]bool{}
	for range r.Sweeps {
		av, err := again.Grain()
		if err != nil {
			t.Fatal(err)
		}
		total += av.Size
		sizes[av.Size] = true
	}
	if r.Sweeps != 300 || total == 0 || math.Abs(r.Rate*r.Seconds*1e9-float64(total)) > 1e-6*float64(total) {
		t.Fatalf("%d grains, %v topplings; timed %d grains, %.6g topplings", 300, total, r.Sweeps, r.Rate*r.Seconds*1e9)
	}
	if !sizes[r.LongestGrainTopplings] || r.LongestGrain <= 0 || r.LongestGrain > r.Seconds {
		t.Errorf("longest grain %v s of %v, %d topplings: not one of the timed grains", r.LongestGrain, r.Seconds, r.LongestGrainTopplings)
	}
}
