// particles.cu: particle-ensemble Langevin kernels, the CUDA twins of
// cpu/particles.go (rules and operation order: quench.ParticleCoeffs).
// Uses the helpers of langevin.cu. One thread per coordinate.
#include <stdint.h>
#include "philox.cuh"
#include "pmath.cuh"

// Parameter block in device memory (kernels.ParticleBlock), 8-byte fields.
struct qpart {
    int64_t m;          // coordinates: N * dim
    int64_t scheme;     // 0 em, 1 lm, 2 baoab
    int64_t potential;  // 0 harmonic, 1 double well, 2 kuramoto
    uint64_t seed, step, replica;
    double k, k4, a, amp, hdt, hdtm, c1, c2, kn, dt_turn, amp_turn;
    double C, S;        // phase sums before the step (kuramoto)
};

template <typename T>
__device__ __forceinline__ T qpforce(T x, int64_t potential, const qpart* P) {
    if (potential == 1) {
        T t = qmul(x, x);
        t = qsub(t, (T)1);
        return -qmul(qmul((T)P->k4, x), t);
    }
    return -qmul((T)P->k, x);
}

template <typename T>
__device__ void particle_step(T* x, T* v, const T* omega, const qpart* P) {
    const uint32_t k0 = (uint32_t)P->seed, k1 = (uint32_t)(P->seed >> 32), rep = (uint32_t)P->replica;
    const T cT = (T)P->C, sT = (T)P->S;
    const int W = qw<T>::n;  // coordinates per Philox call
    const qtab32 tb = qtabs_shared<T>();
    const int64_t groups = (P->m + W - 1) / W;
    for (int64_t q = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; q < groups; q += (int64_t)gridDim.x * blockDim.x) {
        T a[W], b[W];
        qgauss(quench_philox4x32_10(quench_counter(QUENCH_PURPOSE_PARTICLE, rep, P->step, 0, (uint64_t)q, 0), k0, k1), a, tb);
        if (P->scheme == 1) {
            qgauss(quench_philox4x32_10(quench_counter(QUENCH_PURPOSE_PARTICLE, rep, P->step + 1, 0, (uint64_t)q, 0), k0, k1), b, tb);
        }
        for (int i = 0; i < W; i++) {
            const int64_t j = W * q + i;
            if (j >= P->m) break;
            T xi = a[i];
            if (P->scheme == 1) xi = qadd(xi, b[i]);
            if (P->potential == 2) {
                double sn, cs;
                quench_sincos2pi((double)x[j], &sn, &cs);
                const T drift = qadd(omega[j], qmul((T)P->kn, qsub(qmul(sT, (T)cs), qmul(cT, (T)sn))));
                const T th = qadd(qadd(x[j], qmul((T)P->dt_turn, drift)), qmul((T)P->amp_turn, xi));
                x[j] = qsub(th, (T)floor((double)th));
            } else if (P->scheme == 2) {
                const T p1 = qadd(v[j], qmul((T)P->hdt, qpforce(x[j], P->potential, P)));
                const T q1 = qadd(x[j], qmul((T)P->hdtm, p1));
                const T p2 = qadd(qmul((T)P->c1, p1), qmul((T)P->c2, xi));
                const T q2 = qadd(q1, qmul((T)P->hdtm, p2));
                x[j] = q2;
                v[j] = qadd(p2, qmul((T)P->hdt, qpforce(q2, P->potential, P)));
            } else {
                x[j] = qadd(qadd(x[j], qmul((T)P->a, qpforce(x[j], P->potential, P))), qmul((T)P->amp, xi));
            }
        }
    }
}

// Phase sums in fixed blocks of 4096: partial[2k], partial[2k+1] = sum of
// cos, sin 2 pi theta over block k, each term rounded to T, left to right.
template <typename T>
__device__ void phase_partials(const T* th, int64_t n, double* partial) {
    const int64_t nblk = (n + 4095) / 4096;
    for (int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; k < nblk; k += (int64_t)gridDim.x * blockDim.x) {
        double c = 0, s = 0;
        const int64_t hi = (k + 1) * 4096 < n ? (k + 1) * 4096 : n;
        for (int64_t i = k * 4096; i < hi; i++) {
            double sn, cs;
            quench_sincos2pi((double)th[i], &sn, &cs);
            c = __dadd_rn(c, (double)(T)cs);
            s = __dadd_rn(s, (double)(T)sn);
        }
        partial[2 * k] = c;
        partial[2 * k + 1] = s;
    }
}

#define QUENCH_PARTICLE_KERNELS(T, S)                                                                             \
    extern "C" __global__ void particle_step_##S(T* x, T* v, const T* omega, const qpart* P) {                 \
        particle_step<T>(x, v, omega, P);                                                                      \
    }                                                                                                           \
    extern "C" __global__ void phase_partials_##S(const T* th, int64_t n, double* partial) {                   \
        phase_partials<T>(th, n, partial);                                                                     \
    }

QUENCH_PARTICLE_KERNELS(double, f64)
QUENCH_PARTICLE_KERNELS(float, f32)
