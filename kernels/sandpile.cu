// sandpile.cu: Abelian sandpile rounds, the CUDA twin of cpu/sandpile.go.
// One synchronous round of quench.Sandpile's rule runs as four kernels over
// a box region of the lattice (the sites that can be unstable: neighbours
// of the previous round's topplings), the region kept in device memory:
//   sandpile_flags:  flag[x] = h[x] >= z for x in the region; for each
//                    toppling: activity, stamp/area, lost grains, and the
//                    bounding box of the topplings (atomics on integers)
//   sandpile_apply:  h[x] += sum of flags of x's in-lattice neighbours,
//                    minus z if x toppled, for x in the region grown by 1
//   sandpile_clear:  flag[x] = 0 in the region
//   sandpile_next:   one thread: a round without topplings ends the
//                    avalanche (done); otherwise add the round to the
//                    totals and make the box grown by 1 the next region
// The flags are 0 everywhere else, so the apply kernel reads the exact
// synchronous rule. Rounds after the end do nothing, so the host may queue
// many rounds between two looks at the counts. Dimensions 1..3.
#include <stdint.h>

struct qsand {
    int64_t shape[3];
    int64_t stride[3];
    int64_t dim;
    int64_t lo[3], hi[3];  // region, inclusive
    int64_t z;
    int64_t avalanche;
};

// counts: [0] topplings, [1] newly stamped sites, [2] lost grains,
// [3..5] min coordinate of the topplings, [6..8] max coordinate (this
// round); [9] size, [10] area, [11] lost, [12] duration (the avalanche so
// far); [13] done
//
// The region, clipped to the lattice, is walked in items: one item is a run
// of up to QSAND_RUN sites of one row along the last (contiguous) axis, and
// a block takes one item at a time, so the divisions that turn an item into
// coordinates are paid once per QSAND_RUN sites, not per site.
#ifndef QSAND_RUN
#define QSAND_RUN 1024
#endif

struct qbox {
    int64_t lo[3], w[3];  // clipped box: first coordinate and width per axis
    int64_t runs;         // runs per row
    int64_t items;        // rows * runs (0 when the box is empty)
};

__device__ __forceinline__ qbox qsand_box(const qsand* P, int64_t grow) {
    qbox B;
    const int d = (int)P->dim;
    int64_t rows = 1;
    for (int a = 0; a < d; a++) {
        int64_t lo = P->lo[a] - grow, hi = P->hi[a] + grow;
        if (lo < 0) lo = 0;
        if (hi > P->shape[a] - 1) hi = P->shape[a] - 1;
        B.lo[a] = lo;
        B.w[a] = hi >= lo ? hi - lo + 1 : 0;
        if (a < d - 1) rows *= B.w[a];
    }
    B.runs = (B.w[d - 1] + QSAND_RUN - 1) / QSAND_RUN;
    B.items = rows * B.runs;
    return B;
}

// qsand_item sets c[] to the coordinates of the first site of item i, and
// returns its index and (in *len) the sites in the run.
__device__ __forceinline__ int64_t qsand_item(const qsand* P, const qbox& B, int64_t i, int64_t* c, int64_t* len) {
    const int d = (int)P->dim;
    int64_t row = i / B.runs;
    const int64_t k = i - row * B.runs;
    c[d - 1] = B.lo[d - 1] + k * QSAND_RUN;
    const int64_t rest = B.lo[d - 1] + B.w[d - 1] - c[d - 1];
    *len = rest < QSAND_RUN ? rest : QSAND_RUN;
    int64_t n = c[d - 1];
    for (int a = d - 2; a >= 0; a--) {
        const int64_t q = a > 0 ? row / B.w[a] : 0;
        c[a] = B.lo[a] + (row - q * B.w[a]);
        row = q;
        n += c[a] * P->stride[a];
    }
    return n;
}

// qsand_reduce adds v over the block (blockDim.x a power of two, at most
// 256); thread 0 gets the total. op: 0 sum, 1 min, 2 max.
__device__ __forceinline__ unsigned long long qsand_reduce(unsigned long long* sm, unsigned long long v, int op) {
    sm[threadIdx.x] = v;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            const unsigned long long a = sm[threadIdx.x], b = sm[threadIdx.x + s];
            sm[threadIdx.x] = op == 0 ? a + b : op == 1 ? (b < a ? b : a) : (b > a ? b : a);
        }
        __syncthreads();
    }
    const unsigned long long r = sm[0];
    __syncthreads();
    return r;
}

// sandpile_flags marks this round's topplings. Each thread counts its
// own, the block adds them up, and one thread per block updates the
// global counts (integer sums, minima and maxima: the order does not
// matter).
extern "C" __global__ void sandpile_flags(const uint8_t* h, uint8_t* flag, int64_t* activity, int32_t* stamp,
                                          const qsand* P, unsigned long long* counts) {
    __shared__ unsigned long long sm[256];
    if (counts[13]) return;
    const qbox B = qsand_box(P, 0);
    const int d = (int)P->dim;
    const int64_t last = P->shape[d - 1] - 1;
    unsigned long long top = 0, stamped = 0, lost = 0, mn[3] = {~0ull, ~0ull, ~0ull}, mx[3] = {0, 0, 0};
    for (int64_t i = blockIdx.x; i < B.items; i += gridDim.x) {
        int64_t c[3], len;
        const int64_t n0 = qsand_item(P, B, i, c, &len);
        unsigned long long edge = 0;  // open faces of the row (axes before the last)
        for (int a = 0; a < d - 1; a++) edge += (c[a] == 0) + (c[a] == P->shape[a] - 1);
        for (int64_t j = threadIdx.x; j < len; j += blockDim.x) {
            const int64_t n = n0 + j;
            if (h[n] < P->z) continue;
            flag[n] = 1;
            activity[n] += 1;
            top++;
            if (stamp[n] != (int32_t)P->avalanche) {
                stamp[n] = (int32_t)P->avalanche;
                stamped++;
            }
            const int64_t x = c[d - 1] + j;
            lost += edge + (x == 0) + (x == last);
            for (int a = 0; a < d - 1; a++) {
                if ((unsigned long long)c[a] < mn[a]) mn[a] = c[a];
                if ((unsigned long long)c[a] > mx[a]) mx[a] = c[a];
            }
            if ((unsigned long long)x < mn[d - 1]) mn[d - 1] = x;
            if ((unsigned long long)x > mx[d - 1]) mx[d - 1] = x;
        }
    }
    top = qsand_reduce(sm, top, 0);
    if (top == 0) return;  // the whole block agrees
    stamped = qsand_reduce(sm, stamped, 0);
    lost = qsand_reduce(sm, lost, 0);
    for (int a = 0; a < d; a++) {
        mn[a] = qsand_reduce(sm, mn[a], 1);
        mx[a] = qsand_reduce(sm, mx[a], 2);
    }
    if (threadIdx.x == 0) {
        atomicAdd(&counts[0], top);
        if (stamped) atomicAdd(&counts[1], stamped);
        if (lost) atomicAdd(&counts[2], lost);
        for (int a = 0; a < d; a++) {
            atomicMin(&counts[3 + a], mn[a]);
            atomicMax(&counts[6 + a], mx[a]);
        }
    }
}

extern "C" __global__ void sandpile_apply(uint8_t* h, const uint8_t* flag, const qsand* P, const unsigned long long* counts) {
    if (counts[13]) return;
    const qbox B = qsand_box(P, 1);
    const int d = (int)P->dim;
    const int64_t last = P->shape[d - 1] - 1;
    for (int64_t i = blockIdx.x; i < B.items; i += gridDim.x) {
        int64_t c[3], len;
        const int64_t n0 = qsand_item(P, B, i, c, &len);
        for (int64_t j = threadIdx.x; j < len; j += blockDim.x) {
            const int64_t n = n0 + j, x = c[d - 1] + j;
            int v = h[n];
            if (flag[n]) v -= (int)P->z;
            for (int a = 0; a < d - 1; a++) {
                if (c[a] > 0) v += flag[n - P->stride[a]];
                if (c[a] < P->shape[a] - 1) v += flag[n + P->stride[a]];
            }
            if (x > 0) v += flag[n - 1];
            if (x < last) v += flag[n + 1];
            h[n] = (uint8_t)v;
        }
    }
}

extern "C" __global__ void sandpile_clear(uint8_t* flag, const qsand* P, const unsigned long long* counts) {
    if (counts[13]) return;
    const qbox B = qsand_box(P, 0);
    for (int64_t i = blockIdx.x; i < B.items; i += gridDim.x) {
        int64_t c[3], len;
        const int64_t n0 = qsand_item(P, B, i, c, &len);
        for (int64_t j = threadIdx.x; j < len; j += blockDim.x) flag[n0 + j] = 0;
    }
}

extern "C" __global__ void sandpile_next(qsand* P, unsigned long long* counts) {
    if (blockIdx.x != 0 || threadIdx.x != 0 || counts[13]) return;
    if (counts[0] == 0) {
        counts[13] = 1;
        return;
    }
    counts[9] += counts[0];
    counts[10] += counts[1];
    counts[11] += counts[2];
    counts[12] += 1;
    for (int a = 0; a < (int)P->dim; a++) {
        const int64_t lo = (int64_t)counts[3 + a] - 1, hi = (int64_t)counts[6 + a] + 1;
        P->lo[a] = lo < 0 ? 0 : lo;
        P->hi[a] = hi > P->shape[a] - 1 ? P->shape[a] - 1 : hi;
        counts[3 + a] = ~0ull;
        counts[6 + a] = 0;
    }
    counts[0] = counts[1] = counts[2] = 0;
}

// sandpile_grain adds one grain at site.
extern "C" __global__ void sandpile_grain(uint8_t* h, int64_t site) {
    if (blockIdx.x == 0 && threadIdx.x == 0) h[site] += 1;
}
