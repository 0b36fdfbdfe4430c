// fieldsums.cu: quench.FieldSums on the device, the twin of
// cpu/fieldsums.go: one thread per block of 4096 elements, which it walks
// left to right in row segments, writing the block's 6 + 3 dim partials
// (quench.FieldSumsWidth) to partial[k * width ...]; the host combines them
// in block order (quench.CombineFieldSums). dim 0: no geometry (Sum, Sum2,
// Sum4, Max, NonFinite only); dim 1..3 with extents L0..L2 (unused ones 0).
#include <stdint.h>
#include "pmath.cuh"

// an element's value: floats exactly, fixed-point masses times 2^-32
__device__ __forceinline__ double qfs_val(float v) { return (double)v; }
__device__ __forceinline__ double qfs_val(double v) { return v; }
__device__ __forceinline__ double qfs_val(int64_t v) { return __dmul_rn(__ll2double_rn(v), 0x1p-32); }

// qfs_plain adds the sums that need no geometry
struct qfs_plain {
    double sum = 0, s2 = 0, s4 = 0, mx;
    long long nonfinite = 0;
    __device__ __forceinline__ void add(double v) {
        const double sq = __dmul_rn(v, v);
        sum = __dadd_rn(sum, v);
        s2 = __dadd_rn(s2, sq);
        s4 = __dadd_rn(s4, __dmul_rn(__dmul_rn(sq, v), v));
        if (v > mx) mx = v;
        if (__dsub_rn(v, v) != 0.0) nonfinite++;
    }
};

// qfs_axis is one axis's sums: Grad, Cos, Sin
struct qfs_axis {
    double grad = 0, cs = 0, sn = 0;
    __device__ __forceinline__ void add(double v, double f, double c, double s) {
        const double g = __dsub_rn(f, v);
        grad = __dadd_rn(grad, __dmul_rn(g, g));
        cs = __dadd_rn(cs, __dmul_rn(v, c));
        sn = __dadd_rn(sn, __dmul_rn(v, s));
    }
    __device__ __forceinline__ void put(double* out) const {
        out[0] = grad;
        out[1] = cs;
        out[2] = sn;
    }
};

template <typename T>
__device__ void field_sums(const T* __restrict__ x, int64_t n, int64_t dim, int64_t L0, int64_t L1, int64_t L2,
                           double* partial) {
    __shared__ double tab_s[64], tab_c[64];  // (sin, cos) of 2 pi j/lx
    const int d = (int)dim;
    // the last axis's extent and the one before's (no arrays: registers)
    const int64_t lx = d == 1 ? L0 : d == 2 ? L1 : d == 3 ? L2 : 1, la = d == 2 ? L0 : d == 3 ? L1 : 1;
    if (d > 0) {
        for (int j = threadIdx.x; j < 64; j += blockDim.x)
            quench_sincos2pi(__ddiv_rn((double)j, (double)lx), &tab_s[j], &tab_c[j]);
        __syncthreads();
    }
    const int width = 6 + 3 * d;
    const int64_t nblk = (n + 4095) / 4096;
    for (int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; k < nblk; k += (int64_t)gridDim.x * blockDim.x) {
        const int64_t lo = k * 4096, hi = lo + 4096 < n ? lo + 4096 : n;
        qfs_plain p;
        p.mx = __longlong_as_double((long long)0xfff0000000000000ULL);  // -Inf
        qfs_axis al, aa, ab;  // the last axis, the one before, the first of three
        double corr = 0;
        if (d == 0) {
            for (int64_t i = lo; i < hi; i++) p.add(qfs_val(x[i]));
        }
        for (int64_t i = lo; d > 0 && i < hi;) {
            // the segment of i's row from i to the row's or the block's end
            const int64_t row = i / lx, x0 = i - row * lx;
            const int64_t ns = hi - i < lx - x0 ? hi - i : lx - x0;
            int64_t offa = 0, offb = 0;
            double sa = 0, ca = 0, sb = 0, cb = 0;
            if (d >= 2) {
                const int64_t c = row % la;
                offa = c == la - 1 ? -(la - 1) * lx : lx;
                quench_sincos2pi(__ddiv_rn((double)c, (double)la), &sa, &ca);
            }
            if (d == 3) {
                const int64_t c = row / la;
                offb = c == L0 - 1 ? -(L0 - 1) * lx * la : lx * la;
                quench_sincos2pi(__ddiv_rn((double)c, (double)L0), &sb, &cb);
            }
            double s0 = 0, c0 = 1;  // (sin, cos) at the last 64-aligned coordinate
            for (int64_t j = 0; j < ns; j++) {
                const int64_t q = i + j, xl = x0 + j;
                const double v = qfs_val(x[q]);
                p.add(v);
                const double f = qfs_val(x[xl == lx - 1 ? q + 1 - lx : q + 1]);
                const int t = (int)(xl & 63);
                if (t == 0 || j == 0) quench_sincos2pi(__ddiv_rn((double)(xl - t), (double)lx), &s0, &c0);
                const double cl = __dsub_rn(__dmul_rn(c0, tab_c[t]), __dmul_rn(s0, tab_s[t]));
                const double sl = __dadd_rn(__dmul_rn(s0, tab_c[t]), __dmul_rn(c0, tab_s[t]));
                corr = __dadd_rn(corr, __dmul_rn(v, f));
                al.add(v, f, cl, sl);
                if (d >= 2) aa.add(v, qfs_val(x[q + offa]), ca, sa);
                if (d == 3) ab.add(v, qfs_val(x[q + offb]), cb, sb);
            }
            i += ns;
        }
        double* out = partial + k * width;
        out[0] = p.sum;
        out[1] = p.s2;
        out[2] = p.s4;
        out[3] = p.mx;
        out[4] = (double)p.nonfinite;
        out[5] = corr;
        if (d == 3) ab.put(out + 6);
        if (d >= 2) aa.put(out + 6 + 3 * (d - 2));
        if (d >= 1) al.put(out + 6 + 3 * (d - 1));
    }
}

#define QUENCH_FIELD_SUMS(T, S)                                                                                      \
    extern "C" __global__ void field_sums_##S(const T* x, int64_t n, int64_t dim, int64_t L0, int64_t L1, int64_t L2, \
                                              double* partial) {                                                     \
        field_sums<T>(x, n, dim, L0, L1, L2, partial);                                                               \
    }

QUENCH_FIELD_SUMS(float, f32)
QUENCH_FIELD_SUMS(double, f64)
QUENCH_FIELD_SUMS(int64_t, i64)
