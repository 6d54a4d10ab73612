#!/usr/bin/env bash
# Hostile but fair input to `tern`: the hand-written cases of flags.txt and
# the malformed files generate.py derives from seed files made here. Every
# case must end with a non-zero exit (not a signal, not a timeout) and
# exactly one line on stderr, starting "tern: error:", with no raw control
# bytes in it.   Usage: hostile_test.sh TERN [JOBS]
set -uo pipefail
TERN=$(realpath "$1")
JOBS=${2:-2}
here=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export W TERN

# --- seeds: valid files of every format the cases corrupt --------------------
"$TERN" train --model mlp --dataset synthetic --synthetic-size 120 --batch-size 60 --epochs 1 --threads 1 \
  --checkpoint "$W/seed.safetensors" --json >/dev/null || { echo "FAIL: could not make the seed checkpoint"; exit 1; }
python3 - "$W" <<'PY'
import os, random, struct, sys
W = sys.argv[1]
rng = random.Random(7)
with open(f"{W}/seed.f32", "wb") as f:
    f.write(struct.pack("<4096f", *[rng.gauss(0, 1) for _ in range(4096)]))
labels = [i % 10 for i in range(400)]
with open(f"{W}/seed.idx", "wb") as f:
    f.write(bytes([0, 0, 8, 1]) + struct.pack(">I", len(labels)) + bytes(labels))
with open(f"{W}/seed.predictions", "w") as f:
    f.write("".join(f"{(l + (i % 7 == 0)) % 10}\n" for i, l in enumerate(labels)))
with open(f"{W}/seed.csv", "w") as f:
    f.write("a,b,c\n" + "".join(f"{i % 13},{rng.random():.4f},{'xyz'[i % 3]}\n" for i in range(200)))
# Hand-written broken files for flags.txt.
with open(f"{W}/overflow.idx", "wb") as f:  # [4, 2^31, 2^31]: the count wraps to 0 in 64 bits
    f.write(bytes([0, 0, 8, 3]) + struct.pack(">III", 4, 1 << 31, 1 << 31))
h = ('{"a":' * 100000 + "1" + "}" * 100000).encode()
with open(f"{W}/deep.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h)
open(f"{W}/deep.pbtxt", "w").write("feature {" * 20000)
open(f"{W}/deep.yml", "w").write("condition: " + "[" * 20000 + "\n")
open(f"{W}/two.yml", "w").write("condition: n - o > 0.1 +/- 0.1\nreliability: 0.99\nmode: fp-free\n"
                                "adaptivity: full\nsteps: 8\n---\nsteps: 3\n")
open(f"{W}/ci.yml", "w").write("condition: n - o > 0.1 +/- 0.1\nreliability: 0.9\nmode: fp-free\n"
                               "adaptivity: full\nsteps: 4\n")
os.makedirs(f"{W}/badstate")
open(f"{W}/badstate/state.json", "w").write('{"version": 1, "testset": "x", "test_size": 10, "steps_used": -5, '
                                            '"first_result": "", "retired": false, "accepted_commit": "c", '
                                            '"history": []}')
PY
"$TERN" codec encode --codec 3lc --in "$W/seed.f32" --out "$W/seed.enc" >/dev/null &&
  "$TERN" dv infer "$W/seed.csv" -o "$W/seed.pbtxt" >/dev/null &&
  "$TERN" dv stats "$W/seed.csv" -o "$W/seed.json" >/dev/null || { echo "FAIL: could not make the seed files"; exit 1; }
sed 's/^feature {/feature {\n  value_count { min: 5 max: 1 }/' "$W/seed.pbtxt" >"$W/range.pbtxt"
sed 's/^feature {/feature {\n  presence { min_fraction: 2.0 }/' "$W/seed.pbtxt" >"$W/fraction.pbtxt"
sed 's/^feature {/feature {\n  colour: "red"/' "$W/seed.pbtxt" >"$W/unknown.pbtxt"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["features"][0]["num_present"]=-3; json.dump(d, open(sys.argv[2],"w"))' \
  "$W/seed.json" "$W/negative.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); h=d["features"][0]["numeric"]["histogram"]; h["edges"]=h["edges"][:-2]; json.dump(d, open(sys.argv[2],"w"))' \
  "$W/seed.json" "$W/histogram.json"

# --- cases --------------------------------------------------------------------------
grep -v '^#' "$here/flags.txt" | grep -v '^$' | sed "s#\\\$W#$W#g" >"$W/cases.txt"
python3 "$here/generate.py" "$W" 1 >>"$W/cases.txt" || { echo "FAIL: generate.py"; exit 1; }
total=$(wc -l <"$W/cases.txt")

# check N: runs case N, prints nothing if it behaved, else one diagnostic line.
check() {
  local n=$1 line
  line=$(sed -n "${n}p" "$W/cases.txt")
  eval "set -- $line"
  timeout 60 "$TERN" "$@" >"$W/out.$n" 2>"$W/err.$n" </dev/null
  local rc=$?
  local lines
  lines=$(wc -l <"$W/err.$n")
  if [[ $rc -eq 0 || $rc -ge 124 ]]; then
    echo "case $n: exit $rc (want an error): tern $line"
  elif [[ $lines -ne 1 ]] || ! head -c 12 "$W/err.$n" | grep -q '^tern: error:'; then
    echo "case $n: $lines stderr lines, want one 'tern: error:': tern $line :: $(head -c 300 "$W/err.$n" | tr '\n' '|')"
  elif LC_ALL=C grep -q '[[:cntrl:]]' <(tr -d '\n' <"$W/err.$n"); then
    echo "case $n: raw control bytes in the error: tern $line"
  fi
  rm -f "$W/out.$n" "$W/err.$n"
}
export -f check
seq 1 "$total" | xargs -P "$JOBS" -I{} bash -c 'check {}' >"$W/problems.txt"
problems=$(wc -l <"$W/problems.txt")
head -50 "$W/problems.txt"
echo "hostile inputs: $total cases ($(wc -l < <(python3 "$here/generate.py" "$W" 1)) generated files), $problems misbehaved"
[[ $total -ge 500 && $problems -eq 0 ]]
