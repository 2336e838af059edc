/* radio-cuda-kernels.h: launchers of the CUDA kernels of the RADIO forward
 * pass (the .cu files of kernels/cuda), callable from C.
 *
 * Each launcher enqueues its kernel(s) on `stream` and returns the launch
 * status (cudaSuccess, or the error of the launch itself; faults inside the
 * kernel show up later, at the next synchronisation).  Nothing here
 * allocates, synchronises or copies between host and device, so every
 * launcher can be recorded in a CUDA graph.
 *
 * Layouts follow the CPU reference kernels (kernels/cpu/radio-cpu.h), each
 * of which is the numerical contract of its CUDA counterpart: row-major
 * "tokens x channels" matrices, several images of a batch one after the
 * other.  Activations are stored in the run's precision (RadioCudaDType):
 * float32, float16 or bfloat16, with float32 arithmetic inside every
 * kernel; the residual stream, position embeddings, norm weights and
 * outputs are always float32.
 */
#ifndef RADIO_CUDA_KERNELS_H
#define RADIO_CUDA_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime_api.h>

#include "radio-cpu.h"
#include "radio-frame.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Element type of activations (and of converted weights). */
typedef enum {
  RADIO_CUDA_F32 = 0,
  RADIO_CUDA_F16,
  RADIO_CUDA_BF16,
} RadioCudaDType;

static inline size_t
radio_cuda_dtype_size (RadioCudaDType dtype)
{
  return dtype == RADIO_CUDA_F32 ? 4 : 2;
}

/* ---- preprocess.cu ---------------------------------------------------- */

/* One frame (its planes already in device memory) and where it lands in
 * the model input; see radio-frame.h for the contract. */
typedef struct {
  int format;                /* RadioPixelFormat */
  int width, height;         /* frame (luma) size */
  const uint8_t *planes[3];  /* device pointers, unused ones NULL */
  int strides[3];            /* bytes per row of each plane */
  int rgb_offsets[3];        /* packed formats: byte of R, G, B in a pixel */
  int pixel_bytes;           /* packed formats: 3 or 4; 0 for NV12 / I420 */
  float yuv_offset[3];       /* NV12 / I420: rgb = M (yuv - offset) */
  float yuv_matrix[9];       /* row-major M */
  int x, y, place_width, place_height; /* placement in the canvas */
  float pad[3];              /* RGB of canvas pixels outside it */
  int canvas_width, canvas_height;     /* model input, multiples of patch */
  int patch;                 /* P */
  float mean[3], std[3];     /* input conditioner */
} RadioCudaPreprocess;

/* patches[(H/P) * (W/P), patch_ld] of one image: canvas pixel -> RGB in
 * [0, 1] (radio_cpu_frame_to_image) -> (v - mean) / std -> patch vector
 * (radio_cpu_image_to_patches), in one pass.  Columns 3*P*P .. patch_ld-1
 * are set to zero.  patch_ld >= 3*P*P. */
cudaError_t radio_cuda_preprocess (void *patches, RadioCudaDType dtype,
    size_t patch_ld, const RadioCudaPreprocess *params, cudaStream_t stream);

/* ---- posembed.cu ------------------------------------------------------ */

/* radio_cpu_resize_bilinear on the device: dst[dst_rows, dst_cols,
 * channels] float32 is the top-left corner of the bilinear resize of
 * src[in_h, in_w, channels] (stored as src_dtype) to out_h x out_w. */
cudaError_t radio_cuda_resize_bilinear (float *dst, size_t dst_rows,
    size_t dst_cols, size_t out_h, size_t out_w, const void *src,
    RadioCudaDType src_dtype, size_t in_h, size_t in_w, size_t channels,
    RadioResizeMode mode, cudaStream_t stream);

/* The token matrix of a batch: x[b, t, :] = prefix[t, :] for t < n_prefix,
 * x[b, n_prefix + p, :] = embedded[b * n_patches + p, :] + pos[p, :].
 *   x [batch, n_prefix + n_patches, dim], embedded [batch * n_patches, dim]
 *   (dtype), pos [n_patches, dim], prefix [n_prefix, dim]. */
cudaError_t radio_cuda_assemble_tokens (float *x, const void *embedded,
    RadioCudaDType dtype, const float *pos, const float *prefix,
    unsigned batch, size_t n_prefix, size_t n_patches, size_t dim,
    cudaStream_t stream);

/* ---- layernorm.cu ----------------------------------------------------- */

/* y[rows, dim] = LN(x[rows, dim]) * gamma + beta, then GELU when `gelu`
 * (radio_cpu_layernorm, radio_cpu_gelu).  gamma / beta may be NULL.  y may
 * be x when the two dtypes agree. */
cudaError_t radio_cuda_layernorm (void *y, RadioCudaDType y_dtype,
    const void *x, RadioCudaDType x_dtype, size_t rows, size_t dim,
    const float *gamma, const float *beta, float eps, int gelu,
    cudaStream_t stream);

/* ---- residual.cu ------------------------------------------------------ */

/* x[rows, dim] += scale[dim] * delta[rows, dim] (radio_cpu_residual_add;
 * scale NULL means 1), then, when y is not NULL, y = LN(x) * gamma + beta
 * as radio_cuda_layernorm.  y may be x (y_dtype F32): a final norm. */
cudaError_t radio_cuda_residual_layernorm (float *x, const void *delta,
    RadioCudaDType delta_dtype, const float *scale, size_t rows, size_t dim,
    void *y, RadioCudaDType y_dtype, const float *gamma, const float *beta,
    float eps, cudaStream_t stream);

/* ---- activation.cu ---------------------------------------------------- */

/* x[n] = GELU(x) with erf (radio_cpu_gelu), in place. */
cudaError_t radio_cuda_gelu (void *x, RadioCudaDType dtype, size_t n,
    cudaStream_t stream);

/* cudaSuccess when this build has code for the current device (SASS for
 * its architecture or PTX it can compile), else the error saying why. */
cudaError_t radio_cuda_kernels_check (void);

/* ---- attention.cu ----------------------------------------------------- */

/* Largest head dimension radio_cuda_attention accepts. */
#define RADIO_CUDA_ATTENTION_MAX_HEAD_DIM 128

/* radio_cpu_attention for each image of a batch, flash-attention style:
 *   qkv [batch, tokens, 3, heads, head_dim], out [batch, tokens,
 *   heads * head_dim], out[n, h*hd + d] = sum_m softmax_m(q_n . k_m /
 *   sqrt(hd)) v_m[d].
 * tensor_cores: the device is sm_80 or newer, so fp16 / bf16 runs on the
 * mma.sync kernel (head_dim a multiple of 8, and this build has sm_80+ code
 * for the device); everything else runs on the float32 CUDA-core kernel.  head_dim <= RADIO_CUDA_ATTENTION_MAX_HEAD_DIM. */
cudaError_t radio_cuda_attention (void *out, const void *qkv,
    RadioCudaDType dtype, unsigned batch, size_t tokens, size_t heads,
    size_t head_dim, int tensor_cores, cudaStream_t stream);

/* ---- extract.cu ------------------------------------------------------- */

/* dst[b, i, :] = x[b, rows[i], :] for i < n_rows (the summary tokens):
 *   x [batch, n_tokens, dim] float32, rows [n_rows] (device), dst [batch,
 *   n_rows, dim] float32. */
cudaError_t radio_cuda_gather_rows (float *dst, const float *x,
    unsigned batch, size_t n_tokens, const int *rows, size_t n_rows,
    size_t dim, cudaStream_t stream);

/* dst[b * n_rows + i, :] = x[b, first_row + i, :] - mean (mean may be
 * NULL), converted to dtype: the patch tokens before the feature
 * normalizer, or an adaptor's input token. */
cudaError_t radio_cuda_rows_to_dtype (void *dst, RadioCudaDType dtype,
    const float *x, unsigned batch, size_t n_tokens, size_t first_row,
    size_t n_rows, size_t dim, const float *mean, cudaStream_t stream);

/* Float32 outputs with the pixel shuffle of upsampling heads:
 *   src [batch, grid_h * grid_w, factor * factor * channels] (dtype)
 *   -> dst [batch, grid_h * factor, grid_w * factor, channels],
 * dst[b, i*u + u1, j*u + u2, c] = src[b, i*grid_w + j, (u1*u + u2)*c_n + c].
 * factor 1 is a plain conversion. */
cudaError_t radio_cuda_to_f32_unshuffle (float *dst, const void *src,
    RadioCudaDType dtype, unsigned batch, size_t grid_h, size_t grid_w,
    size_t factor, size_t channels, cudaStream_t stream);

#ifdef __cplusplus
}
#endif
#endif /* RADIO_CUDA_KERNELS_H */
