/* radio-random-model.c: random-weight RADIO checkpoints in the published
 * Hugging Face layout.  Weights are uniform with a ViT-like scale (std 0.02
 * for matrices, LayerNorm weights near 1), deterministic for a seed, so the
 * forward stays well conditioned at any depth. */
#include "radio-random-model.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "radio-checkpoint.h"
#include "radio-error.h"
#include "radio-safetensors.h"

typedef struct {
  guint64 state;
  RadioSafetensorsWriter *writer;
  RadioDType dtype;
  float *buf;
  gsize buf_len;
} Generator;

static float
next_uniform (Generator *g)
{
  /* xorshift64*: good enough for weights, fast for ViT-H sizes. */
  g->state ^= g->state >> 12;
  g->state ^= g->state << 25;
  g->state ^= g->state >> 27;
  return (float) ((g->state * 0x2545F4914F6CDD1DULL) >> 40) / 16777216.0f;
}

/* Adds a tensor of n values center + U(-1,1) * spread * sqrt 3 (so the
 * standard deviation is `spread`), stored in the generator's dtype (F32 for
 * `force_f32`). */
static void
add_random (Generator *g, const char *suffix, guint n_dims,
    const gint64 *shape, float center, float spread, gboolean force_f32)
{
  g_autofree char *name = g_strconcat (RADIO_TENSOR_PREFIX, suffix, NULL);
  RadioDType dtype = force_f32 ? RADIO_DTYPE_F32 : g->dtype;
  gsize n = 1, i;
  GBytes *bytes;

  for (i = 0; i < n_dims; i++)
    n *= (gsize) shape[i];
  if (n > g->buf_len) {
    g->buf = g_renew (float, g->buf, n);
    g->buf_len = n;
  }
  for (i = 0; i < n; i++)
    g->buf[i] = center + (2.0f * next_uniform (g) - 1.0f) * spread * 1.7320508f;
  if (dtype == RADIO_DTYPE_F32) {
    bytes = g_bytes_new (g->buf, n * sizeof (float));
  } else {
    guint16 *half = g_new (guint16, MAX (n, 1));
    for (i = 0; i < n; i++)
      half[i] = dtype == RADIO_DTYPE_BF16 ? radio_f32_to_bf16 (g->buf[i])
          : radio_f32_to_f16 (g->buf[i]);
    bytes = g_bytes_new_take (half, n * sizeof (guint16));
  }
  radio_safetensors_writer_add_bytes (g->writer, name, dtype, n_dims, shape,
      bytes);
}

static void
add_linear (Generator *g, const char *prefix, guint out, guint in,
    gboolean bias)
{
  g_autofree char *w = g_strconcat (prefix, ".weight", NULL);
  g_autofree char *b = g_strconcat (prefix, ".bias", NULL);
  gint64 ws[2] = { out, in }, bs[1] = { out };
  add_random (g, w, 2, ws, 0.0f, 0.02f, FALSE);
  if (bias)
    add_random (g, b, 1, bs, 0.0f, 0.01f, FALSE);
}

static void
add_norm (Generator *g, const char *prefix, guint dim)
{
  g_autofree char *w = g_strconcat (prefix, ".weight", NULL);
  g_autofree char *b = g_strconcat (prefix, ".bias", NULL);
  gint64 s[1] = { dim };
  add_random (g, w, 1, s, 1.0f, 0.05f, FALSE);
  add_random (g, b, 1, s, 0.0f, 0.02f, FALSE);
}

/* MLP v2 (fc1, num_inner x [LN, GELU, Linear], final LN, GELU, Linear). */
static void
add_mlp (Generator *g, const char *prefix, guint in, guint hidden, guint out,
    guint num_inner)
{
  g_autofree char *fc1 = g_strconcat (prefix, ".fc1", NULL);
  g_autofree char *fn = g_strconcat (prefix, ".final.0", NULL);
  g_autofree char *fl = g_strconcat (prefix, ".final.2", NULL);
  guint i;

  add_linear (g, fc1, hidden, in, TRUE);
  for (i = 0; i < num_inner; i++) {
    g_autofree char *ln = g_strdup_printf ("%s.blocks.%u.0", prefix, i);
    g_autofree char *lin = g_strdup_printf ("%s.blocks.%u.2", prefix, i);
    add_norm (g, ln, hidden);
    add_linear (g, lin, hidden, hidden, TRUE);
  }
  add_norm (g, fn, hidden);
  add_linear (g, fl, out, hidden, TRUE);
}

gboolean
radio_random_model_spec_init (RadioRandomModelSpec *spec, const char *arch,
    GError **error)
{
  const RadioArchSpec *a = radio_arch_spec_lookup (arch);

  if (!a) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "unknown architecture '%s'", arch ? arch : "(null)");
    return FALSE;
  }
  memset (spec, 0, sizeof (*spec));
  spec->arch = a->name;
  spec->version = "radio_v2.5-b";
  spec->embed_dim = a->embed_dim;
  spec->depth = a->depth;
  spec->num_heads = a->num_heads;
  spec->mlp_hidden = a->mlp_hidden;
  spec->patch_size = a->patch_size;
  spec->cpe_max_size = 2048;
  spec->num_teachers = 3;
  spec->register_multiple = 8;
  spec->dtype = RADIO_DTYPE_BF16;
  spec->seed = 1;
  return TRUE;
}

static char *
build_config (const RadioRandomModelSpec *s)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  guint i;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "architectures");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "RADIOModel");
  json_builder_end_array (b);
  json_builder_set_member_name (b, "args");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, s->arch);
  json_builder_set_member_name (b, "model_kwargs");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "embed_dim");
  json_builder_add_int_value (b, s->embed_dim);
  json_builder_set_member_name (b, "depth");
  json_builder_add_int_value (b, s->depth);
  json_builder_set_member_name (b, "num_heads");
  json_builder_add_int_value (b, s->num_heads);
  if (s->layer_scale) {
    json_builder_set_member_name (b, "init_values");
    json_builder_add_double_value (b, 1e-5);
  }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "teachers");
  json_builder_begin_array (b);
  for (i = 0; i < s->num_teachers; i++) {
    g_autofree char *name = g_strdup_printf ("teacher%u", i);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, name);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "cls_token_per_teacher");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "register_multiple");
  if (s->register_multiple)
    json_builder_add_int_value (b, s->register_multiple);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "cpe_max_size");
  json_builder_add_int_value (b, s->cpe_max_size);
  json_builder_set_member_name (b, "model_norm");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_set_member_name (b, "mlp_version");
  json_builder_add_string_value (b, "v2");
  json_builder_end_object (b);

  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, s->version);
  json_builder_set_member_name (b, "patch_size");
  json_builder_add_int_value (b, s->patch_size);
  json_builder_set_member_name (b, "max_resolution");
  json_builder_add_int_value (b, 2048);
  json_builder_set_member_name (b, "preferred_resolution");
  json_builder_begin_array (b);
  json_builder_add_int_value (b, 14 * s->patch_size);
  json_builder_add_int_value (b, 14 * s->patch_size);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "vitdet_window_size");
  json_builder_add_null_value (b);
  json_builder_set_member_name (b, "feature_normalizer_config");
  if (s->feature_normalizer) {
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "embed_dim");
    json_builder_add_int_value (b, s->embed_dim);
    json_builder_end_object (b);
  } else {
    json_builder_add_null_value (b);
  }
  json_builder_set_member_name (b, "adaptor_configs");
  json_builder_begin_object (b);
  if (s->adaptor) {
    json_builder_set_member_name (b, s->adaptor);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "head_idx");
    json_builder_add_int_value (b, 0);
    json_builder_set_member_name (b, "summary");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "num_inner");
    json_builder_add_int_value (b, 1);
    json_builder_end_object (b);
    json_builder_set_member_name (b, "feature");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "num_inner");
    json_builder_add_int_value (b, 0);
    json_builder_end_object (b);
    json_builder_end_object (b);
  }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "gst_radio_random_weights");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "gst_radio_note");
  json_builder_add_string_value (b, "RANDOM WEIGHTS generated by gst-radio "
      "for demos, tests and benchmarks: the features mean nothing");
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

gboolean
radio_random_model_write (const RadioRandomModelSpec *s, const char *dir,
    GError **error)
{
  g_autoptr (RadioSafetensorsWriter) writer = radio_safetensors_writer_new ();
  g_autofree char *config = NULL;
  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);
  g_autofree char *model_path = g_build_filename (dir, "model.safetensors",
      NULL);
  guint D = s->embed_dim, P = s->patch_size, hidden, C, T, R, i;
  Generator g = { s->seed * 0x9E3779B97F4A7C15ULL + 1, writer, s->dtype,
    NULL, 0 };
  gint64 s3[3] = { 3, 1, 1 };

  hidden = s->mlp_hidden ? s->mlp_hidden : 4 * D;
  C = MAX (s->num_teachers, 1);
  T = C + (s->register_multiple ? s->register_multiple
      - C % s->register_multiple : 0);
  R = (s->cpe_max_size + P - 1) / P;
  if (D == 0 || P == 0 || s->depth == 0 || s->num_heads == 0
      || D % s->num_heads) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "random model: embed_dim %u, depth %u, %u heads, patch %u do not "
        "make a ViT", D, s->depth, s->num_heads, P);
    return FALSE;
  }
  if (g_mkdir_with_parents (dir, 0755) != 0) {
    int saved = errno;
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_IO, "cannot create %s: %s",
        dir, g_strerror (saved));
    return FALSE;
  }

  {
    static const float mean[3] = { 0.48145466f, 0.4578275f, 0.40821073f };
    static const float std[3] = { 0.26862954f, 0.26130258f, 0.27577711f };
    gint64 idx[16];
    gint64 ns[1] = { MIN (C, 16) };
    radio_safetensors_writer_add (writer,
        RADIO_TENSOR_PREFIX "input_conditioner.norm_mean", RADIO_DTYPE_F32, 3,
        s3, mean);
    radio_safetensors_writer_add (writer,
        RADIO_TENSOR_PREFIX "input_conditioner.norm_std", RADIO_DTYPE_F32, 3,
        s3, std);
    for (i = 0; i < ns[0]; i++)
      idx[i] = GINT64_TO_LE ((gint64) i);
    radio_safetensors_writer_add (writer, RADIO_TENSOR_PREFIX "summary_idxs",
        RADIO_DTYPE_I64, 1, ns, idx);
  }
  {
    gint64 emb[2] = { D, 3 * P * P }, pos[3] = { 1, (gint64) R * R, D },
        cls[2] = { T, D };
    add_random (&g, "model.patch_generator.embedder.weight", 2, emb, 0.0f,
        0.02f, FALSE);
    add_random (&g, "model.patch_generator.pos_embed", 3, pos, 0.0f, 0.02f,
        FALSE);
    add_random (&g, "model.patch_generator.cls_token.token", 2, cls, 0.0f,
        0.02f, FALSE);
  }
  for (i = 0; i < s->depth; i++) {
    g_autofree char *p = g_strdup_printf ("model.blocks.%u", i);
    g_autofree char *n1 = g_strconcat (p, ".norm1", NULL);
    g_autofree char *n2 = g_strconcat (p, ".norm2", NULL);
    g_autofree char *qkv = g_strconcat (p, ".attn.qkv", NULL);
    g_autofree char *proj = g_strconcat (p, ".attn.proj", NULL);
    g_autofree char *fc1 = g_strconcat (p, ".mlp.fc1", NULL);
    g_autofree char *fc2 = g_strconcat (p, ".mlp.fc2", NULL);
    g_autofree char *ls1 = g_strconcat (p, ".ls1.grandma", NULL);
    g_autofree char *ls2 = g_strconcat (p, ".ls2.grandma", NULL);
    gint64 ds[1] = { D };

    add_norm (&g, n1, D);
    add_linear (&g, qkv, 3 * D, D, TRUE);
    add_linear (&g, proj, D, D, TRUE);
    if (s->layer_scale)
      add_random (&g, ls1, 1, ds, 0.1f, 0.02f, FALSE);
    add_norm (&g, n2, D);
    add_linear (&g, fc1, hidden, D, TRUE);
    add_linear (&g, fc2, D, hidden, TRUE);
    if (s->layer_scale)
      add_random (&g, ls2, 1, ds, 0.1f, 0.02f, FALSE);
  }
  if (s->feature_normalizer) {
    gint64 m[1] = { D }, tx[2] = { D, D };
    add_random (&g, "feature_normalizer.mean", 1, m, 0.0f, 0.1f, FALSE);
    add_random (&g, "feature_normalizer.tx", 2, tx, 0.0f,
        1.0f / sqrtf ((float) D), FALSE);
  }
  if (s->adaptor) {
    g_autofree char *head = g_strdup_printf ("adaptors.%s.head_mlp",
        s->adaptor);
    g_autofree char *feat = g_strdup_printf ("adaptors.%s.feat_mlp",
        s->adaptor);
    guint out = s->adaptor_dim ? s->adaptor_dim : D;
    add_mlp (&g, head, D, 2 * D, out, 1);
    add_mlp (&g, feat, D, 2 * D, out, 0);
  }
  g_free (g.buf);

  radio_safetensors_writer_set_metadata (writer, "format", "pt");
  config = build_config (s);
  if (!g_file_set_contents (config_path, config, -1, error))
    return FALSE;
  return radio_safetensors_writer_save (writer, model_path, error);
}
