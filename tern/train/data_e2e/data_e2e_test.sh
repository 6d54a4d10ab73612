#!/usr/bin/env bash
# `tern train --data` and `tern eval --data` end to end on generated data:
# an image folder of PNGs with LeNet-5 (resized to 28x28 gray) and a CSV
# table with the MLP. Both are separable, so one short epoch must beat
# chance (1/3) by far; eval of the checkpoint must reproduce the accuracy.
set -euo pipefail
TERN=$1
HERE=$(dirname "$0")
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
above() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)" "$1" "$2"; }

python3 "$HERE/make_data.py" images "$T/img" 120
"$TERN" train --model lenet5 --data "images:$T/img,size=28,gray,holdout=0.25" --epochs 1 --batch-size 16 \
  --lr 0.02 --threads 2 --checkpoint "$T/lenet5.ckpt" --json > "$T/img.json"
acc=$(field "$T/img.json" test_accuracy)
echo "lenet5 on images: test accuracy $acc, $(field "$T/img.json" step_ms) ms/step," \
     "loader wait $(field "$T/img.json" loader_wait_ms) ms/step"
above "$acc" 0.6 || { echo "FAIL: lenet5 on a separable image folder: accuracy $acc <= 0.6"; exit 1; }
out=$("$TERN" eval --model lenet5 --threads 2 --checkpoint "$T/lenet5.ckpt" \
  --data "images:$T/img,size=28,gray,holdout=0.25")
echo "$out"
python3 -c "import sys; a=float(sys.argv[1]); t=sys.argv[2]; sys.exit(0 if ('%.2f%%' % (100 * a)) in t else 1)" \
  "$acc" "$out" || { echo "FAIL: tern eval disagrees with tern train ($acc)"; exit 1; }

python3 "$HERE/make_data.py" csv "$T/t.csv" 400
"$TERN" train --model mlp --data "csv:$T/t.csv,label=species" --epochs 1 --batch-size 16 --threads 2 --json \
  > "$T/csv.json"
acc=$(field "$T/csv.json" test_accuracy)
echo "mlp on csv: test accuracy $acc"
above "$acc" 0.8 || { echo "FAIL: mlp on a separable CSV: accuracy $acc <= 0.8"; exit 1; }

# A malformed row is one line naming the file and line, and no training.
printf 'f1,f2,species\n1,2,a\n3,x,b\n' > "$T/bad.csv"
if err=$("$TERN" train --model mlp --data "csv:$T/bad.csv" 2>&1); then echo "FAIL: bad.csv accepted"; exit 1; fi
echo "$err"
[[ $(printf '%s\n' "$err" | wc -l) -eq 1 && "$err" == *"$T/bad.csv:3: column 'f2': expected a number, got 'x'"* ]] \
  || { echo "FAIL: expected one line naming bad.csv:3"; exit 1; }
# LeNet-5 on feature vectors: refused before training, naming the models that fit.
if err=$("$TERN" train --model lenet5 --data "csv:$T/t.csv" 2>&1); then echo "FAIL: lenet5 on [4]"; exit 1; fi
[[ "$err" == *"use softmax, mlp or lenet300"* ]] || { echo "FAIL: $err"; exit 1; }
echo PASS
