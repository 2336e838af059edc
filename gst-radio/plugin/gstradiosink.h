/* gstradiosink.h: the `radiosink` element, which writes the RADIO features
 * (GstRadioMeta) of each frame to safetensors or JSON Lines files. */
#ifndef __GST_RADIOSINK_H__
#define __GST_RADIOSINK_H__

#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

#define GST_TYPE_RADIOSINK (gst_radiosink_get_type ())
G_DECLARE_FINAL_TYPE (GstRadioSink, gst_radiosink, GST, RADIOSINK, GstBaseSink)

GST_ELEMENT_REGISTER_DECLARE (radiosink);

G_END_DECLS
#endif /* __GST_RADIOSINK_H__ */
