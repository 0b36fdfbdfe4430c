package quench

import (
	"fmt"
	"math"

	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/internal/pmath"
)

// Algo is an Ising update algorithm.
type Algo uint8

// The checkerboard algorithms.
const (
	Metropolis Algo = iota + 1
	HeatBath        // Glauber: flip with probability 1/(1+exp(beta*dE))
)

func (a Algo) String() string {
	switch a {
	case Metropolis:
		return "metropolis"
	case HeatBath:
		return "heatbath"
	}
	return "invalid"
}

// ParseAlgo reads "metropolis" or "heatbath".
func ParseAlgo(s string) (Algo, error) {
	switch s {
	case "metropolis":
		return Metropolis, nil
	case "heatbath", "glauber":
		return HeatBath, nil
	}
	return 0, Usagef("unknown --algo %q: allowed are metropolis, heatbath (or glauber, the same)", s)
}

// IsingParams are the physical parameters of H = -J sum_<ij> s_i s_j - h sum_i s_i
// at inverse temperature Beta.
type IsingParams struct {
	J, H, Beta float64
	Algo       Algo
}

// IsingTable holds the host-computed acceptance thresholds of the Ising
// kernels, so that no transcendental function is ever evaluated while
// sweeping. Entry k = ((s+1)/2)*(2d+1) + (nb+2d)/2 for spin s = +-1 and
// neighbour sum nb in {-2d, ..., 2d}; Thr[k] = floor(p*2^32) in [0, 2^32]
// where p is the probability of flipping s.
//
// Per-site rule, for colour c in {0, 1} and every site n whose coordinates
// sum to c mod 2 (n is the row-major index, last axis fastest):
//
//	k  := index(s[n], sum of the 2d neighbours of n)
//	u8 := byte (n>>1)&15 of Philox(seed; purpose Ising, replica, step, phase c, group n>>5, block 0)
//	flip if u8 < Thr[k]>>24
//	else if u8 == Thr[k]>>24:
//	    w := word 0 of Philox(seed; Ising, replica, step, phase c, group n>>1, block 1)
//	    flip if w>>8 < Thr[k] & 0xFFFFFF
//
// This is exactly "flip if u < Thr[k]" for the uniform 32-bit u = u8<<24 | w>>8,
// but one Philox call serves 16 sites and the second call is needed only
// for one site in 256. Bytes are numbered little-endian within the four
// output words: byte b is (word[b/4] >> (8*(b%4))) & 0xFF.
type IsingTable struct {
	Dim int
	Thr []uint64 // 2*(2d+1) entries
	Hi  []int32  // Thr>>24, in 0..256
	Lo  []uint32 // Thr & 0xFFFFFF
}

// AcceptsAll reports whether every flip is accepted with certainty (a
// Metropolis table at beta J = beta h = 0, or where beta rounds every
// energy change's weight to 1): the sweep is then deterministic.
func (t *IsingTable) AcceptsAll() bool {
	for _, thr := range t.Thr {
		if thr < 1<<32 {
			return false
		}
	}
	return true
}

// MaxReject is the largest probability with which the table rejects a
// flip (1 - its smallest threshold / 2^32): 0 where it AcceptsAll.
func (t *IsingTable) MaxReject() float64 {
	least := uint64(1 << 32)
	for _, thr := range t.Thr {
		least = min(least, thr)
	}
	return float64(1<<32-least) / (1 << 32)
}

// NewIsingTable computes the thresholds for a d-dimensional lattice.
func NewIsingTable(dim int, p IsingParams) (*IsingTable, error) {
	if p.Beta <= 0 || math.IsInf(p.Beta, 0) || math.IsNaN(p.Beta) {
		return nil, fmt.Errorf("beta %v is not a positive finite number", p.Beta)
	}
	// a NaN probability (J or h NaN, or infinite times a neighbour sum of
	// 0) would convert to a threshold the platform picks
	for _, v := range []float64{p.J, p.H} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("coupling J %v or field h %v is not a finite number", p.J, p.H)
		}
	}
	// a lattice has at most 49 axes (MaxSites sites, extents of 2 or more)
	if dim < 1 || dim > 49 {
		return nil, fmt.Errorf("an Ising table for %d dimensions: a lattice has 1 to 49", dim)
	}
	z := 2 * dim
	t := &IsingTable{Dim: dim, Thr: make([]uint64, 2*(z+1)), Hi: make([]int32, 2*(z+1)), Lo: make([]uint32, 2*(z+1))}
	for si, s := range []float64{-1, 1} {
		for j := 0; j <= z; j++ {
			nb := float64(2*j - z)
			// (the product converted: no machine fuses it with the sum)
			dE := 2 * s * (float64(p.J*nb) + p.H)
			var prob float64
			switch p.Algo {
			case Metropolis:
				prob = math.Min(1, pmath.Exp(-p.Beta*dE))
			case HeatBath:
				prob = 1 / (1 + pmath.Exp(p.Beta*dE))
			default:
				return nil, fmt.Errorf("invalid algorithm %d", p.Algo)
			}
			thr := uint64(math.Floor(prob * 0x1p32))
			if thr > 1<<32 {
				thr = 1 << 32
			}
			k := si*(z+1) + j
			t.Thr[k] = thr
			t.Hi[k] = int32(thr >> 24)
			t.Lo[k] = uint32(thr & 0xFFFFFF)
		}
	}
	return t, nil
}

// Index is the table entry for spin s and neighbour sum nb.
func (t *IsingTable) Index(s int8, nb int) int {
	z := 2 * t.Dim
	return int((s+1)>>1)*(z+1) + (nb+z)>>1
}

// IsingFlip is the reference form of the per-site rule above: whether site n
// with table entry k flips in colour phase at ctr. Kernels must agree with
// it bit for bit; it is written for clarity, not speed. Like a slice
// index, k must be an entry of t (Index gives one); another panics.
func IsingFlip(t *IsingTable, k int, n int64, phase uint32, ctr Counter) bool {
	key := philox.KeyFromSeed(ctr.Seed)
	j := uint64(n) >> 1
	r := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeIsing, ctr.Replica, ctr.Step, phase, j>>4, 0), key)
	b := j & 15
	u8 := int32(r[b/4]>>(8*(b%4))) & 0xFF
	if u8 != t.Hi[k] {
		return u8 < t.Hi[k]
	}
	w := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeIsing, ctr.Replica, ctr.Step, phase, j, 1), key)[0]
	return w>>8 < t.Lo[k]
}

// Colour is the checkerboard colour (coordinate sum mod 2) of site n of a
// lattice that passes Check (an extent of 0 divides by zero).
func (l Lattice) Colour(n int64) uint32 {
	var c int64
	for i := len(l.Shape) - 1; i >= 0; i-- {
		c += n % int64(l.Shape[i])
		n /= int64(l.Shape[i])
	}
	return uint32(c & 1)
}

// InitSpins fills s with a start configuration: "cold" is all +1, "hot" is
// +1 or -1 with probability 1/2 each, bit (n & 31) of Philox(seed; purpose
// Init, replica, step 0, phase 0, group n>>7, block 0) read as word
// (n>>5)&3, bit n&31.
func InitSpins(s []int8, start string, seed uint64, replica uint32) error {
	switch start {
	case "cold":
		for i := range s {
			s[i] = 1
		}
	case "hot":
		key := philox.KeyFromSeed(seed)
		var r [4]uint32
		for i := range s {
			n := uint64(i)
			if n&127 == 0 {
				r = philox.Philox4x32_10(philox.MakeCounter(philox.PurposeInit, replica, 0, 0, n>>7, 0), key)
			}
			s[i] = int8(1 - 2*int((r[(n>>5)&3]>>(n&31))&1))
		}
	default:
		return Usagef("unknown --start %q: allowed are hot, cold", start)
	}
	return nil
}
