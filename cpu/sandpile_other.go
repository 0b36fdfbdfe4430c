//go:build !amd64 || purego

package cpu

const havePrefetch = false

// sandPrefetch does nothing without the amd64 assembly.
func sandPrefetch(xs []int64, h *uint8, act *int64, stamp *int32, edge *uint8, s0, s1 int64) {}
