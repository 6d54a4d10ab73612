#!/usr/bin/env bash
# End-to-end check of `tern codec` and `tern bench codec` (run by ctest).
set -euo pipefail
tern="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# 1003 zeros then 1 one: a long zero run, an exact round trip.
head -c 4012 /dev/zero > "$dir/x.f32"
printf '\x00\x00\x80\x3f' >> "$dir/x.f32"
"$tern" codec encode --codec 3lc --sparsity 1.0 --in "$dir/x.f32" --out "$dir/x.3lc"
# [u64 count = 1004][f32 S = 1][...]: 8 + 4 + 15 run bytes + 1 literal.
test "$(stat -c %s "$dir/x.3lc")" -eq 28
test "$(od -An -tu8 -N8 "$dir/x.3lc" | tr -d ' ')" -eq 1004
"$tern" codec decode --codec 3lc --in "$dir/x.3lc" --out "$dir/y.f32"
cmp "$dir/x.f32" "$dir/y.f32"
# Truncated: a one-line error and exit code 2, no crash.
head -c 20 "$dir/x.3lc" > "$dir/bad.3lc"
set +e
"$tern" codec decode --codec 3lc --in "$dir/bad.3lc" --out "$dir/z.f32" 2> "$dir/err"
rc=$?
set -e
test $rc -eq 2
grep -q "truncated" "$dir/err"
test ! -e "$dir/z.f32"
# bench: JSON with a ratio, from a gaussian and from a dump directory.
out=$("$tern" bench codec --codec fp16 --size 10000 --reps 1 --json)
grep -q '"ratio":2.0' <<< "$out"
mkdir "$dir/dumps"
cp "$dir/x.f32" "$dir/dumps/step1_w.f32"
cp "$dir/x.f32" "$dir/dumps/step2_w.f32"
out=$("$tern" bench codec --codec none --source "$dir/dumps" --reps 1 --json)
grep -q '"tensors":2' <<< "$out"
echo "codec cli ok"
