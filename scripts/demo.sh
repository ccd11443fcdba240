#!/usr/bin/env bash
# The main job on the bundled examples, end to end:
#   1. the bundled LeNet-5 trace network: inspect it, run it on the golden model, compare with its expected output;
#   2. quantize the bundled float LeNet-5 (models/lenet5.onnx) to 4-bit LUT weights with power-of-two shifts and
#      measure its accuracy on the real MNIST test split on the golden model and on the ISA interpreter;
#   3. compile it into a program for the default 16x16 accelerator and list the program;
#   4. run it on every engine built (golden, ISA interpreter, SystemC, RTL) and cross-check them layer by layer;
#   5. simulate it on the SystemC model: cycles, utilization, traffic and energy, a timeline and an HTML report;
#   6. generate a 4-bit ResNet-18 (224x224x3) and run one image through the golden model;
#   7. the same engines from Python (import lutsim, PYTHONPATH=build/python): LeNet-5 quantized, evaluated and
#      verified on every engine, and a PE-array sweep of ResNet-18 plotted to a PNG.
# Steps 4-5 use the engines and commands that this build has (lutsim --help lists them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh" "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
bash "$root/scripts/fetch_mnist.sh" >/dev/null
lutsim="$root/build/cli/lutsim"
out="${LUTSIM_DEMO_OUT:-$root/build/demo}"
mkdir -p "$out"
# The help text is read once into a variable: piping the binary straight into `grep -q` or `head` would let it die
# of SIGPIPE, which pipefail turns into a failed demo.
help_text=$("$lutsim" --help)
has() { grep -q "^  $1 " <<<"$help_text"; }
mnist="$root/data/mnist"

example="$root/traces/lenet5_per_layer"
echo "== 1. lutsim info, run (bundled LeNet-5 trace network)"
"$lutsim" info "$example/net.npz"
"$lutsim" run "$example/net.npz" --input "$example/input.npy" --output "$out/trace_out.npy" --stats "$out/trace_stats.json" -q
cmp -s "$out/trace_out.npy" "$example/expected_output.npy" && echo "output matches the trace's expected output"

echo "== 2. lutsim quantize models/lenet5.onnx (4-bit per-channel LUT) and eval on the MNIST test split"
"$lutsim" quantize "$root/models/lenet5.onnx" --calib "$mnist/calib_x.npy" -o "$out/lenet5_4bit.npz" \
  --weight-bits 4 --grid lut-per-channel --shift per-layer
engines=golden
has compile && engines+=" isa"
for e in $engines; do
  "$lutsim" eval "$out/lenet5_4bit.npz" --data "$mnist/test_x.npy" --labels "$mnist/test_y.npy" --engine "$e" -q
done
/usr/bin/python3 -c "import numpy as np; np.save('$out/digits.npy', np.load('$mnist/test_x.npy')[:4])"

if has compile; then
  echo "== 3. lutsim compile and disasm (first lines)"
  "$lutsim" compile "$out/lenet5_4bit.npz" --hw default -o "$out/lenet5_4bit.lsp"
  "$lutsim" disasm "$out/lenet5_4bit.lsp" >"$out/lenet5_4bit.lsa"
  sed -n 1,24p "$out/lenet5_4bit.lsa"
fi

if has verify; then
  echo "== 4. lutsim verify: every engine built, layer by layer"
  "$lutsim" verify "$out/lenet5_4bit.npz" --input "$out/digits.npy" --report "$out/verify.json"
fi

if has sim; then
  echo "== 5. lutsim sim: the SystemC model"
  energy=()
  has report && energy=(--energy 45nm)
  "$lutsim" sim "$out/lenet5_4bit.npz" --hw default --input "$out/digits.npy" --output "$out/sim_out.npy" \
    --report "$out/sim_report.json" --timeline "$out/timeline.json" "${energy[@]}"
  if has report; then
    "$lutsim" report "$out/sim_report.json" -o "$out/report.html"
  fi
fi

echo "== 6. lutsim gen --arch resnet18 (4-bit per-channel LUT), then run one 224x224 image"
"$lutsim" gen --arch resnet18 --weight-bits 4 --lut per-channel --seed 1 -o "$out/resnet18.npz"
/usr/bin/python3 -c "import numpy as np; np.save('$out/x224.npy', np.random.default_rng(0).integers(0, 256, (1, 224, 224, 3), dtype=np.uint8))"
"$lutsim" run "$out/resnet18.npz" --input "$out/x224.npy" --output "$out/resnet18_out.npy" --stats "$out/resnet18_stats.json"
echo "== 7. import lutsim: examples/python (PYTHONPATH=build/python, Debian's /usr/bin/python3)"
export PYTHONPATH="$root/build/python${PYTHONPATH:+:$PYTHONPATH}"
/usr/bin/python3 "$root/examples/python/quantize_lenet5.py" --test-images 500 --systemc-images 100
/usr/bin/python3 "$root/examples/python/sweep_resnet18.py" -o "$out/sweep_resnet18.png"
echo "demo outputs in $out"
