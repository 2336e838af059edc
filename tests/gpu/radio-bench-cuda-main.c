/* radio-bench-cuda-main.c: the CUDA benchmark of radio-bench
 * (gst-radio/tools/radio-bench-cuda.c) as a program of its own, built with
 * the tests so that tests/gpu/device-check.sh and the smoke test can run it
 * whatever radio-bench's main does with --backend. */
#include "radio-bench-cuda.h"

int
main (int argc, char **argv)
{
  return radio_bench_cuda_main (argc, argv);
}
