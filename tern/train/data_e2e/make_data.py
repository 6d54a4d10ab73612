#!/usr/bin/env python3
"""Writes the separable datasets the `tern train --data` end-to-end test
trains on, with the standard library only (PNGs through zlib):

  make_data.py images DIR N   DIR/<class>/<i>.png: N 32x32 images per class
                              of three classes (a horizontal bar, a vertical
                              bar, a diagonal) on noise; every third image
                              is RGB, the rest gray
  make_data.py csv FILE N     N rows of 4 features around one of three
                              centres, label column "species" (names)
"""
import random
import struct
import sys
import zlib
from pathlib import Path


def png(width, height, channels, rows):
    """An 8-bit gray (channels 1) or RGB (3) PNG; rows: lists of bytes values."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    colour = 0 if channels == 1 else 2
    raw = b"".join(b"\x00" + bytes(r) for r in rows)  # filter type 0 per row
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def shape_image(kind, rng, size=32):
    img = [[rng.randint(0, 60) for _ in range(size)] for _ in range(size)]
    offset = rng.randint(-6, 6)
    for a in range(size):
        for w in range(-2, 3):
            b = size // 2 + offset + w
            if 0 <= b < size:
                if kind == 0:
                    img[b][a] = 230
                elif kind == 1:
                    img[a][b] = 230
                elif 0 <= a + w < size:
                    img[a][min(max(a + w + offset, 0), size - 1)] = 230
    return img


def images(root, n):
    rng = random.Random(5)
    for c, name in enumerate(["horizontal", "vertical", "diagonal"]):
        d = Path(root) / name
        d.mkdir(parents=True, exist_ok=True)
        for i in range(n):
            img = shape_image(c, rng)
            if i % 3 == 0:
                rows = [[v for v in row for _ in range(3)] for row in img]
                data = png(32, 32, 3, rows)
            else:
                data = png(32, 32, 1, img)
            (d / f"{i:04d}.png").write_bytes(data)


def csv(path, n):
    rng = random.Random(7)
    centres = {"setosa": (0, 0, 0, 0), "versicolor": (3, 3, 0, 0), "virginica": (0, 3, 3, 3)}
    names = list(centres)
    with open(path, "w") as f:
        f.write("f1,f2,f3,f4,species\n")
        for i in range(n):
            name = names[rng.randrange(3)]
            x = [m + rng.gauss(0, 1) for m in centres[name]]
            f.write(",".join(f"{v:.4f}" for v in x) + f",{name}\n")


if __name__ == "__main__":
    what, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    {"images": images, "csv": csv}[what](out, count)
