/* gstradiohead.h: what the elements with a linear head (radio-head.h),
 * radioclassify and radiosegment, share: the weights and labels properties
 * that only change while stopped, loading the head at start with element
 * errors that name the file and the reason, and the warnings that the head
 * was made for other features than those it gets. */
#ifndef __GST_RADIO_HEAD_H__
#define __GST_RADIO_HEAD_H__

#include <gst/gst.h>
#include <gst/radio/radiometa.h>

#include "radio-head.h"

G_BEGIN_DECLS

/* The labels file that goes with a weights file when `labels` is unset,
 * as radio-make-classifier writes it: the weights path with .txt in place
 * of .safetensors (or .txt appended). */
gchar *gst_radio_head_default_labels (const gchar *weights);

/* Sets a file property (*field = path) unless a head is loaded (*head,
 * read under the element's object lock): the files are read at start, so
 * a change while running would not take effect and is refused with a
 * RESOURCE SETTINGS warning.  what: "classifier", "segmentation head";
 * name: the property. */
void gst_radio_head_set_file (GstElement *element, const gchar *what,
    RadioHead *const *head, gchar **field, const gchar *name,
    const gchar *path);

/* Loads the head for the element's start(): weights must be set; labels
 * NULL or "" means gst_radio_head_default_labels (weights).  On failure
 * posts a RESOURCE element error naming the file and the reason
 * (NOT_FOUND: no weights set, or a file missing; OPEN_READ: unreadable;
 * READ: invalid) and returns NULL. */
RadioHead *gst_radio_head_load_for (GstElement *element, const gchar *what,
    const gchar *weights, const gchar *labels);

/* Which provenance warnings an element has given for its loaded head. */
typedef struct {
  gboolean warned_model;
  gchar *source;  /* the features last checked against the head's source */
  gchar *scoring; /* the scoring last checked against the head's */
} GstRadioHeadChecks;

/* Forgets the checks (at start and stop): all warnings may come again. */
void gst_radio_head_checks_reset (GstRadioHeadChecks *checks);

/* Warns (STREAM FORMAT) when the head's file says it was made for other
 * features than those it gets: another model than meta's (once per loaded
 * head), another source than the features of kind ("summary", "spatial")
 * from adaptor (NULL or "": the backbone), named "summary",
 * "adaptor.NAME.spatial", ... (the head's source must start with that
 * name), or another scoring than `scoring` ("cosine", "linear"; NULL: not
 * checked).  Source and scoring are checked again whenever the element's
 * value changes, so a property changed while playing is checked too, but
 * each value warns only once. */
void gst_radio_head_check (GstRadioHeadChecks *checks, GstElement *element,
    const gchar *what, const RadioHead *head, const GstRadioMeta *meta,
    const gchar *adaptor, const gchar *kind, const gchar *scoring);

G_END_DECLS
#endif /* __GST_RADIO_HEAD_H__ */
