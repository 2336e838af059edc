/* gstradioclassify.c: the `radioclassify` element.
 *
 * SECTION:element-radioclassify
 * @title: radioclassify
 *
 * Classifies every frame that carries a GstRadioMeta (from an upstream
 * `radio` element) with a linear head over its summary vector: the
 * backbone's summary (one token of it, or all of them) or a named
 * adaptor's, e.g. a CLIP or SigLIP adaptor whose head rows are text
 * embeddings for zero-shot classification.
 *
 * The head is two files, as written by `radio-make-classifier`:
 * `weights`, a safetensors file with `weight` [K, C] and an optional
 * `bias` [K], and `labels`, a text file with one class name per line
 * (by default the weights file with .txt in place of .safetensors).
 * Scores are softmax(logits / temperature) over the K classes, the logits
 * being w_k . x + b_k (scoring=linear) or cos(w_k, x) + b_k
 * (scoring=cosine).
 *
 * Per frame the best `top-k` classes are attached as a
 * GstRadioClassificationMeta (<gst/radio/radioresultmeta.h>) and posted as
 * a `radio-classification` element message; `overlay` draws them on the
 * frame.  Frames without a GstRadioMeta pass through unclassified.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m videotestsrc num-buffers=10 ! videoconvert ! radio ! \
 *     radioclassify weights=head.safetensors labels=head.txt overlay=true ! \
 *     videoconvert ! autovideosink
 * ]| prints one `radio-classification` message per frame (labels, scores,
 * class-ids, best label and score) and shows the top classes on the video.
 */
#include "gstradioclassify.h"

#include <gst/radio/radiometa.h>
#include <gst/radio/radioresultmeta.h>
#include <math.h>
#include <string.h>

#include "gstradiohead.h"
#include "gstradiotext.h"

GST_DEBUG_CATEGORY_STATIC (gst_radioclassify_debug);
#define GST_CAT_DEFAULT gst_radioclassify_debug

enum {
  PROP_0,
  PROP_WEIGHTS,
  PROP_LABELS,
  PROP_SOURCE,
  PROP_SCORING,
  PROP_TOP_K,
  PROP_TEMPERATURE,
  PROP_OVERLAY,
  PROP_POST_MESSAGES,
  PROP_SUMMARY_TOKEN,
  PROP_N_CLASSES,
};

#define DEFAULT_SCORING RADIO_HEAD_SCORING_COSINE
#define DEFAULT_TOP_K 5
#define DEFAULT_TEMPERATURE 0.0 /* auto */
#define DEFAULT_OVERLAY FALSE
#define DEFAULT_POST_MESSAGES TRUE
#define DEFAULT_SUMMARY_TOKEN (-1) /* all, as RADIO returns its summary */

/* temperature=0: CLIP's logit scale (100) for cosine scores, which lie in
 * [-1, 1]; none for linear logits, which carry their own scale. */
#define AUTO_TEMPERATURE_COSINE 0.01
#define AUTO_TEMPERATURE_LINEAR 1.0

/* Opacity of the dark box behind the overlay text. */
#define OVERLAY_BOX_ALPHA 0.6

/* `radio`'s output formats: packed RGB (GST_RADIO_PAINT_FORMATS) and the
 * two YUV formats (overlay text in the luma plane only). */
#define CLASSIFY_FORMATS                                                       \
  "{ RGB, BGR, RGBA, BGRA, RGBx, BGRx, xRGB, xBGR, "                           \
  "ARGB, ABGR, NV12, I420 }"

static GstStaticPadTemplate sink_template
    = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (CLASSIFY_FORMATS)));
static GstStaticPadTemplate src_template
    = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (CLASSIFY_FORMATS)));

struct _GstRadioClassify {
  GstVideoFilter parent;

  /* properties, under the object lock */
  gchar *weights_path;
  gchar *labels_path;
  gchar *source; /* NULL or "": the backbone summary */
  RadioHeadScoring scoring;
  guint top_k;
  gdouble temperature;
  gboolean overlay;
  gboolean post_messages;
  gint summary_token;

  /* the head: set in start(), read under the object lock elsewhere */
  RadioHead *head;

  /* streaming thread */
  gfloat *probabilities;    /* [K] */
  guint *ids;               /* [K] best first */
  gfloat *top_scores;       /* [K] */
  const gchar **top_labels; /* [K + 1] */
  guint64 frame_count;
  gboolean warned_no_meta;
  gboolean warned_not_finite;
  GstRadioHeadChecks checks;
};

#define gst_radioclassify_parent_class parent_class
G_DEFINE_TYPE (GstRadioClassify, gst_radioclassify, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (radioclassify, "radioclassify",
    GST_RANK_NONE, GST_TYPE_RADIOCLASSIFY,
    gst_radio_classification_meta_get_info ());

static void gst_radioclassify_finalize (GObject *object);
static void gst_radioclassify_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_radioclassify_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static gboolean gst_radioclassify_start (GstBaseTransform *trans);
static gboolean gst_radioclassify_stop (GstBaseTransform *trans);
static GstFlowReturn gst_radioclassify_transform_ip (
    GstBaseTransform *trans, GstBuffer *buf);

GType
gst_radio_classify_scoring_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { RADIO_HEAD_SCORING_COSINE,
        "Cosine similarity of features and class weights (in [-1, 1]) "
        "plus the bias",
        "cosine" },
    { RADIO_HEAD_SCORING_LINEAR,
        "Dot product of features and class weights plus the bias", "linear" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstRadioClassifyScoring", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* ---- class --------------------------------------------------------------- */

static void
gst_radioclassify_class_init (GstRadioClassifyClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags rw_mutable = rw | GST_PARAM_MUTABLE_PLAYING;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  GST_DEBUG_CATEGORY_INIT (gst_radioclassify_debug, "radioclassify", 0,
      "RADIO frame classification");

  gobject_class->finalize = gst_radioclassify_finalize;
  gobject_class->set_property = gst_radioclassify_set_property;
  gobject_class->get_property = gst_radioclassify_get_property;

  g_object_class_install_property (gobject_class, PROP_WEIGHTS,
      g_param_spec_string ("weights", "Weights",
          "Classifier weights: a safetensors file with `weight` [classes, "
          "channels] and an optional `bias` [classes] (radio-make-classifier "
          "writes one).  Only changes while the element is stopped",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_LABELS,
      g_param_spec_string ("labels", "Labels",
          "Text file with one class name per line, as many as `weight` has "
          "rows.  Unset: the weights file with .txt instead of "
          ".safetensors.  Only changes while the element is stopped",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_SOURCE,
      g_param_spec_string ("source", "Source",
          "Features to classify: empty for the backbone summary, or the name "
          "of an adaptor whose summary to use (e.g. \"clip\" for zero-shot; "
          "the radio element must compute it: its `adaptors` property)",
          NULL, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_SCORING,
      g_param_spec_enum ("scoring", "Scoring",
          "How a class's logit is computed from its weight row",
          gst_radio_classify_scoring_get_type (), DEFAULT_SCORING, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_TOP_K,
      g_param_spec_uint ("top-k", "Top k",
          "How many of the best classes to report (at most the number of "
          "classes)",
          1, G_MAXINT, DEFAULT_TOP_K, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_TEMPERATURE,
      g_param_spec_double ("temperature", "Temperature",
          "Softmax temperature: scores are softmax(logits / temperature).  "
          "Cosine logits lie in [-1, 1], so CLIP-style zero-shot wants about "
          "0.01; linear heads usually 1.  0: automatic (0.01 for cosine, 1 "
          "for linear scoring)",
          0.0, 1e6, DEFAULT_TEMPERATURE, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_OVERLAY,
      g_param_spec_boolean ("overlay", "Overlay",
          "Draw the best classes with their scores at the top-left of the "
          "frame: white text on a dark box (for NV12 and I420 the text is "
          "drawn in the luma plane only)",
          DEFAULT_OVERLAY, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post a \"radio-classification\" element message per classified "
          "frame (frame, timestamp, labels, scores, class-ids, label, score)",
          DEFAULT_POST_MESSAGES, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_SUMMARY_TOKEN,
      g_param_spec_int ("summary-token", "Summary token",
          "Which part of the backbone summary to classify when the model "
          "has several summary tokens (one per teacher): -1 for the whole "
          "summary, all tokens concatenated (what radio-make-classifier "
          "uses), or one token's index.  The head's channel count must "
          "match",
          -1, G_MAXINT, DEFAULT_SUMMARY_TOKEN, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_N_CLASSES,
      g_param_spec_uint ("n-classes", "Number of classes",
          "Classes of the loaded head (set once the element is PAUSED)", 0,
          G_MAXUINT, 0, ro));

  gst_element_class_set_static_metadata (element_class, "RADIO classifier",
      "Filter/Analyzer/Video",
      "Classifies video frames from the summary features of a GstRadioMeta "
      "with a linear head, attaching and posting the best classes",
      "gst-radio developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_radioclassify_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_radioclassify_stop);
  /* transform_ip rather than GstVideoFilter's transform_frame_ip: the
   * frame is only mapped (read-write) when the overlay draws, not for
   * every buffer that merely gets a meta. */
  trans_class->transform_ip
      = GST_DEBUG_FUNCPTR (gst_radioclassify_transform_ip);

  gst_type_mark_as_plugin_api (gst_radio_classify_scoring_get_type (), 0);
}

static void
gst_radioclassify_init (GstRadioClassify *self)
{
  self->scoring = DEFAULT_SCORING;
  self->top_k = DEFAULT_TOP_K;
  self->temperature = DEFAULT_TEMPERATURE;
  self->overlay = DEFAULT_OVERLAY;
  self->post_messages = DEFAULT_POST_MESSAGES;
  self->summary_token = DEFAULT_SUMMARY_TOKEN;
  /* Never passthrough: every classified buffer gets a meta. */
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), FALSE);
}

static void
gst_radioclassify_finalize (GObject *object)
{
  GstRadioClassify *self = GST_RADIOCLASSIFY (object);

  g_free (self->weights_path);
  g_free (self->labels_path);
  g_free (self->source);
  gst_radio_head_checks_reset (&self->checks);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* ---- properties ---------------------------------------------------------- */

static void
gst_radioclassify_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstRadioClassify *self = GST_RADIOCLASSIFY (object);

  switch (prop_id) {
    case PROP_WEIGHTS:
    case PROP_LABELS:
      gst_radio_head_set_file (GST_ELEMENT (self), "classifier", &self->head,
          prop_id == PROP_WEIGHTS ? &self->weights_path : &self->labels_path,
          pspec->name, g_value_get_string (value));
      return;
    default:
      break;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SOURCE:
      g_free (self->source);
      self->source = g_value_dup_string (value);
      break;
    case PROP_SCORING:
      self->scoring = g_value_get_enum (value);
      break;
    case PROP_TOP_K:
      self->top_k = g_value_get_uint (value);
      break;
    case PROP_TEMPERATURE:
      self->temperature = g_value_get_double (value);
      break;
    case PROP_OVERLAY:
      self->overlay = g_value_get_boolean (value);
      break;
    case PROP_POST_MESSAGES:
      self->post_messages = g_value_get_boolean (value);
      break;
    case PROP_SUMMARY_TOKEN:
      self->summary_token = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_radioclassify_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstRadioClassify *self = GST_RADIOCLASSIFY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_WEIGHTS:
      g_value_set_string (value, self->weights_path);
      break;
    case PROP_LABELS:
      g_value_set_string (value, self->labels_path);
      break;
    case PROP_SOURCE:
      g_value_set_string (value, self->source);
      break;
    case PROP_SCORING:
      g_value_set_enum (value, self->scoring);
      break;
    case PROP_TOP_K:
      g_value_set_uint (value, self->top_k);
      break;
    case PROP_TEMPERATURE:
      g_value_set_double (value, self->temperature);
      break;
    case PROP_OVERLAY:
      g_value_set_boolean (value, self->overlay);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
    case PROP_SUMMARY_TOKEN:
      g_value_set_int (value, self->summary_token);
      break;
    case PROP_N_CLASSES:
      g_value_set_uint (value, self->head ? self->head->n_classes : 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---- loading ------------------------------------------------------------- */

static gboolean
gst_radioclassify_start (GstBaseTransform *trans)
{
  GstRadioClassify *self = GST_RADIOCLASSIFY (trans);
  g_autofree gchar *weights = NULL;
  g_autofree gchar *labels = NULL;
  RadioHead *head;
  guint k;

  GST_OBJECT_LOCK (self);
  weights = g_strdup (self->weights_path);
  labels = g_strdup (self->labels_path);
  GST_OBJECT_UNLOCK (self);

  head = gst_radio_head_load_for (
      GST_ELEMENT (self), "classifier", weights, labels);
  if (!head)
    return FALSE;
  k = head->n_classes;
  self->probabilities = g_new (gfloat, k);
  self->ids = g_new (guint, k);
  self->top_scores = g_new (gfloat, k);
  self->top_labels = g_new0 (const gchar *, k + 1);
  self->frame_count = 0;
  self->warned_no_meta = FALSE;
  self->warned_not_finite = FALSE;
  gst_radio_head_checks_reset (&self->checks);

  GST_OBJECT_LOCK (self);
  self->head = head;
  GST_OBJECT_UNLOCK (self);
  g_object_notify (G_OBJECT (self), "n-classes");
  return TRUE;
}

static gboolean
gst_radioclassify_stop (GstBaseTransform *trans)
{
  GstRadioClassify *self = GST_RADIOCLASSIFY (trans);
  RadioHead *head;

  GST_OBJECT_LOCK (self);
  head = self->head;
  self->head = NULL;
  GST_OBJECT_UNLOCK (self);
  radio_head_free (head);
  g_clear_pointer (&self->probabilities, g_free);
  g_clear_pointer (&self->ids, g_free);
  g_clear_pointer (&self->top_scores, g_free);
  g_clear_pointer (&self->top_labels, g_free);
  gst_radio_head_checks_reset (&self->checks);
  return TRUE;
}

/* ---- per frame ----------------------------------------------------------- */

/* The frame's features for the source, or NULL with an error posted. */
static const gfloat *
select_features (GstRadioClassify *self, const GstRadioMeta *meta,
    const gchar *adaptor, gint token, guint *length)
{
  guint dim = self->head->dim, n_tokens, token_dim, total;
  const gfloat *summary;

  if (adaptor) {
    summary = gst_radio_meta_get_summary (meta, adaptor, length);
    if (!summary) {
      g_autoptr (GString) names = g_string_new (NULL);
      guint i;
      for (i = 0; i < meta->n_adaptors; i++)
        g_string_append_printf (
            names, "%s%s", i ? ", " : "", meta->adaptors[i].name);
      GST_ELEMENT_ERROR (self, STREAM, FORMAT,
          ("The frames carry no summary of adaptor '%s'", adaptor),
          ("adaptors on the frames: %s; set the radio element's adaptors "
           "property (and features=summary or both)",
              names->len ? names->str : "none"));
      return NULL;
    }
    if (*length != dim) {
      GST_ELEMENT_ERROR (self, STREAM, FORMAT,
          ("The classifier expects %u features but adaptor '%s' gives %u", dim,
              adaptor, *length),
          (NULL));
      return NULL;
    }
    return summary;
  }

  summary = gst_radio_meta_get_summary (meta, NULL, &total);
  if (!summary) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("The frames carry no summary features"),
        ("set the radio element's features property to summary or both"));
    return NULL;
  }
  n_tokens = MAX (meta->n_summary_tokens, 1);
  token_dim = total / n_tokens;
  if (token >= (gint)n_tokens) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("summary-token is %d but the frames carry %u summary token(s)", token,
            n_tokens),
        (NULL));
    return NULL;
  }
  *length = token < 0 ? total : token_dim;
  if (*length != dim) {
    /* Say which choice would fit, if one does. */
    const gchar *hint = dim == total ? " (set summary-token=-1)"
                        : dim == token_dim
                            ? " (set summary-token to a token index)"
                            : "";
    if (token < 0 && n_tokens == 1)
      GST_ELEMENT_ERROR (self, STREAM, FORMAT,
          ("The classifier expects %u features but the summary has %u", dim,
              total),
          (NULL));
    else if (token < 0)
      GST_ELEMENT_ERROR (self, STREAM, FORMAT,
          ("The classifier expects %u features but the summary has %u "
           "(%u tokens of %u)%s",
              dim, total, n_tokens, token_dim, hint),
          (NULL));
    else
      GST_ELEMENT_ERROR (self, STREAM, FORMAT,
          ("The classifier expects %u features but summary token %d has %u "
           "(the whole summary: %u)%s",
              dim, token, token_dim, total, hint),
          (NULL));
    return NULL;
  }
  return token < 0 ? summary : summary + (gsize)token * token_dim;
}

static void
append_array (GstStructure *s, const gchar *field, GType type, guint n,
    gconstpointer values)
{
  GValue array = G_VALUE_INIT;
  guint i;

  g_value_init (&array, GST_TYPE_ARRAY);
  for (i = 0; i < n; i++) {
    GValue v = G_VALUE_INIT;
    g_value_init (&v, type);
    if (type == G_TYPE_STRING)
      g_value_set_string (&v, ((const gchar **)values)[i]);
    else if (type == G_TYPE_DOUBLE)
      g_value_set_double (&v, ((const gfloat *)values)[i]);
    else
      g_value_set_uint (&v, ((const guint *)values)[i]);
    gst_value_array_append_and_take_value (&array, &v);
  }
  gst_structure_take_value (s, field, &array);
}

static void
post_message (GstRadioClassify *self, GstBuffer *buf, guint64 frame,
    const gchar *source, guint n)
{
  GstStructure *s = gst_structure_new ("radio-classification", "frame",
      G_TYPE_UINT64, frame, "timestamp", G_TYPE_UINT64, GST_BUFFER_PTS (buf),
      "source", G_TYPE_STRING, source, "label", G_TYPE_STRING,
      self->top_labels[0], "score", G_TYPE_DOUBLE, (gdouble)self->top_scores[0],
      "class-id", G_TYPE_UINT, self->ids[0], NULL);

  append_array (s, "labels", G_TYPE_STRING, n, self->top_labels);
  append_array (s, "scores", G_TYPE_DOUBLE, n, self->top_scores);
  append_array (s, "class-ids", G_TYPE_UINT, n, self->ids);
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

/* Draws "label 0.93" lines at the top-left corner. */
static gboolean
draw_overlay (GstRadioClassify *self, GstBuffer *buf, guint n)
{
  GstVideoFilter *filter = GST_VIDEO_FILTER (self);
  GstVideoFrame frame;
  gchar **lines = g_new0 (gchar *, n + 1);
  guint scale, i;

  for (i = 0; i < n; i++) {
    gchar score[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd (score, sizeof (score), "%.2f", self->top_scores[i]);
    lines[i] = g_strdup_printf ("%s %s", self->top_labels[i], score);
  }
  if (!gst_video_frame_map (&frame, &filter->in_info, buf, GST_MAP_READWRITE)) {
    g_strfreev (lines);
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Cannot map the frame to draw the overlay"), (NULL));
    return FALSE;
  }
  scale = gst_radio_text_scale_for_height (GST_VIDEO_FRAME_HEIGHT (&frame));
  gst_radio_text_draw (&frame, 2 * scale, 2 * scale,
      (const gchar *const *)lines, scale, OVERLAY_BOX_ALPHA, NULL);
  gst_video_frame_unmap (&frame);
  g_strfreev (lines);
  return TRUE;
}

static gboolean
all_finite (const gfloat *v, guint n)
{
  guint i;

  for (i = 0; i < n; i++)
    if (!isfinite (v[i]))
      return FALSE;
  return TRUE;
}

static GstFlowReturn
gst_radioclassify_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  GstRadioClassify *self = GST_RADIOCLASSIFY (trans);
  const RadioHead *head = self->head;
  g_autofree gchar *source = NULL;
  g_autofree gchar *name = NULL;
  const gchar *adaptor;
  GstRadioMeta *meta;
  RadioHeadScoring scoring;
  const gfloat *x;
  gdouble temperature;
  gboolean overlay, post;
  guint top_k, length, n, i;
  gint token;
  guint64 frame;

  if (!head) {
    GST_ELEMENT_ERROR (self, CORE, STATE_CHANGE,
        ("Received a buffer before the classifier was loaded"), (NULL));
    return GST_FLOW_ERROR;
  }
  frame = self->frame_count++;
  meta = gst_buffer_get_radio_meta (buf);
  if (!meta) {
    if (!self->warned_no_meta) {
      self->warned_no_meta = TRUE;
      GST_ELEMENT_WARNING (self, STREAM, FORMAT,
          ("Frames without RADIO features pass through unclassified"),
          ("frame %" G_GUINT64_FORMAT " has no GstRadioMeta: put a radio "
           "element upstream (with its interval=N only every Nth frame has "
           "features)",
              frame));
    }
    return GST_FLOW_OK;
  }

  GST_OBJECT_LOCK (self);
  source = g_strdup (self->source);
  scoring = self->scoring;
  top_k = self->top_k;
  temperature = self->temperature;
  overlay = self->overlay;
  post = self->post_messages;
  token = self->summary_token;
  name = g_strdup (GST_OBJECT_NAME (self));
  GST_OBJECT_UNLOCK (self);
  adaptor = source && source[0] ? source : NULL;
  if (temperature <= 0.0)
    temperature = scoring == RADIO_HEAD_SCORING_COSINE
                      ? AUTO_TEMPERATURE_COSINE
                      : AUTO_TEMPERATURE_LINEAR;

  x = select_features (self, meta, adaptor, token, &length);
  if (!x)
    return GST_FLOW_ERROR;
  gst_radio_head_check (&self->checks, GST_ELEMENT (self), "classifier", head,
      meta, adaptor, "summary",
      scoring == RADIO_HEAD_SCORING_COSINE ? "cosine" : "linear");

  radio_head_logits (head, scoring, x, self->probabilities);
  if (!all_finite (self->probabilities, head->n_classes)) {
    if (!self->warned_not_finite) {
      self->warned_not_finite = TRUE;
      GST_ELEMENT_WARNING (self, STREAM, DECODE,
          ("Features that are not finite numbers: frames left unclassified"),
          ("first at frame %" G_GUINT64_FORMAT, frame));
    }
    return GST_FLOW_OK;
  }
  radio_head_softmax (self->probabilities, head->n_classes, temperature);
  n = radio_head_top_k (self->probabilities, head->n_classes, top_k, self->ids);
  for (i = 0; i < n; i++) {
    self->top_scores[i] = self->probabilities[self->ids[i]];
    self->top_labels[i] = head->labels[self->ids[i]];
  }
  self->top_labels[n] = NULL;

  if (!gst_buffer_add_radio_classification_meta (buf, name,
          adaptor ? adaptor : "summary", n, self->ids, self->top_labels,
          self->top_scores)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Cannot attach the classification to frame %" G_GUINT64_FORMAT, frame),
        (NULL));
    return GST_FLOW_ERROR;
  }
  GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": %s %.3f", frame,
      self->top_labels[0], self->top_scores[0]);
  if (post)
    post_message (self, buf, frame, adaptor ? adaptor : "summary", n);
  if (overlay && !draw_overlay (self, buf, n))
    return GST_FLOW_ERROR;
  return GST_FLOW_OK;
}
