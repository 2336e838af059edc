/* gstradiohead.c: the head handling that radioclassify and radiosegment
 * share: file properties refused while running, loading at start with
 * element errors, and warnings when the head's recorded provenance
 * (radio-make-classifier's metadata) does not match the stream. */
#include "gstradiohead.h"

#include <string.h>

#include "radio-error.h"

/* The elements' own categories are static to their files: messages from
 * here go to a shared one, created on first use. */
static GstDebugCategory *
head_debug_category (void)
{
  static GstDebugCategory *category;
  static gsize once;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (
        category, "radiohead", 0, "RADIO linear heads of the elements");
    g_once_init_leave (&once, 1);
  }
  return category;
}
#define GST_CAT_DEFAULT head_debug_category ()

gchar *
gst_radio_head_default_labels (const gchar *weights)
{
  if (g_str_has_suffix (weights, ".safetensors"))
    return g_strdup_printf (
        "%.*s.txt", (int)(strlen (weights) - strlen (".safetensors")), weights);
  return g_strconcat (weights, ".txt", NULL);
}

void
gst_radio_head_set_file (GstElement *element, const gchar *what,
    RadioHead *const *head, gchar **field, const gchar *name, const gchar *path)
{
  gboolean running;

  GST_OBJECT_LOCK (element);
  running = *head != NULL;
  if (!running) {
    g_free (*field);
    *field = g_strdup (path);
  }
  GST_OBJECT_UNLOCK (element);
  if (running)
    GST_ELEMENT_WARNING (element, RESOURCE, SETTINGS,
        ("The %s %s file cannot change while the element is running; "
         "keeping the loaded one.",
            what, name),
        ("set %s=%s in the READY or NULL state", name, path ? path : "(none)"));
}

/* A radio_head_load error as an element error that names the file. */
static void
post_load_error (GstElement *element, const gchar *what, const gchar *weights,
    const gchar *labels, const GError *error)
{
  const gchar *missing = !g_file_test (weights, G_FILE_TEST_EXISTS)  ? weights
                         : !g_file_test (labels, G_FILE_TEST_EXISTS) ? labels
                                                                     : NULL;

  if (error->code == RADIO_ERROR_IO && missing)
    GST_ELEMENT_ERROR (element, RESOURCE, NOT_FOUND,
        ("The %s %s file '%s' was not found: %s", what,
            missing == weights ? "weights" : "labels", missing, error->message),
        (NULL));
  else if (error->code == RADIO_ERROR_IO)
    GST_ELEMENT_ERROR (element, RESOURCE, OPEN_READ,
        ("Cannot read the %s '%s' (labels '%s'): %s", what, weights, labels,
            error->message),
        (NULL));
  else
    GST_ELEMENT_ERROR (element, RESOURCE, READ,
        ("Invalid %s '%s' (labels '%s'): %s", what, weights, labels,
            error->message),
        (NULL));
}

RadioHead *
gst_radio_head_load_for (GstElement *element, const gchar *what,
    const gchar *weights, const gchar *labels)
{
  g_autofree gchar *default_labels = NULL;
  g_autoptr (GError) error = NULL;
  RadioHead *head;

  if (!weights || !weights[0]) {
    GST_ELEMENT_ERROR (element, RESOURCE, NOT_FOUND,
        ("No %s: set the weights property", what),
        ("radio-make-classifier writes one: weights and labels files"));
    return NULL;
  }
  if (!labels || !labels[0])
    labels = default_labels = gst_radio_head_default_labels (weights);
  head = radio_head_load (weights, labels, &error);
  if (!head) {
    post_load_error (element, what, weights, labels, error);
    return NULL;
  }
  GST_INFO_OBJECT (element,
      "%s %s (labels %s): %u classes x %u channels, "
      "source %s, scoring %s",
      what, weights, labels, head->n_classes, head->dim,
      head->source ? head->source : "not recorded",
      head->scoring ? head->scoring : "not recorded");
  return head;
}

void
gst_radio_head_checks_reset (GstRadioHeadChecks *checks)
{
  checks->warned_model = FALSE;
  g_clear_pointer (&checks->source, g_free);
  g_clear_pointer (&checks->scoring, g_free);
}

/* TRUE the first time *checked sees value (or after it saw another). */
static gboolean
changed (gchar **checked, const gchar *value)
{
  if (g_strcmp0 (*checked, value) == 0)
    return FALSE;
  g_free (*checked);
  *checked = g_strdup (value);
  return TRUE;
}

/* "summary" fits a head made from "summary" or from a part of it
 * ("summary.0"); not one made from "summary2". */
static gboolean
source_fits (const gchar *recorded, const gchar *source)
{
  gsize n = strlen (source);

  return strncmp (recorded, source, n) == 0
         && (recorded[n] == '\0' || recorded[n] == '.');
}

void
gst_radio_head_check (GstRadioHeadChecks *checks, GstElement *element,
    const gchar *what, const RadioHead *head, const GstRadioMeta *meta,
    const gchar *adaptor, const gchar *kind, const gchar *scoring)
{
  /* named as radio-make-classifier records it */
  g_autofree gchar *source
      = adaptor && adaptor[0] ? g_strdup_printf ("adaptor.%s.%s", adaptor, kind)
                              : g_strdup (kind);

  if (!checks->warned_model && head->model_id && head->model_id[0]
      && meta->model_id && strcmp (head->model_id, meta->model_id) != 0) {
    checks->warned_model = TRUE;
    GST_ELEMENT_WARNING (element, STREAM, FORMAT,
        ("The %s was made for another model than the one that computed "
         "these features: its scores may mean nothing",
            what),
        ("%s model_id %s, frames model_id %s (%s)", what, head->model_id,
            meta->model_id, meta->model_version ? meta->model_version : "?"));
  }
  if (changed (&checks->source, source) && head->source && head->source[0]
      && !source_fits (head->source, source))
    GST_ELEMENT_WARNING (element, STREAM, FORMAT,
        ("The %s was made from '%s' features but classifies '%s'", what,
            head->source, source),
        ("set the source property to match the %s, or make it from the "
         "same features",
            what));
  if (scoring && changed (&checks->scoring, scoring) && head->scoring
      && head->scoring[0] && strcmp (head->scoring, scoring) != 0)
    GST_ELEMENT_WARNING (element, STREAM, FORMAT,
        ("The %s was made for %s scoring but is scored %s: its scores may "
         "mean nothing",
            what, head->scoring, scoring),
        ("the %s's file records scoring=%s", what, head->scoring));
}
