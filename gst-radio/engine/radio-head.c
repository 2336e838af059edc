/* radio-head.c: loading, scoring and writing linear heads over RADIO
 * features (see radio-head.h for the file formats). */
#include "radio-head.h"

#include <math.h>
#include <string.h>

#include "radio-error.h"
#include "radio-safetensors.h"

/* A fixed palette of well separated colours, then a golden-angle walk
 * round the hue circle for anything beyond it. */
void
radio_head_default_color (guint i, guint8 rgb[3])
{
  static const guint8 palette[][3] = { { 230, 25, 75 }, { 60, 180, 75 },
    { 255, 225, 25 }, { 0, 130, 200 }, { 245, 130, 48 }, { 145, 30, 180 },
    { 70, 240, 240 }, { 240, 50, 230 }, { 210, 245, 60 }, { 250, 190, 212 },
    { 0, 128, 128 }, { 220, 190, 255 }, { 170, 110, 40 }, { 255, 250, 200 },
    { 128, 0, 0 }, { 170, 255, 195 }, { 128, 128, 0 }, { 255, 215, 180 },
    { 0, 0, 128 }, { 128, 128, 128 } };
  gdouble h, f;
  guint sector, c;
  gdouble v[3];

  if (i < G_N_ELEMENTS (palette)) {
    memcpy (rgb, palette[i], 3);
    return;
  }
  h = fmod (i * 137.508, 360.0) / 60.0;
  sector = (guint)h;
  f = h - sector;
  /* saturation 0.7, value 0.9 */
  {
    gdouble p = 0.9 * 0.3, q = 0.9 * (1.0 - 0.7 * f),
            t = 0.9 * (1.0 - 0.7 * (1.0 - f));
    switch (sector % 6) {
      case 0:
        v[0] = 0.9;
        v[1] = t;
        v[2] = p;
        break;
      case 1:
        v[0] = q;
        v[1] = 0.9;
        v[2] = p;
        break;
      case 2:
        v[0] = p;
        v[1] = 0.9;
        v[2] = t;
        break;
      case 3:
        v[0] = p;
        v[1] = q;
        v[2] = 0.9;
        break;
      case 4:
        v[0] = t;
        v[1] = p;
        v[2] = 0.9;
        break;
      default:
        v[0] = 0.9;
        v[1] = p;
        v[2] = q;
        break;
    }
  }
  for (c = 0; c < 3; c++)
    rgb[c] = (guint8)(v[c] * 255.0 + 0.5);
}

void
radio_head_free (RadioHead *head)
{
  if (!head)
    return;
  g_free (head->weight);
  g_free (head->bias);
  g_free (head->inv_norm);
  g_strfreev (head->labels);
  g_free (head->colors);
  g_free (head->source);
  g_free (head->model_id);
  g_free (head->scoring);
  g_free (head);
}

static gboolean
is_float_dtype (RadioDType dtype)
{
  return dtype == RADIO_DTYPE_F32 || dtype == RADIO_DTYPE_F16
         || dtype == RADIO_DTYPE_BF16;
}

/* "#RRGGBB" at the end of line (after a space): parsed and cut off. */
static gboolean
take_color (gchar *line, guint8 rgb[3])
{
  gsize n = strlen (line);
  gchar *hash;
  guint c;

  if (n < 8)
    return FALSE;
  hash = line + n - 7;
  if (hash[0] != '#' || !g_ascii_isspace (hash[-1]))
    return FALSE;
  for (c = 1; c < 7; c++)
    if (!g_ascii_isxdigit (hash[c]))
      return FALSE;
  for (c = 0; c < 3; c++)
    rgb[c] = (guint8)(g_ascii_xdigit_value (hash[1 + 2 * c]) * 16
                      + g_ascii_xdigit_value (hash[2 + 2 * c]));
  *hash = '\0';
  g_strchomp (line);
  return TRUE;
}

gboolean
radio_head_read_labels (const char *path, guint expected, gchar ***labels,
    guint8 **colors, guint *n_labels, GError **error)
{
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_auto (GStrv) names = NULL;
  g_autofree guint8 *rgb = NULL;
  gsize len, n;
  guint i;

  g_return_val_if_fail (path && labels && colors && n_labels, FALSE);
  if (!g_file_get_contents (path, &text, &len, NULL)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_IO,
        "cannot read the labels file %s", path);
    return FALSE;
  }
  if (!g_utf8_validate (text, len, NULL) || memchr (text, '\0', len)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "labels file %s: not UTF-8 text", path);
    return FALSE;
  }
  lines = g_strsplit (text, "\n", -1);
  n = g_strv_length (lines);
  while (n > 0 && g_strstrip (lines[n - 1])[0] == '\0')
    n--;
  if (expected && n != expected) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_SHAPE,
        "labels file %s has %" G_GSIZE_FORMAT " labels but the weights have "
        "%u classes",
        path, n, expected);
    return FALSE;
  }
  names = g_new0 (gchar *, n + 1);
  rgb = g_new (guint8, n * 3);
  for (i = 0; i < n; i++) {
    gchar *line = g_strstrip (lines[i]);
    if (!take_color (line, rgb + i * 3))
      radio_head_default_color (i, rgb + i * 3);
    if (line[0] == '\0') {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
          "labels file %s: line %u has no class name", path, i + 1);
      return FALSE;
    }
    names[i] = g_strdup (line);
  }
  *labels = g_steal_pointer (&names);
  *colors = g_steal_pointer (&rgb);
  *n_labels = (guint)n;
  return TRUE;
}

RadioHead *
radio_head_load (
    const char *weights_path, const char *labels_path, GError **error)
{
  g_autoptr (RadioSafetensors) st = NULL;
  g_autoptr (RadioHead) head = NULL;
  const RadioTensorInfo *w, *b;
  const char *meta;
  guint k, n_labels;

  g_return_val_if_fail (weights_path && labels_path, NULL);
  st = radio_safetensors_open (weights_path, error);
  if (!st)
    return NULL;
  w = radio_safetensors_lookup (st, "weight");
  if (!w) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_MISSING_TENSOR,
        "%s has no tensor named 'weight' [classes, channels]", weights_path);
    return NULL;
  }
  if (w->n_dims != 2 || w->shape[0] < 1 || w->shape[1] < 1
      || w->shape[0] > 1000000 || w->shape[1] > 1000000
      || !is_float_dtype (w->dtype)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_SHAPE,
        "%s: 'weight' must be a float tensor [classes, channels], not %s of "
        "%u dimensions",
        weights_path, radio_dtype_name (w->dtype), w->n_dims);
    return NULL;
  }
  head = g_new0 (RadioHead, 1);
  head->n_classes = (guint)w->shape[0];
  head->dim = (guint)w->shape[1];
  b = radio_safetensors_lookup (st, "bias");
  if (b
      && (b->n_dims != 1 || b->shape[0] != w->shape[0]
          || !is_float_dtype (b->dtype))) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_SHAPE,
        "%s: 'bias' must be a float tensor [%u] to match 'weight'",
        weights_path, head->n_classes);
    return NULL;
  }
  head->weight = g_new (gfloat, (gsize)head->n_classes * head->dim);
  radio_cpu_convert_to_f32 (
      head->weight, (RadioTensorView){ w->data, w->dtype }, w->n_elements);
  head->bias = g_new0 (gfloat, head->n_classes);
  if (b)
    radio_cpu_convert_to_f32 (
        head->bias, (RadioTensorView){ b->data, b->dtype }, b->n_elements);
  /* A NaN or infinite bias would make every score NaN on every frame. */
  for (k = 0; k < head->n_classes; k++)
    if (!isfinite (head->bias[k])) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
          "%s: class %u's bias is not finite", weights_path, k);
      return NULL;
    }
  head->inv_norm = g_new (gfloat, head->n_classes);
  for (k = 0; k < head->n_classes; k++) {
    const gfloat *row = head->weight + (gsize)k * head->dim;
    gdouble s = 0.0;
    guint c;
    for (c = 0; c < head->dim; c++)
      s += (gdouble)row[c] * row[c];
    if (!isfinite (s)) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
          "%s: class %u's weights are not finite", weights_path, k);
      return NULL;
    }
    head->inv_norm[k] = s > 0.0 ? (gfloat)(1.0 / sqrt (s)) : 0.0f;
  }
  if ((meta = radio_safetensors_get_metadata (st, "source")))
    head->source = g_strdup (meta);
  if ((meta = radio_safetensors_get_metadata (st, "model_id")))
    head->model_id = g_strdup (meta);
  if ((meta = radio_safetensors_get_metadata (st, "scoring")))
    head->scoring = g_strdup (meta);
  if (!radio_head_read_labels (labels_path, head->n_classes, &head->labels,
          &head->colors, &n_labels, error))
    return NULL;
  return g_steal_pointer (&head);
}

void
radio_head_logits (const RadioHead *head, RadioHeadScoring scoring,
    const gfloat *x, gfloat *logits)
{
  gdouble inv_x = 1.0;
  guint k, c;

  if (scoring == RADIO_HEAD_SCORING_COSINE) {
    gdouble s = 0.0;
    for (c = 0; c < head->dim; c++)
      s += (gdouble)x[c] * x[c];
    inv_x = s > 0.0 ? 1.0 / sqrt (s) : 0.0;
  }
  for (k = 0; k < head->n_classes; k++) {
    const gfloat *w = head->weight + (gsize)k * head->dim;
    gdouble dot = 0.0;
    for (c = 0; c < head->dim; c++)
      dot += (gdouble)w[c] * x[c];
    if (scoring == RADIO_HEAD_SCORING_COSINE)
      dot *= inv_x * head->inv_norm[k];
    logits[k] = (gfloat)(dot + head->bias[k]);
  }
}

void
radio_head_softmax (gfloat *v, guint n, gdouble temperature)
{
  gdouble max = -G_MAXDOUBLE, sum = 0.0;
  guint i;

  g_return_if_fail (temperature > 0.0);
  /* The maximum is taken out before dividing: v / temperature overflows
   * to +-inf for tiny temperatures, and inf - inf is NaN.  This way every
   * exponent is <= 0 and the largest is exp (0) = 1, so sum >= 1. */
  for (i = 0; i < n; i++)
    max = MAX (max, v[i]);
  for (i = 0; i < n; i++) {
    gdouble e = exp ((v[i] - max) / temperature);
    v[i] = (gfloat)e;
    sum += e;
  }
  for (i = 0; i < n; i++)
    v[i] = (gfloat)(v[i] / sum);
}

guint
radio_head_top_k (const gfloat *v, guint n, guint k, guint *ids)
{
  guint found = 0, i, j;

  k = MIN (k, n);
  if (k == 0)
    return 0;
  /* insertion into a sorted prefix: k is small (a handful of labels) */
  for (i = 0; i < n; i++) {
    if (found == k && !(v[i] > v[ids[found - 1]]))
      continue;
    j = found < k ? found++ : k - 1;
    while (j > 0 && v[i] > v[ids[j - 1]]) {
      ids[j] = ids[j - 1];
      j--;
    }
    ids[j] = i;
  }
  return found;
}

/* TRUE when radio_head_read_labels reads label back unchanged (but for
 * a colour suffix, see ends_in_color): one non-empty line of UTF-8 that
 * stripping leaves alone. */
static gboolean
label_reads_back (const gchar *label)
{
  gsize n = label ? strlen (label) : 0;

  return n > 0 && g_utf8_validate (label, n, NULL) && !strpbrk (label, "\r\n")
         && !g_ascii_isspace (label[0]) && !g_ascii_isspace (label[n - 1]);
}

/* TRUE when label ends in what a labels file reads as a colour. */
static gboolean
ends_in_color (const gchar *label)
{
  g_autofree gchar *copy = g_strdup (label);
  guint8 rgb[3];

  return take_color (copy, rgb);
}

gboolean
radio_head_save (const char *weights_path, const char *labels_path,
    guint n_classes, guint dim, const gfloat *weight, const gfloat *bias,
    const gchar *const *labels, const guint8 *colors,
    const gchar *const *metadata, GError **error)
{
  g_autoptr (RadioSafetensorsWriter) writer = radio_safetensors_writer_new ();
  g_autoptr (GString) text = g_string_new (NULL);
  gint64 shape[2] = { n_classes, dim };
  guint i;

  g_return_val_if_fail (n_classes > 0 && dim > 0 && weight && labels, FALSE);
  radio_safetensors_writer_add (
      writer, "weight", RADIO_DTYPE_F32, 2, shape, weight);
  if (bias)
    radio_safetensors_writer_add (
        writer, "bias", RADIO_DTYPE_F32, 1, shape, bias);
  for (i = 0; metadata && metadata[i] && metadata[i + 1]; i += 2)
    radio_safetensors_writer_set_metadata (
        writer, metadata[i], metadata[i + 1]);
  for (i = 0; i < n_classes; i++) {
    guint8 rgb[3];

    if (!label_reads_back (labels[i])) {
      g_autofree gchar *shown
          = labels[i] ? g_utf8_make_valid (labels[i], -1) : NULL;
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
          "class %u's label '%s' is not one line of UTF-8 text without "
          "leading or trailing spaces, as a labels file needs",
          i, shown ? shown : "");
      return FALSE;
    }
    g_string_append (text, labels[i]);
    if (colors)
      memcpy (rgb, colors + i * 3, 3);
    else
      radio_head_default_color (i, rgb);
    /* Without colours, a label that ends in " #RRGGBB" itself would lose
     * that end to the reader: its palette colour is written to keep it. */
    if (colors || ends_in_color (labels[i]))
      g_string_append_printf (text, " #%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
    g_string_append_c (text, '\n');
  }
  if (!radio_safetensors_writer_save (writer, weights_path, error))
    return FALSE;
  if (!g_file_set_contents (labels_path, text->str, text->len, NULL)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_IO,
        "cannot write the labels file %s", labels_path);
    return FALSE;
  }
  return TRUE;
}
