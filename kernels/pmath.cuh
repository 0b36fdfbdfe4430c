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

// sin(2 pi u), cos(2 pi u) for u in [0, 1) (pmath.SinCos2Pi).
__device__ __forceinline__ void quench_sincos2pi(double u, double* sn, double* cs) {
    const double t = __dmul_rn(u, 8.0);
    const int oct = (int)t;
    double f = __dsub_rn(t, (double)oct);
    if (oct & 1) f = __dsub_rn(1.0, f);
    double s, c;
    quench_sincos_oct(__dmul_rn(f, QUENCH_PI_4), &s, &c);
    switch (oct & 7) {
    case 0: *sn = s; *cs = c; break;
    case 1: *sn = c; *cs = s; break;
    case 2: *sn = c; *cs = -s; break;
    case 3: *sn = s; *cs = -c; break;
    case 4: *sn = -s; *cs = -c; break;
    case 5: *sn = -c; *cs = -s; break;
    case 6: *sn = -c; *cs = s; break;
    default: *sn = -s; *cs = c; break;
    }
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
