/* radio-model.c: the RADIO forward pass as a flat sequence of CPU kernel
 * calls (radio-model.md section 2): the float32 reference path, and the
 * RadioForward life cycle and settings shared with the fast path
 * (radio-forward-fast.c).  Token matrix x is [N, D] with N = T prefix tokens
 * (CLS tokens, then registers) + h*w patch tokens in raster order. */
#include "radio-model.h"
#include "radio-forward-private.h"

#include <math.h>
#include <string.h>

#include "radio-error.h"

guint
radio_nearest_model_size (guint pixels, guint patch)
{
  double cells = rint ((double) pixels / patch); /* ties to even */
  return (guint) MAX (cells, 1.0) * patch;
}

/* Large inputs need gigabytes: fail with an error, never abort. */
static float *
ws_alloc (RadioForward *fw, gsize n_floats)
{
  float *p = g_try_malloc0_n (MAX (n_floats, 1), sizeof (float));
  fw->workspace_bytes += n_floats * sizeof (float);
  fw->alloc_failed |= p == NULL;
  return p;
}

static guint
mlp_hidden (const RadioMlp *m)
{
  return m->fc1.out_dim;
}

/* 0 means one per online core.  At most MAX_THREADS: OpenBLAS builds keep
 * a fixed table of buffers for concurrent callers (Debian's: 64 threads),
 * and running out of it ends the process. */
#define MAX_THREADS 64

static guint
resolve_threads (guint n_threads)
{
  if (n_threads == 0)
    n_threads = MAX (g_get_num_processors (), 1);
  return MIN (n_threads, MAX_THREADS);
}

/* Starts n_threads - 1 workers (0: one thread per online core) and sizes
 * their scratch: the plain products' packing buffer or one attention task's
 * score tile, whichever is larger.  On failure fw keeps its previous
 * threads. */
static gboolean
set_up_threads (RadioForward *fw, guint n_threads, GError **error)
{
  RadioCheckpoint *c = fw->ckpt;
  RadioWorkers *workers;
  gsize query_tile, key_tile, floats;
  float *scratch;

  n_threads = resolve_threads (n_threads);
  radio_cpu_attention_pick_tiles (fw->n_tokens, c->num_heads, n_threads,
      &query_tile, &key_tile);
  floats = MAX (radio_cpu_gemm_scratch_floats (),
      radio_cpu_attention_tiled_scratch_floats (query_tile, key_tile));
  scratch = g_try_malloc_n ((gsize) n_threads * floats, sizeof (float));
  if (scratch == NULL) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "cannot allocate %.1f MB of scratch memory for %u CPU threads",
        (double) n_threads * floats * sizeof (float) / 1e6, n_threads);
    return FALSE;
  }
  workers = radio_workers_new (n_threads, error);
  if (workers == NULL) {
    g_free (scratch);
    return FALSE;
  }
  radio_workers_free (fw->workers);
  g_free (fw->thread_scratch);
  fw->workers = workers;
  fw->thread_scratch = scratch;
  fw->scratch_floats = floats;
  fw->n_threads = n_threads;
  fw->query_tile = query_tile;
  fw->key_tile = key_tile;
  return TRUE;
}

static void
update_description (RadioForward *fw)
{
  g_free (fw->description);
  switch (fw->mode) {
    case RADIO_CPU_MODE_FAST:
      fw->description = g_strdup_printf ("fast path, %u thread%s, %s",
          fw->n_threads, fw->n_threads == 1 ? "" : "s",
          radio_cpu_have_blas () ? radio_cpu_blas_name ()
          : "plain C matrix products (built without a BLAS)");
      break;
    case RADIO_CPU_MODE_FAST_PLAIN:
      fw->description = g_strdup_printf ("fast path, %u thread%s, plain C "
          "matrix products", fw->n_threads, fw->n_threads == 1 ? "" : "s");
      break;
    default:
      fw->description = g_strdup ("float32 reference kernels, 1 thread");
      break;
  }
}

void
radio_forward_set_threads (RadioForward *fw, guint n_threads)
{
  g_autoptr (GError) error = NULL;
  guint resolved = resolve_threads (n_threads);

  g_return_if_fail (fw != NULL);
  if (resolved == fw->n_threads)
    return;
  if (!set_up_threads (fw, resolved, &error))
    g_warning ("keeping %u CPU thread(s): %s", fw->n_threads,
        error->message);
  update_description (fw);
}

guint
radio_forward_get_threads (RadioForward *fw)
{
  g_return_val_if_fail (fw != NULL, 1);
  return fw->n_threads;
}

void
radio_forward_set_cpu_mode (RadioForward *fw, RadioCpuMode mode)
{
  g_return_if_fail (fw != NULL);
  g_return_if_fail ((guint) mode <= RADIO_CPU_MODE_REFERENCE);

  /* Only the BLAS needs float32 copies of bf16/f16 weights. */
  if (mode == RADIO_CPU_MODE_FAST && radio_cpu_have_blas ()) {
    if (fw->weights == NULL) {
      g_autoptr (GError) error = NULL;

      fw->weights = radio_cpu_weights_acquire (fw->ckpt, fw->workers,
          &error);
      if (fw->weights == NULL) {
        g_warning ("using the plain C matrix products: %s", error->message);
        mode = RADIO_CPU_MODE_FAST_PLAIN;
      }
    }
  } else {
    g_clear_pointer (&fw->weights, radio_cpu_weights_release);
  }
  fw->mode = mode;
  update_description (fw);
}

RadioCpuMode
radio_forward_get_cpu_mode (RadioForward *fw)
{
  g_return_val_if_fail (fw != NULL, RADIO_CPU_MODE_REFERENCE);
  return fw->mode;
}

const char *
radio_forward_describe_cpu (RadioForward *fw)
{
  g_return_val_if_fail (fw != NULL, NULL);
  return fw->description;
}

gsize
radio_forward_get_weight_copy_bytes (RadioForward *fw)
{
  g_return_val_if_fail (fw != NULL, 0);
  return radio_cpu_weights_get_bytes (fw->weights);
}

RadioForward *
radio_forward_new (RadioCheckpoint *ckpt, guint height, guint width,
    RadioPosInterp interp, const char *const *adaptors, GError **error)
{
  RadioForward *fw;
  guint P = ckpt->patch_size, D = ckpt->embed_dim, hw, wide, adaptor_hidden = 0;
  guint i;

  g_return_val_if_fail (ckpt != NULL, NULL);
  if (height == 0 || width == 0 || height % P || width % P) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "model input %ux%u is not a positive multiple of the patch size %u",
        width, height, P);
    return NULL;
  }
  if ((guint64) height * width > (guint64) 16384 * 16384) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "model input %ux%u is too large", width, height);
    return NULL;
  }
  fw = g_new0 (RadioForward, 1);
  fw->ckpt = radio_checkpoint_ref (ckpt);
  fw->height = height;
  fw->width = width;
  fw->grid_h = height / P;
  fw->grid_w = width / P;
  hw = fw->grid_h * fw->grid_w;
  fw->n_tokens = ckpt->num_prefix_tokens + hw;

  if (adaptors) {
    guint n = g_strv_length ((char **) adaptors);
    fw->adaptors = g_new0 (AdaptorState, MAX (n, 1));
    for (i = 0; i < n; i++) {
      const RadioAdaptor *a = radio_checkpoint_find_adaptor (ckpt,
          adaptors[i]);
      if (!a) {
        GString *avail = g_string_new (NULL);
        guint k;
        for (k = 0; k < ckpt->n_adaptors; k++)
          g_string_append_printf (avail, "%s%s", k ? ", " : "",
              ckpt->adaptors[k].name);
        g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
            "model %s has no adaptor '%s' (available: %s)", ckpt->path,
            adaptors[i], avail->len ? avail->str : "none");
        g_string_free (avail, TRUE);
        radio_forward_free (fw);
        return NULL;
      }
      fw->adaptors[fw->n_adaptors++].adaptor = a;
      adaptor_hidden = MAX (adaptor_hidden, mlp_hidden (&a->summary));
      adaptor_hidden = MAX (adaptor_hidden, mlp_hidden (&a->feature));
    }
  }

  wide = MAX (ckpt->mlp_hidden, 3 * P * P);
  wide = MAX (wide, adaptor_hidden);
  fw->pos = ws_alloc (fw, (gsize) hw * D);
  fw->image = ws_alloc (fw, (gsize) height * width * 3);
  fw->x = ws_alloc (fw, (gsize) fw->n_tokens * D);
  fw->normed = ws_alloc (fw, (gsize) fw->n_tokens * D);
  fw->qkv = ws_alloc (fw, (gsize) fw->n_tokens * 3 * D);
  fw->attn = ws_alloc (fw, (gsize) fw->n_tokens * D);
  fw->wide = ws_alloc (fw, (gsize) fw->n_tokens * wide);
  fw->wide2 = ws_alloc (fw, (gsize) hw * adaptor_hidden);
  fw->wide3 = ws_alloc (fw, (gsize) hw * adaptor_hidden);
  fw->summary = ws_alloc (fw, (gsize) ckpt->n_summary * D);
  fw->spatial = ws_alloc (fw, (gsize) hw * D);
  fw->linear_scratch = ws_alloc (fw, radio_cpu_linear_scratch_floats ());
  fw->attn_scratch = ws_alloc (fw,
      radio_cpu_attention_scratch_floats (fw->n_tokens, ckpt->head_dim));

  for (i = 0; i < fw->n_adaptors; i++) {
    AdaptorState *s = &fw->adaptors[i];
    const RadioAdaptor *a = s->adaptor;
    guint u = a->feature.upsample_factor;
    s->summary = ws_alloc (fw, a->summary.output_dim);
    s->spatial = ws_alloc (fw, (gsize) hw * u * u * a->feature.output_dim);
    if (u > 1)
      s->unshuffled = ws_alloc (fw,
          (gsize) hw * u * u * a->feature.output_dim);
    s->out.name = a->name;
    s->out.summary_dim = a->summary.output_dim;
    s->out.summary = s->summary;
    s->out.spatial_height = fw->grid_h * u;
    s->out.spatial_width = fw->grid_w * u;
    s->out.spatial_dim = a->feature.output_dim;
    s->out.spatial = s->spatial;
  }

  if (fw->alloc_failed) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "cannot allocate %.1f MB of working memory for a %ux%u input",
        fw->workspace_bytes / 1e6, width, height);
    radio_forward_free (fw);
    return NULL;
  }

  /* Position embeddings depend only on the grid: resize once.  The stored
   * R x R grid goes to m x m, m = max(h, w), of which the top-left h x w
   * cells are kept. */
  if (interp == RADIO_POS_INTERP_AUTO)
    interp = ckpt->pos_interp;
  {
    guint m = MAX (fw->grid_h, fw->grid_w), R = ckpt->pos_grid;
    if (fw->grid_h == R && fw->grid_w == R)
      radio_cpu_convert_to_f32 (fw->pos, ckpt->pos_embed, (gsize) hw * D);
    else
      radio_cpu_resize_bilinear (fw->pos, fw->grid_h, fw->grid_w, m, m,
          ckpt->pos_embed, R, R, D,
          interp == RADIO_POS_INTERP_HALF_PIXEL ? RADIO_RESIZE_HALF_PIXEL
          : RADIO_RESIZE_ALIGN_CORNERS);
  }

  if (!set_up_threads (fw, 0, error)) {
    radio_forward_free (fw);
    return NULL;
  }
  radio_forward_set_cpu_mode (fw, RADIO_CPU_MODE_FAST);
  return fw;
}

void
radio_forward_free (RadioForward *fw)
{
  guint i;

  if (!fw)
    return;
  for (i = 0; i < fw->n_adaptors; i++) {
    g_free (fw->adaptors[i].summary);
    g_free (fw->adaptors[i].spatial);
    g_free (fw->adaptors[i].unshuffled);
  }
  g_free (fw->adaptors);
  g_free (fw->pos);
  g_free (fw->image);
  g_free (fw->x);
  g_free (fw->normed);
  g_free (fw->qkv);
  g_free (fw->attn);
  g_free (fw->wide);
  g_free (fw->wide2);
  g_free (fw->wide3);
  g_free (fw->summary);
  g_free (fw->spatial);
  g_free (fw->linear_scratch);
  g_free (fw->attn_scratch);
  g_free (fw->src_f32);
  radio_workers_free (fw->workers);
  g_free (fw->thread_scratch);
  radio_cpu_weights_release (fw->weights);
  g_free (fw->description);
  radio_checkpoint_unref (fw->ckpt);
  g_free (fw);
}

static void
linear (RadioForward *fw, float *y, const float *x, guint rows,
    const RadioLinear *lin)
{
  radio_cpu_linear (y, x, rows, lin->in_dim, lin->out_dim, lin->weight,
      lin->bias, fw->linear_scratch);
}

static void
layernorm (float *y, const float *x, guint rows, const RadioNorm *norm)
{
  radio_cpu_layernorm (y, x, rows, norm->dim, norm->weight, norm->bias,
      norm->eps);
}

/* x = x + ls1 proj(MHSA(LN1(x)));  x = x + ls2 fc2(MLP(LN2(x))) */
static void
run_block (RadioForward *fw, const RadioBlock *b)
{
  RadioCheckpoint *c = fw->ckpt;
  guint N = fw->n_tokens, D = c->embed_dim;

  layernorm (fw->normed, fw->x, N, &b->norm1);
  linear (fw, fw->qkv, fw->normed, N, &b->qkv);
  radio_cpu_attention (fw->attn, fw->qkv, N, c->num_heads, c->head_dim,
      fw->attn_scratch);
  linear (fw, fw->normed, fw->attn, N, &b->proj);
  radio_cpu_residual_add (fw->x, fw->normed, N, D, b->ls1);

  layernorm (fw->normed, fw->x, N, &b->norm2);
  linear (fw, fw->wide, fw->normed, N, &b->fc1);
  radio_cpu_gelu (fw->wide, (gsize) N * b->fc1.out_dim);
  if (b->mlp_norm.dim)
    layernorm (fw->wide, fw->wide, N, &b->mlp_norm);
  linear (fw, fw->normed, fw->wide, N, &b->fc2);
  radio_cpu_residual_add (fw->x, fw->normed, N, D, b->ls2);
}

/* The v2 adaptor MLP on in[rows, D] into out[rows, out_total]; uses wide,
 * wide2 and wide3 as [rows, hidden] temporaries. */
static void
run_mlp (RadioForward *fw, const RadioMlp *m, const float *in, guint rows,
    float *out)
{
  guint H = mlp_hidden (m), i;
  float *h = fw->wide, *t = fw->wide2;

  if (m->pre_norm.dim) {
    /* pre_norm is LN + GELU on the input; normed is [N, D] >= rows x D */
    layernorm (fw->normed, in, rows, &m->pre_norm);
    radio_cpu_gelu (fw->normed, (gsize) rows * m->pre_norm.dim);
    in = fw->normed;
  }
  linear (fw, h, in, rows, &m->fc1);
  for (i = 0; i < m->num_inner; i++) {
    layernorm (t, h, rows, &m->inner_norms[i]);
    radio_cpu_gelu (t, (gsize) rows * H);
    linear (fw, fw->wide3, t, rows, &m->inner_linears[i]);
    radio_cpu_residual_add (h, fw->wide3, rows, H, NULL);
  }
  layernorm (t, h, rows, &m->final_norm);
  radio_cpu_gelu (t, (gsize) rows * H);
  linear (fw, out, t, rows, &m->final_linear);
}

void
radio_forward_run_adaptors (RadioForward *fw, RadioMlpRunner run_head)
{
  RadioCheckpoint *c = fw->ckpt;
  guint hw = fw->grid_h * fw->grid_w, i;

  for (i = 0; i < fw->n_adaptors; i++) {
    AdaptorState *s = &fw->adaptors[i];
    const RadioAdaptor *a = s->adaptor;
    guint u = a->feature.upsample_factor;

    run_head (fw, &a->summary, fw->x + (gsize) a->head_idx * c->embed_dim, 1,
        s->summary);
    if (u == 1) {
      run_head (fw, &a->feature, fw->spatial, hw, s->spatial);
    } else {
      run_head (fw, &a->feature, fw->spatial, hw, s->unshuffled);
      radio_cpu_depth_to_space (s->spatial, s->unshuffled, fw->grid_h,
          fw->grid_w, u, a->feature.output_dim);
    }
  }
}

static void
run_reference (RadioForward *fw, const float *image)
{
  RadioCheckpoint *c = fw->ckpt;
  guint D = c->embed_dim, T = c->num_prefix_tokens, P = c->patch_size;
  guint hw = fw->grid_h * fw->grid_w, i;
  float *patch_tokens = fw->x + (gsize) T * D;

  /* 1-3: condition, patchify, embed, add position embeddings. */
  radio_cpu_image_to_patches (fw->wide, image, fw->height, fw->width, P,
      c->cond_mean, c->cond_std);
  linear (fw, patch_tokens, fw->wide, hw, &c->embedder);
  radio_cpu_residual_add (patch_tokens, fw->pos, hw, D, NULL);
  /* 4: prefix tokens. */
  memcpy (fw->x, c->prefix_tokens, (gsize) T * D * sizeof (float));
  if (c->patch_norm.dim)
    layernorm (fw->x, fw->x, fw->n_tokens, &c->patch_norm);
  /* 5-6: transformer. */
  for (i = 0; i < c->depth; i++)
    run_block (fw, &c->blocks[i]);
  if (c->final_norm.dim)
    layernorm (fw->x, fw->x, fw->n_tokens, &c->final_norm);
  /* 7: outputs. */
  for (i = 0; i < c->n_summary; i++)
    memcpy (fw->summary + (gsize) i * D,
        fw->x + (gsize) c->summary_idxs[i] * D, D * sizeof (float));
  if (c->normalizer_mean) {
    memcpy (fw->normed, patch_tokens, (gsize) hw * D * sizeof (float));
    radio_cpu_subtract_row_vector (fw->normed, hw, D, c->normalizer_mean);
    radio_cpu_linear (fw->spatial, fw->normed, hw, D, D, c->normalizer_tx,
        NULL, fw->linear_scratch);
  } else {
    memcpy (fw->spatial, patch_tokens, (gsize) hw * D * sizeof (float));
  }
  radio_forward_run_adaptors (fw, run_mlp);
}

void
radio_forward_run (RadioForward *fw, const float *image)
{
  if (fw->mode == RADIO_CPU_MODE_REFERENCE)
    run_reference (fw, image);
  else
    radio_forward_run_fast (fw, image);
}

gboolean
radio_forward_run_rgb8 (RadioForward *fw, const guint8 *rgb,
    guint src_width, guint src_height, gsize stride, GError **error)
{
  guint y;

  if (src_width == 0 || src_height == 0 || stride < (gsize) src_width * 3) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "invalid RGB frame: %ux%u with a stride of %" G_GSIZE_FORMAT
        " bytes", src_width, src_height, stride);
    return FALSE;
  }
  if (src_width == fw->width && src_height == fw->height) {
    for (y = 0; y < src_height; y++)
      radio_cpu_u8_to_unit_f32 (fw->image + (gsize) y * src_width * 3,
          rgb + y * stride, (gsize) src_width * 3);
  } else {
    if (src_width != fw->src_w || src_height != fw->src_h) {
      g_free (fw->src_f32);
      fw->src_w = fw->src_h = 0;
      fw->src_f32 = g_try_malloc_n ((gsize) src_width * src_height * 3,
          sizeof (float));
      if (!fw->src_f32) {
        g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
            "cannot allocate memory to resize a %ux%u frame", src_width,
            src_height);
        return FALSE;
      }
      fw->src_w = src_width;
      fw->src_h = src_height;
    }
    for (y = 0; y < src_height; y++)
      radio_cpu_u8_to_unit_f32 (fw->src_f32 + (gsize) y * src_width * 3,
          rgb + y * stride, (gsize) src_width * 3);
    radio_cpu_resize_bilinear (fw->image, fw->height, fw->width, fw->height,
        fw->width, radio_tensor_view_f32 (fw->src_f32), src_height,
        src_width, 3, RADIO_RESIZE_HALF_PIXEL);
  }
  radio_forward_run (fw, fw->image);
  return TRUE;
}

RadioCheckpoint *
radio_forward_get_checkpoint (RadioForward *fw)
{
  return fw->ckpt;
}

guint
radio_forward_get_input_height (RadioForward *fw)
{
  return fw->height;
}

guint
radio_forward_get_input_width (RadioForward *fw)
{
  return fw->width;
}

const float *
radio_forward_get_summary (RadioForward *fw, guint *length)
{
  if (length)
    *length = fw->ckpt->n_summary * fw->ckpt->embed_dim;
  return fw->summary;
}

const float *
radio_forward_get_spatial (RadioForward *fw, guint *grid_height,
    guint *grid_width, guint *dim)
{
  if (grid_height)
    *grid_height = fw->grid_h;
  if (grid_width)
    *grid_width = fw->grid_w;
  if (dim)
    *dim = fw->ckpt->embed_dim;
  return fw->spatial;
}

guint
radio_forward_get_n_adaptors (RadioForward *fw)
{
  return fw->n_adaptors;
}

const RadioAdaptorOutput *
radio_forward_get_adaptor (RadioForward *fw, guint index)
{
  g_return_val_if_fail (index < fw->n_adaptors, NULL);
  return &fw->adaptors[index].out;
}

static double
mlp_flops (const RadioMlp *m, guint rows)
{
  double f = (double) m->fc1.in_dim * m->fc1.out_dim;
  guint i;
  for (i = 0; i < m->num_inner; i++)
    f += (double) m->inner_linears[i].in_dim * m->inner_linears[i].out_dim;
  f += (double) m->final_linear.in_dim * m->final_linear.out_dim;
  return 2.0 * rows * f;
}

double
radio_forward_get_flops (RadioForward *fw)
{
  RadioCheckpoint *c = fw->ckpt;
  double N = fw->n_tokens, D = c->embed_dim, hw = fw->grid_h * fw->grid_w;
  double per_block = 2.0 * N * (3 * D * D + D * D + 2 * D * c->mlp_hidden)
      + 4.0 * N * N * D; /* q k^T and p v */
  double total = c->depth * per_block
      + 2.0 * hw * D * 3.0 * c->patch_size * c->patch_size;
  guint i;

  if (c->normalizer_mean)
    total += 2.0 * hw * D * D;
  for (i = 0; i < fw->n_adaptors; i++)
    total += mlp_flops (&fw->adaptors[i].adaptor->summary, 1)
        + mlp_flops (&fw->adaptors[i].adaptor->feature, (guint) hw);
  return total;
}

gsize
radio_forward_get_workspace_bytes (RadioForward *fw)
{
  return fw->workspace_bytes
      + (gsize) fw->n_threads * fw->scratch_floats * sizeof (float);
}
