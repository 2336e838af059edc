// preprocess.cu: raw 8-bit video frames to the patch vectors of the model,
// in one pass over the model input:
//
//   frame (packed RGB family, NV12 or I420; planes in device memory)
//     -> canvas pixel (x, y) of the model input [H, W]: the placement's pad
//        colour outside the placement, else the half-pixel bilinear
//        resample of the frame converted to RGB in [0, 1]
//     -> (v - mean[c]) / std[c]
//     -> patches[(H/P) * (W/P), patch_ld], each vector ordered channel, row
//        in patch, column in patch; columns 3*P*P .. patch_ld-1 are zero.
//
// This is radio_cpu_frame_to_image followed by radio_cpu_image_to_patches,
// with the same float operations in the same order.  The _rn intrinsics
// keep nvcc from contracting them into FMAs, so the float32 result is the
// CPU's bit for bit.  One thread per canvas pixel; each resampled pixel
// converts its four source neighbours (for NV12 / I420 each of those
// upsamples its chroma from four samples), which costs more arithmetic than
// a separate conversion pass but reads the frame once and needs no
// intermediate image.
#include "radio-cuda-device.cuh"

// Chroma sample i sits at the centre of luma 2i, 2i+1: the neighbours and
// weight of luma column (or row) x, as the CPU's chroma_source.
static __device__ __forceinline__ void
chroma_source (int x, int n_chroma, int *x0, int *x1, float *l)
{
  float s = __fsub_rn (__fmul_rn (__fadd_rn ((float) x, 0.5f), 0.5f), 0.5f);
  int i;

  if (s < 0.0f)
    s = 0.0f;
  i = (int) s;
  if (i > n_chroma - 1)
    i = n_chroma - 1;
  *x0 = i;
  *x1 = i + 1 < n_chroma ? i + 1 : n_chroma - 1;
  *l = __fsub_rn (s, (float) i);
}

static __device__ __forceinline__ float
chroma_at (const RadioCudaPreprocess &p, int v_plane, int cx, int cy)
{
  if (p.format == RADIO_PIXEL_NV12)
    return (float) p.planes[1][(size_t) cy * p.strides[1] + 2 * cx + v_plane];
  return (float) p.planes[1 + v_plane][(size_t) cy * p.strides[1 + v_plane]
      + cx];
}

static __device__ __forceinline__ float
clamp_unit (float v)
{
  return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

// Source pixel (x, y) as float RGB in [0, 1].
static __device__ void
source_rgb (const RadioCudaPreprocess &p, int x, int y, float rgb[3])
{
  if (p.pixel_bytes > 0) {
    const uint8_t *px = p.planes[0] + (size_t) y * p.strides[0]
        + (size_t) x * p.pixel_bytes;
    for (int c = 0; c < 3; c++)
      rgb[c] = __fdiv_rn ((float) px[p.rgb_offsets[c]], 255.0f);
    return;
  }

  {
    int cw = (p.width + 1) / 2, ch = (p.height + 1) / 2;
    int cx0, cx1, cy0, cy1;
    float lx, ly, yuv[3];
    const float *m = p.yuv_matrix;

    chroma_source (y, ch, &cy0, &cy1, &ly);
    chroma_source (x, cw, &cx0, &cx1, &lx);
    yuv[0] = __fsub_rn ((float) p.planes[0][(size_t) y * p.strides[0] + x],
        p.yuv_offset[0]);
    for (int k = 0; k < 2; k++) {
      float top = __fadd_rn (
          __fmul_rn (__fsub_rn (1.0f, lx), chroma_at (p, k, cx0, cy0)),
          __fmul_rn (lx, chroma_at (p, k, cx1, cy0)));
      float bottom = __fadd_rn (
          __fmul_rn (__fsub_rn (1.0f, lx), chroma_at (p, k, cx0, cy1)),
          __fmul_rn (lx, chroma_at (p, k, cx1, cy1)));
      yuv[1 + k] = __fsub_rn (__fadd_rn (__fmul_rn (__fsub_rn (1.0f, ly),
                  top), __fmul_rn (ly, bottom)), p.yuv_offset[1 + k]);
    }
    for (int k = 0; k < 3; k++)
      rgb[k] = clamp_unit (__fadd_rn (__fadd_rn (__fmul_rn (m[3 * k],
                      yuv[0]), __fmul_rn (m[3 * k + 1], yuv[1])),
              __fmul_rn (m[3 * k + 2], yuv[2])));
  }
}

// Half-pixel source coordinate of output index d, as resize.c's
// axis_source: neighbours i0, i1 and the weight of i1.
static __device__ __forceinline__ void
half_pixel_source (int d, float scale, int in, int *i0, int *i1, float *l)
{
  float s = __fsub_rn (__fmul_rn (scale, __fadd_rn ((float) d, 0.5f)), 0.5f);
  float w;
  int i;

  if (s < 0.0f)
    s = 0.0f;
  i = (int) floorf (s);
  if (i > in - 1)
    i = in - 1;
  w = __fsub_rn (s, (float) i);
  *i0 = i;
  *i1 = i + 1 < in ? i + 1 : in - 1;
  *l = fminf (fmaxf (w, 0.0f), 1.0f);
}

template <typename T>
static __global__ void
preprocess_kernel (T *patches, size_t patch_ld, RadioCudaPreprocess p,
    float scale_y, float scale_x)
{
  int x = blockIdx.x * blockDim.x + threadIdx.x;
  int y = blockIdx.y * blockDim.y + threadIdx.y;
  int P = p.patch, grid_w = p.canvas_width / P;
  float rgb[3];
  T *out;

  if (x >= p.canvas_width || y >= p.canvas_height)
    return;

  if (x < p.x || x >= p.x + p.place_width || y < p.y
      || y >= p.y + p.place_height) {
    for (int c = 0; c < 3; c++)
      rgb[c] = p.pad[c];
  } else if (p.place_width == p.width && p.place_height == p.height) {
    source_rgb (p, x - p.x, y - p.y, rgb);
  } else {
    int x0, x1, y0, y1;
    float lx, ly, a[3], b[3], c[3], d[3];

    half_pixel_source (y - p.y, scale_y, p.height, &y0, &y1, &ly);
    half_pixel_source (x - p.x, scale_x, p.width, &x0, &x1, &lx);
    source_rgb (p, x0, y0, a);
    source_rgb (p, x1, y0, b);
    source_rgb (p, x0, y1, c);
    source_rgb (p, x1, y1, d);
    for (int k = 0; k < 3; k++) {
      float wy0 = __fsub_rn (1.0f, ly), wx0 = __fsub_rn (1.0f, lx);
      rgb[k] = __fadd_rn (
          __fmul_rn (wy0, __fadd_rn (__fmul_rn (wx0, a[k]),
                  __fmul_rn (lx, b[k]))),
          __fmul_rn (ly, __fadd_rn (__fmul_rn (wx0, c[k]),
                  __fmul_rn (lx, d[k]))));
    }
  }

  out = patches + ((size_t) (y / P) * grid_w + x / P) * patch_ld;
  for (int c = 0; c < 3; c++)
    store_float (out + (c * P + y % P) * P + x % P,
        __fdiv_rn (__fsub_rn (rgb[c], p.mean[c]), p.std[c]));
  // The patch's top-left thread clears the alignment padding.
  if (x % P == 0 && y % P == 0)
    for (size_t k = (size_t) 3 * P * P; k < patch_ld; k++)
      store_float (out + k, 0.0f);
}

extern "C" cudaError_t
radio_cuda_preprocess (void *patches, RadioCudaDType dtype, size_t patch_ld,
    const RadioCudaPreprocess *params, cudaStream_t stream)
{
  const RadioCudaPreprocess &p = *params;
  dim3 block (32, 8);
  dim3 grid ((p.canvas_width + 31) / 32, (p.canvas_height + 7) / 8);
  // The resize's scale per axis, computed in float on the host exactly as
  // resize.c computes it.
  float scale_y = (float) p.height / (float) (p.place_height > 0
      ? p.place_height : 1);
  float scale_x = (float) p.width / (float) (p.place_width > 0
      ? p.place_width : 1);

  if (p.patch <= 0 || p.canvas_width <= 0 || p.canvas_height <= 0
      || p.canvas_width % p.patch || p.canvas_height % p.patch
      || patch_ld < (size_t) 3 * p.patch * p.patch || grid.y > 65535)
    return cudaErrorInvalidValue;
  RADIO_CUDA_DISPATCH (dtype, T,
      preprocess_kernel<T><<<grid, block, 0, stream>>> ((T *) patches,
          patch_ld, p, scale_y, scale_x));
  return cudaGetLastError ();
}
