// radio-cuda-device.cuh: device-side helpers shared by the kernels in
// kernels/cuda: float conversions of the three activation types, warp
// reductions, GELU, grid sizing and the dtype dispatch of the launchers.
// Private to kernels/cuda.
#ifndef RADIO_CUDA_DEVICE_CUH
#define RADIO_CUDA_DEVICE_CUH

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "radio-cuda-kernels.h"

// ---- element conversions: arithmetic is float32, storage any of three ----

static __device__ __forceinline__ float
to_float (float v)
{
  return v;
}

static __device__ __forceinline__ float
to_float (__half v)
{
  return __half2float (v);
}

static __device__ __forceinline__ float
to_float (__nv_bfloat16 v)
{
  return __bfloat162float (v);
}

static __device__ __forceinline__ void
store_float (float *p, float v)
{
  *p = v;
}

static __device__ __forceinline__ void
store_float (__half *p, float v)
{
  *p = __float2half_rn (v);
}

static __device__ __forceinline__ void
store_float (__nv_bfloat16 *p, float v)
{
  *p = __float2bfloat16_rn (v);
}

// ---- reductions over the 32 lanes of a warp ----

static __device__ __forceinline__ float
warp_sum (float v)
{
  for (int o = 16; o > 0; o >>= 1)
    v += __shfl_xor_sync (0xffffffffu, v, o);
  return v;
}

static __device__ __forceinline__ float
warp_max (float v)
{
  for (int o = 16; o > 0; o >>= 1)
    v = fmaxf (v, __shfl_xor_sync (0xffffffffu, v, o));
  return v;
}

// PyTorch's exact GELU, as radio_cpu_gelu computes it.
static __device__ __forceinline__ float
gelu_erf (float v)
{
  return 0.5f * v * (1.0f + erff (v * 0.70710678118654752440f));
}

// ---- LayerNorm of one row by one warp (radio_cpu_layernorm) ----
//
// Two passes, mean first, then the biased variance around it: the one-pass
// E[x^2] - E[x]^2 form cancels badly on residual streams whose mean is
// large next to their spread.  Rows are re-read from memory (L1) rather
// than cached in registers, so any dim works.

template <typename T>
static __device__ __forceinline__ void
warp_row_stats (const T *xr, int dim, float eps, float *mean, float *rstd)
{
  int lane = threadIdx.x % 32;
  float sum = 0.0f, sq = 0.0f, mu;

  for (int i = lane; i < dim; i += 32)
    sum += to_float (xr[i]);
  mu = warp_sum (sum) / (float) dim;
  for (int i = lane; i < dim; i += 32) {
    float d = to_float (xr[i]) - mu;
    sq += d * d;
  }
  *mean = mu;
  *rstd = 1.0f / sqrtf (warp_sum (sq) / (float) dim + eps);
}

// yr = (xr - mean) * rstd * gamma + beta [then GELU]; each lane reads its
// elements before writing them, so yr may be xr.
template <typename Tin, typename Tout>
static __device__ __forceinline__ void
warp_row_normalize (Tout *yr, const Tin *xr, int dim, float mean, float rstd,
    const float *gamma, const float *beta, int gelu)
{
  for (int i = threadIdx.x % 32; i < dim; i += 32) {
    float v = (to_float (xr[i]) - mean) * rstd;
    if (gamma)
      v *= gamma[i];
    if (beta)
      v += beta[i];
    if (gelu)
      v = gelu_erf (v);
    store_float (yr + i, v);
  }
}

// Blocks for a grid-stride loop over n elements: enough to fill any GPU,
// never more than the grid's x limit.
static inline unsigned
grid_for (size_t n, unsigned block)
{
  size_t blocks = (n + block - 1) / block;
  if (blocks > 65535u * 16u)
    blocks = 65535u * 16u;
  return blocks ? (unsigned) blocks : 1u;
}

// Runs `body` with T bound to the element type of `dtype`; an unknown
// dtype makes the enclosing launcher return cudaErrorInvalidValue.
#define RADIO_CUDA_DISPATCH(dtype, T, ...) \
  switch (dtype) { \
    case RADIO_CUDA_F32: { \
      typedef float T; \
      __VA_ARGS__; \
    } break; \
    case RADIO_CUDA_F16: { \
      typedef __half T; \
      __VA_ARGS__; \
    } break; \
    case RADIO_CUDA_BF16: { \
      typedef __nv_bfloat16 T; \
      __VA_ARGS__; \
    } break; \
    default: \
      return cudaErrorInvalidValue; \
  }

#endif // RADIO_CUDA_DEVICE_CUH
