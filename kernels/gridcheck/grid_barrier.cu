// grid_barrier.cu: the resident sandpile kernel's grid barrier
// (qgrid_sync, kernels/sandpile.cu) alone on a GPU, with the CUDA runtime:
// correctness under load, and what one barrier costs, the figure the
// resident kernel's passes wait on (docs/performance.md reckons 2-4 us a
// round). `make gpu-bundle` builds it into build/gpu/grid-barrier and
// `gpu-check.sh issues` runs it; it takes well under a second.
//
// A cooperative grid (as many blocks as are resident: blocks of 1024, then
// of 256; then one block) passes the barrier R times. Before each barrier
// every thread writes the round into its own slot of that round's half of
// a two-round buffer; after it, every thread reads the slot of the same
// thread in another block (a different block each round), which must hold
// this round, and that thread's slot of the round before, which nobody
// writes again before the next barrier. Any stale read is counted. At the
// end the counter, which gains exactly 2^63 a barrier, must be 2^63 after
// an odd number of barriers and 0 after an even one.
#include <cstdio>
#include <cstdint>
#define QUENCH_SHARED(T, name, dims) __shared__ T name dims
#include "../sandpile.cu"

__global__ void __launch_bounds__(1024) barrier_check(unsigned long long* bar, unsigned* slot, unsigned long long* stale, int rounds) {
    const unsigned long long threads = (unsigned long long)gridDim.x * blockDim.x;
    const unsigned long long me = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x;
    unsigned long long bad = 0;
    for (int r = 1; r <= rounds; r++) {
        slot[(r & 1) * threads + me] = r;
        qgrid_sync(bar, 5000000000ull);  // 5 s, then trap
        const unsigned long long other = (unsigned long long)((blockIdx.x + r) % gridDim.x) * blockDim.x + threadIdx.x;
        bad += __ldcg(&slot[(r & 1) * threads + other]) != (unsigned)r;
        bad += r > 1 && __ldcg(&slot[((r - 1) & 1) * threads + other]) != (unsigned)(r - 1);
    }
    if (bad) atomicAdd(stale, bad);
}

// check runs rounds barriers on a grid of blocks of block threads (at most
// maxGrid blocks) and reports 0 when all went well.
static int check(int block, int rounds, int maxGrid) {
    int sms = 0, per = 0;
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
    cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per, barrier_check, block, 0);
    const int grid = per * sms < maxGrid ? per * sms : maxGrid;
    unsigned long long *bar, *stale;
    unsigned* slot;
    const size_t slots = 2ull * grid * block * sizeof(unsigned);
    if (grid < 1 || cudaMalloc(&bar, 8) || cudaMalloc(&stale, 8) || cudaMalloc(&slot, slots)) {
        printf("block %d: no grid (%d a multiprocessor x %d) or no memory: %s\n", block, per, sms, cudaGetErrorString(cudaGetLastError()));
        return 1;
    }
    cudaMemset(bar, 0, 8);
    cudaMemset(stale, 0, 8);
    cudaMemset(slot, 0, slots);
    void* args[] = {&bar, &slot, &stale, &rounds};
    cudaEvent_t t0, t1;
    cudaEventCreate(&t0);
    cudaEventCreate(&t1);
    cudaEventRecord(t0);
    const cudaError_t launched = cudaLaunchCooperativeKernel((void*)barrier_check, grid, block, args, 0, 0);
    cudaEventRecord(t1);
    const cudaError_t ran = cudaDeviceSynchronize();
    float ms = 0;
    cudaEventElapsedTime(&ms, t0, t1);
    unsigned long long hstale = ~0ull, hbar = 1;
    cudaMemcpy(&hstale, stale, 8, cudaMemcpyDeviceToHost);
    cudaMemcpy(&hbar, bar, 8, cudaMemcpyDeviceToHost);
    const unsigned long long want = (rounds & 1) ? 1ull << 63 : 0;
    printf("blocks of %d, grid %d (%d a multiprocessor x %d), %d barriers: launch %s, run %s, %llu stale reads, counter %#llx (want %#llx), %.3f ms, %.3f us a barrier\n",
           block, grid, per, sms, rounds, cudaGetErrorString(launched), cudaGetErrorString(ran), hstale, hbar, want, ms, 1000.0 * ms / rounds);
    cudaFree(bar);
    cudaFree(stale);
    cudaFree(slot);
    return launched != cudaSuccess || ran != cudaSuccess || hstale != 0 || hbar != want;
}

int main() {
    int fail = 0;
    fail |= check(1024, 100001, 1 << 30);
    fail |= check(256, 100001, 1 << 30);
    fail |= check(1024, 1, 1 << 30);
    fail |= check(1024, 1001, 1);  // one block: always the last to arrive
    printf(fail ? "grid barrier FAILED\n" : "grid barrier OK\n");
    return fail;
}
