#!/bin/sh
# Runs the fast-kernel benchmark and PyTorch's onednn int8 Conv2d on the same ResNet-18 conv shapes, in one
# go, and prints a table of GMAC/s and ratios (lutsim / onednn) on 1 and 2 threads. Builds nothing: build
# bench_kernels first (see bench/README.md).
#
#   bench/run_kernels.sh [BUILD_DIR]      (default: build; or set LUTSIM_BUILD)
#
# Environment: REPS (default 15) and MIN_TIME (seconds per layer and thread count, default 0.3) for both
# sides; THREADS (default 1,2); OUT (a directory to keep the CSV files in; default a temporary one).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-${LUTSIM_BUILD:-$here/../build}}
bench=$build/bench/bench_kernels
reps=${REPS:-15}
min_time=${MIN_TIME:-0.3}
threads=${THREADS:-1,2}
python=/usr/bin/python3  # Debian's python3-torch is installed for /usr/bin/python3 only

if [ ! -x "$bench" ]; then
  echo "run_kernels.sh: $bench not found; build it first:" >&2
  echo "  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C build bench_kernels" >&2
  exit 1
fi
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# lutsim: bench_kernels (isa auto); onednn: torch" \
     "$("$python" -c 'import torch; print(torch.__version__)'); reps >= $reps, >= ${min_time}s per measurement, median"
"$bench" --print-shapes > "$out/shapes.csv"
"$bench" --threads "$threads" --reps "$reps" --min-time "$min_time" > "$out/lutsim.csv"
"$python" "$here/onednn_conv.py" --shapes "$out/shapes.csv" --threads "$threads" --reps "$reps" \
  --min-time "$min_time" > "$out/onednn.csv"
echo "# lutsim path: $(cut -d, -f14 "$out/lutsim.csv" | tail -n +2 | sort -u | tr '\n' ' ')"
echo "# onednn input layout per layer: $(tail -n +2 "$out/onednn.csv" | cut -d, -f1,3,6 | tr '\n' ' ')"
echo "# CSV files in $out"
echo
"$python" "$here/report.py" "$out/lutsim.csv" "$out/onednn.csv"
