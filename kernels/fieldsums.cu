// fieldsums.cu: quench.FieldSums on the device, the twin of
// cpu/fieldsums.go: one thread per block of 4096 elements, which it walks
// left to right in row segments, writing the block's 6 + 3 dim partials
// (quench.FieldSumsWidth) to partial[k * width ...]; field_groups adds them
// by groups of 64 blocks (quench.GroupFieldSums) and the host adds the
// groups (quench.CombineFieldGroups). dim 0: no geometry (Sum, Sum2, Sum4,
// Max, NonFinite only); dim 1..3 with extents L0..L2 (unused ones 0).
#include <stdint.h>
#include "pmath.cuh"
#include "vecload.cuh"

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

// qfs_geo is one block's sums with geometry, added site by site in index
// order: the same operations in the same order on both of field_sums' paths.
struct qfs_geo {
    qfs_plain p;
    qfs_axis al, aa, ab;  // the last axis, the one before, the first of three
    double corr = 0;
    double s0 = 0, c0 = 1;  // (sin, cos) at the last 64-aligned coordinate
    // site adds v, with f its neighbour along the last axis and va, vb
    // along the others (used for d >= 2, d == 3), at last-axis coordinate
    // xl; first: the first site of a row segment (the table's base is then
    // computed, whatever xl)
    __device__ __forceinline__ void site(double v, double f, double va, double vb, int64_t xl, bool first, int d,
                                         int64_t lx, const double* tab_s, const double* tab_c, double sa, double ca,
                                         double sb, double cb) {
        p.add(v);
        const int t = (int)(xl & 63);
        if (t == 0 || first) quench_sincos2pi(__ddiv_rn((double)(xl - t), (double)lx), &s0, &c0);
        const double cl = __dsub_rn(__dmul_rn(c0, tab_c[t]), __dmul_rn(s0, tab_s[t]));
        const double sl = __dadd_rn(__dmul_rn(s0, tab_c[t]), __dmul_rn(c0, tab_s[t]));
        corr = __dadd_rn(corr, __dmul_rn(v, f));
        al.add(v, f, cl, sl);
        if (d >= 2) aa.add(v, va, ca, sa);
        if (d == 3) ab.add(v, vb, cb, sb);
    }
};

template <typename T>
__device__ void field_sums(const T* __restrict__ x, int64_t n, int64_t dim, int64_t L0, int64_t L1, int64_t L2,
                           double* partial) {
    constexpr int V = qfs_vec<T>::V;
    QUENCH_SHARED(double, tab_s, [64]);  // (sin, cos) of 2 pi j/lx
    QUENCH_SHARED(double, tab_c, [64]);
    const int d = (int)dim;
    // the last axis's extent and the one before's (no arrays: registers)
    const int64_t lx = d == 1 ? L0 : d == 2 ? L1 : d == 3 ? L2 : 1, la = d == 2 ? L0 : d == 3 ? L1 : 1;
    if (d > 0) {
        for (int j = threadIdx.x; j < 64; j += blockDim.x)
            quench_sincos2pi(__ddiv_rn((double)j, (double)lx), &tab_s[j], &tab_c[j]);
        __syncthreads();
    }
    // 16-byte loads where every row segment is whole vectors: blocks start
    // at multiples of 4096 and rows at multiples of lx, so lx % V == 0
    // (the same for every thread: no divergence)
    const bool vec = ((uintptr_t)x & 15) == 0 && (d == 0 || lx % V == 0);
    const int width = 6 + 3 * d;
    const int64_t nblk = (n + 4095) / 4096;
    for (int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; k < nblk; k += (int64_t)gridDim.x * blockDim.x) {
        const int64_t lo = k * 4096, hi = lo + 4096 < n ? lo + 4096 : n;
        qfs_geo g;
        g.p.mx = __longlong_as_double((long long)0xfff0000000000000ULL);  // -Inf
        if (d == 0) {
            int64_t i = lo;
            if (vec) {
                for (; i + V <= hi; i += V) {
                    double c[V];
                    qfs_vec<T>::load(x + i, c);
                    for (int m = 0; m < V; m++) g.p.add(c[m]);
                }
            }
            for (; i < hi; i++) g.p.add(qfs_val(x[i]));
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
            if (vec) {
                // ns and i are multiples of V; the next vector is loaded a
                // step ahead, its first element the last one's neighbour
                double cur[V], nxt[V], va[V] = {}, vb[V] = {};
                qfs_vec<T>::load(x + i, cur);
                for (int64_t j = 0; j < ns; j += V) {
                    const int64_t q = i + j, xl = x0 + j;
                    double flast;
                    if (j + V < ns) {
                        qfs_vec<T>::load(x + q + V, nxt);
                        flast = nxt[0];
                    } else {
                        flast = qfs_val(x[xl + V - 1 == lx - 1 ? q + V - lx : q + V]);
                    }
                    if (d >= 2) qfs_vec<T>::load(x + q + offa, va);
                    if (d == 3) qfs_vec<T>::load(x + q + offb, vb);
                    for (int m = 0; m < V; m++)
                        g.site(cur[m], m + 1 < V ? cur[m + 1] : flast, va[m], vb[m], xl + m, j + m == 0, d, lx, tab_s,
                               tab_c, sa, ca, sb, cb);
                    if (j + V < ns)
                        for (int m = 0; m < V; m++) cur[m] = nxt[m];
                }
            } else {
                for (int64_t j = 0; j < ns; j++) {
                    const int64_t q = i + j, xl = x0 + j;
                    const double f = qfs_val(x[xl == lx - 1 ? q + 1 - lx : q + 1]);
                    const double va = d >= 2 ? qfs_val(x[q + offa]) : 0, vb = d == 3 ? qfs_val(x[q + offb]) : 0;
                    g.site(qfs_val(x[q]), f, va, vb, xl, j == 0, d, lx, tab_s, tab_c, sa, ca, sb, cb);
                }
            }
            i += ns;
        }
        double* out = partial + k * width;
        out[0] = g.p.sum;
        out[1] = g.p.s2;
        out[2] = g.p.s4;
        out[3] = g.p.mx;
        out[4] = (double)g.p.nonfinite;
        out[5] = g.corr;
        if (d == 3) g.ab.put(out + 6);
        if (d >= 2) g.aa.put(out + 6 + 3 * (d - 2));
        if (d >= 1) g.al.put(out + 6 + 3 * (d - 1));
    }
}

// 2 blocks of 256 threads on a multiprocessor (at most 128 registers; the
// float kernel took 129 unbounded, which left one block on each): a
// 16384^2 field has 65536 blocks of 4096 elements, a thread each, 256 CUDA
// blocks, all resident at once on an H200's 132 multiprocessors.
#define QUENCH_FIELD_SUMS(T, S)                                                                                   \
    extern "C" __global__ void __launch_bounds__(256, 2)                                                          \
        field_sums_##S(const T* x, int64_t n, int64_t dim, int64_t L0, int64_t L1, int64_t L2, double* partial) { \
        field_sums<T>(x, n, dim, L0, L1, L2, partial);                                                            \
    }

QUENCH_FIELD_SUMS(float, f32)
QUENCH_FIELD_SUMS(double, f64)
QUENCH_FIELD_SUMS(int64_t, i64)

// centered_blocks is quench.Reducer.CenteredSums' blocks: a thread per
// block of 4096 elements, left to right, d = x - center; writes the
// block's (sum d, sum d*d) to partial[2k], partial[2k + 1], which
// field_groups adds by groups of 64 (width 2) as PhaseSums'.
template <typename T>
__device__ void centered_blocks(const T* __restrict__ x, int64_t n, double center, double* partial) {
    constexpr int V = qfs_vec<T>::V;
    const bool vec = ((uintptr_t)x & 15) == 0;  // blocks start at multiples of 4096
    const int64_t nblk = (n + 4095) / 4096;
    for (int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; k < nblk; k += (int64_t)gridDim.x * blockDim.x) {
        double s = 0, s2 = 0;
        const int64_t hi = (k + 1) * 4096 < n ? (k + 1) * 4096 : n;
        int64_t i = k * 4096;
        if (vec) {
            for (; i + V <= hi; i += V) {
                double u[V];
                qfs_vec<T>::load(x + i, u);
                for (int m = 0; m < V; m++) {
                    const double d = __dsub_rn(u[m], center);
                    s = __dadd_rn(s, d);
                    s2 = __dadd_rn(s2, __dmul_rn(d, d));
                }
            }
        }
        for (; i < hi; i++) {
            const double d = __dsub_rn(qfs_val(x[i]), center);
            s = __dadd_rn(s, d);
            s2 = __dadd_rn(s2, __dmul_rn(d, d));
        }
        partial[2 * k] = s;
        partial[2 * k + 1] = s2;
    }
}

#define QUENCH_CENTERED_BLOCKS(T, S)                                                                     \
    extern "C" __global__ void centered_blocks_##S(const T* x, int64_t n, double center, double* partial) { \
        centered_blocks<T>(x, n, center, partial);                                                        \
    }

QUENCH_CENTERED_BLOCKS(float, f32)
QUENCH_CENTERED_BLOCKS(double, f64)
QUENCH_CENTERED_BLOCKS(int64_t, i64)

// field_groups is quench.GroupFieldSums of field_sums' partials (width per
// block, nblk blocks): a thread per group of 64 blocks (quench.SumGroup)
// and partial, writing out[g * width + c]; with units (Int64 buffers) also
// quench.GroupUnits, a thread per group, as the bits of an int64 at
// out[ngroups * width + g]. Sum's partials are width 1 and PhaseSums' (C,
// S) width 2: plain sums, quench.AddPartials' groups.
extern "C" __global__ void field_groups(const double* partial, int64_t nblk, int64_t width, int64_t units,
                                        double* out) {
    const int64_t ng = (nblk + 63) / 64, nw = ng * width, n = units ? nw + ng : nw;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
        const int64_t g = i < nw ? i / width : i - nw, c = i < nw ? i - g * width : 0;
        const int64_t lo = g * 64, hi = lo + 64 < nblk ? lo + 64 : nblk;
        if (i >= nw) {
            long long tot = 0;
            for (int64_t k = lo; k < hi; k++) {
                const double u = __dmul_rn(partial[k * width], 0x1p32);  // a power of two: exact
                if (!(u >= 0 && u < 0x1p53 && u == trunc(u))) {
                    tot = -1;
                    break;
                }
                tot += (long long)u;
            }
            out[i] = __longlong_as_double(tot);
        } else if (c == 3) {
            double m = __longlong_as_double((long long)0xfff0000000000000ULL);  // -Inf
            for (int64_t k = lo; k < hi; k++) {
                const double v = partial[k * width + 3];
                if (v > m) m = v;
            }
            out[i] = m;
        } else {
            double sum = 0;
            for (int64_t k = lo; k < hi; k++) sum = __dadd_rn(sum, partial[k * width + c]);
            out[i] = sum;
        }
    }
}
