// residual.cu: the residual update of the transformer blocks, fused with
// the LayerNorm that follows it:
//   x[rows, dim] += scale[dim] * delta[rows, dim]      (scale NULL: 1)
//   y = LN(x) * gamma + beta                           (when y is given)
// x is the float32 residual stream, delta the output of proj or fc2 in the
// run's precision, y the next block's LN1 (or this block's LN2) input, or
// x itself for the final norm.  References: radio_cpu_residual_add, then
// radio_cpu_layernorm.  One warp per row: it writes its row of x, then
// reads it back (its own writes) for the statistics.
#include "radio-cuda-device.cuh"

#define RESIDUAL_ROWS_PER_BLOCK 4

template <typename Td, typename Ty>
static __global__ void
residual_layernorm_kernel (float *x, const Td *delta, const float *scale,
    size_t rows, int dim, Ty *y, const float *gamma, const float *beta,
    float eps)
{
  size_t row = (size_t) blockIdx.x * RESIDUAL_ROWS_PER_BLOCK
      + threadIdx.x / 32;
  float *xr, mean, rstd;
  const Td *dr;

  if (row >= rows)
    return;
  xr = x + row * dim;
  dr = delta + row * dim;
  for (int i = threadIdx.x % 32; i < dim; i += 32) {
    float d = to_float (dr[i]);
    xr[i] = __fadd_rn (xr[i], scale ? __fmul_rn (scale[i], d) : d);
  }
  if (!y)
    return;
  warp_row_stats (xr, dim, eps, &mean, &rstd);
  warp_row_normalize (y + row * dim, xr, dim, mean, rstd, gamma, beta, 0);
}

extern "C" cudaError_t
radio_cuda_residual_layernorm (float *x, const void *delta,
    RadioCudaDType delta_dtype, const float *scale, size_t rows, size_t dim,
    void *y, RadioCudaDType y_dtype, const float *gamma, const float *beta,
    float eps, cudaStream_t stream)
{
  size_t blocks = (rows + RESIDUAL_ROWS_PER_BLOCK - 1)
      / RESIDUAL_ROWS_PER_BLOCK;

  if (rows == 0 || dim == 0)
    return cudaSuccess;
  if (blocks > 0x7fffffffu || dim > 0x7fffffffu)
    return cudaErrorInvalidValue;
  RADIO_CUDA_DISPATCH (delta_dtype, Td,
      RADIO_CUDA_DISPATCH (y_dtype, Ty,
          residual_layernorm_kernel<Td, Ty><<<(unsigned) blocks,
              32 * RESIDUAL_ROWS_PER_BLOCK, 0, stream>>> (x,
              (const Td *) delta, scale, rows, (int) dim, (Ty *) y, gamma,
              beta, eps)));
  return cudaGetLastError ();
}
