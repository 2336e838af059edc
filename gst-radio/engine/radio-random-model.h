/* radio-random-model.h: writes a RADIO checkpoint folder with random weights
 * in the published layout (config.json + model.safetensors, tensor names
 * prefixed "radio_model.").  Used for the built-in demo model, for
 * benchmarks at real model sizes and for tests, never for meaningful
 * features. */
#ifndef RADIO_RANDOM_MODEL_H
#define RADIO_RANDOM_MODEL_H

#include <glib.h>

#include "radio-cpu.h"

G_BEGIN_DECLS

typedef struct {
  const char *arch;      /* timm name, e.g. "vit_base_patch16_224" */
  const char *version;   /* e.g. "radio_v2.5-b" */
  guint embed_dim;       /* 0: the architecture's */
  guint depth;           /* 0: the architecture's */
  guint num_heads;       /* 0: the architecture's */
  guint mlp_hidden;      /* 0: 4 x embed_dim */
  guint patch_size;      /* 0: from the architecture name */
  guint cpe_max_size;    /* pixels, 0: 2048 */
  guint num_teachers;    /* CLS tokens (one per teacher), 0: 3 */
  guint register_multiple; /* 0: no registers */
  gboolean layer_scale;
  gboolean feature_normalizer;
  const char *adaptor;   /* NULL or an adaptor name to add (MLP v2) */
  guint adaptor_dim;     /* its output size */
  RadioDType dtype;      /* F32, F16 or BF16 */
  guint64 seed;
} RadioRandomModelSpec;

/* Fills spec with defaults for arch (dims from the architecture table). */
gboolean radio_random_model_spec_init (RadioRandomModelSpec *spec,
    const char *arch, GError **error);

/* Creates dir if needed and writes config.json and model.safetensors. */
gboolean radio_random_model_write (const RadioRandomModelSpec *spec,
    const char *dir, GError **error);

G_END_DECLS
#endif /* RADIO_RANDOM_MODEL_H */
