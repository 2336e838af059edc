/* resize.c: bilinear resampling of a channels-last grid
 *   src[in_h, in_w, channels] (F32 / F16 / BF16, any alignment)
 *     -> dst[dst_rows, dst_cols, channels] float32,
 * the top-left corner of a virtual out_h x out_w resize (RADIO crops the
 * resized position-embedding grid this way).
 *
 * It follows PyTorch's CPU F.interpolate (mode="bilinear",
 * antialias=False) for float tensors, including doing the coordinate
 * arithmetic in float, so the position embeddings match the reference
 * implementation as closely as float32 allows.
 */
#include "radio-cpu.h"

#include <math.h>
#include <string.h>

static inline float
load_element (RadioTensorView src, size_t index)
{
  const unsigned char *p = src.data;
  uint16_t h;
  float f;

  switch (src.dtype) {
    case RADIO_DTYPE_F16:
      memcpy (&h, p + 2 * index, 2);
      return radio_f16_to_f32 (h);
    case RADIO_DTYPE_BF16:
      memcpy (&h, p + 2 * index, 2);
      return radio_bf16_to_f32 (h);
    case RADIO_DTYPE_F32:
      memcpy (&f, p + 4 * index, 4);
      return f;
    default:
      return NAN;
  }
}

/* Scale of one axis, as PyTorch's area_pixel_compute_scale computes it
 * for float tensors. */
static float
axis_scale (size_t in, size_t out, RadioResizeMode mode)
{
  if (mode == RADIO_RESIZE_ALIGN_CORNERS)
    return out > 1 ? (float) (in - 1) / (float) (out - 1) : 0.0f;
  return (float) in / (float) out;
}

/* Neighbours i0, i1 and the weight lambda of i1 for output index d. */
static void
axis_source (size_t d, float scale, size_t in, RadioResizeMode mode,
    size_t *i0, size_t *i1, float *lambda)
{
  float s, l;
  size_t i;

  if (mode == RADIO_RESIZE_ALIGN_CORNERS) {
    s = scale * (float) d;
  } else {
    s = scale * ((float) d + 0.5f) - 0.5f;
    if (s < 0.0f)
      s = 0.0f;
  }
  i = (size_t) floorf (s);
  /* Rounding in the scale can put the last sample a hair past the edge. */
  if (i > in - 1)
    i = in - 1;
  l = s - (float) i;
  if (l < 0.0f)
    l = 0.0f;
  if (l > 1.0f)
    l = 1.0f;
  *i0 = i;
  *i1 = i + 1 < in ? i + 1 : in - 1;
  *lambda = l;
}

void
radio_cpu_resize_bilinear (float *dst, size_t dst_rows, size_t dst_cols,
    size_t out_h, size_t out_w, RadioTensorView src, size_t in_h,
    size_t in_w, size_t channels, RadioResizeMode mode)
{
  float scale_y, scale_x;
  size_t oy, ox, c;

  if (in_h == 0 || in_w == 0 || out_h == 0 || out_w == 0)
    return;

  scale_y = axis_scale (in_h, out_h, mode);
  scale_x = axis_scale (in_w, out_w, mode);

  for (oy = 0; oy < dst_rows; oy++) {
    size_t y0, y1;
    float ly, wy0;

    axis_source (oy, scale_y, in_h, mode, &y0, &y1, &ly);
    wy0 = 1.0f - ly;

    for (ox = 0; ox < dst_cols; ox++) {
      size_t x0, x1, ia, ib, ic, id;
      float lx, wx0;
      float *o = dst + (oy * dst_cols + ox) * channels;

      axis_source (ox, scale_x, in_w, mode, &x0, &x1, &lx);
      wx0 = 1.0f - lx;
      ia = (y0 * in_w + x0) * channels;
      ib = (y0 * in_w + x1) * channels;
      ic = (y1 * in_w + x0) * channels;
      id = (y1 * in_w + x1) * channels;

      for (c = 0; c < channels; c++) {
        float a = load_element (src, ia + c);
        float b = load_element (src, ib + c);
        float cc = load_element (src, ic + c);
        float d = load_element (src, id + c);

        o[c] = wy0 * (wx0 * a + lx * b) + ly * (wx0 * cc + lx * d);
      }
    }
  }
}
