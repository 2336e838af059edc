/* radio-json.h: guards json-glib against hostile model files. */
#ifndef RADIO_JSON_H
#define RADIO_JSON_H

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* NULL when text[0, len) is safe to hand to json-glib: strict JSON tokens
 * (double-quoted strings, standard escapes, no comments, no NUL) nested at
 * most 64 deep.  Otherwise a static description of the first problem.
 * It does not check the grammar: json-glib does that afterwards. */
const char *radio_json_text_problem (const char *text, gsize len);

/* Reads and parses a JSON file whose top level must be an object; errors
 * are RADIO_ERROR_CONFIG naming the file. */
JsonParser *radio_json_parse_file (const char *path, GError **error);

/* Member getters: NULL/absent/null and wrong types give the default. */
JsonObject *radio_json_get_object (JsonObject *obj, const char *key);
/* TRUE when key is present and not null. */
gboolean radio_json_has_value (JsonObject *obj, const char *key);
gboolean radio_json_get_bool (JsonObject *obj, const char *key,
    gboolean def);
const char *radio_json_get_string (JsonObject *obj, const char *key);
/* A non-negative integer (an integral float such as 512.0 too); absent or
 * null gives def; anything else is a RADIO_ERROR_CONFIG that names
 * file, where + key. */
gboolean radio_json_get_uint (const char *file, JsonObject *obj,
    const char *where, const char *key, guint def, guint *out,
    GError **error);

G_END_DECLS
#endif /* RADIO_JSON_H */
