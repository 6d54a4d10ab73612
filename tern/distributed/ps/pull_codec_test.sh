#!/usr/bin/env bash
# `tern train --dist ps --codec A --pull-codec B`: each direction uses its
# own codec. With 3LC pushes and fp32 pulls a worker must receive many times
# what it sends; the reverse setting must flip that.
# Usage: pull_codec_test.sh TERN_BINARY MPIRUN [MPIRUN ARGS...]
set -euo pipefail
tern=$1
shift
mpirun=("$@")
args=(--dist ps --servers 1 --dataset synthetic --synthetic-size 960 --batch-size 48 --epochs 1 --threads 1 --json)
ratio() {  # json -> worker 0's received / sent bytes
  python3 -c 'import json,sys; t=json.load(sys.stdin)["traffic"][0]; print(t["bytes_received"] / t["bytes_sent"])'
}
push3lc=$("${mpirun[@]}" -np 3 "$tern" train "${args[@]}" --codec 3lc --pull-codec none | ratio)
pull3lc=$("${mpirun[@]}" -np 3 "$tern" train "${args[@]}" --codec none --pull-codec 3lc --pull-codec-arg s=1.0 | ratio)
echo "received / sent per worker: 3LC pushes + fp32 pulls $push3lc, fp32 pushes + 3LC pulls $pull3lc"
python3 -c 'import sys; a, b = map(float, sys.argv[1:]); sys.exit(0 if a > 5 and b < 0.2 else 1)' "$push3lc" "$pull3lc" ||
  { echo "FAIL: the pull codec did not change the pull direction only"; exit 1; }
