#!/usr/bin/env bash
# jetson.sh: the radio element on an NVIDIA Jetson (JetPack / L4T), with the
# camera or the video decoder in hardware.  Two sources:
#
#   CSI camera (default): nvarguscamerasrc captures through the ISP into
#   NVMM (device) memory, nvvidconv converts to RGBA in system memory, where
#   radio reads it:
#     nvarguscamerasrc sensor-id=N num-buffers=FRAMES
#       ! video/x-raw(memory:NVMM),width=1280,height=720,framerate=30/1
#       ! nvvidconv ! video/x-raw,format=RGBA ! radio ! fakesink
#
#   Video file: parsebin finds the container and parses the H.264 / H.265
#   stream (the same as qtdemux ! h264parse for an .mp4), nvv4l2decoder
#   decodes it on the NVDEC engine, nvvidconv converts to RGBA:
#     filesrc ! parsebin ! nvv4l2decoder ! nvvidconv
#       ! video/x-raw,format=RGBA ! radio ! fakesink
#
# Prints one line per frame: number, time stamp, latency, summary norm and
# patch grid.  Ctrl-C stops early and still prints the totals.
#
# Needs: a Jetson with JetPack, whose GStreamer plugins (nvarguscamerasrc,
# nvvidconv, nvv4l2decoder) come in the nvidia-l4t-gstreamer package; a CSI
# camera for the camera mode; gst-radio built with CUDA (put nvcc on the
# PATH before the first build: export PATH=/usr/local/cuda/bin:$PATH) so
# that radio's backend=auto runs on the GPU.  Anywhere else this script
# only says which elements are missing.
#
#   bash pipelines/jetson.sh [csi[:SENSOR_ID]] [FRAMES]   (default csi:0 300)
#   bash pipelines/jetson.sh video.mp4
#
# Without a model the element runs the built-in demo model (RANDOM weights,
# meaningless features).  For real features download a checkpoint folder
# (e.g. nvidia/C-RADIOv3-B from Hugging Face) and pass it, with any other
# element properties in RADIO_OPTS:
#
#   RADIO_MODEL=/path/to/C-RADIOv3-B RADIO_OPTS="precision=fp16" \
#       bash pipelines/jetson.sh csi:0 600
set -euo pipefail
# shellcheck source=pipelines/env.sh
source "$(dirname "$0")/env.sh"

source=${1:-csi:0}
frames=${2:-300}
usage="usage: $0 [csi[:SENSOR_ID]] [FRAMES] | $0 VIDEO_FILE"
if [ "$#" -gt 2 ] || ! [[ $frames =~ ^[0-9]+$ ]]; then
  echo "$usage" >&2
  exit 2
fi

l4t="nvidia-l4t-gstreamer, JetPack"
if [[ $source =~ ^csi(:([0-9]+))?$ ]]; then
  sensor=${BASH_REMATCH[2]:-0}
  radio_require nvarguscamerasrc "$l4t" nvvidconv "$l4t"
  pipeline=(
    nvarguscamerasrc sensor-id="$sensor" num-buffers="$frames"
    ! "video/x-raw(memory:NVMM),width=1280,height=720,framerate=30/1"
    ! nvvidconv ! "video/x-raw,format=RGBA"
  )
elif [ -f "$source" ] && [ "$#" -eq 1 ]; then
  radio_require parsebin gstreamer1.0-plugins-base \
    nvv4l2decoder "$l4t" nvvidconv "$l4t"
  pipeline=(
    filesrc location="$source" ! parsebin ! nvv4l2decoder
    ! nvvidconv ! "video/x-raw,format=RGBA"
  )
else
  [ -e "$source" ] || echo "$(basename "$0"): no such file: $source" >&2
  echo "$usage" >&2
  exit 2
fi

radio_setup
gst-launch-1.0 -e -m \
  "${pipeline[@]}" \
  ! radio post-messages=true "${RADIO_PROPS[@]}" \
  ! fakesink sync=false \
  | radio_print_frames
