/* element-util.h: helpers shared by the element tests (test-radio and
 * the tests of the elements downstream of `radio`: radiovis,
 * radioclassify, radiosegment, radiosink).
 *
 * Frames carrying hand-built GstRadioMeta: hand-built features have a
 * known correct output, which the built-in model's random features do
 * not.  Then launch lines run to their end, harnesses whose messages can
 * be read back, temporary folders and pixel comparisons. */
#ifndef RADIO_ELEMENT_UTIL_H
#define RADIO_ELEMENT_UTIL_H

#include <gst/check/gstharness.h>
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

/* ---- pipelines ---------------------------------------------------------- */

/* Waits for the end of a playing pipeline: end-of-stream or its first
 * error, 300 s at most (generous: the built-in model under valgrind is
 * slow; asserts that one comes).  Returns the error's text (printed with
 * --verbose), or NULL at end-of-stream.  The pipeline keeps its state. */
gchar *radio_test_wait_for_end (GstElement *pipeline);

/* Runs launch (which must parse) from PLAYING to its end, then back to
 * NULL.  Returns the text of the first error, or NULL at end-of-stream;
 * *first_change (may be NULL) gets the result of setting it to PLAYING. */
gchar *radio_test_run_pipeline (
    const gchar *launch, GstStateChangeReturn *first_change);

/* Runs launch, which must fail to start: the change to PLAYING fails and
 * the error's text contains expect.  Returns that text. */
gchar *radio_test_expect_start_failure (
    const gchar *launch, const gchar *expect);

/* ---- harnesses ---------------------------------------------------------- */

/* gst_harness_new_parse of the printf-formatted launch line. */
GstHarness *radio_test_harness_new (const gchar *launch_format, ...)
    G_GNUC_PRINTF (1, 2);

/* The same, with a bus on the harnessed bin, GST_ELEMENT_BUS (h->element),
 * so that element messages, warnings and errors can be read back (a bare
 * harness drops them).  Tear it down with radio_test_harness_teardown. */
GstHarness *radio_test_harness_new_with_bus (const gchar *launch_format, ...)
    G_GNUC_PRINTF (1, 2);

/* gst_harness_teardown, flushing the bin's bus first (if it has one):
 * queued messages hold references on the elements that posted them,
 * which would keep the harness alive. */
void radio_test_harness_teardown (GstHarness *h);

/* Pushes a frame with features f (setting the caps of f first); asserts
 * the push returns want.  Returns the output for GST_FLOW_OK, else NULL. */
GstBuffer *radio_test_harness_push_features (
    GstHarness *h, const RadioTestFeatures *f, GstFlowReturn want);

/* ---- bus messages ------------------------------------------------------- */

/* Pops every queued message of type (GST_MESSAGE_ERROR or
 * GST_MESSAGE_WARNING) from bus.  Returns the first one's text (or NULL)
 * and *count (may be NULL) how many there were; prints each with
 * --verbose. */
gchar *radio_test_pop_messages (GstBus *bus, GstMessageType type, guint *count);

/* The same, returning only the count; with expect non-NULL, asserts that
 * every message's text contains expect. */
guint radio_test_count_messages (
    GstBus *bus, GstMessageType type, const gchar *expect);

/* The next error message on bus (asserts there is one) as a GError. */
GError *radio_test_pop_error (GstBus *bus);

/* ---- files and pixels --------------------------------------------------- */

/* A new temporary folder named after tmpl ("name-XXXXXX"; asserts that
 * it is made).  Remove it with radio_test_remove_tree (test-util.h). */
gchar *radio_test_make_tmp_dir (const gchar *tmpl);

/* Maps buf read-only as a frame of format, width x height (asserts). */
void radio_test_map_frame (GstVideoFrame *frame, GstBuffer *buf,
    GstVideoFormat format, guint width, guint height);

/* Maps buf read-only as a frame of the caps on the harness's sink pad,
 * the caps the output was negotiated with; *info gets them. */
void radio_test_map_output (
    GstVideoFrame *frame, GstVideoInfo *info, GstHarness *h, GstBuffer *buf);

/* The bytes of buf are exactly data[0, size). */
void radio_test_assert_buffer_data (
    GstBuffer *buf, const guint8 *data, gsize size);

/* The bytes of a and b are the same. */
void radio_test_assert_same_bytes (GstBuffer *a, GstBuffer *b);

/* Every pixel of the rectangle [x0, x1) x [y0, y1) of a mapped RGB-family
 * frame is rgb (the first difference is reported with its place). */
void radio_test_assert_rect_rgb (const GstVideoFrame *frame, guint x0, guint y0,
    guint x1, guint y1, const guint8 rgb[3]);

G_END_DECLS
#endif /* RADIO_ELEMENT_UTIL_H */
