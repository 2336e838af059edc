#!/usr/bin/env bash
# testsrc.sh: the radio element on synthetic video, no camera or file
# needed.  videotestsrc makes FRAMES frames of WIDTHxHEIGHT, radio runs the
# model on each and posts a radio-frame message per frame (post-messages),
# fakesink drops the video.  Prints one line per frame: its number, time
# stamp, the model's latency, the L2 norm of the summary vector and the size
# of the patch grid, then the mean latency.
#
# Needs: GStreamer with gst-plugins-base (videotestsrc, videoconvert) and
# gstreamer1.0-tools; gst-radio installed, or this source tree, which is
# built in build/ on first use (pipelines/env.sh).
#
#   bash pipelines/testsrc.sh [FRAMES] [WIDTHxHEIGHT]    (default 10 320x240)
#
# Without a model the element runs the built-in demo model, whose weights
# are RANDOM: the numbers show that the pipeline works, nothing more.  For
# real features download a checkpoint folder from Hugging Face (e.g.
# nvidia/C-RADIOv3-B: config.json + model.safetensors) and pass it:
#
#   RADIO_MODEL=/path/to/C-RADIOv3-B bash pipelines/testsrc.sh 30 640x480
#
# which is the same as `radio model=/path/to/C-RADIOv3-B` on a launch line.
set -euo pipefail
# shellcheck source=pipelines/env.sh
source "$(dirname "$0")/env.sh"

frames=${1:-10}
size=${2:-320x240}
if ! [[ $frames =~ ^[0-9]+$ && $size =~ ^[0-9]+x[0-9]+$ ]]; then
  echo "usage: $0 [FRAMES] [WIDTHxHEIGHT]" >&2
  exit 2
fi

radio_require videotestsrc gstreamer1.0-plugins-base \
  videoconvert gstreamer1.0-plugins-base
radio_setup
gst-launch-1.0 -e -m \
  videotestsrc num-buffers="$frames" pattern=ball \
  ! "video/x-raw,width=${size%x*},height=${size#*x}" \
  ! videoconvert \
  ! radio post-messages=true "${RADIO_PROPS[@]}" \
  ! fakesink \
  | radio_print_frames
