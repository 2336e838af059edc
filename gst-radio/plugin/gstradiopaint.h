/* gstradiopaint.h: drawing a grid of per-cell results over RGB-family video
 * frames, for radiovis, radiosegment and radioclassify.
 *
 * A GstRadioGridSampler holds, for every column and row of a destination
 * area, the two grid cells whose centres surround that pixel's centre and
 * the weight of the second one: bilinear upsampling of a cell grid to the
 * frame, using the exact frame->grid mapping of a GstRadioGeometry (so
 * letterboxed and scaled frames line up). */
#ifndef __GST_RADIO_PAINT_H__
#define __GST_RADIO_PAINT_H__

#include <gst/radio/radiometa.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

/* The packed 8-bit RGB-family formats every drawing element accepts. */
#define GST_RADIO_PAINT_FORMATS                                                \
  "{ RGB, BGR, RGBA, BGRA, RGBx, BGRx, xRGB, xBGR, ARGB, ABGR }"

typedef struct {
  guint width, height;           /* destination area, pixels */
  guint grid_width, grid_height; /* the sampled grid, cells */
  guint *col0, *col1;            /* [width] neighbouring cell columns */
  gfloat *col_weight;            /* [width] weight of col1 (col0 gets 1 - it) */
  guint *row0, *row1;            /* [height] */
  gfloat *row_weight;            /* [height] */
  guint *col_nearest; /* [width] cell column under the pixel centre */
  guint *row_nearest; /* [height] */
} GstRadioGridSampler;

/* Fills s for a destination area of width x height pixels that shows the
 * whole frame of geometry (frame_width x frame_height, scaled to the area)
 * and the geometry's grid of cells: for an adaptor's finer grid, the
 * geometry of gst_radio_meta_get_source_geometry.  Reuses s's arrays when
 * the sizes are unchanged.  Clear with gst_radio_grid_sampler_clear. */
void gst_radio_grid_sampler_setup (GstRadioGridSampler *s, guint width,
    guint height, const GstRadioGeometry *geometry);
void gst_radio_grid_sampler_clear (GstRadioGridSampler *s);

/* Upsamples cells[grid_height][grid_width][3] (RGB) bilinearly (or
 * nearest cell when smooth is FALSE) to rgb[height][width][3]. */
void gst_radio_grid_sampler_upsample_rgb (const GstRadioGridSampler *s,
    const guint8 *cells, gboolean smooth, guint8 *rgb);

/* TRUE for the formats of GST_RADIO_PAINT_FORMATS. */
gboolean gst_radio_paint_format_supported (GstVideoFormat format);

/* Blends rgb[height][width][3] into the frame's area at (x, y):
 * out = (1 - alpha) * frame + alpha * rgb.  The area must lie inside the
 * frame; alpha outside [0, 1] is clamped.  Alpha channels are left alone
 * (x channels too). */
void gst_radio_paint_blend (GstVideoFrame *frame, guint x, guint y, guint width,
    guint height, const guint8 *rgb, gdouble alpha);

/* Fills the frame's area at (x, y) with one colour. */
void gst_radio_paint_fill (GstVideoFrame *frame, guint x, guint y, guint width,
    guint height, const guint8 rgb[3], gdouble alpha);

G_END_DECLS
#endif /* __GST_RADIO_PAINT_H__ */
