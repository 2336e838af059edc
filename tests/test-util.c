/* test-util.c: small helpers shared by the test programs. */
#include "test-util.h"

#include <glib/gstdio.h>

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
