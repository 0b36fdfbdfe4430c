// transfer.cu: random mass transfer over bond classes and the diffusion
// stencil, the CUDA twins of cpu/transfer.go (rules: quench.MassTransferParams).
#include <stdint.h>
#include "philox.cuh"

struct qmass {
    int64_t shape[2];
    int64_t stride[2];
    int64_t dim, nsites;
    int64_t axis, par, cls;  // the bond class: axis, parity of the lower end, class number
    int64_t rule;            // 0 kmp, 1 aggregation, 2 transfer
    uint64_t d32;
    uint64_t seed, step, replica;
};

__device__ __forceinline__ uint64_t qmulshift32(uint64_t a, uint64_t b) {
    // (a*b) >> 32 for a < 2^63, b < 2^32, from the 128-bit product
    return (__umul64hi(a, b) << 32) | ((a * b) >> 32);
}

// One thread per bond of the class: t enumerates the lower ends x, whose
// coordinate along the class axis is 2*t_a + par.
extern "C" __global__ void mass_class(int64_t* m, const qmass* P) {
    const int64_t nb = P->nsites / 2;
    const uint32_t k0 = (uint32_t)P->seed, k1 = (uint32_t)(P->seed >> 32);
    for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < nb; t += (int64_t)gridDim.x * blockDim.x) {
        int64_t rem = t, x = 0, ca = 0;
        for (int a = (int)P->dim - 1; a >= 0; a--) {
            const int64_t w = (a == P->axis) ? P->shape[a] / 2 : P->shape[a];
            int64_t c = rem % w;
            rem /= w;
            if (a == P->axis) {
                c = 2 * c + P->par;
                ca = c;
            }
            x += c * P->stride[a];
        }
        const int64_t y = (ca == P->shape[P->axis] - 1) ? x - (P->shape[P->axis] - 1) * P->stride[P->axis] : x + P->stride[P->axis];
        const uint4 r = quench_philox4x32_10(
            quench_counter(QUENCH_PURPOSE_LATTICE, (uint32_t)P->replica, P->step, 1 + (uint32_t)P->cls, (uint64_t)x >> 2, 0), k0, k1);
        const uint32_t w4[4] = {r.x, r.y, r.z, r.w};
        const uint32_t u = w4[x & 3];
        const int64_t mx = m[x], my = m[y];
        if (P->rule == 0) {
            const int64_t e = mx + my;
            const int64_t ax = (int64_t)qmulshift32((uint64_t)e, u);
            m[x] = ax;
            m[y] = e - ax;
        } else if (P->rule == 1) {
            if (u & 1) {
                m[x] = 0;
                m[y] = mx + my;
            } else {
                m[x] = mx + my;
                m[y] = 0;
            }
        } else if (u & 1) {
            const int64_t d = (int64_t)qmulshift32((uint64_t)my, P->d32);
            m[x] = mx + d;
            m[y] = my - d;
        } else {
            const int64_t d = (int64_t)qmulshift32((uint64_t)mx, P->d32);
            m[x] = mx - d;
            m[y] = my + d;
        }
    }
}

extern "C" __global__ void mass_inject(int64_t* m, int64_t n, int64_t inj) {
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) m[i] += inj;
}

// Diffusion: out = u + alpha*(nb - z*u), the qphi4 block giving the shape,
// z (k.z) and alpha (k.a).
template <typename T>
__device__ void diffuse(T* out, const T* u, const qphi4* P) {
    const int dim = (int)P->dim;
    QUENCH_SITE_LOOP(P) {
        const qsite s = qsite_at(n, P->shape, dim);
        const T lap = qsub(qnb(u, s, P->shape, P->stride, dim), qmul((T)P->k.z, u[n]));
        out[n] = qadd(u[n], qmul((T)P->k.a, lap));
    }
}

extern "C" __global__ void diffuse_f64(double* out, const double* u, const qphi4* P) { diffuse<double>(out, u, P); }
extern "C" __global__ void diffuse_f32(float* out, const float* u, const qphi4* P) { diffuse<float>(out, u, P); }
