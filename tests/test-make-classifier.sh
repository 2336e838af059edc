#!/usr/bin/env bash
# End-to-end test of radio-make-classifier on the built-in model.
#
# Tiny image folders with flat colours (PPM and PNG, written by python3):
#   classify mode  the head's shapes, labels and metadata; its rows equal
#                  the prototypes recomputed here from radio-embed's
#                  features (cosine: normalised mean of normalised
#                  summaries; linear: centroids, bias -|mu|^2/2); the
#                  printed training accuracy is 100%.
#   segment mode   masks as grey and palette PNGs with an ignored region;
#                  the per-class patch counts, the centroids of the patches
#                  (recomputed from radio-embed's spatial features and the
#                  masks), 100% pixel accuracy, and the head through
#                  `radio ! radiosegment` reproduces the mask's cell counts.
#   lda heads      (--head lda, the default with --segment) in both modes
#                  on the 64-dim demo adaptor: weights and biases equal the
#                  LDA recomputed here from radio-embed's features (pooled
#                  covariance, shrinkage, a Gauss-Jordan solve, nothing
#                  shared with the tool's Cholesky); --shrinkage 1 is the
#                  centroid head times D / trace (S); the metadata.
#                  (The head math on vectors whose answer is known, e.g. a
#                  nuisance direction that fools the centroid head, is in
#                  test-linalg.c.)
# Then every error path: a message naming the culprit and exit 1 or 2 (2
# for bad options such as --shrinkage outside (0, 1]).
#
# Environment (set by meson): RADIO_MAKE_CLASSIFIER, RADIO_EMBED,
# DEMO_MODEL, PYTHON, GST_LAUNCH (optional), GST_PLUGIN_PATH.
set -u
# shellcheck source=tests/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
tool=$RADIO_MAKE_CLASSIFIER
model=$DEMO_MODEL

# expect_usage NAME PATTERN CMD...: exit 2 (a bad option) with PATTERN on
# stderr
expect_usage() {
  local name=$1 pattern=$2; shift 2
  "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  if [ "$rc" -eq 2 ] && grep -q -- "$pattern" "$work/err"; then pass "$name"
  else fail "$name (exit $rc)"; cat "$work/err"; fi
}

# expect_out NAME PATTERN: the last command's stdout has PATTERN
expect_out() {
  if grep -q -- "$2" "$work/out"; then pass "$1"
  else fail "$1"; cat "$work/out"; fi
}

# expect_show NAME HEAD PATTERN...: `fx show HEAD` has a line matching
# each extended regular expression PATTERN, and none matching a PATTERN
# written !PATTERN
expect_show() {
  local name=$1 head=$2 pattern; shift 2
  fx show "$head" >"$work/show"
  for pattern in "$@"; do
    if [ "${pattern#!}" != "$pattern" ]; then
      ! grep -qE -- "${pattern#!}" "$work/show"
    else
      grep -qE -- "$pattern" "$work/show"
    fi || { fail "$name"; cat "$work/show"; return; }
  done
  pass "$name"
}

# ---- fixtures and checks in python (stdlib only) ---------------------------
cat >"$work/fx.py" <<'EOF'
import json, math, os, struct, sys, zlib

def ppm(path, w, h, fn):
    with open(path, 'wb') as f:
        f.write(b'P6\n%d %d\n255\n' % (w, h))
        f.write(bytes(v for y in range(h) for x in range(w) for v in fn(x, y)))

def png(path, w, h, rows, ctype, depth=8, palette=None):
    def chunk(t, d):
        return (struct.pack('>I', len(d)) + t + d
                + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff))
    per = {0: 1, 2: 3, 3: 1}[ctype]
    raw = b''.join(b'\0' + bytes(r) for r in rows)
    out = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack(
        '>IIBBBBB', w, h, depth, ctype, 0, 0, 0))
    if palette:
        out += chunk(b'PLTE', bytes(v for c in palette for v in c))
    out += chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
    open(path, 'wb').write(out)

def half(a, b, vertical):
    return lambda x, y: a if (y if vertical else x) < 32 else b

def fixtures(d):
    colours = {'blue': (20, 40, 210), 'green': (30, 180, 40),
               'red': (200, 30, 30)}
    for name, c in colours.items():
        os.makedirs(f'{d}/cls/{name}')
        for i in range(3):
            s = tuple(min(255, v + 12 * i) for v in c)
            if i == 2:   # one PNG per class, the rest PPM
                png(f'{d}/cls/{name}/{i}.png', 48, 40,
                    [[v for x in range(48) for v in s] for y in range(40)], 2)
            else:
                ppm(f'{d}/cls/{name}/{i}.ppm', 48, 40, lambda x, y: s)
    red, blue = (200, 30, 30), (20, 40, 210)
    os.makedirs(f'{d}/seg/img'); os.makedirs(f'{d}/seg/mask')
    # a: left red / right blue, grey mask
    ppm(f'{d}/seg/img/a.ppm', 64, 64, half(red, blue, False))
    png(f'{d}/seg/mask/a.png', 64, 64,
        [[0 if x < 32 else 1 for x in range(64)] for y in range(64)], 0)
    # b: top red / bottom blue, palette mask; the bottom-left 28x32 block
    # is ignored (255): the patches of column 0 are all ignore, those of
    # column 1 (x 16..31) three quarters, so four patches drop out
    ppm(f'{d}/seg/img/b.ppm', 64, 64, half(red, blue, True))
    png(f'{d}/seg/mask/b.png', 64, 64,
        [[0 if y < 32 else (255 if x < 28 else 1) for x in range(64)]
         for y in range(64)], 3, palette=[(i, i, i) for i in range(256)])
    with open(f'{d}/seg/classes.txt', 'w') as f:
        f.write('red #ff0000\nblue\n')
    # image a as raw RGB for rawvideoparse
    with open(f'{d}/seg/a.rgb', 'wb') as f:
        f.write(bytes(v for y in range(64) for x in range(64)
                      for v in half(red, blue, False)(x, y)))
    # broken inputs
    ppm(f'{d}/small.ppm', 32, 32, lambda x, y: red)
    png(f'{d}/mask-small.png', 32, 32, [[0] * 32] * 32, 0)
    png(f'{d}/mask-range.png', 64, 64,
        [[5 if (x, y) == (7, 3) else 0 for x in range(64)]
         for y in range(64)], 0)
    png(f'{d}/mask-rgb.png', 64, 64, [[0] * 192] * 64, 2)
    png(f'{d}/mask-red.png', 64, 64, [[0] * 64] * 64, 0)

def read_st(path):
    data = open(path, 'rb').read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop('__metadata__', {})
    tensors = {}
    for k, v in header.items():
        a, b = v['data_offsets']
        assert v['dtype'] == 'F32', v
        raw = data[8 + n + a:8 + n + b]
        tensors[k] = (v['shape'], struct.unpack('<%df' % (len(raw) // 4), raw))
    return tensors, meta

def rows(t):
    shape, v = t
    d = shape[-1]
    return [v[i:i + d] for i in range(0, len(v), d)]

def norm(v):
    return math.sqrt(sum(x * x for x in v))

def mean(vs):
    return [sum(c) / len(vs) for c in zip(*vs)]

def close(name, got, want, tol=1e-4):
    scale = max(1e-6, max(abs(x) for x in want))
    err = max(abs(a - b) for a, b in zip(got, want))
    if err > tol * scale:
        sys.exit(f'{name}: max error {err:g} (scale {scale:g})')

def show(path):
    t, meta = read_st(path)
    for k in sorted(t):
        print(k, t[k][0])
    for k in sorted(meta):
        print(f'meta {k}={meta[k]}')

# head, features.safetensors, key, scoring, classes of the images in order
def check_classify(head, feats, key, scoring, *classes):
    w = rows(read_st(head)[0]['weight'])
    b = read_st(head)[0].get('bias')
    f = read_st(feats)[0]
    xs = [f[f'{i}/{key}'][1] for i in range(len(classes))]
    for k in range(len(w)):
        mine = [x for x, c in zip(xs, classes) if int(c) == k]
        if scoring == 'cosine':
            m = mean([[v / norm(x) for v in x] for x in mine])
            want = [v / norm(m) for v in m]
            bias = 0.0
        else:
            want = mean(mine)
            bias = -0.5 * norm(want) ** 2
        close(f'class {k} weights', w[k], want)
        close(f'class {k} bias', [b[1][k]], [bias])

# the labelled patches of images a and b (spatial [4, 4, D]) by class,
# from the mask rules
def seg_cells(feats, key='spatial'):
    f = read_st(feats)[0]
    cells = {0: [], 1: []}
    for i, img in enumerate('ab'):
        sp = rows(f[f'{i}/{key}'])
        for r in range(4):
            for c in range(4):
                if img == 'a':
                    k = 0 if c < 2 else 1
                elif r < 2:
                    k = 0
                else:
                    k = None if c <= 1 else 1   # ignored block
                if k is not None:
                    cells[k].append(sp[r * 4 + c])
    assert len(cells[0]) == 16 and len(cells[1]) == 12
    return cells

# head, features of images a and b, the mask rules
def check_segment(head, feats):
    w = rows(read_st(head)[0]['weight'])
    b = read_st(head)[0]['bias'][1]
    cells = seg_cells(feats)
    for k in (0, 1):
        mu = mean(cells[k])
        close(f'class {k} centroid', w[k], mu)
        close(f'class {k} bias', [b[k]], [-0.5 * norm(mu) ** 2])

# A x = b by Gauss-Jordan elimination with partial pivoting
def solve(a, b):
    n = len(b)
    m = [list(a[i]) + [b[i]] for i in range(n)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c and m[r][c] != 0:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c])]
    return [m[i][n] / m[i][i] for i in range(n)]

# the LDA head of cells {class: [vectors]}: (weights, biases)
def lda(cells, shrinkage):
    a = float(shrinkage)
    ks = sorted(cells)
    d = len(cells[ks[0]][0])
    n = sum(len(v) for v in cells.values())
    means = {k: mean(cells[k]) for k in ks}
    s = [[0.0] * d for _ in range(d)]
    for k in ks:
        for x in cells[k]:
            dx = [p - q for p, q in zip(x, means[k])]
            for r in range(d):
                for c in range(d):
                    s[r][c] += dx[r] * dx[c]
    t = sum(s[i][i] for i in range(d)) / (n - len(ks)) / d
    s = [[(1 - a) * s[r][c] / (n - len(ks)) + (a * t if r == c else 0)
          for c in range(d)] for r in range(d)]
    ws = [solve(s, means[k]) for k in ks]
    return ws, [-0.5 * sum(p * q for p, q in zip(w, means[k]))
                for w, k in zip(ws, ks)]

def check_lda(head, cells, shrinkage):
    w = rows(read_st(head)[0]['weight'])
    b = read_st(head)[0]['bias'][1]
    ws, bs = lda(cells, shrinkage)
    for k in range(len(ws)):
        close(f'class {k} lda weights', w[k], ws[k])
    close('lda biases', b, bs)

def check_lda_segment(head, feats, key, shrinkage):
    check_lda(head, seg_cells(feats, key), shrinkage)

def check_lda_classify(head, feats, key, shrinkage, *classes):
    f = read_st(feats)[0]
    cells = {}
    for i, c in enumerate(classes):
        cells.setdefault(int(c), []).append(f[f'{i}/{key}'][1])
    check_lda(head, cells, shrinkage)

# --shrinkage 1 head = centroid head times one positive factor
def check_scaled(lda_head, centroid_head):
    a, b = read_st(lda_head)[0], read_st(centroid_head)[0]
    la = a['weight'][1] + a['bias'][1]
    lb = b['weight'][1] + b['bias'][1]
    f = la[0] / lb[0]
    if not f > 0:
        sys.exit(f'factor {f}')
    close('lda with shrinkage 1 / centroid', la, [f * v for v in lb])

globals()[sys.argv[1]](*sys.argv[2:])
EOF
fx() { "$PYTHON" "$work/fx.py" "$@"; }
fx fixtures "$work" || { echo "Bail out! cannot write the fixtures"; exit 1; }
cls=$work/cls
seg=$work/seg

# ---- classify mode -----------------------------------------------------------
expect_ok "classify, cosine" "$tool" --model "$model" --backend cpu \
  -o "$work/cos.safetensors" "$cls"
expect_out "training accuracy printed, 100%" \
  "training accuracy: 100.0% (9/9 images)"
expect_out "per-class counts" "class 1 'green': 3 images"
expect_out "leave-one-out line" "leave-one-out accuracy:"
if [ "$(cat "$work/cos.txt")" = "$(printf 'blue\ngreen\nred')" ]; then
  pass "labels file: folder names, sorted"
else fail "labels file"; cat "$work/cos.txt"; fi
expect_show "head shapes and metadata" "$work/cos.safetensors" \
  '^weight \[3, 1152\]' '^bias \[3\]' '^meta source=summary$' \
  '^meta scoring=cosine$' '^meta images_per_class=3,3,3$' \
  '^meta model_version=c-radio_v3-s$' '^meta model_id=[0-9a-f]{32}$'

# the same images through radio-embed, in class order
imgs=()
classes=()
k=0
for d in blue green red; do
  for f in "$cls/$d"/*; do imgs+=("$f"); classes+=("$k"); done
  k=$((k + 1))
done
expect_ok "radio-embed of the class images" "$RADIO_EMBED" -m "$model" \
  --backend cpu --adaptor demo -q -o "$work/cls-feats.safetensors" "${imgs[@]}"
expect_ok "cosine prototypes match the features" fx check_classify \
  "$work/cos.safetensors" "$work/cls-feats.safetensors" summary cosine \
  "${classes[@]}"

expect_ok "classify, linear, adaptor" "$tool" -m "$model" --adaptor demo \
  --scoring linear --head centroid -o "$work/lin.safetensors" \
  --labels "$work/lin-labels" \
  "$cls"
expect_out "linear training accuracy 100%" "training accuracy: 100.0%"
expect_show "adaptor head shape and source" "$work/lin.safetensors" \
  '^weight \[3, 64\]' '^meta source=adaptor.demo.summary$' \
  '^meta head=centroid$'
if [ -f "$work/lin-labels" ]; then pass "--labels names the labels file"
else fail "--labels names the labels file"; fi
expect_ok "nearest-centroid head matches the features" fx check_classify \
  "$work/lin.safetensors" "$work/cls-feats.safetensors" \
  adaptor.demo.summary linear "${classes[@]}"

# ---- segment mode ------------------------------------------------------------
expect_ok "segment, centroid head" "$tool" --segment --head centroid \
  --masks "$seg/mask" --labels-in "$seg/classes.txt" -m "$model" \
  -o "$work/seg.safetensors" "$seg/img"
expect_out "patches per class (ignored block left out)" \
  "class 1 'blue': 12 patches"
expect_out "pixel accuracy 100% over the labelled pixels" \
  "training pixel accuracy: 100.0% (7296/7296 labelled pixels)"
if [ "$(cat "$work/seg.txt")" = "$(printf 'red #ff0000\nblue #3cb44b')" ]; then
  pass "labels keep the given colour and add the palette's"
else fail "segment labels"; cat "$work/seg.txt"; fi
expect_show "segment head shapes and metadata" "$work/seg.safetensors" \
  '^weight \[2, 384\]' '^meta source=spatial$' '^meta scoring=linear$' \
  '^meta patches_per_class=16,12$' '^meta head=centroid$' '!^meta shrinkage'
expect_ok "radio-embed of the segment images" "$RADIO_EMBED" -m "$model" \
  --backend cpu -q -o "$work/seg-feats.safetensors" "$seg/img/a.ppm" \
  "$seg/img/b.ppm"
expect_ok "patch centroids match the features and masks" fx check_segment \
  "$work/seg.safetensors" "$work/seg-feats.safetensors"
expect_ok "segment, adaptor" "$tool" --segment --masks "$seg/mask" \
  --labels-in "$seg/classes.txt" -m "$model" -a demo -q \
  -o "$work/seg-demo.safetensors" "$seg/img"
expect_show "segment adaptor source" "$work/seg-demo.safetensors" \
  '^meta source=adaptor.demo.spatial$'

# The head through the elements on training image a: 8 cells per class.
# rawvideoparse (gst-plugins-base) reads the raw RGB file.
if [ -n "${GST_LAUNCH:-}" ]; then
  timeout 120 "$GST_LAUNCH" -m filesrc location="$seg/a.rgb" \
    ! rawvideoparse width=64 height=64 format=rgb framerate=1/1 \
    ! radio backend=cpu ! radiosegment weights="$work/seg.safetensors" \
    post-messages=true ! fakesink >"$work/out" 2>"$work/err"
  rc=$?
  if grep -q 'no element "rawvideoparse"' "$work/err"; then
    echo "# skipped the pipeline check: rawvideoparse is not installed"
  elif [ "$rc" -eq 0 ]; then
    pass "radio ! radiosegment on the training image"
    expect_out "radiosegment reproduces the mask" "cells=(uint)< 8, 8 >"
  else
    fail "radio ! radiosegment on the training image (exit $rc)"
    cat "$work/err"
  fi
else
  echo "# skipped the pipeline check: gst-launch-1.0 not found"
fi

# ---- lda heads ---------------------------------------------------------------
expect_ok "segment, adaptor, default (lda) head" "$tool" --segment \
  --masks "$seg/mask" --labels-in "$seg/classes.txt" -m "$model" -a demo \
  -o "$work/seg-lda.safetensors" "$seg/img"
expect_out "lda: the head is named" "lda head"
expect_out "lda leave-one-out printed" \
  "leave-one-out accuracy: .*(28/28 patches)"
expect_show "lda metadata" "$work/seg-lda.safetensors" '^meta head=lda$' \
  '^meta shrinkage=0.1$' '^meta priors=uniform$'
expect_ok "radio-embed of the segment images, adaptor" "$RADIO_EMBED" \
  -m "$model" --backend cpu --adaptor demo -q \
  -o "$work/seg-demo-feats.safetensors" "$seg/img/a.ppm" "$seg/img/b.ppm"
expect_ok "segment lda head matches the features" fx check_lda_segment \
  "$work/seg-lda.safetensors" "$work/seg-demo-feats.safetensors" \
  adaptor.demo.spatial 0.1
expect_ok "segment lda, --shrinkage 0.5" "$tool" --segment --shrinkage 0.5 \
  --masks "$seg/mask" --labels-in "$seg/classes.txt" -m "$model" -a demo \
  -q -o "$work/seg-lda5.safetensors" "$seg/img"
expect_ok "segment lda head, shrinkage 0.5, matches the features" \
  fx check_lda_segment "$work/seg-lda5.safetensors" \
  "$work/seg-demo-feats.safetensors" adaptor.demo.spatial 0.5
expect_ok "segment lda, --shrinkage 1" "$tool" --segment --shrinkage 1 \
  --masks "$seg/mask" --labels-in "$seg/classes.txt" -m "$model" -q \
  -o "$work/seg-lda1.safetensors" "$seg/img"
expect_ok "--shrinkage 1 is the centroid head scaled" fx check_scaled \
  "$work/seg-lda1.safetensors" "$work/seg.safetensors"
expect_ok "classify, linear, default (lda) head" "$tool" -m "$model" \
  --adaptor demo --scoring linear --shrinkage 0.3 \
  -o "$work/cls-lda.safetensors" "$cls"
expect_out "classify lda training accuracy 100%" \
  "training accuracy: 100.0% (9/9 images)"
expect_ok "classify lda head matches the features" fx check_lda_classify \
  "$work/cls-lda.safetensors" "$work/cls-feats.safetensors" \
  adaptor.demo.summary 0.3 "${classes[@]}"
expect_show "classify lda metadata" "$work/cls-lda.safetensors" \
  '^meta head=lda$' '^meta shrinkage=0.3$'
expect_show "a cosine head has no head metadata" "$work/cos.safetensors" \
  '!^meta head='

# ---- errors ------------------------------------------------------------------
mkdir -p "$work/empty" "$work/empty-class/a" "$work/bad/x" "$work/flat/x"
cp "$cls/red/0.ppm" "$work/bad/x/"
printf 'hello' >"$work/bad/x/notes.txt"
cp "$cls/red/0.ppm" "$work/flat/x/"
cp "$cls/red/0.ppm" "$work/flat/stray.ppm"
expect_error "empty folder" "no class folders" \
  "$tool" -m "$model" -o "$work/e.safetensors" "$work/empty"
expect_error "class folder without images" "empty-class/a has no images" \
  "$tool" -m "$model" -o "$work/e.safetensors" "$work/empty-class"
expect_error "a file that is not an image" "notes.txt" \
  "$tool" -m "$model" -o "$work/e.safetensors" "$work/bad"
expect_ok "--skip-bad skips it" \
  "$tool" -m "$model" --skip-bad -o "$work/e.safetensors" "$work/bad"
expect_error "a file beside the class folders" "stray.ppm" \
  "$tool" -m "$model" -o "$work/e.safetensors" "$work/flat"
expect_error "missing images folder" "nowhere" \
  "$tool" -m "$model" -o "$work/e.safetensors" "$work/nowhere"
expect_error "missing model" "no-model" \
  "$tool" -m "$work/no-model" -o "$work/e.safetensors" "$cls"
expect_error "unknown adaptor" "no adaptor 'clip'" \
  "$tool" -m "$model" -a clip -o "$work/e.safetensors" "$cls"
expect_error "bad scoring" "cosine or linear" \
  "$tool" -m "$model" --scoring dot -o "$work/e.safetensors" "$cls"
expect_error "no output" "required" "$tool" -m "$model" "$cls"
expect_error "two folders" "exactly one" \
  "$tool" -m "$model" -o "$work/e.safetensors" "$cls" "$cls"
expect_error "size not a patch multiple" "multiple of the patch" \
  "$tool" -m "$model" --size 100x64 -o "$work/e.safetensors" "$cls"
expect_error "unwritable output" "no/dir" \
  "$tool" -m "$model" -o "$work/no/dir/e.safetensors" "$cls"
expect_error "--segment without masks" "--masks" \
  "$tool" --segment -m "$model" -o "$work/e.safetensors" "$seg/img"
expect_error "--segment with cosine" "cosine does not apply" \
  "$tool" --segment --masks "$seg/mask" --labels-in "$seg/classes.txt" \
  --scoring cosine -m "$model" -o "$work/e.safetensors" "$seg/img"

segopts=(--segment --masks "$seg/mask" --labels-in "$seg/classes.txt" \
  -m "$model" -o "$work/opt.safetensors")
for a in 0 -0.5 1.5 nan; do
  expect_usage "--shrinkage $a" "shrinkage must be in (0, 1\]" \
    "$tool" "${segopts[@]}" --shrinkage "$a" "$seg/img"
done
expect_usage "--shrinkage not a number" \
  "shrinkage must be in (0, 1\], not 'much'" \
  "$tool" "${segopts[@]}" --shrinkage much "$seg/img"
expect_usage "unknown --head" "centroid or lda" \
  "$tool" "${segopts[@]}" --head svm "$seg/img"
expect_usage "--shrinkage with the centroid head" "go with --head lda" \
  "$tool" "${segopts[@]}" --head centroid --shrinkage 0.2 "$seg/img"
expect_usage "--head with cosine scoring" "go with linear scoring" \
  "$tool" -m "$model" --head lda -o "$work/opt.safetensors" "$cls"
# two classes of two identical images each: no within-class spread
mkdir -p "$work/same/a" "$work/same/b"
for i in 1 2; do
  cp "$cls/red/0.ppm" "$work/same/a/$i.ppm"
  cp "$cls/blue/0.ppm" "$work/same/b/$i.ppm"
done
expect_error "lda without within-class spread" \
  "LDA head (--head centroid needs no covariance): .*not positive definite" \
  "$tool" -m "$model" --scoring linear -o "$work/opt.safetensors" \
  "$work/same"
[ ! -e "$work/opt.safetensors" ] && pass "no head written on bad options" \
  || fail "no head written on bad options"

# segment mode: one image at a time against a broken mask
segcase() { # NAME PATTERN IMAGE MASK [CLASSES]
  local name=$1 pattern=$2 image=$3 mask=$4 names=${5:-$seg/classes.txt}
  rm -rf "$work/si" "$work/sm"
  mkdir -p "$work/si" "$work/sm"
  cp "$image" "$work/si/img.ppm"
  [ -n "$mask" ] && cp "$mask" "$work/sm/img.png"
  expect_error "$name" "$pattern" "$tool" --segment --masks "$work/sm" \
    --labels-in "$names" -m "$model" -o "$work/e.safetensors" "$work/si"
}
segcase "mask size mismatch" "is 32x32 but its image" \
  "$seg/img/a.ppm" "$work/mask-small.png"
segcase "index out of range names pixel and value" \
  "img.png: pixel (7, 3) has class 5" "$seg/img/a.ppm" \
  "$work/mask-range.png"
segcase "RGB mask refused" "greyscale or palette PNG" "$seg/img/a.ppm" \
  "$work/mask-rgb.png"
segcase "missing mask" "no mask for" "$seg/img/a.ppm" ""
segcase "class with no patch" "class 1 'blue' covers no patch" \
  "$seg/img/a.ppm" "$work/mask-red.png"
printf 'red\n\nblue\n' >"$work/gap.txt"
segcase "blank class name" "line 2 has no class name" "$seg/img/a.ppm" \
  "$seg/mask/a.png" "$work/gap.txt"
# mask values 0..254 are classes, so 255 classes fit (the run then stops
# at the first class that covers no patch of this mask); 256 do not
for i in $(seq 0 254); do echo "c$i"; done >"$work/k255.txt"
segcase "255 classes fit in a mask" "class 2 'c2' covers no patch" \
  "$seg/img/a.ppm" "$seg/mask/a.png" "$work/k255.txt"
{ cat "$work/k255.txt"; echo c255; } >"$work/k256.txt"
segcase "256 classes do not" "has 256 classes; masks hold 1 to 255" \
  "$seg/img/a.ppm" "$seg/mask/a.png" "$work/k256.txt"

# class folder names become labels: one that ends like a colour keeps that
# end (its palette colour is written after it); a name that the labels
# file would give back changed is refused
mkdir -p "$work/names/blue" "$work/names/red #ff0000"
cp "$cls/blue/0.ppm" "$work/names/blue/"
cp "$cls/red/0.ppm" "$work/names/red #ff0000/"
expect_ok "class folder named like a colour" "$tool" -m "$model" -q \
  -o "$work/names.safetensors" "$work/names"
if [ "$(cat "$work/names.txt")" = "$(printf 'blue\nred #ff0000 #3cb44b')" ]
then pass "a name ending like a colour keeps it"
else fail "a name ending like a colour keeps it"; cat "$work/names.txt"; fi
for bad in " lead" "trail " "$(printf 'caf\xe9')"; do
  rm -rf "$work/badname"
  mkdir -p "$work/badname/ok" "$work/badname/$bad"
  cp "$cls/blue/0.ppm" "$work/badname/ok/"
  cp "$cls/red/0.ppm" "$work/badname/$bad/"
  expect_error "class folder '$bad' refused" "not one line of UTF-8 text" \
    "$tool" -m "$model" -q -o "$work/bn.safetensors" "$work/badname"
done

finish
