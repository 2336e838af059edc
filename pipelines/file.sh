#!/usr/bin/env bash
# file.sh: the radio element on a video file.  decodebin picks the demuxer
# and decoder for the file, videoconvert hands the frames to radio in a
# format it takes, radio runs the model on each frame (or every Nth with
# RADIO_OPTS=interval=N) and fakesink drops the video; an audio track, if
# any, is left unlinked and ignored.  Prints one line per frame: number,
# time stamp, latency, summary norm and patch grid.  Frames go through at
# the model's speed, not in real time (fakesink sync=false); Ctrl-C stops
# early and still prints the totals.
#
# Needs: GStreamer with gst-plugins-base and gstreamer1.0-tools, plus the
# plugins that demux and decode the file: plugins-base alone reads Ogg
# Theora (.ogv); MP4/MKV with H.264 etc. need gst-plugins-good (demuxers),
# gst-plugins-bad (parsers) and gstreamer1.0-libav (decoders), or a
# hardware decoder.  A clip to try it with:
#
#   gst-launch-1.0 videotestsrc num-buffers=30 ! theoraenc ! oggmux \
#       ! filesink location=/tmp/clip.ogv
#   bash pipelines/file.sh /tmp/clip.ogv
#
#   bash pipelines/file.sh FILE
#
# Without a model the element runs the built-in demo model (RANDOM weights,
# meaningless features).  For real features download a checkpoint folder
# (e.g. nvidia/C-RADIOv3-B from Hugging Face) and pass it:
#
#   RADIO_MODEL=/path/to/C-RADIOv3-B bash pipelines/file.sh video.mp4
set -euo pipefail
# shellcheck source=pipelines/env.sh
source "$(dirname "$0")/env.sh"

if [ "$#" -ne 1 ]; then
  echo "usage: $0 FILE" >&2
  exit 2
fi
file=$1
if [ ! -f "$file" ] || [ ! -r "$file" ]; then
  echo "$(basename "$0"): cannot read the file '$file'" >&2
  exit 1
fi

radio_require decodebin gstreamer1.0-plugins-base \
  videoconvert gstreamer1.0-plugins-base
radio_setup
# -e: on Ctrl-C, drain the pipeline (end-of-stream) before stopping.
gst-launch-1.0 -e -m \
  filesrc location="$file" \
  ! decodebin \
  ! videoconvert \
  ! radio post-messages=true "${RADIO_PROPS[@]}" \
  ! fakesink sync=false \
  | radio_print_frames
