#!/usr/bin/env bash
# End-to-end checks of `tern train --dist allreduce|ps` under mpirun (3 ranks):
#  1. resume: epochs 1-2, then resume for epoch 3, gives the same epoch-3
#     loss and accuracy as an uninterrupted 3-epoch run;
#  2. a rank that dies (SIGKILL) ends the job with an error well within 30 s;
#  3. a rank that hangs (SIGSTOP) makes the others exit with a clear timeout
#     error whose first line names the stuck rank (TERN_COMM_TIMEOUT=3 here).
# Usage: fault_resume_test.sh TERN_BINARY "DIST FLAGS" MPIRUN [MPIRUN ARGS...]
#   e.g. DIST FLAGS "--dist allreduce" or "--dist ps --servers 1"
# RESUME_ONLY=1 runs check 1 alone (e.g. for codecs, whose state must be
# carried over too); FAULTS_ONLY=1 skips it (asynchronous modes do not resume).
# STOP_RANK (default 2) is the world rank check 3 stops.
set -euo pipefail
tern=$1
read -r -a dist <<< "$2"
shift 2
mpirun=("$@")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(--dataset synthetic --batch-size 48 --threads 1 --lr 0.05 --json)

history_of_epoch() {  # file epoch -> "loss acc" of that epoch
  python3 -c 'import json,sys; h=[e for e in json.load(open(sys.argv[1]))["history"] if e["epoch"]==int(sys.argv[2])][0]; print(h["train_loss"], h["test_accuracy"])' "$1" "$2"
}

# 1. Resume continues the same trajectory.
if [[ ${FAULTS_ONLY:-0} != 1 ]]; then
"${mpirun[@]}" -np 3 "$tern" train "${dist[@]}" "${args[@]}" --synthetic-size 1200 --epochs 3 > "$work/full.json"
"${mpirun[@]}" -np 3 "$tern" train "${dist[@]}" "${args[@]}" --synthetic-size 1200 --epochs 2 --checkpoint "$work/ck.safetensors" > /dev/null
"${mpirun[@]}" -np 3 "$tern" train "${dist[@]}" "${args[@]}" --synthetic-size 1200 --epochs 3 --resume "$work/ck.safetensors" > "$work/resumed.json"
full=$(history_of_epoch "$work/full.json" 3)
resumed=$(history_of_epoch "$work/resumed.json" 3)
if [[ "$full" != "$resumed" ]]; then
  echo "FAIL: epoch 3 after resume ($resumed) differs from the uninterrupted run ($full)"
  exit 1
fi
echo "resume: epoch 3 loss/accuracy identical ($full)"
fi
[[ ${RESUME_ONLY:-0} == 1 ]] && exit 0

# Starts a long run in the background; sets job_pid and rank_pids.
start_long_run() {
  "${mpirun[@]}" -np 3 "$tern" train "${dist[@]}" "${args[@]}" --synthetic-size 6000 --epochs 500 \
    > "$work/out" 2> "$work/err" &
  job_pid=$!
  for _ in $(seq 100); do
    mapfile -t rank_pids < <(pgrep -P "$job_pid" -f "$(basename "$tern")" || true)
    [[ ${#rank_pids[@]} -ge 3 ]] && return
    sleep 0.1
  done
  echo "FAIL: could not find the ranks of mpirun $job_pid"
  exit 1
}

# Waits for the job; sets took (seconds) and status; fails after `limit` seconds.
wait_job() {
  local limit=$1 start=$SECONDS
  while kill -0 "$job_pid" 2> /dev/null; do
    if ((SECONDS - start > limit)); then
      echo "FAIL: job still running ${limit} s after the fault"
      kill -9 "$job_pid" "${rank_pids[@]}" 2> /dev/null || true
      exit 1
    fi
    sleep 0.2
  done
  wait "$job_pid" && status=0 || status=$?
  took=$((SECONDS - start))
}

# 2. A rank dies.
start_long_run
sleep 3
kill -9 "${rank_pids[1]}"
wait_job 30
[[ $status -ne 0 ]] || { echo "FAIL: job exited 0 after a rank was killed"; exit 1; }
echo "rank killed: job ended in ${took} s with status $status: $(grep -m1 -i -E 'error|exited|killed|signal' "$work/err" || true)"

# 3. A rank hangs.
export TERN_COMM_TIMEOUT=3
start_long_run
sleep 3
stopped=${STOP_RANK:-2}
victim=""
for pid in "${rank_pids[@]}"; do
  rank=$(tr '\0' '\n' < "/proc/$pid/environ" | sed -n 's/^OMPI_COMM_WORLD_RANK=//p')
  [[ "$rank" == "$stopped" ]] && victim=$pid
done
[[ -n "$victim" ]] || { echo "FAIL: no process of world rank $stopped among ${rank_pids[*]}"; exit 1; }
kill -STOP "$victim"
wait_job 30
kill -9 "$victim" 2> /dev/null || true
[[ $status -ne 0 ]] || { echo "FAIL: job exited 0 with a hung rank"; exit 1; }
if ! grep -q "did not complete within" "$work/err"; then
  echo "FAIL: no timeout error from the other ranks:"; cat "$work/err"; exit 1
fi
# The first timeout reported names the stopped rank, even when it came from
# a rank waiting for a healthy one (comm/mpi_liveness.h follows the chain).
first=$(grep -m1 'did not complete' "$work/err")
if [[ "$first" != *"world rank $stopped does not answer"* ]]; then
  echo "FAIL: world rank $stopped was stopped, but the first timeout does not name it: $first"; exit 1
fi
echo "rank $stopped hung: job ended in ${took} s: $first"
