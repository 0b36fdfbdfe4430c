package bench_test

import (
	"testing"
	"time"

	"github.com/quenchlab/quench/bench/benchtest"
	"github.com/quenchlab/quench/cpu"
)

// BenchmarkSandpileL16384 is the size on the CPU: a stationary
// start (about 40 s of Wilson's algorithm here), then grains for 20 s.
func BenchmarkSandpileL16384(b *testing.B) {
	benchtest.Sandpile(b, cpu.New(), 16384, 20*time.Second)
}

// BenchmarkSandpileL4096: a stationary start, then grains for 10 s.
func BenchmarkSandpileL4096(b *testing.B) { benchtest.Sandpile(b, cpu.New(), 4096, 10*time.Second) }
