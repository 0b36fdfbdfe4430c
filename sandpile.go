package quench

import (
	"fmt"
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

// Box is the sites of a lattice whose coordinate along each axis a lies
// in [Lo[a], Hi[a]).
type Box struct{ Lo, Hi []int }

// CentralBox is the central half of lat along each axis: [L/4, L - L/4),
// the whole axis where L < 4. Far from the open boundaries, where a
// sandpile's height distribution is close to the infinite lattice's.
func CentralBox(lat Lattice) *Box {
	b := &Box{}
	for _, l := range lat.Shape {
		lo := 0
		if l >= 4 {
			lo = l / 4
		}
		b.Lo, b.Hi = append(b.Lo, lo), append(b.Hi, l-lo)
	}
	return b
}

// BoxGeom is a box of a lattice of up to 3 axes as the kernels walk it:
// Ext its extents and Stride the lattice's strides, both padded at the
// front to 3 axes (extent 1), Origin the index of its first site, Sites
// their product.
type BoxGeom struct {
	Ext, Stride   [3]int64
	Origin, Sites int64
}

// Geometry checks box against lat (nil: the whole lattice) and returns
// its BoxGeom.
func (b *Box) Geometry(lat Lattice) (BoxGeom, error) {
	d := lat.Dim()
	if d < 1 || d > 3 {
		return BoxGeom{}, fmt.Errorf("a box of a %d-dimensional lattice: 1 to 3 axes are supported", d)
	}
	g := BoxGeom{Ext: [3]int64{1, 1, 1}, Sites: 1}
	s := int64(1)
	for a := d - 1; a >= 0; a-- {
		k := 3 - d + a
		lo, hi := 0, lat.Shape[a]
		if b != nil {
			if len(b.Lo) != d || len(b.Hi) != d {
				return BoxGeom{}, fmt.Errorf("box %v..%v does not have the %d axes of lattice %s", b.Lo, b.Hi, d, lat)
			}
			lo, hi = b.Lo[a], b.Hi[a]
			if lo < 0 || hi > lat.Shape[a] || lo > hi {
				return BoxGeom{}, fmt.Errorf("box %v..%v is not inside lattice %s", b.Lo, b.Hi, lat)
			}
		}
		g.Ext[k], g.Stride[k] = int64(hi-lo), s
		g.Origin += int64(lo) * s
		g.Sites *= int64(hi - lo)
		s *= int64(lat.Shape[a])
	}
	return g, nil
}
