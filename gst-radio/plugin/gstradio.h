/* gstradio.h: the `radio` element, a video filter that runs a RADIO model
 * on each frame and attaches its features as GstRadioMeta. */
#ifndef __GST_RADIO_H__
#define __GST_RADIO_H__

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_RADIO (gst_radio_get_type ())
G_DECLARE_FINAL_TYPE (GstRadio, gst_radio, GST, RADIO, GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE (radio);

G_END_DECLS
#endif /* __GST_RADIO_H__ */
