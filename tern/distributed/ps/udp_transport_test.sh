#!/usr/bin/env bash
# Pushes over UDP (udp.h), 4 workers + 1 server, Multi-Krum: without loss the
# run equals the MPI transport's to the last digit (same losses, same
# accuracy); with 20% emulated loss the server reports the drops (about a
# fifth of the datagrams), fills the lost coordinates, and the model still
# learns. Usage: udp_transport_test.sh TERN_BINARY MPIRUN [MPIRUN ARGS...]
set -uo pipefail
tern=$1
shift
mpirun=("$@")
args=(--dist ps --servers 1 --dataset synthetic --synthetic-size 960 --batch-size 40 --epochs 2 --threads 1 --json
      --model lenet5 --lr 0.05 --aggregation multi-krum --byzantine-f 0)
fail() { echo "FAIL: $*"; exit 1; }
history() { python3 -c 'import json,sys; r=json.loads(sys.stdin.read().strip().splitlines()[-1]); print(r["test_accuracy"], [e["train_loss"] for e in r["history"]])'; }

mpi=$("${mpirun[@]}" -np 5 "$tern" train "${args[@]}" 2>/dev/null) || fail "mpi run failed"
udp=$("${mpirun[@]}" -np 5 "$tern" train "${args[@]}" --transport udp 2>/dev/null) || fail "udp run failed"
[[ "$(echo "$mpi" | history)" == "$(echo "$udp" | history)" ]] ||
  fail "udp without loss differs from mpi: $(echo "$mpi" | history) vs $(echo "$udp" | history)"
echo "no loss: udp = mpi ($(echo "$udp" | history))"

out=$("${mpirun[@]}" -np 5 "$tern" train "${args[@]}" --transport udp --udp-loss 0.2 2>"${TMPDIR:-/tmp}/udp_err.$$") ||
  fail "lossy run failed: $(cat "${TMPDIR:-/tmp}/udp_err.$$")"
line=$(grep 'udp:' "${TMPDIR:-/tmp}/udp_err.$$")
rm -f "${TMPDIR:-/tmp}/udp_err.$$"
echo "20% loss: $line"
python3 - "$line" "$(echo "$out" | history)" <<'PY' || fail "lossy run: $line"
import re, sys
line, hist = sys.argv[1], sys.argv[2]
got = {k: int(v) for v, k in re.findall(r"(\d+) (datagrams received|dropped|missing|from another|malformed)", line)}
received, dropped = got["datagrams received"], got["dropped"]
share = dropped / (received + dropped)
assert 0.15 < share < 0.25, share
assert got["malformed"] == 0
acc = float(hist.split()[0])
assert acc > 0.5, acc  # 10 classes: chance is 0.1
print(f"dropped {share:.3f} of the datagrams, test accuracy {acc}")
PY
