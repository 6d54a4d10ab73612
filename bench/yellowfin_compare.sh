#!/usr/bin/env bash
# YellowFin without tuning against grid-tuned momentum SGD and Adam, all
# through `tern train` on Fashion-MNIST (batch 64, constant rate, no
# augmentation): final test accuracy and iterations to target training
# losses (the first step at which the mean minibatch loss of the last 100
# steps is at or below the target), from each run's --loss-log. Prints one
# markdown table.
#
#   bench/yellowfin_compare.sh [TERN_BINARY] [OUTDIR]
#
# Environment (defaults in brackets):
#   MODEL    [lenet5]; resnet20 works too (slow: ~10 min per epoch here)
#   EPOCHS   [3]
#   THREADS  [2]
#   SEED     initialisation and shuffling seed [1]
#   TARGETS  space-separated training losses [0.6 0.5 0.4]
#   RUNS     labels [yellowfin sgd-0.01 sgd-0.03 sgd-0.1 adam]: yellowfin is
#            --optimizer yellowfin with every default; sgd-LR is momentum
#            0.9 at that lr (the grid); adam is lr 1e-3, the default.
# Each run is taken under `flock -s /work/.cpu.lock` when that file exists.
# Results (JSON and loss logs) stay in OUTDIR and are reused: delete them to
# measure again.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tern=$(realpath "${1:-$here/build/tools/tern/tern}")
out=${2:-/tmp/yellowfin_compare}
model=${MODEL:-lenet5}
epochs=${EPOCHS:-3}
threads=${THREADS:-2}
seed=${SEED:-1}
targets=${TARGETS:-"0.6 0.5 0.4"}
runs=${RUNS:-"yellowfin sgd-0.01 sgd-0.03 sgd-0.1 adam"}
mkdir -p "$out"
lock=()
[[ -e /work/.cpu.lock ]] && lock=(flock -s /work/.cpu.lock)

for run in $runs; do
  case "$run" in
    yellowfin) args=(--optimizer yellowfin) ;;
    sgd-*) args=(--optimizer sgd --lr "${run#sgd-}" --momentum 0.9) ;;
    adam) args=(--optimizer adam --lr 1e-3) ;;
    *) echo "yellowfin_compare.sh: unknown run '$run'" >&2; exit 2 ;;
  esac
  base="$out/$model-e$epochs-s$seed-$run"
  if [[ ! -s "$base.json" ]]; then
    echo "running $run: tern train --model $model --dataset fashion-mnist --epochs $epochs --threads $threads ${args[*]}" >&2
    "${lock[@]}" "$tern" train --model "$model" --dataset fashion-mnist --epochs "$epochs" --threads "$threads" \
      --seed "$seed" --json --loss-log "$base.loss.csv" "${args[@]}" > "$base.json.tmp"
    mv "$base.json.tmp" "$base.json"
  fi
done

python3 - "$out" "$model" "$epochs" "$seed" "$targets" $runs <<'PY'
import csv, json, sys
out, model, epochs, seed = sys.argv[1:5]
targets = [float(t) for t in sys.argv[5].split()]
runs = sys.argv[6:]
def first_below(losses, target, window=100):
    s = 0.0
    for i, l in enumerate(losses):
        s += l
        if i >= window:
            s -= losses[i - window]
        if i + 1 >= window and s / window <= target:
            return i + 1
    return None
print("seed %s, %s epochs of %s" % (seed, epochs, model))
print("| run | test accuracy | final epoch loss | " + " | ".join("steps to %.2f" % t for t in targets) + " |")
print("|---|---|---|" + "---|" * len(targets))
for run in runs:
    base = "%s/%s-e%s-s%s-%s" % (out, model, epochs, seed, run)
    r = json.load(open(base + ".json"))
    losses = [float(row["loss"]) for row in csv.DictReader(open(base + ".loss.csv"))]
    acc = r.get("test_accuracy")
    last = r["history"][-1]["train_loss"]
    cells = []
    for t in targets:
        n = first_below(losses, t)
        cells.append("not reached" if n is None else str(n))
    print("| %s | %.2f%% | %.4f | %s |" % (run, 100 * acc, last, " | ".join(cells)))
PY
