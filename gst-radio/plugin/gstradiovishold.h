/* gstradiovishold.h: radiovis's picture of one frame's features: the
 * RGB colour of every grid cell and where the grid lies on the frame.
 * It is painted on the frame it was computed for and, with hold, again on
 * the following frames without features, so it keeps only what painting
 * needs (a few bytes per cell), never the features. */
#ifndef __GST_RADIOVIS_HOLD_H__
#define __GST_RADIOVIS_HOLD_H__

#include "gstradiopaint.h"

G_BEGIN_DECLS

typedef struct {
  gboolean valid;            /* cells belong to the frames below */
  guint width, height;       /* of the frames (the painted area) */
  GstVideoFormat format;     /* of the frames */
  GstRadioGeometry geometry; /* frame -> cells of the painted grid */
  guint8 *cells; /* [geometry.grid_height][geometry.grid_width][3] RGB */
  gsize cells_size;
  GstRadioGridSampler sampler; /* cells -> pixels */
  guint8 *rgb;                 /* the cells upsampled: [height][width][3] */
  gsize rgb_size;
  gint rgb_smooth; /* the smooth setting rgb was made with; -1: not made */
} GstRadioVisHold;

/* Starts a new picture for frames of width x height pixels in format and
 * the grid of geometry (a source's own grid, see
 * gst_radio_meta_get_source_geometry): returns its cells, to be filled
 * with the colours. */
guint8 *gst_radiovis_hold_new_cells (GstRadioVisHold *hold, guint width,
    guint height, GstVideoFormat format, const GstRadioGeometry *geometry);

/* TRUE when the picture can be painted on frames of this size. */
gboolean gst_radiovis_hold_fits (
    const GstRadioVisHold *hold, guint width, guint height);

/* Upsamples the cells (bilinearly, or the nearest cell when smooth is
 * FALSE) to the area of width x height pixels at (x, 0) of frame and
 * blends them in with alpha.  Held frames reuse the upsampled picture. */
void gst_radiovis_hold_paint (GstRadioVisHold *hold, GstVideoFrame *frame,
    guint x, gdouble alpha, gboolean smooth);

/* Frees the memory; the picture is no longer valid. */
void gst_radiovis_hold_clear (GstRadioVisHold *hold);

G_END_DECLS
#endif /* __GST_RADIOVIS_HOLD_H__ */
