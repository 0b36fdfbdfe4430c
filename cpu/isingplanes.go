package cpu

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"unsafe"

	"github.com/quenchlab/quench"
)

// IsingPlanes implements quench.Reducer: each row's sum (the planes of
// the other axes add them) and each column's, over runs of at least 127
// rows (planesWords' batch), up to four a worker, in parallel on large
// lattices. Integer sums: neither the order nor the partition changes
// them. The staggered sums take the same path, each row's sign pattern
// laid over its down-spin bits (planesWords), or in 3D each plane's
// spins turned over where staggered (planesFlat); they skip planes2D,
// whose accumulator mixes rows of both parities.
func (b *Backend) IsingPlanes(spins quench.Buffer, lat quench.Lattice, staggered bool, out []int64) error {
	if err := lat.Check(); err != nil {
		return fmt.Errorf("cpu: IsingPlanes: %v", err)
	}
	if err := quench.CheckPlanes(lat, out); err != nil {
		return fmt.Errorf("cpu: IsingPlanes: %v", err)
	}
	sb, err := asBuffer(spins, quench.Int8)
	if err != nil {
		return err
	}
	if sb.n != lat.Sites() {
		return fmt.Errorf("cpu: spin buffer has %d elements, lattice %s has %d sites", sb.n, lat, lat.Sites())
	}
	if lat.Dim() > 4 {
		return fmt.Errorf("cpu: IsingPlanes: %d-dimensional lattices are not supported (at most 4)", lat.Dim())
	}
	g := newRowGeom(lat)
	s := sb.i8
	// planesFlat reports a spin that is neither +1 nor -1: the rows path
	// below then finds it too and sums site by site
	if useAVX2 && flatPlanes(g) && !planesFlat(s, g, staggered, out) {
		return nil
	}
	if useAVX2 && !staggered && len(g.ext) == 1 && g.flat != nil && !planes2D(s, g, out) {
		return nil
	}
	// each part's column sums cost lx to flush and add: parts of at
	// least a batch of rows keep that below a site's share
	parts := int(max(1, min(int64(4*runtime.GOMAXPROCS(0)), g.rows/127)))
	per := (g.rows + int64(parts) - 1) / int64(parts)
	rows := func(part int) (lo, hi int64) { return int64(part) * per, min(int64(part+1)*per, g.rows) }
	sc := planesPool.Get().(*planesScratch)
	defer planesPool.Put(sc)
	sc.size(g.rows, parts, g.lx)
	rowSum, cols, bad := sc.rows, sc.cols, sc.bad
	each := func(f func(part int)) {
		if parts == 1 || lat.Sites() < 2*chunkSites {
			for p := range parts {
				f(p)
			}
			return
		}
		parallel(parts, f)
	}
	each(func(part int) {
		lo, hi := rows(part)
		bad[part] = planesWords(s, g, lo, hi, staggered, rowSum, cols[part], sc.lanes[part])
	})
	if slices.Contains(bad, true) {
		each(func(part int) {
			lo, hi := rows(part)
			planesSites(s, g, lo, hi, staggered, rowSum, cols[part])
		})
	}
	clear(out)
	// the last axis: the columns; the others: the rows by their
	// coordinates, counted up as the rows go (row r's coordinate along
	// axis a is r/stride[a] mod ext[a]; the last of them varies fastest)
	last := out[len(out)-g.lx:]
	for _, c := range cols {
		for x, v := range c {
			last[x] += v
		}
	}
	var offs, at [3]int64 // each axis' first plane, and the row's (at most 4 axes)
	for a := 1; a < len(g.ext); a++ {
		offs[a] = offs[a-1] + g.ext[a-1]
	}
	at = offs
	for _, v := range rowSum {
		for _, k := range at[:len(g.ext)] {
			out[k] += v
		}
		for a := len(g.ext) - 1; a >= 0; a-- {
			if at[a]++; at[a] < offs[a]+g.ext[a] {
				break
			}
			at[a] = offs[a]
		}
	}
	return nil
}

// planesScratch is IsingPlanes' working memory, kept from call to call
// (planesPool): the rows' sums, and each part's column sums, byte lanes
// (zero between calls) and bad mark.
type planesScratch struct {
	rows  []int64
	cols  [][]int64
	lanes [][]uint64
	bad   []bool
}

var planesPool = sync.Pool{New: func() any { return new(planesScratch) }}

// size makes sc hold rows row sums and parts parts of lx columns.
func (sc *planesScratch) size(rows int64, parts, lx int) {
	if int64(cap(sc.rows)) < rows {
		sc.rows = make([]int64, rows)
	}
	sc.rows = sc.rows[:rows]
	if len(sc.cols) != parts || len(sc.cols[0]) != lx {
		sc.cols, sc.lanes, sc.bad = make([][]int64, parts), make([][]uint64, parts), make([]bool, parts)
		for p := range parts {
			sc.cols[p], sc.lanes[p] = make([]int64, lx), make([]uint64, lx/8)
		}
	}
}

// planesSites sets rowSum for the rows lo..hi-1 of g and col to their
// column sums, site by site, for spins of any value; staggered: of the
// spins times (-1)^(x_1+...+x_d).
func planesSites(s []int8, g *rowGeom, lo, hi int64, staggered bool, rowSum, col []int64) {
	clear(col)
	lx := int64(g.lx)
	for r := lo; r < hi; r++ {
		var m int64
		odd := staggered && g.rowParity(r) == 1 // the sign of the row's x = 0
		for x, v := range s[r*lx : r*lx+lx] {
			w := int64(v)
			if odd != (staggered && x%2 == 1) {
				w = -w
			}
			m += w
			col[x] += w
		}
		rowSum[r] = m
	}
}

// rowParity is the parity of the sum of row r's coordinates along the
// axes but the last.
func (g *rowGeom) rowParity(r int64) int64 {
	var p int64
	for a, st := range g.stride {
		p += r / st % g.ext[a]
	}
	return p & 1
}

// noMasks and stagMasks are planeRows' masks of the plain and the
// staggered sums: for a row of even and of odd coordinate sum, 32 bytes
// (a register of spins from an even x) of 0x02 where the spin is turned
// over (its x odd, even).
var noMasks, stagMasks = [64]byte{}, func() (m [64]byte) {
	for i := range 32 {
		m[i+32*(1-i%2)] = 0x02
	}
	return
}()

// rowParities sets out[i] to rowParity(r0 + i), counting the rows'
// coordinates up from r0's (the last axis fastest) instead of dividing
// for each: on 32^3 the divisions took as long as the row's 32 sites.
func (g *rowGeom) rowParities(r0 int64, out []uint8) {
	var c [3]int64 // row r's coordinates (at most 4 axes, 3 of rows)
	var p int64
	rem := r0
	for a := len(g.ext) - 1; a >= 0; a-- {
		c[a] = rem % g.ext[a]
		rem /= g.ext[a]
		p += c[a]
	}
	for i := range out {
		out[i] = uint8(p & 1)
		for a := len(g.ext) - 1; a >= 0; a-- {
			if c[a]++; c[a] < g.ext[a] {
				p++
				break
			}
			p -= c[a] - 1
			c[a] = 0
		}
	}
}

// stagMask is the staggered sign pattern planesWords lays over a row's
// down bits (bit 0 of each byte, one byte a site; a word starts at an
// even x): the odd sites' bytes where the row's coordinate sum is even,
// the even sites' where it is odd.
func stagMask(rowParity int64) uint64 {
	if rowParity == 0 {
		return 0x0100010001000100
	}
	return 0x0001000100010001
}

// planesWords is planesSites for spins of +1 and -1. Where AVX2 runs, the
// row's whole vector registers go to planeRows, 127 rows a call; the rest
// eight sites a word: bit 0 of each byte of w>>1 & lsb marks a down spin
// (down64), and those bits add up in byte lanes, per row in a register
// (moved out every 255 words), per column in lanes. Every 127 rows the
// lanes (the vector ones twice the counts) move to int64 counts. The
// sites past the row's last whole word go one by one. bad reports a spin
// that is neither +1 (0x01) nor -1 (0xFF): a byte whose bit 0 is clear,
// or whose bits 1 to 7 are not all alike (the sums are then wrong).
// staggered counts the down staggered spins: each register's and word's
// down bits exclusive-or the row's sign pattern (stagMasks, stagMask),
// the last sites' signs one by one.
func planesWords(s []int8, g *rowGeom, lo, hi int64, staggered bool, rowSum, down []int64, lanes []uint64) (bad bool) {
	const alike = 0x7E7E7E7E7E7E7E7E // bits 1 to 6 of each byte
	const batch = 127                // rows between flushes
	lx := int64(g.lx)
	nw := int(lx / 8)
	vw := 0 // words in vector registers
	if useAVX2 {
		vw = nw &^ 3
	}
	clear(down) // down spins per column, then the column sums (lanes: 0)
	var downs [batch]int64
	var pars [batch]uint8 // the rows' parities, where staggered
	masks := &noMasks
	if staggered {
		masks = &stagMasks
	}
	var inv uint64
	for r0 := lo; r0 < hi; r0 += batch {
		r1 := min(r0+batch, hi)
		if staggered {
			g.rowParities(r0, pars[:r1-r0])
		}
		if vw > 0 {
			inv |= planeRows(unsafe.Pointer(&s[r0*lx]), int(lx), int(r1-r0), vw/4, unsafe.Pointer(&lanes[0]), &downs[0], &pars[0], masks)
		}
		for r := r0; r < r1 && 8*int64(vw) == lx; r++ {
			rowSum[r] = lx - downs[r-r0] // (twice the down spins)
		}
		for r := r0; r < r1 && 8*int64(vw) < lx; r++ {
			row := s[r*lx : r*lx+lx]
			p := unsafe.Pointer(unsafe.SliceData(row))
			var n int64
			if vw > 0 {
				n = downs[r-r0] / 2
			}
			var par int64 // the row's coordinate sum's parity, where staggered
			var mask uint64
			if staggered {
				par = int64(pars[r-r0])
				mask = stagMask(par)
			}
			for k0 := vw; k0 < nw; k0 += 255 {
				var acc uint64
				ln := lanes[k0:min(k0+255, nw)]
				for k := range ln {
					w := le64(unsafe.Add(p, 8*(k0+k)))
					dn := w>>1&lsb ^ mask
					inv |= (w^w>>1)&alike | ^w&lsb
					ln[k] += dn
					acc += dn
				}
				// the bytes' total (at most 8*255) from 16-bit lanes
				acc = acc&lanes16 + acc>>8&lanes16
				n += int64(acc * add16 >> 48)
			}
			for x := int64(8 * nw); x < lx; x++ {
				v := row[x]
				if v != 1 && v != -1 {
					inv = 1
				}
				if (v == -1) != (staggered && (par+x)%2 == 1) {
					n++
					down[x]++
				}
			}
			rowSum[r] = lx - 2*n
		}
		for k, w := range lanes {
			shift := 0
			if k < vw {
				shift = 1 // (planeRows' counts are doubled)
			}
			for i := range 8 {
				down[8*k+i] += int64(w>>(8*i)&0xFF) >> shift
			}
			lanes[k] = 0
		}
	}
	for x, d := range down {
		down[x] = hi - lo - 2*d
	}
	return inv != 0
}
