/* test-cuda-ops: every launcher of kernels/cuda, and the cuBLASLt Linear,
 * against its CPU reference (kernels/cpu) on odd shapes, in float32,
 * float16 and bfloat16.  Inputs of half-precision runs are rounded to the
 * half type first, so the reference sees the same numbers; the tolerances
 * (atol * rms + rtol * |ref| per element, and NMSE) are per precision.
 * Preprocessing, the position-embedding resize and the token assembly must
 * match the CPU exactly: they do the same float operations in the same
 * order.  Exits 77 (skipped) without a CUDA device. */
#include <cuda_runtime_api.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "gpu-test-util.h"
#include "radio-cuda-forward.h"
#include "radio-cuda-gemm.h"
#include "radio-cuda-kernels.h"
#include "radio-cuda-weights.h"
#include "radio-frame.h"

#define CUDA_OK(statement) g_assert_cmpint ((statement), ==, cudaSuccess)

static cudaStream_t stream;
static guint compute_capability;

static const GpuTolerance tol_exact = { 1e-6, 1e-6, 1e-12 };
/* Element-wise kernels: one rounding of the output. */
static const GpuTolerance tol_elementwise[3] = {
  { 1e-5, 1e-5, 1e-10 },
  { 2e-3, 2e-3, 1e-6 },
  { 1.6e-2, 1.6e-2, 2e-5 },
};
/* Reductions (products, attention): float32 sums in another order, half
 * roundings of intermediate values (P in attention). */
static const GpuTolerance tol_reduction[3] = {
  { 2e-5, 1e-4, 1e-9 },
  { 4e-3, 4e-3, 1e-5 },
  { 3e-2, 3e-2, 2e-4 },
};
static const char *const dtype_names[3] = { "f32", "f16", "bf16" };

static gsize
dsize (int dtype)
{
  return dtype == 0 ? 4 : 2;
}

static void *
dev_alloc (gsize bytes)
{
  void *p = NULL;
  CUDA_OK (cudaMalloc (&p, MAX (bytes, 1)));
  CUDA_OK (cudaMemset (p, 0, MAX (bytes, 1)));
  return p;
}

static void *
dev_from_floats (const float *x, gsize n, int dtype)
{
  void *host = g_malloc (MAX (n * dsize (dtype), 1));
  void *d = dev_alloc (n * dsize (dtype));

  gpu_test_narrow (host, x, n, dtype);
  CUDA_OK (cudaMemcpy (d, host, n * dsize (dtype), cudaMemcpyHostToDevice));
  g_free (host);
  return d;
}

static float *
floats_from_dev (const void *d, gsize n, int dtype)
{
  void *host = g_malloc (MAX (n * dsize (dtype), 1));
  float *out = g_new (float, MAX (n, 1));

  CUDA_OK (cudaStreamSynchronize (stream));
  CUDA_OK (cudaMemcpy (host, d, n * dsize (dtype), cudaMemcpyDeviceToHost));
  gpu_test_widen (out, host, n, dtype);
  g_free (host);
  return out;
}

static float *
random_floats (gsize n, float lo, float hi, guint64 seed)
{
  float *x = g_new (float, MAX (n, 1));
  guint64 state = seed * 0x9E3779B97F4A7C15ULL + 1;
  gpu_test_fill (x, n, lo, hi, &state);
  return x;
}

/* ---- preprocess.cu -------------------------------------------------------- */

typedef struct {
  RadioPixelFormat format;
  size_t width, height;
  size_t x, y, place_w, place_h; /* place_w 0: the whole canvas */
} FrameCase;

/* A random frame with padded strides; planes in *storage[]. */
static void
make_frame (RadioFrame *f, guint8 *storage[3], const FrameCase *fc,
    guint64 seed)
{
  size_t cw = (fc->width + 1) / 2, ch = (fc->height + 1) / 2, rows[3] = { 0 };
  int offsets[3], i;
  guint64 state = seed;

  memset (f, 0, sizeof *f);
  f->format = fc->format;
  f->width = fc->width;
  f->height = fc->height;
  if (fc->format == RADIO_PIXEL_NV12) {
    f->strides[0] = fc->width + 7;
    f->strides[1] = 2 * cw + 5;
    rows[0] = fc->height;
    rows[1] = ch;
  } else if (fc->format == RADIO_PIXEL_I420) {
    f->strides[0] = fc->width + 3;
    f->strides[1] = cw + 9;
    f->strides[2] = cw + 1;
    rows[0] = fc->height;
    rows[1] = rows[2] = ch;
  } else {
    f->strides[0] = fc->width * radio_pixel_format_rgb_layout (fc->format,
        offsets) + 11;
    rows[0] = fc->height;
  }
  for (i = 0; i < 3; i++) {
    gsize n = f->strides[i] * rows[i], k;
    storage[i] = NULL;
    if (!n)
      continue;
    storage[i] = g_malloc (n);
    for (k = 0; k < n; k++) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      storage[i][k] = (guint8) (state >> 56);
    }
    f->planes[i] = storage[i];
  }
  radio_yuv_to_rgb_coefficients (f, 0.2126, 0.0722, 16, 219, 128, 224);
}

static void
check_preprocess (const FrameCase *fc, size_t canvas_w, size_t canvas_h,
    size_t P, int dtype)
{
  RadioFrame frame;
  RadioPlacement pl = { 0 };
  RadioCudaPreprocess pp = { 0 };
  guint8 *storage[3];
  size_t hw = (canvas_w / P) * (canvas_h / P), plen = 3 * P * P;
  size_t ld = (plen + 7) / 8 * 8 + (P == 16 ? 8 : 0); /* test the padding */
  const float mean[3] = { 0.485f, 0.456f, 0.406f };
  const float std[3] = { 0.229f, 0.224f, 0.225f };
  float *image = g_new (float, canvas_w * canvas_h * 3);
  float *ref = g_new (float, hw * plen), *got, *scratch;
  float *cut = g_new (float, hw * plen);
  void *d_planes[3] = { NULL, NULL, NULL }, *d_patches;
  char *what;
  size_t i, k;
  int offsets[3] = { 0, 1, 2 };

  make_frame (&frame, storage, fc, fc->width * 131 + fc->height);
  pl.x = fc->x;
  pl.y = fc->y;
  pl.width = fc->place_w ? fc->place_w : canvas_w;
  pl.height = fc->place_w ? fc->place_h : canvas_h;
  pl.pad[0] = 0.1f;
  pl.pad[1] = 0.5f;
  pl.pad[2] = 0.9f;

  scratch = g_new (float, MAX (radio_cpu_frame_scratch_floats (&frame, &pl),
          1));
  g_assert_cmpint (radio_cpu_frame_to_image (image, canvas_h, canvas_w,
          &frame, &pl, scratch), ==, 0);
  radio_cpu_image_to_patches (ref, image, canvas_h, canvas_w, P, mean, std);
  gpu_test_round (ref, hw * plen, dtype);

  for (i = 0; i < 3; i++) {
    gsize rows = i == 0 ? frame.height : (frame.height + 1) / 2;
    if (!frame.planes[i])
      continue;
    d_planes[i] = dev_alloc (frame.strides[i] * rows);
    CUDA_OK (cudaMemcpy (d_planes[i], frame.planes[i],
            frame.strides[i] * rows, cudaMemcpyHostToDevice));
    pp.planes[i] = d_planes[i];
    pp.strides[i] = (int) frame.strides[i];
  }
  pp.format = frame.format;
  pp.width = (int) frame.width;
  pp.height = (int) frame.height;
  pp.pixel_bytes = radio_pixel_format_rgb_layout (frame.format, offsets);
  for (i = 0; i < 3; i++)
    pp.rgb_offsets[i] = offsets[i];
  memcpy (pp.yuv_offset, frame.yuv_offset, sizeof pp.yuv_offset);
  memcpy (pp.yuv_matrix, frame.yuv_matrix, sizeof pp.yuv_matrix);
  pp.x = (int) pl.x;
  pp.y = (int) pl.y;
  pp.place_width = (int) pl.width;
  pp.place_height = (int) pl.height;
  memcpy (pp.pad, pl.pad, sizeof pp.pad);
  pp.canvas_width = (int) canvas_w;
  pp.canvas_height = (int) canvas_h;
  pp.patch = (int) P;
  memcpy (pp.mean, mean, sizeof mean);
  memcpy (pp.std, std, sizeof std);

  d_patches = dev_alloc (hw * ld * dsize (dtype));
  CUDA_OK (cudaMemset (d_patches, 0x7f, hw * ld * dsize (dtype)));
  CUDA_OK (radio_cuda_preprocess (d_patches, dtype, ld, &pp, stream));
  got = floats_from_dev (d_patches, hw * ld, dtype);
  for (i = 0; i < hw; i++) {
    memcpy (cut + i * plen, got + i * ld, plen * sizeof (float));
    for (k = plen; k < ld; k++)
      g_assert_cmpfloat (got[i * ld + k], ==, 0.0f);
  }
  what = g_strdup_printf ("preprocess format %d %zux%zu -> %zux%zu at "
      "(%zu,%zu) %zux%zu P%zu %s", fc->format, fc->width, fc->height,
      canvas_w, canvas_h, pl.x, pl.y, pl.width, pl.height, P,
      dtype_names[dtype]);
  gpu_test_compare (what, cut, ref, hw * plen, &tol_exact);

  g_free (what);
  for (i = 0; i < 3; i++) {
    g_free (storage[i]);
    if (d_planes[i])
      cudaFree (d_planes[i]);
  }
  cudaFree (d_patches);
  g_free (image);
  g_free (ref);
  g_free (got);
  g_free (cut);
  g_free (scratch);
}

static void
test_preprocess (void)
{
  static const FrameCase p16[] = {
    { RADIO_PIXEL_RGB, 37, 29, 0, 0, 0, 0 },
    { RADIO_PIXEL_BGRA, 48, 32, 0, 0, 0, 0 },       /* no resampling */
    { RADIO_PIXEL_XRGB, 20, 13, 5, 7, 30, 20 },     /* letterbox */
    { RADIO_PIXEL_NV12, 37, 29, 0, 0, 0, 0 },       /* odd chroma */
    { RADIO_PIXEL_I420, 33, 17, 2, 3, 41, 25 },
    { RADIO_PIXEL_ABGR, 9, 7, 0, 0, 0, 0 },         /* upscale */
    { RADIO_PIXEL_RGBX, 101, 77, 0, 0, 0, 0 },      /* downscale */
    { RADIO_PIXEL_BGR, 30, 20, 18, 12, 30, 20 },    /* copy into a corner */
    { RADIO_PIXEL_ARGB, 16, 16, 0, 0, 0, 0 },
    { RADIO_PIXEL_XBGR, 50, 31, 0, 1, 48, 31 },
    { RADIO_PIXEL_BGRX, 47, 33, 0, 0, 0, 0 },
    { RADIO_PIXEL_RGBA, 48, 32, 0, 0, 0, 0 },
  };
  static const FrameCase p14[] = {
    { RADIO_PIXEL_NV12, 64, 48, 0, 0, 0, 0 },
    { RADIO_PIXEL_I420, 42, 28, 0, 0, 0, 0 },
    { RADIO_PIXEL_RGB, 11, 5, 1, 2, 40, 20 },
  };
  guint i;
  int dtype;

  for (dtype = 0; dtype < 3; dtype++) {
    for (i = 0; i < G_N_ELEMENTS (p16); i++)
      check_preprocess (&p16[i], 48, 32, 16, dtype);
    for (i = 0; i < G_N_ELEMENTS (p14); i++)
      check_preprocess (&p14[i], 42, 28, 14, dtype);
  }
}

/* ---- posembed.cu -------------------------------------------------------- */

static void
test_resize (void)
{
  static const struct {
    size_t in, out_h, out_w, rows, cols;
  } cases[] = {
    { 7, 11, 11, 9, 6 }, { 7, 3, 3, 3, 3 }, { 7, 1, 1, 1, 1 },
    { 7, 7, 7, 7, 7 }, { 5, 12, 12, 5, 12 }, { 16, 37, 37, 37, 23 },
  };
  const size_t C = 13;
  guint i;
  int dtype, mode;

  for (dtype = 0; dtype < 3; dtype++) {
    for (i = 0; i < G_N_ELEMENTS (cases); i++) {
      size_t in = cases[i].in, n_src = in * in * C;
      size_t n_dst = cases[i].rows * cases[i].cols * C;
      float *src = random_floats (n_src, -1, 1, 17 + i);
      void *stored = g_malloc (n_src * dsize (dtype));
      RadioTensorView view = { stored, dtype == 0 ? RADIO_DTYPE_F32
            : dtype == 1 ? RADIO_DTYPE_F16 : RADIO_DTYPE_BF16 };
      void *d_src;
      float *d_dst;

      gpu_test_narrow (stored, src, n_src, dtype);
      d_src = dev_from_floats (src, n_src, dtype);
      d_dst = dev_alloc (n_dst * 4);
      for (mode = 0; mode < 2; mode++) {
        float *ref = g_new (float, n_dst), *got;
        char *what = g_strdup_printf ("resize %zu -> %zux%zu crop %zux%zu "
            "%s %s", in, cases[i].out_h, cases[i].out_w, cases[i].rows,
            cases[i].cols, mode ? "half-pixel" : "align-corners",
            dtype_names[dtype]);

        radio_cpu_resize_bilinear (ref, cases[i].rows, cases[i].cols,
            cases[i].out_h, cases[i].out_w, view, in, in, C,
            (RadioResizeMode) mode);
        CUDA_OK (radio_cuda_resize_bilinear (d_dst, cases[i].rows,
                cases[i].cols, cases[i].out_h, cases[i].out_w, d_src, dtype,
                in, in, C, (RadioResizeMode) mode, stream));
        got = floats_from_dev (d_dst, n_dst, 0);
        gpu_test_compare (what, got, ref, n_dst, &tol_exact);
        g_free (what);
        g_free (ref);
        g_free (got);
      }
      cudaFree (d_src);
      cudaFree (d_dst);
      g_free (src);
      g_free (stored);
    }
  }
}

static void
test_assemble (void)
{
  const unsigned B = 2;
  const size_t T = 3, hw = 35, D = 24, N = T + hw;
  int dtype;

  for (dtype = 0; dtype < 3; dtype++) {
    float *emb = random_floats (B * hw * D, -2, 2, 3);
    float *pos = random_floats (hw * D, -1, 1, 4);
    float *prefix = random_floats (T * D, -1, 1, 5);
    float *ref = g_new (float, B * N * D), *got;
    void *d_emb;
    float *d_pos, *d_prefix, *d_x;
    size_t b, t, c;

    gpu_test_round (emb, B * hw * D, dtype);
    for (b = 0; b < B; b++)
      for (t = 0; t < N; t++)
        for (c = 0; c < D; c++)
          ref[(b * N + t) * D + c] = t < T ? prefix[t * D + c]
              : emb[(b * hw + t - T) * D + c] + pos[(t - T) * D + c];
    d_emb = dev_from_floats (emb, B * hw * D, dtype);
    d_pos = dev_from_floats (pos, hw * D, 0);
    d_prefix = dev_from_floats (prefix, T * D, 0);
    d_x = dev_alloc (B * N * D * 4);
    CUDA_OK (radio_cuda_assemble_tokens (d_x, d_emb, dtype, d_pos, d_prefix,
            B, T, hw, D, stream));
    got = floats_from_dev (d_x, B * N * D, 0);
    gpu_test_compare ("assemble tokens", got, ref, B * N * D, &tol_exact);
    cudaFree (d_emb);
    cudaFree (d_pos);
    cudaFree (d_prefix);
    cudaFree (d_x);
    g_free (emb);
    g_free (pos);
    g_free (prefix);
    g_free (ref);
    g_free (got);
  }
}

/* ---- layernorm.cu, residual.cu, activation.cu ---------------------------- */

static const struct {
  size_t rows, dim;
} norm_shapes[] = { { 37, 13 }, { 5, 1 }, { 64, 96 }, { 3, 1000 },
  { 17, 1280 } };

static void
test_layernorm (void)
{
  guint s;
  int in_dtype, out_dtype, gelu, affine;

  for (s = 0; s < G_N_ELEMENTS (norm_shapes); s++) {
    size_t rows = norm_shapes[s].rows, dim = norm_shapes[s].dim, n = rows * dim;
    float *x = random_floats (n, -2, 3, 11 + s);
    float *gamma = random_floats (dim, 0.5, 1.5, 12);
    float *beta = random_floats (dim, -0.5, 0.5, 13);
    float *d_gamma = dev_from_floats (gamma, dim, 0);
    float *d_beta = dev_from_floats (beta, dim, 0);
    size_t r, i;

    /* Rows far from zero mean: the two-pass statistics must cope. */
    for (r = 0; r < rows; r += 2)
      for (i = 0; i < dim; i++)
        x[r * dim + i] += 50.0f;
    for (in_dtype = 0; in_dtype < 3; in_dtype++)
      for (out_dtype = 0; out_dtype < 3; out_dtype++)
        for (gelu = 0; gelu < 2; gelu++)
          for (affine = 0; affine < 2; affine++) {
            float *xin = g_memdup2 (x, n * sizeof (float)), *ref, *got;
            void *d_x, *d_y;
            char *what;

            gpu_test_round (xin, n, in_dtype);
            ref = g_new (float, n);
            radio_cpu_layernorm (ref, xin, rows, dim, affine ? gamma : NULL,
                affine ? beta : NULL, 1e-6f);
            if (gelu)
              radio_cpu_gelu (ref, n);
            d_x = dev_from_floats (xin, n, in_dtype);
            d_y = in_dtype == out_dtype && gelu ? d_x
                : dev_alloc (n * dsize (out_dtype)); /* in place too */
            CUDA_OK (radio_cuda_layernorm (d_y, out_dtype, d_x, in_dtype,
                    rows, dim, affine ? d_gamma : NULL,
                    affine ? d_beta : NULL, 1e-6f, gelu, stream));
            got = floats_from_dev (d_y, n, out_dtype);
            what = g_strdup_printf ("layernorm %zux%zu %s -> %s%s%s", rows,
                dim, dtype_names[in_dtype], dtype_names[out_dtype],
                gelu ? " + gelu" : "", affine ? "" : " (no affine)");
            gpu_test_compare (what, got, ref, n,
                &tol_reduction[out_dtype == 0 ? 0 : out_dtype]);
            if (d_y != d_x)
              cudaFree (d_y);
            cudaFree (d_x);
            g_free (what);
            g_free (xin);
            g_free (ref);
            g_free (got);
          }
    cudaFree (d_gamma);
    cudaFree (d_beta);
    g_free (x);
    g_free (gamma);
    g_free (beta);
  }
}

static void
test_residual (void)
{
  static const struct {
    size_t rows, dim;
  } shapes[] = { { 29, 77 }, { 9, 768 }, { 1, 5 } };
  guint s;
  int dtype, scaled, mode;

  for (s = 0; s < G_N_ELEMENTS (shapes); s++) {
    size_t rows = shapes[s].rows, dim = shapes[s].dim, n = rows * dim;
    float *x0 = random_floats (n, -3, 3, 21 + s);
    float *scale = random_floats (dim, -0.3f, 0.3f, 22);
    float *gamma = random_floats (dim, 0.5, 1.5, 23);
    float *beta = random_floats (dim, -0.5, 0.5, 24);
    float *d_scale = dev_from_floats (scale, dim, 0);
    float *d_gamma = dev_from_floats (gamma, dim, 0);
    float *d_beta = dev_from_floats (beta, dim, 0);

    for (dtype = 0; dtype < 3; dtype++)
      for (scaled = 0; scaled < 2; scaled++)
        /* mode 0: no norm, 1: LN into a dtype buffer, 2: LN into x */
        for (mode = 0; mode < 3; mode++) {
          float *delta = random_floats (n, -1, 1, 25 + dtype);
          float *x_ref = g_memdup2 (x0, n * sizeof (float));
          float *y_ref = g_new (float, n), *x_got, *y_got = NULL;
          float *d_x = dev_from_floats (x0, n, 0);
          void *d_delta, *d_y = NULL;
          char *what;

          gpu_test_round (delta, n, dtype);
          radio_cpu_residual_add (x_ref, delta, rows, dim,
              scaled ? scale : NULL);
          radio_cpu_layernorm (y_ref, x_ref, rows, dim, gamma, beta, 1e-6f);
          d_delta = dev_from_floats (delta, n, dtype);
          if (mode == 1)
            d_y = dev_alloc (n * dsize (dtype));
          else if (mode == 2)
            d_y = d_x;
          CUDA_OK (radio_cuda_residual_layernorm (d_x, d_delta, dtype,
                  scaled ? d_scale : NULL, rows, dim, d_y,
                  mode == 1 ? dtype : 0, d_gamma, d_beta, 1e-6f, stream));
          what = g_strdup_printf ("residual %zux%zu %s%s, norm mode %d",
              rows, dim, dtype_names[dtype], scaled ? " scaled" : "", mode);
          x_got = floats_from_dev (d_x, n, 0);
          if (mode == 2) {
            gpu_test_compare (what, x_got, y_ref, n, &tol_reduction[0]);
          } else {
            gpu_test_compare (what, x_got, x_ref, n, &tol_exact);
            if (mode == 1) {
              y_got = floats_from_dev (d_y, n, dtype);
              gpu_test_compare (what, y_got, y_ref, n,
                  &tol_reduction[dtype]);
            }
          }
          if (mode == 1)
            cudaFree (d_y);
          cudaFree (d_x);
          cudaFree (d_delta);
          g_free (what);
          g_free (delta);
          g_free (x_ref);
          g_free (y_ref);
          g_free (x_got);
          g_free (y_got);
        }
    cudaFree (d_scale);
    cudaFree (d_gamma);
    cudaFree (d_beta);
    g_free (x0);
    g_free (scale);
    g_free (gamma);
    g_free (beta);
  }
}

static void
test_gelu (void)
{
  const size_t n = 1001;
  int dtype;

  for (dtype = 0; dtype < 3; dtype++) {
    float *x = random_floats (n, -6, 6, 31), *got;
    void *d;

    gpu_test_round (x, n, dtype);
    d = dev_from_floats (x, n, dtype);
    radio_cpu_gelu (x, n);
    CUDA_OK (radio_cuda_gelu (d, dtype, n, stream));
    got = floats_from_dev (d, n, dtype);
    gpu_test_compare (dtype_names[dtype], got, x, n, &tol_elementwise[dtype]);
    cudaFree (d);
    g_free (x);
    g_free (got);
  }
}

/* ---- attention.cu -------------------------------------------------------- */

static void
test_attention (void)
{
  static const struct {
    unsigned batch;
    size_t tokens, heads, hd;
    float range;
  } cases[] = {
    { 1, 1, 1, 16, 1 }, { 2, 33, 3, 16, 1.5 }, { 1, 197, 2, 64, 1.5 },
    { 1, 70, 2, 72, 1 }, { 2, 100, 2, 80, 1 }, { 1, 257, 1, 128, 1 },
    { 1, 65, 2, 32, 4 }, { 1, 40, 1, 13, 1 }, { 1, 129, 2, 96, 1.5 },
    { 3, 64, 1, 48, 2 }, { 1, 300, 1, 112, 0.7 },
  };
  guint i;
  int dtype, tensor;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    unsigned B = cases[i].batch;
    size_t N = cases[i].tokens, H = cases[i].heads, hd = cases[i].hd;
    size_t per = N * 3 * H * hd, out_per = N * H * hd;
    float *scratch = g_new (float,
        radio_cpu_attention_scratch_floats (N, hd));

    for (dtype = 0; dtype < 3; dtype++)
      for (tensor = 0; tensor < 2; tensor++) {
        float *qkv = random_floats (B * per, -cases[i].range,
            cases[i].range, 41 + i);
        float *ref = g_new (float, B * out_per), *got;
        void *d_qkv, *d_out;
        unsigned b;
        char *what;

        if (tensor && (dtype == 0 || compute_capability < 80)) {
          g_free (qkv);
          g_free (ref);
          continue;
        }
        gpu_test_round (qkv, B * per, dtype);
        for (b = 0; b < B; b++)
          radio_cpu_attention (ref + b * out_per, qkv + b * per, N, H, hd,
              scratch);
        d_qkv = dev_from_floats (qkv, B * per, dtype);
        d_out = dev_alloc (B * out_per * dsize (dtype));
        CUDA_OK (radio_cuda_attention (d_out, d_qkv, dtype, B, N, H, hd,
                tensor, stream));
        got = floats_from_dev (d_out, B * out_per, dtype);
        what = g_strdup_printf ("attention %ux%zu tokens, %zu heads of %zu, "
            "%s%s", B, N, H, hd, dtype_names[dtype],
            tensor ? " tensor cores" : "");
        gpu_test_compare (what, got, ref, B * out_per,
            &tol_reduction[dtype]);
        cudaFree (d_qkv);
        cudaFree (d_out);
        g_free (what);
        g_free (qkv);
        g_free (ref);
        g_free (got);
      }
    g_free (scratch);
  }
  /* Beyond the largest head dimension: refused, not computed wrongly. */
  g_assert_cmpint (radio_cuda_attention (NULL, NULL, 0, 1, 4, 1, 129, 0,
          stream), ==, cudaErrorInvalidValue);
  (void) cudaGetLastError ();
}

/* ---- extract.cu ------------------------------------------------------------ */

static void
test_extract (void)
{
  const unsigned B = 2;
  const size_t N = 11, D = 37, T = 4, hw = N - T;
  const int rows[2] = { 0, 2 };
  float *x = random_floats (B * N * D, -2, 2, 51);
  float *mean = random_floats (D, -1, 1, 52);
  float *d_x = dev_from_floats (x, B * N * D, 0), *d_mean;
  float *d_rows_f = NULL, *got, *ref;
  int *d_rows;
  size_t b, i, c;
  int dtype, with_mean;
  guint u;

  d_mean = dev_from_floats (mean, D, 0);
  d_rows = dev_alloc (sizeof rows);
  CUDA_OK (cudaMemcpy (d_rows, rows, sizeof rows, cudaMemcpyHostToDevice));

  /* gather_rows */
  ref = g_new (float, B * 2 * D);
  for (b = 0; b < B; b++)
    for (i = 0; i < 2; i++)
      memcpy (ref + (b * 2 + i) * D, x + (b * N + rows[i]) * D,
          D * sizeof (float));
  d_rows_f = dev_alloc (B * 2 * D * 4);
  CUDA_OK (radio_cuda_gather_rows (d_rows_f, d_x, B, N, d_rows, 2, D,
          stream));
  got = floats_from_dev (d_rows_f, B * 2 * D, 0);
  gpu_test_compare ("gather rows", got, ref, B * 2 * D, &tol_exact);
  g_free (got);
  g_free (ref);
  cudaFree (d_rows_f);

  /* rows_to_dtype: patch tokens minus the normalizer mean */
  for (dtype = 0; dtype < 3; dtype++)
    for (with_mean = 0; with_mean < 2; with_mean++) {
      void *d_dst = dev_alloc (B * hw * D * dsize (dtype));
      ref = g_new (float, B * hw * D);
      for (b = 0; b < B; b++) {
        memcpy (ref + b * hw * D, x + (b * N + T) * D,
            hw * D * sizeof (float));
        if (with_mean)
          radio_cpu_subtract_row_vector (ref + b * hw * D, hw, D, mean);
      }
      gpu_test_round (ref, B * hw * D, dtype);
      CUDA_OK (radio_cuda_rows_to_dtype (d_dst, dtype, d_x, B, N, T, hw, D,
              with_mean ? d_mean : NULL, stream));
      got = floats_from_dev (d_dst, B * hw * D, dtype);
      gpu_test_compare ("rows to dtype", got, ref, B * hw * D, &tol_exact);
      g_free (got);
      g_free (ref);
      cudaFree (d_dst);
    }

  /* to_f32_unshuffle */
  for (dtype = 0; dtype < 3; dtype++)
    for (u = 1; u <= 3; u++) {
      const size_t gh = 3, gw = 5, C = 7;
      size_t n = B * gh * gw * u * u * C;
      float *src = random_floats (n, -1, 1, 53 + u);
      void *d_src;
      float *d_dst = dev_alloc (n * 4);
      size_t i1, j, u1, u2;

      gpu_test_round (src, n, dtype);
      d_src = dev_from_floats (src, n, dtype);
      ref = g_new (float, n);
      for (b = 0; b < B; b++)
        for (i1 = 0; i1 < gh; i1++)
          for (j = 0; j < gw; j++)
            for (u1 = 0; u1 < u; u1++)
              for (u2 = 0; u2 < u; u2++)
                for (c = 0; c < C; c++)
                  ref[b * gh * gw * u * u * C
                      + (((i1 * u + u1) * gw * u) + j * u + u2) * C + c] =
                      src[b * gh * gw * u * u * C
                      + (i1 * gw + j) * u * u * C + (u1 * u + u2) * C + c];
      CUDA_OK (radio_cuda_to_f32_unshuffle (d_dst, d_src, dtype, B, gh, gw,
              u, C, stream));
      got = floats_from_dev (d_dst, n, 0);
      gpu_test_compare ("unshuffle", got, ref, n, &tol_exact);
      g_free (got);
      g_free (ref);
      g_free (src);
      cudaFree (d_src);
      cudaFree (d_dst);
    }
  cudaFree (d_x);
  cudaFree (d_mean);
  cudaFree (d_rows);
  g_free (x);
  g_free (mean);
}

/* ---- cuBLASLt Linear (radio-cuda-gemm.c) ------------------------------ */

static void
test_gemm (void)
{
  static const struct {
    size_t rows, in, out, ld;
    gboolean bias, gelu, accumulate;
  } cases[] = {
    { 1, 64, 48, 64, TRUE, FALSE, FALSE },
    { 37, 96, 77, 96, TRUE, TRUE, FALSE },
    { 50, 588, 80, 592, FALSE, FALSE, FALSE }, /* the P=14 embedder */
    { 197, 768, 2304, 768, TRUE, FALSE, FALSE },
    { 13, 256, 256, 256, TRUE, FALSE, TRUE },  /* adaptor residual */
    { 8, 320, 1280, 320, TRUE, TRUE, FALSE },
    { 3, 96, 48, 96, FALSE, TRUE, FALSE },
  };
  guint i;
  int dtype, exact;

  for (dtype = 0; dtype < 3; dtype++)
    for (exact = 0; exact < 2; exact++) {
      GError *error = NULL;
      RadioCudaGemm *gemm;

      if (dtype == 0 && exact)
        continue;
      gemm = radio_cuda_gemm_new (dtype, dtype != 0 && !exact, 32 << 20,
          &error);
      g_assert_no_error (error);
      for (i = 0; i < G_N_ELEMENTS (cases); i++) {
        size_t M = cases[i].rows, K = cases[i].in, N = cases[i].out;
        size_t ld = cases[i].ld, r;
        float *w = random_floats (N * K, -1, 1, 61 + i);
        float *bias = random_floats (N, -0.5, 0.5, 62);
        float *x = random_floats (M * ld, -1, 1, 63);
        float *y0 = random_floats (M * N, -1, 1, 64);
        float *w_used = g_new (float, N * ld), *w_cut = g_new (float, N * K);
        float *ref = g_new (float, M * N), *xk = g_new (float, M * K), *got;
        float *scratch = g_new (float, radio_cpu_linear_scratch_floats ());
        RadioCudaWeightJob job = { 0 };
        RadioCudaLinear lin = { 0 };
        void *host_w = g_malloc (N * ld * dsize (dtype));
        void *d_w, *d_b = NULL, *d_x, *d_y;
        char *what;

        for (r = 0; r < N * K; r++)
          w[r] /= sqrtf ((float) K);
        /* The weight goes through the real conversion path. */
        job.kind = RADIO_CUDA_JOB_MATRIX;
        job.view = radio_tensor_view_f32 (w);
        job.rows = N;
        job.cols = K;
        job.ld = ld;
        job.bytes = N * ld * dsize (dtype);
        radio_cuda_weight_job_fill (&job, dtype, host_w);
        gpu_test_widen (w_used, host_w, N * ld, dtype);
        for (r = 0; r < N; r++) {
          gsize c;
          memcpy (w_cut + r * K, w_used + r * ld, K * sizeof (float));
          for (c = K; c < ld; c++)
            g_assert_cmpfloat (w_used[r * ld + c], ==, 0.0f);
        }
        d_w = dev_alloc (job.bytes);
        CUDA_OK (cudaMemcpy (d_w, host_w, job.bytes,
                cudaMemcpyHostToDevice));
        gpu_test_round (bias, N, dtype);
        gpu_test_round (y0, M * N, dtype);
        for (r = 0; r < M; r++) {
          memset (x + r * ld + K, 0, (ld - K) * sizeof (float));
          memcpy (xk + r * K, x + r * ld, K * sizeof (float));
        }
        gpu_test_round (x, M * ld, dtype);
        gpu_test_round (xk, M * K, dtype);

        radio_cpu_linear (ref, xk, M, K, N, radio_tensor_view_f32 (w_cut),
            cases[i].bias ? bias : NULL, scratch);
        if (cases[i].gelu)
          radio_cpu_gelu (ref, M * N);
        if (cases[i].accumulate)
          for (r = 0; r < M * N; r++)
            ref[r] += y0[r];

        if (cases[i].bias)
          d_b = dev_from_floats (bias, N, dtype);
        d_x = dev_from_floats (x, M * ld, dtype);
        d_y = dev_from_floats (y0, M * N, dtype);
        lin.weight = d_w;
        lin.bias = d_b;
        lin.in_dim = K;
        lin.out_dim = N;
        lin.ld = ld;
        g_assert_true (radio_cuda_gemm_linear (gemm, stream, d_y, d_x, M,
                &lin, cases[i].gelu, cases[i].accumulate, &error));
        g_assert_no_error (error);
        got = floats_from_dev (d_y, M * N, dtype);
        what = g_strdup_printf ("linear %zux%zu -> %zu (ld %zu)%s%s%s %s%s",
            M, K, N, ld, cases[i].bias ? " bias" : "",
            cases[i].gelu ? " gelu" : "",
            cases[i].accumulate ? " accumulate" : "", dtype_names[dtype],
            exact ? " exact gelu" : "");
        gpu_test_compare (what, got, ref, M * N, &tol_reduction[dtype]);

        cudaFree (d_w);
        if (d_b)
          cudaFree (d_b);
        cudaFree (d_x);
        cudaFree (d_y);
        g_free (what);
        g_free (w);
        g_free (bias);
        g_free (x);
        g_free (y0);
        g_free (w_used);
        g_free (w_cut);
        g_free (ref);
        g_free (xk);
        g_free (got);
        g_free (scratch);
        g_free (host_w);
      }
      radio_cuda_gemm_free (gemm);
    }
}

/* ---- the shared weight cache ---------------------------------------------- */

static void
test_weight_cache (void)
{
  const char *root = g_getenv ("RADIO_GOLDEN_DIR");
  g_autofree char *dir = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioCheckpoint) ckpt = NULL;
  const RadioCudaWeights *a, *b, *c;

  g_assert_nonnull (root);
  dir = g_build_filename (root, "tiny-cv4", NULL);
  ckpt = radio_checkpoint_load (dir, &error);
  g_assert_no_error (error);
  a = radio_cuda_weights_acquire (ckpt, 0, RADIO_CUDA_BF16, &error);
  g_assert_no_error (error);
  b = radio_cuda_weights_acquire (ckpt, 0, RADIO_CUDA_BF16, &error);
  g_assert_no_error (error);
  c = radio_cuda_weights_acquire (ckpt, 0, RADIO_CUDA_F32, &error);
  g_assert_no_error (error);
  g_assert_true (a == b);          /* one upload, shared */
  g_assert_true (a != c);          /* another precision, another upload */
  g_assert_true (a->blocks[0].qkv.weight == b->blocks[0].qkv.weight);
  radio_cuda_weights_release (a);
  radio_cuda_weights_release (c);
  /* b still valid: its bytes are readable on the device */
  {
    guint16 first = 0;
    CUDA_OK (cudaMemcpy (&first, b->blocks[0].qkv.weight, 2,
            cudaMemcpyDeviceToHost));
  }
  radio_cuda_weights_release (b);
}

/* ---- batches (radio-cuda-forward.c) ------------------------------------ */

/* Every slot of a batch-3 forward gives what a batch-1 forward gives (the
 * benchmark's batches run through the same code as the element's). */
static void
test_forward_batch (void)
{
  const char *root = g_getenv ("RADIO_GOLDEN_DIR");
  g_autofree char *dir = g_build_filename (root, "tiny-cv4", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioCheckpoint) ckpt = radio_checkpoint_load (dir, &error);
  const RadioCudaWeights *w;
  RadioCudaForwardConfig cfg;
  RadioCudaForward *one, *three;
  RadioOutputs a, b;
  RadioAdaptorOutput none[1];
  RadioFrame frame;
  RadioPlacement pl;
  FrameCase fc = { RADIO_PIXEL_NV12, 150, 90, 0, 0, 0, 0 };
  guint8 *storage[3];
  double mean, best;
  guint k;

  g_assert_no_error (error);
  w = radio_cuda_weights_acquire (ckpt, 0, RADIO_CUDA_F32, &error);
  g_assert_no_error (error);
  memset (&cfg, 0, sizeof cfg);
  cfg.compute_capability = compute_capability;
  cfg.dtype = RADIO_CUDA_F32;
  cfg.batch = 1;
  cfg.height = 64;
  cfg.width = 96;
  cfg.use_graph = TRUE;
  one = radio_cuda_forward_new (ckpt, w, &cfg, &error);
  g_assert_no_error (error);
  cfg.batch = 3;
  three = radio_cuda_forward_new (ckpt, w, &cfg, &error);
  g_assert_no_error (error);

  make_frame (&frame, storage, &fc, 99);
  memset (&pl, 0, sizeof pl);
  pl.width = 96;
  pl.height = 64;
  g_assert_true (radio_cuda_forward_run_frame (one, &frame, &pl, NULL,
          &error));
  g_assert_true (radio_cuda_forward_run_frame (three, &frame, &pl, NULL,
          &error));
  g_assert_no_error (error);
  radio_cuda_forward_get_outputs (one, 0, &a, none);
  for (k = 0; k < 3; k++) {
    radio_cuda_forward_get_outputs (three, k, &b, none);
    gpu_test_compare ("batch slot summary", b.summary, a.summary,
        a.summary_length, &tol_reduction[0]);
    gpu_test_compare ("batch slot spatial", b.spatial, a.spatial,
        (gsize) a.grid_height * a.grid_width * a.dim, &tol_reduction[0]);
  }
  g_assert_true (radio_cuda_forward_time (three, 3, &mean, &best, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (best, >, 0.0);
  g_assert_cmpfloat (best, <=, mean + 1e-9);

  radio_cuda_forward_free (one);
  radio_cuda_forward_free (three);
  radio_cuda_weights_release (w);
  for (k = 0; k < 3; k++)
    g_free (storage[k]);
}

int
main (int argc, char **argv)
{
  struct cudaDeviceProp prop;
  int count = 0;
  cudaError_t status = cudaGetDeviceCount (&count);

  g_test_init (&argc, &argv, NULL);
  if (status != cudaSuccess || count == 0) {
    g_print ("no CUDA device (%s): skipped\n", status != cudaSuccess
        ? cudaGetErrorString (status) : "none found");
    return GPU_TEST_SKIP;
  }
  CUDA_OK (cudaSetDevice (0));
  CUDA_OK (cudaGetDeviceProperties (&prop, 0));
  compute_capability = (guint) (prop.major * 10 + prop.minor);
  g_print ("device 0: %s, sm_%u\n", prop.name, compute_capability);
  CUDA_OK (radio_cuda_kernels_check ());
  /* A blocking stream: the helpers fill and clear buffers with cudaMemcpy /
   * cudaMemset on the legacy default stream (the memset, and a pageable
   * copy's DMA, may still run when they return), and the kernels under
   * test must see those writes done. */
  CUDA_OK (cudaStreamCreateWithFlags (&stream, cudaStreamDefault));

  g_test_add_func ("/cuda/preprocess", test_preprocess);
  g_test_add_func ("/cuda/resize", test_resize);
  g_test_add_func ("/cuda/assemble", test_assemble);
  g_test_add_func ("/cuda/layernorm", test_layernorm);
  g_test_add_func ("/cuda/residual", test_residual);
  g_test_add_func ("/cuda/gelu", test_gelu);
  g_test_add_func ("/cuda/attention", test_attention);
  g_test_add_func ("/cuda/extract", test_extract);
  g_test_add_func ("/cuda/gemm", test_gemm);
  g_test_add_func ("/cuda/weight-cache", test_weight_cache);
  g_test_add_func ("/cuda/forward-batch", test_forward_batch);
  return g_test_run ();
}
