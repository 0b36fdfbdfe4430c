package kernels

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/internal/pmath"
)

// pmath's normals equal pmath.cuh's bit for bit (quench_gaussians32 and
// quench_gaussians, compiled without contraction) over 2^18 Philox
// outputs: enough that a change in the last bit of a polynomial term,
// which moves one result in a few hundred, shows (the field kernels'
// comparisons see too few normals, and too damped, to catch it).
func TestGaussiansEmulated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a C++ emulation")
	}
	bin := buildEmu(t)
	const n = 1 << 18
	in := binary.LittleEndian.AppendUint64(nil, n)
	words := make([][4]uint32, n)
	k := philox.KeyFromSeed(2026)
	for i := range words {
		words[i] = philox.Philox4x32_10(philox.Counter{uint32(i), 7}, k)
		for _, w := range words[i] {
			in = binary.LittleEndian.AppendUint32(in, w)
		}
	}
	out := runEmu(t, bin, "gauss", in)
	if len(out) != 32*n {
		t.Fatalf("emulator wrote %d bytes, want %d", len(out), 32*n)
	}
	bad32, bad64 := 0, 0
	for i, w := range words {
		o := out[32*i:]
		g32 := pmath.Gaussians32(w)
		for j, v := range g32 {
			if got := binary.LittleEndian.Uint32(o[4*j:]); got != math.Float32bits(v) {
				if bad32++; bad32 <= 3 {
					t.Errorf("Gaussians32(%#x)[%d]: Go %#x, CUDA %#x", w, j, math.Float32bits(v), got)
				}
			}
		}
		g0, g1 := pmath.Gaussians(w)
		for j, v := range []float64{g0, g1} {
			if got := binary.LittleEndian.Uint64(o[16+8*j:]); got != math.Float64bits(v) {
				if bad64++; bad64 <= 3 {
					t.Errorf("Gaussians(%#x)[%d]: Go %#x, CUDA %#x", w, j, math.Float64bits(v), got)
				}
			}
		}
	}
	if bad32+bad64 > 0 {
		t.Errorf("%d float32 and %d float64 normals of %d words differ", bad32, bad64, n)
	}
}
