//go:build !amd64 || purego

package philox

var useAVX2, useAVX512 = false, false

func fillGroups8(dst *byte, blocks int, c0 uint32, t *consts8) { panic("philox: no vector code") }

func word0s8(dst, w0 *uint32, blocks int, t *consts8) { panic("philox: no vector code") }

func fillGroups8v(dst *byte, blocks int, c0 uint32, t *consts8) { panic("philox: no vector code") }

func word0s8v(dst, w0 *uint32, blocks int, t *consts8) { panic("philox: no vector code") }
