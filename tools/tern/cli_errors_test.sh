#!/usr/bin/env bash
# Bad input to `tern` gives one clear line on stderr and a non-zero exit,
# never a crash or a stack trace.
#   cli_errors_test.sh path/to/tern
set -u
tern=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'not a checkpoint' >"$tmp/bad.safetensors"
failures=0 passed=0

expect_error() {  # expect_error "what it should mention" args...
  local want=$1
  shift
  "$tern" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  local lines
  lines=$(wc -l <"$tmp/err")
  if [[ $rc -eq 0 || $rc -ge 128 ]] || [[ $lines -ne 1 ]] || ! grep -qi -- "$want" "$tmp/err"; then
    echo "FAIL: tern $* -> rc=$rc, stderr:"
    cat "$tmp/err"
    failures=$((failures + 1))
  else
    passed=$((passed + 1))
  fi
}

expect_error "unknown model" train --model nosuch --dataset synthetic
expect_error "not found" train --model lenet5 --data-dir "$tmp/missing"
expect_error "batch size" train --model lenet5 --dataset synthetic --batch-size 0
expect_error "epochs" train --model lenet5 --dataset synthetic --epochs 0
expect_error "bad.safetensors" eval --model lenet5 --dataset synthetic --checkpoint "$tmp/bad.safetensors"
expect_error "nope" train --nope
expect_error "unknown dataset" train --model mlp --dataset cifar
expect_error "optimizer" train --model mlp --dataset synthetic --optimizer lamb
expect_error "steps" bench train --model mlp --steps 0
expect_error "needs --dist ps" train --dist allreduce --codec topk --dataset synthetic
expect_error "unknown codec" train --dist ps --codec 3lcx --dataset synthetic
expect_error "needs --allreduce ring or hd" train --dist allreduce --codec fp16 --allreduce mpi --dataset synthetic
expect_error "takes no --codec-arg" train --dist allreduce --codec fp16 --codec-arg x=1 --dataset synthetic
expect_error "needs --dist ps" train --dist allreduce --pull-codec 3lc --dataset synthetic
expect_error "slice-elems" train --dist ps --slice-elems 0 --dataset synthetic
expect_error "needs --dist ps" train --dist allreduce --slice-elems 100 --dataset synthetic
expect_error "expected fifo or p3" train --dist ps --send-schedule lifo --dataset synthetic
expect_error "needs --dist ps" train --send-schedule p3 --dataset synthetic
expect_error "needs --dist ps" train --dist allreduce --send-schedule p3 --dataset synthetic
expect_error "synchronous rounds over MPI" train --dist ps --send-schedule p3 --async --dataset synthetic
expect_error "drop --aggregation" train --dist ps --send-schedule p3 --aggregation krum --dataset synthetic
expect_error "needs --send-schedule p3" train --dist ps --send-window 4 --dataset synthetic
expect_error "send-window" train --dist ps --send-schedule p3 --send-window 0 --dataset synthetic
expect_error "unknown schedule" bench p3 --schedules fifo,lifo
expect_error "slice-elems" bench p3 --slice-elems 0
expect_error "must exceed --warmup" bench p3 --iterations 2 --warmup 2
expect_error "under mpirun" bench p3 --servers 2
expect_error "unknown schedule" simulate p3 --schedules whole,lifo
expect_error "must be >= 1" simulate p3 --workers 0
expect_error "needs --pull-codec NAME" train --dist ps --pull-codec-arg s=1.0 --dataset synthetic
expect_error "unknown codec" train --dist ps --pull-codec 3lcx --dataset synthetic
expect_error "expected mpi or udp" train --dist ps --transport tcp --dataset synthetic
expect_error "--udp-loss needs --transport udp" train --dist ps --udp-loss 0.1 --dataset synthetic
expect_error "rate in \[0, 1)" train --dist ps --transport udp --udp-loss 1 --dataset synthetic
expect_error "raw float32" train --dist ps --transport udp --codec 3lc --dataset synthetic
expect_error "synchronous rounds" train --dist ps --transport udp --async --dataset synthetic
expect_error "positive time" train --dist ps --transport udp --udp-deadline-ms 0 --dataset synthetic
expect_error "needs --dist ps" train --dist allreduce --momentum-correction --dataset synthetic
expect_error "sparsifying push codec" train --dist ps --momentum-correction --codec fp16 --dataset synthetic
expect_error "momentum > 0" train --dist ps --momentum-correction --codec topk --momentum 0 --dataset synthetic
expect_error "staleness" train --dist ps --async --staleness -1 --dataset synthetic
# A strategy's flags without --dist, or with another strategy, are errors
# (tern/distributed/run.h), not silently ignored.
expect_error "needs --dist ps" train --servers 2 --dataset synthetic
expect_error "needs --dist allreduce|localsgd|adacomm|ps" train --codec bogus --dataset synthetic
expect_error "needs --dist ps" train --dist allreduce --servers 2 --dataset synthetic
expect_error "needs --dist allreduce" train --dist ps --bucket-kb 64 --dataset synthetic
expect_error "needs --allreduce blueconnect" train --dist allreduce --factors 2x2 --dataset synthetic
expect_error "bucket-kb" train --dist allreduce --bucket-kb -1 --dataset synthetic
expect_error "servers" train --dist ps --servers two --dataset synthetic
expect_error "needs --async" train --dist ps --staleness 2 --dataset synthetic
expect_error "dist" train --dist gossip --dataset synthetic

echo "$passed passed, $failures failed"
[[ $failures -eq 0 ]]
