/* radio-checkpoint.c: from a published RADIO checkpoint folder to a
 * RadioCheckpoint.  Three steps: read config.json (json-glib), open the
 * safetensors file(s), then resolve the architecture and bind every tensor
 * the forward needs, checking its dtype and shape.  Dimensions come from
 * the tensor shapes first, then args.model_kwargs, then the architecture
 * table (radio-model.md section 1). */
#include "radio-checkpoint.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "radio-error.h"
#include "radio-json.h"
#include "radio-safetensors.h"

/* timm architectures RADIO releases are built on. */
static const RadioArchSpec arch_table[] = {
  { "vit_tiny_patch16_224", 192, 12, 3, 768, 16 },
  { "vit_small_patch16_224", 384, 12, 6, 1536, 16 },
  { "vit_base_patch16_224", 768, 12, 12, 3072, 16 },
  { "vit_large_patch16_224", 1024, 24, 16, 4096, 16 },
  { "vit_huge_patch14_224", 1280, 32, 16, 5120, 14 },
  { "vit_huge_patch16_224", 1280, 32, 16, 5120, 16 },
  { "vit_huge_patch16_224_mlpnorm", 1280, 32, 16, 5120, 16 },
  { "vit_giant_patch16_224", 1536, 40, 24, 6144, 16 },
  { "vit_so400m_patch16_224", 1152, 27, 16, 4304, 16 },
  { "vit_base_patch16_v2_224", 768, 12, 12, 3072, 16 },
  { "vit_large_patch16_v2_224", 1024, 24, 16, 4096, 16 },
};

/* ---- tensor binding ----------------------------------------------------- */

static const RadioTensorInfo *
find_tensor (RadioCheckpoint *c, const char *suffix)
{
  g_autofree char *full = g_strconcat (RADIO_TENSOR_PREFIX, suffix, NULL);
  const RadioTensorInfo *info = g_hash_table_lookup (c->tensors, full);
  if (info)
    g_hash_table_add (c->consumed, (gpointer) info->name);
  return info;
}

static gboolean
is_float_dtype (RadioDType dtype)
{
  return dtype == RADIO_DTYPE_F32 || dtype == RADIO_DTYPE_F16
      || dtype == RADIO_DTYPE_BF16;
}

/* Looks up a floating tensor and checks its shape; an expected dimension of
 * 0 accepts any size.  Missing: NULL with *error unset unless required. */
static const RadioTensorInfo *
bind_tensor (RadioCheckpoint *c, const char *suffix, gboolean required,
    guint n_dims, const gint64 *expected, GError **error)
{
  const RadioTensorInfo *info = find_tensor (c, suffix);
  gboolean match;
  guint i;

  if (!info) {
    if (required)
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_MISSING_TENSOR,
          "%s: required tensor '%s%s' is missing", c->path,
          RADIO_TENSOR_PREFIX, suffix);
    return NULL;
  }
  match = info->n_dims == n_dims && is_float_dtype (info->dtype);
  for (i = 0; match && i < n_dims; i++)
    match = expected[i] == 0 || info->shape[i] == expected[i];
  if (!match) {
    char have[128];
    GString *want = g_string_new ("[");
    for (i = 0; i < n_dims; i++) {
      if (expected[i])
        g_string_append_printf (want, "%s%" G_GINT64_FORMAT, i ? ", " : "",
            expected[i]);
      else
        g_string_append_printf (want, "%s*", i ? ", " : "");
    }
    g_string_append (want, "]");
    radio_tensor_info_describe (info, have, sizeof (have));
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_SHAPE,
        "%s: tensor '%s' is %s, expected a float tensor of shape %s",
        c->path, info->name, have, want->str);
    g_string_free (want, TRUE);
    return NULL;
  }
  return info;
}

/* float32 view of a small tensor: in place when it already is aligned F32,
 * else a converted copy owned by the checkpoint. */
static const float *
as_f32 (RadioCheckpoint *c, const RadioTensorInfo *info)
{
  RadioTensorView view = { info->data, info->dtype };
  float *copy;

  if (info->dtype == RADIO_DTYPE_F32
      && ((guintptr) info->data % sizeof (float)) == 0)
    return (const float *) info->data;
  copy = g_new (float, MAX (info->n_elements, 1));
  radio_cpu_convert_to_f32 (copy, view, info->n_elements);
  g_ptr_array_add (c->owned, copy);
  return copy;
}

static gboolean
load_vector (RadioCheckpoint *c, const char *suffix, guint len,
    gboolean required, const float **out, GError **error)
{
  gint64 shape[1] = { len };
  GError *local = NULL;
  const RadioTensorInfo *info = bind_tensor (c, suffix, required, 1, shape,
      &local);

  /* Absent and optional is fine; present with a wrong shape is not. */
  if (local) {
    g_propagate_error (error, local);
    return FALSE;
  }
  *out = info ? as_f32 (c, info) : NULL;
  return TRUE;
}

/* out_dim / in_dim of 0 take the size from the tensor. */
static gboolean
load_linear (RadioCheckpoint *c, const char *prefix, guint out_dim,
    guint in_dim, RadioLinear *lin, GError **error)
{
  g_autofree char *w_name = g_strconcat (prefix, ".weight", NULL);
  g_autofree char *b_name = g_strconcat (prefix, ".bias", NULL);
  gint64 shape[2] = { out_dim, in_dim };
  const RadioTensorInfo *w = bind_tensor (c, w_name, TRUE, 2, shape, error);

  if (!w)
    return FALSE;
  lin->weight.data = w->data;
  lin->weight.dtype = w->dtype;
  lin->out_dim = (guint) w->shape[0];
  lin->in_dim = (guint) w->shape[1];
  if (lin->out_dim == 0 || lin->in_dim == 0) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_SHAPE,
        "%s: tensor '%s' is empty", c->path, w->name);
    return FALSE;
  }
  return load_vector (c, b_name, lin->out_dim, FALSE, &lin->bias, error);
}

static gboolean
load_norm (RadioCheckpoint *c, const char *prefix, guint dim, float eps,
    gboolean required, RadioNorm *norm, GError **error)
{
  g_autofree char *w_name = g_strconcat (prefix, ".weight", NULL);
  g_autofree char *b_name = g_strconcat (prefix, ".bias", NULL);

  memset (norm, 0, sizeof (*norm));
  if (!load_vector (c, w_name, dim, required, &norm->weight, error))
    return FALSE;
  if (!norm->weight)
    return TRUE;
  if (!load_vector (c, b_name, dim, TRUE, &norm->bias, error))
    return FALSE;
  norm->dim = dim;
  norm->eps = eps;
  return TRUE;
}

static gboolean
has_tensor (RadioCheckpoint *c, const char *suffix)
{
  g_autofree char *full = g_strconcat (RADIO_TENSOR_PREFIX, suffix, NULL);
  return g_hash_table_contains (c->tensors, full);
}

/* ---- files ---------------------------------------------------------------*/

static gboolean
add_file (RadioCheckpoint *c, const char *path, GError **error)
{
  RadioSafetensors *st = radio_safetensors_open (path, error);
  guint i;

  if (!st)
    return FALSE;
  g_ptr_array_add (c->files, st);
  c->file_bytes += radio_safetensors_get_file_size (st);
  for (i = 0; i < radio_safetensors_get_n_tensors (st); i++) {
    const RadioTensorInfo *info = radio_safetensors_get_tensor (st, i);
    if (g_hash_table_contains (c->tensors, info->name)) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
          "%s: tensor '%s' is stored in more than one shard", path,
          info->name);
      return FALSE;
    }
    g_hash_table_insert (c->tensors, (gpointer) info->name, (gpointer) info);
  }
  return TRUE;
}

static gboolean
add_sharded_files (RadioCheckpoint *c, const char *dir,
    const char *index_path, GError **error)
{
  g_autoptr (JsonParser) parser = radio_json_parse_file (index_path, error);
  g_autoptr (GHashTable) opened = NULL; /* file name -> RadioSafetensors* */
  JsonObject *map;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (!parser)
    return FALSE;
  map = radio_json_get_object (json_node_get_object (json_parser_get_root
          (parser)), "weight_map");
  if (!map) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_CONFIG,
        "%s: no 'weight_map' object", index_path);
    return FALSE;
  }
  opened = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  json_object_iter_init (&iter, map);
  while (json_object_iter_next (&iter, &name, &value)) {
    const char *file = JSON_NODE_HOLDS_VALUE (value)
        && json_node_get_value_type (value) == G_TYPE_STRING
        ? json_node_get_string (value) : NULL;
    g_autofree char *file_path = NULL;
    RadioSafetensors *shard;

    /* Shards must sit beside the index: no paths out of the folder. */
    if (!file || !*file || strchr (file, '/') || strchr (file, '\\')
        || strcmp (file, "..") == 0 || strcmp (file, ".") == 0) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_CONFIG,
          "%s: weight_map entry for '%s' is not a plain file name",
          index_path, name);
      return FALSE;
    }
    shard = g_hash_table_lookup (opened, file);
    if (!shard) {
      file_path = g_build_filename (dir, file, NULL);
      if (!add_file (c, file_path, error))
        return FALSE;
      shard = g_ptr_array_index (c->files, c->files->len - 1);
      g_hash_table_insert (opened, g_strdup (file), shard);
    }
    /* That shard itself must hold it, not just one opened earlier. */
    if (!radio_safetensors_lookup (shard, name)) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_MISSING_TENSOR,
          "%s: weight_map puts '%s' in %s, which does not hold it",
          index_path, name, file);
      return FALSE;
    }
  }
  if (c->files->len == 0) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_CONFIG,
        "%s: weight_map is empty", index_path);
    return FALSE;
  }
  return TRUE;
}

/* Resolves the weights file(s) and the config.json path from `path`. */
static gboolean
open_weights (RadioCheckpoint *c, char **config_path, GError **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *single = NULL;
  g_autofree char *index = NULL;

  if (g_file_test (c->path, G_FILE_TEST_IS_DIR)) {
    dir = g_strdup (c->path);
    single = g_build_filename (dir, "model.safetensors", NULL);
    index = g_build_filename (dir, "model.safetensors.index.json", NULL);
  } else if (g_file_test (c->path, G_FILE_TEST_EXISTS)) {
    dir = g_path_get_dirname (c->path);
    if (g_str_has_suffix (c->path, ".json"))
      index = g_strdup (c->path);
    else
      single = g_strdup (c->path);
  } else {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_IO,
        "model path %s does not exist", c->path);
    return FALSE;
  }
  *config_path = g_build_filename (dir, "config.json", NULL);
  if (!g_file_test (*config_path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_CONFIG,
        "config.json missing: %s has no %s", c->path, *config_path);
    return FALSE;
  }
  if (single && g_file_test (single, G_FILE_TEST_EXISTS))
    return add_file (c, single, error);
  if (index && g_file_test (index, G_FILE_TEST_EXISTS))
    return add_sharded_files (c, dir, index, error);
  g_set_error (error, RADIO_ERROR, RADIO_ERROR_IO,
      "%s holds neither model.safetensors nor model.safetensors.index.json",
      c->path);
  return FALSE;
}

/* ---- architecture --------------------------------------------------------*/

RadioPosInterp
radio_pos_interp_for_version (const char *version)
{
  /* Half-pixel position-embedding resize starts with C-RADIOv4. */
  if (version && g_str_has_prefix (version, "c-radio_v")
      && g_ascii_isdigit (version[9]) && atoi (version + 9) >= 4)
    return RADIO_POS_INTERP_HALF_PIXEL;
  return RADIO_POS_INTERP_ALIGN_CORNERS;
}

const char *
radio_pos_interp_name (RadioPosInterp interp)
{
  switch (interp) {
    case RADIO_POS_INTERP_ALIGN_CORNERS:
      return "align-corners";
    case RADIO_POS_INTERP_HALF_PIXEL:
      return "half-pixel";
    default:
      return "auto";
  }
}

gboolean
radio_pos_interp_from_name (const char *name, RadioPosInterp *out)
{
  static const RadioPosInterp all[] = { RADIO_POS_INTERP_AUTO,
    RADIO_POS_INTERP_ALIGN_CORNERS, RADIO_POS_INTERP_HALF_PIXEL };
  guint i;
  for (i = 0; i < G_N_ELEMENTS (all); i++) {
    if (g_strcmp0 (name, radio_pos_interp_name (all[i])) == 0) {
      *out = all[i];
      return TRUE;
    }
  }
  return FALSE;
}

const RadioArchSpec *
radio_arch_spec_lookup (const char *name)
{
  guint i;
  for (i = 0; name && i < G_N_ELEMENTS (arch_table); i++)
    if (strcmp (arch_table[i].name, name) == 0)
      return &arch_table[i];
  return NULL;
}

static const RadioArchSpec *
lookup_arch (RadioCheckpoint *c, const char *config_path, const char *name,
    GError **error)
{
  g_autofree char *lower = NULL;
  const RadioArchSpec *spec = radio_arch_spec_lookup (name);
  const char *variant = NULL;

  if (spec)
    return spec;
  if (!name) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_CONFIG,
        "%s: 'args.model' (the architecture name) is missing", config_path);
    return NULL;
  }
  lower = g_ascii_strdown (name, -1);
  if (strstr (lower, "eradio") || strstr (lower, "e_radio")
      || strstr (lower, "e-radio"))
    variant = "E-RADIO (convolutional hybrid)";
  else if (strstr (lower, "dinov2") || strstr (lower, "swiglu"))
    variant = "DINOv2-style SwiGLU ViT";
  if (variant)
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED,
        "%s: architecture '%s' is a %s, which gst-radio does not support",
        c->path, name, variant);
  else
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED,
        "%s: unknown architecture '%s'", c->path, name);
  return NULL;
}

/* Number of unique teacher names, for one CLS token per teacher. */
static gboolean
count_cls_tokens (RadioCheckpoint *c, const char *config_path,
    JsonObject *args, GError **error)
{
  JsonNode *node = json_object_get_member (args, "teachers");
  g_autoptr (GHashTable) names = NULL;
  JsonArray *teachers;
  guint i;

  if (!radio_json_get_bool (args, "cls_token_per_teacher", FALSE)) {
    c->num_cls_tokens = 1;
    return TRUE;
  }
  if (!node || !JSON_NODE_HOLDS_ARRAY (node)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_CONFIG,
        "%s: 'args.cls_token_per_teacher' is set but 'args.teachers' is "
        "not a list", config_path);
    return FALSE;
  }
  teachers = json_node_get_array (node);
  names = g_hash_table_new (g_str_hash, g_str_equal);
  for (i = 0; i < json_array_get_length (teachers); i++) {
    JsonNode *t = json_array_get_element (teachers, i);
    const char *name = JSON_NODE_HOLDS_OBJECT (t)
        ? radio_json_get_string (json_node_get_object (t), "name") : NULL;
    if (!name) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_CONFIG,
          "%s: 'args.teachers[%u]' has no name", config_path, i);
      return FALSE;
    }
    g_hash_table_add (names, (gpointer) name);
  }
  c->num_cls_tokens = g_hash_table_size (names);
  if (c->num_cls_tokens == 0) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_CONFIG,
        "%s: 'args.teachers' is empty", config_path);
    return FALSE;
  }
  return TRUE;
}

/* summary_idxs from the tensor; older exports lack it, then the teachers
 * with use_summary (default true) give it. */
static gboolean
load_summary_idxs (RadioCheckpoint *c, JsonObject *args, GError **error)
{
  const RadioTensorInfo *info = find_tensor (c, "summary_idxs");
  guint i;

  if (info) {
    if ((info->dtype != RADIO_DTYPE_I64 && info->dtype != RADIO_DTYPE_I32)
        || info->n_dims != 1 || info->n_elements == 0) {
      char have[128];
      radio_tensor_info_describe (info, have, sizeof (have));
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_SHAPE,
          "%s: tensor '%s' is %s, expected a non-empty I64 vector",
          c->path, info->name, have);
      return FALSE;
    }
    c->n_summary = (guint) info->n_elements;
    c->summary_idxs = g_new (guint, c->n_summary);
    for (i = 0; i < c->n_summary; i++) {
      gint64 v;
      if (info->dtype == RADIO_DTYPE_I64) {
        memcpy (&v, info->data + 8 * i, 8);
      } else {
        gint32 v32;
        memcpy (&v32, info->data + 4 * i, 4);
        v = v32;
      }
      v = GINT64_FROM_LE (v);
      if (v < 0 || v >= c->num_cls_tokens) {
        g_set_error (error, RADIO_ERROR, RADIO_ERROR_SHAPE,
            "%s: summary_idxs[%u] = %" G_GINT64_FORMAT " is not one of the "
            "%u CLS tokens", c->path, i, v, c->num_cls_tokens);
        return FALSE;
      }
      c->summary_idxs[i] = (guint) v;
    }
    return TRUE;
  }
  {
    JsonNode *node = json_object_get_member (args, "teachers");
    JsonArray *teachers = node && JSON_NODE_HOLDS_ARRAY (node)
        ? json_node_get_array (node) : NULL;
    guint n = teachers ? json_array_get_length (teachers) : 0;
    c->summary_idxs = g_new0 (guint, MAX (n, 1));
    for (i = 0; i < n && i < c->num_cls_tokens; i++) {
      JsonNode *t = json_array_get_element (teachers, i);
      if (JSON_NODE_HOLDS_OBJECT (t)
          && radio_json_get_bool (json_node_get_object (t), "use_summary", TRUE))
        c->summary_idxs[c->n_summary++] = i;
    }
    if (c->n_summary == 0)
      c->n_summary = 1; /* the single CLS token */
    g_debug ("%s: no summary_idxs tensor, using %u from the teachers",
        c->path, c->n_summary);
  }
  return TRUE;
}

static gboolean
load_blocks (RadioCheckpoint *c, GError **error)
{
  guint D = c->embed_dim, i;

  c->blocks = g_new0 (RadioBlock, c->depth);
  for (i = 0; i < c->depth; i++) {
    RadioBlock *b = &c->blocks[i];
    g_autofree char *p = g_strdup_printf ("model.blocks.%u", i);
    g_autofree char *n1 = g_strconcat (p, ".norm1", NULL);
    g_autofree char *n2 = g_strconcat (p, ".norm2", NULL);
    g_autofree char *qkv = g_strconcat (p, ".attn.qkv", NULL);
    g_autofree char *proj = g_strconcat (p, ".attn.proj", NULL);
    g_autofree char *fc1 = g_strconcat (p, ".mlp.fc1", NULL);
    g_autofree char *fc2 = g_strconcat (p, ".mlp.fc2", NULL);
    g_autofree char *mlp_norm = g_strconcat (p, ".mlp.norm", NULL);
    g_autofree char *qn = g_strconcat (p, ".attn.q_norm.weight", NULL);
    g_autofree char *ls1 = g_strconcat (p, ".ls1.grandma", NULL);
    g_autofree char *ls1g = g_strconcat (p, ".ls1.gamma", NULL);
    g_autofree char *ls2 = g_strconcat (p, ".ls2.grandma", NULL);
    g_autofree char *ls2g = g_strconcat (p, ".ls2.gamma", NULL);

    if (has_tensor (c, qn)) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED,
          "%s: block %u uses qk_norm (tensor '%s%s'), which gst-radio does "
          "not support", c->path, i, RADIO_TENSOR_PREFIX, qn);
      return FALSE;
    }
    if (!load_norm (c, n1, D, 1e-6f, TRUE, &b->norm1, error)
        || !load_linear (c, qkv, 3 * D, D, &b->qkv, error)
        || !load_linear (c, proj, D, D, &b->proj, error)
        || !load_norm (c, n2, D, 1e-6f, TRUE, &b->norm2, error)
        || !load_linear (c, fc1, c->mlp_hidden, D, &b->fc1, error)
        || !load_norm (c, mlp_norm, c->mlp_hidden, 1e-5f,
            g_str_has_suffix (c->arch_name, "_mlpnorm"), &b->mlp_norm, error)
        || !load_linear (c, fc2, D, c->mlp_hidden, &b->fc2, error)
        || !load_vector (c, has_tensor (c, ls1g) ? ls1g : ls1, D, FALSE,
            &b->ls1, error)
        || !load_vector (c, has_tensor (c, ls2g) ? ls2g : ls2, D, FALSE,
            &b->ls2, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
load_mlp (RadioCheckpoint *c, const char *config_path, const char *prefix,
    JsonObject *conf, RadioMlp *mlp, GError **error)
{
  g_autofree char *pre = g_strconcat (prefix, ".pre_norm.0", NULL);
  g_autofree char *fc1 = g_strconcat (prefix, ".fc1", NULL);
  g_autofree char *fn = g_strconcat (prefix, ".final.0", NULL);
  g_autofree char *fl = g_strconcat (prefix, ".final.2", NULL);
  guint D = c->embed_dim, hidden, n_inner = 0, conf_inner, out_total, i;

  if (!load_norm (c, pre, D, 1e-5f, FALSE, &mlp->pre_norm, error)
      || !load_linear (c, fc1, 0, D, &mlp->fc1, error))
    return FALSE;
  hidden = mlp->fc1.out_dim;
  for (;;) {
    g_autofree char *probe = g_strdup_printf ("%s.blocks.%u.0.weight",
        prefix, n_inner);
    if (!has_tensor (c, probe))
      break;
    n_inner++;
  }
  if (!radio_json_get_uint (config_path, conf, "adaptor num_inner of ", "num_inner",
          n_inner, &conf_inner, error))
    return FALSE;
  if (conf_inner != n_inner) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_MISSING_TENSOR,
        "%s: %s has %u inner blocks in the weights but num_inner = %u in "
        "config.json", c->path, prefix, n_inner, conf_inner);
    return FALSE;
  }
  mlp->num_inner = n_inner;
  mlp->inner_norms = g_new0 (RadioNorm, MAX (n_inner, 1));
  mlp->inner_linears = g_new0 (RadioLinear, MAX (n_inner, 1));
  for (i = 0; i < n_inner; i++) {
    g_autofree char *ln = g_strdup_printf ("%s.blocks.%u.0", prefix, i);
    g_autofree char *lin = g_strdup_printf ("%s.blocks.%u.2", prefix, i);
    if (!load_norm (c, ln, hidden, 1e-5f, TRUE, &mlp->inner_norms[i], error)
        || !load_linear (c, lin, hidden, hidden, &mlp->inner_linears[i],
            error))
      return FALSE;
  }
  if (!load_norm (c, fn, hidden, 1e-5f, TRUE, &mlp->final_norm, error)
      || !load_linear (c, fl, 0, hidden, &mlp->final_linear, error)
      || !radio_json_get_uint (config_path, conf, "adaptor ", "upsample_factor", 1,
          &mlp->upsample_factor, error))
    return FALSE;
  out_total = mlp->final_linear.out_dim;
  if (mlp->upsample_factor == 0 || mlp->upsample_factor > 16
      || out_total % (mlp->upsample_factor * mlp->upsample_factor)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED,
        "%s: %s has upsample_factor %u, which does not divide its %u "
        "outputs", c->path, prefix, mlp->upsample_factor, out_total);
    return FALSE;
  }
  mlp->output_dim = out_total / (mlp->upsample_factor * mlp->upsample_factor);
  return TRUE;
}

static gboolean
load_adaptors (RadioCheckpoint *c, const char *config_path, JsonObject *root,
    GError **error)
{
  JsonObject *configs = radio_json_get_object (root, "adaptor_configs");
  g_autoptr (GList) names = NULL;
  const char *mlp_version;
  GList *l;
  guint i = 0;

  if (!configs || json_object_get_size (configs) == 0)
    return TRUE;
  mlp_version = radio_json_get_string (radio_json_get_object (root, "args"), "mlp_version");
  if (mlp_version && strcmp (mlp_version, "v2") != 0) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED,
        "%s: adaptor MLP version '%s' is not supported (only v2)", c->path,
        mlp_version);
    return FALSE;
  }
  names = json_object_get_members (configs);
  c->adaptors = g_new0 (RadioAdaptor, g_list_length (names));
  for (l = names; l; l = l->next, i++) {
    const char *name = l->data;
    JsonObject *conf = radio_json_get_object (configs, name);
    RadioAdaptor *a = &c->adaptors[i];
    g_autofree char *head = g_strdup_printf ("adaptors.%s.head_mlp", name);
    g_autofree char *feat = g_strdup_printf ("adaptors.%s.feat_mlp", name);

    c->n_adaptors = i + 1;
    a->name = g_strdup (name);
    if (!conf) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_CONFIG,
          "%s: adaptor_configs.%s is not an object", config_path, name);
      return FALSE;
    }
    if (!radio_json_get_uint (config_path, conf, "adaptor ", "head_idx", 0,
            &a->head_idx, error)
        || !load_mlp (c, config_path, head,
            radio_json_get_object (conf, "summary"), &a->summary, error)
        || !load_mlp (c, config_path, feat,
            radio_json_get_object (conf, "feature"), &a->feature, error))
      return FALSE;
    /* A summary is one vector: there is no grid to spread extra outputs
     * over, so only the spatial head may upsample. */
    if (a->summary.upsample_factor != 1) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED,
          "%s: adaptor '%s' has upsample_factor %u on its summary head; "
          "only the feature head can upsample", config_path, name,
          a->summary.upsample_factor);
      return FALSE;
    }
    if (a->head_idx >= c->num_cls_tokens) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_CONFIG,
          "%s: adaptor '%s' head_idx %u is not one of the %u CLS tokens",
          config_path, name, a->head_idx, c->num_cls_tokens);
      return FALSE;
    }
  }
  return TRUE;
}

/* Reads config.json and binds every tensor. */
static gboolean
resolve (RadioCheckpoint *c, const char *config_path, GError **error)
{
  g_autoptr (JsonParser) parser = radio_json_parse_file (config_path, error);
  JsonObject *root, *args, *kwargs;
  const RadioArchSpec *spec;
  const RadioTensorInfo *info;
  guint kw, cpe_max_size, register_multiple, cpe_registers, rows;
  gint64 shape3[3] = { 3, 1, 1 };

  if (!parser)
    return FALSE;
  root = json_node_get_object (json_parser_get_root (parser));
  args = radio_json_get_object (root, "args");
  if (!args) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_CONFIG,
        "%s: no 'args' object (not a RADIO config.json?)", config_path);
    return FALSE;
  }
  kwargs = radio_json_get_object (args, "model_kwargs");
  c->version = g_strdup (radio_json_get_string (root, "version"));
  c->arch_name = g_strdup (radio_json_get_string (args, "model"));
  if (!(spec = lookup_arch (c, config_path, c->arch_name, error)))
    return FALSE;
  if (radio_json_has_value (root, "vitdet_window_size")) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED,
        "%s: the windowed-attention (ViTDet) variant is not supported",
        c->path);
    return FALSE;
  }
  if (radio_json_get_bool (kwargs, "qk_norm", FALSE)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED,
        "%s: qk_norm models are not supported", c->path);
    return FALSE;
  }

  /* Patch embedder: its shape gives D and P. */
  if (!radio_json_get_uint (config_path, root, "", "patch_size", spec->patch_size,
          &c->patch_size, error))
    return FALSE;
  if (c->patch_size == 0 || c->patch_size > 64) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_CONFIG,
        "%s: patch_size %u is out of range", config_path, c->patch_size);
    return FALSE;
  }
  if (!load_linear (c, "model.patch_generator.embedder", 0,
          3 * c->patch_size * c->patch_size, &c->embedder, error))
    return FALSE;
  c->embed_dim = c->embedder.out_dim;
  c->weight_dtype = c->embedder.weight.dtype;
  if (!radio_json_get_uint (config_path, kwargs, "args.model_kwargs.", "embed_dim",
          c->embed_dim, &kw, error))
    return FALSE;
  if (kw != c->embed_dim) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_SHAPE,
        "%s: patch embedder has %u outputs but model_kwargs.embed_dim is %u",
        c->path, c->embed_dim, kw);
    return FALSE;
  }
  if (!radio_json_get_uint (config_path, kwargs, "args.model_kwargs.", "num_heads",
          spec->num_heads, &c->num_heads, error)
      || !radio_json_get_uint (config_path, kwargs, "args.model_kwargs.", "depth",
          spec->depth, &c->depth, error))
    return FALSE;
  if (c->num_heads == 0 || c->embed_dim % c->num_heads != 0
      || c->depth == 0) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_CONFIG,
        "%s: %u heads and depth %u do not fit embed_dim %u", config_path,
        c->num_heads, c->depth, c->embed_dim);
    return FALSE;
  }
  c->head_dim = c->embed_dim / c->num_heads;
  {
    g_autofree char *extra = g_strdup_printf ("model.blocks.%u.norm1.weight",
        c->depth);
    if (has_tensor (c, extra)) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_SHAPE,
          "%s: the weights hold more than the %u blocks config.json "
          "declares", c->path, c->depth);
      return FALSE;
    }
  }
  info = find_tensor (c, "model.blocks.0.mlp.fc1.weight");
  c->mlp_hidden = info && info->n_dims == 2 ? (guint) info->shape[0]
      : spec->mlp_hidden;
  if (has_tensor (c, "model.blocks.0.mlp.fc1_g.weight")
      || has_tensor (c, "model.blocks.0.mlp.w12.weight")) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_UNSUPPORTED,
        "%s: SwiGLU MLP blocks are not supported", c->path);
    return FALSE;
  }

  /* Prefix tokens. */
  if (!count_cls_tokens (c, config_path, args, error)
      || !radio_json_get_uint (config_path, args, "args.", "register_multiple", 0,
          &register_multiple, error)
      || !radio_json_get_uint (config_path, args, "args.", "cpe_num_registers", 0,
          &cpe_registers, error))
    return FALSE;
  if (radio_json_has_value (args, "cpe_num_registers"))
    c->num_registers = cpe_registers;
  else if (register_multiple > 0)
    c->num_registers = register_multiple
        - (c->num_cls_tokens % register_multiple);
  c->num_prefix_tokens = c->num_cls_tokens + c->num_registers;
  {
    gint64 shape[2] = { 0, c->embed_dim };
    info = bind_tensor (c, "model.patch_generator.cls_token.token", TRUE, 2,
        shape, error);
    if (!info)
      return FALSE;
    if (info->shape[0] != c->num_prefix_tokens) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_SHAPE,
          "%s: cls_token.token has %" G_GINT64_FORMAT " rows but config.json "
          "implies %u CLS tokens + %u registers", c->path, info->shape[0],
          c->num_cls_tokens, c->num_registers);
      return FALSE;
    }
    c->prefix_tokens = as_f32 (c, info);
  }
  if (!load_summary_idxs (c, args, error))
    return FALSE;

  /* Position grid. */
  if (!radio_json_get_uint (config_path, args, "args.", "cpe_max_size", 0,
          &cpe_max_size, error))
    return FALSE;
  {
    gint64 shape[3] = { 1, 0, c->embed_dim };
    info = bind_tensor (c, "model.patch_generator.pos_embed", TRUE, 3, shape,
        error);
    if (!info)
      return FALSE;
    rows = (guint) MIN (info->shape[1], (gint64) G_MAXUINT);
    c->pos_grid = cpe_max_size ? (cpe_max_size + c->patch_size - 1)
        / c->patch_size : (guint) llround (sqrt ((double) rows));
    if ((gint64) c->pos_grid * c->pos_grid != info->shape[1]) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_SHAPE,
          "%s: pos_embed has %" G_GINT64_FORMAT " rows, expected %u x %u "
          "for cpe_max_size %u", c->path, info->shape[1], c->pos_grid,
          c->pos_grid, cpe_max_size);
      return FALSE;
    }
    c->pos_embed.data = info->data;
    c->pos_embed.dtype = info->dtype;
  }

  /* Input conditioner. */
  {
    const RadioTensorInfo *mean = bind_tensor (c,
        "input_conditioner.norm_mean", TRUE, 3, shape3, error);
    const RadioTensorInfo *std = mean ? bind_tensor (c,
        "input_conditioner.norm_std", TRUE, 3, shape3, error) : NULL;
    guint i;
    if (!std)
      return FALSE;
    radio_cpu_convert_to_f32 (c->cond_mean, (RadioTensorView) { mean->data,
        mean->dtype }, 3);
    radio_cpu_convert_to_f32 (c->cond_std, (RadioTensorView) { std->data,
        std->dtype }, 3);
    for (i = 0; i < 3; i++) {
      if (!(c->cond_std[i] > 0.0f) || !isfinite (c->cond_mean[i])) {
        g_set_error (error, RADIO_ERROR, RADIO_ERROR_SHAPE,
            "%s: input_conditioner.norm_std must be positive", c->path);
        return FALSE;
      }
    }
  }

  if (!load_norm (c, "model.patch_generator.patch_normalizer",
          c->embed_dim, 1e-5f, FALSE, &c->patch_norm, error)
      || !load_blocks (c, error)
      || !load_norm (c, "model.norm", c->embed_dim, 1e-6f,
          radio_json_get_bool (args, "model_norm", FALSE), &c->final_norm, error))
    return FALSE;
  if (!radio_json_get_bool (args, "model_norm", FALSE) && c->final_norm.dim) {
    /* Present but switched off: the upstream model skips it too. */
    memset (&c->final_norm, 0, sizeof (c->final_norm));
  }
  if (radio_json_has_value (root, "feature_normalizer_config")) {
    gint64 shape[2] = { c->embed_dim, c->embed_dim };
    if (!load_vector (c, "feature_normalizer.mean", c->embed_dim, TRUE,
            &c->normalizer_mean, error)
        || !(info = bind_tensor (c, "feature_normalizer.tx", TRUE, 2, shape,
                error)))
      return FALSE;
    c->normalizer_tx.data = info->data;
    c->normalizer_tx.dtype = info->dtype;
  }
  if (!load_adaptors (c, config_path, root, error))
    return FALSE;

  if (!radio_json_get_uint (config_path, root, "", "max_resolution", 2048,
          &c->max_resolution, error))
    return FALSE;
  {
    JsonNode *pref = json_object_get_member (root, "preferred_resolution");
    JsonArray *arr = pref && JSON_NODE_HOLDS_ARRAY (pref)
        ? json_node_get_array (pref) : NULL;
    c->preferred_height = c->preferred_width = 0;
    if (arr && json_array_get_length (arr) == 2) {
      c->preferred_height = (guint) MAX (0,
          json_array_get_int_element (arr, 0));
      c->preferred_width = (guint) MAX (0,
          json_array_get_int_element (arr, 1));
    }
    if (c->preferred_height == 0 || c->preferred_width == 0)
      c->preferred_height = c->preferred_width = 16 * c->patch_size;
  }
  c->pos_interp = radio_pos_interp_for_version (c->version);
  c->random_weights = radio_json_get_bool (root, "gst_radio_random_weights", FALSE);
  return TRUE;
}

static void
count_parameters (RadioCheckpoint *c)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, c->tensors);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    const RadioTensorInfo *info = value;
    if (!g_hash_table_contains (c->consumed, key)) {
      g_debug ("%s: ignoring tensor '%s' the forward pass does not use",
          c->path, (const char *) key);
      continue;
    }
    if (is_float_dtype (info->dtype))
      c->n_parameters += info->n_elements;
  }
}

RadioCheckpoint *
radio_checkpoint_load (const char *path, GError **error)
{
  RadioCheckpoint *c;
  g_autofree char *config_path = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  c = g_new0 (RadioCheckpoint, 1);
  c->ref_count = 1;
  c->path = g_strdup (path);
  c->files = g_ptr_array_new_with_free_func ((GDestroyNotify)
      radio_safetensors_unref);
  c->tensors = g_hash_table_new (g_str_hash, g_str_equal);
  c->consumed = g_hash_table_new (g_str_hash, g_str_equal);
  c->owned = g_ptr_array_new_with_free_func (g_free);

  if (!open_weights (c, &config_path, error)
      || !resolve (c, config_path, error)) {
    radio_checkpoint_unref (c);
    return NULL;
  }
  count_parameters (c);
  return c;
}

RadioCheckpoint *
radio_checkpoint_ref (RadioCheckpoint *ckpt)
{
  g_return_val_if_fail (ckpt != NULL, NULL);
  g_atomic_int_inc (&ckpt->ref_count);
  return ckpt;
}

static void
mlp_clear (RadioMlp *mlp)
{
  g_free (mlp->inner_norms);
  g_free (mlp->inner_linears);
}

void
radio_checkpoint_unref (RadioCheckpoint *ckpt)
{
  guint i;

  if (!ckpt || !g_atomic_int_dec_and_test (&ckpt->ref_count))
    return;
  for (i = 0; i < ckpt->n_adaptors; i++) {
    g_free (ckpt->adaptors[i].name);
    mlp_clear (&ckpt->adaptors[i].summary);
    mlp_clear (&ckpt->adaptors[i].feature);
  }
  g_free (ckpt->adaptors);
  g_free (ckpt->blocks);
  g_free (ckpt->summary_idxs);
  g_free (ckpt->version);
  g_free (ckpt->arch_name);
  g_free (ckpt->path);
  g_ptr_array_unref (ckpt->owned);
  g_hash_table_unref (ckpt->consumed);
  g_hash_table_unref (ckpt->tensors);
  g_ptr_array_unref (ckpt->files);
  g_free (ckpt);
}

const RadioAdaptor *
radio_checkpoint_find_adaptor (RadioCheckpoint *ckpt, const char *name)
{
  guint i;
  for (i = 0; i < ckpt->n_adaptors; i++)
    if (strcmp (ckpt->adaptors[i].name, name) == 0)
      return &ckpt->adaptors[i];
  return NULL;
}

char *
radio_checkpoint_describe (RadioCheckpoint *c)
{
  GString *s = g_string_new (NULL);
  guint i;

  g_string_append_printf (s, "model:          %s\n", c->path);
  g_string_append_printf (s, "version:        %s\n",
      c->version ? c->version : "(none)");
  g_string_append_printf (s, "architecture:   %s\n", c->arch_name);
  g_string_append_printf (s, "embed dim:      %u\n", c->embed_dim);
  g_string_append_printf (s, "depth:          %u\n", c->depth);
  g_string_append_printf (s, "heads:          %u (head dim %u)\n",
      c->num_heads, c->head_dim);
  g_string_append_printf (s, "mlp hidden:     %u%s\n", c->mlp_hidden,
      c->blocks[0].mlp_norm.dim ? " (with mlp norm)" : "");
  g_string_append_printf (s, "layer scale:    %s\n",
      c->blocks[0].ls1 ? "yes" : "no");
  g_string_append_printf (s, "patch size:     %u\n", c->patch_size);
  g_string_append_printf (s, "tokens:         %u cls + %u registers\n",
      c->num_cls_tokens, c->num_registers);
  g_string_append (s, "summary tokens: ");
  for (i = 0; i < c->n_summary; i++)
    g_string_append_printf (s, "%s%u", i ? ", " : "", c->summary_idxs[i]);
  g_string_append_printf (s, " (summary dim %u)\n",
      c->n_summary * c->embed_dim);
  g_string_append_printf (s, "position grid:  %u x %u (%s resize)\n",
      c->pos_grid, c->pos_grid, radio_pos_interp_name (c->pos_interp));
  g_string_append_printf (s, "feature norm:   %s\n",
      c->normalizer_mean ? "yes" : "no");
  g_string_append_printf (s, "final norm:     %s\n",
      c->final_norm.dim ? "yes" : "no");
  g_string_append_printf (s, "resolution:     preferred %ux%u, max %u\n",
      c->preferred_width, c->preferred_height, c->max_resolution);
  g_string_append_printf (s, "adaptors:       ");
  if (c->n_adaptors == 0)
    g_string_append (s, "(none)");
  for (i = 0; i < c->n_adaptors; i++) {
    const RadioAdaptor *a = &c->adaptors[i];
    g_string_append_printf (s, "%s%s (summary %u, spatial %u)",
        i ? ", " : "", a->name, a->summary.output_dim, a->feature.output_dim);
  }
  g_string_append_printf (s, "\ndtype:          %s\n",
      radio_dtype_name (c->weight_dtype));
  g_string_append_printf (s, "parameters:     %" G_GUINT64_FORMAT
      " (%.1f M)\n", c->n_parameters, c->n_parameters / 1e6);
  g_string_append_printf (s, "files:          %u (%.1f MB)\n",
      c->files->len, c->file_bytes / 1e6);
  if (c->random_weights)
    g_string_append (s, "weights:        RANDOM (a gst-radio demo/benchmark "
        "model: its features mean nothing)\n");
  return g_string_free (s, FALSE);
}
