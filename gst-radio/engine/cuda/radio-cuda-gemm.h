/* radio-cuda-gemm.h: the Linear layers of the CUDA backend,
 *   y[rows, out] = x[rows, ld] W[out, ld]^T + b[out]   [then GELU]
 *   (y += ... when accumulating, the adaptors' residual blocks),
 * on cuBLASLt, with the bias and bias+GELU epilogues.  This is the only
 * code that calls cuBLAS.
 *
 * A RadioCudaGemm owns a cuBLASLt handle, its workspace and a cache of
 * matmul plans (descriptors and the heuristic's algorithm per shape), so a
 * forward pass only looks plans up: the first run creates them, graph
 * capture and replays reuse them.  One per stream; not thread-safe.
 *
 * Precision: float32 runs compute in float32 with TF32 off
 * (CUBLAS_COMPUTE_32F), so they are a faithful check of the CPU path;
 * fp16 / bf16 runs read and write 16-bit values and accumulate in float32.
 * cuBLASLt's GELU epilogue is the tanh approximation, so it is only used
 * when `fused_gelu` is set (16-bit runs, where its difference to the erf
 * form, at most ~4e-4, is below the storage's rounding); otherwise GELU is
 * radio_cuda_gelu after the product.
 */
#ifndef RADIO_CUDA_GEMM_H
#define RADIO_CUDA_GEMM_H

#include <glib.h>

#include "radio-cuda-kernels.h"
#include "radio-cuda-weights.h"

G_BEGIN_DECLS

typedef struct _RadioCudaGemm RadioCudaGemm;

/* The current device's; workspace_bytes of cuBLASLt workspace. */
RadioCudaGemm *radio_cuda_gemm_new (RadioCudaDType dtype,
    gboolean fused_gelu, gsize workspace_bytes, GError **error);
void radio_cuda_gemm_free (RadioCudaGemm *gemm);
gsize radio_cuda_gemm_get_workspace_bytes (RadioCudaGemm *gemm);

/* y = x W^T + b [GELU] for x[rows, lin->ld] and y[rows, lin->out_dim],
 * both in the gemm's dtype; with `accumulate`, y += x W^T + b.  Enqueued on
 * `stream`; capturable. */
gboolean radio_cuda_gemm_linear (RadioCudaGemm *gemm, cudaStream_t stream,
    void *y, const void *x, gsize rows, const RadioCudaLinear *lin,
    gboolean gelu, gboolean accumulate, GError **error);

G_END_DECLS
#endif /* RADIO_CUDA_GEMM_H */
