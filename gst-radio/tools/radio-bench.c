/* radio-bench: times the RADIO forward pass.
 *
 *   radio-bench [--backend cpu] [--arch vit_base_patch16_224 | --model DIR]
 *       [--dtype bf16] [--size 224x224[,512x512...]] [--iterations N]
 *
 * Without --model it writes a checkpoint with random weights in the
 * published layout (radio-make-model's generator) to a temporary folder,
 * in a child process so that generating does not count towards this
 * process's peak RSS.  Prints ms/frame, GFLOP/s and peak RSS against the
 * checkpoint's size on disk (weights are mmapped, not copied). */
#include <glib.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gst-radio-config.h"
#include "radio-checkpoint.h"
#include "radio-error.h"
#include "radio-model.h"
#include "radio-random-model.h"

static double
peak_rss_mb (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0; /* Linux reports KiB */
}

/* "ViT-B/16" for vit_base_patch16_224 */
static char *
short_name (const RadioCheckpoint *c)
{
  static const char *const sizes[][2] = { { "tiny", "Ti" }, { "small", "S" },
    { "base", "B" }, { "large", "L" }, { "huge", "H" }, { "giant", "g" },
    { "so400m", "SO400M" } };
  guint i;
  for (i = 0; i < G_N_ELEMENTS (sizes); i++)
    if (strstr (c->arch_name, sizes[i][0]))
      return g_strdup_printf ("ViT-%s/%u%s", sizes[i][1], c->patch_size,
          c->depth != radio_arch_spec_lookup (c->arch_name)->depth
          ? " (custom depth)" : "");
  return g_strdup (c->arch_name);
}

static gboolean
generate (const char *arch, const char *dtype, const char *dir,
    GError **error)
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

static gboolean
parse_size (const char *text, guint *w, guint *h)
{
  return sscanf (text, "%ux%u", w, h) == 2 && *w > 0 && *h > 0;
}

static void
remove_model_dir (const char *dir)
{
  g_autofree char *c = g_build_filename (dir, "config.json", NULL);
  g_autofree char *m = g_build_filename (dir, "model.safetensors", NULL);
  g_unlink (c);
  g_unlink (m);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_autofree char *backend = NULL, *arch = NULL, *model = NULL;
  g_autofree char *dtype = NULL, *sizes = NULL;
  gint iterations = 3;
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioCheckpoint) ckpt = NULL;
  g_autofree char *tmpdir = NULL, *name = NULL;
  g_auto (GStrv) size_list = NULL;
  double load_ms;
  gint64 t0;
  guint s;
  GOptionEntry entries[] = {
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &backend,
      "Backend to time: cpu (default)", "NAME" },
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
    { NULL }
  };

  setlocale (LC_ALL, "");
  ctx = g_option_context_new ("- time the RADIO forward pass");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("radio-bench: %s\n", error->message);
    return 2;
  }
  if (backend && strcmp (backend, "cpu") != 0) {
    g_printerr ("radio-bench: backend '%s' is not part of this build of "
        "gst-radio %s (available: cpu)\n", backend, GST_RADIO_VERSION);
    return 2;
  }
  if (iterations < 1 || (dtype && strcmp (dtype, "f32") != 0
          && strcmp (dtype, "f16") != 0 && strcmp (dtype, "bf16") != 0)) {
    g_printerr ("radio-bench: bad --iterations or --dtype\n");
    return 2;
  }
  if (!model) {
    tmpdir = g_dir_make_tmp ("radio-bench-XXXXXX", &error);
    if (!tmpdir || !generate (arch ? arch : "vit_base_patch16_224",
            dtype ? dtype : "bf16", tmpdir, &error)) {
      g_printerr ("radio-bench: %s\n", error->message);
      if (tmpdir)
        remove_model_dir (tmpdir);
      return 1;
    }
  }

  t0 = g_get_monotonic_time ();
  ckpt = radio_checkpoint_load (model ? model : tmpdir, &error);
  load_ms = (g_get_monotonic_time () - t0) / 1000.0;
  if (!ckpt) {
    g_printerr ("radio-bench: %s\n", error->message);
    if (tmpdir)
      remove_model_dir (tmpdir);
    return 1;
  }
  name = short_name (ckpt);
  g_print ("# gst-radio %s, backend cpu (float32 reference kernels, 1 "
      "thread)\n", GST_RADIO_VERSION);
  g_print ("# %s: %s weights, %.1f M parameters, checkpoint %.1f MB, "
      "loaded in %.1f ms\n", ckpt->arch_name,
      radio_dtype_name (ckpt->weight_dtype), ckpt->n_parameters / 1e6,
      ckpt->file_bytes / 1e6, load_ms);

  size_list = g_strsplit (sizes ? sizes : "224x224", ",", -1);
  for (s = 0; size_list[s]; s++) {
    guint w, h, P = ckpt->patch_size;
    RadioForward *fw;
    g_autofree float *image = NULL;
    double best = G_MAXDOUBLE, total = 0, flops;
    gint i;

    if (!parse_size (size_list[s], &w, &h) || w % P || h % P) {
      g_printerr ("radio-bench: size '%s' is not WxH in multiples of %u\n",
          size_list[s], P);
      continue;
    }
    fw = radio_forward_new (ckpt, h, w, RADIO_POS_INTERP_AUTO, NULL, &error);
    if (!fw) {
      g_printerr ("radio-bench: %s\n", error->message);
      g_clear_error (&error);
      continue;
    }
    image = g_new (float, (gsize) w * h * 3);
    for (i = 0; i < (gint) (w * h * 3); i++)
      image[i] = (float) ((i * 7919u) % 256u) / 255.0f;
    radio_forward_run (fw, image); /* warm-up: page in the weights */
    for (i = 0; i < iterations; i++) {
      double ms;
      t0 = g_get_monotonic_time ();
      radio_forward_run (fw, image);
      ms = (g_get_monotonic_time () - t0) / 1000.0;
      best = MIN (best, ms);
      total += ms;
    }
    flops = radio_forward_get_flops (fw);
    g_print ("%s %ux%u: %.1f ms/frame (best %.1f), %.1f GFLOP/s, "
        "%.1f GFLOP/frame, workspace %.1f MB, peak RSS %.1f MB "
        "(%.2fx the checkpoint)\n", name, w, h, total / iterations, best,
        flops / (best * 1e6), flops / 1e9,
        radio_forward_get_workspace_bytes (fw) / 1e6, peak_rss_mb (),
        peak_rss_mb () * 1048576.0 / ckpt->file_bytes);
    radio_forward_free (fw);
  }
  g_clear_pointer (&ckpt, radio_checkpoint_unref);
  if (tmpdir)
    remove_model_dir (tmpdir);
  return 0;
}
