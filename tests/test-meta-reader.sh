#!/usr/bin/env bash
# The C example pipelines/meta-reader.c, built as an application would build
# it: `cc` with the flags pkg-config gives for gstreamer-radio-1.0 (here the
# build tree's uninstalled .pc file) and no other gst-radio header.  It then
# runs the example on the built-in demo model and checks what it printed:
# the model line, one line per frame with the demo model's shapes, finite
# norms, and the same summary norms as the element's own radio-frame
# messages; and that a bad model ends it with status 1 and the error.
#
# From meson (tests/meson.build): RADIO_BUILD_ROOT (the build folder),
# META_READER_SOURCE (pipelines/meta-reader.c), GST_PLUGIN_PATH (the
# plugin's build folder), GST_RADIO_DEFAULT_MODEL (the built demo model).
# Exit status 77 (skipped) without a C compiler or pkg-config.
set -euo pipefail

: "${RADIO_BUILD_ROOT:?set by meson}" "${META_READER_SOURCE:?set by meson}"
: "${GST_PLUGIN_PATH:?set by meson}"

# What the demo model (gst-radio/tools/meson.build) gives for the 320x240
# frames of meta-reader.c: ViT-S/16, 3 summary tokens of 384, one adaptor
# `demo` of 64 channels; 320x240 cut into 16-pixel patches is 20x15.
summary_length=1152
grid=20x15
centre_cell="10,7"
frames=3

cc=${CC:-cc}
for tool in "$cc" pkg-config; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: '$tool' not found"
    exit 77
  fi
done

fail () {
  echo "FAIL: $*" >&2
  exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# An isolated registry: only the system plugins and this build's plugin.
export GST_REGISTRY=$work/registry.bin
export PKG_CONFIG_PATH=$RADIO_BUILD_ROOT/meson-uninstalled${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}

pkg-config --exists gstreamer-radio-1.0 \
  || fail "pkg-config does not find gstreamer-radio-1.0 in $PKG_CONFIG_PATH"
cflags=$(pkg-config --cflags gstreamer-radio-1.0 gstreamer-1.0)
libs=$(pkg-config --libs gstreamer-radio-1.0 gstreamer-1.0)

# The public header must resolve from pkg-config's Cflags alone.
# shellcheck disable=SC2086  # the flags are words
echo '#include <gst/radio/radiometa.h>' | "$cc" $cflags -E -x c - \
  >/dev/null 2>"$work/cpp.log" \
  || fail "<gst/radio/radiometa.h> does not resolve with the Cflags of" \
    "gstreamer-radio-1.0 ($cflags): $(cat "$work/cpp.log")"

# The example may include that header and nothing else of gst-radio.
includes=$(grep -E '^[[:space:]]*#[[:space:]]*include' "$META_READER_SOURCE" \
  | grep -v '^#include <math.h>$')
[ "$includes" = "#include <gst/radio/radiometa.h>" ] \
  || fail "meta-reader.c includes more than <gst/radio/radiometa.h>:" \
    "$includes"

# shellcheck disable=SC2086
"$cc" -Wall -Wextra -Wno-unused-parameter -Werror \
  -o "$work/meta-reader" "$META_READER_SOURCE" $cflags $libs -lm \
  || fail "meta-reader.c does not build with pkg-config's flags"

# The uninstalled .pc gives -L for the build tree's libgstradiometa; the
# dynamic loader needs the same folders.
libdirs=$(pkg-config --libs-only-L gstreamer-radio-1.0 | sed 's/-L//g')
for dir in $libdirs; do
  LD_LIBRARY_PATH=$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
done
export LD_LIBRARY_PATH

status=0
"$work/meta-reader" --frames "$frames" --adaptors demo \
  >"$work/out" 2>"$work/err" || status=$?
if [ "$status" -ne 0 ]; then
  cat "$work/out" "$work/err"
  fail "meta-reader exited with status $status"
fi
cat "$work/out"

lines=$(wc -l <"$work/out")
[ "$lines" -eq $((frames + 1)) ] \
  || fail "expected $((frames + 1)) lines (model + $frames frames), got $lines"
head -n 1 "$work/out" | grep -Eq \
  '^model c-radio_v3-s, id [0-9a-f]{8,}: 3 summary token\(s\) x 384, patch 16, 1 adaptor\(s\)$' \
  || fail "unexpected model line: $(head -n 1 "$work/out")"
number='[0-9]+\.[0-9]{4}'
for ((i = 0; i < frames; i++)); do
  line=$(sed -n "$((i + 2))p" "$work/out")
  echo "$line" | grep -Eq "^frame $i  t=[0-9.]+ s  summary $summary_length norm $number  grid $grid  centre cell \\($centre_cell\\) norm $number  centre box norm $number  adaptors demo \\(summary 64, spatial ${grid}x64\\)$" \
    || fail "unexpected frame line: $line"
  # Random weights still give non-zero features.
  if echo "$line" | grep -q ' norm 0\.0000'; then
    fail "zero norm in: $line"
  fi
done
grep -q "RANDOM weights" "$work/err" \
  || fail "the demo model's RANDOM weights warning was not shown"

# The meta holds what the element computed: its radio-frame messages carry
# the summary norm of the same frames.
if command -v gst-launch-1.0 >/dev/null 2>&1; then
  gst-launch-1.0 -m videotestsrc num-buffers="$frames" \
    ! video/x-raw,width=320,height=240 ! videoconvert \
    ! radio post-messages=true adaptors=demo ! fakesink >"$work/launch" 2>&1 \
    || { cat "$work/launch"; fail "gst-launch-1.0 failed"; }
  expected=$(sed -n 's/.*radio-frame, .*summary-norm=(double)\([0-9.e+-]*\),.*/\1/p' \
    "$work/launch" | awk '{ printf "%.4f\n", $1 }')
  got=$(sed -n 's/.*summary [0-9]* norm \([0-9.]*\) .*/\1/p' "$work/out")
  if [ -z "$expected" ] || [ "$expected" != "$got" ]; then
    fail "summary norms differ: meta-reader $got, element messages" \
      "$expected"
  fi
fi

# A model that does not exist: the bus error ends the program with status 1
# and the element's message.
status=0
"$work/meta-reader" --frames 1 --model "$work/no-such-model" \
  >"$work/out" 2>"$work/err" || status=$?
[ "$status" -eq 1 ] || fail "bad model: exit status $status, expected 1"
grep -q "^error from radio: .*no-such-model" "$work/err" \
  || fail "bad model: no error message: $(cat "$work/err")"

echo "PASS: meta-reader builds with pkg-config only and reads the meta"
