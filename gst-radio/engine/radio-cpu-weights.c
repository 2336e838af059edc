/* radio-cpu-weights.c: the shared float32 weight copies of
 * radio-cpu-weights.h.
 *
 * A process-wide table maps each checkpoint to its RadioCpuWeights, under
 * one mutex.  The entry holds a checkpoint reference, so a checkpoint
 * address can never be reused while its entry exists; the entry goes away
 * with the last release.  Inside an entry, a hash table maps the address of
 * each stored matrix to its float32 copy; all copies share one allocation.
 */
#include "radio-cpu-weights.h"

#include <stdint.h>
#include <stdlib.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include "radio-error.h"

struct _RadioCpuWeights {
  gint ref_count;            /* under table_lock */
  RadioCheckpoint *ckpt;     /* owned reference */
  float *storage;            /* every copy, one allocation */
  gsize bytes;
  GHashTable *copies;        /* stored data pointer -> float copy */
};

static GMutex table_lock;
static GHashTable *table;    /* RadioCheckpoint* -> RadioCpuWeights* */

typedef struct {
  RadioTensorView view;
  gsize n_elements;
} Matrix;

static void
add_matrix (GArray *list, RadioTensorView view, gsize n_elements)
{
  Matrix m;

  if (view.data == NULL || n_elements == 0)
    return;
  m.view = view;
  m.n_elements = n_elements;
  g_array_append_val (list, m);
}

static void
add_linear (GArray *list, const RadioLinear *lin)
{
  add_matrix (list, lin->weight, (gsize) lin->in_dim * lin->out_dim);
}

static void
add_mlp (GArray *list, const RadioMlp *mlp)
{
  guint i;

  add_linear (list, &mlp->fc1);
  for (i = 0; i < mlp->num_inner; i++)
    add_linear (list, &mlp->inner_linears[i]);
  add_linear (list, &mlp->final_linear);
}

/* Every matrix a forward multiplies by. */
static GArray *
list_matrices (RadioCheckpoint *ckpt)
{
  GArray *list = g_array_new (FALSE, FALSE, sizeof (Matrix));
  guint i;

  add_linear (list, &ckpt->embedder);
  for (i = 0; i < ckpt->depth; i++) {
    const RadioBlock *b = &ckpt->blocks[i];

    add_linear (list, &b->qkv);
    add_linear (list, &b->proj);
    add_linear (list, &b->fc1);
    add_linear (list, &b->fc2);
  }
  if (ckpt->normalizer_mean)
    add_matrix (list, ckpt->normalizer_tx,
        (gsize) ckpt->embed_dim * ckpt->embed_dim);
  for (i = 0; i < ckpt->n_adaptors; i++) {
    add_mlp (list, &ckpt->adaptors[i].summary);
    add_mlp (list, &ckpt->adaptors[i].feature);
  }
  return list;
}

static gboolean
needs_copy (RadioTensorView view)
{
  return view.dtype != RADIO_DTYPE_F32
      || (guintptr) view.data % sizeof (float) != 0;
}

/* Page-aligned, and on Linux backed by transparent huge pages where the
 * system allows it: every frame streams all of the weights through the
 * products' packing, and 2 MB pages spare it hundreds of thousands of TLB
 * misses (and the first touch as many page faults).  NULL on failure. */
static float *
storage_alloc (gsize bytes)
{
  const gsize align = 2 * 1024 * 1024;
  void *p = NULL;

  if (posix_memalign (&p, align, (bytes + align - 1) / align * align) != 0)
    return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  madvise (p, (bytes + align - 1) / align * align, MADV_HUGEPAGE);
#endif
  return p;
}

/* A piece of one matrix's conversion: one task of the worker pool. */
typedef struct {
  RadioTensorView src;
  float *dst;
  gsize n;
} Piece;

#define PIECE_ELEMENTS (1 << 20)

static void
convert_piece (gpointer data, guint task, guint thread)
{
  Piece *p = &g_array_index ((GArray *) data, Piece, task);

  radio_cpu_convert_to_f32 (p->dst, p->src, p->n);
}

static RadioCpuWeights *
weights_build (RadioCheckpoint *ckpt, RadioWorkers *workers, GError **error)
{
  g_autoptr (GArray) list = list_matrices (ckpt);
  g_autoptr (GArray) pieces = g_array_new (FALSE, FALSE, sizeof (Piece));
  RadioCpuWeights *w;
  gsize total = 0, offset = 0, done;
  guint i;

  w = g_new0 (RadioCpuWeights, 1);
  w->copies = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (i = 0; i < list->len; i++) {
    Matrix *m = &g_array_index (list, Matrix, i);

    if (needs_copy (m->view) && !g_hash_table_contains (w->copies,
            m->view.data)) {
      g_hash_table_add (w->copies, (gpointer) m->view.data);
      total += m->n_elements;
    }
  }
  if (total > 0) {
    w->storage = storage_alloc (total * sizeof (float));
    if (w->storage == NULL) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
          "cannot allocate %.1f MB for the float32 weights of %s",
          total * sizeof (float) / 1e6, ckpt->path);
      g_hash_table_unref (w->copies);
      g_free (w);
      return NULL;
    }
  }
  g_hash_table_remove_all (w->copies);
  for (i = 0; i < list->len; i++) {
    Matrix *m = &g_array_index (list, Matrix, i);
    gsize esize = radio_dtype_size (m->view.dtype);
    float *dst;

    if (!needs_copy (m->view) || g_hash_table_contains (w->copies,
            m->view.data))
      continue;
    dst = w->storage + offset;
    for (done = 0; done < m->n_elements; done += PIECE_ELEMENTS) {
      Piece p;

      p.src.data = (const guint8 *) m->view.data + done * esize;
      p.src.dtype = m->view.dtype;
      p.dst = dst + done;
      p.n = MIN (PIECE_ELEMENTS, m->n_elements - done);
      g_array_append_val (pieces, p);
    }
    g_hash_table_insert (w->copies, (gpointer) m->view.data, dst);
    offset += m->n_elements;
  }
  if (workers != NULL) {
    radio_workers_run (workers, pieces->len, convert_piece, pieces);
  } else {
    for (i = 0; i < pieces->len; i++)
      convert_piece (pieces, i, 0);
  }
  w->bytes = total * sizeof (float);
  w->ckpt = radio_checkpoint_ref (ckpt);
  w->ref_count = 1;
  return w;
}

RadioCpuWeights *
radio_cpu_weights_acquire (RadioCheckpoint *ckpt, RadioWorkers *workers,
    GError **error)
{
  RadioCpuWeights *w;

  g_return_val_if_fail (ckpt != NULL, NULL);
  g_mutex_lock (&table_lock);
  if (table == NULL)
    table = g_hash_table_new (g_direct_hash, g_direct_equal);
  w = g_hash_table_lookup (table, ckpt);
  if (w != NULL) {
    w->ref_count++;
  } else {
    /* Converting under the lock makes a second element asking for the
     * same checkpoint wait for this copy rather than make its own. */
    w = weights_build (ckpt, workers, error);
    if (w != NULL)
      g_hash_table_insert (table, ckpt, w);
  }
  g_mutex_unlock (&table_lock);
  return w;
}

void
radio_cpu_weights_release (RadioCpuWeights *w)
{
  gboolean last;

  if (w == NULL)
    return;
  g_mutex_lock (&table_lock);
  last = --w->ref_count == 0;
  if (last)
    g_hash_table_remove (table, w->ckpt);
  g_mutex_unlock (&table_lock);
  if (last) {
    g_hash_table_unref (w->copies);
    free (w->storage);
    radio_checkpoint_unref (w->ckpt);
    g_free (w);
  }
}

RadioTensorView
radio_cpu_weights_lookup (RadioCpuWeights *w, RadioTensorView stored)
{
  const float *copy;

  if (w == NULL || !needs_copy (stored))
    return stored;
  copy = g_hash_table_lookup (w->copies, stored.data);
  return copy != NULL ? radio_tensor_view_f32 (copy) : stored;
}

gsize
radio_cpu_weights_get_bytes (RadioCpuWeights *w)
{
  return w != NULL ? w->bytes : 0;
}
