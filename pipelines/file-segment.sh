#!/usr/bin/env bash
# file-segment.sh: semantic segmentation of an image or a video with
# radiosegment.  decodebin reads the file, videoconvert hands the frames to
# radio, radio attaches the model's spatial features, radiosegment
# classifies every patch with a linear head and blends a coloured class
# mask into the frame.  Then:
#   an image (.png, .jpg, .jpeg)  the segmented image is written as PNG
#                                 to $RADIO_OUTPUT (default segmented.png)
#   a video, or no FILE           a window shows it (autovideosink), or
#                                 fakesink without a display
# and one line per frame is printed from radiosegment's
# radio-segmentation messages, the classes by share of the frame:
#
#   frame   12  t=   0.400 s  red 14%  white 14%  yellow 14%  (8 classes)
#
#   bash pipelines/file-segment.sh [FILE]
#
# Without FILE it segments videotestsrc (pattern smpte, 30 frames; set
# RADIO_PATTERN and RADIO_FRAMES to change them).
#
# The segmentation head:
#   RADIO_HEAD=/path/head.safetensors  a head made by
#     radio-make-classifier --segment (labels and colours from RADIO_LABELS,
#     default: the same path ending in .txt).  It must come from the same
#     model as the stream (RADIO_MODEL).
#   unset: a demo head is made on the fly from one videotestsrc smpte frame
#     and a mask that labels its pure colours (white, yellow, cyan, green,
#     magenta, red, blue, black; other pixels ignored), written by python3.
#     On the built-in model (RANDOM weights) it still finds these colours.
#   RADIO_SEGMENT_OPTS="alpha=0.7 smooth=false"  more radiosegment
#     properties (gst-inspect-1.0 radiosegment lists them).
# RADIO_MODEL, RADIO_OPTS and RADIO_BUILD_DIR work as in every example
# (pipelines/README.md).  With an adaptor: make the head with --adaptor
# NAME and run with RADIO_OPTS=adaptors=NAME RADIO_SEGMENT_OPTS=source=NAME.
#
# Needs: GStreamer with gst-plugins-base and gstreamer1.0-tools; for image
# files pngenc and the decoders (gst-plugins-good); for videos the
# decoders of the file (see file.sh); python3 for the demo head.
set -euo pipefail
# shellcheck source=pipelines/env.sh
source "$(dirname "$0")/env.sh"

if [ "$#" -gt 1 ]; then
  echo "usage: $0 [FILE]" >&2
  exit 2
fi
file=${1:-}
radio_check_file "$file"
frames=${RADIO_FRAMES:-30}
pattern=${RADIO_PATTERN:-smpte}
output=${RADIO_OUTPUT:-segmented.png}
image=false
case "${file,,}" in
  *.png | *.jpg | *.jpeg) image=true ;;
esac

radio_require decodebin gstreamer1.0-plugins-base \
  videoconvert gstreamer1.0-plugins-base \
  videotestsrc gstreamer1.0-plugins-base
if $image; then
  radio_require pngenc gstreamer1.0-plugins-good
fi
radio_setup
radio_require_element radiosegment
radio_make_tmp file-segment
tmp=$RADIO_TMP

# The demo's training data: one smpte frame as PPM, and a grey PNG mask
# with the class index of each pure-colour pixel (255 = ignore).
make_demo_data () {
  local dir=$1 width=320 height=240
  mkdir -p "$dir/images" "$dir/masks"
  radio_testsrc_ppm smpte "$width" "$height" "$dir/images/smpte.ppm"
  python3 - "$dir" "$width" "$height" <<'EOF'
import struct, sys, zlib
d, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
classes = [('white', (255, 255, 255)), ('yellow', (255, 255, 0)),
           ('cyan', (0, 255, 255)), ('green', (0, 255, 0)),
           ('magenta', (255, 0, 255)), ('red', (255, 0, 0)),
           ('blue', (0, 0, 255)), ('black', (0, 0, 0))]
index = {c: i for i, (_, c) in enumerate(classes)}
rgb = open(f'{d}/images/smpte.ppm', 'rb').read()[-w * h * 3:]  # no header
rows = [bytes([0] + [index.get(tuple(rgb[(y * w + x) * 3:(y * w + x) * 3 + 3]),
                               255) for x in range(w)]) for y in range(h)]
def chunk(t, b):
    return struct.pack('>I', len(b)) + t + b + struct.pack(
        '>I', zlib.crc32(t + b) & 0xffffffff)
with open(f'{d}/masks/smpte.png', 'wb') as f:
    f.write(b'\x89PNG\r\n\x1a\n'
            + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(b''.join(rows)))
            + chunk(b'IEND', b''))
with open(f'{d}/classes.txt', 'w') as f:
    for name, c in classes:
        # black drawn dark grey, so it shows on black pixels
        c = c if name != 'black' else (64, 64, 64)
        f.write('%s #%02x%02x%02x\n' % ((name,) + c))
EOF
}

if [ -n "${RADIO_HEAD:-}" ]; then
  weights=$RADIO_HEAD
  labels=${RADIO_LABELS:-${RADIO_HEAD%.safetensors}.txt}
else
  radio_need_program python3 python3
  tool=$(radio_find_tool radio-make-classifier)
  model=${RADIO_MODEL:-$(radio_demo_model "$tool")}
  echo "making a demo segmentation head from a videotestsrc smpte frame ..." >&2
  make_demo_data "$tmp"
  weights=$tmp/head.safetensors
  labels=$tmp/head.txt
  log=$(radio_run_quiet "$tool" --segment --model "$model" \
    --masks "$tmp/masks" --labels-in "$tmp/classes.txt" --output "$weights" \
    --labels "$labels" "$tmp/images")
  printf '%s\n' "$log" | grep "accuracy" >&2 || true
fi

radio_file_source "$file" "$frames" "$pattern" 480 360
if $image; then
  RADIO_SINK=(videoconvert ! pngenc ! filesink location="$output")
else
  radio_video_sink
fi
# properties separated by spaces (none when it is unset or empty)
read -r -a segment_props <<< "${RADIO_SEGMENT_OPTS:-}"

# gst-launch-1.0 -m prints each message on one line, e.g.
#   ... (element): radio-segmentation, frame=(guint64)3,
#   timestamp=(guint64)100000000, grid-width=(uint)30, ...,
#   labels=(string)< white, yellow >, cells=(uint)< 60, 40 >,
#   fractions=(double)< 0.6, 0.4 >;
print_segments () {
  radio_filter_messages '
      /\(element\): radio-segmentation,/ {
        n = labels(names)
        split(list("fractions"), share, ", ")
        line = ""
        # the three largest shares, largest first
        for (r = 1; r <= 3 && r <= n; r++) {
          best = 0
          for (i = 1; i <= n; i++)
            if (!(i in used) && (best == 0 || share[i] + 0 > share[best] + 0))
              best = i
          used[best] = 1
          line = line sprintf("  %s %.0f%%", names[best], 100 * share[best])
        }
        delete used
        printf "%s%s  (%d classes)\n", frame_time(), line, n
        fflush()
        count++
        next
      }
      END {
        if (count > 0)
          printf "%d frame(s) segmented\n", count
      }'
}

# -e: on Ctrl-C, drain the pipeline (end-of-stream) before stopping.
gst-launch-1.0 -e -m \
  "${RADIO_SOURCE[@]}" \
  ! videoconvert \
  ! radio "${RADIO_PROPS[@]}" \
  ! radiosegment weights="$weights" labels="$labels" post-messages=true \
    "${segment_props[@]}" \
  ! "${RADIO_SINK[@]}" \
  | print_segments
if $image; then
  echo "wrote $output"
fi
