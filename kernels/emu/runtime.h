// runtime.h: the CUDA runtime of the kernel emulator (emu.cpp, and the
// driver API stand-in libcuda.cpp): device intrinsics as host code, CUDA
// threads as fibers on worker threads (launch3), and the kernels of
// ../quench.cu compiled for the host.
#pragma once
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <functional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>
#include <algorithm>
#include <sys/mman.h>
#include <ucontext.h>

using std::floor;

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};
struct uint4 {
    uint32_t x, y, z, w;
};
// the 16-byte vectors field_sums loads (CUDA aligns them to 16 bytes too)
struct alignas(16) float4 {
    float x, y, z, w;
};
struct alignas(16) double2 {
    double x, y;
};
struct alignas(16) longlong2 {
    long long x, y;
};
struct alignas(8) float2 {
    float x, y;
};
static inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }
static inline double2 make_double2(double x, double y) { return double2{x, y}; }
static inline longlong2 make_longlong2(long long x, long long y) { return longlong2{x, y}; }
static inline uint4 make_uint4(uint32_t x, uint32_t y, uint32_t z, uint32_t w) { return uint4{x, y, z, w}; }
static inline uint32_t __umulhi(uint32_t a, uint32_t b) { return (uint32_t)(((uint64_t)a * b) >> 32); }
template <typename T>
static inline T __ldg(const T* p) { return *p; }
template <typename T>
static inline T __ldcg(const T* p) { return *p; }
// the GPU's %globaltimer (sandpile.cu's qclock_ns)
static inline unsigned long long qclock_ns() {
    return (unsigned long long)std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
// a thread waiting at a grid barrier sleeps 20 us a look, so that the
// other blocks' workers get the cores
static inline void __nanosleep(unsigned) { std::this_thread::sleep_for(std::chrono::microseconds(20)); }
static inline double __dadd_rn(double a, double b) { return a + b; }
static inline uint64_t __umul64hi(uint64_t a, uint64_t b) { return (uint64_t)(((__uint128_t)a * b) >> 64); }
static inline double __dsub_rn(double a, double b) { return a - b; }
static inline double __dmul_rn(double a, double b) { return a * b; }
static inline double __ddiv_rn(double a, double b) { return a / b; }
static inline double __dsqrt_rn(double a) { return __builtin_sqrt(a); }
static inline float __fadd_rn(float a, float b) { return a + b; }
static inline float __fsub_rn(float a, float b) { return a - b; }
static inline float __fmul_rn(float a, float b) { return a * b; }
static inline float __fdiv_rn(float a, float b) { return a / b; }
static inline float __fsqrt_rn(float a) { return __builtin_sqrtf(a); }
static inline float __uint2float_rn(uint32_t a) { return (float)a; }
static inline double __ll2double_rn(long long a) { return (double)a; }
static inline uint32_t __float_as_uint(float x) {
    uint32_t r;
    memcpy(&r, &x, 4);
    return r;
}
static inline float __uint_as_float(uint32_t x) {
    float r;
    memcpy(&r, &x, 4);
    return r;
}
static inline long long __double_as_longlong(double x) {
    long long r;
    memcpy(&r, &x, 8);
    return r;
}
static inline double __longlong_as_double(long long x) {
    double r;
    memcpy(&r, &x, 8);
    return r;
}
[[noreturn]] static inline void __trap() { abort(); }
// The kernels' vector accesses (float4, double2, longlong2, float2) need
// their address aligned to their size on a GPU, which faults otherwise;
// the emulated kernels make the same accesses (the emulation is built
// with -fno-strict-aliasing, as they read arrays of float, double and
// int64_t through these types), after emu_aligned(p, n), which traps as
// the GPU would.
static inline void emu_aligned(const void* p, uintptr_t n) {
    if ((uintptr_t)p % n != 0) {
        fprintf(stderr, "quench emu: a %u-byte vector access at %p, not aligned to %u bytes\n", (unsigned)n, p, (unsigned)n);
        __trap();
    }
}
// CUDA's atomics are relaxed: they order nothing else, a __threadfence
// does. The emulation's are sequentially consistent, except under
// ThreadSanitizer, where they are relaxed and a __threadfence is a release
// and an acquire of one address shared by all fences (every fence then
// orders what came before any earlier one), so that a missing fence is
// reported as a race instead of being hidden by the atomic's ordering.
#if defined(__SANITIZE_THREAD__)
#define EMU_ATOMIC __ATOMIC_RELAXED
#else
#define EMU_ATOMIC __ATOMIC_SEQ_CST
#endif
static inline unsigned long long atomicAdd(unsigned long long* p, unsigned long long v) {
    return __atomic_fetch_add(p, v, EMU_ATOMIC);
}
static inline unsigned long long atomicMin(unsigned long long* p, unsigned long long v) {
    unsigned long long old = __atomic_load_n(p, EMU_ATOMIC);
    while (v < old && !__atomic_compare_exchange_n(p, &old, v, false, EMU_ATOMIC, EMU_ATOMIC)) {
    }
    return old;
}
static inline unsigned long long atomicMax(unsigned long long* p, unsigned long long v) {
    unsigned long long old = __atomic_load_n(p, EMU_ATOMIC);
    while (v > old && !__atomic_compare_exchange_n(p, &old, v, false, EMU_ATOMIC, EMU_ATOMIC)) {
    }
    return old;
}

// sandpile.cu's volatile load of a grid barrier's counter
static inline unsigned long long qpoll(const unsigned long long* p) { return __atomic_load_n(p, EMU_ATOMIC); }

static inline int32_t atomicExch(int32_t* p, int32_t v) { return __atomic_exchange_n(p, v, EMU_ATOMIC); }
static inline unsigned long long atomicExch(unsigned long long* p, unsigned long long v) {
    return __atomic_exchange_n(p, v, EMU_ATOMIC);
}

// A CUDA thread is a fiber (ucontext) and a block the fibers of one OS
// thread, a worker: __syncthreads switches back to the worker, which
// resumes the block's fibers once all have arrived (or ended), so a
// block's __shared__ memory is its worker's thread_local storage. Workers
// run blocks at once (launch3). Under ThreadSanitizer the fibers are
// declared to it and switch without synchronizing, so two threads of a
// block touching one site between barriers are reported, as are two
// blocks on different workers; a barrier orders its block's threads
// (release and acquire on the generation's address), and a worker orders
// its blocks one after the next (its __shared__ memory is reused: a
// fiber's last switch back synchronizes). The
// bookkeeping the worker and its fibers share (the running fiber, the
// block, states, the barrier's generation) is read and written with
// relaxed atomics, which synchronize nothing.
#if defined(__SANITIZE_THREAD__)
extern "C" {
void* __tsan_get_current_fiber(void);
void* __tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void* fiber);
void __tsan_switch_to_fiber(void* fiber, unsigned flags);
void __tsan_acquire(void* addr);
void __tsan_release(void* addr);
void AnnotateIgnoreWritesBegin(const char* file, int line);
void AnnotateIgnoreWritesEnd(const char* file, int line);
}
#define EMU_TSAN 1
static const unsigned emu_no_sync = 1;  // __tsan_switch_to_fiber_no_sync
#endif

// emu_ctx is a fiber's saved context: on x86-64 its stack pointer, the
// callee-saved registers on its stack (emu_swap_sp: no system call, where
// swapcontext makes two to save and restore the signal mask); elsewhere,
// or with EMU_UCONTEXT defined (how that path is tested on x86-64), a
// ucontext.
#if defined(__x86_64__) && !defined(EMU_UCONTEXT)
struct emu_ctx {
    void* sp;
};
extern "C" void emu_swap_sp(void** from, void* to);
asm(".text\n"
    ".globl emu_swap_sp\n"
    ".hidden emu_swap_sp\n"
    ".type emu_swap_sp, @function\n"
    "emu_swap_sp:\n"
    "    pushq %rbp\n    pushq %rbx\n    pushq %r12\n    pushq %r13\n    pushq %r14\n    pushq %r15\n"
    "    movq %rsp, (%rdi)\n"
    "    movq %rsi, %rsp\n"
    "    popq %r15\n    popq %r14\n    popq %r13\n    popq %r12\n    popq %rbx\n    popq %rbp\n"
    "    ret\n"
    ".size emu_swap_sp, .-emu_swap_sp\n");
static inline void emu_ctx_swap(emu_ctx* from, emu_ctx* to) { emu_swap_sp(&from->sp, to->sp); }
// emu_ctx_make sets c to start fn (which must not return) on the stack:
// six zero registers for emu_swap_sp to pop, then fn as its return
// address, 16-byte aligned so that fn starts as if called
static void emu_ctx_make(emu_ctx* c, char* stack, size_t size, void (*fn)()) {
    void** sp = (void**)(((uintptr_t)(stack + size)) & ~(uintptr_t)15);
    *--sp = nullptr;  // fn's own return address: none
    *--sp = (void*)fn;
    for (int i = 0; i < 6; i++) *--sp = nullptr;
    c->sp = sp;
}
#else
struct emu_ctx {
    ucontext_t uc;
};
static inline void emu_ctx_swap(emu_ctx* from, emu_ctx* to) { swapcontext(&from->uc, &to->uc); }
static void emu_ctx_make(emu_ctx* c, char* stack, size_t size, void (*fn)()) {
    getcontext(&c->uc);
    c->uc.uc_stack.ss_sp = stack;
    c->uc.uc_stack.ss_size = size;
    c->uc.uc_link = nullptr;
    makecontext(&c->uc, fn, 0);
}
#endif

struct emu_fiber {
    emu_ctx ctx;
    dim3 tid, bid;
    int state;  // 0 runnable, 1 at the barrier, 2 ended
    void* tsan;
};

struct emu_block {
    emu_ctx worker;
    void* worker_tsan;
    unsigned gen;
    char sync[2];  // the barrier's addresses, by the generation's parity
    int any[2];    // __syncthreads_or's votes, by the generation's parity
    const std::function<void()>* kernel;
    uint64_t serial;  // this block's number among all blocks run (from 1)
    unsigned char junk;  // the byte its fresh __shared__ memory holds
};
static uint64_t emu_blocks_run;

static thread_local emu_block* emu_blk;
static thread_local emu_fiber* emu_cur;
static char emu_grid_sync;  // ended fibers release it; launch3 acquires it after the grid
dim3 blockDim, gridDim;

static inline emu_fiber* emu_self() { return __atomic_load_n(&emu_cur, __ATOMIC_RELAXED); }
static inline emu_block* emu_block_now() { return __atomic_load_n(&emu_blk, __ATOMIC_RELAXED); }
#define threadIdx (emu_self()->tid)
#define blockIdx (emu_self()->bid)

// emu_to_worker: from the running fiber back to its worker; sync: the
// worker comes after all the fiber did (at its end)
static void emu_to_worker(bool sync) {
    emu_block* b = emu_block_now();
    emu_fiber* me = emu_self();
#ifdef EMU_TSAN
    __tsan_switch_to_fiber(b->worker_tsan, sync ? 0 : emu_no_sync);
#else
    (void)sync;
#endif
    emu_ctx_swap(&me->ctx, &b->worker);
}

static inline void __syncthreads() {
    emu_block* b = emu_block_now();
    const unsigned g = __atomic_load_n(&b->gen, __ATOMIC_RELAXED);
#ifdef EMU_TSAN
    __tsan_release(&b->sync[g & 1]);
#endif
    __atomic_store_n(&emu_self()->state, 1, __ATOMIC_RELAXED);
    emu_to_worker(false);
#ifdef EMU_TSAN
    __tsan_acquire(&b->sync[g & 1]);
#endif
}

// __syncthreads_or: a barrier that returns nonzero to every thread when
// any thread's pred was nonzero. The votes of the barrier of generation g
// go to any[g & 1], which the worker clears for generation g + 2 when it
// releases g + 1 (every thread has read it by then).
static inline int __syncthreads_or(int pred) {
    emu_block* b = emu_block_now();
    const unsigned g = __atomic_load_n(&b->gen, __ATOMIC_RELAXED);
    if (pred) __atomic_store_n(&b->any[g & 1], 1, __ATOMIC_RELAXED);
    __syncthreads();
    return __atomic_load_n(&b->any[g & 1], __ATOMIC_RELAXED);
}

static void emu_fiber_main() {
    (*emu_block_now()->kernel)();
    __atomic_store_n(&emu_self()->state, 2, __ATOMIC_RELAXED);
#ifdef EMU_TSAN
    __tsan_release(&emu_grid_sync);
#endif
    // for good, synchronizing: the worker, and the fibers of its next
    // block (which reuse this one's __shared__ memory), come after it
    emu_to_worker(true);
}

#ifdef EMU_TSAN
static char emu_fence;
static inline void __threadfence() {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    __tsan_release(&emu_fence);
    __tsan_acquire(&emu_fence);
}
#else
static inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
#endif

#define __global__
#define __launch_bounds__(...)
#define __device__
#define __forceinline__ inline
#define __restrict__ __restrict

// QUENCH_SHARED (kernels/quench.cu) declares a block's shared memory: the
// worker's thread_local storage (workers are new threads at each launch,
// and run their blocks one after another), which the block's first
// thread to reach the declaration fills with junk, 0xFF (NaN, -1) or 0x7F
// (a huge finite float, a large positive integer) by the block's parity,
// as a GPU block finds its shared memory holding whatever was there:
// a kernel that reads what its block did not write gets junk, not the
// zeros of fresh storage or what the worker's previous block left. The
// fill is hidden from ThreadSanitizer (the block's other threads write
// the memory after it with no barrier between).
static inline void emu_shared_fresh(void* p, size_t n, uint64_t* seen) {
    const emu_block* b = emu_block_now();
    if (__atomic_load_n(seen, __ATOMIC_RELAXED) == b->serial) return;
    __atomic_store_n(seen, b->serial, __ATOMIC_RELAXED);
#ifdef EMU_TSAN
    AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
#endif
    memset(p, b->junk, n);
#ifdef EMU_TSAN
    AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
#endif
}
#define QUENCH_SHARED(T, name, dims)              \
    static thread_local T name dims;              \
    static thread_local uint64_t name##_emu_seen; \
    emu_shared_fresh((void*)&name, sizeof name, &name##_emu_seen)
// a bare __shared__ would escape the fill: a compile error
#define __shared__ use_QUENCH_SHARED_for_shared_memory
#define __constant__
#define __align__(n) __attribute__((aligned(n)))

// the row kernels' vector loads become byte copies
#define QUENCH_EMU 1
#include "../quench.cu"

// block_order returns the order in which launch3 runs a grid's n blocks:
// a shuffle (Fisher-Yates driven by a 64-bit LCG seeded with the launch's
// number), as a GPU runs a grid's blocks in no set order and the kernels'
// results must not depend on it (the sandpile's tile lists, its last
// block closing a round); QUENCH_EMU_BLOCKS=forward keeps the index order.
static uint64_t emu_launches;  // launches so far: each one's orders differ
static uint64_t emu_seed() { return emu_launches * 0x9E3779B97F4A7C15ull; }
static std::vector<unsigned> block_order(unsigned n) {
    static const bool forward = [] {
        const char* e = getenv("QUENCH_EMU_BLOCKS");
        return e && strcmp(e, "forward") == 0;
    }();
    std::vector<unsigned> order(n);
    for (unsigned i = 0; i < n; i++) order[i] = i;
    emu_launches++;
    uint64_t x = emu_seed();
    for (unsigned i = n; !forward && i > 1; i--) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        std::swap(order[i - 1], order[(unsigned)((x >> 33) % i)]);
    }
    return order;
}

// emu_stack is each fiber's stack (untouched pages cost nothing).
static const size_t emu_stack = 256 << 10;

// emu_stacks returns the stacks of worker w's fibers, room for n: made
// once and reused by every block the worker runs (under ThreadSanitizer a
// worker's blocks, and launches, come one after another, so the reuse
// races with nothing). Called by launch3 before it starts the workers: a
// lock the workers took would order their blocks.
static char* emu_stacks(unsigned w, unsigned n) {
    static std::vector<std::pair<char*, unsigned>> pool;
    if (pool.size() <= w) pool.resize(w + 1, {nullptr, 0});
    if (pool[w].second < n) {
        if (pool[w].first) munmap(pool[w].first, emu_stack * pool[w].second);
        char* m = (char*)mmap(nullptr, emu_stack * n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED) {
            perror("emu: fiber stacks");
            exit(2);
        }
        // a fiber that overflows its stack faults on its lowest page
        // instead of writing over the next one's
        for (unsigned i = 0; i < n; i++) mprotect(m + emu_stack * i, 4096, PROT_NONE);
        pool[w] = {m, n};
    }
    return pool[w].first;
}

// emu_run_block runs block (kx, ky, kz) of bx x by threads on this worker,
// its fibers on stacks (emu_stacks).
static void emu_run_block(char* stacks, unsigned kx, unsigned ky, unsigned kz, unsigned bx, unsigned by,
                          const std::function<void()>& kernel) {
    const unsigned n = bx * by;
    std::vector<emu_fiber> f(n);
    emu_block b{};
    b.kernel = &kernel;
    b.serial = __atomic_add_fetch(&emu_blocks_run, 1, __ATOMIC_RELAXED);
    b.junk = ((kz * gridDim.y + ky) * gridDim.x + kx + emu_launches) & 1 ? 0x7F : 0xFF;
#ifdef EMU_TSAN
    b.worker_tsan = __tsan_get_current_fiber();
#endif
    __atomic_store_n(&emu_blk, &b, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < n; i++) {
        emu_fiber& fb = f[i];
        fb.tid.x = i % bx;
        fb.tid.y = i / bx;
        fb.tid.z = 0;
        fb.bid.x = kx;
        fb.bid.y = ky;
        fb.bid.z = kz;
        emu_ctx_make(&fb.ctx, stacks + emu_stack * i, emu_stack, emu_fiber_main);
#ifdef EMU_TSAN
        fb.tsan = __tsan_create_fiber(0);
#endif
    }
    // the threads run each stretch between barriers one after another, in
    // an order shuffled anew for every stretch (a GPU keeps none)
    std::vector<unsigned> order(n);
    for (unsigned i = 0; i < n; i++) order[i] = i;
    uint64_t x = 0xD1B54A32D192ED03ull * (((uint64_t)kz * gridDim.y + ky) * gridDim.x + kx + 1) + emu_seed();
    for (;;) {
        for (unsigned i = n; i > 1; i--) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            std::swap(order[i - 1], order[(unsigned)((x >> 33) % i)]);
        }
        // each runnable fiber runs to the barrier or its end
        for (unsigned i : order) {
            if (__atomic_load_n(&f[i].state, __ATOMIC_RELAXED) != 0) continue;
            __atomic_store_n(&emu_cur, &f[i], __ATOMIC_RELAXED);
#ifdef EMU_TSAN
            __tsan_switch_to_fiber(f[i].tsan, emu_no_sync);
#endif
            emu_ctx_swap(&b.worker, &f[i].ctx);
        }
        bool waiting = false;
        for (unsigned i = 0; i < n; i++) waiting |= __atomic_load_n(&f[i].state, __ATOMIC_RELAXED) == 1;
        if (!waiting) break;  // all ended
        // every fiber still running is at the barrier: release them, and
        // clear the votes of the barrier after next
        const unsigned g = __atomic_load_n(&b.gen, __ATOMIC_RELAXED) + 1;
        __atomic_store_n(&b.any[g & 1], 0, __ATOMIC_RELAXED);
        __atomic_store_n(&b.gen, g, __ATOMIC_RELAXED);
        for (unsigned i = 0; i < n; i++) {
            if (__atomic_load_n(&f[i].state, __ATOMIC_RELAXED) == 1) __atomic_store_n(&f[i].state, 0, __ATOMIC_RELAXED);
        }
    }
#ifdef EMU_TSAN
    for (unsigned i = 0; i < n; i++) __tsan_destroy_fiber(f[i].tsan);
#endif
    __atomic_store_n(&emu_blk, (emu_block*)nullptr, __ATOMIC_RELAXED);
    __atomic_store_n(&emu_cur, (emu_fiber*)nullptr, __ATOMIC_RELAXED);
}

// emu_workers is how many blocks run at once: QUENCH_EMU_WORKERS, else 4
// (1: one after another).
static unsigned emu_workers() {
    static const unsigned w = [] {
        const char* e = getenv("QUENCH_EMU_WORKERS");
        const int v = e ? atoi(e) : 4;
        return v >= 1 ? (unsigned)v : 1u;
    }();
    return w;
}

// launch runs kernel on grid x block emulated threads: blocks of bx x by
// threads, in block_order, dealt in turn to emu_workers workers that run
// them at once, each its blocks one after another; a cooperative launch
// (coop) gives every block a worker of its own, as its kernel waits at
// grid barriers for blocks that must all run at once.
static void launch3(unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, const std::function<void()>& kernel,
                    bool coop = false) {
    gridDim.x = gx;
    gridDim.y = gy;
    gridDim.z = gz;
    blockDim.x = bx;
    blockDim.y = by;
    const std::vector<unsigned> order = block_order(gx * gy * gz);
    const unsigned nw = coop ? (unsigned)order.size() : std::min<unsigned>(emu_workers(), (unsigned)order.size());
    std::vector<std::thread> ws;
    for (unsigned w = 0; w < nw; w++) {
        char* stacks = emu_stacks(w, bx * by);
        ws.emplace_back([&, w, stacks] {
            for (size_t k = w; k < order.size(); k += nw) {
                const unsigned b = order[k];
                emu_run_block(stacks, b % gx, b / gx % gy, b / gx / gy, bx, by, kernel);
            }
        });
    }
    for (auto& t : ws) t.join();
#ifdef EMU_TSAN
    __tsan_acquire(&emu_grid_sync);  // the next launch comes after every thread of this one
#endif
}
static void launch3(unsigned gx, unsigned gy, unsigned gz, unsigned block, const std::function<void()>& kernel) {
    launch3(gx, gy, gz, block, 1, kernel);
}

static void launch(unsigned grid, unsigned block, const std::function<void()>& kernel) { launch3(grid, 1, 1, block, kernel); }
static void launch_coop(unsigned grid, unsigned block, const std::function<void()>& kernel) {
    launch3(grid, 1, 1, block, 1, kernel, true);
}
