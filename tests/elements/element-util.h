/* element-util.h: frames carrying hand-built GstRadioMeta, for the tests of
 * the elements downstream of `radio` (radiovis, radioclassify,
 * radiosegment, radiosink).  Hand-built features have a known correct
 * output, which the built-in model's random features do not. */
#ifndef RADIO_ELEMENT_UTIL_H
#define RADIO_ELEMENT_UTIL_H

#include <gst/gst.h>
#include <gst/radio/radiometa.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

typedef struct {
  guint frame_width, frame_height;
  GstVideoFormat format; /* of the buffer's pixels */
  guint8 fill[3];        /* RGB every pixel starts with */
  guint grid_width, grid_height;
  guint embed_dim;
  const gfloat *summary; /* [n_summary_tokens * embed_dim], or NULL */
  guint n_summary_tokens;
  const gfloat *spatial; /* [grid_height][grid_width][embed_dim] or NULL */
  /* one optional adaptor */
  const gchar *adaptor_name;
  const gfloat *adaptor_summary;
  guint adaptor_summary_length;
  const gfloat *adaptor_spatial;
  guint adaptor_spatial_height, adaptor_spatial_width, adaptor_spatial_dim;
} RadioTestFeatures;

/* A frame of f->format filled with f->fill, carrying a GstRadioMeta whose
 * geometry maps the frame onto the grid with a plain stretch (scale =
 * grid / frame, offset 0, patch_size 16), like radio resize=nearest. */
GstBuffer *radio_test_features_buffer (const RadioTestFeatures *f);

/* "video/x-raw,format=...,width=...,height=...,framerate=30/1" */
gchar *radio_test_features_caps (const RadioTestFeatures *f);

/* Reads pixel (x, y) of a mapped RGB-family frame as R, G, B. */
void radio_test_frame_rgb (
    const GstVideoFrame *frame, guint x, guint y, guint8 rgb[3]);

G_END_DECLS
#endif /* RADIO_ELEMENT_UTIL_H */
