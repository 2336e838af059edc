/* radio-pca.c: streaming PCA of feature vectors and its colour mapping
 * (see radio-pca.h).
 *
 * Layouts: every set of vectors is row-major, one D-long row per vector
 * ([rows][D]); all statistics are double. */
#include "radio-pca.h"

#include <math.h>
#include <string.h>

#include "radio-error.h"
#include "radio-safetensors.h"

/* Subspace iterations per update: many for a fresh start, few when warm
 * (the statistics move by the update weight only, and the iteration
 * carries on over the following frames). */
#define FRESH_ITERATIONS 30
#define WARM_ITERATIONS 3
/* Converged when each shown Ritz pair's residual |A v - l v| is below
 * this fraction of the largest variance. */
#define RESIDUAL_TOLERANCE 1e-6
/* Variances at most this fraction of the largest count as none. */
#define VARIANCE_FLOOR 1e-12
#define FILE_FORMAT "gst-radio-pca"

struct _RadioPca {
  guint dim;
  guint rank;         /* rows of basis: min (RADIO_PCA_RANK, dim) */
  guint n_components; /* min (3, dim) */
  gboolean has_basis;

  gdouble *mean;  /* [dim] */
  gdouble *basis; /* [rank][dim] orthonormal, variance order */
  gdouble *eigen; /* [rank] variances of the rows of basis */
  guint n_state;  /* rows of basis that hold statistics (< rank after a
                   * load: the file keeps the shown components only) */

  gdouble *shown; /* [n_components][dim] */
  gdouble shown_variance[RADIO_PCA_COMPONENTS];

  /* scratch, reused by every update */
  gdouble *frame_mean, *diff; /* [dim] */
  gdouble *old_basis;         /* [rank][dim] */
  gdouble old_eigen[RADIO_PCA_RANK];
  gdouble *v, *w, *tmp_v, *tmp_w; /* [rank][dim] */
  gdouble *samples; /* [sample_rows][dim], sample_rows <= MAX_SAMPLES */
  gsize sample_rows;
};

/* ---- small dense helpers ------------------------------------------------ */

static gdouble
dot (const gdouble *a, const gdouble *b, guint n)
{
  gdouble s = 0.0;
  guint i;

  for (i = 0; i < n; i++)
    s += a[i] * b[i];
  return s;
}

static void
axpy (gdouble *y, gdouble a, const gdouble *x, guint n)
{
  guint i;

  for (i = 0; i < n; i++)
    y[i] += a * x[i];
}

/* A reproducible pseudo-random vector in [-1, 1]^dim (splitmix64): the
 * start of a fresh iteration and the replacement of a direction the data
 * does not span. */
static void
fill_seeded (gdouble *v, guint dim, guint64 seed)
{
  guint i;

  for (i = 0; i < dim; i++) {
    guint64 z = seed * 0x9e3779b97f4a7c15ull + (i + 1) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    v[i] = (z >> 11) * (2.0 / 9007199254740992.0) - 1.0;
  }
}

/* Modified Gram-Schmidt on the rows, twice for accuracy.  A row that the
 * earlier ones (nearly) span is replaced by a seeded vector, so the result
 * always has rows orthonormal rows (rows <= dim). */
static void
orthonormalize (gdouble *v, guint rows, guint dim, guint64 seed)
{
  guint k, j, pass, attempt;

  for (k = 0; k < rows; k++) {
    gdouble *row = v + (gsize)k * dim;
    for (attempt = 0; attempt < 8; attempt++) {
      gdouble before = sqrt (dot (row, row, dim)), after;
      for (pass = 0; pass < 2; pass++)
        for (j = 0; j < k; j++)
          axpy (row, -dot (v + (gsize)j * dim, row, dim), v + (gsize)j * dim,
              dim);
      after = sqrt (dot (row, row, dim));
      if (isfinite (after) && after > 1e-9 * before && after > 1e-150) {
        gdouble inv = 1.0 / after;
        for (j = 0; j < dim; j++)
          row[j] *= inv;
        break;
      }
      fill_seeded (row, dim, seed + k * 131 + attempt);
    }
  }
}

/* Cyclic Jacobi on the symmetric n x n matrix a (destroyed): values
 * sorted largest first, q's column k the unit eigenvector of values[k]. */
static void
jacobi_eigen (gdouble *a, guint n, gdouble *q, gdouble *values)
{
  guint sweep, p, r, k;

  memset (q, 0, sizeof (gdouble) * n * n);
  for (k = 0; k < n; k++)
    q[k * n + k] = 1.0;
  for (sweep = 0; sweep < 64; sweep++) {
    gdouble off = 0.0, total = 0.0;
    for (p = 0; p < n; p++)
      for (r = 0; r < n; r++) {
        total += a[p * n + r] * a[p * n + r];
        if (p != r)
          off += a[p * n + r] * a[p * n + r];
      }
    if (off <= 1e-30 * total || off == 0.0)
      break;
    for (p = 0; p < n; p++)
      for (r = p + 1; r < n; r++) {
        gdouble apr = a[p * n + r], theta, t, c, s;
        if (apr == 0.0)
          continue;
        theta = (a[r * n + r] - a[p * n + p]) / (2.0 * apr);
        t = (theta >= 0.0 ? 1.0 : -1.0)
            / (fabs (theta) + sqrt (theta * theta + 1.0));
        c = 1.0 / sqrt (t * t + 1.0);
        s = t * c;
        for (k = 0; k < n; k++) {
          gdouble akp = a[k * n + p], akr = a[k * n + r];
          a[k * n + p] = c * akp - s * akr;
          a[k * n + r] = s * akp + c * akr;
        }
        for (k = 0; k < n; k++) {
          gdouble apk = a[p * n + k], ark = a[r * n + k];
          a[p * n + k] = c * apk - s * ark;
          a[r * n + k] = s * apk + c * ark;
        }
        for (k = 0; k < n; k++) {
          gdouble qkp = q[k * n + p], qkr = q[k * n + r];
          q[k * n + p] = c * qkp - s * qkr;
          q[k * n + r] = s * qkp + c * qkr;
        }
      }
  }
  for (k = 0; k < n; k++)
    values[k] = a[k * n + k];
  /* selection sort of the (at most RADIO_PCA_RANK) pairs */
  for (k = 0; k < n; k++) {
    guint best = k;
    for (p = k + 1; p < n; p++)
      if (values[p] > values[best])
        best = p;
    if (best != k) {
      gdouble t = values[k];
      values[k] = values[best];
      values[best] = t;
      for (p = 0; p < n; p++) {
        t = q[p * n + k];
        q[p * n + k] = q[p * n + best];
        q[p * n + best] = t;
      }
    }
  }
}

/* ---- state -------------------------------------------------------------- */

RadioPca *
radio_pca_new (guint dim)
{
  RadioPca *pca;
  gsize block;

  g_return_val_if_fail (dim >= 1 && dim <= RADIO_PCA_MAX_DIM, NULL);
  pca = g_new0 (RadioPca, 1);
  pca->dim = dim;
  pca->rank = MIN (RADIO_PCA_RANK, dim);
  pca->n_components = MIN (RADIO_PCA_COMPONENTS, dim);
  block = (gsize)pca->rank * dim;
  pca->mean = g_new0 (gdouble, dim);
  pca->basis = g_new0 (gdouble, block);
  pca->eigen = g_new0 (gdouble, pca->rank);
  pca->shown = g_new0 (gdouble, (gsize)pca->n_components * dim);
  pca->frame_mean = g_new0 (gdouble, dim);
  pca->diff = g_new0 (gdouble, dim);
  pca->old_basis = g_new0 (gdouble, block);
  pca->v = g_new0 (gdouble, block);
  pca->w = g_new0 (gdouble, block);
  pca->tmp_v = g_new0 (gdouble, block);
  pca->tmp_w = g_new0 (gdouble, block);
  return pca;
}

void
radio_pca_free (RadioPca *pca)
{
  if (!pca)
    return;
  g_free (pca->mean);
  g_free (pca->basis);
  g_free (pca->eigen);
  g_free (pca->shown);
  g_free (pca->frame_mean);
  g_free (pca->diff);
  g_free (pca->old_basis);
  g_free (pca->v);
  g_free (pca->w);
  g_free (pca->tmp_v);
  g_free (pca->tmp_w);
  g_free (pca->samples);
  g_free (pca);
}

guint
radio_pca_get_dim (const RadioPca *pca)
{
  return pca->dim;
}

guint
radio_pca_get_n_components (const RadioPca *pca)
{
  return pca->n_components;
}

gboolean
radio_pca_has_basis (const RadioPca *pca)
{
  return pca->has_basis;
}

const gdouble *
radio_pca_get_mean (const RadioPca *pca)
{
  return pca->mean;
}

const gdouble *
radio_pca_get_component (const RadioPca *pca, guint k)
{
  g_return_val_if_fail (k < pca->n_components, NULL);
  return pca->shown + (gsize)k * pca->dim;
}

gdouble
radio_pca_get_variance (const RadioPca *pca, guint k)
{
  g_return_val_if_fail (k < pca->n_components, 0.0);
  return pca->shown_variance[k];
}

/* ---- update ------------------------------------------------------------- */

/* The covariance of the mixture, applied to the rows of v:
 *   C = (1 - w) C_old + w C_frame + w (1 - w) d d^T,  d = mean_old - mean_frame
 * with C_old = old_basis^T diag (old_eigen) old_basis (the kept
 * eigenpairs) and C_frame = samples^T samples / m (samples centred on the
 * frame mean).  out[k] = C v[k]. */
static void
apply_covariance (const RadioPca *pca, gdouble weight, guint n_old, guint m,
    const gdouble *v, gdouble *out)
{
  guint dim = pca->dim, rank = pca->rank, i, j, k;
  gdouble scale = weight / m;

  memset (out, 0, sizeof (gdouble) * rank * dim);
  for (j = 0; j < n_old; j++) {
    const gdouble *u = pca->old_basis + (gsize)j * dim;
    gdouble c = (1.0 - weight) * pca->old_eigen[j];
    for (k = 0; k < rank; k++)
      axpy (out + (gsize)k * dim, c * dot (u, v + (gsize)k * dim, dim), u, dim);
  }
  for (i = 0; i < m; i++) {
    const gdouble *x = pca->samples + (gsize)i * dim;
    for (k = 0; k < rank; k++)
      axpy (out + (gsize)k * dim, scale * dot (x, v + (gsize)k * dim, dim), x,
          dim);
  }
  if (n_old > 0 && weight < 1.0) {
    gdouble c = weight * (1.0 - weight);
    for (k = 0; k < rank; k++)
      axpy (out + (gsize)k * dim, c * dot (pca->diff, v + (gsize)k * dim, dim),
          pca->diff, dim);
  }
}

/* Subspace iteration with a Rayleigh-Ritz step each round: one product
 * with the covariance per round.  Leaves the top-rank Ritz pairs in
 * basis / eigen. */
static void
iterate_basis (RadioPca *pca, gdouble weight, guint n_old, guint m)
{
  guint dim = pca->dim, rank = pca->rank, max_iter, it, a, b, k;
  gdouble h[RADIO_PCA_RANK * RADIO_PCA_RANK];
  gdouble q[RADIO_PCA_RANK * RADIO_PCA_RANK];
  gdouble values[RADIO_PCA_RANK];
  gsize block = (gsize)rank * dim;

  /* warm start: the previous eigenvectors, then seeded rows */
  memcpy (pca->v, pca->old_basis, sizeof (gdouble) * n_old * dim);
  for (k = n_old; k < rank; k++)
    fill_seeded (pca->v + (gsize)k * dim, dim, 1000 + k);
  orthonormalize (pca->v, rank, dim, 5000);
  max_iter = n_old >= pca->n_components ? WARM_ITERATIONS : FRESH_ITERATIONS;

  for (it = 0; it < max_iter; it++) {
    gboolean converged = TRUE;

    apply_covariance (pca, weight, n_old, m, pca->v, pca->w);
    for (a = 0; a < rank; a++)
      for (b = 0; b < rank; b++)
        h[a * rank + b]
            = dot (pca->v + (gsize)a * dim, pca->w + (gsize)b * dim, dim);
    for (a = 0; a < rank; a++)
      for (b = a + 1; b < rank; b++)
        h[a * rank + b] = h[b * rank + a]
            = 0.5 * (h[a * rank + b] + h[b * rank + a]);
    jacobi_eigen (h, rank, q, values);

    /* Ritz vectors V Q and their products W Q = C V Q */
    memset (pca->tmp_v, 0, sizeof (gdouble) * block);
    memset (pca->tmp_w, 0, sizeof (gdouble) * block);
    for (k = 0; k < rank; k++)
      for (a = 0; a < rank; a++) {
        axpy (pca->tmp_v + (gsize)k * dim, q[a * rank + k],
            pca->v + (gsize)a * dim, dim);
        axpy (pca->tmp_w + (gsize)k * dim, q[a * rank + k],
            pca->w + (gsize)a * dim, dim);
      }
    for (k = 0; k < pca->n_components && converged; k++) {
      const gdouble *vk = pca->tmp_v + (gsize)k * dim;
      const gdouble *wk = pca->tmp_w + (gsize)k * dim;
      gdouble r = 0.0;
      guint i;
      for (i = 0; i < dim; i++)
        r += (wk[i] - values[k] * vk[i]) * (wk[i] - values[k] * vk[i]);
      converged = sqrt (r) <= RESIDUAL_TOLERANCE * MAX (values[0], 0.0);
    }
    if (converged || it + 1 == max_iter)
      break;
    memcpy (pca->v, pca->tmp_w, sizeof (gdouble) * block);
    orthonormalize (pca->v, rank, dim, 9000 + it);
  }
  memcpy (pca->basis, pca->tmp_v, sizeof (gdouble) * block);
  for (k = 0; k < rank; k++)
    pca->eigen[k] = MAX (values[k], 0.0);
  pca->n_state = rank;
}

/* +1 or -1: makes the largest coordinate of v positive. */
static gdouble
fresh_sign (const gdouble *v, guint dim)
{
  guint i, best = 0;

  for (i = 1; i < dim; i++)
    if (fabs (v[i]) > fabs (v[best]))
      best = i;
  return v[best] < 0.0 ? -1.0 : 1.0;
}

/* The shown components follow the previous ones (see radio-pca.h). */
static void
update_shown (RadioPca *pca, gboolean had_shown)
{
  static const guint perms[6][3] = { { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
    { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 } };
  guint nc = pca->n_components, dim = pca->dim, p, k, i, best = 0;
  gdouble overlap[RADIO_PCA_COMPONENTS][RADIO_PCA_COMPONENTS];
  gdouble best_score = -1.0;

  if (had_shown) {
    for (k = 0; k < nc; k++)
      for (i = 0; i < nc; i++)
        overlap[k][i] = fabs (dot (
            pca->shown + (gsize)k * dim, pca->basis + (gsize)i * dim, dim));
    for (p = 0; p < G_N_ELEMENTS (perms); p++) {
      gdouble score = 0.0;
      gboolean valid = TRUE;
      for (k = 0; k < nc; k++) {
        valid &= perms[p][k] < nc;
        if (valid)
          score += overlap[k][perms[p][k]];
      }
      /* strictly better only: ties keep the variance order */
      if (valid && score > best_score + 1e-12) {
        best_score = score;
        best = p;
      }
    }
  }
  for (k = 0; k < nc; k++) {
    guint src = had_shown ? perms[best][k] : k;
    const gdouble *cand = pca->basis + (gsize)src * dim;
    gdouble *out = pca->shown + (gsize)k * dim;
    gdouble d = had_shown ? dot (out, cand, dim) : 0.0, sign;
    /* an unrelated new direction gets the fresh convention */
    sign = fabs (d) >= 0.1 ? (d < 0.0 ? -1.0 : 1.0) : fresh_sign (cand, dim);
    for (i = 0; i < dim; i++)
      out[i] = sign * cand[i];
    pca->shown_variance[k] = pca->eigen[src];
  }
}

guint
radio_pca_update (RadioPca *pca, const gfloat *x, gsize n, gdouble weight)
{
  guint dim = pca->dim, m = 0, j, n_old;
  gsize stride, i;

  g_return_val_if_fail (x != NULL || n == 0, 0);
  if (pca->has_basis && !(weight > 0.0))
    return 0;
  weight = pca->has_basis ? MIN (weight, 1.0) : 1.0;
  stride = (n + RADIO_PCA_MAX_SAMPLES - 1) / RADIO_PCA_MAX_SAMPLES;
  stride = MAX (stride, 1);
  if (pca->sample_rows < (n + stride - 1) / stride) {
    pca->sample_rows = (n + stride - 1) / stride;
    g_free (pca->samples);
    pca->samples = g_new (gdouble, pca->sample_rows * dim);
  }
  memset (pca->frame_mean, 0, sizeof (gdouble) * dim);
  for (i = 0; i < n && m < RADIO_PCA_MAX_SAMPLES; i += stride) {
    const gfloat *row = x + i * dim;
    gdouble *s = pca->samples + (gsize)m * dim;
    gboolean finite = TRUE;
    for (j = 0; j < dim && finite; j++)
      finite = isfinite (row[j]);
    if (!finite)
      continue;
    for (j = 0; j < dim; j++)
      s[j] = row[j];
    axpy (pca->frame_mean, 1.0, s, dim);
    m++;
  }
  if (m == 0)
    return 0;
  for (j = 0; j < dim; j++)
    pca->frame_mean[j] /= m;
  for (i = 0; i < m; i++)
    axpy (pca->samples + i * dim, -1.0, pca->frame_mean, dim);

  n_old = pca->has_basis ? pca->n_state : 0;
  memcpy (pca->old_basis, pca->basis, sizeof (gdouble) * n_old * dim);
  memcpy (pca->old_eigen, pca->eigen, sizeof (gdouble) * n_old);
  for (j = 0; j < dim; j++) {
    pca->diff[j] = pca->mean[j] - pca->frame_mean[j];
    pca->mean[j] = pca->has_basis ? (1.0 - weight) * pca->mean[j]
                                        + weight * pca->frame_mean[j]
                                  : pca->frame_mean[j];
  }
  iterate_basis (pca, weight, n_old, m);
  update_shown (pca, pca->has_basis);
  pca->has_basis = TRUE;
  return m;
}

/* ---- projection and colours --------------------------------------------- */

void
radio_pca_project (const RadioPca *pca, const gfloat *x, gsize n, gfloat *proj)
{
  guint dim = pca->dim, k, j;
  gsize i;

  for (i = 0; i < n; i++) {
    const gfloat *row = x + i * dim;
    gdouble p[RADIO_PCA_COMPONENTS] = { 0.0, 0.0, 0.0 };
    gboolean finite = TRUE;
    for (j = 0; j < dim && finite; j++)
      finite = isfinite (row[j]);
    for (k = 0; k < pca->n_components && finite && pca->has_basis; k++) {
      const gdouble *c = pca->shown + (gsize)k * dim;
      for (j = 0; j < dim; j++)
        p[k] += (row[j] - pca->mean[j]) * c[j];
    }
    for (k = 0; k < RADIO_PCA_COMPONENTS; k++)
      proj[i * 3 + k] = (gfloat)p[k];
  }
}

void
radio_pca_colorize (const RadioPca *pca, const gfloat *x, gsize n, guint8 *rgb)
{
  gdouble inv_span[RADIO_PCA_COMPONENTS] = { 0.0, 0.0, 0.0 };
  gdouble top = 0.0;
  gfloat proj[RADIO_PCA_COMPONENTS];
  guint k;
  gsize i;

  for (k = 0; k < pca->n_components; k++)
    top = MAX (top, pca->shown_variance[k]);
  for (k = 0; k < pca->n_components && pca->has_basis; k++) {
    gdouble var = pca->shown_variance[k];
    if (var > VARIANCE_FLOOR * top && var > 0.0)
      inv_span[k] = 1.0 / (2.0 * RADIO_PCA_COLOR_STDS * sqrt (var));
  }
  for (i = 0; i < n; i++) {
    radio_pca_project (pca, x + i * pca->dim, 1, proj);
    for (k = 0; k < RADIO_PCA_COMPONENTS; k++) {
      /* no span: grey, even for a projection that overflowed to inf */
      gdouble c = inv_span[k] > 0.0 ? 0.5 + proj[k] * inv_span[k] : 0.5;
      c = CLAMP (c, 0.0, 1.0);
      rgb[i * 3 + k] = (guint8)(c * 255.0 + 0.5);
    }
  }
}

/* ---- files -------------------------------------------------------------- */

gboolean
radio_pca_save (const RadioPca *pca, const char *path, const char *source,
    const char *model_id, GError **error)
{
  g_autoptr (RadioSafetensorsWriter) writer = NULL;
  g_autofree gchar *dim = NULL;
  gint64 mean_shape[1] = { pca->dim };
  gint64 comp_shape[2] = { pca->n_components, pca->dim };
  gint64 var_shape[1] = { pca->n_components };

  if (!pca->has_basis) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "no basis to write to %s: no features were seen yet", path);
    return FALSE;
  }
  writer = radio_safetensors_writer_new ();
  radio_safetensors_writer_add (
      writer, "mean", RADIO_DTYPE_F64, 1, mean_shape, pca->mean);
  radio_safetensors_writer_add (
      writer, "components", RADIO_DTYPE_F64, 2, comp_shape, pca->shown);
  radio_safetensors_writer_add (
      writer, "variance", RADIO_DTYPE_F64, 1, var_shape, pca->shown_variance);
  dim = g_strdup_printf ("%u", pca->dim);
  radio_safetensors_writer_set_metadata (writer, "format", FILE_FORMAT);
  radio_safetensors_writer_set_metadata (writer, "dim", dim);
  radio_safetensors_writer_set_metadata (
      writer, "source", source ? source : "");
  if (model_id)
    radio_safetensors_writer_set_metadata (writer, "model_id", model_id);
  return radio_safetensors_writer_save (writer, path, error);
}

/* A float tensor of the expected shape, read as double.  Returns NULL and
 * sets error otherwise. */
static gdouble *
read_tensor (RadioSafetensors *st, const char *path, const char *name,
    guint n_dims, const gint64 *shape, const char *shape_text, GError **error)
{
  const RadioTensorInfo *t = radio_safetensors_lookup (st, name);
  gdouble *out;
  guint i;

  if (!t) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_MISSING_TENSOR,
        "basis file %s has no tensor '%s'", path, name);
    return NULL;
  }
  if (t->dtype != RADIO_DTYPE_F64 && t->dtype != RADIO_DTYPE_F32
      && t->dtype != RADIO_DTYPE_F16 && t->dtype != RADIO_DTYPE_BF16) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_SHAPE,
        "basis file %s: '%s' must be a float tensor, not %s", path, name,
        radio_dtype_name (t->dtype));
    return NULL;
  }
  for (i = 0; i < n_dims && t->n_dims == n_dims; i++)
    if (t->shape[i] != shape[i])
      break;
  if (t->n_dims != n_dims || i < n_dims) {
    char have[64];
    radio_tensor_info_describe (t, have, sizeof (have));
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_SHAPE,
        "basis file %s: '%s' must have shape %s, not %s", path, name,
        shape_text, have);
    return NULL;
  }
  out = g_new (gdouble, t->n_elements);
  if (t->dtype == RADIO_DTYPE_F64) {
    memcpy (out, t->data, t->n_elements * sizeof (gdouble));
  } else {
    g_autofree gfloat *f = g_new (gfloat, t->n_elements);
    radio_cpu_convert_to_f32 (
        f, (RadioTensorView){ t->data, t->dtype }, t->n_elements);
    for (i = 0; i < t->n_elements; i++)
      out[i] = f[i];
  }
  for (i = 0; i < t->n_elements; i++)
    if (!isfinite (out[i])) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
          "basis file %s: '%s' holds a non-finite value at %u", path, name, i);
      g_free (out);
      return NULL;
    }
  return out;
}

/* Largest deviation of the rows of c from an orthonormal set. */
static gdouble
orthonormality_error (const gdouble *c, guint rows, guint dim)
{
  gdouble worst = 0.0;
  guint a, b;

  for (a = 0; a < rows; a++)
    for (b = 0; b <= a; b++) {
      gdouble d = dot (c + (gsize)a * dim, c + (gsize)b * dim, dim);
      worst = MAX (worst, fabs (d - (a == b ? 1.0 : 0.0)));
    }
  return worst;
}

RadioPca *
radio_pca_load (
    const char *path, gchar **source, gchar **model_id, GError **error)
{
  g_autoptr (RadioSafetensors) st = NULL;
  g_autofree gdouble *mean = NULL, *comp = NULL, *var = NULL;
  g_autofree gchar *shape_text = NULL;
  const RadioTensorInfo *t;
  const char *meta;
  RadioPca *pca;
  gint64 shape[2];
  guint dim, nc, k;
  gdouble err;

  g_return_val_if_fail (path != NULL, NULL);
  st = radio_safetensors_open (path, error);
  if (!st)
    return NULL;
  meta = radio_safetensors_get_metadata (st, "format");
  if (meta && strcmp (meta, FILE_FORMAT) != 0) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "%s is a '%s' file, not a PCA basis (%s)", path, meta, FILE_FORMAT);
    return NULL;
  }
  t = radio_safetensors_lookup (st, "mean");
  if (!t || t->n_dims != 1 || t->shape[0] < 1
      || t->shape[0] > RADIO_PCA_MAX_DIM) {
    g_set_error (error, RADIO_ERROR,
        t ? RADIO_ERROR_SHAPE : RADIO_ERROR_MISSING_TENSOR,
        "basis file %s: needs a tensor 'mean' [dim] with 1 <= dim <= %u", path,
        RADIO_PCA_MAX_DIM);
    return NULL;
  }
  dim = (guint)t->shape[0];
  nc = MIN (RADIO_PCA_COMPONENTS, dim);
  meta = radio_safetensors_get_metadata (st, "dim");
  if (meta && g_ascii_strtoull (meta, NULL, 10) != dim) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_SHAPE,
        "basis file %s: metadata says dim %s but 'mean' has %u values", path,
        meta, dim);
    return NULL;
  }
  shape[0] = dim;
  shape_text = g_strdup_printf ("[%u]", dim);
  if (!(mean = read_tensor (st, path, "mean", 1, shape, shape_text, error)))
    return NULL;
  shape[0] = nc;
  shape[1] = dim;
  g_free (shape_text);
  shape_text = g_strdup_printf ("[%u, %u]", nc, dim);
  if (!(comp
          = read_tensor (st, path, "components", 2, shape, shape_text, error)))
    return NULL;
  g_free (shape_text);
  shape_text = g_strdup_printf ("[%u]", nc);
  if (!(var = read_tensor (st, path, "variance", 1, shape, shape_text, error)))
    return NULL;
  for (k = 0; k < nc; k++)
    if (var[k] < 0.0) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
          "basis file %s: variance %u is negative (%g)", path, k, var[k]);
      return NULL;
    }
  /* loose enough for F16 files; the rows are then made exact */
  err = orthonormality_error (comp, nc, dim);
  if (err > 1e-2) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "basis file %s: 'components' rows are not orthonormal (error %.3g)",
        path, err);
    return NULL;
  }
  if (err > 1e-9)
    orthonormalize (comp, nc, dim, 1);

  pca = radio_pca_new (dim);
  memcpy (pca->mean, mean, sizeof (gdouble) * dim);
  memcpy (pca->shown, comp, sizeof (gdouble) * nc * dim);
  memcpy (pca->basis, comp, sizeof (gdouble) * nc * dim);
  for (k = 0; k < nc; k++)
    pca->shown_variance[k] = pca->eigen[k] = var[k];
  pca->n_state = nc;
  pca->has_basis = TRUE;
  if (source)
    *source = g_strdup (radio_safetensors_get_metadata (st, "source"));
  if (model_id)
    *model_id = g_strdup (radio_safetensors_get_metadata (st, "model_id"));
  return pca;
}
