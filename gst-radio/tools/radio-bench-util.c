/* radio-bench-util.c: helpers shared by the CPU and CUDA benchmarks. */
#include "radio-bench-util.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

char *
radio_bench_model_name (const RadioCheckpoint *c)
{
  static const char *const sizes[][2]
      = { { "tiny", "Ti" }, { "small", "S" }, { "base", "B" }, { "large", "L" },
          { "huge", "H" }, { "giant", "g" }, { "so400m", "SO400M" } };
  const RadioArchSpec *spec = radio_arch_spec_lookup (c->arch_name);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++)
    if (strstr (c->arch_name, sizes[i][0]))
      return g_strdup_printf ("ViT-%s/%u%s", sizes[i][1], c->patch_size,
          spec && spec->depth != c->depth ? " (custom depth)" : "");
  return g_strdup (c->arch_name);
}

gboolean
radio_bench_parse_size (const char *text, guint *w, guint *h)
{
  return sscanf (text, "%ux%u", w, h) == 2 && *w > 0 && *h > 0;
}

void
radio_bench_remove_model_dir (const char *dir)
{
  g_autofree char *c = g_build_filename (dir, "config.json", NULL);
  g_autofree char *m = g_build_filename (dir, "model.safetensors", NULL);

  g_unlink (c);
  g_unlink (m);
  g_rmdir (dir);
}
