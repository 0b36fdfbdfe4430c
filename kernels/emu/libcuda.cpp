// libcuda.cpp: a stand-in for the CUDA driver (libcuda.so.1) that runs the
// kernels of ../quench.cu on the CPU with the emulator's runtime
// (runtime.h), so that binaries built with -tags cuda (quench, gpu.test)
// run their whole GPU path, the gpu backend's host code included, on a
// machine without a GPU (scripts/emu-gpu.sh). It implements the calls that
// gorgonia.org/cu makes for the gpu backend; the rest are not exported,
// and a binary that calls one stops with the dynamic loader's "undefined
// symbol". "Device" memory is host memory, every call is synchronous, and
// allocations start filled with 0xCD, not zeros, as a GPU's hold whatever
// was there. It is stricter than a GPU where that is cheap: a copy or
// memset outside every allocation, a copy between two device buffers
// named as host memory, a kernel's pointer parameter into no allocation,
// a call without a current context, a launch past the limits, and an
// attribute it does not know all fail. It says nothing about speed.
//
// Built by scripts/emu-gpu.sh with names.inc, the ENTRY(kernel) and
// SYMBOL(constant) lines `go run ./kernels/emu/names` prints.
#include "runtime.h"

#include <climits>
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
    CUDA_ERROR_ILLEGAL_ADDRESS = 700,
    CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,
    CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE = 720,
    CUDA_ERROR_NOT_SUPPORTED = 801,
};

namespace {

bool device_pointer(const void* p);

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
    // check: the index of the first pointer parameter that points into no
    // live allocation or symbol of the current context (null, and one past
    // an allocation's end, are allowed), or -1
    template <size_t... I>
    static int check_with(void** p, std::index_sequence<I...>) {
        int bad = -1;
        ((bad = bad >= 0 || !std::is_pointer_v<std::remove_reference_t<A>> ||
                        device_pointer(*reinterpret_cast<const void* const*>(p[I]))
                    ? bad
                    : (int)I),
         ...);
        return bad;
    }
    static int check(void** p) { return check_with(p, std::index_sequence_for<A...>{}); }
};

struct kernel {
    entry_fn call;
    int (*check)(void**);
    size_t arity;
};

const std::map<std::string, kernel>& kernels() {
    static const std::map<std::string, kernel> k = {
#define ENTRY(name) {#name, {entry<name>::call, entry<name>::check, entry<name>::arity}},
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

// the device's multiprocessors: QUENCH_EMU_SMS (default 4; an H200 has
// 132, which makes the grids sized by them, and the emulation, slower)
int sms() {
    static const int n = [] {
        const char* e = getenv("QUENCH_EMU_SMS");
        const int v = e ? atoi(e) : 4;
        return v >= 1 ? v : 4;
    }();
    return n;
}

// the device's memory: QUENCH_EMU_DEVICE_BYTES (default 8 GiB) in all
size_t device_bytes() {
    static const size_t n = [] {
        const char* e = getenv("QUENCH_EMU_DEVICE_BYTES");
        return e ? (size_t)strtoull(e, nullptr, 10) : (size_t)8 << 30;
    }();
    return n;
}

// A context owns its allocations: destroying it frees them, as the real
// driver does. Each OS thread has its current context (the one it created
// or set last); the calls that need one fail without it, as the real
// driver's do (CUDA_ERROR_INVALID_CONTEXT: the per-thread context of
// gorgonia.org/cu's gotcha).
struct context {
    bool live = true;
    // a kernel's fault (QUENCH_EMU_FAULT_AT), sticky as a GPU's: every
    // call on the context fails with it from the next on
    CUresult fault = CUDA_SUCCESS;
};
thread_local context* current;

struct allocation {
    size_t n;       // the bytes asked for
    context* owner;
};

std::mutex mu;  // guards allocs and used
std::map<CUdeviceptr, allocation> allocs;
size_t used;  // bytes held (rounded up to 256 each)

size_t held(size_t n) { return (n + 255) & ~(size_t)255; }

bool has_context() { return current && current->live; }

// ready is what a call that needs a context returns before anything
// else: CUDA_ERROR_INVALID_CONTEXT without one, the context's fault once
// a kernel has faulted in it
CUresult ready() {
    if (!has_context()) return CUDA_ERROR_INVALID_CONTEXT;
    return current->fault;
}

// fault_at is QUENCH_EMU_FAULT_AT: the launch (counted from 1, every
// context's) that faults as a kernel reading an illegal address does on a
// GPU: the launch itself succeeds, and the context's later calls fail
// with CUDA_ERROR_ILLEGAL_ADDRESS (0: none)
long fault_at() {
    static const long n = [] {
        const char* e = getenv("QUENCH_EMU_FAULT_AT");
        return e ? atol(e) : 0L;
    }();
    return n;
}

// inside says whether [p, p+n) lies in one live allocation or in a
// constant symbol: a copy or memset that strays out of it fails, as the
// real driver fails it, instead of writing past the buffer. end: p may be
// one past the end (a kernel's pointer parameter).
bool inside(CUdeviceptr p, size_t n, bool end = false) {
    for (const auto& s : symbols()) {
        const CUdeviceptr b = (CUdeviceptr)s.second.addr;
        if (p >= b && p - b <= s.second.size && n <= s.second.size - (p - b) && (end || n > 0 || p - b < s.second.size)) return true;
    }
    std::lock_guard<std::mutex> l(mu);
    auto it = allocs.upper_bound(p);
    if (it == allocs.begin()) return false;
    --it;
    const size_t off = p - it->first, size = it->second.n;
    return off <= size && n <= size - off && (end || n > 0 || off < size);
}

bool device_pointer(const void* p) { return p == nullptr || inside((CUdeviceptr)p, 0, true); }

int module_tag;

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
    case 16: *v = sms(); break;                // multiprocessors
    case 36: *v = 1000000; break;              // memory clock, kHz
    case 37: *v = 64; break;                   // memory bus width, bits
    case 75: *v = 9; break;                    // compute capability
    case 76: *v = 0; break;
    case 95: *v = 1; break;                    // cooperative launches
    default: return CUDA_ERROR_INVALID_VALUE;  // not emulated: add it here
    }
    return CUDA_SUCCESS;
}

CUresult cuDeviceTotalMem_v2(size_t* n, CUdevice d) {
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    *n = device_bytes();
    return CUDA_SUCCESS;
}

// cuCtxCreate makes a context and makes it this thread's current one
// (contexts are never reused: a destroyed one stays dead)
CUresult cuCtxCreate_v2(CUcontext* c, unsigned int, CUdevice d) {
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    current = new context;
    *c = current;
    return CUDA_SUCCESS;
}
CUresult cuCtxDestroy_v2(CUcontext c) {
    context* x = (context*)c;
    if (!x || !x->live) return CUDA_ERROR_INVALID_CONTEXT;
    x->live = false;
    std::lock_guard<std::mutex> l(mu);
    for (auto it = allocs.begin(); it != allocs.end();) {
        if (it->second.owner != x) {
            ++it;
            continue;
        }
        used -= held(it->second.n);
        free((void*)it->first);
        it = allocs.erase(it);
    }
    if (current == x) current = nullptr;
    return CUDA_SUCCESS;
}
CUresult cuCtxSetCurrent(CUcontext c) {
    if (c && !((context*)c)->live) return CUDA_ERROR_INVALID_CONTEXT;
    current = (context*)c;
    return CUDA_SUCCESS;
}
CUresult cuCtxGetCurrent(CUcontext* c) {
    *c = has_context() ? current : nullptr;
    return CUDA_SUCCESS;
}
CUresult cuCtxPushCurrent_v2(CUcontext c) { return cuCtxSetCurrent(c); }
CUresult cuCtxPopCurrent_v2(CUcontext* c) {
    if (CUresult e = ready()) return e;
    if (c) *c = current;
    current = nullptr;
    return CUDA_SUCCESS;
}
CUresult cuCtxGetDevice(CUdevice* d) {
    if (CUresult e = ready()) return e;
    *d = 0;
    return CUDA_SUCCESS;
}
CUresult cuCtxSynchronize(void) { return ready(); }

CUresult cuModuleLoadData(CUmodule* m, const void*) {
    if (CUresult e = ready()) return e;
    *m = &module_tag;
    return CUDA_SUCCESS;
}
CUresult cuModuleUnload(CUmodule) { return CUDA_SUCCESS; }

CUresult cuModuleGetFunction(CUfunction* f, CUmodule, const char* name) {
    if (CUresult e = ready()) return e;
    auto it = kernels().find(name);
    if (it == kernels().end()) return CUDA_ERROR_NOT_FOUND;
    *f = (CUfunction)&it->second;
    return CUDA_SUCCESS;
}

CUresult cuModuleGetGlobal_v2(CUdeviceptr* p, size_t* n, CUmodule, const char* name) {
    if (CUresult e = ready()) return e;
    auto it = symbols().find(name);
    if (it == symbols().end()) return CUDA_ERROR_NOT_FOUND;
    if (p) *p = (CUdeviceptr)it->second.addr;
    if (n) *n = it->second.size;
    return CUDA_SUCCESS;
}

CUresult cuMemAlloc_v2(CUdeviceptr* p, size_t n) {
    if (CUresult e = ready()) return e;
    if (n == 0) return CUDA_ERROR_INVALID_VALUE;
    const size_t r = held(n);
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
    allocs[(CUdeviceptr)m] = {n, current};
    *p = (CUdeviceptr)m;
    trace("cuMemAlloc %zu -> %p", n, m);
    return CUDA_SUCCESS;
}

CUresult cuMemFree_v2(CUdeviceptr p) {
    if (CUresult e = ready()) return e;
    std::lock_guard<std::mutex> l(mu);
    auto it = allocs.find(p);
    if (it == allocs.end()) return CUDA_ERROR_INVALID_VALUE;
    used -= held(it->second.n);
    free((void*)p);
    allocs.erase(it);
    return CUDA_SUCCESS;
}

CUresult cuMemGetInfo_v2(size_t* fr, size_t* total) {
    if (CUresult e = ready()) return e;
    std::lock_guard<std::mutex> l(mu);
    *fr = device_bytes() - used;
    *total = device_bytes();
    return CUDA_SUCCESS;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t n) {
    if (CUresult e = ready()) return e;
    if (!inside(dst, n)) return bad("cuMemcpyHtoD", dst, n);
    if (n > 0 && inside((CUdeviceptr)src, 1)) return bad("cuMemcpyHtoD from device memory", (CUdeviceptr)src, n);
    memcpy((void*)dst, src, n);
    return CUDA_SUCCESS;
}
CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t n) {
    if (CUresult e = ready()) return e;
    if (!inside(src, n)) return bad("cuMemcpyDtoH", src, n);
    if (n > 0 && inside((CUdeviceptr)dst, 1)) return bad("cuMemcpyDtoH into device memory", (CUdeviceptr)dst, n);
    memcpy(dst, (const void*)src, n);
    return CUDA_SUCCESS;
}
CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t n) {
    if (CUresult e = ready()) return e;
    if (!inside(dst, n) || !inside(src, n)) return bad("cuMemcpyDtoD", dst, n);
    memmove((void*)dst, (const void*)src, n);
    return CUDA_SUCCESS;
}
CUresult cuMemsetD8_v2(CUdeviceptr dst, unsigned char v, size_t n) {
    if (CUresult e = ready()) return e;
    if (!inside(dst, n)) return bad("cuMemsetD8", dst, n);
    memset((void*)dst, v, n);
    return CUDA_SUCCESS;
}
CUresult cuMemsetD32_v2(CUdeviceptr dst, unsigned int v, size_t n) {
    if (CUresult e = ready()) return e;
    if (n > SIZE_MAX / 4 || !inside(dst, 4 * n)) return bad("cuMemsetD32", dst, 4 * n);
    unsigned int* p = (unsigned int*)dst;
    for (size_t i = 0; i < n; i++) p[i] = v;
    return CUDA_SUCCESS;
}

// blocks_per_sm is every kernel's occupancy here: a cooperative launch may
// have this many blocks a multiprocessor
static const int blocks_per_sm = 2;
// max_coop_threads bounds a cooperative launch's blocks times threads (8
// blocks of 1024 with the default 4 multiprocessors)
static const uint64_t max_coop_threads = 16 << 10;

CUresult cuOccupancyMaxActiveBlocksPerMultiprocessor(int* n, CUfunction, int, size_t) {
    if (CUresult e = ready()) return e;
    *n = blocks_per_sm;
    return CUDA_SUCCESS;
}

// run launches kernel f as cuLaunchKernel and cuLaunchCooperativeKernel
// do (coop: every block at once).
static CUresult run(const char* call, CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                    unsigned shmem, void** params, void** extra, bool coop) {
    if (CUresult e = ready()) return e;
    const kernel* k = (const kernel*)f;
    // the limits a GPU of compute capability 9.0 enforces (no kernel here
    // uses a third block axis or dynamic shared memory), and what this
    // emulation can run (launch3 numbers a grid's blocks in 32 bits)
    const uint64_t threads = (uint64_t)bx * by * bz, blocks = (uint64_t)gx * gy * gz;
    if (!k || extra || (k->arity > 0 && !params) || shmem != 0 || bz != 1 || bx > 1024 || by > 1024 || threads == 0 ||
        threads > 1024 || gx == 0 || gy == 0 || gz == 0 || gx > 2147483647u || gy > 65535 || gz > 65535 || blocks > UINT32_MAX) {
        fprintf(stderr, "libcuda-emu: %s refused: grid %u %u %u, block %u %u %u, %u bytes of shared memory\n", call, gx, gy, gz, bx,
                by, bz, shmem);
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (coop && blocks > (uint64_t)blocks_per_sm * sms()) {
        fprintf(stderr, "libcuda-emu: %s refused: %llu blocks, at most %d resident at once\n", call, (unsigned long long)blocks,
                blocks_per_sm * sms());
        return CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE;
    }
    // a cooperative launch runs every block on a thread of its own, with a
    // fiber stack for each of its threads: this emulation's limit
    if (coop && blocks * threads > max_coop_threads) {
        fprintf(stderr, "libcuda-emu: %s refused: %llu blocks of %llu threads; the emulation runs at most %llu threads at once (fewer QUENCH_EMU_SMS)\n",
                call, (unsigned long long)blocks, (unsigned long long)threads, (unsigned long long)max_coop_threads);
        return CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE;
    }
    if (const int i = k->check(params); i >= 0) {
        fprintf(stderr, "libcuda-emu: %s: parameter %d, %p, points into no allocation\n", call, i, *(void**)params[i]);
        return CUDA_ERROR_INVALID_VALUE;
    }
    trace("%s grid %u %u %u block %u %u", call, gx, gy, gz, bx, by);
    // one launch at a time: the emulator's grid and block sizes are global
    static std::mutex launching;
    std::lock_guard<std::mutex> l(launching);
    static long launches;
    if (++launches == fault_at()) {
        trace("%s: launch %ld faults (QUENCH_EMU_FAULT_AT)", call, launches);
        current->fault = CUDA_ERROR_ILLEGAL_ADDRESS;
        return CUDA_SUCCESS;
    }
    launch3(gx, gy, gz, bx, by, [&] { k->call(params); }, coop);
    return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shmem, CUstream, void** params, void** extra) {
    return run("cuLaunchKernel", f, gx, gy, gz, bx, by, bz, shmem, params, extra, false);
}

CUresult cuLaunchCooperativeKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                                   unsigned shmem, CUstream, void** params) {
    return run("cuLaunchCooperativeKernel", f, gx, gy, gz, bx, by, bz, shmem, params, nullptr, true);
}

}  // extern "C"
