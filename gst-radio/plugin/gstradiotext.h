/* gstradiotext.h: a small bitmap font and text renderer for the overlays of
 * the gst-radio elements (radioclassify's results), with no dependency on
 * a font library.
 *
 * Glyphs are 5x8 pixels (capitals 7 rows high, one row below the baseline
 * for descenders) in 6x10 cells, printable ASCII 32..126; any other
 * character is drawn as '?'.  Each glyph pixel becomes a scale x scale
 * block.  Text is drawn white on a semi-transparent dark box, into packed
 * RGB-family frames (GST_RADIO_PAINT_FORMATS) or 8-bit planar YUV frames
 * such as NV12 and I420.  In YUV the text is luma only (subsampled chroma
 * cannot follow glyph edges); the box takes luma and chroma towards black
 * as in RGB, changing only the chroma samples that lie wholly inside it. */
#ifndef __GST_RADIO_TEXT_H__
#define __GST_RADIO_TEXT_H__

#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_RADIO_TEXT_GLYPH_WIDTH 5
#define GST_RADIO_TEXT_GLYPH_HEIGHT 8
#define GST_RADIO_TEXT_CELL_WIDTH 6   /* glyph + 1 column between letters */
#define GST_RADIO_TEXT_CELL_HEIGHT 10 /* glyph + 2 rows between lines */

/* The 8 rows of character c's glyph, top first; bit 4 of a row is its
 * leftmost pixel.  Characters outside 32..126 give '?'. */
const guint8 *gst_radio_text_glyph (gunichar c);

/* TRUE for the packed RGB-family formats and for YUV formats whose first
 * plane is 8-bit luma, one byte per pixel (NV12, I420, ...). */
gboolean gst_radio_text_format_supported (GstVideoFormat format);

/* A scale that keeps text readable: one glyph pixel per 240 frame rows
 * (1 up to 479 rows, 2 at 480p, 3 at 720p, 4 at 1080p). */
guint gst_radio_text_scale_for_height (guint frame_height);

/* Width and height in pixels of the box that gst_radio_text_draw draws
 * for the NULL-terminated lines at scale (margin included).  0 x 0 for no
 * lines. */
void gst_radio_text_measure (
    const gchar *const *lines, guint scale, guint *width, guint *height);

/* Draws lines (NULL-terminated, UTF-8) in a dark box whose top-left corner
 * is (x, y), with box_alpha the box's opacity.  Whatever falls outside the
 * frame is cut off.  Sets *area (may be NULL) to the part of the frame that
 * was touched, {0, 0, 0, 0} when nothing was.  Returns FALSE (frame
 * untouched) for an unsupported format. */
gboolean gst_radio_text_draw (GstVideoFrame *frame, guint x, guint y,
    const gchar *const *lines, guint scale, gdouble box_alpha,
    GstVideoRectangle *area);

G_END_DECLS
#endif /* __GST_RADIO_TEXT_H__ */
