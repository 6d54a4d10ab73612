#!/usr/bin/env bash
# Dropback's accuracy against its budget on convolutional nets: ResNet-20
# and DenseNet-BC-40 on Fashion-MNIST, dense (1x) and 5x, 10x, 20x fewer
# tracked weights, one seed, SGD with momentum and a cosine schedule. Prints
# one markdown row per run: test accuracy, k, selection share of the
# training time, the sparse checkpoint against the dense one.
#   [THREADS=2] bench/dropback_budget.sh build/tools/tern/tern [EPOCHS] [MODELS...]
# Long (minutes per epoch for DenseNet on 2 cores): run it under the shared lock,
#   flock -s /work/.cpu.lock bench/dropback_budget.sh build/tools/tern/tern 2 resnet20 densenet
set -euo pipefail
tern=${1:?path to the tern binary}
epochs=${2:-2}
shift $(( $# >= 2 ? 2 : $# ))
models=("$@")
[[ ${#models[@]} -gt 0 ]] || models=(resnet20 densenet)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "| model | budget | k | test accuracy | selection share | checkpoint / dense | seconds |"
echo "|---|---|---|---|---|---|---|"
for model in "${models[@]}"; do
  for ratio in 1 5 10 20; do
    extra=()
    [[ $ratio == 1 ]] || extra=(--dropback-ratio "$ratio" --checkpoint "$dir/ck.safetensors")
    start=$(date +%s)
    out=$("$tern" train --model "$model" --epochs "$epochs" --batch-size 64 --optimizer sgd --lr 0.05 --momentum 0.9 \
          --schedule cosine --threads "${THREADS:-2}" --json "${extra[@]}")
    secs=$(( $(date +%s) - start ))
    python3 - "$model" "$ratio" "$secs" "$out" <<'PY'
import json, sys
model, ratio, secs, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
d = out.get("dropback")
k = f"{d['k']:,} of {d['total']:,}" if d else "all"
share = f"{100 * d['select_share']:.1f}%" if d else "-"
ck = f"{d['checkpoint_bytes'] / d['dense_checkpoint_bytes']:.3f}" if d and d["dense_checkpoint_bytes"] else "-"
print(f"| {model} | {ratio}x | {k} | {100 * out['test_accuracy']:.2f}% | {share} | {ck} | {secs} |")
PY
  done
done
