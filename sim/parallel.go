package sim

import "github.com/quenchlab/quench/internal/par"

// rangeChunk is the length of the chunks parallelRange hands out.
const rangeChunk = 1 << 16

// parallelRange calls f(lo, hi) for consecutive chunks of [0, n) of
// rangeChunk elements (an even number) on up to GOMAXPROCS goroutines
// (par.Chunks): for host loops over a whole state (initial values,
// precision conversions) whose elements are independent, so the result does
// not depend on the goroutines.
func parallelRange(n int, f func(lo, hi int)) { par.Chunks(n, rangeChunk, f) }
