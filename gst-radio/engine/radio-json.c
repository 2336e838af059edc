/* radio-json.c: JSON from model files: a strictness and depth check run
 * before json-glib parses it, and typed, validating member getters for
 * config.json and index files. */
#include "radio-json.h"

#include <math.h>
#include <string.h>

#include "radio-error.h"

/* json-glib's parser recurses once per nesting level, and its tokenizer also
 * takes single-quoted strings, comments and loose escapes (a bad \u escape
 * swallows the next character, even a closing quote), any of which can hide
 * brackets from a simple scan.  So before text reaches it, check that its
 * tokens are strict JSON (double-quoted strings with the standard escapes,
 * no quote or comment characters outside them, no NUL) and that it nests at
 * most JSON_MAX_DEPTH deep: a few hundred kilobytes of '[' would otherwise
 * overflow the stack.  Returns NULL, or what is wrong. */
#define JSON_MAX_DEPTH 64

static gboolean
read_hex4 (const char *s, gsize left, guint *value)
{
  guint i;

  *value = 0;
  if (left < 4)
    return FALSE;
  for (i = 0; i < 4; i++) {
    if (!g_ascii_isxdigit (s[i]))
      return FALSE;
    *value = *value * 16 + g_ascii_xdigit_value (s[i]);
  }
  return TRUE;
}

const char *
radio_json_text_problem (const char *text, gsize len)
{
  guint depth = 0, u, low;
  gsize i = 0;
  char ch;

  if (memchr (text, '\0', len))
    return "it contains a NUL byte";
  while (i < len) {
    ch = text[i++];
    if (ch == '[' || ch == '{') {
      if (++depth > JSON_MAX_DEPTH)
        return "it nests deeper than " G_STRINGIFY (JSON_MAX_DEPTH)
            " levels";
    } else if (ch == ']' || ch == '}') {
      depth -= depth > 0;
    } else if (ch == '\'' || ch == '/' || ch == '#') {
      return "a quote or comment character lies outside a string";
    } else if (ch == '"') {
      for (;;) {
        if (i >= len)
          return "a string is not terminated";
        ch = text[i++];
        if (ch == '"')
          break;
        if (ch != '\\')
          continue;
        if (i >= len)
          return "a string is not terminated";
        ch = text[i++];
        if (ch != 'u') {
          if (!strchr ("\"\\/bfnrt", ch))
            return "a string has an invalid escape";
          continue;
        }
        if (!read_hex4 (text + i, len - i, &u))
          return "a string has an invalid \\u escape";
        i += 4;
        if (u >= 0xd800 && u <= 0xdbff && len - i >= 6 && text[i] == '\\'
            && text[i + 1] == 'u' && read_hex4 (text + i + 2, len - i - 2,
                &low) && low >= 0xdc00 && low <= 0xdfff)
          i += 6;
        else if (u >= 0xd800 && u <= 0xdfff)
          return "a string has an unpaired UTF-16 surrogate";
      }
    }
  }
  return NULL;
}

/* ---- config.json members ------------------------------------------------ */

JsonObject *
radio_json_get_object (JsonObject *obj, const char *key)
{
  JsonNode *node = obj ? json_object_get_member (obj, key) : NULL;
  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
      : NULL;
}

/* TRUE when key is present and not null. */
gboolean
radio_json_has_value (JsonObject *obj, const char *key)
{
  JsonNode *node = obj ? json_object_get_member (obj, key) : NULL;
  return node && !JSON_NODE_HOLDS_NULL (node);
}

/* Reads a non-negative integer; absent or null gives def.  A float with an
 * integral value is accepted (some exporters write 512.0). */
gboolean
radio_json_get_uint (const char *file, JsonObject *obj, const char *where,
    const char *key, guint def, guint *out, GError **error)
{
  JsonNode *node = obj ? json_object_get_member (obj, key) : NULL;
  GType type;
  double v;

  *out = def;
  if (!node || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node)
      : G_TYPE_INVALID;
  if (type == G_TYPE_INT64)
    v = (double) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    v = json_node_get_double (node);
  else
    v = -1;
  if (v < 0 || v > G_MAXINT32 || v != floor (v)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_CONFIG,
        "%s: '%s%s' must be a non-negative integer", file, where, key);
    return FALSE;
  }
  *out = (guint) v;
  return TRUE;
}

gboolean
radio_json_get_bool (JsonObject *obj, const char *key, gboolean def)
{
  JsonNode *node = obj ? json_object_get_member (obj, key) : NULL;
  if (!node || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return def;
  return json_node_get_boolean (node);
}

const char *
radio_json_get_string (JsonObject *obj, const char *key)
{
  JsonNode *node = obj ? json_object_get_member (obj, key) : NULL;
  if (!node || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

JsonParser *
radio_json_parse_file (const char *path, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *contents = NULL;
  g_autoptr (GError) local = NULL;
  const char *problem;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, &local)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_CONFIG, "cannot read %s: %s",
        path, local->message);
    return NULL;
  }
  problem = radio_json_text_problem (contents, len);
  if (problem) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_CONFIG,
        "%s is not valid JSON: %s", path, problem);
    return NULL;
  }
  if (!json_parser_load_from_data (parser, contents, (gssize) len, &local)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_CONFIG,
        "%s is not valid JSON: %s", path, local->message);
    return NULL;
  }
  if (!json_parser_get_root (parser)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_CONFIG,
        "%s: top level is not a JSON object", path);
    return NULL;
  }
  return g_steal_pointer (&parser);
}
