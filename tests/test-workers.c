/* test-workers: the CPU forward's thread pool (radio-workers.h) runs every
 * task of every job exactly once, reports thread indices in range, and
 * returns only after all of a job's tasks have finished, over thousands of
 * back-to-back jobs (the pattern of a forward pass) and after idle gaps
 * long enough for the workers to go to sleep. */
#include <glib.h>
#include <string.h>

#include "radio-workers.h"

typedef struct {
  guint n_threads;
  gint *hits;        /* [n_tasks] */
  gint finished;     /* tasks done, atomic */
  gint bad_thread;
} Job;

static void
job_task (gpointer data, guint task, guint thread)
{
  Job *job = data;

  if (thread >= job->n_threads)
    g_atomic_int_set (&job->bad_thread, 1);
  /* Uneven task lengths, so that threads overtake each other. */
  if (task % 7 == 3)
    g_usleep (20);
  g_atomic_int_inc (&job->hits[task]);
  g_atomic_int_inc (&job->finished);
}

static void
test_pool (gconstpointer data)
{
  guint n_threads = GPOINTER_TO_UINT (data), round, t;
  g_autoptr (GError) error = NULL;
  RadioWorkers *pool = radio_workers_new (n_threads, &error);
  Job job = { 0 };

  g_assert_no_error (error);
  g_assert_cmpuint (radio_workers_get_n_threads (pool), ==, n_threads);
  job.n_threads = n_threads;
  job.hits = g_new0 (gint, 64);
  for (round = 0; round < 3000; round++) {
    guint n_tasks = round % 64;

    memset (job.hits, 0, 64 * sizeof (gint));
    job.finished = 0;
    radio_workers_run (pool, n_tasks, job_task, &job);
    /* Everything is done when run returns, nothing twice. */
    g_assert_cmpint (g_atomic_int_get (&job.finished), ==, (gint) n_tasks);
    for (t = 0; t < n_tasks; t++)
      g_assert_cmpint (job.hits[t], ==, 1);
    if (round % 1000 == 999)
      g_usleep (20000); /* the workers block instead of polling */
  }
  g_assert_cmpint (job.bad_thread, ==, 0);
  g_free (job.hits);
  radio_workers_free (pool);
}

int
main (int argc, char **argv)
{
  static const guint sizes[] = { 1, 2, 3, 5 };
  guint i;

  g_test_init (&argc, &argv, NULL);
  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    g_autofree char *path = g_strdup_printf ("/workers/%u-threads",
        sizes[i]);
    g_test_add_data_func (path, GUINT_TO_POINTER (sizes[i]), test_pool);
  }
  return g_test_run ();
}
