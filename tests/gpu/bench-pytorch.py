#!/usr/bin/env python3
"""bench-pytorch.py: the PyTorch side of the CUDA benchmark comparison.

Times the same ViT dimensions as `radio-bench --backend cuda` (ViT-B/16 at
224 and 512, ViT-L/16 and ViT-H/16 at 512; 3 prefix tokens, as the random
RADIO models have: 3 teacher CLS tokens, no registers) in PyTorch, bf16,
with scaled_dot_product_attention, eager and torch.compile, at batch 1 and
8, on a random input tensor already on the GPU (the model's own cost, like
the CUDA benchmark's ms/frame figure).

Uses timm's VisionTransformer when timm is installed, else a small
self-written ViT in plain torch with the same dimensions and operations
(pre-norm blocks, fused qkv Linear, SDPA, exact GELU MLP).  Prints one line
per measurement and, with --json FILE, appends one JSON object per line.

    python3 tests/gpu/bench-pytorch.py [--models B/16@224,L/16@512]
        [--batch 1,8] [--iterations 50] [--compile-models L/16@512]
        [--json FILE]
"""
import argparse
import json
import sys
import time

ARCHS = {  # embed_dim, depth, heads, mlp_hidden
    "B/16": (768, 12, 12, 3072),
    "L/16": (1024, 24, 16, 4096),
    "H/16": (1280, 32, 16, 5120),
}
PREFIX_TOKENS = 3


def flops_per_image(dim, depth, hidden, size, patch=16):
    """The count radio_forward_get_flops uses (multiply-adds x 2)."""
    hw = (size // patch) ** 2
    n = hw + PREFIX_TOKENS
    per_block = 2.0 * n * (4 * dim * dim + 2 * dim * hidden) + 4.0 * n * n * dim
    return depth * per_block + 2.0 * hw * dim * 3 * patch * patch


def build_model(torch, dim, depth, heads, hidden, size):
    """timm's VisionTransformer, or the plain-torch fallback."""
    try:
        import timm.models.vision_transformer as vt

        model = vt.VisionTransformer(
            img_size=size, patch_size=16, embed_dim=dim, depth=depth,
            num_heads=heads, mlp_ratio=hidden / dim, class_token=True,
            reg_tokens=PREFIX_TOKENS - 1, num_classes=0, global_pool="",
            qkv_bias=True)
        return model, "timm " + getattr(sys.modules.get("timm"), "__version__", "?")
    except (ImportError, TypeError) as e:  # no timm, or one without reg_tokens
        print(f"# timm VisionTransformer not usable ({e}); using the plain "
              "torch ViT with the same dimensions", flush=True)

    nn = torch.nn
    F = torch.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1 = nn.LayerNorm(dim, eps=1e-6)
            self.qkv = nn.Linear(dim, 3 * dim)
            self.proj = nn.Linear(dim, dim)
            self.norm2 = nn.LayerNorm(dim, eps=1e-6)
            self.fc1 = nn.Linear(dim, hidden)
            self.fc2 = nn.Linear(hidden, dim)

        def forward(self, x):
            b, n, _ = x.shape
            qkv = self.qkv(self.norm1(x)).reshape(b, n, 3, heads, dim // heads)
            q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
            a = F.scaled_dot_product_attention(q, k, v)
            x = x + self.proj(a.transpose(1, 2).reshape(b, n, dim))
            return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))

    class ViT(nn.Module):
        def __init__(self):
            super().__init__()
            self.patch = nn.Conv2d(3, dim, 16, 16)
            self.prefix = nn.Parameter(torch.randn(1, PREFIX_TOKENS, dim) * 0.02)
            self.pos = nn.Parameter(torch.randn(1, (size // 16) ** 2, dim) * 0.02)
            self.blocks = nn.ModuleList(Block() for _ in range(depth))

        def forward(self, img):
            x = self.patch(img).flatten(2).transpose(1, 2) + self.pos
            x = torch.cat([self.prefix.expand(x.shape[0], -1, -1), x], dim=1)
            for blk in self.blocks:
                x = blk(x)
            return x

    return ViT(), "plain torch"


def time_model(torch, fn, x, iterations):
    with torch.inference_mode():
        for _ in range(5):
            fn(x)
        torch.cuda.synchronize()
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        times = []
        for _ in range(iterations):
            start.record()
            fn(x)
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end))
    return sum(times) / len(times), min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="B/16@224,B/16@512,L/16@512,H/16@512")
    parser.add_argument("--batch", default="1,8")
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--compile-models", default="L/16@512",
                        help="models also timed with torch.compile ('all', "
                        "'none' or a list; compiling takes a while)")
    parser.add_argument("--json")
    args = parser.parse_args()

    try:
        import torch
    except ImportError:
        print("bench-pytorch: PyTorch is not installed; no comparison")
        return 3
    if not torch.cuda.is_available():
        print("bench-pytorch: PyTorch sees no CUDA device; no comparison")
        return 3
    device = torch.cuda.get_device_name(0)
    print(f"# PyTorch {torch.__version__}, {device}, bf16, SDPA")

    compile_list = args.compile_models.split(",")
    batches = [int(b) for b in args.batch.split(",")]
    records = []
    for spec in args.models.split(","):
        name, size = spec.split("@")
        size = int(size)
        dim, depth, heads, hidden = ARCHS[name]
        model, impl = build_model(torch, dim, depth, heads, hidden, size)
        model = model.to("cuda", torch.bfloat16).eval()
        modes = [("eager", model)]
        if "all" in compile_list or spec in compile_list:
            modes.append(("compile", torch.compile(model)))
        gflop = flops_per_image(dim, depth, hidden, size) / 1e9
        for mode, fn in modes:
            for batch in batches:
                x = torch.randn(batch, 3, size, size, device="cuda",
                                dtype=torch.bfloat16)
                t0 = time.time()
                try:
                    mean, best = time_model(torch, fn, x, args.iterations)
                except Exception as e:  # e.g. compile failures
                    print(f"ViT-{name} {size}x{size} {mode} batch {batch}: "
                          f"failed: {e}")
                    continue
                ms_frame = mean / batch
                rec = {
                    "backend": "pytorch-" + mode, "model": "ViT-" + name,
                    "width": size, "height": size, "precision": "bf16",
                    "batch": batch, "ms_per_batch": mean,
                    "ms_per_batch_best": best, "ms_per_frame": ms_frame,
                    "frames_per_s": 1000.0 / ms_frame,
                    "tflops": gflop * batch / mean,
                    "implementation": impl, "device": device,
                    "setup_s": time.time() - t0,
                }
                records.append(rec)
                print(f"ViT-{name} {size}x{size} bf16 {mode} batch {batch}: "
                      f"{ms_frame:.3f} ms/frame ({mean:.3f} ms/batch, best "
                      f"{best:.3f}), {rec['frames_per_s']:.1f} frames/s, "
                      f"{rec['tflops']:.1f} TFLOP/s [{impl}]", flush=True)
        del model, modes
        torch.cuda.empty_cache()
    if args.json:
        with open(args.json, "a") as f:
            for rec in records:
                f.write(json.dumps(rec) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
