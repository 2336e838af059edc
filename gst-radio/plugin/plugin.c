/* plugin.c: registers the gst-radio elements. */
#include <gst/gst.h>

#include "gst-radio-config.h"
#include "gstradio.h"
#include "gstradioclassify.h"
#include "gstradiosegment.h"
#include "gstradiosink.h"
#include "gstradiovis.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ok = FALSE;

  ok |= GST_ELEMENT_REGISTER (radio, plugin);
  ok |= GST_ELEMENT_REGISTER (radiovis, plugin);
  ok |= GST_ELEMENT_REGISTER (radioclassify, plugin);
  ok |= GST_ELEMENT_REGISTER (radiosegment, plugin);
  ok |= GST_ELEMENT_REGISTER (radiosink, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, radio,
    "RADIO vision foundation model features for video", plugin_init,
    GST_RADIO_VERSION, "LGPL", "gst-radio", "https://github.com/NVlabs/RADIO")
