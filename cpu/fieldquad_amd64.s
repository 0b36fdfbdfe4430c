//go:build !purego

#include "textflag.h"

// Four blocks with geometry, a block a lane (fieldQuadVec). fieldLanes*
// copy four blocks' elements into float64 lanes; fieldQuad2 and
// fieldQuad3 walk rows of those lanes (quadSeg at these offsets).
#define QKA 0
#define QKB 64
#define QV 128
#define QFL 136
#define QFA 144
#define QFB 152
#define QTAB 160
#define QN 168
#define QSIZE 176

// LANES_HEAD loads dst (DI), p[0..3] (SI, R8, R9, R10) and n, and points
// them past n elements of 1<<SH bytes, BX from -n<<SH up.
#define LANES_HEAD(done, SH) \
	MOVQ dst+0(FP), DI; \
	MOVQ p+8(FP), AX; \
	MOVQ n+16(FP), BX; \
	MOVQ 0(AX), SI; \
	MOVQ 8(AX), R8; \
	MOVQ 16(AX), R9; \
	MOVQ 24(AX), R10; \
	TESTQ BX, BX; \
	JZ done; \
	MOVQ BX, R12; \
	SHLQ $SH, R12; \
	ADDQ R12, SI; \
	ADDQ R12, R8; \
	ADDQ R12, R9; \
	ADDQ R12, R10; \
	SHLQ $(5-SH), R12; \
	ADDQ R12, DI; \
	SHLQ $SH, BX; \
	NEGQ BX

// TRANSPOSE4: Y0..Y3 (rows a, b, c, d of four) to Y0 = [a0 b0 c0 d0],
// Y1 = [a1 ..], Y2, Y3
#define TRANSPOSE4 \
	VUNPCKLPD Y1, Y0, Y4; \
	VUNPCKHPD Y1, Y0, Y5; \
	VUNPCKLPD Y3, Y2, Y6; \
	VUNPCKHPD Y3, Y2, Y7; \
	VPERM2F128 $0x20, Y6, Y4, Y0; \
	VPERM2F128 $0x20, Y7, Y5, Y1; \
	VPERM2F128 $0x31, Y6, Y4, Y2; \
	VPERM2F128 $0x31, Y7, Y5, Y3

// A site of four lanes: V = Y0 from (SI), its forward neighbour along the
// row at F, along a at (R8), along b at (R9), [cl, sl] at (R10) (BX: 16
// bytes a site); sums Y2 .. Y15 as quadState's, temporary Y1. Each sum
// sees fieldBlock's operation on it: sum += v, s2 += v v, s4 += ((v v) v)
// v, max = v > max ? v : max, corr += v f, gradL += (f - v)(f - v),
// cosL += v cl, sinL += v sl, and the like along a and b with the
// segment's phases.
#define QSITE(F) \
	VMOVUPD (SI)(BX*2), Y0; \
	VADDPD Y0, Y2, Y2; \
	VMULPD Y0, Y0, Y1; \
	VADDPD Y1, Y3, Y3; \
	VMULPD Y0, Y1, Y1; \
	VMULPD Y0, Y1, Y1; \
	VADDPD Y1, Y4, Y4; \
	VMAXPD Y5, Y0, Y5; \
	VMULPD F, Y0, Y1; \
	VADDPD Y1, Y6, Y6; \
	VMOVUPD F, Y1; \
	VSUBPD Y0, Y1, Y1; \
	VMULPD Y1, Y1, Y1; \
	VADDPD Y1, Y7, Y7; \
	VBROADCASTSD (R10)(BX*1), Y1; \
	VMULPD Y0, Y1, Y1; \
	VADDPD Y1, Y8, Y8; \
	VBROADCASTSD 8(R10)(BX*1), Y1; \
	VMULPD Y0, Y1, Y1; \
	VADDPD Y1, Y9, Y9; \
	VMOVUPD (R8)(BX*2), Y1; \
	VSUBPD Y0, Y1, Y1; \
	VMULPD Y1, Y1, Y1; \
	VADDPD Y1, Y10, Y10; \
	VMULPD (QKA)(DX), Y0, Y1; \
	VADDPD Y1, Y11, Y11; \
	VMULPD (QKA+32)(DX), Y0, Y1; \
	VADDPD Y1, Y12, Y12
#define QSITEB \
	VMOVUPD (R9)(BX*2), Y1; \
	VSUBPD Y0, Y1, Y1; \
	VMULPD Y1, Y1, Y1; \
	VADDPD Y1, Y13, Y13; \
	VMULPD (QKB)(DX), Y0, Y1; \
	VADDPD Y1, Y14, Y14; \
	VMULPD (QKB+32)(DX), Y0, Y1; \
	VADDPD Y1, Y15, Y15
#define QSITE2(F) QSITE(F)
#define QSITE3(F) QSITE(F); QSITEB

// QUAD(SITE, ...) adds CX rows from DX on: the sites but the last with
// their row neighbour the next site, the last with it at QFL.
#define QUAD(SITE, seg, site, last, done) \
	MOVQ st+0(FP), DI; \
	MOVQ segs+8(FP), DX; \
	MOVQ nseg+16(FP), CX; \
	VMOVUPD 0(DI), Y2; \
	VMOVUPD 32(DI), Y3; \
	VMOVUPD 64(DI), Y4; \
	VMOVUPD 96(DI), Y5; \
	VMOVUPD 128(DI), Y6; \
	VMOVUPD 160(DI), Y7; \
	VMOVUPD 192(DI), Y8; \
	VMOVUPD 224(DI), Y9; \
	VMOVUPD 256(DI), Y10; \
	VMOVUPD 288(DI), Y11; \
	VMOVUPD 320(DI), Y12; \
	VMOVUPD 352(DI), Y13; \
	VMOVUPD 384(DI), Y14; \
	VMOVUPD 416(DI), Y15; \
seg: \
	TESTQ CX, CX; \
	JZ done; \
	MOVQ QV(DX), SI; \
	MOVQ QFA(DX), R8; \
	MOVQ QFB(DX), R9; \
	MOVQ QTAB(DX), R10; \
	MOVQ QFL(DX), R11; \
	MOVQ QN(DX), BX; \
	SUBQ $1, BX; \
	MOVQ BX, R12; \
	SHLQ $5, R12; \
	ADDQ R12, SI; \
	ADDQ R12, R8; \
	ADDQ R12, R9; \
	SHLQ $4, BX; \
	ADDQ BX, R10; \
	NEGQ BX; \
	JZ last; \
site: \
	SITE(32(SI)(BX*2)); \
	ADDQ $16, BX; \
	JNZ site; \
last: \
	SITE((R11)); \
	ADDQ $QSIZE, DX; \
	DECQ CX; \
	JMP seg; \
done: \
	VMOVUPD Y2, 0(DI); \
	VMOVUPD Y3, 32(DI); \
	VMOVUPD Y4, 64(DI); \
	VMOVUPD Y5, 96(DI); \
	VMOVUPD Y6, 128(DI); \
	VMOVUPD Y7, 160(DI); \
	VMOVUPD Y8, 192(DI); \
	VMOVUPD Y9, 224(DI); \
	VMOVUPD Y10, 256(DI); \
	VMOVUPD Y11, 288(DI); \
	VMOVUPD Y12, 320(DI); \
	VMOVUPD Y13, 352(DI); \
	VMOVUPD Y14, 384(DI); \
	VMOVUPD Y15, 416(DI); \
	VZEROUPPER; \
	RET

// func fieldLanes32(dst *[4]float64, p *[4]unsafe.Pointer, n int)
TEXT ·fieldLanes32(SB), NOSPLIT, $0-24
	LANES_HEAD(l32done, 2)
l32loop:
	VCVTPS2PD (SI)(BX*1), Y0
	VCVTPS2PD (R8)(BX*1), Y1
	VCVTPS2PD (R9)(BX*1), Y2
	VCVTPS2PD (R10)(BX*1), Y3
	TRANSPOSE4
	VMOVUPD Y0, 0(DI)(BX*8)
	VMOVUPD Y1, 32(DI)(BX*8)
	VMOVUPD Y2, 64(DI)(BX*8)
	VMOVUPD Y3, 96(DI)(BX*8)
	ADDQ $16, BX
	JNZ l32loop
l32done:
	VZEROUPPER
	RET

// func fieldLanes64(dst *[4]float64, p *[4]unsafe.Pointer, n int)
TEXT ·fieldLanes64(SB), NOSPLIT, $0-24
	LANES_HEAD(l64done, 3)
l64loop:
	VMOVUPD (SI)(BX*1), Y0
	VMOVUPD (R8)(BX*1), Y1
	VMOVUPD (R9)(BX*1), Y2
	VMOVUPD (R10)(BX*1), Y3
	TRANSPOSE4
	VMOVUPD Y0, 0(DI)(BX*4)
	VMOVUPD Y1, 32(DI)(BX*4)
	VMOVUPD Y2, 64(DI)(BX*4)
	VMOVUPD Y3, 96(DI)(BX*4)
	ADDQ $32, BX
	JNZ l64loop
l64done:
	VZEROUPPER
	RET

// func fieldLanesI64(dst *[4]float64, p *[4]unsafe.Pointer, n int, scale float64)
//
// An element at a time: float64(x) (the nearest, as Go converts) times
// scale, four lanes a store.
TEXT ·fieldLanesI64(SB), NOSPLIT, $0-32
	VBROADCASTSD scale+24(FP), Y9
	LANES_HEAD(li64done, 3)
li64loop:
	VXORPD X0, X0, X0
	VCVTSI2SDQ (SI)(BX*1), X0, X0
	VXORPD X1, X1, X1
	VCVTSI2SDQ (R8)(BX*1), X1, X1
	VXORPD X2, X2, X2
	VCVTSI2SDQ (R9)(BX*1), X2, X2
	VXORPD X3, X3, X3
	VCVTSI2SDQ (R10)(BX*1), X3, X3
	VUNPCKLPD X1, X0, X0
	VUNPCKLPD X3, X2, X2
	VINSERTF128 $1, X2, Y0, Y0
	VMULPD Y9, Y0, Y0
	VMOVUPD Y0, (DI)(BX*4)
	ADDQ $8, BX
	JNZ li64loop
li64done:
	VZEROUPPER
	RET

// func fieldQuad2(st *quadState, segs *quadSeg, nseg int)
TEXT ·fieldQuad2(SB), NOSPLIT, $0-24
	QUAD(QSITE2, q2seg, q2site, q2last, q2done)

// func fieldQuad3(st *quadState, segs *quadSeg, nseg int)
TEXT ·fieldQuad3(SB), NOSPLIT, $0-24
	QUAD(QSITE3, q3seg, q3site, q3last, q3done)

// A site of four lanes of a ring: V = Y0 from (SI), its forward neighbour
// at F, the group's [c0, s0] in Y10, Y11, tabC[t] and tabS[t] at (R10)
// and (R11) plus BX; sums Y2 .. Y9 as quadState's first eight. cl = c0
// tabC[t] - s0 tabS[t], sl = s0 tabC[t] + c0 tabS[t] (fieldBlock's
// rotation), then fieldBlock's operations on the sums as in QSITE.
#define Q1SITE(F) \
	VMOVUPD (SI), Y0; \
	VADDPD Y0, Y2, Y2; \
	VMULPD Y0, Y0, Y1; \
	VADDPD Y1, Y3, Y3; \
	VMULPD Y0, Y1, Y1; \
	VMULPD Y0, Y1, Y1; \
	VADDPD Y1, Y4, Y4; \
	VMAXPD Y5, Y0, Y5; \
	VMULPD F, Y0, Y1; \
	VADDPD Y1, Y6, Y6; \
	VMOVUPD F, Y1; \
	VSUBPD Y0, Y1, Y1; \
	VMULPD Y1, Y1, Y1; \
	VADDPD Y1, Y7, Y7; \
	VBROADCASTSD (R10)(BX*1), Y12; \
	VBROADCASTSD (R11)(BX*1), Y13; \
	VMULPD Y12, Y10, Y14; \
	VMULPD Y13, Y11, Y1; \
	VSUBPD Y1, Y14, Y14; \
	VMULPD Y0, Y14, Y14; \
	VADDPD Y14, Y8, Y8; \
	VMULPD Y12, Y11, Y14; \
	VMULPD Y13, Y10, Y1; \
	VADDPD Y1, Y14, Y14; \
	VMULPD Y0, Y14, Y14; \
	VADDPD Y14, Y9, Y9; \
	ADDQ $32, SI

// func fieldQuad1(st *quadState, v *[4]float64, fl *[4]float64, grp *[2][4]float64, tabC, tabS *[64]float64, ngrp int)
TEXT ·fieldQuad1(SB), NOSPLIT, $0-56
	MOVQ st+0(FP), DI
	MOVQ v+8(FP), SI
	MOVQ fl+16(FP), R8
	MOVQ grp+24(FP), DX
	MOVQ tabC+32(FP), R10
	MOVQ tabS+40(FP), R11
	MOVQ ngrp+48(FP), CX
	ADDQ $512, R10
	ADDQ $512, R11
	VMOVUPD 0(DI), Y2
	VMOVUPD 32(DI), Y3
	VMOVUPD 64(DI), Y4
	VMOVUPD 96(DI), Y5
	VMOVUPD 128(DI), Y6
	VMOVUPD 160(DI), Y7
	VMOVUPD 192(DI), Y8
	VMOVUPD 224(DI), Y9
	TESTQ CX, CX
	JZ q1done
q1grp:
	VMOVUPD 0(DX), Y10
	VMOVUPD 32(DX), Y11
	MOVQ $-512, BX
q1site:
	Q1SITE(32(SI))
	ADDQ $8, BX
	CMPQ BX, $-8
	JNE q1site
	DECQ CX
	JZ q1last
	Q1SITE(32(SI))
	ADDQ $64, DX
	JMP q1grp
q1last:
	Q1SITE((R8))
q1done:
	VMOVUPD Y2, 0(DI)
	VMOVUPD Y3, 32(DI)
	VMOVUPD Y4, 64(DI)
	VMOVUPD Y5, 96(DI)
	VMOVUPD Y6, 128(DI)
	VMOVUPD Y7, 160(DI)
	VMOVUPD Y8, 192(DI)
	VMOVUPD Y9, 224(DI)
	VZEROUPPER
	RET
