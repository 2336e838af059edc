/* test-radio: the `radio` element in GstHarness and in real pipelines.
 *
 * Golden cases through the element (RGB frames, tolerance of
 * golden/README.md), the other pixel formats, resize policies, interval,
 * feature selection, renegotiation, model sharing, meta copies and
 * transforms, and the rejection paths (bad models, refused caps, errors in
 * mid-stream), each of which must end in an error message on the bus. */
#include <gst/app/gstappsrc.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/radio/radiometa.h>
#include <glib/gstdio.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>

#include "element-util.h"
#include "radio-checkpoint.h"
#include "radio-safetensors.h"
#include "test-util.h"

static const char *golden_dir;

static char *
model_dir (const char *name)
{
  return g_build_filename (golden_dir, name, NULL);
}

/* ---- frames ------------------------------------------------------------ */

typedef struct {
  RadioSafetensors *st;
  guint width, height;
  const guint8 *rgb; /* [height, width, 3] */
} GoldenImage;

static void
golden_image_load (GoldenImage *img, const char *model, const char *file)
{
  g_autofree char *dir = model_dir (model);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr (GError) error = NULL;
  const RadioTensorInfo *t;

  img->st = radio_safetensors_open (path, &error);
  g_assert_no_error (error);
  t = radio_safetensors_lookup (img->st, "image");
  g_assert_nonnull (t);
  g_assert_cmpint (t->dtype, ==, RADIO_DTYPE_U8);
  img->height = t->shape[0];
  img->width = t->shape[1];
  img->rgb = t->data;
}

static void
golden_image_clear (GoldenImage *img)
{
  g_clear_pointer (&img->st, radio_safetensors_unref);
}

/* A buffer of packed RGB rows with GStreamer's default stride. */
static GstBuffer *
rgb_buffer (const guint8 *rgb, guint width, guint height)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf;
  guint y;

  g_assert_true (
      gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, width, height));
  buf = gst_buffer_new_allocate (NULL, info.size, NULL);
  g_assert_true (gst_video_frame_map (&frame, &info, buf, GST_MAP_WRITE));
  for (y = 0; y < height; y++)
    memcpy ((guint8 *)GST_VIDEO_FRAME_PLANE_DATA (&frame, 0)
                + y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0),
        rgb + y * width * 3, width * 3);
  gst_video_frame_unmap (&frame);
  return buf;
}

static char *
rgb_caps (guint width, guint height)
{
  return g_strdup_printf ("video/x-raw,format=RGB,width=%u,height=%u,"
                          "framerate=30/1",
      width, height);
}

/* Runs one frame through a harnessed launch line; returns the output. */
static GstBuffer *
push_rgb (GstHarness *h, const guint8 *rgb, guint width, guint height)
{
  g_autofree char *caps = rgb_caps (width, height);

  gst_harness_set_src_caps_str (h, caps);
  g_assert_cmpint (
      gst_harness_push (h, rgb_buffer (rgb, width, height)), ==, GST_FLOW_OK);
  return gst_harness_pull (h);
}

static GstRadioMeta *
get_meta (GstBuffer *buf)
{
  GstRadioMeta *meta = gst_buffer_get_radio_meta (buf);
  g_assert_nonnull (meta);
  g_assert_cmpuint (meta->version, ==, GST_RADIO_META_VERSION);
  return meta;
}

static double
ratio (const float *out, const float *ref, gsize n)
{
  return radio_test_error_ratio (out, ref, n, NULL, NULL);
}

/* ---- golden ------------------------------------------------------------ */

static void
compare_tensor (
    RadioSafetensors *st, const char *name, const float *out, gsize n)
{
  const RadioTensorInfo *ref = radio_safetensors_lookup (st, name);
  double r;

  g_assert_nonnull (ref);
  g_assert_nonnull (out);
  g_assert_cmpuint (ref->n_elements, ==, n);
  r = radio_test_error_ratio (out, ref->data, n, NULL, NULL);
  if (g_test_verbose ())
    g_printerr ("  %-24s max|err|/std(ref) = %.3g\n", name, r);
  g_assert_cmpfloat (r, <=, RADIO_TEST_F32_TOLERANCE);
}

static void
check_golden_output (
    GstBuffer *out, const char *model, const char *file, RadioSafetensors *st)
{
  GstRadioMeta *meta = get_meta (out);
  const char *input_hw = radio_safetensors_get_metadata (st, "model_input_hw");
  g_autofree char *have_hw = NULL;
  guint i;

  have_hw = g_strdup_printf (
      "%ux%u", meta->geometry.input_height, meta->geometry.input_width);
  g_assert_cmpstr (have_hw, ==, input_hw);
  compare_tensor (st, "summary", meta->summary, meta->summary_length);
  compare_tensor (st, "spatial", meta->spatial,
      (gsize)meta->geometry.grid_height * meta->geometry.grid_width
          * meta->embed_dim);
  for (i = 0; i < radio_safetensors_get_n_tensors (st); i++) {
    const char *name = radio_safetensors_get_tensor (st, i)->name;
    g_auto (GStrv) parts = g_strsplit (name, ".", 3);
    const GstRadioAdaptorFeatures *a;

    if (g_strcmp0 (parts[0], "adaptor") != 0)
      continue;
    a = gst_radio_meta_get_adaptor (meta, parts[1]);
    g_assert_nonnull (a);
    if (g_strcmp0 (parts[2], "summary") == 0)
      compare_tensor (st, name, a->summary, a->summary_length);
    else
      compare_tensor (st, name, a->spatial,
          (gsize)a->spatial_height * a->spatial_width * a->spatial_dim);
  }
}

static void
test_golden_case (gconstpointer data)
{
  const char *const *which = data; /* { model, case file } */
  GoldenImage img;
  g_autofree char *dir = model_dir (which[0]);
  g_autofree char *adaptors = NULL;
  g_auto (GStrv) names = NULL;
  GstHarness *h;
  GstBuffer *out;

  golden_image_load (&img, which[0], which[1]);
  names = radio_test_case_adaptors (img.st);
  adaptors = g_strjoinv (",", names);
  h = radio_test_harness_new (
      "radio backend=cpu model=\"%s\" adaptors=\"%s\"", dir, adaptors);
  out = push_rgb (h, img.rgb, img.width, img.height);
  check_golden_output (out, which[0], which[1], img.st);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  golden_image_clear (&img);
}

/* ---- pixel formats ------------------------------------------------------ */

static float *
summary_copy (GstBuffer *buf, guint *length)
{
  GstRadioMeta *meta = get_meta (buf);
  *length = meta->summary_length;
  return g_memdup2 (meta->summary, meta->summary_length * sizeof (float));
}

/* The summary of the model on one RGB frame. */
static float *
summary_of_rgb (
    const char *dir, const guint8 *rgb, guint w, guint h, guint *length)
{
  GstHarness *hr
      = radio_test_harness_new ("radio backend=cpu model=\"%s\"", dir);
  GstBuffer *out = push_rgb (hr, rgb, w, h);
  float *s = summary_copy (out, length);

  gst_buffer_unref (out);
  gst_harness_teardown (hr);
  return s;
}

static void
test_packed_formats_exact (void)
{
  static const char *formats[] = { "RGBA", "BGRx", "BGR", "xRGB", "ABGR" };
  g_autofree char *dir = model_dir ("tiny-v25");
  g_autofree float *ref = NULL;
  GoldenImage img;
  guint n_ref, i;

  golden_image_load (&img, "tiny-v25", "case3-100x70.safetensors");
  ref = summary_of_rgb (dir, img.rgb, img.width, img.height, &n_ref);
  for (i = 0; i < G_N_ELEMENTS (formats); i++) {
    GstHarness *h = radio_test_harness_new (
        "videoconvert ! capsfilter caps=video/x-raw,format=%s ! radio "
        "backend=cpu model=\"%s\"",
        formats[i], dir);
    GstBuffer *out = push_rgb (h, img.rgb, img.width, img.height);
    GstRadioMeta *meta = get_meta (out);

    /* Reordering 8-bit channels loses nothing: the same model input. */
    g_assert_cmpuint (meta->summary_length, ==, n_ref);
    g_assert_cmpmem (
        meta->summary, n_ref * sizeof (float), ref, n_ref * sizeof (float));
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
  golden_image_clear (&img);
}

/* Independent double-precision YUV -> RGB of a converted frame, as
 * radio-frame.h specifies it (chroma bilinear, centred on 2x2 blocks). */
static void
yuv_frame_to_rgb (const GstVideoFrame *f, double *rgb)
{
  const GstVideoColorimetry *c = &f->info.colorimetry;
  RadioTestYuvFrame yuv = { 0 };
  guint x, y, p;

  g_assert_true (c->matrix == GST_VIDEO_COLOR_MATRIX_BT709
                 || c->matrix == GST_VIDEO_COLOR_MATRIX_BT601);
  yuv.kr = c->matrix == GST_VIDEO_COLOR_MATRIX_BT709 ? 0.2126 : 0.299;
  yuv.kb = c->matrix == GST_VIDEO_COLOR_MATRIX_BT709 ? 0.0722 : 0.114;
  yuv.full_range = c->range == GST_VIDEO_COLOR_RANGE_0_255;
  yuv.nv12 = GST_VIDEO_FRAME_FORMAT (f) == GST_VIDEO_FORMAT_NV12;
  yuv.width = GST_VIDEO_FRAME_WIDTH (f);
  yuv.height = GST_VIDEO_FRAME_HEIGHT (f);
  for (p = 0; p < GST_VIDEO_FRAME_N_PLANES (f); p++) {
    yuv.planes[p] = GST_VIDEO_FRAME_PLANE_DATA (f, p);
    yuv.strides[p] = GST_VIDEO_FRAME_PLANE_STRIDE (f, p);
  }
  for (y = 0; y < yuv.height; y++)
    for (x = 0; x < yuv.width; x++)
      radio_test_yuv_pixel (&yuv, x, y, rgb + 3 * ((gsize)y * yuv.width + x));
}

/* The YUV frame videoconvert makes of an RGB image, back in exact RGB. */
static double *
converted_yuv_as_rgb (const char *format, const GoldenImage *img)
{
  GstHarness *h = radio_test_harness_new (
      "videoconvert ! capsfilter caps=video/x-raw,format=%s", format);
  GstBuffer *out = push_rgb (h, img->rgb, img->width, img->height);
  double *rgb = g_new (double, (gsize)img->width * img->height * 3);
  GstVideoInfo info;
  GstVideoFrame frame;

  radio_test_map_output (&frame, &info, h, out);
  yuv_frame_to_rgb (&frame, rgb);
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  return rgb;
}

/* NV12 and I420: the element converts YUV to RGB in float, without the
 * 8-bit rounding an RGB frame carries.  So its result must match the RGB
 * frame rounded from the same YUV data up to the effect of that rounding
 * (at most 1/2 LSB per channel).  We measure the model's response to a
 * perturbation of exactly 1 LSB on every channel (random sign): rounding
 * errors are at most half of that and mostly much smaller, so the YUV path
 * must stay within twice that response. */
static void
test_yuv_formats (gconstpointer data)
{
  const char *format = data;
  g_autofree char *dir = model_dir ("tiny-v25");
  GoldenImage img;
  g_autofree double *exact = NULL;
  g_autofree guint8 *rounded = NULL, *nudged = NULL;
  g_autofree float *s_round = NULL, *s_nudge = NULL, *s_yuv = NULL;
  GRand *rand = g_rand_new_with_seed (3);
  guint n, n2, i;
  gsize px;
  double one_lsb, yuv_error;
  GstHarness *h;
  GstBuffer *out;

  golden_image_load (&img, "tiny-v25", "case3-100x70.safetensors");
  px = (gsize)img.width * img.height * 3;
  exact = converted_yuv_as_rgb (format, &img);
  rounded = g_new (guint8, px);
  nudged = g_new (guint8, px);
  for (i = 0; i < px; i++) {
    int v = (int)lround (exact[i] * 255.0);
    int step = g_rand_boolean (rand) ? 1 : -1;
    rounded[i] = v;
    nudged[i] = CLAMP (v + (v == 0 ? 1 : v == 255 ? -1 : step), 0, 255);
  }
  g_rand_free (rand);
  s_round = summary_of_rgb (dir, rounded, img.width, img.height, &n);
  s_nudge = summary_of_rgb (dir, nudged, img.width, img.height, &n2);

  h = radio_test_harness_new (
      "videoconvert ! capsfilter caps=video/x-raw,format=%s ! "
      "radio backend=cpu "
      "model=\"%s\"",
      format, dir);
  out = push_rgb (h, img.rgb, img.width, img.height);
  s_yuv = summary_copy (out, &n2);
  gst_buffer_unref (out);
  gst_harness_teardown (h);

  one_lsb = ratio (s_nudge, s_round, n);
  yuv_error = ratio (s_yuv, s_round, n);
  if (g_test_verbose ())
    g_printerr ("  %s: 1-LSB response %.3g, YUV path %.3g (of std)\n", format,
        one_lsb, yuv_error);
  g_assert_cmpfloat (one_lsb, >, 0.0);
  g_assert_cmpfloat (yuv_error, <=, 2.0 * one_lsb);
  golden_image_clear (&img);
}

/* ---- resize policies, interval, features -------------------------------- */

static GstRadioMeta *
run_resize (
    GstHarness **h, const char *props, const GoldenImage *img, GstBuffer **out)
{
  g_autofree char *dir = model_dir ("tiny-v25");
  *h = radio_test_harness_new ("radio backend=cpu model=\"%s\" %s", dir, props);
  *out = push_rgb (*h, img->rgb, img->width, img->height);
  return get_meta (*out);
}

static void
assert_close (double a, double b)
{
  g_assert_cmpfloat (fabs (a - b), <, 1e-12);
}

static void
test_resize_modes (void)
{
  GoldenImage img, square;
  GstHarness *h, *h2;
  GstBuffer *out, *out2;
  GstRadioMeta *m, *m2;
  g_autofree char *dir = model_dir ("tiny-v25");
  g_autoptr (RadioCheckpoint) ckpt = radio_checkpoint_load (dir, NULL);
  double gx, gy;

  golden_image_load (&img, "tiny-v25", "case3-100x70.safetensors");

  /* nearest: 70x100 -> 64x96 (4.375 and 6.25 patches round to 4 and 6) */
  g_assert_cmpuint (img.width, ==, 70);
  m = run_resize (&h, "", &img, &out);
  g_assert_cmpuint (m->geometry.input_width, ==, 64);
  g_assert_cmpuint (m->geometry.input_height, ==, 96);
  g_assert_cmpuint (m->geometry.grid_width, ==, 4);
  assert_close (m->geometry.scale_x, 64.0 / 70 / 16);
  gst_buffer_unref (out);
  gst_harness_teardown (h);

  /* fixed */
  m = run_resize (&h, "resize=fixed width=64 height=48", &img, &out);
  g_assert_cmpuint (m->geometry.input_width, ==, 64);
  g_assert_cmpuint (m->geometry.input_height, ==, 48);
  g_assert_cmpuint (m->geometry.grid_height, ==, 3);
  assert_close (m->geometry.scale_y, 48.0 / 100 / 16);
  assert_close (m->geometry.offset_x, 0.0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);

  /* preferred */
  m = run_resize (&h, "resize=preferred", &img, &out);
  g_assert_cmpuint (m->geometry.input_width, ==, ckpt->preferred_width);
  g_assert_cmpuint (m->geometry.input_height, ==, ckpt->preferred_height);
  gst_buffer_unref (out);
  gst_harness_teardown (h);

  /* letterbox 64x64: scale 0.64, content 45x64 at x = 9 */
  m = run_resize (&h, "resize=letterbox width=64 height=64", &img, &out);
  g_assert_cmpuint (m->geometry.input_width, ==, 64);
  g_assert_cmpuint (m->geometry.input_height, ==, 64);
  assert_close (m->geometry.scale_x, 45.0 / 70 / 16);
  assert_close (m->geometry.offset_x, 9.0 / 16);
  assert_close (m->geometry.offset_y, 0.0);
  /* the frame's centre maps to the centre of its band in the grid */
  g_assert_true (gst_radio_meta_frame_to_grid (m, 35, 50, &gx, &gy));
  assert_close (gx, (9 + 22.5) / 16);
  assert_close (gy, 2.0);
  g_assert_false (gst_radio_meta_frame_to_grid (m, 35, -1, NULL, NULL));
  gst_buffer_unref (out);
  gst_harness_teardown (h);

  /* letterbox of a frame with the target's aspect is a plain resize */
  golden_image_load (&square, "tiny-v25", "case0-128x128.safetensors");
  m = run_resize (&h, "resize=letterbox width=64 height=64", &square, &out);
  m2 = run_resize (&h2, "resize=fixed width=64 height=64", &square, &out2);
  assert_close (m->geometry.offset_x, 0.0);
  g_assert_cmpmem (
      m->summary, m->summary_length * 4, m2->summary, m2->summary_length * 4);
  gst_buffer_unref (out);
  gst_buffer_unref (out2);
  gst_harness_teardown (h);
  gst_harness_teardown (h2);
  golden_image_clear (&square);
  golden_image_clear (&img);
}

static void
test_interval (void)
{
  g_autofree char *dir = model_dir ("tiny-v25");
  GstHarness *h = radio_test_harness_new (
      "radio backend=cpu interval=3 model=\"%s\"", dir);
  GoldenImage img;
  g_autofree char *caps = NULL;
  guint i;

  golden_image_load (&img, "tiny-v25", "case0-128x128.safetensors");
  caps = rgb_caps (img.width, img.height);
  gst_harness_set_src_caps_str (h, caps);
  for (i = 0; i < 7; i++) {
    GstBuffer *out;
    g_assert_cmpint (
        gst_harness_push (h, rgb_buffer (img.rgb, img.width, img.height)), ==,
        GST_FLOW_OK);
    out = gst_harness_pull (h);
    g_assert_cmpint (gst_buffer_get_radio_meta (out) != NULL, ==, i % 3 == 0);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  golden_image_clear (&img);
}

static void
test_features (void)
{
  GoldenImage img;
  GstHarness *h;
  GstBuffer *out;
  GstRadioMeta *m;

  golden_image_load (&img, "tiny-v25", "case0-128x128.safetensors");
  m = run_resize (&h, "features=summary adaptors=clip", &img, &out);
  g_assert_nonnull (m->summary);
  g_assert_null (m->spatial);
  g_assert_null (gst_radio_meta_get_patch (m, 0, 0));
  g_assert_nonnull (gst_radio_meta_get_adaptor (m, "clip")->summary);
  g_assert_null (gst_radio_meta_get_adaptor (m, "clip")->spatial);
  gst_buffer_unref (out);
  gst_harness_teardown (h);

  m = run_resize (&h, "features=spatial adaptors=clip", &img, &out);
  g_assert_null (m->summary);
  g_assert_cmpuint (m->summary_length, ==, 0);
  g_assert_nonnull (m->spatial);
  g_assert_true (gst_radio_meta_get_patch (m, 7, 7) == m->spatial + 63 * 64);
  g_assert_null (gst_radio_meta_get_patch (m, 8, 0));
  g_assert_null (gst_radio_meta_get_adaptor (m, "clip")->summary);
  g_assert_nonnull (gst_radio_meta_get_adaptor (m, "clip")->spatial);
  g_assert_null (gst_radio_meta_get_adaptor (m, "dino"));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  golden_image_clear (&img);
}

/* Caps change mid-stream: 128x128, then 96x160; both match the golden
 * references of their sizes. */
static void
test_renegotiation (void)
{
  g_autofree char *dir = model_dir ("tiny-v25");
  GstHarness *h = radio_test_harness_new (
      "radio backend=cpu adaptors=clip model=\"%s\"", dir);
  const char *files[] = { "case0-128x128.safetensors",
    "case1-96x160.safetensors", "case0-128x128.safetensors" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (files); i++) {
    GoldenImage img;
    GstBuffer *out;

    golden_image_load (&img, "tiny-v25", files[i]);
    out = push_rgb (h, img.rgb, img.width, img.height);
    check_golden_output (out, "tiny-v25", files[i], img.st);
    gst_buffer_unref (out);
    golden_image_clear (&img);
  }
  gst_harness_teardown (h);
}

/* The threads property reaches the CPU backend; results do not depend on
 * the thread count. */
static void
test_threads (void)
{
  GoldenImage img;
  GstHarness *h1, *h3;
  GstBuffer *o1, *o3;
  GstRadioMeta *m1, *m3;
  g_autofree char *info1 = NULL, *info3 = NULL;

  golden_image_load (&img, "tiny-v25", "case0-128x128.safetensors");
  m1 = run_resize (&h1, "threads=1", &img, &o1);
  m3 = run_resize (&h3, "threads=3", &img, &o3);
  {
    GstElement *e1 = gst_harness_find_element (h1, "radio");
    GstElement *e3 = gst_harness_find_element (h3, "radio");
    g_object_get (e1, "backend-info", &info1, NULL);
    g_object_get (e3, "backend-info", &info3, NULL);
    gst_object_unref (e1);
    gst_object_unref (e3);
  }
  g_assert_nonnull (strstr (info1, "1 thread,"));
  g_assert_nonnull (strstr (info3, "3 threads"));
  g_assert_cmpfloat (ratio (m3->spatial, m1->spatial, 8 * 8 * 64), <=,
      RADIO_TEST_F32_TOLERANCE);
  gst_buffer_unref (o1);
  gst_buffer_unref (o3);
  gst_harness_teardown (h1);
  gst_harness_teardown (h3);
  golden_image_clear (&img);
}

/* ---- sharing ------------------------------------------------------------- */

static GPtrArray *load_log;

static void
capture_loads (GstDebugCategory *category, GstDebugLevel level,
    const gchar *file, const gchar *function, gint line, GObject *object,
    GstDebugMessage *message, gpointer user_data)
{
  const gchar *text = gst_debug_message_get (message);

  if (g_strcmp0 (gst_debug_category_get_name (category), "radio") == 0
      && g_str_has_prefix (text, "loaded "))
    g_ptr_array_add (load_log, g_strdup (text));
}

static void
test_shared_model (void)
{
  g_autofree char *dir = model_dir ("tiny-v25");
  GoldenImage img;
  GstHarness *a, *b;
  GstBuffer *oa, *ob;
  GstRadioMeta *ma, *mb;

  load_log = g_ptr_array_new_with_free_func (g_free);
  gst_debug_set_threshold_for_name ("radio", GST_LEVEL_INFO);
  gst_debug_add_log_function (capture_loads, NULL, NULL);

  golden_image_load (&img, "tiny-v25", "case0-128x128.safetensors");
  a = radio_test_harness_new ("radio backend=cpu model=\"%s\"", dir);
  b = radio_test_harness_new (
      "radio backend=cpu model=\"%s/\"", dir); /* other spelling */
  oa = push_rgb (a, img.rgb, img.width, img.height);
  ob = push_rgb (b, img.rgb, img.width, img.height);
  ma = get_meta (oa);
  mb = get_meta (ob);
  g_assert_cmpstr (ma->model_id, ==, mb->model_id);
  g_assert_cmpuint (strlen (ma->model_id), ==, 32);
  g_assert_cmpmem (
      ma->summary, ma->summary_length * 4, mb->summary, mb->summary_length * 4);

  gst_debug_remove_log_function (capture_loads);
  gst_debug_set_threshold_for_name ("radio", GST_LEVEL_NONE);
  g_assert_cmpuint (load_log->len, ==, 2);
  g_assert_nonnull (strstr (g_ptr_array_index (load_log, 0), ", 1 users)"));
  g_assert_nonnull (strstr (g_ptr_array_index (load_log, 1), ", 2 users)"));
  g_ptr_array_unref (load_log);

  gst_buffer_unref (oa);
  gst_buffer_unref (ob);
  gst_harness_teardown (a);
  gst_harness_teardown (b);
  golden_image_clear (&img);
}

/* ---- the meta across copies and transforms ------------------------------- */

static void
test_meta_copy_and_scale (void)
{
  g_autofree char *dir = model_dir ("tiny-v25");
  GoldenImage img;
  GstHarness *h;
  GstBuffer *out, *copy, *region;
  GstRadioMeta *m, *mc;
  GstRadioFeatures *features;
  double gx, gy, sx, sy;
  g_autofree float *summary = NULL;

  golden_image_load (&img, "tiny-v25", "case3-100x70.safetensors");
  h = radio_test_harness_new ("radio backend=cpu model=\"%s\"", dir);
  out = push_rgb (h, img.rgb, img.width, img.height);
  m = get_meta (out);
  summary = g_memdup2 (m->summary, m->summary_length * 4);

  /* a copy shares the tensors and outlives the original */
  copy = gst_buffer_copy (out);
  mc = get_meta (copy);
  g_assert_true (mc->features == m->features);
  g_assert_true (mc->summary == m->summary);
  features = gst_radio_features_ref (m->features);
  gst_buffer_unref (out);
  g_assert_cmpmem (
      mc->summary, mc->summary_length * 4, summary, mc->summary_length * 4);
  g_assert_true (gst_radio_meta_frame_to_grid (mc, 69.9, 99.9, &gx, &gy));

  /* a byte-range copy is not a frame: the meta is dropped */
  region = gst_buffer_copy_region (copy, GST_BUFFER_COPY_ALL, 0, 30);
  g_assert_null (gst_buffer_get_radio_meta (region));
  gst_buffer_unref (region);
  gst_buffer_unref (copy);
  gst_radio_features_unref (features);
  gst_harness_teardown (h);

  /* videoscale keeps the meta with a mapping for the new size: the same
   * scene point lands on the same grid coordinates */
  h = radio_test_harness_new ("radio backend=cpu model=\"%s\" ! videoscale ! "
                              "capsfilter caps=video/x-raw,width=35,height=50",
      dir);
  out = push_rgb (h, img.rgb, img.width, img.height);
  m = get_meta (out);
  g_assert_cmpuint (m->geometry.frame_width, ==, 35);
  g_assert_cmpuint (m->geometry.frame_height, ==, 50);
  g_assert_true (
      gst_radio_meta_frame_to_grid (m, 69.9 / 2, 99.9 / 2, &sx, &sy));
  assert_close (sx, gx);
  assert_close (sy, gy);
  g_assert_cmpmem (
      m->summary, m->summary_length * 4, summary, m->summary_length * 4);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  golden_image_clear (&img);
}

static void
test_meta_api (void)
{
  static const float summary[6] = { 1, 2, 3, 4, 5, 6 };
  float spatial[2 * 3 * 3];
  GstRadioGeometry g = { 0 };
  g_autoptr (GstRadioFeatures) f = gst_radio_features_new ("v", "id", 2, 3);
  GstBuffer *buf = gst_buffer_new ();
  GstRadioMeta *m;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (spatial); i++)
    spatial[i] = i;
  g_assert_true (gst_radio_features_set_summary (f, summary));
  g_assert_true (gst_radio_features_set_spatial (f, spatial, 2, 3));
  g_assert_true (
      gst_radio_features_add_adaptor (f, "a", summary, 4, NULL, 0, 0, 0));
  g.patch_size = 16;
  g.scale_x = g.scale_y = 1.0 / 16;
  m = gst_buffer_add_radio_meta (buf, f, &g);
  g_assert_cmpuint (m->geometry.grid_width, ==, 3);
  g_assert_cmpuint (m->geometry.grid_height, ==, 2);
  g_assert_cmpuint (m->summary_length, ==, 6);
  g_assert_cmpfloat (gst_radio_meta_get_patch (m, 2, 1)[0], ==, 15.0f);
  g_assert_cmpuint (gst_radio_meta_get_adaptor (m, "a")->summary_length, ==, 4);
  g_assert_null (gst_radio_meta_get_adaptor (m, "a")->spatial);
  g_assert_true (gst_buffer_get_radio_meta (buf) == m);
  gst_buffer_unref (buf);
}

/* ---- rejection paths ----------------------------------------------------- */

static void
expect_load_failure (const char *model, const char *props, const char *expect)
{
  g_autofree char *launch
      = g_strdup_printf ("videotestsrc num-buffers=1 ! "
                         "radio backend=cpu model=\"%s\" %s ! fakesink",
          model, props);

  g_free (radio_test_expect_start_failure (launch, expect));
}

static void
copy_file (const char *from, const char *to, gssize truncate_to)
{
  g_autofree char *data = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (from, &data, &len, NULL));
  g_assert_true (g_file_set_contents (
      to, data, truncate_to >= 0 ? truncate_to : (gssize)len, NULL));
}

static void
test_bad_models (void)
{
  g_autofree char *good = model_dir ("tiny-v25");
  g_autofree char *tmp = radio_test_make_tmp_dir ("radio-element-XXXXXX");
  g_autofree char *missing = g_build_filename (tmp, "nowhere", NULL);
  g_autofree char *truncated = g_build_filename (tmp, "truncated", NULL);
  g_autofree char *unsupported = g_build_filename (tmp, "eradio", NULL);
  g_autofree char *src = NULL, *dst = NULL, *config = NULL;
  g_autofree char *text = NULL;
  GRegex *re;

  expect_load_failure (missing, "", missing);

  /* a model.safetensors cut in the middle of its data */
  g_mkdir (truncated, 0755);
  src = g_build_filename (good, "model.safetensors", NULL);
  dst = g_build_filename (truncated, "model.safetensors", NULL);
  copy_file (src, dst, 5000);
  g_free (src);
  g_free (dst);
  src = g_build_filename (good, "config.json", NULL);
  dst = g_build_filename (truncated, "config.json", NULL);
  copy_file (src, dst, -1);
  expect_load_failure (truncated, "", truncated);

  /* an architecture the engine does not run */
  g_mkdir (unsupported, 0755);
  g_free (dst);
  dst = g_build_filename (unsupported, "model.safetensors", NULL);
  g_free (src);
  src = g_build_filename (good, "model.safetensors", NULL);
  copy_file (src, dst, -1);
  g_free (src);
  src = g_build_filename (good, "config.json", NULL);
  g_assert_true (g_file_get_contents (src, &text, NULL, NULL));
  re = g_regex_new ("vit_tiny_patch16_224", 0, 0, NULL);
  config = g_regex_replace_literal (re, text, -1, 0, "eradio_v2", 0, NULL);
  g_regex_unref (re);
  g_free (dst);
  dst = g_build_filename (unsupported, "config.json", NULL);
  g_assert_true (g_file_set_contents (dst, config, -1, NULL));
  expect_load_failure (unsupported, "", "E-RADIO");

  /* an adaptor the checkpoint does not have */
  expect_load_failure (good, "adaptors=clip,siglip", "siglip");

  radio_test_remove_tree (tmp);
}

static void
test_refused_input (void)
{
  g_autofree char *dir = model_dir ("tiny-v25");
  g_autofree char *launch = NULL;
  g_autofree char *message = NULL;

  /* smaller than one patch */
  launch = g_strdup_printf (
      "videotestsrc num-buffers=1 ! "
      "video/x-raw,format=RGB,width=8,height=40 ! radio backend=cpu "
      "model=\"%s\" ! fakesink",
      dir);
  message = radio_test_run_pipeline (launch, NULL);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "smaller than one 16x16 patch"));
  g_clear_pointer (&launch, g_free);
  g_clear_pointer (&message, g_free);

  /* a format outside the list: the caps cannot even link */
  {
    g_autoptr (GError) error = NULL;
    GstElement *p = gst_parse_launch (
        "videotestsrc num-buffers=1 ! "
        "video/x-raw,format=GRAY8,width=64,height=64 ! radio ! fakesink",
        &error);
    g_assert_error (error, GST_PARSE_ERROR, GST_PARSE_ERROR_LINK);
    g_assert_nonnull (strstr (error->message, "can't handle caps"));
    gst_clear_object (&p);
  }

  /* fixed size that is not a patch multiple */
  launch = g_strdup_printf (
      "videotestsrc num-buffers=1 ! "
      "video/x-raw,format=RGB,width=64,height=64 ! radio backend=cpu "
      "resize=fixed width=50 height=64 model=\"%s\" ! fakesink",
      dir);
  message = radio_test_run_pipeline (launch, NULL);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "not a positive multiple"));
}

/* Frames that become too small in the middle of a stream: an error
 * message and a flow error, not a crash. */
static void
test_midstream_error (void)
{
  g_autofree char *dir = model_dir ("tiny-v25");
  g_autofree char *launch
      = g_strdup_printf ("appsrc name=src format=time ! "
                         "radio backend=cpu model=\"%s\" ! fakesink",
          dir);
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_autofree char *text = NULL;
  guint8 *pixels = g_malloc0 (64 * 64 * 3);
  GstCaps *caps;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  caps = gst_caps_from_string ("video/x-raw,format=RGB,width=64,height=64,"
                               "framerate=30/1");
  gst_app_src_set_caps (GST_APP_SRC (src), caps);
  gst_caps_unref (caps);
  gst_app_src_push_buffer (GST_APP_SRC (src), rgb_buffer (pixels, 64, 64));
  caps = gst_caps_from_string ("video/x-raw,format=RGB,width=8,height=8,"
                               "framerate=30/1");
  gst_app_src_set_caps (GST_APP_SRC (src), caps);
  gst_caps_unref (caps);
  gst_app_src_push_buffer (GST_APP_SRC (src), rgb_buffer (pixels, 8, 8));
  gst_app_src_end_of_stream (GST_APP_SRC (src));

  text = radio_test_wait_for_end (pipeline);
  g_assert_nonnull (text); /* an error, not end-of-stream */
  g_assert_nonnull (strstr (text, "smaller than one"));
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_free (pixels);
  gst_object_unref (src);
  gst_object_unref (pipeline);
}

/* Changing the model while playing is refused with a warning. */
static void
test_model_change_refused (void)
{
  g_autofree char *dir = model_dir ("tiny-v25");
  g_autofree char *other = model_dir ("tiny-cv4");
  g_autofree char *launch = g_strdup_printf (
      "videotestsrc is-live=false ! "
      "video/x-raw,width=64,height=64 ! radio name=r backend=cpu "
      "model=\"%s\" ! fakesink",
      dir);
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstElement *radio = gst_bin_get_by_name (GST_BIN (pipeline), "r");
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  g_autofree char *model = NULL, *info = NULL;
  guint dim;

  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PAUSED), !=,
      GST_STATE_CHANGE_FAILURE);
  g_assert_cmpint (
      gst_element_get_state (pipeline, NULL, NULL, 60 * GST_SECOND), ==,
      GST_STATE_CHANGE_SUCCESS);
  g_object_set (radio, "model", other, NULL);
  msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND, GST_MESSAGE_WARNING);
  g_assert_nonnull (msg);
  gst_message_unref (msg);
  g_object_get (
      radio, "model", &model, "model-info", &info, "summary-dim", &dim, NULL);
  g_assert_cmpstr (model, ==, dir);
  g_assert_nonnull (strstr (info, "radio_v2.5-b"));
  g_assert_cmpuint (dim, ==, 128);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (radio);
  gst_object_unref (pipeline);
}

/* backend=auto without a usable CUDA device runs on the CPU and says so on
 * the bus; backend=cuda is then an error naming the backend. */
static void
test_backend_fallback (void)
{
  g_autofree char *dir = model_dir ("tiny-v25");
  g_autofree char *launch = g_strdup_printf (
      "videotestsrc num-buffers=2 ! "
      "video/x-raw,width=64,height=64 ! radio name=r model=\"%s\" ! "
      "fakesink",
      dir);
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstElement *radio = gst_bin_get_by_name (GST_BIN (pipeline), "r");
  g_autofree char *info = NULL;
  gboolean warned = FALSE;
  GstMessage *msg;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
              GST_MESSAGE_WARNING | GST_MESSAGE_ERROR | GST_MESSAGE_EOS))) {
    GstMessageType type = GST_MESSAGE_TYPE (msg);
    if (type == GST_MESSAGE_WARNING) {
      g_autoptr (GError) err = NULL;
      gst_message_parse_warning (msg, &err, NULL);
      warned |= strstr (err->message, "running on the CPU") != NULL;
    }
    gst_message_unref (msg);
    g_assert_cmpint (type, !=, GST_MESSAGE_ERROR);
    if (type == GST_MESSAGE_EOS)
      break;
  }
  g_object_get (radio, "backend-info", &info, NULL);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (g_str_has_prefix (info, "CUDA")) {
    g_test_message ("a CUDA device is usable: %s", info);
  } else {
    g_autofree char *cuda = NULL;
    g_assert_true (warned);
    g_assert_true (g_str_has_prefix (info, "CPU"));
    g_assert_nonnull (strstr (info, "running on the CPU"));
    g_free (launch);
    launch = g_strdup_printf (
        "videotestsrc num-buffers=1 ! "
        "video/x-raw,width=64,height=64 ! radio backend=cuda "
        "model=\"%s\" ! fakesink",
        dir);
    cuda = radio_test_run_pipeline (launch, NULL);
    g_assert_nonnull (cuda);
    g_assert_nonnull (strstr (cuda, "backend cuda"));
  }
  gst_object_unref (radio);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

int
main (int argc, char **argv)
{
  static const char *golden[][2] = {
    { "tiny-v25", "case0-128x128.safetensors" },
    { "tiny-v25", "case1-96x160.safetensors" },
    { "tiny-v25", "case2-256x256.safetensors" },
    { "tiny-v25", "case3-100x70.safetensors" },
    { "tiny-cv4", "case0-128x128.safetensors" },
    { "tiny-cv4", "case1-64x192.safetensors" },
    { "tiny-cv4", "case2-224x224.safetensors" },
    { "tiny-v1-p14", "case0-112x112.safetensors" },
    { "tiny-v1-p14", "case1-98x126.safetensors" },
  };
  guint i;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  golden_dir = g_getenv ("RADIO_GOLDEN_DIR");
  if (!golden_dir) {
    g_printerr ("RADIO_GOLDEN_DIR is not set\n");
    return 1;
  }
  for (i = 0; i < G_N_ELEMENTS (golden); i++) {
    g_autofree char *name
        = g_strdup_printf ("/radio/golden/%s/%s", golden[i][0], golden[i][1]);
    g_test_add_data_func (name, golden[i], test_golden_case);
  }
  g_test_add_func ("/radio/formats/packed-rgb", test_packed_formats_exact);
  g_test_add_data_func ("/radio/formats/NV12", "NV12", test_yuv_formats);
  g_test_add_data_func ("/radio/formats/I420", "I420", test_yuv_formats);
  g_test_add_func ("/radio/resize", test_resize_modes);
  g_test_add_func ("/radio/interval", test_interval);
  g_test_add_func ("/radio/features", test_features);
  g_test_add_func ("/radio/renegotiation", test_renegotiation);
  g_test_add_func ("/radio/threads", test_threads);
  g_test_add_func ("/radio/backend-fallback", test_backend_fallback);
  g_test_add_func ("/radio/shared-model", test_shared_model);
  g_test_add_func ("/radio/meta/copy-and-scale", test_meta_copy_and_scale);
  g_test_add_func ("/radio/meta/api", test_meta_api);
  g_test_add_func ("/radio/errors/bad-models", test_bad_models);
  g_test_add_func ("/radio/errors/refused-input", test_refused_input);
  g_test_add_func ("/radio/errors/mid-stream", test_midstream_error);
  g_test_add_func ("/radio/errors/model-change", test_model_change_refused);
  return g_test_run ();
}
