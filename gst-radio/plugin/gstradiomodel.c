/* gstradiomodel.c: model selection helpers of the radio element. */
#include "gstradiomodel.h"

#include "gst-radio-config.h"

gchar *
gst_radio_default_model_path (void)
{
  const gchar *env = g_getenv ("GST_RADIO_DEFAULT_MODEL");

  if (env && *env)
    return g_strdup (env);
  if (g_file_test (GST_RADIO_DEFAULT_MODEL_INSTALLED, G_FILE_TEST_IS_DIR))
    return g_strdup (GST_RADIO_DEFAULT_MODEL_INSTALLED);
  if (g_file_test (GST_RADIO_DEFAULT_MODEL_BUILT, G_FILE_TEST_IS_DIR))
    return g_strdup (GST_RADIO_DEFAULT_MODEL_BUILT);
  return NULL;
}

gchar *
gst_radio_describe_model (RadioCheckpoint *c)
{
  GString *s = g_string_new (NULL);
  guint i;

  g_string_append_printf (s,
      "%s (%s): dim %u, depth %u, %u heads, patch "
      "%u, %u summary token(s) of %u, %u registers, summary dim %u, "
      "preferred %ux%u, adaptors:",
      c->version ? c->version : "unversioned", c->arch_name, c->embed_dim,
      c->depth, c->num_heads, c->patch_size, c->n_summary, c->num_cls_tokens,
      c->num_registers, c->n_summary * c->embed_dim, c->preferred_width,
      c->preferred_height);
  for (i = 0; i < c->n_adaptors; i++)
    g_string_append_printf (s, "%s %s", i ? "," : "", c->adaptors[i].name);
  if (c->n_adaptors == 0)
    g_string_append (s, " none");
  if (c->random_weights)
    g_string_append (s, "; RANDOM WEIGHTS (features carry no meaning)");
  return g_string_free (s, FALSE);
}

gchar **
gst_radio_split_adaptors (const gchar *list)
{
  gchar **names;
  GPtrArray *out = g_ptr_array_new ();
  guint i;

  if (!list)
    list = "";
  names = g_strsplit (list, ",", -1);
  for (i = 0; names[i]; i++) {
    g_strstrip (names[i]);
    if (*names[i])
      g_ptr_array_add (out, g_strdup (names[i]));
  }
  g_strfreev (names);
  g_ptr_array_add (out, NULL);
  return (gchar **)g_ptr_array_free (out, FALSE);
}
