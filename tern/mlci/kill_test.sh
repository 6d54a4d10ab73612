#!/usr/bin/env bash
# `tern ci check` changes its baseline (accepted.txt), budget (state.json)
# and sealed log together (tern/mlci/state.h's journal). Kill it at every
# write, rename and unlink it makes (strace's fault injection); after each
# kill the next command that loads the state must see either the state from
# before the check or the state after it -- never a new baseline with the old
# budget. Usage: kill_test.sh TERN   (skips, exit 77, without strace)
set -uo pipefail
TERN=$(realpath "$1")
command -v strace >/dev/null || { echo "strace not installed"; exit 77; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
seq 0 3999 | awk '{print $1 % 10}' >labels.txt
awk '{print (NR<=2800)?$1:($1+1)%10}' labels.txt >old.txt   # 70% right
awk '{print (NR<=3800)?$1:($1+1)%10}' labels.txt >good.txt  # 95% right: passes
printf 'condition: n - o > 0.1 +/- 0.1\nreliability: 0.9\nmode: fp-free\nadaptivity: full\nsteps: 4\nlabels: labels.txt\n' >.ternci.yml
"$TERN" ci baseline --predictions old.txt --commit c0 >/dev/null || { echo "FAIL: baseline"; exit 1; }
cp -r .ternci base
summary() {  # the parts that must change together
  "$TERN" ci status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["accepted_digest"], d["accepted_commit"], d["steps_used"], d["sealed_lines"], d["history"])'
}
before=$(summary)
"$TERN" ci check --predictions good.txt --commit c1 >/dev/null || { echo "FAIL: the check itself"; exit 1; }
after=$(summary)
[ "$before" != "$after" ] || { echo "FAIL: the check changed nothing"; exit 1; }
failures=0 kills=0
for call in write rename unlink; do
  for n in $(seq 1 8); do
    rm -rf .ternci && cp -r base .ternci
    # In a child shell that reports the status itself: bash would print
    # "Killed" for a foreground job that dies of a signal.
    rc=$(bash -c 'strace -f -o /dev/null -e trace="$1",renameat,renameat2,unlinkat -e inject="$1":signal=KILL:when="$2" \
      "$3" ci check --predictions good.txt --commit c1 >/dev/null 2>&1; echo $?' _ "$call" "$n" "$TERN" 2>/dev/null)
    [ $rc -eq 0 ] && continue  # the check made fewer such calls: nothing was killed
    kills=$((kills + 1))
    now=$(summary) || { echo "FAIL: state unreadable after a kill at $call #$n"; failures=$((failures + 1)); continue; }
    if [ "$now" != "$before" ] && [ "$now" != "$after" ]; then
      echo "FAIL: kill at $call #$n left '$now' (before: '$before', after: '$after')"
      failures=$((failures + 1))
    fi
    [ ! -e .ternci/journal.json ] || { echo "FAIL: journal left after recovery ($call #$n)"; failures=$((failures + 1)); }
    # And the next check runs on it.
    "$TERN" ci check --predictions good.txt --commit c2 >/dev/null 2>&1 || [ $? -eq 1 ] ||
      { echo "FAIL: the next check failed after a kill at $call #$n"; failures=$((failures + 1)); }
  done
done
echo "$kills kills, $failures failures"
[ $kills -ge 8 ] || { echo "FAIL: expected at least 8 injected kills"; exit 1; }
[ $failures -eq 0 ]
