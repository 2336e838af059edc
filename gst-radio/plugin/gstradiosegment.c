/* gstradiosegment.c: the `radiosegment` element.
 *
 * SECTION:element-radiosegment
 * @title: radiosegment
 *
 * Semantic segmentation on the spatial features that `radio` attaches to
 * each frame (GstRadioMeta): a linear head (weights [K, D] and bias [K]
 * from a safetensors file, class names and colours from a labels file, see
 * radio-head.h) scores every cell of the feature grid, logits_k = w_k . x +
 * b_k; the cell takes the best class, with its softmax probability as the
 * score.  The class grid is attached as a GstRadioSegmentationMeta
 * (<gst/radio/radioresultmeta.h>) and, unless draw=false, drawn over the
 * video as a coloured mask blended in with opacity `alpha`.
 *
 * `radio-make-classifier --segment` makes such a head from a few images
 * with label masks.  `source` picks the features: the backbone's spatial
 * grid, or an adaptor's (which may be finer, e.g. upsampled 2x; the meta's
 * grid and mapping then follow that grid).
 *
 * Drawing: with smooth=true (default) each pixel takes the class whose
 * logit is highest after bilinear interpolation between the four nearest
 * cell centres.  As the head is linear this is the head applied to the
 * bilinearly upsampled features, so region edges follow the scores between
 * cells instead of the cell staircase; only pixels between cells of
 * different classes need the interpolation.  smooth=false gives each pixel
 * the class of the cell it lies in.  The meta always holds one class per
 * cell.
 *
 * ## Example launch line
 * |[
 * radio-make-classifier --segment --model MODEL --masks masks/ \
 *     --labels-in classes.txt -o head.safetensors images/
 * gst-launch-1.0 filesrc location=street.jpg ! decodebin ! videoconvert ! \
 *     radio model=MODEL ! radiosegment weights=head.safetensors alpha=0.6 ! \
 *     videoconvert ! pngenc ! filesink location=segmented.png
 * ]| makes a head from images and their label masks, then draws its
 * classes (labels and colours in head.txt) over a photo.  Frames without
 * a GstRadioMeta, or whose features are not finite numbers (one warning),
 * pass unchanged.  pipelines/file-segment.sh runs this
 * with a demo head on the built-in model.
 */
#include "gstradiosegment.h"

#include <gst/radio/radiometa.h>
#include <gst/radio/radioresultmeta.h>
#include <math.h>
#include <string.h>

#include "gstradiohead.h"
#include "gstradiopaint.h"

GST_DEBUG_CATEGORY_STATIC (gst_radiosegment_debug);
#define GST_CAT_DEFAULT gst_radiosegment_debug

enum {
  PROP_0,
  PROP_WEIGHTS,
  PROP_LABELS,
  PROP_SOURCE,
  PROP_ALPHA,
  PROP_SMOOTH,
  PROP_DRAW,
  PROP_POST_MESSAGES,
  PROP_N_CLASSES,
};

#define DEFAULT_ALPHA 0.5
#define DEFAULT_SMOOTH TRUE
#define DEFAULT_DRAW TRUE
#define DEFAULT_POST_MESSAGES FALSE

static GstStaticPadTemplate sink_template
    = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (GST_RADIO_PAINT_FORMATS)));
static GstStaticPadTemplate src_template
    = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (GST_RADIO_PAINT_FORMATS)));

struct _GstRadioSegment {
  GstVideoFilter parent;

  /* properties, under the object lock */
  gchar *weights;
  gchar *labels;
  gchar *source;
  gdouble alpha;
  gboolean smooth;
  gboolean draw;
  gboolean post_messages;

  /* the head: set in start(), read under the object lock */
  RadioHead *head;

  /* streaming thread */
  guint64 frame_count;
  gboolean warned_no_meta;
  gboolean warned_not_finite;
  GstRadioHeadChecks checks;
  gsize n_cells;    /* cells the arrays below hold */
  guint16 *classes; /* [cells] */
  gfloat *scores;   /* [cells] */
  gfloat *logits;   /* [cells, K] */
  guint8 *cell_rgb; /* [cells, 3] */
  gsize n_pixels;   /* pixels mask_rgb holds */
  guint8 *mask_rgb; /* [height, width, 3] */
  gfloat *mix;      /* [K] interpolated logits of one pixel */
  GstRadioGridSampler sampler;
};

#define gst_radiosegment_parent_class parent_class
G_DEFINE_TYPE (GstRadioSegment, gst_radiosegment, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (radiosegment, "radiosegment",
    GST_RANK_NONE, GST_TYPE_RADIOSEGMENT,
    gst_radio_segmentation_meta_get_info ());

static void gst_radiosegment_finalize (GObject *object);
static void gst_radiosegment_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_radiosegment_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static gboolean gst_radiosegment_start (GstBaseTransform *trans);
static gboolean gst_radiosegment_stop (GstBaseTransform *trans);
static GstFlowReturn gst_radiosegment_transform_ip (
    GstBaseTransform *trans, GstBuffer *buf);

/* ---- class --------------------------------------------------------------- */

static void
gst_radiosegment_class_init (GstRadioSegmentClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags rw_mutable = rw | GST_PARAM_MUTABLE_PLAYING;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  GST_DEBUG_CATEGORY_INIT (gst_radiosegment_debug, "radiosegment", 0,
      "RADIO per-patch segmentation");

  gobject_class->finalize = gst_radiosegment_finalize;
  gobject_class->set_property = gst_radiosegment_set_property;
  gobject_class->get_property = gst_radiosegment_get_property;

  g_object_class_install_property (gobject_class, PROP_WEIGHTS,
      g_param_spec_string ("weights", "Weights",
          "Safetensors file of the head: `weight` [classes, channels] and "
          "optional `bias` [classes] (radio-make-classifier --segment "
          "writes one).  Only changes while the element is stopped",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_LABELS,
      g_param_spec_string ("labels", "Labels",
          "Text file with one class name per line, each optionally followed "
          "by a colour \" #RRGGBB\".  Unset: the weights file with .txt "
          "instead of .safetensors.  Only changes while stopped",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_SOURCE,
      g_param_spec_string ("source", "Source",
          "Features to classify: empty for the backbone's spatial grid, or "
          "the name of an adaptor that radio computes (its `adaptors`)",
          NULL, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_ALPHA,
      g_param_spec_double ("alpha", "Alpha",
          "Opacity of the class mask drawn over the video (0: invisible, "
          "1: opaque)",
          0.0, 1.0, DEFAULT_ALPHA, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_SMOOTH,
      g_param_spec_boolean ("smooth", "Smooth",
          "Draw region edges from the class scores interpolated bilinearly "
          "between cell centres; false: each pixel shows its cell's class",
          DEFAULT_SMOOTH, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_DRAW,
      g_param_spec_boolean ("draw", "Draw",
          "Draw the mask on the video; false: only attach the "
          "segmentation meta (the video passes unchanged)",
          DEFAULT_DRAW, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post a \"radio-segmentation\" element message per frame with "
          "the cells and the fraction of the frame each class covers",
          DEFAULT_POST_MESSAGES, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_N_CLASSES,
      g_param_spec_uint ("n-classes", "Number of classes",
          "Classes of the loaded head (0 until the element has started)", 0,
          G_MAXUINT, 0, ro));

  gst_element_class_set_static_metadata (element_class, "RADIO segmentation",
      "Filter/Analyzer/Video",
      "Classifies every patch of the RADIO spatial features with a linear "
      "head, attaches the class grid as GstRadioSegmentationMeta and draws "
      "it as a coloured mask",
      "gst-radio developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_radiosegment_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_radiosegment_stop);
  /* Maps the frame only when it draws, so draw=false never touches (or
   * copies) the pixels. */
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_radiosegment_transform_ip);
}

static void
gst_radiosegment_init (GstRadioSegment *self)
{
  self->alpha = DEFAULT_ALPHA;
  self->smooth = DEFAULT_SMOOTH;
  self->draw = DEFAULT_DRAW;
  self->post_messages = DEFAULT_POST_MESSAGES;
  /* Never passthrough: the meta is added to every buffer with features. */
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), FALSE);
}

static void
gst_radiosegment_finalize (GObject *object)
{
  GstRadioSegment *self = GST_RADIOSEGMENT (object);

  g_free (self->weights);
  g_free (self->labels);
  g_free (self->source);
  radio_head_free (self->head);
  gst_radio_head_checks_reset (&self->checks);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* ---- properties ---------------------------------------------------------- */

static void
gst_radiosegment_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstRadioSegment *self = GST_RADIOSEGMENT (object);

  if (prop_id == PROP_WEIGHTS || prop_id == PROP_LABELS) {
    gst_radio_head_set_file (GST_ELEMENT (self), "segmentation head",
        &self->head, prop_id == PROP_WEIGHTS ? &self->weights : &self->labels,
        pspec->name, g_value_get_string (value));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SOURCE:
      g_free (self->source);
      self->source = g_value_dup_string (value);
      break;
    case PROP_ALPHA:
      self->alpha = g_value_get_double (value);
      break;
    case PROP_SMOOTH:
      self->smooth = g_value_get_boolean (value);
      break;
    case PROP_DRAW:
      self->draw = g_value_get_boolean (value);
      break;
    case PROP_POST_MESSAGES:
      self->post_messages = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_radiosegment_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstRadioSegment *self = GST_RADIOSEGMENT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_WEIGHTS:
      g_value_set_string (value, self->weights);
      break;
    case PROP_LABELS:
      g_value_set_string (value, self->labels);
      break;
    case PROP_SOURCE:
      g_value_set_string (value, self->source);
      break;
    case PROP_ALPHA:
      g_value_set_double (value, self->alpha);
      break;
    case PROP_SMOOTH:
      g_value_set_boolean (value, self->smooth);
      break;
    case PROP_DRAW:
      g_value_set_boolean (value, self->draw);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
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

/* ---- start / stop -------------------------------------------------------- */

static gboolean
gst_radiosegment_start (GstBaseTransform *trans)
{
  GstRadioSegment *self = GST_RADIOSEGMENT (trans);
  g_autofree gchar *weights = NULL;
  g_autofree gchar *labels = NULL;
  RadioHead *head;

  GST_OBJECT_LOCK (self);
  weights = g_strdup (self->weights);
  labels = g_strdup (self->labels);
  GST_OBJECT_UNLOCK (self);

  head = gst_radio_head_load_for (
      GST_ELEMENT (self), "segmentation head", weights, labels);
  if (!head)
    return FALSE;
  if (head->n_classes > G_MAXUINT16 + 1u) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ,
        ("Segmentation head '%s' has %u classes; at most %u are supported",
            weights, head->n_classes, G_MAXUINT16 + 1u),
        (NULL));
    radio_head_free (head);
    return FALSE;
  }
  GST_OBJECT_LOCK (self);
  self->head = head;
  GST_OBJECT_UNLOCK (self);
  self->frame_count = 0;
  self->warned_no_meta = FALSE;
  self->warned_not_finite = FALSE;
  gst_radio_head_checks_reset (&self->checks);
  g_object_notify (G_OBJECT (self), "n-classes");
  return TRUE;
}

static gboolean
gst_radiosegment_stop (GstBaseTransform *trans)
{
  GstRadioSegment *self = GST_RADIOSEGMENT (trans);
  RadioHead *head;

  GST_OBJECT_LOCK (self);
  head = self->head;
  self->head = NULL;
  GST_OBJECT_UNLOCK (self);
  radio_head_free (head);
  g_clear_pointer (&self->classes, g_free);
  g_clear_pointer (&self->scores, g_free);
  g_clear_pointer (&self->logits, g_free);
  g_clear_pointer (&self->cell_rgb, g_free);
  g_clear_pointer (&self->mask_rgb, g_free);
  g_clear_pointer (&self->mix, g_free);
  self->n_cells = self->n_pixels = 0;
  gst_radio_grid_sampler_clear (&self->sampler);
  gst_radio_head_checks_reset (&self->checks);
  return TRUE;
}

/* ---- per frame: classes -------------------------------------------------- */

static void
ensure_cells (GstRadioSegment *self, gsize cells, guint n_classes)
{
  if (self->n_cells == cells && self->mix)
    return;
  self->classes = g_renew (guint16, self->classes, cells);
  self->scores = g_renew (gfloat, self->scores, cells);
  self->logits = g_renew (gfloat, self->logits, cells * n_classes);
  self->cell_rgb = g_renew (guint8, self->cell_rgb, cells * 3);
  self->mix = g_renew (gfloat, self->mix, n_classes);
  self->n_cells = cells;
}

/* Logits, best class and its softmax probability for every cell.  FALSE
 * when a logit is not finite (NaN or infinite features): no class then
 * means anything. */
static gboolean
classify_cells (GstRadioSegment *self, const gfloat *spatial, gsize cells)
{
  const RadioHead *head = self->head;
  guint K = head->n_classes, k;
  gsize c;

  for (c = 0; c < cells; c++) {
    gfloat *logits = self->logits + c * K;
    guint best;

    radio_head_logits (
        head, RADIO_HEAD_SCORING_LINEAR, spatial + c * head->dim, logits);
    for (k = 0; k < K; k++)
      if (!isfinite (logits[k]))
        return FALSE;
    radio_head_top_k (logits, K, 1, &best);
    memcpy (self->mix, logits, K * sizeof (gfloat));
    radio_head_softmax (self->mix, K, 1.0);
    self->classes[c] = (guint16)best;
    self->scores[c] = self->mix[best];
  }
  return TRUE;
}

/* ---- per frame: drawing -------------------------------------------------- */

/* Per pixel, the class with the highest bilinearly interpolated logit.
 * When the four surrounding cells agree, that class wins every corner and
 * so the interpolation too: only pixels between regions need the sums. */
static void
render_smooth (GstRadioSegment *self, const guint8 *colors, guint8 *rgb)
{
  const GstRadioGridSampler *s = &self->sampler;
  guint K = self->head->n_classes, gw = s->grid_width, i, j, k;

  for (j = 0; j < s->height; j++) {
    gsize top = (gsize)s->row0[j] * gw, bottom = (gsize)s->row1[j] * gw;
    gfloat wy = s->row_weight[j];
    guint8 *out = rgb + (gsize)j * s->width * 3;

    for (i = 0; i < s->width; i++) {
      gsize c00 = top + s->col0[i], c01 = top + s->col1[i];
      gsize c10 = bottom + s->col0[i], c11 = bottom + s->col1[i];
      guint best = self->classes[c00];

      if (self->classes[c01] != best || self->classes[c10] != best
          || self->classes[c11] != best) {
        gfloat wx = s->col_weight[i];
        gfloat w00 = (1 - wx) * (1 - wy), w01 = wx * (1 - wy);
        gfloat w10 = (1 - wx) * wy, w11 = wx * wy;
        const gfloat *l00 = self->logits + c00 * K;
        const gfloat *l01 = self->logits + c01 * K;
        const gfloat *l10 = self->logits + c10 * K;
        const gfloat *l11 = self->logits + c11 * K;

        for (k = 0; k < K; k++)
          self->mix[k]
              = w00 * l00[k] + w01 * l01[k] + w10 * l10[k] + w11 * l11[k];
        radio_head_top_k (self->mix, K, 1, &best);
      }
      memcpy (out + (gsize)i * 3, colors + best * 3, 3);
    }
  }
}

/* Blends the class mask into the frame.  FALSE when it cannot map it. */
static gboolean
draw_mask (GstRadioSegment *self, GstBuffer *buf, const GstRadioGeometry *g,
    gboolean smooth, gdouble alpha)
{
  GstVideoFilter *filter = GST_VIDEO_FILTER (self);
  const guint8 *colors = self->head->colors;
  guint width = GST_VIDEO_INFO_WIDTH (&filter->in_info);
  guint height = GST_VIDEO_INFO_HEIGHT (&filter->in_info);
  gsize pixels = (gsize)width * height, c;
  GstVideoFrame frame;

  /* READWRITE: blending reads the pixels it writes */
  if (!gst_video_frame_map (&frame, &filter->in_info, buf, GST_MAP_READWRITE))
    return FALSE;
  if (self->n_pixels != pixels) {
    self->mask_rgb = g_renew (guint8, self->mask_rgb, pixels * 3);
    self->n_pixels = pixels;
  }
  gst_radio_grid_sampler_setup (&self->sampler, width, height, g);
  if (smooth) {
    render_smooth (self, colors, self->mask_rgb);
  } else {
    for (c = 0; c < self->n_cells; c++)
      memcpy (self->cell_rgb + c * 3, colors + self->classes[c] * 3, 3);
    gst_radio_grid_sampler_upsample_rgb (
        &self->sampler, self->cell_rgb, FALSE, self->mask_rgb);
  }
  gst_radio_paint_blend (&frame, 0, 0, width, height, self->mask_rgb, alpha);
  gst_video_frame_unmap (&frame);
  return TRUE;
}

/* ---- per frame: messages ------------------------------------------------- */

/* Counts the cells of each class whose centre lies in the frame (not in
 * letterbox borders) and posts them with their share of the frame. */
static void
post_segmentation (GstRadioSegment *self, GstBuffer *buf, guint64 frame,
    const GstRadioGeometry *g)
{
  const RadioHead *head = self->head;
  g_autofree guint *cells = g_new0 (guint, head->n_classes);
  GValue labels = G_VALUE_INIT, counts = G_VALUE_INIT;
  GValue fractions = G_VALUE_INIT, v = G_VALUE_INIT;
  GstStructure *s;
  guint row, col, k, inside = 0, best = 0;
  guint frame_width = g->frame_width, frame_height = g->frame_height;

  if (!frame_width || !frame_height) {
    frame_width = GST_VIDEO_INFO_WIDTH (&GST_VIDEO_FILTER (self)->in_info);
    frame_height = GST_VIDEO_INFO_HEIGHT (&GST_VIDEO_FILTER (self)->in_info);
  }
  for (row = 0; row < g->grid_height; row++) {
    gdouble y = (row + 0.5 - g->offset_y) / g->scale_y;
    for (col = 0; col < g->grid_width; col++) {
      gdouble x = (col + 0.5 - g->offset_x) / g->scale_x;
      if (x < 0 || y < 0 || x >= frame_width || y >= frame_height)
        continue;
      cells[self->classes[(gsize)row * g->grid_width + col]]++;
      inside++;
    }
  }
  gst_value_array_init (&labels, head->n_classes);
  gst_value_array_init (&counts, head->n_classes);
  gst_value_array_init (&fractions, head->n_classes);
  for (k = 0; k < head->n_classes; k++) {
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, head->labels[k]);
    gst_value_array_append_and_take_value (&labels, &v);
    g_value_init (&v, G_TYPE_UINT);
    g_value_set_uint (&v, cells[k]);
    gst_value_array_append_and_take_value (&counts, &v);
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, inside ? (gdouble)cells[k] / inside : 0.0);
    gst_value_array_append_and_take_value (&fractions, &v);
    if (cells[k] > cells[best])
      best = k;
  }
  s = gst_structure_new ("radio-segmentation", "frame", G_TYPE_UINT64, frame,
      "timestamp", G_TYPE_UINT64, GST_BUFFER_PTS (buf), "grid-width",
      G_TYPE_UINT, g->grid_width, "grid-height", G_TYPE_UINT, g->grid_height,
      "dominant", G_TYPE_STRING, head->labels[best], NULL);
  gst_structure_take_value (s, "labels", &labels);
  gst_structure_take_value (s, "cells", &counts);
  gst_structure_take_value (s, "fractions", &fractions);
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

/* ---- per frame ----------------------------------------------------------- */

static GstFlowReturn
gst_radiosegment_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  GstRadioSegment *self = GST_RADIOSEGMENT (trans);
  g_autofree gchar *source = NULL;
  const GstRadioMeta *meta;
  const gfloat *spatial;
  GstRadioGeometry g;
  guint height = 0, width = 0, dim = 0;
  gdouble alpha;
  gboolean smooth, draw, post;
  guint64 frame = self->frame_count++;

  if (!self->head || !GST_VIDEO_FILTER (self)->negotiated) {
    GST_ELEMENT_ERROR (self, CORE, NOT_IMPLEMENTED,
        ("Received a buffer before caps were negotiated"), (NULL));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  GST_OBJECT_LOCK (self);
  source = g_strdup (self->source);
  alpha = self->alpha;
  smooth = self->smooth;
  draw = self->draw;
  post = self->post_messages;
  GST_OBJECT_UNLOCK (self);

  meta = gst_buffer_get_radio_meta (buf);
  if (!meta) {
    if (!self->warned_no_meta)
      GST_ELEMENT_WARNING (self, STREAM, FORMAT,
          ("Frames without RADIO features pass unchanged"),
          ("frame %" G_GUINT64_FORMAT " has no GstRadioMeta: put a radio "
           "element upstream (with interval=1 for every frame)",
              frame));
    self->warned_no_meta = TRUE;
    return GST_FLOW_OK;
  }
  spatial = gst_radio_meta_get_spatial (meta, source, &height, &width, &dim);
  if (!spatial || !width || !height || !meta->geometry.grid_width
      || !meta->geometry.grid_height) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("The frame's features have no spatial grid for source \"%s\"",
            source ? source : ""),
        ("radio must compute spatial features (features=spatial or both)%s",
            source && source[0] ? " and list the adaptor in its adaptors"
                                : ""));
    return GST_FLOW_ERROR;
  }
  if (dim != self->head->dim) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("The segmentation head takes %u-channel features but the %s "
         "spatial features have %u channels",
            self->head->dim, source && source[0] ? source : "backbone", dim),
        ("make the head from the same model and source"));
    return GST_FLOW_ERROR;
  }
  /* radio-make-classifier --segment makes linear heads only */
  gst_radio_head_check (&self->checks, GST_ELEMENT (self), "segmentation head",
      self->head, meta, source, "spatial", "linear");

  ensure_cells (self, (gsize)width * height, self->head->n_classes);
  if (!classify_cells (self, spatial, (gsize)width * height)) {
    if (!self->warned_not_finite)
      GST_ELEMENT_WARNING (self, STREAM, DECODE,
          ("Features that are not finite numbers: frames pass unsegmented"),
          ("first at frame %" G_GUINT64_FORMAT, frame));
    self->warned_not_finite = TRUE;
    return GST_FLOW_OK;
  }
  /* spatial is there, so is its geometry */
  gst_radio_meta_get_source_geometry (meta, source, &g);
  if (!gst_buffer_add_radio_segmentation_meta (buf, GST_ELEMENT_NAME (self),
          self->head->n_classes, (const gchar *const *)self->head->labels,
          self->head->colors, &g, self->classes, self->scores)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Cannot attach the segmentation to frame %" G_GUINT64_FORMAT, frame),
        (NULL));
    return GST_FLOW_ERROR;
  }
  if (draw && alpha > 0.0 && !draw_mask (self, buf, &g, smooth, alpha)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Cannot map frame %" G_GUINT64_FORMAT " for drawing", frame), (NULL));
    return GST_FLOW_ERROR;
  }
  if (post)
    post_segmentation (self, buf, frame, &g);
  return GST_FLOW_OK;
}
