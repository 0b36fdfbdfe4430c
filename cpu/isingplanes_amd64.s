//go:build !purego

#include "textflag.h"

// func planeRows(p unsafe.Pointer, stride, rows, regs int, lanes unsafe.Pointer, downs *int64, pars *uint8, masks *[64]byte) (inv uint64)
//
// The vector part of planesWords: for the rows r = 0..rows-1 (at most
// 127) at p + r*stride, each of its first regs registers of 32 spins adds
// bit 1 of its bytes (0x02 for a down spin), exclusive-ored with the
// row's 32 mask bytes (masks[32 pars[r]:], 0x02 where a staggered sign
// turns the spin over; all 0 for the plain sums), to the 32 byte counters
// at lanes + 32k (VPADDB: below 256 after 127 rows), and twice the row's
// down spins in those registers (VPSADBW) goes to downs[r]. inv is
// nonzero when a byte is neither 0x01 nor 0xFF (compared with 0x01 or
// 0xFF as its bit 1 says, the differences ORed together).
TEXT ·planeRows(SB), NOSPLIT, $0-72
	MOVQ p+0(FP), SI
	MOVQ stride+8(FP), R8
	MOVQ rows+16(FP), CX
	MOVQ regs+24(FP), DX
	MOVQ lanes+32(FP), R9
	MOVQ downs+40(FP), R10
	MOVQ pars+48(FP), R11
	MOVQ masks+56(FP), R12
	MOVQ $0x0202020202020202, BX
	VMOVQ BX, X15
	VPBROADCASTQ X15, Y15
	MOVQ $0x0101010101010101, BX
	VMOVQ BX, X14
	VPBROADCASTQ X14, Y14
	VPXOR Y12, Y12, Y12
	VPXOR Y11, Y11, Y11
	TESTQ CX, CX
	JEQ done

rowloop:
	MOVQ SI, AX
	MOVQ R9, DI
	MOVBQZX (R11), BX
	SHLQ $5, BX
	VMOVDQU (R12)(BX*1), Y13
	INCQ R11
	MOVQ DX, BX
	VPXOR Y6, Y6, Y6
	TESTQ BX, BX
	JEQ rowdone

regloop:
	VMOVDQU (AX), Y0
	VPAND Y15, Y0, Y2
	VPXOR Y13, Y2, Y5
	VPADDB (DI), Y5, Y3
	VMOVDQU Y3, (DI)
	VPSADBW Y12, Y5, Y4
	VPADDQ Y4, Y6, Y6
	VPCMPEQB Y15, Y2, Y1
	VPOR Y14, Y1, Y1
	VPXOR Y0, Y1, Y1
	VPOR Y1, Y11, Y11
	ADDQ $32, AX
	ADDQ $32, DI
	DECQ BX
	JNE regloop

rowdone:
	VEXTRACTI128 $1, Y6, X7
	VPADDQ X7, X6, X6
	VPSHUFD $0x4E, X6, X7
	VPADDQ X7, X6, X6
	VMOVQ X6, (R10)
	ADDQ $8, R10
	ADDQ R8, SI
	DECQ CX
	JNE rowloop

done:
	VEXTRACTI128 $1, Y11, X1
	VPOR X1, X11, X11
	VPSHUFD $0x4E, X11, X1
	VPOR X1, X11, X11
	VMOVQ X11, AX
	MOVQ AX, inv+64(FP)
	VZEROUPPER
	RET
