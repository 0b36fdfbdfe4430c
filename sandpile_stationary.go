package quench

import (
	"fmt"
	"math/bits"

	"github.com/quenchlab/quench/internal/philox"
)

// SandpileStationary returns a configuration drawn exactly from the
// stationary state of the sandpile on lat (open boundaries, threshold 2d):
// the uniform distribution on the recurrent configurations. Driving a large
// lattice there by adding grains costs of order L^4 topplings in 2D; this
// costs a few random-walk steps per site instead.
//
// It draws a uniform spanning tree of the lattice with every boundary edge
// wired to one sink (Wilson's algorithm: loop-erased random walks, whose
// steps come from Philox(seed; Lattice, replica, block k, phase 1)), then
// maps the tree to a recurrent configuration by the burning bijection of
// Majumdar and Dhar: in the burning test the sites at tree depth t burn in
// step t, so a site x of depth t has
//
//	h(x) = #{neighbours y: depth(y) >= t} + rank of x's parent among the
//	       neighbours of depth t-1 (directions in the order -axis0,
//	       +axis0, -axis1, ...; an edge to the sink has depth 0)
//
// which is in [0, 2d-1] and recurrent, one configuration per tree.
//
// Wilson's algorithm takes the sum over sites of the expected visits of a
// walk to its start before it is absorbed: about n log n steps in 2D and
// 3D, but n^2/6 on a chain, whose walks leave only at the two ends. A 1D
// lattice is therefore sampled directly: its n+1 recurrent configurations
// are all heights 1, or all 1 but one 0; k = the high word of
// (w1:w0 of Philox(seed; Lattice, replica, block 0, phase 1)) * (n+1)
// picks the 0 at site k, none when k = n.
func SandpileStationary(lat Lattice, ctr Counter) ([]uint8, error) {
	return SandpileStationaryProgress(lat, ctr, nil)
}

// SandpileStationaryProgress is SandpileStationary calling progress, when
// not nil, now and then from the calling goroutine with the work done of
// the total: three passes over the sites (the spanning tree's, counted in
// sites joining it, whose walks take most of the time; the depths'; the
// heights'). A 16384^2 pile took 19 to 23 s on one core of the VM of
// docs/performance.md.
func SandpileStationaryProgress(lat Lattice, ctr Counter, progress func(done, total int64)) ([]uint8, error) {
	if err := lat.Check(); err != nil {
		return nil, fmt.Errorf("stationary sandpile start: %v", err)
	}
	d := lat.Dim()
	n := lat.Sites()
	if n > 1<<31-2 {
		return nil, fmt.Errorf("stationary sandpile start: %d sites, at most %d", n, 1<<31-2)
	}
	if d > 8 {
		return nil, fmt.Errorf("stationary sandpile start: %d dimensions, at most 8", d)
	}
	if d == 1 {
		r := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeLattice, ctr.Replica, 0, 1, 0, 0), philox.KeyFromSeed(ctr.Seed))
		k, _ := bits.Mul64(uint64(r[1])<<32|uint64(r[0]), uint64(n)+1)
		h := make([]uint8, n)
		for i := range h {
			h[i] = 1
		}
		if int64(k) < n {
			h[k] = 0
		}
		return h, nil
	}
	if progress == nil {
		progress = func(int64, int64) {}
	}
	if d <= 4 {
		return wilsonPile[uint16](lat, ctr, progress), nil
	}
	return wilsonPile[uint32](lat, ctr, progress), nil
}

// wilsonPile draws the tree and maps it to heights (SandpileStationary,
// d >= 2). Each site has one word: bits 0 to 2d-1 its boundary bits (bit k
// set when direction k leads to the sink), bits 2d to 2d+3 the direction
// of its parent, bit 2d+4 set once it is in the tree; so a step of a walk
// reads and writes one word (16 bits up to 4 dimensions, 32 up to 8).
func wilsonPile[W uint16 | uint32](lat Lattice, ctr Counter, progress func(done, total int64)) []uint8 {
	d := lat.Dim()
	n := lat.Sites()
	strides := make([]int64, d)
	for a, s := d-1, int64(1); a >= 0; a-- {
		strides[a] = s
		s *= int64(lat.Shape[a])
	}
	dirs := 2 * d
	dirShift := uint(dirs)
	const dirBits = 0xF
	tree := W(1) << (dirShift + 4)
	site := make([]W, n)
	for a := 0; a < d; a++ {
		la := int64(lat.Shape[a])
		for x := int64(0); x < n; x += strides[a] * la {
			// x is the first site of a block where coordinate a runs 0..la-1
			for j := int64(0); j < strides[a]; j++ {
				site[x+j] |= 1 << (2 * a)
				site[x+j+(la-1)*strides[a]] |= 1 << (2*a + 1)
			}
		}
	}
	// off[k]: the step to x's neighbour in direction k (axis k/2, sign -
	// for even k)
	off := make([]int64, dirs)
	for a := range d {
		off[2*a], off[2*a+1] = -strides[a], strides[a]
	}
	// x's neighbour in direction k, -1 for the sink, from x's word s
	neighbour := func(x int64, s W, k int) int64 {
		if s>>k&1 != 0 {
			return -1
		}
		return x + off[k]
	}
	parent := func(s W) int { return int(s >> dirShift & dirBits) }

	// direction stream: Philox blocks of 128 bits, w bits a draw, values
	// >= 2d rejected
	w := uint(bits.Len(uint(dirs - 1)))
	mask := uint64(1)<<w - 1
	key := philox.KeyFromSeed(ctr.Seed)
	var block uint64
	var buf0, buf1 uint64 // the bits not yet drawn, low bits first
	var left uint

	total := 3 * n
	const every = 1 << 18 // sites between calls of progress
	// Wilson's algorithm: walks from each site not yet in the tree,
	// recording the last direction taken from every site they visit,
	// until they meet the tree (or the sink); then the loop-erased path,
	// the last directions from the start on, joins the tree
	var joined, report int64
	for start := int64(0); start < n; start++ {
		for x := start; x >= 0; {
			s := site[x]
			if s&tree != 0 {
				break
			}
			// the next direction of the stream (written out here: the
			// walk is most of the time)
			var k int
			for {
				if left < w {
					r := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeLattice, ctr.Replica, block, 1, 0, 0), key)
					block++
					buf0, buf1 = uint64(r[1])<<32|uint64(r[0]), uint64(r[3])<<32|uint64(r[2])
					left = 128
				}
				// take the low w bits of the 128-bit buffer
				k = int(buf0 & mask)
				buf0 = buf0>>w | buf1<<(64-w)
				buf1 >>= w
				left -= w
				if k < dirs {
					break
				}
			}
			site[x] = s&^(dirBits<<dirShift) | W(k)<<dirShift
			x = neighbour(x, s, k)
		}
		for x := start; x >= 0; {
			s := site[x]
			if s&tree != 0 {
				break
			}
			site[x] = s | tree
			joined++
			x = neighbour(x, s, parent(s))
		}
		if joined >= report {
			progress(joined, total)
			report = joined + every
		}
	}

	// depths: follow parents to a known depth (counting the steps), then
	// walk the same path again, filling in depths
	depth := make([]int32, n)
	for start := int64(0); start < n; start++ {
		x, steps := start, int32(0)
		for x >= 0 && depth[x] == 0 {
			steps++
			s := site[x]
			x = neighbour(x, s, parent(s))
		}
		t := int32(0)
		if x >= 0 {
			t = depth[x]
		}
		for y := start; steps > 0; steps-- {
			depth[y] = t + steps
			s := site[y]
			y = neighbour(y, s, parent(s))
		}
		if start&(every-1) == every-1 {
			progress(n+start+1, total)
		}
	}

	h := make([]uint8, n)
	for x := int64(0); x < n; x++ {
		t := depth[x]
		s := site[x]
		px := parent(s)
		// counted without branches: the comparisons go either way at
		// random
		var above, rank uint8
		for k := 0; k < dirs; k++ {
			var ty int32 // sink
			if s>>k&1 == 0 {
				ty = depth[x+off[k]]
			}
			above += b2u8(ty >= t)
			rank += b2u8(ty == t-1) & b2u8(k < px)
		}
		h[x] = above + rank
		if x&(every-1) == every-1 {
			progress(2*n+x+1, total)
		}
	}
	progress(total, total)
	return h
}

// b2u8 is 1 for true, 0 for false (a SETcc, not a branch).
func b2u8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
