//go:build linux && amd64 && !purego

package cpu

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
)

// TestGuardIsingFlat runs isingFlat2 and isingFlat3 on slices that abut a
// PROT_NONE page at their end or start: the own bytes, and the other
// planes' in 3D, exactly the n registers' 32 n bytes, the copy exactly
// those less and more lx, the random bytes exactly 16 n, the colour table
// exactly to its last byte read (2 lx + 31 from the colour's offset), the
// tables, extra mask and tie list exactly their arrays. A plane of random
// shape (rows of 2 to maxFlatLx sites, a register or more) is swept from a
// random register on, some calls one register ending at the plane's end
// with the extra mask of its new bytes; the result is checked against a
// model of the contract: the neighbours of a plane with periodic rows and
// columns, u < Hi flips, u == Hi mod 256 is listed and left alone, only
// at the colour's sites where extra is set, nothing else written. Then
// isingFlatSums2 or isingFlatSums3 count the same bytes, against the
// counts of the plane's down spins and unequal forward pairs, and
// isingFlatPlanes (3D) or isingDownMasks (2D) adds their down spins to an
// accumulator (and 2D keeps them as bits).
func TestGuardIsingFlat(t *testing.T) {
	skipNoAVX2(t)
	r := rand.New(rand.NewPCG(47, 48))
	for trial := range 1500 {
		freeMaps()
		threeD := trial%2 == 1
		atEnd := trial%4 < 2
		d := 2
		if threeD {
			d = 3
		}
		var lx, ny int
		for lx*ny < 32 {
			lx = 2 * (1 + r.IntN(maxFlatLx/2))
			if trial%3 == 0 {
				lx = 2 * (1 + r.IntN(12)) // rows shorter than a register
			}
			ny = 2 * (1 + r.IntN(max(1, 400/lx)))
		}
		plane := lx * ny
		ft := newFlatTables(lx)
		// the registers: from a multiple of 32, or one ending at the
		// plane's end with the mask of its bytes past the last multiple
		var o, n int
		extra := flatMasks[0]
		if t0 := plane % 32; trial%5 == 0 && t0 != 0 {
			o, n, extra = plane-32, 1, flatMasks[32-t0]
		} else {
			full := plane / 32
			o = 32 * r.IntN(full)
			n = 1 + r.IntN(full-o/32)
		}
		c := r.IntN(2) // the colour: ct from offset c lx
		pt := guardTable(t, r, d)
		p0, e0, f0 := randSpins(r, plane), randSpins(r, 32*n), randSpins(r, 32*n)
		copy0 := append(append(slices.Clone(p0[plane-lx:]), p0...), p0[:lx]...)
		u0 := guardRandom(r, pt, 16*n)
		r2 := o % (2 * lx)
		own := guardCopy(t, p0[o:o+32*n], atEnd)
		gg := guardCopy(t, copy0[o:o+32*n+2*lx], atEnd)
		ge, gf := guardCopy(t, e0, atEnd), guardCopy(t, f0, atEnd)
		gu := guardCopy(t, u0, atEnd)
		gct := guardCopy(t, ft.ct[:c*lx+2*lx+31], atEnd)
		gtl := guarded[[4096]uint8](t, 1, atEnd)
		gtl[0] = ft.tl
		tb := guarded[[2][32]uint8](t, 1, atEnd)
		tb[0] = pt.vecTab
		gx := guarded[[32]uint8](t, 1, atEnd)
		gx[0] = extra
		gt := guarded[uint32](t, 2*n, atEnd)

		p := func(s []int8) unsafe.Pointer { return unsafe.Pointer(&s[0]) }
		ct, tl := unsafe.Pointer(&gct[c*lx]), unsafe.Pointer(&gtl[0][0])
		var nt int
		if threeD {
			nt = isingFlat3(p(own), p(gg[lx:]), p(ge), p(gf), unsafe.Pointer(&gu[0]), n, lx, r2, 32%(2*lx), 2*lx, &tb[0], ct, tl, &gx[0], &gt[0])
		} else {
			nt = isingFlat2(p(own), p(gg[lx:]), unsafe.Pointer(&gu[0]), n, lx, r2, 32%(2*lx), 2*lx, &tb[0], ct, tl, &gx[0], &gt[0])
		}

		// the model
		want := slices.Clone(p0[o : o+32*n])
		var wantTies []uint32
		bit := func(v int8) int { return int(uint8(v) >> 1 & 1) }
		at := func(x, y int) int8 { return p0[(y+ny)%ny*lx+(x+lx)%lx] }
		for v := 0; v < n; v++ {
			var m uint32
			for i := 0; i < 32; i++ {
				b := 32*v + i
				x, y := (o+b)%lx, (o+b)/lx
				if (x+y+c)%2 != 0 || extra[i] == 0 {
					continue
				}
				nd := bit(at(x-1, y)) + bit(at(x+1, y)) + bit(at(x, y-1)) + bit(at(x, y+1))
				if threeD {
					nd += bit(e0[b]) + bit(f0[b])
				}
				h := pt.hiK[nd+8*bit(p0[o+b])]
				uu := u0[b/2]
				switch {
				case uu == uint8(h):
					m |= 1 << i
				case int32(uu) < h:
					want[b] ^= -2
				}
			}
			if m != 0 {
				wantTies = append(wantTies, uint32(v), m)
			}
		}
		what := func() string {
			return fmt.Sprintf("trial %d (3D %v, %dx%d, o %d, n %d, colour %d)", trial, threeD, ny, lx, o, n, c)
		}
		if !slices.Equal(own, want) {
			t.Fatalf("%s: spins differ at byte %d", what(), firstDiff(own, want))
		}
		if got := gt[:2*nt]; !slices.Equal(got, wantTies) {
			t.Fatalf("%s: ties %v, want %v", what(), got, wantTies)
		}
		for i, rr := range [][]int8{e0, f0, copy0[o : o+32*n+2*lx]} {
			if g := [][]int8{ge, gf, gg}[i]; !slices.Equal(g, rr) {
				t.Fatalf("%s: neighbour bytes %d written", what(), i)
			}
		}

		// the measurement's counts on the same bytes, the copy exactly
		// from lx - 1 before the registers to lx after, a spin that is
		// neither +1 nor -1 at times (reported only where extra is set)
		bad := -1
		if trial%6 == 0 || trial%6 == 3 {
			bad = r.IntN(32 * n)
			copy0[lx+o+bad] = 3
		}
		gs := guardCopy(t, copy0[o+1:o+32*n+2*lx], atEnd)
		go0 := guarded[[3]int64](t, 1, atEnd)
		var inv int
		if threeD {
			inv = isingFlatSums3(p(gs[lx-1:]), p(ge), n, lx, r2, 32%(2*lx), 2*lx, ct, tl, &gx[0], &go0[0])
		} else {
			inv = isingFlatSums2(p(gs[lx-1:]), n, lx, r2, 32%(2*lx), 2*lx, ct, tl, &gx[0], &go0[0])
		}
		var wantOut [3]int64
		for b := 0; b < 32*n; b++ {
			x, y := (o+b)%lx, (o+b)/lx
			if extra[b%32] == 0 {
				continue
			}
			own := bit(p0[o+b])
			wantOut[0] += int64(2 * own)
			if (x+y+c)%2 == 0 {
				wantOut[1] += int64(2 * own)
			}
			for _, nbv := range []int8{at(x+1, y), at(x, y+1)} {
				if bit(nbv) != own {
					wantOut[2] += 2
				}
			}
			if threeD && bit(e0[b]) != own {
				wantOut[2] += 2
			}
		}
		if wantBad := bad >= 0 && extra[bad%32] != 0; (inv != 0) != wantBad {
			t.Fatalf("%s: invalid spin at %d reported %v", what(), bad, inv != 0)
		}
		if bad < 0 && go0[0] != wantOut {
			t.Fatalf("%s: counts %v, want %v", what(), go0[0], wantOut)
		}

		// 2D: isingDownMasks on the same bytes, cycling through an
		// accumulator of 1 to 4 registers, the masks exactly theirs
		if !threeD {
			accRegs := 1 + r.IntN(4)
			gp := guardCopy(t, copy0[lx+o:lx+o+32*n], atEnd)
			acc0 := make([]uint8, 32*accRegs)
			for i := range acc0 {
				acc0[i] = uint8(r.IntN(200))
			}
			gacc := guardCopy(t, acc0, atEnd)
			gm := guarded[uint32](t, n, atEnd)
			inv := isingDownMasks(p(gp), unsafe.Pointer(&gacc[0]), n, accRegs, &gm[0])
			wantAcc := slices.Clone(acc0)
			wantMasks := make([]uint32, n)
			for b := 0; b < 32*n; b++ {
				if copy0[lx+o+b] == -1 {
					wantAcc[b/32%accRegs*32+b%32]++
					wantMasks[b/32] |= 1 << (b % 32)
				}
			}
			if (inv != 0) != (bad >= 0) {
				t.Fatalf("%s: masks: invalid spin at %d reported %v", what(), bad, inv != 0)
			}
			if bad < 0 && (!slices.Equal(gm, wantMasks) || !slices.Equal(gacc, wantAcc)) {
				t.Fatalf("%s: masks %x, want %x; accumulator %v, want %v", what(), gm, wantMasks, gacc, wantAcc)
			}
			continue
		}

		// the plane sums' counts (3D: isingFlatPlanes) of the same bytes
		// into an accumulator of exactly theirs
		gp := guardCopy(t, copy0[lx+o:lx+o+32*n], atEnd)
		acc0 := make([]uint8, 32*n)
		for i := range acc0 {
			acc0[i] = uint8(r.IntN(200))
		}
		gacc := guardCopy(t, acc0, atEnd)
		downs, inv := isingFlatPlanes(p(gp), unsafe.Pointer(&gacc[0]), n, &gx[0])
		wantAcc, wantDowns := slices.Clone(acc0), 0
		for b := 0; b < 32*n; b++ {
			if extra[b%32] != 0 && copy0[lx+o+b] == -1 {
				wantAcc[b]++
				wantDowns++
			}
		}
		if wantBad := bad >= 0 && extra[bad%32] != 0; (inv != 0) != wantBad {
			t.Fatalf("%s: planes: invalid spin at %d reported %v", what(), bad, inv != 0)
		}
		if bad < 0 && (downs != wantDowns || !slices.Equal(gacc, wantAcc)) {
			t.Fatalf("%s: planes: %d down spins, want %d; accumulator %v, want %v", what(), downs, wantDowns, gacc, wantAcc)
		}
	}
}

// TestGuardPlanesFlat runs planesFlat on 3D lattices (of rows of any
// length, planes of a register and more, parts in parallel) whose spins
// abut a PROT_NONE page at their start or end, against the plain plane
// sums; every third one staggered.
func TestGuardPlanesFlat(t *testing.T) {
	skipNoAVX2(t)
	r := rand.New(rand.NewPCG(49, 50))
	ran := 0
	for trial := range 120 {
		freeMaps()
		shape := []int{1 + r.IntN(40), 1 + r.IntN(12), 2 * (1 + r.IntN(60))}
		if trial%10 == 0 {
			shape[0] = 300 + r.IntN(800) // past the fold, several parts
		}
		lat := quench.Lattice{Shape: shape}
		g := computeRowGeom(lat)
		if !flatPlanes(&g) {
			continue
		}
		s0 := make([]int8, lat.Sites())
		quench.InitSpins(s0, "hot", uint64(trial), 0)
		s := guardCopy(t, s0, trial%4 < 2)
		stag := trial%3 == 0
		want := backendtest.RefIsingPlanes(s0, lat, stag)
		got := make([]int64, len(want))
		if bad := planesFlat(s, &g, stag, got); bad || !slices.Equal(got, want) {
			t.Fatalf("shape %v (staggered %v): bad %v\n got %v\nwant %v", shape, stag, bad, got, want)
		}
		ran++
	}
	if ran < 80 {
		t.Fatalf("planesFlat took %d of the 120 shapes", ran)
	}
}
