/* radio-cuda-forward.h: the RADIO forward pass on one CUDA device, for one
 * model input size and batch size (radio-model.md section 2, mirroring the
 * CPU sequence of radio-model.c).
 *
 * A RadioCudaForward owns everything per resolution: one device allocation
 * holding every activation buffer, the resized position embeddings and the
 * float32 outputs; a pinned host copy of the outputs; pinned and device
 * staging for frames (grown when a larger frame arrives, else reused); a
 * stream (non-blocking, so runners on other threads never wait for each
 * other); a cuBLASLt handle with its plans; and a CUDA graph of the whole
 * forward after preprocessing, captured once at creation and replayed per
 * frame.  Running a frame allocates nothing (unless the frame is larger
 * than any before).  The weights are shared and not owned.
 *
 * Activations are [batch * tokens, channels] row-major in the run's dtype;
 * the residual stream x is float32:
 *   patches  [B * hw, patch_ld]    preprocessed patch vectors
 *   embedded [B * hw, D]           patch embeddings
 *   pos      [hw, D] f32           resized position embeddings (cached)
 *   x        [B * N, D] f32        residual stream, N = T + hw
 *   normed   [B * N, D]            LayerNorm output (GEMM input)
 *   qkv      [B * N, 3D]           attention input
 *   attn     [B * N, D]            attention output
 *   delta    [B * N, D]            proj / fc2 output
 *   hidden   [B * N, hidden]       MLP hidden layer
 *   spatial_in, spatial [B * hw, D]  features before / after the normalizer
 *   adaptor_in [B, D], adaptor_h, adaptor_t [B * hw, adaptor_width],
 *   adaptor_out [B * hw, adaptor_out_width]   adaptor heads
 *   outputs  float32, per output kind: summary [B, S*D], spatial
 *            [B, hw, D], then per adaptor summary [B, out] and spatial
 *            [B, h*u, w*u, out]
 */
#ifndef RADIO_CUDA_FORWARD_H
#define RADIO_CUDA_FORWARD_H

#include <glib.h>

#include "radio-cuda-kernels.h"
#include "radio-cuda-module.h"
#include "radio-cuda-weights.h"
#include "radio-model.h"

G_BEGIN_DECLS

#define RADIO_CUDA_MAX_ADAPTORS 16

typedef struct {
  guint compute_capability; /* major * 10 + minor */
  RadioCudaDType dtype;
  guint batch;
  guint height, width;      /* model input, multiples of the patch size */
  RadioPosInterp interp;    /* AUTO: the checkpoint's release */
  guint n_adaptors;
  guint adaptors[RADIO_CUDA_MAX_ADAPTORS]; /* indices into the weights' */
  gboolean exact_gelu;      /* erf GELU kernel, not cuBLASLt's epilogue */
  gboolean use_graph;       /* replay a CUDA graph (else run eagerly) */
} RadioCudaForwardConfig;

/* Shapes, and where each buffer starts in the workspace (bytes). */
typedef struct {
  guint batch, grid_h, grid_w, n_patches, n_prefix, n_tokens;
  guint dim, heads, head_dim, hidden, patch_ld;
  guint adaptor_width, adaptor_out_width;
  gsize patches, embedded, pos, x, normed, qkv, attn, delta, hidden_buf;
  gsize spatial_in, spatial, adaptor_in, adaptor_h, adaptor_t, adaptor_out;
  gsize outputs;
  gsize bytes;              /* the whole workspace */
  /* float offsets in the outputs block */
  gsize out_summary, out_spatial, out_floats;
  gsize out_adaptor_summary[RADIO_CUDA_MAX_ADAPTORS];
  gsize out_adaptor_spatial[RADIO_CUDA_MAX_ADAPTORS];
  double flops_per_image;
} RadioCudaForwardPlan;

/* Shapes and offsets for cfg; RADIO_ERROR_ARGUMENT / _UNSUPPORTED when the
 * model or the size cannot run.  Host only. */
gboolean radio_cuda_forward_plan (RadioCheckpoint *ckpt,
    const RadioCudaWeights *weights, const RadioCudaForwardConfig *cfg,
    RadioCudaForwardPlan *plan, GError **error);

typedef struct _RadioCudaForward RadioCudaForward;

/* On the current device.  Runs the forward once (checking every launch),
 * then captures it.  `weights` must outlive the forward. */
RadioCudaForward *radio_cuda_forward_new (RadioCheckpoint *ckpt,
    const RadioCudaWeights *weights, const RadioCudaForwardConfig *cfg,
    GError **error);
void radio_cuda_forward_free (RadioCudaForward *f);

/* Uploads frame, preprocesses it at placement into every batch slot, runs
 * the forward and copies the outputs to the host; returns when they are
 * there.  With stage_ms (RADIO_CUDA_N_STAGES doubles) the forward runs
 * eagerly with events between kernels and stage_ms receives milliseconds
 * per stage.  RADIO_ERROR_ARGUMENT for an invalid frame or placement. */
gboolean radio_cuda_forward_run_frame (RadioCudaForward *f,
    const RadioFrame *frame, const RadioPlacement *placement,
    double *stage_ms, GError **error);

/* Device time (cudaEvents) of `iterations` forwards of the frame the last
 * run staged: preprocessing into every batch slot from the frame already on
 * the device, and the graph replay; no host copies or transfers.  Outputs
 * are not copied back.  Milliseconds per forward. */
gboolean radio_cuda_forward_time (RadioCudaForward *f, guint iterations,
    double *mean_ms, double *best_ms, GError **error);

const RadioCudaForwardPlan *radio_cuda_forward_get_plan (RadioCudaForward *f);
/* The host outputs of image `index` of the last run; adaptors receives
 * cfg->n_adaptors entries. */
void radio_cuda_forward_get_outputs (RadioCudaForward *f, guint index,
    RadioOutputs *outputs, RadioAdaptorOutput *adaptors);
/* Device and pinned memory this forward allocated (bytes). */
guint64 radio_cuda_forward_get_bytes (RadioCudaForward *f);

G_END_DECLS
#endif /* RADIO_CUDA_FORWARD_H */
