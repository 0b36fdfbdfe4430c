//go:build !purego

#include "textflag.h"

// gauss64Consts offsets (batch64.go), 32 bytes each
#define MAGIC 0
#define TWO52 32
#define LO32 64
#define TWO32 96
#define TWOM53 128
#define ONE 160
#define EXPMASK 192
#define EXP1023 224
#define SQRT2 256
#define HALF 288
#define F1023 320
#define TWO 352
#define LN2HI 384
#define LN2LO 416
#define M2 448
#define EIGHT 480
#define PIOVER 512
#define I1 544
#define I2 576
#define I4 608
#define SIGN 640
#define LOGC 672 // 21 * 32: logC[k] at LOGC + 32 k
#define SINC 1056 // 33 * 32
#define COSC 1344 // 42 * 32

// EXACT converts the 53-bit integers in x (64-bit lanes) to float64 in
// dst exactly: the high and low 32 bits each through the 2^52 magic
// number, then hi 2^32 + lo (exact: the sum has at most 53 bits); t is
// a temporary.
#define EXACT(x, dst, t) \
	VPSRLQ $32, x, dst \
	VPOR MAGIC(R8), dst, dst \
	VSUBPD TWO52(R8), dst, dst \
	VPAND LO32(R8), x, t \
	VPOR MAGIC(R8), t, t \
	VSUBPD TWO52(R8), t, t \
	VMULPD TWO32(R8), dst, dst \
	VADDPD t, dst, dst

// STEP is one Horner step p = p z + c (each rounded).
#define STEP(p, z, C) \
	VMULPD z, p, p \
	VADDPD C(R8), p, p

// func gaussians64x4(dst *float64, src *byte, blocks int)
//
// Gaussians of four groups (64 bytes) a block, lanes {g0, g2 | g1, g3}
// (VPUNPCKLQDQ/HQDQ of the words w1:w0 and w3:w2), the results
// interleaved back (VUNPCKLPD/HPD). Every float operation is
// GaussiansPair's (logPair, SinCos2Pi, sincos, octant), in its order,
// rounded to float64 (no fused multiply-add); its branches are blends.
TEXT ·gaussians64x4(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX
	LEAQ ·gauss64Consts(SB), R8
	TESTQ CX, CX
	JZ done // no blocks (callers pass at least one)

loop:
	VMOVDQU 0(SI), Y0
	VMOVDQU 32(SI), Y1
	VPUNPCKLQDQ Y1, Y0, Y2 // w1:w0 of g0, g2 | g1, g3
	VPUNPCKHQDQ Y1, Y0, Y3 // w3:w2

	// u1 = 1 - (w1:w0 >> 11) 2^-53
	VPSRLQ $11, Y2, Y2
	EXACT(Y2, Y4, Y5)
	VMULPD TWOM53(R8), Y4, Y4
	VMOVUPD ONE(R8), Y5
	VSUBPD Y4, Y5, Y4

	// log u1 (logPair): m in [1, 2), halved above sqrt 2 (e + 1)
	VPSRLQ $52, Y4, Y5 // biased exponent
	VMOVDQU EXPMASK(R8), Y6
	VPANDN Y4, Y6, Y6
	VPOR EXP1023(R8), Y6, Y6 // m
	VCMPPD $0x1E, SQRT2(R8), Y6, Y7 // m > sqrt 2
	VMULPD HALF(R8), Y6, Y8
	VBLENDVPD Y7, Y8, Y6, Y6
	VPSUBQ Y7, Y5, Y5
	VPOR MAGIC(R8), Y5, Y5
	VSUBPD TWO52(R8), Y5, Y5
	VSUBPD F1023(R8), Y5, Y5 // e
	VSUBPD ONE(R8), Y6, Y7
	VADDPD ONE(R8), Y6, Y8
	VDIVPD Y8, Y7, Y7 // s
	VMULPD Y7, Y7, Y8 // z
	VMOVUPD LOGC(R8), Y9
	STEP(Y9, Y8, LOGC+32)
	STEP(Y9, Y8, LOGC+64)
	STEP(Y9, Y8, LOGC+96)
	STEP(Y9, Y8, LOGC+128)
	STEP(Y9, Y8, LOGC+160)
	STEP(Y9, Y8, LOGC+192)
	STEP(Y9, Y8, LOGC+224)
	STEP(Y9, Y8, LOGC+256)
	STEP(Y9, Y8, LOGC+288)
	STEP(Y9, Y8, LOGC+320)
	STEP(Y9, Y8, LOGC+352)
	VMULPD TWO(R8), Y7, Y7
	VMULPD Y9, Y7, Y7 // log m
	VMULPD LN2LO(R8), Y5, Y6
	VADDPD Y7, Y6, Y6
	VMULPD LN2HI(R8), Y5, Y5
	VADDPD Y6, Y5, Y5 // log u1
	VMULPD M2(R8), Y5, Y5
	VSQRTPD Y5, Y5 // r

	// u2 = (w3:w2 >> 11) 2^-53; SinCos2Pi: t = 8 u2, octant and angle
	VPSRLQ $11, Y3, Y3
	EXACT(Y3, Y4, Y6)
	VMULPD TWOM53(R8), Y4, Y4
	VMULPD EIGHT(R8), Y4, Y4 // t
	VROUNDPD $3, Y4, Y6 // float64(int(t))
	VSUBPD Y6, Y4, Y7 // f
	VADDPD TWO52(R8), Y6, Y6 // the octant in the low bits
	VPAND I1(R8), Y6, Y8
	VPCMPEQQ I1(R8), Y8, Y8 // odd
	VMOVUPD ONE(R8), Y9
	VSUBPD Y7, Y9, Y9
	VBLENDVPD Y8, Y9, Y7, Y7
	VMULPD PIOVER(R8), Y7, Y7 // x
	VMULPD Y7, Y7, Y8 // z
	VMOVUPD SINC(R8), Y9
	STEP(Y9, Y8, SINC+32)
	STEP(Y9, Y8, SINC+64)
	STEP(Y9, Y8, SINC+96)
	STEP(Y9, Y8, SINC+128)
	STEP(Y9, Y8, SINC+160)
	STEP(Y9, Y8, SINC+192)
	STEP(Y9, Y8, SINC+224)
	STEP(Y9, Y8, SINC+256)
	VMULPD Y9, Y7, Y9 // sin x
	VMOVUPD COSC(R8), Y10
	STEP(Y10, Y8, COSC+32)
	STEP(Y10, Y8, COSC+64)
	STEP(Y10, Y8, COSC+96)
	STEP(Y10, Y8, COSC+128)
	STEP(Y10, Y8, COSC+160)
	STEP(Y10, Y8, COSC+192)
	STEP(Y10, Y8, COSC+224)
	STEP(Y10, Y8, COSC+256)
	STEP(Y10, Y8, COSC+288)
	// octant: swap where (oct+1)&2, negate sin where oct&4, cos where
	// (oct+2)&4
	VPADDQ I1(R8), Y6, Y11
	VPAND I2(R8), Y11, Y11
	VPCMPEQQ I2(R8), Y11, Y11
	VBLENDVPD Y11, Y10, Y9, Y12 // sin
	VBLENDVPD Y11, Y9, Y10, Y13 // cos
	VPAND I4(R8), Y6, Y11
	VPCMPEQQ I4(R8), Y11, Y11
	VPAND SIGN(R8), Y11, Y11
	VXORPD Y11, Y12, Y12
	VPADDQ I2(R8), Y6, Y11
	VPAND I4(R8), Y11, Y11
	VPCMPEQQ I4(R8), Y11, Y11
	VPAND SIGN(R8), Y11, Y11
	VXORPD Y11, Y13, Y13
	VMULPD Y13, Y5, Y13 // r cos
	VMULPD Y12, Y5, Y12 // r sin
	VUNPCKLPD Y12, Y13, Y0 // groups 0 | 1
	VUNPCKHPD Y12, Y13, Y1 // groups 2 | 3
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)

	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER

done:
	RET
