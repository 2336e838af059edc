/* radio-forward-private.h: the RadioForward structure, shared by the
 * reference path (radio-model.c) and the fast path (radio-forward-fast.c).
 * Token matrix x is [N, D] with N = T prefix tokens (CLS tokens, then
 * registers) + h*w patch tokens in raster order.  Private to the engine. */
#ifndef RADIO_FORWARD_PRIVATE_H
#define RADIO_FORWARD_PRIVATE_H

#include "radio-cpu-weights.h"
#include "radio-model.h"
#include "radio-workers.h"

G_BEGIN_DECLS

typedef struct {
  const RadioAdaptor *adaptor;
  RadioAdaptorOutput out;
  float *summary;  /* [summary.output_dim] */
  float *spatial;  /* [h*u, w*u, feature.output_dim] */
  float *unshuffled; /* [h*w, u*u*feature.output_dim], only when u > 1 */
} AdaptorState;

struct _RadioForward {
  RadioCheckpoint *ckpt;
  guint height, width;   /* model input, pixels */
  guint grid_h, grid_w;
  guint n_tokens;        /* N */

  float *pos;            /* [h*w, D] resized position embeddings */
  float *image;          /* [H, W, 3] model input */
  float *x;              /* [N, D] residual stream */
  float *normed;         /* [N, D] LayerNorm output, also proj output */
  float *qkv;            /* [N, 3D] */
  float *attn;           /* [N, D] */
  float *wide;           /* [N, max(hidden, 3*P*P, adaptor hidden)] */
  float *wide2;          /* [h*w, adaptor hidden] */
  float *wide3;          /* [h*w, adaptor hidden] */
  float *summary;        /* [S*D] */
  float *spatial;        /* [h*w, D] */
  float *linear_scratch;
  float *attn_scratch;
  gsize workspace_bytes;
  gboolean alloc_failed;

  /* radio_forward_run_rgb8 staging, sized for the last source frame */
  float *src_f32;
  guint src_w, src_h;

  AdaptorState *adaptors;
  guint n_adaptors;

  /* The fast path.  Everything here is sized when the forward is created or
   * its thread count changes, never per frame. */
  RadioCpuMode mode;
  guint n_threads;       /* threads of `workers`, the caller included */
  RadioWorkers *workers;
  float *thread_scratch; /* [n_threads, scratch_floats] */
  gsize scratch_floats;  /* per thread: gemm packing or attention tiles */
  gsize query_tile, key_tile; /* attention tiles for n_tokens, n_threads */
  RadioCpuWeights *weights; /* float32 copies, RADIO_CPU_MODE_FAST only */
  char *description;     /* radio_forward_describe_cpu */
};

/* out[rows, m output] = the adaptor MLP m on in[rows, D], one path's way. */
typedef void (*RadioMlpRunner) (RadioForward *fw, const RadioMlp *m,
    const float *in, guint rows, float *out);

/* Every selected adaptor's summary and spatial heads, on the tokens in
 * fw->x and fw->spatial, with run_head doing the products (radio-model.c). */
void radio_forward_run_adaptors (RadioForward *fw, RadioMlpRunner run_head);

/* radio_forward_run in RADIO_CPU_MODE_FAST or FAST_PLAIN
 * (radio-forward-fast.c). */
void radio_forward_run_fast (RadioForward *fw, const float *image);

G_END_DECLS
#endif /* RADIO_FORWARD_PRIVATE_H */
