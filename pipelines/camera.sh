#!/usr/bin/env bash
# camera.sh: the radio element on a live V4L2 camera (a USB webcam, a
# capture card, /dev/videoN).  v4l2src captures FRAMES frames, decodebin
# decodes them when the camera sends MJPEG (raw YUV passes through),
# videoconvert and videoscale bring them to WIDTHxHEIGHT, radio runs the
# model and fakesink drops the video.  Prints one line per frame: number,
# time stamp, latency, summary norm and patch grid.  When the model is
# slower than the camera, frames queue up in the camera driver and some are
# dropped there; RADIO_OPTS=interval=N runs the model on every Nth frame
# only.  Ctrl-C stops early and still prints the totals.
#
# Needs: gst-plugins-good (v4l2src, and jpegdec for MJPEG cameras:
# apt-get install gstreamer1.0-plugins-good), gst-plugins-base, a camera
# the current user can open (group `video`), gstreamer1.0-tools.
#
#   bash pipelines/camera.sh [DEVICE] [FRAMES] [WIDTHxHEIGHT]
#                            (default /dev/video0 100 640x480)
#
# Without a model the element runs the built-in demo model (RANDOM weights,
# meaningless features).  For real features download a checkpoint folder
# (e.g. nvidia/C-RADIOv3-B from Hugging Face) and pass it:
#
#   RADIO_MODEL=/path/to/C-RADIOv3-B bash pipelines/camera.sh /dev/video0
set -euo pipefail
# shellcheck source=pipelines/env.sh
source "$(dirname "$0")/env.sh"

device=${1:-/dev/video0}
frames=${2:-100}
size=${3:-640x480}
if ! [[ $frames =~ ^[0-9]+$ && $size =~ ^[0-9]+x[0-9]+$ ]]; then
  echo "usage: $0 [DEVICE] [FRAMES] [WIDTHxHEIGHT]" >&2
  exit 2
fi
radio_require v4l2src gstreamer1.0-plugins-good \
  decodebin gstreamer1.0-plugins-base videoconvert gstreamer1.0-plugins-base \
  videoscale gstreamer1.0-plugins-base
radio_check_camera "$device"

radio_setup
gst-launch-1.0 -e -m \
  v4l2src device="$device" num-buffers="$frames" \
  ! decodebin \
  ! videoconvert \
  ! videoscale \
  ! "video/x-raw,width=${size%x*},height=${size#*x}" \
  ! radio post-messages=true "${RADIO_PROPS[@]}" \
  ! fakesink sync=false \
  | radio_print_frames
