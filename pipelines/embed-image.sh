#!/usr/bin/env bash
# embed-image.sh: the model without GStreamer, on still images.
# radio-inspect describes the checkpoint (release, architecture, sizes,
# adaptors), then radio-embed runs the forward pass on each image and
# prints the shape and statistics of the summary, spatial and adaptor
# outputs, and writes them all to a safetensors file.
#
# Needs: the gst-radio command-line tools, from this source tree (built in
# build/ on first use, see pipelines/env.sh) or installed.
#
#   bash pipelines/embed-image.sh [IMAGE...]   (default: pipelines/data/sample.png)
#
# Images: PNG, JPEG or PPM.  Features go to
# $RADIO_OUTPUT (default: embed-features.safetensors in the build folder,
# or in the current folder with installed tools).
#
# Without a model it uses the built-in demo model, whose weights are RANDOM
# (features with the right shapes and no meaning), and its `demo` adaptor.
# For real features download a checkpoint folder (e.g. nvidia/C-RADIOv3-B
# from Hugging Face: config.json + model.safetensors) and pass it:
#
#   RADIO_MODEL=/path/to/C-RADIOv3-B bash pipelines/embed-image.sh photo.jpg
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=pipelines/env.sh
source "$here/env.sh"

if [ "$#" -eq 0 ]; then
  set -- "$here/data/sample.png"
fi

if [ -z "${RADIO_BUILD_DIR:-}" ] && command -v radio-embed >/dev/null 2>&1; then
  tools=$(dirname "$(command -v radio-embed)")
  demo_model=$tools/../share/gst-radio/models/radio-random-demo
  output=${RADIO_OUTPUT:-embed-features.safetensors}
else
  radio_build
  tools=$RADIO_BUILD/gst-radio/tools
  demo_model=$tools/radio-random-demo
  output=${RADIO_OUTPUT:-$RADIO_BUILD/embed-features.safetensors}
fi

model=${RADIO_MODEL:-$demo_model}
adaptors=()
# The demo model has one adaptor head, `demo`; a real checkpoint lists its
# own (clip, siglip, dino_v2...) in radio-inspect's output.
[ -n "${RADIO_MODEL:-}" ] || adaptors=(--adaptor demo)

"$tools/radio-inspect" "$model"
echo
"$tools/radio-embed" --model "$model" "${adaptors[@]}" --output "$output" "$@"
