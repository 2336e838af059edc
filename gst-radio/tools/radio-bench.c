/* radio-bench: times the RADIO forward pass on the CPU against the
 * machine's own matrix-multiply throughput.
 *
 *   radio-bench [--backend cpu|cuda] [--arch vit_base_patch16_224 |
 *       --model DIR] [--dtype bf16] [--size 224x224[,512x512...]]
 *       [--iterations N] [--threads N] [--mode fast|plain|reference]
 *       [--no-sgemm]
 *
 * First it measures SGEMM on a 1024 x 1024 x 1024 product with the matrix
 * products the forward uses (the BLAS, or the plain C kernels in a build
 * without one), on as many threads as the forward: once with the BLAS's own
 * threading and once split into column slices over a worker pool the way
 * the forward splits its products; the better of the two is the reference.
 * Then it times the forward, one line per model and size ending with the
 * ratio of the two throughputs ("NN% of SGEMM").
 *
 * Without --arch, --model or --size it runs the default set: ViT-B/16 at
 * 224x224 and 512x512, ViT-L/16 at 512x512, and reports the working memory
 * of ViT-L/16 at 1024x1024 (sized by creating the forward, not run).
 * Random models are written in the published layout to a temporary folder
 * by a child process, so generating them does not count towards this
 * process's peak RSS.  `--backend cuda` hands the whole command line to the
 * CUDA benchmark (radio-bench-cuda.c).
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gst-radio-config.h"
#include "radio-bench-cuda.h"
#include "radio-bench-util.h"
#include "radio-checkpoint.h"
#include "radio-error.h"
#include "radio-model.h"
#include "radio-random-model.h"
#include "radio-workers.h"

#define SGEMM_SIZE 1024
#define SGEMM_REPEATS 5

typedef struct {
  guint n_threads;
  RadioCpuMode mode;
  gint iterations;
  double sgemm_gflops; /* 0 when not measured */
} BenchSettings;

static double
peak_rss_mb (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0; /* Linux reports KiB */
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The "model name" line of /proc/cpuinfo, or NULL. */
static char *
cpu_model_name (void)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint i;

  if (!g_file_get_contents ("/proc/cpuinfo", &text, NULL, NULL))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i]; i++) {
    const char *colon = strchr (lines[i], ':');
    if (g_str_has_prefix (lines[i], "model name") && colon)
      return g_strstrip (g_strdup (colon + 1));
  }
  return NULL;
}

static gboolean
generate (const char *arch, const char *dtype, const char *dir, GError **error)
{
  RadioRandomModelSpec spec;
  pid_t pid;
  int status;

  if (!radio_random_model_spec_init (&spec, arch, error))
    return FALSE;
  if (g_strcmp0 (dtype, "f32") == 0)
    spec.dtype = RADIO_DTYPE_F32;
  else if (g_strcmp0 (dtype, "f16") == 0)
    spec.dtype = RADIO_DTYPE_F16;
  fflush (stdout);
  pid = fork ();
  if (pid == 0) {
    GError *child_error = NULL;
    if (!radio_random_model_write (&spec, dir, &child_error)) {
      g_printerr ("radio-bench: %s\n", child_error->message);
      _exit (1);
    }
    _exit (0);
  }
  if (pid < 0 || waitpid (pid, &status, 0) != pid || !WIFEXITED (status)
      || WEXITSTATUS (status) != 0) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_IO,
        "could not generate a random %s model in %s", arch, dir);
    return FALSE;
  }
  return TRUE;
}

/* Waits until the generated files are on disk: otherwise the kernel writes
 * hundreds of megabytes back in the background while the forward is being
 * timed, on the same cores. */
static void
flush_model_dir (const char *dir)
{
  static const char *const files[] = { "config.json", "model.safetensors" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree char *path = g_build_filename (dir, files[i], NULL);
    int fd = g_open (path, O_RDONLY, 0);

    if (fd >= 0) {
      fsync (fd);
      close (fd);
    }
  }
}

/* ---- SGEMM reference ---------------------------------------------------- */

typedef struct {
  RadioCpuGemmImpl impl;
  const float *a, *b;
  float *c;
  float *scratch; /* [n_threads, gemm scratch] */
  guint n, slice;
} SgemmJob;

/* C[:, c0 .. c0 + slice) = A B[c0 .. c0 + slice, :]^T, as the forward
 * splits a Linear. */
static void
sgemm_task (gpointer data, guint task, guint thread)
{
  SgemmJob *j = data;
  guint c0 = task * j->slice, cols = MIN (j->slice, j->n - c0);

  radio_cpu_gemm (j->impl, RADIO_CPU_GEMM_B_NK, j->n, cols, j->n, 1.0f, j->a,
      j->n, radio_tensor_view_f32 (j->b + (gsize)c0 * j->n), j->n, 0.0f,
      j->c + c0, j->n,
      j->scratch + (gsize)thread * radio_cpu_gemm_scratch_floats ());
}

/* Best GFLOP/s of SGEMM_REPEATS runs after one warm-up; a pool of NULL
 * means one call with the BLAS's own threads. */
static double
time_sgemm (SgemmJob *j, RadioWorkers *pool)
{
  double best = 0.0;
  gint r;

  for (r = -1; r < SGEMM_REPEATS; r++) {
    gint64 t0 = g_get_monotonic_time ();
    double s;

    if (pool)
      radio_workers_run (pool, (j->n + j->slice - 1) / j->slice, sgemm_task, j);
    else
      radio_cpu_gemm (j->impl, RADIO_CPU_GEMM_B_NK, j->n, j->n, j->n, 1.0f,
          j->a, j->n, radio_tensor_view_f32 (j->b), j->n, 0.0f, j->c, j->n,
          j->scratch);
    s = (g_get_monotonic_time () - t0) / 1e6;
    if (r >= 0 && s > 0)
      best = MAX (best, 2.0 * j->n * j->n * (double)j->n / s / 1e9);
  }
  return best;
}

static double
measure_sgemm (const BenchSettings *bs, GError **error)
{
  gsize n = SGEMM_SIZE, i;
  g_autofree float *a = g_new (float, n *n);
  g_autofree float *b = g_new (float, n *n);
  g_autofree float *c = g_new (float, n *n);
  g_autofree float *scratch
      = g_new (float, bs->n_threads *radio_cpu_gemm_scratch_floats ());
  SgemmJob j = { 0 };
  RadioWorkers *pool;
  double split, own = 0.0;
  gboolean blas = bs->mode == RADIO_CPU_MODE_FAST && radio_cpu_have_blas ();

  for (i = 0; i < n * n; i++) {
    a[i] = (float)((i * 7919u) % 1000u) / 1000.0f - 0.5f;
    b[i] = (float)((i * 104729u) % 1000u) / 1000.0f - 0.5f;
  }
  j.impl = blas ? RADIO_CPU_GEMM_BLAS : RADIO_CPU_GEMM_PLAIN;
  j.a = a;
  j.b = b;
  j.c = c;
  j.scratch = scratch;
  j.n = (guint)n;
  j.slice = ((guint)n / bs->n_threads + 15) / 16 * 16;

  pool = radio_workers_new (bs->n_threads, error);
  if (!pool)
    return 0.0;
  if (blas) {
    radio_cpu_blas_set_threads ((int)bs->n_threads);
    own = time_sgemm (&j, NULL);
    radio_cpu_blas_set_threads (1);
    /* OpenBLAS's idle threads poll for a while (about 0.1 s) after their
     * last job, and would steal cycles from the pool's threads. */
    g_usleep (500000);
  }
  split = time_sgemm (&j, pool);
  radio_workers_free (pool);
  if (blas)
    g_print ("SGEMM %ux%ux%u, %s, %u thread%s: %.1f GFLOP/s (best of %d; "
             "the BLAS's own threads %.1f, column slices over a pool as the "
             "forward does %.1f)\n",
        SGEMM_SIZE, SGEMM_SIZE, SGEMM_SIZE, radio_cpu_blas_name (),
        bs->n_threads, bs->n_threads == 1 ? "" : "s", MAX (own, split),
        SGEMM_REPEATS, own, split);
  else
    g_print ("SGEMM %ux%ux%u, plain C kernels (%s), %u thread%s: %.1f "
             "GFLOP/s (best of %d, column slices over a pool as the forward "
             "does)\n",
        SGEMM_SIZE, SGEMM_SIZE, SGEMM_SIZE,
        radio_cpu_have_blas () ? "BLAS not used in this mode"
                               : "built without a BLAS",
        bs->n_threads, bs->n_threads == 1 ? "" : "s", split, SGEMM_REPEATS);
  return MAX (own, split);
}

/* ---- forward ------------------------------------------------------------ */

static RadioForward *
new_forward (RadioCheckpoint *ckpt, guint w, guint h, const BenchSettings *bs,
    GError **error)
{
  RadioForward *fw
      = radio_forward_new (ckpt, h, w, RADIO_POS_INTERP_AUTO, NULL, error);

  if (fw) {
    radio_forward_set_cpu_mode (fw, bs->mode);
    radio_forward_set_threads (fw, bs->n_threads);
  }
  return fw;
}

/* Times one model at one size and prints its line. */
static void
bench_size (RadioCheckpoint *ckpt, const char *name, guint w, guint h,
    const BenchSettings *bs)
{
  g_autoptr (GError) error = NULL;
  g_autofree float *image = NULL;
  g_autofree double *ms = NULL;
  RadioForward *fw;
  double flops, median, gflops, setup_ms;
  gint64 t0;
  gint i;

  t0 = g_get_monotonic_time ();
  fw = new_forward (ckpt, w, h, bs, &error);
  setup_ms = (g_get_monotonic_time () - t0) / 1000.0;
  if (!fw) {
    g_printerr ("radio-bench: %s\n", error->message);
    return;
  }
  image = g_new (float, (gsize)w *h * 3);
  for (i = 0; i < (gint)(w * h * 3); i++)
    image[i] = (float)((i * 7919u) % 256u) / 255.0f;
  ms = g_new (double, bs->iterations);
  radio_forward_run (fw, image); /* warm-up: page in the weights */
  for (i = 0; i < bs->iterations; i++) {
    t0 = g_get_monotonic_time ();
    radio_forward_run (fw, image);
    ms[i] = (g_get_monotonic_time () - t0) / 1000.0;
  }
  qsort (ms, bs->iterations, sizeof (double), compare_doubles);
  median = bs->iterations % 2
               ? ms[bs->iterations / 2]
               : 0.5 * (ms[bs->iterations / 2 - 1] + ms[bs->iterations / 2]);
  flops = radio_forward_get_flops (fw);
  gflops = flops / (median * 1e6);
  g_print ("%s %ux%u: %.1f ms/frame, %.1f GFLOP/s", name, w, h, median, gflops);
  if (bs->sgemm_gflops > 0)
    g_print (", %.0f%% of SGEMM", 100.0 * gflops / bs->sgemm_gflops);
  g_print ("\n  (median of %d after a warm-up, best %.1f ms; %.1f GFLOP/frame"
           "; working memory %.1f MB; float32 weight copies %.1f MB; forward "
           "set up in %.0f ms; peak RSS so far %.1f MB, checkpoint %.1f MB)\n",
      bs->iterations, ms[0], flops / 1e9,
      radio_forward_get_workspace_bytes (fw) / 1e6,
      radio_forward_get_weight_copy_bytes (fw) / 1e6, setup_ms, peak_rss_mb (),
      ckpt->file_bytes / 1e6);
  radio_forward_free (fw);
}

/* Working memory at a size, from creating the forward without running. */
static void
report_memory (RadioCheckpoint *ckpt, const char *name, guint w, guint h,
    const BenchSettings *bs)
{
  g_autoptr (GError) error = NULL;
  RadioForward *fw = new_forward (ckpt, w, h, bs, &error);

  if (!fw) {
    g_printerr ("radio-bench: %s\n", error->message);
    return;
  }
  g_print ("%s %ux%u: peak working memory %.1f MB (activations and the "
           "scratch of %u thread%s, from the allocated forward, not run; plus "
           "%.1f MB of float32 weight copies shared per checkpoint)\n",
      name, w, h, radio_forward_get_workspace_bytes (fw) / 1e6,
      radio_forward_get_threads (fw),
      radio_forward_get_threads (fw) == 1 ? "" : "s",
      radio_forward_get_weight_copy_bytes (fw) / 1e6);
  radio_forward_free (fw);
}

/* Loads (generating it first when model is NULL) and runs `sizes`, then
 * sizes the forward for each of `memory_sizes` (may be NULL). */
static gboolean
bench_model (const char *model, const char *arch, const char *dtype,
    const char *sizes, const char *memory_sizes, const BenchSettings *bs)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioCheckpoint) ckpt = NULL;
  g_autofree char *tmpdir = NULL, *name = NULL;
  g_auto (GStrv) size_list = NULL;
  g_auto (GStrv) memory_list = NULL;
  double load_ms;
  gint64 t0;
  guint s, w, h;

  if (!model) {
    tmpdir = g_dir_make_tmp ("radio-bench-XXXXXX", &error);
    if (!tmpdir || !generate (arch, dtype, tmpdir, &error)) {
      g_printerr ("radio-bench: %s\n", error->message);
      if (tmpdir)
        radio_bench_remove_model_dir (tmpdir);
      return FALSE;
    }
    flush_model_dir (tmpdir);
  }
  t0 = g_get_monotonic_time ();
  ckpt = radio_checkpoint_load (model ? model : tmpdir, &error);
  load_ms = (g_get_monotonic_time () - t0) / 1000.0;
  if (tmpdir)
    radio_bench_remove_model_dir (tmpdir); /* the mapping keeps the data */
  if (!ckpt) {
    g_printerr ("radio-bench: %s\n", error->message);
    return FALSE;
  }
  name = radio_bench_model_name (ckpt);
  g_print ("# %s: %s weights, %.1f M parameters, checkpoint %.1f MB, "
           "loaded in %.1f ms\n",
      ckpt->arch_name, radio_dtype_name (ckpt->weight_dtype),
      ckpt->n_parameters / 1e6, ckpt->file_bytes / 1e6, load_ms);

  size_list = g_strsplit (sizes, ",", -1);
  for (s = 0; size_list[s]; s++) {
    if (!radio_bench_parse_size (size_list[s], &w, &h) || w % ckpt->patch_size
        || h % ckpt->patch_size) {
      g_printerr ("radio-bench: size '%s' is not WxH in multiples of %u\n",
          size_list[s], ckpt->patch_size);
      continue;
    }
    bench_size (ckpt, name, w, h, bs);
  }
  if (memory_sizes) {
    memory_list = g_strsplit (memory_sizes, ",", -1);
    for (s = 0; memory_list[s]; s++)
      if (radio_bench_parse_size (memory_list[s], &w, &h))
        report_memory (ckpt, name, w, h, bs);
  }
  return TRUE;
}

/* Whether the command line asks for --backend cuda (before GOption sees
 * it: the CUDA benchmark has options of its own). */
static gboolean
wants_cuda (int argc, char **argv)
{
  int i;

  for (i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--backend=cuda") == 0
        || strcmp (argv[i], "-bcuda") == 0)
      return TRUE;
    if ((strcmp (argv[i], "--backend") == 0 || strcmp (argv[i], "-b") == 0)
        && i + 1 < argc && strcmp (argv[i + 1], "cuda") == 0)
      return TRUE;
  }
  return FALSE;
}

int
main (int argc, char **argv)
{
  g_autofree char *backend = NULL, *arch = NULL, *model = NULL;
  g_autofree char *dtype = NULL, *sizes = NULL, *mode = NULL;
  g_autofree char *cpu = NULL;
  gint iterations = 3, threads = 0;
  gboolean no_sgemm = FALSE;
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  BenchSettings bs = { 0 };
  gboolean ok = TRUE;
  GOptionEntry entries[] = { { "backend", 'b', 0, G_OPTION_ARG_STRING, &backend,
                                 "Backend to time: cpu (default) or cuda",
                                 "NAME" },
    { "arch", 'a', 0, G_OPTION_ARG_STRING, &arch,
        "Random model of this architecture (default vit_base_patch16_224)",
        "NAME" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model,
        "Time this checkpoint instead of a random one", "DIR" },
    { "dtype", 'd', 0, G_OPTION_ARG_STRING, &dtype,
        "Random weights stored as f32, f16 or bf16 (default bf16)", "T" },
    { "size", 's', 0, G_OPTION_ARG_STRING, &sizes,
        "Comma-separated input sizes (default 224x224)", "WxH,..." },
    { "iterations", 'n', 0, G_OPTION_ARG_INT, &iterations,
        "Timed runs per size after one warm-up (default 3)", "N" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads,
        "CPU threads (default 0: one per online core)", "N" },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode,
        "fast (default), plain (fast path without the BLAS) or reference",
        "MODE" },
    { "no-sgemm", 0, 0, G_OPTION_ARG_NONE, &no_sgemm,
        "Skip the SGEMM reference measurement", NULL },
    { NULL } };

  if (wants_cuda (argc, argv))
    return radio_bench_cuda_main (argc, argv);

  setlocale (LC_ALL, "");
  ctx = g_option_context_new ("- time the RADIO forward pass");
  g_option_context_set_description (ctx,
      "Without --arch, --model or --size: "
      "SGEMM 1024^3, then ViT-B/16 at 224x224 and 512x512 and ViT-L/16 at "
      "512x512, and the working memory of ViT-L/16 at 1024x1024.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("radio-bench: %s\n", error->message);
    return 2;
  }
  if (backend && strcmp (backend, "cpu") != 0) {
    g_printerr ("radio-bench: unknown backend '%s' (cpu or cuda)\n", backend);
    return 2;
  }
  if (iterations < 1 || threads < 0
      || (dtype && strcmp (dtype, "f32") != 0 && strcmp (dtype, "f16") != 0
          && strcmp (dtype, "bf16") != 0)) {
    g_printerr ("radio-bench: bad --iterations, --threads or --dtype\n");
    return 2;
  }
  bs.iterations = iterations;
  bs.mode = RADIO_CPU_MODE_FAST;
  if (mode && strcmp (mode, "plain") == 0) {
    bs.mode = RADIO_CPU_MODE_FAST_PLAIN;
  } else if (mode && strcmp (mode, "reference") == 0) {
    bs.mode = RADIO_CPU_MODE_REFERENCE;
  } else if (mode && strcmp (mode, "fast") != 0) {
    g_printerr ("radio-bench: --mode is fast, plain or reference\n");
    return 2;
  }
  bs.n_threads
      = threads > 0 ? (guint)threads : MAX (g_get_num_processors (), 1);
  if (bs.mode == RADIO_CPU_MODE_REFERENCE)
    bs.n_threads = 1;

  cpu = cpu_model_name ();
  g_print ("# gst-radio %s, CPU backend, %s: %u online core%s\n",
      GST_RADIO_VERSION, cpu ? cpu : "unknown CPU", g_get_num_processors (),
      g_get_num_processors () == 1 ? "" : "s");
  g_print ("# mode: %s, %u thread%s, BLAS: %s\n",
      bs.mode == RADIO_CPU_MODE_FAST         ? "fast path"
      : bs.mode == RADIO_CPU_MODE_FAST_PLAIN ? "fast path, plain C products"
                                             : "float32 reference kernels",
      bs.n_threads, bs.n_threads == 1 ? "" : "s",
      bs.mode == RADIO_CPU_MODE_FAST && radio_cpu_have_blas ()
          ? radio_cpu_blas_name ()
          : "not used");

  if (!no_sgemm) {
    bs.sgemm_gflops = measure_sgemm (&bs, &error);
    if (bs.sgemm_gflops <= 0) {
      g_printerr ("radio-bench: %s\n",
          error ? error->message : "SGEMM measurement failed");
      return 1;
    }
  }

  if (!arch && !model && !sizes) {
    ok &= bench_model (NULL, "vit_base_patch16_224", dtype ? dtype : "bf16",
        "224x224,512x512", NULL, &bs);
    ok &= bench_model (NULL, "vit_large_patch16_224", dtype ? dtype : "bf16",
        "512x512", "1024x1024", &bs);
  } else {
    ok = bench_model (model, arch ? arch : "vit_base_patch16_224",
        dtype ? dtype : "bf16", sizes ? sizes : "224x224", NULL, &bs);
  }
  return ok ? 0 : 1;
}
