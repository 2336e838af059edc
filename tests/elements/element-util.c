/* element-util.c: see element-util.h. */
#include "element-util.h"

#include <string.h>

gchar *
radio_test_features_caps (const RadioTestFeatures *f)
{
  return g_strdup_printf (
      "video/x-raw,format=%s,width=%u,height=%u,framerate=30/1",
      gst_video_format_to_string (f->format), f->frame_width, f->frame_height);
}

static void
fill_frame (GstVideoFrame *frame, const guint8 rgb[3])
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  guint ps = GST_VIDEO_FORMAT_INFO_PSTRIDE (finfo, 0);
  guint x, y, c;

  for (y = 0; y < (guint)GST_VIDEO_FRAME_HEIGHT (frame); y++) {
    guint8 *line = (guint8 *)GST_VIDEO_FRAME_PLANE_DATA (frame, 0)
                   + y * GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
    memset (line, 0xff, (gsize)GST_VIDEO_FRAME_WIDTH (frame) * ps);
    for (x = 0; x < (guint)GST_VIDEO_FRAME_WIDTH (frame); x++)
      for (c = 0; c < 3; c++)
        line[x * ps + GST_VIDEO_FORMAT_INFO_POFFSET (finfo, c)] = rgb[c];
  }
}

GstBuffer *
radio_test_features_buffer (const RadioTestFeatures *f)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstRadioGeometry g = { 0 };
  GstRadioFeatures *features;
  GstBuffer *buf;

  g_assert_true (gst_video_info_set_format (
      &info, f->format, f->frame_width, f->frame_height));
  buf = gst_buffer_new_allocate (NULL, info.size, NULL);
  g_assert_true (gst_video_frame_map (&frame, &info, buf, GST_MAP_WRITE));
  if (GST_VIDEO_INFO_IS_RGB (&info))
    fill_frame (&frame, f->fill);
  gst_video_frame_unmap (&frame);
  if (!GST_VIDEO_INFO_IS_RGB (&info))
    gst_buffer_memset (buf, 0, 0x80, info.size);

  features = gst_radio_features_new ("test-features",
      "0123456789abcdef0123456789abcdef",
      f->summary ? MAX (f->n_summary_tokens, 1) : 1, f->embed_dim);
  if (f->summary)
    g_assert_true (gst_radio_features_set_summary (features, f->summary));
  if (f->spatial)
    g_assert_true (gst_radio_features_set_spatial (
        features, f->spatial, f->grid_height, f->grid_width));
  if (f->adaptor_name)
    g_assert_true (gst_radio_features_add_adaptor (features, f->adaptor_name,
        f->adaptor_summary, f->adaptor_summary_length, f->adaptor_spatial,
        f->adaptor_spatial_height, f->adaptor_spatial_width,
        f->adaptor_spatial_dim));
  g.patch_size = 16;
  g.grid_width = f->grid_width;
  g.grid_height = f->grid_height;
  g.input_width = f->grid_width * 16;
  g.input_height = f->grid_height * 16;
  g.frame_width = f->frame_width;
  g.frame_height = f->frame_height;
  g.scale_x = (gdouble)f->grid_width / f->frame_width;
  g.scale_y = (gdouble)f->grid_height / f->frame_height;
  g_assert_nonnull (gst_buffer_add_radio_meta (buf, features, &g));
  gst_radio_features_unref (features);
  return buf;
}

void
radio_test_frame_rgb (
    const GstVideoFrame *frame, guint x, guint y, guint8 rgb[3])
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  const guint8 *p = (const guint8 *)GST_VIDEO_FRAME_PLANE_DATA (frame, 0)
                    + y * GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0)
                    + x * GST_VIDEO_FORMAT_INFO_PSTRIDE (finfo, 0);
  guint c;

  for (c = 0; c < 3; c++)
    rgb[c] = p[GST_VIDEO_FORMAT_INFO_POFFSET (finfo, c)];
}

/* ---- pipelines ---------------------------------------------------------- */

gchar *
radio_test_wait_for_end (GstElement *pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered (
      bus, 300 * GST_SECOND, GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  gchar *text = NULL;

  g_assert_nonnull (msg);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_autoptr (GError) err = NULL;
    g_autofree gchar *debug = NULL;
    gst_message_parse_error (msg, &err, &debug);
    text = g_strdup (err->message);
    if (g_test_verbose ())
      g_printerr ("  error: %s (%s)\n", text, debug);
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
  return text;
}

gchar *
radio_test_run_pipeline (
    const gchar *launch, GstStateChangeReturn *first_change)
{
  g_autoptr (GError) error = NULL;
  GstElement *pipeline = gst_parse_launch (launch, &error);
  GstStateChangeReturn ret;
  gchar *text;

  g_assert_no_error (error);
  ret = gst_element_set_state (pipeline, GST_STATE_PLAYING);
  if (first_change)
    *first_change = ret;
  text = radio_test_wait_for_end (pipeline);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return text;
}

gchar *
radio_test_expect_start_failure (const gchar *launch, const gchar *expect)
{
  GstStateChangeReturn ret;
  gchar *message = radio_test_run_pipeline (launch, &ret);

  g_assert_cmpint (ret, ==, GST_STATE_CHANGE_FAILURE);
  g_assert_nonnull (message);
  if (!strstr (message, expect))
    g_error ("error \"%s\" does not contain \"%s\"", message, expect);
  return message;
}

/* ---- harnesses ---------------------------------------------------------- */

static GstHarness *
harness_new_valist (const gchar *launch_format, va_list args)
{
  g_autofree gchar *launch = g_strdup_vprintf (launch_format, args);

  return gst_harness_new_parse (launch);
}

GstHarness *
radio_test_harness_new (const gchar *launch_format, ...)
{
  va_list args;
  GstHarness *h;

  va_start (args, launch_format);
  h = harness_new_valist (launch_format, args);
  va_end (args);
  return h;
}

GstHarness *
radio_test_harness_new_with_bus (const gchar *launch_format, ...)
{
  va_list args;
  GstHarness *h;
  GstBus *bus;

  va_start (args, launch_format);
  h = harness_new_valist (launch_format, args);
  va_end (args);
  bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  gst_object_unref (bus); /* the bin holds it */
  return h;
}

void
radio_test_harness_teardown (GstHarness *h)
{
  GstBus *bus = gst_element_get_bus (h->element);

  if (bus) {
    gst_bus_set_flushing (bus, TRUE);
    gst_object_unref (bus);
  }
  gst_harness_teardown (h);
}

GstBuffer *
radio_test_harness_push_features (
    GstHarness *h, const RadioTestFeatures *f, GstFlowReturn want)
{
  g_autofree gchar *caps = radio_test_features_caps (f);

  gst_harness_set_src_caps_str (h, caps);
  g_assert_cmpint (
      gst_harness_push (h, radio_test_features_buffer (f)), ==, want);
  return want == GST_FLOW_OK ? gst_harness_pull (h) : NULL;
}

/* ---- bus messages ------------------------------------------------------- */

static gchar *
pop_messages (
    GstBus *bus, GstMessageType type, const gchar *expect, guint *count)
{
  GstMessage *msg;
  gchar *text = NULL;

  g_assert_true (type == GST_MESSAGE_ERROR || type == GST_MESSAGE_WARNING);
  if (count)
    *count = 0;
  while ((msg = gst_bus_pop_filtered (bus, type))) {
    g_autoptr (GError) err = NULL;
    if (type == GST_MESSAGE_ERROR)
      gst_message_parse_error (msg, &err, NULL);
    else
      gst_message_parse_warning (msg, &err, NULL);
    if (g_test_verbose ())
      g_printerr ("  %s: %s\n", type == GST_MESSAGE_ERROR ? "error" : "warning",
          err->message);
    if (expect && !strstr (err->message, expect))
      g_error ("message \"%s\" does not contain \"%s\"", err->message, expect);
    if (!text)
      text = g_strdup (err->message);
    if (count)
      (*count)++;
    gst_message_unref (msg);
  }
  return text;
}

gchar *
radio_test_pop_messages (GstBus *bus, GstMessageType type, guint *count)
{
  return pop_messages (bus, type, NULL, count);
}

guint
radio_test_count_messages (
    GstBus *bus, GstMessageType type, const gchar *expect)
{
  guint count;

  g_free (pop_messages (bus, type, expect, &count));
  return count;
}

GError *
radio_test_pop_error (GstBus *bus)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *error = NULL;
  g_autofree gchar *debug = NULL;

  g_assert_nonnull (msg);
  gst_message_parse_error (msg, &error, &debug);
  if (g_test_verbose ())
    g_printerr ("  error: %s (%s)\n", error->message, debug);
  gst_message_unref (msg);
  return error;
}

/* ---- files and pixels --------------------------------------------------- */

gchar *
radio_test_make_tmp_dir (const gchar *tmpl)
{
  g_autoptr (GError) error = NULL;
  gchar *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  return dir;
}

void
radio_test_map_frame (GstVideoFrame *frame, GstBuffer *buf,
    GstVideoFormat format, guint width, guint height)
{
  GstVideoInfo info;

  g_assert_true (gst_video_info_set_format (&info, format, width, height));
  g_assert_true (gst_video_frame_map (frame, &info, buf, GST_MAP_READ));
}

void
radio_test_map_output (
    GstVideoFrame *frame, GstVideoInfo *info, GstHarness *h, GstBuffer *buf)
{
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);

  g_assert_nonnull (caps);
  g_assert_true (gst_video_info_from_caps (info, caps));
  gst_caps_unref (caps);
  g_assert_true (gst_video_frame_map (frame, info, buf, GST_MAP_READ));
}

void
radio_test_assert_buffer_data (GstBuffer *buf, const guint8 *data, gsize size)
{
  GstMapInfo map;

  g_assert_true (gst_buffer_map (buf, &map, GST_MAP_READ));
  g_assert_cmpmem (map.data, map.size, data, size);
  gst_buffer_unmap (buf, &map);
}

void
radio_test_assert_same_bytes (GstBuffer *a, GstBuffer *b)
{
  GstMapInfo map;

  g_assert_true (gst_buffer_map (b, &map, GST_MAP_READ));
  radio_test_assert_buffer_data (a, map.data, map.size);
  gst_buffer_unmap (b, &map);
}

void
radio_test_assert_rect_rgb (const GstVideoFrame *frame, guint x0, guint y0,
    guint x1, guint y1, const guint8 rgb[3])
{
  guint x, y;
  guint8 got[3];

  for (y = y0; y < y1; y++)
    for (x = x0; x < x1; x++) {
      radio_test_frame_rgb (frame, x, y, got);
      if (memcmp (got, rgb, 3) != 0)
        g_error ("pixel (%u, %u) is %u,%u,%u, expected %u,%u,%u", x, y, got[0],
            got[1], got[2], rgb[0], rgb[1], rgb[2]);
    }
}
