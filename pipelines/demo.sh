#!/usr/bin/env bash
# Demo: sets up and builds gst-radio, then shows the built-in demo model
# (small, RANDOM weights: the numbers show the pipeline works, they carry no
# meaning) at work twice:
#   1. on an image, without GStreamer (pipelines/embed-image.sh): the
#      model's architecture, then the shapes and statistics of the summary,
#      spatial and adaptor features;
#   2. in a GStreamer pipeline (pipelines/testsrc.sh): the radio element on
#      10 frames of videotestsrc, one line per frame with the model's
#      latency and the norm of the summary vector.
# The other examples are listed in pipelines/README.md.
#
#   bash pipelines/demo.sh [IMAGE...]        (default: pipelines/data/sample.png)
#   MODEL=/path/to/C-RADIOv3-B bash pipelines/demo.sh photo.jpg
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
bash .ci/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
meson compile -C build >/dev/null

# Both examples run from this build, even when a gst-radio is installed.
export RADIO_BUILD_DIR=build
export RADIO_OUTPUT=build/demo-features.safetensors
if [ -n "${MODEL:-}" ]; then
  export RADIO_MODEL=$MODEL
fi

echo "== 1. The model on an image (pipelines/embed-image.sh) =="
bash "$here/embed-image.sh" "$@"
echo
echo "== 2. The radio element on 10 video frames (pipelines/testsrc.sh) =="
bash "$here/testsrc.sh" 10
