// ising.cu: checkerboard Ising kernels, the CUDA twins of cpu/ising.go. The
// per-site rule (quench.IsingTable, quench.IsingFlip), for colour c and
// every site n with coordinate sum = c mod 2:
//
//   k  := table entry of (s[n], number of down neighbours)
//   u8 := byte (n>>1)&15 of Philox(seed; Ising, replica, step, c, group n>>5, block 0)
//   flip if u8 < hi[k]; if u8 == hi[k]: w := word 0 of
//   Philox(...; group n>>1, block 1), flip if w>>8 < lo[k].
//
// The table in device memory is 64 int32: hi[32] (-1 where unused) then
// lo[32], indexed by key = nd + 16*(s == -1), nd the number of down
// neighbours (0..2d, d <= 4).
//
// Every parameter is 8 bytes (gorgonia.org/cu copies each as a uint64).
#include <stdint.h>
#include "philox.cuh"

struct quench_rng {
    uint32_t k0, k1, replica;
    uint64_t step;
};

__device__ __forceinline__ quench_rng quench_rng_make(uint64_t seed, uint64_t step, uint64_t replica) {
    quench_rng r;
    r.k0 = (uint32_t)seed;
    r.k1 = (uint32_t)(seed >> 32);
    r.replica = (uint32_t)replica;
    r.step = step;
    return r;
}

// Decide one site: returns true to flip. j is the site's phase-site index
// n>>1, u8 its primary random byte.
__device__ __forceinline__ bool quench_ising_decide(int key, uint32_t u8, const int32_t* hi, const uint32_t* lo,
                                                    quench_rng rng, uint32_t phase, uint64_t j) {
    int32_t h = hi[key];
    int32_t d = (int32_t)u8 - h;
    if (d != 0) return d < 0;
    uint4 w = quench_philox4x32_10(quench_counter(QUENCH_PURPOSE_ISING, rng.replica, rng.step, phase, j, 1), rng.k0, rng.k1);
    return (w.x >> 8) < lo[key];
}

__device__ __forceinline__ int quench_down(int8_t s) { return s < 0; }

__device__ __forceinline__ int8_t quench_byte(const uint32_t* w, int b) { return (int8_t)(w[b >> 2] >> ((b & 3) * 8)); }

// The 16 decisions of one segment: site i sits at byte 2i+PAR; flip gets
// 0xFE in the bytes to flip.
template <int PAR, int DIM>
__device__ __forceinline__ void seg_flips(uint32_t* flip, const uint32_t* w, const uint32_t* wu, const uint32_t* wd,
                                          const uint32_t* wf, const uint32_t* wb, int8_t left, int8_t right, uint4 rnd,
                                          const int32_t* hi, const uint32_t* lo, quench_rng rng, uint32_t phase,
                                          uint64_t j0) {
    const uint32_t rw[4] = {rnd.x, rnd.y, rnd.z, rnd.w};
#pragma unroll
    for (int i = 0; i < 8; i++) flip[i] = 0;
#pragma unroll
    for (int i = 0; i < 16; i++) {
        const int bx = 2 * i + PAR;
        const int8_t sv = quench_byte(w, bx);
        const int8_t sl = bx == 0 ? left : quench_byte(w, bx - 1);
        const int8_t sr = bx == 31 ? right : quench_byte(w, bx + 1);
        int nd = quench_down(sl) + quench_down(sr) + quench_down(quench_byte(wu, bx)) + quench_down(quench_byte(wd, bx));
        if (DIM == 3) nd += quench_down(quench_byte(wf, bx)) + quench_down(quench_byte(wb, bx));
        const int key = nd + 16 * quench_down(sv);
        const uint32_t u8 = (rw[i >> 2] >> ((i & 3) * 8)) & 0xFFu;
        if (quench_ising_decide(key, u8, hi, lo, rng, phase, j0 + i)) flip[bx >> 2] |= 0xFEu << ((bx & 3) * 8);
    }
}

// Fast path: lx % 32 == 0, two or three dimensions. Thread t owns the 32-byte
// segment t of the lattice (row r = t / (lx/32)), whose 16 sites of colour
// `phase` form exactly one Philox group: j0 = (r*lx + x0)/2 is a multiple of 16.
// Shape is (lz, ly, lx) with lz = 1 in 2D.
extern "C" __global__ void ising_phase_seg(int8_t* __restrict__ s, const int32_t* __restrict__ table,
                                           int64_t lz, int64_t ly, int64_t lx,
                                           uint64_t seed, uint64_t step, uint64_t replica, uint64_t phase64,
                                           int64_t dim) {
    QUENCH_SHARED(int32_t, hi, [32]);
    QUENCH_SHARED(uint32_t, lo, [32]);
    if (threadIdx.x < 32) {
        hi[threadIdx.x] = table[threadIdx.x];
        lo[threadIdx.x] = (uint32_t)table[32 + threadIdx.x];
    }
    __syncthreads();
    const int64_t segs_per_row = lx >> 5;
    const int64_t nseg = lz * ly * segs_per_row;
    const uint32_t phase = (uint32_t)phase64;
    const quench_rng rng = quench_rng_make(seed, step, replica);
    for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < nseg; t += (int64_t)gridDim.x * blockDim.x) {
        const int64_t r = t / segs_per_row;
        const int64_t x0 = (t - r * segs_per_row) << 5;
        const int64_t y = r % ly, z = r / ly;
        const int par = (int)((y + z + (int64_t)phase) & 1); // x offset of this colour in the row
        const int64_t base = r * lx;
        const int64_t yu = (y + 1 == ly) ? 0 : y + 1, yd = (y == 0) ? ly - 1 : y - 1;
        const int64_t rows_u = (z * ly + yu) * lx, rows_d = (z * ly + yd) * lx;
        int64_t rows_f = 0, rows_b = 0;
        if (dim == 3) {
            const int64_t zu = (z + 1 == lz) ? 0 : z + 1, zd = (z == 0) ? lz - 1 : z - 1;
            rows_f = (zu * ly + y) * lx;
            rows_b = (zd * ly + y) * lx;
        }
        // the segment and its neighbours, 32 bytes each as 8 words
        uint32_t w[8], wu[8], wd[8], wf[8], wb[8];
        const uint4* p = reinterpret_cast<const uint4*>(s + base + x0);
        const uint4* pu = reinterpret_cast<const uint4*>(s + rows_u + x0);
        const uint4* pd = reinterpret_cast<const uint4*>(s + rows_d + x0);
        uint4 a = p[0], b = p[1];
        w[0] = a.x; w[1] = a.y; w[2] = a.z; w[3] = a.w; w[4] = b.x; w[5] = b.y; w[6] = b.z; w[7] = b.w;
        a = __ldg(pu); b = __ldg(pu + 1);
        wu[0] = a.x; wu[1] = a.y; wu[2] = a.z; wu[3] = a.w; wu[4] = b.x; wu[5] = b.y; wu[6] = b.z; wu[7] = b.w;
        a = __ldg(pd); b = __ldg(pd + 1);
        wd[0] = a.x; wd[1] = a.y; wd[2] = a.z; wd[3] = a.w; wd[4] = b.x; wd[5] = b.y; wd[6] = b.z; wd[7] = b.w;
        if (dim == 3) {
            const uint4* pf = reinterpret_cast<const uint4*>(s + rows_f + x0);
            const uint4* pb = reinterpret_cast<const uint4*>(s + rows_b + x0);
            a = __ldg(pf); b = __ldg(pf + 1);
            wf[0] = a.x; wf[1] = a.y; wf[2] = a.z; wf[3] = a.w; wf[4] = b.x; wf[5] = b.y; wf[6] = b.z; wf[7] = b.w;
            a = __ldg(pb); b = __ldg(pb + 1);
            wb[0] = a.x; wb[1] = a.y; wb[2] = a.z; wb[3] = a.w; wb[4] = b.x; wb[5] = b.y; wb[6] = b.z; wb[7] = b.w;
        } else {
#pragma unroll
            for (int i = 0; i < 8; i++) wf[i] = wb[i] = 0;
        }
        // neighbours across the segment's ends (other colour: unchanged in this phase)
        const int8_t left = s[base + (x0 == 0 ? lx - 1 : x0 - 1)];
        const int8_t right = s[base + (x0 + 32 == lx ? 0 : x0 + 32)];
        const uint64_t j0 = (uint64_t)(base + x0) >> 1;
        const uint4 rnd = quench_philox4x32_10(
            quench_counter(QUENCH_PURPOSE_ISING, rng.replica, rng.step, phase, j0 >> 4, 0), rng.k0, rng.k1);
        uint32_t flip[8];
        // par and dim as template parameters: every byte index is then a
        // compile-time constant and the words stay in registers
        if (dim == 3) {
            if (par == 0) seg_flips<0, 3>(flip, w, wu, wd, wf, wb, left, right, rnd, hi, lo, rng, phase, j0);
            else seg_flips<1, 3>(flip, w, wu, wd, wf, wb, left, right, rnd, hi, lo, rng, phase, j0);
        } else {
            if (par == 0) seg_flips<0, 2>(flip, w, wu, wd, wf, wb, left, right, rnd, hi, lo, rng, phase, j0);
            else seg_flips<1, 2>(flip, w, wu, wd, wf, wb, left, right, rnd, hi, lo, rng, phase, j0);
        }
        uint4* q = reinterpret_cast<uint4*>(s + base + x0);
        q[0] = make_uint4(w[0] ^ flip[0], w[1] ^ flip[1], w[2] ^ flip[2], w[3] ^ flip[3]);
        q[1] = make_uint4(w[4] ^ flip[4], w[5] ^ flip[5], w[6] ^ flip[6], w[7] ^ flip[7]);
    }
}

// General path: any dimension 1..4, any even extents. Thread t owns
// phase-site j = t: row r = j / (lx/2), k = j % (lx/2), x = 2k + (row parity
// + phase) & 1. shape points at dim int64 extents, slowest first.
extern "C" __global__ void ising_phase_site(int8_t* __restrict__ s, const int32_t* __restrict__ table,
                                            const int64_t* __restrict__ shape, int64_t dim, int64_t nsites,
                                            uint64_t seed, uint64_t step, uint64_t replica, uint64_t phase64) {
    const uint32_t phase = (uint32_t)phase64;
    const quench_rng rng = quench_rng_make(seed, step, replica);
    const int64_t lx = shape[dim - 1];
    const int64_t half = lx >> 1;
    const int64_t nj = nsites >> 1;
    for (int64_t j = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; j < nj; j += (int64_t)gridDim.x * blockDim.x) {
        const int64_t r = j / half;
        const int64_t k = j - r * half;
        // coordinates of the row, last of them fastest
        int64_t c[4] = {0, 0, 0, 0};
        int64_t rem = r;
        int par = 0;
        for (int a = (int)dim - 2; a >= 0; a--) {
            c[a] = rem % shape[a];
            rem /= shape[a];
            par += (int)(c[a] & 1);
        }
        const int64_t x = 2 * k + ((par + (int)phase) & 1);
        const int64_t n = r * lx + x;
        int nd = quench_down(s[r * lx + (x == 0 ? lx - 1 : x - 1)]) + quench_down(s[r * lx + (x + 1 == lx ? 0 : x + 1)]);
        int64_t stride = lx;
        for (int a = (int)dim - 2; a >= 0; a--) {
            const int64_t up = (c[a] + 1 == shape[a]) ? -c[a] * stride : stride;
            const int64_t dn = (c[a] == 0) ? (shape[a] - 1) * stride : -stride;
            nd += quench_down(s[n + up]) + quench_down(s[n + dn]);
            stride *= shape[a];
        }
        const int8_t sv = s[n];
        const uint64_t jj = (uint64_t)n >> 1;
        const uint4 rnd = quench_philox4x32_10(
            quench_counter(QUENCH_PURPOSE_ISING, rng.replica, rng.step, phase, jj >> 4, 0), rng.k0, rng.k1);
        const uint32_t b = (uint32_t)(jj & 15);
        const uint32_t rw[4] = {rnd.x, rnd.y, rnd.z, rnd.w};
        const uint32_t u8 = (rw[b >> 2] >> ((b & 3) * 8)) & 0xFFu;
        const int key = nd + 16 * quench_down(sv);
        const int32_t h = table[key];
        const int32_t d = (int32_t)u8 - h;
        bool f = d < 0;
        if (d == 0) {
            uint4 w = quench_philox4x32_10(quench_counter(QUENCH_PURPOSE_ISING, rng.replica, rng.step, phase, jj, 1), rng.k0, rng.k1);
            f = (w.x >> 8) < (uint32_t)table[32 + key];
        }
        if (f) s[n] = -sv;
    }
}

// Exact integer sums: out[0] += sum s, out[1] += sum over forward bonds
// s_n s_{n+e_a}, out[2] += sum (-1)^(sum of coordinates) s (staggered).
// Integer addition is associative, so the atomics give the same bits in
// any order. Thread t takes 256 consecutive sites of one row (row
// coordinates computed once), shape as in ising_phase_site.
extern "C" __global__ void ising_sums(const int8_t* __restrict__ s, const int64_t* __restrict__ shape,
                                      int64_t dim, int64_t nsites, unsigned long long* out) {
    QUENCH_SHARED(long long, sm, [256]);
    QUENCH_SHARED(long long, sb, [256]);
    QUENCH_SHARED(long long, ss, [256]);
    const int64_t lx = shape[dim - 1];
    const int64_t chunks = (lx + 255) / 256;
    const int64_t ntasks = nsites / lx * chunks;
    long long m = 0, bond = 0, stag = 0;
    for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < ntasks; t += (int64_t)gridDim.x * blockDim.x) {
        const int64_t r = t / chunks;
        const int64_t x0 = (t - r * chunks) * 256;
        const int64_t x1 = x0 + 256 < lx ? x0 + 256 : lx;
        // offset of the forward neighbour row along each other axis
        int64_t fwd[3] = {0, 0, 0};
        int64_t rem = r, stride = lx, par = x0;
        for (int a = (int)dim - 2; a >= 0; a--) {
            const int64_t c = rem % shape[a];
            rem /= shape[a];
            fwd[a] = (c + 1 == shape[a]) ? -c * stride : stride;
            stride *= shape[a];
            par += c;
        }
        const int8_t* row = s + r * lx;
        int even = 0, odd = 0; // sums over the sites x0, x0+2, ... and x0+1, x0+3, ...
        for (int64_t x = x0; x < x1; x++) {
            const int sv = row[x];
            if ((x - x0) & 1) odd += sv; else even += sv;
            bond += sv * (int)row[x + 1 == lx ? 0 : x + 1];
            for (int a = 0; a < (int)dim - 1; a++) bond += sv * (int)row[x + fwd[a]];
        }
        m += even + odd;
        stag += (par & 1) ? odd - even : even - odd;
    }
    sm[threadIdx.x] = m;
    sb[threadIdx.x] = bond;
    ss[threadIdx.x] = stag;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w >>= 1) {
        if ((int)threadIdx.x < w) {
            sm[threadIdx.x] += sm[threadIdx.x + w];
            sb[threadIdx.x] += sb[threadIdx.x + w];
            ss[threadIdx.x] += ss[threadIdx.x + w];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        atomicAdd(&out[0], (unsigned long long)sm[0]);
        atomicAdd(&out[1], (unsigned long long)sb[0]);
        atomicAdd(&out[2], (unsigned long long)ss[0]);
    }
}

// Plane sums (quench.Reducer.IsingPlanes): out[off_a + x_a] += s for every
// site and axis a, off_a the sum of the extents before a; stagger != 0:
// += (-1)^(x_1+...+x_d) s. Threads below rows*chunks each take 256
// consecutive sites of one row, as ising_sums, and add their sum to the
// row's plane along every axis but the last; the threads after them each
// take one column x (neighbouring threads neighbouring columns: coalesced
// loads) in a slab of 256 rows and add its sum to the plane x of the last
// axis. Integer atomics: the same bits in any order.
extern "C" __global__ void ising_planes(const int8_t* __restrict__ s, const int64_t* __restrict__ shape,
                                        int64_t dim, int64_t nsites, int64_t stagger, unsigned long long* out) {
    const int64_t lx = shape[dim - 1];
    const int64_t rows = nsites / lx;
    const int64_t chunks = (lx + 255) / 256;
    const int64_t rowTasks = rows * chunks;
    const int64_t slabs = (rows + 255) / 256;
    const int64_t ntasks = rowTasks + slabs * lx;
    int64_t lastOff = 0; // the last axis' first plane
    for (int a = 0; a < (int)dim - 1; a++) lastOff += shape[a];
    for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < ntasks; t += (int64_t)gridDim.x * blockDim.x) {
        long long m = 0;
        if (t < rowTasks) {
            const int64_t r = t / chunks;
            const int64_t x0 = (t - r * chunks) * 256;
            const int64_t x1 = x0 + 256 < lx ? x0 + 256 : lx;
            const int8_t* row = s + r * lx;
            if (stagger) {
                // the sign of site x: the parity of x plus the row's coordinates
                int64_t par = 0, rem = r;
                for (int a = (int)dim - 2; a >= 0; a--) {
                    par += rem % shape[a];
                    rem /= shape[a];
                }
                for (int64_t x = x0; x < x1; x++) m += ((x + par) & 1) ? -row[x] : row[x];
            } else {
                for (int64_t x = x0; x < x1; x++) m += row[x];
            }
            int64_t rem = r, off = lastOff;
            for (int a = (int)dim - 2; a >= 0; a--) {
                const int64_t c = rem % shape[a];
                rem /= shape[a];
                off -= shape[a];
                atomicAdd(&out[off + c], (unsigned long long)m);
            }
        } else {
            const int64_t u = t - rowTasks;
            const int64_t slab = u / lx;
            const int64_t x = u - slab * lx;
            const int64_t r1 = (slab + 1) * 256 < rows ? (slab + 1) * 256 : rows;
            if (stagger) {
                // the slab's first row's coordinates, then counted up row
                // by row (the last row axis fastest): no division a site
                int64_t c[3] = {0, 0, 0}, par = x, rem = slab * 256;
                for (int a = (int)dim - 2; a >= 0; a--) {
                    c[a] = rem % shape[a];
                    rem /= shape[a];
                    par += c[a];
                }
                for (int64_t r = slab * 256; r < r1; r++) {
                    const int8_t v = s[r * lx + x];
                    m += (par & 1) ? -v : v;
                    for (int a = (int)dim - 2; a >= 0; a--) {
                        if (++c[a] < shape[a]) {
                            par++;
                            break;
                        }
                        par -= c[a] - 1;
                        c[a] = 0;
                    }
                }
            } else {
                for (int64_t r = slab * 256; r < r1; r++) m += s[r * lx + x];
            }
            atomicAdd(&out[lastOff + x], (unsigned long long)m);
        }
    }
}

// Fixed-block float sums (quench.Reducer.Sum): partial[k] = sum of elements
// k*4096 .. k*4096+4095 in float64, left to right, exactly as the CPU.
extern "C" __global__ void sum_blocks_f64(const double* __restrict__ x, int64_t n, double* partial) {
    const int64_t nblk = (n + 4095) / 4096;
    for (int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; k < nblk; k += (int64_t)gridDim.x * blockDim.x) {
        double acc = 0;
        const int64_t hi = (k + 1) * 4096 < n ? (k + 1) * 4096 : n;
        for (int64_t i = k * 4096; i < hi; i++) acc = __dadd_rn(acc, x[i]);
        partial[k] = acc;
    }
}

extern "C" __global__ void sum_blocks_f32(const float* __restrict__ x, int64_t n, double* partial) {
    const int64_t nblk = (n + 4095) / 4096;
    for (int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; k < nblk; k += (int64_t)gridDim.x * blockDim.x) {
        double acc = 0;
        const int64_t hi = (k + 1) * 4096 < n ? (k + 1) * 4096 : n;
        for (int64_t i = k * 4096; i < hi; i++) acc = __dadd_rn(acc, (double)x[i]);
        partial[k] = acc;
    }
}

// Philox known answers on the device: out[4*i..4*i+3] = Philox(ctr[i], key[i]).
extern "C" __global__ void philox_kat(const uint32_t* ctr, const uint32_t* key, uint32_t* out, int64_t n) {
    const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    uint4 r = quench_philox4x32_10(make_uint4(ctr[4 * i], ctr[4 * i + 1], ctr[4 * i + 2], ctr[4 * i + 3]),
                                   key[2 * i], key[2 * i + 1]);
    out[4 * i] = r.x;
    out[4 * i + 1] = r.y;
    out[4 * i + 2] = r.z;
    out[4 * i + 3] = r.w;
}
