//go:build !amd64 || purego

package cpu

import "unsafe"

var useAVX2 = false

func fieldRows32(st *sumState, x unsafe.Pointer, segs *rowSeg, nseg int) { panic(noVector) }

func fieldRows64(st *sumState, x unsafe.Pointer, segs *rowSeg, nseg int) { panic(noVector) }

func fieldRowsI64(st *sumState, x unsafe.Pointer, segs *rowSeg, nseg int) { panic(noVector) }

func fieldFlat32(st *sumState, x unsafe.Pointer, n int) { panic(noVector) }

func fieldFlat64(st *sumState, x unsafe.Pointer, n int) { panic(noVector) }

func fieldFlatI64(st *sumState, x unsafe.Pointer, n int) { panic(noVector) }

func rotRow(dst *[2]float64, tabC, tabS *[64]float64, sc *[2]float64, t0, n int) {
	panic(noVector)
}

const noVector = "cpu: no vector code"

func fieldFlat32T(acc *[4][4]float64, x unsafe.Pointer, n int) { panic(noVector) }

func fieldFlat64T(acc *[4][4]float64, x unsafe.Pointer, n int) { panic(noVector) }

func fieldLanes32(dst *[4]float64, p *[4]unsafe.Pointer, n int) { panic(noVector) }

func fieldLanes64(dst *[4]float64, p *[4]unsafe.Pointer, n int) { panic(noVector) }

func fieldLanesI64(dst *[4]float64, p *[4]unsafe.Pointer, n int, scale float64) {
	panic(noVector)
}

func fieldQuad2(st *quadState, segs *quadSeg, nseg int) { panic(noVector) }

func fieldQuad3(st *quadState, segs *quadSeg, nseg int) { panic(noVector) }

func fieldQuad1(st *quadState, v *[4]float64, fl *[4]float64, grp *[2][4]float64, tabC, tabS *[64]float64, ngrp int) {
	panic(noVector)
}
