/* test-reference: the CPU forward pass against an independent, naive
 * double-precision implementation of docs/radio-model.md, sections 1-3.
 *
 * The golden cases (test-golden) come from the upstream implementation but
 * leave many optional parts of the model unexercised.  Each test here builds
 * a small checkpoint of its own in a temporary folder (config.json written
 * as text, model.safetensors with deterministic pseudo-random weights at
 * ViT-like scales), runs the engine on it and compares every output with a
 * reference written from the specification alone, not from the engine's
 * code, so that a misreading of the specification in the engine is not
 * repeated here:
 *
 *   all-optional   mlpnorm, layer scale (ls*.gamma), final norm
 *                  (args.model_norm), patch normalizer, embedder bias, a
 *                  block whose qkv has no bias, feature normalizer,
 *                  cpe_num_registers overriding register_multiple, one CLS
 *                  token per unique teacher name (duplicates), unordered
 *                  summary_idxs, and two adaptors covering inner blocks,
 *                  pre_norm and a feature head with upsample_factor 2;
 *   layer-norm-eps the same model with small activations, so that the eps of
 *                  every LayerNorm (1e-6 in the backbone, 1e-5 in the patch
 *                  normalizer, mlp.norm and the adaptors) shows;
 *   f16, bf16      weights stored in half precision (the reference widens
 *                  the same stored values with its own decoder), a single
 *                  CLS token, no registers;
 *   pos-*          the position-embedding grid used as is, resized up and
 *                  down to m x m and cropped, in the release's mode and in
 *                  the other one forced through radio_forward_new, with
 *                  cpe_max_size not a multiple of the patch size;
 *   input-resize   radio_forward_run_rgb8 on frames of other sizes (and
 *                  padded strides), resized bilinearly with half-pixel
 *                  centres.
 *
 * Every output must satisfy max|engine - reference| <= 1e-4 * std(reference),
 * the tolerance of float32 paths in tests/data/golden/README.md.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "test-util.h"
#include "radio-checkpoint.h"
#include "radio-cpu.h"
#include "radio-model.h"
#include "radio-safetensors.h"

#define TOLERANCE 1e-4
#define MAX_DEPTH 4
#define MAX_INNER 4
#define MAX_ADAPTORS 2
#define MAX_SUMMARY 4
#define MAX_RUNS 8

/* ---- what a test builds and runs ---------------------------------------- */

typedef struct {
  guint hidden, out, num_inner, upsample; /* out: channels per pixel */
  gboolean pre_norm;
} MlpSpec;

typedef struct {
  const char *name;
  guint head_idx;
  MlpSpec summary, feature;
} AdaptorSpec;

typedef struct {
  guint seed;
  const char *version, *arch;
  RadioDType dtype; /* storage type of every weight but the conditioner */
  guint patch, dim, heads, depth, hidden;
  guint cpe_max_size, grid;   /* grid: R, worked out by hand */
  const char *teachers;       /* JSON list */
  gboolean cls_per_teacher;
  gint register_multiple;     /* -1: null */
  gint cpe_num_registers;     /* -1: null */
  guint n_cls, n_registers;   /* C and the registers, worked out by hand */
  guint n_summary;
  gint64 summary_idxs[MAX_SUMMARY];
  gboolean embed_bias, patch_norm, model_norm, layer_scale, mlp_norm;
  gboolean normalizer;
  gint no_qkv_bias_block;     /* -1: every block has a qkv bias */
  guint n_adaptors;
  AdaptorSpec adaptors[MAX_ADAPTORS];
} ModelSpec;

typedef struct {
  guint height, width;        /* model input */
  RadioPosInterp interp;      /* as given to radio_forward_new */
  guint src_height, src_width; /* 0: float input through radio_forward_run */
  guint stride_pad;           /* bytes after each source row */
  gboolean reuse;             /* run on the previous run's RadioForward */
} RunSpec;

typedef struct {
  const ModelSpec *model;
  double quiet; /* 0: 1, see build_model () */
  RunSpec runs[MAX_RUNS];
  guint n_runs;
} TestSpec;

/* ---- the reference model, in double ------------------------------------- */

typedef struct {
  const double *w; /* [out, in] */
  const double *b; /* [out] or NULL */
  guint in, out;
} RefLinear;

typedef struct {
  const double *w, *b;
  guint dim; /* 0: absent */
  double eps;
} RefNorm;

typedef struct {
  RefNorm norm1, norm2, mlp_norm;
  RefLinear qkv, proj, fc1, fc2;
  const double *ls1, *ls2; /* NULL: no layer scale */
} RefBlock;

typedef struct {
  RefNorm pre_norm;
  RefLinear fc1;
  guint num_inner;
  RefNorm inner_norms[MAX_INNER];
  RefLinear inner_linears[MAX_INNER];
  RefNorm final_norm;
  RefLinear final_linear;
  guint upsample, out_dim;
} RefMlp;

typedef struct {
  const char *name;
  guint head_idx;
  RefMlp summary, feature;
} RefAdaptor;

typedef struct {
  guint P, D, heads, depth, C, T, R, S;
  guint summary_idxs[MAX_SUMMARY];
  gboolean align_corners; /* the release's position-embedding mode */
  double cond_mean[3], cond_std[3];
  RefLinear embedder;
  const double *pos;    /* [R * R, D] */
  const double *prefix; /* [T, D] */
  RefNorm patch_norm, final_norm;
  RefBlock blocks[MAX_DEPTH];
  const double *norm_mean; /* [D] or NULL */
  const double *norm_tx;   /* [D, D] */
  guint n_adaptors;
  RefAdaptor adaptors[MAX_ADAPTORS];
} RefModel;

typedef struct {
  double *summary; /* [S * D] */
  double *spatial; /* [h * w * D] */
  double *adaptor_summary[MAX_ADAPTORS]; /* [out] */
  double *adaptor_spatial[MAX_ADAPTORS]; /* [h * u, w * u, out] */
} RefOutput;

/* ---- deterministic values ----------------------------------------------- */

/* splitmix64, mapped to [-1, 1). */
static double
rng_uniform (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  z ^= z >> 31;
  return (double) (z >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

/* IEEE binary16 to double, written out from the format's definition. */
static double
decode_f16 (guint16 h)
{
  guint exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  double v;

  if (exponent == 0)
    v = ldexp ((double) mantissa, -24);
  else if (exponent == 31)
    v = mantissa ? NAN : INFINITY;
  else
    v = ldexp ((double) (mantissa + 1024), (int) exponent - 25);
  return (h & 0x8000) ? -v : v;
}

/* bfloat16 is the top half of a binary32. */
static double
decode_bf16 (guint16 b)
{
  guint32 bits = (guint32) b << 16;
  float f;

  memcpy (&f, &bits, 4);
  return f;
}

/* ---- checkpoint builder ------------------------------------------------- */

typedef struct {
  RadioSafetensorsWriter *writer;
  RadioDType dtype;
  guint64 rng;
  GPtrArray *arrays; /* the double arrays the reference points into */
  double quiet;      /* scale of vectors and of the embedding */
} Builder;

/* Adds RADIO_TENSOR_PREFIX + name with values offset + std * U (U uniform
 * with unit variance), stored in dtype.  Returns the stored values widened
 * to double, owned by the builder. */
static const double *
builder_add (Builder *b, const char *name, RadioDType dtype, guint n_dims,
    const gint64 *shape, double offset, double std)
{
  gsize n = 1, i;
  double *values;
  guint8 *raw;
  char *full = g_strconcat (RADIO_TENSOR_PREFIX, name, NULL);

  for (i = 0; i < n_dims; i++)
    n *= (gsize) shape[i];
  values = g_new (double, n);
  raw = g_malloc (n * 4);
  for (i = 0; i < n; i++) {
    float v = (float) (offset + std * sqrt (3.0) * rng_uniform (&b->rng));
    guint16 half;

    switch (dtype) {
      case RADIO_DTYPE_F32:
        memcpy (raw + 4 * i, &v, 4);
        values[i] = v;
        break;
      case RADIO_DTYPE_F16:
        half = GUINT16_TO_LE (radio_f32_to_f16 (v));
        memcpy (raw + 2 * i, &half, 2);
        values[i] = decode_f16 (GUINT16_FROM_LE (half));
        break;
      case RADIO_DTYPE_BF16:
        half = GUINT16_TO_LE (radio_f32_to_bf16 (v));
        memcpy (raw + 2 * i, &half, 2);
        values[i] = decode_bf16 (GUINT16_FROM_LE (half));
        break;
      default:
        g_assert_not_reached ();
    }
    g_assert_true (isfinite (values[i]));
  }
  g_assert_true (radio_safetensors_writer_add (b->writer, full, dtype, n_dims,
          shape, raw));
  g_ptr_array_add (b->arrays, values);
  g_free (raw);
  g_free (full);
  return values;
}

static const double *
builder_vector (Builder *b, const char *name, guint n, double offset,
    double std)
{
  gint64 shape[1] = { n };

  return builder_add (b, name, b->dtype, 1, shape, offset, std);
}

/* A Linear layer: weight [out, in] with the given std, bias unless
 * with_bias is FALSE. */
static void
build_linear (Builder *b, RefLinear *l, const char *prefix, guint out,
    guint in, double std, gboolean with_bias)
{
  char name[256];
  gint64 shape[2] = { out, in };

  g_snprintf (name, sizeof (name), "%s.weight", prefix);
  l->w = builder_add (b, name, b->dtype, 2, shape, 0.0, std);
  l->b = NULL;
  if (with_bias) {
    g_snprintf (name, sizeof (name), "%s.bias", prefix);
    l->b = builder_vector (b, name, out, 0.0, 0.1 * b->quiet);
  }
  l->in = in;
  l->out = out;
}

/* A LayerNorm with weights around 1 and small biases. */
static void
build_norm (Builder *b, RefNorm *n, const char *prefix, guint dim, double eps)
{
  char name[256];

  g_snprintf (name, sizeof (name), "%s.weight", prefix);
  n->w = builder_vector (b, name, dim, b->quiet, 0.15 * b->quiet);
  g_snprintf (name, sizeof (name), "%s.bias", prefix);
  n->b = builder_vector (b, name, dim, 0.0, 0.1 * b->quiet);
  n->dim = dim;
  n->eps = eps;
}

static void
build_mlp (Builder *b, RefMlp *mlp, const char *prefix, const MlpSpec *s,
    guint in_dim)
{
  char name[256];
  guint i, u = s->upsample;

  memset (mlp, 0, sizeof (*mlp));
  if (s->pre_norm) {
    g_snprintf (name, sizeof (name), "%s.pre_norm.0", prefix);
    build_norm (b, &mlp->pre_norm, name, in_dim, 1e-5);
  }
  g_snprintf (name, sizeof (name), "%s.fc1", prefix);
  build_linear (b, &mlp->fc1, name, s->hidden, in_dim, 0.15, TRUE);
  g_assert_cmpuint (s->num_inner, <=, MAX_INNER);
  mlp->num_inner = s->num_inner;
  for (i = 0; i < s->num_inner; i++) {
    g_snprintf (name, sizeof (name), "%s.blocks.%u.0", prefix, i);
    build_norm (b, &mlp->inner_norms[i], name, s->hidden, 1e-5);
    g_snprintf (name, sizeof (name), "%s.blocks.%u.2", prefix, i);
    build_linear (b, &mlp->inner_linears[i], name, s->hidden, s->hidden,
        0.1, TRUE);
  }
  g_snprintf (name, sizeof (name), "%s.final.0", prefix);
  build_norm (b, &mlp->final_norm, name, s->hidden, 1e-5);
  g_snprintf (name, sizeof (name), "%s.final.2", prefix);
  build_linear (b, &mlp->final_linear, name, s->out * u * u, s->hidden, 0.1,
      TRUE);
  mlp->upsample = u;
  mlp->out_dim = s->out;
}

static void
append_mlp_config (GString *json, const char *key, const MlpSpec *s,
    guint in_dim)
{
  g_string_append_printf (json, "      \"%s\": {\"input_dim\": %u, "
      "\"hidden_dim\": %u, \"output_dim\": %u, \"num_inner\": %u",
      key, in_dim, s->hidden / s->upsample, s->out, s->num_inner);
  if (s->upsample > 1)
    g_string_append_printf (json, ", \"upsample_factor\": %u", s->upsample);
  g_string_append (json, "}");
}

/* prefix + "." + suffix in buf[256]. */
static const char *
sub_name (char *buf, const char *prefix, const char *suffix)
{
  g_snprintf (buf, 256, "%s.%s", prefix, suffix);
  return buf;
}

static char *
config_text (const ModelSpec *s)
{
  GString *json = g_string_new (NULL);
  guint i;

  g_string_append_printf (json, "{\n"
      "  \"architectures\": [\"RADIOModel\"],\n"
      "  \"version\": \"%s\",\n"
      "  \"patch_size\": %u,\n"
      "  \"max_resolution\": 2048,\n"
      "  \"preferred_resolution\": [%u, %u],\n"
      "  \"args\": {\n"
      "    \"model\": \"%s\",\n"
      "    \"model_kwargs\": {\"embed_dim\": %u, \"depth\": %u, "
      "\"num_heads\": %u},\n"
      "    \"teachers\": %s,\n"
      "    \"cls_token_per_teacher\": %s,\n",
      s->version, s->patch, 4 * s->patch, 4 * s->patch, s->arch, s->dim,
      s->depth, s->heads, s->teachers,
      s->cls_per_teacher ? "true" : "false");
  if (s->register_multiple >= 0)
    g_string_append_printf (json, "    \"register_multiple\": %d,\n",
        s->register_multiple);
  else
    g_string_append (json, "    \"register_multiple\": null,\n");
  if (s->cpe_num_registers >= 0)
    g_string_append_printf (json, "    \"cpe_num_registers\": %d,\n",
        s->cpe_num_registers);
  else
    g_string_append (json, "    \"cpe_num_registers\": null,\n");
  g_string_append_printf (json, "    \"cpe_max_size\": %u,\n"
      "    \"model_norm\": %s,\n"
      "    \"mlp_version\": \"v2\"\n"
      "  },\n"
      "  \"adaptor_configs\": {",
      s->cpe_max_size, s->model_norm ? "true" : "false");
  for (i = 0; i < s->n_adaptors; i++) {
    const AdaptorSpec *a = &s->adaptors[i];
    g_string_append_printf (json, "%s\n    \"%s\": {\n"
        "      \"head_idx\": %u,\n", i ? "," : "", a->name, a->head_idx);
    append_mlp_config (json, "summary", &a->summary, s->dim);
    g_string_append (json, ",\n");
    append_mlp_config (json, "feature", &a->feature, s->dim);
    g_string_append (json, "\n    }");
  }
  g_string_append (json, "},\n"
      "  \"vitdet_window_size\": null,\n");
  /* The normalizer's config only has to be non-null. */
  if (s->normalizer)
    g_string_append_printf (json,
        "  \"feature_normalizer_config\": {\"embed_dim\": %u},\n", s->dim);
  else
    g_string_append (json, "  \"feature_normalizer_config\": null,\n");
  g_string_append (json, "  \"model_type\": \"radio\"\n}\n");
  return g_string_free (json, FALSE);
}

/* Writes dir/config.json and dir/model.safetensors for s and describes the
 * same model in m; the arrays m points into are added to arrays.
 *
 * quiet < 1 scales the patch embedding, the position and prefix tokens and
 * every norm weight and bias (not the layer scales), so that the input of
 * every LayerNorm has a variance of order quiet^2: with quiet = 0.005 that
 * is 2.5e-5, and each norm's eps (1e-6 or 1e-5) visibly changes the
 * outputs. */
static void
build_model (const ModelSpec *s, double quiet, const char *dir, RefModel *m,
    GPtrArray *arrays)
{
  Builder b = { radio_safetensors_writer_new (), s->dtype,
    0x5eed0000u + s->seed, arrays, quiet };
  GError *error = NULL;
  char *text = config_text (s), *path, name[256];
  guint D = s->dim, P = s->patch, i;
  static const float cond_mean[3] = { 0.485f, 0.456f, 0.406f };
  static const float cond_std[3] = { 0.229f, 0.224f, 0.225f };
  gint64 shape3[3] = { 3, 1, 1 };

  memset (m, 0, sizeof (*m));
  path = g_build_filename (dir, "config.json", NULL);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_free (path);
  g_free (text);

  m->P = P;
  m->D = D;
  m->heads = s->heads;
  m->depth = s->depth;
  m->C = s->n_cls;
  m->T = s->n_cls + s->n_registers;
  m->R = s->grid;
  m->S = s->n_summary;
  for (i = 0; i < s->n_summary; i++)
    m->summary_idxs[i] = (guint) s->summary_idxs[i];
  m->align_corners = !g_str_has_prefix (s->version, "c-radio_v4");

  /* The conditioner and summary_idxs are F32 and I64 in every release. */
  g_assert_true (radio_safetensors_writer_add (b.writer,
          RADIO_TENSOR_PREFIX "input_conditioner.norm_mean", RADIO_DTYPE_F32,
          3, shape3, cond_mean));
  g_assert_true (radio_safetensors_writer_add (b.writer,
          RADIO_TENSOR_PREFIX "input_conditioner.norm_std", RADIO_DTYPE_F32,
          3, shape3, cond_std));
  for (i = 0; i < 3; i++) {
    m->cond_mean[i] = cond_mean[i];
    m->cond_std[i] = cond_std[i];
  }
  {
    gint64 shape[1] = { s->n_summary };
    gint64 le[MAX_SUMMARY];
    for (i = 0; i < s->n_summary; i++)
      le[i] = GINT64_TO_LE (s->summary_idxs[i]);
    g_assert_true (radio_safetensors_writer_add (b.writer,
            RADIO_TENSOR_PREFIX "summary_idxs", RADIO_DTYPE_I64, 1, shape,
            le));
  }

  build_linear (&b, &m->embedder, "model.patch_generator.embedder", D,
      3 * P * P, 0.05 * quiet, s->embed_bias);
  {
    gint64 shape[3] = { 1, (gint64) s->grid * s->grid, D };
    gint64 tokens[2] = { m->T, D };
    m->pos = builder_add (&b, "model.patch_generator.pos_embed", s->dtype, 3,
        shape, 0.0, 0.5 * quiet);
    m->prefix = builder_add (&b, "model.patch_generator.cls_token.token",
        s->dtype, 2, tokens, 0.0, quiet);
  }
  if (s->patch_norm)
    build_norm (&b, &m->patch_norm,
        "model.patch_generator.patch_normalizer", D, 1e-5);

  g_assert_cmpuint (s->depth, <=, MAX_DEPTH);
  for (i = 0; i < s->depth; i++) {
    RefBlock *blk = &m->blocks[i];
    char prefix[64];

    g_snprintf (prefix, sizeof (prefix), "model.blocks.%u", i);
    build_norm (&b, &blk->norm1, sub_name (name, prefix, "norm1"), D, 1e-6);
    build_linear (&b, &blk->qkv, sub_name (name, prefix, "attn.qkv"), 3 * D,
        D, 0.15, (gint) i != s->no_qkv_bias_block);
    build_linear (&b, &blk->proj, sub_name (name, prefix, "attn.proj"), D, D,
        0.1, TRUE);
    build_norm (&b, &blk->norm2, sub_name (name, prefix, "norm2"), D, 1e-6);
    build_linear (&b, &blk->fc1, sub_name (name, prefix, "mlp.fc1"),
        s->hidden, D, 0.15, TRUE);
    if (s->mlp_norm)
      build_norm (&b, &blk->mlp_norm, sub_name (name, prefix, "mlp.norm"),
          s->hidden, 1e-5);
    build_linear (&b, &blk->fc2, sub_name (name, prefix, "mlp.fc2"), D,
        s->hidden, 0.1, TRUE);
    if (s->layer_scale) {
      /* Far from 1e-5 (timm's init) so that the branches count. */
      blk->ls1 = builder_vector (&b, sub_name (name, prefix, "ls1.gamma"), D,
          0.8, 0.3);
      blk->ls2 = builder_vector (&b, sub_name (name, prefix, "ls2.gamma"), D,
          0.8, 0.3);
    }
  }
  if (s->model_norm)
    build_norm (&b, &m->final_norm, "model.norm", D, 1e-6);
  if (s->normalizer) {
    gint64 shape[2] = { D, D };
    m->norm_mean = builder_vector (&b, "feature_normalizer.mean", D, 0.0,
        0.3 * quiet);
    m->norm_tx = builder_add (&b, "feature_normalizer.tx", s->dtype, 2,
        shape, 0.0, 0.15);
  }
  m->n_adaptors = s->n_adaptors;
  for (i = 0; i < s->n_adaptors; i++) {
    const AdaptorSpec *as = &s->adaptors[i];
    RefAdaptor *a = &m->adaptors[i];

    a->name = as->name;
    a->head_idx = as->head_idx;
    g_snprintf (name, sizeof (name), "adaptors.%s.head_mlp", as->name);
    build_mlp (&b, &a->summary, name, &as->summary, D);
    g_snprintf (name, sizeof (name), "adaptors.%s.feat_mlp", as->name);
    build_mlp (&b, &a->feature, name, &as->feature, D);
  }

  path = g_build_filename (dir, "model.safetensors", NULL);
  g_assert_true (radio_safetensors_writer_save (b.writer, path, &error));
  g_assert_no_error (error);
  g_free (path);
  radio_safetensors_writer_free (b.writer);
}

/* ---- the reference forward pass ----------------------------------------- */

static double
gelu (double x)
{
  return 0.5 * x * (1.0 + erf (x / G_SQRT2));
}

/* y[rows, out] = x[rows, in] W^T + b */
static double *
ref_linear (const RefLinear *l, const double *x, guint rows)
{
  double *y = g_new (double, (gsize) rows * l->out);
  guint r, o, k;

  for (r = 0; r < rows; r++) {
    for (o = 0; o < l->out; o++) {
      double acc = l->b ? l->b[o] : 0.0;
      for (k = 0; k < l->in; k++)
        acc += x[(gsize) r * l->in + k] * l->w[(gsize) o * l->in + k];
      y[(gsize) r * l->out + o] = acc;
    }
  }
  return y;
}

/* In place over rows of n->dim values. */
static void
ref_layer_norm (const RefNorm *n, double *x, guint rows)
{
  guint r, i;

  for (r = 0; r < rows; r++) {
    double *v = x + (gsize) r * n->dim, mean = 0, var = 0;
    for (i = 0; i < n->dim; i++)
      mean += v[i];
    mean /= n->dim;
    for (i = 0; i < n->dim; i++)
      var += (v[i] - mean) * (v[i] - mean);
    var /= n->dim;
    for (i = 0; i < n->dim; i++)
      v[i] = (v[i] - mean) / sqrt (var + n->eps) * n->w[i] + n->b[i];
  }
}

static void
ref_gelu (double *x, gsize n)
{
  gsize i;

  for (i = 0; i < n; i++)
    x[i] = gelu (x[i]);
}

/* Source coordinate of destination index d along one axis. */
static void
axis_source (guint d, guint in, guint out, gboolean align_corners, guint *i0,
    guint *i1, double *frac)
{
  double s;

  if (align_corners) {
    s = out > 1 ? (double) d * (in - 1) / (out - 1) : 0.0;
  } else {
    s = (d + 0.5) * in / out - 0.5;
    if (s < 0)
      s = 0;
  }
  *i0 = MIN ((guint) floor (s), in - 1);
  *i1 = MIN (*i0 + 1, in - 1);
  *frac = s - *i0;
}

/* Bilinear resize of src[in_h, in_w, ch] to dst[out_h, out_w, ch]. */
static void
ref_resize (const double *src, guint in_h, guint in_w, guint ch, double *dst,
    guint out_h, guint out_w, gboolean align_corners)
{
  guint y, x, c;

  for (y = 0; y < out_h; y++) {
    guint y0, y1;
    double fy;
    axis_source (y, in_h, out_h, align_corners, &y0, &y1, &fy);
    for (x = 0; x < out_w; x++) {
      guint x0, x1;
      double fx;
      axis_source (x, in_w, out_w, align_corners, &x0, &x1, &fx);
      for (c = 0; c < ch; c++) {
#define AT(yy, xx) src[((gsize) (yy) * in_w + (xx)) * ch + c]
        dst[((gsize) y * out_w + x) * ch + c] =
            (1 - fy) * ((1 - fx) * AT (y0, x0) + fx * AT (y0, x1))
            + fy * ((1 - fx) * AT (y1, x0) + fx * AT (y1, x1));
#undef AT
      }
    }
  }
}

/* x[N, D] += ls * proj (MHSA (LN1 (x))) */
static void
ref_attention (const RefModel *m, const RefBlock *blk, double *x, guint N)
{
  guint D = m->D, hd = D / m->heads, h, i, j, k;
  double *t = g_memdup2 (x, sizeof (double) * N * D), *qkv, *attn, *y;
  double *scores = g_new (double, N);

  ref_layer_norm (&blk->norm1, t, N);
  qkv = ref_linear (&blk->qkv, t, N);
  attn = g_new0 (double, (gsize) N * D);
  for (h = 0; h < m->heads; h++) {
    for (i = 0; i < N; i++) {
      const double *q = qkv + (gsize) i * 3 * D + h * hd;
      double max = -INFINITY, sum = 0;
      for (j = 0; j < N; j++) {
        const double *kv = qkv + (gsize) j * 3 * D + D + h * hd;
        double dot = 0;
        for (k = 0; k < hd; k++)
          dot += q[k] * kv[k];
        scores[j] = dot / sqrt ((double) hd);
        max = MAX (max, scores[j]);
      }
      for (j = 0; j < N; j++) {
        scores[j] = exp (scores[j] - max);
        sum += scores[j];
      }
      for (j = 0; j < N; j++) {
        const double *v = qkv + (gsize) j * 3 * D + 2 * D + h * hd;
        for (k = 0; k < hd; k++)
          attn[(gsize) i * D + h * hd + k] += scores[j] / sum * v[k];
      }
    }
  }
  y = ref_linear (&blk->proj, attn, N);
  for (i = 0; i < N; i++)
    for (k = 0; k < D; k++)
      x[(gsize) i * D + k] += (blk->ls1 ? blk->ls1[k] : 1.0)
          * y[(gsize) i * D + k];
  g_free (t);
  g_free (qkv);
  g_free (attn);
  g_free (y);
  g_free (scores);
}

/* x[N, D] += ls * fc2 ([mlp.norm] (GELU (fc1 (LN2 (x))))) */
static void
ref_mlp_block (const RefModel *m, const RefBlock *blk, double *x, guint N)
{
  guint D = m->D, i, k;
  double *t = g_memdup2 (x, sizeof (double) * N * D), *hid, *y;

  ref_layer_norm (&blk->norm2, t, N);
  hid = ref_linear (&blk->fc1, t, N);
  ref_gelu (hid, (gsize) N * blk->fc1.out);
  if (blk->mlp_norm.dim)
    ref_layer_norm (&blk->mlp_norm, hid, N);
  y = ref_linear (&blk->fc2, hid, N);
  for (i = 0; i < N; i++)
    for (k = 0; k < D; k++)
      x[(gsize) i * D + k] += (blk->ls2 ? blk->ls2[k] : 1.0)
          * y[(gsize) i * D + k];
  g_free (t);
  g_free (hid);
  g_free (y);
}

/* The adaptor MLP "v2" on x[rows, in]; returns [rows, final out]. */
static double *
ref_adaptor_mlp (const RefMlp *mlp, const double *x, guint rows)
{
  double *t = g_memdup2 (x, sizeof (double) * rows * mlp->fc1.in), *h, *y;
  guint i;
  gsize j, n;

  if (mlp->pre_norm.dim) {
    ref_layer_norm (&mlp->pre_norm, t, rows);
    ref_gelu (t, (gsize) rows * mlp->fc1.in);
  }
  h = ref_linear (&mlp->fc1, t, rows);
  g_free (t);
  n = (gsize) rows * mlp->fc1.out;
  for (i = 0; i < mlp->num_inner; i++) {
    double *u = g_memdup2 (h, sizeof (double) * n), *v;
    ref_layer_norm (&mlp->inner_norms[i], u, rows);
    ref_gelu (u, n);
    v = ref_linear (&mlp->inner_linears[i], u, rows);
    for (j = 0; j < n; j++)
      h[j] += v[j];
    g_free (u);
    g_free (v);
  }
  ref_layer_norm (&mlp->final_norm, h, rows);
  ref_gelu (h, n);
  y = ref_linear (&mlp->final_linear, h, rows);
  g_free (h);
  return y;
}

/* image[H, W, 3] in [0, 1] -> outputs; pos_align_corners: the resize mode
 * of the position grid. */
static void
ref_forward (const RefModel *m, const double *image, guint H, guint W,
    gboolean pos_align_corners, RefOutput *out)
{
  guint P = m->P, D = m->D, h = H / P, w = W / P, N = m->T + h * w;
  guint i, j, c, r, col, k, a;
  double *patches = g_new (double, (gsize) h * w * 3 * P * P);
  double *embedded, *pos, *x, *spatial;

  /* 1-2: condition, patchify (channel, row, column), embed. */
  for (i = 0; i < h; i++)
    for (j = 0; j < w; j++)
      for (c = 0; c < 3; c++)
        for (r = 0; r < P; r++)
          for (col = 0; col < P; col++) {
            double v = image[((gsize) (i * P + r) * W + j * P + col) * 3 + c];
            patches[((gsize) i * w + j) * 3 * P * P + (c * P + r) * P + col] =
                (v - m->cond_mean[c]) / m->cond_std[c];
          }
  embedded = ref_linear (&m->embedder, patches, h * w);
  g_free (patches);

  /* 3: position embedding, resized to m x m and cropped unless the grid
   * is exactly R x R. */
  if (h == m->R && w == m->R) {
    pos = g_memdup2 (m->pos, sizeof (double) * m->R * m->R * D);
  } else {
    guint side = MAX (h, w);
    double *full = g_new (double, (gsize) side * side * D);
    ref_resize (m->pos, m->R, m->R, D, full, side, side, pos_align_corners);
    pos = g_new (double, (gsize) h * w * D);
    for (i = 0; i < h; i++)
      memcpy (pos + (gsize) i * w * D, full + (gsize) i * side * D,
          sizeof (double) * w * D);
    g_free (full);
  }

  /* 4: prefix tokens, then the patch normalizer over every token. */
  x = g_new (double, (gsize) N * D);
  memcpy (x, m->prefix, sizeof (double) * m->T * D);
  for (k = 0; k < h * w * D; k++)
    x[(gsize) m->T * D + k] = embedded[k] + pos[k];
  g_free (embedded);
  g_free (pos);
  if (m->patch_norm.dim)
    ref_layer_norm (&m->patch_norm, x, N);

  /* 5-6: blocks, final norm. */
  for (i = 0; i < m->depth; i++) {
    ref_attention (m, &m->blocks[i], x, N);
    ref_mlp_block (m, &m->blocks[i], x, N);
  }
  if (m->final_norm.dim)
    ref_layer_norm (&m->final_norm, x, N);

  /* 7: outputs. */
  out->summary = g_new (double, (gsize) m->S * D);
  for (i = 0; i < m->S; i++) {
    g_assert_cmpuint (m->summary_idxs[i], <, m->C);
    memcpy (out->summary + (gsize) i * D,
        x + (gsize) m->summary_idxs[i] * D, sizeof (double) * D);
  }
  spatial = g_new (double, (gsize) h * w * D);
  for (i = 0; i < h * w; i++) {
    const double *tok = x + (gsize) (N - h * w + i) * D;
    for (k = 0; k < D; k++) {
      double acc = 0;
      if (!m->norm_mean) {
        acc = tok[k];
      } else {
        for (j = 0; j < D; j++)
          acc += m->norm_tx[(gsize) k * D + j] * (tok[j] - m->norm_mean[j]);
      }
      spatial[(gsize) i * D + k] = acc;
    }
  }
  out->spatial = spatial;

  for (a = 0; a < m->n_adaptors; a++) {
    const RefAdaptor *ad = &m->adaptors[a];
    guint u = ad->feature.upsample, oc = ad->feature.out_dim, u1, u2;
    double *feat;

    out->adaptor_summary[a] = ref_adaptor_mlp (&ad->summary,
        x + (gsize) ad->head_idx * D, 1);
    feat = ref_adaptor_mlp (&ad->feature, spatial, h * w);
    /* 'b (h w) (u1 u2 c) -> b (h u1) (w u2) c' */
    out->adaptor_spatial[a] = g_new (double, (gsize) h * w * u * u * oc);
    for (i = 0; i < h; i++)
      for (j = 0; j < w; j++)
        for (u1 = 0; u1 < u; u1++)
          for (u2 = 0; u2 < u; u2++)
            memcpy (out->adaptor_spatial[a]
                + ((gsize) (i * u + u1) * w * u + j * u + u2) * oc,
                feat + ((gsize) (i * w + j) * u * u + u1 * u + u2) * oc,
                sizeof (double) * oc);
    g_free (feat);
  }
  g_free (x);
}

static void
ref_output_clear (RefOutput *out)
{
  guint a;

  g_free (out->summary);
  g_free (out->spatial);
  for (a = 0; a < MAX_ADAPTORS; a++) {
    g_free (out->adaptor_summary[a]);
    g_free (out->adaptor_spatial[a]);
  }
  memset (out, 0, sizeof (*out));
}

/* ---- comparison --------------------------------------------------------- */

/* Checks max|got - want| <= TOLERANCE * std(want); returns the ratio
 * max|got - want| / std(want). */
static double
compare (const char *what, const float *got, const double *want, gsize n)
{
  double sum = 0, sq = 0, max_err = 0, mean, std;
  gsize i, worst = 0;

  g_assert_nonnull (got);
  g_assert_cmpuint (n, >, 1);
  for (i = 0; i < n; i++)
    sum += want[i];
  mean = sum / n;
  for (i = 0; i < n; i++) {
    double err = fabs ((double) got[i] - want[i]);
    sq += (want[i] - mean) * (want[i] - mean);
    if (!(err <= max_err)) {
      max_err = err; /* NaN sticks */
      worst = i;
    }
  }
  std = sqrt (sq / n);
  g_test_message ("%s: max|err| %.3g at %" G_GSIZE_FORMAT " (engine %.7g, "
      "reference %.7g), std(ref) %.3g, ratio %.3g", what, max_err, worst,
      got[worst], want[worst], std, max_err / std);
  g_assert_cmpfloat (std, >, 0);
  if (!(max_err <= TOLERANCE * std))
    g_test_fail_printf ("%s: max|engine - reference| = %.3g > %g * std(ref) "
        "(%.3g), worst at element %" G_GSIZE_FORMAT ": engine %.7g, "
        "reference %.7g", what, max_err, TOLERANCE, std, worst, got[worst],
        want[worst]);
  return max_err / std;
}

/* Keeps the largest ratio (MAX would evaluate compare () twice). */
static void
note_ratio (double *worst, double ratio)
{
  if (!(ratio <= *worst))
    *worst = ratio;
}

/* ---- running a test ----------------------------------------------------- */

/* The input of one run: the engine's (float or RGB8 frame) and the
 * reference's image at the model size, in double. */
static double *
make_input (const RunSpec *run, guint64 *rng, float **float_image,
    guint8 **frame, gsize *stride)
{
  gsize H = run->height, W = run->width, n = H * W * 3, i;
  double *image = g_new (double, n);

  *float_image = NULL;
  *frame = NULL;
  if (run->src_height == 0) {
    *float_image = g_new (float, n);
    for (i = 0; i < n; i++) {
      (*float_image)[i] = (float) (0.5 + 0.5 * rng_uniform (rng));
      image[i] = (*float_image)[i];
    }
  } else {
    gsize sh = run->src_height, sw = run->src_width, y, x;
    double *src = g_new (double, sh * sw * 3);

    *stride = sw * 3 + run->stride_pad;
    *frame = g_malloc (*stride * sh);
    for (i = 0; i < *stride * sh; i++)
      (*frame)[i] = (guint8) (128 + 127.99 * rng_uniform (rng));
    for (y = 0; y < sh; y++)
      for (x = 0; x < sw * 3; x++)
        src[y * sw * 3 + x] = (*frame)[y * *stride + x] / 255.0;
    if (sh == H && sw == W)
      memcpy (image, src, sizeof (double) * n);
    else
      ref_resize (src, (guint) sh, (guint) sw, 3, image, (guint) H,
          (guint) W, FALSE);
    g_free (src);
  }
  return image;
}

static void
test_reference (gconstpointer data)
{
  const TestSpec *t = data;
  const ModelSpec *s = t->model;
  GError *error = NULL;
  GPtrArray *arrays = g_ptr_array_new_with_free_func (g_free);
  char *dir = g_dir_make_tmp ("radio-test-reference-XXXXXX", &error);
  const char *names[MAX_ADAPTORS + 1] = { NULL };
  RadioCheckpoint *ckpt;
  RadioForward *fw = NULL;
  RefModel m;
  guint64 rng = 0xfeed0000u + s->seed;
  double worst = 0;
  guint i, a;

  g_assert_no_error (error);
  build_model (s, t->quiet > 0 ? t->quiet : 1.0, dir, &m, arrays);
  ckpt = radio_checkpoint_load (dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ckpt);

  /* What the loader derived from config.json must match the hand-worked
   * numbers the reference uses. */
  g_assert_cmpuint (ckpt->patch_size, ==, s->patch);
  g_assert_cmpuint (ckpt->embed_dim, ==, s->dim);
  g_assert_cmpuint (ckpt->num_heads, ==, s->heads);
  g_assert_cmpuint (ckpt->depth, ==, s->depth);
  g_assert_cmpuint (ckpt->mlp_hidden, ==, s->hidden);
  g_assert_cmpuint (ckpt->num_cls_tokens, ==, s->n_cls);
  g_assert_cmpuint (ckpt->num_registers, ==, s->n_registers);
  g_assert_cmpuint (ckpt->pos_grid, ==, s->grid);
  g_assert_cmpuint (ckpt->n_summary, ==, s->n_summary);
  g_assert_cmpint (ckpt->pos_interp, ==, m.align_corners
      ? RADIO_POS_INTERP_ALIGN_CORNERS : RADIO_POS_INTERP_HALF_PIXEL);
  g_assert_cmpuint (ckpt->n_adaptors, ==, s->n_adaptors);
  for (a = 0; a < s->n_adaptors; a++)
    names[a] = s->adaptors[a].name;

  for (i = 0; i < t->n_runs; i++) {
    const RunSpec *run = &t->runs[i];
    gboolean align = run->interp == RADIO_POS_INTERP_AUTO ? m.align_corners
        : run->interp == RADIO_POS_INTERP_ALIGN_CORNERS;
    guint h = run->height / s->patch, w = run->width / s->patch;
    float *float_image;
    guint8 *frame;
    gsize stride = 0;
    double *image = make_input (run, &rng, &float_image, &frame, &stride);
    RefOutput ref = { NULL };
    const float *got;
    guint len, gh, gw, gd;
    char what[128];

    g_test_message ("run %u: input %ux%u, grid %ux%u, %s, %s", i,
        run->height, run->width, h, w,
        align ? "align-corners" : "half-pixel",
        run->src_height ? "RGB8 frame" : "float image");
    if (!run->reuse || fw == NULL) {
      if (fw)
        radio_forward_free (fw);
      fw = radio_forward_new (ckpt, run->height, run->width, run->interp,
          s->n_adaptors ? names : NULL, &error);
      g_assert_no_error (error);
    }
    if (float_image) {
      radio_forward_run (fw, float_image);
    } else {
      g_assert_true (radio_forward_run_rgb8 (fw, frame, run->src_width,
              run->src_height, stride, &error));
      g_assert_no_error (error);
    }
    ref_forward (&m, image, run->height, run->width, align, &ref);

    got = radio_forward_get_summary (fw, &len);
    g_assert_cmpuint (len, ==, s->n_summary * s->dim);
    g_snprintf (what, sizeof (what), "run %u summary", i);
    note_ratio (&worst, compare (what, got, ref.summary, len));
    got = radio_forward_get_spatial (fw, &gh, &gw, &gd);
    g_assert_cmpuint (gh, ==, h);
    g_assert_cmpuint (gw, ==, w);
    g_assert_cmpuint (gd, ==, s->dim);
    g_snprintf (what, sizeof (what), "run %u spatial", i);
    note_ratio (&worst, compare (what, got, ref.spatial,
            (gsize) h * w * s->dim));

    g_assert_cmpuint (radio_forward_get_n_adaptors (fw), ==, s->n_adaptors);
    for (a = 0; a < s->n_adaptors; a++) {
      const RadioAdaptorOutput *out = NULL;
      const RefMlp *feat = &m.adaptors[a].feature;
      guint k, u = feat->upsample;

      for (k = 0; k < s->n_adaptors; k++) {
        const RadioAdaptorOutput *o = radio_forward_get_adaptor (fw, k);
        if (strcmp (o->name, names[a]) == 0)
          out = o;
      }
      g_assert_nonnull (out);
      g_assert_cmpuint (out->summary_dim, ==, m.adaptors[a].summary.out_dim);
      g_snprintf (what, sizeof (what), "run %u adaptor %s summary", i,
          names[a]);
      note_ratio (&worst, compare (what, out->summary,
              ref.adaptor_summary[a], out->summary_dim));
      g_assert_cmpuint (out->spatial_height, ==, h * u);
      g_assert_cmpuint (out->spatial_width, ==, w * u);
      g_assert_cmpuint (out->spatial_dim, ==, feat->out_dim);
      g_snprintf (what, sizeof (what), "run %u adaptor %s spatial", i,
          names[a]);
      note_ratio (&worst, compare (what, out->spatial,
              ref.adaptor_spatial[a], (gsize) h * u * w * u * feat->out_dim));
    }
    ref_output_clear (&ref);
    g_free (image);
    g_free (float_image);
    g_free (frame);
  }
  g_test_message ("largest max|err| / std(ref) over every output: %.3g",
      worst);
  if (g_test_verbose ())
    g_printerr ("  %-20s largest max|err| / std(ref) = %.3g\n",
        g_test_get_path (), worst);

  radio_forward_free (fw);
  radio_checkpoint_unref (ckpt);
  g_ptr_array_unref (arrays);
  radio_test_remove_tree (dir);
  g_free (dir);
}

/* ---- the cases ---------------------------------------------------------- */

/* Every optional part on.  4 teacher entries, 3 unique names: C = 3;
 * cpe_num_registers 3 wins over register_multiple 8 (which would give 5);
 * P = 8 with cpe_max_size 64: R = 8. */
static const ModelSpec all_optional_model = {
  .seed = 1, .version = "c-radio_v3-h",
  .arch = "vit_huge_patch16_224_mlpnorm", .dtype = RADIO_DTYPE_F32,
  .patch = 8, .dim = 48, .heads = 3, .depth = 2, .hidden = 136,
  .cpe_max_size = 64, .grid = 8,
  .teachers = "[{\"name\": \"clip\"}, {\"name\": \"dino_v2\"}, "
      "{\"name\": \"clip\", \"use_summary\": false}, "
      "{\"name\": \"sam\", \"use_summary\": false}]",
  .cls_per_teacher = TRUE, .register_multiple = 8, .cpe_num_registers = 3,
  .n_cls = 3, .n_registers = 3,
  .n_summary = 2, .summary_idxs = { 2, 0 },
  .embed_bias = TRUE, .patch_norm = TRUE, .model_norm = TRUE,
  .layer_scale = TRUE, .mlp_norm = TRUE, .normalizer = TRUE,
  .no_qkv_bias_block = 1,
  .n_adaptors = 2,
  .adaptors = {
    { "alpha", 2, { 40, 24, 2, 1, TRUE }, { 64, 12, 1, 2, FALSE } },
    { "beta", 1, { 32, 20, 0, 1, FALSE }, { 36, 16, 0, 1, TRUE } },
  },
};

/* Half-precision storage: one CLS token, no registers; P = 16 with
 * cpe_max_size 64: R = 4. */
static const ModelSpec f16_model = {
  .seed = 2, .version = "radio_v2.5-b", .arch = "vit_base_patch16_224",
  .dtype = RADIO_DTYPE_F16,
  .patch = 16, .dim = 48, .heads = 4, .depth = 2, .hidden = 192,
  .cpe_max_size = 64, .grid = 4,
  .teachers = "[{\"name\": \"clip\"}, {\"name\": \"dino_v2\"}]",
  .cls_per_teacher = FALSE, .register_multiple = -1,
  .cpe_num_registers = -1, .n_cls = 1, .n_registers = 0,
  .n_summary = 1, .summary_idxs = { 0 },
  .layer_scale = TRUE, .normalizer = TRUE, .embed_bias = TRUE,
  .no_qkv_bias_block = -1,
  .n_adaptors = 1,
  .adaptors = {
    { "clip", 0, { 40, 24, 1, 1, FALSE }, { 40, 16, 0, 1, TRUE } },
  },
};

static const ModelSpec bf16_model = {
  .seed = 3, .version = "c-radio_v4-h", .arch = "vit_huge_patch16_224",
  .dtype = RADIO_DTYPE_BF16,
  .patch = 16, .dim = 48, .heads = 3, .depth = 2, .hidden = 192,
  .cpe_max_size = 64, .grid = 4,
  .teachers = "[{\"name\": \"siglip\"}, {\"name\": \"dino_v3\"}]",
  .cls_per_teacher = FALSE, .register_multiple = -1,
  .cpe_num_registers = -1, .n_cls = 1, .n_registers = 0,
  .n_summary = 1, .summary_idxs = { 0 },
  .layer_scale = TRUE, .normalizer = TRUE, .model_norm = TRUE,
  .patch_norm = TRUE, .no_qkv_bias_block = 0,
  .n_adaptors = 1,
  .adaptors = {
    { "siglip", 0, { 32, 24, 0, 1, TRUE }, { 64, 8, 1, 2, FALSE } },
  },
};

/* align-corners release; P = 8, cpe_max_size 60: R = ceil (7.5) = 8;
 * 2 CLS tokens, register_multiple 4: 2 registers. */
static const ModelSpec pos_align_model = {
  .seed = 4, .version = "radio_v2.5-b", .arch = "vit_base_patch16_224",
  .dtype = RADIO_DTYPE_F32,
  .patch = 8, .dim = 48, .heads = 4, .depth = 2, .hidden = 192,
  .cpe_max_size = 60, .grid = 8,
  .teachers = "[{\"name\": \"clip\"}, {\"name\": \"dino_v2\"}]",
  .cls_per_teacher = TRUE, .register_multiple = 4, .cpe_num_registers = -1,
  .n_cls = 2, .n_registers = 2,
  .n_summary = 2, .summary_idxs = { 0, 1 },
  .no_qkv_bias_block = -1,
};

/* half-pixel release; P = 16, cpe_max_size 100: R = ceil (6.25) = 7. */
static const ModelSpec pos_half_model = {
  .seed = 5, .version = "c-radio_v4-h", .arch = "vit_huge_patch16_224",
  .dtype = RADIO_DTYPE_F32,
  .patch = 16, .dim = 48, .heads = 3, .depth = 2, .hidden = 192,
  .cpe_max_size = 100, .grid = 7,
  .teachers = "[{\"name\": \"siglip\"}]",
  .cls_per_teacher = TRUE, .register_multiple = -1, .cpe_num_registers = 2,
  .n_cls = 1, .n_registers = 2,
  .n_summary = 1, .summary_idxs = { 0 },
  .layer_scale = TRUE, .no_qkv_bias_block = -1,
};

#define AUTO RADIO_POS_INTERP_AUTO
#define ALIGN RADIO_POS_INTERP_ALIGN_CORNERS
#define HALF RADIO_POS_INTERP_HALF_PIXEL

static const TestSpec all_optional_test = {
  &all_optional_model, 0, {
    { 40, 56, AUTO, 40, 56, 0, FALSE },   /* 5x7 from R 8 */
    { 64, 64, AUTO, 0, 0, 0, FALSE },     /* R x R */
    { 24, 72, AUTO, 24, 72, 7, FALSE },   /* 3x9: up to 9x9 */
  }, 3,
};

static const TestSpec f16_test = {
  &f16_model, 0, {
    { 64, 64, AUTO, 0, 0, 0, FALSE },
    { 48, 80, AUTO, 48, 80, 0, FALSE },
  }, 2,
};

static const TestSpec bf16_test = {
  &bf16_model, 0, {
    { 64, 64, AUTO, 64, 64, 0, FALSE },
    { 80, 48, AUTO, 0, 0, 0, FALSE },
  }, 2,
};

static const TestSpec pos_align_test = {
  &pos_align_model, 0, {
    { 64, 64, AUTO, 0, 0, 0, FALSE },   /* 8x8 == R: as stored */
    { 48, 80, AUTO, 0, 0, 0, FALSE },   /* 6x10: up to 10x10, crop rows */
    { 40, 24, AUTO, 0, 0, 0, FALSE },   /* 5x3: down to 5x5, crop cols */
    { 64, 40, AUTO, 0, 0, 0, FALSE },   /* 8x5: m == R, crop only */
    { 48, 80, HALF, 0, 0, 0, FALSE },   /* the other mode, forced */
    { 8, 8, AUTO, 0, 0, 0, FALSE },     /* 1x1: out == 1 */
    { 8, 8, HALF, 0, 0, 0, FALSE },
    { 64, 64, HALF, 0, 0, 0, FALSE },   /* R x R in either mode */
  }, 8,
};

static const TestSpec pos_half_test = {
  &pos_half_model, 0, {
    { 112, 112, AUTO, 0, 0, 0, FALSE }, /* 7x7 == R */
    { 64, 160, AUTO, 0, 0, 0, FALSE },  /* 4x10: up to 10x10 */
    { 80, 48, AUTO, 0, 0, 0, FALSE },   /* 5x3: down to 5x5 */
    { 64, 160, ALIGN, 0, 0, 0, FALSE }, /* the other mode, forced */
    { 80, 48, ALIGN, 0, 0, 0, FALSE },
    { 16, 32, AUTO, 0, 0, 0, FALSE },   /* 1x2: down to 2x2 */
  }, 6,
};

/* The all-optional model with small activations: every LayerNorm's eps
 * matters (build_model ()). */
static const TestSpec layer_norm_eps_test = {
  &all_optional_model, 0.005, {
    { 40, 56, AUTO, 0, 0, 0, FALSE },
    { 64, 64, AUTO, 0, 0, 0, FALSE },
  }, 2,
};

/* One RadioForward fed frames of several sizes in turn, then others. */
static const TestSpec input_resize_test = {
  &pos_half_model, 0, {
    { 48, 64, AUTO, 29, 41, 5, FALSE },  /* upscale, odd ratios */
    { 48, 64, AUTO, 150, 97, 0, TRUE },  /* downscale, no antialias */
    { 48, 64, AUTO, 48, 64, 3, TRUE },   /* same size: no resize */
    { 48, 64, AUTO, 29, 41, 0, TRUE },   /* back to the first size */
    { 32, 64, AUTO, 32, 200, 1, FALSE }, /* one axis only */
    { 64, 32, AUTO, 1, 1, 2, FALSE },    /* a single pixel */
  }, 6,
};

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/reference/all-optional", &all_optional_test,
      test_reference);
  g_test_add_data_func ("/reference/layer-norm-eps", &layer_norm_eps_test,
      test_reference);
  g_test_add_data_func ("/reference/f16", &f16_test, test_reference);
  g_test_add_data_func ("/reference/bf16", &bf16_test, test_reference);
  g_test_add_data_func ("/reference/pos-align-corners", &pos_align_test,
      test_reference);
  g_test_add_data_func ("/reference/pos-half-pixel", &pos_half_test,
      test_reference);
  g_test_add_data_func ("/reference/input-resize", &input_resize_test,
      test_reference);
  return g_test_run ();
}
