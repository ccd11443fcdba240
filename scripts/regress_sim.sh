#!/usr/bin/env bash
# A bigger regression of the SystemC model than ctest's: every zoo architecture at several input sizes, widths,
# weight widths, LUT and shift granularities and logits, on every preset and on N random hardware configs; each
# run through `lutsim sim` is compared byte for byte with the golden engine (`lutsim run`). Configs whose SRAMs are
# too small for a network are skipped and counted.
#
#   scripts/regress_sim.sh [BUILD_DIR] [N]      (defaults: build, 12 random configs)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
nrand=${2:-12}
bin=$build/cli/lutsim
[[ -x $bin ]] || { echo "regress_sim: no lutsim binary at $bin (build first)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Random configs, reproducible from their index.
configs=(small default large)
for i in $(seq 1 "$nrand"); do
  /usr/bin/python3 - "$i" "$work/hw$i.json" <<'PY'
import json, random, sys
r = random.Random(int(sys.argv[1]))
rows, cols = r.choice([3, 4, 8, 16, 32]), r.choice([4, 5, 8, 16, 32, 64])
modes = r.choice([["per_layer", "per_channel"], ["per_layer"], ["per_channel"]])
cfg = {"name": f"rand{sys.argv[1]}", "array": {"rows": rows, "cols": cols},
       "acc_bits": r.choice([16, 24, 32]), "rounding": r.choice(["half_up", "half_even", "floor"]),
       "lut_modes": modes,
       "sram_kib": {"activation": r.choice([32, 64, 256]), "weight": r.choice([8, 32, 128]),
                    "accumulator": r.choice([4, 16, 64]), "parameter": r.choice([2, 4, 16])},
       "dram": {"bytes_per_cycle": r.choice([1, 4, 8, 16, 32, 64]), "latency_cycles": r.choice([0, 1, 20, 100, 400]),
                "max_outstanding": r.choice([1, 2, 8, 32]), "burst_bytes": r.choice([16, 32, 64, 256])},
       "queue_depth": r.choice([1, 2, 4, 16]), "clock_mhz": 400}
json.dump(cfg, open(sys.argv[2], "w"))
PY
  configs+=("$work/hw$i.json")
done

nets=()
n=0
for spec in "lenet5 0 1 4 per-layer per-layer s32" "lenet5 28 1 2 per-channel per-channel s8" \
            "lenet5 0 1 8 per-layer per-layer s8" "resnet18 32 0.125 4 per-channel per-layer s32" \
            "resnet18 40 0.25 3 per-layer per-channel s8" "mobilenetv2 32 0.25 4 per-channel per-channel s32" \
            "mobilenetv2 48 0.35 2 per-layer per-layer s8"; do
  read -r arch size width bits lut shift logits <<<"$spec"
  n=$((n + 1))
  "$bin" gen --arch "$arch" --input-size "$size" --width "$width" --weight-bits "$bits" --lut "$lut" \
      --shift "$shift" --logits "$logits" --classes 10 --seed "$n" --batch 2 --sample-input "$work/x$n.npy" \
      -o "$work/net$n.npz" >/dev/null
  nets+=("$n")
done

pass=0 skip=0 fail=0
for hw in "${configs[@]}"; do
  for k in "${nets[@]}"; do
    name="net$k on $(basename "$hw" .json)"
    if ! "$bin" run "$work/net$k.npz" --hw "$hw" -q --input "$work/x$k.npy" -o "$work/g.npy" 2>"$work/err"; then
      echo "FAIL (golden) $name: $(cat "$work/err")"; fail=$((fail + 1)); continue
    fi
    if ! "$bin" sim "$work/net$k.npz" --hw "$hw" -q --input "$work/x$k.npy" -o "$work/s.npy" \
        --report "$work/r.json" 2>"$work/err"; then
      if grep -q "is too small" "$work/err"; then skip=$((skip + 1)); continue; fi
      echo "FAIL (sim) $name: $(cat "$work/err")"; fail=$((fail + 1)); continue
    fi
    if cmp -s "$work/g.npy" "$work/s.npy"; then
      pass=$((pass + 1))
    else
      echo "FAIL (bits differ) $name"; fail=$((fail + 1))
    fi
  done
done
echo "regress_sim: $pass bit-exact, $skip skipped (SRAM too small), $fail failed"
[[ $fail -eq 0 ]]
