#!/usr/bin/env bash
# The loader's cost to a training loop: LeNet-5, one epoch, on Fashion-MNIST
# through `--data idx:` and on a generated PNG folder through `--data images:`,
# with 1 and 2 loader workers, with and without augmentation. Prints the
# loader wait per step as a share of the step (the goal: under 10%).
#   bench/loader_wait.sh [BUILD_DIR]      (run under flock -x /work/.cpu.lock)
set -euo pipefail
B=${1:-build}
TERN=$B/tools/tern/tern
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
python3 "$(dirname "$0")/../tern/train/data_e2e/make_data.py" images "$T/shapes" 1000
echo "data | workers | augment | step ms | loader wait ms | wait / step"
for spec in idx:/usr/share/datasets/fashion-mnist "images:$T/shapes,size=28,gray"; do
  for aug in "" --augment; do
    for w in 1 2; do
      "$TERN" train --model lenet5 --data "$spec" --epochs 1 --batch-size 64 --threads 1 --loader-workers $w $aug \
        --json > "$T/r.json"
      python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
print(f\"{sys.argv[2].split(':')[0]} | {j['loader_workers']} | {'yes' if sys.argv[3] else 'no'} | {j['step_ms']:.2f} | \"
      f\"{j['loader_wait_ms']:.4f} | {100 * j['loader_wait_ms'] / j['step_ms']:.3f}%\")" "$T/r.json" "$spec" "$aug"
    done
  done
done
