/* radio-model.h: the RADIO forward pass on the CPU reference kernels, and the
 * resolution policy that maps a frame onto the model's patch grid.
 *
 * A RadioForward is the per-resolution state of one model: the resized
 * position embeddings for its grid and every activation buffer, allocated
 * once, so running frame after frame allocates nothing.  It holds a
 * reference on its (immutable, shareable) RadioCheckpoint.  One RadioForward
 * must not run on two threads at once; several may share a checkpoint.
 *
 * Outputs (float32):
 *   summary  [n_summary * D]     the CLS tokens listed in summary_idxs
 *   spatial  [grid_h, grid_w, D] patch tokens, after the feature normalizer
 *   adaptor summary [out], adaptor spatial [grid_h*u, grid_w*u, out]
 */
#ifndef RADIO_MODEL_H
#define RADIO_MODEL_H

#include <glib.h>

#include "radio-checkpoint.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;
  guint summary_dim;
  const float *summary; /* [summary_dim] */
  guint spatial_height, spatial_width, spatial_dim;
  const float *spatial; /* [spatial_height, spatial_width, spatial_dim] */
} RadioAdaptorOutput;

typedef struct _RadioForward RadioForward;

/* height and width: model input in pixels, positive multiples of the patch
 * size.  interp AUTO follows the checkpoint's release.  adaptors: NULL or a
 * NULL-terminated list of adaptor names to evaluate; an unknown name is a
 * RADIO_ERROR_ARGUMENT listing the available ones. */
RadioForward *radio_forward_new (RadioCheckpoint *ckpt, guint height,
    guint width, RadioPosInterp interp, const char *const *adaptors,
    GError **error);
void radio_forward_free (RadioForward *fw);

RadioCheckpoint *radio_forward_get_checkpoint (RadioForward *fw);
guint radio_forward_get_input_height (RadioForward *fw);
guint radio_forward_get_input_width (RadioForward *fw);

/* Runs the model on image[height, width, 3], RGB in [0, 1]. */
void radio_forward_run (RadioForward *fw, const float *image);

/* Converts rgb[src_height rows of `stride` bytes, packed R,G,B] to float
 * (/255), resizes it bilinearly (half-pixel, no antialiasing) to the model
 * input when the sizes differ, and runs the model.  Buffers for a given
 * source size are kept, so a stream of equal frames allocates nothing.
 * Fails (RADIO_ERROR_ARGUMENT) on an empty frame, a stride shorter than a
 * row, or when no memory is left for the resize staging buffer. */
gboolean radio_forward_run_rgb8 (RadioForward *fw, const guint8 *rgb,
    guint src_width, guint src_height, gsize stride, GError **error);

const float *radio_forward_get_summary (RadioForward *fw, guint *length);
const float *radio_forward_get_spatial (RadioForward *fw, guint *grid_height,
    guint *grid_width, guint *dim);
guint radio_forward_get_n_adaptors (RadioForward *fw);
const RadioAdaptorOutput *radio_forward_get_adaptor (RadioForward *fw,
    guint index);

/* Multiply-accumulate work of one forward, times two (FLOPs). */
double radio_forward_get_flops (RadioForward *fw);
/* Bytes of activation memory this RadioForward holds. */
gsize radio_forward_get_workspace_bytes (RadioForward *fw);

/* Nearest multiple of patch to pixels, ties to even, at least one patch
 * (radio-model.md section 3). */
guint radio_nearest_model_size (guint pixels, guint patch);

G_END_DECLS
#endif /* RADIO_MODEL_H */
