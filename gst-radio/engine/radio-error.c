/* radio-error.c: the engine's GError domain. */
#include "radio-error.h"

G_DEFINE_QUARK (radio-error-quark, radio_error)
