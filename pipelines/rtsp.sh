#!/usr/bin/env bash
# rtsp.sh: the radio element on an RTSP stream (an IP camera, a media
# server).  rtspsrc receives the stream over the network, the caps on its
# link pick the video stream (an audio stream is left out), decodebin
# depayloads and decodes it, videoconvert hands the frames to radio,
# fakesink drops them.  Prints one line per frame: number, time stamp,
# latency, summary norm and patch grid.  The stream does not wait for the
# model: frames that arrive while it is busy are dropped by a leaky queue in
# front of radio, so a slow model sees recent frames, not a growing
# backlog.  Runs until the stream ends
# or Ctrl-C, which still prints the totals.
#
# Needs: gst-plugins-good (rtspsrc, the RTP depayloaders: apt-get install
# gstreamer1.0-plugins-good), a decoder for the stream's codec (H.264/H.265:
# gstreamer1.0-libav, or a hardware decoder; on a Jetson see jetson.sh),
# gst-plugins-base, gstreamer1.0-tools, and the camera reachable from here.
#
#   bash pipelines/rtsp.sh rtsp://HOST:8554/stream [LATENCY_MS]   (default 200)
#   bash pipelines/rtsp.sh rtsp://user:password@192.168.1.10/stream1
#
# Without a model the element runs the built-in demo model (RANDOM weights,
# meaningless features).  For real features download a checkpoint folder
# (e.g. nvidia/C-RADIOv3-B from Hugging Face) and pass it:
#
#   RADIO_MODEL=/path/to/C-RADIOv3-B bash pipelines/rtsp.sh rtsp://...
set -euo pipefail
# shellcheck source=pipelines/env.sh
source "$(dirname "$0")/env.sh"

if [ "$#" -lt 1 ] || [ "$#" -gt 2 ] || [[ $1 != rtsp*://* ]] \
    || ! [[ ${2:-200} =~ ^[0-9]+$ ]]; then
  echo "usage: $0 rtsp://HOST[:PORT]/PATH [LATENCY_MS]" >&2
  exit 2
fi
url=$1
latency=${2:-200}
radio_require rtspsrc gstreamer1.0-plugins-good \
  decodebin gstreamer1.0-plugins-base videoconvert gstreamer1.0-plugins-base

radio_setup
# The leaky queue keeps at most one frame waiting for the model and drops
# older ones, so the element always works on a recent frame.
gst-launch-1.0 -e -m \
  rtspsrc location="$url" latency="$latency" \
  ! application/x-rtp,media=video \
  ! decodebin \
  ! videoconvert \
  ! queue leaky=downstream max-size-buffers=1 max-size-bytes=0 \
      max-size-time=0 \
  ! radio post-messages=true "${RADIO_PROPS[@]}" \
  ! fakesink sync=false \
  | radio_print_frames
