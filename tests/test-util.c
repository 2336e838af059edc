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
radio_test_error_ratio (const void *out, const void *ref, gsize n,
    double *max_err, double *std_ref)
{
  const guint8 *o = out, *r = ref;
  double sum = 0, sq = 0, err = 0, std;
  gsize i;

  for (i = 0; i < n; i++) {
    float a, b;
    memcpy (&a, o + 4 * i, 4);
    memcpy (&b, r + 4 * i, 4);
    sum += b;
    sq += (double) b * b;
    err = MAX (err, isfinite (a) ? fabs ((double) a - b) : INFINITY);
  }
  std = n ? sqrt (MAX (sq / n - (sum / n) * (sum / n), 0)) : 0;
  if (max_err)
    *max_err = err;
  if (std_ref)
    *std_ref = std;
  return std > 0 ? err / std : INFINITY;
}
