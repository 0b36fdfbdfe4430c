//go:build !purego

#include "textflag.h"

// consts8 (fill.go): round key r at 8 r (k0) and 8 r + 4 (k1), then
// counter words 1..3. vecConsts (in R8): the multipliers, the lane offsets
// and 8, 32 bytes each.
#define W1 80
#define W2 84
#define W3 88
#define MUL0 0
#define MUL1 32
#define IOTA 64
#define EIGHT 96

// One Philox round on eight counters, words in a0..a3, key r at K(SI):
// (hi0, lo0) = M0 * w0, (hi1, lo1) = M1 * w2 as 64-bit products (VPMULUDQ
// multiplies the even lanes; the odd ones are shifted down first);
// w = {hi1 ^ w1 ^ k0, lo1, hi0 ^ w3 ^ k1, lo0}. Temporaries Y8..Y13 (Y15,
// which Go's register ABI keeps zero, and R14 are not touched).
#define ROUND(K, a0, a1, a2, a3) \
	VPMULUDQ MUL0(R8), a0, Y8 \
	VPSRLQ $32, a0, Y9 \
	VPMULUDQ MUL0(R8), Y9, Y9 \
	VPMULUDQ MUL1(R8), a2, Y10 \
	VPSRLQ $32, a2, Y11 \
	VPMULUDQ MUL1(R8), Y11, Y11 \
	VPSLLQ $32, Y9, Y12 \
	VPBLENDD $0xAA, Y12, Y8, Y12 \
	VPSRLQ $32, Y8, Y8 \
	VPBLENDD $0xAA, Y9, Y8, Y8 \
	VPSLLQ $32, Y11, Y13 \
	VPBLENDD $0xAA, Y13, Y10, Y13 \
	VPSRLQ $32, Y10, Y10 \
	VPBLENDD $0xAA, Y11, Y10, Y10 \
	VPBROADCASTD K(SI), Y9 \
	VPXOR a1, Y10, Y10 \
	VPXOR Y9, Y10, a0 \
	VPBROADCASTD K+4(SI), Y11 \
	VPXOR a3, Y8, Y8 \
	VPXOR Y11, Y8, a2 \
	VMOVDQA Y13, a1 \
	VMOVDQA Y12, a3

// LOAD starts eight counters: word 0 from Y14 (then advanced by 8),
// words 1..3 from t.
#define LOAD(a0, a1, a2, a3) \
	VMOVDQA Y14, a0 \
	VPBROADCASTD W1(SI), a1 \
	VPBROADCASTD W2(SI), a2 \
	VPBROADCASTD W3(SI), a3 \
	VPADDD EIGHT(R8), Y14, Y14

#define ROUNDS(a0, a1, a2, a3) \
	ROUND(0, a0, a1, a2, a3) \
	ROUND(8, a0, a1, a2, a3) \
	ROUND(16, a0, a1, a2, a3) \
	ROUND(24, a0, a1, a2, a3) \
	ROUND(32, a0, a1, a2, a3) \
	ROUND(40, a0, a1, a2, a3) \
	ROUND(48, a0, a1, a2, a3) \
	ROUND(56, a0, a1, a2, a3) \
	ROUND(64, a0, a1, a2, a3) \
	ROUND(72, a0, a1, a2, a3)

// STORE writes the eight groups of a0..a3 to OFF(DI): group l is
// {a0[l], a1[l], a2[l], a3[l]}, a 4x8 transpose. Temporaries Y8..Y11 and
// a0..a3.
#define STORE(OFF, a0, a1, a2, a3) \
	VPUNPCKLDQ a1, a0, Y8 \
	VPUNPCKHDQ a1, a0, Y9 \
	VPUNPCKLDQ a3, a2, Y10 \
	VPUNPCKHDQ a3, a2, Y11 \
	VPUNPCKLQDQ Y10, Y8, a0 \
	VPUNPCKHQDQ Y10, Y8, a1 \
	VPUNPCKLQDQ Y11, Y9, a2 \
	VPUNPCKHQDQ Y11, Y9, a3 \
	VPERM2I128 $0x20, a1, a0, Y8 \
	VPERM2I128 $0x20, a3, a2, Y9 \
	VPERM2I128 $0x31, a1, a0, Y10 \
	VPERM2I128 $0x31, a3, a2, Y11 \
	VMOVDQU Y8, OFF(DI) \
	VMOVDQU Y9, OFF+32(DI) \
	VMOVDQU Y10, OFF+64(DI) \
	VMOVDQU Y11, OFF+96(DI)

// func fillGroups8(dst *byte, blocks int, c0 uint32, t *consts8)
//
// Two blocks at a time (their rounds are independent: the second's
// multiplications run while the first's wait), then a last odd one.
TEXT ·fillGroups8(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ blocks+8(FP), CX
	MOVL c0+16(FP), AX
	MOVQ t+24(FP), SI
	LEAQ ·vecConsts(SB), R8
	VMOVQ AX, X14
	VPBROADCASTD X14, Y14
	VPADDD IOTA(R8), Y14, Y14
	CMPQ CX, $2
	JLT one

pair:
	LOAD(Y0, Y1, Y2, Y3)
	LOAD(Y4, Y5, Y6, Y7)
	ROUND(0, Y0, Y1, Y2, Y3)
	ROUND(0, Y4, Y5, Y6, Y7)
	ROUND(8, Y0, Y1, Y2, Y3)
	ROUND(8, Y4, Y5, Y6, Y7)
	ROUND(16, Y0, Y1, Y2, Y3)
	ROUND(16, Y4, Y5, Y6, Y7)
	ROUND(24, Y0, Y1, Y2, Y3)
	ROUND(24, Y4, Y5, Y6, Y7)
	ROUND(32, Y0, Y1, Y2, Y3)
	ROUND(32, Y4, Y5, Y6, Y7)
	ROUND(40, Y0, Y1, Y2, Y3)
	ROUND(40, Y4, Y5, Y6, Y7)
	ROUND(48, Y0, Y1, Y2, Y3)
	ROUND(48, Y4, Y5, Y6, Y7)
	ROUND(56, Y0, Y1, Y2, Y3)
	ROUND(56, Y4, Y5, Y6, Y7)
	ROUND(64, Y0, Y1, Y2, Y3)
	ROUND(64, Y4, Y5, Y6, Y7)
	ROUND(72, Y0, Y1, Y2, Y3)
	ROUND(72, Y4, Y5, Y6, Y7)
	STORE(0, Y0, Y1, Y2, Y3)
	STORE(128, Y4, Y5, Y6, Y7)
	ADDQ $256, DI
	SUBQ $2, CX
	CMPQ CX, $2
	JGE pair

one:
	TESTQ CX, CX
	JZ done
	LOAD(Y0, Y1, Y2, Y3)
	ROUNDS(Y0, Y1, Y2, Y3)
	STORE(0, Y0, Y1, Y2, Y3)

done:
	VZEROUPPER
	RET

// func word0s8(dst, w0 *uint32, blocks int, t *consts8)
//
// Word 0 of Philox4x32_10 for blocks*8 counters: lane l of block b has
// word 0 w0[8 b + l] and words 1 to 3 from t. blocks >= 1.
TEXT ·word0s8(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ w0+8(FP), DX
	MOVQ blocks+16(FP), CX
	MOVQ t+24(FP), SI
	LEAQ ·vecConsts(SB), R8

w0loop:
	VMOVDQU (DX), Y0
	VPBROADCASTD W1(SI), Y1
	VPBROADCASTD W2(SI), Y2
	VPBROADCASTD W3(SI), Y3
	ROUNDS(Y0, Y1, Y2, Y3)
	VMOVDQU Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, DX
	DECQ CX
	JNZ w0loop
	VZEROUPPER
	RET
