#!/usr/bin/env bash
# Final test accuracy and traffic of parameter-server training with lossy
# codecs (4 workers + 1 server), unshaped shared-memory transport,
# one run per codec setting, the same recipe for every setting. Prints one
# markdown table: accuracy per epoch, the gap to fp32, worker 0's bytes and
# the traffic reduction against the fp32 run of the same table.
#
#   bench/ps_accuracy.sh [TERN_BINARY] [OUTDIR]
#
# Environment (defaults in brackets):
#   MODEL    lenet5 or resnet20 [lenet5]
#   EPOCHS   epochs of the recipe [10]
#   LR       learning rate [lenet5: 0.05, resnet20: 0.1]
#   WARMUP   linear warm-up epochs [0]
#   SEED     initialisation and shuffling seed [1]
#   RUNS     space-separated labels from the list below [fp32 3lc-s1.0 3lc-s1.9]
# Labels: fp32, 3lc-s1.0, 3lc-s1.9 (both directions), 3lc-s1.9-push (pulls in
# fp32), 3lc-s1.9-mc (plus DGC momentum correction), 3lc-s1.9-push-mc.
# The recipes are the README's: LeNet-5 SGD momentum 0.9, cosine, global batch
# 64; ResNet-20 the same plus weight decay 5e-4, global batch 128.
# A run that fails (a diverged model stops the encoder with a NaN error) is
# shown with its last error line. JSON files are kept in OUTDIR and reused, so
# an interrupted table can be completed (delete them to measure again).
# Wall time on the 2-core machine: LeNet-5 ~10 s per epoch compressed and
# ~15 s per epoch in fp32; ResNet-20 ~60 s per epoch.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tern=$(realpath "${1:-$here/build/tools/tern/tern}")
out=${2:-/tmp/ps_accuracy}
model=${MODEL:-lenet5}
epochs=${EPOCHS:-10}
warmup=${WARMUP:-0}
seed=${SEED:-1}
runs=${RUNS:-"fp32 3lc-s1.0 3lc-s1.9"}
mkdir -p "$out"

case "$model" in
  lenet5) lr=${LR:-0.05}; recipe=(--batch-size 64) ;;
  resnet20) lr=${LR:-0.1}; recipe=(--batch-size 128 --weight-decay 5e-4) ;;
  *) echo "ps_accuracy.sh: MODEL must be lenet5 or resnet20, got '$model'" >&2; exit 2 ;;
esac
recipe+=(--model "$model" --epochs "$epochs" --optimizer sgd --lr "$lr" --momentum 0.9 --schedule cosine
         --warmup-epochs "$warmup" --threads 1 --seed "$seed" --json)

declare -A flags=(
  [fp32]="--codec none"
  [3lc-s1.0]="--codec 3lc --codec-arg s=1.0"
  [3lc-s1.9]="--codec 3lc --codec-arg s=1.9"
  [3lc-s1.9-push]="--codec 3lc --codec-arg s=1.9 --pull-codec none"
  [3lc-s1.9-mc]="--codec 3lc --codec-arg s=1.9 --momentum-correction"
  [3lc-s1.9-push-mc]="--codec 3lc --codec-arg s=1.9 --pull-codec none --momentum-correction")
# shellcheck disable=SC2054  # "self,vader" is one argument
mpi=(mpirun --allow-run-as-root --oversubscribe --bind-to none --mca mpi_yield_when_idle 1 --mca btl self,vader
     --mca btl_vader_single_copy_mechanism none -np 5)

tag="${model}_e${epochs}_lr${lr}_w${warmup}_seed${seed}"
for label in $runs; do
  [[ -v "flags[$label]" ]] || { echo "ps_accuracy.sh: unknown label '$label'" >&2; exit 2; }
  f="$out/${tag}_${label}"
  [[ -s "$f.json" ]] && continue
  echo "$(date -u +%H:%M:%S) $tag $label" >&2
  # shellcheck disable=SC2086  # flags[] holds several words on purpose
  "${mpi[@]}" "$tern" train --dist ps --servers 1 ${flags[$label]} "${recipe[@]}" > "$f.json" 2> "$f.err" ||
    true
done

# shellcheck disable=SC2086  # one argument per label
python3 - "$out" "$tag" $runs <<'EOF'
import json, os, sys
out, tag, labels = sys.argv[1], sys.argv[2], sys.argv[3:]
def load(label):
    path = os.path.join(out, f"{tag}_{label}")
    try:
        return json.load(open(path + ".json")), None
    except (OSError, ValueError):
        err = [l for l in open(path + ".err", errors="replace") if "error" in l.lower()]
        return None, (err[-1].strip() if err else "no output")
base, _ = load("fp32") if "fp32" in labels else (None, None)
print(f"{tag}: accuracy per epoch (%), gap to fp32, worker 0 sent / received")
print("| run | test accuracy per epoch | last | vs fp32 | worker 0 sent / received | traffic vs fp32 |")
print("|---|---|---|---|---|---|")
for label in labels:
    d, err = load(label)
    if d is None:
        print(f"| {label} | failed: {err} | | | | |")
        continue
    acc = [h["test_accuracy"] * 100 for h in d["history"]]
    w0 = next(t for t in d["traffic"] if t["role"] == "worker")
    sent, recv = w0["bytes_sent"] / 1e6, w0["bytes_received"] / 1e6
    gap = ratio = ""
    if base:
        gap = f"{acc[-1] - base['test_accuracy'] * 100:+.2f}"
        b0 = next(t for t in base["traffic"] if t["role"] == "worker")
        ratio = f"{b0['bytes_sent'] / w0['bytes_sent']:.0f}x / {b0['bytes_received'] / w0['bytes_received']:.0f}x less"
    print(f"| {label} | {' / '.join(f'{a:.2f}' for a in acc)} | {acc[-1]:.2f} | {gap} | "
          f"{sent:.1f} MB / {recv:.1f} MB | {ratio} |")
EOF
