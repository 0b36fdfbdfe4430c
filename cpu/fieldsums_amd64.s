//go:build !purego

#include "textflag.h"

// sumState offsets (fieldsums_vec.go)
#define R1 0
#define R2 32
#define R3 64
#define R4 96
#define MX 128
#define SCALE 160
#define WRAP 192
#define DIM 200

// rowSeg offsets
#define SEGK 0
#define SEGKB 32
#define SEGOFF 48
#define SEGN 56
#define SEGOFFA 64
#define SEGOFFB 72
#define SEGTAB 80
#define SEGLAST 88
#define SEGSIZE 96

// The sums are packed four to a vector register, one sum a lane:
// Y10 = [s2, corr, cosL, sinL], Y11 = [s4, sum, cosA, sinA],
// Y12 = [-, gradL, gradA, gradB], X13 = [cosB, sinB], Y14 the max (every
// lane); without geometry Y10 = [sum, s2, s4, -]. Each lane sees
// fieldBlock's operations on its sum, in its order, one site at a time:
// the terms are formed lane by lane from the same operands (Sum's v as
// v*1, exact; Sum4's ((v*v)*v)*v as v*((v*v)*v), the same product), and
// nothing is fused (VMULPD, then VADDPD). Max is VMAXPD(v, max), which is
// v > max ? v : max: a NaN, or a zero after a zero, keeps max, as in
// fieldBlock. The count of non-finite values is not kept: a block has
// none when its Sum is finite (fieldBlockVec counts the others).
//
// Per segment: Y9 = [0, 1, cA, sA], X7 = [cB, sB]. Registers: DI the
// state, AX the block's first element, DX the segment, CX segments left,
// SI the segment's sites, R8 and R9 their forward neighbours along axes a
// and b, R10 their [cl, sl] in the row table, BX minus twice the sites
// left (an index scaled to each array: 0 at a row's last site, which its
// own code takes), R13 the bytes from a row's last site to its forward
// neighbour along the row (1-lx elements).

// X0 = [v, f]: a site and its forward neighbour along the row
#define PAIR_F32 VCVTPS2PD (SI)(BX*2), X0
#define PAIR_F64 VMOVUPD (SI)(BX*4), X0
#define PAIR_I64 \
	VXORPD X0, X0, X0; \
	VCVTSI2SDQ (SI)(BX*4), X0, X0; \
	VXORPD X6, X6, X6; \
	VCVTSI2SDQ 8(SI)(BX*4), X6, X6; \
	VUNPCKLPD X6, X0, X0; \
	VMULPD SCALE(DI), X0, X0

// the same at a row's last site: f is R13 bytes away
#define WPAIR_F32 \
	VMOVSS (SI), X0; \
	VINSERTPS $0x10, (SI)(R13*1), X0, X0; \
	VCVTPS2PD X0, X0
#define WPAIR_F64 \
	VMOVSD (SI), X0; \
	VMOVHPD (SI)(R13*1), X0, X0
#define WPAIR_I64 \
	VXORPD X0, X0, X0; \
	VCVTSI2SDQ (SI), X0, X0; \
	VXORPD X6, X6, X6; \
	VCVTSI2SDQ (SI)(R13*1), X6, X6; \
	VUNPCKLPD X6, X0, X0; \
	VMULPD SCALE(DI), X0, X0

// X5 = [fa, fb]: the forward neighbours along axes a (and b)
#define NB2_F32 \
	VMOVSS (R8)(BX*2), X5; \
	VCVTPS2PD X5, X5
#define NB3_F32 \
	VMOVSS (R8)(BX*2), X5; \
	VINSERTPS $0x10, (R9)(BX*2), X5, X5; \
	VCVTPS2PD X5, X5
#define NB2_F64 VMOVSD (R8)(BX*4), X5
#define NB3_F64 \
	VMOVSD (R8)(BX*4), X5; \
	VMOVHPD (R9)(BX*4), X5, X5
#define NB2_I64 \
	VXORPD X5, X5, X5; \
	VCVTSI2SDQ (R8)(BX*4), X5, X5; \
	VMULPD SCALE(DI), X5, X5
#define NB3_I64 \
	VXORPD X5, X5, X5; \
	VCVTSI2SDQ (R8)(BX*4), X5, X5; \
	VXORPD X6, X6, X6; \
	VCVTSI2SDQ (R9)(BX*4), X6, X6; \
	VUNPCKLPD X6, X5, X5; \
	VMULPD SCALE(DI), X5, X5

// every lattice site: V = [v, v, v, v] in Y1;
// Y10 += V [v, f, cl, sl]; Y11 += V [(v v) v, 1, cA, sA]; the max
#define CORE \
	VBROADCASTSD X0, Y1; \
	VINSERTF128 $1, (R10)(BX*8), Y0, Y2; \
	VMULPD Y2, Y1, Y2; \
	VADDPD Y2, Y10, Y10; \
	VMULPD Y1, Y2, Y3; \
	VBLENDPD $1, Y3, Y9, Y4; \
	VMULPD Y4, Y1, Y4; \
	VADDPD Y4, Y11, Y11; \
	VMAXPD Y14, Y1, Y14

// the gradients: D = [v, f, fa, fb] - V, Y12 += D D
#define GRAD1 \
	VSUBPD X1, X0, X5; \
	VMULPD X5, X5, X5; \
	VADDPD X5, X12, X12
#define GRAD23 \
	VINSERTF128 $1, X5, Y0, Y5; \
	VSUBPD Y1, Y5, Y5; \
	VMULPD Y5, Y5, Y5; \
	VADDPD Y5, Y12, Y12

// axis b's phases: X13 += V [cB, sB]
#define AXB \
	VMULPD X7, X1, X6; \
	VADDPD X6, X13, X13

// a site and a row's last site for each element type and dimension
#define F32D1 PAIR_F32; CORE; GRAD1
#define F32D1W WPAIR_F32; CORE; GRAD1
#define F32D2 PAIR_F32; NB2_F32; CORE; GRAD23
#define F32D2W WPAIR_F32; NB2_F32; CORE; GRAD23
#define F32D3 PAIR_F32; NB3_F32; CORE; GRAD23; AXB
#define F32D3W WPAIR_F32; NB3_F32; CORE; GRAD23; AXB
#define F64D1 PAIR_F64; CORE; GRAD1
#define F64D1W WPAIR_F64; CORE; GRAD1
#define F64D2 PAIR_F64; NB2_F64; CORE; GRAD23
#define F64D2W WPAIR_F64; NB2_F64; CORE; GRAD23
#define F64D3 PAIR_F64; NB3_F64; CORE; GRAD23; AXB
#define F64D3W WPAIR_F64; NB3_F64; CORE; GRAD23; AXB
#define I64D1 PAIR_I64; CORE; GRAD1
#define I64D1W WPAIR_I64; CORE; GRAD1
#define I64D2 PAIR_I64; NB2_I64; CORE; GRAD23
#define I64D2W WPAIR_I64; NB2_I64; CORE; GRAD23
#define I64D3 PAIR_I64; NB3_I64; CORE; GRAD23; AXB
#define I64D3W WPAIR_I64; NB3_I64; CORE; GRAD23; AXB

// LOAD loads the sums and dispatches on the dimension.
#define LOAD(d2, d3) \
	MOVQ st+0(FP), DI; \
	MOVQ x+8(FP), AX; \
	MOVQ segs+16(FP), DX; \
	MOVQ nseg+24(FP), CX; \
	VMOVUPD R1(DI), Y10; \
	VMOVUPD R2(DI), Y11; \
	VMOVUPD R3(DI), Y12; \
	VMOVUPD R4(DI), Y13; \
	VMOVUPD MX(DI), Y14; \
	MOVQ WRAP(DI), R13; \
	MOVQ DIM(DI), R11; \
	CMPQ R11, $2; \
	JEQ d2; \
	JGT d3

// ROWS adds CX segments from DX on, SITE at each site and LAST at a row's
// last site (elements of 1<<SH bytes), then jumps to store.
#define ROWS(seg, site, tail, next, store, SH, SITE, LAST) \
seg: \
	TESTQ CX, CX; \
	JZ store; \
	VMOVUPD SEGK(DX), Y9; \
	VMOVUPD SEGKB(DX), X7; \
	MOVQ SEGOFF(DX), SI; \
	ADDQ AX, SI; \
	MOVQ SEGOFFA(DX), R8; \
	ADDQ SI, R8; \
	MOVQ SEGOFFB(DX), R9; \
	ADDQ SI, R9; \
	MOVQ SEGTAB(DX), R10; \
	MOVQ SEGN(DX), BX; \
	SUBQ SEGLAST(DX), BX; \
	JZ tail; \
	MOVQ BX, R12; \
	SHLQ $SH, R12; \
	ADDQ R12, SI; \
	ADDQ R12, R8; \
	ADDQ R12, R9; \
	SHLQ $4, BX; \
	ADDQ BX, R10; \
	SHRQ $3, BX; \
	NEGQ BX; \
site: \
	SITE; \
	ADDQ $2, BX; \
	JNZ site; \
tail: \
	CMPQ SEGLAST(DX), $0; \
	JEQ next; \
	LAST; \
next: \
	ADDQ $SEGSIZE, DX; \
	DECQ CX; \
	JMP seg

// STORE stores the sums back.
#define STORE \
	VMOVUPD Y10, R1(DI); \
	VMOVUPD Y11, R2(DI); \
	VMOVUPD Y12, R3(DI); \
	VMOVUPD Y13, R4(DI); \
	VMOVUPD Y14, MX(DI); \
	VZEROUPPER; \
	RET

// Without geometry: V in Y1; Y10 += [v, v v, ((v v) v) v, -]; the max.
#define FLAT \
	VMULPD Y1, Y1, Y2; \
	VMULPD Y1, Y2, Y3; \
	VMULPD Y1, Y3, Y3; \
	VBLENDPD $2, Y2, Y1, Y4; \
	VBLENDPD $4, Y3, Y4, Y4; \
	VADDPD Y4, Y10, Y10; \
	VMAXPD Y14, Y1, Y14
#define FLAT_F32 \
	VMOVSS (SI)(BX*2), X0; \
	VCVTPS2PD X0, X0; \
	VBROADCASTSD X0, Y1; \
	FLAT
#define FLAT_F64 \
	VBROADCASTSD (SI)(BX*4), Y1; \
	FLAT
#define FLAT_I64 \
	VXORPD X0, X0, X0; \
	VCVTSI2SDQ (SI)(BX*4), X0, X0; \
	VMULSD SCALE(DI), X0, X0; \
	VBROADCASTSD X0, Y1; \
	FLAT

// FLATLOOP adds BX elements of 1<<SH bytes from SI on.
#define FLATLOOP(loop, done, SH, SITE) \
	MOVQ st+0(FP), DI; \
	MOVQ x+8(FP), SI; \
	MOVQ n+16(FP), BX; \
	VMOVUPD R1(DI), Y10; \
	VMOVUPD MX(DI), Y14; \
	TESTQ BX, BX; \
	JZ done; \
	MOVQ BX, R12; \
	SHLQ $SH, R12; \
	ADDQ R12, SI; \
	SHLQ $1, BX; \
	NEGQ BX; \
loop: \
	SITE; \
	ADDQ $2, BX; \
	JNZ loop; \
done: \
	VMOVUPD Y10, R1(DI); \
	VMOVUPD Y14, MX(DI); \
	VZEROUPPER; \
	RET

// Four blocks side by side without geometry, a block a lane: Y0..Y3
// hold elements i, i+1, i+2, i+3 of the four blocks (four loaded from
// each block, transposed), and lane b of Y8 = sum, Y9 = s2, Y10 = s4 and
// Y11 = max sees block b's elements in its order with FLAT's operations
// (the sum adds v, s2 v v, s4 ((v v) v) v, the max is VMAXPD(v, max)): the
// sums of fieldFlat, bit for bit, with a quarter of its operations.
#define LDT_F32(P, R) VCVTPS2PD (P)(BX*1), R
#define LDT_F64(P, R) VMOVUPD (P)(BX*2), R
#define STEPT(V) \
	VMULPD V, V, Y4; \
	VADDPD V, Y8, Y8; \
	VADDPD Y4, Y9, Y9; \
	VMULPD V, Y4, Y5; \
	VMULPD V, Y5, Y5; \
	VADDPD Y5, Y10, Y10; \
	VMAXPD Y11, V, Y11

// FLATT adds n (a multiple of 4) elements of 1<<SH bytes of each of the
// four blocks from x on (block b at x + b n elements) into acc: [0] the
// sums, [1] s2, [2] s4, [3] the max, a block a lane. BX counts the bytes
// of a float32 element (4) per element, from -4n up.
#define FLATT(loop, done, SH, LD) \
	MOVQ acc+0(FP), DI; \
	MOVQ x+8(FP), SI; \
	MOVQ n+16(FP), BX; \
	VMOVUPD 0(DI), Y8; \
	VMOVUPD 32(DI), Y9; \
	VMOVUPD 64(DI), Y10; \
	VMOVUPD 96(DI), Y11; \
	TESTQ BX, BX; \
	JZ done; \
	MOVQ BX, R12; \
	SHLQ $SH, R12; \
	ADDQ R12, SI; \
	LEAQ (SI)(R12*1), R8; \
	LEAQ (R8)(R12*1), R9; \
	LEAQ (R9)(R12*1), R10; \
	SHLQ $2, BX; \
	NEGQ BX; \
loop: \
	LD(SI, Y0); \
	LD(R8, Y1); \
	LD(R9, Y2); \
	LD(R10, Y3); \
	VUNPCKLPD Y1, Y0, Y4; \
	VUNPCKHPD Y1, Y0, Y5; \
	VUNPCKLPD Y3, Y2, Y6; \
	VUNPCKHPD Y3, Y2, Y7; \
	VPERM2F128 $0x20, Y6, Y4, Y0; \
	VPERM2F128 $0x20, Y7, Y5, Y1; \
	VPERM2F128 $0x31, Y6, Y4, Y2; \
	VPERM2F128 $0x31, Y7, Y5, Y3; \
	STEPT(Y0); \
	STEPT(Y1); \
	STEPT(Y2); \
	STEPT(Y3); \
	ADDQ $16, BX; \
	JNZ loop; \
done: \
	VMOVUPD Y8, 0(DI); \
	VMOVUPD Y9, 32(DI); \
	VMOVUPD Y10, 64(DI); \
	VMOVUPD Y11, 96(DI); \
	VZEROUPPER; \
	RET

// func fieldRows32(st *sumState, x unsafe.Pointer, segs *rowSeg, nseg int)
TEXT ·fieldRows32(SB), NOSPLIT, $0-32
	LOAD(f32d2, f32d3)
	ROWS(f32d1, f32d1site, f32d1tail, f32d1next, f32store, 2, F32D1, F32D1W)
	ROWS(f32d2, f32d2site, f32d2tail, f32d2next, f32store, 2, F32D2, F32D2W)
	ROWS(f32d3, f32d3site, f32d3tail, f32d3next, f32store, 2, F32D3, F32D3W)
f32store:
	STORE

// func fieldRows64(st *sumState, x unsafe.Pointer, segs *rowSeg, nseg int)
TEXT ·fieldRows64(SB), NOSPLIT, $0-32
	LOAD(f64d2, f64d3)
	ROWS(f64d1, f64d1site, f64d1tail, f64d1next, f64store, 3, F64D1, F64D1W)
	ROWS(f64d2, f64d2site, f64d2tail, f64d2next, f64store, 3, F64D2, F64D2W)
	ROWS(f64d3, f64d3site, f64d3tail, f64d3next, f64store, 3, F64D3, F64D3W)
f64store:
	STORE

// func fieldRowsI64(st *sumState, x unsafe.Pointer, segs *rowSeg, nseg int)
TEXT ·fieldRowsI64(SB), NOSPLIT, $0-32
	LOAD(i64d2, i64d3)
	ROWS(i64d1, i64d1site, i64d1tail, i64d1next, i64store, 3, I64D1, I64D1W)
	ROWS(i64d2, i64d2site, i64d2tail, i64d2next, i64store, 3, I64D2, I64D2W)
	ROWS(i64d3, i64d3site, i64d3tail, i64d3next, i64store, 3, I64D3, I64D3W)
i64store:
	STORE

// func fieldFlat32(st *sumState, x unsafe.Pointer, n int)
TEXT ·fieldFlat32(SB), NOSPLIT, $0-24
	FLATLOOP(f32flat, f32flatdone, 2, FLAT_F32)

// func fieldFlat64(st *sumState, x unsafe.Pointer, n int)
TEXT ·fieldFlat64(SB), NOSPLIT, $0-24
	FLATLOOP(f64flat, f64flatdone, 3, FLAT_F64)

// func fieldFlatI64(st *sumState, x unsafe.Pointer, n int)
TEXT ·fieldFlatI64(SB), NOSPLIT, $0-24
	FLATLOOP(i64flat, i64flatdone, 3, FLAT_I64)

// func rotRow(dst *[2]float64, tabC, tabS *[64]float64, sc *[2]float64, t0, n int)
//
// [cl, sl] of n sites of a row from coordinate x0 (t0 = x0 mod 64; t0 and
// n multiples of 4) into dst: [c0 tabC - s0 tabS, s0 tabC + c0 tabS] with
// (c0, s0) of each 64-group from sc (from x0's group on): fieldBlock's
// rotation, its operations, four sites at a time.
TEXT ·rotRow(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ tabC+8(FP), R8
	MOVQ tabS+16(FP), R9
	MOVQ sc+24(FP), R11
	MOVQ t0+32(FP), DX
	MOVQ n+40(FP), CX

rotgroup:
	TESTQ CX, CX
	JZ rotdone
	VBROADCASTSD 0(R11), Y8 // c0
	VBROADCASTSD 8(R11), Y9 // s0
	ADDQ $16, R11
	MOVQ $64, BX
	SUBQ DX, BX
	CMPQ CX, BX
	CMOVQLT CX, BX // sites in this group
	SUBQ BX, CX
	LEAQ (R8)(DX*8), SI
	LEAQ (R9)(DX*8), R10
	XORQ DX, DX // the next group from its first site

rotsite:
	VMULPD (SI), Y8, Y0 // c0 tabC
	VMULPD (R10), Y9, Y1 // s0 tabS
	VSUBPD Y1, Y0, Y0 // cl
	VMULPD (SI), Y9, Y2 // s0 tabC
	VMULPD (R10), Y8, Y3 // c0 tabS
	VADDPD Y3, Y2, Y2 // sl
	VUNPCKLPD Y2, Y0, Y4 // [cl0, sl0, cl2, sl2]
	VUNPCKHPD Y2, Y0, Y5 // [cl1, sl1, cl3, sl3]
	VPERM2F128 $0x20, Y5, Y4, Y6
	VPERM2F128 $0x31, Y5, Y4, Y7
	VMOVUPD Y6, 0(DI)
	VMOVUPD Y7, 32(DI)
	ADDQ $32, SI
	ADDQ $32, R10
	ADDQ $64, DI
	SUBQ $4, BX
	JNZ rotsite
	JMP rotgroup

rotdone:
	VZEROUPPER
	RET

// func fieldFlat32T(acc *[4][4]float64, x unsafe.Pointer, n int)
TEXT ·fieldFlat32T(SB), NOSPLIT, $0-24
	FLATT(f32t, f32tdone, 2, LDT_F32)

// func fieldFlat64T(acc *[4][4]float64, x unsafe.Pointer, n int)
TEXT ·fieldFlat64T(SB), NOSPLIT, $0-24
	FLATT(f64t, f64tdone, 3, LDT_F64)
