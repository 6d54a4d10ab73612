#!/usr/bin/env python3
"""Independent reader of a `tern train --log-dir` folder (no TensorFlow):
parses the TFRecord framing, checks both masked CRC-32Cs with its own CRC,
decodes the Event protobuf wire format by hand and checks every scalar
equals the CSV value (rounded to float32). Usage: check_log_dir.py DIR [RESULT.json]"""
import csv, glob, json, struct, sys

def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    return c ^ 0xFFFFFFFF

def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF

def records(buf):
    at = 0
    while at < len(buf):
        assert len(buf) - at >= 16, f"truncated record at {at}"
        (n,) = struct.unpack_from("<Q", buf, at)
        (lc,) = struct.unpack_from("<I", buf, at + 8)
        assert lc == masked(buf[at:at + 8]), f"length CRC at {at}"
        data = buf[at + 12:at + 12 + n]
        (dc,) = struct.unpack_from("<I", buf, at + 12 + n)
        assert dc == masked(data), f"data CRC at {at}"
        yield data
        at += 16 + n

def varint(b, i):
    v = s = 0
    while True:
        x = b[i]; i += 1
        v |= (x & 0x7F) << s; s += 7
        if not x & 0x80:
            return v, i

def fields(b):
    i, out = 0, []
    while i < len(b):
        key, i = varint(b, i)
        f, wt = key >> 3, key & 7
        if wt == 0: v, i = varint(b, i)
        elif wt == 1: v = b[i:i + 8]; i += 8
        elif wt == 5: v = b[i:i + 4]; i += 4
        elif wt == 2:
            n, i = varint(b, i); v = b[i:i + n]; i += n
        else: raise ValueError(f"wire type {wt}")
        out.append((f, wt, v))
    return out

def event(b):
    e = {"step": 0, "values": []}
    for f, wt, v in fields(b):
        if f == 1: e["wall_time"] = struct.unpack("<d", v)[0]
        elif f == 2: e["step"] = v
        elif f == 3: e["file_version"] = v.decode()
        elif f == 5:
            for vf, _, vv in fields(v):
                assert vf == 1
                tag, val = None, 0.0
                for g, _, gv in fields(vv):
                    if g == 1: tag = gv.decode()
                    elif g == 2: val = struct.unpack("<f", gv)[0]
                e["values"].append((tag, val))
    return e

f32 = lambda x: struct.unpack("<f", struct.pack("<f", float(x)))[0]

def main():
    d = sys.argv[1]
    files = glob.glob(d + "/events.out.tfevents.*.tern")
    assert len(files) == 1, files
    evs = [event(r) for r in records(open(files[0], "rb").read())]
    assert evs[0].get("file_version") == "brain.Event:2", evs[0]
    got = {}
    for e in evs[1:]:
        assert e["wall_time"] > 1e9
        for tag, val in e["values"]:
            got[(tag, e["step"])] = val
    steps = list(csv.DictReader(open(d + "/steps.csv")))
    epochs = list(csv.DictReader(open(d + "/epochs.csv")))
    want = {}
    for r in steps:
        want[("train/loss", int(r["step"]))] = f32(r["loss"])
        want[("train/lr", int(r["step"]))] = f32(r["lr"])
    for r in epochs:
        for k in ("train_loss", "test_accuracy", "samples_per_second", "seconds"):
            want[("epoch/" + k, int(r["epoch"]))] = f32(r[k])
    assert got.keys() == want.keys(), (len(got), len(want))
    # The CSV holds 9 digits of the double: rounding that to float32 can differ
    # from rounding the double itself by one float32 ulp.
    bad = [k for k in want if abs(got[k] - want[k]) > 1.2e-7 * abs(want[k])]
    assert not bad, [(k, got[k], want[k]) for k in bad[:5]]
    if len(sys.argv) > 2:
        res = json.load(open(sys.argv[2]))
        assert len(epochs) == res["epochs"] and int(epochs[-1]["step"]) == res["steps"] == len(steps)
        assert abs(float(epochs[-1]["test_accuracy"]) - res["test_accuracy"]) < 1e-9
    print(f"ok: {len(evs)} events, {len(steps)} steps, {len(epochs)} epochs, CRCs verified")

main()
