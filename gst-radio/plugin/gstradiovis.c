/* gstradiovis.c: the `radiovis` element.
 *
 * SECTION:element-radiovis
 * @title: radiovis
 *
 * The classic RADIO picture: the spatial features of each frame (the
 * GstRadioMeta that `radio` attaches) projected onto their first three
 * principal components, shown as red, green and blue and upsampled
 * bilinearly from the patch grid to the frame.  Drawn over the video
 * (mode=overlay, blended with `alpha`), beside it (mode=side-by-side: the
 * output is twice as wide, the video on the left) or instead of it
 * (mode=features).
 *
 * The principal components are computed on the first `warmup-frames`
 * frames (colours are shown from the first frame with the basis so far)
 * and then follow the video slowly (`update-rate`; 0 freezes them), so
 * colours stay stable from frame to frame.  `save-basis` writes the basis
 * at the end of the stream and `load-basis` starts from a saved one, so
 * several streams or runs share colours.  The maths is in radio-pca.c.
 *
 * Buffers without features (no GstRadioMeta, as with `radio interval=N`,
 * or not the chosen `source`) get the colours of the last frame that had
 * them (`hold`), so the picture does not flicker, until the frame size or
 * format changes, a flush or a restart; with hold=false, or before the
 * first features, they pass through untouched and the element warns once.
 * In overlay and features modes the buffers keep their GstRadioMeta; the
 * side-by-side picture is a new buffer without it (its frame is not the
 * one the features describe).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=60 pattern=ball ! videoconvert ! \
 *     radio ! radiovis mode=side-by-side ! videoconvert ! autovideosink
 * ]| shows the test video beside the colours of its features (the built-in
 * model's random weights give colours without meaning).
 */
#include "gstradiovis.h"

#include <gst/radio/radiometa.h>
#include <math.h>
#include <string.h>

#include "gstradiovishold.h"
#include "radio-error.h"
#include "radio-pca.h"

GST_DEBUG_CATEGORY_STATIC (gst_radiovis_debug);
#define GST_CAT_DEFAULT gst_radiovis_debug

typedef enum {
  GST_RADIOVIS_MODE_OVERLAY,
  GST_RADIOVIS_MODE_SIDE_BY_SIDE,
  GST_RADIOVIS_MODE_FEATURES,
} GstRadioVisMode;

enum {
  PROP_0,
  PROP_MODE,
  PROP_ALPHA,
  PROP_WARMUP_FRAMES,
  PROP_UPDATE_RATE,
  PROP_SOURCE,
  PROP_LOAD_BASIS,
  PROP_SAVE_BASIS,
  PROP_SMOOTH,
  PROP_HOLD,
};

#define DEFAULT_MODE GST_RADIOVIS_MODE_OVERLAY
#define DEFAULT_ALPHA 0.6
#define DEFAULT_WARMUP_FRAMES 8
#define DEFAULT_UPDATE_RATE 0.02
#define DEFAULT_SMOOTH TRUE
#define DEFAULT_HOLD TRUE

static GstStaticPadTemplate sink_template
    = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (GST_RADIO_PAINT_FORMATS)));
static GstStaticPadTemplate src_template
    = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (GST_RADIO_PAINT_FORMATS)));

struct _GstRadioVis {
  GstVideoFilter parent;

  /* properties, under the object lock */
  GstRadioVisMode mode;
  gdouble alpha;
  guint warmup_frames;
  gdouble update_rate;
  gchar *source;
  gchar *load_path;
  gchar *save_path;
  gboolean smooth;
  gboolean hold;

  /* streaming thread (and start / stop, when it is not running) */
  GstRadioVisMode negotiated_mode;
  RadioPca *pca;
  gboolean loaded;       /* pca came from load-basis: no warm-up */
  gchar *basis_model_id; /* the loaded file's model_id, or NULL */
  gchar *model_id;       /* of the latest features, for save-basis */
  guint64 n_updates;     /* frames folded into pca */
  gboolean saved;        /* pca unchanged since it was written */
  gboolean warned_missing, warned_model;
  gboolean seen_features;  /* since start: hold makes warnings needless */
  GstRadioVisHold picture; /* of the last frame with features */
};

#define gst_radiovis_parent_class parent_class
G_DEFINE_TYPE (GstRadioVis, gst_radiovis, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (radiovis, "radiovis", GST_RANK_NONE,
    GST_TYPE_RADIOVIS, gst_radio_meta_get_info ());

static void gst_radiovis_finalize (GObject *object);
static void gst_radiovis_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_radiovis_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static gboolean gst_radiovis_start (GstBaseTransform *trans);
static gboolean gst_radiovis_stop (GstBaseTransform *trans);
static gboolean gst_radiovis_sink_event (
    GstBaseTransform *trans, GstEvent *event);
static GstCaps *gst_radiovis_transform_caps (GstBaseTransform *trans,
    GstPadDirection direction, GstCaps *caps, GstCaps *filter);
static GstCaps *gst_radiovis_fixate_caps (GstBaseTransform *trans,
    GstPadDirection direction, GstCaps *caps, GstCaps *othercaps);
static gboolean gst_radiovis_set_info (GstVideoFilter *filter, GstCaps *incaps,
    GstVideoInfo *in_info, GstCaps *outcaps, GstVideoInfo *out_info);
static GstFlowReturn gst_radiovis_transform_frame (
    GstVideoFilter *filter, GstVideoFrame *in, GstVideoFrame *out);
static GstFlowReturn gst_radiovis_transform_frame_ip (
    GstVideoFilter *filter, GstVideoFrame *frame);

static GType
gst_radiovis_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_RADIOVIS_MODE_OVERLAY,
        "The colours blended over the video with alpha", "overlay" },
    { GST_RADIOVIS_MODE_SIDE_BY_SIDE,
        "The video on the left, the colours on the right (output twice as "
        "wide)",
        "side-by-side" },
    { GST_RADIOVIS_MODE_FEATURES, "The colours only", "features" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (
        &type, g_enum_register_static ("GstRadioVisMode", values));
  return type;
}

/* ---- class --------------------------------------------------------------- */

static void
gst_radiovis_class_init (GstRadioVisClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags rw_ready = rw | GST_PARAM_MUTABLE_READY;
  const GParamFlags rw_playing = rw | GST_PARAM_MUTABLE_PLAYING;

  GST_DEBUG_CATEGORY_INIT (
      gst_radiovis_debug, "radiovis", 0, "RADIO features as PCA colours");

  gobject_class->finalize = gst_radiovis_finalize;
  gobject_class->set_property = gst_radiovis_set_property;
  gobject_class->get_property = gst_radiovis_get_property;

  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "How the colours are shown; switching to or from side-by-side "
          "while playing renegotiates the output size",
          gst_radiovis_mode_get_type (), DEFAULT_MODE, rw_playing));
  g_object_class_install_property (gobject_class, PROP_ALPHA,
      g_param_spec_double ("alpha", "Alpha",
          "Opacity of the colours in overlay mode (0: the video only, 1: the "
          "colours only)",
          0.0, 1.0, DEFAULT_ALPHA, rw_playing));
  g_object_class_install_property (gobject_class, PROP_WARMUP_FRAMES,
      g_param_spec_uint ("warmup-frames", "Warm-up frames",
          "Frames averaged with equal weight into the first basis (colours "
          "are shown from the first frame, with the basis so far); ignored "
          "with load-basis",
          1, G_MAXUINT, DEFAULT_WARMUP_FRAMES, rw_ready));
  g_object_class_install_property (gobject_class, PROP_UPDATE_RATE,
      g_param_spec_double ("update-rate", "Update rate",
          "Weight of each new frame in the running statistics after the "
          "warm-up (0: the basis is frozen after the warm-up, or as loaded)",
          0.0, 1.0, DEFAULT_UPDATE_RATE, rw_playing));
  g_object_class_install_property (gobject_class, PROP_SOURCE,
      g_param_spec_string ("source", "Source",
          "Features to show: empty for the backbone's spatial features, or "
          "the name of an adaptor that radio computes (its adaptors "
          "property)",
          NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_LOAD_BASIS,
      g_param_spec_string ("load-basis", "Load basis",
          "A basis file written by save-basis, read when the element starts; "
          "the warm-up is skipped and colours match the stream it came from",
          NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_SAVE_BASIS,
      g_param_spec_string ("save-basis", "Save basis",
          "Where to write the basis (safetensors: mean, components, "
          "variance) at the end of the stream and when the element stops",
          NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_SMOOTH,
      g_param_spec_boolean ("smooth", "Smooth",
          "Upsample the grid bilinearly; false paints each patch in one "
          "colour",
          DEFAULT_SMOOTH, rw_playing));
  g_object_class_install_property (gobject_class, PROP_HOLD,
      g_param_spec_boolean ("hold", "Hold",
          "Paint frames without features (radio interval=N) with the colours "
          "of the last frame that had them, until the frame size or format "
          "changes or a flush; false passes them through untouched",
          DEFAULT_HOLD, rw_playing));

  gst_element_class_set_static_metadata (element_class,
      "RADIO feature visualiser", "Filter/Effect/Video",
      "Paints the first three principal components of the RADIO spatial "
      "features as colours over the video",
      "gst-radio developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_radiovis_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_radiovis_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_radiovis_sink_event);
  trans_class->transform_caps = GST_DEBUG_FUNCPTR (gst_radiovis_transform_caps);
  trans_class->fixate_caps = GST_DEBUG_FUNCPTR (gst_radiovis_fixate_caps);
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_radiovis_set_info);
  filter_class->transform_frame
      = GST_DEBUG_FUNCPTR (gst_radiovis_transform_frame);
  filter_class->transform_frame_ip
      = GST_DEBUG_FUNCPTR (gst_radiovis_transform_frame_ip);

  gst_type_mark_as_plugin_api (gst_radiovis_mode_get_type (), 0);
}

static void
gst_radiovis_init (GstRadioVis *self)
{
  self->mode = DEFAULT_MODE;
  self->alpha = DEFAULT_ALPHA;
  self->warmup_frames = DEFAULT_WARMUP_FRAMES;
  self->update_rate = DEFAULT_UPDATE_RATE;
  self->smooth = DEFAULT_SMOOTH;
  self->hold = DEFAULT_HOLD;
  self->negotiated_mode = DEFAULT_MODE;
  /* The statistics need every frame, late or not. */
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), FALSE);
}

static void
clear_stream_state (GstRadioVis *self)
{
  g_clear_pointer (&self->pca, radio_pca_free);
  g_clear_pointer (&self->basis_model_id, g_free);
  g_clear_pointer (&self->model_id, g_free);
  gst_radiovis_hold_clear (&self->picture);
  self->loaded = FALSE;
  self->n_updates = 0;
  /* FALSE: a stream without features warns that nothing was written */
  self->saved = FALSE;
  self->warned_missing = self->warned_model = FALSE;
  self->seen_features = FALSE;
}

static void
gst_radiovis_finalize (GObject *object)
{
  GstRadioVis *self = GST_RADIOVIS (object);

  clear_stream_state (self);
  g_free (self->source);
  g_free (self->load_path);
  g_free (self->save_path);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* ---- properties ---------------------------------------------------------- */

static void
gst_radiovis_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstRadioVis *self = GST_RADIOVIS (object);
  gboolean reconfigure = FALSE;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE: {
      GstRadioVisMode mode = g_value_get_enum (value);
      reconfigure = (mode == GST_RADIOVIS_MODE_SIDE_BY_SIDE)
                    != (self->mode == GST_RADIOVIS_MODE_SIDE_BY_SIDE);
      self->mode = mode;
      break;
    }
    case PROP_ALPHA:
      self->alpha = g_value_get_double (value);
      break;
    case PROP_WARMUP_FRAMES:
      self->warmup_frames = g_value_get_uint (value);
      break;
    case PROP_UPDATE_RATE:
      self->update_rate = g_value_get_double (value);
      break;
    case PROP_SOURCE:
      g_free (self->source);
      self->source = g_value_dup_string (value);
      break;
    case PROP_LOAD_BASIS:
      g_free (self->load_path);
      self->load_path = g_value_dup_string (value);
      break;
    case PROP_SAVE_BASIS:
      g_free (self->save_path);
      self->save_path = g_value_dup_string (value);
      break;
    case PROP_SMOOTH:
      self->smooth = g_value_get_boolean (value);
      break;
    case PROP_HOLD:
      self->hold = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
  /* The output size depends on the mode: negotiate again. */
  if (reconfigure)
    gst_base_transform_reconfigure_src (GST_BASE_TRANSFORM (self));
}

static void
gst_radiovis_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstRadioVis *self = GST_RADIOVIS (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_ALPHA:
      g_value_set_double (value, self->alpha);
      break;
    case PROP_WARMUP_FRAMES:
      g_value_set_uint (value, self->warmup_frames);
      break;
    case PROP_UPDATE_RATE:
      g_value_set_double (value, self->update_rate);
      break;
    case PROP_SOURCE:
      g_value_set_string (value, self->source);
      break;
    case PROP_LOAD_BASIS:
      g_value_set_string (value, self->load_path);
      break;
    case PROP_SAVE_BASIS:
      g_value_set_string (value, self->save_path);
      break;
    case PROP_SMOOTH:
      g_value_set_boolean (value, self->smooth);
      break;
    case PROP_HOLD:
      g_value_set_boolean (value, self->hold);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---- start, stop, basis files -------------------------------------------- */

static gboolean
gst_radiovis_start (GstBaseTransform *trans)
{
  GstRadioVis *self = GST_RADIOVIS (trans);
  g_autofree gchar *path = NULL, *source = NULL, *file_source = NULL;
  g_autoptr (GError) error = NULL;
  RadioPca *pca;

  clear_stream_state (self);
  GST_OBJECT_LOCK (self);
  path = g_strdup (self->load_path);
  source = g_strdup (self->source ? self->source : "");
  GST_OBJECT_UNLOCK (self);
  if (!path || !path[0])
    return TRUE;

  pca = radio_pca_load (path, &file_source, &self->basis_model_id, &error);
  if (!pca) {
    if (error->code == RADIO_ERROR_IO
        && !g_file_test (path, G_FILE_TEST_EXISTS))
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
          ("PCA basis '%s' not found", path), ("%s", error->message));
    else
      GST_ELEMENT_ERROR (self, RESOURCE, READ,
          ("Invalid PCA basis '%s': %s", path, error->message), (NULL));
    return FALSE;
  }
  self->pca = pca;
  self->loaded = TRUE;
  self->saved = FALSE;
  if (file_source && strcmp (file_source, source) != 0)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("PCA basis '%s' was computed on other features ('%s') than the "
         "source shown ('%s'): its colours may mean little",
            path, file_source, source),
        (NULL));
  GST_INFO_OBJECT (self, "loaded a %u-dimensional basis from %s",
      radio_pca_get_dim (pca), path);
  return TRUE;
}

/* Writes the basis to save-basis unless it is unchanged since the last
 * write.  FALSE (an error posted) when the write fails. */
static gboolean
save_basis (GstRadioVis *self)
{
  g_autofree gchar *path = NULL, *source = NULL;
  g_autoptr (GError) error = NULL;

  GST_OBJECT_LOCK (self);
  path = g_strdup (self->save_path);
  source = g_strdup (self->source ? self->source : "");
  GST_OBJECT_UNLOCK (self);
  if (!path || !path[0] || self->saved)
    return TRUE;
  self->saved = TRUE;
  if (!self->pca || !radio_pca_has_basis (self->pca)) {
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("No PCA basis to write to '%s': no frame carried features", path),
        (NULL));
    return TRUE;
  }
  if (!radio_pca_save (self->pca, path, source, self->model_id, &error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Cannot write the PCA basis to '%s': %s", path, error->message),
        (NULL));
    return FALSE;
  }
  GST_INFO_OBJECT (self, "wrote the basis to %s", path);
  return TRUE;
}

static gboolean
gst_radiovis_stop (GstBaseTransform *trans)
{
  GstRadioVis *self = GST_RADIOVIS (trans);

  /* A failed write is on the bus; the element still stops cleanly. */
  save_basis (self);
  clear_stream_state (self);
  return TRUE;
}

static gboolean
gst_radiovis_sink_event (GstBaseTransform *trans, GstEvent *event)
{
  GstRadioVis *self = GST_RADIOVIS (trans);

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    save_basis (self);
  /* after a seek the held colours belong to another part of the stream */
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    self->picture.valid = FALSE;
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

/* ---- caps ---------------------------------------------------------------- */

/* One width (or a range or list of them) doubled, or halved for the
 * reverse direction.  FALSE when nothing is left (odd widths halved). */
static gboolean
scale_width (const GValue *in, gboolean twice, GValue *out)
{
  if (G_VALUE_HOLDS_INT (in)) {
    gint w = g_value_get_int (in);
    if (!twice && w % 2 != 0)
      return FALSE;
    if (twice && w > G_MAXINT / 2)
      return FALSE;
    g_value_init (out, G_TYPE_INT);
    g_value_set_int (out, twice ? w * 2 : w / 2);
    return TRUE;
  }
  if (GST_VALUE_HOLDS_INT_RANGE (in)) {
    gint lo = gst_value_get_int_range_min (in);
    gint hi = gst_value_get_int_range_max (in);
    if (twice) {
      lo = lo > G_MAXINT / 2 ? G_MAXINT : lo * 2;
      hi = hi > G_MAXINT / 2 ? G_MAXINT - 1 : hi * 2;
    } else {
      lo = lo / 2 + lo % 2;
      hi = hi / 2;
    }
    if (lo > hi)
      return FALSE;
    if (lo == hi) {
      g_value_init (out, G_TYPE_INT);
      g_value_set_int (out, lo);
    } else if (twice) {
      g_value_init (out, GST_TYPE_INT_RANGE);
      gst_value_set_int_range_step (out, lo, hi, 2);
    } else {
      g_value_init (out, GST_TYPE_INT_RANGE);
      gst_value_set_int_range (out, lo, hi);
    }
    return TRUE;
  }
  if (GST_VALUE_HOLDS_LIST (in)) {
    guint i, n = gst_value_list_get_size (in);
    g_value_init (out, GST_TYPE_LIST);
    for (i = 0; i < n; i++) {
      GValue item = G_VALUE_INIT;
      if (scale_width (gst_value_list_get_value (in, i), twice, &item))
        gst_value_list_append_and_take_value (out, &item);
    }
    if (gst_value_list_get_size (out) > 0)
      return TRUE;
    g_value_unset (out);
    return FALSE;
  }
  return FALSE;
}

static GstCaps *
gst_radiovis_transform_caps (GstBaseTransform *trans, GstPadDirection direction,
    GstCaps *caps, GstCaps *filter)
{
  GstRadioVis *self = GST_RADIOVIS (trans);
  GstRadioVisMode mode;
  GstCaps *ret;
  guint i;

  GST_OBJECT_LOCK (self);
  mode = self->mode;
  GST_OBJECT_UNLOCK (self);

  if (mode != GST_RADIOVIS_MODE_SIDE_BY_SIDE) {
    ret = gst_caps_ref (caps);
  } else {
    /* the sink pad's caps become the source pad's with twice the width */
    gboolean twice = direction == GST_PAD_SINK;
    ret = gst_caps_new_empty ();
    for (i = 0; i < gst_caps_get_size (caps); i++) {
      GstStructure *s = gst_structure_copy (gst_caps_get_structure (caps, i));
      const GValue *width = gst_structure_get_value (s, "width");
      GValue scaled = G_VALUE_INIT;
      if (width) {
        if (!scale_width (width, twice, &scaled)) {
          gst_structure_free (s);
          continue;
        }
        gst_structure_take_value (s, "width", &scaled);
      }
      ret = gst_caps_merge_structure_full (
          ret, s, gst_caps_features_copy (gst_caps_get_features (caps, i)));
    }
  }
  if (filter) {
    GstCaps *t
        = gst_caps_intersect_full (filter, ret, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (ret);
    ret = t;
  }
  GST_DEBUG_OBJECT (self, "%s %" GST_PTR_FORMAT " -> %" GST_PTR_FORMAT,
      direction == GST_PAD_SINK ? "sink" : "src", caps, ret);
  return ret;
}

/* Side by side: the other pad's size follows this pad's exactly, so
 * fixate to the caps this pad's fixed caps transform to. */
static GstCaps *
gst_radiovis_fixate_caps (GstBaseTransform *trans, GstPadDirection direction,
    GstCaps *caps, GstCaps *othercaps)
{
  GstCaps *exact, *result;

  exact = gst_radiovis_transform_caps (trans, direction, caps, NULL);
  result = gst_caps_intersect (othercaps, exact);
  gst_caps_unref (exact);
  if (gst_caps_is_empty (result)) {
    gst_caps_unref (result);
    result = othercaps;
  } else {
    gst_caps_unref (othercaps);
  }
  return gst_caps_fixate (result);
}

static gboolean
gst_radiovis_set_info (GstVideoFilter *filter, GstCaps *incaps,
    GstVideoInfo *in_info, GstCaps *outcaps, GstVideoInfo *out_info)
{
  GstRadioVis *self = GST_RADIOVIS (filter);
  gint in_w = GST_VIDEO_INFO_WIDTH (in_info);
  gint out_w = GST_VIDEO_INFO_WIDTH (out_info);
  gboolean side;

  if (!gst_radio_paint_format_supported (GST_VIDEO_INFO_FORMAT (in_info))
      || GST_VIDEO_INFO_FORMAT (in_info) != GST_VIDEO_INFO_FORMAT (out_info)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("Video format %s is not supported",
            gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (in_info))),
        ("supported: %s", GST_RADIO_PAINT_FORMATS));
    return FALSE;
  }
  side = out_w == 2 * in_w;
  if ((!side && out_w != in_w)
      || GST_VIDEO_INFO_HEIGHT (in_info) != GST_VIDEO_INFO_HEIGHT (out_info)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("Cannot draw %dx%d frames into %dx%d frames", in_w,
            GST_VIDEO_INFO_HEIGHT (in_info), out_w,
            GST_VIDEO_INFO_HEIGHT (out_info)),
        (NULL));
    return FALSE;
  }
  /* The held colours stay only while the frames they were drawn for do
   * (a renegotiation of the output alone, side-by-side, keeps them). */
  if (!gst_radiovis_hold_fits (
          &self->picture, in_w, GST_VIDEO_INFO_HEIGHT (in_info))
      || GST_VIDEO_INFO_FORMAT (in_info) != self->picture.format)
    self->picture.valid = FALSE;
  GST_OBJECT_LOCK (self);
  self->negotiated_mode = side ? GST_RADIOVIS_MODE_SIDE_BY_SIDE : self->mode;
  GST_OBJECT_UNLOCK (self);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), !side);
  GST_DEBUG_OBJECT (self, "%dx%d -> %dx%d", in_w,
      GST_VIDEO_INFO_HEIGHT (in_info), out_w, GST_VIDEO_INFO_HEIGHT (out_info));
  return TRUE;
}

/* ---- per frame ----------------------------------------------------------- */

/* The weight of this frame in the running statistics: equal weights over
 * the warm-up (and beyond, until they fall under the update rate), then
 * the update rate. */
static gdouble
frame_weight (GstRadioVis *self, guint warmup, gdouble rate)
{
  gdouble equal = 1.0 / (self->n_updates + 1);

  if (!self->loaded && self->n_updates < warmup)
    return equal;
  if (rate <= 0.0)
    return 0.0;
  return self->loaded ? rate : MAX (rate, equal);
}

/* A grid and a finite mapping: what the grid sampler needs. */
static gboolean
geometry_usable (const GstRadioGeometry *g)
{
  return g->grid_width > 0 && g->grid_height > 0 && isfinite (g->scale_x)
         && isfinite (g->scale_y) && isfinite (g->offset_x)
         && isfinite (g->offset_y);
}

/* Once per stream: why a frame could not be painted. */
static void
warn_missing (GstRadioVis *self, const GstRadioMeta *meta, const gchar *source)
{
  self->warned_missing = TRUE;
  if (!meta)
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("Frames carry no RADIO features: passing them through"),
        ("no GstRadioMeta on the buffer; put radiovis after radio"));
  else if (!geometry_usable (&meta->geometry))
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("Frames carry RADIO features without a usable geometry: "
         "passing them through"),
        ("grid %ux%u, scale %g x %g, offset %g, %g", meta->geometry.grid_width,
            meta->geometry.grid_height, meta->geometry.scale_x,
            meta->geometry.scale_y, meta->geometry.offset_x,
            meta->geometry.offset_y));
  else
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("Frames carry no spatial features for source '%s': passing "
         "them through",
            source),
        ("set radio features=spatial or both, and list the adaptor in "
         "radio's adaptors property"));
}

/* Paints the colours of inbuf's features into frame's area of
 * width x height pixels at (x, 0), blended with alpha.  Without features
 * the held colours are painted (hold), or the area is left alone, or
 * filled with black when fill_missing. */
static GstFlowReturn
paint_features (GstRadioVis *self, GstBuffer *inbuf, GstVideoFrame *frame,
    guint x, guint width, guint height, gdouble alpha, gboolean fill_missing)
{
  static const guint8 black[3] = { 0, 0, 0 };
  g_autofree gchar *source = NULL;
  GstRadioMeta *meta = gst_buffer_get_radio_meta (inbuf);
  const gfloat *spatial = NULL;
  GstRadioGeometry geometry;
  guint gh = 0, gw = 0, dim = 0, warmup;
  gdouble rate, weight;
  gboolean smooth, hold;
  gsize n;

  GST_OBJECT_LOCK (self);
  source = g_strdup (self->source ? self->source : "");
  warmup = self->warmup_frames;
  rate = self->update_rate;
  smooth = self->smooth;
  hold = self->hold;
  GST_OBJECT_UNLOCK (self);

  if (meta && geometry_usable (&meta->geometry)
      && gst_radio_meta_get_source_geometry (meta, source, &geometry))
    spatial = gst_radio_meta_get_spatial (meta, source, &gh, &gw, &dim);
  if (!spatial || gh == 0 || gw == 0 || dim == 0) {
    /* only on frames of the held size: it paints exactly that area */
    if (hold && gst_radiovis_hold_fits (&self->picture, width, height)) {
      gst_radiovis_hold_paint (&self->picture, frame, x, alpha, smooth);
      return GST_FLOW_OK;
    }
    /* With hold, gaps after the first features are expected (radio
     * interval=N), even where nothing is held (after a flush). */
    if (!self->warned_missing && !(hold && self->seen_features))
      warn_missing (self, meta, source);
    if (fill_missing)
      gst_radio_paint_fill (frame, x, 0, width, height, black, 1.0);
    return GST_FLOW_OK;
  }

  if (dim > RADIO_PCA_MAX_DIM) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("Features of %u dimensions are more than radiovis handles (%u)", dim,
            RADIO_PCA_MAX_DIM),
        (NULL));
    return GST_FLOW_ERROR;
  }
  if (!self->pca) {
    self->pca = radio_pca_new (dim);
  } else if (radio_pca_get_dim (self->pca) != dim) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("The PCA basis is %u-dimensional but the features are %u-dimensional",
            radio_pca_get_dim (self->pca), dim),
        ("source '%s'; a loaded basis must come from the same model and "
         "source",
            source));
    return GST_FLOW_ERROR;
  }
  if (g_strcmp0 (self->model_id, meta->model_id) != 0) {
    g_free (self->model_id);
    self->model_id = g_strdup (meta->model_id);
  }
  if (self->basis_model_id && meta->model_id && !self->warned_model
      && strcmp (self->basis_model_id, meta->model_id) != 0) {
    self->warned_model = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("The loaded PCA basis comes from another model: its colours may "
         "mean little"),
        ("basis model_id %s, features model_id %s", self->basis_model_id,
            meta->model_id));
  }

  n = (gsize)gh * gw;
  weight = frame_weight (self, warmup, rate);
  if (weight > 0.0 && radio_pca_update (self->pca, spatial, n, weight) > 0) {
    self->n_updates++;
    self->saved = FALSE;
  }
  radio_pca_colorize (self->pca, spatial, n,
      gst_radiovis_hold_new_cells (&self->picture, width, height,
          GST_VIDEO_FRAME_FORMAT (frame), &geometry));
  self->seen_features = TRUE;
  gst_radiovis_hold_paint (&self->picture, frame, x, alpha, smooth);
  return GST_FLOW_OK;
}

/* The mode to draw now: a switch to or from side-by-side waits for the
 * renegotiation it triggered. */
static GstRadioVisMode
current_mode (GstRadioVis *self, gdouble *alpha)
{
  GstRadioVisMode mode;

  GST_OBJECT_LOCK (self);
  mode = self->mode;
  *alpha = self->alpha;
  if ((mode == GST_RADIOVIS_MODE_SIDE_BY_SIDE)
      != (self->negotiated_mode == GST_RADIOVIS_MODE_SIDE_BY_SIDE))
    mode = self->negotiated_mode;
  GST_OBJECT_UNLOCK (self);
  return mode;
}

static GstFlowReturn
gst_radiovis_transform_frame_ip (GstVideoFilter *filter, GstVideoFrame *frame)
{
  GstRadioVis *self = GST_RADIOVIS (filter);
  gdouble alpha;
  GstRadioVisMode mode = current_mode (self, &alpha);

  if (mode == GST_RADIOVIS_MODE_FEATURES)
    alpha = 1.0;
  return paint_features (self, frame->buffer, frame, 0,
      GST_VIDEO_FRAME_WIDTH (frame), GST_VIDEO_FRAME_HEIGHT (frame), alpha,
      FALSE);
}

/* Side by side: the video on the left, the colours on the right. */
static GstFlowReturn
gst_radiovis_transform_frame (
    GstVideoFilter *filter, GstVideoFrame *in, GstVideoFrame *out)
{
  GstRadioVis *self = GST_RADIOVIS (filter);
  guint width = GST_VIDEO_FRAME_WIDTH (in);
  guint height = GST_VIDEO_FRAME_HEIGHT (in);
  guint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (in, 0);
  guint8 *dst = GST_VIDEO_FRAME_PLANE_DATA (out, 0);
  const guint8 *src = GST_VIDEO_FRAME_PLANE_DATA (in, 0);
  gsize dst_stride = GST_VIDEO_FRAME_PLANE_STRIDE (out, 0);
  gsize src_stride = GST_VIDEO_FRAME_PLANE_STRIDE (in, 0);
  guint y;

  if ((guint)GST_VIDEO_FRAME_WIDTH (out) != 2 * width) {
    /* same size: in place modes on a copy */
    if (!gst_video_frame_copy (out, in)) {
      GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Cannot copy a frame"), (NULL));
      return GST_FLOW_ERROR;
    }
    return gst_radiovis_transform_frame_ip (filter, out);
  }
  /* left: the video; right: opaque (alpha and x bytes 0xff), then drawn */
  for (y = 0; y < height; y++) {
    memcpy (dst + y * dst_stride, src + y * src_stride, (gsize)width * ps);
    memset (dst + y * dst_stride + (gsize)width * ps, 0xff, (gsize)width * ps);
  }
  return paint_features (
      self, in->buffer, out, width, width, height, 1.0, TRUE);
}
