/* radio-model-cache.c: a process-wide table of loaded checkpoints, keyed by
 * canonical path, with a holder count per entry. */
#include "radio-model-cache.h"

#include <stdlib.h>
#include <string.h>

#include "radio-safetensors.h"

typedef struct {
  char *key;
  RadioCheckpoint *ckpt;
  char *id;
  guint users;
} CacheEntry;

static GMutex cache_lock;
static GHashTable *cache_by_key;  /* key -> CacheEntry* (owned) */
static GHashTable *cache_by_ckpt; /* RadioCheckpoint* -> CacheEntry* */

static void
cache_entry_free (gpointer data)
{
  CacheEntry *e = data;
  radio_checkpoint_unref (e->ckpt);
  g_free (e->key);
  g_free (e->id);
  g_free (e);
}

/* Resolves symbolic links and relative parts, so one folder reached by two
 * spellings is one entry.  Falls back to the spelling given. */
static char *
canonical_path (const char *path)
{
  char *resolved = realpath (path, NULL);
  char *copy;

  if (!resolved)
    return g_canonicalize_filename (path, NULL);
  copy = g_strdup (resolved);
  free (resolved);
  return copy;
}

#define SAMPLE_BYTES 4096

static char *
checkpoint_digest (RadioCheckpoint *ckpt)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint f, t, k;

  g_checksum_update (
      sum, (const guchar *)ckpt->version, strlen (ckpt->version) + 1);
  g_checksum_update (
      sum, (const guchar *)ckpt->arch_name, strlen (ckpt->arch_name) + 1);
  for (f = 0; f < ckpt->files->len; f++) {
    RadioSafetensors *st = g_ptr_array_index (ckpt->files, f);
    guint64 size = radio_safetensors_get_file_size (st);
    guint n = radio_safetensors_get_n_tensors (st);

    g_checksum_update (sum, (const guchar *)&size, sizeof size);
    for (t = 0; t < n; t++) {
      const RadioTensorInfo *info = radio_safetensors_get_tensor (st, t);
      g_checksum_update (
          sum, (const guchar *)info->name, strlen (info->name) + 1);
      g_checksum_update (sum, (const guchar *)info->shape,
          info->n_dims * sizeof info->shape[0]);
    }
    /* Start, middle and end of every tensor's data. */
    for (t = 0; t < n; t++) {
      const RadioTensorInfo *info = radio_safetensors_get_tensor (st, t);
      gsize len = MIN (info->size, SAMPLE_BYTES);
      for (k = 0; k < 3; k++)
        g_checksum_update (sum, info->data + (info->size - len) * k / 2, len);
    }
  }
  return g_strndup (g_checksum_get_string (sum), 32);
}

RadioCheckpoint *
radio_model_cache_acquire (const char *path, GError **error)
{
  g_autofree char *key = NULL;
  CacheEntry *e;

  g_return_val_if_fail (path != NULL, NULL);
  key = canonical_path (path);

  g_mutex_lock (&cache_lock);
  if (!cache_by_key) {
    cache_by_key = g_hash_table_new_full (
        g_str_hash, g_str_equal, NULL, cache_entry_free);
    cache_by_ckpt = g_hash_table_new (g_direct_hash, g_direct_equal);
  }
  e = g_hash_table_lookup (cache_by_key, key);
  if (!e) {
    /* Loading under the lock: two elements asking for one model at once
     * load it once. */
    RadioCheckpoint *ckpt = radio_checkpoint_load (path, error);
    if (!ckpt) {
      g_mutex_unlock (&cache_lock);
      return NULL;
    }
    e = g_new0 (CacheEntry, 1);
    e->key = g_steal_pointer (&key);
    e->ckpt = ckpt;
    e->id = checkpoint_digest (ckpt);
    g_hash_table_insert (cache_by_key, e->key, e);
    g_hash_table_insert (cache_by_ckpt, ckpt, e);
  }
  e->users++;
  g_mutex_unlock (&cache_lock);
  return e->ckpt;
}

void
radio_model_cache_release (RadioCheckpoint *ckpt)
{
  CacheEntry *e;

  if (!ckpt)
    return;
  g_mutex_lock (&cache_lock);
  e = cache_by_ckpt ? g_hash_table_lookup (cache_by_ckpt, ckpt) : NULL;
  if (e && --e->users == 0) {
    g_hash_table_remove (cache_by_ckpt, ckpt);
    g_hash_table_remove (cache_by_key, e->key);
  }
  g_mutex_unlock (&cache_lock);
  if (!e)
    g_critical ("radio_model_cache_release: %p was not acquired", ckpt);
}

const char *
radio_model_cache_get_id (RadioCheckpoint *ckpt)
{
  CacheEntry *e;
  const char *id;

  g_mutex_lock (&cache_lock);
  e = cache_by_ckpt ? g_hash_table_lookup (cache_by_ckpt, ckpt) : NULL;
  id = e ? e->id : NULL;
  g_mutex_unlock (&cache_lock);
  return id;
}

guint
radio_model_cache_get_n_models (void)
{
  guint n;

  g_mutex_lock (&cache_lock);
  n = cache_by_key ? g_hash_table_size (cache_by_key) : 0;
  g_mutex_unlock (&cache_lock);
  return n;
}

guint
radio_model_cache_get_n_users (RadioCheckpoint *ckpt)
{
  CacheEntry *e;
  guint n;

  g_mutex_lock (&cache_lock);
  e = cache_by_ckpt ? g_hash_table_lookup (cache_by_ckpt, ckpt) : NULL;
  n = e ? e->users : 0;
  g_mutex_unlock (&cache_lock);
  return n;
}
