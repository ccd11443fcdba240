#!/usr/bin/env bash
# Builds lutsim twice (Release, and ASan+UBSan) and runs every test in both builds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)

echo "== Release build"
"$root/scripts/build.sh" "$root/build" -DCMAKE_BUILD_TYPE=Release
ctest --test-dir "$root/build" --output-on-failure -j"$jobs"

# The sanitizer build leaves out the Verilated RTL (LUTSIM_RTL=OFF): Verilator's generated C++ takes most of a
# build's time on two cores, and the RTL's tests already run in the Release build. Every other library, the
# SystemC model and every command-line test run under ASan+UBSan.
echo "== ASan+UBSan build"
"$root/scripts/build.sh" "$root/build-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLUTSIM_SANITIZE=ON -DLUTSIM_BENCH=OFF \
  -DLUTSIM_RTL=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" --output-on-failure -j"$jobs"

# Every fuzz target for a short time from the committed seeds (scripts/fuzz.sh; the long runs are in
# docs/reliability.md). A finding fails the tests.
echo "== Fuzz (short)"
"$root/scripts/fuzz.sh" all "${LUTSIM_FUZZ_SECONDS:-15}"
