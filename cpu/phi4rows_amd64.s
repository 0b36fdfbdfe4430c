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

// Model B's second pass (divRow32, divRow64): at each site
// lap = nb - (z*mu), div = (P0 - M0) + 0, then div = div + (Pj - Mj) for
// the other nax-1 pairs of link currents, next = ((lap*a) + phi) +
// (div*amp), the compiled order of phi4Step's loop (its 0 + diff runs as
// diff + 0). The currents are interleaved by axis, cur[n*d + a], so a
// lane's Pj and Mj are d elements after the lane before's: for d = 1 the
// kernel loads them, for d = 2 and 3 it loads d vectors from the pointer
// on and picks every d-th element out (blends or shuffles, then a
// permutation: these read d-1 elements past the last lane's, which
// divVec keeps inside the currents), for larger d it gathers them
// (VGATHERDPS/VGATHERDPD, byte offsets lane*d*S in Y11).

// DIVSTEP(MUL, ADD, SUB, LOADC, labels): one vector; LOADC(dst) loads
// the lanes' currents from R12 on (clobbering Y5 and Y13).
#define DIVSTEP(MUL, ADD, SUB, LOADC, axl, axdone) \
	VMOVUPS (R9), Y1; \
	MUL Y1, Y8, Y1; \
	VMOVUPS (DX), Y0; \
	SUB Y1, Y0, Y0; \
	MOVQ AX, R10; \
	MOVQ 0(R10), R12; \
	ADDQ BX, R12; \
	LOADC(Y2); \
	MOVQ 8(R10), R12; \
	ADDQ BX, R12; \
	LOADC(Y3); \
	SUB Y3, Y2, Y2; \
	ADD Y12, Y2, Y2; \
	MOVQ R8, R11; \
	DECQ R11; \
	JZ axdone; \
axl: \
	ADDQ $16, R10; \
	MOVQ 0(R10), R12; \
	ADDQ BX, R12; \
	LOADC(Y3); \
	MOVQ 8(R10), R12; \
	ADDQ BX, R12; \
	LOADC(Y4); \
	SUB Y4, Y3, Y3; \
	ADD Y3, Y2, Y2; \
	DECQ R11; \
	JNZ axl; \
axdone: \
	MUL Y9, Y0, Y0; \
	ADD (SI), Y0, Y0; \
	MUL Y10, Y2, Y2; \
	ADD Y2, Y0, Y0; \
	VMOVUPS Y0, (DI); \
	ADDQ $32, DI; \
	ADDQ $32, SI; \
	ADDQ $32, R9; \
	ADDQ $32, DX; \
	ADDQ R13, BX

// DIVLOOP: the loop over the n vectors with the loader LOADC.
#define DIVLOOP(MUL, ADD, SUB, LOADC, loop, axl, axdone) \
loop: \
	DIVSTEP(MUL, ADD, SUB, LOADC, axl, axdone); \
	DECQ CX; \
	JNZ loop; \
	VZEROUPPER; \
	RET

// DIV(B, S, LANES, ...): the kernel's set-up, then the loop for d
// (labels l1, l2, l3 and lg); AX the pointer pairs, R8 nax, R13 the bytes
// the currents advance a vector (LANES*d*S), BX the offset so far.
#define DIV(B, S, LANES, MUL, ADD, SUB, LOAD2, LOAD3, LOADG, l1, a1, d1, l2, a2, d2, l3, a3, d3, lg, ag, dg) \
	MOVQ next+0(FP), DI; \
	MOVQ phi+8(FP), SI; \
	MOVQ mu+16(FP), R9; \
	MOVQ nb+24(FP), DX; \
	MOVQ k+32(FP), AX; \
	MOVQ n+64(FP), CX; \
	B (KZ*S)(AX), Y8; \
	B (KA*S)(AX), Y9; \
	B (KAMP*S)(AX), Y10; \
	VXORPS Y12, Y12, Y12; \
	VMOVDQU perm3<>(SB), Y14; \
	XORQ BX, BX; \
	MOVQ d+56(FP), R8; \
	MOVQ R8, R13; \
	IMULQ $(S*LANES), R13; \
	IMULQ $S, R8; \
	VMOVQ R8, X11; \
	VPBROADCASTD X11, Y11; \
	VPMULLD iota32<>(SB), Y11, Y11; \
	MOVQ cur+40(FP), AX; \
	MOVQ nax+48(FP), R8; \
	MOVQ d+56(FP), R10; \
	CMPQ R10, $1; \
	JEQ l1; \
	CMPQ R10, $2; \
	JEQ l2; \
	CMPQ R10, $3; \
	JEQ l3; \
	DIVLOOP(MUL, ADD, SUB, LOADG, lg, ag, dg); \
	DIVLOOP(MUL, ADD, SUB, LOADP, l1, a1, d1); \
	DIVLOOP(MUL, ADD, SUB, LOAD2, l2, a2, d2); \
	DIVLOOP(MUL, ADD, SUB, LOAD3, l3, a3, d3)

// The loaders: d = 1; d = 2 (float32: pairs of every other element by
// VSHUFPS, in order by VPERMPD; float64: VUNPCKLPD, VPERMPD); d = 3
// (the lanes' elements sit in distinct places of the three vectors:
// two blends, then VPERMPS by perm3 or VPERMPD); gathers.
#define LOADP(dst) VMOVUPS (R12), dst

#define LOAD2_32(dst) \
	VMOVUPS (R12), Y5; \
	VSHUFPS $0x88, 32(R12), Y5, Y5; \
	VPERMPD $0xD8, Y5, dst

#define LOAD3_32(dst) \
	VMOVUPS (R12), Y5; \
	VBLENDPS $0x92, 32(R12), Y5, Y5; \
	VBLENDPS $0x24, 64(R12), Y5, Y5; \
	VPERMPS Y5, Y14, dst

#define LOADG32(dst) \
	VPCMPEQD Y13, Y13, Y13; \
	VGATHERDPS Y13, (R12)(Y11*1), dst

#define LOAD2_64(dst) \
	VMOVUPD (R12), Y5; \
	VUNPCKLPD 32(R12), Y5, Y5; \
	VPERMPD $0xD8, Y5, dst

#define LOAD3_64(dst) \
	VMOVUPD (R12), Y5; \
	VBLENDPD $0x4, 32(R12), Y5, Y5; \
	VBLENDPD $0x2, 64(R12), Y5, Y5; \
	VPERMPD $0x6C, Y5, dst

#define LOADG64(dst) \
	VPCMPEQD Y13, Y13, Y13; \
	VGATHERDPD Y13, (R12)(X11*1), dst

DATA iota32<>+0(SB)/4, $0
DATA iota32<>+4(SB)/4, $1
DATA iota32<>+8(SB)/4, $2
DATA iota32<>+12(SB)/4, $3
DATA iota32<>+16(SB)/4, $4
DATA iota32<>+20(SB)/4, $5
DATA iota32<>+24(SB)/4, $6
DATA iota32<>+28(SB)/4, $7
GLOBL iota32<>(SB), RODATA|NOPTR, $32

// DIFF(B, S, SUB, ADD, MUL, ST, FENCE, loop): out = u + (nb - z*u)*alpha,
// diffuse's compiled order (z*u with z first, nb - t, lap*alpha, u + s);
// k points to z and alpha, S bytes apart. ST stores a vector: VMOVUPS, or
// VMOVNTPS (out 32-byte aligned) past the caches, the stores then
// ordered by FENCE (SFENCE) before the call returns.
#define DIFF(B, S, SUB, ADD, MUL, ST, FENCE, loop) \
	MOVQ out+0(FP), DI; \
	MOVQ u+8(FP), SI; \
	MOVQ nb+16(FP), DX; \
	MOVQ k+24(FP), AX; \
	MOVQ n+32(FP), CX; \
	B 0(AX), Y10; \
	B S(AX), Y11; \
loop: \
	VMOVUPS (SI), Y0; \
	MUL Y0, Y10, Y1; \
	VMOVUPS (DX), Y2; \
	SUB Y1, Y2, Y2; \
	MUL Y11, Y2, Y2; \
	ADD Y2, Y0, Y0; \
	ST Y0, (DI); \
	ADDQ $32, SI; \
	ADDQ $32, DX; \
	ADDQ $32, DI; \
	DECQ CX; \
	JNZ loop; \
	FENCE; \
	VZEROUPPER; \
	RET

// perm3: lane i of LOAD3_32 is element 3i of the 24 loaded, at place
// 3i mod 8 of the blend
DATA perm3<>+0(SB)/4, $0
DATA perm3<>+4(SB)/4, $3
DATA perm3<>+8(SB)/4, $6
DATA perm3<>+12(SB)/4, $1
DATA perm3<>+16(SB)/4, $4
DATA perm3<>+20(SB)/4, $7
DATA perm3<>+24(SB)/4, $2
DATA perm3<>+28(SB)/4, $5
GLOBL perm3<>(SB), RODATA|NOPTR, $32

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
	VMOVQ BX, X12
	VPBROADCASTD X12, Y12
	NEGF(VBROADCASTSS, 4, VADDPS, VSUBPS, VMULPS, nf32loop)

// func negForceRow64(mu, phi, nb, k unsafe.Pointer, n int)
TEXT ·negForceRow64(SB), NOSPLIT, $0-40
	SHRQ $2, n+32(FP)
	MOVQ $0x8000000000000000, BX
	VMOVQ BX, X12
	VPBROADCASTQ X12, Y12
	NEGF(VBROADCASTSD, 8, VADDPD, VSUBPD, VMULPD, nf64loop)


// func divRow32(next, phi, mu, nb, k unsafe.Pointer, cur *unsafe.Pointer, nax, d, n int)
TEXT ·divRow32(SB), NOSPLIT, $0-72
	SHRQ $3, n+64(FP)
	DIV(VBROADCASTSS, 4, 8, VMULPS, VADDPS, VSUBPS, LOAD2_32, LOAD3_32, LOADG32, d1l32, d1a32, d1d32, d2l32, d2a32, d2d32, d3l32, d3a32, d3d32, dgl32, dga32, dgd32)

// func divRow64(next, phi, mu, nb, k unsafe.Pointer, cur *unsafe.Pointer, nax, d, n int)
TEXT ·divRow64(SB), NOSPLIT, $0-72
	SHRQ $2, n+64(FP)
	DIV(VBROADCASTSD, 8, 4, VMULPD, VADDPD, VSUBPD, LOAD2_64, LOAD3_64, LOADG64, d1l64, d1a64, d1d64, d2l64, d2a64, d2d64, d3l64, d3a64, d3d64, dgl64, dga64, dgd64)

// func diffRow32(out, u, nb, k unsafe.Pointer, n int)
TEXT ·diffRow32(SB), NOSPLIT, $0-40
	SHRQ $3, n+32(FP)
	DIFF(VBROADCASTSS, 4, VSUBPS, VADDPS, VMULPS, VMOVUPS, NOP, df32loop)

// func diffRow64(out, u, nb, k unsafe.Pointer, n int)
TEXT ·diffRow64(SB), NOSPLIT, $0-40
	SHRQ $2, n+32(FP)
	DIFF(VBROADCASTSD, 8, VSUBPD, VADDPD, VMULPD, VMOVUPS, NOP, df64loop)

// func diffRowNT32(out, u, nb, k unsafe.Pointer, n int)
TEXT ·diffRowNT32(SB), NOSPLIT, $0-40
	SHRQ $3, n+32(FP)
	DIFF(VBROADCASTSS, 4, VSUBPS, VADDPS, VMULPS, VMOVNTPS, SFENCE, dn32loop)

// func diffRowNT64(out, u, nb, k unsafe.Pointer, n int)
TEXT ·diffRowNT64(SB), NOSPLIT, $0-40
	SHRQ $2, n+32(FP)
	DIFF(VBROADCASTSD, 8, VSUBPD, VADDPD, VMULPD, VMOVNTPS, SFENCE, dn64loop)
