package cpu

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/philox"
)

// chunkSites is the target size of one part of the fixed row partition.
const chunkSites = 1 << 15

// rowGeom describes the lattice as rows along the last (fastest) axis.
type rowGeom struct {
	lx      int     // extent of the last axis
	rows    int64   // number of rows
	ext     []int64 // extents of the other axes, slowest first
	stride  []int64 // row-index stride of each other axis
	perPart int64   // rows per part of the fixed partition
	parts   int
	flat    *flatTables // the flat sweep's tables, where it takes the lattice (flatGeom)
}

// rowGeomCache keeps each lattice's geometry (computed once: choosing the
// partition can take a few thousand steps for awkward extents), and
// lastGeom the last one asked for, found without making the key (a small
// lattice's sweep is a microsecond or two).
var (
	rowGeomCache sync.Map // shape string -> *rowGeom
	lastGeom     atomic.Pointer[shapeGeom]
)

// shapeGeom is a lattice shape (a copy) and its geometry.
type shapeGeom struct {
	shape []int
	g     *rowGeom
}

// newRowGeom returns lat's geometry, shared: read only.
func newRowGeom(lat quench.Lattice) *rowGeom {
	if e := lastGeom.Load(); e != nil && slices.Equal(e.shape, lat.Shape) {
		return e.g
	}
	key := lat.String()
	var g *rowGeom
	if v, ok := rowGeomCache.Load(key); ok {
		g = v.(*rowGeom)
	} else {
		c := computeRowGeom(lat)
		g = &c
		rowGeomCache.Store(key, g)
	}
	lastGeom.Store(&shapeGeom{shape: slices.Clone(lat.Shape), g: g})
	return g
}

func computeRowGeom(lat quench.Lattice) rowGeom {
	d := lat.Dim()
	g := rowGeom{lx: lat.Shape[d-1], rows: 1}
	g.ext = make([]int64, d-1)
	g.stride = make([]int64, d-1)
	for a := d - 2; a >= 0; a-- {
		g.ext[a] = int64(lat.Shape[a])
		g.stride[a] = g.rows
		g.rows *= g.ext[a]
	}
	// Parts are whole slices along the slowest axis, so that a row's
	// neighbour rows lie in its own part or an adjacent one, and their
	// number is even (or one): the sweep runs even parts, then odd parts,
	// and no two concurrent parts ever touch the same rows. (Extents are
	// even, so one slice per part always gives an even count.)
	target := max(1, chunkSites/int64(g.lx))
	if d == 1 {
		g.perPart, g.parts = 1, 1
		return g
	}
	nSlices := g.ext[0]
	sliceRows := g.rows / nSlices
	per := max(1, min(target/sliceRows, nSlices/2)) // 1 where nSlices is 1
	for per > 1 && (nSlices%per != 0 || (nSlices/per)%2 != 0) {
		per--
	}
	g.perPart = per * sliceRows
	g.parts = int(nSlices / per)
	g.flat = flatGeom(&g)
	return g
}

// neighbours fills nb with the 2(d-1) neighbouring row indices of row r
// (periodic) and returns the coordinate sum of the row mod 2.
func (g *rowGeom) neighbours(r int64, nb []int64) int {
	par := 0
	rem := r
	for a := len(g.ext) - 1; a >= 0; a-- {
		c := rem % g.ext[a]
		rem /= g.ext[a]
		par += int(c)
		up, dn := r+g.stride[a], r-g.stride[a]
		if c == g.ext[a]-1 {
			up -= g.ext[a] * g.stride[a]
		}
		if c == 0 {
			dn += g.ext[a] * g.stride[a]
		}
		nb[2*a], nb[2*a+1] = up, dn
	}
	return par & 1
}

// isingScratch is a part's working memory, kept between sweeps in
// scratchPool (a part's random bytes are about chunkSites/2: a fresh
// buffer per part and phase had added a byte per site of garbage per
// sweep): its random bytes, the vector sweep's list of undecided
// registers and its ties.
type isingScratch struct {
	u    []uint8
	vt   [2 * maxVecs]uint32
	rt   []uint32 // wholeRows' and flatRows' list of ties, two words a register
	g    []int8   // flatRows' copy of a region
	ties tieList
}

var scratchPool = sync.Pool{New: func() any { return new(isingScratch) }}

// tieCap is the most ties a tieList holds; tieFlush the number at which
// it decides them (tests lower it).
const tieCap = 256

var tieFlush = tieCap

// tieList holds the ties vecTies found (sites whose primary byte equals
// the threshold's high byte), decided together by flush: the site's own
// second draw against the threshold's low 24 bits. Same-colour sites do
// not read each other, so deciding them later in the part's sweep of
// its colour changes nothing.
type tieList struct {
	n    int
	site [tieCap]unsafe.Pointer
	lo   [tieCap]uint32
	j    [tieCap]uint64 // phase-site index
	w0   [tieCap]uint32
	w    [tieCap]uint32
}

// add records a tie, deciding the ones held first when the list is full.
func (tl *tieList) add(site unsafe.Pointer, lo uint32, j uint64, key philox.Key, ctr quench.Counter, phase uint32) {
	if tl.n >= tieFlush {
		tl.flush(key, ctr, phase)
	}
	tl.site[tl.n], tl.lo[tl.n], tl.j[tl.n] = site, lo, j
	tl.n++
}

// flush decides the ties held as tie does (word 0 of the site's draw of
// block 1: flip when w>>8 < lo), their draws by philox.Word0s for the
// ones whose phase-site indices share the first's high 32 bits (all of
// them below 2^32), and empties the list.
func (tl *tieList) flush(key philox.Key, ctr quench.Counter, phase uint32) {
	n := tl.n
	if n == 0 {
		return
	}
	hi := tl.j[0] >> 32
	for i := range n {
		tl.w0[i] = uint32(tl.j[i])
	}
	philox.Word0s(tl.w[:n], tl.w0[:n], philox.MakeCounter(philox.PurposeIsing, ctr.Replica, ctr.Step, phase, hi<<32, 1), key)
	for i := range n {
		w := tl.w[i]
		if tl.j[i]>>32 != hi {
			w = philox.Philox4x32_10(philox.MakeCounter(philox.PurposeIsing, ctr.Replica, ctr.Step, phase, tl.j[i], 1), key)[0]
		}
		if w>>8 < tl.lo[i] {
			*(*uint8)(tl.site[i]) ^= 0xFE // +1 <-> -1
		}
	}
	clear(tl.site[:n]) // no pointers into the spins kept in the pool
	tl.n = 0
}

// IsingSweep implements quench.SpinFlipper; the per-site rule is documented
// on quench.IsingTable and written out in quench.IsingFlip.
func (b *Backend) IsingSweep(spins quench.Buffer, lat quench.Lattice, tab *quench.IsingTable, ctr quench.Counter) error {
	if err := ctr.Check(); err != nil {
		return fmt.Errorf("cpu: IsingSweep: %v", err)
	}
	if err := lat.Check(); err != nil {
		return fmt.Errorf("cpu: IsingSweep: %v", err)
	}
	sb, err := asBuffer(spins, quench.Int8)
	if err != nil {
		return err
	}
	if sb.n != lat.Sites() {
		return fmt.Errorf("cpu: spin buffer has %d elements, lattice %s has %d sites", sb.n, lat, lat.Sites())
	}
	if tab == nil || tab.Dim != lat.Dim() {
		return fmt.Errorf("cpu: Ising table does not match a %d-dimensional lattice", lat.Dim())
	}
	if k := 2 * (2*tab.Dim + 1); len(tab.Hi) != k || len(tab.Lo) != k {
		return fmt.Errorf("cpu: Ising table of %d and %d thresholds, want %d each (NewIsingTable)", len(tab.Hi), len(tab.Lo), k)
	}
	if err := lat.CheckCheckerboard(); err != nil {
		return err
	}
	if lat.Dim() > 4 {
		return fmt.Errorf("cpu: %d-dimensional Ising lattices are not supported (at most 4)", lat.Dim())
	}
	g := newRowGeom(lat)
	w := isingWork{s: sb.i8, g: g, tab: tab, pt: cachedPackTable(tab), key: philox.KeyFromSeed(ctr.Seed), ctr: ctr}
	for phase := uint32(0); phase < 2; phase++ {
		if lat.Sites() < 2*chunkSites || g.parts == 1 {
			// one goroutine, and no closure to allocate
			for p := 0; p < g.parts; p++ {
				w.part(p, phase)
			}
		} else {
			w.parallelPhase(phase)
		}
	}
	return nil
}

// parallelPhase sweeps one colour's even parts, then its odd ones, each
// half on several goroutines (a copy of w: the caller's stays on its
// stack).
func (w isingWork) parallelPhase(phase uint32) {
	for parity := 0; parity < 2; parity++ {
		parallel(w.g.parts/2, func(i int) { w.part(2*i+parity, phase) })
	}
}

// isingWork is what every part of a sweep reads.
type isingWork struct {
	s   []int8
	g   *rowGeom
	tab *quench.IsingTable
	pt  *packedTable
	key philox.Key
	ctr quench.Counter
}

// part sweeps the sites of one colour (phase) in the rows of one part.
func (w *isingWork) part(part int, phase uint32) {
	g := w.g
	var nbs [6]int64 // 2(d-1) neighbouring rows, d <= 4
	nb := nbs[:2*len(g.ext)]
	lo := int64(part) * g.perPart
	hi := min(lo+g.perPart, g.rows)
	// the part's random bytes in one pass: row r's lx/2 sites of this
	// colour have phase-site indices r lx/2 on (so short rows, as in 3D,
	// fill whole vector blocks of Philox groups too)
	half := g.lx / 2
	sc := scratchPool.Get().(*isingScratch)
	defer scratchPool.Put(sc)
	sc.ties.n = 0 // none left by a part that panicked before its flush
	if need := int(hi-lo) * half; cap(sc.u) < need {
		sc.u = make([]uint8, need)
	}
	u := sc.u[:int(hi-lo)*half]
	rowRandom(u, uint64(lo)*uint64(half), w.key, w.ctr, phase)
	switch {
	case useAVX2 && (len(nb) == 2 || len(nb) == 4) && g.lx%32 == 0:
		w.wholeRows(lo, hi, phase, u, sc)
	case useAVX2 && g.flat != nil:
		w.flatRows(lo, hi, phase, u, sc)
	default:
		for r := lo; r < hi; r++ {
			par := g.neighbours(r, nb)
			x0 := (par + int(phase)) & 1
			k := int(r-lo) * half
			sweepRow(w.s, r*int64(g.lx), nb, g.lx, x0, w.tab, w.pt, u[k:k+half], sc, w.key, w.ctr, phase)
		}
	}
	sc.ties.flush(w.key, w.ctr, phase)
}

// rowMasks[x0] has 0xFE at the bytes x0, x0 + 2, ... of a register: the
// sites isingRows2 and isingRows3 update in a row whose first site is x0.
var rowMasks = func() (m [2][32]uint8) {
	for i := 0; i < 32; i++ {
		m[i&1][i] = 0xFE
	}
	return m
}()

// wholeRowsRegs is about the most registers of rows one isingRows2 or
// isingRows3 call sweeps (a row at least): the size of its list of ties.
const wholeRowsRegs = 256

// wholeRows sweeps one colour of the 2D or 3D rows lo..hi (u their random
// bytes, from rowRandom) when a row is whole vector registers (lx a
// multiple of 32): runs of rows of one plane (3D) by isingRows2 or
// isingRows3, whose ends are vector sites too (by the other sites' rule,
// the down bits of the neighbours: sweepRow's ends add the spins, the
// same for the +1 and -1 that sweeps write), then rowsTies for the sites
// they left. 3D rows are short (a 128-site row is 4 registers), and
// sweepRow's set-up (the neighbour rows by division, both end sites one
// at a time, a second kernel call for the registers' remainder) had cost
// more than the registers themselves; a call a row still left a quarter
// of the time in its set-up at L = 64.
func (w *isingWork) wholeRows(lo, hi int64, phase uint32, u []uint8, sc *isingScratch) {
	g := w.g
	lx := int64(g.lx)
	half := lx / 2
	n := g.lx / 32
	per := int64(max(1, wholeRowsRegs/n)) // rows a call
	if need := 2 * n * int(per); cap(sc.rt) < need {
		sc.rt = make([]uint32, need)
	}
	ties := sc.rt[:cap(sc.rt)]
	tabs := &w.pt.vecTab
	p0 := unsafe.Pointer(unsafe.SliceData(w.s))
	at := func(r int64) unsafe.Pointer { return unsafe.Add(p0, r*lx) }
	_ = u[(hi-lo)*half-1] // the rows' random bytes are in u
	pu0 := unsafe.Pointer(unsafe.SliceData(u))
	// A plane: the rows of one coordinate along the axis before the
	// one before the last (3D), or all of them (2D); the row stride of
	// the axis between is 1, so a row's neighbours along it are the
	// next and previous rows, wrapping within the plane.
	threeD := len(g.ext) == 2
	ny := g.ext[len(g.ext)-1]
	for r0 := lo; r0 < hi; {
		y, z := r0%ny, r0/ny // z = 0 in 2D
		start := r0 - y      // the plane's first row
		r1 := min(r0+per, hi, start+ny)
		up, down := r1, r0-1 // the last row's next, the first's previous
		if r1 == start+ny {
			up = start
		}
		if y == 0 {
			down = start + ny - 1
		}
		x0 := int((y + z + int64(phase)) & 1)
		pu := unsafe.Add(pu0, (r0-lo)*half)
		var pe, pf unsafe.Pointer
		var nt int
		if threeD {
			nz := g.ext[0]
			za, zc := r0+ny, r0-ny
			if z == nz-1 {
				za -= nz * ny
			}
			if z == 0 {
				zc += nz * ny
			}
			pe, pf = at(za), at(zc)
			nt = isingRows3(at(r0), pe, pf, pu, n, int(r1-r0), x0, at(up), at(down), tabs, &rowMasks, &ties[0])
		} else {
			nt = isingRows2(at(r0), pu, n, int(r1-r0), x0, at(up), at(down), tabs, &rowMasks, &ties[0])
		}
		if nt > 0 {
			rowsTies(ties[:2*nt], at(r0), pe, pf, pu, n, int(r1-r0), at(up), at(down), w.pt, &sc.ties, uint64(r0*half), w.key, w.ctr, phase)
		}
		r0 = r1
	}
}

// rowsTies is vecTies for isingRows2 and isingRows3, with their arguments
// (rows of n registers from pr, ...): the site at byte o of a row has its
// row's random byte o/2, its left neighbour at o - 1 but for o = 0, whose
// is the row's last byte, and its right one at o + 1 but for the last
// byte, whose is byte 0. j is the phase-site index of pr's first random
// byte.
//
//go:noinline
func rowsTies(ties []uint32, pr, pe, pf, pu unsafe.Pointer, n, rows int, up, down unsafe.Pointer, pt *packedTable, tl *tieList, j uint64, key philox.Key, ctr quench.Counter, phase uint32) {
	dn := func(p unsafe.Pointer, o uintptr) int { return int(*(*uint8)(unsafe.Add(p, o)) >> 1 & 1) }
	lx := uintptr(32 * n)
	last := lx - 1
	for t := 0; t+1 < len(ties); t += 2 {
		k, v := int(ties[t])/n, uintptr(int(ties[t])%n) // row, register
		row := uintptr(k) * lx
		p := unsafe.Add(pr, row)
		pa, pc := up, down
		if k < rows-1 {
			pa = unsafe.Add(p, lx)
		}
		if k > 0 {
			pc = unsafe.Add(p, -int(lx))
		}
		var qe, qf unsafe.Pointer
		if pe != nil {
			qe, qf = unsafe.Add(pe, row), unsafe.Add(pf, row)
		}
		for m := ties[t+1]; m != 0; m &= m - 1 {
			o := 32*v + uintptr(bits.TrailingZeros32(m))
			left, right := o-1, o+1
			if o == 0 {
				left = last
			}
			if o == last {
				right = 0
			}
			nd := dn(p, left) + dn(p, right) + dn(pa, o) + dn(pc, o)
			if qe != nil {
				nd += dn(qe, o) + dn(qf, o)
			}
			kk := nd + 8*dn(p, o)
			i := row/2 + o/2 // the site's random byte
			d := int32(*(*uint8)(unsafe.Add(pu, i))) - pt.hiK[kk]
			if d == 0 {
				tl.add(unsafe.Add(p, o), pt.loK[kk], j+uint64(i), key, ctr, phase)
				continue
			}
			flip := uint8(d >> 31)                     // 0xFF when u8 < h
			*(*uint8)(unsafe.Add(p, o)) ^= flip & 0xFE // +1 <-> -1
		}
	}
}

// rowRandom fills u[k] with the primary random byte of the k-th same-colour
// site of a row whose first such site has phase-site index j0: byte
// (j0+k)&15 of the Philox call for group (j0+k)>>4.
func rowRandom(u []uint8, j0 uint64, key philox.Key, ctr quench.Counter, phase uint32) {
	counter := func(j uint64) philox.Counter {
		return philox.MakeCounter(philox.PurposeIsing, ctr.Replica, ctr.Step, phase, j>>4, 0)
	}
	partial := func(k int) int { // bytes of the group holding site k, from k on
		j := j0 + uint64(k)
		r := philox.Philox4x32_10(counter(j), key)
		for b := j & 15; b < 16 && k < len(u); b, k = b+1, k+1 {
			u[k] = uint8(r[b>>2] >> ((b & 3) << 3))
		}
		return k
	}
	k := 0
	if j0&15 != 0 {
		k = partial(0)
	}
	whole := (len(u) - k) &^ 15
	philox.FillGroups(u[k:k+whole], counter(j0+uint64(k)), key)
	k += whole
	if k < len(u) {
		partial(k)
	}
}

// keyOf packs spin sv and neighbour sum into an index of a 64-entry table:
// bit 5 set for sv = -1, low bits sum+z (0..2z <= 16 for d <= 4).
func keyOf(sv int8, sum, z int) int { return int(uint8(sv)&2)<<4 + sum + z }

// packedTable re-indexes the table by keyOf.
type packedTable struct {
	hi [64]int32
	k  [64]int // the IsingTable entry
	// by down-neighbour count nd plus 8 if the spin is down (SWAR blocks)
	hiK [16]int32
	kK  [16]int
	loK [16]uint32 // tab.Lo[kK]
	// lut[key<<8 | u8]: 0xFE when u8 < hiK[key] (flip), 1 when equal (a
	// tie for the second draw), 0 otherwise
	lut [16 << 8]uint8
	// the vector sweep's tables (isingVec2, isingVec3), by 2 nd + down
	// (down 1 if the spin is down), twice for the two 128-bit lanes: [0]
	// g = hiK - 1 clamped to 0..255 (u <= g: flip), [1] h = hiK mod 256
	// (u == h: a tie or a threshold of 0 or 256, decided by vecTies)
	vecTab [2][32]uint8
}

// packedTables caches the re-indexed tables by IsingTable (tables are not
// modified after NewIsingTable). A small bound keeps it from growing in
// programs that build many tables.
var packedTables sync.Map // *quench.IsingTable -> *packedTable

func cachedPackTable(tab *quench.IsingTable) *packedTable {
	if p, ok := packedTables.Load(tab); ok {
		return p.(*packedTable)
	}
	p := packTable(tab)
	n := 0
	packedTables.Range(func(_, _ any) bool { n++; return n < 64 })
	if n >= 64 {
		packedTables.Clear()
	}
	packedTables.Store(tab, p)
	return p
}

func packTable(tab *quench.IsingTable) *packedTable {
	z := 2 * tab.Dim
	p := &packedTable{}
	for i := range p.hi {
		p.hi[i] = -1 // unused keys never match a byte
	}
	for i := range p.hiK {
		p.hiK[i] = -1
	}
	defer func() {
		for nd := 0; nd < 8; nd++ {
			for down := 0; down < 2; down++ {
				// Hi outside 0..256 (a hand-made table): clamped, u < Hi and
				// u == Hi keep their answers (u == 0 goes to vecTies, which
				// compares with hiK itself)
				h := min(max(p.hiK[nd+8*down], 0), 256)
				i := 2*nd + down
				p.vecTab[0][i] = uint8(min(max(h-1, 0), 255))
				p.vecTab[1][i] = uint8(h)
				p.vecTab[0][16+i], p.vecTab[1][16+i] = p.vecTab[0][i], p.vecTab[1][i]
			}
		}
		for key := range p.hiK {
			for u := 0; u < 256; u++ {
				switch h := p.hiK[key]; {
				case int32(u) < h:
					p.lut[key<<8|u] = 0xFE
				case int32(u) == h:
					p.lut[key<<8|u] = 1
				}
			}
		}
	}()
	for _, sv := range []int8{-1, 1} {
		for sum := -z; sum <= z; sum += 2 {
			k := tab.Index(sv, sum)
			p.hi[keyOf(sv, sum, z)&63] = tab.Hi[k]
			p.k[keyOf(sv, sum, z)&63] = k
			if z <= 6 {
				kk := (z-sum)/2 + 8*int(uint8(sv)&2)/2
				p.hiK[kk], p.kK[kk], p.loK[kk] = tab.Hi[k], k, tab.Lo[k]
			}
		}
	}
	return p
}

// sweepRow updates the sites of one colour in one row. base is the index of
// the row's first site, nb the other rows' indices (not yet multiplied by
// lx), u the row's lx/2 primary random bytes, drawn by the caller
// (rowRandom from phase-site index base/2 on).
func sweepRow(s []int8, base int64, nb []int64, lx, x0 int, tab *quench.IsingTable, pt *packedTable, u []uint8, sc *isingScratch, key philox.Key, ctr quench.Counter, phase uint32) {
	z := 2 * tab.Dim
	row := s[base : base+int64(lx)]
	r0 := base / int64(lx)
	j0 := uint64(base)>>1 + uint64(x0)>>1 // phase-site index of the first site
	// u holds the row's (lx-x0+1)/2 = lx/2 random bytes (lx is even):
	// byte k for phase-site index j0+k, drawn by the caller (rowRandom)
	u = u[:(lx-x0+1)/2]
	other := func(x int) int { // neighbour sum along the other axes
		sum := 0
		for _, o := range nb {
			sum += int(s[o*int64(lx)+int64(x)])
		}
		return sum
	}
	// the sites next to the row's ends, which wrap around
	edge := func(x int) {
		k := (x - x0) >> 1
		sv := row[x]
		sum := int(row[(x+lx-1)%lx]) + int(row[(x+1)%lx]) + other(x)
		update(row, x, sv, keyOf(sv, sum, z)&63, u[k], j0+uint64(k), tab, pt, key, ctr, phase)
	}
	first, last := x0, x0+2*(len(u)-1)
	edge(first)
	if last != first {
		edge(last)
	}
	// Interior sites: x = first+2, first+4, ..., last-2, so x-1 and x+1 stay
	// inside the row and every neighbour row has lx sites. The loops below
	// read through unsafe pointers because that bound is known here and
	// bounds checks cost a third of the sweep; backendtest checks them
	// against the plain reference bit for bit.
	inner := (last-first)/2 - 1
	if inner > 0 && (len(nb) == 2 || len(nb) == 4) {
		at := func(rowIndex int64, x int) unsafe.Pointer { return unsafe.Pointer(&s[rowIndex*int64(lx)+int64(x)]) }
		x := first + 2
		if useAVX2 && inner >= 16 {
			// 16 sites a vector register, all the interior
			var pe, pf unsafe.Pointer
			if len(nb) == 4 {
				pe, pf = at(nb[2], x), at(nb[3], x)
			}
			vecRow(at(r0, x), at(nb[0], x), at(nb[1], x), pe, pf, unsafe.Pointer(&u[1]), inner, pt, tab, sc, j0+1, key, ctr, phase)
			return
		}
		// Blocks of four sites (8 bytes) by SWAR while the block's right
		// neighbours (up to x+8) stay inside the row, then one site at a time.
		blocks := inner / 4
		for blocks > 0 && x+8*(blocks-1)+8 > lx-1 {
			blocks--
		}
		if blocks > 0 {
			var pe, pf unsafe.Pointer
			if len(nb) == 4 {
				pe, pf = at(nb[2], x), at(nb[3], x)
			}
			swarBlocks(at(r0, x), at(nb[0], x), at(nb[1], x), pe, pf, unsafe.Pointer(&u[1]), blocks, pt, tab, j0+1, key, ctr, phase)
		}
		done := 4 * blocks
		x += 2 * done
		if rest := inner - done; rest > 0 {
			pr, pu := at(r0, x), unsafe.Pointer(&u[1+done])
			if len(nb) == 2 {
				inner2(pr, pu, at(nb[0], x), at(nb[1], x), rest, tab, pt, j0+1+uint64(done), key, ctr, phase)
			} else {
				inner3(pr, pu, at(nb[0], x), at(nb[1], x), at(nb[2], x), at(nb[3], x), rest, tab, pt, j0+1+uint64(done), key, ctr, phase)
			}
		}
		return
	}
	switch len(nb) {
	default: // any other dimension: the same rule through the slice of rows
		for x, k := first+2, 1; x < last; x, k = x+2, k+1 {
			sv := row[x]
			sum := int(row[x-1]) + int(row[x+1]) + other(x)
			key32 := keyOf(sv, sum, z) & 63
			h := pt.hi[key32]
			d := int32(u[k]) - h
			flip := int8(d >> 31) // -1 when u8 < h, else 0
			if d == 0 {
				flip = tie(tab.Lo[pt.k[key32]], j0+uint64(k), key, ctr, phase)
			}
			row[x] = sv ^ (flip & -2) // +1 <-> -1
		}
	}
}

const lsb = 0x0101010101010101

// le64 loads 8 bytes at p as a little-endian word (one unaligned load on
// amd64 and arm64; correct on big-endian machines too).
func le64(p unsafe.Pointer) uint64 { return binary.LittleEndian.Uint64((*[8]byte)(p)[:]) }

// down64 has bit 0 of byte i set when spin i of the 8 at p is -1 (int8
// 0xFF has bit 1 set, +1 = 0x01 has not).
func down64(p unsafe.Pointer) uint64 { return le64(p) >> 1 & lsb }

// swarBlocks updates blocks of four same-colour sites held in 8 bytes at a
// time: pr points at the first site, pa, pc (and pe, pf in 3D, else nil) at
// the same positions in the neighbour rows, pu at the first site's random
// byte, j is its phase-site index. Per byte the number of down neighbours
// plus 8 if the site is down is the key of pt.hiK; the other colour's bytes
// are computed and ignored, and written back unchanged.
func swarBlocks(pr, pa, pc, pe, pf, pu unsafe.Pointer, blocks int, pt *packedTable, tab *quench.IsingTable, j uint64, key philox.Key, ctr quench.Counter, phase uint32) {
	lut := &pt.lut
	// The row's own words are loaded once each, left and right neighbours
	// shifted out of them in registers: loading them from memory would
	// partly overlap the previous block's store and stall store forwarding.
	prev := uint64(*(*uint8)(unsafe.Add(pr, -1))) << 56
	cur := le64(pr)
	for b := 0; b < blocks; b++ {
		off := uintptr(8 * b)
		p := unsafe.Add(pr, off)
		var next uint64
		if b+1 < blocks {
			next = le64(unsafe.Add(p, 8))
		} else {
			next = uint64(*(*uint8)(unsafe.Add(p, 8))) // the row may end after it
		}
		left, right := cur<<8|prev>>56, cur>>8|next<<56
		nd := left>>1&lsb + right>>1&lsb + down64(unsafe.Add(pa, off)) + down64(unsafe.Add(pc, off))
		if pe != nil {
			nd += down64(unsafe.Add(pe, off)) + down64(unsafe.Add(pf, off))
		}
		k := nd + (cur>>1&lsb)<<3
		u := uint64(binary.LittleEndian.Uint32((*[4]byte)(unsafe.Add(pu, 4*b))[:]))
		// decision table by (key, random byte): 0xFE flip, 0 keep, 1 tie
		f := uint64(lut[(k&15)<<8|u&0xFF]) | uint64(lut[(k>>16&15)<<8|u>>8&0xFF])<<16 |
			uint64(lut[(k>>32&15)<<8|u>>16&0xFF])<<32 | uint64(lut[(k>>48&15)<<8|u>>24])<<48
		if f&0x0001000100010001 != 0 {
			f = swarTies(f, k, pt, tab, j+uint64(4*b), key, ctr, phase)
		}
		// one word store: no goroutine running concurrently with this one
		// reads this row (parts adjacent to ours never run at the same time)
		binary.LittleEndian.PutUint64((*[8]byte)(p)[:], cur^f)
		prev, cur = cur, next // the other colour's bytes, which prev>>56 reads, are unchanged
	}
}

// maxVecs is the most vector registers vecBlocks gives isingVec2 or
// isingVec3 at a time (the size of its list of ties).
const maxVecs = 64

// vecMasks[k] has 0xFE at the sites k..15 of a vector register (even
// bytes from 2k on): isingVec2 and isingVec3 update those.
var vecMasks = func() (m [16][32]uint8) {
	for k := range m {
		for i := k; i < 16; i++ {
			m[k][2*i] = 0xFE
		}
	}
	return m
}()

// vecRow updates the n >= 16 interior sites of a 2D or 3D row (pe nil:
// 2D) from pr on with vector registers of 16 sites (vecBlocks): n/16
// registers from pr, then, for the n mod 16 sites left, a register ending
// at the last site that updates only those (the right neighbours of the
// last, at pr + 2n - 1, lie in the row: it is an interior site).
func vecRow(pr, pa, pc, pe, pf, pu unsafe.Pointer, n int, pt *packedTable, tab *quench.IsingTable, sc *isingScratch, j uint64, key philox.Key, ctr quench.Counter, phase uint32) {
	nv := n / 16
	vecBlocks(pr, pa, pc, pe, pf, pu, nv, &vecMasks[0], pt, tab, sc, j, key, ctr, phase)
	if r := n % 16; r > 0 {
		t := n - 16 // the site the last register starts at
		o := uintptr(2 * t)
		if pe != nil {
			pe, pf = unsafe.Add(pe, o), unsafe.Add(pf, o)
		}
		vecBlocks(unsafe.Add(pr, o), unsafe.Add(pa, o), unsafe.Add(pc, o), pe, pf, unsafe.Add(pu, t), 1, &vecMasks[16-r], pt, tab, sc, j+uint64(t), key, ctr, phase)
	}
}

// vecBlocks is swarBlocks for nv vector registers of four blocks (16
// sites, 32 bytes) each: isingVec2 or isingVec3 (pe nil: 2D), maxVecs
// registers a call, then vecTies for the sites they left. Only the sites
// where mask is 0xFE are updated.
func vecBlocks(pr, pa, pc, pe, pf, pu unsafe.Pointer, nv int, mask *[32]uint8, pt *packedTable, tab *quench.IsingTable, sc *isingScratch, j uint64, key philox.Key, ctr quench.Counter, phase uint32) {
	ties := &sc.vt
	for v0 := 0; v0 < nv; v0 += maxVecs {
		n := min(nv-v0, maxVecs)
		o := uintptr(32 * v0)
		qr, qa, qc, qu := unsafe.Add(pr, o), unsafe.Add(pa, o), unsafe.Add(pc, o), unsafe.Add(pu, 16*v0)
		var qe, qf unsafe.Pointer
		var nt int
		if pe == nil {
			nt = isingVec2(qr, qa, qc, qu, n, &pt.vecTab, mask, ties)
		} else {
			qe, qf = unsafe.Add(pe, o), unsafe.Add(pf, o)
			nt = isingVec3(qr, qa, qc, qe, qf, qu, n, &pt.vecTab, mask, ties)
		}
		if nt > 0 {
			vecTies(ties[:2*nt], qr, qa, qc, qe, qf, qu, pt, &sc.ties, j+uint64(16*v0), key, ctr, phase)
		}
	}
}

// vecTies decides the sites isingVec2 and isingVec3 left (ties: pairs of
// register index and mask of its bytes), as swarBlocks would: the key
// from the down bits of the site and its neighbours, the primary byte
// against the threshold's high byte and, where they are equal, the site's
// own second draw (added to tl, decided by its flush). pr and the others
// point at the first register's first site, j is its phase-site index.
//
//go:noinline
func vecTies(ties []uint32, pr, pa, pc, pe, pf, pu unsafe.Pointer, pt *packedTable, tl *tieList, j uint64, key philox.Key, ctr quench.Counter, phase uint32) {
	dn := func(p unsafe.Pointer, o uintptr) int { return int(*(*uint8)(unsafe.Add(p, o)) >> 1 & 1) }
	for t := 0; t+1 < len(ties); t += 2 {
		v, m := uintptr(ties[t]), ties[t+1]
		for ; m != 0; m &= m - 1 {
			b := uintptr(bits.TrailingZeros32(m))
			o := 32*v + b
			nd := dn(pr, o-1) + dn(pr, o+1) + dn(pa, o) + dn(pc, o)
			if pe != nil {
				nd += dn(pe, o) + dn(pf, o)
			}
			k := nd + 8*dn(pr, o)
			i := 16*v + b/2 // the site's random byte
			d := int32(*(*uint8)(unsafe.Add(pu, i))) - pt.hiK[k]
			if d == 0 {
				tl.add(unsafe.Add(pr, o), pt.loK[k], j+uint64(i), key, ctr, phase)
				continue
			}
			flip := uint8(d >> 31)                      // 0xFF when u8 < h
			*(*uint8)(unsafe.Add(pr, o)) ^= flip & 0xFE // +1 <-> -1
		}
	}
}

// swarTies resolves the sites of a SWAR block whose random byte equals the
// threshold's high byte (marked 1 in f): their own second draw decides.
//
//go:noinline
func swarTies(f, k uint64, pt *packedTable, tab *quench.IsingTable, j uint64, key philox.Key, ctr quench.Counter, phase uint32) uint64 {
	for i := 0; i < 4; i++ {
		if f>>(16*i)&1 == 0 {
			continue
		}
		f &^= 1 << (16 * i)
		if tie(tab.Lo[pt.kK[k>>(16*i)&15]], j+uint64(i), key, ctr, phase) != 0 {
			f |= 0xFE << (16 * i)
		}
	}
	return f
}

// ld reads the spin at p+off.
func ld(p unsafe.Pointer, off uintptr) int { return int(*(*int8)(unsafe.Add(p, off))) }

// inner2 updates n interior same-colour sites of a 2D row: pr points at the
// first, pa and pc at the sites above and below it, pu at its random byte;
// j is its phase-site index. Sites are 2 bytes apart, random bytes 1.
func inner2(pr, pu, pa, pc unsafe.Pointer, n int, tab *quench.IsingTable, pt *packedTable, j uint64, key philox.Key, ctr quench.Counter, phase uint32) {
	for i := 0; i < n; i++ {
		o := uintptr(2 * i)
		sv := *(*int8)(unsafe.Add(pr, o))
		sum := ld(pr, o-1) + ld(pr, o+1) + ld(pa, o) + ld(pc, o)
		key32 := keyOf(sv, sum, 4) & 63
		d := int32(*(*uint8)(unsafe.Add(pu, i))) - pt.hi[key32]
		flip := int8(d >> 31) // -1 when u8 < hi
		if d == 0 {
			flip = tie(tab.Lo[pt.k[key32]], j+uint64(i), key, ctr, phase)
		}
		*(*int8)(unsafe.Add(pr, o)) = sv ^ (flip & -2) // +1 <-> -1
	}
}

// inner3 is inner2 for a 3D row, with four neighbour rows.
func inner3(pr, pu, pa, pc, pe, pf unsafe.Pointer, n int, tab *quench.IsingTable, pt *packedTable, j uint64, key philox.Key, ctr quench.Counter, phase uint32) {
	for i := 0; i < n; i++ {
		o := uintptr(2 * i)
		sv := *(*int8)(unsafe.Add(pr, o))
		sum := ld(pr, o-1) + ld(pr, o+1) + ld(pa, o) + ld(pc, o) + ld(pe, o) + ld(pf, o)
		key32 := keyOf(sv, sum, 6) & 63
		d := int32(*(*uint8)(unsafe.Add(pu, i))) - pt.hi[key32]
		flip := int8(d >> 31)
		if d == 0 {
			flip = tie(tab.Lo[pt.k[key32]], j+uint64(i), key, ctr, phase)
		}
		*(*int8)(unsafe.Add(pr, o)) = sv ^ (flip & -2)
	}
}

// update applies the threshold test to one site: its primary byte u8
// against the high byte of the threshold, and on a tie the site's own second
// draw against the low 24 bits.
func update(row []int8, x int, sv int8, key32 int, u8 uint8, j uint64, tab *quench.IsingTable, pt *packedTable, key philox.Key, ctr quench.Counter, phase uint32) {
	h := pt.hi[key32]
	d := int32(u8) - h
	flip := int8(d >> 31) // -1 when u8 < h, else 0
	if d == 0 {
		flip = tie(tab.Lo[pt.k[key32]], j, key, ctr, phase)
	}
	row[x] = sv ^ (flip & -2) // +1 <-> -1
}

// tie resolves the one-in-256 case where the primary byte equals the
// threshold's high byte: -1 (flip) when w>>8 < lo for the site's own draw w.
//
//go:noinline
func tie(lo uint32, j uint64, key philox.Key, ctr quench.Counter, phase uint32) int8 {
	w := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeIsing, ctr.Replica, ctr.Step, phase, j, 1), key)[0]
	if w>>8 < lo {
		return -1
	}
	return 0
}

// IsingSums implements quench.Reducer: exact integer sums over the fixed row
// partition, added in part order.
func (b *Backend) IsingSums(spins quench.Buffer, lat quench.Lattice) (quench.IsingSums, error) {
	if err := lat.Check(); err != nil {
		return quench.IsingSums{}, fmt.Errorf("cpu: IsingSums: %v", err)
	}
	sb, err := asBuffer(spins, quench.Int8)
	if err != nil {
		return quench.IsingSums{}, err
	}
	if sb.n != lat.Sites() {
		return quench.IsingSums{}, fmt.Errorf("cpu: spin buffer has %d elements, lattice %s has %d sites", sb.n, lat, lat.Sites())
	}
	g := newRowGeom(lat)
	s := sb.i8
	if lat.Sites() < 2*chunkSites {
		// one goroutine: eight spins a word, exact for spins of +1 and
		// -1 only (the sweep's and the checkpoint's); a part that meets
		// another value says so, and every part is summed again site by
		// site
		var tot quench.IsingSums
		for p := 0; p < g.parts; p++ {
			ps, bad := isingSumsWords(s, g, p)
			if bad {
				tot = quench.IsingSums{}
				for p := 0; p < g.parts; p++ {
					tot = addSums(tot, isingSumsSites(s, g, p))
				}
				return tot, nil
			}
			tot = addSums(tot, ps)
		}
		return tot, nil
	}
	partial := make([]quench.IsingSums, g.parts)
	bad := make([]bool, g.parts)
	parallel(g.parts, func(part int) { partial[part], bad[part] = isingSumsWords(s, g, part) })
	if slices.Contains(bad, true) {
		parallel(g.parts, func(part int) { partial[part] = isingSumsSites(s, g, part) })
	}
	var tot quench.IsingSums
	for _, p := range partial {
		tot = addSums(tot, p)
	}
	return tot, nil
}

func addSums(a, b quench.IsingSums) quench.IsingSums {
	return quench.IsingSums{Mag: a.Mag + b.Mag, Bond: a.Bond + b.Bond, Stag: a.Stag + b.Stag}
}

// isingSumsSites returns the sums over the rows of part of g, site by
// site: the magnetization, the bond sum (each site times its forward
// neighbour along every axis) and the staggered magnetization, for spins
// of any value.
func isingSumsSites(s []int8, g *rowGeom, part int) quench.IsingSums {
	nb := make([]int64, 2*len(g.ext))
	lo := int64(part) * g.perPart
	hi := min(lo+g.perPart, g.rows)
	var m, bond, stag int64
	lx := int64(g.lx)
	for r := lo; r < hi; r++ {
		par := g.neighbours(r, nb)
		row := s[r*lx : r*lx+lx]
		var even, odd, rb int64 // even, odd: sums over the even and odd x
		for x := int64(0); x < lx; x++ {
			sv := int64(row[x])
			if x&1 == 0 {
				even += sv
			} else {
				odd += sv
			}
			rt := x + 1
			if rt == lx {
				rt = 0
			}
			rb += sv * int64(row[rt])
		}
		// (-1)^(row parity + x) weighs the staggered sum
		if par == 0 {
			stag += even - odd
		} else {
			stag += odd - even
		}
		rm := even + odd
		// forward neighbour along each other axis ("up" rows)
		for a := 0; a < len(nb); a += 2 {
			up := s[nb[a]*lx : nb[a]*lx+lx]
			for x := int64(0); x < lx; x++ {
				rb += int64(row[x]) * int64(up[x])
			}
		}
		m += rm
		bond += rb
	}
	return quench.IsingSums{Mag: m, Bond: bond, Stag: stag}
}

// Byte lanes of a word of eight spins.
const (
	lanes16 = 0x00FF00FF00FF00FF // the even bytes (even x) as 16-bit lanes
	add16   = 0x0001000100010001 // times this, lane sums in the top lane
)

// bit1s picks bit 1 of every byte of a word.
const bit1s = lsb << 1

// wordCounts adds up words k0..k1-1 of the row at p (whose right
// neighbours lie in the row) with the same words of the nup rows ups:
// per byte, twice the down spins (accD) and twice the unequal pairs with
// the right and up neighbours (accB), and inv nonzero where a byte is
// neither 0x01 nor 0xFF. One loop per nup, the counts in registers.
func wordCounts(p unsafe.Pointer, ups *[3]unsafe.Pointer, nup int, k0, k1 int64) (accD, accB, inv uint64) {
	switch nup {
	case 0:
		for k := k0; k < k1; k++ {
			w := le64(unsafe.Add(p, 8*k))
			dn := w & bit1s
			inv |= w ^ (lsb | dn*0x7F) // 0x02*0x7F = 0xFE
			accD += dn
			accB += (w ^ le64(unsafe.Add(p, 8*k+1))) & bit1s
		}
	case 1:
		u0 := ups[0]
		for k := k0; k < k1; k++ {
			w := le64(unsafe.Add(p, 8*k))
			dn := w & bit1s
			inv |= w ^ (lsb | dn*0x7F)
			accD += dn
			accB += (w^le64(unsafe.Add(p, 8*k+1)))&bit1s + (w^le64(unsafe.Add(u0, 8*k)))&bit1s
		}
	case 2:
		u0, u1 := ups[0], ups[1]
		for k := k0; k < k1; k++ {
			w := le64(unsafe.Add(p, 8*k))
			dn := w & bit1s
			inv |= w ^ (lsb | dn*0x7F)
			accD += dn
			accB += (w^le64(unsafe.Add(p, 8*k+1)))&bit1s + (w^le64(unsafe.Add(u0, 8*k)))&bit1s + (w^le64(unsafe.Add(u1, 8*k)))&bit1s
		}
	default:
		for k := k0; k < k1; k++ {
			w := le64(unsafe.Add(p, 8*k))
			dn := w & bit1s
			inv |= w ^ (lsb | dn*0x7F)
			accD += dn
			accB += (w ^ le64(unsafe.Add(p, 8*k+1))) & bit1s
			for a := 0; a < nup; a++ {
				accB += (w ^ le64(unsafe.Add(ups[a], 8*k))) & bit1s
			}
		}
	}
	return accD, accB, inv
}

// isingSumsWords is isingSumsSites for spins of +1 and -1, eight sites a
// word: a spin of -1 (0xFF) has bit 1 set, +1 (0x01) has not, so bit 1
// of each byte of w & bit1s marks the down spins and of (w^v) & bit1s the
// unequal pairs (product -1). Per-byte counts of those (in units of 2)
// give a row's even- and odd-x down spins and its unequal bonds, the sums
// being counts minus twice those. The sites past the row's last whole
// word go site by site. bad reports a spin that is neither +1 nor -1 (the
// sums are then wrong).
func isingSumsWords(s []int8, g *rowGeom, part int) (sums quench.IsingSums, bad bool) {
	if useAVX2 && g.flat != nil {
		return isingSumsFlat(s, g, part)
	}
	var ups [3]unsafe.Pointer
	nup := len(g.ext) // the forward rows along the other axes
	if nup > len(ups) {
		// more than four axes: site by site
		return isingSumsSites(s, g, part), false
	}
	// a byte's bond count grows by up to 2 (1 + nup) a word: flush
	// words at a time keep it below 256
	flush := int64(127 / (1 + nup))
	var nbs [2 * len(ups)]int64
	nb := nbs[:2*nup]
	lo := int64(part) * g.perPart
	hi := min(lo+g.perPart, g.rows)
	lx := int64(g.lx)
	nw := lx / 8 // whole words; the last one's right neighbours wrap when lx%8 == 0
	var m, bond, stag int64
	var invalid uint64 // nonzero: a byte of some word is neither 0x01 nor 0xFF
	// blocks: rows of whole registers whose coordinate along the fastest
	// other axis is below its last (so the rows' forward neighbours lie
	// at the same offsets), a plane's but its last row in 3D, in one call
	// (rows of more registers than a flush interval, 127/(1+nup), go
	// row by row: isingWords is as fast on them)
	blocks := useAVX2 && nup > 0 && lx%32 == 0 && lx/32 <= int64(127/(1+nup))
	fast := int64(1)
	if nup > 0 {
		fast = g.ext[nup-1]
	}
	for r := lo; r < hi; r++ {
		if c := r % fast; blocks && c < fast-1 {
			n := min(fast-1-c, hi-r)
			par := g.neighbours(r, nb)
			for a := 0; a < nup; a++ {
				ups[a] = unsafe.Pointer(&s[nb[2*a]*lx])
			}
			ae, ao, be, bo, ub, inv := isingBlock(unsafe.Pointer(&s[r*lx]), &ups, nup, int(n), int(lx/32))
			invalid |= inv
			// each row's last spin was paired with the next row's first
			// (row r+n exists: its coordinate is at most fast-1)
			for k := r*lx + lx - 1; k < (r+n)*lx; k += lx {
				if s[k] != s[k+1] {
					ub -= 2
				}
				if s[k] != s[k+1-lx] {
					ub += 2
				}
			}
			sites := n * lx
			m += sites - (ae + ao + be + bo)
			bond += sites*int64(1+nup) - ub
			// a row's even - odd x sum is its odd - even downs; A rows
			// have the parity par, B rows the other
			if d := (ao - ae) - (bo - be); par == 0 {
				stag += d
			} else {
				stag -= d
			}
			r += n - 1
			continue
		}
		par := g.neighbours(r, nb)
		row := s[r*lx : r*lx+lx]
		for a := 0; a < nup; a++ {
			ups[a] = unsafe.Pointer(unsafe.SliceData(s[nb[2*a]*lx : nb[2*a]*lx+lx]))
		}
		p := unsafe.Pointer(unsafe.SliceData(row))
		var downEven, downOdd, unequal int64 // twice the counts
		// the words whose right neighbours lie in the row (all but a
		// last word ending at lx), then that word's, wrapped
		inner := nw
		if 8*nw == lx {
			inner--
		}
		start := int64(0)
		if n := inner &^ 3; useAVX2 && n > 0 {
			// the words of whole vector registers (isingWords), then
			// the rest a word at a time
			de, do, ub, inv := isingWords(p, &ups, nup, int(n))
			downEven, downOdd, unequal, invalid = de, do, ub, invalid|inv
			start = n
		}
		for k0 := start; k0 < nw; k0 += flush {
			k1 := min(k0+flush, inner)
			accD, accB, inv := wordCounts(p, &ups, nup, k0, k1)
			invalid |= inv
			if k1 == inner && inner < nw && k0+flush > inner {
				k := inner
				w := le64(unsafe.Add(p, 8*k))
				dn := w & bit1s
				invalid |= w ^ (lsb | dn*0x7F)
				accD += dn
				accB += (w ^ (w>>8 | uint64(uint8(row[0]))<<56)) & bit1s
				for a := 0; a < nup; a++ {
					accB += (w ^ le64(unsafe.Add(ups[a], 8*k))) & bit1s
				}
			}
			downEven += int64((accD & lanes16) * add16 >> 48)
			downOdd += int64((accD >> 8 & lanes16) * add16 >> 48)
			unequal += int64((accB&lanes16)*add16>>48) + int64((accB>>8&lanes16)*add16>>48)
		}
		// the words' sites: 4 nw at even x, 4 nw at odd x, each with
		// 1 + nup forward bonds
		even, odd := 4*nw-downEven, 4*nw-downOdd
		rb := 8*nw*int64(1+nup) - unequal
		for x := 8 * nw; x < lx; x++ {
			sv := int64(row[x])
			if x&1 == 0 {
				even += sv
			} else {
				odd += sv
			}
			rt := x + 1
			if rt == lx {
				rt = 0
			}
			rb += sv * int64(row[rt])
			for a := 0; a < nup; a++ {
				rb += sv * int64(s[nb[2*a]*lx+x])
			}
			if sv != 1 && sv != -1 {
				invalid = 1
			}
		}
		if par == 0 {
			stag += even - odd
		} else {
			stag += odd - even
		}
		m += even + odd
		bond += rb
	}
	return quench.IsingSums{Mag: m, Bond: bond, Stag: stag}, invalid != 0
}

// Sum implements quench.Reducer for float buffers: fixed blocks of
// quench.SumBlock elements, each summed left to right in float64, partials
// added by quench.AddPartials.
func (b *Backend) Sum(buf quench.Buffer) (float64, error) {
	cb, err := asBuffer(buf, 0)
	if err != nil {
		return 0, err
	}
	var get func(i int64) float64
	switch cb.dt {
	case quench.Float32:
		get = func(i int64) float64 { return float64(cb.f32[i]) }
	case quench.Float64:
		get = func(i int64) float64 { return cb.f64[i] }
	default:
		return 0, fmt.Errorf("cpu: Sum needs a float buffer, got %v", cb.dt)
	}
	nblk := int((cb.n + quench.SumBlock - 1) / quench.SumBlock)
	partial := make([]float64, nblk)
	parallel(nblk, func(k int) {
		lo := int64(k) * quench.SumBlock
		hi := min(lo+quench.SumBlock, cb.n)
		var s float64
		for i := lo; i < hi; i++ {
			s += get(i)
		}
		partial[k] = s
	})
	return quench.AddPartials(partial), nil
}
