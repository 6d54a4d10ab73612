#!/usr/bin/env bash
# End-to-end checks of `tern train --dist localsgd|adacomm` (2 ranks):
#  1. --dist localsgd --tau 1 is synchronous SGD: its checkpoint (weights and
#     momentum) equals --dist allreduce's byte for byte, ring and hd;
#  2. an AdaComm run decides its periods by the rule: every decision in the
#     --json report and every row of --history-out is recomputed exactly from
#     the logged losses and learning rates;
#  3. resume keeps the schedule: 2 epochs + resume to 3 continues the same
#     decisions (those of epochs 1-2 are kept, the resumed run starts with the
#     period in force, its clock goes on);
#  4. bad flags are one-line errors before MPI starts.
# Usage: localsgd_test.sh TERN_BINARY MPIRUN [MPIRUN ARGS...]
set -euo pipefail
tern=$1
shift
mpirun=("$@")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(--dataset synthetic --synthetic-size 960 --batch-size 32 --threads 1 --lr 0.05 --momentum 0.9 --seed 3)

# 1. tau = 1 equals synchronous data-parallel SGD to the last bit.
for algo in ring hd; do
  "${mpirun[@]}" -np 2 "$tern" train "${args[@]}" --epochs 2 --dist allreduce --allreduce $algo \
    --checkpoint "$work/sync.safetensors" --json > /dev/null
  "${mpirun[@]}" -np 2 "$tern" train "${args[@]}" --epochs 2 --dist localsgd --tau 1 --allreduce $algo \
    --checkpoint "$work/local.safetensors" --json > "$work/tau1.json"
  cmp "$work/sync.safetensors" "$work/local.safetensors" ||
    { echo "FAIL: --dist localsgd --tau 1 (--allreduce $algo) differs from --dist allreduce"; exit 1; }
done
echo "tau 1: checkpoints identical to --dist allreduce (ring, hd)"
# Contrast: tau 4 trains a different (but learning) model.
"${mpirun[@]}" -np 2 "$tern" train "${args[@]}" --epochs 2 --dist localsgd --tau 4 \
  --checkpoint "$work/tau4.safetensors" --json > "$work/tau4.json"
if cmp -s "$work/sync.safetensors" "$work/tau4.safetensors"; then echo "FAIL: tau 4 equals sync SGD"; exit 1; fi
# The fp16 codec sends the changes since the last average in half precision.
"${mpirun[@]}" -np 2 "$tern" train "${args[@]}" --epochs 2 --dist localsgd --tau 4 --codec fp16 --json > "$work/tau4h.json"
python3 - "$work/tau4.json" "$work/tau4h.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
ratio = b["traffic"][0]["bytes_sent"] / a["traffic"][0]["bytes_sent"]
assert 0.45 < ratio < 0.65 and b["test_accuracy"] > 0.3, (ratio, b["test_accuracy"])
print("tau 4 fp16: %.2fx the bytes of fp32, accuracy %.3f (fp32 %.3f)" % (ratio, b["test_accuracy"], a["test_accuracy"]))
PY
python3 - "$work/tau1.json" "$work/tau4.json" <<'PY'
import json, sys
t1, t4 = (json.load(open(p)) for p in sys.argv[1:])
s1, s4 = t1["localsgd"]["syncs"], t4["localsgd"]["syncs"]
assert set(s1["tau"]) == {1} and set(s1["steps"]) <= {16, 14}, s1["steps"]  # 30 steps an epoch: 16 + 14
assert all(s in (4, 3, 2, 1) for s in s4["steps"]) and s4["steps"].count(4) >= len(s4["steps"]) - 2, s4["steps"]
assert t4["traffic"][0]["bytes_sent"] < t1["traffic"][0]["bytes_sent"] / 2.5, "tau 4 should send far less"
assert t4["test_accuracy"] > 0.3, t4["test_accuracy"]
print("tau 4: %d syncs of %s steps, %.0f vs %.0f bytes sent by rank 0" %
      (len(s4["steps"]), sorted(set(s4["steps"])), t4["traffic"][0]["bytes_sent"], t1["traffic"][0]["bytes_sent"]))
PY

# 2. AdaComm decisions follow the rule exactly (a short interval: many decisions).
check_rule() {  # json csv
  python3 - "$@" <<'PY'
import csv, json, math, sys
j = json.load(open(sys.argv[1]))["localsgd"]
d = j["decisions"]
tau0, f0, lr0 = d[0]["tau"], d[0]["loss"], d[0]["lr"]
assert tau0 == j["tau0"] and j["tau_sequence"] == [x["tau"] for x in d]
rule = lambda f, lr: max(1, math.ceil(math.sqrt((lr * f) / (lr0 * f0)) * tau0))
for x in d[1:]:
    assert x["tau"] == rule(x["loss"], x["lr"]), x
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == j["syncs_count"] == len(j["syncs"]["round"])
tau, decided = tau0, 0
for r in rows:
    assert int(r["tau"]) == tau, r
    assert int(r["steps"]) <= (16 if tau == 1 else tau)
    if r["decided"] == "1":
        decided += 1
        assert int(r["next_tau"]) == rule(float(r["loss"]), float(r["lr"])), r
    else:
        assert int(r["next_tau"]) == tau, r
    tau = int(r["next_tau"])
assert decided == len(d) - 1, (decided, len(d))
print("adacomm: %d decisions, taus %s, all recomputed exactly" % (decided, j["tau_sequence"][:12]))
PY
}
"${mpirun[@]}" -np 2 "$tern" train "${args[@]}" --epochs 2 --schedule cosine --dist adacomm --tau0 16 \
  --adacomm-interval 0.05 --history-out "$work/h.csv" --json > "$work/ada.json"
check_rule "$work/ada.json" "$work/h.csv"
# tau0 chosen from measurements, with its reason.
"${mpirun[@]}" -np 2 "$tern" train "${args[@]}" --epochs 1 --dist adacomm --adacomm-interval 0.2 --json > "$work/auto.json"
python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["localsgd"]; assert l["tau0"] >= 1 and "ratio" in l["tau0_reason"], l; print("auto tau0:", l["tau0"], "-", l["tau0_reason"])' "$work/auto.json"

# 3. Resume keeps the schedule. Decisions come every --adacomm-interval
# seconds of training: an epoch here is 30 steps of about 1 ms (less on a
# fast machine), so the interval is short and the resumed run gets two more
# epochs, enough for decisions after the resume on any machine we run on.
ada=(--dist adacomm --tau0 16 --adacomm-interval 0.01 --schedule cosine)
"${mpirun[@]}" -np 2 "$tern" train "${args[@]}" --epochs 2 "${ada[@]}" --checkpoint "$work/ck.safetensors" --json > "$work/first.json"
"${mpirun[@]}" -np 2 "$tern" train "${args[@]}" --epochs 4 "${ada[@]}" --resume "$work/ck.safetensors" \
  --history-out "$work/resumed.csv" --json > "$work/resumed.json"
check_rule "$work/resumed.json" "$work/resumed.csv"
python3 - "$work/first.json" "$work/resumed.json" <<'PY'
import json, sys
a, b = (json.load(open(p))["localsgd"] for p in sys.argv[1:])
n = len(a["decisions"])
assert b["decisions"][:n] == a["decisions"], "the resumed run lost the first run's decisions"
assert len(b["decisions"]) > n, "no decisions after resume"
sa, sb = a["syncs"], b["syncs"]
k = len(sa["round"])
assert sb["round"][:k] == sa["round"] and sb["round"][k] == sa["round"][-1] + 1
assert sb["tau"][k] == sa["next_tau"][-1], (sb["tau"][k], sa["next_tau"][-1])
assert sb["seconds"][k] > sa["seconds"][-1] and sb["epoch"][k] == 3
print("resume: %d decisions kept, epoch 3 starts with tau %d (tau0 was %d), clock %.2f -> %.2f s" %
      (n, sb["tau"][k], a["tau0"], sa["seconds"][-1], sb["seconds"][k]))
PY

# 4. Bad flags: one line, before MPI (no mpirun here).
expect_error() {  # expected-text flags...
  local want=$1
  shift
  if "$tern" train "${args[@]}" --epochs 1 "$@" > "$work/out" 2> "$work/err"; then
    echo "FAIL: '$*' was accepted"; exit 1
  fi
  if [[ $(wc -l < "$work/err") != 1 ]] || ! grep -q "^tern: error: .*$want" "$work/err"; then
    echo "FAIL: '$*' should print one line with '$want', printed:"; cat "$work/err"; exit 1
  fi
  echo "refused: $* -> $(cat "$work/err")"
}
expect_error "--tau" --dist localsgd --tau 0
expect_error "--tau0 needs --dist adacomm" --dist localsgd --tau0 4
expect_error "--tau0 needs --dist adacomm" --tau0 4
expect_error "--tau needs --dist localsgd" --dist adacomm --tau 4
expect_error "--adacomm-interval" --dist adacomm --adacomm-interval 0
expect_error "--adacomm-interval" --dist adacomm --adacomm-interval -2
expect_error "--tau0" --dist adacomm --tau0 0
expect_error "codec" --dist localsgd --codec powersgd
expect_error "--history-out" --dist localsgd --history-out /nonexistent/dir/h.csv
