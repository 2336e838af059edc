/* radio-cpu-weights.h: float32 copies of a checkpoint's matrices for the
 * BLAS-backed CPU path.
 *
 * cblas_sgemm needs float32 operands, while checkpoints store their Linear
 * weights (and the position-embedding-free matrices: feature normalizer,
 * adaptor heads) as bf16, f16 or f32 in mmapped files.  The first
 * radio_cpu_weights_acquire for a checkpoint converts every bf16/f16 (or
 * misaligned f32) matrix once, into one allocation; aligned f32 matrices are
 * used in place from the mapping.  Every later acquire for the same
 * checkpoint, from any thread, shares that copy; it is freed with the last
 * release.  The checkpoint itself is never modified (it stays shareable and
 * immutable); the table of copies holds a reference on it.
 */
#ifndef RADIO_CPU_WEIGHTS_H
#define RADIO_CPU_WEIGHTS_H

#include <glib.h>

#include "radio-checkpoint.h"
#include "radio-workers.h"

G_BEGIN_DECLS

typedef struct _RadioCpuWeights RadioCpuWeights;

/* Thread-safe.  The conversion, when this call does it, is spread over
 * `workers` (may be NULL).  Fails (RADIO_ERROR_ARGUMENT) when the copies do
 * not fit in memory. */
RadioCpuWeights *radio_cpu_weights_acquire (RadioCheckpoint *ckpt,
    RadioWorkers *workers, GError **error);
void radio_cpu_weights_release (RadioCpuWeights *weights);

/* The float32 view of `stored`, a matrix of the checkpoint (a RadioLinear
 * weight or normalizer_tx); `stored` itself when it has no copy. */
RadioTensorView radio_cpu_weights_lookup (RadioCpuWeights *weights,
    RadioTensorView stored);

/* Bytes of float32 copies (0 for an aligned f32 checkpoint). */
gsize radio_cpu_weights_get_bytes (RadioCpuWeights *weights);

G_END_DECLS
#endif /* RADIO_CPU_WEIGHTS_H */
