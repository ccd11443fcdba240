#!/usr/bin/python3
"""Measures the accuracy tables of docs/quantization.md: every model under every configuration, quantized with mmse
and with lapq, evaluated by the golden model on the MNIST test split; then the per-layer LUT ablation.

Usage: /usr/bin/python3 tests/python/quant_accuracy_table.py BIN [--threads 2] [--out DIR]
  BIN is the binary with the quantize and eval commands (build/cli/lutsim).
Fetches data/mnist with scripts/fetch_mnist.sh when it is missing. Prints Markdown tables and the wall time of every quantization.
"""
import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLOAT = {"lenet5": 98.05, "resnet_small": 97.75, "mobilenet": 97.60}  # models/README.md
CONFIGS = [
    ("4-bit per-layer LUT, per-layer shift", ["--weight-bits", "4", "--grid", "lut-per-layer"]),
    ("4-bit per-channel LUT, per-layer shift", ["--weight-bits", "4", "--grid", "lut-per-channel"]),
    ("4-bit per-channel LUT, per-channel shift", ["--weight-bits", "4", "--grid", "lut-per-channel", "--shift", "per-channel"]),
    ("4-bit uniform, per-layer shift", ["--weight-bits", "4", "--grid", "uniform"]),
    ("4-bit uniform, per-channel shift", ["--weight-bits", "4", "--grid", "uniform", "--shift", "per-channel"]),
    ("3-bit per-channel LUT", ["--weight-bits", "3", "--grid", "lut-per-channel"]),
    ("2-bit per-channel LUT", ["--weight-bits", "2", "--grid", "lut-per-channel"]),
    ("8-bit, per-layer shift", ["--weight-bits", "8"]),
    ("mixed {2,3,4,8}, average 3 bits, per-channel LUT", ["--avg-bits", "3", "--grid", "lut-per-channel"]),
]
ABLATION = [
    ("mmse", []),
    ("+ equalization", ["--equalize"]),
    ("+ bias correction", ["--bias-correction"]),
    ("+ equalization + bias correction", ["--equalize", "--bias-correction"]),
    ("lapq", ["--method", "lapq"]),
    ("lapq + equalization + bias correction", ["--method", "lapq", "--equalize", "--bias-correction"]),
]


def run(binary, model, args, out, threads):
    d = os.path.join(ROOT, "data", "mnist")
    net = os.path.join(out, "net.npz")
    t0 = time.time()
    subprocess.run([binary, "quantize", os.path.join(ROOT, "models", model + ".onnx"), "--calib",
                    os.path.join(d, "calib_x.npy"), "-o", net, "--threads", str(threads), "-q"] + args, check=True)
    secs = time.time() - t0
    r = subprocess.run([binary, "eval", net, "--data", os.path.join(d, "test_x.npy"), "--labels",
                        os.path.join(d, "test_y.npy"), "--threads", str(threads), "-q"], check=True,
                       capture_output=True, text=True)
    acc = float(re.search(r"accuracy: ([0-9.]+)%", r.stdout).group(1))
    print(f"  {model} {' '.join(args)}: {acc:.2f}% ({secs:.1f} s)", file=sys.stderr, flush=True)
    return acc, secs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="/tmp")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    if not os.path.exists(os.path.join(ROOT, "data", "mnist", "test_y.npy")):
        subprocess.run([os.path.join(ROOT, "scripts", "fetch_mnist.sh")], check=True)
    print("| model | config | float | mmse | lapq | lapq time |")
    print("| --- | --- | --- | --- | --- | --- |")
    for model in FLOAT:
        for name, args in CONFIGS:
            m, _ = run(a.binary, model, args, a.out, a.threads)
            l, secs = run(a.binary, model, args + ["--method", "lapq"], a.out, a.threads)
            print(f"| {model} | {name} | {FLOAT[model]:.2f} | {m:.2f} | {l:.2f} | {secs:.0f} s |", flush=True)
    print()
    print("| model (4-bit per-layer LUT, per-layer shift) | steps | accuracy | vs float | time |")
    print("| --- | --- | --- | --- | --- |")
    for model in FLOAT:
        for name, args in ABLATION:
            acc, secs = run(a.binary, model, ["--weight-bits", "4", "--grid", "lut-per-layer"] + args, a.out, a.threads)
            print(f"| {model} | {name} | {acc:.2f} | {acc - FLOAT[model]:+.2f} | {secs:.1f} s |", flush=True)


if __name__ == "__main__":
    main()
