/* radioresultmeta.c: GstRadioClassificationMeta and GstRadioSegmentationMeta
 * (see gst/radio/radioresultmeta.h for layouts and rules).  Each meta owns
 * one block: its strings and arrays are copied in on add and freed with
 * the meta. */
#include "gst/radio/radioresultmeta.h"
#include "radiometa-private.h"

#include <string.h>

/* ---- classification ----------------------------------------------------- */

typedef struct {
  GstRadioClassificationMeta pub;
  gchar *classifier, *source;
  guint *class_ids;
  gchar **labels; /* NULL-terminated */
  gfloat *scores;
} ClassificationMeta;

static gboolean
classification_init (GstMeta *meta, gpointer params, GstBuffer *buffer)
{
  memset ((guint8 *)meta + sizeof (GstMeta), 0,
      sizeof (ClassificationMeta) - sizeof (GstMeta));
  return TRUE;
}

static void
classification_free (GstMeta *meta, GstBuffer *buffer)
{
  ClassificationMeta *m = (ClassificationMeta *)meta;

  g_free (m->classifier);
  g_free (m->source);
  g_free (m->class_ids);
  g_strfreev (m->labels);
  g_free (m->scores);
}

static gboolean
classification_transform (GstBuffer *dest, GstMeta *meta, GstBuffer *buffer,
    GQuark type, gpointer data)
{
  GstRadioClassificationMeta *src = (GstRadioClassificationMeta *)meta;

  return gst_buffer_add_radio_classification_meta (dest, src->classifier,
             src->source, src->n_results, src->class_ids, src->labels,
             src->scores)
         != NULL;
}

GType
gst_radio_classification_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType t
        = gst_meta_api_type_register ("GstRadioClassificationMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

const GstMetaInfo *
gst_radio_classification_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **)&info)) {
    const GstMetaInfo *mi
        = gst_meta_register (GST_RADIO_CLASSIFICATION_META_API_TYPE,
            "GstRadioClassificationMeta", sizeof (ClassificationMeta),
            classification_init, classification_free, classification_transform);
    g_once_init_leave ((GstMetaInfo **)&info, (GstMetaInfo *)mi);
  }
  return info;
}

/* The first meta of api whose classifier is name (any when name is NULL);
 * both meta structs start with GstMeta, version, classifier. */
static GstMeta *
find_by_classifier (GstBuffer *buffer, GType api, const gchar *name)
{
  gpointer state = NULL;
  GstMeta *meta;

  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state, api))) {
    const gchar *classifier
        = api == GST_RADIO_CLASSIFICATION_META_API_TYPE
              ? ((GstRadioClassificationMeta *)meta)->classifier
              : ((GstRadioSegmentationMeta *)meta)->classifier;
    if (!name || g_strcmp0 (name, classifier) == 0)
      return meta;
  }
  return NULL;
}

GstRadioClassificationMeta *
gst_buffer_get_radio_classification_meta (
    GstBuffer *buffer, const gchar *classifier)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  return (GstRadioClassificationMeta *)find_by_classifier (
      buffer, GST_RADIO_CLASSIFICATION_META_API_TYPE, classifier);
}

/* A NULL-terminated copy of n strings (NULL entries become ""). */
static gchar **
copy_labels (const gchar *const *labels, guint n)
{
  gchar **copy = g_new0 (gchar *, n + 1);
  guint i;

  for (i = 0; i < n; i++)
    copy[i] = g_strdup (labels && labels[i] ? labels[i] : "");
  return copy;
}

GstRadioClassificationMeta *
gst_buffer_add_radio_classification_meta (GstBuffer *buffer,
    const gchar *classifier, const gchar *source, guint n_results,
    const guint *class_ids, const gchar *const *labels, const gfloat *scores)
{
  ClassificationMeta *m;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);
  g_return_val_if_fail (n_results == 0 || (class_ids && scores), NULL);

  m = (ClassificationMeta *)gst_buffer_add_meta (
      buffer, GST_RADIO_CLASSIFICATION_META_INFO, NULL);
  if (!m)
    return NULL;
  m->classifier = g_strdup (classifier ? classifier : "");
  m->source = g_strdup (source ? source : "summary");
  m->class_ids
      = n_results ? g_memdup2 (class_ids, n_results * sizeof (guint)) : NULL;
  m->labels = copy_labels (labels, n_results);
  m->scores
      = n_results ? g_memdup2 (scores, n_results * sizeof (gfloat)) : NULL;
  m->pub.version = GST_RADIO_RESULT_META_VERSION;
  m->pub.classifier = m->classifier;
  m->pub.source = m->source;
  m->pub.n_results = n_results;
  m->pub.class_ids = m->class_ids;
  m->pub.labels = (const gchar *const *)m->labels;
  m->pub.scores = m->scores;
  return &m->pub;
}

/* ---- segmentation ------------------------------------------------------- */

typedef struct {
  GstRadioSegmentationMeta pub;
  gchar *classifier;
  gchar **labels;
  guint8 *colors;
  guint16 *classes;
  gfloat *scores;
} SegmentationMeta;

static gboolean
segmentation_init (GstMeta *meta, gpointer params, GstBuffer *buffer)
{
  memset ((guint8 *)meta + sizeof (GstMeta), 0,
      sizeof (SegmentationMeta) - sizeof (GstMeta));
  return TRUE;
}

static void
segmentation_free (GstMeta *meta, GstBuffer *buffer)
{
  SegmentationMeta *m = (SegmentationMeta *)meta;

  g_free (m->classifier);
  g_strfreev (m->labels);
  g_free (m->colors);
  g_free (m->classes);
  g_free (m->scores);
}

static gboolean
segmentation_transform (GstBuffer *dest, GstMeta *meta, GstBuffer *buffer,
    GQuark type, gpointer data)
{
  GstRadioSegmentationMeta *src = (GstRadioSegmentationMeta *)meta;
  GstRadioGeometry geometry = src->geometry;

  if (GST_META_TRANSFORM_IS_COPY (type)) {
    GstMetaTransformCopy *copy = data;
    if (copy->region)
      return FALSE;
  } else if (GST_VIDEO_META_TRANSFORM_IS_SCALE (type)) {
    if (!gst_radio_geometry_scale (&geometry, data))
      return FALSE;
  } else {
    return FALSE;
  }
  return gst_buffer_add_radio_segmentation_meta (dest, src->classifier,
             src->n_classes, src->labels, src->colors, &geometry, src->classes,
             src->scores)
         != NULL;
}

GType
gst_radio_segmentation_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { GST_META_TAG_VIDEO_STR,
    GST_META_TAG_VIDEO_SIZE_STR, GST_META_TAG_VIDEO_ORIENTATION_STR, NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstRadioSegmentationMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

const GstMetaInfo *
gst_radio_segmentation_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **)&info)) {
    const GstMetaInfo *mi
        = gst_meta_register (GST_RADIO_SEGMENTATION_META_API_TYPE,
            "GstRadioSegmentationMeta", sizeof (SegmentationMeta),
            segmentation_init, segmentation_free, segmentation_transform);
    g_once_init_leave ((GstMetaInfo **)&info, (GstMetaInfo *)mi);
  }
  return info;
}

GstRadioSegmentationMeta *
gst_buffer_get_radio_segmentation_meta (
    GstBuffer *buffer, const gchar *classifier)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  return (GstRadioSegmentationMeta *)find_by_classifier (
      buffer, GST_RADIO_SEGMENTATION_META_API_TYPE, classifier);
}

GstRadioSegmentationMeta *
gst_buffer_add_radio_segmentation_meta (GstBuffer *buffer,
    const gchar *classifier, guint n_classes, const gchar *const *labels,
    const guint8 *colors, const GstRadioGeometry *geometry,
    const guint16 *classes, const gfloat *scores)
{
  SegmentationMeta *m;
  gsize cells, i;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);
  g_return_val_if_fail (geometry != NULL && classes != NULL, NULL);
  g_return_val_if_fail (n_classes > 0 && n_classes <= G_MAXUINT16 + 1u, NULL);
  cells = (gsize)geometry->grid_width * geometry->grid_height;
  g_return_val_if_fail (cells > 0, NULL);
  for (i = 0; i < cells; i++)
    g_return_val_if_fail (classes[i] < n_classes, NULL);

  m = (SegmentationMeta *)gst_buffer_add_meta (
      buffer, GST_RADIO_SEGMENTATION_META_INFO, NULL);
  if (!m)
    return NULL;
  m->classifier = g_strdup (classifier ? classifier : "");
  m->labels = copy_labels (labels, n_classes);
  m->colors = colors ? g_memdup2 (colors, (gsize)n_classes * 3)
                     : g_malloc0 ((gsize)n_classes * 3);
  m->classes = g_memdup2 (classes, cells * sizeof (guint16));
  m->scores = g_new (gfloat, cells);
  for (i = 0; i < cells; i++)
    m->scores[i] = scores ? scores[i] : 1.0f;
  m->pub.version = GST_RADIO_RESULT_META_VERSION;
  m->pub.classifier = m->classifier;
  m->pub.n_classes = n_classes;
  m->pub.labels = (const gchar *const *)m->labels;
  m->pub.colors = m->colors;
  m->pub.geometry = *geometry;
  m->pub.classes = m->classes;
  m->pub.scores = m->scores;
  return &m->pub;
}

gint
gst_radio_segmentation_meta_get_class_at (
    const GstRadioSegmentationMeta *meta, gdouble x, gdouble y)
{
  gdouble gx, gy;

  g_return_val_if_fail (meta != NULL, -1);
  if (!gst_radio_geometry_to_grid (&meta->geometry, x, y, &gx, &gy))
    return -1;
  return meta->classes[(gsize)gy * meta->geometry.grid_width + (gsize)gx];
}
