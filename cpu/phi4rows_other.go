//go:build !amd64 || purego

package cpu

import "unsafe"

func nbRows32(dst, left, right unsafe.Pointer, axes *unsafe.Pointer, nax, n int) { panic(noVector) }

func nbRows64(dst, left, right unsafe.Pointer, axes *unsafe.Pointer, nax, n int) { panic(noVector) }

func emRow32(next, phi, nb, xi, k unsafe.Pointer, n int) { panic(noVector) }

func emRow64(next, phi, nb, xi, k unsafe.Pointer, n int) { panic(noVector) }

func baoab1Row32(next, mom, phi, nb, xi, k unsafe.Pointer, n int) { panic(noVector) }

func baoab1Row64(next, mom, phi, nb, xi, k unsafe.Pointer, n int) { panic(noVector) }

func baoab2Row32(mom, q, nb, k unsafe.Pointer, n int) { panic(noVector) }

func baoab2Row64(mom, q, nb, k unsafe.Pointer, n int) { panic(noVector) }

func negForceRow32(mu, phi, nb, k unsafe.Pointer, n int) { panic(noVector) }

func negForceRow64(mu, phi, nb, k unsafe.Pointer, n int) { panic(noVector) }

func divRow32(next, phi, mu, nb, k unsafe.Pointer, cur *unsafe.Pointer, nax, d, n int) {
	panic(noVector)
}

func divRow64(next, phi, mu, nb, k unsafe.Pointer, cur *unsafe.Pointer, nax, d, n int) {
	panic(noVector)
}

func diffRow32(out, u, nb, k unsafe.Pointer, n int) { panic(noVector) }

func diffRow64(out, u, nb, k unsafe.Pointer, n int) { panic(noVector) }

func diffRowNT32(out, u, nb, k unsafe.Pointer, n int) { panic(noVector) }

func diffRowNT64(out, u, nb, k unsafe.Pointer, n int) { panic(noVector) }
