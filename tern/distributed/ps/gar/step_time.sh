#!/usr/bin/env bash
# Step time of the parameter server with a robust rule against the mean:
# Fashion-MNIST LeNet-5, 11 workers + 1 server, no attackers, runs
# interleaved (mean, multi-krum, bulyan, mean, ...) ROUNDS times; the
# training seconds of the epoch (the report's history) over its steps.
# Run it alone: flock -x /work/.cpu.lock step_time.sh TERN DATA_DIR ROUNDS
set -euo pipefail
tern=$1 data=$2 rounds=$3
mpirun=(mpirun --allow-run-as-root --oversubscribe --bind-to none --mca mpi_yield_when_idle 1)
base=(--dist ps --servers 1 --data-dir "$data" --model lenet5 --epochs 1 --batch-size 110 --optimizer sgd
      --lr 0.05 --momentum 0.9 --threads 1 --seed 1 --json --byzantine-f 2)
rules=(mean multi-krum bulyan)
declare -A times
for r in $(seq "$rounds"); do
  for rule in "${rules[@]}"; do
    t=$("${mpirun[@]}" -np 12 "$tern" train "${base[@]}" --aggregation "$rule" | tail -1 |
        python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["history"][0]["seconds"] / j["steps"] * 1e3)')
    times[$rule]+="$t "
  done
done
python3 - "${times[mean]}" "${times[multi-krum]}" "${times[bulyan]}" <<'PY'
import statistics, sys
med = [statistics.median(map(float, s.split())) for s in sys.argv[1:]]
for name, m, raw in zip(["mean", "multi-krum", "bulyan"], med, sys.argv[1:]):
    print(f"{name:11s} {m:7.2f} ms/step median  (runs: {raw.strip()})  ratio to mean {m / med[0]:.3f}")
PY
