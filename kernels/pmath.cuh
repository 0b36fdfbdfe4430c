// pmath.cuh: the portable transcendental functions of internal/pmath, in the
// same order of operations, with the _rn intrinsics so that nothing is fused
// or reassociated. Constants are the Go float64 values printed to 17 digits
// (kernels/pmath_test.go checks that they parse to the same bits).
#pragma once
#include <stdint.h>

#define QUENCH_LN2HI 0.69314718036912382
#define QUENCH_LN2LO 1.9082149292705877e-10
#define QUENCH_SQRT2 1.4142135623730951
#define QUENCH_PI_4 0.78539816339744828

// coefficient tables, highest degree first (pmath.go: logC, sinC, cosC)
#define QUENCH_LOGC {0.043478260869565216, 0.047619047619047616, 0.052631578947368418, 0.058823529411764705, \
                     0.066666666666666666, 0.076923076923076927, 0.090909090909090912, 0.1111111111111111,    \
                     0.14285714285714285, 0.20000000000000001, 0.33333333333333331, 1.0}
#define QUENCH_SINC {2.8114572543455206e-15, -7.6471637318198164e-13, 1.6059043836821613e-10, \
                     -2.505210838544172e-08, 2.7557319223985893e-06, -0.00019841269841269841, \
                     0.0083333333333333332, -0.16666666666666666, 1.0}
#define QUENCH_COSC {-1.5619206968586225e-16, 4.7794773323873853e-14, -1.1470745597729725e-11, \
                     2.08767569878681e-09, -2.7557319223985888e-07, 2.4801587301587302e-05,    \
                     -0.0013888888888888889, 0.041666666666666664, -0.5, 1.0}

// Natural log of a positive finite normal x (pmath.Log).
__device__ __forceinline__ double quench_log(double x) {
    const double c[12] = QUENCH_LOGC;
    const uint64_t b = (uint64_t)__double_as_longlong(x);
    int64_t e = (int64_t)((b >> 52) & 0x7FF) - 1023;
    double m = __longlong_as_double((long long)((b & ~(0x7FFull << 52)) | (1023ull << 52)));
    if (m > QUENCH_SQRT2) {
        m = __dmul_rn(m, 0.5);
        e++;
    }
    const double s = __ddiv_rn(__dsub_rn(m, 1.0), __dadd_rn(m, 1.0));
    const double z = __dmul_rn(s, s);
    double p = c[0];
#pragma unroll
    for (int i = 1; i < 12; i++) p = __dadd_rn(__dmul_rn(p, z), c[i]);
    const double logm = __dmul_rn(__dmul_rn(2.0, s), p);
    const double fe = (double)e;
    return __dadd_rn(__dmul_rn(fe, QUENCH_LN2HI), __dadd_rn(__dmul_rn(fe, QUENCH_LN2LO), logm));
}

// sin and cos of x in [0, pi/4] (pmath.sincos).
__device__ __forceinline__ void quench_sincos_oct(double x, double* sn, double* cs) {
    const double sc[9] = QUENCH_SINC;
    const double cc[10] = QUENCH_COSC;
    const double z = __dmul_rn(x, x);
    double sp = sc[0];
#pragma unroll
    for (int i = 1; i < 9; i++) sp = __dadd_rn(__dmul_rn(sp, z), sc[i]);
    *sn = __dmul_rn(x, sp);
    double cp = cc[0];
#pragma unroll
    for (int i = 1; i < 10; i++) cp = __dadd_rn(__dmul_rn(cp, z), cc[i]);
    *cs = cp;
}

// quench_octant maps sin and cos of the angle inside octant oct (mirrored in
// odd octants) to sin and cos of the full angle (pmath.octant): s and c
// swap in octants 1, 2, 5, 6; sin is negative in 4..7, cos in 2..5. Written
// with selects, not a switch: a switch on a per-lane octant compiles to a
// branch tree that a warp walks in full.
template <typename T>
__device__ __forceinline__ void quench_octant(int oct, T s, T c, T* sn, T* cs) {
    const bool swap = ((oct + 1) & 2) != 0;
    const T a = swap ? c : s, b = swap ? s : c;
    *sn = (oct & 4) ? -a : a;
    *cs = ((oct + 2) & 4) ? -b : b;
}

// sin(2 pi u), cos(2 pi u) for u in [0, 1) (pmath.SinCos2Pi).
__device__ __forceinline__ void quench_sincos2pi(double u, double* sn, double* cs) {
    const double t = __dmul_rn(u, 8.0);
    const int oct = (int)t;
    double f = __dsub_rn(t, (double)oct);
    if (oct & 1) f = __dsub_rn(1.0, f);
    double s, c;
    quench_sincos_oct(__dmul_rn(f, QUENCH_PI_4), &s, &c);
    quench_octant(oct, s, c, sn, cs);
}

// Two standard normals from four Philox words (pmath.Gaussians).
__device__ __forceinline__ void quench_gaussians(uint4 w, double* g0, double* g1) {
    const double u1 = __dsub_rn(1.0, __dmul_rn((double)((((uint64_t)w.y << 32) | w.x) >> 11), 0x1p-53));
    const double u2 = __dmul_rn((double)((((uint64_t)w.w << 32) | w.z) >> 11), 0x1p-53);
    const double r = __dsqrt_rn(__dmul_rn(-2.0, quench_log(u1)));
    double s, c;
    quench_sincos2pi(u2, &s, &c);
    *g0 = __dmul_rn(r, c);
    *g1 = __dmul_rn(r, s);
}

// ---- float32 (internal/pmath/pmath32.go): four normals per Philox call,
// table-driven log and sincos (the tables, pmath_tables.cuh, are written
// by internal/pmath/gen32.go with the bits of pmath's tables32.go).
#include "pmath_tables.cuh"

#define QUENCH_LN2HI32 0.693145752f
#define QUENCH_LN2LO32 1.42860677e-06f
#define QUENCH_THIRD32 0.333333343f
#define QUENCH_SIXTH32 0.166666672f
#define QUENCH_C24TH32 0.0416666679f
#define QUENCH_2PI2432 3.74507039e-07f

// where a kernel reads the float32 tables from: global memory
// (quench_tab32_global) or a block's shared copy (qtabs_shared in
// langevin.cu)
struct qtab32 {
    const float* log;
    const float* sc;
};
__device__ __forceinline__ qtab32 quench_tab32_global() {
    qtab32 t;
    t.log = quench_tabs32;
    t.sc = quench_tabs32 + QUENCH_SCTAB32_AT;
    return t;
}

// entry i of a table of 4- and 2-float entries, in one vector load
__device__ __forceinline__ void quench_tab4(const float* t, uint32_t i, float v[4]) {
#ifdef QUENCH_EMU
    emu_aligned(t + 4 * i, 16);
#endif
    const float4 e = reinterpret_cast<const float4*>(t)[i];
    v[0] = e.x;
    v[1] = e.y;
    v[2] = e.z;
    v[3] = e.w;
}
__device__ __forceinline__ void quench_tab4_store(float* t, uint32_t i, const float v[4]) {
#ifdef QUENCH_EMU
    emu_aligned(t + 4 * i, 16);
#endif
    reinterpret_cast<float4*>(t)[i] = make_float4(v[0], v[1], v[2], v[3]);
}
__device__ __forceinline__ void quench_tab2(const float* t, uint32_t i, float v[2]) {
#ifdef QUENCH_EMU
    emu_aligned(t + 2 * i, 8);
#endif
    const float2 e = reinterpret_cast<const float2*>(t)[i];
    v[0] = e.x;
    v[1] = e.y;
}

// pmath.Log32: x = 2^e m, entry {C, 1/C, log C} of m's top 7 bits (e + 1
// from entry 53 on), r = (m - C)/C, log1p r to r^4.
__device__ __forceinline__ float quench_log32(float x, const float* lt) {
    const uint32_t b = __float_as_uint(x);
    const int32_t e = (int32_t)((b + 0x4B0000u) >> 23) - 127;
    float t[4];
    quench_tab4(lt, (b >> 16) & 0x7Fu, t);
    const float m = __uint_as_float((b & 0x7FFFFFu) | 0x3F800000u);
    const float r = __fmul_rn(__fsub_rn(m, t[0]), t[1]);
    const float z = __fmul_rn(r, r);
    float q = __fadd_rn(__fmul_rn(r, -0.25f), QUENCH_THIRD32);
    q = __fsub_rn(__fmul_rn(q, r), 0.5f);
    const float p = __fadd_rn(__fmul_rn(z, q), r);
    const float lm = __fadd_rn(t[2], p);
    const float fe = (float)e;
    return __fadd_rn(__fmul_rn(fe, QUENCH_LN2HI32), __fadd_rn(__fmul_rn(fe, QUENCH_LN2LO32), lm));
}

// pmath.SinCos2Pi24: sin and cos of 2 pi a/2^24 (a < 2^24) from the arc
// centre of a's top 8 bits and a remainder angle d, |d| <= pi/256.
__device__ __forceinline__ void quench_sincos2pi24(uint32_t a, const float* st, float* sn, float* cs) {
    float t[2];
    quench_tab2(st, (a >> 16) & 0xFFu, t);
    const float d = __fmul_rn(__fsub_rn(__uint2float_rn(a & 0xFFFFu), 32768.0f), QUENCH_2PI2432);
    const float z = __fmul_rn(d, d);
    const float sd = __fsub_rn(d, __fmul_rn(__fmul_rn(d, z), QUENCH_SIXTH32));
    const float ec = __fmul_rn(z, __fsub_rn(0.5f, __fmul_rn(z, QUENCH_C24TH32)));
    *sn = __fadd_rn(t[0], __fsub_rn(__fmul_rn(t[1], sd), __fmul_rn(t[0], ec)));
    *cs = __fsub_rn(t[1], __fadd_rn(__fmul_rn(t[0], sd), __fmul_rn(t[1], ec)));
}

// quench_sqrt32 is __fsqrt_rn(x), the correctly rounded square root, for x
// = +-0 and 2^-100 <= x < 2^128, without the branch __fsqrt_rn takes to
// its out-of-range path. For 2^-101 <= x < 2^128 the compiler's sqrt.rn.f32
// computes r = rsqrt(x) (MUFU.RSQ), s = x*r, h = r/2 and s + (x - s*s)*h
// with two fused multiply-adds (the same SASS for sm_80 to sm_90); this is
// that path, with x raised to 2^-100 for the reciprocal root only, so that
// +-0 give s = +-0 and the result +-0. The Box-Muller radius takes it: its
// argument -2 log u is -0 (u = 1) or between 2^-23 and 46. The GPU test
// TestSqrt32 compares it with __fsqrt_rn for every float32 it covers.
__device__ __forceinline__ float quench_sqrt32(float x) {
#ifdef QUENCH_EMU
    return __fsqrt_rn(x);
#else
    float m, r, s, h, e;
    asm("max.f32 %0, %1, 0f0D800000;" : "=f"(m) : "f"(x));
    asm("rsqrt.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(m));
    asm("mul.ftz.f32 %0, %1, %2;" : "=f"(s) : "f"(x), "f"(r));
    asm("mul.ftz.f32 %0, %1, 0f3F000000;" : "=f"(h) : "f"(r));
    asm("fma.rn.f32 %0, %1, %2, %3;" : "=f"(e) : "f"(-s), "f"(s), "f"(x));
    asm("fma.rn.f32 %0, %1, %2, %3;" : "=f"(r) : "f"(e), "f"(h), "f"(s));
    return r;
#endif
}

// one Box-Muller pair of pmath.Gaussians32: two normals from two words.
__device__ __forceinline__ void quench_boxmuller32(uint32_t w0, uint32_t w1, const qtab32& tb, float* g0, float* g1) {
    const float u1 = __fmul_rn(__fadd_rn(__uint2float_rn(w0), 0.5f), 0x1p-32f);
    const float r = quench_sqrt32(__fmul_rn(-2.0f, quench_log32(u1, tb.log)));
    float s, c;
    quench_sincos2pi24(w1 >> 8, tb.sc, &s, &c);
    *g0 = __fmul_rn(r, c);
    *g1 = __fmul_rn(r, s);
}

// pmath.Gaussians32: four normals from four Philox words.
__device__ __forceinline__ void quench_gaussians32(uint4 w, float g[4], const qtab32& tb) {
    quench_boxmuller32(w.x, w.y, tb, &g[0], &g[1]);
    quench_boxmuller32(w.z, w.w, tb, &g[2], &g[3]);
}
