// vecload.cuh: an element's value in float64 and 16-byte loads of V
// elements at once, for the kernels in which a thread walks a block of its
// own (field_sums, phase_partials): its loads are then 16 KiB from its warp
// neighbours' and each is a cache line of its own, and 16 bytes a load
// instead of 4 (or 8) cuts the requests a warp makes per element by V.
#pragma once
#include <stdint.h>
#include <string.h>

// an element's value: floats exactly, fixed-point masses times 2^-32
__device__ __forceinline__ double qfs_val(float v) { return (double)v; }
__device__ __forceinline__ double qfs_val(double v) { return v; }
__device__ __forceinline__ double qfs_val(int64_t v) { return __dmul_rn(__ll2double_rn(v), 0x1p-32); }

// qfs_vec<T>::load converts V elements from 16 bytes at p (aligned to 16)
template <typename T, typename W>
struct qfs_vec_of {
    static constexpr int V = sizeof(W) / sizeof(T);
    static __device__ __forceinline__ void load(const T* p, double* o) {
        const W a = __ldg(reinterpret_cast<const W*>(p));
        T e[V];
        memcpy(e, &a, sizeof a);
#pragma unroll
        for (int m = 0; m < V; m++) o[m] = qfs_val(e[m]);
    }
};
template <typename T>
struct qfs_vec;
template <>
struct qfs_vec<float> : qfs_vec_of<float, float4> {};
template <>
struct qfs_vec<double> : qfs_vec_of<double, double2> {};
template <>
struct qfs_vec<int64_t> : qfs_vec_of<int64_t, longlong2> {};
