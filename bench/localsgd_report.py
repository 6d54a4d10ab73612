#!/usr/bin/python3
"""Table and plot for bench/localsgd_netem.sh: reads OUT/<config>_r<round>.{json,csv}
(the --json report and the --history-out log of `tern train --dist localsgd|adacomm`).

Training loss at a time = the mean minibatch loss over the last WINDOW local
steps (weighted by each sync's steps; the log has one loss per sync).
Target = synchronous SGD's loss so computed at its end (median over rounds);
time to target = the first sync at which a run's smoothed loss is at or below
it. Prints a Markdown table of medians over rounds and writes a PNG of loss vs
wall-clock time (round 1, or --round). Needs python3-matplotlib (Debian).

Usage: bench/localsgd_report.py OUT [--png F.png] [--window 300] [--round 1]
"""
import argparse
import csv
import glob
import json
import os
import statistics

ORDER = ["sync", "tau5", "tau20", "tau100", "adacomm"]
LABEL = {"sync": "sync SGD (tau 1)", "tau5": "local SGD tau 5", "tau20": "local SGD tau 20",
         "tau100": "local SGD tau 100", "adacomm": "AdaComm"}


def read_csv(path):
    rows = list(csv.DictReader(open(path)))
    return [{k: float(v) for k, v in r.items()} for r in rows]


def smoothed(rows, window):
    """(seconds, loss over the last `window` steps) at every sync."""
    out, buf = [], []
    for r in rows:
        buf.append((r["steps"], r["loss"]))
        steps = 0
        total = 0.0
        for s, l in reversed(buf):
            take = min(s, window - steps)
            total += take * l
            steps += take
            if steps >= window:
                break
        out.append((r["seconds"], total / max(steps, 1)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--png", default=None)
    ap.add_argument("--window", type=int, default=300)
    ap.add_argument("--round", type=int, default=1)
    a = ap.parse_args()
    runs = {}
    for j in sorted(glob.glob(os.path.join(a.out, "*_r*.json"))):
        name, rnd = os.path.basename(j)[:-5].rsplit("_r", 1)
        rep = json.load(open(j))
        rows = read_csv(j[:-5] + ".csv")
        runs.setdefault(name, {})[int(rnd)] = (rep, rows, smoothed(rows, a.window))
    target = statistics.median(s[-1][1] for _, _, s in runs["sync"].values())
    print(f"target: synchronous SGD's final training loss {target:.4f} (last {a.window} steps, median of "
          f"{len(runs['sync'])} rounds)\n")
    print("| run | rounds | train time (s) | final loss | time to target (s) | speed-up vs sync | test accuracy | "
          "rank 0 sent (MB) | syncs | tau sequence (round 1) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    sync_ttt = None
    for name in ORDER:
        if name not in runs:
            continue
        rs = runs[name]
        total = statistics.median(rep["localsgd"]["train_seconds"] for rep, _, _ in rs.values())
        final = statistics.median(s[-1][1] for _, _, s in rs.values())
        ttts = []
        for _, _, s in rs.values():
            hit = [t for t, l in s if l <= target]
            ttts.append(hit[0] if hit else float("inf"))
        ttt = statistics.median(ttts)
        if name == "sync":
            sync_ttt = ttt
        reached = sum(t != float("inf") for t in ttts)
        acc = statistics.median(100 * rep["test_accuracy"] for rep, _, _ in rs.values())
        sent = statistics.median(rep["traffic"][0]["bytes_sent"] / 1e6 for rep, _, _ in rs.values())
        syncs = statistics.median(rep["localsgd"]["syncs_count"] for rep, _, _ in rs.values())
        first = rs[min(rs)][0]["localsgd"]
        taus = first["tau_sequence"]
        tau_text = " ".join(map(str, taus[:14])) + (" ..." if len(taus) > 14 else "")
        if name == "adacomm":
            tau_text = f"tau0 {first['tau0']} (measured): " + tau_text
        ttt_text = f"{ttt:.1f}" if ttt != float("inf") else "not reached"
        if reached < len(ttts):
            ttt_text += f" ({reached}/{len(ttts)} reached)"
        speed = f"{sync_ttt / ttt:.2f}x" if ttt not in (0, float("inf")) and sync_ttt else "-"
        print(f"| {LABEL[name]} | {len(rs)} | {total:.1f} | {final:.4f} | {ttt_text} | {speed} | {acc:.2f}% | "
              f"{sent:.1f} | {syncs:.0f} | {tau_text} |")
    if a.png:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(8, 5))
        for name in ORDER:
            if name in runs and a.round in runs[name]:
                s = runs[name][a.round][2]
                ax.plot([t for t, _ in s], [l for _, l in s], label=LABEL[name], lw=1.4)
        ax.axhline(target, color="grey", ls="--", lw=0.8, label=f"sync SGD final loss {target:.3f}")
        ax.set_xlabel("training wall-clock time (s)")
        ax.set_ylabel(f"training loss (last {a.window} steps)")
        ax.set_ylim(bottom=max(0.0, target * 0.6), top=1.2)
        ax.set_title(f"LeNet-5, Fashion-MNIST, 4 ranks under a shaped link (round {a.round})")
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        tmp = a.png + ".tmp.png"
        fig.savefig(tmp, dpi=110)
        os.replace(tmp, a.png)
        print(f"\nwrote {a.png}")


if __name__ == "__main__":
    main()
