#!/usr/bin/env bash
# Long randomised regression of the RTL core (rtl/core) against the ISA interpreter: the tests of
# tests/rtl/core/core_random_test.cc with their tile counts scaled up and several seeds.
# Usage: scripts/regress_rtl_core.sh [BUILD_DIR] [SCALE] [SEEDS]
#   BUILD_DIR  configured build directory (default: build); core_random_test is built in it
#   SCALE      tile-count scale in percent of the ctest counts (default 2000: 20x, about 90,000 tiles per seed)
#   SEEDS      how many seeds (default 4)
# A failure prints the configuration, seed, tile, first mismatching accumulator entry and the program.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
scale=${2:-2000}
seeds=${3:-4}
ninja -C "$build" -j2 core_random_test
for ((s = 1; s <= seeds; s++)); do
  echo "== seed $s, scale ${scale}%"
  LUTSIM_RTL_CORE_SEED=$s LUTSIM_RTL_CORE_TILES=$scale "$build/tests/rtl/core/core_random_test" --gtest_brief=1
done
echo "regress_rtl_core: all seeds passed"
