// Package cpu is the pure-Go backend: the fallback when no GPU is present and
// the reference every GPU kernel is checked against bit for bit. Work is
// split over a fixed partition of the lattice and run on all cores; since all
// randomness is counter-based and checkerboard colours are independent, the
// result does not depend on GOMAXPROCS or on the order the parts run in.
package cpu

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/par"
)

// Backend is the CPU backend.
type Backend struct {
	mu   sync.Mutex
	sand *sandpileEdges // SandpileAdd's boundary bits, kept between grains
	cur  *[]float64     // Model B's noise currents, kept between steps (curScratch)

	geom atomic.Pointer[sumGeom] // FieldSums' last lattice and its tables
}

var _ quench.Backend = (*Backend)(nil)

// New returns a CPU backend.
func New() *Backend { return &Backend{} }

// Name implements quench.Backend.
func (*Backend) Name() string { return "cpu" }

// Sync implements quench.Backend; CPU kernels finish before they return.
func (*Backend) Sync() error { return nil }

// Close implements quench.Backend.
func (b *Backend) Close() error {
	b.mu.Lock()
	b.cur = nil // Model B's currents buffer
	b.mu.Unlock()
	return nil
}

// Buffer is host memory holding one typed slice.
type Buffer struct {
	dt  quench.DType
	n   int64
	i8  []int8
	u8  []uint8
	i32 []int32
	f32 []float32
	f64 []float64
	i64 []int64
}

// DType implements quench.Buffer.
func (b *Buffer) DType() quench.DType { return b.dt }

// Len implements quench.Buffer.
func (b *Buffer) Len() int64 { return b.n }

// Alloc implements quench.Buffers.
func (*Backend) Alloc(dt quench.DType, n int64) (quench.Buffer, error) {
	if n < 0 || dt.Size() == 0 {
		return nil, fmt.Errorf("cpu: cannot allocate %d elements of %v", n, dt)
	}
	// refused before make, which panics past the address space and
	// stops the program (not a panic) past the memory it can map
	if n > math.MaxInt64/dt.Size() {
		return nil, fmt.Errorf("cpu: cannot allocate %d elements of %v: more than 2^63 bytes", n, dt)
	}
	if bytes := n * dt.Size(); bytes >= 1<<30 {
		if _, total, err := quench.HostMemory(); err == nil && uint64(bytes) > total {
			return nil, fmt.Errorf("cpu: cannot allocate %d elements of %v: %s, more than the host's %s", n, dt, quench.FormatBytes(uint64(bytes)), quench.FormatBytes(total))
		}
	}
	b := &Buffer{dt: dt, n: n}
	switch dt {
	case quench.Int8:
		b.i8 = make([]int8, n)
	case quench.Uint8:
		b.u8 = make([]uint8, n)
	case quench.Int32:
		b.i32 = make([]int32, n)
	case quench.Float32:
		b.f32 = make([]float32, n)
	case quench.Float64:
		b.f64 = make([]float64, n)
	case quench.Int64:
		b.i64 = make([]int64, n)
	}
	return b, nil
}

func asBuffer(b quench.Buffer, dt quench.DType) (*Buffer, error) {
	cb, ok := b.(*Buffer)
	if !ok || cb == nil {
		return nil, fmt.Errorf("cpu: buffer %T does not belong to the CPU backend", b)
	}
	if dt != 0 && cb.dt != dt {
		return nil, fmt.Errorf("cpu: buffer holds %v, want %v", cb.dt, dt)
	}
	return cb, nil
}

// Upload implements quench.Buffers.
func (*Backend) Upload(dst quench.Buffer, src any) error {
	b, err := asBuffer(dst, 0)
	if err != nil {
		return err
	}
	return copySlice(b, src, true)
}

// Download implements quench.Buffers.
func (*Backend) Download(dst any, src quench.Buffer) error {
	b, err := asBuffer(src, 0)
	if err != nil {
		return err
	}
	return copySlice(b, dst, false)
}

// UploadFloat64 copies float64 host values into a Float32 or Float64
// buffer, rounding to float32 as float32(x) does in place: the driver
// keeps float64 copies of float32 states, and a float32 slice of the whole
// state for each move (sim's general path) was memory a CPU run did not
// need.
func (*Backend) UploadFloat64(dst quench.Buffer, src []float64) error {
	return moveFloat64(dst, src, true)
}

// DownloadFloat64 copies a Float32 or Float64 buffer into float64 host
// values (UploadFloat64's twin).
func (*Backend) DownloadFloat64(dst []float64, src quench.Buffer) error {
	return moveFloat64(src, dst, false)
}

// moveFloat64 copies host float64 values into (up) or out of buffer b,
// converting in place when it holds float32.
func moveFloat64(buf quench.Buffer, host []float64, up bool) error {
	b, err := asBuffer(buf, 0)
	if err != nil {
		return err
	}
	if b.dt != quench.Float32 {
		return copySlice(b, host, up)
	}
	if int64(len(host)) != b.n {
		return fmt.Errorf("cpu: host slice []float64 does not match a %d-element %v buffer", b.n, b.dt)
	}
	if up {
		for i, x := range host {
			b.f32[i] = float32(x)
		}
		return nil
	}
	for i, x := range b.f32 {
		host[i] = float64(x)
	}
	return nil
}

func copySlice(b *Buffer, s any, up bool) error {
	var n int
	switch v := s.(type) {
	case []int8:
		n = pick(b.dt == quench.Int8, up, b.i8, v)
	case []uint8:
		n = pick(b.dt == quench.Uint8, up, b.u8, v)
	case []int32:
		n = pick(b.dt == quench.Int32, up, b.i32, v)
	case []float32:
		n = pick(b.dt == quench.Float32, up, b.f32, v)
	case []float64:
		n = pick(b.dt == quench.Float64, up, b.f64, v)
	case []int64:
		n = pick(b.dt == quench.Int64, up, b.i64, v)
	default:
		return fmt.Errorf("cpu: unsupported host slice %T", s)
	}
	if n < 0 {
		return fmt.Errorf("cpu: host slice %T does not match a %d-element %v buffer", s, b.n, b.dt)
	}
	return nil
}

// pick copies between buffer storage and a host slice of the same type; it
// returns -1 when the types or lengths disagree.
func pick[T any](ok, up bool, buf, host []T) int {
	if !ok || len(buf) != len(host) {
		return -1
	}
	if up {
		return copy(buf, host)
	}
	return copy(host, buf)
}

// Free implements quench.Buffers.
func (*Backend) Free(b quench.Buffer) error {
	cb, err := asBuffer(b, 0)
	if err != nil {
		return err
	}
	*cb = Buffer{}
	return nil
}

// MemInfo implements quench.Buffers with the host's available memory.
func (*Backend) MemInfo() (free, total uint64, err error) {
	return quench.HostMemory()
}

// parallel runs f(i) for i in [0, n) on up to GOMAXPROCS goroutines
// (par.Do): the partition into n parts is fixed by the caller, who makes
// the result independent of which goroutine runs which part.
func parallel(n int, f func(i int)) { par.Do(n, f) }
