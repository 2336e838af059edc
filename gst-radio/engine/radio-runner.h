/* radio-runner.h: one model at one input resolution on one backend, fed
 * with raw video frames (radio-frame.h).  This is what the GStreamer
 * element drives; it hides whether the forward runs on the CPU reference
 * (RadioForward) or on a CUDA device (the optional radio-cuda module).
 *
 * A RadioRunner holds a reference on its RadioCheckpoint and owns its
 * working memory.  It must not run on two threads at once.  Outputs are
 * host float32 with the layouts of radio-model.h and stay valid until the
 * next run or until the runner is freed.
 */
#ifndef RADIO_RUNNER_H
#define RADIO_RUNNER_H

#include <glib.h>

#include "radio-checkpoint.h"
#include "radio-frame.h"
#include "radio-model.h"

G_BEGIN_DECLS

typedef enum {
  RADIO_BACKEND_AUTO = 0, /* CUDA when a device is usable, else CPU */
  RADIO_BACKEND_CPU,
  RADIO_BACKEND_CUDA,
} RadioBackend;

typedef enum {
  RADIO_PRECISION_AUTO = 0, /* CPU: fp32; CUDA: bf16 on sm >= 80, else fp16 */
  RADIO_PRECISION_FP32,
  RADIO_PRECISION_FP16,
  RADIO_PRECISION_BF16,
} RadioPrecision;

const char *radio_backend_name (RadioBackend backend);
const char *radio_precision_name (RadioPrecision precision);

typedef struct {
  RadioBackend backend;     /* AUTO is resolved by radio_runner_new */
  gint device_id;           /* CUDA device ordinal */
  RadioPrecision precision; /* AUTO is resolved by radio_runner_new */
  guint input_height, input_width; /* model input, multiples of the patch */
  RadioPosInterp interp;
  const char *const *adaptors;     /* NULL-terminated names, or NULL */
  guint n_threads;          /* CPU worker threads, 0 = one per core */
} RadioRunnerConfig;

/* All outputs of one run (host memory, owned by the runner). */
typedef struct {
  const float *summary; /* [summary_length] = [S * D] */
  guint summary_length;
  const float *spatial; /* [grid_height, grid_width, dim] */
  guint grid_height, grid_width, dim;
  guint n_adaptors;
  const RadioAdaptorOutput *adaptors; /* [n_adaptors] */
} RadioOutputs;

typedef struct _RadioRunner RadioRunner;

/* Errors: RADIO_ERROR_ARGUMENT for a bad size or adaptor name,
 * RADIO_ERROR_UNSUPPORTED when the backend is not available (no CUDA build,
 * no driver, no device) or cannot run the requested precision. */
RadioRunner *radio_runner_new (RadioCheckpoint *ckpt,
    const RadioRunnerConfig *config, GError **error);
void radio_runner_free (RadioRunner *runner);

/* The configuration with backend and precision resolved. */
const RadioRunnerConfig *radio_runner_get_config (RadioRunner *runner);
/* Human-readable backend description, e.g. "CPU (fast path, 2 threads,
 * OpenBLAS ...)" or
 * "CUDA device 0: NVIDIA H100 (sm_90)". */
const char *radio_runner_describe (RadioRunner *runner);

/* Why the runner differs from what the configuration asked for (AUTO fell
 * back to the CPU, the CPU ignores a half precision), or NULL. */
const char *radio_runner_get_notice (RadioRunner *runner);

/* Preprocesses frame into the model input at `placement` (radio-frame.h)
 * and runs the forward.  Fails on an invalid frame or placement, or on a
 * device error; the runner stays usable afterwards. */
gboolean radio_runner_run_frame (RadioRunner *runner, const RadioFrame *frame,
    const RadioPlacement *placement, GError **error);

const RadioOutputs *radio_runner_get_outputs (RadioRunner *runner);
/* FLOPs of one forward (multiply-adds times two). */
double radio_runner_get_flops (RadioRunner *runner);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RadioRunner, radio_runner_free)

G_END_DECLS
#endif /* RADIO_RUNNER_H */
