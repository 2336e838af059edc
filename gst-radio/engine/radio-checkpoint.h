/* radio-checkpoint.h: a RADIO checkpoint folder (config.json plus one or
 * more safetensors files) resolved into an architecture description and
 * typed views of every weight the forward pass uses.
 *
 * Large matrices (Linear weights, the position-embedding grid, the feature
 * normalizer) stay in the mapped files in their stored dtype; vectors (norm
 * weights, biases, layer scales, prefix tokens) are widened to float32 once
 * at load.  Linear weights are PyTorch's [out, in].
 */
#ifndef RADIO_CHECKPOINT_H
#define RADIO_CHECKPOINT_H

#include <glib.h>

#include "radio-cpu.h"

G_BEGIN_DECLS

#define RADIO_TENSOR_PREFIX "radio_model."

typedef enum {
  RADIO_POS_INTERP_AUTO = 0,
  RADIO_POS_INTERP_ALIGN_CORNERS,
  RADIO_POS_INTERP_HALF_PIXEL,
} RadioPosInterp;

/* A Linear layer: y = x W^T + b. */
typedef struct {
  RadioTensorView weight; /* [out_dim, in_dim] */
  const float *bias;      /* [out_dim] or NULL */
  guint in_dim;
  guint out_dim;
} RadioLinear;

/* A LayerNorm; dim == 0 means "absent". */
typedef struct {
  const float *weight; /* [dim] */
  const float *bias;   /* [dim] */
  guint dim;
  float eps;
} RadioNorm;

typedef struct {
  RadioNorm norm1;
  RadioLinear qkv;      /* [3D, D] */
  RadioLinear proj;     /* [D, D] */
  const float *ls1;     /* [D] or NULL */
  RadioNorm norm2;
  RadioLinear fc1;      /* [hidden, D] */
  RadioNorm mlp_norm;   /* [hidden], only in *_mlpnorm models */
  RadioLinear fc2;      /* [D, hidden] */
  const float *ls2;     /* [D] or NULL */
} RadioBlock;

/* The "v2" adaptor MLP: [pre_norm LN+GELU] fc1, num_inner residual
 * (LN, GELU, Linear) blocks, final LN, GELU, Linear. */
typedef struct {
  RadioNorm pre_norm; /* dim 0 when absent */
  RadioLinear fc1;
  guint num_inner;
  RadioNorm *inner_norms;     /* [num_inner] */
  RadioLinear *inner_linears; /* [num_inner] */
  RadioNorm final_norm;
  RadioLinear final_linear;
  guint upsample_factor; /* output pixels per token per axis (feature MLP) */
  guint output_dim;      /* channels per output pixel */
} RadioMlp;

typedef struct {
  char *name;
  guint head_idx; /* which backbone token feeds the summary head */
  RadioMlp summary;
  RadioMlp feature;
} RadioAdaptor;

/* A timm architecture RADIO is built on (radio-model.md section 1). */
typedef struct {
  const char *name;
  guint embed_dim, depth, num_heads, mlp_hidden, patch_size;
} RadioArchSpec;

/* NULL for a name not in the table. */
const RadioArchSpec *radio_arch_spec_lookup (const char *name);

typedef struct _RadioCheckpoint RadioCheckpoint;

struct _RadioCheckpoint {
  /*< private >*/
  gint ref_count;
  GPtrArray *files;     /* RadioSafetensors* */
  GHashTable *tensors;  /* full name -> const RadioTensorInfo* */
  GHashTable *consumed; /* full names used by the model */
  GPtrArray *owned;     /* float buffers converted at load */

  /*< public, read-only >*/
  char *path;           /* the folder or file given to the loader */
  char *version;        /* config "version", e.g. "c-radio_v3-h" */
  char *arch_name;      /* args.model, e.g. "vit_huge_patch16_224" */
  guint patch_size;     /* P */
  guint embed_dim;      /* D */
  guint depth;
  guint num_heads;
  guint head_dim;
  guint mlp_hidden;
  guint num_cls_tokens; /* C */
  guint num_registers;
  guint num_prefix_tokens; /* T = C + registers */
  guint pos_grid;       /* R: the stored position grid is R x R */
  guint max_resolution;
  guint preferred_height, preferred_width;
  RadioPosInterp pos_interp; /* resolved from version, never AUTO */
  RadioDType weight_dtype;   /* dtype of the patch embedder weight */
  gboolean random_weights;   /* a gst-radio random-weight model */
  guint64 n_parameters;
  guint64 file_bytes;

  guint n_summary;
  guint *summary_idxs; /* [n_summary], each < C */
  float cond_mean[3];
  float cond_std[3];

  RadioLinear embedder;       /* [D, 3*P*P] */
  RadioTensorView pos_embed;  /* [R, R, D] */
  const float *prefix_tokens; /* [T, D] */
  RadioNorm patch_norm;       /* optional */
  RadioBlock *blocks;         /* [depth] */
  RadioNorm final_norm;       /* only when args.model_norm */
  const float *normalizer_mean; /* [D] or NULL */
  RadioTensorView normalizer_tx; /* [D, D], valid when normalizer_mean */
  guint n_adaptors;
  RadioAdaptor *adaptors;
};

/* Loads a folder holding config.json and model.safetensors (or a sharded
 * model.safetensors.index.json), or a .safetensors file with config.json
 * beside it.  Every failure is a RADIO_ERROR naming the file and reason. */
RadioCheckpoint *radio_checkpoint_load (const char *path, GError **error);
RadioCheckpoint *radio_checkpoint_ref (RadioCheckpoint *ckpt);
void radio_checkpoint_unref (RadioCheckpoint *ckpt);

/* NULL when the checkpoint has no adaptor of that name. */
const RadioAdaptor *radio_checkpoint_find_adaptor (RadioCheckpoint *ckpt,
    const char *name);

/* The release's position-embedding interpolation: align-corners up to
 * C-RADIOv3, half-pixel from C-RADIOv4 on. */
RadioPosInterp radio_pos_interp_for_version (const char *version);
const char *radio_pos_interp_name (RadioPosInterp interp);
/* "auto", "align-corners", "half-pixel"; returns FALSE on anything else. */
gboolean radio_pos_interp_from_name (const char *name, RadioPosInterp *out);

/* Multi-line human-readable description (radio-inspect). */
char *radio_checkpoint_describe (RadioCheckpoint *ckpt);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RadioCheckpoint, radio_checkpoint_unref)

G_END_DECLS
#endif /* RADIO_CHECKPOINT_H */
