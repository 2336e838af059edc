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
if [ -n "$file" ] && { [ ! -f "$file" ] || [ ! -r "$file" ]; }; then
  echo "$(basename "$0"): cannot read the file '$file'" >&2
  exit 1
fi
frames=${RADIO_FRAMES:-100}
pattern=${RADIO_PATTERN:-ball}

radio_require decodebin gstreamer1.0-plugins-base \
  videoconvert gstreamer1.0-plugins-base \
  videotestsrc gstreamer1.0-plugins-base
radio_setup
if ! radio_have_element radioclassify; then
  echo "$(basename "$0"): this gst-radio has no radioclassify element" >&2
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/file-classify-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# One videotestsrc frame as a binary PPM (P6): raw RGB rows behind a
# header.  Widths are multiples of 4, so GStreamer's rows have no padding.
make_ppm () {
  local pattern=$1 width=$2 height=$3 out=$4
  gst-launch-1.0 -q videotestsrc num-buffers=1 pattern="$pattern" \
    ! "video/x-raw,format=RGB,width=$width,height=$height" \
    ! filesink location="$out.rgb" >/dev/null
  { printf 'P6\n%s %s\n255\n' "$width" "$height"; cat "$out.rgb"; } > "$out"
  rm -f "$out.rgb"
}

# radio-make-classifier and the model it should read: RADIO_MODEL, or the
# built-in demo model that the radio element uses when it has none.
find_tool () {
  local tool
  if tool=$(command -v radio-make-classifier 2>/dev/null); then
    echo "$tool"
    return
  fi
  [ -n "${RADIO_BUILD:-}" ] || radio_build
  echo "$RADIO_BUILD/gst-radio/tools/radio-make-classifier"
}

demo_model () {
  local tool=$1 dir
  for dir in "${RADIO_BUILD:-/nonexistent}/gst-radio/tools/radio-random-demo" \
      "$(dirname "$tool")/../share/gst-radio/models/radio-random-demo"; do
    if [ -d "$dir" ]; then
      echo "$dir"
      return
    fi
  done
  echo "$(basename "$0"): the built-in demo model was not found; set" \
    "RADIO_MODEL" >&2
  exit 1
}

if [ -n "${RADIO_HEAD:-}" ]; then
  weights=$RADIO_HEAD
  labels=${RADIO_LABELS:-${RADIO_HEAD%.safetensors}.txt}
else
  tool=$(find_tool)
  model=${RADIO_MODEL:-$(demo_model "$tool")}
  echo "making a demo classifier of videotestsrc patterns ..." >&2
  for p in ball checkers-8 pinwheel smpte snow; do
    mkdir -p "$tmp/images/$p"
    make_ppm "$p" 320 240 "$tmp/images/$p/a.ppm"
    make_ppm "$p" 256 256 "$tmp/images/$p/b.ppm"
    make_ppm "$p" 192 144 "$tmp/images/$p/c.ppm"
  done
  weights=$tmp/head.safetensors
  labels=$tmp/head.txt
  log=$("$tool" --model "$model" --output "$weights" --labels "$labels" \
    "$tmp/images" 2>&1) || {
    printf '%s\n' "$log" >&2
    exit 1
  }
fi

if [ -n "$file" ]; then
  source_desc=(filesrc location="$file" ! decodebin)
else
  source_desc=(videotestsrc num-buffers="$frames" pattern="$pattern"
    ! "video/x-raw,width=320,height=240")
fi
# A window when there is a display to open it on, else no video at all.
if { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; } \
    && radio_have_element autovideosink; then
  sink=(videoconvert ! autovideosink)
else
  sink=(fakesink sync=false)
fi
classify_props=()
if [ -n "${RADIO_CLASSIFY_OPTS:-}" ]; then
  read -r -a classify_props <<< "$RADIO_CLASSIFY_OPTS"
fi

# gst-launch-1.0 -m prints each message on one line, e.g.
#   ... (element): radio-classification, frame=(guint64)3,
#   timestamp=(guint64)100000000, source=(string)summary,
#   label=(string)ball, score=(double)0.97, class-id=(uint)0,
#   labels=(string)< ball, smpte >, scores=(double)< 0.97, 0.02 >, ...
print_classes () {
  (
    trap '' INT
    awk '
      function field(name,   s) {
        if (!match($0, " " name "=\\([a-z0-9]+\\)[^,;]*"))
          return ""
        s = substr($0, RSTART, RLENGTH)
        sub(/^[^)]*\)/, "", s)
        gsub(/^"|"$/, "", s)
        return s
      }
      function list(name,   s) {
        if (!match($0, " " name "=\\([a-z]+\\)< [^>]* >"))
          return ""
        s = substr($0, RSTART, RLENGTH)
        sub(/^[^<]*< /, "", s)
        sub(/ >$/, "", s)
        return s
      }
      /\(element\): radio-classification,/ {
        n = split(list("labels"), names, ", ")
        split(list("scores"), scores, ", ")
        others = ""
        for (i = 2; i <= n; i++) {
          gsub(/^"|"$/, "", names[i])
          others = others sprintf("%s%s %.2f", i > 2 ? ", " : "", names[i],
            scores[i])
        }
        printf "frame %4d  t=%8.3f s  %s %.2f%s\n", field("frame"),
          field("timestamp") / 1e9, field("label"), field("score"),
          others != "" ? "   (" others ")" : ""
        fflush()
        count++
        next
      }
      /^WARNING: / {
        sub(/^WARNING: from element \/GstPipeline:[^\/]*\//, "warning: ")
        print
        fflush()
      }
      END {
        if (count > 0)
          printf "%d frame(s) classified\n", count
      }'
  )
}

# -e: on Ctrl-C, drain the pipeline (end-of-stream) before stopping.
gst-launch-1.0 -e -m \
  "${source_desc[@]}" \
  ! videoconvert \
  ! radio "${RADIO_PROPS[@]}" \
  ! radioclassify weights="$weights" labels="$labels" overlay=true \
    top-k=3 "${classify_props[@]}" \
  ! "${sink[@]}" \
  | print_classes
