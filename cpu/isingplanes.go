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
// them.
func (b *Backend) IsingPlanes(spins quench.Buffer, lat quench.Lattice, out []int64) error {
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
	if useAVX2 && flatPlanes(g) && !planesFlat(s, g, out) {
		return nil
	}
	if useAVX2 && len(g.ext) == 1 && g.flat != nil && !planes2D(s, g, out) {
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
		bad[part] = planesWords(s, g, lo, hi, rowSum, cols[part], sc.lanes[part])
	})
	if slices.Contains(bad, true) {
		each(func(part int) {
			lo, hi := rows(part)
			planesSites(s, g, lo, hi, rowSum, cols[part])
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
// column sums, site by site, for spins of any value.
func planesSites(s []int8, g *rowGeom, lo, hi int64, rowSum, col []int64) {
	clear(col)
	lx := int64(g.lx)
	for r := lo; r < hi; r++ {
		var m int64
		for x, v := range s[r*lx : r*lx+lx] {
			m += int64(v)
			col[x] += int64(v)
		}
		rowSum[r] = m
	}
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
func planesWords(s []int8, g *rowGeom, lo, hi int64, rowSum, down []int64, lanes []uint64) (bad bool) {
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
	var inv uint64
	for r0 := lo; r0 < hi; r0 += batch {
		r1 := min(r0+batch, hi)
		if vw > 0 {
			inv |= planeRows(unsafe.Pointer(&s[r0*lx]), int(lx), int(r1-r0), vw/4, unsafe.Pointer(&lanes[0]), &downs[0])
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
			for k0 := vw; k0 < nw; k0 += 255 {
				var acc uint64
				ln := lanes[k0:min(k0+255, nw)]
				for k := range ln {
					w := le64(unsafe.Add(p, 8*(k0+k)))
					dn := w >> 1 & lsb
					inv |= (w^w>>1)&alike | ^w&lsb
					ln[k] += dn
					acc += dn
				}
				// the bytes' total (at most 8*255) from 16-bit lanes
				acc = acc&lanes16 + acc>>8&lanes16
				n += int64(acc * add16 >> 48)
			}
			for x := int64(8 * nw); x < lx; x++ {
				switch row[x] {
				case -1:
					n++
					down[x]++
				case 1:
				default:
					inv = 1
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
