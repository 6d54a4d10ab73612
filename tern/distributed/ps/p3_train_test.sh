#!/usr/bin/env bash
# `tern train --dist ps --send-schedule p3` end to end under mpirun (2
# workers, 2 servers): P3 changes when slices travel and in which order the
# servers update them, not the arithmetic, so with a fixed seed the trained
# replica must equal the rounds' (fifo) to the last bit, with the exact codec
# and with 3LC's per-slice state; the report must carry the per-layer wait
# times and the bytes per server link.
# Usage: p3_train_test.sh TERN_BINARY MPIRUN [MPIRUN ARGS...]
set -euo pipefail
tern=$1
shift
mpirun=("$@")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(--model lenet5 --dist ps --servers 2 --dataset synthetic --synthetic-size 960 --epochs 2 --batch-size 48
      --threads 1 --lr 0.05 --seed 3 --json)
# The model tensors of two checkpoints, byte for byte.
same_model() {
  python3 - "$1" "$2" << 'PY'
import json, struct, sys
def tensors(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    return {k: b[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]]
            for k, v in h.items() if k.startswith("model.")}
a, b = tensors(sys.argv[1]), tensors(sys.argv[2])
diff = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
if not a or diff:
    sys.exit(f"FAIL: {sys.argv[1]} and {sys.argv[2]} differ in {diff or 'nothing: no model tensors'}")
PY
}
run() {  # name, extra flags...
  local name=$1
  shift
  "${mpirun[@]}" -np 4 "$tern" train "${args[@]}" --checkpoint "$work/$name.ck" "$@" > "$work/$name.json"
}
run fifo --send-schedule fifo
run p3 --send-schedule p3
run fifo3lc --send-schedule fifo --slice-elems 600 --codec 3lc --codec-arg s=1.5
run p33lc --send-schedule p3 --slice-elems 600 --codec 3lc --codec-arg s=1.5 --send-window 3
same_model "$work/fifo.ck" "$work/p3.ck"
same_model "$work/fifo3lc.ck" "$work/p33lc.ck"
python3 - "$work" << 'PY'
import json, sys
w = sys.argv[1]
r = {n: json.load(open(f"{w}/{n}.json")) for n in ("fifo", "p3", "fifo3lc", "p33lc")}
hist = lambda n: [(e["train_loss"], e["test_accuracy"]) for e in r[n]["history"]]
assert hist("fifo") == hist("p3"), (hist("fifo"), hist("p3"))
assert hist("fifo3lc") == hist("p33lc"), (hist("fifo3lc"), hist("p33lc"))
assert hist("fifo") != hist("fifo3lc"), "3LC changed nothing"
p3 = r["p3"]
assert p3["send_schedule"] == "p3" and p3["slice_elems"] == 40000 and p3["send_window"] == 2, p3
assert r["p33lc"]["slice_elems"] == 600 and r["p33lc"]["send_window"] == 3
assert set(p3["layer_wait_s"]) <= {"conv1", "conv2", "fc1", "fc2", "fc3"} and p3["layer_wait_s"], p3["layer_wait_s"]
pushed, pulled = p3["bytes_pushed_per_server"], p3["bytes_pulled_per_server"]
# LeNet-5's 61,706 float32 per step each way, over 2 servers: 20 steps x 2 epochs / 2 workers.
steps = r["p3"]["steps"]
assert len(pushed) == 2 and sum(pushed) == 61706 * 4 * steps and sum(pulled) == sum(pushed), (pushed, pulled, steps)
assert "layer_wait_s" not in r["fifo"]
print("p3 == fifo bit for bit (exact and 3LC), waits", p3["layer_wait_s"], "bytes per server", pushed)
PY
