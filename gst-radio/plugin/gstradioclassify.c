/* gstradioclassify.c: the `radioclassify` element (work in progress). */
#include "gstradioclassify.h"

struct _GstRadioClassify {
  GstVideoFilter parent;
};

G_DEFINE_TYPE (GstRadioClassify, gst_radioclassify, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (
    radioclassify, "radioclassify", GST_RANK_NONE, GST_TYPE_RADIOCLASSIFY);

static void
gst_radioclassify_class_init (GstRadioClassifyClass *klass)
{
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass), "radioclassify",
      "Filter/Video", "work in progress", "gst-radio");
}

static void
gst_radioclassify_init (GstRadioClassify *self)
{
}
