# shellcheck shell=bash
# env.sh: shared by the example pipelines, which source it (it does nothing
# when run on its own).  It defines:
#
#   radio_require ELEMENT PACKAGE [ELEMENT PACKAGE]...
#       exits with a message naming each missing GStreamer element and the
#       package that provides it.
#
#   radio_build
#       configures (meson setup, the first time) and builds (ninja) this
#       source tree in RADIO_BUILD_DIR (default: build/ at the top of the
#       tree) and sets RADIO_BUILD to that folder's absolute path.
#
#   radio_setup
#       makes the `radio` element available to gst-launch-1.0.  An installed
#       gst-radio (gst-inspect-1.0 finds `radio`) is used as it is.
#       Otherwise, or whenever RADIO_BUILD_DIR is set, it calls radio_build
#       and points GST_PLUGIN_PATH at the build's plugin folder; the plugin
#       finds the built-in demo model of the same build tree by itself.
#       It then fills the array RADIO_PROPS with element properties taken
#       from the environment, to write after `radio` on a launch line:
#         RADIO_MODEL=/path/to/C-RADIOv3-B  a checkpoint folder (config.json
#           and model.safetensors), e.g. nvidia/C-RADIOv3-B downloaded from
#           Hugging Face.  Unset: the built-in demo model, whose weights are
#           RANDOM (features with the right shapes and no meaning).
#         RADIO_OPTS="backend=cuda interval=5"  any other properties,
#           separated by spaces (gst-inspect-1.0 radio lists them).
#
#   radio_print_frames
#       a filter for the output of `gst-launch-1.0 -m`: prints each
#       radio-frame message (the element's post-messages=true) as one line,
#       passes the warnings on, and ends with the frame count and the mean
#       latency.
#
#   radio_filter_messages AWK_PROGRAM
#       the filter under radio_print_frames, for any element's messages:
#       runs AWK_PROGRAM over the output of `gst-launch-1.0 -m` with the
#       awk functions field(NAME) (a field's value, quotes removed),
#       list(NAME) (the inside of an array field, "a, b"), labels(ARRAY)
#       (splits the field labels into ARRAY, quotes removed; returns the
#       count) and frame_time() ("frame    3  t=   0.100 s"), and a rule
#       that passes the warnings on as "warning: ..." lines.  It ignores Ctrl-C,
#       so that its END rule still runs once gst-launch-1.0 -e has drained
#       the pipeline and exited.
#
#   radio_require_element ELEMENT
#       exits with a message when this gst-radio has no ELEMENT (after
#       radio_setup, for the elements downstream of `radio`).
#
#   radio_check_file FILE
#       exits with a message when FILE is given (not empty) but cannot be
#       read.
#
#   radio_check_camera DEVICE [HINT]
#       exits with a message when DEVICE is not a video device this user
#       can open (HINT, if given, ends the "no camera" message).
#
#   radio_file_source FILE FRAMES PATTERN WIDTH HEIGHT
#       sets the array RADIO_SOURCE to the start of a launch line: FILE
#       decoded (filesrc ! decodebin), or without FILE FRAMES frames of
#       videotestsrc PATTERN at WIDTHxHEIGHT.
#
#   radio_video_sink
#       sets the array RADIO_SINK to the end of a launch line: a window
#       (videoconvert ! autovideosink) when there is a display to open it
#       on, else fakesink sync=false (no video at all).
#
#   radio_make_tmp NAME
#       makes a temporary folder NAME-XXXXXX, removed when the script
#       exits, and sets RADIO_TMP to it.
#
#   radio_find_tool TOOL
#       prints the path of a gst-radio tool (e.g. radio-make-classifier):
#       the installed one, else the one of this tree's build (radio_build).
#
#   radio_demo_model TOOL_PATH
#       prints the folder of the built-in demo model (RANDOM weights) that
#       the radio element uses without RADIO_MODEL: in the build tree, or
#       installed beside TOOL_PATH.
#
#   radio_testsrc_ppm PATTERN WIDTH HEIGHT OUT
#       writes one videotestsrc frame of PATTERN as a binary PPM (P6) to
#       OUT; WIDTH a multiple of 4, so GStreamer's rows have no padding.
#
#   radio_run_quiet COMMAND [ARG]...
#       runs COMMAND and prints its output (stdout and stderr) on stdout;
#       when it fails, prints the output on stderr and exits.

RADIO_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RADIO_PROPS=()

radio_need_program () {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "$(basename "$0"): '$1' not found: install $2" \
    "(on Debian 12: bash .ci/install-deps.sh)" >&2
  exit 1
}

# --exists alone also requires a plugin version of at least GStreamer's
# own, which gst-radio (0.x) and vendor plugins do not have.
radio_have_element () {
  gst-inspect-1.0 --exists --atleast-version=0.0.0 "$1"
}

radio_require () {
  local missing=() element package
  radio_need_program gst-inspect-1.0 gstreamer1.0-tools
  while [ "$#" -ge 2 ]; do
    element=$1 package=$2
    shift 2
    radio_have_element "$element" || missing+=("$element (from $package)")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "$(basename "$0"): this example needs GStreamer elements that are" \
    "not installed:" >&2
  printf '  %s\n' "${missing[@]}" >&2
  exit 1
}

radio_build () {
  local log
  RADIO_BUILD=${RADIO_BUILD_DIR:-build}
  case "$RADIO_BUILD" in
    /*) ;;
    *) RADIO_BUILD=$RADIO_SOURCE_DIR/$RADIO_BUILD ;;
  esac
  radio_need_program meson meson
  radio_need_program ninja ninja-build
  if [ ! -f "$RADIO_BUILD/build.ninja" ]; then
    echo "configuring gst-radio in $RADIO_BUILD ..." >&2
    log=$(meson setup "$RADIO_BUILD" "$RADIO_SOURCE_DIR" 2>&1) || {
      printf '%s\n' "$log" | tail -n 30 >&2
      exit 1
    }
  fi
  # Silent when nothing changed; the compiler's messages when it fails.
  log=$(ninja -C "$RADIO_BUILD" 2>&1) || {
    printf '%s\n' "$log" | tail -n 40 >&2
    echo "$(basename "$0"): building gst-radio in $RADIO_BUILD failed" >&2
    exit 1
  }
}

radio_setup () {
  local -a opts
  radio_need_program gst-launch-1.0 gstreamer1.0-tools
  radio_need_program gst-inspect-1.0 gstreamer1.0-tools

  if [ -n "${RADIO_BUILD_DIR:-}" ] || ! radio_have_element radio; then
    radio_build
    export GST_PLUGIN_PATH="$RADIO_BUILD/gst-radio/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
    if ! radio_have_element radio; then
      echo "$(basename "$0"): the radio element does not load from" \
        "$RADIO_BUILD/gst-radio/plugin:" >&2
      gst-inspect-1.0 "$RADIO_BUILD/gst-radio/plugin/libgstradio.so" >&2 \
        || true
      exit 1
    fi
  fi

  if [ -n "${RADIO_MODEL:-}" ]; then
    if [ ! -e "$RADIO_MODEL" ]; then
      echo "$(basename "$0"): RADIO_MODEL=$RADIO_MODEL does not exist" \
        "(expected a checkpoint folder with config.json and" \
        "model.safetensors)" >&2
      exit 1
    fi
    RADIO_PROPS+=("model=$RADIO_MODEL")
  fi
  if [ -n "${RADIO_OPTS:-}" ]; then
    read -r -a opts <<< "$RADIO_OPTS"
    RADIO_PROPS+=("${opts[@]}")
  fi
}

radio_require_element () {
  if ! radio_have_element "$1"; then
    echo "$(basename "$0"): this gst-radio has no $1 element" >&2
    exit 1
  fi
}

radio_check_file () {
  if [ -n "$1" ] && { [ ! -f "$1" ] || [ ! -r "$1" ]; }; then
    echo "$(basename "$0"): cannot read the file '$1'" >&2
    exit 1
  fi
}

radio_check_camera () {
  local device=$1 devices
  if [ ! -c "$device" ]; then
    devices=(/dev/video*)
    [ -e "${devices[0]}" ] || devices=(none)
    echo "$(basename "$0"): no camera at $device (video devices here:" \
      "${devices[*]})${2:-}" >&2
    exit 1
  fi
  if [ ! -r "$device" ] || [ ! -w "$device" ]; then
    echo "$(basename "$0"): cannot open $device: add yourself to its group" \
      "($(stat -c %G "$device")) or run as root" >&2
    exit 1
  fi
}

# shellcheck disable=SC2034  # RADIO_SOURCE is for the calling script
radio_file_source () {
  if [ -n "$1" ]; then
    RADIO_SOURCE=(filesrc location="$1" ! decodebin)
  else
    RADIO_SOURCE=(videotestsrc num-buffers="$2" pattern="$3"
      ! "video/x-raw,width=$4,height=$5")
  fi
}

# shellcheck disable=SC2034  # RADIO_SINK is for the calling script
radio_video_sink () {
  if { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; } \
      && radio_have_element autovideosink; then
    RADIO_SINK=(videoconvert ! autovideosink)
  else
    RADIO_SINK=(fakesink sync=false)
  fi
}

radio_make_tmp () {
  RADIO_TMP=$(mktemp -d "${TMPDIR:-/tmp}/$1-XXXXXX")
  trap 'rm -rf "$RADIO_TMP"' EXIT
}

radio_find_tool () {
  local tool
  if tool=$(command -v "$1" 2>/dev/null); then
    echo "$tool"
    return
  fi
  [ -n "${RADIO_BUILD:-}" ] || radio_build
  echo "$RADIO_BUILD/gst-radio/tools/$1"
}

radio_demo_model () {
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

radio_testsrc_ppm () {
  local pattern=$1 width=$2 height=$3 out=$4
  gst-launch-1.0 -q videotestsrc num-buffers=1 pattern="$pattern" \
    ! "video/x-raw,format=RGB,width=$width,height=$height" \
    ! filesink location="$out.rgb" >/dev/null
  { printf 'P6\n%s %s\n255\n' "$width" "$height"; cat "$out.rgb"; } > "$out"
  rm -f "$out.rgb"
}

radio_run_quiet () {
  local log
  log=$("$@" 2>&1) || {
    printf '%s\n' "$log" >&2
    exit 1
  }
  printf '%s\n' "$log"
}

# gst-launch-1.0 -m prints each element message on one line, e.g.
#   Got message #40 from element "radio0" (element): radio-frame,
#   frame=(guint64)0, timestamp=(guint64)0, latency-ms=(double)83.96, ...,
#   labels=(string)< ball, smpte >, ...
# and warnings on stdout; errors go to stderr, untouched by the filter.
radio_filter_messages () {
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
      function labels(names,   n, i) {
        n = split(list("labels"), names, ", ")
        for (i = 1; i <= n; i++)
          gsub(/^"|"$/, "", names[i])
        return n
      }
      function frame_time() {
        return sprintf("frame %4d  t=%8.3f s", field("frame"),
          field("timestamp") / 1e9)
      }
      /^WARNING: / {
        sub(/^WARNING: from element \/GstPipeline:[^\/]*\//, "warning: ")
        print
        fflush()
      }
      '"$1"
  )
}

radio_print_frames () {
  radio_filter_messages '
      /\(element\): radio-frame,/ {
        ms = field("latency-ms")
        printf "%s  %8.1f ms  summary norm %8.4f  grid %sx%s\n",
          frame_time(), ms, field("summary-norm"), field("grid-width"),
          field("grid-height")
        fflush()
        n++
        total += ms
        next
      }
      END {
        if (n > 0)
          printf "%d frame(s), mean latency %.1f ms\n", n, total / n
      }'
}
