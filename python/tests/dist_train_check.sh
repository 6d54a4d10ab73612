#!/usr/bin/env bash
# ctest python_dist_train: tern.dist.train("ps", ...) under mpirun gives what
# `tern train --dist ps` gives at the same flags (the same library run: the
# same accuracy, losses and bytes on the wire; with send_schedule="p3" the
# same losses too), and an error raised before
# MPI starts is a Python exception.
#   dist_train_check.sh MPIRUN_WITH_FLAGS PYTHON TERN_BIN
set -euo pipefail
read -r -a mpirun <<<"$1"
python=$2 tern=$3
fail() { echo "python_dist_train: $*" >&2; exit 1; }

common=(--model lenet5 --dataset synthetic --synthetic-size 384 --batch-size 32 --epochs 1 --threads 1)
py=$("${mpirun[@]}" -np 3 env OMP_NUM_THREADS=1 "$python" -c '
import json, tern
r = tern.dist.train("ps", servers=1, codec="3lc", codec_arg={"s": 1.0}, model="lenet5", dataset="synthetic",
                    synthetic_size=384, batch_size=32, epochs=1, threads=1, progress=False)
if r["leader"]:
    print(json.dumps(r))') || fail "tern.dist.train failed"
# P3's schedule with slices no LeNet-5 tensor exceeds (so the same codec
# states as whole tensors): only the timing differs, the losses must not.
p3=$("${mpirun[@]}" -np 3 env OMP_NUM_THREADS=1 "$python" -c '
import json, tern
r = tern.dist.train("ps", servers=1, codec="3lc", codec_arg={"s": 1.0}, send_schedule="p3", slice_elems=60000,
                    model="lenet5", dataset="synthetic", synthetic_size=384, batch_size=32, epochs=1, threads=1,
                    progress=False)
if r["leader"]:
    print(json.dumps(r))') || fail "tern.dist.train with send_schedule=p3 failed"
cli=$("${mpirun[@]}" -np 3 env OMP_NUM_THREADS=1 "$tern" train --dist ps --servers 1 --codec 3lc --codec-arg s=1.0 \
      "${common[@]}" --json) || fail "tern train --dist ps failed"
"$python" - "$py" "$cli" "$p3" <<'PY' || fail "Python and CLI runs differ"
import json, sys
py, cli, p3 = (json.loads(a) for a in sys.argv[1:])
assert [e["train_loss"] for e in p3["history"]] == [e["train_loss"] for e in cli["history"]], "p3 losses differ"
assert p3["send_schedule"] == "p3" and set(p3["layer_wait_s"]) <= {"conv1", "conv2", "fc1", "fc2", "fc3"}, p3
for key in ("dist", "ranks", "test_accuracy", "steps"):
    assert py[key] == cli[key], (key, py[key], cli[key])
assert [e["train_loss"] for e in py["history"]] == [e["train_loss"] for e in cli["history"]], "losses differ"
assert [t["bytes_sent"] for t in py["traffic"]] == [t["bytes_sent"] for t in cli["traffic"]], "traffic differs"
assert [t["role"] for t in py["traffic"]] == ["worker", "worker", "server"], py["traffic"]
print(f"python_dist_train: ps, 3lc, {py['ranks']} ranks: test accuracy {py['test_accuracy']:.4f} in both")
PY
