package cpu

import (
	"fmt"

	"github.com/quenchlab/quench"
)

// The Langevin and lattice-update families are specified by the Backend
// interface but have no kernels yet; the command refuses those models before
// it reaches a backend.

// Phi4Step implements quench.LangevinStepper (not yet).
func (*Backend) Phi4Step(phi, aux quench.Buffer, lat quench.Lattice, p *quench.Phi4Params, ctr quench.Counter) error {
	return fmt.Errorf("cpu: Phi4Step: %w", quench.ErrNotImplemented)
}

// ParticleStep implements quench.LangevinStepper (not yet).
func (*Backend) ParticleStep(pos, vel quench.Buffer, p *quench.ParticleParams, ctr quench.Counter) error {
	return fmt.Errorf("cpu: ParticleStep: %w", quench.ErrNotImplemented)
}

// Topple implements quench.LatticeUpdater (not yet).
func (*Backend) Topple(heights, activity quench.Buffer, lat quench.Lattice, threshold int) (int64, error) {
	return 0, fmt.Errorf("cpu: Topple: %w", quench.ErrNotImplemented)
}

// MassTransfer implements quench.LatticeUpdater (not yet).
func (*Backend) MassTransfer(mass quench.Buffer, lat quench.Lattice, p *quench.MassTransferParams, ctr quench.Counter) error {
	return fmt.Errorf("cpu: MassTransfer: %w", quench.ErrNotImplemented)
}

// Diffuse implements quench.LatticeUpdater (not yet).
func (*Backend) Diffuse(dst, src quench.Buffer, lat quench.Lattice, alpha float64) error {
	return fmt.Errorf("cpu: Diffuse: %w", quench.ErrNotImplemented)
}
