/* radio-bench-cuda.h: the `radio-bench --backend cuda` benchmark, kept
 * apart from the CPU benchmark in radio-bench.c. */
#ifndef RADIO_BENCH_CUDA_H
#define RADIO_BENCH_CUDA_H

/* Runs the CUDA benchmark with radio-bench's full command line (argv still
 * holds --backend cuda).  Returns the process exit status. */
int radio_bench_cuda_main (int argc, char **argv);

#endif /* RADIO_BENCH_CUDA_H */
