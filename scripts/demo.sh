#!/usr/bin/env bash
# The main job on the bundled example: build lutsim, inspect and run the bundled LeNet-5 trace network, then
# generate a 4-bit LUT ResNet-18 (224x224x3) and run one image through the golden model.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh" "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
lutsim="$root/build/cli/lutsim"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

example="$root/traces/lenet5_per_layer"
echo "== lutsim info $example/net.npz"
"$lutsim" info "$example/net.npz"
echo "== lutsim run (bundled LeNet-5 example)"
"$lutsim" run "$example/net.npz" --input "$example/input.npy" --output "$work/out.npy" --stats "$work/stats.json"
cmp -s "$work/out.npy" "$example/expected_output.npy" && echo "output matches traces/ golden output"

echo "== lutsim gen --arch resnet18 (4-bit per-channel LUT), then run one 224x224 image"
"$lutsim" gen --arch resnet18 --weight-bits 4 --lut per-channel --seed 1 -o "$work/resnet18.npz"
/usr/bin/python3 -c "import numpy as np; np.save('$work/x.npy', np.random.default_rng(0).integers(0, 256, (1, 224, 224, 3), dtype=np.uint8))"
"$lutsim" run "$work/resnet18.npz" --input "$work/x.npy" --output "$work/y.npy" --stats "$work/resnet18_stats.json"
