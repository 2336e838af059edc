/* radio-frame.h: a raw 8-bit video frame as the model's input, and where it
 * lands in the model's input canvas.  Plain C, shared by the CPU reference
 * preprocessing (kernels/cpu/preprocess.c) and the CUDA one, which must
 * produce the same model image.
 *
 * Preprocessing contract (what both backends compute):
 *   1. Every source pixel becomes RGB float in [0, 1]:
 *      - RGB-family formats: byte / 255, alpha and padding bytes ignored;
 *      - NV12 / I420: chroma is upsampled to the luma grid bilinearly with
 *        half-pixel centres (each chroma sample sits at the centre of its
 *        2x2 luma block, neighbours clamped at the edges), then
 *        rgb = matrix * (yuv - offset), clamped to [0, 1], all in float
 *        with no intermediate 8-bit rounding.
 *   2. The source image is resized bilinearly (half-pixel centres, no
 *      antialiasing, radio_cpu_resize_bilinear) to placement width x height
 *      and written at (x, y) of the canvas; a placement equal to the source
 *      size copies it without resampling.
 *   3. Canvas pixels outside the placement get `pad` (letterbox borders).
 * The result is image[canvas_height, canvas_width, 3], RGB in [0, 1], the
 * input of radio_forward_run.
 */
#ifndef RADIO_FRAME_H
#define RADIO_FRAME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  RADIO_PIXEL_RGB = 0,
  RADIO_PIXEL_BGR,
  RADIO_PIXEL_RGBA,
  RADIO_PIXEL_BGRA,
  RADIO_PIXEL_RGBX,
  RADIO_PIXEL_BGRX,
  RADIO_PIXEL_XRGB,
  RADIO_PIXEL_XBGR,
  RADIO_PIXEL_ARGB,
  RADIO_PIXEL_ABGR,
  RADIO_PIXEL_NV12, /* plane 0: Y, plane 1: interleaved U,V at half size */
  RADIO_PIXEL_I420, /* planes Y, U, V; chroma at half size */
  RADIO_PIXEL_COUNT
} RadioPixelFormat;

typedef struct {
  RadioPixelFormat format;
  size_t width, height;      /* luma / pixel size */
  const uint8_t *planes[3];  /* unused planes NULL */
  size_t strides[3];         /* bytes per row of each plane */
  /* YUV formats only: rgb = yuv_matrix (row-major 3x3) * (yuv - yuv_offset),
   * with yuv in 8-bit code values; see radio_yuv_to_rgb_coefficients. */
  float yuv_offset[3];
  float yuv_matrix[9];
} RadioFrame;

typedef struct {
  size_t x, y;          /* top-left corner of the frame in the canvas */
  size_t width, height; /* size of the resized frame in the canvas */
  float pad[3];         /* RGB in [0, 1] for canvas pixels outside it */
} RadioPlacement;

/* Byte offsets (R, G, B) of a packed RGB-family format and its pixel size;
 * returns 0 for a planar YUV format. */
int radio_pixel_format_rgb_layout (RadioPixelFormat format, int offsets[3]);

/* Fills frame->yuv_offset / yuv_matrix from the luma coefficients Kr, Kb of
 * the colour matrix (BT.601: 0.299, 0.114; BT.709: 0.2126, 0.0722) and the
 * 8-bit code ranges: luma black level y_offset spanning y_range codes,
 * chroma centre c_offset spanning c_range codes (limited range: 16, 219,
 * 128, 224; full range: 0, 255, 128, 255). */
void radio_yuv_to_rgb_coefficients (RadioFrame *frame, double kr, double kb,
    double y_offset, double y_range, double c_offset, double c_range);

/* ---- CPU reference (kernels/cpu/preprocess.c) --------------------------- */

/* Floats of scratch memory radio_cpu_frame_to_image needs for this frame
 * and placement (0 when the frame lands in the canvas unresized). */
size_t radio_cpu_frame_scratch_floats (const RadioFrame *frame,
    const RadioPlacement *placement);

/* image[canvas_height, canvas_width, 3] from frame at placement, as the
 * contract above says.  Returns 0, or -1 (nothing written) when the frame
 * is invalid (no planes, zero size, strides shorter than a row) or the
 * placement does not fit in the canvas. */
int radio_cpu_frame_to_image (float *image, size_t canvas_height,
    size_t canvas_width, const RadioFrame *frame,
    const RadioPlacement *placement, float *scratch);

#ifdef __cplusplus
}
#endif
#endif /* RADIO_FRAME_H */
