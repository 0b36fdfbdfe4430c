// Package kernels holds the CUDA sources of quench (ising.cu, philox.cuh)
// and the fatbin `make kernels` compiles from them: SASS for sm_80, sm_86,
// sm_89 and sm_90 plus compute_90 PTX, built with -fmad=false. The fatbin is
// committed (see quench.fatbin.txt) so that building the CUDA backend needs
// the CUDA headers and driver but not nvcc.
package kernels

import (
	_ "embed"

	"github.com/quenchlab/quench"
)

// Fatbin is the compiled module loaded by the gpu backend.
//
//go:embed quench.fatbin
var Fatbin string

// Names of the kernels in Fatbin.
const (
	IsingPhaseSeg  = "ising_phase_seg"
	IsingPhaseSite = "ising_phase_site"
	IsingSums      = "ising_sums"
	SumBlocksF64   = "sum_blocks_f64"
	SumBlocksF32   = "sum_blocks_f32"
	PhiloxKAT      = "philox_kat"
)

// All lists every kernel the gpu backend loads.
var All = []string{IsingPhaseSeg, IsingPhaseSite, IsingSums, SumBlocksF64, SumBlocksF32, PhiloxKAT}

// IsingTable is the threshold table in the layout of ising.cu: 64 int32,
// hi[32] then lo[32], indexed by nd + 16*(s == -1), nd the number of down
// neighbours; unused hi entries are -1 so that no byte matches them.
func IsingTable(tab *quench.IsingTable) [64]int32 {
	var t [64]int32
	for i := 0; i < 32; i++ {
		t[i] = -1
	}
	z := 2 * tab.Dim
	for _, sv := range []int8{1, -1} {
		for nd := 0; nd <= z; nd++ {
			k := tab.Index(sv, z-2*nd)
			key := nd
			if sv < 0 {
				key += 16
			}
			t[key], t[32+key] = tab.Hi[k], int32(tab.Lo[k])
		}
	}
	return t
}
