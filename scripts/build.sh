#!/usr/bin/env bash
# Configures and builds lutsim. Usage: scripts/build.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build}
shift || true
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$dir" -G Ninja -DLUTSIM_WERROR=ON "${launcher[@]}" "$@" >/dev/null
ninja -C "$dir" -j"$(nproc)"
