/* radio-cuda-weights.h: the weights of one RADIO checkpoint on one CUDA
 * device, converted to one precision, in a single device allocation.
 *
 * Linear weights keep PyTorch's [out, in] row-major layout, converted to
 * the run's precision (RadioCudaDType), as are their biases (cuBLASLt's
 * bias epilogue reads the bias in the output's type).  LayerNorm weights,
 * layer scales, prefix tokens and the normalizer's mean stay float32; the
 * position-embedding grid stays in its stored dtype (it is only read once
 * per input size, by the resize).  Every tensor starts on a 256-byte
 * boundary, which satisfies cuBLASLt's and the kernels' alignment needs.
 *
 * Layout and conversion are plain host code (testable without a GPU):
 * radio_cuda_weights_layout() walks the checkpoint and, given the base
 * address of the allocation, fills a RadioCudaWeights with the addresses of
 * every tensor and returns the list of conversions that produce its bytes.
 *
 * radio_cuda_weights_acquire() keeps one upload per (checkpoint, device,
 * precision), reference counted and shared by every runner (a mutex guards
 * the cache); radio_cuda_weights_release() frees it after the last user.
 */
#ifndef RADIO_CUDA_WEIGHTS_H
#define RADIO_CUDA_WEIGHTS_H

#include <glib.h>

#include "radio-checkpoint.h"
#include "radio-cuda-kernels.h"

G_BEGIN_DECLS

/* y = x W^T + b.  The embedder's rows are zero-padded to a multiple of 8
 * elements (3*14*14 = 588 -> 592), so that its rows stay 16-byte aligned. */
typedef struct {
  const void *weight; /* [out_dim, ld] dtype; columns in_dim .. ld-1 zero */
  const void *bias;   /* [out_dim] dtype, or NULL */
  guint in_dim, out_dim;
  guint ld;           /* elements per weight row, >= in_dim */
} RadioCudaLinear;

typedef struct {
  const float *weight; /* [dim] */
  const float *bias;   /* [dim] */
  guint dim;           /* 0: absent */
  float eps;
} RadioCudaNorm;

typedef struct {
  RadioCudaNorm norm1;     /* [D] */
  RadioCudaLinear qkv;     /* [3D, D] */
  RadioCudaLinear proj;    /* [D, D] */
  const float *ls1;        /* [D] or NULL */
  RadioCudaNorm norm2;     /* [D] */
  RadioCudaLinear fc1;     /* [hidden, D] */
  RadioCudaNorm mlp_norm;  /* [hidden], *_mlpnorm models only */
  RadioCudaLinear fc2;     /* [D, hidden] */
  const float *ls2;        /* [D] or NULL */
} RadioCudaBlock;

/* The "v2" adaptor MLP (RadioMlp). */
typedef struct {
  RadioCudaNorm pre_norm;          /* [in] or absent */
  RadioCudaLinear fc1;             /* [hidden, in] */
  guint num_inner;
  RadioCudaNorm *inner_norms;      /* [num_inner] of [hidden] */
  RadioCudaLinear *inner_linears;  /* [num_inner] of [hidden, hidden] */
  RadioCudaNorm final_norm;        /* [hidden] */
  RadioCudaLinear final_linear;    /* [u*u*output_dim, hidden] */
  guint upsample_factor;           /* u */
  guint output_dim;
} RadioCudaMlp;

typedef struct {
  const RadioAdaptor *source;
  RadioCudaMlp summary;
  RadioCudaMlp feature;
} RadioCudaAdaptor;

typedef struct {
  RadioCudaDType dtype;
  RadioCudaLinear embedder;       /* [D, ld >= 3*P*P] */
  const void *pos_grid;           /* [R, R, D] in pos_dtype */
  RadioCudaDType pos_dtype;       /* the checkpoint's dtype */
  const float *prefix_tokens;     /* [T, D] */
  const int *summary_idxs;        /* [S] */
  RadioCudaNorm patch_norm;       /* [D] or absent */
  RadioCudaBlock *blocks;         /* [depth], host array */
  RadioCudaNorm final_norm;       /* [D] or absent */
  const float *normalizer_mean;   /* [D] or NULL */
  RadioCudaLinear normalizer;     /* tx [D, D] as a Linear without bias */
  guint n_adaptors;
  RadioCudaAdaptor *adaptors;     /* [n_adaptors], checkpoint order */
  guint64 bytes;                  /* size of the device allocation */
} RadioCudaWeights;

/* One conversion: the bytes at `offset` of the allocation. */
typedef enum {
  RADIO_CUDA_JOB_MATRIX, /* view [rows, cols] -> dtype [rows, ld] */
  RADIO_CUDA_JOB_VECTOR, /* float [cols] -> dtype [cols] */
  RADIO_CUDA_JOB_FLOATS, /* float [cols] -> float [cols] */
  RADIO_CUDA_JOB_STORED, /* view [cols] copied in its stored dtype */
  RADIO_CUDA_JOB_INDICES, /* guint [cols] -> int32 [cols] */
} RadioCudaJobKind;

typedef struct {
  RadioCudaJobKind kind;
  gsize offset;          /* bytes from the allocation's start */
  gsize bytes;
  RadioTensorView view;  /* MATRIX, STORED */
  const float *floats;   /* VECTOR, FLOATS */
  const guint *indices;  /* INDICES */
  gsize rows, cols, ld;
} RadioCudaWeightJob;

/* Fills *weights with the addresses its tensors get when the allocation
 * starts at `base` (may be NULL to only measure) and appends one
 * RadioCudaWeightJob per tensor to `jobs` (may be NULL).  The host arrays
 * inside *weights are newly allocated: free them with
 * radio_cuda_weights_clear().  Fails (RADIO_ERROR_UNSUPPORTED) on a stored
 * dtype it cannot convert. */
gboolean radio_cuda_weights_layout (RadioCheckpoint *ckpt,
    RadioCudaDType dtype, guint8 *base, RadioCudaWeights *weights,
    GArray *jobs, GError **error);
void radio_cuda_weights_clear (RadioCudaWeights *weights);

/* Writes the job's bytes (job->bytes of them) to dst. */
void radio_cuda_weight_job_fill (const RadioCudaWeightJob *job,
    RadioCudaDType dtype, void *dst);

/* The shared, uploaded weights for (ckpt, device, dtype); the caller has
 * made `device` current.  Release with radio_cuda_weights_release(). */
const RadioCudaWeights *radio_cuda_weights_acquire (RadioCheckpoint *ckpt,
    int device, RadioCudaDType dtype, GError **error);
void radio_cuda_weights_release (const RadioCudaWeights *weights);

G_END_DECLS
#endif /* RADIO_CUDA_WEIGHTS_H */
