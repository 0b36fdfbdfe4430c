//go:build !purego

package cpu

// havePrefetch: sandPrefetch issues prefetches (sandpile_amd64.s).
const havePrefetch = true

// sandPrefetch asks the caches for what the topplings of the sites xs will
// read: h, edge, act and stamp at x and h at x-s0, x+s0, x-s1 and x+s1.
// Prefetches do not fault, so the addresses may lie outside the arrays
// (x-s0 at the first layer); nothing is read or written.
//
//go:noescape
func sandPrefetch(xs []int64, h *uint8, act *int64, stamp *int32, edge *uint8, s0, s1 int64)
