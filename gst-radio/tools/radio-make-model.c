/* radio-make-model: writes a RADIO checkpoint folder with RANDOM weights in
 * the published layout, for demos, tests and benchmarks at real sizes.
 *
 *   radio-make-model --arch vit_base_patch16_224 --dtype bf16 --output DIR
 */
#include <glib.h>
#include <locale.h>
#include <string.h>

#include "radio-random-model.h"

int
main (int argc, char **argv)
{
  g_autofree char *arch = NULL, *dtype = NULL, *output = NULL;
  g_autofree char *version = NULL, *adaptor = NULL;
  gint depth = 0, embed_dim = 0, heads = 0, cpe = 0, teachers = 0;
  gint registers = -1, adaptor_dim = 0;
  gint64 seed = 1;
  gboolean layer_scale = FALSE, normalizer = FALSE;
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  RadioRandomModelSpec spec;
  GOptionEntry entries[] = {
    { "arch", 0, 0, G_OPTION_ARG_STRING, &arch,
      "timm architecture (default vit_base_patch16_224)", "NAME" },
    { "dtype", 0, 0, G_OPTION_ARG_STRING, &dtype,
      "Weight dtype: f32, f16 or bf16 (default bf16)", "T" },
    { "depth", 0, 0, G_OPTION_ARG_INT, &depth, "Override the depth", "N" },
    { "embed-dim", 0, 0, G_OPTION_ARG_INT, &embed_dim,
      "Override the width (MLP stays 4x)", "D" },
    { "heads", 0, 0, G_OPTION_ARG_INT, &heads, "Override the heads", "N" },
    { "cpe-max-size", 0, 0, G_OPTION_ARG_INT, &cpe,
      "Position grid side in pixels (default 2048)", "PX" },
    { "teachers", 0, 0, G_OPTION_ARG_INT, &teachers,
      "CLS tokens (default 3)", "N" },
    { "register-multiple", 0, 0, G_OPTION_ARG_INT, &registers,
      "Register multiple, 0 for none (default 8)", "N" },
    { "layer-scale", 0, 0, G_OPTION_ARG_NONE, &layer_scale,
      "Add layer scale vectors", NULL },
    { "feature-normalizer", 0, 0, G_OPTION_ARG_NONE, &normalizer,
      "Add a feature normalizer", NULL },
    { "adaptor", 0, 0, G_OPTION_ARG_STRING, &adaptor,
      "Add an adaptor head of this name", "NAME" },
    { "adaptor-dim", 0, 0, G_OPTION_ARG_INT, &adaptor_dim,
      "Adaptor output size (default: embed dim)", "N" },
    { "version", 0, 0, G_OPTION_ARG_STRING, &version,
      "config.json version (default radio_v2.5-b)", "NAME" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed", "N" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Folder to write", "DIR" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  ctx = g_option_context_new ("- write a random-weight RADIO checkpoint");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("radio-make-model: %s\n", error->message);
    return 2;
  }
  if (!output) {
    g_printerr ("radio-make-model: --output is required\n");
    return 2;
  }
  if (!radio_random_model_spec_init (&spec,
          arch ? arch : "vit_base_patch16_224", &error)) {
    g_printerr ("radio-make-model: %s\n", error->message);
    return 2;
  }
  if (depth < 0 || embed_dim < 0 || heads < 0 || cpe < 0 || teachers < 0
      || adaptor_dim < 0 || registers < -1) {
    g_printerr ("radio-make-model: sizes must be positive\n");
    return 2;
  }
  if (dtype && g_ascii_strcasecmp (dtype, "f32") == 0)
    spec.dtype = RADIO_DTYPE_F32;
  else if (dtype && g_ascii_strcasecmp (dtype, "f16") == 0)
    spec.dtype = RADIO_DTYPE_F16;
  else if (dtype && g_ascii_strcasecmp (dtype, "bf16") != 0) {
    g_printerr ("radio-make-model: --dtype must be f32, f16 or bf16\n");
    return 2;
  }
  if (depth)
    spec.depth = depth;
  if (embed_dim) {
    spec.embed_dim = embed_dim;
    spec.mlp_hidden = 4 * embed_dim;
  }
  if (heads)
    spec.num_heads = heads;
  if (cpe)
    spec.cpe_max_size = cpe;
  if (teachers)
    spec.num_teachers = teachers;
  if (registers >= 0)
    spec.register_multiple = registers;
  if (version)
    spec.version = version;
  spec.layer_scale = layer_scale;
  spec.feature_normalizer = normalizer;
  spec.adaptor = adaptor;
  spec.adaptor_dim = adaptor_dim;
  spec.seed = (guint64) seed;
  if (!radio_random_model_write (&spec, output, &error)) {
    g_printerr ("radio-make-model: %s\n", error->message);
    return 1;
  }
  return 0;
}
