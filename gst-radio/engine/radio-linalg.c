/* radio-linalg.c: Cholesky factorisation and solve, the pooled
 * within-class covariance and the LDA head of radio-linalg.h.  Plain
 * loops: the matrices are feature-sized (D up to a few thousand) and made
 * once per head, so a BLAS would buy little. */
#include "radio-linalg.h"

#include <math.h>
#include <string.h>

#include "radio-error.h"

gboolean
radio_linalg_cholesky (gdouble *a, guint n, GError **error)
{
  guint i, j, k;
  gdouble largest = 0;

  /* A pivot that is tiny next to the largest diagonal entry means the
   * matrix is singular to working precision: solving with it would give
   * huge, meaningless weights rather than an error. */
  for (i = 0; i < n; i++)
    largest = MAX (largest, fabs (a[(gsize)i * n + i]));
  for (j = 0; j < n; j++) {
    gdouble *row_j = a + (gsize)j * n;
    gdouble d = row_j[j];

    for (k = 0; k < j; k++)
      d -= row_j[k] * row_j[k];
    if (!isfinite (d) || d <= largest * 1e-14 || d <= 0) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
          "the matrix is not positive definite (pivot %u of %u is %g)", j, n,
          d);
      return FALSE;
    }
    d = sqrt (d);
    row_j[j] = d;
    for (i = j + 1; i < n; i++) {
      gdouble *row_i = a + (gsize)i * n;
      gdouble s = row_i[j];

      for (k = 0; k < j; k++)
        s -= row_i[k] * row_j[k];
      row_i[j] = s / d;
    }
  }
  return TRUE;
}

void
radio_linalg_cholesky_solve (const gdouble *l, guint n, gdouble *x)
{
  guint i, k;

  /* L y = b, then L^T x = y. */
  for (i = 0; i < n; i++) {
    const gdouble *row = l + (gsize)i * n;
    gdouble s = x[i];

    for (k = 0; k < i; k++)
      s -= row[k] * x[k];
    x[i] = s / row[i];
  }
  for (i = n; i-- > 0;) {
    gdouble s = x[i];

    for (k = i + 1; k < n; k++)
      s -= l[(gsize)k * n + i] * x[k];
    x[i] = s / l[(gsize)i * n + i];
  }
}

void
radio_linalg_shrink (gdouble *s, guint n, gdouble a)
{
  gdouble trace = 0;
  gsize i, total = (gsize)n * n;

  for (i = 0; i < n; i++)
    trace += s[i * n + i];
  for (i = 0; i < total; i++)
    s[i] *= 1.0 - a;
  for (i = 0; i < n; i++)
    s[i * n + i] += a * trace / n;
}

void
radio_linalg_pooled_covariance (const gfloat *x, const guint *classes, gsize n,
    guint n_classes, guint dim, gdouble *means, gdouble *cov)
{
  gsize i, *counts = g_new0 (gsize, n_classes);
  gdouble *d = g_new (gdouble, dim), norm;
  guint r, c;

  memset (means, 0, sizeof (gdouble) * n_classes * dim);
  memset (cov, 0, sizeof (gdouble) * dim * dim);
  for (i = 0; i < n; i++) {
    counts[classes[i]]++;
    for (c = 0; c < dim; c++)
      means[(gsize)classes[i] * dim + c] += x[i * dim + c];
  }
  for (r = 0; r < n_classes; r++)
    for (c = 0; c < dim && counts[r]; c++)
      means[(gsize)r * dim + c] /= counts[r];
  /* The scatter about the class means (not the raw second moments minus
   * the mean's square, which loses digits to cancellation); lower
   * triangle first, then mirrored. */
  for (i = 0; i < n; i++) {
    const gdouble *mu = means + (gsize)classes[i] * dim;

    for (c = 0; c < dim; c++)
      d[c] = x[i * dim + c] - mu[c];
    for (r = 0; r < dim; r++) {
      gdouble *row = cov + (gsize)r * dim;
      for (c = 0; c <= r; c++)
        row[c] += d[r] * d[c];
    }
  }
  norm = n > n_classes ? 1.0 / (n - n_classes) : 1.0;
  for (r = 0; r < dim; r++)
    for (c = 0; c <= r; c++) {
      cov[(gsize)r * dim + c] *= norm;
      cov[(gsize)c * dim + r] = cov[(gsize)r * dim + c];
    }
  g_free (counts);
  g_free (d);
}

gboolean
radio_linalg_lda_head (const gdouble *means, const gdouble *cov,
    guint n_classes, guint dim, gdouble shrinkage, const gdouble *log_priors,
    gdouble *chol, gfloat *weight, gfloat *bias, GError **error)
{
  gdouble *l, *w = g_new (gdouble, dim);
  g_autoptr (GError) local = NULL;
  guint k, c;

  if (!(shrinkage > 0 && shrinkage <= 1)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "the shrinkage must be in (0, 1], not %g", shrinkage);
    g_free (w);
    return FALSE;
  }
  l = chol ? chol : g_new (gdouble, (gsize)dim * dim);
  memcpy (l, cov, sizeof (gdouble) * dim * dim);
  radio_linalg_shrink (l, dim, shrinkage);
  if (!radio_linalg_cholesky (l, dim, &local)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "the shrunk within-class covariance: %s (are all vectors of each "
        "class the same?)",
        local->message);
    if (!chol)
      g_free (l);
    g_free (w);
    return FALSE;
  }
  for (k = 0; k < n_classes; k++) {
    const gdouble *mu = means + (gsize)k * dim;
    gdouble q = 0;

    memcpy (w, mu, sizeof (gdouble) * dim);
    radio_linalg_cholesky_solve (l, dim, w);
    for (c = 0; c < dim; c++) {
      weight[(gsize)k * dim + c] = (gfloat)w[c];
      q += mu[c] * w[c];
    }
    bias[k] = (gfloat)(-0.5 * q + (log_priors ? log_priors[k] : 0.0));
  }
  if (!chol)
    g_free (l);
  g_free (w);
  return TRUE;
}
