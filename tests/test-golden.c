/* test-golden: the float32 CPU forward against the upstream PyTorch RADIO
 * reference outputs in tests/data/golden (computed in float64).
 *
 *   test-golden [--threads N] [--mode fast|plain|reference] [GTest options]
 *
 * --mode picks the CPU path (radio-model.h: the default fast path with the
 * BLAS, the fast path with the plain C products, or the reference
 * kernels), --threads its worker threads (0, the default: one per core);
 * meson runs several combinations.  Every case runs two frames on the same
 * forward, so buffers reused from the first frame must give the same
 * result; a last test runs two forwards of one checkpoint on two threads at
 * once (the shared float32 weight copies).
 *
 * Every case file caseK-HxW.safetensors holds the input image (U8 [H, W, 3]),
 * the expected summary, spatial and adaptor outputs, and __metadata__
 * model_input_hw.  Contract (golden/README.md): for every output,
 * max |out - ref| <= 1e-4 * std(ref). */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "radio-checkpoint.h"
#include "radio-model.h"
#include "radio-safetensors.h"
#include "test-util.h"

typedef struct {
  char *model_dir;
  char *case_path;
} GoldenCase;

static guint opt_threads;
static RadioCpuMode opt_mode = RADIO_CPU_MODE_FAST;

static void
golden_case_free (gpointer data)
{
  GoldenCase *gc = data;
  g_free (gc->model_dir);
  g_free (gc->case_path);
  g_free (gc);
}

/* Compares out against a reference F32 tensor of the same element count
 * under the golden contract. */
static void
compare (const char *what, const float *out, const RadioTensorInfo *ref,
    gsize n)
{
  double max_err, std, ratio;

  g_assert_cmpint (ref->dtype, ==, RADIO_DTYPE_F32);
  g_assert_cmpuint (ref->n_elements, ==, n);
  ratio = radio_test_error_ratio (out, ref->data, n, &max_err, &std);
  g_test_message ("%s: max error %.3g, std(ref) %.3g, ratio %.3g", what,
      max_err, std, ratio);
  if (g_test_verbose ())
    g_printerr ("  %-22s max|err| / std(ref) = %.3g\n", what, ratio);
  g_assert_cmpfloat (ratio, <=, RADIO_TEST_F32_TOLERANCE);
}

static void
test_golden_case (gconstpointer data)
{
  const GoldenCase *gc = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioCheckpoint) ckpt = radio_checkpoint_load (gc->model_dir,
      &error);
  g_autoptr (RadioSafetensors) st = NULL;
  g_auto (GStrv) adaptors = NULL;
  const RadioTensorInfo *image, *ref;
  const char *input_hw;
  guint in_h, in_w, len, gh, gw, D, i;
  RadioForward *fw;
  const float *out;

  g_assert_no_error (error);
  st = radio_safetensors_open (gc->case_path, &error);
  g_assert_no_error (error);
  image = radio_safetensors_lookup (st, "image");
  g_assert_nonnull (image);
  g_assert_cmpint (image->dtype, ==, RADIO_DTYPE_U8);
  g_assert_cmpuint (image->n_dims, ==, 3);
  input_hw = radio_safetensors_get_metadata (st, "model_input_hw");
  g_assert_nonnull (input_hw);
  g_assert_cmpint (sscanf (input_hw, "%ux%u", &in_h, &in_w), ==, 2);

  adaptors = radio_test_case_adaptors (st);

  fw = radio_forward_new (ckpt, in_h, in_w, RADIO_POS_INTERP_AUTO,
      (const char *const *) adaptors, &error);
  g_assert_no_error (error);
  radio_forward_set_cpu_mode (fw, opt_mode);
  radio_forward_set_threads (fw, opt_threads);
  g_assert_cmpint (radio_forward_get_cpu_mode (fw), ==, opt_mode);
  if (opt_threads)
    g_assert_cmpuint (radio_forward_get_threads (fw), ==, opt_threads);
  g_test_message ("%s", radio_forward_describe_cpu (fw));
  /* The second frame reuses every buffer of the first; garbage left over
   * from it must not leak into the result. */
  for (i = 0; i < 2; i++) {
    g_assert_true (radio_forward_run_rgb8 (fw, image->data,
            (guint) image->shape[1], (guint) image->shape[0],
            (gsize) image->shape[1] * 3, &error));
    g_assert_no_error (error);
  }

  out = radio_forward_get_summary (fw, &len);
  ref = radio_safetensors_lookup (st, "summary");
  g_assert_nonnull (ref);
  compare ("summary", out, ref, len);

  out = radio_forward_get_spatial (fw, &gh, &gw, &D);
  ref = radio_safetensors_lookup (st, "spatial");
  g_assert_nonnull (ref);
  g_assert_cmpint (ref->shape[0], ==, gh);
  g_assert_cmpint (ref->shape[1], ==, gw);
  g_assert_cmpint (ref->shape[2], ==, D);
  compare ("spatial", out, ref, (gsize) gh * gw * D);

  for (i = 0; i < radio_forward_get_n_adaptors (fw); i++) {
    const RadioAdaptorOutput *a = radio_forward_get_adaptor (fw, i);
    g_autofree char *sname = g_strdup_printf ("adaptor.%s.summary", a->name);
    g_autofree char *fname = g_strdup_printf ("adaptor.%s.spatial", a->name);
    ref = radio_safetensors_lookup (st, sname);
    g_assert_nonnull (ref);
    compare (sname, a->summary, ref, a->summary_dim);
    ref = radio_safetensors_lookup (st, fname);
    g_assert_nonnull (ref);
    compare (fname, a->spatial, ref,
        (gsize) a->spatial_height * a->spatial_width * a->spatial_dim);
  }
  radio_forward_free (fw);
}

/* Two forwards of one checkpoint, built and run on two threads at once,
 * agree with a forward run alone, bit for bit. */
typedef struct {
  RadioCheckpoint *ckpt;
  const RadioTensorInfo *image;
  guint in_h, in_w;
  float *spatial;        /* out */
  gsize n;
} ConcurrentRun;

static gpointer
concurrent_run (gpointer data)
{
  ConcurrentRun *run = data;
  g_autoptr (GError) error = NULL;
  RadioForward *fw = radio_forward_new (run->ckpt, run->in_h, run->in_w,
      RADIO_POS_INTERP_AUTO, NULL, &error);
  const float *out;
  guint gh, gw, D;

  g_assert_no_error (error);
  radio_forward_set_cpu_mode (fw, opt_mode);
  radio_forward_set_threads (fw, opt_threads);
  g_assert_true (radio_forward_run_rgb8 (fw, run->image->data,
          (guint) run->image->shape[1], (guint) run->image->shape[0],
          (gsize) run->image->shape[1] * 3, &error));
  g_assert_no_error (error);
  out = radio_forward_get_spatial (fw, &gh, &gw, &D);
  run->n = (gsize) gh * gw * D;
  run->spatial = g_memdup2 (out, run->n * sizeof (float));
  radio_forward_free (fw);
  return NULL;
}

static void
test_concurrent (gconstpointer data)
{
  const GoldenCase *gc = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioSafetensors) st = NULL;
  ConcurrentRun runs[3];
  GThread *threads[2];
  RadioCheckpoint *ckpt;
  const char *input_hw;
  guint i, in_h, in_w;

  ckpt = radio_checkpoint_load (gc->model_dir, &error);
  g_assert_no_error (error);
  st = radio_safetensors_open (gc->case_path, &error);
  g_assert_no_error (error);
  input_hw = radio_safetensors_get_metadata (st, "model_input_hw");
  g_assert_nonnull (input_hw);
  g_assert_cmpint (sscanf (input_hw, "%ux%u", &in_h, &in_w), ==, 2);
  for (i = 0; i < 3; i++) {
    runs[i].ckpt = ckpt;
    runs[i].image = radio_safetensors_lookup (st, "image");
    runs[i].in_h = in_h;
    runs[i].in_w = in_w;
  }
  concurrent_run (&runs[2]);
  for (i = 0; i < 2; i++)
    threads[i] = g_thread_new ("golden", concurrent_run, &runs[i]);
  for (i = 0; i < 2; i++)
    g_thread_join (threads[i]);
  for (i = 0; i < 2; i++) {
    g_assert_cmpuint (runs[i].n, ==, runs[2].n);
    g_assert_cmpmem (runs[i].spatial, runs[i].n * sizeof (float),
        runs[2].spatial, runs[2].n * sizeof (float));
  }
  for (i = 0; i < 3; i++)
    g_free (runs[i].spatial);
  radio_checkpoint_unref (ckpt);
}

/* Takes --threads N and --mode M out of argv (before g_test_init, which
 * would reject them). */
static gboolean
parse_options (int *argc, char **argv)
{
  int i, out = 1;

  for (i = 1; i < *argc; i++) {
    if (strcmp (argv[i], "--threads") == 0 && i + 1 < *argc) {
      opt_threads = (guint) g_ascii_strtoull (argv[++i], NULL, 10);
    } else if (strcmp (argv[i], "--mode") == 0 && i + 1 < *argc) {
      const char *m = argv[++i];
      if (strcmp (m, "fast") == 0)
        opt_mode = RADIO_CPU_MODE_FAST;
      else if (strcmp (m, "plain") == 0)
        opt_mode = RADIO_CPU_MODE_FAST_PLAIN;
      else if (strcmp (m, "reference") == 0)
        opt_mode = RADIO_CPU_MODE_REFERENCE;
      else
        return FALSE;
    } else {
      argv[out++] = argv[i];
    }
  }
  *argc = out;
  argv[out] = NULL;
  return TRUE;
}

int
main (int argc, char **argv)
{
  const char *root = g_getenv ("RADIO_GOLDEN_DIR");
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GPtrArray) cases = g_ptr_array_new_with_free_func
      (golden_case_free);
  g_autoptr (GError) error = NULL;
  const char *model;
  guint n_cases = 0;

  if (!parse_options (&argc, argv)) {
    g_printerr ("usage: test-golden [--threads N] [--mode fast|plain|"
        "reference] [GTest options]\n");
    return 1;
  }
  g_test_init (&argc, &argv, NULL);
  if (!root) {
    g_printerr ("RADIO_GOLDEN_DIR is not set\n");
    return 1;
  }
  dir = g_dir_open (root, 0, &error);
  if (!dir) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  while ((model = g_dir_read_name (dir))) {
    g_autofree char *model_dir = g_build_filename (root, model, NULL);
    g_autoptr (GDir) sub = NULL;
    const char *file;

    if (!g_file_test (model_dir, G_FILE_TEST_IS_DIR))
      continue;
    sub = g_dir_open (model_dir, 0, NULL);
    while (sub && (file = g_dir_read_name (sub))) {
      GoldenCase *gc;
      g_autofree char *test_path = NULL;
      if (!g_str_has_prefix (file, "case")
          || !g_str_has_suffix (file, ".safetensors"))
        continue;
      gc = g_new0 (GoldenCase, 1);
      gc->model_dir = g_strdup (model_dir);
      gc->case_path = g_build_filename (model_dir, file, NULL);
      test_path = g_strdup_printf ("/golden/cpu-f32/%s/%.*s", model,
          (int) (strlen (file) - strlen (".safetensors")), file);
      g_test_add_data_func (test_path, gc, test_golden_case);
      g_ptr_array_add (cases, gc);
      n_cases++;
    }
  }
  /* A missing data folder must fail, not pass with nothing run. */
  if (n_cases < 9) {
    g_printerr ("found only %u golden cases under %s\n", n_cases, root);
    return 1;
  }
  /* The last case found doubles as the concurrency test. */
  g_test_add_data_func ("/golden/concurrent-forwards",
      g_ptr_array_index (cases, cases->len - 1), test_concurrent);
  return g_test_run ();
}
