/* radio-model-cache.h: loaded checkpoints shared across the process.
 *
 * Several elements (or applications threads) naming the same model get one
 * RadioCheckpoint: the weights are mapped and converted once.  Entries are
 * keyed by the model's canonical path (symbolic links resolved) and live
 * while somebody holds them.  Thread-safe.
 */
#ifndef RADIO_MODEL_CACHE_H
#define RADIO_MODEL_CACHE_H

#include <glib.h>

#include "radio-checkpoint.h"

G_BEGIN_DECLS

/* Returns the cached checkpoint for path, loading it on first use (errors
 * as radio_checkpoint_load).  Pair with radio_model_cache_release. */
RadioCheckpoint *radio_model_cache_acquire (const char *path,
    GError **error);
void radio_model_cache_release (RadioCheckpoint *ckpt);

/* A 32-hex-digit digest of the checkpoint's identity: release, architecture,
 * file sizes, tensor names and shapes, and 4 KiB from the start, middle
 * and end of every tensor's data (all of small tensors).  Computed once per load; NULL for a checkpoint not
 * acquired through the cache. */
const char *radio_model_cache_get_id (RadioCheckpoint *ckpt);

/* Checkpoints currently loaded, and holders of the given one. */
guint radio_model_cache_get_n_models (void);
guint radio_model_cache_get_n_users (RadioCheckpoint *ckpt);

G_END_DECLS
#endif /* RADIO_MODEL_CACHE_H */
