package sim

import (
	"fmt"
	"math/bits"
	"runtime"
	"sync"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/fftpool"
	"github.com/quenchlab/quench/internal/par"
	"github.com/quenchlab/quench/stats"
)

// Profiles: snapshots of a distribution over the lattice taken every
// ProfileInterval steps (grains) of the measured run and averaged over
// those snapshots with error bars (binning and tau_int, like every
// observable). Mass transfer: the single-site distribution P(m) and the
// two-point correlation C(r) along the last axis. Sandpile: the height
// distribution P(h), h = 0..2d-1 (the fraction of sites at each height),
// on the whole lattice and in its central box (quench.CentralBox).

// MassBins is the number of P(m) bins: bin b holds the fraction of sites
// with b/4 <= m/<m> < (b+1)/4, <m> the snapshot's mean mass; the last bin
// also holds everything above.
const MassBins = 40

// LogMassBins is the number of logarithmic P(m) bins, fixed in mass units
// so they serve distributions with power-law tails (aggregation): bin 0
// holds the fraction of empty sites, bin k >= 1 that of masses in
// [2^(k-33), 2^(k-32)), i.e. fixed-point values in [2^(k-1), 2^k); the
// fixed point's range (below 2^62) needs 63 bins.
const LogMassBins = 63

// Offsets of a snapshot row's parts: the step at 0, then P(m) in MassBins
// linear and LogMassBins logarithmic bins, then C(r).
const (
	profLin  = 1
	profLog  = profLin + MassBins
	profCorr = profLog + LogMassBins
)

// ProfileTarget is the number of snapshots the automatic interval aims for
// on lattices of up to profileBigLattice sites: enough for 50 error bins of
// 20 snapshots, so that errors are marked reliable for tau_int up to 1.
// Above, where one snapshot already averages over many sites and costs
// hundreds of GPU steps, it aims for proportionally fewer, at least
// profileMinTarget.
//
// The snapshots of a run also hold at most about profileValueBudget values
// (profiles.csv, the checkpoint): a 1D ring's snapshot carries up to 32769
// C(r) values, so long rings get fewer snapshots (still at least 20).
//
// A sandpile snapshot only counts heights (the CPU backend about 1.3 sites
// a ns on 2 cores, a GPU far more), so piles aim for ProfileTarget
// snapshots as long as their whole-lattice counts take at most
// sandpileCountBudget sites in all (the central box adds at most half as
// many again; above about 10^6 sites fewer snapshots, at least
// profileMinTarget): a cold 4096^2 pile's first 20000 grains spent 25 of
// 31 s on 1000 snapshots.
const (
	ProfileTarget       = 1000
	sandpileCountBudget = 1 << 30
	profileBigLattice   = 1 << 18
	profileMinTarget    = 20
	profileValueBudget  = 1 << 22
)

// ProfileInterval is the number of steps between profile snapshots:
// ProfileEvery, or when that is 0 (validation replaces it by this value, so
// extending a run keeps its spacing) Sweeps divided by the target count
// (see ProfileTarget), rounded up. ProfileNone (-1) takes none.
func (c *Config) ProfileInterval() int64 {
	if c.ProfileEvery != 0 {
		return c.ProfileEvery
	}
	target := int64(ProfileTarget)
	switch n := c.Lattice().Sites(); {
	case IsMass(c.Model) && n > profileBigLattice:
		target = max(profileMinTarget, ProfileTarget*profileBigLattice/n)
	case c.Model == "sandpile" && target*n > sandpileCountBudget:
		target = max(profileMinTarget, sandpileCountBudget/n)
	}
	if w := int64(c.ProfileWidth()); target*w > profileValueBudget {
		target = max(profileMinTarget, profileValueBudget/w)
	}
	return max(1, (c.Sweeps+target-1)/target)
}

// ProfileNone as --profile-every takes no profile snapshots.
const ProfileNone = -1

// profiledAt reports whether a profile snapshot follows step (1-based).
func (c *Config) profiledAt(step int64) bool {
	return profilesUpTo(c, step) > profilesUpTo(c, step-1)
}

// profilesUpTo counts the profile snapshots taken in steps 1..step.
func profilesUpTo(c *Config, step int64) int64 {
	if !HasProfiles(c.Model) || step <= c.Therm || c.ProfileInterval() < 1 {
		return 0
	}
	return (min(step, c.TotalSweeps()) - c.Therm) / c.ProfileInterval()
}

// Profiles is the number of snapshots a complete run takes.
func (c *Config) Profiles() int64 { return profilesUpTo(c, c.TotalSweeps()) }

// ProfileWidth is the length of a snapshot row: the step, MassBins and
// LogMassBins fractions, and C(r) for r = 0 .. min(lx/2, profileMaxLag),
// lx the last extent; for the sandpile the step and the 2d height
// fractions of the whole lattice, then of its central box.
func (c *Config) ProfileWidth() int {
	if c.Model == "sandpile" {
		return 1 + 2*quench.SandpileThreshold(len(c.Shape))
	}
	return profCorr + c.profileLag() + 1
}

func (c *Config) profileLag() int { return newProfilePlan(c.Shape[len(c.Shape)-1]).lag }

// ProfileColumns names a snapshot row's columns (profiles.csv).
func (c *Config) ProfileColumns() []string {
	cols := []string{"step"}
	if c.Model == "sandpile" {
		for _, prefix := range []string{"h", "center_h"} {
			for h := range quench.SandpileThreshold(len(c.Shape)) {
				cols = append(cols, fmt.Sprintf("%s%d", prefix, h))
			}
		}
		return cols
	}
	for b := range MassBins {
		cols = append(cols, fmt.Sprintf("p%d", b))
	}
	for b := range LogMassBins {
		cols = append(cols, fmt.Sprintf("l%d", b))
	}
	for r := 0; r <= c.profileLag(); r++ {
		cols = append(cols, fmt.Sprintf("c%d", r))
	}
	return cols
}

// validateProfiles checks --profile-every and fixes the automatic
// interval.
func (c *Config) validateProfiles() error {
	if c.ProfileEvery < ProfileNone || c.ProfileEvery > c.Sweeps {
		return quench.Usagef("--profile-every %d is not allowed: use 1 to --%s %d, 0 (about %d snapshots) or -1 (none)", c.ProfileEvery, c.StepUnit(), c.Sweeps, ProfileTarget)
	}
	c.ProfileEvery = c.ProfileInterval()
	return nil
}

// profileChunks is the most chunks a snapshot's rows (or row segments) are
// split into; the chunks' spectra are added in chunk order, so the result
// does not depend on how many goroutines run them.
const profileChunks = 64

// Rows longer than profileLongRow (1D lattices) are cut into segments, and
// C(r) is kept for r up to profileMaxLag: a snapshot row stays short and
// every core works on the one long row. Variables so tests can lower them.
var (
	profileLongRow = 1 << 16
	profileMaxLag  = 1 << 15
)

// profilePlan is how a snapshot transforms rows of lx sites: C(r) for r up
// to lag; segs segments of seg sites per row, each transformed with an FFT
// of length m. Short rows are one segment, transformed whole (circularly,
// or zero padded when m != lx); long rows' segments are correlated with
// themselves extended by lag sites, zero padded so nothing wraps.
type profilePlan struct {
	lx, lag, m, seg, segs int
	long                  bool
}

func newProfilePlan(lx int) profilePlan {
	p := profilePlan{lx: lx, lag: min(lx/2, profileMaxLag)}
	if lx <= profileLongRow {
		p.m, p.seg, p.segs = fftLength(lx), lx, 1
		return p
	}
	p.long, p.m = true, 1
	for p.m < 4*p.lag {
		p.m <<= 1
	}
	p.seg = p.m - p.lag
	p.segs = (lx + p.seg - 1) / p.seg
	return p
}

// fftLength is the FFT length used for short rows of length lx: lx itself
// when its only prime factors are 2, 3 and 5 (fast in gonum's FFTPACK),
// otherwise a power of two of at least 2 lx, the row zero padded (a linear
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

// profileBytes is perValue bytes for every value of every snapshot of a
// complete run, saturating at 2^62 (2^48 steps of wide rows would overflow).
func (c *Config) profileBytes(perValue float64) uint64 {
	return uint64(min(float64(c.Profiles())*float64(c.ProfileWidth())*perValue, 1<<62))
}

// profileWorkBytes is the host memory a snapshot of n sites in rows of lx
// uses beyond the state: each chunk's spectrum (16 bytes per coefficient);
// per running chunk its two padded segments (8 m each), their transforms
// (16 (m/2+1) each) and its FFT (gonum keeps 24 m bytes of tables and work);
// and the final inverse transform (its FFT and the correlation, 32 m).
func profileWorkBytes(n int64, lx int) uint64 {
	p := newProfilePlan(lx)
	m := uint64(p.m)
	chunks := uint64(min(n/int64(lx)*int64(p.segs), profileChunks))
	running := min(chunks, uint64(runtime.GOMAXPROCS(0)))
	return chunks*16*(m/2+1) + running*(16*m+32*(m/2+1)+24*m) + 32*m
}

// MassProfile computes one snapshot row of fixed-point masses on rows of
// length lx (the last axis): the step, P(m) (MassBins fractions, bins of
// width <m>/4, then LogMassBins fractions in bins of powers of two) and C(r) = <m_x m_{x+r}> - <m>^2 for r = 0 .. min(lx/2,
// profileMaxLag), the average over every site x with x+r taken periodically
// along its row. C(r) comes from FFTs (gonum) of the fluctuations m - <m>,
// so no cancellation against <m>^2 is left: the rows' power spectra, or for
// long rows the segments' cross spectra with their extensions. The result
// depends only on the masses, never on the number of goroutines.
func MassProfile(masses []int64, lx int, step int64) []float64 {
	n := len(masses)
	// the total mass is exact in int64 (validateMass keeps it below 2^62)
	part := (n + profileChunks - 1) / profileChunks
	totals := make([]int64, (n+part-1)/part)
	par.Chunks(n, part, func(lo, hi int) {
		for _, v := range masses[lo:hi] {
			totals[lo/part] += v
		}
	})
	var total int64
	for _, t := range totals {
		total += t
	}
	mean := float64(total) / quench.MassUnit / float64(n)
	d := func(i int) float64 { return float64(masses[i])/quench.MassUnit - mean }

	p := newProfilePlan(lx)
	items := n / lx * p.segs
	chunk := (items + profileChunks - 1) / profileChunks
	nchunks := (items + chunk - 1) / chunk
	hists := make([][MassBins + LogMassBins]int64, nchunks)
	ns := p.m/2 + 1
	slab := getSpecs(nchunks * ns)
	defer specPool.Put(slab)
	par.Do(nchunks, func(c int) {
		fft := fftpool.Get(p.m)
		defer fftpool.Put(fft)
		w := getProfileScratch(p.m)
		defer profileScratchPool.Put(w)
		a, b, ca, cb := w.a, w.b, w.ca, w.cb // a and b zero beyond the data
		spec := (*slab)[c*ns : (c+1)*ns]
		h := &hists[c]
		for it := c * chunk; it < min((c+1)*chunk, items); it++ {
			row, s0 := it/p.segs*lx, it%p.segs*p.seg
			size := min(p.seg, lx-s0)
			if size < p.seg {
				// a long row's last segment: no stale values in a (b's
				// beyond size+lag meet only these zeros)
				clear(a[size:p.seg])
			}
			for x, v := range masses[row+s0 : row+s0+size] {
				mx := float64(v) / quench.MassUnit
				h[massBin(mx, mean)]++
				h[MassBins+bits.Len64(uint64(v))]++
				a[x] = mx - mean
			}
			fft.Coefficients(ca, a)
			if !p.long {
				for k, z := range ca {
					spec[k] += complex(real(z)*real(z)+imag(z)*imag(z), 0)
				}
				continue
			}
			for x := range size + p.lag {
				b[x] = d(row + (s0+x)%lx)
			}
			fft.Coefficients(cb, b)
			for k := range spec {
				spec[k] += complex(real(ca[k]), -imag(ca[k])) * cb[k]
			}
		}
	})
	// the chunks' spectra, added in chunk order into the first
	spec := (*slab)[:ns]
	for c := 1; c < nchunks; c++ {
		s := (*slab)[c*ns : (c+1)*ns]
		for k, v := range s {
			spec[k] += v
		}
	}
	// the inverse transform of the summed spectrum is m times the summed
	// correlation (circular of length m)
	inv := fftpool.Get(p.m)
	acf := inv.Sequence(nil, spec)
	fftpool.Put(inv)
	out := make([]float64, 0, profCorr+p.lag+1)
	out = append(out, float64(step))
	var hist [MassBins + LogMassBins]int64
	for _, h := range hists {
		for b, k := range h {
			hist[b] += k
		}
	}
	for _, k := range hist {
		out = append(out, float64(k)/float64(n))
	}
	for r := 0; r <= p.lag; r++ {
		c := acf[r]
		if !p.long && p.m != lx && r > 0 {
			// a padded row: the circular correlation at r is the linear
			// one at r plus the linear one at lx - r
			c += acf[lx-r]
		}
		out = append(out, c/float64(p.m)/float64(n))
	}
	return out
}

// profileScratch is a snapshot chunk's work space for FFTs of length m
// (MassProfile): the rows' segments a and b, zero beyond their data, and
// their transforms. Pooled, as the chunks' spectra are (specPool): made
// anew for each of a snapshot's 64 chunks they were garbage that let a
// 4096^2 transfer run's heap outgrow its memory estimate by 5%.
type profileScratch struct {
	a, b   []float64
	ca, cb []complex128
}

var (
	profileScratchPool sync.Pool // *profileScratch
	specPool           sync.Pool // *[]complex128
)

// getProfileScratch is a profileScratch for length m from the pool, or a
// new one, its a and b cleared.
func getProfileScratch(m int) *profileScratch {
	w, _ := profileScratchPool.Get().(*profileScratch)
	if w == nil || len(w.a) != m {
		return &profileScratch{a: make([]float64, m), b: make([]float64, m), ca: make([]complex128, m/2+1), cb: make([]complex128, m/2+1)}
	}
	clear(w.a)
	clear(w.b)
	return w
}

// getSpecs is n zero spectrum coefficients from the pool, or new ones.
func getSpecs(n int) *[]complex128 {
	s, _ := specPool.Get().(*[]complex128)
	if s == nil || len(*s) != n {
		z := make([]complex128, n)
		return &z
	}
	clear(*s)
	return s
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
	return stats.SeriesEach(n, func(j int) []float64 {
		x := make([]float64, len(rows))
		for i, r := range rows {
			x[i] = r[from+j]
		}
		return x
	})
}
