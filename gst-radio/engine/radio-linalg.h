/* radio-linalg.h: small dense linear algebra in double precision, and the
 * linear discriminant analysis (LDA) head built on it for
 * radio-make-classifier.
 *
 * Matrices are row-major, n x n, gdouble.  A Cholesky factor is returned
 * in the lower triangle of the matrix it was computed from (the strict
 * upper triangle is left as it was and never read).
 *
 * LDA: with class means mu_k [K, D] and the pooled within-class
 * covariance S [D, D] (the scatter of every vector about its class mean,
 * summed over classes, divided by N - K), the covariance is shrunk
 * towards a scaled identity,
 *   S' = (1 - a) S + a (trace (S) / D) I,   0 < a <= 1,
 * which keeps S' positive definite when there are fewer vectors than
 * dimensions and damps the noise of its small eigenvalues; then
 *   w_k = S'^-1 mu_k,   b_k = -1/2 mu_k . S'^-1 mu_k (+ log prior_k),
 * so that argmax_k (w_k . x + b_k) is the class with the highest Gaussian
 * likelihood under a covariance shared by all classes.  a = 1 gives the
 * nearest-centroid head scaled by D / trace (S). */
#ifndef RADIO_LINALG_H
#define RADIO_LINALG_H

#include <glib.h>

G_BEGIN_DECLS

/* In place: the lower triangle of a [n, n] (symmetric; only the lower
 * triangle is read) becomes L with a = L L^T.  Errors:
 * RADIO_ERROR_ARGUMENT when a is not (numerically) positive definite or
 * holds a non-finite value; the message names the pivot.  a is then
 * partly overwritten. */
gboolean radio_linalg_cholesky (gdouble *a, guint n, GError **error);

/* In place: x [n] becomes the solution of L L^T x = b (b given in x), l
 * a factor from radio_linalg_cholesky. */
void radio_linalg_cholesky_solve (const gdouble *l, guint n, gdouble *x);

/* In place: s [n, n] becomes (1 - a) s + a (trace (s) / n) I. */
void radio_linalg_shrink (gdouble *s, guint n, gdouble a);

/* The class means means [K, D] and the pooled within-class covariance
 * cov [D, D] (scatter / (n - K); scatter / 1 when n <= K) of n vectors
 * x [n, D] whose classes are classes [n] (each < K).  A class without
 * vectors gets a zero mean. */
void radio_linalg_pooled_covariance (const gfloat *x, const guint *classes,
    gsize n, guint n_classes, guint dim, gdouble *means, gdouble *cov);

/* The LDA head (see above) of K class means means [K, D] and the pooled
 * covariance cov [D, D] with shrinkage a (0 < a <= 1): weight [K, D] and
 * bias [K]; log_priors [K] is added to the bias, or NULL (uniform).  chol
 * [D, D]: where the Cholesky factor of S' goes, or NULL.  Errors:
 * RADIO_ERROR_ARGUMENT (a out of range, S' not positive definite, e.g.
 * when every class's vectors are equal and S is 0). */
gboolean radio_linalg_lda_head (const gdouble *means, const gdouble *cov,
    guint n_classes, guint dim, gdouble shrinkage, const gdouble *log_priors,
    gdouble *chol, gfloat *weight, gfloat *bias, GError **error);

G_END_DECLS
#endif /* RADIO_LINALG_H */
