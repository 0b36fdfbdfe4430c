// Package kernels holds the CUDA sources of quench (ising.cu, philox.cuh)
// and the fatbin `make kernels` compiles from them: SASS for sm_80, sm_86,
// sm_89 and sm_90 plus compute_90 PTX, built with -fmad=false. The fatbin is
// committed (see quench.fatbin.txt) so that building the CUDA backend needs
// the CUDA headers and driver but not nvcc.
package kernels

import _ "embed"

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
