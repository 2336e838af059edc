/* radio-runner.c: the backend-neutral runner.  The CPU backend is the
 * reference forward (RadioForward) behind the CPU frame preprocessing; the
 * CUDA backend lives in the optional module libradio-cuda.so, opened here
 * with GModule the first time it is asked for, so that nothing in the
 * engine links CUDA. */
#include "radio-runner.h"

#include <gmodule.h>
#include <string.h>

#include "gst-radio-config.h"
#include "radio-cuda-module.h"
#include "radio-error.h"

struct _RadioRunner {
  RadioRunnerConfig config;
  char **adaptor_names; /* config.adaptors points here */
  char *description;
  char *notice;
  RadioOutputs outputs;

  /* CPU */
  RadioForward *forward;
  float *image;   /* [input_height, input_width, 3] */
  float *scratch; /* preprocessing, sized for the last frame */
  gsize scratch_floats;
  RadioAdaptorOutput *adaptor_outputs; /* [n_adaptors], copied at init */

  /* CUDA */
  const RadioCudaModule *cuda;
  gpointer cuda_runner;
};

const char *
radio_backend_name (RadioBackend backend)
{
  switch (backend) {
    case RADIO_BACKEND_AUTO:
      return "auto";
    case RADIO_BACKEND_CPU:
      return "cpu";
    case RADIO_BACKEND_CUDA:
      return "cuda";
  }
  return "unknown";
}

const char *
radio_precision_name (RadioPrecision precision)
{
  switch (precision) {
    case RADIO_PRECISION_AUTO:
      return "auto";
    case RADIO_PRECISION_FP32:
      return "fp32";
    case RADIO_PRECISION_FP16:
      return "fp16";
    case RADIO_PRECISION_BF16:
      return "bf16";
  }
  return "unknown";
}

/* ---- the CUDA module ----------------------------------------------------- */

typedef struct {
  const RadioCudaModule *module;
  char *error; /* why it could not be loaded */
} CudaModuleState;

static char *
cuda_module_candidates_try (GString *why)
{
  const char *env = g_getenv ("GST_RADIO_CUDA_MODULE");
  const char *candidates[]
      = { env, GST_RADIO_CUDA_MODULE_INSTALLED, GST_RADIO_CUDA_MODULE_BUILT };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (candidates); i++) {
    if (!candidates[i] || !*candidates[i])
      continue;
    if (g_file_test (candidates[i], G_FILE_TEST_IS_REGULAR))
      return g_strdup (candidates[i]);
    g_string_append_printf (why, "%s%s", why->len ? ", " : "", candidates[i]);
  }
  return NULL;
}

static gpointer
cuda_module_load (gpointer data)
{
  CudaModuleState *state = g_new0 (CudaModuleState, 1);
  g_autoptr (GString) tried = g_string_new (NULL);
  g_autofree char *path = NULL;
  GModule *module;
  RadioCudaModuleGetFunc get = NULL;
  const RadioCudaModule *m;

  if (!GST_RADIO_HAVE_CUDA_MODULE && !g_getenv ("GST_RADIO_CUDA_MODULE")) {
    state->error = g_strdup ("gst-radio was built without the CUDA backend "
                             "(meson option cuda, nvcc and cuBLAS needed)");
    return state;
  }
  path = cuda_module_candidates_try (tried);
  if (!path) {
    state->error = g_strdup_printf ("the CUDA backend module is not "
                                    "installed (looked for %s)",
        tried->str);
    return state;
  }
  /* Resident: the module keeps device state and is never unloaded. */
  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (!module) {
    state->error = g_strdup_printf (
        "cannot load the CUDA backend %s: %s", path, g_module_error ());
    return state;
  }
  g_module_make_resident (module);
  if (!g_module_symbol (module, RADIO_CUDA_MODULE_SYMBOL, (gpointer *)&get)
      || !get || !(m = get ())) {
    state->error = g_strdup_printf ("%s is not a gst-radio CUDA module", path);
    return state;
  }
  if (m->abi_version != RADIO_CUDA_MODULE_ABI_VERSION) {
    state->error = g_strdup_printf ("%s has interface version %u, this "
                                    "build needs %u",
        path, m->abi_version, RADIO_CUDA_MODULE_ABI_VERSION);
    return state;
  }
  state->module = m;
  return state;
}

const RadioCudaModule *
radio_cuda_module_load (GError **error)
{
  static GOnce once = G_ONCE_INIT;
  CudaModuleState *state = g_once (&once, cuda_module_load, NULL);

  if (!state->module)
    g_set_error (
        error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED, "%s", state->error);
  return state->module;
}

/* ---- runner ------------------------------------------------------------ */

static gboolean
cpu_runner_init (RadioRunner *r, RadioCheckpoint *ckpt, GError **error)
{
  const RadioRunnerConfig *c = &r->config;
  guint i;

  r->forward = radio_forward_new (
      ckpt, c->input_height, c->input_width, c->interp, c->adaptors, error);
  if (!r->forward)
    return FALSE;
  r->image = g_try_malloc_n (
      (gsize)c->input_height * c->input_width * 3, sizeof (float));
  if (!r->image) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "cannot allocate the %ux%u model input", c->input_width,
        c->input_height);
    return FALSE;
  }
  /* The forward's output buffers never move: describe them once. */
  r->outputs.n_adaptors = radio_forward_get_n_adaptors (r->forward);
  r->adaptor_outputs = g_new0 (RadioAdaptorOutput, r->outputs.n_adaptors + 1);
  for (i = 0; i < r->outputs.n_adaptors; i++)
    r->adaptor_outputs[i] = *radio_forward_get_adaptor (r->forward, i);
  r->outputs.adaptors = r->adaptor_outputs;
  r->outputs.summary
      = radio_forward_get_summary (r->forward, &r->outputs.summary_length);
  r->outputs.spatial = radio_forward_get_spatial (r->forward,
      &r->outputs.grid_height, &r->outputs.grid_width, &r->outputs.dim);
  radio_forward_set_threads (r->forward, c->n_threads);
  r->description
      = g_strdup_printf ("CPU (%s)", radio_forward_describe_cpu (r->forward));
  return TRUE;
}

static gboolean
cuda_runner_init (
    RadioRunner *r, RadioCheckpoint *ckpt, guint sm, GError **error)
{
  if (r->config.precision == RADIO_PRECISION_AUTO)
    r->config.precision
        = sm >= 80 ? RADIO_PRECISION_BF16 : RADIO_PRECISION_FP16;
  r->cuda_runner = r->cuda->runner_new (ckpt, &r->config, error);
  if (!r->cuda_runner)
    return FALSE;
  r->description = g_strdup (r->cuda->runner_describe (r->cuda_runner));
  return TRUE;
}

/* Resolves AUTO and checks that a CUDA device is there: on return
 * r->config.backend is CPU or CUDA (with r->cuda set and *sm filled). */
static gboolean
choose_backend (RadioRunner *r, guint *sm, GError **error)
{
  g_autoptr (GError) cuda_error = NULL;
  g_autofree char *device = NULL;

  if (r->config.backend == RADIO_BACKEND_CPU)
    return TRUE;
  r->cuda = radio_cuda_module_load (&cuda_error);
  if (r->cuda
      && !r->cuda->probe (r->config.device_id, &device, sm, &cuda_error))
    r->cuda = NULL;
  if (r->cuda) {
    r->config.backend = RADIO_BACKEND_CUDA;
    return TRUE;
  }
  if (r->config.backend == RADIO_BACKEND_CUDA) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED,
        "backend cuda, device %d: %s", r->config.device_id,
        cuda_error->message);
    return FALSE;
  }
  r->config.backend = RADIO_BACKEND_CPU;
  r->notice = g_strdup_printf ("running on the CPU (backend auto, device "
                               "%d: %s)",
      r->config.device_id, cuda_error->message);
  return TRUE;
}

RadioRunner *
radio_runner_new (
    RadioCheckpoint *ckpt, const RadioRunnerConfig *config, GError **error)
{
  g_autoptr (RadioRunner) r = NULL;
  guint sm = 0;
  gboolean ok;

  g_return_val_if_fail (ckpt != NULL && config != NULL, NULL);
  r = g_new0 (RadioRunner, 1);
  r->config = *config;
  r->adaptor_names = g_strdupv ((char **)config->adaptors);
  r->config.adaptors = (const char *const *)r->adaptor_names;

  if (!choose_backend (r, &sm, error))
    return NULL;
  if (r->config.backend == RADIO_BACKEND_CUDA) {
    ok = cuda_runner_init (r, ckpt, sm, error);
  } else {
    if (r->config.precision == RADIO_PRECISION_FP16
        || r->config.precision == RADIO_PRECISION_BF16) {
      g_autofree char *previous = r->notice;
      r->notice = g_strdup_printf ("%s%sthe CPU backend computes in float32 "
                                   "(precision %s ignored)",
          previous ? previous : "", previous ? "; " : "",
          radio_precision_name (r->config.precision));
    }
    r->config.precision = RADIO_PRECISION_FP32;
    ok = cpu_runner_init (r, ckpt, error);
  }
  return ok ? g_steal_pointer (&r) : NULL;
}

void
radio_runner_free (RadioRunner *r)
{
  if (!r)
    return;
  if (r->cuda_runner)
    r->cuda->runner_free (r->cuda_runner);
  if (r->forward)
    radio_forward_free (r->forward);
  g_free (r->image);
  g_free (r->scratch);
  g_free (r->adaptor_outputs);
  g_strfreev (r->adaptor_names);
  g_free (r->description);
  g_free (r->notice);
  g_free (r);
}

const RadioRunnerConfig *
radio_runner_get_config (RadioRunner *r)
{
  return &r->config;
}

const char *
radio_runner_describe (RadioRunner *r)
{
  return r->description;
}

const char *
radio_runner_get_notice (RadioRunner *r)
{
  return r->notice;
}

static gboolean
cpu_run_frame (RadioRunner *r, const RadioFrame *frame,
    const RadioPlacement *placement, GError **error)
{
  gsize need = radio_cpu_frame_scratch_floats (frame, placement);

  if (need > r->scratch_floats) {
    g_free (r->scratch);
    r->scratch_floats = 0;
    r->scratch = g_try_malloc_n (need, sizeof (float));
    if (!r->scratch) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
          "cannot allocate memory to resize a %zux%zu frame", frame->width,
          frame->height);
      return FALSE;
    }
    r->scratch_floats = need;
  }
  if (radio_cpu_frame_to_image (r->image, r->config.input_height,
          r->config.input_width, frame, placement, r->scratch)
      != 0) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "invalid %zux%zu frame or placement %zux%zu+%zu+%zu for a %ux%u "
        "model input",
        frame->width, frame->height, placement->width, placement->height,
        placement->x, placement->y, r->config.input_width,
        r->config.input_height);
    return FALSE;
  }
  radio_forward_run (r->forward, r->image);
  return TRUE;
}

gboolean
radio_runner_run_frame (RadioRunner *r, const RadioFrame *frame,
    const RadioPlacement *placement, GError **error)
{
  g_return_val_if_fail (r != NULL && frame != NULL && placement != NULL, FALSE);
  if (r->config.backend == RADIO_BACKEND_CUDA) {
    if (!r->cuda->run_frame (r->cuda_runner, frame, placement, error))
      return FALSE;
    r->outputs = *r->cuda->get_outputs (r->cuda_runner);
    return TRUE;
  }
  return cpu_run_frame (r, frame, placement, error);
}

const RadioOutputs *
radio_runner_get_outputs (RadioRunner *r)
{
  return &r->outputs;
}

double
radio_runner_get_flops (RadioRunner *r)
{
  if (r->cuda_runner)
    return r->cuda->get_flops (r->cuda_runner);
  return r->forward ? radio_forward_get_flops (r->forward) : 0.0;
}
