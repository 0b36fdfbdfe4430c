//go:build !purego

#include "textflag.h"

// func isingWords(p unsafe.Pointer, ups *[3]unsafe.Pointer, nup, n int) (downEven, downOdd, unequal int64, inv uint64)
//
// wordCounts and the flushes of isingSumsWords for the words 0..n-1 (n a
// multiple of 4, each word's right neighbours in the row: the word read
// one byte on), 32 spins a vector register: per byte, bit 1 (0x02) of w
// counts a down spin, of w^right and w^up an unequal bond. The per-byte
// counts are added (VPADDB) for at most 127/(1+nup) registers, which keeps
// them below 256, then the even bytes (even x), the odd ones and all the
// bond counts are summed into 64-bit lanes (VPSADBW). The results are
// twice the counts, as wordCounts'. inv is nonzero when a byte is neither
// 0x01 nor 0xFF. Exact integer sums: the order does not matter.
TEXT ·isingWords(SB), NOSPLIT, $0-64
	MOVQ p+0(FP), SI
	MOVQ ups+8(FP), AX
	MOVQ nup+16(FP), CX
	MOVQ n+24(FP), DX
	MOVQ 0(AX), R8
	MOVQ 8(AX), R9
	MOVQ 16(AX), R10
	SHRQ $2, DX // registers
	// R11: registers between flushes, 127/(1+nup)
	MOVQ $127, AX
	LEAQ 1(CX), BX
	XORQ R13, R13
	XCHGQ DX, R13
	DIVQ BX
	XCHGQ DX, R13
	MOVQ AX, R11
	MOVQ $0x0202020202020202, BX
	VMOVQ BX, X15
	VPBROADCASTQ X15, Y15
	MOVQ $0x0101010101010101, BX
	VMOVQ BX, X14
	VPBROADCASTQ X14, Y14
	MOVQ $0x00FF00FF00FF00FF, BX
	VMOVQ BX, X13
	VPBROADCASTQ X13, Y13
	VPXOR Y12, Y12, Y12 // zero
	VPXOR Y11, Y11, Y11 // inv
	VPXOR Y10, Y10, Y10 // even downs
	VPXOR Y9, Y9, Y9    // odd downs
	VPXOR Y8, Y8, Y8    // unequal bonds

chunk:
	TESTQ DX, DX
	JEQ done
	MOVQ R11, R12
	CMPQ DX, R12
	CMOVQLT DX, R12
	SUBQ R12, DX
	VPXOR Y6, Y6, Y6 // per-byte downs
	VPXOR Y7, Y7, Y7 // per-byte unequal bonds

loop:
	VMOVDQU (SI), Y0
	VMOVDQU 1(SI), Y1
	VPAND Y15, Y0, Y2
	VPADDB Y2, Y6, Y6
	VPCMPEQB Y15, Y2, Y3
	VPOR Y14, Y3, Y3
	VPXOR Y0, Y3, Y3
	VPOR Y3, Y11, Y11
	VPXOR Y0, Y1, Y1
	VPAND Y15, Y1, Y1
	VPADDB Y1, Y7, Y7
	TESTQ CX, CX
	JEQ next
	VPXOR (R8), Y0, Y1
	VPAND Y15, Y1, Y1
	VPADDB Y1, Y7, Y7
	ADDQ $32, R8
	CMPQ CX, $1
	JEQ next
	VPXOR (R9), Y0, Y1
	VPAND Y15, Y1, Y1
	VPADDB Y1, Y7, Y7
	ADDQ $32, R9
	CMPQ CX, $2
	JEQ next
	VPXOR (R10), Y0, Y1
	VPAND Y15, Y1, Y1
	VPADDB Y1, Y7, Y7
	ADDQ $32, R10

next:
	ADDQ $32, SI
	DECQ R12
	JNZ loop
	// flush
	VPAND Y13, Y6, Y2
	VPSADBW Y12, Y2, Y2
	VPADDQ Y2, Y10, Y10
	VPSRLW $8, Y6, Y2
	VPSADBW Y12, Y2, Y2
	VPADDQ Y2, Y9, Y9
	VPSADBW Y12, Y7, Y2
	VPADDQ Y2, Y8, Y8
	JMP chunk

done:
	VEXTRACTI128 $1, Y10, X2
	VPADDQ X2, X10, X10
	VPSHUFD $0x4E, X10, X2
	VPADDQ X2, X10, X10
	VMOVQ X10, downEven+32(FP)
	VEXTRACTI128 $1, Y9, X2
	VPADDQ X2, X9, X9
	VPSHUFD $0x4E, X9, X2
	VPADDQ X2, X9, X9
	VMOVQ X9, downOdd+40(FP)
	VEXTRACTI128 $1, Y8, X2
	VPADDQ X2, X8, X8
	VPSHUFD $0x4E, X8, X2
	VPADDQ X2, X8, X8
	VMOVQ X8, unequal+48(FP)
	VEXTRACTI128 $1, Y11, X2
	VPOR X2, X11, X11
	VPSHUFD $0x4E, X11, X2
	VPOR X2, X11, X11
	VMOVQ X11, inv+56(FP)
	VZEROUPPER
	RET
