// langevin.cu: lattice phi^4 Langevin kernels, the CUDA twins of
// cpu/phi4.go. The rules and the order of every operation are those of
// quench.Phi4Coeffs; float and double through one template, with the _rn
// intrinsics so nothing is fused. One thread per site (phi4_currents: per
// Philox call's W links), coordinates from the index; shape (int64, slowest
// first) and strides come with the parameter block (quench_phi4). The row
// kernels of fast.cu are the fast paths.
#include <stdint.h>
#include "philox.cuh"
#include "pmath.cuh"

__device__ __forceinline__ double qmul(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ double qadd(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ double qsub(double a, double b) { return __dsub_rn(a, b); }
__device__ __forceinline__ float qmul(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ float qadd(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ float qsub(float a, float b) { return __fsub_rn(a, b); }

// S-wide loads and stores of a thread's S consecutive elements (the row
// kernels of fast.cu, particles.cu): 16-byte accesses (float4, double2),
// so a warp reads 512 contiguous bytes per instruction; p must be 16-byte
// aligned (the emulator checks it first).
template <int S>
__device__ __forceinline__ void qldv(const float* p, float* v) {
    static_assert(S % 4 == 0, "float accesses are whole float4s");
#ifdef QUENCH_EMU
    emu_aligned(p, 16);
#endif
#pragma unroll
    for (int j = 0; j < S / 4; j++) {
        const float4 t = reinterpret_cast<const float4*>(p)[j];
        v[4 * j] = t.x;
        v[4 * j + 1] = t.y;
        v[4 * j + 2] = t.z;
        v[4 * j + 3] = t.w;
    }
}
template <int S>
__device__ __forceinline__ void qldv(const double* p, double* v) {
    static_assert(S % 2 == 0, "double accesses are whole double2s");
#ifdef QUENCH_EMU
    emu_aligned(p, 16);
#endif
#pragma unroll
    for (int j = 0; j < S / 2; j++) {
        const double2 t = reinterpret_cast<const double2*>(p)[j];
        v[2 * j] = t.x;
        v[2 * j + 1] = t.y;
    }
}
template <int S>
__device__ __forceinline__ void qstv(float* p, const float* v) {
    static_assert(S % 4 == 0, "float accesses are whole float4s");
#ifdef QUENCH_EMU
    emu_aligned(p, 16);
#endif
#pragma unroll
    for (int j = 0; j < S / 4; j++)
        reinterpret_cast<float4*>(p)[j] = make_float4(v[4 * j], v[4 * j + 1], v[4 * j + 2], v[4 * j + 3]);
}
template <int S>
__device__ __forceinline__ void qstv(double* p, const double* v) {
    static_assert(S % 2 == 0, "double accesses are whole double2s");
#ifdef QUENCH_EMU
    emu_aligned(p, 16);
#endif
#pragma unroll
    for (int j = 0; j < S / 2; j++) reinterpret_cast<double2*>(p)[j] = make_double2(v[2 * j], v[2 * j + 1]);
}

// A site and its coordinates.
struct qsite {
    int64_t n;
    int64_t c[4];
};

__device__ __forceinline__ qsite qsite_at(int64_t n, const int64_t* shape, int dim) {
    qsite s;
    s.n = n;
    int64_t rem = n;
    for (int a = dim - 1; a >= 0; a--) {
        s.c[a] = rem % shape[a];
        rem /= shape[a];
    }
    return s;
}

__device__ __forceinline__ int64_t qminus(const qsite& s, int a, const int64_t* shape, const int64_t* stride) {
    return s.c[a] == 0 ? s.n + (shape[a] - 1) * stride[a] : s.n - stride[a];
}

__device__ __forceinline__ int64_t qplus(const qsite& s, int a, const int64_t* shape, const int64_t* stride) {
    return s.c[a] == shape[a] - 1 ? s.n - (shape[a] - 1) * stride[a] : s.n + stride[a];
}

// neighbour sum: axes from last to first, -1 then +1, starting from the
// first neighbour (not from 0)
template <typename T>
__device__ __forceinline__ T qnb(const T* f, const qsite& s, const int64_t* shape, const int64_t* stride, int dim) {
    T nb = qadd(f[qminus(s, dim - 1, shape, stride)], f[qplus(s, dim - 1, shape, stride)]);
    for (int a = dim - 2; a >= 0; a--) {
        nb = qadd(nb, f[qminus(s, a, shape, stride)]);
        nb = qadd(nb, f[qplus(s, a, shape, stride)]);
    }
    return nb;
}

struct qcoef {
    double z, m2, l, h, a, amp, hdt, hdtm, c1, c2, lin, cub, ah;
};

template <typename T>
__device__ __forceinline__ T qforce(const T* f, const qsite& s, const int64_t* shape, const int64_t* stride, int dim,
                                    const qcoef& k) {
    const T phi = f[s.n];
    T r = qsub(qnb(f, s, shape, stride, dim), qmul((T)k.z, phi));
    r = qsub(r, qmul((T)k.m2, phi));
    T t = qmul((T)k.l, phi);
    t = qmul(t, phi);
    t = qmul(t, phi);
    r = qsub(r, t);
    return qadd(r, (T)k.h);
}

// the overdamped schemes' drift d at a site from its neighbour sum nb and
// field phi, in the order of quench.Phi4Coeffs (cpu driftOf)
template <typename T>
__device__ __forceinline__ T qdrift(T nb, T phi, T a, T lin, T cub, T ah) {
    T t = qmul(cub, qmul(phi, phi));
    t = qadd(t, lin);
    T d = qmul(a, nb);
    d = qadd(d, qmul(t, phi));
    return qadd(d, ah);
}

// Gaussian noise by precision: float64 kernels take the two normals of
// quench_gaussians per Philox call (group n>>1, position n&1), float32
// kernels the four of quench_gaussians32 (group n>>2, position n&3).
template <typename T>
struct qw {
    static const int n = 2;  // normals per Philox call
};
template <>
struct qw<float> {
    static const int n = 4;
};
// qtabs_shared copies the float32 noise tables into the block's shared
// memory (every thread of the block must call it: it ends with a barrier)
// and returns them; float64 kernels need no tables and get the global ones.
template <typename T>
__device__ __forceinline__ qtab32 qtabs_shared() {
    return quench_tab32_global();
}
template <>
__device__ __forceinline__ qtab32 qtabs_shared<float>() {
    QUENCH_SHARED(__align__(16) float, tabs, [QUENCH_TABS32_N]);
    const int nt = blockDim.x * blockDim.y;  // the row kernels' blocks may be 2D
    for (int i = threadIdx.y * blockDim.x + threadIdx.x; i < QUENCH_TABS32_N / 4; i += nt) {
        float v[4];
        quench_tab4(quench_tabs32, i, v);
        quench_tab4_store(tabs, i, v);
    }
    __syncthreads();
    qtab32 t;
    t.log = tabs;
    t.sc = tabs + QUENCH_SCTAB32_AT;
    return t;
}

// float32 takes its tables from tb (float64 needs none)
__device__ __forceinline__ void qgauss(uint4 w, double g[2], const qtab32&) { quench_gaussians(w, &g[0], &g[1]); }
__device__ __forceinline__ void qgauss(uint4 w, float g[4], const qtab32& tb) { quench_gaussians32(w, g, tb); }

// standard normal number n of (step, phase) for a kernel of type T
template <typename T>
__device__ __forceinline__ T qnoise(uint32_t k0, uint32_t k1, uint32_t replica, uint64_t step, uint32_t phase, uint64_t n);
template <>
__device__ __forceinline__ double qnoise<double>(uint32_t k0, uint32_t k1, uint32_t replica, uint64_t step, uint32_t phase,
                                                 uint64_t n) {
    double g0, g1;
    quench_gaussians(quench_philox4x32_10(quench_counter(QUENCH_PURPOSE_LANGEVIN, replica, step, phase, n >> 1, 0), k0, k1),
                     &g0, &g1);
    return (n & 1) ? g1 : g0;
}
template <>
__device__ __forceinline__ float qnoise<float>(uint32_t k0, uint32_t k1, uint32_t replica, uint64_t step, uint32_t phase,
                                               uint64_t n) {
    const uint4 w = quench_philox4x32_10(quench_counter(QUENCH_PURPOSE_LANGEVIN, replica, step, phase, n >> 2, 0), k0, k1);
    float g0, g1;
    const qtab32 tb = quench_tab32_global();
    if (n & 2) quench_boxmuller32(w.z, w.w, tb, &g0, &g1);
    else quench_boxmuller32(w.x, w.y, tb, &g0, &g1);
    return (n & 1) ? g1 : g0;
}

// The parameter block of every phi4 and diffusion kernel (in constant
// memory: quench_phi4 below): shape[4], stride[4], the counter's seed and
// replica, the coefficients, then the row kernels' geometry and float32
// coefficients (kernels.Phi4Block, field for field). The step, the one
// field that changes from step to step, is each launch's argument instead,
// so the block stays the same through a run.
struct qphi4 {
    int64_t shape[4];
    int64_t stride[4];
    int64_t dim, nsites;
    uint64_t seed, replica;  // the step is each launch's argument
    qcoef k;
    int64_t row[4];  // lx, ly, lz, ly*lx for the row kernels of fast.cu (Phi4Block.Row)
    float k32[13];   // the coefficients rounded to float32, in qcoef's order (Phi4Block.K32)
};

// quench_phi4 is the parameter block of the phi4 and diffusion kernels, in
// constant memory: the host writes it (kernels.Phi4Symbol) when it differs
// from what it last wrote (a write waits for the kernels before it, so a
// write per step would stop the host from queueing steps ahead of the
// device: once a run, not once a step), and the kernels' loops take its
// fields as constant-bank operands
// instead of loading them (the row kernels reload them per row: fewer live
// registers). QP is its address, what the kernels pass as P.
__constant__ qphi4 quench_phi4;
#define QP (&quench_phi4)

// qcoefs: the coefficients at precision T, the row kernels' copy (float32
// ones come rounded from the host, so no kernel converts them).
template <typename T>
struct qcoefT {
    T z, m2, l, h, a, amp, hdt, hdtm, c1, c2, lin, cub, ah;
};
template <typename T>
__device__ __forceinline__ qcoefT<T> qcoefs(const qphi4* P) {
    const qcoef& k = P->k;
    qcoefT<T> c = {k.z, k.m2, k.l, k.h, k.a, k.amp, k.hdt, k.hdtm, k.c1, k.c2, k.lin, k.cub, k.ah};
    return c;
}
template <>
__device__ __forceinline__ qcoefT<float> qcoefs<float>(const qphi4* P) {
    const float* k = P->k32;
    qcoefT<float> c = {k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], k[8], k[9], k[10], k[11], k[12]};
    return c;
}

// pmath_sqrt32_check counts the float32 x with bits in [lo, hi) for which
// quench_sqrt32(x) and __fsqrt_rn(x) differ in any bit (the GPU test
// TestSqrt32), adding the count to *bad.
extern "C" __global__ void pmath_sqrt32_check(uint64_t lo, uint64_t hi, unsigned long long* bad) {
    unsigned long long n = 0;
    for (uint64_t b = lo + (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; b < hi; b += (uint64_t)gridDim.x * blockDim.x) {
        const float x = __uint_as_float((uint32_t)b);
        n += __float_as_uint(quench_sqrt32(x)) != __float_as_uint(__fsqrt_rn(x));
    }
    if (n) atomicAdd(bad, n);
}

#define QUENCH_SITE_LOOP(P) \
    for (int64_t n = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; n < (P)->nsites; n += (int64_t)gridDim.x * blockDim.x)

template <typename T>
__device__ void phi4_overdamped(T* next, const T* phi, const qphi4* P, uint64_t step, int lm) {
    const uint32_t k0 = (uint32_t)P->seed, k1 = (uint32_t)(P->seed >> 32), rep = (uint32_t)P->replica;
    const int dim = (int)P->dim;
    QUENCH_SITE_LOOP(P) {
        const qsite s = qsite_at(n, P->shape, dim);
        const T d = qdrift(qnb(phi, s, P->shape, P->stride, dim), phi[n], (T)P->k.a, (T)P->k.lin, (T)P->k.cub, (T)P->k.ah);
        T xi = qnoise<T>(k0, k1, rep, step, 0, (uint64_t)n);
        if (lm) xi = qadd(xi, qnoise<T>(k0, k1, rep, step + 1, 0, (uint64_t)n));
        next[n] = qadd(qadd(phi[n], d), qmul((T)P->k.amp, xi));
    }
}

template <typename T>
__device__ void phi4_baoab1(T* next, const T* phi, T* mom, const qphi4* P, uint64_t step) {
    const uint32_t k0 = (uint32_t)P->seed, k1 = (uint32_t)(P->seed >> 32), rep = (uint32_t)P->replica;
    const int dim = (int)P->dim;
    QUENCH_SITE_LOOP(P) {
        const qsite s = qsite_at(n, P->shape, dim);
        const T p1 = qadd(mom[n], qmul((T)P->k.hdt, qforce(phi, s, P->shape, P->stride, dim, P->k)));
        const T q1 = qadd(phi[n], qmul((T)P->k.hdtm, p1));
        const T p2 = qadd(qmul((T)P->k.c1, p1), qmul((T)P->k.c2, qnoise<T>(k0, k1, rep, step, 0, (uint64_t)n)));
        next[n] = qadd(q1, qmul((T)P->k.hdtm, p2));
        mom[n] = p2;
    }
}

template <typename T>
__device__ void phi4_baoab2(const T* next, T* mom, const qphi4* P) {
    const int dim = (int)P->dim;
    QUENCH_SITE_LOOP(P) {
        const qsite s = qsite_at(n, P->shape, dim);
        mom[n] = qadd(mom[n], qmul((T)P->k.hdt, qforce(next, s, P->shape, P->stride, dim, P->k)));
    }
}

template <typename T>
__device__ void phi4_mu(T* mu, const T* phi, const qphi4* P) {
    const int dim = (int)P->dim;
    QUENCH_SITE_LOOP(P) {
        const qsite s = qsite_at(n, P->shape, dim);
        mu[n] = -qforce(phi, s, P->shape, P->stride, dim, P->k);
    }
}

// phi4_currents writes the conserved noise of a Model B step: the random
// current on link (n, a) is normal n*dim + a of phase 1 (qnoise), and
// cur[n*dim + a] holds it. A thread makes the W normals of one Philox call
// (qgauss), so each normal is drawn once, not once per site that reads it.
template <typename T>
__device__ void phi4_currents(T* cur, const qphi4* P, uint64_t step) {
    const int W = qw<T>::n;
    const qtab32 tb = qtabs_shared<T>();  // before any thread leaves the loop
    const uint32_t k0 = (uint32_t)P->seed, k1 = (uint32_t)(P->seed >> 32), rep = (uint32_t)P->replica;
    const int64_t links = P->nsites * P->dim;
    const int64_t groups = (links + W - 1) / W;
    for (int64_t q = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; q < groups; q += (int64_t)gridDim.x * blockDim.x) {
        T g[W];
        qgauss(quench_philox4x32_10(quench_counter(QUENCH_PURPOSE_LANGEVIN, rep, step, 1, (uint64_t)q, 0), k0, k1), g, tb);
        if (W * q + W <= links) {
            qstv<W>(cur + W * q, g);  // one 16-byte store
        } else {
            for (int i = 0; i < W; i++) {
                if (W * q + i < links) cur[W * q + i] = g[i];
            }
        }
    }
}

// phi4_modelb: the conserved step, with the currents of phi4_currents.
template <typename T>
__device__ void phi4_modelb(T* next, const T* phi, const T* mu, const T* cur, const qphi4* P) {
    const int dim = (int)P->dim;
    QUENCH_SITE_LOOP(P) {
        const qsite s = qsite_at(n, P->shape, dim);
        const T lap = qsub(qnb(mu, s, P->shape, P->stride, dim), qmul((T)P->k.z, mu[n]));
        T div = 0;
        for (int a = dim - 1; a >= 0; a--) {
            const T out = cur[n * dim + a];
            const T in = cur[qminus(s, a, P->shape, P->stride) * dim + a];
            div = qadd(div, qsub(out, in));
        }
        next[n] = qadd(qadd(phi[n], qmul((T)P->k.a, lap)), qmul((T)P->k.amp, div));
    }
}

#define QUENCH_PHI4_KERNELS(T, S)                                                                                       \
    extern "C" __global__ void phi4_overdamped_##S(T* next, const T* phi, uint64_t step, int64_t lm) {                  \
        phi4_overdamped<T>(next, phi, QP, step, (int)lm);                                                               \
    }                                                                                                                   \
    extern "C" __global__ void phi4_baoab1_##S(T* next, const T* phi, T* mom, uint64_t step) {                          \
        phi4_baoab1<T>(next, phi, mom, QP, step);                                                                       \
    }                                                                                                                   \
    extern "C" __global__ void phi4_baoab2_##S(const T* next, T* mom) { phi4_baoab2<T>(next, mom, QP); }                \
    extern "C" __global__ void phi4_mu_##S(T* mu, const T* phi) { phi4_mu<T>(mu, phi, QP); }                            \
    extern "C" __global__ void phi4_currents_##S(T* cur, uint64_t step) { phi4_currents<T>(cur, QP, step); }            \
    extern "C" __global__ void phi4_modelb_##S(T* next, const T* phi, const T* mu, const T* cur) {                      \
        phi4_modelb<T>(next, phi, mu, cur, QP);                                                                         \
    }

QUENCH_PHI4_KERNELS(double, f64)
QUENCH_PHI4_KERNELS(float, f32)
