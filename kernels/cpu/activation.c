/* activation.c: elementwise activations on float32 arrays, in place.
 *   gelu  x = 0.5 x (1 + erf(x / sqrt 2))   (PyTorch's exact GELU, not the
 *         tanh approximation, which is what the RADIO MLPs were trained
 *         with)
 */
#include "radio-cpu.h"

#include <math.h>

#ifndef M_SQRT1_2
#define M_SQRT1_2 0.70710678118654752440
#endif

void
radio_cpu_gelu (float *x, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++) {
    float v = x[i];

    x[i] = 0.5f * v * (1.0f + erff (v * (float) M_SQRT1_2));
  }
}
