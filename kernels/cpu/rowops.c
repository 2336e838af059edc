/* rowops.c: the vectorised row kernels of the fast CPU path, on float32
 * row-major x[rows, dim] (tokens x channels):
 *   gelu_fast            x = 0.5 x (1 + erf (x / sqrt 2)), polynomial erfc
 *   layernorm_fast       y = (x - mean) / sqrt (var + eps) * gamma + beta,
 *                        optionally followed by GELU
 *   residual_layernorm   x += scale * (delta + bias), then y = LN (x): the
 *                        end of one sublayer and the start of the next in
 *                        one pass over the row while it is in cache
 *
 * Means and variances are summed in double from float32 data, two passes,
 * exactly as the reference layernorm.c does (ViT residual streams can have
 * a large common offset); only the order of the additions differs.  GELU
 * uses vecmath.h's erfc, within 1e-7 of the exact factor.  Row tails
 * shorter than 16 floats go through a padded copy so that every element
 * takes the same arithmetic.
 */
#include "radio-cpu.h"
#include "cpu-dispatch.h"
#include "vecmath.h"

#include <math.h>
#include <string.h>

/* ---- GELU --------------------------------------------------------------- */

RADIO_ALWAYS_INLINE void
gelu_body (float *x, size_t n)
{
  size_t i = 0;

  for (; i + RADIO_VEC <= n; i += RADIO_VEC) {
    radio_v16f v;

    radio_vec_load (&v, x + i);
    radio_vec_gelu (&v);
    radio_vec_store (x + i, &v);
  }
  if (i < n) {
    float tail[RADIO_VEC] = { 0 };
    radio_v16f v;

    memcpy (tail, x + i, (n - i) * sizeof (float));
    radio_vec_load (&v, tail);
    radio_vec_gelu (&v);
    radio_vec_store (tail, &v);
    memcpy (x + i, tail, (n - i) * sizeof (float));
  }
}

static void
gelu_generic (float *x, size_t n)
{
  gelu_body (x, n);
}

#if RADIO_X86_DISPATCH
RADIO_TARGET_AVX2 static void
gelu_avx2 (float *x, size_t n)
{
  gelu_body (x, n);
}
#endif
#if RADIO_X86_AVX512
RADIO_TARGET_AVX512 static void
gelu_avx512 (float *x, size_t n)
{
  gelu_body (x, n);
}
#endif

void
radio_cpu_gelu_fast (float *x, size_t n)
{
  switch (radio_cpu_isa ()) {
#if RADIO_X86_AVX512
    case RADIO_CPU_ISA_AVX512:
      gelu_avx512 (x, n);
      return;
#endif
#if RADIO_X86_DISPATCH
    case RADIO_CPU_ISA_AVX2:
      gelu_avx2 (x, n);
      return;
#endif
    default:
      gelu_generic (x, n);
      return;
  }
}

/* ---- LayerNorm ---------------------------------------------------------- */

/* mean and 1 / sqrt (var + eps) of one row, in double. */
RADIO_ALWAYS_INLINE void
row_moments (const float *x, size_t dim, float eps, double *mean,
    double *rstd)
{
  radio_v8d acc = { 0 }, mean_v;
  double sum, sq, m;
  size_t i = 0;

  for (; i + RADIO_VEC <= dim; i += RADIO_VEC) {
    radio_v16f v;

    radio_vec_load (&v, x + i);
    radio_vec_accumulate_d (&acc, &v);
  }
  sum = radio_vec_hsum_d (&acc);
  for (; i < dim; i++)
    sum += x[i];
  m = sum / (double) dim;

  /* Second pass on the deviations from the mean, also in double: the
   * float32 rounding of the mean alone would cost everything when the
   * row's offset dwarfs its spread. */
  memset (&acc, 0, sizeof acc);
  memset (&mean_v, 0, sizeof mean_v);
  mean_v += m;
  for (i = 0; i + 8 <= dim; i += 8) {
    radio_v8f v;
    radio_v8d d;

    memcpy (&v, x + i, sizeof v);
    d = __builtin_convertvector (v, radio_v8d) - mean_v;
    acc += d * d;
  }
  sq = radio_vec_hsum_d (&acc);
  for (; i < dim; i++) {
    double d = x[i] - m;

    sq += d * d;
  }
  *mean = m;
  *rstd = 1.0 / sqrt (sq / (double) dim + (double) eps);
}

/* y[0 .. 16) = ((x - mean) * rstd) * gamma + beta, optionally GELU, for
 * 16 values (gamma and beta may be NULL). */
RADIO_ALWAYS_INLINE void
normalise_16 (float *y, const float *x, const radio_v8d *mean_v,
    const radio_v8d *rstd_v, const float *gamma, const float *beta,
    int then_gelu)
{
  radio_v8f lo, hi;
  radio_v16f v, t;

  memcpy (&lo, x, sizeof lo);
  memcpy (&hi, x + 8, sizeof hi);
  lo = __builtin_convertvector ((__builtin_convertvector (lo, radio_v8d)
          - *mean_v) * *rstd_v, radio_v8f);
  hi = __builtin_convertvector ((__builtin_convertvector (hi, radio_v8d)
          - *mean_v) * *rstd_v, radio_v8f);
  memcpy (&v, &lo, sizeof lo);
  memcpy ((char *) &v + sizeof lo, &hi, sizeof hi);
  if (gamma != NULL) {
    radio_vec_load (&t, gamma);
    v *= t;
  }
  if (beta != NULL) {
    radio_vec_load (&t, beta);
    v += t;
  }
  if (then_gelu)
    radio_vec_gelu (&v);
  radio_vec_store (y, &v);
}

/* y[0 .. dim) = ((x - mean) * rstd) * gamma + beta, optionally GELU.
 * y may equal x. */
RADIO_ALWAYS_INLINE void
row_normalise (float *y, const float *x, size_t dim, double mean,
    double rstd, const float *gamma, const float *beta, int then_gelu)
{
  radio_v8d mean_v = { 0 }, rstd_v = { 0 };
  size_t i = 0;

  mean_v += mean;
  rstd_v += rstd;
  for (; i + RADIO_VEC <= dim; i += RADIO_VEC)
    normalise_16 (y + i, x + i, &mean_v, &rstd_v,
        gamma != NULL ? gamma + i : NULL, beta != NULL ? beta + i : NULL,
        then_gelu);
  if (i < dim) {
    /* The tail goes through padded copies so it takes the same
     * arithmetic; the padding lanes are computed and dropped. */
    float in[RADIO_VEC] = { 0 }, g[RADIO_VEC] = { 0 }, b[RADIO_VEC] = { 0 };
    size_t n = dim - i;

    memcpy (in, x + i, n * sizeof (float));
    if (gamma != NULL)
      memcpy (g, gamma + i, n * sizeof (float));
    if (beta != NULL)
      memcpy (b, beta + i, n * sizeof (float));
    normalise_16 (in, in, &mean_v, &rstd_v, gamma != NULL ? g : NULL,
        beta != NULL ? b : NULL, then_gelu);
    memcpy (y + i, in, n * sizeof (float));
  }
}

RADIO_ALWAYS_INLINE void
layernorm_body (float *y, const float *x, size_t rows, size_t dim,
    const float *gamma, const float *beta, float eps, int then_gelu)
{
  size_t r;

  for (r = 0; r < rows; r++) {
    double mean, rstd;

    row_moments (x + r * dim, dim, eps, &mean, &rstd);
    row_normalise (y + r * dim, x + r * dim, dim, mean, rstd, gamma, beta,
        then_gelu);
  }
}

RADIO_ALWAYS_INLINE void
residual_layernorm_body (float *x, const float *delta, const float *bias,
    const float *scale, size_t rows, size_t dim, float *y,
    const float *gamma, const float *beta, float eps)
{
  size_t r, i;

  for (r = 0; r < rows; r++) {
    float *xr = x + r * dim;
    const float *dr = delta + r * dim;

    /* Scalar on purpose: GCC vectorises these loops, and writing x before
     * y is read keeps y == delta safe. */
    if (scale != NULL && bias != NULL) {
      for (i = 0; i < dim; i++)
        xr[i] += scale[i] * (dr[i] + bias[i]);
    } else if (scale != NULL) {
      for (i = 0; i < dim; i++)
        xr[i] += scale[i] * dr[i];
    } else if (bias != NULL) {
      for (i = 0; i < dim; i++)
        xr[i] += dr[i] + bias[i];
    } else {
      for (i = 0; i < dim; i++)
        xr[i] += dr[i];
    }
    if (y != NULL) {
      double mean, rstd;

      row_moments (xr, dim, eps, &mean, &rstd);
      row_normalise (y + r * dim, xr, dim, mean, rstd, gamma, beta, 0);
    }
  }
}

#define LAYERNORM_ARGS float *y, const float *x, size_t rows, size_t dim, \
    const float *gamma, const float *beta, float eps, int then_gelu
#define RESIDUAL_ARGS float *x, const float *delta, const float *bias, \
    const float *scale, size_t rows, size_t dim, float *y, \
    const float *gamma, const float *beta, float eps

static void
layernorm_generic (LAYERNORM_ARGS)
{
  layernorm_body (y, x, rows, dim, gamma, beta, eps, then_gelu);
}

static void
residual_layernorm_generic (RESIDUAL_ARGS)
{
  residual_layernorm_body (x, delta, bias, scale, rows, dim, y, gamma, beta,
      eps);
}

#if RADIO_X86_DISPATCH
RADIO_TARGET_AVX2 static void
layernorm_avx2 (LAYERNORM_ARGS)
{
  layernorm_body (y, x, rows, dim, gamma, beta, eps, then_gelu);
}

RADIO_TARGET_AVX2 static void
residual_layernorm_avx2 (RESIDUAL_ARGS)
{
  residual_layernorm_body (x, delta, bias, scale, rows, dim, y, gamma, beta,
      eps);
}
#endif

#if RADIO_X86_AVX512
RADIO_TARGET_AVX512 static void
layernorm_avx512 (LAYERNORM_ARGS)
{
  layernorm_body (y, x, rows, dim, gamma, beta, eps, then_gelu);
}

RADIO_TARGET_AVX512 static void
residual_layernorm_avx512 (RESIDUAL_ARGS)
{
  residual_layernorm_body (x, delta, bias, scale, rows, dim, y, gamma, beta,
      eps);
}
#endif

void
radio_cpu_layernorm_fast (LAYERNORM_ARGS)
{
  if (dim == 0)
    return;
  switch (radio_cpu_isa ()) {
#if RADIO_X86_AVX512
    case RADIO_CPU_ISA_AVX512:
      layernorm_avx512 (y, x, rows, dim, gamma, beta, eps, then_gelu);
      return;
#endif
#if RADIO_X86_DISPATCH
    case RADIO_CPU_ISA_AVX2:
      layernorm_avx2 (y, x, rows, dim, gamma, beta, eps, then_gelu);
      return;
#endif
    default:
      layernorm_generic (y, x, rows, dim, gamma, beta, eps, then_gelu);
      return;
  }
}

void
radio_cpu_residual_layernorm (RESIDUAL_ARGS)
{
  if (dim == 0)
    return;
  switch (radio_cpu_isa ()) {
#if RADIO_X86_AVX512
    case RADIO_CPU_ISA_AVX512:
      residual_layernorm_avx512 (x, delta, bias, scale, rows, dim, y, gamma,
          beta, eps);
      return;
#endif
#if RADIO_X86_DISPATCH
    case RADIO_CPU_ISA_AVX2:
      residual_layernorm_avx2 (x, delta, bias, scale, rows, dim, y, gamma,
          beta, eps);
      return;
#endif
    default:
      residual_layernorm_generic (x, delta, bias, scale, rows, dim, y, gamma,
          beta, eps);
      return;
  }
}
