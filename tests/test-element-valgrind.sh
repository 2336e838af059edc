#!/usr/bin/env bash
# 500 frames through the radio element under valgrind (NV12, an adaptor,
# element messages): no invalid access, no definite leak.
#
# The plugin registry is built first, outside valgrind, so that under
# valgrind GStreamer opens only the plugins the pipeline uses.
# Environment (from meson): VALGRIND, GST_LAUNCH, GST_INSPECT, RADIO_MODEL,
# VALGRIND_SUPPRESSIONS, GST_PLUGIN_PATH, GST_REGISTRY.
set -euo pipefail

"$GST_INSPECT" radio >/dev/null
export GST_REGISTRY_UPDATE=no G_SLICE=always-malloc
exec "$VALGRIND" --error-exitcode=1 --leak-check=full \
  --errors-for-leak-kinds=definite --show-leak-kinds=definite \
  --track-origins=no -q --suppressions="$VALGRIND_SUPPRESSIONS" \
  "$GST_LAUNCH" -q videotestsrc num-buffers=500 pattern=ball \
  ! video/x-raw,format=NV12,width=72,height=56 \
  ! radio backend=cpu model="$RADIO_MODEL" adaptors=clip post-messages=true \
  ! fakesink
