#!/usr/bin/env bash
# End-to-end check of `tern dv`: exit codes (0 clean, 1 anomalies, 2 errors),
# the file:line:column error line, and that each subcommand writes its output.
#   cli_test.sh path/to/tern
set -u
TERN=$1
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

printf 'age,color,score\n30,red,0.5\n40,blue,0.25\n50,red,0.75\n' >"$DIR/a.csv"
printf 'age,color,score\n35,red,0.5\n45,blue,0.5\n' >"$DIR/clean.csv"
printf 'age,color,score,new\n30,red,0.5,1\n,purple,0.1,2\n' >"$DIR/bad.csv"
printf 'age,color,score\n30,red,0.5\n40,blue\n' >"$DIR/ragged.csv"

"$TERN" dv stats "$DIR/a.csv" -o "$DIR/a.json" >/dev/null || fail "stats"
grep -q '"num_examples": 3' "$DIR/a.json" || fail "stats json"
"$TERN" dv infer "$DIR/a.csv" -o "$DIR/schema.pbtxt" >/dev/null || fail "infer"
grep -q 'name: "color"' "$DIR/schema.pbtxt" || fail "schema text"

"$TERN" dv validate "$DIR/clean.csv" --schema "$DIR/schema.pbtxt" --previous "$DIR/a.json" >/dev/null
[ $? -eq 0 ] || fail "clean data should exit 0"
out=$("$TERN" dv validate "$DIR/bad.csv" --schema "$DIR/schema.pbtxt" -o "$DIR/anomalies.json")
[ $? -eq 1 ] || fail "anomalies should exit 1"
for t in SCHEMA_NEW_COLUMN FEATURE_TYPE_LOW_FRACTION_PRESENT ENUM_TYPE_UNEXPECTED_STRING_VALUES; do
  echo "$out" | grep -q "$t" || fail "missing $t in: $out"
  grep -q "$t" "$DIR/anomalies.json" || fail "missing $t in anomalies.json"
done

err=$("$TERN" dv stats "$DIR/ragged.csv" 2>&1 >/dev/null)
[ $? -eq 2 ] || fail "malformed input should exit 2"
[ "$err" = "tern: error: $DIR/ragged.csv:3:8: ragged row: expected 3 fields, found 2" ] || fail "error line: $err"

"$TERN" dv report "$DIR/bad.csv" --against "$DIR/a.csv" -o "$DIR/r.html" >/dev/null || fail "report"
[ "$(grep -o '<svg class="chart"' "$DIR/r.html" | wc -l)" -eq 4 ] || fail "report charts"
"$TERN" dv fuzz --schema "$DIR/schema.pbtxt" --n 50 -o "$DIR/f.csv" || fail "fuzz"
[ "$(wc -l <"$DIR/f.csv")" -eq 51 ] || fail "fuzz rows"
"$TERN" dv validate "$DIR/f.csv" --schema "$DIR/schema.pbtxt" >/dev/null || fail "fuzzed rows must conform"
echo "ok"
