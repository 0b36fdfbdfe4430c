package cpu

import (
	"fmt"
	"slices"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
)

// A table IsingSweep accepts (lengths right) whose Hi lies outside 0..256:
// the scalar rule (u8 < Hi) and the reference never flip for Hi < 0 and
// always for Hi > 256.
func TestIsingVecHiOutOfRange(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2")
	}
	for _, shape := range [][]int{{4, 64}, {4, 4, 64}, {4, 66}, {4, 4, 66}} {
		lat, _ := quench.NewLattice(shape...)
		for _, hi := range []int32{-1, -2, -255, -256, 257, 300, 511, 512} {
			t.Run(fmt.Sprintf("%v/%d", shape, hi), func(t *testing.T) {
				good, _ := quench.NewIsingTable(lat.Dim(), quench.IsingParams{J: 1, Beta: 0.4, Algo: quench.Metropolis})
				tab := &quench.IsingTable{Dim: good.Dim, Thr: slices.Clone(good.Thr), Hi: slices.Clone(good.Hi), Lo: slices.Clone(good.Lo)}
				for k := range tab.Hi {
					tab.Hi[k] = hi
				}
				s := make([]int8, lat.Sites())
				quench.InitSpins(s, "hot", 9, 0)
				ctrs := []quench.Counter{{Seed: 1}, {Seed: 1, Step: 1}, {Seed: 1, Step: 2}}
				vec := sweepWith(t, true, s, lat, tab, ctrs)
				sc := sweepWith(t, false, s, lat, tab, ctrs)
				ref := slices.Clone(s)
				for _, c := range ctrs {
					backendtest.RefIsingSweep(ref, lat, tab, c)
				}
				if !slices.Equal(sc, ref) {
					t.Errorf("scalar differs from reference at %d", firstDiff(sc, ref))
				}
				if !slices.Equal(vec, sc) {
					t.Errorf("vector differs from scalar at %d", firstDiff(vec, sc))
				}
			})
		}
	}
}

// TestIsingVecTabRule derives the kernel's rule from packTable's vecTab
// for every Hi from -300 to 600 and every byte u: "flip where u <= g
// unless u == h, vecTies (u8 - Hi: < 0 flip, 0 tie) where u == h" must
// equal the scalar "flip where u < Hi, tie where u == Hi".
func TestIsingVecTabRule(t *testing.T) {
	for hi := int32(-300); hi <= 600; hi++ {
		good, _ := quench.NewIsingTable(2, quench.IsingParams{J: 1, Beta: 0.4, Algo: quench.Metropolis})
		tab := &quench.IsingTable{Dim: 2, Thr: good.Thr, Hi: slices.Repeat([]int32{hi}, len(good.Hi)), Lo: good.Lo}
		pt := packTable(tab)
		for i := 0; i < 10; i++ { // 2 nd + down, nd 0..4
			g, h := pt.vecTab[0][i], pt.vecTab[1][i]
			if pt.vecTab[0][16+i] != g || pt.vecTab[1][16+i] != h {
				t.Fatalf("Hi %d key %d: lanes differ", hi, i)
			}
			for u := 0; u < 256; u++ {
				want := 0 // keep
				if int32(u) < hi {
					want = 1
				} else if int32(u) == hi {
					want = 2 // tie
				}
				got := 0
				if uint8(u) == h {
					if d := int32(u) - pt.hiK[i/2+8*(i%2)]; d < 0 {
						got = 1
					} else if d == 0 {
						got = 2
					}
				} else if uint8(u) <= g {
					got = 1
				}
				if got != want {
					t.Fatalf("Hi %d key %d u %d: vector %d, scalar %d (g %d h %d)", hi, i, u, got, want, g, h)
				}
			}
		}
	}
}
