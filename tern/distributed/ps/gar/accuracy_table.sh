#!/usr/bin/env bash
# Accuracy of every aggregation rule under every attack: Fashion-MNIST,
# LeNet-5, 11 workers (the last 2 attackers) + 1 server, on a subset of the
# training set (DATA_DIR holds IDX files with the first examples only; the
# test set is the full 10,000). Prints one markdown row per rule.
# Usage: accuracy_table.sh TERN DATA_DIR EPOCHS [RULES...]
set -uo pipefail
tern=$1 data=$2 epochs=$3
shift 3
rules=("$@")
[ ${#rules[@]} -eq 0 ] && rules=(mean median trimmed-mean krum multi-krum bulyan cclip nnm-cclip)
attacks=(none nan signflip alie ipm)
mpirun=(mpirun --allow-run-as-root --oversubscribe --bind-to none --mca mpi_yield_when_idle 1)
base=(--dist ps --servers 1 --data-dir "$data" --model lenet5 --epochs "$epochs" --batch-size 110 --optimizer sgd
      --lr 0.05 --momentum 0.9 --threads 1 --seed 1 --json)
header="| rule |"
sep="|---|"
for attack in "${attacks[@]}"; do header+=" $attack |"; sep+="---|"; done
echo "$header"
echo "$sep"
for rule in "${rules[@]}"; do
  row="| $rule |"
  for attack in "${attacks[@]}"; do
    extra=(--aggregation "$rule" --byzantine-f 2)
    [ "$attack" != none ] && extra+=(--byzantine 2 --attack "$attack")
    out=$("${mpirun[@]}" -np 12 "$tern" train "${base[@]}" "${extra[@]}" 2>&1)
    if acc=$(echo "$out" | tail -1 | python3 -c 'import json,sys; print("%.2f" % (100 * json.load(sys.stdin)["test_accuracy"]))' 2>/dev/null); then
      row+=" $acc |"
    elif echo "$out" | grep -q "training diverged"; then
      row+=" diverged |"
    else
      row+=" error |"
      echo "$rule $attack: $(echo "$out" | grep error | head -1)" >&2
    fi
  done
  echo "$row"
done
