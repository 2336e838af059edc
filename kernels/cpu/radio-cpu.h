/* radio-cpu.h: float32 CPU kernels of the RADIO forward pass: the
 * reference kernels, and the building blocks of the fast multi-threaded
 * path (end of this file).
 *
 * Plain C99, no GLib: the reference kernels are the numerical ground truth
 * that every other backend is compared against.  All activations are
 * float32, row-major, "tokens x channels" ([rows, dim]) unless a function
 * says otherwise.  Weights may stay in their stored precision (F32, F16 or
 * BF16, any alignment, typically straight out of an mmapped checkpoint) and
 * are widened to float32 while they are packed, so a bf16 checkpoint never
 * needs a full float32 copy in memory (the BLAS products of the fast path
 * are the exception: they take float32 copies, see radio-cpu-weights.h).
 */
#ifndef RADIO_CPU_H
#define RADIO_CPU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types found in safetensors files that RADIO uses. */
typedef enum {
  RADIO_DTYPE_F32 = 0,
  RADIO_DTYPE_F16,
  RADIO_DTYPE_BF16,
  RADIO_DTYPE_F64,
  RADIO_DTYPE_I64,
  RADIO_DTYPE_I32,
  RADIO_DTYPE_I16,
  RADIO_DTYPE_I8,
  RADIO_DTYPE_U8,
  RADIO_DTYPE_BOOL,
  RADIO_DTYPE_COUNT
} RadioDType;

/* Size in bytes of one element, 0 for an out-of-range value. */
size_t radio_dtype_size (RadioDType dtype);
/* Safetensors spelling ("F32", "BF16", ...), NULL for an out-of-range value. */
const char *radio_dtype_name (RadioDType dtype);
/* Parses a safetensors dtype string; returns 0 and sets *out, or -1. */
int radio_dtype_from_name (const char *name, RadioDType *out);

/* A read-only floating-point array in its stored precision.  `data` may be
 * unaligned; elements are little-endian.  dtype is F32, F16 or BF16. */
typedef struct {
  const void *data;
  RadioDType dtype;
} RadioTensorView;

static inline RadioTensorView
radio_tensor_view_f32 (const float *data)
{
  RadioTensorView v = { data, RADIO_DTYPE_F32 };
  return v;
}

float radio_f16_to_f32 (uint16_t h);
float radio_bf16_to_f32 (uint16_t b);
/* Rounds to nearest even, NaN stays NaN. */
uint16_t radio_f32_to_f16 (float f);
uint16_t radio_f32_to_bf16 (float f);

/* dst[i] = (float) src[i] for i < n; src is any floating dtype above. */
void radio_cpu_convert_to_f32 (float *dst, RadioTensorView src, size_t n);
/* dst[i] = src[i] / 255 */
void radio_cpu_u8_to_unit_f32 (float *dst, const uint8_t *src, size_t n);

/* ---- matrix products ------------------------------------------------- */

/* Floats of scratch memory radio_cpu_linear needs (a constant). */
size_t radio_cpu_linear_scratch_floats (void);

/* y[M, N] = x[M, K] . W[N, K]^T + bias[N]
 * W is a PyTorch Linear weight ([out, in], row-major) in its stored dtype;
 * bias may be NULL.  y must not alias x.  scratch holds
 * radio_cpu_linear_scratch_floats() floats. */
void radio_cpu_linear (float *y, const float *x, size_t M, size_t K,
    size_t N, RadioTensorView weight, const float *bias, float *scratch);

/* ---- elementwise and normalisation ----------------------------------- */

/* Per row of x[rows, dim]: y = (x - mean) / sqrt(var + eps) * gamma + beta,
 * biased variance.  y may equal x.  gamma/beta may be NULL (1 and 0). */
void radio_cpu_layernorm (float *y, const float *x, size_t rows, size_t dim,
    const float *gamma, const float *beta, float eps);

/* x = 0.5 x (1 + erf(x / sqrt 2)), in place. */
void radio_cpu_gelu (float *x, size_t n);

/* x[rows, dim] += scale[dim] * delta[rows, dim]; scale NULL means 1. */
void radio_cpu_residual_add (float *x, const float *delta, size_t rows,
    size_t dim, const float *scale);

/* x[rows, dim] -= mean[dim] */
void radio_cpu_subtract_row_vector (float *x, size_t rows, size_t dim,
    const float *mean);

/* ---- attention -------------------------------------------------------- */

size_t radio_cpu_attention_scratch_floats (size_t tokens, size_t head_dim);

/* Multi-head self attention without masking.
 * qkv[tokens, 3, heads, head_dim] (the output of the fused qkv Linear);
 * out[tokens, heads * head_dim] with heads concatenated, i.e.
 * out[n, h*head_dim + d] = sum_m softmax_m(q_n . k_m / sqrt(head_dim)) v_m[d].
 * scratch holds radio_cpu_attention_scratch_floats() floats. */
void radio_cpu_attention (float *out, const float *qkv, size_t tokens,
    size_t heads, size_t head_dim, float *scratch);

/* ---- resampling ------------------------------------------------------- */

typedef enum {
  RADIO_RESIZE_ALIGN_CORNERS = 0, /* s = d (in-1)/(out-1), 0 if out == 1 */
  RADIO_RESIZE_HALF_PIXEL = 1     /* s = (d+0.5) in/out - 0.5, clamped >= 0 */
} RadioResizeMode;

/* Bilinear resize of a channels-last grid src[in_h, in_w, channels] to a
 * virtual out_h x out_w grid, of which only the top-left dst_rows x dst_cols
 * cells are written to dst[dst_rows, dst_cols, channels].  (dst_rows =
 * out_h, dst_cols = out_w is an ordinary resize; the position-embedding
 * crop uses smaller values.)  Neighbours floor(s) and floor(s)+1 are
 * clamped to in-1.  No antialiasing.  src is any floating dtype. */
void radio_cpu_resize_bilinear (float *dst, size_t dst_rows, size_t dst_cols,
    size_t out_h, size_t out_w, RadioTensorView src, size_t in_h,
    size_t in_w, size_t channels, RadioResizeMode mode);

/* Pixel shuffle of an upsampling adaptor head: each of the h x w input
 * cells holds a u x u block of c-channel outputs, ordered (row in block,
 * column in block, channel).
 * src[h, w, u*u*c]  ->  dst[h*u, w*u, c]. */
void radio_cpu_depth_to_space (float *dst, const float *src, size_t h,
    size_t w, size_t u, size_t c);

/* ---- input --------------------------------------------------------------*/

/* image[H, W, 3] float RGB in [0, 1]  ->  patches[(H/P)*(W/P), 3*P*P]
 * after (x - mean[c]) / std[c]; patch rows in raster order, each patch
 * vector ordered channel, then row, then column.  H and W multiples of P. */
void radio_cpu_image_to_patches (float *patches, const float *image,
    size_t height, size_t width, size_t patch, const float mean[3],
    const float std[3]);

/* ---- fast path --------------------------------------------------------
 *
 * Building blocks of the multi-threaded forward (radio-model.c's fast
 * path).  Each call works on a slice its caller chooses (explicit leading
 * dimensions, task indices), so that threads can split the work; none
 * allocates memory.  Matrix products go through a CBLAS when the build has
 * one (meson option `blas`), else through the blocked kernels above.  Row
 * kernels are vectorised; they agree with the reference kernels to a few
 * float32 ulps (tests/test-kernels.c checks both against double).
 */

typedef enum {
  RADIO_CPU_GEMM_PLAIN = 0, /* the blocked C kernels of linear.c */
  RADIO_CPU_GEMM_BLAS,      /* cblas_sgemm when built with a BLAS, else PLAIN */
} RadioCpuGemmImpl;

/* How B is stored for C = A op(B). */
typedef enum {
  RADIO_CPU_GEMM_B_NK = 0,  /* B[N, K]: op(B) = B^T (Linear weights, keys) */
  RADIO_CPU_GEMM_B_KN,      /* B[K, N]: op(B) = B (attention values) */
} RadioCpuGemmLayout;

/* 1 when this build calls a CBLAS for RADIO_CPU_GEMM_BLAS. */
int radio_cpu_have_blas (void);
/* Which BLAS, e.g. "OpenBLAS 0.3.21 (SkylakeX kernels)", or "none". */
const char *radio_cpu_blas_name (void);
/* Threads the BLAS itself may start per call (OpenBLAS only; a no-op
 * elsewhere).  The fast forward sets 1 and splits the work itself, so that
 * its threads and the BLAS's never compete for cores.  Process-wide. */
void radio_cpu_blas_set_threads (int n_threads);
int radio_cpu_blas_get_threads (void);

/* Floats of scratch one radio_cpu_gemm call needs (a constant). */
size_t radio_cpu_gemm_scratch_floats (void);

/* C[M, N] = alpha A[M, K] op(B) + beta C, all row-major with leading
 * dimensions lda, ldb, ldc (in elements).  beta 0 overwrites C (its old
 * contents may be garbage).  B is float32 for the BLAS; any other dtype, an
 * unaligned B or a size beyond the BLAS's int range takes the plain
 * kernels.  C must not overlap A or B. */
void radio_cpu_gemm (RadioCpuGemmImpl impl, RadioCpuGemmLayout layout,
    size_t M, size_t N, size_t K, float alpha, const float *a, size_t lda,
    RadioTensorView b, size_t ldb, float beta, float *c, size_t ldc,
    float *scratch);
/* The plain-kernel implementation of radio_cpu_gemm (linear.c). */
void radio_cpu_gemm_plain (RadioCpuGemmLayout layout, size_t M, size_t N,
    size_t K, float alpha, const float *a, size_t lda, RadioTensorView b,
    size_t ldb, float beta, float *c, size_t ldc, float *scratch);

/* radio_cpu_gelu with a polynomial erfc: |error| <= 1e-6 |gelu (x)| + 1e-9
 * (the relative error grows past 1e-6 only where |gelu (x)| < 1e-4). */
void radio_cpu_gelu_fast (float *x, size_t n);

/* radio_cpu_layernorm, vectorised (sums still in double), optionally
 * followed by radio_cpu_gelu_fast (then_gelu != 0).  y may equal x. */
void radio_cpu_layernorm_fast (float *y, const float *x, size_t rows,
    size_t dim, const float *gamma, const float *beta, float eps,
    int then_gelu);

/* Per row: x += scale[dim] * (delta + bias[dim]); then, if y is not NULL,
 * y = LayerNorm (x) with gamma, beta, eps.  scale, bias, gamma, beta may be
 * NULL (1, 0, 1, 0).  y may equal delta or x. */
void radio_cpu_residual_layernorm (float *x, const float *delta,
    const float *bias, const float *scale, size_t rows, size_t dim,
    float *y, const float *gamma, const float *beta, float eps);

/* Blocked ("flash") attention: the same inputs, output and result as
 * radio_cpu_attention, computed as independent tasks of one head x one
 * tile of query_tile queries.  Each task walks the keys key_tile at a time
 * with an online softmax (running max and sum, rescaling the partial
 * output), scores and weighted sums as matrix products, so its scratch is
 * query_tile x key_tile floats whatever the number of tokens.  Tasks write
 * disjoint parts of out and may run on different threads. */
size_t radio_cpu_attention_tiled_n_tasks (size_t tokens, size_t heads,
    size_t query_tile);
/* Floats of scratch one task needs (per thread). */
size_t radio_cpu_attention_tiled_scratch_floats (size_t query_tile,
    size_t key_tile);
void radio_cpu_attention_tiled_task (RadioCpuGemmImpl impl, float *out,
    const float *qkv, size_t tokens, size_t heads, size_t head_dim,
    size_t query_tile, size_t key_tile, size_t task, float *scratch);
/* Tile sizes for a given problem: key tiles of at most max_key_tile keys,
 * equal sizes so that there is no tiny last tile; enough query tiles for
 * n_threads threads to share the heads evenly. */
void radio_cpu_attention_pick_tiles (size_t tokens, size_t heads,
    size_t n_threads, size_t *query_tile, size_t *key_tile);

#ifdef __cplusplus
}
#endif
#endif /* RADIO_CPU_H */
