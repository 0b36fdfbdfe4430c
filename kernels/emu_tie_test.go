package kernels

import (
	"encoding/binary"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
	"github.com/quenchlab/quench/internal/philox"
)

// TestIsingExactTieEmulated: both sweep kernels (the segment kernel and the
// site kernel) decide a tie of the second draw with equality (u8 == Hi and
// w>>8 == Lo, so u == Thr) as no flip, as quench.IsingFlip does. The table's
// every entry is a chosen site's own u, the start cold (at colour 0 every
// site has the same entry), one sweep.
func TestIsingExactTieEmulated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a C++ emulation")
	}
	bin := buildEmu(t)
	lat, _ := quench.NewLattice(8, 64)
	n := lat.Sites()
	const seed, replica, step = 4242, 1, 7
	key := philox.KeyFromSeed(seed)
	for _, n0 := range []int64{2*64 + 10, 3*64 + 1, 5*64 + 63} {
		j := uint64(n0) >> 1
		r := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeIsing, replica, step, 0, j>>4, 0), key)
		u8 := r[(j&15)/4] >> (8 * (j & 3)) & 0xFF
		w := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeIsing, replica, step, 0, j, 1), key)[0]
		tab, _ := quench.NewIsingTable(2, quench.IsingParams{J: 1, Beta: 0.4, Algo: quench.Metropolis})
		for k := range tab.Thr {
			tab.Thr[k], tab.Hi[k], tab.Lo[k] = uint64(u8)<<24|uint64(w>>8), int32(u8), w>>8
		}
		want := make([]int8, n)
		for i := range want {
			want[i] = 1
		}
		backendtest.RefIsingSweep(want, lat, tab, quench.Counter{Seed: seed, Replica: replica, Step: step})
		if want[n0] != 1 {
			t.Fatalf("the reference flipped site %d on an exact tie", n0)
		}
		for _, seg := range []int64{1, 0} {
			in := make([]byte, 80)
			for k, v := range []int64{2, 8, 64, 0, 0, seed, step, 1, replica, seg} {
				binary.LittleEndian.PutUint64(in[8*k:], uint64(v))
			}
			for range n {
				in = append(in, 1)
			}
			for _, v := range IsingTable(tab) {
				in = binary.LittleEndian.AppendUint32(in, uint32(v))
			}
			out := runEmu(t, bin, "sweep", in)
			for i := range want {
				if int8(out[i]) != want[i] {
					t.Fatalf("tie at site %d, seg %d: site %d got %d want %d", n0, seg, i, int8(out[i]), want[i])
				}
			}
		}
	}
}
