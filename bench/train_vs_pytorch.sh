#!/usr/bin/env bash
# Side-by-side training throughput and peak tensor memory, Tern vs PyTorch
# (Debian python3-torch), same model, batch, threads and synthetic data,
# interleaved A B A B. Prints medians and the ratios Tern / PyTorch for wall
# time and for process CPU time (steadier when the machine is shared).
#   bench/train_vs_pytorch.sh [BUILD_DIR] [ROUNDS] [THREADS...]
set -euo pipefail
build=${1:-build}
rounds=${2:-5}
shift $(( $# >= 2 ? 2 : $# )) || true
threads_list=${*:-1 2}
tern=$build/tools/tern/tern
py=/usr/bin/python3
here=$(dirname "$0")
$py -c 'import torch' 2>/dev/null || { echo "python3-torch is not installed (TERN_BENCH_PEERS=1 scripts/bootstrap.sh)"; exit 2; }
[ -x "$tern" ] || { echo "no $tern: build first (make build)"; exit 2; }

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { $py -c "import json,sys; print(json.loads(sys.argv[1])['$1'])" "$2"; }

echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf "%-9s %5s %3s %11s %11s %6s %6s %9s %9s\n" model batch thr tern/s torch/s wall× cpu× tern_MiB torch_MiB
for cfg in "mlp 32 300" "lenet5 128 40" "resnet20 128 4"; do
  set -- $cfg
  model=$1 batch=$2 steps=$3
  for threads in $threads_list; do
    tw=() pw=() tc=() pc=()
    tmem=0 pmem=0
    for r in $(seq "$rounds"); do
      t=$(OMP_NUM_THREADS=$threads $tern bench train --model "$model" --batch-size "$batch" --steps "$steps" --threads "$threads" --json)
      mem=$([ "$r" = 1 ] && echo --memory || true)
      p=$(OMP_NUM_THREADS=$threads $py "$here/pytorch_train.py" --model "$model" --batch-size "$batch" --steps "$steps" --threads "$threads" $mem)
      tw+=("$(field samples_per_second "$t")") tc+=("$(field samples_per_cpu_second "$t")")
      pw+=("$(field samples_per_second "$p")") pc+=("$(field samples_per_cpu_second "$p")")
      if [ "$r" = 1 ]; then tmem=$(field peak_tensor_bytes "$t"); pmem=$(field peak_tensor_bytes "$p"); fi
    done
    twm=$(printf '%s\n' "${tw[@]}" | median) pwm=$(printf '%s\n' "${pw[@]}" | median)
    tcm=$(printf '%s\n' "${tc[@]}" | median) pcm=$(printf '%s\n' "${pc[@]}" | median)
    printf "%-9s %5s %3s %11.0f %11.0f %6.2f %6.2f %9.1f %9.1f\n" "$model" "$batch" "$threads" "$twm" "$pwm" \
      "$(echo "$twm / $pwm" | bc -l)" "$(echo "$tcm / $pcm" | bc -l)" "$(echo "$tmem / 1048576" | bc -l)" "$(echo "$pmem / 1048576" | bc -l)"
  done
done
