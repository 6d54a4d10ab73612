#!/usr/bin/env bash
# Two builds of Tern side by side (e.g. main before and after a refactor):
# training throughput of the zoo's MLP, LeNet-5 and ResNet-20 (tern bench
# train, synthetic data, process CPU time), the staged L2HMC workload (tern
# bench staged) and the dispatcher's per-op cost (dispatch_bench), each run
# interleaved A B A B; prints medians and B / A.
#   bench/compare_builds.sh BUILD_A BUILD_B [ROUNDS] [THREADS]
# Make build A from an older commit with, e.g.:
#   git worktree add /tmp/old <commit> && cmake -S /tmp/old -B /tmp/old/build -G Ninja -DTERN_TESTS=OFF &&
#   ninja -C /tmp/old/build tern dispatch_bench
set -euo pipefail
a=$1 b=$2 rounds=${3:-5} threads=${4:-1}
for d in "$a" "$b"; do [ -x "$d/tools/tern/tern" ] || { echo "no $d/tools/tern/tern: build it first"; exit 2; }; done
py=/usr/bin/python3
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { $py -c "import json,sys; print(json.loads(sys.argv[1])['$1'])" "$2"; }
row() {  # row NAME UNIT HIGHER_IS_BETTER A-values... -- B-values...
  local name=$1 unit=$2; shift 2
  local av=() bv=() side=a
  for v in "$@"; do if [ "$v" = -- ]; then side=b; elif [ $side = a ]; then av+=("$v"); else bv+=("$v"); fi; done
  local am bm
  am=$(printf '%s\n' "${av[@]}" | median) bm=$(printf '%s\n' "${bv[@]}" | median)
  printf "%-34s %12.2f %12.2f %8.3f  %s\n" "$name" "$am" "$bm" "$(echo "$bm / $am" | bc -l)" "$unit"
}
echo "A = $a ($(git -C "$a/.." rev-parse --short HEAD 2>/dev/null || echo ?)), B = $b ($(git -C "$b/.." rev-parse --short HEAD 2>/dev/null || echo ?)), $threads thread(s), $rounds rounds"
printf "%-34s %12s %12s %8s  %s\n" what A B "B/A" unit
for cfg in "mlp 32 300" "lenet5 128 40" "resnet20 128 4"; do
  set -- $cfg
  va=() vb=()
  for r in $(seq "$rounds"); do
    for side in a b; do
      dir=$a; [ $side = b ] && dir=$b
      j=$(OMP_NUM_THREADS=$threads "$dir/tools/tern/tern" bench train --model "$1" --batch-size "$2" --steps "$3" --threads "$threads" --json)
      v=$(field samples_per_cpu_second "$j")
      if [ $side = a ]; then va+=("$v"); else vb+=("$v"); fi
    done
  done
  row "train $1 b$2" "samples per CPU second" "${va[@]}" -- "${vb[@]}"
done
va=() vb=()
for r in $(seq "$rounds"); do
  for side in a b; do
    dir=$a; [ $side = b ] && dir=$b
    j=$("$dir/tools/tern/tern" bench staged --workload l2hmc --threads 1 --cpu-time --calls 200 --json)
    v=$(field speedup "$j")
    if [ $side = a ]; then va+=("$v"); else vb+=("$v"); fi
  done
done
row "staged l2hmc speedup" "eager / staged" "${va[@]}" -- "${vb[@]}"
if [ -x "$a/bench/dispatch_bench" ] && [ -x "$b/bench/dispatch_bench" ]; then
  for bm in BM_AddOneElement BM_AddWithAutograd BM_AllocateOutput; do
    va=() vb=()
    for r in $(seq "$rounds"); do
      for side in a b; do
        dir=$a; [ $side = b ] && dir=$b
        v=$("$dir/bench/dispatch_bench" --benchmark_filter="^$bm\$" --benchmark_format=json 2>/dev/null |
            $py -c 'import json,sys; print(json.load(sys.stdin)["benchmarks"][0]["cpu_time"])')
        if [ $side = a ]; then va+=("$v"); else vb+=("$v"); fi
      done
    done
    row "dispatch $bm" "ns per op (lower is better)" "${va[@]}" -- "${vb[@]}"
  done
fi
