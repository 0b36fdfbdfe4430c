//go:build cuda

package gpu

/*
#cgo LDFLAGS: -lcuda
#cgo linux CFLAGS: -I/usr/local/cuda/include
#cgo linux LDFLAGS: -L/usr/local/cuda/lib64
#include <cuda.h>
#include <stdlib.h>
#include <stdint.h>

// quench_launch_coop launches f on grid x block threads with n 8-byte
// parameters, copied to C memory (cgo passes no Go pointer to Go pointers).
static CUresult quench_launch_coop(CUfunction f, unsigned grid, unsigned block, const uint64_t* args, int n) {
	uint64_t* v = malloc(8 * (size_t)n + 1);
	void** p = malloc(sizeof(void*) * (size_t)n + 1);
	if (!v || !p) {
		free(v);
		free(p);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	for (int i = 0; i < n; i++) {
		v[i] = args[i];
		p[i] = &v[i];
	}
	CUresult r = cuLaunchCooperativeKernel(f, grid, 1, 1, block, 1, 1, 0, 0, p);
	free(v);
	free(p);
	return r;
}
*/
import "C"

import (
	"fmt"
	"os"
	"time"
	"unsafe"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/kernels"
	"gorgonia.org/cu"
)

// The GPU backend's two ways to relax a sandpile grain (SandpileAdd), with
// identical results:
const (
	// SandpileRounds: two kernel launches a round (sandpile_flags,
	// sandpile_apply), queued in batches; the default.
	SandpileRounds = "rounds"
	// SandpileResident: one cooperative launch of sandpile_relax an
	// avalanche (more for a very long one), its blocks resident and
	// meeting at a grid barrier once a round, so that a round costs no
	// launch.
	SandpileResident = "resident"
)

// SandpileKernelEnv names the environment variable that picks the sandpile
// kernels of a new backend: SandpileRounds (the default, also when empty)
// or SandpileResident.
const SandpileKernelEnv = "QUENCH_GPU_SANDPILE"

// cu.Function holds a CUfunction and nothing else: launchCoop reads it.
var _ = [1]struct{}{}[unsafe.Sizeof(cu.Function{})-unsafe.Sizeof(C.CUfunction(nil))]

// sandKernelFromEnv is SandpileKernelEnv's choice.
func sandKernelFromEnv() (string, error) {
	switch v := os.Getenv(SandpileKernelEnv); v {
	case "", SandpileRounds:
		return SandpileRounds, nil
	case SandpileResident:
		return SandpileResident, nil
	default:
		return "", quench.Usagef("%s=%s is not allowed: %s or %s", SandpileKernelEnv, v, SandpileRounds, SandpileResident)
	}
}

// SetSandpileKernel picks how SandpileAdd relaxes grains: SandpileRounds
// or SandpileResident (which needs a device that runs cooperative
// launches).
func (b *Backend) SetSandpileKernel(k string) error {
	switch k {
	case SandpileRounds:
	case SandpileResident:
		if !b.coop {
			return fmt.Errorf("gpu: the %s sandpile kernel needs cooperative launches, which %s does not run", k, b.name)
		}
	default:
		return fmt.Errorf("gpu: sandpile kernel %q: %s or %s", k, SandpileRounds, SandpileResident)
	}
	b.sandKernel = k
	return nil
}

// SandpileKernel is the sandpile kernel SandpileAdd uses.
func (b *Backend) SandpileKernel() string { return b.sandKernel }

// launchCoop launches kernel name cooperatively (every block resident at
// once) on grid blocks of block threads; every argument is an 8-byte
// value. Call on the CUDA thread.
func (b *Backend) launchCoop(name string, grid, block int64, args ...uint64) error {
	fn := b.fns[name]
	f := *(*C.CUfunction)(unsafe.Pointer(&fn))
	if r := C.quench_launch_coop(f, C.uint(grid), C.uint(block), (*C.uint64_t)(unsafe.Pointer(&args[0])), C.int(len(args))); r != C.CUDA_SUCCESS {
		var what *C.char
		C.cuGetErrorName(r, &what)
		msg := fmt.Sprintf("CUDA error %d", int(r))
		if what != nil {
			msg = C.GoString(what)
		}
		return fmt.Errorf("gpu: cooperative launch of kernel %s on %d blocks of %d threads failed: %s", name, grid, block, msg)
	}
	return nil
}

// relaxGrid is the blocks of a sandpile_relax launch on a pile of `tiles`
// tiles: as many as the device holds at once (of b.relaxBlock threads),
// at most one a tile (and at most relaxGridMax, when set).
func (b *Backend) relaxGrid(tiles int64) (int64, error) {
	w, err := b.oneWave(kernels.SandpileRelax, b.relaxBlock)
	if b.relaxGridMax > 0 {
		w = min(w, b.relaxGridMax)
	}
	return min(w, tiles), err
}

// relaxBarrierLimit is QSAND_BARRIER_NS of sandpile.cu.
const relaxBarrierLimit = 30 * time.Second

// relaxPasses bounds the passes of one sandpile_relax launch: a longer
// avalanche goes on in the next launch, after the host has looked at the
// time (sandpileHang).
const relaxPasses = 1 << 14

// sandRelax is SandpileAdd with sandpile_relax (SandpileResident), on the
// CUDA thread: h, act, stamp are the pile's buffers, blk its parameters.
func (b *Backend) sandRelax(h, act, stamp uint64, blk *kernels.SandBlock, site int64) (quench.Avalanche, error) {
	sc := &b.sand
	if b.relaxPasses < 1 {
		return quench.Avalanche{}, fmt.Errorf("gpu: %s launches of %d passes: at least 1", kernels.SandpileRelax, b.relaxPasses)
	}
	grid, err := b.relaxGrid(blk.Tiles())
	if err != nil {
		return quench.Avalanche{}, err
	}
	p0 := sc.round
	rc := kernels.RelaxCounts{0: p0}
	if err := cu.MemcpyHtoD(b.sums, unsafe.Pointer(&rc[0]), int64(unsafe.Sizeof(rc))); err != nil {
		return quench.Avalanche{}, wrap("upload counts", err)
	}
	P, C := uint64(b.params), uint64(b.sums)
	F, M, LA, LB := uint64(sc.flags), uint64(sc.mark), uint64(sc.la), uint64(sc.lb)
	grain, tile := site, blk.Tile(site)
	start := time.Now()
	for launches := 1; ; launches++ {
		if err := b.launchCoop(kernels.SandpileRelax, grid, b.relaxBlock, h, F, act, stamp, P, C, M, LA, LB,
			uint64(grain), uint64(tile), uint64(b.relaxPasses)); err != nil {
			return quench.Avalanche{}, err
		}
		if err := cu.MemcpyDtoH(unsafe.Pointer(&rc[0]), b.sums, int64(unsafe.Sizeof(rc))); err != nil {
			// the kernel's errors come with the sync
			return quench.Avalanche{}, fmt.Errorf("gpu: %s (a block that waits %v at its grid barrier traps): %v", kernels.SandpileRelax, relaxBarrierLimit, err)
		}
		if rc[1] != 0 {
			sc.round = rc[0]
			return rc.Avalanche(p0), nil
		}
		if time.Since(start) > sandpileHang {
			return quench.Avalanche{}, fmt.Errorf("gpu: a sandpile avalanche has not ended after %d passes in %v: the kernel never found its last round",
				int64(launches)*b.relaxPasses, sandpileHang)
		}
		grain = -1 // the next launch goes on with the avalanche
	}
}

// coopSupported reports whether dev runs cooperative launches.
func coopSupported(dev cu.Device) bool {
	v, err := dev.Attribute(cu.DeviceAttribute(C.CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH))
	return err == nil && v != 0
}
