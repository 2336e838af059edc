/* test-cpu-alloc: the CPU forward allocates nothing per frame.
 *
 * This program replaces malloc, calloc, realloc and the aligned allocators
 * for the whole process (glibc lets the executable interpose them; the
 * real ones stay reachable as __libc_*) and counts the calls made while
 * counting is switched on.  For every CPU path and several thread counts it
 * runs a golden model (tests/data/golden/tiny-v25, with its adaptor) once
 * to warm up, then counts the allocations of further frames at the same
 * resolution, both straight and through the resize of a differently sized
 * source frame: there must be none.  (The BLAS and the worker threads may
 * allocate their buffers in the first frame.)
 *
 * Not run under valgrind, which replaces the allocator itself.
 */
#include <errno.h>
#include <glib.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "radio-checkpoint.h"
#include "radio-model.h"

extern void *__libc_malloc (size_t size);
extern void *__libc_calloc (size_t n, size_t size);
extern void *__libc_realloc (void *p, size_t size);
extern void *__libc_memalign (size_t alignment, size_t size);

static gint counting;
static gint n_allocations;

static void
count_one (void)
{
  if (g_atomic_int_get (&counting))
    g_atomic_int_inc (&n_allocations);
}

void *
malloc (size_t size)
{
  count_one ();
  return __libc_malloc (size);
}

void *
calloc (size_t n, size_t size)
{
  count_one ();
  return __libc_calloc (n, size);
}

void *
realloc (void *p, size_t size)
{
  count_one ();
  return __libc_realloc (p, size);
}

int
posix_memalign (void **p, size_t alignment, size_t size)
{
  count_one ();
  *p = __libc_memalign (alignment, size);
  return *p != NULL || size == 0 ? 0 : ENOMEM;
}

void *
aligned_alloc (size_t alignment, size_t size)
{
  count_one ();
  return __libc_memalign (alignment, size);
}

void *
memalign (size_t alignment, size_t size)
{
  count_one ();
  return __libc_memalign (alignment, size);
}

typedef struct {
  RadioCpuMode mode;
  guint threads;
} AllocCase;

static guint8 *
make_frame (guint w, guint h)
{
  guint8 *rgb = g_new (guint8, (gsize) w * h * 3);
  gsize i;

  for (i = 0; i < (gsize) w * h * 3; i++)
    rgb[i] = (guint8) (i * 37 % 251);
  return rgb;
}

static void
test_no_allocation (gconstpointer data)
{
  const AllocCase *ac = data;
  const char *root = g_getenv ("RADIO_GOLDEN_DIR");
  g_autofree char *dir = g_build_filename (root, "tiny-v25", NULL);
  const char *const adaptors[] = { "clip", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioCheckpoint) ckpt = radio_checkpoint_load (dir, &error);
  g_autofree guint8 *same = NULL, *other = NULL;
  RadioForward *fw;
  guint i, size;

  g_assert_no_error (error);
  size = 4 * ckpt->patch_size;
  fw = radio_forward_new (ckpt, size, size, RADIO_POS_INTERP_AUTO, adaptors,
      &error);
  g_assert_no_error (error);
  radio_forward_set_cpu_mode (fw, ac->mode);
  radio_forward_set_threads (fw, ac->threads);
  same = make_frame (size, size);
  other = make_frame (size + 7, size - 3);

  /* First frames: may allocate (BLAS buffers, resize staging). */
  g_assert_true (radio_forward_run_rgb8 (fw, same, size, size, size * 3,
          &error));
  g_assert_true (radio_forward_run_rgb8 (fw, other, size + 7, size - 3,
          (size + 7) * 3, &error));
  g_assert_no_error (error);

  g_atomic_int_set (&n_allocations, 0);
  g_atomic_int_set (&counting, 1);
  for (i = 0; i < 3; i++) {
    gboolean ok = radio_forward_run_rgb8 (fw, same, size, size, size * 3,
        NULL);
    ok &= radio_forward_run_rgb8 (fw, other, size + 7, size - 3,
        (size + 7) * 3, NULL);
    g_assert_true (ok);
  }
  g_atomic_int_set (&counting, 0);
  g_test_message ("%s: %d allocations in 6 frames",
      radio_forward_describe_cpu (fw), g_atomic_int_get (&n_allocations));
  g_assert_cmpint (g_atomic_int_get (&n_allocations), ==, 0);
  radio_forward_free (fw);
}

int
main (int argc, char **argv)
{
  static const AllocCase cases[] = {
    { RADIO_CPU_MODE_FAST, 1 }, { RADIO_CPU_MODE_FAST, 2 },
    { RADIO_CPU_MODE_FAST, 3 }, { RADIO_CPU_MODE_FAST_PLAIN, 1 },
    { RADIO_CPU_MODE_FAST_PLAIN, 2 }, { RADIO_CPU_MODE_REFERENCE, 1 },
  };
  static const char *const names[] = { "fast", "plain", "reference" };
  guint i;

  g_test_init (&argc, &argv, NULL);
  if (!g_getenv ("RADIO_GOLDEN_DIR")) {
    g_printerr ("RADIO_GOLDEN_DIR is not set\n");
    return 1;
  }
  /* The counter must see allocations made inside the libraries. */
  g_atomic_int_set (&counting, 1);
  g_free (g_malloc (16));
  g_free (g_malloc0 (16));
  g_atomic_int_set (&counting, 0);
  if (g_atomic_int_get (&n_allocations) != 2) {
    g_printerr ("allocation counting does not work here (%d of 2 seen)\n",
        g_atomic_int_get (&n_allocations));
    return 1;
  }
  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *path = g_strdup_printf ("/cpu/no-allocation/%s-%u",
        names[cases[i].mode], cases[i].threads);
    g_test_add_data_func (path, &cases[i], test_no_allocation);
  }
  return g_test_run ();
}
