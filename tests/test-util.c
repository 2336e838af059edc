/* test-util.c: small helpers shared by the test programs. */
#include "test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

void
radio_test_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR)
      && !g_file_test (path, G_FILE_TEST_IS_SYMLINK)) {
    GDir *dir = g_dir_open (path, 0, NULL);
    const char *name;

    g_assert_nonnull (dir);
    while ((name = g_dir_read_name (dir)) != NULL) {
      char *child = g_build_filename (path, name, NULL);
      radio_test_remove_tree (child);
      g_free (child);
    }
    g_dir_close (dir);
  }
  g_assert_cmpint (g_remove (path), ==, 0);
}

double
radio_test_error_ratio (
    const void *out, const void *ref, gsize n, double *max_err, double *std_ref)
{
  const guint8 *o = out, *r = ref;
  double sum = 0, sq = 0, err = 0, std;
  gsize i;

  for (i = 0; i < n; i++) {
    float a, b;
    memcpy (&a, o + 4 * i, 4);
    memcpy (&b, r + 4 * i, 4);
    sum += b;
    sq += (double)b * b;
    err = MAX (err, isfinite (a) ? fabs ((double)a - b) : INFINITY);
  }
  std = n ? sqrt (MAX (sq / n - (sum / n) * (sum / n), 0)) : 0;
  if (max_err)
    *max_err = err;
  if (std_ref)
    *std_ref = std;
  return std > 0 ? err / std : INFINITY;
}

static double
chroma_sample (const RadioTestYuvFrame *f, int v, double sx, double sy)
{
  int cw = (f->width + 1) / 2, ch = (f->height + 1) / 2;
  int plane = f->nv12 ? 1 : 1 + v;
  const guint8 *base = f->planes[plane];
  gsize stride = f->strides[plane];
  int x0, y0, x1, y1, k;
  double lx, ly, val[4];

  sx = MAX (sx, 0.0);
  sy = MAX (sy, 0.0);
  x0 = MIN ((int)floor (sx), cw - 1);
  y0 = MIN ((int)floor (sy), ch - 1);
  x1 = MIN (x0 + 1, cw - 1);
  y1 = MIN (y0 + 1, ch - 1);
  lx = sx - x0;
  ly = sy - y0;
  for (k = 0; k < 4; k++) {
    int x = k & 1 ? x1 : x0, y = k & 2 ? y1 : y0;
    val[k] = f->nv12 ? base[y * stride + 2 * x + v] : base[y * stride + x];
  }
  return (1 - ly) * ((1 - lx) * val[0] + lx * val[1])
         + ly * ((1 - lx) * val[2] + lx * val[3]);
}

void
radio_test_yuv_pixel (
    const RadioTestYuvFrame *f, guint x, guint y, double rgb[3])
{
  double yo = f->full_range ? 0 : 16, ys = f->full_range ? 255 : 219;
  double cs = f->full_range ? 255 : 224;
  double luma = (f->planes[0][y * f->strides[0] + x] - yo) / ys;
  double sx = (x + 0.5) / 2 - 0.5, sy = (y + 0.5) / 2 - 0.5;
  double cb = (chroma_sample (f, 0, sx, sy) - 128) / cs;
  double cr = (chroma_sample (f, 1, sx, sy) - 128) / cs;
  double r = luma + 2 * (1 - f->kr) * cr, b = luma + 2 * (1 - f->kb) * cb;
  double g = (luma - f->kr * r - f->kb * b) / (1 - f->kr - f->kb);

  rgb[0] = CLAMP (r, 0.0, 1.0);
  rgb[1] = CLAMP (g, 0.0, 1.0);
  rgb[2] = CLAMP (b, 0.0, 1.0);
}

RadioCheckpoint *
radio_test_load_golden (const char *name)
{
  g_autofree char *dir
      = g_build_filename (g_getenv ("RADIO_GOLDEN_DIR"), name, NULL);
  g_autoptr (GError) error = NULL;
  RadioCheckpoint *ckpt = radio_checkpoint_load (dir, &error);

  g_assert_no_error (error);
  return ckpt;
}

char **
radio_test_case_adaptors (RadioSafetensors *st)
{
  GPtrArray *names = g_ptr_array_new ();
  guint i;

  for (i = 0; i < radio_safetensors_get_n_tensors (st); i++) {
    const char *name = radio_safetensors_get_tensor (st, i)->name;
    if (g_str_has_prefix (name, "adaptor.")
        && g_str_has_suffix (name, ".summary"))
      g_ptr_array_add (names,
          g_strndup (name + strlen ("adaptor."),
              strlen (name) - strlen ("adaptor.") - strlen (".summary")));
  }
  g_ptr_array_add (names, NULL);
  return (char **)g_ptr_array_free (names, FALSE);
}
