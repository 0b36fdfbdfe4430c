//go:build !purego

#include "textflag.h"

// The rules on four bonds: x masses in Y0, y masses in Y1, the words in
// the low halves of Y2's quadwords; results in Y0, Y1. Y13 holds 1 in
// each quadword, Y14 zero, Y15 d32. mulShift32(a, f) with f < 2^32 is
// (a>>32)*f + ((a mod 2^32)*f)>>32 mod 2^64: both products 32x32 bits.

// kmp: e = x+y, a = mulShift32(e, u); x, y = a, e-a
#define KMP \
	VPADDQ   Y1, Y0, Y0; \
	VPSRLQ   $32, Y0, Y3; \
	VPMULUDQ Y2, Y0, Y4; \
	VPMULUDQ Y2, Y3, Y3; \
	VPSRLQ   $32, Y4, Y4; \
	VPADDQ   Y4, Y3, Y3; \
	VPSUBQ   Y3, Y0, Y1; \
	VMOVDQA  Y3, Y0

// aggregation: k = -(u&1); x, y = e&^k, e&k
#define AGG \
	VPADDQ Y1, Y0, Y0; \
	VPAND  Y13, Y2, Y2; \
	VPSUBQ Y2, Y14, Y2; \
	VPAND  Y0, Y2, Y1; \
	VPANDN Y0, Y2, Y0

// transfer: k = -(u&1); d = mulShift32(k ? y : x, d32); d = (d^k)-k;
// x, y = x-d, y+d
#define TRANSFER \
	VPAND    Y13, Y2, Y2; \
	VPSUBQ   Y2, Y14, Y2; \
	VPXOR    Y1, Y0, Y3; \
	VPAND    Y2, Y3, Y3; \
	VPXOR    Y0, Y3, Y3; \
	VPSRLQ   $32, Y3, Y4; \
	VPMULUDQ Y15, Y3, Y3; \
	VPMULUDQ Y15, Y4, Y4; \
	VPSRLQ   $32, Y3, Y3; \
	VPADDQ   Y3, Y4, Y4; \
	VPXOR    Y2, Y4, Y4; \
	VPSUBQ   Y2, Y4, Y4; \
	VPSUBQ   Y4, Y0, Y0; \
	VPADDQ   Y4, Y1, Y1

#define SETUP \
	MOVQ         $1, BX; \
	VMOVQ         BX, X13; \
	VPBROADCASTQ X13, Y13; \
	VPXOR        Y14, Y14, Y14; \
	VPBROADCASTQ d32+40(FP), Y15

// line: x masses at DI, y masses at SI, words at DX (VPMOVZXDQ: four
// words into the quadwords' low halves)
#define LINELOAD \
	VMOVDQU   (DI), Y0; \
	VMOVDQU   (SI), Y1; \
	VPMOVZXDQ (DX), Y2

#define LINESTORE \
	VMOVDQU Y0, (DI); \
	VMOVDQU Y1, (SI); \
	ADDQ    $32, DI; \
	ADDQ    $32, SI; \
	ADDQ    $16, DX; \
	SUBQ    $4, CX

// func massLineAVX2(rule int, mx, my *int64, u *uint32, n int, d32 uint64)
TEXT ·massLineAVX2(SB), NOSPLIT, $0-48
	MOVQ rule+0(FP), AX
	MOVQ mx+8(FP), DI
	MOVQ my+16(FP), SI
	MOVQ u+24(FP), DX
	MOVQ n+32(FP), CX
	SETUP
	CMPQ AX, $0
	JEQ  lkmp
	CMPQ AX, $1
	JEQ  lagg

ltransfer:
	LINELOAD
	TRANSFER
	LINESTORE
	JNZ ltransfer
	VZEROUPPER
	RET

lkmp:
	LINELOAD
	KMP
	LINESTORE
	JNZ lkmp
	VZEROUPPER
	RET

lagg:
	LINELOAD
	AGG
	LINESTORE
	JNZ lagg
	VZEROUPPER
	RET

// pairs: masses x0 y0 x1 y1 x2 y2 x3 y3 at DI; the words of the bonds at
// every other place from DX. Unpacked, the lanes hold bonds 0 2 1 3 (the
// words permuted to match), and packing them again restores the order.
#define PAIRLOAD \
	VMOVDQU     (DI), Y5; \
	VMOVDQU     32(DI), Y6; \
	VPUNPCKLQDQ Y6, Y5, Y0; \
	VPUNPCKHQDQ Y6, Y5, Y1; \
	VMOVDQU     (DX), Y2; \
	VPERMQ      $0xD8, Y2, Y2

#define PAIRSTORE \
	VPUNPCKLQDQ Y1, Y0, Y5; \
	VPUNPCKHQDQ Y1, Y0, Y6; \
	VMOVDQU     Y5, (DI); \
	VMOVDQU     Y6, 32(DI); \
	ADDQ        $64, DI; \
	ADDQ        $32, DX; \
	SUBQ        $4, CX

// func massPairsAVX2(rule int, s *int64, u *uint32, n int, d32 uint64)
TEXT ·massPairsAVX2(SB), NOSPLIT, $0-40
	MOVQ rule+0(FP), AX
	MOVQ s+8(FP), DI
	MOVQ u+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ         $1, BX
	VMOVQ         BX, X13
	VPBROADCASTQ X13, Y13
	VPXOR        Y14, Y14, Y14
	VPBROADCASTQ d32+32(FP), Y15
	CMPQ AX, $0
	JEQ  pkmp
	CMPQ AX, $1
	JEQ  pagg

ptransfer:
	PAIRLOAD
	TRANSFER
	PAIRSTORE
	JNZ ptransfer
	VZEROUPPER
	RET

pkmp:
	PAIRLOAD
	KMP
	PAIRSTORE
	JNZ pkmp
	VZEROUPPER
	RET

pagg:
	PAIRLOAD
	AGG
	PAIRSTORE
	JNZ pagg
	VZEROUPPER
	RET
