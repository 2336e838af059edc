/* gstradiosinkformat.h: what radiosink writes for one frame, apart from
 * the element: its tensors (named as radio-embed names them), its
 * metadata fields and its JSON Lines text. */
#ifndef __GST_RADIO_SINK_FORMAT_H__
#define __GST_RADIO_SINK_FORMAT_H__

#include <gst/radio/radiometa.h>

G_BEGIN_DECLS

/* One tensor of a frame, named as radio-embed names it. */
typedef struct {
  gchar *name;
  const gchar *adaptor; /* NULL for the backbone */
  gboolean spatial;
  const gfloat *data;
  guint n_dims;
  gint64 shape[3];
} SinkTensor;

/* One metadata entry: value NULL for an unset time stamp or string. */
typedef struct {
  const gchar *key;
  gchar *value;
  gboolean text; /* a JSON string, not a number */
} SinkField;

#define N_FRAME_FIELDS 19

/* Fills f with the frame's number, time stamps, model and geometry
 * (values owned by f: free with gst_radio_sink_clear_fields). */
void gst_radio_sink_describe_frame (GstBuffer *buf, const GstRadioMeta *meta,
    guint64 number, SinkField f[N_FRAME_FIELDS]);
void gst_radio_sink_clear_fields (SinkField f[N_FRAME_FIELDS]);

/* Product of the tensor's shape. */
gsize gst_radio_sink_tensor_n_elements (const SinkTensor *t);

/* One JSON Lines record, newline included:
 * {"frame":..,...,"summary":[..],"spatial":[..],
 *  "adaptors":{"NAME":{"summary":[..],"spatial":[..]}}}
 * tensors (SinkTensor) in radio-embed's order: backbone first. */
GString *gst_radio_sink_frame_json (
    GPtrArray *tensors, SinkField fields[N_FRAME_FIELDS]);

G_END_DECLS
#endif /* __GST_RADIO_SINK_FORMAT_H__ */
