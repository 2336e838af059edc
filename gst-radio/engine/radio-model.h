/* radio-model.h: the RADIO forward pass on the CPU, and the resolution
 * policy that maps a frame onto the model's patch grid.
 *
 * A RadioForward is the per-resolution state of one model: the resized
 * position embeddings for its grid and every activation buffer, allocated
 * once, so running frame after frame allocates nothing.  It holds a
 * reference on its (immutable, shareable) RadioCheckpoint.  One RadioForward
 * must not run on two threads at once; several may share a checkpoint.
 *
 * By default it runs the fast CPU path (RADIO_CPU_MODE_FAST): its own pool
 * of worker threads (one per online core unless radio_forward_set_threads
 * says otherwise), BLAS matrix products on float32 weights converted once
 * per checkpoint and shared, blocked attention and fused row kernels.  The
 * float32 reference kernels remain available (RADIO_CPU_MODE_REFERENCE);
 * both match the upstream outputs within the golden tolerance.
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
/* Bytes of working memory this RadioForward holds: activations and the
 * per-thread scratch of the fast path (not the weights). */
gsize radio_forward_get_workspace_bytes (RadioForward *fw);

/* How radio_forward_run computes. */
typedef enum {
  /* Worker threads, BLAS products (when this build has a BLAS) on float32
   * weights, blocked attention, fused LayerNorm/GELU/residual kernels. */
  RADIO_CPU_MODE_FAST = 0,
  /* The same without the BLAS: the plain C products, reading the weights
   * in their stored precision (no float32 copy). */
  RADIO_CPU_MODE_FAST_PLAIN,
  /* The float32 reference kernels, one thread, weights as stored. */
  RADIO_CPU_MODE_REFERENCE,
} RadioCpuMode;

/* Worker threads for this forward, the calling thread included; 0 means one
 * per online core (the default); at most 64.  Threads start here, not per frame.  If
 * they cannot be started (or their scratch memory allocated), the previous
 * setting stays and a warning is logged.  Not while a run is in progress. */
void radio_forward_set_threads (RadioForward *fw, guint n_threads);
/* The fast path's threads (>= 1, 0 resolved); the reference mode runs on
 * the calling thread alone. */
guint radio_forward_get_threads (RadioForward *fw);

/* Switches the computation (default RADIO_CPU_MODE_FAST).  FAST needs the
 * float32 weight copies of a bf16/f16 checkpoint: when they cannot be
 * allocated, FAST_PLAIN is used instead and a warning is logged.  Not while
 * a run is in progress. */
void radio_forward_set_cpu_mode (RadioForward *fw, RadioCpuMode mode);
RadioCpuMode radio_forward_get_cpu_mode (RadioForward *fw);

/* e.g. "fast path, 2 threads, OpenBLAS 0.3.21 ... SkylakeX ..."; valid
 * until the next set_* call or the forward is freed. */
const char *radio_forward_describe_cpu (RadioForward *fw);

/* Bytes of float32 weight copies this forward uses (shared with every
 * other forward of the same checkpoint; 0 outside RADIO_CPU_MODE_FAST and
 * for aligned float32 checkpoints). */
gsize radio_forward_get_weight_copy_bytes (RadioForward *fw);

/* Nearest multiple of patch to pixels, ties to even, at least one patch
 * (radio-model.md section 3). */
guint radio_nearest_model_size (guint pixels, guint patch);

G_END_DECLS
#endif /* RADIO_MODEL_H */
