//go:build !purego

package cpu

import "unsafe"

// The phi4 row kernels of phi4rows_amd64.s (AVX2; phi4rows.go calls them
// where useAVX2): n elements, a multiple of 8 (float32) or 4 (float64),
// at least one vector. nbRows: dst = left + right, then dst + m and
// dst + p for each of the nax pairs (m, p) of axes. emRow, baoab1Row, baoab2Row and
// negForceRow: the loops of phi4Step's em/lm update, BAOAB's two passes
// and Model B's mu; k points to a kc.

//go:noescape
func nbRows32(dst, left, right unsafe.Pointer, axes *unsafe.Pointer, nax, n int)

//go:noescape
func nbRows64(dst, left, right unsafe.Pointer, axes *unsafe.Pointer, nax, n int)

//go:noescape
func emRow32(next, phi, nb, xi, k unsafe.Pointer, n int)

//go:noescape
func emRow64(next, phi, nb, xi, k unsafe.Pointer, n int)

//go:noescape
func baoab1Row32(next, mom, phi, nb, xi, k unsafe.Pointer, n int)

//go:noescape
func baoab1Row64(next, mom, phi, nb, xi, k unsafe.Pointer, n int)

//go:noescape
func baoab2Row32(mom, q, nb, k unsafe.Pointer, n int)

//go:noescape
func baoab2Row64(mom, q, nb, k unsafe.Pointer, n int)

//go:noescape
func negForceRow32(mu, phi, nb, k unsafe.Pointer, n int)

//go:noescape
func negForceRow64(mu, phi, nb, k unsafe.Pointer, n int)

// divRow32 and divRow64 are Model B's second pass (next from phi, mu, its
// neighbour sums nb and the link currents): cur points to nax pairs of
// pointers into the currents, each lane's d elements after the lane
// before's.
//
//go:noescape
func divRow32(next, phi, mu, nb, k unsafe.Pointer, cur *unsafe.Pointer, nax, d, n int)

//go:noescape
func divRow64(next, phi, mu, nb, k unsafe.Pointer, cur *unsafe.Pointer, nax, d, n int)

// diffRow32 and diffRow64 are diffusion's update (transfer.go's diffuse):
// out = u + alpha*(nb - z*u), k pointing to z and alpha.
//
//go:noescape
func diffRow32(out, u, nb, k unsafe.Pointer, n int)

//go:noescape
func diffRow64(out, u, nb, k unsafe.Pointer, n int)

// diffRowNT32 and diffRowNT64 are diffRow32 and diffRow64 with
// non-temporal stores (out 32-byte aligned), fenced before they return.
//
//go:noescape
func diffRowNT32(out, u, nb, k unsafe.Pointer, n int)

//go:noescape
func diffRowNT64(out, u, nb, k unsafe.Pointer, n int)
