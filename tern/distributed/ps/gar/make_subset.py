#!/usr/bin/env python3
"""Writes Fashion-MNIST IDX files holding only the first N training examples
(the test set whole) into OUT, for short accuracy runs with --data-dir OUT.
Usage: make_subset.py OUT N [SRC=/usr/share/datasets/fashion-mnist]"""
import gzip, os, shutil, struct, sys

out, n = sys.argv[1], int(sys.argv[2])
src = sys.argv[3] if len(sys.argv) > 3 else "/usr/share/datasets/fashion-mnist"
os.makedirs(out, exist_ok=True)
for name, record, header in [("train-images-idx3-ubyte", 784, 16), ("train-labels-idx1-ubyte", 1, 8)]:
    data = gzip.open(os.path.join(src, name + ".gz")).read()
    head = bytearray(data[:header])
    struct.pack_into(">I", head, 4, n)
    tmp = os.path.join(out, name + ".gz.tmp")
    with gzip.open(tmp, "wb") as f:
        f.write(bytes(head) + data[header:header + n * record])
    os.replace(tmp, os.path.join(out, name + ".gz"))
for name in ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]:
    shutil.copy(os.path.join(src, name), os.path.join(out, name))
