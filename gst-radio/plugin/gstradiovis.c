/* gstradiovis.c: the `radiovis` element (work in progress). */
#include "gstradiovis.h"

struct _GstRadioVis {
  GstVideoFilter parent;
};

G_DEFINE_TYPE (GstRadioVis, gst_radiovis, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (
    radiovis, "radiovis", GST_RANK_NONE, GST_TYPE_RADIOVIS);

static void
gst_radiovis_class_init (GstRadioVisClass *klass)
{
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass), "radiovis",
      "Filter/Video", "work in progress", "gst-radio");
}

static void
gst_radiovis_init (GstRadioVis *self)
{
}
