//go:build !purego

#include "textflag.h"

// sinCosConsts offsets (sincos.go), 32 bytes each
#define EIGHT 0
#define ABS 32
#define TWO63 64
#define M63 96
#define ZERO 128
#define EIGHTH 160
#define TWO52 192
#define ONE 224
#define PIOVER 256
#define I1 288
#define I2 320
#define SIGN 352
#define SINC 384 // 12 * 32: sinC[k] at SINC + 32 k
#define COSC 672 // 21 * 32

// STEP is one Horner step p = p z + c (each rounded).
#define STEP(p, z, C) \
	VMULPD z, p, p \
	VADDPD C(R8), p, p

// SINCOS is SinCos2Pi of the four float64s in U: S and C get sin and cos;
// U, O, T1 and T2 are clobbered; R8 holds sinCosConsts. Its operations
// are SinCos2Pi's, sincos's and octant's in their order (no fused
// multiply-add; branches are blends), and oct = int(t) is done in floats:
// float64(oct) is trunc(t) (+0 for -0; -2^63 where |t| >= 2^63 or t is a
// NaN, as CVTTSD2SQ gives math.MinInt64 there), and only oct's low three
// bits matter, which are float64(oct) - 8 floor(float64(oct)/8) (exact),
// moved to the low bits of the lanes by adding 2^52.
#define SINCOS(U, S, C, O, T1, T2) \
	VMULPD EIGHT(R8), U, U \
	VROUNDPD $3, U, O \
	VADDPD ZERO(R8), O, O \
	VANDPD ABS(R8), U, T1 \
	VCMPPD $0x15, TWO63(R8), T1, T1 \
	VBLENDVPD T1, M63(R8), O, O \
	VSUBPD O, U, U \
	VMULPD EIGHTH(R8), O, T1 \
	VROUNDPD $1, T1, T1 \
	VMULPD EIGHT(R8), T1, T1 \
	VSUBPD T1, O, O \
	VADDPD TWO52(R8), O, O \
	VPSLLQ $63, O, T1 \
	VMOVUPD ONE(R8), T2 \
	VSUBPD U, T2, T2 \
	VBLENDVPD T1, T2, U, U \
	VMULPD PIOVER(R8), U, U \
	VMULPD U, U, T1 \
	VMOVUPD SINC(R8), S \
	STEP(S, T1, SINC+32) \
	STEP(S, T1, SINC+64) \
	STEP(S, T1, SINC+96) \
	STEP(S, T1, SINC+128) \
	STEP(S, T1, SINC+160) \
	STEP(S, T1, SINC+192) \
	STEP(S, T1, SINC+224) \
	STEP(S, T1, SINC+256) \
	VMULPD S, U, S \
	VMOVUPD COSC(R8), C \
	STEP(C, T1, COSC+32) \
	STEP(C, T1, COSC+64) \
	STEP(C, T1, COSC+96) \
	STEP(C, T1, COSC+128) \
	STEP(C, T1, COSC+160) \
	STEP(C, T1, COSC+192) \
	STEP(C, T1, COSC+224) \
	STEP(C, T1, COSC+256) \
	STEP(C, T1, COSC+288) \
	VPADDQ I1(R8), O, T1 \
	VPSLLQ $62, T1, T1 \
	VBLENDVPD T1, C, S, T2 \
	VBLENDVPD T1, S, C, C \
	VPSLLQ $61, O, T1 \
	VPAND SIGN(R8), T1, T1 \
	VXORPD T1, T2, S \
	VPADDQ I2(R8), O, T1 \
	VPSLLQ $61, T1, T1 \
	VPAND SIGN(R8), T1, T1 \
	VXORPD T1, C, C

// SINCOS2 is SINCOS of Ua and of Ub, their instructions interleaved
// (two independent chains side by side for the scheduler).
#define SINCOS2(Ua, Sa, Ca, Oa, T1a, T2a, Ub, Sb, Cb, Ob, T1b, T2b) \
	VMULPD EIGHT(R8), Ua, Ua \
	VMULPD EIGHT(R8), Ub, Ub \
	VROUNDPD $3, Ua, Oa \
	VROUNDPD $3, Ub, Ob \
	VADDPD ZERO(R8), Oa, Oa \
	VADDPD ZERO(R8), Ob, Ob \
	VANDPD ABS(R8), Ua, T1a \
	VANDPD ABS(R8), Ub, T1b \
	VCMPPD $0x15, TWO63(R8), T1a, T1a \
	VCMPPD $0x15, TWO63(R8), T1b, T1b \
	VBLENDVPD T1a, M63(R8), Oa, Oa \
	VBLENDVPD T1b, M63(R8), Ob, Ob \
	VSUBPD Oa, Ua, Ua \
	VSUBPD Ob, Ub, Ub \
	VMULPD EIGHTH(R8), Oa, T1a \
	VMULPD EIGHTH(R8), Ob, T1b \
	VROUNDPD $1, T1a, T1a \
	VROUNDPD $1, T1b, T1b \
	VMULPD EIGHT(R8), T1a, T1a \
	VMULPD EIGHT(R8), T1b, T1b \
	VSUBPD T1a, Oa, Oa \
	VSUBPD T1b, Ob, Ob \
	VADDPD TWO52(R8), Oa, Oa \
	VADDPD TWO52(R8), Ob, Ob \
	VPSLLQ $63, Oa, T1a \
	VPSLLQ $63, Ob, T1b \
	VMOVUPD ONE(R8), T2a \
	VMOVUPD ONE(R8), T2b \
	VSUBPD Ua, T2a, T2a \
	VSUBPD Ub, T2b, T2b \
	VBLENDVPD T1a, T2a, Ua, Ua \
	VBLENDVPD T1b, T2b, Ub, Ub \
	VMULPD PIOVER(R8), Ua, Ua \
	VMULPD PIOVER(R8), Ub, Ub \
	VMULPD Ua, Ua, T1a \
	VMULPD Ub, Ub, T1b \
	VMOVUPD SINC(R8), Sa \
	VMOVUPD SINC(R8), Sb \
	VMULPD T1a, Sa, Sa \
	VMULPD T1b, Sb, Sb \
	VADDPD SINC+32(R8), Sa, Sa \
	VADDPD SINC+32(R8), Sb, Sb \
	VMULPD T1a, Sa, Sa \
	VMULPD T1b, Sb, Sb \
	VADDPD SINC+64(R8), Sa, Sa \
	VADDPD SINC+64(R8), Sb, Sb \
	VMULPD T1a, Sa, Sa \
	VMULPD T1b, Sb, Sb \
	VADDPD SINC+96(R8), Sa, Sa \
	VADDPD SINC+96(R8), Sb, Sb \
	VMULPD T1a, Sa, Sa \
	VMULPD T1b, Sb, Sb \
	VADDPD SINC+128(R8), Sa, Sa \
	VADDPD SINC+128(R8), Sb, Sb \
	VMULPD T1a, Sa, Sa \
	VMULPD T1b, Sb, Sb \
	VADDPD SINC+160(R8), Sa, Sa \
	VADDPD SINC+160(R8), Sb, Sb \
	VMULPD T1a, Sa, Sa \
	VMULPD T1b, Sb, Sb \
	VADDPD SINC+192(R8), Sa, Sa \
	VADDPD SINC+192(R8), Sb, Sb \
	VMULPD T1a, Sa, Sa \
	VMULPD T1b, Sb, Sb \
	VADDPD SINC+224(R8), Sa, Sa \
	VADDPD SINC+224(R8), Sb, Sb \
	VMULPD T1a, Sa, Sa \
	VMULPD T1b, Sb, Sb \
	VADDPD SINC+256(R8), Sa, Sa \
	VADDPD SINC+256(R8), Sb, Sb \
	VMULPD Sa, Ua, Sa \
	VMULPD Sb, Ub, Sb \
	VMOVUPD COSC(R8), Ca \
	VMOVUPD COSC(R8), Cb \
	VMULPD T1a, Ca, Ca \
	VMULPD T1b, Cb, Cb \
	VADDPD COSC+32(R8), Ca, Ca \
	VADDPD COSC+32(R8), Cb, Cb \
	VMULPD T1a, Ca, Ca \
	VMULPD T1b, Cb, Cb \
	VADDPD COSC+64(R8), Ca, Ca \
	VADDPD COSC+64(R8), Cb, Cb \
	VMULPD T1a, Ca, Ca \
	VMULPD T1b, Cb, Cb \
	VADDPD COSC+96(R8), Ca, Ca \
	VADDPD COSC+96(R8), Cb, Cb \
	VMULPD T1a, Ca, Ca \
	VMULPD T1b, Cb, Cb \
	VADDPD COSC+128(R8), Ca, Ca \
	VADDPD COSC+128(R8), Cb, Cb \
	VMULPD T1a, Ca, Ca \
	VMULPD T1b, Cb, Cb \
	VADDPD COSC+160(R8), Ca, Ca \
	VADDPD COSC+160(R8), Cb, Cb \
	VMULPD T1a, Ca, Ca \
	VMULPD T1b, Cb, Cb \
	VADDPD COSC+192(R8), Ca, Ca \
	VADDPD COSC+192(R8), Cb, Cb \
	VMULPD T1a, Ca, Ca \
	VMULPD T1b, Cb, Cb \
	VADDPD COSC+224(R8), Ca, Ca \
	VADDPD COSC+224(R8), Cb, Cb \
	VMULPD T1a, Ca, Ca \
	VMULPD T1b, Cb, Cb \
	VADDPD COSC+256(R8), Ca, Ca \
	VADDPD COSC+256(R8), Cb, Cb \
	VMULPD T1a, Ca, Ca \
	VMULPD T1b, Cb, Cb \
	VADDPD COSC+288(R8), Ca, Ca \
	VADDPD COSC+288(R8), Cb, Cb \
	VPADDQ I1(R8), Oa, T1a \
	VPADDQ I1(R8), Ob, T1b \
	VPSLLQ $62, T1a, T1a \
	VPSLLQ $62, T1b, T1b \
	VBLENDVPD T1a, Ca, Sa, T2a \
	VBLENDVPD T1b, Cb, Sb, T2b \
	VBLENDVPD T1a, Sa, Ca, Ca \
	VBLENDVPD T1b, Sb, Cb, Cb \
	VPSLLQ $61, Oa, T1a \
	VPSLLQ $61, Ob, T1b \
	VPAND SIGN(R8), T1a, T1a \
	VPAND SIGN(R8), T1b, T1b \
	VXORPD T1a, T2a, Sa \
	VXORPD T1b, T2b, Sb \
	VPADDQ I2(R8), Oa, T1a \
	VPADDQ I2(R8), Ob, T1b \
	VPSLLQ $61, T1a, T1a \
	VPSLLQ $61, T1b, T1b \
	VPAND SIGN(R8), T1a, T1a \
	VPAND SIGN(R8), T1b, T1b \
	VXORPD T1a, Ca, Ca \
	VXORPD T1b, Cb, Cb

// func sinCos2Pi64x4(sin, cos *float64, u *float64, blocks int)
//
// Two blocks of four at a time (SINCOS2), then a last one.
TEXT ·sinCos2Pi64x4(SB), NOSPLIT, $0-32
	MOVQ sin+0(FP), DI
	MOVQ cos+8(FP), DX
	MOVQ u+16(FP), SI
	MOVQ blocks+24(FP), CX
	LEAQ ·sinCosConsts(SB), R8
	TESTQ CX, CX
	JZ done

	CMPQ CX, $2
	JB one

pair:
	VMOVUPD 0(SI), Y0
	VMOVUPD 32(SI), Y6
	SINCOS2(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11)
	VMOVUPD Y1, 0(DI)
	VMOVUPD Y7, 32(DI)
	VMOVUPD Y2, 0(DX)
	VMOVUPD Y8, 32(DX)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $2, CX
	CMPQ CX, $2
	JAE pair
	TESTQ CX, CX
	JZ last

one:
	VMOVUPD 0(SI), Y0
	SINCOS(Y0, Y1, Y2, Y3, Y4, Y5)
	VMOVUPD Y1, 0(DI)
	VMOVUPD Y2, 0(DX)

last:
	VZEROUPPER

done:
	RET

// func sinCos2Pi32x4(sin, cos *float64, u *float32, blocks int)
TEXT ·sinCos2Pi32x4(SB), NOSPLIT, $0-32
	MOVQ sin+0(FP), DI
	MOVQ cos+8(FP), DX
	MOVQ u+16(FP), SI
	MOVQ blocks+24(FP), CX
	LEAQ ·sinCosConsts(SB), R8
	TESTQ CX, CX
	JZ done

	CMPQ CX, $2
	JB one

pair:
	VCVTPS2PD 0(SI), Y0
	VCVTPS2PD 16(SI), Y6
	SINCOS2(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11)
	VMOVUPD Y1, 0(DI)
	VMOVUPD Y7, 32(DI)
	VMOVUPD Y2, 0(DX)
	VMOVUPD Y8, 32(DX)
	ADDQ $32, SI
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $2, CX
	CMPQ CX, $2
	JAE pair
	TESTQ CX, CX
	JZ last

one:
	VCVTPS2PD 0(SI), Y0
	SINCOS(Y0, Y1, Y2, Y3, Y4, Y5)
	VMOVUPD Y1, 0(DI)
	VMOVUPD Y2, 0(DX)

last:
	VZEROUPPER

done:
	RET

// TRANSPOSE turns rows Y0..Y3 (four elements of blocks 0..3) into
// columns (element j of the four blocks in Yj); Y4..Y7 are clobbered.
#define TRANSPOSE \
	VUNPCKLPD Y1, Y0, Y4 \
	VUNPCKHPD Y1, Y0, Y5 \
	VUNPCKLPD Y3, Y2, Y6 \
	VUNPCKHPD Y3, Y2, Y7 \
	VPERM2F128 $0x20, Y6, Y4, Y0 \
	VPERM2F128 $0x20, Y7, Y5, Y1 \
	VPERM2F128 $0x31, Y6, Y4, Y2 \
	VPERM2F128 $0x31, Y7, Y5, Y3

// ADD64 adds the sin and cos of columns Ua, then Ub on to Y15 and Y14,
// the term as the first operand (term + acc: where both are NaNs, the
// term's, as the scalar code compiles acc += term); ADD32 rounds them to
// float32 first. Y4..Y13 are clobbered.
#define ADD64(Ua, Ub) \
	SINCOS2(Ua, Y4, Y5, Y6, Y7, Y8, Ub, Y9, Y10, Y11, Y12, Y13) \
	VADDPD Y14, Y5, Y14 \
	VADDPD Y15, Y4, Y15 \
	VADDPD Y14, Y10, Y14 \
	VADDPD Y15, Y9, Y15

#define ADD32(Ua, Ub) \
	SINCOS2(Ua, Y4, Y5, Y6, Y7, Y8, Ub, Y9, Y10, Y11, Y12, Y13) \
	VCVTPD2PSY Y5, X5 \
	VCVTPS2PD X5, Y5 \
	VCVTPD2PSY Y4, X4 \
	VCVTPS2PD X4, Y4 \
	VCVTPD2PSY Y10, X10 \
	VCVTPS2PD X10, Y10 \
	VCVTPD2PSY Y9, X9 \
	VCVTPS2PD X9, Y9 \
	VADDPD Y14, Y5, Y14 \
	VADDPD Y15, Y4, Y15 \
	VADDPD Y14, Y10, Y14 \
	VADDPD Y15, Y9, Y15

// func sinCos2PiSums64(acc *[2][4]float64, x *float64, stride, quads int)
//
// Lane l of the sums is block l (x + l stride): each quad loads four
// elements of each block, transposes them, and adds the four columns in
// order (their sin and cos two columns at a time).
TEXT ·sinCos2PiSums64(SB), NOSPLIT, $0-32
	MOVQ acc+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ stride+16(FP), BX
	MOVQ quads+24(FP), CX
	LEAQ ·sinCosConsts(SB), R8
	LEAQ (SI)(BX*1), R10
	LEAQ (SI)(BX*2), R11
	LEAQ (R10)(BX*2), R12
	VXORPD Y14, Y14, Y14
	VXORPD Y15, Y15, Y15
	TESTQ CX, CX
	JZ store

loop:
	VMOVUPD 0(SI), Y0
	VMOVUPD 0(R10), Y1
	VMOVUPD 0(R11), Y2
	VMOVUPD 0(R12), Y3
	TRANSPOSE
	ADD64(Y0, Y1)
	ADD64(Y2, Y3)
	ADDQ $32, SI
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $32, R12
	DECQ CX
	JNZ loop

store:
	VMOVUPD Y14, 0(DI)
	VMOVUPD Y15, 32(DI)
	VZEROUPPER
	RET

// func sinCos2PiSums32(acc *[2][4]float64, x *float32, stride, quads int)
TEXT ·sinCos2PiSums32(SB), NOSPLIT, $0-32
	MOVQ acc+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ stride+16(FP), BX
	MOVQ quads+24(FP), CX
	LEAQ ·sinCosConsts(SB), R8
	LEAQ (SI)(BX*1), R10
	LEAQ (SI)(BX*2), R11
	LEAQ (R10)(BX*2), R12
	VXORPD Y14, Y14, Y14
	VXORPD Y15, Y15, Y15
	TESTQ CX, CX
	JZ store

loop:
	VCVTPS2PD 0(SI), Y0
	VCVTPS2PD 0(R10), Y1
	VCVTPS2PD 0(R11), Y2
	VCVTPS2PD 0(R12), Y3
	TRANSPOSE
	ADD32(Y0, Y1)
	ADD32(Y2, Y3)
	ADDQ $16, SI
	ADDQ $16, R10
	ADDQ $16, R11
	ADDQ $16, R12
	DECQ CX
	JNZ loop

store:
	VMOVUPD Y14, 0(DI)
	VMOVUPD Y15, 32(DI)
	VZEROUPPER
	RET
