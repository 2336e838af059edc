#!/usr/bin/env bash
# file-classify.sh: classify every frame of a video with radioclassify.
# decodebin reads the file, videoconvert hands the frames to radio, radio
# attaches the model's features, radioclassify scores them with a linear
# head (weights + labels files) and draws the best classes on the frame
# (overlay=true), which a window shows (autovideosink).  Without a display
# the video goes to fakesink instead; either way one line per frame is
# printed from radioclassify's radio-classification messages:
#
#   frame   12  t=   0.400 s  ball 0.97   (smpte 0.02, snow 0.01)
#
#   bash pipelines/file-classify.sh [FILE]
#
# Without FILE it classifies videotestsrc (pattern ball, 100 frames; set
# RADIO_PATTERN and RADIO_FRAMES to change them).  A clip to try it with,
# with gst-plugins-base alone:
#
#   gst-launch-1.0 videotestsrc num-buffers=60 pattern=ball ! theoraenc \
#       ! oggmux ! filesink location=/tmp/clip.ogv
#   bash pipelines/file-classify.sh /tmp/clip.ogv
#
# The classifier:
#   RADIO_HEAD=/path/head.safetensors  a head made by radio-make-classifier
#     (labels from RADIO_LABELS, default: the same path ending in .txt).
#     It must come from the same model as the stream (RADIO_MODEL).
#   unset: a demo head is made on the fly, with radio-make-classifier, from
#     still frames of five videotestsrc patterns (ball, checkers-8,
#     pinwheel, smpte, snow), so the script always runs; on the built-in
#     model (RANDOM weights) it still tells these patterns apart.
#   RADIO_CLASSIFY_OPTS="top-k=3 temperature=0.05"  more radioclassify
#     properties (gst-inspect-1.0 radioclassify lists them).
# RADIO_MODEL, RADIO_OPTS and RADIO_BUILD_DIR work as in every example
# (pipelines/README.md).  For zero-shot with a CLIP adaptor, make the head
# with --adaptor clip and run with RADIO_OPTS=adaptors=clip
# RADIO_CLASSIFY_OPTS=source=clip.
#
# Needs: GStreamer with gst-plugins-base and gstreamer1.0-tools, plus the
# decoders for the file (see file.sh); a display for the window.
set -euo pipefail
# shellcheck source=pipelines/env.sh
source "$(dirname "$0")/env.sh"

if [ "$#" -gt 1 ]; then
  echo "usage: $0 [FILE]" >&2
  exit 2
fi
file=${1:-}
radio_check_file "$file"
frames=${RADIO_FRAMES:-100}
pattern=${RADIO_PATTERN:-ball}

radio_require decodebin gstreamer1.0-plugins-base \
  videoconvert gstreamer1.0-plugins-base \
  videotestsrc gstreamer1.0-plugins-base
radio_setup
radio_require_element radioclassify
radio_make_tmp file-classify
tmp=$RADIO_TMP

if [ -n "${RADIO_HEAD:-}" ]; then
  weights=$RADIO_HEAD
  labels=${RADIO_LABELS:-${RADIO_HEAD%.safetensors}.txt}
else
  # radio-make-classifier and the model it should read: RADIO_MODEL, or
  # the built-in demo model that the radio element uses when it has none.
  tool=$(radio_find_tool radio-make-classifier)
  model=${RADIO_MODEL:-$(radio_demo_model "$tool")}
  echo "making a demo classifier of videotestsrc patterns ..." >&2
  for p in ball checkers-8 pinwheel smpte snow; do
    mkdir -p "$tmp/images/$p"
    radio_testsrc_ppm "$p" 320 240 "$tmp/images/$p/a.ppm"
    radio_testsrc_ppm "$p" 256 256 "$tmp/images/$p/b.ppm"
    radio_testsrc_ppm "$p" 192 144 "$tmp/images/$p/c.ppm"
  done
  weights=$tmp/head.safetensors
  labels=$tmp/head.txt
  radio_run_quiet "$tool" --model "$model" --output "$weights" \
    --labels "$labels" "$tmp/images" >/dev/null
fi

radio_file_source "$file" "$frames" "$pattern" 320 240
# A window when there is a display to open it on, else no video at all.
radio_video_sink
# properties separated by spaces (none when it is unset or empty)
read -r -a classify_props <<< "${RADIO_CLASSIFY_OPTS:-}"

# gst-launch-1.0 -m prints each message on one line, e.g.
#   ... (element): radio-classification, frame=(guint64)3,
#   timestamp=(guint64)100000000, source=(string)summary,
#   label=(string)ball, score=(double)0.97, class-id=(uint)0,
#   labels=(string)< ball, smpte >, scores=(double)< 0.97, 0.02 >, ...
print_classes () {
  radio_filter_messages '
      /\(element\): radio-classification,/ {
        n = labels(names)
        split(list("scores"), scores, ", ")
        others = ""
        for (i = 2; i <= n; i++)
          others = others sprintf("%s%s %.2f", i > 2 ? ", " : "", names[i],
            scores[i])
        printf "%s  %s %.2f%s\n", frame_time(), field("label"),
          field("score"), others != "" ? "   (" others ")" : ""
        fflush()
        count++
        next
      }
      END {
        if (count > 0)
          printf "%d frame(s) classified\n", count
      }'
}

# -e: on Ctrl-C, drain the pipeline (end-of-stream) before stopping.
gst-launch-1.0 -e -m \
  "${RADIO_SOURCE[@]}" \
  ! videoconvert \
  ! radio "${RADIO_PROPS[@]}" \
  ! radioclassify weights="$weights" labels="$labels" overlay=true \
    top-k=3 "${classify_props[@]}" \
  ! "${RADIO_SINK[@]}" \
  | print_classes
