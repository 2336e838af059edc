/* gstradioclassify.h: the `radioclassify` element, which classifies each
 * frame from the summary vector of its GstRadioMeta with a linear head
 * (weights + labels files) and attaches the result as a
 * GstRadioClassificationMeta. */
#ifndef __GST_RADIOCLASSIFY_H__
#define __GST_RADIOCLASSIFY_H__

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_RADIOCLASSIFY (gst_radioclassify_get_type ())
G_DECLARE_FINAL_TYPE (
    GstRadioClassify, gst_radioclassify, GST, RADIOCLASSIFY, GstVideoFilter)

/* The `scoring` property's GEnum; its values are RadioHeadScoring's. */
GType gst_radio_classify_scoring_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (radioclassify);

G_END_DECLS
#endif /* __GST_RADIOCLASSIFY_H__ */
