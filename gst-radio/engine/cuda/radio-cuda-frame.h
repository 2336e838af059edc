/* radio-cuda-frame.h: raw frames (radio-frame.h) on their way to the
 * device.  The planes are packed row after row, without stride padding,
 * into pinned host staging, uploaded with one asynchronous copy to a device
 * buffer, and described for the preprocessing kernel (RadioCudaPreprocess).
 * Both buffers are reused from frame to frame and only grow when a larger
 * frame arrives, so a stream of equal frames allocates nothing.
 *
 * Validity follows radio_cpu_frame_to_image: every plane present, strides
 * at least a row, a known format, and a placement inside the canvas.
 */
#ifndef RADIO_CUDA_FRAME_H
#define RADIO_CUDA_FRAME_H

#include <glib.h>

#include "radio-cuda-kernels.h"
#include "radio-frame.h"

G_BEGIN_DECLS

/* Where each plane goes in the staging buffer (host only). */
typedef struct {
  int n_planes;
  gsize row_bytes[3], rows[3]; /* what is copied of each plane */
  gsize offset[3];             /* 256-byte aligned */
  gsize bytes;
  int rgb_offsets[3];          /* packed formats: bytes of R, G, B */
  int pixel_bytes;             /* packed formats: 3 or 4; 0 for YUV */
} RadioCudaFrameLayout;

/* FALSE for an invalid frame. */
gboolean radio_cuda_frame_layout (const RadioFrame *frame,
    RadioCudaFrameLayout *layout);
/* Whether the placement is non-empty and inside the canvas. */
gboolean radio_cuda_placement_fits (const RadioPlacement *placement,
    gsize canvas_width, gsize canvas_height);

typedef struct {
  guint8 *host;   /* pinned, `bytes` */
  guint8 *device; /* `bytes` */
  gsize bytes;
} RadioCudaFrameStaging;

/* Copies the frame into the staging, queues its upload on `stream` and
 * fills the frame and placement fields of *pp (not the canvas, patch or
 * conditioner ones).  The caller has synchronised `stream` since the last
 * upload.  RADIO_ERROR_ARGUMENT for an invalid frame or placement. */
gboolean radio_cuda_frame_stage (RadioCudaFrameStaging *staging,
    const RadioFrame *frame, const RadioPlacement *placement,
    gsize canvas_width, gsize canvas_height, cudaStream_t stream,
    RadioCudaPreprocess *pp, GError **error);
void radio_cuda_frame_staging_clear (RadioCudaFrameStaging *staging);

G_END_DECLS
#endif /* RADIO_CUDA_FRAME_H */
