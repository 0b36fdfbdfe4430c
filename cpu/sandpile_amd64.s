//go:build !purego

#include "textflag.h"

// func sandPrefetch(xs []int64, h *uint8, act *int64, stamp *int32, edge *uint8, s0, s1 int64)
//
// PREFETCHT0 of each site's act, stamp, edge and h lines and of h at
// x-s0, x+s0 and (s1 not 0) x-s1, x+s1; nothing is loaded from them.
TEXT ·sandPrefetch(SB), NOSPLIT, $0-72
	MOVQ xs_base+0(FP), SI
	MOVQ xs_len+8(FP), CX
	MOVQ h+24(FP), R8
	MOVQ act+32(FP), R9
	MOVQ stamp+40(FP), R10
	MOVQ edge+48(FP), R11
	MOVQ s0+56(FP), R12
	MOVQ s1+64(FP), R13
	TESTQ CX, CX
	JEQ done
	TESTQ R13, R13
	JNE loop3

loop2:
	MOVQ (SI), AX
	PREFETCHT0 (R9)(AX*8)
	PREFETCHT0 (R10)(AX*4)
	PREFETCHT0 (R11)(AX*1)
	LEAQ (R8)(AX*1), DX
	PREFETCHT0 (DX)
	PREFETCHT0 (DX)(R12*1)
	SUBQ R12, DX
	PREFETCHT0 (DX)
	ADDQ $8, SI
	DECQ CX
	JNE loop2
	RET

loop3:
	MOVQ (SI), AX
	PREFETCHT0 (R9)(AX*8)
	PREFETCHT0 (R10)(AX*4)
	PREFETCHT0 (R11)(AX*1)
	LEAQ (R8)(AX*1), DX
	PREFETCHT0 (DX)
	PREFETCHT0 (DX)(R12*1)
	PREFETCHT0 (DX)(R13*1)
	MOVQ DX, DI
	SUBQ R12, DI
	PREFETCHT0 (DI)
	SUBQ R13, DX
	PREFETCHT0 (DX)
	ADDQ $8, SI
	DECQ CX
	JNE loop3

done:
	RET
