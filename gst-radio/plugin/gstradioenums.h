/* gstradioenums.h: the GEnum types of the radio element's properties.
 * Their values are the engine's own (RadioBackend, RadioPrecision,
 * RadioPosInterp) or the plugin's (GstRadioResize), so a property value
 * passes to the engine unchanged. */
#ifndef __GST_RADIO_ENUMS_H__
#define __GST_RADIO_ENUMS_H__

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  GST_RADIO_FEATURES_SUMMARY = 1,
  GST_RADIO_FEATURES_SPATIAL = 2,
  GST_RADIO_FEATURES_BOTH = 3,
} GstRadioFeatureSet;

GType gst_radio_backend_get_type (void);
GType gst_radio_precision_get_type (void);
GType gst_radio_resize_get_type (void);
GType gst_radio_pos_interp_get_type (void);
GType gst_radio_features_get_enum_type (void);

G_END_DECLS
#endif /* __GST_RADIO_ENUMS_H__ */
