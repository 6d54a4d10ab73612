#!/usr/bin/env bash
# P3 against FIFO on shaped links: `tern bench p3` (tern/distributed/p3/bench.h)
# for each model and rate, 4 workers + 2 servers, every rank behind its own
# tc-shaped link (scripts/netem.sh). The bench interleaves its schedules
# (whole, fifo, p3) round by round itself; this script prints one table row
# per model and rate and keeps the JSON.
#
#   bench/p3_netem.sh [TERN_BINARY]
#
# Environment (defaults in brackets):
#   CONFIGS  space-separated model@rate[@iterations]; rate is a tc rate, "none"
#            (veth, unshaped TCP) or "shm" (plain mpirun, shared memory)
#            [resnet50@1gbit vgg19@1gbit@3 lstm-lm@1gbit]
#   ROUNDS   rounds per configuration [3]
#   EXTRA    extra `tern bench p3` flags (e.g. "--tflops 10") []
#   MCA      OpenMPI MCA parameters as NAME VALUE pairs, e.g. "btl_tcp_eager_limit 262144
#            btl_tcp_max_send_size 262144" (slices of 160 KB then skip the rendezvous) []
#   OUT      folder for the JSON files [a temporary one]
# Run it under `flock -x /work/.cpu.lock` on an otherwise idle machine.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tern=$(realpath "${1:-$here/build/tools/tern/tern}")
read -r -a configs <<< "${CONFIGS:-resnet50@1gbit vgg19@1gbit@3 lstm-lm@1gbit}"
rounds=${ROUNDS:-3}
read -r -a extra <<< "${EXTRA:-}"
read -r -a mca_pairs <<< "${MCA:-}"
mca=()
for ((i = 0; i + 1 < ${#mca_pairs[@]}; i += 2)); do mca+=(--mca "${mca_pairs[i]}" "${mca_pairs[i + 1]}"); done
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
mpirun=(mpirun --allow-run-as-root --oversubscribe --bind-to none --mca mpi_yield_when_idle 1)
for c in "${configs[@]}"; do
  IFS=@ read -r model rate iterations <<< "$c"
  args=(bench p3 --model "$model" --servers 2 --rounds "$rounds" --iterations "${iterations:-4}" --json "${extra[@]}")
  echo "p3_netem: $model at $rate ..." >&2
  if [[ $rate == shm ]]; then
    "${mpirun[@]}" "${mca[@]}" -np 6 "$tern" "${args[@]}" >"$out/$model@$rate.json"
  else
    "$here/scripts/netem.sh" --rate "$rate" "${mca[@]}" -np 6 -- "$tern" "${args[@]}" >"$out/$model@$rate.json"
  fi
done
/usr/bin/python3 - "$out" "${configs[@]}" <<'PY'
import json, sys
out, configs = sys.argv[1], sys.argv[2:]
print("| model | link | compute ms | whole ms | fifo ms | p3 ms | p3 vs whole | p3 vs fifo | MB/iter/worker |")
print("|---|---|---|---|---|---|---|---|---|")
for c in configs:
    model, rate = c.split("@")[:2]
    j = json.load(open(f"{out}/{model}@{rate}.json"))
    t = {s["schedule"]: s["median_iteration_s"] * 1e3 for s in j["schedules"]}
    mb = (j["schedules"][0]["worker_bytes_sent"] + j["schedules"][0]["worker_bytes_received"]) / 1e6
    cell = lambda k: f"{t[k]:.1f}" if k in t else "-"
    ratio = lambda a, b: f"{t[b] / t[a]:.2f}x" if a in t and b in t else "-"
    print(f"| {model} | {rate} | {j['compute_s'] * 1e3:.1f} | {cell('whole')} | {cell('fifo')} | {cell('p3')} | "
          f"{ratio('p3', 'whole')} | {ratio('p3', 'fifo')} | {mb:.1f} |")
print(f"\n(JSON in {out}; medians of {json.load(open(f'{out}/{configs[0].split(chr(64))[0]}@{configs[0].split(chr(64))[1]}.json'))['rounds']} interleaved rounds)")
PY
