package bench

import (
	"time"

	"github.com/quenchlab/quench"
)

// Sandpile is a sandpile benchmark in the stationary state: the lattice
// starts from an exact sample of it (quench.SandpileStationary, seed 1), so
// its grains cause the avalanches of the critical state from the first one;
// Measure reports topplings per ns.
type Sandpile struct {
	be    quench.Backend
	lat   quench.Lattice
	s     *quench.Sandpile
	grain uint64
	// Budget, when positive, ends Measure after the first grain that
	// finishes past it: avalanche sizes are heavy-tailed, so a fixed
	// number of grains takes an unpredictable time.
	Budget time.Duration
	// MeanHeight is the mean height of the starting sample.
	MeanHeight float64
}

// NewSandpile allocates and fills the lattice.
func NewSandpile(be quench.Backend, shape []int) (*Sandpile, error) {
	lat, err := quench.NewLattice(shape...)
	if err != nil {
		return nil, err
	}
	h, err := quench.SandpileStationary(lat, quench.Counter{Seed: 1})
	if err != nil {
		return nil, err
	}
	return NewSandpileFrom(be, lat, h)
}

// NewSandpileFrom allocates the lattice and starts it from heights h (as
// NewSandpile's stationary sample, made once for several piles).
func NewSandpileFrom(be quench.Backend, lat quench.Lattice, h []uint8) (*Sandpile, error) {
	b := &Sandpile{be: be, lat: lat, s: &quench.Sandpile{}}
	var err error
	n := lat.Sites()
	if b.s.Heights, err = be.Alloc(quench.Uint8, n); err != nil {
		return nil, err
	}
	if b.s.Activity, err = be.Alloc(quench.Int64, n); err != nil {
		b.Close()
		return nil, err
	}
	if b.s.Stamp, err = be.Alloc(quench.Int32, n); err != nil {
		b.Close()
		return nil, err
	}
	var sum int64
	for _, v := range h {
		sum += int64(v)
	}
	b.MeanHeight = float64(sum) / float64(n)
	if err := be.Upload(b.s.Heights, h); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// Grain adds one grain and returns its avalanche.
func (b *Sandpile) Grain() (quench.Avalanche, error) {
	site := quench.GrainSite(quench.Counter{Seed: 1}, b.grain, b.lat.Sites())
	b.grain++
	return b.be.SandpileAdd(b.s, b.lat, site, int32(b.grain))
}

// Heights is the pile's heights buffer.
func (b *Sandpile) Heights() quench.Buffer { return b.s.Heights }

// Close frees the buffers.
func (b *Sandpile) Close() error {
	for _, buf := range []quench.Buffer{b.s.Heights, b.s.Activity, b.s.Stamp} {
		if buf != nil {
			b.be.Free(buf)
		}
	}
	return nil
}

// Measure adds warm grains, then times n grains (fewer when Budget runs
// out; Sweeps in the result is the number timed). No GB/s is reported:
// a toppling's memory traffic depends on the avalanche's active tiles,
// not on a fixed number of bytes.
func (b *Sandpile) Measure(warm, n int) (Result, error) {
	for i := 0; i < warm; i++ {
		if _, err := b.Grain(); err != nil {
			return Result{}, err
		}
	}
	var topplings, longestSize int64
	var longest time.Duration
	t0 := time.Now()
	last := t0
	grains := 0
	for grains < n {
		av, err := b.Grain()
		if err != nil {
			return Result{}, err
		}
		// (the avalanche's size is known once it has relaxed, so its
		// grain ends here on either backend)
		now := time.Now()
		if d := now.Sub(last); d > longest {
			longest, longestSize = d, av.Size
		}
		last = now
		topplings += av.Size
		grains++
		if b.Budget > 0 && now.Sub(t0) > b.Budget {
			break
		}
	}
	if err := b.be.Sync(); err != nil {
		return Result{}, err
	}
	sec := time.Since(t0).Seconds()
	r := Result{Backend: b.be.Name(), Model: "sandpile", Shape: b.lat.String(), Algo: "stationary", Sweeps: grains, Seconds: sec,
		Unit: "topplings", Rate: float64(topplings) / sec / 1e9,
		LongestGrain: longest.Seconds(), LongestGrainTopplings: longestSize}
	return r, nil
}

// MeasureSandpile opens a stationary pile of the given shape on be, times
// grains for budget (after the grain that ends past it) and frees it.
func MeasureSandpile(be quench.Backend, shape []int, budget time.Duration) (Result, error) {
	s, err := NewSandpile(be, shape)
	if err != nil {
		return Result{}, err
	}
	defer s.Close()
	s.Budget = budget
	return s.Measure(0, 1<<30)
}
