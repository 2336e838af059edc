/* gstradiosinkformat.c: the metadata fields and the JSON Lines text of
 * one frame for radiosink (see gstradiosinkformat.h). */
#include "gstradiosinkformat.h"

#include <math.h>
#include <string.h>

static gchar *
time_text (GstClockTime t)
{
  return GST_CLOCK_TIME_IS_VALID (t) ? g_strdup_printf ("%" G_GUINT64_FORMAT, t)
                                     : NULL;
}

static gchar *
double_text (gdouble v)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  /* 17 digits: the exact double back, whatever the locale. */
  return g_strdup (g_ascii_formatd (buf, sizeof (buf), "%.17g", v));
}

/* The frame's number, time stamps, model and geometry. */
void
gst_radio_sink_describe_frame (GstBuffer *buf, const GstRadioMeta *meta,
    guint64 number, SinkField f[N_FRAME_FIELDS])
{
  const GstRadioGeometry *g = &meta->geometry;
  guint n = 0;

  /* Bounded, so a field added without raising N_FRAME_FIELDS is caught by
   * the warning below, not written past the array. */
#define FIELD(k, v, t)                                                         \
  if (n < N_FRAME_FIELDS)                                                      \
  f[n++] = (SinkField){ k, v, t }
#define UINT_FIELD(k, v) FIELD (k, g_strdup_printf ("%u", (guint)(v)), FALSE)
  FIELD ("frame", g_strdup_printf ("%" G_GUINT64_FORMAT, number), FALSE);
  FIELD ("pts", time_text (GST_BUFFER_PTS (buf)), FALSE);
  FIELD ("dts", time_text (GST_BUFFER_DTS (buf)), FALSE);
  FIELD ("duration", time_text (GST_BUFFER_DURATION (buf)), FALSE);
  FIELD ("model_version", g_strdup (meta->model_version), TRUE);
  FIELD ("model_id", g_strdup (meta->model_id), TRUE);
  UINT_FIELD ("n_summary_tokens", meta->n_summary_tokens);
  UINT_FIELD ("embed_dim", meta->embed_dim);
  UINT_FIELD ("patch_size", g->patch_size);
  UINT_FIELD ("input_width", g->input_width);
  UINT_FIELD ("input_height", g->input_height);
  UINT_FIELD ("grid_width", g->grid_width);
  UINT_FIELD ("grid_height", g->grid_height);
  UINT_FIELD ("frame_width", g->frame_width);
  UINT_FIELD ("frame_height", g->frame_height);
  FIELD ("scale_x", double_text (g->scale_x), FALSE);
  FIELD ("scale_y", double_text (g->scale_y), FALSE);
  FIELD ("offset_x", double_text (g->offset_x), FALSE);
  FIELD ("offset_y", double_text (g->offset_y), FALSE);
#undef UINT_FIELD
#undef FIELD
  g_warn_if_fail (n == N_FRAME_FIELDS);
}

void
gst_radio_sink_clear_fields (SinkField f[N_FRAME_FIELDS])
{
  guint i;

  for (i = 0; i < N_FRAME_FIELDS; i++)
    g_free (f[i].value);
}

gsize
gst_radio_sink_tensor_n_elements (const SinkTensor *t)
{
  gsize n = 1;
  guint i;

  for (i = 0; i < t->n_dims; i++)
    n *= (gsize)t->shape[i];
  return n;
}

static void
append_json_string (GString *s, const gchar *text)
{
  if (!text) {
    g_string_append (s, "null");
    return;
  }
  g_string_append_c (s, '"');
  for (; *text; text++) {
    guchar c = *text;
    if (c == '"' || c == '\\')
      g_string_append_c (s, '\\');
    if (c < 0x20)
      g_string_append_printf (s, "\\u%04x", c);
    else
      g_string_append_c (s, c);
  }
  g_string_append_c (s, '"');
}

/* Nested arrays of the tensor's shape.  9 significant digits read back as
 * the same float32; NaN and infinity, which JSON lacks, become null. */
static const gfloat *
append_json_array (
    GString *s, const gfloat *data, const gint64 *shape, guint n_dims)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
  gint64 i;

  g_string_append_c (s, '[');
  for (i = 0; i < shape[0]; i++) {
    if (i)
      g_string_append_c (s, ',');
    if (n_dims > 1) {
      data = append_json_array (s, data, shape + 1, n_dims - 1);
    } else {
      gfloat v = *data++;
      if (!isfinite (v))
        g_string_append (s, "null");
      else if (v == 0.0f && signbit (v))
        g_string_append (s, "-0.0"); /* "-0" reads back as the integer 0 */
      else
        g_string_append (s, g_ascii_formatd (buf, sizeof (buf), "%.9g", v));
    }
  }
  g_string_append_c (s, ']');
  return data;
}

/* {"frame":..,...,"summary":[..],"spatial":[..],
 *  "adaptors":{"NAME":{"summary":[..],"spatial":[..]}}} */
GString *
gst_radio_sink_frame_json (GPtrArray *tensors, SinkField fields[N_FRAME_FIELDS])
{
  GString *s = g_string_new ("{");
  const gchar *open_adaptor = NULL;
  guint i;

  for (i = 0; i < N_FRAME_FIELDS; i++) {
    g_string_append_printf (s, "%s\"%s\":", i ? "," : "", fields[i].key);
    if (fields[i].text)
      append_json_string (s, fields[i].value);
    /* a NaN or infinite geometry prints as "nan" or "inf", not JSON */
    else if (fields[i].value
             && isfinite (g_ascii_strtod (fields[i].value, NULL)))
      g_string_append (s, fields[i].value);
    else
      g_string_append (s, "null");
  }
  for (i = 0; i < tensors->len; i++) {
    const SinkTensor *t = tensors->pdata[i];
    if (t->adaptor)
      break;
    g_string_append_printf (s, ",\"%s\":", t->name);
    append_json_array (s, t->data, t->shape, t->n_dims);
  }
  g_string_append (s, ",\"adaptors\":{");
  for (; i < tensors->len; i++) {
    const SinkTensor *t = tensors->pdata[i];
    if (t->adaptor != open_adaptor) {
      if (open_adaptor)
        g_string_append (s, "},");
      append_json_string (s, t->adaptor);
      g_string_append (s, ":{");
      open_adaptor = t->adaptor;
    } else {
      g_string_append_c (s, ',');
    }
    g_string_append (s, t->spatial ? "\"spatial\":" : "\"summary\":");
    append_json_array (s, t->data, t->shape, t->n_dims);
  }
  g_string_append (s, open_adaptor ? "}}}\n" : "}}\n");
  return s;
}
