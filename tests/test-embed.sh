#!/usr/bin/env bash
# End-to-end test of the radio-embed and radio-inspect tools: a golden image
# saved as PNG goes through radio-embed, whose safetensors output must match
# the upstream reference within 1e-4 * std; then every error path must give
# a message on stderr and a non-zero exit, never a crash.
#
# Environment (set by meson): RADIO_EMBED, RADIO_INSPECT, GOLDEN_TOOL,
# RADIO_GOLDEN_DIR, DEMO_MODEL.
set -u
# shellcheck source=tests/test-lib.sh
. "$(dirname "$0")/test-lib.sh"

g=$RADIO_GOLDEN_DIR
"$GOLDEN_TOOL" export-png "$g/tiny-v25/case1-96x160.safetensors" "$work/a.png"
"$GOLDEN_TOOL" export-png "$g/tiny-v25/case3-100x70.safetensors" "$work/b.png"
"$GOLDEN_TOOL" export-png "$g/tiny-cv4/case1-64x192.safetensors" "$work/c.png"
"$GOLDEN_TOOL" export-png "$g/tiny-v1-p14/case1-98x126.safetensors" "$work/d.png"

# One image, adaptor included; the 100x70 image resizes to 96x64.
expect_ok "embed png with adaptor" "$RADIO_EMBED" --model "$g/tiny-v25" \
  --backend cpu --adaptor clip --output "$work/a.safetensors" "$work/a.png"
expect_ok "features match reference" "$GOLDEN_TOOL" compare \
  "$work/a.safetensors" "$g/tiny-v25/case1-96x160.safetensors"
expect_ok "nearest-size resize" "$RADIO_EMBED" --model "$g/tiny-v25" \
  --adaptor clip -o "$work/b.safetensors" "$work/b.png"
expect_ok "resized features match reference" "$GOLDEN_TOOL" compare \
  "$work/b.safetensors" "$g/tiny-v25/case3-100x70.safetensors"
expect_ok "spatial shape [h, w, D]" "$GOLDEN_TOOL" has "$work/b.safetensors" \
  spatial 6,4,64
expect_ok "adaptor spatial shape" "$GOLDEN_TOOL" has "$work/b.safetensors" \
  adaptor.clip.spatial 6,4,32

# Several images: names get an index prefix; bf16 and f16 models.
expect_ok "embed two images" "$RADIO_EMBED" -m "$g/tiny-cv4" \
  -o "$work/multi.safetensors" "$work/c.png" "$work/c.png"
expect_ok "first of two matches" "$GOLDEN_TOOL" compare \
  "$work/multi.safetensors" "$g/tiny-cv4/case1-64x192.safetensors" 0/
expect_ok "second of two matches" "$GOLDEN_TOOL" compare \
  "$work/multi.safetensors" "$g/tiny-cv4/case1-64x192.safetensors" 1/
expect_ok "patch-14 model" "$RADIO_EMBED" -m "$g/tiny-v1-p14" \
  -o "$work/d.safetensors" "$work/d.png"
expect_ok "patch-14 features match" "$GOLDEN_TOOL" compare \
  "$work/d.safetensors" "$g/tiny-v1-p14/case1-98x126.safetensors"
expect_ok "explicit --size" "$RADIO_EMBED" -m "$g/tiny-v25" --size 64x32 \
  -o "$work/s.safetensors" "$work/a.png"
expect_ok "explicit size shape" "$GOLDEN_TOOL" has "$work/s.safetensors" \
  spatial 2,4,64
expect_ok "model given as a .safetensors file" "$RADIO_EMBED" \
  -m "$g/tiny-v25/model.safetensors" -q "$work/a.png"

# radio-inspect and --inspect
expect_ok "radio-inspect" "$RADIO_INSPECT" "$g/tiny-cv4"
if grep -q "c-radio_v4-h" "$work/out" && grep -q "half-pixel" "$work/out" \
  && grep -q "4 cls + 12 registers" "$work/out"; then pass "inspect content"
else fail "inspect content"; cat "$work/out"; fi
expect_ok "radio-embed --inspect" "$RADIO_EMBED" -m "$g/tiny-v25" --inspect
grep -q "clip" "$work/out" && pass "inspect lists adaptor" \
  || fail "inspect lists adaptor"
expect_ok "demo model runs" "$RADIO_EMBED" -m "$DEMO_MODEL" --adaptor demo \
  "$work/c.png"
grep -q "spatial .*\[4, 12, 384\]" "$work/out" && pass "demo prints shapes" \
  || { fail "demo prints shapes"; cat "$work/out"; }

# Errors: message and exit status, never a crash.
printf 'not an image' >"$work/text.png"
head -c 300 "$work/a.png" >"$work/cut.png"
mkdir -p "$work/empty-model"
expect_error "missing image" "cannot\|Cannot\|No such" \
  "$RADIO_EMBED" -m "$g/tiny-v25" "$work/none.png"
expect_error "unreadable image" "$work/text.png" \
  "$RADIO_EMBED" -m "$g/tiny-v25" "$work/text.png"
expect_error "truncated png" "$work/cut.png" \
  "$RADIO_EMBED" -m "$g/tiny-v25" "$work/cut.png"
expect_error "missing model" "does not exist" \
  "$RADIO_EMBED" -m "$work/no-model" "$work/a.png"
expect_error "model folder without config" "config.json" \
  "$RADIO_EMBED" -m "$work/empty-model" "$work/a.png"
expect_error "no --model" "model" "$RADIO_EMBED" "$work/a.png"
expect_error "no images" "no input images" "$RADIO_EMBED" -m "$g/tiny-v25"
expect_error "size not a multiple of the patch" "multiple of the patch" \
  "$RADIO_EMBED" -m "$g/tiny-v25" --size 100x64 "$work/a.png"
expect_error "malformed size" "224x224" \
  "$RADIO_EMBED" -m "$g/tiny-v25" --size big "$work/a.png"
expect_error "unknown adaptor" "no adaptor 'siglip'" \
  "$RADIO_EMBED" -m "$g/tiny-v25" --adaptor siglip "$work/a.png"
expect_error "bad pos-interp" "pos-interp" \
  "$RADIO_EMBED" -m "$g/tiny-v25" --pos-interp cubic "$work/a.png"
expect_error "unknown backend" "unknown backend" \
  "$RADIO_EMBED" -m "$g/tiny-v25" --backend tpu "$work/a.png"
expect_error "unknown precision" "unknown precision" \
  "$RADIO_EMBED" -m "$g/tiny-v25" --precision fp8 "$work/a.png"

# The CUDA backend: an error naming it without a usable device, the same
# golden match (fp32, TF32 off) with one.
if "$RADIO_EMBED" -m "$g/tiny-v25" --backend cuda --precision fp32 \
    --adaptor clip -o "$work/cuda.safetensors" "$work/a.png" \
    >"$work/out" 2>"$work/err"; then
  expect_ok "cuda output matches the reference" "$GOLDEN_TOOL" compare \
    "$work/cuda.safetensors" "$g/tiny-v25/case1-96x160.safetensors"
else
  if grep -q "backend cuda" "$work/err"; then pass "cuda without a device"
  else fail "cuda without a device"; cat "$work/err"; fi
  # auto falls back to the CPU and says so
  expect_ok "auto falls back to the CPU" \
    "$RADIO_EMBED" -m "$g/tiny-v25" --backend auto "$work/a.png"
  if grep -q "running on the CPU" "$work/err"; then pass "fallback noted"
  else fail "fallback noted"; cat "$work/err"; fi
fi

expect_error "unwritable output" "cannot write" \
  "$RADIO_EMBED" -m "$g/tiny-v25" -o "$work/no/dir/x.safetensors" "$work/a.png"
expect_error "inspect a broken model" "does not exist" \
  "$RADIO_INSPECT" "$work/no-model"

finish
