//go:build cuda

package gpu

import (
	"slices"
	"testing"
	"time"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/bench"
	"github.com/quenchlab/quench/bench/benchtest"
	"github.com/quenchlab/quench/kernels"
)

func benchGPU(b *testing.B, shape []int, algo quench.Algo) {
	be := open(b) // fails, not skips, with QUENCH_REQUIRE_GPU=1
	ib, err := bench.NewIsing(be, shape, algo, 1.5)
	if err != nil {
		b.Fatal(err)
	}
	defer ib.Close()
	warmUp(b, be, ib.Sweep)
	sweeps := 0
	start := time.Now()
	for b.Loop() {
		if err := ib.Sweep(); err != nil {
			b.Fatal(err)
		}
		sweeps++
	}
	if err := be.Sync(); err != nil {
		b.Fatal(err)
	}
	f := float64(ib.Sites()) * float64(sweeps) / float64(syncedSince(start))
	b.ReportMetric(f, "flips/ns")
	b.ReportMetric(f*bench.IsingBytesPerFlip, "GB/s")
	if peak := be.PeakBandwidth(); peak > 0 {
		b.ReportMetric(f*bench.IsingBytesPerFlip*1e9/peak, "frac-of-peak")
		b.ReportMetric(peak/1e9, "peak-GB/s") // (the measured device copy's: PeakBandwidth)
	}
	b.ReportMetric(0, "ns/op")
}

// warmUp runs step, each synchronized, 3 times and for 0.3 s at least
// before a benchmark's timing: a GPU idle between benchmarks (each opens
// its own backend) clocks down, 345 MHz seen on an idle H200, and a
// timing of 30 steps of a few ms would begin before the clocks came up.
func warmUp(b *testing.B, be *Backend, step func() error) {
	for i, t := 0, time.Now(); i < 3 || time.Since(t) < 300*time.Millisecond; i++ {
		if err := step(); err != nil {
			b.Fatal(err)
		}
		if err := be.Sync(); err != nil {
			b.Fatal(err)
		}
	}
}

// syncedSince is the nanoseconds from start, taken before a benchmark's
// b.Loop, to now, after the loop and the Sync that waits for its kernels:
// b.Elapsed stops when b.Loop returns false, before that Sync, so that
// kernels still queued were not timed (a sweep's launches do not wait:
// an Ising rate was the launches', an audit found; a stepper's last step
// escaped, about 3% of 30).
func syncedSince(start time.Time) int64 { return time.Since(start).Nanoseconds() }

func BenchmarkIsing2DMetropolisL32768(b *testing.B) {
	benchGPU(b, []int{32768, 32768}, quench.Metropolis)
}

func BenchmarkIsing2DHeatBathL32768(b *testing.B) { benchGPU(b, []int{32768, 32768}, quench.HeatBath) }

func BenchmarkIsing3DMetropolisL1024(b *testing.B) {
	benchGPU(b, []int{1024, 1024, 1024}, quench.Metropolis)
}

// BenchmarkIsingMeasureL16384: an Ising measurement's reductions on a
// 16384^2 lattice (268 MB of spins), the sums every measurement takes and
// the plane sums a ferromagnet's at h = 0 takes besides (the structure
// factors and the correlation length), and an antiferromagnet's staggered
// ones, each with its download.
func BenchmarkIsingMeasureL16384(b *testing.B) {
	be := open(b) // fails, not skips, with QUENCH_REQUIRE_GPU=1
	lat, _ := quench.NewLattice(16384, 16384)
	buf, err := be.Alloc(quench.Int8, lat.Sites())
	if err != nil {
		b.Fatal(err)
	}
	defer be.Free(buf)
	s := make([]int8, lat.Sites())
	quench.InitSpins(s, "hot", 1, 0)
	if err := be.Upload(buf, s); err != nil {
		b.Fatal(err)
	}
	planes := make([]int64, quench.PlaneSumsLen(lat))
	for _, c := range []struct {
		name string
		f    func() error
	}{
		{"sums", func() error { _, err := be.IsingSums(buf, lat); return err }},
		{"planes", func() error { return be.IsingPlanes(buf, lat, false, planes) }},
		{"planes staggered", func() error { return be.IsingPlanes(buf, lat, true, planes) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if err := c.f(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(lat.Sites())*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "sites/ns")
		})
	}
}

func benchGPUStepper(b *testing.B, mk func(be quench.Backend) (*bench.Stepper, error)) {
	benchGPUStepperOn(b, nil, mk)
}

// benchGPUStepperOn is benchGPUStepper with tune, when not nil, applied to
// the backend before mk opens the stepper.
func benchGPUStepperOn(b *testing.B, tune func(*Backend), mk func(be quench.Backend) (*bench.Stepper, error)) {
	be := open(b) // fails, not skips, with QUENCH_REQUIRE_GPU=1
	if tune != nil {
		tune(be)
	}
	s, err := mk(be)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	warmUp(b, be, s.Step)
	steps := 0
	start := time.Now()
	for b.Loop() {
		if err := s.Step(); err != nil {
			b.Fatal(err)
		}
		steps++
	}
	if err := be.Sync(); err != nil { // a fault in the last steps is no figure
		b.Fatal(err)
	}
	rate := float64(s.Units()) * float64(steps) / float64(syncedSince(start))
	b.ReportMetric(rate, "updates/ns")
	b.ReportMetric(rate*s.BytesPerUnit(), "GB/s")
	if peak := be.PeakBandwidth(); peak > 0 {
		b.ReportMetric(rate*s.BytesPerUnit()*1e9/peak, "frac-of-peak")
		b.ReportMetric(peak/1e9, "peak-GB/s")
	}
	b.ReportMetric(0, "ns/op")
}

func BenchmarkPhi4EMFloat32L16384(b *testing.B) {
	benchGPUStepper(b, func(be quench.Backend) (*bench.Stepper, error) {
		return bench.NewPhi4(be, []int{16384, 16384}, quench.SchemeEM, quench.Float32)
	})
}

// BenchmarkPhi4EMFloat32LoopBlocks times the kernel (float32 EM,
// 16384^2, 8 sites per thread) at other block targets of the looping row
// kernels (kernels.RowBlocks is the default): fewer blocks loop over more
// rows each (a block's copy of the noise tables serves more rows, a longer
// tail wave); "rows1" gives every thread row one row (no loop). A figure
// to tune RowBlocks by on a GPU, not a check.
func BenchmarkPhi4EMFloat32LoopBlocks(b *testing.B) {
	for _, c := range []struct {
		name   string
		blocks int64
	}{{"2048", 2048}, {"4096", 4096}, {"8192", 8192}, {"16384", 16384}, {"65536", 65536}, {"rows1", 1 << 40}} {
		b.Run(c.name, func(b *testing.B) {
			benchGPUStepperOn(b, func(g *Backend) { g.rowBlocks = c.blocks }, func(be quench.Backend) (*bench.Stepper, error) {
				return bench.NewPhi4(be, []int{16384, 16384}, quench.SchemeEM, quench.Float32)
			})
		})
	}
}

// BenchmarkPhi4EMFloat32Rows4: rows of 16380 sites, a multiple of 4 but
// not of 8, take the 4-site kernels (kernels.WideRows); 16384 x 16380.
func BenchmarkPhi4EMFloat32Rows4(b *testing.B) {
	benchGPUStepper(b, func(be quench.Backend) (*bench.Stepper, error) {
		return bench.NewPhi4(be, []int{16384, 16380}, quench.SchemeEM, quench.Float32)
	})
}

// BenchmarkPhi4LMFloat32L16384: LM draws two noises per site (its 4-site
// kernels).
func BenchmarkPhi4LMFloat32L16384(b *testing.B) {
	benchGPUStepper(b, func(be quench.Backend) (*bench.Stepper, error) {
		return bench.NewPhi4(be, []int{16384, 16384}, quench.SchemeLM, quench.Float32)
	})
}

func BenchmarkPhi4EMFloat64L16384(b *testing.B) {
	benchGPUStepper(b, func(be quench.Backend) (*bench.Stepper, error) {
		return bench.NewPhi4(be, []int{16384, 16384}, quench.SchemeEM, quench.Float64)
	})
}

func BenchmarkPhi4BAOABFloat32L16384(b *testing.B) {
	benchGPUStepper(b, func(be quench.Backend) (*bench.Stepper, error) {
		return bench.NewPhi4(be, []int{16384, 16384}, quench.SchemeBAOAB, quench.Float32)
	})
}

// BenchmarkPhi4ModelBFloat32L512: the conserved scheme in 3D (6 noise
// currents read per site, each drawn once per step).
func BenchmarkPhi4ModelBFloat32L512(b *testing.B) {
	benchGPUStepper(b, func(be quench.Backend) (*bench.Stepper, error) {
		return bench.NewPhi4(be, []int{512, 512, 512}, quench.SchemeModelB, quench.Float32)
	})
}

func BenchmarkParticlesHarmonicEM1e8(b *testing.B) {
	benchGPUStepper(b, func(be quench.Backend) (*bench.Stepper, error) {
		return bench.NewParticles(be, 100_000_000, 1, quench.PotentialHarmonic, quench.SchemeEM, quench.Float32)
	})
}

// BenchmarkParticlesKuramotoEM1e8: a whole kuramoto step of 10^8 phases,
// its phase sums on the device (phase_partials, field_groups,
// phase_total) and the step kernel.
func BenchmarkParticlesKuramotoEM1e8(b *testing.B) {
	benchGPUStepper(b, func(be quench.Backend) (*bench.Stepper, error) {
		return bench.NewParticles(be, 100_000_000, 1, quench.PotentialKuramoto, quench.SchemeEM, quench.Float32)
	})
}

func benchSandpile(b *testing.B, L int) {
	be := open(b) // fails, not skips, with QUENCH_REQUIRE_GPU=1
	benchtest.Sandpile(b, be, L, 5*time.Second)
}

// BenchmarkSandpileL4096 times grains in the stationary state of a 4096^2
// pile, for 5 s (after the grain that ends past them).
func BenchmarkSandpileL4096(b *testing.B) { benchSandpile(b, 4096) }

// BenchmarkSandpileL16384 is the size: the stationary start takes
// about 40 s on the CPU (67 s before the walk was rewritten, measured on
// the development VM), and single avalanches last ~10^5 rounds.
func BenchmarkSandpileL16384(b *testing.B) { benchSandpile(b, 16384) }

// benchSandpileKernels times the GPU's two sandpile kernels on the same
// grains of one stationary L^2 pile: the rounds kernels (two launches a
// round, SandpileRounds) for 5 s, then the resident one (a cooperative
// launch an avalanche, SandpileResident) on the same grains from the same
// start, for at most 15 s, in blocks of kernels.RelaxBlock (1024: a block
// a multiprocessor, so a pass's ~300 tiles take a block 2 or 3 in turn)
// and of 256 (4 blocks a multiprocessor: a tile a block, 4 sites a
// thread); each resident run that got through the grains must end with
// the rounds kernels' heights.
func benchSandpileKernels(b *testing.B, L int) {
	g := open(b) // fails, not skips, with QUENCH_REQUIRE_GPU=1
	defer g.SetSandpileKernel(g.SandpileKernel())
	defer func(n int64) { g.relaxBlock = n }(g.relaxBlock)
	lat, _ := quench.NewLattice(L, L)
	h0, err := quench.SandpileStationary(lat, quench.Counter{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	runs := []struct {
		kernel string
		block  int64
	}{{SandpileRounds, 0}, {SandpileResident, kernels.RelaxBlock}, {SandpileResident, 256}}
	rs := make([]bench.Result, len(runs))
	var first []uint8
	for i, r := range runs {
		if err := g.SetSandpileKernel(r.kernel); err != nil {
			b.Fatal(err)
		}
		if r.block > 0 {
			g.relaxBlock = r.block
		}
		s, err := bench.NewSandpileFrom(g, lat, h0)
		if err != nil {
			b.Fatal(err)
		}
		s.Budget = 5 * time.Second
		grains := 1 << 30
		if i > 0 {
			s.Budget, grains = 15*time.Second, rs[0].Sweeps
		}
		if rs[i], err = s.Measure(0, grains); err != nil {
			b.Fatalf("%s kernel (blocks of %d): %v", r.kernel, r.block, err)
		}
		final := make([]uint8, lat.Sites())
		if err := g.Download(final, s.Heights()); err != nil {
			b.Fatal(err)
		}
		s.Close()
		if i == 0 {
			first = final
		} else if rs[i].Sweeps == rs[0].Sweeps && !slices.Equal(first, final) {
			b.Fatalf("the resident kernel's pile (blocks of %d) differs from the rounds kernels' after the same %d grains", r.block, rs[0].Sweeps)
		}
	}
	for b.Loop() {
	}
	b.ReportMetric(rs[0].Rate, "rounds-topplings/ns")
	b.ReportMetric(rs[1].Rate, "resident-topplings/ns")
	b.ReportMetric(rs[2].Rate, "resident256-topplings/ns")
	b.ReportMetric(rs[1].Rate/rs[0].Rate, "speedup")
	b.ReportMetric(rs[2].Rate/rs[0].Rate, "speedup256")
	b.ReportMetric(float64(rs[0].Sweeps), "grains")
	b.ReportMetric(float64(rs[1].Sweeps), "resident-grains")
	b.ReportMetric(float64(rs[2].Sweeps), "resident256-grains")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkSandpileKernelsL4096 and BenchmarkSandpileKernelsL16384 compare
// the two sandpile kernels (benchSandpileKernels).
func BenchmarkSandpileKernelsL4096(b *testing.B)  { benchSandpileKernels(b, 4096) }
func BenchmarkSandpileKernelsL16384(b *testing.B) { benchSandpileKernels(b, 16384) }

func BenchmarkKMPL16384(b *testing.B) {
	benchGPUStepper(b, func(be quench.Backend) (*bench.Stepper, error) {
		return bench.NewMassTransfer(be, []int{16384, 16384}, "kmp")
	})
}

func BenchmarkDiffusionFloat32L16384(b *testing.B) {
	benchGPUStepper(b, func(be quench.Backend) (*bench.Stepper, error) {
		return bench.NewDiffusion(be, []int{16384, 16384}, quench.Float32)
	})
}

// BenchmarkFieldSumsFloat32L16384: the sums one phi4 measurement takes
// (field_sums, field_groups, and the groups' partials copied to the host
// and combined there).
func BenchmarkFieldSumsFloat32L16384(b *testing.B) {
	be := open(b) // fails, not skips, with QUENCH_REQUIRE_GPU=1
	benchtest.FieldSums(b, be, []int{16384, 16384}, quench.Float32)
}
