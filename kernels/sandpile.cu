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
__device__ __forceinline__ int64_t qsand_region_site(const qsand* P, int64_t t, int64_t grow, int64_t* c, bool* ok) {
    int64_t n = 0;
    *ok = true;
    for (int a = (int)P->dim - 1; a >= 0; a--) {
        const int64_t lo = P->lo[a] - grow, hi = P->hi[a] + grow;
        const int64_t w = hi - lo + 1;
        c[a] = lo + t % w;
        t /= w;
        if (c[a] < 0 || c[a] >= P->shape[a]) *ok = false;
        n += c[a] * P->stride[a];
    }
    return n;
}

__device__ __forceinline__ int64_t qsand_region_size(const qsand* P, int64_t grow) {
    int64_t s = 1;
    for (int a = 0; a < (int)P->dim; a++) s *= P->hi[a] - P->lo[a] + 1 + 2 * grow;
    return s;
}

extern "C" __global__ void sandpile_flags(const uint8_t* h, uint8_t* flag, int64_t* activity, int32_t* stamp,
                                          const qsand* P, unsigned long long* counts) {
    if (counts[13]) return;
    const int64_t size = qsand_region_size(P, 0);
    for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < size; t += (int64_t)gridDim.x * blockDim.x) {
        int64_t c[3];
        bool ok;
        const int64_t n = qsand_region_site(P, t, 0, c, &ok);
        if (!ok || h[n] < P->z) continue;
        flag[n] = 1;
        activity[n] += 1;
        atomicAdd(&counts[0], 1ull);
        if (stamp[n] != (int32_t)P->avalanche) {
            stamp[n] = (int32_t)P->avalanche;
            atomicAdd(&counts[1], 1ull);
        }
        unsigned long long lost = 0;
        for (int a = 0; a < (int)P->dim; a++) {
            lost += (c[a] == 0) + (c[a] == P->shape[a] - 1);
            atomicMin(&counts[3 + a], (unsigned long long)c[a]);
            atomicMax(&counts[6 + a], (unsigned long long)c[a]);
        }
        if (lost) atomicAdd(&counts[2], lost);
    }
}

extern "C" __global__ void sandpile_apply(uint8_t* h, const uint8_t* flag, const qsand* P, const unsigned long long* counts) {
    if (counts[13]) return;
    const int64_t size = qsand_region_size(P, 1);
    for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < size; t += (int64_t)gridDim.x * blockDim.x) {
        int64_t c[3];
        bool ok;
        const int64_t n = qsand_region_site(P, t, 1, c, &ok);
        if (!ok) continue;
        int v = h[n];
        if (flag[n]) v -= (int)P->z;
        for (int a = 0; a < (int)P->dim; a++) {
            if (c[a] > 0) v += flag[n - P->stride[a]];
            if (c[a] < P->shape[a] - 1) v += flag[n + P->stride[a]];
        }
        h[n] = (uint8_t)v;
    }
}

extern "C" __global__ void sandpile_clear(uint8_t* flag, const qsand* P, const unsigned long long* counts) {
    if (counts[13]) return;
    const int64_t size = qsand_region_size(P, 0);
    for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < size; t += (int64_t)gridDim.x * blockDim.x) {
        int64_t c[3];
        bool ok;
        const int64_t n = qsand_region_site(P, t, 0, c, &ok);
        if (ok) flag[n] = 0;
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
