#!/usr/bin/env bash
# Time to accuracy of parameter-server training under shaped links:
# LeNet-5 on Fashion-MNIST, 4 workers + 1 server (5 ranks), every rank behind
# its own tc-htb-shaped link (scripts/netem.sh, MPI over TCP), one run per
# (link rate, codec), the same recipe for every codec. Pushes and pulls both
# go through the codec.
#
# Time to accuracy = the sum of history[].seconds (training time per epoch,
# evaluation excluded) up to and including the first epoch whose test accuracy
# is >= TARGET; a run that never gets there shows ">X s" (X = all its training
# seconds). TARGET is fixed before the codec runs (it was chosen from the
# unshaped fp32 run, see tern/distributed/compress/README.md).
#
#   bench/ps_time_to_accuracy.sh [TERN_BINARY] [OUTDIR]
#
# Environment (defaults in brackets):
#   TARGET   test accuracy to reach [0.85]
#   EPOCHS   epochs of the recipe [3]
#   RATES    link rates, tc units; "none" = veth without shaping [none 10mbit 100mbit 1gbit]
#   CODECS   space-separated labels from the list below [all but topk-1%-mc]
#   STOP_AT_TARGET  "codec@rate" runs that are stopped (killed) at the end of
#            the first epoch that reaches TARGET, to cap the wall time; their
#            final accuracy and traffic are not measured (they are printed as
#            "stopped") [none; e.g. "fp32@10mbit"]
# A run that fails (e.g. diverges: lossy encoders refuse NaN gradients) is
# shown as failed with its first error line.
# Each run's JSON (or, for a stopped run, its log) is kept in OUTDIR and reused
# when the script is run again, so an interrupted table can be completed.
# A launch whose ranks have not appeared after 180 s is killed and retried (up
# to 3 tries; mpirun used to hang when one of its daemons failed to start).
# Prints one markdown table (time to accuracy per codec and rate) and one with
# the accuracy per epoch, per-worker traffic and seconds per epoch.
# Wall time on the 2-core machine of the README: about 30 min for the whole
# table, of which fp32 at 10 Mbit/s is about 18 min (its server link moves
# 2 x 4 x 247 KB per step: >= 1.58 s per step at 10 Mbit/s).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tern=$(realpath "${1:-$here/build/tools/tern/tern}")  # absolute: the launch check below matches it
out=${2:-/tmp/ps_tta}
target=${TARGET:-0.85}
epochs=${EPOCHS:-3}
rates=${RATES:-"none 10mbit 100mbit 1gbit"}
stop_at_target=${STOP_AT_TARGET:-}
mkdir -p "$out"

# label -> codec and its arguments
declare -A codec_name=([fp32]=none [3lc-s1.0]=3lc [3lc-s1.9]=3lc [powersgd-r4]=powersgd [topk-1%]=topk
                       [topk-1%-mc]=topk)
declare -A codec_args=([fp32]="" [3lc-s1.0]="s=1.0" [3lc-s1.9]="s=1.9" [powersgd-r4]="rank=4" [topk-1%]="ratio=0.01"
                       [topk-1%-mc]="ratio=0.01")
declare -A extra_flags=([topk-1%-mc]="--momentum-correction")  # DGC's momentum correction
labels=${CODECS:-"fp32 3lc-s1.0 3lc-s1.9 powersgd-r4 topk-1%"}
workers=4
servers=1
batch=256
recipe=(--model lenet5 --dataset fashion-mnist --epochs "$epochs" --batch-size "$batch" --optimizer sgd --lr 0.05
        --momentum 0.9 --schedule cosine --threads 1 --seed 0)

file_of() { echo "$out/${2}_${1//%/pct}"; }  # label rate -> path without extension

run_one() {  # label rate
  local label=$1 rate=$2 f
  f=$(file_of "$label" "$rate")
  [[ -s $f.json || -s $f.stopped || -s $f.failed ]] && return 0
  local cmd=("$here/scripts/netem.sh" --rate "$rate" -np $((workers + servers)) --
             "$tern" train --dist ps --servers "$servers" --codec "${codec_name[$label]}" "${recipe[@]}")
  [[ -n ${codec_args[$label]} ]] && cmd+=(--codec-arg "${codec_args[$label]}")
  [[ -n ${extra_flags[$label]:-} ]] && cmd+=(${extra_flags[$label]})
  local stop=0
  [[ " $stop_at_target " == *" $label@$rate "* ]] && stop=1
  echo "[$(date -u +%H:%M:%S)] $label at $rate$([[ $stop == 1 ]] && echo ' (stopped at target)')" >&2
  [[ $stop == 0 ]] && cmd+=(--json)
  local t0 attempt rc
  for attempt in 1 2 3; do
    t0=$SECONDS
    # Without --json rank 0 prints a progress line per tenth of an epoch (with
    # samples/s) and one per finished epoch (with test accuracy): a stopped run
    # ends after the first epoch that reaches the target.
    nice -n 5 "${cmd[@]}" > "$f.out" 2> "$f.err" &
    local pid=$! launched=0
    while kill -0 "$pid" 2> /dev/null; do
      sleep 2
      # mpirun under load sometimes never starts one of its daemons and waits
      # forever (see the README): give the ranks 180 s to appear, else retry.
      if [[ $launched == 0 ]]; then
        if (( $(pgrep -c -f "^$tern train --dist ps" || true) >= workers + servers )); then
          launched=1
        elif (( SECONDS - t0 > 180 )); then
          echo "  no ranks after 180 s (launch hung), attempt $attempt: killing it" >&2
          kill -TERM "$pid"
          break
        fi
      fi
      if [[ $stop == 1 ]] &&
         python3 "$here/bench/ps_time_to_accuracy.py" reached "$f.err" "$target" "$batch" "$workers"; then
        kill -TERM "$pid"
        break
      fi
    done
    rc=0
    wait "$pid" || rc=$?
    if [[ -s $f.out ]] || grep -q '^tern: error' "$f.err"; then launched=1; fi  # it ran, however short
    [[ $launched == 1 ]] && break
  done
  if [[ $stop == 1 ]]; then
    python3 "$here/bench/ps_time_to_accuracy.py" history "$f.err" "$target" "$batch" "$workers" > "$f.stopped"
  elif [[ $rc == 0 ]]; then
    tail -n 1 "$f.out" > "$f.json"
  else  # e.g. diverged: lossy encoders refuse NaN; the table shows the first error line
    grep -m 1 '^tern: error' "$f.err" > "$f.failed" || echo "exit status $rc" > "$f.failed"
  fi
  echo "[$(date -u +%H:%M:%S)]   done in $((SECONDS - t0)) s wall (attempt $attempt)" >&2
}

for rate in $rates; do
  for label in $labels; do run_one "$label" "$rate"; done
done

python3 "$here/bench/ps_time_to_accuracy.py" table "$out" "$target" "$rates" "$labels"
