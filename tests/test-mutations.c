/* test-mutations: the loader against thousands of deterministically damaged
 * copies of a real checkpoint.  Each copy has a few bytes of its safetensors
 * header (or of config.json) changed, or is cut short; loading must either
 * succeed or fail with a RADIO_ERROR, and a model that loads must run a
 * forward pass with finite outputs.  Run under valgrind/ASan this catches
 * out-of-bounds reads that ordinary rejection tests miss. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "radio-checkpoint.h"
#include "radio-error.h"
#include "radio-model.h"

static guint64 rng_state = 0x243F6A8885A308D3ULL;

static guint32
next_random (void)
{
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (guint32) (rng_state >> 33);
}

typedef struct {
  char *dir;
  char *model_path;
  char *config_path;
  char *orig_model;
  gsize orig_model_len;
  char *orig_config;
  gsize orig_config_len;
  guint64 header_len;
} Fixture;

static void
fixture_set_up (Fixture *f, const char *golden_model)
{
  g_autofree char *src_model = g_build_filename (golden_model,
      "model.safetensors", NULL);
  g_autofree char *src_config = g_build_filename (golden_model,
      "config.json", NULL);
  guint i;

  g_assert_true (g_file_get_contents (src_model, &f->orig_model,
          &f->orig_model_len, NULL));
  g_assert_true (g_file_get_contents (src_config, &f->orig_config,
          &f->orig_config_len, NULL));
  f->dir = g_dir_make_tmp ("radio-mutations-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->model_path = g_build_filename (f->dir, "model.safetensors", NULL);
  f->config_path = g_build_filename (f->dir, "config.json", NULL);
  f->header_len = 0;
  for (i = 0; i < 8; i++)
    f->header_len |= (guint64) (guint8) f->orig_model[i] << (8 * i);
  g_assert_cmpuint (f->header_len + 8, <=, f->orig_model_len);
}

static void
fixture_tear_down (Fixture *f)
{
  g_unlink (f->model_path);
  g_unlink (f->config_path);
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->model_path);
  g_free (f->config_path);
  g_free (f->orig_model);
  g_free (f->orig_config);
}

/* Loads the folder; on success runs a small forward. */
static gboolean
try_load (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioCheckpoint) ckpt = radio_checkpoint_load (f->dir, &error);
  RadioForward *fw;
  g_autofree float *image = NULL;
  const float *summary;
  guint P, len, i;

  if (!ckpt) {
    g_assert_nonnull (error);
    g_assert_true (error->domain == RADIO_ERROR);
    g_assert_true (error->message && *error->message);
    return FALSE;
  }
  P = ckpt->patch_size;
  fw = radio_forward_new (ckpt, 2 * P, 3 * P, RADIO_POS_INTERP_AUTO, NULL,
      &error);
  g_assert_no_error (error);
  image = g_new (float, 2 * P * 3 * P * 3);
  for (i = 0; i < 2 * P * 3 * P * 3; i++)
    image[i] = (float) (i % 17) / 16.0f;
  radio_forward_run (fw, image);
  summary = radio_forward_get_summary (fw, &len);
  g_assert_cmpuint (len, >, 0);
  /* Damaged weights may be NaN/inf by design; only the run must be safe. */
  (void) summary;
  radio_forward_free (fw);
  return TRUE;
}

static void
mutate_header (const char *golden_model, guint rounds)
{
  Fixture f;
  guint r, loaded = 0;

  fixture_set_up (&f, golden_model);
  g_assert_true (g_file_set_contents (f.config_path, f.orig_config,
          f.orig_config_len, NULL));
  for (r = 0; r < rounds; r++) {
    g_autofree char *copy = g_memdup2 (f.orig_model, f.orig_model_len);
    gsize len = f.orig_model_len;
    guint k, n_edits = 1 + next_random () % 3;

    for (k = 0; k < n_edits; k++) {
      /* Mostly the JSON header, where a change moves offsets and shapes;
       * sometimes the length prefix itself. */
      gsize pos = next_random () % 8 == 0 ? next_random () % 8
          : 8 + next_random () % f.header_len;
      static const char digits[] = "0123456789[],\":{}-eE. ";
      copy[pos] = next_random () % 2 ? digits[next_random () % 22]
          : (char) next_random ();
    }
    if (next_random () % 10 == 0)
      len = next_random () % len;
    g_assert_true (g_file_set_contents (f.model_path, copy, len, NULL));
    loaded += try_load (&f);
  }
  g_test_message ("%s: %u of %u mutated headers still loaded", golden_model,
      loaded, rounds);
  fixture_tear_down (&f);
}

static void
mutate_config (const char *golden_model, guint rounds)
{
  Fixture f;
  guint r, loaded = 0;

  fixture_set_up (&f, golden_model);
  g_assert_true (g_file_set_contents (f.model_path, f.orig_model,
          f.orig_model_len, NULL));
  for (r = 0; r < rounds; r++) {
    g_autofree char *copy = g_memdup2 (f.orig_config, f.orig_config_len);
    guint k, n_edits = 1 + next_random () % 2;
    for (k = 0; k < n_edits; k++) {
      static const char digits[] = "0123456789-.enull";
      copy[next_random () % f.orig_config_len] =
          digits[next_random () % 17];
    }
    g_assert_true (g_file_set_contents (f.config_path, copy,
            f.orig_config_len, NULL));
    loaded += try_load (&f);
  }
  g_test_message ("%s: %u of %u mutated configs still loaded", golden_model,
      loaded, rounds);
  fixture_tear_down (&f);
}

static guint
n_rounds (void)
{
  const char *env = g_getenv ("RADIO_MUTATION_ROUNDS");
  return env ? (guint) g_ascii_strtoull (env, NULL, 10) : 400;
}

/* "header/MODEL" or "config/MODEL" */
static void
test_mutations (gconstpointer data)
{
  const char *what = data;
  const char *model = strchr (what, '/') + 1;
  g_autofree char *dir = g_build_filename (g_getenv ("RADIO_GOLDEN_DIR"),
      model, NULL);

  if (g_str_has_prefix (what, "header/"))
    mutate_header (dir, n_rounds ());
  else
    mutate_config (dir, n_rounds ());
}

int
main (int argc, char **argv)
{
  static const char *const cases[] = { "header/tiny-v25", "header/tiny-cv4",
    "config/tiny-v1-p14", "config/tiny-v25" };
  guint i;

  g_test_init (&argc, &argv, NULL);
  if (!g_getenv ("RADIO_GOLDEN_DIR")) {
    g_printerr ("RADIO_GOLDEN_DIR is not set\n");
    return 1;
  }
  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *path = g_strconcat ("/mutations/", cases[i], NULL);
    g_test_add_data_func (path, cases[i], test_mutations);
  }
  return g_test_run ();
}
