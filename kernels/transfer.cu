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
    uint64_t seed, replica;  // the step is each launch's argument
};

__device__ __forceinline__ uint64_t qmulshift32(uint64_t a, uint64_t b) {
    // (a*b) >> 32 for a < 2^63, b < 2^32, from the 128-bit product
    return (__umul64hi(a, b) << 32) | ((a * b) >> 32);
}

// qmass_bond applies the rule to bond (x, y) with masses mx, my and random
// word u (the word x&3 of the Philox call of group x>>2).
__device__ __forceinline__ void qmass_bond(int64_t& mx, int64_t& my, uint32_t u, const qmass* P) {
    const int64_t a = mx, b = my;
    if (P->rule == 0) {
        const int64_t e = a + b;
        const int64_t ax = (int64_t)qmulshift32((uint64_t)e, u);
        mx = ax;
        my = e - ax;
    } else if (P->rule == 1) {
        mx = (u & 1) ? 0 : a + b;
        my = (u & 1) ? a + b : 0;
    } else if (u & 1) {
        const int64_t d = (int64_t)qmulshift32((uint64_t)b, P->d32);
        mx = a + d;
        my = b - d;
    } else {
        const int64_t d = (int64_t)qmulshift32((uint64_t)a, P->d32);
        mx = a - d;
        my = b + d;
    }
}

// One thread per bond of the class: t enumerates the lower ends x, whose
// coordinate along the class axis is 2*t_a + par.
extern "C" __global__ void mass_class(int64_t* m, const qmass* P, uint64_t step) {
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
            quench_counter(QUENCH_PURPOSE_LATTICE, (uint32_t)P->replica, step, 1 + (uint32_t)P->cls, (uint64_t)x >> 2, 0), k0, k1);
        const uint32_t w4[4] = {r.x, r.y, r.z, r.w};
        int64_t mx = m[x], my = m[y];
        qmass_bond(mx, my, w4[x & 3], P);
        m[x] = mx;
        m[y] = my;
    }
}

// 4 consecutive int64 of a row, in two 16-byte accesses (p 32-byte aligned)
__device__ __forceinline__ void qld4(const int64_t* p, int64_t v[4]) {
#ifdef QUENCH_EMU
    emu_aligned(p, 16);
#endif
    const longlong2 a = reinterpret_cast<const longlong2*>(p)[0], b = reinterpret_cast<const longlong2*>(p)[1];
    v[0] = a.x;
    v[1] = a.y;
    v[2] = b.x;
    v[3] = b.y;
}
__device__ __forceinline__ void qst4(int64_t* p, const int64_t v[4]) {
#ifdef QUENCH_EMU
    emu_aligned(p, 16);
#endif
    reinterpret_cast<longlong2*>(p)[0] = make_longlong2(v[0], v[1]);
    reinterpret_cast<longlong2*>(p)[1] = make_longlong2(v[2], v[3]);
}

// mass_class_rows is mass_class for 1D and 2D lattices whose rows are a
// multiple of 4 long, launched by rows (kernels.RowGrid with 4 sites per
// thread): a thread takes the 4 sites x0..x0+3 of a row, one Philox group,
// and the class's bonds whose lower ends are among them. Along the rows
// (the last axis) those are x0+par and x0+par+2, to the next site (for
// x0+3 with par 1 the first site of the next group, or of the row); across
// them (2D, axis 0) thread row t is row 2t+par and its bonds go to the
// sites below, in row 2t+par+1 (row 0 after the last). No index is
// divided, and whole groups move in 16-byte accesses.
extern "C" __global__ void mass_class_rows(int64_t* __restrict__ m, const qmass* __restrict__ P, uint64_t step) {
    const int last = (int)P->dim - 1;
    const int64_t lx = P->shape[last], ly = last ? P->shape[0] : 1;
    const bool along = P->axis == last;
    const int64_t x0 = 4 * ((int64_t)blockIdx.x * blockDim.x + threadIdx.x);
    int64_t y = (int64_t)blockIdx.y * blockDim.y + threadIdx.y;
    if (!along) y = 2 * y + P->par;
    if (x0 >= lx || y >= ly) return;
    const int64_t n0 = y * lx + x0;
    const uint4 r = quench_philox4x32_10(
        quench_counter(QUENCH_PURPOSE_LATTICE, (uint32_t)P->replica, step, 1 + (uint32_t)P->cls, (uint64_t)n0 >> 2, 0),
        (uint32_t)P->seed, (uint32_t)(P->seed >> 32));
    int64_t* p = m + n0;
    int64_t v[4];
    qld4(p, v);
    if (!along) {
        int64_t* q = y == ly - 1 ? m + x0 : p + lx;
        int64_t w[4];
        qld4(q, w);
        qmass_bond(v[0], w[0], r.x, P);
        qmass_bond(v[1], w[1], r.y, P);
        qmass_bond(v[2], w[2], r.z, P);
        qmass_bond(v[3], w[3], r.w, P);
        qst4(p, v);
        qst4(q, w);
    } else if (P->par == 0) {
        qmass_bond(v[0], v[1], r.x, P);
        qmass_bond(v[2], v[3], r.z, P);
        qst4(p, v);
    } else {
        // site x0 belongs to the bond from x0-1 (another thread's)
        int64_t* q = x0 + 4 == lx ? m + y * lx : p + 4;
        int64_t v4 = *q;
        qmass_bond(v[1], v[2], r.y, P);
        qmass_bond(v[3], v4, r.w, P);
        p[1] = v[1];
        p[2] = v[2];
        p[3] = v[3];
        *q = v4;
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

extern "C" __global__ void diffuse_f64(double* out, const double* u) { diffuse<double>(out, u, QP); }
extern "C" __global__ void diffuse_f32(float* out, const float* u) { diffuse<float>(out, u, QP); }
