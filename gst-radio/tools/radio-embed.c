/* radio-embed: RADIO features for image files.
 *
 *   radio-embed --model DIR [--backend cpu|cuda|auto]
 *       [--precision auto|fp32|fp16|bf16] [--size WxH]
 *       [--adaptor NAME]... [--pos-interp auto|align-corners|half-pixel]
 *       [--output OUT.safetensors] IMAGE...
 *   radio-embed --model DIR --inspect
 *
 * Per image it writes `summary` F32 [S*D], `spatial` F32 [h, w, D] and, per
 * requested adaptor, `adaptor.NAME.summary` / `adaptor.NAME.spatial`; with
 * several images every name is prefixed "INDEX/".  It always prints the
 * shapes and statistics of what it computed. */
#include <glib.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gst-radio-config.h"
#include "radio-checkpoint.h"
#include "radio-error.h"
#include "radio-image.h"
#include "radio-runner.h"
#include "radio-safetensors.h"
#include "radio-tool-util.h"

typedef struct {
  char *model;
  char *backend;
  char *precision;
  char *size;
  guint size_width, size_height; /* parsed --size, 0 when not given */
  char **adaptors;
  char *pos_interp;
  char *output;
  gboolean inspect;
  gboolean quiet;
  char **images;
} Options;

static void
print_stats (const char *what, const float *v, gsize n, const char *shape)
{
  double sum = 0, sq = 0, mn = INFINITY, mx = -INFINITY;
  gsize i;

  for (i = 0; i < n; i++) {
    sum += v[i];
    sq += (double) v[i] * v[i];
    mn = MIN (mn, v[i]);
    mx = MAX (mx, v[i]);
  }
  {
    double mean = n ? sum / n : 0;
    double var = n ? sq / n - mean * mean : 0;
    g_print ("  %-24s %-16s mean %+.4f  std %.4f  min %+.4f  max %+.4f  "
        "norm %.4f\n", what, shape, mean, sqrt (MAX (var, 0)), mn, mx,
        sqrt (sq));
  }
}

/* Adds a float32 tensor named PREFIX + NAME. */
static void
add_output (RadioSafetensorsWriter *writer, const char *prefix,
    const char *name, guint n_dims, const gint64 *shape, const float *data)
{
  g_autofree char *full = g_strconcat (prefix, name, NULL);
  radio_safetensors_writer_add (writer, full, RADIO_DTYPE_F32, n_dims, shape,
      data);
}

static gboolean
embed_one (const Options *opt, RadioCheckpoint *ckpt, RadioRunner **runner,
    const RadioRunnerConfig *base, guint index, guint n_images,
    RadioSafetensorsWriter *writer, GError **error)
{
  const char *path = opt->images[index];
  g_autoptr (RadioImage) image = radio_image_load (path, error);
  g_autofree char *prefix = n_images > 1 ? g_strdup_printf ("%u/", index)
      : g_strdup ("");
  gboolean first = *runner == NULL;
  guint in_w, in_h, gh, gw, D, len, i;
  const float *summary, *spatial;
  const RadioOutputs *out;
  gint64 t0;
  char shape[64];

  if (!image)
    return FALSE;
  radio_tool_input_size (ckpt, image, opt->size_width, opt->size_height,
      &in_w, &in_h);
  /* The runner is made before the clock starts, so the time printed is
   * the run's alone. */
  if (!radio_tool_ensure_runner (runner, ckpt, base, in_w, in_h, NULL,
          error))
    return FALSE;
  if (first && !opt->quiet) {
    g_print ("backend: %s\n", radio_runner_describe (*runner));
    if (radio_runner_get_notice (*runner))
      g_printerr ("radio-embed: note: %s\n",
          radio_runner_get_notice (*runner));
  }
  t0 = g_get_monotonic_time ();
  out = radio_tool_run_image (runner, ckpt, base, image, in_w, in_h, NULL,
      error);
  if (!out)
    return FALSE;
  summary = out->summary;
  len = out->summary_length;
  spatial = out->spatial;
  gh = out->grid_height;
  gw = out->grid_width;
  D = out->dim;

  if (!opt->quiet) {
    g_print ("%s: %ux%u -> model input %ux%u, grid %ux%u, %.1f ms\n", path,
        image->width, image->height, in_w, in_h, gw, gh,
        (g_get_monotonic_time () - t0) / 1000.0);
    g_snprintf (shape, sizeof (shape), "[%u]", len);
    print_stats ("summary", summary, len, shape);
    g_snprintf (shape, sizeof (shape), "[%u, %u, %u]", gh, gw, D);
    print_stats ("spatial", spatial, (gsize) gh * gw * D, shape);
  }
  if (writer) {
    gint64 s1[1] = { len }, s3[3] = { gh, gw, D };
    g_autofree char *key = g_strconcat (prefix, "image", NULL);
    g_autofree char *val = g_strdup_printf ("%s %ux%u model_input %ux%u",
        path, image->width, image->height, in_w, in_h);
    add_output (writer, prefix, "summary", 1, s1, summary);
    add_output (writer, prefix, "spatial", 3, s3, spatial);
    radio_safetensors_writer_set_metadata (writer, key, val);
  }
  for (i = 0; i < out->n_adaptors; i++) {
    const RadioAdaptorOutput *a = &out->adaptors[i];
    g_autofree char *sname = g_strdup_printf ("adaptor.%s.summary", a->name);
    g_autofree char *fname = g_strdup_printf ("adaptor.%s.spatial", a->name);
    gsize n = (gsize) a->spatial_height * a->spatial_width * a->spatial_dim;

    if (!opt->quiet) {
      g_snprintf (shape, sizeof (shape), "[%u]", a->summary_dim);
      print_stats (sname, a->summary, a->summary_dim, shape);
      g_snprintf (shape, sizeof (shape), "[%u, %u, %u]", a->spatial_height,
          a->spatial_width, a->spatial_dim);
      print_stats (fname, a->spatial, n, shape);
    }
    if (writer) {
      gint64 s1[1] = { a->summary_dim }, s3[3] = { a->spatial_height,
        a->spatial_width, a->spatial_dim };
      add_output (writer, prefix, sname, 1, s1, a->summary);
      add_output (writer, prefix, fname, 3, s3, a->spatial);
    }
  }
  return TRUE;
}

static int
run (Options *opt)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioCheckpoint) ckpt = NULL;
  g_autoptr (RadioSafetensorsWriter) writer = NULL;
  RadioRunner *runner = NULL;
  RadioRunnerConfig base = { 0 };
  RadioPosInterp interp = RADIO_POS_INTERP_AUTO;
  guint n_images, i;
  int status = 0;

  if (!opt->model) {
    g_printerr ("radio-embed: --model is required\n");
    return 2;
  }
  if (!radio_tool_parse_backend (opt->backend, &base.backend)) {
    g_printerr ("radio-embed: unknown backend '%s' (cpu, cuda or auto)\n",
        opt->backend);
    return 2;
  }
  if (!radio_tool_parse_precision (opt->precision, &base.precision)) {
    g_printerr ("radio-embed: unknown precision '%s' (auto, fp32, fp16 or "
        "bf16)\n", opt->precision);
    return 2;
  }
  if (opt->pos_interp && !radio_pos_interp_from_name (opt->pos_interp,
          &interp)) {
    g_printerr ("radio-embed: --pos-interp must be auto, align-corners or "
        "half-pixel, not '%s'\n", opt->pos_interp);
    return 2;
  }
  base.interp = interp;
  base.adaptors = (const char *const *) opt->adaptors;
  if (opt->size && !radio_tool_parse_size (opt->size, &opt->size_width,
          &opt->size_height)) {
    g_printerr ("radio-embed: --size must look like 224x224, not '%s'\n",
        opt->size);
    return 2;
  }

  ckpt = radio_checkpoint_load (opt->model, &error);
  if (!ckpt) {
    g_printerr ("radio-embed: %s\n", error->message);
    return 1;
  }
  if (opt->inspect) {
    g_autofree char *text = radio_checkpoint_describe (ckpt);
    g_print ("%s", text);
    return 0;
  }
  if (opt->size_width && (opt->size_width % ckpt->patch_size
          || opt->size_height % ckpt->patch_size)) {
    g_printerr ("radio-embed: --size %s is not a multiple of the patch "
        "size %u\n", opt->size, ckpt->patch_size);
    return 2;
  }
  n_images = opt->images ? g_strv_length (opt->images) : 0;
  if (n_images == 0) {
    g_printerr ("radio-embed: no input images (try --help)\n");
    return 2;
  }
  if (opt->output)
    writer = radio_safetensors_writer_new ();
  if (!opt->quiet && ckpt->n_parameters)
    g_print ("model %s: %s, %s, %.1f M parameters\n", opt->model,
        ckpt->version ? ckpt->version : "?", ckpt->arch_name,
        ckpt->n_parameters / 1e6);
  if (ckpt->random_weights)
    g_printerr ("radio-embed: warning: %s has RANDOM weights (a gst-radio "
        "demo model); its features carry no meaning\n", opt->model);

  for (i = 0; i < n_images; i++) {
    if (!embed_one (opt, ckpt, &runner, &base, i, n_images, writer,
            &error)) {
      g_printerr ("radio-embed: %s\n", error->message);
      status = 1;
      break;
    }
  }
  radio_runner_free (runner);
  if (status == 0 && writer) {
    radio_safetensors_writer_set_metadata (writer, "model", opt->model);
    if (ckpt->version)
      radio_safetensors_writer_set_metadata (writer, "version",
          ckpt->version);
    if (!radio_safetensors_writer_save (writer, opt->output, &error)) {
      g_printerr ("radio-embed: %s\n", error->message);
      status = 1;
    } else if (!opt->quiet) {
      g_print ("wrote %s\n", opt->output);
    }
  }
  return status;
}

int
main (int argc, char **argv)
{
  Options opt = { 0 };
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &opt.model,
      "Checkpoint folder (config.json + model.safetensors)", "DIR" },
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &opt.backend,
      "Compute backend: cpu, cuda or auto (default auto)", "NAME" },
    { "precision", 0, 0, G_OPTION_ARG_STRING, &opt.precision,
      "Arithmetic: auto, fp32, fp16 or bf16 (the CPU always computes in "
      "fp32)", "NAME" },
    { "size", 's', 0, G_OPTION_ARG_STRING, &opt.size,
      "Model input size (multiples of the patch size); default: the "
      "nearest multiple of the patch size per axis", "WxH" },
    { "adaptor", 'a', 0, G_OPTION_ARG_STRING_ARRAY, &opt.adaptors,
      "Also compute this adaptor head (repeatable)", "NAME" },
    { "pos-interp", 0, 0, G_OPTION_ARG_STRING, &opt.pos_interp,
      "Position-embedding resize: auto, align-corners or half-pixel",
      "MODE" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt.output,
      "Write the features to this safetensors file", "FILE" },
    { "inspect", 'i', 0, G_OPTION_ARG_NONE, &opt.inspect,
      "Print the resolved architecture and exit", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt.quiet,
      "Print nothing but errors", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt.images,
      NULL, "IMAGE..." },
    { NULL }
  };
  int status;

  setlocale (LC_ALL, "");
  ctx = g_option_context_new ("IMAGE... - RADIO features for images");
  g_option_context_set_summary (ctx,
      "Runs a RADIO vision foundation model on PNG, JPEG or PPM images and "
      "prints\nthe summary and spatial feature statistics; --output saves "
      "them as safetensors.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("radio-embed: %s\n", error->message);
    return 2;
  }
  status = run (&opt);
  g_free (opt.model);
  g_free (opt.backend);
  g_free (opt.size);
  g_strfreev (opt.adaptors);
  g_free (opt.pos_interp);
  g_free (opt.precision);
  g_free (opt.output);
  g_strfreev (opt.images);
  return status;
}
