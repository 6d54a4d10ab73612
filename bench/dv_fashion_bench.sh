#!/usr/bin/env bash
# Benchmark for tern dv: statistics and schema inference over
# Fashion-MNIST as CSV (70,000 rows x 785 columns) on 2 threads, with wall
# time, throughput and peak RSS from /usr/bin/time -v. Also runs a file 4x
# as large to show that memory does not grow with the input.
#
#   bench/dv_fashion_bench.sh [path/to/tern] [workdir]
set -euo pipefail
TERN=${1:-build/tools/tern/tern}
DIR=${2:-/tmp/tern_dv_bench}
mkdir -p "$DIR"
CSV=$DIR/fashion-mnist.csv
[ -f "$CSV" ] || "$TERN" dv export-csv fashion-mnist -o "$CSV"

# run LABEL FILE CMD...: prints one markdown table row.
run() {
  local label=$1 file=$2
  shift 2
  /usr/bin/time -v "$@" >"$DIR/out.txt" 2>"$DIR/time.txt"
  local wall rss mb
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$DIR/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$DIR/time.txt")
  mb=$(awk -v b="$(stat -c %s "$file")" 'BEGIN {printf "%.1f", b/1e6}')
  awk -v l="$label" -v w="$wall" -v r="$rss" -v m="$mb" \
    'BEGIN {printf "| %s | %s MB | %.2f s | %.1f MB/s | %s MB |\n", l, m, w, m/w, r}'
}

echo "| run | input | wall | throughput | peak RSS |"
echo "|---|---|---|---|---|"
run "stats, 2 threads" "$CSV" "$TERN" dv stats "$CSV" --threads 2 -o "$DIR/stats.json"
run "stats + infer, 2 threads" "$CSV" "$TERN" dv infer "$CSV" --threads 2 -o "$DIR/schema.pbtxt"
run "stats, 1 thread" "$CSV" "$TERN" dv stats "$CSV" --threads 1 -o "$DIR/stats1.json"

# 4x the rows: same memory.
BIG=$DIR/fashion-mnist-x4.csv
if [ ! -f "$BIG" ]; then
  cp "$CSV" "$BIG"
  for _ in 1 2 3; do tail -n +2 "$CSV" >>"$BIG"; done
fi
run "stats, 4x file (280,000 rows), 2 threads" "$BIG" "$TERN" dv stats "$BIG" --threads 2 -o "$DIR/stats4.json"

# Larger than the memory it may use: the 4x file under a 150 MB address-space cap.
echo
echo "4x file ($(stat -c %s "$BIG") bytes) under ulimit -v 150000 (150 MB of address space):"
(ulimit -v 150000 && "$TERN" dv stats "$BIG" --threads 2)
