package cpu

import (
	"slices"
	"unsafe"
)

// The vector row kernels of nbRow and phi4Step (phi4rows_amd64.s, AVX2):
// each does the scalar loop's operations, lane by lane, on the leading
// elements of its rows that fill whole vectors and returns how many it
// did (0 without useAVX2); the scalar loop does the rest.

// vecLen is how many of n elements of T fill whole AVX2 vectors.
func vecLen[T flt](n int) int {
	if !useAVX2 {
		return 0
	}
	var z T
	return n &^ (32/int(unsafe.Sizeof(z)) - 1)
}

func is32[T flt]() bool {
	var z T
	return unsafe.Sizeof(z) == 4
}

// maxVecAxes is the most axes besides the last that nbVec sums (5D).
const maxVecAxes = 4

// nbVec writes the whole neighbour sums of the columns xa .. xa+len(d)-1
// of the run (none of them an edge column) to the leading elements of d:
// left + right from the row (left and right the row shifted by one), then
// each axis's -1 and +1 neighbours in nbRow's order.
func nbVec[T flt](d, left, right, s []T, r *rowRun, xa int64) int {
	v := vecLen[T](len(d))
	if v == 0 || len(r.rm) > maxVecAxes {
		return 0
	}
	var ax [2 * maxVecAxes]unsafe.Pointer
	n := r.base + xa
	for j, a := 0, len(r.rm)-1; a >= 0; j, a = j+1, a-1 {
		ax[2*j] = unsafe.Pointer(&s[n+r.rm[a]])
		ax[2*j+1] = unsafe.Pointer(&s[n+r.rp[a]])
	}
	dp, lp, rp := unsafe.Pointer(&d[0]), unsafe.Pointer(&left[0]), unsafe.Pointer(&right[0])
	if is32[T]() {
		nbRows32(dp, lp, rp, &ax[0], len(r.rm), v)
	} else {
		nbRows64(dp, lp, rp, &ax[0], len(r.rm), v)
	}
	return v
}

// addVec sets d[i] = a[i] + b[i] on the leading whole vectors.
func addVec[T flt](d, a, b []T) int {
	v := vecLen[T](len(d))
	if v == 0 {
		return 0
	}
	_, _ = a[v-1], b[v-1] // the kernel reads v elements of each
	dp, ap, bp := unsafe.Pointer(&d[0]), unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0])
	if is32[T]() {
		nbRows32(dp, ap, bp, nil, 0, v)
	} else {
		nbRows64(dp, ap, bp, nil, 0, v)
	}
	return v
}

// emVec is the em/lm update of phi4Step: next, phi, nb and xi are the
// run's elements.
func emVec[T flt](next, phi, nb, xi []T, k *kc[T]) int {
	v := vecLen[T](len(nb))
	if v == 0 {
		return 0
	}
	_, _, _ = next[v-1], phi[v-1], xi[v-1] // the kernel reads or writes v elements of each
	np, pp, bp, xp := unsafe.Pointer(&next[0]), unsafe.Pointer(&phi[0]), unsafe.Pointer(&nb[0]), unsafe.Pointer(&xi[0])
	if is32[T]() {
		emRow32(np, pp, bp, xp, unsafe.Pointer(k), v)
	} else {
		emRow64(np, pp, bp, xp, unsafe.Pointer(k), v)
	}
	return v
}

// baoab1Vec is the first pass of BAOAB (next, mom from phi, nb, xi).
func baoab1Vec[T flt](next, mom, phi, nb, xi []T, k *kc[T]) int {
	v := vecLen[T](len(nb))
	if v == 0 {
		return 0
	}
	_, _, _, _ = next[v-1], mom[v-1], phi[v-1], xi[v-1]
	np, mp, pp, bp, xp := unsafe.Pointer(&next[0]), unsafe.Pointer(&mom[0]), unsafe.Pointer(&phi[0]), unsafe.Pointer(&nb[0]), unsafe.Pointer(&xi[0])
	if is32[T]() {
		baoab1Row32(np, mp, pp, bp, xp, unsafe.Pointer(k), v)
	} else {
		baoab1Row64(np, mp, pp, bp, xp, unsafe.Pointer(k), v)
	}
	return v
}

// baoab2Vec is BAOAB's last kick (mom from q = next and nb).
func baoab2Vec[T flt](mom, q, nb []T, k *kc[T]) int {
	v := vecLen[T](len(nb))
	if v == 0 {
		return 0
	}
	_, _ = mom[v-1], q[v-1]
	mp, qp, bp := unsafe.Pointer(&mom[0]), unsafe.Pointer(&q[0]), unsafe.Pointer(&nb[0])
	if is32[T]() {
		baoab2Row32(mp, qp, bp, unsafe.Pointer(k), v)
	} else {
		baoab2Row64(mp, qp, bp, unsafe.Pointer(k), v)
	}
	return v
}

// negForceVec is Model B's mu = -F(nb, phi).
func negForceVec[T flt](mu, phi, nb []T, k *kc[T]) int {
	v := vecLen[T](len(nb))
	if v == 0 {
		return 0
	}
	_, _ = mu[v-1], phi[v-1]
	mp, pp, bp := unsafe.Pointer(&mu[0]), unsafe.Pointer(&phi[0]), unsafe.Pointer(&nb[0])
	if is32[T]() {
		negForceRow32(mp, pp, bp, unsafe.Pointer(k), v)
	} else {
		negForceRow64(mp, pp, bp, unsafe.Pointer(k), v)
	}
	return v
}

// diffVec is diffusion's update (diffuse): out = u + alpha*(nb - z*u),
// k holding z and alpha; with nt, where out is 32-byte aligned, by
// non-temporal stores (diffNTBytes).
func diffVec[T flt](out, u, nb []T, k *[2]T, nt bool) int {
	v := vecLen[T](len(nb))
	if v == 0 {
		return 0
	}
	_, _ = out[v-1], u[v-1] // the kernel reads or writes v elements of each
	op, up, bp := unsafe.Pointer(&out[0]), unsafe.Pointer(&u[0]), unsafe.Pointer(&nb[0])
	switch nt := nt && uintptr(op)%32 == 0; {
	case is32[T]() && nt:
		diffRowNT32(op, up, bp, unsafe.Pointer(k), v)
	case is32[T]():
		diffRow32(op, up, bp, unsafe.Pointer(k), v)
	case nt:
		diffRowNT64(op, up, bp, unsafe.Pointer(k), v)
	default:
		diffRow64(op, up, bp, unsafe.Pointer(k), v)
	}
	return v
}

// diffNTBytes is the size of a diffusion field from which its step
// writes the new field by non-temporal stores, past the caches: a field
// that large is no longer in the caches a step later, and a plain store
// first reads in the line it writes, 3 element sizes of traffic a site
// instead of 2. On the 2-vCPU Intel Xeon VM, one core, three alternate
// rounds: 4096^2 float64 (128 MiB) 0.43 - 0.50 -> 0.50 - 0.64 site
// updates/ns, float32 (64 MiB) 0.79 - 0.99 -> 1.00 - 1.31; 2048^2
// float64 (32 MiB) lost, 0.70 - 0.95 -> 0.50 - 0.67, as did 1024^2, whose
// next step reads them from the caches.
var diffNTBytes int64 = 64 << 20 // (a variable: tests lower it)

// maxDivAxes is the most axes divVec takes.
const maxDivAxes = 8

// divVec is Model B's second pass on the leading whole vectors of the
// sites n0 .. n0+len(nb)-1 of the run r (none of them at x = 0, whose link
// along the last axis wraps): next, phi, mu and nb are those sites'
// elements, cur all the link currents (d per site).
func divVec[T flt](next, phi, mu, nb, cur []T, r *rowRun, n0 int64, d int, k *kc[T]) int {
	v := vecLen[T](len(nb))
	if v == 0 || d > maxDivAxes {
		return 0
	}
	// the pairs of first lanes' currents (site, axis): the link into n0
	// along the last axis and from n0-1, then the other axes' from n0 and
	// its -1 neighbour
	var at [2 * maxDivAxes]int64
	dd := int64(d)
	at[0], at[1] = n0*dd+dd-1, (n0-1)*dd+dd-1
	for j, a := 1, d-2; a >= 0; j, a = j+1, a-1 {
		at[2*j], at[2*j+1] = n0*dd+int64(a), (n0+r.rm[a])*dd+int64(a)
	}
	// the kernel reads the currents up to the last lane's, d-1 past them
	// for d = 2 and 3: at the lattice's end one vector less
	hi := slices.Max(at[:2*d]) + int64(v-1)*dd
	if d == 2 || d == 3 {
		hi += dd - 1
	}
	if hi >= int64(len(cur)) {
		lanes := 32 / int(unsafe.Sizeof(k.z))
		if v -= lanes; v == 0 {
			return 0
		}
		hi -= int64(lanes) * dd
	}
	_ = cur[hi]
	_, _, _ = next[v-1], phi[v-1], mu[v-1]
	var ax [2 * maxDivAxes]unsafe.Pointer
	for j := range 2 * d {
		ax[j] = unsafe.Pointer(&cur[at[j]])
	}
	np, pp, mp, bp := unsafe.Pointer(&next[0]), unsafe.Pointer(&phi[0]), unsafe.Pointer(&mu[0]), unsafe.Pointer(&nb[0])
	if is32[T]() {
		divRow32(np, pp, mp, bp, unsafe.Pointer(k), &ax[0], d, d, v)
	} else {
		divRow64(np, pp, mp, bp, unsafe.Pointer(k), &ax[0], d, d, v)
	}
	return v
}
