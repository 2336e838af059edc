/* radio-error.h: the GError domain of the gst-radio engine.  Every failure
 * of loading or running a model is reported through it; the message names
 * the file, tensor or setting concerned. */
#ifndef RADIO_ERROR_H
#define RADIO_ERROR_H

#include <glib.h>

G_BEGIN_DECLS

#define RADIO_ERROR (radio_error_quark ())
GQuark radio_error_quark (void);

typedef enum {
  RADIO_ERROR_IO,             /* a file cannot be opened, mapped or written */
  RADIO_ERROR_FORMAT,         /* a safetensors file is malformed */
  RADIO_ERROR_CONFIG,         /* config.json / index.json missing or invalid */
  RADIO_ERROR_UNSUPPORTED,    /* a valid model this engine cannot run */
  RADIO_ERROR_MISSING_TENSOR, /* a required tensor is absent */
  RADIO_ERROR_SHAPE,          /* a tensor has the wrong shape or dtype */
  RADIO_ERROR_IMAGE,          /* an image file is unreadable or corrupt */
  RADIO_ERROR_ARGUMENT,       /* a caller-supplied setting is out of range */
} RadioErrorCode;

G_END_DECLS
#endif /* RADIO_ERROR_H */
