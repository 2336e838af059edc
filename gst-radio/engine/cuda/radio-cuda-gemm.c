/* radio-cuda-gemm.c: Linear layers on cuBLASLt (see radio-cuda-gemm.h).
 *
 * Layout mapping, done once here: cuBLASLt is column-major and computes
 * D[m, n] = op(A)[m, k] op(B)[k, n] (+ C) with the bias broadcast along
 * the m rows.  Our matrices are row-major, and a row-major [r, c] matrix is
 * the column-major [c, r] matrix with the same bytes.  So for
 *   y[rows, out] = x[rows, ld] W[out, ld]^T + b:
 *   D = y seen column-major:        m = out, n = rows, ld = out
 *   A = W seen column-major [ld, out] (ld = ld), op(A) = A^T = [out, ld]
 *   B = x seen column-major [ld, rows] (ld = ld), op(B) = B
 *   k = ld (the embedder's zero padding columns add nothing)
 * i.e. TRANSA = T, TRANSB = N, and the bias (length m = out) is per output
 * channel, as PyTorch's.
 */
#include "radio-cuda-gemm.h"

#include "radio-cuda-error.h"

typedef struct {
  /* key */
  guint64 m, n, k;
  cublasLtEpilogue_t epilogue;
  gboolean accumulate;
  guint32 align_a, align_b, align_c;
  /* plan */
  cublasLtMatmulDesc_t desc;
  cublasLtMatrixLayout_t a, b, c;
  cublasLtMatmulAlgo_t algo;
} Plan;

struct _RadioCudaGemm {
  RadioCudaDType dtype;
  gboolean fused_gelu;
  cublasLtHandle_t handle;
  void *workspace;
  gsize workspace_bytes;
  GPtrArray *plans; /* Plan* */
};

static cudaDataType_t
data_type (RadioCudaDType dtype)
{
  return dtype == RADIO_CUDA_F32 ? CUDA_R_32F
      : dtype == RADIO_CUDA_F16 ? CUDA_R_16F : CUDA_R_16BF;
}

/* Largest power of two up to 256 dividing the address: what the heuristic
 * may assume about a pointer. */
static guint32
alignment (const void *p)
{
  guintptr a = (guintptr) p;
  guint32 align = 256;

  while (align > 1 && a % align)
    align /= 2;
  return align;
}

static void
plan_free (gpointer data)
{
  Plan *p = data;

  if (p->a)
    cublasLtMatrixLayoutDestroy (p->a);
  if (p->b)
    cublasLtMatrixLayoutDestroy (p->b);
  if (p->c)
    cublasLtMatrixLayoutDestroy (p->c);
  if (p->desc)
    cublasLtMatmulDescDestroy (p->desc);
  g_free (p);
}

RadioCudaGemm *
radio_cuda_gemm_new (RadioCudaDType dtype, gboolean fused_gelu,
    gsize workspace_bytes, GError **error)
{
  RadioCudaGemm *g = g_new0 (RadioCudaGemm, 1);

  g->dtype = dtype;
  g->fused_gelu = fused_gelu;
  g->workspace_bytes = workspace_bytes;
  g->plans = g_ptr_array_new_with_free_func (plan_free);
  if (!RADIO_CUDA_CHECK (cublasLtCreate (&g->handle), error)
      || (workspace_bytes && !RADIO_CUDA_CHECK (cudaMalloc (&g->workspace,
                  workspace_bytes), error))) {
    radio_cuda_gemm_free (g);
    return NULL;
  }
  return g;
}

void
radio_cuda_gemm_free (RadioCudaGemm *g)
{
  if (!g)
    return;
  g_ptr_array_unref (g->plans);
  if (g->workspace)
    cudaFree (g->workspace);
  if (g->handle)
    cublasLtDestroy (g->handle);
  g_free (g);
}

gsize
radio_cuda_gemm_get_workspace_bytes (RadioCudaGemm *g)
{
  return g->workspace_bytes;
}

static Plan *
plan_create (RadioCudaGemm *g, const Plan *key, const void *bias,
    GError **error)
{
  Plan *p = g_memdup2 (key, sizeof *key);
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F; /* no TF32 */
  cudaDataType_t type = data_type (g->dtype);
  cublasOperation_t trans_a = CUBLAS_OP_T, trans_b = CUBLAS_OP_N;
  cublasLtMatmulPreference_t pref = NULL;
  cublasLtMatmulHeuristicResult_t result;
  guint64 workspace = g->workspace_bytes;
  int found = 0;
  gboolean ok;

  p->desc = NULL;
  p->a = p->b = p->c = NULL;
  ok = RADIO_CUDA_CHECK (cublasLtMatmulDescCreate (&p->desc, compute,
          CUDA_R_32F), error)
      && RADIO_CUDA_CHECK (cublasLtMatmulDescSetAttribute (p->desc,
          CUBLASLT_MATMUL_DESC_TRANSA, &trans_a, sizeof trans_a), error)
      && RADIO_CUDA_CHECK (cublasLtMatmulDescSetAttribute (p->desc,
          CUBLASLT_MATMUL_DESC_TRANSB, &trans_b, sizeof trans_b), error)
      && RADIO_CUDA_CHECK (cublasLtMatmulDescSetAttribute (p->desc,
          CUBLASLT_MATMUL_DESC_EPILOGUE, &p->epilogue, sizeof p->epilogue),
          error)
      && (!bias || RADIO_CUDA_CHECK (cublasLtMatmulDescSetAttribute (p->desc,
              CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias), error))
      && RADIO_CUDA_CHECK (cublasLtMatrixLayoutCreate (&p->a, type, p->k,
          p->m, (int64_t) p->k), error)
      && RADIO_CUDA_CHECK (cublasLtMatrixLayoutCreate (&p->b, type, p->k,
          p->n, (int64_t) p->k), error)
      && RADIO_CUDA_CHECK (cublasLtMatrixLayoutCreate (&p->c, type, p->m,
          p->n, (int64_t) p->m), error)
      && RADIO_CUDA_CHECK (cublasLtMatmulPreferenceCreate (&pref), error)
      && RADIO_CUDA_CHECK (cublasLtMatmulPreferenceSetAttribute (pref,
          CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace,
          sizeof workspace), error)
      && RADIO_CUDA_CHECK (cublasLtMatmulPreferenceSetAttribute (pref,
          CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &p->align_a,
          sizeof p->align_a), error)
      && RADIO_CUDA_CHECK (cublasLtMatmulPreferenceSetAttribute (pref,
          CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &p->align_b,
          sizeof p->align_b), error)
      && RADIO_CUDA_CHECK (cublasLtMatmulPreferenceSetAttribute (pref,
          CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &p->align_c,
          sizeof p->align_c), error)
      && RADIO_CUDA_CHECK (cublasLtMatmulPreferenceSetAttribute (pref,
          CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &p->align_c,
          sizeof p->align_c), error)
      && RADIO_CUDA_CHECK (cublasLtMatmulAlgoGetHeuristic (g->handle,
          p->desc, p->a, p->b, p->c, p->c, pref, 1, &result, &found), error);
  if (pref)
    cublasLtMatmulPreferenceDestroy (pref);
  if (ok && found < 1) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED,
        "cuBLASLt has no algorithm for a %s product of %" G_GUINT64_FORMAT
        "x%" G_GUINT64_FORMAT "x%" G_GUINT64_FORMAT " (epilogue %d)",
        g->dtype == RADIO_CUDA_F32 ? "float32" : g->dtype == RADIO_CUDA_F16
        ? "float16" : "bfloat16", p->n, p->k, p->m, (int) p->epilogue);
    ok = FALSE;
  }
  if (!ok) {
    plan_free (p);
    return NULL;
  }
  p->algo = result.algo;
  return p;
}

gboolean
radio_cuda_gemm_linear (RadioCudaGemm *g, cudaStream_t stream, void *y,
    const void *x, gsize rows, const RadioCudaLinear *lin, gboolean gelu,
    gboolean accumulate, GError **error)
{
  const float alpha = 1.0f, beta = accumulate ? 1.0f : 0.0f;
  gboolean fuse_gelu = gelu && g->fused_gelu;
  Plan key = { 0 }, *plan = NULL;
  guint i;

  if (rows == 0)
    return TRUE;
  key.m = lin->out_dim;
  key.n = rows;
  key.k = lin->ld;
  if (fuse_gelu)
    key.epilogue = lin->bias ? CUBLASLT_EPILOGUE_GELU_BIAS
        : CUBLASLT_EPILOGUE_GELU;
  else
    key.epilogue = lin->bias ? CUBLASLT_EPILOGUE_BIAS
        : CUBLASLT_EPILOGUE_DEFAULT;
  key.accumulate = accumulate;
  key.align_a = alignment (lin->weight);
  key.align_b = alignment (x);
  key.align_c = alignment (y);

  for (i = 0; i < g->plans->len && !plan; i++) {
    Plan *p = g_ptr_array_index (g->plans, i);
    if (p->m == key.m && p->n == key.n && p->k == key.k
        && p->epilogue == key.epilogue && p->accumulate == key.accumulate
        && p->align_a == key.align_a && p->align_b == key.align_b
        && p->align_c == key.align_c)
      plan = p;
  }
  if (!plan) {
    GError *local = NULL;

    plan = plan_create (g, &key, lin->bias, &local);
    if (!plan && fuse_gelu) {
      /* No algorithm with the GELU epilogue for this shape: GELU runs as
       * its own kernel from now on. */
      g_clear_error (&local);
      g->fused_gelu = FALSE;
      return radio_cuda_gemm_linear (g, stream, y, x, rows, lin, gelu,
          accumulate, error);
    }
    if (!plan) {
      g_propagate_error (error, local);
      return FALSE;
    }
    g_ptr_array_add (g->plans, plan);
  }

  /* Plans are shared by layers of the same shape: point at this one's
   * bias (a host-side attribute, read when the matmul is enqueued). */
  if (lin->bias && !RADIO_CUDA_CHECK (cublasLtMatmulDescSetAttribute (
              plan->desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &lin->bias,
              sizeof lin->bias), error))
    return FALSE;
  if (!RADIO_CUDA_CHECK (cublasLtMatmul (g->handle, plan->desc, &alpha,
              lin->weight, plan->a, x, plan->b, &beta, y, plan->c, y,
              plan->c, &plan->algo, g->workspace, g->workspace_bytes,
              stream), error))
    return FALSE;
  if (gelu && !fuse_gelu
      && !RADIO_CUDA_CHECK (radio_cuda_gelu (y, g->dtype,
              rows * lin->out_dim, stream), error))
    return FALSE;
  return TRUE;
}
