/* patch.c: image to patch embeddings' input.
 *   image[H, W, 3] float RGB in [0, 1] (channels-last, row-major)
 *     -> patches[(H/P) * (W/P), 3 * P * P]
 * Each patch row is the normalised (x - mean[c]) / std[c] patch flattened
 * as channel, then row in patch, then column in patch, which is the order
 * of a PyTorch Conv2d / Linear patch-embedding weight over a CHW image.
 * Patches are in raster order (patch row major).  Also the depth-to-space
 * shuffle of upsampling adaptor heads.
 */
#include "radio-cpu.h"

#include <string.h>

void
radio_cpu_image_to_patches (float *patches, const float *image, size_t height,
    size_t width, size_t patch, const float mean[3], const float std[3])
{
  size_t grid_h, grid_w, py, px, c, i, j;
  size_t plen = 3 * patch * patch;

  if (patch == 0)
    return;
  grid_h = height / patch;
  grid_w = width / patch;

  for (py = 0; py < grid_h; py++) {
    for (px = 0; px < grid_w; px++) {
      float *out = patches + (py * grid_w + px) * plen;

      for (c = 0; c < 3; c++) {
        for (i = 0; i < patch; i++) {
          const float *src
              = image + ((py * patch + i) * width + px * patch) * 3 + c;
          float *dst = out + (c * patch + i) * patch;

          /* Divide rather than multiply by a reciprocal: that is what the
           * reference preprocessing does, so the results match exactly. */
          for (j = 0; j < patch; j++)
            dst[j] = (src[3 * j] - mean[c]) / std[c];
        }
      }
    }
  }
}

void
radio_cpu_depth_to_space (
    float *dst, const float *src, size_t h, size_t w, size_t u, size_t c)
{
  size_t i, j, u1, u2;

  for (i = 0; i < h; i++)
    for (j = 0; j < w; j++)
      for (u1 = 0; u1 < u; u1++)
        for (u2 = 0; u2 < u; u2++)
          memcpy (dst + ((i * u + u1) * w * u + j * u + u2) * c,
              src + (i * w + j) * u * u * c + (u1 * u + u2) * c,
              c * sizeof (float));
}
