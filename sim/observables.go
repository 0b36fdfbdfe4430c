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
	Stag  int64 // staggered sum (quench.IsingSums.Stag)
	// Modes holds |M(k)|^2 at the smallest wave vector along each axis
	// (quench.ModeTable.Modes; the structure factor S_k times V), where the
	// run measures them (State.Modes): else, and past the lattice's axes,
	// 0
	Modes [3]float64
}

// Row is a sample converted to per-site observables.
type Row struct {
	Sweep                            int64
	Energy, M, AbsM, M2, M4, Energy2 float64
	MS                               float64 // staggered magnetization
}

// Rows converts samples (Row).
func (c *Config) Rows(samples []Sample) []Row {
	out := make([]Row, len(samples))
	for i, s := range samples {
		out[i] = c.Row(s)
	}
	return out
}

// Row converts one sample: m = M/N, e = (-J*B - h*M)/N, m_s = S/N.
func (c *Config) Row(s Sample) Row {
	n := float64(c.Lattice().Sites())
	m := float64(s.Mag) / n
	e := (float64(-c.J*float64(s.Bond)) - float64(c.H*float64(s.Mag))) / n
	m2 := m * m
	return Row{Sweep: s.Sweep, Energy: e, M: m, AbsM: math.Abs(m), M2: m2, M4: m2 * m2, Energy2: e * e, MS: float64(s.Stag) / n}
}

// Observable names in summary.json, in table order.
var ObservableNames = []string{
	"energy", "magnetization", "abs_magnetization", "m2", "m4",
	"specific_heat", "susceptibility", "susceptibility_connected", "binder",
}

// FieldResponse is the Ising models' response to a field h != 0,
// dm/dh = N beta (<m^2> - <m>^2): where <m> is not 0 the zero-field
// susceptibility N beta <m^2> is not it, nor is susceptibility_connected
// where m changes sign (an antiferromagnet's small uniform m).
const FieldResponse = "dm_dh"

// StaggeredNames are the staggered magnetization's observables, the
// antiferromagnet's counterparts of the magnetization's (m_s = N^-1 sum_i
// (-1)^(x_1+...+x_d) s_i).
var StaggeredNames = []string{
	"staggered_magnetization", "abs_staggered_magnetization", "staggered_m2", "staggered_m4",
	"staggered_susceptibility", "staggered_susceptibility_connected", "staggered_binder",
}

// ModeNames are the Ising observables of the samples' Modes: the
// structure factor S_k<a> = |M(k)|^2 / N at the smallest wave vector
// along each axis a, and the second-moment correlation length
// (correlationLength of S(0) = N <m^2> and the axes' S_k); for an
// antiferromagnet the staggered spins' (staggered_S_k<a>,
// staggered_correlation_length: modePrefix), whose M(k) is the spins'
// M(k + (pi, ..., pi)) and S(0) N <m_s^2>.
func (c *Config) ModeNames() []string {
	d := len(c.Shape)
	names := make([]string, 0, d+1)
	for a := range d {
		names = append(names, c.modePrefix()+skName(a))
	}
	return append(names, c.XiName())
}

// Observables estimates every observable from the samples: means with
// binning errors, derived quantities with jackknife errors, all with tau_int.
// stag adds the staggered magnetization's (StaggeredNames), defined as the
// magnetization's with m_s for m; modes the structure factors and the
// correlation length (ModeNames: an antiferromagnet's, the staggered
// spins', need stag).
//
//	specific_heat            = N beta^2 (<e^2> - <e>^2)
//	susceptibility           = N beta <m^2>
//	susceptibility_connected = N beta (<m^2> - <|m|>^2)
//	dm_dh                    = N beta (<m^2> - <m>^2), in a field only
//	binder                   = 1 - <m^4> / (3 <m^2>^2)
//	correlation_length       = sqrt(N <m^2> / F - 1) / (2 sin(pi/L)), F the axes' mean <S_k>
func (c *Config) Observables(samples []Sample, stag, modes bool) map[string]stats.Estimate {
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
	n := float64(c.Lattice().Sites())
	b := c.Beta
	var jobs stats.Batch
	jobs.Series("energy", e)
	jobs.Derived("specific_heat", [][]float64{e, e2}, func(v []float64) float64 { return n * b * b * (v[1] - v[0]*v[0]) })
	// order adds the observables of an order parameter with the given names
	// (the order of ObservableNames and StaggeredNames, energy terms left out)
	order := func(names []string, m []float64) {
		am, m2, m4 := make([]float64, len(m)), make([]float64, len(m)), make([]float64, len(m))
		for i, v := range m {
			am[i], m2[i] = math.Abs(v), v*v
			m4[i] = m2[i] * m2[i]
		}
		jobs.Series(names[0], m)
		jobs.Series(names[1], am)
		jobs.Series(names[2], m2)
		jobs.Series(names[3], m4)
		jobs.Derived(names[4], [][]float64{m2}, func(v []float64) float64 { return n * b * v[0] })
		jobs.Derived(names[5], [][]float64{am, m2}, func(v []float64) float64 { return n * b * (v[1] - v[0]*v[0]) })
		jobs.Derived(names[6], [][]float64{m2, m4}, func(v []float64) float64 { return 1 - v[1]/(3*v[0]*v[0]) })
	}
	m := col(func(r Row) float64 { return r.M })
	order([]string{"magnetization", "abs_magnetization", "m2", "m4", "susceptibility", "susceptibility_connected", "binder"}, m)
	if !c.NoField() {
		// the response to the field, which the zero-field forms above are
		// not once <m> is not 0 (an audit rebuilt it from series.csv)
		m2 := col(func(r Row) float64 { return r.M2 })
		jobs.Derived(FieldResponse, [][]float64{m, m2}, func(v []float64) float64 { return n * b * (v[1] - v[0]*v[0]) })
	}
	if stag {
		order(StaggeredNames, col(func(r Row) float64 { return r.MS }))
	}
	if modes {
		names := c.ModeNames()
		sk := make([][]float64, len(c.Shape))
		for a := range sk {
			sk[a] = make([]float64, len(samples))
			for i, s := range samples {
				sk[a][i] = s.Modes[a] / n
			}
			jobs.Series(names[a], sk[a])
		}
		m2 := col(func(r Row) float64 { return r.M2 })
		if c.modePrefix() != "" {
			m2 = col(func(r Row) float64 { return r.MS * r.MS })
		}
		c.deriveCorrelationLength(&jobs, m2, sk)
	}
	return jobs.Run()
}
