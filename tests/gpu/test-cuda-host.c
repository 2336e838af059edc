/* test-cuda-host: the host-side logic of the CUDA backend, which runs
 * without a GPU (and so in CI):
 *   - the weight layout (256-byte aligned, non-overlapping, inside the
 *     allocation) and every conversion, against radio_f32_to_f16 /
 *     radio_f32_to_bf16 and the checkpoint's own values, including the
 *     embedder's zero padding (patch 14: 588 -> 592 columns);
 *   - the workspace plan: shapes, disjoint aligned buffers, output offsets,
 *     and the FLOP count against the CPU forward's;
 *   - frame validation: the CUDA staging accepts exactly the frames and
 *     placements radio_cpu_frame_to_image accepts, and packs their planes;
 *   - RADIO_CUDA_CHECK: statement, status name and file:line in the GError,
 *     for CUDA and cuBLAS statuses. */
#include <glib.h>
#include <string.h>

#include "radio-cuda-error.h"
#include "radio-cuda-forward.h"
#include "radio-cuda-frame.h"
#include "radio-cuda-weights.h"
#include "radio-model.h"
#include "test-util.h"

static int
compare_offsets (gconstpointer a, gconstpointer b)
{
  const RadioCudaWeightJob *x = a, *y = b;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The element of a converted buffer as float. */
static float
element (const guint8 *base, const void *p, gsize i, RadioCudaDType dtype)
{
  const guint8 *at = (const guint8 *) p + i * radio_cuda_dtype_size (dtype);
  guint16 h;
  float f;

  g_assert_true (at >= base);
  if (dtype == RADIO_CUDA_F32) {
    memcpy (&f, at, 4);
    return f;
  }
  memcpy (&h, at, 2);
  return dtype == RADIO_CUDA_F16 ? radio_f16_to_f32 (h)
      : radio_bf16_to_f32 (h);
}

static float
expected (float v, RadioCudaDType dtype)
{
  if (dtype == RADIO_CUDA_F16)
    return radio_f16_to_f32 (radio_f32_to_f16 (v));
  if (dtype == RADIO_CUDA_BF16)
    return radio_bf16_to_f32 (radio_f32_to_bf16 (v));
  return v;
}

/* One element of a checkpoint matrix in float. */
static float
stored (RadioTensorView view, gsize i)
{
  float f;
  RadioTensorView v = { (const guint8 *) view.data
        + i * radio_dtype_size (view.dtype), view.dtype };
  radio_cpu_convert_to_f32 (&f, v, 1);
  return f;
}

static void
check_layout (const char *model, RadioCudaDType dtype)
{
  g_autoptr (RadioCheckpoint) ckpt = radio_test_load_golden (model);
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) jobs = g_array_new (FALSE, TRUE,
      sizeof (RadioCudaWeightJob));
  RadioCudaWeights measure, w;
  guint8 *base;
  gsize i, r, c, plen;
  const RadioCudaBlock *b;

  g_assert_true (radio_cuda_weights_layout (ckpt, dtype, NULL, &measure,
          NULL, &error));
  g_assert_no_error (error);
  radio_cuda_weights_clear (&measure);
  base = g_malloc (measure.bytes + 256);
  /* As cudaMalloc: 256-byte aligned. */
  {
    guint8 *aligned = (guint8 *) (((guintptr) base + 255) & ~(guintptr) 255);
    g_assert_true (radio_cuda_weights_layout (ckpt, dtype, aligned, &w, jobs,
            &error));
    g_assert_no_error (error);
    g_assert_cmpuint (w.bytes, ==, measure.bytes);
    g_array_sort (jobs, compare_offsets);
    for (i = 0; i < jobs->len; i++) {
      const RadioCudaWeightJob *job = &g_array_index (jobs,
          RadioCudaWeightJob, i);
      g_assert_cmpuint (job->offset % 256, ==, 0);
      g_assert_cmpuint (job->offset + job->bytes, <=, w.bytes);
      if (i + 1 < jobs->len)
        g_assert_cmpuint (job->offset + job->bytes, <=,
            g_array_index (jobs, RadioCudaWeightJob, i + 1).offset);
      radio_cuda_weight_job_fill (job, dtype, aligned + job->offset);
    }

    /* Embedder: converted, rows padded with zeros to a multiple of 8. */
    plen = 3 * ckpt->patch_size * ckpt->patch_size;
    g_assert_cmpuint (w.embedder.ld, ==, (plen + 7) / 8 * 8);
    g_assert_cmpuint (w.embedder.in_dim, ==, plen);
    for (r = 0; r < w.embedder.out_dim; r += 7)
      for (c = 0; c < w.embedder.ld; c++) {
        float got = element (aligned, w.embedder.weight,
            r * w.embedder.ld + c, dtype);
        if (c < plen)
          g_assert_cmpfloat (got, ==, expected (stored (ckpt->embedder.weight,
                      r * plen + c), dtype));
        else
          g_assert_cmpfloat (got, ==, 0.0f);
      }

    /* A block: matrices, biases (in the run's dtype), norms and layer
     * scales (float32). */
    b = &w.blocks[ckpt->depth - 1];
    for (i = 0; i < (gsize) 3 * ckpt->embed_dim * ckpt->embed_dim; i += 13)
      g_assert_cmpfloat (element (aligned, b->qkv.weight, i, dtype), ==,
          expected (stored (ckpt->blocks[ckpt->depth - 1].qkv.weight, i),
              dtype));
    for (i = 0; i < ckpt->mlp_hidden; i++)
      g_assert_cmpfloat (element (aligned, b->fc1.bias, i, dtype), ==,
          expected (ckpt->blocks[ckpt->depth - 1].fc1.bias[i], dtype));
    for (i = 0; i < ckpt->embed_dim; i++) {
      g_assert_cmpfloat (b->norm2.weight[i], ==,
          ckpt->blocks[ckpt->depth - 1].norm2.weight[i]);
      if (b->ls2)
        g_assert_cmpfloat (b->ls2[i], ==, ckpt->blocks[ckpt->depth - 1].ls2[i]);
    }
    g_assert_true ((b->ls1 != NULL) == (ckpt->blocks[0].ls1 != NULL));
    g_assert_cmpfloat (b->norm1.eps, ==, ckpt->blocks[0].norm1.eps);

    /* Prefix tokens, summary indices, the position grid as stored. */
    for (i = 0; i < (gsize) ckpt->num_prefix_tokens * ckpt->embed_dim; i++)
      g_assert_cmpfloat (w.prefix_tokens[i], ==, ckpt->prefix_tokens[i]);
    for (i = 0; i < ckpt->n_summary; i++)
      g_assert_cmpint (w.summary_idxs[i], ==, (int) ckpt->summary_idxs[i]);
    g_assert_cmpmem (w.pos_grid, (gsize) ckpt->pos_grid * ckpt->pos_grid
        * ckpt->embed_dim * radio_dtype_size (ckpt->pos_embed.dtype),
        ckpt->pos_embed.data, (gsize) ckpt->pos_grid * ckpt->pos_grid
        * ckpt->embed_dim * radio_dtype_size (ckpt->pos_embed.dtype));

    /* Feature normalizer and adaptors, when the model has them. */
    g_assert_true ((w.normalizer_mean != NULL)
        == (ckpt->normalizer_mean != NULL));
    if (w.normalizer_mean) {
      g_assert_null (w.normalizer.bias);
      for (i = 0; i < (gsize) ckpt->embed_dim * ckpt->embed_dim; i += 5)
        g_assert_cmpfloat (element (aligned, w.normalizer.weight, i, dtype),
            ==, expected (stored (ckpt->normalizer_tx, i), dtype));
    }
    g_assert_cmpuint (w.n_adaptors, ==, ckpt->n_adaptors);
    for (i = 0; i < w.n_adaptors; i++) {
      const RadioCudaMlp *m = &w.adaptors[i].summary;
      const RadioMlp *src = &ckpt->adaptors[i].summary;
      g_assert_cmpuint (m->num_inner, ==, src->num_inner);
      g_assert_cmpuint (m->final_linear.out_dim, ==, src->final_linear.out_dim);
      if (m->num_inner)
        g_assert_cmpfloat (element (aligned, m->inner_linears[0].bias, 0,
                dtype), ==, expected (src->inner_linears[0].bias[0], dtype));
    }
  }
  radio_cuda_weights_clear (&w);
  g_free (base);
}

static void
test_weight_layout (void)
{
  const char *models[] = { "tiny-v25", "tiny-cv4", "tiny-v1-p14" };
  guint m;
  int dtype;

  for (m = 0; m < G_N_ELEMENTS (models); m++)
    for (dtype = RADIO_CUDA_F32; dtype <= RADIO_CUDA_BF16; dtype++)
      check_layout (models[m], dtype);
}

static gboolean
disjoint (gsize a, gsize a_len, gsize b, gsize b_len)
{
  return a + a_len <= b || b + b_len <= a;
}

static void
test_plan (void)
{
  g_autoptr (RadioCheckpoint) ckpt = radio_test_load_golden ("tiny-v25");
  g_autoptr (GError) error = NULL;
  const char *names[] = { "clip", NULL };
  RadioCudaForwardConfig cfg;
  RadioCudaForwardPlan p;
  RadioCudaWeights w;
  RadioForward *fw;
  gsize B = 3, es = 2, prows, rows;
  guint i, k;

  g_assert_true (radio_cuda_weights_layout (ckpt, RADIO_CUDA_BF16, NULL, &w,
          NULL, &error));
  memset (&cfg, 0, sizeof cfg);
  cfg.compute_capability = 90;
  cfg.dtype = RADIO_CUDA_BF16;
  cfg.batch = B;
  cfg.height = 96;
  cfg.width = 160;
  cfg.n_adaptors = 1;
  cfg.adaptors[0] = 0;
  g_assert_true (radio_cuda_forward_plan (ckpt, &w, &cfg, &p, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (p.grid_h, ==, 6);
  g_assert_cmpuint (p.grid_w, ==, 10);
  g_assert_cmpuint (p.n_tokens, ==, ckpt->num_prefix_tokens + 60);
  g_assert_cmpuint (p.head_dim * p.heads, ==, p.dim);
  g_assert_cmpuint (p.patch_ld, ==, 768);
  prows = B * p.n_patches;
  rows = B * p.n_tokens;
  {
    const gsize off[] = { p.patches, p.embedded, p.pos, p.x, p.normed, p.qkv,
      p.attn, p.delta, p.hidden_buf, p.spatial_in, p.spatial, p.adaptor_in,
      p.adaptor_h, p.adaptor_t, p.adaptor_out, p.outputs };
    const gsize len[] = { prows * p.patch_ld * es, prows * p.dim * es,
      (gsize) p.n_patches * p.dim * 4, rows * p.dim * 4, rows * p.dim * es,
      rows * 3 * p.dim * es, rows * p.dim * es, rows * p.dim * es,
      rows * p.hidden * es, prows * p.dim * es, prows * p.dim * es,
      B * p.dim * es, prows * p.adaptor_width * es,
      prows * p.adaptor_width * es, prows * p.adaptor_out_width * es,
      p.out_floats * 4 };
    for (i = 0; i < G_N_ELEMENTS (off); i++) {
      g_assert_cmpuint (off[i] % 256, ==, 0);
      g_assert_cmpuint (off[i] + len[i], <=, p.bytes);
      for (k = 0; k < i; k++)
        g_assert_true (disjoint (off[i], len[i], off[k], len[k]));
    }
  }
  /* Outputs: summary, spatial, then the adaptor's two, back to back. */
  g_assert_cmpuint (p.out_spatial, ==, B * ckpt->n_summary * p.dim);
  g_assert_cmpuint (p.out_adaptor_summary[0], ==, p.out_spatial
      + prows * p.dim);
  g_assert_cmpuint (p.out_adaptor_spatial[0], ==, p.out_adaptor_summary[0]
      + B * ckpt->adaptors[0].summary.output_dim);
  g_assert_cmpuint (p.out_floats, ==, p.out_adaptor_spatial[0]
      + prows * ckpt->adaptors[0].feature.output_dim);
  g_assert_cmpuint (p.adaptor_width, >=, p.dim);

  /* The FLOP count is the CPU forward's. */
  fw = radio_forward_new (ckpt, 96, 160, RADIO_POS_INTERP_AUTO, names,
      &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (p.flops_per_image, ==, radio_forward_get_flops (fw));
  radio_forward_free (fw);

  /* Sizes that are not multiples of the patch are refused. */
  cfg.width = 100;
  g_assert_false (radio_cuda_forward_plan (ckpt, &w, &cfg, &p, &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT);
  radio_cuda_weights_clear (&w);
}

static void
test_frame_validation (void)
{
  static guint8 pixels[64 * 64 * 4];
  const RadioPixelFormat formats[] = { RADIO_PIXEL_RGB, RADIO_PIXEL_BGRA,
    RADIO_PIXEL_XRGB, RADIO_PIXEL_NV12, RADIO_PIXEL_I420,
    (RadioPixelFormat) RADIO_PIXEL_COUNT };
  const gsize canvas_w = 48, canvas_h = 32;
  float *image = g_new (float, canvas_w * canvas_h * 3);
  float *scratch = g_new (float, 64 * 64 * 3 + canvas_w * canvas_h * 3);
  guint f, variant, n_valid = 0;

  for (f = 0; f < G_N_ELEMENTS (formats); f++)
    for (variant = 0; variant < 9; variant++) {
      RadioFrame fr;
      RadioPlacement pl;
      RadioCudaFrameLayout l;
      int offsets[3], size = radio_pixel_format_rgb_layout (formats[f],
          offsets);
      gboolean cuda_ok, cpu_ok;
      guint i;

      memset (&fr, 0, sizeof fr);
      memset (&pl, 0, sizeof pl);
      fr.format = formats[f];
      fr.width = 13;
      fr.height = 9;
      for (i = 0; i < 3; i++) {
        fr.planes[i] = pixels;
        fr.strides[i] = 64;
      }
      if (size)
        fr.strides[0] = 13 * size;
      if (formats[f] == RADIO_PIXEL_NV12)
        fr.strides[1] = 14; /* 2 * ceil(13 / 2) */
      if (formats[f] == RADIO_PIXEL_I420)
        fr.strides[1] = fr.strides[2] = 7;
      pl.width = canvas_w;
      pl.height = canvas_h;
      switch (variant) {
        case 1: fr.strides[0]--; break;
        case 2: fr.strides[formats[f] == RADIO_PIXEL_I420 ? 2 : 1]--; break;
        case 3: fr.planes[formats[f] == RADIO_PIXEL_I420 ? 2 : 1] = NULL;
          break;
        case 4: fr.width = 0; break;
        case 5: pl.x = 1; break;                  /* overflows the canvas */
        case 6: pl.x = 40; pl.width = 8; pl.height = 5; break;
        case 7: pl.height = 0; break;
        case 8: fr.planes[0] = NULL; break;
        default: break;
      }
      cuda_ok = radio_cuda_frame_layout (&fr, &l)
          && radio_cuda_placement_fits (&pl, canvas_w, canvas_h);
      cpu_ok = radio_cpu_frame_to_image (image, canvas_h, canvas_w, &fr, &pl,
          scratch) == 0;
      g_assert_cmpint (cuda_ok, ==, cpu_ok);
      if (!cuda_ok)
        continue;
      n_valid++;
      /* Planes packed row after row, each on a 256-byte boundary. */
      g_assert_cmpuint (l.row_bytes[0], ==, size ? 13 * (gsize) size : 13);
      g_assert_cmpuint (l.rows[0], ==, 9);
      g_assert_cmpint (l.pixel_bytes, ==, size);
      for (i = 1; i < (guint) l.n_planes; i++) {
        g_assert_cmpuint (l.rows[i], ==, 5);
        g_assert_cmpuint (l.offset[i] % 256, ==, 0);
        g_assert_cmpuint (l.offset[i], >=, l.offset[i - 1]
            + l.row_bytes[i - 1] * l.rows[i - 1]);
      }
      g_assert_cmpuint (l.bytes, ==, l.offset[l.n_planes - 1]
          + l.row_bytes[l.n_planes - 1] * l.rows[l.n_planes - 1]);
      if (size)
        for (i = 0; i < 3; i++)
          g_assert_cmpint (l.rgb_offsets[i], ==, offsets[i]);
    }
  g_assert_cmpuint (n_valid, >=, 5 * 3);
  g_free (image);
  g_free (scratch);
}

static cudaError_t
failing_cuda_call (cudaError_t status)
{
  return status;
}

static cublasStatus_t
failing_cublas_call (cublasStatus_t status)
{
  return status;
}

static void
test_error_macro (void)
{
  GError *error = NULL;

  g_assert_true (RADIO_CUDA_CHECK (failing_cuda_call (cudaSuccess), &error));
  g_assert_no_error (error);
  g_assert_false (RADIO_CUDA_CHECK (failing_cuda_call
          (cudaErrorMemoryAllocation), &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message,
          "failing_cuda_call (cudaErrorMemoryAllocation)"));
  g_assert_nonnull (strstr (error->message, "cudaErrorMemoryAllocation"));
  g_assert_nonnull (strstr (error->message, "test-cuda-host.c:"));
  g_clear_error (&error);

  g_assert_false (RADIO_CUDA_CHECK (failing_cuda_call
          (cudaErrorInsufficientDriver), &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED);
  g_clear_error (&error);

  g_assert_true (RADIO_CUDA_CHECK (failing_cublas_call
          (CUBLAS_STATUS_SUCCESS), &error));
  g_assert_false (RADIO_CUDA_CHECK (failing_cublas_call
          (CUBLAS_STATUS_EXECUTION_FAILED), &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "CUBLAS_STATUS_EXECUTION_FAILED"));
  g_assert_nonnull (strstr (error->message, "failing_cublas_call"));
  g_clear_error (&error);

  /* A NULL GError** is allowed, as everywhere in GLib. */
  g_assert_false (RADIO_CUDA_CHECK (failing_cuda_call (cudaErrorUnknown),
          NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!g_getenv ("RADIO_GOLDEN_DIR")) {
    g_printerr ("RADIO_GOLDEN_DIR is not set\n");
    return 1;
  }
  g_test_add_func ("/cuda-host/weight-layout", test_weight_layout);
  g_test_add_func ("/cuda-host/plan", test_plan);
  g_test_add_func ("/cuda-host/frame-validation", test_frame_validation);
  g_test_add_func ("/cuda-host/error-macro", test_error_macro);
  return g_test_run ();
}
