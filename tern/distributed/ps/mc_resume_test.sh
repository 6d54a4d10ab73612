#!/usr/bin/env bash
# A parameter-server checkpoint written with --momentum-correction (servers
# step without momentum) cannot be resumed without it, nor the reverse: each
# must stop with one clear line instead of a mismatched optimiser state.
# Usage: mc_resume_test.sh TERN_BINARY MPIRUN [MPIRUN ARGS...]
set -euo pipefail
tern=$1
shift
mpirun=("$@")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(--dist ps --servers 1 --codec 3lc --dataset synthetic --synthetic-size 480 --batch-size 48 --threads 1)
expect_refusal() {  # checkpoint, flags of the resumed run, expected phrase
  local ck=$1 phrase=$3 flags
  read -r -a flags <<< "$2"
  if "${mpirun[@]}" -np 3 "$tern" train "${args[@]}" --epochs 2 --resume "$ck" "${flags[@]}" > /dev/null 2> "$work/err"; then
    echo "FAIL: resuming $ck with '${flags[*]}' succeeded"
    exit 1
  fi
  grep -q "was written $phrase --momentum-correction; resume with the same setting" "$work/err" ||
    { echo "FAIL: resuming $ck with '${flags[*]}' gave no clear error:"; grep -m3 error "$work/err"; exit 1; }
}
"${mpirun[@]}" -np 3 "$tern" train "${args[@]}" --epochs 1 --checkpoint "$work/plain.ck" > /dev/null
"${mpirun[@]}" -np 3 "$tern" train "${args[@]}" --epochs 1 --momentum-correction --checkpoint "$work/mc.ck" > /dev/null
expect_refusal "$work/plain.ck" "--momentum-correction" without
expect_refusal "$work/mc.ck" "" with
"${mpirun[@]}" -np 3 "$tern" train "${args[@]}" --epochs 2 --momentum-correction --resume "$work/mc.ck" > /dev/null
echo "momentum-correction mismatches on resume are refused; the same setting resumes"
