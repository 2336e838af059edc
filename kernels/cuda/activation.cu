// activation.cu: elementwise GELU (erf form, PyTorch's exact GELU) in
// place on x[n] of any activation type; reference radio_cpu_gelu.  The
// transformer MLPs use it in float32 runs, where cuBLASLt's GELU epilogue
// (the tanh approximation) would not be a faithful check of the CPU path.
#include "radio-cuda-device.cuh"

template <typename T>
static __global__ void
gelu_kernel (T *x, size_t n)
{
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x)
    store_float (x + i, gelu_erf (to_float (x[i])));
}

extern "C" cudaError_t
radio_cuda_gelu (void *x, RadioCudaDType dtype, size_t n, cudaStream_t stream)
{
  const unsigned block = 256;

  if (n == 0)
    return cudaSuccess;
  RADIO_CUDA_DISPATCH (dtype, T,
      gelu_kernel<T><<<grid_for (n, block), block, 0, stream>>> ((T *) x,
          n));
  return cudaGetLastError ();
}

// Whether this build has code the current device can run: the attributes
// of one kernel can only be read when its image (SASS for the device, or
// PTX it can JIT) is there.
extern "C" cudaError_t
radio_cuda_kernels_check (void)
{
  cudaFuncAttributes attributes;

  return cudaFuncGetAttributes (&attributes, gelu_kernel<float>);
}
