#!/usr/bin/env python3
"""Writes coffee-mask.png: a rough label mask for coffee.png (600x400), one
8-bit grey value per pixel = class index, in the order of
coffee-classes.txt: 0 table, 1 saucer, 2 cup, 3 coffee, 4 spoon.  The
shapes are ellipses and a slanted band placed by eye, so edges are only
roughly right.  It also writes a colour preview (second argument).

    python3 make-coffee-mask.py coffee-mask.png [preview.png]"""
import struct, sys, zlib

W, H = 600, 400

def inside_ellipse(x, y, cx, cy, rx, ry):
    return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1.0

def label(x, y):
    if inside_ellipse(x, y, 288, 143, 84, 50):
        return 3
    if inside_ellipse(x, y, 367, 287, 40, 38):
        return 4
    if 360 <= x <= 420 and 70 <= y <= 250 and abs((x - 412) - (y - 70) * -0.25) < 12:
        return 4
    if inside_ellipse(x, y, 290, 110, 119, 94):
        return 2
    if 110 <= y <= 285:
        t = (y - 110) / 175.0
        if 178 + 40 * t <= x <= 408 - 60 * t:
            return 2
    if inside_ellipse(x, y, 228, 268, 34, 38):
        return 2
    if inside_ellipse(x, y, 278, 230, 202, 155):
        return 1
    return 0

rows = []
for y in range(H):
    rows.append(b"\x00" + bytes(label(x + 0.5, y + 0.5) for x in range(W)))
raw = b"".join(rows)

def chunk(kind, data):
    c = struct.pack(">I", len(data)) + kind + data
    return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 0, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
open(sys.argv[1] if len(sys.argv) > 1 else "coffee-mask.png", "wb").write(png)

# a colour preview for checking by eye
cols = [(139, 90, 43), (200, 40, 40), (240, 240, 240), (255, 170, 60), (80, 80, 255)]
rows = []
for y in range(H):
    r = bytearray(b"\x00")
    for x in range(W):
        r += bytes(cols[raw[y * (W + 1) + 1 + x]])
    rows.append(bytes(r))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
open(sys.argv[2] if len(sys.argv) > 2 else "coffee-mask-preview.png", "wb").write(png)
