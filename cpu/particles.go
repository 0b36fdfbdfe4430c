package cpu

import (
	"fmt"
	"math"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/internal/pmath"
)

// pc are the ParticleCoeffs rounded once to the kernel's type.
type pc[T flt] struct{ k, k4, a, amp, hdt, hdtm, c1, c2, kn, dtTurn, ampTurn T }

func particleCoeffsOf[T flt](c quench.ParticleCoeffs) pc[T] {
	return pc[T]{T(c.K), T(c.K4), T(c.A), T(c.Amp), T(c.HDt), T(c.HDtM), T(c.C1), T(c.C2), T(c.KN), T(c.DtTurn), T(c.AmpTurn)}
}

// particleForce is F(x) of quench.ParticleCoeffs.
func particleForce[T flt](x T, doubleWell bool, k *pc[T]) T {
	if doubleWell {
		t := T(x * x)
		t = t - 1
		return -T(T(k.k4*x) * t)
	}
	return -T(k.k * x)
}

// particleNoise is the noise of coordinate j at a step: normal j&(W-1)
// of Philox(seed; Particle, replica, step, phase 0, group j/W) by
// pmath.Gaussians (W = 2) for float64, pmath.Gaussians32 (W = 4) for
// float32 (siteNoise with the particles' purpose; fillNoise).
func particleNoise[T flt](key philox.Key, ctr quench.Counter, step uint64) siteNoise {
	p := newSiteNoise[T](key, ctr, step, 0)
	p.purpose = philox.PurposeParticle
	return p
}

// particleBlock is how many coordinates particleStep draws noise for at
// once.
const particleBlock = 1024

// ParticleStep implements quench.LangevinStepper for particle ensembles;
// the rules are documented on quench.ParticleCoeffs.
func (b *Backend) ParticleStep(ps *quench.Particles, p *quench.ParticleParams, ctr quench.Counter) error {
	return b.particleStep(ps, p, ctr, nil)
}

// ParticleStepWithSums implements quench.PhaseSumsStepper: ParticleStep
// with the kuramoto phase sums C, S of ps.Pos given.
func (b *Backend) ParticleStepWithSums(ps *quench.Particles, p *quench.ParticleParams, ctr quench.Counter, c, s float64) error {
	return b.particleStep(ps, p, ctr, &[2]float64{c, s})
}

// particleStep is ParticleStep; sums, when not nil, are PhaseSums of
// ps.Pos (kuramoto).
func (b *Backend) particleStep(ps *quench.Particles, p *quench.ParticleParams, ctr quench.Counter, sums *[2]float64) error {
	c, err := quench.CheckParticleStep("cpu", ps, p, ctr)
	if err != nil {
		return err
	}
	m := ps.N * int64(ps.Dim)
	bufs := []quench.Buffer{ps.Pos}
	if p.Scheme == quench.SchemeBAOAB {
		bufs = append(bufs, ps.Vel)
	}
	for _, x := range bufs {
		if x == nil {
			return fmt.Errorf("cpu: scheme %s needs positions and velocities", p.Scheme)
		}
	}
	if !quench.Distinct(bufs...) || p.Potential == quench.PotentialKuramoto && !quench.Distinct(ps.Pos, ps.Omega) {
		return fmt.Errorf("cpu: ParticleStep: one buffer is given as two of Pos, Vel and Omega: each must be its own")
	}
	pos, err := asBuffer(ps.Pos, 0) // a nil *Buffer too
	if err != nil {
		return err
	}
	dt := pos.dt
	cbs, err := floatBufs(dt, m, bufs...)
	if err != nil {
		return err
	}
	var C, S float64
	var omega *Buffer
	if p.Potential == quench.PotentialKuramoto {
		if sums != nil {
			C, S = sums[0], sums[1]
		} else if C, S, err = b.PhaseSums(ps.Pos); err != nil {
			return err
		}
		if omega, err = asBuffer(ps.Omega, dt); err != nil || omega.n != ps.N {
			return fmt.Errorf("cpu: kuramoto needs %d natural frequencies of type %v", ps.N, dt)
		}
	}
	switch dt {
	case quench.Float64:
		particleStep(m, p, particleCoeffsOf[float64](c), ctr, C, S, omegaOf(omega, true).([]float64), sl64(cbs)...)
	case quench.Float32:
		particleStep(m, p, particleCoeffsOf[float32](c), ctr, C, S, omegaOf(omega, false).([]float32), sl32(cbs)...)
	default:
		return fmt.Errorf("cpu: particles must be float32 or float64, not %v", dt)
	}
	return nil
}

func omegaOf(b *Buffer, f64 bool) any {
	switch {
	case b == nil && f64:
		return []float64(nil)
	case b == nil:
		return []float32(nil)
	case f64:
		return b.f64
	}
	return b.f32
}

func particleStep[T flt](m int64, p *quench.ParticleParams, k pc[T], ctr quench.Counter, C, S float64, omega []T, s ...[]T) {
	x := s[0]
	key := philox.KeyFromSeed(ctr.Seed)
	step := ctr.Step
	lm := p.Scheme == quench.SchemeLM
	dw := p.Potential == quench.PotentialDoubleWell
	kur := p.Potential == quench.PotentialKuramoto
	cT, sT := T(C), T(S)
	baoab := p.Scheme == quench.SchemeBAOAB
	var v []T
	if baoab {
		v = s[1]
	}
	parts := int((m + fieldChunk - 1) / fieldChunk)
	run := func(part int) {
		lo := int64(part) * fieldChunk
		now, nxt := particleNoise[T](key, ctr, step), particleNoise[T](key, ctr, step+1)
		var xis, xis2 [particleBlock]T
		var sns, css [particleBlock]float64 // kuramoto: sin and cos of the phases
		for b0 := lo; b0 < min(lo+fieldChunk, m); b0 += particleBlock {
			b1 := min(b0+particleBlock, lo+fieldChunk, m)
			xi := xis[:b1-b0]
			fillNoise(&now, xi, uint64(b0))
			if lm {
				x2 := xis2[:b1-b0]
				fillNoise(&nxt, x2, uint64(b0))
				for i := addVec(xi, x2, xi); i < len(xi); i++ { // xi + x2
					xi[i] = xi[i] + x2[i]
				}
			}
			if !kur {
				var vb []T
				if baoab {
					vb = v[b0:b1]
				}
				particleRow(x[b0:b1], vb, xi, &k, baoab, dw)
				continue
			}
			sinCos2PiOf(sns[:b1-b0], css[:b1-b0], x[b0:b1])
			kuramotoRow(x[b0:b1], omega[b0:b1], xi, sns[:b1-b0], css[:b1-b0], &k, &[2]T{sT, cT})
		}
	}
	if parts == 1 {
		run(0)
	} else {
		parallel(parts, run)
	}
}

// particleRow updates the coordinates x (and for BAOAB their velocities
// v) from their noise xi in the harmonic or double-well potential: the
// leading whole vectors by particleVec, the rest here.
func particleRow[T flt](x, v, xi []T, k *pc[T], baoab, dw bool) {
	j := particleVec(x, v, xi, k, baoab, dw)
	if baoab {
		v := v[:len(x)]
		for ; j < len(x); j++ {
			p1 := v[j] + T(k.hdt*particleForce(x[j], dw, k))
			q1 := x[j] + T(k.hdtm*p1)
			p2 := T(k.c1*p1) + T(k.c2*xi[j])
			q2 := q1 + T(k.hdtm*p2)
			x[j] = q2
			v[j] = p2 + T(k.hdt*particleForce(q2, dw, k))
		}
		return
	}
	for ; j < len(x); j++ {
		x[j] = (x[j] + T(k.a*particleForce(x[j], dw, k))) + T(k.amp*xi[j])
	}
}

// kuramotoRow turns the phases x from their natural frequencies omega,
// noise xi, sines sn and cosines cs (float64, of the phases) and the mean
// field sc = {S, C} (the phase sums in T): the leading coordinates that
// fill whole vectors by kuramotoVec, the rest here. The source has the
// operands in the order the loop's compiled code had them when it was
// particleStep's (go tool objdump: cs*S, then *kn, + omega; xi*ampTurn),
// which as written there (omega + kn*(...), ampTurn*xi) the compiler
// swapped once the loop was a function of its own: the order decides
// which NaN payload a sum or product of two NaNs keeps, and the vector
// kernels follow it.
func kuramotoRow[T flt](x, omega, xi []T, sn, cs []float64, k *pc[T], sc *[2]T) {
	sT, cT := sc[0], sc[1]
	for j := kuramotoVec(x, omega, xi, sn, cs, k, sc); j < len(x); j++ {
		drift := T((T(T(cs[j])*sT)-T(T(sn[j])*cT))*k.kn) + omega[j]
		th := (T(drift*k.dtTurn) + x[j]) + T(xi[j]*k.ampTurn)
		x[j] = th - T(math.Floor(float64(th)))
	}
}

// sinCos2PiOf writes pmath.SinCos2Pi of float64(x[i]) to sn[i] and cs[i]
// (four at a time on AVX2, the same bits).
func sinCos2PiOf[T flt](sn, cs []float64, x []T) {
	switch x := any(x).(type) {
	case []float64:
		pmath.SinCos2PiBatch(sn, cs, x)
	case []float32:
		pmath.SinCos2PiBatch32(sn, cs, x)
	}
}

// PhaseSums implements quench.Reducer: fixed blocks of quench.SumBlock
// phases, cos and sin by pmath rounded to the buffer's type, summed in
// float64 left to right, partials added by quench.AddPartials. Four whole
// blocks at a time go to pmath.SinCos2PiSums (on AVX2 a block a vector
// lane, each block's sums in the same order); the blocks left over take their sin
// and cos 256 at a time from pmath's batch and add them in order.
func (b *Backend) PhaseSums(phases quench.Buffer) (float64, float64, error) {
	cb, err := asBuffer(phases, 0)
	if err != nil {
		return 0, 0, err
	}
	f32 := false
	switch cb.dt {
	case quench.Float64:
	case quench.Float32:
		f32 = true
	default:
		return 0, 0, fmt.Errorf("cpu: PhaseSums needs a float buffer, got %v", cb.dt)
	}
	nblk := int((cb.n + quench.SumBlock - 1) / quench.SumBlock)
	quads := int(cb.n/quench.SumBlock) / 4 // groups of four whole blocks
	pc, ps := make([]float64, nblk), make([]float64, nblk)
	parallel(quads+nblk-4*quads, func(p int) {
		if p < quads {
			k := 4 * p
			lo := int64(k) * quench.SumBlock
			var c, s [4]float64
			if f32 {
				c, s = pmath.SinCos2PiSums32(cb.f32[lo:], quench.SumBlock, quench.SumBlock)
			} else {
				c, s = pmath.SinCos2PiSums(cb.f64[lo:], quench.SumBlock, quench.SumBlock)
			}
			copy(pc[k:k+4], c[:])
			copy(ps[k:k+4], s[:])
			return
		}
		k := 4*quads + p - quads
		lo := int64(k) * quench.SumBlock
		var sn, cs [256]float64
		for i := lo; i < min(lo+quench.SumBlock, cb.n); i += 256 {
			m := min(256, cb.n-i)
			if f32 {
				pmath.SinCos2PiBatch32(sn[:m], cs[:m], cb.f32[i:i+m])
				for j := range m {
					pc[k] += float64(float32(cs[j]))
					ps[k] += float64(float32(sn[j]))
				}
			} else {
				pmath.SinCos2PiBatch(sn[:m], cs[:m], cb.f64[i:i+m])
				for j := range m {
					pc[k] += cs[j]
					ps[k] += sn[j]
				}
			}
		}
	})
	return quench.AddPartials(pc), quench.AddPartials(ps), nil
}
