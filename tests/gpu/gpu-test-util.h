/* gpu-test-util.h: helpers shared by the CUDA tests (tests/gpu): random
 * data, half-precision rounding, and the comparisons with their tolerances.
 *
 * Two figures per comparison, as the house style asks:
 *   - every element: |out - ref| <= atol * rms(ref) + rtol * |ref|
 *     (atol relative to the data's scale, so one threshold fits every shape)
 *   - NMSE = sum (out - ref)^2 / sum ref^2 <= nmse
 * and, for the end-to-end tests, the golden contract of
 * ../shared/golden/README.md (float32: max|out - ref| <= 1e-4 std(ref);
 * fp16 / bf16: cosine >= 0.999 per token and max|out - ref| <= 0.1 std).
 */
#ifndef GPU_TEST_UTIL_H
#define GPU_TEST_UTIL_H

#include <glib.h>

#include "radio-cpu.h"

/* The exit status meson reads as "skipped". */
#define GPU_TEST_SKIP 77

typedef struct {
  double atol, rtol, nmse;
} GpuTolerance;

/* Deterministic uniform values in [lo, hi). */
void gpu_test_fill (float *x, gsize n, float lo, float hi, guint64 *state);

/* x rounded to the nearest value of `dtype` (0 F32, 1 F16, 2 BF16, the
 * order of RadioCudaDType), in place. */
void gpu_test_round (float *x, gsize n, int dtype);

/* Converts n floats to dtype's storage (4 or 2 bytes each). */
void gpu_test_narrow (void *dst, const float *src, gsize n, int dtype);
void gpu_test_widen (float *dst, const void *src, gsize n, int dtype);

/* Asserts the per-element and NMSE tolerances; prints both figures with
 * g_test_message.  Non-finite outputs always fail. */
void gpu_test_compare (const char *what, const float *out, const float *ref,
    gsize n, const GpuTolerance *tol);

/* The golden contract: rows of `dim` values (tokens).  fp32: the max-error
 * ratio only; half: also the per-token cosine. */
void gpu_test_compare_golden (const char *what, const float *out,
    const void *ref, gsize rows, gsize dim, gboolean half);

#endif /* GPU_TEST_UTIL_H */
