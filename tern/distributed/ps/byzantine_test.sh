#!/usr/bin/env bash
# Real attacker ranks against the servers' aggregation rule: 5 workers (the
# last one an attacker pushing NaN) + 1 server. Krum (f=1) must train to a
# finite model that beats chance; the mean must be poisoned (the NaN model
# makes training stop with one "training diverged" line). Bad combinations
# are one-line errors.
# Usage: byzantine_test.sh TERN_BINARY MPIRUN [MPIRUN ARGS...]
set -uo pipefail
tern=$1
shift
mpirun=("$@")
args=(--dist ps --servers 1 --dataset synthetic --synthetic-size 960 --batch-size 40 --epochs 2 --threads 1 --json
      --model lenet5 --lr 0.05 --byzantine 1 --attack nan)
fail() { echo "FAIL: $*"; exit 1; }

out=$("${mpirun[@]}" -np 6 "$tern" train "${args[@]}" --aggregation krum 2>&1) || fail "krum run failed: $out"
acc=$(echo "$out" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])["test_accuracy"])') ||
  fail "no report: $out"
echo "krum under a NaN attacker: test accuracy $acc"
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > 0.3 else 1)' "$acc" || fail "krum did not learn ($acc)"

out=$("${mpirun[@]}" -np 6 "$tern" train "${args[@]}" --aggregation mean 2>&1) && fail "the mean survived a NaN attacker: $out"
grep -q "training diverged: loss is nan" <<< "$out" || fail "mean: expected a diverged line, got: $out"
echo "mean under a NaN attacker: diverged"

expect_error() {  # expected message, then flags
  local want=$1
  shift
  local got
  got=$("${mpirun[@]}" -np 6 "$tern" train "${args[@]/--attack/--attack}" "$@" 2>&1) && fail "$* was accepted"
  grep -q -- "$want" <<< "$got" || fail "$*: expected '$want', got: $got"
}
expect_error "bulyan needs n >= 4f+3, got n=5 f=1" --aggregation bulyan
expect_error "krum needs n >= 2f+3, got n=5 f=2" --aggregation krum --byzantine-f 2
expect_error "leaves no honest worker among 5 workers" --aggregation median --byzantine 5
single=(--dist ps --dataset synthetic --synthetic-size 960 --epochs 1 --threads 1)
got=$("$tern" train "${single[@]}" --byzantine 2 2>&1) && fail "--byzantine without --attack was accepted"
grep -q -- "--byzantine 2 needs --attack NAME" <<< "$got" || fail "got: $got"
got=$("$tern" train "${single[@]}" --attack nan 2>&1) && fail "--attack without --byzantine was accepted"
grep -q -- "--attack nan needs --byzantine K" <<< "$got" || fail "got: $got"
echo "PASS"
