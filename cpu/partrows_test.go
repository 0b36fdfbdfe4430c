package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/quenchlab/quench"
)

// randPC are random pc like randCoeffs: plain values of either sign,
// some zeros, huge, tiny, subnormal, infinite or NaN.
func randPC[T flt](r *rand.Rand, specials bool) pc[T] {
	var k pc[T]
	v := rowData[T](r, 11, 0.6)
	p := []*T{&k.k, &k.k4, &k.a, &k.amp, &k.hdt, &k.hdtm, &k.c1, &k.c2, &k.kn, &k.dtTurn, &k.ampTurn}
	for i, c := range p {
		*c = T(r.NormFloat64())
		if specials && r.IntN(2) == 0 {
			*c = v[i]
		}
	}
	return k
}

// TestParticleRowVec: particleRow with the vector kernels (particleVec)
// gives the scalar loop's coordinates and velocities bit for bit, NaN
// payloads included, for em/lm and BAOAB, harmonic and double well,
// float32 and float64, on runs of 0 to 40 coordinates (every tail) and
// some longer, from any offset of their buffers, with random coefficients
// and values with NaNs of random payloads, infinities, signed zeros,
// subnormals and huge values (in the noise too).
func TestParticleRowVec(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 (or purego): the scalar code only")
	}
	t.Run("float32", func(t *testing.T) { particleRowVec[float32](t) })
	t.Run("float64", func(t *testing.T) { particleRowVec[float64](t) })
}

func particleRowVec[T flt](t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for trial := range 4000 {
		baoab, dw := trial&1 != 0, trial&2 != 0
		n := trial / 4 % 41
		if trial%7 == 0 {
			n = 41 + r.IntN(1100)
		}
		specials := []float64{0, 0.05, 0.5}[trial%3]
		k := randPC[T](r, specials > 0)
		off := r.IntN(9)
		var f [2][3][]T // x, v, xi: vector, scalar
		for j := range 3 {
			f[0][j] = rowData[T](r, off+n, specials)[off:]
			f[1][j] = append([]T(nil), f[0][j]...)
		}
		withAVX2(true, func() { particleRow(f[0][0], f[0][1], f[0][2], &k, baoab, dw) })
		withAVX2(false, func() { particleRow(f[1][0], f[1][1], f[1][2], &k, baoab, dw) })
		for j, name := range []string{"x", "v", "xi"} {
			if i := sameBits(f[0][j], f[1][j]); i >= 0 {
				t.Fatalf("baoab %v double well %v, %d coordinates at offset %d, specials %v: %s[%d]: vector %s, scalar %s (coefficients %+v)",
					baoab, dw, n, off, specials, name, i, bitsOf(f[0][j][i]), bitsOf(f[1][j][i]), k)
			}
		}
	}
}

// TestParticleStepVec: the whole particleStep with and without the
// vector kernels (particleRow's and lm's noise sum) gives the same
// coordinates and velocities bit for bit, for every scheme and potential
// (kuramoto's kernels too), float32 and float64, on 1 to 40
// coordinates and sizes whose blocks and chunks end early, random
// coefficients and values with NaNs, infinities, signed zeros,
// subnormals and huge values.
func TestParticleStepVec(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 (or purego): the scalar code only")
	}
	var sizes []int64
	for m := int64(1); m <= 40; m++ {
		sizes = append(sizes, m)
	}
	sizes = append(sizes, 1023, 1025, 3001, 2*fieldChunk+13)
	for _, scheme := range []string{quench.SchemeEM, quench.SchemeLM, quench.SchemeBAOAB} {
		for _, pot := range []string{quench.PotentialHarmonic, quench.PotentialDoubleWell, quench.PotentialKuramoto} {
			t.Run(scheme+"/"+pot, func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(len(scheme)), uint64(len(pot))))
				p := &quench.ParticleParams{Scheme: scheme, Potential: pot}
				for i, m := range sizes {
					specials := []float64{0, 0.02, 0.3}[i%3]
					particleStepVec[float32](t, r, p, m, specials)
					particleStepVec[float64](t, r, p, m, specials)
				}
			})
		}
	}
}

func particleStepVec[T flt](t *testing.T, r *rand.Rand, p *quench.ParticleParams, m int64, specials float64) {
	t.Helper()
	k := randPC[T](r, specials > 0)
	ctr := quench.Counter{Seed: r.Uint64(), Step: r.Uint64N(1 << 40), Replica: r.Uint32()}
	var f [2][2][]T // x, v: vector, scalar
	for j := range 2 {
		f[0][j] = rowData[T](r, int(m), specials)
		f[1][j] = append([]T(nil), f[0][j]...)
	}
	omega := rowData[T](r, int(m), specials)
	C, S := r.NormFloat64(), r.NormFloat64()
	withAVX2(true, func() { particleStep(m, p, k, ctr, C, S, omega, f[0][:]...) })
	withAVX2(false, func() { particleStep(m, p, k, ctr, C, S, omega, f[1][:]...) })
	for j, name := range []string{"x", "v"} {
		if i := sameBits(f[0][j], f[1][j]); i >= 0 {
			t.Fatalf("%s %s, %d coordinates %T specials %v: %s[%d]: vector %s, scalar %s (coefficients %+v)",
				p.Scheme, p.Potential, m, k.a, specials, name, i, bitsOf(f[0][j][i]), bitsOf(f[1][j][i]), k)
		}
	}
}

// TestKuramotoRowVec: kuramotoRow with the vector kernels (kuramotoVec)
// gives the scalar loop's phases bit for bit, NaN payloads included,
// float32 and float64, on runs of 0 to 40 phases (every tail) and some
// longer, from any offset of their buffers, with random coefficients and
// mean fields, and values (phases, frequencies, noise, the float64 sines
// and cosines) with NaNs of random payloads, infinities, signed zeros,
// subnormals and huge values; and plain runs: phases in [0, 1) and
// their sines and cosines, whose new phases land on and around integers.
func TestKuramotoRowVec(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 (or purego): the scalar code only")
	}
	t.Run("float32", func(t *testing.T) { kuramotoRowVec[float32](t) })
	t.Run("float64", func(t *testing.T) { kuramotoRowVec[float64](t) })
}

func kuramotoRowVec[T flt](t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for trial := range 6000 {
		n := trial % 41
		if trial%7 == 0 {
			n = 41 + r.IntN(1100)
		}
		specials := []float64{0, 0.05, 0.5}[trial%3]
		k := randPC[T](r, specials > 0)
		sc := [2]T{T(r.NormFloat64()), T(r.NormFloat64())}
		if v := rowData[T](r, 2, 0.5); specials > 0 && r.IntN(2) == 0 {
			sc = [2]T{v[0], v[1]}
		}
		off := r.IntN(9)
		var x, omega, xi [2][]T // vector, scalar
		x[0] = rowData[T](r, off+n, specials)[off:]
		omega[0] = rowData[T](r, off+n, specials)[off:]
		xi[0] = rowData[T](r, off+n, specials)[off:]
		sn := rowData[float64](r, off+n, specials)[off:]
		cs := rowData[float64](r, off+n, specials)[off:]
		if trial%5 == 1 { // plain phases, their sin and cos, small steps
			for j := range x[0] {
				x[0][j] = T(r.Float64())
				sn[j], cs[j] = math.Sincos(2 * math.Pi * float64(x[0][j]))
				xi[0][j] = T(r.NormFloat64())
				omega[0][j] = T(r.NormFloat64())
			}
			k.kn, k.dtTurn, k.ampTurn = T(r.Float64()), T(r.Float64()), T(r.Float64()/4)
			sc = [2]T{T(r.NormFloat64()), T(r.NormFloat64())}
		}
		x[1] = append([]T(nil), x[0]...)
		omega[1] = append([]T(nil), omega[0]...)
		xi[1] = append([]T(nil), xi[0]...)
		withAVX2(true, func() { kuramotoRow(x[0], omega[0], xi[0], sn, cs, &k, &sc) })
		withAVX2(false, func() { kuramotoRow(x[1], omega[1], xi[1], sn, cs, &k, &sc) })
		for _, f := range []struct {
			name string
			v    [2][]T
		}{{"x", x}, {"omega", omega}, {"xi", xi}} {
			if i := sameBits(f.v[0], f.v[1]); i >= 0 {
				t.Fatalf("trial %d, %d phases at offset %d, specials %v: %s[%d]: vector %s, scalar %s (sin %v %#x, cos %v %#x, sc %v, coefficients %+v)",
					trial, n, off, specials, f.name, i, bitsOf(f.v[0][i]), bitsOf(f.v[1][i]),
					sn[i], math.Float64bits(sn[i]), cs[i], math.Float64bits(cs[i]), sc, k)
			}
		}
	}
}
