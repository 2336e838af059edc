/* radio-cuda-plan.c: shapes and workspace layout of a CUDA forward (see
 * radio-cuda-forward.h), host only: every buffer's offset in the one
 * device allocation, the output offsets and the FLOP count. */
#include "radio-cuda-forward.h"

#include <string.h>

#include "radio-error.h"

#define WORKSPACE_ALIGN 256

static gsize
reserve (gsize *total, gsize bytes)
{
  gsize offset = (*total + WORKSPACE_ALIGN - 1) / WORKSPACE_ALIGN
      * WORKSPACE_ALIGN;
  *total = offset + bytes;
  return offset;
}

static double
mlp_flops (const RadioCudaMlp *m, double rows)
{
  double f = (double) m->fc1.in_dim * m->fc1.out_dim;
  guint i;

  for (i = 0; i < m->num_inner; i++)
    f += (double) m->inner_linears[i].in_dim * m->inner_linears[i].out_dim;
  f += (double) m->final_linear.in_dim * m->final_linear.out_dim;
  return 2.0 * rows * f;
}

gboolean
radio_cuda_forward_plan (RadioCheckpoint *ckpt, const RadioCudaWeights *w,
    const RadioCudaForwardConfig *cfg, RadioCudaForwardPlan *p,
    GError **error)
{
  guint P = ckpt->patch_size, i;
  gsize es = radio_cuda_dtype_size (cfg->dtype), B, rows, prows, total = 0;
  double N, D;

  memset (p, 0, sizeof *p);
  if (cfg->height == 0 || cfg->width == 0 || cfg->height % P
      || cfg->width % P) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "model input %ux%u is not a positive multiple of the patch size %u",
        cfg->width, cfg->height, P);
    return FALSE;
  }
  if ((guint64) cfg->height * cfg->width > (guint64) 16384 * 16384
      || cfg->batch == 0 || cfg->batch > 4096) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "model input %ux%u x %u images is out of range", cfg->width,
        cfg->height, cfg->batch);
    return FALSE;
  }
  if (ckpt->head_dim == 0 || ckpt->head_dim > RADIO_CUDA_ATTENTION_MAX_HEAD_DIM
      || ckpt->head_dim * ckpt->num_heads != ckpt->embed_dim) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED,
        "the CUDA backend supports attention head sizes up to %u, not %u",
        RADIO_CUDA_ATTENTION_MAX_HEAD_DIM, ckpt->head_dim);
    return FALSE;
  }
  if (cfg->n_adaptors > RADIO_CUDA_MAX_ADAPTORS) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "at most %d adaptors at once", RADIO_CUDA_MAX_ADAPTORS);
    return FALSE;
  }

  p->batch = cfg->batch;
  p->grid_h = cfg->height / P;
  p->grid_w = cfg->width / P;
  p->n_patches = p->grid_h * p->grid_w;
  p->n_prefix = ckpt->num_prefix_tokens;
  p->n_tokens = p->n_prefix + p->n_patches;
  p->dim = ckpt->embed_dim;
  p->heads = ckpt->num_heads;
  p->head_dim = ckpt->head_dim;
  p->hidden = 0;
  for (i = 0; i < ckpt->depth; i++)
    p->hidden = MAX (p->hidden, w->blocks[i].fc1.out_dim);
  p->patch_ld = w->embedder.ld;
  for (i = 0; i < cfg->n_adaptors; i++) {
    const RadioCudaAdaptor *a = &w->adaptors[cfg->adaptors[i]];
    const RadioCudaMlp *m[2] = { &a->summary, &a->feature };
    guint k;
    for (k = 0; k < 2; k++) {
      p->adaptor_width = MAX (p->adaptor_width, m[k]->fc1.in_dim);
      p->adaptor_width = MAX (p->adaptor_width, m[k]->fc1.out_dim);
      p->adaptor_out_width = MAX (p->adaptor_out_width,
          m[k]->final_linear.out_dim);
    }
  }

  B = cfg->batch;
  rows = B * p->n_tokens;
  prows = B * p->n_patches;
  p->patches = reserve (&total, prows * p->patch_ld * es);
  p->embedded = reserve (&total, prows * p->dim * es);
  p->pos = reserve (&total, (gsize) p->n_patches * p->dim * sizeof (float));
  p->x = reserve (&total, rows * p->dim * sizeof (float));
  p->normed = reserve (&total, rows * p->dim * es);
  p->qkv = reserve (&total, rows * 3 * p->dim * es);
  p->attn = reserve (&total, rows * p->dim * es);
  p->delta = reserve (&total, rows * p->dim * es);
  p->hidden_buf = reserve (&total, rows * p->hidden * es);
  p->spatial_in = reserve (&total, prows * p->dim * es);
  p->spatial = reserve (&total, prows * p->dim * es);
  p->adaptor_in = reserve (&total, B * p->dim * es);
  p->adaptor_h = reserve (&total, prows * p->adaptor_width * es);
  p->adaptor_t = reserve (&total, prows * p->adaptor_width * es);
  p->adaptor_out = reserve (&total, prows * p->adaptor_out_width * es);

  p->out_summary = 0;
  p->out_spatial = B * ckpt->n_summary * p->dim;
  p->out_floats = p->out_spatial + prows * p->dim;
  for (i = 0; i < cfg->n_adaptors; i++) {
    const RadioCudaAdaptor *a = &w->adaptors[cfg->adaptors[i]];
    gsize u = a->feature.upsample_factor;
    p->out_adaptor_summary[i] = p->out_floats;
    p->out_floats += B * a->summary.output_dim;
    p->out_adaptor_spatial[i] = p->out_floats;
    p->out_floats += prows * u * u * a->feature.output_dim;
  }
  p->outputs = reserve (&total, p->out_floats * sizeof (float));
  p->bytes = reserve (&total, 0);

  /* As radio_forward_get_flops. */
  N = p->n_tokens;
  D = p->dim;
  p->flops_per_image = ckpt->depth * (2.0 * N * (4 * D * D
          + 2 * D * ckpt->mlp_hidden) + 4.0 * N * N * D)
      + 2.0 * p->n_patches * D * 3.0 * P * P;
  if (w->normalizer_mean)
    p->flops_per_image += 2.0 * p->n_patches * D * D;
  for (i = 0; i < cfg->n_adaptors; i++) {
    const RadioCudaAdaptor *a = &w->adaptors[cfg->adaptors[i]];
    p->flops_per_image += mlp_flops (&a->summary, 1)
        + mlp_flops (&a->feature, p->n_patches);
  }
  return TRUE;
}
