/* Results that gst-radio's downstream elements attach to video buffers:
 *
 *   GstRadioClassificationMeta  `radioclassify`: the best classes of the
 *                               frame, best first, with their scores
 *   GstRadioSegmentationMeta    `radiosegment`: one class per grid cell,
 *                               with the mapping from frame pixels
 *
 * Public API, part of libgstradiometa-1.0 (pkg-config: gstreamer-radio-1.0):
 *
 *   #include <gst/radio/radioresultmeta.h>
 *
 *   GstRadioClassificationMeta *c =
 *       gst_buffer_get_radio_classification_meta (buffer, NULL);
 *   if (c && c->n_results > 0)
 *     g_print ("%s %.3f\n", c->labels[0], c->scores[0]);
 *
 * Several classifiers may tag one buffer; each meta names the element that
 * made it (`classifier`, the element's name), and the getters take that
 * name (NULL: the first meta of the kind).
 *
 * Memory: every string and array belongs to the meta and lives as long as
 * the buffer holds it.  Copying a buffer copies both metas.  A scaling
 * transform keeps the segmentation meta and updates its mapping (as for
 * GstRadioMeta); crops, flips and rotations drop it.  The classification
 * describes the whole frame and survives every transform.
 *
 * Stability: as GstRadioMeta, fields are only added at the end, never
 * removed or reordered; `version` is GST_RADIO_RESULT_META_VERSION of the
 * producer (1 for this header).
 */
#ifndef __GST_RADIO_RESULT_META_H__
#define __GST_RADIO_RESULT_META_H__

#include <gst/radio/radiometa.h>

G_BEGIN_DECLS

#define GST_RADIO_RESULT_META_VERSION 1

#define GST_RADIO_CLASSIFICATION_META_API_TYPE                                 \
  (gst_radio_classification_meta_api_get_type ())
#define GST_RADIO_CLASSIFICATION_META_INFO                                     \
  (gst_radio_classification_meta_get_info ())
#define GST_RADIO_SEGMENTATION_META_API_TYPE                                   \
  (gst_radio_segmentation_meta_api_get_type ())
#define GST_RADIO_SEGMENTATION_META_INFO                                       \
  (gst_radio_segmentation_meta_get_info ())

typedef struct {
  GstMeta meta;

  guint version;
  const gchar *classifier;    /* name of the element that classified */
  const gchar *source;        /* features used: "summary" or the adaptor name */
  guint n_results;            /* the top-k classes, best first */
  const guint *class_ids;     /* [n_results] line index in the labels file */
  const gchar *const *labels; /* [n_results] */
  const gfloat *scores;       /* [n_results] softmax probabilities over all
                               * classes, so they need not sum to 1 */

  /*< private >*/
  gpointer _gst_reserved[GST_PADDING_LARGE];
} GstRadioClassificationMeta;

typedef struct {
  GstMeta meta;

  guint version;
  const gchar *classifier; /* name of the element that segmented */
  guint n_classes;
  const gchar *const *labels; /* [n_classes] */
  const guint8 *colors;       /* [n_classes][3] RGB used to draw the mask */
  /* Cell (col, row) of the class grid has class
   * classes[row * geometry.grid_width + col].  The grid may be finer than
   * the backbone's (an upsampling adaptor); `geometry` maps frame pixels
   * to this grid exactly as GstRadioMeta's does to its own. */
  GstRadioGeometry geometry;
  const guint16 *classes; /* [grid_height][grid_width] */
  const gfloat *scores;   /* [grid_height][grid_width] probability of the
                           * chosen class */

  /*< private >*/
  gpointer _gst_reserved[GST_PADDING_LARGE];
} GstRadioSegmentationMeta;

GST_RADIO_META_API GType gst_radio_classification_meta_api_get_type (void);
GST_RADIO_META_API const GstMetaInfo *gst_radio_classification_meta_get_info (
    void);
GST_RADIO_META_API GType gst_radio_segmentation_meta_api_get_type (void);
GST_RADIO_META_API const GstMetaInfo *gst_radio_segmentation_meta_get_info (
    void);

/* The meta made by the element named classifier (NULL: the first one). */
GST_RADIO_META_API GstRadioClassificationMeta *
gst_buffer_get_radio_classification_meta (
    GstBuffer *buffer, const gchar *classifier);
GST_RADIO_META_API GstRadioSegmentationMeta *
gst_buffer_get_radio_segmentation_meta (
    GstBuffer *buffer, const gchar *classifier);

/* Copies everything in.  labels[i] goes with class_ids[i] and scores[i]. */
GST_RADIO_META_API GstRadioClassificationMeta *
gst_buffer_add_radio_classification_meta (GstBuffer *buffer,
    const gchar *classifier, const gchar *source, guint n_results,
    const guint *class_ids, const gchar *const *labels, const gfloat *scores);

/* Copies everything in: labels[n_classes], colors[n_classes * 3] (may be
 * NULL: black), classes and scores [grid_height * grid_width] (scores may
 * be NULL: 1).  Every class index must be < n_classes. */
GST_RADIO_META_API GstRadioSegmentationMeta *
gst_buffer_add_radio_segmentation_meta (GstBuffer *buffer,
    const gchar *classifier, guint n_classes, const gchar *const *labels,
    const guint8 *colors, const GstRadioGeometry *geometry,
    const guint16 *classes, const gfloat *scores);

/* The class under frame pixel (x, y), or -1 when the point is off the
 * grid. */
GST_RADIO_META_API gint gst_radio_segmentation_meta_get_class_at (
    const GstRadioSegmentationMeta *meta, gdouble x, gdouble y);

G_END_DECLS
#endif /* __GST_RADIO_RESULT_META_H__ */
