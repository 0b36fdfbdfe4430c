// fast.cu: row-launched variants of the overdamped phi4 step and the
// diffusion stencil for lattices of 1 to 3 dimensions whose last extent is
// a multiple of W (2 for float64, 4 for float32) and whose other extents
// are at most 65535: the grid is (groups of W sites along x, y, z), so no
// index is divided, and each thread updates the W sites Wp..Wp+W-1 of a
// row, which share one Philox call (qw, qgauss in langevin.cu). Results are
// those of phi4_overdamped and diffuse bit for bit: the same neighbour
// order (x-1, x+1, y-1, y+1, z-1, z+1) and the same operations.
#include <stdint.h>

// neighbour sum of site x of a row, in the documented order
template <typename T>
__device__ __forceinline__ T qnb_row(const T* f, int64_t base, int64_t x, int64_t lx, int64_t ym, int64_t yp, int64_t zm,
                                     int64_t zp, int dim) {
    T nb = 0;
    nb = qadd(nb, f[base + (x == 0 ? lx - 1 : x - 1)]);
    nb = qadd(nb, f[base + (x == lx - 1 ? 0 : x + 1)]);
    if (dim >= 2) {
        nb = qadd(nb, f[ym + x]);
        nb = qadd(nb, f[yp + x]);
    }
    if (dim == 3) {
        nb = qadd(nb, f[zm + x]);
        nb = qadd(nb, f[zp + x]);
    }
    return nb;
}

// row geometry from the grid: base index of the row and of its neighbours
struct qrow {
    int64_t base, ym, yp, zm, zp;
};

__device__ __forceinline__ qrow qrow_at(const qphi4* P) {
    const int dim = (int)P->dim;
    const int64_t lx = P->shape[dim - 1];
    const int64_t ly = dim >= 2 ? P->shape[dim - 2] : 1;
    const int64_t lz = dim == 3 ? P->shape[0] : 1;
    const int64_t y = blockIdx.y, z = blockIdx.z;
    const int64_t plane = ly * lx;
    qrow r;
    r.base = z * plane + y * lx;
    r.ym = z * plane + (y == 0 ? ly - 1 : y - 1) * lx;
    r.yp = z * plane + (y == ly - 1 ? 0 : y + 1) * lx;
    r.zm = (z == 0 ? lz - 1 : z - 1) * plane + y * lx;
    r.zp = (z == lz - 1 ? 0 : z + 1) * plane + y * lx;
    return r;
}

template <typename T>
__device__ __forceinline__ T qforce_row(const T* f, const qrow& r, int64_t x, int64_t lx, int dim, const qcoef& k) {
    const T phi = f[r.base + x];
    T v = qsub(qnb_row(f, r.base, x, lx, r.ym, r.yp, r.zm, r.zp, dim), qmul((T)k.z, phi));
    v = qsub(v, qmul((T)k.m2, phi));
    T t = qmul((T)k.l, phi);
    t = qmul(t, phi);
    t = qmul(t, phi);
    v = qsub(v, t);
    return qadd(v, (T)k.h);
}

template <typename T>
__device__ void phi4_overdamped_rows(T* next, const T* phi, const qphi4* P, int lm) {
    const int W = qw<T>::n;
    const int dim = (int)P->dim;
    const int64_t lx = P->shape[dim - 1];
    const int64_t p = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (W * p >= lx) return;
    const qrow r = qrow_at(P);
    const uint32_t k0 = (uint32_t)P->seed, k1 = (uint32_t)(P->seed >> 32), rep = (uint32_t)P->replica;
    const uint64_t group = (uint64_t)(r.base + W * p) / W;
    T a[W];
    qgauss(quench_philox4x32_10(quench_counter(QUENCH_PURPOSE_LANGEVIN, rep, P->step, 0, group, 0), k0, k1), a);
    if (lm) {
        T b[W];
        qgauss(quench_philox4x32_10(quench_counter(QUENCH_PURPOSE_LANGEVIN, rep, P->step + 1, 0, group, 0), k0, k1), b);
#pragma unroll
        for (int i = 0; i < W; i++) a[i] = qadd(a[i], b[i]);
    }
#pragma unroll
    for (int i = 0; i < W; i++) {
        const int64_t x = W * p + i;
        const T f = qforce_row(phi, r, x, lx, dim, P->k);
        next[r.base + x] = qadd(qadd(phi[r.base + x], qmul((T)P->k.a, f)), qmul((T)P->k.amp, a[i]));
    }
}

template <typename T>
__device__ void diffuse_rows(T* out, const T* u, const qphi4* P) {
    const int W = qw<T>::n;
    const int dim = (int)P->dim;
    const int64_t lx = P->shape[dim - 1];
    const int64_t p = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (W * p >= lx) return;
    const qrow r = qrow_at(P);
#pragma unroll
    for (int i = 0; i < W; i++) {
        const int64_t x = W * p + i;
        const T lap = qsub(qnb_row(u, r.base, x, lx, r.ym, r.yp, r.zm, r.zp, dim), qmul((T)P->k.z, u[r.base + x]));
        out[r.base + x] = qadd(u[r.base + x], qmul((T)P->k.a, lap));
    }
}

extern "C" __global__ void phi4_overdamped_rows_f64(double* next, const double* phi, const qphi4* P, int64_t lm) {
    phi4_overdamped_rows<double>(next, phi, P, (int)lm);
}
extern "C" __global__ void phi4_overdamped_rows_f32(float* next, const float* phi, const qphi4* P, int64_t lm) {
    phi4_overdamped_rows<float>(next, phi, P, (int)lm);
}
extern "C" __global__ void diffuse_rows_f64(double* out, const double* u, const qphi4* P) { diffuse_rows<double>(out, u, P); }
extern "C" __global__ void diffuse_rows_f32(float* out, const float* u, const qphi4* P) { diffuse_rows<float>(out, u, P); }

// BAOAB in two row-launched kernels (pairs per thread), the twins of
// phi4_baoab1 and phi4_baoab2.
template <typename T>
__device__ void phi4_baoab1_rows(T* next, const T* phi, T* mom, const qphi4* P) {
    const int W = qw<T>::n;
    const int dim = (int)P->dim;
    const int64_t lx = P->shape[dim - 1];
    const int64_t p = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (W * p >= lx) return;
    const qrow r = qrow_at(P);
    const uint32_t k0 = (uint32_t)P->seed, k1 = (uint32_t)(P->seed >> 32), rep = (uint32_t)P->replica;
    T g[W];
    qgauss(quench_philox4x32_10(quench_counter(QUENCH_PURPOSE_LANGEVIN, rep, P->step, 0, (uint64_t)(r.base + W * p) / W, 0), k0, k1),
           g);
#pragma unroll
    for (int i = 0; i < W; i++) {
        const int64_t x = W * p + i, n = r.base + x;
        const T p1 = qadd(mom[n], qmul((T)P->k.hdt, qforce_row(phi, r, x, lx, dim, P->k)));
        const T q1 = qadd(phi[n], qmul((T)P->k.hdtm, p1));
        const T p2 = qadd(qmul((T)P->k.c1, p1), qmul((T)P->k.c2, g[i]));
        next[n] = qadd(q1, qmul((T)P->k.hdtm, p2));
        mom[n] = p2;
    }
}

template <typename T>
__device__ void phi4_baoab2_rows(const T* next, T* mom, const qphi4* P) {
    const int W = qw<T>::n;
    const int dim = (int)P->dim;
    const int64_t lx = P->shape[dim - 1];
    const int64_t p = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (W * p >= lx) return;
    const qrow r = qrow_at(P);
#pragma unroll
    for (int i = 0; i < W; i++) {
        const int64_t x = W * p + i, n = r.base + x;
        mom[n] = qadd(mom[n], qmul((T)P->k.hdt, qforce_row(next, r, x, lx, dim, P->k)));
    }
}

extern "C" __global__ void phi4_baoab1_rows_f64(double* next, const double* phi, double* mom, const qphi4* P) {
    phi4_baoab1_rows<double>(next, phi, mom, P);
}
extern "C" __global__ void phi4_baoab1_rows_f32(float* next, const float* phi, float* mom, const qphi4* P) {
    phi4_baoab1_rows<float>(next, phi, mom, P);
}
extern "C" __global__ void phi4_baoab2_rows_f64(const double* next, double* mom, const qphi4* P) {
    phi4_baoab2_rows<double>(next, mom, P);
}
extern "C" __global__ void phi4_baoab2_rows_f32(const float* next, float* mom, const qphi4* P) {
    phi4_baoab2_rows<float>(next, mom, P);
}
