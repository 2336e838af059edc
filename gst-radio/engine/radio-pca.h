/* radio-pca.h: a streaming principal component analysis of feature
 * vectors, for painting RADIO's spatial features as colours (radiovis).
 *
 * The state holds running statistics of D-dimensional vectors: their mean
 * [D] and a low-rank approximation of their covariance, the top
 * RADIO_PCA_RANK eigenpairs (orthonormal rows [RADIO_PCA_RANK][D] and their
 * variances).  Each update folds in a frame's vectors [N][D] with a weight
 * w: the statistics become those of the mixture (1 - w) old + w frame, and
 * the top eigenpairs of that mixture are found again by subspace iteration
 * warm-started from the previous ones.  One iteration costs O(N D rank),
 * where a full D x D covariance would cost O(N D^2) per frame (half a
 * billion multiply-adds for a ViT-L grid); keeping more eigenpairs than
 * the three shown keeps the top three accurate.
 *
 * The three shown components follow the previous ones: each new
 * component is matched to the previous component it is closest to (so
 * two components whose variances cross keep their colours) and its sign
 * is flipped to agree with it.  A brand-new component's sign makes its
 * largest coordinate positive, so results are reproducible.
 *
 * Colours: channel k (R, G, B) of a vector x is
 *   255 * clamp (0.5 + p_k / (2 * RADIO_PCA_COLOR_STDS * sqrt (var_k)))
 * rounded, with p_k = (x - mean) . component_k and var_k the running
 * variance of p_k (the eigenvalue): the colour range moves with the same
 * update weight as the basis, so colours do not flicker.  A component
 * without variance (1e-12 of the largest or less) gives 128.
 *
 * Files (safetensors, written by radio_pca_save): `mean` F64 [D],
 * `components` F64 [K][D] (unit rows, K = min (3, D)), `variance` F64 [K];
 * metadata "format" = "gst-radio-pca", "dim", "source" (the features the
 * basis was computed on, "" for the backbone's spatial features or an
 * adaptor's name) and "model_id" of the checkpoint.  The reader also
 * takes F32, F16 and BF16 tensors. */
#ifndef RADIO_PCA_H
#define RADIO_PCA_H

#include <glib.h>

G_BEGIN_DECLS

#define RADIO_PCA_COMPONENTS 3
/* Eigenpairs kept in the running state (at most D). */
#define RADIO_PCA_RANK 8
/* Vectors taken from one frame at most (a fixed stride over the rest). */
#define RADIO_PCA_MAX_SAMPLES 1024
/* The largest dimension a state accepts (ViT-H has 1280). */
#define RADIO_PCA_MAX_DIM 65536
/* Standard deviations each side of the mean that span 0..255. */
#define RADIO_PCA_COLOR_STDS 2.5

typedef struct _RadioPca RadioPca;

/* An empty state for dim-dimensional vectors (1 <= dim <=
 * RADIO_PCA_MAX_DIM): no basis yet, every colour 128. */
RadioPca *radio_pca_new (guint dim);
void radio_pca_free (RadioPca *pca);

guint radio_pca_get_dim (const RadioPca *pca);
/* min (3, dim): the components shown as R, G, B (the rest are 128). */
guint radio_pca_get_n_components (const RadioPca *pca);
/* FALSE until an update has seen a finite vector (or a basis was loaded). */
gboolean radio_pca_has_basis (const RadioPca *pca);

/* Folds n vectors x[n][dim] into the statistics with weight w in (0, 1]
 * (ignored, taken as 1, while there is no basis) and updates the basis.
 * At most RADIO_PCA_MAX_SAMPLES vectors are used, at a fixed stride;
 * vectors with a non-finite value are skipped.  Returns the number used
 * (0: nothing changed). */
guint radio_pca_update (
    RadioPca *pca, const gfloat *x, gsize n, gdouble weight);

/* The running mean [dim], shown component k [dim] (unit length) and its
 * variance, k < radio_pca_get_n_components. */
const gdouble *radio_pca_get_mean (const RadioPca *pca);
const gdouble *radio_pca_get_component (const RadioPca *pca, guint k);
gdouble radio_pca_get_variance (const RadioPca *pca, guint k);

/* proj[n][3]: (x - mean) . component_k, 0 for missing components and for
 * vectors with a non-finite value. */
void radio_pca_project (
    const RadioPca *pca, const gfloat *x, gsize n, gfloat *proj);

/* rgb[n][3]: the colours of n vectors x[n][dim] (see above). */
void radio_pca_colorize (
    const RadioPca *pca, const gfloat *x, gsize n, guint8 *rgb);

/* Writes the basis (see "Files").  source and model_id may be NULL.
 * Errors: RADIO_ERROR_ARGUMENT (no basis yet), RADIO_ERROR_IO. */
gboolean radio_pca_save (const RadioPca *pca, const char *path,
    const char *source, const char *model_id, GError **error);

/* Reads a basis written by radio_pca_save, checking the shapes, that the
 * values are finite, the variances >= 0 and the components orthonormal.
 * *source and *model_id (either may be NULL) receive the metadata or NULL
 * (free with g_free).  Errors: RADIO_ERROR_IO, RADIO_ERROR_FORMAT,
 * RADIO_ERROR_MISSING_TENSOR, RADIO_ERROR_SHAPE. */
RadioPca *radio_pca_load (
    const char *path, gchar **source, gchar **model_id, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RadioPca, radio_pca_free)

G_END_DECLS
#endif /* RADIO_PCA_H */
