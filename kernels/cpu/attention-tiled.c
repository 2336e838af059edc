/* attention-tiled.c: blocked ("flash") multi-head self attention, float32.
 *
 *   qkv[tokens, 3, heads, head_dim]   output of the fused qkv Linear
 *   out[tokens, heads * head_dim]     heads concatenated
 *   out[n, h*hd + d] = sum_m softmax_m (q_n . k_m / sqrt (hd)) v_m[d]
 *
 * The work is split into tasks of one head x one tile of queries.  A task
 * walks the keys one tile at a time:
 *   S = Q K_tile^T / sqrt (hd)           (gemm, [qt, kt] scratch)
 *   per query row: new max m' = max (m, max S), P = exp (S - m'),
 *   l = l exp (m - m') + sum P, and the partial output is rescaled by
 *   exp (m - m') when the max moved
 *   O += P V_tile                        (gemm, accumulated in out itself)
 * and finally divides each output row by l.  Q, K and V are read in place
 * from qkv with a row stride of 3 * heads * hd (the products take leading
 * dimensions), so nothing is gathered and the scratch is qt x kt floats
 * however many tokens there are: no tokens x tokens matrix exists.
 *
 * The order of operations differs from attention.c (sums over key tiles,
 * float32 normaliser), so results agree to float32 rounding, not bits.
 */
#include "radio-cpu.h"
#include "cpu-dispatch.h"
#include "vecmath.h"

#include <math.h>
#include <string.h>

#define MAX_KEY_TILE 512
#define MAX_QUERY_TILE 128
#define MIN_QUERY_TILE 32

size_t
radio_cpu_attention_tiled_n_tasks (size_t tokens, size_t heads,
    size_t query_tile)
{
  if (query_tile == 0)
    return 0;
  return heads * ((tokens + query_tile - 1) / query_tile);
}

size_t
radio_cpu_attention_tiled_scratch_floats (size_t query_tile, size_t key_tile)
{
  /* scores, running max and sum, one padded row for the vector tail, and
   * the plain gemm's packing buffer */
  return query_tile * key_tile + 2 * query_tile + RADIO_VEC
      + radio_cpu_gemm_scratch_floats ();
}

void
radio_cpu_attention_pick_tiles (size_t tokens, size_t heads,
    size_t n_threads, size_t *query_tile, size_t *key_tile)
{
  size_t n_key_tiles, n_query_tiles, kt;

  if (tokens == 0) {
    *query_tile = *key_tile = 1;
    return;
  }
  n_key_tiles = (tokens + MAX_KEY_TILE - 1) / MAX_KEY_TILE;
  kt = (tokens + n_key_tiles - 1) / n_key_tiles;
  /* A multiple of 16 keeps score rows aligned to cache lines. */
  kt = (kt + 15) / 16 * 16;
  *key_tile = kt;

  n_query_tiles = (tokens + MAX_QUERY_TILE - 1) / MAX_QUERY_TILE;
  /* At least two tasks per thread, while tiles stay big enough for the
   * products to be efficient. */
  while (heads * n_query_tiles < 2 * n_threads
      && tokens / (n_query_tiles + 1) >= MIN_QUERY_TILE)
    n_query_tiles++;
  *query_tile = (tokens + n_query_tiles - 1) / n_query_tiles;
}

/* Softmax update of one score row s[0 .. n): exponentiates in place against
 * the new running max and returns the row's sum.  *row_max is the max so
 * far (-inf before the first tile); *correction receives exp (old - new). */
RADIO_ALWAYS_INLINE float
softmax_row_body (float *s, size_t n, float *row_max, float *correction)
{
  radio_v16f vmax, sum = { 0 };
  float tail[RADIO_VEC];
  float m = -INFINITY, old = *row_max, sum_total;
  size_t i = 0;
  int lane;

  radio_vec_splat (&vmax, -INFINITY);
  for (; i + RADIO_VEC <= n; i += RADIO_VEC) {
    radio_v16f v;

    radio_vec_load (&v, s + i);
    vmax = RADIO_VEC_SELECT (v > vmax, v, vmax);
  }
  for (lane = 0; lane < RADIO_VEC; lane++)
    m = vmax[lane] > m ? vmax[lane] : m;
  for (; i < n; i++)
    m = s[i] > m ? s[i] : m;
  if (old > m)
    m = old;

  if (old == -INFINITY) {
    *correction = 0.0f;
  } else {
    radio_v16f c;

    radio_vec_splat (&c, old - m);
    radio_vec_exp (&c);
    *correction = c[0];
  }
  *row_max = m;

  for (i = 0; i + RADIO_VEC <= n; i += RADIO_VEC) {
    radio_v16f v;

    radio_vec_load (&v, s + i);
    v -= m;
    radio_vec_exp (&v);
    sum += v;
    radio_vec_store (s + i, &v);
  }
  sum_total = (float) radio_vec_sum_d (&sum);
  if (i < n) {
    radio_v16f v;

    for (lane = 0; lane < RADIO_VEC; lane++)
      tail[lane] = -INFINITY;
    memcpy (tail, s + i, (n - i) * sizeof (float));
    radio_vec_load (&v, tail);
    v -= m;
    radio_vec_exp (&v);
    radio_vec_store (tail, &v);
    memcpy (s + i, tail, (n - i) * sizeof (float));
    for (; i < n; i++)
      sum_total += tail[i % RADIO_VEC];
  }
  return sum_total;
}

static float
softmax_row_generic (float *s, size_t n, float *row_max, float *correction)
{
  return softmax_row_body (s, n, row_max, correction);
}

#if RADIO_X86_DISPATCH
RADIO_TARGET_AVX2 static float
softmax_row_avx2 (float *s, size_t n, float *row_max, float *correction)
{
  return softmax_row_body (s, n, row_max, correction);
}
#endif
#if RADIO_X86_AVX512
RADIO_TARGET_AVX512 static float
softmax_row_avx512 (float *s, size_t n, float *row_max, float *correction)
{
  return softmax_row_body (s, n, row_max, correction);
}
#endif

typedef float (*SoftmaxRowFunc) (float *, size_t, float *, float *);

static SoftmaxRowFunc
pick_softmax_row (void)
{
  switch (radio_cpu_isa ()) {
#if RADIO_X86_AVX512
    case RADIO_CPU_ISA_AVX512:
      return softmax_row_avx512;
#endif
#if RADIO_X86_DISPATCH
    case RADIO_CPU_ISA_AVX2:
      return softmax_row_avx2;
#endif
    default:
      return softmax_row_generic;
  }
}

void
radio_cpu_attention_tiled_task (RadioCpuGemmImpl impl, float *out,
    const float *qkv, size_t tokens, size_t heads, size_t head_dim,
    size_t query_tile, size_t key_tile, size_t task, float *scratch)
{
  SoftmaxRowFunc softmax_row = pick_softmax_row ();
  size_t n_query_tiles, h, q0, rows, k0, i, d;
  size_t dim = heads * head_dim, stride = 3 * dim;
  const float *q;
  float *o, *scores, *row_max, *row_sum, *gemm_scratch;
  float scale;

  if (tokens == 0 || head_dim == 0 || query_tile == 0 || key_tile == 0)
    return;
  n_query_tiles = (tokens + query_tile - 1) / query_tile;
  h = task / n_query_tiles;
  q0 = task % n_query_tiles * query_tile;
  if (h >= heads)
    return;
  rows = tokens - q0 < query_tile ? tokens - q0 : query_tile;

  q = qkv + q0 * stride + h * head_dim;
  o = out + q0 * dim + h * head_dim;
  scores = scratch;
  row_max = scores + query_tile * key_tile;
  row_sum = row_max + query_tile;
  gemm_scratch = row_sum + query_tile + RADIO_VEC;
  scale = 1.0f / sqrtf ((float) head_dim);
  for (i = 0; i < rows; i++) {
    row_max[i] = -INFINITY;
    row_sum[i] = 0.0f;
  }

  for (k0 = 0; k0 < tokens; k0 += key_tile) {
    size_t keys = tokens - k0 < key_tile ? tokens - k0 : key_tile;
    RadioTensorView k_view, v_view;

    k_view = radio_tensor_view_f32 (qkv + k0 * stride + dim + h * head_dim);
    v_view = radio_tensor_view_f32 (qkv + k0 * stride + 2 * dim
        + h * head_dim);
    radio_cpu_gemm (impl, RADIO_CPU_GEMM_B_NK, rows, keys, head_dim, scale,
        q, stride, k_view, stride, 0.0f, scores, key_tile, gemm_scratch);
    for (i = 0; i < rows; i++) {
      float correction;
      float sum = softmax_row (scores + i * key_tile, keys, &row_max[i],
          &correction);

      if (k0 > 0) {
        row_sum[i] = row_sum[i] * correction + sum;
        if (correction != 1.0f) {
          float *oi = o + i * dim;

          for (d = 0; d < head_dim; d++)
            oi[d] *= correction;
        }
      } else {
        row_sum[i] = sum;
      }
    }
    radio_cpu_gemm (impl, RADIO_CPU_GEMM_B_KN, rows, head_dim, keys, 1.0f,
        scores, key_tile, v_view, stride, k0 > 0 ? 1.0f : 0.0f, o, dim,
        gemm_scratch);
  }

  for (i = 0; i < rows; i++) {
    float inv = 1.0f / row_sum[i];
    float *oi = o + i * dim;

    for (d = 0; d < head_dim; d++)
      oi[d] *= inv;
  }
}
