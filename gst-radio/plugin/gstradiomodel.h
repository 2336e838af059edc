/* gstradiomodel.h: choosing and describing the model of a radio element:
 * the built-in model's location, a one-line description for the
 * model-info property, and the adaptors property's list. */
#ifndef __GST_RADIO_MODEL_H__
#define __GST_RADIO_MODEL_H__

#include <glib.h>

#include "radio-checkpoint.h"

G_BEGIN_DECLS

/* The built-in model: $GST_RADIO_DEFAULT_MODEL, else the installed copy,
 * else the one in the build tree (running uninstalled); NULL if none. */
gchar *gst_radio_default_model_path (void);

/* "c-radio_v3-s (vit_small_patch16_224): dim 384, ..." */
gchar *gst_radio_describe_model (RadioCheckpoint *ckpt);

/* "clip, dino_v2" -> { "clip", "dino_v2", NULL }; NULL or "" -> { NULL }. */
gchar **gst_radio_split_adaptors (const gchar *list);

G_END_DECLS
#endif /* __GST_RADIO_MODEL_H__ */
