/* gpu-test-util.c: helpers shared by the CUDA tests (see gpu-test-util.h). */
#include "gpu-test-util.h"

#include <math.h>
#include <string.h>

void
gpu_test_fill (float *x, gsize n, float lo, float hi, guint64 *state)
{
  gsize i;

  for (i = 0; i < n; i++) {
    guint64 s = *state;
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    *state = s;
    x[i] = lo + (hi - lo) * (float) ((s * 0x2545F4914F6CDD1DULL) >> 40)
        / 16777216.0f;
  }
}

void
gpu_test_round (float *x, gsize n, int dtype)
{
  gsize i;

  for (i = 0; i < n; i++) {
    if (dtype == 1)
      x[i] = radio_f16_to_f32 (radio_f32_to_f16 (x[i]));
    else if (dtype == 2)
      x[i] = radio_bf16_to_f32 (radio_f32_to_bf16 (x[i]));
  }
}

void
gpu_test_narrow (void *dst, const float *src, gsize n, int dtype)
{
  guint8 *d = dst;
  gsize i;

  if (dtype == 0) {
    memcpy (dst, src, n * sizeof (float));
    return;
  }
  for (i = 0; i < n; i++) {
    guint16 h = dtype == 1 ? radio_f32_to_f16 (src[i])
        : radio_f32_to_bf16 (src[i]);
    memcpy (d + 2 * i, &h, 2);
  }
}

void
gpu_test_widen (float *dst, const void *src, gsize n, int dtype)
{
  RadioTensorView v = { src, dtype == 0 ? RADIO_DTYPE_F32
        : dtype == 1 ? RADIO_DTYPE_F16 : RADIO_DTYPE_BF16 };
  radio_cpu_convert_to_f32 (dst, v, n);
}

void
gpu_test_compare (const char *what, const float *out, const float *ref,
    gsize n, const GpuTolerance *tol)
{
  double sq_ref = 0, sq_err = 0, worst = 0, rms, nmse;
  gsize i, worst_at = 0, bad = 0;

  for (i = 0; i < n; i++)
    sq_ref += (double) ref[i] * ref[i];
  rms = n ? sqrt (sq_ref / n) : 0;
  for (i = 0; i < n; i++) {
    double err = fabs ((double) out[i] - ref[i]);
    double allowed = tol->atol * rms + tol->rtol * fabs (ref[i]);
    if (!isfinite (out[i]))
      err = INFINITY;
    sq_err += err * err;
    if (err > allowed) {
      bad++;
      if (err - allowed > worst) {
        worst = err - allowed;
        worst_at = i;
      }
    }
  }
  nmse = sq_ref > 0 ? sq_err / sq_ref : sq_err;
  g_test_message ("%s: %" G_GSIZE_FORMAT " values, NMSE %.3g, %"
      G_GSIZE_FORMAT " outside atol %.1g rms + rtol %.1g |ref|", what, n,
      nmse, bad, tol->atol, tol->rtol);
  if (bad)
    g_printerr ("%s: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
        " values out of tolerance, worst at %" G_GSIZE_FORMAT
        ": out %.8g ref %.8g (NMSE %.3g)\n", what, bad, n, worst_at,
        out[worst_at], ref[worst_at], nmse);
  g_assert_cmpuint (bad, ==, 0);
  g_assert_cmpfloat (nmse, <=, tol->nmse);
}

void
gpu_test_compare_golden (const char *what, const float *out,
    const void *ref_bytes, gsize rows, gsize dim, gboolean half)
{
  const guint8 *rb = ref_bytes;
  double sum = 0, sq = 0, max_err = 0, std, worst_cos = 1.0;
  gsize n = rows * dim, i, r;

  for (i = 0; i < n; i++) {
    float b;
    memcpy (&b, rb + 4 * i, 4);
    sum += b;
    sq += (double) b * b;
    max_err = MAX (max_err, isfinite (out[i])
        ? fabs ((double) out[i] - b) : INFINITY);
  }
  std = n ? sqrt (MAX (sq / n - (sum / n) * (sum / n), 0)) : 0;
  for (r = 0; r < rows; r++) {
    double dot = 0, na = 0, nb = 0, cosine;
    for (i = 0; i < dim; i++) {
      float b, a = out[r * dim + i];
      memcpy (&b, rb + 4 * (r * dim + i), 4);
      dot += (double) a * b;
      na += (double) a * a;
      nb += (double) b * b;
    }
    cosine = na > 0 && nb > 0 ? dot / sqrt (na * nb) : (na == nb ? 1 : 0);
    worst_cos = MIN (worst_cos, isfinite (cosine) ? cosine : -1);
  }
  g_test_message ("%s: max|err| / std = %.3g, worst token cosine %.6f", what,
      std > 0 ? max_err / std : INFINITY, worst_cos);
  if (g_test_verbose ())
    g_printerr ("  %-28s max|err|/std %.3g  min cosine %.6f\n", what,
        std > 0 ? max_err / std : INFINITY, worst_cos);
  g_assert_cmpfloat (std, >, 0);
  if (half) {
    g_assert_cmpfloat (max_err / std, <=, 0.1);
    g_assert_cmpfloat (worst_cos, >=, 0.999);
  } else {
    g_assert_cmpfloat (max_err / std, <=, 1e-4);
  }
}
