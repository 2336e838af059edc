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

# gst-launch-1.0 -m prints each element message on one line, e.g.
#   Got message #40 from element "radio0" (element): radio-frame,
#   frame=(guint64)0, timestamp=(guint64)0, latency-ms=(double)83.96, ...
# and warnings on stdout; errors go to stderr, untouched by this filter.
# The filter ignores Ctrl-C, so that it still prints the totals once
# gst-launch-1.0 -e has drained the pipeline and exited.
radio_print_frames () {
  (
    trap '' INT
    awk '
      function field(name,   s) {
        if (!match($0, name "=\\([a-z0-9]+\\)[^,;]*"))
          return ""
        s = substr($0, RSTART, RLENGTH)
        sub(/^[^)]*\)/, "", s)
        return s
      }
      /\(element\): radio-frame,/ {
        ms = field("latency-ms")
        printf "frame %4d  t=%8.3f s  %8.1f ms  summary norm %8.4f  grid %sx%s\n",
          field("frame"), field("timestamp") / 1e9, ms,
          field("summary-norm"), field("grid-width"), field("grid-height")
        fflush()
        n++
        total += ms
        next
      }
      /^WARNING: / {
        sub(/^WARNING: from element \/GstPipeline:[^\/]*\//, "warning: ")
        print
        fflush()
      }
      END {
        if (n > 0)
          printf "%d frame(s), mean latency %.1f ms\n", n, total / n
      }'
  )
}
