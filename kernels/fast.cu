// fast.cu: row-launched variants of the overdamped phi4 step and the
// diffusion stencil for lattices of 1 to 3 dimensions whose last extent is
// a multiple of W (2 for float64, 4 for float32) and whose other extents
// are at most 65535: the grid is (groups of W sites along x, y, z), so no
// index is divided, and each thread updates the W sites Wp..Wp+W-1 of a
// row, which share one Philox call (qw, qgauss in langevin.cu). Results are
// those of phi4_overdamped and diffuse bit for bit: the same neighbour
// order (x-1, x+1, y-1, y+1, z-1, z+1) and the same operations.
#include <stdint.h>

// W-wide loads and stores of a thread's sites: one 16-byte access (float4,
// double2) per row segment, so a warp reads 512 contiguous bytes per
// instruction. The emulator copies bytes instead.
__device__ __forceinline__ void qldv(const float* p, float v[4]) {
#ifdef QUENCH_EMU
    memcpy(v, p, 16);
#else
    const float4 t = *reinterpret_cast<const float4*>(p);
    v[0] = t.x;
    v[1] = t.y;
    v[2] = t.z;
    v[3] = t.w;
#endif
}
__device__ __forceinline__ void qldv(const double* p, double v[2]) {
#ifdef QUENCH_EMU
    memcpy(v, p, 16);
#else
    const double2 t = *reinterpret_cast<const double2*>(p);
    v[0] = t.x;
    v[1] = t.y;
#endif
}
__device__ __forceinline__ void qstv(float* p, const float v[4]) {
#ifdef QUENCH_EMU
    memcpy(p, v, 16);
#else
    *reinterpret_cast<float4*>(p) = make_float4(v[0], v[1], v[2], v[3]);
#endif
}
__device__ __forceinline__ void qstv(double* p, const double v[2]) {
#ifdef QUENCH_EMU
    memcpy(p, v, 16);
#else
    *reinterpret_cast<double2*>(p) = make_double2(v[0], v[1]);
#endif
}

// a thread's place from the grid: base index of its row and of the
// neighbouring rows, its first site x0 = W p in the row (n0 = base + x0),
// the row length and the dimension
struct qrow {
    int64_t base, ym, yp, zm, zp, x0, n0, lx;
    uint32_t ly;
    int dim;
};

// qrow_begin fills the row-independent part of r for the thread's W
// sites; false for a thread past the rows' end (it has nothing to do in any
// row). The geometry comes from P->row (host-computed).
template <typename T>
__device__ __forceinline__ bool qrow_begin(const qphi4* P, qrow& r) {
    const int64_t lx = P->row[0];
    r.x0 = qw<T>::n * ((int64_t)blockIdx.x * blockDim.x + threadIdx.x);
    if (r.x0 >= lx) return false;
    r.lx = lx;
    r.dim = (int)P->dim;
    r.ly = (uint32_t)P->row[1];
    return true;
}

// qrow_y places r in row y of plane blockIdx.z. y and z are below 65536
// (RowLaunch's limits), so z*ly + y fits 32 bits and the row's base is one
// 32x64-bit product; the neighbouring rows are the base plus an offset
// (wrapped at the lattice's edges).
__device__ __forceinline__ void qrow_y(qrow& r, uint32_t y, const qphi4* P) {
    const uint32_t z = blockIdx.z;
    const int64_t lx = r.lx, plane = P->row[3], vol = P->nsites;  // read per row: fewer live registers
    r.base = (int64_t)(z * r.ly + y) * lx;
    r.n0 = r.base + r.x0;
    r.ym = r.base + (y == 0 ? plane - lx : -lx);
    r.yp = r.base + (y == r.ly - 1 ? lx - plane : lx);
    r.zm = r.base + (z == 0 ? vol - plane : -plane);
    r.zp = r.base + (z == (uint32_t)P->row[2] - 1 ? plane - vol : plane);
}

// qrows runs body(y) for the thread's rows y. A block is blockDim.x
// groups along a row times blockDim.y rows (kernels.RowLaunch: short rows
// share a block), and the thread's first row is blockIdx.y * blockDim.y +
// threadIdx.y. Kernels with float32 noise loop over rows with a stride of
// gridDim.y * blockDim.y (the host gives them fewer blocks along y), so
// that a block's copy of the noise tables serves several rows; the others
// take their first row only (a loop would hold its invariants in registers
// they need more).
template <typename T>
struct qloop {
    static const bool rows = false;
};
template <>
struct qloop<float> {
    static const bool rows = true;
};
template <bool Loop, typename F>
__device__ __forceinline__ void qrows(const qrow& r, F body) {
    const uint32_t y0 = blockIdx.y * blockDim.y + threadIdx.y;
    if (Loop) {
        for (uint32_t y = y0; y < r.ly; y += gridDim.y * blockDim.y) body(y);
    } else if (y0 < r.ly) {
        body(y0);
    }
}

// qseg holds a thread's W sites x0..x0+W-1 of field f and their
// neighbours; nb(i) is the neighbour sum of site x0+i in the documented
// order (x-1, x+1, y-1, y+1, z-1, z+1), as in qnb of langevin.cu.
template <typename T>
struct qseg {
    T c[qw<T>::n], l, r, ym[qw<T>::n], yp[qw<T>::n], zm[qw<T>::n], zp[qw<T>::n];
    int dim;

    __device__ __forceinline__ void load(const T* f, const qrow& w) {
        const int W = qw<T>::n;
        const int64_t x0 = w.x0, lx = w.lx;
        const int d = w.dim;
        dim = d;
        qldv(f + w.base + x0, c);
        l = f[w.base + (x0 == 0 ? lx - 1 : x0 - 1)];
        r = f[w.base + (x0 + W == lx ? 0 : x0 + W)];
        if (d >= 2) {
            qldv(f + w.ym + x0, ym);
            qldv(f + w.yp + x0, yp);
        }
        if (d == 3) {
            qldv(f + w.zm + x0, zm);
            qldv(f + w.zp + x0, zp);
        }
    }

    __device__ __forceinline__ T nb(int i) const {
        const int W = qw<T>::n;
        T s = 0;
        s = qadd(s, i == 0 ? l : c[i - 1]);
        s = qadd(s, i == W - 1 ? r : c[i + 1]);
        if (dim >= 2) {
            s = qadd(s, ym[i]);
            s = qadd(s, yp[i]);
        }
        if (dim == 3) {
            s = qadd(s, zm[i]);
            s = qadd(s, zp[i]);
        }
        return s;
    }

    // F = -dH/dphi at site x0+i, in the order of quench.Phi4Coeffs
    __device__ __forceinline__ T force(int i, const qcoefT<T>& k) const {
        const T phi = c[i];
        T v = qsub(nb(i), qmul(k.z, phi));
        v = qsub(v, qmul(k.m2, phi));
        T t = qmul(k.l, phi);
        t = qmul(t, phi);
        t = qmul(t, phi);
        v = qsub(v, t);
        return qadd(v, k.h);
    }
};

template <typename T>
__device__ void phi4_overdamped_rows(T* next, const T* phi, const qphi4* P, int lm) {
    const int W = qw<T>::n;
    const qtab32 tb = qtabs_shared<T>();  // before any thread returns
    qrow r;
    if (!qrow_begin<T>(P, r)) return;
    const uint32_t k0 = (uint32_t)P->seed, k1 = (uint32_t)(P->seed >> 32), rep = (uint32_t)P->replica;
    qrows<qloop<T>::rows>(r, [&](uint32_t y) {
        qrow_y(r, y, P);
        const uint64_t group = (uint64_t)r.n0 / W;
        // the field first: its loads are in flight while the noise is computed
        qseg<T> s;
        s.load(phi, r);
        T a[W];
        qgauss(quench_philox4x32_10(quench_counter(QUENCH_PURPOSE_LANGEVIN, rep, P->step, 0, group, 0), k0, k1), a, tb);
        if (lm) {
            T b[W];
            qgauss(quench_philox4x32_10(quench_counter(QUENCH_PURPOSE_LANGEVIN, rep, P->step + 1, 0, group, 0), k0, k1), b,
                   tb);
#pragma unroll
            for (int i = 0; i < W; i++) a[i] = qadd(a[i], b[i]);
        }
        T out[W];
        const qcoefT<T> k = qcoefs<T>(P);
#pragma unroll
        for (int i = 0; i < W; i++) out[i] = qadd(qadd(s.c[i], qmul(k.a, s.force(i, k))), qmul(k.amp, a[i]));
        qstv(next + r.n0, out);
    });
}

template <typename T>
__device__ void diffuse_rows(T* out, const T* u, const qphi4* P) {
    const int W = qw<T>::n;
    qrow r;
    if (!qrow_begin<T>(P, r)) return;
    const qcoefT<T> k = qcoefs<T>(P);
    qrows<false>(r, [&](uint32_t y) {
        qrow_y(r, y, P);
        qseg<T> s;
        s.load(u, r);
        T v[W];
#pragma unroll
        for (int i = 0; i < W; i++) v[i] = qadd(s.c[i], qmul(k.a, qsub(s.nb(i), qmul(k.z, s.c[i]))));
        qstv(out + r.n0, v);
    });
}

// Register limits (ptxas -v on sm_90): the float32 EM kernel is held to 48
// registers (5 blocks of 256 threads per multiprocessor, no spills), the
// float32 LM kernel to 64 (4 blocks, 16 bytes of spills per thread; its
// row loop would take 73 registers).
#define QUENCH_NOISE_BOUNDS __launch_bounds__(256, 5)
#define QUENCH_LM_BOUNDS __launch_bounds__(256, 4)

// EM and LM are separate kernels, so that EM carries no code and no
// registers for LM's second draw.
extern "C" __global__ void phi4_overdamped_rows_f64(double* next, const double* phi, const qphi4* P) {
    phi4_overdamped_rows<double>(next, phi, P, 0);
}
extern "C" __global__ void QUENCH_NOISE_BOUNDS phi4_overdamped_rows_f32(float* next, const float* phi, const qphi4* P) {
    phi4_overdamped_rows<float>(next, phi, P, 0);
}
extern "C" __global__ void phi4_lm_rows_f64(double* next, const double* phi, const qphi4* P) {
    phi4_overdamped_rows<double>(next, phi, P, 1);
}
extern "C" __global__ void QUENCH_LM_BOUNDS phi4_lm_rows_f32(float* next, const float* phi, const qphi4* P) {
    phi4_overdamped_rows<float>(next, phi, P, 1);
}
extern "C" __global__ void diffuse_rows_f64(double* out, const double* u, const qphi4* P) { diffuse_rows<double>(out, u, P); }
extern "C" __global__ void diffuse_rows_f32(float* out, const float* u, const qphi4* P) { diffuse_rows<float>(out, u, P); }

// BAOAB in two row-launched kernels (W sites per thread), the twins of
// phi4_baoab1 and phi4_baoab2.
template <typename T>
__device__ void phi4_baoab1_rows(T* next, const T* phi, T* mom, const qphi4* P) {
    const int W = qw<T>::n;
    const qtab32 tb = qtabs_shared<T>();  // before any thread returns
    qrow r;
    if (!qrow_begin<T>(P, r)) return;
    const uint32_t k0 = (uint32_t)P->seed, k1 = (uint32_t)(P->seed >> 32), rep = (uint32_t)P->replica;
    qrows<qloop<T>::rows>(r, [&](uint32_t y) {
        qrow_y(r, y, P);
        T g[W];
        qgauss(quench_philox4x32_10(quench_counter(QUENCH_PURPOSE_LANGEVIN, rep, P->step, 0, (uint64_t)r.n0 / W, 0), k0, k1),
               g, tb);
        qseg<T> s;
        s.load(phi, r);
        T m[W], q[W];
        qldv(mom + r.n0, m);
        const qcoefT<T> k = qcoefs<T>(P);  // per row: fewer live registers
#pragma unroll
        for (int i = 0; i < W; i++) {
            const T p1 = qadd(m[i], qmul(k.hdt, s.force(i, k)));
            const T q1 = qadd(s.c[i], qmul(k.hdtm, p1));
            const T p2 = qadd(qmul(k.c1, p1), qmul(k.c2, g[i]));
            q[i] = qadd(q1, qmul(k.hdtm, p2));
            m[i] = p2;
        }
        qstv(next + r.n0, q);
        qstv(mom + r.n0, m);
    });
}

template <typename T>
__device__ void phi4_baoab2_rows(const T* next, T* mom, const qphi4* P) {
    const int W = qw<T>::n;
    qrow r;
    if (!qrow_begin<T>(P, r)) return;
    const qcoefT<T> k = qcoefs<T>(P);
    qrows<false>(r, [&](uint32_t y) {
        qrow_y(r, y, P);
        qseg<T> s;
        s.load(next, r);
        T m[W];
        qldv(mom + r.n0, m);
#pragma unroll
        for (int i = 0; i < W; i++) m[i] = qadd(m[i], qmul(k.hdt, s.force(i, k)));
        qstv(mom + r.n0, m);
    });
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
