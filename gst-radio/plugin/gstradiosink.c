/* gstradiosink.c: the `radiosink` element.
 *
 * SECTION:element-radiosink
 * @title: radiosink
 *
 * Writes the RADIO features that `radio` attached to each frame
 * (GstRadioMeta, <gst/radio/radiometa.h>) to disk, for indexing and
 * offline analysis.
 *
 * format=safetensors (default), frames-per-file=1: one file per frame,
 * with tensors named exactly as radio-embed names them: `summary` F32
 * [S*D], `spatial` F32 [h, w, D], `adaptor.NAME.summary` F32 [len] and
 * `adaptor.NAME.spatial` F32 [h, w, dim].  The `__metadata__` map holds
 * the frame number (counted by this element from 0, every buffer it
 * receives), pts / dts / duration in nanoseconds ("none" when unset), the
 * model release and id, and the frame-to-grid geometry.  frames-per-file=N
 * puts N frames in each file, every name (tensors and metadata keys)
 * prefixed "INDEX/" with INDEX 0 .. N-1, as radio-embed does for several
 * images; the stream's last file holds what is left at end-of-stream.
 * Files appear whole: each is written to NAME.tmp, then renamed.
 *
 * format=jsonl: one JSON object per frame and line, flushed per frame:
 * the same numbers and metadata, floats printed with 9 significant digits
 * (they read back as the exact float32 values).  By default only the
 * summaries: spatial grids in JSON cost about 12 bytes per value.
 *
 * `location` is a pattern like multifilesink's: one integer conversion
 * (%d, %05d, ...) takes the file index, counted from `index`.  For jsonl
 * a name without a conversion is a single file for the whole stream.
 *
 * Nothing is lost silently: a file that cannot be written (missing
 * folder, no permission, disk full) is an element error naming the file
 * and the system's reason, and the buffer returns GST_FLOW_ERROR.  A
 * buffer without a GstRadioMeta is an error too, unless skip-missing=true
 * (for the frames that `radio interval=N` leaves out): it is then counted
 * in frames-skipped.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=10 ! videoconvert ! radio ! \
 *     radiosink location=/tmp/frame-%05d.safetensors
 * ]| writes /tmp/frame-00000.safetensors ... /tmp/frame-00009.safetensors.
 */
#include "gstradiosink.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <gst/radio/radiometa.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gstradiosinkformat.h"
#include "radio-safetensors.h"

GST_DEBUG_CATEGORY_STATIC (gst_radiosink_debug);
#define GST_CAT_DEFAULT gst_radiosink_debug

typedef enum {
  GST_RADIO_SINK_FORMAT_SAFETENSORS,
  GST_RADIO_SINK_FORMAT_JSONL,
} GstRadioSinkFormat;

/* Which tensors are written.  AUTO (no flag): every tensor the meta
 * carries for safetensors, only the summaries for jsonl. */
typedef enum {
  GST_RADIO_SINK_FIELDS_AUTO = 0,
  GST_RADIO_SINK_FIELDS_SUMMARY = 1 << 0,
  GST_RADIO_SINK_FIELDS_SPATIAL = 1 << 1,
  GST_RADIO_SINK_FIELDS_ADAPTOR_SUMMARY = 1 << 2,
  GST_RADIO_SINK_FIELDS_ADAPTOR_SPATIAL = 1 << 3,
  GST_RADIO_SINK_FIELDS_ADAPTORS = (1 << 2) | (1 << 3),
  GST_RADIO_SINK_FIELDS_ALL = 0xf,
} GstRadioSinkFields;

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_FORMAT,
  PROP_FRAMES_PER_FILE,
  PROP_FIELDS,
  PROP_ADAPTORS,
  PROP_INDEX,
  PROP_SKIP_MISSING,
  PROP_POST_MESSAGES,
  PROP_FRAMES_WRITTEN,
  PROP_FRAMES_SKIPPED,
  PROP_FILES_WRITTEN,
};

#define DEFAULT_FORMAT GST_RADIO_SINK_FORMAT_SAFETENSORS
#define DEFAULT_FRAMES_PER_FILE 1
#define DEFAULT_FIELDS GST_RADIO_SINK_FIELDS_AUTO
#define DEFAULT_INDEX 0
#define DEFAULT_LOCATION_SAFETENSORS "radio-%05d.safetensors"
#define DEFAULT_LOCATION_JSONL "radio.jsonl"

/* Only the meta is read, never the pixels: any video memory will do. */
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));

/* The properties as they were when the element started. */
typedef struct {
  gchar *location;
  gboolean pattern; /* location has an integer conversion */
  GstRadioSinkFormat format;
  guint frames_per_file;
  GstRadioSinkFields fields; /* resolved: never AUTO */
  gboolean fields_required;  /* fields was set: a missing tensor is an error */
  gchar **adaptors;          /* NULL: every adaptor of the meta */
  gboolean skip_missing;
  gboolean post_messages;
} SinkConfig;

struct _GstRadioSink {
  GstBaseSink parent;

  /* properties, under the object lock */
  gchar *location;
  GstRadioSinkFormat format;
  guint frames_per_file;
  GstRadioSinkFields fields;
  gchar *adaptors;
  gint index;
  gboolean skip_missing;
  gboolean post_messages;

  /* statistics, under the object lock */
  guint64 frames_written, frames_skipped, files_written;

  /* streaming thread (and start/stop, which never run beside it) */
  SinkConfig cfg;
  guint64 frame_number;          /* buffers received since start */
  gint file_index;               /* of the file being filled */
  RadioSafetensorsWriter *batch; /* safetensors frames not yet written */
  FILE *jsonl;
  gchar *jsonl_path;
  guint file_frames; /* frames in the file being filled */
  guint64 first_frame, last_frame;
  gboolean file_reported; /* plain jsonl: message posted since last line */
  gboolean file_counted;  /* plain jsonl: in files-written */
  gboolean failed;        /* a write failed: nothing more until restart */
  gboolean index_spent;   /* file G_MAXINT is written: no index is left */
};

static GType gst_radio_sink_format_get_type (void);
static GType gst_radio_sink_fields_get_type (void);

#define gst_radiosink_parent_class parent_class
G_DEFINE_TYPE (GstRadioSink, gst_radiosink, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (radiosink, "radiosink", GST_RANK_NONE,
    GST_TYPE_RADIOSINK, gst_radio_meta_get_info ());

static void gst_radiosink_finalize (GObject *object);
static void gst_radiosink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_radiosink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static gboolean gst_radiosink_start (GstBaseSink *sink);
static gboolean gst_radiosink_stop (GstBaseSink *sink);
static gboolean gst_radiosink_event (GstBaseSink *sink, GstEvent *event);
static GstFlowReturn gst_radiosink_render (GstBaseSink *sink, GstBuffer *buf);

/* ---- types --------------------------------------------------------------- */

static GType
gst_radio_sink_format_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_RADIO_SINK_FORMAT_SAFETENSORS,
        "safetensors: tensors named as radio-embed names them", "safetensors" },
    { GST_RADIO_SINK_FORMAT_JSONL, "JSON Lines: one object per frame",
        "jsonl" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (
        &type, g_enum_register_static ("GstRadioSinkFormat", values));
  return type;
}

static GType
gst_radio_sink_fields_get_type (void)
{
  static GType type = 0;
  static const GFlagsValue values[] = {
    { GST_RADIO_SINK_FIELDS_AUTO,
        "Everything present (safetensors), the summaries (jsonl)", "auto" },
    { GST_RADIO_SINK_FIELDS_SUMMARY, "Backbone summary", "summary" },
    { GST_RADIO_SINK_FIELDS_SPATIAL, "Backbone spatial grid", "spatial" },
    { GST_RADIO_SINK_FIELDS_ADAPTOR_SUMMARY, "Adaptor summaries",
        "adaptor-summary" },
    { GST_RADIO_SINK_FIELDS_ADAPTOR_SPATIAL, "Adaptor spatial grids",
        "adaptor-spatial" },
    { GST_RADIO_SINK_FIELDS_ADAPTORS, "Adaptor summaries and grids",
        "adaptors" },
    { GST_RADIO_SINK_FIELDS_ALL, "All of them", "all" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (
        &type, g_flags_register_static ("GstRadioSinkFields", values));
  return type;
}

/* ---- class --------------------------------------------------------------- */

static void
gst_radiosink_class_init (GstRadioSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *sink_class = GST_BASE_SINK_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  GST_DEBUG_CATEGORY_INIT (
      gst_radiosink_debug, "radiosink", 0, "RADIO features to files");

  gobject_class->finalize = gst_radiosink_finalize;
  gobject_class->set_property = gst_radiosink_set_property;
  gobject_class->get_property = gst_radiosink_get_property;

  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "File name pattern with one integer conversion for the file "
          "index, like multifilesink's (e.g. /data/frame-%05d.safetensors); "
          "for jsonl a name without one is a single file.  Unset: "
          "\"" DEFAULT_LOCATION_SAFETENSORS "\" or "
          "\"" DEFAULT_LOCATION_JSONL "\".  Read when the element starts",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_FORMAT,
      g_param_spec_enum ("format", "Format", "File format",
          gst_radio_sink_format_get_type (), DEFAULT_FORMAT, rw));
  g_object_class_install_property (gobject_class, PROP_FRAMES_PER_FILE,
      g_param_spec_uint ("frames-per-file", "Frames per file",
          "Frames in each file (the last one of a stream holds what is "
          "left); above 1 every safetensors name is prefixed \"INDEX/\" "
          "as radio-embed does.  A jsonl name without a conversion holds "
          "all frames",
          1, G_MAXUINT, DEFAULT_FRAMES_PER_FILE, rw));
  g_object_class_install_property (gobject_class, PROP_FIELDS,
      g_param_spec_flags ("fields", "Fields",
          "Tensors to write.  auto: all those present (safetensors), the "
          "summaries (jsonl); a tensor named here that a frame lacks is an "
          "error",
          gst_radio_sink_fields_get_type (), DEFAULT_FIELDS, rw));
  g_object_class_install_property (gobject_class, PROP_ADAPTORS,
      g_param_spec_string ("adaptors", "Adaptors",
          "Comma-separated adaptors to write (unset: all the meta has); a "
          "frame without one of them is an error",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_INDEX,
      g_param_spec_int ("index", "Index",
          "File index of the first file, like multifilesink's", 0, G_MAXINT,
          DEFAULT_INDEX, rw));
  g_object_class_install_property (gobject_class, PROP_SKIP_MISSING,
      g_param_spec_boolean ("skip-missing", "Skip missing",
          "Skip (and count in frames-skipped) buffers without a "
          "GstRadioMeta, e.g. those `radio interval=N` leaves out, instead "
          "of stopping with an error",
          FALSE, rw));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post a \"radio-sink-file\" element message per file written "
          "(location, index, frames, first-frame, last-frame)",
          FALSE, rw));
  g_object_class_install_property (gobject_class, PROP_FRAMES_WRITTEN,
      g_param_spec_uint64 ("frames-written", "Frames written",
          "Frames whose features are in files since the element started", 0,
          G_MAXUINT64, 0, ro));
  g_object_class_install_property (gobject_class, PROP_FRAMES_SKIPPED,
      g_param_spec_uint64 ("frames-skipped", "Frames skipped",
          "Buffers without a GstRadioMeta skipped (skip-missing=true)", 0,
          G_MAXUINT64, 0, ro));
  g_object_class_install_property (gobject_class, PROP_FILES_WRITTEN,
      g_param_spec_uint64 ("files-written", "Files written",
          "Files completed since the element started", 0, G_MAXUINT64, 0, ro));

  gst_element_class_set_static_metadata (element_class,
      "RADIO feature file sink", "Sink/File/Video",
      "Writes the RADIO features of each frame (GstRadioMeta) to "
      "safetensors or JSON Lines files",
      "gst-radio developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);

  sink_class->start = GST_DEBUG_FUNCPTR (gst_radiosink_start);
  sink_class->stop = GST_DEBUG_FUNCPTR (gst_radiosink_stop);
  sink_class->event = GST_DEBUG_FUNCPTR (gst_radiosink_event);
  sink_class->render = GST_DEBUG_FUNCPTR (gst_radiosink_render);

  gst_type_mark_as_plugin_api (gst_radio_sink_format_get_type (), 0);
  gst_type_mark_as_plugin_api (gst_radio_sink_fields_get_type (), 0);
}

static void
gst_radiosink_init (GstRadioSink *self)
{
  self->format = DEFAULT_FORMAT;
  self->frames_per_file = DEFAULT_FRAMES_PER_FILE;
  self->fields = DEFAULT_FIELDS;
  self->index = DEFAULT_INDEX;
  /* Indexing wants every frame as fast as the disk takes them, not at
   * playback speed. */
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
}

static void
sink_config_clear (SinkConfig *cfg)
{
  g_free (cfg->location);
  g_strfreev (cfg->adaptors);
  memset (cfg, 0, sizeof (*cfg));
}

static void
gst_radiosink_finalize (GObject *object)
{
  GstRadioSink *self = GST_RADIOSINK (object);

  g_free (self->location);
  g_free (self->adaptors);
  sink_config_clear (&self->cfg);
  g_clear_pointer (&self->batch, radio_safetensors_writer_free);
  if (self->jsonl)
    fclose (self->jsonl);
  g_free (self->jsonl_path);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* ---- properties ---------------------------------------------------------- */

static void
gst_radiosink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstRadioSink *self = GST_RADIOSINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_free (self->location);
      self->location = g_value_dup_string (value);
      break;
    case PROP_FORMAT:
      self->format = g_value_get_enum (value);
      break;
    case PROP_FRAMES_PER_FILE:
      self->frames_per_file = g_value_get_uint (value);
      break;
    case PROP_FIELDS:
      self->fields = g_value_get_flags (value);
      break;
    case PROP_ADAPTORS:
      g_free (self->adaptors);
      self->adaptors = g_value_dup_string (value);
      break;
    case PROP_INDEX:
      self->index = g_value_get_int (value);
      break;
    case PROP_SKIP_MISSING:
      self->skip_missing = g_value_get_boolean (value);
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
gst_radiosink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstRadioSink *self = GST_RADIOSINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_FORMAT:
      g_value_set_enum (value, self->format);
      break;
    case PROP_FRAMES_PER_FILE:
      g_value_set_uint (value, self->frames_per_file);
      break;
    case PROP_FIELDS:
      g_value_set_flags (value, self->fields);
      break;
    case PROP_ADAPTORS:
      g_value_set_string (value, self->adaptors);
      break;
    case PROP_INDEX:
      g_value_set_int (value, self->index);
      break;
    case PROP_SKIP_MISSING:
      g_value_set_boolean (value, self->skip_missing);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
    case PROP_FRAMES_WRITTEN:
      g_value_set_uint64 (value, self->frames_written);
      break;
    case PROP_FRAMES_SKIPPED:
      g_value_set_uint64 (value, self->frames_skipped);
      break;
    case PROP_FILES_WRITTEN:
      g_value_set_uint64 (value, self->files_written);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---- file names ---------------------------------------------------------- */

/* The integer conversions (%d, %05d, %i, %u, %x, %X, %o, with flags and a
 * width up to 64) in a printf pattern, "%%" aside; -1 when it holds
 * anything else (%s, %ld, %*d ...), which would read an argument that is
 * not there. */
static gint
count_index_conversions (const gchar *pattern)
{
  const gchar *p;
  gint n = 0;

  for (p = pattern; *p; p++) {
    gchar *end;

    if (*p != '%')
      continue;
    p++;
    if (*p == '%')
      continue;
    while (*p && strchr ("-+ 0#'", *p))
      p++;
    if (g_ascii_strtoull (p, &end, 10) > 64)
      return -1;
    p = end;
    if (!*p || !strchr ("diuxXo", *p))
      return -1;
    n++;
  }
  return n;
}

/* The location with the current file index; the pattern was checked by
 * count_index_conversions in start(). */
static gchar *
current_location (GstRadioSink *self)
{
  gchar *path;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  path = g_strdup_printf (self->cfg.location, self->file_index);
#pragma GCC diagnostic pop
  return path;
}

/* ---- bookkeeping --------------------------------------------------------- */

static void
post_file_message (GstRadioSink *self, const gchar *path, gint index)
{
  if (!self->cfg.post_messages)
    return;
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("radio-sink-file", "location", G_TYPE_STRING, path,
              "index", G_TYPE_INT, index, "frames", G_TYPE_UINT,
              self->file_frames, "first-frame", G_TYPE_UINT64,
              self->first_frame, "last-frame", G_TYPE_UINT64, self->last_frame,
              NULL)));
}

/* A file is complete: count it, tell the application, move to the next
 * index. */
static void
file_done (GstRadioSink *self, const gchar *path, guint frames_now_written)
{
  GST_OBJECT_LOCK (self);
  self->frames_written += frames_now_written;
  self->files_written++;
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "wrote %s (%u frames)", path, self->file_frames);
  post_file_message (self, path, self->file_index);
  /* G_MAXINT is the last index: one more file is an error (render) */
  if (self->file_index == G_MAXINT)
    self->index_spent = TRUE;
  else
    self->file_index++;
  self->file_frames = 0;
}

static void
post_write_error (
    GstRadioSink *self, const gchar *path, int errsv, gboolean opening)
{
  self->failed = TRUE;
  if (errsv == ENOSPC)
    GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
        ("Could not write \"%s\": %s", path, g_strerror (errsv)),
        ("frame %" G_GUINT64_FORMAT, self->last_frame));
  else if (opening)
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Could not open \"%s\" for writing: %s", path, g_strerror (errsv)),
        ("frame %" G_GUINT64_FORMAT, self->last_frame));
  else
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Could not write \"%s\": %s", path, g_strerror (errsv)),
        ("frame %" G_GUINT64_FORMAT, self->last_frame));
}

/* Writes the pending safetensors frames to the current location. */
static gboolean
save_batch (GstRadioSink *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = current_location (self);
  g_autofree gchar *frames = g_strdup_printf ("%u", self->file_frames);
  gboolean ok;

  radio_safetensors_writer_set_metadata (self->batch, "frames", frames);
  ok = radio_safetensors_writer_save (self->batch, path, &error);
  g_clear_pointer (&self->batch, radio_safetensors_writer_free);
  if (!ok) {
    self->failed = TRUE;
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Could not write \"%s\": %s", path, error->message),
        ("frames %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT " are lost",
            self->first_frame, self->last_frame));
    self->file_frames = 0;
    return FALSE;
  }
  file_done (self, path, self->file_frames);
  return TRUE;
}

/* The single jsonl file of a stream: a message at EOS (again after more
 * frames, e.g. a seek) or at stop, counted in files-written once. */
static void
report_plain_jsonl (GstRadioSink *self, const gchar *path)
{
  if (!self->file_counted) {
    GST_OBJECT_LOCK (self);
    self->files_written++;
    GST_OBJECT_UNLOCK (self);
    self->file_counted = TRUE;
  }
  if (!self->file_reported)
    post_file_message (self, path, self->file_index);
  self->file_reported = TRUE;
}

static gboolean
close_jsonl (GstRadioSink *self)
{
  g_autofree gchar *path = g_steal_pointer (&self->jsonl_path);
  int status = fclose (self->jsonl);
  int errsv = errno;

  self->jsonl = NULL;
  if (status != 0) {
    post_write_error (self, path, errsv, FALSE);
    return FALSE;
  }
  /* Lines were counted in frames-written as they were flushed. */
  if (self->cfg.pattern)
    file_done (self, path, 0);
  else
    report_plain_jsonl (self, path);
  return TRUE;
}

static gboolean
open_jsonl (GstRadioSink *self)
{
  self->jsonl_path = current_location (self);
  self->jsonl = g_fopen (self->jsonl_path, "wb");
  if (!self->jsonl) {
    post_write_error (self, self->jsonl_path, errno, TRUE);
    g_clear_pointer (&self->jsonl_path, g_free);
    return FALSE;
  }
  self->file_frames = 0;
  return TRUE;
}

/* End of stream or stop: the partial last file is written now.  A plain
 * jsonl file stays open until stop, its message posted at EOS. */
static gboolean
finish_file (GstRadioSink *self, gboolean stopping)
{
  if (self->failed) {
    /* Already reported; what is left cannot be trusted to the file. */
    g_clear_pointer (&self->batch, radio_safetensors_writer_free);
    if (self->jsonl)
      fclose (self->jsonl);
    self->jsonl = NULL;
    g_clear_pointer (&self->jsonl_path, g_free);
    return TRUE;
  }
  if (self->batch && self->file_frames > 0)
    return save_batch (self);
  g_clear_pointer (&self->batch, radio_safetensors_writer_free);
  if (!self->jsonl)
    return TRUE;
  if (self->cfg.pattern || stopping)
    return close_jsonl (self);
  report_plain_jsonl (self, self->jsonl_path);
  return TRUE;
}

/* ---- start and stop ------------------------------------------------------ */

static gboolean
gst_radiosink_start (GstBaseSink *sink)
{
  GstRadioSink *self = GST_RADIOSINK (sink);
  SinkConfig *cfg = &self->cfg;
  g_autofree gchar *adaptors = NULL;
  GstRadioSinkFields fields;
  gint conversions, index;

  sink_config_clear (cfg);
  GST_OBJECT_LOCK (self);
  cfg->format = self->format;
  cfg->location = g_strdup (self->location ? self->location
                            : cfg->format == GST_RADIO_SINK_FORMAT_JSONL
                                ? DEFAULT_LOCATION_JSONL
                                : DEFAULT_LOCATION_SAFETENSORS);
  cfg->frames_per_file = self->frames_per_file;
  fields = self->fields;
  adaptors = g_strdup (self->adaptors);
  index = self->index;
  cfg->skip_missing = self->skip_missing;
  cfg->post_messages = self->post_messages;
  self->frames_written = self->frames_skipped = self->files_written = 0;
  GST_OBJECT_UNLOCK (self);

  cfg->fields_required = fields != GST_RADIO_SINK_FIELDS_AUTO;
  if (!cfg->fields_required)
    fields = cfg->format == GST_RADIO_SINK_FORMAT_JSONL
                 ? GST_RADIO_SINK_FIELDS_SUMMARY
                       | GST_RADIO_SINK_FIELDS_ADAPTOR_SUMMARY
                 : GST_RADIO_SINK_FIELDS_ALL;
  cfg->fields = fields;
  if (adaptors && *adaptors) {
    gchar **names = g_strsplit (adaptors, ",", -1);
    GPtrArray *kept = g_ptr_array_new ();
    guint i;

    /* a name listed twice is written once (not two tensors of one name) */
    for (i = 0; names[i]; i++)
      if (*g_strstrip (names[i])
          && !g_ptr_array_find_with_equal_func (
              kept, names[i], g_str_equal, NULL))
        g_ptr_array_add (kept, g_strdup (names[i]));
    g_ptr_array_add (kept, NULL);
    cfg->adaptors = (gchar **)g_ptr_array_free (kept, FALSE);
    g_strfreev (names);
  }

  conversions = count_index_conversions (cfg->location);
  if (conversions < 0 || conversions > 1
      || (conversions == 0
          && cfg->format == GST_RADIO_SINK_FORMAT_SAFETENSORS)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid location \"%s\": it needs exactly one integer conversion "
         "for the file index, like %%05d%s",
            cfg->location,
            cfg->format == GST_RADIO_SINK_FORMAT_JSONL ? " (or none)" : ""),
        ("allowed: %%d %%i %%u %%x %%X %%o with flags and a width; %%%% for "
         "a literal %%"));
    return FALSE;
  }
  cfg->pattern = conversions == 1;

  self->frame_number = 0;
  self->first_frame = self->last_frame = 0;
  self->file_index = index;
  self->file_frames = 0;
  self->file_reported = self->file_counted = FALSE;
  self->failed = self->index_spent = FALSE;
  if (cfg->format == GST_RADIO_SINK_FORMAT_JSONL && !cfg->pattern)
    return open_jsonl (self);
  return TRUE;
}

static gboolean
gst_radiosink_stop (GstBaseSink *sink)
{
  GstRadioSink *self = GST_RADIOSINK (sink);
  gboolean ok = finish_file (self, TRUE);

  sink_config_clear (&self->cfg);
  return ok;
}

static gboolean
gst_radiosink_event (GstBaseSink *sink, GstEvent *event)
{
  GstRadioSink *self = GST_RADIOSINK (sink);

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS && !finish_file (self, FALSE)) {
    gst_event_unref (event);
    return FALSE;
  }
  return GST_BASE_SINK_CLASS (parent_class)->event (sink, event);
}

/* ---- what a frame holds -------------------------------------------------- */

static void
sink_tensor_free (gpointer data)
{
  SinkTensor *t = data;

  g_free (t->name);
  g_free (t);
}

/* Adds one tensor when it is selected; FALSE (error posted) when it was
 * asked for by name and the frame lacks it. */
static gboolean
add_tensor (GstRadioSink *self, GPtrArray *tensors, GstRadioSinkFields which,
    const gchar *adaptor, const gfloat *data, guint n_dims, const gint64 *shape)
{
  const gboolean spatial = which
                           & (GST_RADIO_SINK_FIELDS_SPATIAL
                               | GST_RADIO_SINK_FIELDS_ADAPTOR_SPATIAL);
  const gchar *kind = spatial ? "spatial" : "summary";
  SinkTensor *t;

  if (!(self->cfg.fields & which))
    return TRUE;
  if (!data) {
    if (!self->cfg.fields_required)
      return TRUE;
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("Frame %" G_GUINT64_FORMAT " has no %s%s%s features, which "
         "`fields` asks for",
            self->frame_number - 1, adaptor ? adaptor : "", adaptor ? " " : "",
            kind),
        ("check radio's `features` property, or set fields=auto"));
    return FALSE;
  }
  t = g_new0 (SinkTensor, 1);
  t->name = adaptor ? g_strdup_printf ("adaptor.%s.%s", adaptor, kind)
                    : g_strdup (kind);
  t->adaptor = adaptor;
  t->spatial = spatial;
  t->data = data;
  t->n_dims = n_dims;
  memcpy (t->shape, shape, n_dims * sizeof (gint64));
  g_ptr_array_add (tensors, t);
  return TRUE;
}

static gboolean
add_adaptor (
    GstRadioSink *self, GPtrArray *tensors, const GstRadioAdaptorFeatures *a)
{
  gint64 s1[1] = { a->summary_length };
  gint64 s3[3] = { a->spatial_height, a->spatial_width, a->spatial_dim };

  return add_tensor (self, tensors, GST_RADIO_SINK_FIELDS_ADAPTOR_SUMMARY,
             a->name, a->summary, 1, s1)
         && add_tensor (self, tensors, GST_RADIO_SINK_FIELDS_ADAPTOR_SPATIAL,
             a->name, a->spatial, 3, s3);
}

/* The selected tensors of a frame in radio-embed's order, or NULL (error
 * posted). */
static GPtrArray *
collect_tensors (GstRadioSink *self, const GstRadioMeta *meta)
{
  g_autoptr (GPtrArray) tensors
      = g_ptr_array_new_with_free_func (sink_tensor_free);
  const GstRadioGeometry *g = &meta->geometry;
  gint64 s1[1] = { meta->summary_length };
  gint64 s3[3] = { g->grid_height, g->grid_width, meta->embed_dim };
  guint i;

  if (!add_tensor (self, tensors, GST_RADIO_SINK_FIELDS_SUMMARY, NULL,
          meta->summary, 1, s1)
      || !add_tensor (self, tensors, GST_RADIO_SINK_FIELDS_SPATIAL, NULL,
          meta->spatial, 3, s3))
    return NULL;
  if (!self->cfg.adaptors) {
    for (i = 0; i < meta->n_adaptors; i++)
      if (!add_adaptor (self, tensors, &meta->adaptors[i]))
        return NULL;
    return g_steal_pointer (&tensors);
  }
  for (i = 0; self->cfg.adaptors[i]; i++) {
    const GstRadioAdaptorFeatures *a
        = gst_radio_meta_get_adaptor (meta, self->cfg.adaptors[i]);
    if (!a) {
      GString *have = g_string_new (NULL);
      guint j;
      for (j = 0; j < meta->n_adaptors; j++)
        g_string_append_printf (
            have, "%s%s", j ? ", " : "", meta->adaptors[j].name);
      GST_ELEMENT_ERROR (self, STREAM, FORMAT,
          ("Frame %" G_GUINT64_FORMAT " has no adaptor '%s'",
              self->frame_number - 1, self->cfg.adaptors[i]),
          ("its adaptors: %s; set radio's `adaptors` property",
              have->len ? have->str : "none"));
      g_string_free (have, TRUE);
      return NULL;
    }
    if (!add_adaptor (self, tensors, a))
      return NULL;
  }
  return g_steal_pointer (&tensors);
}

/* ---- safetensors --------------------------------------------------------- */

static GstFlowReturn
write_safetensors (GstRadioSink *self, const GstRadioMeta *meta,
    GPtrArray *tensors, SinkField fields[N_FRAME_FIELDS])
{
  g_autofree gchar *prefix = NULL;
  guint i;

  if (!self->batch) {
    self->batch = radio_safetensors_writer_new ();
    self->file_frames = 0;
    self->first_frame = self->last_frame;
  }
  prefix = self->cfg.frames_per_file > 1
               ? g_strdup_printf ("%u/", self->file_frames)
               : g_strdup ("");
  for (i = 0; i < tensors->len; i++) {
    const SinkTensor *t = tensors->pdata[i];
    g_autofree gchar *name = g_strconcat (prefix, t->name, NULL);
    /* The file shares the frame's immutable features: no copy. */
    GBytes *bytes = g_bytes_new_with_free_func (t->data,
        gst_radio_sink_tensor_n_elements (t) * sizeof (gfloat),
        (GDestroyNotify)gst_radio_features_unref,
        gst_radio_features_ref (meta->features));

    if (!radio_safetensors_writer_add_bytes (
            self->batch, name, RADIO_DTYPE_F32, t->n_dims, t->shape, bytes)) {
      GST_ELEMENT_ERROR (self, STREAM, FORMAT,
          ("Frame %" G_GUINT64_FORMAT " has two tensors named '%s'",
              self->last_frame, name),
          ("two adaptors of the same name in its GstRadioMeta"));
      g_clear_pointer (&self->batch, radio_safetensors_writer_free);
      return GST_FLOW_ERROR;
    }
  }
  for (i = 0; i < N_FRAME_FIELDS; i++) {
    g_autofree gchar *key = g_strconcat (prefix, fields[i].key, NULL);
    radio_safetensors_writer_set_metadata (
        self->batch, key, fields[i].value ? fields[i].value : "none");
  }
  self->file_frames++;
  if (self->file_frames < self->cfg.frames_per_file)
    return GST_FLOW_OK;
  return save_batch (self) ? GST_FLOW_OK : GST_FLOW_ERROR;
}

/* ---- JSON Lines ---------------------------------------------------------- */

static GstFlowReturn
write_jsonl (
    GstRadioSink *self, GPtrArray *tensors, SinkField fields[N_FRAME_FIELDS])
{
  g_autoptr (GString) line = gst_radio_sink_frame_json (tensors, fields);

  if (!self->jsonl && !open_jsonl (self))
    return GST_FLOW_ERROR;
  if (self->file_frames == 0)
    self->first_frame = self->last_frame;
  /* Flushed per frame, so a reader (or a crash) sees whole lines. */
  if (fwrite (line->str, 1, line->len, self->jsonl) != line->len
      || fflush (self->jsonl) != 0) {
    post_write_error (self, self->jsonl_path, errno, FALSE);
    return GST_FLOW_ERROR;
  }
  self->file_frames++;
  self->file_reported = FALSE;
  GST_OBJECT_LOCK (self);
  self->frames_written++;
  GST_OBJECT_UNLOCK (self);
  if (self->cfg.pattern && self->file_frames >= self->cfg.frames_per_file
      && !close_jsonl (self))
    return GST_FLOW_ERROR;
  return GST_FLOW_OK;
}

/* ---- per frame ----------------------------------------------------------- */

static GstFlowReturn
gst_radiosink_render (GstBaseSink *sink, GstBuffer *buf)
{
  GstRadioSink *self = GST_RADIOSINK (sink);
  const guint64 number = self->frame_number++;
  GstRadioMeta *meta = gst_buffer_get_radio_meta (buf);
  g_autoptr (GPtrArray) tensors = NULL;
  SinkField fields[N_FRAME_FIELDS];
  GstFlowReturn ret;

  if (self->failed)
    return GST_FLOW_ERROR;
  if (!meta) {
    if (self->cfg.skip_missing) {
      GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT " has no meta", number);
      GST_OBJECT_LOCK (self);
      self->frames_skipped++;
      GST_OBJECT_UNLOCK (self);
      return GST_FLOW_OK;
    }
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("Frame %" G_GUINT64_FORMAT " has no RADIO features (GstRadioMeta): "
         "is a `radio` element upstream?  With `radio interval=N`, set "
         "skip-missing=true",
            number),
        ("skip-missing=true skips (and counts) the frames without "
         "features"));
    return GST_FLOW_ERROR;
  }
  tensors = collect_tensors (self, meta);
  if (!tensors)
    return GST_FLOW_ERROR;
  if (self->index_spent && !self->batch && !self->jsonl) {
    self->failed = TRUE;
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("No file index left for frame %" G_GUINT64_FORMAT
         ": file %d was the last one",
            number, G_MAXINT),
        ("lower the index property"));
    return GST_FLOW_ERROR;
  }
  self->last_frame = number;
  gst_radio_sink_describe_frame (buf, meta, number, fields);
  if (self->cfg.format == GST_RADIO_SINK_FORMAT_JSONL)
    ret = write_jsonl (self, tensors, fields);
  else
    ret = write_safetensors (self, meta, tensors, fields);
  gst_radio_sink_clear_fields (fields);
  return ret;
}
