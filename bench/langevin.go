package bench

import (
	"fmt"
	"time"

	"github.com/quenchlab/quench"
)

// Stepper is a Langevin benchmark: a field or an ensemble on a backend.
type Stepper struct {
	be      quench.Backend
	step    func(ctr quench.Counter) error
	bufs    []quench.Buffer
	units   int64   // sites or coordinates per step
	bytes   float64 // bytes a step must move per unit
	model   string
	shape   string
	algo    string
	counter uint64
}

// NewPhi4 allocates a phi^4 field (zero start, m2 = -1, lambda = 1, T = 1)
// of the given shape, scheme and precision. Bytes per site update are what
// the scheme must read and write: em and lm 2 elements, baoab 7 (two
// kernels), modelb 5. That is the memory limit's measure; Model B also
// writes and reads its noise currents (dim elements per site written, 2 dim
// read) on either backend, which the reported GB/s leaves out.
func NewPhi4(be quench.Backend, shape []int, scheme string, dt quench.DType) (*Stepper, error) {
	lat, err := quench.NewLattice(shape...)
	if err != nil {
		return nil, err
	}
	p := &quench.Phi4Params{Scheme: scheme, Dt: 0.01, M2: -1, Lambda: 1, T: 1, Gamma: 1, Mass: 1}
	if _, err := p.Coeffs(lat.Dim()); err != nil {
		return nil, err
	}
	elems := map[string]float64{quench.SchemeEM: 2, quench.SchemeLM: 2, quench.SchemeBAOAB: 7, quench.SchemeModelB: 5}[scheme]
	s := &Stepper{be: be, units: lat.Sites(), bytes: elems * float64(dt.Size()), model: "phi4", shape: lat.String(), algo: scheme + "/" + dt.String()}
	f := &quench.Phi4Fields{}
	for _, b := range []*quench.Buffer{&f.Phi, &f.Next, &f.Mom, &f.Mu} {
		if (b == &f.Mom && scheme != quench.SchemeBAOAB) || (b == &f.Mu && scheme != quench.SchemeModelB) {
			continue
		}
		if *b, err = be.Alloc(dt, lat.Sites()); err != nil {
			s.Close()
			return nil, err
		}
		s.bufs = append(s.bufs, *b)
	}
	s.step = func(ctr quench.Counter) error { return be.Phi4Step(f, lat, p, ctr) }
	return s, nil
}

// NewParticles allocates n particles in d dimensions (zero start) with a
// potential and scheme. Bytes per coordinate update: em and lm 2 elements,
// baoab 4, kuramoto 4 (phase sums, then read phase and frequency, write).
func NewParticles(be quench.Backend, n int64, d int, potential, scheme string, dt quench.DType) (*Stepper, error) {
	p := &quench.ParticleParams{Scheme: scheme, Potential: potential, Dt: 0.01, T: 1, Gamma: 1, Mass: 1, K: 1}
	if _, err := p.Coeffs(n); err != nil {
		return nil, err
	}
	elems := 2.0
	if scheme == quench.SchemeBAOAB || potential == quench.PotentialKuramoto {
		elems = 4
	}
	ps := &quench.Particles{N: n, Dim: d}
	s := &Stepper{be: be, units: n * int64(d), bytes: elems * float64(dt.Size()), model: "particles",
		shape: fmt.Sprintf("N=%d d=%d", n, d), algo: potential + "/" + scheme + "/" + dt.String()}
	var err error
	for _, b := range []*quench.Buffer{&ps.Pos, &ps.Vel, &ps.Omega} {
		size := n * int64(d)
		if b == &ps.Omega {
			size = n
		}
		if *b, err = be.Alloc(dt, size); err != nil {
			s.Close()
			return nil, err
		}
		s.bufs = append(s.bufs, *b)
	}
	s.step = func(ctr quench.Counter) error { return be.ParticleStep(ps, p, ctr) }
	return s, nil
}

// Step runs one step.
func (s *Stepper) Step() error {
	err := s.step(quench.Counter{Seed: 1, Step: s.counter})
	s.counter++
	return err
}

// Units is the number of sites or coordinates a step updates.
func (s *Stepper) Units() int64 { return s.units }

// BytesPerUnit is the memory traffic a step needs per unit at best.
func (s *Stepper) BytesPerUnit() float64 { return s.bytes }

// Close frees the buffers.
func (s *Stepper) Close() error {
	for _, b := range s.bufs {
		s.be.Free(b)
	}
	return nil
}

// Measure runs warm steps, then times n steps between two Syncs.
func (s *Stepper) Measure(warm, n int) (Result, error) {
	for i := 0; i < warm; i++ {
		if err := s.Step(); err != nil {
			return Result{}, err
		}
	}
	if err := s.be.Sync(); err != nil {
		return Result{}, err
	}
	t0 := time.Now()
	for i := 0; i < n; i++ {
		if err := s.Step(); err != nil {
			return Result{}, err
		}
	}
	if err := s.be.Sync(); err != nil {
		return Result{}, err
	}
	sec := time.Since(t0).Seconds()
	unit := "site updates"
	if s.model == "particles" {
		unit = "coordinate updates"
	}
	r := Result{Backend: s.be.Name(), Model: s.model, Shape: s.shape, Algo: s.algo, Sweeps: n, Seconds: sec, Unit: unit,
		Rate: float64(s.units) * float64(n) / sec / 1e9}
	r.GBPerS = r.Rate * s.bytes
	return r, nil
}

// NewMassTransfer allocates a lattice of fixed-point masses for rule. Bytes
// per site update: a sweep is 2 dim bond classes (even and odd bonds along
// each axis), each a pass that reads and writes every int64 mass (its
// N/2 bonds hold every site), 32 B per axis (an audit found 16 counted,
// half the traffic: "two classes cover each site once" held per class).
func NewMassTransfer(be quench.Backend, shape []int, rule string) (*Stepper, error) {
	lat, err := quench.NewLattice(shape...)
	if err != nil {
		return nil, err
	}
	buf, err := be.Alloc(quench.Int64, lat.Sites())
	if err != nil {
		return nil, err
	}
	m := make([]int64, lat.Sites())
	for i := range m {
		m[i] = quench.MassUnit
	}
	if err := be.Upload(buf, m); err != nil {
		be.Free(buf)
		return nil, err
	}
	p := &quench.MassTransferParams{Rule: rule, Fraction: 0.5}
	s := &Stepper{be: be, units: lat.Sites(), bytes: 32 * float64(lat.Dim()), model: rule, shape: lat.String(), algo: "bond classes", bufs: []quench.Buffer{buf}}
	s.step = func(ctr quench.Counter) error { return be.MassTransfer(buf, lat, p, ctr) }
	return s, nil
}

// NewDiffusion allocates a field for the explicit heat-equation stencil.
// Bytes per site update: read u, write u' (2 elements); neighbours come
// from cache.
func NewDiffusion(be quench.Backend, shape []int, dt quench.DType) (*Stepper, error) {
	lat, err := quench.NewLattice(shape...)
	if err != nil {
		return nil, err
	}
	s := &Stepper{be: be, units: lat.Sites(), bytes: 2 * float64(dt.Size()), model: "diffusion", shape: lat.String(), algo: "euler/" + dt.String()}
	for i := 0; i < 2; i++ {
		b, err := be.Alloc(dt, lat.Sites())
		if err != nil {
			s.Close()
			return nil, err
		}
		s.bufs = append(s.bufs, b)
	}
	a, b := s.bufs[0], s.bufs[1]
	s.step = func(quench.Counter) error {
		err := be.Diffuse(b, a, lat, 0.1)
		a, b = b, a
		return err
	}
	return s, nil
}
