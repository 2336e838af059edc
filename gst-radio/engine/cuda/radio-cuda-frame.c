/* radio-cuda-frame.c: raw frames into pinned staging and onto the device
 * (see radio-cuda-frame.h). */
#include "radio-cuda-frame.h"

#include <string.h>

#include "radio-cuda-error.h"

#define PLANE_ALIGN 256

gboolean
radio_cuda_frame_layout (const RadioFrame *fr, RadioCudaFrameLayout *l)
{
  gsize cw = (fr->width + 1) / 2, ch = (fr->height + 1) / 2, total = 0;
  int i;

  memset (l, 0, sizeof *l);
  l->rgb_offsets[1] = 1;
  l->rgb_offsets[2] = 2;
  if (fr->width == 0 || fr->height == 0 || fr->width > 32768
      || fr->height > 32768 || !fr->planes[0])
    return FALSE;
  if (fr->format == RADIO_PIXEL_NV12) {
    l->n_planes = 2;
    l->row_bytes[0] = fr->width;
    l->rows[0] = fr->height;
    l->row_bytes[1] = 2 * cw;
    l->rows[1] = ch;
  } else if (fr->format == RADIO_PIXEL_I420) {
    l->n_planes = 3;
    l->row_bytes[0] = fr->width;
    l->rows[0] = fr->height;
    l->row_bytes[1] = l->row_bytes[2] = cw;
    l->rows[1] = l->rows[2] = ch;
  } else {
    l->pixel_bytes = radio_pixel_format_rgb_layout (fr->format,
        l->rgb_offsets);
    if (l->pixel_bytes <= 0)
      return FALSE;
    l->n_planes = 1;
    l->row_bytes[0] = fr->width * (gsize) l->pixel_bytes;
    l->rows[0] = fr->height;
  }
  for (i = 0; i < l->n_planes; i++) {
    if (!fr->planes[i] || fr->strides[i] < l->row_bytes[i]
        || fr->strides[i] > G_MAXINT)
      return FALSE;
    l->offset[i] = (total + PLANE_ALIGN - 1) / PLANE_ALIGN * PLANE_ALIGN;
    total = l->offset[i] + l->row_bytes[i] * l->rows[i];
  }
  l->bytes = total;
  return TRUE;
}

gboolean
radio_cuda_placement_fits (const RadioPlacement *p, gsize canvas_width,
    gsize canvas_height)
{
  return p->width > 0 && p->height > 0 && p->x <= canvas_width
      && p->width <= canvas_width - p->x && p->y <= canvas_height
      && p->height <= canvas_height - p->y;
}

gboolean
radio_cuda_frame_stage (RadioCudaFrameStaging *s, const RadioFrame *fr,
    const RadioPlacement *pl, gsize canvas_width, gsize canvas_height,
    cudaStream_t stream, RadioCudaPreprocess *pp, GError **error)
{
  RadioCudaFrameLayout l;
  gsize r;
  int i;

  if (!radio_cuda_frame_layout (fr, &l)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "invalid frame: format %d, %zux%zu, a missing plane or a stride "
        "shorter than a row", (int) fr->format, fr->width, fr->height);
    return FALSE;
  }
  if (!radio_cuda_placement_fits (pl, canvas_width, canvas_height)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "placement %zux%zu at (%zu, %zu) does not fit the %zux%zu model "
        "input", pl->width, pl->height, pl->x, pl->y, canvas_width,
        canvas_height);
    return FALSE;
  }

  if (l.bytes > s->bytes) {
    /* The caller synchronised: nothing reads the old buffers any more. */
    radio_cuda_frame_staging_clear (s);
    if (!RADIO_CUDA_CHECK (cudaHostAlloc ((void **) &s->host, l.bytes,
                cudaHostAllocDefault), error)
        || !RADIO_CUDA_CHECK (cudaMalloc ((void **) &s->device, l.bytes),
            error)) {
      radio_cuda_frame_staging_clear (s);
      return FALSE;
    }
    s->bytes = l.bytes;
  }
  memset (pp->planes, 0, sizeof pp->planes);
  memset (pp->strides, 0, sizeof pp->strides);
  for (i = 0; i < l.n_planes; i++) {
    for (r = 0; r < l.rows[i]; r++)
      memcpy (s->host + l.offset[i] + r * l.row_bytes[i],
          fr->planes[i] + r * fr->strides[i], l.row_bytes[i]);
    pp->planes[i] = s->device + l.offset[i];
    pp->strides[i] = (int) l.row_bytes[i];
  }
  if (!RADIO_CUDA_CHECK (cudaMemcpyAsync (s->device, s->host, l.bytes,
              cudaMemcpyHostToDevice, stream), error))
    return FALSE;

  pp->format = fr->format;
  pp->width = (int) fr->width;
  pp->height = (int) fr->height;
  memcpy (pp->rgb_offsets, l.rgb_offsets, sizeof pp->rgb_offsets);
  pp->pixel_bytes = l.pixel_bytes;
  memcpy (pp->yuv_offset, fr->yuv_offset, sizeof pp->yuv_offset);
  memcpy (pp->yuv_matrix, fr->yuv_matrix, sizeof pp->yuv_matrix);
  pp->x = (int) pl->x;
  pp->y = (int) pl->y;
  pp->place_width = (int) pl->width;
  pp->place_height = (int) pl->height;
  memcpy (pp->pad, pl->pad, sizeof pp->pad);
  return TRUE;
}

void
radio_cuda_frame_staging_clear (RadioCudaFrameStaging *s)
{
  if (s->host)
    cudaFreeHost (s->host);
  if (s->device)
    cudaFree (s->device);
  s->host = s->device = NULL;
  s->bytes = 0;
}
