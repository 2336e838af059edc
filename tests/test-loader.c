/* test-loader: the checkpoint loader's rejection paths, plus positive checks.
 *
 * Every bad input is built in a fresh temporary folder: raw bytes for
 * malformed safetensors files, or a copy of a golden model
 * (tests/data/golden, found through RADIO_GOLDEN_DIR) or a small random model
 * with one thing altered.  Each rejection must return no object and carry
 * the specific RADIO_ERROR code and a message that names the file concerned
 * and the defect (a distinctive substring per case).  The positive checks
 * load the three golden models with their expected dimensions, load a
 * two-shard split and a random model, and round-trip the safetensors
 * writer. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "test-util.h"
#include "radio-checkpoint.h"
#include "radio-error.h"
#include "radio-random-model.h"
#include "radio-safetensors.h"

#define SHARD1 "model-00001-of-00002.safetensors"
#define SHARD2 "model-00002-of-00002.safetensors"
#define INDEX_JSON "model.safetensors.index.json"
#define QKV_WEIGHT RADIO_TENSOR_PREFIX "model.blocks.0.attn.qkv.weight"

/* Fails the test unless err's message contains substr. */
#define assert_message_has(err, substr) \
  G_STMT_START { \
    if (strstr ((err)->message, (substr)) == NULL) { \
      char *msg_ = g_strdup_printf ("error message \"%s\" does not " \
          "contain \"%s\"", (err)->message, (substr)); \
      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, \
          msg_); \
      g_free (msg_); \
    } \
  } G_STMT_END

#define assert_radio_error(err, code, substr) \
  G_STMT_START { \
    g_assert_error ((err), RADIO_ERROR, (gint) (code)); \
    assert_message_has ((err), (substr)); \
  } G_STMT_END

typedef struct {
  char *dir;   /* a fresh temporary folder, removed afterwards */
  char *model; /* dir/model: where the model folder under test goes */
} Fixture;

/* ---- files ------------------------------------------------------------- */

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  GError *error = NULL;

  fx->dir = g_dir_make_tmp ("radio-test-loader-XXXXXX", &error);
  g_assert_no_error (error);
  fx->model = g_build_filename (fx->dir, "model", NULL);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  radio_test_remove_tree (fx->dir);
  g_assert_false (g_file_test (fx->dir, G_FILE_TEST_EXISTS));
  g_free (fx->model);
  g_free (fx->dir);
}

static void
write_file (const char *path, const void *data, gsize len)
{
  GError *error = NULL;

  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
}

static void
copy_file (const char *src, const char *dst)
{
  GError *error = NULL;
  char *contents;
  gsize len;

  g_file_get_contents (src, &contents, &len, &error);
  g_assert_no_error (error);
  write_file (dst, contents, len);
  g_free (contents);
}

static void
remove_file (const char *dir, const char *name)
{
  char *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_free (path);
}

/* The golden model folder, or NULL (test skipped) when RADIO_GOLDEN_DIR is
 * unset. */
static char *
golden_path (const char *model)
{
  const char *dir = g_getenv ("RADIO_GOLDEN_DIR");

  if (dir == NULL || *dir == '\0') {
    g_test_skip ("RADIO_GOLDEN_DIR is not set");
    return NULL;
  }
  return g_build_filename (dir, model, NULL);
}

/* Copies a golden model's config.json and model.safetensors to fx->model.
 * FALSE (test skipped) without RADIO_GOLDEN_DIR. */
static gboolean
copy_golden (Fixture *fx, const char *model)
{
  char *src = golden_path (model);
  static const char *const files[] = { "config.json", "model.safetensors" };
  guint i;

  if (src == NULL)
    return FALSE;
  g_assert_cmpint (g_mkdir (fx->model, 0755), ==, 0);
  for (i = 0; i < G_N_ELEMENTS (files); i++) {
    char *from = g_build_filename (src, files[i], NULL);
    char *to = g_build_filename (fx->model, files[i], NULL);
    copy_file (from, to);
    g_free (from);
    g_free (to);
  }
  g_free (src);
  return TRUE;
}

/* A small random model in fx->model: vit_tiny cut down to 32 dims, one block,
 * 2 heads, a 4 x 4 position grid, a "clip" adaptor, float32. */
static void
write_random_model (Fixture *fx)
{
  RadioRandomModelSpec spec;
  GError *error = NULL;

  g_assert_true (radio_random_model_spec_init (&spec,
          "vit_tiny_patch16_224", &error));
  g_assert_no_error (error);
  spec.embed_dim = 32;
  spec.depth = 1;
  spec.num_heads = 2;
  spec.mlp_hidden = 64;
  spec.cpe_max_size = 64;
  spec.adaptor = "clip";
  spec.adaptor_dim = 16;
  spec.dtype = RADIO_DTYPE_F32;
  g_assert_true (radio_random_model_write (&spec, fx->model, &error));
  g_assert_no_error (error);
}

/* ---- raw safetensors bytes --------------------------------------------- */

/* Writes the 8-byte little-endian header_len (which may lie), the header
 * text, then data_len bytes of a fixed pattern. */
static void
write_st_bytes (const char *path, guint64 header_len, const char *header,
    gsize data_len)
{
  GByteArray *buf = g_byte_array_new ();
  guint8 len_bytes[8];
  guint i;

  for (i = 0; i < 8; i++)
    len_bytes[i] = (guint8) (header_len >> (8 * i));
  g_byte_array_append (buf, len_bytes, 8);
  g_byte_array_append (buf, (const guint8 *) header, strlen (header));
  for (i = 0; i < data_len; i++) {
    guint8 b = (guint8) (0x5a ^ i);
    g_byte_array_append (buf, &b, 1);
  }
  write_file (path, buf->data, buf->len);
  g_byte_array_unref (buf);
}

/* fx->dir/bad.safetensors with a truthful header length. */
static char *
write_st (Fixture *fx, const char *header, gsize data_len)
{
  char *path = g_build_filename (fx->dir, "bad.safetensors", NULL);

  write_st_bytes (path, strlen (header), header, data_len);
  return path;
}

/* radio_safetensors_open (path) must fail with code, naming path and
 * containing substr. */
static void
expect_open_error (const char *path, RadioErrorCode code, const char *substr)
{
  GError *error = NULL;
  RadioSafetensors *st = radio_safetensors_open (path, &error);

  g_assert_null (st);
  assert_radio_error (error, code, substr);
  assert_message_has (error, path);
  g_error_free (error);
}

/* Writes header (+ data_len bytes) and expects a FORMAT error. */
static void
expect_header_error (Fixture *fx, const char *header, gsize data_len,
    const char *substr)
{
  char *path = write_st (fx, header, data_len);

  expect_open_error (path, RADIO_ERROR_FORMAT, substr);
  g_free (path);
}

/* radio_checkpoint_load (path) must fail with code; the message must name
 * `names` (a path or tensor) and contain substr. */
static void
expect_load_error (const char *path, RadioErrorCode code, const char *names,
    const char *substr)
{
  GError *error = NULL;
  RadioCheckpoint *ckpt = radio_checkpoint_load (path, &error);

  g_assert_null (ckpt);
  assert_radio_error (error, code, substr);
  assert_message_has (error, names);
  g_test_message ("rejected as expected: %s", error->message);
  g_error_free (error);
}

/* ---- editing a model --------------------------------------------------- */

typedef struct {
  const char *name; /* full tensor name */
  gboolean drop;    /* remove it; else store the tensor below instead */
  RadioDType dtype; /* (added when the file lacks it) */
  guint n_dims;
  gint64 shape[3];
  const void *data; /* NULL: zeros */
} TensorEdit;

static void
writer_add_edit (RadioSafetensorsWriter *writer, const TensorEdit *edit)
{
  gsize n = 1, size;
  guint i;
  void *data;

  for (i = 0; i < edit->n_dims; i++)
    n *= (gsize) edit->shape[i];
  size = n * radio_dtype_size (edit->dtype);
  data = edit->data ? g_memdup2 (edit->data, size) : g_malloc0 (size);
  g_assert_true (radio_safetensors_writer_add_bytes (writer, edit->name,
          edit->dtype, edit->n_dims, edit->shape,
          g_bytes_new_take (data, size)));
}

/* Rewrites dir/model.safetensors through the writer with one tensor
 * removed, replaced or added. */
static void
edit_tensor (const char *dir, const TensorEdit *edit)
{
  char *path = g_build_filename (dir, "model.safetensors", NULL);
  RadioSafetensorsWriter *writer = radio_safetensors_writer_new ();
  GError *error = NULL;
  RadioSafetensors *st = radio_safetensors_open (path, &error);
  gboolean found = FALSE;
  guint i;

  g_assert_no_error (error);
  for (i = 0; i < radio_safetensors_get_n_tensors (st); i++) {
    const RadioTensorInfo *info = radio_safetensors_get_tensor (st, i);
    if (strcmp (info->name, edit->name) == 0) {
      found = TRUE;
      if (!edit->drop)
        writer_add_edit (writer, edit);
      continue;
    }
    g_assert_true (radio_safetensors_writer_add (writer, info->name,
            info->dtype, info->n_dims, info->shape, info->data));
  }
  if (!found) {
    g_assert_false (edit->drop);
    writer_add_edit (writer, edit);
  }
  radio_safetensors_writer_set_metadata (writer, "format", "pt");
  /* The writer holds copies: unmap before replacing the file. */
  radio_safetensors_unref (st);
  g_assert_true (radio_safetensors_writer_save (writer, path, &error));
  g_assert_no_error (error);
  radio_safetensors_writer_free (writer);
  g_free (path);
}

static JsonNode *
string_node (const char *value)
{
  return json_node_init_string (json_node_alloc (), value);
}

static JsonNode *
int_node (gint64 value)
{
  return json_node_init_int (json_node_alloc (), value);
}

static JsonNode *
bool_node (gboolean value)
{
  return json_node_init_boolean (json_node_alloc (), value);
}

/* Sets (value != NULL, taken) or removes the member at a dotted path of
 * dir/config.json, e.g. "args.model_kwargs.depth". */
static void
edit_config (const char *dir, const char *member, JsonNode *value)
{
  char *path = g_build_filename (dir, "config.json", NULL);
  JsonParser *parser = json_parser_new ();
  JsonGenerator *gen = json_generator_new ();
  GError *error = NULL;
  char **parts = g_strsplit (member, ".", -1);
  JsonObject *obj;
  guint i;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  obj = json_node_get_object (json_parser_get_root (parser));
  for (i = 0; parts[i + 1] != NULL; i++) {
    JsonNode *node = json_object_get_member (obj, parts[i]);
    g_assert_nonnull (node);
    g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
    obj = json_node_get_object (node);
  }
  if (value != NULL) {
    json_object_set_member (obj, parts[i], value);
  } else {
    g_assert_true (json_object_has_member (obj, parts[i]));
    json_object_remove_member (obj, parts[i]);
  }
  json_generator_set_root (gen, json_parser_get_root (parser));
  json_generator_set_pretty (gen, TRUE);
  json_generator_to_file (gen, path, &error);
  g_assert_no_error (error);
  g_strfreev (parts);
  g_object_unref (gen);
  g_object_unref (parser);
  g_free (path);
}

/* Splits dir/model.safetensors into SHARD1 (everything but block 1) and
 * SHARD2 (block 1), writes INDEX_JSON and removes the single file.  dup, when
 * set, is stored in both shards.  map_name / map_file, when set, override
 * (or add) one weight_map entry. */
static void
write_sharded (const char *dir, const char *dup, const char *map_name,
    const char *map_file)
{
  char *path = g_build_filename (dir, "model.safetensors", NULL);
  char *shard1 = g_build_filename (dir, SHARD1, NULL);
  char *shard2 = g_build_filename (dir, SHARD2, NULL);
  char *index = g_build_filename (dir, INDEX_JSON, NULL);
  RadioSafetensorsWriter *w1 = radio_safetensors_writer_new ();
  RadioSafetensorsWriter *w2 = radio_safetensors_writer_new ();
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root;
  GError *error = NULL;
  RadioSafetensors *st = radio_safetensors_open (path, &error);
  guint i, n2 = 0;

  g_assert_no_error (error);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "metadata");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "total_size");
  json_builder_add_int_value (b,
      (gint64) radio_safetensors_get_file_size (st));
  json_builder_end_object (b);
  json_builder_set_member_name (b, "weight_map");
  json_builder_begin_object (b);
  for (i = 0; i < radio_safetensors_get_n_tensors (st); i++) {
    const RadioTensorInfo *t = radio_safetensors_get_tensor (st, i);
    gboolean second = strstr (t->name, ".blocks.1.") != NULL;
    const char *file = second ? SHARD2 : SHARD1;

    g_assert_true (radio_safetensors_writer_add (second ? w2 : w1, t->name,
            t->dtype, t->n_dims, t->shape, t->data));
    if (g_strcmp0 (t->name, dup) == 0)
      g_assert_true (radio_safetensors_writer_add (second ? w1 : w2,
              t->name, t->dtype, t->n_dims, t->shape, t->data));
    n2 += second;
    if (g_strcmp0 (t->name, map_name) == 0)
      continue;
    json_builder_set_member_name (b, t->name);
    json_builder_add_string_value (b, file);
  }
  g_assert_cmpuint (n2, >, 0);
  if (map_name != NULL) {
    json_builder_set_member_name (b, map_name);
    json_builder_add_string_value (b, map_file);
  }
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_to_file (gen, index, &error);
  g_assert_no_error (error);

  radio_safetensors_unref (st);
  g_assert_true (radio_safetensors_writer_save (w1, shard1, &error));
  g_assert_no_error (error);
  g_assert_true (radio_safetensors_writer_save (w2, shard2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_unlink (path), ==, 0);

  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  radio_safetensors_writer_free (w1);
  radio_safetensors_writer_free (w2);
  g_free (index);
  g_free (shard2);
  g_free (shard1);
  g_free (path);
}

/* ---- safetensors level ------------------------------------------------- */

static void
test_st_truncated (Fixture *fx, gconstpointer data)
{
  char *path = g_build_filename (fx->dir, "short.safetensors", NULL);

  write_file (path, "\x10\0\0\0\0", 5);
  expect_open_error (path, RADIO_ERROR_FORMAT,
      "truncated: 5 bytes is shorter than the 8-byte header length");
  g_free (path);
}

static void
test_st_empty (Fixture *fx, gconstpointer data)
{
  char *path = g_build_filename (fx->dir, "empty.safetensors", NULL);

  write_file (path, "", 0);
  expect_open_error (path, RADIO_ERROR_FORMAT, "truncated: 0 bytes");
  g_free (path);
}

static void
test_st_missing_file (Fixture *fx, gconstpointer data)
{
  char *path = g_build_filename (fx->dir, "absent.safetensors", NULL);

  expect_open_error (path, RADIO_ERROR_IO, "cannot open");
  g_free (path);
}

static void
test_st_header_past_end (Fixture *fx, gconstpointer data)
{
  char *path = g_build_filename (fx->dir, "long.safetensors", NULL);

  write_st_bytes (path, 1000, "{}", 4);
  expect_open_error (path, RADIO_ERROR_FORMAT,
      "header length 1000 runs past the end of the file (14 bytes)");
  /* All 64 bits set: no wrap-around in the bounds check. */
  write_st_bytes (path, G_MAXUINT64, "{}", 4);
  expect_open_error (path, RADIO_ERROR_FORMAT, "runs past the end");
  g_free (path);
}

static void
test_st_header_implausible (Fixture *fx, gconstpointer data)
{
  char *path = g_build_filename (fx->dir, "zero.safetensors", NULL);

  write_st_bytes (path, 0, "{}", 0);
  expect_open_error (path, RADIO_ERROR_FORMAT, "implausible header length 0");
  g_free (path);
}

static void
test_st_invalid_json (Fixture *fx, gconstpointer data)
{
  expect_header_error (fx, "{\"t\": {\"dtype\": \"F32\", ", 0,
      "header is not valid JSON");
}

static void
test_st_not_object (Fixture *fx, gconstpointer data)
{
  expect_header_error (fx, "[1, 2, 3]", 0, "header JSON is not an object");
}

static void
test_st_entry_not_object (Fixture *fx, gconstpointer data)
{
  expect_header_error (fx, "{\"t\": 3}", 0,
      "header entry 't' is not a JSON object");
  expect_header_error (fx, "{\"t\": {\"shape\": [1], "
      "\"data_offsets\": [0, 4]}}", 4, "tensor 't' needs a string 'dtype'");
}

static void
test_st_unknown_dtype (Fixture *fx, gconstpointer data)
{
  expect_header_error (fx, "{\"t\": {\"dtype\": \"Q4\", \"shape\": [2], "
      "\"data_offsets\": [0, 1]}}", 1, "tensor 't' has unknown dtype 'Q4'");
}

static void
test_st_bad_shape (Fixture *fx, gconstpointer data)
{
  static const char *const shapes[] = { "[2, -3]", "[2.5]", "[\"4\"]",
    "[null]", "[[1]]" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (shapes); i++) {
    char *header = g_strdup_printf ("{\"w\": {\"dtype\": \"F32\", "
        "\"shape\": %s, \"data_offsets\": [0, 8]}}", shapes[i]);
    expect_header_error (fx, header, 8, "tensor 'w' has a shape entry that "
        "is not a non-negative integer");
    g_free (header);
  }
  expect_header_error (fx, "{\"w\": {\"dtype\": \"F32\", "
      "\"shape\": [1, 1, 1, 1, 1, 1, 1, 1, 1], \"data_offsets\": [0, 4]}}",
      4, "tensor 'w' has 9 dimensions");
}

static void
test_st_shape_overflow (Fixture *fx, gconstpointer data)
{
  /* 2^40 x 2^40 elements. */
  expect_header_error (fx, "{\"big\": {\"dtype\": \"U8\", "
      "\"shape\": [1099511627776, 1099511627776], "
      "\"data_offsets\": [0, 0]}}", 0,
      "tensor 'big' has a shape whose element count overflows");
  /* 2^62 float32 elements: the count fits, the byte size does not. */
  expect_header_error (fx, "{\"big\": {\"dtype\": \"F32\", "
      "\"shape\": [4611686018427387904], \"data_offsets\": [0, 0]}}", 0,
      "tensor 'big' has a shape whose byte size overflows");
}

static void
test_st_offsets_outside (Fixture *fx, gconstpointer data)
{
  expect_header_error (fx, "{\"w\": {\"dtype\": \"F32\", \"shape\": [100], "
      "\"data_offsets\": [0, 400]}}", 16,
      "data_offsets [0, 400] of tensor 'w' lie outside the data area "
      "(16 bytes)");
}

static void
test_st_offsets_reversed (Fixture *fx, gconstpointer data)
{
  expect_header_error (fx, "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], "
      "\"data_offsets\": [8, 4]}}", 16,
      "tensor 'w' has malformed data_offsets");
  expect_header_error (fx, "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], "
      "\"data_offsets\": [-4, 0]}}", 16,
      "tensor 'w' has malformed data_offsets");
  expect_header_error (fx, "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], "
      "\"data_offsets\": [0, 4, 8]}}", 16,
      "tensor 'w' has malformed data_offsets");
}

static void
test_st_overlap (Fixture *fx, gconstpointer data)
{
  expect_header_error (fx, "{\"a\": {\"dtype\": \"F32\", \"shape\": [4], "
      "\"data_offsets\": [0, 16]}, \"b\": {\"dtype\": \"F32\", "
      "\"shape\": [4], \"data_offsets\": [8, 24]}}", 24,
      "data of tensors 'a' and 'b' overlap");
  /* Same start: the shorter one is sorted first and still caught. */
  expect_header_error (fx, "{\"long\": {\"dtype\": \"F32\", "
      "\"shape\": [4], \"data_offsets\": [0, 16]}, \"short\": "
      "{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 16,
      "data of tensors 'short' and 'long' overlap");
}

static void
test_st_size_mismatch (Fixture *fx, gconstpointer data)
{
  expect_header_error (fx, "{\"w\": {\"dtype\": \"F32\", \"shape\": [3], "
      "\"data_offsets\": [0, 16]}}", 16,
      "tensor 'w' holds 16 bytes but dtype F32 x shape needs 12");
}

static void
test_st_metadata (Fixture *fx, gconstpointer data)
{
  expect_header_error (fx, "{\"__metadata__\": {\"format\": \"pt\", "
      "\"step\": 7}}", 0, "__metadata__ value 'step' is not a string");
  expect_header_error (fx, "{\"__metadata__\": [\"pt\"]}", 0,
      "__metadata__ is not a JSON object");
}

/* "{"a": " + prefix + n x "[" + n x "]" + "}": nesting deep enough to
 * overflow json-glib's recursive parser if it ever saw it. */
static char *
deep_header (const char *prefix, guint n)
{
  GString *s = g_string_new ("{\"a\": ");
  guint i;

  g_string_append (s, prefix);
  for (i = 0; i < n; i++)
    g_string_append_c (s, '[');
  for (i = 0; i < n; i++)
    g_string_append_c (s, ']');
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

static void
test_st_deep_nesting (Fixture *fx, gconstpointer data)
{
  char *header = deep_header ("", 200000);

  expect_header_error (fx, header, 0,
      "header is not valid JSON: it nests deeper than 64 levels");
  g_free (header);
  /* 64 levels in all is still fine JSON, just not a tensor entry. */
  header = deep_header ("", 63);
  expect_header_error (fx, header, 0, "header entry 'a' is not a JSON object");
  g_free (header);
}

/* json-glib's tokenizer is looser than JSON, and each looseness could hide
 * brackets (or a closing quote) from the nesting check, so the header must
 * be strict JSON.  Behind a check that only tracked double-quoted strings,
 * the quote and comment prefixes here, followed by deep nesting, crash
 * json-glib 1.6; the escape forms made older json-glib read past a closing
 * quote. */
static void
test_st_not_strict_json (Fixture *fx, gconstpointer data)
{
  static const struct {
    const char *prefix;
    const char *problem;
  } cases[] = {
    /* A single-quoted string holding a double quote. */
    { "'\"', ", "a quote or comment character lies outside a string" },
    /* A comment holding a double quote. */
    { "/* \" */ ", "a quote or comment character lies outside a string" },
    { "# \"\n", "a quote or comment character lies outside a string" },
    /* json-glib reads on after a lone surrogate, eating the quote. */
    { "\"\\ud800\" \"", "a string has an unpaired UTF-16 surrogate" },
    { "\"\\udc00\" \"", "a string has an unpaired UTF-16 surrogate" },
    { "\"\\ud800\\u0041\" \"", "a string has an unpaired UTF-16 surrogate" },
    /* A short \u escape eats the next character too. */
    { "\"\\u12\" \"", "a string has an invalid \\u escape" },
    { "\"\\q\" ", "a string has an invalid escape" },
    { "\"\\0\" ", "a string has an invalid escape" },
    { "\"open ", "a string is not terminated" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    char *header = deep_header (cases[i].prefix, 100000);
    char *expected = g_strconcat ("header is not valid JSON: ",
        cases[i].problem, NULL);
    expect_header_error (fx, header, 0, expected);
    g_free (expected);
    g_free (header);
  }
  {
    char *path = g_build_filename (fx->dir, "nul.safetensors", NULL);
    static const char header[] = "{\"a\": \"x\0\"}";
    guint8 bytes[8 + sizeof (header) - 1] = { sizeof (header) - 1 };

    memcpy (bytes + 8, header, sizeof (header) - 1);
    write_file (path, bytes, sizeof (bytes));
    expect_open_error (path, RADIO_ERROR_FORMAT,
        "header is not valid JSON: it contains a NUL byte");
    g_free (path);
  }
}

/* Standard escapes, surrogate pairs included, still parse. */
static void
test_st_escapes_valid (Fixture *fx, gconstpointer data)
{
  char *path = write_st (fx, "{\"__metadata__\": {\"k\": "
      "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00 [{'#/\"}}", 0);
  GError *error = NULL;
  RadioSafetensors *st = radio_safetensors_open (path, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (radio_safetensors_get_metadata (st, "k"), ==,
      "\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80 [{'#/");
  radio_safetensors_unref (st);
  g_free (path);
}

/* The minimal well-formed cases the checks above must not refuse. */
static void
test_st_minimal_valid (Fixture *fx, gconstpointer data)
{
  char *path = write_st (fx, "{\"__metadata__\": {\"format\": \"pt\"}, "
      "\"none\": {\"dtype\": \"F32\", \"shape\": [0, 3], "
      "\"data_offsets\": [4, 4]}, \"one\": {\"dtype\": \"I32\", "
      "\"shape\": [], \"data_offsets\": [0, 4]}}  ", 4);
  GError *error = NULL;
  RadioSafetensors *st = radio_safetensors_open (path, &error);
  const RadioTensorInfo *one;

  g_assert_no_error (error);
  g_assert_nonnull (st);
  g_assert_cmpuint (radio_safetensors_get_n_tensors (st), ==, 2);
  g_assert_cmpstr (radio_safetensors_get_metadata (st, "format"), ==, "pt");
  g_assert_null (radio_safetensors_get_metadata (st, "absent"));
  one = radio_safetensors_lookup (st, "one");
  g_assert_nonnull (one);
  g_assert_cmpuint (one->n_dims, ==, 0);
  g_assert_cmpuint (one->n_elements, ==, 1);
  g_assert_cmpuint (radio_safetensors_lookup (st, "none")->size, ==, 0);
  g_assert_null (radio_safetensors_lookup (st, "two"));
  radio_safetensors_unref (st);
  g_free (path);
}

/* Through the checkpoint loader: a malformed or cut-short weights file
 * beside a good config.json. */
static void
test_ckpt_bad_safetensors (Fixture *fx, gconstpointer data)
{
  char *weights, *contents;
  GError *error = NULL;
  gsize len;

  if (!copy_golden (fx, "tiny-v25"))
    return;
  weights = g_build_filename (fx->model, "model.safetensors", NULL);

  /* A download cut short: the data area ends early. */
  g_file_get_contents (weights, &contents, &len, &error);
  g_assert_no_error (error);
  write_file (weights, contents, len - 100);
  expect_load_error (fx->model, RADIO_ERROR_FORMAT, weights,
      "lie outside the data area");
  g_free (contents);

  write_st_bytes (weights, 7, "{\"a\":[}", 0);
  expect_load_error (fx->model, RADIO_ERROR_FORMAT, weights,
      "header is not valid JSON");
  write_file (weights, "", 0);
  expect_load_error (fx->model, RADIO_ERROR_FORMAT, weights,
      "truncated: 0 bytes");
  g_free (weights);
}

/* ---- the writer -------------------------------------------------------- */

typedef struct {
  const char *name;
  RadioDType dtype;
  guint n_dims;
  gint64 shape[3];
} RoundTripTensor;

static void
test_writer_round_trip (Fixture *fx, gconstpointer data)
{
  /* Odd byte sizes so later tensors start unaligned inside the area. */
  static const RoundTripTensor tensors[] = {
    { "f32", RADIO_DTYPE_F32, 2, { 2, 3 } },
    { "f16", RADIO_DTYPE_F16, 1, { 5 } },
    { "empty", RADIO_DTYPE_F32, 2, { 0, 4 } },
    { "bf16", RADIO_DTYPE_BF16, 3, { 1, 3, 1 } },
    { "u8", RADIO_DTYPE_U8, 1, { 7 } },
    { "i64", RADIO_DTYPE_I64, 1, { 3 } },
    { "scalar", RADIO_DTYPE_F64, 0, { 0 } },
    { "bool", RADIO_DTYPE_BOOL, 1, { 2 } },
  };
  char *path = g_build_filename (fx->dir, "rt.safetensors", NULL);
  char *bad_path = g_build_filename (fx->dir, "no-such-dir", "x.safetensors",
      NULL);
  RadioSafetensorsWriter *w = radio_safetensors_writer_new ();
  GPtrArray *payloads = g_ptr_array_new_with_free_func (g_free);
  GError *error = NULL;
  RadioSafetensors *st;
  const RadioTensorInfo *last;
  gsize total = 0, header_len;
  char *contents;
  gsize file_len;
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (tensors); i++) {
    const RoundTripTensor *t = &tensors[i];
    gsize n = 1, size;
    guint8 *bytes;

    for (j = 0; j < t->n_dims; j++)
      n *= (gsize) t->shape[j];
    size = n * radio_dtype_size (t->dtype);
    bytes = g_malloc (MAX (size, 1));
    for (j = 0; j < size; j++)
      bytes[j] = (guint8) (17 * i + 3 * j + 1);
    if (t->dtype == RADIO_DTYPE_BOOL)
      for (j = 0; j < size; j++)
        bytes[j] &= 1;
    g_ptr_array_add (payloads, bytes);
    g_assert_true (radio_safetensors_writer_add (w, t->name, t->dtype,
            t->n_dims, t->shape, bytes));
    total += size;
  }
  /* The writer's own refusals: duplicate name, reserved name, wrong size. */
  g_assert_false (radio_safetensors_writer_add (w, "f32", RADIO_DTYPE_F32, 2,
          tensors[0].shape, payloads->pdata[0]));
  g_assert_false (radio_safetensors_writer_add (w, "__metadata__",
          RADIO_DTYPE_U8, 1, tensors[4].shape, payloads->pdata[4]));
  g_assert_false (radio_safetensors_writer_add_bytes (w, "short",
          RADIO_DTYPE_F32, 1, tensors[4].shape, g_bytes_new ("abc", 3)));
  radio_safetensors_writer_set_metadata (w, "format", "pt");
  radio_safetensors_writer_set_metadata (w, "note",
      "quote \" backslash \\ caf\xc3\xa9");

  g_assert_false (radio_safetensors_writer_save (w, bad_path, &error));
  assert_radio_error (error, RADIO_ERROR_IO, "cannot write");
  g_clear_error (&error);
  g_assert_true (radio_safetensors_writer_save (w, path, &error));
  g_assert_no_error (error);
  radio_safetensors_writer_free (w);

  /* The data area starts 8-byte aligned and holds exactly the tensors; the
   * header is padded with spaces. */
  g_file_get_contents (path, &contents, &file_len, &error);
  g_assert_no_error (error);
  header_len = 0;
  for (i = 0; i < 8; i++)
    header_len |= (gsize) (guint8) contents[i] << (8 * i);
  g_assert_cmpuint ((8 + header_len) % 8, ==, 0);
  g_assert_cmpuint (file_len, ==, 8 + header_len + total);
  g_assert_cmpint (contents[8], ==, '{');
  for (i = 8 + header_len - 1; contents[i] == ' '; i--)
    ;
  g_assert_cmpint (contents[i], ==, '}');
  g_free (contents);

  st = radio_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (st);
  g_assert_cmpuint (radio_safetensors_get_file_size (st), ==, file_len);
  g_assert_cmpuint (radio_safetensors_get_n_tensors (st), ==,
      G_N_ELEMENTS (tensors));
  g_assert_cmpstr (radio_safetensors_get_metadata (st, "format"), ==, "pt");
  g_assert_cmpstr (radio_safetensors_get_metadata (st, "note"), ==,
      "quote \" backslash \\ caf\xc3\xa9");
  /* The tensors tile the data area, the first at its start. */
  last = radio_safetensors_get_tensor (st, G_N_ELEMENTS (tensors) - 1);
  g_assert_true (radio_safetensors_get_tensor (st, 0)->data
      == last->data + last->size - total);
  for (i = 0; i < G_N_ELEMENTS (tensors); i++) {
    const RoundTripTensor *t = &tensors[i];
    const RadioTensorInfo *info = radio_safetensors_lookup (st, t->name);
    gsize n = 1;

    g_assert_nonnull (info);
    /* Tensors come back in the order of their data, i.e. as written. */
    g_assert_true (radio_safetensors_get_tensor (st, i) == info);
    g_assert_cmpint (info->dtype, ==, t->dtype);
    g_assert_cmpuint (info->n_dims, ==, t->n_dims);
    for (j = 0; j < t->n_dims; j++) {
      g_assert_cmpint (info->shape[j], ==, t->shape[j]);
      n *= (gsize) t->shape[j];
    }
    g_assert_cmpuint (info->n_elements, ==, n);
    g_assert_cmpuint (info->size, ==, n * radio_dtype_size (t->dtype));
    g_assert_cmpmem (info->data, info->size, payloads->pdata[i],
        n * radio_dtype_size (t->dtype));
  }
  radio_safetensors_unref (st);
  g_ptr_array_unref (payloads);
  g_free (bad_path);
  g_free (path);
}

/* ---- config.json ------------------------------------------------------- */

static void
test_config_missing (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  remove_file (fx->model, "config.json");
  expect_load_error (fx->model, RADIO_ERROR_CONFIG, fx->model,
      "config.json missing");
}

static void
test_config_malformed (Fixture *fx, gconstpointer data)
{
  char *config;

  if (!copy_golden (fx, "tiny-v25"))
    return;
  config = g_build_filename (fx->model, "config.json", NULL);
  write_file (config, "{\"args\": {\"model\": ", 19);
  expect_load_error (fx->model, RADIO_ERROR_CONFIG, config,
      "is not valid JSON");
  write_file (config, "[\"args\"]", 8);
  expect_load_error (fx->model, RADIO_ERROR_CONFIG, config,
      "top level is not a JSON object");
  g_free (config);
}

static void
test_config_deep_nesting (Fixture *fx, gconstpointer data)
{
  char *config, *text;

  if (!copy_golden (fx, "tiny-v25"))
    return;
  config = g_build_filename (fx->model, "config.json", NULL);
  text = deep_header ("", 200000);
  write_file (config, text, strlen (text));
  expect_load_error (fx->model, RADIO_ERROR_CONFIG, config,
      "is not valid JSON: it nests deeper than 64 levels");
  g_free (text);
  text = deep_header ("'\"', ", 100000);
  write_file (config, text, strlen (text));
  expect_load_error (fx->model, RADIO_ERROR_CONFIG, config,
      "a quote or comment character lies outside a string");
  g_free (text);
  g_free (config);
}

static void
test_config_no_args (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_config (fx->model, "args", NULL);
  expect_load_error (fx->model, RADIO_ERROR_CONFIG, "config.json",
      "no 'args' object");
}

static void
test_config_no_model (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_config (fx->model, "args.model", NULL);
  expect_load_error (fx->model, RADIO_ERROR_CONFIG, "config.json",
      "'args.model' (the architecture name) is missing");
}

static void
test_config_bad_number (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_config (fx->model, "patch_size", string_node ("16"));
  expect_load_error (fx->model, RADIO_ERROR_CONFIG, "config.json",
      "'patch_size' must be a non-negative integer");
  edit_config (fx->model, "patch_size", int_node (16));
  edit_config (fx->model, "args.register_multiple", int_node (-8));
  expect_load_error (fx->model, RADIO_ERROR_CONFIG, "config.json",
      "'args.register_multiple' must be a non-negative integer");
}

/* ---- unsupported models ------------------------------------------------ */

static void
test_arch_unknown (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_config (fx->model, "args.model",
      string_node ("vit_mystery_patch16_224"));
  expect_load_error (fx->model, RADIO_ERROR_UNSUPPORTED, fx->model,
      "unknown architecture 'vit_mystery_patch16_224'");
}

static void
test_arch_eradio (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_config (fx->model, "args.model", string_node ("eradio"));
  expect_load_error (fx->model, RADIO_ERROR_UNSUPPORTED, "'eradio'",
      "E-RADIO");
}

static void
test_arch_dinov2 (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_config (fx->model, "args.model",
      string_node ("vit_giant_patch14_reg4_dinov2"));
  expect_load_error (fx->model, RADIO_ERROR_UNSUPPORTED,
      "'vit_giant_patch14_reg4_dinov2'", "DINOv2-style SwiGLU ViT");
}

static void
test_vitdet (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_config (fx->model, "vitdet_window_size", int_node (16));
  expect_load_error (fx->model, RADIO_ERROR_UNSUPPORTED, fx->model,
      "windowed-attention (ViTDet)");
}

static void
test_qk_norm_config (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_config (fx->model, "args.model_kwargs.qk_norm", bool_node (TRUE));
  expect_load_error (fx->model, RADIO_ERROR_UNSUPPORTED, fx->model,
      "qk_norm models are not supported");
}

static void
test_qk_norm_tensor (Fixture *fx, gconstpointer data)
{
  TensorEdit edit = { RADIO_TENSOR_PREFIX "model.blocks.0.attn.q_norm.weight",
    FALSE, RADIO_DTYPE_F32, 1, { 16 }, NULL };

  write_random_model (fx);
  edit_tensor (fx->model, &edit);
  expect_load_error (fx->model, RADIO_ERROR_UNSUPPORTED, edit.name,
      "uses qk_norm");
}

static void
test_adaptor_mlp_version (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_config (fx->model, "args.mlp_version", string_node ("v1"));
  expect_load_error (fx->model, RADIO_ERROR_UNSUPPORTED, fx->model,
      "adaptor MLP version 'v1' is not supported");
}

/* ---- tensors ----------------------------------------------------------- */

static void
test_missing_tensor (Fixture *fx, gconstpointer data)
{
  TensorEdit edit = { QKV_WEIGHT, TRUE, 0, 0, { 0 }, NULL };

  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_tensor (fx->model, &edit);
  expect_load_error (fx->model, RADIO_ERROR_MISSING_TENSOR, fx->model,
      "required tensor '" QKV_WEIGHT "' is missing");
}

static void
test_wrong_shape (Fixture *fx, gconstpointer data)
{
  TensorEdit edit = { QKV_WEIGHT, FALSE, RADIO_DTYPE_F32, 2, { 191, 64 },
    NULL };

  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_tensor (fx->model, &edit);
  expect_load_error (fx->model, RADIO_ERROR_SHAPE, fx->model,
      "tensor '" QKV_WEIGHT "' is F32 [191, 64], expected a float tensor "
      "of shape [192, 64]");
}

static void
test_wrong_bias_shape (Fixture *fx, gconstpointer data)
{
  TensorEdit edit = { RADIO_TENSOR_PREFIX "model.blocks.1.mlp.fc1.bias",
    FALSE, RADIO_DTYPE_F32, 2, { 1, 256 }, NULL };

  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_tensor (fx->model, &edit);
  expect_load_error (fx->model, RADIO_ERROR_SHAPE, edit.name,
      "is F32 [1, 256], expected a float tensor of shape [256]");
}

static void
test_integer_weight (Fixture *fx, gconstpointer data)
{
  TensorEdit edit = { QKV_WEIGHT, FALSE, RADIO_DTYPE_I64, 2, { 192, 64 },
    NULL };

  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_tensor (fx->model, &edit);
  expect_load_error (fx->model, RADIO_ERROR_SHAPE, QKV_WEIGHT,
      "is I64 [192, 64], expected a float tensor");
}

static void
test_integer_weight_random (Fixture *fx, gconstpointer data)
{
  TensorEdit edit = { RADIO_TENSOR_PREFIX "model.blocks.0.mlp.fc1.weight",
    FALSE, RADIO_DTYPE_I64, 2, { 64, 32 }, NULL };

  write_random_model (fx);
  edit_tensor (fx->model, &edit);
  expect_load_error (fx->model, RADIO_ERROR_SHAPE, edit.name,
      "is I64 [64, 32], expected a float tensor of shape [64, 32]");
}

static void
test_cls_rows (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  /* 3 CLS tokens, 1 register: 4 rows, but the tensor has 8. */
  edit_config (fx->model, "args.register_multiple", int_node (4));
  expect_load_error (fx->model, RADIO_ERROR_SHAPE, fx->model,
      "cls_token.token has 8 rows but config.json implies 3 CLS tokens + "
      "1 registers");
}

static void
test_summary_idxs_range (Fixture *fx, gconstpointer data)
{
  gint64 too_big[2] = { GINT64_TO_LE (0), GINT64_TO_LE (3) };
  gint64 negative[1] = { GINT64_TO_LE (-1) };
  TensorEdit edit = { RADIO_TENSOR_PREFIX "summary_idxs", FALSE,
    RADIO_DTYPE_I64, 1, { 2 }, too_big };

  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_tensor (fx->model, &edit);
  expect_load_error (fx->model, RADIO_ERROR_SHAPE, fx->model,
      "summary_idxs[1] = 3 is not one of the 3 CLS tokens");
  edit.shape[0] = 1;
  edit.data = negative;
  edit_tensor (fx->model, &edit);
  expect_load_error (fx->model, RADIO_ERROR_SHAPE, fx->model,
      "summary_idxs[0] = -1 is not one of the 3 CLS tokens");
  edit.dtype = RADIO_DTYPE_F32;
  edit.data = NULL;
  edit_tensor (fx->model, &edit);
  expect_load_error (fx->model, RADIO_ERROR_SHAPE, edit.name,
      "is F32 [1], expected a non-empty I64 vector");
}

static void
test_depth_mismatch (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_config (fx->model, "args.model_kwargs.depth", int_node (1));
  expect_load_error (fx->model, RADIO_ERROR_SHAPE, fx->model,
      "the weights hold more than the 1 blocks config.json declares");
  edit_config (fx->model, "args.model_kwargs.depth", int_node (3));
  expect_load_error (fx->model, RADIO_ERROR_MISSING_TENSOR,
      RADIO_TENSOR_PREFIX "model.blocks.2.norm1.weight", "is missing");
}

static void
test_embed_dim_mismatch (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_config (fx->model, "args.model_kwargs.embed_dim", int_node (48));
  expect_load_error (fx->model, RADIO_ERROR_SHAPE, fx->model,
      "patch embedder has 64 outputs but model_kwargs.embed_dim is 48");
}

static void
test_pos_grid_mismatch (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_config (fx->model, "args.cpe_max_size", int_node (512));
  expect_load_error (fx->model, RADIO_ERROR_SHAPE, fx->model,
      "pos_embed has 256 rows, expected 32 x 32 for cpe_max_size 512");
}

static void
test_conditioner_std (Fixture *fx, gconstpointer data)
{
  static const float zero_std[3] = { 0.2f, 0.0f, 0.2f };
  TensorEdit edit = { RADIO_TENSOR_PREFIX "input_conditioner.norm_std",
    FALSE, RADIO_DTYPE_F32, 3, { 3, 1, 1 }, zero_std };

  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_tensor (fx->model, &edit);
  expect_load_error (fx->model, RADIO_ERROR_SHAPE, fx->model,
      "input_conditioner.norm_std must be positive");
}

static void
test_normalizer_missing (Fixture *fx, gconstpointer data)
{
  JsonObject *obj = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_int_member (obj, "embed_dim", 64);
  json_node_take_object (node, obj);
  if (!copy_golden (fx, "tiny-v25")) {
    json_node_unref (node);
    return;
  }
  edit_config (fx->model, "feature_normalizer_config", node);
  expect_load_error (fx->model, RADIO_ERROR_MISSING_TENSOR, fx->model,
      "required tensor '" RADIO_TENSOR_PREFIX "feature_normalizer.mean' is "
      "missing");
}

static void
test_adaptor_config (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  edit_config (fx->model, "adaptor_configs.clip.head_idx", int_node (5));
  expect_load_error (fx->model, RADIO_ERROR_CONFIG, "config.json",
      "adaptor 'clip' head_idx 5 is not one of the 3 CLS tokens");
  edit_config (fx->model, "adaptor_configs.clip.head_idx", int_node (0));
  edit_config (fx->model, "adaptor_configs.clip.summary.num_inner",
      int_node (2));
  expect_load_error (fx->model, RADIO_ERROR_MISSING_TENSOR, fx->model,
      "adaptors.clip.head_mlp has 1 inner blocks in the weights but "
      "num_inner = 2");
  /* 48 outputs divide by 2x2, but a summary has no grid to upsample */
  edit_config (fx->model, "adaptor_configs.clip.summary.num_inner",
      int_node (1));
  edit_config (fx->model, "adaptor_configs.clip.summary.upsample_factor",
      int_node (2));
  expect_load_error (fx->model, RADIO_ERROR_UNSUPPORTED, "config.json",
      "adaptor 'clip' has upsample_factor 2 on its summary head");
}

static void
test_extra_tensor_ignored (Fixture *fx, gconstpointer data)
{
  TensorEdit edit = { RADIO_TENSOR_PREFIX "model.reg_token", FALSE,
    RADIO_DTYPE_F32, 3, { 1, 4, 64 }, NULL };
  GError *error = NULL;
  RadioCheckpoint *before, *after;

  if (!copy_golden (fx, "tiny-v25"))
    return;
  before = radio_checkpoint_load (fx->model, &error);
  g_assert_no_error (error);
  edit_tensor (fx->model, &edit);
  after = radio_checkpoint_load (fx->model, &error);
  g_assert_no_error (error);
  g_assert_nonnull (after);
  g_assert_cmpuint (after->embed_dim, ==, 64);
  /* Not used, so not counted. */
  g_assert_cmpuint (after->n_parameters, ==, before->n_parameters);
  radio_checkpoint_unref (after);
  radio_checkpoint_unref (before);
}

/* ---- paths and shards -------------------------------------------------- */

static void
test_path_missing (Fixture *fx, gconstpointer data)
{
  char *path = g_build_filename (fx->dir, "no-such-model", NULL);

  expect_load_error (path, RADIO_ERROR_IO, path, "does not exist");
  g_free (path);
}

static void
test_no_weights (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  remove_file (fx->model, "model.safetensors");
  expect_load_error (fx->model, RADIO_ERROR_IO, fx->model,
      "holds neither model.safetensors nor model.safetensors.index.json");
}

static void
test_file_path (Fixture *fx, gconstpointer data)
{
  char *weights, *renamed;
  GError *error = NULL;
  RadioCheckpoint *ckpt;

  if (!copy_golden (fx, "tiny-v25"))
    return;
  weights = g_build_filename (fx->model, "model.safetensors", NULL);
  renamed = g_build_filename (fx->model, "renamed.safetensors", NULL);
  g_assert_cmpint (g_rename (weights, renamed), ==, 0);
  ckpt = radio_checkpoint_load (renamed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ckpt);
  g_assert_cmpstr (ckpt->path, ==, renamed);
  g_assert_cmpuint (ckpt->embed_dim, ==, 64);
  g_assert_cmpuint (ckpt->files->len, ==, 1);
  radio_checkpoint_unref (ckpt);

  /* The file still needs config.json beside it. */
  remove_file (fx->model, "config.json");
  expect_load_error (renamed, RADIO_ERROR_CONFIG, renamed,
      "config.json missing");
  g_free (renamed);
  g_free (weights);
}

static void
test_sharded_valid (Fixture *fx, gconstpointer data)
{
  char *golden = golden_path ("tiny-v25");
  char *index;
  GError *error = NULL;
  RadioCheckpoint *single, *sharded;

  if (golden == NULL || !copy_golden (fx, "tiny-v25")) {
    g_free (golden);
    return;
  }
  single = radio_checkpoint_load (golden, &error);
  g_assert_no_error (error);
  write_sharded (fx->model, NULL, NULL, NULL);

  sharded = radio_checkpoint_load (fx->model, &error);
  g_assert_no_error (error);
  g_assert_nonnull (sharded);
  g_assert_cmpuint (sharded->files->len, ==, 2);
  g_assert_cmpuint (sharded->n_parameters, ==, single->n_parameters);
  g_assert_cmpuint (sharded->embed_dim, ==, single->embed_dim);
  g_assert_cmpuint (sharded->depth, ==, single->depth);
  g_assert_cmpuint (sharded->n_adaptors, ==, single->n_adaptors);
  radio_checkpoint_unref (sharded);

  /* The index file itself is a model path too. */
  index = g_build_filename (fx->model, INDEX_JSON, NULL);
  sharded = radio_checkpoint_load (index, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sharded->n_parameters, ==, single->n_parameters);
  radio_checkpoint_unref (sharded);

  radio_checkpoint_unref (single);
  g_free (index);
  g_free (golden);
}

static void
test_sharded_path_escape (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  write_sharded (fx->model, NULL, QKV_WEIGHT, "../x.safetensors");
  expect_load_error (fx->model, RADIO_ERROR_CONFIG, INDEX_JSON,
      "weight_map entry for '" QKV_WEIGHT "' is not a plain file name");
}

static void
test_sharded_wrong_shard (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  /* In no shard at all. */
  write_sharded (fx->model, NULL, RADIO_TENSOR_PREFIX "ghost", SHARD1);
  expect_load_error (fx->model, RADIO_ERROR_MISSING_TENSOR, INDEX_JSON,
      "weight_map puts '" RADIO_TENSOR_PREFIX "ghost' in " SHARD1
      ", which does not hold it");
}

static void
test_sharded_misplaced (Fixture *fx, gconstpointer data)
{
  const char *name = RADIO_TENSOR_PREFIX "model.blocks.1.attn.qkv.weight";

  if (!copy_golden (fx, "tiny-v25"))
    return;
  /* In the other shard: refused whichever shard the loader opens first. */
  write_sharded (fx->model, NULL, name, SHARD1);
  expect_load_error (fx->model, RADIO_ERROR_MISSING_TENSOR, INDEX_JSON,
      "which does not hold it");
}

static void
test_sharded_duplicate (Fixture *fx, gconstpointer data)
{
  if (!copy_golden (fx, "tiny-v25"))
    return;
  write_sharded (fx->model, QKV_WEIGHT, NULL, NULL);
  expect_load_error (fx->model, RADIO_ERROR_FORMAT, "-of-00002.safetensors",
      "tensor '" QKV_WEIGHT "' is stored in more than one shard");
}

static void
test_sharded_missing_shard (Fixture *fx, gconstpointer data)
{
  char *shard;

  if (!copy_golden (fx, "tiny-v25"))
    return;
  write_sharded (fx->model, NULL, NULL, NULL);
  shard = g_build_filename (fx->model, SHARD2, NULL);
  remove_file (fx->model, SHARD2);
  expect_load_error (fx->model, RADIO_ERROR_IO, shard, "cannot open");
  g_free (shard);
}

static void
test_sharded_bad_index (Fixture *fx, gconstpointer data)
{
  char *index;

  if (!copy_golden (fx, "tiny-v25"))
    return;
  write_sharded (fx->model, NULL, NULL, NULL);
  index = g_build_filename (fx->model, INDEX_JSON, NULL);
  write_file (index, "{\"weight_map\": []}", 18);
  expect_load_error (fx->model, RADIO_ERROR_CONFIG, index,
      "no 'weight_map' object");
  write_file (index, "{\"weight_map\": {}}", 18);
  expect_load_error (fx->model, RADIO_ERROR_CONFIG, index,
      "weight_map is empty");
  write_file (index, "{\"weight_map\": {", 16);
  expect_load_error (fx->model, RADIO_ERROR_CONFIG, index,
      "is not valid JSON");
  g_free (index);
}

/* ---- the golden models and a random one load --------------------------- */

/* n_parameters must count every float tensor of a model that uses all. */
static guint64
count_float_elements (const char *dir)
{
  char *path = g_build_filename (dir, "model.safetensors", NULL);
  GError *error = NULL;
  RadioSafetensors *st = radio_safetensors_open (path, &error);
  guint64 n = 0;
  guint i;

  g_assert_no_error (error);
  for (i = 0; i < radio_safetensors_get_n_tensors (st); i++) {
    const RadioTensorInfo *t = radio_safetensors_get_tensor (st, i);
    if (t->dtype == RADIO_DTYPE_F32 || t->dtype == RADIO_DTYPE_F16
        || t->dtype == RADIO_DTYPE_BF16)
      n += t->n_elements;
  }
  radio_safetensors_unref (st);
  g_free (path);
  return n;
}

static RadioCheckpoint *
load_golden (const char *model, char **dir_out)
{
  char *dir = golden_path (model);
  GError *error = NULL;
  RadioCheckpoint *ckpt;

  if (dir == NULL)
    return NULL;
  ckpt = radio_checkpoint_load (dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ckpt);
  g_assert_cmpuint (ckpt->n_parameters, ==, count_float_elements (dir));
  *dir_out = dir;
  return ckpt;
}

static void
test_golden_v25 (void)
{
  char *dir = NULL;
  RadioCheckpoint *c = load_golden ("tiny-v25", &dir);
  const RadioAdaptor *clip;

  if (c == NULL)
    return;
  g_assert_cmpstr (c->version, ==, "radio_v2.5-b");
  g_assert_cmpstr (c->arch_name, ==, "vit_tiny_patch16_224");
  g_assert_cmpuint (c->embed_dim, ==, 64);
  g_assert_cmpuint (c->depth, ==, 2);
  g_assert_cmpuint (c->num_heads, ==, 4);
  g_assert_cmpuint (c->head_dim, ==, 16);
  g_assert_cmpuint (c->mlp_hidden, ==, 256);
  g_assert_cmpuint (c->patch_size, ==, 16);
  g_assert_cmpuint (c->num_cls_tokens, ==, 3);
  g_assert_cmpuint (c->num_registers, ==, 5);
  g_assert_cmpuint (c->num_prefix_tokens, ==, 8);
  g_assert_cmpuint (c->pos_grid, ==, 16);
  g_assert_cmpint (c->pos_interp, ==, RADIO_POS_INTERP_ALIGN_CORNERS);
  g_assert_cmpint (c->weight_dtype, ==, RADIO_DTYPE_F32);
  g_assert_cmpuint (c->n_summary, ==, 2);
  g_assert_cmpuint (c->summary_idxs[0], ==, 0);
  g_assert_cmpuint (c->summary_idxs[1], ==, 1);
  g_assert_null (c->normalizer_mean);
  g_assert_cmpuint (c->preferred_height, ==, 128);
  g_assert_cmpuint (c->n_adaptors, ==, 1);
  clip = radio_checkpoint_find_adaptor (c, "clip");
  g_assert_nonnull (clip);
  g_assert_null (radio_checkpoint_find_adaptor (c, "siglip"));
  g_assert_cmpuint (clip->head_idx, ==, 0);
  g_assert_cmpuint (clip->summary.num_inner, ==, 1);
  g_assert_cmpuint (clip->summary.output_dim, ==, 48);
  g_assert_cmpuint (clip->feature.num_inner, ==, 0);
  g_assert_cmpuint (clip->feature.output_dim, ==, 32);
  radio_checkpoint_unref (c);
  g_free (dir);
}

static void
test_golden_cv4 (void)
{
  char *dir = NULL;
  RadioCheckpoint *c = load_golden ("tiny-cv4", &dir);

  if (c == NULL)
    return;
  g_assert_cmpstr (c->version, ==, "c-radio_v4-h");
  g_assert_cmpuint (c->embed_dim, ==, 96);
  g_assert_cmpuint (c->depth, ==, 3);
  g_assert_cmpuint (c->num_heads, ==, 3);
  g_assert_cmpuint (c->num_cls_tokens, ==, 4);
  g_assert_cmpuint (c->num_registers, ==, 12);
  g_assert_cmpuint (c->num_prefix_tokens, ==, 16);
  g_assert_cmpuint (c->pos_grid, ==, 32);
  g_assert_cmpint (c->pos_interp, ==, RADIO_POS_INTERP_HALF_PIXEL);
  g_assert_cmpint (c->weight_dtype, ==, RADIO_DTYPE_BF16);
  g_assert_nonnull (c->normalizer_mean);
  g_assert_nonnull (c->normalizer_tx.data);
  g_assert_nonnull (c->blocks[0].ls1);
  g_assert_nonnull (c->blocks[2].ls2);
  g_assert_cmpuint (c->n_summary, ==, 3);
  g_assert_cmpuint (c->n_adaptors, ==, 0);
  radio_checkpoint_unref (c);
  g_free (dir);
}

static void
test_golden_v1_p14 (void)
{
  char *dir = NULL;
  RadioCheckpoint *c = load_golden ("tiny-v1-p14", &dir);

  if (c == NULL)
    return;
  g_assert_cmpstr (c->version, ==, "radio_v1");
  g_assert_cmpuint (c->patch_size, ==, 14);
  g_assert_cmpuint (c->embed_dim, ==, 80);
  g_assert_cmpuint (c->num_heads, ==, 5);
  g_assert_cmpuint (c->depth, ==, 2);
  g_assert_cmpuint (c->num_cls_tokens, ==, 3);
  g_assert_cmpuint (c->num_registers, ==, 0);
  g_assert_cmpuint (c->pos_grid, ==, 75);
  g_assert_cmpint (c->pos_interp, ==, RADIO_POS_INTERP_ALIGN_CORNERS);
  g_assert_cmpint (c->weight_dtype, ==, RADIO_DTYPE_F16);
  g_assert_null (c->normalizer_mean);
  g_assert_cmpuint (c->max_resolution, ==, 1050);
  g_assert_cmpuint (c->n_adaptors, ==, 0);
  radio_checkpoint_unref (c);
  g_free (dir);
}

static void
test_random_model (Fixture *fx, gconstpointer data)
{
  GError *error = NULL;
  RadioCheckpoint *c;
  const RadioAdaptor *clip;

  write_random_model (fx);
  c = radio_checkpoint_load (fx->model, &error);
  g_assert_no_error (error);
  g_assert_nonnull (c);
  g_assert_cmpuint (c->embed_dim, ==, 32);
  g_assert_cmpuint (c->depth, ==, 1);
  g_assert_cmpuint (c->num_heads, ==, 2);
  g_assert_cmpuint (c->mlp_hidden, ==, 64);
  g_assert_cmpuint (c->num_prefix_tokens, ==, 8);
  g_assert_cmpuint (c->pos_grid, ==, 4);
  g_assert_cmpuint (c->n_parameters, ==, count_float_elements (fx->model));
  clip = radio_checkpoint_find_adaptor (c, "clip");
  g_assert_nonnull (clip);
  g_assert_cmpuint (clip->summary.output_dim, ==, 16);
  radio_checkpoint_unref (c);
}

/* ---- main -------------------------------------------------------------- */

#define ADD(path, func) \
  g_test_add ("/loader/" path, Fixture, NULL, fixture_setup, func, \
      fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD ("safetensors/truncated", test_st_truncated);
  ADD ("safetensors/empty", test_st_empty);
  ADD ("safetensors/missing-file", test_st_missing_file);
  ADD ("safetensors/header-past-end", test_st_header_past_end);
  ADD ("safetensors/header-implausible", test_st_header_implausible);
  ADD ("safetensors/invalid-json", test_st_invalid_json);
  ADD ("safetensors/not-object", test_st_not_object);
  ADD ("safetensors/entry-not-object", test_st_entry_not_object);
  ADD ("safetensors/unknown-dtype", test_st_unknown_dtype);
  ADD ("safetensors/bad-shape", test_st_bad_shape);
  ADD ("safetensors/shape-overflow", test_st_shape_overflow);
  ADD ("safetensors/offsets-outside", test_st_offsets_outside);
  ADD ("safetensors/offsets-reversed", test_st_offsets_reversed);
  ADD ("safetensors/overlap", test_st_overlap);
  ADD ("safetensors/size-mismatch", test_st_size_mismatch);
  ADD ("safetensors/metadata", test_st_metadata);
  ADD ("safetensors/deep-nesting", test_st_deep_nesting);
  ADD ("safetensors/not-strict-json", test_st_not_strict_json);
  ADD ("safetensors/escapes-valid", test_st_escapes_valid);
  ADD ("safetensors/minimal-valid", test_st_minimal_valid);
  ADD ("safetensors/via-checkpoint", test_ckpt_bad_safetensors);
  ADD ("writer/round-trip", test_writer_round_trip);

  ADD ("config/missing", test_config_missing);
  ADD ("config/malformed", test_config_malformed);
  ADD ("config/deep-nesting", test_config_deep_nesting);
  ADD ("config/no-args", test_config_no_args);
  ADD ("config/no-model", test_config_no_model);
  ADD ("config/bad-number", test_config_bad_number);
  ADD ("unsupported/unknown-arch", test_arch_unknown);
  ADD ("unsupported/e-radio", test_arch_eradio);
  ADD ("unsupported/dinov2", test_arch_dinov2);
  ADD ("unsupported/vitdet", test_vitdet);
  ADD ("unsupported/qk-norm-config", test_qk_norm_config);
  ADD ("unsupported/qk-norm-tensor", test_qk_norm_tensor);
  ADD ("unsupported/adaptor-mlp-version", test_adaptor_mlp_version);

  ADD ("tensor/missing", test_missing_tensor);
  ADD ("tensor/wrong-shape", test_wrong_shape);
  ADD ("tensor/wrong-bias-shape", test_wrong_bias_shape);
  ADD ("tensor/integer-weight", test_integer_weight);
  ADD ("tensor/integer-weight-random", test_integer_weight_random);
  ADD ("tensor/cls-rows", test_cls_rows);
  ADD ("tensor/summary-idxs", test_summary_idxs_range);
  ADD ("tensor/depth-mismatch", test_depth_mismatch);
  ADD ("tensor/embed-dim-mismatch", test_embed_dim_mismatch);
  ADD ("tensor/pos-grid-mismatch", test_pos_grid_mismatch);
  ADD ("tensor/conditioner-std", test_conditioner_std);
  ADD ("tensor/normalizer-missing", test_normalizer_missing);
  ADD ("tensor/adaptor-config", test_adaptor_config);
  ADD ("tensor/extra-ignored", test_extra_tensor_ignored);

  ADD ("path/missing", test_path_missing);
  ADD ("path/no-weights", test_no_weights);
  ADD ("path/file", test_file_path);
  ADD ("sharded/valid", test_sharded_valid);
  ADD ("sharded/path-escape", test_sharded_path_escape);
  ADD ("sharded/wrong-shard", test_sharded_wrong_shard);
  ADD ("sharded/misplaced", test_sharded_misplaced);
  ADD ("sharded/duplicate", test_sharded_duplicate);
  ADD ("sharded/missing-shard", test_sharded_missing_shard);
  ADD ("sharded/bad-index", test_sharded_bad_index);

  g_test_add_func ("/loader/golden/tiny-v25", test_golden_v25);
  g_test_add_func ("/loader/golden/tiny-cv4", test_golden_cv4);
  g_test_add_func ("/loader/golden/tiny-v1-p14", test_golden_v1_p14);
  ADD ("random/loads", test_random_model);

  return g_test_run ();
}
