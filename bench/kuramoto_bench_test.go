package bench

import (
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/cpu"
)

// A kuramoto step (EM) of 2^16 phases: its PhaseSums, then the step, each
// sin and cos of every phase.
func BenchmarkParticlesKuramotoEM(b *testing.B) {
	for _, dt := range []quench.DType{quench.Float64, quench.Float32} {
		b.Run(dt.String(), func(b *testing.B) {
			s, err := NewParticles(cpu.New(), 1<<16, 1, quench.PotentialKuramoto, quench.SchemeEM, dt)
			benchStepper(b, s, err)
		})
	}
}
