//go:build !purego

#include "textflag.h"

// func isingFlat2(pr, pg, pu unsafe.Pointer, n, lx, r2, inc, wrap int, tabs *[2][32]uint8, ct, tl unsafe.Pointer, extra *[32]uint8, ties *uint32) int
// func isingFlat3(pr, pg, pe, pf, pu unsafe.Pointer, n, lx, r2, inc, wrap int, tabs *[2][32]uint8, ct, tl unsafe.Pointer, extra *[32]uint8, ties *uint32) int
//
// isingRows2 and isingRows3 for rows of any even length lx: n registers
// of 32 consecutive bytes of a plane (the rows of a 2D lattice, or of one
// 3D plane), whatever rows they fall in. The own sites are read and
// written at pr; every neighbour in the plane is read from pg, a copy of
// the same bytes taken before the call (with a row of margin each side:
// the plane's last row before its first, its first after its last), so
// no load waits for a store: the left neighbours at pg - 1, the right
// ones at pg + 1, the rows above and below at pg + lx and pg - lx, and
// for the sites at a row's ends (x = 0, lx - 1) the row's other end at
// pg + lx - 1 and pg - lx + 1, chosen byte by byte by the tables at tl
// (byte t: 0x02 where t mod lx = 0, 2048 on: 0x02 where it is not),
// read at r2 and r2 + 1 for the left and the right, r2 the register's
// offset mod 2 lx (advanced by inc = 32 mod 2 lx, less wrap = 2 lx). In
// 3D, pe and pf are the other planes' bytes at the same place. The sites
// of the colour are where ct (at r2) has 0xFE, ANDed with extra; the
// random byte of the pair of bytes 2i, 2i + 1 is pu's byte i (VPMOVZXBW,
// copied into both). The decision is isingVec2's: the ties go to ties by
// register index.

// FLATCONSTS loads the tables, the extra mask and the constants.
#define FLATCONSTS(tabsArg, ctArg, tlArg, extraArg, tiesArg) \
	MOVQ tabsArg, AX \
	VMOVDQU 0(AX), Y13 \
	VMOVDQU 32(AX), Y12 \
	MOVQ extraArg, AX \
	VMOVDQU (AX), Y11 \
	MOVQ ctArg, CX \
	MOVQ tlArg, R8 \
	MOVQ tiesArg, R9 \
	MOVQ $0x0202020202020202, AX \
	VMOVQ AX, X15 \
	VPBROADCASTQ X15, Y15 \
	MOVQ $0x0101010101010101, AX \
	VMOVQ AX, X14 \
	VPBROADCASTQ X14, Y14 \
	MOVQ BX, DX \
	SUBQ R15, DX \
	XORQ R12, R12 \
	XORQ R13, R13

// FLATPLANE adds to Y0 the down bits (0x02 each) of the four neighbours in
// the plane: above (pg + lx), below (DX = pg - lx), left and right.
#define FLATPLANE \
	VPAND (DX), Y15, Y1 \
	VPADDB Y1, Y0, Y0 \
	VPAND (BX)(R15*1), Y15, Y1 \
	VPADDB Y1, Y0, Y0 \
	VMOVDQU 2048(R8)(R14*1), Y2 \
	VPAND -1(BX), Y2, Y1 \
	VPADDB Y1, Y0, Y0 \
	VMOVDQU (R8)(R14*1), Y2 \
	VPAND -1(BX)(R15*1), Y2, Y1 \
	VPADDB Y1, Y0, Y0 \
	VMOVDQU 2049(R8)(R14*1), Y2 \
	VPAND 1(BX), Y2, Y1 \
	VPADDB Y1, Y0, Y0 \
	VMOVDQU 1(R8)(R14*1), Y2 \
	VPAND 1(DX), Y2, Y1 \
	VPADDB Y1, Y0, Y0

// FLATSITES: the own down bits, the decision and the store, as SITES.
#define FLATSITES \
	VMOVDQU (SI), Y5 \
	VPSRLW $1, Y5, Y1 \
	VPAND Y14, Y1, Y1 \
	VPADDB Y1, Y0, Y0 \
	VPSHUFB Y0, Y13, Y1 \
	VPSHUFB Y0, Y12, Y2 \
	VPMOVZXBW (DI), Y3 \
	VPSLLW $8, Y3, Y4 \
	VPOR Y4, Y3, Y3 \
	VPMINUB Y3, Y1, Y4 \
	VPCMPEQB Y3, Y4, Y4 \
	VPCMPEQB Y3, Y2, Y2 \
	VPANDN Y4, Y2, Y4 \
	VMOVDQU (CX)(R14*1), Y6 \
	VPAND Y11, Y6, Y6 \
	VPAND Y6, Y4, Y4 \
	VPXOR Y5, Y4, Y4 \
	VMOVDQU Y4, (SI) \
	VPAND Y6, Y2, Y2 \
	VPMOVMSKB Y2, AX \
	TESTL AX, AX

// R2NEXT advances r2 (R14) by inc mod wrap.
#define R2NEXT(incArg, wrapArg, label) \
	ADDQ incArg, R14 \
	CMPQ R14, wrapArg \
	JLT label \
	SUBQ wrapArg, R14 \
label:

// FLATNEXT moves to the next register.
#define FLATNEXT(incArg, wrapArg, label) \
	ADDQ $32, SI \
	ADDQ $32, BX \
	ADDQ $32, DX \
	ADDQ $16, DI \
	R2NEXT(incArg, wrapArg, label)

#define FLATTIE \
	MOVL R12, (R9)(R13*8) \
	MOVL AX, 4(R9)(R13*8) \
	INCQ R13

TEXT ·isingFlat2(SB), NOSPLIT, $0-112
	MOVQ pr+0(FP), SI
	MOVQ pg+8(FP), BX
	MOVQ pu+16(FP), DI
	MOVQ lx+32(FP), R15
	MOVQ r2+40(FP), R14
	FLATCONSTS(tabs+64(FP), ct+72(FP), tl+80(FP), extra+88(FP), ties+96(FP))

floop2:
	VPXOR Y0, Y0, Y0
	FLATPLANE
	FLATSITES
	JNZ ftie2

fnext2:
	FLATNEXT(inc+48(FP), wrap+56(FP), fwrap2)
	INCQ R12
	CMPQ R12, n+24(FP)
	JLT floop2
	MOVQ R13, ret+104(FP)
	VZEROUPPER
	RET

ftie2:
	FLATTIE
	JMP fnext2

TEXT ·isingFlat3(SB), NOSPLIT, $0-128
	MOVQ pr+0(FP), SI
	MOVQ pg+8(FP), BX
	MOVQ pe+16(FP), R10
	MOVQ pf+24(FP), R11
	MOVQ pu+32(FP), DI
	MOVQ lx+48(FP), R15
	MOVQ r2+56(FP), R14
	FLATCONSTS(tabs+80(FP), ct+88(FP), tl+96(FP), extra+104(FP), ties+112(FP))

floop3:
	VPAND (R10), Y15, Y0
	VPAND (R11), Y15, Y1
	VPADDB Y1, Y0, Y0
	FLATPLANE
	FLATSITES
	JNZ ftie3

fnext3:
	ADDQ $32, R10
	ADDQ $32, R11
	FLATNEXT(inc+64(FP), wrap+72(FP), fwrap3)
	INCQ R12
	CMPQ R12, n+40(FP)
	JLT floop3
	MOVQ R13, ret+120(FP)
	VZEROUPPER
	RET

ftie3:
	FLATTIE
	JMP fnext3

// func isingFlatSums2(pg unsafe.Pointer, n, lx, r2, inc, wrap int, ct, tl unsafe.Pointer, extra *[32]uint8, out *[3]int64) int
// func isingFlatSums3(pg, pe unsafe.Pointer, n, lx, r2, inc, wrap int, ct, tl unsafe.Pointer, extra *[32]uint8, out *[3]int64) int
//
// The Ising measurement's counts over n registers of a plane's bytes, read
// from its copy pg (as isingFlat2 and isingFlat3 read it, with a row of
// margin each side), only the bytes where extra is set: out[0] twice the
// down spins, out[1] twice those at the sites where ct (at r2) is set,
// out[2] twice the unequal pairs of a site and its forward neighbours,
// right (the row's first byte for its last, by tl at r2 + 1), above
// (pg + lx) and in 3D the next plane's byte (pe). The result is nonzero
// where a byte is neither 0x01 nor 0xFF.

// SUMSCONSTS sets up the constants and the sums.
#define SUMSCONSTS(ctArg, tlArg, extraArg) \
	MOVQ extraArg, AX \
	VMOVDQU (AX), Y11 \
	MOVQ ctArg, CX \
	MOVQ tlArg, R8 \
	MOVQ $0x0202020202020202, AX \
	VMOVQ AX, X15 \
	VPBROADCASTQ X15, Y15 \
	MOVQ $0x0101010101010101, AX \
	VMOVQ AX, X14 \
	VPBROADCASTQ X14, Y14 \
	MOVQ $0xFEFEFEFEFEFEFEFE, AX \
	VMOVQ AX, X8 \
	VPBROADCASTQ X8, Y8 \
	VPXOR Y9, Y9, Y9 \
	VPXOR Y10, Y10, Y10 \
	VPXOR Y12, Y12, Y12 \
	VPXOR Y13, Y13, Y13 \
	VPXOR Y7, Y7, Y7 \
	MOVQ BX, DX \
	SUBQ R15, DX \
	XORQ R12, R12

// SUMSSITES counts the register at BX: Y0 its down bits, Y1 the unequal
// pairs with its right and upper neighbours, added to by the caller in 3D.
#define SUMSSITES \
	VMOVDQU (BX), Y5 \
	VPAND Y5, Y15, Y0 \
	VPCMPEQB Y15, Y0, Y1 \
	VPAND Y8, Y1, Y1 \
	VPOR Y14, Y1, Y1 \
	VPXOR Y5, Y1, Y1 \
	VPAND Y11, Y1, Y1 \
	VPOR Y1, Y7, Y7 \
	VPAND Y11, Y0, Y1 \
	VPSADBW Y9, Y1, Y2 \
	VPADDQ Y2, Y10, Y10 \
	VMOVDQU (CX)(R14*1), Y6 \
	VPAND Y11, Y6, Y6 \
	VPAND Y6, Y0, Y1 \
	VPSADBW Y9, Y1, Y2 \
	VPADDQ Y2, Y12, Y12 \
	VMOVDQU 2049(R8)(R14*1), Y2 \
	VPAND 1(BX), Y2, Y1 \
	VMOVDQU 1(R8)(R14*1), Y2 \
	VPAND 1(DX), Y2, Y3 \
	VPOR Y3, Y1, Y1 \
	VPXOR Y0, Y1, Y1 \
	VPAND (BX)(R15*1), Y15, Y2 \
	VPXOR Y0, Y2, Y2 \
	VPADDB Y2, Y1, Y1

// SUMSADD adds Y1's unequal pairs, where extra is set.
#define SUMSADD \
	VPAND Y11, Y1, Y1 \
	VPSADBW Y9, Y1, Y2 \
	VPADDQ Y2, Y13, Y13

// HSUM stores the sum of Y's four quadwords at off(AX).
#define HSUM(Y, X, off) \
	VEXTRACTI128 $1, Y, X2 \
	VPADDQ X2, X, X \
	VPSHUFD $0x4E, X, X2 \
	VPADDQ X2, X, X \
	VMOVQ X, off(AX)

// SUMSEND stores the sums and the result.
#define SUMSEND(outArg, retArg) \
	MOVQ outArg, AX \
	HSUM(Y10, X10, 0) \
	HSUM(Y12, X12, 8) \
	HSUM(Y13, X13, 16) \
	XORQ AX, AX \
	VPTEST Y7, Y7 \
	SETNE AL \
	MOVQ AX, retArg \
	VZEROUPPER \
	RET

TEXT ·isingFlatSums2(SB), NOSPLIT, $0-88
	MOVQ pg+0(FP), BX
	MOVQ lx+16(FP), R15
	MOVQ r2+24(FP), R14
	SUMSCONSTS(ct+48(FP), tl+56(FP), extra+64(FP))

sloop2:
	SUMSSITES
	SUMSADD
	ADDQ $32, BX
	ADDQ $32, DX
	R2NEXT(inc+32(FP), wrap+40(FP), snowrap2)
	INCQ R12
	CMPQ R12, n+8(FP)
	JLT sloop2
	SUMSEND(out+72(FP), ret+80(FP))

TEXT ·isingFlatSums3(SB), NOSPLIT, $0-96
	MOVQ pg+0(FP), BX
	MOVQ pe+8(FP), R10
	MOVQ lx+24(FP), R15
	MOVQ r2+32(FP), R14
	SUMSCONSTS(ct+56(FP), tl+64(FP), extra+72(FP))

sloop3:
	SUMSSITES
	VPAND (R10), Y15, Y2
	VPXOR Y0, Y2, Y2
	VPADDB Y2, Y1, Y1
	SUMSADD
	ADDQ $32, BX
	ADDQ $32, DX
	ADDQ $32, R10
	R2NEXT(inc+40(FP), wrap+48(FP), snowrap3)
	INCQ R12
	CMPQ R12, n+16(FP)
	JLT sloop3
	SUMSEND(out+80(FP), ret+88(FP))

// func isingFlatPlanes(p, acc unsafe.Pointer, n int, extra *[32]uint8) (downs, inv int)
//
// The plane sums' counts over n registers of a 3D plane at p, only at the
// bytes where extra is set: each byte's down bit (bit 1) added to its
// byte of acc (the same offsets), and their number; inv is nonzero where
// a byte is neither 0x01 nor 0xFF (as planesWords checks it: bit 0
// clear, or one of bits 1 to 6 unlike the next).
TEXT ·isingFlatPlanes(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), SI
	MOVQ acc+8(FP), DI
	MOVQ n+16(FP), DX
	MOVQ extra+24(FP), AX
	VMOVDQU (AX), Y11
	MOVQ $0x0101010101010101, AX
	VMOVQ AX, X14
	VPBROADCASTQ X14, Y14
	MOVQ $0x7E7E7E7E7E7E7E7E, AX
	VMOVQ AX, X13
	VPBROADCASTQ X13, Y13
	VPXOR Y9, Y9, Y9
	VPXOR Y10, Y10, Y10
	VPXOR Y7, Y7, Y7

ploop:
	VMOVDQU (SI), Y5
	VPSRLW $1, Y5, Y1
	VPAND Y14, Y1, Y0
	VPAND Y11, Y0, Y0
	VPXOR Y5, Y1, Y2
	VPAND Y13, Y2, Y2
	VPANDN Y14, Y5, Y3
	VPOR Y3, Y2, Y2
	VPAND Y11, Y2, Y2
	VPOR Y2, Y7, Y7
	VPADDB (DI), Y0, Y2
	VMOVDQU Y2, (DI)
	VPSADBW Y9, Y0, Y3
	VPADDQ Y3, Y10, Y10
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ DX
	JNZ ploop
	VEXTRACTI128 $1, Y10, X2
	VPADDQ X2, X10, X10
	VPSHUFD $0x4E, X10, X2
	VPADDQ X2, X10, X10
	VMOVQ X10, downs+32(FP)
	XORQ AX, AX
	VPTEST Y7, Y7
	SETNE AL
	MOVQ AX, inv+40(FP)
	VZEROUPPER
	RET

// func isingDownMasks(p, acc unsafe.Pointer, n, accRegs int, masks *uint32) (inv int)
//
// The 2D plane sums' counts over n registers at p: each byte's down bit
// (bit 1) added to its byte of the accumulator's register k mod accRegs
// (k the register's index), and each register's 32 down bits stored as
// a word of masks (bit i for byte i); inv as isingFlatPlanes'.
TEXT ·isingDownMasks(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), SI
	MOVQ acc+8(FP), DI
	MOVQ n+16(FP), DX
	MOVQ accRegs+24(FP), CX
	MOVQ masks+32(FP), R9
	MOVQ DI, R8
	XORQ R10, R10
	MOVQ $0x0101010101010101, AX
	VMOVQ AX, X14
	VPBROADCASTQ X14, Y14
	MOVQ $0x7E7E7E7E7E7E7E7E, AX
	VMOVQ AX, X13
	VPBROADCASTQ X13, Y13
	VPXOR Y7, Y7, Y7

mloop:
	VMOVDQU (SI), Y5
	VPSRLW $1, Y5, Y1
	VPAND Y14, Y1, Y0
	VPXOR Y5, Y1, Y2
	VPAND Y13, Y2, Y2
	VPANDN Y14, Y5, Y3
	VPOR Y3, Y2, Y2
	VPOR Y2, Y7, Y7
	VPADDB (DI), Y0, Y2
	VMOVDQU Y2, (DI)
	VPSLLW $6, Y5, Y1
	VPMOVMSKB Y1, AX
	MOVL AX, (R9)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $4, R9
	INCQ R10
	CMPQ R10, CX
	JLT mnext
	XORQ R10, R10
	MOVQ R8, DI

mnext:
	DECQ DX
	JNZ mloop
	XORQ AX, AX
	VPTEST Y7, Y7
	SETNE AL
	MOVQ AX, inv+40(FP)
	VZEROUPPER
	RET
