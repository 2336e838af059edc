// layernorm.cu: row-wise LayerNorm of x[rows, dim], optionally followed by
// GELU (the adaptor heads' LN + GELU):
//   y = (x - mean) / sqrt(var + eps) * gamma[dim] + beta[dim]  [then GELU]
// x and y are float32, float16 or bfloat16, independently; statistics are
// float32.  Reference: radio_cpu_layernorm (+ radio_cpu_gelu).  One warp per
// row, four rows per block.
#include "radio-cuda-device.cuh"

#define LN_ROWS_PER_BLOCK 4

template <typename Tin, typename Tout>
static __global__ void
layernorm_kernel (Tout *y, const Tin *x, size_t rows, int dim,
    const float *gamma, const float *beta, float eps, int gelu)
{
  size_t row = (size_t) blockIdx.x * LN_ROWS_PER_BLOCK + threadIdx.x / 32;
  float mean, rstd;

  if (row >= rows)
    return;
  warp_row_stats (x + row * dim, dim, eps, &mean, &rstd);
  warp_row_normalize (y + row * dim, x + row * dim, dim, mean, rstd, gamma,
      beta, gelu);
}

extern "C" cudaError_t
radio_cuda_layernorm (void *y, RadioCudaDType y_dtype, const void *x,
    RadioCudaDType x_dtype, size_t rows, size_t dim, const float *gamma,
    const float *beta, float eps, int gelu, cudaStream_t stream)
{
  size_t blocks = (rows + LN_ROWS_PER_BLOCK - 1) / LN_ROWS_PER_BLOCK;

  if (rows == 0 || dim == 0)
    return cudaSuccess;
  if (blocks > 0x7fffffffu || dim > 0x7fffffffu)
    return cudaErrorInvalidValue;
  RADIO_CUDA_DISPATCH (x_dtype, Tin,
      RADIO_CUDA_DISPATCH (y_dtype, Tout,
          layernorm_kernel<Tin, Tout><<<(unsigned) blocks,
              32 * LN_ROWS_PER_BLOCK, 0, stream>>> ((Tout *) y,
              (const Tin *) x, rows, (int) dim, gamma, beta, eps, gelu)));
  return cudaGetLastError ();
}
