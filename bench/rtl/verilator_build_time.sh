#!/usr/bin/env bash
# Verilator build time of the 16x16 core model (lutsim_core_tb, A = 32), the way lutsim_verilated_library() builds
# it: verilator --cc (with FST trace support and assertions), then the generated C++ and Verilator's runtime
# compiled at -O1 (fast) / -O0 (slow) / -O2 (global) with one job. Prints both phases' wall and CPU times.
# Usage: bench/rtl/verilator_build_time.sh BUILD_DIR   (a configured build dir, for the generated ISA package)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: verilator_build_time.sh BUILD_DIR}" && pwd)
pkg=$build/rtl/lutsim_isa_pkg.sv
[ -f "$pkg" ] || { echo "verilator_build_time.sh: $pkg missing (configure $build first)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
core=$root/rtl/core
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "verilate: %e s wall, %U s user" \
  verilator --cc --trace-fst --assert --x-assign fast --x-initial fast -Mdir "$tmp" --prefix Vcore \
    --top-module lutsim_core_tb -GROWS=16 -GCOLS=16 -GACC_BITS=32 -GACT_AW=16 -GWGT_AW=16 -GPAR_AW=12 -GACC_AW=10 \
    "$pkg" "$core/lutsim_pe.sv" "$core/lutsim_pe_array.sv" "$core/lutsim_wcfg.sv" "$core/lutsim_gemm_ctrl.sv" \
    "$core/harness/lutsim_core_tb.sv"
/usr/bin/time -f "compile (model + runtime, -j1): %e s wall, %U s user" \
  make -s -C "$tmp" -f Vcore.mk -j1 OPT_FAST=-O1 OPT_SLOW=-O0 OPT_GLOBAL=-O2 VM_TRACE=1 Vcore__ALL.a verilated.o \
    verilated_fst_c.o >/dev/null
