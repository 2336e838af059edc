/* attention.c: unmasked multi-head self attention in float32.
 *
 *   qkv[tokens, 3, heads, head_dim]   output of the fused qkv Linear
 *   out[tokens, heads * head_dim]     heads concatenated
 *   out[n, h*hd + d] = sum_m softmax_m (q_n . k_m / sqrt (hd)) v_m[d]
 *
 * Per head, K and V are first gathered into contiguous [tokens][head_dim]
 * scratch arrays (in qkv consecutive tokens of one head are 3*heads*hd
 * floats apart, which would waste most of every cache line), then each
 * query makes one pass over the keys for its scores (a single row of
 * `tokens` floats, never a tokens x tokens matrix), a max-subtracted
 * softmax with the normaliser summed in double, and one pass over V.
 */
#include "radio-cpu.h"
#include "cpu-dispatch.h"

#include <math.h>
#include <string.h>

typedef float v8f __attribute__ ((vector_size (32)));

/* As in linear.c: a baseline and an AVX2+FMA build of the per-head loop,
 * chosen from the CPU's features at run time (cpu-dispatch.h). */

size_t
radio_cpu_attention_scratch_floats (size_t tokens, size_t head_dim)
{
  return 2 * tokens * head_dim + tokens;
}

/* Macros rather than helper functions: passing a 32-byte vector by value
 * to a function compiled without AVX is an ABI hazard GCC warns about. */
#define LOAD8(v, p) memcpy (&(v), (p), sizeof (v8f))
#define STORE8(p, v) memcpy ((p), &(v), sizeof (v8f))
#define HSUM8(v) \
  ((((v)[0] + (v)[4]) + ((v)[1] + (v)[5])) \
      + (((v)[2] + (v)[6]) + ((v)[3] + (v)[7])))

/* scores[m] = q . k[m] * scale for m < tokens.  Four keys share each load
 * of q and the horizontal sums are paid once per key, not per element. */
static inline __attribute__ ((always_inline)) void
attention_scores (float *scores, const float *q, const float *k,
    size_t tokens, size_t hd, float scale)
{
  size_t vec_end = hd - hd % 8;
  size_t m = 0, d;

  for (; m + 4 <= tokens; m += 4) {
    const float *k0 = k + m * hd, *k1 = k0 + hd, *k2 = k1 + hd,
        *k3 = k2 + hd;
    v8f a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
    float s0, s1, s2, s3;

    for (d = 0; d < vec_end; d += 8) {
      v8f qv, t0, t1, t2, t3;

      LOAD8 (qv, q + d);
      LOAD8 (t0, k0 + d);
      LOAD8 (t1, k1 + d);
      LOAD8 (t2, k2 + d);
      LOAD8 (t3, k3 + d);
      a0 += qv * t0;
      a1 += qv * t1;
      a2 += qv * t2;
      a3 += qv * t3;
    }
    s0 = HSUM8 (a0);
    s1 = HSUM8 (a1);
    s2 = HSUM8 (a2);
    s3 = HSUM8 (a3);
    for (; d < hd; d++) {
      s0 += q[d] * k0[d];
      s1 += q[d] * k1[d];
      s2 += q[d] * k2[d];
      s3 += q[d] * k3[d];
    }
    scores[m] = s0 * scale;
    scores[m + 1] = s1 * scale;
    scores[m + 2] = s2 * scale;
    scores[m + 3] = s3 * scale;
  }
  for (; m < tokens; m++) {
    const float *km = k + m * hd;
    v8f a = { 0 };
    float s;

    for (d = 0; d < vec_end; d += 8) {
      v8f qv, t;

      LOAD8 (qv, q + d);
      LOAD8 (t, km + d);
      a += qv * t;
    }
    s = HSUM8 (a);
    for (; d < hd; d++)
      s += q[d] * km[d];
    scores[m] = s * scale;
  }
}

/* o[d] = inv * sum_m p[m] v[m][d].  The outputs of a 32-wide slice of d
 * stay in registers for the whole sweep over m. */
static inline __attribute__ ((always_inline)) void
attention_weighted_sum (float *o, const float *p, const float *v,
    size_t tokens, size_t hd, float inv)
{
  size_t d = 0, m;

  for (; d + 32 <= hd; d += 32) {
    v8f a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };

    for (m = 0; m < tokens; m++) {
      const float *vm = v + m * hd + d;
      float pm = p[m];
      v8f t0, t1, t2, t3;

      LOAD8 (t0, vm);
      LOAD8 (t1, vm + 8);
      LOAD8 (t2, vm + 16);
      LOAD8 (t3, vm + 24);
      a0 += pm * t0;
      a1 += pm * t1;
      a2 += pm * t2;
      a3 += pm * t3;
    }
    a0 *= inv;
    a1 *= inv;
    a2 *= inv;
    a3 *= inv;
    STORE8 (o + d, a0);
    STORE8 (o + d + 8, a1);
    STORE8 (o + d + 16, a2);
    STORE8 (o + d + 24, a3);
  }
  for (; d + 8 <= hd; d += 8) {
    v8f a = { 0 };

    for (m = 0; m < tokens; m++) {
      v8f t;

      LOAD8 (t, v + m * hd + d);
      a += p[m] * t;
    }
    a *= inv;
    STORE8 (o + d, a);
  }
  for (; d < hd; d++) {
    float a = 0.0f;

    for (m = 0; m < tokens; m++)
      a += p[m] * v[m * hd + d];
    o[d] = a * inv;
  }
}

static inline __attribute__ ((always_inline)) void
attention_head_body (float *out, const float *qkv, size_t tokens,
    size_t heads, size_t hd, size_t h, float *scratch)
{
  size_t stride = 3 * heads * hd;
  size_t out_stride = heads * hd;
  float *kbuf = scratch;
  float *vbuf = scratch + tokens * hd;
  float *scores = vbuf + tokens * hd;
  float scale = 1.0f / sqrtf ((float) hd);
  size_t n, m;

  for (m = 0; m < tokens; m++) {
    const float *row = qkv + m * stride + h * hd;

    memcpy (kbuf + m * hd, row + heads * hd, hd * sizeof (float));
    memcpy (vbuf + m * hd, row + 2 * heads * hd, hd * sizeof (float));
  }

  for (n = 0; n < tokens; n++) {
    const float *q = qkv + n * stride + h * hd;
    float max = -INFINITY;
    double sum = 0.0;

    attention_scores (scores, q, kbuf, tokens, hd, scale);
    for (m = 0; m < tokens; m++)
      if (scores[m] > max)
        max = scores[m];
    /* Subtracting the max keeps every exponent <= 0, so nothing overflows
     * and the largest weight is exactly 1. */
    for (m = 0; m < tokens; m++) {
      float e = expf (scores[m] - max);

      scores[m] = e;
      sum += e;
    }
    attention_weighted_sum (out + n * out_stride + h * hd, scores, vbuf,
        tokens, hd, (float) (1.0 / sum));
  }
}

static void
attention_head_generic (float *out, const float *qkv, size_t tokens,
    size_t heads, size_t hd, size_t h, float *scratch)
{
  attention_head_body (out, qkv, tokens, heads, hd, h, scratch);
}

#if RADIO_X86_DISPATCH
__attribute__ ((target ("avx2,fma"))) static void
attention_head_avx2 (float *out, const float *qkv, size_t tokens,
    size_t heads, size_t hd, size_t h, float *scratch)
{
  attention_head_body (out, qkv, tokens, heads, hd, h, scratch);
}
#endif

void
radio_cpu_attention (float *out, const float *qkv, size_t tokens,
    size_t heads, size_t head_dim, float *scratch)
{
  void (*head_func) (float *, const float *, size_t, size_t, size_t,
      size_t, float *) = attention_head_generic;
  size_t h;

  if (tokens == 0 || head_dim == 0)
    return;

#if RADIO_X86_DISPATCH
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    head_func = attention_head_avx2;
#endif

  for (h = 0; h < heads; h++)
    head_func (out, qkv, tokens, heads, head_dim, h, scratch);
}
