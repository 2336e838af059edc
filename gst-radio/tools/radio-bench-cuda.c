/* radio-bench-cuda.c: `radio-bench --backend cuda`. */
#include "radio-bench-cuda.h"

#include <stdio.h>

int
radio_bench_cuda_main (int argc, char **argv)
{
  fprintf (stderr, "radio-bench: the CUDA benchmark is not available in "
      "this build\n");
  return 1;
}
