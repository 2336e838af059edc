/* radio-cuda-module.h: the interface between the engine and the optional
 * CUDA backend, which is built as a separate loadable module
 * (libradio-cuda.so) so that the plugin and the tools load and run on
 * machines without the CUDA runtime, cuBLAS or a driver: there, opening the
 * module or probing a device fails with a GError, never a failed plugin load.
 *
 * radio-runner.c opens the module with GModule and calls the one exported
 * symbol, radio_cuda_module_get(), then checks abi_version.
 *
 * The module reads two environment variables, both debugging aids:
 * RADIO_CUDA_EXACT_GELU=1 computes the MLP GELU with the erf kernel in
 * fp16 / bf16 runs too (by default those use cuBLASLt's bias+GELU
 * epilogue, the tanh approximation), and RADIO_CUDA_NO_GRAPH=1 runs every
 * forward eagerly instead of replaying its CUDA graph.
 */
#ifndef RADIO_CUDA_MODULE_H
#define RADIO_CUDA_MODULE_H

#include <glib.h>

#include "radio-runner.h"

G_BEGIN_DECLS

#define RADIO_CUDA_MODULE_ABI_VERSION 2
#define RADIO_CUDA_MODULE_SYMBOL "radio_cuda_module_get"

/* Parts of the forward the benchmark times separately. */
typedef enum {
  RADIO_CUDA_STAGE_PREPROCESS = 0, /* frame upload and preprocessing */
  RADIO_CUDA_STAGE_GEMM,           /* cuBLASLt products (+ GELU) */
  RADIO_CUDA_STAGE_ATTENTION,      /* the attention kernel */
  RADIO_CUDA_STAGE_REST,           /* norms, residuals, extraction, output
                                    * download */
  RADIO_CUDA_N_STAGES
} RadioCudaStage;

/* What RadioCudaModule.benchmark measured. */
typedef struct {
  guint batch;               /* images per forward */
  guint iterations;          /* timed forwards */
  double ms_mean, ms_best;   /* device time per forward of `batch` images
                              * (cudaEvents): preprocessing from the frame
                              * on the device into every slot, and the CUDA
                              * graph replay; the model's own cost */
  double ms_end_to_end;      /* wall time per forward as an element sees
                              * it: host staging copy, frame upload,
                              * preprocessing, graph replay, output
                              * download, synchronised */
  double stage_ms[RADIO_CUDA_N_STAGES]; /* per forward, from one eager
                              * (not graph) forward with events between
                              * kernels, so they add up to a little more */
  double flops_per_image;    /* multiply-adds x 2 of one image */
  guint64 weight_bytes;      /* the shared weight upload */
  guint64 workspace_bytes;   /* activations, staging, cuBLASLt workspace */
  guint64 device_used_bytes; /* peak total - free seen by cudaMemGetInfo
                              * (includes the CUDA context and any other
                              * process on the device) */
  guint64 device_total_bytes;
  char description[256];     /* device and precision */
} RadioCudaBenchResult;

typedef struct {
  guint abi_version; /* RADIO_CUDA_MODULE_ABI_VERSION */

  /* Whether device_id can run the model: a driver, the device, and memory
   * for a context.  On success *description is a newly allocated
   * "NVIDIA H100 80GB HBM3 (sm_90, driver 12.8)"-style string and
   * *compute_capability is major * 10 + minor. */
  gboolean (*probe) (gint device_id, char **description,
      guint *compute_capability, GError **error);

  /* config->backend is CUDA and config->precision is resolved (never AUTO).
   * Weights are converted to the precision and uploaded once per
   * (checkpoint, device, precision) and shared by every runner using them. */
  gpointer (*runner_new) (RadioCheckpoint *ckpt,
      const RadioRunnerConfig *config, GError **error);
  void (*runner_free) (gpointer runner);
  const char *(*runner_describe) (gpointer runner);
  gboolean (*run_frame) (gpointer runner, const RadioFrame *frame,
      const RadioPlacement *placement, GError **error);
  /* Host copies of the last run's outputs. */
  const RadioOutputs *(*get_outputs) (gpointer runner);

  /* ---- ABI 2 ---- */

  /* Multiply-accumulate work of one forward, times two (as
   * radio_forward_get_flops). */
  double (*get_flops) (gpointer runner);

  /* Times forwards of `batch` copies of frame at placement after warm-up:
   * `iterations` on the device alone and `iterations` end to end (see
   * RadioCudaBenchResult), then one eager forward for the per-stage times.
   * Uses its own runner state with the config (input size, precision,
   * device, adaptors) and the shared weights. */
  gboolean (*benchmark) (RadioCheckpoint *ckpt,
      const RadioRunnerConfig *config, guint batch, guint iterations,
      const RadioFrame *frame, const RadioPlacement *placement,
      RadioCudaBenchResult *result, GError **error);
} RadioCudaModule;

typedef const RadioCudaModule *(*RadioCudaModuleGetFunc) (void);

/* The CUDA module of this process, opened on first use (radio-runner.c):
 * $GST_RADIO_CUDA_MODULE, else the installed copy, else the build tree's.
 * NULL with RADIO_ERROR_UNSUPPORTED saying why when there is none, or it is
 * of another interface version.  Thread-safe; the module stays loaded. */
const RadioCudaModule *radio_cuda_module_load (GError **error);

G_END_DECLS
#endif /* RADIO_CUDA_MODULE_H */
