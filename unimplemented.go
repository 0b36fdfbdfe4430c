package quench

import "fmt"

// Pending gives a backend the methods of the kernel families it does not
// implement yet (Langevin steps, lattice updates): each returns an error
// wrapping ErrNotImplemented that names the backend. Embed it and shadow the
// methods as kernels land. The command refuses such models before any
// backend is reached.
type Pending struct{ BackendName string }

func (p Pending) errorf(method string) error {
	return fmt.Errorf("%s: %s: %w", p.BackendName, method, ErrNotImplemented)
}

// Phi4Step implements LangevinStepper (not yet).
func (p Pending) Phi4Step(f *Phi4Fields, lat Lattice, params *Phi4Params, ctr Counter) error {
	return p.errorf("Phi4Step")
}

// ParticleStep implements LangevinStepper (not yet).
func (p Pending) ParticleStep(ps *Particles, params *ParticleParams, ctr Counter) error {
	return p.errorf("ParticleStep")
}

// SandpileAdd implements LatticeUpdater (not yet).
func (p Pending) SandpileAdd(s *Sandpile, lat Lattice, site int64, avalanche int32) (Avalanche, error) {
	return Avalanche{}, p.errorf("SandpileAdd")
}

// MassTransfer implements LatticeUpdater (not yet).
func (p Pending) MassTransfer(mass Buffer, lat Lattice, params *MassTransferParams, ctr Counter) error {
	return p.errorf("MassTransfer")
}

// Diffuse implements LatticeUpdater (not yet).
func (p Pending) Diffuse(dst, src Buffer, lat Lattice, alpha float64) error {
	return p.errorf("Diffuse")
}
