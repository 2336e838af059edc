/* radio-inspect: prints the architecture gst-radio resolves from a RADIO
 * checkpoint (version, dims, depth, heads, patch size, tokens, adaptors,
 * dtype, parameter count), or the reason it cannot load it. */
#include <glib.h>
#include <locale.h>

#include "radio-checkpoint.h"

int
main (int argc, char **argv)
{
  int i, status = 0;

  setlocale (LC_ALL, "");
  if (argc < 2 || g_strcmp0 (argv[1], "--help") == 0
      || g_strcmp0 (argv[1], "-h") == 0) {
    g_printerr ("usage: radio-inspect MODEL_DIR...\n");
    return argc < 2 ? 2 : 0;
  }
  for (i = 1; i < argc; i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (RadioCheckpoint) ckpt = radio_checkpoint_load (argv[i],
        &error);
    g_autofree char *text = NULL;

    if (!ckpt) {
      g_printerr ("radio-inspect: %s\n", error->message);
      status = 1;
      continue;
    }
    text = radio_checkpoint_describe (ckpt);
    g_print ("%s%s", i > 1 ? "\n" : "", text);
  }
  return status;
}
