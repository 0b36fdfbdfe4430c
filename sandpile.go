package quench

import (
	"math/bits"

	"github.com/quenchlab/quench/internal/philox"
)

// Sandpile holds the buffers of an Abelian (BTW) sandpile on a hypercubic
// lattice with open boundaries: heights (Uint8, 0 .. 2d-1 when stable),
// activity (Int64, how often each site has toppled) and stamp (Int32, the
// number of the last avalanche in which the site toppled; 0 = never).
//
// Rule. A site is unstable when its height is at least z = 2d. One round
// (a "parallel step") topples every unstable site at once:
//
//	h'[x] = h[x] - z*[h[x] >= z] + sum over neighbours y of x inside the
//	        lattice of [h[y] >= z]
//
// grains sent across the boundary are lost. Rounds repeat until no site is
// unstable. Grains are added to a stable pile (every height below z; the
// backends follow the avalanche from the grain's site, so an unstable
// site it never reaches would be left as it is, and a loaded checkpoint
// must hold a stable pile). Because the model is abelian, the final state and each site's
// number of topplings do not depend on the order of topplings; the
// synchronous rounds also fix the duration.
type Sandpile struct {
	Heights  Buffer
	Activity Buffer
	Stamp    Buffer
}

// Avalanche are the statistics of one grain's relaxation.
type Avalanche struct {
	Size     int64 // topplings
	Area     int64 // distinct sites that toppled
	Duration int64 // rounds with at least one toppling
	Lost     int64 // grains that left through the boundary
}

// SandpileThreshold is z = 2d.
func SandpileThreshold(dim int) int { return 2 * dim }

// GrainSite is the site of grain g: the 64-bit word w1:w0 of
// Philox(seed; Lattice, replica, step g, phase 0, group 0) scaled to
// [0, sites) as the high word of w * sites (a multiply-shift, exact).
func GrainSite(ctr Counter, grain uint64, sites int64) int64 {
	r := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeLattice, ctr.Replica, grain, 0, 0, 0), philox.KeyFromSeed(ctr.Seed))
	hi, _ := bits.Mul64(uint64(r[1])<<32|uint64(r[0]), uint64(sites))
	return int64(hi)
}
