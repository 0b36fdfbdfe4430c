//go:build cuda

package gpu

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"gorgonia.org/cu"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/kernels"
)

// Available reports whether this build can use a GPU at all.
const Available = true

// threads per block of every launch
const blockSize = 256

// The kernels size their shared arrays for blocks of 256 threads
// (ising_sums, height_counts, qsand_reduce) and load tables with the first
// 32 (ising_phase_seg); another block size fails to compile here rather
// than corrupt shared memory on a device.
var _ = [1]struct{}{}[blockSize-256]

// Backend is the CUDA backend. CUDA contexts belong to an OS thread, so all
// driver calls run on one goroutine locked to its thread; methods hand their
// work to it and wait.
type Backend struct {
	device int
	name   string
	calls  chan func()
	fns    map[string]cu.Function
	ctx    cu.CUContext
	shape  cu.DevicePtr // int64[4]
	table  cu.DevicePtr // int32[64]
	sums   cu.DevicePtr // sums and counts (uint64[2] for Ising, kernels.SandCounts, ...)
	params cu.DevicePtr // the sandpile kernels' parameter block (kernels.SandBlock)
	phi4   cu.DevicePtr // the phi4 and diffusion kernels' block in constant memory (kernels.Phi4Symbol)
	// steady holds the blocks that stay the same through a run, each at
	// its own slot of kernels.ParamBytes: the particles' (slot 0) and the
	// mass-transfer bond classes' (slots 1 to 4); and a kuramoto step's
	// phase sums (phaseSlot)
	steady cu.DevicePtr
	// written is what writeBlock last wrote at each address (of shape,
	// table, phi4 and steady)
	written map[cu.DevicePtr][]byte
	// blockWrites counts writeBlock's writes (TestBlockWrites)
	blockWrites int64
	sand        sandScratch
	// sandKernel is SandpileAdd's way (SandpileRounds or
	// SandpileResident), coop whether the device runs cooperative
	// launches, relaxBlock sandpile_relax's threads a block, relaxPasses
	// the most passes a launch of it makes, relaxGridMax (when not 0) its
	// most blocks: tests lower them, so that avalanches span launches,
	// and emulate it faster
	sandKernel   string
	coop         bool
	relaxBlock   int64
	relaxPasses  int64
	relaxGridMax int64
	cur          scratch // Model B noise currents (curScratch)
	part         scratch // partial sums of the reductions (Sum, PhaseSums, FieldSums)
	peakBW       float64 // bytes/s from the memory clock and bus width
	copyBW       float64 // bytes/s of a device-to-device copy, measured at the first PeakBandwidth (0: not yet)
	copyWhy      string  // why copyBW could not be measured, where it could not
	copyOnce     sync.Once
	sms          int64            // multiprocessors
	waves        map[string]int64 // oneWave's answers by kernel and block size
	// rowBlocks is the looping row kernels' block target
	// (kernels.RowBlocks; tests lower it to make small lattices loop)
	rowBlocks int64
	closed    bool
}

var _ quench.Backend = (*Backend)(nil)
var _ quench.PhaseSumsStepper = (*Backend)(nil)

// Buffer is device memory.
type Buffer struct {
	dt  quench.DType
	n   int64
	ptr cu.DevicePtr
	be  *Backend
}

// DType implements quench.Buffer.
func (b *Buffer) DType() quench.DType { return b.dt }

// Len implements quench.Buffer.
func (b *Buffer) Len() int64 { return b.n }

// do runs f on the CUDA thread.
func (b *Backend) do(f func() error) error {
	if b.closed {
		return errors.New("gpu: backend is closed")
	}
	errc := make(chan error, 1)
	b.calls <- func() { errc <- f() }
	return <-errc
}

// New opens GPU device (an index among the devices CUDA_VISIBLE_DEVICES
// leaves visible), creates its context and loads the kernels.
func New(device int) (quench.Backend, error) {
	n, err := cu.NumDevices()
	if err != nil {
		return nil, fmt.Errorf("no usable CUDA driver: %v", err)
	}
	if n == 0 {
		return nil, errors.New("no CUDA GPU found")
	}
	if device < 0 || device >= n {
		return nil, quench.Usagef("--device %d is not allowed: %d GPU(s) visible, use 0..%d", device, n, n-1)
	}
	sandKernel, err := sandKernelFromEnv()
	if err != nil {
		return nil, err
	}
	b := &Backend{device: device, calls: make(chan func()), fns: map[string]cu.Function{},
		rowBlocks: kernels.RowBlocks, sandKernel: SandpileRounds, relaxBlock: kernels.RelaxBlock,
		relaxPasses: relaxPasses}
	started := make(chan error, 1)
	go b.loop(started)
	if err := <-started; err != nil {
		return nil, err
	}
	if err := b.SetSandpileKernel(sandKernel); err != nil {
		b.Close()
		return nil, fmt.Errorf("%s=%s: %v", SandpileKernelEnv, sandKernel, err)
	}
	return b, nil
}

// loop owns the CUDA context: it creates it on its locked OS thread, then
// runs calls until Close.
func (b *Backend) loop(started chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	err := func() error {
		dev, err := cu.GetDevice(b.device)
		if err != nil {
			return fmt.Errorf("GPU %d: %v", b.device, err)
		}
		name, _ := dev.Name()
		b.name = name
		b.sms = 132
		if sms, err := dev.Attribute(cu.MultiprocessorCount); err == nil && sms > 0 {
			b.sms = int64(sms)
		}
		if clk, err := dev.Attribute(cu.MemoryClockRate); err == nil {
			if bus, err := dev.Attribute(cu.GlobalMemoryBusWidth); err == nil {
				b.peakBW = 2 * float64(clk) * 1e3 * float64(bus) / 8 // double data rate
			}
		}
		b.coop = coopSupported(dev)
		if b.ctx, err = dev.MakeContext(cu.SchedAuto); err != nil {
			return fmt.Errorf("GPU %d (%s): cannot create a context: %v", b.device, name, err)
		}
		mod, err := cu.LoadData(kernels.Fatbin)
		if err != nil {
			return fmt.Errorf("GPU %d (%s): cannot load the kernels: %v", b.device, name, err)
		}
		for _, k := range kernels.All {
			if b.fns[k], err = mod.Function(k); err != nil {
				return fmt.Errorf("kernel %s: %v", k, err)
			}
		}
		for _, p := range []*cu.DevicePtr{&b.shape, &b.table, &b.sums} {
			if *p, err = cu.MemAlloc(256); err != nil {
				return fmt.Errorf("GPU %d: %v", b.device, err)
			}
		}
		if b.params, err = cu.MemAlloc(kernels.ParamBytes); err != nil {
			return fmt.Errorf("GPU %d: %v", b.device, err)
		}
		if b.steady, err = cu.MemAlloc(steadySlots * kernels.ParamBytes); err != nil {
			return fmt.Errorf("GPU %d: %v", b.device, err)
		}
		var size int64
		if b.phi4, size, err = mod.Global(kernels.Phi4Symbol); err != nil {
			return fmt.Errorf("GPU %d: constant %s: %v", b.device, kernels.Phi4Symbol, err)
		}
		if want := int64(unsafe.Sizeof(kernels.Phi4Block{})); size != want {
			return fmt.Errorf("GPU %d: constant %s is %d bytes, kernels.Phi4Block %d (rebuild quench.fatbin)", b.device, kernels.Phi4Symbol, size, want)
		}
		return nil
	}()
	if err != nil && b.ctx != (cu.CUContext{}) {
		// a failed start frees what it made: the context holds the module
		// and the allocations
		b.ctx.Destroy()
	}
	started <- err
	if err != nil {
		return
	}
	for f := range b.calls {
		f()
	}
}

// Name implements quench.Backend.
func (b *Backend) Name() string { return "cuda" }

// DeviceName is the GPU's name, e.g. "NVIDIA H200".
func (b *Backend) DeviceName() string { return b.name }

// PeakBandwidth is the device memory's bandwidth in bytes/s as this
// process measures it, the GPU backend's memory limit (`quench bench`'s
// and the Go benchmarks' "of peak"), as the CPU backend's is its host
// copy: the best of six device-to-device copies of copyDeviceBytes,
// counted two bytes moved (one read, one written) a byte copied, as
// STREAM and the issues' 4.3 TB/s of an H200 count one. Measured once,
// at the first call (a few milliseconds); where it cannot be (too little
// free memory), the memory clock and bus width's NominalBandwidth, which
// on an H200 reads about 4.8 TB/s, 1.1 times what a copy reaches (an
// audit found fractions of it 0.9 of the issues').
func (b *Backend) PeakBandwidth() float64 {
	b.copyOnce.Do(func() {
		bw, err := b.measureCopy()
		if err != nil {
			b.copyWhy = err.Error()
		}
		b.copyBW = bw
	})
	if b.copyBW > 0 {
		return b.copyBW
	}
	return b.peakBW
}

// NominalBandwidth is the device memory bandwidth in bytes/s from its
// clock and bus width (0 where the driver does not say).
func (b *Backend) NominalBandwidth() float64 { return b.peakBW }

// PeakMeasured reports whether PeakBandwidth is the measured copy's, and
// where not, why.
func (b *Backend) PeakMeasured() (bool, string) {
	b.PeakBandwidth()
	return b.copyBW > 0, b.copyWhy
}

// copyDeviceBytes is the size of each of the copy's two buffers: 1 GiB,
// 17 times an H200's 60 MiB L2, or a quarter of the free memory where
// that is less, and then at least 256 MiB.
const copyDeviceBytes = 1 << 30

// measureCopy times six device-to-device copies (each synchronized) and
// returns the best's bandwidth, two bytes a byte copied.
func (b *Backend) measureCopy() (float64, error) {
	var bw float64
	err := b.do(func() error {
		free, _, err := cu.MemInfo()
		if err != nil {
			return wrap("memory info", err)
		}
		n := min(int64(copyDeviceBytes), free/4)
		if n < 256<<20 {
			return fmt.Errorf("gpu: %d bytes free, too few for a copy of 256 MiB twice", free)
		}
		src, err := cu.MemAlloc(n)
		if err != nil {
			return wrap("allocating the copy's source", err)
		}
		defer cu.MemFree(src)
		dst, err := cu.MemAlloc(n)
		if err != nil {
			return wrap("allocating the copy's destination", err)
		}
		defer cu.MemFree(dst)
		if err := cu.MemsetD8(src, 1, n); err != nil {
			return wrap("filling the copy's source", err)
		}
		best := time.Duration(math.MaxInt64)
		for range 6 { // (the first warms up)
			if err := cu.Synchronize(); err != nil {
				return wrap("synchronize", err)
			}
			t0 := time.Now()
			if err := cu.MemcpyDtoD(dst, src, n); err != nil {
				return wrap("copying", err)
			}
			if err := cu.Synchronize(); err != nil {
				return wrap("synchronize", err)
			}
			best = min(best, time.Since(t0))
		}
		bw = 2 * float64(n) / best.Seconds()
		return nil
	})
	return bw, err
}

// Sync implements quench.Backend.
func (b *Backend) Sync() error {
	return b.do(func() error { return wrap("synchronize", cu.Synchronize()) })
}

// Close implements quench.Backend.
func (b *Backend) Close() error {
	if b.closed {
		return nil
	}
	err := b.do(func() error { return b.ctx.Destroy() })
	b.closed = true
	close(b.calls)
	return err
}

func wrap(what string, err error) error {
	if err != nil {
		return fmt.Errorf("gpu: %s: %v", what, err)
	}
	return nil
}

// MemInfo implements quench.Buffers with the device's free and total memory.
func (b *Backend) MemInfo() (free, total uint64, err error) {
	err = b.do(func() error {
		f, t, err := cu.MemInfo()
		free, total = uint64(f), uint64(t)
		return wrap("memory info", err)
	})
	return
}

// Alloc implements quench.Buffers; it refuses a request larger than the
// free device memory before asking the driver.
func (b *Backend) Alloc(dt quench.DType, n int64) (quench.Buffer, error) {
	if n < 0 || dt.Size() == 0 {
		return nil, fmt.Errorf("gpu: cannot allocate %d elements of %v", n, dt)
	}
	if n > math.MaxInt64/dt.Size() { // n*size would wrap to a few bytes
		return nil, fmt.Errorf("gpu: cannot allocate %d elements of %v: more than 2^63 bytes", n, dt)
	}
	bytes := max(n*dt.Size(), 1)
	buf := &Buffer{dt: dt, n: n, be: b}
	err := b.do(func() error {
		free, _, err := cu.MemInfo()
		if err == nil && bytes > free {
			return fmt.Errorf("out of device memory: %d bytes asked, %d free", bytes, free)
		}
		if buf.ptr, err = cu.MemAlloc(bytes); err != nil {
			return wrap(fmt.Sprintf("allocating %d bytes", bytes), err)
		}
		// zeroed, as on the CPU: cuMemAlloc leaves memory as it was
		if err := cu.MemsetD8(buf.ptr, 0, bytes); err != nil {
			cu.MemFree(buf.ptr)
			return wrap(fmt.Sprintf("clearing %d bytes", bytes), err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return buf, nil
}

// own checks that buf is a live buffer of this backend holding dt (any
// type for 0). A freed buffer keeps its type and length but no device
// memory: launched on, its address 0 would fault on the device and leave
// the context unusable for every later call, so it is refused here (as the
// CPU backend refuses its freed buffers).
func (b *Backend) own(buf quench.Buffer, dt quench.DType) (*Buffer, error) {
	gb, err := b.belongs(buf)
	if err != nil {
		return nil, err
	}
	if gb.ptr == 0 {
		return nil, fmt.Errorf("gpu: %d-element %v buffer was freed", gb.n, gb.dt)
	}
	if dt != 0 && gb.dt != dt {
		return nil, fmt.Errorf("gpu: buffer holds %v, want %v", gb.dt, dt)
	}
	return gb, nil
}

// belongs checks that buf is a buffer of this backend, freed or not.
func (b *Backend) belongs(buf quench.Buffer) (*Buffer, error) {
	gb, ok := buf.(*Buffer)
	if !ok || gb == nil || gb.be != b {
		return nil, fmt.Errorf("gpu: buffer %T does not belong to this backend", buf)
	}
	return gb, nil
}

// hostSlice returns the address, element type and length of a host slice.
func hostSlice(s any) (unsafe.Pointer, quench.DType, int64, error) {
	ptr := func(n int, p unsafe.Pointer) unsafe.Pointer {
		if n == 0 {
			return nil
		}
		return p
	}
	switch v := s.(type) {
	case []int8:
		return ptr(len(v), unsafe.Pointer(unsafe.SliceData(v))), quench.Int8, int64(len(v)), nil
	case []uint8:
		return ptr(len(v), unsafe.Pointer(unsafe.SliceData(v))), quench.Uint8, int64(len(v)), nil
	case []int32:
		return ptr(len(v), unsafe.Pointer(unsafe.SliceData(v))), quench.Int32, int64(len(v)), nil
	case []float32:
		return ptr(len(v), unsafe.Pointer(unsafe.SliceData(v))), quench.Float32, int64(len(v)), nil
	case []float64:
		return ptr(len(v), unsafe.Pointer(unsafe.SliceData(v))), quench.Float64, int64(len(v)), nil
	case []int64:
		return ptr(len(v), unsafe.Pointer(unsafe.SliceData(v))), quench.Int64, int64(len(v)), nil
	}
	return nil, 0, 0, fmt.Errorf("gpu: unsupported host slice %T", s)
}

// Upload implements quench.Buffers.
func (b *Backend) Upload(dst quench.Buffer, src any) error {
	gb, err := b.own(dst, 0)
	if err != nil {
		return err
	}
	p, dt, n, err := hostSlice(src)
	if err != nil {
		return err
	}
	if dt != gb.dt || n != gb.n {
		return fmt.Errorf("gpu: host slice %T of %d does not match a %d-element %v buffer", src, n, gb.n, gb.dt)
	}
	if n == 0 {
		return nil
	}
	return b.do(func() error { return wrap("upload", cu.MemcpyHtoD(gb.ptr, p, n*dt.Size())) })
}

// Download implements quench.Buffers.
func (b *Backend) Download(dst any, src quench.Buffer) error {
	gb, err := b.own(src, 0)
	if err != nil {
		return err
	}
	p, dt, n, err := hostSlice(dst)
	if err != nil {
		return err
	}
	if dt != gb.dt || n != gb.n {
		return fmt.Errorf("gpu: host slice %T of %d does not match a %d-element %v buffer", dst, n, gb.n, gb.dt)
	}
	if n == 0 {
		return nil
	}
	return b.do(func() error { return wrap("download", cu.MemcpyDtoH(p, gb.ptr, n*dt.Size())) })
}

// Free implements quench.Buffers; freeing a buffer twice does nothing.
func (b *Backend) Free(buf quench.Buffer) error {
	gb, err := b.belongs(buf)
	if err != nil {
		return err
	}
	if gb.ptr == 0 {
		return nil
	}
	err = b.do(func() error { return wrap("free", cu.MemFree(gb.ptr)) })
	gb.ptr = 0
	return err
}

// scratch is device memory kept from call to call and grown on demand
// (freed with the context by Close).
type scratch struct {
	ptr   cu.DevicePtr
	bytes int64
}

// get returns at least `bytes` of the scratch, for `what` (named in
// errors). Call on the CUDA thread.
func (s *scratch) get(bytes int64, what string) (uint64, error) {
	if s.bytes < bytes {
		if s.ptr != 0 {
			if err := cu.MemFree(s.ptr); err != nil {
				return 0, wrap("freeing the "+what, err)
			}
			s.ptr, s.bytes = 0, 0
		}
		p, err := cu.MemAlloc(bytes)
		if err != nil {
			return 0, wrap(fmt.Sprintf("allocating %d bytes for the %s", bytes, what), err)
		}
		s.ptr, s.bytes = p, bytes
	}
	return uint64(s.ptr), nil
}

// curScratch returns device scratch of at least `bytes` for the Model B
// noise currents. Call on the CUDA thread.
func (b *Backend) curScratch(bytes int64) (uint64, error) {
	return b.cur.get(bytes, "Model B noise currents")
}

// partials returns device scratch for nblk blocks of w float64 partial
// sums. Call on the CUDA thread.
func (b *Backend) partials(nblk, w int64) (uint64, error) {
	return b.part.get(8*nblk*w, "partial sums")
}

// oneWave is the number of blocks of kernel name, of block threads, the
// device holds at once: the occupancy calculator's blocks per
// multiprocessor times the multiprocessors. Call on the CUDA thread.
func (b *Backend) oneWave(name string, block int64) (int64, error) {
	key := fmt.Sprintf("%s/%d", name, block)
	if w, ok := b.waves[key]; ok {
		return w, nil
	}
	per, err := b.fns[name].MaxActiveBlocksPerMultiProcessor(int(block), 0)
	if err != nil {
		return 0, wrap("occupancy of "+name, err)
	}
	w := max(1, int64(per)) * b.sms
	if b.waves == nil {
		b.waves = map[string]int64{}
	}
	b.waves[key] = w
	return w, nil
}

// maxGrid is the most blocks launch gives a kernel: beyond maxGrid *
// blockSize threads the kernels' grid-stride loops take the rest.
const maxGrid = 1 << 20

// launch runs kernel name on n threads (grid-stride loops cover any n);
// every argument is an 8-byte value, as gorgonia.org/cu copies them.
// Call on the CUDA thread.
func (b *Backend) launch(name string, n int64, args ...uint64) error {
	grid := (n + blockSize - 1) / blockSize
	grid = max(1, min(grid, maxGrid))
	params := make([]unsafe.Pointer, len(args))
	for i := range args {
		params[i] = unsafe.Pointer(&args[i])
	}
	if err := b.fns[name].Launch(int(grid), 1, 1, blockSize, 1, 1, 0, cu.NoStream, params); err != nil {
		return fmt.Errorf("gpu: launch of kernel %s failed: %v", name, err)
	}
	return nil
}

// launchRows runs row kernel name as rl says: blocks of rl.BX x rl.BY
// threads on a (GX, GY, GZ) grid, or (GX, LoopY, GZ) for a kernel that
// loops over rows. Call on the CUDA thread.
func (b *Backend) launchRows(name string, rl kernels.RowLaunch, loops bool, args ...uint64) error {
	gy := rl.GY
	if loops {
		gy = rl.LoopY(b.rowBlocks)
	}
	params := make([]unsafe.Pointer, len(args))
	for i := range args {
		params[i] = unsafe.Pointer(&args[i])
	}
	if err := b.fns[name].Launch(int(rl.GX), int(gy), int(rl.GZ), int(rl.BX), int(rl.BY), 1, 0, cu.NoStream, params); err != nil {
		return fmt.Errorf("gpu: launch of kernel %s failed: %v", name, err)
	}
	return nil
}

// uploadShape writes the lattice extents to the device (int64[4]).
func (b *Backend) uploadShape(lat quench.Lattice) error {
	if lat.Dim() > 4 {
		return fmt.Errorf("gpu: %d-dimensional lattices are not supported (at most 4)", lat.Dim())
	}
	var sh [4]int64
	for i, s := range lat.Shape {
		sh[i] = int64(s)
	}
	return b.writeBlock(b.shape, unsafe.Pointer(&sh[0]), 32)
}

// steadySlots is the number of blocks the steady buffer holds: the
// particles', the four bond classes of a 2D mass-transfer sweep, and a
// kuramoto step's phase sums (phaseSlot, two doubles, which the device
// writes: not a block of writeBlock's).
const steadySlots, phaseSlot = 6, 5

// writeBlock writes the parameter block at p (size bytes) to dst, unless
// it is what was last written there. A write from host memory waits for
// the kernels queued before it, so writing a block every step would make
// each step wait for the one before: the steps of a run, whose blocks are
// the same but for the step (each launch's argument), can instead be
// queued ahead of the device (bench, verify, and quench run between its
// measurements: sim.Execute). Call on the CUDA thread.
func (b *Backend) writeBlock(dst cu.DevicePtr, p unsafe.Pointer, size uintptr) error {
	src := unsafe.Slice((*byte)(p), size)
	if have, ok := b.written[dst]; ok && bytes.Equal(have, src) {
		return nil
	}
	delete(b.written, dst) // until the write has succeeded
	if err := cu.MemcpyHtoD(dst, p, int64(size)); err != nil {
		return wrap("upload parameters", err)
	}
	if b.written == nil {
		b.written = map[cu.DevicePtr][]byte{}
	}
	b.written[dst] = bytes.Clone(src)
	b.blockWrites++
	return nil
}

// IsingSweep implements quench.SpinFlipper with the kernels of
// kernels/ising.cu, twins of the CPU backend's rule.
func (b *Backend) IsingSweep(spins quench.Buffer, lat quench.Lattice, tab *quench.IsingTable, ctr quench.Counter) error {
	if err := ctr.Check(); err != nil {
		return fmt.Errorf("gpu: IsingSweep: %v", err)
	}
	if err := lat.Check(); err != nil {
		return fmt.Errorf("gpu: IsingSweep: %v", err)
	}
	sb, err := b.own(spins, quench.Int8)
	if err != nil {
		return err
	}
	if sb.n != lat.Sites() {
		return fmt.Errorf("gpu: spin buffer has %d elements, lattice %s has %d sites", sb.n, lat, lat.Sites())
	}
	if tab == nil || tab.Dim != lat.Dim() || lat.Dim() > 4 {
		return fmt.Errorf("gpu: Ising table does not match a %d-dimensional lattice (1..4 supported)", lat.Dim())
	}
	if k := 2 * (2*tab.Dim + 1); len(tab.Hi) != k || len(tab.Lo) != k {
		return fmt.Errorf("gpu: Ising table of %d and %d thresholds, want %d each (NewIsingTable)", len(tab.Hi), len(tab.Lo), k)
	}
	if err := lat.CheckCheckerboard(); err != nil {
		return err
	}
	d := lat.Dim()
	lx := int64(lat.Shape[d-1])
	seg := (d == 2 || d == 3) && lx%32 == 0
	return b.do(func() error {
		t := kernels.IsingTable(tab)
		if err := b.writeBlock(b.table, unsafe.Pointer(&t[0]), 256); err != nil {
			return err
		}
		if !seg {
			if err := b.uploadShape(lat); err != nil {
				return err
			}
		}
		for phase := uint64(0); phase < 2; phase++ {
			if seg {
				lz, ly := int64(1), int64(lat.Shape[d-2])
				if d == 3 {
					lz = int64(lat.Shape[0])
				}
				err = b.launch(kernels.IsingPhaseSeg, lat.Sites()/32,
					uint64(sb.ptr), uint64(b.table), uint64(lz), uint64(ly), uint64(lx),
					ctr.Seed, ctr.Step, uint64(ctr.Replica), phase, uint64(d))
			} else {
				err = b.launch(kernels.IsingPhaseSite, lat.Sites()/2,
					uint64(sb.ptr), uint64(b.table), uint64(b.shape), uint64(d), uint64(lat.Sites()),
					ctr.Seed, ctr.Step, uint64(ctr.Replica), phase)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// IsingSums implements quench.Reducer: exact integer sums (atomics on
// integers give the same bits in any order).
func (b *Backend) IsingSums(spins quench.Buffer, lat quench.Lattice) (quench.IsingSums, error) {
	if err := lat.Check(); err != nil {
		return quench.IsingSums{}, fmt.Errorf("gpu: IsingSums: %v", err)
	}
	sb, err := b.own(spins, quench.Int8)
	if err != nil {
		return quench.IsingSums{}, err
	}
	if sb.n != lat.Sites() {
		return quench.IsingSums{}, fmt.Errorf("gpu: spin buffer has %d elements, lattice %s has %d sites", sb.n, lat, lat.Sites())
	}
	var out [3]int64
	err = b.do(func() error {
		if err := b.uploadShape(lat); err != nil {
			return err
		}
		if err := wrap("clear sums", cu.MemsetD8(b.sums, 0, 24)); err != nil {
			return err
		}
		lx := int64(lat.Shape[lat.Dim()-1])
		tasks := lat.Sites() / lx * ((lx + 255) / 256)
		if err := b.launch(kernels.IsingSums, tasks, uint64(sb.ptr), uint64(b.shape), uint64(lat.Dim()), uint64(lat.Sites()), uint64(b.sums)); err != nil {
			return err
		}
		return wrap("download sums", cu.MemcpyDtoH(unsafe.Pointer(&out[0]), b.sums, 24))
	})
	return quench.IsingSums{Mag: out[0], Bond: out[1], Stag: out[2]}, err
}

// IsingPlanes implements quench.Reducer: ising_planes adds each row's
// 256-site chunks to their planes and each column's 256-row slabs to its
// own (staggered: each spin signed by its coordinates' parity), with
// atomics on integers (the same bits in any order), in device scratch
// (the reductions' partials).
func (b *Backend) IsingPlanes(spins quench.Buffer, lat quench.Lattice, staggered bool, out []int64) error {
	if err := lat.Check(); err != nil {
		return fmt.Errorf("gpu: IsingPlanes: %v", err)
	}
	if err := quench.CheckPlanes(lat, out); err != nil {
		return fmt.Errorf("gpu: IsingPlanes: %v", err)
	}
	sb, err := b.own(spins, quench.Int8)
	if err != nil {
		return err
	}
	if sb.n != lat.Sites() {
		return fmt.Errorf("gpu: spin buffer has %d elements, lattice %s has %d sites", sb.n, lat, lat.Sites())
	}
	return b.do(func() error {
		if err := b.uploadShape(lat); err != nil {
			return err
		}
		bytes := 8 * int64(len(out))
		p, err := b.part.get(bytes, "plane sums")
		if err != nil {
			return err
		}
		if err := wrap("clear plane sums", cu.MemsetD8(cu.DevicePtr(p), 0, bytes)); err != nil {
			return err
		}
		lx := int64(lat.Shape[lat.Dim()-1])
		rows := lat.Sites() / lx
		tasks := rows*((lx+255)/256) + (rows+255)/256*lx
		stag := uint64(0)
		if staggered {
			stag = 1
		}
		if err := b.launch(kernels.IsingPlanes, tasks, uint64(sb.ptr), uint64(b.shape), uint64(lat.Dim()), uint64(lat.Sites()), stag, p); err != nil {
			return err
		}
		return wrap("download plane sums", cu.MemcpyDtoH(unsafe.Pointer(&out[0]), cu.DevicePtr(p), bytes))
	})
}

// heightCountThreads is the most threads HeightCounts launches: 1024
// blocks, about four per SM of an H200 (132 SMs), 256 sites a thread on
// the central quarter of a 16384^2 pile.
const heightCountThreads = 1 << 18

// HeightCounts implements quench.Reducer: height_counts adds each
// block's counts to b.sums with integer atomics.
func (b *Backend) HeightCounts(heights quench.Buffer, lat quench.Lattice, box *quench.Box) ([8]int64, error) {
	if err := lat.Check(); err != nil {
		return [8]int64{}, fmt.Errorf("gpu: HeightCounts: %v", err)
	}
	var out [8]int64
	hb, err := b.own(heights, quench.Uint8)
	if err != nil {
		return out, err
	}
	if hb.n != lat.Sites() {
		return out, fmt.Errorf("gpu: HeightCounts of %d heights on lattice %s of %d sites", hb.n, lat, lat.Sites())
	}
	g, err := box.Geometry(lat)
	if err != nil {
		return out, fmt.Errorf("gpu: HeightCounts: %v", err)
	}
	err = b.do(func() error {
		if err := wrap("clear counts", cu.MemsetD8(b.sums, 0, 64)); err != nil {
			return err
		}
		// one wave of threads, each counting its grid-stride share in
		// registers: a thread per site would add 8 counts per block to
		// the same 8 words from 2^20 blocks
		if err := b.launch(kernels.HeightCounts, min(max(g.Sites, 1), heightCountThreads), uint64(hb.ptr), uint64(g.Sites), uint64(g.Ext[1]), uint64(max(g.Ext[2], 1)),
			uint64(g.Stride[0]), uint64(g.Stride[1]), uint64(g.Origin), uint64(b.sums)); err != nil {
			return err
		}
		return wrap("download counts", cu.MemcpyDtoH(unsafe.Pointer(&out[0]), b.sums, 64))
	})
	return out, err
}

// Sum implements quench.Reducer: the kernel sums fixed blocks of
// quench.SumBlock elements left to right, field_groups adds their partials
// by groups of quench.SumGroup, the host adds the groups' (quench.AddPartials'
// order), exactly as the CPU backend.
func (b *Backend) Sum(buf quench.Buffer) (float64, error) {
	gb, err := b.own(buf, 0)
	if err != nil {
		return 0, err
	}
	kernel := kernels.SumBlocksF64
	switch gb.dt {
	case quench.Float64:
	case quench.Float32:
		kernel = kernels.SumBlocksF32
	default:
		return 0, fmt.Errorf("gpu: Sum needs a float buffer, got %v", gb.dt)
	}
	nblk := (gb.n + quench.SumBlock - 1) / quench.SumBlock
	ng := (nblk + quench.SumGroup - 1) / quench.SumGroup
	groups := make([]float64, ng)
	err = b.do(func() error {
		if nblk == 0 {
			return nil
		}
		// the blocks' partials, then the groups'
		p, err := b.partials(nblk+ng, 1)
		if err != nil {
			return err
		}
		q := p + uint64(8*nblk)
		if err := b.launch(kernel, nblk, uint64(gb.ptr), uint64(gb.n), p); err != nil {
			return err
		}
		if err := b.launch(kernels.FieldGroups, ng, p, uint64(nblk), 1, 0, q); err != nil {
			return err
		}
		return wrap("download partial sums", cu.MemcpyDtoH(unsafe.Pointer(&groups[0]), cu.DevicePtr(q), ng*8))
	})
	var tot float64 // the groups' totals left to right (quench.AddPartials)
	for _, g := range groups {
		tot += g
	}
	return tot, err
}

// FieldSums implements quench.Reducer: field_sums writes the partials of
// every block of quench.SumBlock elements, field_groups adds them by groups
// of quench.SumGroup blocks (quench.GroupFieldSums, and GroupUnits for
// Int64), and the host adds the groups' (quench.CombineFieldGroups,
// AddUnits): the CPU backend's order, with 64 times fewer partials copied
// and added on the host.
func (b *Backend) FieldSums(buf quench.Buffer, lat *quench.Lattice) (quench.FieldSums, error) {
	gb, err := b.own(buf, 0)
	if err != nil {
		return quench.FieldSums{}, err
	}
	suffix, err := sumsSuffix(gb.dt, "FieldSums")
	if err != nil {
		return quench.FieldSums{}, err
	}
	var L [3]uint64
	d := 0
	if lat != nil {
		if err := lat.Check(); err != nil {
			return quench.FieldSums{}, fmt.Errorf("gpu: FieldSums: %v", err)
		}
		if d = lat.Dim(); d < 1 || d > 3 {
			return quench.FieldSums{}, fmt.Errorf("gpu: FieldSums on %d dimensions: 1 to 3 are supported", d)
		}
		if lat.Sites() != gb.n {
			return quench.FieldSums{}, fmt.Errorf("gpu: FieldSums of %d elements on lattice %s of %d sites", gb.n, lat, lat.Sites())
		}
		for a, l := range lat.Shape {
			L[a] = uint64(l)
		}
	}
	w := int64(quench.FieldSumsWidth(d))
	nblk := (gb.n + quench.SumBlock - 1) / quench.SumBlock
	ng := (nblk + quench.SumGroup - 1) / quench.SumGroup
	var units uint64 // Int64: the groups' units after their partials
	if gb.dt == quench.Int64 {
		units = 1
	}
	nout := ng*w + int64(units)*ng
	out := make([]float64, nout)
	err = b.do(func() error {
		if nblk == 0 {
			return nil
		}
		// the blocks' partials, then the groups'
		p, err := b.partials(nblk*w+nout, 1)
		if err != nil {
			return err
		}
		q := p + uint64(8*nblk*w)
		if err := b.launch(kernels.FieldSums+suffix, nblk, uint64(gb.ptr), uint64(gb.n), uint64(d), L[0], L[1], L[2], p); err != nil {
			return err
		}
		if err := b.launch(kernels.FieldGroups, nout, p, uint64(nblk), uint64(w), units, q); err != nil {
			return err
		}
		return wrap("download partial sums", cu.MemcpyDtoH(unsafe.Pointer(&out[0]), cu.DevicePtr(q), 8*nout))
	})
	if err != nil {
		return quench.FieldSums{}, err
	}
	fs := quench.CombineFieldGroups(out[:ng*w], d)
	if units == 1 {
		gu := make([]int64, ng)
		for g := range gu {
			gu[g] = int64(math.Float64bits(out[ng*w+int64(g)]))
		}
		fs.Units, fs.UnitsExact = quench.AddUnits(gu)
	}
	return fs, nil
}

// sumsSuffix names the field_sums and centered_blocks variant of a
// buffer type (what: the Reducer method, for the error).
func sumsSuffix(dt quench.DType, what string) (string, error) {
	switch dt {
	case quench.Float32:
		return "_f32", nil
	case quench.Float64:
		return "_f64", nil
	case quench.Int64:
		return "_i64", nil
	}
	return "", fmt.Errorf("gpu: %s needs a Float32, Float64 or Int64 buffer, got %v", what, dt)
}

// CenteredSums implements quench.Reducer: centered_blocks writes each
// block's two sums (pairSums); center travels as its bits (every
// parameter is 8 bytes).
func (b *Backend) CenteredSums(buf quench.Buffer, center float64) (float64, float64, error) {
	gb, err := b.own(buf, 0)
	if err != nil {
		return 0, 0, err
	}
	suffix, err := sumsSuffix(gb.dt, "CenteredSums")
	if err != nil {
		return 0, 0, err
	}
	return b.pairSums(gb.n, func(nblk int64, p uint64) error {
		return b.launch(kernels.CenteredBlocks+suffix, nblk, uint64(gb.ptr), uint64(gb.n), math.Float64bits(center), p)
	})
}

// pairSums runs blocks (nblk, p), which launches a kernel writing two sums
// of each of the nblk blocks of quench.SumBlock of n elements to p, then
// field_groups, which adds them by groups of quench.SumGroup (width 2),
// and adds the groups' on the host, each of the two in
// quench.AddPartials' order (PhaseSums, CenteredSums).
func (b *Backend) pairSums(n int64, blocks func(nblk int64, p uint64) error) (float64, float64, error) {
	ng := pairGroupCount(n)
	groups := make([]float64, 2*ng)
	err := b.do(func() error {
		q, err := b.pairGroups(n, blocks)
		if err != nil || ng == 0 {
			return err
		}
		return wrap("download partial sums", cu.MemcpyDtoH(unsafe.Pointer(&groups[0]), cu.DevicePtr(q), 16*ng))
	})
	var s, s2 float64
	for g := int64(0); g < ng; g++ {
		s += groups[2*g]
		s2 += groups[2*g+1]
	}
	return s, s2, err
}

// pairGroupCount is the number of groups of pairs pairGroups leaves for
// n elements.
func pairGroupCount(n int64) int64 {
	nblk := (n + quench.SumBlock - 1) / quench.SumBlock
	return (nblk + quench.SumGroup - 1) / quench.SumGroup
}

// pairGroups launches blocks (the pairs of sums of each block of
// quench.SumBlock elements, at p) and field_groups of them, and returns
// the address of the groups' pairs (pairGroupCount(n) of them; none for
// n = 0). Call on the CUDA thread.
func (b *Backend) pairGroups(n int64, blocks func(nblk int64, p uint64) error) (uint64, error) {
	nblk := (n + quench.SumBlock - 1) / quench.SumBlock
	ng := pairGroupCount(n)
	if nblk == 0 {
		return 0, nil
	}
	// the blocks' pairs, then the groups'
	p, err := b.partials(nblk+ng, 2)
	if err != nil {
		return 0, err
	}
	q := p + uint64(16*nblk)
	if err := blocks(nblk, p); err != nil {
		return 0, err
	}
	return q, b.launch(kernels.FieldGroups, 2*ng, p, uint64(nblk), 2, 0, q)
}

// PhiloxKAT runs Philox4x32-10 on the device for each counter and key
// (one key per counter; philox_kat has a thread per counter, no
// grid-stride loop, so at most maxGrid * blockSize of them).
func (b *Backend) PhiloxKAT(ctr [][4]uint32, key [][2]uint32) ([][4]uint32, error) {
	n := int64(len(ctr))
	if len(key) != len(ctr) {
		return nil, fmt.Errorf("gpu: PhiloxKAT of %d counters and %d keys: one key per counter", len(ctr), len(key))
	}
	if n > maxGrid*blockSize {
		return nil, fmt.Errorf("gpu: PhiloxKAT of %d counters: at most %d", n, maxGrid*blockSize)
	}
	out := make([][4]uint32, n)
	if n == 0 {
		return out, nil
	}
	err := b.do(func() error {
		dc, err := cu.MemAlloc(16 * n)
		if err != nil {
			return wrap("alloc", err)
		}
		defer cu.MemFree(dc)
		dk, err := cu.MemAlloc(8 * n)
		if err != nil {
			return wrap("alloc", err)
		}
		defer cu.MemFree(dk)
		do, err := cu.MemAlloc(16 * n)
		if err != nil {
			return wrap("alloc", err)
		}
		defer cu.MemFree(do)
		if err := cu.MemcpyHtoD(dc, unsafe.Pointer(&ctr[0]), 16*n); err != nil {
			return wrap("upload", err)
		}
		if err := cu.MemcpyHtoD(dk, unsafe.Pointer(&key[0]), 8*n); err != nil {
			return wrap("upload", err)
		}
		if err := b.launch(kernels.PhiloxKAT, n, uint64(dc), uint64(dk), uint64(do), uint64(n)); err != nil {
			return err
		}
		return wrap("download", cu.MemcpyDtoH(unsafe.Pointer(&out[0]), do, 16*n))
	})
	return out, err
}

// Phi4Step implements quench.LangevinStepper for lattice fields with the
// kernels of kernels/langevin.cu, twins of cpu/phi4.go.
func (b *Backend) Phi4Step(f *quench.Phi4Fields, lat quench.Lattice, p *quench.Phi4Params, ctr quench.Counter) error {
	if err := ctr.Check(); err != nil {
		return fmt.Errorf("gpu: Phi4Step: %v", err)
	}
	if err := lat.Check(); err != nil {
		return fmt.Errorf("gpu: Phi4Step: %v", err)
	}
	if f == nil || p == nil {
		return fmt.Errorf("gpu: Phi4Step needs fields and parameters")
	}
	c, err := p.Coeffs(lat.Dim())
	if err != nil {
		return err
	}
	if lat.Dim() > 4 {
		return fmt.Errorf("gpu: %d-dimensional fields are not supported (at most 4)", lat.Dim())
	}
	if f.Phi == nil || f.Next == nil {
		return fmt.Errorf("gpu: Phi4Step needs Phi and Next")
	}
	phi, next, extra, dt, err := b.phi4Ptrs(f, lat, p.Scheme)
	if err != nil {
		return err
	}
	blk := kernels.NewPhi4Block(lat, c, ctr)
	err = b.do(func() error {
		if err := b.writeBlock(b.phi4, unsafe.Pointer(&blk), unsafe.Sizeof(blk)); err != nil {
			return err
		}
		return b.phi4Launch(p.Scheme, lat, dt, phi, next, extra, ctr.Step)
	})
	if err != nil {
		return err
	}
	f.Phi, f.Next = f.Next, f.Phi
	return nil
}

// phi4Ptrs checks f's buffers for scheme on lat (each its own, of lat's
// sites and one float type, the scheme's extra one given) and returns
// their device pointers (extra: BAOAB's momenta, model B's chemical
// potential) and their type.
func (b *Backend) phi4Ptrs(f *quench.Phi4Fields, lat quench.Lattice, scheme string) (phi, next, extra uint64, dt quench.DType, err error) {
	bufs := []quench.Buffer{f.Phi, f.Next}
	switch scheme {
	case quench.SchemeBAOAB:
		bufs = append(bufs, f.Mom)
	case quench.SchemeModelB:
		bufs = append(bufs, f.Mu)
		if err := quench.CheckNoiseNumbers("gpu: Phi4Step", lat.Sites(), int64(lat.Dim())); err != nil {
			return 0, 0, 0, 0, err
		}
	}
	if !quench.Distinct(bufs...) {
		return 0, 0, 0, 0, fmt.Errorf("gpu: Phi4Step: one buffer is given as two of the fields: each must be its own")
	}
	phiBuf, err := b.own(f.Phi, 0) // a nil *Buffer too
	if err != nil {
		return 0, 0, 0, 0, err
	}
	dt = phiBuf.dt
	if dt != quench.Float32 && dt != quench.Float64 {
		return 0, 0, 0, 0, fmt.Errorf("gpu: phi4 fields must be float32 or float64, not %v", dt)
	}
	ptr := func(buf quench.Buffer) (uint64, error) {
		if buf == nil {
			return 0, fmt.Errorf("gpu: scheme %s needs its extra buffer", scheme)
		}
		gb, err := b.own(buf, dt)
		if err != nil {
			return 0, err
		}
		if gb.n != lat.Sites() {
			return 0, fmt.Errorf("gpu: field buffer has %d elements, lattice %s has %d sites", gb.n, lat, lat.Sites())
		}
		return uint64(gb.ptr), nil
	}
	phi, err = ptr(f.Phi)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	next, err = ptr(f.Next)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	switch scheme {
	case quench.SchemeBAOAB:
		extra, err = ptr(f.Mom)
	case quench.SchemeModelB:
		extra, err = ptr(f.Mu)
	}
	if err != nil {
		return 0, 0, 0, 0, err
	}
	return phi, next, extra, dt, nil
}

// phi4Launch launches one step's kernels for scheme, inside b.do, with
// the step's block written: the row kernels where the lattice has rows
// for them, else one thread a site (or a noise current).
func (b *Backend) phi4Launch(scheme string, lat quench.Lattice, dt quench.DType, phi, next, extra, step uint64) error {
	suffix, err := floatSuffix(dt)
	if err != nil {
		return err
	}
	n := lat.Sites()
	switch scheme {
	case quench.SchemeEM, quench.SchemeLM:
		lm := uint64(0)
		if scheme == quench.SchemeLM {
			lm = 1
		}
		name, w := kernels.Phi4OverdampedRows, kernels.SitesPerThread(dt)
		switch {
		case lm == 1:
			name = kernels.Phi4LMRows
		case kernels.WideRows(lat, dt):
			name, w = kernels.Phi4OverdampedRows8, kernels.WideSites
		}
		if rl, ok := kernels.RowGrid(lat, blockSize, w); ok {
			return b.launchRows(kernels.RowKernel(name, dt, lat.Dim()), rl, kernels.RowLoops(dt), next, phi, step)
		}
		return b.launch(kernels.Phi4Overdamped+suffix, n, next, phi, step, lm)
	case quench.SchemeBAOAB:
		if rl, ok := kernels.RowGrid(lat, blockSize, kernels.SitesPerThread(dt)); ok {
			if err := b.launchRows(kernels.RowKernel(kernels.Phi4BAOAB1Rows, dt, lat.Dim()), rl, kernels.RowLoops(dt), next, phi, extra, step); err != nil {
				return err
			}
			return b.launchRows(kernels.RowKernel(kernels.Phi4BAOAB2Rows, dt, lat.Dim()), rl, false, next, extra)
		}
		if err := b.launch(kernels.Phi4BAOAB1+suffix, n, next, phi, extra, step); err != nil {
			return err
		}
		return b.launch(kernels.Phi4BAOAB2+suffix, n, next, extra)
	default:
		// the noise currents first, each normal drawn once (into
		// device scratch of dim*n elements)
		links := n * int64(lat.Dim())
		cur, err := b.curScratch(links * dt.Size())
		if err != nil {
			return err
		}
		if err := b.launch(kernels.Phi4Currents+suffix, (links+kernels.SitesPerThread(dt)-1)/kernels.SitesPerThread(dt), cur, step); err != nil {
			return err
		}
		if rl, ok := kernels.RowGrid(lat, blockSize, kernels.SitesPerThread(dt)); ok {
			if err := b.launchRows(kernels.RowKernel(kernels.Phi4MuRows, dt, lat.Dim()), rl, false, extra, phi); err != nil {
				return err
			}
			return b.launchRows(kernels.RowKernel(kernels.Phi4ModelBRows, dt, lat.Dim()), rl, false, next, phi, extra, cur)
		}
		if err := b.launch(kernels.Phi4Mu+suffix, n, extra, phi); err != nil {
			return err
		}
		return b.launch(kernels.Phi4ModelB+suffix, n, next, phi, extra, cur)
	}
}

// floatSuffix names the kernel variant of a float buffer type.
func floatSuffix(dt quench.DType) (string, error) {
	switch dt {
	case quench.Float64:
		return "_f64", nil
	case quench.Float32:
		return "_f32", nil
	}
	return "", fmt.Errorf("gpu: float32 or float64 buffers needed, not %v", dt)
}

// PhaseSums implements quench.Reducer: phase_partials sums fixed blocks of
// quench.SumBlock phases (pairSums: their (C, S) added as AddPartials).
func (b *Backend) PhaseSums(phases quench.Buffer) (float64, float64, error) {
	gb, err := b.own(phases, 0)
	if err != nil {
		return 0, 0, err
	}
	suffix, err := floatSuffix(gb.dt)
	if err != nil {
		return 0, 0, err
	}
	return b.pairSums(gb.n, func(nblk int64, p uint64) error {
		return b.launch(kernels.PhasePartials+suffix, nblk, uint64(gb.ptr), uint64(gb.n), p)
	})
}

// ParticleStep implements quench.LangevinStepper for particle ensembles
// with the kernels of kernels/particles.cu, twins of cpu/particles.go.
func (b *Backend) ParticleStep(ps *quench.Particles, p *quench.ParticleParams, ctr quench.Counter) error {
	return b.particleStep(ps, p, ctr, nil)
}

// ParticleStepWithSums implements quench.PhaseSumsStepper: ParticleStep
// with the kuramoto phase sums C, S of ps.Pos given, so that a run that
// measured the order parameter does not take them a second time.
func (b *Backend) ParticleStepWithSums(ps *quench.Particles, p *quench.ParticleParams, ctr quench.Counter, c, s float64) error {
	return b.particleStep(ps, p, ctr, &[2]float64{c, s})
}

// particleStep is ParticleStep; sums, when not nil, are PhaseSums of
// ps.Pos (kuramoto).
func (b *Backend) particleStep(ps *quench.Particles, p *quench.ParticleParams, ctr quench.Counter, sums *[2]float64) error {
	c, err := quench.CheckParticleStep("gpu", ps, p, ctr)
	if err != nil {
		return err
	}
	if ps.Pos == nil {
		return fmt.Errorf("gpu: ParticleStep needs positions")
	}
	kur := p.Potential == quench.PotentialKuramoto
	pos, err := b.own(ps.Pos, 0) // a nil *Buffer too
	if err != nil {
		return err
	}
	dt := pos.dt
	suffix, err := floatSuffix(dt)
	if err != nil {
		return err
	}
	m := ps.N * int64(ps.Dim)
	ptr := func(buf quench.Buffer, n int64, need bool) (uint64, error) {
		if buf == nil {
			if need {
				return 0, fmt.Errorf("gpu: scheme %s with potential %s needs another buffer", p.Scheme, p.Potential)
			}
			return 0, nil
		}
		gb, err := b.own(buf, dt)
		if err != nil {
			return 0, err
		}
		if gb.n != n {
			return 0, fmt.Errorf("gpu: particle buffer has %d elements, want %d", gb.n, n)
		}
		return uint64(gb.ptr), nil
	}
	x, err := ptr(ps.Pos, m, true)
	if err != nil {
		return err
	}
	v, err := ptr(ps.Vel, m, p.Scheme == quench.SchemeBAOAB)
	if err != nil {
		return err
	}
	if p.Scheme == quench.SchemeBAOAB && !quench.Distinct(ps.Pos, ps.Vel) || kur && !quench.Distinct(ps.Pos, ps.Omega) {
		return fmt.Errorf("gpu: ParticleStep: one buffer is given as two of Pos, Vel and Omega: each must be its own")
	}
	om, err := ptr(ps.Omega, ps.N, kur)
	if err != nil {
		return err
	}
	blk := kernels.NewParticleBlock(ps, p, c, ctr)
	return b.do(func() error {
		P := b.steady // slot 0
		if err := b.writeBlock(P, unsafe.Pointer(&blk), unsafe.Sizeof(blk)); err != nil {
			return err
		}
		// a kuramoto step reads the phase sums C, S of its phases from
		// device memory: those given (a measurement's), or PhaseSums'
		// added on the device (phase_total, in the host's order), which
		// the host need not wait for
		cs := b.steady + phaseSlot*kernels.ParamBytes
		switch {
		case kur && sums != nil:
			if err := wrap("upload phase sums", cu.MemcpyHtoD(cs, unsafe.Pointer(&sums[0]), 16)); err != nil {
				return err
			}
		case kur:
			q, err := b.pairGroups(m, func(nblk int64, p uint64) error {
				return b.launch(kernels.PhasePartials+suffix, nblk, x, uint64(m), p)
			})
			if err != nil {
				return err
			}
			if err := b.launch(kernels.PhaseTotal, 1, q, uint64(pairGroupCount(m)), uint64(cs)); err != nil {
				return err
			}
		}
		w := kernels.SitesPerThread(ps.Pos.DType())
		return b.launch(kernels.ParticleStep+suffix, (m+w-1)/w, x, v, om, uint64(P), uint64(cs), ctr.Step)
	})
}

// SandpileAdd implements quench.LatticeUpdater with the round kernels of
// kernels/sandpile.cu over lists of tiles that can hold unstable sites, the
// twin of cpu/sandpile.go. The rounds run on the device in batches; the
// host reads the counts between batches to stop.
func (b *Backend) SandpileAdd(s *quench.Sandpile, lat quench.Lattice, site int64, avalanche int32) (quench.Avalanche, error) {
	if err := lat.Check(); err != nil {
		return quench.Avalanche{}, fmt.Errorf("gpu: SandpileAdd: %v", err)
	}
	if s == nil {
		return quench.Avalanche{}, fmt.Errorf("gpu: SandpileAdd needs a sandpile")
	}
	var av quench.Avalanche
	n := lat.Sites()
	if lat.Dim() > 3 {
		return av, fmt.Errorf("gpu: sandpiles of %d dimensions are not supported (at most 3)", lat.Dim())
	}
	var ptrs [3]uint64
	for i, c := range []struct {
		buf quench.Buffer
		dt  quench.DType
	}{{s.Heights, quench.Uint8}, {s.Activity, quench.Int64}, {s.Stamp, quench.Int32}} {
		gb, err := b.own(c.buf, c.dt)
		if err != nil {
			return av, err
		}
		if gb.n != n {
			return av, fmt.Errorf("gpu: sandpile buffers must have %d elements", n)
		}
		ptrs[i] = uint64(gb.ptr)
	}
	if site < 0 || site >= n || avalanche <= 0 {
		return av, fmt.Errorf("gpu: grain at site %d of %d, avalanche %d", site, n, avalanche)
	}
	blk := kernels.NewSandBlock(lat, avalanche)
	if blk.Tiles() > math.MaxInt32 {
		return av, fmt.Errorf("gpu: a sandpile of %d tiles: at most %d (int32 tile lists)", blk.Tiles(), math.MaxInt32)
	}
	err := b.do(func() (err error) {
		sc := &b.sand
		defer func() {
			if err != nil {
				// a broken avalanche may leave flags set and marks ahead
				// of the round: the next call starts from fresh scratch
				sc.n = 0
			}
		}()
		if err := sc.prepare(n, blk.Tiles()); err != nil {
			return err
		}
		if err := cu.MemcpyHtoD(b.params, unsafe.Pointer(&blk), int64(unsafe.Sizeof(blk))); err != nil {
			return wrap("upload parameters", err)
		}
		if b.sandKernel == SandpileResident {
			av, err = b.sandRelax(ptrs[0], ptrs[1], ptrs[2], &blk, site)
			return err
		}
		var counts kernels.SandCounts
		counts.Reset(sc.round)
		if err := cu.MemcpyHtoD(b.sums, unsafe.Pointer(&counts[0]), int64(unsafe.Sizeof(counts))); err != nil {
			return wrap("upload counts", err)
		}
		P, C := uint64(b.params), uint64(b.sums)
		F, M, LA, LB := uint64(sc.flags), uint64(sc.mark), uint64(sc.la), uint64(sc.lb)
		if err := b.launch(kernels.SandpileGrain, 1, ptrs[0], uint64(site), C, LA, LB, uint64(blk.Tile(site))); err != nil {
			return err
		}
		// Rounds (two kernels each) are queued in batches (4, doubling to
		// 256) between looks at the counts: rounds after the avalanche
		// ended do nothing. Each tile kernel uses a fixed grid of one wave
		// (the blocks the device holds at once), a block per listed tile at
		// a time.
		flagWave, err := b.oneWave(kernels.SandpileFlags, blockSize)
		if err != nil {
			return err
		}
		applyWave, err := b.oneWave(kernels.SandpileApply, blockSize)
		if err != nil {
			return err
		}
		flagThreads := min(blk.Tiles(), flagWave) * blockSize
		applyThreads := min(blk.Tiles(), applyWave) * blockSize
		start, queued := time.Now(), 0
		for batch := 4; ; batch = min(2*batch, 256) {
			// an avalanche of the largest pile ends in seconds: one not
			// ended after sandpileHang means the round-closing block never
			// set the done flag, and a quick error beats a hang
			if time.Since(start) > sandpileHang {
				return fmt.Errorf("gpu: a sandpile avalanche has not ended after %d rounds in %v: the kernels never closed its last round", queued, sandpileHang)
			}
			queued += batch
			for r := 0; r < batch; r++ {
				if err := b.launch(kernels.SandpileFlags, flagThreads, ptrs[0], F, ptrs[1], ptrs[2], P, C, M, LA, LB); err != nil {
					return err
				}
				if err := b.launch(kernels.SandpileApply, applyThreads, ptrs[0], F, P, C, LA, LB); err != nil {
					return err
				}
			}
			if err := cu.MemcpyDtoH(unsafe.Pointer(&counts[0]), b.sums, int64(unsafe.Sizeof(counts))); err != nil {
				return wrap("download counts", err)
			}
			if counts[13] != 0 {
				av = quench.Avalanche{Size: int64(counts[9]), Area: int64(counts[10]), Lost: int64(counts[11]), Duration: int64(counts[12])}
				sc.round = counts[5] + 1
				return nil
			}
		}
	})
	return av, err
}

// sandpileHang bounds one avalanche's rounds on the GPU (SandpileAdd).
const sandpileHang = 3 * time.Minute

// sandScratch is the device memory of the sandpile kernels beside the
// caller's buffers: toppling flags (two bytes a site, zero between
// avalanches: sandpile_relax's two buffers, the first of which the round
// kernels use), the tile marks and topped passes (sandpile_relax's), the
// two tile lists (int32 a tile each), and the round (pass) counter the
// marks refer to, carried from avalanche to avalanche.
type sandScratch struct {
	flags, mark, la, lb cu.DevicePtr
	n, tiles            int64
	round               uint64
}

// prepare (re)allocates for n sites in `tiles` tiles and restarts the
// round count (clearing the marks) before it could overflow an int32.
// Call on the CUDA thread.
func (sc *sandScratch) prepare(n, tiles int64) error {
	if sc.n != n || sc.tiles != tiles {
		for _, p := range []cu.DevicePtr{sc.flags, sc.mark, sc.la, sc.lb} {
			if p != 0 {
				cu.MemFree(p)
			}
		}
		*sc = sandScratch{}
		var err error
		if sc.flags, err = cu.MemAlloc(2 * n); err != nil {
			return wrap("allocating sandpile flags", err)
		}
		if err := cu.MemsetD8(sc.flags, 0, 2*n); err != nil {
			return wrap("clearing sandpile flags", err)
		}
		if sc.mark, err = cu.MemAlloc(8 * tiles); err != nil {
			return wrap("allocating sandpile tile marks", err)
		}
		for _, p := range []*cu.DevicePtr{&sc.la, &sc.lb} {
			if *p, err = cu.MemAlloc(4 * tiles); err != nil {
				return wrap("allocating sandpile tile lists", err)
			}
		}
		sc.n, sc.tiles, sc.round = n, tiles, 1<<31 // forces the clear below
	}
	if sc.round >= 1<<30 {
		if err := cu.MemsetD8(sc.mark, 0, 8*sc.tiles); err != nil {
			return wrap("clearing sandpile tile marks", err)
		}
		sc.round = 0
	}
	return nil
}

// MassTransfer implements quench.LatticeUpdater with mass_class_rows on
// rows a multiple of 4 long (kernels.MassRowGrid), mass_class otherwise
// (one launch per bond class), and mass_inject, the twins of
// cpu/transfer.go.
func (b *Backend) MassTransfer(mass quench.Buffer, lat quench.Lattice, p *quench.MassTransferParams, ctr quench.Counter) error {
	if err := ctr.Check(); err != nil {
		return fmt.Errorf("gpu: MassTransfer: %v", err)
	}
	if err := lat.Check(); err != nil {
		return fmt.Errorf("gpu: MassTransfer: %v", err)
	}
	if p == nil {
		return fmt.Errorf("gpu: MassTransfer needs parameters")
	}
	gb, err := b.own(mass, quench.Int64)
	if err != nil {
		return err
	}
	if gb.n != lat.Sites() {
		return fmt.Errorf("gpu: mass buffer has %d elements, lattice %s has %d", gb.n, lat, lat.Sites())
	}
	if lat.Dim() > 2 {
		return fmt.Errorf("gpu: mass transfer runs on 1D and 2D lattices, not %dD", lat.Dim())
	}
	if err := lat.CheckCheckerboard(); err != nil {
		return err
	}
	rule, ok := map[string]int64{"kmp": 0, "aggregation": 1, "transfer": 2}[p.Rule]
	if !ok {
		return fmt.Errorf("unknown mass-transfer rule %q: allowed are kmp, aggregation, transfer", p.Rule)
	}
	if rule == 2 && math.IsNaN(p.Fraction) {
		// D32 would convert NaN to 2^63 and move masses of the wrong sign
		return fmt.Errorf("gpu: transfer fraction %v is not a number", p.Fraction)
	}
	return b.do(func() error {
		for k := range kernels.MassClasses(lat) {
			blk := kernels.NewMassBlock(lat, rule, p.D32(), ctr, k)
			P := b.steady + cu.DevicePtr((1+k)*kernels.ParamBytes)
			if err := b.writeBlock(P, unsafe.Pointer(&blk), unsafe.Sizeof(blk)); err != nil {
				return err
			}
			if rl, ok := kernels.MassRowGrid(lat, blockSize, k); ok {
				if err := b.launchRows(kernels.MassClassRows, rl, false, uint64(gb.ptr), uint64(P), ctr.Step); err != nil {
					return err
				}
				continue
			}
			if err := b.launch(kernels.MassClass, lat.Sites()/2, uint64(gb.ptr), uint64(P), ctr.Step); err != nil {
				return err
			}
		}
		if rule == 1 && p.Injection != 0 {
			return b.launch(kernels.MassInject, lat.Sites(), uint64(gb.ptr), uint64(lat.Sites()), uint64(p.Injection))
		}
		return nil
	})
}

// Diffuse implements quench.LatticeUpdater with the diffuse kernel.
func (b *Backend) Diffuse(dst, src quench.Buffer, lat quench.Lattice, alpha float64) error {
	if err := lat.Check(); err != nil {
		return fmt.Errorf("gpu: Diffuse: %v", err)
	}
	if !quench.Distinct(dst, src) {
		return fmt.Errorf("gpu: Diffuse: dst and src are one buffer: each must be its own")
	}
	if math.IsNaN(alpha) || math.IsInf(alpha, 0) {
		return fmt.Errorf("gpu: Diffuse: alpha %v is not a finite number", alpha)
	}
	if lat.Dim() > 4 {
		return fmt.Errorf("gpu: %d-dimensional fields are not supported (at most 4)", lat.Dim())
	}
	s, err := b.own(src, 0)
	if err != nil {
		return err
	}
	d, err := b.own(dst, s.dt)
	if err != nil {
		return err
	}
	suffix, err := floatSuffix(s.dt)
	if err != nil {
		return err
	}
	if s.n != lat.Sites() || d.n != lat.Sites() {
		return fmt.Errorf("gpu: diffusion buffers must have %d elements", lat.Sites())
	}
	blk := kernels.NewPhi4Block(lat, quench.Phi4Coeffs{Z: float64(2 * lat.Dim()), A: alpha}, quench.Counter{})
	return b.do(func() error {
		if err := b.writeBlock(b.phi4, unsafe.Pointer(&blk), unsafe.Sizeof(blk)); err != nil {
			return err
		}
		if rl, ok := kernels.RowGrid(lat, blockSize, kernels.SitesPerThread(s.dt)); ok {
			return b.launchRows(kernels.RowKernel(kernels.DiffuseRows, s.dt, lat.Dim()), rl, false, uint64(d.ptr), uint64(s.ptr))
		}
		return b.launch(kernels.Diffuse+suffix, lat.Sites(), uint64(d.ptr), uint64(s.ptr))
	})
}
