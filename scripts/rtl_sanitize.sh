#!/usr/bin/env bash
# The RTL under the sanitizers: builds the Verilated models (their generated C++ and Verilator's runtime), the
# harness and the RTL engine with AddressSanitizer and UBSan (build-rtl-asan/, RelWithDebInfo) and runs every test
# that drives the RTL: the unit models of rtl/core, rtl/post and rtl/top, the whole lutsim_top on the default and
# small presets, and the command-line tests that run `--engine rtl` and `verify` with the RTL.
#   scripts/rtl_sanitize.sh [CTEST_ARGS...]     default: -L rtl (every test labelled rtl) and the verify tests
# Too slow for CI (the first build took 37 minutes on a busy 2-core machine); one of the long regressions (README).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${LUTSIM_RTL_ASAN_BUILD:-$root/build-rtl-asan}
args=("$@")
[[ ${#args[@]} -gt 0 ]] || args=(-L rtl)
export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
bash "$root/scripts/build.sh" "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLUTSIM_SANITIZE=ON -DLUTSIM_RTL=ON \
  -DLUTSIM_BENCH=OFF
# The Python tests preload the runtimes themselves (python/tests/conftest.py); everything else links them.
cd "$build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest -j"$(nproc)" --timeout 1800 --output-on-failure "${args[@]}"
if [[ $# -eq 0 ]]; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest -j"$(nproc)" --timeout 1800 --output-on-failure -R '^Verify'
fi
