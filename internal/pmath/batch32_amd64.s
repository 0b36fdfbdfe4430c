//go:build !purego

#include "textflag.h"

// gaussConsts offsets (batch32.go), 32 bytes each
#define ONE 0
#define HALF 32
#define TWOM32 64
#define C4B 96
#define C127 128
#define C7F 160
#define C7FFFFF 192
#define C3F8 224
#define M025 256
#define THIRD 288
#define LN2LO 320
#define LN2HI 352
#define M2 384
#define CFFFF 416
#define C32768 448
#define TWOPI24 480
#define SIXTH 512
#define C24TH 544

// func gaussians32x4(dst *float32, src *byte, blocks int)
//
// Gaussians32 of four groups (64 bytes) a block, the eight Box-Muller
// pairs side by side: lanes {g0.w0, g0.w2, g2.w0, g2.w2 | g1.w0, g1.w2,
// g3.w0, g3.w2} for u, the odd words for the phases (VSHUFPS), and the
// results interleaved back (VUNPCKLPS/HPS). Every float operation is
// Gaussians32's, in its order, rounded to float32 (no fused multiply-add).
TEXT ·gaussians32x4(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX
	LEAQ ·gaussConsts(SB), R8
	LEAQ ·logTab32(SB), R9
	LEAQ ·scTab32(SB), R10
	TESTQ CX, CX
	JZ done // no blocks (callers pass at least one)

loop:
	VMOVDQU 0(SI), Y0
	VMOVDQU 32(SI), Y1
	VSHUFPS $0x88, Y1, Y0, Y2 // u words
	VSHUFPS $0xDD, Y1, Y0, Y3 // phase words

	// float32(w) for unsigned w: the signed conversion below 2^31, else
	// twice that of (w >> 1) | (w & 1) (the dropped bit kept as a sticky
	// bit, so the one rounding is the same)
	VCVTDQ2PS Y2, Y4
	VPSRLD $1, Y2, Y5
	VPAND ONE(R8), Y2, Y6
	VPOR Y6, Y5, Y5
	VCVTDQ2PS Y5, Y5
	VADDPS Y5, Y5, Y5
	VBLENDVPS Y2, Y5, Y4, Y4
	VADDPS HALF(R8), Y4, Y4
	VMULPS TWOM32(R8), Y4, Y4 // u in (0, 1]

	// log u (log32Pair)
	VPADDD C4B(R8), Y4, Y5
	VPSRLD $23, Y5, Y5
	VPSUBD C127(R8), Y5, Y5
	VCVTDQ2PS Y5, Y5 // e
	VPSRLD $16, Y4, Y6
	VPAND C7F(R8), Y6, Y6
	VPSLLD $2, Y6, Y6 // 4 index: entries are 4 words
	VPCMPEQD Y10, Y10, Y10
	VGATHERDPS Y10, (R9)(Y6*4), Y7 // C
	VPCMPEQD Y10, Y10, Y10
	VGATHERDPS Y10, 4(R9)(Y6*4), Y8 // 1/C
	VPCMPEQD Y10, Y10, Y10
	VGATHERDPS Y10, 8(R9)(Y6*4), Y9 // log C
	VPAND C7FFFFF(R8), Y4, Y4
	VPOR C3F8(R8), Y4, Y4 // m
	VSUBPS Y7, Y4, Y4
	VMULPS Y8, Y4, Y4 // r
	VMULPS Y4, Y4, Y7 // z
	VMULPS M025(R8), Y4, Y8
	VADDPS THIRD(R8), Y8, Y8
	VMULPS Y4, Y8, Y8
	VSUBPS HALF(R8), Y8, Y8 // q
	VMULPS Y8, Y7, Y8
	VADDPS Y4, Y8, Y8 // p
	VADDPS Y8, Y9, Y9 // log C + p
	VMULPS LN2LO(R8), Y5, Y6
	VADDPS Y9, Y6, Y6
	VMULPS LN2HI(R8), Y5, Y5
	VADDPS Y6, Y5, Y5 // log u
	VMULPS M2(R8), Y5, Y5
	VSQRTPS Y5, Y5 // radius

	// sin and cos of the phase (sinCos2Pi24Pair): a = w >> 8
	VPSRLD $24, Y3, Y6
	VPSLLD $1, Y6, Y6 // 2 index: entries are 2 words
	VPCMPEQD Y10, Y10, Y10
	VGATHERDPS Y10, (R10)(Y6*4), Y7 // S
	VPCMPEQD Y10, Y10, Y10
	VGATHERDPS Y10, 4(R10)(Y6*4), Y8 // C
	VPSRLD $8, Y3, Y3
	VPAND CFFFF(R8), Y3, Y3
	VCVTDQ2PS Y3, Y3
	VSUBPS C32768(R8), Y3, Y3
	VMULPS TWOPI24(R8), Y3, Y3 // d
	VMULPS Y3, Y3, Y9 // z
	VMULPS Y9, Y3, Y10
	VMULPS SIXTH(R8), Y10, Y10
	VSUBPS Y10, Y3, Y3 // sin d
	VMULPS C24TH(R8), Y9, Y10
	VMOVUPS HALF(R8), Y11
	VSUBPS Y10, Y11, Y10
	VMULPS Y10, Y9, Y9 // 1 - cos d
	VMULPS Y3, Y8, Y10
	VMULPS Y9, Y7, Y11
	VSUBPS Y11, Y10, Y10
	VADDPS Y10, Y7, Y10 // sin
	VMULPS Y3, Y7, Y11
	VMULPS Y9, Y8, Y12
	VADDPS Y12, Y11, Y11
	VSUBPS Y11, Y8, Y11 // cos
	VMULPS Y11, Y5, Y11 // r cos
	VMULPS Y10, Y5, Y10 // r sin
	VUNPCKLPS Y10, Y11, Y0 // groups 0 | 1
	VUNPCKHPS Y10, Y11, Y1 // groups 2 | 3
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)

	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VZEROUPPER

done:
	RET
