//go:build !purego

package philox

import "golang.org/x/sys/cpu"

// useAVX2 selects fillGroups8 in FillGroups (tests turn it off to check
// the scalar code).
var useAVX2 = cpu.X86.HasAVX2

// useAVX512 selects fillGroups8v and word0s8v, the same on CPUs with
// AVX-512VL (under useAVX2: tests turn either off).
var useAVX512 = cpu.X86.HasAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL

// fillGroups8 writes blocks*8 groups from group word c0 on (lane l of a
// block: c0 + 8 b + l; words 1 to 3 from t), 128 bytes a block. The low
// word must not wrap within the call.
//
//go:noescape
func fillGroups8(dst *byte, blocks int, c0 uint32, t *consts8)

// word0s8 writes word 0 of Philox4x32_10 for blocks*8 counters: word 0
// of counter i from w0[i], words 1 to 3 from t (Word0s).
//
//go:noescape
func word0s8(dst, w0 *uint32, blocks int, t *consts8)

// fillGroups8v and word0s8v are fillGroups8 and word0s8 with AVX-512VL's
// permutations and ternary logic.
//
//go:noescape
func fillGroups8v(dst *byte, blocks int, c0 uint32, t *consts8)

//go:noescape
func word0s8v(dst, w0 *uint32, blocks int, t *consts8)
