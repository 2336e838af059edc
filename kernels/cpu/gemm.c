/* gemm.c: C[M, N] = alpha A[M, K] op(B) + beta C in float32, row-major with
 * leading dimensions, through cblas_sgemm when the build has a CBLAS
 * (RADIO_HAVE_CBLAS, meson option `blas`) and through linear.c's blocked
 * kernels otherwise.  B is [N, K] (op = transpose: PyTorch Linear weights,
 * attention keys) or [K, N] (attention values).
 *
 * This is the only file that calls the BLAS.  Row-major CBLAS with
 * CblasTrans on B computes A B^T directly from a [out, in] weight, so
 * weights are never transposed in memory.
 */
#include "radio-cpu.h"

#include <limits.h>
#include <stdint.h>

#if RADIO_HAVE_CBLAS
#include <cblas.h>
#endif

int
radio_cpu_have_blas (void)
{
  return RADIO_HAVE_CBLAS ? 1 : 0;
}

const char *
radio_cpu_blas_name (void)
{
#if RADIO_HAVE_OPENBLAS
  /* e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY SkylakeX
   * MAX_THREADS=64": version, build options and the kernels picked for
   * this CPU, in a string OpenBLAS owns. */
  return openblas_get_config ();
#elif RADIO_HAVE_CBLAS
  return "CBLAS";
#else
  return "none";
#endif
}

void
radio_cpu_blas_set_threads (int n_threads)
{
#if RADIO_HAVE_OPENBLAS
  if (n_threads >= 1 && openblas_get_num_threads () != n_threads)
    openblas_set_num_threads (n_threads);
#else
  (void) n_threads;
#endif
}

int
radio_cpu_blas_get_threads (void)
{
#if RADIO_HAVE_OPENBLAS
  return openblas_get_num_threads ();
#else
  return 1;
#endif
}

size_t
radio_cpu_gemm_scratch_floats (void)
{
  return radio_cpu_linear_scratch_floats ();
}

#if RADIO_HAVE_CBLAS
static int
fits_blas_int (size_t v)
{
  return v <= (size_t) INT_MAX;
}
#endif

void
radio_cpu_gemm (RadioCpuGemmImpl impl, RadioCpuGemmLayout layout, size_t M,
    size_t N, size_t K, float alpha, const float *a, size_t lda,
    RadioTensorView b, size_t ldb, float beta, float *c, size_t ldc,
    float *scratch)
{
  if (M == 0 || N == 0)
    return;
#if RADIO_HAVE_CBLAS
  if (impl == RADIO_CPU_GEMM_BLAS && K > 0 && b.dtype == RADIO_DTYPE_F32
      && (uintptr_t) b.data % sizeof (float) == 0
      && (uintptr_t) a % sizeof (float) == 0
      && fits_blas_int (M) && fits_blas_int (N) && fits_blas_int (K)
      && fits_blas_int (lda) && fits_blas_int (ldb) && fits_blas_int (ldc)) {
    cblas_sgemm (CblasRowMajor, CblasNoTrans,
        layout == RADIO_CPU_GEMM_B_NK ? CblasTrans : CblasNoTrans,
        (int) M, (int) N, (int) K, alpha, a, (int) lda,
        (const float *) b.data, (int) ldb, beta, c, (int) ldc);
    return;
  }
#else
  (void) impl;
#endif
  radio_cpu_gemm_plain (layout, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc,
      scratch);
}
