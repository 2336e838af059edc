/* radio-cuda-module.c: the entry point of libradio-cuda.so, the CUDA
 * backend the engine loads at run time (radio-cuda-module.h): device
 * probing, runners (shared weights + one RadioCudaForward at batch 1 per
 * runner) and the benchmark.
 *
 * Every entry point makes the runner's device current first, since
 * GStreamer may call from a different thread each time.  The CUDA runtime
 * is linked statically, so on a machine without a driver every call fails
 * with cudaErrorInsufficientDriver / cudaErrorNoDevice, reported as
 * RADIO_ERROR_UNSUPPORTED. */
#include <gmodule.h>
#include <string.h>

#include "radio-cuda-error.h"
#include "radio-cuda-forward.h"
#include "radio-cuda-module.h"
#include "radio-cuda-weights.h"

typedef struct {
  RadioCheckpoint *ckpt;
  int device;
  RadioCudaForwardConfig cfg;
  const RadioCudaWeights *weights;
  RadioCudaForward *forward;
  char *description;
  RadioOutputs outputs;
  RadioAdaptorOutput adaptor_outputs[RADIO_CUDA_MAX_ADAPTORS];
} CudaRunner;

static gboolean
env_flag (const char *name)
{
  const char *v = g_getenv (name);
  return v && *v && strcmp (v, "0") != 0;
}

static const char *
dtype_name (RadioCudaDType dtype)
{
  return dtype == RADIO_CUDA_F32 ? "fp32" : dtype == RADIO_CUDA_F16 ? "fp16"
      : "bf16";
}

static gboolean
probe (gint device_id, char **description, guint *compute_capability,
    GError **error)
{
  struct cudaDeviceProp prop;
  int count = 0, driver = 0;
  cudaError_t status;

  status = cudaGetDeviceCount (&count);
  if (status == cudaErrorInsufficientDriver) {
    int runtime = 0;
    cudaRuntimeGetVersion (&runtime);
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED,
        "no usable CUDA device: no NVIDIA driver is loaded, or it is older "
        "than this build's CUDA runtime %d.%d (%s)", runtime / 1000,
        runtime % 1000 / 10, cudaGetErrorName (status));
    return FALSE;
  }
  if (status != cudaSuccess || count == 0) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED,
        "no usable CUDA device: %s", status != cudaSuccess
        ? cudaGetErrorString (status) : "the driver reports no device");
    return FALSE;
  }
  if (device_id < 0 || device_id >= count) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED,
        "there is no CUDA device %d (%d device%s)", device_id, count,
        count == 1 ? "" : "s");
    return FALSE;
  }
  /* cudaFree (NULL) creates the context: memory and driver state for it. */
  if (!RADIO_CUDA_CHECK (cudaGetDeviceProperties (&prop, device_id), error)
      || !RADIO_CUDA_CHECK (cudaSetDevice (device_id), error)
      || !RADIO_CUDA_CHECK (cudaFree (NULL), error))
    return FALSE;
  status = radio_cuda_kernels_check ();
  if (status != cudaSuccess) {
    (void) cudaGetLastError (); /* see radio_cuda_check_cuda */
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED,
        "this build of gst-radio has no CUDA code for %s (sm_%d%d; see the "
        "meson option cuda-arch): %s", prop.name, prop.major, prop.minor,
        cudaGetErrorString (status));
    return FALSE;
  }
  cudaDriverGetVersion (&driver);
  if (description)
    *description = g_strdup_printf ("%s (sm_%d%d, driver %d.%d)", prop.name,
        prop.major, prop.minor, driver / 1000, driver % 1000 / 10);
  if (compute_capability)
    *compute_capability = (guint) (prop.major * 10 + prop.minor);
  return TRUE;
}

/* Probes the device and turns a runner config into a forward config. */
static gboolean
resolve (RadioCheckpoint *ckpt, const RadioRunnerConfig *config,
    guint batch, RadioCudaForwardConfig *fc, char **description,
    GError **error)
{
  g_autofree char *device = NULL;
  guint cc = 0, i;

  memset (fc, 0, sizeof *fc);
  if (!probe (config->device_id, &device, &cc, error))
    return FALSE;
  switch (config->precision) {
    case RADIO_PRECISION_FP32:
      fc->dtype = RADIO_CUDA_F32;
      break;
    case RADIO_PRECISION_FP16:
      fc->dtype = RADIO_CUDA_F16;
      break;
    case RADIO_PRECISION_BF16:
      fc->dtype = RADIO_CUDA_BF16;
      break;
    default:
      fc->dtype = cc >= 80 ? RADIO_CUDA_BF16 : RADIO_CUDA_F16;
      break;
  }
  if (fc->dtype == RADIO_CUDA_BF16 && cc < 80) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED,
        "bf16 needs a GPU of compute capability 8.0 or newer; %s is %u.%u "
        "(use fp16 or fp32)", device, cc / 10, cc % 10);
    return FALSE;
  }
  for (i = 0; config->adaptors && config->adaptors[i]; i++) {
    const RadioAdaptor *a = radio_checkpoint_find_adaptor (ckpt,
        config->adaptors[i]);
    guint k;

    if (!a) {
      GString *avail = g_string_new (NULL);
      for (k = 0; k < ckpt->n_adaptors; k++)
        g_string_append_printf (avail, "%s%s", k ? ", " : "",
            ckpt->adaptors[k].name);
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
          "model %s has no adaptor '%s' (available: %s)", ckpt->path,
          config->adaptors[i], avail->len ? avail->str : "none");
      g_string_free (avail, TRUE);
      return FALSE;
    }
    if (fc->n_adaptors == RADIO_CUDA_MAX_ADAPTORS) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
          "at most %d adaptors at once", RADIO_CUDA_MAX_ADAPTORS);
      return FALSE;
    }
    fc->adaptors[fc->n_adaptors++] = (guint) (a - ckpt->adaptors);
  }
  fc->compute_capability = cc;
  fc->batch = batch;
  fc->height = config->input_height;
  fc->width = config->input_width;
  fc->interp = config->interp;
  fc->exact_gelu = env_flag ("RADIO_CUDA_EXACT_GELU");
  fc->use_graph = !env_flag ("RADIO_CUDA_NO_GRAPH");
  if (description)
    *description = g_strdup_printf ("CUDA device %d: %s, %s%s",
        config->device_id, device, dtype_name (fc->dtype),
        fc->use_graph ? "" : ", no CUDA graph");
  return TRUE;
}

static void runner_free (gpointer data);

static gpointer
runner_new (RadioCheckpoint *ckpt, const RadioRunnerConfig *config,
    GError **error)
{
  CudaRunner *r = g_new0 (CudaRunner, 1);

  r->ckpt = radio_checkpoint_ref (ckpt);
  r->device = config->device_id;
  if (!resolve (ckpt, config, 1, &r->cfg, &r->description, error))
    goto fail;
  r->weights = radio_cuda_weights_acquire (ckpt, r->device, r->cfg.dtype,
      error);
  if (!r->weights)
    goto fail;
  r->forward = radio_cuda_forward_new (ckpt, r->weights, &r->cfg, error);
  if (!r->forward)
    goto fail;
  radio_cuda_forward_get_outputs (r->forward, 0, &r->outputs,
      r->adaptor_outputs);
  return r;

fail:
  runner_free (r);
  return NULL;
}

static void
runner_free (gpointer data)
{
  CudaRunner *r = data;

  if (!r)
    return;
  /* Only when there is device state to free: after a failed probe the
   * device may not exist, and the failed cudaSetDevice would linger as this
   * thread's last error and fail the next kernel launch check. */
  if (r->forward || r->weights)
    cudaSetDevice (r->device);
  radio_cuda_forward_free (r->forward);
  radio_cuda_weights_release (r->weights);
  g_free (r->description);
  radio_checkpoint_unref (r->ckpt);
  g_free (r);
}

static const char *
runner_describe (gpointer data)
{
  CudaRunner *r = data;
  return r->description;
}

static gboolean
run_frame (gpointer data, const RadioFrame *frame,
    const RadioPlacement *placement, GError **error)
{
  CudaRunner *r = data;

  return RADIO_CUDA_CHECK (cudaSetDevice (r->device), error)
      && radio_cuda_forward_run_frame (r->forward, frame, placement, NULL,
      error);
}

static const RadioOutputs *
get_outputs (gpointer data)
{
  CudaRunner *r = data;
  return &r->outputs;
}

static double
get_flops (gpointer data)
{
  CudaRunner *r = data;
  return radio_cuda_forward_get_plan (r->forward)->flops_per_image;
}

static void
sample_memory (guint64 *peak_used, guint64 *total)
{
  size_t free_bytes = 0, total_bytes = 0;

  if (cudaMemGetInfo (&free_bytes, &total_bytes) == cudaSuccess) {
    *peak_used = MAX (*peak_used, (guint64) (total_bytes - free_bytes));
    *total = total_bytes;
  }
}

static gboolean
benchmark (RadioCheckpoint *ckpt, const RadioRunnerConfig *config,
    guint batch, guint iterations, const RadioFrame *frame,
    const RadioPlacement *placement, RadioCudaBenchResult *result,
    GError **error)
{
  RadioCudaForwardConfig fc;
  g_autofree char *description = NULL;
  const RadioCudaWeights *weights = NULL;
  RadioCudaForward *forward = NULL;
  gboolean ok = FALSE;
  guint i;

  memset (result, 0, sizeof *result);
  if (batch == 0 || iterations == 0) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "batch and iterations must be positive");
    return FALSE;
  }
  if (!resolve (ckpt, config, batch, &fc, &description, error))
    return FALSE;
  g_strlcpy (result->description, description, sizeof result->description);
  result->batch = batch;
  result->iterations = iterations;

  weights = radio_cuda_weights_acquire (ckpt, config->device_id, fc.dtype,
      error);
  if (!weights)
    return FALSE;
  forward = radio_cuda_forward_new (ckpt, weights, &fc, error);
  if (!forward)
    goto out;
  for (i = 0; i < 3; i++)
    if (!radio_cuda_forward_run_frame (forward, frame, placement, NULL,
            error))
      goto out;
  sample_memory (&result->device_used_bytes, &result->device_total_bytes);

  for (i = 0; i < iterations; i++) {
    gint64 t0 = g_get_monotonic_time ();

    if (!radio_cuda_forward_run_frame (forward, frame, placement, NULL,
            error))
      goto out;
    result->ms_end_to_end += (g_get_monotonic_time () - t0) / 1000.0
        / iterations;
  }
  if (!radio_cuda_forward_time (forward, iterations, &result->ms_mean,
          &result->ms_best, error))
    goto out;
  if (!radio_cuda_forward_run_frame (forward, frame, placement,
          result->stage_ms, error))
    goto out;
  sample_memory (&result->device_used_bytes, &result->device_total_bytes);
  result->flops_per_image =
      radio_cuda_forward_get_plan (forward)->flops_per_image;
  result->weight_bytes = weights->bytes;
  result->workspace_bytes = radio_cuda_forward_get_bytes (forward);
  ok = TRUE;

out:
  radio_cuda_forward_free (forward);
  radio_cuda_weights_release (weights);
  return ok;
}

static const RadioCudaModule radio_cuda_module = {
  RADIO_CUDA_MODULE_ABI_VERSION,
  probe,
  runner_new,
  runner_free,
  runner_describe,
  run_frame,
  get_outputs,
  get_flops,
  benchmark,
};

G_MODULE_EXPORT const RadioCudaModule *radio_cuda_module_get (void);

G_MODULE_EXPORT const RadioCudaModule *
radio_cuda_module_get (void)
{
  return &radio_cuda_module;
}
