/* test-util.h: small helpers shared by the test programs. */
#ifndef RADIO_TEST_UTIL_H
#define RADIO_TEST_UTIL_H

#include <glib.h>

#include "radio-checkpoint.h"
#include "radio-safetensors.h"

/* Deletes path and, for a folder, everything below it (links are removed,
 * not followed); asserts that every removal succeeds. */
void radio_test_remove_tree (const char *path);

/* The golden contract for float32 paths: max|out - ref| <= 1e-4 std(ref). */
#define RADIO_TEST_F32_TOLERANCE 1e-4

/* max|out - ref| / std(ref) over n float32 values, both possibly unaligned
 * (straight from safetensors files).  A non-finite output or a constant
 * reference gives +infinity, so it can never pass a tolerance check.
 * *max_err and *std_ref (may be NULL) receive the two factors. */
double radio_test_error_ratio (const void *out, const void *ref, gsize n,
    double *max_err, double *std_ref);

/* An 8-bit NV12 or I420 frame for radio_test_yuv_pixel. */
typedef struct {
  const guint8 *planes[3]; /* Y, then UV (NV12) or U, V (I420) */
  gsize strides[3];
  gboolean nv12;
  guint width, height;
  double kr, kb; /* luma coefficients of the colour matrix */
  gboolean full_range;
} RadioTestYuvFrame;

/* Pixel (x, y) as RGB in [0, 1], computed in double straight from the
 * definitions that radio-frame.h states: chroma bilinear with each sample
 * at the centre of its 2x2 luma block, BT.601/709-style matrix, clamped. */
void radio_test_yuv_pixel (
    const RadioTestYuvFrame *frame, guint x, guint y, double rgb[3]);

/* The golden model folder `name` under $RADIO_GOLDEN_DIR, loaded
 * (asserts that it loads). */
RadioCheckpoint *radio_test_load_golden (const char *name);

/* Names of the adaptors a golden case file has reference outputs for
 * (tensors adaptor.NAME.summary), NULL-terminated, in file order. */
char **radio_test_case_adaptors (RadioSafetensors *st);

#endif /* RADIO_TEST_UTIL_H */
