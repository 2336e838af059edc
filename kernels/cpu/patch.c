/* patch.c: image to patch embeddings' input.
 *   image[H, W, 3] float RGB in [0, 1] (channels-last, row-major)
 *     -> patches[(H/P) * (W/P), 3 * P * P]
 * Each patch row is the normalised (x - mean[c]) / std[c] patch flattened
 * as channel, then row in patch, then column in patch, which is the order
 * of a PyTorch Conv2d / Linear patch-embedding weight over a CHW image.
 * Patches are in raster order (patch row major).
 */
#include "radio-cpu.h"

void
radio_cpu_image_to_patches (float *patches, const float *image,
    size_t height, size_t width, size_t patch, const float mean[3],
    const float std[3])
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
          const float *src = image + ((py * patch + i) * width
              + px * patch) * 3 + c;
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
