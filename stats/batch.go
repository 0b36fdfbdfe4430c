package stats

import "github.com/quenchlab/quench/internal/par"

// Batch collects named estimates to compute side by side: long series
// take seconds each (binning, the window search, an FFT), and they are
// independent. Each estimate is computed exactly as alone, so the results
// do not depend on the number of goroutines.
type Batch struct {
	names []string
	jobs  []func() Estimate
}

// Add queues the estimate f under name (a later Add of the same name wins).
func (b *Batch) Add(name string, f func() Estimate) {
	b.names = append(b.names, name)
	b.jobs = append(b.jobs, f)
}

// Series queues Series(x) under name.
func (b *Batch) Series(name string, x []float64) { b.Add(name, func() Estimate { return Series(x) }) }

// MaxParallel is how many estimates a Batch or SeriesEach computes at
// once: each may take an FFT of its series (tens of bytes a measurement),
// so on a 16-core host a phi4 run's 13 columns at once had taken 700
// bytes a measurement, over twice what the memory check counted.
const MaxParallel = 2

// Run computes every queued estimate, up to MaxParallel at once.
func (b *Batch) Run() map[string]Estimate {
	res := make([]Estimate, len(b.jobs))
	par.DoAtMost(MaxParallel, len(b.jobs), func(i int) { res[i] = b.jobs[i]() })
	out := make(map[string]Estimate, len(res))
	for i, name := range b.names {
		out[name] = res[i]
	}
	return out
}

// SeriesEach returns Series of each of n series, series(j) giving the j-th
// (called on the goroutine that estimates it, so it may build the series).
func SeriesEach(n int, series func(j int) []float64) []Estimate {
	out := make([]Estimate, n)
	par.DoAtMost(MaxParallel, n, func(j int) { out[j] = Series(series(j)) })
	return out
}
