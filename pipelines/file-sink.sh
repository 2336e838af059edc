#!/usr/bin/env bash
# file-sink.sh: the RADIO features of a video file written to disk, for
# indexing.  decodebin picks the demuxer and decoder, videoconvert hands
# the frames to radio in a format it takes, radio runs the model and
# radiosink writes each frame's features: by default one safetensors file
# per frame (tensors named as radio-embed names them: summary, spatial,
# adaptor.NAME.summary, adaptor.NAME.spatial; frame number, time stamps,
# model and geometry in its metadata), or with RADIOSINK_FORMAT=jsonl one
# JSON line per frame with the summaries.  Without a FILE it runs on 30
# frames of videotestsrc, so it works with nothing but gst-plugins-base.
# Prints one line per file written, then the total.  Frames go through at
# the model's speed; Ctrl-C stops early and still writes what is pending.
#
# Needs: GStreamer with gst-plugins-base and gstreamer1.0-tools, plus the
# plugins that demux and decode the file (see file.sh).
#
#   bash pipelines/file-sink.sh [FILE] [OUT_DIR]   (OUT_DIR: radio-features)
#
# Environment, beside RADIO_MODEL and RADIO_OPTS (env.sh):
#   RADIOSINK_FORMAT=safetensors|jsonl   the file format (safetensors)
#   RADIOSINK_OPTS="frames-per-file=100 fields=summary"   more radiosink
#     properties (gst-inspect-1.0 radiosink lists them)
#
#   RADIO_OPTS="adaptors=demo" bash pipelines/file-sink.sh
#   RADIOSINK_FORMAT=jsonl bash pipelines/file-sink.sh /tmp/clip.ogv /tmp/f
#
# Without a model the element runs the built-in demo model (RANDOM
# weights, meaningless features): set RADIO_MODEL for real features.
set -euo pipefail
# shellcheck source=pipelines/env.sh
source "$(dirname "$0")/env.sh"

usage () {
  echo "usage: $0 [FILE] [OUT_DIR]" >&2
  echo "  no FILE: 30 frames of videotestsrc; OUT_DIR defaults to" \
    "radio-features" >&2
  exit 2
}

[ "$#" -le 2 ] || usage
case "${1:-}" in -h|--help) usage ;; esac
file=${1:-}
out=${2:-radio-features}
format=${RADIOSINK_FORMAT:-safetensors}
case "$format" in
  safetensors) location=$out/frame-%05d.safetensors ;;
  jsonl) location=$out/features.jsonl ;;
  *)
    echo "$(basename "$0"): RADIOSINK_FORMAT must be safetensors or jsonl," \
      "not '$format'" >&2
    exit 2
    ;;
esac
radio_check_file "$file"
# properties separated by spaces (none when it is unset or empty)
read -r -a sink_opts <<< "${RADIOSINK_OPTS:-}"

if [ -n "$file" ]; then
  radio_require decodebin gstreamer1.0-plugins-base \
    videoconvert gstreamer1.0-plugins-base
else
  radio_require videotestsrc gstreamer1.0-plugins-base \
    videoconvert gstreamer1.0-plugins-base
fi
radio_file_source "$file" 30 ball 320 240
radio_setup
mkdir -p "$out"

# skip-missing=true: with RADIO_OPTS=interval=N, radio leaves the other
# frames without features, and radiosink skips them instead of stopping.
gst-launch-1.0 -e -m \
  "${RADIO_SOURCE[@]}" \
  ! videoconvert \
  ! radio "${RADIO_PROPS[@]}" \
  ! radiosink location="$location" format="$format" post-messages=true \
    skip-missing=true "${sink_opts[@]}" \
  | radio_filter_messages '
      /\(element\): radio-sink-file,/ {
        printf "wrote %s  (%d frame(s): %s..%s)\n", field("location"),
          field("frames"), field("first-frame"), field("last-frame")
        fflush()
        files++
        frames += field("frames")
        next
      }
      END {
        printf "%d file(s), %d frame(s)\n", files, frames
      }'
