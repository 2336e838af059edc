/* gstradio.c: the `radio` element.
 *
 * SECTION:element-radio
 * @title: radio
 *
 * Runs a RADIO vision foundation model (AM-RADIO, RADIOv2.5, C-RADIO) on
 * every video frame (or every Nth, `interval`) and attaches the model's
 * outputs to the buffer as a GstRadioMeta (<gst/radio/radiometa.h>): the
 * summary vector, the grid of per-patch spatial features and the outputs
 * of any adaptor heads.  The video itself passes through untouched.
 *
 * Without a `model` the element uses the small built-in model, whose
 * weights are random: its features carry no meaning, but every pipeline
 * runs.  Point `model` at a downloaded checkpoint folder (config.json +
 * model.safetensors, e.g. nvidia/C-RADIOv3-B from Hugging Face) for real
 * features.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m videotestsrc num-buffers=10 ! videoconvert ! \
 *     radio post-messages=true ! fakesink
 * ]| prints one `radio-frame` element message per frame with the latency
 * and the summary's norm.
 */
#include "gstradio.h"

#include <gst/radio/radiometa.h>
#include <math.h>
#include <string.h>

#include "gst-radio-config.h"
#include "gstradioenums.h"
#include "gstradioframe.h"
#include "gstradiomodel.h"
#include "radio-error.h"
#include "radio-model-cache.h"
#include "radio-runner.h"

GST_DEBUG_CATEGORY_STATIC (gst_radio_debug);
#define GST_CAT_DEFAULT gst_radio_debug

enum {
  PROP_0,
  PROP_MODEL,
  PROP_BACKEND,
  PROP_DEVICE_ID,
  PROP_PRECISION,
  PROP_RESIZE,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_INTERVAL,
  PROP_ADAPTORS,
  PROP_POS_INTERP,
  PROP_FEATURES,
  PROP_THREADS,
  PROP_POST_MESSAGES,
  PROP_MODEL_INFO,
  PROP_BACKEND_INFO,
  PROP_SUMMARY_DIM,
  PROP_SPATIAL_DIM,
  PROP_LAST_LATENCY_MS,
  PROP_AVERAGE_LATENCY_MS,
};

#define DEFAULT_BACKEND RADIO_BACKEND_AUTO
#define DEFAULT_DEVICE_ID 0
#define DEFAULT_PRECISION RADIO_PRECISION_AUTO
#define DEFAULT_RESIZE GST_RADIO_RESIZE_NEAREST
#define DEFAULT_INTERVAL 1
#define DEFAULT_POS_INTERP RADIO_POS_INTERP_AUTO
#define DEFAULT_FEATURES GST_RADIO_FEATURES_BOTH
#define DEFAULT_THREADS 0

#define RADIO_FORMATS                                                          \
  "{ RGB, BGR, RGBA, BGRA, RGBx, BGRx, xRGB, xBGR, "                           \
  "ARGB, ABGR, NV12, I420 }"

static GstStaticPadTemplate sink_template
    = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (RADIO_FORMATS)));
static GstStaticPadTemplate src_template
    = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (RADIO_FORMATS)));

struct _GstRadio {
  GstVideoFilter parent;

  /* properties, under the object lock */
  gchar *model_path;
  RadioBackend backend;
  gint device_id;
  RadioPrecision precision;
  GstRadioResize resize;
  guint width, height;
  guint interval;
  gchar *adaptors;
  RadioPosInterp pos_interp;
  GstRadioFeatureSet features;
  guint threads;
  gboolean post_messages;
  gboolean replan; /* a property the plan depends on changed */

  /* model: set in start(), read under the object lock */
  RadioCheckpoint *ckpt;
  const gchar *model_id; /* the cache's, valid while ckpt is held */
  gchar *model_info;
  gchar *backend_info;

  /* streaming thread */
  RadioRunner *runner;
  GstRadioPlan plan;
  guint64 frame_count;
  gboolean warned_notice;
  gboolean refusal_posted; /* a frame size error is on the bus */

  /* statistics, under the object lock */
  guint64 n_processed;
  gdouble last_latency_ms, total_latency_ms;
};

#define gst_radio_parent_class parent_class
G_DEFINE_TYPE (GstRadio, gst_radio, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (
    radio, "radio", GST_RANK_NONE, GST_TYPE_RADIO, gst_radio_meta_get_info ());

static void gst_radio_finalize (GObject *object);
static void gst_radio_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_radio_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static gboolean gst_radio_start (GstBaseTransform *trans);
static gboolean gst_radio_stop (GstBaseTransform *trans);
static GstFlowReturn gst_radio_transform_ip (
    GstBaseTransform *trans, GstBuffer *buf);
static gboolean gst_radio_set_info (GstVideoFilter *filter, GstCaps *incaps,
    GstVideoInfo *in_info, GstCaps *outcaps, GstVideoInfo *out_info);

/* ---- class --------------------------------------------------------------- */

static void
gst_radio_class_init (GstRadioClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags rw_mutable = rw | GST_PARAM_MUTABLE_PLAYING;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  GST_DEBUG_CATEGORY_INIT (
      gst_radio_debug, "radio", 0, "RADIO vision model inference");

  gobject_class->finalize = gst_radio_finalize;
  gobject_class->set_property = gst_radio_set_property;
  gobject_class->get_property = gst_radio_get_property;

  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "RADIO checkpoint: a folder with config.json and model.safetensors "
          "(or a sharded index), or a .safetensors file with config.json "
          "beside it.  Unset: the built-in model with RANDOM weights.  Only "
          "changes while the element is stopped (READY or NULL)",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_BACKEND,
      g_param_spec_enum ("backend", "Backend",
          "Where the model runs; auto warns when it falls back to the CPU",
          gst_radio_backend_get_type (), DEFAULT_BACKEND, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_DEVICE_ID,
      g_param_spec_int ("device-id", "Device ID",
          "CUDA device ordinal for the cuda backend", 0, G_MAXINT,
          DEFAULT_DEVICE_ID, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_PRECISION,
      g_param_spec_enum ("precision", "Precision",
          "Arithmetic of the forward pass (the CPU always uses fp32)",
          gst_radio_precision_get_type (), DEFAULT_PRECISION, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_RESIZE,
      g_param_spec_enum ("resize", "Resize",
          "How frames are fitted to the model input (bilinear, half-pixel "
          "centres): nearest keeps the frame size rounded to whole patches",
          gst_radio_resize_get_type (), DEFAULT_RESIZE, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_WIDTH,
      g_param_spec_uint ("width", "Width",
          "Model input width in pixels for resize=fixed and letterbox, a "
          "multiple of the patch size (0: the model's preferred width)",
          0, 16384, 0, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_HEIGHT,
      g_param_spec_uint ("height", "Height",
          "Model input height in pixels for resize=fixed and letterbox, a "
          "multiple of the patch size (0: the model's preferred height)",
          0, 16384, 0, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint ("interval", "Interval",
          "Run the model on every Nth frame; the others pass without meta", 1,
          G_MAXUINT, DEFAULT_INTERVAL, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_ADAPTORS,
      g_param_spec_string ("adaptors", "Adaptors",
          "Comma-separated adaptor heads of the checkpoint to evaluate "
          "(e.g. \"clip,dino_v2\"); see model-info for the names",
          NULL, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_POS_INTERP,
      g_param_spec_enum ("pos-interp", "Position embedding interpolation",
          "How the position embeddings are resized to the patch grid",
          gst_radio_pos_interp_get_type (), DEFAULT_POS_INTERP, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_FEATURES,
      g_param_spec_enum ("features", "Features",
          "Which outputs the meta carries (adaptor outputs follow the same "
          "choice)",
          gst_radio_features_get_enum_type (), DEFAULT_FEATURES, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_uint ("threads", "Threads",
          "CPU backend worker threads (0: one per core)", 0, 1024,
          DEFAULT_THREADS, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post a \"radio-frame\" element message per processed frame with "
          "its latency and the summary's L2 norm",
          FALSE, rw_mutable));
  g_object_class_install_property (gobject_class, PROP_MODEL_INFO,
      g_param_spec_string ("model-info", "Model information",
          "The loaded model: release, architecture, dimensions, patch size, "
          "tokens, adaptors (set once the element is PAUSED)",
          NULL, ro));
  g_object_class_install_property (gobject_class, PROP_BACKEND_INFO,
      g_param_spec_string ("backend-info", "Backend information",
          "The backend in use, and why it differs from `backend` if it does",
          NULL, ro));
  g_object_class_install_property (gobject_class, PROP_SUMMARY_DIM,
      g_param_spec_uint ("summary-dim", "Summary dimension",
          "Length of the summary vector (summary tokens x embedding size)", 0,
          G_MAXUINT, 0, ro));
  g_object_class_install_property (gobject_class, PROP_SPATIAL_DIM,
      g_param_spec_uint ("spatial-dim", "Spatial dimension",
          "Channels of each spatial feature vector", 0, G_MAXUINT, 0, ro));
  g_object_class_install_property (gobject_class, PROP_LAST_LATENCY_MS,
      g_param_spec_double ("last-latency-ms", "Last latency",
          "Milliseconds the last processed frame took (preprocessing and "
          "forward)",
          0, G_MAXDOUBLE, 0, ro));
  g_object_class_install_property (gobject_class, PROP_AVERAGE_LATENCY_MS,
      g_param_spec_double ("average-latency-ms", "Average latency",
          "Mean milliseconds per processed frame since the element started", 0,
          G_MAXDOUBLE, 0, ro));

  gst_element_class_set_static_metadata (element_class,
      "RADIO feature extractor", "Filter/Analyzer/Video",
      "Runs a RADIO vision foundation model on video frames and attaches "
      "its summary and spatial features as GstRadioMeta",
      "gst-radio developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_radio_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_radio_stop);
  /* Frames are only read, so map them read-only instead of going through
   * GstVideoFilter's read-write transform_frame_ip. */
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_radio_transform_ip);
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_radio_set_info);

  gst_type_mark_as_plugin_api (gst_radio_backend_get_type (), 0);
  gst_type_mark_as_plugin_api (gst_radio_precision_get_type (), 0);
  gst_type_mark_as_plugin_api (gst_radio_resize_get_type (), 0);
  gst_type_mark_as_plugin_api (gst_radio_pos_interp_get_type (), 0);
  gst_type_mark_as_plugin_api (gst_radio_features_get_enum_type (), 0);
}

static void
gst_radio_init (GstRadio *self)
{
  self->backend = DEFAULT_BACKEND;
  self->device_id = DEFAULT_DEVICE_ID;
  self->precision = DEFAULT_PRECISION;
  self->resize = DEFAULT_RESIZE;
  self->interval = DEFAULT_INTERVAL;
  self->pos_interp = DEFAULT_POS_INTERP;
  self->features = DEFAULT_FEATURES;
  self->threads = DEFAULT_THREADS;
  /* Never passthrough: the meta is added to every processed buffer. */
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
  /* Late frames are still analysed: dropping them would lose meta that
   * applications count on.  qos=true restores dropping. */
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), FALSE);
}

static void
gst_radio_finalize (GObject *object)
{
  GstRadio *self = GST_RADIO (object);

  g_free (self->model_path);
  g_free (self->adaptors);
  g_free (self->model_info);
  g_free (self->backend_info);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* ---- properties ---------------------------------------------------------- */

static void
set_model (GstRadio *self, const gchar *path)
{
  gboolean running;

  GST_OBJECT_LOCK (self);
  running = self->ckpt != NULL;
  if (!running) {
    g_free (self->model_path);
    self->model_path = g_strdup (path);
  }
  GST_OBJECT_UNLOCK (self);
  if (running)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("The model cannot change while the element is running; keeping "
         "the loaded one."),
        ("set model=%s in the READY or NULL state", path ? path : "(none)"));
}

static void
gst_radio_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstRadio *self = GST_RADIO (object);

  if (prop_id == PROP_MODEL) {
    set_model (self, g_value_get_string (value));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_BACKEND:
      self->backend = g_value_get_enum (value);
      break;
    case PROP_DEVICE_ID:
      self->device_id = g_value_get_int (value);
      break;
    case PROP_PRECISION:
      self->precision = g_value_get_enum (value);
      break;
    case PROP_RESIZE:
      self->resize = g_value_get_enum (value);
      break;
    case PROP_WIDTH:
      self->width = g_value_get_uint (value);
      break;
    case PROP_HEIGHT:
      self->height = g_value_get_uint (value);
      break;
    case PROP_INTERVAL:
      self->interval = g_value_get_uint (value);
      break;
    case PROP_ADAPTORS:
      g_free (self->adaptors);
      self->adaptors = g_value_dup_string (value);
      break;
    case PROP_POS_INTERP:
      self->pos_interp = g_value_get_enum (value);
      break;
    case PROP_FEATURES:
      self->features = g_value_get_enum (value);
      break;
    case PROP_THREADS:
      self->threads = g_value_get_uint (value);
      break;
    case PROP_POST_MESSAGES:
      self->post_messages = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  /* Anything but interval, features and messages changes the runner. */
  if (prop_id != PROP_INTERVAL && prop_id != PROP_FEATURES
      && prop_id != PROP_POST_MESSAGES)
    self->replan = TRUE;
  GST_OBJECT_UNLOCK (self);
}

static void
gst_radio_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstRadio *self = GST_RADIO (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, self->model_path);
      break;
    case PROP_BACKEND:
      g_value_set_enum (value, self->backend);
      break;
    case PROP_DEVICE_ID:
      g_value_set_int (value, self->device_id);
      break;
    case PROP_PRECISION:
      g_value_set_enum (value, self->precision);
      break;
    case PROP_RESIZE:
      g_value_set_enum (value, self->resize);
      break;
    case PROP_WIDTH:
      g_value_set_uint (value, self->width);
      break;
    case PROP_HEIGHT:
      g_value_set_uint (value, self->height);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;
    case PROP_ADAPTORS:
      g_value_set_string (value, self->adaptors);
      break;
    case PROP_POS_INTERP:
      g_value_set_enum (value, self->pos_interp);
      break;
    case PROP_FEATURES:
      g_value_set_enum (value, self->features);
      break;
    case PROP_THREADS:
      g_value_set_uint (value, self->threads);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
    case PROP_MODEL_INFO:
      g_value_set_string (value, self->model_info);
      break;
    case PROP_BACKEND_INFO:
      g_value_set_string (value, self->backend_info);
      break;
    case PROP_SUMMARY_DIM:
      g_value_set_uint (value,
          self->ckpt ? self->ckpt->n_summary * self->ckpt->embed_dim : 0);
      break;
    case PROP_SPATIAL_DIM:
      g_value_set_uint (value, self->ckpt ? self->ckpt->embed_dim : 0);
      break;
    case PROP_LAST_LATENCY_MS:
      g_value_set_double (value, self->last_latency_ms);
      break;
    case PROP_AVERAGE_LATENCY_MS:
      g_value_set_double (value,
          self->n_processed ? self->total_latency_ms / self->n_processed : 0.0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---- model loading ------------------------------------------------------- */

static void
post_load_error (GstRadio *self, const gchar *path, GError *error)
{
  if (error->code == RADIO_ERROR_IO && !g_file_test (path, G_FILE_TEST_EXISTS))
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("RADIO model '%s' not found: %s", path, error->message), (NULL));
  else if (error->code == RADIO_ERROR_IO)
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Cannot read RADIO model '%s': %s", path, error->message), (NULL));
  else if (error->code == RADIO_ERROR_UNSUPPORTED)
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("Unsupported RADIO model '%s': %s", path, error->message), (NULL));
  else
    GST_ELEMENT_ERROR (self, RESOURCE, READ,
        ("Invalid RADIO model '%s': %s", path, error->message), (NULL));
}

/* Every name in the adaptors property must be one of the model's. */
static gboolean
check_adaptors (GstRadio *self, RadioCheckpoint *ckpt, gchar **names)
{
  guint i, j;

  for (i = 0; names && names[i]; i++) {
    gboolean found = FALSE;
    for (j = 0; j < ckpt->n_adaptors; j++)
      found |= g_strcmp0 (names[i], ckpt->adaptors[j].name) == 0;
    if (!found) {
      g_autofree gchar *info = gst_radio_describe_model (ckpt);
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("The model has no adaptor '%s'", names[i]), ("%s", info));
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
gst_radio_start (GstBaseTransform *trans)
{
  GstRadio *self = GST_RADIO (trans);
  g_autofree gchar *path = NULL;
  g_autofree gchar *adaptor_list = NULL;
  g_auto (GStrv) adaptors = NULL;
  g_autoptr (GError) error = NULL;
  RadioCheckpoint *ckpt;

  GST_OBJECT_LOCK (self);
  path = g_strdup (self->model_path);
  adaptor_list = g_strdup (self->adaptors);
  GST_OBJECT_UNLOCK (self);

  if (!path) {
    path = gst_radio_default_model_path ();
    if (!path) {
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
          ("No model set and the built-in model is not installed"),
          ("looked in %s and %s; set the model property",
              GST_RADIO_DEFAULT_MODEL_INSTALLED,
              GST_RADIO_DEFAULT_MODEL_BUILT));
      return FALSE;
    }
  }
  ckpt = radio_model_cache_acquire (path, &error);
  if (!ckpt) {
    post_load_error (self, path, error);
    return FALSE;
  }
  adaptors = gst_radio_split_adaptors (adaptor_list);
  if (!check_adaptors (self, ckpt, adaptors)) {
    radio_model_cache_release (ckpt);
    return FALSE;
  }
  if (ckpt->random_weights)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("Model '%s' has RANDOM weights: its features carry no meaning", path),
        ("built-in demo models are for trying pipelines; set model= to a "
         "published RADIO checkpoint for real features"));

  GST_OBJECT_LOCK (self);
  self->ckpt = ckpt;
  self->model_id = radio_model_cache_get_id (ckpt);
  g_free (self->model_info);
  self->model_info = gst_radio_describe_model (ckpt);
  self->n_processed = 0;
  self->last_latency_ms = self->total_latency_ms = 0.0;
  self->replan = TRUE;
  GST_OBJECT_UNLOCK (self);
  self->frame_count = 0;
  self->warned_notice = FALSE;
  self->refusal_posted = FALSE;
  g_object_notify (G_OBJECT (self), "model-info");
  g_object_notify (G_OBJECT (self), "summary-dim");
  g_object_notify (G_OBJECT (self), "spatial-dim");
  GST_INFO_OBJECT (self, "loaded %s (id %s, %u users)", path,
      self->model_id, radio_model_cache_get_n_users (ckpt));
  return TRUE;
}

static gboolean
gst_radio_stop (GstBaseTransform *trans)
{
  GstRadio *self = GST_RADIO (trans);
  RadioCheckpoint *ckpt;

  g_clear_pointer (&self->runner, radio_runner_free);
  GST_OBJECT_LOCK (self);
  ckpt = self->ckpt;
  self->ckpt = NULL;
  self->model_id = NULL;
  g_clear_pointer (&self->backend_info, g_free);
  GST_OBJECT_UNLOCK (self);
  radio_model_cache_release (ckpt);
  return TRUE;
}

/* ---- planning ------------------------------------------------------------ */

/* (Re)plans the model input for the negotiated frame size and makes sure
 * the runner matches it and the properties.  Errors are posted. */
static gboolean
gst_radio_prepare (GstRadio *self, const GstVideoInfo *info)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *adaptor_list = NULL;
  g_auto (GStrv) adaptors = NULL;
  RadioRunnerConfig config = { 0 };
  const RadioRunnerConfig *have;
  RadioRunner *runner;
  GstRadioResize resize;
  guint width, height;
  gboolean same;

  GST_OBJECT_LOCK (self);
  resize = self->resize;
  width = self->width;
  height = self->height;
  config.backend = self->backend;
  config.device_id = self->device_id;
  config.precision = self->precision;
  config.interp = self->pos_interp;
  config.n_threads = self->threads;
  adaptor_list = g_strdup (self->adaptors);
  self->replan = FALSE;
  GST_OBJECT_UNLOCK (self);

  if (!gst_radio_plan_input (self->ckpt, resize, width, height,
          GST_VIDEO_INFO_WIDTH (info), GST_VIDEO_INFO_HEIGHT (info),
          &self->plan, &error)) {
    /* Upstream may offer the same caps several times: say it once. */
    if (!self->refusal_posted)
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
          ("Cannot fit %dx%d frames to the model: %s",
              GST_VIDEO_INFO_WIDTH (info), GST_VIDEO_INFO_HEIGHT (info),
              error->message),
          (NULL));
    else
      GST_DEBUG_OBJECT (self, "refused again: %s", error->message);
    self->refusal_posted = TRUE;
    return FALSE;
  }
  adaptors = gst_radio_split_adaptors (adaptor_list);
  if (!check_adaptors (self, self->ckpt, adaptors))
    return FALSE;
  config.input_width = self->plan.input_width;
  config.input_height = self->plan.input_height;
  config.adaptors = (const char *const *)adaptors;

  /* Keep the runner when nothing it depends on changed (e.g. a new frame
   * size that maps to the same model input). */
  have = self->runner ? radio_runner_get_config (self->runner) : NULL;
  same = have && have->input_width == config.input_width
         && have->input_height == config.input_height
         && have->device_id == config.device_id && have->interp == config.interp
         && have->n_threads == config.n_threads
         && (config.backend == RADIO_BACKEND_AUTO
             || have->backend == config.backend)
         && (config.precision == RADIO_PRECISION_AUTO
             || have->precision == config.precision)
         && g_strv_equal ((const gchar *const *)have->adaptors,
             (const gchar *const *)adaptors);
  if (same)
    return TRUE;

  /* The new runner first: weight copies shared with the old one (the CPU
   * backend's float32 weights, CUDA's device weights) are then kept. */
  runner = radio_runner_new (self->ckpt, &config, &error);
  g_clear_pointer (&self->runner, radio_runner_free);
  self->runner = runner;
  if (!self->runner) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT,
        ("Cannot run the model: %s", error->message), (NULL));
    return FALSE;
  }
  if (radio_runner_get_notice (self->runner) && !self->warned_notice) {
    self->warned_notice = TRUE;
    GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
        ("%s", radio_runner_get_notice (self->runner)), (NULL));
  }
  {
    const gchar *notice = radio_runner_get_notice (self->runner);
    GST_OBJECT_LOCK (self);
    g_free (self->backend_info);
    self->backend_info
        = g_strdup_printf ("%s%s%s", radio_runner_describe (self->runner),
            notice ? "; " : "", notice ? notice : "");
    GST_OBJECT_UNLOCK (self);
    g_object_notify (G_OBJECT (self), "backend-info");
  }
  GST_INFO_OBJECT (self,
      "model input %ux%u (frame at %zux%zu+%zu+%zu) on "
      "%s",
      self->plan.input_width, self->plan.input_height,
      self->plan.placement.width, self->plan.placement.height,
      self->plan.placement.x, self->plan.placement.y,
      radio_runner_describe (self->runner));
  return TRUE;
}

static gboolean
gst_radio_set_info (GstVideoFilter *filter, GstCaps *incaps,
    GstVideoInfo *in_info, GstCaps *outcaps, GstVideoInfo *out_info)
{
  GstRadio *self = GST_RADIO (filter);

  if (gst_radio_pixel_format (GST_VIDEO_INFO_FORMAT (in_info))
      == RADIO_PIXEL_COUNT) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("Video format %s is not supported",
            gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (in_info))),
        ("supported: %s", RADIO_FORMATS));
    return FALSE;
  }
  return gst_radio_prepare (self, in_info);
}

/* ---- per frame ----------------------------------------------------------- */

static GstRadioFeatures *
make_features (
    GstRadio *self, const RadioOutputs *out, GstRadioFeatureSet which)
{
  RadioCheckpoint *c = self->ckpt;
  GstRadioFeatures *f = gst_radio_features_new (
      c->version, self->model_id, c->n_summary, c->embed_dim);
  gboolean summary = which & GST_RADIO_FEATURES_SUMMARY;
  gboolean spatial = which & GST_RADIO_FEATURES_SPATIAL;
  guint i;

  if (summary)
    gst_radio_features_set_summary (f, out->summary);
  if (spatial)
    gst_radio_features_set_spatial (
        f, out->spatial, out->grid_height, out->grid_width);
  for (i = 0; i < out->n_adaptors; i++) {
    const RadioAdaptorOutput *a = &out->adaptors[i];
    gst_radio_features_add_adaptor (f, a->name, summary ? a->summary : NULL,
        a->summary_dim, spatial ? a->spatial : NULL, a->spatial_height,
        a->spatial_width, a->spatial_dim);
  }
  return f;
}

static void
post_frame_message (GstRadio *self, GstBuffer *buf, guint64 frame,
    gdouble latency_ms, const RadioOutputs *out)
{
  gdouble norm = 0.0;
  guint i;

  for (i = 0; i < out->summary_length; i++)
    norm += (gdouble)out->summary[i] * out->summary[i];
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("radio-frame", "frame", G_TYPE_UINT64, frame,
              "timestamp", G_TYPE_UINT64, GST_BUFFER_PTS (buf), "latency-ms",
              G_TYPE_DOUBLE, latency_ms, "summary-norm", G_TYPE_DOUBLE,
              sqrt (norm), "grid-width", G_TYPE_UINT, out->grid_width,
              "grid-height", G_TYPE_UINT, out->grid_height, NULL)));
}

static GstFlowReturn
gst_radio_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  GstRadio *self = GST_RADIO (trans);
  GstVideoFilter *filter = GST_VIDEO_FILTER (trans);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstRadioFeatures) features = NULL;
  GstVideoFrame vframe;
  RadioFrame frame;
  const RadioOutputs *out;
  GstRadioFeatureSet which;
  guint interval;
  gboolean replan, post;
  guint64 frame_index, t0;
  gdouble ms;

  if (!filter->negotiated || !self->ckpt) {
    GST_ELEMENT_ERROR (self, CORE, NOT_IMPLEMENTED,
        ("Received a buffer before caps were negotiated"), (NULL));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  GST_OBJECT_LOCK (self);
  interval = self->interval;
  replan = self->replan;
  which = self->features;
  post = self->post_messages;
  GST_OBJECT_UNLOCK (self);

  frame_index = self->frame_count++;
  if (frame_index % interval != 0)
    return GST_FLOW_OK;
  if ((replan || !self->runner) && !gst_radio_prepare (self, &filter->in_info))
    return GST_FLOW_ERROR;

  if (!gst_video_frame_map (&vframe, &filter->in_info, buf, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Cannot map frame %" G_GUINT64_FORMAT, frame_index), (NULL));
    return GST_FLOW_ERROR;
  }
  t0 = g_get_monotonic_time ();
  gst_radio_frame_from_video_frame (&frame, &vframe);
  if (!radio_runner_run_frame (
          self->runner, &frame, &self->plan.placement, &error)) {
    gst_video_frame_unmap (&vframe);
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Inference failed on frame %" G_GUINT64_FORMAT ": %s", frame_index,
            error->message),
        (NULL));
    return GST_FLOW_ERROR;
  }
  ms = (g_get_monotonic_time () - t0) / 1000.0;
  gst_video_frame_unmap (&vframe);

  out = radio_runner_get_outputs (self->runner);
  features = make_features (self, out, which);
  if (!gst_buffer_add_radio_meta (buf, features, &self->plan.geometry)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Cannot attach the features to frame %" G_GUINT64_FORMAT, frame_index),
        (NULL));
    return GST_FLOW_ERROR;
  }

  GST_OBJECT_LOCK (self);
  self->n_processed++;
  self->last_latency_ms = ms;
  self->total_latency_ms += ms;
  GST_OBJECT_UNLOCK (self);
  GST_LOG_OBJECT (
      self, "frame %" G_GUINT64_FORMAT ": %.2f ms", frame_index, ms);
  if (post)
    post_frame_message (self, buf, frame_index, ms, out);
  return GST_FLOW_OK;
}
