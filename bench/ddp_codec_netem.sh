#!/usr/bin/env bash
# Data-parallel step time by gradient codec (fp32, fp16, PowerSGD rank 4),
# 2 ranks whose links are shaped to RATE (default 100mbit) by
# scripts/netem.sh (MPI over TCP), overlapped ring all-reduce, synthetic
# 28x28 data, one epoch per run. Rounds are interleaved; prints one line per
# run, then per model the median step time and each codec's speed-up over
# fp32 (ratio of medians, measured side by side in the same rounds).
# Usage: bench/ddp_codec_netem.sh [TERN_BINARY] [RATE] [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tern=${1:-$here/build/tools/tern/tern}
rate=${2:-100mbit}
rounds=${3:-3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

run() {  # model bucket_kb synthetic_size batch codec [codec-arg]
  local extra=()
  [[ $# -ge 6 ]] && extra=(--codec-arg "$6")
  "$here/scripts/netem.sh" --rate "$rate" -np 2 -- "$tern" train --dist allreduce --model "$1" --bucket-kb "$2" \
    --dataset synthetic --synthetic-size "$3" --batch-size "$4" --epochs 1 --threads 1 --codec "$5" "${extra[@]}" \
    --json 2> /dev/null | python3 -c '
import json, sys
j = json.loads(sys.stdin.read().strip().splitlines()[-1])
step_ms = 1000 * j["history"][0]["seconds"] / j["steps"]
mb = j["traffic"][0]["bytes_sent"] / 1e6
print(sys.argv[1], sys.argv[2], "step_ms", round(step_ms, 2), "rank0_sent_MB", round(mb, 2))' "$1" "$5" | tee -a "$out"
}

for _ in $(seq "$rounds"); do
  for model in "lenet5 64 8192 64" "resnet20 256 2048 64"; do
    read -r -a m <<< "$model"
    run "${m[@]}" none
    run "${m[@]}" fp16
    run "${m[@]}" powersgd rank=4
  done
done
echo "medians over $rounds rounds at $rate:"
python3 - "$out" <<'PY'
import statistics, sys, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    m, codec, _, step, _, mb = line.split()
    rows[(m, codec)].append((float(step), float(mb)))
for m in sorted({m for m, _ in rows}):
    base = statistics.median(s for s, _ in rows[(m, "none")])
    for codec in ("none", "fp16", "powersgd"):
        v = rows[(m, codec)]
        step = statistics.median(s for s, _ in v)
        print(f"{m:9s} {codec:9s} step {step:8.2f} ms  rank 0 sent {statistics.median(b for _, b in v):8.2f} MB  "
              f"speed-up over fp32 {base / step:5.2f}x")
PY
