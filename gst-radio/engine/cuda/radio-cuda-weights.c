/* radio-cuda-weights.c: layout, conversion and upload of a checkpoint's
 * weights for the CUDA backend, and the cache that shares one upload per
 * (checkpoint, device, precision) between runners (see
 * radio-cuda-weights.h for the layout). */
#include "radio-cuda-weights.h"

#include <string.h>

#include "radio-cuda-error.h"

#define WEIGHT_ALIGN 256

typedef struct {
  RadioCudaDType dtype;
  guint8 *base;
  gsize size;
  GArray *jobs;
  GError **error;
  gboolean failed;
} Layout;

/* Reserves the job's bytes on the next 256-byte boundary; returns where
 * they land (NULL while only measuring). */
static gpointer
reserve (Layout *l, RadioCudaWeightJob *job)
{
  gsize offset = (l->size + WEIGHT_ALIGN - 1) / WEIGHT_ALIGN * WEIGHT_ALIGN;

  job->offset = offset;
  l->size = offset + job->bytes;
  if (l->jobs)
    g_array_append_val (l->jobs, *job);
  return l->base ? l->base + offset : NULL;
}

static gboolean
convertible (Layout *l, RadioTensorView view, const char *what)
{
  if (view.dtype == RADIO_DTYPE_F32 || view.dtype == RADIO_DTYPE_F16
      || view.dtype == RADIO_DTYPE_BF16)
    return TRUE;
  if (!l->failed)
    g_set_error (l->error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED,
        "the CUDA backend cannot convert %s weights stored as %s", what,
        radio_dtype_name (view.dtype));
  l->failed = TRUE;
  return FALSE;
}

static const float *
place_floats (Layout *l, const float *src, gsize n)
{
  RadioCudaWeightJob job = { 0 };

  if (!src || n == 0)
    return NULL;
  job.kind = RADIO_CUDA_JOB_FLOATS;
  job.floats = src;
  job.cols = n;
  job.bytes = n * sizeof (float);
  return reserve (l, &job);
}

static void
place_norm (Layout *l, RadioCudaNorm *dst, const RadioNorm *src)
{
  dst->dim = src->dim;
  dst->eps = src->eps;
  dst->weight = place_floats (l, src->dim ? src->weight : NULL, src->dim);
  dst->bias = place_floats (l, src->dim ? src->bias : NULL, src->dim);
}

static void
place_linear (Layout *l, RadioCudaLinear *dst, const RadioLinear *src,
    guint ld, const char *what)
{
  RadioCudaWeightJob job = { 0 };
  gsize es = radio_cuda_dtype_size (l->dtype);

  dst->in_dim = src->in_dim;
  dst->out_dim = src->out_dim;
  dst->ld = ld;
  dst->weight = NULL;
  dst->bias = NULL;
  if (!convertible (l, src->weight, what))
    return;
  job.kind = RADIO_CUDA_JOB_MATRIX;
  job.view = src->weight;
  job.rows = src->out_dim;
  job.cols = src->in_dim;
  job.ld = ld;
  job.bytes = (gsize) src->out_dim * ld * es;
  dst->weight = reserve (l, &job);
  if (src->bias) {
    RadioCudaWeightJob bias = { 0 };
    bias.kind = RADIO_CUDA_JOB_VECTOR;
    bias.floats = src->bias;
    bias.cols = src->out_dim;
    bias.bytes = src->out_dim * es;
    dst->bias = reserve (l, &bias);
  }
}

static void
place_mlp (Layout *l, RadioCudaMlp *dst, const RadioMlp *src,
    const char *what)
{
  guint i;

  place_norm (l, &dst->pre_norm, &src->pre_norm);
  place_linear (l, &dst->fc1, &src->fc1, src->fc1.in_dim, what);
  dst->num_inner = src->num_inner;
  dst->inner_norms = g_new0 (RadioCudaNorm, MAX (src->num_inner, 1));
  dst->inner_linears = g_new0 (RadioCudaLinear, MAX (src->num_inner, 1));
  for (i = 0; i < src->num_inner; i++) {
    place_norm (l, &dst->inner_norms[i], &src->inner_norms[i]);
    place_linear (l, &dst->inner_linears[i], &src->inner_linears[i],
        src->inner_linears[i].in_dim, what);
  }
  place_norm (l, &dst->final_norm, &src->final_norm);
  place_linear (l, &dst->final_linear, &src->final_linear,
      src->final_linear.in_dim, what);
  dst->upsample_factor = src->upsample_factor;
  dst->output_dim = src->output_dim;
}

gboolean
radio_cuda_weights_layout (RadioCheckpoint *ckpt, RadioCudaDType dtype,
    guint8 *base, RadioCudaWeights *w, GArray *jobs, GError **error)
{
  Layout l = { dtype, base, 0, jobs, error, FALSE };
  guint P = ckpt->patch_size, D = ckpt->embed_dim, i;
  gsize R = ckpt->pos_grid;

  memset (w, 0, sizeof *w);
  w->dtype = dtype;

  /* Patch vectors are 3*P*P long; rows rounded up to 8 elements. */
  place_linear (&l, &w->embedder, &ckpt->embedder,
      (3 * P * P + 7) / 8 * 8, "patch embedder");
  if (convertible (&l, ckpt->pos_embed, "position embedding")) {
    RadioCudaWeightJob job = { 0 };
    job.kind = RADIO_CUDA_JOB_STORED;
    job.view = ckpt->pos_embed;
    job.cols = R * R * D;
    job.bytes = job.cols * radio_dtype_size (ckpt->pos_embed.dtype);
    w->pos_grid = reserve (&l, &job);
    w->pos_dtype = ckpt->pos_embed.dtype == RADIO_DTYPE_F32 ? RADIO_CUDA_F32
        : ckpt->pos_embed.dtype == RADIO_DTYPE_F16 ? RADIO_CUDA_F16
        : RADIO_CUDA_BF16;
  }
  w->prefix_tokens = place_floats (&l, ckpt->prefix_tokens,
      (gsize) ckpt->num_prefix_tokens * D);
  if (ckpt->n_summary) {
    RadioCudaWeightJob job = { 0 };
    job.kind = RADIO_CUDA_JOB_INDICES;
    job.indices = ckpt->summary_idxs;
    job.cols = ckpt->n_summary;
    job.bytes = ckpt->n_summary * sizeof (gint32);
    w->summary_idxs = reserve (&l, &job);
  }
  place_norm (&l, &w->patch_norm, &ckpt->patch_norm);

  w->blocks = g_new0 (RadioCudaBlock, MAX (ckpt->depth, 1));
  for (i = 0; i < ckpt->depth; i++) {
    const RadioBlock *src = &ckpt->blocks[i];
    RadioCudaBlock *dst = &w->blocks[i];

    place_norm (&l, &dst->norm1, &src->norm1);
    place_linear (&l, &dst->qkv, &src->qkv, src->qkv.in_dim, "qkv");
    place_linear (&l, &dst->proj, &src->proj, src->proj.in_dim, "proj");
    dst->ls1 = place_floats (&l, src->ls1, D);
    place_norm (&l, &dst->norm2, &src->norm2);
    place_linear (&l, &dst->fc1, &src->fc1, src->fc1.in_dim, "fc1");
    place_norm (&l, &dst->mlp_norm, &src->mlp_norm);
    place_linear (&l, &dst->fc2, &src->fc2, src->fc2.in_dim, "fc2");
    dst->ls2 = place_floats (&l, src->ls2, D);
  }
  place_norm (&l, &w->final_norm, &ckpt->final_norm);

  if (ckpt->normalizer_mean) {
    RadioLinear tx = { ckpt->normalizer_tx, NULL, D, D };
    w->normalizer_mean = place_floats (&l, ckpt->normalizer_mean, D);
    place_linear (&l, &w->normalizer, &tx, D, "feature normalizer");
  }

  w->n_adaptors = ckpt->n_adaptors;
  w->adaptors = g_new0 (RadioCudaAdaptor, MAX (ckpt->n_adaptors, 1));
  for (i = 0; i < ckpt->n_adaptors; i++) {
    w->adaptors[i].source = &ckpt->adaptors[i];
    place_mlp (&l, &w->adaptors[i].summary, &ckpt->adaptors[i].summary,
        "adaptor");
    place_mlp (&l, &w->adaptors[i].feature, &ckpt->adaptors[i].feature,
        "adaptor");
  }

  w->bytes = (l.size + WEIGHT_ALIGN - 1) / WEIGHT_ALIGN * WEIGHT_ALIGN;
  if (l.failed) {
    radio_cuda_weights_clear (w);
    return FALSE;
  }
  return TRUE;
}

void
radio_cuda_weights_clear (RadioCudaWeights *w)
{
  guint i;

  for (i = 0; w->adaptors && i < w->n_adaptors; i++) {
    g_free (w->adaptors[i].summary.inner_norms);
    g_free (w->adaptors[i].summary.inner_linears);
    g_free (w->adaptors[i].feature.inner_norms);
    g_free (w->adaptors[i].feature.inner_linears);
  }
  g_clear_pointer (&w->adaptors, g_free);
  g_clear_pointer (&w->blocks, g_free);
}

/* dst[n] in dtype from float src[n], rounding to nearest even. */
static void
narrow (guint8 *dst, const float *src, gsize n, RadioCudaDType dtype)
{
  gsize i;

  if (dtype == RADIO_CUDA_F32) {
    memcpy (dst, src, n * sizeof (float));
    return;
  }
  for (i = 0; i < n; i++) {
    guint16 h = dtype == RADIO_CUDA_F16 ? radio_f32_to_f16 (src[i])
        : radio_f32_to_bf16 (src[i]);
    memcpy (dst + 2 * i, &h, 2);
  }
}

static gboolean
same_type (RadioDType stored, RadioCudaDType dtype)
{
  return (stored == RADIO_DTYPE_F32 && dtype == RADIO_CUDA_F32)
      || (stored == RADIO_DTYPE_F16 && dtype == RADIO_CUDA_F16)
      || (stored == RADIO_DTYPE_BF16 && dtype == RADIO_CUDA_BF16);
}

void
radio_cuda_weight_job_fill (const RadioCudaWeightJob *job,
    RadioCudaDType dtype, void *dst)
{
  guint8 *out = dst;
  gsize i, es = radio_cuda_dtype_size (dtype);

  switch (job->kind) {
    case RADIO_CUDA_JOB_MATRIX: {
      gsize stored = radio_dtype_size (job->view.dtype);
      float *row = g_new (float, MAX (job->cols, 1));

      for (i = 0; i < job->rows; i++) {
        const guint8 *src = (const guint8 *) job->view.data
            + i * job->cols * stored;
        guint8 *d = out + i * job->ld * es;

        if (same_type (job->view.dtype, dtype)) {
          memcpy (d, src, job->cols * es);
        } else {
          RadioTensorView v = { src, job->view.dtype };
          radio_cpu_convert_to_f32 (row, v, job->cols);
          narrow (d, row, job->cols, dtype);
        }
        memset (d + job->cols * es, 0, (job->ld - job->cols) * es);
      }
      g_free (row);
      break;
    }
    case RADIO_CUDA_JOB_VECTOR:
      narrow (out, job->floats, job->cols, dtype);
      break;
    case RADIO_CUDA_JOB_FLOATS:
      memcpy (out, job->floats, job->cols * sizeof (float));
      break;
    case RADIO_CUDA_JOB_STORED:
      memcpy (out, job->view.data, job->bytes);
      break;
    case RADIO_CUDA_JOB_INDICES:
      for (i = 0; i < job->cols; i++) {
        gint32 v = (gint32) job->indices[i];
        memcpy (out + 4 * i, &v, 4);
      }
      break;
  }
}

/* ---- the shared cache --------------------------------------------------- */

typedef struct {
  RadioCudaWeights weights; /* first, so release() can map back */
  RadioCheckpoint *ckpt;
  int device;
  gint refs;
  void *device_base;
} SharedWeights;

static GMutex cache_lock;
static GList *cache; /* SharedWeights* */

static void
shared_free (SharedWeights *s)
{
  int previous = -1;

  if (s->device_base) {
    /* cudaFree works on the current device's context. */
    cudaGetDevice (&previous);
    cudaSetDevice (s->device);
    cudaFree (s->device_base);
    if (previous >= 0)
      cudaSetDevice (previous);
  }
  radio_cuda_weights_clear (&s->weights);
  if (s->ckpt)
    radio_checkpoint_unref (s->ckpt);
  g_free (s);
}

/* Converts every tensor on the host, one at a time (host memory stays at
 * the largest tensor), and copies it to the device on a private stream. */
static gboolean
upload (SharedWeights *s, RadioCheckpoint *ckpt, RadioCudaDType dtype,
    GError **error)
{
  RadioCudaWeights measure;
  g_autoptr (GArray) jobs = g_array_new (FALSE, TRUE,
      sizeof (RadioCudaWeightJob));
  cudaStream_t stream = NULL;
  guint8 *host = NULL;
  gsize host_size = 0;
  gboolean ok = FALSE;
  guint i;

  if (!radio_cuda_weights_layout (ckpt, dtype, NULL, &measure, NULL, error))
    return FALSE;
  radio_cuda_weights_clear (&measure);
  if (!RADIO_CUDA_CHECK (cudaMalloc (&s->device_base, measure.bytes), error))
    return FALSE;
  if (!radio_cuda_weights_layout (ckpt, dtype, s->device_base, &s->weights,
          jobs, error))
    return FALSE;
  if (!RADIO_CUDA_CHECK (cudaStreamCreateWithFlags (&stream,
              cudaStreamNonBlocking), error))
    return FALSE;
  for (i = 0; i < jobs->len; i++) {
    const RadioCudaWeightJob *job = &g_array_index (jobs,
        RadioCudaWeightJob, i);

    /* The previous copy may still be reading the host buffer. */
    if (!RADIO_CUDA_CHECK (cudaStreamSynchronize (stream), error))
      goto out;
    if (job->bytes > host_size) {
      g_free (host);
      host_size = job->bytes;
      host = g_try_malloc (host_size);
      if (!host) {
        g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
            "cannot allocate %.1f MB of host memory to convert weights",
            host_size / 1e6);
        goto out;
      }
    }
    radio_cuda_weight_job_fill (job, dtype, host);
    if (!RADIO_CUDA_CHECK (cudaMemcpyAsync ((guint8 *) s->device_base
                + job->offset, host, job->bytes, cudaMemcpyHostToDevice,
                stream), error))
      goto out;
  }
  ok = RADIO_CUDA_CHECK (cudaStreamSynchronize (stream), error);
out:
  cudaStreamDestroy (stream);
  g_free (host);
  return ok;
}

const RadioCudaWeights *
radio_cuda_weights_acquire (RadioCheckpoint *ckpt, int device,
    RadioCudaDType dtype, GError **error)
{
  SharedWeights *s = NULL;
  GList *l;

  g_mutex_lock (&cache_lock);
  for (l = cache; l; l = l->next) {
    SharedWeights *e = l->data;
    if (e->ckpt == ckpt && e->device == device && e->weights.dtype == dtype) {
      e->refs++;
      s = e;
      break;
    }
  }
  if (!s) {
    s = g_new0 (SharedWeights, 1);
    s->device = device;
    s->refs = 1;
    if (upload (s, ckpt, dtype, error)) {
      s->ckpt = radio_checkpoint_ref (ckpt);
      cache = g_list_prepend (cache, s);
    } else {
      shared_free (s);
      s = NULL;
    }
  }
  g_mutex_unlock (&cache_lock);
  return s ? &s->weights : NULL;
}

void
radio_cuda_weights_release (const RadioCudaWeights *weights)
{
  SharedWeights *s = (SharedWeights *) weights;

  if (!s)
    return;
  g_mutex_lock (&cache_lock);
  if (--s->refs == 0) {
    cache = g_list_remove (cache, s);
    shared_free (s);
  }
  g_mutex_unlock (&cache_lock);
}
