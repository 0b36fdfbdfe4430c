package sim

import (
	"fmt"

	"gonum.org/v1/gonum/dsp/fourier"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/par"
	"github.com/quenchlab/quench/stats"
)

// Mass-transfer profiles: the single-site distribution P(m) and the
// two-point correlation C(r) along the last axis, taken from the state every
// ProfileInterval steps of the measured run and averaged over those
// snapshots with error bars (binning and tau_int, like every observable).

// MassBins is the number of P(m) bins: bin b holds the fraction of sites
// with b/4 <= m/<m> < (b+1)/4, <m> the snapshot's mean mass; the last bin
// also holds everything above.
const MassBins = 40

// ProfileTarget is the number of snapshots the automatic interval aims for.
const ProfileTarget = 100

// ProfileInterval is the number of steps between profile snapshots:
// ProfileEvery, or when that is 0, Sweeps/ProfileTarget (at least 1).
func (c *Config) ProfileInterval() int64 {
	if c.ProfileEvery > 0 {
		return c.ProfileEvery
	}
	return max(1, c.Sweeps/ProfileTarget)
}

// profiledAt reports whether a profile snapshot follows step (1-based).
func (c *Config) profiledAt(step int64) bool {
	return IsMass(c.Model) && step > c.Therm && (step-c.Therm)%c.ProfileInterval() == 0
}

// profilesUpTo counts the profile snapshots taken in steps 1..step.
func profilesUpTo(c *Config, step int64) int64 {
	if !IsMass(c.Model) || step <= c.Therm {
		return 0
	}
	return (min(step, c.TotalSweeps()) - c.Therm) / c.ProfileInterval()
}

// Profiles is the number of snapshots a complete run takes.
func (c *Config) Profiles() int64 { return profilesUpTo(c, c.TotalSweeps()) }

// ProfileWidth is the length of a snapshot row: the step, MassBins
// fractions, and C(r) for r = 0 .. lx/2 (lx the last extent).
func (c *Config) ProfileWidth() int {
	return 1 + MassBins + c.Shape[len(c.Shape)-1]/2 + 1
}

// ProfileColumns names a snapshot row's columns (profiles.csv).
func (c *Config) ProfileColumns() []string {
	cols := []string{"step"}
	for b := range MassBins {
		cols = append(cols, fmt.Sprintf("p%d", b))
	}
	for r := 0; r <= c.Shape[len(c.Shape)-1]/2; r++ {
		cols = append(cols, fmt.Sprintf("c%d", r))
	}
	return cols
}

// validateProfiles checks --profile-every.
func (c *Config) validateProfiles() error {
	if c.ProfileEvery < 0 || c.ProfileEvery > c.Sweeps {
		return quench.Usagef("--profile-every %d is not allowed: use 0 (about %d snapshots) or 1 to --steps %d", c.ProfileEvery, ProfileTarget, c.Sweeps)
	}
	return nil
}

// profileChunks is the number of row chunks a snapshot is split into; the
// chunks' power spectra are added in chunk order, so the result does not
// depend on how many goroutines run them.
const profileChunks = 64

// fftLength is the FFT length used for rows of length lx: lx itself when
// its only prime factors are 2, 3 and 5 (fast in gonum's FFTPACK), otherwise
// a power of two of at least 2 lx, the row zero padded (a linear
// correlation, folded into the circular one).
func fftLength(lx int) int {
	n := lx
	for _, p := range []int{2, 3, 5} {
		for n%p == 0 {
			n /= p
		}
	}
	if n == 1 {
		return lx
	}
	m := 1
	for m < 2*lx {
		m <<= 1
	}
	return m
}

// profileWorkBytes is the host memory a snapshot of n sites in rows of lx
// uses beyond the state: each chunk's power spectrum, and per running chunk
// its row, coefficients and FFT tables.
func profileWorkBytes(n int64, lx int) uint64 {
	m := uint64(fftLength(lx))
	chunks := uint64(min(n/int64(lx), profileChunks))
	return chunks * (8*(m/2+1) + 8*m + 16*(m/2+1) + 16*m)
}

// MassProfile computes one snapshot row of fixed-point masses on rows of
// length lx (the last axis): the step, P(m) (MassBins fractions, bins of
// width <m>/4) and C(r) = <m_x m_{x+r}> - <m>^2 for r = 0 .. lx/2, the
// average over every site x with x+r taken periodically along its row.
// C(r) comes from the rows' power spectra (gonum's FFT), the fluctuations
// m - <m> transformed so that no cancellation against <m>^2 is left. The
// result depends only on the masses, never on the number of goroutines.
func MassProfile(masses []int64, lx int, step int64) []float64 {
	n := len(masses)
	rows := n / lx
	chunk := (rows + profileChunks - 1) / profileChunks
	nchunks := (rows + chunk - 1) / chunk
	// the total mass is exact in int64 (validateMass keeps it below 2^62)
	totals := make([]int64, nchunks)
	par.Do(nchunks, func(c int) {
		var s int64
		for _, v := range masses[c*chunk*lx : min((c+1)*chunk, rows)*lx] {
			s += v
		}
		totals[c] = s
	})
	var total int64
	for _, t := range totals {
		total += t
	}
	mean := float64(total) / quench.MassUnit / float64(n)
	m := fftLength(lx)
	hists := make([][MassBins]int64, nchunks)
	powers := make([][]float64, nchunks)
	par.Do(nchunks, func(c int) {
		fft := fourier.NewFFT(m)
		seq := make([]float64, m) // zero beyond lx when padded
		coef := make([]complex128, m/2+1)
		power := make([]float64, m/2+1)
		h := &hists[c]
		for row := c * chunk; row < min((c+1)*chunk, rows); row++ {
			for x, v := range masses[row*lx : (row+1)*lx] {
				mx := float64(v) / quench.MassUnit
				h[massBin(mx, mean)]++
				seq[x] = mx - mean
			}
			fft.Coefficients(coef, seq)
			for k, z := range coef {
				power[k] += real(z)*real(z) + imag(z)*imag(z)
			}
		}
		powers[c] = power
	})
	power := powers[0]
	for _, p := range powers[1:] {
		for k, v := range p {
			power[k] += v
		}
	}
	// the inverse transform of the summed power is m times the summed
	// (circular, of length m) autocorrelation of the rows
	spec := make([]complex128, len(power))
	for k, v := range power {
		spec[k] = complex(v, 0)
	}
	acf := fourier.NewFFT(m).Sequence(nil, spec)
	out := make([]float64, 0, 1+MassBins+lx/2+1)
	out = append(out, float64(step))
	var hist [MassBins]int64
	for _, h := range hists {
		for b, k := range h {
			hist[b] += k
		}
	}
	for _, k := range hist {
		out = append(out, float64(k)/float64(n))
	}
	for r := 0; r <= lx/2; r++ {
		c := acf[r]
		if m != lx && r > 0 {
			// padded: the circular correlation at r is the linear one at
			// r plus the linear one at lx - r
			c += acf[lx-r]
		}
		out = append(out, c/float64(m)/float64(n))
	}
	return out
}

// massBin is the P(m) bin of mass mx when the mean is mean.
func massBin(mx, mean float64) int {
	if !(mean > 0) {
		return 0 // every mass is zero
	}
	q := mx / mean * 4
	if q >= MassBins-1 {
		return MassBins - 1
	}
	return int(q)
}

// profileEstimates averages the snapshot rows column by column.
func profileEstimates(rows [][]float64, from, n int) []stats.Estimate {
	out := make([]stats.Estimate, n)
	x := make([]float64, len(rows))
	for j := range out {
		for i, r := range rows {
			x[i] = r[from+j]
		}
		out[j] = stats.Series(x)
	}
	return out
}
