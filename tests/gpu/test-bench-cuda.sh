#!/bin/sh
# The CUDA benchmark end to end on a tiny random model (two batch sizes, two
# precisions, JSON output).  Skipped (77) where the CUDA backend is not
# usable, which the benchmark reports with a message and status 1.
set -u
json=$(mktemp)
out=$("$RADIO_BENCH_CUDA" --backend cuda --arch vit_small_patch16_224 \
  --depth 2 --size 64x48,96x96 --batch 1,3 --precision fp32,auto \
  --iterations 2 --frame 320x240 --json "$json" 2>&1)
status=$?
echo "$out"
if [ $status -ne 0 ] && echo "$out" | grep -q "the CUDA backend is not usable"; then
  rm -f "$json"
  exit 77
fi
if [ $status -eq 0 ]; then
  lines=$(wc -l < "$json")
  cat "$json"
  if [ "$lines" -ne 8 ]; then
    echo "expected 8 JSON records, got $lines"
    status=1
  fi
fi
rm -f "$json"
exit $status
