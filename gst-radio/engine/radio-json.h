/* radio-json.h: guards json-glib against hostile model files. */
#ifndef RADIO_JSON_H
#define RADIO_JSON_H

#include <glib.h>

G_BEGIN_DECLS

/* NULL when text[0, len) is safe to hand to json-glib: strict JSON tokens
 * (double-quoted strings, standard escapes, no comments, no NUL) nested at
 * most 64 deep.  Otherwise a static description of the first problem.
 * It does not check the grammar: json-glib does that afterwards. */
const char *radio_json_text_problem (const char *text, gsize len);

G_END_DECLS
#endif /* RADIO_JSON_H */
