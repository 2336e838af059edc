/* gstradioframe.h: from GStreamer video frames to the engine's view of
 * them: the model input size and placement for a resize policy, and a
 * RadioFrame (planes, strides, colour matrix) for a mapped GstVideoFrame. */
#ifndef __GST_RADIO_FRAME_H__
#define __GST_RADIO_FRAME_H__

#include <gst/radio/radiometa.h>
#include <gst/video/video.h>

#include "radio-checkpoint.h"
#include "radio-frame.h"

G_BEGIN_DECLS

typedef enum {
  GST_RADIO_RESIZE_NEAREST,   /* nearest supported size of the frame */
  GST_RADIO_RESIZE_FIXED,     /* width x height */
  GST_RADIO_RESIZE_PREFERRED, /* the checkpoint's preferred resolution */
  GST_RADIO_RESIZE_LETTERBOX, /* keep aspect ratio, pad to width x height */
} GstRadioResize;

typedef struct {
  guint input_width, input_height; /* model input, multiples of the patch */
  RadioPlacement placement;        /* where the frame goes in it */
  GstRadioGeometry geometry;       /* frame pixels -> grid cells */
} GstRadioPlan;

/* Plans the model input for a frame_width x frame_height frame.  width and
 * height are the element's properties (0: the preferred resolution) for
 * the fixed and letterbox policies.  Fails with a message for frames
 * smaller than one patch and sizes that are not patch multiples. */
gboolean gst_radio_plan_input (const RadioCheckpoint *ckpt,
    GstRadioResize resize, guint width, guint height, guint frame_width,
    guint frame_height, GstRadioPlan *plan, GError **error);

/* The engine pixel format of a GStreamer one, or RADIO_PIXEL_COUNT. */
RadioPixelFormat gst_radio_pixel_format (GstVideoFormat format);

/* Describes a mapped frame; YUV frames get the colour matrix and range of
 * their GstVideoInfo colorimetry (BT.601 when the matrix is unknown).
 * The frame must stay mapped while the RadioFrame is used. */
void gst_radio_frame_from_video_frame (
    RadioFrame *out, const GstVideoFrame *frame);

G_END_DECLS
#endif /* __GST_RADIO_FRAME_H__ */
