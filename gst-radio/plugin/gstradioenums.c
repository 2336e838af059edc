/* gstradioenums.c: GEnum registrations (value, description, nick) for the
 * radio element's enumerated properties. */
#include "gstradioenums.h"

#include "gstradioframe.h"
#include "radio-runner.h"

#define DEFINE_ENUM_TYPE(func, name, ...)                                      \
  GType func (void)                                                            \
  {                                                                            \
    static GType type = 0;                                                     \
    static const GEnumValue values[] = { __VA_ARGS__, { 0, NULL, NULL } };     \
    if (g_once_init_enter (&type))                                             \
      g_once_init_leave (&type, g_enum_register_static (name, values));        \
    return type;                                                               \
  }

DEFINE_ENUM_TYPE (gst_radio_backend_get_type, "GstRadioBackend",
    { RADIO_BACKEND_AUTO, "CUDA when a device is usable, else CPU", "auto" },
    { RADIO_BACKEND_CPU, "CPU", "cpu" },
    { RADIO_BACKEND_CUDA, "CUDA (error when no device is usable)", "cuda" })
DEFINE_ENUM_TYPE (gst_radio_precision_get_type, "GstRadioPrecision",
    { RADIO_PRECISION_AUTO, "fp32 on CPU; bf16 on CUDA sm >= 8.0, else fp16",
        "auto" },
    { RADIO_PRECISION_FP32, "float32", "fp32" },
    { RADIO_PRECISION_FP16, "float16 (CUDA only)", "fp16" },
    { RADIO_PRECISION_BF16, "bfloat16 (CUDA only)", "bf16" })
DEFINE_ENUM_TYPE (gst_radio_resize_get_type, "GstRadioResize",
    { GST_RADIO_RESIZE_NEAREST, "Nearest patch multiple of the frame size",
        "nearest" },
    { GST_RADIO_RESIZE_FIXED, "Stretch to width x height", "fixed" },
    { GST_RADIO_RESIZE_PREFERRED, "Stretch to the model's preferred size",
        "preferred" },
    { GST_RADIO_RESIZE_LETTERBOX,
        "Keep the aspect ratio, pad to width x "
        "height",
        "letterbox" })
DEFINE_ENUM_TYPE (gst_radio_pos_interp_get_type, "GstRadioPosInterp",
    { RADIO_POS_INTERP_AUTO, "As the model's release does", "auto" },
    { RADIO_POS_INTERP_ALIGN_CORNERS, "Bilinear, corners aligned",
        "align-corners" },
    { RADIO_POS_INTERP_HALF_PIXEL, "Bilinear, half-pixel centres",
        "half-pixel" })
DEFINE_ENUM_TYPE (gst_radio_features_get_enum_type, "GstRadioFeatureSet",
    { GST_RADIO_FEATURES_SUMMARY, "Summary vectors only", "summary" },
    { GST_RADIO_FEATURES_SPATIAL, "Spatial features only", "spatial" },
    { GST_RADIO_FEATURES_BOTH, "Summary and spatial features", "both" })
