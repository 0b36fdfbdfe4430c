// Package philox implements the Philox4x32-10 counter-based random number
// generator (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC11) and the one counter layout every quench kernel uses.
//
// There is no generator state anywhere in quench: every random number is a
// pure function of (seed, purpose, replica, step, phase, site, draw). This
// file and kernels/philox.cuh hold the same layout, word for word.
//
// Counter layout (four 32-bit words c0..c3, key k0..k1):
//
//	k0 = uint32(seed)            k1 = uint32(seed >> 32)
//	c0 = uint32(group)           bits  0..31 of the site-group index
//	c1 = uint32(group >> 32)     bits 32..47 of the site-group index (16 bits)
//	   | block << 16             draw block, 8 bits (draw / 4)
//	   | phase << 24             update phase, 4 bits (checkerboard colour, sub-step)
//	   | purpose << 28           what the numbers are for, 4 bits (Purpose*)
//	c2 = uint32(step)            bits  0..31 of the step (sweep) number
//	c3 = uint32(step >> 32)      bits 32..47 of the step (16 bits)
//	   | replica << 16           replica index, 16 bits
//
// One Philox call yields four 32-bit words; draw d of a group uses block d/4,
// word d%4. A "group" is a kernel-defined set of sites that share one call:
// the Ising checkerboard kernels put sixteen same-colour sites in a group,
// one byte each (see quench.IsingTable); the Langevin kernels two sites
// (float64) or four sites (float32), one normal each.
package philox

// Philox4x32 constants (Random123).
const (
	M0 = 0xD2511F53
	M1 = 0xCD9E8D57
	W0 = 0x9E3779B9 // golden ratio
	W1 = 0xBB67AE85 // sqrt(3) - 1
)

// Purposes: the top four bits of c1. Each random stream in the engine has its
// own purpose so that no two uses of the generator can ever share a counter.
const (
	PurposeInit     = 0 // initial (hot) configurations
	PurposeIsing    = 1 // Ising spin-flip acceptance
	PurposeLangevin = 2 // Langevin noise
	PurposeLattice  = 3 // lattice-update drive (sandpile grains, mass transfer)
	PurposeParticle = 4 // particle ensembles
)

// Limits of the counter fields.
const (
	MaxGroup   = 1<<48 - 1
	MaxStep    = 1<<48 - 1
	MaxReplica = 1<<16 - 1
	MaxBlock   = 1<<8 - 1
	MaxPhase   = 1<<4 - 1
	MaxPurpose = 1<<4 - 1
)

// Counter is the 128-bit Philox counter.
type Counter [4]uint32

// Key is the 64-bit Philox key.
type Key [2]uint32

// KeyFromSeed splits a 64-bit seed into the key.
func KeyFromSeed(seed uint64) Key { return Key{uint32(seed), uint32(seed >> 32)} }

// MakeCounter packs the layout documented above. Fields wider than their slot
// are truncated to it; callers validate ranges where users can reach them.
func MakeCounter(purpose, replica uint32, step uint64, phase uint32, group uint64, block uint32) Counter {
	return Counter{
		uint32(group),
		uint32(group>>32)&0xFFFF | (block&0xFF)<<16 | (phase&0xF)<<24 | (purpose&0xF)<<28,
		uint32(step),
		uint32(step>>32)&0xFFFF | (replica&0xFFFF)<<16,
	}
}

// Philox4x32_10 runs the ten rounds of Philox4x32 on counter c with key k.
// One round: (hi0,lo0) = M0*c0, (hi1,lo1) = M1*c2 as 64-bit products;
// c = {hi1^c1^k0, lo1, hi0^c3^k1, lo0}; the key is bumped by (W0,W1) before
// rounds 2..10. The rounds are unrolled by hand: the loop form is twice as
// slow in Go.
func Philox4x32_10(c Counter, k Key) [4]uint32 {
	c0, c1, c2, c3 := c[0], c[1], c[2], c[3]
	k0, k1 := k[0], k[1]
	var p0, p1 uint64
	p0 = uint64(c0) * M0
	p1 = uint64(c2) * M1
	c0, c1, c2, c3 = uint32(p1>>32)^c1^k0, uint32(p1), uint32(p0>>32)^c3^k1, uint32(p0)
	k0 += W0
	k1 += W1
	p0 = uint64(c0) * M0
	p1 = uint64(c2) * M1
	c0, c1, c2, c3 = uint32(p1>>32)^c1^k0, uint32(p1), uint32(p0>>32)^c3^k1, uint32(p0)
	k0 += W0
	k1 += W1
	p0 = uint64(c0) * M0
	p1 = uint64(c2) * M1
	c0, c1, c2, c3 = uint32(p1>>32)^c1^k0, uint32(p1), uint32(p0>>32)^c3^k1, uint32(p0)
	k0 += W0
	k1 += W1
	p0 = uint64(c0) * M0
	p1 = uint64(c2) * M1
	c0, c1, c2, c3 = uint32(p1>>32)^c1^k0, uint32(p1), uint32(p0>>32)^c3^k1, uint32(p0)
	k0 += W0
	k1 += W1
	p0 = uint64(c0) * M0
	p1 = uint64(c2) * M1
	c0, c1, c2, c3 = uint32(p1>>32)^c1^k0, uint32(p1), uint32(p0>>32)^c3^k1, uint32(p0)
	k0 += W0
	k1 += W1
	p0 = uint64(c0) * M0
	p1 = uint64(c2) * M1
	c0, c1, c2, c3 = uint32(p1>>32)^c1^k0, uint32(p1), uint32(p0>>32)^c3^k1, uint32(p0)
	k0 += W0
	k1 += W1
	p0 = uint64(c0) * M0
	p1 = uint64(c2) * M1
	c0, c1, c2, c3 = uint32(p1>>32)^c1^k0, uint32(p1), uint32(p0>>32)^c3^k1, uint32(p0)
	k0 += W0
	k1 += W1
	p0 = uint64(c0) * M0
	p1 = uint64(c2) * M1
	c0, c1, c2, c3 = uint32(p1>>32)^c1^k0, uint32(p1), uint32(p0>>32)^c3^k1, uint32(p0)
	k0 += W0
	k1 += W1
	p0 = uint64(c0) * M0
	p1 = uint64(c2) * M1
	c0, c1, c2, c3 = uint32(p1>>32)^c1^k0, uint32(p1), uint32(p0>>32)^c3^k1, uint32(p0)
	k0 += W0
	k1 += W1
	p0 = uint64(c0) * M0
	p1 = uint64(c2) * M1
	c0, c1, c2, c3 = uint32(p1>>32)^c1^k0, uint32(p1), uint32(p0>>32)^c3^k1, uint32(p0)
	return [4]uint32{c0, c1, c2, c3}
}

// Uniform01Open maps x to (0,1] as x*2^-32 + 2^-33 (never 0, so log is safe).
func Uniform01Open(x uint32) float64 { return float64(x)*0x1p-32 + 0x1p-33 }

// Float32 maps x to [0,1) as (x>>8)*2^-24.
func Float32(x uint32) float32 { return float32(x>>8) * 0x1p-24 }

// Float64 maps the 64-bit word hi<<32|lo to [0,1) as (x64>>11)*2^-53.
func Float64(hi, lo uint32) float64 { return float64((uint64(hi)<<32|uint64(lo))>>11) * 0x1p-53 }
