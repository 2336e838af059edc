// extract.cu: moving rows between the float32 token matrix and the
// outputs / GEMM inputs:
//   gather_rows       summary[b, i, :] = x[b, rows[i], :]   (float32)
//   rows_to_dtype     dst[b, i, :] = x[b, first + i, :] - mean[:], as the
//                     run's precision: the patch tokens entering the feature
//                     normalizer (radio_cpu_subtract_row_vector), or the
//                     token an adaptor's summary head reads
//   to_f32_unshuffle  a head's output [b, h*w, u*u*c] to float32
//                     [b, h*u, w*u, c] (radio-model.c's unshuffle)
// x is [batch, n_tokens, dim] with the prefix tokens first.
#include "radio-cuda-device.cuh"

static __global__ void
gather_rows_kernel (float *dst, const float *x, unsigned batch,
    size_t n_tokens, const int *rows, size_t n_rows, size_t dim)
{
  size_t n = (size_t) batch * n_rows * dim;

  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x) {
    size_t c = i % dim, r = (i / dim) % n_rows, b = i / (dim * n_rows);
    dst[i] = x[(b * n_tokens + rows[r]) * dim + c];
  }
}

extern "C" cudaError_t
radio_cuda_gather_rows (float *dst, const float *x, unsigned batch,
    size_t n_tokens, const int *rows, size_t n_rows, size_t dim,
    cudaStream_t stream)
{
  size_t n = (size_t) batch * n_rows * dim;
  const unsigned block = 256;

  if (n == 0)
    return cudaSuccess;
  gather_rows_kernel<<<grid_for (n, block), block, 0, stream>>> (dst, x,
      batch, n_tokens, rows, n_rows, dim);
  return cudaGetLastError ();
}

template <typename T>
static __global__ void
rows_to_dtype_kernel (T *dst, const float *x, unsigned batch,
    size_t n_tokens, size_t first_row, size_t n_rows, size_t dim,
    const float *mean)
{
  size_t n = (size_t) batch * n_rows * dim;

  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x) {
    size_t c = i % dim, r = (i / dim) % n_rows, b = i / (dim * n_rows);
    float v = x[(b * n_tokens + first_row + r) * dim + c];
    store_float (dst + i, mean ? __fsub_rn (v, mean[c]) : v);
  }
}

extern "C" cudaError_t
radio_cuda_rows_to_dtype (void *dst, RadioCudaDType dtype, const float *x,
    unsigned batch, size_t n_tokens, size_t first_row, size_t n_rows,
    size_t dim, const float *mean, cudaStream_t stream)
{
  size_t n = (size_t) batch * n_rows * dim;
  const unsigned block = 256;

  if (n == 0)
    return cudaSuccess;
  if (first_row + n_rows > n_tokens)
    return cudaErrorInvalidValue;
  RADIO_CUDA_DISPATCH (dtype, T,
      rows_to_dtype_kernel<T><<<grid_for (n, block), block, 0, stream>>> (
          (T *) dst, x, batch, n_tokens, first_row, n_rows, dim, mean));
  return cudaGetLastError ();
}

template <typename T>
static __global__ void
to_f32_unshuffle_kernel (float *dst, const T *src, unsigned batch,
    size_t grid_h, size_t grid_w, size_t u, size_t channels)
{
  size_t out_w = grid_w * u, per_image = grid_h * u * out_w * channels;
  size_t n = per_image * batch;

  // Indexed by destination, so the float32 writes are coalesced.
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x) {
    size_t b = i / per_image, r = i % per_image;
    size_t c = r % channels, pixel = r / channels;
    size_t oy = pixel / out_w, ox = pixel % out_w;
    size_t token = (oy / u) * grid_w + ox / u;
    size_t sub = (oy % u) * u + ox % u;
    dst[i] = to_float (src[(b * grid_h * grid_w + token) * u * u * channels
            + sub * channels + c]);
  }
}

extern "C" cudaError_t
radio_cuda_to_f32_unshuffle (float *dst, const void *src,
    RadioCudaDType dtype, unsigned batch, size_t grid_h, size_t grid_w,
    size_t factor, size_t channels, cudaStream_t stream)
{
  size_t n = (size_t) batch * grid_h * grid_w * factor * factor * channels;
  const unsigned block = 256;

  if (n == 0)
    return cudaSuccess;
  RADIO_CUDA_DISPATCH (dtype, T,
      to_f32_unshuffle_kernel<T><<<grid_for (n, block), block, 0, stream>>> (
          dst, (const T *) src, batch, grid_h, grid_w, factor, channels));
  return cudaGetLastError ();
}
