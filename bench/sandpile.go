package bench

import (
	"time"

	"github.com/quenchlab/quench"
)

// Sandpile is a sandpile benchmark: the lattice starts with every height at
// z-1 (a recurrent configuration), so its grains cause the avalanches of
// the critical state; Measure reports topplings per ns.
type Sandpile struct {
	be    quench.Backend
	lat   quench.Lattice
	s     *quench.Sandpile
	grain uint64
}

// NewSandpile allocates and fills the lattice.
func NewSandpile(be quench.Backend, shape []int) (*Sandpile, error) {
	lat, err := quench.NewLattice(shape...)
	if err != nil {
		return nil, err
	}
	b := &Sandpile{be: be, lat: lat, s: &quench.Sandpile{}}
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
	h := make([]uint8, n)
	for i := range h {
		h[i] = uint8(quench.SandpileThreshold(lat.Dim()) - 1)
	}
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

// Close frees the buffers.
func (b *Sandpile) Close() error {
	for _, buf := range []quench.Buffer{b.s.Heights, b.s.Activity, b.s.Stamp} {
		if buf != nil {
			b.be.Free(buf)
		}
	}
	return nil
}

// Measure adds warm grains, then times n grains. Bytes per toppling: the
// three round kernels read and write a few bytes per site of the region;
// the figure reported is 2 (flag and height), a lower bound.
func (b *Sandpile) Measure(warm, n int) (Result, error) {
	for i := 0; i < warm; i++ {
		if _, err := b.Grain(); err != nil {
			return Result{}, err
		}
	}
	var topplings int64
	t0 := time.Now()
	for i := 0; i < n; i++ {
		av, err := b.Grain()
		if err != nil {
			return Result{}, err
		}
		topplings += av.Size
	}
	if err := b.be.Sync(); err != nil {
		return Result{}, err
	}
	sec := time.Since(t0).Seconds()
	r := Result{Backend: b.be.Name(), Model: "sandpile", Shape: b.lat.String(), Algo: "synchronous", Sweeps: n, Seconds: sec,
		Unit: "topplings", Rate: float64(topplings) / sec / 1e9}
	r.GBPerS = r.Rate * 2
	return r, nil
}
