#!/usr/bin/env bash
# P3 at cluster scale in the cost model (`tern simulate p3`,
# tern/distributed/netsim/ps_iteration.h): iteration time of whole / fifo /
# p3 for each model, cluster size and NIC rate, as one markdown table.
# Check the model against shaped runs first (bench/p3_netem.sh,
# tern/distributed/p3/README.md).
#
#   bench/p3_projection.sh [TERN_BINARY]
#
# Environment (defaults in brackets):
#   MODELS    [resnet50 vgg19 lstm-lm]
#   CLUSTERS  space-separated WORKERSxSERVERS [8x4 32x16]
#   GBITS     NIC payload rates, Gbit/s each direction [1 10 25]
#   EXTRA     extra flags (e.g. "--tflops 15 --batch 64") []
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tern=$(realpath "${1:-$here/build/tools/tern/tern}")
read -r -a models <<< "${MODELS:-resnet50 vgg19 lstm-lm}"
read -r -a clusters <<< "${CLUSTERS:-8x4 32x16}"
read -r -a gbits <<< "${GBITS:-1 10 25}"
read -r -a extra <<< "${EXTRA:-}"
echo "| model | workers + servers | Gbit/s | compute ms | whole ms | fifo ms | p3 ms | p3 vs whole | p3 vs fifo |"
echo "|---|---|---|---|---|---|---|---|---|"
for m in "${models[@]}"; do
  for c in "${clusters[@]}"; do
    IFS=x read -r w s <<< "$c"
    for g in "${gbits[@]}"; do
      args=(simulate p3 --model "$m" --workers "$w" --servers "$s" --gbit "$g" --json "${extra[@]}")
      # Whole tensors need at least one tensor per server; else sliced schedules only.
      { "$tern" "${args[@]}" 2>/dev/null || "$tern" "${args[@]}" --schedules fifo,p3; } |
        /usr/bin/python3 -c '
import json, sys
j = json.load(sys.stdin)
t = {r["schedule"]: r["iteration_s"] * 1e3 for r in j["schedules"]}
whole = t.get("whole")
row = [j["model"], "%d + %d" % (j["workers"], j["servers"]), "%g" % j["gbit"], "%.1f" % (j["compute_s"] * 1e3),
       "%.1f" % whole if whole else "- (fewer tensors than servers)", "%.1f" % t["fifo"], "%.1f" % t["p3"],
       "%.2fx" % (whole / t["p3"]) if whole else "-", "%.2fx" % (t["fifo"] / t["p3"])]
print("| " + " | ".join(row) + " |")'
    done
  done
done
