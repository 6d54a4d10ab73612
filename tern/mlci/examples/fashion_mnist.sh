#!/usr/bin/env bash
# ease.ml/ci end to end on Fashion-MNIST: a softmax regression is the accepted
# model, an MLP is the new commit; `tern ci` decides whether the MLP passes
# "n - o > 0.01 +/- 0.02" and reports what the issue's acceptance condition
# "n - o > 0.02 +/- 0.01" at reliability 0.999 costs in labels.
#
#   TERN=build/tools/tern/tern tern/mlci/examples/fashion_mnist.sh
#
# Models come from `tern train` / `tern eval` when the binary has them. If it
# does not, predictions come from PREDICTIONS_DIR (softmax.txt, mlp.txt), or
# else from the module's test helper (TEST_BIN), which trains the same two
# model kinds with a small SGD loop.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
TERN=$(realpath "${TERN:-$ROOT/build/tools/tern/tern}")
TEST_BIN=${TEST_BIN:-$(dirname "$(dirname "$(dirname "$TERN")")")/tern/mlci/tern_mlci_fashion_mnist_test}
WORK=${WORK:-$(mktemp -d)}
LABELS=/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz
mkdir -p "$WORK"

has_subcommand() { "$TERN" --help | grep -qE "^  $1 "; }
if has_subcommand train && has_subcommand eval; then
  echo "== training softmax and mlp with tern train"
  for m in softmax mlp; do
    "$TERN" train --model "$m" --dataset fashion-mnist --epochs "${EPOCHS:-3}" --checkpoint "$WORK/$m.ckpt"
    "$TERN" eval --model "$m" --checkpoint "$WORK/$m.ckpt" --predictions-out "$WORK/$m.txt"
  done
elif [ -n "${PREDICTIONS_DIR:-}" ]; then
  echo "== using predictions from $PREDICTIONS_DIR"
  cp "$PREDICTIONS_DIR/softmax.txt" "$PREDICTIONS_DIR/mlp.txt" "$WORK/"
else
  echo "== tern train is not available: training both models with $TEST_BIN"
  TERN_MLCI_PREDICTIONS_OUT="$WORK" "$TEST_BIN" | grep -E "accuracy" || true
fi
wc -l "$WORK/softmax.txt" "$WORK/mlp.txt"

echo "== labels for n - o > 0.02 +/- 0.01 at reliability 0.999, H = 32 (d measured without labels)"
for a in none full; do
  "$TERN" ci samples --condition "n - o > 0.02 +/- 0.01" --reliability 0.999 --mode fp-free \
    --adaptivity "$a" --steps 32 --new-predictions "$WORK/mlp.txt" --old-predictions "$WORK/softmax.txt"
done

echo "== a CI run in a git work tree"
REPO="$WORK/repo"
rm -rf "$REPO" && mkdir -p "$REPO" && cd "$REPO"
git init -q . && git config user.email ci@tern.invalid && git config user.name "tern ci example"
cat > .ternci.yml <<YML
condition: n - o > 0.01 +/- 0.02
reliability: 0.99
mode: fp-free
adaptivity: full
steps: 4
labels: $LABELS
state: .ternci
YML
echo .ternci/ > .gitignore
cp "$WORK/softmax.txt" model.txt && git add -A && git commit -qm "softmax regression"
"$TERN" ci baseline --predictions model.txt
"$TERN" ci install-hook
cp "$WORK/mlp.txt" model.txt && git commit -qam "mlp"
set +e
"$TERN" ci check --predictions model.txt
rc=$?
set -e
echo "tern ci check exited with $rc (0 pass, 1 fail, 2 error)"
cat .ternci/state.json
