package stats

import (
	"sync"

	"github.com/quenchlab/quench/internal/par"
)

// Batch collects named estimates to compute side by side: long series
// take seconds each (binning, the window search, an FFT), and they are
// independent. Each estimate is computed exactly as alone, so the results
// do not depend on the number of goroutines.
//
// The series given to Series and Derived are the batch's inputs: one
// that several estimates take (a series estimated itself and as an input
// of derived quantities) has its tau_int computed once for all of them.
// Inputs must not change until Run returns.
type Batch struct {
	names  []string
	jobs   []func(t *taus) Estimate
	inputs [][]float64
}

// Add queues the estimate f under name (a later Add of the same name wins).
func (b *Batch) Add(name string, f func() Estimate) {
	b.add(name, func(*taus) Estimate { return f() })
}

func (b *Batch) add(name string, f func(t *taus) Estimate, inputs ...[]float64) {
	b.names = append(b.names, name)
	b.jobs = append(b.jobs, f)
	b.inputs = append(b.inputs, inputs...)
}

// Series queues Series(x) under name.
func (b *Batch) Series(name string, x []float64) {
	b.add(name, func(t *taus) Estimate { return series(x, t) }, x)
}

// BoundedSum queues BoundedSum(x, about): the mean of a series whose
// partial sums about about stay bounded.
func (b *Batch) BoundedSum(name string, x []float64, about float64) {
	b.Add(name, func() Estimate { return BoundedSum(x, about) })
}

// Derived queues Derived(xs, f) under name.
func (b *Batch) Derived(name string, xs [][]float64, f func(means []float64) float64) {
	b.add(name, func(t *taus) Estimate { return derived(xs, f, t) }, xs...)
}

// MaxParallel is how many estimates a Batch or SeriesEach computes at
// once: each may take an FFT of its series (tens of bytes a measurement),
// so on a 16-core host a phi4 run's 13 columns at once had taken 700
// bytes a measurement, over twice what the memory check counted.
const MaxParallel = 2

// Run computes every queued estimate, up to MaxParallel at once.
func (b *Batch) Run() map[string]Estimate {
	t := newTaus(b.inputs)
	res := make([]Estimate, len(b.jobs))
	par.DoAtMost(MaxParallel, len(b.jobs), func(i int) { res[i] = b.jobs[i](t) })
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

// taus holds TauInt of each of a batch's inputs, computed by the first
// estimate that needs it (the others wait for it). The map is complete
// before the estimates start and only read by them. A nil *taus computes
// every TauInt.
type taus struct {
	m map[seriesKey]*tauOnce
}

// seriesKey is a series: its first element and length (the same backing
// array and length are the same numbers while a batch runs).
type seriesKey struct {
	p *float64
	n int
}

type tauOnce struct {
	once sync.Once
	r    tauResult
}

func newTaus(inputs [][]float64) *taus {
	t := &taus{m: make(map[seriesKey]*tauOnce)}
	for _, x := range inputs {
		if len(x) > 0 {
			k := seriesKey{&x[0], len(x)}
			if t.m[k] == nil {
				t.m[k] = new(tauOnce)
			}
		}
	}
	return t
}

// tauInt is tauEstimate(x), once per input of t.
func (t *taus) tauInt(x []float64) tauResult {
	if t == nil || len(x) == 0 {
		return tauEstimate(x)
	}
	e := t.m[seriesKey{&x[0], len(x)}]
	if e == nil {
		return tauEstimate(x)
	}
	e.once.Do(func() { e.r = tauEstimate(x) })
	return e.r
}
