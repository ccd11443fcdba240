#!/usr/bin/env bash
# Long randomised regression of rtl/post (lutsim_ppu, lutsim_vec) against the ISA interpreter: the ctest suites'
# random tests with many more instructions, over several seeds. Usage:
#   scripts/regress_rtl_post.sh [BUILD_DIR] [ITERS_PER_TEST] [SEEDS]
# defaults: build, 50000 instructions per test and configuration, seeds 1..4. Builds the two test binaries first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
iters=${2:-50000}
seeds=${3:-4}
[ -f "$build/build.ninja" ] || bash "$root/scripts/build.sh" "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j2 ppu_rtl_test vec_rtl_test >/dev/null
for seed in $(seq 1 "$seeds"); do
  for t in ppu_rtl_test vec_rtl_test; do
    echo "== $t seed $seed, $iters instructions per configuration"
    LUTSIM_RTL_POST_SEED=$seed LUTSIM_RTL_POST_ITERS=$iters "$build/tests/rtl/post/$t" \
      --gtest_filter='*RandomInstructionsMatchInterpreter*:*BackToBack*' --gtest_brief=1
  done
done
echo "regress_rtl_post: all passed"
