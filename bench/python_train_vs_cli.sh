#!/usr/bin/env bash
# The Python loop's cost: LeNet-5 on Fashion-MNIST trained by
# python/examples/lenet5_fashion_mnist.py (the model a Python module, the
# loop in Python) against `tern train --model lenet5` (all C++), same seed and
# settings, interleaved A B A B. Prints each run's training throughput (the
# training loop alone, evaluation excluded, as both time it), the medians,
# the ratio Python / CLI, and both accuracies. Run it alone on the machine:
#   flock -x /work/.cpu.lock bench/python_train_vs_cli.sh [BUILD_DIR] [ROUNDS] [EPOCHS] [THREADS]
set -euo pipefail
build=${1:-build} rounds=${2:-3} epochs=${3:-1} threads=${4:-2}
py=/usr/bin/python3
here=$(cd "$(dirname "$0")/.." && pwd)
tern=$build/tools/tern/tern
[ -x "$tern" ] || { echo "no $tern: build first (make build)"; exit 2; }
[ -d "$build/python/tern" ] || { echo "no $build/python/tern: the build has no Python package"; exit 2; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { $py -c "import json,sys; print(json.loads(sys.argv[1])$1)" "$2"; }

cli_rates=() py_rates=()
for r in $(seq "$rounds"); do
  c=$(OMP_NUM_THREADS=$threads "$tern" train --model lenet5 --epochs "$epochs" --batch-size 64 --threads "$threads" --json)
  p=$(OMP_NUM_THREADS=$threads PYTHONPATH=$build/python $py "$here/python/examples/lenet5_fashion_mnist.py" \
      --epochs "$epochs" --batch-size 64 --threads "$threads" --json)
  cli_rates+=("$(field "['train_samples_per_second']" "$c")") py_rates+=("$(field "['samples_per_second']" "$p")")
  echo "round $r: cli $(printf %.0f "${cli_rates[-1]}") samples/s (test acc $(field "['test_accuracy']" "$c")), python $(printf %.0f "${py_rates[-1]}") samples/s (test acc $(field "['test_accuracy']" "$p"))"
done
cm=$(printf '%s\n' "${cli_rates[@]}" | median) pm=$(printf '%s\n' "${py_rates[@]}" | median)
printf "median: cli %.0f samples/s, python %.0f samples/s, python / cli %.3f (%s epochs, %s threads, %s rounds)\n" \
  "$cm" "$pm" "$(echo "$pm / $cm" | bc -l)" "$epochs" "$threads" "$rounds"
