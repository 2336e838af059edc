/* gstradiosink.c: the `radiosink` element (work in progress). */
#include "gstradiosink.h"

struct _GstRadioSink {
  GstBaseSink parent;
};

G_DEFINE_TYPE (GstRadioSink, gst_radiosink, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE (
    radiosink, "radiosink", GST_RANK_NONE, GST_TYPE_RADIOSINK);

static void
gst_radiosink_class_init (GstRadioSinkClass *klass)
{
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass), "radiosink",
      "Filter/Video", "work in progress", "gst-radio");
}

static void
gst_radiosink_init (GstRadioSink *self)
{
}
