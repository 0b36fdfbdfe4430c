// particles.cu: particle-ensemble Langevin kernels, the CUDA twins of
// cpu/particles.go (rules and operation order: quench.ParticleCoeffs).
// Uses the helpers of langevin.cu. One thread per coordinate.
#include <stdint.h>
#include "philox.cuh"
#include "pmath.cuh"
#include "vecload.cuh"

// Parameter block in device memory (kernels.ParticleBlock), 8-byte fields.
// The step is each launch's argument and a kuramoto step's phase sums come
// from device memory (phase_total), so the block stays the same through a
// run (the host writes it only when it changed: a write waits for the
// kernels before it).
struct qpart {
    int64_t m;          // coordinates: N * dim
    int64_t scheme;     // 0 em, 1 lm, 2 baoab
    int64_t potential;  // 0 harmonic, 1 double well, 2 kuramoto
    uint64_t seed, replica;
    double k, k4, a, amp, hdt, hdtm, c1, c2, kn, dt_turn, amp_turn;
};

// the coefficients at precision T, read once per thread (qpart's doubles
// rounded, as the CPU rounds them)
template <typename T>
struct qpc {
    T k, k4, a, amp, hdt, hdtm, c1, c2, kn, dt_turn, amp_turn, C, S;
};

template <typename T, int Pot>
__device__ __forceinline__ T qpforce(T x, const qpc<T>& c) {
    if (Pot == 1) {
        T t = qmul(x, x);
        t = qsub(t, (T)1);
        return -qmul(qmul(c.k4, x), t);
    }
    return -qmul(c.k, x);
}

// particle_loop is particle_step for one scheme (0 em, 1 lm, 2 baoab) and
// potential (0 harmonic, 1 double well, 2 kuramoto), fixed at compile time:
// a thread takes the W coordinates of one Philox call at a time, with
// 16-byte loads and stores where all W exist.
template <typename T, int Scheme, int Pot>
__device__ void particle_loop(T* __restrict__ x, T* __restrict__ v, const T* __restrict__ omega, const qpart* __restrict__ P,
                              const double* __restrict__ cs, uint64_t step, const qtab32& tb) {
    const uint32_t k0 = (uint32_t)P->seed, k1 = (uint32_t)(P->seed >> 32), rep = (uint32_t)P->replica;
    const qpc<T> c = {(T)P->k,  (T)P->k4,      (T)P->a,        (T)P->amp, (T)P->hdt, (T)P->hdtm, (T)P->c1,
                      (T)P->c2, (T)P->kn, (T)P->dt_turn, (T)P->amp_turn, Pot == 2 ? (T)cs[0] : (T)0, Pot == 2 ? (T)cs[1] : (T)0};
    const int W = qw<T>::n;  // coordinates per Philox call
    const int64_t m = P->m, groups = (m + W - 1) / W;
    for (int64_t q = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; q < groups; q += (int64_t)gridDim.x * blockDim.x) {
        T a[W], b[W];
        qgauss(quench_philox4x32_10(quench_counter(QUENCH_PURPOSE_PARTICLE, rep, step, 0, (uint64_t)q, 0), k0, k1), a, tb);
        if (Scheme == 1) {
            qgauss(quench_philox4x32_10(quench_counter(QUENCH_PURPOSE_PARTICLE, rep, step + 1, 0, (uint64_t)q, 0), k0, k1), b, tb);
        }
        const int64_t j0 = W * q;
        const bool full = j0 + W <= m;
        T xs[W] = {}, vs[W] = {}, om[W] = {};  // a partial group's missing lanes compute on zeros
        if (full) {
            qldv<W>(x + j0, xs);
            if (Scheme == 2) qldv<W>(v + j0, vs);
            if (Pot == 2) qldv<W>(omega + j0, om);
        } else {
            for (int i = 0; i < W; i++) {
                if (j0 + i >= m) break;
                xs[i] = x[j0 + i];
                if (Scheme == 2) vs[i] = v[j0 + i];
                if (Pot == 2) om[i] = omega[j0 + i];
            }
        }
#pragma unroll
        for (int i = 0; i < W; i++) {
            T xi = a[i];
            if (Scheme == 1) xi = qadd(xi, b[i]);
            if (Pot == 2) {
                double sn, cs;
                quench_sincos2pi((double)xs[i], &sn, &cs);
                const T drift = qadd(om[i], qmul(c.kn, qsub(qmul(c.S, (T)cs), qmul(c.C, (T)sn))));
                const T th = qadd(qadd(xs[i], qmul(c.dt_turn, drift)), qmul(c.amp_turn, xi));
                xs[i] = qsub(th, (T)floor((double)th));
            } else if (Scheme == 2) {
                const T p1 = qadd(vs[i], qmul(c.hdt, qpforce<T, Pot>(xs[i], c)));
                const T q1 = qadd(xs[i], qmul(c.hdtm, p1));
                const T p2 = qadd(qmul(c.c1, p1), qmul(c.c2, xi));
                const T q2 = qadd(q1, qmul(c.hdtm, p2));
                xs[i] = q2;
                vs[i] = qadd(p2, qmul(c.hdt, qpforce<T, Pot>(q2, c)));
            } else {
                xs[i] = qadd(qadd(xs[i], qmul(c.a, qpforce<T, Pot>(xs[i], c))), qmul(c.amp, xi));
            }
        }
        if (full) {
            qstv<W>(x + j0, xs);
            if (Scheme == 2) qstv<W>(v + j0, vs);
        } else {
            for (int i = 0; i < W; i++) {
                if (j0 + i >= m) break;
                x[j0 + i] = xs[i];
                if (Scheme == 2) v[j0 + i] = vs[i];
            }
        }
    }
}

// particle_step dispatches once on the scheme and potential (the same for
// every thread); kuramoto is overdamped (quench.ParticleParams.Coeffs).
template <typename T>
__device__ void particle_step(T* x, T* v, const T* omega, const qpart* P, const double* cs, uint64_t step) {
    const qtab32 tb = qtabs_shared<T>();
    switch (P->scheme * 3 + P->potential) {
    case 0: particle_loop<T, 0, 0>(x, v, omega, P, cs, step, tb); break;
    case 1: particle_loop<T, 0, 1>(x, v, omega, P, cs, step, tb); break;
    case 2: particle_loop<T, 0, 2>(x, v, omega, P, cs, step, tb); break;
    case 3: particle_loop<T, 1, 0>(x, v, omega, P, cs, step, tb); break;
    case 4: particle_loop<T, 1, 1>(x, v, omega, P, cs, step, tb); break;
    case 5: particle_loop<T, 1, 2>(x, v, omega, P, cs, step, tb); break;
    case 6: particle_loop<T, 2, 0>(x, v, omega, P, cs, step, tb); break;
    case 7: particle_loop<T, 2, 1>(x, v, omega, P, cs, step, tb); break;
    default: __trap();  // no such scheme and potential (ParticleParams.Coeffs refuses them)
    }
}

// Phase sums in fixed blocks of 4096: partial[2k], partial[2k+1] = sum of
// cos, sin 2 pi theta over block k, each term rounded to T, left to right.
// A thread per block, which loads 16 bytes at once where the phases are
// 16-byte aligned (vecload.cuh).
template <typename T>
__device__ __forceinline__ void phase_term(double u, double* c, double* s) {
    double sn, cs;
    quench_sincos2pi(u, &sn, &cs);
    *c = __dadd_rn(*c, (double)(T)cs);
    *s = __dadd_rn(*s, (double)(T)sn);
}

template <typename T>
__device__ void phase_partials(const T* th, int64_t n, double* partial) {
    constexpr int V = qfs_vec<T>::V;
    const bool vec = ((uintptr_t)th & 15) == 0;  // blocks start at multiples of 4096
    const int64_t nblk = (n + 4095) / 4096;
    for (int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; k < nblk; k += (int64_t)gridDim.x * blockDim.x) {
        double c = 0, s = 0;
        const int64_t hi = (k + 1) * 4096 < n ? (k + 1) * 4096 : n;
        int64_t i = k * 4096;
        if (vec) {
            for (; i + V <= hi; i += V) {
                double u[V];
                qfs_vec<T>::load(th + i, u);
                for (int m = 0; m < V; m++) phase_term<T>(u[m], &c, &s);
            }
        }
        for (; i < hi; i++) phase_term<T>((double)th[i], &c, &s);
        partial[2 * k] = c;
        partial[2 * k + 1] = s;
    }
}

// phase_total adds the groups' pairs of phase sums (field_groups of
// phase_partials' pairs) in order, from zero, into cs[0] and cs[1], as the
// host adds them for PhaseSums: one thread, so that a kuramoto step takes
// its sums from the device without the host waiting for them.
extern "C" __global__ void phase_total(const double* groups, int64_t ng, double* cs) {
    if (blockIdx.x != 0 || threadIdx.x != 0) return;
    double c = 0, s = 0;
    for (int64_t g = 0; g < ng; g++) {
        c = __dadd_rn(c, groups[2 * g]);
        s = __dadd_rn(s, groups[2 * g + 1]);
    }
    cs[0] = c;
    cs[1] = s;
}

#define QUENCH_PARTICLE_KERNELS(T, S)                                                                          \
    extern "C" __global__ void particle_step_##S(T* x, T* v, const T* omega, const qpart* P, const double* cs, \
                                                 uint64_t step) {                                              \
        particle_step<T>(x, v, omega, P, cs, step);                                                            \
    }                                                                                                          \
    extern "C" __global__ void phase_partials_##S(const T* th, int64_t n, double* partial) {                  \
        phase_partials<T>(th, n, partial);                                                                     \
    }

QUENCH_PARTICLE_KERNELS(double, f64)
QUENCH_PARTICLE_KERNELS(float, f32)
