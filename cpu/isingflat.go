package cpu

import (
	"crypto/subtle"
	"math/bits"
	"runtime"
	"sync"
	"unsafe"

	"github.com/quenchlab/quench"
)

// maxFlatLx is the longest rows the flat sweep takes: its tables hold
// 3 lx + 32 bytes of ct and 2 lx + 33 of each half of tl (the kernels
// read up to 3 lx + 30 and 2 lx + 32). Longer rows that are not whole
// registers go through sweepRow, whose set-up a row then costs little
// against the row: on the 2-vCPU VM (one core, two rounds) the flat
// sweep took 2D 258^2 from 0.53 - 0.58 flips/ns to 0.80 - 0.94, 300^2
// from 0.61 - 0.78 to 0.76 - 1.06, was about even at 400 to 700, and
// lost at 1000 (1.27 - 1.40 against 0.92 - 0.95) and 1500.
const maxFlatLx = 510

// flatCallRegs is the most registers one isingFlat2 or isingFlat3 call
// sweeps (the size of its list of ties).
const flatCallRegs = 256

// flatTables are one row length's tables for the flat sweep.
type flatTables struct {
	// ct[t] is 0xFE where t mod lx + t / lx is even: from offset 0 the
	// sites of the colour whose first row starts with one, from lx on the
	// others
	ct [2048]uint8
	// tl[t] is 0x02 where t mod lx = 0 (a row's first byte), tl[2048 + t]
	// where it is not
	tl [4096]uint8
}

func newFlatTables(lx int) *flatTables {
	f := new(flatTables)
	for t := range 3*lx + 32 {
		if (t%lx+t/lx)%2 == 0 {
			f.ct[t] = 0xFE
		}
	}
	for t := range 2*lx + 33 {
		if t%lx == 0 {
			f.tl[t] = 2
		} else {
			f.tl[2048+t] = 2
		}
	}
	return f
}

// flatMasks[k] has 0xFF at the bytes k.. of a register: [0] every byte,
// [32 - t] the last t, for a region's last register, which ends at the
// region's end and overlaps the one before.
var flatMasks = func() (m [33][32]uint8) {
	for k := range m {
		for i := k; i < 32; i++ {
			m[k][i] = 0xFF
		}
	}
	return m
}()

// flatGeom returns the flat sweep's tables for g where it takes the
// lattice: 2D or 3D, rows of even length (as many sites of each colour:
// the measurement's staggered sum counts on it) that are not whole
// registers (wholeRows takes those) of at most maxFlatLx sites, and
// regions of at least a register (a 3D plane, a 2D part).
func flatGeom(g *rowGeom) *flatTables {
	if len(g.ext) < 1 || len(g.ext) > 2 || g.lx%2 != 0 || g.lx%32 == 0 || g.lx > maxFlatLx {
		return nil
	}
	region := g.perPart * int64(g.lx)
	if len(g.ext) == 2 {
		region = g.ext[1] * int64(g.lx)
	}
	if region < 32 {
		return nil
	}
	return newFlatTables(g.lx)
}

// flatRegion is a region of the flat sweep and measurement: a 3D plane
// (parts are whole planes) or a 2D part's rows, as one run of size bytes.
type flatRegion struct {
	pr, pg, pe, pf unsafe.Pointer // the region's first byte, its copy's, the other planes' (3D)
	pu             unsafe.Pointer // the sweep's random bytes for the region
	j0, size       int64          // the region's first site's index, its sites
	ct             unsafe.Pointer // the colour table from the region's parity
}

// flatRegion sets f to the region that starts at row r0 of the rows below
// hi, its colour's parity phase, and copies it to buf with the row before
// and after it (within the plane, periodic): the neighbours are read from
// the copy, so the rows' ends and the plane's wrap are plain offsets and
// no load waits for a store of the sweep. It returns the region's end.
func (g *rowGeom) flatRegion(s []int8, r0, hi int64, phase uint32, buf *[]int8, f *flatRegion) int64 {
	lx := int64(g.lx)
	ny := g.ext[len(g.ext)-1]
	y0, z := r0%ny, r0/ny // z = 0 in 2D
	plane := r0 - y0      // the plane's first row
	r1 := hi
	if len(g.ext) == 2 {
		r1 = plane + ny
	}
	size := (r1 - r0) * lx
	before, after := r0-1, r1
	if y0 == 0 {
		before = plane + ny - 1
	}
	if r1 == plane+ny {
		after = plane
	}
	if need := int(size + 2*lx); cap(*buf) < need {
		*buf = make([]int8, need)
	}
	gc := (*buf)[:size+2*lx]
	copy(gc[:lx], s[before*lx:][:lx])
	copy(gc[lx:lx+size], s[r0*lx:r1*lx])
	copy(gc[lx+size:], s[after*lx:][:lx])
	// (field by field: a composite literal, built on the stack and
	// copied in 16-byte moves, made each copy wait for the stores; it
	// was a third of the function's time at 16^3)
	p0 := unsafe.Pointer(unsafe.SliceData(s))
	f.pr, f.pg = unsafe.Add(p0, r0*lx), unsafe.Pointer(&gc[lx])
	f.j0, f.size = r0*lx, size
	f.ct = unsafe.Pointer(&g.flat.ct[((y0+z+int64(phase))&1)*lx])
	f.pe, f.pf = nil, nil
	if len(g.ext) == 2 {
		ze, zf := z+1, z-1
		if ze == g.ext[0] {
			ze = 0
		}
		if z == 0 {
			zf = g.ext[0] - 1
		}
		f.pe, f.pf = unsafe.Add(p0, ze*ny*lx), unsafe.Add(p0, zf*ny*lx)
	}
	return r1
}

// flatRows sweeps one colour of the 2D or 3D rows lo..hi (u their random
// bytes) a region at a time (flatRegion) by isingFlat2 or isingFlat3
// (rows of any length: flatGeom), then flatTies for the sites they left.
// The neighbours are of the other colour, which the sweep of this one
// leaves as it was.
func (w *isingWork) flatRows(lo, hi int64, phase uint32, u []uint8, sc *isingScratch) {
	g := w.g
	half := int64(g.lx) / 2
	if need := 2 * flatCallRegs; cap(sc.rt) < need {
		sc.rt = make([]uint32, need)
	}
	_ = u[(hi-lo)*half-1] // the rows' random bytes are in u
	var f flatRegion
	for r0 := lo; r0 < hi; {
		r1 := g.flatRegion(w.s, r0, hi, phase, &sc.g, &f)
		f.pu = unsafe.Add(unsafe.Pointer(unsafe.SliceData(u)), (r0-lo)*half)
		full := f.size / 32
		for k := int64(0); k < full; k += flatCallRegs {
			w.flatCall(&f, 32*k, int(min(full-k, flatCallRegs)), &flatMasks[0], lo, u, sc, phase)
		}
		if t := f.size % 32; t != 0 {
			w.flatCall(&f, f.size-32, 1, &flatMasks[32-t], lo, u, sc, phase)
		}
		r0 = r1
	}
}

// flatCall sweeps n registers of f from its byte o (extra: the bytes of
// them to update), then decides the sites they left.
func (w *isingWork) flatCall(f *flatRegion, o int64, n int, extra *[32]uint8, lo int64, u []uint8, sc *isingScratch, phase uint32) {
	lx := w.g.lx
	r2, inc, wrap := int(o%int64(2*lx)), 32%(2*lx), 2*lx
	tl := unsafe.Pointer(&w.g.flat.tl[0])
	pr, pg, pu := unsafe.Add(f.pr, o), unsafe.Add(f.pg, o), unsafe.Add(f.pu, o/2)
	var nt int
	if f.pe == nil {
		nt = isingFlat2(pr, pg, pu, n, lx, r2, inc, wrap, &w.pt.vecTab, f.ct, tl, extra, &sc.rt[0])
	} else {
		nt = isingFlat3(pr, pg, unsafe.Add(f.pe, o), unsafe.Add(f.pf, o), pu, n, lx, r2, inc, wrap, &w.pt.vecTab, f.ct, tl, extra, &sc.rt[0])
	}
	if nt > 0 {
		w.flatTies(sc.rt[:2*nt], f.j0+o, lo, u, &sc.ties, phase)
	}
}

// flatTies decides the sites an isingFlat call left (ties: pairs of
// register index and mask of its bytes; j0 the index of the call's first
// site), as rowsTies does, their neighbours found from the lattice's
// geometry; u holds the random bytes of the part from row lo.
//
//go:noinline
func (w *isingWork) flatTies(ties []uint32, j0, lo int64, u []uint8, tl *tieList, phase uint32) {
	g, s, pt := w.g, w.s, w.pt
	lx := int64(g.lx)
	var nbs [4]int64
	nb := nbs[:2*len(g.ext)]
	dn := func(i int64) int { return int(uint8(s[i]) >> 1 & 1) }
	for t := 0; t+1 < len(ties); t += 2 {
		for m := ties[t+1]; m != 0; m &= m - 1 {
			j := j0 + 32*int64(ties[t]) + int64(bits.TrailingZeros32(m))
			r, x := j/lx, j%lx
			g.neighbours(r, nb)
			nd := dn(r*lx+(x+lx-1)%lx) + dn(r*lx+(x+1)%lx)
			for _, o := range nb {
				nd += dn(o*lx + x)
			}
			kk := nd + 8*dn(j)
			d := int32(u[j>>1-lo*(lx/2)]) - pt.hiK[kk]
			if d == 0 {
				tl.add(unsafe.Pointer(&s[j]), pt.loK[kk], uint64(j>>1), w.key, w.ctr, phase)
				continue
			}
			if d < 0 {
				s[j] ^= -2 // +1 <-> -1
			}
		}
	}
}

// isingSumsFlat is isingSumsWords for the lattices the flat sweep takes
// (flatGeom), a region at a time (flatRegion) by isingFlatSums2 or
// isingFlatSums3: the region's sites less twice its down spins, its
// 1 + nup bonds a site less twice the unequal ones, and its staggered
// sum from the down spins at the sites of even and odd x + y + z (as
// many of each: rows are of even length).
func isingSumsFlat(s []int8, g *rowGeom, part int) (sums quench.IsingSums, bad bool) {
	sc := scratchPool.Get().(*isingScratch)
	defer scratchPool.Put(sc)
	lo := int64(part) * g.perPart
	hi := min(lo+g.perPart, g.rows)
	lx := g.lx
	nup := int64(len(g.ext))
	tl := unsafe.Pointer(&g.flat.tl[0])
	var f flatRegion
	var out [3]int64
	for r0 := lo; r0 < hi; {
		r1 := g.flatRegion(s, r0, hi, 0, &sc.g, &f)
		var dn, dnEven, unequal int64 // twice the counts
		count := func(o int64, n int, extra *[32]uint8) {
			r2, inc, wrap := int(o%int64(2*lx)), 32%(2*lx), 2*lx
			var inv int
			if f.pe == nil {
				inv = isingFlatSums2(unsafe.Add(f.pg, o), n, lx, r2, inc, wrap, f.ct, tl, extra, &out)
			} else {
				inv = isingFlatSums3(unsafe.Add(f.pg, o), unsafe.Add(f.pe, o), n, lx, r2, inc, wrap, f.ct, tl, extra, &out)
			}
			bad = bad || inv != 0
			dn, dnEven, unequal = dn+out[0], dnEven+out[1], unequal+out[2]
		}
		if full := f.size / 32; full > 0 {
			count(0, int(full), &flatMasks[0])
		}
		if t := f.size % 32; t != 0 {
			count(f.size-32, 1, &flatMasks[32-t])
		}
		sums.Mag += f.size - dn
		sums.Bond += f.size*(1+nup) - unequal
		// sum over even sites less odd ones: (n/2 - 2 dnEven) - (n/2 - 2 dnOdd)
		sums.Stag += dn - 2*dnEven
		r0 = r1
	}
	return sums, bad
}

// flatPlanesPart is one part's working memory of planesFlat: the down
// spins of its planes added byte by byte, and from them the rows' (by y)
// and the columns' down spins.
type flatPlanesPart struct {
	acc    []uint8
	yd, xd []int64
	bad    bool
	sig    []uint8    // staggered: the plane's staggered spins
	masks  [2][]uint8 // staggered: 0xFE where a plane of even, odd z turns the spin over
}

var flatPlanesPool = sync.Pool{New: func() any { return new([]flatPlanesPart) }}

// flatPlanes reports whether planesFlat takes g: a 3D lattice of planes
// of a register to 2^20 bytes (its accumulator, one a part), and of 8
// planes or more (a part's fold costs about as much as 5 planes'
// counts) unless its rows are ones the flat sweep takes (whose other
// path, a row at a time, costs more). On the 2-vCPU VM it counted 3D
// lattices of whole-register rows too 1.5 to 4 times as fast as
// planeRows (32^3 2.8 -> 11.5 sites/ns, 128^3 7.4 -> 15.2, 256^3 9.1
// -> 13.9).
func flatPlanes(g *rowGeom) bool {
	if len(g.ext) != 2 {
		return false
	}
	plane := g.ext[1] * int64(g.lx)
	return plane >= 32 && plane <= 1<<20 && (g.ext[0] >= 8 || g.flat != nil)
}

// planesFlat is IsingPlanes for 3D lattices (flatPlanes): each plane's
// down spins counted by isingFlatPlanes, which
// adds them byte by byte into a plane-sized accumulator (folded into
// the rows' and the columns' counts every 255 planes and at the end of a
// part), parts of whole planes in parallel on large lattices. It
// reports a spin that is neither +1 nor -1 (out is then not set).
// staggered counts the staggered spins: each plane first exclusive-ored
// (subtle.XORBytes) with its parity's checkerboard of 0xFE, which turns
// 0x01 and 0xFF (+1, -1) into each other where x + y + z is odd, and
// any other byte into another that is neither, into a plane of scratch.
func planesFlat(s []int8, g *rowGeom, staggered bool, out []int64) (bad bool) {
	nz, ny, lx := g.ext[0], g.ext[1], int64(g.lx)
	plane := ny * lx
	parts := 1
	if nz*plane >= 2*chunkSites {
		// each part's fold costs two adds a byte of a plane: parts of
		// at least 8 planes keep it below a site's share
		parts = int(max(1, min(int64(2*runtime.GOMAXPROCS(0)), nz/8)))
	}
	per := (nz + int64(parts) - 1) / int64(parts)
	parts = int((nz + per - 1) / per)
	pp := flatPlanesPool.Get().(*[]flatPlanesPart)
	defer flatPlanesPool.Put(pp)
	if len(*pp) < parts {
		*pp = make([]flatPlanesPart, parts)
	}
	ps := (*pp)[:parts]
	full, tail := plane/32, plane%32
	do := func(part int) {
		fp := &ps[part]
		if int64(len(fp.acc)) != plane || int64(len(fp.yd)) != ny || int64(len(fp.xd)) != lx {
			fp.acc, fp.yd, fp.xd = make([]uint8, plane), make([]int64, ny), make([]int64, lx)
			fp.sig, fp.masks = nil, [2][]uint8{}
		}
		if staggered && fp.sig == nil {
			fp.sig = make([]uint8, plane)
			for k := range fp.masks {
				fp.masks[k] = make([]uint8, plane)
				for i := range fp.masks[k] {
					if (int64(i)/lx+int64(i)%lx+int64(k))%2 == 1 {
						fp.masks[k][i] = 0xFE
					}
				}
			}
		}
		clear(fp.yd)
		clear(fp.xd)
		fp.bad = false
		acc := unsafe.Pointer(&fp.acc[0])
		fold := func() {
			for y := range ny {
				var t int64
				xd := fp.xd
				for x, v := range fp.acc[y*lx : (y+1)*lx] {
					t += int64(v)
					xd[x] += int64(v)
				}
				fp.yd[y] += t
			}
			clear(fp.acc)
		}
		z0, z1 := int64(part)*per, min(int64(part+1)*per, nz)
		for z := z0; z < z1; z++ {
			p := unsafe.Pointer(&s[z*plane])
			if staggered {
				subtle.XORBytes(fp.sig, unsafe.Slice((*uint8)(p), plane), fp.masks[z%2])
				p = unsafe.Pointer(&fp.sig[0])
			}
			var downs, inv int
			if full > 0 {
				downs, inv = isingFlatPlanes(p, acc, int(full), &flatMasks[0])
			}
			if tail != 0 {
				d, bad := isingFlatPlanes(unsafe.Add(p, plane-32), unsafe.Add(acc, plane-32), 1, &flatMasks[32-tail])
				downs, inv = downs+d, inv|bad
			}
			fp.bad = fp.bad || inv != 0
			out[z] = plane - 2*int64(downs)
			if (z-z0+1)%255 == 0 {
				fold()
			}
		}
		fold()
	}
	if parts == 1 {
		do(0)
	} else {
		parallel(parts, do)
	}
	for _, fp := range ps {
		if fp.bad {
			return true
		}
	}
	ys, xs := out[nz:nz+ny], out[nz+ny:]
	for y := range ys {
		ys[y] = nz * lx
	}
	for x := range xs {
		xs[x] = nz * ny
	}
	for _, fp := range ps {
		for y, d := range fp.yd {
			ys[y] -= 2 * d
		}
		for x, d := range fp.xd {
			xs[x] -= 2 * d
		}
	}
	return false
}

// planes2DPeriod is the accumulator length of planes2D for rows of lx:
// lcm(lx, 32) bytes, the run of rows after which a register's bytes fall
// in the same columns again (at most 32 maxFlatLx / 2).
func planes2DPeriod(lx int) int { return lx / gcd(lx, 32) * 32 }

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// planes2DPart is one part's working memory of planes2D.
type planes2DPart struct {
	acc []uint8
	xd  []int64
	bad bool
}

// planes2DScratch is planes2D's memory, kept from call to call: the
// parts', and every register's down bits.
type planes2DScratch struct {
	parts []planes2DPart
	masks []uint32
}

var planes2DPool = sync.Pool{New: func() any { return new(planes2DScratch) }}

// planes2D is IsingPlanes for the 2D lattices the flat sweep takes
// (flatGeom; on rows of whole registers planeRows is faster: 256^2 6.5
// against 8.5 - 9.3 sites/ns, 1024^2 9.3 - 10.7 against 11.4 - 14.4, on
// the 2-vCPU VM): the lattice as one run of registers, isingDownMasks adding each register's down
// bits into an accumulator of lcm(lx, 32) bytes (so each accumulator byte
// stays in one column; folded into the columns' counts every 255 times
// round and at each part's end) and keeping them as bits, from which the
// rows' counts are popcounts of bit ranges. The last bytes past whole
// registers go one by one. Parts of whole accumulator lengths in parallel
// on large lattices. It reports a spin that is neither +1 nor -1 (out is
// then not set).
func planes2D(s []int8, g *rowGeom, out []int64) (bad bool) {
	lx, ny := g.lx, int(g.rows)
	n := lx * ny
	period := planes2DPeriod(lx)
	pregs := period / 32
	regs := n / 32
	sc := planes2DPool.Get().(*planes2DScratch)
	defer planes2DPool.Put(sc)
	if cap(sc.masks) < regs+1 {
		sc.masks = make([]uint32, regs+1)
	}
	masks := sc.masks[:regs+1]
	masks[regs] = 0 // the tail's bits
	// parts of whole periods, at least 8 of them (a part's fold costs
	// a period's bytes) and of 2^15 sites
	periods := (regs + pregs - 1) / pregs
	parts := 1
	if n >= 2*chunkSites {
		parts = max(1, min(2*runtime.GOMAXPROCS(0), periods/8, n/chunkSites))
	}
	per := (periods + parts - 1) / parts
	parts = (periods + per - 1) / per
	if len(sc.parts) < parts {
		sc.parts = make([]planes2DPart, parts)
	}
	ps := sc.parts[:parts]
	do := func(part int) {
		fp := &ps[part]
		if len(fp.acc) != period || len(fp.xd) != lx {
			fp.acc, fp.xd = make([]uint8, period), make([]int64, lx)
		}
		clear(fp.xd)
		fp.bad = false
		fold := func() {
			xd := fp.xd
			x := 0
			for _, v := range fp.acc {
				xd[x] += int64(v)
				if x++; x == lx {
					x = 0
				}
			}
			clear(fp.acc)
		}
		r0, r1 := part*per*pregs, min((part+1)*per*pregs, regs)
		for k := r0; k < r1; k += 255 * pregs {
			m := min(255*pregs, r1-k)
			inv := isingDownMasks(unsafe.Pointer(&s[32*k]), unsafe.Pointer(&fp.acc[0]), m, pregs, &masks[k])
			fp.bad = fp.bad || inv != 0
			fold()
		}
	}
	if parts == 1 {
		do(0)
	} else {
		parallel(parts, do)
	}
	xs := out[ny:]
	clear(xs)
	for _, fp := range ps {
		if fp.bad {
			return true
		}
		for x, d := range fp.xd {
			xs[x] += d
		}
	}
	// the bytes past whole registers, one by one, into the columns and
	// the last mask word
	for i := 32 * regs; i < n; i++ {
		switch s[i] {
		case -1:
			xs[i%lx]++
			masks[regs] |= 1 << (i - 32*regs)
		case 1:
		default:
			return true
		}
	}
	for x := range xs {
		xs[x] = int64(ny) - 2*xs[x]
	}
	for y := range ny {
		out[y] = int64(lx) - 2*int64(popRange(masks, y*lx, (y+1)*lx))
	}
	return false
}

// popRange counts the set bits lo..hi-1 of the bit string held in words
// (bit i in words[i/32], bit i%32).
func popRange(words []uint32, lo, hi int) int {
	w0, w1 := lo/32, hi/32
	if w0 == w1 {
		return bits.OnesCount32(words[w0] >> (lo % 32) & (uint32(1)<<(hi-lo) - 1))
	}
	n := bits.OnesCount32(words[w0] >> (lo % 32))
	for _, w := range words[w0+1 : w1] {
		n += bits.OnesCount32(w)
	}
	if r := hi % 32; r > 0 {
		n += bits.OnesCount32(words[w1] & (uint32(1)<<r - 1))
	}
	return n
}
