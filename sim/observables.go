package sim

import (
	"math"

	"github.com/quenchlab/quench/stats"
)

// Sample is one Ising measurement: exact integer sums at a sweep.
type Sample struct {
	Sweep int64 // sweeps done when measured (thermalization included)
	Mag   int64
	Bond  int64
}

// Row is a sample converted to per-site observables.
type Row struct {
	Sweep                            int64
	Energy, M, AbsM, M2, M4, Energy2 float64
}

// Rows converts samples (Row).
func (c *Config) Rows(samples []Sample) []Row {
	out := make([]Row, len(samples))
	for i, s := range samples {
		out[i] = c.Row(s)
	}
	return out
}

// Row converts one sample: m = M/N, e = (-J*B - h*M)/N.
func (c *Config) Row(s Sample) Row {
	n := float64(c.Lattice().Sites())
	m := float64(s.Mag) / n
	e := (-c.J*float64(s.Bond) - c.H*float64(s.Mag)) / n
	m2 := m * m
	return Row{Sweep: s.Sweep, Energy: e, M: m, AbsM: math.Abs(m), M2: m2, M4: m2 * m2, Energy2: e * e}
}

// Observable names in summary.json, in table order.
var ObservableNames = []string{
	"energy", "magnetization", "abs_magnetization", "m2", "m4",
	"specific_heat", "susceptibility", "susceptibility_connected", "binder",
}

// Observables estimates every observable from the samples: means with
// binning errors, derived quantities with jackknife errors, all with tau_int.
//
//	specific_heat            = N beta^2 (<e^2> - <e>^2)
//	susceptibility           = N beta <m^2>
//	susceptibility_connected = N beta (<m^2> - <|m|>^2)
//	binder                   = 1 - <m^4> / (3 <m^2>^2)
func (c *Config) Observables(samples []Sample) map[string]stats.Estimate {
	rows := c.Rows(samples)
	col := func(f func(r Row) float64) []float64 {
		x := make([]float64, len(rows))
		for i, r := range rows {
			x[i] = f(r)
		}
		return x
	}
	e := col(func(r Row) float64 { return r.Energy })
	e2 := col(func(r Row) float64 { return r.Energy2 })
	m := col(func(r Row) float64 { return r.M })
	am := col(func(r Row) float64 { return r.AbsM })
	m2 := col(func(r Row) float64 { return r.M2 })
	m4 := col(func(r Row) float64 { return r.M4 })
	n := float64(c.Lattice().Sites())
	b := c.Beta
	var jobs stats.Batch
	jobs.Series("energy", e)
	jobs.Series("magnetization", m)
	jobs.Series("abs_magnetization", am)
	jobs.Series("m2", m2)
	jobs.Series("m4", m4)
	jobs.Add("specific_heat", func() stats.Estimate {
		return stats.Derived([][]float64{e, e2}, func(v []float64) float64 { return n * b * b * (v[1] - v[0]*v[0]) })
	})
	jobs.Add("susceptibility", func() stats.Estimate {
		return stats.Derived([][]float64{m2}, func(v []float64) float64 { return n * b * v[0] })
	})
	jobs.Add("susceptibility_connected", func() stats.Estimate {
		return stats.Derived([][]float64{am, m2}, func(v []float64) float64 { return n * b * (v[1] - v[0]*v[0]) })
	})
	jobs.Add("binder", func() stats.Estimate {
		return stats.Derived([][]float64{m2, m4}, func(v []float64) float64 { return 1 - v[1]/(3*v[0]*v[0]) })
	})
	return jobs.Run()
}
