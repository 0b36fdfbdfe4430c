//go:build !amd64 || purego

package cpu

import "unsafe"

func partEMH32(x, xi, k unsafe.Pointer, n int) { panic(noVector) }

func partEMDW32(x, xi, k unsafe.Pointer, n int) { panic(noVector) }

func partBAOABH32(x, v, xi, k unsafe.Pointer, n int) { panic(noVector) }

func partBAOABDW32(x, v, xi, k unsafe.Pointer, n int) { panic(noVector) }

func partEMH64(x, xi, k unsafe.Pointer, n int) { panic(noVector) }

func partEMDW64(x, xi, k unsafe.Pointer, n int) { panic(noVector) }

func partBAOABH64(x, v, xi, k unsafe.Pointer, n int) { panic(noVector) }

func partBAOABDW64(x, v, xi, k unsafe.Pointer, n int) { panic(noVector) }

func kurRow32(x, omega, xi, sn, cs, k, sc unsafe.Pointer, n int) { panic(noVector) }

func kurRow64(x, omega, xi, sn, cs, k, sc unsafe.Pointer, n int) { panic(noVector) }
