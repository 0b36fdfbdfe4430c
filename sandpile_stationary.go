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
	strides := make([]int64, d)
	for a, s := d-1, int64(1); a >= 0; a-- {
		strides[a] = s
		s *= int64(lat.Shape[a])
	}
	// edge[x] bit k: direction k of x leads to the sink
	edge := make([]uint16, n)
	for a := 0; a < d; a++ {
		la := int64(lat.Shape[a])
		for x := int64(0); x < n; x += strides[a] * la {
			// x is the first site of a block where coordinate a runs 0..la-1
			for j := int64(0); j < strides[a]; j++ {
				edge[x+j] |= 1 << (2 * a)
				edge[x+j+(la-1)*strides[a]] |= 1 << (2*a + 1)
			}
		}
	}
	// off[k]: the step to x's neighbour in direction k (axis k/2, sign -
	// for even k)
	off := make([]int64, 2*d)
	for a := range d {
		off[2*a], off[2*a+1] = -strides[a], strides[a]
	}
	neighbour := func(x int64, k int) int64 { return stationaryNeighbour(edge, off, x, k) }

	// direction stream: Philox blocks of 128 bits, w bits a draw, values
	// >= 2d rejected
	dirs := 2 * d
	w := uint(bits.Len(uint(dirs - 1)))
	mask := uint64(1)<<w - 1
	key := philox.KeyFromSeed(ctr.Seed)
	var block uint64
	var buf0, buf1 uint64 // the bits not yet drawn, low bits first
	var left uint

	// Wilson's algorithm; next[x] is the direction of x's parent
	const unset = 0xFF
	next := make([]uint8, n)
	for i := range next {
		next[i] = unset
	}
	inTree := make([]bool, n)
	for start := int64(0); start < n; start++ {
		for x := start; x >= 0 && !inTree[x]; {
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
			next[x] = uint8(k)
			x = stationaryNeighbour(edge, off, x, k)
		}
		for x := start; x >= 0 && !inTree[x]; x = stationaryNeighbour(edge, off, x, int(next[x])) {
			inTree[x] = true
		}
	}
	inTree = nil

	// depths: follow parents to a known depth (counting the steps), then
	// walk the same path again, filling in depths
	depth := make([]int32, n)
	for start := int64(0); start < n; start++ {
		x, steps := start, int32(0)
		for x >= 0 && depth[x] == 0 {
			steps++
			x = neighbour(x, int(next[x]))
		}
		t := int32(0)
		if x >= 0 {
			t = depth[x]
		}
		for y := start; steps > 0; steps-- {
			depth[y] = t + steps
			y = neighbour(y, int(next[y]))
		}
	}

	h := make([]uint8, n)
	for x := int64(0); x < n; x++ {
		t := depth[x]
		var above, rank int
		for k := 0; k < dirs; k++ {
			var ty int32 // sink
			if y := neighbour(x, k); y >= 0 {
				ty = depth[y]
			}
			if ty >= t {
				above++
			}
			if ty == t-1 && k < int(next[x]) {
				rank++
			}
		}
		h[x] = uint8(above + rank)
	}
	return h, nil
}

// stationaryNeighbour is x's neighbour in direction k (off[k] away), or -1
// (the sink) when edge[x] marks that direction as leaving the lattice.
func stationaryNeighbour(edge []uint16, off []int64, x int64, k int) int64 {
	if edge[x]>>k&1 != 0 {
		return -1
	}
	return x + off[k]
}
