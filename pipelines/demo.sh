#!/usr/bin/env bash
# Demo: sets up and builds gst-radio, then runs the RADIO forward pass on an
# image with the built-in demo model (small, RANDOM weights: the numbers show
# the pipeline works, they carry no meaning) and prints the architecture and
# the shapes and statistics of the summary, spatial and adaptor features.
#
#   bash pipelines/demo.sh [IMAGE...]        (default: pipelines/data/sample.png)
#   MODEL=/path/to/C-RADIOv3-B bash pipelines/demo.sh photo.jpg
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
bash .ci/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
meson compile -C build >/dev/null
model=${MODEL:-build/gst-radio/tools/radio-random-demo}
adaptor=()
[ -n "${MODEL:-}" ] || adaptor=(--adaptor demo)
if [ "$#" -eq 0 ]; then set -- "$here/data/sample.png"; fi

./build/gst-radio/tools/radio-inspect "$model"
echo
./build/gst-radio/tools/radio-embed --model "$model" "${adaptor[@]}" \
  --output build/demo-features.safetensors "$@"
