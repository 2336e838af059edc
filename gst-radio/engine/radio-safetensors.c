/* radio-safetensors.c: validating safetensors reader (mmap, zero copy) and a
 * streaming writer.  Layout: u64 little-endian header length N, N bytes of
 * UTF-8 JSON, then the data area; data_offsets are relative to its start. */
#include "radio-safetensors.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "radio-error.h"
#include "radio-json.h"

struct _RadioSafetensors {
  gint ref_count;
  char *path;
  GMappedFile *map;
  gsize file_size;
  RadioTensorInfo *tensors; /* sorted by data offset */
  guint n_tensors;
  GHashTable *by_name;  /* name -> RadioTensorInfo*, names owned by tensors */
  GHashTable *metadata; /* char* -> char*, owned */
};

static gint
compare_by_data (gconstpointer a, gconstpointer b)
{
  const RadioTensorInfo *ta = a, *tb = b;
  if (ta->data != tb->data)
    return ta->data < tb->data ? -1 : 1;
  /* Equal starts: the shorter first, so an overlap check still sees it. */
  return ta->size < tb->size ? -1 : (ta->size > tb->size);
}

static gboolean
read_u64_member (JsonArray *array, guint index, guint64 *out)
{
  JsonNode *node = json_array_get_element (array, index);
  gint64 v;

  if (!JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (node);
  if (v < 0)
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

/* Fills info from one header entry; data_area/data_size locate the data. */
static gboolean
parse_entry (const char *path, const char *name, JsonNode *node,
    const guint8 *data_area, guint64 data_size, RadioTensorInfo *info,
    GError **error)
{
  JsonObject *obj;
  JsonNode *dtype_node, *shape_node, *offsets_node;
  JsonArray *shape, *offsets;
  guint64 begin, end, count = 1, bytes;
  gsize elem;
  guint i;

  info->name = name;
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "%s: header entry '%s' is not a JSON object", path, name);
    return FALSE;
  }
  obj = json_node_get_object (node);
  dtype_node = json_object_get_member (obj, "dtype");
  shape_node = json_object_get_member (obj, "shape");
  offsets_node = json_object_get_member (obj, "data_offsets");
  if (!dtype_node || !shape_node || !offsets_node
      || !JSON_NODE_HOLDS_VALUE (dtype_node)
      || json_node_get_value_type (dtype_node) != G_TYPE_STRING
      || !JSON_NODE_HOLDS_ARRAY (shape_node)
      || !JSON_NODE_HOLDS_ARRAY (offsets_node)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "%s: tensor '%s' needs a string 'dtype', an array 'shape' and an "
        "array 'data_offsets'", path, name);
    return FALSE;
  }
  if (radio_dtype_from_name (json_node_get_string (dtype_node),
          &info->dtype) != 0) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "%s: tensor '%s' has unknown dtype '%s'", path, name,
        json_node_get_string (dtype_node));
    return FALSE;
  }
  elem = radio_dtype_size (info->dtype);

  shape = json_node_get_array (shape_node);
  info->n_dims = json_array_get_length (shape);
  if (info->n_dims > RADIO_SAFETENSORS_MAX_DIMS) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "%s: tensor '%s' has %u dimensions, more than the %d supported",
        path, name, info->n_dims, RADIO_SAFETENSORS_MAX_DIMS);
    return FALSE;
  }
  for (i = 0; i < info->n_dims; i++) {
    guint64 d;
    if (!read_u64_member (shape, i, &d) || d > G_MAXINT64) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
          "%s: tensor '%s' has a shape entry that is not a non-negative "
          "integer", path, name);
      return FALSE;
    }
    if (d != 0 && count > G_MAXUINT64 / d) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
          "%s: tensor '%s' has a shape whose element count overflows",
          path, name);
      return FALSE;
    }
    info->shape[i] = (gint64) d;
    count *= d;
  }
  info->n_elements = count;
  if (count > G_MAXUINT64 / elem) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "%s: tensor '%s' has a shape whose byte size overflows", path, name);
    return FALSE;
  }
  bytes = count * elem;

  offsets = json_node_get_array (offsets_node);
  if (json_array_get_length (offsets) != 2
      || !read_u64_member (offsets, 0, &begin)
      || !read_u64_member (offsets, 1, &end) || end < begin) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "%s: tensor '%s' has malformed data_offsets (need [begin, end] "
        "with 0 <= begin <= end)", path, name);
    return FALSE;
  }
  if (end > data_size) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "%s: data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
        "] of tensor '%s' lie outside the data area (%" G_GUINT64_FORMAT
        " bytes)", path, begin, end, name, data_size);
    return FALSE;
  }
  if (end - begin != bytes) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "%s: tensor '%s' holds %" G_GUINT64_FORMAT " bytes but dtype %s "
        "x shape needs %" G_GUINT64_FORMAT, path, name, end - begin,
        radio_dtype_name (info->dtype), bytes);
    return FALSE;
  }
  info->data = data_area + begin;
  info->size = (gsize) bytes;
  return TRUE;
}

static gboolean
parse_metadata (RadioSafetensors *st, JsonNode *node, GError **error)
{
  JsonObject *obj;
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "%s: __metadata__ is not a JSON object", st->path);
    return FALSE;
  }
  obj = json_node_get_object (node);
  json_object_iter_init (&iter, obj);
  while (json_object_iter_next (&iter, &key, &value)) {
    if (!JSON_NODE_HOLDS_VALUE (value)
        || json_node_get_value_type (value) != G_TYPE_STRING) {
      g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
          "%s: __metadata__ value '%s' is not a string", st->path, key);
      return FALSE;
    }
    g_hash_table_insert (st->metadata, g_strdup (key),
        g_strdup (json_node_get_string (value)));
  }
  return TRUE;
}

static gboolean
parse_header (RadioSafetensors *st, GError **error)
{
  const guint8 *bytes = (const guint8 *) g_mapped_file_get_contents (st->map);
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) json_error = NULL;
  guint64 header_len = 0, data_size;
  JsonNode *root;
  JsonObject *obj;
  JsonObjectIter iter;
  const char *key, *problem;
  JsonNode *value;
  guint n, i;

  if (st->file_size < 8) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "%s: truncated: %" G_GSIZE_FORMAT " bytes is shorter than the "
        "8-byte header length", st->path, st->file_size);
    return FALSE;
  }
  for (i = 0; i < 8; i++)
    header_len |= (guint64) bytes[i] << (8 * i);
  if (header_len > st->file_size - 8) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "%s: header length %" G_GUINT64_FORMAT " runs past the end of "
        "the file (%" G_GSIZE_FORMAT " bytes)", st->path, header_len,
        st->file_size);
    return FALSE;
  }
  if (header_len < 2 || header_len > RADIO_SAFETENSORS_MAX_HEADER) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "%s: implausible header length %" G_GUINT64_FORMAT, st->path,
        header_len);
    return FALSE;
  }
  data_size = st->file_size - 8 - header_len;

  problem = radio_json_text_problem ((const char *) bytes + 8, header_len);
  if (problem) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "%s: header is not valid JSON: %s", st->path, problem);
    return FALSE;
  }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, (const char *) bytes + 8,
          (gssize) header_len, &json_error)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "%s: header is not valid JSON: %s", st->path, json_error->message);
    return FALSE;
  }
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
        "%s: header JSON is not an object", st->path);
    return FALSE;
  }
  obj = json_node_get_object (root);
  n = json_object_get_size (obj);
  st->tensors = g_new0 (RadioTensorInfo, n);

  json_object_iter_init (&iter, obj);
  while (json_object_iter_next (&iter, &key, &value)) {
    RadioTensorInfo *info;
    if (strcmp (key, "__metadata__") == 0) {
      if (!parse_metadata (st, value, error))
        return FALSE;
      continue;
    }
    info = &st->tensors[st->n_tensors];
    if (!parse_entry (st->path, key, value, bytes + 8 + header_len,
            data_size, info, error))
      return FALSE;
    /* The name must outlive the parser. */
    info->name = g_strdup (key);
    st->n_tensors++;
  }

  qsort (st->tensors, st->n_tensors, sizeof (RadioTensorInfo),
      compare_by_data);
  for (i = 0; i < st->n_tensors; i++) {
    RadioTensorInfo *t = &st->tensors[i];
    if (i > 0) {
      const RadioTensorInfo *prev = &st->tensors[i - 1];
      if (t->data < prev->data + prev->size) {
        g_set_error (error, RADIO_ERROR, RADIO_ERROR_FORMAT,
            "%s: data of tensors '%s' and '%s' overlap", st->path,
            prev->name, t->name);
        return FALSE;
      }
    }
    g_hash_table_insert (st->by_name, (gpointer) t->name, t);
  }
  return TRUE;
}

RadioSafetensors *
radio_safetensors_open (const char *path, GError **error)
{
  RadioSafetensors *st;
  GError *map_error = NULL;
  GMappedFile *map;

  g_return_val_if_fail (path != NULL, NULL);

  map = g_mapped_file_new (path, FALSE, &map_error);
  if (!map) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_IO, "cannot open %s: %s",
        path, map_error->message);
    g_error_free (map_error);
    return NULL;
  }
  st = g_new0 (RadioSafetensors, 1);
  st->ref_count = 1;
  st->path = g_strdup (path);
  st->map = map;
  st->file_size = g_mapped_file_get_length (map);
  st->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  st->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  if (!parse_header (st, error)) {
    radio_safetensors_unref (st);
    return NULL;
  }
  return st;
}

RadioSafetensors *
radio_safetensors_ref (RadioSafetensors *st)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_atomic_int_inc (&st->ref_count);
  return st;
}

void
radio_safetensors_unref (RadioSafetensors *st)
{
  guint i;

  if (!st || !g_atomic_int_dec_and_test (&st->ref_count))
    return;
  for (i = 0; i < st->n_tensors; i++)
    g_free ((char *) st->tensors[i].name);
  g_free (st->tensors);
  g_hash_table_unref (st->by_name);
  g_hash_table_unref (st->metadata);
  g_mapped_file_unref (st->map);
  g_free (st->path);
  g_free (st);
}

const char *
radio_safetensors_get_path (RadioSafetensors *st)
{
  return st->path;
}

gsize
radio_safetensors_get_file_size (RadioSafetensors *st)
{
  return st->file_size;
}

guint
radio_safetensors_get_n_tensors (RadioSafetensors *st)
{
  return st->n_tensors;
}

const RadioTensorInfo *
radio_safetensors_get_tensor (RadioSafetensors *st, guint index)
{
  g_return_val_if_fail (index < st->n_tensors, NULL);
  return &st->tensors[index];
}

const RadioTensorInfo *
radio_safetensors_lookup (RadioSafetensors *st, const char *name)
{
  return g_hash_table_lookup (st->by_name, name);
}

const char *
radio_safetensors_get_metadata (RadioSafetensors *st, const char *key)
{
  return g_hash_table_lookup (st->metadata, key);
}

void
radio_tensor_info_describe (const RadioTensorInfo *info, char *buf,
    gsize buf_size)
{
  gsize used;
  guint i;

  used = g_snprintf (buf, buf_size, "%s [", radio_dtype_name (info->dtype));
  for (i = 0; i < info->n_dims && used < buf_size; i++)
    used += g_snprintf (buf + used, buf_size - used, "%s%" G_GINT64_FORMAT,
        i ? ", " : "", info->shape[i]);
  if (used < buf_size)
    g_snprintf (buf + used, buf_size - used, "]");
}

/* ---- writer ------------------------------------------------------------ */

typedef struct {
  char *name;
  RadioDType dtype;
  guint n_dims;
  gint64 shape[RADIO_SAFETENSORS_MAX_DIMS];
  GBytes *bytes;
} WriterEntry;

struct _RadioSafetensorsWriter {
  GPtrArray *entries; /* WriterEntry*, in insertion order */
  GHashTable *names;
  GPtrArray *metadata; /* key, value, key, value ... */
};

static void
writer_entry_free (gpointer data)
{
  WriterEntry *e = data;
  g_free (e->name);
  g_bytes_unref (e->bytes);
  g_free (e);
}

RadioSafetensorsWriter *
radio_safetensors_writer_new (void)
{
  RadioSafetensorsWriter *w = g_new0 (RadioSafetensorsWriter, 1);
  w->entries = g_ptr_array_new_with_free_func (writer_entry_free);
  w->names = g_hash_table_new (g_str_hash, g_str_equal);
  w->metadata = g_ptr_array_new_with_free_func (g_free);
  return w;
}

void
radio_safetensors_writer_free (RadioSafetensorsWriter *writer)
{
  if (!writer)
    return;
  g_hash_table_unref (writer->names);
  g_ptr_array_unref (writer->entries);
  g_ptr_array_unref (writer->metadata);
  g_free (writer);
}

gboolean
radio_safetensors_writer_add_bytes (RadioSafetensorsWriter *writer,
    const char *name, RadioDType dtype, guint n_dims, const gint64 *shape,
    GBytes *bytes)
{
  WriterEntry *e;
  guint64 count = 1;
  guint i;

  g_return_val_if_fail (n_dims <= RADIO_SAFETENSORS_MAX_DIMS, FALSE);
  for (i = 0; i < n_dims; i++)
    count *= (guint64) shape[i];
  if (g_hash_table_contains (writer->names, name)
      || strcmp (name, "__metadata__") == 0
      || g_bytes_get_size (bytes) != count * radio_dtype_size (dtype)) {
    g_bytes_unref (bytes);
    return FALSE;
  }
  e = g_new0 (WriterEntry, 1);
  e->name = g_strdup (name);
  e->dtype = dtype;
  e->n_dims = n_dims;
  memcpy (e->shape, shape, n_dims * sizeof (gint64));
  e->bytes = bytes;
  g_ptr_array_add (writer->entries, e);
  g_hash_table_add (writer->names, e->name);
  return TRUE;
}

gboolean
radio_safetensors_writer_add (RadioSafetensorsWriter *writer,
    const char *name, RadioDType dtype, guint n_dims, const gint64 *shape,
    const void *data)
{
  guint64 count = 1;
  guint i;

  g_return_val_if_fail (n_dims <= RADIO_SAFETENSORS_MAX_DIMS, FALSE);
  for (i = 0; i < n_dims; i++)
    count *= (guint64) shape[i];
  return radio_safetensors_writer_add_bytes (writer, name, dtype, n_dims,
      shape, g_bytes_new (data, count * radio_dtype_size (dtype)));
}

void
radio_safetensors_writer_set_metadata (RadioSafetensorsWriter *writer,
    const char *key, const char *value)
{
  g_ptr_array_add (writer->metadata, g_strdup (key));
  g_ptr_array_add (writer->metadata, g_strdup (value));
}

static char *
writer_build_header (RadioSafetensorsWriter *writer)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  guint64 offset = 0;
  guint i, d;

  json_builder_begin_object (b);
  if (writer->metadata->len > 0) {
    json_builder_set_member_name (b, "__metadata__");
    json_builder_begin_object (b);
    for (i = 0; i + 1 < writer->metadata->len; i += 2) {
      json_builder_set_member_name (b, writer->metadata->pdata[i]);
      json_builder_add_string_value (b, writer->metadata->pdata[i + 1]);
    }
    json_builder_end_object (b);
  }
  for (i = 0; i < writer->entries->len; i++) {
    WriterEntry *e = writer->entries->pdata[i];
    gsize size = g_bytes_get_size (e->bytes);
    json_builder_set_member_name (b, e->name);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "dtype");
    json_builder_add_string_value (b, radio_dtype_name (e->dtype));
    json_builder_set_member_name (b, "shape");
    json_builder_begin_array (b);
    for (d = 0; d < e->n_dims; d++)
      json_builder_add_int_value (b, e->shape[d]);
    json_builder_end_array (b);
    json_builder_set_member_name (b, "data_offsets");
    json_builder_begin_array (b);
    json_builder_add_int_value (b, (gint64) offset);
    json_builder_add_int_value (b, (gint64) (offset + size));
    json_builder_end_array (b);
    json_builder_end_object (b);
    offset += size;
  }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

gboolean
radio_safetensors_writer_save (RadioSafetensorsWriter *writer,
    const char *path, GError **error)
{
  g_autofree char *header = writer_build_header (writer);
  g_autofree char *tmp = g_strconcat (path, ".tmp", NULL);
  gsize header_len = strlen (header);
  gsize padded = (header_len + 7) & ~(gsize) 7;
  guint8 len_bytes[8];
  gboolean ok;
  FILE *f;
  guint i;

  f = g_fopen (tmp, "wb");
  if (!f) {
    int saved = errno;
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_IO, "cannot write %s: %s",
        tmp, g_strerror (saved));
    return FALSE;
  }
  /* Pad the header with spaces so the data area starts 8-byte aligned,
   * which lets readers use F32/I64 data in place. */
  for (i = 0; i < 8; i++)
    len_bytes[i] = (guint8) ((guint64) padded >> (8 * i));
  ok = fwrite (len_bytes, 1, 8, f) == 8
      && fwrite (header, 1, header_len, f) == header_len;
  for (i = header_len; ok && i < padded; i++)
    ok = fputc (' ', f) != EOF;
  for (i = 0; ok && i < writer->entries->len; i++) {
    WriterEntry *e = writer->entries->pdata[i];
    gsize size;
    const void *data = g_bytes_get_data (e->bytes, &size);
    ok = size == 0 || fwrite (data, 1, size, f) == size;
  }
  if (fclose (f) != 0)
    ok = FALSE;
  if (!ok || g_rename (tmp, path) != 0) {
    int saved = errno;
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_IO, "cannot write %s: %s",
        path, g_strerror (saved));
    g_unlink (tmp);
    return FALSE;
  }
  return TRUE;
}
