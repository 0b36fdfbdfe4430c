// fast.cu: row-launched variants of the phi4 steps (overdamped, BAOAB,
// Model B's mu and step) and of the diffusion stencil, for lattices of 1
// to 3 dimensions whose last extent is a multiple of S, the sites per
// thread, and whose other extents are at most 65535: the grid is (groups
// of S sites along x, y, z), so no index is divided, and each thread
// updates the S sites Sp..Sp+S-1 of a row (of each row of its strip,
// qstrip). S is W (qw in langevin.cu: 2 for float64, 4 for float32), the
// normals of one Philox call (qgauss), or 2W for the float32 EM kernels in
// 1D and 2D on rows a multiple of 8 long (QUENCH_WIDE_KERNELS). Results
// are those of the one-site-per-thread kernels (langevin.cu, transfer.cu)
// bit for bit: the same neighbour order (x-1, x+1, y-1, y+1, z-1, z+1)
// and the same operations.
#include <stdint.h>

// a thread's place from the grid: base index of its row and of the
// neighbouring rows, its first site x0 = S p in the row (n0 = base + x0)
// and the row length
struct qrow {
    int64_t base, ym, yp, zm, zp, x0, n0, lx;
    uint32_t ly;
};

// qrow_begin fills the row-independent part of r for the thread's S
// sites; false for a thread past the rows' end (it has nothing to do in any
// row). The geometry comes from P->row (host-computed).
template <int S>
__device__ __forceinline__ bool qrow_begin(const qphi4* P, qrow& r) {
    const int64_t lx = P->row[0];
    r.x0 = S * ((int64_t)blockIdx.x * blockDim.x + threadIdx.x);
    if (r.x0 >= lx) return false;
    r.lx = lx;
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

// qseg holds a thread's S sites x0..x0+S-1 of field f in a lattice of D
// dimensions and their neighbours; nb(i) is the neighbour sum of site
// x0+i in the documented order (x-1, x+1, y-1, y+1, z-1, z+1), as in qnb of
// langevin.cu.
template <typename T, int D, int S = qw<T>::n>
struct qseg {
    // e: the site before the thread's S, the S sites, the site after them
    // (one array, so that nb's indices are array indices and the unrolled
    // loops keep it in registers)
    T e[S + 2], ym[S], yp[S], zm[S], zp[S];

    __device__ __forceinline__ T c(int i) const { return e[i + 1]; }

    // load reads the neighbourhood of row w: the S sites, the sites before
    // and after them, the rows before and after along y and, in 3D, the
    // rows of the planes below and above
    __device__ __forceinline__ void load(const T* f, const qrow& w) {
        const int W = S;
        const int64_t x0 = w.x0, lx = w.lx;
        qldv<S>(f + w.base + x0, e + 1);
        e[0] = f[w.base + (x0 == 0 ? lx - 1 : x0 - 1)];
        e[W + 1] = f[w.base + (x0 + W == lx ? 0 : x0 + W)];
        if (D >= 2) {
            qldv<S>(f + w.ym + x0, ym);
            qldv<S>(f + w.yp + x0, yp);
        }
        if (D == 3) {
            qldv<S>(f + w.zm + x0, zm);
            qldv<S>(f + w.zp + x0, zp);
        }
    }

    // advance moves from the previous row to the next one along y, whose
    // sites start at pc, the sites left and right of them at pl and pr and
    // row y+1's at pc + dyp (the wrap included): its row y-1 is the old
    // centre and its centre the old row y+1, so only row y+1 is read along
    // y. In 3D the rows of the planes below and above are offsets from pc
    // computed per row (fewer live registers than two more pointers).
    __device__ __forceinline__ void advance(const T* pc, const T* pl, const T* pr, int64_t dyp, const qphi4* P) {
        const int W = S;
#pragma unroll
        for (int i = 0; i < W; i++) {
            ym[i] = e[i + 1];
            e[i + 1] = yp[i];
        }
        qldv<S>(pc + dyp, yp);
        e[0] = *pl;
        e[W + 1] = *pr;
        if (D == 3) {
            const uint32_t z = blockIdx.z;
            const int64_t plane = P->row[3], vol = P->nsites;
            qldv<S>(pc + (z == 0 ? vol - plane : -plane), zm);
            qldv<S>(pc + (z == (uint32_t)P->row[2] - 1 ? plane - vol : plane), zp);
        }
    }

    __device__ __forceinline__ T nb(int i) const {
        T s = qadd(e[i], e[i + 2]);
        if (D >= 2) {
            s = qadd(s, ym[i]);
            s = qadd(s, yp[i]);
        }
        if (D == 3) {
            s = qadd(s, zm[i]);
            s = qadd(s, zp[i]);
        }
        return s;
    }

    // F = -dH/dphi at site x0+i, in the order of quench.Phi4Coeffs
    __device__ __forceinline__ T force(int i, const qcoefT<T>& k) const {
        const T phi = c(i);
        T v = qsub(nb(i), qmul(k.z, phi));
        v = qsub(v, qmul(k.m2, phi));
        T t = qmul(k.l, phi);
        t = qmul(t, phi);
        t = qmul(t, phi);
        v = qsub(v, t);
        return qadd(v, k.h);
    }
};

// qloop<T>::rows: whether the row kernels with noise loop over rows
// (kernels.RowLoops): the float32 ones, whose blocks copy the noise tables.
template <typename T>
struct qloop {
    static const bool rows = false;
};
template <>
struct qloop<float> {
    static const bool rows = true;
};

// qstrip walks a thread's rows: begin places r in the first row and
// loads the neighbourhood of field f there into s; next moves s to the next
// row and keeps r.n0 (only) current. A block is blockDim.x groups along a
// row times blockDim.y rows (kernels.RowLaunch: short rows share a block);
// thread row t = blockIdx.y * blockDim.y + threadIdx.y. Kernels with
// float32 noise (Loop) get fewer blocks along y (kernels.RowLaunch.LoopY),
// so that a block's copy of the noise tables serves several rows, and
// thread row t takes a strip of consecutive rows, ceil(ly / (gridDim.y *
// blockDim.y)) of them: each row after the first reads one new row along y
// (qseg::advance), through pointers that move one row at a time (no index
// is recomputed). The others take row t only (a loop would hold its
// invariants in registers they need more).
template <typename T, int D, bool Loop, int S = qw<T>::n>
struct qstrip {
    qseg<T, D, S> s;
    uint32_t y, end;
    const T *pc, *pl, *pr;  // Loop: the thread's sites in the row, the sites left and right of them

    // begin places r in the thread's first row and loads s there; false
    // for a thread without rows
    __device__ __forceinline__ bool begin(qrow& r, const T* f, const qphi4* P) {
        const uint32_t t = blockIdx.y * blockDim.y + threadIdx.y;
        y = t;
        end = t + 1;
        if (Loop) {
            const uint32_t rows = gridDim.y * blockDim.y, len = (r.ly + rows - 1) / rows;
            y = t * len;
            end = y + len < r.ly ? y + len : r.ly;
        }
        if (y >= r.ly) return false;
        qrow_y(r, y, P);
        s.load(f, r);
        if (Loop) {
            pc = f + r.n0;
            pl = f + r.base + (r.x0 == 0 ? r.lx - 1 : r.x0 - 1);
            pr = f + r.base + (r.x0 + S == r.lx ? 0 : r.x0 + S);
        }
        return true;
    }

    // next moves r.n0 and s to the thread's next row; false after its last
    // (a 1D lattice has a single row)
    __device__ __forceinline__ bool next(qrow& r, const qphi4* P) {
        if (!Loop || D == 1 || ++y == end) return false;
        const int64_t lx = r.lx;
        r.n0 += lx;
        pc += lx;
        pl += lx;
        pr += lx;
        s.advance(pc, pl, pr, y == r.ly - 1 ? lx - P->row[3] : lx, P);
        return true;
    }
};

template <typename T, int D, int S = qw<T>::n>
__device__ void phi4_overdamped_rows(T* next, const T* phi, const qphi4* P, uint64_t step, int lm) {
    const int W = qw<T>::n, G = S / W;  // G Philox calls per row
    const qtab32 tb = qtabs_shared<T>();  // before any thread returns
    qrow r;
    if (!qrow_begin<S>(P, r)) return;
    const uint32_t k0 = (uint32_t)P->seed, k1 = (uint32_t)(P->seed >> 32), rep = (uint32_t)P->replica;
    // the field first (qstrip): its loads are in flight while the noise is
    // computed
    qstrip<T, D, qloop<T>::rows, S> st;
    if (!st.begin(r, phi, P)) return;
    do {
        const qseg<T, D, S>& s = st.s;
        const uint64_t group = (uint64_t)r.n0 / W;
        T a[S];
#pragma unroll
        for (int g = 0; g < G; g++) {
            qgauss(quench_philox4x32_10(quench_counter(QUENCH_PURPOSE_LANGEVIN, rep, step, 0, group + g, 0), k0, k1),
                   a + g * W, tb);
            if (lm) {
                T b[W];
                qgauss(quench_philox4x32_10(quench_counter(QUENCH_PURPOSE_LANGEVIN, rep, step + 1, 0, group + g, 0), k0, k1),
                       b, tb);
#pragma unroll
                for (int i = 0; i < W; i++) a[g * W + i] = qadd(a[g * W + i], b[i]);
            }
        }
        T out[S];
        const qcoefT<T> k = qcoefs<T>(P);
#pragma unroll
        for (int i = 0; i < S; i++)
            out[i] = qadd(qadd(s.c(i), qdrift(s.nb(i), s.c(i), k.a, k.lin, k.cub, k.ah)), qmul(k.amp, a[i]));
        qstv<S>(next + r.n0, out);
    } while (st.next(r, P));
}

template <typename T, int D>
__device__ void diffuse_rows(T* out, const T* u, const qphi4* P) {
    const int W = qw<T>::n;
    qrow r;
    if (!qrow_begin<W>(P, r)) return;
    const qcoefT<T> k = qcoefs<T>(P);
    qstrip<T, D, false> st;
    if (!st.begin(r, u, P)) return;
    do {
        const qseg<T, D>& s = st.s;
        T v[W];
#pragma unroll
        for (int i = 0; i < W; i++) v[i] = qadd(s.c(i), qmul(k.a, qsub(s.nb(i), qmul(k.z, s.c(i)))));
        qstv<W>(out + r.n0, v);
    } while (st.next(r, P));
}

// BAOAB in two row-launched kernels (W sites per thread), the twins of
// phi4_baoab1 and phi4_baoab2.
template <typename T, int D>
__device__ void phi4_baoab1_rows(T* next, const T* phi, T* mom, const qphi4* P, uint64_t step) {
    const int W = qw<T>::n;
    const qtab32 tb = qtabs_shared<T>();  // before any thread returns
    qrow r;
    if (!qrow_begin<W>(P, r)) return;
    const uint32_t k0 = (uint32_t)P->seed, k1 = (uint32_t)(P->seed >> 32), rep = (uint32_t)P->replica;
    qstrip<T, D, qloop<T>::rows> st;
    if (!st.begin(r, phi, P)) return;
    do {
        const qseg<T, D>& s = st.s;
        T g[W];
        qgauss(quench_philox4x32_10(quench_counter(QUENCH_PURPOSE_LANGEVIN, rep, step, 0, (uint64_t)r.n0 / W, 0), k0, k1),
               g, tb);
        T m[W], q[W];
        qldv<W>(mom + r.n0, m);
        const qcoefT<T> k = qcoefs<T>(P);  // per row: fewer live registers
#pragma unroll
        for (int i = 0; i < W; i++) {
            const T p1 = qadd(m[i], qmul(k.hdt, s.force(i, k)));
            const T q1 = qadd(s.c(i), qmul(k.hdtm, p1));
            const T p2 = qadd(qmul(k.c1, p1), qmul(k.c2, g[i]));
            q[i] = qadd(q1, qmul(k.hdtm, p2));
            m[i] = p2;
        }
        qstv<W>(next + r.n0, q);
        qstv<W>(mom + r.n0, m);
    } while (st.next(r, P));
}

template <typename T, int D>
__device__ void phi4_baoab2_rows(const T* next, T* mom, const qphi4* P) {
    const int W = qw<T>::n;
    qrow r;
    if (!qrow_begin<W>(P, r)) return;
    const qcoefT<T> k = qcoefs<T>(P);
    qstrip<T, D, false> st;
    if (!st.begin(r, next, P)) return;
    do {
        const qseg<T, D>& s = st.s;
        T m[W];
        qldv<W>(mom + r.n0, m);
#pragma unroll
        for (int i = 0; i < W; i++) m[i] = qadd(m[i], qmul(k.hdt, s.force(i, k)));
        qstv<W>(mom + r.n0, m);
    } while (st.next(r, P));
}

// Model B in row-launched kernels (W sites per thread, a row per thread
// row), the twins of phi4_mu and phi4_modelb: mu = -F(phi), then phi' =
// (phi + A*lap(mu)) + Amp*div, the divergence of the currents cur (dim per
// site, link (n, a) at cur[n*dim + a]) added from 0 over the axes from
// last to first, each as (out - in) with in the link from the site before
// along the axis.
template <typename T, int D>
__device__ void phi4_mu_rows(T* mu, const T* phi, const qphi4* P) {
    const int W = qw<T>::n;
    qrow r;
    if (!qrow_begin<W>(P, r)) return;
    const qcoefT<T> k = qcoefs<T>(P);
    qstrip<T, D, false> st;
    if (!st.begin(r, phi, P)) return;
    T m[W];
#pragma unroll
    for (int i = 0; i < W; i++) m[i] = -st.s.force(i, k);
    qstv<W>(mu + r.n0, m);
}

template <typename T, int D>
__device__ void phi4_modelb_rows(T* next, const T* phi, const T* mu, const T* cur, const qphi4* P) {
    const int W = qw<T>::n;
    qrow r;
    if (!qrow_begin<W>(P, r)) return;
    const qcoefT<T> k = qcoefs<T>(P);
    qstrip<T, D, false> st;
    if (!st.begin(r, mu, P)) return;
    const qseg<T, D>& s = st.s;
    T ph[W], own[W * D];
    qldv<W>(phi + r.n0, ph);
    qldv<W * D>(cur + r.n0 * D, own);  // the links of the thread's W sites
    // the x link into the first site, from the site before it in the row
    const T inx = cur[(r.base + (r.x0 == 0 ? r.lx - 1 : r.x0 - 1)) * D + D - 1];
    T out[W];
#pragma unroll
    for (int i = 0; i < W; i++) {
        const T lap = qsub(s.nb(i), qmul(k.z, s.c(i)));
        T div = 0;
        div = qadd(div, qsub(own[i * D + D - 1], i == 0 ? inx : own[(i - 1) * D + D - 1]));
        if (D >= 2) div = qadd(div, qsub(own[i * D + D - 2], cur[(r.ym + r.x0 + i) * D + D - 2]));
        if (D == 3) div = qadd(div, qsub(own[i * D], cur[(r.zm + r.x0 + i) * D]));
        out[i] = qadd(qadd(ph[i], qmul(k.a, lap)), qmul(k.amp, div));
    }
    qstv<W>(next + r.n0, out);
}

// Register limits (ptxas -v for sm_80 to sm_90: no kernel spills): the
// float32 EM kernels are held to 48 registers in 1D, and in 2D on sm_90 (5
// blocks of 256 threads per multiprocessor), to 64 in 3D and in 2D before
// sm_90 (4 blocks; at 48 they spilled 24 to 28 bytes per thread), the
// float32 LM kernels to 64.
#define QUENCH_NOISE_BOUNDS_1 __launch_bounds__(256, 5)
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 900
#define QUENCH_NOISE_BOUNDS_2 __launch_bounds__(256, 4)
#else
#define QUENCH_NOISE_BOUNDS_2 __launch_bounds__(256, 5)
#endif
#define QUENCH_NOISE_BOUNDS_3 __launch_bounds__(256, 4)
#define QUENCH_LM_BOUNDS __launch_bounds__(256, 4)

// One entry point per kernel, precision and dimension (kernels.RowKernel
// names them): with D a constant, a 2D kernel carries no code for the
// third axis. EM and LM are separate kernels, so that EM carries no code
// and no registers for LM's second draw.
#define QUENCH_ROW_KERNELS(D)                                                                                           \
    extern "C" __global__ void phi4_overdamped_rows_f64_d##D(double* next, const double* phi, uint64_t step) {          \
        phi4_overdamped_rows<double, D>(next, phi, QP, step, 0);                                                        \
    }                                                                                                                   \
    extern "C" __global__ void QUENCH_NOISE_BOUNDS_##D phi4_overdamped_rows_f32_d##D(float* next, const float* phi,    \
                                                                                    uint64_t step) {                    \
        phi4_overdamped_rows<float, D>(next, phi, QP, step, 0);                                                         \
    }                                                                                                                   \
    extern "C" __global__ void phi4_lm_rows_f64_d##D(double* next, const double* phi, uint64_t step) {                  \
        phi4_overdamped_rows<double, D>(next, phi, QP, step, 1);                                                        \
    }                                                                                                                   \
    extern "C" __global__ void QUENCH_LM_BOUNDS phi4_lm_rows_f32_d##D(float* next, const float* phi, uint64_t step) {   \
        phi4_overdamped_rows<float, D>(next, phi, QP, step, 1);                                                         \
    }                                                                                                                   \
    extern "C" __global__ void diffuse_rows_f64_d##D(double* out, const double* u) {                                    \
        diffuse_rows<double, D>(out, u, QP);                                                                            \
    }                                                                                                                   \
    extern "C" __global__ void diffuse_rows_f32_d##D(float* out, const float* u) {                                      \
        diffuse_rows<float, D>(out, u, QP);                                                                             \
    }                                                                                                                   \
    extern "C" __global__ void phi4_baoab1_rows_f64_d##D(double* next, const double* phi, double* mom,                 \
                                                         uint64_t step) {                                               \
        phi4_baoab1_rows<double, D>(next, phi, mom, QP, step);                                                          \
    }                                                                                                                   \
    extern "C" __global__ void phi4_baoab1_rows_f32_d##D(float* next, const float* phi, float* mom, uint64_t step) {    \
        phi4_baoab1_rows<float, D>(next, phi, mom, QP, step);                                                           \
    }                                                                                                                   \
    extern "C" __global__ void phi4_baoab2_rows_f64_d##D(const double* next, double* mom) {                             \
        phi4_baoab2_rows<double, D>(next, mom, QP);                                                                     \
    }                                                                                                                   \
    extern "C" __global__ void phi4_baoab2_rows_f32_d##D(const float* next, float* mom) {                               \
        phi4_baoab2_rows<float, D>(next, mom, QP);                                                                      \
    }                                                                                                                   \
    extern "C" __global__ void phi4_mu_rows_f64_d##D(double* mu, const double* phi) {                                   \
        phi4_mu_rows<double, D>(mu, phi, QP);                                                                           \
    }                                                                                                                   \
    extern "C" __global__ void phi4_mu_rows_f32_d##D(float* mu, const float* phi) {                                     \
        phi4_mu_rows<float, D>(mu, phi, QP);                                                                            \
    }                                                                                                                   \
    extern "C" __global__ void phi4_modelb_rows_f64_d##D(double* next, const double* phi, const double* mu,             \
                                                         const double* cur) {                                           \
        phi4_modelb_rows<double, D>(next, phi, mu, cur, QP);                                                            \
    }                                                                                                                   \
    extern "C" __global__ void phi4_modelb_rows_f32_d##D(float* next, const float* phi, const float* mu,                \
                                                         const float* cur) {                                            \
        phi4_modelb_rows<float, D>(next, phi, mu, cur, QP);                                                             \
    }
QUENCH_ROW_KERNELS(1)
QUENCH_ROW_KERNELS(2)
QUENCH_ROW_KERNELS(3)

// The float32 EM kernels for rows whose length is a multiple of 8 in 1D
// and 2D (kernels.WideRows): 8 sites per thread, two Philox calls per row,
// so that each row's fixed work (pointers, loop, the row along y in flight)
// is shared by twice the sites: 243 instructions per 4 sites in the 2D
// loop instead of 282 (sm_90), at 64 registers (4 blocks of 256 threads per
// multiprocessor; LM at 8 sites would spill).
#define QUENCH_WIDE_KERNELS(D)                                                                                          \
    extern "C" __global__ void __launch_bounds__(256, 4)                                                                \
        phi4_overdamped_rows8_f32_d##D(float* next, const float* phi, uint64_t step) {                                  \
        phi4_overdamped_rows<float, D, 8>(next, phi, QP, step, 0);                                                      \
    }
QUENCH_WIDE_KERNELS(1)
QUENCH_WIDE_KERNELS(2)
