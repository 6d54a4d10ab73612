#!/usr/bin/env bash
# The issue's measured check: a 4 KB all-reduce on 4 ranks as 2 x 2 with
# 50 us added (software link emulation) between the two groups, flat ring vs
# BlueConnect, runs interleaved ring, bc, ring, bc ... Prints each pair and
# the ratio of the medians over the runs (per-run statistic: the median
# iteration, and the fastest iteration).
#   bench/blueconnect_ab.sh [BUILD_DIR] [PAIRS] [SIZE] [SHAPING]
set -euo pipefail
build=${1:-build}
pairs=${2:-7}
size=${3:-4K}
shaping=${4:-inter_delay_us=50}
tern=$build/tools/tern/tern
[ -x "$tern" ] || { echo "no $tern: build first"; exit 2; }
mpirun=(mpirun --allow-run-as-root --oversubscribe --bind-to none --mca mpi_yield_when_idle 1
        --mca btl self,vader --mca btl_vader_single_copy_mechanism none)
out=$(mktemp)
for _ in $(seq "$pairs"); do
  for algo in "--algo ring" "--algo blueconnect --factors 2x2"; do
    # shellcheck disable=SC2086
    "${mpirun[@]}" -np 4 "$tern" bench allreduce $algo --size "$size" --iters 300 \
        --emulate "groups=2x2,$shaping" --json >> "$out"
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
for stat in ["median_s", "min_s"]:
    ring = [r[stat] for r in runs if r["algo"] == "ring"]
    bc = [r[stat] for r in runs if r["algo"] != "ring"]
    print(f"{stat}: ring {[round(x * 1e6) for x in ring]} us, blueconnect 2x2 {[round(x * 1e6) for x in bc]} us")
    print(f"{stat}: ring / blueconnect = {statistics.median(ring) / statistics.median(bc):.2f} "
          f"(pairs: {[round(a / b, 2) for a, b in zip(ring, bc)]})")
PY
rm -f "$out"
