/* radio-head.h: a linear head over RADIO features, as used by radioclassify
 * (on a summary vector) and radiosegment (on each spatial cell), and as
 * written by radio-make-classifier.
 *
 * Files:
 *   weights  safetensors with `weight` [K, C] and optional `bias` [K]
 *            (F32, F16 or BF16; held here as float32).  Optional
 *            __metadata__: "source" (the features it was made from:
 *            "summary", "spatial", "adaptor.NAME.summary", ...), "model_id"
 *            and "model_version" of the checkpoint, "scoring" (the
 *            scoring it was made for: "cosine" or "linear").
 *   labels   UTF-8 text, one class per line, line i is class i; K lines.
 *            A line may end in a colour, " #RRGGBB", used for drawing;
 *            classes without one get a fixed, distinct palette colour.
 *            Trailing blank lines are ignored; other blank lines are an
 *            error (a class needs a name). */
#ifndef RADIO_HEAD_H
#define RADIO_HEAD_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  RADIO_HEAD_SCORING_LINEAR, /* w_k . x + b_k */
  RADIO_HEAD_SCORING_COSINE, /* cos(w_k, x) + b_k */
} RadioHeadScoring;

typedef struct {
  guint n_classes;  /* K */
  guint dim;        /* C */
  gfloat *weight;   /* [K, C] */
  gfloat *bias;     /* [K], zeros when the file has none */
  gfloat *inv_norm; /* [K] 1 / |w_k| (0 for a zero row) */
  gchar **labels;   /* [K + 1], NULL-terminated */
  guint8 *colors;   /* [K, 3] RGB */
  gchar *source;    /* metadata "source", or NULL */
  gchar *model_id;  /* metadata "model_id", or NULL */
  gchar *scoring;   /* metadata "scoring", or NULL */
} RadioHead;

/* Loads and checks both files (shapes, dtypes, K labels).  Errors:
 * RADIO_ERROR_IO, RADIO_ERROR_FORMAT (corrupt file or labels file),
 * RADIO_ERROR_MISSING_TENSOR (no `weight`), RADIO_ERROR_SHAPE. */
RadioHead *radio_head_load (
    const char *weights_path, const char *labels_path, GError **error);
void radio_head_free (RadioHead *head);

/* Reads a labels file (format above) into *labels (K + 1, NULL-terminated;
 * g_strfreev) and *colors ([K, 3] RGB, the palette's where a line gives
 * none; g_free), K in *n_labels.  expected: the K the file must have, or 0
 * for any (then K may be 0).  Errors: RADIO_ERROR_IO (unreadable),
 * RADIO_ERROR_FORMAT (not UTF-8, a blank line before the last label),
 * RADIO_ERROR_SHAPE (not expected labels).  Nothing is set on error. */
gboolean radio_head_read_labels (const char *path, guint expected,
    gchar ***labels, guint8 **colors, guint *n_labels, GError **error);

/* Writes a head: weight [n_classes, dim], bias [n_classes] or NULL, and
 * the labels file (colors [n_classes, 3] or NULL: no colour suffix).
 * metadata: NULL or NULL-terminated key, value pairs.  Each label must be
 * one line of UTF-8 without leading or trailing spaces, so that it reads
 * back the same (RADIO_ERROR_ARGUMENT otherwise, nothing written). */
gboolean radio_head_save (const char *weights_path, const char *labels_path,
    guint n_classes, guint dim, const gfloat *weight, const gfloat *bias,
    const gchar *const *labels, const guint8 *colors,
    const gchar *const *metadata, GError **error);

/* logits[K] for one feature vector x[C]. */
void radio_head_logits (const RadioHead *head, RadioHeadScoring scoring,
    const gfloat *x, gfloat *logits);

/* In place: p_k = softmax(v / temperature)_k (temperature > 0). */
void radio_head_softmax (gfloat *v, guint n, gdouble temperature);

/* The indices of the k largest values, largest first (ties: lower index
 * first).  Returns min(k, n). */
guint radio_head_top_k (const gfloat *v, guint n, guint k, guint *ids);

/* The palette colour of class i when the labels file gives none. */
void radio_head_default_color (guint i, guint8 rgb[3]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RadioHead, radio_head_free)

G_END_DECLS
#endif /* RADIO_HEAD_H */
