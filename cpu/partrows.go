package cpu

import "unsafe"

// particleVec is particleRow's update of the leading coordinates that
// fill whole AVX2 vectors (partrows_amd64.s); it returns how many it did
// (0 without useAVX2).
func particleVec[T flt](x, v, xi []T, k *pc[T], baoab, dw bool) int {
	n := vecLen[T](len(x))
	if n == 0 {
		return 0
	}
	xp, ip, kp := unsafe.Pointer(&x[0]), unsafe.Pointer(&xi[0]), unsafe.Pointer(k)
	var vp unsafe.Pointer
	if baoab {
		vp = unsafe.Pointer(&v[:len(x)][0])
	}
	_ = xi[len(x)-1]
	switch {
	case is32[T]() && baoab && dw:
		partBAOABDW32(xp, vp, ip, kp, n)
	case is32[T]() && baoab:
		partBAOABH32(xp, vp, ip, kp, n)
	case is32[T]() && dw:
		partEMDW32(xp, ip, kp, n)
	case is32[T]():
		partEMH32(xp, ip, kp, n)
	case baoab && dw:
		partBAOABDW64(xp, vp, ip, kp, n)
	case baoab:
		partBAOABH64(xp, vp, ip, kp, n)
	case dw:
		partEMDW64(xp, ip, kp, n)
	default:
		partEMH64(xp, ip, kp, n)
	}
	return n
}

// kuramotoVec is kuramotoRow's update of the leading phases that fill
// whole AVX2 vectors (partrows_amd64.s); it returns how many it did (0
// without useAVX2).
func kuramotoVec[T flt](x, omega, xi []T, sn, cs []float64, k *pc[T], sc *[2]T) int {
	n := vecLen[T](len(x))
	if n == 0 {
		return 0
	}
	_, _, _, _ = omega[len(x)-1], xi[len(x)-1], sn[len(x)-1], cs[len(x)-1]
	xp, op, ip := unsafe.Pointer(&x[0]), unsafe.Pointer(&omega[0]), unsafe.Pointer(&xi[0])
	sp, cp, kp, scp := unsafe.Pointer(&sn[0]), unsafe.Pointer(&cs[0]), unsafe.Pointer(k), unsafe.Pointer(sc)
	if is32[T]() {
		kurRow32(xp, op, ip, sp, cp, kp, scp, n)
	} else {
		kurRow64(xp, op, ip, sp, cp, kp, scp, n)
	}
	return n
}
