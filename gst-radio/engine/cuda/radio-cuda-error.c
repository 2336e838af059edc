/* radio-cuda-error.c: CUDA runtime and cuBLAS failures as GErrors (see
 * radio-cuda-error.h). */
#include "radio-cuda-error.h"

RadioErrorCode
radio_cuda_error_code (cudaError_t status)
{
  switch (status) {
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorInvalidDevice:
    case cudaErrorDevicesUnavailable:
    case cudaErrorNoKernelImageForDevice:
    case cudaErrorUnsupportedPtxVersion:
    case cudaErrorSystemDriverMismatch:
    case cudaErrorCompatNotSupportedOnDevice:
    case cudaErrorStubLibrary:
    case cudaErrorSystemNotReady:
      return RADIO_ERROR_UNSUPPORTED;
    case cudaErrorMemoryAllocation:
      return RADIO_ERROR_ARGUMENT;
    default:
      return RADIO_ERROR_IO;
  }
}

gboolean
radio_cuda_check_cuda (cudaError_t status, const char *statement,
    const char *file, int line, GError **error)
{
  if (status == cudaSuccess)
    return TRUE;
  /* The runtime keeps a failed call's status as this thread's "last error"
   * until cudaGetLastError reads it, and every kernel launcher checks its
   * launch with cudaGetLastError: without this, an error reported here
   * (say cudaMalloc running out of memory for one runner) would make the
   * next good launch on this thread fail too.  Sticky errors stay. */
  (void) cudaGetLastError ();
  g_set_error (error, RADIO_ERROR, radio_cuda_error_code (status),
      "CUDA error %s (%s) in %s at %s:%d", cudaGetErrorName (status),
      cudaGetErrorString (status), statement, file, line);
  return FALSE;
}

static const char *
cublas_status_name (cublasStatus_t status)
{
  switch (status) {
    case CUBLAS_STATUS_NOT_INITIALIZED:
      return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED:
      return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE:
      return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH:
      return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR:
      return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED:
      return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR:
      return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED:
      return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR:
      return "CUBLAS_STATUS_LICENSE_ERROR";
    default:
      return "unknown cuBLAS status";
  }
}

gboolean
radio_cuda_check_cublas (cublasStatus_t status, const char *statement,
    const char *file, int line, GError **error)
{
  RadioErrorCode code = RADIO_ERROR_IO;

  if (status == CUBLAS_STATUS_SUCCESS)
    return TRUE;
  if (status == CUBLAS_STATUS_ALLOC_FAILED)
    code = RADIO_ERROR_ARGUMENT;
  else if (status == CUBLAS_STATUS_NOT_INITIALIZED
      || status == CUBLAS_STATUS_ARCH_MISMATCH
      || status == CUBLAS_STATUS_NOT_SUPPORTED)
    code = RADIO_ERROR_UNSUPPORTED;
  g_set_error (error, RADIO_ERROR, code, "cuBLAS error %s (%d) in %s at "
      "%s:%d", cublas_status_name (status), (int) status, statement, file,
      line);
  return FALSE;
}
