/* test-radiovis: the streaming PCA (radio-pca.c) on vectors whose
 * principal components are known, and the `radiovis` element in
 * GstHarness with hand-built features whose colours are known: the
 * colours, alpha blending, side-by-side caps and layout, basis files
 * (round trip and rejection), frames without features (and the held
 * colours painted on them), renegotiation, mode switches and the
 * built-in model end to end. */
#include <float.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/radio/radiometa.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "element-util.h"
#include "radio-error.h"
#include "radio-pca.h"
#include "radio-safetensors.h"
#include "test-util.h"

static gchar *tmp_dir;

static gchar *
tmp_path (const gchar *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

/* ---- vectors with known principal components ---------------------------- */

static gdouble
gaussian (GRand *rand)
{
  gdouble u = g_rand_double_range (rand, 1e-12, 1.0);
  gdouble v = g_rand_double (rand);
  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}

/* n orthonormal random directions [n][dim] (Gram-Schmidt, in the test so
 * that it does not rely on the code under test). */
static gdouble *
random_directions (GRand *rand, guint n, guint dim)
{
  gdouble *e = g_new (gdouble, (gsize)n * dim);
  guint k, j, i;

  for (k = 0; k < n; k++) {
    gdouble *row = e + (gsize)k * dim, norm = 0.0;
    for (i = 0; i < dim; i++)
      row[i] = gaussian (rand);
    for (j = 0; j < k; j++) {
      gdouble d = 0.0;
      for (i = 0; i < dim; i++)
        d += row[i] * e[(gsize)j * dim + i];
      for (i = 0; i < dim; i++)
        row[i] -= d * e[(gsize)j * dim + i];
    }
    for (i = 0; i < dim; i++)
      norm += row[i] * row[i];
    for (i = 0; i < dim; i++)
      row[i] /= sqrt (norm);
  }
  return e;
}

/* x[n][dim] = offset + sum_k sigma_k z_k e_k + noise * z, z standard
 * normal. */
static gfloat *
make_vectors (GRand *rand, const gdouble *e, const gdouble *sigma, guint n_dirs,
    gdouble offset, gdouble noise, guint n, guint dim)
{
  gfloat *x = g_new (gfloat, (gsize)n * dim);
  guint i, j, k;

  for (i = 0; i < n; i++) {
    gfloat *row = x + (gsize)i * dim;
    gdouble z[8];
    for (k = 0; k < n_dirs; k++)
      z[k] = gaussian (rand);
    for (j = 0; j < dim; j++) {
      gdouble v = offset + noise * gaussian (rand);
      for (k = 0; k < n_dirs; k++)
        v += sigma[k] * z[k] * e[(gsize)k * dim + j];
      row[j] = (gfloat)v;
    }
  }
  return x;
}

static gdouble
dot_dir (const gdouble *a, const gdouble *b, guint dim)
{
  gdouble s = 0.0;
  guint i;

  for (i = 0; i < dim; i++)
    s += a[i] * b[i];
  return s;
}

/* The top eigenvector of the symmetric dim x dim matrix c (power
 * iteration; deflated by the caller), independent of radio-pca.c. */
static gdouble
reference_top_eigen (const gdouble *c, guint dim, gdouble *v)
{
  g_autofree gdouble *w = g_new (gdouble, dim);
  gdouble lambda = 0.0;
  guint it, i, j;

  for (i = 0; i < dim; i++)
    v[i] = 1.0 / sqrt (dim) + 0.01 * i;
  for (it = 0; it < 5000; it++) {
    gdouble norm = 0.0;
    for (i = 0; i < dim; i++) {
      w[i] = 0.0;
      for (j = 0; j < dim; j++)
        w[i] += c[(gsize)i * dim + j] * v[j];
    }
    lambda = dot_dir (v, w, dim);
    norm = sqrt (dot_dir (w, w, dim));
    for (i = 0; i < dim; i++)
      v[i] = w[i] / norm;
  }
  return lambda;
}

/* Three directions with variances 9, 4, 1 and noise of variance 1e-6 in
 * every dimension, 8 frames folded with equal weights: the components
 * and variances are those of the exact covariance of all the vectors
 * (computed here in full, D x D), and the known directions come back in
 * order, up to sign. */
static void
test_pca_known_directions (void)
{
  static const guint dims[] = { 3, 64, 200 };
  const gdouble sigma[3] = { 3.0, 2.0, 1.0 };
  const guint n = 1000, frames = 8;
  guint d;

  for (d = 0; d < G_N_ELEMENTS (dims); d++) {
    guint dim = dims[d], frame, k, i, j, a;
    g_autoptr (GRand) rand = g_rand_new_with_seed (7 + dim);
    g_autofree gdouble *e = random_directions (rand, 3, dim);
    g_autofree gdouble *sum = g_new0 (gdouble, dim);
    g_autofree gdouble *cov = g_new0 (gdouble, (gsize)dim * dim);
    g_autofree gdouble *ref = g_new (gdouble, dim);
    g_autoptr (RadioPca) pca = radio_pca_new (dim);

    g_assert_false (radio_pca_has_basis (pca));
    for (frame = 0; frame < frames; frame++) {
      g_autofree gfloat *x
          = make_vectors (rand, e, sigma, 3, 0.5, 1e-3, n, dim);
      g_assert_cmpuint (radio_pca_update (pca, x, n, 1.0 / (frame + 1)), ==, n);
      for (i = 0; i < n; i++)
        for (j = 0; j < dim; j++) {
          sum[j] += x[(gsize)i * dim + j];
          for (a = 0; a < dim; a++)
            cov[(gsize)j * dim + a]
                += (gdouble)x[(gsize)i * dim + j] * x[(gsize)i * dim + a];
        }
    }
    /* population covariance of all n * frames vectors */
    for (j = 0; j < dim; j++)
      for (a = 0; a < dim; a++)
        cov[(gsize)j * dim + a]
            = cov[(gsize)j * dim + a] / (n * frames)
              - sum[j] * sum[a] / ((gdouble)n * frames * n * frames);
    g_assert_true (radio_pca_has_basis (pca));
    g_assert_cmpuint (radio_pca_get_n_components (pca), ==, 3);
    for (k = 0; k < 3; k++) {
      const gdouble *c = radio_pca_get_component (pca, k);
      gdouble var = radio_pca_get_variance (pca, k);
      gdouble lambda = reference_top_eigen (cov, dim, ref);
      gdouble exact = fabs (dot_dir (c, ref, dim));
      gdouble known = fabs (dot_dir (c, e + (gsize)k * dim, dim));
      if (g_test_verbose ())
        g_printerr ("  dim %u component %u: |dot| exact %.9f known %.6f, "
                    "variance %.6f (exact %.6f)\n",
            dim, k, exact, known, var, lambda);
      g_assert_cmpfloat (exact, >, 1.0 - 1e-9);
      g_assert_cmpfloat (fabs (var - lambda), <, 1e-9 * lambda);
      g_assert_cmpfloat (known, >, 0.999);
      g_assert_cmpfloat (fabs (dot_dir (c, c, dim) - 1.0), <, 1e-9);
      /* deflate */
      for (j = 0; j < dim; j++)
        for (a = 0; a < dim; a++)
          cov[(gsize)j * dim + a] -= lambda * ref[j] * ref[a];
    }
    for (j = 0; j < dim; j++)
      g_assert_cmpfloat (
          fabs (radio_pca_get_mean (pca)[j] - sum[j] / (n * frames)), <, 1e-9);
  }
}

/* More vectors than the sampling limit: 1024 of them are used, at a fixed
 * stride, and they still give the directions. */
static void
test_pca_sampling (void)
{
  const guint dim = 32;
  const gdouble sigma[3] = { 3.0, 2.0, 1.0 };
  g_autoptr (GRand) rand = g_rand_new_with_seed (21);
  g_autofree gdouble *e = random_directions (rand, 3, dim);
  g_autofree gfloat *x = make_vectors (rand, e, sigma, 3, 0.0, 1e-3, 5000, dim);
  g_autoptr (RadioPca) pca = radio_pca_new (dim);
  guint k;

  /* stride ceil (5000 / 1024) = 5: 1000 vectors */
  g_assert_cmpuint (radio_pca_update (pca, x, 5000, 1.0), ==, 1000);
  for (k = 0; k < 3; k++)
    g_assert_cmpfloat (
        fabs (dot_dir (radio_pca_get_component (pca, k), e + k * dim, dim)), >,
        0.99);
}

/* Exact data: two values along one axis.  The component is that axis
 * with its largest coordinate positive, the variance exact, and the other
 * components (no variance) are grey. */
static void
test_pca_exact_colours (void)
{
  const guint dim = 5;
  gfloat x[4 * 5] = { 0 };
  g_autoptr (RadioPca) pca = radio_pca_new (dim);
  guint8 rgb[4 * 3];
  gfloat proj[4 * 3];
  guint i;

  /* values along axis 2: 4, 4, 4, 0 -> mean 3, deviations 1, 1, 1, -3 */
  for (i = 0; i < 3; i++)
    x[i * dim + 2] = 4.0f;
  g_assert_cmpuint (radio_pca_update (pca, x, 4, 1.0), ==, 4);
  g_assert_cmpfloat (radio_pca_get_component (pca, 0)[2], ==, 1.0);
  g_assert_cmpfloat (fabs (radio_pca_get_variance (pca, 0) - 3.0), <, 1e-12);
  g_assert_cmpfloat (radio_pca_get_variance (pca, 1), <, 1e-12 * 3.0);
  radio_pca_project (pca, x, 4, proj);
  g_assert_cmpfloat (proj[0], ==, 1.0f);
  g_assert_cmpfloat (proj[9], ==, -3.0f);
  radio_pca_colorize (pca, x, 4, rgb);
  /* 255 * (0.5 + p / (5 sqrt 3)), rounded */
  g_assert_cmpuint (
      rgb[0], ==, (guint)(255 * (0.5 + 1 / (5 * sqrt (3))) + 0.5));
  g_assert_cmpuint (
      rgb[9], ==, (guint)(255 * (0.5 - 3 / (5 * sqrt (3))) + 0.5));
  for (i = 0; i < 4; i++) {
    g_assert_cmpuint (rgb[i * 3 + 1], ==, 128);
    g_assert_cmpuint (rgb[i * 3 + 2], ==, 128);
  }
}

/* The variances of two directions cross while the update weight is low:
 * each shown component stays on its direction (colours do not swap) and
 * never flips sign. */
static void
test_pca_stable_across_updates (void)
{
  const guint dim = 32;
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  g_autofree gdouble *e = random_directions (rand, 3, dim);
  g_autoptr (RadioPca) pca = radio_pca_new (dim);
  gdouble previous[3][32];
  guint frame, k;

  for (frame = 0; frame < 200; frame++) {
    gdouble t = frame / 199.0;
    gdouble sigma[3] = { 3.0 - 2.0 * t, 1.0 + 2.0 * t, 0.5 };
    g_autofree gfloat *x
        = make_vectors (rand, e, sigma, 3, 0.0, 1e-2, 256, dim);
    radio_pca_update (pca, x, 256, frame < 4 ? 1.0 / (frame + 1) : 0.05);
    for (k = 0; k < 3; k++) {
      const gdouble *c = radio_pca_get_component (pca, k);
      if (frame > 0)
        g_assert_cmpfloat (dot_dir (c, previous[k], dim), >, 0.9);
      memcpy (previous[k], c, sizeof (gdouble) * dim);
    }
  }
  /* direction 0 now has the smaller variance, and is still red */
  g_assert_cmpfloat (fabs (dot_dir (previous[0], e, dim)), >, 0.99);
  g_assert_cmpfloat (fabs (dot_dir (previous[1], e + dim, dim)), >, 0.99);
  g_assert_cmpfloat (
      radio_pca_get_variance (pca, 0), <, radio_pca_get_variance (pca, 1));
}

/* The main direction turns from +axis 0 to -axis 1 (so its largest
 * coordinate changes sign): the component follows it without a flip. */
static void
test_pca_follows_rotation (void)
{
  const guint dim = 8;
  g_autoptr (GRand) rand = g_rand_new_with_seed (4);
  g_autoptr (RadioPca) pca = radio_pca_new (dim);
  gdouble e[2 * 8] = { 0 }, previous[8];
  const gdouble sigma[2] = { 3.0, 1.0 };
  guint frame;

  e[8 + 2] = 1.0;
  for (frame = 0; frame < 100; frame++) {
    gdouble theta = G_PI / 2 * 0.9 * frame / 99.0;
    const gdouble *c;
    g_autofree gfloat *x = NULL;
    e[0] = cos (theta);
    e[1] = -sin (theta);
    x = make_vectors (rand, e, sigma, 2, 0.0, 1e-2, 256, dim);
    radio_pca_update (pca, x, 256, 0.2);
    c = radio_pca_get_component (pca, 0);
    if (frame == 0)
      g_assert_cmpfloat (c[0], >, 0.99);
    else
      g_assert_cmpfloat (dot_dir (c, previous, dim), >, 0.9);
    memcpy (previous, c, sizeof (previous));
  }
  /* now mostly -axis 1: the fresh convention would have flipped it */
  g_assert_cmpfloat (previous[1], <, -0.9);
}

/* Invalid input: vectors with NaN are skipped, a frame of only those
 * changes nothing, and dim 1 works with grey G and B. */
static void
test_pca_degenerate (void)
{
  gfloat bad[2 * 4] = { NAN, 0, 0, 0, 1, INFINITY, 0, 0 };
  gfloat one[3] = { 1.0f, 2.0f, 6.0f };
  g_autoptr (RadioPca) pca = radio_pca_new (4);
  g_autoptr (RadioPca) pca1 = radio_pca_new (1);
  guint8 rgb[3 * 3];

  g_assert_cmpuint (radio_pca_update (pca, bad, 2, 1.0), ==, 0);
  g_assert_false (radio_pca_has_basis (pca));
  radio_pca_colorize (pca, bad, 1, rgb);
  g_assert_cmpuint (rgb[0], ==, 128);

  g_assert_cmpuint (radio_pca_update (pca1, one, 3, 1.0), ==, 3);
  g_assert_cmpuint (radio_pca_get_n_components (pca1), ==, 1);
  radio_pca_colorize (pca1, one, 3, rgb);
  g_assert_cmpuint (rgb[0], <, rgb[3]);
  g_assert_cmpuint (rgb[3], <, rgb[6]);
  g_assert_cmpuint (rgb[1], ==, 128);
  g_assert_cmpuint (rgb[8], ==, 128);

  /* no variance at all, then a vector so far from the mean that its
   * projection overflows a float: still grey, not infinity * 0 = NaN
   * (whose conversion to a byte is undefined) */
  {
    gfloat same[2 * 2] = { -FLT_MAX, -FLT_MAX, -FLT_MAX, -FLT_MAX };
    gfloat far[2] = { FLT_MAX, FLT_MAX };
    g_autoptr (RadioPca) flat = radio_pca_new (2);

    g_assert_cmpuint (radio_pca_update (flat, same, 2, 1.0), ==, 2);
    radio_pca_colorize (flat, far, 1, rgb);
    g_assert_cmpuint (rgb[0], ==, 128);
    g_assert_cmpuint (rgb[1], ==, 128);
    g_assert_cmpuint (rgb[2], ==, 128);
  }
}

static void
write_bytes (const gchar *path, const void *data, gsize size)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_set_contents (path, data, size, &error));
}

/* A basis file written by hand: mean, components, variance as F32. */
static void
write_basis (const gchar *path, guint dim, guint n_components,
    const gfloat *mean, const gfloat *comp, const gfloat *var,
    const gchar *dim_meta)
{
  g_autoptr (RadioSafetensorsWriter) w = radio_safetensors_writer_new ();
  g_autoptr (GError) error = NULL;
  gint64 s_mean[1] = { dim }, s_comp[2] = { n_components, dim };
  gint64 s_var[1] = { n_components };

  if (mean)
    radio_safetensors_writer_add (w, "mean", RADIO_DTYPE_F32, 1, s_mean, mean);
  if (comp)
    radio_safetensors_writer_add (
        w, "components", RADIO_DTYPE_F32, 2, s_comp, comp);
  if (var)
    radio_safetensors_writer_add (
        w, "variance", RADIO_DTYPE_F32, 1, s_var, var);
  if (dim_meta)
    radio_safetensors_writer_set_metadata (w, "dim", dim_meta);
  g_assert_true (radio_safetensors_writer_save (w, path, &error));
  g_assert_no_error (error);
}

static void
expect_load_error (const gchar *path, gint code)
{
  g_autoptr (GError) error = NULL;
  RadioPca *pca = radio_pca_load (path, NULL, NULL, &error);

  g_assert_null (pca);
  g_assert_error (error, RADIO_ERROR, code);
  if (g_test_verbose ())
    g_printerr ("  %s\n", error->message);
}

/* Save then load gives the same basis and the same colours; every kind of
 * broken file is a GError. */
static void
test_pca_files (void)
{
  const guint dim = 16;
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  g_autofree gdouble *e = random_directions (rand, 3, dim);
  const gdouble sigma[3] = { 2.0, 1.5, 1.0 };
  g_autofree gfloat *x = make_vectors (rand, e, sigma, 3, 1.0, 0.1, 300, dim);
  g_autofree gchar *path = tmp_path ("basis.safetensors");
  g_autofree gchar *bad = tmp_path ("bad.safetensors");
  g_autofree gchar *source = NULL, *model_id = NULL;
  g_autoptr (RadioPca) pca = radio_pca_new (dim);
  g_autoptr (RadioPca) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *rgb1 = g_new (guint8, 300 * 3);
  g_autofree guint8 *rgb2 = g_new (guint8, 300 * 3);
  gfloat mean[16] = { 0 }, comp[3 * 16] = { 0 }, var[3] = { 1, 1, 1 };
  guint k;

  g_assert_false (radio_pca_save (pca, path, "", NULL, &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT);
  g_clear_error (&error);

  radio_pca_update (pca, x, 300, 1.0);
  g_assert_true (radio_pca_save (pca, path, "clip", "abc123", &error));
  g_assert_no_error (error);
  back = radio_pca_load (path, &source, &model_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (source, ==, "clip");
  g_assert_cmpstr (model_id, ==, "abc123");
  g_assert_cmpuint (radio_pca_get_dim (back), ==, dim);
  g_assert_cmpmem (radio_pca_get_mean (back), dim * sizeof (gdouble),
      radio_pca_get_mean (pca), dim * sizeof (gdouble));
  for (k = 0; k < 3; k++) {
    g_assert_cmpmem (radio_pca_get_component (back, k), dim * sizeof (gdouble),
        radio_pca_get_component (pca, k), dim * sizeof (gdouble));
    g_assert_cmpfloat (
        radio_pca_get_variance (back, k), ==, radio_pca_get_variance (pca, k));
  }
  radio_pca_colorize (pca, x, 300, rgb1);
  radio_pca_colorize (back, x, 300, rgb2);
  g_assert_cmpmem (rgb1, 300 * 3, rgb2, 300 * 3);

  /* broken files */
  write_bytes (bad, "not a safetensors file", 22);
  expect_load_error (bad, RADIO_ERROR_FORMAT);
  {
    g_autofree gchar *missing = tmp_path ("no-such-file.safetensors");
    expect_load_error (missing, RADIO_ERROR_IO);
  }
  for (k = 0; k < 3; k++)
    comp[k * dim + k] = 1.0f;
  write_basis (bad, dim, 3, mean, comp, NULL, NULL);
  expect_load_error (bad, RADIO_ERROR_MISSING_TENSOR);
  write_basis (bad, dim, 2, mean, comp, var, NULL);
  expect_load_error (bad, RADIO_ERROR_SHAPE);
  write_basis (bad, dim, 3, mean, comp, var, "15");
  expect_load_error (bad, RADIO_ERROR_SHAPE);
  mean[4] = NAN;
  write_basis (bad, dim, 3, mean, comp, var, NULL);
  expect_load_error (bad, RADIO_ERROR_FORMAT);
  mean[4] = 0.0f;
  var[1] = -1.0f;
  write_basis (bad, dim, 3, mean, comp, var, NULL);
  expect_load_error (bad, RADIO_ERROR_FORMAT);
  var[1] = 1.0f;
  comp[dim + 0] = 1.0f; /* component 1 no longer orthogonal to 0 */
  write_basis (bad, dim, 3, mean, comp, var, NULL);
  expect_load_error (bad, RADIO_ERROR_FORMAT);
  comp[dim + 0] = 0.0f;
  write_basis (bad, dim, 3, mean, comp, var, "16");
  g_clear_pointer (&back, radio_pca_free);
  back = radio_pca_load (bad, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (radio_pca_get_component (back, 2)[2], ==, 1.0);
}

/* Cost of one update for ViT-S and ViT-L sized grids (printed with
 * --verbose; nothing is asserted on time). */
static void
test_pca_cost (void)
{
  static const guint dims[] = { 384, 1024 };
  guint d;

  for (d = 0; d < G_N_ELEMENTS (dims); d++) {
    guint dim = dims[d], n = 40 * 30, frame;
    g_autoptr (GRand) rand = g_rand_new_with_seed (5);
    g_autofree gdouble *e = random_directions (rand, 3, dim);
    const gdouble sigma[3] = { 3.0, 2.0, 1.5 };
    g_autofree gfloat *x = make_vectors (rand, e, sigma, 3, 0.0, 0.1, n, dim);
    g_autofree guint8 *rgb = g_new (guint8, n * 3);
    g_autoptr (RadioPca) pca = radio_pca_new (dim);
    gint64 t0 = g_get_monotonic_time (), t1, t2;

    radio_pca_update (pca, x, n, 1.0);
    t1 = g_get_monotonic_time ();
    for (frame = 0; frame < 3; frame++)
      radio_pca_update (pca, x, n, 0.02);
    t2 = g_get_monotonic_time ();
    radio_pca_colorize (pca, x, n, rgb);
    if (g_test_verbose ())
      g_printerr ("  dim %u, %u vectors: first update %.1f ms, then %.1f ms, "
                  "colours %.1f ms\n",
          dim, n, (t1 - t0) / 1000.0, (t2 - t1) / 3000.0,
          (g_get_monotonic_time () - t2) / 1000.0);
    g_assert_cmpfloat (
        fabs (dot_dir (radio_pca_get_component (pca, 0), e, dim)), >, 0.99);
  }
}

/* ---- the element with hand-built features ------------------------------ */

/* Features along axis 0 of a dim-long space: value a in grid columns
 * < split, 0 in the others (a grid_width x grid_height grid). */
static gfloat *
split_features (
    guint grid_width, guint grid_height, guint dim, guint split, gfloat a)
{
  gfloat *f = g_new0 (gfloat, (gsize)grid_width * grid_height * dim);
  guint x, y;

  for (y = 0; y < grid_height; y++)
    for (x = 0; x < split; x++)
      f[((gsize)y * grid_width + x) * dim] = a;
  return f;
}

/* The red of the two column groups of split_features, computed from the
 * definition: a fraction q = split / width of the cells has value a, the
 * rest 0; mean q a, variance q (1 - q) a^2; red = 255 * (0.5 + (v - mean)
 * / (5 std)), rounded.  The component's sign makes axis 0 positive. */
static void
split_reds (guint grid_width, guint split, gfloat a, guint *left, guint *right)
{
  gdouble q = (gdouble)split / grid_width;
  gdouble mean = q * a, std = sqrt (q * (1.0 - q)) * a;

  *left = (guint)(255.0 * CLAMP (0.5 + (a - mean) / (5.0 * std), 0, 1) + 0.5);
  *right = (guint)(255.0 * CLAMP (0.5 - mean / (5.0 * std), 0, 1) + 0.5);
}

static void
set_caps (GstHarness *h, const RadioTestFeatures *f)
{
  g_autofree gchar *caps = radio_test_features_caps (f);

  gst_harness_set_src_caps_str (h, caps);
}

typedef struct {
  GstVideoFrame frame;
  GstVideoInfo info;
} MappedOutput;

/* One frame of features through a radiovis, kept with its input so that
 * the two can be compared: both buffers, both mapped. */
typedef struct {
  GstBuffer *in, *out;
  GstVideoFrame inframe;
  MappedOutput m;
} InOut;

static void
in_out_push (InOut *io, GstHarness *h, const RadioTestFeatures *f)
{
  io->in = radio_test_features_buffer (f);
  set_caps (h, f);
  g_assert_cmpint (
      gst_harness_push (h, gst_buffer_ref (io->in)), ==, GST_FLOW_OK);
  io->out = gst_harness_pull (h);
  radio_test_map_output (&io->m.frame, &io->m.info, h, io->out);
  radio_test_map_frame (
      &io->inframe, io->in, f->format, f->frame_width, f->frame_height);
}

/* Row y of the output starts with row y of the input, byte for byte (the
 * rows' padding aside). */
static void
assert_row_starts_with_input (const InOut *io, guint y)
{
  const GstVideoFrame *in = &io->inframe, *out = &io->m.frame;
  gsize n = (gsize)GST_VIDEO_FRAME_WIDTH (in)
            * GST_VIDEO_FRAME_COMP_PSTRIDE (in, 0);

  g_assert_cmpmem ((const guint8 *)GST_VIDEO_FRAME_PLANE_DATA (out, 0)
                       + y * GST_VIDEO_FRAME_PLANE_STRIDE (out, 0),
      n,
      (const guint8 *)GST_VIDEO_FRAME_PLANE_DATA (in, 0)
          + y * GST_VIDEO_FRAME_PLANE_STRIDE (in, 0),
      n);
}

static void
in_out_clear (InOut *io)
{
  gst_video_frame_unmap (&io->inframe);
  gst_video_frame_unmap (&io->m.frame);
  gst_buffer_unref (io->in);
  gst_buffer_unref (io->out);
}

/* Every pixel of columns [x0, x1) of the frame has colour rgb. */
static void
assert_columns (
    const GstVideoFrame *frame, guint x0, guint x1, const guint8 rgb[3])
{
  radio_test_assert_rect_rgb (
      frame, x0, 0, x1, GST_VIDEO_FRAME_HEIGHT (frame), rgb);
}

/* Pushes f through h (a mode=features radiovis): the output frame has
 * f's size, its columns [0, left_end) are (left, 128, 128) and, where
 * right_start is inside it, the columns from right_start on (right, 128,
 * 128). */
static void
push_expect_columns (GstHarness *h, const RadioTestFeatures *f, guint left_end,
    guint left, guint right_start, guint right)
{
  GstBuffer *out = radio_test_harness_push_features (h, f, GST_FLOW_OK);
  MappedOutput m;

  radio_test_map_output (&m.frame, &m.info, h, out);
  g_assert_cmpint (GST_VIDEO_FRAME_WIDTH (&m.frame), ==, f->frame_width);
  g_assert_cmpint (GST_VIDEO_FRAME_HEIGHT (&m.frame), ==, f->frame_height);
  assert_columns (&m.frame, 0, left_end, (guint8[]){ left, 128, 128 });
  if (right_start < f->frame_width)
    assert_columns (
        &m.frame, right_start, f->frame_width, (guint8[]){ right, 128, 128 });
  gst_video_frame_unmap (&m.frame);
  gst_buffer_unref (out);
}

/* A 64x32 frame, a 4x2 grid of 16x16-pixel cells, 6-dimensional: three
 * columns at a e0, one at 0. */
static void
split_frame (RadioTestFeatures *f, gfloat **spatial, GstVideoFormat format)
{
  *spatial = split_features (4, 2, 6, 3, 2.0f);
  *f = (RadioTestFeatures){ .frame_width = 64,
    .frame_height = 32,
    .format = format,
    .fill = { 10, 200, 30 },
    .grid_width = 4,
    .grid_height = 2,
    .embed_dim = 6,
    .spatial = *spatial };
}

/* mode=features replaces the frame with the colours: pixels whose
 * bilinear neighbours are all in one column group have exactly that
 * group's colour (G and B grey: no variance), the blend between the two
 * is monotonic, in every packed format. */
static void
test_element_features_mode (void)
{
  static const GstVideoFormat formats[] = { GST_VIDEO_FORMAT_RGB,
    GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_ARGB, GST_VIDEO_FORMAT_ABGR };
  guint i, left, right;

  split_reds (4, 3, 2.0f, &left, &right);
  g_assert_cmpuint (left, >, 128);
  g_assert_cmpuint (right, <, 128);
  for (i = 0; i < G_N_ELEMENTS (formats); i++) {
    g_autofree gfloat *spatial = NULL;
    RadioTestFeatures f;
    GstHarness *h = radio_test_harness_new_with_bus ("radiovis mode=features");
    GstBuffer *out;
    MappedOutput m;
    guint8 l[3] = { left, 128, 128 }, r[3] = { right, 128, 128 };
    guint8 prev[3], got[3];
    guint x;

    split_frame (&f, &spatial, formats[i]);
    out = radio_test_harness_push_features (h, &f, GST_FLOW_OK);
    radio_test_map_output (&m.frame, &m.info, h, out);
    /* cell centres at x = 8, 24, 40, 56: columns 0..2 up to pixel 39 */
    assert_columns (&m.frame, 0, 40, l);
    assert_columns (&m.frame, 56, 64, r);
    radio_test_frame_rgb (&m.frame, 39, 5, prev);
    for (x = 40; x < 56; x++) {
      radio_test_frame_rgb (&m.frame, x, 5, got);
      g_assert_cmpuint (got[0], <=, prev[0]);
      g_assert_cmpuint (got[1], ==, 128);
      prev[0] = got[0];
    }
    g_assert_nonnull (gst_buffer_get_radio_meta (out));
    gst_video_frame_unmap (&m.frame);
    gst_buffer_unref (out);
    radio_test_harness_teardown (h);
  }
}

/* smooth=false: each pixel has its cell's colour, the edge at x = 48. */
static void
test_element_nearest (void)
{
  g_autofree gfloat *spatial = NULL;
  RadioTestFeatures f;
  GstHarness *h
      = radio_test_harness_new_with_bus ("radiovis mode=features smooth=false");
  guint left, right;

  split_reds (4, 3, 2.0f, &left, &right);
  split_frame (&f, &spatial, GST_VIDEO_FORMAT_RGB);
  push_expect_columns (h, &f, 48, left, 48, right);
  radio_test_harness_teardown (h);
}

/* mode=overlay blends: out = (1 - alpha) video + alpha colour, +-1. */
static void
test_element_overlay_alpha (void)
{
  static const gdouble alphas[] = { 0.0, 0.25, 0.6, 1.0 };
  guint i, c, left, right;

  split_reds (4, 3, 2.0f, &left, &right);
  for (i = 0; i < G_N_ELEMENTS (alphas); i++) {
    g_autofree gchar *props
        = g_strdup_printf ("mode=overlay alpha=%g", alphas[i]);
    g_autofree gfloat *spatial = NULL;
    RadioTestFeatures f;
    GstHarness *h = radio_test_harness_new_with_bus ("radiovis %s", props);
    GstBuffer *out;
    MappedOutput m;
    guint8 got[3];
    const guint colour_l[3] = { left, 128, 128 };
    const guint colour_r[3] = { right, 128, 128 };

    split_frame (&f, &spatial, GST_VIDEO_FORMAT_RGBx);
    out = radio_test_harness_push_features (h, &f, GST_FLOW_OK);
    radio_test_map_output (&m.frame, &m.info, h, out);
    for (c = 0; c < 3; c++) {
      gdouble el = (1 - alphas[i]) * f.fill[c] + alphas[i] * colour_l[c];
      gdouble er = (1 - alphas[i]) * f.fill[c] + alphas[i] * colour_r[c];
      radio_test_frame_rgb (&m.frame, 10, 10, got);
      g_assert_cmpfloat (fabs (got[c] - el), <=, 1.0);
      radio_test_frame_rgb (&m.frame, 60, 30, got);
      g_assert_cmpfloat (fabs (got[c] - er), <=, 1.0);
    }
    gst_video_frame_unmap (&m.frame);
    gst_buffer_unref (out);
    radio_test_harness_teardown (h);
  }
}

/* mode=side-by-side: the output is twice as wide, the left half is the
 * input byte for byte, the right half the colours (opaque), and the
 * output carries no GstRadioMeta. */
static void
test_element_side_by_side (void)
{
  g_autofree gfloat *spatial = NULL;
  RadioTestFeatures f;
  GstHarness *h = radio_test_harness_new_with_bus (
      "radiovis mode=side-by-side alpha=0.1");
  InOut io;
  GstCaps *caps;
  GstStructure *s;
  gint width, height;
  guint y, left, right;
  guint8 a[3];

  split_reds (4, 3, 2.0f, &left, &right);
  split_frame (&f, &spatial, GST_VIDEO_FORMAT_RGBA);
  in_out_push (&io, h, &f);

  caps = gst_pad_get_current_caps (h->sinkpad);
  s = gst_caps_get_structure (caps, 0);
  g_assert_true (gst_structure_get_int (s, "width", &width));
  g_assert_true (gst_structure_get_int (s, "height", &height));
  g_assert_cmpint (width, ==, 128);
  g_assert_cmpint (height, ==, 32);
  g_assert_cmpstr (gst_structure_get_string (s, "format"), ==, "RGBA");
  gst_caps_unref (caps);

  for (y = 0; y < 32; y++)
    assert_row_starts_with_input (&io, y);
  /* right half = the features-only picture at x - 64 (alpha unused) */
  assert_columns (&io.m.frame, 64, 64 + 40, (guint8[]){ left, 128, 128 });
  assert_columns (&io.m.frame, 64 + 56, 128, (guint8[]){ right, 128, 128 });
  /* the wider picture is not the frame the features describe */
  g_assert_null (gst_buffer_get_radio_meta (io.out));
  for (y = 0; y < 32; y++) {
    const guint8 *row = (guint8 *)GST_VIDEO_FRAME_PLANE_DATA (&io.m.frame, 0)
                        + y * GST_VIDEO_FRAME_PLANE_STRIDE (&io.m.frame, 0);
    g_assert_cmpuint (row[(64 + y) * 4 + 3], ==, 255);
  }
  radio_test_frame_rgb (&io.inframe, 0, 0, a);
  g_assert_cmpmem (a, 3, f.fill, 3);
  in_out_clear (&io);
  radio_test_harness_teardown (h);
}

/* One frame of width x height in format under mode (smooth=false), its
 * features split_features (gw, gh, 2, gw / 3, 2): each pixel has the
 * colour of the cell under its centre, computed here from the geometry
 * (centres on a cell edge may take either cell).  Side by side, the left
 * half is the input row for row (padded rows of odd RGB widths) and the
 * right half is opaque. */
static void
check_hostile_frame (const gchar *mode, GstVideoFormat format, guint width,
    guint height, guint gw, guint gh)
{
  g_autofree gfloat *spatial = split_features (gw, gh, 2, gw / 3, 2.0f);
  gboolean side = g_str_equal (mode, "side-by-side");
  RadioTestFeatures f = { .frame_width = width,
    .frame_height = height,
    .format = format,
    .fill = { 10, 200, 30 },
    .grid_width = gw,
    .grid_height = gh,
    .embed_dim = 2,
    .spatial = spatial };
  GstHarness *h = radio_test_harness_new_with_bus (
      "radiovis mode=%s alpha=1 smooth=false", mode);
  InOut io;
  guint x, y, left = 128, right = 128;
  const gchar *fmt = gst_video_format_to_string (format);

  if (gw / 3 > 0)
    split_reds (gw, gw / 3, 2.0f, &left, &right);
  in_out_push (&io, h, &f);
  g_assert_cmpuint (
      GST_VIDEO_FRAME_WIDTH (&io.m.frame), ==, (side ? 2 : 1) * width);
  g_assert_cmpuint (GST_VIDEO_FRAME_HEIGHT (&io.m.frame), ==, height);
  for (y = 0; y < height; y++) {
    if (side)
      assert_row_starts_with_input (&io, y);
    for (x = 0; x < width; x++) {
      gdouble g = (x + 0.5) * gw / width;
      guint8 got[3];
      guint want = (guint)g < gw / 3 ? left : right;
      if (fabs (g - floor (g + 0.5)) < 1e-9)
        continue;
      radio_test_frame_rgb (&io.m.frame, (side ? width : 0) + x, y, got);
      if (got[0] != want || got[1] != 128 || got[2] != 128)
        g_error ("%s %s %ux%u grid %ux%u: pixel (%u, %u) is %u,%u,%u, not "
                 "%u,128,128",
            mode, fmt, width, height, gw, gh, x, y, got[0], got[1], got[2],
            want);
    }
  }
  g_assert_cmpuint (radio_test_count_messages (
                        GST_ELEMENT_BUS (h->element), GST_MESSAGE_ERROR, NULL),
      ==, 0);
  in_out_clear (&io);
  radio_test_harness_teardown (h);
}

/* Hostile sizes: 1x1, odd sizes (3x5, 5x3, 7x1), 4097x3 (RGB rows padded
 * to 4 bytes), grids finer than the frame (64x48 and 512x300 on 3x5), in
 * every mode and in formats with the alpha (or x) byte first. */
static void
test_element_hostile_sizes (void)
{
  static const struct {
    guint width, height, gw, gh;
  } sizes[] = { { 1, 1, 1, 1 }, { 3, 5, 3, 1 }, { 5, 3, 3, 3 }, { 7, 1, 6, 1 },
    { 4097, 3, 3, 1 }, { 3, 5, 64, 48 }, { 3, 5, 512, 300 } };
  static const GstVideoFormat formats[] = { GST_VIDEO_FORMAT_RGB,
    GST_VIDEO_FORMAT_BGR, GST_VIDEO_FORMAT_xRGB, GST_VIDEO_FORMAT_ABGR };
  static const gchar *modes[] = { "features", "overlay", "side-by-side" };
  guint i, j, k;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++)
    for (j = 0; j < G_N_ELEMENTS (formats); j++)
      for (k = 0; k < G_N_ELEMENTS (modes); k++)
        check_hostile_frame (modes[k], formats[j], sizes[i].width,
            sizes[i].height, sizes[i].gw, sizes[i].gh);
}

/* The colours come from the chosen source: an adaptor with a grid twice
 * as fine as the backbone's (whose own features are absent). */
static void
test_element_adaptor_source (void)
{
  g_autofree gfloat *fine = split_features (8, 4, 3, 6, 5.0f);
  RadioTestFeatures f = { .frame_width = 64,
    .frame_height = 32,
    .format = GST_VIDEO_FORMAT_RGB,
    .fill = { 1, 2, 3 },
    .grid_width = 4,
    .grid_height = 2,
    .embed_dim = 6,
    .adaptor_name = "fine",
    .adaptor_spatial = fine,
    .adaptor_spatial_height = 4,
    .adaptor_spatial_width = 8,
    .adaptor_spatial_dim = 3 };
  GstHarness *h
      = radio_test_harness_new_with_bus ("radiovis mode=features source=fine");
  guint left, right;

  split_reds (8, 6, 5.0f, &left, &right);
  /* 8-pixel cells: columns 0..5 up to pixel 43, column 7 from 60 */
  push_expect_columns (h, &f, 44, left, 60, right);
  radio_test_harness_teardown (h);
}

/* f's frame without the meta, as `radio interval=N` passes it on. */
static GstBuffer *
plain_buffer (const RadioTestFeatures *f)
{
  g_autoptr (GstBuffer) in = radio_test_features_buffer (f);
  GstBuffer *plain = gst_buffer_copy_region (
      in, GST_BUFFER_COPY_MEMORY | GST_BUFFER_COPY_DEEP, 0, -1);

  g_assert_null (gst_buffer_get_radio_meta (plain));
  return plain;
}

/* Buffers without features pass through untouched, with one warning for
 * the stream, whether the meta is missing or only the chosen source (no
 * frame had features: hold has nothing to paint). */
static void
test_element_missing_features (void)
{
  static const gchar *props[] = { "mode=features", "source=nosuch alpha=1" };
  guint i, k;

  for (i = 0; i < G_N_ELEMENTS (props); i++) {
    g_autofree gfloat *spatial = NULL;
    RadioTestFeatures f;
    GstHarness *h = radio_test_harness_new_with_bus ("radiovis %s", props[i]);
    GstBus *bus = GST_ELEMENT_BUS (h->element);

    split_frame (&f, &spatial, GST_VIDEO_FORMAT_BGR);
    set_caps (h, &f);
    for (k = 0; k < 3; k++) {
      GstBuffer *in
          = i == 0 ? plain_buffer (&f) : radio_test_features_buffer (&f);
      GstBuffer *copy = gst_buffer_copy_deep (in), *out;
      g_assert_cmpint (gst_harness_push (h, in), ==, GST_FLOW_OK);
      out = gst_harness_pull (h);
      radio_test_assert_same_bytes (out, copy);
      gst_buffer_unref (copy);
      gst_buffer_unref (out);
    }
    g_assert_cmpuint (
        radio_test_count_messages (bus, GST_MESSAGE_WARNING, NULL), ==, 1);
    g_assert_cmpuint (
        radio_test_count_messages (bus, GST_MESSAGE_ERROR, NULL), ==, 0);
    radio_test_harness_teardown (h);
  }
}

/* Pushes in (taken) and returns the output, asserting that the input
 * pixels came out unchanged when untouched. */
static GstBuffer *
push_plain (GstHarness *h, GstBuffer *in, gboolean untouched)
{
  GstBuffer *copy = gst_buffer_copy_deep (in), *out;

  g_assert_cmpint (gst_harness_push (h, in), ==, GST_FLOW_OK);
  out = gst_harness_pull (h);
  if (untouched)
    radio_test_assert_same_bytes (out, copy);
  gst_buffer_unref (copy);
  return out;
}

/* hold: frames without the meta after a frame with features (radio
 * interval=N) are painted with its colours, byte for byte (features mode:
 * the input pixels do not matter, so the held frames have other ones),
 * without warnings; hold=false passes them through untouched with one
 * warning.  A new frame size (caps) or a flush drops the held colours:
 * untouched frames, still without a warning (the features are known to
 * come). */
static void
test_element_hold (void)
{
  gint hold;

  for (hold = 0; hold <= 1; hold++) {
    g_autofree gchar *props = g_strdup_printf ("mode=features hold=%d", hold);
    g_autofree gfloat *spatial = NULL;
    RadioTestFeatures f, other;
    GstHarness *h = radio_test_harness_new_with_bus ("radiovis %s", props);
    GstBus *bus = GST_ELEMENT_BUS (h->element);
    GstBuffer *first, *out;
    GstSegment segment;
    guint k, left, right;

    split_reds (4, 3, 2.0f, &left, &right);
    split_frame (&f, &spatial, GST_VIDEO_FORMAT_RGB);
    other = f;
    memcpy (other.fill, (guint8[]){ 200, 90, 250 }, 3);
    first = radio_test_harness_push_features (h, &f, GST_FLOW_OK);
    for (k = 0; k < 2; k++) {
      out = push_plain (h, plain_buffer (&other), !hold);
      if (hold) {
        MappedOutput m;
        radio_test_assert_same_bytes (out, first);
        radio_test_map_output (&m.frame, &m.info, h, out);
        assert_columns (&m.frame, 0, 40, (guint8[]){ left, 128, 128 });
        gst_video_frame_unmap (&m.frame);
      }
      gst_buffer_unref (out);
    }
    g_assert_cmpuint (
        radio_test_count_messages (bus, GST_MESSAGE_WARNING, NULL), ==, !hold);

    /* the same frame size again after a flush: nothing held */
    gst_buffer_unref (radio_test_harness_push_features (h, &f, GST_FLOW_OK));
    g_assert_true (gst_harness_push_event (h, gst_event_new_flush_start ()));
    g_assert_true (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
    gst_segment_init (&segment, GST_FORMAT_TIME);
    g_assert_true (
        gst_harness_push_event (h, gst_event_new_segment (&segment)));
    gst_buffer_unref (push_plain (h, plain_buffer (&other), TRUE));

    /* a new frame size, then the old one: nothing held either */
    gst_buffer_unref (radio_test_harness_push_features (h, &f, GST_FLOW_OK));
    other.frame_width = 32;
    other.frame_height = 16;
    set_caps (h, &other);
    gst_buffer_unref (push_plain (h, plain_buffer (&other), TRUE));
    set_caps (h, &f);
    gst_buffer_unref (push_plain (h, plain_buffer (&f), TRUE));
    g_assert_cmpuint (
        radio_test_count_messages (bus, GST_MESSAGE_WARNING, NULL), ==, 0);
    g_assert_cmpuint (
        radio_test_count_messages (bus, GST_MESSAGE_ERROR, NULL), ==, 0);
    gst_buffer_unref (first);
    radio_test_harness_teardown (h);
  }
}

/* hold before any features: nothing to paint, one warning; once features
 * came, held frames warn no more.  In overlay mode a held frame blends
 * the held colours over its own pixels (the same pixels: the same bytes),
 * in side-by-side mode it paints the right half with them. */
static void
test_element_hold_modes (void)
{
  static const gchar *modes[] = { "overlay", "side-by-side" };
  guint i, k;

  for (i = 0; i < G_N_ELEMENTS (modes); i++) {
    g_autofree gchar *props = g_strdup_printf ("mode=%s", modes[i]);
    g_autofree gfloat *spatial = NULL;
    RadioTestFeatures f;
    GstHarness *h = radio_test_harness_new_with_bus ("radiovis %s", props);
    GstBus *bus = GST_ELEMENT_BUS (h->element);
    GstBuffer *first, *out;

    split_frame (&f, &spatial, GST_VIDEO_FORMAT_BGRA);
    set_caps (h, &f);
    out = push_plain (h, plain_buffer (&f), i == 0);
    gst_buffer_unref (out);
    g_assert_cmpuint (
        radio_test_count_messages (bus, GST_MESSAGE_WARNING, NULL), ==, 1);
    first = radio_test_harness_push_features (h, &f, GST_FLOW_OK);
    for (k = 0; k < 3; k++) {
      out = push_plain (h, plain_buffer (&f), FALSE);
      radio_test_assert_same_bytes (out, first);
      gst_buffer_unref (out);
    }
    g_assert_cmpuint (
        radio_test_count_messages (bus, GST_MESSAGE_WARNING, NULL), ==, 0);
    gst_buffer_unref (first);
    radio_test_harness_teardown (h);
  }
}

/* random features on a 4x2 grid, 6-dimensional */
static gfloat *
random_features (guint seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  gfloat *f = g_new (gfloat, 4 * 2 * 6);
  guint i;

  for (i = 0; i < 4 * 2 * 6; i++)
    f[i] = (gfloat)gaussian (rand);
  return f;
}

/* A basis saved at the end of one stream and loaded (frozen) by another
 * gives the same colours on the same frame, byte for byte. */
static void
test_element_basis_round_trip (void)
{
  g_autofree gchar *path = tmp_path ("element-basis.safetensors");
  g_autofree gchar *props_a = g_strdup_printf (
      "mode=features warmup-frames=2 update-rate=0.1 save-basis=\"%s\"", path);
  g_autofree gchar *props_b
      = g_strdup_printf ("mode=features update-rate=0 load-basis=\"%s\"", path);
  g_autofree gchar *source = NULL, *model_id = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioPca) saved = NULL;
  GstHarness *a = radio_test_harness_new_with_bus ("radiovis %s", props_a), *b;
  GstBuffer *out_a = NULL, *out_b;
  RadioTestFeatures f;
  gfloat *spatial;
  guint i;

  g_unlink (path);
  split_frame (&f, &spatial, GST_VIDEO_FORMAT_RGB);
  g_free (spatial);
  for (i = 0; i < 4; i++) {
    g_autofree gfloat *feat = random_features (100 + i);
    f.spatial = feat;
    if (out_a)
      gst_buffer_unref (out_a);
    out_a = radio_test_harness_push_features (a, &f, GST_FLOW_OK);
  }
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (gst_harness_push_event (a, gst_event_new_eos ()));
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  radio_test_harness_teardown (a);

  saved = radio_pca_load (path, &source, &model_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (radio_pca_get_dim (saved), ==, 6);
  g_assert_cmpstr (source, ==, "");
  g_assert_cmpstr (model_id, ==, "0123456789abcdef0123456789abcdef");

  b = radio_test_harness_new_with_bus ("radiovis %s", props_b);
  {
    g_autofree gfloat *feat = random_features (103);
    f.spatial = feat;
    out_b = radio_test_harness_push_features (b, &f, GST_FLOW_OK);
  }
  radio_test_assert_same_bytes (out_a, out_b);
  gst_buffer_unref (out_a);
  gst_buffer_unref (out_b);
  radio_test_harness_teardown (b);
}

static void
expect_start_failure (const gchar *basis, const gchar *expect)
{
  g_autofree gchar *launch = g_strdup_printf (
      "videotestsrc num-buffers=1 ! video/x-raw,format=RGB,width=64,height=32 "
      "! radiovis load-basis=\"%s\" ! fakesink",
      basis);

  g_free (radio_test_expect_start_failure (launch, expect));
}

/* Broken or missing basis files stop the element at start with an error;
 * a basis of another dimension is an error on the first frame, and so is
 * a mid-stream change of the features' dimension; an unwritable
 * save-basis is an error at the end of the stream. */
static void
test_element_basis_errors (void)
{
  g_autofree gchar *garbage = tmp_path ("garbage.safetensors");
  g_autofree gchar *missing = tmp_path ("missing.safetensors");
  g_autofree gchar *dim4 = tmp_path ("dim4.safetensors");
  g_autofree gchar *props = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioPca) pca = radio_pca_new (4);
  gfloat v[3 * 4] = { 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 1 };
  g_autofree gfloat *spatial = NULL;
  RadioTestFeatures f;
  GstHarness *h;
  GstBus *bus;

  write_bytes (garbage, "\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":", 13);
  expect_start_failure (garbage, "Invalid PCA basis");
  expect_start_failure (missing, "not found");

  /* dimension 4 against 6-dimensional features */
  radio_pca_update (pca, v, 3, 1.0);
  g_assert_true (radio_pca_save (pca, dim4, "", NULL, &error));
  props = g_strdup_printf ("load-basis=\"%s\"", dim4);
  h = radio_test_harness_new_with_bus ("radiovis %s", props);
  bus = GST_ELEMENT_BUS (h->element);
  split_frame (&f, &spatial, GST_VIDEO_FORMAT_RGB);
  set_caps (h, &f);
  g_assert_cmpint (gst_harness_push (h, radio_test_features_buffer (&f)), ==,
      GST_FLOW_ERROR);
  g_assert_cmpuint (
      radio_test_count_messages (bus, GST_MESSAGE_ERROR, NULL), ==, 1);
  radio_test_harness_teardown (h);

  /* the features change dimension in mid-stream */
  h = radio_test_harness_new_with_bus ("radiovis");
  bus = GST_ELEMENT_BUS (h->element);
  set_caps (h, &f);
  g_assert_cmpint (
      gst_harness_push (h, radio_test_features_buffer (&f)), ==, GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  f.embed_dim = 3;
  g_assert_cmpint (gst_harness_push (h, radio_test_features_buffer (&f)), ==,
      GST_FLOW_ERROR);
  g_assert_cmpuint (
      radio_test_count_messages (bus, GST_MESSAGE_ERROR, NULL), ==, 1);
  radio_test_harness_teardown (h);

  /* save-basis into a folder that does not exist */
  f.embed_dim = 6;
  h = radio_test_harness_new_with_bus (
      "radiovis save-basis=/nonexistent-radiovis-dir/basis.safetensors");
  bus = GST_ELEMENT_BUS (h->element);
  gst_buffer_unref (radio_test_harness_push_features (h, &f, GST_FLOW_OK));
  gst_harness_push_event (h, gst_event_new_eos ());
  g_assert_cmpuint (
      radio_test_count_messages (bus, GST_MESSAGE_ERROR, NULL), ==, 1);
  /* stopping does not write (or fail) a second time */
  g_assert_cmpint (gst_element_set_state (h->element, GST_STATE_NULL), ==,
      GST_STATE_CHANGE_SUCCESS);
  g_assert_cmpuint (
      radio_test_count_messages (bus, GST_MESSAGE_ERROR, NULL), ==, 0);
  radio_test_harness_teardown (h);

  /* save-basis when no frame had features: nothing written, a warning
   * at the end of the stream (once: not again at stop) */
  g_free (props);
  props = g_strdup_printf ("save-basis=\"%s\"", missing);
  h = radio_test_harness_new_with_bus ("radiovis %s", props);
  bus = GST_ELEMENT_BUS (h->element);
  set_caps (h, &f);
  gst_buffer_unref (push_plain (h, plain_buffer (&f), TRUE));
  g_assert_cmpuint (radio_test_count_messages (
                        bus, GST_MESSAGE_WARNING, "carry no RADIO features"),
      ==, 1);
  gst_harness_push_event (h, gst_event_new_eos ());
  g_assert_cmpint (gst_element_set_state (h->element, GST_STATE_NULL), ==,
      GST_STATE_CHANGE_SUCCESS);
  g_assert_cmpuint (
      radio_test_count_messages (bus, GST_MESSAGE_WARNING, "No PCA basis"), ==,
      1);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  radio_test_harness_teardown (h);
}

/* New frame and grid sizes in mid-stream: the output follows, the basis
 * (which depends on the dimension only) carries on. */
static void
test_element_renegotiation (void)
{
  g_autofree gfloat *small = split_features (4, 2, 6, 3, 2.0f);
  g_autofree gfloat *large = split_features (8, 4, 6, 6, 2.0f);
  RadioTestFeatures f = { .frame_width = 64,
    .frame_height = 32,
    .format = GST_VIDEO_FORMAT_RGB,
    .grid_width = 4,
    .grid_height = 2,
    .embed_dim = 6,
    .spatial = small };
  GstHarness *h = radio_test_harness_new_with_bus ("radiovis mode=features");
  guint left, right;

  /* the same fractions of cells in both: the same statistics */
  split_reds (4, 3, 2.0f, &left, &right);
  push_expect_columns (h, &f, 40, left, 56, right);

  f.frame_width = 128;
  f.frame_height = 64;
  f.grid_width = 8;
  f.grid_height = 4;
  f.spatial = large;
  f.format = GST_VIDEO_FORMAT_BGRA;
  push_expect_columns (h, &f, 88, left, 120, right);
  radio_test_harness_teardown (h);
}

/* Switching to and from side-by-side while playing renegotiates. */
static void
test_element_mode_switch (void)
{
  static const struct {
    const gchar *mode;
    gint width;
  } steps[]
      = { { "overlay", 64 }, { "side-by-side", 128 }, { "features", 64 } };
  g_autofree gfloat *spatial = NULL;
  RadioTestFeatures f;
  GstHarness *h = radio_test_harness_new_with_bus ("radiovis");
  GstElement *vis = gst_harness_find_element (h, "radiovis");
  guint i;

  split_frame (&f, &spatial, GST_VIDEO_FORMAT_RGB);
  set_caps (h, &f);
  for (i = 0; i < G_N_ELEMENTS (steps); i++) {
    GstBuffer *out;
    MappedOutput m;
    gst_util_set_object_arg (G_OBJECT (vis), "mode", steps[i].mode);
    g_assert_cmpint (
        gst_harness_push (h, radio_test_features_buffer (&f)), ==, GST_FLOW_OK);
    out = gst_harness_pull (h);
    radio_test_map_output (&m.frame, &m.info, h, out);
    g_assert_cmpint (GST_VIDEO_FRAME_WIDTH (&m.frame), ==, steps[i].width);
    g_assert_cmpuint (
        gst_buffer_get_size (out), ==, GST_VIDEO_INFO_SIZE (&m.info));
    gst_video_frame_unmap (&m.frame);
    gst_buffer_unref (out);
  }
  gst_object_unref (vis);
  radio_test_harness_teardown (h);
}

/* Time per 640x480 frame with a ViT-S/16-sized grid (40x30 cells of 384
 * values), in each mode (printed with --verbose; nothing is asserted on
 * time, only that every frame comes out). */
static void
test_element_cost (void)
{
  static const gchar *modes[] = { "overlay", "side-by-side" };
  g_autoptr (GRand) rand = g_rand_new_with_seed (8);
  g_autofree gfloat *spatial = g_new (gfloat, 40 * 30 * 384);
  RadioTestFeatures f = { .frame_width = 640,
    .frame_height = 480,
    .format = GST_VIDEO_FORMAT_RGBx,
    .grid_width = 40,
    .grid_height = 30,
    .embed_dim = 384,
    .spatial = spatial };
  guint i, m;

  for (i = 0; i < 40 * 30 * 384; i++)
    spatial[i] = (gfloat)gaussian (rand);
  for (m = 0; m < G_N_ELEMENTS (modes); m++) {
    g_autofree gchar *props = g_strdup_printf ("mode=%s", modes[m]);
    GstHarness *h = radio_test_harness_new_with_bus ("radiovis %s", props);
    GstBuffer *frames[10];
    gint64 t0;

    set_caps (h, &f);
    for (i = 0; i < G_N_ELEMENTS (frames); i++)
      frames[i] = radio_test_features_buffer (&f);
    t0 = g_get_monotonic_time ();
    for (i = 0; i < G_N_ELEMENTS (frames); i++) {
      g_assert_cmpint (gst_harness_push (h, frames[i]), ==, GST_FLOW_OK);
      gst_buffer_unref (gst_harness_pull (h));
    }
    if (g_test_verbose ())
      g_printerr ("  %s, 640x480, 40x30x384 features: %.1f ms per frame\n",
          modes[m],
          (g_get_monotonic_time () - t0) / 1000.0 / G_N_ELEMENTS (frames));
    radio_test_harness_teardown (h);
  }
}

/* ---- the built-in model ------------------------------------------------ */

/* videotestsrc ! videoconvert ! radio ! radiovis in a harness: every
 * frame keeps its meta and shows several colours (the SMPTE bars give
 * different features). */
static void
test_builtin_model_harness (void)
{
  GstHarness *h
      = gst_harness_new_parse ("videoconvert ! radio ! radiovis mode=features");
  guint i;

  gst_harness_add_src_parse (h,
      "videotestsrc num-buffers=6 pattern=smpte ! capsfilter "
      "caps=video/x-raw,format=I420,width=128,height=96,framerate=30/1",
      FALSE);
  for (i = 0; i < 6; i++) {
    GstBuffer *out;
    GstRadioMeta *meta;
    MappedOutput m;
    GHashTable *colours = g_hash_table_new (NULL, NULL);
    guint x, y;

    g_assert_cmpint (gst_harness_push_from_src (h), ==, GST_FLOW_OK);
    out = gst_harness_pull (h);
    meta = gst_buffer_get_radio_meta (out);
    g_assert_nonnull (meta);
    g_assert_cmpuint (meta->embed_dim, ==, 384);
    radio_test_map_output (&m.frame, &m.info, h, out);
    g_assert_cmpint (GST_VIDEO_FRAME_WIDTH (&m.frame), ==, 128);
    for (y = 0; y < 96; y += 4)
      for (x = 0; x < 128; x += 4) {
        guint8 rgb[3];
        radio_test_frame_rgb (&m.frame, x, y, rgb);
        g_hash_table_add (
            colours, GUINT_TO_POINTER (rgb[0] << 16 | rgb[1] << 8 | rgb[2]));
      }
    g_assert_cmpuint (g_hash_table_size (colours), >, 8);
    g_hash_table_unref (colours);
    gst_video_frame_unmap (&m.frame);
    gst_buffer_unref (out);
  }
  radio_test_harness_teardown (h);
}

/* Real pipelines with the built-in model run to the end without error:
 * overlay, and side-by-side on an adaptor's features into a converter. */
static void
test_builtin_model_pipelines (void)
{
  static const gchar *launches[] = {
    "videotestsrc num-buffers=6 pattern=ball ! "
    "video/x-raw,width=160,height=120 ! videoconvert ! radio ! radiovis ! "
    "fakesink",
    "videotestsrc num-buffers=6 ! video/x-raw,width=96,height=64 ! "
    "videoconvert ! radio adaptors=demo ! "
    "radiovis source=demo mode=side-by-side smooth=false ! videoconvert ! "
    "video/x-raw,format=I420,width=192 ! fakesink",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (launches); i++) {
    g_autofree gchar *message = radio_test_run_pipeline (launches[i], NULL);
    if (message)
      g_error ("%s: %s", launches[i], message);
  }
}

int
main (int argc, char **argv)
{
  int ret;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  tmp_dir = radio_test_make_tmp_dir ("test-radiovis-XXXXXX");

  g_test_add_func ("/radiovis/pca/known-directions", test_pca_known_directions);
  g_test_add_func ("/radiovis/pca/sampling", test_pca_sampling);
  g_test_add_func ("/radiovis/pca/exact-colours", test_pca_exact_colours);
  g_test_add_func ("/radiovis/pca/stable", test_pca_stable_across_updates);
  g_test_add_func ("/radiovis/pca/rotation", test_pca_follows_rotation);
  g_test_add_func ("/radiovis/pca/degenerate", test_pca_degenerate);
  g_test_add_func ("/radiovis/pca/files", test_pca_files);
  g_test_add_func ("/radiovis/pca/cost", test_pca_cost);
  g_test_add_func ("/radiovis/element/features", test_element_features_mode);
  g_test_add_func ("/radiovis/element/nearest", test_element_nearest);
  g_test_add_func ("/radiovis/element/overlay", test_element_overlay_alpha);
  g_test_add_func ("/radiovis/element/side-by-side", test_element_side_by_side);
  g_test_add_func (
      "/radiovis/element/hostile-sizes", test_element_hostile_sizes);
  g_test_add_func (
      "/radiovis/element/adaptor-source", test_element_adaptor_source);
  g_test_add_func (
      "/radiovis/element/missing-features", test_element_missing_features);
  g_test_add_func ("/radiovis/element/hold", test_element_hold);
  g_test_add_func ("/radiovis/element/hold-modes", test_element_hold_modes);
  g_test_add_func (
      "/radiovis/element/basis-round-trip", test_element_basis_round_trip);
  g_test_add_func ("/radiovis/element/basis-errors", test_element_basis_errors);
  g_test_add_func (
      "/radiovis/element/renegotiation", test_element_renegotiation);
  g_test_add_func ("/radiovis/element/mode-switch", test_element_mode_switch);
  g_test_add_func ("/radiovis/element/cost", test_element_cost);
  g_test_add_func ("/radiovis/builtin/harness", test_builtin_model_harness);
  g_test_add_func ("/radiovis/builtin/pipelines", test_builtin_model_pipelines);
  ret = g_test_run ();
  radio_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
