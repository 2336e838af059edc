/* layernorm.c: row-wise normalisation and the elementwise updates around
 * it, on float32 row-major x[rows, dim] (tokens x channels):
 *   layernorm       y = (x - mean) / sqrt(var + eps) * gamma[dim] + beta[dim]
 *   residual add    x += scale[dim] * delta[rows, dim]
 *   row-vector sub  x -= mean[dim]
 */
#include "radio-cpu.h"

#include <math.h>

void
radio_cpu_layernorm (float *y, const float *x, size_t rows, size_t dim,
    const float *gamma, const float *beta, float eps)
{
  size_t r, i;

  if (dim == 0)
    return;

  for (r = 0; r < rows; r++) {
    const float *xr = x + r * dim;
    float *yr = y + r * dim;
    double sum = 0.0, sq = 0.0, mean, rstd;

    /* Two passes in double: the single-pass E[x^2] - E[x]^2 form loses
     * everything to cancellation when the mean is large next to the
     * spread, which happens in ViT residual streams. */
    for (i = 0; i < dim; i++)
      sum += xr[i];
    mean = sum / (double) dim;
    for (i = 0; i < dim; i++) {
      double d = xr[i] - mean;

      sq += d * d;
    }
    rstd = 1.0 / sqrt (sq / (double) dim + (double) eps);

    /* Every read of xr[i] precedes the write of yr[i], so y == x is safe. */
    for (i = 0; i < dim; i++) {
      float v = (float) ((xr[i] - mean) * rstd);

      if (gamma != NULL)
        v *= gamma[i];
      if (beta != NULL)
        v += beta[i];
      yr[i] = v;
    }
  }
}

void
radio_cpu_residual_add (float *x, const float *delta, size_t rows,
    size_t dim, const float *scale)
{
  size_t r, i;

  for (r = 0; r < rows; r++) {
    float *xr = x + r * dim;
    const float *dr = delta + r * dim;

    if (scale != NULL) {
      for (i = 0; i < dim; i++)
        xr[i] += scale[i] * dr[i];
    } else {
      for (i = 0; i < dim; i++)
        xr[i] += dr[i];
    }
  }
}

void
radio_cpu_subtract_row_vector (float *x, size_t rows, size_t dim,
    const float *mean)
{
  size_t r, i;

  for (r = 0; r < rows; r++) {
    float *xr = x + r * dim;

    for (i = 0; i < dim; i++)
      xr[i] -= mean[i];
  }
}
