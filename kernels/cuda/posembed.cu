// posembed.cu: position embeddings and the token matrix.
//
//   resize    the stored grid src[R, R, D] (F32 / F16 / BF16) resized
//             bilinearly to m x m and cropped to its top-left h x w cells:
//             dst[h, w, D] float32 (radio_cpu_resize_bilinear; run once per
//             grid size, the result is cached in the workspace)
//   assemble  x[b, t, :] = prefix[t, :] (t < T),
//             x[b, T + p, :] = embedded[b, p, :] + pos[p, :]
//             (the prepend and the residual add of radio-model.c)
//
// The resize does the coordinate arithmetic in float exactly as resize.c
// (which follows PyTorch's CPU interpolate), with the _rn intrinsics so
// nvcc does not fuse anything into FMAs: float32 results match the CPU's.
#include "radio-cuda-device.cuh"

static __device__ __forceinline__ void
axis_source (int d, float scale, int in, int half_pixel, int *i0, int *i1,
    float *lambda)
{
  float s, l;
  int i;

  if (!half_pixel) {
    s = __fmul_rn (scale, (float) d);
  } else {
    s = __fsub_rn (__fmul_rn (scale, __fadd_rn ((float) d, 0.5f)), 0.5f);
    if (s < 0.0f)
      s = 0.0f;
  }
  i = (int) floorf (s);
  if (i > in - 1)
    i = in - 1;
  l = __fsub_rn (s, (float) i);
  *i0 = i;
  *i1 = i + 1 < in ? i + 1 : in - 1;
  *lambda = fminf (fmaxf (l, 0.0f), 1.0f);
}

template <typename T>
static __global__ void
resize_kernel (float *dst, int dst_rows, int dst_cols, const T *src,
    int in_h, int in_w, int channels, int half_pixel, float scale_y,
    float scale_x)
{
  size_t n = (size_t) dst_rows * dst_cols * channels;

  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x) {
    int c = (int) (i % channels);
    size_t cell = i / channels;
    int ox = (int) (cell % dst_cols), oy = (int) (cell / dst_cols);
    int y0, y1, x0, x1;
    float ly, lx, wy0, wx0, a, b, cc, d;

    axis_source (oy, scale_y, in_h, half_pixel, &y0, &y1, &ly);
    axis_source (ox, scale_x, in_w, half_pixel, &x0, &x1, &lx);
    wy0 = __fsub_rn (1.0f, ly);
    wx0 = __fsub_rn (1.0f, lx);
    a = to_float (src[((size_t) y0 * in_w + x0) * channels + c]);
    b = to_float (src[((size_t) y0 * in_w + x1) * channels + c]);
    cc = to_float (src[((size_t) y1 * in_w + x0) * channels + c]);
    d = to_float (src[((size_t) y1 * in_w + x1) * channels + c]);
    dst[i] = __fadd_rn (
        __fmul_rn (wy0, __fadd_rn (__fmul_rn (wx0, a), __fmul_rn (lx, b))),
        __fmul_rn (ly, __fadd_rn (__fmul_rn (wx0, cc), __fmul_rn (lx, d))));
  }
}

// As resize.c's axis_scale (host float arithmetic, same rounding).
static float
axis_scale (size_t in, size_t out, RadioResizeMode mode)
{
  if (mode == RADIO_RESIZE_ALIGN_CORNERS)
    return out > 1 ? (float) (in - 1) / (float) (out - 1) : 0.0f;
  return (float) in / (float) out;
}

extern "C" cudaError_t
radio_cuda_resize_bilinear (float *dst, size_t dst_rows, size_t dst_cols,
    size_t out_h, size_t out_w, const void *src, RadioCudaDType src_dtype,
    size_t in_h, size_t in_w, size_t channels, RadioResizeMode mode,
    cudaStream_t stream)
{
  size_t n = dst_rows * dst_cols * channels;
  const unsigned block = 256;

  if (n == 0 || in_h == 0 || in_w == 0 || out_h == 0 || out_w == 0)
    return cudaSuccess;
  if (dst_rows > out_h || dst_cols > out_w || in_h > 1u << 24
      || in_w > 1u << 24 || out_h > 1u << 24 || out_w > 1u << 24
      || channels > 1u << 24)
    return cudaErrorInvalidValue;
  RADIO_CUDA_DISPATCH (src_dtype, T,
      resize_kernel<T><<<grid_for (n, block), block, 0, stream>>> (dst,
          (int) dst_rows, (int) dst_cols, (const T *) src, (int) in_h,
          (int) in_w, (int) channels, mode == RADIO_RESIZE_HALF_PIXEL,
          axis_scale (in_h, out_h, mode), axis_scale (in_w, out_w, mode)));
  return cudaGetLastError ();
}

template <typename T>
static __global__ void
assemble_kernel (float *x, const T *embedded, const float *pos,
    const float *prefix, unsigned batch, size_t n_prefix, size_t n_patches,
    size_t dim)
{
  size_t per_image = (n_prefix + n_patches) * dim;
  size_t n = per_image * batch;

  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x) {
    size_t b = i / per_image, r = i % per_image;
    size_t t = r / dim, c = r % dim;

    if (t < n_prefix) {
      x[i] = prefix[r];
    } else {
      size_t p = t - n_prefix;
      x[i] = __fadd_rn (to_float (embedded[(b * n_patches + p) * dim + c]),
          pos[p * dim + c]);
    }
  }
}

extern "C" cudaError_t
radio_cuda_assemble_tokens (float *x, const void *embedded,
    RadioCudaDType dtype, const float *pos, const float *prefix,
    unsigned batch, size_t n_prefix, size_t n_patches, size_t dim,
    cudaStream_t stream)
{
  size_t n = (n_prefix + n_patches) * dim * batch;
  const unsigned block = 256;

  if (n == 0)
    return cudaSuccess;
  RADIO_CUDA_DISPATCH (dtype, T,
      assemble_kernel<T><<<grid_for (n, block), block, 0, stream>>> (x,
          (const T *) embedded, pos, prefix, batch, n_prefix, n_patches,
          dim));
  return cudaGetLastError ();
}
