/* radiometa-private.h: helpers shared by the metas of libgstradiometa. */
#ifndef __GST_RADIO_META_PRIVATE_H__
#define __GST_RADIO_META_PRIVATE_H__

#include <gst/video/video.h>

#include "gst/radio/radiometa.h"

G_BEGIN_DECLS

/* Rewrites a frame->grid mapping for a scaled frame (a videoscale
 * transform).  FALSE when the sizes are unusable. */
G_GNUC_INTERNAL gboolean gst_radio_geometry_scale (
    GstRadioGeometry *geometry, const GstVideoMetaTransform *trans);

/* Frame pixel (x, y) in the geometry's grid cells (either out pointer may
 * be NULL); TRUE when the point lies on the grid. */
G_GNUC_INTERNAL gboolean gst_radio_geometry_to_grid (
    const GstRadioGeometry *geometry, gdouble x, gdouble y, gdouble *grid_x,
    gdouble *grid_y);

G_END_DECLS
#endif /* __GST_RADIO_META_PRIVATE_H__ */
