#!/usr/bin/env python3
"""Helper of bench/ps_time_to_accuracy.sh (see there).

  reached LOG TARGET BATCH WORKERS   exit 0 when the progress log has an epoch at >= TARGET
  history LOG TARGET BATCH WORKERS   JSON {"history": [...], "stopped": true} from a progress log
  table OUTDIR TARGET RATES LABELS   the markdown tables
"""
import json
import os
import re
import sys

TRAIN_EXAMPLES = 60000  # Fashion-MNIST
WORKERS = 4
# "epoch 1/3 [###...] 235/235 loss 0.6543  1234 samples/s" (one per tenth of an epoch)
UPDATE = re.compile(r"^epoch (\d+)/\d+ \[[#.]*\] (\d+)/(\d+) loss \S+\s+(\d+) samples/s")
# "epoch 1/3 [###...] 235/235 loss 0.6543  test acc 81.23%" (end of an epoch)
FINISH = re.compile(r"^epoch (\d+)/\d+ \[[#.]*\] \d+/\d+ loss (\S+)\s+test acc ([\d.]+)%")


def history_from_log(path, batch, workers):
    """Per-epoch training seconds and test accuracy from rank 0's progress lines.

    Rank 0 prints samples/s = seen / seconds at the last step of an epoch, where
    seen is its whole shard; seconds = shard / (samples/s). samples/s is printed
    as an integer, so this is good to 1 / (samples/s) relative (2.5% at 40/s)."""
    shard = TRAIN_EXAMPLES // workers
    per_worker = batch // workers
    secs, hist = {}, []
    for line in open(path, errors="replace"):
        m = UPDATE.match(line)
        if m and m.group(2) == m.group(3):
            seen = min(int(m.group(2)) * per_worker, shard)
            secs[int(m.group(1))] = seen / int(m.group(4))
        m = FINISH.match(line)
        if m:
            e = int(m.group(1))
            hist.append({"epoch": e, "train_loss": float(m.group(2)), "test_accuracy": float(m.group(3)) / 100,
                         "seconds": secs.get(e)})
    return hist


def tta(hist, target):
    """(seconds to target or None, total seconds, epochs to target or None)"""
    total = 0.0
    for h in hist:
        total += h["seconds"]
        if h["test_accuracy"] >= target - 1e-12:
            return total, None, h["epoch"]
    return None, total, None


RATE_NAMES = {"none": "unshaped", "10mbit": "10 Mbit/s", "100mbit": "100 Mbit/s", "1gbit": "1 Gbit/s"}


def load(outdir, label, rate):
    base = os.path.join(outdir, f"{rate}_{label.replace('%', 'pct')}")
    if os.path.exists(base + ".failed"):
        return {"failed": open(base + ".failed").read().strip()}
    for ext in (".json", ".stopped"):
        if os.path.exists(base + ext) and os.path.getsize(base + ext) > 0:
            try:
                return json.load(open(base + ext))
            except json.JSONDecodeError:
                return None
    return None


def table(outdir, target, rates, labels):
    rates, labels = rates.split(), labels.split()
    print(f"Time to {100 * target:.0f}% test accuracy (cumulative training seconds; in brackets the epoch "
          f"that reached it):\n")
    print("| codec | " + " | ".join(RATE_NAMES.get(r, r) for r in rates) + " |")
    print("|---|" + "---:|" * len(rates))
    for label in labels:
        cells = []
        for r in rates:
            j = load(outdir, label, r)
            if not j:
                cells.append("—")
                continue
            if "failed" in j:
                cells.append("failed")
                continue
            t, total, e = tta(j["history"], target)
            cells.append(f"{t:.1f} s ({e})" if t is not None else f"> {total:.1f} s")
        print(f"| {label} | " + " | ".join(cells) + " |")

    print("\nTest accuracy per epoch (the same at every rate where marked =), traffic per worker (mean of the "
          f"{WORKERS} workers over the whole run), ratio = fp32's bytes / the codec's, and training seconds per "
          "epoch (mean of the epochs):\n")
    print("| codec | test acc % per epoch | worker sent MB | worker received MB | ratio sent / received | "
          + " | ".join(f"s/epoch {RATE_NAMES.get(r, r)}" for r in rates) + " |")
    print("|---|---|---:|---:|---:|" + "---:|" * len(rates))
    ref = None
    for label in labels:
        runs = {r: load(outdir, label, r) for r in rates}
        runs = {r: j for r, j in runs.items() if j}
        if not runs:
            continue
        failed = [j["failed"] for j in runs.values() if "failed" in j]
        if failed:
            print(f"| {label} | failed at every rate run: `{failed[0]}` | | | |" + " |" * len(rates)
                  if len(failed) == len(runs) else f"| {label} | failed at some rates: `{failed[0]}` | | | |"
                  + " |" * len(rates))
            continue
        accs = {r: " / ".join(f"{100 * h['test_accuracy']:.2f}" for h in j["history"]) for r, j in runs.items()}
        acc = next(iter(accs.values())) + (" (=)" if len(set(accs.values())) == 1 and len(accs) > 1 else "")
        if len(set(accs.values())) > 1:
            acc = "; ".join(f"{RATE_NAMES.get(r, r)}: {a}" for r, a in accs.items())
        full = [j for j in runs.values() if "traffic" in j]
        sent = recv = ratio = "stopped"
        if full:
            w = [t for t in full[0]["traffic"] if t["role"] == "worker"]
            ws = sum(t["bytes_sent"] for t in w) / len(w)
            wr = sum(t["bytes_received"] for t in w) / len(w)
            if label == "fp32":
                ref = (ws, wr)
            sent, recv = f"{ws / 1e6:.2f}", f"{wr / 1e6:.2f}"
            ratio = f"{ref[0] / ws:.1f} / {ref[1] / wr:.1f}" if ref else "?"
        secs = []
        for r in rates:
            j = runs.get(r)
            sec = [h["seconds"] for h in j["history"] if h["seconds"] is not None] if j else []
            secs.append(f"{sum(sec) / len(sec):.1f}" if sec else "—")
        print(f"| {label} | {acc} | {sent} | {recv} | {ratio} | " + " | ".join(secs) + " |")


def main():
    cmd = sys.argv[1]
    if cmd in ("reached", "history"):
        log, target, batch, workers = sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        hist = history_from_log(log, batch, workers)
        if cmd == "reached":
            sys.exit(0 if any(h["test_accuracy"] >= target - 1e-12 for h in hist) else 1)
        print(json.dumps({"history": hist, "stopped": True}))
    elif cmd == "table":
        table(sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
