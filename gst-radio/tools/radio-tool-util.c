/* radio-tool-util.c: see radio-tool-util.h. */
#include "radio-tool-util.h"

#include "radio-model.h"

gboolean
radio_tool_parse_size (const char *text, guint *width, guint *height)
{
  char *end = NULL;
  guint64 a, b;

  a = g_ascii_strtoull (text, &end, 10);
  if (end == text || (*end != 'x' && *end != 'X'))
    return FALSE;
  text = end + 1;
  b = g_ascii_strtoull (text, &end, 10);
  if (end == text || *end || a == 0 || b == 0 || a > 65536 || b > 65536)
    return FALSE;
  *width = (guint) a;
  *height = (guint) b;
  return TRUE;
}

gboolean
radio_tool_parse_backend (const char *name, RadioBackend *backend)
{
  static const RadioBackend all[] = { RADIO_BACKEND_AUTO, RADIO_BACKEND_CPU,
    RADIO_BACKEND_CUDA };
  guint i;

  if (!name) {
    *backend = RADIO_BACKEND_AUTO;
    return TRUE;
  }
  for (i = 0; i < G_N_ELEMENTS (all); i++)
    if (g_strcmp0 (name, radio_backend_name (all[i])) == 0) {
      *backend = all[i];
      return TRUE;
    }
  return FALSE;
}

gboolean
radio_tool_parse_precision (const char *name, RadioPrecision *precision)
{
  static const RadioPrecision all[] = { RADIO_PRECISION_AUTO,
    RADIO_PRECISION_FP32, RADIO_PRECISION_FP16, RADIO_PRECISION_BF16 };
  guint i;

  if (!name) {
    *precision = RADIO_PRECISION_AUTO;
    return TRUE;
  }
  for (i = 0; i < G_N_ELEMENTS (all); i++)
    if (g_strcmp0 (name, radio_precision_name (all[i])) == 0) {
      *precision = all[i];
      return TRUE;
    }
  return FALSE;
}

gboolean
radio_tool_ensure_runner (RadioRunner **runner, RadioCheckpoint *ckpt,
    const RadioRunnerConfig *base, guint input_width, guint input_height,
    gboolean *created, GError **error)
{
  RadioRunnerConfig config = *base;
  RadioRunner *fresh;
  const RadioRunnerConfig *have = *runner ? radio_runner_get_config (*runner)
      : NULL;

  if (created)
    *created = FALSE;
  if (have && have->input_width == input_width
      && have->input_height == input_height)
    return TRUE;
  config.input_width = input_width;
  config.input_height = input_height;
  fresh = radio_runner_new (ckpt, &config, error);
  if (!fresh)
    return FALSE;
  radio_runner_free (*runner);
  *runner = fresh;
  if (created)
    *created = TRUE;
  return TRUE;
}

void
radio_tool_input_size (const RadioCheckpoint *ckpt, const RadioImage *image,
    guint width, guint height, guint *input_width, guint *input_height)
{
  if (width && height) {
    *input_width = width;
    *input_height = height;
  } else {
    *input_width = radio_nearest_model_size (image->width, ckpt->patch_size);
    *input_height = radio_nearest_model_size (image->height,
        ckpt->patch_size);
  }
}

const RadioOutputs *
radio_tool_run_image (RadioRunner **runner, RadioCheckpoint *ckpt,
    const RadioRunnerConfig *base, const RadioImage *image,
    guint input_width, guint input_height, gboolean *created,
    GError **error)
{
  RadioFrame frame = { 0 };
  RadioPlacement placement = { 0 };

  if (!radio_tool_ensure_runner (runner, ckpt, base, input_width,
          input_height, created, error))
    return NULL;
  frame.format = RADIO_PIXEL_RGB;
  frame.width = image->width;
  frame.height = image->height;
  frame.planes[0] = image->pixels;
  frame.strides[0] = (gsize) image->width * 3;
  placement.width = input_width;
  placement.height = input_height;
  if (!radio_runner_run_frame (*runner, &frame, &placement, error))
    return NULL;
  return radio_runner_get_outputs (*runner);
}
