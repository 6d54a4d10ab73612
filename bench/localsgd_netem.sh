#!/usr/bin/env bash
# Local SGD and AdaComm against synchronous SGD under a shaped link: 4 ranks,
# each behind its own veth shaped to RATE (scripts/netem.sh, MPI over TCP),
# LeNet-5 on Fashion-MNIST, global batch 64, SGD lr 0.05 momentum 0.9, constant
# rate, --threads 1. Synchronous SGD runs SYNC_EPOCHS epochs, the others
# EPOCHS (more: they are meant to reach sync's final loss sooner in
# wall-clock time, by taking cheaper steps). Configurations: synchronous SGD
# (--dist localsgd --tau 1, which is --dist allreduce bit for bit), fixed tau
# 5, 20, 100, and AdaComm (tau0 measured, decisions every INTERVAL s).
# Rounds are interleaved (each round runs every configuration once, seed =
# round); each run holds the machine alone (flock -x /work/.cpu.lock when
# that file exists). Writes OUT/<config>_r<round>.{json,csv}; then
# bench/localsgd_report.py OUT renders the table and the PNG.
# Usage: bench/localsgd_netem.sh OUT [TERN_BINARY] [RATE] [ROUNDS] [SYNC_EPOCHS] [EPOCHS] [INTERVAL]
# FIRST_ROUND=K starts at round K (to add rounds to an earlier OUT).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: bench/localsgd_netem.sh OUT [TERN_BINARY] [RATE] [ROUNDS] [SYNC_EPOCHS] [EPOCHS] [INTERVAL]}
tern=${2:-$here/build/tools/tern/tern}
[[ -n $tern ]] || tern=$here/build/tools/tern/tern
rate=${3:-75mbit}
rounds=${4:-3}
sync_epochs=${5:-2}
epochs=${6:-6}
interval=${7:-5}
mkdir -p "$out"
lock=()
[[ -e /work/.cpu.lock ]] && lock=(flock -x /work/.cpu.lock)

configs=("sync:--dist localsgd --tau 1" "tau5:--dist localsgd --tau 5" "tau20:--dist localsgd --tau 20"
         "tau100:--dist localsgd --tau 100" "adacomm:--dist adacomm --adacomm-interval $interval")
echo "rate $rate, $rounds rounds, sync $sync_epochs epochs, others $epochs, adacomm interval $interval s" > "$out/setup.txt"
for round in $(seq "${FIRST_ROUND:-1}" "$rounds"); do
  for c in "${configs[@]}"; do
    name=${c%%:*}
    read -r -a flags <<< "${c#*:}"
    e=$epochs
    [[ $name == sync ]] && e=$sync_epochs
    "${lock[@]}" "$here/scripts/netem.sh" --rate "$rate" -np 4 -- "$tern" train --model lenet5 --epochs "$e" \
      --batch-size 64 --optimizer sgd --lr 0.05 --momentum 0.9 --threads 1 --seed "$round" "${flags[@]}" \
      --history-out "$out/${name}_r$round.csv" --json > "$out/${name}_r$round.json" 2> "$out/${name}_r$round.err"
    python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); l=j["localsgd"]; print(sys.argv[2], "round", sys.argv[3], "train", round(l["train_seconds"],1), "s, acc", j["test_accuracy"], "taus", l["tau_sequence"][:10])' \
      "$out/${name}_r$round.json" "$name" "$round"
  done
done
