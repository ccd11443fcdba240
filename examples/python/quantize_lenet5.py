#!/usr/bin/python3
"""Quantizes the bundled float LeNet-5 on MNIST, measures its accuracy, and compares the engines on it.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/quantize_lenet5.py [--data data/mnist]

Quantizes models/lenet5.onnx at a few weight formats, evaluates each on the MNIST test images on the golden model
(and a subset on the SystemC model, whose predictions must be the same), and runs lutsim.verify on one image over
every engine built. Exits 1 when any engine disagrees.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

import lutsim

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT / "data" / "mnist"), help="folder of the MNIST .npy files")
    ap.add_argument("--model", default=str(ROOT / "models" / "lenet5.onnx"))
    ap.add_argument("--test-images", type=int, default=2004)
    ap.add_argument("--systemc-images", type=int, default=100)
    args = ap.parse_args()

    d = Path(args.data)
    calib = np.load(d / "calib_x.npy")
    x, y = np.load(d / "test_x.npy")[: args.test_images], np.load(d / "test_y.npy")[: args.test_images]
    formats = [
        dict(weight_bits=4, grid="lut-per-layer", shift="per-layer"),
        dict(weight_bits=4, grid="lut-per-channel", shift="per-layer"),
        dict(weight_bits=2, grid="lut-per-channel", shift="per-channel", bias_correction=True),
        dict(weight_bits=8),
    ]
    ok = True
    print(f"{'format':<76} {'golden':>8} {'systemc':>8}  verify")
    for f in formats:
        net = lutsim.quantize(args.model, calib, **f)
        golden = lutsim.evaluate(net, x, y)
        n = min(args.systemc_images, len(x))
        sc = lutsim.evaluate(net, x[:n], y[:n], engine="systemc")
        same = bool((sc.predictions == golden.predictions[:n]).all())
        v = lutsim.verify(net, x, engines=[e for e in lutsim.engines() if e != "reference"])
        ok &= same and v.passed
        name = ", ".join(f"{k}={val}" for k, val in f.items())
        print(f"{name:<76} {100 * golden.accuracy:>7.2f}% {100 * sc.accuracy:>7.2f}%  "
              f"{'bit-exact' if v.bit_exact else 'MISMATCH'} on {','.join(v.engines)}"
              f"{'' if same else '  (systemc predictions differ!)'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
