#!/usr/bin/env bash
# LeNet-300-100 on Fashion-MNIST: dense vs Dropback at 10x and 25x fewer
# tracked weights vs the two fixed-mask baselines at the same k (magnitude
# pruning at initialisation, random mask), several seeds. Prints one
# markdown table row per configuration (mean and each seed's accuracy).
#   [THREADS=2] [ONLY=regex] [HEADER=1] bench/dropback_fashion.sh build/tools/tern/tern [EPOCHS] [SEEDS...]
# THREADS: --threads of every run; ONLY: run the configurations whose name
# matches (grep -E). Run it under the shared CPU lock:
#   flock -s /work/.cpu.lock bench/dropback_fashion.sh ...
set -euo pipefail
tern=${1:?path to the tern binary}
epochs=${2:-10}
shift $(( $# >= 2 ? 2 : $# ))
seeds=("$@")
[[ ${#seeds[@]} -gt 0 ]] || seeds=(1 2)
common=(--model lenet300 --dataset fashion-mnist --epochs "$epochs" --batch-size 64 --optimizer sgd --lr 0.05
        --momentum 0.9 --threads "${THREADS:-2}" --json)
configs=("dense|"
         "dropback 10x|--dropback-ratio 10"
         "dropback 25x|--dropback-ratio 25"
         "dropback 10x, freeze after half|--dropback-ratio 10 --dropback-freeze $((epochs / 2))"
         "magnitude at init 10x|--dropback-ratio 10 --dropback-baseline magnitude-init"
         "magnitude at init 25x|--dropback-ratio 25 --dropback-baseline magnitude-init"
         "random mask 10x|--dropback-ratio 10 --dropback-baseline random-mask"
         "random mask 25x|--dropback-ratio 25 --dropback-baseline random-mask")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
if [[ ${HEADER:-1} == 1 ]]; then
  echo "| configuration | k | test accuracy (mean) | per seed | selection share | checkpoint / dense |"
  echo "|---|---|---|---|---|---|"
fi
for c in "${configs[@]}"; do
  name=${c%%|*}
  [[ -z ${ONLY:-} ]] || echo "$name" | grep -Eq "$ONLY" || continue
  read -r -a extra <<< "${c#*|}"
  files=()
  for s in "${seeds[@]}"; do
    f="$dir/$(echo "$name" | tr -c 'a-z0-9' _)_$s.json"
    ck=()
    [[ ${#extra[@]} -gt 0 ]] && ck=(--checkpoint "$dir/ck.safetensors")
    "$tern" train "${common[@]}" --seed "$s" "${extra[@]}" "${ck[@]}" > "$f"
    files+=("$f")
  done
  python3 - "$name" "${files[@]}" <<'PY'
import json, sys
name, runs = sys.argv[1], [json.load(open(f)) for f in sys.argv[2:]]
acc = [100 * r["test_accuracy"] for r in runs]
d = [r.get("dropback") for r in runs]
k = str(d[0]["k"]) if d[0] else "all (266,610)"
share = "%.0f%%" % (100 * sum(x["select_share"] for x in d) / len(d)) if d[0] else "-"
size = "%.3f" % (d[0]["checkpoint_bytes"] / d[0]["dense_checkpoint_bytes"]) if d[0] else "-"
print("| %s | %s | %.2f%% | %s | %s | %s |" % (name, k, sum(acc) / len(acc), ", ".join("%.2f" % a for a in acc), share, size))
PY
done
