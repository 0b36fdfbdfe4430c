//go:build cuda

package gpu

import "github.com/quenchlab/quench"

// New opens GPU device on a cuda build. The kernels and the gorgonia.org/cu
// launch code are the next step of the roadmap (the CUDA backend issue);
// until they land it reports so rather than pretending.
func New(device int) (quench.Backend, error) {
	return nil, ErrNotYet
}

// Available reports whether this build can use a GPU at all.
const Available = true
