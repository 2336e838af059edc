/* radio-tool-util.h: pieces the command-line tools share: option parsing
 * and running the model on one decoded image through a RadioRunner that
 * is remade only when the model input size changes. */
#ifndef RADIO_TOOL_UTIL_H
#define RADIO_TOOL_UTIL_H

#include <glib.h>

#include "radio-image.h"
#include "radio-runner.h"

G_BEGIN_DECLS

/* "WxH" with both sides in 1..65536. */
gboolean radio_tool_parse_size (const char *text, guint *width,
    guint *height);

/* "cpu", "cuda" or "auto"; NULL gives RADIO_BACKEND_AUTO. */
gboolean radio_tool_parse_backend (const char *name, RadioBackend *backend);

/* "auto", "fp32", "fp16" or "bf16"; NULL gives RADIO_PRECISION_AUTO. */
gboolean radio_tool_parse_precision (const char *name,
    RadioPrecision *precision);

/* Keeps *runner when its model input is input_width x input_height;
 * otherwise makes the new runner before freeing the old one, so weight
 * copies they share are kept.  Sets *created (may be NULL) when it made
 * one. */
gboolean radio_tool_ensure_runner (RadioRunner **runner,
    RadioCheckpoint *ckpt, const RadioRunnerConfig *base, guint input_width,
    guint input_height, gboolean *created, GError **error);

/* The model input for an image: width x height when both are set,
 * otherwise each side rounded to the nearest multiple of the patch. */
void radio_tool_input_size (const RadioCheckpoint *ckpt,
    const RadioImage *image, guint width, guint height, guint *input_width,
    guint *input_height);

/* Runs the model on the whole image stretched to input_width x
 * input_height (as radio-embed and the `radio` element with resize=nearest
 * do).  The outputs belong to *runner (radio_runner_get_outputs). */
const RadioOutputs *radio_tool_run_image (RadioRunner **runner,
    RadioCheckpoint *ckpt, const RadioRunnerConfig *base,
    const RadioImage *image, guint input_width, guint input_height,
    gboolean *created, GError **error);

G_END_DECLS
#endif /* RADIO_TOOL_UTIL_H */
