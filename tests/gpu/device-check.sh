#!/usr/bin/env bash
# device-check.sh: everything the CUDA backend needs a GPU for, in one run
# (under 6 minutes on an H100):
#   1. build for sm_90 (build-device/, release)
#   2. the GPU tests (meson suite 'gpu': per-op, golden end to end, bench)
#   3. the end-to-end test under compute-sanitizer memcheck
#   4. radio-bench --backend cuda: ViT-B/16 at 224 and 512, ViT-L/16 and
#      ViT-H/16 at 512, batch 1 and 8, fp16 and bf16
#   5. the same dims in PyTorch (tests/gpu/bench-pytorch.py), if installed
#   6. a summary: the two side by side and the targets of the issue
# With $OUT set, the report (summary, logs, JSON) goes to $OUT/device-check.
# Exit status: 0 when the build and every check pass, else 1 (targets that
# are missed are reported, not failures).
set -u
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${DEVICE_CHECK_BUILDDIR:-build-device}
report=${OUT:+$OUT/device-check}
report=${report:-$root/$build/device-check}
mkdir -p "$report"
summary=$report/summary.txt
: > "$summary"
status=0
t_start=$(date +%s)

say() { echo "$*" | tee -a "$summary"; }
step() { say "== $1 ($(($(date +%s) - t_start)) s)"; }

step "device"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader \
  2>&1 | tee -a "$summary"

step "build (sm_90)"
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" -Dcuda=enabled -Dcuda-arch=90 \
    -Dvalgrind-tests=disabled -Dbuildtype=release > "$report/setup.log" 2>&1
fi
if ! ninja -C "$build" > "$report/build.log" 2>&1; then
  say "BUILD FAILED (see build.log)"
  tail -30 "$report/build.log"
  exit 1
fi
say "built; warnings: $(grep -ci warning "$report/build.log")"

step "GPU tests"
if timeout 200 meson test -C "$build" --suite gpu --print-errorlogs \
    --no-rebuild > "$report/gpu-tests.log" 2>&1; then
  say "gpu suite: passed"
else
  say "gpu suite: FAILED (see gpu-tests.log)"
  status=1
fi
grep -E "^ *[0-9]+/[0-9]+ " "$report/gpu-tests.log" | tee -a "$summary"
cp "$build/meson-logs/testlog.txt" "$report/gpu-testlog.txt" 2>/dev/null
grep -E "max\|err\||min cosine|NMSE" "$build/meson-logs/testlog.txt" \
  > "$report/accuracy.txt" 2>/dev/null

step "compute-sanitizer memcheck (end to end)"
sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer \
  /usr/local/cuda/compute-sanitizer/compute-sanitizer 2>/dev/null | head -1)
if [ -z "$sanitizer" ]; then
  say "compute-sanitizer not found: memcheck skipped"
else
  if GST_RADIO_CUDA_MODULE=$root/$build/gst-radio/engine/cuda/libradio-cuda.so \
      RADIO_GOLDEN_DIR=$root/tests/data/golden \
      timeout 180 "$sanitizer" --tool memcheck --error-exitcode 99 \
      --leak-check full "$build/tests/gpu/test-cuda-golden" \
      -p /golden/cuda-fp32/tiny-cv4 -p /golden/cuda-bf16 \
      -p /golden/cuda-fp16/tiny-v1-p14 -p /cuda/random -p /cuda/errors \
      -p /cuda/graph-matches-eager > "$report/memcheck.log" 2>&1; then
    say "memcheck: clean ($(grep -c '^ok\|OK' "$report/memcheck.log") lines ok)"
  else
    say "memcheck: FAILED (see memcheck.log)"
    grep -m 20 -E "=========|ERROR|Invalid" "$report/memcheck.log" | tee -a "$summary"
    status=1
  fi
fi

step "benchmark: radio-bench --backend cuda"
bench=$build/gst-radio/tools/radio-bench
if ! "$bench" --help 2>&1 | grep -q cuda; then
  bench=$build/tests/gpu/radio-bench-cuda
fi
export GST_RADIO_CUDA_MODULE=$root/$build/gst-radio/engine/cuda/libradio-cuda.so
rm -f "$report/bench-cuda.jsonl"
for run in "vit_base_patch16_224 224x224,512x512" \
           "vit_large_patch16_224 512x512" "vit_huge_patch16_224 512x512"; do
  set -- $run
  if ! timeout 120 "$bench" --backend cuda --arch "$1" --size "$2" \
      --batch 1,8 --precision fp16,bf16 --iterations 50 \
      --json "$report/bench-cuda.jsonl" >> "$report/bench-cuda.log" 2>&1; then
    say "benchmark $1: FAILED (see bench-cuda.log)"
    status=1
  fi
done
grep -v "^#" "$report/bench-cuda.log" | cut -c1-160 | tee -a "$summary"

step "benchmark: PyTorch"
rm -f "$report/bench-pytorch.jsonl"
timeout 150 python3 tests/gpu/bench-pytorch.py --batch 1,8 --iterations 50 \
  --compile-models L/16@512 --json "$report/bench-pytorch.jsonl" \
  > "$report/bench-pytorch.log" 2>&1
tail -n +1 "$report/bench-pytorch.log" | cut -c1-160 | tee -a "$summary"

step "summary"
python3 - "$report/bench-cuda.jsonl" "$report/bench-pytorch.jsonl" <<'PY' | tee -a "$summary"
import json, os, sys

def load(path):
    if not os.path.exists(path):
        return []
    return [json.loads(l) for l in open(path) if l.strip()]

ours, torch = load(sys.argv[1]), load(sys.argv[2])
key = lambda r: (r["model"], r["width"], r["batch"])
print(f"{'model':10} {'size':>5} {'b':>2} | {'cuda fp16':>9} {'cuda bf16':>9} "
      f"{'TFLOP/s':>7} | {'torch eager':>11} {'compile':>8}   (ms/frame)")
rows = sorted({key(r) for r in ours})
for k in rows:
    def get(recs, **kw):
        for r in recs:
            if key(r) == k and all(r.get(a) == b for a, b in kw.items()):
                return r
    f16, b16 = get(ours, precision="fp16"), get(ours, precision="bf16")
    eager, comp = get(torch, backend="pytorch-eager"), get(torch, backend="pytorch-compile")
    fmt = lambda r: f"{r['ms_per_frame']:.3f}" if r else "-"
    print(f"{k[0]:10} {k[1]:>5} {k[2]:>2} | {fmt(f16):>9} {fmt(b16):>9} "
          f"{(b16 or {}).get('tflops', 0):7.1f} | {fmt(eager):>11} {fmt(comp):>8}")
    if b16:
        st = b16["stage_ms"]
        print(f"{'':22} stages ms/batch (bf16): preprocess {st['preprocess']:.3f} "
              f"GEMMs {st['gemm']:.3f} attention {st['attention']:.3f} rest "
              f"{st['rest']:.3f}; end to end {b16['ms_per_batch_end_to_end']:.3f} "
              f"ms/batch; device memory {b16['device_used_mb']:.0f} MB")

def find(recs, model, batch, **kw):
    for r in recs:
        if r["model"].startswith(model) and r["width"] == 512 and r["batch"] == batch \
                and all(r.get(a) == b for a, b in kw.items()):
            return r

print("targets (ViT-L/16, 512x512, bf16):")
l1 = find(ours, "ViT-L/16", 1, precision="bf16")
l8 = find(ours, "ViT-L/16", 8, precision="bf16")
e1 = find(torch, "ViT-L/16", 1, backend="pytorch-eager")
c8 = find(torch, "ViT-L/16", 8, backend="pytorch-compile")
if l1:
    print(f"  batch 1 <= 2.5 ms: {l1['ms_per_frame']:.3f} ms -> "
          f"{'met' if l1['ms_per_frame'] <= 2.5 else 'MISSED'}")
if l1 and e1:
    ratio = l1["frames_per_s"] / e1["frames_per_s"]
    print(f"  batch 1 >= 1.3x PyTorch eager: {ratio:.2f}x -> "
          f"{'met' if ratio >= 1.3 else 'MISSED'}")
else:
    print("  batch 1 vs PyTorch eager: no PyTorch figure")
if l8 and c8:
    ratio = l8["frames_per_s"] / c8["frames_per_s"]
    print(f"  batch 8 >= torch.compile: {ratio:.2f}x -> "
          f"{'met' if ratio >= 1.0 else 'MISSED'}")
else:
    print("  batch 8 vs torch.compile: no PyTorch figure")
PY

step "done, status $status"
echo "report: $report"
exit $status
