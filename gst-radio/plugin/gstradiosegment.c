/* gstradiosegment.c: the `radiosegment` element (work in progress). */
#include "gstradiosegment.h"

struct _GstRadioSegment {
  GstVideoFilter parent;
};

G_DEFINE_TYPE (GstRadioSegment, gst_radiosegment, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (
    radiosegment, "radiosegment", GST_RANK_NONE, GST_TYPE_RADIOSEGMENT);

static void
gst_radiosegment_class_init (GstRadioSegmentClass *klass)
{
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass), "radiosegment",
      "Filter/Video", "work in progress", "gst-radio");
}

static void
gst_radiosegment_init (GstRadioSegment *self)
{
}
