#!/usr/bin/env bash
# Installs every Debian package Tern's build, tests, demo and benchmarks need.
# Idempotent: packages already installed are skipped; runs as root or via sudo.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libopenblas-dev libdnnl-dev zlib1g-dev
  libopenmpi-dev openmpi-bin
  nlohmann-json3-dev libcli11-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libzip-dev libpng-dev libjpeg62-turbo-dev libcairo2-dev libyaml-cpp-dev libonnx-dev libprotobuf-dev protobuf-compiler python3-onnx python3-matplotlib
  pybind11-dev python3-dev python3-numpy python3-pytest
  dataset-fashion-mnist
  iproute2 ccache strace
  clang libclang-rt-14-dev
  chromium
)
# Peers for side-by-side benchmarks (bench/), not needed by the build itself.
if [[ "${TERN_BENCH_PEERS:-0}" == 1 ]]; then
  PACKAGES+=(python3-torch hyperfine)
fi
PACKAGES+=(${TERN_EXTRA_PACKAGES:-})

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
