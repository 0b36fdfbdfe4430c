//go:build linux && amd64 && !purego

package cpu

import (
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/philox"
)

// TestGuardIsingVec runs isingVec2 and isingVec3 on slices that abut a
// PROT_NONE page at their end or start: the own row exactly from the
// first site's left neighbour (pr - 1) to byte 32 of the last register
// (pr + 32 n, the right neighbour of the last site), the neighbour rows
// exactly the n registers' 32 n bytes, the random bytes exactly 16 n, the
// tables, mask and tie list exactly their arrays. The results are checked
// against a model of the kernel's contract: u < Hi flips, u == Hi mod 256
// is listed and left alone, only where mask is 0xFE, nothing else written.
func TestGuardIsingVec(t *testing.T) {
	skipNoAVX2(t)
	r := rand.New(rand.NewPCG(41, 42))
	for trial := range 1200 {
		freeMaps()
		threeD := trial%2 == 1
		atEnd := trial%4 < 2
		n := 1 + r.IntN(maxVecs)
		if trial%7 == 0 {
			n = maxVecs
		}
		d := 2
		if threeD {
			d = 3
		}
		pt := guardTable(t, r, d)
		row0 := randSpins(r, 32*n+2) // row0[1] is the first site
		rows := [][]int8{randSpins(r, 32*n), randSpins(r, 32*n), randSpins(r, 32*n), randSpins(r, 32*n)}
		u0 := guardRandom(r, pt, 16*n)
		mask := vecMasks[0]
		if trial%3 == 0 {
			mask = vecMasks[r.IntN(16)]
		}
		row := guardCopy(t, row0, atEnd)
		ga, gc := guardCopy(t, rows[0], atEnd), guardCopy(t, rows[1], atEnd)
		ge, gf := guardCopy(t, rows[2], atEnd), guardCopy(t, rows[3], atEnd)
		gu := guardCopy(t, u0, atEnd)
		tb := guarded[[2][32]uint8](t, 1, atEnd)
		tb[0] = pt.vecTab
		tabs := &tb[0]
		gm := guarded[[32]uint8](t, 1, atEnd)
		gm[0] = mask
		gt := guarded[[2 * maxVecs]uint32](t, 1, atEnd)

		pr := unsafe.Pointer(&row[1])
		var nt int
		if threeD {
			nt = isingVec3(pr, unsafe.Pointer(&ga[0]), unsafe.Pointer(&gc[0]), unsafe.Pointer(&ge[0]), unsafe.Pointer(&gf[0]), unsafe.Pointer(&gu[0]), n, tabs, &gm[0], &gt[0])
		} else {
			nt = isingVec2(pr, unsafe.Pointer(&ga[0]), unsafe.Pointer(&gc[0]), unsafe.Pointer(&gu[0]), n, tabs, &gm[0], &gt[0])
		}

		// the model
		want := slices.Clone(row0)
		var wantTies []uint32
		bit := func(v int8) int { return int(uint8(v) >> 1 & 1) }
		for v := 0; v < n; v++ {
			var m uint32
			for i := 0; i < 16; i++ {
				if mask[2*i] != 0xFE {
					continue
				}
				b := 32*v + 2*i
				nd := bit(row0[b]) + bit(row0[b+2]) + bit(rows[0][b]) + bit(rows[1][b])
				if threeD {
					nd += bit(rows[2][b]) + bit(rows[3][b])
				}
				h := pt.hiK[nd+8*bit(row0[b+1])]
				uu := u0[16*v+i]
				switch {
				case uu == uint8(h):
					m |= 1 << (2 * i)
				case int32(uu) < h:
					want[b+1] ^= -2
				}
			}
			if m != 0 {
				wantTies = append(wantTies, uint32(v), m)
			}
		}
		if !slices.Equal(row, want) {
			t.Fatalf("trial %d (3D %v, n %d): spins differ at byte %d", trial, threeD, n, firstDiff(row, want))
		}
		if got := gt[0][:2*nt]; !slices.Equal(got, wantTies) {
			t.Fatalf("trial %d (3D %v, n %d): ties %v, want %v", trial, threeD, n, got, wantTies)
		}
		for i, rr := range rows {
			g := [][]int8{ga, gc, ge, gf}[i]
			if !slices.Equal(g, rr) {
				t.Fatalf("trial %d: neighbour row %d written", trial, i)
			}
		}
	}
}

// TestGuardIsingRows runs isingRows2 and isingRows3 on slices that abut a
// PROT_NONE page at their end or start: the rows and the other rows of
// their 3D neighbours exactly their rows 32 n bytes, the up and down rows
// their 32 n (the rows' ends wrap inside them), the random bytes exactly
// rows 16 n, the tables, masks and tie list exactly their arrays (2 rows n
// words). The results are checked against a model of the kernel's
// contract, as in TestGuardIsingVec, with the periodic ends and the
// colours alternating from row to row.
func TestGuardIsingRows(t *testing.T) {
	skipNoAVX2(t)
	r := rand.New(rand.NewPCG(45, 46))
	for trial := range 1200 {
		freeMaps()
		threeD := trial%2 == 1
		atEnd := trial%4 < 2
		x0 := trial / 4 % 2
		n := 1 + r.IntN(40)
		if trial%7 == 0 {
			n = 1 + r.IntN(3)
		}
		rows := 1 + r.IntN(6)
		d := 2
		if threeD {
			d = 3
		}
		pt := guardTable(t, r, d)
		lx := 32 * n
		own0, e0, f0 := randSpins(r, rows*lx), randSpins(r, rows*lx), randSpins(r, rows*lx)
		up0, down0 := randSpins(r, lx), randSpins(r, lx)
		u0 := guardRandom(r, pt, rows*16*n)
		own, ge, gf := guardCopy(t, own0, atEnd), guardCopy(t, e0, atEnd), guardCopy(t, f0, atEnd)
		gup, gdown := guardCopy(t, up0, atEnd), guardCopy(t, down0, atEnd)
		gu := guardCopy(t, u0, atEnd)
		tb := guarded[[2][32]uint8](t, 1, atEnd)
		tb[0] = pt.vecTab
		gm := guarded[[2][32]uint8](t, 1, atEnd)
		gm[0] = rowMasks
		gt := guarded[uint32](t, 2*rows*n, atEnd)

		p := func(s []int8) unsafe.Pointer { return unsafe.Pointer(&s[0]) }
		var nt int
		if threeD {
			nt = isingRows3(p(own), p(ge), p(gf), unsafe.Pointer(&gu[0]), n, rows, x0, p(gup), p(gdown), &tb[0], &gm[0], &gt[0])
		} else {
			nt = isingRows2(p(own), unsafe.Pointer(&gu[0]), n, rows, x0, p(gup), p(gdown), &tb[0], &gm[0], &gt[0])
		}

		// the model
		want := slices.Clone(own0)
		var wantTies []uint32
		bit := func(v int8) int { return int(uint8(v) >> 1 & 1) }
		for k := 0; k < rows; k++ {
			row := own0[k*lx : (k+1)*lx]
			a, c := up0, down0
			if k < rows-1 {
				a = own0[(k+1)*lx : (k+2)*lx]
			}
			if k > 0 {
				c = own0[(k-1)*lx : k*lx]
			}
			xk := x0 ^ k&1
			for v := 0; v < n; v++ {
				var m uint32
				for i := 0; i < 16; i++ {
					b := 32*v + 2*i + xk
					nd := bit(row[(b+lx-1)%lx]) + bit(row[(b+1)%lx]) + bit(a[b]) + bit(c[b])
					if threeD {
						nd += bit(e0[k*lx+b]) + bit(f0[k*lx+b])
					}
					h := pt.hiK[nd+8*bit(row[b])]
					uu := u0[k*16*n+b/2]
					switch {
					case uu == uint8(h):
						m |= 1 << (2*i + xk)
					case int32(uu) < h:
						want[k*lx+b] ^= -2
					}
				}
				if m != 0 {
					wantTies = append(wantTies, uint32(k*n+v), m)
				}
			}
		}
		if !slices.Equal(own, want) {
			t.Fatalf("trial %d (3D %v, n %d, rows %d, x0 %d): spins differ at byte %d", trial, threeD, n, rows, x0, firstDiff(own, want))
		}
		if got := gt[:2*nt]; !slices.Equal(got, wantTies) {
			t.Fatalf("trial %d (3D %v, n %d, rows %d, x0 %d): ties %v, want %v", trial, threeD, n, rows, x0, got, wantTies)
		}
		for i, rr := range [][]int8{e0, f0, up0, down0} {
			if g := [][]int8{ge, gf, gup, gdown}[i]; !slices.Equal(g, rr) {
				t.Fatalf("trial %d: neighbour rows %d written", trial, i)
			}
		}
	}
}

// TestGuardIsingVecRow runs whole sweeps' rows (sweepRow through vecRow,
// vecBlocks, vecTies and the tie list, or, for rows of whole registers,
// wholeRows, isingRows2 and isingRows3 and rowsTies, or for the other
// rows of up to maxFlatLx sites flatRows, isingFlat2 and isingFlat3 and
// flatTies) on a lattice whose
// spins abut a PROT_NONE page at their start or end, against the scalar
// rows.
func TestGuardIsingVecRow(t *testing.T) {
	skipNoAVX2(t)
	r := rand.New(rand.NewPCG(43, 44))
	for trial := range 300 {
		freeMaps()
		d := 2 + trial%2
		shape := make([]int, d)
		for a := range shape {
			shape[a] = 2 * (1 + r.IntN(3))
		}
		shape[d-1] = 36 + 2*r.IntN(120)
		if trial%3 == 0 {
			shape[d-1] = 32 * (1 + r.IntN(8)) // wholeRows
		}
		lat, _ := quench.NewLattice(shape...)
		tab, _ := quench.NewIsingTable(d, quench.IsingParams{J: 1, H: 0.1, Beta: []float64{0.3, 2.3, 40}[trial%3], Algo: quench.Algo(1 + trial%2)})
		s0 := make([]int8, lat.Sites())
		quench.InitSpins(s0, "hot", uint64(trial), 0)
		ctr := quench.Counter{Seed: uint64(trial), Step: 3}
		g := computeRowGeom(lat)
		run := func(s []int8, vec bool) {
			defer func(saved bool) { useAVX2 = saved }(useAVX2)
			useAVX2 = vec
			w := isingWork{s: s, g: &g, tab: tab, pt: packTable(tab), key: philox.KeyFromSeed(ctr.Seed), ctr: ctr}
			for phase := uint32(0); phase < 2; phase++ {
				for p := 0; p < g.parts; p++ {
					w.part(p, phase)
				}
			}
		}
		got := guardCopy(t, s0, trial%4 < 2)
		want := slices.Clone(s0)
		run(got, true)
		run(want, false)
		if !slices.Equal(got, want) {
			t.Fatalf("shape %v: site %d", shape, firstDiff(got, want))
		}
	}
}

// TestGuardIsingSums runs the measurement sums (isingSumsWords through
// isingWords, or for rows of whole registers isingBlock, which reads a
// byte past each block, or for other 2D and 3D rows isingSumsFlat) on
// lattices whose spins abut a PROT_NONE page at
// their start or end, against the site-by-site sums, part by part.
func TestGuardIsingSums(t *testing.T) {
	skipNoAVX2(t)
	r := rand.New(rand.NewPCG(45, 46))
	for trial := range 200 {
		freeMaps()
		d := 2 + trial%3
		shape := make([]int, d)
		for a := range shape {
			shape[a] = 2 + r.IntN(5)
		}
		shape[d-1] = 8 * (1 + r.IntN(40))
		if trial%2 == 0 {
			shape[d-1] = 32 * (1 + r.IntN(6)) // isingBlock
		}
		lat, _ := quench.NewLattice(shape...)
		s0 := make([]int8, lat.Sites())
		quench.InitSpins(s0, "hot", uint64(trial), 0)
		s := guardCopy(t, s0, trial%4 < 2)
		g := computeRowGeom(lat)
		for p := 0; p < g.parts; p++ {
			got, bad := isingSumsWords(s, &g, p)
			if want := isingSumsSites(s, &g, p); bad || got != want {
				t.Fatalf("shape %v part %d: %+v (bad %v), want %+v", shape, p, got, bad, want)
			}
		}
	}
}

// TestGuardIsingPlanes runs planesWords (planeRows' registers, then the
// words and sites past them) on spins, column counts and byte lanes that
// abut a PROT_NONE page at their end or start: it reads no byte past the
// lattice and writes none past its scratch, and its sums are
// planesSites'.
func TestGuardIsingPlanes(t *testing.T) {
	skipNoAVX2(t)
	r := rand.New(rand.NewPCG(47, 48))
	for trial := range 200 {
		freeMaps()
		d := 1 + trial%3
		shape := guardShape(r, d, 6, 300)
		if trial%2 == 0 {
			shape[d-1] = 32 * (1 + r.IntN(6)) // rows of whole registers
		}
		if trial%5 == 0 {
			shape[0] = 130 + r.IntN(200) // past a batch of 127 rows
		}
		lat := quench.Lattice{Shape: shape}
		s0 := make([]int8, lat.Sites())
		quench.InitSpins(s0, "hot", uint64(trial), 0)
		atEnd := trial%4 < 2
		s := guardCopy(t, s0, atEnd)
		g := computeRowGeom(lat)
		lx := shape[d-1]
		rows, down := make([]int64, g.rows), guarded[int64](t, lx, atEnd)
		var lanes []uint64
		if lx/8 > 0 {
			lanes = guarded[uint64](t, lx/8, atEnd)
		}
		wantRows, wantCols := make([]int64, g.rows), make([]int64, lx)
		stag := trial%3 == 0 // (each row's sign pattern over its registers and words)
		planesSites(s0, &g, 0, g.rows, stag, wantRows, wantCols)
		if bad := planesWords(s, &g, 0, g.rows, stag, rows, down, lanes); bad || !slices.Equal(rows, wantRows) || !slices.Equal(down, wantCols) {
			t.Fatalf("shape %v (staggered %v): rows %v columns %v (bad %v), want %v %v", shape, stag, rows, down, bad, wantRows, wantCols)
		}
		if slices.ContainsFunc(lanes, func(w uint64) bool { return w != 0 }) {
			t.Fatalf("shape %v: lanes left %v, want 0", shape, lanes)
		}
	}
}

// guardTable draws a d-dimensional table for the kernel guard tests (a
// coupling and field of either sign, either algorithm, temperatures from
// hot ones to ones where every threshold is 0 or 2^32) and packs it.
func guardTable(t *testing.T, r *rand.Rand, d int) *packedTable {
	t.Helper()
	beta := []float64{0.01, 0.3, 0.44, 2.3, 40}[r.IntN(5)]
	tab, err := quench.NewIsingTable(d, quench.IsingParams{J: 2*r.Float64() - 1, H: r.Float64() - 0.5, Beta: beta, Algo: quench.Algo(1 + r.IntN(2))})
	if err != nil {
		t.Fatal(err)
	}
	return packTable(tab)
}

// randSpins returns m spins of +1 and -1 drawn from r.
func randSpins(r *rand.Rand, m int) []int8 {
	s := make([]int8, m)
	for i := range s {
		s[i] = int8(1 - 2*r.IntN(2))
	}
	return s
}

// guardRandom returns m random bytes for the kernel guard tests, a tie
// (a threshold's high byte) or the edge bytes 0 and 255 more often.
func guardRandom(r *rand.Rand, pt *packedTable, m int) []uint8 {
	u := make([]uint8, m)
	for i := range u {
		u[i] = uint8(r.UintN(256))
		if r.IntN(8) == 0 {
			u[i] = []uint8{0, 255, uint8(pt.hiK[r.IntN(16)&7])}[r.IntN(3)]
		}
	}
	return u
}
