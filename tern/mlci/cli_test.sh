#!/usr/bin/env bash
# The `tern ci` command-line contract: figures, exit codes (0 pass, 1 fail,
# 2 error), state, sealed results and the git hook. Usage: cli_test.sh TERN
set -uo pipefail
TERN=$(realpath "$1")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"

fail() { echo "FAIL: $*"; exit 1; }
# run WANT_RC CMD...: runs CMD, keeps stdout in out.txt and stderr in err.txt.
run() {
  local want=$1; shift
  "$@" >out.txt 2>err.txt
  local rc=$?
  [ "$rc" -eq "$want" ] || { cat out.txt err.txt; fail "expected exit $want from '$*', got $rc"; }
}
has() { grep -q -- "$2" "$1" || { cat "$1"; fail "'$2' not in $1"; }; }
hasnt() { ! grep -qi -- "$2" "$1" || { cat "$1"; fail "'$2' must not be in $1"; }; }

# The reference's worked example, as text and JSON.
run 0 "$TERN" ci samples --condition "n - o > 0.1 +/- 0.1" --reliability 0.99 --mode fp-free --adaptivity full --steps 32
has out.txt "hoeffding (baseline): 5496 examples, 5496 labels"
run 0 "$TERN" ci samples --condition "n - o > 0.1 +/- 0.1" --reliability 0.99 --adaptivity full --steps 32 --json
has out.txt '"examples": 5496'
run 2 "$TERN" ci samples --condition "n - o > 0.1" --reliability 0.99
has err.txt "column 12: expected '+/- eps'"
[ "$(wc -l <err.txt)" -eq 1 ] || fail "error is not one line"
run 2 "$TERN" ci samples --condition "n > 0.5 +/- 0.1" --reliability 1.5

# The ease.ml/ci layout.
printf 'ml:\n- script : ./evaluate_model.py\n- condition : n - o > 0.1 +/- 0.1\n- reliability: 0.99\n- mode : fp-free\n- adaptivity : full\n- steps : 32\n- data_mode : local\n- email: a@b.c\n' >.easeml.yml
run 0 "$TERN" ci samples --config .easeml.yml
has out.txt "5496 examples"
rm .easeml.yml

# A test set of 1000 examples; the old model is right on 70%, a good new one
# on 95%, a bad one on 50%.
seq 0 999 | awk '{print $1 % 10}' >labels.txt
for spec in old:700 good:950 bad:500; do
  seq 0 999 | awk -v k="${spec#*:}" '{print ($1 < k) ? $1 % 10 : ($1 + 1) % 10}' >"${spec%%:*}.txt"
done
printf 'condition: n - o > 0.05 +/- 0.1\nreliability: 0.9\nmode: fp-free\nadaptivity: full\nsteps: 2\nlabels: labels.txt\n' >.ternci.yml

run 2 "$TERN" ci check --predictions good.txt
has err.txt "git work tree"
git init -q . && git config user.email t@t.invalid && git config user.name t
git add .ternci.yml labels.txt && git commit -qm init

run 2 "$TERN" ci check --predictions good.txt
has err.txt "no accepted model"
run 0 "$TERN" ci baseline --predictions old.txt
run 0 "$TERN" ci check --predictions good.txt
has out.txt "PASS (step 1 of 2)"
has out.txt "sample size by"
run 1 "$TERN" ci check --predictions bad.txt
has out.txt "FAIL (step 2 of 2)"
has out.txt "now spent; the next check needs a new test set of at least"
run 2 "$TERN" ci check --predictions good.txt
has err.txt "this test set is spent"
has .ternci/state.json '"steps_used": 2'
[ -f .ternci/accepted.txt ] && cmp -s .ternci/accepted.txt good.txt || fail "accepted model is not the passing one"

# A new test set: the accepted model's predictions must be given again for it.
printf '0\n' >>labels.txt; printf '0\n' >>good.txt; printf '0\n' >>old.txt; printf '0\n' >>bad.txt
run 2 "$TERN" ci check --predictions good.txt
has err.txt "the test set changed"
run 2 "$TERN" ci baseline --predictions old.txt --labels labels.txt.missing
run 0 "$TERN" ci baseline --predictions old.txt
run 0 "$TERN" ci check --predictions good.txt
has out.txt "PASS (step 1 of 2)"

# Adaptivity none: nothing revealed, exit 0, result sealed.
sed -i 's/adaptivity: full/adaptivity: none/; s/steps: 2/steps: 1/' .ternci.yml
rm -rf .ternci
run 0 "$TERN" ci baseline --predictions old.txt
run 0 "$TERN" ci check --predictions bad.txt
has out.txt "result is sealed"
hasnt out.txt "fail"
hasnt out.txt "pass"
has .ternci/sealed.log '"result":"fail"'

# A test set too small for the condition says what is needed.
sed -i 's/+\/- 0.1/+\/- 0.01/' .ternci.yml
sed -i 's/adaptivity: none/adaptivity: full/' .ternci.yml
rm -rf .ternci
run 0 "$TERN" ci baseline --predictions old.txt
run 2 "$TERN" ci check --predictions good.txt
has err.txt "provide a new test set of at least"

# The hook.
run 0 "$TERN" ci install-hook
[ -x .git/hooks/pre-push ] || fail "hook not executable"
has .git/hooks/pre-push "ci check"
run 2 "$TERN" ci install-hook
run 0 "$TERN" ci install-hook --force
echo "cli_test: all checks passed"
