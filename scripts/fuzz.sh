#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, build-fuzz/) and runs them.
#   scripts/fuzz.sh [TARGET|all] [SECONDS] [RUNS]     default: all, 20 s per target, no bound on runs
# A target stops after SECONDS or after RUNS executions, whichever comes first (the long runs of
# docs/reliability.md: scripts/fuzz.sh TARGET 3600 10000000).
# TARGET is npy, network, program, hw, energy, report, sweep or onnx. Each run starts from the committed seeds
# (fuzz/corpus/TARGET), the inputs of fixed findings (fuzz/regressions/TARGET, run first, so a regression fails at
# once) and what earlier runs found (build-fuzz/corpus/TARGET), with the format's dictionary
# (fuzz/dict/TARGET.dict). It prints the executions, the coverage and the corpus size per target; a crash, a
# timeout, a leak or a sanitizer report stops with the input saved as build-fuzz/findings/TARGET/crash-* and exit 1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
which=${1:-all}
secs=${2:-20}
runs=${3:--1}
build=${LUTSIM_FUZZ_BUILD:-$root/build-fuzz}
targets=(npy network program hw energy report sweep onnx)
if [[ $which != all ]]; then
  [[ " ${targets[*]} " == *" $which "* ]] || { echo "fuzz.sh: unknown target '$which' (${targets[*]})" >&2; exit 2; }
  targets=("$which")
fi
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLUTSIM_FUZZ=ON -DLUTSIM_RTL=OFF -DLUTSIM_TESTS=OFF -DLUTSIM_BENCH=OFF "${launcher[@]}" >/dev/null
ninja -C "$build" -j"$(nproc)" $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null
status=0
printf '%-9s %12s %8s %8s %8s %8s  %s\n' target execs exec/s seconds cov corpus result
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t" findings="$build/findings/$t"
  mkdir -p "$corpus" "$findings"
  seeds=("$root/fuzz/corpus/$t")
  [[ -d $root/fuzz/regressions/$t ]] && seeds+=("$root/fuzz/regressions/$t")
  dict=()
  [[ -f $root/fuzz/dict/$t.dict ]] && dict=(-dict="$root/fuzz/dict/$t.dict")
  log="$build/fuzz_$t.log"
  start=$SECONDS
  set +e
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/fuzz/fuzz_$t" "$corpus" "${seeds[@]}" "${dict[@]}" -max_total_time="$secs" -runs="$runs" -timeout=20 \
    -rss_limit_mb=4096 -max_len=262144 -print_final_stats=1 -artifact_prefix="$findings/" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  took=$((SECONDS - start))
  files=$(find "$corpus" -type f | wc -l)
  result=ok
  if [[ $rc -ne 0 ]]; then result="FINDING (exit $rc, see $log)"; status=1; fi
  printf '%-9s %12s %8s %8s %8s %8s  %s\n' "$t" "$execs" "$speed" "$took" "$cov" "$files" "$result"
done
exit $status
