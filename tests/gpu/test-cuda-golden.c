/* test-cuda-golden: the CUDA backend end to end, through libradio-cuda.so
 * as the engine loads it (GModule, $GST_RADIO_CUDA_MODULE):
 *   - every golden case (tests/data/golden: upstream PyTorch outputs in
 *     float64) in fp32, fp16 and bf16 (bf16 on sm_80+), with the contract of
 *     ../shared/golden/README.md: fp32 max|out - ref| <= 1e-4 std(ref);
 *     fp16 / bf16 cosine >= 0.999 per token and max|out - ref| <= 0.1 std;
 *   - random-weight models with the parts the golden models lack (layer
 *     scale, feature normalizer, adaptor heads, patch 14 with head dim 80,
 *     NV12 / I420 frames, letterboxing, several batch slots) against the
 *     CPU reference forward, with the same thresholds;
 *   - graph replay against eager execution (bit-identical), and the error
 *     paths (bad adaptor, bad size, invalid frame, then a good frame).
 * Without a usable device it checks that the module reports that as
 * RADIO_ERROR_UNSUPPORTED, and exits 77 (skipped). */
#include <glib.h>
#include <glib/gstdio.h>
#include <gmodule.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gpu-test-util.h"
#include "radio-checkpoint.h"
#include "radio-cuda-module.h"
#include "radio-error.h"
#include "radio-model.h"
#include "radio-random-model.h"
#include "radio-safetensors.h"
#include "test-util.h"

static const RadioCudaModule *cuda;
static guint compute_capability;

typedef struct {
  char *model_dir;
  char *case_path;
  RadioPrecision precision;
} GoldenCase;

static void
golden_case_free (gpointer data)
{
  GoldenCase *gc = data;
  g_free (gc->model_dir);
  g_free (gc->case_path);
  g_free (gc);
}

static const RadioCudaModule *
load_module (void)
{
  const char *path = g_getenv ("GST_RADIO_CUDA_MODULE");
  RadioCudaModuleGetFunc get = NULL;
  GModule *module;

  if (!path) {
    g_printerr ("GST_RADIO_CUDA_MODULE is not set\n");
    return NULL;
  }
  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (!module) {
    g_printerr ("cannot open %s: %s\n", path, g_module_error ());
    return NULL;
  }
  if (!g_module_symbol (module, RADIO_CUDA_MODULE_SYMBOL,
          (gpointer *) & get) || !get) {
    g_printerr ("%s has no %s\n", path, RADIO_CUDA_MODULE_SYMBOL);
    return NULL;
  }
  g_module_make_resident (module);
  return get ();
}

static RadioRunnerConfig
config_for (RadioPrecision precision, guint height, guint width,
    const char *const *adaptors)
{
  RadioRunnerConfig config;

  memset (&config, 0, sizeof config);
  config.backend = RADIO_BACKEND_CUDA;
  config.device_id = 0;
  config.precision = precision;
  config.input_height = height;
  config.input_width = width;
  config.interp = RADIO_POS_INTERP_AUTO;
  config.adaptors = adaptors;
  return config;
}

static RadioFrame
rgb_frame (const guint8 *rgb, gsize width, gsize height)
{
  RadioFrame frame;

  memset (&frame, 0, sizeof frame);
  frame.format = RADIO_PIXEL_RGB;
  frame.width = width;
  frame.height = height;
  frame.planes[0] = rgb;
  frame.strides[0] = width * 3;
  return frame;
}

static RadioPlacement
full_placement (guint height, guint width)
{
  RadioPlacement p;

  memset (&p, 0, sizeof p);
  p.width = width;
  p.height = height;
  return p;
}

static const char *
precision_name (RadioPrecision p)
{
  return p == RADIO_PRECISION_FP32 ? "fp32" : p == RADIO_PRECISION_FP16
      ? "fp16" : "bf16";
}

/* ---- golden cases ---------------------------------------------------------- */

static void
test_golden_case (gconstpointer data)
{
  const GoldenCase *gc = data;
  gboolean half = gc->precision != RADIO_PRECISION_FP32;
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioCheckpoint) ckpt = radio_checkpoint_load (gc->model_dir,
      &error);
  g_autoptr (RadioSafetensors) st = NULL;
  g_auto (GStrv) adaptors = NULL;
  const RadioTensorInfo *image, *ref;
  const RadioOutputs *out;
  RadioRunnerConfig config;
  RadioFrame frame;
  RadioPlacement placement;
  const char *input_hw;
  guint in_h, in_w, i;
  gpointer runner;

  g_assert_no_error (error);
  st = radio_safetensors_open (gc->case_path, &error);
  g_assert_no_error (error);
  image = radio_safetensors_lookup (st, "image");
  g_assert_nonnull (image);
  input_hw = radio_safetensors_get_metadata (st, "model_input_hw");
  g_assert_nonnull (input_hw);
  g_assert_cmpint (sscanf (input_hw, "%ux%u", &in_h, &in_w), ==, 2);
  adaptors = radio_test_case_adaptors (st);

  config = config_for (gc->precision, in_h, in_w,
      (const char *const *) adaptors);
  runner = cuda->runner_new (ckpt, &config, &error);
  g_assert_no_error (error);
  g_assert_nonnull (runner);
  g_test_message ("%s", cuda->runner_describe (runner));
  frame = rgb_frame (image->data, (gsize) image->shape[1],
      (gsize) image->shape[0]);
  placement = full_placement (in_h, in_w);
  g_assert_true (cuda->run_frame (runner, &frame, &placement, &error));
  g_assert_no_error (error);
  out = cuda->get_outputs (runner);

  ref = radio_safetensors_lookup (st, "summary");
  g_assert_cmpuint (ref->n_elements, ==, out->summary_length);
  gpu_test_compare_golden ("summary", out->summary, ref->data,
      out->summary_length / out->dim, out->dim, half);
  ref = radio_safetensors_lookup (st, "spatial");
  g_assert_cmpuint (ref->n_elements, ==,
      (gsize) out->grid_height * out->grid_width * out->dim);
  gpu_test_compare_golden ("spatial", out->spatial, ref->data,
      (gsize) out->grid_height * out->grid_width, out->dim, half);
  g_assert_cmpuint (out->n_adaptors, ==, g_strv_length (adaptors));
  for (i = 0; i < out->n_adaptors; i++) {
    const RadioAdaptorOutput *a = &out->adaptors[i];
    g_autofree char *sname = g_strdup_printf ("adaptor.%s.summary", a->name);
    g_autofree char *fname = g_strdup_printf ("adaptor.%s.spatial", a->name);

    ref = radio_safetensors_lookup (st, sname);
    g_assert_cmpuint (ref->n_elements, ==, a->summary_dim);
    gpu_test_compare_golden (sname, a->summary, ref->data, 1,
        a->summary_dim, half);
    ref = radio_safetensors_lookup (st, fname);
    g_assert_cmpuint (ref->n_elements, ==,
        (gsize) a->spatial_height * a->spatial_width * a->spatial_dim);
    gpu_test_compare_golden (fname, a->spatial, ref->data,
        (gsize) a->spatial_height * a->spatial_width, a->spatial_dim, half);
  }
  cuda->runner_free (runner);
}

/* ---- random models against the CPU forward ---------------------------------- */

typedef struct {
  const char *name;
  const char *arch;
  guint embed_dim, depth, heads, patch;
  RadioDType dtype;
  gboolean layer_scale, normalizer;
  const char *adaptor;
  RadioPixelFormat format;
  guint frame_w, frame_h, input_w, input_h;
  guint place_x, place_y, place_w, place_h;
} RandomCase;

static const RandomCase random_cases[] = {
  { "s16-ls-norm-adaptor-nv12", "vit_small_patch16_224", 128, 2, 2, 0,
    RADIO_DTYPE_BF16, TRUE, TRUE, "demo", RADIO_PIXEL_NV12, 301, 203, 224,
    160, 0, 16, 224, 130 },
  { "h14-hd80-i420", "vit_huge_patch14_224", 160, 2, 2, 14, RADIO_DTYPE_F16,
    FALSE, FALSE, NULL, RADIO_PIXEL_I420, 100, 71, 126, 98, 0, 0, 126, 98 },
  { "b16-hd64-rgbx", "vit_base_patch16_224", 192, 1, 3, 0, RADIO_DTYPE_F32,
    TRUE, FALSE, "clip", RADIO_PIXEL_RGBX, 64, 64, 64, 64, 0, 0, 64, 64 },
};

typedef struct {
  guint8 *planes[3];
  RadioFrame frame;
} OwnedFrame;

static void
owned_frame_init (OwnedFrame *f, RadioPixelFormat format, guint w, guint h)
{
  gsize cw = (w + 1) / 2, ch = (h + 1) / 2, rows[3] = { h, 0, 0 }, i, k;
  int offsets[3];

  memset (f, 0, sizeof *f);
  f->frame.format = format;
  f->frame.width = w;
  f->frame.height = h;
  if (format == RADIO_PIXEL_NV12) {
    f->frame.strides[0] = w + 3;
    f->frame.strides[1] = 2 * cw + 1;
    rows[1] = ch;
  } else if (format == RADIO_PIXEL_I420) {
    f->frame.strides[0] = w;
    f->frame.strides[1] = f->frame.strides[2] = cw + 2;
    rows[1] = rows[2] = ch;
  } else {
    f->frame.strides[0] = w * radio_pixel_format_rgb_layout (format,
        offsets);
  }
  for (i = 0; i < 3; i++) {
    gsize n = f->frame.strides[i] * rows[i];
    if (!n)
      continue;
    f->planes[i] = g_malloc (n);
    /* Smooth gradients with some texture: image-like statistics. */
    for (k = 0; k < n; k++)
      f->planes[i][k] = (guint8) ((k % f->frame.strides[i]) * 3
          + (k / f->frame.strides[i]) * 2 + (k * 7919 % 23) + 40 * i);
    f->frame.planes[i] = f->planes[i];
  }
  radio_yuv_to_rgb_coefficients (&f->frame, 0.299, 0.114, 16, 219, 128,
      224);
}

static void
owned_frame_clear (OwnedFrame *f)
{
  guint i;
  for (i = 0; i < 3; i++)
    g_free (f->planes[i]);
}

static void
compare_outputs (const char *what, const RadioOutputs *got,
    RadioForward *fw, gboolean half)
{
  guint len, gh, gw, D, i;
  const float *ref = radio_forward_get_summary (fw, &len);
  g_autofree char *s = g_strdup_printf ("%s summary", what);
  g_autofree char *f = g_strdup_printf ("%s spatial", what);

  g_assert_cmpuint (got->summary_length, ==, len);
  gpu_test_compare_golden (s, got->summary, ref, len / got->dim, got->dim,
      half);
  ref = radio_forward_get_spatial (fw, &gh, &gw, &D);
  g_assert_cmpuint (got->grid_height, ==, gh);
  g_assert_cmpuint (got->grid_width, ==, gw);
  gpu_test_compare_golden (f, got->spatial, ref, (gsize) gh * gw, D, half);
  g_assert_cmpuint (got->n_adaptors, ==, radio_forward_get_n_adaptors (fw));
  for (i = 0; i < got->n_adaptors; i++) {
    const RadioAdaptorOutput *a = &got->adaptors[i];
    const RadioAdaptorOutput *r = radio_forward_get_adaptor (fw, i);
    g_autofree char *as = g_strdup_printf ("%s adaptor summary", what);
    g_autofree char *af = g_strdup_printf ("%s adaptor spatial", what);

    g_assert_cmpuint (a->summary_dim, ==, r->summary_dim);
    g_assert_cmpuint (a->spatial_height, ==, r->spatial_height);
    g_assert_cmpuint (a->spatial_dim, ==, r->spatial_dim);
    gpu_test_compare_golden (as, a->summary, r->summary, 1, r->summary_dim,
        half);
    gpu_test_compare_golden (af, a->spatial, r->spatial,
        (gsize) r->spatial_height * r->spatial_width, r->spatial_dim, half);
  }
}

static void
test_random_case (gconstpointer data)
{
  const RandomCase *rc = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("radio-cuda-test-XXXXXX", &error);
  g_autoptr (RadioCheckpoint) ckpt = NULL;
  const char *adaptors[2] = { rc->adaptor, NULL };
  RadioRandomModelSpec spec;
  RadioPlacement placement;
  RadioForward *fw;
  OwnedFrame of;
  float *image, *scratch;
  int p;

  g_assert_no_error (error);
  g_assert_true (radio_random_model_spec_init (&spec, rc->arch, &error));
  spec.embed_dim = rc->embed_dim;
  spec.depth = rc->depth;
  spec.num_heads = rc->heads;
  spec.patch_size = rc->patch;
  spec.cpe_max_size = 448;
  spec.register_multiple = 4;
  spec.layer_scale = rc->layer_scale;
  spec.feature_normalizer = rc->normalizer;
  spec.adaptor = rc->adaptor;
  spec.adaptor_dim = 40;
  spec.dtype = rc->dtype;
  spec.seed = 3;
  g_assert_true (radio_random_model_write (&spec, dir, &error));
  ckpt = radio_checkpoint_load (dir, &error);
  g_assert_no_error (error);

  /* The CPU reference: frame -> image -> forward. */
  owned_frame_init (&of, rc->format, rc->frame_w, rc->frame_h);
  memset (&placement, 0, sizeof placement);
  placement.x = rc->place_x;
  placement.y = rc->place_y;
  placement.width = rc->place_w;
  placement.height = rc->place_h;
  placement.pad[0] = placement.pad[1] = placement.pad[2] = 0.5f;
  image = g_new (float, (gsize) rc->input_w * rc->input_h * 3);
  scratch = g_new (float, MAX (radio_cpu_frame_scratch_floats (&of.frame,
              &placement), 1));
  g_assert_cmpint (radio_cpu_frame_to_image (image, rc->input_h,
          rc->input_w, &of.frame, &placement, scratch), ==, 0);
  fw = radio_forward_new (ckpt, rc->input_h, rc->input_w,
      RADIO_POS_INTERP_AUTO, rc->adaptor ? adaptors : NULL, &error);
  g_assert_no_error (error);
  radio_forward_run (fw, image);

  for (p = RADIO_PRECISION_FP32; p <= RADIO_PRECISION_BF16; p++) {
    RadioRunnerConfig config = config_for (p, rc->input_h, rc->input_w,
        rc->adaptor ? adaptors : NULL);
    g_autofree char *what = g_strdup_printf ("%s %s", rc->name,
        precision_name (p));
    gpointer runner;

    if (p == RADIO_PRECISION_BF16 && compute_capability < 80)
      continue;
    runner = cuda->runner_new (ckpt, &config, &error);
    g_assert_no_error (error);
    g_assert_true (cuda->run_frame (runner, &of.frame, &placement, &error));
    g_assert_no_error (error);
    compare_outputs (what, cuda->get_outputs (runner), fw,
        p != RADIO_PRECISION_FP32);
    g_assert_cmpfloat (fabs (cuda->get_flops (runner)
            - radio_forward_get_flops (fw)), <=,
        1e-9 * radio_forward_get_flops (fw));
    cuda->runner_free (runner);
  }

  radio_forward_free (fw);
  owned_frame_clear (&of);
  g_free (image);
  g_free (scratch);
  g_clear_pointer (&ckpt, radio_checkpoint_unref);
  {
    g_autofree char *c = g_build_filename (dir, "config.json", NULL);
    g_autofree char *m = g_build_filename (dir, "model.safetensors", NULL);
    g_unlink (c);
    g_unlink (m);
    g_rmdir (dir);
  }
}

/* ---- graph replay, shared weights, error paths ------------------------------ */

static void
test_graph_matches_eager (void)
{
  g_autoptr (RadioCheckpoint) ckpt = radio_test_load_golden ("tiny-cv4");
  g_autoptr (GError) error = NULL;
  RadioRunnerConfig config = config_for (compute_capability >= 80
      ? RADIO_PRECISION_BF16 : RADIO_PRECISION_FP16, 64, 96, NULL);
  RadioPlacement placement = full_placement (64, 96);
  OwnedFrame of;
  gpointer graph, eager;
  const RadioOutputs *a, *b;

  owned_frame_init (&of, RADIO_PIXEL_BGRA, 200, 120);
  graph = cuda->runner_new (ckpt, &config, &error);
  g_assert_no_error (error);
  g_setenv ("RADIO_CUDA_NO_GRAPH", "1", TRUE);
  eager = cuda->runner_new (ckpt, &config, &error);
  g_unsetenv ("RADIO_CUDA_NO_GRAPH");
  g_assert_no_error (error);
  g_assert_nonnull (strstr (cuda->runner_describe (eager), "no CUDA graph"));
  /* Twice: the second replay must not depend on state the first left. */
  g_assert_true (cuda->run_frame (graph, &of.frame, &placement, &error));
  g_assert_true (cuda->run_frame (graph, &of.frame, &placement, &error));
  g_assert_true (cuda->run_frame (eager, &of.frame, &placement, &error));
  g_assert_no_error (error);
  a = cuda->get_outputs (graph);
  b = cuda->get_outputs (eager);
  g_assert_cmpmem (a->summary, a->summary_length * sizeof (float),
      b->summary, b->summary_length * sizeof (float));
  g_assert_cmpmem (a->spatial, (gsize) a->grid_height * a->grid_width
      * a->dim * sizeof (float), b->spatial, (gsize) b->grid_height
      * b->grid_width * b->dim * sizeof (float));
  cuda->runner_free (graph);
  cuda->runner_free (eager);
  owned_frame_clear (&of);
}

static void
test_errors (void)
{
  g_autoptr (RadioCheckpoint) ckpt = radio_test_load_golden ("tiny-v25");
  GError *error = NULL;
  const char *bad_adaptor[] = { "nope", NULL };
  RadioRunnerConfig config = config_for (RADIO_PRECISION_FP32, 64, 64,
      bad_adaptor);
  RadioPlacement placement = full_placement (64, 64);
  OwnedFrame of;
  RadioFrame bad;
  gpointer runner;

  g_assert_null (cuda->runner_new (ckpt, &config, &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "clip"));
  g_clear_error (&error);

  config = config_for (RADIO_PRECISION_FP32, 64, 70, NULL);
  g_assert_null (cuda->runner_new (ckpt, &config, &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT);
  g_clear_error (&error);

  if (compute_capability < 80) {
    config = config_for (RADIO_PRECISION_BF16, 64, 64, NULL);
    g_assert_null (cuda->runner_new (ckpt, &config, &error));
    g_assert_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED);
    g_clear_error (&error);
  }

  config = config_for (RADIO_PRECISION_FP32, 64, 64, NULL);
  runner = cuda->runner_new (ckpt, &config, &error);
  g_assert_no_error (error);
  owned_frame_init (&of, RADIO_PIXEL_RGB, 80, 60);
  bad = of.frame;
  bad.strides[0] = 10; /* shorter than a row */
  g_assert_false (cuda->run_frame (runner, &bad, &placement, &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT);
  g_clear_error (&error);
  placement.x = 1; /* no longer fits */
  g_assert_false (cuda->run_frame (runner, &of.frame, &placement, &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT);
  g_clear_error (&error);
  placement.x = 0;
  /* still usable, and a larger frame grows the staging */
  g_assert_true (cuda->run_frame (runner, &of.frame, &placement, &error));
  owned_frame_clear (&of);
  owned_frame_init (&of, RADIO_PIXEL_RGB, 640, 480);
  g_assert_true (cuda->run_frame (runner, &of.frame, &placement, &error));
  g_assert_no_error (error);
  owned_frame_clear (&of);
  cuda->runner_free (runner);
}

/* Without a device: the module loads, and says so with an error. */
static int
check_unavailable (GError *probe_error)
{
  g_autoptr (RadioCheckpoint) ckpt = radio_test_load_golden ("tiny-v25");
  RadioRunnerConfig config = config_for (RADIO_PRECISION_FP32, 64, 64, NULL);
  GError *error = NULL;

  g_assert_error (probe_error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED);
  g_assert_null (cuda->runner_new (ckpt, &config, &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED);
  g_print ("no usable CUDA device (%s): skipped\n", probe_error->message);
  g_error_free (error);
  return GPU_TEST_SKIP;
}

int
main (int argc, char **argv)
{
  const char *root = g_getenv ("RADIO_GOLDEN_DIR");
  g_autoptr (GPtrArray) cases = g_ptr_array_new_with_free_func
      (golden_case_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *device = NULL;
  g_autoptr (GDir) dir = NULL;
  const char *model;
  guint i;

  g_test_init (&argc, &argv, NULL);
  cuda = load_module ();
  if (!cuda || cuda->abi_version != RADIO_CUDA_MODULE_ABI_VERSION) {
    g_printerr ("no usable libradio-cuda.so\n");
    return 1;
  }
  if (!root) {
    g_printerr ("RADIO_GOLDEN_DIR is not set\n");
    return 1;
  }
  if (!cuda->probe (0, &device, &compute_capability, &error))
    return check_unavailable (error);
  g_print ("%s\n", device);

  dir = g_dir_open (root, 0, &error);
  g_assert_no_error (error);
  while ((model = g_dir_read_name (dir))) {
    g_autofree char *model_dir = g_build_filename (root, model, NULL);
    g_autoptr (GDir) sub = NULL;
    const char *file;

    if (!g_file_test (model_dir, G_FILE_TEST_IS_DIR))
      continue;
    sub = g_dir_open (model_dir, 0, NULL);
    while (sub && (file = g_dir_read_name (sub))) {
      RadioPrecision p;
      if (!g_str_has_prefix (file, "case")
          || !g_str_has_suffix (file, ".safetensors"))
        continue;
      for (p = RADIO_PRECISION_FP32; p <= RADIO_PRECISION_BF16; p++) {
        GoldenCase *gc;
        g_autofree char *path = NULL;

        if (p == RADIO_PRECISION_BF16 && compute_capability < 80)
          continue;
        gc = g_new0 (GoldenCase, 1);
        gc->model_dir = g_strdup (model_dir);
        gc->case_path = g_build_filename (model_dir, file, NULL);
        gc->precision = p;
        path = g_strdup_printf ("/golden/cuda-%s/%s/%.*s",
            precision_name (p), model,
            (int) (strlen (file) - strlen (".safetensors")), file);
        g_test_add_data_func (path, gc, test_golden_case);
        g_ptr_array_add (cases, gc);
      }
    }
  }
  if (cases->len < 18) {
    g_printerr ("found only %u golden cases under %s\n", cases->len, root);
    return 1;
  }
  for (i = 0; i < G_N_ELEMENTS (random_cases); i++) {
    g_autofree char *path = g_strdup_printf ("/cuda/random/%s",
        random_cases[i].name);
    g_test_add_data_func (path, &random_cases[i], test_random_case);
  }
  g_test_add_func ("/cuda/graph-matches-eager", test_graph_matches_eager);
  g_test_add_func ("/cuda/errors", test_errors);
  return g_test_run ();
}
