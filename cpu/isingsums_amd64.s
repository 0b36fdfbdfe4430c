//go:build !purego

#include "textflag.h"

// SUMCONSTS loads the sums' constants (Y15: bit 1 of every byte, Y14:
// 0x01 bytes, Y13: the even bytes of 16-bit lanes, Y12: zero) and clears
// Y11, where a spin that is neither +1 nor -1 shows.
#define SUMCONSTS \
	MOVQ $0x0202020202020202, BX; \
	VMOVQ BX, X15; \
	VPBROADCASTQ X15, Y15; \
	MOVQ $0x0101010101010101, BX; \
	VMOVQ BX, X14; \
	VPBROADCASTQ X14, Y14; \
	MOVQ $0x00FF00FF00FF00FF, BX; \
	VMOVQ BX, X13; \
	VPBROADCASTQ X13, Y13; \
	VPXOR Y12, Y12, Y12; \
	VPXOR Y11, Y11, Y11

// UPBOND adds the unequal bonds of the register in Y0 with the same
// register of the forward row at R to Y7 and moves R on (Y1 scratch).
#define UPBOND(R) \
	VPXOR (R), Y0, Y1; \
	VPAND Y15, Y1, Y1; \
	VPADDB Y1, Y7, Y7; \
	ADDQ $32, R

// SUMREG adds the register of 32 spins at SI to the per-byte counts: its
// down spins (bit 1) to Y6, its bonds that are unequal to the right (the
// next byte) and to the nup (CX) forward rows at R8, R9, R10 to Y7, and
// its invalid bytes to Y11; the forward rows' pointers move on, then SI
// (at next). Y0 - Y2 are scratch.
#define SUMREG(next) \
	VMOVDQU (SI), Y0; \
	VPAND Y15, Y0, Y2; \
	VPADDB Y2, Y6, Y6; \
	VPCMPEQB Y15, Y2, Y1; \
	VPOR Y14, Y1, Y1; \
	VPXOR Y0, Y1, Y1; \
	VPOR Y1, Y11, Y11; \
	VMOVDQU 1(SI), Y1; \
	VPXOR Y0, Y1, Y1; \
	VPAND Y15, Y1, Y1; \
	VPADDB Y1, Y7, Y7; \
	TESTQ CX, CX; \
	JEQ next; \
	UPBOND(R8); \
	CMPQ CX, $1; \
	JEQ next; \
	UPBOND(R9); \
	CMPQ CX, $2; \
	JEQ next; \
	UPBOND(R10); \
next: \
	ADDQ $32, SI

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
	SUMCONSTS
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
	SUMREG(next)
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

// FLUSHBLOCK(A, B) adds isingBlock's per-byte counts into its 64-bit
// lanes and clears them: the A rows' downs (in the register A) at even
// and odd x into Y10 and Y9, the B rows' (in B) into Y4 and Y3, the
// unequal bonds (Y7) into Y8.
#define FLUSHBLOCK(A, B) \
	VPAND Y13, A, Y2; \
	VPSADBW Y12, Y2, Y2; \
	VPADDQ Y2, Y10, Y10; \
	VPSRLW $8, A, Y2; \
	VPSADBW Y12, Y2, Y2; \
	VPADDQ Y2, Y9, Y9; \
	VPAND Y13, B, Y2; \
	VPSADBW Y12, Y2, Y2; \
	VPADDQ Y2, Y4, Y4; \
	VPSRLW $8, B, Y2; \
	VPSADBW Y12, Y2, Y2; \
	VPADDQ Y2, Y3, Y3; \
	VPSADBW Y12, Y7, Y2; \
	VPADDQ Y2, Y8, Y8; \
	VPXOR Y6, Y6, Y6; \
	VPXOR Y5, Y5, Y5; \
	VPXOR Y7, Y7, Y7

// HSUM sums the four 64-bit lanes of Y into X's low lane.
#define HSUM(Y, X) \
	VEXTRACTI128 $1, Y, X2; \
	VPADDQ X2, X, X; \
	VPSHUFD $0x4E, X, X2; \
	VPADDQ X2, X, X

// func isingBlockAsm(p unsafe.Pointer, ups *[3]unsafe.Pointer, nup, rows, rowRegs int) (aEven, aOdd, bEven, bOdd, unequal int64, inv uint64)
//
// isingWords for rows consecutive rows of rowRegs registers each (32
// spins a register; rowRegs at most 127/(1+nup)) whose forward neighbours
// along the other axes lie at the same offsets (ups[:nup], the first
// row's): twice the down spins at even and at odd x of the rows 0, 2, 4,
// ... (A) and of the rows 1, 3, ... (B), whose parities differ, and twice
// the unequal bonds, each spin's right neighbour being the next byte: for
// a row's last spin the next row's first (the caller corrects those), for
// the last row's the byte after the block, which must be readable. inv as
// isingWords'. A row's downs go to Y6, which trades places with Y5 at the
// row's end (R14: the parity of the row Y6 holds, 0 for A), and the
// per-byte counts are flushed every 127/(1+nup)/rowRegs rows.
TEXT ·isingBlockAsm(SB), NOSPLIT, $0-88
	MOVQ p+0(FP), SI
	MOVQ ups+8(FP), AX
	MOVQ nup+16(FP), CX
	MOVQ rowRegs+32(FP), DI
	MOVQ 0(AX), R8
	MOVQ 8(AX), R9
	MOVQ 16(AX), R10
	// R11: rows between flushes, 127/(1+nup)/rowRegs
	MOVQ $127, AX
	LEAQ 1(CX), BX
	XORQ DX, DX
	DIVQ BX
	XORQ DX, DX
	DIVQ DI
	MOVQ AX, R11
	MOVQ rows+24(FP), DX
	MOVQ R11, R12 // rows until the next flush
	XORQ R14, R14 // the parity of the row Y6 holds: 0 A, 1 B
	SUMCONSTS
	VPXOR Y10, Y10, Y10 // A rows' even downs
	VPXOR Y9, Y9, Y9    // A rows' odd downs
	VPXOR Y8, Y8, Y8    // unequal bonds
	VPXOR Y7, Y7, Y7    // per-byte unequal bonds
	VPXOR Y6, Y6, Y6    // per-byte downs of this row's parity
	VPXOR Y5, Y5, Y5    // per-byte downs of the other parity
	VPXOR Y4, Y4, Y4    // B rows' even downs
	VPXOR Y3, Y3, Y3    // B rows' odd downs
	TESTQ DX, DX
	JEQ bdone

brow:
	MOVQ DI, R13 // registers left in this row

bloop:
	SUMREG(bnext)
	DECQ R13
	JNZ bloop
	// the row's end: the other parity's downs take Y6
	VMOVDQU Y6, Y2
	VMOVDQU Y5, Y6
	VMOVDQU Y2, Y5
	XORQ $1, R14
	DECQ R12
	JNZ bcount
	TESTQ R14, R14
	JNE bflushB
	FLUSHBLOCK(Y6, Y5)
	JMP bflushed

bflushB:
	FLUSHBLOCK(Y5, Y6)

bflushed:
	MOVQ R11, R12

bcount:
	DECQ DX
	JNZ brow

bdone:
	TESTQ R14, R14
	JNE bdoneB
	FLUSHBLOCK(Y6, Y5)
	JMP bsums

bdoneB:
	FLUSHBLOCK(Y5, Y6)

bsums:
	HSUM(Y10, X10)
	VMOVQ X10, aEven+40(FP)
	HSUM(Y9, X9)
	VMOVQ X9, aOdd+48(FP)
	HSUM(Y4, X4)
	VMOVQ X4, bEven+56(FP)
	HSUM(Y3, X3)
	VMOVQ X3, bOdd+64(FP)
	HSUM(Y8, X8)
	VMOVQ X8, unequal+72(FP)
	VEXTRACTI128 $1, Y11, X2
	VPOR X2, X11, X11
	VPSHUFD $0x4E, X11, X2
	VPOR X2, X11, X11
	VMOVQ X11, inv+80(FP)
	VZEROUPPER
	RET
