#!/usr/bin/env bash
# ctest install_consumer: `cmake --install` of this build into a DESTDIR
# tree, then what a user does with it. Checks the layout, that the installed
# `tern` runs on the installed libtern.so, that every installed header
# compiles against the installed tree alone, builds and runs
# consumer/main.cc twice: with find_package(Tern) and with pkg-config, and
# (where the build has the Python package) imports the installed `tern`.
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

python=$(sed -n 's/^_\{0,1\}Python_EXECUTABLE:[A-Z]*=//p' "$build/CMakeCache.txt" | head -n 1)
if compgen -G "$build/python/tern/_C*.so" >/dev/null; then
  step "the Python package, installed"
  init=$(find "$p/lib" -path '*-packages/tern/__init__.py' | head -1)
  [[ -n $init ]] || fail "the build has the Python package but the install does not"
  site=$(dirname "$(dirname "$init")")
  # Where the interpreter looks for this prefix's packages: after a real
  # `make install`, `import tern` needs no PYTHONPATH.
  "$python" -c 'import sys; sys.exit(sys.argv[1] not in sys.path)' "${site#"$root"}" \
    || fail "${site#"$root"} is not on $python's sys.path"
  out=$(cd / && PYTHONPATH=$site "$python" -c 'import tern; print(tern._C.__file__); print((tern.ones([2]) * 3).numpy().tolist())') \
    || fail "the installed package does not import"
  echo "$out"
  [[ $out == "$site/tern/_C"*$'\n'"[3.0, 3.0]" ]] || fail "imported the wrong tern or computed wrongly: $out"
  loaded=$(ldd "$site"/tern/_C*.so | awk '/libtern/ {print $3}')
  [[ -n $loaded && $(realpath "$loaded") == $(realpath "$p/lib/libtern.so") ]] \
    || fail "the installed _C loads '$loaded', not $p/lib/libtern.so"
fi

rm -rf "$work"
echo "install_consumer: ok"
