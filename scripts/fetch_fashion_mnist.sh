#!/usr/bin/env bash
# Converts Fashion-MNIST (Xiao, Rasul and Vollgraf 2017; Zalando's 70,000 28x28 grey article images in 10 classes)
# from the Debian package `dataset-fashion-mnist` to the tensors lutsim reads, in data/fashion-mnist/ (git-ignored),
# in the layout of data/mnist (scripts/fetch_mnist.sh):
#
#   train_x.npy  u8 [60000, 28, 28, 1]   NHWC pixels 0..255 (real value = q * 2^-8, lutsim's input exponent)
#   train_y.npy  s32 [60000]             labels 0..9: T-shirt/top, trouser, pullover, dress, coat, sandal, shirt,
#                                        sneaker, bag, ankle boot
#   test_x.npy   u8 [10000, 28, 28, 1]
#   test_y.npy   s32 [10000]
#   calib_x.npy  u8 [512, 28, 28, 1]     the first 512 training images, for calibration (calib_y.npy: labels)
#
# The package installs the original IDX files, gzip-compressed, in /usr/share/datasets/fashion-mnist/: images with
# a 16-byte header (magic 2051, count, 28, 28, big-endian u32), labels with an 8-byte header (magic 2049, count).
# The splits and their order are the original ones (the training set is already shuffled: its first 512 images hold
# every class). Debian recompressed the files, so the SHA-256 sums below are of the decompressed IDX bytes.
#
# Usage: scripts/fetch_fashion_mnist.sh [DATA_DIR]   (default: <repo>/data). Idempotent: a second run does nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${1:-$root/data}
out="$data/fashion-mnist"
src=/usr/share/datasets/fashion-mnist
python=/usr/bin/python3  # Debian's interpreter, with python3-numpy

if [[ -f "$out/test_y.npy" && -f "$out/calib_x.npy" ]]; then
  echo "fetch_fashion_mnist: $out already present"
  exit 0
fi
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  if [[ ! -f "$src/$f.gz" ]]; then
    echo "fetch_fashion_mnist: $src/$f.gz is missing: install the Debian package dataset-fashion-mnist" \
         "(scripts/setup.sh does)" >&2
    exit 1
  fi
done
# Written to a temporary folder and renamed at the end, so that an interrupted run leaves nothing that looks done.
rm -rf "$out.tmp"
mkdir -p "$out.tmp"

"$python" - "$src" "$out.tmp" <<'EOF'
import gzip
import hashlib
import os
import sys

import numpy as np

src, out = sys.argv[1], sys.argv[2]
# (file, SHA-256 of the decompressed IDX bytes, magic, count)
FILES = {
    "train_x": ("train-images-idx3-ubyte", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", 2051, 60000),
    "train_y": ("train-labels-idx1-ubyte", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", 2049, 60000),
    "test_x": ("t10k-images-idx3-ubyte", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", 2051, 10000),
    "test_y": ("t10k-labels-idx1-ubyte", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", 2049, 10000),
}


def read(key):
    name, sha, magic, count = FILES[key]
    path = os.path.join(src, name + ".gz")
    with gzip.open(path, "rb") as f:
        b = f.read()
    header = 16 if magic == 2051 else 8
    size = header + count * (784 if magic == 2051 else 1)
    if len(b) != size:
        sys.exit(f"fetch_fashion_mnist: {path}: {len(b)} bytes decompressed, expected {size}")
    h = np.frombuffer(b[:header], dtype=">u4")
    want = [magic, count] + ([28, 28] if magic == 2051 else [])
    if h.tolist() != want:
        sys.exit(f"fetch_fashion_mnist: {path}: header {h.tolist()}, expected {want} (magic, count[, rows, cols])")
    got = hashlib.sha256(b).hexdigest()
    if got != sha:
        sys.exit(f"fetch_fashion_mnist: {path}: decompressed SHA-256 {got}, expected {sha}")
    a = np.frombuffer(b, dtype=np.uint8, offset=header)
    if magic == 2051:
        return np.ascontiguousarray(a.reshape(count, 28, 28, 1))
    if a.max() > 9:
        sys.exit(f"fetch_fashion_mnist: {path}: label {a.max()} outside 0..9")
    return np.ascontiguousarray(a.astype("<i4"))


for split in ("train", "test"):
    x, y = read(split + "_x"), read(split + "_y")
    np.save(os.path.join(out, f"{split}_x.npy"), x)
    np.save(os.path.join(out, f"{split}_y.npy"), y)
    if split == "train":
        np.save(os.path.join(out, "calib_x.npy"), np.ascontiguousarray(x[:512]))
        np.save(os.path.join(out, "calib_y.npy"), np.ascontiguousarray(y[:512]))
        print(f"fetch_fashion_mnist: calib: 512 images, per class {np.bincount(y[:512], minlength=10).tolist()}")
    print(f"fetch_fashion_mnist: {split}: {len(x)} images, per class {np.bincount(y, minlength=10).tolist()}")
EOF
rm -rf "$out"
mv "$out.tmp" "$out"
echo "fetch_fashion_mnist: wrote $out"
