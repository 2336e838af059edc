/* test-meta: the public meta library's helpers and result metas, and the
 * linear head files, checked against values worked out by hand.
 *
 *   gst_radio_meta_pool_region     area-weighted cell averages, clipping,
 *                                  letterbox offsets, finer adaptor grids
 *   gst_radio_meta_get_summary /   backbone and adaptor sources
 *     get_spatial
 *   classification / segmentation  add, get by classifier name, copy,
 *     metas                        videoscale-style transform, class_at
 *   radio-head                     save/load round trip, labels and
 *                                  colours, logits, softmax, top-k, and
 *                                  every rejection path */
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/radio/radiometa.h>
#include <gst/radio/radioresultmeta.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>

#include "radio-error.h"
#include "radio-head.h"
#include "test-util.h"

/* A 4x3 grid (w x h) of 2-dim features: cell (c, r) = (c, 10 r), on a
 * 64x48 frame mapped by a plain stretch (16 px per cell), plus an adaptor
 * "fine" at twice the resolution whose cell (c, r) = (c, r, 1). */
static GstBuffer *
make_buffer (gdouble offset_x, gdouble offset_y)
{
  GstBuffer *buf = gst_buffer_new ();
  GstRadioFeatures *f = gst_radio_features_new ("v", "id", 1, 2);
  GstRadioGeometry g = { 0 };
  gfloat spatial[3][4][2], fine[6][8][3], summary[2] = { 1, 2 },
                                          fine_summary[5] = { 5, 4, 3, 2, 1 };
  guint r, c;

  for (r = 0; r < 3; r++)
    for (c = 0; c < 4; c++) {
      spatial[r][c][0] = c;
      spatial[r][c][1] = 10.0f * r;
    }
  for (r = 0; r < 6; r++)
    for (c = 0; c < 8; c++) {
      fine[r][c][0] = c;
      fine[r][c][1] = r;
      fine[r][c][2] = 1;
    }
  g_assert_true (gst_radio_features_set_summary (f, summary));
  g_assert_true (gst_radio_features_set_spatial (f, &spatial[0][0][0], 3, 4));
  g_assert_true (gst_radio_features_add_adaptor (
      f, "fine", fine_summary, 5, &fine[0][0][0], 6, 8, 3));
  g.patch_size = 16;
  g.input_width = 64;
  g.input_height = 48;
  g.frame_width = 64;
  g.frame_height = 48;
  g.scale_x = 1.0 / 16;
  g.scale_y = 1.0 / 16;
  g.offset_x = offset_x;
  g.offset_y = offset_y;
  g_assert_nonnull (gst_buffer_add_radio_meta (buf, f, &g));
  gst_radio_features_unref (f);
  return buf;
}

static void
test_sources (void)
{
  GstBuffer *buf = make_buffer (0, 0);
  GstRadioMeta *meta = gst_buffer_get_radio_meta (buf);
  guint n = 99, h = 99, w = 99, d = 99;
  const gfloat *p;

  p = gst_radio_meta_get_summary (meta, NULL, &n);
  g_assert_true (p == meta->summary);
  g_assert_cmpuint (n, ==, 2);
  p = gst_radio_meta_get_summary (meta, "", &n);
  g_assert_true (p == meta->summary);
  p = gst_radio_meta_get_summary (meta, "fine", &n);
  g_assert_cmpuint (n, ==, 5);
  g_assert_cmpfloat (p[0], ==, 5.0f);
  g_assert_null (gst_radio_meta_get_summary (meta, "absent", &n));
  g_assert_cmpuint (n, ==, 0);

  p = gst_radio_meta_get_spatial (meta, NULL, &h, &w, &d);
  g_assert_true (p == meta->spatial);
  g_assert_cmpuint (h, ==, 3);
  g_assert_cmpuint (w, ==, 4);
  g_assert_cmpuint (d, ==, 2);
  p = gst_radio_meta_get_spatial (meta, "fine", &h, &w, &d);
  g_assert_nonnull (p);
  g_assert_cmpuint (h, ==, 6);
  g_assert_cmpuint (w, ==, 8);
  g_assert_cmpuint (d, ==, 3);
  g_assert_null (gst_radio_meta_get_spatial (meta, "absent", &h, &w, &d));
  g_assert_cmpuint (d, ==, 0);
  gst_buffer_unref (buf);
}

static void
test_source_geometry (void)
{
  GstBuffer *buf = make_buffer (0.5, 0.25);
  GstRadioMeta *meta = gst_buffer_get_radio_meta (buf);
  GstRadioGeometry g, untouched;

  /* the backbone: the meta's own geometry */
  g_assert_true (gst_radio_meta_get_source_geometry (meta, NULL, &g));
  g_assert_cmpmem (&g, sizeof (g), &meta->geometry, sizeof (g));
  /* the 2x finer adaptor: 8 px cells, the mapping doubled */
  g_assert_true (gst_radio_meta_get_source_geometry (meta, "fine", &g));
  g_assert_cmpuint (g.grid_width, ==, 8);
  g_assert_cmpuint (g.grid_height, ==, 6);
  g_assert_cmpuint (g.patch_size, ==, 8);
  g_assert_cmpfloat (g.scale_x, ==, 1.0 / 8);
  g_assert_cmpfloat (g.scale_y, ==, 1.0 / 8);
  g_assert_cmpfloat (g.offset_x, ==, 1.0);
  g_assert_cmpfloat (g.offset_y, ==, 0.5);
  g_assert_cmpuint (g.frame_width, ==, 64);
  g_assert_cmpuint (g.input_height, ==, 48);
  /* no such source: nothing written */
  memset (&untouched, 0x5a, sizeof (untouched));
  g = untouched;
  g_assert_false (gst_radio_meta_get_source_geometry (meta, "absent", &g));
  g_assert_cmpmem (&g, sizeof (g), &untouched, sizeof (g));
  gst_buffer_unref (buf);
}

static void
test_pool_region (void)
{
  GstBuffer *buf = make_buffer (0, 0);
  GstRadioMeta *meta = gst_buffer_get_radio_meta (buf);
  gfloat out[3] = { -1, -1, -1 };

  /* exactly cell (1, 2) */
  g_assert_cmpuint (
      gst_radio_meta_pool_region (meta, NULL, 16, 32, 16, 16, out, 3), ==, 2);
  g_assert_cmpfloat (out[0], ==, 1.0f);
  g_assert_cmpfloat (out[1], ==, 20.0f);
  g_assert_cmpfloat (out[2], ==, -1.0f); /* only dim floats written */

  /* the whole frame: mean column 1.5, mean row 1 */
  g_assert_cmpuint (
      gst_radio_meta_pool_region (meta, NULL, 0, 0, 64, 48, out, 2), ==, 2);
  g_assert_cmpfloat_with_epsilon (out[0], 1.5f, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[1], 10.0f, 1e-6);

  /* x from 8 to 40 px: half of column 0, all of column 1, half of 2:
   * weights 0.5, 1, 0.5 -> (0 * 0.5 + 1 + 2 * 0.5) / 2 = 1; row 0 only */
  g_assert_cmpuint (
      gst_radio_meta_pool_region (meta, NULL, 8, 0, 32, 16, out, 2), ==, 2);
  g_assert_cmpfloat_with_epsilon (out[0], 1.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[1], 0.0f, 1e-6);

  /* x from 12 to 32: 1/4 of column 0, all of column 1 -> 1 / 1.25 = 0.8 */
  g_assert_cmpuint (
      gst_radio_meta_pool_region (meta, NULL, 12, 16, 20, 8, out, 2), ==, 2);
  g_assert_cmpfloat_with_epsilon (out[0], 0.8f, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[1], 10.0f, 1e-6);

  /* clipped to the grid: from -100 to 16 is column 0 alone */
  g_assert_cmpuint (
      gst_radio_meta_pool_region (meta, NULL, -100, 0, 116, 48, out, 2), ==, 2);
  g_assert_cmpfloat_with_epsilon (out[0], 0.0f, 1e-6);

  /* the fine adaptor grid: frame px 16..32 is fine columns 2 and 3 */
  g_assert_cmpuint (
      gst_radio_meta_pool_region (meta, "fine", 16, 0, 16, 8, out, 3), ==, 3);
  g_assert_cmpfloat_with_epsilon (out[0], 2.5f, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[1], 0.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[2], 1.0f, 1e-6);

  /* nothing: outside, empty, absent source, too short an output */
  out[0] = -7;
  g_assert_cmpuint (
      gst_radio_meta_pool_region (meta, NULL, 100, 0, 10, 10, out, 2), ==, 0);
  g_assert_cmpuint (
      gst_radio_meta_pool_region (meta, NULL, 10, 10, 0, 10, out, 2), ==, 0);
  g_assert_cmpuint (
      gst_radio_meta_pool_region (meta, NULL, 10, 10, NAN, 10, out, 2), ==, 0);
  g_assert_cmpuint (
      gst_radio_meta_pool_region (meta, "absent", 0, 0, 8, 8, out, 2), ==, 0);
  g_assert_cmpuint (
      gst_radio_meta_pool_region (meta, NULL, 0, 0, 8, 8, out, 1), ==, 0);
  g_assert_cmpfloat (out[0], ==, -7.0f);
  gst_buffer_unref (buf);

  /* letterbox: the grid starts one cell left of the frame's pixel 0, so
   * frame px 0..16 is cell column 1 */
  buf = make_buffer (1.0, 0.0);
  meta = gst_buffer_get_radio_meta (buf);
  g_assert_cmpuint (
      gst_radio_meta_pool_region (meta, NULL, 0, 0, 16, 16, out, 2), ==, 2);
  g_assert_cmpfloat_with_epsilon (out[0], 1.0f, 1e-6);
  gst_buffer_unref (buf);
}

/* Hostile rectangles and geometries: huge, negative, infinite and NaN
 * numbers never reach outside the grid: the clipped average when some of
 * the rectangle lies on the grid, else 0 with out untouched. */
static void
test_pool_region_hostile (void)
{
  GstBuffer *buf = make_buffer (0, 0);
  GstRadioMeta *meta = gst_buffer_get_radio_meta (buf);
  const gdouble huge[][4] = { { -1e300, -1e300, 1e301, 1e301 },
    { 0, 0, G_MAXDOUBLE, G_MAXDOUBLE }, { 0, 0, INFINITY, INFINITY },
    { -1e308, -1e308, G_MAXDOUBLE, G_MAXDOUBLE } };
  const gdouble none[][4] = { { -INFINITY, 0, INFINITY, 10 },
    { 10, 10, -5, 10 }, { 10, 10, 10, -5 }, { NAN, 0, 10, 10 },
    { 0, NAN, 10, 10 }, { 0, 0, 10, NAN }, { 1e300, 0, 1e300, 10 },
    { -1e300, 0, 10, 10 }, { INFINITY, 0, 10, 10 }, { 0, -INFINITY, 10, 10 },
    { 64, 0, 10, 10 }, { 0, 48, 10, 10 }, { -10, 0, 10, 48 } };
  const gdouble bad_scale[] = { NAN, 0.0, -1.0 / 16, INFINITY };
  gfloat out[2];
  guint i;

  /* covers the whole grid (or more): the mean of every cell */
  for (i = 0; i < G_N_ELEMENTS (huge); i++) {
    out[0] = out[1] = -1;
    g_assert_cmpuint (gst_radio_meta_pool_region (meta, NULL, huge[i][0],
                          huge[i][1], huge[i][2], huge[i][3], out, 2),
        ==, 2);
    g_assert_cmpfloat_with_epsilon (out[0], 1.5f, 1e-6);
    g_assert_cmpfloat_with_epsilon (out[1], 10.0f, 1e-6);
  }
  /* nothing on the grid, or no size */
  for (i = 0; i < G_N_ELEMENTS (none); i++) {
    out[0] = -7;
    g_assert_cmpuint (gst_radio_meta_pool_region (meta, "fine", none[i][0],
                          none[i][1], none[i][2], none[i][3], out, 3),
        ==, 0);
    g_assert_cmpuint (gst_radio_meta_pool_region (meta, NULL, none[i][0],
                          none[i][1], none[i][2], none[i][3], out, 2),
        ==, 0);
    g_assert_cmpfloat (out[0], ==, -7.0f);
  }
  /* a mapping that is not a finite stretch gives nothing */
  for (i = 0; i < G_N_ELEMENTS (bad_scale); i++) {
    meta->geometry.scale_x = bad_scale[i];
    g_assert_cmpuint (
        gst_radio_meta_pool_region (meta, NULL, 0, 0, 64, 48, out, 2), ==, 0);
  }
  meta->geometry.scale_x = 1.0 / 16;
  meta->geometry.offset_y = NAN;
  g_assert_cmpuint (
      gst_radio_meta_pool_region (meta, NULL, 0, 0, 64, 48, out, 2), ==, 0);
  g_assert_cmpfloat (out[0], ==, -7.0f);
  gst_buffer_unref (buf);
}

static void
test_classification_meta (void)
{
  GstBuffer *buf = gst_buffer_new (), *copy;
  const guint ids[2] = { 4, 1 };
  const gchar *labels[2] = { "cat", "dog" };
  const gfloat scores[2] = { 0.75f, 0.25f };
  GstRadioClassificationMeta *m;

  g_assert_null (gst_buffer_get_radio_classification_meta (buf, NULL));
  g_assert_nonnull (gst_buffer_add_radio_classification_meta (
      buf, "first", NULL, 2, ids, labels, scores));
  g_assert_nonnull (gst_buffer_add_radio_classification_meta (
      buf, "second", "clip", 1, ids + 1, labels + 1, scores + 1));

  m = gst_buffer_get_radio_classification_meta (buf, NULL);
  g_assert_cmpstr (m->classifier, ==, "first");
  g_assert_cmpstr (m->source, ==, "summary");
  m = gst_buffer_get_radio_classification_meta (buf, "second");
  g_assert_nonnull (m);
  g_assert_cmpuint (m->version, ==, GST_RADIO_RESULT_META_VERSION);
  g_assert_cmpstr (m->source, ==, "clip");
  g_assert_cmpuint (m->n_results, ==, 1);
  g_assert_cmpuint (m->class_ids[0], ==, 1);
  g_assert_cmpstr (m->labels[0], ==, "dog");
  g_assert_cmpfloat (m->scores[0], ==, 0.25f);
  g_assert_null (gst_buffer_get_radio_classification_meta (buf, "third"));

  copy = gst_buffer_copy (buf);
  gst_buffer_unref (buf); /* the copy must own its own strings */
  m = gst_buffer_get_radio_classification_meta (copy, "first");
  g_assert_nonnull (m);
  g_assert_cmpuint (m->n_results, ==, 2);
  g_assert_cmpstr (m->labels[0], ==, "cat");
  g_assert_cmpstr (m->labels[1], ==, "dog");
  g_assert_cmpuint (m->class_ids[0], ==, 4);
  g_assert_cmpfloat (m->scores[1], ==, 0.25f);
  gst_buffer_unref (copy);
}

static void
test_segmentation_meta (void)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 64 * 48 * 3, NULL), *out;
  const guint16 classes[6] = { 0, 1, 2, 2, 1, 0 }; /* 3 x 2 */
  const gchar *labels[3] = { "sky", "tree", "road" };
  const guint8 colors[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
  GstRadioGeometry g = { 0 };
  GstRadioSegmentationMeta *m;
  GstVideoInfo in_info, out_info;
  GstVideoMetaTransform trans;
  GstMetaTransformCopy region = { TRUE, 0, 10 };

  g.grid_width = 3;
  g.grid_height = 2;
  g.frame_width = 60;
  g.frame_height = 40;
  g.scale_x = 3.0 / 60;
  g.scale_y = 2.0 / 40;
  m = gst_buffer_add_radio_segmentation_meta (
      buf, "seg", 3, labels, colors, &g, classes, NULL);
  g_assert_nonnull (m);
  g_assert_cmpuint (m->n_classes, ==, 3);
  g_assert_cmpstr (m->labels[2], ==, "road");
  g_assert_cmpuint (m->colors[4], ==, 5);
  g_assert_cmpfloat (m->scores[3], ==, 1.0f);
  g_assert_cmpint (gst_radio_segmentation_meta_get_class_at (m, 5, 5), ==, 0);
  g_assert_cmpint (gst_radio_segmentation_meta_get_class_at (m, 25, 5), ==, 1);
  g_assert_cmpint (gst_radio_segmentation_meta_get_class_at (m, 5, 25), ==, 2);
  g_assert_cmpint (gst_radio_segmentation_meta_get_class_at (m, 59, 39), ==, 0);
  g_assert_cmpint (gst_radio_segmentation_meta_get_class_at (m, 60, 5), ==, -1);
  g_assert_cmpint (gst_radio_segmentation_meta_get_class_at (m, -1, 5), ==, -1);
  g_assert_true (gst_buffer_get_radio_segmentation_meta (buf, "seg") == m);
  g_assert_null (gst_buffer_get_radio_segmentation_meta (buf, "other"));

  /* a 2x downscale keeps the classes and maps the new pixels */
  gst_video_info_set_format (&in_info, GST_VIDEO_FORMAT_RGB, 60, 40);
  gst_video_info_set_format (&out_info, GST_VIDEO_FORMAT_RGB, 30, 20);
  trans.in_info = &in_info;
  trans.out_info = &out_info;
  out = gst_buffer_new ();
  g_assert_true (m->meta.info->transform_func (
      out, &m->meta, buf, gst_video_meta_transform_scale_get_quark (), &trans));
  m = gst_buffer_get_radio_segmentation_meta (out, NULL);
  g_assert_nonnull (m);
  g_assert_cmpuint (m->geometry.frame_width, ==, 30);
  g_assert_cmpint (gst_radio_segmentation_meta_get_class_at (m, 12, 2), ==, 1);
  g_assert_cmpint (gst_radio_segmentation_meta_get_class_at (m, 29, 19), ==, 0);
  gst_buffer_unref (out);

  /* a byte region is not a frame: dropped */
  m = gst_buffer_get_radio_segmentation_meta (buf, NULL);
  out = gst_buffer_new ();
  g_assert_false (m->meta.info->transform_func (
      out, &m->meta, buf, _gst_meta_transform_copy, &region));
  g_assert_null (gst_buffer_get_radio_segmentation_meta (out, NULL));
  gst_buffer_unref (out);
  gst_buffer_unref (buf);
}

static char *
temp_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("radio-meta-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
test_head_files (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *wpath = g_build_filename (dir, "head.safetensors", NULL);
  g_autofree char *lpath = g_build_filename (dir, "labels.txt", NULL);
  const gfloat weight[6] = { 3, 4, 0, 0, 0, 2 }; /* [3, 2] */
  const gfloat bias[3] = { 0.5f, -1, 0 };
  const gchar *labels[3] = { "a b", "#hash", "c" };
  const guint8 colors[9] = { 255, 0, 16, 1, 2, 3, 0xab, 0xcd, 0xef };
  const gchar *metadata[] = { "source", "summary", "model_id", "xyz", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioHead) head = NULL;
  gfloat x[2] = { 1, 1 }, logits[3];
  guint8 rgb[3];

  g_assert_true (radio_head_save (
      wpath, lpath, 3, 2, weight, bias, labels, colors, metadata, &error));
  g_assert_no_error (error);
  head = radio_head_load (wpath, lpath, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (head->n_classes, ==, 3);
  g_assert_cmpuint (head->dim, ==, 2);
  g_assert_cmpstr (head->labels[0], ==, "a b");
  g_assert_cmpstr (head->labels[1], ==, "#hash");
  g_assert_cmpmem (head->colors, 9, colors, 9);
  g_assert_cmpstr (head->source, ==, "summary");
  g_assert_cmpstr (head->model_id, ==, "xyz");

  radio_head_logits (head, RADIO_HEAD_SCORING_LINEAR, x, logits);
  g_assert_cmpfloat_with_epsilon (logits[0], 7.5f, 1e-6);
  g_assert_cmpfloat_with_epsilon (logits[1], -1.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (logits[2], 2.0f, 1e-6);
  /* cosine: (3 + 4) / (5 sqrt 2) + 0.5; a zero row scores its bias */
  radio_head_logits (head, RADIO_HEAD_SCORING_COSINE, x, logits);
  g_assert_cmpfloat_with_epsilon (logits[0], 7.0 / (5 * sqrt (2)) + 0.5, 1e-6);
  g_assert_cmpfloat_with_epsilon (logits[1], -1.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (logits[2], 1.0 / sqrt (2), 1e-6);
  g_clear_pointer (&head, radio_head_free);

  /* labels without colours get the palette; trailing blank lines are
   * fine, but the count must match */
  g_assert_true (g_file_set_contents (lpath, "x\ny\nz\n\n\n", -1, NULL));
  head = radio_head_load (wpath, lpath, &error);
  g_assert_no_error (error);
  radio_head_default_color (2, rgb);
  g_assert_cmpmem (head->colors + 6, 3, rgb, 3);
  g_clear_pointer (&head, radio_head_free);

  g_assert_true (g_file_set_contents (lpath, "x\ny\n", -1, NULL));
  g_assert_null (radio_head_load (wpath, lpath, &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_SHAPE);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (lpath, "x\n\nz\n", -1, NULL));
  g_assert_null (radio_head_load (wpath, lpath, &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT);
  g_clear_error (&error);
  g_assert_null (radio_head_load (wpath, "/nonexistent/labels", &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_IO);
  g_clear_error (&error);

  /* a weights file with no `weight`, or a 1-D one */
  {
    g_autoptr (RadioSafetensorsWriter) w = radio_safetensors_writer_new ();
    gint64 shape[1] = { 6 };
    radio_safetensors_writer_add (
        w, "other", RADIO_DTYPE_F32, 1, shape, weight);
    g_assert_true (radio_safetensors_writer_save (w, wpath, &error));
    g_assert_null (radio_head_load (wpath, lpath, &error));
    g_assert_error (error, RADIO_ERROR, RADIO_ERROR_MISSING_TENSOR);
    g_clear_error (&error);
  }
  {
    g_autoptr (RadioSafetensorsWriter) w = radio_safetensors_writer_new ();
    gint64 shape[1] = { 6 };
    radio_safetensors_writer_add (
        w, "weight", RADIO_DTYPE_F32, 1, shape, weight);
    g_assert_true (radio_safetensors_writer_save (w, wpath, &error));
    g_assert_null (radio_head_load (wpath, lpath, &error));
    g_assert_error (error, RADIO_ERROR, RADIO_ERROR_SHAPE);
    g_clear_error (&error);
  }
  /* a truncated file */
  g_assert_true (g_file_set_contents (wpath, "\x10\0\0\0\0\0\0\0{", 9, NULL));
  g_assert_null (radio_head_load (wpath, lpath, &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT);
  g_clear_error (&error);
  radio_test_remove_tree (dir);
}

static void
test_head_math (void)
{
  gfloat v[4] = { 1, 3, 2, 3 };
  guint ids[4] = { 9, 9, 9, 9 };
  gdouble sum;

  g_assert_cmpuint (radio_head_top_k (v, 4, 3, ids), ==, 3);
  g_assert_cmpuint (ids[0], ==, 1); /* ties: lower index first */
  g_assert_cmpuint (ids[1], ==, 3);
  g_assert_cmpuint (ids[2], ==, 2);
  g_assert_cmpuint (ids[3], ==, 9);
  g_assert_cmpuint (radio_head_top_k (v, 4, 10, ids), ==, 4);
  g_assert_cmpuint (ids[3], ==, 0);

  radio_head_softmax (v, 4, 0.5);
  sum = exp (2) + exp (6) + exp (4) + exp (6);
  g_assert_cmpfloat_with_epsilon (v[0], exp (2) / sum, 1e-7);
  g_assert_cmpfloat_with_epsilon (v[1], exp (6) / sum, 1e-7);
  g_assert_cmpfloat_with_epsilon (v[2], exp (4) / sum, 1e-7);
  /* large logits do not overflow */
  v[0] = 1e4f;
  v[1] = 0;
  radio_head_softmax (v, 2, 1e-3);
  g_assert_cmpfloat (v[0], ==, 1.0f);
  g_assert_cmpfloat (v[1], ==, 0.0f);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/meta/sources", test_sources);
  g_test_add_func ("/meta/source-geometry", test_source_geometry);
  g_test_add_func ("/meta/pool-region", test_pool_region);
  g_test_add_func ("/meta/pool-region-hostile", test_pool_region_hostile);
  g_test_add_func ("/meta/classification", test_classification_meta);
  g_test_add_func ("/meta/segmentation", test_segmentation_meta);
  g_test_add_func ("/head/files", test_head_files);
  g_test_add_func ("/head/math", test_head_math);
  return g_test_run ();
}
