// quench.cu: the one translation unit `make kernels` compiles into
// quench.fatbin (and kernels/emu compiles for the CPU).

// QUENCH_SHARED(T, name, dims) declares the block's shared array `name` of
// T with dims ([64], [8][256], or nothing for one T). On the GPU it is
// __shared__, whose memory a block finds holding whatever was there;
// kernels/emu/runtime.h fills it with garbage at each block's start, so a
// kernel that reads shared memory its block did not write fails in
// emulation. Kernels declare shared memory only with it (the emulator
// refuses a bare __shared__).
#ifndef QUENCH_SHARED
#define QUENCH_SHARED(T, name, dims) __shared__ T name dims
#endif
#include "ising.cu"
#include "langevin.cu"
#include "particles.cu"
#include "sandpile.cu"
#include "transfer.cu"
#include "fast.cu"
#include "fieldsums.cu"
