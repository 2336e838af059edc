/* radio-cuda-forward.c: the RADIO forward pass on a CUDA device as a flat
 * sequence of kernel launches and cuBLASLt products (the same sequence as
 * radio-model.c's CPU forward; buffers in radio-cuda-forward.h, their
 * layout in radio-cuda-plan.c), recorded once into a CUDA graph and
 * replayed for every frame, which radio-cuda-frame.c stages and uploads. */
#include "radio-cuda-forward.h"

#include <string.h>

#include "radio-cuda-error.h"
#include "radio-cuda-frame.h"
#include "radio-cuda-gemm.h"

#define GEMM_WORKSPACE_BYTES ((gsize) 32 << 20)

struct _RadioCudaForward {
  RadioCheckpoint *ckpt;
  const RadioCudaWeights *w;
  RadioCudaForwardConfig cfg;
  RadioCudaForwardPlan plan;

  cudaStream_t stream;
  RadioCudaGemm *gemm;
  guint8 *dev;           /* the workspace, plan.bytes */
  float *host_outputs;   /* pinned [plan.out_floats] */

  RadioCudaFrameStaging staging; /* grown to the largest frame seen */

  RadioCudaPreprocess pp; /* the last staged frame's */
  gboolean have_frame;

  cudaGraph_t graph;
  cudaGraphExec_t graph_exec;
  cudaEvent_t timer[2];   /* radio_cuda_forward_time */

  /* profiling: an event before each launch, tagged with its stage */
  gboolean profiling;
  cudaEvent_t *events;
  RadioCudaStage *event_stage;
  guint n_events, max_events;
};

#define BUF(f, name) ((void *) ((f)->dev + (f)->plan.name))
#define FBUF(f, name) ((float *) ((f)->dev + (f)->plan.name))

/* ---- the forward --------------------------------------------------------- */

#define TRY(statement) \
  G_STMT_START { \
    if (!RADIO_CUDA_CHECK (statement, error)) \
      return FALSE; \
  } G_STMT_END

/* In profiling runs, an event marking the start of a launch of `stage`. */
static gboolean
mark (RadioCudaForward *f, RadioCudaStage stage, GError **error)
{
  if (!f->profiling || f->n_events == f->max_events)
    return TRUE;
  f->event_stage[f->n_events] = stage;
  TRY (cudaEventRecord (f->events[f->n_events++], f->stream));
  return TRUE;
}

static gboolean
linear (RadioCudaForward *f, void *y, const void *x, gsize rows,
    const RadioCudaLinear *lin, gboolean gelu, gboolean accumulate,
    GError **error)
{
  return mark (f, RADIO_CUDA_STAGE_GEMM, error)
      && radio_cuda_gemm_linear (f->gemm, f->stream, y, x, rows, lin, gelu,
      accumulate, error);
}

static gboolean
layernorm (RadioCudaForward *f, void *y, RadioCudaDType y_dtype,
    const void *x, RadioCudaDType x_dtype, gsize rows,
    const RadioCudaNorm *norm, gboolean gelu, GError **error)
{
  if (!mark (f, RADIO_CUDA_STAGE_REST, error))
    return FALSE;
  TRY (radio_cuda_layernorm (y, y_dtype, x, x_dtype, rows, norm->dim,
          norm->weight, norm->bias, norm->eps, gelu, f->stream));
  return TRUE;
}

/* The v2 adaptor MLP: in[rows, in_dim] -> out[rows, out_dim], through
 * adaptor_h (the residual stream of its inner blocks) and adaptor_t. */
static gboolean
run_mlp (RadioCudaForward *f, const RadioCudaMlp *m, const void *in,
    gsize rows, void *out, GError **error)
{
  RadioCudaDType dt = f->cfg.dtype;
  void *h = BUF (f, adaptor_h), *t = BUF (f, adaptor_t);
  guint i;

  if (m->pre_norm.dim) {
    if (!layernorm (f, t, dt, in, dt, rows, &m->pre_norm, TRUE, error))
      return FALSE;
    in = t;
  }
  if (!linear (f, h, in, rows, &m->fc1, FALSE, FALSE, error))
    return FALSE;
  for (i = 0; i < m->num_inner; i++) {
    /* h += Linear(GELU(LN(h))): the product accumulates into h. */
    if (!layernorm (f, t, dt, h, dt, rows, &m->inner_norms[i], TRUE, error)
        || !linear (f, h, t, rows, &m->inner_linears[i], FALSE, TRUE, error))
      return FALSE;
  }
  return layernorm (f, t, dt, h, dt, rows, &m->final_norm, TRUE, error)
      && linear (f, out, t, rows, &m->final_linear, FALSE, FALSE, error);
}

static gboolean
record_forward (RadioCudaForward *f, GError **error)
{
  const RadioCudaWeights *w = f->w;
  const RadioCudaForwardPlan *p = &f->plan;
  RadioCudaDType dt = f->cfg.dtype;
  cudaStream_t s = f->stream;
  guint B = p->batch, D = p->dim, T = p->n_prefix, depth = f->ckpt->depth;
  gsize rows = (gsize) B * p->n_tokens, prows = (gsize) B * p->n_patches;
  float *x = FBUF (f, x), *out = FBUF (f, outputs);
  void *normed = BUF (f, normed), *delta = BUF (f, delta);
  guint i;

  /* 1-4: patch embedding, position embeddings, prefix tokens. */
  if (!linear (f, BUF (f, embedded), BUF (f, patches), prows, &w->embedder,
          FALSE, FALSE, error)
      || !mark (f, RADIO_CUDA_STAGE_REST, error))
    return FALSE;
  TRY (radio_cuda_assemble_tokens (x, BUF (f, embedded), dt, FBUF (f, pos),
          w->prefix_tokens, B, T, p->n_patches, D, s));
  if (w->patch_norm.dim
      && !layernorm (f, x, RADIO_CUDA_F32, x, RADIO_CUDA_F32, rows,
          &w->patch_norm, FALSE, error))
    return FALSE;
  if (depth > 0 && !layernorm (f, normed, dt, x, RADIO_CUDA_F32, rows,
          &w->blocks[0].norm1, FALSE, error))
    return FALSE;

  /* 5-6: the blocks; each residual update is fused with the LayerNorm
   * that follows it (LN2, the next block's LN1, or the final norm). */
  for (i = 0; i < depth; i++) {
    const RadioCudaBlock *b = &w->blocks[i];
    const RadioCudaNorm *next = i + 1 < depth ? &w->blocks[i + 1].norm1
        : w->final_norm.dim ? &w->final_norm : NULL;
    void *next_out = i + 1 < depth ? normed : (void *) x;
    RadioCudaDType next_dtype = i + 1 < depth ? dt : RADIO_CUDA_F32;

    if (!linear (f, BUF (f, qkv), normed, rows, &b->qkv, FALSE, FALSE, error)
        || !mark (f, RADIO_CUDA_STAGE_ATTENTION, error))
      return FALSE;
    TRY (radio_cuda_attention (BUF (f, attn), BUF (f, qkv), dt, B,
            p->n_tokens, p->heads, p->head_dim,
            f->cfg.compute_capability >= 80, s));
    if (!linear (f, delta, BUF (f, attn), rows, &b->proj, FALSE, FALSE,
            error)
        || !mark (f, RADIO_CUDA_STAGE_REST, error))
      return FALSE;
    TRY (radio_cuda_residual_layernorm (x, delta, dt, b->ls1, rows, D,
            normed, dt, b->norm2.weight, b->norm2.bias, b->norm2.eps, s));

    if (!linear (f, BUF (f, hidden_buf), normed, rows, &b->fc1, TRUE, FALSE,
            error))
      return FALSE;
    if (b->mlp_norm.dim && !layernorm (f, BUF (f, hidden_buf), dt,
            BUF (f, hidden_buf), dt, rows, &b->mlp_norm, FALSE, error))
      return FALSE;
    if (!linear (f, delta, BUF (f, hidden_buf), rows, &b->fc2, FALSE, FALSE,
            error)
        || !mark (f, RADIO_CUDA_STAGE_REST, error))
      return FALSE;
    TRY (radio_cuda_residual_layernorm (x, delta, dt, b->ls2, rows, D,
            next ? next_out : NULL, next_dtype,
            next ? next->weight : NULL, next ? next->bias : NULL,
            next ? next->eps : 0.0f, s));
  }
  if (depth == 0 && w->final_norm.dim
      && !layernorm (f, x, RADIO_CUDA_F32, x, RADIO_CUDA_F32, rows,
          &w->final_norm, FALSE, error))
    return FALSE;

  /* 7: summary, spatial features (after the feature normalizer). */
  if (!mark (f, RADIO_CUDA_STAGE_REST, error))
    return FALSE;
  TRY (radio_cuda_gather_rows (out + p->out_summary, x, B, p->n_tokens,
          w->summary_idxs, f->ckpt->n_summary, D, s));
  if (w->normalizer_mean) {
    TRY (radio_cuda_rows_to_dtype (BUF (f, spatial_in), dt, x, B,
            p->n_tokens, T, p->n_patches, D, w->normalizer_mean, s));
    if (!linear (f, BUF (f, spatial), BUF (f, spatial_in), prows,
            &w->normalizer, FALSE, FALSE, error)
        || !mark (f, RADIO_CUDA_STAGE_REST, error))
      return FALSE;
    TRY (radio_cuda_to_f32_unshuffle (out + p->out_spatial,
            BUF (f, spatial), dt, B, p->grid_h, p->grid_w, 1, D, s));
  } else {
    /* Exact float32 copy of the tokens for the output; the run's dtype
     * for the adaptors. */
    TRY (radio_cuda_rows_to_dtype (out + p->out_spatial, RADIO_CUDA_F32, x,
            B, p->n_tokens, T, p->n_patches, D, NULL, s));
    if (f->cfg.n_adaptors)
      TRY (radio_cuda_rows_to_dtype (BUF (f, spatial), dt, x, B,
              p->n_tokens, T, p->n_patches, D, NULL, s));
  }

  /* Adaptors: the summary head reads token head_idx of the backbone, the
   * feature head the (normalized) spatial features. */
  for (i = 0; i < f->cfg.n_adaptors; i++) {
    const RadioCudaAdaptor *a = &w->adaptors[f->cfg.adaptors[i]];
    guint u = a->feature.upsample_factor;

    if (!mark (f, RADIO_CUDA_STAGE_REST, error))
      return FALSE;
    TRY (radio_cuda_rows_to_dtype (BUF (f, adaptor_in), dt, x, B,
            p->n_tokens, a->source->head_idx, 1, D, NULL, s));
    if (!run_mlp (f, &a->summary, BUF (f, adaptor_in), B,
            BUF (f, adaptor_out), error)
        || !mark (f, RADIO_CUDA_STAGE_REST, error))
      return FALSE;
    TRY (radio_cuda_to_f32_unshuffle (out + p->out_adaptor_summary[i],
            BUF (f, adaptor_out), dt, B, 1, 1, 1, a->summary.output_dim, s));
    if (!run_mlp (f, &a->feature, BUF (f, spatial), prows,
            BUF (f, adaptor_out), error)
        || !mark (f, RADIO_CUDA_STAGE_REST, error))
      return FALSE;
    TRY (radio_cuda_to_f32_unshuffle (out + p->out_adaptor_spatial[i],
            BUF (f, adaptor_out), dt, B, p->grid_h, p->grid_w, u,
            a->feature.output_dim, s));
  }
  return TRUE;
}

/* ---- setup ---------------------------------------------------------------- */

/* Records the forward into a graph and instantiates it. */
static gboolean
capture (RadioCudaForward *f, GError **error)
{
  gboolean ok;
  cudaError_t status;

  /* Thread-local: unsafe calls (cudaMalloc, ...) from other threads, e.g.
   * other runners starting up, do not invalidate this capture. */
  TRY (cudaStreamBeginCapture (f->stream,
          cudaStreamCaptureModeThreadLocal));
  ok = record_forward (f, error);
  status = cudaStreamEndCapture (f->stream, &f->graph);
  if (!ok)
    return FALSE;
  TRY (status);
  TRY (cudaGraphInstantiateWithFlags (&f->graph_exec, f->graph, 0));
  return TRUE;
}

RadioCudaForward *
radio_cuda_forward_new (RadioCheckpoint *ckpt,
    const RadioCudaWeights *weights, const RadioCudaForwardConfig *cfg,
    GError **error)
{
  RadioCudaForward *f = g_new0 (RadioCudaForward, 1);
  RadioPosInterp interp = cfg->interp == RADIO_POS_INTERP_AUTO
      ? ckpt->pos_interp : cfg->interp;
  guint R = ckpt->pos_grid, m;

  f->ckpt = radio_checkpoint_ref (ckpt);
  f->w = weights;
  f->cfg = *cfg;
  if (!radio_cuda_forward_plan (ckpt, weights, cfg, &f->plan, error))
    goto fail;
  f->gemm = radio_cuda_gemm_new (cfg->dtype,
      cfg->dtype != RADIO_CUDA_F32 && !cfg->exact_gelu, GEMM_WORKSPACE_BYTES,
      error);
  if (!f->gemm
      || !RADIO_CUDA_CHECK (cudaStreamCreateWithFlags (&f->stream,
              cudaStreamNonBlocking), error)
      || !RADIO_CUDA_CHECK (cudaMalloc ((void **) &f->dev, f->plan.bytes),
          error)
      || !RADIO_CUDA_CHECK (cudaHostAlloc ((void **) &f->host_outputs,
              MAX (f->plan.out_floats, 1) * sizeof (float),
              cudaHostAllocDefault), error)
      || !RADIO_CUDA_CHECK (cudaMemsetAsync (f->dev, 0, f->plan.bytes,
              f->stream), error))
    goto fail;

  /* The preprocessing parameters that do not depend on the frame. */
  f->pp.canvas_width = (int) cfg->width;
  f->pp.canvas_height = (int) cfg->height;
  f->pp.patch = (int) ckpt->patch_size;
  memcpy (f->pp.mean, ckpt->cond_mean, sizeof f->pp.mean);
  memcpy (f->pp.std, ckpt->cond_std, sizeof f->pp.std);

  /* Position embeddings depend only on the grid: resized once here.  The
   * R x R grid goes to m x m, m = max(h, w), and its top-left h x w cells
   * are kept; at h = w = R this is an exact copy. */
  m = MAX (f->plan.grid_h, f->plan.grid_w);
  if (!RADIO_CUDA_CHECK (radio_cuda_resize_bilinear (FBUF (f, pos),
              f->plan.grid_h, f->plan.grid_w, m, m, weights->pos_grid,
              weights->pos_dtype, R, R, f->plan.dim,
              interp == RADIO_POS_INTERP_HALF_PIXEL ? RADIO_RESIZE_HALF_PIXEL
              : RADIO_RESIZE_ALIGN_CORNERS, f->stream), error))
    goto fail;

  /* One eager run checks every launch and creates the cuBLASLt plans
   * outside the capture; then the graph. */
  if (!record_forward (f, error)
      || !RADIO_CUDA_CHECK (cudaStreamSynchronize (f->stream), error)
      || (cfg->use_graph && !capture (f, error)))
    goto fail;
  return f;

fail:
  radio_cuda_forward_free (f);
  return NULL;
}

void
radio_cuda_forward_free (RadioCudaForward *f)
{
  guint i;

  if (!f)
    return;
  if (f->stream)
    cudaStreamSynchronize (f->stream);
  if (f->graph_exec)
    cudaGraphExecDestroy (f->graph_exec);
  if (f->graph)
    cudaGraphDestroy (f->graph);
  for (i = 0; i < f->max_events; i++)
    if (f->events[i])
      cudaEventDestroy (f->events[i]);
  for (i = 0; i < 2; i++)
    if (f->timer[i])
      cudaEventDestroy (f->timer[i]);
  g_free (f->events);
  g_free (f->event_stage);
  radio_cuda_gemm_free (f->gemm);
  radio_cuda_frame_staging_clear (&f->staging);
  if (f->host_outputs)
    cudaFreeHost (f->host_outputs);
  if (f->dev)
    cudaFree (f->dev);
  if (f->stream)
    cudaStreamDestroy (f->stream);
  radio_checkpoint_unref (f->ckpt);
  g_free (f);
}

static gboolean
ensure_events (RadioCudaForward *f, GError **error)
{
  guint want = 16 * f->ckpt->depth + 64 + 64 * f->cfg.n_adaptors, i;

  if (f->max_events >= want)
    return TRUE;
  f->events = g_renew (cudaEvent_t, f->events, want);
  f->event_stage = g_renew (RadioCudaStage, f->event_stage, want);
  for (i = f->max_events; i < want; i++)
    f->events[i] = NULL;
  for (i = f->max_events; i < want; i++) {
    TRY (cudaEventCreate (&f->events[i]));
    f->max_events = i + 1;
  }
  return TRUE;
}

/* The last staged frame into every batch slot, then the forward (graph
 * replay, or eager when profiling or without a graph). */
static gboolean
launch_forward (RadioCudaForward *f, GError **error)
{
  const RadioCudaForwardPlan *p = &f->plan;
  gsize patch_bytes = (gsize) p->n_patches * p->patch_ld
      * radio_cuda_dtype_size (f->cfg.dtype);
  guint b;

  for (b = 0; b < p->batch; b++)
    TRY (radio_cuda_preprocess ((guint8 *) BUF (f, patches)
            + b * patch_bytes, f->cfg.dtype, p->patch_ld, &f->pp,
            f->stream));
  if (f->profiling || !f->graph_exec)
    return record_forward (f, error);
  TRY (cudaGraphLaunch (f->graph_exec, f->stream));
  return TRUE;
}

gboolean
radio_cuda_forward_run_frame (RadioCudaForward *f, const RadioFrame *frame,
    const RadioPlacement *placement, double *stage_ms, GError **error)
{
  const RadioCudaForwardPlan *p = &f->plan;
  guint i;

  f->profiling = stage_ms != NULL;
  f->n_events = 0;
  /* A staging that fails part way leaves f->pp half updated (or pointing
   * at freed planes): radio_cuda_forward_time must not replay it. */
  f->have_frame = FALSE;
  if (f->profiling && !ensure_events (f, error))
    goto fail;
  if (!mark (f, RADIO_CUDA_STAGE_PREPROCESS, error)
      || !radio_cuda_frame_stage (&f->staging, frame, placement,
          f->cfg.width, f->cfg.height, f->stream, &f->pp, error))
    goto fail;
  f->have_frame = TRUE;
  if (!launch_forward (f, error) || !mark (f, RADIO_CUDA_STAGE_REST, error)
      || !RADIO_CUDA_CHECK (cudaMemcpyAsync (f->host_outputs,
              FBUF (f, outputs), p->out_floats * sizeof (float),
              cudaMemcpyDeviceToHost, f->stream), error)
      || !mark (f, RADIO_CUDA_STAGE_REST, error)
      || !RADIO_CUDA_CHECK (cudaStreamSynchronize (f->stream), error))
    goto fail;

  if (stage_ms) {
    for (i = 0; i < RADIO_CUDA_N_STAGES; i++)
      stage_ms[i] = 0.0;
    for (i = 0; i + 1 < f->n_events; i++) {
      float ms = 0.0f;
      if (!RADIO_CUDA_CHECK (cudaEventElapsedTime (&ms, f->events[i],
                  f->events[i + 1]), error))
        goto fail;
      stage_ms[f->event_stage[i]] += ms;
    }
  }
  f->profiling = FALSE;
  return TRUE;

fail:
  /* Leave the stream idle, so the runner can try the next frame. */
  cudaStreamSynchronize (f->stream);
  f->profiling = FALSE;
  return FALSE;
}

gboolean
radio_cuda_forward_time (RadioCudaForward *f, guint iterations,
    double *mean_ms, double *best_ms, GError **error)
{
  guint i;

  *mean_ms = 0.0;
  *best_ms = G_MAXDOUBLE;
  if (!f->have_frame) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "no frame has been run yet");
    return FALSE;
  }
  for (i = 0; i < 2; i++)
    if (!f->timer[i])
      TRY (cudaEventCreate (&f->timer[i]));
  for (i = 0; i < iterations; i++) {
    float ms = 0.0f;

    if (!RADIO_CUDA_CHECK (cudaEventRecord (f->timer[0], f->stream), error)
        || !launch_forward (f, error)
        || !RADIO_CUDA_CHECK (cudaEventRecord (f->timer[1], f->stream),
            error)
        || !RADIO_CUDA_CHECK (cudaEventSynchronize (f->timer[1]), error)
        || !RADIO_CUDA_CHECK (cudaEventElapsedTime (&ms, f->timer[0],
                f->timer[1]), error)) {
      cudaStreamSynchronize (f->stream);
      return FALSE;
    }
    *mean_ms += ms / iterations;
    *best_ms = MIN (*best_ms, ms);
  }
  return TRUE;
}

const RadioCudaForwardPlan *
radio_cuda_forward_get_plan (RadioCudaForward *f)
{
  return &f->plan;
}

void
radio_cuda_forward_get_outputs (RadioCudaForward *f, guint index,
    RadioOutputs *o, RadioAdaptorOutput *adaptors)
{
  const RadioCudaForwardPlan *p = &f->plan;
  RadioCheckpoint *c = f->ckpt;
  guint i;

  memset (o, 0, sizeof *o);
  o->summary_length = c->n_summary * p->dim;
  o->summary = f->host_outputs + p->out_summary
      + (gsize) index * o->summary_length;
  o->grid_height = p->grid_h;
  o->grid_width = p->grid_w;
  o->dim = p->dim;
  o->spatial = f->host_outputs + p->out_spatial
      + (gsize) index * p->n_patches * p->dim;
  o->n_adaptors = f->cfg.n_adaptors;
  o->adaptors = adaptors;
  for (i = 0; i < f->cfg.n_adaptors; i++) {
    const RadioCudaAdaptor *a = &f->w->adaptors[f->cfg.adaptors[i]];
    guint u = a->feature.upsample_factor;
    RadioAdaptorOutput *ao = &adaptors[i];

    ao->name = a->source->name;
    ao->summary_dim = a->summary.output_dim;
    ao->summary = f->host_outputs + p->out_adaptor_summary[i]
        + (gsize) index * ao->summary_dim;
    ao->spatial_height = p->grid_h * u;
    ao->spatial_width = p->grid_w * u;
    ao->spatial_dim = a->feature.output_dim;
    ao->spatial = f->host_outputs + p->out_adaptor_spatial[i]
        + (gsize) index * ao->spatial_height * ao->spatial_width
        * ao->spatial_dim;
  }
}

guint64
radio_cuda_forward_get_bytes (RadioCudaForward *f)
{
  return f->plan.bytes + f->plan.out_floats * sizeof (float)
      + 2 * f->staging.bytes + radio_cuda_gemm_get_workspace_bytes (f->gemm);
}
