//go:build !purego

#include "textflag.h"

// The particle kernels (partrows.go): particleRow's em/lm and BAOAB
// updates of the harmonic and double-well potentials and kuramotoRow's
// phase update, 8 float32 or 4 float64 coordinates an instruction, n
// elements (a multiple of the lanes, at least one vector). As in phi4rows_amd64.s each lane does the
// scalar code's IEEE operations in its order, one VMULP/VADDP/VSUBP for
// each MULS/ADDS/SUBS, never a fused multiply-add, the negation a flip of
// the sign bit (the compiled PXOR), and the operands in the compiled
// scalar code's order (go tool objdump; src1, the middle operand in Go's
// syntax, is the one whose NaN an x86 operation returns), which is not
// always the source's: a*F runs as F*a, x + a*F as (F*a) + x. Pointers
// advance 32 bytes a vector (but kuramoto's float64 sines and cosines,
// SC), so the bodies serve both types: B broadcasts
// a coefficient, S is the element size (pc's fields are S apart).

// pc's fields (particles.go), in elements
#define PK 0
#define PK4 1
#define PA 2
#define PAMP 3
#define PHDT 4
#define PHDTM 5
#define PC1 6
#define PC2 7

// FH: Y1 = F(Y0) harmonic, -(k*x).
#define FH(MUL) \
	MUL Y0, Y8, Y1; \
	VXORPS Y11, Y1, Y1

// FDW: Y1 = F(Y0) double well, -((k4*x)*((x*x) - 1)).
#define FDW(SUB, MUL) \
	MUL Y0, Y0, Y2; \
	SUB Y10, Y2, Y2; \
	MUL Y0, Y9, Y1; \
	MUL Y2, Y1, Y1; \
	VXORPS Y11, Y1, Y1

// PCOEFFS: k, k4, 1 and the sign mask in Y8 - Y11 (ONE and SIGN the
// bits of 1 and -0, BQ the integer broadcast).
#define PCOEFFS(B, S, BQ, ONE, SIGN) \
	B (PK*S)(AX), Y8; \
	B (PK4*S)(AX), Y9; \
	MOVQ ONE, BX; \
	VMOVQ BX, X10; \
	BQ X10, Y10; \
	MOVQ SIGN, BX; \
	VMOVQ BX, X11; \
	BQ X11, Y11

// PEM(F, ...): x = (amp*xi) + ((F(x)*a) + x).
#define PEM(F, B, S, BQ, ONE, SIGN, loop) \
	MOVQ x+0(FP), DI; \
	MOVQ xi+8(FP), R8; \
	MOVQ k+16(FP), AX; \
	MOVQ n+24(FP), CX; \
	PCOEFFS(B, S, BQ, ONE, SIGN); \
	B (PA*S)(AX), Y12; \
	B (PAMP*S)(AX), Y13; \
loop: \
	VMOVUPS (DI), Y0; \
	F; \
	MUL Y12, Y1, Y1; \
	ADD Y0, Y1, Y1; \
	MUL (R8), Y13, Y3; \
	ADD Y1, Y3, Y3; \
	VMOVUPS Y3, (DI); \
	ADDQ $32, DI; \
	ADDQ $32, R8; \
	DECQ CX; \
	JNZ loop; \
	VZEROUPPER; \
	RET

// PBAOAB(F, ...): p1 = (F(x)*hdt) + v, p2 = (c1*p1) + (c2*xi),
// q1 = (hdtm*p1) + x, x = q2 = (hdtm*p2) + q1, v = p2 + (F(q2)*hdt).
#define PBAOAB(F, B, S, BQ, ONE, SIGN, loop) \
	MOVQ x+0(FP), DI; \
	MOVQ v+8(FP), R9; \
	MOVQ xi+16(FP), R8; \
	MOVQ k+24(FP), AX; \
	MOVQ n+32(FP), CX; \
	PCOEFFS(B, S, BQ, ONE, SIGN); \
	B (PHDT*S)(AX), Y12; \
	B (PHDTM*S)(AX), Y13; \
	B (PC1*S)(AX), Y14; \
	B (PC2*S)(AX), Y15; \
loop: \
	VMOVUPS (DI), Y0; \
	F; \
	MUL Y12, Y1, Y1; \
	ADD (R9), Y1, Y1; \
	MUL Y1, Y14, Y4; \
	MUL (R8), Y15, Y5; \
	ADD Y5, Y4, Y4; \
	MUL Y1, Y13, Y1; \
	ADD Y0, Y1, Y1; \
	MUL Y4, Y13, Y2; \
	ADD Y1, Y2, Y0; \
	VMOVUPS Y0, (DI); \
	F; \
	MUL Y12, Y1, Y1; \
	ADD Y1, Y4, Y4; \
	VMOVUPS Y4, (R9); \
	ADDQ $32, DI; \
	ADDQ $32, R9; \
	ADDQ $32, R8; \
	DECQ CX; \
	JNZ loop; \
	VZEROUPPER; \
	RET

// kuramotoRow's update (kurRow32, kurRow64): with sn and cs the float64
// sine and cosine of the phase (float32 phases: rounded to float32 first,
// VCVTPD2PS as the compiled CVTSD2SS), in the compiled scalar code's order
// (go tool objdump, both types):
// drift = (((cs*S) - (sn*C))*kn) + omega, th = ((drift*dtTurn) + x) +
// (xi*ampTurn), x = th - floor(th). floor is VROUNDP with mode 1, the
// compiled ROUNDSD of math.Floor; for float32 the scalar code floors
// float64(th) and rounds it back, which for every finite th is the
// float32 floor exactly, for infinities the infinity and for a NaN th
// (already quiet: a sum's) the same NaN. LD loads a vector of sines or
// cosines from base in the phases' type, SC the bytes they take.

// pc's fields (particles.go), in elements
#define PKN 8
#define PDTT 9
#define PAMPT 10

#define LD64(base, reg, xreg, tmp) \
	VMOVUPD (base), reg

#define LD32(base, reg, xreg, tmp) \
	VCVTPD2PSY (base), xreg; \
	VCVTPD2PSY 32(base), tmp; \
	VINSERTF128 $1, tmp, reg, reg

#define KUR(B, S, LD, SC, ROUND, loop) \
	MOVQ x+0(FP), DI; \
	MOVQ omega+8(FP), SI; \
	MOVQ xi+16(FP), R8; \
	MOVQ sn+24(FP), R9; \
	MOVQ cs+32(FP), R10; \
	MOVQ k+40(FP), AX; \
	MOVQ sc+48(FP), BX; \
	MOVQ n+56(FP), CX; \
	B (0*S)(BX), Y8; \
	B (1*S)(BX), Y9; \
	B (PKN*S)(AX), Y10; \
	B (PDTT*S)(AX), Y11; \
	B (PAMPT*S)(AX), Y12; \
loop: \
	LD(R10, Y0, X0, X3); \
	MUL Y8, Y0, Y0; \
	LD(R9, Y1, X1, X4); \
	MUL Y9, Y1, Y1; \
	SUB Y1, Y0, Y0; \
	MUL Y10, Y0, Y0; \
	ADD (SI), Y0, Y0; \
	MUL Y11, Y0, Y0; \
	ADD (DI), Y0, Y0; \
	VMOVUPS (R8), Y2; \
	MUL Y12, Y2, Y2; \
	ADD Y2, Y0, Y0; \
	ROUND $1, Y0, Y1; \
	SUB Y1, Y0, Y0; \
	VMOVUPS Y0, (DI); \
	ADDQ $32, DI; \
	ADDQ $32, SI; \
	ADDQ $32, R8; \
	ADDQ $SC, R9; \
	ADDQ $SC, R10; \
	DECQ CX; \
	JNZ loop; \
	VZEROUPPER; \
	RET

#define ONE32 $0x3f800000
#define SIGN32 $0x80000000
#define ONE64 $0x3ff0000000000000
#define SIGN64 $0x8000000000000000

#define MUL VMULPS
#define ADD VADDPS
#define SUB VSUBPS

// func partEMH32(x, xi, k unsafe.Pointer, n int)
TEXT ·partEMH32(SB), NOSPLIT, $0-32
	SHRQ $3, n+24(FP)
	PEM(FH(MUL), VBROADCASTSS, 4, VPBROADCASTD, ONE32, SIGN32, pemh32loop)

// func partEMDW32(x, xi, k unsafe.Pointer, n int)
TEXT ·partEMDW32(SB), NOSPLIT, $0-32
	SHRQ $3, n+24(FP)
	PEM(FDW(SUB, MUL), VBROADCASTSS, 4, VPBROADCASTD, ONE32, SIGN32, pemdw32loop)

// func partBAOABH32(x, v, xi, k unsafe.Pointer, n int)
TEXT ·partBAOABH32(SB), NOSPLIT, $0-40
	SHRQ $3, n+32(FP)
	PBAOAB(FH(MUL), VBROADCASTSS, 4, VPBROADCASTD, ONE32, SIGN32, pbh32loop)

// func partBAOABDW32(x, v, xi, k unsafe.Pointer, n int)
TEXT ·partBAOABDW32(SB), NOSPLIT, $0-40
	SHRQ $3, n+32(FP)
	PBAOAB(FDW(SUB, MUL), VBROADCASTSS, 4, VPBROADCASTD, ONE32, SIGN32, pbdw32loop)

#undef MUL
#undef ADD
#undef SUB
#define MUL VMULPD
#define ADD VADDPD
#define SUB VSUBPD

// func partEMH64(x, xi, k unsafe.Pointer, n int)
TEXT ·partEMH64(SB), NOSPLIT, $0-32
	SHRQ $2, n+24(FP)
	PEM(FH(MUL), VBROADCASTSD, 8, VPBROADCASTQ, ONE64, SIGN64, pemh64loop)

// func partEMDW64(x, xi, k unsafe.Pointer, n int)
TEXT ·partEMDW64(SB), NOSPLIT, $0-32
	SHRQ $2, n+24(FP)
	PEM(FDW(SUB, MUL), VBROADCASTSD, 8, VPBROADCASTQ, ONE64, SIGN64, pemdw64loop)

// func partBAOABH64(x, v, xi, k unsafe.Pointer, n int)
TEXT ·partBAOABH64(SB), NOSPLIT, $0-40
	SHRQ $2, n+32(FP)
	PBAOAB(FH(MUL), VBROADCASTSD, 8, VPBROADCASTQ, ONE64, SIGN64, pbh64loop)

// func partBAOABDW64(x, v, xi, k unsafe.Pointer, n int)
TEXT ·partBAOABDW64(SB), NOSPLIT, $0-40
	SHRQ $2, n+32(FP)
	PBAOAB(FDW(SUB, MUL), VBROADCASTSD, 8, VPBROADCASTQ, ONE64, SIGN64, pbdw64loop)

// func kurRow64(x, omega, xi, sn, cs, k, sc unsafe.Pointer, n int)
TEXT ·kurRow64(SB), NOSPLIT, $0-64
	SHRQ $2, n+56(FP)
	KUR(VBROADCASTSD, 8, LD64, 32, VROUNDPD, kur64loop)

#undef MUL
#undef ADD
#undef SUB
#define MUL VMULPS
#define ADD VADDPS
#define SUB VSUBPS

// func kurRow32(x, omega, xi, sn, cs, k, sc unsafe.Pointer, n int)
TEXT ·kurRow32(SB), NOSPLIT, $0-64
	SHRQ $3, n+56(FP)
	KUR(VBROADCASTSS, 4, LD32, 64, VROUNDPS, kur32loop)
