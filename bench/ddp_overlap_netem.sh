#!/usr/bin/env bash
# Data-parallel step time with and without overlapping the gradient
# all-reduce with backward, 2 ranks whose links are shaped to RATE (default
# 1gbit) by scripts/netem.sh (MPI over TCP). Same buckets both ways; only
# --no-overlap differs. Rounds are interleaved; prints one line per run and
# the medians.
# Usage: bench/ddp_overlap_netem.sh [TERN_BINARY] [RATE] [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tern=${1:-$here/build/tools/tern/tern}
rate=${2:-1gbit}
rounds=${3:-3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

run() {  # model bucket_kb synthetic_size batch mode
  local extra=()
  [[ $5 == no-overlap ]] && extra=(--no-overlap)
  "$here/scripts/netem.sh" --rate "$rate" -np 2 -- "$tern" train --dist allreduce --model "$1" --bucket-kb "$2" \
    --dataset synthetic --synthetic-size "$3" --batch-size "$4" --epochs 1 --threads 1 "${extra[@]}" --json \
    2> /dev/null | python3 -c '
import json, sys
j = json.loads(sys.stdin.read().strip().splitlines()[-1])
steps = j["steps"]
step_ms = 1000 * j["history"][0]["seconds"] / steps
exposed_ms = 1000 * j["exposed_comm_seconds_rank0"] / steps
print(sys.argv[1], sys.argv[2], "step_ms", round(step_ms, 2), "exposed_ms", round(exposed_ms, 2))' "$1" "$5" | tee -a "$out"
}

for _ in $(seq "$rounds"); do
  for mode in overlap no-overlap; do
    run lenet5 64 8192 64 "$mode"
    run resnet20 256 2048 64 "$mode"
  done
done
echo "medians over $rounds rounds at $rate:"
python3 - "$out" <<'PY'
import statistics, sys, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    m, mode, _, step, _, exp = line.split()
    rows[(m, mode)].append((float(step), float(exp)))
for (m, mode), v in sorted(rows.items()):
    print(f"{m:9s} {mode:10s} step {statistics.median(s for s, _ in v):7.2f} ms   "
          f"waiting after backward {statistics.median(e for _, e in v):6.2f} ms")
PY
