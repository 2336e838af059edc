/* radio-forward-fast.c: the fast CPU forward (RADIO_CPU_MODE_FAST and
 * FAST_PLAIN), the same computation as radio-model.c's reference path
 * (radio-model.md section 2) as a flat per-layer sequence of parallel jobs
 * on the forward's worker pool (radio-workers.h).
 *
 * Layouts are the reference path's: x [N, D] residual stream, normed
 * [N, D], qkv [N, 3D], attn [N, D], wide [N, hidden].  Per block:
 *
 *   normed = LN1 (x)                      (fused into the previous step)
 *   qkv    = normed Wqkv^T + b            columns split over threads
 *   attn   = MHSA (qkv)                   head x query-tile tasks
 *   normed = attn Wproj^T + b
 *   x += ls1 normed; normed = LN2 (x)     one pass per row
 *   wide   = GELU (normed Wfc1^T + b)     GELU on each task's own tile
 *   normed = wide Wfc2^T + b
 *   x += ls2 normed; normed = LN1' (x)    the next block's LN, or none
 *
 * Matrix products split the output into column slices (each thread reads
 * only its own rows of W) and, for many tokens, row slices; each slice is
 * one single-threaded BLAS call (the BLAS's own threads are set to 1, so
 * the two never compete for cores) or one plain-kernel call.  Each thread
 * has its own scratch (fw->thread_scratch); nothing is allocated here.
 */
#include "radio-forward-private.h"

#include <string.h>

/* Column slices narrower than this cost more in packing than they gain. */
#define MIN_SLICE_COLUMNS 64
/* Row slices: enough rows to amortise packing a weight slice. */
#define ROWS_PER_SLICE 512
#define MIN_SLICE_ROWS 16

static float *
thread_scratch (RadioForward *fw, guint thread)
{
  return fw->thread_scratch + (gsize) thread * fw->scratch_floats;
}

static RadioCpuGemmImpl
gemm_impl (RadioForward *fw)
{
  return fw->mode == RADIO_CPU_MODE_FAST ? RADIO_CPU_GEMM_BLAS
      : RADIO_CPU_GEMM_PLAIN;
}

/* ---- matrix products ---------------------------------------------------- */

typedef enum {
  LINEAR_SET = 0,              /* y = x W^T + b (+ add_rows) */
  LINEAR_ACCUMULATE = 1 << 0,  /* y += x W^T + b */
  LINEAR_GELU = 1 << 1,        /* y = GELU (x W^T + b) */
} LinearFlags;

typedef struct {
  RadioForward *fw;
  float *y;                /* [rows, N] */
  const float *x;          /* [rows, K] */
  guint rows, K, N;
  RadioTensorView weight;  /* [N, K] */
  const float *bias;       /* [N] or NULL */
  const float *add_rows;   /* [rows, N] or NULL, added like the bias */
  LinearFlags flags;
  guint row_slice, n_row_slices, col_slice;
} LinearJob;

static void
linear_task (gpointer data, guint task, guint thread)
{
  LinearJob *j = data;
  guint r0 = task % j->n_row_slices * j->row_slice;
  guint c0 = task / j->n_row_slices * j->col_slice;
  guint rows = MIN (j->row_slice, j->rows - r0);
  guint cols = MIN (j->col_slice, j->N - c0);
  gsize esize = radio_dtype_size (j->weight.dtype);
  float *y = j->y + (gsize) r0 * j->N + c0;
  RadioTensorView w = j->weight;
  float beta = 1.0f;
  guint r, c;

  if (r0 >= j->rows || c0 >= j->N)
    return;
  /* The bias (and position embeddings) go into y first and the product
   * accumulates onto them, as in radio_cpu_linear. */
  if (j->flags & LINEAR_ACCUMULATE) {
    if (j->bias) {
      for (r = 0; r < rows; r++) {
        float *yr = y + (gsize) r * j->N;
        const float *b = j->bias + c0;

        for (c = 0; c < cols; c++)
          yr[c] += b[c];
      }
    }
  } else if (j->bias || j->add_rows) {
    for (r = 0; r < rows; r++) {
      float *yr = y + (gsize) r * j->N;
      const float *ar = j->add_rows
          ? j->add_rows + (gsize) (r0 + r) * j->N + c0 : NULL;

      if (j->bias)
        memcpy (yr, j->bias + c0, cols * sizeof (float));
      else
        memset (yr, 0, cols * sizeof (float));
      if (ar)
        for (c = 0; c < cols; c++)
          yr[c] += ar[c];
    }
  } else {
    beta = 0.0f;
  }
  w.data = (const guint8 *) w.data + (gsize) c0 * j->K * esize;
  radio_cpu_gemm (gemm_impl (j->fw), RADIO_CPU_GEMM_B_NK, rows, cols, j->K,
      1.0f, j->x + (gsize) r0 * j->K, j->K, w, j->K, beta, y, j->N,
      thread_scratch (j->fw, thread));
  if (j->flags & LINEAR_GELU)
    for (r = 0; r < rows; r++)
      radio_cpu_gelu_fast (y + (gsize) r * j->N, cols);
}

/* y[rows, N] = x[rows, K] W^T + bias, as flags say. */
static void
linear_ext (RadioForward *fw, float *y, const float *x, guint rows,
    RadioTensorView stored_weight, guint K, guint N, const float *bias,
    const float *add_rows, LinearFlags flags)
{
  LinearJob j = { 0 };
  guint T = fw->n_threads, n_cols, n_rows;

  j.fw = fw;
  j.y = y;
  j.x = x;
  j.rows = rows;
  j.K = K;
  j.N = N;
  j.weight = fw->mode == RADIO_CPU_MODE_FAST
      ? radio_cpu_weights_lookup (fw->weights, stored_weight) : stored_weight;
  j.bias = bias;
  j.add_rows = add_rows;
  j.flags = flags;

  n_cols = MAX (MIN (T, N / MIN_SLICE_COLUMNS), 1);
  j.col_slice = (N + n_cols - 1) / n_cols;
  j.col_slice = (j.col_slice + 15) / 16 * 16;
  n_cols = (N + j.col_slice - 1) / j.col_slice;
  n_rows = (rows + ROWS_PER_SLICE - 1) / ROWS_PER_SLICE;
  if (n_cols * n_rows < T)
    n_rows = MAX (MIN ((T + n_cols - 1) / n_cols, rows / MIN_SLICE_ROWS),
        n_rows);
  n_rows = MAX (n_rows, 1);
  j.row_slice = (rows + n_rows - 1) / n_rows;
  j.n_row_slices = (rows + j.row_slice - 1) / j.row_slice;
  radio_workers_run (fw->workers, j.n_row_slices * n_cols, linear_task, &j);
}

static void
linear (RadioForward *fw, float *y, const float *x, guint rows,
    const RadioLinear *lin, LinearFlags flags)
{
  linear_ext (fw, y, x, rows, lin->weight, lin->in_dim, lin->out_dim,
      lin->bias, NULL, flags);
}

/* ---- row kernels -------------------------------------------------------- */

typedef enum {
  ROWS_LAYERNORM,          /* y = LN (x) [then GELU] */
  ROWS_RESIDUAL,           /* x += scale delta [; y = LN (x)] */
  ROWS_SUBTRACT,           /* x -= vector */
} RowsKind;

typedef struct {
  RowsKind kind;
  float *x;
  const float *delta;      /* residual input, or the vector to subtract */
  const float *scale;
  float *y;
  const RadioNorm *norm;   /* NULL: no LayerNorm after the residual */
  gboolean gelu;
  guint rows, dim, slice;
} RowsJob;

static void
rows_task (gpointer data, guint task, guint thread)
{
  RowsJob *j = data;
  guint r0 = task * j->slice, n = MIN (j->slice, j->rows - r0);
  gsize off = (gsize) r0 * j->dim;
  const RadioNorm *nm = j->norm;

  switch (j->kind) {
    case ROWS_LAYERNORM:
      radio_cpu_layernorm_fast (j->y + off, j->x + off, n, j->dim,
          nm->weight, nm->bias, nm->eps, j->gelu);
      break;
    case ROWS_RESIDUAL:
      radio_cpu_residual_layernorm (j->x + off, j->delta + off, NULL,
          j->scale, n, j->dim, nm ? j->y + off : NULL, nm ? nm->weight : NULL,
          nm ? nm->bias : NULL, nm ? nm->eps : 0.0f);
      break;
    case ROWS_SUBTRACT:
      radio_cpu_subtract_row_vector (j->x + off, n, j->dim, j->delta);
      break;
  }
}

static void
run_rows (RadioForward *fw, RowsJob *j)
{
  /* Two slices per thread evens out a slower thread; rows are cheap. */
  guint n = MAX (MIN (2 * fw->n_threads, j->rows), 1);

  j->slice = (j->rows + n - 1) / n;
  radio_workers_run (fw->workers, (j->rows + j->slice - 1) / j->slice,
      rows_task, j);
}

static void
layernorm (RadioForward *fw, float *y, const float *x, guint rows,
    const RadioNorm *norm, gboolean gelu)
{
  RowsJob j = { 0 };

  j.kind = ROWS_LAYERNORM;
  j.x = (float *) x;
  j.y = y;
  j.norm = norm;
  j.gelu = gelu;
  j.rows = rows;
  j.dim = norm->dim;
  run_rows (fw, &j);
}

/* x += scale delta, then y = LN (x) when next_norm is not NULL. */
static void
residual (RadioForward *fw, float *x, const float *delta, const float *scale,
    guint rows, guint dim, float *y, const RadioNorm *next_norm)
{
  RowsJob j = { 0 };

  j.kind = ROWS_RESIDUAL;
  j.x = x;
  j.delta = delta;
  j.scale = scale;
  j.y = y;
  j.norm = next_norm;
  j.rows = rows;
  j.dim = dim;
  run_rows (fw, &j);
}

/* ---- patches and attention ---------------------------------------------- */

typedef struct {
  RadioForward *fw;
  const float *image;
  guint band;              /* patch rows per task */
} PatchJob;

static void
patch_task (gpointer data, guint task, guint thread)
{
  PatchJob *j = data;
  RadioForward *fw = j->fw;
  RadioCheckpoint *c = fw->ckpt;
  guint P = c->patch_size, row0 = task * j->band;
  guint n = MIN (j->band, fw->grid_h - row0);

  radio_cpu_image_to_patches (fw->wide + (gsize) row0 * fw->grid_w * 3 * P
      * P, j->image + (gsize) row0 * P * fw->width * 3, (gsize) n * P,
      fw->width, P, c->cond_mean, c->cond_std);
}

typedef struct {
  RadioForward *fw;
} AttentionJob;

static void
attention_task (gpointer data, guint task, guint thread)
{
  AttentionJob *j = data;
  RadioForward *fw = j->fw;
  RadioCheckpoint *c = fw->ckpt;

  radio_cpu_attention_tiled_task (gemm_impl (fw), fw->attn, fw->qkv,
      fw->n_tokens, c->num_heads, c->head_dim, fw->query_tile, fw->key_tile,
      task, thread_scratch (fw, thread));
}

/* ---- the model ---------------------------------------------------------- */

static void
run_block (RadioForward *fw, const RadioBlock *b, const RadioNorm *next_norm)
{
  RadioCheckpoint *c = fw->ckpt;
  guint N = fw->n_tokens, D = c->embed_dim;
  AttentionJob aj = { fw };

  linear (fw, fw->qkv, fw->normed, N, &b->qkv, LINEAR_SET);
  radio_workers_run (fw->workers, radio_cpu_attention_tiled_n_tasks (N,
          c->num_heads, fw->query_tile), attention_task, &aj);
  linear (fw, fw->normed, fw->attn, N, &b->proj, LINEAR_SET);
  residual (fw, fw->x, fw->normed, b->ls1, N, D, fw->normed, &b->norm2);

  linear (fw, fw->wide, fw->normed, N, &b->fc1, LINEAR_GELU);
  if (b->mlp_norm.dim)
    layernorm (fw, fw->wide, fw->wide, N, &b->mlp_norm, FALSE);
  linear (fw, fw->normed, fw->wide, N, &b->fc2, LINEAR_SET);
  /* The final norm (if any) is applied to x in place. */
  residual (fw, fw->x, fw->normed, b->ls2, N, D,
      next_norm == &c->final_norm ? fw->x : fw->normed, next_norm);
}

/* The v2 adaptor MLP on in[rows, D] into out[rows, out_total], with wide and
 * wide2 as [rows, hidden] temporaries (as run_mlp in radio-model.c). */
static void
run_mlp (RadioForward *fw, const RadioMlp *m, const float *in, guint rows,
    float *out)
{
  float *h = fw->wide, *t = fw->wide2;
  guint i;

  if (m->pre_norm.dim) {
    layernorm (fw, fw->normed, in, rows, &m->pre_norm, TRUE);
    in = fw->normed;
  }
  linear (fw, h, in, rows, &m->fc1, LINEAR_SET);
  for (i = 0; i < m->num_inner; i++) {
    layernorm (fw, t, h, rows, &m->inner_norms[i], TRUE);
    linear (fw, h, t, rows, &m->inner_linears[i], LINEAR_ACCUMULATE);
  }
  layernorm (fw, t, h, rows, &m->final_norm, TRUE);
  linear (fw, out, t, rows, &m->final_linear, LINEAR_SET);
}

void
radio_forward_run_fast (RadioForward *fw, const float *image)
{
  RadioCheckpoint *c = fw->ckpt;
  guint D = c->embed_dim, T = c->num_prefix_tokens, N = fw->n_tokens;
  guint hw = fw->grid_h * fw->grid_w, i;
  float *patch_tokens = fw->x + (gsize) T * D;
  PatchJob pj = { fw, image, 0 };
  guint n_bands;

  /* This forward's threads do the splitting; a BLAS that started its own
   * threads per call would oversubscribe the cores. */
  if (fw->mode == RADIO_CPU_MODE_FAST)
    radio_cpu_blas_set_threads (1);

  /* 1-3: condition, patchify, embed, add position embeddings. */
  n_bands = MIN (fw->grid_h, 2 * fw->n_threads);
  pj.band = (fw->grid_h + n_bands - 1) / n_bands;
  radio_workers_run (fw->workers, (fw->grid_h + pj.band - 1) / pj.band,
      patch_task, &pj);
  linear_ext (fw, patch_tokens, fw->wide, hw, c->embedder.weight,
      c->embedder.in_dim, c->embedder.out_dim, c->embedder.bias, fw->pos,
      LINEAR_SET);
  /* 4: prefix tokens. */
  memcpy (fw->x, c->prefix_tokens, (gsize) T * D * sizeof (float));
  if (c->patch_norm.dim)
    layernorm (fw, fw->x, fw->x, N, &c->patch_norm, FALSE);
  /* 5-6: transformer; each block ends with the next one's first LN. */
  if (c->depth > 0)
    layernorm (fw, fw->normed, fw->x, N, &c->blocks[0].norm1, FALSE);
  for (i = 0; i < c->depth; i++) {
    const RadioNorm *next = i + 1 < c->depth ? &c->blocks[i + 1].norm1
        : c->final_norm.dim ? &c->final_norm : NULL;

    run_block (fw, &c->blocks[i], next);
  }
  if (c->depth == 0 && c->final_norm.dim)
    layernorm (fw, fw->x, fw->x, N, &c->final_norm, FALSE);
  /* 7: outputs. */
  for (i = 0; i < c->n_summary; i++)
    memcpy (fw->summary + (gsize) i * D,
        fw->x + (gsize) c->summary_idxs[i] * D, D * sizeof (float));
  if (c->normalizer_mean) {
    RowsJob sj = { 0 };

    memcpy (fw->normed, patch_tokens, (gsize) hw * D * sizeof (float));
    sj.kind = ROWS_SUBTRACT;
    sj.x = fw->normed;
    sj.delta = c->normalizer_mean;
    sj.rows = hw;
    sj.dim = D;
    run_rows (fw, &sj);
    linear_ext (fw, fw->spatial, fw->normed, hw, c->normalizer_tx, D, D,
        NULL, NULL, LINEAR_SET);
  } else {
    memcpy (fw->spatial, patch_tokens, (gsize) hw * D * sizeof (float));
  }
  radio_forward_run_adaptors (fw, run_mlp);
}
