#!/usr/bin/env bash
# Side-by-side training throughput, Tern vs PyTorch (Debian python3-torch),
# same model, batch, threads and synthetic data, interleaved A B A B.
# Prints the median samples/s of each and the ratio Tern / PyTorch.
#   bench/train_vs_pytorch.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
build=${1:-build}
rounds=${2:-5}
tern=$build/tools/tern/tern
py=/usr/bin/python3
here=$(dirname "$0")
$py -c 'import torch' 2>/dev/null || { echo "python3-torch is not installed (TERN_BENCH_PEERS=1 scripts/bootstrap.sh)"; exit 2; }

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { $py -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }

printf "%-9s %5s %7s %14s %14s %8s\n" model batch threads tern_samp/s torch_samp/s ratio
for cfg in "mlp 32" "lenet5 128" "resnet20 128"; do
  set -- $cfg
  model=$1 batch=$2
  steps=$([ "$model" = resnet20 ] && echo 6 || echo 40)
  for threads in 1 2; do
    t=() p=()
    for r in $(seq "$rounds"); do
      t+=("$(OMP_NUM_THREADS=$threads $tern bench train --model "$model" --batch-size "$batch" --steps "$steps" --threads "$threads" --json | field samples_per_second)")
      p+=("$(OMP_NUM_THREADS=$threads $py "$here/pytorch_train.py" --model "$model" --batch-size "$batch" --steps "$steps" --threads "$threads" | field samples_per_second)")
    done
    tm=$(printf '%s\n' "${t[@]}" | median)
    pm=$(printf '%s\n' "${p[@]}" | median)
    printf "%-9s %5s %7s %14.0f %14.0f %8.2f\n" "$model" "$batch" "$threads" "$tm" "$pm" "$(echo "$tm / $pm" | bc -l)"
  done
done
