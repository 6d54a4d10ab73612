#!/usr/bin/env bash
# Side-by-side all-reduce bus bandwidth: Tern's ring (and halving-doubling)
# against OpenMPI's MPI_Allreduce, same size, ranks and mpirun settings,
# interleaved ring mpi hd ring mpi hd ... Each run reports the median of its
# iterations; this prints the median over rounds and ring / mpi.
#   bench/allreduce_ring_vs_mpi.sh [BUILD_DIR] [ROUNDS] [RANKS] [BYTES] [extra mpirun args...]
set -euo pipefail
build=${1:-build}
rounds=${2:-5}
ranks=${3:-4}
bytes=${4:-64M}
shift $(( $# >= 4 ? 4 : $# )) || true
tern=$build/tools/tern/tern
[ -x "$tern" ] || { echo "no $tern: build first (make build)"; exit 2; }
mpirun=(mpirun --allow-run-as-root --oversubscribe --bind-to none --mca mpi_yield_when_idle 1 "$@")

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])['$1'])" "$2"; }

declare -A bw
for r in $(seq "$rounds"); do
  for algo in ring mpi hd; do
    out=$("${mpirun[@]}" -np "$ranks" "$tern" bench allreduce --algo "$algo" --size "$bytes" --iters 10 --json)
    b=$(field busbw_gbps "$out")
    bw[$algo]+="$b "
    printf "round %d %-4s busbw %.3f GB/s (median %.1f ms)\n" "$r" "$algo" "$b" "$(field median_s "$out" | awk '{print $1*1e3}')"
  done
done
echo "--- $ranks ranks, $bytes bytes, median of $rounds rounds; $(nproc) cores; mpirun ${*:-(defaults)}"
for algo in ring mpi hd; do
  printf "%-4s busbw %.3f GB/s\n" "$algo" "$(tr ' ' '\n' <<<"${bw[$algo]}" | grep . | median)"
done
ring=$(tr ' ' '\n' <<<"${bw[ring]}" | grep . | median)
mpi=$(tr ' ' '\n' <<<"${bw[mpi]}" | grep . | median)
awk -v a="$ring" -v b="$mpi" 'BEGIN {printf "ring / mpi = %.2f\n", a / b}'
