#!/usr/bin/env bash
# screenshots.sh: makes the README's pictures of radiovis and radiosegment
# from a real photograph, pipelines/data/coffee.png (an espresso cup on a
# saucer on a wooden table; see pipelines/data/README.md), with the model
# in RADIO_MODEL or, unset, the built-in demo model (RANDOM weights).
#
#   bash pipelines/screenshots.sh [OUT_DIR]      (default: docs/images)
#
# Writes:
#   radiovis.png      the photo and, beside it, the first three principal
#                     components of its spatial features as RGB
#                     (radiovis mode=side-by-side), scaled to 900x300
#   radiosegment.png  the photo with a five-class mask blended in
#                     (radiosegment alpha=0.55), from a head that
#                     radio-make-classifier --segment made from the same
#                     photo and its rough hand-placed mask
#                     (data/coffee-mask.png, classes in
#                     data/coffee-classes.txt)
#   coffee-mask.png   that training mask drawn in the class colours, for
#                     comparison
#
# Needs: gst-plugins-good (pngdec, pngenc) besides gst-plugins-base.
set -euo pipefail
# shellcheck source=pipelines/env.sh
source "$(dirname "$0")/env.sh"

data=$RADIO_SOURCE_DIR/pipelines/data
out=${1:-$RADIO_SOURCE_DIR/docs/images}
radio_require pngdec gstreamer1.0-plugins-good pngenc gstreamer1.0-plugins-good
radio_setup
radio_build
mkdir -p "$out"
model=${RADIO_MODEL:-$RADIO_BUILD/gst-radio/tools/radio-random-demo}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

photo () {
  echo "filesrc location=$data/coffee.png ! pngdec ! videoconvert"
}
save () {
  echo "videoconvert ! pngenc ! filesink location=$1"
}

# radiovis: PCA colours of the spatial features beside the photo.  One
# frame, so the basis is that frame's own principal components.
# shellcheck disable=SC2046
gst-launch-1.0 -q $(photo) ! radio "${RADIO_PROPS[@]}" \
  ! radiovis mode=side-by-side \
  ! videoscale ! video/x-raw,width=900,height=300 ! $(save "$out/radiovis.png")
echo "wrote $out/radiovis.png"

# radiosegment: a linear (LDA) head from the photo and its mask.
mkdir -p "$work/images" "$work/masks"
cp "$data/coffee.png" "$work/images/coffee.png"
cp "$data/coffee-mask.png" "$work/masks/coffee.png"
"$RADIO_BUILD/gst-radio/tools/radio-make-classifier" --segment \
  --model "$model" --masks "$work/masks" \
  --labels-in "$data/coffee-classes.txt" \
  --output "$work/head.safetensors" "$work/images"
# shellcheck disable=SC2046
gst-launch-1.0 -q $(photo) ! radio "${RADIO_PROPS[@]}" \
  ! radiosegment weights="$work/head.safetensors" alpha=0.55 \
  ! $(save "$out/radiosegment.png")
echo "wrote $out/radiosegment.png"

# the training mask itself, in the same colours (alpha=1 over the photo)
python3 "$data/make-coffee-mask.py" "$work/mask-check.png" "$out/coffee-mask.png"
cmp -s "$work/mask-check.png" "$data/coffee-mask.png" \
  || echo "note: data/coffee-mask.png differs from what make-coffee-mask.py draws" >&2
echo "wrote $out/coffee-mask.png"
