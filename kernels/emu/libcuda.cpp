// libcuda.cpp: a stand-in for the CUDA driver (libcuda.so.1) that runs the
// kernels of ../quench.cu on the CPU with the emulator's runtime
// (runtime.h), so that binaries built with -tags cuda (quench, gpu.test)
// run their whole GPU path, the gpu backend's host code included, on a
// machine without a GPU (scripts/emu-gpu.sh). It implements the calls that
// gorgonia.org/cu makes for the gpu backend; the rest are not exported,
// and a binary that calls one stops with the dynamic loader's "undefined
// symbol". "Device" memory is host memory, every call is synchronous,
// allocations start filled with 0xCD, not zeros, as a GPU's hold whatever
// was there, and a copy or memset outside every allocation fails. It says
// nothing about speed.
//
// Built by scripts/emu-gpu.sh with names.inc, the ENTRY(kernel) and
// SYMBOL(constant) lines `go run ./kernels/emu/names` prints.
#include "runtime.h"

#include <cstdarg>
#include <map>
#include <mutex>
#include <string>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef void* CUcontext;
typedef void* CUmodule;
typedef void* CUfunction;
typedef void* CUstream;

enum : CUresult {
    CUDA_SUCCESS = 0,
    CUDA_ERROR_INVALID_VALUE = 1,
    CUDA_ERROR_OUT_OF_MEMORY = 2,
    CUDA_ERROR_INVALID_DEVICE = 101,
    CUDA_ERROR_INVALID_CONTEXT = 201,
    CUDA_ERROR_NOT_FOUND = 500,
    CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,
    CUDA_ERROR_NOT_SUPPORTED = 801,
};

namespace {

// a kernel entry: calls the kernel with the launch's parameters, each read
// from the 8 bytes kernelParams[i] points at, as the parameter's type
using entry_fn = void (*)(void**);

template <typename... A, size_t... I>
void call_with(void (*fn)(A...), void** p, std::index_sequence<I...>) {
    fn(*reinterpret_cast<std::remove_reference_t<A>*>(p[I])...);
}

template <auto Fn>
struct entry;
template <typename... A, void (*Fn)(A...)>
struct entry<Fn> {
    static_assert(((sizeof(A) == 8) && ...), "every kernel parameter is 8 bytes (gorgonia.org/cu copies 8 bytes each)");
    static constexpr size_t arity = sizeof...(A);
    static void call(void** p) { call_with(Fn, p, std::index_sequence_for<A...>{}); }
};

struct kernel {
    entry_fn call;
    size_t arity;
};

const std::map<std::string, kernel>& kernels() {
    static const std::map<std::string, kernel> k = {
#define ENTRY(name) {#name, {entry<name>::call, entry<name>::arity}},
#define SYMBOL(name)
#include "names.inc"
#undef ENTRY
#undef SYMBOL
    };
    return k;
}

struct symbol {
    void* addr;
    size_t size;
};

const std::map<std::string, symbol>& symbols() {
    static const std::map<std::string, symbol> s = {
#define ENTRY(name)
#define SYMBOL(name) {#name, {(void*)&name, sizeof(name)}},
#include "names.inc"
#undef ENTRY
#undef SYMBOL
    };
    return s;
}

// the device's memory: QUENCH_EMU_DEVICE_BYTES (default 8 GiB) in all
size_t device_bytes() {
    static const size_t n = [] {
        const char* e = getenv("QUENCH_EMU_DEVICE_BYTES");
        return e ? (size_t)strtoull(e, nullptr, 10) : (size_t)8 << 30;
    }();
    return n;
}

std::mutex mu;  // guards allocs and used
std::map<CUdeviceptr, size_t> allocs;  // base -> the bytes asked for
size_t used;                           // bytes held (rounded up to 256 each)

// inside says whether [p, p+n) lies in one live allocation or in a
// constant symbol: a copy or memset that strays out of it fails, as the
// real driver fails it, instead of writing past the buffer
bool inside(CUdeviceptr p, size_t n) {
    for (const auto& s : symbols()) {
        const CUdeviceptr b = (CUdeviceptr)s.second.addr;
        if (p >= b && p - b <= s.second.size && n <= s.second.size - (p - b)) return true;
    }
    std::lock_guard<std::mutex> l(mu);
    auto it = allocs.upper_bound(p);
    if (it == allocs.begin()) return false;
    --it;
    return p - it->first <= it->second && n <= it->second - (p - it->first);
}

int module_tag, context_tag;

// trace prints each call with QUENCH_EMU_TRACE=1, to stderr
void trace(const char* f, ...) {
    static const bool on = getenv("QUENCH_EMU_TRACE") != nullptr;
    if (!on) return;
    va_list ap;
    va_start(ap, f);
    fprintf(stderr, "libcuda-emu: ");
    vfprintf(stderr, f, ap);
    fputc('\n', stderr);
    va_end(ap);
}

// bad reports a call on memory outside every allocation (always, to
// stderr: a real driver's error would be as plain) and fails it
CUresult bad(const char* call, CUdeviceptr p, size_t n) {
    fprintf(stderr, "libcuda-emu: %s of %zu bytes at %#llx: outside every allocation\n", call, n, p);
    return CUDA_ERROR_INVALID_VALUE;
}

}  // namespace

extern "C" {

CUresult cuInit(unsigned int) { return CUDA_SUCCESS; }

CUresult cuDriverGetVersion(int* v) {
    *v = 12080;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int* n) {
    *n = 1;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGet(CUdevice* d, int ordinal) {
    if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
    *d = 0;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetName(char* name, int len, CUdevice d) {
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    snprintf(name, (size_t)len, "quench emulated GPU (kernels on the CPU)");
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetAttribute(int* v, int attr, CUdevice d) {
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    switch (attr) {
    case 1: *v = 1024; break;                  // max threads per block
    case 2: case 3: *v = 1024; break;          // max block dims x, y
    case 4: *v = 64; break;                    // max block dim z
    case 5: *v = 2147483647; break;            // max grid dim x
    case 6: case 7: *v = 65535; break;         // max grid dims y, z
    case 8: *v = 48 << 10; break;              // shared memory per block
    case 10: *v = 32; break;                   // warp size
    case 16: *v = 4; break;                    // multiprocessors
    case 36: *v = 1000000; break;              // memory clock, kHz
    case 37: *v = 64; break;                   // memory bus width, bits
    case 75: *v = 9; break;                    // compute capability
    case 76: *v = 0; break;
    default: *v = 0;
    }
    return CUDA_SUCCESS;
}

CUresult cuDeviceTotalMem_v2(size_t* n, CUdevice d) {
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    *n = device_bytes();
    return CUDA_SUCCESS;
}

CUresult cuCtxCreate_v2(CUcontext* c, unsigned int, CUdevice d) {
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    *c = &context_tag;
    return CUDA_SUCCESS;
}
CUresult cuCtxDestroy_v2(CUcontext) { return CUDA_SUCCESS; }
CUresult cuCtxSetCurrent(CUcontext) { return CUDA_SUCCESS; }
CUresult cuCtxGetCurrent(CUcontext* c) {
    *c = &context_tag;
    return CUDA_SUCCESS;
}
CUresult cuCtxPushCurrent_v2(CUcontext) { return CUDA_SUCCESS; }
CUresult cuCtxPopCurrent_v2(CUcontext* c) {
    if (c) *c = &context_tag;
    return CUDA_SUCCESS;
}
CUresult cuCtxGetDevice(CUdevice* d) {
    *d = 0;
    return CUDA_SUCCESS;
}
CUresult cuCtxSynchronize(void) { return CUDA_SUCCESS; }

CUresult cuModuleLoadData(CUmodule* m, const void*) {
    *m = &module_tag;
    return CUDA_SUCCESS;
}
CUresult cuModuleUnload(CUmodule) { return CUDA_SUCCESS; }

CUresult cuModuleGetFunction(CUfunction* f, CUmodule, const char* name) {
    auto it = kernels().find(name);
    if (it == kernels().end()) return CUDA_ERROR_NOT_FOUND;
    *f = (CUfunction)&it->second;
    return CUDA_SUCCESS;
}

CUresult cuModuleGetGlobal_v2(CUdeviceptr* p, size_t* n, CUmodule, const char* name) {
    auto it = symbols().find(name);
    if (it == symbols().end()) return CUDA_ERROR_NOT_FOUND;
    if (p) *p = (CUdeviceptr)it->second.addr;
    if (n) *n = it->second.size;
    return CUDA_SUCCESS;
}

CUresult cuMemAlloc_v2(CUdeviceptr* p, size_t n) {
    if (n == 0) return CUDA_ERROR_INVALID_VALUE;
    const size_t r = (n + 255) & ~(size_t)255;
    {
        std::lock_guard<std::mutex> l(mu);
        if (used + r > device_bytes()) return CUDA_ERROR_OUT_OF_MEMORY;
        used += r;
    }
    void* m = aligned_alloc(256, r);
    if (!m) {
        std::lock_guard<std::mutex> l(mu);
        used -= r;
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    memset(m, 0xCD, r);
    std::lock_guard<std::mutex> l(mu);
    allocs[(CUdeviceptr)m] = n;
    *p = (CUdeviceptr)m;
    trace("cuMemAlloc %zu -> %p", n, m);
    return CUDA_SUCCESS;
}

CUresult cuMemFree_v2(CUdeviceptr p) {
    std::lock_guard<std::mutex> l(mu);
    auto it = allocs.find(p);
    if (it == allocs.end()) return CUDA_ERROR_INVALID_VALUE;
    used -= (it->second + 255) & ~(size_t)255;
    free((void*)p);
    allocs.erase(it);
    return CUDA_SUCCESS;
}

CUresult cuMemGetInfo_v2(size_t* fr, size_t* total) {
    std::lock_guard<std::mutex> l(mu);
    *fr = device_bytes() - used;
    *total = device_bytes();
    return CUDA_SUCCESS;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t n) {
    if (!inside(dst, n)) return bad("cuMemcpyHtoD", dst, n);
    memcpy((void*)dst, src, n);
    return CUDA_SUCCESS;
}
CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t n) {
    if (!inside(src, n)) return bad("cuMemcpyDtoH", src, n);
    memcpy(dst, (const void*)src, n);
    return CUDA_SUCCESS;
}
CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t n) {
    if (!inside(dst, n) || !inside(src, n)) return bad("cuMemcpyDtoD", dst, n);
    memmove((void*)dst, (const void*)src, n);
    return CUDA_SUCCESS;
}
CUresult cuMemsetD8_v2(CUdeviceptr dst, unsigned char v, size_t n) {
    if (!inside(dst, n)) return bad("cuMemsetD8", dst, n);
    memset((void*)dst, v, n);
    return CUDA_SUCCESS;
}
CUresult cuMemsetD32_v2(CUdeviceptr dst, unsigned int v, size_t n) {
    if (n > SIZE_MAX / 4 || !inside(dst, 4 * n)) return bad("cuMemsetD32", dst, 4 * n);
    unsigned int* p = (unsigned int*)dst;
    for (size_t i = 0; i < n; i++) p[i] = v;
    return CUDA_SUCCESS;
}

CUresult cuOccupancyMaxActiveBlocksPerMultiprocessor(int* n, CUfunction, int, size_t) {
    *n = 2;
    return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shmem, CUstream, void** params, void** extra) {
    const kernel* k = (const kernel*)f;
    // the limits a GPU of compute capability 9.0 enforces
    if (!k || extra || shmem != 0 || bz != 1 || bx * by == 0 || bx * by > 1024 || gx == 0 || gy == 0 || gz == 0 ||
        gy > 65535 || gz > 65535) {
        trace("cuLaunchKernel refused: grid %u %u %u block %u %u %u shared %u", gx, gy, gz, bx, by, bz, shmem);
        return CUDA_ERROR_INVALID_VALUE;
    }
    trace("cuLaunchKernel grid %u %u %u block %u %u", gx, gy, gz, bx, by);
    launch3(gx, gy, gz, bx, by, [&] { k->call(params); });
    return CUDA_SUCCESS;
}

}  // extern "C"
