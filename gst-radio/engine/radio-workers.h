/* radio-workers.h: a small persistent pool of threads for "parallel for"
 * jobs: n_tasks independent calls func (data, task, thread), spread over the
 * calling thread (thread index 0) and n_threads - 1 workers (1 ..
 * n_threads - 1).  Tasks are handed out in order from a shared counter, so
 * faster threads take more of them.
 *
 * The workers live as long as the pool: starting a job costs a wake-up, not
 * a thread creation, and nothing is allocated per job.  Between jobs a
 * worker polls for about 50 us before it sleeps, so the short gaps between
 * the jobs of one forward pass cost no system call.  One pool runs one job
 * at a time; radio_workers_run returns when every task has finished.
 */
#ifndef RADIO_WORKERS_H
#define RADIO_WORKERS_H

#include <glib.h>

G_BEGIN_DECLS

typedef void (*RadioWorkerFunc) (gpointer data, guint task, guint thread);

typedef struct _RadioWorkers RadioWorkers;

/* n_threads >= 1 counts the caller: n_threads - 1 threads are started.
 * Fails (RADIO_ERROR_IO) when a thread cannot be created. */
RadioWorkers *radio_workers_new (guint n_threads, GError **error);
void radio_workers_free (RadioWorkers *workers);

guint radio_workers_get_n_threads (RadioWorkers *workers);

/* Runs func (data, task, thread) for task = 0 .. n_tasks - 1 and waits for
 * all of them.  Must not be called from inside a task. */
void radio_workers_run (RadioWorkers *workers, guint n_tasks,
    RadioWorkerFunc func, gpointer data);

G_END_DECLS
#endif /* RADIO_WORKERS_H */
