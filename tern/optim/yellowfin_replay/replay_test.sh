#!/bin/bash
# The reference replay (ctest yellowfin_reference_replay, label slow): 10^4
# steps of the synthetic stream under each option set, and of a real MLP run
# on Fashion-MNIST, replayed into the reference YellowFin in float64; mu_t,
# lr_t and the statistics must match to 1e-5 relative.
#   replay_test.sh YELLOWFIN_REPLAY_BINARY REPLAY_PY
# The reference checkout comes from $TERN_YF_REFERENCE (a folder holding
# tuner_utils/yellowfin.py of JianGoForIt/YellowFin_Pytorch); without it,
# or without torch, the test is skipped (exit 77).
set -u
tool=$1
script=$2
ref=${TERN_YF_REFERENCE:-}
steps=${TERN_YF_STEPS:-10000}
if [[ -z "$ref" || ! -f "$ref/tuner_utils/yellowfin.py" ]]; then
  echo "SKIP: set TERN_YF_REFERENCE to a checkout of JianGoForIt/YellowFin_Pytorch"
  exit 77
fi
if ! /usr/bin/python3 -c "import torch, numpy" 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 cannot import torch and numpy"
  exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
status=0
for config in a b c; do
  "$tool" synthetic "$config" "$steps" "$dir/$config" || exit 1
  /usr/bin/python3 "$script" --reference "$ref" --dump "$dir/$config" || status=1
  rm -rf "${dir:?}/$config"
done
if [[ -d /usr/share/datasets/fashion-mnist ]]; then
  "$tool" mlp "$steps" "$dir/mlp" || exit 1
  /usr/bin/python3 "$script" --reference "$ref" --dump "$dir/mlp" || status=1
fi
exit $status
