//go:build !purego

#include "textflag.h"

// The phi4 row kernels (phi4rows.go): the scalar loops of nbRow and
// phi4Step, 8 float32 or 4 float64 lanes an instruction, n elements (a
// multiple of the lanes, at least one vector). Each lane does the scalar
// code's IEEE operations in its order, one VMULP/VADDP/VSUBP for each of
// its MULS/ADDS/SUBS, never a fused multiply-add. The operands are in the
// order of the compiled scalar code (go tool objdump), not always the
// source's: an x86 operation on two NaNs returns its first operand's
// (src1, the middle operand in Go's syntax), so this keeps the payloads
// the scalar code gives (TestNbRowVec and TestPhi4StepVec check them;
// an edit of the Go loops can change the compiled order: nbRow's p + dst
// was dst + p before nbVec). Pointers advance 32
// bytes a vector, so the bodies below serve both types: B broadcasts a
// coefficient, S is the element size (kc's fields are S apart), and ADD,
// SUB, MUL are the packed operations.

// kc's fields (phi4.go), in elements
#define KZ 0
#define KM2 1
#define KL 2
#define KH 3
#define KA 4
#define KAMP 5
#define KHDT 6
#define KHDTM 7
#define KC1 8
#define KC2 9
#define KLIN 10
#define KCUB 11
#define KAH 12

// NB(ADD, loop, axl, store): dst = right + left, then for each axis pair
// (m, p) dst = m + dst, dst = p + dst (the compiled order of nbRow's
// left[i] + right[i], dst[i] + m[i] and dst[i] + p[i]).
#define NB(ADD, loop, axl, store) \
	MOVQ dst+0(FP), DI; \
	MOVQ left+8(FP), SI; \
	MOVQ right+16(FP), DX; \
	MOVQ axes+24(FP), R8; \
	MOVQ nax+32(FP), R9; \
	MOVQ n+40(FP), CX; \
	XORQ BX, BX; \
loop: \
	VMOVUPS (DX)(BX*1), Y0; \
	ADD (SI)(BX*1), Y0, Y0; \
	MOVQ R8, R10; \
	MOVQ R9, R11; \
	TESTQ R11, R11; \
	JZ store; \
axl: \
	MOVQ 0(R10), R12; \
	MOVQ 8(R10), R13; \
	VMOVUPS (R12)(BX*1), Y1; \
	ADD Y0, Y1, Y0; \
	VMOVUPS (R13)(BX*1), Y2; \
	ADD Y0, Y2, Y0; \
	ADDQ $16, R10; \
	DECQ R11; \
	JNZ axl; \
store: \
	VMOVUPS Y0, (DI)(BX*1); \
	ADDQ $32, BX; \
	DECQ CX; \
	JNZ loop; \
	VZEROUPPER; \
	RET

// EM(B, S, ADD, MUL, loop): next = (d + phi) + amp*xi, d the drift
// ((nb*a) + ((phi*phi)*cub + lin)*phi) + ah (driftOf).
#define EM(B, S, ADD, MUL, loop) \
	MOVQ next+0(FP), DI; \
	MOVQ phi+8(FP), SI; \
	MOVQ nb+16(FP), DX; \
	MOVQ xi+24(FP), R8; \
	MOVQ k+32(FP), AX; \
	MOVQ n+40(FP), CX; \
	B (KCUB*S)(AX), Y10; \
	B (KLIN*S)(AX), Y11; \
	B (KA*S)(AX), Y12; \
	B (KAH*S)(AX), Y13; \
	B (KAMP*S)(AX), Y14; \
loop: \
	VMOVUPS (SI), Y0; \
	MUL Y0, Y0, Y1; \
	MUL Y10, Y1, Y1; \
	ADD Y11, Y1, Y1; \
	VMOVUPS (DX), Y2; \
	MUL Y12, Y2, Y2; \
	MUL Y0, Y1, Y1; \
	ADD Y1, Y2, Y2; \
	ADD Y13, Y2, Y2; \
	ADD Y0, Y2, Y2; \
	MUL (R8), Y14, Y3; \
	ADD Y3, Y2, Y2; \
	VMOVUPS Y2, (DI); \
	ADDQ $32, SI; \
	ADDQ $32, DX; \
	ADDQ $32, R8; \
	ADDQ $32, DI; \
	DECQ CX; \
	JNZ loop; \
	VZEROUPPER; \
	RET

// FORCE(SUB, MUL): Y0 = forceOf(nb = Y0, phi = Y1) less h:
// ((nb - z*phi) - m2*phi) - t, t = ((l*phi)*phi)*phi; FORCEB the same
// with the last product phi*t (the compiled loops differ: BAOAB's first
// pass has t*phi, its second and Model B's phi*t).
#define FORCE(SUB, MUL) \
	MUL Y1, Y8, Y2; \
	SUB Y2, Y0, Y0; \
	MUL Y1, Y9, Y2; \
	SUB Y2, Y0, Y0; \
	MUL Y1, Y10, Y2; \
	MUL Y1, Y2, Y2; \
	MUL Y1, Y2, Y2; \
	SUB Y2, Y0, Y0

#define FORCEB(SUB, MUL) \
	MUL Y1, Y8, Y2; \
	SUB Y2, Y0, Y0; \
	MUL Y1, Y9, Y2; \
	SUB Y2, Y0, Y0; \
	MUL Y1, Y10, Y2; \
	MUL Y1, Y2, Y2; \
	MUL Y2, Y1, Y2; \
	SUB Y2, Y0, Y0

#define FCOEFFS(B, S) \
	B (KZ*S)(AX), Y8; \
	B (KM2*S)(AX), Y9; \
	B (KL*S)(AX), Y10; \
	B (KH*S)(AX), Y11

// BAOAB1(B, S, ADD, SUB, MUL, loop): the first half of the BAOAB step:
// p1 = (F*hdt) + mom, q1 = phi + hdtm*p1, p2 = c1*p1 + c2*xi,
// next = q1 + hdtm*p2, mom = p2.
#define BAOAB1(B, S, ADD, SUB, MUL, loop) \
	MOVQ next+0(FP), DI; \
	MOVQ mom+8(FP), R9; \
	MOVQ phi+16(FP), SI; \
	MOVQ nb+24(FP), DX; \
	MOVQ xi+32(FP), R8; \
	MOVQ k+40(FP), AX; \
	MOVQ n+48(FP), CX; \
	FCOEFFS(B, S); \
	B (KHDT*S)(AX), Y12; \
	B (KHDTM*S)(AX), Y13; \
	B (KC1*S)(AX), Y14; \
	B (KC2*S)(AX), Y15; \
loop: \
	VMOVUPS (DX), Y0; \
	VMOVUPS (SI), Y1; \
	FORCE(SUB, MUL); \
	ADD Y11, Y0, Y0; \
	MUL Y12, Y0, Y0; \
	ADD (R9), Y0, Y0; \
	MUL Y0, Y13, Y2; \
	ADD Y2, Y1, Y1; \
	MUL Y0, Y14, Y3; \
	MUL (R8), Y15, Y4; \
	ADD Y4, Y3, Y3; \
	MUL Y3, Y13, Y2; \
	ADD Y2, Y1, Y1; \
	VMOVUPS Y1, (DI); \
	VMOVUPS Y3, (R9); \
	ADDQ $32, SI; \
	ADDQ $32, DX; \
	ADDQ $32, R8; \
	ADDQ $32, R9; \
	ADDQ $32, DI; \
	DECQ CX; \
	JNZ loop; \
	VZEROUPPER; \
	RET

// BAOAB2(B, S, ADD, SUB, MUL, loop): the last kick,
// mom = (F(nb, q)*hdt) + mom.
#define BAOAB2(B, S, ADD, SUB, MUL, loop) \
	MOVQ mom+0(FP), R9; \
	MOVQ q+8(FP), SI; \
	MOVQ nb+16(FP), DX; \
	MOVQ k+24(FP), AX; \
	MOVQ n+32(FP), CX; \
	FCOEFFS(B, S); \
	B (KHDT*S)(AX), Y12; \
loop: \
	VMOVUPS (DX), Y0; \
	VMOVUPS (SI), Y1; \
	FORCEB(SUB, MUL); \
	ADD Y11, Y0, Y0; \
	MUL Y12, Y0, Y0; \
	ADD (R9), Y0, Y0; \
	VMOVUPS Y0, (R9); \
	ADDQ $32, SI; \
	ADDQ $32, DX; \
	ADDQ $32, R9; \
	DECQ CX; \
	JNZ loop; \
	VZEROUPPER; \
	RET

// NEGF(B, S, ADD, SUB, MUL, loop): Model B's mu = -F(nb, phi), the
// negation a flip of the sign bit (Y12) as the compiled XORPS.
#define NEGF(B, S, ADD, SUB, MUL, loop) \
	MOVQ mu+0(FP), DI; \
	MOVQ phi+8(FP), SI; \
	MOVQ nb+16(FP), DX; \
	MOVQ k+24(FP), AX; \
	MOVQ n+32(FP), CX; \
	FCOEFFS(B, S); \
loop: \
	VMOVUPS (DX), Y0; \
	VMOVUPS (SI), Y1; \
	FORCEB(SUB, MUL); \
	ADD Y11, Y0, Y0; \
	VXORPS Y12, Y0, Y0; \
	VMOVUPS Y0, (DI); \
	ADDQ $32, SI; \
	ADDQ $32, DX; \
	ADDQ $32, DI; \
	DECQ CX; \
	JNZ loop; \
	VZEROUPPER; \
	RET

// func nbRows32(dst, left, right unsafe.Pointer, axes *unsafe.Pointer, nax, n int)
TEXT ·nbRows32(SB), NOSPLIT, $0-48
	SHRQ $3, n+40(FP)
	NB(VADDPS, nb32loop, nb32axl, nb32store)

// func nbRows64(dst, left, right unsafe.Pointer, axes *unsafe.Pointer, nax, n int)
TEXT ·nbRows64(SB), NOSPLIT, $0-48
	SHRQ $2, n+40(FP)
	NB(VADDPD, nb64loop, nb64axl, nb64store)

// func emRow32(next, phi, nb, xi, k unsafe.Pointer, n int)
TEXT ·emRow32(SB), NOSPLIT, $0-48
	SHRQ $3, n+40(FP)
	EM(VBROADCASTSS, 4, VADDPS, VMULPS, em32loop)

// func emRow64(next, phi, nb, xi, k unsafe.Pointer, n int)
TEXT ·emRow64(SB), NOSPLIT, $0-48
	SHRQ $2, n+40(FP)
	EM(VBROADCASTSD, 8, VADDPD, VMULPD, em64loop)

// func baoab1Row32(next, mom, phi, nb, xi, k unsafe.Pointer, n int)
TEXT ·baoab1Row32(SB), NOSPLIT, $0-56
	SHRQ $3, n+48(FP)
	BAOAB1(VBROADCASTSS, 4, VADDPS, VSUBPS, VMULPS, ba1_32loop)

// func baoab1Row64(next, mom, phi, nb, xi, k unsafe.Pointer, n int)
TEXT ·baoab1Row64(SB), NOSPLIT, $0-56
	SHRQ $2, n+48(FP)
	BAOAB1(VBROADCASTSD, 8, VADDPD, VSUBPD, VMULPD, ba1_64loop)

// func baoab2Row32(mom, q, nb, k unsafe.Pointer, n int)
TEXT ·baoab2Row32(SB), NOSPLIT, $0-40
	SHRQ $3, n+32(FP)
	BAOAB2(VBROADCASTSS, 4, VADDPS, VSUBPS, VMULPS, ba2_32loop)

// func baoab2Row64(mom, q, nb, k unsafe.Pointer, n int)
TEXT ·baoab2Row64(SB), NOSPLIT, $0-40
	SHRQ $2, n+32(FP)
	BAOAB2(VBROADCASTSD, 8, VADDPD, VSUBPD, VMULPD, ba2_64loop)

// func negForceRow32(mu, phi, nb, k unsafe.Pointer, n int)
TEXT ·negForceRow32(SB), NOSPLIT, $0-40
	SHRQ $3, n+32(FP)
	MOVL $0x80000000, BX
	MOVQ BX, X12
	VPBROADCASTD X12, Y12
	NEGF(VBROADCASTSS, 4, VADDPS, VSUBPS, VMULPS, nf32loop)

// func negForceRow64(mu, phi, nb, k unsafe.Pointer, n int)
TEXT ·negForceRow64(SB), NOSPLIT, $0-40
	SHRQ $2, n+32(FP)
	MOVQ $0x8000000000000000, BX
	MOVQ BX, X12
	VPBROADCASTQ X12, Y12
	NEGF(VBROADCASTSD, 8, VADDPD, VSUBPD, VMULPD, nf64loop)
