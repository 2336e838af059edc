/* radiometa.c: GstRadioMeta and its refcounted tensor storage,
 * GstRadioFeatures (see gst/radio/radiometa.h for layouts and rules). */
#include "gst/radio/radiometa.h"
#include "radiometa-private.h"

#include <gst/video/video.h>
#include <math.h>
#include <string.h>

struct _GstRadioFeatures {
  gint ref_count;
  gboolean sealed; /* attached to a meta: no more changes */
  gchar *model_version;
  gchar *model_id;
  guint n_summary_tokens, embed_dim;
  gfloat *summary; /* [n_summary_tokens * embed_dim] */
  gfloat *spatial; /* [grid_height, grid_width, embed_dim] */
  guint grid_height, grid_width;
  GArray *adaptors; /* GstRadioAdaptorFeatures, names and data owned */
};

G_DEFINE_BOXED_TYPE (GstRadioFeatures, gst_radio_features,
    gst_radio_features_ref, gst_radio_features_unref);

static void
adaptor_clear (gpointer data)
{
  GstRadioAdaptorFeatures *a = data;
  g_free ((gchar *)a->name);
  g_free ((gfloat *)a->summary);
  g_free ((gfloat *)a->spatial);
}

GstRadioFeatures *
gst_radio_features_new (const gchar *model_version, const gchar *model_id,
    guint n_summary_tokens, guint embed_dim)
{
  GstRadioFeatures *f;

  g_return_val_if_fail (embed_dim > 0, NULL);
  f = g_new0 (GstRadioFeatures, 1);
  f->ref_count = 1;
  f->model_version = g_strdup (model_version ? model_version : "");
  f->model_id = g_strdup (model_id ? model_id : "");
  f->n_summary_tokens = n_summary_tokens;
  f->embed_dim = embed_dim;
  f->adaptors = g_array_new (FALSE, TRUE, sizeof (GstRadioAdaptorFeatures));
  g_array_set_clear_func (f->adaptors, adaptor_clear);
  return f;
}

GstRadioFeatures *
gst_radio_features_ref (GstRadioFeatures *features)
{
  g_return_val_if_fail (features != NULL, NULL);
  g_atomic_int_inc (&features->ref_count);
  return features;
}

void
gst_radio_features_unref (GstRadioFeatures *features)
{
  g_return_if_fail (features != NULL);
  if (!g_atomic_int_dec_and_test (&features->ref_count))
    return;
  g_free (features->model_version);
  g_free (features->model_id);
  g_free (features->summary);
  g_free (features->spatial);
  g_array_unref (features->adaptors);
  g_free (features);
}

/* A copy of n floats, or NULL for no data or on overflow. */
static gfloat *
copy_floats (const gfloat *src, guint64 n)
{
  if (!src || n == 0 || n > G_MAXSIZE / sizeof (gfloat))
    return NULL;
  return g_memdup2 (src, (gsize)n * sizeof (gfloat));
}

gboolean
gst_radio_features_set_summary (
    GstRadioFeatures *features, const gfloat *summary)
{
  g_return_val_if_fail (features != NULL && summary != NULL, FALSE);
  g_return_val_if_fail (!features->sealed, FALSE);
  g_return_val_if_fail (features->n_summary_tokens > 0, FALSE);

  g_free (features->summary);
  features->summary = copy_floats (
      summary, (guint64)features->n_summary_tokens * features->embed_dim);
  return TRUE;
}

gboolean
gst_radio_features_set_spatial (GstRadioFeatures *features,
    const gfloat *spatial, guint grid_height, guint grid_width)
{
  g_return_val_if_fail (features != NULL && spatial != NULL, FALSE);
  g_return_val_if_fail (!features->sealed, FALSE);
  g_return_val_if_fail (grid_height > 0 && grid_width > 0, FALSE);

  g_free (features->spatial);
  features->spatial = copy_floats (
      spatial, (guint64)grid_height * grid_width * features->embed_dim);
  features->grid_height = grid_height;
  features->grid_width = grid_width;
  return TRUE;
}

gboolean
gst_radio_features_add_adaptor (GstRadioFeatures *features, const gchar *name,
    const gfloat *summary, guint summary_length, const gfloat *spatial,
    guint spatial_height, guint spatial_width, guint spatial_dim)
{
  GstRadioAdaptorFeatures a = { 0 };

  g_return_val_if_fail (features != NULL && name != NULL, FALSE);
  g_return_val_if_fail (!features->sealed, FALSE);

  a.name = g_strdup (name);
  a.summary = copy_floats (summary, summary_length);
  a.summary_length = a.summary ? summary_length : 0;
  a.spatial = copy_floats (
      spatial, (guint64)spatial_height * spatial_width * spatial_dim);
  if (a.spatial) {
    a.spatial_height = spatial_height;
    a.spatial_width = spatial_width;
    a.spatial_dim = spatial_dim;
  }
  g_array_append_val (features->adaptors, a);
  return TRUE;
}

/* Points the meta's public fields into its features block. */
static void
meta_set_features (GstRadioMeta *meta, GstRadioFeatures *f)
{
  meta->version = GST_RADIO_META_VERSION;
  meta->features = gst_radio_features_ref (f);
  meta->model_version = f->model_version;
  meta->model_id = f->model_id;
  meta->n_summary_tokens = f->summary ? f->n_summary_tokens : 0;
  meta->embed_dim = f->embed_dim;
  meta->summary = f->summary;
  meta->summary_length = f->summary ? f->n_summary_tokens * f->embed_dim : 0;
  meta->spatial = f->spatial;
  meta->n_adaptors = f->adaptors->len;
  meta->adaptors = (const GstRadioAdaptorFeatures *)f->adaptors->data;
}

static gboolean
radio_meta_init (GstMeta *meta, gpointer params, GstBuffer *buffer)
{
  GstRadioMeta *m = (GstRadioMeta *)meta;

  memset ((guint8 *)m + sizeof (GstMeta), 0,
      sizeof (GstRadioMeta) - sizeof (GstMeta));
  return TRUE;
}

static void
radio_meta_free (GstMeta *meta, GstBuffer *buffer)
{
  GstRadioMeta *m = (GstRadioMeta *)meta;

  if (m->features)
    gst_radio_features_unref (m->features);
  m->features = NULL;
}

gboolean
gst_radio_geometry_scale (
    GstRadioGeometry *geometry, const GstVideoMetaTransform *trans)
{
  guint in_w = GST_VIDEO_INFO_WIDTH (trans->in_info);
  guint in_h = GST_VIDEO_INFO_HEIGHT (trans->in_info);
  guint out_w = GST_VIDEO_INFO_WIDTH (trans->out_info);
  guint out_h = GST_VIDEO_INFO_HEIGHT (trans->out_info);

  if (in_w == 0 || in_h == 0 || out_w == 0 || out_h == 0)
    return FALSE;
  /* new pixel x' covers old pixel x = x' * in_w / out_w */
  geometry->scale_x *= (gdouble)in_w / out_w;
  geometry->scale_y *= (gdouble)in_h / out_h;
  geometry->frame_width = out_w;
  geometry->frame_height = out_h;
  return TRUE;
}

static gboolean
radio_meta_transform (GstBuffer *dest, GstMeta *meta, GstBuffer *buffer,
    GQuark type, gpointer data)
{
  GstRadioMeta *src = (GstRadioMeta *)meta;
  GstRadioGeometry geometry = src->geometry;

  if (GST_META_TRANSFORM_IS_COPY (type)) {
    GstMetaTransformCopy *copy = data;
    /* A byte range of a video frame is not a frame the mapping fits. */
    if (copy->region)
      return FALSE;
  } else if (GST_VIDEO_META_TRANSFORM_IS_SCALE (type)) {
    if (!gst_radio_geometry_scale (&geometry, data))
      return FALSE;
  } else {
    return FALSE;
  }
  return gst_buffer_add_radio_meta (dest, src->features, &geometry) != NULL;
}

GType
gst_radio_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { GST_META_TAG_VIDEO_STR,
    GST_META_TAG_VIDEO_SIZE_STR, GST_META_TAG_VIDEO_ORIENTATION_STR, NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstRadioMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

const GstMetaInfo *
gst_radio_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **)&info)) {
    const GstMetaInfo *mi = gst_meta_register (GST_RADIO_META_API_TYPE,
        "GstRadioMeta", sizeof (GstRadioMeta), radio_meta_init, radio_meta_free,
        radio_meta_transform);
    g_once_init_leave ((GstMetaInfo **)&info, (GstMetaInfo *)mi);
  }
  return info;
}

GstRadioMeta *
gst_buffer_get_radio_meta (GstBuffer *buffer)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  return (GstRadioMeta *)gst_buffer_get_meta (buffer, GST_RADIO_META_API_TYPE);
}

GstRadioMeta *
gst_buffer_add_radio_meta (GstBuffer *buffer, GstRadioFeatures *features,
    const GstRadioGeometry *geometry)
{
  GstRadioMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);
  g_return_val_if_fail (features != NULL && geometry != NULL, NULL);

  meta
      = (GstRadioMeta *)gst_buffer_add_meta (buffer, GST_RADIO_META_INFO, NULL);
  if (!meta)
    return NULL;
  features->sealed = TRUE;
  meta_set_features (meta, features);
  meta->geometry = *geometry;
  if (features->spatial) {
    meta->geometry.grid_width = features->grid_width;
    meta->geometry.grid_height = features->grid_height;
  }
  return meta;
}

const GstRadioAdaptorFeatures *
gst_radio_meta_get_adaptor (const GstRadioMeta *meta, const gchar *name)
{
  guint i;

  g_return_val_if_fail (meta != NULL && name != NULL, NULL);
  for (i = 0; i < meta->n_adaptors; i++)
    if (g_strcmp0 (meta->adaptors[i].name, name) == 0)
      return &meta->adaptors[i];
  return NULL;
}

gboolean
gst_radio_geometry_to_grid (const GstRadioGeometry *g, gdouble x, gdouble y,
    gdouble *grid_x, gdouble *grid_y)
{
  gdouble gx = x * g->scale_x + g->offset_x;
  gdouble gy = y * g->scale_y + g->offset_y;

  if (grid_x)
    *grid_x = gx;
  if (grid_y)
    *grid_y = gy;
  return gx >= 0.0 && gy >= 0.0 && gx < g->grid_width && gy < g->grid_height;
}

gboolean
gst_radio_meta_frame_to_grid (const GstRadioMeta *meta, gdouble x, gdouble y,
    gdouble *grid_x, gdouble *grid_y)
{
  g_return_val_if_fail (meta != NULL, FALSE);
  return gst_radio_geometry_to_grid (&meta->geometry, x, y, grid_x, grid_y);
}

const gfloat *
gst_radio_meta_get_patch (const GstRadioMeta *meta, guint col, guint row)
{
  g_return_val_if_fail (meta != NULL, NULL);
  if (!meta->spatial || col >= meta->geometry.grid_width
      || row >= meta->geometry.grid_height)
    return NULL;
  return meta->spatial
         + ((gsize)row * meta->geometry.grid_width + col) * meta->embed_dim;
}

static gboolean
source_is_backbone (const gchar *adaptor)
{
  return adaptor == NULL || adaptor[0] == '\0';
}

const gfloat *
gst_radio_meta_get_summary (
    const GstRadioMeta *meta, const gchar *adaptor, guint *length)
{
  const GstRadioAdaptorFeatures *a;
  const gfloat *summary = NULL;
  guint n = 0;

  g_return_val_if_fail (meta != NULL, NULL);
  if (source_is_backbone (adaptor)) {
    summary = meta->summary;
    n = summary ? meta->summary_length : 0;
  } else if ((a = gst_radio_meta_get_adaptor (meta, adaptor)) && a->summary) {
    summary = a->summary;
    n = a->summary_length;
  }
  if (length)
    *length = n;
  return summary;
}

const gfloat *
gst_radio_meta_get_spatial (const GstRadioMeta *meta, const gchar *adaptor,
    guint *height, guint *width, guint *dim)
{
  const GstRadioAdaptorFeatures *a;
  const gfloat *spatial = NULL;
  guint h = 0, w = 0, d = 0;

  g_return_val_if_fail (meta != NULL, NULL);
  if (source_is_backbone (adaptor)) {
    if (meta->spatial) {
      spatial = meta->spatial;
      h = meta->geometry.grid_height;
      w = meta->geometry.grid_width;
      d = meta->embed_dim;
    }
  } else if ((a = gst_radio_meta_get_adaptor (meta, adaptor)) && a->spatial) {
    spatial = a->spatial;
    h = a->spatial_height;
    w = a->spatial_width;
    d = a->spatial_dim;
  }
  if (height)
    *height = h;
  if (width)
    *width = w;
  if (dim)
    *dim = d;
  return spatial;
}

gboolean
gst_radio_meta_get_source_geometry (
    const GstRadioMeta *meta, const gchar *adaptor, GstRadioGeometry *geometry)
{
  guint h, w;
  gdouble fx, fy;

  g_return_val_if_fail (meta != NULL && geometry != NULL, FALSE);
  if (!gst_radio_meta_get_spatial (meta, adaptor, &h, &w, NULL)
      || meta->geometry.grid_width == 0 || meta->geometry.grid_height == 0)
    return FALSE;
  *geometry = meta->geometry;
  fx = (gdouble)w / geometry->grid_width;
  fy = (gdouble)h / geometry->grid_height;
  geometry->scale_x *= fx;
  geometry->offset_x *= fx;
  geometry->scale_y *= fy;
  geometry->offset_y *= fy;
  /* model input pixels per cell of this grid */
  geometry->patch_size
      = MAX (1u, geometry->patch_size * geometry->grid_width / w);
  geometry->grid_width = w;
  geometry->grid_height = h;
  return TRUE;
}

/* The part of [lo, hi) that overlaps cell [i, i + 1). */
static gdouble
cell_overlap (gdouble lo, gdouble hi, guint i)
{
  gdouble a = MAX (lo, (gdouble)i), b = MIN (hi, (gdouble)i + 1.0);

  return b > a ? b - a : 0.0;
}

guint
gst_radio_meta_pool_region (const GstRadioMeta *meta, const gchar *adaptor,
    gdouble x, gdouble y, gdouble width, gdouble height, gfloat *out,
    guint out_length)
{
  GstRadioGeometry g;
  const gfloat *spatial;
  guint h, w, d, row, col, k, row0, row1, col0, col1;
  gdouble x0, x1, y0, y1, total = 0.0;
  gdouble *acc;

  g_return_val_if_fail (meta != NULL, 0);
  spatial = gst_radio_meta_get_spatial (meta, adaptor, &h, &w, &d);
  if (!spatial || !out || out_length < d || !(width > 0.0) || !(height > 0.0)
      || !gst_radio_meta_get_source_geometry (meta, adaptor, &g))
    return 0;
  /* frame pixels -> cells of this source's grid */
  gst_radio_geometry_to_grid (&g, x, y, &x0, &y0);
  gst_radio_geometry_to_grid (&g, x + width, y + height, &x1, &y1);
  x0 = CLAMP (x0, 0.0, (gdouble)w);
  x1 = CLAMP (x1, 0.0, (gdouble)w);
  y0 = CLAMP (y0, 0.0, (gdouble)h);
  y1 = CLAMP (y1, 0.0, (gdouble)h);
  if (!(x1 > x0) || !(y1 > y0))
    return 0;
  col0 = (guint)x0;
  col1 = MIN ((guint)ceil (x1), w);
  row0 = (guint)y0;
  row1 = MIN ((guint)ceil (y1), h);

  acc = g_new0 (gdouble, d);
  for (row = row0; row < row1; row++) {
    gdouble wy = cell_overlap (y0, y1, row);
    for (col = col0; col < col1; col++) {
      gdouble weight = wy * cell_overlap (x0, x1, col);
      const gfloat *v = spatial + ((gsize)row * w + col) * d;
      if (weight <= 0.0)
        continue;
      for (k = 0; k < d; k++)
        acc[k] += weight * v[k];
      total += weight;
    }
  }
  if (total > 0.0)
    for (k = 0; k < d; k++)
      out[k] = (gfloat)(acc[k] / total);
  g_free (acc);
  return total > 0.0 ? d : 0;
}
