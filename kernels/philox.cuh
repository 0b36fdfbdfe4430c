// philox.cuh: Philox4x32-10 and the quench counter layout, mirroring
// internal/philox/philox.go word for word. Change both or neither.
//
// Counter layout (four 32-bit words c0..c3, key k0..k1):
//
//   k0 = uint32(seed)            k1 = uint32(seed >> 32)
//   c0 = uint32(group)           bits  0..31 of the site-group index
//   c1 = uint32(group >> 32)     bits 32..47 of the site-group index (16 bits)
//      | block << 16             draw block, 8 bits (draw / 4)
//      | phase << 24             update phase, 4 bits
//      | purpose << 28           what the numbers are for, 4 bits
//   c2 = uint32(step)            bits  0..31 of the step (sweep) number
//   c3 = uint32(step >> 32)      bits 32..47 of the step (16 bits)
//      | replica << 16           replica index, 16 bits
#pragma once
#include <stdint.h>

#define QUENCH_PHILOX_M0 0xD2511F53u
#define QUENCH_PHILOX_M1 0xCD9E8D57u
#define QUENCH_PHILOX_W0 0x9E3779B9u
#define QUENCH_PHILOX_W1 0xBB67AE85u

#define QUENCH_PURPOSE_INIT 0u
#define QUENCH_PURPOSE_ISING 1u
#define QUENCH_PURPOSE_LANGEVIN 2u
#define QUENCH_PURPOSE_LATTICE 3u
#define QUENCH_PURPOSE_PARTICLE 4u

// One round: (hi0,lo0) = M0*c0, (hi1,lo1) = M1*c2;
// c = {hi1^c1^k0, lo1, hi0^c3^k1, lo0}.
__device__ __forceinline__ uint4 quench_philox_round(uint4 c, uint32_t k0, uint32_t k1) {
    uint32_t hi0 = __umulhi(QUENCH_PHILOX_M0, c.x), lo0 = QUENCH_PHILOX_M0 * c.x;
    uint32_t hi1 = __umulhi(QUENCH_PHILOX_M1, c.z), lo1 = QUENCH_PHILOX_M1 * c.z;
    return make_uint4(hi1 ^ c.y ^ k0, lo1, hi0 ^ c.w ^ k1, lo0);
}

// Ten rounds; the key is bumped before rounds 2..10.
__device__ __forceinline__ uint4 quench_philox4x32_10(uint4 c, uint32_t k0, uint32_t k1) {
#pragma unroll
    for (int r = 0; r < 10; r++) {
        if (r > 0) {
            k0 += QUENCH_PHILOX_W0;
            k1 += QUENCH_PHILOX_W1;
        }
        c = quench_philox_round(c, k0, k1);
    }
    return c;
}

__device__ __forceinline__ uint4 quench_counter(uint32_t purpose, uint32_t replica, uint64_t step,
                                                uint32_t phase, uint64_t group, uint32_t block) {
    return make_uint4((uint32_t)group,
                      ((uint32_t)(group >> 32) & 0xFFFFu) | ((block & 0xFFu) << 16) |
                          ((phase & 0xFu) << 24) | ((purpose & 0xFu) << 28),
                      (uint32_t)step,
                      ((uint32_t)(step >> 32) & 0xFFFFu) | ((replica & 0xFFFFu) << 16));
}
