/* radio-make-classifier: a linear head (radio-head.h) made from labelled
 * images, for radioclassify and radiosegment.
 *
 *   radio-make-classifier --model DIR [--adaptor NAME]
 *       [--scoring cosine|linear] [--head centroid|lda [--shrinkage A]
 *       [--priors]] [--size WxH] [--backend cpu|cuda|auto]
 *       [--skip-bad] --output HEAD.safetensors [--labels LABELS.txt]
 *       IMAGES_DIR
 *
 * Classify mode: one class per subfolder of IMAGES_DIR (label = folder
 * name, classes sorted by name), one summary vector per image.  cosine:
 * w_k = normalise (mean of the L2-normalised summaries), b_k = 0; linear
 * scoring takes one of two heads (--head):
 *   centroid  w_k = mu_k, b_k = -|mu_k|^2 / 2, for which argmax_k (w_k . x
 *             + b_k) = argmin_k |x - mu_k|: Euclidean distance, which a few
 *             high-variance feature directions dominate;
 *   lda       linear discriminant analysis (radio-linalg.h): S the pooled
 *             within-class covariance, S' = (1 - A) S + A (trace (S) / D) I
 *             with A = --shrinkage (default 0.1), w_k = S'^-1 mu_k, b_k =
 *             -1/2 mu_k . S'^-1 mu_k: the distance is measured in units of
 *             the within-class spread of each direction.  --priors adds
 *             log (n_k / N) to b_k; the default is uniform priors, because
 *             the training counts (images per folder, patches per class)
 *             say how much was collected or how large a class is in the
 *             training pictures, not how often it appears in new ones; on
 *             coffee.png priors gained leave-one-out patches only in the
 *             largest class (table) and lost some in every other one.
 * Both heads are plain linear heads: the elements score them alike.  lda
 * is the default: on pipelines/data/coffee.png it took leave-one-out
 * accuracy from 51% to 77% on patches (--segment) and from 45% to 86% on
 * 32x32 crops (classify mode); see the README.
 *
 *   radio-make-classifier --segment --masks MASK_DIR --labels-in CLASSES.txt
 *       --model DIR [--adaptor NAME] ... --output HEAD.safetensors IMAGES_DIR
 *
 * Segment mode: every image of IMAGES_DIR has a PNG mask MASK_DIR/NAME.png
 * (same base name, same size) holding one class index per pixel, 255 =
 * ignore.  Each patch of the spatial grid takes the majority class of the
 * mask pixels it covers (the pixel centres that fall in it under the same
 * stretch the model input uses); patches that are mostly ignore are left
 * out.  The head is made from the patch features as in classify mode's
 * linear scoring.
 *
 * It prints the images (or patches) per class and the accuracy of the
 * head on the data it was made from: training accuracy and leave-one-out
 * accuracy (each vector scored against prototypes made without it; for
 * lda the vector leaves its class mean and its own term of the pooled
 * scatter, exactly, by a Sherman-Morrison update, while the shrinkage
 * target trace (S) / D and the divisor N - K stay those of all N vectors,
 * a change of O(1/N) that is left out), and in segment mode the share of
 * labelled mask pixels whose cell gets their class.  For that both modes
 * keep every image's features in memory (D floats per image, cells x D
 * floats in segment mode); lda adds two D x D doubles (21 MB for D =
 * 1152) and O(D^3) work for the factorisation. */
#include <glib.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "radio-checkpoint.h"
#include "radio-error.h"
#include "radio-head.h"
#include "radio-image.h"
#include "radio-linalg.h"
#include "radio-model-cache.h"
#include "radio-runner.h"
#include "radio-tool-util.h"

#define PROG "radio-make-classifier"
#define MASK_IGNORE 255
#define DEFAULT_SHRINKAGE 0.1

typedef enum {
  HEAD_CENTROID,
  HEAD_LDA,
} HeadKind;

typedef struct {
  char *model;
  char *adaptor;
  char *scoring;
  char *head;
  char *shrinkage_text; /* --shrinkage as given, or NULL */
  gdouble shrinkage;
  gboolean priors;
  char *size;
  char *backend;
  char *output;
  char *labels;
  gboolean segment;
  char *masks;
  char *labels_in;
  gboolean skip_bad;
  gboolean quiet;
  char **rest;
} Options;

/* The model and where the features come from. */
typedef struct {
  const Options *opt;
  RadioCheckpoint *ckpt;
  RadioRunner *runner;
  RadioRunnerConfig base;
  const char *adaptors[2];
  guint size_width, size_height; /* --size, 0 when not given */
  gboolean described;            /* the backend line is printed */
} Extractor;

/* The classes and the training features, filled by either mode. */
typedef struct {
  GPtrArray *labels;  /* [K] gchar* */
  guint8 *colors;     /* [K, 3] or NULL */
  guint dim;
  GArray *features;   /* [N, dim] floats */
  GArray *classes;    /* [N] guint class of each feature vector */
  guint *counts;      /* [K] images (classify) or patches (segment) */
} Training;

static const char *
scoring_name (RadioHeadScoring scoring)
{
  return scoring == RADIO_HEAD_SCORING_COSINE ? "cosine" : "linear";
}

/* ---- files --------------------------------------------------------------- */

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The entries of dir, sorted by name; hidden ones (".name") are not data
 * (editor and OS droppings) and are left out. */
static GPtrArray *
list_dir (const char *dir, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  GPtrArray *names;
  const char *name;

  if (!d)
    return NULL;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (d)))
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

/* "NAME.png" for an image file name "NAME.ext" (or "NAME"). */
static char *
mask_name (const char *image_name)
{
  const char *dot = strrchr (image_name, '.');
  gsize stem = dot && dot != image_name ? (gsize) (dot - image_name)
      : strlen (image_name);

  return g_strdup_printf ("%.*s.png", (int) stem, image_name);
}

/* Loads an image; with --skip-bad a file that is not one is reported and
 * *skipped set instead of failing. */
static RadioImage *
load_image (const Options *opt, const char *path, gboolean *skipped,
    GError **error)
{
  g_autoptr (GError) local = NULL;
  RadioImage *image;

  *skipped = FALSE;
  if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
    g_set_error (&local, RADIO_ERROR, RADIO_ERROR_IMAGE,
        "%s is a folder, not an image", path);
    image = NULL;
  } else {
    image = radio_image_load (path, &local);
  }
  if (image)
    return image;
  if (opt->skip_bad && local->code == RADIO_ERROR_IMAGE) {
    g_printerr (PROG ": skipping %s\n", local->message);
    *skipped = TRUE;
    return NULL;
  }
  g_propagate_error (error, g_steal_pointer (&local));
  return NULL;
}

/* Reads CLASSES.txt, a labels file (radio-head.h): one class per line,
 * optional " #RRGGBB" colour (classes without one get the palette's). */
static gboolean
read_classes (const char *path, Training *t, GError **error)
{
  g_auto (GStrv) labels = NULL;
  guint n, i;

  if (!radio_head_read_labels (path, 0, &labels, &t->colors, &n, error))
    return FALSE;
  /* mask values 0..254 are classes: up to 255 of them */
  if (n == 0 || n > MASK_IGNORE) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "%s has %u classes; masks hold 1 to %u", path, n, MASK_IGNORE);
    return FALSE;
  }
  for (i = 0; i < n; i++)
    g_ptr_array_add (t->labels, g_steal_pointer (&labels[i]));
  return TRUE;
}

/* ---- features ------------------------------------------------------------ */

/* Runs the model on image; returns the summary (spatial FALSE) or the
 * spatial grid [*gh, *gw, *dim] of the chosen source, owned by the
 * runner. */
static const float *
extract (Extractor *ex, const RadioImage *image, gboolean spatial,
    guint *dim, guint *gh, guint *gw, GError **error)
{
  const RadioOutputs *out;
  guint in_w, in_h, i;
  gboolean created;

  radio_tool_input_size (ex->ckpt, image, ex->size_width, ex->size_height,
      &in_w, &in_h);
  out = radio_tool_run_image (&ex->runner, ex->ckpt, &ex->base, image, in_w,
      in_h, &created, error);
  if (!out)
    return NULL;
  if (created && !ex->described) {
    if (!ex->opt->quiet)
      g_print ("backend: %s\n", radio_runner_describe (ex->runner));
    if (radio_runner_get_notice (ex->runner))
      g_printerr (PROG ": note: %s\n", radio_runner_get_notice (ex->runner));
    ex->described = TRUE;
  }
  if (!ex->opt->adaptor) {
    *dim = spatial ? out->dim : out->summary_length;
    *gh = out->grid_height;
    *gw = out->grid_width;
    return spatial ? out->spatial : out->summary;
  }
  for (i = 0; i < out->n_adaptors; i++) {
    const RadioAdaptorOutput *a = &out->adaptors[i];
    if (strcmp (a->name, ex->opt->adaptor) != 0)
      continue;
    *dim = spatial ? a->spatial_dim : a->summary_dim;
    *gh = a->spatial_height;
    *gw = a->spatial_width;
    return spatial ? a->spatial : a->summary;
  }
  g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
      "the model produced no output for adaptor %s", ex->opt->adaptor);
  return NULL;
}

/* Checks the feature size stays the same from image to image. */
static gboolean
check_dim (Training *t, guint dim, const char *path, GError **error)
{
  if (t->dim == 0)
    t->dim = dim;
  if (dim == 0 || dim != t->dim) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_SHAPE,
        "%s gives %u-dim features, the images before it %u", path, dim,
        t->dim);
    return FALSE;
  }
  return TRUE;
}

/* ---- classify mode ------------------------------------------------------- */

static gboolean
collect_classes (Extractor *ex, const char *root, Training *t,
    GError **error)
{
  const Options *opt = ex->opt;
  g_autoptr (GPtrArray) top = list_dir (root, error);
  guint i, j;

  if (!top)
    return FALSE;
  for (i = 0; i < top->len; i++) {
    const char *name = top->pdata[i];
    g_autofree char *dir = g_build_filename (root, name, NULL);
    g_autoptr (GPtrArray) files = NULL;
    guint klass = t->labels->len, n = 0;

    if (!g_file_test (dir, G_FILE_TEST_IS_DIR)) {
      if (opt->skip_bad) {
        g_printerr (PROG ": skipping %s: not a class folder\n", dir);
        continue;
      }
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
          "%s is not a folder: %s must hold one folder of images per class "
          "(--skip-bad ignores other files)", dir, root);
      return FALSE;
    }
    if (!(files = list_dir (dir, error)))
      return FALSE;
    for (j = 0; j < files->len; j++) {
      g_autofree char *path = g_build_filename (dir, files->pdata[j], NULL);
      g_autoptr (RadioImage) image = NULL;
      const float *x;
      guint dim, gh, gw;
      gboolean skipped;

      image = load_image (opt, path, &skipped, error);
      if (skipped)
        continue;
      if (!image)
        return FALSE;
      x = extract (ex, image, FALSE, &dim, &gh, &gw, error);
      if (!x || !check_dim (t, dim, path, error))
        return FALSE;
      g_array_append_vals (t->features, x, dim);
      g_array_append_val (t->classes, klass);
      n++;
    }
    if (n == 0) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
          "class folder %s has no images", dir);
      return FALSE;
    }
    g_ptr_array_add (t->labels, g_strdup (name));
    t->counts = g_renew (guint, t->counts, t->labels->len);
    t->counts[klass] = n;
  }
  if (t->labels->len == 0) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "%s has no class folders (one folder of images per class)", root);
    return FALSE;
  }
  return TRUE;
}

/* ---- segment mode -------------------------------------------------------- */

/* Finds the first index >= n_classes (not 255) in a mask. */
static gboolean
check_mask (const guint8 *mask, guint width, guint height, guint n_classes,
    const char *path, GError **error)
{
  gsize i, n = (gsize) width * height;

  for (i = 0; i < n; i++)
    if (mask[i] >= n_classes && mask[i] != MASK_IGNORE) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_IMAGE,
          "mask %s: pixel (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ") has "
          "class %u, but there are %u classes (0..%u; 255 = ignore)", path,
          i % width, i / width, mask[i], n_classes, n_classes - 1);
      return FALSE;
    }
  return TRUE;
}

/* Per-cell histograms of a mask: hist[cell][K + 1] (the last bin counts
 * ignored pixels).  A pixel belongs to the cell its centre falls in when
 * the image is stretched onto the gw x gh grid, as the model input is. */
static void
cell_histograms (const guint8 *mask, guint width, guint height, guint gw,
    guint gh, guint n_classes, guint32 *hist)
{
  guint x, y;

  memset (hist, 0, sizeof (guint32) * gw * gh * (n_classes + 1));
  for (y = 0; y < height; y++) {
    guint row = (guint) (((guint64) 2 * y + 1) * gh / (2 * (guint64) height));
    for (x = 0; x < width; x++) {
      guint col = (guint) (((guint64) 2 * x + 1) * gw
          / (2 * (guint64) width));
      guint8 v = mask[(gsize) y * width + x];
      guint bin = v == MASK_IGNORE ? n_classes : v;
      hist[((gsize) row * gw + col) * (n_classes + 1) + bin]++;
    }
  }
}

/* The majority class of a cell, or -1 when most of it is ignored. */
static gint
cell_label (const guint32 *h, guint n_classes)
{
  guint32 total = h[n_classes];
  guint k, best = 0;

  for (k = 0; k < n_classes; k++) {
    total += h[k];
    if (h[k] > h[best])
      best = k;
  }
  if (total == 0 || h[best] == 0 || 2 * (guint64) h[n_classes] > total)
    return -1;
  return best;
}

/* What the pixel accuracy needs: every cell of every image (labelled or
 * not), its features and its mask histogram. */
typedef struct {
  GArray *cell_features; /* [cells, dim] every cell, labelled or not */
  GArray *cell_hist;     /* [cells, K + 1] guint32 */
} PixelStats;

static gboolean
collect_segments (Extractor *ex, const char *root, Training *t,
    PixelStats *ps, GError **error)
{
  const Options *opt = ex->opt;
  g_autoptr (GPtrArray) files = list_dir (root, error);
  guint K = t->labels->len, i, n_images = 0;

  if (!files)
    return FALSE;
  t->counts = g_new0 (guint, K);
  for (i = 0; i < files->len; i++) {
    const char *name = files->pdata[i];
    g_autofree char *path = g_build_filename (root, name, NULL);
    g_autofree char *mname = mask_name (name);
    g_autofree char *mpath = g_build_filename (opt->masks, mname, NULL);
    g_autofree guint8 *mask = NULL;
    g_autofree guint32 *hist = NULL;
    g_autoptr (RadioImage) image = NULL;
    guint mw = 0, mh = 0, dim, gh, gw, c;
    const float *x;
    gboolean skipped;

    image = load_image (opt, path, &skipped, error);
    if (skipped)
      continue;
    if (!image)
      return FALSE;
    if (!g_file_test (mpath, G_FILE_TEST_EXISTS)) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_IO,
          "no mask for %s: expected %s", path, mpath);
      return FALSE;
    }
    mask = radio_image_load_indices (mpath, &mw, &mh, error);
    if (!mask)
      return FALSE;
    if (mw != image->width || mh != image->height) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_IMAGE,
          "mask %s is %ux%u but its image %s is %ux%u", mpath, mw, mh, path,
          image->width, image->height);
      return FALSE;
    }
    if (!check_mask (mask, mw, mh, K, mpath, error))
      return FALSE;
    x = extract (ex, image, TRUE, &dim, &gh, &gw, error);
    if (!x || !check_dim (t, dim, path, error))
      return FALSE;
    hist = g_new (guint32, (gsize) gh * gw * (K + 1));
    cell_histograms (mask, mw, mh, gw, gh, K, hist);
    for (c = 0; c < gh * gw; c++) {
      gint label = cell_label (hist + (gsize) c * (K + 1), K);
      if (label < 0)
        continue;
      g_array_append_vals (t->features, x + (gsize) c * dim, dim);
      g_array_append_val (t->classes, label);
      t->counts[label]++;
    }
    g_array_append_vals (ps->cell_features, x, (gsize) gh * gw * dim);
    g_array_append_vals (ps->cell_hist, hist, (gsize) gh * gw * (K + 1));
    n_images++;
  }
  if (n_images == 0) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "%s has no images", root);
    return FALSE;
  }
  for (i = 0; i < K; i++)
    if (t->counts[i] == 0) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
          "class %u '%s' covers no patch in any mask (every class needs at "
          "least one patch that is mostly that class)", i,
          (const char *) t->labels->pdata[i]);
      return FALSE;
    }
  return TRUE;
}

/* ---- the head ------------------------------------------------------------ */

static void
set_inv_norm (RadioHead *head, guint k)
{
  const float *w = head->weight + (gsize) k * head->dim;
  gdouble s = 0;
  guint c;

  for (c = 0; c < head->dim; c++)
    s += (gdouble) w[c] * w[c];
  head->inv_norm[k] = s > 0 ? (float) (1.0 / sqrt (s)) : 0.0f;
}

/* Row k of the head from the sum of its class's vectors (n of them):
 * cosine: the normalised sum of the normalised vectors (sum holds those);
 * linear: the centroid, with bias -|mu|^2/2. */
static void
set_prototype (RadioHead *head, RadioHeadScoring scoring, guint k,
    const gdouble *sum, guint n)
{
  float *w = head->weight + (gsize) k * head->dim;
  gdouble sq = 0, scale;
  guint c;

  for (c = 0; c < head->dim; c++)
    sq += sum[c] * sum[c];
  if (scoring == RADIO_HEAD_SCORING_COSINE)
    scale = sq > 0 ? 1.0 / sqrt (sq) : 0.0;
  else
    scale = 1.0 / n;
  for (c = 0; c < head->dim; c++)
    w[c] = (float) (sum[c] * scale);
  head->bias[k] = scoring == RADIO_HEAD_SCORING_COSINE ? 0.0f
      : (float) (-0.5 * sq * scale * scale);
  set_inv_norm (head, k);
}

/* The vector that goes into class sums: x itself, or x / |x| for cosine. */
static void
sum_term (const float *x, guint dim, RadioHeadScoring scoring, gdouble *out)
{
  gdouble s = 0, scale = 1.0;
  guint c;

  if (scoring == RADIO_HEAD_SCORING_COSINE) {
    for (c = 0; c < dim; c++)
      s += (gdouble) x[c] * x[c];
    scale = s > 0 ? 1.0 / sqrt (s) : 0.0;
  }
  for (c = 0; c < dim; c++)
    out[c] = x[c] * scale;
}

static RadioHead *
make_head (const Training *t, RadioHeadScoring scoring, gdouble **sums_out)
{
  RadioHead *head = g_new0 (RadioHead, 1);
  guint K = t->labels->len, D = t->dim, i;
  gdouble *sums = g_new0 (gdouble, (gsize) K * D);
  gdouble *term = g_new (gdouble, D);
  const float *x = (const float *) t->features->data;

  head->n_classes = K;
  head->dim = D;
  head->weight = g_new (float, (gsize) K * D);
  head->bias = g_new0 (float, K);
  head->inv_norm = g_new (float, K);
  for (i = 0; i < t->classes->len; i++) {
    guint k = g_array_index (t->classes, guint, i), c;
    sum_term (x + (gsize) i * D, D, scoring, term);
    for (c = 0; c < D; c++)
      sums[(gsize) k * D + c] += term[c];
  }
  for (i = 0; i < K; i++)
    set_prototype (head, scoring, i, sums + (gsize) i * D, t->counts[i]);
  g_free (term);
  *sums_out = sums;
  return head;
}

static guint
predict (const RadioHead *head, RadioHeadScoring scoring, const float *x,
    float *logits)
{
  guint best;

  radio_head_logits (head, scoring, x, logits);
  radio_head_top_k (logits, head->n_classes, 1, &best);
  return best;
}

/* Leave-one-out for the centroid and cosine heads: each vector leaves its
 * class's prototype before it is scored (classes of one vector cannot be
 * left out; those are not counted).  Returns the right ones, the counted
 * ones in *n_out. */
static guint
centroid_loo (RadioHead *head, RadioHeadScoring scoring, const Training *t,
    const gdouble *sums, guint *n_out)
{
  guint D = t->dim, K = head->n_classes, N = t->classes->len, i, c;
  guint right = 0, n = 0;
  float *logits = g_new (float, K), *saved = g_new (float, D + 2);
  gdouble *sum = g_new (gdouble, D), *term = g_new (gdouble, D);
  const float *x = (const float *) t->features->data;

  for (i = 0; i < N; i++) {
    const float *xi = x + (gsize) i * D;
    guint k = g_array_index (t->classes, guint, i);

    if (t->counts[k] < 2)
      continue;
    memcpy (saved, head->weight + (gsize) k * D, D * sizeof (float));
    saved[D] = head->bias[k];
    saved[D + 1] = head->inv_norm[k];
    sum_term (xi, D, scoring, term);
    for (c = 0; c < D; c++)
      sum[c] = sums[(gsize) k * D + c] - term[c];
    set_prototype (head, scoring, k, sum, t->counts[k] - 1);
    right += predict (head, scoring, xi, logits) == k;
    n++;
    memcpy (head->weight + (gsize) k * D, saved, D * sizeof (float));
    head->bias[k] = saved[D];
    head->inv_norm[k] = saved[D + 1];
  }
  g_free (logits);
  g_free (saved);
  g_free (sum);
  g_free (term);
  *n_out = n;
  return right;
}

/* What the LDA leave-one-out needs besides the head, in double. */
typedef struct {
  gdouble *means;        /* [K, D] mu_k */
  gdouble *chol;         /* [D, D] Cholesky factor of S' (lower) */
  gdouble *proj;         /* [K, D] S'^-1 mu_k */
  gdouble *quad;         /* [K] mu_k . S'^-1 mu_k */
  gdouble scatter_scale; /* (1 - A) / (N - K): S' per unit of scatter */
} Lda;

static void
lda_clear (Lda *lda)
{
  g_free (lda->means);
  g_free (lda->chol);
  g_free (lda->proj);
  g_free (lda->quad);
}

static gdouble
dot (const gdouble *a, const gdouble *b, guint n)
{
  gdouble s = 0;
  guint i;

  for (i = 0; i < n; i++)
    s += a[i] * b[i];
  return s;
}

/* The log prior of class k with n of the N vectors, or 0 (uniform). */
static gdouble
log_prior (gboolean priors, guint n, guint N)
{
  return priors ? log ((gdouble) n / N) : 0.0;
}

/* The LDA head (radio-linalg.h) of the training vectors; fills lda. */
static RadioHead *
make_lda_head (const Training *t, const Options *opt, Lda *lda,
    GError **error)
{
  g_autoptr (RadioHead) head = g_new0 (RadioHead, 1);
  guint K = t->labels->len, D = t->dim, N = t->classes->len, k;
  g_autofree gdouble *cov = g_new (gdouble, (gsize) D * D);
  g_autofree gdouble *priors = NULL;

  head->n_classes = K;
  head->dim = D;
  head->weight = g_new (float, (gsize) K * D);
  head->bias = g_new0 (float, K);
  head->inv_norm = g_new (float, K);
  lda->means = g_new (gdouble, (gsize) K * D);
  lda->chol = g_new (gdouble, (gsize) D * D);
  lda->proj = g_new (gdouble, (gsize) K * D);
  lda->quad = g_new (gdouble, K);
  lda->scatter_scale = (1.0 - opt->shrinkage) / (N > K ? N - K : 1);
  radio_linalg_pooled_covariance ((const float *) t->features->data,
      (const guint *) t->classes->data, N, K, D, lda->means, cov);
  if (opt->priors) {
    priors = g_new (gdouble, K);
    for (k = 0; k < K; k++)
      priors[k] = log_prior (TRUE, t->counts[k], N);
  }
  if (!radio_linalg_lda_head (lda->means, cov, K, D, opt->shrinkage, priors,
          lda->chol, head->weight, head->bias, error)) {
    g_prefix_error (error, "cannot make the LDA head (--head centroid "
        "needs no covariance): ");
    return NULL;
  }
  for (k = 0; k < K; k++) {
    gdouble *p = lda->proj + (gsize) k * D;
    memcpy (p, lda->means + (gsize) k * D, sizeof (gdouble) * D);
    radio_linalg_cholesky_solve (lda->chol, D, p);
    lda->quad[k] = dot (lda->means + (gsize) k * D, p, D);
    set_inv_norm (head, k);
  }
  return g_steal_pointer (&head);
}

/* Leave-one-out for the LDA head.  Taking x (class k, n_k vectors) out
 * moves mu_k to mu_k - d / (n_k - 1), d = x - mu_k, and takes n_k / (n_k -
 * 1) d d^T from the scatter, so S' loses c d d^T, c = scatter_scale n_k /
 * (n_k - 1) (the shrinkage target and the divisor N - K are kept: see the
 * header).  Sherman-Morrison: (S' - c d d^T)^-1 y = S'^-1 y + c e (e . y) /
 * (1 - c d . e), e = S'^-1 d; so each class's logit is a few dot products
 * with z = S'^-1 x and e, one solve per vector.  With --priors, n_k and N
 * lose one too. */
static guint
lda_loo (const Training *t, const Lda *lda, gboolean priors, guint *n_out)
{
  guint D = t->dim, K = t->labels->len, N = t->classes->len, i, j, c;
  guint right = 0, n = 0;
  gdouble *xd = g_new (gdouble, D), *d = g_new (gdouble, D);
  gdouble *z = g_new (gdouble, D), *e = g_new (gdouble, D);
  const float *x = (const float *) t->features->data;

  for (i = 0; i < N; i++) {
    guint k = g_array_index (t->classes, guint, i), best = 0;
    gdouble nk = t->counts[k], cc, den, dz, de, best_logit = -G_MAXDOUBLE;
    const gdouble *pk = lda->proj + (gsize) k * D;

    if (t->counts[k] < 2)
      continue;
    for (c = 0; c < D; c++) {
      xd[c] = x[(gsize) i * D + c];
      d[c] = xd[c] - lda->means[(gsize) k * D + c];
      z[c] = xd[c];
    }
    radio_linalg_cholesky_solve (lda->chol, D, z);
    for (c = 0; c < D; c++)
      e[c] = z[c] - pk[c];
    cc = lda->scatter_scale * nk / (nk - 1);
    dz = dot (d, z, D);
    de = dot (d, e, D);
    den = 1.0 - cc * de;
    for (j = 0; j < K; j++) {
      const gdouble *pj = lda->proj + (gsize) j * D;
      gdouble mz = dot (pj, xd, D), me = dot (pj, d, D), mm = lda->quad[j];
      gdouble logit;

      if (j == k) {
        mm += -2.0 * me / (nk - 1) + de / ((nk - 1) * (nk - 1));
        mz -= dz / (nk - 1);
        me -= de / (nk - 1);
      }
      logit = mz + cc * me * dz / den - 0.5 * (mm + cc * me * me / den)
          + log_prior (priors, t->counts[j] - (j == k), N - 1);
      if (logit > best_logit) {
        best_logit = logit;
        best = j;
      }
    }
    right += best == k;
    n++;
  }
  g_free (xd);
  g_free (d);
  g_free (z);
  g_free (e);
  *n_out = n;
  return right;
}

/* Prints the training-set accuracy of head and the leave-one-out one
 * (loo_right of loo_n). */
static void
report_accuracy (const RadioHead *head, RadioHeadScoring scoring,
    const Training *t, guint loo_right, guint loo_n, const char *what)
{
  guint D = t->dim, N = t->classes->len, i, right = 0;
  float *logits = g_new (float, head->n_classes);
  const float *x = (const float *) t->features->data;

  for (i = 0; i < N; i++)
    right += predict (head, scoring, x + (gsize) i * D, logits)
        == g_array_index (t->classes, guint, i);
  g_print ("training accuracy: %.1f%% (%u/%u %s)\n", 100.0 * right / N,
      right, N, what);
  if (loo_n)
    g_print ("leave-one-out accuracy: %.1f%% (%u/%u %s)\n",
        100.0 * loo_right / loo_n, loo_right, loo_n, what);
  else
    g_print ("leave-one-out accuracy: n/a (no class has two %s)\n", what);
  g_free (logits);
}

/* The mask pixels whose cell the head gives their class, as radiosegment
 * smooth=false draws it. */
static void
report_pixel_accuracy (const RadioHead *head, const PixelStats *ps)
{
  guint K = head->n_classes, D = head->dim;
  gsize cells = ps->cell_hist->len / (K + 1), c;
  guint64 right = 0, total = 0;
  float *logits = g_new (float, K);

  for (c = 0; c < cells; c++) {
    const guint32 *h = &g_array_index (ps->cell_hist, guint32, c * (K + 1));
    const float *x = &g_array_index (ps->cell_features, float, c * D);
    guint k, best = predict (head, RADIO_HEAD_SCORING_LINEAR, x, logits);

    for (k = 0; k < K; k++)
      total += h[k];
    right += h[best];
  }
  g_print ("training pixel accuracy: %.1f%% (%" G_GUINT64_FORMAT "/%"
      G_GUINT64_FORMAT " labelled pixels)\n",
      total ? 100.0 * right / total : 0.0, right, total);
  g_free (logits);
}

static gboolean
save_head (const Options *opt, const Extractor *ex, const Training *t,
    const RadioHead *head, RadioHeadScoring scoring, HeadKind kind_of_head,
    const char *labels_path, GError **error)
{
  g_autoptr (GString) counts = g_string_new (NULL);
  g_autofree char *source = NULL;
  char shrinkage[G_ASCII_DTOSTR_BUF_SIZE];
  const char *kind = opt->segment ? "spatial" : "summary";
  const char *id = radio_model_cache_get_id (ex->ckpt);
  g_autofree const char **names = NULL;
  const char *metadata[24];
  guint i, m = 0;

  source = opt->adaptor ? g_strdup_printf ("adaptor.%s.%s", opt->adaptor,
      kind) : g_strdup (kind);
  for (i = 0; i < head->n_classes; i++)
    g_string_append_printf (counts, "%s%u", i ? "," : "", t->counts[i]);
  metadata[m++] = "source";
  metadata[m++] = source;
  metadata[m++] = "model_id";
  metadata[m++] = id ? id : "";
  metadata[m++] = "model_version";
  metadata[m++] = ex->ckpt->version ? ex->ckpt->version : "";
  metadata[m++] = "scoring";
  metadata[m++] = scoring_name (scoring);
  metadata[m++] = opt->segment ? "patches_per_class" : "images_per_class";
  metadata[m++] = counts->str;
  if (scoring == RADIO_HEAD_SCORING_LINEAR) {
    metadata[m++] = "head";
    metadata[m++] = kind_of_head == HEAD_LDA ? "lda" : "centroid";
  }
  if (kind_of_head == HEAD_LDA) {
    metadata[m++] = "shrinkage";
    metadata[m++] = g_ascii_formatd (shrinkage, sizeof shrinkage, "%g",
        opt->shrinkage);
    metadata[m++] = "priors";
    metadata[m++] = opt->priors ? "class-frequency" : "uniform";
  }
  metadata[m++] = "tool";
  metadata[m++] = PROG;
  metadata[m++] = NULL;
  metadata[m] = NULL;
  names = g_new0 (const char *, head->n_classes + 1);
  for (i = 0; i < head->n_classes; i++)
    names[i] = t->labels->pdata[i];
  if (!radio_head_save (opt->output, labels_path, head->n_classes,
          head->dim, head->weight, head->bias, names, t->colors, metadata,
          error))
    return FALSE;
  if (!opt->quiet)
    g_print ("wrote %s (%u classes x %u, %s scoring%s, source %s) and %s\n",
        opt->output, head->n_classes, head->dim, scoring_name (scoring),
        scoring == RADIO_HEAD_SCORING_COSINE ? ""
        : kind_of_head == HEAD_LDA ? ", lda head" : ", centroid head",
        source, labels_path);
  return TRUE;
}

/* ---- main ---------------------------------------------------------------- */

/* OUTPUT with ".safetensors" replaced by ".txt" (or ".txt" added). */
static char *
default_labels_path (const char *output)
{
  if (g_str_has_suffix (output, ".safetensors"))
    return g_strdup_printf ("%.*s.txt",
        (int) (strlen (output) - strlen (".safetensors")), output);
  return g_strconcat (output, ".txt", NULL);
}

/* Option checks that need no file; returns 0 or the exit status. */
static int
check_options (Options *opt, RadioHeadScoring *scoring, HeadKind *kind,
    guint *w, guint *h)
{
  if (!opt->model || !opt->output) {
    g_printerr (PROG ": --model and --output are required (try --help)\n");
    return 2;
  }
  if (!opt->rest || !opt->rest[0] || opt->rest[1]) {
    g_printerr (PROG ": give exactly one IMAGES_DIR (try --help)\n");
    return 2;
  }
  if (opt->segment && (!opt->masks || !opt->labels_in)) {
    g_printerr (PROG ": --segment needs --masks MASK_DIR and --labels-in "
        "CLASSES.txt\n");
    return 2;
  }
  if (!opt->segment && (opt->masks || opt->labels_in)) {
    g_printerr (PROG ": --masks and --labels-in go with --segment\n");
    return 2;
  }
  if (!opt->scoring)
    *scoring = opt->segment ? RADIO_HEAD_SCORING_LINEAR
        : RADIO_HEAD_SCORING_COSINE;
  else if (strcmp (opt->scoring, "cosine") == 0)
    *scoring = RADIO_HEAD_SCORING_COSINE;
  else if (strcmp (opt->scoring, "linear") == 0)
    *scoring = RADIO_HEAD_SCORING_LINEAR;
  else {
    g_printerr (PROG ": --scoring must be cosine or linear, not '%s'\n",
        opt->scoring);
    return 2;
  }
  if (opt->segment && *scoring != RADIO_HEAD_SCORING_LINEAR) {
    g_printerr (PROG ": --segment makes a linear head (centroid or lda), "
        "which radiosegment scores; --scoring cosine does not apply\n");
    return 2;
  }
  /* lda by default: on pipelines/data/coffee.png it beats the centroid
   * head by 26 points of leave-one-out accuracy on patches and by 40 on
   * crops classified from their summaries (README). */
  *kind = HEAD_LDA;
  if (opt->head && strcmp (opt->head, "lda") == 0)
    *kind = HEAD_LDA;
  else if (opt->head && strcmp (opt->head, "centroid") == 0)
    *kind = HEAD_CENTROID;
  else if (opt->head) {
    g_printerr (PROG ": --head must be centroid or lda, not '%s'\n",
        opt->head);
    return 2;
  }
  if (*scoring == RADIO_HEAD_SCORING_COSINE) {
    if (opt->head || opt->shrinkage_text || opt->priors) {
      g_printerr (PROG ": --head, --shrinkage and --priors go with linear "
          "scoring (--scoring linear or --segment)\n");
      return 2;
    }
    *kind = HEAD_CENTROID;
  }
  if (*kind == HEAD_CENTROID && (opt->shrinkage_text || opt->priors)) {
    g_printerr (PROG ": --shrinkage and --priors go with --head lda\n");
    return 2;
  }
  opt->shrinkage = DEFAULT_SHRINKAGE;
  if (opt->shrinkage_text) {
    char *end;
    opt->shrinkage = g_ascii_strtod (opt->shrinkage_text, &end);
    if (end == opt->shrinkage_text || *end
        || !(opt->shrinkage > 0 && opt->shrinkage <= 1)) {
      g_printerr (PROG ": --shrinkage must be in (0, 1], not '%s' (0 "
          "would leave the covariance singular when there are fewer "
          "vectors than dimensions)\n", opt->shrinkage_text);
      return 2;
    }
  }
  if (opt->size && !radio_tool_parse_size (opt->size, w, h)) {
    g_printerr (PROG ": --size must look like 224x224, not '%s'\n",
        opt->size);
    return 2;
  }
  if (!opt->labels)
    opt->labels = default_labels_path (opt->output);
  if (strcmp (opt->labels, opt->output) == 0
      || (opt->labels_in && strcmp (opt->labels, opt->labels_in) == 0)) {
    g_printerr (PROG ": --labels %s would overwrite an input or the "
        "weights\n", opt->labels);
    return 2;
  }
  return 0;
}

/* Loads the model and checks what depends on it. */
static int
open_model (Options *opt, Extractor *ex)
{
  g_autoptr (GError) error = NULL;

  if (!radio_tool_parse_backend (opt->backend, &ex->base.backend)) {
    g_printerr (PROG ": unknown backend '%s' (cpu, cuda or auto)\n",
        opt->backend);
    return 2;
  }
  ex->ckpt = radio_model_cache_acquire (opt->model, &error);
  if (!ex->ckpt) {
    g_printerr (PROG ": %s\n", error->message);
    return 1;
  }
  if (opt->adaptor) {
    if (!radio_checkpoint_find_adaptor (ex->ckpt, opt->adaptor)) {
      g_autoptr (GString) names = g_string_new (NULL);
      guint i;
      for (i = 0; i < ex->ckpt->n_adaptors; i++)
        g_string_append_printf (names, " %s", ex->ckpt->adaptors[i].name);
      g_printerr (PROG ": the model has no adaptor '%s' (it has:%s)\n",
          opt->adaptor, names->len ? names->str : " none");
      return 2;
    }
    ex->adaptors[0] = opt->adaptor;
    ex->base.adaptors = ex->adaptors;
  }
  if (ex->size_width && (ex->size_width % ex->ckpt->patch_size
          || ex->size_height % ex->ckpt->patch_size)) {
    g_printerr (PROG ": --size %s is not a multiple of the patch size %u\n",
        opt->size, ex->ckpt->patch_size);
    return 2;
  }
  if (!opt->quiet)
    g_print ("model %s: %s, %s\n", opt->model,
        ex->ckpt->version ? ex->ckpt->version : "?", ex->ckpt->arch_name);
  if (ex->ckpt->random_weights)
    g_printerr (PROG ": warning: %s has RANDOM weights (a gst-radio demo "
        "model); a head made from its features only works with it\n",
        opt->model);
  return 0;
}

static int
run (Options *opt)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioHead) head = NULL;
  g_autofree gdouble *sums = NULL;
  Extractor ex = { 0 };
  Lda lda = { 0 };
  HeadKind kind;
  guint loo_right = 0, loo_n = 0;
  Training t = { 0 };
  PixelStats ps = { 0 };
  RadioHeadScoring scoring;
  gboolean ok;
  guint i;
  int status;

  ex.opt = opt;
  status = check_options (opt, &scoring, &kind, &ex.size_width,
      &ex.size_height);
  if (status == 0)
    status = open_model (opt, &ex);
  if (status != 0) {
    if (ex.ckpt)
      radio_model_cache_release (ex.ckpt);
    return status;
  }
  t.labels = g_ptr_array_new_with_free_func (g_free);
  t.features = g_array_new (FALSE, FALSE, sizeof (float));
  t.classes = g_array_new (FALSE, FALSE, sizeof (guint));
  ps.cell_features = g_array_new (FALSE, FALSE, sizeof (float));
  ps.cell_hist = g_array_new (FALSE, FALSE, sizeof (guint32));

  if (opt->segment)
    ok = read_classes (opt->labels_in, &t, &error)
        && collect_segments (&ex, opt->rest[0], &t, &ps, &error);
  else
    ok = collect_classes (&ex, opt->rest[0], &t, &error);
  if (ok) {
    if (kind == HEAD_LDA)
      head = make_lda_head (&t, opt, &lda, &error);
    else
      head = make_head (&t, scoring, &sums);
    ok = head != NULL;
  }
  if (ok) {
    if (!opt->quiet) {
      for (i = 0; i < head->n_classes; i++)
        g_print ("class %u '%s': %u %s\n", i,
            (const char *) t.labels->pdata[i], t.counts[i],
            opt->segment ? "patches" : "images");
      if (kind == HEAD_LDA)
        loo_right = lda_loo (&t, &lda, opt->priors, &loo_n);
      else
        loo_right = centroid_loo (head, scoring, &t, sums, &loo_n);
      report_accuracy (head, scoring, &t, loo_right, loo_n,
          opt->segment ? "patches" : "images");
      if (opt->segment)
        report_pixel_accuracy (head, &ps);
    }
    ok = save_head (opt, &ex, &t, head, scoring, kind, opt->labels, &error);
  }
  if (!ok) {
    g_printerr (PROG ": %s\n", error->message);
    status = 1;
  }

  radio_runner_free (ex.runner);
  radio_model_cache_release (ex.ckpt);
  g_ptr_array_unref (t.labels);
  g_array_unref (t.features);
  g_array_unref (t.classes);
  g_free (t.counts);
  g_free (t.colors);
  g_array_unref (ps.cell_features);
  g_array_unref (ps.cell_hist);
  lda_clear (&lda);
  return status;
}

int
main (int argc, char **argv)
{
  Options opt = { 0 };
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &opt.model,
      "Checkpoint folder (config.json + model.safetensors); the head only "
      "works with features of this model", "DIR" },
    { "adaptor", 'a', 0, G_OPTION_ARG_STRING, &opt.adaptor,
      "Use this adaptor head's features instead of the backbone's", "NAME" },
    { "scoring", 0, 0, G_OPTION_ARG_STRING, &opt.scoring,
      "cosine (default; prototypes of normalised summaries) or linear "
      "(--head; always with --segment)", "MODE" },
    { "head", 0, 0, G_OPTION_ARG_STRING, &opt.head,
      "With linear scoring: lda (default; linear discriminant analysis, "
      "distances scaled by the within-class covariance) or centroid "
      "(nearest class mean)", "KIND" },
    { "shrinkage", 0, 0, G_OPTION_ARG_STRING, &opt.shrinkage_text,
      "With --head lda: A in (0, 1], the covariance used is (1 - A) S + A "
      "(trace (S) / D) I, S the pooled within-class covariance; 1 ranks like "
      "the centroid head (default 0.1)", "A" },
    { "priors", 0, 0, G_OPTION_ARG_NONE, &opt.priors,
      "With --head lda: add log (share of the training vectors) to each "
      "class's bias (default: uniform priors, as the counts reflect the "
      "training data, not new images)", NULL },
    { "size", 's', 0, G_OPTION_ARG_STRING, &opt.size,
      "Model input size (multiples of the patch size); default: the "
      "nearest multiple of the patch size per axis", "WxH" },
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &opt.backend,
      "Compute backend: cpu, cuda or auto (default auto)", "NAME" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt.output,
      "The head's weights (safetensors) to write", "HEAD.safetensors" },
    { "labels", 'l', 0, G_OPTION_ARG_FILENAME, &opt.labels,
      "The labels file to write (default: the output with .txt for "
      ".safetensors)", "FILE" },
    { "segment", 0, 0, G_OPTION_ARG_NONE, &opt.segment,
      "Make a per-patch head for radiosegment from images and masks", NULL },
    { "masks", 0, 0, G_OPTION_ARG_FILENAME, &opt.masks,
      "With --segment: a PNG per image, same base name, one class index "
      "per pixel (255 = ignore)", "MASK_DIR" },
    { "labels-in", 0, 0, G_OPTION_ARG_FILENAME, &opt.labels_in,
      "With --segment: the class names, one per line, optional \" #RRGGBB\" "
      "colour", "CLASSES.txt" },
    { "skip-bad", 0, 0, G_OPTION_ARG_NONE, &opt.skip_bad,
      "Skip files that are not images (and stray files beside the class "
      "folders) instead of failing", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt.quiet,
      "Print nothing but errors and warnings", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt.rest,
      NULL, "IMAGES_DIR" },
    { NULL }
  };
  int status;

  setlocale (LC_ALL, "");
  ctx = g_option_context_new ("IMAGES_DIR - make a linear head for "
      "radioclassify or radiosegment");
  g_option_context_set_summary (ctx,
      "Classify mode: IMAGES_DIR holds one folder of images (PNG, JPEG, "
      "PPM) per\nclass, named after the class; the head scores RADIO "
      "summaries against each\nclass's prototype (cosine), or is a linear "
      "head (--scoring linear, see --head).\n\n"
      "Segment mode (--segment): IMAGES_DIR holds images, MASK_DIR a PNG "
      "mask of\nclass indices for each; the head classifies each patch of "
      "the spatial\nfeatures (linear discriminant analysis by default, "
      "see --head).");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr (PROG ": %s\n", error->message);
    return 2;
  }
  status = run (&opt);
  g_free (opt.model);
  g_free (opt.adaptor);
  g_free (opt.scoring);
  g_free (opt.head);
  g_free (opt.shrinkage_text);
  g_free (opt.size);
  g_free (opt.backend);
  g_free (opt.output);
  g_free (opt.labels);
  g_free (opt.masks);
  g_free (opt.labels_in);
  g_strfreev (opt.rest);
  return status;
}
