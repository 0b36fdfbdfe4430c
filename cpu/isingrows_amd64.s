//go:build !purego

#include "textflag.h"

// func isingVec2(pr, pa, pc, pu unsafe.Pointer, n int, tabs *[2][32]uint8, mask *[32]uint8, ties *[2 * maxVecs]uint32) int
// func isingVec3(pr, pa, pc, pe, pf, pu unsafe.Pointer, n int, tabs *[2][32]uint8, mask *[32]uint8, ties *[2 * maxVecs]uint32) int
//
// swarBlocks four words (16 same-colour sites, 32 bytes) a vector
// register, n registers: the site at even byte 2i of a register, its
// random byte u (VPMOVZXBW of 16 random bytes: u in the site's byte), its
// key idx = 2 nd + down (nd its down neighbours, down its own bit 1; at
// most 13) and, by VPSHUFB of the tables, g = tabs[0][idx] and h =
// tabs[1][idx] (packTable: h the threshold's high byte mod 256, g = h - 1
// clamped to 0..255). A site flips where u <= g (VPMINUB, VPCMPEQB) and
// u != h; where u == h (a tie, or a threshold of 0 or 256) it is left
// alone, and the register's index and the mask of such bytes
// (VPMOVMSKB) go to ties, two words an entry, for the Go code (vecTies).
// Only the sites where mask is 0xFE are updated (the flips and the ties are ANDed
// with it);
// the others, and the odd bytes, are computed and ignored, and stored
// back unchanged.
//
// The left neighbours are loaded one byte before the register: the next
// register's are loaded before this one's store, which they overlap by a
// byte (a load after it would wait for the store instead of forwarding).

#define CONSTS \
	VMOVDQU (AX), Y11 \
	MOVQ $0x0202020202020202, AX \
	MOVQ AX, X15 \
	VPBROADCASTQ X15, Y15 \
	MOVQ $0x0101010101010101, AX \
	MOVQ AX, X14 \
	VPBROADCASTQ X14, Y14 \
	VMOVDQU 0(R8), Y13 \
	VMOVDQU 32(R8), Y12 \
	XORQ R12, R12 \
	XORQ R13, R13 \
	VMOVDQU -1(SI), Y10

// SITES: Y0 holds the 2 nd of the register at SI (the neighbour rows
// added); the own row's neighbours and down bits, the decision and the
// store. Y10: the left neighbours, then the next register's.
#define SITES(label) \
	VMOVDQU (SI), Y5 \
	VPAND 1(SI), Y15, Y1 \
	VPADDB Y1, Y0, Y0 \
	VPAND Y10, Y15, Y1 \
	VPADDB Y1, Y0, Y0 \
	CMPQ DX, $1 \
	JEQ label \
	VMOVDQU 31(SI), Y10 \
label: \
	VPSRLW $1, Y5, Y1 \
	VPAND Y14, Y1, Y1 \
	VPADDB Y1, Y0, Y0 \
	VPSHUFB Y0, Y13, Y1 \
	VPSHUFB Y0, Y12, Y2 \
	VPMOVZXBW (DI), Y3 \
	VPMINUB Y3, Y1, Y4 \
	VPCMPEQB Y3, Y4, Y4 \
	VPCMPEQB Y3, Y2, Y2 \
	VPANDN Y4, Y2, Y4 \
	VPAND Y11, Y4, Y4 \
	VPXOR Y5, Y4, Y4 \
	VMOVDQU Y4, (SI) \
	VPAND Y11, Y2, Y2 \
	VPMOVMSKB Y2, AX \
	TESTL AX, AX

// TIE records register R12's mask AX at ties[2 R13].
#define TIE \
	MOVL R12, (R9)(R13*8) \
	MOVL AX, 4(R9)(R13*8) \
	INCQ R13

TEXT ·isingVec2(SB), NOSPLIT, $0-72
	MOVQ pr+0(FP), SI
	MOVQ pa+8(FP), BX
	MOVQ pc+16(FP), CX
	MOVQ pu+24(FP), DI
	MOVQ n+32(FP), DX
	MOVQ tabs+40(FP), R8
	MOVQ mask+48(FP), AX
	MOVQ ties+56(FP), R9
	CONSTS

loop2:
	VPAND (BX), Y15, Y0
	VPAND (CX), Y15, Y1
	VPADDB Y1, Y0, Y0
	SITES(last2)
	JNZ tie2

next2:
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, CX
	ADDQ $16, DI
	INCQ R12
	DECQ DX
	JNZ loop2
	MOVQ R13, ret+64(FP)
	VZEROUPPER
	RET

tie2:
	TIE
	JMP next2

TEXT ·isingVec3(SB), NOSPLIT, $0-88
	MOVQ pr+0(FP), SI
	MOVQ pa+8(FP), BX
	MOVQ pc+16(FP), CX
	MOVQ pe+24(FP), R10
	MOVQ pf+32(FP), R11
	MOVQ pu+40(FP), DI
	MOVQ n+48(FP), DX
	MOVQ tabs+56(FP), R8
	MOVQ mask+64(FP), AX
	MOVQ ties+72(FP), R9
	CONSTS

loop3:
	VPAND (BX), Y15, Y0
	VPAND (CX), Y15, Y1
	VPADDB Y1, Y0, Y0
	VPAND (R10), Y15, Y1
	VPADDB Y1, Y0, Y0
	VPAND (R11), Y15, Y1
	VPADDB Y1, Y0, Y0
	SITES(last3)
	JNZ tie3

next3:
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, CX
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $16, DI
	INCQ R12
	DECQ DX
	JNZ loop3
	MOVQ R13, ret+80(FP)
	VZEROUPPER
	RET

tie3:
	TIE
	JMP next3
