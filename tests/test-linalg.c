/* test-linalg.c: radio-linalg.h against answers worked out by hand.
 *
 * Cholesky: a 3 x 3 matrix built as L L^T from an integer L (the factor
 * must come back), a 40 x 40 one (A x = b solved to round-off), and
 * matrices that are not positive definite (indefinite, singular, zero,
 * NaN), which must fail with an error naming the pivot.  Shrinkage and
 * the pooled covariance on small hand-computed examples.  The LDA head on
 * two classes whose means differ along a high-variance nuisance
 * direction: the nearest centroid puts a class-0 point in class 1, LDA
 * puts it in class 0, and its weights and biases equal the closed form
 * for a covariance that is diagonal in a rotated basis. */
#include <math.h>
#include <string.h>

#include "radio-error.h"
#include "radio-linalg.h"

#define ASSERT_NEAR(a, b, tol)                                                 \
  g_assert_cmpfloat_with_epsilon ((gdouble)(a), (gdouble)(b), (tol))

static void
test_cholesky_small (void)
{
  /* L = [[2, 0, 0], [1, 3, 0], [-1, 2, 1]]: A = L L^T. */
  const gdouble l[9] = { 2, 0, 0, 1, 3, 0, -1, 2, 1 };
  gdouble a[9] = { 4, 2, -2, 2, 10, 5, -2, 5, 6 };
  /* A (1, -2, 3)^T = (-6, -3, 6)^T */
  gdouble x[3] = { -6, -3, 6 };
  GError *error = NULL;
  guint i, j;

  g_assert_true (radio_linalg_cholesky (a, 3, &error));
  g_assert_no_error (error);
  for (i = 0; i < 3; i++)
    for (j = 0; j <= i; j++)
      ASSERT_NEAR (a[i * 3 + j], l[i * 3 + j], 1e-12);
  radio_linalg_cholesky_solve (a, 3, x);
  ASSERT_NEAR (x[0], 1, 1e-12);
  ASSERT_NEAR (x[1], -2, 1e-12);
  ASSERT_NEAR (x[2], 3, 1e-12);
}

static void
test_cholesky_large (void)
{
  const guint n = 40;
  gdouble *b = g_new (gdouble, n * n), *a = g_new0 (gdouble, n * n);
  gdouble *f = g_new (gdouble, n * n), *x = g_new (gdouble, n);
  gdouble *want = g_new (gdouble, n);
  guint32 seed = 12345;
  guint i, j, k;

  /* A = B B^T + I, B with entries in [-1, 1): symmetric positive
   * definite, condition number in the hundreds. */
  for (i = 0; i < n * n; i++) {
    seed = seed * 1664525u + 1013904223u;
    b[i] = (seed >> 8) / (gdouble)(1 << 24) * 2 - 1;
  }
  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++) {
      for (k = 0; k < n; k++)
        a[i * n + j] += b[i * n + k] * b[j * n + k];
      a[i * n + j] += i == j;
    }
  for (i = 0; i < n; i++)
    want[i] = (gdouble)i - n / 2.0;
  for (i = 0; i < n; i++) {
    x[i] = 0;
    for (j = 0; j < n; j++)
      x[i] += a[i * n + j] * want[j];
  }
  memcpy (f, a, sizeof (gdouble) * n * n);
  g_assert_true (radio_linalg_cholesky (f, n, NULL));
  /* L L^T gives A back */
  for (i = 0; i < n; i++)
    for (j = 0; j <= i; j++) {
      gdouble s = 0;
      for (k = 0; k <= j; k++)
        s += f[i * n + k] * f[j * n + k];
      ASSERT_NEAR (s, a[i * n + j], 1e-9);
    }
  radio_linalg_cholesky_solve (f, n, x);
  for (i = 0; i < n; i++)
    ASSERT_NEAR (x[i], want[i], 1e-8);
  g_free (a);
  g_free (b);
  g_free (f);
  g_free (x);
  g_free (want);
}

static void
expect_not_pd (gdouble *a, guint n, const char *pivot)
{
  GError *error = NULL;

  g_assert_false (radio_linalg_cholesky (a, n, &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "not positive definite"));
  g_assert_nonnull (strstr (error->message, pivot));
  g_error_free (error);
}

static void
test_cholesky_not_pd (void)
{
  gdouble indefinite[4] = { 1, 2, 2, 1 }; /* eigenvalues 3, -1 */
  gdouble singular[4] = { 1, 1, 1, 1 };
  gdouble zero[4] = { 0, 0, 0, 0 };
  gdouble negative[4] = { -1, 0, 0, 1 };
  gdouble nan_entry[4] = { 1, 0, NAN, 1 };

  expect_not_pd (indefinite, 2, "pivot 1 of 2");
  expect_not_pd (singular, 2, "pivot 1 of 2");
  expect_not_pd (zero, 2, "pivot 0 of 2");
  expect_not_pd (negative, 2, "pivot 0 of 2");
  expect_not_pd (nan_entry, 2, "pivot 1 of 2");
}

static void
test_shrink (void)
{
  gdouble s[4] = { 4, 1, 1, 2 };

  /* trace / n = 3: 0.75 S + 0.25 * 3 I */
  radio_linalg_shrink (s, 2, 0.25);
  ASSERT_NEAR (s[0], 3.75, 1e-15);
  ASSERT_NEAR (s[1], 0.75, 1e-15);
  ASSERT_NEAR (s[2], 0.75, 1e-15);
  ASSERT_NEAR (s[3], 2.25, 1e-15);
}

static void
test_pooled_covariance (void)
{
  /* class 0: (0, 0), (2, 0), mean (1, 0), scatter [[2, 0], [0, 0]];
   * class 1: (1, 4), (-1, 6), mean (0, 5), scatter [[2, -2], [-2, 2]];
   * class 2: (7, 7) alone, no scatter.  N - K = 2. */
  const gfloat x[10] = { 0, 0, 1, 4, 2, 0, 7, 7, -1, 6 };
  const guint classes[5] = { 0, 1, 0, 2, 1 };
  const gdouble want_means[6] = { 1, 0, 0, 5, 7, 7 };
  const gdouble want_cov[4] = { 2, -1, -1, 1 };
  gdouble means[6], cov[4];
  guint i;

  radio_linalg_pooled_covariance (x, classes, 5, 3, 2, means, cov);
  for (i = 0; i < 6; i++)
    ASSERT_NEAR (means[i], want_means[i], 1e-12);
  for (i = 0; i < 4; i++)
    ASSERT_NEAR (cov[i], want_cov[i], 1e-12);
}

/* A 2-d problem in a basis rotated by 30 degrees: along u the classes are
 * tight (variance 0.01), along v (the nuisance) they spread (variance
 * 100), and their means differ by 1 along u and by 3 along v. */
#define VAR_U 0.01
#define VAR_V 100.0

static void
rotated (gdouble u, gdouble v, gdouble *out)
{
  const gdouble c = cos (G_PI / 6), s = sin (G_PI / 6);

  out[0] = c * u - s * v;
  out[1] = s * u + c * v;
}

static void
test_lda_nuisance (void)
{
  const gdouble mu_uv[2][2] = { { 0, 0 }, { 1, 3 } };
  const gdouble a = 1e-4, target = (VAR_U + VAR_V) / 2;
  /* S' is diagonal in (u, v) too: the shrinkage adds a multiple of I */
  const gdouble su = (1 - a) * VAR_U + a * target;
  const gdouble sv = (1 - a) * VAR_V + a * target;
  gdouble means[4], cov[4], u[2], v[2], x[2], chol[4];
  gfloat weight[4], bias[2];
  gdouble centroid[2], lda[2];
  GError *error = NULL;
  guint k, c;

  /* cov = VAR_U u u^T + VAR_V v v^T */
  rotated (1, 0, u);
  rotated (0, 1, v);
  for (c = 0; c < 4; c++)
    cov[c] = VAR_U * u[c / 2] * u[c % 2] + VAR_V * v[c / 2] * v[c % 2];
  for (k = 0; k < 2; k++)
    rotated (mu_uv[k][0], mu_uv[k][1], means + 2 * k);
  g_assert_true (radio_linalg_lda_head (
      means, cov, 2, 2, a, NULL, chol, weight, bias, &error));
  g_assert_no_error (error);

  /* Closed form in (u, v): w = (mu_u / su, mu_v / sv), rotated back;
   * b = -1/2 (mu_u^2 / su + mu_v^2 / sv). */
  for (k = 0; k < 2; k++) {
    gdouble w[2];
    rotated (mu_uv[k][0] / su, mu_uv[k][1] / sv, w);
    ASSERT_NEAR (weight[2 * k], w[0], 1e-4 * fabs (1 / su));
    ASSERT_NEAR (weight[2 * k + 1], w[1], 1e-4 * fabs (1 / su));
    ASSERT_NEAR (bias[k],
        -0.5
            * (mu_uv[k][0] * mu_uv[k][0] / su + mu_uv[k][1] * mu_uv[k][1] / sv),
        1e-3);
  }

  /* A class-0 point: u = 0.1 (1 sd of the tight direction), v = 2.5 (a
   * quarter sd of the nuisance).  Nearest centroid: |x - mu_0|^2 = 6.26,
   * |x - mu_1|^2 = 1.06, class 1.  LDA: class 0 by far. */
  rotated (0.1, 2.5, x);
  for (k = 0; k < 2; k++) {
    const gdouble *mu = means + 2 * k;
    centroid[k]
        = mu[0] * x[0] + mu[1] * x[1] - 0.5 * (mu[0] * mu[0] + mu[1] * mu[1]);
    lda[k] = weight[2 * k] * x[0] + weight[2 * k + 1] * x[1] + bias[k];
  }
  g_assert_cmpfloat (centroid[1], >, centroid[0]);
  g_assert_cmpfloat (lda[0], >, lda[1] + 10);
}

static void
test_lda_full_shrinkage_and_priors (void)
{
  /* a = 1: S' = (trace / D) I = 2 I, the centroid head halved; the log
   * priors add to the bias as given. */
  const gdouble means[4] = { 1, 2, -3, 0.5 };
  const gdouble cov[4] = { 3, 1, 1, 1 };
  const gdouble log_priors[2] = { log (0.25), log (0.75) };
  gfloat weight[4], bias[2];
  guint i;

  g_assert_true (radio_linalg_lda_head (
      means, cov, 2, 2, 1.0, log_priors, NULL, weight, bias, NULL));
  for (i = 0; i < 4; i++)
    ASSERT_NEAR (weight[i], means[i] / 2, 1e-6);
  ASSERT_NEAR (bias[0], -0.5 * (1 + 4) / 2 + log (0.25), 1e-6);
  ASSERT_NEAR (bias[1], -0.5 * (9 + 0.25) / 2 + log (0.75), 1e-6);
}

static void
test_lda_errors (void)
{
  const gdouble means[2] = { 1, 2 };
  const gdouble cov[1] = { 1 }, zero[1] = { 0 };
  const gdouble bad[] = { 0, -0.1, 1.5, NAN };
  gfloat weight[2], bias[2];
  GError *error = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_assert_false (radio_linalg_lda_head (
        means, cov, 2, 1, bad[i], NULL, NULL, weight, bias, &error));
    g_assert_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "shrinkage"));
    g_clear_error (&error);
  }
  /* every class's vectors equal: S = 0, so S' = 0 whatever a */
  g_assert_false (radio_linalg_lda_head (
      means, zero, 2, 1, 0.5, NULL, NULL, weight, bias, &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "not positive definite"));
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/linalg/cholesky/small", test_cholesky_small);
  g_test_add_func ("/linalg/cholesky/large", test_cholesky_large);
  g_test_add_func (
      "/linalg/cholesky/not-positive-definite", test_cholesky_not_pd);
  g_test_add_func ("/linalg/shrink", test_shrink);
  g_test_add_func ("/linalg/pooled-covariance", test_pooled_covariance);
  g_test_add_func ("/linalg/lda/nuisance-direction", test_lda_nuisance);
  g_test_add_func ("/linalg/lda/full-shrinkage-and-priors",
      test_lda_full_shrinkage_and_priors);
  g_test_add_func ("/linalg/lda/errors", test_lda_errors);
  return g_test_run ();
}
