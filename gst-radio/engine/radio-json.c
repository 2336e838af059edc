/* radio-json.c: a strictness and depth check run on JSON text from model
 * files before json-glib parses it. */
#include "radio-json.h"

#include <string.h>

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
