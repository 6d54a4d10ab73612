#!/usr/bin/env bash
# ctest install_consumer: `cmake --install` of this build into a DESTDIR
# tree, then what a user does with it. Checks the layout, that the installed
# `tern` runs on the installed libtern.so, that every installed header
# compiles against the installed tree alone, and builds and runs
# consumer/main.cc twice: with find_package(Tern) and with pkg-config.
#   install_test.sh BUILD_DIR CONSUMER_SRC CMAKE CXX [EXTRA_CXXFLAGS]
set -euo pipefail
build=$1 src=$2 cmake=$3 cxx=$4 flags=${5:-}
# A fixed folder in the build tree, so that ccache (base_dir) sees the same
# paths on every run.
work=$build/install_consumer
rm -rf "$work"
mkdir -p "$work"
root=$work/root
prefix=/usr/local
p=$root$prefix
fail() { echo "install_consumer: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "cmake --install (DESTDIR=$root)"
DESTDIR=$root "$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" \
  || { cat "$work/install.log"; fail "cmake --install failed"; }
for f in bin/tern lib/libtern.so lib/cmake/Tern/TernConfig.cmake lib/cmake/Tern/TernConfigVersion.cmake \
         lib/cmake/Tern/TernTargets.cmake lib/pkgconfig/tern.pc include/tern/core/tensor.h include/tern/ops/ops.def; do
  [[ -e $p/$f ]] || fail "the install has no $f"
done
test_headers=$(find "$p/include" \( -name '*_test.h' -o -name 'test_util.h' -o -name testing.h -o -name op_db.h \) -printf '%P\n')
[[ -z $test_headers ]] || fail "test headers installed: $test_headers"

step "installed tern --version"
version=$("$p/bin/tern" --version)
[[ $version =~ ^tern\ 0\.1\.0\ \(kernels:\ (.*)\)$ ]] || fail "tern --version printed '$version'"
kernels=${BASH_REMATCH[1]}
# Captured first: `ldd | grep -q` under pipefail fails when grep exits early
# and ldd dies of SIGPIPE.
libs=$(ldd "$p/bin/tern")
grep -qF "$p/bin/../lib/libtern.so" <<<"$libs" \
  || fail "the installed tern does not load $p/lib/libtern.so: $(grep libtern <<<"$libs")"
rpath=$(readelf -d "$p/bin/tern" | grep -E "R(UN)?PATH" || true)
if grep -qF "$build" <<<"$rpath"; then
  fail "the installed tern still has the build tree in its RPATH"
fi

launcher=()
command -v ccache >/dev/null && launcher=(ccache)

step "every installed header compiles against the install alone"
(cd "$p/include" && find tern -name '*.h' -printf '#include "%p"\n' | sort) >"$work/all_headers.cc"
n=$(wc -l <"$work/all_headers.cc")
"${launcher[@]}" "$cxx" $flags -std=c++20 -fsyntax-only -I"$p/include" "$work/all_headers.cc" \
  || fail "the $n installed headers do not compile on their own"

step "consumer with find_package(Tern)"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
"$cmake" -S "$src" -B "$work/cmake" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_PREFIX_PATH="$p" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF ${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER=ccache} >"$work/cmake.log" \
  || { cat "$work/cmake.log"; fail "configuring the consumer failed"; }
found=$(sed -n 's/^Tern_DIR:PATH=//p' "$work/cmake/CMakeCache.txt")
[[ $found == "$p/lib/cmake/Tern" ]] || fail "find_package(Tern) found $found, not the install"
"$cmake" --build "$work/cmake" >"$work/build.log" || { cat "$work/build.log"; fail "building the consumer failed"; }
out=$("$work/cmake/tern_consumer") || fail "the CMake-built consumer failed"
echo "$out"
[[ $out == *"kernels: $kernels" ]] || fail "consumer sees kernels '$out', tern --version '$kernels'"

step "consumer with pkg-config"
pc=$(PKG_CONFIG_PATH=$p/lib/pkgconfig pkg-config --cflags --libs tern) || fail "pkg-config does not know tern"
[[ $pc == *"-I$p/lib/pkgconfig/../../include"* ]] || fail "pkg-config flags do not point into the install: $pc"
# shellcheck disable=SC2086  # $pc and $flags are lists of flags
"${launcher[@]}" "$cxx" $flags -O2 "$src/main.cc" $pc -o "$work/pc_consumer" || fail "g++ \$(pkg-config --cflags --libs tern) failed"
out=$(LD_LIBRARY_PATH=$p/lib "$work/pc_consumer") || fail "the pkg-config-built consumer failed"
echo "$out"
[[ $out == *"kernels: $kernels" ]] || fail "consumer sees kernels '$out', tern --version '$kernels'"

rm -rf "$work"
echo "install_consumer: ok"
