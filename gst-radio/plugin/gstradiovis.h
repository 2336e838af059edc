/* gstradiovis.h: the `radiovis` element, which paints the principal components
 * of the spatial features over the video. */
#ifndef __GST_RADIOVIS_H__
#define __GST_RADIOVIS_H__

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_RADIOVIS (gst_radiovis_get_type ())
G_DECLARE_FINAL_TYPE (GstRadioVis, gst_radiovis, GST, RADIOVIS, GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE (radiovis);

G_END_DECLS
#endif /* __GST_RADIOVIS_H__ */
