/* gstradiopaint.c: bilinear grid upsampling and alpha blending into packed
 * RGB-family frames (see gstradiopaint.h). */
#include "gstradiopaint.h"

#include <math.h>
#include <string.h>

/* Cell-centre interpolation along one axis.  Destination pixel i shows
 * frame coordinate (i + 0.5) * frame / dest, which is grid coordinate
 * g = that * scale + offset.  Cell c's centre is at c + 0.5. */
static void
setup_axis (guint dest, guint frame, gdouble scale, gdouble offset, guint cells,
    guint *c0, guint *c1, gfloat *weight, guint *nearest)
{
  guint i;

  for (i = 0; i < dest; i++) {
    gdouble f = (i + 0.5) * (gdouble)frame / dest;
    gdouble g = f * scale + offset;
    gdouble u = g - 0.5, fl = floor (u);
    gdouble n = floor (g);

    /* !(u > 0) also catches a NaN mapping: cell 0, never out of range */
    if (!(u > 0.0)) {
      c0[i] = c1[i] = 0;
      weight[i] = 0.0f;
    } else if (u >= cells - 1) {
      c0[i] = c1[i] = cells - 1;
      weight[i] = 0.0f;
    } else {
      c0[i] = (guint)fl;
      c1[i] = c0[i] + 1;
      weight[i] = (gfloat)(u - fl);
    }
    nearest[i] = !(n >= 0.0) ? 0 : n >= cells ? cells - 1 : (guint)n;
  }
}

void
gst_radio_grid_sampler_clear (GstRadioGridSampler *s)
{
  g_free (s->col0);
  g_free (s->col1);
  g_free (s->col_weight);
  g_free (s->col_nearest);
  g_free (s->row0);
  g_free (s->row1);
  g_free (s->row_weight);
  g_free (s->row_nearest);
  memset (s, 0, sizeof (*s));
}

void
gst_radio_grid_sampler_setup (GstRadioGridSampler *s, guint width, guint height,
    const GstRadioGeometry *geometry)
{
  g_return_if_fail (width > 0 && height > 0 && geometry->grid_width > 0
                    && geometry->grid_height > 0);
  if (s->width != width || s->height != height) {
    gst_radio_grid_sampler_clear (s);
    s->col0 = g_new (guint, width);
    s->col1 = g_new (guint, width);
    s->col_weight = g_new (gfloat, width);
    s->col_nearest = g_new (guint, width);
    s->row0 = g_new (guint, height);
    s->row1 = g_new (guint, height);
    s->row_weight = g_new (gfloat, height);
    s->row_nearest = g_new (guint, height);
    s->width = width;
    s->height = height;
  }
  s->grid_width = geometry->grid_width;
  s->grid_height = geometry->grid_height;
  setup_axis (width, geometry->frame_width ? geometry->frame_width : width,
      geometry->scale_x, geometry->offset_x, s->grid_width, s->col0, s->col1,
      s->col_weight, s->col_nearest);
  setup_axis (height, geometry->frame_height ? geometry->frame_height : height,
      geometry->scale_y, geometry->offset_y, s->grid_height, s->row0, s->row1,
      s->row_weight, s->row_nearest);
}

void
gst_radio_grid_sampler_upsample_rgb (const GstRadioGridSampler *s,
    const guint8 *cells, gboolean smooth, guint8 *rgb)
{
  guint i, j, c;
  gsize gw = s->grid_width;

  for (j = 0; j < s->height; j++) {
    guint8 *out = rgb + (gsize)j * s->width * 3;
    if (!smooth) {
      const guint8 *line = cells + s->row_nearest[j] * gw * 3;
      for (i = 0; i < s->width; i++)
        memcpy (out + i * 3, line + s->col_nearest[i] * 3, 3);
      continue;
    }
    {
      const guint8 *top = cells + s->row0[j] * gw * 3;
      const guint8 *bottom = cells + s->row1[j] * gw * 3;
      gfloat wy = s->row_weight[j];
      for (i = 0; i < s->width; i++) {
        guint a = s->col0[i] * 3, b = s->col1[i] * 3;
        gfloat wx = s->col_weight[i];
        for (c = 0; c < 3; c++) {
          gfloat t = top[a + c] + wx * (top[b + c] - top[a + c]);
          gfloat u = bottom[a + c] + wx * (bottom[b + c] - bottom[a + c]);
          out[i * 3 + c] = (guint8)(t + wy * (u - t) + 0.5f);
        }
      }
    }
  }
}

gboolean
gst_radio_paint_format_supported (GstVideoFormat format)
{
  switch (format) {
    case GST_VIDEO_FORMAT_RGB:
    case GST_VIDEO_FORMAT_BGR:
    case GST_VIDEO_FORMAT_RGBA:
    case GST_VIDEO_FORMAT_BGRA:
    case GST_VIDEO_FORMAT_RGBx:
    case GST_VIDEO_FORMAT_BGRx:
    case GST_VIDEO_FORMAT_xRGB:
    case GST_VIDEO_FORMAT_xBGR:
    case GST_VIDEO_FORMAT_ARGB:
    case GST_VIDEO_FORMAT_ABGR:
      return TRUE;
    default:
      return FALSE;
  }
}

/* Byte offsets of R, G, B inside a pixel, and the pixel stride. */
static void
channel_layout (const GstVideoFrame *frame, guint offsets[3], guint *pstride)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  guint c;

  for (c = 0; c < 3; c++)
    offsets[c] = GST_VIDEO_FORMAT_INFO_POFFSET (finfo, c);
  *pstride = GST_VIDEO_FORMAT_INFO_PSTRIDE (finfo, 0);
}

/* rgb == NULL: one colour (color) everywhere. */
static void
blend_area (GstVideoFrame *frame, guint x, guint y, guint width, guint height,
    const guint8 *rgb, const guint8 *color, gdouble alpha)
{
  guint offsets[3], ps, i, j, c;
  guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  gsize stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  gint a = (gint)(CLAMP (alpha, 0.0, 1.0) * 256.0 + 0.5);

  g_return_if_fail (
      gst_radio_paint_format_supported (GST_VIDEO_FRAME_FORMAT (frame)));
  /* written so that no sum can wrap */
  g_return_if_fail (width <= (guint)GST_VIDEO_FRAME_WIDTH (frame)
                    && x <= (guint)GST_VIDEO_FRAME_WIDTH (frame) - width
                    && height <= (guint)GST_VIDEO_FRAME_HEIGHT (frame)
                    && y <= (guint)GST_VIDEO_FRAME_HEIGHT (frame) - height);
  channel_layout (frame, offsets, &ps);
  for (j = 0; j < height; j++) {
    guint8 *line = data + (gsize)(y + j) * stride + (gsize)x * ps;
    const guint8 *src = rgb ? rgb + (gsize)j * width * 3 : NULL;
    for (i = 0; i < width; i++) {
      guint8 *p = line + (gsize)i * ps;
      const guint8 *s = src ? src + (gsize)i * 3 : color;
      for (c = 0; c < 3; c++) {
        gint d = p[offsets[c]];
        p[offsets[c]] = (guint8)(d + (((s[c] - d) * a + 128) >> 8));
      }
    }
  }
}

void
gst_radio_paint_blend (GstVideoFrame *frame, guint x, guint y, guint width,
    guint height, const guint8 *rgb, gdouble alpha)
{
  g_return_if_fail (rgb != NULL);
  blend_area (frame, x, y, width, height, rgb, NULL, alpha);
}

void
gst_radio_paint_fill (GstVideoFrame *frame, guint x, guint y, guint width,
    guint height, const guint8 rgb[3], gdouble alpha)
{
  blend_area (frame, x, y, width, height, NULL, rgb, alpha);
}
