#!/usr/bin/env bash
# `tern train --dist ps` with P3's schedule against the rounds (fifo), on the
# real trainer: the step time of each setting, interleaved ROUNDS times,
# medians, and the time the forward pass stalled per layer with p3.
#
#   bench/ps_send_schedule.sh [TERN_BINARY]
#
# Environment (defaults in brackets):
#   MODEL     zoo model [lenet5]
#   NP        ranks [6]        SERVERS  server ranks [2]
#   SETTINGS  space-separated SCHEDULE/SLICE[/WINDOW], SLICE a --slice-elems
#             value or "whole", WINDOW p3's --send-window [fifo/whole fifo/40000 p3/40000]
#   RATE      empty: shared memory; else every rank behind its own link of
#             this rate (scripts/netem.sh --rate, e.g. 100mbit, 1gbit) []
#   ROUNDS    interleaved rounds [3]
#   SIZE      synthetic training examples per run [3200]
#   BATCH     global batch [64]
# The first setting is the baseline of the ratios. Run it under
# `flock -x /work/.cpu.lock` on an otherwise idle machine.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tern=$(realpath "${1:-$here/build/tools/tern/tern}")
model=${MODEL:-lenet5}
np=${NP:-6}
servers=${SERVERS:-2}
read -r -a settings <<< "${SETTINGS:-fifo/whole fifo/40000 p3/40000}"
rate=${RATE:-}
rounds=${ROUNDS:-3}
size=${SIZE:-3200}
batch=${BATCH:-64}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [[ -n $rate ]]; then
  launch=("$here/scripts/netem.sh" --rate "$rate" -np "$np" --)
else
  launch=(mpirun --allow-run-as-root --oversubscribe --bind-to none --mca mpi_yield_when_idle 1 -np "$np")
fi
for ((r = 1; r <= rounds; ++r)); do
  for s in "${settings[@]}"; do
    IFS=/ read -r schedule slice window <<< "$s"
    flags=(--send-schedule "$schedule")
    [[ $slice != whole ]] && flags+=(--slice-elems "$slice")
    [[ -n $window ]] && flags+=(--send-window "$window")
    "${launch[@]}" "$tern" train --dist ps --servers "$servers" "${flags[@]}" --model "$model" \
      --dataset synthetic --synthetic-size "$size" --batch-size "$batch" --epochs 1 --threads 1 --json \
      > "$out/${s//\//_}.$r.json" 2> "$out/err"
  done
done
python3 - "$out" "$rounds" "${rate:-shared memory}" "${settings[@]}" <<'PY'
import json, statistics, sys
out, rounds, rate, settings = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
base = None
print(f"links: {rate}")
print("| schedule | --slice-elems | --send-window | step ms (median) | vs first | forward stalled per step, ms (largest layers) |")
print("|---|---|---|---|---|---|")
for s in settings:
    runs = [json.load(open(f"{out}/{s.replace('/', '_')}.{r}.json")) for r in range(1, rounds + 1)]
    step = statistics.median(r["history"][0]["step_ms"] for r in runs)
    base = base or step
    waits = runs[0].get("layer_wait_s")
    stall = "-"
    if waits:
        steps = runs[0]["steps"]
        top = sorted(waits.items(), key=lambda kv: -kv[1])[:3]
        stall = f"{sum(waits.values()) / steps * 1e3:.2f} (" + ", ".join(f"{k} {v / steps * 1e3:.2f}" for k, v in top) + ")"
    schedule, slice_, *window = s.split("/")
    window = window[0] if window else (str(runs[0]["send_window"]) if "send_window" in runs[0] else "-")
    print(f"| {schedule} | {slice_} | {window} | {step:.2f} | {step / base:.3f} | {stall} |")
PY
