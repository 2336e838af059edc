/* gstradiosegment.h: the `radiosegment` element, which classifies every
 * cell of the RADIO spatial features with a linear head and draws the
 * class mask over the video. */
#ifndef __GST_RADIOSEGMENT_H__
#define __GST_RADIOSEGMENT_H__

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_RADIOSEGMENT (gst_radiosegment_get_type ())
G_DECLARE_FINAL_TYPE (
    GstRadioSegment, gst_radiosegment, GST, RADIOSEGMENT, GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE (radiosegment);

G_END_DECLS
#endif /* __GST_RADIOSEGMENT_H__ */
