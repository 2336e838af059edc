/* gstradiovishold.c: radiovis's picture of one frame's features (cell
 * colours and their geometry), painted on that frame and, with hold, on
 * the next frames without features. */
#include "gstradiovishold.h"

/* mem with room for need bytes (its old contents are dropped). */
static gpointer
grow (gpointer mem, gsize *size, gsize need)
{
  if (*size < need) {
    g_free (mem);
    mem = g_malloc (need);
    *size = need;
  }
  return mem;
}

guint8 *
gst_radiovis_hold_new_cells (GstRadioVisHold *hold, guint width, guint height,
    GstVideoFormat format, const GstRadioGeometry *geometry)
{
  hold->valid = TRUE;
  hold->width = width;
  hold->height = height;
  hold->format = format;
  hold->geometry = *geometry;
  hold->rgb_smooth = -1;
  hold->cells = grow (hold->cells, &hold->cells_size,
      (gsize)geometry->grid_width * geometry->grid_height * 3);
  return hold->cells;
}

gboolean
gst_radiovis_hold_fits (const GstRadioVisHold *hold, guint width, guint height)
{
  return hold->valid && hold->width == width && hold->height == height;
}

void
gst_radiovis_hold_paint (GstRadioVisHold *hold, GstVideoFrame *frame, guint x,
    gdouble alpha, gboolean smooth)
{
  g_return_if_fail (hold->valid);
  if (hold->rgb_smooth != (smooth ? 1 : 0)) {
    hold->rgb = grow (
        hold->rgb, &hold->rgb_size, (gsize)hold->width * hold->height * 3);
    gst_radio_grid_sampler_setup (
        &hold->sampler, hold->width, hold->height, &hold->geometry);
    gst_radio_grid_sampler_upsample_rgb (
        &hold->sampler, hold->cells, smooth, hold->rgb);
    hold->rgb_smooth = smooth ? 1 : 0;
  }
  gst_radio_paint_blend (
      frame, x, 0, hold->width, hold->height, hold->rgb, alpha);
}

void
gst_radiovis_hold_clear (GstRadioVisHold *hold)
{
  gst_radio_grid_sampler_clear (&hold->sampler);
  g_clear_pointer (&hold->cells, g_free);
  g_clear_pointer (&hold->rgb, g_free);
  hold->cells_size = hold->rgb_size = 0;
  hold->valid = FALSE;
}
