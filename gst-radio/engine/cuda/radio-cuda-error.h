/* radio-cuda-error.h: CUDA runtime and cuBLAS failures as GErrors.
 *
 * RADIO_CUDA_CHECK (statement, error) runs a statement returning a
 * cudaError_t or a cublasStatus_t and evaluates to TRUE when it succeeded;
 * otherwise it sets *error (RADIO_ERROR domain) to a message naming the
 * statement, the status and file:line, and evaluates to FALSE:
 *
 *   if (!RADIO_CUDA_CHECK (cudaMalloc (&p, n), error))
 *     goto fail;
 *
 * Codes: RADIO_ERROR_UNSUPPORTED when the driver, the device or a kernel
 * image for it is missing, RADIO_ERROR_ARGUMENT when device memory runs out
 * (as the CPU path reports its allocation failures), RADIO_ERROR_IO for
 * every other device failure.  Nothing here exits or aborts.
 */
#ifndef RADIO_CUDA_ERROR_H
#define RADIO_CUDA_ERROR_H

#include <glib.h>

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include "radio-error.h"

G_BEGIN_DECLS

gboolean radio_cuda_check_cuda (cudaError_t status, const char *statement,
    const char *file, int line, GError **error);
gboolean radio_cuda_check_cublas (cublasStatus_t status,
    const char *statement, const char *file, int line, GError **error);

/* The statement is evaluated once; _Generic only looks at its type. */
#define RADIO_CUDA_CHECK(statement, error) \
  _Generic ((statement), \
      cublasStatus_t: radio_cuda_check_cublas, \
      default: radio_cuda_check_cuda) ((statement), #statement, __FILE__, \
      __LINE__, (error))

/* The RADIO_ERROR code for a CUDA runtime status (see above). */
RadioErrorCode radio_cuda_error_code (cudaError_t status);

G_END_DECLS
#endif /* RADIO_CUDA_ERROR_H */
