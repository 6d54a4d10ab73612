#!/usr/bin/env bash
# `tern train --log-dir` end to end, read back by the independent Python
# reader (check_log_dir.py): CSVs, event-file CRCs and scalars, train result.
set -euo pipefail
TERN=$1
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
"$TERN" train --model softmax --dataset synthetic --synthetic-size 600 --epochs 2 --threads 1 \
  --log-dir "$T/log" --json > "$T/r.json"
python3 "$(dirname "$0")/check_log_dir.py" "$T/log" "$T/r.json"
