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

// The same rounds on CPUs with AVX-512VL (useAVX512), still on Y
// registers: VPERMI2D and VPERMT2D take a product pair's low and high
// words in one instruction each (the AVX2 rounds shift and blend twice),
// VPTERNLOGD $0x96 the two XORs of a new word in one: 12 vector
// operations a round instead of 18 (besides the key loads and the index
// register's two copies), the same integer results. A round's words
// land in other registers than it read them from (Y0 - Y7 and the EVEX
// Y16 - Y23, the rounds generated with the names rotating: new a0..a3 =
// t2, a2, t0, a0), so no round moves them back; Y24 and Y25 hold the
// multipliers, Y26 and Y27 the permutations' indexes (the low words, the
// high); STORE, whose VPERM2I128 has no EVEX form, takes the words back
// in Y0 - Y7.
DATA idx512<>+0(SB)/4, $0
DATA idx512<>+4(SB)/4, $8
DATA idx512<>+8(SB)/4, $2
DATA idx512<>+12(SB)/4, $10
DATA idx512<>+16(SB)/4, $4
DATA idx512<>+20(SB)/4, $12
DATA idx512<>+24(SB)/4, $6
DATA idx512<>+28(SB)/4, $14
DATA idx512<>+32(SB)/4, $1
DATA idx512<>+36(SB)/4, $9
DATA idx512<>+40(SB)/4, $3
DATA idx512<>+44(SB)/4, $11
DATA idx512<>+48(SB)/4, $5
DATA idx512<>+52(SB)/4, $13
DATA idx512<>+56(SB)/4, $7
DATA idx512<>+60(SB)/4, $15
GLOBL idx512<>(SB), RODATA|NOPTR, $64

// ROUNDV(K, a0, a1, a2, a3, t0, t1, t2, t3): one round on eight counters,
// words in a0..a3, key r at K(SI), t0..t3 free: the products in t0..t3
// (even lanes, then the odd ones shifted down, for w0 and w2), the low
// words by VPERMI2D into a2 and a0 (their index copied in first), the
// high ones by VPERMT2D into t2 and t0, each XORed with its word and key
// by VPTERNLOGD. The new words are in t2, a2, t0, a0, and a1, a3, t1, t3
// free: the next round takes those names.
#define ROUNDV(K, a0, a1, a2, a3, t0, t1, t2, t3) \
	VPMULUDQ Y24, a0, t0 \
	VPSRLQ $32, a0, t1 \
	VPMULUDQ Y24, t1, t1 \
	VPMULUDQ Y25, a2, t2 \
	VPSRLQ $32, a2, t3 \
	VPMULUDQ Y25, t3, t3 \
	VMOVDQA64 Y26, a2 \
	VPERMI2D t3, t2, a2 \
	VPERMT2D t3, Y27, t2 \
	VPBROADCASTD K(SI), t3 \
	VPTERNLOGD $0x96, t3, a1, t2 \
	VMOVDQA64 Y26, a0 \
	VPERMI2D t1, t0, a0 \
	VPERMT2D t1, Y27, t0 \
	VPBROADCASTD K+4(SI), t1 \
	VPTERNLOGD $0x96, t1, a3, t0

// CONSTSV loads ROUNDV's constants: vecConsts (R8), the multipliers (Y24,
// Y25) and the permutations' indexes (Y26, Y27).
#define CONSTSV \
	LEAQ ·vecConsts(SB), R8 \
	LEAQ idx512<>(SB), R9 \
	VMOVDQU64 MUL0(R8), Y24 \
	VMOVDQU64 MUL1(R8), Y25 \
	VMOVDQU64 0(R9), Y26 \
	VMOVDQU64 32(R9), Y27

// ROUNDSV: the ten rounds of the counters in Y0 - Y3 (Y16 - Y19 free),
// which leave the words in Y17, Y2, Y16, Y18.
#define ROUNDSV \
	ROUNDV(0, Y0, Y1, Y2, Y3, Y16, Y17, Y18, Y19) \
	ROUNDV(8, Y18, Y2, Y16, Y0, Y1, Y3, Y17, Y19) \
	ROUNDV(16, Y17, Y16, Y1, Y18, Y2, Y0, Y3, Y19) \
	ROUNDV(24, Y3, Y1, Y2, Y17, Y16, Y18, Y0, Y19) \
	ROUNDV(32, Y0, Y2, Y16, Y3, Y1, Y17, Y18, Y19) \
	ROUNDV(40, Y18, Y16, Y1, Y0, Y2, Y3, Y17, Y19) \
	ROUNDV(48, Y17, Y1, Y2, Y18, Y16, Y0, Y3, Y19) \
	ROUNDV(56, Y3, Y2, Y16, Y17, Y1, Y18, Y0, Y19) \
	ROUNDV(64, Y0, Y16, Y1, Y3, Y2, Y17, Y18, Y19) \
	ROUNDV(72, Y18, Y1, Y2, Y0, Y16, Y3, Y17, Y19)

// func fillGroups8v(dst *byte, blocks int, c0 uint32, t *consts8)
//
// fillGroups8 with the AVX-512VL rounds, two blocks' rounds interleaved.
TEXT ·fillGroups8v(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ blocks+8(FP), CX
	MOVL c0+16(FP), AX
	MOVQ t+24(FP), SI
	CONSTSV
	VMOVQ AX, X14
	VPBROADCASTD X14, Y14
	VPADDD IOTA(R8), Y14, Y14
	CMPQ CX, $2
	JLT vone

vpair:
	LOAD(Y0, Y1, Y2, Y3)
	LOAD(Y4, Y5, Y6, Y7)
	ROUNDV(0, Y0, Y1, Y2, Y3, Y16, Y17, Y18, Y19)
	ROUNDV(0, Y4, Y5, Y6, Y7, Y20, Y21, Y22, Y23)
	ROUNDV(8, Y18, Y2, Y16, Y0, Y1, Y3, Y17, Y19)
	ROUNDV(8, Y22, Y6, Y20, Y4, Y5, Y7, Y21, Y23)
	ROUNDV(16, Y17, Y16, Y1, Y18, Y2, Y0, Y3, Y19)
	ROUNDV(16, Y21, Y20, Y5, Y22, Y6, Y4, Y7, Y23)
	ROUNDV(24, Y3, Y1, Y2, Y17, Y16, Y18, Y0, Y19)
	ROUNDV(24, Y7, Y5, Y6, Y21, Y20, Y22, Y4, Y23)
	ROUNDV(32, Y0, Y2, Y16, Y3, Y1, Y17, Y18, Y19)
	ROUNDV(32, Y4, Y6, Y20, Y7, Y5, Y21, Y22, Y23)
	ROUNDV(40, Y18, Y16, Y1, Y0, Y2, Y3, Y17, Y19)
	ROUNDV(40, Y22, Y20, Y5, Y4, Y6, Y7, Y21, Y23)
	ROUNDV(48, Y17, Y1, Y2, Y18, Y16, Y0, Y3, Y19)
	ROUNDV(48, Y21, Y5, Y6, Y22, Y20, Y4, Y7, Y23)
	ROUNDV(56, Y3, Y2, Y16, Y17, Y1, Y18, Y0, Y19)
	ROUNDV(56, Y7, Y6, Y20, Y21, Y5, Y22, Y4, Y23)
	ROUNDV(64, Y0, Y16, Y1, Y3, Y2, Y17, Y18, Y19)
	ROUNDV(64, Y4, Y20, Y5, Y7, Y6, Y21, Y22, Y23)
	ROUNDV(72, Y18, Y1, Y2, Y0, Y16, Y3, Y17, Y19)
	ROUNDV(72, Y22, Y5, Y6, Y4, Y20, Y7, Y21, Y23)
	// the words, renamed by the rounds, back in Y0 - Y7
	VMOVDQA64 Y2, Y1
	VMOVDQA64 Y17, Y0
	VMOVDQA64 Y16, Y2
	VMOVDQA64 Y18, Y3
	VMOVDQA64 Y6, Y5
	VMOVDQA64 Y21, Y4
	VMOVDQA64 Y20, Y6
	VMOVDQA64 Y22, Y7
	STORE(0, Y0, Y1, Y2, Y3)
	STORE(128, Y4, Y5, Y6, Y7)
	ADDQ $256, DI
	SUBQ $2, CX
	CMPQ CX, $2
	JGE vpair

vone:
	TESTQ CX, CX
	JZ vdone
	LOAD(Y0, Y1, Y2, Y3)
	ROUNDSV
	VMOVDQA64 Y2, Y1
	VMOVDQA64 Y17, Y0
	VMOVDQA64 Y16, Y2
	VMOVDQA64 Y18, Y3
	STORE(0, Y0, Y1, Y2, Y3)

vdone:
	VZEROUPPER
	RET

// func word0s8v(dst, w0 *uint32, blocks int, t *consts8)
//
// word0s8 with the AVX-512VL rounds.
TEXT ·word0s8v(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ w0+8(FP), DX
	MOVQ blocks+16(FP), CX
	MOVQ t+24(FP), SI
	CONSTSV

vw0loop:
	VMOVDQU (DX), Y0
	VPBROADCASTD W1(SI), Y1
	VPBROADCASTD W2(SI), Y2
	VPBROADCASTD W3(SI), Y3
	ROUNDSV
	VMOVDQU64 Y17, (DI)
	ADDQ $32, DI
	ADDQ $32, DX
	DECQ CX
	JNZ vw0loop
	VZEROUPPER
	RET
