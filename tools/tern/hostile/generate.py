#!/usr/bin/env python3
"""Writes malformed variants of the seed files hostile_test.sh made, each a
mutation that can never be valid (truncated, a count that disagrees with the
data, a stray bracket, a control byte where JSON forbids one, a value out of
range), and prints one `tern` command line per file that must refuse it.

  generate.py WORK_DIR [SEED]   (deterministic for a given SEED)
"""
import os
import random
import struct
import sys
import zlib

W = sys.argv[1]
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
out_dir = os.path.join(W, "gen")
os.makedirs(out_dir, exist_ok=True)
cases = []


def read(name):
    with open(os.path.join(W, name), "rb") as f:
        return f.read()


def write(name, data):
    path = os.path.join(out_dir, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def truncations(data, n, keep_min=0):
    """n cut points strictly inside the data (never the whole file)."""
    return [rng.randrange(keep_min, len(data) - 1) for _ in range(n)]


# --- safetensors checkpoints: `tern eval` ---------------------------------
st = read("seed.safetensors")
(hlen,) = struct.unpack("<Q", st[:8])
for i, cut in enumerate(truncations(st, 30)):
    cases.append(f"eval --model mlp --dataset synthetic --checkpoint {write(f'st_trunc{i}.safetensors', st[:cut])}")
for i in range(25):  # a control byte inside the JSON header: invalid JSON whatever it lands in
    at = 8 + rng.randrange(1, hlen - 1)
    data = st[:at] + bytes([rng.randrange(0, 32)]) + st[at + 1:]
    cases.append(f"eval --model mlp --dataset synthetic --checkpoint {write(f'st_ctrl{i}.safetensors', data)}")
for i in range(25):  # a header length that disagrees with the header
    delta = rng.choice([-1, 1]) * rng.randrange(1, hlen)
    data = struct.pack("<Q", hlen + delta) + st[8:]
    cases.append(f"eval --model mlp --dataset synthetic --checkpoint {write(f'st_len{i}.safetensors', data)}")

# --- IDX label files: `tern ci baseline --labels` --------------------------
idx = read("seed.idx")
for i, cut in enumerate(truncations(idx, 30, keep_min=1)):
    cases.append(f"ci baseline --predictions {W}/seed.predictions --labels {write(f'idx_trunc{i}.idx', idx[:cut])} "
                 f"--state {W}/state_idx_t{i} --commit c0")
(count,) = struct.unpack(">I", idx[4:8])
for i in range(30):  # a count that disagrees with the data
    wrong = count + rng.choice([-1, 1]) * rng.randrange(1, count)
    data = idx[:4] + struct.pack(">I", wrong) + idx[8:]
    cases.append(f"ci baseline --predictions {W}/seed.predictions --labels {write(f'idx_count{i}.idx', data)} "
                 f"--state {W}/state_idx_c{i} --commit c0")

# --- prediction files: `tern ci baseline --predictions` ---------------------
pred = read("seed.predictions").decode().splitlines()
junk = ["x", "-1", "1.5", "99999999999999999999", "3 4", "\x1b[31m7", "\x00", "0x10", "", "1e3"]
for i in range(60):
    lines = list(pred)
    j = rng.randrange(len(lines))
    bad = junk[i % len(junk)]
    if bad == "":  # an empty line in the middle, and one prediction too few
        lines[j] = ""
    else:
        lines[j] = bad
    data = ("\n".join(lines) + "\n").encode()
    cases.append(f"ci baseline --predictions {write(f'pred{i}.txt', data)} --labels {W}/seed.idx "
                 f"--state {W}/state_pred{i} --commit c0")

# --- codec streams: `tern codec decode` -------------------------------------
enc = read("seed.enc")
for i, cut in enumerate(truncations(enc, 40)):
    cases.append(f"codec decode --codec 3lc --in {write(f'enc_trunc{i}.bin', enc[:cut])} --out {out_dir}/dec{i}.f32")
(n,) = struct.unpack("<Q", enc[:8])
for i in range(40):
    wrong = n + rng.choice([-1, 1]) * rng.randrange(1, n)
    data = struct.pack("<Q", wrong) + enc[8:]
    cases.append(f"codec decode --codec 3lc --in {write(f'enc_count{i}.bin', data)} --out {out_dir}/decc{i}.f32")

# --- CSV: `tern dv stats` -------------------------------------------------------
csv = read("seed.csv").decode().splitlines()
for i in range(60):
    lines = list(csv)
    j = rng.randrange(1, len(lines))
    if i % 2:
        lines[j] = lines[j] + ",extra"          # a ragged row
    else:
        lines[j] = '"' + lines[j]               # an unterminated quote
    path = write(f"csv{i}.csv", ("\n".join(lines) + "\n").encode())
    cases.append(f"dv stats {path}")

# --- schemas: `tern dv validate --schema` ----------------------------------------
schema = read("seed.pbtxt").decode()
for i in range(60):
    at = rng.randrange(0, len(schema))
    mutated = schema[:at] + rng.choice(["{", "}", " feature {", "\""]) + schema[at:]
    cases.append(f"dv validate {W}/seed.csv --schema {write(f'schema{i}.pbtxt', mutated.encode())}")

# --- statistics JSON: `tern dv validate STATS.json` ------------------------------
stats = read("seed.json")
body = stats.rstrip()
for i in range(60):
    cut = rng.randrange(1, len(body) - 1)
    cases.append(f"dv validate {write(f'stats{i}.json', body[:cut])} --schema {W}/seed.pbtxt")

# --- CI configs: `tern ci samples --config` --------------------------------------
base = ["condition: n - o > 0.02 +/- 0.01", "reliability: 0.999", "mode: fp-free", "adaptivity: full", "steps: 32"]
bad_lines = ["reliability: 1.5", "reliability: nan", "reliability: -0.1", "steps: 0", "steps: 2.5", "steps: 1e9",
             "mode: both", "adaptivity: sometimes", "condition: n > 2 +/- 0.01", "condition: n - o > 0.02",
             "d_bound: -1", "d_bound: nan", "timeout: 0", "surprise: 1", "steps: [1, 2]", "condition: {a: 1}",
             "---\nsteps: 3", "reliability: 0.9\nreliability: 0.8", "\tsteps: 3", "ml: 3"]
for i in range(60):
    lines = list(base)
    bad = bad_lines[i % len(bad_lines)]
    key = bad.split(":")[0].strip()
    lines = [l for l in lines if l.split(":")[0] != key] if key in ("reliability", "steps", "mode", "adaptivity", "condition") and "\n" not in bad else lines
    lines.insert(rng.randrange(len(lines) + 1), bad)
    path = write(f"ci{i}.yml", ("\n".join(lines) + "\n").encode())
    cases.append(f"ci samples --config {path}")

# --- `tern train --data`: CSV tables, PNG image folders, CIFAR batches ---------
# Seeds made here (stdlib only): each mutation below can never be valid.
def png(width, height, pixels):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(pixels[y * width:(y + 1) * width]) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


train = "train --model mlp --epochs 1 --threads 1 --data"
rows = ["f1,f2,species"] + [f"{rng.random():.3f},{rng.random():.3f},{'ab'[i % 2]}" for i in range(40)]
csv_junk = ["x", "1e999", "nan", "-inf", "\x1b[31m1", "0x1f", "1,2", '"3', "", "1 2"]
for i in range(30):  # a feature field that is not a finite number, or a row with too many / few fields
    lines = list(rows)
    j = rng.randrange(1, len(lines))
    f = lines[j].split(",")
    f[rng.randrange(2)] = csv_junk[i % len(csv_junk)]
    lines[j] = ",".join(f)
    text = "\n".join(lines) + "\n"
    cases.append(f"{train} csv:{write(f'data{i}.csv', text.encode())},label=species")
good_png = png(8, 8, [rng.randrange(256) for _ in range(64)])
for i in range(20):  # an image folder with one PNG cut before its end chunk
    d = os.path.join(out_dir, f"images{i}")
    for cls in ("a", "b"):
        os.makedirs(os.path.join(d, cls), exist_ok=True)
    with open(os.path.join(d, "a", "0.png"), "wb") as f:
        f.write(good_png)
    with open(os.path.join(d, "b", "0.png"), "wb") as f:
        f.write(good_png[:rng.randrange(0, len(good_png) - 12)])
    cases.append(f"{train} images:{d},size=8,gray,holdout=0.5")
record = bytes([3]) + bytes(rng.randrange(256) for _ in range(3072))
for i in range(20):  # CIFAR-10 batches, one with a truncated record or a label above 9
    d = os.path.join(out_dir, f"cifar{i}")
    os.makedirs(d, exist_ok=True)
    for b in ["data_batch_%d.bin" % k for k in range(1, 6)] + ["test_batch.bin"]:
        with open(os.path.join(d, b), "wb") as f:
            f.write(record * 2)
    bad = record * 2
    bad = bad[:rng.randrange(1, len(bad) - 1)] if i % 2 == 0 else bytes([10 + rng.randrange(246)]) + bad[1:]
    with open(os.path.join(d, "data_batch_%d.bin" % (1 + i % 5)), "wb") as f:
        f.write(bad)
    cases.append(f"{train} cifar10:{d}")

print("\n".join(cases))
