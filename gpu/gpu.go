// Package gpu is the CUDA backend of quench: kernels from kernels/ launched
// through gorgonia.org/cu. Everything that imports gorgonia.org/cu lives in
// files tagged `cuda`, so the default build needs nothing but Go; without
// the tag, New returns ErrNoCUDA.
package gpu

import "errors"

// ErrNoCUDA is returned by New in a build without the cuda tag.
var ErrNoCUDA = errors.New("this quench was built without CUDA support; build it with `make cuda` (see README, \"Running on a GPU server\")")
