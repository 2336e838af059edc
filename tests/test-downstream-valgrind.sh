#!/usr/bin/env bash
# The four downstream elements in one pipeline under valgrind: 40 RGBx
# frames through radio (the tiny golden model, with its clip adaptor), then
# radiovis (overlay, saving its basis), radioclassify (text overlay, on the
# adaptor's summary), radiosegment (mask) and radiosink (one safetensors
# file per frame): no invalid access, no definite leak, and every frame
# written.  66x50 is not a multiple of the 16-pixel patch.
#
# The heads are written here by python3 (deterministic pseudo-random
# weights of the right shapes: their scores need not mean anything).
# Environment (from meson): VALGRIND, GST_LAUNCH, GST_INSPECT, RADIO_MODEL,
# PYTHON, VALGRIND_SUPPRESSIONS, GST_PLUGIN_PATH, GST_REGISTRY.
set -euo pipefail

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$PYTHON" - "$work" <<'PY'
import json, struct, sys
work = sys.argv[1]
state = 12345
def rand():
    global state
    state = (state * 1103515245 + 12345) % (1 << 31)
    return state / (1 << 31) - 0.5
def head(name, k, c, labels):
    w = struct.pack("<%df" % (k * c), *[rand() for _ in range(k * c)])
    b = struct.pack("<%df" % k, *[rand() for _ in range(k)])
    header = {"weight": {"dtype": "F32", "shape": [k, c],
                         "data_offsets": [0, len(w)]},
              "bias": {"dtype": "F32", "shape": [k],
                       "data_offsets": [len(w), len(w) + len(b)]}}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open("%s/%s.safetensors" % (work, name), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + w + b)
    with open("%s/%s.txt" % (work, name), "w") as f:
        f.write("\n".join(labels) + "\n")
head("classify", 3, 48, ["alpha", "beta", "gamma"])
head("segment", 4, 64, ["sky #3366cc", "grass", "road", "other"])
PY

"$GST_INSPECT" radio >/dev/null
export GST_REGISTRY_UPDATE=no G_SLICE=always-malloc
"$VALGRIND" --error-exitcode=1 --leak-check=full \
  --errors-for-leak-kinds=definite --show-leak-kinds=definite \
  --track-origins=no -q --suppressions="$VALGRIND_SUPPRESSIONS" \
  "$GST_LAUNCH" -q videotestsrc num-buffers=40 pattern=ball \
  ! video/x-raw,format=RGBx,width=66,height=50 \
  ! radio backend=cpu model="$RADIO_MODEL" adaptors=clip \
  ! radiovis save-basis="$work/basis.safetensors" \
  ! radioclassify weights="$work/classify.safetensors" source=clip \
      overlay=true \
  ! radiosegment weights="$work/segment.safetensors" alpha=0.5 \
  ! radiosink location="$work/frame-%03d.safetensors"

count=$(find "$work" -name 'frame-*.safetensors' | wc -l)
if [ "$count" -ne 40 ]; then
  echo "FAIL: radiosink wrote $count files, expected 40" >&2
  exit 1
fi
[ -s "$work/basis.safetensors" ] || {
  echo "FAIL: radiovis did not save its basis" >&2
  exit 1
}
echo "PASS: 40 frames through radiovis, radioclassify, radiosegment and" \
  "radiosink under valgrind"
