/* radio-cuda-module.h: the interface between the engine and the optional
 * CUDA backend, which is built as a separate loadable module
 * (libradio-cuda.so) so that the plugin and the tools load and run on
 * machines without the CUDA runtime, cuBLAS or a driver: there, opening the
 * module or probing a device fails with a GError, never a failed plugin load.
 *
 * radio-runner.c opens the module with GModule and calls the one exported
 * symbol, radio_cuda_module_get(), then checks abi_version.
 */
#ifndef RADIO_CUDA_MODULE_H
#define RADIO_CUDA_MODULE_H

#include <glib.h>

#include "radio-runner.h"

G_BEGIN_DECLS

#define RADIO_CUDA_MODULE_ABI_VERSION 1
#define RADIO_CUDA_MODULE_SYMBOL "radio_cuda_module_get"

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
} RadioCudaModule;

typedef const RadioCudaModule *(*RadioCudaModuleGetFunc) (void);

G_END_DECLS
#endif /* RADIO_CUDA_MODULE_H */
