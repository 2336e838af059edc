#!/usr/bin/env bash
# camera-vis.sh: the classic RADIO picture, live.  A V4L2 camera (v4l2src,
# raw or MJPEG through decodebin) is scaled to WIDTHxHEIGHT, radio computes
# the features and radiovis paints their first three principal components
# as colours over the video, shown in a window (autovideosink).  Runs until
# Ctrl-C, or FRAMES frames.  --test shows videotestsrc instead of a camera.
#
# Needs: gst-plugins-good (v4l2src, jpegdec for MJPEG cameras:
# apt-get install gstreamer1.0-plugins-good), gst-plugins-base, a camera
# the current user can open (group `video`), a display (X11 or Wayland:
# $DISPLAY or $WAYLAND_DISPLAY), gstreamer1.0-tools.
#
#   bash pipelines/camera-vis.sh [--test] [DEVICE] [WIDTHxHEIGHT] [FRAMES]
#                                (default /dev/video0 640x480, until Ctrl-C)
#
# Environment, besides RADIO_MODEL and RADIO_OPTS (see env.sh):
#   RADIOVIS_OPTS="mode=side-by-side alpha=0.8"  radiovis properties
#     (gst-inspect-1.0 radiovis), e.g. save-basis=/tmp/basis.safetensors
#     to keep the colours, load-basis= to start from them next time.
#   RADIOVIS_SINK=fakesink  another sink than autovideosink (no display
#     needed with fakesink).
#
# Without a model the colours come from the built-in demo model, whose
# weights are RANDOM: they follow the picture's edges and colours but carry
# no meaning.  For the real picture download a checkpoint folder (e.g.
# nvidia/C-RADIOv3-B from Hugging Face) and pass it:
#
#   RADIO_MODEL=/path/to/C-RADIOv3-B bash pipelines/camera-vis.sh
set -euo pipefail
# shellcheck source=pipelines/env.sh
source "$(dirname "$0")/env.sh"

test_source=false
if [ "${1:-}" = "--test" ]; then
  test_source=true
  shift
fi
device=${1:-/dev/video0}
size=${2:-640x480}
frames=${3:-0}
if ! [[ $frames =~ ^[0-9]+$ && $size =~ ^[0-9]+x[0-9]+$ ]]; then
  echo "usage: $0 [--test] [DEVICE] [WIDTHxHEIGHT] [FRAMES]" >&2
  exit 2
fi
read -r -a sink <<< "${RADIOVIS_SINK:-autovideosink}"
[ "${#sink[@]}" -gt 0 ] || sink=(autovideosink)

radio_require videoconvert gstreamer1.0-plugins-base \
  videoscale gstreamer1.0-plugins-base
if [ "${sink[0]}" = autovideosink ]; then
  radio_require autovideosink gstreamer1.0-plugins-good
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "$(basename "$0"): no display (DISPLAY and WAYLAND_DISPLAY are" \
      "unset): run it in a desktop session, or set RADIOVIS_SINK=fakesink" \
      "to run without a window" >&2
    exit 1
  fi
fi

num_buffers=-1
[ "$frames" -gt 0 ] && num_buffers=$frames
if $test_source; then
  radio_require videotestsrc gstreamer1.0-plugins-base
  source_chain=(videotestsrc is-live=true pattern=ball
    num-buffers="$num_buffers")
else
  radio_require v4l2src gstreamer1.0-plugins-good \
    decodebin gstreamer1.0-plugins-base
  radio_check_camera "$device" "; --test shows a test pattern instead"
  source_chain=(v4l2src device="$device" num-buffers="$num_buffers"
    ! decodebin)
fi

# properties separated by spaces (none when it is unset or empty)
read -r -a vis_props <<< "${RADIOVIS_OPTS:-}"

radio_setup
# A leaky queue before the model: the window always shows recent frames
# when the model is slower than the source.
gst-launch-1.0 -e \
  "${source_chain[@]}" \
  ! queue max-size-buffers=2 leaky=downstream \
  ! videoconvert \
  ! videoscale \
  ! "video/x-raw,width=${size%x*},height=${size#*x}" \
  ! radio "${RADIO_PROPS[@]}" \
  ! radiovis "${vis_props[@]}" \
  ! videoconvert \
  ! "${sink[@]}" sync=false
