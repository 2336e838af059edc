/* radio-bench-util.h: what the CPU and CUDA benchmarks share: short model
 * names, size parsing and the temporary random-weight model folders. */
#ifndef RADIO_BENCH_UTIL_H
#define RADIO_BENCH_UTIL_H

#include <glib.h>

#include "radio-checkpoint.h"

/* "ViT-L/16" for vit_large_patch16_224, "(custom depth)" appended when the
 * depth differs from the architecture's. */
char *radio_bench_model_name (const RadioCheckpoint *ckpt);

/* "224x512" -> 224, 512; FALSE unless both are positive. */
gboolean radio_bench_parse_size (const char *text, guint *width, guint *height);

/* Deletes a folder written by radio_random_model_write. */
void radio_bench_remove_model_dir (const char *dir);

#endif /* RADIO_BENCH_UTIL_H */
