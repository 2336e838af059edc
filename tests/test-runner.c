/* test-runner: the model cache (one checkpoint per canonical path, holder
 * counts, content ids) and the backend-neutral runner: backend choice and
 * its notices, the CPU path against the RadioForward it wraps, and the
 * errors for bad frames and unusable backends. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "radio-error.h"
#include "radio-model-cache.h"
#include "radio-runner.h"
#include "test-util.h"

static const char *golden_dir;

static char *
model_dir (const char *name)
{
  return g_build_filename (golden_dir, name, NULL);
}

static void
test_cache_sharing (void)
{
  g_autofree char *dir = model_dir ("tiny-v25");
  g_autofree char *other = model_dir ("tiny-cv4");
  g_autofree char *tmp = g_dir_make_tmp ("radio-cache-XXXXXX", NULL);
  g_autofree char *link = g_build_filename (tmp, "link", NULL);
  g_autofree char *dotted = g_build_filename (dir, ".", NULL);
  g_autoptr (GError) error = NULL;
  RadioCheckpoint *a, *b, *c, *d;
  char *id_a;

  g_assert_cmpint (symlink (dir, link), ==, 0);
  g_assert_cmpuint (radio_model_cache_get_n_models (), ==, 0);
  a = radio_model_cache_acquire (dir, &error);
  g_assert_no_error (error);
  b = radio_model_cache_acquire (link, &error);
  g_assert_no_error (error);
  c = radio_model_cache_acquire (dotted, &error);
  g_assert_no_error (error);
  g_assert_true (a == b && b == c);
  g_assert_cmpuint (radio_model_cache_get_n_users (a), ==, 3);
  g_assert_cmpuint (radio_model_cache_get_n_models (), ==, 1);

  d = radio_model_cache_acquire (other, &error);
  g_assert_no_error (error);
  g_assert_true (d != a);
  g_assert_cmpuint (radio_model_cache_get_n_models (), ==, 2);
  id_a = g_strdup (radio_model_cache_get_id (a));
  g_assert_cmpuint (strlen (id_a), ==, 32);
  g_assert_cmpstr (radio_model_cache_get_id (d), !=, id_a);

  radio_model_cache_release (b);
  radio_model_cache_release (c);
  g_assert_cmpuint (radio_model_cache_get_n_users (a), ==, 1);
  radio_model_cache_release (a);
  g_assert_cmpuint (radio_model_cache_get_n_models (), ==, 1);
  radio_model_cache_release (d);
  g_assert_cmpuint (radio_model_cache_get_n_models (), ==, 0);

  /* loaded again: a new checkpoint with the same content id */
  a = radio_model_cache_acquire (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (radio_model_cache_get_id (a), ==, id_a);
  radio_model_cache_release (a);
  g_free (id_a);

  /* failures leave nothing behind */
  g_assert_null (radio_model_cache_acquire (tmp, &error));
  g_assert_nonnull (error);
  g_assert_cmpuint (radio_model_cache_get_n_models (), ==, 0);
  radio_test_remove_tree (tmp);
}

typedef struct {
  RadioCheckpoint *ckpt;
  guint8 rgb[64 * 48 * 3];
  RadioFrame frame;
  RadioPlacement place;
} Fixture;

static void
fixture_init (Fixture *f)
{
  g_autofree char *dir = model_dir ("tiny-v25");
  guint i;

  f->ckpt = radio_checkpoint_load (dir, NULL);
  g_assert_nonnull (f->ckpt);
  for (i = 0; i < sizeof f->rgb; i++)
    f->rgb[i] = (i * 7919) % 251;
  memset (&f->frame, 0, sizeof f->frame);
  f->frame.format = RADIO_PIXEL_RGB;
  f->frame.width = 64;
  f->frame.height = 48;
  f->frame.planes[0] = f->rgb;
  f->frame.strides[0] = 64 * 3;
  memset (&f->place, 0, sizeof f->place);
  f->place.width = 64;
  f->place.height = 48;
}

static RadioRunnerConfig
cpu_config (void)
{
  static const char *const adaptors[] = { "clip", NULL };
  RadioRunnerConfig c = { 0 };

  c.backend = RADIO_BACKEND_CPU;
  c.input_width = 64;
  c.input_height = 48;
  c.adaptors = adaptors;
  return c;
}

/* The CPU runner gives exactly what RadioForward gives on the same image. */
static void
test_cpu_runner (void)
{
  Fixture f;
  RadioRunnerConfig c = cpu_config ();
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioRunner) r = NULL;
  const RadioOutputs *o;
  RadioForward *fw;
  float *image;
  guint len, gh, gw, dim, i;
  const float *s, *sp;

  fixture_init (&f);
  r = radio_runner_new (f.ckpt, &c, &error);
  g_assert_no_error (error);
  g_assert_cmpint (radio_runner_get_config (r)->backend, ==, RADIO_BACKEND_CPU);
  g_assert_cmpint (
      radio_runner_get_config (r)->precision, ==, RADIO_PRECISION_FP32);
  g_assert_null (radio_runner_get_notice (r));
  g_assert_true (radio_runner_run_frame (r, &f.frame, &f.place, &error));
  g_assert_no_error (error);
  o = radio_runner_get_outputs (r);

  fw = radio_forward_new (
      f.ckpt, 48, 64, RADIO_POS_INTERP_AUTO, c.adaptors, &error);
  g_assert_no_error (error);
  image = g_new (float, sizeof f.rgb);
  radio_cpu_u8_to_unit_f32 (image, f.rgb, sizeof f.rgb);
  radio_forward_run (fw, image);
  s = radio_forward_get_summary (fw, &len);
  sp = radio_forward_get_spatial (fw, &gh, &gw, &dim);
  g_assert_cmpuint (o->summary_length, ==, len);
  g_assert_cmpmem (o->summary, len * 4, s, len * 4);
  g_assert_cmpuint (o->grid_height, ==, 3);
  g_assert_cmpuint (o->grid_width, ==, 4);
  g_assert_cmpmem (o->spatial, gh * gw * dim * 4, sp, gh * gw * dim * 4);
  g_assert_cmpuint (o->n_adaptors, ==, 1);
  g_assert_cmpstr (o->adaptors[0].name, ==, "clip");
  for (i = 0; i < o->adaptors[0].summary_dim; i++)
    g_assert_cmpfloat (o->adaptors[0].summary[i], ==,
        radio_forward_get_adaptor (fw, 0)->summary[i]);
  g_assert_cmpfloat (
      radio_runner_get_flops (r), ==, radio_forward_get_flops (fw));

  /* a frame that does not fit the placement is an error, and the runner
   * keeps working afterwards */
  f.place.x = 1;
  g_assert_false (radio_runner_run_frame (r, &f.frame, &f.place, &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT);
  g_clear_error (&error);
  f.place.x = 0;
  g_assert_true (radio_runner_run_frame (r, &f.frame, &f.place, &error));

  g_free (image);
  radio_forward_free (fw);
  radio_checkpoint_unref (f.ckpt);
}

static void
test_backend_choice (void)
{
  Fixture f;
  RadioRunnerConfig c = cpu_config ();
  g_autoptr (GError) error = NULL;
  RadioRunner *r;

  fixture_init (&f);

  /* half precision on the CPU: float32, with a notice saying so */
  c.precision = RADIO_PRECISION_BF16;
  r = radio_runner_new (f.ckpt, &c, &error);
  g_assert_no_error (error);
  g_assert_cmpint (
      radio_runner_get_config (r)->precision, ==, RADIO_PRECISION_FP32);
  g_assert_nonnull (strstr (radio_runner_get_notice (r), "bf16 ignored"));
  radio_runner_free (r);

  /* Without a usable CUDA device (this machine, or no CUDA build), cuda is
   * an error and auto falls back to the CPU with the reason.  With one,
   * both give CUDA runners. */
  c.precision = RADIO_PRECISION_AUTO;
  c.backend = RADIO_BACKEND_CUDA;
  r = radio_runner_new (f.ckpt, &c, &error);
  if (r) {
    g_test_message ("a CUDA device is usable: %s", radio_runner_describe (r));
    g_assert_cmpint (
        radio_runner_get_config (r)->backend, ==, RADIO_BACKEND_CUDA);
    radio_runner_free (r);
  } else {
    g_assert_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED);
    g_assert_nonnull (strstr (error->message, "backend cuda"));
    g_clear_error (&error);
    c.backend = RADIO_BACKEND_AUTO;
    r = radio_runner_new (f.ckpt, &c, &error);
    g_assert_no_error (error);
    g_assert_cmpint (
        radio_runner_get_config (r)->backend, ==, RADIO_BACKEND_CPU);
    g_assert_nonnull (
        strstr (radio_runner_get_notice (r), "running on the CPU"));
    radio_runner_free (r);
  }

  /* bad sizes and adaptor names */
  c.backend = RADIO_BACKEND_CPU;
  c.input_width = 60;
  g_assert_null (radio_runner_new (f.ckpt, &c, &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT);
  g_clear_error (&error);
  {
    static const char *const bad[] = { "siglip", NULL };
    c.input_width = 64;
    c.adaptors = bad;
    g_assert_null (radio_runner_new (f.ckpt, &c, &error));
    g_assert_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT);
  }
  radio_checkpoint_unref (f.ckpt);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  golden_dir = g_getenv ("RADIO_GOLDEN_DIR");
  if (!golden_dir) {
    g_printerr ("RADIO_GOLDEN_DIR is not set\n");
    return 1;
  }
  g_test_add_func ("/runner/cache", test_cache_sharing);
  g_test_add_func ("/runner/cpu", test_cpu_runner);
  g_test_add_func ("/runner/backend-choice", test_backend_choice);
  return g_test_run ();
}
