#!/usr/bin/env bash
# What P3's slicing (--slice-elems N, tern/distributed/ps/layout.h) does to a
# parameter-server job, unshaped: the share of the traffic the busiest server
# carries, and the step time against one message per whole tensor. The
# settings run interleaved, ROUNDS times each; the table shows medians.
#
#   bench/ps_slicing.sh [TERN_BINARY]
#
# Environment (defaults in brackets):
#   MODEL    zoo model [lenet5]
#   NP       ranks [6]       SERVERS  server ranks [2]
#   SLICES   space-separated --slice-elems values, "whole" for none [whole 40000 4000]
#   ROUNDS   interleaved rounds [3]
#   SIZE     synthetic training examples per run [3200]
# Run it under `flock -x /work/.cpu.lock` on an otherwise idle machine.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tern=$(realpath "${1:-$here/build/tools/tern/tern}")
model=${MODEL:-lenet5}
np=${NP:-6}
servers=${SERVERS:-2}
read -r -a slices <<< "${SLICES:-whole 40000 4000}"
rounds=${ROUNDS:-3}
size=${SIZE:-3200}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mpirun=(mpirun --allow-run-as-root --oversubscribe --bind-to none --mca mpi_yield_when_idle 1)
for ((r = 1; r <= rounds; ++r)); do
  for s in "${slices[@]}"; do
    flags=()
    [[ $s != whole ]] && flags=(--slice-elems "$s")
    "${mpirun[@]}" -np "$np" "$tern" train --dist ps --servers "$servers" "${flags[@]}" --model "$model" \
      --dataset synthetic --synthetic-size "$size" --batch-size 64 --epochs 1 --threads 1 --json \
      > "$out/$s.$r.json" 2> /dev/null
  done
done
python3 - "$out" "$servers" "$rounds" "${slices[@]}" <<'EOF'
import json, statistics, sys
out, servers, rounds, slices = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
base = None
print("| --slice-elems | busiest server's share of server traffic | step ms (median) | vs whole tensors |")
print("|---|---|---|---|")
for s in slices:
    runs = [json.load(open(f"{out}/{s}.{r}.json")) for r in range(1, rounds + 1)]
    sent = [t["bytes_sent"] for t in runs[0]["traffic"][-servers:]]
    step = statistics.median(r["history"][0]["step_ms"] for r in runs)
    base = base or step
    print(f"| {s} | {max(sent) / sum(sent):.1%} | {step:.2f} | {step / base:.3f} |")
EOF
