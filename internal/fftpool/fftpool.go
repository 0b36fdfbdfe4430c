// Package fftpool keeps gonum's real FFTs for reuse: building one
// (fourier.NewFFT) computes its twiddle factors, as long as a transform of
// a few thousand points takes, and the estimates and profile snapshots
// transform series and rows of the same lengths again and again. A reused
// FFT gives the same bits as a new one: its tables are computed the same
// way, and its work space is written before it is read.
package fftpool

import (
	"sync"

	"gonum.org/v1/gonum/dsp/fourier"
)

var pools sync.Map // length -> *sync.Pool of *fourier.FFT

func pool(n int) *sync.Pool {
	if p, ok := pools.Load(n); ok {
		return p.(*sync.Pool)
	}
	p, _ := pools.LoadOrStore(n, &sync.Pool{New: func() any { return fourier.NewFFT(n) }})
	return p.(*sync.Pool)
}

// Get returns an FFT of length n for the caller's use alone, until Put.
func Get(n int) *fourier.FFT { return pool(n).Get().(*fourier.FFT) }

// Put hands back an FFT from Get.
func Put(f *fourier.FFT) { pool(f.Len()).Put(f) }
