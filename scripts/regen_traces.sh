#!/usr/bin/env bash
# Regenerates the golden regression traces in traces/ (see traces/README.md) with the lutsim binary:
# for each trace, `lutsim gen` writes the network and a random input batch, and `lutsim run` with the reference
# kernels writes the expected output and statistics.
#
# Usage: scripts/regen_traces.sh [LUTSIM_BINARY]      (default: build/cli/lutsim, built first when missing)
#
# Regenerate only when the arithmetic contract or the network format changes on purpose, and say why in the
# commit: the traces exist to catch every other change of the golden model's results.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lutsim=${1:-$root/build/cli/lutsim}
if [[ ! -x $lutsim ]]; then
  "$root/scripts/build.sh" "$root/build" >/dev/null
  lutsim=$root/build/cli/lutsim
fi

# trace NAME BATCH HW_JSON GEN_ARGS...: HW_JSON is a hardware config written beside the trace, or "" for the
# default preset.
trace() {
  local name=$1 batch=$2 hw_json=$3
  shift 3
  local dir=$root/traces/$name hw=default
  rm -rf "$dir"
  mkdir -p "$dir"
  if [[ -n $hw_json ]]; then
    printf '%s\n' "$hw_json" >"$dir/hw.json"
    hw=$dir/hw.json
  fi
  "$lutsim" gen "$@" -o "$dir/net.npz" --sample-input "$dir/input.npy" --batch "$batch" >/dev/null
  "$lutsim" run "$dir/net.npz" --input "$dir/input.npy" --output "$dir/expected_output.npy" \
    --stats "$dir/expected_stats.json" --hw "$hw" --engine reference --no-timing --quiet
  echo "traces/$name: $(du -sk "$dir" | cut -f1) KiB"
}

trace lenet5_per_layer 8 "" \
  --arch lenet5 --weight-bits 4 --lut per-layer --shift per-layer --seed 1
trace lenet5_per_channel_2bit 8 "" \
  --arch lenet5 --input-size 28 --weight-bits 2 --lut per-channel --shift per-channel --logits s8 --seed 2
trace resnet18_32x32 2 "" \
  --arch resnet18 --input-size 32 --width 0.125 --classes 10 --weight-bits 4 --lut per-channel --seed 3
# Sized for 24-bit accumulators and run with floor rounding.
trace mobilenetv2_32x32_acc24_floor 2 '{ "name": "acc24_floor", "acc_bits": 24, "rounding": "floor" }' \
  --arch mobilenetv2 --input-size 32 --width 0.25 --classes 10 --weight-bits 3 --shift per-channel --acc-bits 24 --seed 4
# 8-bit weights sized for a 17-bit accumulator and run on a 16-bit one with half-even rounding: a few
# accumulators wrap.
trace lenet5_8bit_acc16_half_even 8 '{ "name": "acc16_half_even", "acc_bits": 16, "rounding": "half_even" }' \
  --arch lenet5 --weight-bits 8 --acc-bits 17 --logits s8 --seed 5
echo "traces: $(du -sk "$root/traces" | cut -f1) KiB in total"
