// sandpile.cu: Abelian sandpile rounds, the CUDA twin of cpu/sandpile.go.
//
// The lattice is cut into tiles of 1024 sites (1D: 1024; 2D: 32 x 32;
// 3D: 8 x 8 x 16; the last axis fastest), and a round works only on a list
// of tiles, so its cost follows the avalanche's front, not its bounding
// box. One synchronous round of quench.Sandpile's rule is two kernels:
//   sandpile_flags:  for the sites of the current list's tiles: flag[x] =
//                    (h[x] >= z); for each toppling: activity, stamp/area,
//                    lost grains (counts added per block, one atomic per
//                    block). A tile with a toppling puts itself and its 2d
//                    face neighbours on the next list, once each (mark[t]
//                    holds the round a tile was last listed for).
//   sandpile_apply:  for the sites of the next list's tiles: h[x] += the
//                    flags of x's in-lattice neighbours, minus z if x
//                    toppled (every site that toppled or got a grain is in
//                    such a tile). The last block to finish closes the
//                    round: a round without topplings ends the avalanche
//                    (done); otherwise it adds the round to the totals and
//                    makes the next list the current one.
// No pass clears the flags: every tile that toppled in round r - 1 listed
// itself for round r, and sandpile_flags rewrites every site of its list,
// so after it the flags are exactly round r's topplings; after an
// avalanche's last round (no toppling) every flag is 0 again. The lists'
// order varies from run to run, but every operation on a site is done by
// one thread and the counts are integer sums, so results do not. Rounds
// after the end do nothing, so the host may queue many rounds between two
// looks at the counts. Dimensions 1..3.
#include <stdint.h>

#define QSAND_TILE 1024  // sites per tile

struct qsand {
    int64_t shape[3];
    int64_t stride[3];
    int64_t dim;
    int64_t tbits[3];  // log2 of the tile's extent per axis
    int64_t ntile[3];  // tiles per axis
    int64_t z;
    int64_t avalanche;
};

// counts: [0] topplings, [1] newly stamped sites, [2] lost grains (this
// round); [3] length of the current list, [4] of the next; [5] the round
// (counts rounds across avalanches: the host carries it from grain to
// grain; the current list is B for odd rounds, A for even ones); [9] size, [10] area, [11] lost, [12] duration
// (the avalanche so far); [13] done; [14] blocks of sandpile_apply
// finished in this round (the last one closes it and resets this)

// qsand_reduce adds v over the block (blockDim.x a power of two, at most
// the length of sm: 256 in sandpile_flags, 1024 in sandpile_relax); every
// thread gets the total.
__device__ __forceinline__ unsigned long long qsand_reduce(unsigned long long* sm, unsigned long long v) {
    sm[threadIdx.x] = v;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) sm[threadIdx.x] += sm[threadIdx.x + s];
        __syncthreads();
    }
    const unsigned long long r = sm[0];
    __syncthreads();
    return r;
}

// qsand_add adds the block's topplings, new stamps and lost grains to
// c[0], c[1], c[2]: one atomic a nonzero count a block. Every thread of
// the block calls it.
__device__ __forceinline__ void qsand_add(unsigned long long* sm, unsigned long long* c, unsigned long long top,
                                          unsigned long long stamped, unsigned long long lost) {
    top = qsand_reduce(sm, top);
    if (top == 0) return;  // the whole block agrees (no toppling, no stamp, no loss)
    stamped = qsand_reduce(sm, stamped);
    lost = qsand_reduce(sm, lost);
    if (threadIdx.x == 0) {
        atomicAdd(&c[0], top);
        if (stamped) atomicAdd(&c[1], stamped);
        if (lost) atomicAdd(&c[2], lost);
    }
}

// qsand_tile sets tc[] to the tile coordinates of tile t. The dimension D
// is a template parameter so that the coordinate arrays live in registers
// (the kernels dispatch on P->dim once).
// Tile ids and per-axis tile counts fit 32 bits (the lists hold int32),
// so the division is a 32-bit one.
template <int D>
__device__ __forceinline__ void qsand_tile(const qsand* P, int64_t t, int64_t* tc) {
    uint32_t u = (uint32_t)t;
#pragma unroll
    for (int a = D - 1; a >= 0; a--) {
        const uint32_t nt = (uint32_t)P->ntile[a];
        const uint32_t q = u / nt;
        tc[a] = u - q * nt;
        u = q;
    }
}

// qsand_site returns the index of site j (0..1023) of the tile at tc and
// its coordinates in c[]; -1 when it lies past the lattice's upper edges.
template <int D>
__device__ __forceinline__ int64_t qsand_site(const qsand* P, const int64_t* tc, int j, int64_t* c) {
    int64_t n = 0;
#pragma unroll
    for (int a = D - 1; a >= 0; a--) {
        const int b = (int)P->tbits[a];
        c[a] = (tc[a] << b) + (j & ((1 << b) - 1));
        j >>= b;
        if (c[a] >= P->shape[a]) return -1;
        n += c[a] * P->stride[a];
    }
    return n;
}

__device__ __forceinline__ const int32_t* qsand_cur(const qsand* P, const unsigned long long* counts, const int32_t* la,
                                                    const int32_t* lb) {
    return (counts[5] & 1) ? lb : la;
}

// qsand_list appends tile u to the next list, whose length is *len,
// unless it is already there.
__device__ __forceinline__ void qsand_list(int32_t* mark, int32_t round1, int32_t* nxt, unsigned long long* len, int64_t u) {
    if (atomicExch(&mark[u], round1) != round1) nxt[atomicAdd(len, 1ull)] = (int32_t)u;
}

// qsand_face returns tile t (i = 0) or its face neighbour i = 1..2D (axis
// (i - 1) / 2, the lower one for odd i), t's tile coordinates tc; -1 past
// the lattice's edges. Tile ids: the last axis fastest.
template <int D>
__device__ __forceinline__ int64_t qsand_face(const qsand* P, int64_t t, const int64_t* tc, int i) {
    if (i == 0) return t;
    const int a = (i - 1) >> 1;
    const bool lower = i & 1;
    int64_t u = -1, stride = 1;
#pragma unroll
    for (int b = D - 1; b >= 0; b--) {  // static indices: tc stays in registers
        if (b == a) u = lower ? (tc[b] > 0 ? t - stride : -1) : (tc[b] < P->ntile[b] - 1 ? t + stride : -1);
        stride *= P->ntile[b];
    }
    return u;
}

// qsand_list_tile lists tile t (tile coordinates tc) and its face
// neighbours in the next list, one of them a thread: threads 0..2D, whose
// atomics go out together instead of 2D + 1 round trips after another.
// Every thread of the block calls it.
template <int D>
__device__ __forceinline__ void qsand_list_tile(const qsand* P, int32_t* mark, int32_t round1, int32_t* nxt,
                                                unsigned long long* len, int64_t t, const int64_t* tc) {
    for (int i = threadIdx.x; i <= 2 * D; i += blockDim.x) {
        const int64_t u = qsand_face<D>(P, t, tc, i);
        if (u >= 0) qsand_list(mark, round1, nxt, len, u);
    }
}

template <int D>
__device__ __forceinline__ void qsand_flags(const uint8_t* h, uint8_t* flag, int64_t* activity, int32_t* stamp,
                                            const qsand* P, unsigned long long* counts, int32_t* mark, int32_t* la,
                                            int32_t* lb, unsigned long long* sm) {
    const int32_t* cur = qsand_cur(P, counts, la, lb);
    int32_t* nxt = (counts[5] & 1) ? la : lb;
    const int32_t round1 = (int32_t)(counts[5] + 1);
    const int64_t len = (int64_t)counts[3];
    unsigned long long top = 0, stamped = 0, lost = 0;
    for (int64_t e = blockIdx.x; e < len; e += gridDim.x) {
        const int64_t t = cur[e];
        int64_t tc[3];
        qsand_tile<D>(P, t, tc);
        unsigned long long tileTop = 0;
        for (int j = threadIdx.x; j < QSAND_TILE; j += blockDim.x) {
            int64_t c[3];
            const int64_t n = qsand_site<D>(P, tc, j, c);
            if (n < 0) continue;
            const bool top = h[n] >= P->z;
            flag[n] = top;  // also clears round r - 1's flags
            if (!top) continue;
            activity[n] += 1;
            tileTop++;
            if (stamp[n] != (int32_t)P->avalanche) {
                stamp[n] = (int32_t)P->avalanche;
                stamped++;
            }
#pragma unroll
            for (int a = 0; a < D; a++) lost += (c[a] == 0) + (c[a] == P->shape[a] - 1);
        }
        top += tileTop;
        // list the tile and its face neighbours for the next round
        if (__syncthreads_or(tileTop != 0)) qsand_list_tile<D>(P, mark, round1, nxt, &counts[4], t, tc);
    }
    qsand_add(sm, counts, top, stamped, lost);
}

extern "C" __global__ void sandpile_flags(const uint8_t* h, uint8_t* flag, int64_t* activity, int32_t* stamp, const qsand* P,
                                          unsigned long long* counts, int32_t* mark, int32_t* la, int32_t* lb) {
    QUENCH_SHARED(unsigned long long, sm, [256]);
    if (counts[13]) return;
    switch (P->dim) {
    case 1: qsand_flags<1>(h, flag, activity, stamp, P, counts, mark, la, lb, sm); break;
    case 2: qsand_flags<2>(h, flag, activity, stamp, P, counts, mark, la, lb, sm); break;
    default: qsand_flags<3>(h, flag, activity, stamp, P, counts, mark, la, lb, sm); break;
    }
}

// qsand_close ends a round (one thread, after every block of the round's
// apply): no topplings end the avalanche; otherwise the round joins the
// totals and the next list becomes the current one.
__device__ __forceinline__ void qsand_close(unsigned long long* counts) {
    if (counts[0] == 0) {
        counts[13] = 1;
        return;
    }
    counts[9] += counts[0];
    counts[10] += counts[1];
    counts[11] += counts[2];
    counts[12] += 1;
    counts[0] = counts[1] = counts[2] = 0;
    counts[3] = counts[4];
    counts[4] = 0;
    counts[5] += 1;
}

// qsand_apply: the sites of the next list's tiles, for dimension D
template <int D>
__device__ __forceinline__ void qsand_apply(uint8_t* h, const uint8_t* flag, const qsand* P, const unsigned long long* counts,
                                            const int32_t* la, const int32_t* lb) {
    const int32_t* nxt = (counts[5] & 1) ? la : lb;
    const int64_t len = (int64_t)counts[4];
    for (int64_t e = blockIdx.x; e < len; e += gridDim.x) {
        int64_t tc[3];
        qsand_tile<D>(P, nxt[e], tc);
        for (int j = threadIdx.x; j < QSAND_TILE; j += blockDim.x) {
            int64_t c[3];
            const int64_t n = qsand_site<D>(P, tc, j, c);
            if (n < 0) continue;
            int v = h[n];
            if (flag[n]) v -= (int)P->z;
#pragma unroll
            for (int a = D - 1; a >= 0; a--) {
                if (c[a] > 0) v += flag[n - P->stride[a]];
                if (c[a] < P->shape[a] - 1) v += flag[n + P->stride[a]];
            }
            h[n] = (uint8_t)v;
        }
    }
}

extern "C" __global__ void sandpile_apply(uint8_t* h, const uint8_t* flag, const qsand* P, unsigned long long* counts,
                                          const int32_t* la, const int32_t* lb) {
    QUENCH_SHARED(int, last, );
    if (counts[13]) return;  // every block agrees: only the last block of a round changes it
    switch (P->dim) {
    case 1: qsand_apply<1>(h, flag, P, counts, la, lb); break;
    case 2: qsand_apply<2>(h, flag, P, counts, la, lb); break;
    default: qsand_apply<3>(h, flag, P, counts, la, lb); break;
    }
    // the last block to get here closes the round: every other block has
    // read counts[4] and counts[5] by then
    __syncthreads();
    if (threadIdx.x == 0) {
        __threadfence();
        last = atomicAdd(&counts[14], 1ull) == gridDim.x - 1;
    }
    __syncthreads();
    if (last && threadIdx.x == 0) {
        __threadfence();
        // atomic: the other blocks' atomicAdds to it are ordered before
        // this block's fence, not before a plain store
        atomicExch(&counts[14], 0ull);
        qsand_close(counts);
    }
}

// sandpile_grain adds one grain at site and makes its tile the current
// list (the only tile that can hold an unstable site).
extern "C" __global__ void sandpile_grain(uint8_t* h, int64_t site, const unsigned long long* counts, int32_t* la, int32_t* lb,
                                          int64_t tile) {
    if (blockIdx.x != 0 || threadIdx.x != 0) return;
    h[site] += 1;
    ((counts[5] & 1) ? lb : la)[0] = (int32_t)tile;
}

// ---- one launch an avalanche: sandpile_relax ----
//
// sandpile_relax runs an avalanche's rounds in one cooperative launch
// (every block resident at once), its blocks meeting at a grid barrier
// once a round. Each pass p over the tiles of list N_p does what a round's
// two kernels above do, fused: for the sites of N_p's tiles it applies
// round p's topplings (h += in-lattice neighbours' flags, minus z if the
// site toppled; the grain, in the avalanche's first pass) and flags round
// p + 1's at once (h >= z). The flags are double-buffered by the pass's
// parity, read from one buffer and written to the other, so one barrier a
// pass suffices. N_{p+1} holds every tile with a toppling in round p + 1
// and its face neighbours (their heights change in the next pass), and
// every tile that had one in round p (topped[t] == p): the next pass
// rewrites its flags in the buffer round p + 2 will read, so no stale flag
// outlives its round. An avalanche ends after the pass whose next list is
// empty: then neither buffer holds a flag. Rounds with topplings are the
// passes p0 .. last - 1, so the duration is last - p0.
//
// rc (kernels.RelaxCounts): [0] the next pass (the host's for a new
// avalanche; written back at the end), [1] done, [2..4] the lists'
// lengths, N_p's at 2 + p % 3 (three slots: block 0 clears the one two
// passes ahead while the others fill the next), [5] 1 + the last pass
// with a toppling (0: none yet), [6] size, [7] area, [8] lost grains of
// the avalanche so far, [9] the grid barrier's counter (qgrid_sync).
//
// Data one block wrote and another reads in the same launch (heights,
// flags, activity, stamps, lists, counts) are loaded with __ldcg, from L2,
// never from an SM's L1 copy.

// qclock_ns is the GPU's global nanosecond timer (the emulator's own is
// the host's steady clock).
#ifndef QUENCH_EMU
__device__ __forceinline__ unsigned long long qclock_ns() {
    unsigned long long t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    return t;
}
#endif

// QSAND_BARRIER_NS bounds a block's wait at sandpile_relax's grid barrier:
// a pass takes microseconds, so a block still waiting after 30 s waits for
// one that will never come (a broken kernel), and traps: the host's sync
// fails with an error instead of hanging for good.
#define QSAND_BARRIER_NS 30000000000ull

// qpoll is a load of *p that is never cached in L1 nor hoisted out of a
// loop (a volatile load: relaxed, at system scope); the emulator's is a
// relaxed atomic load.
#ifndef QUENCH_EMU
__device__ __forceinline__ unsigned long long qpoll(const unsigned long long* p) {
    return *(const volatile unsigned long long*)p;
}
#endif

// qgrid_sync is a barrier of the whole grid, whose blocks must all be
// resident (a cooperative launch), on one counter *bar that starts at 0
// or 2^63: a block arrives with one atomic add, block 0 adding
// 2^63 - (gridDim.x - 1) and every other block 1, so the counter's top bit
// flips with the last arrival and at no other (the adds of one barrier
// total exactly 2^63, and fewer than all of them carry no bit into bit
// 63). Every block then polls the counter with plain loads until it sees
// the bit flipped against the value its own add returned, for at most
// limit_ns before it traps. A block that has left may add for the next
// barrier before a slow one has looked: the bit stays flipped until that
// slow block, too, arrives there. One atomic a block, none to reset.
__device__ __forceinline__ void qgrid_sync(unsigned long long* bar, unsigned long long limit_ns) {
    __syncthreads();
    if (threadIdx.x == 0) {
        const unsigned long long add = blockIdx.x == 0 ? (1ull << 63) - (gridDim.x - 1) : 1ull;
        __threadfence();  // the block's writes before its arrival
        const unsigned long long old = atomicAdd(bar, add);
        if (((old + add) ^ old) >> 63 == 0) {  // not the last to arrive
            const unsigned long long t0 = qclock_ns();
            while (((qpoll(bar) ^ old) >> 63) == 0) {
                __nanosleep(32);
                if (qclock_ns() - t0 > limit_ns) __trap();
            }
        }
        __threadfence();  // the other blocks' writes before what follows
    }
    __syncthreads();
}

// qsand_pass runs the passes of one launch for dimension D.
template <int D>
__device__ __forceinline__ void qsand_pass(uint8_t* h, uint8_t* flags, int64_t* activity, int32_t* stamp, const qsand* P,
                                           unsigned long long* rc, int32_t* mark, int32_t* la, int32_t* lb, int64_t grain,
                                           int64_t grainTile, int64_t maxPasses, unsigned long long* sm) {
    int64_t n = 1, tiles = 1;
#pragma unroll
    for (int a = 0; a < D; a++) {
        n *= P->shape[a];
        tiles *= P->ntile[a];
    }
    int32_t* topped = mark + tiles;
    const int z = (int)P->z;
    const int32_t av = (int32_t)P->avalanche;
    unsigned long long p = rc[0];  // the host's, or block 0's at the end of the last launch
    unsigned long long top = 0, stamped = 0, lost = 0;
    bool done = false;
    for (int64_t k = 0; k < maxPasses && !done; k++, p++) {
        const uint8_t* fr = flags + (p & 1) * n;  // round p's topplings
        uint8_t* fw = flags + ((p + 1) & 1) * n;  // round p + 1's
        const int32_t* cur = (p & 1) ? lb : la;
        int32_t* nxt = (p & 1) ? la : lb;
        unsigned long long* nlen = &rc[2 + (p + 1) % 3];
        const bool first = k == 0 && grain >= 0;
        const int64_t len = first ? 1 : (int64_t)__ldcg(&rc[2 + p % 3]);
        if (blockIdx.x == 0 && threadIdx.x == 0) rc[2 + (p + 2) % 3] = 0;  // N_{p-1}'s: nobody reads it now
        const int32_t p1 = (int32_t)(p + 1);
        bool any = false;
        for (int64_t e = blockIdx.x; e < len; e += gridDim.x) {
            const int64_t t = first ? grainTile : (int64_t)__ldcg(&cur[e]);
            int64_t tc[3];
            qsand_tile<D>(P, t, tc);
            int tileTop = 0;
            for (int j = threadIdx.x; j < QSAND_TILE; j += blockDim.x) {
                int64_t c[3];
                const int64_t x = qsand_site<D>(P, tc, j, c);
                if (x < 0) continue;
                int v = __ldcg(&h[x]);
                if (__ldcg(&fr[x])) v -= z;
#pragma unroll
                for (int a = D - 1; a >= 0; a--) {
                    if (c[a] > 0) v += __ldcg(&fr[x - P->stride[a]]);
                    if (c[a] < P->shape[a] - 1) v += __ldcg(&fr[x + P->stride[a]]);
                }
                if (first && x == grain) v += 1;
                h[x] = (uint8_t)v;
                const bool tp = v >= z;
                fw[x] = tp;
                if (!tp) continue;
                long long* ax = (long long*)&activity[x];
                *ax = __ldcg(ax) + 1;
                tileTop = 1;
                top++;
                if (__ldcg(&stamp[x]) != av) {
                    stamp[x] = av;
                    stamped++;
                }
#pragma unroll
                for (int a = 0; a < D; a++) lost += (c[a] == 0) + (c[a] == P->shape[a] - 1);
            }
            if (__syncthreads_or(tileTop)) {
                any = true;
                if (threadIdx.x == 0) topped[t] = p1;
                qsand_list_tile<D>(P, mark, p1, nxt, nlen, t, tc);
            } else if (threadIdx.x == 0 && __ldcg(&topped[t]) == (int32_t)p) {
                qsand_list(mark, p1, nxt, nlen, t);  // to clear round p's flags
            }
        }
        if (any && threadIdx.x == 0) atomicMax(&rc[5], p + 1);
        qgrid_sync(&rc[9], QSAND_BARRIER_NS);
        done = __ldcg(nlen) == 0;
    }
    qsand_add(sm, &rc[6], top, stamped, lost);  // the launch's totals
    // every block read rc[0] before the first barrier
    if (blockIdx.x == 0 && threadIdx.x == 0) {
        rc[0] = p;
        rc[1] = done;
    }
}

// sandpile_relax: the passes of one avalanche (grain: its site, and
// grainTile its tile, in the launch that starts it; -1 in a launch that
// goes on with it), at most maxPasses of them. Blocks of up to 1024
// threads, a power of two; every block resident (cuLaunchCooperativeKernel).
// flags: two buffers of a byte a site; mark: the tiles' marks, then their
// topped passes (int32 each).
extern "C" __global__ void __launch_bounds__(1024) sandpile_relax(uint8_t* h, uint8_t* flags, int64_t* activity, int32_t* stamp,
                                                                  const qsand* P, unsigned long long* rc, int32_t* mark,
                                                                  int32_t* la, int32_t* lb, int64_t grain, int64_t grainTile,
                                                                  int64_t maxPasses) {
    QUENCH_SHARED(unsigned long long, sm, [1024]);
    switch (P->dim) {
    case 1: qsand_pass<1>(h, flags, activity, stamp, P, rc, mark, la, lb, grain, grainTile, maxPasses, sm); break;
    case 2: qsand_pass<2>(h, flags, activity, stamp, P, rc, mark, la, lb, grain, grainTile, maxPasses, sm); break;
    default: qsand_pass<3>(h, flags, activity, stamp, P, rc, mark, la, lb, grain, grainTile, maxPasses, sm); break;
    }
}

// height_counts (quench.Reducer.HeightCounts): out[v] += the sites of h
// in the box (quench.BoxGeom: nbox sites, extents e1, e2 along the last
// two of three padded axes, strides s0, s1, the first site at origin)
// holding v for v < 7, out[7] += those holding 7 or more. Blocks of 256
// threads (sc). Each thread counts a grid-stride share of the box's sites
// in registers; the block adds its threads' counts in shared memory and
// one thread per block adds them to out: integer sums, the same in any
// order.
extern "C" __global__ void height_counts(const uint8_t* __restrict__ h, int64_t nbox, int64_t e1, int64_t e2,
                                         int64_t s0, int64_t s1, int64_t origin, unsigned long long* out) {
    QUENCH_SHARED(unsigned long long, sc, [8][256]);
    unsigned long long c[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    const int64_t stride = (int64_t)gridDim.x * blockDim.x;
    for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < nbox; t += stride) {
        const int64_t r = t / e2, x2 = t - r * e2, x0 = r / e1, x1 = r - x0 * e1;
        const unsigned x = h[origin + x0 * s0 + x1 * s1 + x2], v = x < 7 ? x : 7;
#pragma unroll
        for (int k = 0; k < 8; k++) c[k] += v == (unsigned)k;
    }
#pragma unroll
    for (int k = 0; k < 8; k++) sc[k][threadIdx.x] = c[k];
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w >>= 1) {
        if ((int)threadIdx.x < w) {
#pragma unroll
            for (int k = 0; k < 8; k++) sc[k][threadIdx.x] += sc[k][threadIdx.x + w];
        }
        __syncthreads();
    }
    if (threadIdx.x < 8 && sc[threadIdx.x][0] != 0) atomicAdd(&out[threadIdx.x], sc[threadIdx.x][0]);
}
