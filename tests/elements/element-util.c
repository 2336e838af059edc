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
