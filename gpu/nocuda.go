//go:build !cuda

package gpu

import "github.com/quenchlab/quench"

// New returns the error of a build without CUDA: the default build needs
// nothing but Go, and the CUDA backend is compiled only with -tags cuda.
func New(device int) (quench.Backend, error) {
	return nil, ErrNoCUDA
}

// Available reports whether this build can use a GPU at all.
const Available = false
