/* GstRadioMeta: the features of a RADIO vision model attached to a video
 * buffer by the `radio` element.
 *
 * Public API, part of libgstradiometa-1.0 (pkg-config: gstreamer-radio-1.0).
 * Applications include only this header:
 *
 *   #include <gst/radio/radiometa.h>
 *
 *   GstRadioMeta *meta = gst_buffer_get_radio_meta (buffer);
 *   if (meta && meta->summary)
 *     use (meta->summary, meta->summary_length);
 *
 * What the meta holds (every tensor float32, row-major, host memory):
 *   summary   [n_summary_tokens * embed_dim]   the global embedding(s)
 *   spatial   [grid_height][grid_width][embed_dim] one vector per patch
 *   adaptors  per named adaptor head: its summary [summary_length] and
 *             spatial [spatial_height][spatial_width][spatial_dim] outputs
 * Any of them may be absent (NULL / 0) when the element was told to skip
 * it (its `features` property).
 *
 * Geometry: the model saw the frame resized (and, for letterboxing,
 * padded) to input_width x input_height pixels, cut into patch_size x
 * patch_size patches.  A point (x, y) of the frame, in pixels with (0, 0)
 * the top-left corner of the top-left pixel, lies in grid cell coordinates
 *   gx = x * scale_x + offset_x,   gy = y * scale_y + offset_y
 * where cell (col, row) spans [col, col + 1) x [row, row + 1).
 *
 * Memory: the tensors live in a GstRadioFeatures, an immutable refcounted
 * block.  Copying a buffer's metas (gst_buffer_copy, gst_buffer_make_writable)
 * shares it, nothing is duplicated; it is freed with the last meta that
 * uses it.  Pointers read from a meta stay valid while the buffer holds the
 * meta, or longer with gst_radio_features_ref (meta->features).
 *
 * Transforms by other elements: a plain copy keeps the meta as is.  A
 * scaling element (videoscale, videoconvertscale) keeps it and updates
 * frame_width, frame_height, scale_x and scale_y so the mapping stays exact
 * for the scaled frame.  Transforms that move pixels in other ways (crops of
 * a byte region, flips, rotations) drop it: its tags are "video", "size"
 * and "orientation".  Colour conversion keeps it.
 *
 * Stability: fields are only ever added at the end (before the reserved
 * padding), never removed or reordered; `version` tells which fields a
 * producer filled.  GST_RADIO_META_VERSION is 1 for this header.
 */
#ifndef __GST_RADIO_META_H__
#define __GST_RADIO_META_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#ifndef GST_RADIO_META_API
#ifdef BUILDING_GST_RADIO_META
#define GST_RADIO_META_API __attribute__ ((visibility ("default"))) extern
#else
#define GST_RADIO_META_API extern
#endif
#endif

/* Layout version of GstRadioMeta filled by this library. */
#define GST_RADIO_META_VERSION 1

/* The name of the meta API and of the features boxed type. */
#define GST_RADIO_META_API_TYPE (gst_radio_meta_api_get_type ())
#define GST_RADIO_META_INFO (gst_radio_meta_get_info ())
#define GST_TYPE_RADIO_FEATURES (gst_radio_features_get_type ())

/* GstRadioFeatures: refcounted, immutable once attached to a meta. */
typedef struct _GstRadioFeatures GstRadioFeatures;

/* The outputs of one adaptor head (e.g. "clip", "siglip", "dino_v2"). */
typedef struct {
  const gchar *name;
  const gfloat *summary; /* [summary_length], or NULL */
  guint summary_length;
  const gfloat *spatial; /* [spatial_height][spatial_width][spatial_dim] */
  guint spatial_height;  /* grid_height * the head's upsample factor */
  guint spatial_width;
  guint spatial_dim;
  /*< private >*/
  gpointer _gst_reserved[4];
} GstRadioAdaptorFeatures;

/* Where the frame is in the model's view, see "Geometry" above. */
typedef struct {
  guint patch_size;                /* pixels per patch side at model input */
  guint input_width, input_height; /* model input in pixels */
  guint grid_width, grid_height;   /* input / patch_size */
  guint frame_width, frame_height; /* frame the mapping refers to */
  gdouble scale_x, scale_y;        /* grid cells per frame pixel */
  gdouble offset_x, offset_y;      /* grid cells at frame pixel 0 */
  /*< private >*/
  gpointer _gst_reserved[4];
} GstRadioGeometry;

typedef struct {
  GstMeta meta;

  guint version;              /* GST_RADIO_META_VERSION of the producer */
  const gchar *model_version; /* the checkpoint's release, "c-radio_v3-b" */
  const gchar *model_id;      /* hex digest of the checkpoint's files:
                               * equal ids mean comparable features */
  GstRadioGeometry geometry;

  guint n_summary_tokens; /* S: summary vectors, one per teacher */
  guint embed_dim;        /* D */
  const gfloat *summary;  /* [S * D], or NULL */
  guint summary_length;   /* S * D, or 0 */
  const gfloat *spatial;  /* [grid_height][grid_width][D], or NULL */

  guint n_adaptors;
  const GstRadioAdaptorFeatures *adaptors; /* [n_adaptors] */

  GstRadioFeatures *features; /* owns everything above; read-only */

  /*< private >*/
  gpointer _gst_reserved[GST_PADDING_LARGE];
} GstRadioMeta;

GST_RADIO_META_API GType gst_radio_meta_api_get_type (void);
GST_RADIO_META_API const GstMetaInfo *gst_radio_meta_get_info (void);

/* ---- reading ------------------------------------------------------------ */

/* The buffer's GstRadioMeta, or NULL. */
GST_RADIO_META_API GstRadioMeta *gst_buffer_get_radio_meta (GstBuffer *buffer);

/* The named adaptor's outputs, or NULL when it was not computed. */
GST_RADIO_META_API const GstRadioAdaptorFeatures *gst_radio_meta_get_adaptor (
    const GstRadioMeta *meta, const gchar *name);

/* Maps frame pixel coordinates to grid cell coordinates (see above).
 * Returns TRUE when the point falls inside the grid. */
GST_RADIO_META_API gboolean gst_radio_meta_frame_to_grid (
    const GstRadioMeta *meta, gdouble x, gdouble y, gdouble *grid_x,
    gdouble *grid_y);

/* The embed_dim-long spatial vector of cell (col, row), or NULL when the
 * spatial features are absent or the cell is outside the grid. */
GST_RADIO_META_API const gfloat *gst_radio_meta_get_patch (
    const GstRadioMeta *meta, guint col, guint row);

/* The summary to use for a source: the backbone's (adaptor NULL or "") or
 * the named adaptor's.  Sets *length (may be NULL) and returns NULL when
 * that summary is absent. */
GST_RADIO_META_API const gfloat *gst_radio_meta_get_summary (
    const GstRadioMeta *meta, const gchar *adaptor, guint *length);

/* The spatial tensor [height][width][dim] of a source (adaptor NULL or ""
 * for the backbone), or NULL when absent.  An adaptor's grid may be finer
 * than the backbone's (its upsample factor); the geometry's mapping then
 * scales by height / grid_height.  Any out pointer may be NULL. */
GST_RADIO_META_API const gfloat *gst_radio_meta_get_spatial (
    const GstRadioMeta *meta, const gchar *adaptor, guint *height, guint *width,
    guint *dim);

/* The geometry of a source's own grid (adaptor NULL or "" for the
 * backbone): the meta's geometry with that grid's size, the mapping scaled
 * to its cells (an upsampling adaptor's grid is finer than the backbone's)
 * and patch_size the model input pixels per cell.  FALSE (geometry
 * untouched) when the source has no spatial features. */
GST_RADIO_META_API gboolean gst_radio_meta_get_source_geometry (
    const GstRadioMeta *meta, const gchar *adaptor, GstRadioGeometry *geometry);

/* Pools a source's spatial features under a frame rectangle (pixels,
 * (x, y) its top-left corner): the average of the cells it covers, each
 * weighted by the area it shares with the rectangle, so a box that cuts a
 * cell in half counts that cell half.  The rectangle is clipped to the
 * grid.  Writes dim floats to out (out_length must be >= dim) and returns
 * dim; returns 0 (out untouched) when the source is absent, out is too
 * short, or nothing of the rectangle lies on the grid.  The basis of
 * per-object embeddings without running the model again. */
GST_RADIO_META_API guint gst_radio_meta_pool_region (const GstRadioMeta *meta,
    const gchar *adaptor, gdouble x, gdouble y, gdouble width, gdouble height,
    gfloat *out, guint out_length);

/* ---- producing ---------------------------------------------------------- */

GST_RADIO_META_API GType gst_radio_features_get_type (void);

/* A new, empty features block for a model (strings are copied). */
GST_RADIO_META_API GstRadioFeatures *gst_radio_features_new (
    const gchar *model_version, const gchar *model_id, guint n_summary_tokens,
    guint embed_dim);
GST_RADIO_META_API GstRadioFeatures *gst_radio_features_ref (
    GstRadioFeatures *features);
GST_RADIO_META_API void gst_radio_features_unref (GstRadioFeatures *features);

/* Copies summary[n_summary_tokens * embed_dim] in.  FALSE (nothing done)
 * when the features are already attached to a meta. */
GST_RADIO_META_API gboolean gst_radio_features_set_summary (
    GstRadioFeatures *features, const gfloat *summary);
/* Copies spatial[grid_height][grid_width][embed_dim] in. */
GST_RADIO_META_API gboolean gst_radio_features_set_spatial (
    GstRadioFeatures *features, const gfloat *spatial, guint grid_height,
    guint grid_width);
/* Copies one adaptor's outputs in; either tensor may be NULL. */
GST_RADIO_META_API gboolean gst_radio_features_add_adaptor (
    GstRadioFeatures *features, const gchar *name, const gfloat *summary,
    guint summary_length, const gfloat *spatial, guint spatial_height,
    guint spatial_width, guint spatial_dim);

/* Attaches features (taking a new reference and sealing them against
 * further changes) with their geometry to a writable buffer. */
GST_RADIO_META_API GstRadioMeta *gst_buffer_add_radio_meta (GstBuffer *buffer,
    GstRadioFeatures *features, const GstRadioGeometry *geometry);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstRadioFeatures, gst_radio_features_unref)

G_END_DECLS
#endif /* __GST_RADIO_META_H__ */
