#!/usr/bin/env bash
# The long verify regression: every golden trace, generated LeNet-5 networks (both LUT modes, several weight widths
# and seeds) and reduced ResNet-18 / MobileNetV2 (32x32 inputs), on the default 16x16 and the small 4x4 configs,
# through `lutsim verify` on every engine the binary has (the RTL only where a Verilated configuration exists).
# Each run must be bit-exact on every engine, with SystemC and RTL cycles within the tolerance per layer.
#
# Usage: scripts/regress_verify.sh [path/to/lutsim] [--quick]     (default: build/cli/lutsim)
# Writes one verify report per case to $OUT (default /tmp/lutsim_regress_verify) and a summary at the end.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/cli/lutsim}
quick=0
[[ "${2:-}" == "--quick" || "${1:-}" == "--quick" ]] && quick=1
[[ "${1:-}" == "--quick" ]] && bin=$root/build/cli/lutsim
out=${OUT:-/tmp/lutsim_regress_verify}
tol=${TOLERANCE:-5}
mkdir -p "$out"
# The engines this binary has, from the usage error of a verify with no engines.
built=$("$bin" verify x --input x --engines , 2>&1 | sed -n 's/.*(built: \([a-z, ]*\)).*/\1/p' | tr -d ' ')
rtl_configs="default small"   # the presets rtl/top/CMakeLists.txt builds
pass=0 fail=0
failed=()

engines_for() {  # $1 = hw preset or file
  local e=${built//reference,/}
  if [[ ",$e," == *",rtl,"* && " $rtl_configs " != *" $1 "* ]]; then e=${e//,rtl/}; fi
  echo "$e"
}

run_case() {  # name net input hw
  local name=$1 net=$2 input=$3 hw=$4
  local engines; engines=$(engines_for "$hw")
  local t0=$SECONDS
  if "$bin" verify "$net" --input "$input" --hw "$hw" --engines "$engines" --cycle-tolerance "$tol" \
       --report "$out/$name.json" --wave-window "$out/$name.fst" >"$out/$name.txt" 2>&1; then
    pass=$((pass + 1)); echo "PASS $name [$engines] $((SECONDS - t0)) s"
  else
    fail=$((fail + 1)); failed+=("$name"); echo "FAIL $name [$engines] $((SECONDS - t0)) s"; tail -5 "$out/$name.txt"
  fi
}

# Golden traces (with their own config where they have one).
for t in "$root"/traces/*/; do
  name=$(basename "$t")
  hw=default; [[ -f "$t/hw.json" ]] && hw="$t/hw.json"
  run_case "trace_$name" "$t/net.npz" "$t/input.npy" "$hw"
done

# Generated networks on both RTL configurations.
gen() {  # name args...
  local name=$1; shift
  [[ -f "$out/$name.npz" ]] || "$bin" gen "$@" -o "$out/$name.npz" --sample-input "$out/$name.in.npy" >/dev/null
}
seeds="1 2 3"; [[ $quick == 1 ]] && seeds=1
for hw in default small; do
  acc=32; [[ $hw == small ]] && acc=24
  for lut in per-layer per-channel; do
    for bits in 2 4; do
      for seed in $seeds; do
        n=lenet5_${lut}_${bits}b_s${seed}_a${acc}
        gen "$n" --arch lenet5 --lut "$lut" --shift "$lut" --weight-bits "$bits" --seed "$seed" --acc-bits "$acc"
        run_case "${n}_$hw" "$out/$n.npz" "$out/$n.in.npy" "$hw"
      done
    done
  done
  for arch in resnet18 mobilenetv2; do
    for lut in per-layer per-channel; do
      n=${arch}_32_${lut}_a${acc}
      gen "$n" --arch "$arch" --input-size 32 --width 0.25 --classes 10 --lut "$lut" --acc-bits "$acc"
      run_case "${n}_$hw" "$out/$n.npz" "$out/$n.in.npy" "$hw"
      [[ $quick == 1 ]] && break
    done
  done
done

# The largest SystemC/RTL cycle differences over the verify reports in $out (the figures docs/verify.md records).
python3 - "$out" <<'PY' || true
import glob, json, sys
layer, total = (0.0, "-"), (0.0, "-")
for f in glob.glob(sys.argv[1] + "/*.json"):
    try:
        j = json.load(open(f))
    except ValueError:
        continue
    if not isinstance(j, dict) or "cycles" not in j:
        continue
    case = f.rsplit("/", 1)[-1][:-5]
    if abs(j["cycles"]["diff_percent"]) > abs(total[0]):
        total = (j["cycles"]["diff_percent"], case)
    for l in j["layers"]:
        if abs(l.get("cycle_diff_percent", 0)) > abs(layer[0]):
            layer = (l["cycle_diff_percent"], case + " " + l["name"])
print("regress_verify: largest SystemC/RTL difference per layer %+.2f%% (%s), in total %+.2f%% (%s)"
      % (layer[0], layer[1], total[0], total[1]))
PY
echo "regress_verify: $pass passed, $fail failed (reports in $out)"
[[ $fail == 0 ]] || { printf '  %s\n' "${failed[@]}"; exit 1; }
