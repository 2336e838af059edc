/* radio-bench-cuda.c: `radio-bench --backend cuda`, the CUDA benchmark.
 *
 *   radio-bench --backend cuda [--arch vit_base_patch16_224 | --model DIR]
 *       [--size 224x224,512x512] [--batch 1,8] [--precision fp16,bf16]
 *       [--iterations N] [--device N] [--frame 1920x1080] [--format nv12]
 *       [--dtype bf16] [--depth N] [--json FILE]
 *
 * Without --model it writes a random-weight checkpoint in the published
 * layout (radio-random-model.h) to a temporary folder.  For every size,
 * precision and batch size it times forwards of a synthetic video frame
 * (NV12 1920x1080 by default, resized onto the model input) through the
 * CUDA module's benchmark entry: ms per frame (device time of
 * preprocessing and the forward, as PyTorch timings of a model on a device
 * tensor measure), frames/s, achieved TFLOP/s, the end-to-end time with the
 * frame upload and output download, the per-stage breakdown (preprocess,
 * GEMMs, attention, rest), the weight and workspace memory and the device
 * memory in use.  --json appends one
 * JSON object per measurement to FILE (tests/gpu/device-check.sh reads it).
 *
 * The module is opened here with GModule ($GST_RADIO_CUDA_MODULE, then the
 * install and build locations), so this file builds without CUDA. */
#include "radio-bench-cuda.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <gmodule.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "gst-radio-config.h"
#include "radio-bench-util.h"
#include "radio-checkpoint.h"
#include "radio-cuda-module.h"
#include "radio-error.h"
#include "radio-random-model.h"

/* A synthetic frame: smooth gradients with texture, planes owned by
 * *storage (g_free each). */
static gboolean
make_frame (
    RadioFrame *f, guint8 *storage[3], const char *format, guint w, guint h)
{
  gsize cw = (w + 1) / 2, ch = (h + 1) / 2, rows[3] = { h, 0, 0 }, i, k;
  int offsets[3];

  memset (f, 0, sizeof *f);
  memset (storage, 0, 3 * sizeof *storage);
  f->width = w;
  f->height = h;
  if (g_ascii_strcasecmp (format, "nv12") == 0) {
    f->format = RADIO_PIXEL_NV12;
    f->strides[0] = w;
    f->strides[1] = 2 * cw;
    rows[1] = ch;
  } else if (g_ascii_strcasecmp (format, "i420") == 0) {
    f->format = RADIO_PIXEL_I420;
    f->strides[0] = w;
    f->strides[1] = f->strides[2] = cw;
    rows[1] = rows[2] = ch;
  } else if (g_ascii_strcasecmp (format, "rgb") == 0) {
    f->format = RADIO_PIXEL_RGB;
  } else if (g_ascii_strcasecmp (format, "bgra") == 0) {
    f->format = RADIO_PIXEL_BGRA;
  } else if (g_ascii_strcasecmp (format, "rgba") == 0) {
    f->format = RADIO_PIXEL_RGBA;
  } else {
    return FALSE;
  }
  if (rows[1] == 0)
    f->strides[0] = w * radio_pixel_format_rgb_layout (f->format, offsets);
  for (i = 0; i < 3; i++) {
    gsize n = f->strides[i] * rows[i];
    if (!n)
      continue;
    storage[i] = g_malloc (n);
    for (k = 0; k < n; k++)
      storage[i][k] = (guint8)((k % f->strides[i]) / 4 + (k / f->strides[i]) / 3
                               + (k * 2654435761u >> 28));
    f->planes[i] = storage[i];
  }
  /* BT.709, limited range: what a decoder usually hands over. */
  radio_yuv_to_rgb_coefficients (f, 0.2126, 0.0722, 16, 219, 128, 224);
  return TRUE;
}

static gboolean
parse_precision (const char *name, RadioPrecision *out)
{
  if (g_ascii_strcasecmp (name, "fp32") == 0)
    *out = RADIO_PRECISION_FP32;
  else if (g_ascii_strcasecmp (name, "fp16") == 0)
    *out = RADIO_PRECISION_FP16;
  else if (g_ascii_strcasecmp (name, "bf16") == 0)
    *out = RADIO_PRECISION_BF16;
  else if (g_ascii_strcasecmp (name, "auto") == 0)
    *out = RADIO_PRECISION_AUTO;
  else
    return FALSE;
  return TRUE;
}

static void
append_json (const char *path, const char *model, const char *arch, guint w,
    guint h, const char *precision, const RadioCudaBenchResult *r)
{
  static const char *const stages[]
      = { "preprocess", "gemm", "attention", "rest" };
  double ms_frame = r->ms_mean / r->batch;
  g_autofree char *device = g_strescape (r->description, NULL);
  GString *s = g_string_new (NULL);
  FILE *f;
  guint i;

  g_string_append_printf (s,
      "{\"backend\": \"cuda\", \"model\": \"%s\", "
      "\"arch\": \"%s\", \"width\": %u, \"height\": %u, \"precision\": "
      "\"%s\", \"batch\": %u, \"iterations\": %u, \"ms_per_batch\": %.4f, "
      "\"ms_per_batch_best\": %.4f, \"ms_per_frame\": %.4f, "
      "\"frames_per_s\": %.2f, \"tflops\": %.2f, "
      "\"ms_per_batch_end_to_end\": %.4f, \"stage_ms\": {",
      model, arch, w, h, precision, r->batch, r->iterations, r->ms_mean,
      r->ms_best, ms_frame, 1000.0 / ms_frame,
      r->flops_per_image * r->batch / (r->ms_mean * 1e9), r->ms_end_to_end);
  for (i = 0; i < RADIO_CUDA_N_STAGES; i++)
    g_string_append_printf (
        s, "%s\"%s\": %.4f", i ? ", " : "", stages[i], r->stage_ms[i]);
  g_string_append_printf (s,
      "}, \"gflop_per_frame\": %.2f, \"weights_mb\": "
      "%.1f, \"workspace_mb\": %.1f, \"device_used_mb\": %.1f, "
      "\"device\": \"%s\"}\n",
      r->flops_per_image / 1e9, r->weight_bytes / 1e6, r->workspace_bytes / 1e6,
      r->device_used_bytes / 1e6, device);
  f = fopen (path, "a");
  if (f) {
    fputs (s->str, f);
    fclose (f);
  } else {
    g_printerr ("radio-bench: cannot write %s\n", path);
  }
  g_string_free (s, TRUE);
}

int
radio_bench_cuda_main (int argc, char **argv)
{
  g_autofree char *backend = NULL, *arch = NULL, *model = NULL;
  g_autofree char *dtype = NULL, *sizes = NULL, *batches = NULL;
  g_autofree char *precisions = NULL, *frame_size = NULL, *format = NULL;
  g_autofree char *json = NULL, *tmpdir = NULL, *name = NULL;
  g_autofree char *device = NULL;
  gint iterations = 20, device_id = 0, depth = 0;
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioCheckpoint) ckpt = NULL;
  g_auto (GStrv) size_list = NULL, batch_list = NULL, precision_list = NULL;
  const RadioCudaModule *cuda;
  guint8 *planes[3] = { NULL, NULL, NULL };
  RadioFrame frame;
  guint cc = 0, frame_w = 1920, frame_h = 1080, s, p, b, i;
  int status = 0;
  GOptionEntry entries[] = { { "backend", 'b', 0, G_OPTION_ARG_STRING, &backend,
                                 "Backend to time: cuda", "NAME" },
    { "arch", 'a', 0, G_OPTION_ARG_STRING, &arch,
        "Random model of this architecture (default vit_base_patch16_224)",
        "NAME" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model,
        "Time this checkpoint instead of a random one", "DIR" },
    { "dtype", 'd', 0, G_OPTION_ARG_STRING, &dtype,
        "Random weights stored as f32, f16 or bf16 (default bf16)", "T" },
    { "depth", 0, 0, G_OPTION_ARG_INT, &depth,
        "Random model with this many blocks (default: the architecture's)",
        "N" },
    { "size", 's', 0, G_OPTION_ARG_STRING, &sizes,
        "Comma-separated model input sizes (default 224x224)", "WxH,..." },
    { "batch", 0, 0, G_OPTION_ARG_STRING, &batches,
        "Comma-separated batch sizes (default 1,8)", "N,..." },
    { "precision", 'p', 0, G_OPTION_ARG_STRING, &precisions,
        "Comma-separated fp32, fp16, bf16, auto (default fp16,bf16)", "P,..." },
    { "iterations", 'n', 0, G_OPTION_ARG_INT, &iterations,
        "Timed forwards per measurement after warm-up (default 20)", "N" },
    { "device", 0, 0, G_OPTION_ARG_INT, &device_id,
        "CUDA device ordinal (default 0)", "N" },
    { "frame", 0, 0, G_OPTION_ARG_STRING, &frame_size,
        "Size of the synthetic source frame (default 1920x1080)", "WxH" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format,
        "Its format: nv12 (default), i420, rgb, rgba, bgra", "F" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &json,
        "Also append one JSON object per measurement to FILE", "FILE" },
    { NULL } };

  setlocale (LC_ALL, "");
  ctx = g_option_context_new ("- time the RADIO forward pass on CUDA");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("radio-bench: %s\n", error->message);
    return 2;
  }
  if (backend && g_ascii_strcasecmp (backend, "cuda") != 0) {
    g_printerr ("radio-bench: radio_bench_cuda_main runs --backend cuda "
                "only\n");
    return 2;
  }
  if (iterations < 1 || depth < 0
      || (frame_size
          && !radio_bench_parse_size (frame_size, &frame_w, &frame_h))
      || (dtype && strcmp (dtype, "f32") != 0 && strcmp (dtype, "f16") != 0
          && strcmp (dtype, "bf16") != 0)) {
    g_printerr ("radio-bench: bad --iterations, --depth, --frame or "
                "--dtype\n");
    return 2;
  }
  if (!make_frame (
          &frame, planes, format ? format : "nv12", frame_w, frame_h)) {
    g_printerr ("radio-bench: unknown --format %s\n", format);
    return 2;
  }

  cuda = radio_cuda_module_load (&error);
  if (!cuda || !cuda->probe (device_id, &device, &cc, &error)) {
    g_printerr (
        "radio-bench: the CUDA backend is not usable: %s\n", error->message);
    status = 1;
    goto out;
  }

  if (!model) {
    RadioRandomModelSpec spec;

    tmpdir = g_dir_make_tmp ("radio-bench-XXXXXX", &error);
    if (!tmpdir
        || !radio_random_model_spec_init (
            &spec, arch ? arch : "vit_base_patch16_224", &error)) {
      g_printerr ("radio-bench: %s\n", error->message);
      status = 1;
      goto out;
    }
    if (g_strcmp0 (dtype, "f32") == 0)
      spec.dtype = RADIO_DTYPE_F32;
    else if (g_strcmp0 (dtype, "f16") == 0)
      spec.dtype = RADIO_DTYPE_F16;
    if (depth > 0)
      spec.depth = (guint)depth;
    if (!radio_random_model_write (&spec, tmpdir, &error)) {
      g_printerr ("radio-bench: %s\n", error->message);
      status = 1;
      goto out;
    }
  }
  ckpt = radio_checkpoint_load (model ? model : tmpdir, &error);
  if (!ckpt) {
    g_printerr ("radio-bench: %s\n", error->message);
    status = 1;
    goto out;
  }
  name = radio_bench_model_name (ckpt);
  g_print ("# gst-radio %s, backend cuda, device %d: %s\n", GST_RADIO_VERSION,
      device_id, device);
  g_print ("# %s (%s): %s weights, %.1f M parameters%s; source frame %s "
           "%ux%u resized onto the model input\n",
      name, ckpt->arch_name, radio_dtype_name (ckpt->weight_dtype),
      ckpt->n_parameters / 1e6, ckpt->random_weights ? ", random" : "",
      format ? format : "nv12", frame_w, frame_h);

  size_list = g_strsplit (sizes ? sizes : "224x224", ",", -1);
  batch_list = g_strsplit (batches ? batches : "1,8", ",", -1);
  precision_list = g_strsplit (precisions ? precisions : "fp16,bf16", ",", -1);
  for (s = 0; size_list[s]; s++) {
    guint w, h;

    if (!radio_bench_parse_size (size_list[s], &w, &h) || w % ckpt->patch_size
        || h % ckpt->patch_size) {
      g_printerr ("radio-bench: size '%s' is not WxH in multiples of %u\n",
          size_list[s], ckpt->patch_size);
      status = 1;
      continue;
    }
    for (p = 0; precision_list[p]; p++) {
      RadioPrecision precision;

      if (!parse_precision (precision_list[p], &precision)) {
        g_printerr ("radio-bench: unknown precision '%s'\n", precision_list[p]);
        status = 1;
        continue;
      }
      if (precision == RADIO_PRECISION_BF16 && cc < 80) {
        g_print ("# bf16 skipped: the device is sm_%u\n", cc);
        continue;
      }
      for (b = 0; batch_list[b]; b++) {
        guint batch = (guint)g_ascii_strtoull (batch_list[b], NULL, 10);
        RadioRunnerConfig config;
        RadioPlacement placement;
        RadioCudaBenchResult r;
        double ms_frame;

        if (batch == 0) {
          g_printerr ("radio-bench: bad batch size '%s'\n", batch_list[b]);
          status = 1;
          continue;
        }
        memset (&config, 0, sizeof config);
        config.backend = RADIO_BACKEND_CUDA;
        config.device_id = device_id;
        config.precision = precision;
        config.input_width = w;
        config.input_height = h;
        config.interp = RADIO_POS_INTERP_AUTO;
        memset (&placement, 0, sizeof placement);
        placement.width = w;
        placement.height = h;
        if (!cuda->benchmark (ckpt, &config, batch, (guint)iterations, &frame,
                &placement, &r, &error)) {
          g_printerr ("radio-bench: %s %ux%u %s batch %u: %s\n", name, w, h,
              precision_list[p], batch, error->message);
          g_clear_error (&error);
          status = 1;
          continue;
        }
        ms_frame = r.ms_mean / batch;
        g_print (
            "%s %ux%u %s batch %u: %.3f ms/frame (%.3f ms/batch, best "
            "%.3f), %.1f frames/s, %.1f TFLOP/s (%.1f GFLOP/frame); end to "
            "end with frame upload and output download %.3f ms/batch; "
            "stages ms/batch: preprocess %.3f, GEMMs %.3f, attention %.3f, "
            "rest %.3f; weights %.0f MB, workspace %.0f MB, device memory in "
            "use %.0f of %.0f MB\n",
            name, w, h, precision_list[p], batch, ms_frame, r.ms_mean,
            r.ms_best, 1000.0 / ms_frame,
            r.flops_per_image * batch / (r.ms_mean * 1e9),
            r.flops_per_image / 1e9, r.ms_end_to_end,
            r.stage_ms[RADIO_CUDA_STAGE_PREPROCESS],
            r.stage_ms[RADIO_CUDA_STAGE_GEMM],
            r.stage_ms[RADIO_CUDA_STAGE_ATTENTION],
            r.stage_ms[RADIO_CUDA_STAGE_REST], r.weight_bytes / 1e6,
            r.workspace_bytes / 1e6, r.device_used_bytes / 1e6,
            r.device_total_bytes / 1e6);
        if (json)
          append_json (
              json, name, ckpt->arch_name, w, h, precision_list[p], &r);
      }
    }
  }

out:
  g_clear_pointer (&ckpt, radio_checkpoint_unref);
  if (tmpdir)
    radio_bench_remove_model_dir (tmpdir);
  for (i = 0; i < 3; i++)
    g_free (planes[i]);
  return status;
}
