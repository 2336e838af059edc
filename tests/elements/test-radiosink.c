/* test-radiosink: the `radiosink` element in GstHarness and in pipelines.
 *
 * Frames carry hand-built features (two adaptors, one without a spatial
 * grid, float values of every magnitude including -0, FLT_MAX and a
 * denormal); the files are read back with the engine's safetensors reader
 * and json-glib and every tensor is compared bit for bit, names and shapes
 * as radio-embed writes them.  Then batching, JSON Lines, field and adaptor
 * selection, frame numbers and time stamps, buffers without features,
 * write failures and bad patterns (each an error on the bus), and a real
 * pipeline with the built-in model. */
#include <errno.h>
#include <float.h>
#include <gst/app/gstappsink.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/radio/radiometa.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "element-util.h"
#include "radio-safetensors.h"
#include "test-util.h"

#define CAPS "video/x-raw,format=RGB,width=100,height=50,framerate=30/1"

/* Shapes of the hand-built features: S=2 summary tokens of D=5, a 3x4
 * grid, adaptor "clip" with a 7-long summary and a 6x8x3 grid, adaptor
 * "dino" with a 4-long summary and no grid. */
enum {
  S = 2,
  D = 5,
  GH = 3,
  GW = 4,
  CLIP_N = 7,
  CLIP_H = 6,
  CLIP_W = 8,
  CLIP_C = 3,
  DINO_N = 4
};

typedef struct {
  gfloat summary[S * D];
  gfloat spatial[GH * GW * D];
  gfloat clip_summary[CLIP_N];
  gfloat clip_spatial[CLIP_H * CLIP_W * CLIP_C];
  gfloat dino_summary[DINO_N];
} TestFrame;

static const GstRadioGeometry test_geometry = {
  .patch_size = 16,
  .input_width = 64,
  .input_height = 48,
  .grid_width = GW,
  .grid_height = GH,
  .frame_width = 100,
  .frame_height = 50,
  .scale_x = 0.04,
  .scale_y = 0.04,
  .offset_x = 0.0,
  .offset_y = 0.5,
};

static void
fill_values (GRand *rand, gfloat *v, guint n)
{
  guint i;

  for (i = 0; i < n; i++)
    v[i] = (gfloat)(g_rand_double_range (rand, -1.0, 1.0)
                    * pow (10.0, g_rand_int_range (rand, -12, 12)));
}

/* Values for frame `seed`; the backbone summary starts with the floats
 * that are hardest to print and read back. */
static void
test_frame_fill (TestFrame *f, guint seed)
{
  GRand *rand = g_rand_new_with_seed (seed + 1);

  fill_values (rand, f->summary, G_N_ELEMENTS (f->summary));
  fill_values (rand, f->spatial, G_N_ELEMENTS (f->spatial));
  fill_values (rand, f->clip_summary, G_N_ELEMENTS (f->clip_summary));
  fill_values (rand, f->clip_spatial, G_N_ELEMENTS (f->clip_spatial));
  fill_values (rand, f->dino_summary, G_N_ELEMENTS (f->dino_summary));
  f->summary[0] = -0.0f;
  f->summary[1] = FLT_MAX;
  f->summary[2] = FLT_MIN;
  f->summary[3] = 1e-45f; /* the smallest denormal */
  f->summary[4] = 1.0f / 3.0f;
  f->summary[5] = 16777217.0f;
  g_rand_free (rand);
}

/* A frame carrying f's features; with_spatial FALSE leaves out every
 * spatial tensor. */
static GstBuffer *
test_frame_buffer (const TestFrame *f, gboolean with_spatial, GstClockTime pts)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 100 * 50 * 3, NULL);
  GstRadioFeatures *features
      = gst_radio_features_new ("test-v1", "feedface00112233", S, D);

  g_assert_true (gst_radio_features_set_summary (features, f->summary));
  if (with_spatial)
    g_assert_true (
        gst_radio_features_set_spatial (features, f->spatial, GH, GW));
  g_assert_true (
      gst_radio_features_add_adaptor (features, "clip", f->clip_summary, CLIP_N,
          with_spatial ? f->clip_spatial : NULL, CLIP_H, CLIP_W, CLIP_C));
  g_assert_true (gst_radio_features_add_adaptor (
      features, "dino", f->dino_summary, DINO_N, NULL, 0, 0, 0));
  g_assert_nonnull (gst_buffer_add_radio_meta (buf, features, &test_geometry));
  gst_radio_features_unref (features);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  return buf;
}

/* pts of the test frames: frame 1 has none. */
static GstClockTime
frame_pts (guint i)
{
  return i == 1 ? GST_CLOCK_TIME_NONE : (GstClockTime)i * (GST_SECOND / 30) + 7;
}

/* ---- harness ------------------------------------------------------------- */

typedef struct {
  GstHarness *h;
  GstBus *bus;
  GstElement *sink;
} Sink;

static void sink_open (Sink *s, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
sink_open (Sink *s, const char *format, ...)
{
  va_list args;
  g_autofree char *props = NULL;

  va_start (args, format);
  props = g_strdup_vprintf (format, args);
  va_end (args);
  s->h = radio_test_harness_new_with_bus ("radiosink name=sink %s", props);
  /* kept past the teardown, to check what stopping posts */
  s->bus = gst_object_ref (GST_ELEMENT_BUS (s->h->element));
  s->sink = gst_harness_find_element (s->h, "radiosink");
  g_assert_nonnull (s->sink);
  gst_harness_set_src_caps_str (s->h, CAPS);
}

static void
sink_push (Sink *s, GstBuffer *buf, GstFlowReturn expect)
{
  g_assert_cmpint (gst_harness_push (s->h, buf), ==, expect);
}

static void
sink_eos (Sink *s)
{
  g_assert_true (gst_harness_push_event (s->h, gst_event_new_eos ()));
}

/* Fills f[0, n) as test frames seed, seed + 1, ... and pushes them,
 * spatial grids included, with the pts frame_pts gives. */
static void
sink_push_new_frames (Sink *s, TestFrame *f, guint n, guint seed)
{
  guint i;

  for (i = 0; i < n; i++) {
    test_frame_fill (&f[i], seed + i);
    sink_push (s, test_frame_buffer (&f[i], TRUE, frame_pts (i)), GST_FLOW_OK);
  }
}

static guint64
sink_get_u64 (Sink *s, const char *name)
{
  guint64 v;

  g_object_get (s->sink, name, &v, NULL);
  return v;
}

/* Queued messages hold the elements, which hold the bus: flushing drops
 * them so that everything is freed. */
static void
sink_drop_bus (Sink *s)
{
  gst_bus_set_flushing (s->bus, TRUE);
  gst_object_unref (s->bus);
}

static void
sink_close (Sink *s)
{
  gst_object_unref (s->sink);
  gst_harness_teardown (s->h);
  sink_drop_bus (s);
}

/* ---- reading back -------------------------------------------------------- */

static char *
file_path (const char *dir, const char *format, guint index)
{
  g_autofree char *name = g_strdup_printf (format, index);
  return g_build_filename (dir, name, NULL);
}

static RadioSafetensors *
open_features (const char *dir, guint index)
{
  g_autofree char *path = file_path (dir, "f%03u.safetensors", index);
  g_autoptr (GError) error = NULL;
  RadioSafetensors *st = radio_safetensors_open (path, &error);

  g_assert_no_error (error);
  return st;
}

/* Tensor prefix+name is float32 of exactly this shape and these bits. */
static void
check_tensor (RadioSafetensors *st, const char *prefix, const char *name,
    const gfloat *data, guint n_dims, gint64 d0, gint64 d1, gint64 d2)
{
  g_autofree char *full = g_strconcat (prefix, name, NULL);
  const RadioTensorInfo *t = radio_safetensors_lookup (st, full);
  gint64 shape[3] = { d0, d1, d2 };
  gsize n = 1;
  guint i;

  g_assert_nonnull (t);
  g_assert_cmpint (t->dtype, ==, RADIO_DTYPE_F32);
  g_assert_cmpuint (t->n_dims, ==, n_dims);
  for (i = 0; i < n_dims; i++) {
    g_assert_cmpint (t->shape[i], ==, shape[i]);
    n *= shape[i];
  }
  g_assert_cmpuint (t->size, ==, n * sizeof (gfloat));
  g_assert_cmpmem (t->data, t->size, data, n * sizeof (gfloat));
}

/* Every tensor of f, as radio-embed names them. */
static void
check_full_frame (RadioSafetensors *st, const char *prefix, const TestFrame *f)
{
  check_tensor (st, prefix, "summary", f->summary, 1, S * D, 0, 0);
  check_tensor (st, prefix, "spatial", f->spatial, 3, GH, GW, D);
  check_tensor (
      st, prefix, "adaptor.clip.summary", f->clip_summary, 1, CLIP_N, 0, 0);
  check_tensor (st, prefix, "adaptor.clip.spatial", f->clip_spatial, 3, CLIP_H,
      CLIP_W, CLIP_C);
  check_tensor (
      st, prefix, "adaptor.dino.summary", f->dino_summary, 1, DINO_N, 0, 0);
}

static void
check_meta_value (RadioSafetensors *st, const char *prefix, const char *key,
    const char *expect)
{
  g_autofree char *full = g_strconcat (prefix, key, NULL);

  g_assert_cmpstr (radio_safetensors_get_metadata (st, full), ==, expect);
}

static void
check_meta_double (
    RadioSafetensors *st, const char *prefix, const char *key, gdouble expect)
{
  g_autofree char *full = g_strconcat (prefix, key, NULL);
  const char *text = radio_safetensors_get_metadata (st, full);

  g_assert_nonnull (text);
  g_assert_cmpfloat (g_ascii_strtod (text, NULL), ==, expect);
}

/* Frame number, time stamps, model and geometry of frame i. */
static void
check_frame_metadata (RadioSafetensors *st, const char *prefix, guint64 i)
{
  g_autofree char *number = g_strdup_printf ("%" G_GUINT64_FORMAT, i);
  g_autofree char *pts
      = g_strdup_printf ("%" G_GUINT64_FORMAT, (guint64)frame_pts (i));
  /* the same in every frame: test_frame_buffer's meta and test_geometry */
  static const char *const same[][2] = { { "dts", "none" },
    { "duration", "33333333" }, { "model_version", "test-v1" },
    { "model_id", "feedface00112233" }, { "n_summary_tokens", "2" },
    { "embed_dim", "5" }, { "patch_size", "16" }, { "input_width", "64" },
    { "input_height", "48" }, { "grid_width", "4" }, { "grid_height", "3" },
    { "frame_width", "100" }, { "frame_height", "50" } };
  guint k;

  check_meta_value (st, prefix, "frame", number);
  check_meta_value (st, prefix, "pts", i == 1 ? "none" : pts);
  for (k = 0; k < G_N_ELEMENTS (same); k++)
    check_meta_value (st, prefix, same[k][0], same[k][1]);
  check_meta_double (st, prefix, "scale_x", 0.04);
  check_meta_double (st, prefix, "scale_y", 0.04);
  check_meta_double (st, prefix, "offset_x", 0.0);
  check_meta_double (st, prefix, "offset_y", 0.5);
}

static guint
count_files (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d))
    n++;
  g_dir_close (d);
  return n;
}

/* ---- safetensors --------------------------------------------------------- */

static void
test_per_frame (void)
{
  g_autofree char *dir = radio_test_make_tmp_dir ("radiosink-XXXXXX");
  TestFrame f[3];
  Sink s;
  guint i;
  gboolean sync = TRUE;

  sink_open (&s, "location=%s/f%%03d.safetensors", dir);
  g_object_get (s.sink, "sync", &sync, NULL);
  g_assert_false (sync);
  for (i = 0; i < 3; i++) {
    test_frame_fill (&f[i], i);
    sink_push (&s, test_frame_buffer (&f[i], TRUE, frame_pts (i)), GST_FLOW_OK);
    /* One file per frame, there as soon as the frame has passed. */
    g_assert_cmpuint (count_files (dir), ==, i + 1);
  }
  sink_eos (&s);
  g_assert_cmpuint (sink_get_u64 (&s, "frames-written"), ==, 3);
  g_assert_cmpuint (sink_get_u64 (&s, "files-written"), ==, 3);
  g_assert_null (gst_bus_pop_filtered (s.bus, GST_MESSAGE_ERROR));
  sink_close (&s);

  g_assert_cmpuint (count_files (dir), ==, 3); /* no .tmp left over */
  for (i = 0; i < 3; i++) {
    g_autoptr (RadioSafetensors) st = open_features (dir, i);
    /* exactly radio-embed's tensors, no prefix */
    g_assert_cmpuint (radio_safetensors_get_n_tensors (st), ==, 5);
    check_full_frame (st, "", &f[i]);
    check_frame_metadata (st, "", i);
    check_meta_value (st, "", "frames", "1");
  }
  radio_test_remove_tree (dir);
}

/* Counts radio-sink-file messages and checks their fields. */
static void
check_file_message (Sink *s, const char *dir, const char *pattern, gint index,
    guint frames, guint64 first)
{
  GstMessage *msg = gst_bus_pop_filtered (s->bus, GST_MESSAGE_ELEMENT);
  const GstStructure *st;
  g_autofree char *expect = file_path (dir, pattern, index);
  guint n;
  gint idx;
  guint64 first_frame, last_frame;

  g_assert_nonnull (msg);
  st = gst_message_get_structure (msg);
  g_assert_true (gst_structure_has_name (st, "radio-sink-file"));
  g_assert_cmpstr (gst_structure_get_string (st, "location"), ==, expect);
  g_assert_true (gst_structure_get_int (st, "index", &idx));
  g_assert_cmpint (idx, ==, index);
  g_assert_true (gst_structure_get_uint (st, "frames", &n));
  g_assert_cmpuint (n, ==, frames);
  g_assert_true (gst_structure_get_uint64 (st, "first-frame", &first_frame));
  g_assert_true (gst_structure_get_uint64 (st, "last-frame", &last_frame));
  g_assert_cmpuint (first_frame, ==, first);
  g_assert_cmpuint (last_frame, ==, first + frames - 1);
  gst_message_unref (msg);
}

/* frames-per-file=3, 7 frames, files from index 5: 3 files with prefixes
 * 0/ 1/ 2/, the last with one frame, written at end-of-stream. */
static void
test_batches (void)
{
  g_autofree char *dir = radio_test_make_tmp_dir ("radiosink-XXXXXX");
  TestFrame f[7];
  Sink s;
  guint i, j;

  sink_open (&s,
      "location=%s/f%%03d.safetensors frames-per-file=3 index=5 "
      "post-messages=true",
      dir);
  sink_push_new_frames (&s, f, 7, 0);
  /* the 7th frame waits for end-of-stream */
  g_assert_cmpuint (count_files (dir), ==, 2);
  g_assert_cmpuint (sink_get_u64 (&s, "frames-written"), ==, 6);
  sink_eos (&s);
  g_assert_cmpuint (count_files (dir), ==, 3);
  g_assert_cmpuint (sink_get_u64 (&s, "frames-written"), ==, 7);
  check_file_message (&s, dir, "f%03u.safetensors", 5, 3, 0);
  check_file_message (&s, dir, "f%03u.safetensors", 6, 3, 3);
  check_file_message (&s, dir, "f%03u.safetensors", 7, 1, 6);
  sink_close (&s);

  for (i = 0; i < 3; i++) {
    g_autoptr (RadioSafetensors) st = open_features (dir, 5 + i);
    guint frames = i < 2 ? 3 : 1;
    g_autofree char *count = g_strdup_printf ("%u", frames);

    g_assert_cmpuint (radio_safetensors_get_n_tensors (st), ==, 5 * frames);
    check_meta_value (st, "", "frames", count);
    for (j = 0; j < frames; j++) {
      g_autofree char *prefix = g_strdup_printf ("%u/", j);
      check_full_frame (st, prefix, &f[3 * i + j]);
      check_frame_metadata (st, prefix, 3 * i + j);
    }
    g_assert_null (radio_safetensors_lookup (st, "summary"));
  }
  radio_test_remove_tree (dir);
}

/* Stopping without end-of-stream still writes the frames held back. */
static void
test_partial_at_stop (void)
{
  g_autofree char *dir = radio_test_make_tmp_dir ("radiosink-XXXXXX");
  TestFrame f[2];
  Sink s;

  sink_open (&s, "location=%s/f%%03d.safetensors frames-per-file=4", dir);
  sink_push_new_frames (&s, f, 2, 10);
  g_assert_cmpuint (count_files (dir), ==, 0);
  sink_close (&s);
  {
    g_autoptr (RadioSafetensors) st = open_features (dir, 0);
    check_meta_value (st, "", "frames", "2");
    check_full_frame (st, "0/", &f[0]);
    check_full_frame (st, "1/", &f[1]);
  }
  radio_test_remove_tree (dir);
}

/* Writes one frame with the given properties; returns the file, or NULL
 * when the push failed (the error is then in *error). */
static RadioSafetensors *
write_one (const char *dir, const char *props, gboolean with_spatial,
    const TestFrame *f, GError **error)
{
  Sink s;
  GstFlowReturn ret;
  RadioSafetensors *st = NULL;

  sink_open (&s, "location=%s/f%%03d.safetensors %s", dir, props);
  ret = gst_harness_push (s.h, test_frame_buffer (f, with_spatial, 0));
  if (ret == GST_FLOW_OK) {
    sink_eos (&s);
    st = open_features (dir, 0);
    g_assert_cmpuint (count_files (dir), ==, 1);
    g_unlink (radio_safetensors_get_path (st));
  } else {
    g_assert_cmpint (ret, ==, GST_FLOW_ERROR);
    *error = radio_test_pop_error (s.bus);
    g_assert_cmpuint (count_files (dir), ==, 0);
  }
  sink_close (&s);
  return st;
}

static void
test_fields (void)
{
  g_autofree char *dir = radio_test_make_tmp_dir ("radiosink-XXXXXX");
  GError *error = NULL;
  RadioSafetensors *st;
  TestFrame f;

  test_frame_fill (&f, 3);

  st = write_one (dir, "fields=summary", TRUE, &f, &error);
  g_assert_cmpuint (radio_safetensors_get_n_tensors (st), ==, 1);
  check_tensor (st, "", "summary", f.summary, 1, S * D, 0, 0);
  radio_safetensors_unref (st);

  st = write_one (
      dir, "fields=adaptor-summary adaptors=dino", TRUE, &f, &error);
  g_assert_cmpuint (radio_safetensors_get_n_tensors (st), ==, 1);
  check_tensor (
      st, "", "adaptor.dino.summary", f.dino_summary, 1, DINO_N, 0, 0);
  radio_safetensors_unref (st);

  st = write_one (
      dir, "fields=spatial+adaptors adaptors=\" clip ,\"", TRUE, &f, &error);
  g_assert_cmpuint (radio_safetensors_get_n_tensors (st), ==, 3);
  check_tensor (st, "", "spatial", f.spatial, 3, GH, GW, D);
  check_tensor (
      st, "", "adaptor.clip.summary", f.clip_summary, 1, CLIP_N, 0, 0);
  check_tensor (st, "", "adaptor.clip.spatial", f.clip_spatial, 3, CLIP_H,
      CLIP_W, CLIP_C);
  radio_safetensors_unref (st);

  /* auto writes what is there: no spatial tensors */
  st = write_one (dir, "", FALSE, &f, &error);
  g_assert_cmpuint (radio_safetensors_get_n_tensors (st), ==, 3);
  g_assert_null (radio_safetensors_lookup (st, "spatial"));
  check_tensor (
      st, "", "adaptor.clip.summary", f.clip_summary, 1, CLIP_N, 0, 0);
  radio_safetensors_unref (st);

  /* asked for by name and absent: an error, no file */
  g_assert_null (write_one (dir, "fields=spatial", FALSE, &f, &error));
  g_assert_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "spatial"));
  g_clear_error (&error);
  g_assert_null (write_one (dir, "fields=all", TRUE, &f, &error));
  g_assert_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "dino spatial"));
  g_clear_error (&error);
  g_assert_null (write_one (dir, "adaptors=clip,siglip", TRUE, &f, &error));
  g_assert_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "siglip"));
  g_clear_error (&error);
  radio_test_remove_tree (dir);
}

/* A frame from element-util (one adaptor, no summary): fields=auto writes
 * what it has, names as radio-embed's, the geometry a plain stretch. */
static void
test_util_frame (void)
{
  g_autofree char *dir = radio_test_make_tmp_dir ("radiosink-XXXXXX");
  gfloat spatial[2 * 3 * 4], head[4 * 6 * 2];
  RadioTestFeatures rf = { 0 };
  Sink s;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (spatial); i++)
    spatial[i] = i * 0.5f - 3.0f;
  for (i = 0; i < G_N_ELEMENTS (head); i++)
    head[i] = 1.0f / (i + 1);
  rf.frame_width = 48;
  rf.frame_height = 32;
  rf.format = GST_VIDEO_FORMAT_RGBA;
  rf.grid_width = 3;
  rf.grid_height = 2;
  rf.embed_dim = 4;
  rf.spatial = spatial;
  rf.adaptor_name = "seg";
  rf.adaptor_spatial = head;
  rf.adaptor_spatial_height = 4;
  rf.adaptor_spatial_width = 6;
  rf.adaptor_spatial_dim = 2;
  sink_open (&s, "location=%s/f%%03d.safetensors", dir);
  {
    g_autofree char *caps = radio_test_features_caps (&rf);
    gst_harness_set_src_caps_str (s.h, caps);
  }
  sink_push (&s, radio_test_features_buffer (&rf), GST_FLOW_OK);
  sink_close (&s);
  {
    g_autoptr (RadioSafetensors) st = open_features (dir, 0);
    g_assert_cmpuint (radio_safetensors_get_n_tensors (st), ==, 2);
    check_tensor (st, "", "spatial", spatial, 3, 2, 3, 4);
    check_tensor (st, "", "adaptor.seg.spatial", head, 3, 4, 6, 2);
    check_meta_value (st, "", "pts", "none");
    check_meta_double (st, "", "scale_x", 3.0 / 48);
    check_meta_double (st, "", "scale_y", 2.0 / 32);
    check_meta_value (st, "", "model_version", "test-features");
  }
  radio_test_remove_tree (dir);
}

/* Frames without features: an error by default; skip-missing=true counts
 * them, and frame numbers still count every buffer. */
static void
test_missing_meta (void)
{
  g_autofree char *dir = radio_test_make_tmp_dir ("radiosink-XXXXXX");
  TestFrame f;
  Sink s;
  GError *error;

  test_frame_fill (&f, 4);
  sink_open (&s, "location=%s/f%%03d.safetensors", dir);
  sink_push (
      &s, gst_buffer_new_allocate (NULL, 100 * 50 * 3, NULL), GST_FLOW_ERROR);
  error = radio_test_pop_error (s.bus);
  g_assert_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "GstRadioMeta"));
  g_error_free (error);
  sink_close (&s);
  g_assert_cmpuint (count_files (dir), ==, 0);

  sink_open (&s, "location=%s/f%%03d.safetensors skip-missing=true", dir);
  sink_push (
      &s, gst_buffer_new_allocate (NULL, 100 * 50 * 3, NULL), GST_FLOW_OK);
  sink_push (&s, test_frame_buffer (&f, TRUE, frame_pts (1)), GST_FLOW_OK);
  sink_eos (&s);
  g_assert_cmpuint (sink_get_u64 (&s, "frames-skipped"), ==, 1);
  g_assert_cmpuint (sink_get_u64 (&s, "frames-written"), ==, 1);
  sink_close (&s);
  {
    g_autoptr (RadioSafetensors) st = open_features (dir, 0);
    check_frame_metadata (st, "", 1);
    check_full_frame (st, "", &f);
  }
  radio_test_remove_tree (dir);
}

/* ---- JSON Lines ---------------------------------------------------------- */

/* array holds exactly the n floats of data (as float32 bits). */
static void
check_json_floats (JsonArray *array, const gfloat *data, guint n)
{
  guint i;

  g_assert_nonnull (array);
  g_assert_cmpuint (json_array_get_length (array), ==, n);
  for (i = 0; i < n; i++) {
    gfloat v = (gfloat)json_array_get_double_element (array, i);
    g_assert_cmpmem (&v, sizeof (v), &data[i], sizeof (gfloat));
  }
}

/* A nested [h][w][c] array. */
static void
check_json_grid (
    JsonArray *array, const gfloat *data, guint h, guint w, guint c)
{
  guint y, x;

  g_assert_nonnull (array);
  g_assert_cmpuint (json_array_get_length (array), ==, h);
  for (y = 0; y < h; y++) {
    JsonArray *row = json_array_get_array_element (array, y);
    g_assert_cmpuint (json_array_get_length (row), ==, w);
    for (x = 0; x < w; x++)
      check_json_floats (
          json_array_get_array_element (row, x), data + (y * w + x) * c, c);
  }
}

static gchar **
read_lines (const char *path, guint expect)
{
  g_autofree char *text = NULL;
  gchar **lines;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_true (g_str_has_suffix (text, "\n"));
  text[strlen (text) - 1] = '\0';
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, expect);
  return lines;
}

/* Line i of a jsonl file: frame i's features and metadata. */
static void
check_json_line (
    const char *line, guint64 i, const TestFrame *f, gboolean spatial)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *o, *adaptors, *clip, *dino;

  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (o, "frame"), ==, i);
  if (i == 1)
    g_assert_true (json_object_get_null_member (o, "pts"));
  else
    g_assert_cmpint (json_object_get_int_member (o, "pts"), ==, frame_pts (i));
  g_assert_true (json_object_get_null_member (o, "dts"));
  g_assert_cmpint (
      json_object_get_int_member (o, "duration"), ==, GST_SECOND / 30);
  g_assert_cmpstr (
      json_object_get_string_member (o, "model_id"), ==, "feedface00112233");
  g_assert_cmpstr (
      json_object_get_string_member (o, "model_version"), ==, "test-v1");
  g_assert_cmpint (json_object_get_int_member (o, "grid_width"), ==, GW);
  g_assert_cmpint (json_object_get_int_member (o, "grid_height"), ==, GH);
  g_assert_cmpint (json_object_get_int_member (o, "frame_width"), ==, 100);
  g_assert_cmpfloat (json_object_get_double_member (o, "scale_x"), ==, 0.04);
  g_assert_cmpfloat (json_object_get_double_member (o, "offset_y"), ==, 0.5);

  check_json_floats (
      json_object_get_array_member (o, "summary"), f->summary, S * D);
  adaptors = json_object_get_object_member (o, "adaptors");
  clip = json_object_get_object_member (adaptors, "clip");
  check_json_floats (
      json_object_get_array_member (clip, "summary"), f->clip_summary, CLIP_N);
  if (!spatial) {
    g_assert_false (json_object_has_member (o, "spatial"));
    g_assert_false (json_object_has_member (clip, "spatial"));
    dino = json_object_get_object_member (adaptors, "dino");
    check_json_floats (json_object_get_array_member (dino, "summary"),
        f->dino_summary, DINO_N);
    g_assert_cmpuint (json_object_get_size (adaptors), ==, 2);
    return;
  }
  g_assert_cmpuint (json_object_get_size (adaptors), ==, 1);
  check_json_grid (
      json_object_get_array_member (o, "spatial"), f->spatial, GH, GW, D);
  check_json_grid (json_object_get_array_member (clip, "spatial"),
      f->clip_spatial, CLIP_H, CLIP_W, CLIP_C);
}

static void
test_jsonl (void)
{
  g_autofree char *dir = radio_test_make_tmp_dir ("radiosink-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "features.jsonl", NULL);
  g_auto (GStrv) lines = NULL;
  TestFrame f[3];
  Sink s;
  guint i;

  /* default fields: the summaries */
  sink_open (&s, "format=jsonl location=%s post-messages=true", path);
  sink_push_new_frames (&s, f, 3, 20);
  /* flushed per frame: readable before the stream ends */
  g_strfreev (read_lines (path, 3));
  sink_eos (&s);
  check_file_message (&s, dir, "features.jsonl", 0, 3, 0);
  sink_close (&s);
  lines = read_lines (path, 3);
  for (i = 0; i < 3; i++)
    check_json_line (lines[i], i, &f[i], FALSE);
  g_clear_pointer (&lines, g_strfreev);

  /* everything of one adaptor, spatial grids as nested arrays */
  sink_open (&s, "format=jsonl location=%s fields=all adaptors=clip", path);
  for (i = 0; i < 2; i++)
    sink_push (&s, test_frame_buffer (&f[i], TRUE, frame_pts (i)), GST_FLOW_OK);
  sink_eos (&s);
  sink_close (&s);
  lines = read_lines (path, 2);
  for (i = 0; i < 2; i++)
    check_json_line (lines[i], i, &f[i], TRUE);
  radio_test_remove_tree (dir);
}

/* A pattern for jsonl: a new file every frames-per-file frames. */
static void
test_jsonl_pattern (void)
{
  g_autofree char *dir = radio_test_make_tmp_dir ("radiosink-XXXXXX");
  TestFrame f[5];
  Sink s;
  guint i;

  sink_open (&s, "format=jsonl location=%s/j%%d.jsonl frames-per-file=2", dir);
  sink_push_new_frames (&s, f, 5, 30);
  sink_eos (&s);
  g_assert_cmpuint (sink_get_u64 (&s, "files-written"), ==, 3);
  sink_close (&s);
  g_assert_cmpuint (count_files (dir), ==, 3);
  for (i = 0; i < 3; i++) {
    g_autofree char *path = file_path (dir, "j%u.jsonl", i);
    g_auto (GStrv) lines = read_lines (path, i < 2 ? 2 : 1);
    guint j;
    for (j = 0; lines[j]; j++)
      check_json_line (lines[j], 2 * i + j, &f[2 * i + j], FALSE);
  }
  radio_test_remove_tree (dir);
}

/* ---- failures ------------------------------------------------------------ */

/* Frames to location: the push of frame n_ok + 1 fails and the bus holds
 * a resource error whose message contains `reason`. */
static void
expect_write_failure (
    const char *props, const char *location, guint n_ok, const char *reason)
{
  TestFrame f;
  Sink s;
  GError *error;
  guint i;

  test_frame_fill (&f, 5);
  sink_open (&s, "%s location=\"%s\"", props, location);
  for (i = 0; i < n_ok; i++)
    sink_push (&s, test_frame_buffer (&f, TRUE, 0), GST_FLOW_OK);
  sink_push (&s, test_frame_buffer (&f, TRUE, 0), GST_FLOW_ERROR);
  error = radio_test_pop_error (s.bus);
  g_assert_true (error->domain == GST_RESOURCE_ERROR);
  g_assert_nonnull (strstr (error->message, reason));
  g_error_free (error);
  /* nothing more is accepted, and stopping posts no second error */
  sink_push (&s, test_frame_buffer (&f, TRUE, 0), GST_FLOW_ERROR);
  gst_object_unref (s.sink);
  gst_harness_teardown (s.h);
  g_assert_null (gst_bus_pop_filtered (s.bus, GST_MESSAGE_ERROR));
  sink_drop_bus (&s);
}

static void
test_write_failure (void)
{
  g_autofree char *dir = radio_test_make_tmp_dir ("radiosink-XXXXXX");
  g_autofree char *missing = g_build_filename (dir, "nowhere", "f%d.st", NULL);
  g_autofree char *missing_jsonl
      = g_build_filename (dir, "nowhere", "a.jsonl", NULL);
  g_autofree char *launch = NULL;

  /* a folder that does not exist */
  expect_write_failure ("", missing, 0, g_strerror (ENOENT));
  expect_write_failure ("frames-per-file=2", missing, 1, "nowhere");
  expect_write_failure ("format=jsonl", missing, 0, g_strerror (ENOENT));
  /* a full disk */
  if (g_file_test ("/dev/full", G_FILE_TEST_EXISTS))
    expect_write_failure ("format=jsonl", "/dev/full", 0, g_strerror (ENOSPC));
  /* a read-only folder (root ignores permissions) */
  if (geteuid () != 0) {
    g_autofree char *ro = g_build_filename (dir, "ro", NULL);
    g_autofree char *pattern = g_build_filename (ro, "f%d.st", NULL);
    g_assert_cmpint (g_mkdir (ro, 0555), ==, 0);
    expect_write_failure ("", pattern, 0, g_strerror (EACCES));
    g_chmod (ro, 0755);
  }
  g_assert_cmpuint (count_files (dir), ==, 0);

  /* a single jsonl file is opened at start: the start fails */
  launch = g_strdup_printf ("videotestsrc num-buffers=1 ! radiosink "
                            "format=jsonl location=\"%s\"",
      missing_jsonl);
  g_free (radio_test_expect_start_failure (launch, missing_jsonl));
  radio_test_remove_tree (dir);
}

static void
test_bad_location (void)
{
  const char *bad[][2] = {
    { "", "features.safetensors" }, /* no index conversion */
    { "", "f%d-%d.safetensors" },   /* two */
    { "", "f%s.safetensors" },      /* not an integer */
    { "", "f%ld.safetensors" },     /* not an int */
    { "", "f%" },                   /* cut short */
    { "format=jsonl", "f%d%d.jsonl" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree char *launch = g_strdup_printf (
        "videotestsrc num-buffers=1 ! radiosink %s location=\"%s\"", bad[i][0],
        bad[i][1]);

    g_free (radio_test_expect_start_failure (launch, "location"));
  }
}

/* Hostile inputs.  A geometry with NaN or infinite numbers still makes a
 * valid JSON line (null: JSON has no such numbers).  "%%" in a location
 * is a literal '%'.  A file name longer than the system allows is an
 * error naming the reason, for safetensors and jsonl.  An adaptor listed
 * twice in `adaptors` is written once, not an error blamed on the meta. */
static void
test_hostile (void)
{
  g_autofree char *dir = radio_test_make_tmp_dir ("radiosink-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "odd.jsonl", NULL);
  g_autofree char *percent = g_build_filename (dir, "a%b-007.st", NULL);
  g_autofree char *long_name = g_strnfill (300, 'n');
  g_autofree char *long_st = g_strdup_printf ("%s/%s%%d.st", dir, long_name);
  g_autofree char *long_jsonl = g_strdup_printf ("%s/%s.jsonl", dir, long_name);
  g_autofree char *launch = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioSafetensors) st = NULL;
  g_auto (GStrv) lines = NULL;
  GstRadioMeta *meta;
  GstBuffer *buf;
  JsonObject *o;
  TestFrame f;
  Sink s;
  guint i, k;

  test_frame_fill (&f, 50);
  sink_open (&s, "format=jsonl location=%s", path);
  buf = test_frame_buffer (&f, TRUE, frame_pts (0));
  meta = gst_buffer_get_radio_meta (buf);
  meta->geometry.scale_x = NAN;
  meta->geometry.offset_x = INFINITY;
  meta->geometry.offset_y = -INFINITY;
  sink_push (&s, buf, GST_FLOW_OK);
  sink_eos (&s);
  sink_close (&s);
  lines = read_lines (path, 1);
  json_parser_load_from_data (parser, lines[0], -1, &error);
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_get_null_member (o, "scale_x"));
  g_assert_true (json_object_get_null_member (o, "offset_x"));
  g_assert_true (json_object_get_null_member (o, "offset_y"));
  g_assert_cmpfloat (json_object_get_double_member (o, "scale_y"), ==, 0.04);

  /* "%%" is '%'; an adaptor named twice is written once */
  sink_open (&s, "location=%s/a%%%%b-%%03d.st index=7 adaptors=clip,clip", dir);
  sink_push (&s, test_frame_buffer (&f, TRUE, frame_pts (0)), GST_FLOW_OK);
  g_assert_null (gst_bus_pop_filtered (s.bus, GST_MESSAGE_ERROR));
  sink_close (&s);
  st = radio_safetensors_open (percent, &error);
  g_assert_no_error (error);
  /* summary, spatial, clip's summary and spatial */
  g_assert_cmpuint (radio_safetensors_get_n_tensors (st), ==, 4);

  /* names too long for the file system */
  expect_write_failure ("", long_st, 0, g_strerror (ENAMETOOLONG));
  expect_write_failure (
      "format=jsonl frames-per-file=2", long_st, 0, g_strerror (ENAMETOOLONG));
  launch = g_strdup_printf (
      "videotestsrc num-buffers=1 ! radiosink format=jsonl location=\"%s\"",
      long_jsonl);
  g_free (radio_test_expect_start_failure (launch, g_strerror (ENAMETOOLONG)));

  /* index G_MAXINT is the last file: one more is an error, no overflow */
  for (k = 0; k < 2; k++) {
    g_autofree char *last = file_path (dir, "last%u.st", G_MAXINT);
    GError *err;
    sink_open (&s, "location=%s/last%%d.st index=%d frames-per-file=2 %s", dir,
        G_MAXINT - 1, k ? "format=jsonl" : "");
    for (i = 0; i < 4; i++)
      sink_push (&s, test_frame_buffer (&f, TRUE, frame_pts (i)), GST_FLOW_OK);
    g_assert_true (g_file_test (last, G_FILE_TEST_EXISTS));
    sink_push (&s, test_frame_buffer (&f, TRUE, frame_pts (4)), GST_FLOW_ERROR);
    err = radio_test_pop_error (s.bus);
    g_assert_nonnull (strstr (err->message, "No file index left"));
    g_error_free (err);
    sink_close (&s);
    g_assert_cmpint (g_unlink (last), ==, 0);
  }
  radio_test_remove_tree (dir);
}

/* ---- with the built-in model -------------------------------------------- */

/* videotestsrc ! radio ! tee: one branch to radiosink, the other to an
 * appsink; the files hold exactly the features of the buffers. */
static void
test_builtin_model (void)
{
  g_autofree char *dir = radio_test_make_tmp_dir ("radiosink-XXXXXX");
  g_autofree char *launch = g_strdup_printf (
      "videotestsrc num-buffers=3 ! video/x-raw,width=64,height=48 ! "
      "videoconvert ! radio adaptors=demo ! tee name=t ! queue ! "
      "radiosink location=\"%s/f%%03d.safetensors\" t. ! queue ! "
      "appsink name=out sync=false wait-on-eos=false",
      dir);
  g_autoptr (GError) error = NULL;
  GstElement *pipeline = gst_parse_launch (launch, &error);
  GstElement *appsink;
  g_autofree char *message = NULL;
  guint i;

  g_assert_no_error (error);
  appsink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  message = radio_test_wait_for_end (pipeline);
  g_assert_cmpstr (message, ==, NULL); /* end-of-stream */
  g_assert_cmpuint (count_files (dir), ==, 3);

  for (i = 0; i < 3; i++) {
    GstSample *sample
        = gst_app_sink_try_pull_sample (GST_APP_SINK (appsink), GST_SECOND);
    GstRadioMeta *m
        = gst_buffer_get_radio_meta (gst_sample_get_buffer (sample));
    const GstRadioAdaptorFeatures *a;
    g_autoptr (RadioSafetensors) st = open_features (dir, i);
    g_autofree char *id = NULL;

    g_assert_nonnull (m);
    a = gst_radio_meta_get_adaptor (m, "demo");
    g_assert_nonnull (a);
    g_assert_cmpuint (radio_safetensors_get_n_tensors (st), ==, 4);
    check_tensor (st, "", "summary", m->summary, 1, m->summary_length, 0, 0);
    check_tensor (st, "", "spatial", m->spatial, 3, m->geometry.grid_height,
        m->geometry.grid_width, m->embed_dim);
    check_tensor (
        st, "", "adaptor.demo.summary", a->summary, 1, a->summary_length, 0, 0);
    check_tensor (st, "", "adaptor.demo.spatial", a->spatial, 3,
        a->spatial_height, a->spatial_width, a->spatial_dim);
    check_meta_value (st, "", "model_id", m->model_id);
    id = g_strdup_printf ("%u", i);
    check_meta_value (st, "", "frame", id);
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (appsink);
  gst_object_unref (pipeline);
  radio_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/radiosink/safetensors/per-frame", test_per_frame);
  g_test_add_func ("/radiosink/safetensors/batches", test_batches);
  g_test_add_func (
      "/radiosink/safetensors/partial-at-stop", test_partial_at_stop);
  g_test_add_func (
      "/radiosink/safetensors/element-util-frame", test_util_frame);
  g_test_add_func ("/radiosink/fields", test_fields);
  g_test_add_func ("/radiosink/missing-meta", test_missing_meta);
  g_test_add_func ("/radiosink/jsonl/round-trip", test_jsonl);
  g_test_add_func ("/radiosink/jsonl/pattern", test_jsonl_pattern);
  g_test_add_func ("/radiosink/errors/write-failure", test_write_failure);
  g_test_add_func ("/radiosink/errors/bad-location", test_bad_location);
  g_test_add_func ("/radiosink/errors/hostile", test_hostile);
  g_test_add_func ("/radiosink/builtin-model", test_builtin_model);
  return g_test_run ();
}
