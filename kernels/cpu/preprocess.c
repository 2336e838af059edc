/* preprocess.c: raw 8-bit video frames to the model's input canvas,
 * image[canvas_h, canvas_w, 3] float RGB in [0, 1], following the contract
 * in radio-frame.h (colour conversion at the source resolution, then one
 * half-pixel bilinear resize into the placement, padding around it). */
#include "radio-frame.h"
#include "radio-cpu.h"

#include <math.h>
#include <string.h>

int
radio_pixel_format_rgb_layout (RadioPixelFormat format, int offsets[3])
{
  static const struct {
    int r, g, b, size;
  } layouts[] = {
    [RADIO_PIXEL_RGB] = { 0, 1, 2, 3 },
    [RADIO_PIXEL_BGR] = { 2, 1, 0, 3 },
    [RADIO_PIXEL_RGBA] = { 0, 1, 2, 4 },
    [RADIO_PIXEL_BGRA] = { 2, 1, 0, 4 },
    [RADIO_PIXEL_RGBX] = { 0, 1, 2, 4 },
    [RADIO_PIXEL_BGRX] = { 2, 1, 0, 4 },
    [RADIO_PIXEL_XRGB] = { 1, 2, 3, 4 },
    [RADIO_PIXEL_XBGR] = { 3, 2, 1, 4 },
    [RADIO_PIXEL_ARGB] = { 1, 2, 3, 4 },
    [RADIO_PIXEL_ABGR] = { 3, 2, 1, 4 },
  };

  if ((int)format < 0 || format > RADIO_PIXEL_ABGR)
    return 0;
  offsets[0] = layouts[format].r;
  offsets[1] = layouts[format].g;
  offsets[2] = layouts[format].b;
  return layouts[format].size;
}

void
radio_yuv_to_rgb_coefficients (RadioFrame *frame, double kr, double kb,
    double y_offset, double y_range, double c_offset, double c_range)
{
  /* E'y = (Y - y_offset) / y_range in [0, 1], E'cb and E'cr in [-1/2, 1/2];
   * R = E'y + 2 (1 - kr) E'cr, B = E'y + 2 (1 - kb) E'cb, and G solves
   * E'y = kr R + kg G + kb B. */
  double kg = 1.0 - kr - kb;
  double m[9] = {
    1.0 / y_range,
    0.0,
    2.0 * (1.0 - kr) / c_range,
    1.0 / y_range,
    -2.0 * kb * (1.0 - kb) / (kg * c_range),
    -2.0 * kr * (1.0 - kr) / (kg * c_range),
    1.0 / y_range,
    2.0 * (1.0 - kb) / c_range,
    0.0,
  };
  int i;

  for (i = 0; i < 9; i++)
    frame->yuv_matrix[i] = (float)m[i];
  frame->yuv_offset[0] = (float)y_offset;
  frame->yuv_offset[1] = (float)c_offset;
  frame->yuv_offset[2] = (float)c_offset;
}

static int
is_yuv (RadioPixelFormat format)
{
  return format == RADIO_PIXEL_NV12 || format == RADIO_PIXEL_I420;
}

static int
frame_is_valid (const RadioFrame *f)
{
  size_t cw = (f->width + 1) / 2;
  int offsets[3], size;

  if (!f || f->width == 0 || f->height == 0 || !f->planes[0])
    return 0;
  if (f->format == RADIO_PIXEL_NV12)
    return f->planes[1] && f->strides[0] >= f->width && f->strides[1] >= 2 * cw;
  if (f->format == RADIO_PIXEL_I420)
    return f->planes[1] && f->planes[2] && f->strides[0] >= f->width
           && f->strides[1] >= cw && f->strides[2] >= cw;
  size = radio_pixel_format_rgb_layout (f->format, offsets);
  return size > 0 && f->strides[0] >= f->width * (size_t)size;
}

static int
needs_resize (const RadioFrame *f, const RadioPlacement *p)
{
  return p->width != f->width || p->height != f->height;
}

size_t
radio_cpu_frame_scratch_floats (
    const RadioFrame *frame, const RadioPlacement *placement)
{
  if (!needs_resize (frame, placement))
    return 0;
  return frame->width * frame->height * 3
         + placement->width * placement->height * 3;
}

/* Chroma coordinate of a luma column or row: the chroma sample i covers
 * luma 2i and 2i+1, so its centre is at luma 2i + 1/2. */
static void
chroma_source (size_t x, size_t n_chroma, size_t *x0, size_t *x1, float *l)
{
  float s = ((float)x + 0.5f) * 0.5f - 0.5f;
  if (s < 0.0f)
    s = 0.0f;
  *x0 = (size_t)s;
  if (*x0 > n_chroma - 1)
    *x0 = n_chroma - 1;
  *x1 = *x0 + 1 < n_chroma ? *x0 + 1 : n_chroma - 1;
  *l = s - (float)*x0;
}

static float
clamp_unit (float v)
{
  return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

/* Chroma plane sample at (column cx, row cy); NV12 interleaves U and V. */
static float
chroma_at (const RadioFrame *f, int v_plane, size_t cx, size_t cy)
{
  if (f->format == RADIO_PIXEL_NV12)
    return f->planes[1][cy * f->strides[1] + 2 * cx + (size_t)v_plane];
  return f->planes[1 + v_plane][cy * f->strides[1 + v_plane] + cx];
}

static void
yuv_row_to_rgb (float *dst, const RadioFrame *f, size_t y)
{
  size_t cw = (f->width + 1) / 2, ch = (f->height + 1) / 2;
  size_t cy0, cy1, x;
  float ly;
  const float *m = f->yuv_matrix, *o = f->yuv_offset;
  const uint8_t *luma = f->planes[0] + y * f->strides[0];

  chroma_source (y, ch, &cy0, &cy1, &ly);
  for (x = 0; x < f->width; x++) {
    size_t cx0, cx1;
    float lx, yuv[3];
    int k;

    chroma_source (x, cw, &cx0, &cx1, &lx);
    yuv[0] = (float)luma[x] - o[0];
    for (k = 0; k < 2; k++) {
      float top = (1.0f - lx) * chroma_at (f, k, cx0, cy0)
                  + lx * chroma_at (f, k, cx1, cy0);
      float bottom = (1.0f - lx) * chroma_at (f, k, cx0, cy1)
                     + lx * chroma_at (f, k, cx1, cy1);
      yuv[1 + k] = (1.0f - ly) * top + ly * bottom - o[1 + k];
    }
    for (k = 0; k < 3; k++)
      dst[3 * x + k] = clamp_unit (
          m[3 * k] * yuv[0] + m[3 * k + 1] * yuv[1] + m[3 * k + 2] * yuv[2]);
  }
}

/* Source row y as float RGB in [0, 1]: dst[width, 3]. */
static void
source_row_to_rgb (float *dst, const RadioFrame *f, size_t y)
{
  int offsets[3], size;
  const uint8_t *row;
  size_t x;

  if (is_yuv (f->format)) {
    yuv_row_to_rgb (dst, f, y);
    return;
  }
  size = radio_pixel_format_rgb_layout (f->format, offsets);
  row = f->planes[0] + y * f->strides[0];
  if (f->format == RADIO_PIXEL_RGB) {
    radio_cpu_u8_to_unit_f32 (dst, row, f->width * 3);
    return;
  }
  for (x = 0; x < f->width; x++) {
    const uint8_t *px = row + x * (size_t)size;
    dst[3 * x] = (float)px[offsets[0]] / 255.0f;
    dst[3 * x + 1] = (float)px[offsets[1]] / 255.0f;
    dst[3 * x + 2] = (float)px[offsets[2]] / 255.0f;
  }
}

int
radio_cpu_frame_to_image (float *image, size_t canvas_height,
    size_t canvas_width, const RadioFrame *frame,
    const RadioPlacement *placement, float *scratch)
{
  const RadioPlacement *p = placement;
  size_t y, x, row = canvas_width * 3;

  if (!frame_is_valid (frame) || !p || p->width == 0 || p->height == 0
      || p->x > canvas_width || p->width > canvas_width - p->x
      || p->y > canvas_height || p->height > canvas_height - p->y)
    return -1;

  if (p->width != canvas_width || p->height != canvas_height) {
    for (y = 0; y < canvas_height; y++)
      for (x = 0; x < canvas_width; x++)
        memcpy (image + y * row + 3 * x, p->pad, sizeof p->pad);
  }

  if (!needs_resize (frame, p)) {
    for (y = 0; y < frame->height; y++)
      source_row_to_rgb (image + (p->y + y) * row + 3 * p->x, frame, y);
    return 0;
  }

  {
    float *source = scratch;
    float *resized = scratch + frame->width * frame->height * 3;

    for (y = 0; y < frame->height; y++)
      source_row_to_rgb (source + y * frame->width * 3, frame, y);
    radio_cpu_resize_bilinear (resized, p->height, p->width, p->height,
        p->width, radio_tensor_view_f32 (source), frame->height, frame->width,
        3, RADIO_RESIZE_HALF_PIXEL);
    for (y = 0; y < p->height; y++)
      memcpy (image + (p->y + y) * row + 3 * p->x, resized + y * p->width * 3,
          p->width * 3 * sizeof (float));
  }
  return 0;
}
