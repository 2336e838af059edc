/* radio-workers.c: the persistent thread pool of radio-workers.h.
 *
 * A job is published by bumping `generation` (under the mutex, then a
 * broadcast); every worker runs tasks until the shared task counter passes
 * n_tasks, then decrements `busy`; the caller, which runs tasks too, waits
 * for busy == 0.  Because the caller waits for every worker, not just for
 * every task, no worker can still be reading a job when the next one is
 * published.  Both sides poll briefly before blocking, since the jobs of a
 * forward pass follow each other within microseconds.
 */
#include "radio-workers.h"

#include "radio-error.h"

/* How long a waiting thread polls before it blocks. */
#define SPIN_US 50

struct _RadioWorkers {
  guint n_threads;
  GThread **threads; /* [n_threads - 1] */
  GMutex lock;
  GCond wake;        /* a new job or quit */
  GCond done;        /* busy reached 0 */

  /* the current job, written by the caller before generation moves */
  RadioWorkerFunc func;
  gpointer data;
  guint n_tasks;
  gint next_task;    /* atomic */
  gint generation;   /* atomic */
  gint busy;         /* atomic: workers still in the current job */
  gint quit;         /* atomic */
};

typedef struct {
  RadioWorkers *pool;
  guint index;
} WorkerArgs;

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#elif defined(__aarch64__)
  __asm__ __volatile__ ("yield");
#endif
}

/* Polls *value for up to SPIN_US until it differs from `from` (want_zero
 * FALSE) or until it is 0 (want_zero TRUE); returns whether that
 * happened. */
static gboolean
spin_wait (gint *value, gint from, gboolean want_zero)
{
  gint64 deadline = 0;
  guint i;

  for (i = 0;; i++) {
    gint v = g_atomic_int_get (value);

    if (want_zero ? v == 0 : v != from)
      return TRUE;
    if ((i & 63) == 63) {
      gint64 now = g_get_monotonic_time ();

      if (deadline == 0)
        deadline = now + SPIN_US;
      else if (now > deadline)
        return FALSE;
    }
    cpu_relax ();
  }
}

static void
run_tasks (RadioWorkers *pool, guint thread)
{
  for (;;) {
    guint task = (guint) g_atomic_int_add (&pool->next_task, 1);

    if (task >= pool->n_tasks)
      break;
    pool->func (pool->data, task, thread);
  }
}

static gpointer
worker_main (gpointer user_data)
{
  WorkerArgs *args = user_data;
  RadioWorkers *pool = args->pool;
  guint index = args->index;
  gint seen = 0;

  g_free (args);
  for (;;) {
    if (!spin_wait (&pool->generation, seen, FALSE)) {
      g_mutex_lock (&pool->lock);
      while (g_atomic_int_get (&pool->generation) == seen
          && !g_atomic_int_get (&pool->quit))
        g_cond_wait (&pool->wake, &pool->lock);
      g_mutex_unlock (&pool->lock);
    }
    if (g_atomic_int_get (&pool->quit))
      break;
    seen = g_atomic_int_get (&pool->generation);
    run_tasks (pool, index);
    if (g_atomic_int_dec_and_test (&pool->busy)) {
      g_mutex_lock (&pool->lock);
      g_cond_signal (&pool->done);
      g_mutex_unlock (&pool->lock);
    }
  }
  return NULL;
}

RadioWorkers *
radio_workers_new (guint n_threads, GError **error)
{
  RadioWorkers *pool = g_new0 (RadioWorkers, 1);
  guint i;

  g_mutex_init (&pool->lock);
  g_cond_init (&pool->wake);
  g_cond_init (&pool->done);
  pool->threads = g_new0 (GThread *, MAX (n_threads, 1));
  pool->n_threads = 1;
  for (i = 1; i < n_threads; i++) {
    WorkerArgs *args = g_new (WorkerArgs, 1);
    g_autoptr (GError) thread_error = NULL;

    args->pool = pool;
    args->index = i;
    pool->threads[i - 1] = g_thread_try_new ("radio-worker", worker_main,
        args, &thread_error);
    if (pool->threads[i - 1] == NULL) {
      g_free (args);
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_IO,
          "cannot start CPU worker thread %u of %u: %s", i, n_threads - 1,
          thread_error->message);
      radio_workers_free (pool);
      return NULL;
    }
    pool->n_threads++;
  }
  return pool;
}

void
radio_workers_free (RadioWorkers *pool)
{
  guint i;

  if (pool == NULL)
    return;
  g_mutex_lock (&pool->lock);
  g_atomic_int_set (&pool->quit, 1);
  g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);
  for (i = 0; i + 1 < pool->n_threads; i++)
    g_thread_join (pool->threads[i]);
  g_free (pool->threads);
  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->wake);
  g_cond_clear (&pool->done);
  g_free (pool);
}

guint
radio_workers_get_n_threads (RadioWorkers *pool)
{
  return pool->n_threads;
}

void
radio_workers_run (RadioWorkers *pool, guint n_tasks, RadioWorkerFunc func,
    gpointer data)
{
  guint task;

  if (n_tasks == 0)
    return;
  /* Nothing to share: no wake-ups at all. */
  if (pool->n_threads == 1 || n_tasks == 1) {
    for (task = 0; task < n_tasks; task++)
      func (data, task, 0);
    return;
  }

  pool->func = func;
  pool->data = data;
  pool->n_tasks = n_tasks;
  g_atomic_int_set (&pool->next_task, 0);
  g_atomic_int_set (&pool->busy, (gint) pool->n_threads - 1);
  g_mutex_lock (&pool->lock);
  g_atomic_int_inc (&pool->generation);
  g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);

  run_tasks (pool, 0);

  if (!spin_wait (&pool->busy, 0, TRUE)) {
    g_mutex_lock (&pool->lock);
    while (g_atomic_int_get (&pool->busy) != 0)
      g_cond_wait (&pool->done, &pool->lock);
    g_mutex_unlock (&pool->lock);
  }
}
