/* test-radiosegment: the `radiosegment` element in GstHarness and in
 * pipelines.
 *
 * Hand-built features with a known answer: every cell's spatial vector is
 * a scaled one-hot e_{m(r,c)} of a known mask m and the head's weights are
 * the identity, so the class grid must be m exactly, the score the softmax
 * of the scaled one-hot, and (alpha=1) every pixel the colour of its
 * cell's class under the geometry's mapping, computed here independently.
 * Smooth drawing has a boundary whose position follows from the logits in
 * closed form.  Then alpha blending, draw=false, an adaptor source on a
 * finer grid, the built-in model end to end (classes checked against a
 * head applied here by hand to the GstRadioMeta), and the error paths. */
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/radio/radiometa.h>
#include <gst/radio/radioresultmeta.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>

#include "element-util.h"
#include "radio-head.h"
#include "test-util.h"

static char *tmp_dir;

/* ---- helpers ------------------------------------------------------------ */

/* Writes a head (weight [k, d], bias or NULL) with colours; returns the
 * weights path (labels beside it as NAME.txt, the element's default). */
static char *
write_head (const char *name, guint k, guint d, const gfloat *weight,
    const gfloat *bias, const guint8 *colors, const char *source)
{
  g_autofree char *file = g_strdup_printf ("%s.safetensors", name);
  g_autofree char *lfile = g_strdup_printf ("%s.txt", name);
  char *path = g_build_filename (tmp_dir, file, NULL);
  g_autofree char *lpath = g_build_filename (tmp_dir, lfile, NULL);
  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  const gchar *meta[] = { "source", source, NULL };
  g_autoptr (GError) error = NULL;
  guint i;

  for (i = 0; i < k; i++)
    g_ptr_array_add (labels, g_strdup_printf ("class %u", i));
  g_ptr_array_add (labels, NULL);
  g_assert_true (radio_head_save (path, lpath, k, d, weight, bias,
      (const gchar *const *)labels->pdata, colors, source ? meta : NULL,
      &error));
  g_assert_no_error (error);
  return path;
}

/* An identity head K x K (one-hot weights), bias 0. */
static char *
write_identity_head (
    const char *name, guint k, const guint8 *colors, const char *source)
{
  g_autofree gfloat *w = g_new0 (gfloat, k * k);
  guint i;

  for (i = 0; i < k; i++)
    w[i * k + i] = 1.0f;
  return write_head (name, k, k, w, NULL, colors, source);
}

/* spatial[r][c] = scale * e_{mask[r][c]} with dim channels. */
static gfloat *
one_hot_features (
    const guint8 *mask, guint gw, guint gh, guint dim, gfloat scale)
{
  gfloat *f = g_new0 (gfloat, (gsize)gw * gh * dim);
  guint i;

  for (i = 0; i < gw * gh; i++)
    f[(gsize)i * dim + mask[i]] = scale;
  return f;
}

/* A frame_w x frame_h frame of format filled with fill_rgb (0xRRGGBB)
 * whose grid_w x grid_h grid holds spatial, dim values a cell. */
static RadioTestFeatures
grid_features (guint frame_w, guint frame_h, GstVideoFormat format,
    guint32 fill_rgb, guint grid_w, guint grid_h, guint dim,
    const gfloat *spatial)
{
  RadioTestFeatures f = { .frame_width = frame_w,
    .frame_height = frame_h,
    .format = format,
    .fill = { fill_rgb >> 16, (fill_rgb >> 8) & 0xff, fill_rgb & 0xff },
    .grid_width = grid_w,
    .grid_height = grid_h,
    .embed_dim = dim,
    .spatial = spatial };

  return f;
}

static GstRadioSegmentationMeta *
get_segmentation (GstBuffer *buf)
{
  GstRadioSegmentationMeta *m
      = gst_buffer_get_radio_segmentation_meta (buf, NULL);

  g_assert_nonnull (m);
  g_assert_cmpuint (m->version, ==, GST_RADIO_RESULT_META_VERSION);
  return m;
}

/* The cell whose span holds pixel (x, y)'s centre under a plain stretch. */
static guint
cell_of (guint pixel, guint frame, guint cells)
{
  return (guint)(((guint64)2 * pixel + 1) * cells / (2 * (guint64)frame));
}

static const guint8 palette[4][3]
    = { { 250, 10, 20 }, { 5, 200, 30 }, { 40, 60, 240 }, { 255, 255, 0 } };

/* alpha=1, nearest drawing of a plain stretch: every pixel of the fw x fh
 * frame out is the palette colour of its cell's class in mask (gw x gh),
 * and m (unless NULL) gives that class at the pixel's centre. */
static void
check_drawn_mask (GstBuffer *out, const GstRadioSegmentationMeta *m,
    GstVideoFormat format, guint fw, guint fh, const guint8 *mask, guint gw,
    guint gh)
{
  GstVideoFrame frame;
  guint x, y;

  radio_test_map_frame (&frame, out, format, fw, fh);
  for (y = 0; y < fh; y++)
    for (x = 0; x < fw; x++) {
      guint cls = mask[cell_of (y, fh, gh) * gw + cell_of (x, fw, gw)];
      guint8 rgb[3];
      radio_test_frame_rgb (&frame, x, y, rgb);
      if (memcmp (rgb, palette[cls], 3) != 0)
        g_error ("pixel (%u, %u): %u %u %u, expected class %u", x, y, rgb[0],
            rgb[1], rgb[2], cls);
      if (m)
        g_assert_cmpint (
            gst_radio_segmentation_meta_get_class_at (m, x + 0.5, y + 0.5), ==,
            cls);
    }
  gst_video_frame_unmap (&frame);
}

/* ---- one-hot features: the known mask ----------------------------------- */

static void
check_one_hot (GstVideoFormat format, guint frame_w, guint frame_h)
{
  /* a 5 x 4 mask with all three classes, no symmetry */
  static const guint8 mask[4 * 5] = { 0, 0, 1, 1, 2, /**/ 0, 1, 1, 2, 2,
    /**/ 2, 2, 0, 0, 1, /**/ 1, 0, 2, 0, 0 };
  const guint gw = 5, gh = 4, K = 3;
  g_autofree gfloat *spatial = one_hot_features (mask, gw, gh, K, 4.0f);
  g_autofree char *weights
      = write_identity_head ("one-hot", K, &palette[0][0], "spatial");
  RadioTestFeatures f
      = grid_features (frame_w, frame_h, format, 0x808080, gw, gh, K, spatial);
  GstHarness *h = radio_test_harness_new_with_bus (
      "radiosegment name=seg weights=\"%s\" alpha=1 "
      "smooth=false",
      weights);
  GstBuffer *out = radio_test_harness_push_features (h, &f, GST_FLOW_OK);
  GstRadioSegmentationMeta *m = get_segmentation (out);
  gdouble p = exp (4.0) / (exp (4.0) + 2.0);
  guint i;

  g_assert_cmpstr (m->classifier, ==, "seg");
  g_assert_cmpuint (m->n_classes, ==, K);
  g_assert_cmpstr (m->labels[2], ==, "class 2");
  g_assert_cmpmem (m->colors, K * 3, palette, K * 3);
  g_assert_cmpuint (m->geometry.grid_width, ==, gw);
  g_assert_cmpuint (m->geometry.grid_height, ==, gh);
  for (i = 0; i < gw * gh; i++) {
    g_assert_cmpuint (m->classes[i], ==, mask[i]);
    g_assert_cmpfloat_with_epsilon (m->scores[i], p, 1e-5);
  }

  /* alpha=1, nearest: every pixel is its cell's class colour */
  check_drawn_mask (out, m, format, frame_w, frame_h, mask, gw, gh);
  gst_buffer_unref (out);
  g_assert_null (radio_test_pop_messages (
      GST_ELEMENT_BUS (h->element), GST_MESSAGE_WARNING, NULL));
  radio_test_harness_teardown (h);
}

static void
test_one_hot (void)
{
  check_one_hot (GST_VIDEO_FORMAT_RGB, 80, 64);  /* 16 px per cell */
  check_one_hot (GST_VIDEO_FORMAT_BGRx, 71, 50); /* cells of 14.2 x 12.5 */
  check_one_hot (GST_VIDEO_FORMAT_ARGB, 5, 4);   /* one pixel per cell */
}

/* One element, frames of three sizes in turn: the drawing follows. */
static void
test_renegotiation (void)
{
  static const guint8 mask[2 * 3] = { 0, 1, 2, /**/ 2, 1, 0 };
  static const guint sizes[][2] = { { 96, 64 }, { 30, 20 }, { 150, 40 } };
  g_autofree gfloat *spatial = one_hot_features (mask, 3, 2, 3, 1.0f);
  g_autofree char *weights
      = write_identity_head ("reneg", 3, &palette[0][0], NULL);
  GstHarness *h = radio_test_harness_new_with_bus (
      "radiosegment weights=\"%s\" alpha=1 smooth=false", weights);
  guint n;

  for (n = 0; n < G_N_ELEMENTS (sizes); n++) {
    guint fw = sizes[n][0], fh = sizes[n][1];
    RadioTestFeatures f
        = grid_features (fw, fh, GST_VIDEO_FORMAT_RGBA, 0, 3, 2, 3, spatial);
    GstBuffer *out = radio_test_harness_push_features (h, &f, GST_FLOW_OK);

    check_drawn_mask (out, NULL, f.format, fw, fh, mask, 3, 2);
    gst_buffer_unref (out);
  }
  radio_test_harness_teardown (h);
}

/* Two cells side by side, 3 e_0 and 1 e_1: the interpolated logits are
 * 3 (1 - t) and t, equal at t = 3/4, i.e. 3/4 of the way from the left
 * cell's centre (x = 16) to the right one's (x = 48): x = 40.  Pixels
 * whose centre is left of 40 are class 0 with smooth drawing; nearest
 * drawing switches at the cell edge, x = 32. */
static void
test_smooth_boundary (void)
{
  static const gfloat spatial[2 * 2] = { 3, 0, /**/ 0, 1 };
  g_autofree char *weights
      = write_identity_head ("smooth", 2, &palette[0][0], NULL);
  RadioTestFeatures f
      = grid_features (64, 8, GST_VIDEO_FORMAT_RGBx, 0, 2, 1, 2, spatial);
  gboolean smooth;

  for (smooth = FALSE; smooth <= TRUE; smooth++) {
    GstHarness *h = radio_test_harness_new_with_bus (
        "radiosegment weights=\"%s\" alpha=1 smooth=%d", weights, smooth);
    GstBuffer *out = radio_test_harness_push_features (h, &f, GST_FLOW_OK);
    guint edge = smooth ? 40 : 32;
    GstVideoFrame frame;

    radio_test_map_frame (&frame, out, f.format, 64, 8);
    radio_test_assert_rect_rgb (&frame, 0, 0, edge, 8, palette[0]);
    radio_test_assert_rect_rgb (&frame, edge, 0, 64, 8, palette[1]);
    gst_video_frame_unmap (&frame);
    /* the meta holds cells either way */
    g_assert_cmpuint (get_segmentation (out)->classes[0], ==, 0);
    g_assert_cmpuint (get_segmentation (out)->classes[1], ==, 1);
    gst_buffer_unref (out);
    radio_test_harness_teardown (h);
  }
}

/* ---- blending and draw=false -------------------------------------------- */

static void
test_alpha (void)
{
  static const guint8 mask[2] = { 0, 1 };
  static const guint8 colors[2][3] = { { 200, 0, 40 }, { 0, 255, 100 } };
  g_autofree gfloat *spatial = one_hot_features (mask, 2, 1, 2, 2.0f);
  g_autofree char *weights
      = write_identity_head ("alpha", 2, &colors[0][0], NULL);
  RadioTestFeatures f = grid_features (
      32, 16, GST_VIDEO_FORMAT_BGR, 0x646464, 2, 1, 2, spatial);
  const gdouble alphas[] = { 0.25, 0.7, 0.0 };
  guint a, x, y, c;

  for (a = 0; a < G_N_ELEMENTS (alphas); a++) {
    GstHarness *h = radio_test_harness_new_with_bus (
        "radiosegment weights=\"%s\" alpha=%g", weights, alphas[a]);
    GstBuffer *out = radio_test_harness_push_features (h, &f, GST_FLOW_OK);
    GstVideoFrame frame;

    radio_test_map_frame (&frame, out, f.format, 32, 16);
    /* away from the boundary (x = 16), where smooth drawing blends
     * nothing but the two regions' own colours */
    for (y = 0; y < 16; y++)
      for (x = 0; x < 32; x++) {
        const guint8 *col = colors[x < 16 ? 0 : 1];
        guint8 rgb[3];
        radio_test_frame_rgb (&frame, x, y, rgb);
        for (c = 0; c < 3; c++) {
          gdouble want = (1 - alphas[a]) * 100 + alphas[a] * col[c];
          g_assert_cmpfloat (fabs (rgb[c] - want), <=, 1.0);
        }
      }
    gst_video_frame_unmap (&frame);
    gst_buffer_unref (out);
    radio_test_harness_teardown (h);
  }

  /* draw=false: the meta, and the pixels exactly as they came */
  {
    GstHarness *h = radio_test_harness_new_with_bus (
        "radiosegment weights=\"%s\" alpha=1 draw=false", weights);
    GstBuffer *out = radio_test_harness_push_features (h, &f, GST_FLOW_OK);
    GstMapInfo map;
    gsize i;

    g_assert_cmpuint (get_segmentation (out)->classes[1], ==, 1);
    g_assert_true (gst_buffer_map (out, &map, GST_MAP_READ));
    for (i = 0; i < map.size; i++)
      g_assert_cmpuint (map.data[i], ==, 100);
    gst_buffer_unmap (out, &map);
    gst_buffer_unref (out);
    radio_test_harness_teardown (h);
  }
}

/* ---- adaptor source: a grid twice as fine -------------------------------- */

static void
test_adaptor_source (void)
{
  /* 3 x 2 backbone grid; the adaptor's is 6 x 4 with 2 channels */
  static const guint8 fine[4 * 6] = { 0, 0, 0, 1, 1, 1, /**/ 0, 1, 0, 1, 0, 1,
    /**/ 1, 1, 0, 0, 1, 1, /**/ 0, 0, 0, 0, 0, 1 };
  static const guint8 coarse[2 * 3] = { 0, 1, 2, 2, 1, 0 };
  g_autofree gfloat *adaptor = one_hot_features (fine, 6, 4, 2, 3.0f);
  g_autofree gfloat *backbone = one_hot_features (coarse, 3, 2, 3, 3.0f);
  g_autofree char *weights
      = write_identity_head ("fine", 2, &palette[0][0], "adaptor.fine.spatial");
  RadioTestFeatures f = { .frame_width = 60,
    .frame_height = 30,
    .format = GST_VIDEO_FORMAT_RGB,
    .grid_width = 3,
    .grid_height = 2,
    .embed_dim = 3,
    .spatial = backbone,
    .adaptor_name = "fine",
    .adaptor_spatial = adaptor,
    .adaptor_spatial_height = 4,
    .adaptor_spatial_width = 6,
    .adaptor_spatial_dim = 2 };
  GstHarness *h = radio_test_harness_new_with_bus (
      "radiosegment weights=\"%s\" source=fine alpha=1 smooth=false", weights);
  GstBuffer *out = radio_test_harness_push_features (h, &f, GST_FLOW_OK);
  GstRadioSegmentationMeta *m = get_segmentation (out);
  guint i;

  g_assert_cmpuint (m->geometry.grid_width, ==, 6);
  g_assert_cmpuint (m->geometry.grid_height, ==, 4);
  g_assert_cmpfloat_with_epsilon (m->geometry.scale_x, 6.0 / 60, 1e-12);
  g_assert_cmpfloat_with_epsilon (m->geometry.scale_y, 4.0 / 30, 1e-12);
  g_assert_cmpuint (m->geometry.patch_size, ==, 8);
  for (i = 0; i < 24; i++)
    g_assert_cmpuint (m->classes[i], ==, fine[i]);
  check_drawn_mask (out, m, f.format, 60, 30, fine, 6, 4);
  gst_buffer_unref (out);
  /* the head's recorded source matches: no warning */
  g_assert_null (radio_test_pop_messages (
      GST_ELEMENT_BUS (h->element), GST_MESSAGE_WARNING, NULL));
  radio_test_harness_teardown (h);
}

/* ---- messages ------------------------------------------------------------ */

static void
test_messages (void)
{
  static const guint8 mask[2 * 4] = { 0, 0, 1, 2, /**/ 0, 0, 0, 2 };
  g_autofree gfloat *spatial = one_hot_features (mask, 4, 2, 3, 1.0f);
  g_autofree char *weights
      = write_identity_head ("messages", 3, &palette[0][0], NULL);
  RadioTestFeatures f
      = grid_features (64, 32, GST_VIDEO_FORMAT_RGB, 0, 4, 2, 3, spatial);
  GstHarness *h = radio_test_harness_new_with_bus (
      "radiosegment weights=\"%s\" post-messages=true draw=false", weights);
  GstBuffer *out = radio_test_harness_push_features (h, &f, GST_FLOW_OK);
  GstMessage *msg = gst_bus_pop_filtered (
      GST_ELEMENT_BUS (h->element), GST_MESSAGE_ELEMENT);
  const GstStructure *s;
  const GValue *cells, *fractions;
  guint n_classes = 0;

  g_assert_nonnull (msg);
  s = gst_message_get_structure (msg);
  g_assert_true (gst_structure_has_name (s, "radio-segmentation"));
  g_assert_cmpstr (gst_structure_get_string (s, "dominant"), ==, "class 0");
  cells = gst_structure_get_value (s, "cells");
  fractions = gst_structure_get_value (s, "fractions");
  g_assert_cmpuint (gst_value_array_get_size (cells), ==, 3);
  g_assert_cmpuint (
      g_value_get_uint (gst_value_array_get_value (cells, 0)), ==, 5);
  g_assert_cmpuint (
      g_value_get_uint (gst_value_array_get_value (cells, 1)), ==, 1);
  g_assert_cmpuint (
      g_value_get_uint (gst_value_array_get_value (cells, 2)), ==, 2);
  g_assert_cmpfloat_with_epsilon (
      g_value_get_double (gst_value_array_get_value (fractions, 2)), 0.25,
      1e-12);
  gst_message_unref (msg);
  {
    GstElement *seg = gst_harness_find_element (h, "radiosegment");
    g_object_get (seg, "n-classes", &n_classes, NULL);
    gst_object_unref (seg);
  }
  g_assert_cmpuint (n_classes, ==, 3);
  gst_buffer_unref (out);
  radio_test_harness_teardown (h);
}

/* A letterboxed frame: 64x32 pixels in a 64x64 model input (4x4 cells),
 * one row of padding cells above and below (offset_y = 1).  The padding
 * rows hold class 2, which must neither be drawn nor counted. */
static void
test_letterbox (void)
{
  static const guint8 mask[4 * 4] = { 2, 2, 2, 2, /**/ 0, 0, 1, 1,
    /**/ 0, 1, 1, 1, /**/ 2, 2, 2, 2 };
  g_autofree gfloat *spatial = one_hot_features (mask, 4, 4, 3, 2.0f);
  g_autofree char *weights
      = write_identity_head ("letterbox", 3, &palette[0][0], NULL);
  GstRadioFeatures *features = gst_radio_features_new ("test", "id", 1, 3);
  GstRadioGeometry g = { .patch_size = 16,
    .input_width = 64,
    .input_height = 64,
    .grid_width = 4,
    .grid_height = 4,
    .frame_width = 64,
    .frame_height = 32,
    .scale_x = 1.0 / 16,
    .scale_y = 1.0 / 16,
    .offset_x = 0.0,
    .offset_y = 1.0 };
  GstHarness *h
      = radio_test_harness_new_with_bus ("radiosegment weights=\"%s\" alpha=1 "
                                         "smooth=false post-messages=true",
          weights);
  GstBuffer *in = gst_buffer_new_allocate (NULL, 64 * 32 * 3, NULL);
  GstBuffer *out;
  GstMessage *msg;
  const GValue *cells, *fractions;
  GstVideoFrame frame;
  guint x, y, k;
  const guint want_cells[3] = { 3, 5, 0 };

  g_assert_true (gst_radio_features_set_spatial (features, spatial, 4, 4));
  gst_buffer_memset (in, 0, 0, 64 * 32 * 3);
  g_assert_nonnull (gst_buffer_add_radio_meta (in, features, &g));
  gst_radio_features_unref (features);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=RGB,width=64,height=32,framerate=30/1");
  g_assert_cmpint (gst_harness_push (h, in), ==, GST_FLOW_OK);
  out = gst_harness_pull (h);

  /* 16x16-pixel cells, grid row = pixel row / 16 + 1 */
  radio_test_map_frame (&frame, out, GST_VIDEO_FORMAT_RGB, 64, 32);
  for (y = 0; y < 2; y++)
    for (x = 0; x < 4; x++)
      radio_test_assert_rect_rgb (&frame, x * 16, y * 16, x * 16 + 16,
          y * 16 + 16, palette[mask[(y + 1) * 4 + x]]);
  gst_video_frame_unmap (&frame);

  msg = gst_bus_pop_filtered (
      GST_ELEMENT_BUS (h->element), GST_MESSAGE_ELEMENT);
  g_assert_nonnull (msg);
  cells = gst_structure_get_value (gst_message_get_structure (msg), "cells");
  fractions
      = gst_structure_get_value (gst_message_get_structure (msg), "fractions");
  for (k = 0; k < 3; k++) {
    g_assert_cmpuint (g_value_get_uint (gst_value_array_get_value (cells, k)),
        ==, want_cells[k]);
    g_assert_cmpfloat_with_epsilon (
        g_value_get_double (gst_value_array_get_value (fractions, k)),
        want_cells[k] / 8.0, 1e-12);
  }
  gst_message_unref (msg);
  gst_buffer_unref (out);
  radio_test_harness_teardown (h);
}

/* ---- the built-in model -------------------------------------------------- */

/* radio (built-in random model) then radiosegment: the class grid must be
 * the argmax of a head applied here, by hand, to the GstRadioMeta the
 * same buffer carries. */
static void
test_builtin_model (void)
{
  const guint K = 4, D = 384;
  g_autofree gfloat *w = g_new (gfloat, K * D);
  g_autofree gfloat *bias = g_new (gfloat, K);
  g_autofree char *weights = NULL;
  GstHarness *h;
  GstBuffer *in, *out;
  GstRadioMeta *rm;
  GstRadioSegmentationMeta *m;
  GstMapInfo map;
  guint i, k, c;

  for (i = 0; i < K * D; i++)
    w[i] = (gfloat)sin (i * 0.37 + 1.0);
  for (k = 0; k < K; k++)
    bias[k] = 0.1f * k;
  weights = write_head ("builtin", K, D, w, bias, NULL, "spatial");
  h = radio_test_harness_new_with_bus (
      "radio backend=cpu ! radiosegment weights=\"%s\"", weights);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=RGB,width=96,height=64,framerate=30/1");
  in = gst_buffer_new_allocate (NULL, 96 * 64 * 3, NULL);
  g_assert_true (gst_buffer_map (in, &map, GST_MAP_WRITE));
  for (i = 0; i < map.size; i++)
    map.data[i] = (guint8)((i * 7) % 251);
  gst_buffer_unmap (in, &map);
  g_assert_cmpint (gst_harness_push (h, in), ==, GST_FLOW_OK);
  out = gst_harness_pull (h);
  rm = gst_buffer_get_radio_meta (out);
  m = get_segmentation (out);
  g_assert_nonnull (rm);
  g_assert_cmpuint (rm->embed_dim, ==, D);
  g_assert_cmpuint (m->geometry.grid_width, ==, 6);
  g_assert_cmpuint (m->geometry.grid_height, ==, 4);
  for (i = 0; i < 24; i++) {
    const gfloat *x = rm->spatial + (gsize)i * D;
    gdouble best_logit = -G_MAXDOUBLE;
    guint best = 0;
    for (k = 0; k < K; k++) {
      gdouble l = bias[k];
      for (c = 0; c < D; c++)
        l += (gdouble)w[k * D + c] * x[c];
      if (l > best_logit) {
        best_logit = l;
        best = k;
      }
    }
    g_assert_cmpuint (m->classes[i], ==, best);
    g_assert_cmpfloat (m->scores[i], >=, 1.0 / K);
  }
  gst_buffer_unref (out);
  radio_test_harness_teardown (h);

  /* and a real pipeline to EOS with the default drawing */
  {
    g_autofree char *launch = g_strdup_printf (
        "videotestsrc num-buffers=3 ! video/x-raw,width=64,height=48 ! "
        "videoconvert ! radio backend=cpu ! radiosegment weights=\"%s\" ! "
        "videoconvert ! fakesink",
        weights);
    g_autofree char *message = radio_test_run_pipeline (launch, NULL);

    g_assert_cmpstr (message, ==, NULL);
  }
}

/* ---- errors -------------------------------------------------------------- */

static void
expect_start_failure (const char *props, const char *expect)
{
  g_autofree char *launch = g_strdup_printf (
      "videotestsrc num-buffers=1 ! radiosegment %s ! fakesink", props);

  g_free (radio_test_expect_start_failure (launch, expect));
}

static void
test_bad_files (void)
{
  g_autofree char *good = write_identity_head ("good", 3, NULL, NULL);
  g_autofree char *missing = g_build_filename (tmp_dir, "nowhere", NULL);
  g_autofree char *corrupt = g_build_filename (tmp_dir, "corrupt.bin", NULL);
  g_autofree char *labels2 = g_build_filename (tmp_dir, "two.txt", NULL);
  g_autofree char *props = NULL;

  expect_start_failure ("", "set the weights property");
  props = g_strdup_printf ("weights=\"%s\"", missing);
  expect_start_failure (props, missing);
  g_free (props);

  g_assert_true (g_file_set_contents (corrupt,
      "not a safetensors file, "
      "just text",
      -1, NULL));
  props = g_strdup_printf ("weights=\"%s\" labels=\"%s\"", corrupt, corrupt);
  expect_start_failure (props, corrupt);
  g_free (props);

  /* two labels for a three-class head */
  g_assert_true (g_file_set_contents (labels2, "a\nb\n", -1, NULL));
  props = g_strdup_printf ("weights=\"%s\" labels=\"%s\"", good, labels2);
  expect_start_failure (props, "2 labels");
  g_free (props);

  /* no labels file beside the weights, none given */
  {
    g_autofree char *lone
        = g_build_filename (tmp_dir, "lone.safetensors", NULL);
    g_autofree char *data = NULL;
    gsize len;
    g_assert_true (g_file_get_contents (good, &data, &len, NULL));
    g_assert_true (g_file_set_contents (lone, data, len, NULL));
    props = g_strdup_printf ("weights=\"%s\"", lone);
    expect_start_failure (props, "lone.txt");
  }
}

static void
test_stream_errors (void)
{
  static const guint8 mask[4] = { 0, 1, 1, 0 };
  g_autofree gfloat *spatial = one_hot_features (mask, 2, 2, 3, 1.0f);
  g_autofree char *head2 = write_identity_head ("dim2", 2, NULL, NULL);
  g_autofree char *head3
      = write_identity_head ("dim3", 3, NULL, "adaptor.clip.spatial");
  RadioTestFeatures f = grid_features (
      32, 32, GST_VIDEO_FORMAT_RGB, 0x070809, 2, 2, 3, spatial);
  GstHarness *h;
  GstBuffer *plain, *out;
  g_autofree char *text = NULL;
  guint count;

  /* 3-channel features, 2-channel head: both sizes named */
  h = radio_test_harness_new_with_bus ("radiosegment weights=\"%s\"", head2);
  radio_test_harness_push_features (h, &f, GST_FLOW_ERROR);
  text = radio_test_pop_messages (
      GST_ELEMENT_BUS (h->element), GST_MESSAGE_ERROR, NULL);
  g_assert_nonnull (text);
  g_assert_nonnull (strstr (text, "2-channel"));
  g_assert_nonnull (strstr (text, "3 channels"));
  g_clear_pointer (&text, g_free);
  radio_test_harness_teardown (h);

  /* an adaptor the features do not have */
  h = radio_test_harness_new_with_bus (
      "radiosegment weights=\"%s\" source=clip", head3);
  radio_test_harness_push_features (h, &f, GST_FLOW_ERROR);
  text = radio_test_pop_messages (
      GST_ELEMENT_BUS (h->element), GST_MESSAGE_ERROR, NULL);
  g_assert_nonnull (text);
  g_assert_nonnull (strstr (text, "\"clip\""));
  g_clear_pointer (&text, g_free);
  radio_test_harness_teardown (h);

  /* frames without meta pass untouched, with one warning; a head made
   * for another source warns once too */
  h = radio_test_harness_new_with_bus (
      "radiosegment weights=\"%s\" alpha=1", head3);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=RGB,width=32,height=32,framerate=30/1");
  for (count = 0; count < 3; count++) {
    GstMapInfo map;
    gsize i;
    plain = gst_buffer_new_allocate (NULL, 32 * 32 * 3, NULL);
    gst_buffer_memset (plain, 0, 42, 32 * 32 * 3);
    g_assert_cmpint (gst_harness_push (h, plain), ==, GST_FLOW_OK);
    out = gst_harness_pull (h);
    g_assert_null (gst_buffer_get_radio_segmentation_meta (out, NULL));
    g_assert_true (gst_buffer_map (out, &map, GST_MAP_READ));
    for (i = 0; i < map.size; i++)
      g_assert_cmpuint (map.data[i], ==, 42);
    gst_buffer_unmap (out, &map);
    gst_buffer_unref (out);
  }
  text = radio_test_pop_messages (
      GST_ELEMENT_BUS (h->element), GST_MESSAGE_WARNING, &count);
  g_assert_cmpuint (count, ==, 1);
  g_assert_nonnull (strstr (text, "without RADIO features"));
  g_clear_pointer (&text, g_free);
  out = radio_test_harness_push_features (h, &f, GST_FLOW_OK);
  gst_buffer_unref (out);
  out = radio_test_harness_push_features (h, &f, GST_FLOW_OK);
  gst_buffer_unref (out);
  text = radio_test_pop_messages (
      GST_ELEMENT_BUS (h->element), GST_MESSAGE_WARNING, &count);
  g_assert_cmpuint (count, ==, 1);
  g_assert_nonnull (strstr (text, "adaptor.clip.spatial"));
  g_clear_pointer (&text, g_free);

  /* the head cannot change while running */
  {
    GstElement *seg = gst_harness_find_element (h, "radiosegment");
    g_autofree char *now = NULL;
    g_object_set (seg, "weights", head2, NULL);
    g_object_get (seg, "weights", &now, NULL);
    g_assert_cmpstr (now, ==, head3);
    text = radio_test_pop_messages (
        GST_ELEMENT_BUS (h->element), GST_MESSAGE_WARNING, &count);
    g_assert_cmpuint (count, ==, 1);
    gst_object_unref (seg);
  }
  radio_test_harness_teardown (h);
}

/* Features that are not finite (NaN, inf) give no classes: the frame
 * passes unchanged without a meta, with one warning however many frames
 * (it used to get a meta of class 0 with NaN scores, silently). */
static void
test_not_finite (void)
{
  static const guint8 mask[4] = { 0, 1, 1, 0 };
  g_autofree gfloat *spatial = one_hot_features (mask, 2, 2, 3, 1.0f);
  g_autofree char *weights = write_identity_head ("nan", 3, NULL, NULL);
  RadioTestFeatures f = grid_features (
      32, 32, GST_VIDEO_FORMAT_RGB, 0x070809, 2, 2, 3, spatial);
  GstHarness *h = radio_test_harness_new_with_bus (
      "radiosegment weights=\"%s\" alpha=1", weights);
  const gfloat bad[2] = { NAN, INFINITY };
  guint i;

  for (i = 0; i < 2; i++) {
    GstBuffer *out;
    GstVideoFrame frame;
    spatial[3] = bad[i]; /* channel 0 of cell 1 (class 1) */
    out = radio_test_harness_push_features (h, &f, GST_FLOW_OK);
    g_assert_null (gst_buffer_get_radio_segmentation_meta (out, NULL));
    radio_test_map_frame (&frame, out, GST_VIDEO_FORMAT_RGB, 32, 32);
    radio_test_assert_rect_rgb (&frame, 0, 0, 32, 32, f.fill);
    gst_video_frame_unmap (&frame);
    gst_buffer_unref (out);
  }
  g_assert_cmpuint (radio_test_count_messages (GST_ELEMENT_BUS (h->element),
                        GST_MESSAGE_WARNING, "not finite"),
      ==, 1);
  /* finite features again: segmented */
  spatial[3] = 0.0f;
  {
    GstBuffer *out = radio_test_harness_push_features (h, &f, GST_FLOW_OK);
    GstRadioSegmentationMeta *m = get_segmentation (out);
    for (i = 0; i < 4; i++)
      g_assert_cmpuint (m->classes[i], ==, mask[i]);
    gst_buffer_unref (out);
  }
  g_assert_null (gst_bus_pop_filtered (
      GST_ELEMENT_BUS (h->element), GST_MESSAGE_ERROR | GST_MESSAGE_WARNING));
  radio_test_harness_teardown (h);
}

/* 65536 classes (class ids that need all 16 bits) work; 65537 are refused
 * at start.  One channel: only the bias tells the classes apart, and the
 * last class's is the largest. */
static void
test_many_classes (void)
{
  const guint K = 65536;
  g_autofree gfloat *w = g_new0 (gfloat, K + 1);
  g_autofree gfloat *bias = g_new0 (gfloat, K + 1);
  g_autofree char *weights = NULL, *too_many = NULL, *props = NULL;
  const gfloat spatial[4] = { 1, 1, 1, 1 };
  RadioTestFeatures f = grid_features (
      16, 16, GST_VIDEO_FORMAT_RGBA, 0x070809, 2, 2, 1, spatial);
  GstRadioSegmentationMeta *m;
  GstHarness *h;
  GstBuffer *out;
  guint8 last[3];
  guint i;

  bias[K - 1] = 5.0f;
  bias[K] = 9.0f;
  weights = write_head ("k65536", K, 1, w, bias, NULL, NULL);
  h = radio_test_harness_new_with_bus (
      "radiosegment weights=\"%s\" alpha=1", weights);
  out = radio_test_harness_push_features (h, &f, GST_FLOW_OK);
  m = get_segmentation (out);
  g_assert_cmpuint (m->n_classes, ==, K);
  g_assert_cmpstr (m->labels[K - 1], ==, "class 65535");
  for (i = 0; i < 4; i++)
    g_assert_cmpuint (m->classes[i], ==, K - 1);
  radio_head_default_color (K - 1, last);
  {
    GstVideoFrame frame;
    radio_test_map_frame (&frame, out, GST_VIDEO_FORMAT_RGBA, 16, 16);
    radio_test_assert_rect_rgb (&frame, 0, 0, 16, 16, last);
    gst_video_frame_unmap (&frame);
  }
  gst_buffer_unref (out);
  radio_test_harness_teardown (h);

  too_many = write_head ("k65537", K + 1, 1, w, bias, NULL, NULL);
  props = g_strdup_printf ("weights=\"%s\"", too_many);
  expect_start_failure (props, "at most 65536");
}

int
main (int argc, char **argv)
{
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  tmp_dir = radio_test_make_tmp_dir ("radiosegment-XXXXXX");

  g_test_add_func ("/radiosegment/one-hot-mask", test_one_hot);
  g_test_add_func ("/radiosegment/smooth-boundary", test_smooth_boundary);
  g_test_add_func ("/radiosegment/renegotiation", test_renegotiation);
  g_test_add_func ("/radiosegment/alpha", test_alpha);
  g_test_add_func ("/radiosegment/adaptor-source", test_adaptor_source);
  g_test_add_func ("/radiosegment/messages", test_messages);
  g_test_add_func ("/radiosegment/letterbox", test_letterbox);
  g_test_add_func ("/radiosegment/builtin-model", test_builtin_model);
  g_test_add_func ("/radiosegment/errors/files", test_bad_files);
  g_test_add_func ("/radiosegment/errors/stream", test_stream_errors);
  g_test_add_func ("/radiosegment/errors/not-finite", test_not_finite);
  g_test_add_func ("/radiosegment/many-classes", test_many_classes);
  status = g_test_run ();
  radio_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return status;
}
