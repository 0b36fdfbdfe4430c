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
	VMOVQ AX, X15 \
	VPBROADCASTQ X15, Y15 \
	MOVQ $0x0101010101010101, AX \
	VMOVQ AX, X14 \
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

// func isingRows2(pr, pu unsafe.Pointer, n, rows, x0 int, up, down unsafe.Pointer, tabs *[2][32]uint8, masks *[2][32]uint8, ties *uint32) int
// func isingRows3(pr, pe, pf, pu unsafe.Pointer, n, rows, x0 int, up, down unsafe.Pointer, tabs *[2][32]uint8, masks *[2][32]uint8, ties *uint32) int
//
// isingVec2 and isingVec3 for rows whole rows of n registers each (32 n
// sites, both ends included), consecutive in memory from pr: the sites
// of the colour are the bytes x0, x0 + 2, ... of the first row, x0 ^ 1,
// ... of the next and so on (masks[x0] has 0xFE at those of a register),
// random byte i of a row is its site at 2i + x0 (VPMOVZXBW, shifted up a
// byte for x0 = 1), the rows' random bytes following each other from pu.
// A row's neighbour rows along the axis before the last are the rows
// after and before it, but up for the last row and down for the first;
// in 3D, pe and pf are the first row's other two, the others following
// them. The ties are listed by the register's index from pr's first.
//
// Each row is loaded a register at a time, once, and the left and right
// neighbours are shifted out of the register and its neighbours
// (VPERM2I128, VPALIGNR), the first register's left neighbour being the
// last register's byte 31 and the last's right one the first's byte 0
// (periodic): nothing outside the rows is read or written. The bytes
// shifted in are of the other colour, which the stores leave unchanged,
// so the registers as loaded serve.

// ROWSCONSTS: as CONSTS, with the tables at R8.
#define ROWSCONSTS \
	MOVQ $0x0202020202020202, AX \
	VMOVQ AX, X15 \
	VPBROADCASTQ X15, Y15 \
	MOVQ $0x0101010101010101, AX \
	VMOVQ AX, X14 \
	VPBROADCASTQ X14, Y14 \
	VMOVDQU 0(R8), Y13 \
	VMOVDQU 32(R8), Y12 \
	XORQ R12, R12 \
	XORQ R13, R13

// ROWSTART sets up the row at SI (R14 its x0, left-8(SP) the rows left):
// DX its n registers, BX and CX its neighbour rows, R8 its mask, X9 the
// random bytes' shift (8 x0), Y8 its first register (the last's right
// neighbours), Y10 its last (the first's left ones), Y5 the first.
#define ROWSTART(nArg, upArg, downArg, masksArg) \
	MOVQ nArg, DX \
	MOVQ DX, AX \
	SHLQ $5, AX \
	LEAQ (SI)(AX*1), BX \
	CMPQ left-8(SP), $1 \
	CMOVQEQ upArg, BX \
	MOVQ SI, CX \
	SUBQ AX, CX \
	TESTQ R12, R12 \
	CMOVQEQ downArg, CX \
	VMOVDQU (SI), Y8 \
	VMOVDQU -32(SI)(AX*1), Y10 \
	VMOVDQA Y8, Y5 \
	MOVQ R14, AX \
	SHLQ $3, AX \
	VMOVQ AX, X9 \
	SHLQ $2, AX \
	MOVQ masksArg, R8 \
	ADDQ AX, R8

// ROWSITES: Y0 holds the 2 nd of the register Y5 at SI (the neighbour
// rows added), Y10 the previous register; the own row's neighbours and
// down bits, the decision and the store, then Y10 = Y5 and Y5 the next
// register (Y8 after the last).
#define ROWSITES(label) \
	VMOVDQA Y8, Y6 \
	CMPQ DX, $1 \
	JEQ label \
	VMOVDQU 32(SI), Y6 \
label: \
	VPERM2I128 $0x03, Y10, Y5, Y7 \
	VPALIGNR $15, Y7, Y5, Y7 \
	VPAND Y7, Y15, Y7 \
	VPADDB Y7, Y0, Y0 \
	VPERM2I128 $0x21, Y6, Y5, Y7 \
	VPALIGNR $1, Y5, Y7, Y7 \
	VPAND Y7, Y15, Y7 \
	VPADDB Y7, Y0, Y0 \
	VPSRLW $1, Y5, Y1 \
	VPAND Y14, Y1, Y1 \
	VPADDB Y1, Y0, Y0 \
	VPSHUFB Y0, Y13, Y1 \
	VPSHUFB Y0, Y12, Y2 \
	VPMOVZXBW (DI), Y3 \
	VPSLLW X9, Y3, Y3 \
	VPMINUB Y3, Y1, Y4 \
	VPCMPEQB Y3, Y4, Y4 \
	VPCMPEQB Y3, Y2, Y2 \
	VPANDN Y4, Y2, Y4 \
	VPAND (R8), Y4, Y4 \
	VPXOR Y5, Y4, Y4 \
	VMOVDQU Y4, (SI) \
	VMOVDQA Y5, Y10 \
	VMOVDQA Y6, Y5 \
	VPAND (R8), Y2, Y2 \
	VPMOVMSKB Y2, AX \
	TESTL AX, AX

TEXT ·isingRows2(SB), NOSPLIT, $8-88
	MOVQ pr+0(FP), SI
	MOVQ pu+8(FP), DI
	MOVQ rows+24(FP), AX
	MOVQ AX, left-8(SP)
	MOVQ x0+32(FP), R14
	MOVQ tabs+56(FP), R8
	MOVQ ties+72(FP), R9
	ROWSCONSTS

rrow2:
	ROWSTART(n+16(FP), up+40(FP), down+48(FP), masks+64(FP))

rloop2:
	VPAND (BX), Y15, Y0
	VPAND (CX), Y15, Y1
	VPADDB Y1, Y0, Y0
	ROWSITES(rlast2)
	JNZ rtie2

rnext2:
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, CX
	ADDQ $16, DI
	INCQ R12
	DECQ DX
	JNZ rloop2
	XORQ $1, R14
	DECQ left-8(SP)
	JNZ rrow2
	MOVQ R13, ret+80(FP)
	VZEROUPPER
	RET

rtie2:
	TIE
	JMP rnext2

TEXT ·isingRows3(SB), NOSPLIT, $8-104
	MOVQ pr+0(FP), SI
	MOVQ pe+8(FP), R10
	MOVQ pf+16(FP), R11
	MOVQ pu+24(FP), DI
	MOVQ rows+40(FP), AX
	MOVQ AX, left-8(SP)
	MOVQ x0+48(FP), R14
	MOVQ tabs+72(FP), R8
	MOVQ ties+88(FP), R9
	ROWSCONSTS

rrow3:
	ROWSTART(n+32(FP), up+56(FP), down+64(FP), masks+80(FP))

rloop3:
	VPAND (BX), Y15, Y0
	VPAND (CX), Y15, Y1
	VPADDB Y1, Y0, Y0
	VPAND (R10), Y15, Y1
	VPADDB Y1, Y0, Y0
	VPAND (R11), Y15, Y1
	VPADDB Y1, Y0, Y0
	ROWSITES(rlast3)
	JNZ rtie3

rnext3:
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, CX
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $16, DI
	INCQ R12
	DECQ DX
	JNZ rloop3
	XORQ $1, R14
	DECQ left-8(SP)
	JNZ rrow3
	MOVQ R13, ret+96(FP)
	VZEROUPPER
	RET

rtie3:
	TIE
	JMP rnext3
